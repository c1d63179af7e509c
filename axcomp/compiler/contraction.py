"""Plan one multi-operand einsum contraction as BLAS-friendly plan statements.

The compiler fuses a multilinear region into a single einsum; this module turns that einsum
into plan statements built from array operations (``matmul``, broadcasting ``multiply``,
``sum``, ``transpose``, ``reshape``). opt_einsum picks the pairwise contraction order; the
planner then picks, for every step, the ``matmul`` layout with the biggest per-call GEMM so
the work lands in BLAS instead of ``np.einsum``'s C loops.

It builds plan data only and never touches arrays. The statements rely on every array
having exactly the shape given by ``sizes`` (plans are shape-specialised).
"""

from __future__ import annotations

import functools
import keyword
import math
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import opt_einsum as oe

from ..core.plan import Assign, Call, Contraction, Expr, Lit, Ref, Statement, call
from ..errors import ShapeError, UnsupportedError
from .gemm_orientation import transposed_is_faster

__all__ = ["ContractionCode", "lower_contraction"]

# np.einsum only understands the 52 ASCII letters; opt_einsum.get_symbol(i) yields exactly
# those for i < 52, so capping the label count keeps `equation` runnable by np.einsum.
_MAX_LABELS = 52

# A "tiny" GEMM: below this many multiply-adds per BLAS call, per-call overhead dominates and
# one big tensordot-layout GEMM followed by a transposing view wins (see _Lowerer.matmul).
_TINY_GEMM = 1 << 14
# ...but only switch when the tensordot GEMM is this many times bigger than the exact one.
_TD_GAIN = 8


@dataclass(frozen=True)
class ContractionCode:
    """Generated code for one contraction plus the planning facts behind it."""

    statements: tuple[Statement, ...]  # each assigns a fresh variable
    result: Expr  # the result, axes in `out` order
    facts: Contraction  # equation, path, flops, largest intermediate


@dataclass(frozen=True)
class _Term:
    """An array available in the plan: its expression and its (unique) axis letters."""

    expr: Expr
    labels: tuple[str, ...]


@dataclass(frozen=True)
class _MatmulPlan:
    """One way to phrase a pairwise contraction as ``matmul(L(P,I,K), R(P,K,J))``."""

    left: _Term
    right: _Term
    p: tuple[str, ...]
    i: tuple[str, ...]
    j: tuple[str, ...]
    k: tuple[str, ...]
    gemm: int  # multiply-adds per BLAS call: |I|*|J|*|K|
    ops: int  # transposes/reshapes emitted (fewer is better at equal gemm)


# Marks an original zero-label operand while replaying the path: scalars are not contracted
# pairwise but folded, as one multiplication, into the smallest array (see _Lowerer.record).
_SCALAR = _Term(Ref("_scalar"), ())


def _check_identifier(name: str, what: str) -> str:
    # Generated code may only contain names we were given or created; refuse anything that
    # could smuggle other source text in.
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(f"{what} {name!r} is not a valid Python identifier")
    return name


def _left_to_right_path(n: int) -> list[tuple[int, int]]:
    # opt_einsum appends each intermediate at the end of the list, so (0, last) chains it
    # with the next original operand: ((o0 o1) o2) o3 ...
    path = [(0, 1)]
    remaining = n - 1
    while remaining > 1:
        path.append((0, remaining - 1))
        remaining -= 1
    return path


