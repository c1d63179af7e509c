"""The names the language knows without being told: functions, reductions, transforms."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..core.elementwise_functions import RECORDS, ElementwiseFunction

#: The functions the language had first; the evaluator lowers them itself (a NumPy ufunc,
#: or the sigmoid/relu compositions), so the code they generate stays as it was. The
#: ufuncs among them are the records with a ``dsl_core`` name.
CORE_FUNCTIONS: dict[str, int] = {
    **{rec.dsl_core: rec.arity for rec in RECORDS if rec.dsl_core is not None},
    "sigmoid": 1,
    "relu": 1,
}

#: The NumPy ufunc behind each direct core function (sigmoid and relu are compositions).
UFUNCS: dict[str, str] = {rec.dsl_core: rec.name for rec in RECORDS if rec.dsl_core is not None}

#: The Python API modules a DSL name may lower to (keys of ``ApiFunction.namespace``).
NAMESPACES: tuple[str, ...] = ("numpy", "lax", "nn", "scipy.special")


@dataclass(frozen=True)
class ApiFunction:
    """A DSL elementwise function that is ``axcomp.<namespace>.<attr>`` called on its
    operands (aligned by index name), so it has the Python API's numerics and rules."""

    arity: int
    namespace: str
    attr: str
    #: whether grad gives a useful (nonzero almost everywhere) derivative
    differentiable: bool = True


def _np(arity: int, attr: str, differentiable: bool = True) -> ApiFunction:
    return ApiFunction(arity, "numpy", attr, differentiable)


def record_functions(records: Iterable[ElementwiseFunction]) -> dict[str, ApiFunction]:
    """The DSL functions of ``records``: each ``dsl`` name lowers to ``axcomp.numpy.<name>``,
    differentiable as the record says."""
    return {
        name: ApiFunction(rec.arity, "numpy", rec.name, rec.differentiable)
        for rec in records
        for name in rec.dsl
    }


#: Elementwise functions that lower to the Python API: the records' DSL names, and the
#: jax.numpy / jax.nn / jax.scipy.special functions composed of several primitives.
API_FUNCTIONS: dict[str, ApiFunction] = {
    **record_functions(RECORDS),
    "sinc": _np(1, "sinc"),
    # rounding: JAX's derivative is zero, which grad reproduces
    "round": _np(1, "round", differentiable=False),
    "fix": _np(1, "fix", differentiable=False),
    # predicates (boolean results)
    "signbit": _np(1, "signbit", differentiable=False),
    "nan_to_num": _np(1, "nan_to_num"),  # NaN → 0, ±inf → the dtype's extremes
    # jax.nn activations
    "softplus": ApiFunction(1, "nn", "softplus"),
    "silu": ApiFunction(1, "nn", "silu"),
    "swish": ApiFunction(1, "nn", "swish"),
    "gelu": ApiFunction(1, "nn", "gelu"),  # approximate=True, jax.nn.gelu's default
    "log_sigmoid": ApiFunction(1, "nn", "log_sigmoid"),
    # jax.scipy.special
    "erf": ApiFunction(1, "scipy.special", "erf"),
    "erfc": ApiFunction(1, "scipy.special", "erfc"),
    "gammaln": ApiFunction(1, "scipy.special", "gammaln"),
    "digamma": ApiFunction(1, "scipy.special", "digamma"),
    "xlogy": ApiFunction(2, "scipy.special", "xlogy"),
    "xlog1py": ApiFunction(2, "scipy.special", "xlog1py"),
    # binary
    "logaddexp": _np(2, "logaddexp"),
    "logaddexp2": _np(2, "logaddexp2"),
    "float_power": _np(2, "float_power"),
    "isclose": _np(2, "isclose", differentiable=False),  # rtol=1e-05, atol=1e-08
}

#: Every elementwise function and its arity.
FUNCTIONS: dict[str, int] = {
    **CORE_FUNCTIONS,
    **{name: f.arity for name, f in API_FUNCTIONS.items()},
}

#: The reductions the language had first (lowered by the evaluator itself).
CORE_REDUCTIONS: frozenset[str] = frozenset({"sum", "mean", "max", "min", "prod", "logsumexp"})


@dataclass(frozen=True)
class AxisFunction:
    """``name[i, ...](expr)`` as ``axcomp.<namespace>.<attr>(value, axis=...)`` with the
    positions of the named indices. ``keeps`` is False for a reduction (the indices leave
    the result) and True for a normalisation or scan (the result has the operand's
    indices). ``one_axis``: JAX takes a single int axis, so exactly one index is named."""

    namespace: str
    attr: str
    keeps: bool = False
    one_axis: bool = False
    differentiable: bool = True


