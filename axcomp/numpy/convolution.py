"""1-D ``convolve``/``correlate`` of ``jax.numpy``: one einsum of the kernel with the
windows view of the longer input, JAX's ``precision``/``preferred_element_type`` keywords
accepted on NumPy values too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..core import dtype_promotion as _promotion
from ..errors import ShapeError
from ..lax.precision import check_precision, preferred_dtype
from ..primitives.contraction import einsum
from ..primitives.elementwise import elementwise as _e
from ..primitives.indexing import getitem
from ..primitives.shape import astype
from ..primitives.windows import windows
from ..tracing.build import Value
from ..tracing.tracer import Tracer
from .dispatch import numpy_function
from .traced_values import lift_values as _lift
from .traced_values import pad_last as _pad_last


def _conv(a: Tracer, v: Tracer, mode: str, what: str, late: bool = False) -> Tracer:
    if a.ndim != 1 or v.ndim != 1:
        raise ShapeError(f"{what}: a and v must be 1-d, got shapes {a.shape} and {v.shape}")
    if a.shape[0] == 0 or v.shape[0] == 0:
        raise ShapeError(f"{what}: inputs cannot be empty")
    if mode not in ("full", "same", "valid"):
        raise ShapeError(f"{what}: mode must be 'full', 'same' or 'valid', got {mode!r}")
    dtype = _promotion.result_type(a, v)  # JAX's: f32 with i32 is f32
    s, kern = (a, v) if a.shape[0] >= v.shape[0] else (v, a)
    n_s, n_k = s.shape[0], kern.shape[0]
    total = n_s + n_k - 1
    # full[t] = sum_j kern[j] s_padded[t + n_k - 1 - j]: the reversed kernel against the
    # sliding-window view of the padded signal (no copy of the windows)
    sp = _pad_last(s, n_k - 1, n_k - 1)
    view = windows(sp, (0,), (n_k,), (1,), (1,))
    full = einsum("j,tj->t", getitem(kern, slice(None, None, -1)), view)
    assert full.shape == (total,)
    if mode == "full":
        out = full
    elif mode == "same":
        # correlate with the shorter input first centres one sample later (NumPy swaps
        # its inputs and reverses the result; JAX agrees)
        start = n_k // 2 if late else (n_k - 1) // 2
        out = getitem(full, slice(start, start + n_s))
    else:
        out = getitem(full, slice(n_k - 1, n_s))
    return astype(out, dtype) if out.dtype != dtype else out


def _precision(
    x: Tracer, y: Tracer, precision: Any, preferred: Any, what: str
) -> tuple[Tracer, Tracer]:
    check_precision(precision, what)
    dtype = preferred_dtype(preferred)
    if dtype is None:  # JAX's: promoted inexact (convolve of int32 is float32, not int32)
        dtype = _promotion.inexact_result(x, y)
    return astype(x, dtype), astype(y, dtype)


def _numpy_with_precision(fn: Callable[..., Any], what: str, default: str) -> Callable[..., Any]:
    """NumPy's ``fn`` taking JAX's ``precision``/``preferred_element_type`` keywords."""

    def eager(
        a: Any,
        v: Any,
        mode: str = default,
        *,
        precision: Any = None,
        preferred_element_type: Any = None,
    ) -> Any:
        check_precision(precision, what)
        dtype = preferred_dtype(preferred_element_type)
        dtype = _promotion.inexact_result(a, v) if dtype is None else dtype  # (as ``_precision``)
        return fn(np.asarray(a, dtype), np.asarray(v, dtype), mode)

    return eager


@numpy_function(_numpy_with_precision(np.convolve, "convolve", "full"), promotes="operands")
def convolve(
    a: Value,
    v: Value,
    mode: str = "full",
    *,
    precision: Any = None,
    preferred_element_type: Any = None,
) -> Tracer:
    """``numpy.convolve`` of 1-d arrays (modes full, same, valid): one einsum of the kernel
    with the windows view of the longer input, no loop over the batch."""
    x, y = _lift(a, v)
    x, y = _precision(x, y, precision, preferred_element_type, "convolve")
    return _conv(x, y, mode, "convolve")


@numpy_function(_numpy_with_precision(np.correlate, "correlate", "valid"), promotes="operands")
def correlate(
    a: Value,
    v: Value,
    mode: str = "valid",
    *,
    precision: Any = None,
    preferred_element_type: Any = None,
) -> Tracer:
    """``numpy.correlate`` of 1-d arrays: c[k] = sum_n a[n + k] * conj(v[n])."""
    x, y = _lift(a, v)
    x, y = _precision(x, y, precision, preferred_element_type, "correlate")
    if y.ndim == 1 and y.dtype.kind == "c":
        y = _e("conjugate", y)
    if x.ndim != 1 or y.ndim != 1:
        raise ShapeError(f"correlate: a and v must be 1-d, got shapes {x.shape} and {y.shape}")
    # NumPy 2 (and JAX): correlate(a, v, mode) == convolve(a, conj(v)[::-1], mode)
    late = x.ndim == 1 and y.ndim == 1 and x.shape[0] < y.shape[0]
    return _conv(x, getitem(y, slice(None, None, -1)), mode, "correlate", late)
