"""Linear algebra: the ``linalg`` primitive and ``axcomp.numpy.linalg``.

One primitive, ``linalg``, calls ``numpy.linalg.<fn>`` (or the Array API extension's
``xp.linalg.<fn>``) on the physical array. NumPy's linalg functions stack over leading
axes, and a node's leading axes are its vmap batch axes, so a batch is one stacked LAPACK
call and never a Python loop. Functions with several results (``eigh``, ``svd``, ``qr``,
``slogdet``) are *packed*: the one node holds every result flattened past the stack axes
and joined on its last axis, and the user sees slices of it (views), so a factorisation
runs once however many of its results are used.

Everything else is built from existing primitives: ``norm``, ``pinv``, ``lstsq``
(JAX's 4-tuple, residuals always present), ``matrix_power``; ``axcomp/lax/linalg.py``
builds ``jax.lax.linalg`` (``cholesky``, the triangular and tridiagonal solves) on the
helpers here.

JAX is the semantic reference inside traces: ``cholesky`` and ``eigh`` symmetrize their
input, ``(a + a^T) / 2`` (so ``UPLO`` does not matter), and ``lstsq`` always returns the
residuals. Unlike JAX, a singular or non-positive-definite matrix raises NumPy's
``LinAlgError`` at run time rather than giving NaNs. Reverse rules: ``cholesky``,
``solve``, ``inv``, ``det``, ``slogdet``, ``eigh`` (values and vectors; degenerate pairs
get a zero coupling), ``svd`` (reduced, or square; full non-square matrices are refused as
in JAX) and ``qr`` (tall or square matrices, as in JAX); for complex matrices each is the
transpose of JAX's forward rule (see "Complex matrices" below the helpers).

Structured rules: no rule forms an inverse where a solve does. Triangular systems
(``_substitute``) are solved by recursive halving, so all but the small diagonal blocks
(solved by LAPACK, or inverted when there are many right-hand sides) are large matrix
products, and carry their own derivative (a triangular solve with
the transpose, a masked rank-k product), never the derivative of the blocks. The Cholesky
reverse rule ``L^-T Phi(L^T G) L^-1`` is two such solves; since ``Phi`` keeps the lower
triangle and ``(L^T G)_ij`` (i >= j) reads ``G`` on its lower triangle only, the masks that
triangular solves' reverse rules put on ``G`` are dropped and a diagonal ``G`` (the reverse
rule of ``log(diag(L))``) is scaled, not multiplied (``_lower_product``): a GP's gradient
through ``cholesky`` costs the factorisation and two triangular solves, not an n^3
product more.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..core.graph import Node
from ..core.independence import MIXED, Carried, Relations
from ..core.plan import Assign, Expr, LowerContext, Statement, call
from ..core.primitive import primitive
from ..errors import (
    ArgumentTypeError,
    GradError,
    IncompatibleShapesError,
    ShapeError,
    UnsupportedError,
)
from ..tracing.build import Value, broadcast_shapes, lift, make, trace_of, union_levels
from ..tracing.tracer import Tracer
from .contraction import multiply, swapaxes
from .elementwise import elementwise, where
from .gradients import CustomRuleParams, custom_rule_p, stop_gradient
from .indexing import getitem
from .products import matmul
from .reductions import reduce, reduce_sum
from .shape import astype, broadcast_levels, broadcast_to, concatenate, reshape


@dataclass(frozen=True)
class LinalgParams:
    fn: str  # a name of ``core.plan.LINALG``
    keywords: tuple[tuple[str, bool], ...] = ()
    pack: int = -1  # >= 0: the results, flattened past this many leading axes, joined


linalg_p = primitive("linalg", LinalgParams)
linalg_p.def_describe(
    lambda q: (
        f"linalg.{q.fn}"
        + "".join(f" {k}={v}" for k, v in q.keywords)
        + (" packed" if q.pack >= 0 else "")
    )
)


def _parts(q: LinalgParams, shapes: Sequence[tuple[int, ...]]) -> list[tuple[int, ...]]:
    """The shapes of ``fn``'s results on inputs of ``shapes`` (past the stack axes too)."""
    a = shapes[0]
    kw = dict(q.keywords)
    if q.fn in ("cholesky", "inv", "cholesky_inverse"):
        return [a]
    if q.fn in ("solve", "solve_triangular"):
        return [broadcast_shapes(a[:-2], shapes[1][:-2]) + shapes[1][-2:]]
    if q.fn == "det":
        return [a[:-2]]
    if q.fn == "slogdet":
        return [a[:-2], a[:-2]]
    if q.fn in ("eigh", "eig"):
        return [a[:-1], a]
    if q.fn == "eigvals":
        return [a[:-1]]
    m, n = a[-2:]
    k = min(m, n)
    if q.fn == "svdvals":
        return [a[:-2] + (k,)]
    if q.fn == "svd":
        full = kw.get("full_matrices", True)
        u = (m, m) if full else (m, k)
        v = (n, n) if full else (k, n)
        return [a[:-2] + u, a[:-2] + (k,), a[:-2] + v]
    if q.fn == "qr":
        return [a[:-2] + (m, k), a[:-2] + (k, n)]
    raise AssertionError(q.fn)


@linalg_p.def_shape
def _shape(q: LinalgParams, inputs: Sequence[Node]) -> tuple[int, ...]:
    parts = _parts(q, [i.shape for i in inputs])
    if q.pack < 0:
        return parts[0]
    lead = parts[0][: q.pack]
    return lead + (sum(math.prod(p[q.pack :]) for p in parts),)


@linalg_p.def_lower
def _lower(
    ctx: LowerContext, node: Node, target: str, args: Sequence[Expr]
) -> tuple[Statement, ...]:
    q: LinalgParams = node.params
    parts = _parts(q, [i.shape for i in node.inputs]) if q.pack >= 0 else []
    value = call(
        "linalg",
        *args,
        fn=q.fn,
        keywords=q.keywords,
        pack=q.pack,
        sizes=tuple(math.prod(p[q.pack :]) for p in parts),
        shape=node.shape,
        dtype=node.dtype.name,
    )
    return (Assign(target, value),)


