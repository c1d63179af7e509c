"""``axcomp.scipy.linalg`` (as ``jax.scipy.linalg``): ``cholesky``, ``cho_factor``,
``cho_solve``, ``solve_triangular``, ``solve``, ``inv``, ``det``, ``qr``, ``svd``, ``eigh``,
``eigh_tridiagonal``, ``block_diag`` (compositions of the ``linalg`` primitive of
``primitives/linalg.py`` and the masks, transposes and solves around it), ``lu``,
``lu_factor``, ``lu_solve`` (from ``lax.linalg.lu``) and ``expm``.

Inside kernels they record the axis graph; on NumPy values they compile and run the same
program through ``jit`` (non-array arguments are static). ``cho_factor`` returns and
``cho_solve`` takes the pair ``(c, lower)``, whose flag is static; ``lu_solve`` takes
``(lu, piv)``.

JAX's conventions, which SciPy's differ from in places: ``cholesky``/``cho_factor`` read one
triangle only (``lower``, SciPy's default upper) and return the factor with the other
triangle zeroed; their derivative is taken with respect to the whole input (JAX's
``cholesky`` primitive with ``symmetrize_input=False``); ``solve_triangular`` reads one
triangle and its gradient is masked to it; ``eigh`` symmetrizes its input;
``solve(assume_a='pos')`` reads one triangle for its value and differentiates through the
whole matrix, as JAX's ``custom_linear_solve`` does. Every triangular system is solved
by recursive blocks (``primitives/linalg.py``'s ``_substitute``: large matrix products and
small LAPACK solves, or small inverses, on the diagonal blocks, since NumPy has no
triangular solver), with the solve's own derivative rule; no matrix is inverted whole.

``expm`` is scaling and squaring with the degree-13 Padé approximant (Higham, "The scaling
and squaring method for the matrix exponential revisited", 2005). The number of squarings
depends on the matrix's 1-norm, so the squarings are a ``while_loop`` (each example of a
vmap batch squares as often as it needs), which is never differentiated: the derivative
is the Fréchet derivative in closed form, the upper right block of
``expm([[A, E], [0, A]])``; in reverse mode ``expm([[A^T, G], [0, A^T]])`` (the Fréchet
derivative's adjoint is the one at ``A^T``), carried by ``implicit._with_derivative``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import primitives as ops
from ..errors import ArgumentValueError, IncompatibleShapesError, ShapeError, UnsupportedError
from ..errors import missing_function as _missing
from ..lax import linalg as _lax_linalg
from ..primitives import linalg as _linalg
from ..primitives.contraction import multiply, swapaxes
from ..primitives.control import while_loop
from ..primitives.elementwise import elementwise, where
from ..primitives.gradients import stop_gradient
from ..primitives.indexing import getitem
from ..primitives.linalg import _float, _prep, tridiagonal_matrix
from ..primitives.linalg import solve as _solve
from ..primitives.order import pad
from ..primitives.shape import astype, concatenate, reshape
from ..tracing.build import Value, lift, trace_of
from ..tracing.tracer import Tracer
from ..transforms.implicit import _with_derivative
from ..transforms.jit import staged_export
from .matrix_functions import (
    funm,
    hessenberg,
    polar,
    rsf2csf,
    schur,
    solve_sylvester,
    sqrtm,
)
from .special_matrices import (
    circulant,
    companion,
    convolution_matrix,
    dft,
    fiedler,
    fiedler_companion,
    hadamard,
    hankel,
    helmert,
    hilbert,
    invhilbert,
    leslie,
    toeplitz,
)

ew = ops.elementwise


def _mT(x: Tracer) -> Tracer:
    return swapaxes(x, -1, -2)


def _symmetric_from(a: Tracer, lower: bool) -> Tracer:
    """The symmetric matrix that ``a``'s ``lower`` (or upper) triangle defines."""
    n = a.shape[-1]
    strict = np.tril(np.ones((n, n), bool), -1)
    t = a if lower else _mT(a)
    return where(strict, t, where(strict.T, _mT(t), t))


