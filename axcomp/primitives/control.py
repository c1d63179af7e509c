"""The loop and cond primitives and their rules, and the ``fori_loop``/``while_loop``
builders; the user-facing ``jax.lax`` control flow (``select``, ``cond``, ``switch``,
``fori_loop``, ``scan``, ``while_loop``) is ``axcomp/lax/control_flow.py``, built on them and
on existing primitives (``where``, ``getitem``, ``stack``), so lowering, reverse mode and
both backends come for free.

What each one does here (and how that differs from JAX in cost, never in value):

* ``select``, and ``cond``/``switch`` with a *batched* predicate or index, evaluate every
  branch and pick the results with ``where``, as JAX does under ``vmap``. An unbatched
  traced predicate (``jit`` arguments, or values no vmap maps) traces each branch once into
  its own graph and becomes one ``If`` of generated code (the ``cond`` primitive): only the
  taken branch runs, forward and in reverse mode. A static Python/NumPy predicate picks its
  branch at trace time, so only that branch is traced and run.
* ``fori_loop`` (static bounds) and ``scan`` (static length) of up to ``MAX_UNROLL``
  steps are unrolled at trace time: the body is traced once per step, each step vectorized
  over every vmap level, and gradients follow from the unrolled graph. Longer ones are one
  ``loop`` node (one ``Loop`` of generated code over the body traced once); contractions
  of the slices with loop-invariant operands alone (``x_t @ U``) are hoisted out of its
  body as one contraction over every step. Reverse mode of a loop runs the forward once,
  stacking each step's residuals, then one reverse loop (``_vjp_loop_group``).
* ``while_loop`` runs at trace time while its predicate is static (it does not depend on
  traced values); a traced predicate makes it a ``loop`` node without a length (forward
  mode only: its trip count is unknown, so reverse mode refuses it).
"""

from __future__ import annotations

import dataclasses
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.graph import Graph, Node, topological
from ..core.independence import NotIndependent, Partial, Sliced, State, current_level, split_states
from ..core.leaves import InputParams, const_p, input_p
from ..core.plan import (
    Assign,
    Branch,
    If,
    Loop,
    LowerContext,
    Ref,
    Statement,
    call,
    statement_reads,
)
from ..core.primitive import primitive
from ..errors import (
    GradError,
    IncompatibleShapesError,
    ShapeError,
    TracingError,
    UnsupportedError,
)
from ..tracing.build import Value, batch_names, lift, logical_names, trace_of, union_levels
from ..tracing.trace import (
    Level,
    abstract_values,
    collecting_effects,
    current_trace,
    guarding_effects,
    recording,
)
from ..tracing.tracer import Tracer
from .contraction import EinsumParams, einsum_p
from .elementwise import elementwise
from .indexing import getitem
from .shape import astype, broadcast_levels, concatenate, expand_dims

#: the most steps ``fori_loop``/``scan`` unroll at trace time (differentiable); longer
#: loops become one ``Loop`` of generated code over the vectorized body (forward only)
MAX_UNROLL = 64
#: the most iterations a ``while_loop`` with a static predicate runs at trace time
MAX_STATIC_WHILE = 10_000


# --- tiny pytrees (tuple, list, dict in sorted key order, None) -------------------------


def _flatten(tree: Any) -> tuple[list[Any], Any]:
    if tree is None:
        return [], ("none",)
    if isinstance(tree, (tuple, list)) and not hasattr(tree, "_fields"):
        leaves: list[Any] = []
        defs = []
        for t in tree:
            lv, d = _flatten(t)
            leaves += lv
            defs.append((len(lv), d))
        return leaves, (type(tree), tuple(defs))
    if isinstance(tree, tuple):  # namedtuple
        lv, d = _flatten(tuple(tree))
        return lv, ("named", type(tree), d)
    if isinstance(tree, dict):
        keys = sorted(tree)
        lv, d = _flatten([tree[k] for k in keys])
        return lv, ("dict", tuple(keys), d)
    return [tree], ("leaf",)


def _unflatten(treedef: Any, leaves: Sequence[Any]) -> Any:
    tag = treedef[0]
    if tag == "none":
        return None
    if tag == "leaf":
        return leaves[0]
    if tag == "named":
        return treedef[1](*_unflatten(treedef[2], leaves))
    if tag == "dict":
        return dict(zip(treedef[1], _unflatten(treedef[2], leaves), strict=True))
    out, k = [], 0
    for n, d in treedef[1]:
        out.append(_unflatten(d, leaves[k : k + n]))
        k += n
    return tag(out)


def _structure(what: str, a: Any, b: Any) -> tuple[list[Any], list[Any], Any]:
    la, da = _flatten(a)
    lb, db = _flatten(b)
    if da != db:
        raise TracingError(f"{what}: the branches return different structures ({da} vs {db})")
    return la, lb, da


def _aval(v: Value) -> tuple[tuple[int, ...], np.dtype]:
    if isinstance(v, Tracer):
        return v.shape, v.dtype
    a = np.asarray(v)
    return a.shape, a.dtype


def _is_traced(v: Any) -> bool:
    return isinstance(v, Tracer)


# --- select, cond, switch ----------------------------------------------------------------


def _where(pred: Value, a: Value, b: Value) -> Any:
    if not (_is_traced(pred) or _is_traced(a) or _is_traced(b)):
        return np.where(pred, a, b)
    return elementwise("where", pred, a, b)


def _merge(what: str, pred: Value, a: Any, b: Any) -> Any:
    la, lb, d = _structure(what, a, b)
    out = []
    for x, y in zip(la, lb, strict=True):
        (xs, xd), (ys, yd) = _aval(x), _aval(y)
        if xs != ys or xd != yd:
            raise IncompatibleShapesError(
                f"{what}: branch outputs differ in shape or dtype: {xs} {xd} vs {ys} {yd}"
            )
        out.append(_where(pred, x, y))
    return _unflatten(d, out)


def _scalar_pred(what: str, pred: Value) -> None:
    shape, _ = _aval(pred)
    if shape != ():
        raise ShapeError(f"{what}: the predicate must be a scalar, got shape {shape}")


def _abstract(fun: Callable[..., Any], *args: Any) -> Any:
    """``fun(*args)`` with abstract values: a branch or loop body that runs at trace time
    (static predicate, unrolled loop) sees no concrete values in an eager ``grad``, as in
    JAX, where they are traced into their own programs."""
    trace = current_trace()
    if trace is None or trace.concretize is None:
        return fun(*args)
    with abstract_values(trace):
        return fun(*args)


def _static_branch(fun: Callable[..., Any], operands: tuple[Any, ...]) -> Any:
    return _abstract(fun, *operands)


# --- loops ---------------------------------------------------------------------------------


def _static_int(what: str, v: Any) -> int:
    if _is_traced(v):
        raise UnsupportedError(
            f"{what}: loop bounds must be static ints (a traced bound needs a loop in the Plan)"
        )
    return int(v)


def _check_carry(what: str, before: Any, after: Any) -> None:
    lb, db = _flatten(before)
    la, da = _flatten(after)
    if db != da:
        raise TracingError(f"{what}: the body changed the carry's structure ({db} -> {da})")
    for x, y in zip(lb, la, strict=True):
        (xs, xd), (ys, yd) = _aval(x), _aval(y)
        if xs != ys:
            raise IncompatibleShapesError(
                f"{what}: the body changed a carry's shape from {xs} to {ys}"
            )
        del xd, yd


def _keep_dtype(before: Any, after: Any) -> Any:
    lb, _ = _flatten(before)
    la, d = _flatten(after)
    out = []
    for x, y in zip(lb, la, strict=True):
        xd = _aval(x)[1]
        if _aval(y)[1] != xd:
            y = astype(y, xd) if _is_traced(y) else np.asarray(y).astype(xd)
        out.append(y)
    return _unflatten(d, out)