@linalg_p.def_flops
def _flops(node: Node) -> int:
    a = node.inputs[0].shape
    n = a[-1] if a else 1
    if node.params.fn == "cholesky_inverse":  # trtri and lauum, n^3 / 3 each
        return math.prod(a[:-2]) * (2 * n**3 // 3)
    return math.prod(a[:-2]) * n**3 if len(a) >= 2 else 0


# ---------------------------------------------------------------- tracing helpers


def _float(t: Tracer, what: str) -> Tracer:
    """``t`` in the dtype NumPy's linalg computes in (ints and bools: float64)."""
    if t.dtype.kind in "biu":
        return astype(t, np.float64)
    if t.dtype not in (np.float32, np.float64, np.complex64, np.complex128):
        raise ArgumentTypeError(f"{what}: array type {t.dtype.name} is unsupported in linalg")
    return t


def _square(t: Tracer, what: str, name: str = "a") -> None:
    _matrix(t, what, name)
    if t.shape[-1] != t.shape[-2]:
        raise ShapeError(f"{what}: last 2 dimensions of {name} must be square, got {t.shape}")


def _matrix(t: Tracer, what: str, name: str = "a") -> None:
    if t.ndim < 2:
        raise ShapeError(
            f"{what}: {t.ndim}-dimensional array given ({name} shape {t.shape}); "
            "array must be at least two-dimensional"
        )


def _node(fn: str, inputs: Sequence[Tracer], keywords: tuple[tuple[str, bool], ...] = ()) -> Tracer:
    """The ``linalg`` node of ``fn`` (not packed) on tracers with equal levels and ranks."""
    return _make(fn, inputs, keywords, packed=False)


def _make(
    fn: str, inputs: Sequence[Tracer], keywords: tuple[tuple[str, bool], ...], packed: bool
) -> Tracer:
    trace = trace_of(inputs)
    levels = union_levels(inputs)
    full = [broadcast_levels(t, levels) for t in inputs]
    nb = len(levels)
    parts = _parts(LinalgParams(fn, keywords), [t.shape for t in full])
    pack = -1
    if packed:
        stack = full[0].ndim - 2
        pack = nb + stack
        shape = parts[0][:stack] + (sum(math.prod(p[stack:]) for p in parts),)
    else:
        shape = parts[0]
    dtype = full[0].dtype
    if fn in ("det", "solve", "solve_triangular"):
        dtype = np.result_type(*[t.dtype for t in full])
    if fn in ("eig", "eigvals"):
        dtype = np.result_type(dtype, np.complex64)
    if fn == "svdvals":  # real for complex matrices too
        dtype = np.finfo(dtype).dtype
    params = LinalgParams(fn, keywords, pack)
    return make(trace, linalg_p, full, params, levels, shape, dtype)


def _unpack(t: Tracer, parts: Sequence[tuple[int, ...]]) -> list[Tracer]:
    """The results of a packed node, as views: ``parts`` are their shapes past the stack."""
    lead = t.shape[:-1]
    out = []
    start = 0
    for p in parts:
        size = math.prod(p)
        piece = getitem(t, (Ellipsis, slice(start, start + size)))
        out.append(reshape(piece, lead + tuple(p)))
        start += size
    return out


def _packed(fn: str, a: Tracer, keywords: tuple[tuple[str, bool], ...] = ()) -> list[Tracer]:
    t = _make(fn, [a], keywords, packed=True)
    stack = a.ndim - 2
    parts = [p[stack:] for p in _parts(LinalgParams(fn, keywords), [a.shape])]
    return _unpack(t, parts)


def _mT(x: Tracer) -> Tracer:
    return swapaxes(x, -1, -2)


def _sym(a: Tracer) -> Tracer:
    """``(a + a^H) / 2``, as JAX's ``symmetrize_input``."""
    h = _mT(a)
    if a.dtype.kind == "c":
        h = elementwise("conjugate", h)
    return multiply(elementwise("add", a, h), 0.5)


def _eye(n: int, dtype: np.dtype) -> np.ndarray:
    return np.eye(n, dtype=dtype)


def _diag_embed(v: Tracer) -> Tracer:
    """A stack of diagonal matrices from a stack of vectors."""
    n = v.shape[-1]
    return multiply(reshape(v, v.shape + (1,)), _eye(n, v.dtype))


def _prep(a: Value, what: str, square: bool = True) -> Tracer:
    t = _float(lift(a, trace_of((a,))), what)
    (_square if square else _matrix)(t, what)
    return t


def _phi(factor: Tracer) -> np.ndarray:
    """The lower triangle with half its diagonal, as a mask: Cholesky's ``Phi``."""
    n = factor.shape[-1]
    return (np.tril(np.ones((n, n))) - 0.5 * np.eye(n)).astype(factor.dtype)


def _conj(x: Tracer) -> Tracer:
    return elementwise("conjugate", x) if x.dtype.kind == "c" else x


def _sandwich(factor: Tracer, m: Tracer, transposed: bool) -> Tracer:
    """``L^-1 M L^-H`` (or ``L^-T M conj(L)^-1`` when ``transposed``) by two triangular
    solves with the lower factor ``L``: O(n^3) and O(n^2) memory, no inverse is formed.
    (For real matrices ``L^-1 M L^-T`` and ``L^-T M L^-1``.)"""
    op, low = (_mT(factor), False) if transposed else (factor, True)
    left = _substitute(op, m, low)  # op^-1 M
    # M2 op'^-T = (op'^-1 M2^T)^T with op' = conj(op)
    return _mT(_substitute(_conj(op), _mT(left), low))


# ------------------------------------------------- the Cholesky reverse rule's product


def _diagonal_of(node: Node) -> Node | None:
    """``d`` when ``node`` is the stack of diagonal matrices ``diag(d)`` that the reverse
    rule of ``diag``/``diagonal`` builds (``d`` scattered onto the flattened diagonal)."""
    if node.op.name != "reshape" or len(node.shape) < 2 or node.shape[-1] != node.shape[-2]:
        return None
    n = node.shape[-1]
    src = node.inputs[0]
    if src.op.name != "scatter" or src.shape != node.shape[:-2] + (n * n,):
        return None
    *lead, last = src.params.items
    full = all(item == ("slice", 0, k, 1) for item, k in zip(lead, src.shape))
    if not full or last != ("slice", 0, n * n, n + 1):
        return None
    return src.inputs[0]


def _covers(mask_node: Node, node: Node, lower: bool) -> bool:
    """Whether the ``where`` mask ``mask_node`` keeps every entry of the lower (or upper)
    triangle of each matrix of ``node``."""
    if mask_node.op.name != "const" or node.params.maps[0] != (node.ndim - 2, node.ndim - 1):
        return False
    mask = np.asarray(mask_node.params.value)
    n = node.shape[-1]
    return mask.shape == (n, n) and bool(np.all(mask[_triangle(n, lower)]))


def _is_zero(node: Node) -> bool:
    return node.op.name == "const" and np.ndim(node.params.value) == 0 and node.params.value == 0


@dataclass(frozen=True)
class _Term:
    """One term of a cotangent that agrees with it on a triangle: ``(-1 if negated) *
    node`` (``node^T`` when ``transposed``), or ``diag(node)`` when ``diagonal``."""

    negated: bool
    node: Node
    diagonal: bool = False
    transposed: bool = False


def _terms(node: Node, lower: bool) -> list[_Term]:
    """``node`` as a sum of terms that agree with it on the lower (or upper) triangle of
    each matrix: masks that keep that triangle are dropped (the masked rank-one products
    of triangular solves' reverse rules become plain rank-one products, which a product
    with them contracts in O(n^2))."""
    op, p = node.op.name, node.params
    if op == "elementwise" and node.ndim >= 2:
        ins = node.inputs
        keeps = p.fn == "where" and _is_zero(ins[2]) and _covers(ins[0], node, lower)
        if keeps and ins[1].shape == node.shape:
            return _terms(ins[1], lower)
        if p.fn in ("add", "subtract") and all(i.shape == node.shape for i in ins):
            first, second = _terms(ins[0], lower), _terms(ins[1], lower)
            if p.fn == "subtract":
                second = [replace(t, negated=not t.negated) for t in second]
            return first + second
        if p.fn == "negative" and ins[0].shape == node.shape:
            return [replace(t, negated=not t.negated) for t in _terms(ins[0], lower)]
    if op == "einsum" and len(node.inputs) == 1 and node.ndim >= 2:
        (sub,) = p.subscripts
        if len(set(sub)) == len(sub) and p.out == sub[:-2] + (sub[-1], sub[-2]):
            inner = _terms(node.inputs[0], not lower)  # a transpose swaps the triangles
            return [t if t.diagonal else replace(t, transposed=not t.transposed) for t in inner]
    d = _diagonal_of(node)
    if d is not None:
        return [_Term(False, d, diagonal=True)]
    return [_Term(False, node)]


def _lower_product(b: Any, factor: Tracer, terms: Sequence[_Term]) -> Tracer:
    """A matrix equal to ``factor^T @ (sum of terms)`` on and below the diagonal, for a
    lower triangular ``factor``: ``(L^T M)_ij`` (i >= j) reads ``M`` on its lower triangle
    only, so masks above it are dropped and a diagonal ``M`` costs O(n^2), not a
    product."""
    lt = _mT(factor)
    total: Tracer | None = None
    for t in terms:
        term = b.p(t.node)
        if t.diagonal:  # L^T diag(d) is upper triangular: on the lower one, L_ii d_i
            n = factor.shape[-1]
            flat = reshape(factor, factor.shape[:-2] + (n * n,))
            part = _diag_embed(multiply(getitem(flat, (Ellipsis, slice(0, n * n, n + 1))), term))
        else:
            part = matmul(lt, _mT(term) if t.transposed else term)
        if total is None:
            total = elementwise("negative", part) if t.negated else part
        else:
            total = elementwise("subtract" if t.negated else "add", total, part)
    assert total is not None
    return total


# ------------------------------------------ symmetric inputs: the Cholesky inverse rule

#: binary elementwise functions with f(a, b) = f(b, a)
_COMMUTATIVE = frozenset(
    "add multiply maximum minimum fmax fmin hypot logaddexp logaddexp2 equal not_equal "
    "logical_and logical_or logical_xor bitwise_and bitwise_or bitwise_xor".split()
)


def _is_transpose(x: Node, of: Node) -> bool:
    """Whether ``x`` is the transpose of ``of`` (its last two axes swapped) in the graph."""
    if x.op.name != "einsum" or len(x.inputs) != 1 or x.inputs[0] is not of:
        return False
    (sub,) = x.params.subscripts
    return len(set(sub)) == len(sub) >= 2 and x.params.out == sub[:-2] + (sub[-1], sub[-2])


def _new_axis_view(x: Node, at: int) -> Node | None:
    """The source ``v`` when ``x`` is ``v`` with a new axis of length 1 inserted at ``at``
    (-1 or -2): ``v[..., None]`` / ``v[..., None, :]`` by indexing or a reshape."""
    if x.op.name not in ("index", "reshape") or x.ndim < 2 or x.shape[at] != 1:
        return None
    src = x.inputs[0]
    kept = x.shape[:at] + (x.shape[-1],) if at == -2 else x.shape[:-1]
    if src.shape != kept:
        return None
    if x.op.name == "index":
        items = x.params.items
        plain = [("slice", 0, k, 1) for k in src.shape]
        want = plain[:-1] + ([("new",), plain[-1]] if at == -2 else [plain[-1], ("new",)])
        if list(items) != want:
            return None
    return src


def _transposes(a: Node, b: Node) -> bool:
    """Whether ``b`` is ``a`` transposed: one the transpose node of the other, or ``v[...,
    :, None]`` and ``v[..., None, :]`` of one vector ``v``."""
    if _is_transpose(a, b) or _is_transpose(b, a):
        return True
    col, row = _new_axis_view(a, -1), _new_axis_view(b, -2)
    return col is not None and col is row


def _symmetric(node: Node, memo: dict[Node, bool] | None = None, depth: int = 0) -> bool:
    """Whether every matrix of ``node`` (its last two axes) is symmetric for all values of
    the graph's inputs, by construction: ``X X^T``, ``A + A^T``, ``u[:, None] + u[None, :]``,
    elementwise functions of symmetric matrices and of values constant over the matrix,
    symmetric constants. Conservative: False when unsure."""
    nd = node.ndim
    if nd < 2 or node.shape[-1] != node.shape[-2]:
        return False
    memo = {} if memo is None else memo
    if node in memo:
        return memo[node]
    if depth > 200:
        return False
    memo[node] = False  # while it is being decided

    def sym(x: Node) -> bool:
        return _symmetric(x, memo, depth + 1)

    op, p = node.op.name, node.params
    out = False
    if op == "const":
        v = np.asarray(p.value)
        out = v.ndim >= 2 and bool(np.array_equal(v, np.swapaxes(v, -1, -2)))
    elif op in ("stop_gradient", "custom_vjp", "astype"):
        out = node.inputs[0].shape == node.shape and sym(node.inputs[0])
    elif op == "elementwise":
        # an input either is symmetric in the output's last two axes, or constant over them
        flat = []
        for x, m in zip(node.inputs, p.maps):
            if nd - 1 not in m and nd - 2 not in m:
                continue
            if len(m) >= 2 and m[-2:] == (nd - 2, nd - 1) and sym(x):
                continue
            flat.append((x, m))
        if not flat:
            out = True
        elif len(flat) == 2 and p.fn in _COMMUTATIVE:
            out = _transposes(flat[0][0], flat[1][0])
    elif op == "einsum":
        subs = p.subscripts
        shaped = [(x, sub) for x, sub in zip(node.inputs, subs) if sub]
        lead, i, j = p.out[:-2], p.out[-2], p.out[-1]
        if all(sub == p.out for _, sub in shaped):  # a product entry by entry
            out = all(sym(x) for x, _ in shaped)
        elif len(shaped) == 1:  # a transpose of a symmetric matrix
            ((x, sub),) = shaped
            out = sub == lead + (j, i) and sym(x)
        elif len(shaped) == 2:  # X X^T
            (x, sx), (y, sy) = shaped
            if len(sx) == len(lead) + 2 and sx[:-2] == lead and sy[:-2] == lead:
                k = sx[-1]
                if sx[-2] == i and k not in p.out and k != j:
                    out = (sy[-2:] == (k, j) and _is_transpose(y, x)) or (
                        sy[-2:] == (j, k) and y is x
                    )
    memo[node] = out
    return out


def cholesky_inverse(factor: Tracer) -> Tracer:
    """``(L L^T)^-1`` for each lower-triangular ``L`` of ``factor`` (real; the upper triangle
    is not read): LAPACK's ``potri`` when SciPy is there, blocked products otherwise."""
    return _node("cholesky_inverse", [factor])


def _diagonal_index(x: Node, factor: Node) -> bool:
    """Whether ``x`` is the diagonal of ``factor``'s matrices (a strided slice of the
    flattened matrix, as ``jnp.diag``/``diagonal`` take it)."""
    if x.op.name != "index" or x.inputs[0].op.name != "reshape":
        return False
    if x.inputs[0].inputs[0] is not factor:
        return False
    n = factor.shape[-1]
    *lead, last = x.params.items
    full = all(item == ("slice", 0, k, 1) for item, k in zip(lead, x.inputs[0].shape))
    return full and last == ("slice", 0, n * n, n + 1)


def _scaled_identity(t: _Term, factor: Node) -> list[Node] | None:
    """Scalars whose product is ``h`` when the term ``diag(d)``, ``d = h / diag(L)`` up to
    scalar factors, is what ``log(diag(L))``'s reverse rule builds: on the lower triangle
    ``L^T diag(d)`` is then ``h I``."""
    if not t.diagonal:
        return None
    d, scalars = t.node, []
    while d.op.name == "einsum" and d.params.out:  # scalar factors of a product
        shaped = [x for x, sub in zip(d.inputs, d.params.subscripts) if sub]
        if len(shaped) != 1 or d.params.subscripts[d.inputs.index(shaped[0])] != d.params.out:
            return None
        scalars += [x for x, sub in zip(d.inputs, d.params.subscripts) if not sub]
        d = shaped[0]
    if d.op.name != "elementwise" or d.params.fn != "true_divide" or d.ndim < 1:
        return None
    h, x = d.inputs
    if not _diagonal_index(x, factor) or h.ndim != 0:
        return None
    return [*scalars, h]


def _solved_by_transpose(x: Node, factor: Node) -> Node | None:
    """The right-hand side ``r`` when ``x`` is the blocked solve ``L^-T r`` with ``L`` the
    (lower) ``factor``, so that ``L^T x = r``."""
    if x.op.name != "custom_vjp" or x.params.name != "triangular_solve":
        return None
    _, tri, rhs = x.inputs
    if tri.op.name != "einsum" or len(tri.inputs) != 1 or not _is_transpose(tri, tri.inputs[0]):
        return None
    low = tri.inputs[0]
    if low.op.name == "elementwise" and low.params.fn == "where":
        if not (_is_zero(low.inputs[2]) and _covers(low.inputs[0], low, True)):
            return None
        low = low.inputs[1]
    return rhs if low is factor else None


def _outer(node: Node) -> tuple[Node, Node] | None:
    """``(p, q)`` when ``node`` is the product ``p q^T`` (``p``, ``q`` of shape (..., n, m)),
    as triangular solves' reverse rules build it."""
    if node.op.name != "einsum" or len(node.inputs) != 2 or node.ndim < 2:
        return None
    (sp, sq), out = node.params.subscripts, node.params.out
    lead, i, j = out[:-2], out[-2], out[-1]
    if len(sp) != len(out) or sp[:-2] != lead or sq[:-2] != lead or sp[-2] != i:
        return None
    k = sp[-1]
    if k in out:
        return None
    p, q = node.inputs
    if sq[-2:] == (j, k):
        return p, q
    if sq[-2:] == (k, j) and q.op.name == "einsum" and _is_transpose(q, q.inputs[0]):
        return p, q.inputs[0]
    return None


def _cholesky_symmetric_vjp(b: Any, node: Node, ct: Node) -> Tracer:
    """The symmetric part of the Cholesky reverse rule, for a factor of a matrix that is
    symmetric by construction (only that part reaches its inputs):
    ``sym(L^-T Phi(M) L^-1) = L^-T S L^-1 / 2`` with ``M = L^T L_bar`` and ``S = Phi(M) +
    Phi(M)^T``, ``M``'s lower triangle mirrored. The cotangent's terms are split three
    ways (each linear, so the parts add):

    * ``h / diag(L)`` on the diagonal (``log(diag(L))``'s rule) gives ``S = h I``: its
      part is ``h K^-1 / 2``, one ``cholesky_inverse`` (``potri``: a third of two solves);
    * ``-p q^T`` from a solve with ``L^T`` (``p = L^-T r``, so ``L^T p q^T = r q^T``), and
      its mirror ``-p' r^T`` with ``p' = L^-T q`` (a ``cho_solve``'s two solves), make ``S``
      ``-(r q^T + q r^T)``, whose part is ``-(p p'^T + p' p^T) / 2``: no n^3 work at all;
    * anything else goes through the general rule's two triangular solves.
    """
    y = b.p(node)
    coeff: Tracer | None = None
    solved: list[tuple[_Term, Node, Node, Node]] = []  # (term, r, q, p): M part ±r q^T
    rest: list[_Term] = []
    for t in _terms(ct, True):
        scalars = _scaled_identity(t, node)
        if scalars is not None:
            part = b.p(scalars[0])
            for x in scalars[1:]:
                part = multiply(part, b.p(x))
            part = elementwise("negative", part) if t.negated else part
            coeff = part if coeff is None else elementwise("add", coeff, part)
            continue
        pq = None if t.diagonal else _outer(t.node)
        if pq is not None:
            p, q = pq[::-1] if t.transposed else pq
            r = _solved_by_transpose(p, node)
            if r is not None:
                solved.append((t, r, q, p))
                continue
        rest.append(t)
    total: Tracer | None = None

    def add(part: Tracer) -> None:
        nonlocal total
        total = part if total is None else elementwise("add", total, part)

    left: list[Tracer] = []  # the pairs' parts, one product: sum_k left_k right_k^T
    right: list[Tracer] = []
    while solved:
        t, r, q, p = solved.pop(0)
        mirror = next(
            (
                k
                for k, (u, r2, q2, _) in enumerate(solved)
                if r2 is q and q2 is r and u.negated == t.negated
            ),
            None,
        )
        if mirror is None:
            rest.append(t)
            continue
        p2 = solved.pop(mirror)[3]
        pp, pp2 = b.p(p), b.p(p2)
        half = -0.5 if t.negated else 0.5
        left += [multiply(pp, half), multiply(pp2, half)]
        right += [pp2, pp]
    if left:  # p p'^T + p' p^T for every pair, as one product of the columns side by side
        wide = concatenate(left, axis=-1) if len(left) > 1 else left[0]
        add(matmul(wide, _mT(concatenate(right, axis=-1) if len(right) > 1 else right[0])))
    if coeff is not None:
        add(multiply(cholesky_inverse(y), multiply(coeff, 0.5)))
    if rest:
        m = multiply(_lower_product(b, y, rest), _phi(y))
        add(multiply(_sandwich(y, elementwise("add", m, _mT(m)), transposed=True), 0.5))
    assert total is not None
    return total


# ---------------------------------------------------------------- reverse rules


# Complex matrices: each reverse rule is the transpose, for the real pairing
# Re sum(a * b), of JAX's forward rule (plain transposes, conjugates only where JAX's
# forward rule has conjugate transposes), so ``inv``, ``solve`` and ``det`` (holomorphic)
# keep their real form and the factorisations gain the conjugates written below.


def _inverse_coupling(w: Tracer) -> Tracer:
    """``F_ij = 1 / (w_j - w_i)`` off the diagonal (zero where two values are equal)."""
    n = w.shape[-1]
    diff = elementwise("subtract", reshape(w, w.shape[:-1] + (1, n)), reshape(w, w.shape + (1,)))
    off = ~np.eye(n, dtype=bool)
    ok = elementwise("logical_and", off, elementwise("not_equal", diff, 0))
    return where(ok, elementwise("true_divide", 1, where(ok, diff, 1)), 0)


def _imaginary_diagonal(x: Tracer) -> Tracer:
    """``i Im(x_ii)`` on the diagonal, zero elsewhere (zero for real ``x``)."""
    n = x.shape[-1]
    return multiply(elementwise("subtract", x, elementwise("real", x)), _eye(n, x.dtype))


@linalg_p.def_vjp
def _vjp(b: Any, node: Node, ct: Node, active: Sequence[bool]) -> list[Node | None]:
    q: LinalgParams = node.params
    fn = q.fn
    g = b.p(ct)
    y = b.p(node)
    if fn == "inv":
        yt = _mT(y)
        return [elementwise("negative", matmul(matmul(yt, g), yt)).node]
    if fn == "cholesky_inverse":
        # X = (L L^T)^-1, dX = -X (dL L^T + L dL^T) X with dL on L's lower triangle:
        # L_bar = -tril((W + W^T) L), W = X X_bar X
        factor = where(_triangle(y.shape[-1], True), b.p(node.inputs[0]), 0)
        w = matmul(matmul(y, g), y)
        both = matmul(elementwise("add", w, _mT(w)), factor)
        return [elementwise("negative", where(_triangle(y.shape[-1], True), both, 0)).node]
    if fn == "solve":
        a = b.p(node.inputs[0])
        gb = _node("solve", [_mT(a), g])
        ga = elementwise("negative", matmul(gb, _mT(y)))
        return [ga.node, gb.node]
    if fn == "det":
        a = b.p(node.inputs[0])
        scale = reshape(multiply(g, y), g.shape + (1, 1))
        return [multiply(scale, _mT(_node("inv", [a]))).node]
    if fn == "slogdet":
        # forward: t = tr(A^-1 dA), d logabsdet = Re t, d sign = i Im(t) sign; so the
        # cotangent of t is Re g_log + i Im(g_sign sign), times A^-T
        a = b.p(node.inputs[0])
        g_sign, g_log = _unpack(g, [(), ()])
        if g.dtype.kind == "c":
            sign, _ = _unpack(y, [(), ()])
            turn = elementwise("imag", multiply(g_sign, sign))
            g_log = elementwise("add", elementwise("real", g_log), multiply(turn, 1j))
        scale = reshape(g_log, g_log.shape + (1, 1))
        return [multiply(scale, _mT(_node("inv", [a]))).node]
    if fn == "cholesky":
        # L = chol(A): A_bar = L^-T Phi(L^T L_bar) conj(L)^-1, the transpose of the forward
        # rule (JAX's primitive, which reads A whole; jnp.linalg.cholesky's symmetrization
        # symmetrizes it). Two triangular solves, never an inverse.
        if y.dtype.kind == "f" and _symmetric(node.inputs[0]):
            return [_cholesky_symmetric_vjp(b, node, ct).node]
        p = multiply(_lower_product(b, y, _terms(ct, True)), _phi(y))
        return [_sandwich(y, p, transposed=True).node]
    if fn == "eigh":
        n = node.inputs[0].shape[-1]
        w, v = _unpack(y, [(n,), (n, n)])
        gw, gv = _unpack(g, [(n,), (n, n)])
        if w.dtype.kind == "c":  # packed with the vectors; the values are real
            w, gw = elementwise("real", w), elementwise("real", gw)
        # forward (JAX): M = V^H dA V, dw = Re diag(M), dV = V (F o M); transposed:
        # A_bar = conj(V) (diag(gw) + F o (V^T gV)) V^T
        f = _inverse_coupling(w)
        inner = elementwise("add", _diag_embed(gw), multiply(f, matmul(_mT(v), gv)))
        return [matmul(matmul(_conj(v), inner), _mT(v)).node]
    if fn == "svdvals":
        a = b.p(node.inputs[0])
        u, _, vh = _packed("svd", a, (("full_matrices", False),))
        if g.dtype.kind == "c":
            g = elementwise("real", g)
        scaled = multiply(_conj(u), reshape(g, g.shape[:-1] + (1, g.shape[-1])))
        return [matmul(scaled, _conj(vh)).node]
    if fn == "svd":
        m, n = node.inputs[0].shape[-2:]
        k = min(m, n)
        full = dict(q.keywords).get("full_matrices", True)
        if full and m != n:
            raise GradError(
                "axcomp.grad: svd with full_matrices=True is not differentiable for "
                f"non-square matrices (shape {(m, n)}), as in JAX; pass full_matrices=False"
            )
        u, s, vh = _unpack(y, [(m, k), (k,), (k, n)])
        gu, gs, gvh = _unpack(g, [(m, k), (k,), (k, n)])
        if s.dtype.kind == "c":  # packed with the vectors; the values are real
            s, gs = elementwise("real", s), elementwise("real", gs)
        return [_svd_vjp(u, s, vh, gu, gs, gvh).node]
    if fn == "qr":
        m, n = node.inputs[0].shape[-2:]
        if m < n:
            raise GradError(
                "axcomp.grad: qr is not differentiable for wide matrices (shape "
                f"{(m, n)}, m < n), as in JAX"
            )
        qm, r = _unpack(y, [(m, n), (n, n)])
        gq, gr = _unpack(g, [(m, n), (n, n)])
        # x_bar = (Q_bar + conj(Q) N) R^-T, M = Q^T Q_bar - R_bar R^T,
        # N = tril(M - M^H, -1) - M + i Im diag(M) (the last term zero for real matrices)
        mm = elementwise("subtract", matmul(_mT(qm), gq), matmul(gr, _mT(r)))
        low = np.tril(np.ones((n, n), bool), -1)
        skew = elementwise("subtract", mm, _conj(_mT(mm)))
        nn = elementwise("subtract", where(low, skew, 0), mm)
        if mm.dtype.kind == "c":
            nn = elementwise("add", nn, _imaginary_diagonal(mm))
            qm = _conj(qm)
        # (...) R^-T as a solve with R: X R^T = C  <=>  R X^T = C^T
        return [_mT(_substitute(r, _mT(elementwise("add", gq, matmul(qm, nn))), False)).node]
    raise GradError(f"axcomp.grad: linalg.{fn} is not differentiable here")


@linalg_p.def_jvp
def _jvp(b: Any, node: Node, tangents: Sequence[Node | None]) -> Node | None:
    q: LinalgParams = node.params
    fn = q.fn
    y = b.p(node)
    ta = b.p(tangents[0]) if tangents[0] is not None else None
    if fn == "inv":
        assert ta is not None
        return elementwise("negative", matmul(matmul(y, ta), y)).node  # d(A^-1) = -Y dA Y
    if fn == "cholesky_inverse":
        assert ta is not None
        mask = _triangle(y.shape[-1], True)
        factor, dfactor = where(mask, b.p(node.inputs[0]), 0), where(mask, ta, 0)
        dk = matmul(dfactor, _mT(factor))
        dk = elementwise("add", dk, _mT(dk))
        return elementwise("negative", matmul(matmul(y, dk), y)).node
    if fn == "solve":
        # A X = B: A dX = dB - dA X
        a = b.p(node.inputs[0])
        db = b.p(tangents[1]) if tangents[1] is not None else None
        if ta is None:
            rhs = db
        else:
            da_x = matmul(ta, y)
            rhs = elementwise("negative", da_x) if db is None else elementwise("subtract", db, da_x)
        assert rhs is not None
        return _node("solve", [a, rhs]).node
    if fn in ("det", "slogdet"):
        # d log det A = tr(A^-1 dA); a real sign is piecewise constant
        assert ta is not None
        a = b.p(node.inputs[0])
        dlog = reduce_sum(multiply(_mT(_node("inv", [a])), ta), axis=(-2, -1))
        if fn == "det":
            return multiply(y, dlog).node
        # packed [sign, logabsdet]: the tangent is [0, dlog], or for complex matrices
        # (JAX) [i Im(dlog) sign, Re(dlog)]
        col = (*dlog.shape, 1)
        unit = np.array([0.0, 1.0], dtype=y.dtype)
        if y.dtype.kind != "c":
            return multiply(reshape(dlog, col), unit).node
        sign, _ = _unpack(y, [(), ()])
        real = elementwise("real", dlog)
        turn = multiply(elementwise("subtract", dlog, real), sign)
        first = multiply(reshape(turn, col), np.array([1.0, 0.0], dtype=y.dtype))
        return elementwise("add", first, multiply(reshape(real, col), unit)).node
    if fn == "cholesky":
        # L = chol(A): dL = L Phi(L^-1 dA L^-T), Phi the lower triangle with half its diagonal
        assert ta is not None
        return matmul(y, multiply(_sandwich(y, ta, transposed=False), _phi(y))).node
    if fn in ("eigh", "svd", "svdvals", "qr"):
        # packed factorisations: a closed forward form per result would be long, so the
        # tangent is the transpose of this node's own reverse rule (exact, linear in ct)
        tangent: Node | None = b.transpose_vjp(node, tangents)
        return tangent
    raise GradError(f"axcomp.jvp: linalg.{fn} is not differentiable here")


def _svd_vjp(u: Tracer, s: Tracer, vh: Tracer, gu: Tracer, gs: Tracer, gvh: Tracer) -> Tracer:
    """Reverse rule of the reduced SVD (Townsend, "Differentiating the SVD"): for complex
    matrices the transpose of JAX's forward rule, whose ``i Im diag(U^H dA V) / s`` term
    (the phase the SVD leaves free) the real rule does not have."""
    m, k = u.shape[-2:]
    n = vh.shape[-1]
    # V^T = conj(Vh) and the cotangent of V is gVh^H, so V^T gV = conj(Vh gVh^T)
    vt, uc = _conj(vh), _conj(u)
    f = _inverse_coupling(multiply(s, s))
    utgu = matmul(_mT(u), gu)
    vtgv = _conj(matmul(vh, _mT(gvh)))
    j = multiply(f, elementwise("subtract", utgu, _conj(_mT(utgu))))
    kk = multiply(f, elementwise("subtract", vtgv, _conj(_mT(vtgv))))
    srow = reshape(s, s.shape[:-1] + (1, k))  # scales columns
    scol = reshape(s, s.shape + (1,))  # scales rows
    core = elementwise("add", _diag_embed(gs), multiply(j, srow))
    core = elementwise("add", core, multiply(scol, kk))
    safe = where(elementwise("not_equal", s, 0), s, 1)
    sinv = where(elementwise("not_equal", s, 0), elementwise("true_divide", 1, safe), 0)
    sinv_row = reshape(sinv, sinv.shape[:-1] + (1, k))
    if u.dtype.kind == "c":
        core = elementwise("add", core, multiply(_imaginary_diagonal(utgu), sinv_row))
    out = matmul(matmul(uc, core), vt)
    if m > k:
        proj = elementwise("subtract", _eye(m, u.dtype), matmul(uc, _mT(u)))
        out = elementwise("add", out, matmul(matmul(proj, multiply(gu, sinv_row)), vt))
    if n > k:
        proj = elementwise("subtract", _eye(n, vh.dtype), matmul(_mT(vh), vt))
        scaled = multiply(reshape(sinv, sinv.shape + (1,)), gvh)
        out = elementwise("add", out, matmul(uc, matmul(scaled, proj)))
    return out


# ---------------------------------------------------------------- numpy.linalg


def cholesky(a: Value) -> Tracer:
    """Lower Cholesky factor of the symmetrized ``(a + a^H) / 2`` (as ``jnp.linalg.cholesky``)."""
    t = _prep(a, "cholesky")
    return _node("cholesky", [_sym(t)])


def inv(a: Value) -> Tracer:
    """Inverse of each square matrix of ``a`` (stacked over leading axes)."""
    return _node("inv", [_prep(a, "inv")])


def det(a: Value) -> Tracer:
    """Determinant of each square matrix of ``a``."""
    return _node("det", [_prep(a, "det")])


def slogdet(a: Value) -> tuple[Tracer, Tracer]:
    """``(sign, logabsdet)`` of each square matrix of ``a``."""
    t = _prep(a, "slogdet")
    sign, logdet = _packed("slogdet", t)
    if logdet.dtype.kind == "c":  # packed with the complex sign; the log is real
        logdet = elementwise("real", logdet)
    return sign, logdet


def solve(a: Value, b: Value) -> Tracer:
    """Solve ``a @ x = b``; ``b`` is a vector only when 1-d (NumPy 2 and JAX)."""
    trace = trace_of((a, b))
    ta = _prep(a, "solve")
    tb = _float(lift(b, trace), "solve")
    n = ta.shape[-1]
    vector = tb.ndim == 1
    if vector:
        if tb.shape[0] != n:
            raise IncompatibleShapesError(
                f"solve: b has shape {tb.shape}, incompatible with a of shape {ta.shape}"
            )
        tb = reshape(tb, (n, 1))
    elif tb.ndim < 2 or tb.shape[-2] != n:
        raise IncompatibleShapesError(
            f"solve: b has shape {tb.shape}, incompatible with a of shape {ta.shape}"
        )
    dtype = np.result_type(ta.dtype, tb.dtype)
    ta, tb = astype(ta, dtype), astype(tb, dtype)
    batch = broadcast_shapes(ta.shape[:-2], tb.shape[:-2])
    ta = broadcast_to(ta, batch + ta.shape[-2:])
    tb = broadcast_to(tb, batch + tb.shape[-2:])
    x = _node("solve", [ta, tb])
    return reshape(x, x.shape[:-1]) if vector else x


def eigh(a: Value, UPLO: str | None = None, symmetrize_input: bool = True) -> tuple[Tracer, Tracer]:
    """``(eigenvalues, eigenvectors)`` of each symmetric matrix, ascending. As
    ``jnp.linalg.eigh``, the input is symmetrized first (so ``UPLO`` does not matter)."""
    if UPLO not in (None, "L", "U"):
        raise ShapeError(f"eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
    t = _prep(a, "eigh")
    if symmetrize_input:
        t = _sym(t)
    w, v = _packed("eigh", t)
    if w.dtype.kind == "c":  # packed with the complex vectors; the values are real
        w = elementwise("real", w)
    return w, v


def svd(
    a: Value, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False
) -> Any:
    """``(U, S, Vh)`` of each matrix (``S`` alone with ``compute_uv=False``)."""
    t = _prep(a, "svd", square=False)
    if hermitian:
        raise UnsupportedError("svd: hermitian=True is not supported inside traces")
    if not compute_uv:
        return _node("svdvals", [t])
    u, s, vh = _packed("svd", t, (("full_matrices", bool(full_matrices)),))
    if s.dtype.kind == "c":  # packed with the complex vectors; the values are real
        s = elementwise("real", s)
    return u, s, vh


def qr(a: Value, mode: str = "reduced") -> tuple[Tracer, Tracer]:
    """``(Q, R)`` of each matrix, ``mode='reduced'`` only."""
    if mode != "reduced":
        raise UnsupportedError(f"qr: only mode='reduced' is supported inside traces, got {mode!r}")
    t = _prep(a, "qr", square=False)
    q, r = _packed("qr", t)
    return q, r


def _abs(x: Tracer) -> Tracer:
    return elementwise("absolute", x)


def _vector_norm(x: Tracer, ord: Any, axis: tuple[int, ...], keepdims: bool) -> Tracer:
    ax = axis
    if ord is None or ord == 2:
        sq = _abs(x) if x.dtype.kind == "c" else x
        return elementwise("sqrt", reduce_sum(multiply(sq, sq), axis=ax, keepdims=keepdims))
    if ord == np.inf:
        return reduce("max", _abs(x), axis=ax, keepdims=keepdims)
    if ord == -np.inf:
        return reduce("min", _abs(x), axis=ax, keepdims=keepdims)
    if ord == 0:
        nz = astype(elementwise("not_equal", x, 0), _abs(x).dtype)
        return reduce_sum(nz, axis=ax, keepdims=keepdims)
    if ord == 1:
        return reduce_sum(_abs(x), axis=ax, keepdims=keepdims)
    if isinstance(ord, str):
        raise ShapeError(f"norm: invalid norm order {ord!r} for vectors")
    p = float(ord)
    total = reduce_sum(elementwise("power", _abs(x), p), axis=ax, keepdims=keepdims)
    return elementwise("power", total, 1.0 / p)


def _matrix_norm(x: Tracer, ord: Any, axis: tuple[int, int], keepdims: bool) -> Tracer:
    r, c = axis
    if ord is None or ord == "fro":
        sq = _abs(x) if x.dtype.kind == "c" else x
        out = elementwise("sqrt", reduce_sum(multiply(sq, sq), axis=axis))
    elif ord in (1, -1, np.inf, -np.inf):
        which = "max" if ord in (1, np.inf) else "min"
        summed, other = (r, c) if ord in (1, -1) else (c, r)
        s = reduce_sum(_abs(x), axis=summed, keepdims=True)
        out = reduce(which, s, axis=other, keepdims=True)
        out = reshape(out, tuple(n for i, n in enumerate(x.shape) if i not in axis))
    elif ord in (2, -2, "nuc"):
        moved = _move_last2(x, r, c)
        s = _node("svdvals", [_float(moved, "norm")])
        if ord == "nuc":
            out = reduce_sum(s, axis=-1)
        else:
            out = reduce("max" if ord == 2 else "min", s, axis=-1)
    else:
        raise ShapeError(f"norm: invalid norm order {ord!r} for matrices")
    if keepdims:
        shape = tuple(1 if i in axis else n for i, n in enumerate(x.shape))
        out = reshape(out, shape)
    return out


def _move_last2(x: Tracer, r: int, c: int) -> Tracer:
    from .contraction import permute

    rest = [i for i in range(x.ndim) if i not in (r, c)]
    perm = rest + [r, c]
    return x if perm == list(range(x.ndim)) else permute(x, perm)


def norm(x: Value, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Tracer:
    """Vector or matrix norm, as ``numpy.linalg.norm`` (orders None/1/2/inf/-inf/0/p for
    vectors, fro/nuc/1/-1/2/-2/inf/-inf for matrices)."""
    t = lift(x, trace_of((x,)))
    if t.dtype.kind in "biu":
        t = astype(t, np.float64)
    nd = t.ndim
    if axis is None:
        if ord is None:
            flat = reshape(t, (-1,))
            out = _vector_norm(flat, None, (0,), False)
            return reshape(out, (1,) * nd) if keepdims else out
        if nd == 1:
            axes: tuple[int, ...] = (0,)
        elif nd == 2:
            axes = (0, 1)
        else:
            raise ShapeError(f"norm: improper number of dimensions to norm ({nd})")
    else:
        raw = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
        axes = tuple(operator.index(a) for a in raw)
        for a in axes:
            if not -nd <= a < nd:
                raise ShapeError(f"norm: axis {a} is out of bounds for array of dimension {nd}")
        axes = tuple(a % nd for a in axes)
        if len(set(axes)) != len(axes):
            raise ShapeError(f"norm: duplicate axes given: {axis}")
    if len(axes) == 1:
        return _vector_norm(t, ord, axes, keepdims)
    if len(axes) == 2:
        return _matrix_norm(t, ord, (axes[0], axes[1]), keepdims)
    raise ShapeError(f"norm: improper number of dimensions to norm (axis={axis})")


def pinv(a: Value, rcond: Any = None, hermitian: bool = False, *, rtol: Any = None) -> Tracer:
    """Moore-Penrose pseudo-inverse from the reduced SVD; singular values at or below
    ``rtol * max(s)`` count as zero (NumPy's default ``rtol = max(m, n) * eps``)."""
    t = _prep(a, "pinv", square=False)
    m, n = t.shape[-2:]
    cut = rtol if rtol is not None else rcond
    if cut is None:
        cut = max(m, n) * float(np.finfo(t.dtype).eps)
    u, s, vh = _packed("svd", t, (("full_matrices", False),))
    k = s.shape[-1]
    if k == 0:
        return _mT(multiply(t, 0.0))
    big = reduce("max", s, axis=-1, keepdims=True)
    keep = elementwise("greater", s, multiply(big, cut))
    sinv = where(keep, elementwise("true_divide", 1, where(keep, s, 1)), 0)
    uh, v = _mT(u), _mT(vh)
    if t.dtype.kind == "c":  # V S^-1 U^H: conjugate transposes
        uh, v = elementwise("conjugate", uh), elementwise("conjugate", v)
    scaled = multiply(uh, reshape(sinv, sinv.shape + (1,)))
    return matmul(v, scaled)


def lstsq(a: Value, b: Value, rcond: Any = None) -> tuple[Tracer, Tracer, Tracer, Tracer]:
    """``(x, residuals, rank, s)`` as ``jnp.linalg.lstsq``: residuals are always returned
    (the squared norm of ``b - a @ x`` per column)."""
    trace = trace_of((a, b))
    ta = _prep(a, "lstsq", square=False)
    tb = _float(lift(b, trace), "lstsq")
    if ta.ndim != 2:
        raise ShapeError(f"lstsq: {ta.ndim}-dimensional array given; a must be two-dimensional")
    if tb.ndim not in (1, 2):
        raise ShapeError(f"lstsq: {tb.ndim}-dimensional array given; b must be 1- or 2-d")
    if ta.shape[0] != tb.shape[0]:
        raise IncompatibleShapesError(
            f"lstsq: leading dimensions of a {ta.shape} and b {tb.shape} must match"
        )
    dtype = np.result_type(ta.dtype, tb.dtype)
    ta, tb = astype(ta, dtype), astype(tb, dtype)
    vector = tb.ndim == 1
    if vector:
        tb = reshape(tb, (tb.shape[0], 1))
    m, n = ta.shape
    eps = float(np.finfo(dtype).eps)
    cut = eps * max(m, n) if rcond is None else (eps if rcond < 0 else float(rcond))
    u, s, vh = _packed("svd", ta, (("full_matrices", False),))
    first = getitem(s, (slice(0, 1),))
    mask = elementwise(
        "logical_and",
        elementwise("greater", s, 0),
        elementwise("greater_equal", s, multiply(first, cut)),
    )
    rank = reduce_sum(astype(mask, np.int64))
    sinv = where(mask, elementwise("true_divide", 1, where(mask, s, 1)), 0)
    utb = matmul(_mT(u), tb)
    x = matmul(_mT(vh), multiply(reshape(sinv, (sinv.shape[0], 1)), utb))
    r = elementwise("subtract", tb, matmul(ta, x))
    resid = reduce_sum(multiply(r, r), axis=0)
    if vector:
        x = reshape(x, (n,))  # residuals stay (1,), as in JAX and NumPy
    return x, resid, rank, s


def matrix_power(a: Value, n: int) -> Tracer:
    """``a`` to the integer power ``n`` by repeated squaring (``inv`` first for n < 0)."""
    if isinstance(n, Tracer):
        raise ArgumentTypeError("matrix_power: n must be a static int, not a traced value")
    try:
        n = operator.index(n)
    except TypeError:
        raise ArgumentTypeError(f"matrix_power: exponent must be an integer, got {n!r}") from None
    t = lift(a, trace_of((a,)))
    _square(t, "matrix_power")
    if n == 0:
        eye = _eye(t.shape[-1], t.dtype)
        return broadcast_to(eye, t.shape)
    if n < 0:
        t = inv(t)
        n = -n
    result: Tracer | None = None
    base = t
    while n:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    assert result is not None
    return result


#: matrices above this size are solved by blocks (below it one LAPACK solve is cheapest)
TRIANGULAR_BLOCK = 128


def _blocked(tri: Tracer, b: Tracer, lower: bool) -> Tracer:
    """``tri^-1 b`` by recursive halving: the two diagonal halves solved alone and the
    block below (or above) them applied as one product, so all but the small diagonal
    solves at the leaves are large matrix products (NumPy has no triangular solver)."""
    n = tri.shape[-1]
    if n <= TRIANGULAR_BLOCK:
        if b.shape[-1] < n:  # LAPACK's trtrs when SciPy is there (O(n^2) per column)
            return _node("solve_triangular", [tri, b], (("lower", lower),))
        # many right-hand sides: NumPy's solve runs near a tenth of the speed of a matrix
        # product here, so the small block is inverted once (as GPU triangular solvers do
        # with their diagonal blocks) and applied as a product
        return matmul(_node("inv", [tri]), b)
    h = n // 2
    top, rest = slice(0, h), slice(h, n)

    def part(r: slice, c: slice) -> Tracer:
        return getitem(tri, (Ellipsis, r, c))

    def rows(x: Tracer, r: slice) -> Tracer:
        return getitem(x, (Ellipsis, r, slice(None)))

    if lower:
        first = _blocked(part(top, top), rows(b, top), True)
        rhs = elementwise("subtract", rows(b, rest), matmul(part(rest, top), first))
        return concatenate([first, _blocked(part(rest, rest), rhs, True)], axis=-2)
    last = _blocked(part(rest, rest), rows(b, rest), False)
    rhs = elementwise("subtract", rows(b, top), matmul(part(top, rest), last))
    return concatenate([_blocked(part(top, top), rhs, False), last], axis=-2)


def _triangle(n: int, lower: bool) -> np.ndarray:
    return np.tril(np.ones((n, n), bool)) if lower else np.triu(np.ones((n, n), bool))


def _substitute(tri: Tracer, b: Tracer, lower: bool) -> Tracer:
    """``tri^-1 b`` for a triangular ``tri`` (lower or upper; the other triangle is
    zero), with the same stack axes as ``b``. O(n^2) per right-hand side, no inverse.

    The value is ``_blocked``'s; the derivative is the solve's own closed form (so neither
    sweep differentiates the blocks): ``dx = tri^-1 (db - dtri x)``, and in reverse
    ``b_bar = tri^-T x_bar``, ``tri_bar = -b_bar x^T`` on ``tri``'s triangle."""
    trace = trace_of((tri, b))
    levels = union_levels([tri, b])
    tri, b = broadcast_levels(tri, levels), broadcast_levels(b, levels)
    stack = broadcast_shapes(tri.shape[:-2], b.shape[:-2])  # the rule needs equal stacks
    tri = broadcast_to(tri, stack + tri.shape[-2:])
    b = broadcast_to(b, stack + b.shape[-2:])
    value = _blocked(stop_gradient(tri), stop_gradient(b), lower)
    mask = _triangle(tri.shape[-1], lower)

    def rule(bld: Any, node: Node, ct: Node, active: Sequence[bool]) -> list[Node | None]:
        t, x = bld.p(node.inputs[1]), bld.p(node)
        gb = _substitute(_mT(t), bld.p(ct), not lower)
        gt = None
        if active[1]:
            gt = elementwise("negative", where(mask, matmul(gb, _mT(x)), 0)).node
        return [None, gt, gb.node if active[2] else None]

    def tangent(bld: Any, node: Node, tangents: Sequence[Node | None]) -> Node | None:
        t, x = bld.p(node.inputs[1]), bld.p(node)
        dt, db = tangents[1], tangents[2]
        rhs = None if db is None else bld.p(db)
        if dt is not None:
            dtx = matmul(where(mask, bld.p(dt), 0), x)
            rhs = elementwise("negative", dtx) if rhs is None else elementwise("subtract", rhs, dtx)
        return None if rhs is None else _substitute(t, rhs, lower).node

    params = CustomRuleParams(rule, "triangular_solve", tangent)
    node = Node(
        custom_rule_p,
        (value.node, tri.node, b.node),
        params,
        value.node.shape,
        value.dtype,
        value.node.axes,
    )
    return Tracer(node, levels, trace)


def tridiagonal_matrix(tl: Tracer, td: Tracer, tu: Tracer) -> Tracer:
    """The matrices with diagonals ``tl`` (below; entry 0 unused), ``td`` and ``tu``
    (above; the last entry unused), each ``(..., m)``."""
    m = td.shape[-1]
    i = np.arange(m)
    below = i[:, None] == i[None, :] + 1  # [r, c]: r = c + 1, entry dl[r]
    above = i[:, None] + 1 == i[None, :]  # r = c - 1, entry du[r]
    on = np.eye(m, dtype=bool)
    col = (1,)
    mat = where(on, reshape(td, td.shape + col), 0)
    mat = where(below, reshape(tl, tl.shape + col), mat)
    return where(above, reshape(tu, tu.shape + col), mat)


@linalg_p.def_axes
def _linalg_axes(node: Node) -> Relations:
    # each matrix of the stack is factored alone: the stack axes (all but each operand's
    # last two, right-aligned as broadcasting aligns them) are carried, the matrix axes mixed
    q: LinalgParams = node.params
    lead = max(i.ndim for i in node.inputs) - 2
    if q.pack >= 0 and q.pack != lead:
        return tuple((MIXED,) * i.ndim for i in node.inputs)  # packing merged stack axes
    return tuple(
        tuple(Carried(k + lead - (i.ndim - 2)) if k < i.ndim - 2 else MIXED for k in range(i.ndim))
        for i in node.inputs
    )
