"""The language's built-ins that lower to the Python API (issue 12): every name in
prelude.py's tables, under vmap against closed forms, under grad against closed-form
derivatives, equal to the Python API function it names, with positioned errors."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import axcomp as ax
import axcomp.lax as alax
import axcomp.nn as ann
import axcomp.numpy as anp
import axcomp.scipy.special as asp
from axcomp.dsl import DslCallError, DslError, DslIndexError, DslNameError, prelude
from axcomp.dsl.evaluate import AXIS_LOWERINGS, LOWERINGS
from axcomp.errors import AxcompError, SpecSyntaxError

pytestmark = pytest.mark.sweep  # the floors run of .ci/run skips it

B, N = 3, 5  # a batch of 3 examples, each a vector of 5
RNG = np.random.default_rng(12)
Arr = np.ndarray
Gen = Callable[[], Arr]


# ---------------------------------------------------------------- inputs


def uniform(lo: float, hi: float) -> Gen:
    return lambda: RNG.uniform(lo, hi, size=(B, N))


def signed(lo: float, hi: float) -> Gen:
    """Magnitudes in [lo, hi) with random signs: away from zero on both sides."""
    return lambda: RNG.uniform(lo, hi, size=(B, N)) * RNG.choice([-1.0, 1.0], size=(B, N))


def fixed(values: list[float]) -> Gen:
    return lambda: np.resize(np.array(values, dtype=np.float64), (B, N))


SPECIALS = fixed([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.5, -2.0, np.nan, 3.0, -np.inf])
TIES = fixed([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.3, -0.7, 1.49, -3.2, 0.0, 2.0, -1.0, 7.6, 4.5])
TRUTHS = fixed([0.0, 1.0, 2.5, 0.0, -1.0, 0.0, 1.0])


# ---------------------------------------------------------------- closed forms


def sigmoid(x: Arr) -> Arr:
    return 1.0 / (1.0 + np.exp(-x))


GELU_C = math.sqrt(2.0 / math.pi)


def gelu(x: Arr) -> Arr:
    return 0.5 * x * (1.0 + np.tanh(GELU_C * (x + 0.044715 * x**3)))


def gelu_grad(x: Arr) -> Arr:
    t = np.tanh(GELU_C * (x + 0.044715 * x**3))
    return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t**2) * GELU_C * (1.0 + 3 * 0.044715 * x**2)


def digamma(x: Arr) -> Arr:
    """psi(x) = psi(x + 20) - sum 1/(x + k), then the asymptotic series (error ~ z**-12)."""
    shift = sum(1.0 / (x + k) for k in range(20))
    z = x + 20.0
    series = (
        np.log(z)
        - 1 / (2 * z)
        - 1 / (12 * z**2)
        + 1 / (120 * z**4)
        - 1 / (252 * z**6)
        + 1 / (240 * z**8)
    )
    return series - shift


def trigamma(x: Arr) -> Arr:
    shift = sum(1.0 / (x + k) ** 2 for k in range(20))
    z = x + 20.0
    series = 1 / z + 1 / (2 * z**2) + 1 / (6 * z**3) - 1 / (30 * z**5) + 1 / (42 * z**7)
    return series + shift


def sinc(x: Arr) -> Arr:
    px = np.pi * np.where(x == 0, 1.0, x)
    return np.where(x == 0, 1.0, np.sin(px) / px)


def sinc_grad(x: Arr) -> Arr:
    safe = np.where(x == 0, 1.0, x)  # sinc is even: its slope at 0 is 0
    px = np.pi * safe
    return np.where(x == 0, 0.0, (px * np.cos(px) - np.sin(px)) / (np.pi * safe**2))


def xlogy(x: Arr, y: Arr) -> Arr:
    return np.where(x == 0, 0.0, x * np.log(np.where(x == 0, 1.0, y)))


def xlog1py(x: Arr, y: Arr) -> Arr:
    return np.where(x == 0, 0.0, x * np.log1p(np.where(x == 0, 0.0, y)))


def logaddexp(x: Arr, y: Arr) -> Arr:
    hi = np.maximum(x, y)
    return hi + np.log1p(np.exp(-np.abs(x - y)))


def fmax(x: Arr, y: Arr) -> Arr:
    return np.where(np.isnan(x), y, np.where(np.isnan(y), x, np.where(x >= y, x, y)))


def fmin(x: Arr, y: Arr) -> Arr:
    return np.where(np.isnan(x), y, np.where(np.isnan(y), x, np.where(x <= y, x, y)))


def copysign(x: Arr, y: Arr) -> Arr:
    return np.where(np.signbit(y), -np.abs(x), np.abs(x))


def heaviside(x: Arr, h: Arr) -> Arr:
    return np.where(x < 0, 0.0, np.where(x > 0, 1.0, h))


def erf(x: Arr) -> Arr:
    return np.vectorize(math.erf)(x)


def erfc(x: Arr) -> Arr:
    return np.vectorize(math.erfc)(x)


def lgamma(x: Arr) -> Arr:
    return np.vectorize(math.lgamma)(x)


def nan_to_num(x: Arr) -> Arr:
    big = np.finfo(np.float64).max
    return np.where(x != x, 0.0, np.where(x == np.inf, big, np.where(x == -np.inf, -big, x)))


def isclose(a: Arr, b: Arr) -> Arr:
    return np.abs(a - b) <= 1e-08 + 1e-05 * np.abs(b)  # False when either is NaN


def const(c: float) -> Callable[[Arr], Arr]:
    return lambda x: np.full_like(x, c)


ZERO = "zero"  # grad exists and is zero everywhere, as in JAX (rounding, steps)


@dataclass(frozen=True)
class Case:
    ref: Callable[..., Arr]
    args: tuple[Gen, ...]
    #: one closed-form partial derivative per argument; ZERO; or None (boolean result)
    grads: tuple[Callable[..., Arr], ...] | str | None
    #: inputs for the grad check when the value check's have NaNs or kinks
    grad_args: tuple[Gen, ...] | None = None


def unary(ref: Callable[..., Arr], gen: Gen, grad: Callable[..., Arr] | str | None) -> Case:
    return Case(ref, (gen,), grad if grad is None or isinstance(grad, str) else (grad,))


LN2, LN10 = math.log(2.0), math.log(10.0)

arcsin_grad = (lambda x: 1 / np.sqrt(1 - x**2),)
arccos_grad = (lambda x: -1 / np.sqrt(1 - x**2),)
arctan_grad = (lambda x: 1 / (1 + x**2),)
arcsinh_grad = (lambda x: 1 / np.sqrt(x**2 + 1),)
arccosh_grad = (lambda x: 1 / np.sqrt(x**2 - 1),)
arctanh_grad = (lambda x: 1 / (1 - x**2),)
arctan2_grads = (lambda a, b: b / (a**2 + b**2), lambda a, b: -a / (a**2 + b**2))
power_grads = (lambda a, b: b * a ** (b - 1), lambda a, b: a**b * np.log(a))
remainder_grads = (lambda a, b: np.ones_like(a), lambda a, b: -np.floor(a / b))
silu_grad = (lambda x: sigmoid(x) * (1 + x * (1 - sigmoid(x))),)

#: Every elementwise name of prelude.API_FUNCTIONS, with its closed form.
CASES: dict[str, Case] = {
    "tan": unary(np.tan, uniform(-1.2, 1.2), lambda x: 1 / np.cos(x) ** 2),
    "arcsin": Case(np.arcsin, (uniform(-0.9, 0.9),), arcsin_grad),
    "asin": Case(np.arcsin, (uniform(-0.9, 0.9),), arcsin_grad),
    "arccos": Case(np.arccos, (uniform(-0.9, 0.9),), arccos_grad),
    "acos": Case(np.arccos, (uniform(-0.9, 0.9),), arccos_grad),
    "arctan": Case(np.arctan, (uniform(-3, 3),), arctan_grad),
    "atan": Case(np.arctan, (uniform(-3, 3),), arctan_grad),
    "sinh": unary(np.sinh, uniform(-2, 2), np.cosh),
    "cosh": unary(np.cosh, uniform(-2, 2), np.sinh),
    "arcsinh": Case(np.arcsinh, (uniform(-3, 3),), arcsinh_grad),
    "asinh": Case(np.arcsinh, (uniform(-3, 3),), arcsinh_grad),
    "arccosh": Case(np.arccosh, (uniform(1.1, 4),), arccosh_grad),
    "acosh": Case(np.arccosh, (uniform(1.1, 4),), arccosh_grad),
    "arctanh": Case(np.arctanh, (uniform(-0.9, 0.9),), arctanh_grad),
    "atanh": Case(np.arctanh, (uniform(-0.9, 0.9),), arctanh_grad),
    "deg2rad": unary(lambda x: x * np.pi / 180, uniform(-360, 360), const(np.pi / 180)),
    "rad2deg": unary(lambda x: x * 180 / np.pi, uniform(-7, 7), const(180 / np.pi)),
    "sinc": Case(sinc, (fixed([0.0, 1.0, -2.0, 0.25, -0.7, 1.3, 3.5]),), (sinc_grad,)),
    "exp2": unary(lambda x: 2.0**x, uniform(-3, 3), lambda x: 2.0**x * LN2),
    "log2": unary(lambda x: np.log(x) / LN2, uniform(0.1, 8), lambda x: 1 / (x * LN2)),
    "log10": unary(lambda x: np.log(x) / LN10, uniform(0.1, 8), lambda x: 1 / (x * LN10)),
    "square": unary(lambda x: x * x, uniform(-3, 3), lambda x: 2 * x),
    "reciprocal": unary(lambda x: 1 / x, signed(0.2, 3), lambda x: -1 / x**2),
    "cbrt": unary(
        lambda x: np.sign(x) * np.abs(x) ** (1 / 3),
        signed(0.2, 8),
        lambda x: np.abs(x) ** (-2 / 3) / 3,
    ),
    "floor": unary(np.floor, TIES, ZERO),
    "ceil": unary(np.ceil, TIES, ZERO),
    "round": unary(np.round, TIES, ZERO),  # half to even, as jnp.round
    "rint": unary(np.rint, TIES, ZERO),
    "trunc": unary(lambda x: np.sign(x) * np.floor(np.abs(x)), TIES, ZERO),
    "fix": unary(lambda x: np.sign(x) * np.floor(np.abs(x)), TIES, ZERO),
    "isnan": unary(lambda x: x != x, SPECIALS, None),
    "isfinite": unary(lambda x: (x == x) & (np.abs(x) != np.inf), SPECIALS, None),
    "isinf": unary(lambda x: np.abs(x) == np.inf, SPECIALS, None),
    "signbit": unary(lambda x: np.copysign(1.0, x) < 0, SPECIALS, None),
    "logical_not": unary(lambda x: x == 0, TRUTHS, None),
    "nan_to_num": unary(nan_to_num, SPECIALS, lambda x: np.isfinite(x) * 1.0),
    "softplus": unary(
        lambda x: np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0), uniform(-5, 5), sigmoid
    ),
    "silu": Case(lambda x: x * sigmoid(x), (uniform(-5, 5),), silu_grad),
    "swish": Case(lambda x: x * sigmoid(x), (uniform(-5, 5),), silu_grad),
    "gelu": unary(gelu, uniform(-4, 4), gelu_grad),
    "log_sigmoid": unary(lambda x: np.log(sigmoid(x)), uniform(-5, 5), lambda x: sigmoid(-x)),
    "erf": unary(erf, uniform(-3, 3), lambda x: 2 / math.sqrt(math.pi) * np.exp(-(x**2))),
    "erfc": unary(erfc, uniform(-3, 3), lambda x: -2 / math.sqrt(math.pi) * np.exp(-(x**2))),
    "gammaln": unary(lgamma, uniform(0.3, 6), digamma),
    "digamma": unary(digamma, uniform(0.3, 6), trigamma),
    "xlogy": Case(
        xlogy,
        (fixed([0.0, 1.5, 0.3, 2.0, 0.0, 0.7]), uniform(0.2, 3)),
        (lambda a, b: np.log(b), lambda a, b: a / b),
        (uniform(0.1, 2), uniform(0.2, 3)),
    ),
    "xlog1py": Case(
        xlog1py,
        (fixed([0.0, 1.5, 0.3, 2.0, 0.0, 0.7]), uniform(-0.5, 3)),
        (lambda a, b: np.log1p(b), lambda a, b: a / (1 + b)),
        (uniform(0.1, 2), uniform(-0.5, 3)),
    ),
    "arctan2": Case(np.arctan2, (uniform(-2, 2), signed(0.2, 2)), arctan2_grads),
    "atan2": Case(np.arctan2, (uniform(-2, 2), signed(0.2, 2)), arctan2_grads),
    "hypot": Case(
        lambda a, b: np.sqrt(a * a + b * b),
        (signed(0.2, 3), signed(0.2, 3)),
        (lambda a, b: a / np.sqrt(a * a + b * b), lambda a, b: b / np.sqrt(a * a + b * b)),
    ),
    "logaddexp": Case(
        logaddexp,
        (uniform(-5, 5), uniform(-5, 5)),
        (lambda a, b: sigmoid(a - b), lambda a, b: sigmoid(b - a)),
    ),
    "logaddexp2": Case(
        lambda a, b: logaddexp(a * LN2, b * LN2) / LN2,
        (uniform(-5, 5), uniform(-5, 5)),
        (lambda a, b: sigmoid((a - b) * LN2), lambda a, b: sigmoid((b - a) * LN2)),
    ),
    "power": Case(lambda a, b: a**b, (uniform(0.2, 3), uniform(-2, 2)), power_grads),
    "pow": Case(lambda a, b: a**b, (uniform(0.2, 3), uniform(-2, 2)), power_grads),
    "float_power": Case(lambda a, b: a**b, (uniform(0.2, 3), uniform(-2, 2)), power_grads),
    "remainder": Case(
        lambda a, b: a - b * np.floor(a / b), (uniform(-5, 5), signed(0.5, 2)), remainder_grads
    ),
    "mod": Case(
        lambda a, b: a - b * np.floor(a / b), (uniform(-5, 5), signed(0.5, 2)), remainder_grads
    ),
    "copysign": Case(
        copysign,
        (signed(0.2, 3), fixed([1.0, -2.0, 0.0, -0.0, 3.0, -0.5, 0.7])),
        (lambda a, b: np.where(np.signbit(b), -np.sign(a), np.sign(a)), lambda a, b: 0 * a),
    ),
    "fmax": Case(
        fmax,
        (fixed([np.nan, 1.0, -2.0, 0.5, 3.0, np.nan]), fixed([0.0, np.nan, 1.0, -1.0, 4.0])),
        (lambda a, b: (a > b) * 1.0, lambda a, b: (a < b) * 1.0),
        (uniform(-2, 2), uniform(-2, 2)),
    ),
    "fmin": Case(
        fmin,
        (fixed([np.nan, 1.0, -2.0, 0.5, 3.0, np.nan]), fixed([0.0, np.nan, 1.0, -1.0, 4.0])),
        (lambda a, b: (a < b) * 1.0, lambda a, b: (a > b) * 1.0),
        (uniform(-2, 2), uniform(-2, 2)),
    ),
    "floor_divide": Case(lambda a, b: np.floor(a / b), (uniform(-5, 5), signed(0.5, 2)), ZERO),
    "heaviside": Case(heaviside, (fixed([0.0, 1.0, -2.0, 0.0, 3.0, -0.0]), uniform(0, 1)), ZERO),
    "logical_and": Case(lambda a, b: (a != 0) & (b != 0), (TRUTHS, fixed([1.0, 0.0, 3.0])), None),
    "logical_or": Case(lambda a, b: (a != 0) | (b != 0), (TRUTHS, fixed([1.0, 0.0, 3.0])), None),
    "logical_xor": Case(lambda a, b: (a != 0) ^ (b != 0), (TRUTHS, fixed([1.0, 0.0, 3.0])), None),
    "isclose": Case(
        isclose,
        (
            fixed([1.0, 1.0, 0.0, np.nan, 1e-9, 100.0, -2.0]),
            fixed([1.0 + 1e-6, 1.1, 1e-9, np.nan, 0.0, 100.0009, 2.0]),
        ),
        None,
    ),
    "clip": Case(
        lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi),
        (uniform(-2, 2), uniform(-1, -0.1), uniform(0.1, 1)),
        (
            lambda x, lo, hi: ((x > lo) & (x < hi)) * 1.0,
            lambda x, lo, hi: (x < lo) * 1.0,
            lambda x, lo, hi: (x > hi) * 1.0,
        ),
    ),
}

API_MODULES = {"numpy": anp, "lax": alax, "nn": ann, "scipy.special": asp}
PARAMS = ("x", "y", "z")


def kernel_text(name: str, arity: int) -> str:
    params = PARAMS[:arity]
    sig = ", ".join(f"{p}[n]" for p in params)
    return f"kernel k({sig}) -> [n] = {name}({', '.join(f'{p}[n]' for p in params)})"


def api_function(name: str) -> Callable[..., Any]:
    """The public function the name stands for, e.g. ``axcomp.nn.gelu``."""
    f = prelude.API_FUNCTIONS[name]
    return getattr(API_MODULES[f.namespace], f.attr)  # type: ignore[no-any-return]


def lowered(namespace: str, attr: str) -> Callable[..., Any]:
    """What the evaluator calls: axcomp.numpy's function, or for lax/nn/scipy.special the
    traced implementation the public (staged) function is built from."""
    if namespace == "numpy":
        return getattr(anp, attr)  # type: ignore[no-any-return]
    assert attr in API_MODULES[namespace].__all__
    return getattr(API_MODULES[namespace], attr).traced  # type: ignore[no-any-return]


def close(actual: Any, expected: Any, rtol: float = 1e-9, atol: float = 1e-12) -> None:
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), rtol=rtol, atol=atol)


# ---------------------------------------------------------------- the tables


def test_every_prelude_function_has_a_case_and_every_case_a_function() -> None:
    assert tuple(API_MODULES) == prelude.NAMESPACES
    assert set(CASES) == set(prelude.API_FUNCTIONS)
    assert set(AXIS_CASES) == set(prelude.API_AXIS_FUNCTIONS)


def test_new_names_do_not_shadow_the_core_ones() -> None:
    assert not set(prelude.API_FUNCTIONS) & set(prelude.CORE_FUNCTIONS)
    assert not set(prelude.API_AXIS_FUNCTIONS) & prelude.CORE_REDUCTIONS
    assert not set(prelude.FUNCTIONS) & prelude.AXIS_FUNCTIONS


@pytest.mark.parametrize("name", sorted(prelude.API_FUNCTIONS))
def test_each_name_lowers_to_the_python_api_function_it_names(name: str) -> None:
    f = prelude.API_FUNCTIONS[name]
    assert f.namespace in API_MODULES
    assert LOWERINGS[name] is lowered(f.namespace, f.attr)
    assert callable(api_function(name))
    assert prelude.FUNCTIONS[name] == f.arity
    assert name in prelude.RESERVED  # a kernel of that name could never be called


@pytest.mark.parametrize("name", sorted(prelude.API_AXIS_FUNCTIONS))
def test_each_axis_name_lowers_to_the_python_api_function_it_names(name: str) -> None:
    f = prelude.API_AXIS_FUNCTIONS[name]
    assert AXIS_LOWERINGS[name] is lowered(f.namespace, f.attr)
    assert (name in prelude.REDUCTIONS) == (not f.keeps)
    assert name in prelude.AXIS_FUNCTIONS and name not in prelude.RESERVED


# ---------------------------------------------------------------- elementwise: values


@pytest.mark.parametrize("name", sorted(prelude.API_FUNCTIONS))
def test_function_under_vmap_and_jit_matches_its_closed_form(name: str) -> None:
    assert name in CASES, f"no test case for the DSL function {name!r}"
    case = CASES[name]
    arity = prelude.API_FUNCTIONS[name].arity
    assert len(case.args) == arity
    mod = ax.compile(kernel_text(name, arity) + "\nbatched = vmap(k)\njitted = jit(vmap(k))\n")
    args = [gen() for gen in case.args]
    out = mod.batched(*args)
    assert np.shape(out) == (B, N)
    expected = case.ref(*args)
    if expected.dtype == bool:
        assert np.asarray(out).dtype == bool
        np.testing.assert_array_equal(out, expected)
    else:
        close(out, expected)
    # the same function as the Python API computes it, to the bit
    np.testing.assert_array_equal(out, ax.vmap(api_function(name))(*args))
    np.testing.assert_array_equal(mod.jitted(*args), out)


def test_operands_align_by_index_name_and_take_numbers() -> None:
    mod = ax.compile(
        "kernel outer(x[n], y[m]) -> [m, n] = hypot(x[n], y[m]) + clip(x[n], -0.5, 0.5)\n"
        "kernel table(a[i, j]) -> [j, i] = logaddexp(a[i, j], 0) * erf(0.5)\n"
        "bo = vmap(outer, in_axes=(0, None))\n"
    )
    x, y = RNG.normal(size=(B, 4)), RNG.normal(size=3)
    expected = np.sqrt(x[:, None, :] ** 2 + y[None, :, None] ** 2) + np.clip(x, -0.5, 0.5)[:, None]
    close(mod.bo(x, y), expected)
    a = RNG.normal(size=(2, 3))
    close(mod.table(a), (logaddexp(a, np.zeros_like(a)) * math.erf(0.5)).T)


def test_boolean_results_feed_where_and_reductions() -> None:
    mod = ax.compile(
        "kernel clean(x[n]) -> [n] = where(isfinite(x[n]), x[n], 0)\n"
        "kernel count(x[n]) = sum[n](where(logical_or(isnan(x[n]), signbit(x[n])), 1, 0))\n"
    )
    x = np.array([1.0, np.nan, -2.0, np.inf, -0.0, 3.0])
    np.testing.assert_array_equal(mod.clean(x), [1.0, 0.0, -2.0, 0.0, -0.0, 3.0])
    assert mod.count(x) == 3


def test_gelu_is_the_tanh_approximation_like_jax_nn_gelu() -> None:
    x = np.linspace(-3, 3, 7)
    out = ax.compile("kernel g(x[n]) -> [n] = gelu(x[n])").g(x)
    close(out, gelu(x))
    exact = 0.5 * x * (1 + erf(x / math.sqrt(2)))
    assert not np.allclose(out, exact, rtol=1e-6, atol=0)  # the approximation, not the erf form


def test_special_functions_match_math_on_the_same_inputs() -> None:
    x = np.array([0.1, 0.5, 1.0, 2.5, 7.0])
    mod = ax.compile(
        "kernel s(x[n]) -> [n] = gammaln(x[n]) + erf(x[n]) - erfc(x[n]) + digamma(x[n])"
    )
    expected = lgamma(x) + erf(x) - erfc(x) + digamma(x)
    close(mod.s(x), expected, rtol=1e-7)
    close(asp.digamma(x), digamma(x), rtol=1e-7)  # the closed form above is sound


# ---------------------------------------------------------------- elementwise: gradients


DIFFERENTIABLE = sorted(n for n, c in CASES.items() if c.grads is not None)


def test_only_boolean_functions_lack_a_gradient_check() -> None:
    no_grad = {n for n, c in CASES.items() if c.grads is None}
    assert no_grad == {
        "isnan",
        "isfinite",
        "isinf",
        "signbit",
        "logical_not",
        "logical_and",
        "logical_or",
        "logical_xor",
        "isclose",
    }
    for name, f in prelude.API_FUNCTIONS.items():
        assert f.differentiable == isinstance(CASES[name].grads, tuple), name


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_function_under_vmap_of_grad_matches_its_derivative(name: str) -> None:
    case = CASES[name]
    arity = prelude.API_FUNCTIONS[name].arity
    params = PARAMS[:arity]
    argnums = "(" + ", ".join(str(i) for i in range(arity)) + ",)"
    text = (
        f"kernel s({', '.join(f'{p}[n]' for p in params)}) = "
        f"sum[n]({name}({', '.join(f'{p}[n]' for p in params)}))\n"
        f"g = vmap(grad(s, argnums={argnums}))\n"
    )
    mod = ax.compile(text)
    args = [gen() for gen in (case.grad_args or case.args)]
    grads = mod.g(*args)
    assert len(grads) == arity
    expected = (
        [np.zeros_like(a) for a in args] if case.grads == ZERO else [d(*args) for d in case.grads]  # type: ignore[union-attr]
    )
    for got, want in zip(grads, expected):
        close(got, want, rtol=1e-7, atol=1e-10)


def test_second_derivatives_through_new_functions() -> None:
    mod = ax.compile("kernel f(t) = softplus(t) + gammaln(t)\nh = grad(grad(f))\n")
    t = 1.7
    s = 1 / (1 + math.exp(-t))
    close(mod.h(t), s * (1 - s) + trigamma(np.array(t)), rtol=1e-7)


# ---------------------------------------------------------------- reductions, normalisations


def softmax(x: Arr, axis: Any) -> Arr:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(x: Arr, axis: Any) -> Arr:
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def var(x: Arr, axis: Any) -> Arr:
    return ((x - x.mean(axis=axis, keepdims=True)) ** 2).mean(axis=axis)


def masked(x: Arr) -> np.ma.MaskedArray:
    return np.ma.masked_invalid(x)


def median(x: Arr, axis: Any) -> Arr:
    axes = (axis,) if isinstance(axis, int) else axis
    moved = np.moveaxis(x, axes, range(-len(axes), 0))
    flat = np.sort(moved.reshape(*moved.shape[: -len(axes)], -1), axis=-1)
    k = flat.shape[-1]
    return (flat[..., (k - 1) // 2] + flat[..., k // 2]) / 2


XM = RNG.normal(size=(2, 3, 4))  # (batch, m, n)
XM_NAN = XM.copy()
XM_NAN[0, 1, 2] = XM_NAN[1, 0, 0] = XM_NAN[1, 2, 3] = np.nan


@dataclass(frozen=True)
class AxisCase:
    body: str  # the operand, over indices m and n
    ref: Callable[[Arr, Any], Arr]
    data: Arr = field(default_factory=lambda: XM)


GT = "x[m, n] > 0.2"
AXIS_CASES: dict[str, AxisCase] = {
    "var": AxisCase("x[m, n]", var),
    "std": AxisCase("x[m, n]", lambda x, a: np.sqrt(var(x, a))),
    "any": AxisCase(GT, lambda x, a: (x > 0.2).any(axis=a)),
    "all": AxisCase(GT, lambda x, a: (x > 0.2).all(axis=a)),
    "argmax": AxisCase("x[m, n]", lambda x, a: x.argmax(axis=a)),
    "argmin": AxisCase("x[m, n]", lambda x, a: x.argmin(axis=a)),
    "nansum": AxisCase("x[m, n]", lambda x, a: masked(x).sum(axis=a).filled(0.0), XM_NAN),
    "nanmean": AxisCase("x[m, n]", lambda x, a: masked(x).mean(axis=a).filled(np.nan), XM_NAN),
    "nanmax": AxisCase("x[m, n]", lambda x, a: masked(x).max(axis=a).filled(np.nan), XM_NAN),
    "nanmin": AxisCase("x[m, n]", lambda x, a: masked(x).min(axis=a).filled(np.nan), XM_NAN),
    "ptp": AxisCase("x[m, n]", lambda x, a: x.max(axis=a) - x.min(axis=a)),
    "median": AxisCase("x[m, n]", median),
    "count_nonzero": AxisCase(GT, lambda x, a: (x > 0.2).sum(axis=a)),
    "softmax": AxisCase("x[m, n]", softmax),
    "log_softmax": AxisCase("x[m, n]", log_softmax),
    "cumsum": AxisCase("x[m, n]", lambda x, a: np.cumsum(x, axis=a)),
    "cumprod": AxisCase("x[m, n]", lambda x, a: np.cumprod(x, axis=a)),
    "cummax": AxisCase("x[m, n]", lambda x, a: np.maximum.accumulate(x, axis=a)),
    "cummin": AxisCase("x[m, n]", lambda x, a: np.minimum.accumulate(x, axis=a)),
}


@pytest.mark.parametrize("name", sorted(prelude.API_AXIS_FUNCTIONS))
def test_axis_function_over_one_named_index_under_vmap(name: str) -> None:
    assert name in AXIS_CASES, f"no test case for the DSL bracket form {name!r}"
    case, keeps = AXIS_CASES[name], prelude.API_AXIS_FUNCTIONS[name].keeps
    # over m, the first axis; the output lists n first, so the result is transposed
    out_labels = "[n, m]" if keeps else "[n]"
    mod = ax.compile(f"kernel k(x[m, n]) -> {out_labels} = {name}[m]({case.body})\nb = vmap(k)")
    out = mod.b(case.data)
    expected = case.ref(case.data, 1)
    if keeps:
        expected = expected.transpose(0, 2, 1)
    assert np.shape(out) == expected.shape
    close(out, expected)
    f = prelude.API_AXIS_FUNCTIONS[name]
    api = getattr(API_MODULES[f.namespace], f.attr)
    operand = case.data > 0.2 if case.body == GT else case.data
    python = ax.vmap(lambda x: api(x, axis=0))(operand)
    np.testing.assert_array_equal(out, python.transpose(0, 2, 1) if keeps else python)


@pytest.mark.parametrize(
    "name", sorted(n for n, f in prelude.API_AXIS_FUNCTIONS.items() if not f.one_axis)
)
def test_axis_function_over_two_named_indices(name: str) -> None:
    case, keeps = AXIS_CASES[name], prelude.API_AXIS_FUNCTIONS[name].keeps
    out_labels = " -> [m, n]" if keeps else ""
    mod = ax.compile(f"kernel k(x[m, n]){out_labels} = {name}[m, n]({case.body})\nb = vmap(k)")
    close(mod.b(case.data), case.ref(case.data, (1, 2)))


def test_argmax_takes_the_first_of_ties_and_gives_integers() -> None:
    mod = ax.compile("kernel k(x[n]) = argmax[n](x[n]) + 10 * argmin[n](x[n])")
    out = mod.k(np.array([1.0, 3.0, 3.0, 0.0, 0.0]))
    assert out == 1 + 10 * 3 and np.asarray(out).dtype.kind == "i"


def test_reductions_of_products_and_nested_forms() -> None:
    mod = ax.compile(
        "kernel k(a[m, n], b[n]) -> [m] = std[n](a[m, n] * b[n])\n"
        "kernel p(x[m, n]) -> [m, n] = softmax[n](cumsum[m](x[m, n]) - mean[n](x[m, n]))\n"
    )
    a, b = RNG.normal(size=(3, 4)), RNG.normal(size=4)
    close(mod.k(a, b), np.sqrt(var(a * b, 1)))
    x = RNG.normal(size=(3, 4))
    close(mod.p(x), softmax(np.cumsum(x, 0) - x.mean(1, keepdims=True), 1))


def rev_cumsum(w: Arr) -> Arr:
    return np.cumsum(w[..., ::-1], axis=-1)[..., ::-1]


W = RNG.normal(size=(2, 4))
XG = RNG.uniform(0.5, 1.5, size=(2, 4))
MU = XG.mean(-1, keepdims=True)
SM = softmax(XG, -1)


def one_hot_at(index: Arr) -> Arr:
    return (np.arange(XG.shape[-1]) == index[..., None]) * 1.0


def running_winner_counts(x: Arr, better: Callable[[Arr, Arr], Arr]) -> Arr:
    """d/dx_j of sum(cummax(x)): how many prefixes have their extreme at j."""
    out = np.zeros_like(x)
    for row, vals in enumerate(x):
        best = 0
        for i in range(len(vals)):
            if better(vals[i], vals[best]):
                best = i
            out[row, best] += 1
    return out


ORDER = np.argsort(XG, axis=-1)

#: (body over x[n] and w[n], closed-form gradient in x) for the differentiable forms
AXIS_GRADS: dict[str, tuple[str, Arr]] = {
    "var": ("var[n](x[n]) + 0 * sum[n](w[n])", 2 * (XG - MU) / 4),
    "std": ("std[n](x[n]) + 0 * sum[n](w[n])", (XG - MU) / (4 * np.sqrt(var(XG, -1)))[:, None]),
    "nansum": ("nansum[n](x[n]) + 0 * sum[n](w[n])", np.ones_like(XG)),
    "nanmean": ("nanmean[n](x[n]) + 0 * sum[n](w[n])", np.full_like(XG, 0.25)),
    "nanmax": ("nanmax[n](x[n]) + 0 * sum[n](w[n])", one_hot_at(XG.argmax(-1))),
    "nanmin": ("nanmin[n](x[n]) + 0 * sum[n](w[n])", one_hot_at(XG.argmin(-1))),
    "ptp": (
        "ptp[n](x[n]) + 0 * sum[n](w[n])",
        one_hot_at(XG.argmax(-1)) - one_hot_at(XG.argmin(-1)),
    ),
    "median": (  # four entries: the mean of the middle two
        "median[n](x[n]) + 0 * sum[n](w[n])",
        (one_hot_at(ORDER[:, 1]) + one_hot_at(ORDER[:, 2])) / 2,
    ),
    "cummax": ("sum[n](cummax[n](x[n])) + 0 * sum[n](w[n])", running_winner_counts(XG, np.greater)),
    "cummin": ("sum[n](cummin[n](x[n])) + 0 * sum[n](w[n])", running_winner_counts(XG, np.less)),
    "softmax": (
        "sum[n](w[n] * softmax[n](x[n]))",
        SM * (W - (W * SM).sum(-1, keepdims=True)),
    ),
    "log_softmax": ("sum[n](w[n] * log_softmax[n](x[n]))", W - SM * W.sum(-1, keepdims=True)),
    "cumsum": ("sum[n](w[n] * cumsum[n](x[n]))", rev_cumsum(W)),
    "cumprod": ("sum[n](w[n] * cumprod[n](x[n]))", rev_cumsum(W * np.cumprod(XG, -1)) / XG),
}


def test_every_differentiable_axis_function_has_a_gradient_check() -> None:
    wanted = {n for n, f in prelude.API_AXIS_FUNCTIONS.items() if f.differentiable}
    assert set(AXIS_GRADS) == wanted


@pytest.mark.parametrize("name", sorted(AXIS_GRADS))
def test_axis_function_under_vmap_of_grad_matches_its_derivative(name: str) -> None:
    body, expected = AXIS_GRADS[name]
    mod = ax.compile(f"kernel s(x[n], w[n]) = {body}\ng = vmap(grad(s))\n")
    close(mod.g(XG, W), expected, rtol=1e-7, atol=1e-10)


def test_nan_reductions_skip_nans_in_value_and_gradient() -> None:
    mod = ax.compile("kernel s(x[n]) = nanmean[n](x[n]) + nansum[n](x[n])\ng = grad(s)\n")
    x = np.array([1.0, np.nan, 3.0])
    close(mod.s(x), 2.0 + 4.0)
    close(mod.g(x), [1.5, 0.0, 1.5])


def test_a_kernel_named_like_a_bracket_form_still_works_beside_it() -> None:
    # modules written before softmax[n](...) existed define their own kernel softmax
    mod = ax.compile(
        "kernel softmax(x[n]) -> [n] = exp(x[n] - max[n](x[n]))"
        " / sum[n](exp(x[n] - max[n](x[n])))\n"
        "kernel both(x[n], std) -> [n] = softmax(x)[n] - softmax[n](x[n]) + std\n"
    )
    x = RNG.normal(size=5)
    close(mod.both(x, 2.0), np.full(5, 2.0), atol=1e-12)


# ---------------------------------------------------------------- errors


def assert_caret(exc: DslError, line: int, column: int, token: str) -> None:
    assert (exc.line, exc.column) == (line, column), str(exc)
    text = str(exc)
    assert f"line {line}, column {column}" in text
    rows = text.splitlines()
    caret = next(i for i, row in enumerate(rows) if row.strip().startswith("^"))
    start = rows[caret].index("^")
    assert rows[caret - 1][start : start + len(token)] == token, text
    assert rows[-1].startswith("hint: ")
    assert isinstance(exc, SpecSyntaxError) and isinstance(exc, AxcompError)


PREFIX = "kernel ok(v[n]) -> [n] = v[n]\n"


@pytest.mark.parametrize("name", sorted(prelude.API_FUNCTIONS))
def test_wrong_arity_is_positioned_at_the_call(name: str) -> None:
    arity = prelude.API_FUNCTIONS[name].arity
    args = ", ".join(["x[n]"] * (arity + 1))
    text = PREFIX + f"kernel bad(x[n]) -> [n] = x[n] + {name}({args})\n"
    with pytest.raises(DslCallError) as info:
        ax.compile(text)
    assert_caret(info.value, 2, 34, name)
    want = f"{name} takes {arity} argument{'s' if arity != 1 else ''} but got {arity + 1}"
    assert want in str(info.value)


def test_too_few_arguments_for_clip() -> None:
    with pytest.raises(DslCallError) as info:
        ax.compile("kernel f(x[n]) -> [n] = clip(x[n], 0)")
    assert_caret(info.value, 1, 25, "clip")
    assert "clip takes 3 arguments but got 2" in str(info.value)
    assert "write clip(a, b, c)" in str(info.value)


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("arctn", "arctan"),
        ("gamaln", "gammaln"),
        ("sofplus", "softplus"),
        ("logaddexp3", "logaddexp"),
        ("hypott", "hypot"),
        ("clamp", None),
    ],
)
def test_unknown_functions_suggest_the_nearest_name(typo: str, meant: str | None) -> None:
    with pytest.raises(DslNameError) as info:
        ax.compile(f"kernel f(x[n]) -> [n] = {typo}(x[n])")
    assert_caret(info.value, 1, 25, typo)
    assert f"unknown function {typo!r}" in str(info.value)
    if meant is not None:
        assert f"did you mean {meant!r}?" in str(info.value)


@pytest.mark.parametrize(
    ("typo", "meant"),
    [("stdd", "std"), ("argmx", "argmax"), ("sofmax", "softmax"), ("cumsun", "cumsum")],
)
def test_unknown_bracket_forms_suggest_the_nearest_name(typo: str, meant: str) -> None:
    with pytest.raises(DslNameError) as info:
        ax.compile(f"kernel f(x[n]) = sum[n]({typo}[n](x[n]))")
    assert_caret(info.value, 1, 25, typo)
    assert f"did you mean {meant!r}?" in str(info.value)


@pytest.mark.parametrize(
    "name", sorted(n for n, f in prelude.API_AXIS_FUNCTIONS.items() if f.one_axis)
)
def test_one_axis_forms_refuse_two_indices(name: str) -> None:
    with pytest.raises(DslIndexError) as info:
        ax.compile(f"kernel f(x[m, n]) = sum[m, n]({name}[m, n](x[m, n]))")
    assert_caret(info.value, 1, 35 + len(name), "n")
    assert "one index" in str(info.value)


@pytest.mark.parametrize(
    ("text", "cls", "column", "token", "words"),
    [
        ("kernel f(x[n]) -> [n] = softmax(x[n])", DslIndexError, 25, "softmax", "normalises"),
        ("kernel f(x[n]) -> [n] = cumsum(x[n])", DslIndexError, 25, "cumsum", "accumulates"),
        ("kernel f(x[n]) = var(x[n])", DslIndexError, 18, "var", "reduces"),
        ("kernel f(x[n]) = std[n]", DslIndexError, 18, "std", "needs an argument"),
        ("kernel f(x[n]) = argmax", DslIndexError, 18, "argmax", "needs the indices"),
        ("kernel f(x[n]) = sum[n](tan[n](x[n]))", DslNameError, 25, "tan", "not a reduction"),
        ("kernel f(x[n]) -> [n] = gelu(x[n])[n]", DslIndexError, 25, "gelu", "cannot be indexed"),
        ("kernel f(x[n]) = var[](x[n])", DslIndexError, 18, "var", "names no index"),
        ("kernel f(x[n]) -> [n] = softmax[m](x[n])", DslIndexError, 33, "m", "not an index"),
        ("kernel f(x[m, n]) -> [m] = softmax[n](x[m, n])", DslIndexError, 44, "n", "neither"),
        ("kernel f(x[n]) = erf", DslNameError, 18, "erf", "is a function"),
        ("kernel gelu(x) = x", DslNameError, 8, "gelu", "built-in"),
        ("kernel f(clip) = clip", DslNameError, 10, "clip", "built-in"),
        ("erf = vmap(g)", DslNameError, 1, "erf", "built-in"),
    ],
)
def test_misuse_of_the_new_names_is_positioned(
    text: str, cls: type[DslError], column: int, token: str, words: str
) -> None:
    with pytest.raises(cls) as info:
        ax.compile(text)
    assert_caret(info.value, 1, column, token)
    assert words in str(info.value)


def test_registry_keys_cannot_take_function_names() -> None:
    with pytest.raises(DslNameError, match="not a usable name"):
        ax.compile("f = vmap(softplus)", kernels={"softplus": lambda x: x})
    # bracket-form names stay free for kernels= and parameters
    mod = ax.compile("f = vmap(var)", kernels={"var": lambda x: anp.var(x)})
    close(mod.f(XM[0]), XM[0].var(axis=1))


@pytest.mark.parametrize(
    "name", ["eval", "exec", "__import__", "getattr", "open", "sort", "dot", "__class__"]
)
def test_only_the_fixed_table_resolves_names(name: str) -> None:
    # not Python builtins, not other axcomp.numpy attributes: only the prelude's table
    with pytest.raises(DslNameError) as info:
        ax.compile(f"kernel f(x[n]) -> [n] = {name}(x[n])")
    assert f"unknown function {name!r}" in str(info.value)


# ---------------------------------------------------------------- the Array API backend


def outcome(fn: Callable[[], Any]) -> Any:
    """The result as NumPy, or the type of the error: refusals are inherited too."""
    try:
        return np.asarray(fn())
    except Exception as exc:
        return type(exc)


@pytest.mark.parametrize("name", sorted(prelude.API_FUNCTIONS))
def test_function_on_array_api_arrays_behaves_as_the_python_api(name: str) -> None:
    xp = pytest.importorskip("array_api_strict")
    arity = prelude.API_FUNCTIONS[name].arity
    mod = ax.compile(kernel_text(name, arity) + "\nbatched = vmap(k)\n")
    args = [xp.asarray(gen()) for gen in CASES[name].args]
    dsl = outcome(lambda: mod.batched(*args))
    python = outcome(lambda: ax.vmap(api_function(name))(*args))
    if isinstance(python, type):
        assert dsl is python  # e.g. UnsupportedError: no exp2 in the standard
    else:
        np.testing.assert_array_equal(dsl, python)


@pytest.mark.parametrize("name", sorted(prelude.API_AXIS_FUNCTIONS))
def test_axis_function_on_array_api_arrays(name: str) -> None:
    xp = pytest.importorskip("array_api_strict")
    case = AXIS_CASES[name]
    out_labels = "[n, m]" if prelude.API_AXIS_FUNCTIONS[name].keeps else "[n]"
    mod = ax.compile(f"kernel k(x[m, n]) -> {out_labels} = {name}[m]({case.body})\nb = vmap(k)")
    out = mod.b(xp.asarray(case.data))
    assert type(out).__module__.startswith("array_api_strict")
    np.testing.assert_array_equal(np.asarray(out), mod.b(case.data))


# ---------------------------------------------------------------- configs


CONFIG = """
[kernels]
layer = "(W[h, d], x[d]) -> [h] = gelu(sum[d](W[h, d] * x[d]))"
probs = "(z[h]) -> [h] = softmax[h](clip(z[h], -3, 3))"
spread = "(z[h]) = std[h](log_sigmoid(z[h])) + hypot(argmax[h](z[h]), 0)"

