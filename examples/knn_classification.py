"""k-nearest-neighbour classification: the squared distance of one query to one training
point, mapped over all pairs; the k nearest labels vote. Checked against a loop over the
queries in NumPy."""

from __future__ import annotations

import numpy as np
from gallery import options, save_figure

import axcomp as ax
import axcomp.numpy as anp

K, CLASSES = 5, 3


def sqdist(q, p):  # one query, one training point
    return anp.sum((q - p) ** 2)


distances = ax.vmap(ax.vmap(sqdist, in_axes=(None, 0)), in_axes=(0, None))


@ax.jit
def classify(queries, points, labels):
    d = distances(queries, points)  # (queries, points)
    nearest = anp.argsort(d, axis=1)[:, :K]
    votes = anp.sum(ax.nn.one_hot(labels[nearest], CLASSES), axis=1)
    return anp.argmax(votes, axis=1)


def blobs(rng, n):
    centres = np.array([[0.0, 0.0], [3.0, 0.5], [1.0, 3.0]])
    labels = rng.integers(0, CLASSES, n)
    return centres[labels] + rng.standard_normal((n, 2)), labels


def main() -> None:
    args = options(__doc__ or "")
    n_train, n_test = (60, 40) if args.small else (600, 400)
    rng = np.random.default_rng(0)
    points, labels = blobs(rng, n_train)
    queries, truth = blobs(rng, n_test)
    predicted = classify(queries, points, labels)

    def one(q):  # the reference: one query at a time
        near = np.argsort(((points - q) ** 2).sum(1), kind="stable")[:K]
        return np.bincount(labels[near], minlength=CLASSES).argmax()

    print(f"{n_train} training points, {n_test} queries, k = {K}")
    print("same as the NumPy loop:", np.array_equal(predicted, [one(q) for q in queries]))
    print(f"accuracy {np.mean(predicted == truth):.0%}")

    def draw(plt):
        lo, hi = points.min() - 0.5, points.max() + 0.5
        g = np.linspace(lo, hi, 60 if args.small else 150)
        grid = np.stack(np.meshgrid(g, g), -1).reshape(-1, 2)
        region = classify(grid, points, labels).reshape(len(g), len(g))
        colours = [f"C{c}" for c in range(CLASSES)]
        plt.contourf(g, g, region, levels=np.arange(CLASSES + 1) - 0.5, colors=colours, alpha=0.25)
        plt.scatter(points[:, 0], points[:, 1], c=[colours[c] for c in labels], s=12)
        plt.title(f"{K}-NN decision regions")

    save_figure(args.out, "knn_classification.png", draw)


if __name__ == "__main__":
    main()
