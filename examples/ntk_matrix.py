"""The empirical neural tangent kernel of a small MLP: per-example Jacobians of the
network output with respect to every parameter (``vmap`` of ``grad`` over a pytree of
weights), then their inner products for every pair of inputs. Checked against central
finite differences."""

from __future__ import annotations

import numpy as np
from gallery import options, save_figure

import axcomp as ax
import axcomp.numpy as anp


def mlp(params, x):  # one scalar input -> one scalar output
    h = anp.tanh(params["w1"] * x + params["b1"])
    return anp.dot(params["w2"], h)


@ax.jit
def ntk(params, xs):
    g = ax.vmap(ax.grad(mlp), in_axes=(None, 0))(params, xs)  # a pytree of (n, ...) arrays
    return sum(anp.tensordot(v, v, axes=(list(range(1, v.ndim)),) * 2) for v in g.values())


def main() -> None:
    args = options(__doc__ or "")
    width, n = (16, 12) if args.small else (256, 60)
    rng = np.random.default_rng(0)
    params = {
        "w1": rng.standard_normal(width),
        "b1": rng.standard_normal(width),
        "w2": rng.standard_normal(width) / np.sqrt(width),
    }
    xs = np.linspace(-2, 2, n)
    theta = ntk(params, xs)

    # the reference: every parameter's derivative by central differences
    flat = np.concatenate([params[k] for k in ("w1", "b1", "w2")])

    def f(p, x):
        w1, b1, w2 = np.split(p, 3)
        return w2 @ np.tanh(w1 * x + b1)

    eps = 1e-6
    basis = np.eye(flat.size) * eps
    jac = np.array([[(f(flat + e, x) - f(flat - e, x)) / (2 * eps) for e in basis] for x in xs])
    print(f"NTK of a width-{width} MLP at {n} inputs: shape {theta.shape}")
    print("symmetric:", np.allclose(theta, theta.T))
    print("matches finite differences:", np.allclose(theta, jac @ jac.T, rtol=1e-5, atol=1e-6))
    print(f"eigenvalues >= 0: {bool(np.linalg.eigvalsh(theta).min() > -1e-8)}")

    def draw(plt):
        plt.imshow(theta, extent=(-2, 2, 2, -2), cmap="viridis")
        plt.colorbar(label="Θ(x, x')")
        plt.xlabel("x'")
        plt.ylabel("x")
        plt.title("Empirical NTK")

    save_figure(args.out, "ntk_matrix.png", draw)


if __name__ == "__main__":
    main()
