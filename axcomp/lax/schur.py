"""The Schur decomposition NumPy lacks, written over the primitives as batched, masked array
operations (every matrix of a stack, or of a vmap batch, runs in one loop):

* ``hessenberg_reduce``: Householder reduction to upper Hessenberg form with LAPACK's
  reflectors (``xLARFG``: ``H = I - tau v v^H``, ``v[0] = 1``, a real ``beta`` on the
  subdiagonal), so ``H`` and ``Q`` are the ones ``scipy.linalg.hessenberg`` returns.
* ``schur_form``: shifted QR iteration on the Hessenberg matrix, with the active window
  the leading ``m x m`` block (``m`` per matrix, shrinking as the last subdiagonal entry
  of the window becomes negligible). The complex form takes Wilkinson single shifts; the
  real form Francis double shifts (the real polynomial ``H^2 - s H + t I`` of the
  window's trailing 2x2 block), deflating 1x1 or 2x2 blocks. Each step is one explicit QR
  factorisation of the shifted window (the identity outside it, so the deflated part is
  untouched) and the similarity ``Q^H H Q``; every tenth step without deflation takes an
  exceptional shift. The 2x2 blocks of the real form are then standardised as LAPACK's
  ``xLANV2`` does: real eigenvalues are split into a triangular block, complex pairs get
  equal diagonal entries.
* ``complex_schur_form``: ``scipy.linalg.rsf2csf``'s Givens rotations. A real matrix's
  complex form is its real form so converted; only complex matrices take complex QR
  steps, whose QR is a loop of Givens rotations (NumPy's QR is real-only inside traces):
  O(n^4) with a loop per step, seconds at n = 30.

The loops are never differentiated (the inputs are ``stop_gradient``-ed); like JAX,
the functions built on them refuse derivatives."""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from .. import primitives as ops
from ..errors import ArgumentTypeError, UnsupportedError
from ..primitives import linalg as _linalg
from ..primitives.control import fori_loop, while_loop
from ..primitives.elementwise import where
from ..tracing.build import Value, lift, trace_of
from ..tracing.tracer import Tracer
from ..transforms.implicit import _with_derivative
from ..transforms.jit import staged_export

ew = ops.elementwise


def _idx(k: Any, n: int) -> Any:
    """A one-hot (..., n) mask of index ``k`` (a static int or a traced (...) int)."""
    if isinstance(k, Tracer):
        return ew("equal", ops.reshape(k, k.shape + (1,)), np.arange(n))
    return np.arange(n) == k


def _row(mask: Any) -> Any:
    return (
        ops.reshape(mask, mask.shape[:-1] + (mask.shape[-1], 1))
        if isinstance(mask, Tracer)
        else mask[:, None]
    )


def _col(mask: Any) -> Any:
    return (
        ops.reshape(mask, mask.shape[:-1] + (1, mask.shape[-1]))
        if isinstance(mask, Tracer)
        else mask[None, :]
    )


def _entry(x: Tracer, i: Any, j: Any) -> Tracer:
    """``x[..., i, j]`` for static or traced (per matrix) indices; 0 outside the matrix."""
    n = x.shape[-1]
    mask = ew("logical_and", _row(_idx(i, n)), _col(_idx(j, n)))
    return ops.reduce_sum(where(mask, x, 0), axis=(-2, -1))


def _vec(x: Any) -> Tracer:
    """(...) -> (..., 1, 1) for broadcasting against matrices."""
    return ops.reshape(x, x.shape + (1, 1))


def _ct(x: Tracer) -> Tracer:
    y = ops.swapaxes(x, -1, -2)
    return ew("conjugate", y) if x.dtype.kind == "c" else y


def _abs(x: Any) -> Tracer:
    return ew("absolute", x)


def _outer(u: Tracer, v: Tracer) -> Tracer:
    return ops.multiply(
        ops.reshape(u, u.shape + (1,)), ops.reshape(v, v.shape[:-1] + (1,) + v.shape[-1:])
    )


