"""Differential tests for axcomp/lax/operators.py, fft.py and slicing.py (lax.split, stack,
unstack, tile, dot, fft/FftType, scatter_apply, broadcast_shapes), lax.top_k's ``axis`` and
the batching dims of lax.gather / lax.scatter*.

References: NumPy closed forms and per-window loops written here, the loop oracle
(tests/oracle.py) under vmap, finite differences (tests/gradcheck.py) under grad; the
JAX behaviours that differ from NumPy (top_k ties, repeated scatter_apply windows, lax.dot's
ranks, broadcast_shapes' errors) were checked against jax 0.10.2 (x64).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from gradcheck import numeric_grad
from oracle import loop_vmap

import axcomp as ax
import axcomp.lax as alax
import axcomp.numpy as anp
from axcomp.primitives.gathers import GatherDimensionNumbers as GDN
from axcomp.primitives.gathers import ScatterDimensionNumbers as SDN

pytestmark = pytest.mark.sweep  # the floors run of .ci/run skips it


def rnd(shape: tuple[int, ...], seed: int = 0, dtype: Any = np.float64) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind in "iu":
        return rng.integers(-5, 6, size=shape).astype(dtype)
    if np.dtype(dtype).kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def same(actual: Any, expected: Any, tol: float = 1e-12) -> None:
    if isinstance(expected, (tuple, list)):
        assert len(actual) == len(expected)
        for a, e in zip(actual, expected):
            same(a, e, tol)
        return
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    if expected.dtype.kind in "fc":
        np.testing.assert_allclose(actual, expected, rtol=tol, atol=tol)
    else:
        np.testing.assert_array_equal(actual, expected)


# ------------------------------------------------------------------ NumPy references


def np_top_k(x: np.ndarray, k: int, axis: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(-x, axis=axis, kind="stable")  # ties: the lower index first
    idx = np.take(order, np.arange(k), axis=axis)
    return np.take_along_axis(x, idx, axis=axis), idx.astype(np.int32)


def _starts(shape: Any, sizes: Any, b: tuple[int, ...], vec: np.ndarray, imap: Any, pairs: Any):
    starts = [0] * len(shape)
    for k, d in enumerate(imap):
        starts[d] = int(vec[k])
    for d, j in pairs:
        starts[d] = b[j]
    return starts


def np_gather(x: np.ndarray, idx: np.ndarray, dn: GDN, sizes: tuple[int, ...]) -> np.ndarray:
    """lax.gather in NumPy, one window per index vector (starts clamped: mode clip)."""
    pairs = list(zip(dn.operand_batching_dims, dn.start_indices_batching_dims))
    drop = set(dn.collapsed_slice_dims) | set(dn.operand_batching_dims)
    batch = idx.shape[:-1]
    kept = [z for d, z in enumerate(sizes) if d not in drop]
    out = np.zeros(batch + tuple(kept), x.dtype)
    for b in np.ndindex(*batch):
        starts = _starts(x.shape, sizes, b, idx[b], dn.start_index_map, pairs)
        starts = [min(max(s, 0), n - z) for s, n, z in zip(starts, x.shape, sizes)]
        win = x[tuple(slice(s, s + z) for s, z in zip(starts, sizes))]
        out[b] = win.reshape(kept)
    nb = len(batch)
    return np.moveaxis(out, list(range(nb, out.ndim)), list(dn.offset_dims))


_NP_COMBINE: dict[str, Callable[[Any, Any], Any]] = {
    "scatter": lambda old, new: new,
    "scatter_add": np.add,
    "scatter_mul": np.multiply,
    "scatter_min": np.minimum,
    "scatter_max": np.maximum,
}


def np_scatter(
    x: np.ndarray, idx: np.ndarray, u: Any, dn: SDN, how: str, func: Any = None
) -> np.ndarray:
    """lax.scatter* in NumPy (out-of-bounds windows dropped); with ``func`` and ``u`` the
    update shape: lax.scatter_apply."""
    pairs = list(zip(dn.operand_batching_dims, dn.scatter_indices_batching_dims))
    drop = set(dn.inserted_window_dims) | set(dn.operand_batching_dims)
    window = list(dn.update_window_dims)
    ushape = u if func is not None else u.shape
    scatter_axes = [a for a in range(len(ushape)) if a not in window]
    wins = iter(ushape[a] for a in window)
    sizes = [1 if d in drop else next(wins) for d in range(x.ndim)]
    out = x.copy()
    for b in np.ndindex(*idx.shape[:-1]):
        starts = _starts(x.shape, sizes, b, idx[b], dn.scatter_dims_to_operand_dims, pairs)
        if any(not 0 <= s <= n - z for s, n, z in zip(starts, x.shape, sizes)):
            continue
        where = tuple(slice(s, s + z) for s, z in zip(starts, sizes))
        if func is not None:
            out[where] = func(out[where])
            continue
        sel: list[Any] = [slice(None)] * u.ndim
        for a, v in zip(scatter_axes, b):
            sel[a] = v
        out[where] = _NP_COMBINE[how](out[where], u[tuple(sel)].reshape(sizes))
    return out


def np_fft(x: np.ndarray, kind: str, lengths: tuple[int, ...]) -> np.ndarray:
    axes = tuple(range(x.ndim - len(lengths), x.ndim))
    if not lengths:
        return x.real if kind == "IRFFT" else x.astype(np.result_type(x.dtype, np.complex64))
    if kind == "FFT":
        return np.fft.fftn(x, axes=axes)
    if kind == "IFFT":
        return np.fft.ifftn(x, axes=axes)
    if kind == "RFFT":
        return np.fft.rfftn(x, axes=axes)
    return np.fft.irfftn(x, s=lengths, axes=axes)


# ------------------------------------------------------------------ the op table

_GATHERS = [
    # (operand, indices, dnums, slice sizes): the batching-dims configs of JAX's tests
    ((2, 5), (2, 2, 1), GDN((), (1,), (1,), (0,), (0,)), (1, 1)),
    ((2, 3, 10), (3, 2, 1), GDN((2,), (), (2,), (0, 1), (1, 0)), (1, 1, 3)),
    ((10, 5), (2, 2), GDN((1,), (0,), (0, 1)), (1, 3)),
    ((4, 6, 3), (4, 2, 1), GDN((1, 2), (), (1,), (0,), (0,)), (1, 2, 3)),
]
_SCATTERS = [
    ((2, 5), (2, 2, 1), (2, 2), SDN((), (1,), (1,), (0,), (0,))),
    ((2, 3, 10), (3, 2, 1), (3, 2, 3), SDN((2,), (), (2,), (0, 1), (1, 0))),
    ((10, 5), (3, 1), (3, 3), SDN((1,), (0,), (0,))),
]


def _idx(shape: tuple[int, ...], seed: int, high: int = 10) -> np.ndarray:
    # some out of bounds on purpose: clamped by gathers, dropped by scatters
    return np.random.default_rng(seed).integers(-2, high, size=shape).astype(np.int64)


def _cases() -> list[tuple[str, Callable[..., Any], Callable[..., Any], list[np.ndarray]]]:
    """(name, axcomp kernel, NumPy reference, per-example float args)."""
    out: list[tuple[str, Callable[..., Any], Callable[..., Any], list[np.ndarray]]] = []
    for axis in (0, 1, -1):
        out.append(
            (
                f"top_k_axis{axis}",
                lambda x, a=axis: alax.top_k(x, 2, axis=a),
                lambda x, a=axis: np_top_k(x, 2, a),
                [rnd((3, 4, 5))],
            )
        )
    for n, (s, i, dn, z) in enumerate(_GATHERS):
        idx = _idx(i, n)
        out.append(
            (
                f"gather{n}",
                lambda x, dn=dn, z=z, idx=idx: alax.gather(x, idx, dn, z),
                lambda x, dn=dn, z=z, idx=idx: np_gather(x, idx, dn, z),
                [rnd(s, n)],
            )
        )
    for n, (s, i, u, dn) in enumerate(_SCATTERS):
        idx = _idx(i, n, high=11)
        for how in _NP_COMBINE:
            out.append(
                (
                    f"{how}{n}",
                    lambda x, v, dn=dn, idx=idx, h=how: getattr(alax, h)(x, idx, v, dn),
                    lambda x, v, dn=dn, idx=idx, h=how: np_scatter(x, idx, v, dn, h),
                    [rnd(s, n), rnd(u, n + 1)],
                )
            )
        out.append(
            (
                f"scatter_apply{n}",
                lambda x, dn=dn, idx=idx, u=u: alax.scatter_apply(
                    x, idx, anp.sin, dn, update_shape=u
                ),
                lambda x, dn=dn, idx=idx, u=u: np_scatter(x, idx, u, dn, "apply", np.sin),
                [rnd(s, n)],
            )
        )
    out += [
        (
            "split",
            lambda x: alax.split(x, [1, 0, 3], axis=1),
            lambda x: np.split(x, [1, 1], axis=1),
            [rnd((2, 4, 3))],
        ),
        (
            "stack",
            lambda x, y: alax.stack([x, y, x], axis=-1),
            lambda x, y: np.stack([x, y, x], axis=-1),
            [rnd((2, 3)), rnd((2, 3), 1)],
        ),
        (
            "unstack",
            lambda x: alax.unstack(x, axis=1),
            lambda x: tuple(np.moveaxis(x, 1, 0)),
            [rnd((2, 3))],
        ),
        (
            "tile",
            lambda x: alax.tile(x, (2, 1, 3)),
            lambda x: np.tile(x, (2, 1, 3)),
            [rnd((2, 1, 3))],
        ),
    ]
    for ls, rs in [((4,), (4,)), ((3, 4), (4,)), ((4,), (4, 2)), ((3, 4), (4, 2))]:
        out.append(
            (
                f"dot{len(ls)}{len(rs)}",
                lambda x, y: alax.dot(x, y, precision=alax.Precision.HIGHEST),
                np.dot,
                [rnd(ls), rnd(rs, 1)],
            )
        )
    for kind, shape, lengths in [
        ("FFT", (3, 4, 5), (4, 5)),
        ("IFFT", (3, 4, 5), (3, 4, 5)),
        ("FFT", (3, 4), ()),
        ("RFFT", (3, 4, 6), (4, 6)),
        ("IRFFT", (3, 4, 4), (4, 6)),
        ("IRFFT", (3, 5), (8,)),
    ]:
        dtype = np.float64 if kind == "RFFT" else np.complex128
        out.append(
            (
                f"fft_{kind}{len(lengths)}",
                lambda x, k=kind, n=lengths: alax.fft(x, getattr(alax.FftType, k), n),
                lambda x, k=kind, n=lengths: np_fft(x, k, n),
                [rnd(shape, 3, dtype)],
            )
        )
    return out


CASES = _cases()
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_eager_matches_numpy(case):
    _, kernel, ref, args = case
    same(kernel(*args), ref(*args), 1e-10)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_nested_vmap_matches_loop(case):
    _, kernel, ref, args = case
    # the inner batch axis sits at position 1 of each example
    batched = [
        np.stack([np.stack([a * (1 + i + 2 * j) for j in range(2)], axis=1) for i in range(3)])
        for a in args
    ]
    got = ax.vmap(ax.vmap(kernel, in_axes=1), in_axes=0)(*batched)
    want = loop_vmap(loop_vmap(ref, in_axes=1), in_axes=0)(*batched)
    same(got, want, 1e-10)
    # one argument unbatched (in_axes None) where there are two
    if len(args) == 2:
        first = np.stack([args[0], 3 * args[0]])
        got = ax.vmap(kernel, in_axes=(0, None))(first, args[1])
        want = loop_vmap(ref, in_axes=(0, None))(first, args[1])
        same(got, want, 1e-10)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_jit_matches_numpy(case):
    _, kernel, ref, args = case
    same(ax.jit(kernel)(*args), ref(*args), 1e-10)


def _weighted_sum(kernel: Callable[..., Any]) -> Callable[..., Any]:
    """A scalar of every float output (complex: real and imaginary parts)."""

    def f(*args: Any) -> Any:
        outs = kernel(*args)
        outs = outs if isinstance(outs, (tuple, list)) else (outs,)
        total: Any = 0.0
        for k, o in enumerate(outs):
            if o.dtype.kind not in "fc":
                continue
            w = np.cos(np.arange(math.prod(o.shape), dtype=np.float64) + k).reshape(o.shape)
            if o.dtype.kind == "c":
                total = total + anp.sum(anp.real(o) * w) + anp.sum(anp.imag(o) * (w + 1))
            else:
                total = total + anp.sum(o * w)
        return total

    return f


# real inputs only; RFFT's complex output is outside what axcomp.grad differentiates
GRAD_CASES = [c for c in CASES if c[3][0].dtype.kind == "f" and "RFFT" not in c[0]]


@pytest.mark.parametrize("case", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_grad_matches_finite_differences(case):
    name, kernel, _, args = case
    f = _weighted_sum(kernel)
    for argnum in range(len(args)):
        if name.startswith(("scatter_min", "scatter_max")):
            continue  # ties between operand and update are kinks
        got = ax.grad(f, argnums=argnum)(*args)
        want = numeric_grad(lambda *a: f(*a), args, argnum)
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-5, atol=1e-6)
    # and per example under vmap
    batched = [np.stack([a, 2 * a]) for a in args]
    got = ax.vmap(ax.grad(f))(*batched)
    want = np.stack([ax.grad(f)(*[b[i] for b in batched]) for i in range(2)])
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-10, atol=1e-12)


def test_every_export_is_covered():
    names = {"split", "stack", "unstack", "tile", "dot", "fft", "scatter_apply", "top_k"}
    names |= {"gather", *_NP_COMBINE}
    for n in names:
        assert any(c[0].startswith(n) for c in CASES), n
        assert callable(getattr(alax, n))


# ------------------------------------------------------------------ semantics and errors


def test_top_k_default_axis_and_ties():
    x = np.array([[3, 1, 3, 2], [0, 0, 5, 5]], np.int16)
    v, i = alax.top_k(x, 3)
    same(v, np.array([[3, 3, 2], [5, 5, 0]], np.int16))
    same(i, np.array([[0, 2, 3], [2, 3, 0]], np.int32))
    with pytest.raises(ValueError):
        alax.top_k(x, 3, axis=0)


def test_scatter_apply_repeats_and_drops():
    # jax: a position written twice gets func twice; out-of-bounds windows are dropped
    dn = SDN((), (0,), (0,))
    x = np.arange(5.0)
    got = alax.scatter_apply(x, np.array([[1], [1], [7], [-1]]), anp.sin, dn, update_shape=(4,))
    same(got, np.array([0.0, np.sin(np.sin(1.0)), 2.0, 3.0, 4.0]))
    got = alax.scatter_apply(
        x, np.array([[1], [1], [7], [-1]]), anp.sin, dn, update_shape=(4,), mode="clip"
    )
    same(got, np.array([0.0, np.sin(np.sin(1.0)), 2.0, 3.0, np.sin(4.0)]))


def test_scatter_apply_many_windows_loop():
    # more windows than the unrolled bound: the repeats run in a while_loop
    dn = SDN((), (0,), (0,))
    idx = (np.arange(40) % 3).reshape(40, 1)
    x = np.linspace(0.1, 0.5, 4)
    got = ax.vmap(lambda v: alax.scatter_apply(v, idx, anp.sin, dn, update_shape=(40,)))(
        np.stack([x, 2 * x])
    )
    want = np.stack([np_scatter(v, idx, (40,), dn, "apply", np.sin) for v in (x, 2 * x)])
    same(got, want, 1e-12)


def test_broadcast_shapes():
    out = alax.broadcast_shapes((1, 2, 3), (2, 3))
    assert out == (1, 2, 3) and all(type(s) is int for s in out)
    assert alax.broadcast_shapes((5, 1), (1, 4), (4,)) == (5, 4)
    assert alax.broadcast_shapes(np.array([3, 1]), (2,)) == (3, 2)
    for bad in [((-1,),), ("hello",), ((1.5,),)]:
        with pytest.raises(TypeError):
            alax.broadcast_shapes(*bad)
    with pytest.raises(ValueError):
        alax.broadcast_shapes((2,), (3,))


def test_split_stack_tile_dot_errors():
    x = rnd((2, 3))
    with pytest.raises(ValueError):
        alax.split(x, [1, 1], axis=1)
    with pytest.raises(TypeError):
        alax.tile(x, (2,))
    with pytest.raises(ValueError):
        alax.dot(rnd((2, 3, 4)), rnd((4,)))
    with pytest.raises(ValueError):
        alax.dot(x, rnd((2,)))
    with pytest.raises(ValueError):
        alax.fft(rnd((4,), dtype=np.complex128), alax.FftType.FFT, (5,))
    with pytest.raises(TypeError):
        alax.fft(rnd((4,), dtype=np.complex128), alax.FftType.RFFT, (4,))
    assert [p.shape for p in alax.split(x, [3, 0], axis=1)] == [(2, 3), (2, 0)]


def test_dot_dtypes():
    a, b = rnd((3, 4), dtype=np.int8), rnd((4,), 1, dtype=np.int8)
    same(alax.dot(a, b), np.dot(a, b))
    got = alax.dot(a * 40, b * 40, preferred_element_type=np.int32)
    same(got, np.dot((a * 40).astype(np.int32), (b * 40).astype(np.int32)))
    f32 = rnd((3, 4), dtype=np.float32)
    assert alax.dot(f32, f32.T).dtype == np.float32


def test_fft_types_by_name_and_dtype():
    x = rnd((3, 4), dtype=np.complex64)
    same(alax.fft(x, "fft", (4,)), np.fft.fft(x).astype(np.complex64), 1e-5)
    same(alax.fft(x, alax.FftType.IFFT, (3, 4)), np.fft.ifft2(x).astype(np.complex64), 1e-5)
    r = rnd((3, 4), dtype=np.float32)
    same(alax.fft(r, "RFFT", (4,)), np.fft.rfft(r).astype(np.complex64), 1e-5)
    # FFT of real input: converted to complex first
    same(alax.fft(rnd((4,)), "FFT", (4,)), np.fft.fft(rnd((4,))))
    assert list(alax.FftType) == [
        alax.FftType.FFT,
        alax.FftType.IFFT,
        alax.FftType.RFFT,
        alax.FftType.IRFFT,
    ]


def test_gather_batching_dims_mismatch():
    dn = GDN((), (1,), (1,), (0,), (0,))
    with pytest.raises(ValueError):
        alax.gather(rnd((3, 5)), np.zeros((2, 2, 1), np.int64), dn, (1, 1))


# ------------------------------------------------------------------ Array API backend


def test_array_api_backend():
    xp = pytest.importorskip("array_api_strict")
    names = {"split", "stack", "unstack", "tile", "dot22", "gather0", "gather1", "top_k_axis1"}
    names |= {"scatter_add0", "scatter1", "scatter_max2", "scatter_apply1"}
    picked = [c for c in CASES if c[0] in names]
    assert len(picked) == len(names)
    for _, kernel, _ref, args in picked:
        batched = [np.stack([a, 2 * a]) for a in args]
        got = ax.vmap(kernel)(*[xp.asarray(b) for b in batched])
        want = ax.vmap(kernel)(*batched)
        leaves = got if isinstance(got, (tuple, list)) else (got,)
        assert all(type(g) is type(xp.asarray(0.0)) for g in leaves)
        same(
            [np.asarray(g) for g in leaves],
            list(want) if isinstance(want, (tuple, list)) else [want],
            1e-12,
        )


def test_fft_on_array_api_matches_numpy_or_refuses():
    xp = pytest.importorskip("array_api_strict")
    x = rnd((2, 3, 4), dtype=np.complex128)
    f = ax.vmap(lambda v: alax.fft(v, "FFT", (3, 4)))
    try:
        got = f(xp.asarray(x))
    except ax.UnsupportedError:
        return
    same(np.asarray(got), f(x), 1e-12)
