"""Record JAX's derivatives of ``tests/complex_linalg_cases.py`` into
``tests/complex_linalg_jax.npz`` (x64), so the tests need no JAX. Run once with JAX:

    python tests/complex_linalg_record.py

Keys: ``<case>/value``, ``<case>/grad`` (``jax.grad``: conj of d/dx + i d/dy) and
``<case>/jvp`` (``jax.jvp`` along ``complex_linalg_cases.tangent``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
OUT = HERE / "complex_linalg_jax.npz"


def main() -> None:
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import jax.scipy.linalg as jsl

    sys.path.insert(0, str(HERE))
    from complex_linalg_cases import CASES, SCIPY_CASES, tangent

    arrays: dict[str, np.ndarray] = {}
    built = [(n, b(jnp, jnp.linalg), a) for n, (b, a) in CASES.items()]
    built += [(n, b(jnp, jsl), a) for n, (b, a) in SCIPY_CASES.items()]
    for name, f, a in built:
        arrays[f"{name}/value"] = np.asarray(f(a))
        arrays[f"{name}/grad"] = np.asarray(jax.grad(f)(a))
        arrays[f"{name}/jvp"] = np.asarray(jax.jvp(f, (a,), (tangent(a),))[1])
    arrays["jax_version"] = np.array(jax.__version__)
    np.savez_compressed(OUT, **arrays)
    print(f"wrote {len(arrays)} arrays to {OUT}")


if __name__ == "__main__":
    main()