def hessenberg_reduce(a: Tracer) -> tuple[Tracer, Tracer]:
    """``(H, Q)`` with ``a = Q H Q^H``, ``H`` upper Hessenberg (LAPACK's reflectors)."""
    n = a.shape[-1]
    eye = ops.broadcast_to(np.eye(n, dtype=a.dtype), a.shape)
    if n <= 1:
        return a, eye
    rows = np.arange(n)
    complex_ = a.dtype.kind == "c"

    def step(k: Any, state: Any) -> Any:
        h, q = state
        col = ops.reduce_sum(where(_col(_idx(k, n)), h, 0), axis=-1)  # h[..., :, k]
        first = _idx(ew("add", k, 1) if isinstance(k, Tracer) else k + 1, n)
        tail = ew("greater", rows, ew("add", k, 1)) if isinstance(k, Tracer) else rows > k + 1
        alpha = ops.reduce_sum(where(first, col, 0), axis=-1)
        x = where(tail, col, 0)
        xnorm2 = ops.reduce_sum(ew("real", ops.multiply(x, ew("conjugate", x))), axis=-1)
        re = ew("real", alpha)
        norm = ew(
            "sqrt", ew("add", ew("real", ops.multiply(alpha, ew("conjugate", alpha))), xnorm2)
        )
        beta = ops.multiply(ew("negative", where(ew("less", re, 0), -1.0, 1.0)), norm)
        trivial = (
            ew("logical_and", ew("equal", xnorm2, 0), ew("equal", ew("imag", alpha), 0))
            if complex_
            else ew("equal", xnorm2, 0)
        )
        safe_beta = where(trivial, 1.0, beta)
        tau = where(
            trivial,
            0.0,
            ew(
                "true_divide",
                ew("subtract", ops.astype(safe_beta, a.dtype), alpha),
                ops.astype(safe_beta, a.dtype),
            ),
        )
        denom = where(trivial, 1.0, ew("subtract", alpha, ops.astype(beta, a.dtype)))
        v = ew(
            "add",
            ew("true_divide", x, ops.reshape(denom, denom.shape + (1,))),
            where(first, 1.0, 0.0),
        )
        v = ops.astype(v, a.dtype)
        tv = ops.reshape(tau, tau.shape + (1, 1))
        vh = ew("conjugate", v) if complex_ else v
        # h <- (I - conj(tau) v v^H) h (I - tau v v^H); q <- q (I - tau v v^H)
        w = ops.matmul(ops.reshape(vh, vh.shape[:-1] + (1, n)), h)  # v^H h
        h = ew(
            "subtract",
            h,
            ops.multiply(
                ew("conjugate", tv) if complex_ else tv,
                ops.multiply(ops.reshape(v, v.shape + (1,)), w),
            ),
        )
        u = ops.matmul(h, ops.reshape(v, v.shape + (1,)))  # h v
        h = ew(
            "subtract",
            h,
            ops.multiply(tv, ops.multiply(u, ops.reshape(vh, vh.shape[:-1] + (1, n)))),
        )
        qv = ops.matmul(q, ops.reshape(v, v.shape + (1,)))
        q = ew(
            "subtract",
            q,
            ops.multiply(tv, ops.multiply(qv, ops.reshape(vh, vh.shape[:-1] + (1, n)))),
        )
        return h, q

    # n - 1 reflectors, as LAPACK: the last makes a complex last subdiagonal entry real
    h, q = fori_loop(0, n - 1, step, (a, eye))
    below = rows[:, None] > rows[None, :] + 1
    return where(below, 0.0, h), q


def _any(x: Tracer) -> Any:
    return ops.reduce("any", x) if x.ndim else x


def _sqrt_c(x: Tracer) -> Tracer:
    return ew("sqrt", ops.astype(x, np.result_type(x.dtype, np.complex64)))