class _Lowerer:
    """Replays a contraction path, emitting (or, when dry, only simulating) code."""

    def __init__(
        self,
        sizes: Mapping[str, int],
        fresh: Callable[[], str],
        operand_names: Sequence[str],
        out: tuple[str, ...],
        fold_at: int | None,
        scalars: Sequence[str],
        promoted: Callable[[], Expr] | None = None,
        literals: Mapping[str, bool | int | float] | None = None,
        dtype: np.dtype | None = None,
        orient: Callable[[], bool] | None = None,
    ) -> None:
        self.sizes = sizes
        self.dtype = dtype  # the products' dtype, when known: it picks a GEMM's orientation
        self.orient = orient  # asked before a GEMM turns (None: it may)
        self._promoted = promoted
        self._literals = dict(literals or {})
        self._fresh = fresh
        self.operand_names = tuple(operand_names)
        self.out = out  # required result order; also steers intermediate layouts
        self.lines: list[Statement] = []
        self.created: list[int] = []  # element count of every array "created", in order
        self.fold_at = fold_at
        self.scalars = tuple(scalars)
        self._dtype_var: Ref | None = None

    # -- small helpers ---------------------------------------------------------------------

    def fresh(self) -> str:
        return _check_identifier(self._fresh(), "fresh() returned")

    def emit(self, expr: Expr) -> Ref:
        name = self.fresh()
        self.lines.append(Assign(name, expr))
        return Ref(name)

    def size(self, labels: Sequence[str]) -> int:
        return math.prod(self.sizes[lab] for lab in labels)

    def dtype_src(self) -> Expr:
        # Sums must accumulate in einsum's dtype: the promoted type of *all* operands, and no
        # upcast of bool/small ints (ndarray.sum would turn bool 'or' into an int count).
        if len(self.operand_names) == 1:
            return call("dtype_of", Ref(self.operand_names[0]))
        if self._promoted is not None:  # known when the program is compiled
            return self._promoted()
        if self._dtype_var is None:
            args = [Ref(n) for n in self.operand_names]
            self._dtype_var = self.emit(call("result_type", *args))
        return self._dtype_var

    def scalar_product(self) -> Expr:
        # 0-d * 0-d is cheap; multiply the scalars first so the array is touched once.
        if len(self.scalars) == 1:
            return self._scalar(self.scalars[0])
        if all(s in self._literals for s in self.scalars):
            # Python multiplies the numbers alike at compile time and in the code (same
            # order, same IEEE products): write the product, where it is a finite number
            product = functools.reduce(operator.mul, (self._literals[s] for s in self.scalars))
            if not isinstance(product, float) or math.isfinite(product):
                return Lit(product)
        return call("multiply", *[self._scalar(s) for s in self.scalars])

    def _scalar(self, name: str) -> Expr:
        return Lit(self._literals[name]) if name in self._literals else Ref(name)

    def record(self, term: _Term) -> _Term:
        """Note a newly available array; fold the scalars into it if it is the chosen one."""
        self.created.append(self.size(term.labels))
        if self.fold_at is not None and len(self.created) - 1 == self.fold_at:
            return _Term(self.emit(call("multiply", term.expr, self.scalar_product())), term.labels)
        return term

    # -- single-array operations -----------------------------------------------------------

    def prepare(self, name: str, labels: Sequence[str], keep: frozenset[str]) -> _Term:
        """Take diagonals of repeated labels and sum labels nobody else needs."""
        uniq = tuple(dict.fromkeys(labels))
        if len(uniq) == len(labels):
            return self.reduce(_Term(Ref(name), tuple(labels)), keep)
        # Diagonals have no BLAS/ufunc spelling; np.einsum does them (often as a view).
        kept = tuple(lab for lab in uniq if lab in keep)
        eq = "".join(labels) + "->" + "".join(kept)
        kwargs = {"dtype": self.dtype_src()} if len(kept) < len(uniq) else None
        return _Term(self.emit(call("einsum", Ref(name), kwargs=kwargs, equation=eq)), kept)

    def reduce(self, term: _Term, keep: frozenset[str] | set[str]) -> _Term:
        drop = [n for n, lab in enumerate(term.labels) if lab not in keep]
        if not drop:
            return term
        axis = drop[0] if len(drop) == 1 else tuple(drop)
        expr = call("sum", term.expr, kwargs={"dtype": self.dtype_src()}, axis=axis)
        return _Term(self.emit(expr), tuple(lab for lab in term.labels if lab in keep))

    def arrange(
        self, term: _Term, groups: Sequence[tuple[str, ...]]
    ) -> tuple[Expr, tuple[int, ...], int]:
        """View `term` as one axis per group (labels merged, missing ones -> size 1).

        Returns (expression, shape, number of transpose/reshape calls emitted).
        """
        perm, shape, reshape = self._layout(term, groups)
        assert len(perm) == len(term.labels), (groups, term.labels)
        expr, ops = term.expr, 0
        if perm != tuple(range(len(perm))):
            expr = call("transpose", expr, perm=perm)
            ops += 1
        if reshape:
            # numpy reshape is a view whenever the merge is expressible with strides.
            expr = call("reshape", expr, shape=shape)
            ops += 1
        return expr, shape, ops

    def _layout(
        self, term: _Term, groups: Sequence[tuple[str, ...]]
    ) -> tuple[tuple[int, ...], tuple[int, ...], bool]:
        """What ``arrange`` does, without building it: (transpose, grouped shape, whether a
        reshape is needed). The layout search calls it for every candidate plan."""
        labels = term.labels
        order = [lab for g in groups for lab in g if lab in labels]
        perm = tuple(labels.index(lab) for lab in order)
        shape = tuple(self.size([lab for lab in g if lab in labels]) for g in groups)
        return perm, shape, shape != tuple(self.sizes[lab] for lab in order)

    def _arrange_ops(self, term: _Term, groups: Sequence[tuple[str, ...]]) -> int:
        perm, _, reshape = self._layout(term, groups)
        return int(perm != tuple(range(len(perm)))) + int(reshape)

    def to_order(self, term: _Term, out: tuple[str, ...]) -> _Term:
        if term.labels == out:
            return term
        perm = tuple(term.labels.index(lab) for lab in out)
        # A transposing view: free, and the consumer decides whether it needs a copy.
        return _Term(self.emit(call("transpose", term.expr, perm=perm)), out)

    # -- pairwise contraction --------------------------------------------------------------

    def pair(
        self, a: _Term, b: _Term, keep: frozenset[str], target: tuple[str, ...] | None
    ) -> _Term:
        """Contract two arrays; the result has labels (a | b) & keep.

        With `target` (the last step) the result should come out in that order; otherwise
        the layout is ours to choose.
        """
        # Pre-sum labels private to one side: summing before multiplying is never worse.
        a = self.reduce(a, keep | set(b.labels))
        b = self.reduce(b, keep | set(a.labels))
        shared = set(a.labels) & set(b.labels)
        batch = tuple(lab for lab in a.labels if lab in shared and lab in keep)
        free_a = tuple(lab for lab in a.labels if lab not in shared)
        free_b = tuple(lab for lab in b.labels if lab not in shared)
        # Contract K in the bigger operand's memory order so its transpose is cheapest.
        big = a if self.size(a.labels) >= self.size(b.labels) else b
        k = tuple(lab for lab in big.labels if lab in shared and lab not in keep)
        if target is not None:
            targets = [target]
        else:
            # Intermediate layout is free: offer tensordot orders (biggest GEMM), an
            # "output labels first, in output order" order (so the last step needs no
            # transposes) and each side's own order (no transpose now); ties -> first.
            result = batch + free_a + free_b
            rank = {lab: n for n, lab in enumerate(self.out)}
            out_major = tuple(sorted(result, key=lambda lab: rank.get(lab, len(rank))))
            targets = [
                result,
                batch + free_b + free_a,
                out_major,
                tuple(lab for lab in a.labels if lab in keep) + free_b,
                tuple(lab for lab in b.labels if lab in keep) + free_a,
            ]
            targets = list(dict.fromkeys(targets))
        if not k:
            return self.multiply(a, b, targets)
        if not free_a and not free_b and _sums_first(a, k) and _sums_first(b, k):
            # a batched dot whose operands both hold a summed label before a batch one:
            # matmul's batch-leading layout would copy both transposed (column sums of
            # x * y at 2000^2: 25.5 ms against 4.2 for the product and its sum)
            return self.reduce(self.multiply(a, b, [a.labels, b.labels]), keep)
        return self.matmul(a, b, k, targets, final=target is not None)

    def multiply(self, a: _Term, b: _Term, orders: Sequence[tuple[str, ...]]) -> _Term:
        # No contracted label: a plain broadcasting product, in the layout needing the
        # fewest transposes/reshapes.
        def views(order: tuple[str, ...]) -> tuple[int, Expr, Expr]:
            ea, ops_a = self._broadcast_view(a, order)
            eb, ops_b = self._broadcast_view(b, order)
            return ops_a + ops_b, ea, eb

        options = [(views(order), order) for order in orders]
        (_, ea, eb), order = min(options, key=lambda opt: opt[0][0])
        return _Term(self.emit(call("multiply", ea, eb)), order)

    def _broadcast_view(self, term: _Term, order: tuple[str, ...]) -> tuple[Expr, int]:
        if not term.labels:
            return term.expr, 0
        # Leading size-1 axes are implied by broadcasting, so start at the first own label.
        start = min(order.index(lab) for lab in term.labels)
        expr, _, ops = self.arrange(term, [(lab,) for lab in order[start:]])
        return expr, ops

    def _plans(
        self, left: _Term, right: _Term, k: tuple[str, ...], target: tuple[str, ...]
    ) -> list[_MatmulPlan]:
        # Every split target = P + I + J with I private to `left` and J private to `right`.
        only_l = set(left.labels) - set(right.labels)
        only_r = set(right.labels) - set(left.labels)
        plans: list[_MatmulPlan] = []
        n = len(target)
        for q in range(n, -1, -1):
            if q < n and target[q] not in only_r:
                break
            for p in range(q, -1, -1):
                if p < q and target[p] not in only_l:
                    break
                plan = self._plan(left, right, target[:p], target[p:q], target[q:], k)
                plans.append(plan)
        return plans

    def _plan(
        self,
        left: _Term,
        right: _Term,
        p: tuple[str, ...],
        i: tuple[str, ...],
        j: tuple[str, ...],
        k: tuple[str, ...],
    ) -> _MatmulPlan:
        ops = self._operand_ops(left, p, i, k, True) + self._operand_ops(right, p, j, k, False)
        out_shape = self._matmul_shape(left, right, p, i, j)
        if out_shape != tuple(self.sizes[lab] for lab in p + i + j):
            ops += 1
        gemm = self.size(i) * self.size(j) * self.size(k)
        return _MatmulPlan(left, right, p, i, j, k, gemm, ops)

    def _groups(
        self,
        term: _Term,
        p: tuple[str, ...],
        free: tuple[str, ...],
        k: tuple[str, ...],
        is_left: bool,
    ) -> list[tuple[str, ...]]:
        # Batch axes this operand lacks in front are broadcast implicitly; inner ones need 1s.
        own = [n for n, lab in enumerate(p) if lab in term.labels]
        batch = [(lab,) for lab in p[own[0] :]] if own else []
        if not batch and not free:
            return [k]  # a 1-D operand: matmul's vector form (gemv / dot)
        return batch + ([free, k] if is_left else [k, free])

    def _operand_ops(
        self,
        term: _Term,
        p: tuple[str, ...],
        free: tuple[str, ...],
        k: tuple[str, ...],
        is_left: bool,
    ) -> int:
        return self._arrange_ops(term, self._groups(term, p, free, k, is_left))

    def _matmul_shape(
        self, left: _Term, right: _Term, p: tuple[str, ...], i: tuple[str, ...], j: tuple[str, ...]
    ) -> tuple[int, ...]:
        # numpy's matmul result shape: broadcast batch, then the non-vector matrix dims.
        starts = [n for n, lab in enumerate(p) if lab in left.labels or lab in right.labels]
        batch = tuple(self.sizes[lab] for lab in p[starts[0] :]) if starts else ()
        gl = self._groups(left, p, i, (), True)
        gr = self._groups(right, p, j, (), False)
        rows = (self.size(i),) if len(gl) > 1 else ()
        cols = (self.size(j),) if len(gr) > 1 else ()
        return batch + rows + cols

    def matmul(
        self, a: _Term, b: _Term, k: tuple[str, ...], targets: list[tuple[str, ...]], final: bool
    ) -> _Term:
        plans = [
            pl for t in targets for (x, y) in ((a, b), (b, a)) for pl in self._plans(x, y, k, t)
        ]
        # Biggest per-call GEMM first (== fewest broadcast calls); then fewest view calls.
        best = max(plans, key=lambda pl: (pl.gemm, -pl.ops))
        calls = self.size(best.p)
        if final and calls > 1 and best.gemm < _TINY_GEMM:
            # Exact layout = many tiny GEMMs; one tensordot-layout GEMM + a transposing view
            # (emitted by the caller's to_order) usually wins.
            shared = set(a.labels) & set(b.labels)
            batch = tuple(lab for lab in targets[0] if lab in shared)
            td = [
                self._plan(
                    x,
                    y,
                    batch,
                    tuple(lab for lab in x.labels if lab not in shared),
                    tuple(lab for lab in y.labels if lab not in shared),
                    k,
                )
                for (x, y) in ((a, b), (b, a))
            ]
            td_best = max(td, key=lambda pl: (pl.gemm, -pl.ops))
            if td_best.gemm >= _TD_GAIN * best.gemm:
                best = td_best
        return self._emit_matmul(best)

    def _emit_matmul(self, pl: _MatmulPlan) -> _Term:
        el = self.arrange(pl.left, self._groups(pl.left, pl.p, pl.i, pl.k, True))[0]
        er = self.arrange(pl.right, self._groups(pl.right, pl.p, pl.j, pl.k, False))[0]
        labels = pl.p + pl.i + pl.j
        want = tuple(self.sizes[lab] for lab in labels)
        shape = self._matmul_shape(pl.left, pl.right, pl.p, pl.i, pl.j)
        expr: Expr = call("matmul", el, er)
        if self._transposes(pl, el, shape):
            # (Bᵀ @ Aᵀ)ᵀ: the same products in the orientation BLAS runs faster; the
            # result is a transposing view (column-major), as to_order's results may be
            expr = call("transpose", call("matmul", _t(er), _t(el)), perm=(1, 0))
        if shape != want:
            expr = call("reshape", expr, shape=want)  # split merged I/J dims back out
        return _Term(self.emit(expr), labels)

    def _transposes(self, pl: _MatmulPlan, el: Expr, shape: tuple[int, ...]) -> bool:
        """Whether a 2-D GEMM (no batch, no reshape after) runs as ``(Bᵀ @ Aᵀ)ᵀ``."""
        m, k, n = self.size(pl.i), self.size(pl.k), self.size(pl.j)
        if self.dtype is None or pl.p or shape != (m, n):
            return False
        a_transposed = isinstance(el, Call) and el.op == "transpose"
        if not transposed_is_faster(m, k, n, a_transposed, self.dtype):
            return False
        return self.orient is None or self.orient()

    # -- the whole contraction -------------------------------------------------------------

    def run(self, subs: Sequence[tuple[str, ...]], path: Sequence[tuple[int, ...]]) -> Expr:
        """Emit the whole contraction; return the name holding the result in `out` order."""
        out = self.out
        out_set = frozenset(out)
        terms: list[_Term] = []
        for n, (name, labels) in enumerate(zip(self.operand_names, subs)):
            if not labels:
                terms.append(_SCALAR)
                continue
            others = {lab for m, s in enumerate(subs) if m != n for lab in s}
            terms.append(self.record(self.prepare(name, labels, frozenset(others | out_set))))
        for step in path:
            picked = [terms[n] for n in step]
            for n in sorted(step, reverse=True):
                del terms[n]
            arrays = [t for t in picked if t is not _SCALAR]
            outside = {lab for t in terms for lab in t.labels} | out_set
            last = not terms
            if not arrays:
                terms.append(_SCALAR)
                continue
            acc = arrays[0]
            if len(arrays) == 1:
                acc = self.reduce(acc, outside)
            for m, nxt in enumerate(arrays[1:], start=2):
                keep = outside | {lab for t in arrays[m:] for lab in t.labels}
                target = out if last and m == len(arrays) else None
                acc = self.record(self.pair(acc, nxt, frozenset(keep), target))
            terms.append(acc)
        (final,) = terms
        if final is _SCALAR:
            return self.emit(call("multiply", *[Ref(s) for s in self.scalars]))
        return self.to_order(self.reduce(final, out_set), out).expr


