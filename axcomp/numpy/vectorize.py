"""``vectorize`` with ``jax.numpy.vectorize`` semantics, built from nested ``vmap``s."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import AxisSpecError
from ..transforms.vmap import vmap

_DIMS = r"\(\s*(?:\w+(?:\s*,\s*\w+)*)?\s*\)"
_SIGNATURE = re.compile(rf"^\s*{_DIMS}(?:\s*,\s*{_DIMS})*\s*->\s*{_DIMS}(?:\s*,\s*{_DIMS})*\s*$")


def parse_signature(signature: str) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    if not _SIGNATURE.match(signature):
        raise AxisSpecError(f"not a valid gufunc signature: {signature!r}")
    lhs, rhs = signature.split("->")

    def groups(text: str) -> list[tuple[str, ...]]:
        return [
            tuple(d.strip() for d in g.split(",") if d.strip())
            for g in re.findall(r"\(([^)]*)\)", text)
        ]

    return groups(lhs), groups(rhs)


def vectorize(
    pyfunc: Callable[..., Any], *, excluded: Any = frozenset(), signature: str | None = None
) -> Callable[..., Any]:
    """Vectorise ``pyfunc`` over leading loop dimensions with NumPy broadcasting."""
    if excluded:
        raise AxisSpecError("vectorize: excluded= is not supported; close over the values instead")
    core_in = parse_signature(signature)[0] if signature else None

    @functools.wraps(pyfunc)
    def wrapped(*args: Any) -> Any:
        cores = core_in if core_in is not None else [()] * len(args)
        if len(cores) != len(args):
            raise AxisSpecError(
                f"vectorize signature {signature!r} expects {len(cores)} arguments, got {len(args)}"
            )
        sizes: dict[str, int] = {}
        loop_shapes = []
        for i, (arg, core) in enumerate(zip(args, cores)):
            shape = tuple(np.shape(arg)) if not hasattr(arg, "shape") else tuple(arg.shape)
            if len(shape) < len(core):
                raise AxisSpecError(
                    f"vectorize: argument {i} has shape {shape}, which has fewer than "
                    f"{len(core)} core dimensions {core} of signature {signature!r}"
                )
            core_shape = shape[len(shape) - len(core) :]
            for dim, n in zip(core, core_shape):
                if sizes.setdefault(dim, n) != n:
                    raise AxisSpecError(
                        f"vectorize: inconsistent size for core dimension {dim!r}: "
                        f"{sizes[dim]} vs {n} (argument {i} of shape {shape}, "
                        f"signature {signature!r})"
                    )
            loop_shapes.append(shape[: len(shape) - len(core)])
        try:
            loop = np.broadcast_shapes(*loop_shapes)
        except ValueError:
            raise AxisSpecError(
                f"vectorize: loop dimensions {loop_shapes} cannot be broadcast together"
            ) from None
        fn: Callable[..., Any] = pyfunc
        # build vmaps from the innermost loop dim outwards; missing or size-1 dims are None
        for level in reversed(range(len(loop))):
            axes = []
            for ls in loop_shapes:
                k = level - (len(loop) - len(ls))
                axes.append(0 if k >= 0 and ls[k] == loop[level] else None)
            fn = vmap(fn, in_axes=tuple(axes), axis_size=loop[level])
        squeezed = []
        for arg, ls in zip(args, loop_shapes):
            drop = tuple(k for k, n in enumerate(ls) if n != loop[len(loop) - len(ls) + k])
            squeezed.append(arg.squeeze(axis=drop) if drop else arg)
        return fn(*squeezed)

    return wrapped
