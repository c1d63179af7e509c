"""NumPy's products (matmul, dot, tensordot, inner, outer, vdot), all as einsums."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import ArgumentTypeError, IncompatibleShapesError, ShapeError
from ..tracing.build import Value, broadcast_shapes, lift, normalize_axis, result_dtype, trace_of
from ..tracing.tracer import Tracer
from .contraction import contract, multiply
from .elementwise import elementwise
from .shape import reshape


def matmul(x: Value, y: Value) -> Tracer:
    trace = trace_of((x, y))
    tx, ty = lift(x, trace), lift(y, trace)
    if tx.ndim == 0 or ty.ndim == 0:
        raise ShapeError(
            f"matmul: input operand does not have enough dimensions (shapes {tx.shape}, {ty.shape})"
        )
    xs, ys = tx.shape, ty.shape
    x2 = xs if len(xs) > 1 else (1,) + xs
    y2 = ys if len(ys) > 1 else ys + (1,)
    if x2[-1] != y2[-2]:
        raise IncompatibleShapesError(
            f"matmul: contracted dimension mismatch, shapes {xs} and {ys} ({x2[-1]} != {y2[-2]})"
        )
    batch = broadcast_shapes(x2[:-2], y2[:-2])
    bl = tuple(f"b{i}" for i in range(len(batch)))

    def batch_sub(shape: tuple[int, ...], tag: str) -> list[str]:
        off = len(batch) - len(shape)
        return [bl[off + i] if s == batch[off + i] else f"{tag}{i}" for i, s in enumerate(shape)]

    sx = batch_sub(x2[:-2], "u") + (["i"] if len(xs) > 1 else []) + ["k"]
    sy = batch_sub(y2[:-2], "w") + ["k"] + (["j"] if len(ys) > 1 else [])
    out = list(bl) + (["i"] if len(xs) > 1 else []) + (["j"] if len(ys) > 1 else [])
    return contract(
        (tx, ty), (tuple(sx), tuple(sy)), tuple(out), dtype=result_dtype(np.matmul, x, y)
    )


def dot(x: Value, y: Value) -> Tracer:
    trace = trace_of((x, y))
    tx, ty = lift(x, trace), lift(y, trace)
    if tx.ndim == 0 or ty.ndim == 0:
        return multiply(tx, ty)
    if ty.ndim == 1 or (tx.ndim == 1 and ty.ndim <= 2):
        return matmul(tx, ty) if tx.ndim <= 2 else tensordot(tx, ty, axes=([-1], [0]))
    return tensordot(tx, ty, axes=([tx.ndim - 1], [ty.ndim - 2]), _fn=np.dot)


def tensordot_axes(
    x_shape: tuple[int, ...], y_shape: tuple[int, ...], axes: Any
) -> tuple[list[int], list[int]]:
    """The summed axes of ``tensordot(x, y, axes)`` as two lists of non-negative axes,
    checked as JAX checks them: an int ``n`` names the last ``n`` axes of ``x`` and the
    first ``n`` of ``y`` (a ``TypeError`` past either rank), a pair names both lists
    (``TypeError`` for unequal lengths, ``AxisError`` out of range), and the summed axes
    must have equal sizes (``TypeError``)."""
    if isinstance(axes, (int, np.integer)) and not isinstance(axes, bool):
        n = int(axes)
        if n > min(len(x_shape), len(y_shape)):
            raise IncompatibleShapesError(
                f"tensordot: axes={n} sums the last {n} axes of a with the first {n} of b, "
                f"but a has shape {x_shape} and b has shape {y_shape}"
            )
        ax_x = list(range(len(x_shape) - n, len(x_shape))) if n > 0 else []
        ax_y = list(range(n))
    elif isinstance(axes, (tuple, list)) and len(axes) == 2:
        in_x, in_y = ([int(a)] if isinstance(a, (int, np.integer)) else list(a) for a in axes)
        if len(in_x) != len(in_y):
            raise IncompatibleShapesError(
                f"tensordot: the axes lists {in_x} (of a) and {in_y} (of b) differ in length"
            )
        ax_x = [normalize_axis(a, len(x_shape), "tensordot axis of a") for a in in_x]
        ax_y = [normalize_axis(a, len(y_shape), "tensordot axis of b") for a in in_y]
    else:
        raise ArgumentTypeError(
            f"tensordot: axes must be an int, a pair of ints or a pair of int sequences, "
            f"got {axes!r}"
        )
    for a, b in zip(ax_x, ax_y):
        if x_shape[a] != y_shape[b]:
            raise IncompatibleShapesError(
                f"tensordot: summed axes of different sizes: axes {ax_x} of a {x_shape} "
                f"and axes {ax_y} of b {y_shape}"
            )
    return ax_x, ax_y


def tensordot(x: Value, y: Value, axes: Any = 2, _fn: Callable[..., Any] = np.tensordot) -> Tracer:
    trace = trace_of((x, y))
    tx, ty = lift(x, trace), lift(y, trace)
    ax_x, ax_y = tensordot_axes(tx.shape, ty.shape, axes)
    sx = [f"x{i}" for i in range(tx.ndim)]
    sy = [f"y{i}" for i in range(ty.ndim)]
    for k, (a, b) in enumerate(zip(ax_x, ax_y)):
        sx[a] = sy[b] = f"k{k}"
    out = [lab for i, lab in enumerate(sx) if i not in ax_x] + [
        lab for i, lab in enumerate(sy) if i not in ax_y
    ]
    return contract(
        (tx, ty), (tuple(sx), tuple(sy)), tuple(out), dtype=result_dtype(np.multiply, x, y)
    )


def inner(x: Value, y: Value) -> Tracer:
    trace = trace_of((x, y))
    tx, ty = lift(x, trace), lift(y, trace)
    if tx.ndim == 0 or ty.ndim == 0:
        return multiply(tx, ty)
    return tensordot(tx, ty, axes=([-1], [-1]))


def outer(x: Value, y: Value) -> Tracer:
    trace = trace_of((x, y))
    tx, ty = reshape(lift(x, trace), (-1,)), reshape(lift(y, trace), (-1,))
    return contract((tx, ty), (("i",), ("j",)), ("i", "j"), dtype=result_dtype(np.multiply, x, y))


def vdot(x: Value, y: Value) -> Tracer:
    trace = trace_of((x, y))
    tx, ty = lift(x, trace), lift(y, trace)
    if tx.size != ty.size:
        raise IncompatibleShapesError(
            f"vdot: vectors have different lengths ({tx.size} and {ty.size})"
        )
    if np.issubdtype(tx.dtype, np.complexfloating):
        tx = elementwise("conjugate", tx)
    return contract(
        (reshape(tx, (-1,)), reshape(ty, (-1,))),
        (("i",), ("i",)),
        (),
        dtype=result_dtype(np.vdot, x, y),
    )
