"""The special functions of ``jax.lax`` (``lgamma``, ``digamma``, ``erf``, ``erfc``,
``erf_inv``, ``bessel_i0e``/``bessel_i1e``, ``igamma``/``igammac``/``igamma_grad_a``,
``betainc``): compositions of primitives with ``jax.lax``'s operand checks, each carrying
JAX's closed-form derivative (``custom_rule.ruled``) rather than the derivative of its
approximation. Each is staged where it is written (``@staged_export``).

* ``erf_inv``: Giles' single-precision approximation (the one XLA uses for float32);
  float64 starts from it (or, far in the tails, from the asymptotic inversion of
  ``erfc``) and takes two Halley steps on ``erf``/``erfc``; ``ndtri`` shares that path.
* ``bessel_i0e``/``bessel_i1e``: Chebyshev interpolants of ``I0``/``I1`` (scaled) on
  [0, 8] and of ``sqrt(x) I(x) exp(-x)`` in ``1/x`` above 8, computed offline.
* ``igamma``/``igammac``: the power series below ``max(1, a)`` and the continued fraction
  above (Cephes' split), each a ``while_loop`` that stops when every element has
  converged (2000 steps at most); ``igamma_grad_a`` carries the derivative in ``a``
  through the same recurrences.
* ``betainc``: the continued fraction of DLMF 8.17.22 by the Lentz-Thompson-Barnett
  method (at most 200 steps in float32, 600 in float64, as JAX), with the symmetry
  ``I_x(a, b) = 1 - I_{1-x}(b, a)`` above ``(a + 1) / (a + b + 2)``.
* ``lgamma``/``digamma`` and the prefactors ``x**a e**-x / Gamma(a)`` and
  ``x**a (1 - x)**b / (a B(a, b))`` are computed in float64 for every input dtype:
  their logarithms cancel large terms.

A new special function with a derivative is one definition here (or in the
``scipy.special`` module of its family) plus its tests: compute the value and pass the
derivative's factors to ``_ruled``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, cast

import numpy as np

from ..errors import GradError
from ..primitives.contraction import multiply
from ..primitives.control import while_loop
from ..primitives.elementwise import elementwise
from ..primitives.gradients import stop_gradient
from ..primitives.reductions import reduce
from ..primitives.shape import astype
from ..tracing.build import Value
from ..tracing.tracer import Tracer
from ..transforms.jit import staged_export
from .custom_rule import Rule
from .custom_rule import ruled as _ruled
from .operands import back as _back
from .operands import eps as _eps
from .operands import lax_operands as _operands
from .operands import like as _like
from .operands import upcast as _upcast
from .special_approximations import digamma, erf, erfc, gammaln


def _e(fn: str, *args: Any) -> Tracer:
    return elementwise(fn, *args)


def _float_op(name: str, x: Value) -> Tracer:
    (t,) = _operands(name, (x,), "f")
    return t


def _in_float64(fn: Callable[[Tracer], Tracer]) -> Callable[[Tracer], Tracer]:
    """``fn`` evaluated in float64 and rounded back: the recurrences of ``gammaln`` and
    ``digamma`` cancel large terms near their zeros, which float32 cannot afford."""

    def wrapped(t: Tracer) -> Tracer:
        return _back(fn(astype(t, np.float64)), t.dtype)

    return wrapped


@staged_export
def lgamma(x: Value) -> Tracer:
    """``jax.lax.lgamma``: ``log|Gamma(x)|``; its derivative is ``digamma``."""
    t = _float_op("lgamma", x)
    rule = lambda k, xs, z: [_in_float64(digamma)(xs[0])]  # noqa: E731
    return _ruled("lgamma", _in_float64(gammaln), [t], rule)


@staged_export("digamma")
def lax_digamma(x: Value) -> Tracer:
    """``jax.lax.digamma``: the logarithmic derivative of Gamma (nan at the poles)."""
    return _in_float64(digamma)(_float_op("digamma", x))


_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _gauss(x: Tracer, scale: float) -> list[Any]:
    return [scale, _e("exp", _e("negative", multiply(x, x)))]


@staged_export("erf")
def lax_erf(x: Value) -> Tracer:
    """``jax.lax.erf``; its derivative is ``2 / sqrt(pi) exp(-x**2)``."""
    t = _float_op("erf", x)
    return _ruled("erf", erf, [t], lambda k, xs, z: _gauss(xs[0], _TWO_OVER_SQRT_PI))


@staged_export("erfc")
def lax_erfc(x: Value) -> Tracer:
    """``jax.lax.erfc``: ``1 - erf(x)``, accurate in the right tail."""
    t = _float_op("erfc", x)
    return _ruled("erfc", erfc, [t], lambda k, xs, z: _gauss(xs[0], -_TWO_OVER_SQRT_PI))


# Giles, "Approximating the erfinv function" (GPU Computing Gems, 2011): single precision
_ERFINV_CENTRAL = (
    2.81022636e-08,
    3.43273939e-07,
    -3.5233877e-06,
    -4.39150654e-06,
    0.00021858087,
    -0.00125372503,
    -0.00417768164,
    0.246640727,
    1.50140941,
)
_ERFINV_TAIL = (
    -0.000200214257,
    0.000100950558,
    0.00134934322,
    -0.00367342844,
    0.00573950773,
    -0.0076224613,
    0.00943887047,
    1.00167406,
    2.83297682,
)


def _horner(coef: Sequence[float], w: Tracer) -> Tracer:
    """sum coef[k] w**(n - k), highest power first."""
    acc: np.ndarray | Tracer = _like(coef[0], w)
    for c in coef[1:]:
        acc = _e("add", multiply(acc, w), _like(c, w))
    return cast(Tracer, acc)  # every table has two or more coefficients


def _giles(w: Tracer) -> Tracer:
    """Giles' erf_inv(x) / x as a function of w = -log(1 - x**2)."""
    small = _e("less", w, _like(5.0, w))
    central = _horner(_ERFINV_CENTRAL, _e("subtract", _e("where", small, w, 2.5), _like(2.5, w)))
    wt = _e("where", small, _like(9.0, w), w)  # finite in the branch not taken
    tail = _horner(_ERFINV_TAIL, _e("subtract", _e("sqrt", wt), _like(3.0, w)))
    return _e("where", small, central, tail)


