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

Complex values follow JAX: the reverse sweep is the *transpose* of the forward one for the
real pairing ``<a, b> = Re(sum(a * b))``, so a holomorphic rule's factor is f'(z), never
conjugated, and ``grad`` of a real-valued ``f(z)`` is ``conj(df/dx + i df/dy)``. A
complex (co)tangent that reaches a real value is read as its real part
(``_Builder.cast``); the non-holomorphic records (``conjugate``, ``imag``, ``abs``) carry
their own real-linear rules.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec, cast, overload

import numpy as np

from .. import primitives as ops
from .. import pytree
from ..core.graph import Node, describe, topological
from ..core.independence import repeated_axes
from ..core.leaves import ConstParams, const_p
from ..errors import ArgumentValueError, GradError
from ..primitives.contraction import EinsumParams, einsum_p, identity
from ..primitives.elementwise import elementwise_p
from ..primitives.shape import BroadcastParams, broadcast_p
from ..tracing.build import lift
from ..tracing.trace import Level, Trace, current_trace, function_name, tracing_function
from ..tracing.tracer import Tracer
from .jit import static_jit
from .staging import CACHE_SIZE, Staged

__all__ = ["grad", "value_and_grad", "vjp"]

Factor = Any  # a physical Tracer or a Python scalar, broadcastable to a node's shape

_labels = itertools.count()


def _fresh_label() -> str:
    return f"_ad{next(_labels)}"


def _inexact(dtype: np.dtype) -> bool:
    return np.issubdtype(dtype, np.inexact)


def _complex(dtype: np.dtype) -> bool:
    return np.issubdtype(dtype, np.complexfloating)


# ---------------------------------------------------------------- graph building helpers


