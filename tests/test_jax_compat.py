"""JAX names that keep values unchanged here: checkpoint/remat, checkpoint_name,
named_call, lax.Precision and precision=/preferred_element_type=, numpy_rank_promotion."""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest

import axcomp as ax
import axcomp.lax as alax
import axcomp.numpy as anp
from axcomp.ad_checkpoint import checkpoint_name


def _g(x):
    return anp.sin(anp.sin(x))


@pytest.mark.parametrize(
    "remat",
    [
        ax.remat,
        ax.checkpoint(policy=ax.checkpoint_policies.nothing_saveable),
        ax.checkpoint(policy=ax.checkpoint_policies.save_only_these_names("y")),
    ],
)
def test_checkpoint_keeps_values_and_derivatives(remat):
    x = np.linspace(-1.0, 1.0, 4)
    g = remat(_g)
    np.testing.assert_allclose(ax.vmap(g)(x), np.sin(np.sin(x)))
    np.testing.assert_allclose(ax.jacrev(g)(x), np.diag(np.cos(np.sin(x)) * np.cos(x)))
    np.testing.assert_allclose(ax.jacfwd(g)(x), ax.jacrev(g)(x), atol=1e-12)
    assert g.__name__ == "_g"


def test_checkpoint_name_and_named_call_are_transparent():
    def f(x):
        return checkpoint_name(x * 2.0, "y") + 1.0

    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(ax.vmap(ax.checkpoint(f))(x), 2 * x + 1)
    np.testing.assert_allclose(ax.grad(lambda a: anp.sum(ax.vmap(f)(a)))(x), 2 * np.ones((2, 3)))
    named = ax.named_call(anp.sum, name="total")
    assert named.__name__ == "total"
    np.testing.assert_allclose(ax.vmap(named)(x), x.sum(1))
    with pytest.raises(TypeError, match="policy"):
        ax.checkpoint(f, policy=3)
    with pytest.raises(TypeError, match="name"):
        checkpoint_name(x, 3)


def test_precision_is_validated_and_preferred_element_type_sets_the_dtype():
    a = np.arange(6.0).reshape(2, 3)
    for p in (None, "highest", alax.Precision.HIGH, ("default", alax.Precision.HIGHEST)):
        np.testing.assert_allclose(anp.einsum("ij,kj->ik", a, a, precision=p), a @ a.T)
        np.testing.assert_allclose(
            ax.vmap(lambda v, p=p: anp.dot(v, v, precision=p))(a), (a * a).sum(1)
        )
    assert alax.Precision("highest") is alax.Precision.HIGHEST
    with pytest.raises(ValueError, match="precision"):
        anp.matmul(a, a.T, precision="bogus")
    ints = np.arange(3, dtype=np.int32)
    out = ax.jit(lambda v: anp.dot(v, v, preferred_element_type=np.float32))(ints)
    assert out.dtype == np.float32 and out == 5.0


