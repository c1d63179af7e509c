"""Record JAX's complex derivatives for tests/test_complex_differentiation.py (run once with
JAX installed: ``python tests/complex_differentiation_record.py``). Writes
``complex_differentiation_reference.npz`` (x64): ``grad/<case>`` and ``rgrad/<case>``
(grad of the real-valued cases), ``holo/<case>`` (grad with holomorphic=True),
``jvp/<case>``, ``vjp/<case>``, ``jacfwd``/``jacrev``/``hessian`` (holomorphic),
``parts/a`` and ``parts/b`` (lax.complex). CI reads the file and needs no JAX."""

from __future__ import annotations

import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from complex_differentiation_cases import (
    HOLOMORPHIC,
    REAL_OF_COMPLEX,
    REAL_THROUGH_COMPLEX,
    VECTOR,
    Z_TANGENT,
    X,
    Z,
    complex_from_parts,
)

OUT = Path(__file__).parent / "complex_differentiation_reference.npz"


def _cotangent(out: np.ndarray) -> np.ndarray:
    ct = np.linspace(0.5, 2.0, out.size).reshape(out.shape)
    return ct * (1 - 0.5j) if np.iscomplexobj(out) else ct


def main() -> None:
    jax.config.update("jax_enable_x64", True)
    data: dict[str, np.ndarray] = {}
    for name, case in REAL_OF_COMPLEX.items():
        data[f"grad/{name}"] = np.asarray(jax.grad(case(jnp))(Z))
    for name, case in REAL_THROUGH_COMPLEX.items():
        data[f"rgrad/{name}"] = np.asarray(jax.grad(case(jnp))(X))
    for name, case in HOLOMORPHIC.items():
        data[f"holo/{name}"] = np.asarray(jax.grad(case(jnp), holomorphic=True)(Z))
    for name, case in VECTOR.items():
        f = case(jnp)
        out, tangent = jax.jvp(f, (Z,), (Z_TANGENT,))
        data[f"jvp/{name}"] = np.asarray(tangent)
        _, pullback = jax.vjp(f, Z)
        (data[f"vjp/{name}"],) = (np.asarray(g) for g in pullback(_cotangent(np.asarray(out))))
    parts = jax.grad(complex_from_parts(jnp, jax.lax), argnums=(0, 1))(X, X[::-1].copy())
    data["parts/a"], data["parts/b"] = (np.asarray(g) for g in parts)
    f = VECTOR["holomorphic"](jnp)
    data["jacfwd"] = np.asarray(jax.jacfwd(f, holomorphic=True)(Z))
    data["jacrev"] = np.asarray(jax.jacrev(f, holomorphic=True)(Z))
    data["hessian"] = np.asarray(
        jax.hessian(lambda z: jnp.sum(z**3 * jnp.sin(z)), holomorphic=True)(Z)
    )
    np.savez(OUT, **data)
    print(f"wrote {len(data)} arrays to {OUT}")


if __name__ == "__main__":
    main()
