"""The names the language knows without being told: functions, reductions, transforms."""

from __future__ import annotations

#: Elementwise functions and their arity.
FUNCTIONS: dict[str, int] = {
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

#: The NumPy ufunc behind each direct function (sigmoid and relu are compositions).
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

REDUCTIONS: frozenset[str] = frozenset({"sum", "mean", "max", "min", "prod", "logsumexp"})

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

#: Names a module may not bind.
RESERVED: frozenset[str] = (
    frozenset(FUNCTIONS) | REDUCTIONS | COLLECTIVES | TRANSFORMS | {"kernel", AXIS_INDEX}
)
