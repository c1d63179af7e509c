"""The multilinear primitive: ``einsum`` (products, sums over axes, transposes).

Everything multilinear is recorded as an einsum node, so the compiler can fuse each maximal
multilinear region into one contraction. vmap's entry and exit (naming a batch axis,
placing it per ``out_axes``) are einsums too: pure transposes that cost nothing.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import opt_einsum

from ..core.graph import Node
from ..core.independence import Carried, Reduced, Relations
from ..core.leaves import ConstParams, const_p
from ..core.primitive import primitive
from ..errors import ShapeError
from ..tracing.build import (
    Value,
    batch_names,
    broadcast_shapes,
    cast_to_jax_dtype,
    cast_weak_inputs,
    lift,
    logical_names,
    make,
    merge_names,
    normalize_axis,
    result_dtype,
    trace_of,
    union_levels,
)
from ..tracing.trace import Level
from ..tracing.tracer import Tracer


@dataclass(frozen=True)
class EinsumParams:
    """Product of the inputs summed over labels not in ``out``; labels are node-local."""

    subscripts: tuple[tuple[str, ...], ...]
    out: tuple[str, ...]

    def equation(self) -> str:
        letters: dict[str, str] = {}
        for lab in itertools.chain(*self.subscripts, self.out):
            letters.setdefault(lab, str(opt_einsum.get_symbol(len(letters))))
        ins = ",".join("".join(letters[lab] for lab in sub) for sub in self.subscripts)
        return ins + "->" + "".join(letters[lab] for lab in self.out)


einsum_p = primitive("einsum", EinsumParams, multilinear=True)
einsum_p.def_describe(lambda p: f"einsum '{p.equation()}'")


def labelled_shape(
    subscripts: Sequence[tuple[str, ...]], out: tuple[str, ...], inputs: Sequence[Node]
) -> tuple[int, ...]:
    """The shape of ``out`` when each input's axes carry its subscript's labels; ``(-1,)``
    (which no node has) when ranks or label sizes disagree."""
    sizes: dict[str, int] = {}
    if len(subscripts) != len(inputs):
        return (-1,)
    for sub, inp in zip(subscripts, inputs):
        if len(sub) != inp.ndim:
            return (-1,)
        for lab, n in zip(sub, inp.shape):
            if sizes.setdefault(lab, n) != n:
                return (-1,)
    return tuple(sizes.get(lab, -1) for lab in out)


@einsum_p.def_shape
def _einsum_shape(p: EinsumParams, inputs: Sequence[Node]) -> tuple[int, ...]:
    return labelled_shape(p.subscripts, p.out, inputs)


def is_rename(node: Node) -> bool:
    """An einsum that only renames axes (how vmap names a batch axis): no data changes."""
    if node.op is not einsum_p or len(node.inputs) != 1:
        return False
    p: EinsumParams = node.params
    return tuple(p.subscripts[0]) == tuple(p.out)


def is_permutation(node: Node) -> bool:
    """A one-operand einsum that only reorders axes."""
    p: EinsumParams = node.params
    return (
        node.op is einsum_p
        and len(node.inputs) == 1
        and len(set(p.subscripts[0])) == len(p.subscripts[0])
        and sorted(p.subscripts[0]) == sorted(p.out)
    )


def identity(node: Node) -> Node:
    """An identity einsum of ``node``: fused away by the compiler, but a node of its own."""
    sub = tuple(f"a{i}" for i in range(node.ndim))
    return Node(einsum_p, (node,), EinsumParams((sub,), sub), node.shape, node.dtype, node.axes)


@einsum_p.def_vjp
def _vjp_einsum(b: Any, node: Node, ct: Node, active: Sequence[bool]) -> list[Node | None]:
    p: EinsumParams = node.params
    sizes = {
        lab: n for inp, sub in zip(node.inputs, p.subscripts) for lab, n in zip(sub, inp.shape)
    }
    # x * x: the same operand under the same labels gets one contraction, times the count
    # (instead of two equal contractions and an add over the operand's full shape)
    same = [
        [
            j
            for j, other in enumerate(node.inputs)
            if other is inp and p.subscripts[j] == p.subscripts[k]
        ]
        for k, inp in enumerate(node.inputs)
    ]
    grads: list[Node | None] = []
    for k, inp in enumerate(node.inputs):
        if not active[k] or same[k][0] != k:
            grads.append(None)
            continue
        operands: list[Node] = [ct]
        subs: list[tuple[str, ...]] = [p.out]
        for j, other in enumerate(node.inputs):
            if j != k:
                operands.append(other)
                subs.append(p.subscripts[j])
        if len(same[k]) > 1:
            operands.append(b.p(float(len(same[k]))).node)
            subs.append(())
        # a repeated label is a diagonal: write the cotangent back onto it with an eye factor
        target: list[str] = []
        for lab in p.subscripts[k]:
            if lab in target:
                fresh = b.fresh_label()
                operands.append(_eye(sizes[lab], ct.dtype))
                subs.append((lab, fresh))
                target.append(fresh)
            else:
                target.append(lab)
        grads.append(b.einsum(operands, subs, tuple(target), inp.shape))
    return grads


@einsum_p.def_jvp
def _jvp_einsum(b: Any, node: Node, tangents: Sequence[Node | None]) -> Node | None:
    # multilinear: one term per operand with a tangent, that operand replaced by it (the
    # terms are einsums, so they fuse with the primal contraction's region)
    p: EinsumParams = node.params
    total: Node | None = None
    for k, t in enumerate(tangents):
        if t is None:
            continue
        inp, sub = node.inputs[k], p.subscripts[k]
        same = [j for j, other in enumerate(node.inputs) if other is inp and p.subscripts[j] == sub]
        if same[0] != k:
            continue  # x * x: the first copy's term counts for all of them
        inputs = list(node.inputs)
        inputs[k] = t
        if len(same) == 1:
            term = b.apply(node, inputs)
        else:
            count = b.p(float(len(same))).node
            term = b.einsum([*inputs, count], [*p.subscripts, ()], p.out, node.shape)
        total = term if total is None else b.add(total, term)
    return total


def _product(*values: Any) -> Any:
    # np.multiply(a, b, c) would take c as ``out``: promote pairwise instead
    return functools.reduce(np.multiply, values)


def _eye(n: int, dtype: np.dtype) -> Node:
    arr = np.eye(n, dtype=dtype)
    return Node(const_p, (), ConstParams(arr, False), arr.shape, arr.dtype, ("i", "j"))


def contract(
    operands: Sequence[Value],
    subscripts: Sequence[Sequence[str]],
    out: Sequence[str],
    dtype: Any = None,
    out_names: Sequence[str] | None = None,
) -> Tracer:
    """Einsum over logical labels; batch axes are added as extra shared labels."""
    trace = trace_of(operands)
    tracers = [lift(o, trace) for o in operands]
    sizes: dict[str, int] = {}
    for t, sub in zip(tracers, subscripts):
        if len(sub) != t.ndim:
            raise ShapeError(f"einsum operand has {t.ndim} axes but {len(sub)} labels {tuple(sub)}")
        for lab, size in zip(sub, t.shape):
            if sizes.setdefault(lab, size) != size:
                raise ShapeError(
                    f"size mismatch for contracted axis: {sizes[lab]} vs {size} "
                    f"(shapes {', '.join(str(x.shape) for x in tracers)})"
                )
    levels = union_levels(tracers)
    subs = tuple(tuple(lv.label for lv in t.levels) + tuple(s) for t, s in zip(tracers, subscripts))
    out_full = tuple(lv.label for lv in levels) + tuple(out)
    cast = cast_to_jax_dtype(tracers)
    if any(c is not t for c, t in zip(cast, tracers)):  # JAX's dtype, narrower than NumPy's
        if dtype is None or np.dtype(dtype) == result_dtype(_product, *operands):
            dtype = None  # NumPy's promotion: recomputed on the cast operands
        operands = tuple(c if c is not t else o for o, c, t in zip(operands, cast, tracers))
        tracers = cast
    if dtype is None:
        dtype = result_dtype(_product, *operands) if len(tracers) > 1 else tracers[0].dtype
    tracers = cast_weak_inputs(tracers, dtype)
    logical = tuple(sizes[lab] for lab in out)
    if out_names is None:
        label_name: dict[str, str] = {}
        for t, sub in zip(tracers, subscripts):
            for lab, nm in zip(sub, logical_names(t)):
                label_name.setdefault(lab, nm)
        out_names = tuple(label_name.get(lab, lab) for lab in out)
    return make(
        trace,
        einsum_p,
        tracers,
        EinsumParams(subs, out_full),
        levels,
        logical,
        np.dtype(dtype),
        tuple(out_names),
    )


def multiply(x: Value, y: Value) -> Tracer:
    """Elementwise product, recorded as an einsum so it fuses into contractions."""
    trace = trace_of((x, y))
    tx, ty = lift(x, trace), lift(y, trace)
    out_logical = broadcast_shapes(tx.shape, ty.shape)
    out = tuple(f"o{k}" for k in range(len(out_logical)))
    counter = itertools.count()
    subs = []
    for t in (tx, ty):
        offset = len(out_logical) - t.ndim
        sub = []
        for k, size in enumerate(t.shape):
            # a size-1 axis broadcast against a longer one gets its own label; summing a
            # size-1 axis is the identity, so the product stays a plain einsum
            sub.append(out[offset + k] if size == out_logical[offset + k] else f"s{next(counter)}")
        subs.append(tuple(sub))
    dtype = result_dtype(np.multiply, x, y)
    return contract((tx, ty), subs, out, dtype=dtype, out_names=merge_names((tx, ty), out_logical))


def einsum(subscripts: str, *operands: Value) -> Tracer:
    trace = trace_of(operands)
    tracers = [lift(o, trace) for o in operands]
    ins, out = _parse_einsum(subscripts, [t.ndim for t in tracers])
    return contract(tracers, ins, out)


def _parse_einsum(eq: str, ranks: Sequence[int]) -> tuple[list[tuple[str, ...]], tuple[str, ...]]:
    eq = eq.replace(" ", "")
    if "->" in eq:
        lhs, rhs = eq.split("->")
        explicit = True
    else:
        lhs, rhs, explicit = eq, "", False
    terms = lhs.split(",")
    if len(terms) != len(ranks):
        raise ShapeError(f"einsum {eq!r} names {len(terms)} operands but got {len(ranks)}")
    ell_rank = 0
    for term, rank in zip(terms, ranks):
        if "..." in term:
            ell_rank = max(ell_rank, rank - len(term.replace("...", "")))
    ell = tuple(f"_e{i}" for i in range(ell_rank))
    subs = []
    for term, rank in zip(terms, ranks):
        if any(not (c.isalpha() or c == ".") for c in term):
            raise ShapeError(f"einsum subscripts must be letters, got {term!r} in {eq!r}")
        if "..." in term:
            head, tail = term.split("...")
            n = rank - len(head) - len(tail)
            if n < 0:
                raise ShapeError(f"einsum term {term!r} has more labels than operand rank {rank}")
            subs.append(tuple(head) + ell[ell_rank - n :] + tuple(tail))
        else:
            if len(term) != rank:
                raise ShapeError(
                    f"einsum term {term!r} has {len(term)} labels but operand rank {rank}"
                )
            subs.append(tuple(term))
    if explicit:
        if "..." in rhs:
            head, tail = rhs.split("...")
            out = tuple(head) + ell + tuple(tail)
        else:
            out = tuple(rhs)
    else:
        counts: dict[str, int] = {}
        for s in subs:
            for lab in s:
                if not lab.startswith("_e"):
                    counts[lab] = counts.get(lab, 0) + 1
        out = ell + tuple(sorted(lab for lab, c in counts.items() if c == 1))
    known = {lab for s in subs for lab in s}
    for lab in out:
        if lab not in known:
            raise ShapeError(f"einsum output label {lab!r} in {eq!r} appears in no operand")
    return subs, out


def permute(t: Tracer, perm: Sequence[int]) -> Tracer:
    if tuple(perm) == tuple(range(t.ndim)):
        return t
    sub = tuple(f"a{i}" for i in range(t.ndim))
    names = logical_names(t)
    return contract(
        (t,),
        (sub,),
        tuple(sub[p] for p in perm),
        dtype=t.dtype,
        out_names=tuple(names[p] for p in perm),
    )


def transpose(x: Value, axes: Any = None) -> Tracer:
    trace = trace_of((x,))
    t = lift(x, trace)
    if axes is None:
        perm = tuple(reversed(range(t.ndim)))
    else:
        perm = tuple(normalize_axis(a, t.ndim) for a in axes)
        if sorted(perm) != list(range(t.ndim)):
            raise ShapeError(f"axes {tuple(axes)} don't match array of shape {t.shape}")
    return permute(t, perm)


def swapaxes(x: Value, a: int, b: int) -> Tracer:
    trace = trace_of((x,))
    t = lift(x, trace)
    a, b = normalize_axis(a, t.ndim), normalize_axis(b, t.ndim)
    perm = list(range(t.ndim))
    perm[a], perm[b] = perm[b], perm[a]
    return permute(t, perm)


def moveaxis(x: Value, source: Any, destination: Any) -> Tracer:
    trace = trace_of((x,))
    t = lift(x, trace)
    src: list[Any] = [source] if isinstance(source, (int, np.integer)) else list(source)
    is_one = isinstance(destination, (int, np.integer))
    dst: list[Any] = [destination] if is_one else list(destination)
    if len(src) != len(dst):
        raise ShapeError("moveaxis: source and destination must have the same number of elements")
    src = [normalize_axis(a, t.ndim, "source") for a in src]
    dst = [normalize_axis(a, t.ndim, "destination") for a in dst]
    order = [n for n in range(t.ndim) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(t, order)


def map_axis(t: Tracer, axis: int, level: Level) -> Tracer:
    """vmap entry: make logical ``axis`` of ``t`` the batch axis of ``level``."""
    nb = len(t.levels)
    phys = nb + axis
    sub = tuple(f"a{i}" for i in range(t.node.ndim))
    perm = list(range(nb)) + [phys] + [nb + i for i in range(t.ndim) if i != axis]
    names = logical_names(t)
    new_names = tuple(n for i, n in enumerate(names) if i != axis)
    levels = t.levels + (level,)
    if perm == list(range(t.node.ndim)):
        return Tracer(_renamed(t.node, batch_names(levels) + new_names), levels, t.trace)
    out = tuple(sub[p] for p in perm)
    params = EinsumParams((sub,), out)
    shape = tuple(t.node.shape[p] for p in perm)
    node = Node(einsum_p, (t.node,), params, shape, t.dtype, batch_names(levels) + new_names)
    return Tracer(node, levels, t.trace)


def _renamed(node: Node, axes: tuple[str, ...]) -> Node:
    # identity permutation: wrap in a no-op einsum so the new level's axis name shows
    sub = tuple(f"a{i}" for i in range(node.ndim))
    return Node(einsum_p, (node,), EinsumParams((sub,), sub), node.shape, node.dtype, axes)


def unmap_axis(t: Tracer, level: Level, position: int) -> Tracer:
    """vmap exit: move ``level``'s batch axis to logical ``position`` of the result."""
    idx = [lv.id for lv in t.levels].index(level.id)
    levels = tuple(lv for lv in t.levels if lv.id != level.id)
    nb = len(levels)
    rest = [i for i in range(t.node.ndim) if i != idx]
    perm = rest[: nb + position] + [idx] + rest[nb + position :]
    sub = tuple(f"a{i}" for i in range(t.node.ndim))
    names = t.node.axes
    new_axes = tuple(names[p] for p in perm)
    shape = tuple(t.node.shape[p] for p in perm)
    node = Node(
        einsum_p,
        (t.node,),
        EinsumParams((sub,), tuple(sub[p] for p in perm)),
        shape,
        t.dtype,
        new_axes,
    )
    return Tracer(node, levels, t.trace)


@einsum_p.def_axes
def _einsum_axes(node: Node) -> Relations:
    # a label kept in the output is carried; a summed one is reduced, keyed by the label so
    # every operand that shares it is checked together; a diagonal (a label twice in one
    # operand) is caught by that check, as two axes meeting one output axis
    p: EinsumParams = node.params
    return tuple(
        tuple(Carried(p.out.index(lab)) if lab in p.out else Reduced("sum", lab) for lab in sub)
        for sub in p.subscripts
    )