def _erf_inv(t: Tracer) -> Tracer:
    a, dtype = _upcast(t)
    if a.dtype == np.float64:
        ax = _e("absolute", a)
        return erf_inv64(a, _e("subtract", _like(1.0, a), ax))  # 1 - |x| is exact near 1
    one = _e("equal", _e("absolute", a), _like(1.0, a))
    # +-1 is +-inf: its lanes take 0 below (log1p(-1) and 0 * inf would warn)
    w = _e("negative", _e("log1p", _e("negative", _e("where", one, 0.0, multiply(a, a)))))
    y = multiply(_giles(w), a)
    y = _e("where", one, _e("copysign", _like(math.inf, a), a), y)
    return _back(y, dtype)


def erf_inv64(x: Tracer, q: Tracer) -> Tracer:
    """erf_inv(x) in float64 given ``q = 1 - |x|`` to full relative accuracy (so the tail
    is resolved: ``ndtri`` passes ``2p`` for tiny ``p``). The start is Giles' approximation
    for ``w = -log(q (2 - q)) < 16``, else the asymptotic inversion of
    ``erfc(y) ~ exp(-y**2) / (y sqrt(pi))``; two Halley steps on ``erf(y) = |x|`` finish
    it, the residual taken from ``erfc`` for ``|x| > 1/2`` (where ``q`` is exact)."""
    one = _like(1.0, x)
    ax = _e("absolute", x)
    inside = _e("logical_and", _e("greater", q, _like(0.0, x)), _e("less_equal", q, one))
    qs = _e("where", inside, q, one)  # q = 1 (x = 0) keeps every lane finite
    w = _e("negative", _e("log", multiply(qs, _e("subtract", _like(2.0, x), qs))))
    giles = multiply(_giles(_e("where", _e("less", w, 16.0), w, 1.0)), ax)
    # the asymptotic lanes start from -log(q); the others from 16, so every lane's square
    # root below stays real (no invalid-value warning from a branch not taken)
    big = _e("where", _e("less", w, 16.0), 16.0, _e("negative", _e("log", qs)))
    asym = _e("sqrt", big)
    for _ in range(4):
        inv = _e("true_divide", one, multiply(asym, asym))
        h = multiply(inv, 0.5)  # 1 / (2 y**2)
        corr = _horner((105.0, -15.0, 3.0, -1.0, 0.0), h)
        rest = _e("log1p", corr)  # log(1 - 1/(2y^2) + 3/(4y^4) - ...)
        lhs = _e("add", _e("subtract", big, _e("log", multiply(asym, math.sqrt(math.pi)))), rest)
        asym = _e("sqrt", lhs)
    y = _e("where", _e("less", w, 16.0), giles, asym)
    near = _e("greater", ax, _like(0.5, x))
    refine = _e("less", y, 26.0)  # beyond, exp(y**2) overflows and the start is exact
    for _ in range(2):  # each step cubes the relative error (the starts have ~1e-6)
        ys = _e("where", refine, y, 0.0)
        r = _e("where", near, _e("subtract", qs, erfc(ys)), _e("subtract", erf(ys), ax))
        step = multiply(multiply(r, math.sqrt(math.pi) / 2), _e("exp", multiply(ys, ys)))
        step = _e("true_divide", step, _e("add", one, multiply(step, ys)))
        y = _e("where", refine, _e("subtract", ys, step), y)
    y = _e("copysign", y, x)
    y = _e("where", _e("equal", q, 0.0), _e("copysign", _like(math.inf, x), x), y)
    bad = _e("logical_or", _e("less", q, 0.0), _e("isnan", x))
    return _e("where", _e("logical_or", bad, _e("isnan", q)), _like(math.nan, x), y)


