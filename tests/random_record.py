"""Record JAX's outputs for the cases in ``random_cases.py`` (run once, in a venv with
``jax==0.10.*``; the tests then need no JAX):

    /path/to/jax-venv/bin/python tests/random_record.py

Writes ``tests/random_jax.npz``: one array per case, and ``__jax_version__``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import jax  # noqa: E402
import jax.random as jr  # noqa: E402
import random_cases  # noqa: E402


def record() -> dict[str, np.ndarray]:
    cases = {**random_cases.EXACT, **random_cases.CLOSE}
    out: dict[str, np.ndarray] = {}
    for x64 in (False, True):
        jax.config.update("jax_enable_x64", x64)
        for name, case in cases.items():
            if random_cases.is_x64(name) == x64:
                out[name] = np.asarray(case(jr, jax, jr.PRNGKey(random_cases.SEED)))
    out["__jax_version__"] = np.array(jax.__version__)
    return out


if __name__ == "__main__":
    if not jax.__version__.startswith("0.10."):
        sys.exit(f"record with JAX 0.10, found {jax.__version__}")
    np.savez_compressed(HERE / "random_jax.npz", **record())