def fori_loop(lower: Any, upper: Any, body_fun: Callable[[Any, Any], Any], init_val: Any) -> Any:
    """``jax.lax.fori_loop``: ``val = body_fun(i, val)`` for i in range; a traced bound
    (a traced Python int under ``jit``) makes it a ``while_loop``, as in JAX."""
    if _is_traced(lower) or _is_traced(upper):
        return _fori_as_while(lower, upper, body_fun, init_val)
    lo, hi = _static_int("fori_loop", lower), _static_int("fori_loop", upper)
    if hi - lo > MAX_UNROLL:
        leaves, cdef = _flatten(init_val)

        def body(c_in: list[Tracer], i_in: Tracer | None, _: list[Tracer]) -> Any:
            tree = _unflatten(cdef, c_in)
            new = body_fun(elementwise("add", i_in, lo) if lo else i_in, tree)
            _check_carry("fori_loop", tree, new)
            return _flatten(new)[0], [], None

        out, _ = loop(body, leaves, [], hi - lo, with_index=True)
        return _unflatten(cdef, out)
    val = init_val
    for i in range(lo, hi):
        new = _abstract(body_fun, i, val)
        _check_carry("fori_loop", val, new)
        val = _keep_dtype(val, new)
    return val


def _fori_as_while(
    lower: Any, upper: Any, body_fun: Callable[[Any, Any], Any], init_val: Any
) -> Any:
    def cond(carry: tuple[Any, Any]) -> Any:
        return elementwise("less", carry[0], upper)

    def body(carry: tuple[Any, Any]) -> tuple[Any, Any]:
        i, val = carry
        return elementwise("add", i, 1), body_fun(i, val)

    start = elementwise("add", lower, elementwise("multiply", upper, 0))  # the bounds' dtype
    return while_loop(cond, body, (start, init_val))[1]


def _scan_loop(
    f: Any, init: Any, leaves: list[Any], xdef: Any, n: int, reverse: bool
) -> tuple[Any, Any]:
    cleaves, cdef = _flatten(init)
    ydefs: list[Any] = []

    def body(c_in: list[Tracer], i_in: Tracer | None, x_in: list[Tracer]) -> Any:
        tree = _unflatten(cdef, c_in)
        new, y = f(tree, _unflatten(xdef, x_in))
        _check_carry("scan", tree, new)
        y_leaves, ydef = _flatten(y)
        ydefs.append(ydef)
        return _flatten(new)[0], y_leaves, None

    carry, ys = loop(body, cleaves, leaves, n, reverse=reverse)
    return _unflatten(cdef, carry), _unflatten(ydefs[-1], ys)


def while_loop(
    cond_fun: Callable[[Any], Any], body_fun: Callable[[Any], Any], init_val: Any
) -> Any:
    """``jax.lax.while_loop`` while the predicate is static (not traced); a traced predicate
    is refused (it needs a loop in the Plan)."""
    val = init_val
    for _ in range(MAX_STATIC_WHILE + 1):
        p = _abstract(cond_fun, val)
        if _is_traced(p):
            return _while_loop(cond_fun, body_fun, val)
        if not bool(np.asarray(p)):
            return val
        new = _abstract(body_fun, val)
        _check_carry("while_loop", val, new)
        val = _keep_dtype(val, new)
    raise UnsupportedError(f"while_loop: more than {MAX_STATIC_WHILE} static iterations")


def _while_loop(cond_fun: Any, body_fun: Any, init_val: Any) -> Any:
    """A traced predicate: one while loop of generated code; under vmap it runs until every
    example is done, finished examples keep their carry (``where`` masks the update)."""
    leaves, cdef = _flatten(init_val)
    trace = trace_of(leaves)

    def body(c_in: list[Tracer], i_in: Tracer | None, _: list[Tracer]) -> Any:
        tree = _unflatten(cdef, c_in)
        p = cond_fun(tree)
        shape, dtype = _aval(p)
        if shape != () or dtype != np.bool_:
            raise TracingError(
                f"while_loop: cond_fun must return a bool scalar, got {dtype} of shape {shape}"
            )
        outer = trace.effect_guard  # a while loop in the body of another
        with guarding_effects(trace, p if outer is None else _where(outer, p, False)):
            new = body_fun(tree)
        _check_carry("while_loop", tree, new)
        new_leaves = _flatten(new)[0]
        masked = [_where(p, v, c) for v, c in zip(new_leaves, c_in, strict=True)]
        return masked, [], p

    out, _ = loop(body, leaves, [], None)
    return _unflatten(cdef, out)


# --- the loop primitive: one loop of generated code over a vectorized body ----------------


@dataclass(frozen=True, eq=False)
class LoopParams:
    """One result of a loop (the loop's nodes share ``group`` and lower to one ``Loop``).

    ``body`` inputs: the carries, the step index (``has_index``), one slice per scanned
    operand, the loop-invariant operands; outputs: the new carries, the per-step ys, and
    (``has_stop``) the batched "keep going" mask of a while loop."""

    body: Graph
    length: int | None
    reverse: bool
    nb: int  # batch axes (leading) of every carry, scanned operand and stacked y
    n_carry: int
    has_index: bool
    n_slice: int
    n_ys: int
    has_stop: bool
    out_shapes: tuple[tuple[int, ...], ...]
    output: int
    group: object


loop_p = primitive("loop", LoopParams)
loop_p.def_shape(lambda q, inputs: q.out_shapes[q.output])
loop_p.def_describe(
    lambda q: (
        f"loop {'while' if q.length is None else q.length} result={q.output}"
        f"{' reverse' if q.reverse else ''}"
    )
)


@loop_p.def_flops
def _loop_flops(node: Node) -> int:
    q: LoopParams = node.params
    if q.output or q.length is None:
        return 0  # counted once per loop (a while loop's trip count is unknown)
    return q.length * sum(n.op.flops(n) for n in q.body.nodes() if n.op is not input_p)


_LOWERED: weakref.WeakKeyDictionary[Any, dict[int, tuple[str, ...]]] = weakref.WeakKeyDictionary()


@loop_p.def_lower
def _lower_loop(
    ctx: LowerContext, node: Node, target: str, args: Sequence[Any]
) -> tuple[Statement, ...]:
    q: LoopParams = node.params
    if q.length == 0:  # the body never runs: the initial carry, and empty stacked ys
        if q.output < q.n_carry:
            return (Assign(target, call("copy", args[q.output])),)
        zeros = call("zeros", kwargs={"dtype": ctx.dtype(node.dtype)}, shape=node.shape)
        return (Assign(target, zeros),)
    done = _LOWERED.setdefault(ctx, {})
    pre: tuple[Statement, ...] = ()
    key = id(q.group)
    if key not in done:
        nc, ns = q.n_carry, q.n_slice
        n_inv = len(q.body.inputs) - nc - int(q.has_index) - ns
        names = (
            tuple(f"carry{k}" for k in range(nc))
            + (("step",) if q.has_index else ())
            + tuple(f"x{k}" for k in range(ns))
            + tuple(f"w{k}" for k in range(n_inv))
        )
        body, ins, outs = ctx.lower_body(q.body, names, repeat=q.length or 1)
        carries = ins[:nc]
        index = ins[nc] if q.has_index else None
        xs = ins[nc + int(q.has_index) : nc + int(q.has_index) + ns]
        invs = ins[nc + int(q.has_index) + ns :]
        srcs = list(args[nc : nc + ns])
        for k, a in enumerate(srcs):
            if not isinstance(a, Ref):  # a view (a cotangent's broadcast): bind it first
                tmp = ctx.temp()
                pre += (Assign(tmp, a),)
                srcs[k] = Ref(tmp)
        stacks = tuple(ctx.temp() for _ in range(q.n_ys))
        results = (*carries, *stacks)
        loop = Loop(
            target=results[0],
            counter=ctx.temp(),
            length=q.length,
            reverse=q.reverse,
            # a while loop may stop before its first update: its carries must not alias
            # the caller's arrays (or read-only views)
            init=tuple(
                zip(
                    carries,
                    [call("copy", a) if q.length is None else a for a in args[:nc]],
                    strict=True,
                )
            )
            + tuple(
                (w, call("copy", a, order="C") if contiguous else a)
                for w, a, contiguous in zip(
                    invs, args[nc + ns :], _contiguous_invariants(node, q), strict=True
                )
            ),
            index=index,
            slices=tuple((x, a.name, q.nb) for x, a in zip(xs, srcs, strict=True)),
            body=body,
            update=tuple(zip(carries, outs[:nc], strict=True)),
            stacks=tuple(
                (st, y, q.nb) for st, y in zip(stacks, outs[nc : nc + q.n_ys], strict=True)
            ),
            stop=outs[-1] if q.has_stop else None,
            outs=tuple(
                (name, shape, out.dtype)
                for name, shape, out in zip(
                    results, q.out_shapes, q.body.outputs[: nc + q.n_ys], strict=True
                )
            ),
        )
        done[key] = results
        pre += (loop,)
    return (*pre, Assign(target, Ref(done[key][q.output])))


