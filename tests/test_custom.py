"""custom_vjp / custom_jvp: the user's rule is used under grad, vmap and jit."""

from __future__ import annotations

import functools

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp


@ax.custom_vjp
def log1pexp(x):
    return anp.log1p(anp.exp(x))


def _fwd(x):
    return log1pexp(x), x


def _bwd(x, g):
    # the stable derivative: sigmoid(x), never inf / inf
    return (g * (1 - 1 / (1 + anp.exp(x))),)


log1pexp.defvjp(_fwd, _bwd)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_custom_vjp_is_used_under_grad_vmap_and_jit():
    x = np.array([0.0, 100.0, -3.0, 30.0])
    np.testing.assert_allclose(log1pexp(x), np.log1p(np.exp(x)))
    want = sigmoid(x)
    np.testing.assert_allclose(ax.grad(lambda v: anp.sum(log1pexp(v)))(x), want)
    np.testing.assert_allclose(ax.vmap(ax.grad(log1pexp))(x), want)  # per example
    np.testing.assert_allclose(ax.grad(lambda v: anp.sum(ax.vmap(log1pexp)(v)))(x), want)
    np.testing.assert_allclose(ax.jit(ax.grad(lambda v: anp.sum(log1pexp(v))))(x), want)
    # an unbatched argument's cotangent is summed over the vmap level
    w = 2.0
    g = ax.grad(lambda w: anp.sum(ax.vmap(lambda v: log1pexp(v * w))(x[:3])))(w)
    np.testing.assert_allclose(g, np.sum(x[:3] * sigmoid(x[:3] * w)))


def test_custom_vjp_with_a_deliberately_different_rule_and_nondiff_args():
    @functools.partial(ax.custom_vjp, nondiff_argnums=(0,))
    def scaled(k, x):
        return x * k

    scaled.defvjp(lambda k, x: (x * k, None), lambda k, res, g: (g * 10.0,))
    np.testing.assert_allclose(ax.grad(lambda x: anp.sum(scaled(3, x)))(np.ones(2)), 10.0)


def test_custom_jvp_rule_gives_the_gradient():
    @ax.custom_jvp
    def f(x):
        return anp.sin(x)

    @f.defjvp
    def f_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return anp.sin(x), 2.0 * anp.cos(x) * t  # twice the true derivative, on purpose

    x = np.array([0.5, -1.0])
    np.testing.assert_allclose(f(x), np.sin(x))
    np.testing.assert_allclose(ax.grad(lambda v: anp.sum(f(v)))(x), 2 * np.cos(x))
    np.testing.assert_allclose(ax.vmap(ax.grad(f))(x), 2 * np.cos(x))


def test_custom_rule_errors():
    @ax.custom_vjp
    def g(x):
        return x

    with pytest.raises(ax.GradError, match="defvjp"):
        g(np.ones(2))
    g.defvjp(lambda x: (x, None), lambda res, ct: (ct, ct))
    with pytest.raises(ax.GradError, match="tuple of 1 cotangent"):
        ax.grad(lambda v: anp.sum(g(v)))(np.ones(2))


def test_ordered_dicts_and_defaultdicts_are_containers_as_in_jax():
    import collections

    od = collections.OrderedDict(b=np.ones((3, 2)), a=np.arange(3.0))
    leaves, treedef = ax.tree_util.tree_flatten(od)
    assert [leaf.shape for leaf in leaves] == [(3, 2), (3,)]  # insertion order, not sorted
    rebuilt = ax.tree_util.tree_unflatten(treedef, leaves)
    assert type(rebuilt) is collections.OrderedDict and list(rebuilt) == ["b", "a"]
    out = ax.vmap(
        lambda d: collections.OrderedDict(s=d["b"].sum(), t=d["a"] * 2),
        in_axes=(collections.OrderedDict(b=0, a=0),),
    )(od)
    assert type(out) is collections.OrderedDict
    np.testing.assert_allclose(out["s"], [2.0, 2.0, 2.0])
    np.testing.assert_allclose(out["t"], [0.0, 2.0, 4.0])
    dd = collections.defaultdict(list, {"z": np.ones(2), "a": np.zeros(2)})
    back = ax.vmap(lambda d: d)(dd)
    assert type(back) is collections.defaultdict and back.default_factory is list
    assert list(back) == ["a", "z"]