def _window_shift(h: Tracer, m: Tracer, it: Tracer, real: bool) -> Tracer:
    """The shifted window: ``p(H)`` on the leading ``m x m`` block, the identity outside
    (``p``: the Wilkinson shift ``H - mu I``, or the real double shift ``H^2 - s H + t I``
    of the window's trailing 2x2 block; every tenth step an exceptional one)."""
    n = h.shape[-1]
    rows = np.arange(n)
    a = _entry(h, ew("subtract", m, 2), ew("subtract", m, 2))
    b = _entry(h, ew("subtract", m, 2), ew("subtract", m, 1))
    c = _entry(h, ew("subtract", m, 1), ew("subtract", m, 2))
    d = _entry(h, ew("subtract", m, 1), ew("subtract", m, 1))
    exceptional = ew("logical_and", ew("greater", it, 0), ew("equal", ew("remainder", it, 10), 0))
    mm = ops.reshape(m, m.shape + (1, 1))
    win = ew("logical_and", ew("less", rows[:, None], mm), ew("less", rows[None, :], mm))
    eye = np.eye(n, dtype=h.dtype)
    if real:
        s = ew("add", a, d)
        t = ew("subtract", ops.multiply(a, d), ops.multiply(b, c))
        # LAPACK's exceptional shift: the 2x2 block [[w, -0.4375 |c|], [|c|, w]], w = d + 0.75 |c|
        w = ew("add", d, ops.multiply(0.75, _abs(c)))
        s = where(exceptional, ops.multiply(2.0, w), s)
        t = where(
            exceptional, ew("add", ops.multiply(w, w), ops.multiply(0.4375, ops.multiply(c, c))), t
        )
        hw = where(win, h, 0.0)
        poly = ew(
            "add",
            ew("subtract", ops.matmul(hw, hw), ops.multiply(_vec(s), hw)),
            ops.multiply(_vec(t), eye),
        )
        return where(win, poly, eye)
    delta = ops.multiply(0.5, ew("subtract", a, d))
    disc = _sqrt_c(ew("add", ops.multiply(delta, delta), ops.multiply(b, c)))
    disc = where(
        ew("less", ew("real", ops.multiply(ew("conjugate", delta), disc)), 0),
        ew("negative", disc),
        disc,
    )
    den = ew("add", delta, disc)
    zero = ew("equal", den, 0)
    mu = ew("subtract", d, ew("true_divide", ops.multiply(b, c), where(zero, 1.0, den)))
    mu = where(zero, d, mu)
    mu = where(exceptional, ew("add", d, ops.multiply(0.75, _abs(c))), mu)
    return where(win, ew("subtract", h, ops.multiply(_vec(mu), eye)), eye)


def schur_form(
    h: Tracer, z: Tracer, real: bool, max_steps: int | None = None
) -> tuple[Tracer, Tracer]:
    """The (quasi-)triangular Schur form of the Hessenberg ``h`` and the accumulated
    unitary ``z`` (``z h z^H`` is preserved)."""
    n = h.shape[-1]
    lead = h.shape[:-2]
    if n <= 1:
        return h, z
    eps = float(np.finfo(h.dtype).eps)
    rows = np.arange(n)
    below = rows[:, None] > rows[None, :] + 1
    limit = max_steps if max_steps is not None else 30 * n
    m0 = ops.broadcast_to(np.int64(n), lead)
    zero = ops.broadcast_to(np.int64(0), lead)

    def active(m: Tracer, steps: Tracer) -> Tracer:
        return ew("logical_and", ew("greater", m, 1), ew("less", steps, limit))

    def more(state: Any) -> Any:
        _, _, m, _, steps = state
        return _any(active(m, steps))

    def small(hn: Tracer, i: Any) -> Tracer:
        """|h[i, i-1]| negligible next to its diagonal neighbours (LAPACK's test)."""
        sub = _abs(_entry(hn, i, ew("subtract", i, 1)))
        near = ew(
            "add",
            _abs(_entry(hn, i, i)),
            _abs(_entry(hn, ew("subtract", i, 1), ew("subtract", i, 1))),
        )
        return ew("less_equal", sub, ops.multiply(eps, near))

    def at(i: Any, j: Any) -> Tracer:
        return ew("logical_and", _row(_idx(i, n)), _col(_idx(j, n)))

    def step(state: Any) -> Any:
        h, z, m, it, steps = state
        go = active(m, steps)
        shifted = _window_shift(h, m, it, real)
        q = _linalg.qr(shifted)[0] if real else _givens_q(shifted)
        hn = ops.matmul(_ct(q), ops.matmul(h, q))
        hn = where(below, 0.0, hn)
        zn = ops.matmul(z, q)
        one = small(hn, ew("subtract", m, 1))
        hn = where(
            ew("logical_and", _vec(one), at(ew("subtract", m, 1), ew("subtract", m, 2))), 0.0, hn
        )
        drop = where(one, 1, 0)
        if real:
            top = ew("equal", m, 2)
            two = ew(
                "logical_and",
                ew("logical_not", one),
                ew("logical_or", top, small(hn, ew("subtract", m, 2))),
            )
            mark = at(ew("subtract", m, 2), ew("subtract", m, 3))
            hn = where(ew("logical_and", _vec(two), mark), 0.0, hn)
            drop = where(two, 2, drop)
        g = _vec(go)
        m_new = ew("subtract", m, ops.astype(where(go, drop, 0), np.int64))
        it_new = where(ew("greater", drop, 0), 0, ew("add", it, 1))
        return (
            where(g, hn, h),
            where(g, zn, z),
            m_new,
            ops.astype(where(go, it_new, it), np.int64),
            ops.astype(where(go, ew("add", steps, 1), steps), np.int64),
        )

    h, z, _, _, _ = while_loop(more, step, (h, z, m0, zero, zero))
    if real:
        h, z = _standardize_blocks(h, z)
    else:
        h = where(rows[:, None] > rows[None, :], 0.0, h)
    return h, z


