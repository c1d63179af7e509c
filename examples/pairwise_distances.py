"""A pairwise-distance matrix from the distance of one pair: ``explain`` shows how the
planner compiles it (the two squared norms plus one GEMM, rather than an n×n×d
broadcast), and the heat map of points drawn from three clusters shows their block structure."""

from __future__ import annotations

import numpy as np
from gallery import options, save_figure

import axcomp as ax
import axcomp.numpy as anp


def distance(a, b):  # one pair of points
    return anp.sqrt(anp.sum((a - b) ** 2))


pairwise = ax.jit(ax.vmap(ax.vmap(distance, in_axes=(None, 0)), in_axes=(0, None)))


def main() -> None:
    args = options(__doc__ or "")
    per_cluster, dim = (20, 8) if args.small else (200, 64)
    rng = np.random.default_rng(0)
    centres = 3 * rng.standard_normal((3, dim))
    points = np.concatenate([c + rng.standard_normal((per_cluster, dim)) for c in centres])
    d = pairwise(points, points)
    reference = np.sqrt(((points[:, None, :] - points[None, :, :]) ** 2).sum(-1))
    print(f"{len(points)} points in {dim} dimensions: distances {d.shape}")
    print("match NumPy broadcasting:", np.allclose(d, reference, atol=1e-6))
    print("compiled as:", ax.explain(pairwise, points, points).equations)

    def draw(plt):
        plt.imshow(d, cmap="magma")
        plt.colorbar(label="distance")
        plt.title("Pairwise distances (three clusters)")

    save_figure(args.out, "pairwise_distances.png", draw)


if __name__ == "__main__":
    main()
