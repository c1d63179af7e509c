"""Floating-point errors are silent, as in JAX: ``log(0)``, ``x / 0`` and overflows give
NumPy's values with no ``RuntimeWarning``, eager or compiled, on the caller's thread or a
block's worker; the caller's NumPy error state is left as it was."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp
from axcomp.core import float_errors

WITH_ZEROS = np.array([-1.0, 0.0, 2.0])


@pytest.fixture(autouse=True)
def _warnings_raise():
    """Any RuntimeWarning fails the test; NumPy's error state is the default one."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with np.errstate(divide="warn", over="warn", invalid="warn", under="ignore"):
            yield


def _expected(fn, *args):
    with np.errstate(all="ignore"):
        return fn(*args)


@pytest.mark.parametrize(
    ("name", "call", "reference"),
    [
        ("log", lambda x: anp.log(x), np.log),
        ("sqrt", lambda x: anp.sqrt(x), np.sqrt),
        ("divide", lambda x: anp.divide(1.0, x), lambda x: np.divide(1.0, x)),
        ("exp overflow", lambda x: anp.exp(x * 1000.0), lambda x: np.exp(x * 1000.0)),
        ("power", lambda x: anp.power(x, -1.0), lambda x: np.power(x, -1.0)),
        (
            "multiply inf",
            lambda x: anp.multiply(anp.divide(x, 0.0), 0.0),
            lambda x: (x / 0.0) * 0.0,
        ),
        ("arccos", lambda x: anp.arccos(x * 2.0), lambda x: np.arccos(x * 2.0)),
        ("operator", lambda x: anp.asarray(x) / 0.0, lambda x: x / 0.0),
        ("method", lambda x: (anp.asarray(x) ** -1).sum(), lambda x: (x**-1).sum()),
        ("var", lambda x: anp.var(anp.asarray(x) / 0.0), lambda x: np.var(x / 0.0)),
    ],
)
def test_eager_functions_compute_silently(name, call, reference):
    np.testing.assert_array_equal(np.asarray(call(WITH_ZEROS)), _expected(reference, WITH_ZEROS))


def test_compiled_programs_compute_silently():
    def kernel(x):
        return anp.log(x) * 0.0 + anp.sqrt(x) / x

    expected = _expected(lambda x: np.log(x) * 0.0 + np.sqrt(x) / x, WITH_ZEROS)
    np.testing.assert_array_equal(ax.jit(kernel)(WITH_ZEROS), expected)
    np.testing.assert_array_equal(ax.vmap(kernel)(WITH_ZEROS), expected)
    both = ax.jit(lambda x: (anp.log(x), x / 0.0))(WITH_ZEROS)  # a tuple of outputs
    np.testing.assert_array_equal(both[1], _expected(lambda x: x / 0.0, WITH_ZEROS))


def test_the_gradient_through_a_guarded_log_is_nan_silently():
    # JAX's sharp bit: where() selects the value, yet the unselected branch's gradient
    # (1/x at 0, times 0) is NaN; JAX computes it and prints nothing
    def f(x):
        return anp.sum(anp.where(x > 0, anp.log(x), 0.0))

    got = ax.grad(f)(np.array([0.0, 2.0]))
    np.testing.assert_array_equal(got, [np.nan, 0.5])
    np.testing.assert_array_equal(ax.jit(ax.grad(f))(np.array([0.0, 2.0])), [np.nan, 0.5])


def test_blocks_on_worker_threads_compute_silently():
    def kernel(a, b):
        return anp.sum(anp.log(anp.abs(a - b)))

    f = ax.jit(ax.vmap(ax.vmap(kernel, in_axes=(None, 0)), in_axes=(0, None)))
    A = np.zeros((64, 32))
    A[1::2] = 1.0
    B = np.zeros((48, 32))  # log(0) = -inf on every even row
    chunked = ax.jit(
        ax.vmap(ax.vmap(kernel, in_axes=(None, 0)), in_axes=(0, None)),
        memory_limit="64KiB",
        threads=2,
    )
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")  # a worker's warning is recorded, not raised
        got = chunked(A, B)
    assert chunked.lower(A, B).chunks is not None
    assert [w for w in seen if issubclass(w.category, RuntimeWarning)] == []
    np.testing.assert_array_equal(got, f(A, B))
    assert np.isneginf(got[0]).all() and (got[1] == 0.0).all()


def test_the_callers_error_state_is_left_as_it_was():
    f = ax.jit(lambda x: anp.log(x))
    with np.errstate(all="raise"):
        before = np.geterr()
        np.testing.assert_array_equal(f(WITH_ZEROS), _expected(np.log, WITH_ZEROS))
        np.testing.assert_array_equal(anp.log(WITH_ZEROS), _expected(np.log, WITH_ZEROS))
        assert np.geterr() == before
        with pytest.raises(FloatingPointError):
            np.log(WITH_ZEROS)  # the user's own NumPy call keeps the user's state


def test_numpy_functions_given_an_axcomp_array_warn_as_numpy_does():
    # NumPy's own np.log given a JAX array warns too (it converts the array first)
    with pytest.raises(RuntimeWarning, match="divide by zero"):
        np.log(anp.asarray(WITH_ZEROS))


def test_a_callback_sees_the_quiet_state_made_from_the_callers():
    seen = []

    def look(x):
        seen.append((np.geterr()["divide"], np.getbufsize()))

    def f(x):
        ax.debug.callback(look, x)
        return x + 1.0

    old = np.getbufsize()
    np.setbufsize(16384)
    try:
        ax.jit(f)(WITH_ZEROS)
    finally:
        np.setbufsize(old)
    assert seen == [("ignore", 16384)]


def test_nested_silencing_adds_no_state_and_unwinds():
    outer = float_errors.quiet()
    try:
        inner = float_errors.quiet()
        assert np.geterr()["invalid"] == "ignore"
        float_errors.restore(inner)
        assert np.geterr()["invalid"] == "ignore"
    finally:
        float_errors.restore(outer)
    assert np.geterr()["invalid"] == "warn"
    assert float_errors.silently(lambda: np.geterr()["over"])() == "ignore"
    assert np.geterr()["over"] == "warn"
