"""What every ``axcomp.scipy.stats`` distribution module uses: ``staged`` (the public
function from its traced implementation, eager calls compiled through ``jit``), JAX's
promotion of the arguments to one inexact dtype and shape, the elementwise builder, and
the standardised variable ``(x - loc) / scale``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...errors import missing_attribute
from ...lax.operands import promote_args_inexact
from ...primitives.elementwise import elementwise
from ...primitives.shape import astype
from ...tracing.build import lift, trace_of
from ...tracing.tracer import Tracer
from ...transforms.jit import staged_export

__all__ = [
    "distribution_getattr",
    "e",
    "inexact",
    "log_from_complement",
    "open_unit",
    "promote",
    "staged",
    "standardized",
    "unit_or_nan",
]


def staged(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The public function: graph nodes on tracers, a compiled run on NumPy values."""
    wrapped = staged_export(fn.__name__, fn)
    wrapped.__module__ = fn.__module__
    return wrapped


def e(fn: str, *args: Any) -> Tracer:
    """The NumPy ufunc ``fn`` on tracers (and constants)."""
    return elementwise(fn, *args)


def promote(*args: Any) -> list[Tracer]:
    """The arguments in JAX's common inexact dtype, broadcast to one shape."""
    return promote_args_inexact(*args)


def standardized(x: Tracer, loc: Tracer, scale: Tracer) -> Tracer:
    return e("true_divide", e("subtract", x, loc), scale)


def open_unit(p: Tracer) -> Tracer:
    """0 < p < 1."""
    return e("logical_and", e("greater", p, 0.0), e("less", p, 1.0))


def unit_or_nan(q: Tracer, value: Tracer) -> Tracer:
    """``value`` where 0 <= q <= 1, nan elsewhere (and at nan q): a quantile's domain."""
    bad = e("logical_or", e("isnan", q), e("logical_or", e("less", q, 0.0), e("greater", q, 1.0)))
    return e("where", bad, float("nan"), value)


def inexact(*args: Any) -> list[Tracer]:
    """The arguments in one inexact dtype, shapes kept (JAX's ``promote_dtypes_inexact``):
    the widest float among them, float64 when none is a float."""
    trace = trace_of(args)
    ts = [lift(a, trace) for a in args]
    floats = [t.dtype for t in ts if t.dtype.kind == "f"]
    dtype = np.result_type(*floats) if floats else np.dtype(np.float64)
    return [t if t.dtype == dtype else astype(t, dtype) for t in ts]


def log_from_complement(p: Tracer, complement: Tracer) -> Tracer:
    """log(p) given both p and 1 - p: ``log1p(-complement)`` where p > 1/2, so a
    probability near 1 keeps its digits."""
    near_one = e("greater", p, 0.5)
    # each branch reads a harmless 1/2 where it is not taken, so its derivative stays finite
    upper = e("log1p", e("negative", e("where", near_one, complement, 0.5)))
    return e("where", near_one, upper, e("log", e("where", near_one, 0.5, p)))


def log1mexp(u: Tracer) -> Tracer:
    """log(1 - exp(u)) for u <= 0: ``log1p(-exp(u))`` below -log 2, ``log(-expm1(u))``
    above (each branch fed a harmless value where it is not taken)."""
    far = e("less", u, -0.6931471805599453)
    low = e("log1p", e("negative", e("exp", e("where", far, u, -1.0))))
    high = e("log", e("negative", e("expm1", e("where", far, -1.0, u))))
    return e("where", far, low, high)


def exp_of(log_fn: Callable[..., Any], name: str) -> Callable[..., Any]:
    """The public ``name`` = ``exp(log_fn(...))`` (``pdf`` from ``logpdf``, ...)."""

    def fn(*args: Any, **kwargs: Any) -> Any:
        return e("exp", log_fn(*args, **kwargs))

    fn.__name__ = fn.__qualname__ = name
    fn.__module__ = log_fn.__module__
    fn.__doc__ = f"``exp({log_fn.__name__}(...))``."
    return staged(fn)


def distribution_getattr(module: str) -> Any:
    """The ``__getattr__`` of distribution module ``module``: ``MissingFunctionError``
    for a name it lacks, suggesting among the functions it defines."""
    import sys

    def known() -> list[str]:
        names = vars(sys.modules[module]).items()
        return [n for n, v in names if getattr(v, "__module__", None) == module]

    return missing_attribute(module, "jax" + module[len("axcomp") :], known)