@staged_export
def cholesky(
    a: Value, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True
) -> Tracer:
    """``jax.scipy.linalg.cholesky``: the ``lower`` (default upper) factor, reading only
    that triangle of ``a``."""
    t = _prep(a, "cholesky")
    if lower:
        return _lax_linalg.cholesky.traced(t, symmetrize_input=False)
    return _mT(_lax_linalg.cholesky.traced(_mT(t), symmetrize_input=False))


def cho_factor(
    a: Value, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True
) -> tuple[Any, bool]:
    """``jax.scipy.linalg.cho_factor``: ``(c, lower)``, ``c`` the factor of ``cholesky``."""
    return cholesky(a, lower=bool(lower)), bool(lower)


def _solve_shapes(what: str, ta: Tracer, tb: Tracer) -> bool:
    """Check ``a @ x = b`` shapes; True when ``b`` is one vector (``b.ndim == 1``)."""
    n = ta.shape[-1]
    if tb.ndim == 1:
        if tb.shape[0] != n:
            raise IncompatibleShapesError(
                f"{what}: b has shape {tb.shape}, incompatible with a of shape {ta.shape}"
            )
        return True
    if tb.ndim < 1 or tb.shape[-2] != n:
        raise IncompatibleShapesError(
            f"{what}: b has shape {tb.shape}, incompatible with a of shape {ta.shape}"
        )
    return False


def _operands(what: str, a: Value, b: Value) -> tuple[Tracer, Tracer, bool]:
    trace = trace_of((a, b))
    ta = _prep(a, what)
    tb = _float(lift(b, trace), what)
    vector = _solve_shapes(what, ta, tb)
    dtype = np.result_type(ta.dtype, tb.dtype)
    ta, tb = astype(ta, dtype), astype(tb, dtype)
    if vector:
        tb = reshape(tb, (tb.shape[0], 1))
    return ta, tb, vector


def _column(x: Tracer, vector: bool) -> Tracer:
    return reshape(x, x.shape[:-1]) if vector else x


def _cho_solve(
    c_and_lower: tuple[Value, bool], b: Value, overwrite_b: bool = False, check_finite: bool = True
) -> Tracer:
    """``jax.scipy.linalg.cho_solve``: solve ``A x = b`` from ``cho_factor(A)``, two
    triangular solves with the factor."""
    try:
        c, lower = c_and_lower
    except (TypeError, ValueError):
        raise ShapeError(
            "cho_solve: c_and_lower must be the pair (c, lower) that cho_factor returns"
        ) from None
    tc, tb, vector = _operands("cho_solve", c, b)
    low = bool(lower)
    # A = L L^H = U^H U: the conjugate transpose of the factor is solved with, not its
    # transpose (the two agree for real matrices)
    y = _lax_linalg.triangular_solve.traced(
        tc, tb, left_side=True, lower=low, transpose_a=not low, conjugate_a=not low
    )
    x = _lax_linalg.triangular_solve.traced(
        tc, y, left_side=True, lower=low, transpose_a=low, conjugate_a=low
    )
    return _column(x, vector)


_TRANS = {0: False, "N": False, 1: True, "T": True, 2: True, "C": True}


@staged_export
def solve_triangular(
    a: Value,
    b: Value,
    trans: int | str = 0,
    lower: bool = False,
    unit_diagonal: bool = False,
    overwrite_b: bool = False,
    debug: Any = None,
    check_finite: bool = True,
) -> Tracer:
    """``jax.scipy.linalg.solve_triangular``: ``op(a) x = b`` reading only ``a``'s
    ``lower`` (default upper) triangle; ``trans`` 0/'N', 1/'T' or 2/'C'."""
    if trans not in _TRANS:
        raise ShapeError(f"solve_triangular: trans must be 0, 1, 2, 'N', 'T' or 'C', got {trans!r}")
    ta, tb, vector = _operands("solve_triangular", a, b)
    x = _lax_linalg.triangular_solve.traced(
        ta,
        tb,
        left_side=True,
        lower=bool(lower),
        transpose_a=_TRANS[trans],
        conjugate_a=trans in (2, "C"),
        unit_diagonal=bool(unit_diagonal),
    )
    return _column(x, vector)


