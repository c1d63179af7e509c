"""Record JAX's ``lax.top_k`` and ``jnp.argsort``/``jnp.sort`` heads for
tests/test_partial_selection.py (run once with JAX installed: ``python
tests/selection_record.py``). Writes ``selection_jax.npz``: for each case ``name`` the
operand ``name/x``, ``k`` as ``name/k``, JAX's ``top_k`` values and indices
(``name/top_values``, ``name/top_indices``), ``argsort(x)[..., :k]`` (``name/argsort``) and
the gradient of ``top_k(x, k)[0]`` against a fixed cotangent (``name/grad``, floats only).
CI reads the file and needs no JAX."""

from __future__ import annotations

from pathlib import Path

import numpy as np

OUT = Path(__file__).parent / "selection_jax.npz"


def cases() -> dict[str, tuple[np.ndarray, int]]:
    rng = np.random.default_rng(22)
    nan = np.float64(np.nan)
    special = np.array([0.0, -0.0, 1.0, -1.0, nan, -nan, np.inf, -np.inf, 2.5, 2.5])
    return {
        "special_f64": (rng.choice(special, (6, 40)), 5),
        "special_f32": (rng.choice(special, (5, 33)).astype(np.float32), 4),
        "ties_f64": (rng.integers(0, 3, (7, 64)).astype(np.float64), 6),
        "normal_f64": (rng.standard_normal((4, 500)), 9),
        "ints": (rng.integers(-128, 128, (6, 50)).astype(np.int8), 7),
        "uints": (rng.integers(0, 4, (6, 50)).astype(np.uint8), 5),
        "bools": (rng.integers(0, 2, (3, 40)).astype(bool), 4),
        "whole_row": (rng.choice(special, (3, 12)), 12),
        "one_d": (rng.choice(special, 30), 3),
    }


def main() -> None:
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    out: dict[str, np.ndarray] = {}
    for name, (x, k) in cases().items():
        values, indices = jax.lax.top_k(x, k)
        out[f"{name}/x"] = x
        out[f"{name}/k"] = np.asarray(k)
        out[f"{name}/top_values"] = np.asarray(values)
        out[f"{name}/top_indices"] = np.asarray(indices)
        out[f"{name}/argsort"] = np.asarray(jnp.argsort(x, axis=-1)[..., :k])
        if x.dtype.kind == "f":
            ct = np.arange(1.0, k + 1.0, dtype=x.dtype)

            def loss(x: np.ndarray, k: int = k, ct: np.ndarray = ct) -> object:
                return (jax.lax.top_k(x, k)[0] * ct).sum()

            grad = jax.grad(loss)(x)
            out[f"{name}/grad"] = np.asarray(grad)
    np.savez_compressed(OUT, **out)


if __name__ == "__main__":
    main()