def _sums_first(term: _Term, k: tuple[str, ...]) -> bool:
    """Whether a summed label of ``term`` comes before one of its kept labels."""
    first_sum = min(term.labels.index(lab) for lab in k)
    return any(lab not in k for lab in term.labels[first_sum:])


def _t(expr: Expr) -> Expr:
    """The transpose of a 2-D operand expression (a transpose's own operand, unwrapped)."""
    if isinstance(expr, Call) and expr.op == "transpose" and tuple(expr.attr("perm")) == (1, 0):
        return expr.args[0]
    return call("transpose", expr, perm=(1, 0))


def _lower_single(
    name: str, labels: tuple[str, ...], out: tuple[str, ...], fresh: Callable[[], str]
) -> tuple[Expr, tuple[Statement, ...]]:
    """(result, statements) for one operand; no statements when it already is the result."""
    uniq = tuple(dict.fromkeys(labels))
    expr: Expr = Ref(name)
    if len(uniq) != len(labels):
        expr = call("einsum", expr, equation=f"{''.join(labels)}->{''.join(out)}")
    else:
        drop = [n for n, lab in enumerate(labels) if lab not in out]
        kept = tuple(lab for lab in labels if lab in out)
        if drop:
            axis = drop[0] if len(drop) == 1 else tuple(drop)
            # dtype=: ndarray.sum upcasts bool/small ints; einsum does not.
            dtype = call("dtype_of", Ref(name))
            expr = call("sum", expr, kwargs={"dtype": dtype}, axis=axis)
        if kept != out:
            expr = call("transpose", expr, perm=tuple(kept.index(lab) for lab in out))
        if expr == Ref(name):
            return expr, ()
    result = _check_identifier(fresh(), "fresh() returned")
    return Ref(result), (Assign(result, expr),)


