"""Each compile is logged on the ``axcomp`` logger with its signature and time, at WARNING
with AXCOMP_LOG_COMPILES=1 (or config jax_log_compiles), at DEBUG otherwise."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp


@pytest.fixture
def log_compiles():
    ax.config.update("jax_log_compiles", True)
    yield
    ax.config.update("jax_log_compiles", False)


def test_each_compile_is_logged_once_with_its_signature(log_compiles, caplog) -> None:
    def scaled(x, n):
        return anp.sin(x) * n

    f = ax.jit(scaled, static_argnums=1)
    with caplog.at_level(logging.WARNING, logger="axcomp"):
        f(np.ones(3), 2)
        f(np.ones(3), 2)  # cached: not compiled again
        f(np.ones((2, 2), np.float32), 3)
    messages = [r.getMessage() for r in caplog.records if r.name == "axcomp"]
    assert len(messages) == 2, messages
    assert re.fullmatch(r"compiled scaled\(float64\[3\], static 2\) in \d+\.\d\d ms", messages[0])
    assert messages[1].startswith("compiled scaled(float32[2,2], static 3) in ")
    assert all(r.levelno == logging.WARNING for r in caplog.records if r.name == "axcomp")


def test_without_the_flag_compiles_log_at_debug(caplog) -> None:
    f = ax.vmap(lambda x: anp.sum(x))
    with caplog.at_level(logging.DEBUG, logger="axcomp"):
        f(np.ones((4, 2)))
    records = [r for r in caplog.records if r.name == "axcomp"]
    assert [r.levelno for r in records] == [logging.DEBUG]
    assert "float64[4,2]" in records[0].getMessage()


@pytest.mark.slow  # a new interpreter imports axcomp
def test_the_environment_variable_turns_it_on() -> None:
    code = (
        "import numpy as np, axcomp as ax\n"
        "ax.jit(lambda x: x * 2)(np.ones(3))\n"
        "assert ax.config.jax_log_compiles\n"
    )
    env = dict(os.environ, AXCOMP_LOG_COMPILES="1")
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    # no logging setup: WARNING records reach stderr through logging's last-resort handler
    assert re.search(r"^compiled <lambda>\(float64\[3\]\) in \d", proc.stderr, re.M)


def test_a_library_function_called_with_new_python_floats_is_not_compiled_again(
    log_compiles, caplog
) -> None:
    # positional Python floats are traced values, as under jit (they were static, and
    # each new value recompiled: about a second per call of a scipy.stats function)
    from axcomp.scipy import stats

    with caplog.at_level(logging.WARNING, logger="axcomp"):
        got = [float(stats.truncnorm.sf(x, -1.0, 2.0)) for x in (0.3, 0.31, 0.32)]
    compiles = [r.getMessage() for r in caplog.records if r.name == "axcomp"]
    assert len(compiles) == 1 and compiles[0].startswith("compiled sf(float64[], "), compiles
    # the same values as a program compiled for each value (floats folded as constants)
    points = (0.3, 0.31, 0.32)
    want = [float(ax.jit(lambda x=x: stats.truncnorm.sf(x, -1.0, 2.0))()) for x in points]
    np.testing.assert_allclose(got, want, rtol=1e-14)
