"""``eval_shape`` (trace only, run nothing) and ``block_until_ready`` (NumPy is eager)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import pytree
from ..core.shapes import ShapeDtypeStruct
from ..errors import AxcompError, AxisSpecTypeError
from ..tracing.trace import current_trace
from ..tracing.tracer import Tracer
from .jit import jit
from .staging import input_names, signature_of, trace_to_graph
from .tracebacks import user_frames


def eval_shape(fun: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``jax.eval_shape``: the output pytree of ``fun(*args, **kwargs)`` as
    ``ShapeDtypeStruct``s, found by tracing alone (arguments may be ShapeDtypeStructs)."""
    if not callable(fun):
        raise AxisSpecTypeError(f"eval_shape expects a callable, got {fun!r}")
    if current_trace() is not None:
        # inside jit/vmap/grad: traced inline (closed-over tracers are fine); nothing reads
        # the nodes, so the passes drop them
        leaves, treedef = pytree.flatten(fun(*args, **kwargs))
        return pytree.unflatten(treedef, [_shape_dtype(leaf) for leaf in leaves])
    weak: list[bool] = []

    @functools.wraps(fun)
    def noting_weak_types(*a: Any, **k: Any) -> Any:
        out = fun(*a, **k)
        weak[:] = [_is_weak(leaf) for leaf in pytree.flatten(out)[0]]
        return out

    staged = jit(noting_weak_types)
    sig = signature_of(args, kwargs, trace_scalars=True)  # Python scalars traced, as in jit
    try:
        traced = trace_to_graph(staged._inline_unpacked, sig, input_names(fun, sig), staged.name)
    except AxcompError as exc:
        raise exc.with_traceback(user_frames(exc.__traceback__)) from None
    outs = [
        ShapeDtypeStruct(node.shape, node.dtype, weak_type=w)
        for node, w in zip(traced.graph.outputs, weak, strict=True)
    ]
    return pytree.unflatten(traced.out_treedef, outs)


def _is_weak(value: Any) -> bool:
    if isinstance(value, Tracer):
        return value.weak
    return type(value) in (int, float, complex)


def _shape_dtype(value: Any) -> ShapeDtypeStruct:
    if isinstance(value, Tracer):
        return ShapeDtypeStruct(value.shape, value.dtype, weak_type=value.weak)
    return ShapeDtypeStruct(np.shape(value), np.result_type(value), weak_type=_is_weak(value))


def block_until_ready(x: Any) -> Any:
    """``jax.block_until_ready``: ``x`` (NumPy results are ready when they are returned)."""
    return x
