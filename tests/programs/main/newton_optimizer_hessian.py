# Source: written the way JAX second-order optimisation snippets are (Newton's method on a
# smooth convex function with jax.hessian and jnp.linalg.solve; Rosenbrock Hessian)
import jax
import jax.numpy as jnp
from jax import grad, hessian, jit

jax.config.update("jax_enable_x64", True)


def f(x):
    return jnp.sum(jnp.exp(x) - x) + 0.5 * jnp.sum((x[1:] - x[:-1]) ** 2)


def rosen(x):
    return jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


@jit
def newton_step(x):
    return x - jnp.linalg.solve(hessian(f)(x), grad(f)(x))


def main():
    x = jnp.array([1.0, -0.5, 2.0, 0.3])
    for _ in range(6):
        x = newton_step(x)
    H = hessian(rosen)(jnp.array([0.5, 1.0, 1.5]))
    print(x, grad(f)(x))
    return {"x": x, "g": grad(f)(x), "rosen_hessian": H}


if __name__ == "__main__":
    main()
