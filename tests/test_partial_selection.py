"""Partial selection: ``lax.top_k`` and ``argsort(x)[..., :k]``/``sort(x)[..., :k]`` by a
partition and a sort of the k selected (``argselect``), checked against full stable sorts,
JAX's recorded outputs (``selection_record.py``), the plain full-sort program and finite
differences."""

from __future__ import annotations

import types
from pathlib import Path

import numpy as np
import pytest

import axcomp as ax
import axcomp.lax as lax
import axcomp.numpy as anp
from axcomp.backends.selection import _argselect

RECORDED = np.load(Path(__file__).parent / "selection_jax.npz")
CASES = sorted({key.split("/")[0] for key in RECORDED.files})


def _total_order_desc(x: np.ndarray, k: int) -> np.ndarray:
    """The reference for ``largest``: a full stable sort by IEEE totalOrder, descending."""
    if x.dtype.kind == "f":
        bits = x.view(np.dtype(f"i{x.dtype.itemsize}"))
        key = np.where(bits < 0, bits ^ np.iinfo(bits.dtype).max, bits)
        return np.argsort(~key, axis=-1, kind="stable")[..., :k]
    return np.argsort(~x, axis=-1, kind="stable")[..., :k]


def _random_operand(rng: np.random.Generator) -> np.ndarray:
    shape = tuple(int(s) for s in rng.integers(1, 7, size=rng.integers(1, 4)))
    kind = rng.integers(0, 5)
    if kind == 0:
        pool = np.array([0.0, -0.0, 1.0, -1.0, np.nan, -np.nan, np.inf, -np.inf, 2.5])
        return rng.choice(pool, shape)
    if kind == 1:
        return rng.standard_normal(shape).astype(np.float32)
    if kind == 2:
        return rng.integers(-128, 128, shape).astype(np.int8)
    if kind == 3:
        return rng.integers(0, 3, shape).astype(np.uint16)
    return rng.integers(0, 2, shape).astype(bool)


def test_argselect_is_the_head_of_a_full_stable_sort() -> None:
    rng = np.random.default_rng(0)
    for _ in range(600):
        x = _random_operand(rng)
        axis = int(rng.integers(-x.ndim, x.ndim))
        k = int(rng.integers(0, x.shape[axis] + 1))
        moved = np.moveaxis(x, axis, -1)
        for largest, ref in (
            (False, np.argsort(moved, axis=-1, kind="stable")[..., :k]),
            (True, _total_order_desc(moved, k)),
        ):
            got = _argselect(x, k, axis, largest)
            assert got.dtype == np.intp
            np.testing.assert_array_equal(got, np.moveaxis(ref, -1, axis))


def test_argselect_redoes_only_lines_with_boundary_ties() -> None:
    # a tie across the boundary: argpartition may keep index 3 and drop index 1; the
    # answer must keep the lower index, as the stable sort does
    x = np.array([[5.0, 1.0, 0.0, 1.0, 7.0, 1.0], [3.0, 2.0, 1.0, 0.0, 9.0, 8.0]])
    np.testing.assert_array_equal(_argselect(x, 2, 1, False), [[2, 1], [3, 2]])
    np.testing.assert_array_equal(_argselect(-x, 2, 1, True), [[2, 1], [3, 2]])


@pytest.mark.parametrize("name", CASES)
def test_top_k_matches_jax(name: str) -> None:
    x, k = RECORDED[f"{name}/x"], int(RECORDED[f"{name}/k"])
    values, indices = lax.top_k(x, k)
    assert indices.dtype == np.int32 and values.dtype == x.dtype
    np.testing.assert_array_equal(indices, RECORDED[f"{name}/top_indices"])
    np.testing.assert_array_equal(values, RECORDED[f"{name}/top_values"])
    jitted = ax.jit(lambda x: lax.top_k(x, k))(x)
    np.testing.assert_array_equal(jitted[1], RECORDED[f"{name}/top_indices"])


@pytest.mark.parametrize("name", CASES)
def test_argsort_head_matches_jax(name: str) -> None:
    x, k = RECORDED[f"{name}/x"], int(RECORDED[f"{name}/k"])
    got = ax.jit(lambda x: anp.argsort(x)[..., :k])(x)
    np.testing.assert_array_equal(got, RECORDED[f"{name}/argsort"])
    head = ax.jit(lambda x: anp.sort(x)[..., :k])(x)
    np.testing.assert_array_equal(head, np.sort(x, axis=-1)[..., :k])