@staged_export
def solve(
    a: Value,
    b: Value,
    lower: bool = False,
    overwrite_a: bool = False,
    overwrite_b: bool = False,
    debug: bool = False,
    check_finite: bool = True,
    assume_a: str = "gen",
) -> Tracer:
    """``jax.scipy.linalg.solve``: ``a @ x = b``. With ``assume_a='pos'`` the value reads
    ``a``'s ``lower`` (default upper) triangle and the derivative the whole ``a``, as JAX's
    ``custom_linear_solve`` with a Cholesky solve."""
    if assume_a not in ("gen", "sym", "her", "pos"):
        raise ShapeError(f"solve: assume_a must be 'gen', 'sym', 'her' or 'pos', got {assume_a!r}")
    if assume_a != "pos":
        return _solve(a, b)
    ta, tb, vector = _operands("solve", a, b)
    # value: the symmetric matrix of one triangle; tangent: that of a itself
    full = elementwise(
        "add", ta, stop_gradient(elementwise("subtract", _symmetric_from(ta, bool(lower)), ta))
    )
    return _column(_solve(full, tb), vector)


@staged_export
def inv(a: Value, overwrite_a: bool = False, check_finite: bool = True) -> Tracer:
    """``jax.scipy.linalg.inv``: the inverse of each square matrix."""
    return _linalg.inv(a)


@staged_export
def det(a: Value, overwrite_a: bool = False, check_finite: bool = True) -> Tracer:
    """``jax.scipy.linalg.det``: the determinant of each square matrix."""
    return _linalg.det(a)


@staged_export
def svd(
    a: Value,
    full_matrices: bool = True,
    compute_uv: bool = True,
    overwrite_a: bool = False,
    check_finite: bool = True,
    lapack_driver: str = "gesdd",
) -> Any:
    """``jax.scipy.linalg.svd``: ``(U, s, Vh)``, or ``s`` alone with ``compute_uv=False``."""
    return _linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv)


@staged_export
def qr(
    a: Value,
    overwrite_a: bool = False,
    lwork: Any = None,
    mode: str = "full",
    pivoting: bool = False,
    check_finite: bool = True,
) -> Any:
    """``jax.scipy.linalg.qr``: ``(Q, R)`` (``mode`` 'full' or 'economic'; 'full' only
    where it equals 'economic', m <= n) or ``(R,)`` for ``mode='r'``."""
    if pivoting:
        raise UnsupportedError("qr: pivoting=True is not supported by axcomp")
    if mode not in ("full", "economic", "r"):
        raise ShapeError(f"qr: mode must be 'full', 'r' or 'economic', got {mode!r}")
    t = _prep(a, "qr", square=False)
    m, n = t.shape[-2:]
    if mode == "full" and m > n:
        raise UnsupportedError(
            f"qr: mode='full' of a tall matrix (shape {t.shape}) needs the complete Q, which "
            "axcomp does not compute; use mode='economic'"
        )
    q, r = _linalg.qr(t)
    return (r,) if mode == "r" else (q, r)


@staged_export
def eigh(
    a: Value,
    b: Value | None = None,
    lower: bool = True,
    eigvals_only: bool = False,
    overwrite_a: bool = False,
    overwrite_b: bool = False,
    turbo: bool = True,
    eigvals: None = None,
    type: int = 1,
    check_finite: bool = True,
) -> Any:
    """``jax.scipy.linalg.eigh``: ascending eigenvalues (and eigenvectors). As JAX (whose
    ``lax.linalg.eigh`` symmetrizes by default), the input is symmetrized, ``(a + a^H) / 2``,
    so ``lower`` does not matter; ``b`` must be None."""
    if b is not None:
        raise UnsupportedError("eigh: only the standard problem (b=None) is supported, as in JAX")
    if eigvals is not None:
        raise UnsupportedError("eigh: eigvals != None is not supported, as in JAX")
    w, v = _linalg.eigh(_prep(a, "eigh"))
    return w if eigvals_only else (w, v)


