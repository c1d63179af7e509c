"""Reverse-mode autodiff on the axis graph: ``grad``, ``value_and_grad`` and ``vjp``.

A gradient is not a tape replayed at run time. ``grad(f)`` is a staged function: when it
is traced it runs ``f`` inside the current trace, then walks the axis graph backwards from
the output and *adds graph nodes* for every reverse rule. The gradient graph is lowered like
any other, so the cotangent contractions fuse into the forward einsums (one einsum per
multilinear region) and ``axcomp.explain(grad(f), ...)`` shows the result.

How it composes:

* Rules work on *physical* arrays. A node's leading axes are vmap batch axes; wrapping it
  as ``Tracer(node, (), trace)`` makes the ops layer treat every axis as logical, so the
  rules reuse ``ops`` and never need to know about vmap levels.
* Under vmap the differentiated leaves are first broadcast to all active levels, so the
  reverse sweep (seeded with ones over the batch axes) yields per-example gradients.
* Every differentiated leaf gets a fresh node, so values the function closes over are
  constants for this gradient (no perturbation confusion), and ``grad(grad(f))`` works:
  the backward graph is made of ordinary nodes, each of which has a rule.

Conventions at non-differentiable points follow JAX: ``abs'(0) = 1``; ties in
``maximum``/``minimum`` split the cotangent 0.5/0.5; ``max``/``min`` reductions share it
equally among tied entries; ``sqrt'(0) = inf``; ``relu`` written as ``maximum(x, 0)`` has
derivative 0.5 at 0 (JAX's ``jnp.maximum`` convention); ``sign``, ``floor``, ``ceil``,
``rint``, ``trunc``, comparisons and integer casts have zero derivatives.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import ops, pytree
from .errors import GradError
from .ir import (
    BroadcastParams,
    ConstParams,
    EinsumParams,
    IndexParams,
    Node,
    describe,
    topological,
)
from .staging import Staged
from .tracing import Level, Trace, Tracer, current_trace, function_name, tracing_function

__all__ = ["grad", "value_and_grad", "vjp"]

Factor = Any  # a physical Tracer or a Python scalar, broadcastable to a node's shape

_labels = itertools.count()


def _fresh_label() -> str:
    return f"_ad{next(_labels)}"


def _inexact(dtype: np.dtype) -> bool:
    return np.issubdtype(dtype, np.inexact)


# ---------------------------------------------------------------- graph building helpers


class _Builder:
    """Node construction on physical arrays inside one trace."""

    def __init__(self, trace: Trace) -> None:
        self.trace = trace

    def p(self, value: Node | Factor) -> Tracer:
        """A level-free tracer: the ops layer sees every physical axis as logical."""
        if isinstance(value, Node):
            return Tracer(value, (), self.trace)
        return ops.lift(value, self.trace)

    def const(self, value: float, dtype: np.dtype) -> Node:
        arr = np.asarray(value, dtype=dtype)
        return Node("const", (), ConstParams(arr, False), (), arr.dtype, ())

    def filled(self, value: float, shape: tuple[int, ...], dtype: np.dtype) -> Node:
        """A broadcast scalar (a view in the generated code, folded into contractions)."""
        scalar = self.const(value, dtype)
        if not shape:
            return scalar
        axes = tuple(f"g{i}" for i in range(len(shape)))
        return Node("broadcast", (scalar,), BroadcastParams(()), shape, scalar.dtype, axes)

    def cast(self, node: Node, dtype: np.dtype) -> Node:
        return node if node.dtype == dtype else ops.astype(self.p(node), dtype).node

    def add(self, a: Node, b: Node) -> Node:
        return ops.elementwise("add", self.p(a), self.p(b)).node

    def einsum(
        self,
        operands: Sequence[Node],
        subscripts: Sequence[tuple[str, ...]],
        out: tuple[str, ...],
        shape: tuple[int, ...],
    ) -> Node:
        """``einsum(operands -> out)`` where an ``out`` label may be missing from every operand
        (then the result is broadcast along it). Broadcast operands are folded into the
        contraction, so a cotangent that is a broadcast is never materialised."""
        nodes: list[Node] = []
        subs: list[tuple[str, ...]] = []
        before = {
            lab: n for node, sub in zip(operands, subscripts) for lab, n in zip(sub, node.shape)
        }
        for node, sub in zip(operands, subscripts):
            while node.op == "broadcast":
                maps: tuple[int, ...] = node.params.maps
                sub = tuple(sub[m] if m >= 0 else _fresh_label() for m in maps)
                node = node.inputs[0]
            nodes.append(node)
            subs.append(tuple(sub))
        # a factor of exactly 1 (the ones seed) changes nothing; dropping it lets a lone
        # operand pass through instead of being copied
        dtype = _einsum_dtype(nodes)
        keep = [
            i for i, node in enumerate(nodes)
            if not (node.op == "const" and node.ndim == 0 and node.dtype == dtype
                    and np.all(np.asarray(node.params.value) == 1))
        ]
        if keep and len(keep) < len(nodes):
            nodes, subs = [nodes[i] for i in keep], [subs[i] for i in keep]
        sizes: dict[str, int] = {}
        names: dict[str, str] = {}
        for node, sub in zip(nodes, subs):
            for lab, size, name in zip(sub, node.shape, node.axes):
                sizes.setdefault(lab, size)
                names.setdefault(lab, name)
        # a summed label that only a folded broadcast carried contributes its size as a factor
        lost = math.prod(n for lab, n in before.items() if lab not in sizes and lab not in out)
        if lost != 1:
            nodes.append(self.p(float(lost)).node)
            subs.append(())
        split = self._distribute(nodes, subs, out, shape)
        if split is not None:
            return split
        present = tuple(lab for lab in out if lab in sizes)
        dtype = _einsum_dtype(nodes)
        if len(nodes) == 1 and subs[0] == present and nodes[0].dtype == dtype:
            core = nodes[0]
        else:
            core = Node(
                "einsum", tuple(nodes), EinsumParams(tuple(subs), present),
                tuple(sizes[lab] for lab in present), dtype, tuple(names[lab] for lab in present),
            )
        if present == out:
            return core
        maps = tuple(out.index(lab) for lab in present)
        axes = tuple(names.get(lab, f"g{i}") for i, lab in enumerate(out))
        return Node("broadcast", (core,), BroadcastParams(maps), tuple(shape), dtype, axes)

    def _distribute(
        self,
        nodes: list[Node],
        subs: list[tuple[str, ...]],
        out: tuple[str, ...],
        shape: tuple[int, ...],
    ) -> Node | None:
        """Push the contraction through an ``add``/``subtract`` operand when every term then
        spans fewer axes: sum_b 2(a - b) becomes 2(|B| a - sum_b b), so the gradient of a
        pairwise distance never reads an A×B×D array. None when no operand qualifies."""
        expanded = self._expand_products(nodes, subs)
        if expanded is not None:
            nodes, subs = expanded
        for i, node in enumerate(nodes):
            if node.op != "elementwise" or node.params.fn not in ("add", "subtract"):
                continue
            if any(inp.dtype != node.dtype and not (inp.op == "const" and inp.params.weak)
                   for inp in node.inputs):
                continue  # mixed dtypes: the promoted sum is not the sum of the parts
            rest = nodes[:i] + nodes[i + 1:]
            rest_subs = subs[:i] + subs[i + 1:]
            other = set(itertools.chain(*rest_subs))
            whole = set(subs[i]) | other
            sizes = dict(zip(subs[i], node.shape))
            terms = [
                tuple(subs[i][m] if m >= 0 else _fresh_label() for m in maps)
                for maps in node.params.maps
            ]
            # worth it only when the result and every term span fewer axes than the sum
            if not (set(out) < whole and all(set(t) | other < whole for t in terms)):
                continue
            parts: list[Node] = []
            for k, (inp, term) in enumerate(zip(node.inputs, terms)):
                factor = math.prod(
                    sizes[lab] for lab in subs[i] if lab not in term and lab not in other
                    and lab not in out
                )
                if k == 1 and node.params.fn == "subtract":
                    factor = -factor
                extra = [self.p(float(factor)).node] if factor != 1 else []
                parts.append(self.einsum(
                    rest + [inp] + extra, rest_subs + [term] + [()] * len(extra), out, shape
                ))
            return self.add(parts[0], parts[1])
        return None

    @staticmethod
    def _expand_products(
        nodes: list[Node], subs: list[tuple[str, ...]]
    ) -> tuple[list[Node], list[tuple[str, ...]]] | None:
        """Operands that are pure products (einsums summing nothing) with an add/subtract
        factor, replaced by their factors, so ``_distribute`` can see the sum; else None."""
        out_nodes: list[Node] = []
        out_subs: list[tuple[str, ...]] = []
        changed = False
        for node, sub in zip(nodes, subs):
            if node.op == "einsum":
                p: EinsumParams = node.params
                inner = set(itertools.chain(*p.subscripts))
                if inner == set(p.out) and any(
                    i.op == "elementwise" and i.params.fn in ("add", "subtract")
                    for i in node.inputs
                ):
                    rename = dict(zip(p.out, sub))
                    out_nodes.extend(node.inputs)
                    out_subs.extend(tuple(rename[lab] for lab in s) for s in p.subscripts)
                    changed = True
                    continue
            out_nodes.append(node)
            out_subs.append(sub)
        return (out_nodes, out_subs) if changed else None

    def product_reduced(
        self,
        factors: Sequence[Factor],
        shape: tuple[int, ...],
        keep: Sequence[int],
    ) -> Node:
        """Product of ``factors`` (NumPy-broadcast to ``shape``), summed over all axes not in
        ``keep``; the result has the kept axes in ``keep`` order. One einsum."""
        labels = tuple(_fresh_label() for _ in shape)
        nodes: list[Node] = []
        subs: list[tuple[str, ...]] = []
        for f in factors:
            node = self.p(f).node
            offset = len(shape) - node.ndim
            subs.append(tuple(
                labels[offset + i] if s == shape[offset + i] else _fresh_label()
                for i, s in enumerate(node.shape)
            ))
            nodes.append(node)
        out = tuple(labels[k] for k in keep)
        return self.einsum(nodes, subs, out, tuple(shape[k] for k in keep))

    def align(self, node: Node, maps: tuple[int, ...], ndim: int) -> Tracer:
        """``node`` reshaped so NumPy broadcasting lines its axes up with positions ``maps``
        of an ``ndim``-axis result (elementwise maps are monotone)."""
        t = self.p(node)
        if node.ndim == 0:
            return t
        present = [(m, k) for k, m in enumerate(maps) if m >= 0]
        if [k for _, k in sorted(present)] != [k for _, k in present]:
            t = ops.permute(t, [k for _, k in sorted(present)] + [
                k for k, m in enumerate(maps) if m < 0])
            maps = tuple(sorted(m for m, _ in present)) + (-1,) * (len(maps) - len(present))
        target = [1] * ndim
        for k, m in enumerate(maps):
            if m >= 0:
                target[m] = t.shape[k]
        first = min((m for m in maps if m >= 0), default=ndim)
        target_t = tuple(target[first:]) if first < ndim else ()
        return t if target_t == t.shape else ops.reshape(t, target_t)


def _einsum_dtype(nodes: Sequence[Node]) -> np.dtype:
    parts: list[Any] = []
    for n in nodes:
        if n.op == "const" and n.params.weak:
            parts.append(n.params.value)  # weak Python scalars do not promote (NEP 50)
        else:
            parts.append(n.dtype)
    return np.dtype(np.result_type(*parts))


# ---------------------------------------------------------------- reverse rules

Rule = Callable[[_Builder, Node, Node, Sequence[bool]], list[Node | None]]


def _vjp_einsum(b: _Builder, node: Node, ct: Node, active: Sequence[bool]) -> list[Node | None]:
    p: EinsumParams = node.params
    sizes = {
        lab: n for inp, sub in zip(node.inputs, p.subscripts) for lab, n in zip(sub, inp.shape)
    }
    # x * x: the same operand under the same labels gets one contraction, times the count
    # (instead of two equal contractions and an add over the operand's full shape)
    same = [
        [j for j, other in enumerate(node.inputs)
         if other is inp and p.subscripts[j] == p.subscripts[k]]
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
                fresh = _fresh_label()
                operands.append(_eye(sizes[lab], ct.dtype))
                subs.append((lab, fresh))
                target.append(fresh)
            else:
                target.append(lab)
        grads.append(b.einsum(operands, subs, tuple(target), inp.shape))
    return grads


def _eye(n: int, dtype: np.dtype) -> Node:
    arr = np.eye(n, dtype=dtype)
    return Node("const", (), ConstParams(arr, False), arr.shape, arr.dtype, ("i", "j"))


def _vjp_elementwise(
    b: _Builder, node: Node, ct: Node, active: Sequence[bool]
) -> list[Node | None]:
    fn: str = node.params.fn
    maps: tuple[tuple[int, ...], ...] = node.params.maps
    if np.issubdtype(node.dtype, np.complexfloating):
        raise GradError(
            f"axcomp.grad: complex-valued {fn} is not differentiable (real dtypes only)"
        )
    rule = _ELEMENTWISE.get(fn)
    if rule is None:
        raise GradError(
            f"axcomp.grad: {fn} is not differentiable (no reverse rule); "
            "compute it outside the differentiated function or use a differentiable op"
        )
    xs = [b.align(inp, m, node.ndim) for inp, m in zip(node.inputs, maps)]
    z = b.p(node)
    ctt = b.p(ct)
    grads: list[Node | None] = []
    for k, inp in enumerate(node.inputs):
        if not active[k]:
            grads.append(None)
            continue
        d = rule(k, xs, z, ctt)
        if d is None:
            grads.append(None)
            continue
        factors = [ctt] + list(d) if isinstance(d, list) else [d]
        keep = [m for m in maps[k] if m >= 0]
        g = b.product_reduced(factors, node.shape, keep)
        if g.shape != inp.shape:  # size-1 axes that were broadcast away
            g = ops.reshape(b.p(g), inp.shape).node
        grads.append(g)
    return grads


def _e(fn: str, *args: Any) -> Tracer:
    return ops.elementwise(fn, *args)


def _recip(x: Tracer) -> Tracer:
    return _e("true_divide", 1.0, x)


def _typed(value: float, like: Tracer) -> Tracer:
    return ops.lift(np.asarray(value, dtype=like.dtype), like.trace)


def _chooser(k: int, xs: list[Tracer], z: Tracer) -> list[Factor]:
    # JAX's balanced convention: a tie sends half the cotangent to each side
    me, other = xs[k], xs[1 - k]
    half, one, zero = _typed(0.5, z), _typed(1.0, z), _typed(0.0, z)
    return [_e("where", _e("equal", me, z), _e("where", _e("equal", other, z), half, one), zero)]


def _fchooser(k: int, xs: list[Tracer], z: Tracer, cmp: str) -> list[Factor]:
    # jnp.fmax(x, y) = where((x > y) | isnan(y), x, y): ties go to y
    x, y = xs
    pick_x = _e("logical_or", _e(cmp, x, y), _e("isnan", y))
    one, zero = _typed(1.0, z), _typed(0.0, z)
    return [_e("where", pick_x, one, zero) if k == 0 else _e("where", pick_x, zero, one)]


def _power(k: int, xs: list[Tracer], z: Tracer) -> list[Factor] | None:
    x, y = xs
    if k == 0:
        ynode = y.node
        if ynode.op == "const" and ynode.ndim == 0:
            c = ynode.params.value
            c = c.item() if isinstance(c, np.ndarray) else c
            if c == 0:
                return None
            if c == 1:
                return []
            if c == 2:
                return [2.0, x]
            return [c, _e("power", x, c - 1)]
        # JAX: y * x ** (y - 1), with 0 where y == 0
        dx = ops.multiply(y, _e("power", x, _e("subtract", y, 1)))
        return [_e("where", _e("equal", y, 0), _typed(0.0, z), dx)]
    # JAX replaces x == 0 by 1 inside the log, so the derivative there is 0
    safe = _e("where", _e("equal", x, 0), _typed(1.0, x), x)
    return [z, _e("log", safe)]


def _abs(xs: list[Tracer], z: Tracer) -> list[Factor]:
    # JAX: select(x >= 0, g, -g), so abs'(0) = 1
    return [_e("where", _e("greater_equal", xs[0], 0), _typed(1.0, z), _typed(-1.0, z))]


def _square(x: Tracer) -> Tracer:
    return _e("square", x)


def _zero(*_: Any) -> None:
    return None


def _atan2(k: int, xs: list[Tracer]) -> list[Factor]:
    a, c = xs
    denom = _recip(_e("add", _square(a), _square(c)))
    return [c, denom] if k == 0 else [-1.0, a, denom]


_ELEMENTWISE: dict[str, Callable[[int, list[Tracer], Tracer, Tracer], Any]] = {
    "add": lambda k, xs, z, ct: [],
    "subtract": lambda k, xs, z, ct: [] if k == 0 else [-1.0],
    "multiply": lambda k, xs, z, ct: [xs[1 - k]],
    "true_divide": lambda k, xs, z, ct: (
        [_recip(xs[1])] if k == 0 else [-1.0, z, _recip(xs[1])]
    ),
    "negative": lambda k, xs, z, ct: [-1.0],
    "positive": lambda k, xs, z, ct: [],
    "conjugate": lambda k, xs, z, ct: [],
    "real": lambda k, xs, z, ct: [],
    "imag": _zero,
    "power": lambda k, xs, z, ct: _power(k, xs, z),
    "square": lambda k, xs, z, ct: [2.0, xs[0]],
    "sqrt": lambda k, xs, z, ct: [0.5, _recip(z)],  # inf at 0, like JAX
    "cbrt": lambda k, xs, z, ct: [1.0 / 3.0, _recip(_square(z))],
    "reciprocal": lambda k, xs, z, ct: [-1.0, _square(z)],
    "exp": lambda k, xs, z, ct: [z],
    "exp2": lambda k, xs, z, ct: [math.log(2.0), z],
    "expm1": lambda k, xs, z, ct: [_e("add", z, 1.0)],
    "log": lambda k, xs, z, ct: [_recip(xs[0])],
    "log2": lambda k, xs, z, ct: [1.0 / math.log(2.0), _recip(xs[0])],
    "log10": lambda k, xs, z, ct: [1.0 / math.log(10.0), _recip(xs[0])],
    "log1p": lambda k, xs, z, ct: [_recip(_e("add", xs[0], 1.0))],
    "absolute": lambda k, xs, z, ct: _abs(xs, z),
    "tanh": lambda k, xs, z, ct: [_e("subtract", 1.0, _square(z))],
    "sinh": lambda k, xs, z, ct: [_e("cosh", xs[0])],
    "cosh": lambda k, xs, z, ct: [_e("sinh", xs[0])],
    "sin": lambda k, xs, z, ct: [_e("cos", xs[0])],
    "cos": lambda k, xs, z, ct: [-1.0, _e("sin", xs[0])],
    "tan": lambda k, xs, z, ct: [_e("add", 1.0, _square(z))],
    "arcsin": lambda k, xs, z, ct: [_recip(_e("sqrt", _e("subtract", 1.0, _square(xs[0]))))],
    "arccos": lambda k, xs, z, ct: [
        -1.0, _recip(_e("sqrt", _e("subtract", 1.0, _square(xs[0]))))],
    "arctan": lambda k, xs, z, ct: [_recip(_e("add", 1.0, _square(xs[0])))],
    "arcsinh": lambda k, xs, z, ct: [_recip(_e("sqrt", _e("add", _square(xs[0]), 1.0)))],
    "arccosh": lambda k, xs, z, ct: [_recip(_e("sqrt", _e("subtract", _square(xs[0]), 1.0)))],
    "arctanh": lambda k, xs, z, ct: [_recip(_e("subtract", 1.0, _square(xs[0])))],
    "arctan2": lambda k, xs, z, ct: _atan2(k, xs),
    "hypot": lambda k, xs, z, ct: [xs[k], _recip(z)],
    "copysign": lambda k, xs, z, ct: (
        [_e("copysign", 1.0, xs[0]), _e("copysign", 1.0, xs[1])] if k == 0 else None
    ),
    "deg2rad": lambda k, xs, z, ct: [math.pi / 180.0],
    "rad2deg": lambda k, xs, z, ct: [180.0 / math.pi],
    "maximum": lambda k, xs, z, ct: _chooser(k, xs, z),
    "minimum": lambda k, xs, z, ct: _chooser(k, xs, z),
    "fmax": lambda k, xs, z, ct: _fchooser(k, xs, z, "greater"),
    "fmin": lambda k, xs, z, ct: _fchooser(k, xs, z, "less"),
    # d/dy of x mod y is -floor(x / y); d/dx is 1
    "remainder": lambda k, xs, z, ct: [] if k == 0 else [-1.0, _e("floor_divide", xs[0], xs[1])],
    "where": lambda k, xs, z, ct: (
        None if k == 0
        else _e("where", xs[0], ct, 0.0) if k == 1
        else _e("where", xs[0], 0.0, ct)
    ),
    "clip": lambda k, xs, z, ct: [
        _e("where", _e("equal", xs[k], z), _typed(1.0, z), _typed(0.0, z))],
    # piecewise constant: zero derivative almost everywhere (JAX gives zeros too)
    "sign": _zero,
    "floor": _zero,
    "ceil": _zero,
    "rint": _zero,
    "trunc": _zero,
    "floor_divide": _zero,
    "heaviside": _zero,
}
_ELEMENTWISE["divide"] = _ELEMENTWISE["true_divide"]  # NumPy 2 names true_divide "divide"


def _vjp_reduce(b: _Builder, node: Node, ct: Node, active: Sequence[bool]) -> list[Node | None]:
    fn: str = node.params.fn
    axes: tuple[int, ...] = node.params.axes
    (inp,) = node.inputs
    x = b.p(inp)
    keep_shape = tuple(1 if i in axes else s for i, s in enumerate(inp.shape))
    z = ops.reshape(b.p(node), keep_shape)
    g = ops.reshape(b.p(ct), keep_shape)
    every = tuple(range(inp.ndim))
    if fn in ("max", "min"):
        # ties share the cotangent equally (JAX's reduce chooser rule)
        hit = ops.astype(_e("equal", x, z), node.dtype)
        count = ops.reduce_sum(hit, axis=axes, keepdims=True)
        return [b.product_reduced([_e("true_divide", g, count), hit], inp.shape, every)]
    if fn == "prod":
        # product of the other entries, exact when some entries are zero
        is_zero = _e("equal", x, 0)
        nonzero = _e("where", is_zero, _typed(1.0, x), x)
        p_nz = ops.reduce("prod", nonzero, axis=axes, keepdims=True)
        n_zero = ops.reduce_sum(ops.astype(is_zero, node.dtype), axis=axes, keepdims=True)
        zero = _typed(0.0, x)
        at_zero = _e("where", _e("equal", n_zero, 1), p_nz, zero)
        elsewhere = _e("where", _e("equal", n_zero, 0), _e("true_divide", p_nz, nonzero), zero)
        return [b.product_reduced([g, _e("where", is_zero, at_zero, elsewhere)], inp.shape, every)]
    raise GradError(f"axcomp.grad: the {fn} reduction is not differentiable")


def _vjp_reshape(b: _Builder, node: Node, ct: Node, active: Sequence[bool]) -> list[Node | None]:
    return [ops.reshape(b.p(ct), node.inputs[0].shape).node]


def _vjp_broadcast(b: _Builder, node: Node, ct: Node, active: Sequence[bool]) -> list[Node | None]:
    inp = node.inputs[0]
    maps: tuple[int, ...] = node.params.maps
    labels = tuple(_fresh_label() for _ in node.shape)
    kept = tuple(labels[m] for m in maps if m >= 0)
    g = b.einsum([ct], [labels], kept, tuple(node.shape[m] for m in maps if m >= 0))
    return [g if g.shape == inp.shape else ops.reshape(b.p(g), inp.shape).node]


def _vjp_cast(b: _Builder, node: Node, ct: Node, active: Sequence[bool]) -> list[Node | None]:
    inp = node.inputs[0]
    return [b.cast(ct, inp.dtype) if _inexact(inp.dtype) else None]


def _vjp_index(b: _Builder, node: Node, ct: Node, active: Sequence[bool]) -> list[Node | None]:
    inp = node.inputs[0]
    return [Node("scatter", (ct,), node.params, inp.shape, ct.dtype, inp.axes)]


def _vjp_scatter(b: _Builder, node: Node, ct: Node, active: Sequence[bool]) -> list[Node | None]:
    # scatter is linear; its transpose reads the window back out
    inp = node.inputs[0]
    return [Node("index", (ct,), node.params, inp.shape, ct.dtype, inp.axes)]


def _vjp_concat(b: _Builder, node: Node, ct: Node, active: Sequence[bool]) -> list[Node | None]:
    axis: int = node.params.axis
    grads: list[Node | None] = []
    start = 0
    for k, inp in enumerate(node.inputs):
        stop = start + inp.shape[axis]
        if active[k]:
            items = tuple(
                ("slice", start, stop, 1) if i == axis else ("slice", 0, s, 1)
                for i, s in enumerate(node.shape)
            )
            grads.append(Node("index", (ct,), IndexParams(items), inp.shape, ct.dtype, inp.axes))
        else:
            grads.append(None)
        start = stop
    return grads


_RULES: dict[str, Rule] = {
    "einsum": _vjp_einsum,
    "elementwise": _vjp_elementwise,
    "reduce": _vjp_reduce,
    "reshape": _vjp_reshape,
    "broadcast": _vjp_broadcast,
    "cast": _vjp_cast,
    "index": _vjp_index,
    "scatter": _vjp_scatter,
    "concat": _vjp_concat,
}


def backprop(
    trace: Trace, outputs: Sequence[Node], seeds: Sequence[Node], wrt: Sequence[Node]
) -> list[Node]:
    """Cotangents of ``wrt`` given cotangents ``seeds`` of ``outputs`` (all physical nodes
    of the same shapes), as new nodes of the current trace."""
    b = _Builder(trace)
    order = topological(list(outputs))
    wrt_ids = {n.id for n in wrt}
    active: set[int] = set()
    for node in order:
        if node.id in wrt_ids or (
            _inexact(node.dtype) and any(i.id in active for i in node.inputs)
        ):
            if np.issubdtype(node.dtype, np.complexfloating):
                raise GradError(
                    f"axcomp.grad: complex values are not differentiable here ({describe(node)} "
                    f"gives {node.dtype.name}); only real floating-point paths are supported"
                )
            active.add(node.id)
    pending: dict[int, list[Node]] = {}
    for out, seed in zip(outputs, seeds):
        if out.id in active:
            pending.setdefault(out.id, []).append(seed)
    for node in reversed(order):
        if node.id in wrt_ids or node.id not in pending:
            continue
        ct = _total(b, pending.pop(node.id), node)
        rule = _RULES.get(node.op)
        if rule is None:
            raise GradError(f"axcomp.grad: no reverse rule for {node.op} nodes")
        flags = [i.id in active for i in node.inputs]
        for inp, g in zip(node.inputs, rule(b, node, ct, flags)):
            if g is not None and inp.id in active:
                pending.setdefault(inp.id, []).append(g)
    results = []
    for w in wrt:
        parts = pending.get(w.id)
        results.append(_total(b, parts, w) if parts else b.filled(0.0, w.shape, w.dtype))
    return results


def _total(b: _Builder, parts: list[Node], node: Node) -> Node:
    parts = [b.cast(p, node.dtype) for p in parts]
    acc = parts[0]
    for part in parts[1:]:
        acc = b.add(acc, part)
    return acc


# ---------------------------------------------------------------- the transforms


def _check_argnums(argnums: Any) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else argnums
    if not isinstance(nums, tuple) or not all(
        isinstance(a, int) and not isinstance(a, bool) for a in nums
    ):
        raise GradError(f"argnums must be an int or a tuple of ints, got {argnums!r}")
    return nums


def _leaf_dtype(leaf: Any) -> np.dtype:
    if isinstance(leaf, Tracer):
        return leaf.dtype
    if isinstance(leaf, (bool, int, float, complex)):
        return np.result_type(leaf)
    return np.asarray(leaf).dtype


def _fresh(leaf: Any, trace: Trace, levels: tuple[Level, ...], *, what: str) -> Tracer:
    """A new node standing for one differentiated leaf, carrying every active level so the
    sweep yields per-example gradients under vmap."""
    dtype = _leaf_dtype(leaf)
    if not _inexact(dtype):
        raise GradError(
            f"{what} requires real- or complex-valued inputs (input dtype that is a sub-dtype "
            f"of np.inexact), but got {dtype.name}. If you want to use Boolean- or "
            "integer-valued inputs, pass them as other (non-differentiated) arguments."
        )
    if np.issubdtype(dtype, np.complexfloating):
        raise GradError(f"{what}: complex inputs are not supported (got {dtype.name})")
    t = ops.broadcast_levels(ops.lift(leaf, trace), levels)
    node = t.node
    # an identity einsum: fused away by the lowering, but a node of its own for the sweep
    sub = tuple(f"a{i}" for i in range(node.ndim))
    fresh = Node("einsum", (node,), EinsumParams((sub,), sub), node.shape, node.dtype, node.axes)
    return Tracer(fresh, t.levels, trace)


def _scalar_output(out: Any, trace: Trace, what: str) -> Tracer:
    if not isinstance(out, Tracer) and pytree.node_kind(out) != "leaf":
        raise GradError(
            f"Gradient only defined for scalar-output functions. Output was {out!r} "
            f"(a {type(out).__name__})."
        )
    t = ops.lift(out, trace)
    if t.shape != ():
        raise GradError(
            f"Gradient only defined for scalar-output functions. Output had shape: {t.shape}."
        )
    if not np.issubdtype(t.dtype, np.floating):
        raise GradError(
            f"{what} requires real-valued outputs (output dtype that is a sub-dtype of "
            f"np.floating), but got {t.dtype.name}. For holomorphic differentiation, pass "
            "holomorphic=True. For differentiation of non-holomorphic functions involving "
            "complex outputs, use jax.vjp directly."
            if np.issubdtype(t.dtype, np.complexfloating)
            else f"{what} requires real-valued outputs (output dtype that is a sub-dtype of "
            f"np.floating), but got {t.dtype.name}."
        )
    return t


class GradFunction(Staged):
    """The result of ``grad`` / ``value_and_grad``: traced inline, or compiled and cached."""

    def __init__(
        self,
        fun: Callable[..., Any],
        argnums: int | tuple[int, ...],
        has_aux: bool,
        with_value: bool,
    ) -> None:
        self.fun = fun
        self.argnums = argnums
        self.nums = _check_argnums(argnums)
        self.has_aux = has_aux
        self.with_value = with_value
        functools.update_wrapper(self, fun, updated=())
        self._setup_cache()

    @property
    def what(self) -> str:
        return "value_and_grad" if self.with_value else "grad"

    @property
    def name(self) -> str:  # names the generated function: axcomp_grad_f
        return f"{self.what}_{getattr(self.fun, '__name__', 'fun')}"

    def __repr__(self) -> str:
        return f"{self.what}({function_name(self.fun)}, argnums={self.argnums!r})"

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        return self if obj is None else functools.partial(self, obj)

    def _inline(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        trace = current_trace()
        assert trace is not None
        n = len(args)
        for a in self.nums:
            if not -n <= a < n:
                raise GradError(
                    f"differentiating with respect to argnums={self.argnums!r} requires at "
                    f"least {max(a + 1, -a)} positional arguments to be passed by the caller, "
                    f"but got only {n} positional arguments."
                )
        levels = tuple(trace.levels)
        new_args = list(args)
        fresh: list[list[Tracer]] = []
        treedefs: list[pytree.TreeDef] = []
        for a in self.nums:
            leaves, treedef = pytree.flatten(args[a])
            tracers = [_fresh(leaf, trace, levels, what=self.what) for leaf in leaves]
            new_args[a % n] = pytree.unflatten(treedef, tracers)
            fresh.append(tracers)
            treedefs.append(treedef)
        with tracing_function(trace, function_name(self.fun)):
            out = self.fun(*new_args, **kwargs)
        aux = None
        if self.has_aux:
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise GradError(
                    "has_aux=True requires the function to return a pair (output, aux), "
                    f"got {type(out).__name__}"
                )
            out, aux = out
        value = _scalar_output(out, trace, self.what)
        full = ops.broadcast_levels(value, levels)
        seed = _Builder(trace).filled(1.0, full.node.shape, full.dtype)
        wrt = [t.node for tracers in fresh for t in tracers]
        cts = iter(backprop(trace, [full.node], [seed], wrt))
        grads = []
        for tracers, treedef in zip(fresh, treedefs):
            leaves = [Tracer(next(cts), t.levels, trace) for t in tracers]
            grads.append(pytree.unflatten(treedef, leaves))
        g = grads[0] if isinstance(self.argnums, int) else tuple(grads)
        if self.with_value:
            return ((value, aux) if self.has_aux else value), g
        return (g, aux) if self.has_aux else g


def grad(
    fun: Callable[..., Any], argnums: int | tuple[int, ...] = 0, has_aux: bool = False
) -> GradFunction:
    """The gradient of scalar-valued ``fun`` w.r.t. positional argument(s) ``argnums``,
    compiled to NumPy code like ``jit`` (per-example under ``vmap``; composes with itself)."""
    if not callable(fun):
        raise GradError(f"grad expects a callable, got {fun!r}")
    return GradFunction(fun, argnums, has_aux, with_value=False)


def value_and_grad(
    fun: Callable[..., Any], argnums: int | tuple[int, ...] = 0, has_aux: bool = False
) -> GradFunction:
    """Like ``grad``, but returns ``(value, grad)`` (``((value, aux), grad)`` with has_aux);
    both come from one compiled program."""
    if not callable(fun):
        raise GradError(f"value_and_grad expects a callable, got {fun!r}")
    return GradFunction(fun, argnums, has_aux, with_value=True)


# ---------------------------------------------------------------- vjp


def _vjp_inline(
    fun: Callable[..., Any], primals: tuple[Any, ...], trace: Trace, has_aux: bool
) -> tuple[Any, Callable[[Any], tuple[Any, ...]], Any]:
    levels = tuple(trace.levels)
    fresh: list[list[Tracer | None]] = []
    treedefs: list[pytree.TreeDef] = []
    new_primals = []
    for primal in primals:
        leaves, treedef = pytree.flatten(primal)
        tracers: list[Tracer | None] = []
        for leaf in leaves:
            # non-float primals are constants: their cotangent is zero
            tracers.append(_fresh(leaf, trace, levels, what="vjp")
                           if _inexact(_leaf_dtype(leaf)) else None)
        new_primals.append(pytree.unflatten(
            treedef, [t if t is not None else leaf for t, leaf in zip(tracers, leaves)]))
        fresh.append(tracers)
        treedefs.append(treedef)
    with tracing_function(trace, function_name(fun)):
        out = fun(*new_primals)
    aux = None
    if has_aux:
        out, aux = out
    out_leaves, out_def = pytree.flatten(out)
    outs = [ops.lift(leaf, trace) for leaf in out_leaves]

    def vjp_fn(cotangent: Any) -> tuple[Any, ...]:
        ct_leaves, ct_def = pytree.flatten(cotangent)
        if ct_def != out_def:
            raise GradError(
                f"Tree structure of cotangent input {ct_def} does not match structure of "
                f"primal output {out_def}."
            )
        b = _Builder(trace)
        full_outs, seeds = [], []
        for o, c in zip(outs, ct_leaves):
            ct = ops.lift(c, trace)
            if ct.shape != o.shape:
                raise GradError(
                    f"Shape of cotangent input to vjp pullback function {ct.shape} must be the "
                    f"same as the shape of corresponding primal input {o.shape}."
                )
            fo = ops.broadcast_levels(o, levels)
            seed = ops.broadcast_levels(ct, levels).node
            full_outs.append(fo.node)
            seeds.append(b.cast(seed, fo.dtype) if _inexact(fo.dtype) else seed)
        wrt = [t.node for ts in fresh for t in ts if t is not None]
        cts = iter(backprop(trace, full_outs, seeds, wrt))
        results = []
        for ts, treedef, primal in zip(fresh, treedefs, primals):
            leaves = []
            for t, leaf in zip(ts, pytree.flatten(primal)[0]):
                if t is None:
                    leaves.append(ops.lift(np.zeros(np.shape(leaf), _leaf_dtype(leaf)), trace))
                else:
                    leaves.append(Tracer(next(cts), t.levels, trace))
            results.append(pytree.unflatten(treedef, leaves))
        return tuple(results)

    return pytree.unflatten(out_def, outs), vjp_fn, aux


class _PullbackFunction(Staged):
    """``vjp_fn`` outside a trace: one compiled program taking (primals..., cotangent)."""

    def __init__(self, fun: Callable[..., Any], n_primals: int, has_aux: bool) -> None:
        self.fun = fun
        self.n_primals = n_primals
        self.has_aux = has_aux
        self._setup_cache()

    @property
    def name(self) -> str:
        return f"vjp_{getattr(self.fun, '__name__', 'fun')}"

    def _inline(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        trace = current_trace()
        assert trace is not None
        primals, ct = args[: self.n_primals], args[self.n_primals]
        _, vjp_fn, _ = _vjp_inline(self.fun, primals, trace, self.has_aux)
        return vjp_fn(ct)


def vjp(fun: Callable[..., Any], *primals: Any, has_aux: bool = False) -> Any:
    """``(fun(*primals), vjp_fn)`` (plus ``aux`` with has_aux), like ``jax.vjp``.

    ``vjp_fn(cotangent)`` returns a tuple with one cotangent per primal. Outside a trace it
    runs a compiled program (``vjp_fn.staged``) that recomputes the forward values it needs;
    inside a trace it adds the reverse sweep to the current graph.
    """
    if not callable(fun):
        raise GradError(f"vjp expects a callable, got {fun!r}")
    trace = current_trace()
    if trace is not None:
        out, vjp_fn, aux = _vjp_inline(fun, primals, trace, has_aux)
        return (out, vjp_fn, aux) if has_aux else (out, vjp_fn)
    from .transforms import jit

    result = jit(fun)(*primals)
    out, aux = result if has_aux else (result, None)
    staged = _PullbackFunction(fun, len(primals), has_aux)

    def pullback(cotangent: Any) -> tuple[Any, ...]:
        return staged(*primals, cotangent)

    pullback.staged = staged  # type: ignore[attr-defined]
    return (out, pullback, aux) if has_aux else (out, pullback)
