"""Record JAX's results of the elementwise functions NumPy has no complex loop for
(``deg2rad``, ``rad2deg``, ``arctan2``, ``logaddexp``, ``logaddexp2``) and of
``nan_to_num``, on complex operands, for tests/test_complex_elementwise.py (run once, with
JAX installed: ``python tests/complex_elementwise_record.py``; JAX 0.10.2, x64 on).
Writes ``complex_elementwise_reference.npz``: ``<case>/eager`` and ``<case>/jit``. CI reads
the file and needs no JAX."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

OUT = Path(__file__).parent / "complex_elementwise_reference.npz"

_INF, _NAN = float("inf"), float("nan")


def operands(dtype: str = "complex128") -> dict[str, np.ndarray]:
    """The operands: random values, values whose imaginary parts wrap past pi, and
    infinities, NaNs and zeros."""
    rng = np.random.default_rng(42)
    z1 = rng.normal(size=12) * 3 + 1j * rng.normal(size=12) * 3
    z2 = rng.normal(size=12) * 3 + 1j * rng.normal(size=12) * 3
    specials = np.array(
        [0j, complex(_INF, 0), complex(-_INF, 0), complex(_NAN, 1), complex(1, _INF), 2 + 0j]
    )
    other = np.array([0j, 1 + 0j, complex(-_INF, 0), 1j, -2 + 0j, complex(0.5, -3)])
    return {
        "z1": np.concatenate([z1, specials]).astype(dtype),
        "z2": np.concatenate([z2, other]).astype(dtype),
    }


def cases(jnp: Any) -> dict[str, Callable[[dict[str, np.ndarray]], Any]]:
    """case name -> function of the operands (the same for JAX and axcomp)."""
    return {
        "deg2rad": lambda o: jnp.deg2rad(o["z1"]),
        "rad2deg": lambda o: jnp.rad2deg(o["z1"]),
        "radians": lambda o: jnp.radians(o["z2"]),
        "degrees": lambda o: jnp.degrees(o["z2"]),
        "arctan2": lambda o: jnp.arctan2(o["z1"], o["z2"]),
        "arctan2_real_second": lambda o: jnp.arctan2(o["z1"], 2.0),
        "logaddexp": lambda o: jnp.logaddexp(o["z1"], o["z2"]),
        "logaddexp2": lambda o: jnp.logaddexp2(o["z1"], o["z2"]),
        "logaddexp_real_second": lambda o: jnp.logaddexp(o["z1"], 1.5),
        "nan_to_num": lambda o: jnp.nan_to_num(o["z1"]),
        "nan_to_num_values": lambda o: jnp.nan_to_num(o["z1"], nan=1.0, posinf=2.0, neginf=-3.0),
    }


def main() -> None:
    import jax

    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy
    out: dict[str, np.ndarray] = {}
    for dtype in ("complex128", "complex64"):
        ops = operands(dtype)
        for name, fn in cases(jnp).items():
            key = f"{name}:{dtype}"
            out[f"{key}/eager"] = np.asarray(fn(ops))
            out[f"{key}/jit"] = np.asarray(jax.jit(fn)(ops))
    np.savez(OUT, **out)
    print(f"wrote {len(out)} arrays to {OUT}")


if __name__ == "__main__":
    main()