@staged_export
def eigh_tridiagonal(
    d: Value,
    e: Value,
    *,
    eigvals_only: bool = False,
    select: str = "a",
    select_range: Any = None,
    tol: Any = None,
) -> Any:
    """``jax.scipy.linalg.eigh_tridiagonal``: the eigenvalues (ascending) and eigenvectors
    of the symmetric tridiagonal matrix with diagonal ``d`` (n) and off-diagonal ``e``
    (n - 1); ``select='i'`` keeps indices ``select_range[0] ..= select_range[1]``. Solved as
    a dense ``eigh``, so it is differentiable in both modes (JAX's bisection is not in
    reverse mode)."""
    trace = trace_of((d, e))
    td = _float(lift(d, trace), "eigh_tridiagonal")
    te = astype(_float(lift(e, trace), "eigh_tridiagonal"), td.dtype)
    if td.ndim != 1 or te.ndim != 1 or te.shape[0] != max(td.shape[0] - 1, 0):
        raise ShapeError(
            f"eigh_tridiagonal: d must be 1-d (n,) and e (n - 1,), got {td.shape} and {te.shape}"
        )
    if select == "v":
        raise UnsupportedError("eigh_tridiagonal(..., select='v') is not implemented, as in JAX")
    if select not in ("a", "i"):
        raise ShapeError(f"eigh_tridiagonal: select must be 'a', 'i' or 'v', got {select!r}")
    zero = reshape(multiply(getitem(td, (slice(0, 1),)), 0.0), (1,))
    low = concatenate([zero, te], axis=0)
    high = concatenate([te, zero], axis=0)
    w, v = _linalg.eigh(tridiagonal_matrix(low, td, high), symmetrize_input=False)
    if select == "i":
        if select_range is None:
            raise ShapeError("eigh_tridiagonal: select='i' needs select_range")
        lo, hi = (int(k) for k in select_range)
        if hi < lo:
            raise ShapeError(f"eigh_tridiagonal: empty index range {select_range}")
        w, v = getitem(w, (slice(lo, hi + 1),)), getitem(v, (slice(None), slice(lo, hi + 1)))
    return w if eigvals_only else (w, v)


@staged_export
def block_diag(*arrs: Value) -> Tracer:
    """``jax.scipy.linalg.block_diag``: the arrays (0-d to 2-d) on the diagonal of one
    matrix, zeros elsewhere."""
    trace = trace_of(arrs)
    ts = [lift(a, trace) for a in arrs] or [lift(np.zeros((1, 0)), trace)]
    for i, t in enumerate(ts):
        if t.ndim > 2:
            raise ShapeError(
                "block_diag: arguments must have at most 2 dimensions, got shape "
                f"{t.shape} at argument {i}"
            )
    dtype = np.result_type(*[t.dtype for t in ts])
    blocks = [reshape(astype(t, dtype), (1,) * (2 - t.ndim) + t.shape) for t in ts]
    width = sum(t.shape[1] for t in blocks)
    rows, left = [], 0
    for t in blocks:
        c = t.shape[1]
        rows.append(pad(t, ((0, 0), (left, width - left - c))))
        left += c
    return concatenate(rows, axis=0)


_cho_solve_pair = staged_export("cho_solve", _cho_solve)
# the pair (c, lower) travels as an array and a static flag
_cho_solve_flag = staged_export("cho_solve", lambda c, b, lower: _cho_solve((c, lower), b))


def cho_solve(
    c_and_lower: Any, b: Any, overwrite_b: bool = False, check_finite: bool = True
) -> Any:
    """``jax.scipy.linalg.cho_solve``: solve ``A x = b`` from ``cho_factor(A)``, two
    triangular solves with the factor."""
    try:
        c, lower = c_and_lower
    except (TypeError, ValueError):
        return _cho_solve_pair(c_and_lower, b)  # the traced function names the error
    return _cho_solve_flag(c, b, bool(lower))


