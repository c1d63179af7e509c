"""Functions of ``jax.numpy`` that apply user functions: ``apply_along_axis`` (one
``vmap`` per other axis, as JAX), ``apply_over_axes`` and ``piecewise`` (each piece
computed everywhere and selected with ``where``, later conditions winning, as NumPy)."""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import ShapeError
from ..tracing.build import normalize_axis
from ..transforms.vmap import vmap
from .dispatch import numpy_function
from .namespace import jnp as _jnp


@numpy_function()
def apply_along_axis(
    func1d: Callable[..., Any], axis: int, arr: Any, *args: Any, **kwargs: Any
) -> Any:
    """``func1d`` on each 1-d slice of ``arr`` along ``axis``; its result's axes take that
    axis's place."""
    a = _jnp.asarray(arr)
    ndim = _jnp.ndim(a)
    ax = normalize_axis(operator.index(axis), ndim, "axis")

    def func(v: Any) -> Any:
        return func1d(v, *args, **kwargs)

    for i in range(1, ndim - ax):
        func = vmap(func, in_axes=i, out_axes=-1)
    for _ in range(ax):
        func = vmap(func, in_axes=0, out_axes=0)
    return func(a)


@numpy_function()
def apply_over_axes(func: Callable[[Any, int], Any], a: Any, axes: Sequence[int]) -> Any:
    """``func(a, axis)`` for each axis in turn, keeping the reduced axes as length 1."""
    out = _jnp.asarray(a)
    for axis in np.atleast_1d(np.asarray(axes)):
        ax = normalize_axis(int(axis), _jnp.ndim(out), "axes")
        res = _jnp.asarray(func(out, ax))
        if _jnp.ndim(res) == _jnp.ndim(out) - 1:
            res = _jnp.expand_dims(res, ax)
        elif _jnp.ndim(res) != _jnp.ndim(out):
            raise ShapeError("function is not returning an array of the correct shape")
        out = res
    return out


@numpy_function()
def piecewise(x: Any, condlist: Any, funclist: Sequence[Any], *args: Any, **kw: Any) -> Any:
    """``funclist[i](x)`` where ``condlist[i]`` holds (a later condition wins), the extra
    last function (or 0) elsewhere; the result has ``x``'s dtype."""
    t = _jnp.asarray(x)
    if isinstance(condlist, (list, tuple)):
        conds = list(condlist)
    else:  # one condition shaped like x, or a stack of them
        c = _jnp.asarray(condlist)
        conds = [c] if _jnp.ndim(c) <= _jnp.ndim(t) else list(_jnp.unstack(c))
    n = len(conds)
    if len(funclist) not in (n, n + 1):
        raise ShapeError(
            f"piecewise: with {n} condition(s), either {n} or {n + 1} functions are needed, "
            f"got {len(funclist)}"
        )

    def value(f: Any) -> Any:
        v = f(t, *args, **kw) if callable(f) else f
        return _jnp.broadcast_to(_jnp.astype(_jnp.asarray(v), t.dtype), _jnp.shape(t))

    out = value(funclist[n]) if len(funclist) == n + 1 else _jnp.zeros(_jnp.shape(t), t.dtype)
    for cond, f in zip(conds, funclist):
        out = _jnp.where(_jnp.astype(_jnp.asarray(cond), np.bool_), value(f), out)
    return out
