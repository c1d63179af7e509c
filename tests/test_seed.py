"""The seed tutorial runs unchanged under axcomp and prints what JAX prints."""

import contextlib
import io
import runpy
from pathlib import Path

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "seed_tutorial.py"

# What the tutorial (run under JAX) prints for these lines.
EXPECTED_LINES = [
    "Single matvec: [ 5. 14.]",
    "Shape of pairwise matvec result: (3, 4, 2)",
    "Manual calculation for (1, 2): [149. 212.]",
    "Result from nested vmap for (1, 2): [149. 212.]",
    "Shape of distance matrix: (3, 4)",
    "Manual dist_sq[0, 0]: 5.0",
    "Matrix element [0, 0]: 5.0",
]


@pytest.fixture(scope="module")
def seed_run():
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        namespace = runpy.run_path(str(EXAMPLE))
    return out.getvalue(), namespace


def test_seed_prints_the_tutorial_values(seed_run):
    text, _ = seed_run
    for line in EXPECTED_LINES:
        assert line in text.splitlines()


def test_seed_values_match_numpy(seed_run):
    _, ns = seed_run
    mats, vecs = ns["batch_of_matrices"], ns["batch_of_vectors_outer"]
    np.testing.assert_array_equal(ns["result"], np.einsum("amn,bn->abm", mats, vecs))
    np.testing.assert_array_equal(ns["result"][1, 2], ns["manual_calc"])
    pa, pb = ns["points_a"], ns["points_b"]
    expected = ((pa[:, None, :] - pb[None, :, :]) ** 2).sum(-1)
    for key in ("distance_matrix", "distance_matrix_direct", "distance_matrix_jitted"):
        np.testing.assert_array_equal(ns[key], expected)
        assert ns[key].shape == (3, 4)
    assert ns["distance_matrix"][0, 0] == 5.0
    paired = ns["batched_matvec"](ns["batch_of_matrices"], ns["batch_of_vectors"])
    np.testing.assert_array_equal(
        paired, np.einsum("bmn,bn->bm", ns["batch_of_matrices"], ns["batch_of_vectors"])
    )


def _canonical(eq: str) -> str:
    """Rename letters by first appearance, so equivalent equations compare equal."""
    names: dict[str, str] = {}
    out = []
    for ch in eq:
        if ch.isalpha():
            names.setdefault(ch, chr(ord("a") + len(names)))
            out.append(names[ch])
        else:
            out.append(ch)
    return "".join(out)


def matvec(M, v):
    return anp.dot(M, v)


def test_pairwise_matvec_is_one_contraction():
    f = ax.vmap(ax.vmap(matvec, in_axes=(None, 0)), in_axes=(0, None))
    ex = ax.explain(
        f, ax.ShapeDtypeStruct((3, 2, 3), np.float64), ax.ShapeDtypeStruct((4, 3), np.float64)
    )
    assert [_canonical(e) for e in ex.equations] == [_canonical("amn,bn->abm")]
    assert "for " not in ex.source and "vectorize" not in ex.source


def test_batched_matvec_is_one_contraction():
    f = ax.vmap(matvec, in_axes=(0, 0))
    ex = ax.explain(f, np.zeros((3, 2, 3)), np.zeros((3, 3)))
    assert [_canonical(e) for e in ex.equations] == [_canonical("bmn,bn->bm")]


def test_nested_outer_is_one_contraction():
    f = ax.vmap(ax.vmap(anp.outer, in_axes=(None, 0)), in_axes=(0, None))
    ex = ax.explain(f, np.zeros((3, 5)), np.zeros((4, 6)))
    assert [_canonical(e) for e in ex.equations] == [_canonical("ai,bj->abij")]


def test_vdot_as_matmul_and_bilinear_are_one_contraction():
    vd = ax.vmap(ax.vmap(lambda x, y: x @ y, in_axes=(None, 0)), in_axes=(0, None))
    ex = ax.explain(vd, np.zeros((3, 5)), np.zeros((4, 5)))
    assert [_canonical(e) for e in ex.equations] == [_canonical("an,bn->ab")]
    bil = ax.vmap(lambda x, A, y: x @ A @ y, in_axes=(0, None, 0))
    x, A, y = np.random.rand(6, 3), np.random.rand(3, 4), np.random.rand(6, 4)
    ex = ax.explain(bil, x, A, y)
    assert len(ex.equations) == 1
    assert _canonical(ex.equations[0]) == _canonical("bi,ij,bj->b")
    np.testing.assert_allclose(bil(x, A, y), np.einsum("bi,ij,bj->b", x, A, y))