#: the largest transposed loop-invariant operand a loop copies to C order before it runs
CONTIGUOUS_INVARIANT_BYTES = 1 << 22


def _contiguous_invariants(node: Node, q: LoopParams) -> list[bool]:
    """For each loop-invariant operand: whether the loop reads a C-contiguous copy of it,
    made once before the loop. That is done for a transposing view (``W.T``) that the
    body reads only in contractions: each step's BLAS call then reads it untransposed,
    which OpenBLAS runs faster at a loop step's sizes (``x_t @ U.T``, (256, 16) @ (16, 64):
    11.1 against 14.6 us, one thread)."""
    first = q.n_carry + int(q.has_index) + q.n_slice
    readers: dict[Node, list[Node]] = {}
    for n in q.body.nodes():
        for i in n.inputs:
            readers.setdefault(i, []).append(n)
    outer = node.inputs[q.n_carry + q.n_slice :]
    flags = []
    for inner, src in zip(q.body.inputs[first:], outer, strict=True):
        p = src.params
        transposed = (
            src.op is einsum_p
            and len(p.subscripts) == 1
            and len(set(p.subscripts[0])) == len(p.subscripts[0]) == len(p.out)
            and sorted(p.subscripts[0]) == sorted(p.out)
            and tuple(p.subscripts[0]) != tuple(p.out)
        )
        used = readers.get(inner, [])
        flags.append(
            transposed
            and bool(used)
            and all(r.op is einsum_p for r in used)
            and int(np.prod(src.shape)) * src.dtype.itemsize <= CONTIGUOUS_INVARIANT_BYTES
        )
    return flags


#: residual stacks a loop's reverse mode may keep beyond its carries when the program sets
#: no budget; past the budget (the program's ``memory_limit``, ``Trace.memory_limit``) it
#: keeps only the carries and recomputes each step's other values (checkpointing)
MAX_RESIDUAL_BYTES = 1 << 30


def _residual_budget() -> int:
    """Bytes of residual stacks a loop's reverse mode may keep: the budget of the program
    being traced (its ``memory_limit``), else ``MAX_RESIDUAL_BYTES``."""
    trace = current_trace()
    limit = trace.memory_limit if trace is not None else None
    return MAX_RESIDUAL_BYTES if limit is None else limit


@loop_p.def_vjp
def _vjp_loop(b: Any, node: Node, ct: Node, active: Sequence[bool]) -> list[Node | None]:
    return _vjp_loop_group(b, [node], [ct], active)


@loop_p.def_vjp_group
def _vjp_loop_group(
    b: Any, members: Sequence[Node], cts: Sequence[Node | None], active: Sequence[bool]
) -> list[Node | None]:
    # Reverse mode of a static-length loop is one reverse loop for every result of the
    # loop, never unrolled. The forward loop also stacks each step's residuals (the values
    # of the body that the body's reverse sweep reads: `_residuals`), and becomes the loop
    # the value is read from (`compiler/loops.py` merges the two), so the forward runs once.
    # The reverse loop carries the carries' cotangents, scans the residual stacks and the
    # ys' cotangents; its body is the reverse sweep of this body (`b.backprop`) reading the
    # residuals, never recomputing them. An invariant operand's cotangent whose per-step
    # term is a contraction of per-step values is not accumulated step by step: those
    # values are stacked and contracted once after the loop (`_hoisted_sum`).
    node = members[0]
    q: LoopParams = node.params
    if q.length is None or q.has_stop:
        raise GradError(
            "axcomp.grad: a while_loop with a traced predicate is not differentiable here "
            "(its trip count is unknown); fori_loop and scan with static lengths are"
        )
    nc, ni, ns, nb, ny = q.n_carry, int(q.has_index), q.n_slice, q.nb, q.n_ys
    ins, outs = q.body.inputs, q.body.outputs
    c_in, i_in = ins[:nc], ins[nc : nc + ni]
    x_in, w_in = ins[nc + ni : nc + ni + ns], ins[nc + ni + ns :]
    seeded = {m.params.output: ct for m, ct in zip(members, cts, strict=True) if ct is not None}

    def inexact(n: Node) -> bool:
        return bool(np.issubdtype(n.dtype, np.inexact))

    dc = [k for k in range(nc) if inexact(c_in[k])]  # the carries with cotangents
    yk = [k for k in range(ny) if nc + k in seeded]  # the ys with cotangents
    xk = [k for k in range(ns) if active[nc + k] and inexact(x_in[k])]
    wk = [k for k in range(len(w_in)) if active[nc + ns + k] and inexact(w_in[k])]
    if not (xk or wk or any(active[k] for k in dc)):
        return [None] * len(node.inputs)

    def fresh(like: Node, name: str) -> Node:
        return Node(input_p, (), InputParams(0, name), *_like(like))

    ct_c = [fresh(c_in[k], "loop_ct_carry") for k in dc]
    ct_y = [fresh(outs[nc + k], "loop_ct_y") for k in yk]
    grads = b.backprop(
        [outs[k] for k in dc] + [outs[nc + k] for k in yk],
        ct_c + ct_y,
        [c_in[k] for k in dc] + [x_in[k] for k in xk] + [w_in[k] for k in wk],
    )
    ys = list(outs[nc : nc + ny])
    # a step's input carry is the step before's output: stacked outputs, shifted by one
    # step, hold them without a copy of each carry (the output is often a residual too)
    shifted = {c_in[k]: outs[k] for k in range(nc) if outs[k].op is not input_p}
    residuals = _residuals(q, grads)
    to_stack = _to_stack(residuals, x_in, i_in, ys, shifted)
    if _stack_bytes(q, to_stack) > _residual_budget():
        residuals = _residuals(q, grads, only_inputs=True)
        to_stack = _to_stack([r for r in residuals if r in c_in], [], [], ys, shifted)
    # each residual as the reverse body reads it: slices of an outer array
    stacked = dict(zip(to_stack, _with_residuals(b, node, to_stack), strict=True))
    forward = [m for m in members if m.params.output >= nc]  # the ys the forward gave

    def stack(r: Node) -> Node:
        if r in ys:
            return _result(node, nc + ys.index(r), forward)
        return stacked[r]

    stack_of: dict[Node, Node] = {}
    for r in residuals:
        if r in x_in:
            stack_of[r] = node.inputs[nc + x_in.index(r)]
        elif r in ys or r in stacked:
            stack_of[r] = stack(r)
        elif r in shifted:
            init = node.inputs[c_in.index(r)]
            stack_of[r] = _shifted_by_one_step(b, stack(shifted[r]), init, nb, q.reverse)
    res_in = {r: r if r.op is input_p else fresh(r, "loop_res") for r in stack_of}
    grads = _substitute(grads, {r: n for r, n in res_in.items() if n is not r})
    g_c = grads[: len(dc)]
    g_x = grads[len(dc) : len(dc) + len(xk)]
    g_w = grads[len(dc) + len(xk) :]
    slice_leaves = list(res_in.values())
    step_leaves = {*ct_c, *slice_leaves, *ct_y, *i_in}
    hoists = [_hoisted_sum(g, q, step_leaves, set(slice_leaves) | set(ct_y)) for g in g_w]
    acc_k = [j for j, h in enumerate(hoists) if h is None]
    ct_w = [fresh(w_in[wk[j]], "loop_ct_inv") for j in acc_k]
    acc = [b.cast(b.add(a, g_w[j]), a.dtype) for a, j in zip(ct_w, acc_k, strict=True)]
    stacked_ops: list[Node] = []  # per-step operands of the hoisted sums, stacked as ys
    for h in hoists:
        if h is not None:
            stacked_ops += [o for o, s in h if s and o not in slice_leaves and o not in ct_y]
    stacked_ops = list(dict.fromkeys(stacked_ops))
    stacked_ys = list(dict.fromkeys([*g_x, *stacked_ops]))  # one stack per value
    leaves = [*ct_c, *ct_w, *i_in, *slice_leaves, *ct_y, *w_in]
    body, free = _close(leaves, [*g_c, *acc, *stacked_ys])
    cs, ws = node.inputs[:nc], node.inputs[nc + ns :]
    init_c = [seeded[k] if k in seeded else b.filled(0.0, cs[k].shape, cs[k].dtype) for k in dc]
    init_w = [b.filled(0.0, ws[wk[j]].shape, ws[wk[j]].dtype) for j in acc_k]
    outer_slices = [stack_of[r] for r in res_in] + [seeded[nc + k] for k in yk]
    inputs = (*init_c, *init_w, *outer_slices, *ws, *free)
    likes = [cs[k] for k in dc] + [ws[wk[j]] for j in acc_k]
    out_shapes = tuple(n.shape for n in likes) + tuple(_stacked_shape(o, q) for o in stacked_ys)
    out_axes = [n.axes for n in likes] + [_stacked_axes(o, nb) for o in stacked_ys]
    out_dtypes = [n.dtype for n in likes] + [o.dtype for o in stacked_ys]
    group = object()
    results = []
    for j, shape in enumerate(out_shapes):
        params = LoopParams(
            body,
            q.length,
            not q.reverse,
            nb,
            len(likes),
            q.has_index,
            len(outer_slices),
            len(stacked_ys),
            False,
            out_shapes,
            j,
            group,
        )
        results.append(Node(loop_p, inputs, params, shape, out_dtypes[j], out_axes[j]))
    stacked_of = dict(zip(stacked_ys, results[len(likes) :], strict=True))
    outer_of = {leaf: s for leaf, s in zip([*slice_leaves, *ct_y], outer_slices, strict=True)}
    outer_of.update(zip(w_in, ws, strict=True))
    outer_of.update(stacked_of)
    out: list[Node | None] = [None] * len(node.inputs)
    for j, k in enumerate(dc):
        out[k] = results[j]
    for j, k in enumerate(wk):
        h = hoists[j]
        if h is None:
            out[nc + ns + k] = results[len(dc) + acc_k.index(j)]
        elif h:
            out[nc + ns + k] = b.cast(_sum_over_steps(g_w[j], h, outer_of, nb), ws[k].dtype)
    for j, k in enumerate(xk):
        out[nc + k] = stacked_of[g_x[j]]
    return out