def test_numpy_rank_promotion_in_vectorize():
    f = anp.vectorize(anp.add, signature="(),()->()")
    two, one, zero = np.zeros((4, 4)), np.ones(4), np.float64(2.0)
    np.testing.assert_allclose(f(two, one), two + one)  # "allow" is the default
    with ax.numpy_rank_promotion("raise"):
        with pytest.raises(ValueError, match="require rank promotion"):
            f(two, one)
        np.testing.assert_allclose(f(two, zero), two + zero)  # scalars never count
    with ax.numpy_rank_promotion("warn"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        np.testing.assert_allclose(f(two, one), two + one)
    assert any("rank promotion" in str(w.message) for w in caught)
    with pytest.raises(ValueError, match="mode"), ax.numpy_rank_promotion("sometimes"):
        pass
    ax.config.update("jax_numpy_rank_promotion", "raise")  # the flag, outside a context
    with pytest.raises(ValueError, match="require rank promotion"):
        f(two, one)
    with ax.numpy_rank_promotion("allow"):  # the context wins
        np.testing.assert_allclose(f(two, one), two + one)


def test_eval_shape_traces_without_running():
    calls = []

    def f(M, v):
        calls.append(1)
        return {"y": M @ v, "n": anp.sum(v)}

    mapped = ax.vmap(f, in_axes=(None, 0))
    out = ax.eval_shape(mapped, ax.ShapeDtypeStruct((2, 3), np.float32), np.ones((5, 3)))
    assert out == {
        "y": ax.ShapeDtypeStruct((5, 2), np.float64),
        "n": ax.ShapeDtypeStruct((5,), np.float64),
    }
    assert calls == [1]  # traced once, on shapes only
    with pytest.raises(ValueError, match="contracted dimension mismatch"):
        ax.eval_shape(mapped, np.ones((2, 3)), np.ones((5, 4)))


def test_jacobian_and_block_until_ready_are_jax_names():
    x = np.arange(3.0)
    np.testing.assert_allclose(ax.jacobian(lambda v: v**2)(x), np.diag(2 * x))
    tree = {"a": x}
    assert ax.block_until_ready(tree) is tree


# --- jit's options as JAX spells them ------------------------------------------------------


def test_jit_static_argnames_and_argnums_name_each_other():
    calls = []

    def scale(x, n):
        calls.append(n)
        return x * n

    f = ax.jit(scale, static_argnames="n")
    np.testing.assert_array_equal(f(np.ones(2), n=3), [3.0, 3.0])
    np.testing.assert_array_equal(f(np.ones(2), 3), [3.0, 3.0])
    assert f.static_argnums == (1,) and f.static_argnames == ("n",)
    g = ax.jit(scale, static_argnums=1)
    assert g.static_argnames == ("n",)
    with pytest.raises(ValueError, match="static argument 1 must be hashable"):
        g(np.ones(2), np.ones(2))


def test_jit_on_methods_binds_the_instance():
    class Model:
        def __init__(self, k):
            self.k = k

        @ax.jit
        def plain(self, x):
            return x * self.k

        @functools.partial(ax.jit, static_argnums=0)
        def static_self(self, x):
            return x + self.k

    m = Model(2.0)
    np.testing.assert_array_equal(m.plain(np.ones(2)), [2.0, 2.0])
    np.testing.assert_array_equal(m.static_self(np.ones(2)), [3.0, 3.0])
    assert isinstance(Model.__dict__["plain"], type(ax.jit(lambda x: x)))


def test_jit_accepts_jax_options_and_refuses_what_cannot_hold_on_a_cpu():
    f = ax.jit(
        lambda x: x + 1,
        donate_argnums=0,
        keep_unused=True,
        inline=True,
        device=None,
        backend="cpu",
    )
    x = np.ones(2)
    np.testing.assert_array_equal(f(x), [2.0, 2.0])
    np.testing.assert_array_equal(x, [1.0, 1.0])  # a donated argument is never written
    with pytest.raises(NotImplementedError, match="backend='gpu'"):
        ax.jit(lambda x: x, backend="gpu")
    with pytest.raises(NotImplementedError, match="abstracted_axes"):
        ax.jit(lambda x: x, abstracted_axes=("n",))


def test_eval_shape_inside_transforms_traces_inline() -> None:
    # as in JAX: inside jit/vmap/grad, eval_shape of a function of traced values (closures
    # included) gives the logical shapes, and adds nothing to the program
    def f(x):
        s = ax.eval_shape(lambda y: anp.outer(y, x), x)
        assert isinstance(s, ax.ShapeDtypeStruct) and s.shape == (3, 3)
        return anp.zeros(s.shape, s.dtype) + x.sum()

    x = np.arange(3.0)
    np.testing.assert_array_equal(ax.jit(f)(x), np.full((3, 3), 3.0))
    np.testing.assert_array_equal(ax.vmap(f)(np.ones((2, 3))), np.full((2, 3, 3), 3.0))
    np.testing.assert_array_equal(ax.grad(lambda x: f(x).sum())(x), np.full(3, 9.0))
    assert "outer" not in str(ax.explain(ax.jit(f), x))  # the traced outer product is dropped
    assert len(ax.explain(ax.jit(f), x).equations) == 1  # x.sum() only


def test_python_scalars_are_traced_and_weak_in_eval_shape_and_pmap() -> None:
    # as under jit (JAX 0.10's eval_shape prints weak_type=True for these)
    f32 = np.ones(3, np.float32)
    assert ax.eval_shape(lambda x, a: x * a, f32, 0.1) == ax.ShapeDtypeStruct((3,), np.float32)
    got = ax.eval_shape(lambda a: (a * 2, a + 1), 3)
    assert got == (ax.ShapeDtypeStruct((), np.int64, weak_type=True),) * 2
    assert repr(got[0]) == "ShapeDtypeStruct(shape=(), dtype=int64, weak_type=True)"
    assert not ax.eval_shape(lambda a: np.float32(2) * a, 0.5).weak_type
    with pytest.raises(ax.errors.TracerBoolConversionError):
        ax.eval_shape(lambda a: 1 if a > 0 else 2, 0.1)
    scaled = ax.pmap(lambda x, a: x * a, in_axes=(0, None))
    out = scaled(np.ones((2, 3), np.float32), 0.25)
    assert out.dtype == np.float32 and np.all(out == 0.25)
    with pytest.raises(ax.errors.TracerBoolConversionError):
        ax.pmap(lambda x, a: x if a > 0 else -x, in_axes=(0, None))(np.ones((2, 3)), 0.5)