@staged_export
def erf_inv(x: Value) -> Tracer:
    """``jax.lax.erf_inv``: the inverse error function (``+-inf`` at ``+-1``, nan beyond);
    its derivative is ``sqrt(pi) / 2 exp(z**2)``."""
    t = _float_op("erf_inv", x)
    half_sqrt_pi = math.sqrt(math.pi) / 2
    return _ruled(
        "erf_inv", _erf_inv, [t], lambda k, xs, z: [half_sqrt_pi, _e("exp", multiply(z, z))]
    )


# --- modified Bessel functions, exponentially scaled
# Chebyshev interpolants (coefficients of T_0, T_1, ...) computed once offline in 50-digit
# arithmetic (mpmath) at 48 Chebyshev nodes, cut below 1e-18: ``I0(x) exp(-x)`` and
# ``I1(x) exp(-x) / x`` in ``t = x / 4 - 1`` for x in [0, 8], and ``sqrt(x) I(x) exp(-x)``
# in ``t = 16 / x - 1`` for x >= 8.
_I0_INNER = (
    0.33839763720473803,
    -0.3046826723431984,
    0.17162090152220877,
    -0.09490109704804764,
    0.04930528423967071,
    -0.02373741480589947,
    0.010546460394594998,
    -0.004324309995050576,
    0.0016394756169413357,
    -0.0005763755745385824,
    0.00018850288509584165,
    -5.754195010082104e-05,
    1.6448448070728896e-05,
    -4.4167383584587505e-06,
    1.1173875391201037e-06,
    -2.670793853940612e-07,
    6.046995022541919e-08,
    -1.300025009986248e-08,
    2.6598237246823866e-09,
    -5.189795601635263e-10,
    9.675809035373237e-11,
    -1.726826291441556e-11,
    2.95505266312964e-12,
    -4.856446783111929e-13,
    7.676185498604936e-14,
    -1.1685332877993451e-14,
    1.715391285555133e-15,
    -2.431279846547955e-16,
    3.3307945188222384e-17,
    -4.4153416464793395e-18,
)
_I0_OUTER = (
    0.4022452055070544,
    0.0033691164782556943,
    6.889758346916825e-05,
    2.8913705208347567e-06,
    2.0489185894690638e-07,
    2.266668990498178e-08,
    3.3962320257083865e-09,
    4.94060238822497e-10,
    1.1889147107846439e-11,
    -3.1499165279632416e-11,
    -1.3215811840447713e-11,
    -1.7941785315068062e-12,
    7.180124451383666e-13,
    3.8527783827421426e-13,
    1.54008621752141e-14,
    -4.150569347287222e-14,
    -9.554846698828307e-15,
    3.8116806693526224e-15,
    1.7725601330565263e-15,
    -3.425485619677219e-16,
    -2.8276239805165836e-16,
    3.461222867697461e-17,
    4.46562142029676e-17,
    -4.830504485944178e-18,
    -7.23318048787476e-18,
    9.921475412173676e-19,
    1.1936508908460063e-18,
)
_I1_INNER = (
    0.12629359322181682,
    -0.17641651835783406,
    0.1026436586898471,
    -0.05294598120809499,
    0.024726449030626516,
    -0.010564084894626197,
    0.004156422944312888,
    -0.0015135724506312532,
    0.0005122859561685758,
    -0.00016176081582589674,
    4.781565107550054e-05,
    -1.3273163656039436e-05,
    3.4702513081376785e-06,
    -8.568720264695455e-07,
    2.0032947535521353e-07,
    -4.445059128796328e-08,
    9.381537386495773e-09,
    -1.8872497517228294e-09,
    3.625590281552117e-10,
    -6.663489723502027e-11,
    1.1736186298890901e-11,
    -1.9839743977649436e-12,
    3.223793365945575e-13,
    -5.042185504727912e-14,
    7.600684294735408e-15,
    -1.1055969477353862e-15,
    1.5536319577362005e-16,
    -2.111421214358166e-17,
    2.7779141127610464e-18,
)
_I1_OUTER = (
    0.38928811750914005,
    -0.009761097491361469,
    -0.00011058893876262371,
    -3.882564808877691e-06,
    -2.512236237870209e-07,
    -2.6314688468895196e-08,
    -3.835380385964237e-09,
    -5.589743462196584e-10,
    -1.8974958123505413e-11,
    3.2526035830154884e-11,
    1.4125807436613782e-11,
    2.0356285441470896e-12,
    -7.198551776245908e-13,
    -4.0835511110921974e-13,
    -2.1015418427726643e-14,
    4.272440016711951e-14,
    1.0420276984128802e-14,
    -3.8144030724370075e-15,
    -1.8803547755107825e-15,
    3.3082023109209285e-16,
    2.96262899764595e-16,
    -3.209525921993424e-17,
    -4.650305368489358e-17,
    4.414348323071704e-18,
    7.517296310842111e-18,
    -9.314178867326863e-19,
    -1.2421932751949152e-18,
)