def _result(node: Node, k: int, known: Sequence[Node]) -> Node:
    """Result ``k`` of ``node``'s loop: a node the graph has, or a new one of the group."""
    for m in known:
        if m.params.output == k:
            return m
    q: LoopParams = node.params
    like = q.body.outputs[k]
    axes = _stacked_axes(like, q.nb) if k >= q.n_carry else like.axes
    params = dataclasses.replace(q, output=k)
    return Node(loop_p, node.inputs, params, q.out_shapes[k], like.dtype, axes)


def _to_stack(
    residuals: Sequence[Node],
    x_in: Sequence[Node],
    i_in: Sequence[Node],
    ys: Sequence[Node],
    shifted: dict[Node, Node],
) -> list[Node]:
    """The residuals the forward loop must stack (as new ys): not the scanned operands, the
    index or the ys it stacks already; an input carry through the carry it becomes."""
    out: list[Node] = []
    for r in residuals:
        if r in x_in or r in i_in or r in ys:
            continue
        r = shifted.get(r, r)
        if r not in ys:
            out.append(r)
    return list(dict.fromkeys(out))


def _shifted_by_one_step(b: Any, stack: Node, init: Node, nb: int, reverse: bool) -> Node:
    """Each step's input carry from the stacked output carries ``stack`` (batch axes,
    then the step axis) and the initial carry ``init``: the outputs one step back."""
    steps = stack.shape[nb]
    first = expand_dims(b.p(init), nb)
    head = (slice(None),) * nb
    if reverse:  # step t reads the carry step t + 1 wrote; the last step reads ``init``
        rest = getitem(b.p(stack), (*head, slice(1, steps)))
        return concatenate([rest, first], axis=nb).node
    rest = getitem(b.p(stack), (*head, slice(0, steps - 1)))
    return concatenate([first, rest], axis=nb).node


def _stacked_shape(n: Node, q: LoopParams) -> tuple[int, ...]:
    return n.shape[: q.nb] + (int(q.length or 0),) + n.shape[q.nb :]


def _stacked_axes(n: Node, nb: int) -> tuple[str, ...]:
    return n.axes[:nb] + ("step",) + n.axes[nb:]


def _varying(q: LoopParams) -> set[Node]:
    """The body's nodes that change from step to step (depend on a carry, the index or a
    slice); the others depend only on the invariant operands."""
    nc, ns = q.n_carry, q.n_slice
    step = set(q.body.inputs[: nc + int(q.has_index) + ns])
    varying = set(step)
    for n in q.body.nodes():
        if any(i in varying for i in n.inputs):
            varying.add(n)
    return varying


def _residuals(q: LoopParams, grads: Sequence[Node], only_inputs: bool = False) -> list[Node]:
    """The body's step-varying values the reverse sweep ``grads`` reads, in body order.
    A value that cannot be stacked along the step axis (one without the loop's batch axes
    in front) is recomputed from the values it reads instead; with ``only_inputs``, every
    value is recomputed from the carries, the slices and the index."""
    nc, nb = q.n_carry, q.nb
    ins = q.body.inputs
    ni = int(q.has_index)
    step_inputs = set(ins[: nc + ni + q.n_slice])
    primal = set(q.body.nodes()) | set(ins)
    varying = _varying(q)
    refs = [*ins[:nc], *ins[nc + ni : nc + ni + q.n_slice]]  # they have the batch axes

    def stackable(n: Node) -> bool:
        if n in step_inputs:
            return True
        if only_inputs or (nb and not refs):
            return False
        lead = refs[0] if refs else n
        return n.ndim >= nb and n.axes[:nb] == lead.axes[:nb] and n.shape[:nb] == lead.shape[:nb]

    work = [g for g in grads if g in varying]
    for n in topological(list(grads)):
        if n not in primal:
            work += [i for i in n.inputs if i in varying]
    found: set[Node] = set()
    seen: set[Node] = set()
    while work:
        n = work.pop()
        if n in seen:
            continue
        seen.add(n)
        if stackable(n):
            found.add(n)
        else:
            work += [i for i in n.inputs if i in varying]
    order = [*ins, *q.body.nodes()]
    return [n for n in dict.fromkeys(order) if n in found]


def _stack_bytes(q: LoopParams, nodes: Sequence[Node]) -> int:
    return sum(int(np.prod(n.shape)) * n.dtype.itemsize for n in nodes) * int(q.length or 0)


def _substitute(outs: Sequence[Node], mapping: dict[Node, Node]) -> list[Node]:
    """``outs`` rebuilt with the nodes of ``mapping`` replaced (their ancestors unread)."""
    new: dict[Node, Node] = dict(mapping)
    stack = list(outs)
    while stack:
        n = stack[-1]
        if n in new:
            stack.pop()
            continue
        missing = [i for i in n.inputs if i not in new]
        if missing:
            stack += missing
            continue
        stack.pop()
        inputs = tuple(new[i] for i in n.inputs)
        changed = any(a is not c for a, c in zip(inputs, n.inputs, strict=True))
        new[n] = n.replace_inputs(inputs) if changed else n
    return [new[o] for o in outs]


_RESIDUAL_LOOPS: weakref.WeakKeyDictionary[Any, dict[Any, tuple[object, list[Node]]]] = (
    weakref.WeakKeyDictionary()
)