# ---------------------------------------------------------------- LU (lax.linalg.lu)


@staged_export
def lu(a: Any, permute_l: bool = False) -> Any:
    """``jax.scipy.linalg.lu``: ``(p, l, u)`` with ``a = p @ l @ u`` (``(p @ l, u)`` with
    ``permute_l``)."""
    value, _, perm = _lax_linalg.lu.traced(a)
    m, n = value.shape[-2:]
    k = min(m, n)
    lead = (slice(None),) * (value.ndim - 2)
    left = ops.getitem(value, (*lead, slice(None), slice(0, k)))
    top = ops.getitem(value, (*lead, slice(0, k), slice(None)))
    lower = ew("add", ops.where(np.tril(np.ones((m, k), bool), -1), left, 0.0), np.eye(m, k))
    upper = ops.where(np.triu(np.ones((k, n), bool)), top, 0.0)
    onehot = ew("equal", np.arange(m)[:, None], ops.reshape(perm, perm.shape[:-1] + (1, m)))
    p = ops.astype(onehot, value.dtype)
    return (ops.matmul(p, lower), upper) if permute_l else (p, lower, upper)


@staged_export
def lu_factor(a: Any) -> tuple[Tracer, Tracer]:
    """``jax.scipy.linalg.lu_factor``: ``(lu, pivots)``."""
    value, piv, _ = _lax_linalg.lu.traced(a)
    return value, piv


def _lu_solve(lu_value: Any, pivots: Any, b: Any, trans: int = 0) -> Tracer:
    """``jax.scipy.linalg.lu_solve`` on ``(lu, pivots)`` from ``lu_factor``: ``a x = b``
    (``trans`` 0), ``a^T x = b`` (1 or 2)."""
    if trans not in (0, 1, 2):
        raise ShapeError(f"lu_solve: trans must be 0, 1 or 2, got {trans!r}")
    t = _prep(lu_value, "lu_solve")
    piv = lift(pivots, t.trace)
    n = t.shape[-1]
    tb = _prep_rhs(b, t)
    vector = tb.ndim == 1
    if vector:
        tb = ops.reshape(tb, (n, 1))
    if tb.shape[-2] != n:
        raise ShapeError(
            f"lu_solve: b has shape {tb.shape}, incompatible with lu of shape {t.shape}"
        )
    perm = _lax_linalg.lu_pivots_to_permutation.traced(piv, n)
    onehot = ops.astype(
        ew("equal", ops.reshape(perm, perm.shape + (1,)), np.arange(n)), tb.dtype
    )  # row i picks row perm[i]
    if trans == 0:
        x = ops.matmul(onehot, tb)
        x = _lax_linalg.triangular_solve.traced(
            t, x, left_side=True, lower=True, unit_diagonal=True
        )
        x = _lax_linalg.triangular_solve.traced(t, x, left_side=True, lower=False)
    else:
        x = _lax_linalg.triangular_solve.traced(
            t, tb, left_side=True, lower=False, transpose_a=True
        )
        x = _lax_linalg.triangular_solve.traced(
            t, x, left_side=True, lower=True, transpose_a=True, unit_diagonal=True
        )
        x = ops.matmul(ops.swapaxes(onehot, -1, -2), x)
    return ops.reshape(x, x.shape[:-1]) if vector else x


def _prep_rhs(b: Any, like: Tracer) -> Tracer:
    tb = lift(b, like.trace)
    return ops.astype(tb, np.result_type(tb.dtype, like.dtype))


_lu_solve_pair = staged_export("lu_solve", _lu_solve)


def lu_solve(
    lu_and_piv: Any, b: Any, trans: int = 0, overwrite_b: bool = False, check_finite: bool = True
) -> Any:
    """``jax.scipy.linalg.lu_solve``: solve with ``(lu, piv)`` from ``lu_factor``."""
    lu_value, piv = lu_and_piv
    return _lu_solve_pair(lu_value, piv, b, trans=trans)


# ---------------------------------------------------------------- expm


