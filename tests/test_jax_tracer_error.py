"""An axcomp function called on JAX tracers (inside jax.jit, jax.grad, jax.vmap) raises one
clear JaxTracerError (a TypeError) that says what to do, whether JAX is installed or not."""

from __future__ import annotations

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp
from axcomp.errors import AxcompError, JaxTracerError
from axcomp.transforms.namespaces import is_jax_tracer

FUNCTIONS = {
    "numpy namespace": lambda x: anp.sin(x) + anp.dot(x, x),
    "jit": ax.jit(lambda x: anp.sin(x) * 2),
    "vmap": ax.vmap(lambda x: anp.sum(x**2)),
    "grad": ax.grad(lambda x: anp.sum(x**2)),
}


def _fake_tracer_class() -> type:
    """A class shaped as JAX's tracers are (module jax._src.core, a ``Tracer`` base), with
    the Array API hook, so the test needs no JAX."""
    base = type("Tracer", (), {"__module__": "jax._src.core"})

    def namespace(self: object, api_version: object = None) -> object:
        raise AssertionError("axcomp must not ask a tracer for its namespace")

    attrs = {
        "__module__": "jax._src.interpreters.partial_eval",
        "__array_namespace__": namespace,
        "shape": (3,),
        "dtype": np.dtype(np.float32),
        "ndim": 1,
    }
    return type("DynamicJaxprTracer", (base,), attrs)


def test_tracers_are_told_by_class_name_and_module() -> None:
    tracer = _fake_tracer_class()()
    assert is_jax_tracer(tracer)
    assert not is_jax_tracer(np.ones(3))
    assert not is_jax_tracer(type("Tracer", (), {"__module__": "mylib"})())


@pytest.mark.parametrize("kind", sorted(FUNCTIONS))
def test_a_fake_tracer_gets_the_clear_error(kind: str) -> None:
    with pytest.raises(JaxTracerError) as info:
        FUNCTIONS[kind](_fake_tracer_class()())
    assert isinstance(info.value, TypeError) and isinstance(info.value, AxcompError)
    message = str(info.value)
    assert "JAX tracer (DynamicJaxprTracer)" in message
    assert "axcomp.jit, axcomp.grad, axcomp.vmap" in message and "pure_callback" in message


@pytest.mark.parametrize("kind", sorted(FUNCTIONS))
@pytest.mark.parametrize("transform", ["jit", "grad", "vmap"])
def test_inside_real_jax_transformations(kind: str, transform: str) -> None:
    jax = pytest.importorskip("jax")
    jnp = pytest.importorskip("jax.numpy")
    outer = getattr(jax, transform)
    x = jnp.ones((2, 3)) if transform == "vmap" else jnp.ones(3)
    with pytest.raises(JaxTracerError, match="is a JAX tracer"):
        outer(lambda v: jnp.sum(FUNCTIONS[kind](v)))(x)


def test_a_tracer_beside_a_numpy_array_is_the_same_error() -> None:
    # not MixedArraysError ("different array libraries"): the tracer is what to fix
    f = ax.jit(lambda x, y: x + y)
    with pytest.raises(JaxTracerError, match=r"argument 1 is a JAX tracer"):
        f(np.ones(3), _fake_tracer_class()())