def _rotate(h: Tracer, z: Tracer, k: Any, cs: Tracer, sn: Tracer) -> tuple[Tracer, Tracer]:
    """``G^T h G`` and ``z G`` for the rotation ``[[cs, -sn], [sn, cs]]`` in rows and
    columns ``k, k + 1``."""
    n = h.shape[-1]
    ek, ek1 = _idx(k, n), _idx(ew("add", k, 1) if isinstance(k, Tracer) else k + 1, n)
    eye = np.eye(n, dtype=h.dtype)
    diag = ew(
        "logical_or", ew("logical_and", _row(ek), _col(ek)), ew("logical_and", _row(ek1), _col(ek1))
    )
    g = where(diag, _vec(cs), eye)
    g = where(ew("logical_and", _row(ek), _col(ek1)), _vec(ew("negative", sn)), g)
    g = where(ew("logical_and", _row(ek1), _col(ek)), _vec(sn), g)
    return ops.matmul(ops.swapaxes(g, -1, -2), ops.matmul(h, g)), ops.matmul(z, g)


def _standardize_blocks(h: Tracer, z: Tracer) -> tuple[Tracer, Tracer]:
    """LAPACK's standard 2x2 blocks (``xLANV2``): a block with real eigenvalues becomes
    triangular, one with a complex pair gets equal diagonal entries."""
    n = h.shape[-1]
    rows = np.arange(n)

    def step(k: Any, state: Any) -> Any:
        h, z = state
        k1 = ew("add", k, 1) if isinstance(k, Tracer) else k + 1
        a, b = _entry(h, k, k), _entry(h, k, k1)
        c, d = _entry(h, k1, k), _entry(h, k1, k1)
        block = ew("not_equal", c, 0)
        p = ops.multiply(0.5, ew("subtract", a, d))
        disc = ew("add", ops.multiply(p, p), ops.multiply(b, c))
        real_pair = ew("greater_equal", disc, 0)
        # real eigenvalues: rotate the eigenvector (z, c) of d + z onto e_1
        root = ew("sqrt", where(real_pair, disc, 0.0))
        zz = ew("add", p, where(ew("less", p, 0), ew("negative", root), root))
        r1 = ew("hypot", zz, c)
        r1 = where(ew("equal", r1, 0), 1.0, r1)
        cs1, sn1 = ew("true_divide", zz, r1), ew("true_divide", c, r1)
        # complex pair: the angle that equalises the diagonal, tan 2t = (d - a) / (b + c)
        theta = ops.multiply(0.5, ew("arctan2", ew("subtract", d, a), ew("add", b, c)))
        cs2, sn2 = ew("cos", theta), ew("sin", theta)
        cs = where(block, where(real_pair, cs1, cs2), 1.0)
        sn = where(block, where(real_pair, sn1, sn2), 0.0)
        h, z = _rotate(h, z, k, cs, sn)
        split = ew("logical_and", block, real_pair)
        mark = ew("logical_and", _row(_idx(k1, n)), _col(_idx(k, n)))
        h = where(ew("logical_and", _vec(split), mark), 0.0, h)
        return h, z

    h, z = fori_loop(0, n - 1, step, (h, z))
    return where(rows[:, None] > rows[None, :] + 1, 0.0, h), z