def _with_residuals(b: Any, node: Node, extra: Sequence[Node]) -> list[Node]:
    """``extra`` (values of ``node``'s body) stacked along the step axis, after the batch
    axes as ys are: results of one new loop with ``node``'s inputs and body, also yielding
    them, shared by every reverse rule on that loop in this trace that stacks the same."""
    q: LoopParams = node.params
    if not extra:
        return []
    memo = _RESIDUAL_LOOPS.setdefault(b.trace, {})
    key = (id(q.group), tuple(id(n) for n in extra))
    hit = memo.get(key)
    if hit is not None and hit[0] is q.group:
        return hit[1]
    nc, ny, nb = q.n_carry, q.n_ys, q.nb
    body = Graph(q.body.inputs, (*q.body.outputs[: nc + ny], *extra))
    out_shapes = q.out_shapes[: nc + ny] + tuple(_stacked_shape(n, q) for n in extra)
    group = object()
    results = []
    for j, n in enumerate(extra, start=nc + ny):
        params = LoopParams(
            body,
            q.length,
            q.reverse,
            nb,
            nc,
            q.has_index,
            q.n_slice,
            ny + len(extra),
            False,
            out_shapes,
            j,
            group,
        )
        axes = _stacked_axes(n, nb)
        results.append(Node(loop_p, node.inputs, params, out_shapes[j], n.dtype, axes))
    memo[key] = (q.group, results)
    return results


#: an einsum's operands, each with "varies per step" (empty: the cotangent is zero)
Hoist = list[tuple[Node, bool]]


def _hoisted_sum(g: Node, q: LoopParams, step: set[Node], slices: set[Node]) -> Hoist | None:
    """How the sum over the steps of ``g`` (an invariant operand's per-step cotangent) is
    one contraction after the loop: ``g`` is an einsum whose operands either vary per step
    and have the loop's batch axes in front (stacked as ys, or already the slices of an
    outer array) or are invariant (an invariant operand or a constant); None otherwise."""
    if not _reads_inputs(g):
        return [] if _is_zero(g) else None  # an operand the body reads only as a view
    if g.op is not einsum_p:
        return None
    varying: set[Node] = set(step)
    for n in topological([g]):
        if any(i in varying for i in n.inputs):
            varying.add(n)
    invariants = set(q.body.inputs[q.n_carry + int(q.has_index) + q.n_slice :])
    batch = next(iter(slices), None)
    found: Hoist = []
    for o in g.inputs:
        if o in varying:
            if o in slices:
                found.append((o, True))
                continue
            if q.nb and (batch is None or o.axes[: q.nb] != batch.axes[: q.nb]):
                return None
            if o.ndim < q.nb or o in step:
                return None
            found.append((o, True))
        elif o in invariants or not _reads_inputs(o):
            found.append((o, False))
        else:
            return None
    return found


def _is_zero(n: Node) -> bool:
    while n.op is not const_p and len(n.inputs) == 1 and not n.op.allocates:
        n = n.inputs[0]  # a broadcast of a zero
    return n.op is const_p and not np.any(np.asarray(n.params.value))


def _reads_inputs(n: Node) -> bool:
    return any(m.op is input_p for m in topological([n]))


def _sum_over_steps(g: Node, hoist: Hoist, outer_of: dict[Node, Node], nb: int) -> Node:
    """``g`` summed over the steps: its einsum with a step label on every per-step operand,
    read from the stacked arrays (``outer_of``)."""
    p: EinsumParams = g.params
    step = "_loop_step"
    subs, operands = [], []
    for (o, per_step), sub in zip(hoist, p.subscripts, strict=True):
        if per_step:
            subs.append((*sub[:nb], step, *sub[nb:]))
            operands.append(outer_of[o])
        else:
            subs.append(sub)
            operands.append(outer_of.get(o, o))
    params = EinsumParams(tuple(subs), p.out)
    return Node(einsum_p, tuple(operands), params, g.shape, g.dtype, g.axes)


def _shared_tangent(
    b: Any,
    node: Node,
    tangents: Sequence[Node | None],
    build: Callable[[Any, Node, Sequence[Node | None]], list[Node | None]],
) -> Node | None:
    """``node``'s tangent from the one new loop/cond that ``build`` makes for all results
    of its group (memoised on the sweep's builder)."""
    key = (build, node.params.group, tuple(tangents))
    if key not in b.memo:
        b.memo[key] = build(b, node, tangents)
    out: Node | None = b.memo[key][node.params.output]
    return out


@loop_p.def_jvp
def _jvp_loop(b: Any, node: Node, tangents: Sequence[Node | None]) -> Node | None:
    # a closed form: the loop again, carrying (value, tangent) pairs, its body the forward
    # sweep of this body; so long fori_loop/scan/while_loop have forward derivatives even
    # though they have no reverse ones. Every result of one loop shares that new loop.
    return _shared_tangent(b, node, tangents, _tangent_loop)


def _tangent_loop(b: Any, node: Node, tangents: Sequence[Node | None]) -> list[Node | None]:
    """The tangents of every result of ``node``'s loop (None: zero), from one new loop."""
    q: LoopParams = node.params
    nc, ni, ns = q.n_carry, int(q.has_index), q.n_slice
    ins = q.body.inputs
    c_in, i_in, x_in, w_in = ins[:nc], ins[nc : nc + ni], ins[nc + ni :][:ns], ins[nc + ni + ns :]
    t_c, t_x, t_w = tangents[:nc], tangents[nc : nc + ns], tangents[nc + ns :]
    # a carry needs a tangent if it starts with one or the body gives it one: to a fixed point
    live = [t is not None for t in t_c]
    while True:
        seeded = {c for c, on in zip(c_in, live) if on}
        seeded |= {x for x, t in zip((*x_in, *w_in), (*t_x, *t_w)) if t is not None}
        reached = _reached(q.body.outputs[:nc], seeded)
        grown = [on or (new in reached) for on, new in zip(live, q.body.outputs[:nc])]
        if grown == live:
            break
        live = grown

    def dot(inp: Node) -> Node:  # a body input for the tangent of ``inp``
        return Node(input_p, (), InputParams(0, f"{inp.params.name}_dot"), *_like(inp))

    tc_in = [dot(c) for c, on in zip(c_in, live) if on]
    tx_in = [dot(x) for x, t in zip(x_in, t_x) if t is not None]
    tw_in = [dot(w) for w, t in zip(w_in, t_w) if t is not None]
    seeds = dict(zip([c for c, on in zip(c_in, live) if on], tc_in))
    seeds.update(zip([x for x, t in zip(x_in, t_x) if t is not None], tx_in))
    seeds.update(zip([w for w, t in zip(w_in, t_w) if t is not None], tw_in))
    n_ys = q.n_ys
    outs = q.body.outputs
    dots = b.sweep(outs[: nc + n_ys], seeds)
    tc_out = [b.tangent(dots[k], outs[k]) for k in range(nc) if live[k]]
    ys_live = [dots[nc + k] is not None for k in range(n_ys)]
    ty_out = [dots[nc + k] for k in range(n_ys) if ys_live[k]]
    body = Graph(
        (*c_in, *tc_in, *i_in, *x_in, *tx_in, *w_in, *tw_in),
        (*outs[:nc], *tc_out, *outs[nc : nc + n_ys], *ty_out, *outs[nc + n_ys :]),
    )
    cs, xs, ws = node.inputs[:nc], node.inputs[nc : nc + ns], node.inputs[nc + ns :]
    inputs = (
        *cs,
        *(b.tangent(t, c) for t, c, on in zip(t_c, cs, live) if on),
        *xs,
        *(t for t in t_x if t is not None),
        *ws,
        *(t for t in t_w if t is not None),
    )
    carries = list(range(nc)) + [k for k in range(nc) if live[k]]
    ys = list(range(nc, nc + n_ys)) + [nc + k for k in range(n_ys) if ys_live[k]]
    order = carries + ys  # the original result each new result has the shape of
    out_shapes = tuple(q.out_shapes[k] for k in order)
    group = object()
    results = []
    for j, k in enumerate(order):
        params = LoopParams(
            body,
            q.length,
            q.reverse,
            q.nb,
            len(carries),
            q.has_index,
            len(xs) + len(tx_in),
            len(ys),
            q.has_stop,
            out_shapes,
            j,
            group,
        )
        axes = cs[k].axes if k < nc else outs[k].axes[: q.nb] + ("step",) + outs[k].axes[q.nb :]
        results.append(Node(loop_p, inputs, params, out_shapes[j], body.outputs[j].dtype, axes))
    # result k of the old loop <- its tangent among the new loop's results
    tangent_of: list[Node | None] = [None] * (nc + n_ys)
    for j, k in enumerate(order):
        if j >= nc and (j < len(carries) or j >= len(carries) + n_ys):
            tangent_of[k] = results[j]
    return tangent_of


