"""The elementwise-function records (core/elementwise_functions.py) are the only table:
``axcomp.numpy``, ``axcomp.lax``, the Array API emitter and the DSL prelude expose every
record as it says, and a new record is a working function (value and derivative) in all
four without another edit."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import axcomp as ax
import axcomp.lax as alax
import axcomp.numpy as anp
from axcomp.backends import array_api
from axcomp.core.elementwise_functions import (
    RECORDS,
    REGISTRY,
    ZERO_DERIVATIVE,
    ElementwiseFunction,
)
from axcomp.dsl import prelude
from axcomp.lax import elementwise as lax_elementwise
from axcomp.numpy import ufuncs

PACKAGE = Path(ax.__file__).resolve().parent


@pytest.mark.parametrize("rec", RECORDS, ids=lambda r: r.name)
def test_every_record_is_exposed_as_it_says(rec: ElementwiseFunction) -> None:
    for name in rec.numpy:
        fn = getattr(anp, name)
        assert fn is ufuncs.FUNCTIONS[name]
        # the record's line, then (numpy/docstrings.py) the link to JAX's page for the name
        first, _, rest = fn.__doc__.partition("\n")
        assert first == f"Elementwise ``numpy.{rec.name}``; traced inside kernels."
        assert f"_autosummary/jax.numpy.{name}.html" in rest
    if rec.lax is not None:
        assert rec.lax in alax.__all__
        assert getattr(alax, rec.lax).__name__ == rec.lax
    if isinstance(rec.array_api, str):
        assert callable(getattr(pytest.importorskip("array_api_strict"), rec.array_api))
    elif rec.array_api is None:
        assert array_api.REFUSED[rec.name] == rec.array_api_refusal
    for name in rec.dsl:
        f = prelude.API_FUNCTIONS[name]
        assert (f.namespace, f.attr, f.arity) == ("numpy", rec.name, rec.arity)
        assert f.differentiable == rec.differentiable
    if rec.dsl_core is not None:
        assert prelude.UFUNCS[rec.dsl_core] == rec.name
        assert prelude.CORE_FUNCTIONS[rec.dsl_core] == rec.arity


def test_names_are_recorded_once_and_differentiability_follows_the_derivative() -> None:
    assert len({r.name for r in RECORDS}) == len(RECORDS)
    assert all(REGISTRY[r.name] is r for r in RECORDS)
    assert REGISTRY["divide"] is REGISTRY["true_divide"]
    assert not REGISTRY["floor"].differentiable and REGISTRY["floor"].derivative is ZERO_DERIVATIVE
    assert not REGISTRY["isnan"].differentiable and REGISTRY["isnan"].derivative is None
    assert REGISTRY["sin"].differentiable


def test_a_record_needs_a_spelling_or_a_refusal() -> None:
    with pytest.raises(ValueError, match="Array API"):
        ElementwiseFunction("fabs", 1, None)
    with pytest.raises(ValueError, match="Array API"):
        ElementwiseFunction("fabs", 1, None, array_api="abs", array_api_refusal="no")


def test_no_parallel_table_of_elementwise_names_remains() -> None:
    # the names of the tables the records replaced, in the modules that held them
    old = {
        "primitives/elementwise.py": r"_DERIVATIVES\b|\"exp2 log log2",
        "numpy/__init__.py": r"_UNARY_BINARY|_ALIASES\b",
        "lax/elementwise.py": r"_UNARY\b|_BINARY\b|\(\"neg\", \"negative\"",
        "backends/array_api.py": r"_SCALED\b|\"arcsin\": \"asin\"|\"no cbrt",
        "dsl/prelude.py": r"\"arcsin\": _np|\"exp\": \"exp\"",
    }
    for path, pattern in old.items():
        assert not re.search(pattern, (PACKAGE / path).read_text()), path


def _fabs() -> ElementwiseFunction:
    # np.fabs, which no record has: |x| with JAX's abs convention at 0
    return ElementwiseFunction(
        "fabs",
        1,
        lambda d, k, xs, z, s: [d.where(d.greater_equal(xs[0], 0), d.typed(1.0, z), -1.0)],
        kinds="f",
        array_api="abs",
        numpy=("fabs",),
        lax="fabs",
        dsl=("fabs",),
    )


def test_a_new_record_is_a_function_with_a_derivative_everywhere(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert "fabs" not in REGISTRY
    rec = _fabs()
    monkeypatch.setitem(REGISTRY, "fabs", rec)
    x = np.array([-2.0, -0.5, 0.0, 1.5, 3.0])
    want_grad = np.where(x >= 0, 1.0, -1.0)

    fabs = ufuncs.generate([rec])["fabs"]
    np.testing.assert_array_equal(fabs(x), np.fabs(x))  # eager: NumPy itself
    np.testing.assert_array_equal(ax.vmap(fabs)(x), np.fabs(x))
    np.testing.assert_array_equal(ax.vmap(ax.grad(fabs))(x), want_grad)
    _, tangent = ax.jvp(lambda a: ax.vmap(fabs)(a), (x,), (np.full_like(x, 2.0),))
    np.testing.assert_array_equal(tangent, 2.0 * want_grad)

    lax_fabs = lax_elementwise.generate([rec])["fabs"]
    np.testing.assert_array_equal(ax.vmap(lax_fabs)(x), np.fabs(x))
    with pytest.raises(TypeError, match="fabs does not accept dtype int64"):
        ax.vmap(lax_fabs)(np.arange(3))

    xp = pytest.importorskip("array_api_strict")
    got = ax.vmap(ax.grad(lambda a: fabs(a) * 3.0))(xp.asarray(x))
    assert isinstance(got, type(xp.asarray(0.0)))
    np.testing.assert_array_equal(np.asarray(got), 3.0 * want_grad)

    assert prelude.record_functions([rec]) == {"fabs": prelude.ApiFunction(1, "numpy", "fabs")}


def test_lax_cbrt_runs_on_the_array_api_path_with_its_derivative() -> None:
    xp = pytest.importorskip("array_api_strict")
    x = np.array([-27.0, -2.0, -0.125, 0.5, 1.0, 8.0, 1e6])
    value = ax.vmap(alax.cbrt)(xp.asarray(x))
    np.testing.assert_allclose(np.asarray(value), np.cbrt(x), rtol=4e-16)
    grad = ax.vmap(ax.grad(alax.cbrt))(xp.asarray(x))
    np.testing.assert_allclose(np.asarray(grad), 1.0 / (3.0 * np.cbrt(x) ** 2), rtol=1e-15)
    x32 = x.astype(np.float32)
    value32 = ax.vmap(alax.cbrt)(xp.asarray(x32))
    assert str(value32.dtype).endswith("float32")
    np.testing.assert_allclose(np.asarray(value32), np.cbrt(x32), rtol=2e-7)
