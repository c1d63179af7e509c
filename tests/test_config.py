"""``axcomp.config``: JAX's flags; ``jax_enable_x64`` decides axcomp.random's defaults and
seeding exactly as in JAX (values recorded from JAX 0.10 by tests/random_x64_record.py)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from random_x64_record import RECORDING, cases

import axcomp as ax
import axcomp.numpy as anp
import axcomp.random as arandom


@pytest.fixture
def x64() -> Iterator[None]:
    ax.config.update("jax_enable_x64", True)
    try:
        yield
    finally:
        ax.config.update("jax_enable_x64", False)


def test_samplers_with_x64_give_jax_values_and_dtypes(x64: None) -> None:
    recorded = np.load(RECORDING)
    for name, draw in cases(arandom, anp).items():
        got, want = np.asarray(draw()), recorded[name]
        assert got.dtype == want.dtype, name
        if np.issubdtype(want.dtype, np.inexact):
            np.testing.assert_allclose(got, want, rtol=1e-13, err_msg=name)
        else:
            np.testing.assert_array_equal(got, want, err_msg=name)


def test_without_x64_the_defaults_are_32_bits() -> None:
    key = arandom.PRNGKey(0)
    assert arandom.uniform(key, (2,)).dtype == np.float32
    assert arandom.randint(key, (2,), 0, 5).dtype == np.int32
    assert arandom.bits(key, (2,)).dtype == np.uint32
    np.testing.assert_array_equal(arandom.PRNGKey(2**40 + 7), [0, 7])  # low 32 bits


def test_flags_are_read_and_refused_as_jax_does() -> None:
    assert ax.config.jax_enable_x64 is False and ax.config.x64_enabled is False
    ax.config.update("jax_platform_name", "cpu")
    ax.config.update("jax_log_compiles", True)
    ax.config.update("jax_log_compiles", False)
    with pytest.raises(AttributeError, match="Unrecognized config option"):
        ax.config.update("jax_no_such_flag", 1)
    with pytest.raises(NotImplementedError, match="jax_default_prng_impl"):
        ax.config.update("jax_default_prng_impl", "rbg")
    with pytest.raises(AttributeError, match=r"config.update\('jax_enable_x64', True\)"):
        ax.config.jax_enable_x64 = True  # (an attribute would shadow the flag, silently)
    assert ax.config.jax_enable_x64 is False
    with pytest.raises(AttributeError):
        _ = ax.config.jax_no_such_flag


def test_the_persistent_cache_tutorials_settings_are_accepted() -> None:
    # JAX's "persistent compilation cache" page: settings that change nothing computed here
    ax.config.update("jax_compilation_cache_dir", "/tmp/jax_cache")
    ax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)
    ax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
    ax.config.update("jax_persistent_cache_enable_xla_caches", "all")
    assert ax.config.jax_persistent_cache_min_entry_size_bytes == -1
    np.testing.assert_allclose(ax.jit(anp.sin)(np.ones(2)), np.sin(np.ones(2)))


def test_defaults_are_jaxs_and_semantic_flags_are_refused_past_them() -> None:
    assert ax.config.jax_persistent_cache_min_compile_time_secs == 1.0
    assert ax.config.jax_enable_compilation_cache is True
    assert ax.config.jax_numpy_dtype_promotion == "standard"
    for name, value in (
        ("jax_numpy_dtype_promotion", "strict"),
        ("jax_random_seed_offset", 1),
        ("jax_check_tracer_leaks", True),
        ("jax_transfer_guard", "disallow"),
    ):
        with pytest.raises(NotImplementedError, match=name):
            ax.config.update(name, value)
        ax.config.update(name, _DEFAULTS[name])  # the default is always accepted


_DEFAULTS = {
    "jax_numpy_dtype_promotion": "standard",
    "jax_random_seed_offset": 0,
    "jax_check_tracer_leaks": False,
    "jax_transfer_guard": None,
}


def test_enable_checks_verifies_graphs_and_plans(monkeypatch: pytest.MonkeyPatch) -> None:
    from axcomp.core.graph import Graph
    from axcomp.transforms import compile as compile_module

    monkeypatch.setattr(compile_module, "VERIFY", False)  # (the suite sets AXCOMP_VERIFY)
    graphs: list[int] = []
    plans: list[int] = []
    real_verify = Graph.verify
    monkeypatch.setattr(Graph, "verify", lambda g: (graphs.append(1), real_verify(g))[1])
    monkeypatch.setattr(compile_module, "verify_plan", lambda plan: plans.append(1))
    ax.jit(lambda x: anp.tanh(x) @ x.T)(np.ones((3, 2)))
    assert graphs == [] and plans == []
    ax.config.update("jax_enable_checks", True)
    ax.jit(lambda x: anp.tanh(x) @ x.T)(np.ones((3, 2)))
    assert len(graphs) >= 2 and plans == [1]  # the traced graph, each pass's, the plan


def test_explain_cache_misses_says_what_changed(caplog: pytest.LogCaptureFixture) -> None:
    ax.config.update("jax_explain_cache_misses", True)

    @ax.jit
    def f(x, y):
        return anp.sin(x) * y

    g = ax.jit(lambda x, n: x * n, static_argnums=1)
    with caplog.at_level("WARNING", logger="axcomp"):
        f(np.ones(3), 2.0)
        f(np.ones(4), 2.0)
        f(np.ones(4), 2.0)  # cached: nothing logged
        f(np.ones(4, np.float32), 2.0)
        g(np.ones(2), 3)
        g(np.ones(2), 4)
    misses = [r.getMessage() for r in caplog.records if "CACHE MISS" in r.getMessage()]
    assert len(misses) == 5
    assert "never seen function jit(" in misses[0]
    assert "x: float64[3] now float64[4]" in misses[1]
    assert "x: float64[4] now float32[4]" in misses[2]  # closest: the float64[4] program
    assert "static argument (leaf 1): 3 now 4" in misses[4]
    ax.config.update("jax_explain_cache_misses", False)
    caplog.clear()
    with caplog.at_level("WARNING", logger="axcomp"):
        f(np.ones(5), 2.0)
    assert not [r for r in caplog.records if "CACHE MISS" in r.getMessage()]