[functions]
batched_layer = "vmap(layer, in_axes=(None, 0))"
batched_probs = "vmap(probs)"
grad_spread = "vmap(grad(spread))"
"""


def test_a_toml_config_uses_the_new_names(tmp_path: Path) -> None:
    path = tmp_path / "activations.toml"
    path.write_text(CONFIG)
    mod = ax.load(path)
    w, x = RNG.normal(size=(4, 3)), RNG.normal(size=(5, 3))
    z = mod.batched_layer(w, x)
    close(z, gelu(x @ w.T))
    close(mod.batched_probs(3 * z), softmax(np.clip(3 * z, -3, 3), -1))
    ls = np.log(sigmoid(z))
    dev = ls - ls.mean(-1, keepdims=True)
    sd = np.sqrt((dev**2).mean(-1, keepdims=True))
    close(mod.grad_spread(z), dev / (4 * sd) * sigmoid(-z), rtol=1e-7, atol=1e-12)
    assert mod.spread(z[0]) == pytest.approx(np.sqrt(var(ls[0], 0)) + np.argmax(z[0]))


def test_a_toml_arity_error_names_the_file_key_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[kernels]\nf = "(x[n]) -> [n] = arctan2(x[n])"\n')
    with pytest.raises(DslCallError) as info:
        ax.load(path)
    msg = str(info.value)
    assert str(path) in msg and "'kernels.f'" in msg
    assert "arctan2 takes 2 arguments but got 1" in msg
    assert (info.value.line, info.value.column) == (1, 17)
    assert "^" in msg and "hint:" in msg


# ---------------------------------------------------------------- docs


DOCS = Path(__file__).resolve().parents[1] / "docs" / "language.md"
README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.parametrize("name", sorted({*prelude.FUNCTIONS, *prelude.AXIS_FUNCTIONS}), ids=str)
def test_the_language_docs_list_every_built_in(name: str) -> None:
    assert f"`{name}`" in DOCS.read_text(), f"docs/language.md does not list {name}"
    section = README.read_text().split("## The axcomp language", 1)[1].split("\n## ", 1)[0]
    assert re.search(rf"(?<!\w){name}(?!\w)", section), f"README's language section lacks {name}"