def _bessel_tables(order: int, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """The two series of ``order``, cut at the dtype's resolution."""
    cut = 1e-18 if dtype == np.float64 else 1e-9
    pair = (_I0_INNER, _I0_OUTER) if order == 0 else (_I1_INNER, _I1_OUTER)
    tail = [max(k for k, c in enumerate(coef) if abs(c) > cut) for coef in pair]
    return np.array(pair[0][: tail[0] + 1]), np.array(pair[1][: tail[1] + 1])


def _chebyshev(coef: np.ndarray, t: Tracer) -> Tracer:
    """sum_k coef[k] T_k(t) for t in [-1, 1], by Clenshaw's recurrence."""
    b1: Any = _like(0.0, t)
    b2: Any = _like(0.0, t)
    two_t = multiply(_like(2.0, t), t)
    for c in coef[:0:-1]:
        b1, b2 = _e("add", _e("subtract", multiply(two_t, b1), b2), _like(c, t)), b1
    return _e("add", _e("subtract", multiply(t, b1), b2), _like(coef[0], t))


def _bessel_scaled(t: Tracer, order: int) -> Tracer:
    a, dtype = _upcast(t)
    inner, outer = _bessel_tables(order, a.dtype)
    ax = _e("absolute", a)
    small = _e("less_equal", ax, _like(8.0, a))
    xs = _e("where", small, ax, _like(0.0, a))
    near = _chebyshev(inner, _e("subtract", multiply(_like(0.25, a), xs), _like(1.0, a)))
    xl = _e("where", small, _like(8.0, a), ax)
    s = _e("true_divide", _like(1.0, a), xl)
    far = _e(
        "true_divide",
        _chebyshev(outer, _e("subtract", multiply(_like(16.0, a), s), _like(1.0, a))),
        _e("sqrt", xl),
    )
    if order == 1:
        near = multiply(near, ax)
    out = _e("where", small, near, far)
    out = _e("where", _e("isnan", a), a, out)
    if order == 1:
        out = _e("copysign", out, a)
    return _back(out, dtype)


@staged_export
def bessel_i0e(x: Value) -> Tracer:
    """``jax.lax.bessel_i0e``: ``exp(-|x|) I0(x)``; its derivative is
    ``i1e(x) - sign(x) i0e(x)``."""
    t = _float_op("bessel_i0e", x)
    return _ruled(
        "bessel_i0e",
        lambda a: _bessel_scaled(a, 0),
        [t],
        lambda k, xs, z: [_e("subtract", _bessel_scaled(xs[0], 1), multiply(_e("sign", xs[0]), z))],
    )


@staged_export
def bessel_i1e(x: Value) -> Tracer:
    """``jax.lax.bessel_i1e``: ``exp(-|x|) I1(x)``; its derivative is
    ``i0e(x) - i1e(x) (sign(x) + 1 / x)`` (1/2 at tiny x), as in JAX."""
    t = _float_op("bessel_i1e", x)

    def rule(k: int, xs: list[Tracer], z: Tracer) -> list[Any]:
        v = xs[0]
        eps = _like(_eps(v), v)
        big = _e("greater", _e("absolute", v), eps)
        safe = _e("where", big, v, eps)
        inv = _e("true_divide", _like(1.0, v), safe)
        d = _e(
            "subtract",
            _bessel_scaled(safe, 0),
            multiply(z, _e("add", _e("sign", safe), inv)),
        )
        return [_e("where", big, d, _like(0.5, v))]

    return _ruled("bessel_i1e", lambda a: _bessel_scaled(a, 1), [t], rule)


# --- incomplete gamma
_MAX_STEPS = 2000


def _any(mask: Tracer) -> Tracer:
    return reduce("any", mask) if mask.ndim else mask


def _loop(
    enabled: Tracer, state: list[Tracer], step: Callable[..., list[Tracer]], cap: int = _MAX_STEPS
) -> list[Any]:
    """Run ``state = step(*state)`` for each element while it is ``enabled`` (``step``
    returns the new state and, last, whether that element goes on), at most ``cap`` times:
    one ``while_loop`` that stops when every element is done."""

    def cond(carry: tuple[Any, ...]) -> Tracer:
        n, on = carry[0], carry[1]
        return _e("logical_and", _any(on), _e("less", n, cap))

    def body(carry: tuple[Any, ...]) -> tuple[Any, ...]:
        n, on, *old = carry
        *new, more = step(*old)
        kept = [_e("where", on, v, o) for v, o in zip(new, old)]
        return (_e("add", n, 1), _e("logical_and", on, more), *kept)

    out = while_loop(cond, body, (np.int64(0), enabled, *state))
    return list(out[2:])


def _igamma_series(
    a: Tracer, x: Tracer, enabled: Tracer, derivative: bool
) -> tuple[Tracer, Tracer | None]:
    """sum_n x**n / ((a+1)...(a+n)), and with ``derivative`` its derivative in ``a`` (the
    loop then runs until that has converged, as JAX's derivative mode does)."""
    eps = _like(_eps(a), a)
    one = _like(1.0, a)

    def step(r: Tracer, c: Tracer, ans: Tracer, *d: Tracer) -> list[Tracer]:
        r = _e("add", r, one)
        ratio = _e("true_divide", x, r)
        new_c = multiply(c, ratio)
        ans = _e("add", ans, new_c)
        if not derivative:
            return [r, new_c, ans, _e("greater", _e("true_divide", new_c, ans), eps)]
        dc, dans = d
        dc = _e("subtract", multiply(dc, ratio), _e("true_divide", multiply(c, x), multiply(r, r)))
        dans = _e("add", dans, dc)
        more = _e("greater", _e("absolute", _e("true_divide", dc, dans)), eps)
        return [r, new_c, ans, dc, dans, more]

    zeros = multiply(a, _like(0.0, a))
    ones = _e("add", zeros, one)
    state = [a, ones, ones] + ([zeros, zeros] if derivative else [])
    out = _loop(enabled, state, step)
    return out[2], (out[4] if derivative else None)


def _igammac_fraction(
    a: Tracer, x: Tracer, enabled: Tracer, derivative: bool
) -> tuple[Tracer, Tracer | None]:
    """Cephes' continued fraction of ``Q(a, x) / (x**a exp(-x) / Gamma(a))``, and with
    ``derivative`` its derivative in ``a`` (carried through the recurrence, rescaled with
    it; the loop then runs until that has converged)."""
    eps = _like(_eps(a), a)
    one, two = _like(1.0, a), _like(2.0, a)
    big = _like(1.0 / _eps(a), a)
    zero = multiply(_e("add", a, x), _like(0.0, a))
    y = _e("subtract", one, a)
    z = _e("add", _e("add", x, y), one)
    pkm2, qkm2 = _e("add", zero, one), _e("add", zero, x)
    pkm1, qkm1 = _e("add", x, one), multiply(z, x)
    ans = _e("true_divide", pkm1, qkm1)

    def step(*s: Tracer) -> list[Tracer]:
        ans, y, z, c, pkm1, qkm1, pkm2, qkm2, *d = s
        c = _e("add", c, one)
        y = _e("add", y, one)
        z = _e("add", z, two)
        yc = multiply(y, c)
        pk = _e("subtract", multiply(pkm1, z), multiply(pkm2, yc))
        qk = _e("subtract", multiply(qkm1, z), multiply(qkm2, yc))
        nonzero = _e("not_equal", qk, _like(0.0, a))
        qs = _e("where", nonzero, qk, one)
        r = _e("true_divide", pk, qs)
        rs = _e("where", _e("equal", r, 0.0), one, r)
        t = _e("where", nonzero, _e("absolute", _e("true_divide", _e("subtract", ans, r), rs)), one)
        ans = _e("where", nonzero, r, ans)
        rescale = _e("greater", _e("absolute", pk), big)

        def scaled(v: Tracer) -> Tracer:
            return _e("where", rescale, multiply(v, eps), v)

        value = [ans, y, z, c, scaled(pk), scaled(qk), scaled(pkm1), scaled(qkm1)]
        if not derivative:
            return [*value, _e("greater", t, eps)]
        dpkm2, dqkm2, dpkm1, dqkm1, dans = d
        # d/da of the recurrence: dy/da = dz/da = -1, d(yc)/da = -c
        dpk = _e(
            "add",
            _e("subtract", _e("subtract", multiply(dpkm1, z), pkm1), multiply(dpkm2, yc)),
            multiply(pkm2, c),
        )
        dqk = _e(
            "add",
            _e("subtract", _e("subtract", multiply(dqkm1, z), qkm1), multiply(dqkm2, yc)),
            multiply(qkm2, c),
        )
        quotient = _e("true_divide", _e("subtract", dpk, multiply(ans, dqk)), qs)
        dans_new = _e("where", nonzero, quotient, dans)
        dt = _e("where", nonzero, _e("absolute", _e("subtract", dans_new, dans)), one)
        grads = [scaled(dpkm1), scaled(dqkm1), scaled(dpk), scaled(dqk), dans_new]
        return [*value, *grads, _e("greater", dt, eps)]

    state = [ans, y, z, zero, pkm1, qkm1, pkm2, qkm2]
    if derivative:
        dqkm1 = _e("negative", _e("add", zero, x))
        dans = _e("true_divide", multiply(_e("negative", ans), dqkm1), qkm1)
        state += [zero, zero, zero, dqkm1, dans]
    out = _loop(enabled, state, step)
    return out[0], (out[12] if derivative else None)


def _igamma_parts(a: Tracer, x: Tracer, upper: bool, derivative: bool) -> dict[str, Tracer]:
    """The masks and branch values ``igamma``, ``igammac`` and (``derivative``)
    ``igamma_grad_a`` are assembled from, by name."""
    zero, one = _like(0.0, a), _like(1.0, a)
    nan = _e("logical_or", _e("isnan", a), _e("isnan", x))
    x_zero, a_zero = _e("equal", x, zero), _e("equal", a, zero)
    x_inf = _e("equal", x, _like(math.inf, x))
    domain = _e(
        "logical_or",
        _e("logical_or", _e("less", x, zero), _e("less", a, zero)),
        _e("logical_or", _e("logical_and", a_zero, x_zero), nan),
    )
    a_inf = _e("equal", a, _like(math.inf, a))
    # igamma takes the fraction for x >= 1 and x > a, igammac for x >= 1 and x >= a
    cmp = "greater_equal" if upper else "greater"
    use_fraction = _e("logical_and", _e("greater_equal", x, one), _e(cmp, x, a))
    # safe operands: every lane of both branches stays finite
    special = _e("logical_or", _e("logical_or", domain, x_zero), _e("logical_or", x_inf, a_zero))
    ok = _e("logical_not", _e("logical_or", special, a_inf))
    sa = _e("where", ok, a, one)
    sx = _e("where", ok, x, one)
    log_x = _e("log", sx)
    # x**a exp(-x) / Gamma(a) in float64: its logarithm cancels large terms
    wa, wx = astype(sa, np.float64), astype(sx, np.float64)
    log_ax = _e("subtract", _e("subtract", multiply(wa, _e("log", wx)), wx), gammaln(wa))
    under = _e("less", log_ax, -math.log(float(np.finfo(a.dtype).max)))
    ok = _e("logical_and", ok, _e("logical_not", under))
    ax = astype(_e("exp", log_ax), a.dtype)
    on_series = _e("logical_and", ok, _e("logical_not", use_fraction))
    series, d_series = _igamma_series(sa, sx, on_series, derivative)
    frac, d_frac = _igammac_fraction(sa, sx, _e("logical_and", ok, use_fraction), derivative)
    parts = {
        "nan": domain,
        "x_zero": x_zero,
        "a_zero": a_zero,
        "a_inf": a_inf,
        "x_inf": x_inf,
        "x_small": _e("less", x, one),
        "under": _e("logical_and", under, _e("logical_not", domain)),
        "use_fraction": use_fraction,
        # x**a e**-x / Gamma(a + 1) times the series; x**a e**-x / Gamma(a) times the fraction
        "p_series": _e("true_divide", multiply(series, ax), sa),
        "q_frac": multiply(frac, ax),
    }
    if d_series is not None and d_frac is not None:
        dlog = _e("subtract", log_x, digamma(_e("add", sa, one)))
        parts["dp_series"] = _e(
            "true_divide", multiply(ax, _e("add", multiply(series, dlog), d_series)), sa
        )
        dlog = _e("subtract", log_x, digamma(sa))
        parts["dq_frac"] = multiply(ax, _e("add", multiply(frac, dlog), d_frac))
    return parts


def _igamma_value(a: Tracer, x: Tracer, upper: bool) -> Tracer:
    """P(a, x), or Q(a, x) when ``upper``, with JAX's values at the edges: P(0, x) is 1
    from the fraction's side (x >= 1) and nan from the series' side, P(inf, x) is 0 below
    x = 1 and nan above (1 at x = inf)."""
    a, dtype = _upcast(a)
    x = astype(x, a.dtype)
    s = _igamma_parts(a, x, upper, derivative=False)
    zero, one, nan = _like(0.0, a), _like(1.0, a), _like(math.nan, a)
    if upper:
        out = _e("where", s["use_fraction"], s["q_frac"], _e("subtract", one, s["p_series"]))
    else:
        out = _e("where", s["use_fraction"], _e("subtract", one, s["q_frac"]), s["p_series"])
    # rounding can step just outside [0, 1] (1 - P for a tiny a, say)
    out = _e("minimum", _e("maximum", out, zero), one)
    lo, hi = (one, zero) if upper else (zero, one)
    # underflow of x**a e**-x: the series side is ~0 (P) and the fraction side ~0 (Q)
    out = _e("where", s["under"], _e("where", s["use_fraction"], hi, lo), out)
    out = _e("where", s["x_zero"], lo, out)
    out = _e("where", s["x_inf"], hi, out)
    at_zero = zero if upper else _e("where", s["use_fraction"], one, nan)
    out = _e("where", s["a_zero"], at_zero, out)
    at_inf = _e("where", s["x_inf"], hi, _e("where", s["x_small"], lo, nan))
    out = _e("where", s["a_inf"], at_inf, out)
    out = _e("where", s["nan"], nan, out)
    return _back(out, dtype)


def _igamma_grad_a(a: Tracer, x: Tracer) -> Tracer:
    """d/da P(a, x): nan for a <= 0 and at x = inf (a finite), 0 at x = 0, as in JAX."""
    a, dtype = _upcast(a)
    x = astype(x, a.dtype)
    s = _igamma_parts(a, x, upper=False, derivative=True)
    zero, nan = _like(0.0, a), _like(math.nan, a)
    out = _e("where", s["use_fraction"], _e("negative", s["dq_frac"]), s["dp_series"])
    out = _e("where", s["under"], zero, out)
    out = _e("where", _e("logical_or", s["x_inf"], s["a_inf"]), nan, out)
    out = _e("where", s["x_zero"], zero, out)
    bad = _e("logical_or", s["nan"], _e("logical_or", s["a_zero"], _e("less", a, zero)))
    out = _e("where", bad, nan, out)
    return _back(out, dtype)


def _igamma_dx(a: Tracer, x: Tracer) -> Tracer:
    """d/dx P(a, x) = x**(a - 1) exp(-x) / Gamma(a)."""
    return _e(
        "exp",
        _e(
            "subtract",
            _e("subtract", multiply(_e("subtract", a, 1.0), _e("log", x)), x),
            gammaln(a),
        ),
    )


def _igamma_rule(sign: float) -> Rule:
    def rule(k: int, xs: list[Tracer], z: Tracer) -> list[Any]:
        a, x = xs
        return [sign, _igamma_grad_a(a, x) if k == 0 else _igamma_dx(a, x)]

    return rule


@staged_export
def igamma(a: Value, x: Value) -> Tracer:
    """``jax.lax.igamma``: the regularized lower incomplete gamma ``P(a, x)``."""
    ta, tx = _operands("igamma", (a, x), "f")
    return _ruled("igamma", lambda u, v: _igamma_value(u, v, False), [ta, tx], _igamma_rule(1.0))


@staged_export
def igammac(a: Value, x: Value) -> Tracer:
    """``jax.lax.igammac``: the regularized upper incomplete gamma ``Q(a, x) = 1 - P``."""
    ta, tx = _operands("igammac", (a, x), "f")
    return _ruled("igammac", lambda u, v: _igamma_value(u, v, True), [ta, tx], _igamma_rule(-1.0))


@staged_export
def igamma_grad_a(a: Value, x: Value) -> Tracer:
    """``jax.lax.igamma_grad_a``: ``d/da P(a, x)`` (not differentiable itself here)."""
    ta, tx = _operands("igamma_grad_a", (a, x), "f")
    return _igamma_grad_a(stop_gradient(ta), stop_gradient(tx))


# --- incomplete beta
def _betainc_value(a: Tracer, b: Tracer, x: Tracer) -> Tracer:
    a, dtype = _upcast(a)
    b, x = astype(b, a.dtype), astype(x, a.dtype)
    zero, one, two = _like(0.0, a), _like(1.0, a), _like(2.0, a)
    inf = _like(math.inf, a)
    nan = _e("logical_or", _e("logical_or", _e("isnan", a), _e("isnan", b)), _e("isnan", x))
    a_zero = _e("logical_or", _e("equal", a, zero), _e("equal", b, inf))
    b_zero = _e("logical_or", _e("equal", b, zero), _e("equal", a, inf))
    x_zero, x_one = _e("equal", x, zero), _e("equal", x, one)
    is_zero = _e(
        "logical_or",
        _e("logical_and", b_zero, _e("logical_not", x_one)),
        _e("logical_and", a_zero, x_zero),
    )
    is_one = _e(
        "logical_or",
        _e("logical_and", a_zero, _e("logical_not", x_zero)),
        _e("logical_and", b_zero, x_one),
    )
    bad = _e(
        "logical_or",
        _e("logical_or", _e("less", a, zero), _e("less", b, zero)),
        _e("logical_or", _e("less", x, zero), _e("greater", x, one)),
    )
    bad = _e("logical_or", bad, _e("logical_or", _e("logical_and", a_zero, b_zero), nan))
    special = _e("logical_or", _e("logical_or", is_zero, is_one), bad)
    # safe operands for the lanes the special cases decide
    inner = _e("logical_and", _e("greater", x, zero), _e("less", x, one))
    ok = _e("logical_and", _e("logical_not", special), inner)
    a = _e("where", ok, a, one)
    b = _e("where", ok, b, one)
    x = _e("where", ok, x, _like(0.5, a))
    direct = _e("less", x, _e("true_divide", _e("add", a, one), _e("add", _e("add", a, b), two)))
    a, b = _e("where", direct, a, b), _e("where", direct, b, a)
    x = _e("where", direct, x, _e("subtract", one, x))
    fraction = _betainc_fraction(a, b, x, ok)
    # x**a (1 - x)**b / (a B(a, b)) in float64: its logarithm cancels large terms
    wa, wb, wx = (astype(v, np.float64) for v in (a, b, x))
    lbeta_small = _e("subtract", gammaln(wb), gammaln(_e("add", wa, wb)))
    log_beta = _e("add", gammaln(wa), lbeta_small)
    log_tail = multiply(_e("log1p", _e("negative", wx)), wb)
    log_front = _e("subtract", _e("add", multiply(_e("log", wx), wa), log_tail), log_beta)
    # a * Gamma(a) -> 1 as a -> 0: for tiny a the 1 / a is folded into the beta function
    tiny = _e("less", a, _like(2 * float(np.finfo(a.dtype).tiny), a))
    small_front = _e("exp", _e("subtract", log_tail, lbeta_small))
    front = _e("true_divide", _e("exp", log_front), wa)
    result = multiply(fraction, astype(_e("where", tiny, small_front, front), a.dtype))
    result = _e("where", direct, result, _e("subtract", one, result))
    result = _e("minimum", _e("maximum", result, zero), one)  # rounding past 0 or 1
    result = _e("where", is_zero, zero, result)
    result = _e("where", is_one, one, result)
    result = _e("where", bad, _like(math.nan, a), result)
    # the ends of the interval, in the lanes no special case decided
    result = _e("where", _e("logical_and", _e("logical_not", special), x_zero), zero, result)
    result = _e("where", _e("logical_and", _e("logical_not", special), x_one), one, result)
    return _back(result, dtype)


def _betainc_fraction(a: Tracer, b: Tracer, x: Tracer, enabled: Tracer) -> Tracer:
    """The continued fraction 1 / (1 + d1 / (1 + d2 / (1 + ...))) of DLMF 8.17.22 by
    Lentz's method: h = 1 + d1 / ..., evaluated as the products of c/d ratios."""
    tiny = _like(_eps(a) / 2, a)
    one, two = _like(1.0, a), _like(2.0, a)
    steps = 200 if a.dtype == np.float32 else 600

    def numerator(m: Tracer, odd: bool) -> Tracer:
        # d_{2m+1} = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)),
        # d_{2m} = m (b - m) x / ((a + 2m - 1)(a + 2m))
        a2m = _e("add", a, multiply(two, m))
        if odd:
            top = multiply(multiply(_e("add", a, m), _e("add", _e("add", a, b), m)), x)
            return _e("negative", _e("true_divide", top, multiply(a2m, _e("add", a2m, one))))
        top = multiply(multiply(m, _e("subtract", b, m)), x)
        return _e("true_divide", top, multiply(_e("subtract", a2m, one), a2m))

    def clip(v: Tracer) -> Tracer:
        return _e("where", _e("less", _e("absolute", v), tiny), tiny, v)

    def lentz(c: Tracer, d: Tracer, h: Tracer, coef: Tracer) -> tuple[Tracer, Tracer, Tracer]:
        c = clip(_e("add", one, _e("true_divide", coef, c)))
        d = _e("true_divide", one, clip(_e("add", one, multiply(coef, d))))
        delta = multiply(c, d)
        return c, d, multiply(h, delta)

    def step(m: Tracer, c: Tracer, d: Tracer, h: Tracer) -> list[Tracer]:
        # two terms a step: the odd one of index 2m + 1, then the even one of 2m + 2
        c, d, h = lentz(c, d, h, numerator(m, odd=True))
        m1 = _e("add", m, one)
        c2, d2, h2 = lentz(c, d, h, numerator(m1, odd=False))
        more = _e(
            "greater_equal", _e("absolute", _e("subtract", _e("true_divide", h2, h), one)), tiny
        )
        return [m1, c2, d2, h2, more]

    zero = multiply(x, _like(0.0, a))
    one_full = _e("add", zero, one)
    # h_0 = 1 (the leading 1 of the fraction's 1 / (1 + ...)), c_0 = 1, d_0 = 0
    state = [zero, one_full, zero, one_full]

    out = _loop(enabled, state, step, steps // 2)
    return _e("true_divide", one, out[3])


def _betainc_rule(k: int, xs: list[Tracer], z: Tracer) -> list[Any]:
    a, b, x = xs
    if k < 2:
        raise GradError("Betainc gradient with respect to a and b not supported.")
    log_beta = _e("subtract", _e("add", gammaln(a), gammaln(b)), gammaln(_e("add", a, b)))
    return [
        _e(
            "exp",
            _e(
                "subtract",
                _e(
                    "add",
                    multiply(_e("subtract", b, 1.0), _e("log1p", _e("negative", x))),
                    multiply(_e("subtract", a, 1.0), _e("log", x)),
                ),
                log_beta,
            ),
        )
    ]


@staged_export
def betainc(a: Value, b: Value, x: Value) -> Tracer:
    """``jax.lax.betainc``: the regularized incomplete beta function ``I_x(a, b)``;
    differentiable in ``x`` only, as in JAX."""
    ta, tb, tx = _operands("betainc", (a, b, x), "f")
    return _ruled("betainc", _betainc_value, [ta, tb, tx], _betainc_rule)
