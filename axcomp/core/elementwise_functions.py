"""One record per elementwise function: everything the layers above need to know about it.

An ``ElementwiseFunction`` names a NumPy ufunc (or ``where``/``clip``) that the
``elementwise`` primitive applies with broadcasting, and carries, in one place: its arity,
the dtype kinds ``jax.lax`` accepts, its derivative, its Array API spelling (or the reason
the standard has none), its names in ``axcomp.numpy``, ``axcomp.lax`` and the DSL, and its
FLOP cost. The tables that used to repeat these facts are generated from ``REGISTRY``:

* ``primitives/elementwise.py``: the NumPy functions the primitive evaluates and the
  derivative both sweeps apply (``derivative_terms``);
* ``numpy/ufuncs.py``: the ``axcomp.numpy`` function of every name in ``numpy``;
* ``lax/elementwise.py``: ``axcomp.lax.<lax>`` with ``jax.lax``'s operand checks;
* ``backends/array_api.py``: the standard's spelling (``UFUNCS``, ``REFUSED``);
* ``dsl/prelude.py``: the DSL names and whether ``grad`` gives a useful derivative.

**Adding an elementwise function** is one record in ``_RECORDS`` below (plus its tests).
A function *composed* of primitives (``erf``, ``lgamma``, a new ``scipy.special``
function) is not a record: it is one definition in the API module JAX keeps it in
(``lax/special.py`` for ``jax.lax``, the family module of ``scipy/special/`` otherwise),
staged there with ``@staged_export``, plus its tests. If its derivative is a closed
form, it passes the derivative's factors to ``ruled`` (``lax/custom_rule.py``),
which applies them with the same helper as the records' derivatives.

A derivative is written against an injected builder ``d`` (the elementwise primitive
supplies it, so this module stays below tracing): ``derivative(d, k, xs, z, seed)`` gives
the factors of ``dz/dx_k`` as a list (their product with the seed is the term), ``None``
for no contribution, or, for ``where``, the term itself. ``xs`` are the operands aligned
with the result ``z``; ``seed`` is the cotangent (reverse) or the tangent (forward). The
builder offers ``d.<ufunc>(...)`` (the primitive), ``d.multiply`` (a product that fuses
into contractions), ``d.typed(value, like)`` (a constant of ``like``'s dtype) and
``d.constant(x)`` (the Python value of a 0-d constant operand, else ``None``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: ``derivative(d, k, xs, z, seed)``; see the module docstring.
Derivative = Callable[[Any, int, list[Any], Any, Any], Any]

#: An Array API spelling that is a composition of the standard's functions: a function
#: name applied to parts, each a nested spelling, an operand index (int) or a literal
#: (float). ``("multiply", 0, 0.5)`` is ``xp.multiply(x0, 0.5)``.
Formula = tuple[Any, ...]

ALL = "biufc"
NUMERIC = "iufc"
INEXACT = "fc"
INTEGER = "iu"


def _zero(*_: Any) -> None:
    # piecewise constant: zero derivative almost everywhere (JAX gives zeros too)
    return None


#: The derivative of piecewise-constant functions (floor, sign, ...): grad gives zeros.
ZERO_DERIVATIVE: Derivative = _zero


@dataclass(frozen=True)
class ElementwiseFunction:
    """An elementwise function and what every layer needs to know about it.

    ``name`` is the NumPy function the primitive evaluates (its ``fn`` parameter);
    ``aliases`` are other spellings the primitive accepts for it (NumPy 2 calls
    ``true_divide`` ``divide``). ``kinds`` are the dtype kinds ``axcomp.lax.<lax>``
    accepts. ``derivative`` is None when the function has no derivative (grad refuses it)
    and ``ZERO_DERIVATIVE`` when it is piecewise constant. ``array_api`` is the standard's
    function name or a ``Formula``; when it is None, ``array_api_refusal`` says why. ``numpy``
    are its ``axcomp.numpy`` names, ``lax`` its ``axcomp.lax`` name, ``dsl`` the DSL names
    that lower to ``axcomp.numpy.<name>`` and ``dsl_core`` the one the DSL evaluator
    lowers itself. ``flops`` is the cost per result element."""

    name: str
    arity: int
    derivative: Derivative | None
    kinds: str = ALL
    aliases: tuple[str, ...] = ()
    array_api: str | Formula | None = None
    array_api_refusal: str | None = None
    numpy: tuple[str, ...] = ()
    lax: str | None = None
    dsl: tuple[str, ...] = ()
    dsl_core: str | None = None
    flops: int = 1

    def __post_init__(self) -> None:
        if (self.array_api is None) == (self.array_api_refusal is None):
            raise ValueError(f"{self.name}: give an Array API spelling or the reason it has none")

    @property
    def differentiable(self) -> bool:
        """Whether grad gives a useful (nonzero almost everywhere) derivative."""
        return self.derivative is not None and self.derivative is not ZERO_DERIVATIVE


def _recip(d: Any, x: Any) -> Any:
    return d.true_divide(1.0, x)


def _chooser(d: Any, k: int, xs: list[Any], z: Any) -> list[Any]:
    # JAX's balanced convention: a tie sends half the cotangent to each side
    me, other = xs[k], xs[1 - k]
    half, one, zero = d.typed(0.5, z), d.typed(1.0, z), d.typed(0.0, z)
    return [d.where(d.equal(me, z), d.where(d.equal(other, z), half, one), zero)]


def _fchooser(d: Any, k: int, xs: list[Any], z: Any, cmp: str) -> list[Any]:
    # jnp.fmax(x, y) = where((x > y) | isnan(y), x, y): ties go to y
    x, y = xs
    pick_x = d.logical_or(getattr(d, cmp)(x, y), d.isnan(y))
    one, zero = d.typed(1.0, z), d.typed(0.0, z)
    return [d.where(pick_x, one, zero) if k == 0 else d.where(pick_x, zero, one)]


def _power(d: Any, k: int, xs: list[Any], z: Any) -> list[Any] | None:
    x, y = xs
    if k == 0:
        c = d.constant(y)
        if c is not None:  # a constant exponent
            if c == 0:
                return None
            if c == 1:
                return []
            if c == 2:
                return [2.0, x]
            return [c, d.power(x, c - 1)]
        # JAX: y * x ** (y - 1), with 0 where y == 0
        dx = d.multiply(y, d.power(x, d.subtract(y, 1)))
        return [d.where(d.equal(y, 0), d.typed(0.0, z), dx)]
    # JAX replaces x == 0 by 1 inside the log, so the derivative there is 0
    safe = d.where(d.equal(x, 0), d.typed(1.0, x), x)
    return [z, d.log(safe)]


def _abs(d: Any, xs: list[Any], z: Any) -> list[Any]:
    if xs[0].dtype.kind == "c":
        # |x| is real-linear in x: the factor conj(x) / |x| (0 at 0, as JAX), whose product
        # with a complex tangent each sweep reads as its real part for the real result
        return [d.conjugate(xs[0]), _recip(d, d.where(d.equal(z, 0), d.typed(1.0, z), z))]
    # JAX: select(x >= 0, g, -g), so abs'(0) = 1
    return [d.where(d.greater_equal(xs[0], 0), d.typed(1.0, z), d.typed(-1.0, z))]


def _atan2(d: Any, k: int, xs: list[Any]) -> list[Any]:
    a, c = xs
    denom = _recip(d, d.add(d.square(a), d.square(c)))
    return [c, denom] if k == 0 else [-1.0, a, denom]


def _rsqrt_of(d: Any, t: Any) -> Any:
    return _recip(d, d.sqrt(t))


# fmt: off
_RECORDS: tuple[ElementwiseFunction, ...] = (
    # ---------------------------------------------------------------- arithmetic
    ElementwiseFunction(
        "add", 2, lambda d, k, xs, z, s: [], kinds=NUMERIC, array_api="add",
        numpy=("add",), lax="add",
    ),
    ElementwiseFunction(
        "subtract", 2, lambda d, k, xs, z, s: [] if k == 0 else [-1.0], kinds=NUMERIC,
        array_api="subtract", numpy=("subtract",), lax="sub",
    ),
    ElementwiseFunction(
        "multiply", 2, lambda d, k, xs, z, s: [xs[1 - k]], array_api="multiply",
    ),
    ElementwiseFunction(
        "true_divide", 2,
        lambda d, k, xs, z, s: [_recip(d, xs[1])] if k == 0 else [-1.0, z, _recip(d, xs[1])],
        aliases=("divide",), array_api="divide", numpy=("divide", "true_divide"),
    ),
    ElementwiseFunction(
        "floor_divide", 2, ZERO_DERIVATIVE, array_api="floor_divide",
        numpy=("floor_divide",), dsl=("floor_divide",),
    ),
    ElementwiseFunction(
        # d/dy of x mod y is -floor(x / y); d/dx is 1
        "remainder", 2,
        lambda d, k, xs, z, s: [] if k == 0 else [-1.0, d.floor_divide(xs[0], xs[1])],
        array_api="remainder", numpy=("remainder", "mod"), dsl=("remainder", "mod"),
    ),
    ElementwiseFunction(
        # C-style remainder (lax.rem): d/dy of fmod(x, y) is -trunc(x / y), as in JAX
        "fmod", 2,
        lambda d, k, xs, z, s: [] if k == 0 else [-1.0, d.trunc(d.true_divide(xs[0], xs[1]))],
        array_api_refusal="no fmod (the C remainder of lax.rem and integer lax.div) in the "
        "Array API standard",
    ),
    ElementwiseFunction(
        "power", 2, lambda d, k, xs, z, s: _power(d, k, xs, z), array_api="pow",
        dsl=("power", "pow"),
    ),
    ElementwiseFunction(
        "negative", 1, lambda d, k, xs, z, s: [-1.0], kinds=NUMERIC, array_api="negative",
        numpy=("negative",), lax="neg",
    ),
    ElementwiseFunction(
        "positive", 1, lambda d, k, xs, z, s: [], array_api="positive", numpy=("positive",),
    ),
    ElementwiseFunction(
        "square", 1, lambda d, k, xs, z, s: [2.0, xs[0]], kinds=NUMERIC, array_api="square",
        numpy=("square",), lax="square", dsl=("square",),
    ),
    ElementwiseFunction(
        "sqrt", 1, lambda d, k, xs, z, s: [0.5, _recip(d, z)],  # inf at 0, like JAX
        kinds=INEXACT, array_api="sqrt", numpy=("sqrt",), lax="sqrt", dsl_core="sqrt",
    ),
    ElementwiseFunction(
        # the standard has no cbrt: sign(x) * |x| ** (1/3), within a few ulp of NumPy's
        "cbrt", 1, lambda d, k, xs, z, s: [1.0 / 3.0, _recip(d, d.square(z))], kinds="f",
        array_api=("multiply", ("sign", 0), ("pow", ("abs", 0), 1.0 / 3.0)),
        numpy=("cbrt",), lax="cbrt", dsl=("cbrt",),
    ),
    ElementwiseFunction(
        "reciprocal", 1, lambda d, k, xs, z, s: [-1.0, d.square(z)], kinds=INEXACT,
        array_api_refusal="no reciprocal in the Array API standard (NumPy's integer semantics)",
        numpy=("reciprocal",), lax="reciprocal", dsl=("reciprocal",),
    ),
    ElementwiseFunction(
        "absolute", 1, lambda d, k, xs, z, s: _abs(d, xs, z), kinds="ifc", array_api="abs",
        numpy=("abs", "absolute"), lax="abs", dsl_core="abs",
    ),
    ElementwiseFunction(
        "sign", 1, ZERO_DERIVATIVE, kinds=NUMERIC, array_api="sign", numpy=("sign",),
        lax="sign", dsl_core="sign",
    ),
    ElementwiseFunction(
        "hypot", 2, lambda d, k, xs, z, s: [xs[k], _recip(d, z)], array_api="hypot",
        numpy=("hypot",), dsl=("hypot",),
    ),
    ElementwiseFunction(
        "copysign", 2,
        lambda d, k, xs, z, s: (
            [d.copysign(1.0, xs[0]), d.copysign(1.0, xs[1])] if k == 0 else None
        ),
        array_api="copysign", numpy=("copysign",), dsl=("copysign",),
    ),
    ElementwiseFunction(
        "maximum", 2, lambda d, k, xs, z, s: _chooser(d, k, xs, z), array_api="maximum",
        numpy=("maximum",), dsl_core="maximum",
    ),
    ElementwiseFunction(
        "minimum", 2, lambda d, k, xs, z, s: _chooser(d, k, xs, z), array_api="minimum",
        numpy=("minimum",), dsl_core="minimum",
    ),
    ElementwiseFunction(
        "fmax", 2, lambda d, k, xs, z, s: _fchooser(d, k, xs, z, "greater"),
        array_api_refusal="no NaN-ignoring fmax in the Array API standard",
        numpy=("fmax",), dsl=("fmax",),
    ),
    ElementwiseFunction(
        "fmin", 2, lambda d, k, xs, z, s: _fchooser(d, k, xs, z, "less"),
        array_api_refusal="no NaN-ignoring fmin in the Array API standard",
        numpy=("fmin",), dsl=("fmin",),
    ),
    ElementwiseFunction(
        "heaviside", 2, ZERO_DERIVATIVE,
        array_api_refusal="no heaviside in the Array API standard",
        numpy=("heaviside",), dsl=("heaviside",),
    ),
    ElementwiseFunction(
        "nextafter", 2, None, kinds="f", array_api="nextafter", lax="nextafter",
    ),
    # ---------------------------------------------------------------- exponents and logs
    ElementwiseFunction(
        "exp", 1, lambda d, k, xs, z, s: [z], kinds=INEXACT, array_api="exp", numpy=("exp",),
        lax="exp", dsl_core="exp",
    ),
    ElementwiseFunction(
        "exp2", 1, lambda d, k, xs, z, s: [math.log(2.0), z], kinds=INEXACT,
        array_api_refusal="no exp2 in the Array API standard",
        numpy=("exp2",), lax="exp2", dsl=("exp2",),
    ),
    ElementwiseFunction(
        "expm1", 1, lambda d, k, xs, z, s: [d.add(z, 1.0)], kinds=INEXACT, array_api="expm1",
        numpy=("expm1",), lax="expm1", dsl_core="expm1",
    ),
    ElementwiseFunction(
        "log", 1, lambda d, k, xs, z, s: [_recip(d, xs[0])], kinds=INEXACT, array_api="log",
        numpy=("log",), lax="log", dsl_core="log",
    ),
    ElementwiseFunction(
        "log2", 1, lambda d, k, xs, z, s: [1.0 / math.log(2.0), _recip(d, xs[0])],
        array_api="log2", numpy=("log2",), dsl=("log2",),
    ),
    ElementwiseFunction(
        "log10", 1, lambda d, k, xs, z, s: [1.0 / math.log(10.0), _recip(d, xs[0])],
        array_api="log10", numpy=("log10",), dsl=("log10",),
    ),
    ElementwiseFunction(
        "log1p", 1, lambda d, k, xs, z, s: [_recip(d, d.add(xs[0], 1.0))], kinds=INEXACT,
        array_api="log1p", numpy=("log1p",), lax="log1p", dsl_core="log1p",
    ),
    # ---------------------------------------------------------------- trigonometric
    ElementwiseFunction(
        "sin", 1, lambda d, k, xs, z, s: [d.cos(xs[0])], kinds=INEXACT, array_api="sin",
        numpy=("sin",), lax="sin", dsl_core="sin",
    ),
    ElementwiseFunction(
        "cos", 1, lambda d, k, xs, z, s: [-1.0, d.sin(xs[0])], kinds=INEXACT,
        array_api="cos", numpy=("cos",), lax="cos", dsl_core="cos",
    ),
    ElementwiseFunction(
        "tan", 1, lambda d, k, xs, z, s: [d.add(1.0, d.square(z))], kinds=INEXACT,
        array_api="tan", numpy=("tan",), lax="tan", dsl=("tan",),
    ),
    ElementwiseFunction(
        "arcsin", 1, lambda d, k, xs, z, s: [_rsqrt_of(d, d.subtract(1.0, d.square(xs[0])))],
        kinds=INEXACT, array_api="asin", numpy=("arcsin",), lax="asin", dsl=("arcsin", "asin"),
    ),
    ElementwiseFunction(
        "arccos", 1,
        lambda d, k, xs, z, s: [-1.0, _rsqrt_of(d, d.subtract(1.0, d.square(xs[0])))],
        kinds=INEXACT, array_api="acos", numpy=("arccos",), lax="acos", dsl=("arccos", "acos"),
    ),
    ElementwiseFunction(
        "arctan", 1, lambda d, k, xs, z, s: [_recip(d, d.add(1.0, d.square(xs[0])))],
        kinds=INEXACT, array_api="atan", numpy=("arctan",), lax="atan", dsl=("arctan", "atan"),
    ),
    ElementwiseFunction(
        "arctan2", 2, lambda d, k, xs, z, s: _atan2(d, k, xs), array_api="atan2",
        numpy=("arctan2",), dsl=("arctan2", "atan2"),
    ),
    ElementwiseFunction(
        "deg2rad", 1, lambda d, k, xs, z, s: [math.pi / 180.0],
        # exactly NumPy's formula: deg2rad(x) = x * (pi / 180)
        array_api=("multiply", 0, math.pi / 180.0), numpy=("deg2rad",), dsl=("deg2rad",),
    ),
    ElementwiseFunction(
        "rad2deg", 1, lambda d, k, xs, z, s: [180.0 / math.pi],
        array_api=("multiply", 0, 180.0 / math.pi), numpy=("rad2deg",), dsl=("rad2deg",),
    ),
    # ---------------------------------------------------------------- hyperbolic
    ElementwiseFunction(
        "tanh", 1, lambda d, k, xs, z, s: [d.subtract(1.0, d.square(z))], kinds=INEXACT,
        array_api="tanh", numpy=("tanh",), lax="tanh", dsl_core="tanh",
    ),
    ElementwiseFunction(
        "sinh", 1, lambda d, k, xs, z, s: [d.cosh(xs[0])], kinds=INEXACT, array_api="sinh",
        numpy=("sinh",), lax="sinh", dsl=("sinh",),
    ),
    ElementwiseFunction(
        "cosh", 1, lambda d, k, xs, z, s: [d.sinh(xs[0])], kinds=INEXACT, array_api="cosh",
        numpy=("cosh",), lax="cosh", dsl=("cosh",),
    ),
    ElementwiseFunction(
        "arcsinh", 1, lambda d, k, xs, z, s: [_rsqrt_of(d, d.add(d.square(xs[0]), 1.0))],
        kinds=INEXACT, array_api="asinh", numpy=("arcsinh",), lax="asinh",
        dsl=("arcsinh", "asinh"),
    ),
    ElementwiseFunction(
        "arccosh", 1, lambda d, k, xs, z, s: [_rsqrt_of(d, d.subtract(d.square(xs[0]), 1.0))],
        kinds=INEXACT, array_api="acosh", numpy=("arccosh",), lax="acosh",
        dsl=("arccosh", "acosh"),
    ),
    ElementwiseFunction(
        "arctanh", 1, lambda d, k, xs, z, s: [_recip(d, d.subtract(1.0, d.square(xs[0])))],
        kinds=INEXACT, array_api="atanh", numpy=("arctanh",), lax="atanh",
        dsl=("arctanh", "atanh"),
    ),
    # ---------------------------------------------------------------- comparisons
    ElementwiseFunction(
        "greater", 2, None, kinds="biuf", array_api="greater", numpy=("greater",), lax="gt",
    ),
    ElementwiseFunction(
        "greater_equal", 2, None, kinds="biuf", array_api="greater_equal",
        numpy=("greater_equal",), lax="ge",
    ),
    ElementwiseFunction(
        "less", 2, None, kinds="biuf", array_api="less", numpy=("less",), lax="lt",
    ),
    ElementwiseFunction(
        "less_equal", 2, None, kinds="biuf", array_api="less_equal", numpy=("less_equal",),
        lax="le",
    ),
    ElementwiseFunction(
        "equal", 2, None, array_api="equal", numpy=("equal",), lax="eq",
    ),
    ElementwiseFunction(
        "not_equal", 2, None, array_api="not_equal", numpy=("not_equal",), lax="ne",
    ),
    # ---------------------------------------------------------------- logical and bitwise
    ElementwiseFunction(
        "logical_and", 2, None, array_api="logical_and", numpy=("logical_and",),
        dsl=("logical_and",),
    ),
    ElementwiseFunction(
        "logical_or", 2, None, array_api="logical_or", numpy=("logical_or",),
        dsl=("logical_or",),
    ),
    ElementwiseFunction(
        "logical_xor", 2, None, array_api="logical_xor", numpy=("logical_xor",),
        dsl=("logical_xor",),
    ),
    ElementwiseFunction(
        "logical_not", 1, None, array_api="logical_not", numpy=("logical_not",),
        dsl=("logical_not",),
    ),
    ElementwiseFunction(
        "bitwise_and", 2, None, kinds="biu", array_api="bitwise_and", lax="bitwise_and",
    ),
    ElementwiseFunction(
        "bitwise_or", 2, None, kinds="biu", array_api="bitwise_or", lax="bitwise_or",
    ),
    ElementwiseFunction(
        "bitwise_xor", 2, None, kinds="biu", array_api="bitwise_xor", lax="bitwise_xor",
    ),
    ElementwiseFunction(
        "invert", 1, None, kinds="biu", array_api="bitwise_invert", lax="bitwise_not",
    ),
    ElementwiseFunction(
        "left_shift", 2, None, kinds=INTEGER, array_api="bitwise_left_shift", lax="shift_left",
    ),
    ElementwiseFunction("right_shift", 2, None, array_api="bitwise_right_shift"),
    ElementwiseFunction(
        "bitwise_count", 1, None,
        array_api_refusal="no bitwise_count (lax.population_count, lax.clz) in the Array API "
        "standard",
    ),
    # ---------------------------------------------------------------- complex parts
    ElementwiseFunction(
        # not holomorphic: the term is the seed's conjugate in both sweeps (conj is its
        # own transpose); the identity on a real seed
        "conjugate", 1, lambda d, k, xs, z, s: d.conjugate(s) if s.dtype.kind == "c" else [],
        array_api="conj",
        numpy=("conjugate", "conj"),
    ),
    ElementwiseFunction(
        # the sweeps read a complex tangent of a real result as its real part, and cast a
        # real cotangent of a complex operand to complex(ct, 0): JAX's real rules
        "real", 1, lambda d, k, xs, z, s: [], kinds="c", array_api="real", numpy=("real",),
        lax="real",
    ),
    ElementwiseFunction(
        # imag(t) = real(-1j * t); the cotangent is -1j * ct, as JAX's complex(0, -ct)
        "imag", 1, lambda d, k, xs, z, s: [d.typed(-1j, xs[0])], kinds="c", array_api="imag",
        numpy=("imag",), lax="imag",
    ),
    # ---------------------------------------------------------------- rounding
    ElementwiseFunction(
        "floor", 1, ZERO_DERIVATIVE, kinds="f", array_api="floor", numpy=("floor",),
        lax="floor", dsl=("floor",),
    ),
    ElementwiseFunction(
        "ceil", 1, ZERO_DERIVATIVE, kinds="f", array_api="ceil", numpy=("ceil",), lax="ceil",
        dsl=("ceil",),
    ),
    ElementwiseFunction(
        "rint", 1, ZERO_DERIVATIVE, array_api="round", numpy=("rint", "round_"), dsl=("rint",),
    ),
    ElementwiseFunction(
        "trunc", 1, ZERO_DERIVATIVE, array_api="trunc", numpy=("trunc",), dsl=("trunc",),
    ),
    # ---------------------------------------------------------------- predicates
    ElementwiseFunction(
        "isnan", 1, None, array_api="isnan", numpy=("isnan",), dsl=("isnan",),
    ),
    ElementwiseFunction(
        "isinf", 1, None, array_api="isinf", numpy=("isinf",), dsl=("isinf",),
    ),
    ElementwiseFunction(
        "isfinite", 1, None, kinds="f", array_api="isfinite", numpy=("isfinite",),
        lax="is_finite", dsl=("isfinite",),
    ),
    # ---------------------------------------------------------------- selection
    ElementwiseFunction(
        # the "factor" of where is its term: the seed where the branch is taken
        "where", 3,
        lambda d, k, xs, z, s: (
            None if k == 0 else d.where(xs[0], s, 0.0) if k == 1 else d.where(xs[0], 0.0, s)
        ),
        array_api="where", dsl_core="where",
    ),
    ElementwiseFunction(
        "clip", 3,
        lambda d, k, xs, z, s: [d.where(d.equal(xs[k], z), d.typed(1.0, z), d.typed(0.0, z))],
        array_api="clip", dsl=("clip",),
    ),
)

# fmt: on


def _index(records: tuple[ElementwiseFunction, ...]) -> dict[str, ElementwiseFunction]:
    table: dict[str, ElementwiseFunction] = {}
    for rec in records:
        for key in (rec.name, *rec.aliases):
            if key in table:
                raise ValueError(f"elementwise function {key!r} is recorded twice")
            table[key] = rec
    return table


#: Every elementwise function by its name and its aliases. Tables generated at import read
#: ``RECORDS``; the primitive looks names up here when it traces.
REGISTRY: dict[str, ElementwiseFunction] = _index(_RECORDS)

#: Each record once, in the order above.
RECORDS: tuple[ElementwiseFunction, ...] = _RECORDS
