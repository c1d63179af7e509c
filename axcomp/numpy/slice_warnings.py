"""NumPy's reductions on concrete values without the warnings JAX never gives.

``np.mean`` of an empty slice, ``np.var`` with ``ddof`` at least the count and
``np.nanmax`` of an all-NaN slice compute what JAX computes (NaN) and also warn
(``RuntimeWarning: Mean of empty slice``) through ``warnings``, which NumPy's error state
does not govern (``core/float_errors``). ``warnings.catch_warnings`` changes process-wide
filters (not thread-safe before Python 3.14) and costs microseconds, so only a call whose
shapes say it can warn (``few_entries``) runs under it; ``nanmax``/``nanmin`` call the
ufunc reduction NumPy's own ndarray path runs (the same values), which never warns.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

#: the RuntimeWarnings NumPy's reductions give where JAX's give NaN silently
_SLICE_WARNINGS = "Mean of empty slice|Degrees of freedom <= 0|All-NaN slice encountered"


def few_entries(a: Any, axis: Any = None, ddof: Any = 0, where: Any = None) -> bool:
    """Whether a reduction of ``a`` over ``axis`` may have at most ``ddof`` entries in a
    slice (a ``where`` mask may leave any slice empty)."""
    if where is not None:
        return True
    shape = np.shape(a)
    if axis is None:
        axes: tuple[int, ...] = tuple(range(len(shape)))
    else:
        try:
            axes = tuple(normalize_axis_tuple(axis, len(shape)))
        except Exception:  # a bad axis: NumPy's own call raises its error
            return False
    try:
        return bool(math.prod(shape[i] for i in axes) <= int(ddof))
    except (TypeError, ValueError):
        return False


@contextlib.contextmanager
def slice_warnings_ignored(may_warn: bool) -> Iterator[None]:
    if not may_warn:
        yield
        return
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", _SLICE_WARNINGS, RuntimeWarning)
        yield


def quiet_on_few_entries(
    np_fn: Callable[..., Any], ddof_at: int | None = None
) -> Callable[..., Any]:
    """``np_fn(a, axis, ...)`` without the empty-slice warning (``ddof_at``: the position
    of ``ddof``, for var/std; ``correction=`` is its keyword form)."""

    def eager(*args: Any, **kwargs: Any) -> Any:
        a = args[0] if args else kwargs.get("a")
        axis = args[1] if len(args) > 1 else kwargs.get("axis")
        ddof: Any = 0
        if ddof_at is not None:
            ddof = args[ddof_at] if len(args) > ddof_at else kwargs.get("ddof", 0)
            if kwargs.get("correction") is not None:
                ddof = kwargs["correction"]
        with slice_warnings_ignored(few_entries(a, axis, ddof, kwargs.get("where"))):
            return np_fn(*args, **kwargs)

    eager.__name__ = getattr(np_fn, "__name__", "eager")
    return eager


def quiet_on_nans(np_fn: Callable[..., Any]) -> Callable[..., Any]:
    """``np_fn`` (``nanmean``) without the all-NaN-slice warning: under the filter only
    when ``a`` holds a NaN or a slice may be empty."""

    def eager(a: Any, *args: Any, **kwargs: Any) -> Any:
        arr = np.asarray(a)
        axis = args[0] if args else kwargs.get("axis")
        may_warn = few_entries(arr, axis) or (arr.dtype.kind in "fc" and bool(np.isnan(arr).any()))
        with slice_warnings_ignored(may_warn):
            return np_fn(arr, *args, **kwargs)

    eager.__name__ = getattr(np_fn, "__name__", "eager")
    return eager


def nan_extremum(ufunc: np.ufunc, np_fn: Callable[..., Any]) -> Callable[..., Any]:
    """``np.nanmax``/``np.nanmin`` (``np_fn``) as NumPy computes them for an ndarray of
    floats, ``np.fmax.reduce``/``np.fmin.reduce``, without its all-NaN-slice warning."""

    def eager(a: Any, axis: Any = None, keepdims: bool = False, **kwargs: Any) -> Any:
        arr = np.asarray(a)
        if arr.dtype.kind in "fc" and not kwargs:
            return ufunc.reduce(arr, axis=axis, keepdims=keepdims)
        return np_fn(arr, axis=axis, keepdims=keepdims, **kwargs)

    eager.__name__ = np_fn.__name__
    return eager
