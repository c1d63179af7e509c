"""Products in ``jax.numpy``: ``dot``/``vdot``/``matmul``/``inner``/``outer``/
``tensordot``/``einsum`` (with JAX's ``precision`` and ``preferred_element_type``),
``matvec``/``vecmat``/``vecdot``, ``kron`` and ``cross``."""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from .. import primitives as _ops
from ..core.dtype_promotion import PYTHON_SCALARS, concrete_operands, typed_scalars
from ..errors import ArgumentTypeError, ShapeError
from ..lax.precision import check_precision, preferred_dtype
from ..primitives.contraction import moveaxis, multiply
from ..primitives.elementwise import elementwise
from ..primitives.indexing import getitem
from ..primitives.products import tensordot_axes
from ..primitives.shape import reshape, stack
from ..tracing.build import Value, normalize_axis
from ..tracing.tracer import Tracer
from .dispatch import any_traced, numpy_function
from .dtypes import astype, dtype_of
from .namespace import jnp as _jnp
from .traced_values import lift_values as _lift


def _no_bool_products(name: str, *operands: Any) -> None:
    # JAX multiplies with lax.mul, which refuses bools (NumPy's kron of bools is a logical and)
    for at, x in enumerate(operands):
        if dtype_of(x) == np.bool_:
            raise ArgumentTypeError(
                f"{name}: mul does not accept dtype bool at position {at} (as JAX's); "
                "cast the operands to an integer or float dtype"
            )


def _np_kron(a: Any, b: Any) -> Any:
    _no_bool_products("kron", a, b)
    return np.kron(*typed_scalars(concrete_operands((a, b))))  # kron(f32, 2) is float32


@numpy_function(_np_kron)
def kron(a: Value, b: Value) -> Tracer:
    """``numpy.kron``: the Kronecker product (one broadcast multiply and a reshape)."""
    _no_bool_products("kron", a, b)
    x, y = _lift(a, b)
    nd = builtins.max(x.ndim, y.ndim)
    xs = (1,) * (nd - x.ndim) + x.shape
    ys = (1,) * (nd - y.ndim) + y.shape
    xr = reshape(x, tuple(v for s in xs for v in (s, 1)))
    yr = reshape(y, tuple(v for s in ys for v in (1, s)))
    return reshape(multiply(xr, yr), tuple(p * q for p, q in zip(xs, ys)))


@numpy_function(promotes="operands")
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


class Product(Protocol):
    """The signature of ``dot``, ``matmul``... (what an IDE shows)."""

    def __call__(
        self, a: Any, b: Any, /, *, precision: Any = None, preferred_element_type: Any = None
    ) -> Any: ...


def _product(name: str, traced: Callable[..., Any], eager: Callable[..., Any], doc: str) -> Product:
    """A product with JAX's ``precision=`` (validated; NumPy is always exact) and
    ``preferred_element_type=`` (the result's dtype)."""

    def fn(
        a: Any, b: Any, *args: Any, precision: Any = None, preferred_element_type: Any = None
    ) -> Any:
        check_precision(precision, name)
        if any_traced((a, b)):
            out = traced(a, b, *args)
        else:
            operands = concrete_operands((a, b))
            if type(a) in PYTHON_SCALARS or type(b) in PYTHON_SCALARS:  # dot(f32, 2): f32
                operands = typed_scalars(operands)
            out = eager(*operands, *args)
        want = preferred_dtype(preferred_element_type)
        return out if want is None else astype(out, want)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc + _PRODUCT_OPTIONS
    return fn


_PRODUCT_OPTIONS = """

    Inside ``vmap``/``jit`` the product is one contraction of the axis graph: the planner
    fuses it with the other multilinear steps around it into einsums and picks their
    order (``explain(...).equations`` shows them). ``precision`` is checked as JAX checks
    it and otherwise ignored (NumPy computes in the operands' precision);
    ``preferred_element_type`` is the result's dtype."""

dot = _product(
    "dot",
    _ops.dot,
    np.dot,
    """``jax.numpy.dot(a, b)``: the dot product. Vectors: their inner product; matrices:
    the matrix product; N-d ``a`` with M-d ``b``: a sum over the last axis of ``a`` and the
    second-to-last of ``b`` (the last when ``b`` is 1-d). Shapes that do not contract are a
    ``TypeError`` (``IncompatibleShapesError``), as in JAX.""",
)
vdot = _product(
    "vdot",
    _ops.vdot,
    np.vdot,
    """``jax.numpy.vdot(a, b)``: the inner product of the flattened operands, ``a``
    conjugated.""",
)
matmul = _product(
    "matmul",
    _ops.matmul,
    np.matmul,
    """``jax.numpy.matmul(a, b)`` (``a @ b``): the matrix product of the last two axes,
    broadcast over the leading ones; a 1-d operand is a vector (its axis is added for the
    product and removed after).""",
)
inner = _product(
    "inner",
    _ops.inner,
    np.inner,
    """``jax.numpy.inner(a, b)``: a sum over the last axis of both operands.""",
)
outer = _product(
    "outer",
    _ops.outer,
    np.outer,
    """``jax.numpy.outer(a, b)``: the outer product of the flattened operands, shape
    ``(a.size, b.size)``.""",
)