def _like(node: Node) -> tuple[tuple[int, ...], np.dtype, tuple[str, ...]]:
    return node.shape, node.dtype, node.axes


def _reached(outputs: Sequence[Node], seeded: set[Node]) -> set[Node]:
    """The nodes among ``outputs``' ancestors that depend on ``seeded`` through inexact
    values (the ones a forward sweep can give a tangent)."""
    reached = set(seeded)
    for n in topological(list(outputs)):
        inexact = np.issubdtype(n.dtype, np.inexact)
        if inexact and n not in reached and any(i in reached for i in n.inputs):
            reached.add(n)
    return reached


def _input_node(
    levels: tuple[Level, ...], t_shape: tuple[int, ...], dtype: Any, names: Any, k: int
) -> Node:
    shape = tuple(lv.size for lv in levels) + tuple(t_shape)
    return Node(
        input_p,
        (),
        InputParams(k, f"loop_in{k}"),
        shape,
        np.dtype(dtype),
        batch_names(levels) + tuple(names),
    )


def _close(
    leaves: list[Node], outs: list[Node], effects: Sequence[Node] = ()
) -> tuple[Graph, list[Node]]:
    """The body graph over ``leaves``: loop-invariant nodes (free variables) become extra
    inputs; returns it and the outer nodes feeding those inputs. The body's ``effects``
    run in every step, whatever they read."""
    order = topological([*effects, *outs])
    leaf_set = set(leaves)
    dep = set(leaves) | set(effects)
    for n in order:
        if n not in leaf_set and any(i in dep for i in n.inputs):
            dep.add(n)
    free: dict[Node, Node] = {}

    def outer(n: Node) -> Node:
        if n.op is const_p:
            return n
        if n not in free:
            free[n] = Node(
                input_p,
                (),
                InputParams(len(leaves) + len(free), "loop_free"),
                n.shape,
                n.dtype,
                n.axes,
            )
        return free[n]

    clone: dict[Node, Node] = {leaf: leaf for leaf in leaves}
    for n in order:
        if n in dep and n not in leaf_set:
            clone[n] = n.replace_inputs(tuple(clone[i] if i in dep else outer(i) for i in n.inputs))
    body_outs = tuple(clone[o] if o in dep else outer(o) for o in outs)
    body_effects = tuple(clone[e] for e in effects)
    return Graph(tuple(leaves) + tuple(free.values()), body_outs, body_effects), list(free)


Body = Callable[[list[Tracer], Tracer | None, list[Tracer]], tuple[list[Any], list[Any], Any]]

#: the most bytes the contractions hoisted out of one loop body (``x_t @ U``) may stack:
#: one GEMM over every step saves a dispatch per step, but its result is written out and
#: read back, where a step's own GEMM stays in cache. Measured on the RNN (200 steps,
#: 16 inputs, 64 hidden, one thread): hoisting is 20% faster at batch 8 (0.8 MB), even at
#: batch 64 (6.5 MB) and 12% slower at batch 256 (26 MB)
MAX_HOISTED_BYTES = 4 << 20


def _hoist_step_contractions(
    body: Graph, nc: int, ni: int, xs: Sequence[Node], free: Sequence[Node], length: int, nb: int
) -> tuple[Graph, list[Node], list[Node]]:
    """``body`` with every contraction of slices and invariant operands alone (``x_t @ U``,
    which no carry reaches) read as the slice of one contraction over all the steps, done
    before the loop (one GEMM instead of one per step); returns the new body (those slices
    appended to its scanned operands) and the outer nodes of its scanned and invariant
    operands."""
    ns = len(xs)
    x_in = body.inputs[nc + ni : nc + ni + ns]
    w_in = body.inputs[nc + ni + ns :]
    outer: dict[Node, Node] = dict(zip(x_in, xs, strict=True))
    outer.update(zip(w_in, free, strict=True))
    per_step = set(x_in)
    lead = x_in[0] if x_in else None
    hoisted: dict[Node, Node] = {}
    budget = MAX_HOISTED_BYTES
    for n in body.nodes():
        if n.op is not einsum_p or lead is None or not any(i in per_step for i in n.inputs):
            continue
        if not all(i in outer or i.op is const_p for i in n.inputs):
            continue
        if n.axes[:nb] != lead.axes[:nb] or n.shape[:nb] != lead.shape[:nb]:
            continue  # its result lacks the batch axes the stacked slices have in front
        size = int(np.prod(n.shape)) * n.dtype.itemsize * length
        if size > budget:
            continue
        budget -= size
        p: EinsumParams = n.params
        step = "_loop_step"
        subs = tuple(
            (*sub[:nb], step, *sub[nb:]) if i in per_step else sub
            for i, sub in zip(n.inputs, p.subscripts, strict=True)
        )
        out = (*p.out[:nb], step, *p.out[nb:])
        hoisted[n] = Node(
            einsum_p,
            tuple(outer.get(i, i) for i in n.inputs),
            EinsumParams(subs, out),
            n.shape[:nb] + (length,) + n.shape[nb:],
            n.dtype,
            _stacked_axes(n, nb),
        )
    if not hoisted:
        return body, list(xs), list(free)
    slices = {
        n: Node(input_p, (), InputParams(0, f"loop_hoisted{k}"), *_like(n))
        for k, n in enumerate(hoisted)
    }
    outs = _substitute(body.outputs, slices)
    # the slices and invariant operands only the hoisted contractions read are dropped
    read = set(topological(outs))
    keep_x = [k for k, x in enumerate(x_in) if x in read]
    keep_w = [k for k, w in enumerate(w_in) if w in read]
    new_inputs = (
        *body.inputs[: nc + ni],
        *(x_in[k] for k in keep_x),
        *slices.values(),
        *(w_in[k] for k in keep_w),
    )
    new_xs = [xs[k] for k in keep_x] + list(hoisted.values())
    return Graph(new_inputs, tuple(outs)), new_xs, [free[k] for k in keep_w]


