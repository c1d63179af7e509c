"""Reductions: sum and mean (einsums over the reduced axes) and the others (max, min, prod,
any, all, argmax, argmin) as one ``reduce`` primitive."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.dtype_promotion import to_inexact
from ..core.graph import Node
from ..core.independence import Carried, Flow, Reduced, Relations
from ..core.plan import Assign, Expr, LowerContext, Statement, call
from ..core.primitive import primitive
from ..errors import GradError, ShapeError
from ..tracing.build import (
    Value,
    lift,
    logical_names,
    make,
    normalize_axes,
    normalize_axis,
    trace_of,
)
from ..tracing.tracer import Tracer
from .contraction import contract
from .elementwise import _typed, elementwise
from .shape import astype, reshape


@dataclass(frozen=True)
class ReduceParams:
    fn: str  # max, min, prod, any, all, argmax, argmin
    axes: tuple[int, ...]


reduce_p = primitive("reduce", ReduceParams, arity=1)
reduce_p.def_describe(lambda p: f"{p.fn} axes={p.axes}")
reduce_p.def_flops(lambda node: math.prod(node.inputs[0].shape))


@reduce_p.def_shape
def _reduce_shape(p: ReduceParams, inputs: Sequence[Node]) -> tuple[int, ...]:
    return tuple(s for i, s in enumerate(inputs[0].shape) if i not in p.axes)


@reduce_p.def_lower
def _lower_reduce(
    ctx: LowerContext, node: Node, target: str, args: Sequence[Expr]
) -> tuple[Statement, ...]:
    p: ReduceParams = node.params
    axis: Any = p.axes[0] if p.fn in ("argmax", "argmin") else p.axes
    return (Assign(target, call("reduce", args[0], fn=p.fn, axis=axis)),)


def _sum_dtype(t: Tracer, dtype: Any) -> np.dtype:
    # (NumPy's stubs type both as Any)
    chosen: np.dtype = np.dtype(dtype) if dtype is not None else np.sum(np.ones(1, t.dtype)).dtype
    return chosen


def reduce_sum(x: Value, axis: Any = None, dtype: Any = None, keepdims: bool = False) -> Tracer:
    trace = trace_of((x,))
    t = lift(x, trace)
    axes = normalize_axes(axis, t.ndim)
    target = _sum_dtype(t, dtype)
    if t.dtype != target:
        t = astype(t, target)
    sub = tuple(f"a{i}" for i in range(t.ndim))
    out = tuple(lab for i, lab in enumerate(sub) if i not in axes)
    names = tuple(nm for i, nm in enumerate(logical_names(t)) if i not in axes)
    r = contract((t,), (sub,), out, dtype=target, out_names=names)
    return _keep(r, t.shape, axes) if keepdims else r


def _keep(r: Tracer, shape: tuple[int, ...], axes: tuple[int, ...]) -> Tracer:
    return reshape(r, tuple(1 if i in axes else s for i, s in enumerate(shape)))


def inexact_dtype(dtype: np.dtype) -> np.dtype:
    """JAX's float for a mean of ``dtype`` (x64 on): floats keep theirs; booleans and
    integers of up to 32 bits average in float32, 64-bit integers in float64."""
    return to_inexact(dtype)


def mean(x: Value, axis: Any = None, dtype: Any = None, keepdims: bool = False) -> Tracer:
    trace = trace_of((x,))
    t = lift(x, trace)
    axes = normalize_axes(axis, t.ndim)
    target = inexact_dtype(t.dtype) if dtype is None else np.dtype(dtype)
    acc = np.dtype(np.float32) if target == np.float16 else target
    total = reduce_sum(t, axis=axes, dtype=acc, keepdims=keepdims)
    count = math.prod(t.shape[a] for a in axes)
    with np.errstate(all="ignore"):
        r = elementwise("true_divide", total, count)
    return astype(r, target) if r.dtype != target else r


_REDUCERS: dict[str, Callable[..., Any]] = {
    "max": np.max,
    "min": np.min,
    "prod": np.prod,
    "any": np.any,
    "all": np.all,
    "argmax": np.argmax,
    "argmin": np.argmin,
}


def reduce(
    fn: str, x: Value, axis: Any = None, keepdims: bool = False, dtype: Any = None
) -> Tracer:
    trace = trace_of((x,))
    t = lift(x, trace)
    if fn in ("argmax", "argmin"):
        if axis is None:
            t, axis = reshape(t, (-1,)), 0
        axes: tuple[int, ...] = (normalize_axis(axis, t.ndim),)
    else:
        axes = normalize_axes(axis, t.ndim)
    if fn in ("max", "min", "argmax", "argmin") and any(t.shape[a] == 0 for a in axes):
        raise ShapeError(f"zero-size array to reduction operation {fn} which has no identity")
    if dtype is not None and fn == "prod":
        t = astype(t, dtype)
    out_dtype = np.asarray(_REDUCERS[fn](np.ones((1,), t.dtype), axis=0)).dtype
    nb = len(t.levels)
    shape = tuple(s for i, s in enumerate(t.shape) if i not in axes)
    names = tuple(nm for i, nm in enumerate(logical_names(t)) if i not in axes)
    params = ReduceParams(fn, tuple(nb + a for a in axes))
    r = make(trace, reduce_p, (t,), params, t.levels, shape, out_dtype, names)
    if dtype is not None and fn == "prod" and r.dtype != dtype:
        # the asked dtype, as eagerly and in JAX (NumPy's product of int16 is int64;
        # wrapping the int64 product gives the int16 one)
        r = astype(r, dtype)
    return _keep(r, t.shape, axes) if keepdims else r


@reduce_p.def_vjp
def _vjp_reduce(b: Any, node: Node, ct: Node, active: Sequence[bool]) -> list[Node | None]:
    fn: str = node.params.fn
    axes: tuple[int, ...] = node.params.axes
    (inp,) = node.inputs
    x = b.p(inp)
    keep_shape = tuple(1 if i in axes else s for i, s in enumerate(inp.shape))
    z = reshape(b.p(node), keep_shape)
    g = reshape(b.p(ct), keep_shape)
    every = tuple(range(inp.ndim))
    if fn in ("max", "min"):
        # ties share the cotangent equally (JAX's reduce chooser rule)
        hit = astype(elementwise("equal", x, z), node.dtype)
        count = reduce_sum(hit, axis=axes, keepdims=True)
        return [b.product_reduced([elementwise("true_divide", g, count), hit], inp.shape, every)]
    if fn == "prod":
        return [b.product_reduced([g, _others(x, axes, node.dtype)], inp.shape, every)]
    raise GradError(f"axcomp.grad: the {fn} reduction is not differentiable")


@reduce_p.def_jvp
def _jvp_reduce(b: Any, node: Node, tangents: Sequence[Node | None]) -> Node | None:
    # the reverse rule's weights, contracted with the tangent instead of broadcasting the
    # cotangent: one einsum over the reduced axes
    fn: str = node.params.fn
    axes: tuple[int, ...] = node.params.axes
    (t,) = tangents
    if t is None:
        return None
    (inp,) = node.inputs
    x = b.p(inp)
    keep_shape = tuple(1 if i in axes else s for i, s in enumerate(inp.shape))
    kept = tuple(i for i in range(inp.ndim) if i not in axes)
    if fn in ("max", "min"):
        # ties share the tangent equally: the mean of the tied entries' tangents (JAX)
        z = reshape(b.p(node), keep_shape)
        hit = astype(elementwise("equal", x, z), node.dtype)
        count = reduce_sum(hit, axis=axes, keepdims=True)
        weight = elementwise("true_divide", hit, count)
    elif fn == "prod":
        weight = _others(x, axes, node.dtype)
    else:
        raise GradError(f"axcomp.jvp: the {fn} reduction is not differentiable")
    tangent: Node = b.product_reduced([b.p(t), weight], inp.shape, kept)
    return tangent


def _others(x: Tracer, axes: tuple[int, ...], dtype: np.dtype) -> Tracer:
    """d prod(x) / d x_i: the product of the other entries, exact where entries are zero."""
    is_zero = elementwise("equal", x, 0)
    nonzero = elementwise("where", is_zero, _typed(1.0, x), x)
    p_nz = reduce("prod", nonzero, axis=axes, keepdims=True)
    n_zero = reduce_sum(astype(is_zero, dtype), axis=axes, keepdims=True)
    zero = _typed(0.0, x)
    at_zero = elementwise("where", elementwise("equal", n_zero, 1), p_nz, zero)
    elsewhere = elementwise(
        "where", elementwise("equal", n_zero, 0), elementwise("true_divide", p_nz, nonzero), zero
    )
    return elementwise("where", is_zero, at_zero, elsewhere)


#: how blocks' partial reductions combine (argmax/argmin and prod: not from blocks here)
_COMBINERS = {"sum": "sum", "max": "max", "min": "min", "any": "max", "all": "min"}


def reduction_relations(node: Node) -> Relations:
    """The reduced axes (``params.axes``) combine by ``params.fn``; the rest are carried."""
    axes: tuple[int, ...] = node.params.axes
    how = _COMBINERS.get(node.params.fn)
    flows: list[Flow] = []
    kept = 0
    for k in range(node.inputs[0].ndim):
        if k in axes:
            flows.append(Reduced(how, k))  # each axis apart: a max over (a, b) is separable
        else:
            flows.append(Carried(kept))
            kept += 1
    return (tuple(flows),)


reduce_p.def_axes(reduction_relations)


def with_inexact_default(np_fn: Callable[..., Any]) -> Callable[..., Any]:
    """NumPy's ``np_fn`` (var, std, average) on concrete arrays, averaging booleans and
    integers in JAX's float (``inexact_dtype``) as the traced version does."""

    def eager(a: Any, *args: Any, **kwargs: Any) -> Any:
        arr = np.asarray(a)
        return np_fn(arr.astype(inexact_dtype(arr.dtype), copy=False), *args, **kwargs)

    eager.__name__ = np_fn.__name__
    return eager
