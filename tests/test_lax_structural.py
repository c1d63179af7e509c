"""The structural ``axcomp.lax`` surface (axcomp/lax/operators.py) and the collectives
that move data between examples (ppermute, pshuffle, all_to_all, pswapaxes, axis_size):
every op of the table against a NumPy closed form, eagerly, under vmap and nested vmap
(the loop-and-stack oracle), under jit, under grad (finite differences) and on the
Array API backend; reduce/reduce_window against a brute-force window loop; error types."""

from __future__ import annotations

import operator

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp
from axcomp import lax
from axcomp.core.graph import topological
from axcomp.errors import UnboundAxisError
from tests.gradcheck import numeric_grad
from tests.oracle import loop_vmap

pytestmark = pytest.mark.sweep  # the floors run of .ci/run skips it

RNG = np.random.default_rng(0)


def _f(*shape):
    return RNG.standard_normal(shape)


def _perm_flat(x, perm):
    return np.transpose(x, perm)


def _np_broadcast_in_dim(x, shape, dims):
    placed = [1] * len(shape)
    for n, d in zip(x.shape, dims):
        placed[d] = n
    return np.broadcast_to(x.reshape(placed), shape)


def _np_select_n(which, *cases):
    return np.choose(np.clip(which, 0, len(cases) - 1), cases)


def _np_cumlogsumexp(x, axis):
    return np.logaddexp.accumulate(x, axis=axis)


def _np_update_in_dim(x, u, i, axis):
    out = x.copy()
    n, k = x.shape[axis], u.shape[axis]
    i = int(np.clip(i + n if i < 0 else i, 0, n - k))
    idx = [slice(None)] * x.ndim
    idx[axis] = slice(i, i + k)
    out[tuple(idx)] = u
    return out


