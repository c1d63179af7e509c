# Source: jax.numpy docs examples (jnp.einsum, jnp.linalg: cholesky, qr, svd, inv, det,
# norm, matrix_power, trace; jnp.outer/kron) used the way NumPy-to-JAX tutorials do
# https://docs.jax.dev/en/latest/jax.numpy.html
import jax
import jax.numpy as jnp

jax.config.update("jax_enable_x64", True)


def main():
    A = jnp.arange(9.0).reshape(3, 3) + jnp.eye(3) * 4
    S = A @ A.T
    B = jnp.arange(12.0).reshape(3, 4)
    out = {
        "einsum_ij": jnp.einsum("ij,jk->ik", A, B),
        "einsum_trace": jnp.einsum("ii", A),
        "einsum_batch": jnp.einsum("bij,bjk->bik", jnp.stack([A, S]), jnp.stack([A, A])),
        "chol": jnp.linalg.cholesky(S),
        "inv": jnp.linalg.inv(A),
        "det": jnp.linalg.det(A),
        "sv": jnp.linalg.svd(B, compute_uv=False),
        "norm_fro": jnp.linalg.norm(B),
        "norm_2": jnp.linalg.norm(A, 2),
        "mpow": jnp.linalg.matrix_power(A, 3),
        "trace": jnp.trace(A),
        "outer": jnp.outer(jnp.arange(3.0), jnp.arange(2.0)),
        "kron": jnp.kron(jnp.eye(2), jnp.ones((2, 2))),
        "r_abs": jnp.abs(jnp.linalg.qr(A)[1]),
    }
    print(out["det"])
    return out


if __name__ == "__main__":
    main()