def loop(
    body: Body,
    carry: list[Value],
    xs: list[Value],
    length: int | None,
    reverse: bool = False,
    with_index: bool = False,
) -> tuple[list[Tracer], list[Tracer]]:
    """Trace ``body(carries, index, slices) -> (new carries, ys, keep-going mask or None)``
    once over vectorized inputs and return the loop's final carries and stacked ys."""
    trace = trace_of((*carry, *xs))
    cs = [lift(c, trace) for c in carry]
    xt = [lift(x, trace) for x in xs]
    levels = union_levels(cs + xt)
    for _ in range(16):
        cs = [broadcast_levels(c, levels) for c in cs]
        xt = [broadcast_levels(x, levels) for x in xt]
        nb = len(levels)
        c_in = [
            Tracer(_input_node(levels, c.shape, c.dtype, logical_names(c), k), levels, trace)
            for k, c in enumerate(cs)
        ]
        i_in = Tracer(_input_node((), (), np.int64, (), len(cs)), (), trace) if with_index else None
        x_in = [
            Tracer(
                _input_node(levels, x.shape[1:], x.dtype, logical_names(x)[1:], 0), levels, trace
            )
            for x in xt
        ]
        with collecting_effects(trace) as effects:
            new, ys, stop = body(c_in, i_in, x_in)
        new = [lift(v, trace) for v in new]
        ys = [lift(v, trace) for v in ys]
        extra = [lift(stop, trace)] if stop is not None else []
        grown = union_levels([*cs, *new, *ys, *extra])
        if {lv.id for lv in grown} <= {lv.id for lv in levels}:
            break
        levels = union_levels([*cs, *new, *ys, *extra, *xt])
    for c, v in zip(cs, new, strict=True):
        if v.shape != c.shape:
            raise IncompatibleShapesError(
                f"loop: the body changed a carry's shape from {c.shape} to {v.shape}"
            )
    new = [
        broadcast_levels(v if v.dtype == c.dtype else astype(v, c.dtype), levels)
        for c, v in zip(cs, new)
    ]
    ys = [broadcast_levels(y, levels) for y in ys]
    outs = [t.node for t in new + ys]
    if stop is not None:
        outs.append(broadcast_levels(lift(stop, trace), levels).node)
    leaves = (
        [t.node for t in c_in] + ([i_in.node] if i_in is not None else []) + [t.node for t in x_in]
    )
    graph, free = _close(leaves, outs, effects)
    xs_outer = [x.node for x in xt]
    if length:
        graph, xs_outer, free = _hoist_step_contractions(
            graph, len(cs), int(with_index), xs_outer, free, length, nb
        )
    n = length
    out_shapes = tuple(c.node.shape for c in cs) + tuple(
        y.node.shape[:nb] + (int(n or 0),) + y.node.shape[nb:] for y in ys
    )
    out_axes = tuple(c.node.axes for c in cs) + tuple(
        y.node.axes[:nb] + ("step",) + y.node.axes[nb:] for y in ys
    )
    group = object()
    inputs = tuple(c.node for c in cs) + tuple(xs_outer) + tuple(free)
    results = []
    for k, (shape, axes) in enumerate(zip(out_shapes, out_axes, strict=True)):
        q = LoopParams(
            graph,
            length,
            reverse,
            nb,
            len(cs),
            with_index,
            len(xs_outer),
            len(ys),
            stop is not None,
            out_shapes,
            k,
            group,
        )
        dtype = graph.outputs[k].dtype
        results.append(Tracer(Node(loop_p, inputs, q, shape, dtype, axes), levels, trace))
    if effects:
        if not results:
            raise UnsupportedError(
                "a loop with no carry and no outputs cannot run a callback (jax.debug.print) "
                "in its body: carry a value through it"
            )
        trace.add_effect(results[0].node)  # the loop runs for its body's effects
    return results[: len(cs)], results[len(cs) :]


# --- the cond primitive: a branch of generated code on an unbatched index -----------------


@dataclass(frozen=True, eq=False)
class CondParams:
    """One result of a ``cond``/``switch`` (its nodes share ``group`` and lower to one
    ``If``). Inputs: the branch index (0-d, unbatched: a bool, or an int clamped to the
    branches), then the values every branch graph takes, in the graphs' input order (the
    traced operands, then the values some branch closes over). ``branches[k]`` computes
    every result of branch k; all of them share one tuple of input nodes."""

    branches: tuple[Graph, ...]
    out_shapes: tuple[tuple[int, ...], ...]
    output: int
    group: object


cond_p = primitive("cond", CondParams)
cond_p.def_shape(lambda q, inputs: q.out_shapes[q.output])
cond_p.def_describe(lambda q: f"cond {len(q.branches)} branches result={q.output}")


@cond_p.def_flops
def _cond_flops(node: Node) -> int:
    q: CondParams = node.params
    if q.output:
        return 0  # counted once per cond: the costliest branch
    return max(sum(n.op.flops(n) for n in g.nodes() if n.op is not input_p) for g in q.branches)


@cond_p.def_lower
def _lower_cond(
    ctx: LowerContext, node: Node, target: str, args: Sequence[Any]
) -> tuple[Statement, ...]:
    q: CondParams = node.params
    done = _LOWERED.setdefault(ctx, {})
    pre: tuple[Statement, ...] = ()
    key = id(q.group)
    if key not in done:
        values = args[1:]
        names = tuple(a.name if isinstance(a, Ref) else f"in{k}" for k, a in enumerate(values))
        outs = tuple(ctx.temp() for _ in q.out_shapes)
        branches = []
        for g in q.branches:
            body, ins, results = ctx.lower_body(g, names)
            read: set[str] = set()
            for step in body:
                for st in step.statements:
                    read |= statement_reads(st)
            # bind only what this branch reads: the others' operands stay unnamed here
            init = tuple((n, v) for n, v in zip(ins, values, strict=True) if n in read)
            branches.append(Branch(init, body, results))
        stmt = If(
            target=outs[0],
            key=ctx.temp(),
            index=args[0],
            branches=tuple(branches),
            outs=tuple(
                (name, shape, out.dtype)
                for name, shape, out in zip(outs, q.out_shapes, q.branches[0].outputs, strict=True)
            ),
        )
        done[key] = outs
        pre = (stmt,)
    return (*pre, Assign(target, Ref(done[key][q.output])))


@cond_p.def_vjp
def _vjp_cond(b: Any, node: Node, ct: Node, active: Sequence[bool]) -> list[Node | None]:
    # Reverse mode is another cond on the same index. Branch k's backward graph recomputes
    # branch k's forward values from the same inputs (no residual crosses the If) and
    # sweeps back from the cotangent (``b.backprop``: the autodiff sweep on a graph of our
    # own), so only the taken branch runs, forward and backward; that cond has this rule
    # too, so grad of grad recurses. A cond of several results is swept once per result.
    q: CondParams = node.params
    want = [k for k, on in enumerate(active[1:]) if on]
    if not want:
        return [None] * len(node.inputs)
    leaves = list(q.branches[0].inputs)
    seed = Node(input_p, (), InputParams(len(leaves), "cond_ct"), ct.shape, ct.dtype, ct.axes)
    outs: list[list[Node]] = []
    made: list[set[Node]] = []
    for g in q.branches:
        # the branch's own nodes count as made here, so none of them is hoisted out
        seen: set[Node] = set(g.nodes())
        with recording(b.trace, seen):
            outs.append(b.backprop([g.outputs[q.output]], [seed], [leaves[k] for k in want]))
        made.append(seen)
    graphs, free = _close_branches([*leaves, seed], outs, made, [()] * len(made))
    inputs = (*node.inputs, ct, *free)  # the same index, operands and closed-over values
    shapes = tuple(leaves[k].shape for k in want)
    group = object()
    grads: list[Node | None] = [None] * len(node.inputs)
    for j, k in enumerate(want):
        inp = node.inputs[1 + k]
        grads[1 + k] = Node(
            cond_p, inputs, CondParams(graphs, shapes, j, group), inp.shape, inp.dtype, inp.axes
        )
    return grads


@cond_p.def_jvp
def _jvp_cond(b: Any, node: Node, tangents: Sequence[Node | None]) -> Node | None:
    # Forward mode is another cond on the same index: branch k's tangent graph is the
    # forward sweep of branch k (recomputing the primal values it needs), so only the
    # taken branch runs. Every result of one cond shares that new cond.
    return _shared_tangent(b, node, tangents, _tangent_cond)


def _tangent_cond(b: Any, node: Node, tangents: Sequence[Node | None]) -> list[Node | None]:
    """The tangents of every result of ``node``'s cond (None: zero), from one new cond."""
    q: CondParams = node.params
    leaves = list(q.branches[0].inputs)
    live = [k for k, t in enumerate(tangents[1:]) if t is not None]  # the index has none
    dots = [
        Node(input_p, (), InputParams(len(leaves) + j, "cond_dot"), *_like(leaves[k]))
        for j, k in enumerate(live)
    ]
    seeds = {leaves[k]: d for k, d in zip(live, dots)}
    swept: list[list[Node | None]] = []
    made: list[set[Node]] = []
    for g in q.branches:
        seen: set[Node] = set(g.nodes())  # as in the reverse rule: none of them is hoisted
        with recording(b.trace, seen):
            swept.append(b.sweep(list(g.outputs), seeds))
        made.append(seen)
    # a result with a tangent in some branch gets one in every branch (zeros elsewhere)
    want = [i for i in range(len(q.out_shapes)) if any(t[i] is not None for t in swept)]
    if not want:
        return [None] * len(q.out_shapes)
    outs = [[b.tangent(t[i], g.outputs[i]) for i in want] for t, g in zip(swept, q.branches)]
    graphs, free = _close_branches([*leaves, *dots], outs, made, [()] * len(made))
    given = [t for t in tangents[1:] if t is not None]  # the dots' values, in order
    inputs = (*node.inputs, *given, *free)
    shapes = tuple(q.out_shapes[i] for i in want)
    group = object()
    result: list[Node | None] = [None] * len(q.out_shapes)
    for j, i in enumerate(want):
        like = q.branches[0].outputs[i]
        params = CondParams(graphs, shapes, j, group)
        result[i] = Node(cond_p, inputs, params, shapes[j], like.dtype, like.axes)
    return result


