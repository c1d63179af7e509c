"""``axcomp.scipy.sparse.linalg``: ``cg``, ``bicgstab`` and ``gmres`` as in
``jax.scipy.sparse.linalg``, on a matrix or a linear function ``A`` (and preconditioner
``M``), returning ``(x, None)``.

The iterations are ``lax.while_loop``s (one loop of generated code, vectorized over any
vmap batch, running until every example has converged: ``norm(r) <= max(tol * norm(b),
atol)``). They are wrapped in ``lax.custom_linear_solve``, so derivatives are implicit, as
in JAX: a tangent or cotangent costs one more solve (with the transposed operator for
``bicgstab``/``gmres``; ``cg`` assumes a symmetric operator) and the iterations are never
differentiated. ``b`` is an array or, as in JAX, a pytree of arrays (``x0`` then has its
structure and ``A``/``M`` are functions of such pytrees): the solver runs on the leaves
raveled into one vector, inner products summing over every leaf, as JAX's tree ones do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numpy as np

from ... import primitives as _ops
from ... import pytree
from ...core.array_impl import ArrayImpl
from ...errors import ArgumentTypeError, ArgumentValueError, IncompatibleShapesError, ShapeError
from ...errors import missing_function as _missing
from ...primitives.control import while_loop
from ...primitives.elementwise import elementwise as _ew
from ...primitives.elementwise import where as _where
from ...tracing.build import lift, trace_of
from ...tracing.trace import current_trace
from ...tracing.tracer import Tracer
from ...transforms.implicit import custom_linear_solve
from ...transforms.jit import static_jit

Op = Callable[[Any], Any]


def _add(x: Any, y: Any) -> Any:
    return _ew("add", x, y)


def _sub(x: Any, y: Any) -> Any:
    return _ew("subtract", x, y)


def _mul(x: Any, y: Any) -> Any:
    return _ew("multiply", x, y)


def _div(x: Any, y: Any) -> Any:
    """``x / y``, 0 where ``y`` is 0 (a breakdown the loop's condition then stops on)."""
    ok = _ew("not_equal", y, 0)
    return _where(ok, _ew("true_divide", x, _where(ok, y, 1)), 0)


def _dot(x: Any, y: Any) -> Any:
    return _ops.reduce_sum(_mul(x, y))


def _operator(what: str, name: str, a: Any, b: Tracer) -> Op:
    """``a`` as a function: itself if callable, else the matrix product with it."""
    if a is None:
        return lambda x: x
    if callable(a):
        return cast(Op, a)
    m = lift(a, b.trace)
    if m.ndim != 2 or b.ndim != 1 or m.shape != (b.shape[0], b.shape[0]):
        raise IncompatibleShapesError(
            f"{what}: {name} of shape {m.shape} must be a square matrix matching b of shape "
            f"{b.shape} (or a function)"
        )
    return lambda x: _ops.matmul(m, x)


def _threshold(b: Any, tol: float, atol: float) -> Any:
    return _ew("maximum", _mul(_dot(b, b), float(tol) ** 2), float(atol) ** 2)


def _cg(a: Op, b: Any, x0: Any, tol: float, atol: float, maxiter: int, m: Op) -> Any:
    """Preconditioned conjugate gradients (symmetric positive definite ``a``)."""
    limit = _threshold(b, tol, atol)
    r = _sub(b, a(x0))
    z = m(r)

    def going(s: Any) -> Any:
        _, r, _, _, k = s
        return _ew("logical_and", _ew("greater", _dot(r, r), limit), _ew("less", k, maxiter))

    def step(s: Any) -> Any:
        x, r, p, rz, k = s
        ap = a(p)
        alpha = _div(rz, _dot(p, ap))
        x, r = _add(x, _mul(alpha, p)), _sub(r, _mul(alpha, ap))
        z = m(r)
        rz_new = _dot(r, z)
        p = _add(z, _mul(_div(rz_new, rz), p))
        return x, r, p, rz_new, _add(k, 1)

    return while_loop(going, step, (x0, r, z, _dot(r, z), np.int64(0)))[0]


def _bicgstab(a: Op, b: Any, x0: Any, tol: float, atol: float, maxiter: int, m: Op) -> Any:
    """Preconditioned BiCGSTAB (van der Vorst); a breakdown (a zero denominator) stops."""
    limit = _threshold(b, tol, atol)
    r = _sub(b, a(x0))
    zero = _mul(r, 0.0)
    one = _add(_dot(zero, zero), 1.0)

    def going(s: Any) -> Any:
        _, r, *_, k, ok = s
        more = _ew("logical_and", _ew("greater", _dot(r, r), limit), _ew("less", k, maxiter))
        return _ew("logical_and", more, ok)

    def step(s: Any) -> Any:
        x, r, rhat, p, v, rho, alpha, omega, k, _ = s
        rho_new = _dot(rhat, r)
        beta = _mul(_div(rho_new, rho), _div(alpha, omega))
        p = _add(r, _mul(beta, _sub(p, _mul(omega, v))))
        ph = m(p)
        v = a(ph)
        alpha = _div(rho_new, _dot(rhat, v))
        s_ = _sub(r, _mul(alpha, v))
        sh = m(s_)
        t = a(sh)
        omega = _div(_dot(t, s_), _dot(t, t))
        early = _ew("less_equal", _dot(s_, s_), limit)  # converged half-way: no omega step
        x = _add(x, _add(_mul(alpha, ph), _where(early, 0.0, _mul(omega, sh))))
        r = _where(early, s_, _sub(s_, _mul(omega, t)))
        fine = _ew(
            "logical_and",
            _ew("not_equal", rho_new, 0),
            _ew("logical_or", early, _ew("not_equal", omega, 0)),
        )
        return x, r, rhat, p, v, rho_new, alpha, omega, _add(k, 1), fine

    init = (x0, r, r, zero, zero, one, one, one, np.int64(0), np.bool_(True))
    return while_loop(going, step, init)[0]


def _gmres(
    a: Op, b: Any, x0: Any, tol: float, atol: float, maxiter: int, m: Op, restart: int
) -> Any:
    """Restarted GMRES on the left-preconditioned system ``M A x = M b``: each cycle builds
    a ``restart``-dimensional Krylov basis (Gram-Schmidt, twice) and takes the least-squares
    combination; the cycles stop when ``norm(M (b - A x)) <= max(tol norm(M b), atol)``."""
    limit = _threshold(m(b), tol, atol)

    def residual(x: Any) -> Any:
        return m(_sub(b, a(x)))

    def going(s: Any) -> Any:
        _, r, k = s
        return _ew("logical_and", _ew("greater", _dot(r, r), limit), _ew("less", k, maxiter))

    def cycle(s: Any) -> Any:
        x, r, k = s
        beta = _ew("sqrt", _dot(r, r))
        basis = [_mul(r, _div(1.0, beta))]
        h: list[list[Any]] = [[None] * restart for _ in range(restart + 1)]
        for j in range(restart):
            w = m(a(basis[j]))
            for i in range(j + 1):
                h[i][j] = _dot(w, basis[i])
                w = _sub(w, _mul(h[i][j], basis[i]))
            for i in range(j + 1):  # second pass keeps the basis orthogonal
                c = _dot(w, basis[i])
                h[i][j] = _add(h[i][j], c)
                w = _sub(w, _mul(c, basis[i]))
            norm = _ew("sqrt", _dot(w, w))
            h[j + 1][j] = norm
            basis.append(_mul(w, _div(1.0, norm)))  # breakdown: a zero vector, exact y
        zero = _mul(beta, 0.0)
        rows = [_ops.stack([zero if e is None else e for e in row]) for row in h]
        hess = _ops.stack(rows)
        rhs = _ops.stack([beta] + [zero] * restart)
        y = _ops.linalg.lstsq(hess, rhs)[0]
        for j in range(restart):
            x = _add(x, _mul(_ops.getitem(y, j), basis[j]))
        return x, residual(x), _add(k, 1)

    return while_loop(going, cycle, (x0, residual(x0), np.int64(0)))[0]


class _Raveled:
    """A pytree's leaves as one vector (of their common inexact dtype) and back."""

    def __init__(self, name: str, b: Any) -> None:
        leaves, self.treedef = pytree.flatten(b)
        trace = trace_of(leaves)
        ts = [lift(v, trace) for v in leaves]
        self.trace = trace
        self.shapes = [t.shape for t in ts]
        self.dtypes = [t.dtype for t in ts]
        common = np.result_type(*self.dtypes) if ts else np.dtype(np.float64)
        self.dtype = common if common.kind in "fc" else np.dtype(np.float64)
        self.name = name

    def ravel(self, tree: Any, what: str) -> Tracer:
        leaves, treedef = pytree.flatten(tree)
        if treedef != self.treedef:
            raise ArgumentValueError(
                f"{self.name}: {what} and b must have matching tree structure: {treedef} vs "
                f"{self.treedef}"
            )
        parts = []
        for v, shape in zip(leaves, self.shapes, strict=True):
            t = lift(v, self.trace)
            if t.shape != shape:
                raise IncompatibleShapesError(
                    f"{self.name}: a leaf of {what} has shape {t.shape}, b's has {shape}"
                )
            parts.append(_ops.reshape(_ops.astype(t, self.dtype), (-1,)))
        return _ops.concatenate(parts, 0)

    def unravel(self, v: Any) -> Any:
        leaves, start = [], 0
        for shape, dtype in zip(self.shapes, self.dtypes, strict=True):
            n = int(np.prod(shape, dtype=np.int64))
            part = _ops.reshape(_ops.getitem(v, slice(start, start + n)), shape)
            kind = dtype if dtype.kind in "fc" else self.dtype
            leaves.append(part if part.dtype == kind else _ops.astype(part, kind))
            start += n
        return pytree.unflatten(self.treedef, leaves)

    def function(self, f: Any, what: str) -> Op:
        if f is None:
            return lambda v: v
        if not callable(f):
            raise ArgumentTypeError(
                f"{self.name}: {what} must be a function when b is a pytree (a matrix "
                "applies to one array b)"
            )
        return lambda v: self.ravel(f(self.unravel(v)), f"{what}(x)")


def _solver(name: str, method: Callable[..., Any], symmetric: bool) -> Callable[..., Any]:
    def traced(
        a: Any, b: Any, x0: Any, tol: float, atol: float, maxiter: Any, m: Any, extra: Any
    ) -> Any:
        if pytree.flatten(b)[1] != pytree.LEAF:  # a pytree: solved on its raveled leaves
            tree = _Raveled(name, b)
            start = None if x0 is None else tree.ravel(x0, "x0")
            flat = tree.ravel(b, "b")
            ops_ = (tree.function(a, "A"), tree.function(m, "M"))
            x = traced(ops_[0], flat, start, tol, atol, maxiter, ops_[1], extra)
            return tree.unravel(x)
        tb = lift(b, trace_of((b,)))
        if tb.dtype.kind not in "fc":
            tb = _ops.astype(tb, np.float64)
        size = int(np.prod(tb.shape, dtype=np.int64))
        limit = 10 * size if maxiter is None else int(maxiter)
        op, pre = _operator(name, "A", a, tb), _operator(name, "M", m, tb)
        start = _mul(tb, 0.0) if x0 is None else _ops.astype(lift(x0, tb.trace), tb.dtype)
        if tuple(start.shape) != tuple(tb.shape):
            raise IncompatibleShapesError(
                f"{name}: x0 of shape {start.shape} does not match b of shape {tb.shape}"
            )
        args = (extra,) if extra is not None else ()

        def solve(matvec: Op, rhs: Any) -> Any:
            return method(matvec, rhs, start, tol, atol, limit, pre, *args)

        def transposed(vecmat: Op, rhs: Any) -> Any:
            return method(vecmat, rhs, start, tol, atol, limit, pre, *args)

        return custom_linear_solve(
            op, tb, solve, transpose_solve=None if symmetric else transposed, symmetric=symmetric
        )

    staged = static_jit(traced)  # tol, maxiter, ... stay static: the solver reads them

    def public(
        a: Any,
        b: Any,
        x0: Any = None,
        *,
        tol: float = 1e-5,
        atol: float = 0.0,
        maxiter: Any = None,
        M: Any = None,
        **options: Any,
    ) -> tuple[Any, Any]:
        extra = None
        if name == "gmres":
            restart = int(options.pop("restart", 20))
            method_name = options.pop("solve_method", "batched")
            if method_name not in ("batched", "incremental"):
                raise ShapeError(
                    f"gmres: solve_method must be 'batched' or 'incremental', got {method_name!r}"
                )
            size = sum(int(np.prod(np.shape(v), dtype=np.int64)) for v in pytree.tree_leaves(b))
            extra = max(1, min(restart, size))
        if options:
            raise ArgumentTypeError(f"{name}() got unexpected keyword arguments {sorted(options)}")
        # gmres reports 0 where JAX does (its placeholder for convergence information)
        info = np.asarray(0).view(ArrayImpl) if name == "gmres" else None
        every = (a, *pytree.tree_leaves(b), *pytree.tree_leaves(x0), M)
        if current_trace() is not None or any(isinstance(v, Tracer) for v in every):
            return traced(a, b, x0, tol, atol, maxiter, M, extra), info
        return staged(a, b, x0, float(tol), float(atol), maxiter, M, extra), info

    public.__name__ = public.__qualname__ = name
    public.__doc__ = (
        f"``jax.scipy.sparse.linalg.{name}``: solve ``A x = b`` iteratively; ``(x, None)``."
    )
    return public


cg = _solver("cg", _cg, symmetric=True)
bicgstab = _solver("bicgstab", _bicgstab, symmetric=False)
gmres = _solver("gmres", _gmres, symmetric=False)

__all__ = ["bicgstab", "cg", "gmres"]


def __getattr__(name: str) -> Any:
    """A jax.scipy.sparse.linalg name axcomp lacks: ``MissingFunctionError``."""
    if name.startswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    raise _missing("axcomp.scipy.sparse.linalg", "jax.scipy.sparse.linalg", name, __all__)
