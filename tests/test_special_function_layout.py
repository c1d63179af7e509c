"""Where the special functions live: ``jax.lax``'s in ``axcomp/lax/special.py`` (with the
approximations both namespaces share in ``lax/special_approximations.py``), ``jax.scipy.special``
in the family modules of ``axcomp/scipy/special/``; each public name is defined once, and the
namespaces expose exactly those definitions."""

from __future__ import annotations

import math
import sys
import types
from pathlib import Path

import numpy as np

import axcomp as ax
import axcomp.lax as alax
import axcomp.scipy.special as sp
from axcomp.lax import special as lax_special
from axcomp.scipy.special import (
    bessel,
    dilogarithm,
    distributions,
    entropy,
    error_functions,
    exponential_integrals,
    faddeeva,
    gamma_functions,
    hypergeometric,
    log_products,
    reductions,
    softmax_functions,
    spherical_harmonics,
    trigonometric_integrals,
)

FAMILIES = (
    gamma_functions,
    error_functions,
    bessel,
    entropy,
    softmax_functions,
    log_products,
    exponential_integrals,
    dilogarithm,
    faddeeva,
    trigonometric_integrals,
    hypergeometric,
    spherical_harmonics,
)
STAGED_MODULES = (distributions, reductions)
PRIMITIVES = Path(ax.__file__).resolve().parent / "primitives"


def _staged_in(namespace: types.ModuleType) -> dict[str, str]:
    """Public name -> the module that wrote the staged function (``staged_export``)."""
    return {
        name: getattr(namespace, name).traced.__module__
        for name in namespace.__all__
        if hasattr(getattr(namespace, name), "traced")
    }


def test_each_scipy_special_name_is_defined_once() -> None:
    homes = {m.__name__ for m in (*FAMILIES, *STAGED_MODULES)}
    written = _staged_in(sp)
    assert set(written.values()) == homes  # every family module contributes, no other
    for name, home in written.items():
        module = sys.modules[home]
        # staged where written: the module holds the public object itself (under its
        # public name, or a ``special_`` name where it would shadow a lax import)
        assert getattr(sp, name) in vars(module).values(), name
        assert getattr(sp, name).__name__ == name
    assert sorted(written) == sp.__all__  # every public name is a staged function


def test_lax_special_functions_are_staged_from_their_module() -> None:
    written = _staged_in(alax)
    for name in ("lgamma", "digamma", "erf", "erfc", "erf_inv", "igamma", "betainc"):
        assert written[name] == "axcomp.lax.special"
        assert getattr(alax, name) in vars(lax_special).values()
    x = np.array([0.3, 1.7, 4.0])
    np.testing.assert_allclose(alax.lgamma(x), [math.lgamma(v) for v in x], rtol=1e-13)
    # P(1, x) = 1 - exp(-x)
    np.testing.assert_allclose(alax.igamma(np.ones(3), x), -np.expm1(-x), rtol=1e-12)


def test_no_special_function_module_is_left_in_primitives() -> None:
    left = {p.name for p in PRIMITIVES.glob("*.py") if "special" in p.name}
    assert not left
    for path in PRIMITIVES.glob("*.py"):
        assert "def erf" not in path.read_text() and "def gammaln" not in path.read_text()


def test_moved_functions_keep_their_values_and_derivatives() -> None:
    x = np.array([0.2, 0.9, 2.5])
    # i0e(x) = exp(-|x|) sum (x/2)^2k / (k!)^2
    i0 = [sum((v / 2) ** (2 * k) / math.factorial(k) ** 2 for k in range(40)) for v in x]
    np.testing.assert_allclose(sp.i0e(x), np.exp(-x) * i0, rtol=1e-13)
    p = x / 3
    # erf_inv computes its central and tail branches everywhere and selects (sqrt of a
    # negative in the branch not taken)
    with np.errstate(invalid="ignore"):
        z = sp.ndtri(p)
        inverse = sp.erfinv(p)
        g = ax.vmap(ax.grad(sp.erfinv))(p)
    np.testing.assert_allclose([0.5 * math.erfc(-v / math.sqrt(2)) for v in z], p, rtol=1e-13)
    np.testing.assert_allclose(sp.gammaincc(np.ones(3), x), np.exp(-x), rtol=1e-12)
    np.testing.assert_allclose(sp.entr(x), -x * np.log(x), rtol=1e-14)
    # d/dy erfinv(y) = sqrt(pi) / 2 * exp(erfinv(y) ** 2), a closed form (not the loop's)
    np.testing.assert_allclose(g, np.sqrt(np.pi) / 2 * np.exp(inverse**2), rtol=1e-12)