# name: (kernel, argument builder, NumPy closed form, differentiable in argument 0)
OPS = {
    "dot_general_contract": (
        lambda a, b: lax.dot_general(a, b, (((0, 2), (1, 2)), ((), ()))),
        lambda: [_f(5, 3, 2), _f(3, 5, 2, 4)],
        lambda a, b: np.einsum("abc,dacf->bdf", a, b),
        True,
    ),
    "dot_general_batch": (
        lambda a, b: lax.dot_general(a, b, (((2,), (0,)), ((0,), (1,)))),
        lambda: [_f(3, 3, 2), _f(2, 3, 4)],
        lambda a, b: np.einsum("bij,jbk->bik", a, b),
        True,
    ),
    "dot_general_int8": (
        lambda a, b: lax.dot_general(a, b, (((1,), (0,)), ((), ())), None, np.int32),
        lambda: [
            RNG.integers(-100, 100, (3, 4)).astype(np.int8),
            RNG.integers(-100, 100, (4, 2)).astype(np.int8),
        ],
        lambda a, b: a.astype(np.int32) @ b.astype(np.int32),
        False,
    ),
    "batch_matmul": (
        lambda a, b: lax.batch_matmul(a, b),
        lambda: [_f(2, 3, 4), _f(2, 4, 5)],
        np.matmul,
        True,
    ),
    "broadcast": (
        lambda a: lax.broadcast(a, (2, 1)),
        lambda: [_f(3)],
        lambda a: np.broadcast_to(a, (2, 1, 3)),
        True,
    ),
    "broadcast_in_dim": (
        lambda a: lax.broadcast_in_dim(a, (4, 2, 3), (1, 2)),
        lambda: [_f(1, 3)],
        lambda a: _np_broadcast_in_dim(a, (4, 2, 3), (1, 2)),
        True,
    ),
    "broadcast_to_rank": (
        lambda a: lax.broadcast_to_rank(a, 3),
        lambda: [_f(3)],
        lambda a: a.reshape(1, 1, 3),
        True,
    ),
    "reshape": (lambda a: lax.reshape(a, (8,)), lambda: [_f(2, 4)], lambda a: a.reshape(8), True),
    "reshape_dimensions": (
        lambda a: lax.reshape(a, (4, 2, 2), (2, 1, 0)),
        lambda: [_f(2, 2, 4)],
        lambda a: np.transpose(a, (2, 1, 0)).reshape(4, 2, 2),
        True,
    ),
    "transpose": (
        lambda a: lax.transpose(a, (2, 0, 1)),
        lambda: [_f(2, 3, 4)],
        lambda a: np.transpose(a, (2, 0, 1)),
        True,
    ),
    "squeeze": (
        lambda a: lax.squeeze(a, (1, -1)),
        lambda: [_f(2, 1, 3, 1)],
        lambda a: a.reshape(2, 3),
        True,
    ),
    "expand_dims": (
        lambda a: lax.expand_dims(a, (0, -1)),
        lambda: [_f(2, 3)],
        lambda a: a.reshape(1, 2, 3, 1),
        True,
    ),
    "collapse": (
        lambda a: lax.collapse(a, 1),
        lambda: [_f(2, 3, 4)],
        lambda a: a.reshape(2, 12),
        True,
    ),
    "rev": (lambda a: lax.rev(a, (0, 2)), lambda: [_f(2, 3, 4)], lambda a: a[::-1, :, ::-1], True),
    "slice": (
        lambda a: lax.slice(a, (1, 0), (5, 3), (2, 2)),
        lambda: [_f(5, 3)],
        lambda a: a[1:5:2, 0:3:2],
        True,
    ),
    "slice_in_dim": (
        lambda a: lax.slice_in_dim(a, -3, None, 1, 1),
        lambda: [_f(2, 5)],
        lambda a: a[:, -3:],
        True,
    ),
    "index_in_dim": (
        lambda a: lax.index_in_dim(a, -1, 1, keepdims=False),
        lambda: [_f(2, 5)],
        lambda a: a[:, -1],
        True,
    ),
    "dynamic_update_slice_in_dim": (
        lambda a, u, i: lax.dynamic_update_slice_in_dim(a, u, i, 1),
        lambda: [_f(2, 5), _f(2, 2), np.array(4)],
        lambda a, u, i: _np_update_in_dim(a, u, int(i), 1),
        True,
    ),
    "dynamic_update_index_in_dim": (
        lambda a, u, i: lax.dynamic_update_index_in_dim(a, u, i, 0),
        lambda: [_f(4, 3), _f(3), np.array(-1)],
        lambda a, u, i: _np_update_in_dim(a, u[None], int(i), 0),
        True,
    ),
    "index_take": (
        lambda a, i, j: lax.index_take(a, (i, j), (0, 2)),
        lambda: [_f(4, 2, 3), np.array([0, 3, 9, -2]), np.array([2, 0, 1, 1])],
        lambda a, i, j: np.moveaxis(a, (0, 2), (0, 1))[i % 4, j % 3],
        True,
    ),
    "concatenate": (
        lambda a, b: lax.concatenate([a, b, a], 1),
        lambda: [_f(2, 3), _f(2, 1)],
        lambda a, b: np.concatenate([a, b, a], 1),
        True,
    ),
    "select_n": (
        lambda w, a, b, c: lax.select_n(w, a, b, c),
        lambda: [np.array([0, 1, 2, 5, -1]), _f(5), _f(5), _f(5)],
        _np_select_n,
        False,
    ),
    "select_n_bool": (
        lambda a, b: lax.select_n(a > 0, a, b),
        lambda: [_f(6), _f(6)],
        lambda a, b: np.where(a > 0, b, a),
        True,
    ),
    "sort_key_val": (
        lambda k, v: lax.sort_key_val(k, v, 0)[1],
        lambda: [RNG.integers(0, 3, (6, 2)).astype(np.float64), _f(6, 2)],
        lambda k, v: np.take_along_axis(v, np.argsort(k, axis=0, kind="stable"), 0),
        False,
    ),
    "reduce_sum": (
        lambda a: lax.reduce_sum(a, (0, 2)),
        lambda: [_f(2, 3, 4)],
        lambda a: a.sum((0, 2)),
        True,
    ),
    "reduce_max": (
        lambda a: lax.reduce_max(a, (1,)),
        lambda: [_f(2, 3, 4)],
        lambda a: a.max(1),
        True,
    ),
    "reduce_min": (
        lambda a: lax.reduce_min(a, (0, 1)),
        lambda: [_f(2, 3, 4)],
        lambda a: a.min((0, 1)),
        True,
    ),
    "reduce_prod": (
        lambda a: lax.reduce_prod(a, (2,)),
        lambda: [_f(2, 3, 4)],
        lambda a: a.prod(2),
        True,
    ),
    "reduce_prod_int8": (
        lambda a: lax.reduce_prod(a, (1,)),
        lambda: [RNG.integers(-9, 9, (3, 5)).astype(np.int8)],
        lambda a: np.prod(a, 1, dtype=np.int8),
        False,
    ),
    "reduce_and_bool": (
        lambda a: lax.reduce_and(a > 0, (1,)),
        lambda: [_f(3, 2)],
        lambda a: (a > 0).all(1),
        False,
    ),
    "reduce_or_int": (
        lambda a: lax.reduce_or(a, (0,)),
        lambda: [RNG.integers(0, 64, (5, 3))],
        lambda a: np.bitwise_or.reduce(a, 0),
        False,
    ),
    "reduce_xor_int": (
        lambda a: lax.reduce_xor(a, (0, 1)),
        lambda: [RNG.integers(0, 64, (5, 3))],
        lambda a: np.bitwise_xor.reduce(a.reshape(-1)),
        False,
    ),
    "reduce_xor_bool": (
        lambda a: lax.reduce_xor(a > 0, (0,)),
        lambda: [_f(5, 3)],
        lambda a: np.logical_xor.reduce(a > 0, 0),
        False,
    ),
    "reduce_add": (
        lambda a: lax.reduce(a, 0.0, operator.add, (0, 2)),
        lambda: [_f(2, 3, 4)],
        lambda a: a.sum((0, 2)),
        True,
    ),
    "reduce_max_init": (
        lambda a: lax.reduce(a, 0.5, anp.maximum, (1,)),
        lambda: [_f(2, 5)],
        lambda a: np.maximum(a.max(1), 0.5),
        True,
    ),
    "reduce_generic": (
        # not a known op: the computation runs on arrays (the pairwise tree)
        lambda a: lax.reduce(a, 1.0, lambda x, y: x + y + x * y, (1,)),
        lambda: [0.1 * _f(3, 7)],
        lambda a: np.prod(1 + a, 1) * 2 - 1,
        True,
    ),
    "reduce_variadic": (
        lambda a, b: lax.reduce((a, b), (0.0, 1.0), lambda x, y: (x[0] + y[0], x[1] * y[1]), (0,))[
            1
        ],
        lambda: [_f(4, 3), _f(4, 3)],
        lambda a, b: b.prod(0),
        False,
    ),
    "argmax": (
        lambda a: lax.argmax(a, 1, np.int32),
        lambda: [_f(3, 5)],
        lambda a: a.argmax(1).astype(np.int32),
        False,
    ),
    "argmin": (
        lambda a: lax.argmin(a, 0, np.int64),
        lambda: [_f(3, 5)],
        lambda a: a.argmin(0),
        False,
    ),
    "cumlogsumexp": (
        lambda a: lax.cumlogsumexp(a, 1),
        lambda: [_f(2, 7)],
        lambda a: _np_cumlogsumexp(a, 1),
        True,
    ),
    "cumlogsumexp_reverse": (
        lambda a: lax.cumlogsumexp(a, 0, reverse=True),
        lambda: [_f(5, 2)],
        lambda a: _np_cumlogsumexp(a[::-1], 0)[::-1],
        True,
    ),
    "reduce_window_sum": (
        lambda a: lax.reduce_window(a, 0.0, operator.add, (2, 2), (1, 2), "SAME"),
        lambda: [_f(4, 5)],
        lambda a: _np_window(a, 0.0, np.add, (2, 2), (1, 2), [(0, 1), (0, 1)]),
        True,
    ),
    "reduce_window_max": (
        lambda a: lax.reduce_window(a, -np.inf, anp.maximum, (3,), (2,), ((1, 2),)),
        lambda: [_f(7)],
        lambda a: _np_window(a, -np.inf, np.maximum, (3,), (2,), [(1, 2)]),
        True,
    ),
    "reduce_window_dilated": (
        lambda a: lax.reduce_window(a, 1.0, operator.mul, (2,), (1,), ((1, 0),), (2,), (2,)),
        lambda: [_f(5)],
        lambda a: _np_window(a, 1.0, np.multiply, (2,), (1,), [(1, 0)], (2,), (2,)),
        True,
    ),
    "full_traced": (
        lambda a: lax.full((2, 3), a[0], np.float64),
        lambda: [_f(2)],
        lambda a: np.full((2, 3), a[0], np.float64),
        True,
    ),
    "full_like": (
        lambda a: lax.full_like(a, 2),
        lambda: [_f(2, 3)],
        lambda a: np.full((2, 3), 2.0),
        False,
    ),
    "iota": (
        lambda a: a + lax.iota(np.float64, 4),
        lambda: [_f(4)],
        lambda a: a + np.arange(4.0),
        True,
    ),
    "broadcasted_iota": (
        lambda a: a * lax.broadcasted_iota(np.int32, (2, 3), 1),
        lambda: [_f(2, 3)],
        lambda a: a * np.arange(3)[None, :],
        True,
    ),
    "empty": (lambda a: a + lax.empty((3,), np.float64), lambda: [_f(3)], lambda a: a, True),
    "optimization_barrier": (
        lambda a, b: operator.mul(*lax.optimization_barrier((a, b))),
        lambda: [_f(3), _f(3)],
        operator.mul,
        True,
    ),
}


