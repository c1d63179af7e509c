"""The operand checks and promotions the API layer's functions share.

``jax.lax`` functions check their operands strictly (``lax_operands``): each of an
accepted dtype kind, one dtype for all (a Python ``int`` is int64, a ``float`` float64, as
in JAX with x64), one rank or rank 0 (equal ranks broadcast their size-1 axes, a 0-d
operand broadcasts to any shape); anything else is a ``TypeError``. ``jax.numpy`` and
``jax.scipy.special`` functions promote instead (``lifted``, ``float_input``,
``promote_args_inexact``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import ArgumentTypeError, IncompatibleShapesError
from ..primitives.shape import astype, broadcast_to
from ..tracing.build import Value, broadcast_shapes, is_weak_scalar, lift, trace_of
from ..tracing.tracer import Tracer

_KIND_NAMES = {
    "b": "bool",
    "i": "signed integer",
    "u": "unsigned integer",
    "f": "floating",
    "c": "complexfloating",
}


def accepted_kinds(kinds: str) -> str:
    """The dtype kinds ``kinds`` (``"iuf"``...) in the words of JAX's error messages."""
    if "i" in kinds and "u" in kinds:
        kinds = kinds.replace("u", "")
        names = ["integer" if k == "i" else _KIND_NAMES[k] for k in kinds]
    else:
        names = [_KIND_NAMES[k] for k in kinds]
    return ", ".join(names)


def lax_operands(name: str, args: Sequence[Value], kinds: str) -> list[Tracer]:
    """The operands as tracers, checked as ``jax.lax`` checks them: each of a dtype kind
    in ``kinds``, one dtype for all, one rank (or 0-d)."""
    trace = trace_of(args)
    ts = [lift(a, trace) for a in args]
    for k, t in enumerate(ts):
        if t.dtype.kind not in kinds:
            where = f" at position {k}" if len(ts) > 1 else ""
            raise ArgumentTypeError(
                f"{name} does not accept dtype {t.dtype.name}{where}. Accepted dtypes"
                f"{where} are subtypes of {accepted_kinds(kinds)}."
            )
    if len({t.dtype for t in ts}) > 1:
        raise ArgumentTypeError(
            f"lax.{name} requires arguments to have the same dtypes, got "
            + ", ".join(t.dtype.name for t in ts)
            + f". (Tip: jnp.{name} or its jax.numpy namesake promotes types.)"
        )
    same_rank(name, ts)
    return ts


def same_rank(name: str, ts: Sequence[Tracer]) -> tuple[int, ...]:
    """The broadcast shape of operands of one rank (0-d ones aside), as ``jax.lax`` requires."""
    ranks = {t.ndim for t in ts if t.ndim}
    if len(ranks) > 1:
        raise IncompatibleShapesError(
            f"{name}: arrays must have the same number of dimensions, got {sorted(ranks)}"
        )
    try:
        return broadcast_shapes(*(t.shape for t in ts))
    except IncompatibleShapesError:
        raise IncompatibleShapesError(
            f"{name} got incompatible shapes for broadcasting: "
            + ", ".join(str(t.shape) for t in ts)
        ) from None


def like(value: complex, t: Tracer) -> np.ndarray:
    """A 0-d constant of ``t``'s dtype (a Python float would promote float16/float32)."""
    return np.asarray(value, dtype=t.dtype)


def upcast(t: Tracer) -> tuple[Tracer, np.dtype]:
    """float16 is computed in float32 and rounded back, as XLA does."""
    return (astype(t, np.float32), t.dtype) if t.dtype == np.float16 else (t, t.dtype)


def back(r: Tracer, dtype: np.dtype) -> Tracer:
    """``r`` rounded back to ``dtype`` (after ``upcast``)."""
    return r if r.dtype == dtype else astype(r, dtype)


def eps(t: Tracer) -> float:
    """The machine epsilon of ``t``'s float dtype."""
    return float(np.finfo(t.dtype).eps)


def lifted(*args: Value) -> list[Tracer]:
    """The operands as tracers of one trace, unchecked (NumPy's promotion follows)."""
    trace = trace_of(args)
    return [lift(a, trace) for a in args]


def float_input(x: Value) -> Tracer:
    """``x`` as a tracer of its floating dtype (integers and bools become float64)."""
    t = lift(x, trace_of((x,)))
    if t.dtype.kind not in "fc":
        t = astype(t, np.result_type(t.dtype, 1.0) if t.dtype.kind != "b" else np.float64)
    return t


def promote_args_inexact(*args: Value) -> list[Tracer]:
    """JAX's promotion to an inexact type (``promote_args_inexact``), broadcast to one
    shape: the widest float among the array operands (integers do not widen it; a Python
    float gives float64 when no array is a float); integers alone become float32, or
    float64 from 64-bit integers (``to_inexact_dtype``)."""
    ts = lifted(*args)
    strong = [t.dtype for t, v in zip(ts, args) if not is_weak_scalar(v)]
    if any(d.kind == "c" for d in strong) or any(isinstance(v, complex) for v in args):
        raise ArgumentTypeError("this special function does not accept complex operands")
    floats = [d for d in strong if d.kind == "f"]
    if floats:
        dtype = np.result_type(*floats)
    elif any(isinstance(v, float) for v in args) or not strong:
        dtype = np.dtype(np.float64)
    else:
        ints = np.result_type(*strong)
        dtype = np.dtype(np.float64 if ints.kind == "f" or ints.itemsize == 8 else np.float32)
    shape = broadcast_shapes(*(t.shape for t in ts))
    return [broadcast_to(astype(t, dtype), shape) for t in ts]
