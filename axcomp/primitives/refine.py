"""``refine``: combine an expanded squared form and recompute its ill-conditioned entries.

``compiler/expand.py`` rewrites ``sum w (x - y)**2`` over pairs into ``P + Q - 2 G`` (two
norm reductions and one GEMM). This primitive is its last step: it adds the three terms,
finds the entries where the sum may have cancelled (``t <= tau * (Pb + Qb)``, with ``Pb``
and ``Qb`` the same norms under ``|w|``; NaN entries are flagged too: a scan against one
scalar bound, slice by slice with no mask of the result's size, then the exact test on
those candidates only) and recomputes just
those entries with the direct formula: gather the flagged index pairs, form ``x - y`` for
them only, contract, scatter back. ``tau`` comes from a rounding-error bound (see the
compiler module). Entries that are not flagged are ``> tau * B >= 0``; flagged ones are the
direct formula's values, so the result is never negative where the direct one is not.

Inputs: ``P, Q, G, Pb, Qb, x, y, *weights``; ``G`` must be a fresh buffer that only this
node reads (the lowering accumulates into it in place); every input is labelled by ``subs`` in the
labels of ``out`` (the result's axes) plus summed labels. ``P, Q, G, Pb, Qb`` carry out
labels only, in ``out`` order; ``x`` and ``y`` carry every summed label of the square.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..core.graph import Node
from ..core.independence import MIXED, Carried, Relations
from ..core.plan import Assign, Expr, Lit, LowerContext, Ref, Scatter, Statement, call
from ..core.primitive import primitive
from ..errors import GradError
from .contraction import labelled_shape
from .lowering import aligned


@dataclass(frozen=True)
class RefineParams:
    fn: str  # "subtract" or "add": the square is of fn(x, y)
    tau: float  # relative threshold: recompute where t <= tau * (Pb + Qb)
    out: tuple[str, ...]  # labels of the result's axes
    summed: tuple[str, ...]  # the square's summed labels, in the order x and y use them
    subs: tuple[tuple[str, ...], ...]  # labels of every input
    # the cost model's figures when the expansion was chosen (shown by explain)
    direct_flops: int = 0
    expanded_flops: int = 0
    direct_elements: int = 0  # the broadcast difference the direct formula materialises
    # minus the square (``-sum w (x - y)**2``, a ``negative`` folded in): the GEMM ``G``
    # carries the other sign, ``P`` and ``Q`` are subtracted, the scan and the recomputed
    # entries are negated; every entry is exactly the negation of the unnegated result
    negated: bool = False


refine_p = primitive("refine", RefineParams, multilinear=False)
refine_p.def_describe(
    lambda p: f"refine {p.fn} tau={p.tau:.3g}" + (" negated" if p.negated else "")
)
refine_p.def_flops(lambda node: 4 * math.prod(node.shape))


@refine_p.def_vjp
def _vjp_refine(b: Any, node: Node, ct: Node, active: Sequence[bool]) -> list[Node | None]:
    # refine nodes exist only in compiled graphs (the expand pass runs after grad traced
    # the program), so a reverse pass never meets one
    raise GradError("axcomp.grad: refine is a compiler-internal node and has no reverse rule")


@refine_p.def_jvp
def _jvp_refine(b: Any, node: Node, tangents: Sequence[Node | None]) -> Node | None:
    # likewise for the forward sweep, which also runs on traced graphs only
    raise GradError("axcomp.jvp: refine is a compiler-internal node and has no forward rule")


@refine_p.def_shape
def _refine_shape(p: RefineParams, inputs: Sequence[Node]) -> tuple[int, ...]:
    if len(inputs) < 7:
        return (-1,)
    return labelled_shape(p.subs, p.out, inputs)


@refine_p.def_lower
def _lower_refine(
    ctx: LowerContext, node: Node, target: str, args: Sequence[Expr]
) -> tuple[Statement, ...]:
    p: RefineParams = node.params
    out, nd = p.out, node.ndim
    names = [f"{target}_{k}" for k in ("c", "i", "k", "d", "v")]
    stmts: list[Statement] = []

    def on_out(k: int) -> Expr:
        maps = [out.index(lab) for lab in p.subs[k]]
        return aligned(args[k], nd, maps, node.inputs[k].shape)

    def total(expr: Expr) -> Expr:
        return call("reduce", expr, fn="max", axis=tuple(range(len(p.subs[3]))))

    # t = G + P + Q, accumulated in place into G's buffer (a fresh contraction result that
    # only this node reads: the expand pass creates it for this node alone) by the scan
    # (the two additions happen slice by slice inside the scan below: one pass, in cache)
    stmts.append(Assign(target, args[2]))
    # coarse filter with one scalar bound (tau * max B >= tau * B everywhere): cheap pass
    bmax: Expr = call(
        "ufunc", *(total(args[k]) if p.subs[k] else args[k] for k in (3, 4)), fn="add"
    )
    c, idx, keep, d, v = (Ref(n) for n in names)
    # scanned slice by slice (no mask of the result's size: the peak stays the result)
    tau = Lit(-p.tau if p.negated else p.tau)
    bound_all = call("ufunc", bmax, tau, fn="multiply")
    scan = call("flat_not_greater", Ref(target), bound_all, on_out(0), on_out(1))
    if p.negated:
        scan = call("flat_not_greater", *scan.args, negated=True)
    stmts.append(Assign(c.name, scan))
    stmts.append(Assign(idx.name, call("unravel_index", c, shape=node.shape)))
    pos = {lab: call("item", idx, k=k) for k, lab in enumerate(out)}

    def at(k: int, index: Mapping[str, Expr]) -> Expr:
        """Input k with its out-labelled axes gathered at ``index`` (those axes first)."""
        sub = p.subs[k]
        outs = [lab for lab in out if lab in sub]
        rest = [lab for lab in p.summed if lab in sub] + [
            lab for lab in sub if lab not in out and lab not in p.summed
        ]
        order = outs + rest
        expr = args[k]
        if not sub:
            return expr
        perm = tuple(sub.index(lab) for lab in order)
        if perm != tuple(range(len(perm))):
            expr = call("transpose", expr, perm=perm)
        return call("gather", expr, *(index[lab] for lab in outs)) if outs else expr

    # exact per-entry test on the candidates only
    bound = call("ufunc", at(3, pos), at(4, pos), fn="add")
    tc = call("gather", call("reshape", Ref(target), shape=(math.prod(node.shape),)), c)
    fine = call(
        "ufunc",
        call(
            "ufunc",
            tc,
            call("ufunc", bound, tau, fn="multiply"),
            fn="less" if p.negated else "greater",
        ),
        fn="logical_not",
    )
    stmts.append(Assign(keep.name, call("flatnonzero", fine)))
    sel = {lab: call("gather", e, keep) for lab, e in pos.items()}
    # the direct formula for the flagged entries
    stmts.append(Assign(d.name, call("ufunc", at(5, sel), at(6, sel), fn=p.fn)))
    letters = {
        lab: chr(ord("b") + i)
        for i, lab in enumerate(
            dict.fromkeys(lab for sub in p.subs[5:] for lab in sub if lab not in out)
        )
    }
    sq = "a" + "".join(letters[lab] for lab in p.summed)
    subs = [sq, sq]
    operands: list[Expr] = [d, d]
    for k in range(7, len(p.subs)):
        sub = p.subs[k]
        has_out = any(lab in out for lab in sub)
        rest = [lab for lab in p.summed if lab in sub] + [
            lab for lab in sub if lab not in out and lab not in p.summed
        ]
        subs.append(("a" if has_out else "") + "".join(letters[lab] for lab in rest))
        operands.append(at(k, sel))
    value = call("einsum", *operands, equation=",".join(subs) + "->a")
    if p.negated:
        value = call("ufunc", value, fn="negative")
    stmts.append(Assign(v.name, value))
    stmts.append(Scatter(target, call("gather", c, keep), v))
    return tuple(stmts)


@refine_p.def_axes
def _refine_axes(node: Node) -> Relations:
    # entries are recomputed per output position; the summed labels are not split (a
    # block's threshold would differ from the whole run's)
    p: RefineParams = node.params
    return tuple(
        tuple(Carried(p.out.index(lab)) if lab in p.out else MIXED for lab in sub) for sub in p.subs
    )
