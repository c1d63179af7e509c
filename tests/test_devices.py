"""JAX's top-level device and cache functions: the one CPU device, ``device_put`` /
``device_get`` across pytrees, ``clear_caches`` and ``log_compiles``."""

from __future__ import annotations

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp
from axcomp.core.array_impl import ArrayImpl


def test_the_cpu_is_the_one_device() -> None:
    (cpu,) = ax.devices()
    assert ax.devices("cpu") == ax.local_devices() == [cpu]
    assert (cpu.platform, cpu.id, repr(cpu)) == ("cpu", 0, "CpuDevice(id=0)")
    assert anp.ones(2).device is cpu  # arrays report the same device
    assert ax.device_count() == ax.local_device_count() == ax.process_count() == 1
    assert ax.process_index() == 0 and ax.default_backend() == "cpu"
    with pytest.raises(RuntimeError, match="Unknown backend 'gpu'"):
        ax.devices("gpu")


def test_device_put_copies_leaves_into_arrays() -> None:
    source = np.arange(3.0)
    tree = {"w": source, "b": (1.0, np.float32(2)), "none": None}
    put = ax.device_put(tree, ax.devices()[0])
    source[0] = 9.0  # a later write to the NumPy array does not reach the result
    assert isinstance(put["w"], ArrayImpl) and put["w"][0] == 0.0
    assert put["b"][1].dtype == np.float32 and put["b"][0] == 1.0
    assert put["none"] is None
    same = anp.ones(2)
    assert ax.device_put(same) is same  # immutable: no copy needed
    with pytest.raises(TypeError, match="not a valid JAX type"):
        ax.device_put("text")
    with pytest.raises(NotImplementedError, match="not the CPU"):
        ax.device_put(source, device="cuda:0")
    # inside jit it is the value itself
    np.testing.assert_array_equal(ax.jit(lambda v: ax.device_put(v) * 2)(np.ones(2)), [2, 2])


def test_device_get_gives_read_only_numpy_arrays() -> None:
    x = anp.arange(3.0)
    got = ax.device_get({"x": x, "n": 1})
    assert type(got["x"]) is np.ndarray and got["n"] == 1
    np.testing.assert_array_equal(got["x"], [0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="read-only"):
        got["x"][0] = 5.0  # the array it views is immutable
    plain = np.ones(2)
    assert ax.device_get(plain) is plain


def test_clear_caches_drops_every_compiled_program() -> None:
    f = ax.jit(lambda x: x + 1)
    g = ax.vmap(lambda x: x * 2)
    f(np.ones(2))
    g(np.ones((2, 3)))
    assert f.cache_info().currsize == 1 and g.cache_info().currsize == 1
    ax.clear_caches()
    assert f.cache_info().currsize == 0 and g.cache_info().currsize == 0
    np.testing.assert_array_equal(f(np.ones(2)), [2.0, 2.0])  # compiles again


def test_log_compiles_as_a_context(caplog: pytest.LogCaptureFixture) -> None:
    f = ax.jit(lambda x: x - 1)
    with caplog.at_level("WARNING", logger="axcomp"):
        with ax.log_compiles():
            f(np.ones(2))
        f(np.ones(3))  # outside the context: DEBUG only
    compiled = [r.getMessage() for r in caplog.records if r.getMessage().startswith("compiled")]
    assert len(compiled) == 1 and "float64[2]" in compiled[0]


def test_the_process_and_environment_functions() -> None:
    assert isinstance(ax.devices()[0], ax.Device)
    assert ax.process_indices() == [0] and ax.host_ids() == [0]
    assert ax.host_count() == 1 and ax.host_id() == 0
    info = ax.print_environment_info(return_string=True)
    assert info is not None and f"numpy:   {np.__version__}" in info and "axcomp:" in info


def test_scopes_that_change_nothing_here() -> None:
    @ax.jit
    def f(x):
        with ax.named_scope("layer"), ax.ensure_compile_time_eval():
            n = int(anp.arange(4)[2])  # a concrete value inside jit, as JAX's context gives
        return x * n

    np.testing.assert_array_equal(f(np.ones(2)), [2.0, 2.0])
    ax.effects_barrier()
    with pytest.raises(TypeError, match="string"), ax.named_scope(3):  # type: ignore[arg-type]
        pass


def test_config_contexts_set_a_flag_for_their_thread_only() -> None:
    with ax.enable_checks():
        assert ax.config.jax_enable_checks is True
        with ax.enable_checks(False):
            assert ax.config.jax_enable_checks is False
    assert ax.config.jax_enable_checks is False
    with ax.default_matmul_precision("highest"):
        assert ax.config.jax_default_matmul_precision == "highest"
    with ax.check_tracer_leaks(False), ax.transfer_guard("allow"):
        pass
    # a value axcomp cannot honour is refused as config.update refuses it
    with (
        pytest.raises(NotImplementedError, match=r"check_tracer_leaks\(True\)"),
        ax.check_tracer_leaks(),
    ):
        pass
    with pytest.raises(NotImplementedError, match="strict"), ax.numpy_dtype_promotion("strict"):
        pass


def test_jax_names_axcomp_lacks_say_so() -> None:
    from axcomp.errors import MissingFunctionError

    with pytest.raises(MissingFunctionError, match=r"jax\.make_jaxpr exists in JAX"):
        ax.make_jaxpr  # noqa: B018
    with pytest.raises(AttributeError, match="nearest supported: jit"):
        ax.jitt  # noqa: B018