def _givens_q(b: Tracer) -> Tracer:
    """The unitary ``Q`` with ``Q^H b`` upper triangular, for a Hessenberg ``b``: one
    Givens rotation per subdiagonal entry (NumPy's QR is real-only inside traces)."""
    n = b.shape[-1]
    eye = ops.broadcast_to(np.eye(n, dtype=b.dtype), b.shape)

    def step(k: Any, state: Any) -> Any:
        r, q = state
        ek, ek1 = _idx(k, n), _idx(ew("add", k, 1) if isinstance(k, Tracer) else k + 1, n)
        rk = ops.reduce_sum(where(_row(ek), r, 0), axis=-2)  # (..., n) rows k, k + 1
        rk1 = ops.reduce_sum(where(_row(ek1), r, 0), axis=-2)
        x = ops.reduce_sum(where(ek, rk, 0), axis=-1)
        y = ops.reduce_sum(where(ek, rk1, 0), axis=-1)
        norm = ew("hypot", _abs(x), _abs(y))
        none = ew("equal", _abs(y), 0)
        safe = where(none, 1.0, norm)
        c = where(none, 1.0, ew("true_divide", x, safe))
        s = where(none, 0.0, ew("true_divide", y, safe))
        cv, sv = ops.reshape(c, c.shape + (1,)), ops.reshape(s, s.shape + (1,))
        new_k = ew(
            "add", ops.multiply(ew("conjugate", cv), rk), ops.multiply(ew("conjugate", sv), rk1)
        )
        new_k1 = ew("subtract", ops.multiply(cv, rk1), ops.multiply(sv, rk))
        r = where(_row(ek), _row_of(new_k), where(_row(ek1), _row_of(new_k1), r))
        qk = ops.reduce_sum(where(_col(ek), q, 0), axis=-1)  # columns k, k + 1
        qk1 = ops.reduce_sum(where(_col(ek1), q, 0), axis=-1)
        col_k = ew("add", ops.multiply(qk, cv), ops.multiply(qk1, sv))
        col_k1 = ew(
            "subtract",
            ops.multiply(qk1, ew("conjugate", cv)),
            ops.multiply(qk, ew("conjugate", sv)),
        )
        q = where(_col(ek), _col_of(col_k), where(_col(ek1), _col_of(col_k1), q))
        return r, q

    return cast(Tracer, fori_loop(0, n - 1, step, (b, eye))[1])  # (the carry's q)


def _row_of(v: Tracer) -> Tracer:
    return ops.reshape(v, v.shape[:-1] + (1, v.shape[-1]))


def _col_of(v: Tracer) -> Tracer:
    return ops.reshape(v, v.shape + (1,))