def _close_branches(
    leaves: list[Node],
    outs: Sequence[Sequence[Node]],
    made: Sequence[set[Node]],
    effects: Sequence[Sequence[Node]],
) -> tuple[tuple[Graph, ...], list[Node]]:
    """One graph per branch over shared inputs: ``leaves``, then one input per outer value
    some branch reads (returned: the outer nodes feeding them). A node belongs to branch k
    when the branch made it (``made[k]``) or it depends on one that does, so what a branch
    computes from the values it closes over runs inside it too, not before the ``if``."""
    leaf_set = set(leaves)
    free: dict[Node, Node] = {}

    def outer(n: Node) -> Node:
        if n.op is const_p:
            return n
        if n not in free:
            k = len(leaves) + len(free)
            free[n] = Node(input_p, (), InputParams(k, "cond_free"), n.shape, n.dtype, n.axes)
        return free[n]

    bodies = []
    for branch_outs, mine, branch_effects in zip(outs, made, effects, strict=True):
        order = topological([*branch_effects, *branch_outs])
        inside = set(leaves)
        for n in order:
            if n in leaf_set or n.op is input_p or n.op is const_p:
                continue
            if n in mine or any(i in inside for i in n.inputs):
                inside.add(n)
        clone: dict[Node, Node] = {leaf: leaf for leaf in leaves}
        for n in order:
            if n in inside and n not in leaf_set:
                clone[n] = n.replace_inputs(
                    tuple(clone[i] if i in inside else outer(i) for i in n.inputs)
                )
        body = tuple(clone[o] if o in inside else outer(o) for o in branch_outs)
        bodies.append((body, tuple(clone[e] for e in branch_effects)))
    inputs = (*leaves, *free.values())
    return tuple(Graph(inputs, body, effs) for body, effs in bodies), list(free)


def branch(what: str, index: Tracer, branches: Sequence[Callable[..., Any]], operands: Any) -> Any:
    """``branches[index](*operands)`` as one ``If`` of generated code: each branch is traced
    once into its own graph over stand-ins for the traced operands; results that carry a
    vmap level in some branch are broadcast to it in every branch."""
    trace = index.trace
    leaves, odef = _flatten(list(operands))
    ins: list[Node] = []
    args: list[Any] = []
    for v in leaves:
        if _is_traced(v):
            t = lift(v, trace)
            stand = _input_node(t.levels, t.shape, t.dtype, logical_names(t), len(ins))
            ins.append(t.node)
            args.append(Tracer(stand, t.levels, trace))
        else:
            args.append(v)  # static operands stay static in every branch
    stand_ins = [a.node for a in args if isinstance(a, Tracer)]
    made: list[set[Node]] = []
    results: list[list[Tracer]] = []
    effects: list[list[Node]] = []
    treedef: Any = None
    for k, fun in enumerate(branches):
        seen: set[Node] = set()
        with recording(trace, seen), collecting_effects(trace) as branch_effects:
            out_leaves, d = _flatten(fun(*_unflatten(odef, args)))
            effects.append(branch_effects)
            if k == 0:
                treedef = d
            elif d != treedef:
                raise TracingError(
                    f"{what}: the branches return different structures ({treedef} vs {d})"
                )
            results.append([lift(v, trace) for v in out_leaves])
        made.append(seen)
    levels: list[tuple[Level, ...]] = []
    for i, first in enumerate(results[0]):
        for other in results[1:]:
            if (other[i].shape, other[i].dtype) != (first.shape, first.dtype):
                raise IncompatibleShapesError(
                    f"{what}: branch outputs differ in shape or dtype: {first.shape} "
                    f"{first.dtype} vs {other[i].shape} {other[i].dtype}"
                )
        levels.append(union_levels([r[i] for r in results]))
    outs: list[list[Node]] = []
    for res, seen in zip(results, made, strict=True):
        with recording(trace, seen):
            outs.append([broadcast_levels(r, lv).node for r, lv in zip(res, levels, strict=True)])
    if not results[0]:
        if any(effects):
            raise UnsupportedError(
                f"{what}: branches that return nothing cannot run a callback "
                "(jax.debug.print): return a value from them"
            )
        return _unflatten(treedef, [])
    graphs, free = _close_branches(stand_ins, outs, made, effects)
    inputs = (index.node, *ins, *free)
    shapes = tuple(n.shape for n in outs[0])
    group = object()
    results_out = []
    for i, (n, lv) in enumerate(zip(outs[0], levels, strict=True)):
        params = CondParams(graphs, shapes, i, group)
        node = Node(cond_p, inputs, params, n.shape, n.dtype, n.axes)
        results_out.append(Tracer(node, lv, trace))
    if any(effects):
        trace.add_effect(results_out[0].node)  # the cond runs for its branches' effects
    return _unflatten(treedef, results_out)


# --- where a blocked run may split a loop or a cond: as their bodies allow ----------------


def _shifted(state: State, at: int, by: int, node: Node, what: str) -> State:
    """``state`` with the axes from ``at`` on moved by ``by`` (a scanned axis dropped or a
    stacked one inserted); splitting along the scanned axis itself mixes the steps."""
    if isinstance(state, Partial):
        raise NotIndependent(node, f"takes a partial result of the split axis as {what}")
    if isinstance(state, Sliced) and state.axis >= at:
        if by < 0 and state.axis == at:
            raise NotIndependent(node, "scans along the split axis")
        return Sliced(state.axis + by)
    return state


@loop_p.def_split
def _split_loop(node: Node, states: Sequence[State]) -> State:
    # the body runs on the blocks' rows: split it as its own graph, the carries' states
    # settling to a fixpoint (a carry that becomes split stays split)
    q: LoopParams = node.params
    nc, ns = q.n_carry, q.n_slice
    carries = [_shifted(s, q.nb, 0, node, "a carry") for s in states[:nc]]
    slices = [_shifted(s, q.nb, -1, node, "a scanned operand") for s in states[nc : nc + ns]]
    invariants = [_shifted(s, 0, 0, node, "an operand") for s in states[nc + ns :]]
    for _ in range(nc + 1):
        body_in = [*carries, *([None] if q.has_index else []), *slices, *invariants]
        found = split_states(q.body, body_in, current_level())
        after = [found[o] for o in q.body.outputs[:nc]]
        if after == carries:
            break
        for k, (was, now) in enumerate(zip(carries, after)):
            if was is None and now is not None:
                carries[k] = now
            elif was != now:
                raise NotIndependent(node, f"moves the split axis of carry {k}")
    else:
        raise NotIndependent(node, "its carries' split axes do not settle")
    outs = [found[o] for o in q.body.outputs]
    if q.has_stop and isinstance(outs[-1], Partial):
        raise NotIndependent(node, "stops on a partial result of the split axis")
    if q.output < nc:
        return carries[q.output]
    return _shifted(outs[q.output], q.nb, 1, node, "a stacked result")


@cond_p.def_split
def _split_cond(node: Node, states: Sequence[State]) -> State:
    # one branch runs for every example: each branch must keep the split the same way
    q: CondParams = node.params
    if states[0] is not None:
        raise NotIndependent(node, "chooses its branch from a result of the split axis")
    level = current_level()
    got = {split_states(g, list(states[1:]), level)[g.outputs[q.output]] for g in q.branches}
    if len(got) != 1:
        raise NotIndependent(node, "its branches split the result differently")
    return got.pop()