def _np_window(x, init, fn, window, strides, pads, base=None, wdil=None):
    """XLA's reduce_window by brute force: init combined once, then every operand entry of
    each window in order (padding and base-dilation holes skipped)."""
    nd = x.ndim
    base = base or (1,) * nd
    wdil = wdil or (1,) * nd
    dil_shape = [max(0, (n - 1) * b + 1) for n, b in zip(x.shape, base)]
    padded = [d + lo + hi for d, (lo, hi) in zip(dil_shape, pads)]
    eff = [(w - 1) * d + 1 for w, d in zip(window, wdil)]
    out_shape = [max(0, (p - e) // s + 1) if p >= e else 0 for p, e, s in zip(padded, eff, strides)]
    out = np.empty(out_shape, x.dtype)
    for o in np.ndindex(*out_shape):
        acc = np.asarray(init, x.dtype)
        for k in np.ndindex(*window):
            src = []
            for d in range(nd):
                p = o[d] * strides[d] + k[d] * wdil[d] - pads[d][0]
                if p < 0 or p >= dil_shape[d] or p % base[d]:
                    break
                src.append(p // base[d])
            else:
                acc = fn(acc, x[tuple(src)])
        out[o] = acc
    return out


NAMES = sorted(OPS)


def _close(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_eager_matches_numpy(name):
    fn, build, ref, _ = OPS[name]
    args = build()
    _close(fn(*args), ref(*args))


@pytest.mark.parametrize("name", NAMES)
def test_jit_matches_numpy(name):
    fn, build, ref, _ = OPS[name]
    args = build()
    _close(ax.jit(fn)(*args), ref(*args))


def _batched(args, n=3):
    return [np.stack([a if a.dtype.kind not in "f" else a + k for k in range(n)]) for a in args]


@pytest.mark.parametrize("name", NAMES)
def test_vmap_matches_the_loop(name):
    fn, build, ref, _ = OPS[name]
    args = _batched(build())
    _close(ax.vmap(fn)(*args), loop_vmap(ref)(*args))
    # one argument unbatched, the others batched along their last axis
    if len(args) > 1:
        unb = [args[0][0], *(np.moveaxis(a, 0, -1) for a in args[1:])]
        axes = (None, *([-1] * (len(args) - 1)))
        _close(ax.vmap(fn, in_axes=axes)(*unb), loop_vmap(ref, in_axes=axes)(*unb))


@pytest.mark.parametrize("name", NAMES)
def test_nested_vmap_matches_the_loop(name):
    fn, build, ref, _ = OPS[name]
    args = [np.stack([a, a]) for a in _batched(build(), 2)]
    got = ax.vmap(ax.vmap(fn, in_axes=0), in_axes=1)(*args)
    _close(got, loop_vmap(loop_vmap(ref, in_axes=0), in_axes=1)(*args))


DIFF = [n for n in NAMES if OPS[n][3]]


@pytest.mark.parametrize("name", DIFF)
def test_grad_matches_finite_differences(name):
    fn, build, ref, _ = OPS[name]
    args = build()
    w = RNG.standard_normal(np.shape(ref(*args)))

    def loss(*a):
        return (fn(*a) * w).sum()

    def ref_loss(*a):
        return float((np.asarray(ref(a[0], *args[1:]), np.float64) * w).sum())

    g = ax.grad(loss)(*args)
    np.testing.assert_allclose(g, numeric_grad(ref_loss, [args[0]]), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["dot_general_batch", "reduce_window_max", "rev", "cumlogsumexp"])
def test_per_example_grad_under_vmap(name):
    fn, build, ref, _ = OPS[name]
    args = _batched(build())
    w = RNG.standard_normal(np.shape(ref(*[a[0] for a in args])))
    g = ax.vmap(ax.grad(lambda *a: (fn(*a) * w).sum()))(*args)
    for k in range(args[0].shape[0]):
        rest = [a[k] for a in args[1:]]
        want = numeric_grad(lambda x, r=rest: float((ref(x, *r) * w).sum()), [args[0][k]])
        np.testing.assert_allclose(g[k], want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_array_api_backend(name):
    xp = pytest.importorskip("array_api_strict")
    fn, build, ref, _ = OPS[name]
    args = build()
    got = ax.jit(fn)(*[xp.asarray(a) for a in args])
    assert type(got).__module__.startswith("array_api_strict")
    _close(np.asarray(got), ref(*args))


# ------------------------------------------------------------------ reductions in detail


def _ops_in(fn, *args):
    graph = ax.jit(fn).lower(*args).graph
    return [n.op.name for n in topological(list(graph.outputs))]


@pytest.mark.parametrize(
    ("computation", "native"),
    [
        (operator.add, "einsum"),
        (anp.add, "einsum"),
        (lambda a, b: b + a, "einsum"),
        (operator.mul, "reduce"),
        (anp.maximum, "reduce"),
        (lambda a, b: anp.minimum(a, b), "reduce"),
    ],
)
def test_known_computations_reduce_natively(computation, native):
    x = _f(3, 40)
    ops = _ops_in(lambda a: lax.reduce(a, 0.0, computation, (1,)), x)
    assert native in ops and "concat" not in ops, ops  # the tree would slice and concat


def test_an_unknown_computation_runs_as_a_tree():
    x = _f(3, 40)
    ops = _ops_in(lambda a: lax.reduce(a, 0.0, lambda p, q: p - q, (1,)), x)
    assert "reduce" not in ops and "index" in ops


@pytest.mark.parametrize("n", [0, 1, 2, 5, 8, 13])
def test_tree_reduction_every_length(n):
    x = RNG.integers(0, 100, (2, n))
    got = lax.reduce(x, np.int64(7), lambda a, b: anp.bitwise_or(a, b) + 0, (1,))
    want = np.bitwise_or.reduce(np.concatenate([np.full((2, 1), 7), x], 1), 1)
    np.testing.assert_array_equal(got, want)


def test_empty_reductions_give_the_identity():
    x = np.zeros((0, 3), np.int32)
    np.testing.assert_array_equal(lax.reduce_max(x, (0,)), np.full(3, np.iinfo(np.int32).min))
    np.testing.assert_array_equal(lax.reduce_sum(x, (0,)), np.zeros(3, np.int32))
    np.testing.assert_array_equal(lax.reduce(x, np.int32(4), operator.add, (0,)), [4, 4, 4])


def test_reduce_keeps_the_dtype():
    x = np.full((4,), 100, np.int8)
    assert lax.reduce_sum(x, (0,)).dtype == np.int8
    assert int(lax.reduce_sum(x, (0,))) == np.int8(np.sum(x, dtype=np.int8))
    assert lax.reduce(np.ones(3, np.float32), np.float32(0), operator.add, (0,)).dtype == np.float32


def test_variadic_reduce_window_picks_by_norm():
    # the argmax-by-key pattern of JAX's test_variadic_reduce_window: a two-output computation
    norms, idx = np.array([1.0, 3.0, 2.0, 0.5]), np.arange(4)

    def pick(a, b):
        keep = a[0] >= b[0]
        return anp.where(keep, a[0], b[0]), anp.where(keep, a[1], b[1])

    best = lax.reduce_window((norms, idx), (-np.inf, -1), pick, (2,), (2,), ((0, 0),))[1]
    np.testing.assert_array_equal(best, [1, 2])


@pytest.mark.parametrize("padding", ["VALID", "SAME", "SAME_LOWER", ((2, 1), (0, 3))])
@pytest.mark.parametrize("init", [0.0, 1.5])
def test_reduce_window_padding_and_init(padding, init):
    x = _f(5, 4)
    window, strides = (2, 3), (2, 1)
    got = lax.reduce_window(x, init, operator.add, window, strides, padding)
    if padding == "VALID":
        pads = [(0, 0), (0, 0)]
    elif isinstance(padding, str):
        pads = []
        for n, w, s in zip(x.shape, window, strides):
            total = max((-(-n // s) - 1) * s + w - n, 0)
            lo = total // 2 if padding == "SAME" else total - total // 2
            pads.append((lo, total - lo))
    else:
        pads = list(padding)
    np.testing.assert_allclose(got, _np_window(x, init, np.add, window, strides, pads))


def test_reduce_window_jvp_of_max_pool():
    # what JAX's testSelectAndGatherAdd computes: the tangent at each window's maximum
    x, t = _f(6), _f(6)
    pool = lambda v: lax.reduce_window(v, -np.inf, anp.maximum, (2,), (2,), "VALID")  # noqa: E731
    _, tangent = ax.jvp(pool, (x,), (t,))
    winners = 2 * np.arange(3) + np.argmax(x.reshape(3, 2), 1)
    np.testing.assert_allclose(tangent, t[winners])


# ------------------------------------------------------------------ small contracts


def test_dot_general_promotes_as_jax():
    a, b = np.ones((2, 3), np.int32), np.ones((3,), np.float32)
    assert lax.dot_general(a, b, (((1,), (0,)), ((), ()))).dtype == np.float32
    c = np.ones((3,), np.float64)
    assert lax.dot_general(b, c, (((0,), (0,)), ((), ()))).dtype == np.float64


def test_dynamic_update_slice_of_a_scalar():
    assert int(lax.dynamic_update_slice(np.array(3), 7, [])) == 7
    np.testing.assert_array_equal(
        ax.vmap(lambda a: lax.dynamic_update_slice(a, 7, []))(np.arange(3)), [7, 7, 7]
    )


def test_dimension_number_classes_are_exported():
    dn = lax.GatherDimensionNumbers(offset_dims=(), collapsed_slice_dims=(0,), start_index_map=(0,))
    x = np.arange(5.0)
    got = lax.gather(x, np.array([[3], [1]]), dn, (1,), mode=lax.GatherScatterMode.CLIP)
    np.testing.assert_array_equal(got, [3.0, 1.0])
    sdn = lax.ScatterDimensionNumbers((), (0,), (0,))
    np.testing.assert_array_equal(lax.scatter_add(x, np.array([[0]]), np.array([10.0]), sdn)[0], 10)
    assert lax.GatherScatterMode.from_any("fill_or_drop") is lax.GatherScatterMode.FILL_OR_DROP
    assert lax.GatherScatterMode.from_any(None) is lax.GatherScatterMode.FILL_OR_DROP


def test_dce_sink_and_barrier():
    assert lax.dce_sink(np.ones(2)) is None
    x = np.arange(8)
    out = ax.vmap(lax.optimization_barrier, in_axes=((0, 1),), out_axes=(0, 1))((x, x[None]))
    np.testing.assert_array_equal(out[0], x)
    np.testing.assert_array_equal(out[1], x[None])


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (
            lambda: lax.dot_general(np.ones((2, 3)), np.ones((2, 3)), (((1,), (0,)), ((), ()))),
            TypeError,
        ),
        (lambda: lax.slice(np.ones((2, 3)), (0, 0), (3, 3)), TypeError),
        (lambda: lax.rev(np.ones((2, 3)), (2,)), TypeError),
        (lambda: lax.transpose(np.ones((2, 3)), (0, 0)), TypeError),
        (lambda: lax.reshape(np.ones((2, 3)), (4,)), TypeError),
        (lambda: lax.broadcast_in_dim(np.ones(2), (2, 3), (1,)), TypeError),
        (lambda: lax.concatenate([np.ones(2), np.ones((2, 2))], 0), TypeError),
        (lambda: lax.concatenate([np.ones(2, np.float32), np.ones(2)], 0), TypeError),
        (lambda: lax.concatenate([], 0), ValueError),
        (lambda: lax.squeeze(np.ones((2, 3)), (0,)), ValueError),
        (lambda: lax.index_in_dim(np.ones((2, 3)), 5, 0), IndexError),
        (lambda: lax.select_n(np.array([0, 1]), np.zeros(3), np.ones(3)), TypeError),
        (lambda: lax.select_n(np.array(True), np.zeros(3), np.ones(3), np.ones(3)), TypeError),
        (lambda: lax.full((2,), np.ones(2)), TypeError),
        (lambda: lax.argmax(np.ones((2, 3)), 2, np.int32), ValueError),
        (lambda: lax.reduce_sum(np.ones((2, 3)), (2,)), ValueError),
        (lambda: lax.expand_dims(np.ones((2, 3)), (3,)), ValueError),
        (lambda: lax.reduce_sum(np.ones(2, np.bool_), (0,)), TypeError),
        (lambda: lax.reduce_xor(np.ones(2), (0,)), TypeError),
        (
            lambda: lax.dynamic_update_slice_in_dim(
                np.ones(4), np.ones(1), -1, 0, allow_negative_indices=False
            ),
            ValueError,
        ),
    ],
)
def test_errors_are_jax_builtin_types(call, error):
    with pytest.raises(error):
        call()


# ------------------------------------------------------------------ collectives


def test_ppermute_full_and_partial():
    x = np.arange(1.0, 5.0)
    perm = [(0, 2), (2, 3), (3, 1), (1, 0)]
    got = ax.vmap(lambda v: lax.ppermute(v, "i", perm), axis_name="i")(x)
    want = np.zeros(4)
    for s, d in perm:
        want[d] = x[s]
    np.testing.assert_array_equal(got, want)
    got = ax.vmap(lambda v: lax.ppermute(v, "i", [(0, 1), (1, 2)]), axis_name="i")(x)
    np.testing.assert_array_equal(got, [0.0, 1.0, 2.0, 0.0])  # unwritten examples get zeros
    got = ax.vmap(lambda v: lax.ppermute(3.0 * anp.ones(2), "i", [(0, 1)]), axis_name="i")(x)
    np.testing.assert_array_equal(got, [[0, 0], [3, 3], [0, 0], [0, 0]])


def test_ppermute_over_two_names_and_pshuffle():
    x = np.arange(6.0).reshape(2, 3)
    flat = x.reshape(-1)
    perm = [(k, (k + 1) % 6) for k in range(6)]
    f = lambda v: lax.ppermute(v, ("i", "j"), perm)  # noqa: E731
    got = ax.vmap(ax.vmap(f, axis_name="j"), axis_name="i")(x)
    np.testing.assert_array_equal(got.reshape(-1), np.roll(flat, 1))
    got = ax.vmap(lambda v: lax.pshuffle(v, "i", [1, 2, 3, 0]), axis_name="i")(np.arange(4.0))
    np.testing.assert_array_equal(got, [1.0, 2.0, 3.0, 0.0])


def test_ppermute_grad_is_the_inverse_permutation():
    perm = [(0, 1), (1, 2), (2, 0)]
    w = np.array([1.0, 10.0, 100.0])

    def total(v):
        return (ax.vmap(lambda u: lax.ppermute(u, "i", perm), axis_name="i")(v) * w).sum()

    np.testing.assert_allclose(ax.grad(total)(np.ones(3)), [10.0, 100.0, 1.0])
    per_example = ax.vmap(ax.grad(lambda u: lax.ppermute(u, "i", perm)), axis_name="i")
    np.testing.assert_allclose(per_example(np.array([1.0, 2.0, 3.0])), np.ones(3))


@pytest.mark.parametrize("tiled", [False, True])
@pytest.mark.parametrize("split", [0, 1, -1])
@pytest.mark.parametrize("concat", [0, 1, -1])
def test_all_to_all_closed_form(split, concat, tiled):
    n, b = 4, (2 if tiled else 1)
    shape = [3, 3]
    shape[split] = n * b
    x = RNG.integers(0, 1000, (n, *shape))
    got = ax.vmap(lambda v: lax.all_to_all(v, "i", split, concat, tiled=tiled), axis_name="i")(x)
    s, c = split % 2, concat % 2
    for i in range(n):
        blocks = [np.take(x[j], range(i * b, (i + 1) * b), axis=s) for j in range(n)]
        if tiled:
            want = np.concatenate(blocks, axis=c)
        else:
            want = np.stack([np.squeeze(blk, s) for blk in blocks], axis=c)
        np.testing.assert_array_equal(got[i], want)


def test_all_to_all_over_two_names_is_one_axis():
    x = np.arange(2 * 2 * 4 * 3).reshape(2, 2, 4, 3)
    f = lambda v: lax.all_to_all(v, ("i", "j"), 0, 1)  # noqa: E731
    got = ax.vmap(ax.vmap(f, axis_name="j"), axis_name="i")(x)
    np.testing.assert_array_equal(got.reshape(4, 3, 4), np.transpose(x.reshape(4, 4, 3), (1, 2, 0)))


def test_pswapaxes_swaps_the_named_axis():
    x = np.arange(16).reshape(4, 4)
    got = ax.vmap(lambda v: lax.pswapaxes(v, "i", 0), axis_name="i")(x)
    np.testing.assert_array_equal(got, x.T)


def test_all_to_all_grad():
    x = _f(3, 3, 2)
    w = _f(3, 2, 3)

    def loss(v):
        out = ax.vmap(lambda u: lax.all_to_all(u, "i", 0, 1), axis_name="i")(v)
        return (out * w).sum()

    ref = lambda v: float((np.transpose(v, (1, 2, 0)) * w).sum())  # noqa: E731
    np.testing.assert_allclose(ax.grad(loss)(x), numeric_grad(ref, [x]), rtol=1e-6)


def test_axis_size():
    got = ax.vmap(ax.vmap(lambda v: v * lax.axis_size(("i", "j")), axis_name="j"), axis_name="i")
    np.testing.assert_array_equal(got(np.ones((2, 3))), np.full((2, 3), 6.0))
    assert ax.vmap(lambda v: anp.zeros(lax.axis_size("i")), axis_name="i")(np.ones(4)).shape == (
        4,
        4,
    )
    with pytest.raises(UnboundAxisError):
        ax.vmap(lambda v: v * lax.axis_size("k"), axis_name="i")(np.ones(3))


@pytest.mark.parametrize(
    "call",
    [
        lambda v: lax.ppermute(v, "i", [(0, 1), (0, 2)]),
        lambda v: lax.ppermute(v, "i", [(0, 7)]),
        lambda v: lax.pshuffle(v, "i", [0, 0, 1, 2]),
        lambda v: lax.all_to_all(v, "i", 0, 0),
    ],
)
def test_collective_errors(call):
    with pytest.raises((ValueError, IndexError)):
        ax.vmap(call, axis_name="i")(np.ones((4, 3)))


def test_grad_of_psum_is_unmapped():
    # JAX: the cotangent of psum over 'i' is the same for every example, so out_axes=None
    f = ax.vmap(ax.grad(lambda x: -lax.psum(x, "i")), out_axes=None, axis_name="i")
    assert float(f(np.ones(5))) == -5.0
    g = ax.vmap(ax.grad(lambda x: -lax.psum(x * x, "i")), axis_name="i")
    np.testing.assert_allclose(g(np.arange(5.0)), -10.0 * np.arange(5.0))


def test_non_finite_python_scalar_init_keeps_a_float32_operand_float32():
    # -inf (no literal can spell it) padded into a float32 operand: a cast of a Python
    # scalar constant, which once raised AttributeError ('float' has no astype)
    x = np.arange(20, dtype=np.float32).reshape(4, 5)
    got = lax.reduce_window(x, -np.inf, lax.max, (2, 2), (1, 1), "SAME")
    padded = np.pad(x, ((0, 1), (0, 1)), constant_values=-np.inf)
    want = np.array([[padded[i : i + 2, j : j + 2].max() for j in range(5)] for i in range(4)])
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, want)
