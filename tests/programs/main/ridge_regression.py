# Source: written the way JAX implicit-differentiation examples set up ridge regression
# (closed form with jnp.linalg.solve, validation loss, its gradient w.r.t. the regulariser)
# cf. jaxopt "Implicit differentiation" docs
import jax
import jax.numpy as jnp
from jax import grad, jit

jax.config.update("jax_enable_x64", True)

X = jnp.stack([jnp.linspace(0, 1, 15), jnp.sin(jnp.arange(15.0)), jnp.ones(15)], 1)
y = X @ jnp.array([1.5, -0.5, 0.2]) + 0.1 * jnp.cos(jnp.arange(15.0) * 3)
X_val, y_val = X[:5] * 1.1, y[:5]


def ridge(log_lam):
    lam = jnp.exp(log_lam)
    A = X.T @ X + lam * jnp.eye(X.shape[1])
    return jnp.linalg.solve(A, X.T @ y)


def val_loss(log_lam):
    w = ridge(log_lam)
    return jnp.mean((X_val @ w - y_val) ** 2)


def main():
    w = jit(ridge)(0.0)
    g = grad(val_loss)(0.0)
    h = 1e-5
    fd = (val_loss(h) - val_loss(-h)) / (2 * h)
    print(w, g, fd)
    return {"w": w, "grad": g, "fd": fd}


if __name__ == "__main__":
    main()
