"""Products in ``jax.numpy``: ``dot``/``vdot``/``matmul``/``inner``/``outer``/
``tensordot``/``einsum`` (with JAX's ``precision`` and ``preferred_element_type``),
``matvec``/``vecmat``/``vecdot``, ``kron`` and ``cross``."""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import primitives as _ops
from ..errors import ShapeError
from ..lax.precision import check_precision, preferred_dtype
from ..primitives.contraction import moveaxis, multiply
from ..primitives.elementwise import elementwise
from ..primitives.indexing import getitem
from ..primitives.shape import reshape, stack
from ..tracing.build import Value, normalize_axis
from ..tracing.tracer import Tracer
from .dispatch import any_traced, numpy_function
from .dtypes import astype
from .namespace import jnp as _jnp
from .traced_values import lift_values as _lift


@numpy_function()
def kron(a: Value, b: Value) -> Tracer:
    """``numpy.kron``: the Kronecker product (one broadcast multiply and a reshape)."""
    x, y = _lift(a, b)
    nd = builtins.max(x.ndim, y.ndim)
    xs = (1,) * (nd - x.ndim) + x.shape
    ys = (1,) * (nd - y.ndim) + y.shape
    xr = reshape(x, tuple(v for s in xs for v in (s, 1)))
    yr = reshape(y, tuple(v for s in ys for v in (1, s)))
    return reshape(multiply(xr, yr), tuple(p * q for p, q in zip(xs, ys)))


@numpy_function()
def cross(
    a: Value, b: Value, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis: Any = None
) -> Tracer:
    """``numpy.cross`` of 3-vectors along ``axisa``/``axisb``, result along ``axisc``."""
    if axis is not None:
        axisa = axisb = axisc = axis
    x, y = _lift(a, b)
    x = moveaxis(x, normalize_axis(axisa, x.ndim, "axisa"), -1)
    y = moveaxis(y, normalize_axis(axisb, y.ndim, "axisb"), -1)
    if x.shape[-1] != 3 or y.shape[-1] != 3:
        raise ShapeError(
            f"cross: incompatible vector dimensions {x.shape[-1]} (a) and {y.shape[-1]} (b) "
            "(axcomp supports 3-vectors only)"
        )
    x0, x1, x2 = (getitem(x, (Ellipsis, i)) for i in range(3))
    y0, y1, y2 = (getitem(y, (Ellipsis, i)) for i in range(3))

    def sub(p: Tracer, q: Tracer) -> Tracer:
        return elementwise("subtract", p, q)

    c = stack(
        [
            sub(multiply(x1, y2), multiply(x2, y1)),
            sub(multiply(x2, y0), multiply(x0, y2)),
            sub(multiply(x0, y1), multiply(x1, y0)),
        ],
        axis=-1,
    )
    return moveaxis(c, -1, normalize_axis(axisc, c.ndim, "axisc"))


def _product(
    name: str, traced: Callable[..., Any], eager: Callable[..., Any]
) -> Callable[..., Any]:
    """A product with JAX's ``precision=`` (validated; NumPy is always exact) and
    ``preferred_element_type=`` (the result's dtype)."""

    def fn(
        a: Any, b: Any, *args: Any, precision: Any = None, preferred_element_type: Any = None
    ) -> Any:
        check_precision(precision, name)
        out = traced(a, b, *args) if any_traced((a, b)) else eager(a, b, *args)
        want = preferred_dtype(preferred_element_type)
        return out if want is None else astype(out, want)

    fn.__name__ = fn.__qualname__ = name
    return fn


dot = _product("dot", _ops.dot, np.dot)
vdot = _product("vdot", _ops.vdot, np.vdot)
matmul = _product("matmul", _ops.matmul, np.matmul)
inner = _product("inner", _ops.inner, np.inner)
outer = _product("outer", _ops.outer, np.outer)
_tensordot = _product("tensordot", _ops.tensordot, np.tensordot)


def tensordot(
    a: Any, b: Any, axes: Any = 2, *, precision: Any = None, preferred_element_type: Any = None
) -> Any:
    return _tensordot(
        a, b, axes, precision=precision, preferred_element_type=preferred_element_type
    )


def einsum(
    subscripts: str,
    *operands: Any,
    precision: Any = None,
    preferred_element_type: Any = None,
    optimize: Any = "auto",
    **kwargs: Any,
) -> Any:
    check_precision(precision, "einsum")
    if any_traced(operands):
        out = _ops.einsum(subscripts, *operands)
    else:
        out = np.einsum(
            subscripts, *operands, optimize=optimize if optimize != "auto" else True, **kwargs
        )
    want = preferred_dtype(preferred_element_type)
    return out if want is None else astype(out, want)


def matvec(x1: Any, x2: Any, /) -> Any:
    return _jnp.matmul(x1, _jnp.expand_dims(x2, -1))[..., 0]


def vecmat(x1: Any, x2: Any, /) -> Any:
    return _jnp.matmul(_jnp.expand_dims(_jnp.conjugate(x1), -2), x2)[..., 0, :]


def vecdot(x1: Any, x2: Any, /, *, axis: int = -1) -> Any:
    return _jnp.sum(_jnp.multiply(_jnp.conjugate(x1), x2), axis=axis)


def einsum_path(subscripts: str, /, *operands: Any, optimize: Any = "auto") -> tuple[Any, Any]:
    """``(path, description)``: the contraction order ``opt_einsum`` picks (``True``:
    ``'optimal'``; ``False``: left to right, unoptimized), as ``jnp.einsum_path``."""
    import opt_einsum

    if optimize is False:
        path = [(0, 1)] * (len(operands) - 1) if len(operands) > 1 else [(0,)]
        return opt_einsum.contract_path(subscripts, *operands, optimize=path)  # type: ignore[no-any-return]
    chosen = "optimal" if optimize is True else optimize
    return opt_einsum.contract_path(subscripts, *operands, optimize=chosen)  # type: ignore[no-any-return]