#: Reductions, normalisations and scans over named indices that lower to the Python API.
API_AXIS_FUNCTIONS: dict[str, AxisFunction] = {
    "var": AxisFunction("numpy", "var"),  # population variance (ddof=0), as jnp.var
    "std": AxisFunction("numpy", "std"),
    "any": AxisFunction("numpy", "any", differentiable=False),
    "all": AxisFunction("numpy", "all", differentiable=False),
    "argmax": AxisFunction("numpy", "argmax", one_axis=True, differentiable=False),
    "argmin": AxisFunction("numpy", "argmin", one_axis=True, differentiable=False),
    "nansum": AxisFunction("numpy", "nansum"),
    "nanmean": AxisFunction("numpy", "nanmean"),
    "nanmax": AxisFunction("numpy", "nanmax"),
    "nanmin": AxisFunction("numpy", "nanmin"),
    "ptp": AxisFunction("numpy", "ptp"),
    "median": AxisFunction("numpy", "median"),
    "count_nonzero": AxisFunction("numpy", "count_nonzero", differentiable=False),
    "softmax": AxisFunction("nn", "softmax", keeps=True),
    "log_softmax": AxisFunction("nn", "log_softmax", keeps=True),
    "cumsum": AxisFunction("numpy", "cumsum", keeps=True, one_axis=True),
    "cumprod": AxisFunction("numpy", "cumprod", keeps=True, one_axis=True),
    "cummax": AxisFunction("lax", "cummax", keeps=True, one_axis=True),
    "cummin": AxisFunction("lax", "cummin", keeps=True, one_axis=True),
}

#: Everything written ``name[i, ...](expr)`` whose result drops the named indices.
REDUCTIONS: frozenset[str] = CORE_REDUCTIONS | {
    name for name, f in API_AXIS_FUNCTIONS.items() if not f.keeps
}

#: Everything written ``name[i, ...](expr)`` over index names (not vmap axis names).
AXIS_FUNCTIONS: frozenset[str] = CORE_REDUCTIONS | frozenset(API_AXIS_FUNCTIONS)

#: Named-axis collectives, written like reductions over the axis names of enclosing vmaps:
#: ``pmean[b](x[n])`` is ``axcomp.lax.pmean(x, "b")`` inside ``vmap(k, axis_name="b")``.
COLLECTIVES: frozenset[str] = frozenset({"psum", "pmean", "pmax", "pmin"})

#: ``axis_index[b]``: each example's position along vmap axis ``b`` (a scalar).
AXIS_INDEX = "axis_index"

TRANSFORMS: frozenset[str] = frozenset({"vmap", "jit", "grad", "value_and_grad"})

#: Binary operators → NumPy ufunc names.
OPERATORS: dict[str, str] = {
    "+": "add",
    "-": "subtract",
    "*": "multiply",
    "/": "true_divide",
    "**": "power",
    "<": "less",
    "<=": "less_equal",
    ">": "greater",
    ">=": "greater_equal",
    "==": "equal",
    "!=": "not_equal",
}

#: Names a module, a parameter or a kernels= key may not take. Every function is here:
#: ``f(...)`` would be ambiguous between it and a kernel. The bracket forms added after the
#: core reductions are not: ``softmax[n](...)`` can never be read as a call of a kernel
#: ``softmax(x)[n]``, so modules that already define such kernels keep working.
RESERVED: frozenset[str] = (
    frozenset(FUNCTIONS) | CORE_REDUCTIONS | COLLECTIVES | TRANSFORMS | {"kernel", AXIS_INDEX}
)


@dataclass(frozen=True)
class WindowFunction:
    """``name[i, ...](operand, ..., option=value)``: a function over windows along the
    named indices (``docs/language.md``, "Functions over windows"). ``options`` are the
    keyword options it takes, ``required`` those it needs."""

    operands: int
    options: frozenset[str]
    required: frozenset[str] = frozenset()


_POOL = WindowFunction(1, frozenset({"window", "stride", "padding"}), frozenset({"window"}))

#: Convolution (``axcomp.lax.conv_general_dilated``) and pooling (``lax.reduce_window``).
WINDOW_FUNCTIONS: dict[str, WindowFunction] = {
    "conv": WindowFunction(2, frozenset({"stride", "padding", "dilation"})),
    "max_pool": _POOL,
    "avg_pool": _POOL,
}

#: The padding names the window functions accept (``lax``'s).
WINDOW_PADDINGS: frozenset[str] = frozenset({"VALID", "SAME", "SAME_LOWER"})