# the Padé(13) coefficients b_0 .. b_13 and the 1-norm it is accurate to (Higham 2005)
_B = (
    64764752532480000.0,
    32382376266240000.0,
    7771770303897600.0,
    1187353796428800.0,
    129060195264000.0,
    10559470521600.0,
    670442572800.0,
    33522128640.0,
    1323241920.0,
    40840800.0,
    960960.0,
    16380.0,
    182.0,
    1.0,
)
_THETA13 = 5.371920351148152


def _scalar_col(x: Any) -> Any:
    return ops.reshape(x, x.shape + (1, 1))


def _value(a: Tracer, max_squarings: int = 64) -> Tracer:
    n = a.shape[-1]
    norm = ops.reduce("max", ops.reduce_sum(ew("absolute", a), axis=-2), axis=-1)
    ratio = ew("true_divide", norm, _THETA13)
    safe = ops.where(ew("greater", ratio, 0), ratio, 1.0)
    s = ew("maximum", ew("ceil", ew("log2", safe)), 0.0)  # squarings
    scaled = ew("true_divide", a, _scalar_col(ew("exp2", s)))
    eye = np.eye(n, dtype=a.dtype)
    a2 = ops.matmul(scaled, scaled)
    a4 = ops.matmul(a2, a2)
    a6 = ops.matmul(a4, a2)

    def poly(c6: float, c4: float, c2: float, c0: float) -> Any:
        return ew(
            "add",
            ew("add", ops.multiply(a6, c6), ops.multiply(a4, c4)),
            ew("add", ops.multiply(a2, c2), ops.multiply(eye, c0)),
        )

    b = _B
    u = ops.matmul(
        scaled,
        ew("add", ops.matmul(a6, poly(b[13], b[11], b[9], 0.0)), poly(b[7], b[5], b[3], b[1])),
    )
    v = ew("add", ops.matmul(a6, poly(b[12], b[10], b[8], 0.0)), poly(b[6], b[4], b[2], b[0]))
    r = _solve(ew("subtract", v, u), ew("add", v, u))

    def more(state: Any) -> Any:
        return ew("less", state[1], s)

    def square(state: Any) -> Any:
        x, k = state
        return ops.matmul(x, x), ew("add", k, 1.0)

    out = while_loop(more, square, (r, ops.multiply(s, 0.0)))[0]
    # as JAX: a matrix needing more than max_squarings squarings gives NaN
    return ops.where(ew("greater", _scalar_col(s), max_squarings), np.nan, out)


def _block(top_left: Any, top_right: Any) -> Any:
    zeros = ops.multiply(top_left, 0.0)
    top = ops.concatenate([top_left, top_right], axis=-1)
    bottom = ops.concatenate([zeros, top_left], axis=-1)
    return ops.concatenate([top, bottom], axis=-2)


def _frechet(a: Any, e: Any) -> Any:
    n = a.shape[-1]
    big = _value(_block(a, e))
    lead = (slice(None),) * (big.ndim - 2)
    return ops.getitem(big, (*lead, slice(0, n), slice(n, 2 * n)))


@staged_export
def expm(A: Any, *, upper_triangular: bool = False, max_squarings: int = 16) -> Tracer:
    """``jax.scipy.linalg.expm``: ``exp(A)`` of each square matrix (``upper_triangular`` is
    accepted and ignored); NaN where more than ``max_squarings`` squarings are needed."""
    t = _prep(A, "expm")
    if t.dtype.kind == "c":
        raise ShapeError("expm: complex matrices are not supported by axcomp")
    value = ops.stop_gradient(_value(ops.stop_gradient(t), int(max_squarings)))
    fixed = ops.stop_gradient(t)
    return _with_derivative(
        value,
        t,
        lambda e: _frechet(fixed, e),
        lambda g: _frechet(_mT(fixed), g),
        "expm",
    )