def lower_contraction(
    operands: Sequence[str],
    subscripts: Sequence[tuple[str, ...]],
    out: tuple[str, ...],
    sizes: Mapping[str, int],
    fresh: Callable[[], str],
    promoted: Callable[[], Expr] | None = None,
    literals: Mapping[str, bool | int | float] | None = None,
    dtype: np.dtype | None = None,
    orient: Callable[[], bool] | None = None,
) -> ContractionCode:
    """Plan statements computing ``einsum(subscripts -> out)`` over `operands`.

    ``promoted``: the expression naming the operands' promoted dtype (what sums accumulate
    in), when the caller knows it at compile time; without it the code computes it with
    ``result_type`` on every call. ``literals``: the 0-d operands the code writes as
    Python literals (their names never reach it). ``dtype``: the dtype the products
    compute in, when known; it lets a 2-D GEMM run transposed where BLAS is faster that
    way (``gemm_orientation``); ``orient``, when given, is asked (once the rule says a
    GEMM would turn) whether it may.

    Labels are arbitrary hashable names; they are mapped to the letters
    ``opt_einsum.get_symbol(i)`` in order of first appearance (operands, then `out`), and only
    those letters ever reach the generated code.
    """
    operands = tuple(_check_identifier(o, "operand name") for o in operands)
    subscripts = tuple(tuple(s) for s in subscripts)
    out = tuple(out)
    if not operands:
        raise ShapeError("a contraction needs at least one operand")
    if len(operands) != len(subscripts):
        raise ShapeError(f"{len(operands)} operands but {len(subscripts)} subscript tuples")
    if len(set(out)) != len(out):
        raise ShapeError(f"output labels {out!r} repeat a label")

    letters: dict[str, str] = {}
    for lab in [lab for s in subscripts for lab in s]:
        if lab not in letters:
            if len(letters) == _MAX_LABELS:
                raise UnsupportedError(
                    f"more than {_MAX_LABELS} distinct labels in one contraction"
                )
            letters[lab] = str(oe.get_symbol(len(letters)))
    missing = [lab for lab in out if lab not in letters]
    if missing:
        raise ShapeError(f"output labels {missing!r} appear in no operand")
    size_of: dict[str, int] = {}
    for lab, letter in letters.items():
        if lab not in sizes:
            raise ShapeError(f"no size given for label {lab!r}")
        value = sizes[lab]
        try:
            size = operator.index(value)  # ints, numpy ints; not floats
        except TypeError:
            size = -1
        if isinstance(value, bool) or size < 0:
            raise ShapeError(f"size of label {lab!r} must be a non-negative int, got {value!r}")
        size_of[letter] = size

    subs = tuple(tuple(letters[lab] for lab in s) for s in subscripts)
    out_l = tuple(letters[lab] for lab in out)
    equation = ",".join("".join(s) for s in subs) + "->" + "".join(out_l)

    if len(operands) == 1:
        result, lines = _lower_single(operands[0], subs[0], out_l, fresh)
        flops = math.prod(size_of[lab] for lab in subs[0]) if lines else 0
        return ContractionCode(lines, result, Contraction(equation, (), None, flops, 0))

    shapes = [tuple(size_of[lab] for lab in s) for s in subs]
    path, info = _find_path(equation, shapes, size_of)
    scalars = [name for name, s in zip(operands, subs) if not s]

    fold_at: int | None = None
    if scalars and len(scalars) < len(operands):
        # Dry run: learn the size of every array the plan creates, then fold the scalars into
        # the smallest (latest on ties, so the product usually lands on the final result).
        dry = _Lowerer(size_of, _counter(), operands, out_l, None, scalars, promoted, literals)
        dry.run(subs, path)
        fold_at = min(range(len(dry.created)), key=lambda n: (dry.created[n], -n))
    low = _Lowerer(
        size_of, fresh, operands, out_l, fold_at, scalars, promoted, literals, dtype, orient
    )
    result = low.run(subs, path)

    if info is not None:
        flops, largest = int(info.opt_cost), int(info.largest_intermediate)
    else:
        flops, largest = _count_costs(subs, out_l, path, size_of)
    facts = Contraction(equation, path, info, flops, largest)
    return ContractionCode(tuple(low.lines), result, facts)


