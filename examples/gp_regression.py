"""Gaussian-process regression: the RBF kernel written for one pair of points, mapped over
all pairs with two ``vmap``s, and the posterior mean and standard deviation of noisy
samples of sin(x), compared with the same formulas in plain NumPy."""

from __future__ import annotations

import numpy as np
from gallery import options, save_figure

import axcomp as ax
import axcomp.numpy as anp

LENGTH, NOISE = 0.7, 0.1


def rbf(a, b):  # one pair of points
    return anp.exp(-0.5 * anp.sum((a - b) ** 2) / LENGTH**2)


gram = ax.vmap(ax.vmap(rbf, in_axes=(None, 0)), in_axes=(0, None))


@ax.jit
def posterior(x, y, xs):
    k = gram(x, x) + NOISE**2 * anp.eye(x.shape[0])
    ks = gram(xs, x)
    mean = ks @ anp.linalg.solve(k, y)
    var = 1.0 - anp.sum(ks * anp.linalg.solve(k, ks.T).T, axis=1)
    return mean, anp.sqrt(anp.maximum(var, 0.0))


def main() -> None:
    args = options(__doc__ or "")
    n, m = (12, 50) if args.small else (40, 400)
    rng = np.random.default_rng(0)
    x = np.sort(rng.uniform(-3, 3, n))[:, None]
    y = np.sin(x[:, 0]) + NOISE * rng.standard_normal(n)
    xs = np.linspace(-4, 4, m)[:, None]
    mean, std = posterior(x, y, xs)

    # the same posterior in plain NumPy
    def gram_np(a, b):
        return np.exp(-0.5 * ((a[:, None, 0] - b[None, :, 0]) ** 2) / LENGTH**2)

    k = gram_np(x, x) + NOISE**2 * np.eye(n)
    ks = gram_np(xs, x)
    ref_mean = ks @ np.linalg.solve(k, y)
    ref_std = np.sqrt(np.maximum(1 - np.sum(ks * np.linalg.solve(k, ks.T).T, axis=1), 0))
    print(f"{n} samples, posterior at {m} points")
    print("mean matches NumPy:", np.allclose(mean, ref_mean))
    print("std matches NumPy: ", np.allclose(std, ref_std))
    inside = np.abs(np.sin(xs[:, 0]) - mean) <= 2 * std + 1e-9
    print(f"sin(x) inside the 2-sigma band at {inside.mean():.0%} of the points")

    def draw(plt):
        plt.fill_between(xs[:, 0], mean - 2 * std, mean + 2 * std, alpha=0.3, label="±2σ")
        plt.plot(xs[:, 0], mean, label="posterior mean")
        plt.plot(xs[:, 0], np.sin(xs[:, 0]), "--", label="sin(x)")
        plt.plot(x[:, 0], y, "k.", label="samples")
        plt.legend(loc="lower right")
        plt.title("GP regression")

    save_figure(args.out, "gp_regression.png", draw)


if __name__ == "__main__":
    main()
