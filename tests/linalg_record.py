"""Record JAX's values for ``tests/linalg_cases.py`` into ``tests/linalg_jax.npz``, so the
tests need neither JAX nor SciPy. Run once with a JAX installation (x64 on):

    python tests/linalg_record.py
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np

HERE = Path(__file__).parent
OUT = HERE / "linalg_jax.npz"


def main() -> None:
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import jax.scipy.linalg as jsl
    import jax.scipy.sparse.linalg as jsp
    from jax.lax import linalg as jlx

    sys.path.insert(0, str(HERE))
    from linalg_cases import CASES, loss, second

    ns = SimpleNamespace(
        sl=jsl,
        la=jnp.linalg,
        lx=jlx,
        np=jnp,
        sp=jsp,
        lax=jax.lax,
        linear_transpose=jax.linear_transpose,
    )
    arrays: dict[str, np.ndarray] = {}
    for name, case in CASES.items():
        f = case.build(ns)
        for k, args in enumerate((case.args, second(case.args))):
            out = f(*args)
            leaves = out if isinstance(out, tuple) else (out,)
            for i, leaf in enumerate(leaves):
                arrays[f"{name}/value{k}/{i}"] = np.asarray(leaf)
        if case.grad:
            arrays[f"{name}/grad"] = np.asarray(jax.grad(loss(f))(*case.args))
    arrays["jax_version"] = np.array(jax.__version__)
    np.savez_compressed(OUT, **arrays)
    print(f"wrote {len(arrays)} arrays to {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
