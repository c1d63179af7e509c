"""``ArrayImpl``: the concrete array axcomp hands to users (JAX's ``ArrayImpl``).

An ``np.ndarray`` subclass, so every NumPy function takes it with no copy. What it adds is
JAX's surface: immutability (item assignment raises JAX's ``TypeError``, in-place operators
rebind), ``.at[]``, ``.block_until_ready()``, ``.device``, and methods and operators with
JAX's dtype rules, which the numpy layer installs (``numpy.array_methods``) as it does for
``Tracer``.

NumPy functions and ufuncs given one return plain ``np.ndarray``s, as NumPy functions given
a JAX array do: NumPy code that allocates with ``np.empty_like(x)`` and writes into it keeps
working (an ``ArrayImpl`` there would refuse the writes). Operators and methods return
``ArrayImpl``. Results are wrapped with one ``.view`` and nothing more: marking the view
read-only would cost more than the view itself on every compiled call, so immutability is
what the type enforces (item assignment, in-place operators and ``out=`` an ``ArrayImpl``
raise or rebind), while ``np.asarray(x)`` is a writable plain view of the same memory, as
any NumPy array's is: writing through it changes ``x`` (JAX programs do not do this).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from ..errors import ImmutableArrayError, ZeroDimIterationError

__all__ = ["ArrayImpl", "as_array", "as_arrays", "plain"]


class CpuDevice:
    """The one device eager arrays live on (``x.device``, ``x.devices()``)."""

    platform = "cpu"
    device_kind = "cpu"
    id = 0

    def __repr__(self) -> str:
        return "CpuDevice(id=0)"


CPU = CpuDevice()


class ArrayImpl(np.ndarray):
    """A concrete axcomp array: an immutable NumPy array with JAX's array surface."""

    __slots__ = ()

    def __setitem__(self, index: Any, value: Any) -> None:
        raise ImmutableArrayError(
            f"{type(self).__name__!r} object does not support item assignment. JAX arrays "
            "are immutable. Instead of ``x[idx] = y``, use ``x = x.at[idx].set(y)`` or "
            "another .at[] method: https://docs.jax.dev/en/latest/_autosummary/"
            "jax.numpy.ndarray.at.html"
        )

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        inputs = tuple(plain(x) for x in inputs)
        out = kwargs.get("out")
        if out is not None:
            if any(isinstance(o, ArrayImpl) for o in out):
                raise ImmutableArrayError(
                    f"{ufunc.__name__}: an axcomp array cannot be written (out=): JAX "
                    "arrays are immutable; use the result instead"
                )
            kwargs["out"] = tuple(plain(o) for o in out)
        return getattr(ufunc, method)(*inputs, **kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        return func(*_unwrapped(args), **{k: _unwrapped(v) for k, v in kwargs.items()})

    def __reduce__(self) -> Any:
        return (_rebuild, (np.asarray(self).copy(),))

    def __copy__(self) -> ArrayImpl:
        return self  # immutable: a copy is the value itself, as JAX's

    def __deepcopy__(self, memo: Any) -> ArrayImpl:
        return self

    @property
    def device(self) -> CpuDevice:  # type: ignore[override]
        return CPU

    def devices(self) -> set[CpuDevice]:
        return {CPU}

    def block_until_ready(self) -> ArrayImpl:
        return self  # NumPy computes eagerly: the value is ready

    def copy_to_host_async(self) -> None:
        pass

    @property
    def is_fully_addressable(self) -> bool:
        return True

    @property
    def weak_type(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "Array" + repr(np.asarray(self)).removeprefix("array")

    def __str__(self) -> str:
        # NumPy's printing of a subclass reads elements through __getitem__ (Python
        # floats), which printed float32 values with float64 digits; JAX prints as NumPy
        return str(np.asarray(self))

    def item(self, *args: Any) -> Any:
        return np.asarray(self).item(*args)

    def tolist(self) -> Any:
        return np.asarray(self).tolist()

    def copy(self, order: Literal["K", "A", "C", "F"] = "K") -> ArrayImpl:  # type: ignore[override]
        return np.array(self, order=order).view(ArrayImpl)

    def __iter__(self) -> Any:
        if self.ndim == 0:
            raise ZeroDimIterationError("iteration over a 0-d array")
        return (self[i] for i in range(self.shape[0]))


def _rebuild(value: np.ndarray) -> ArrayImpl:
    return value.view(ArrayImpl)  # (a plain array, from __reduce__)


def plain(x: Any) -> Any:
    """``x`` as a plain NumPy array when it is an ``ArrayImpl`` (a view: no copy)."""
    return x.view(np.ndarray) if isinstance(x, ArrayImpl) else x


def _unwrapped(x: Any) -> Any:
    if isinstance(x, ArrayImpl):
        return x.view(np.ndarray)
    if type(x) is tuple or type(x) is list:
        return type(x)(_unwrapped(v) for v in x)
    return x


def as_array(x: Any) -> Any:
    """A NumPy result as an ``ArrayImpl`` (one view); anything else unchanged."""
    if type(x) is np.ndarray:
        return x.view(ArrayImpl)
    if isinstance(x, np.generic):
        return np.asarray(x).view(ArrayImpl)
    return x


def as_arrays(x: Any) -> Any:
    """``as_array`` over a result that may be a tuple or list of arrays."""
    t = type(x)
    if t is tuple or t is list:
        return t(as_arrays(v) for v in x)
    return as_array(x)
