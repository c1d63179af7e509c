"""Forward mode and Jacobians: jvp against finite differences and against reverse mode,
jacfwd == jacrev, symmetric Hessians, under vmap and jit; stop_gradient."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import axcomp as ax
import axcomp.numpy as anp

RNG = np.random.default_rng(9)


def f_vec(x):
    return anp.tanh(x) * anp.sum(x**2) + anp.cumsum(anp.exp(-x), axis=-1)


def f_scalar(x):
    return anp.sum(anp.sin(x) * x**2) + anp.max(x) * anp.sum(x)


def fd_jvp(f, x, t, eps=1e-6):
    return (np.asarray(f(x + eps * t)) - np.asarray(f(x - eps * t))) / (2 * eps)


def test_jvp_matches_finite_differences_and_reverse_mode():
    x, t = RNG.normal(size=4), RNG.normal(size=4)
    y, jt = ax.jvp(f_vec, (x,), (t,))
    np.testing.assert_allclose(y, ax.jit(f_vec)(x))
    np.testing.assert_allclose(jt, fd_jvp(ax.jit(f_vec), x, t), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(jt, ax.jacrev(f_vec)(x) @ t, rtol=1e-10)
    out, lin = ax.linearize(f_vec, x)
    np.testing.assert_allclose(out, y)
    np.testing.assert_allclose(lin(t), jt)


def test_jvp_of_several_arguments_inside_vmap():
    def g(a, b):
        return anp.dot(a, b) * anp.sum(a)

    A, B, TA, TB = (RNG.normal(size=(5, 3)) for _ in range(4))
    got = ax.vmap(lambda a, b, ta, tb: ax.jvp(g, (a, b), (ta, tb))[1])(A, B, TA, TB)
    jg = ax.jit(g)
    want = [
        (jg(a + 1e-6 * ta, b + 1e-6 * tb) - jg(a - 1e-6 * ta, b - 1e-6 * tb)) / 2e-6
        for a, b, ta, tb in zip(A, B, TA, TB)
    ]
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


def test_jacobians_agree_and_have_jax_layout():
    x = RNG.normal(size=(2, 3))
    jr, jf = ax.jacrev(f_vec)(x), ax.jacfwd(f_vec)(x)
    assert jr.shape == (2, 3, 2, 3)  # output shape followed by input shape
    np.testing.assert_allclose(jr, jf, rtol=1e-10, atol=1e-12)
    e = np.zeros((2, 3))
    e[1, 2] = 1.0
    np.testing.assert_allclose(jr[..., 1, 2], fd_jvp(ax.jit(f_vec), x, e), rtol=1e-6, atol=1e-8)
    j0, j1 = ax.jacrev(lambda a, b: a * b, argnums=(0, 1))(x[0], x[1])
    np.testing.assert_allclose(j0, np.diag(x[1]))
    np.testing.assert_allclose(j1, np.diag(x[0]))
    jac, aux = ax.jacfwd(lambda a: (a * 2.0, anp.sum(a)), has_aux=True)(x[0])
    np.testing.assert_allclose(jac, 2 * np.eye(3))
    np.testing.assert_allclose(aux, x[0].sum())


def test_jacobian_of_a_linear_map_is_one_contraction():
    v = RNG.normal(size=3)
    e = ax.explain(ax.jacrev(lambda A: A @ v), np.ones((2, 3)))
    assert len(e.equations) == 1  # no Python loop over the basis: one einsum


def test_hessian_is_symmetric_and_correct_under_vmap():
    X = RNG.normal(size=(4, 3))
    H = ax.vmap(ax.hessian(lambda x: anp.sum(anp.sin(x) * x**2)))(X)
    assert H.shape == (4, 3, 3)
    want = np.stack([np.diag(2 * np.sin(x) + 4 * x * np.cos(x) - x**2 * np.sin(x)) for x in X])
    np.testing.assert_allclose(H, want, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(H, np.swapaxes(H, 1, 2))


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 4), seed=st.integers(0, 1000))
def test_random_points_jacfwd_equals_jacrev(n, seed):
    x = np.random.default_rng(seed).normal(size=n)
    np.testing.assert_allclose(
        ax.jacfwd(f_scalar)(x), ax.jacrev(f_scalar)(x), rtol=1e-9, atol=1e-12
    )
    np.testing.assert_allclose(ax.jacrev(f_scalar)(x), ax.grad(f_scalar)(x), rtol=1e-12)


def test_stop_gradient():
    x = np.array([1.0, 2.0])
    f = lambda v: anp.sum(v * ax.lax.stop_gradient(v))  # noqa: E731
    np.testing.assert_allclose(ax.grad(f)(x), x)  # only the first factor is differentiated
    np.testing.assert_allclose(ax.jvp(f, (x,), (np.ones(2),))[1], x.sum())
    np.testing.assert_allclose(ax.vmap(lambda v: ax.lax.stop_gradient(v) * 2)(x), 2 * x)


def test_jvp_errors():
    with pytest.raises(ax.GradError, match="same tree structure"):
        ax.jvp(f_vec, (np.ones(2),), (np.ones(2), np.ones(2)))
    with pytest.raises(ax.GradError, match="shape"):
        ax.jvp(f_vec, (np.ones(2),), (np.ones(3),))


def _affine(p, v):
    return {"y": p["w"] @ v + p["b"], "n": anp.sum(p["w"] ** 2)}


@pytest.mark.parametrize("jac", [ax.jacfwd, ax.jacrev])
def test_jacobians_of_pytrees_nest_output_tree_then_input_tree(jac):
    rng = np.random.default_rng(3)
    params = {"w": rng.normal(size=(2, 3)), "b": rng.normal(size=2)}
    v = rng.normal(size=3)
    j = jac(_affine, argnums=(0, 1))(params, v)
    assert set(j) == {"y", "n"} and isinstance(j["y"], tuple)
    dp, dv = j["y"]
    # Closed forms: y = w v + b, n = sum(w**2).
    np.testing.assert_allclose(dp["b"], np.eye(2))
    np.testing.assert_allclose(dp["w"], np.einsum("ik,j->ikj", np.eye(2), v))
    np.testing.assert_allclose(dv, params["w"])
    np.testing.assert_allclose(j["n"][0]["w"], 2 * params["w"])
    np.testing.assert_allclose(j["n"][0]["b"], np.zeros(2))
    assert j["n"][1].shape == (3,) and not j["n"][1].any()


def test_jacobian_of_a_tuple_output_and_hessian_with_aux():
    x = np.array([0.5, -1.0, 2.0])
    ja, jb = ax.jacrev(lambda a: (a * 3.0, anp.sin(a)))(x)
    np.testing.assert_allclose(ja, 3 * np.eye(3))
    np.testing.assert_allclose(jb, np.diag(np.cos(x)))
    h, aux = ax.hessian(lambda a: (anp.sum(a**3), a * 2), has_aux=True)(x)
    np.testing.assert_allclose(h, np.diag(6 * x))
    np.testing.assert_allclose(aux, 2 * x)
