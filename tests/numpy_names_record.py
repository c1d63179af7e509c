"""Record reference values for the jax.numpy / jax.numpy.linalg functions tested in
tests/test_numpy_linalg_array_api.py and tests/test_window_functions.py (run once, with JAX
installed: ``python tests/numpy_names_record.py``). Writes ``numpy_names_reference.npz``:
the inputs ``<case>/in<i>`` and JAX's (x64) outputs ``<case>/out``, ``<case>/grad``. CI
reads the file and needs no JAX."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

OUT = Path(__file__).parent / "numpy_names_reference.npz"


def inputs() -> dict[str, list[np.ndarray]]:
    rng = np.random.default_rng(11)
    return {
        "linalg.cross": [rng.normal(size=(4, 3)), rng.normal(size=(3,))],
        "linalg.outer": [rng.normal(size=5), rng.normal(size=3)],
        "linalg.diagonal": [rng.normal(size=(2, 3, 4))],
        "linalg.matrix_transpose": [rng.normal(size=(2, 3, 4))],
        "linalg.trace": [rng.normal(size=(2, 4, 4))],
        "linalg.trace_int": [rng.integers(-5, 5, size=(3, 3)).astype(np.int32)],
        "linalg.tensordot": [rng.normal(size=(2, 3, 4)), rng.normal(size=(3, 4, 5))],
        "linalg.vecdot": [
            rng.normal(size=(3, 4)) + 1j * rng.normal(size=(3, 4)),
            rng.normal(size=(2, 3, 4)),
        ],
        "kaiser": [np.array([0.5, 3.0, 8.6])],
    }


def linalg_calls(jnp: Any) -> dict[str, Callable[..., Any]]:
    """The jnp.linalg calls recorded, on ``jnp`` (JAX's here, axcomp's in the tests)."""
    return {
        "linalg.cross": lambda a, b: jnp.linalg.cross(a, b),
        "linalg.outer": lambda a, b: jnp.linalg.outer(a, b),
        "linalg.diagonal": lambda a: jnp.linalg.diagonal(a, offset=1),
        "linalg.matrix_transpose": lambda a: jnp.linalg.matrix_transpose(a),
        "linalg.trace": lambda a: jnp.linalg.trace(a, offset=-1),
        "linalg.trace_int": lambda a: jnp.linalg.trace(a),
        "linalg.tensordot": lambda a, b: jnp.linalg.tensordot(a, b, axes=2),
        "linalg.vecdot": lambda a, b: jnp.linalg.vecdot(a, b),
    }


def main() -> None:
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    ins = inputs()
    calls = {**linalg_calls(jnp), "kaiser": lambda b: jnp.stack([jnp.kaiser(7, x) for x in b])}
    out: dict[str, np.ndarray] = {}
    for name, args in ins.items():
        for i, a in enumerate(args):
            out[f"{name}/in{i}"] = a
        out[f"{name}/out"] = np.asarray(calls[name](*args))
        if np.asarray(args[0]).dtype == np.float64:
            g = jax.grad(lambda *a, f=calls[name]: jnp.sum(jnp.sin(f(*a))))(*args)
            out[f"{name}/grad"] = np.asarray(g)
    np.savez_compressed(OUT, **out)


if __name__ == "__main__":
    main()
