"""``vectorize`` with ``jax.numpy.vectorize`` semantics, built from nested ``vmap``s."""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import AxisSpecError, AxisSpecTypeError
from ..transforms.rank_promotion import rank_promotion
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


def _apply_excluded(
    func: Callable[..., Any], excluded: Any, args: Sequence[Any], kwargs: dict[str, Any]
) -> tuple[Callable[..., Any], list[Any], dict[str, Any]]:
    """Partially apply the excluded positional and keyword arguments (JAX's rule)."""
    if not excluded:
        return func, list(args), kwargs
    dynamic_args = [a for i, a in enumerate(args) if i not in excluded]
    dynamic_kwargs = {k: v for k, v in kwargs.items() if k not in excluded}
    static_args = [
        (i, args[i]) for i in sorted(e for e in excluded if isinstance(e, int)) if i < len(args)
    ]
    static_kwargs = {k: v for k, v in kwargs.items() if k in excluded}

    def new_func(*inner: Any, **kw: Any) -> Any:
        full = list(inner)
        for i, a in static_args:
            full.insert(i, a)
        return func(*full, **kw, **static_kwargs)

    return new_func, dynamic_args, dynamic_kwargs


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(x.shape) if hasattr(x, "shape") else tuple(np.shape(x))


def _check_outputs(
    func: Callable[..., Any],
    sizes: dict[str, int],
    core_out: list[tuple[str, ...]],
    context: str,
) -> Callable[..., Any]:
    """``func`` whose per-example outputs must match the signature's output core dims."""

    def checked(*args: Any) -> Any:
        out = func(*args)
        if len(core_out) > 1 and not isinstance(out, tuple):
            raise AxisSpecTypeError(
                f"output must be a tuple when multiple outputs are expected, got: {out!r}\n"
                f"{context}"
            )
        outs = out if isinstance(out, tuple) else (out,)
        if len(outs) != len(core_out):
            raise AxisSpecTypeError(
                f"wrong number of output arguments: expected {len(core_out)}, got "
                f"{len(outs)} {context}"
            )
        known = dict(sizes)
        for o, core in zip(outs, core_out):
            shape = _shape(o)
            if len(shape) != len(core):
                raise AxisSpecError(
                    f"output shape {shape} does not match core dimensions {core} {context}"
                )
            for dim, n in zip(core, shape):
                if known.setdefault(dim, n) != n:
                    raise AxisSpecError(
                        f"inconsistent size for core dimension {dim!r}: {n} vs {known[dim]} "
                        f"{context}"
                    )
        return out

    return checked


def _check_rank_promotion(
    args: Sequence[Any], loop_shapes: Sequence[tuple[int, ...]], signature: str | None
) -> None:
    mode = rank_promotion()
    if mode == "allow":
        return
    shapes = [_shape(a) for a in args]
    ranks = {len(ls) for ls, shape in zip(loop_shapes, shapes) if shape != ()}
    if len(ranks) < 2:
        return
    msg = (
        f"operands with shapes {shapes} require rank promotion for jnp.vectorize function "
        f"with signature {signature}. Set the jax_numpy_rank_promotion config option to "
        "'allow' to disable this message"
    )
    if mode == "raise":
        raise AxisSpecError(msg)
    warnings.warn(msg, stacklevel=3)


def vectorize(
    pyfunc: Callable[..., Any], *, excluded: Any = frozenset(), signature: str | None = None
) -> Callable[..., Any]:
    """Vectorise ``pyfunc`` over leading loop dimensions with NumPy broadcasting, as
    ``jax.numpy.vectorize``: ``excluded`` positions (ints) or keywords (strs) are passed
    through unvectorised; with a ``signature`` the outputs' count and core shapes are
    checked per example. Keyword arguments that are not excluded are passed unchanged."""
    if any(not isinstance(e, (str, int)) for e in excluded):
        raise AxisSpecTypeError(
            "axcomp.numpy.vectorize can only exclude integer or string arguments, but "
            f"excluded={excluded!r}"
        )
    if any(isinstance(e, int) and e < 0 for e in excluded):
        raise AxisSpecError(f"excluded={excluded!r} contains negative numbers")
    parsed = parse_signature(signature) if signature else None

    @functools.wraps(pyfunc)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        context = f"on vectorized function with excluded={excluded!r} and signature={signature!r}"
        func, dyn, kw = _apply_excluded(pyfunc, excluded, args, kwargs)
        if kw:
            func = functools.partial(func, **kw)
        cores = parsed[0] if parsed is not None else [()] * len(dyn)
        none_args = {i for i, a in enumerate(dyn) if a is None}
        if none_args:
            if any(cores[i] != () for i in none_args if i < len(cores)):
                raise AxisSpecError(
                    f"Cannot pass None at locations {none_args} with signature={signature!r}"
                )
            func, dyn, _ = _apply_excluded(func, none_args, dyn, {})
            cores = [c for i, c in enumerate(cores) if i not in none_args]
        if len(cores) != len(dyn):
            raise AxisSpecTypeError(
                f"wrong number of positional arguments: expected {len(cores)}, got "
                f"{len(dyn)} {context}"
            )
        sizes: dict[str, int] = {}
        loop_shapes = []
        for arg, core in zip(dyn, cores):
            shape = _shape(arg)
            if len(shape) < len(core):
                raise AxisSpecError(
                    f"input with shape {shape} does not have enough dimensions for all core "
                    f"dimensions {core} {context}"
                )
            core_shape = shape[len(shape) - len(core) :]
            for dim, n in zip(core, core_shape):
                if sizes.setdefault(dim, n) != n:
                    raise AxisSpecError(
                        f"inconsistent size for core dimension {dim!r}: {n} vs {sizes[dim]} "
                        f"{context}"
                    )
            loop_shapes.append(shape[: len(shape) - len(core)])
        _check_rank_promotion(dyn, loop_shapes, signature)
        try:
            loop = np.broadcast_shapes(*loop_shapes)
        except ValueError:
            raise AxisSpecError(
                f"vectorize: loop dimensions {loop_shapes} cannot be broadcast together"
            ) from None
        fn: Callable[..., Any] = func
        if parsed is not None:
            fn = _check_outputs(fn, sizes, parsed[1], context)
        # build vmaps from the innermost loop dim outwards; missing or size-1 dims are None
        for level in reversed(range(len(loop))):
            axes = []
            for ls in loop_shapes:
                k = level - (len(loop) - len(ls))
                axes.append(0 if k >= 0 and ls[k] == loop[level] else None)
            fn = vmap(fn, in_axes=tuple(axes), axis_size=loop[level])
        squeezed = []
        for arg, ls in zip(dyn, loop_shapes):
            drop = tuple(k for k, n in enumerate(ls) if n != loop[len(loop) - len(ls) + k])
            if drop and not hasattr(arg, "squeeze"):
                arg = np.asarray(arg)
            squeezed.append(arg.squeeze(axis=drop) if drop else arg)
        return fn(*squeezed)

    return wrapped
