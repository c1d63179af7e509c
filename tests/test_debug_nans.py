"""``jax_debug_nans`` / ``jax_debug_infs``: results holding a NaN (an infinity) raise
JAX's ``FloatingPointError``, naming the operation; outputs only, as in JAX."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp
from axcomp.errors import AxcompError


@pytest.fixture
def nans() -> Iterator[None]:
    ax.config.update("jax_debug_nans", True)
    yield
    ax.config.update("jax_debug_nans", False)


def test_off_by_default_nans_are_values() -> None:
    assert ax.config.jax_debug_nans is False and ax.config.checking_values is False
    assert np.isnan(anp.log(anp.asarray(-1.0)))
    assert np.isnan(ax.jit(anp.log)(np.array(-1.0)))


@pytest.mark.usefixtures("nans")
def test_eager_functions_and_operators_name_the_operation() -> None:
    with pytest.raises(FloatingPointError, match=r"invalid value \(nan\) encountered in log"):
        anp.log(anp.asarray(-1.0))
    x = anp.asarray([0.0, 1.0])
    with pytest.raises(FloatingPointError, match="encountered in true_divide") as info:
        _ = x / x
    assert isinstance(info.value, AxcompError)
    with pytest.raises(FloatingPointError, match="encountered in sqrt"):
        anp.sqrt(x - 1.0)
    # infinities are not NaNs: only jax_debug_infs checks them; integers are never checked
    np.testing.assert_array_equal(1.0 / x, [np.inf, 1.0])
    np.testing.assert_array_equal(anp.arange(3) * 2, [0, 2, 4])


@pytest.mark.usefixtures("nans")
def test_jit_checks_outputs_and_reruns_uncompiled_to_find_the_operation(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def masked(x):
        y = x / x  # NaN at 0, dropped by the where: JAX checks outputs only
        return anp.where(anp.isnan(y), 0.0, y)

    np.testing.assert_array_equal(ax.jit(masked)(np.array([0.0, 2.0])), [0.0, 1.0])
    assert capsys.readouterr().out == ""

    def f(x):
        return anp.log(x - 2.0)

    with pytest.raises(FloatingPointError, match=r"encountered in log$") as info:
        ax.jit(f)(np.array([1.0, 3.0]))
    out = capsys.readouterr().out
    assert "Invalid nan value encountered in the output of a jax.jit function" in out
    # the traceback reaches the user's line that made the value
    assert any(tb.name == "f" for tb in __import__("traceback").extract_tb(info.tb))


@pytest.mark.usefixtures("nans")
def test_the_uncompiled_run_gets_the_arguments_as_given() -> None:
    # as JAX's rerun: a NumPy input stays NumPy, so x * 2 is NumPy's (not checked) and
    # the error says the rerun made no invalid value
    with pytest.raises(FloatingPointError, match="did not produce invalid values") as info:
        ax.jit(lambda x: x * 2.0)(np.array([np.nan, 1.0]))
    assert "<locals>.<lambda>). Because jax_debug_nans" in str(info.value)
    g = ax.jit(lambda x, p: anp.log(x) if p == "log" else x, static_argnums=1)
    with pytest.raises(FloatingPointError, match=r"encountered in log$"):
        g(np.array([-1.0]), "log")
    np.testing.assert_array_equal(g(np.array([-1.0]), "id"), [-1.0])


@pytest.mark.usefixtures("nans")
def test_an_uncompiled_run_without_invalid_values_says_so() -> None:
    calls: list[int] = []

    def f(x):  # NaN in the traced program only: the rerun (a second call) makes none
        calls.append(1)
        return x * (anp.nan if len(calls) == 1 else 1.0)

    with pytest.raises(FloatingPointError, match="did not produce invalid values") as info:
        ax.jit(f)(np.array([1.0]))
    assert str(info.value).startswith("invalid value (nan) encountered in jit(")
    assert "<locals>.f)." in str(info.value)
    assert len(calls) == 2


@pytest.mark.usefixtures("nans")
def test_transformed_and_staged_functions_name_themselves() -> None:
    with pytest.raises(FloatingPointError, match=r"encountered in vmap\(log"):
        ax.vmap(anp.log)(np.array([-1.0, 1.0]))
    with pytest.raises(FloatingPointError, match="encountered in grad"):
        ax.grad(lambda x: anp.sqrt(x) * 0.0)(-1.0)
    with pytest.raises(FloatingPointError, match="encountered in logsumexp"):
        ax.scipy.special.logsumexp(np.array([np.nan, 1.0]))
    # a tuple output is checked leaf by leaf
    with pytest.raises(FloatingPointError, match=r"\(nan\)"):
        ax.jit(lambda x: (x, x / 0.0 * 0.0))(anp.asarray([1.0]))


def test_infs_are_checked_by_their_own_flag() -> None:
    ax.config.update("jax_debug_infs", True)
    try:
        with pytest.raises(FloatingPointError, match=r"invalid value \(inf\) encountered in log"):
            anp.log(anp.asarray(0.0))
        assert np.isnan(anp.log(anp.asarray(-1.0)))  # NaNs: jax_debug_nans's
        with pytest.raises(FloatingPointError, match=r"\(inf\)"):
            ax.jit(lambda x: 1.0 / x)(anp.zeros(2))
    finally:
        ax.config.update("jax_debug_infs", False)


def test_contexts_are_per_thread_and_nest() -> None:
    seen: list[bool] = []

    def other_thread() -> None:
        seen.append(bool(np.isnan(anp.log(anp.asarray(-1.0)))))  # no context here

    with ax.debug_nans(True):
        assert ax.config.jax_debug_nans is True
        with pytest.raises(FloatingPointError):
            anp.log(anp.asarray(-1.0))
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
        with ax.debug_nans(False):
            assert np.isnan(anp.log(anp.asarray(-1.0)))
        with pytest.raises(FloatingPointError):
            ax.jit(anp.log)(np.array(-1.0))
    assert seen == [True]
    assert ax.config.jax_debug_nans is False and ax.config.checking_values is False
    assert np.isnan(anp.log(anp.asarray(-1.0)))


def test_the_environment_sets_the_flag() -> None:
    code = (
        "import axcomp as ax, axcomp.numpy as anp\n"
        "try:\n    anp.log(anp.asarray(-1.0))\n"
        "except FloatingPointError as e:\n    print('raised', e)\n"
    )
    env = {**os.environ, "JAX_DEBUG_NANS": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "raised invalid value (nan) encountered in log", out.stderr


def test_disable_jit_runs_the_function_as_python(capsys: pytest.CaptureFixture[str]) -> None:
    traces: list[str] = []

    @ax.jit
    def f(x, scale):
        traces.append(type(x).__name__)
        print("x =", x)  # a value under disable_jit, a tracer when traced
        if x.sum() > 0:  # a concretization error when traced
            return x * scale
        return x

    g = ax.jit(lambda x, n: x * n, static_argnums=1)
    with ax.disable_jit():
        assert ax.config.jax_disable_jit is True
        np.testing.assert_array_equal(f(np.array([1.0, 2.0]), 3.0), [3.0, 6.0])
        np.testing.assert_array_equal(g(np.ones(2), 4), [4.0, 4.0])
        # a vmap still maps (it is no jit), and a jit inside it is traced with it
        np.testing.assert_array_equal(
            ax.vmap(lambda r: g(r, 2))(np.ones((2, 3))), 2 * np.ones((2, 3))
        )
    assert traces == ["ndarray"]  # the arguments as given, as JAX passes them
    assert "x = [1. 2.]" in capsys.readouterr().out
    assert ax.config.jax_disable_jit is False
    with pytest.raises(ax.errors.ConcretizationTypeError):
        f(np.array([1.0, 2.0]), 3.0)  # compiled again: Python's if needs a value
    with (
        ax.disable_jit(),
        ax.disable_jit(False),
        pytest.raises(ax.errors.ConcretizationTypeError),
    ):
        f(np.array([1.0, 2.0]), 3.0)


def test_disable_jit_is_per_thread_and_a_flag() -> None:
    f = ax.jit(lambda x: float(x[0]))  # float() of a traced value: refused unless uncompiled
    seen: list[str] = []

    def other_thread() -> None:
        try:
            f(np.ones(1))
        except ax.errors.ConcretizationTypeError:
            seen.append("compiled")

    with ax.disable_jit():
        assert f(np.ones(1)) == 1.0
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
    assert seen == ["compiled"]
    ax.config.update("jax_disable_jit", True)
    try:
        assert f(np.full(1, 2.0)) == 2.0
    finally:
        ax.config.update("jax_disable_jit", False)
