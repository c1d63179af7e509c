"""``jax.pure_callback``: a Python function on host values whose results a program uses.

Outside a trace it runs at once. Inside one it adds ``pure_callback`` nodes
(``primitives/callback.py``), one per declared result, which the compiled program runs
with the run-time values (one call for all the results of a run). The function receives
its arrays as axcomp arrays and must return results of exactly the declared shapes and
dtypes. Under ``vmap`` it is called as ``vmap_method`` says: ``"sequential"`` once per
example, ``"expand_dims"`` once with every operand given each batch axis (size 1 where it
does not vary), ``"broadcast_all"`` once with the operands broadcast to the batch; without
a method a vmapped call is an error, as in JAX. A pure callback has no derivative (JAX's
error; wrap it in ``custom_jvp``), and, being pure, it may be dropped when its results are
unused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import pytree
from .core.array_impl import ArrayImpl
from .errors import ArgumentTypeError, ArgumentValueError
from .primitives.callback import VMAP_METHODS, HostCall, add_pure_callback
from .tracing.trace import current_trace
from .tracing.tracer import Tracer

__all__ = ["pure_callback"]


def pure_callback(
    callback: Callable[..., Any],
    result_shape_dtypes: Any,
    *args: Any,
    sharding: Any = None,
    vmap_method: str | None = None,
    **kwargs: Any,
) -> Any:
    """``callback(*args, **kwargs)`` on the values of the (possibly traced) arguments, its
    results declared by ``result_shape_dtypes`` (a pytree of objects with ``shape`` and
    ``dtype``: ``ShapeDtypeStruct``s or arrays), as ``jax.pure_callback``."""
    if not callable(callback):
        raise ArgumentTypeError(f"pure_callback: callback must be callable, got {callback!r}")
    if vmap_method is not None and vmap_method not in VMAP_METHODS:
        raise ArgumentValueError(
            f"pure_callback: vmap_method must be one of {', '.join(map(repr, VMAP_METHODS))} "
            f"or None, got {vmap_method!r}"
        )
    specs, out_tree = pytree.flatten(result_shape_dtypes)
    results = [_declared(spec) for spec in specs]
    leaves, in_tree = pytree.flatten((args, kwargs))
    name = getattr(callback, "__qualname__", None) or type(callback).__name__

    def call_with(*values: Any) -> list[Any]:
        a, k = pytree.unflatten(in_tree, list(values))
        out, tree = pytree.flatten(callback(*a, **k))
        if tree != out_tree and len(out) == len(results):
            raise ArgumentValueError(
                f"pure_callback: {name} returned results structured as {tree}, "
                f"result_shape_dtypes as {out_tree}"
            )
        return out

    trace = next((v.trace for v in leaves if isinstance(v, Tracer)), None) or current_trace()
    if trace is None:
        host = HostCall(call_with, tuple(results), (), ((),) * len(leaves), "sequential", name)
        values = host.run([np.asarray(v).view(ArrayImpl) for v in leaves])
        return pytree.unflatten(out_tree, [v.view(ArrayImpl) for v in values])
    traced = add_pure_callback(trace, call_with, results, leaves, vmap_method, name)
    return pytree.unflatten(out_tree, traced)


def _declared(spec: Any) -> tuple[tuple[int, ...], np.dtype]:
    try:
        return tuple(int(n) for n in spec.shape), np.dtype(spec.dtype)
    except (AttributeError, TypeError) as exc:
        raise ArgumentTypeError(
            "pure_callback: result_shape_dtypes must be a pytree of objects with shape and "
            f"dtype (jax.ShapeDtypeStruct or arrays), got {spec!r}"
        ) from exc