def _eager_tensordot(a: np.ndarray, b: np.ndarray, axes: Any = 2) -> Any:
    """``numpy.tensordot`` on the axes JAX's checks accept (its errors, not NumPy's)."""
    return np.tensordot(a, b, tensordot_axes(np.shape(a), np.shape(b), axes))


_tensordot: Callable[..., Any] = _product(  # (its axes go in *args)
    "tensordot",
    _ops.tensordot,
    _eager_tensordot,
    """``jax.numpy.tensordot``: a sum over the given axes of both operands.""",
)


def tensordot(
    a: Any, b: Any, axes: Any = 2, *, precision: Any = None, preferred_element_type: Any = None
) -> Any:
    """``jax.numpy.tensordot(a, b, axes)``: a sum over ``axes`` of both operands: an int
    ``n`` (the last ``n`` axes of ``a`` with the first ``n`` of ``b``) or a pair of axis
    sequences. The remaining axes of ``a``, then of ``b``, make the result. Inside a kernel
    it is one contraction, fused with its neighbours into einsums. ``precision`` is
    checked and ignored; ``preferred_element_type`` is the result's dtype."""
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
    """``jax.numpy.einsum(subscripts, *operands)``: the sum of products the subscripts
    name (``"ij,jk->ik"``; implicit output and ``...`` as in NumPy).

    On concrete arrays it is ``numpy.einsum`` with an optimised path (``optimize``, as
    NumPy's). Inside ``vmap``/``jit`` it is one contraction of the axis graph: the vmap
    levels' batch axes become more labels, neighbouring products fuse into the same einsum
    and opt_einsum plans the order, so ``explain(...).equations`` can show one equation for
    several calls. ``precision`` is checked as JAX checks it and otherwise ignored;
    ``preferred_element_type`` is the result's dtype."""
    check_precision(precision, "einsum")
    if any_traced(operands):
        out = _ops.einsum(subscripts, *operands)
    else:
        out = np.einsum(
            subscripts,
            *concrete_operands(operands),
            optimize=optimize if optimize != "auto" else True,
            **kwargs,
        )
    want = preferred_dtype(preferred_element_type)
    return out if want is None else astype(out, want)


def matvec(x1: Any, x2: Any, /) -> Any:
    """``jax.numpy.matvec(x1, x2)``: the matrix-vector product over the last axes,
    broadcast over the leading ones (``x1 @ x2[..., None]``, that axis removed)."""
    return _jnp.matmul(x1, _jnp.expand_dims(x2, -1))[..., 0]


def vecmat(x1: Any, x2: Any, /) -> Any:
    """``jax.numpy.vecmat(x1, x2)``: the vector-matrix product over the last axes, ``x1``
    conjugated, broadcast over the leading ones."""
    return _jnp.matmul(_jnp.expand_dims(_jnp.conjugate(x1), -2), x2)[..., 0, :]


def vecdot(x1: Any, x2: Any, /, *, axis: int = -1) -> Any:
    """``jax.numpy.vecdot(x1, x2, axis=-1)``: the dot product along ``axis``, ``x1``
    conjugated, broadcast over the other axes."""
    return _jnp.sum(_jnp.multiply(_jnp.conjugate(x1), x2), axis=axis)


def einsum_path(subscripts: str, /, *operands: Any, optimize: Any = "auto") -> tuple[Any, Any]:
    """``(path, description)``: the contraction order ``opt_einsum`` picks (``True``:
    ``'optimal'``; ``False``: left to right, unoptimized), as ``jnp.einsum_path``."""
    import opt_einsum

    if optimize is False:
        chosen: Any = [(0, 1)] * (len(operands) - 1) if len(operands) > 1 else [(0,)]
    else:
        chosen = "optimal" if optimize is True else optimize
    # (opt_einsum is untyped: contract_path gives (path, PathInfo))
    found: tuple[Any, Any] = opt_einsum.contract_path(subscripts, *operands, optimize=chosen)
    return found
