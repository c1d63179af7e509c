"""``eval_shape`` (trace only, run nothing) and ``block_until_ready`` (NumPy is eager)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import pytree
from ..core.shapes import ShapeDtypeStruct
from ..errors import AxcompError, AxisSpecTypeError
from .jit import jit
from .staging import input_names, signature_of, trace_to_graph
from .tracebacks import user_frames


def eval_shape(fun: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``jax.eval_shape``: the output pytree of ``fun(*args, **kwargs)`` as
    ``ShapeDtypeStruct``s, found by tracing alone (arguments may be ShapeDtypeStructs)."""
    if not callable(fun):
        raise AxisSpecTypeError(f"eval_shape expects a callable, got {fun!r}")
    staged = jit(fun)
    sig = signature_of(args, kwargs)
    try:
        traced = trace_to_graph(staged._inline_unpacked, sig, input_names(fun, sig), staged.name)
    except AxcompError as exc:
        raise exc.with_traceback(user_frames(exc.__traceback__)) from None
    outs = [ShapeDtypeStruct(node.shape, node.dtype) for node in traced.graph.outputs]
    return pytree.unflatten(traced.out_treedef, outs)


def block_until_ready(x: Any) -> Any:
    """``jax.block_until_ready``: ``x`` (NumPy results are ready when they are returned)."""
    return x