class _Builder:
    """Node construction on physical arrays inside one trace."""

    def __init__(self, trace: Trace) -> None:
        self.trace = trace

    fresh_label = staticmethod(_fresh_label)

    def backprop(
        self, outputs: Sequence[Node], seeds: Sequence[Node], wrt: Sequence[Node]
    ) -> list[Node]:
        """The reverse sweep, for rules that differentiate a graph of their own (the
        branches of ``cond``), so the primitives never import this layer."""
        return backprop(self.trace, outputs, seeds, wrt)

    def p(self, value: Node | Factor) -> Tracer:
        """A level-free tracer: the ops layer sees every physical axis as logical."""
        if isinstance(value, Node):
            return Tracer(value, (), self.trace)
        return lift(value, self.trace)

    def const(self, value: float, dtype: np.dtype) -> Node:
        arr = np.asarray(value, dtype=dtype)
        return Node(const_p, (), ConstParams(arr, False), (), arr.dtype, ())

    def filled(self, value: float, shape: tuple[int, ...], dtype: np.dtype) -> Node:
        """A broadcast scalar (a view in the generated code, folded into contractions)."""
        scalar = self.const(value, dtype)
        if not shape:
            return scalar
        axes = tuple(f"g{i}" for i in range(len(shape)))
        return Node(broadcast_p, (scalar,), BroadcastParams(()), shape, scalar.dtype, axes)

    def cast(self, node: Node, dtype: np.dtype) -> Node:
        if node.dtype == dtype:
            return node
        if _complex(node.dtype) and not _complex(dtype):
            # a complex (co)tangent of a real value: its real part, as JAX's transpose of
            # the real-to-complex conversion (and the tangent of a real-valued function)
            node = ops.elementwise("real", self.p(node)).node
            if node.dtype == dtype:
                return node
        if node.op is const_p and node.params.weak:
            # a Python scalar is printed as a literal, which has no ``astype``
            return lift(np.asarray(node.params.value, dtype), self.trace).node
        return ops.astype(self.p(node), dtype).node

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
            while node.op is broadcast_p:
                maps: tuple[int, ...] = node.params.maps
                sub = tuple(sub[m] if m >= 0 else _fresh_label() for m in maps)
                node = node.inputs[0]
            nodes.append(node)
            subs.append(tuple(sub))
        # a factor of exactly 1 (the ones seed) changes nothing; dropping it lets a lone
        # operand pass through instead of being copied
        dtype = _einsum_dtype(nodes)
        keep = [
            i
            for i, node in enumerate(nodes)
            if not (
                node.op is const_p
                and node.ndim == 0
                and node.dtype == dtype
                and np.all(np.asarray(node.params.value) == 1)
            )
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
                einsum_p,
                tuple(nodes),
                EinsumParams(tuple(subs), present),
                tuple(sizes[lab] for lab in present),
                dtype,
                tuple(names[lab] for lab in present),
            )
        if present == out:
            return core
        maps = tuple(out.index(lab) for lab in present)
        axes = tuple(names.get(lab, f"g{i}") for i, lab in enumerate(out))
        return Node(broadcast_p, (core,), BroadcastParams(maps), tuple(shape), dtype, axes)

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
            if node.op is not elementwise_p or node.params.fn not in ("add", "subtract"):
                continue
            if any(
                inp.dtype != node.dtype and not (inp.op is const_p and inp.params.weak)
                for inp in node.inputs
            ):
                continue  # mixed dtypes: the promoted sum is not the sum of the parts
            rest = nodes[:i] + nodes[i + 1 :]
            rest_subs = subs[:i] + subs[i + 1 :]
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
                    sizes[lab]
                    for lab in subs[i]
                    if lab not in term and lab not in other and lab not in out
                )
                if k == 1 and node.params.fn == "subtract":
                    factor = -factor
                extra = [self.p(float(factor)).node] if factor != 1 else []
                parts.append(
                    self.einsum(
                        rest + [inp] + extra, rest_subs + [term] + [()] * len(extra), out, shape
                    )
                )
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
            if node.op is einsum_p:
                p: EinsumParams = node.params
                inner = set(itertools.chain(*p.subscripts))
                if inner == set(p.out) and any(
                    i.op is elementwise_p and i.params.fn in ("add", "subtract")
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
            subs.append(
                tuple(
                    labels[offset + i] if s == shape[offset + i] else _fresh_label()
                    for i, s in enumerate(node.shape)
                )
            )
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
            t = ops.permute(
                t, [k for _, k in sorted(present)] + [k for k, m in enumerate(maps) if m < 0]
            )
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
        if n.op is const_p and n.params.weak:
            parts.append(n.params.value)  # weak Python scalars do not promote (NEP 50)
        else:
            parts.append(n.dtype)
    return np.dtype(np.result_type(*parts))


def backprop(
    trace: Trace, outputs: Sequence[Node], seeds: Sequence[Node], wrt: Sequence[Node]
) -> list[Node]:
    """Cotangents of ``wrt`` given cotangents ``seeds`` of ``outputs`` (all physical nodes
    of the same shapes), as new nodes of the current trace."""
    b = _Builder(trace)
    order = topological(list(outputs))
    wrt_set = set(wrt)
    active: set[Node] = set()
    for node in order:
        if node in wrt_set or (_inexact(node.dtype) and any(i in active for i in node.inputs)):
            active.add(node)
    pending: dict[Node, list[Node]] = {}
    for out, seed in zip(outputs, seeds):
        if out in active:
            pending.setdefault(out, []).append(seed)
    # the results of one operation (a loop's) are swept together, at the first of them in
    # topological order: every other result's users come after it, so by then each
    # result's cotangent is complete
    groups: dict[int, list[Node]] = {}
    for node in order:
        if node.op.vjp_group is not None and node in active:
            groups.setdefault(id(node.params.group), []).append(node)
    for node in reversed(order):
        if node in wrt_set:
            continue
        if node.op.vjp_group is not None and node in active:
            members = groups[id(node.params.group)]
            if node is members[0]:
                _sweep_group(b, members, pending, active)
            continue
        if node not in pending:
            continue
        ct = _total(b, pending.pop(node), node)
        rule = node.op.vjp
        if rule is None:
            raise GradError(
                f"axcomp.grad: {describe(node)} is not differentiable (no reverse rule)"
            )
        flags = [i in active for i in node.inputs]
        for inp, g in zip(node.inputs, rule(b, node, ct, flags)):
            if g is not None and inp in active:
                pending.setdefault(inp, []).append(g)
    results = []
    for w in wrt:
        parts = pending.get(w)
        results.append(_total(b, parts, w) if parts else b.filled(0.0, w.shape, w.dtype))
    return results


def _sweep_group(
    b: _Builder, members: list[Node], pending: dict[Node, list[Node]], active: set[Node]
) -> None:
    """One ``vjp_group`` call for the results ``members`` of one operation (same inputs)."""
    cts = [_total(b, pending.pop(m), m) if m in pending else None for m in members]
    if all(ct is None for ct in cts):
        return
    first = members[0]
    rule = first.op.vjp_group
    assert rule is not None
    flags = [i in active for i in first.inputs]
    for inp, g in zip(first.inputs, rule(b, members, cts, flags)):
        if g is not None and inp in active:
            pending.setdefault(inp, []).append(g)


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


def _fresh(
    leaf: Any, trace: Trace, levels: tuple[Level, ...], *, what: str, holomorphic: bool = False
) -> Tracer:
    """A new node standing for one differentiated leaf, carrying every active level so the
    sweep yields per-example gradients under vmap."""
    dtype = _leaf_dtype(leaf)
    if holomorphic and not _complex(dtype):
        raise GradError(
            f"{what} with holomorphic=True requires inputs with complex dtype, but got "
            f"{dtype.name}."
        )
    if not _inexact(dtype):
        raise GradError(
            f"{what} requires real- or complex-valued inputs (input dtype that is a sub-dtype "
            f"of np.inexact), but got {dtype.name}. If you want to use Boolean- or "
            "integer-valued inputs, pass them as other (non-differentiated) arguments."
        )
    t = ops.broadcast_levels(lift(leaf, trace), levels)
    # an identity einsum: fused away by the lowering, but a node of its own for the sweep
    fresh = Tracer(identity(t.node), t.levels, trace)
    trace.differentiated.add(fresh.node)
    return fresh


def _scalar_output(out: Any, trace: Trace, what: str, holomorphic: bool) -> Tracer:
    if not isinstance(out, Tracer) and pytree.node_kind(out) != "leaf":
        raise GradError(
            f"Gradient only defined for scalar-output functions. Output was {out!r} "
            f"(a {type(out).__name__})."
        )
    t = lift(out, trace)
    if t.shape != ():
        raise GradError(
            f"Gradient only defined for scalar-output functions. Output had shape: {t.shape}."
        )
    if holomorphic:
        if not _complex(t.dtype):
            raise GradError(
                f"{what} with holomorphic=True requires outputs with complex dtype, but got "
                f"{t.dtype.name}."
            )
        return t
    if not np.issubdtype(t.dtype, np.floating):
        raise GradError(
            f"{what} requires real-valued outputs (output dtype that is a sub-dtype of "
            f"np.floating), but got {t.dtype.name}. For holomorphic differentiation, pass "
            "holomorphic=True. For differentiation of non-holomorphic functions involving "
            "complex outputs, use jax.vjp directly."
            if _complex(t.dtype)
            else f"{what} requires real-valued outputs (output dtype that is a sub-dtype of "
            f"np.floating), but got {t.dtype.name}."
        )
    return t


def _gradient(
    node: Node, levels: tuple[Level, ...], trace: Trace, repeated: dict[Node, frozenset[int]]
) -> Tracer:
    """A leaf's cotangent as a Tracer of ``levels``, without the levels along which it
    repeats one value (a broadcast, or a value no mapped input reaches): it is then the same
    for every example, so it is unmapped there, as in JAX (the cotangent of ``psum(x, 'i')``
    is one value for all of axis 'i'; ``vmap(grad(f), in_axes=None, axis_size=2)`` maps
    nothing)."""
    if not levels:
        return Tracer(node, levels, trace)
    if node.op is not broadcast_p:
        return _unmapped_where_repeated(node, levels, trace, repeated.get(node, frozenset()))
    maps: tuple[int, ...] = node.params.maps
    drop = [k for k in range(len(levels)) if k not in maps]
    if not drop:
        return Tracer(node, levels, trace)
    keep = [k for k in range(node.ndim) if k not in drop]
    new_maps = tuple(m if m < 0 else keep.index(m) for m in maps)
    shape = tuple(node.shape[k] for k in keep)
    inp = node.inputs[0]
    kept_levels = tuple(lv for k, lv in enumerate(levels) if k not in drop)
    if shape == inp.shape and new_maps == tuple(range(inp.ndim)):
        return Tracer(inp, kept_levels, trace)
    axes = tuple(node.axes[k] for k in keep)
    params = BroadcastParams(new_maps)
    return Tracer(Node(broadcast_p, (inp,), params, shape, node.dtype, axes), kept_levels, trace)


def _repeated(
    cotangents: Sequence[Node], wrt: Sequence[Node], trace: Trace
) -> dict[Node, frozenset[int]]:
    """The axes along which each cotangent repeats one value, for the variables of every
    sweep still pending (``trace.differentiated`` but this sweep's own ``wrt``) varying."""
    return repeated_axes(cotangents, trace.differentiated - set(wrt))


def _unmapped_where_repeated(
    node: Node, levels: tuple[Level, ...], trace: Trace, repeated: frozenset[int]
) -> Tracer:
    """``node`` without the level axes (its leading ones) along which it repeats one value:
    the first entry along each (a view)."""
    t = Tracer(node, levels, trace)
    for k in reversed(range(len(levels))):
        if k in repeated and node.shape[k] > 0:
            t = ops.getitem(ops.unmap_axis(t, levels[k], 0), 0)
    return t


class GradFunction(Staged):
    """The result of ``grad`` / ``value_and_grad``: traced inline, or compiled and cached."""

    eager = True  # outside a trace, Python control flow on values works, as in JAX
    trace_scalars = True  # in the differentiated arguments (scalar_argnums)

    def __init__(
        self,
        fun: Callable[..., Any],
        argnums: int | tuple[int, ...],
        has_aux: bool,
        with_value: bool,
        holomorphic: bool = False,
    ) -> None:
        self.fun = fun
        self.holomorphic = holomorphic
        self.argnums = argnums
        self.nums = _check_argnums(argnums)
        self.scalar_argnums = self.nums
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
            tracers = [
                _fresh(leaf, trace, levels, what=self.what, holomorphic=self.holomorphic)
                for leaf in leaves
            ]
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
        value = _scalar_output(out, trace, self.what, self.holomorphic)
        full = ops.broadcast_levels(value, levels)
        seed = _Builder(trace).filled(1.0, full.node.shape, full.dtype)
        wrt = [t.node for tracers in fresh for t in tracers]
        cotangents = backprop(trace, [full.node], [seed], wrt)
        repeated = _repeated(cotangents, wrt, trace) if levels else {}
        cts = iter(cotangents)
        grads = []
        for tracers, treedef in zip(fresh, treedefs):
            leaves = [_gradient(next(cts), t.levels, trace, repeated) for t in tracers]
            grads.append(pytree.unflatten(treedef, leaves))
        g = grads[0] if isinstance(self.argnums, int) else tuple(grads)
        if self.with_value:
            return ((value, aux) if self.has_aux else value), g
        return (g, aux) if self.has_aux else g


P = ParamSpec("P")


@overload
def grad(
    fun: Callable[P, Any],
    argnums: int | tuple[int, ...] = 0,
    has_aux: bool = False,
    holomorphic: bool = False,
) -> Callable[P, Any]: ...


@overload
def grad(
    fun: None = None,
    argnums: int | tuple[int, ...] = 0,
    has_aux: bool = False,
    holomorphic: bool = False,
) -> Callable[[Callable[P, Any]], Callable[P, Any]]: ...


def grad(
    fun: Callable[..., Any] | None = None,
    argnums: int | tuple[int, ...] = 0,
    has_aux: bool = False,
    holomorphic: bool = False,
) -> Any:
    """The gradient of scalar-valued ``fun`` w.r.t. positional argument(s) ``argnums``,
    compiled to NumPy code like ``jit`` (per-example under ``vmap``; composes with itself).
    Without ``fun``, a decorator: ``@grad(argnums=1)``.

    Outside ``jit``, Python control flow on values works (``if x > 0:``, ``while err >
    tol:``), as in JAX: the program of each path taken is compiled once and reused while
    the values it read keep their outcome (``transforms/eager.py``). Python scalars in the
    differentiated arguments are traced, the other arguments' stay concrete.

    Complex inputs follow JAX: for a real-valued ``fun`` the result is the transpose of
    the derivative applied to 1 (``grad(lambda z: abs(z) ** 2)(z) == 2 * conj(z)``); with
    ``holomorphic=True``, ``fun`` maps complex inputs to a complex output and the result
    is ``f'(z)``."""
    if fun is None:
        return functools.partial(grad, argnums=argnums, has_aux=has_aux, holomorphic=holomorphic)
    if not callable(fun):
        raise GradError(f"grad expects a callable, got {fun!r}")
    # a GradFunction takes fun's parameters: the cast tells a type checker so
    return cast(
        "Callable[P, Any]",
        GradFunction(fun, argnums, has_aux, with_value=False, holomorphic=holomorphic),
    )


@overload
def value_and_grad(
    fun: Callable[P, Any],
    argnums: int | tuple[int, ...] = 0,
    has_aux: bool = False,
    holomorphic: bool = False,
) -> Callable[P, tuple[Any, Any]]: ...


@overload
def value_and_grad(
    fun: None = None,
    argnums: int | tuple[int, ...] = 0,
    has_aux: bool = False,
    holomorphic: bool = False,
) -> Callable[[Callable[P, Any]], Callable[P, tuple[Any, Any]]]: ...


def value_and_grad(
    fun: Callable[..., Any] | None = None,
    argnums: int | tuple[int, ...] = 0,
    has_aux: bool = False,
    holomorphic: bool = False,
) -> Any:
    """Like ``grad``, but returns ``(value, grad)`` (``((value, aux), grad)`` with has_aux);
    both come from one compiled program. Without ``fun``, a decorator."""
    if fun is None:
        return functools.partial(
            value_and_grad, argnums=argnums, has_aux=has_aux, holomorphic=holomorphic
        )
    if not callable(fun):
        raise GradError(f"value_and_grad expects a callable, got {fun!r}")
    return cast(
        "Callable[P, tuple[Any, Any]]",
        GradFunction(fun, argnums, has_aux, with_value=True, holomorphic=holomorphic),
    )


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
            tracers.append(
                _fresh(leaf, trace, levels, what="vjp") if _inexact(_leaf_dtype(leaf)) else None
            )
        new_primals.append(
            pytree.unflatten(
                treedef, [t if t is not None else leaf for t, leaf in zip(tracers, leaves)]
            )
        )
        fresh.append(tracers)
        treedefs.append(treedef)
    with tracing_function(trace, function_name(fun)):
        out = fun(*new_primals)
    aux = None
    if has_aux:
        out, aux = out
    out_leaves, out_def = pytree.flatten(out)
    outs = [lift(leaf, trace) for leaf in out_leaves]

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
            ct = lift(c, trace)
            if ct.shape != o.shape:
                raise GradError(
                    f"Shape of cotangent input to vjp pullback function {ct.shape} must be the "
                    f"same as the shape of corresponding primal input {o.shape}."
                )
            if _inexact(o.dtype) and (ct.dtype.kind == "c") != (o.dtype.kind == "c"):
                # JAX's check: a real cotangent for a complex output (or a complex one for
                # a real output) is a mistake, not something to cast; a float of another
                # width is cast (JAX refuses that too)
                raise ArgumentValueError(
                    "unexpected JAX type (e.g. shape/dtype) for argument to VJP function: got "
                    f"{_aval(ct)}, but expected {_aval(o)} because the corresponding "
                    f"output of the differentiated function had JAX type {_aval(o)}"
                )
            fo = ops.broadcast_levels(o, levels)
            seed = ops.broadcast_levels(ct, levels).node
            full_outs.append(fo.node)
            seeds.append(b.cast(seed, fo.dtype) if _inexact(fo.dtype) else seed)
        wrt = [t.node for ts in fresh for t in ts if t is not None]
        cotangents = backprop(trace, full_outs, seeds, wrt)
        repeated = _repeated(cotangents, wrt, trace) if levels else {}
        cts = iter(cotangents)
        results = []
        for ts, treedef, primal in zip(fresh, treedefs, primals):
            leaves = []
            for t, leaf in zip(ts, pytree.flatten(primal)[0]):
                if t is None:
                    leaves.append(lift(np.zeros(np.shape(leaf), _leaf_dtype(leaf)), trace))
                else:
                    leaves.append(_gradient(next(cts), t.levels, trace, repeated))
            results.append(pytree.unflatten(treedef, leaves))
        return tuple(results)

    return pytree.unflatten(out_def, outs), vjp_fn, aux


def _aval(t: Tracer) -> str:
    """A value's type as JAX's VJP errors print it: ``float64[3,4]``."""
    return f"{t.dtype.name}[{','.join(str(n) for n in t.shape)}]"


class _PullbackFunction(Staged):
    """``vjp_fn`` outside a trace: one compiled program taking (primals..., cotangent)."""

    eager = True
    trace_scalars = True  # primals and cotangent

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


@functools.lru_cache(maxsize=CACHE_SIZE)
def _staged_vjp(
    fun: Callable[..., Any], n_primals: int, has_aux: bool
) -> tuple[Staged, _PullbackFunction]:
    # one forward and one pullback program per function, so repeated vjp calls outside a
    # trace hit the compile caches as grad does (a fresh pair per call recompiled each time)
    return static_jit(fun, "all"), _PullbackFunction(fun, n_primals, has_aux)


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
    forward, staged = _staged_vjp(fun, len(primals), has_aux)
    result = forward(*primals)
    out, aux = result if has_aux else (result, None)

    def pullback(cotangent: Any) -> tuple[Any, ...]:
        cotangents: tuple[Any, ...] = staged(*primals, cotangent)
        return cotangents

    pullback.staged = staged  # type: ignore[attr-defined]
    return (out, pullback, aux) if has_aux else (out, pullback)
