"""The ``axcomp.numpy`` functions composed from the namespace's own (Array API aliases,
``nan*`` reductions, polynomials, set operations, ``cov``...): each function against NumPy
(or a closed form) eagerly, under nested vmap against the loop-and-stack oracle, under jit,
and its gradient against finite differences where it is differentiable."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from gradcheck import numeric_grad
from oracle import loop_vmap

import axcomp as ax
import axcomp.numpy as anp
from axcomp.primitives.gathers import BooleanIndexError

pytestmark = pytest.mark.sweep  # the floors run of .ci/run skips it

RNG = np.random.default_rng(0)
V = RNG.normal(size=5)
M = RNG.normal(size=(3, 4))
U = RNG.uniform(-0.9, 0.9, size=5)  # inside arcsin/arctanh's domain
P = RNG.uniform(1.1, 3.0, size=5)  # inside arccosh's domain, positive
VN = V.copy()
VN[[1, 3]] = np.nan
MN = M.copy()
MN[0, 1] = MN[2, 3] = np.nan
INTS = np.array([3, 1, 3, 0, 2, 1, 0, 5])
SQ = RNG.normal(size=(3, 3))
PH = np.cumsum(RNG.uniform(-4, 4, size=7))  # jumps larger than pi


def _cumulative_ref(op: Callable[..., Any], first: float) -> Callable[..., Any]:
    def ref(x: Any, axis: int) -> Any:
        out = op(x, axis=axis)
        head = np.full(out.shape[:axis] + (1,) + out.shape[axis + 1 :], first)
        return np.concatenate([head, out], axis)

    return ref


def _nonzero_ref(a: Any, size: int, fill: int) -> tuple[Any, ...]:
    idx = np.nonzero(a)
    return tuple(np.concatenate([i, np.full(size, fill)])[:size] for i in idx)


def _unique_ref(a: Any, size: int) -> tuple[Any, ...]:
    vals, index, inverse, counts = np.unique(a, True, True, True)
    k = size - len(vals)
    return (
        np.concatenate([vals, np.full(k, vals[0])])[:size],
        np.concatenate([index, np.full(k, index[0])])[:size],
        inverse.reshape(a.shape),
        np.concatenate([counts, np.zeros(k, counts.dtype)])[:size],
    )


def _hist_ref(a: Any) -> tuple[Any, Any]:
    counts, edges = np.histogram(a, bins=4, range=(-1.0, 1.5))
    return counts.astype(float), edges


def _gradient_ref(f: Any) -> Any:
    return np.gradient(f, 0.5, axis=-1)


# (id, axcomp function, NumPy reference or closed form, arguments); every argument is
# batched in the vmap test; differentiable cases are listed in GRAD below
CASES: list[tuple[str, Callable[..., Any], Callable[..., Any], tuple[Any, ...]]] = [
    ("acos", anp.acos, np.arccos, (U,)),
    ("asin", anp.asin, np.arcsin, (U,)),
    ("atan", anp.atan, np.arctan, (V,)),
    ("atan2", anp.atan2, np.arctan2, (V, U)),
    ("acosh", anp.acosh, np.arccosh, (P,)),
    ("asinh", anp.asinh, np.arcsinh, (V,)),
    ("atanh", anp.atanh, np.arctanh, (U,)),
    ("pow", anp.pow, np.power, (P, V)),
    ("concat", lambda a, b: anp.concat([a, b], axis=1), lambda a, b: np.concat([a, b], 1), (M, M)),
    (
        "concat_none",
        lambda a: anp.concat([a, a], axis=None),
        lambda a: np.concat([a, a], axis=None),
        (M,),
    ),
    (
        "permute_dims",
        lambda a: anp.permute_dims(a, (1, 0)),
        lambda a: np.permute_dims(a, (1, 0)),
        (M,),
    ),
    ("matrix_transpose", anp.matrix_transpose, np.matrix_transpose, (M,)),
    ("fabs", anp.fabs, np.fabs, (V,)),
    ("degrees", anp.degrees, np.degrees, (V,)),
    ("radians", anp.radians, np.radians, (V,)),
    ("angle", anp.angle, np.angle, (V,)),
    (
        "angle_complex_deg",
        lambda a, b: anp.angle(a + 1j * b, deg=True),
        lambda a, b: np.angle(a + 1j * b, deg=True),
        (V, U),
    ),
    ("copy", anp.copy, np.copy, (M,)),
    ("isneginf", anp.isneginf, np.isneginf, (np.array([-np.inf, 0.0, np.inf, np.nan]),)),
    ("isposinf", anp.isposinf, np.isposinf, (np.array([-np.inf, 0.0, np.inf, np.nan]),)),
    (
        "isreal",
        lambda a, b: anp.isreal(a + 1j * b),
        lambda a, b: np.isreal(a + 1j * b),
        (V, np.array([0.0, 1, 0, 2, 0])),
    ),
    (
        "iscomplex",
        lambda a, b: anp.iscomplex(a + 1j * b),
        lambda a, b: np.iscomplex(a + 1j * b),
        (V, np.array([0.0, 1, 0, 2, 0])),
    ),
    ("left_shift", anp.left_shift, np.left_shift, (INTS, INTS % 3)),
    ("right_shift", anp.bitwise_right_shift, np.right_shift, (INTS * 8, INTS % 3)),
    ("bitwise_invert", anp.bitwise_invert, np.invert, (INTS,)),
    ("unstack", lambda a: anp.unstack(a, axis=1), lambda a: tuple(np.moveaxis(a, 1, 0)), (M,)),
    ("vsplit", lambda a: anp.vsplit(a, [1]), lambda a: np.vsplit(a, [1]), (M,)),
    ("hsplit", lambda a: anp.hsplit(a, 2), lambda a: np.hsplit(a, 2), (M,)),
    ("dsplit", lambda a: anp.dsplit(a, 2), lambda a: np.dsplit(a, 2), (M.reshape(3, 1, 4),)),
    (
        "rollaxis",
        lambda a: anp.rollaxis(a, 2, 0),
        lambda a: np.rollaxis(a, 2, 0),
        (M.reshape(3, 1, 4),),
    ),
    (
        "rollaxis_fwd",
        lambda a: anp.rollaxis(a, 0, 3),
        lambda a: np.rollaxis(a, 0, 3),
        (M.reshape(3, 1, 4),),
    ),
    ("matvec", anp.matvec, lambda a, b: a @ b, (M, V[:4])),
    ("vecmat", anp.vecmat, lambda a, b: a @ b, (V[:3], M)),
    ("vecdot", anp.vecdot, lambda a, b: np.sum(a * b, -1), (M, M)),
    ("diagflat", lambda a: anp.diagflat(a, 1), lambda a: np.diagflat(a, 1), (M[:2, :2],)),
    ("append", anp.append, np.append, (M, V)),
    (
        "append_axis",
        lambda a, b: anp.append(a, b, axis=0),
        lambda a, b: np.append(a, b, axis=0),
        (M, M),
    ),
    (
        "broadcast_arrays",
        lambda a, b: anp.broadcast_arrays(a, b[:, None]),
        lambda a, b: np.broadcast_arrays(a, b[:, None]),
        (V[:4], V[:3]),
    ),
    ("divmod", anp.divmod, np.divmod, (V * 4, P)),
    ("divmod_int", anp.divmod, np.divmod, (INTS - 2, INTS % 3 + 1)),
    ("modf", anp.modf, np.modf, (V * 3,)),
    ("ldexp", anp.ldexp, np.ldexp, (V, INTS[:5] - 2)),
    (
        "frexp",
        anp.frexp,
        np.frexp,
        (np.array([8.0, -0.3, 0.0, -np.inf, np.nan, 5e-324, 1e-310, 1.7e308, 2.0**-1022]),),
    ),
    ("i0", anp.i0, np.i0, (V * 5,)),
    ("spacing", anp.spacing, np.spacing, (np.array([1.0, -1.0, 0.0, np.inf, 1e300, -3.5]),)),
    ("gcd", anp.gcd, np.gcd, (INTS * 6 - 9, INTS * 4)),
    ("lcm", anp.lcm, np.lcm, (INTS * 6 - 9, INTS + 2)),
    ("nanprod", lambda a: anp.nanprod(a, axis=1), lambda a: np.nanprod(a, axis=1), (MN,)),
    (
        "nanvar",
        lambda a: anp.nanvar(a, axis=1, ddof=1),
        lambda a: np.nanvar(a, axis=1, ddof=1),
        (MN,),
    ),
    ("nanvar_all", anp.nanvar, np.nanvar, (MN,)),
    (
        "nanstd",
        lambda a: anp.nanstd(a, axis=0, keepdims=True),
        lambda a: np.nanstd(a, axis=0, keepdims=True),
        (MN,),
    ),
    ("nanargmax", lambda a: anp.nanargmax(a, axis=1), lambda a: np.nanargmax(a, axis=1), (MN,)),
    ("nanargmin", anp.nanargmin, np.nanargmin, (VN,)),
    ("nancumsum", lambda a: anp.nancumsum(a, axis=1), lambda a: np.nancumsum(a, axis=1), (MN,)),
    ("nancumprod", anp.nancumprod, np.nancumprod, (VN,)),
    (
        "nanquantile",
        lambda a: anp.nanquantile(a, np.array([0.2, 0.9]), axis=1),
        lambda a: np.nanquantile(a, [0.2, 0.9], axis=1),
        (MN,),
    ),
    (
        "nanpercentile",
        lambda a: anp.nanpercentile(a, 35.0, keepdims=True),
        lambda a: np.nanpercentile(a, 35.0, keepdims=True),
        (MN,),
    ),
    (
        "nanmedian",
        lambda a: anp.nanmedian(a, axis=0, keepdims=True),
        lambda a: np.nanmedian(a, axis=0, keepdims=True),
        (MN,),
    ),
    ("nanmedian_flat", anp.nanmedian, np.nanmedian, (VN,)),
    (
        "cumulative_sum",
        lambda a: anp.cumulative_sum(a, axis=1, include_initial=True),
        lambda a: _cumulative_ref(np.cumsum, 0.0)(a, 1),
        (M,),
    ),
    (
        "cumulative_prod",
        lambda a: anp.cumulative_prod(a, include_initial=True),
        lambda a: _cumulative_ref(np.cumprod, 1.0)(a, 0),
        (V,),
    ),
    (
        "cumulative_sum_plain",
        lambda a: anp.cumulative_sum(a, axis=0),
        lambda a: np.cumsum(a, 0),
        (M,),
    ),
    (
        "ediff1d",
        lambda a: anp.ediff1d(a, to_end=[9.0], to_begin=-1.0),
        lambda a: np.ediff1d(a, to_end=[9.0], to_begin=-1.0),
        (M,),
    ),
    (
        "trapezoid",
        lambda a: anp.trapezoid(a, dx=0.5, axis=0),
        lambda a: np.trapezoid(a, dx=0.5, axis=0),
        (M,),
    ),
    ("trapezoid_x", anp.trapezoid, np.trapezoid, (V, np.cumsum(P))),
    ("gradient", lambda a: anp.gradient(a, 0.5, axis=-1), _gradient_ref, (M,)),
    ("gradient_all", anp.gradient, lambda a: list(np.gradient(a)), (M,)),
    ("cov", anp.cov, np.cov, (M,)),
    (
        "cov_y",
        lambda a, b: anp.cov(a, b, rowvar=False, bias=True),
        lambda a, b: np.cov(a, b, rowvar=False, bias=True),
        (M, M),
    ),
    ("corrcoef", anp.corrcoef, np.corrcoef, (M,)),
    ("logspace", lambda a, b: anp.logspace(a, b, 5), lambda a, b: np.logspace(a, b, 5), (V, U)),
    (
        "geomspace",
        lambda a, b: anp.geomspace(a, b, 4, axis=1),
        lambda a, b: np.geomspace(a, b, 4, axis=1),
        (P, P + 1),
    ),
    (
        "geomspace_neg",
        lambda a: anp.geomspace(-a, -2 * a, 3, endpoint=False),
        lambda a: np.geomspace(-a, -2 * a, 3, endpoint=False),
        (P,),
    ),
    ("vander", anp.vander, np.vander, (V,)),
    (
        "vander_inc",
        lambda a: anp.vander(a, 3, increasing=True),
        lambda a: np.vander(a, 3, increasing=True),
        (INTS,),
    ),
    ("polyadd", anp.polyadd, np.polyadd, (V, U[:2])),
    ("polysub", anp.polysub, np.polysub, (U[:2], V)),
    ("polymul", anp.polymul, np.polymul, (V, U[:3])),
    ("polyder", lambda a: anp.polyder(a, 2), lambda a: np.polyder(a, 2), (V,)),
    (
        "polyint",
        lambda a: anp.polyint(a, 2, k=[1.0, 2.0]),
        lambda a: np.polyint(a, 2, k=[1.0, 2.0]),
        (V,),
    ),
    ("isin", anp.isin, np.isin, (INTS, INTS[:3])),
    (
        "isin_invert",
        lambda a, b: anp.isin(a, b, invert=True),
        lambda a, b: np.isin(a, b, invert=True),
        (INTS, INTS[:3]),
    ),
    ("digitize", anp.digitize, np.digitize, (V, np.sort(U))),
    (
        "digitize_down_right",
        lambda a, b: anp.digitize(a, b, right=True),
        lambda a, b: np.digitize(a, b, right=True),
        (V, np.sort(U)[::-1].copy()),
    ),
    ("histogram", lambda a: anp.histogram(a, bins=4, range=(-1.0, 1.5)), _hist_ref, (V,)),
    (
        "histogram_auto",
        lambda a: anp.histogram(a, bins=3)[0],
        lambda a: np.histogram(a, bins=3)[0].astype(float),
        (V,),
    ),
    ("unwrap", anp.unwrap, np.unwrap, (PH,)),
    (
        "unwrap_period",
        lambda a: anp.unwrap(a, period=5.0, axis=0),
        lambda a: np.unwrap(a, period=5.0, axis=0),
        (PH[:6].reshape(3, 2),),
    ),
    (
        "nonzero",
        lambda a: anp.nonzero(a, size=6, fill_value=-1),
        lambda a: _nonzero_ref(a, 6, -1),
        (INTS.reshape(2, 4) % 3,),
    ),
    (
        "flatnonzero",
        lambda a: anp.flatnonzero(a, size=3),
        lambda a: _nonzero_ref(a, 3, 0)[0],
        (INTS,),
    ),
    (
        "argwhere",
        lambda a: anp.argwhere(a, size=7, fill_value=-2),
        lambda a: np.stack(_nonzero_ref(a, 7, -2), 1),
        (INTS.reshape(2, 4) % 3,),
    ),
    (
        "unique",
        lambda a: anp.unique(a, True, True, True, size=6),
        lambda a: _unique_ref(a, 6),
        (INTS.reshape(2, 4),),
    ),
    ("unique_short", lambda a: anp.unique(a, size=2), lambda a: np.unique(a)[:2], (INTS,)),
    (
        "unique_fill",
        lambda a: anp.unique(a, size=9, fill_value=-7),
        lambda a: np.concatenate([np.unique(a), np.full(4, -7)]),
        (INTS,),
    ),
    (
        "unique_nan",
        lambda a: anp.unique(a, return_counts=True, size=5),
        lambda a: _unique_ref(a, 5)[::3],
        (np.array([2.0, np.nan, 1.0, np.nan, 1.0]),),
    ),
]

IDS = [c[0] for c in CASES]


def _leaves(x: Any) -> list[Any]:
    if isinstance(x, (list, tuple)):
        return [leaf for item in x for leaf in _leaves(item)]
    return [np.asarray(x)]


def _close(got: Any, want: Any) -> None:
    g, w = _leaves(got), _leaves(want)
    assert len(g) == len(w)
    for a, b in zip(g, w):
        assert a.shape == b.shape, (a.shape, b.shape)
        if b.dtype.kind in "biu":
            assert a.dtype.kind == b.dtype.kind, (a.dtype, b.dtype)
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, equal_nan=True)


def _batch(x: Any, outer: int, inner: int) -> Any:
    # varied per example, keeping the dtype and the domain (integers shift by 0/1 mod 2)
    x = np.asarray(x)
    if x.dtype.kind in "iub":
        out = np.stack([np.stack([np.roll(x, i + j) for j in range(inner)]) for i in range(outer)])
        return out.astype(x.dtype)
    scale = 1.0 + 0.01 * np.arange(outer * inner).reshape(outer, inner)
    return x[None, None] * scale.reshape(scale.shape + (1,) * x.ndim)


@pytest.mark.parametrize("name, fn, ref, args", CASES, ids=IDS)
def test_eager_matches_numpy(name: str, fn: Any, ref: Any, args: tuple[Any, ...]) -> None:
    _close(fn(*args), ref(*args))


@pytest.mark.parametrize("name, fn, ref, args", CASES, ids=IDS)
def test_nested_vmap_matches_loop(name: str, fn: Any, ref: Any, args: tuple[Any, ...]) -> None:
    batched = [_batch(a, 2, 3) for a in args]
    _close(ax.vmap(ax.vmap(fn))(*batched), loop_vmap(loop_vmap(ref))(*batched))


@pytest.mark.parametrize("name, fn, ref, args", CASES, ids=IDS)
def test_jit_matches_numpy(name: str, fn: Any, ref: Any, args: tuple[Any, ...]) -> None:
    _close(ax.jit(fn)(*args), ref(*args))


GRAD = [
    "acos",
    "asin",
    "atan",
    "atan2",
    "acosh",
    "asinh",
    "atanh",
    "pow",
    "concat",
    "permute_dims",
    "matrix_transpose",
    "fabs",
    "degrees",
    "unstack",
    "rollaxis",
    "matvec",
    "vecmat",
    "vecdot",
    "diagflat",
    "append",
    "modf",
    "i0",
    "nanprod",
    "nanvar",
    "nanstd",
    "nanquantile",
    "nanmedian",
    "nancumsum",
    "nancumprod",
    "cumulative_sum",
    "cumulative_prod",
    "ediff1d",
    "trapezoid",
    "trapezoid_x",
    "gradient",
    "cov",
    "cov_y",
    "corrcoef",
    "logspace",
    "geomspace",
    "vander",
    "polyadd",
    "polymul",
    "polyder",
    "polyint",
    "unwrap",
]
BY_NAME = {c[0]: c for c in CASES}


@pytest.mark.parametrize("name", GRAD)
def test_grad_matches_finite_differences(name: str) -> None:
    _, fn, ref, args = BY_NAME[name]
    weights = [RNG.normal(size=leaf.shape) for leaf in _leaves(ref(*args))]

    def loss(m: Any, f: Any, *xs: Any) -> Any:
        return sum(m.sum(m.asarray(o) * w) for o, w in zip(_leaves_traced(f(*xs)), weights))

    for k, a in enumerate(args):
        if np.asarray(a).dtype.kind != "f":
            continue
        got = ax.grad(lambda *xs: loss(anp, fn, *xs), argnums=k)(*args)
        want = numeric_grad(lambda *xs: loss(np, ref, *xs), args, k)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def _leaves_traced(x: Any) -> list[Any]:
    if isinstance(x, (list, tuple)):
        return [leaf for item in x for leaf in _leaves_traced(item)]
    return [x]


# ------------------------------------------------------------------ the rest
def test_data_dependent_shapes_need_size_when_traced() -> None:
    for f in (anp.nonzero, anp.argwhere, anp.flatnonzero, anp.unique):
        with pytest.raises(BooleanIndexError, match="size="):
            ax.vmap(f)(M)
    # eagerly without size they are NumPy's
    _close(anp.nonzero(M > 0), np.nonzero(M > 0))
    _close(anp.unique(INTS, return_counts=True), np.unique(INTS, return_counts=True))
    _close(anp.argwhere(M > 0), np.argwhere(M > 0))


def test_static_helpers_and_predicates() -> None:
    np.testing.assert_array_equal(anp.tri(3, 4, 1), np.tri(3, 4, 1))
    assert anp.tri(2).dtype == np.float64
    _close(anp.tril_indices_from(M, 1), np.tril_indices_from(M, 1))
    _close(anp.triu_indices_from(M, -1), np.triu_indices_from(M, -1))
    _close(anp.diag_indices(3, 3), np.diag_indices(3, 3))
    _close(anp.diag_indices_from(SQ), np.diag_indices_from(SQ))
    e = ax.vmap(lambda x: x + anp.empty_like(x))(M)
    np.testing.assert_array_equal(e, M)
    assert anp.empty_like(M, dtype=np.int32, shape=(2,)).dtype == np.int32
    assert anp.isscalar(1.0) and anp.isscalar(np.float32(2)) and anp.isscalar(np.array(3.0))
    assert not anp.isscalar(V) and not anp.isscalar([1])
    assert ax.jit(lambda x: x * anp.isscalar(x))(np.array(2.0)) == 2.0
    assert anp.iscomplexobj(V + 1j) and anp.isrealobj(V) and not anp.iscomplexobj(V)
    assert ax.vmap(lambda x: x if anp.isrealobj(x) else 0 * x)(M).shape == M.shape


def test_numpy_reexports() -> None:
    assert anp.finfo(anp.float32).eps == np.finfo(np.float32).eps
    assert anp.iinfo(anp.int8).max == 127
    assert anp.issubdtype(anp.int_, anp.integer) and anp.issubdtype(anp.float_, anp.floating)
    assert anp.can_cast(anp.int32, anp.float64) and anp.isdtype(anp.float32, "real floating")
    assert anp.iterable([1]) and not anp.iterable(1)
    assert (anp.bool, anp.single, anp.double) == (np.bool_, np.float32, np.float64)
    assert (anp.csingle, anp.cdouble, anp.complex_, anp.uint) == (
        np.complex64,
        np.complex128,
        np.complex128,
        np.uint64,
    )
    for name in "number inexact signedinteger unsignedinteger complexfloating generic".split():
        assert getattr(anp, name) is getattr(np, name)
    assert anp.character is np.character and anp.flexible is np.flexible
    assert anp.object_ is np.object_
    np.testing.assert_array_equal(anp.r_[1:3, 5], np.r_[1:3, 5])
    np.testing.assert_array_equal(anp.c_[V, V], np.c_[V, V])
    assert anp.s_[1:2] == slice(1, 2) and anp.index_exp[1] == (1,)
    _close(anp.ix_([0, 1], [2]), np.ix_([0, 1], [2]))
    _close(anp.indices((2, 3)), np.indices((2, 3)))
    _close(anp.mgrid[0:2, 0:3], np.mgrid[0:2, 0:3])
    _close(anp.ogrid[0:2, 0:3], np.ogrid[0:2, 0:3])
    _close(
        anp.fromfunction(lambda i, j: i + j, (2, 3)), np.fromfunction(lambda i, j: i + j, (2, 3))
    )


def test_shape_and_argument_errors() -> None:
    with pytest.raises(ValueError):
        anp.vsplit(V, 1)
    with pytest.raises(ValueError):
        anp.matrix_transpose(V)
    with pytest.raises(ValueError):
        anp.cumulative_sum(M)
    with pytest.raises(NotImplementedError):
        anp.histogram(V, bins=np.array([0.0, 1.0]))
    with pytest.raises(ax.errors.ConcretizationTypeError):  # JAX's error there
        ax.vmap(lambda p: anp.polymul(p, p, trim_leading_zeros=True))(M)
    np.testing.assert_array_equal(anp.polymul([0, 1], [2], trim_leading_zeros=True), [2])


def test_jax_semantics_where_numpy_differs() -> None:
    # values checked against jax.numpy 0.10 with x64
    all_nan = np.array([[np.nan, np.nan], [1.0, 2.0]])
    np.testing.assert_array_equal(ax.vmap(anp.nanargmax)(all_nan), [-1, 1])
    np.testing.assert_array_equal(anp.nanargmin(all_nan, axis=1), [-1, 0])
    assert anp.polyder(np.array([3, 1, 0, 2])).dtype == np.float64
    assert anp.polymul(np.array([3, 1]), np.array([1, 2])).dtype == np.float64
    assert anp.argwhere(np.array(3.0), size=2).shape == (2, 0)
    counts, edges = ax.jit(lambda a: anp.histogram(a, bins=3, density=True))(
        np.array([1.0, 2, 2, 5])
    )
    want_c, want_e = np.histogram(np.array([1.0, 2, 2, 5]), bins=3, density=True)
    _close((counts, edges), (want_c, want_e))
    c, e = np.histogram(np.array([2.0, 2.0]), bins=2)
    _close(anp.histogram(np.array([2.0, 2.0]), bins=2), (c.astype(float), e))
    got = ax.vmap(lambda a: anp.unique(a, return_index=True, size=4, fill_value=9))(
        np.array([[3, 1, 3, 1], [2, 2, 2, 2]])
    )
    np.testing.assert_array_equal(got[0], [[1, 3, 9, 9], [2, 9, 9, 9]])
    np.testing.assert_array_equal(got[1], [[1, 0, 1, 1], [0, 0, 0, 0]])
    np.testing.assert_array_equal(anp.fabs(np.array([-2, 3])), [2.0, 3.0])


def test_spacing_of_negative_zero_is_negative_as_jax() -> None:
    # NumPy gives +5e-324 here; JAX (the reference) keeps the sign
    assert ax.jit(anp.spacing)(np.array([-0.0]))[0] == -5e-324
    assert anp.spacing(np.array([-0.0]))[0] == -5e-324


def test_gcd_at_the_int64_worst_case() -> None:
    # consecutive Fibonacci numbers take the most Euclid steps
    f = np.array([7540113804746346429]), np.array([4660046610375530309])
    np.testing.assert_array_equal(ax.jit(anp.gcd)(*f), [1])
    with pytest.raises(ValueError, match="integers"):  # jnp.gcd of floats: ValueError
        ax.jit(anp.gcd)(V, V)
