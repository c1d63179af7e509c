"""Per-example gradients of a logistic-regression loss: ``grad`` of the loss of one
example, ``vmap``ped over the batch, one compiled program; their norms (what clipping in
differentially private training reads). Checked against the closed-form gradient of each
example."""

from __future__ import annotations

import numpy as np
from gallery import options, save_figure

import axcomp as ax
import axcomp.numpy as anp


def loss(w, x, y):  # one example
    z = anp.dot(x, w)
    return anp.logaddexp(0.0, z) - y * z


per_example_grads = ax.jit(ax.vmap(ax.grad(loss), in_axes=(None, 0, 0)))


def main() -> None:
    args = options(__doc__ or "")
    n, d = (64, 5) if args.small else (4096, 20)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, d))
    w_true = rng.standard_normal(d)
    y = (x @ w_true + 0.5 * rng.standard_normal(n) > 0).astype(float)
    w = np.zeros(d) + 0.1
    grads = per_example_grads(w, x, y)
    # d/dw [log(1 + e^z) - y z] = (sigmoid(z) - y) x
    closed_form = (1 / (1 + np.exp(-(x @ w))) - y)[:, None] * x
    norms = np.linalg.norm(grads, axis=1)
    print(f"gradients of {n} examples: shape {grads.shape}")
    print("match the closed form:", np.allclose(grads, closed_form))
    print(f"norms: median {np.median(norms):.3f}, max {norms.max():.3f}")
    print(
        "mean of them is the batch gradient:",
        np.allclose(
            grads.mean(0), ax.grad(lambda w: anp.mean(ax.vmap(loss, (None, 0, 0))(w, x, y)))(w)
        ),
    )

    def draw(plt):
        plt.hist(norms, bins=30)
        plt.xlabel("per-example gradient norm")
        plt.ylabel("examples")
        plt.title("Per-example gradient norms")

    save_figure(args.out, "per_example_gradients.png", draw)


if __name__ == "__main__":
    main()