__all__ = [
    "block_diag",
    "cho_factor",
    "cho_solve",
    "cholesky",
    "circulant",
    "companion",
    "convolution_matrix",
    "det",
    "dft",
    "eigh",
    "eigh_tridiagonal",
    "expm",
    "fiedler",
    "fiedler_companion",
    "funm",
    "hadamard",
    "hankel",
    "helmert",
    "hessenberg",
    "hilbert",
    "inv",
    "invhilbert",
    "leslie",
    "lu",
    "lu_factor",
    "lu_solve",
    "polar",
    "qr",
    "qr_multiply",
    "rsf2csf",
    "schur",
    "solve",
    "solve_sylvester",
    "solve_triangular",
    "sqrtm",
    "svd",
    "toeplitz",
]


def __getattr__(name: str) -> Any:
    """A jax.scipy.linalg name axcomp lacks: ``MissingFunctionError`` (also an
    AttributeError) naming it and the nearest supported function."""
    if name.startswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    raise _missing("axcomp.scipy.linalg", "jax.scipy.linalg", name, __all__)


@staged_export
def expm_frechet(A: Any, E: Any, *, method: str | None = None, compute_expm: bool = True) -> Any:
    """``jax.scipy.linalg.expm_frechet``: the Fréchet derivative of ``expm`` at ``A`` in
    the direction ``E`` (with ``expm(A)`` first unless not ``compute_expm``): the upper
    blocks of ``expm([[A, E], [0, A]])``, so it is differentiable as ``expm`` is."""
    if method not in (None, "SPS", "blockEnlarge"):
        raise ArgumentValueError(f"expm_frechet: unknown method {method!r}")
    trace = trace_of((A, E))
    ta, te = _prep(lift(A, trace), "expm_frechet"), _prep(lift(E, trace), "expm_frechet")
    if ta.shape != te.shape:
        raise ShapeError(
            f"expm_frechet: A and E must have the same shape, got {ta.shape} and {te.shape}"
        )
    dtype = np.result_type(ta.dtype, te.dtype)
    big = expm.traced(_block(astype(ta, dtype), astype(te, dtype)))
    n = ta.shape[-1]
    lead = (slice(None),) * (big.ndim - 2)
    frechet = ops.getitem(big, (*lead, slice(0, n), slice(n, 2 * n)))
    if not compute_expm:
        return frechet
    return ops.getitem(big, (*lead, slice(0, n), slice(0, n))), frechet


@staged_export
def qr_multiply(
    a: Value,
    c: Value,
    mode: str = "right",
    pivoting: bool = False,
    conjugate: bool = False,
    overwrite_a: bool = False,
    overwrite_c: bool = False,
) -> Any:
    """``jax.scipy.linalg.qr_multiply``: ``(c @ Q, R)`` (``mode='right'``) or ``(Q @ c,
    R)`` (``'left'``) with the economic ``a = Q R`` (``Q`` conjugated with
    ``conjugate``); a vector ``c`` gives a vector."""
    if pivoting:
        raise UnsupportedError("qr_multiply: pivoting=True is not supported by axcomp")
    if mode not in ("right", "left"):
        raise ArgumentValueError(f"qr_multiply: mode must be 'right' or 'left', got {mode!r}")
    trace = trace_of((a, c))
    t = _prep(lift(a, trace), "qr_multiply", square=False)
    tc = lift(c, trace)
    q, r = _linalg.qr(t)
    m, k = q.shape[-2:]
    if conjugate and q.dtype.kind == "c":
        q = ew("conjugate", q)
    vector = tc.ndim == 1
    if mode == "right":
        if tc.shape[-1] != m:
            raise IncompatibleShapesError(
                f"qr_multiply: c of shape {tc.shape} has {tc.shape[-1]} columns, a has {m} rows"
            )
        out = ops.matmul(reshape(tc, (1, m)) if vector else tc, q)
    else:
        if tc.shape[0] != k:
            raise IncompatibleShapesError(
                f"qr_multiply: c of shape {tc.shape} has {tc.shape[0]} rows, Q has {k} columns"
            )
        out = ops.matmul(q, reshape(tc, (k, 1)) if vector else tc)
    if vector:
        out = reshape(out, (out.size,))
    return out, r