# --- pytrees, keyword arguments, defjvps, JAX's conventions -------------------------------


def test_custom_vjp_takes_and_returns_pytrees():
    @ax.custom_vjp
    def g(t, s):
        return {"p": t[0] * t[1] * s, "q": t[0]}

    def fwd(t, s):
        return g(t, s), (t, s)

    def bwd(res, ct):
        (a, b), s = res
        return (ct["p"] * b * s + ct["q"], ct["p"] * a * s), ct["p"] * a * b

    g.defvjp(fwd, bwd)
    # the values JAX 0.10 gives for the same calls
    got = ax.grad(lambda t: g(t, 2.0)["p"] + g(t, 2.0)["q"])((2.0, 3.0))
    np.testing.assert_allclose(got, (7.0, 4.0))
    jac = ax.jacrev(g, argnums=1)((2.0, 3.0), 2.0)
    np.testing.assert_allclose(jac["p"], 6.0)
    np.testing.assert_allclose(jac["q"], 0.0)


def test_custom_vjp_with_a_callable_nondiff_argument():
    @functools.partial(ax.custom_vjp, nondiff_argnums=(0,))
    def app(f, x):
        return f(x)

    app.defvjp(lambda f, x: (f(x), x), lambda f, x, g: (g * 2.0,))
    assert float(ax.grad(lambda x: app(anp.sin, x))(1.0)) == 2.0  # the rule, not cos(1)


def test_custom_jvp_keywords_defaults_and_defjvps():
    @ax.custom_jvp
    def k(x, y=2.0):
        return x * y

    k.defjvp(lambda p, t: (k(*p), t[0] * p[1] + t[1] * p[0]))
    assert float(ax.grad(k)(3.0)) == 2.0  # y left at its default
    assert float(ax.grad(lambda x: k(x, y=4.0))(3.0)) == 4.0  # y by keyword

    @ax.custom_jvp
    def f(x, y):
        return anp.sin(x) * y

    f.defjvps(
        lambda x_dot, out, x, y: anp.cos(x) * x_dot * y,
        lambda y_dot, out, x, y: anp.sin(x) * y_dot,
    )
    np.testing.assert_allclose(ax.grad(f)(2.0, 3.0), np.cos(2.0) * 3.0)
    np.testing.assert_allclose(ax.grad(f, 1)(2.0, 3.0), np.sin(2.0))
    np.testing.assert_allclose(ax.jvp(f, (2.0, 3.0), (1.0, 0.0))[1], np.cos(2.0) * 3.0)


def test_custom_jvp_rule_may_call_the_function_again_for_higher_orders():
    @ax.custom_jvp
    def r(x):
        return anp.exp(x)

    r.defjvp(lambda p, t: (r(p[0]), r(p[0]) * t[0]))
    np.testing.assert_allclose(ax.grad(r)(1.0), np.e)
    np.testing.assert_allclose(ax.hessian(r)(1.0), np.e)


def test_custom_jvp_with_nondiff_argnums_gets_them_first_as_in_jax():
    @functools.partial(ax.custom_jvp, nondiff_argnums=(0,))
    def scaled(c, x):
        return c * anp.sin(x)

    @scaled.defjvp
    def _rule(c, primals, tangents):
        (x,), (t,) = primals, tangents
        return scaled(c, x), c * anp.cos(x) * t

    np.testing.assert_allclose(ax.grad(lambda x: scaled(3.0, x))(0.5), 3 * np.cos(0.5))
    np.testing.assert_allclose(ax.jvp(lambda x: scaled(3.0, x), (0.5,), (2.0,))[1], 6 * np.cos(0.5))