@pytest.mark.parametrize("name", [n for n in CASES if f"{n}/grad" in RECORDED.files])
def test_top_k_gradient_matches_jax(name: str) -> None:
    x, k = RECORDED[f"{name}/x"], int(RECORDED[f"{name}/k"])
    ct = np.arange(1.0, k + 1.0, dtype=x.dtype)
    grad = ax.grad(lambda x: (lax.top_k(x, k)[0] * ct).sum())(x)
    np.testing.assert_array_equal(grad, RECORDED[f"{name}/grad"])


def test_top_k_selects_without_a_full_sort() -> None:
    x = np.random.default_rng(1).standard_normal((8, 400))
    report = ax.explain(ax.jit(lambda x: lax.top_k(x, 5)), x)
    assert "_argselect(x, 5, 1, True)" in report.source
    assert "argsort" not in report.source


def test_argsort_and_sort_heads_lower_to_argselect() -> None:
    x = np.random.default_rng(2).integers(0, 5, (6, 80)).astype(np.float64)

    def f(x):
        return anp.argsort(x, axis=0)[:3], anp.sort(x)[:, :4]

    source = ax.explain(ax.jit(f), x).source
    assert source.count("_argselect(") == 2 and "argsort(" not in source
    a, s = ax.jit(f)(x)
    np.testing.assert_array_equal(a, np.argsort(x, axis=0, kind="stable")[:3])
    np.testing.assert_array_equal(s, np.sort(x)[:, :4])


def test_a_sort_read_elsewhere_stays_whole() -> None:
    x = np.random.default_rng(3).standard_normal((4, 50))

    def f(x):
        s = anp.sort(x)
        return s[:, :3], s.sum()

    source = ax.explain(ax.jit(f), x).source
    assert "_argselect" not in source
    head, total = ax.jit(f)(x)
    np.testing.assert_array_equal(head, np.sort(x)[:, :3])
    np.testing.assert_allclose(total, x.sum())


def test_top_k_derivatives_agree_with_the_full_sort_and_finite_differences() -> None:
    rng = np.random.default_rng(4)
    x = rng.standard_normal((5, 64))
    w = rng.standard_normal((5, 4))

    def loss(x):
        return (lax.top_k(x, 4)[0] * w).sum()

    grad = ax.grad(loss)(x)
    expected = np.zeros_like(x)
    idx = np.argsort(-x, axis=1, kind="stable")[:, :4]
    np.put_along_axis(expected, idx, w, axis=1)
    np.testing.assert_array_equal(grad, expected)
    tangent = rng.standard_normal(x.shape)
    _, out_t = ax.jvp(lambda x: lax.top_k(x, 4)[0], (x,), (tangent,))
    np.testing.assert_array_equal(out_t, np.take_along_axis(tangent, idx, axis=1))
    eps = 1e-6
    fd = (loss(x + eps * tangent) - loss(x - eps * tangent)) / (2 * eps)
    np.testing.assert_allclose(float((grad * tangent).sum()), fd, rtol=1e-6)


def test_top_k_under_vmap_and_on_other_axes() -> None:
    x = np.random.default_rng(5).standard_normal((3, 7, 40))
    values, indices = ax.vmap(lambda x: lax.top_k(x, 3))(x)
    np.testing.assert_array_equal(indices, np.argsort(-x, axis=-1, kind="stable")[..., :3])
    np.testing.assert_array_equal(values, np.take_along_axis(x, indices, axis=-1))
    values, indices = lax.top_k(x, 2, axis=1)
    np.testing.assert_array_equal(indices, np.argsort(-x, axis=1, kind="stable")[:, :2])
    np.testing.assert_array_equal(values, np.take_along_axis(x, indices, axis=1))


def test_exported_module_carries_the_selection_helper() -> None:
    x = np.random.default_rng(6).standard_normal((5, 40))
    source = ax.export(lambda x: lax.top_k(x, 3), x, name="head")
    module = types.ModuleType("exported_head")
    exec(compile(source, "exported_head", "exec"), module.__dict__)  # our own generated code
    values, indices = module.head(x)
    np.testing.assert_array_equal(indices, np.argsort(-x, axis=1, kind="stable")[:, :3])
    np.testing.assert_array_equal(values, np.take_along_axis(x, indices, axis=1))


def test_array_api_programs_spell_the_selection_with_a_sort() -> None:
    xp = pytest.importorskip("array_api_strict")
    x = np.random.default_rng(7).standard_normal((4, 30))
    _, indices = ax.jit(lambda x: lax.top_k(x, 3))(xp.asarray(x))
    ref = np.argsort(-x, axis=1, kind="stable")[:, :3]
    np.testing.assert_array_equal(np.asarray(indices), ref)
    head = ax.jit(lambda x: anp.argsort(x)[:, :3])(xp.asarray(x))
    np.testing.assert_array_equal(np.asarray(head), np.argsort(x, axis=1, kind="stable")[:, :3])