def complex_schur_form(t: Tracer, z: Tracer) -> tuple[Tracer, Tracer]:
    """``scipy.linalg.rsf2csf``: the complex triangular form of a real Schur form ``t``
    (complex dtype) and its ``z``, one Givens rotation per 2x2 block from the bottom up
    (the rotation moves the block's eigenvalue of positive imaginary part, LAPACK's first,
    to the top)."""
    n = t.shape[-1]
    eps = float(np.finfo(t.dtype).eps)
    cols = np.arange(n)

    def step(i: Any, state: Any) -> Any:
        t, z = state
        m = ew("subtract", n, i) if isinstance(i, Tracer) else n - i
        m1 = ew("subtract", m, 1) if isinstance(m, Tracer) else m - 1
        a, b = _entry(t, m1, m1), _entry(t, m1, m)
        c, d = _entry(t, m, m1), _entry(t, m, m)
        need = ew("greater", _abs(c), ops.multiply(eps, ew("add", _abs(a), _abs(d))))
        # a harmless block where no rotation is needed, so no derivative meets sqrt(0) or |0|
        a, b = where(need, a, 0.0), where(need, b, 1.0)
        c, d = where(need, c, -1.0), where(need, d, 0.0)
        p = ops.multiply(0.5, ew("subtract", a, d))
        disc = ew("sqrt", ew("add", ops.multiply(p, p), ops.multiply(b, c)))
        disc = where(ew("less", ew("imag", disc), 0), ew("negative", disc), disc)
        mu = ew("add", p, disc)  # the eigenvalue minus d
        r = ew("hypot", _abs(mu), _abs(c))
        r = where(ew("equal", r, 0), 1.0, r)
        cc, s = ew("true_divide", mu, r), ew("true_divide", c, r)
        ek, ek1 = _idx(m1, n), _idx(m, n)
        # rows m-1, m (columns from m-1 on): G = [[conj(cc), s], [-s, cc]]
        r0 = ops.reduce_sum(where(_row(ek), t, 0), axis=-2)
        r1 = ops.reduce_sum(where(_row(ek1), t, 0), axis=-2)
        cv, sv = ops.reshape(cc, cc.shape + (1,)), ops.reshape(s, s.shape + (1,))
        n0 = ew("add", ops.multiply(ew("conjugate", cv), r0), ops.multiply(sv, r1))
        n1 = ew("subtract", ops.multiply(cv, r1), ops.multiply(sv, r0))
        right = ew(
            "greater_equal",
            cols,
            ops.reshape(m1, m1.shape + (1,)) if isinstance(m1, Tracer) else m1,
        )
        n0, n1 = where(right, n0, r0), where(right, n1, r1)
        rotated = where(_row(ek), _row_of(n0), where(_row(ek1), _row_of(n1), t))

        # columns m-1, m (rows up to m): times G^H = [[cc, -conj(s)], [conj(s), conj(cc)]]
        def by_gh(x: Tracer, upto: Any) -> Tracer:
            c0 = ops.reduce_sum(where(_col(ek), x, 0), axis=-1)
            c1 = ops.reduce_sum(where(_col(ek1), x, 0), axis=-1)
            k0 = ew("add", ops.multiply(c0, cv), ops.multiply(c1, ew("conjugate", sv)))
            k1 = ew(
                "subtract",
                ops.multiply(c1, ew("conjugate", cv)),
                ops.multiply(c0, ew("conjugate", sv)),
            )
            if upto is not None:
                k0, k1 = where(upto, k0, c0), where(upto, k1, c1)
            return where(_col(ek), _col_of(k0), where(_col(ek1), _col_of(k1), x))

        upper = ew(
            "less_equal", cols, ops.reshape(m, m.shape + (1,)) if isinstance(m, Tracer) else m
        )
        rotated = by_gh(rotated, upper)
        rotated = where(ew("logical_and", _row(ek1), _col(ek)), 0.0, rotated)
        g = _vec(need)
        return where(g, rotated, t), where(g, by_gh(z, None), z)

    if n <= 1:
        return t, z
    return cast(tuple[Tracer, Tracer], fori_loop(1, n, step, (t, z)))  # (the carry: step's result)


def refuse_derivative(value: Tracer, of: Tracer, name: str) -> Tracer:
    """``value``, whose derivative with respect to ``of`` is refused as JAX refuses it."""

    def refuse(_: Any) -> Any:
        raise UnsupportedError(
            f"Differentiation rule for '{name}' not implemented (JAX defines none either)"
        )

    return _with_derivative(value, of, refuse, refuse, name)


def schur_decomposition(t: Tracer, real: bool) -> tuple[Tracer, Tracer]:
    """``(T, Z)`` of the float or complex ``t`` (``real``: the real form; ``t`` real),
    with derivatives refused as JAX's Schur primitive refuses them."""
    h, q = hessenberg_reduce(ops.stop_gradient(t))
    tt, z = schur_form(h, q, real)
    return refuse_derivative(tt, t, "schur"), refuse_derivative(z, t, "schur")


@staged_export("schur")
def schur(
    x: Value,
    *,
    compute_schur_vectors: bool = True,
    sort_eig_vals: bool = False,
    select_callable: Any = None,
) -> Any:
    """``jax.lax.linalg.schur``: ``(T, vs)`` with ``x = vs T vs^H`` (the real form for
    real ``x``), or ``[T]`` without ``compute_schur_vectors``, over ``(..., N, N)``."""
    if sort_eig_vals or select_callable is not None:
        raise UnsupportedError("The sort feature of LAPACK's gees routine is not implemented.")
    t = lift(x, trace_of((x,)))
    if t.dtype.kind not in "fc":
        raise ArgumentTypeError(
            f"schur does not accept dtype {t.dtype.name}: floating or complex matrices only"
        )
    t = _linalg._prep(t, "schur")
    tt, z = schur_decomposition(t, t.dtype.kind == "f")
    return (tt, z) if compute_schur_vectors else [tt]