def _counter() -> Callable[[], str]:
    names = (f"_dry{n}" for n in range(1 << 62))
    return lambda: next(names)


def _find_path(
    equation: str, shapes: list[tuple[int, ...]], size_of: Mapping[str, int]
) -> tuple[tuple[tuple[int, ...], ...], Any]:
    """opt_einsum's path, or a plain left-to-right chain when it cannot be trusted."""
    # Size-0 dims make every cost 0, so optimisation is meaningless (and opt_einsum has
    # misbehaved on them); the result is an empty/zero array whatever the order.
    if 0 not in size_of.values():
        found = _try_contract_path(equation, shapes, "auto")
        if found is not None:
            path, info = found
            return tuple(tuple(int(i) for i in step) for step in path), info
    lr = _left_to_right_path(len(shapes))
    found = _try_contract_path(equation, shapes, lr)
    return tuple(lr), (found[1] if found is not None else None)


def _try_contract_path(
    equation: str, shapes: list[tuple[int, ...]], optimize: object
) -> tuple[list[tuple[int, ...]], Any] | None:
    try:
        found: tuple[list[tuple[int, ...]], Any] = oe.contract_path(
            equation, *shapes, shapes=True, optimize=optimize
        )
        return found
    except Exception:  # an optimiser failure only means "no optimisation"
        return None


def _count_costs(
    subs: Sequence[tuple[str, ...]],
    out: tuple[str, ...],
    path: Sequence[tuple[int, ...]],
    size_of: Mapping[str, int],
) -> tuple[int, int]:
    # Fallback accounting (opt_einsum unavailable): each step costs the product of all
    # sizes involved; intermediates keep the labels still needed later.
    sets = [set(s) for s in subs]
    flops, largest = 0, 0
    for step in path:
        picked = [sets[n] for n in step]
        for n in sorted(step, reverse=True):
            del sets[n]
        involved = set().union(*picked)
        flops += math.prod(size_of[lab] for lab in involved)
        kept = involved & (set().union(*sets) | set(out))
        largest = max(largest, math.prod(size_of[lab] for lab in kept))
        sets.append(kept)
    return flops, largest
