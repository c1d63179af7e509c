"""``axcomp demo``: the seed tutorial's story, showing what each spec compiles to."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import numpy as anp
from ..inspect.explain import explain
from ..transforms.jit import jit
from ..transforms.vmap import vmap


def matvec_multiply(matrix: Any, vector: Any) -> Any:
    """matrix: [M, N], vector: [N] -> result: [M]"""
    return anp.dot(matrix, vector)


def euclidean_distance_sq(point_a: Any, point_b: Any) -> Any:
    """Squared Euclidean distance between two 1-D points."""
    return anp.sum((point_a - point_b) ** 2)


def _show(title: str, spec: str, fun: Callable[..., Any], *args: np.ndarray) -> np.ndarray:
    report = explain(fun, *args)
    result: np.ndarray = fun(*args)
    print(f"== {title}")
    print(f"   spec:      {spec}")
    print(f"   inputs:    {', '.join(str(a.shape) for a in args)}")
    equations = report.equations or ["(no contraction)"]
    print(f"   einsum:    {'; '.join(repr(e) for e in equations)}")
    print(f"   output:    shape {result.shape}, dtype {result.dtype}")
    body = np.array2string(result, prefix="   ")
    print(f"   result:\n   {body}")
    print()
    return result


def run_demo() -> None:
    print("axcomp demo: the nested-vmap tutorial, compiled to einsum contractions\n")
    batch_of_matrices = np.arange(18.0).reshape(3, 2, 3)
    batch_of_vectors = np.arange(9.0).reshape(3, 3)
    batch_of_vectors_outer = np.arange(12.0).reshape(4, 3)
    _show(
        "batched matvec (paired)",
        "vmap(matvec_multiply, in_axes=(0, 0))",
        vmap(matvec_multiply, in_axes=(0, 0)),
        batch_of_matrices,
        batch_of_vectors,
    )
    pairwise = vmap(vmap(matvec_multiply, in_axes=(None, 0)), in_axes=(0, None))
    result = _show(
        "pairwise matvec (every matrix x every vector)",
        "vmap(vmap(matvec_multiply, in_axes=(None, 0)), in_axes=(0, None))",
        pairwise,
        batch_of_matrices,
        batch_of_vectors_outer,
    )
    manual = matvec_multiply(batch_of_matrices[1], batch_of_vectors_outer[2])
    print(f"   check: result[1, 2] = {result[1, 2]}, matvec(mats[1], vecs[2]) = {manual}\n")

    points_a = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    points_b = np.array([[2.0, 2.0], [-2.0, 2.0], [2.0, -2.0], [-2.0, -2.0]])
    pairwise_distance_sq = vmap(vmap(euclidean_distance_sq, in_axes=(None, 0)), in_axes=(0, None))
    spec = "vmap(vmap(euclidean_distance_sq, in_axes=(None, 0)), in_axes=(0, None))"
    _show("pairwise squared distances", spec, pairwise_distance_sq, points_a, points_b)
    _show(
        "jit of pairwise squared distances",
        f"jit({spec})",
        jit(pairwise_distance_sq),
        points_a,
        points_b,
    )
    print("generated code for the pairwise matvec:")
    print(explain(pairwise, batch_of_matrices, batch_of_vectors_outer).source)
