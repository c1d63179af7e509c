"""The names the language knows without being told: functions, reductions, transforms."""

from __future__ import annotations

from dataclasses import dataclass

#: The functions the language had first; the evaluator lowers them itself (a NumPy ufunc,
#: or the sigmoid/relu compositions), so the code they generate stays as it was.
CORE_FUNCTIONS: dict[str, int] = {
    "exp": 1,
    "log": 1,
    "log1p": 1,
    "expm1": 1,
    "sqrt": 1,
    "abs": 1,
    "sign": 1,
    "tanh": 1,
    "sin": 1,
    "cos": 1,
    "sigmoid": 1,
    "relu": 1,
    "maximum": 2,
    "minimum": 2,
    "where": 3,
}

#: The NumPy ufunc behind each direct core function (sigmoid and relu are compositions).
UFUNCS: dict[str, str] = {
    "exp": "exp",
    "log": "log",
    "log1p": "log1p",
    "expm1": "expm1",
    "sqrt": "sqrt",
    "abs": "absolute",
    "sign": "sign",
    "tanh": "tanh",
    "sin": "sin",
    "cos": "cos",
    "maximum": "maximum",
    "minimum": "minimum",
    "where": "where",
}

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


#: Elementwise functions that lower to the Python API (jax.numpy / jax.nn /
#: jax.scipy.special names; asin and friends are the Array API spellings jnp also has).
API_FUNCTIONS: dict[str, ApiFunction] = {
    # trigonometric and hyperbolic
    "tan": _np(1, "tan"),
    "arcsin": _np(1, "arcsin"),
    "arccos": _np(1, "arccos"),
    "arctan": _np(1, "arctan"),
    "asin": _np(1, "arcsin"),
    "acos": _np(1, "arccos"),
    "atan": _np(1, "arctan"),
    "sinh": _np(1, "sinh"),
    "cosh": _np(1, "cosh"),
    "arcsinh": _np(1, "arcsinh"),
    "arccosh": _np(1, "arccosh"),
    "arctanh": _np(1, "arctanh"),
    "asinh": _np(1, "arcsinh"),
    "acosh": _np(1, "arccosh"),
    "atanh": _np(1, "arctanh"),
    "deg2rad": _np(1, "deg2rad"),
    "rad2deg": _np(1, "rad2deg"),
    "sinc": _np(1, "sinc"),
    # exponents, logarithms, powers
    "exp2": _np(1, "exp2"),
    "log2": _np(1, "log2"),
    "log10": _np(1, "log10"),
    "square": _np(1, "square"),
    "reciprocal": _np(1, "reciprocal"),
    "cbrt": _np(1, "cbrt"),
    # rounding: JAX's derivative is zero, which grad reproduces
    "floor": _np(1, "floor", differentiable=False),
    "ceil": _np(1, "ceil", differentiable=False),
    "round": _np(1, "round", differentiable=False),
    "rint": _np(1, "rint", differentiable=False),
    "trunc": _np(1, "trunc", differentiable=False),
    "fix": _np(1, "fix", differentiable=False),
    # predicates (boolean results)
    "isnan": _np(1, "isnan", differentiable=False),
    "isfinite": _np(1, "isfinite", differentiable=False),
    "isinf": _np(1, "isinf", differentiable=False),
    "signbit": _np(1, "signbit", differentiable=False),
    "logical_not": _np(1, "logical_not", differentiable=False),
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
    "arctan2": _np(2, "arctan2"),
    "atan2": _np(2, "arctan2"),
    "hypot": _np(2, "hypot"),
    "logaddexp": _np(2, "logaddexp"),
    "logaddexp2": _np(2, "logaddexp2"),
    "power": _np(2, "power"),
    "pow": _np(2, "power"),
    "float_power": _np(2, "float_power"),
    "remainder": _np(2, "remainder"),
    "mod": _np(2, "remainder"),
    "copysign": _np(2, "copysign"),
    "fmax": _np(2, "fmax"),
    "fmin": _np(2, "fmin"),
    "floor_divide": _np(2, "floor_divide", differentiable=False),
    "heaviside": _np(2, "heaviside", differentiable=False),
    "logical_and": _np(2, "logical_and", differentiable=False),
    "logical_or": _np(2, "logical_or", differentiable=False),
    "logical_xor": _np(2, "logical_xor", differentiable=False),
    "isclose": _np(2, "isclose", differentiable=False),  # rtol=1e-05, atol=1e-08
    # ternary
    "clip": _np(3, "clip"),
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
