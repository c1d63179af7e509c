"""Forward mode and Jacobians: jvp against finite differences for every primitive family
and against reverse mode, jacfwd == jacrev, symmetric Hessians, under vmap and jit, nested
both ways; custom rules in forward mode; the tangent contractions fuse (explain);
stop_gradient."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from gradcheck import numeric_jvp
from hypothesis import given, settings
from hypothesis import strategies as st

import axcomp as ax
import axcomp.numpy as anp
from axcomp.core.primitive import registered

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


# ---------------------------------------------------------------- the forward sweep, by family


def _spd(n: int, seed: int) -> np.ndarray:
    a = np.random.default_rng(seed).normal(size=(n, n))
    return a @ a.T + n * np.eye(n)


def _at(a, b):
    return a.at[1].set(b).at[np.array([0, 0, 2]), 1].add(b[:3]).at[:, 0].multiply(a[:, 1])


def _gathers(a):
    idx = np.array([2, 0, 0])
    order = np.argsort(np.asarray([3, 1, 2, 0]))
    return a[idx, :] * 2 + a[:, np.array([3, 1])].sum() + anp.take_along_axis(a, order[None], 1)


# (name, function, arguments): each is checked against central differences along a random
# tangent for every argument at once
FAMILIES = [
    ("elementwise broadcasting", lambda a, b: anp.sin(a) * b + a / (2 + b**2), [(3, 4), (4,)]),
    (
        "elementwise broadcast column",
        lambda a, c: anp.arctan2(a, 2 + c**2) - c**3,
        [(3, 4), (3, 1)],
    ),
    (
        "elementwise table",
        lambda a: (
            anp.tanh(a)
            + anp.exp(a)
            - anp.log1p(a**2)
            + anp.sqrt(a**2 + 1)
            + anp.abs(a)
            + anp.cosh(a) * anp.arcsinh(a)
            + anp.expm1(a) / anp.hypot(a, 2.0)
            + a**3
        ),
        [(3, 4)],
    ),
    (
        "where, clip, maximum",
        lambda a, b: anp.where(a > 0, a * b, b) + anp.clip(a, -0.5, 0.5) + anp.maximum(a, b),
        [(3, 4), (4,)],
    ),
    ("power with a traced exponent", lambda a, b: (2 + a**2) ** b, [(3, 4), (4,)]),
    ("einsum", lambda a, m: a @ m + anp.einsum("ij,ij->i", a, a)[:, None], [(3, 4), (4, 4)]),
    ("dot, outer, matmul", lambda a, v: anp.outer(anp.dot(a, v), v) @ a.T, [(3, 4), (4,)]),
    (
        "reductions sum max min prod mean",
        lambda a: (
            anp.sum(a, axis=0)
            + anp.max(a, axis=1).sum()
            + anp.prod(a, axis=0)
            + anp.mean(a) * anp.min(a, axis=0)
        ),
        [(3, 4)],
    ),
    (
        "reshape, transpose, concat, stack",
        lambda a: anp.concatenate([a.reshape(4, 3).T, anp.stack([a[:, 0], a[:, 1]], 1) * 2], 1),
        [(3, 4)],
    ),
    ("basic indexing", lambda a: a[1:, ::2] * a[0, None, 1:3].sum() + a[-1, 3], [(3, 4)]),
    ("gathers", _gathers, [(3, 4)]),
    (".at[].set/add/multiply", _at, [(3, 4), (4,)]),
    (
        "cumsum, cumprod",
        lambda a: (
            anp.cumsum(a, axis=1)
            + anp.cumprod(a, axis=0)[0].sum()
            + ax.lax.cumprod(a, axis=1, reverse=True)
            + ax.lax.cumsum(a, axis=0, reverse=True)
        ),
        [(3, 4)],
    ),
    ("sort", lambda a: anp.sort(a, axis=1) * anp.argsort(a, axis=0), [(3, 4)]),
    (
        "cond on a traced predicate",
        lambda a: ax.lax.cond(anp.sum(a) > -100, anp.sin, lambda u: u**3, a) * 2,
        [(3, 4)],
    ),
    (
        "cond under vmap (where)",
        lambda a: ax.vmap(lambda r: ax.lax.cond(r[0] > 0, anp.sin, anp.cos, r))(a),
        [(3, 4)],
    ),
    (
        "scan",
        lambda a: ax.lax.scan(lambda c, r: (c * r + 1, anp.sin(c)), anp.ones(4), a)[1],
        [(3, 4)],
    ),
    (
        "fori_loop",
        lambda a: ax.lax.fori_loop(0, 5, lambda i, c: anp.sin(c) * a[0] + i, a[1]),
        [(3, 4)],
    ),
    ("solve", lambda m, b: anp.linalg.solve(m, b) + anp.linalg.solve(m, m), [(4, 4), (4,)]),
    (
        "inv, det, slogdet",
        lambda m: anp.linalg.inv(m) * anp.linalg.det(m) + anp.linalg.slogdet(m)[1],
        [(4, 4)],
    ),
    ("cholesky", lambda m: anp.linalg.cholesky(m), [(4, 4)]),
    ("eigh", lambda m: anp.linalg.eigh(m)[0] + anp.linalg.eigh(m)[1][0] ** 2, [(4, 4)]),
    ("svd, qr", lambda m: anp.linalg.svd(m)[1] + anp.linalg.qr(m)[1][0], [(4, 4)]),
    (
        "psum, pmean, pmax",
        lambda a: ax.vmap(
            lambda r: (
                ax.lax.psum(anp.sin(r), "i") * r + ax.lax.pmean(r**2, "i") + ax.lax.pmax(r, "i")
            ),
            axis_name="i",
        )(a),
        [(3, 4)],
    ),
]


def _arguments(name, shapes, seed):
    rng = np.random.default_rng(seed)
    if name in ("solve", "inv, det, slogdet", "cholesky", "eigh"):
        return [_spd(4, seed)] + [rng.normal(size=s) for s in shapes[1:]]
    return [rng.normal(size=s) for s in shapes]


@pytest.mark.parametrize(("name", "fun", "shapes"), FAMILIES, ids=[f[0] for f in FAMILIES])
def test_jvp_of_every_family_matches_central_differences(name, fun, shapes):
    args = _arguments(name, shapes, 5)
    rng = np.random.default_rng(6)
    tangents = [rng.normal(size=np.shape(a)) for a in args]
    y, t = ax.jvp(fun, tuple(args), tuple(tangents))
    np.testing.assert_allclose(y, ax.jit(fun)(*args), rtol=1e-12, atol=1e-12)
    want = numeric_jvp(ax.jit(fun), args, tangents)
    np.testing.assert_allclose(t, want, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize(("name", "fun", "shapes"), FAMILIES, ids=[f[0] for f in FAMILIES])
def test_jacfwd_equals_jacrev_per_family(name, fun, shapes):
    # every forward rule against its primitive's reverse rule
    args = _arguments(name, shapes, 7)
    jf = ax.jacfwd(fun, argnums=tuple(range(len(args))))(*args)
    jr = ax.jacrev(fun, argnums=tuple(range(len(args))))(*args)
    for a, b in zip(jf, jr):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-10)


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 4),
    m=st.integers(1, 4),
    other=st.sampled_from(["row", "column", "scalar", "full", "one"]),
    seed=st.integers(0, 10_000),
)
def test_random_shapes_elementwise_and_reductions_broadcast_tangents(n, m, other, seed):
    # the tangent of the smaller operand must be broadcast to the output, never summed
    shape = {"row": (m,), "column": (n, 1), "scalar": (), "full": (n, m), "one": (1, 1)}[other]
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=(n, m)), rng.normal(size=shape)
    ta, tb = rng.normal(size=a.shape), rng.normal(size=shape)

    def f(a, b):
        z = anp.tanh(a) * b - anp.exp(b) / (1 + a**2)
        return anp.concatenate([z, anp.sum(z * a, axis=0, keepdims=True), anp.max(z, 0)[None]])

    y, t = ax.jvp(f, (a, b), (ta, tb))
    assert t.shape == y.shape == (n + 2, m)
    np.testing.assert_allclose(t, numeric_jvp(ax.jit(f), [a, b], [ta, tb]), rtol=1e-5, atol=1e-7)
    t_b = ax.vmap(lambda a, ta: ax.jvp(f, (a, b), (ta, tb))[1])(a[None], ta[None])
    np.testing.assert_allclose(t_b[0], t, rtol=1e-12, atol=1e-12)


def test_forward_mode_runs_through_long_loops_that_reverse_mode_refuses():
    # more steps than MAX_UNROLL: one loop of generated code carrying (value, tangent)
    def f(a):
        c = ax.lax.fori_loop(0, 100, lambda i, c: anp.sin(c) * a[0] + 0.01 * i, a[1])
        _, ys = ax.lax.scan(lambda c, r: (anp.cos(c) * r, c * r), a[2], anp.tile(a, (25, 1)))
        # a traced predicate: a while loop of generated code
        k = anp.sum(a) * 0
        w = ax.lax.while_loop(lambda s: s[1] < 7, lambda s: (s[0] * a[0] + 1, s[1] + 1), (c, k))
        return w[0] + ys.sum(0)

    a = np.random.default_rng(2).normal(size=(3, 4)) * 0.5
    t = np.random.default_rng(3).normal(size=(3, 4))
    np.testing.assert_allclose(
        ax.jvp(f, (a,), (t,))[1], numeric_jvp(ax.jit(f), [a], [t]), rtol=1e-5, atol=1e-7
    )
    np.testing.assert_allclose(
        ax.jacfwd(f)(a).reshape(4, 12) @ t.reshape(12), ax.jvp(f, (a,), (t,))[1], rtol=1e-10
    )
    with pytest.raises(ax.GradError, match="not differentiable"):
        ax.grad(lambda a: anp.sum(f(a)))(a)


def test_cond_on_an_unbatched_predicate_sweeps_each_branch_and_its_closures():
    def f(a, w, p):
        return ax.lax.cond(p > 0, lambda x: x * anp.sin(w), lambda x: x + w[0], a)

    a, w = np.linspace(-1, 1, 4), np.full(4, 0.3)
    t, tw = np.ones(4), np.arange(4.0)
    for p in (1.0, -1.0):
        jvp_f = ax.jit(lambda a, w, p: ax.jvp(lambda a, w: f(a, w, p), (a, w), (t, tw))[1])
        want = numeric_jvp(ax.jit(lambda a, w, p=p: f(a, w, p)), [a, w], [t, tw])
        np.testing.assert_allclose(jvp_f(a, w, np.float64(p)), want, rtol=1e-6, atol=1e-8)
        # batched closure, one predicate for the whole batch: still one branch of code
        per = ax.vmap(lambda w, p: ax.jvp(lambda w: f(a, w, p), (w,), (tw,))[1], (0, None))
        want = [numeric_jvp(ax.jit(lambda w, p=p: f(a, w, p)), [v], [tw]) for v in (w, 2 * w)]
        got = ax.jit(per)(np.stack([w, 2 * w]), np.float64(p))
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


def test_every_primitive_declares_a_forward_rule():
    missing = sorted(name for name, p in registered().items() if p.jvp is None)
    assert missing == []


# ---------------------------------------------------------------- compositions


def _h(x):
    return anp.sum(anp.sin(x) * x**3)


def _hess(x):
    return np.diag(6 * x * np.sin(x) + 6 * x**2 * np.cos(x) - x**3 * np.sin(x))


def test_jvp_under_vmap_with_batched_or_unbatched_primals_and_tangents():
    X, T = RNG.normal(size=(5, 3)), RNG.normal(size=(5, 3))
    want = np.stack([numeric_jvp(ax.jit(f_scalar), [x], [t]) for x, t in zip(X, T)])
    both = ax.vmap(lambda x, t: ax.jvp(f_scalar, (x,), (t,))[1])(X, T)
    np.testing.assert_allclose(both, want, rtol=1e-6, atol=1e-8)
    primal = ax.vmap(lambda x: ax.jvp(f_scalar, (x,), (T[0],))[1])(X)
    want_p = [numeric_jvp(ax.jit(f_scalar), [x], [T[0]]) for x in X]
    np.testing.assert_allclose(primal, want_p, rtol=1e-6, atol=1e-8)
    tangent = ax.vmap(lambda t: ax.jvp(f_scalar, (X[0],), (t,))[1])(T)
    want_t = [numeric_jvp(ax.jit(f_scalar), [X[0]], [t]) for t in T]
    np.testing.assert_allclose(tangent, want_t, rtol=1e-6, atol=1e-8)
    # vmap inside the differentiated function, and jit around it
    _, t = ax.jit(lambda X, T: ax.jvp(ax.vmap(f_scalar), (X,), (T,)))(X, T)
    np.testing.assert_allclose(t, want, rtol=1e-6, atol=1e-8)


def test_nested_forward_and_reverse_modes():
    x, t = RNG.normal(size=4), RNG.normal(size=4)
    hv = _hess(x) @ t
    np.testing.assert_allclose(ax.jvp(ax.grad(_h), (x,), (t,))[1], hv, rtol=1e-10)
    np.testing.assert_allclose(ax.grad(lambda v: ax.jvp(_h, (v,), (t,))[1])(x), hv, rtol=1e-10)
    second = ax.jvp(lambda v: ax.jvp(_h, (v,), (t,))[1], (x,), (t,))[1]
    np.testing.assert_allclose(second, t @ _hess(x) @ t, rtol=1e-10)
    for outer, inner in [(ax.jacfwd, ax.jacrev), (ax.jacfwd, ax.jacfwd), (ax.jacrev, ax.jacfwd)]:
        np.testing.assert_allclose(outer(inner(_h))(x), _hess(x), rtol=1e-10, atol=1e-12)


def test_linearize_traces_once_and_its_map_composes_with_vmap():
    x, t = RNG.normal(size=3), RNG.normal(size=3)
    want = numeric_jvp(ax.jit(f_vec), [x], [t])

    def both(x, t):
        out, lin = ax.linearize(f_vec, x)
        return out, lin(t), ax.vmap(lin)(anp.stack([t, 2 * t]))

    out, one, two = ax.jit(both)(x, t)
    np.testing.assert_allclose(out, ax.jit(f_vec)(x))
    np.testing.assert_allclose(one, want, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(two, [want, 2 * want], rtol=1e-6, atol=1e-8)


def test_integer_values_have_zero_tangents_of_their_own_dtype():
    x, t = RNG.normal(size=3), RNG.normal(size=3)
    (_, i), (ty, ti) = ax.jvp(lambda x, n: (x * n, anp.argmax(x)), (x, 3), (t, 0))
    np.testing.assert_allclose(ty, 3 * t)
    assert ti.dtype == i.dtype and ti == 0


# ---------------------------------------------------------------- custom rules


def test_custom_jvp_rule_is_called_by_the_forward_sweep():
    calls = []

    @ax.custom_jvp
    def f(x):
        return anp.sin(x)

    @f.defjvp
    def f_jvp(primals, tangents):
        calls.append(1)
        (x,), (t,) = primals, tangents
        return anp.sin(x), 3.0 * anp.cos(x) * t  # three times the true derivative, on purpose

    X, T = RNG.normal(size=(4, 3)), RNG.normal(size=(4, 3))
    np.testing.assert_allclose(ax.jvp(f, (X[0],), (T[0],))[1], 3 * np.cos(X[0]) * T[0])
    assert calls  # the user's rule, not the transpose of a pullback
    got = ax.vmap(lambda x, t: ax.jvp(f, (x,), (t,))[1])(X, T)
    np.testing.assert_allclose(got, 3 * np.cos(X) * T)
    np.testing.assert_allclose(ax.jacfwd(f)(X[0]), np.diag(3 * np.cos(X[0])))
    np.testing.assert_allclose(ax.jacfwd(f)(X[0]), ax.jacrev(f)(X[0]))  # reverse: its transpose


def test_forward_mode_of_a_custom_vjp_function_is_refused_as_in_jax():
    # JAX: "can't apply forward-mode autodiff (jvp) to a custom_vjp function." (TypeError);
    # reverse mode uses the rule
    @functools.partial(ax.custom_vjp, nondiff_argnums=(0,))
    def f(k, x):
        return anp.sin(x) * k

    f.defvjp(lambda k, x: (anp.sin(x) * k, x), lambda k, x, g: (5.0 * k * g * anp.cos(x),))
    X, T = RNG.normal(size=(4, 3)), RNG.normal(size=(4, 3))
    for forward in (
        lambda: ax.jvp(lambda x: f(2, x), (X[0],), (T[0],)),
        lambda: ax.jacfwd(lambda x: f(2, x))(X[0]),
    ):
        with pytest.raises(TypeError, match="custom_vjp"):
            forward()
    np.testing.assert_allclose(ax.grad(lambda x: anp.sum(f(2, x)))(X[0]), 10 * np.cos(X[0]))


# ---------------------------------------------------------------- what the tangent compiles to


def test_jvp_of_a_contraction_is_fused_einsums():
    v, w = RNG.normal(size=3), RNG.normal(size=4)
    A, dA = RNG.normal(size=(4, 3)), RNG.normal(size=(4, 3))

    def f(A, dA):
        return ax.jvp(lambda A: anp.sum((A @ v) * w), (A,), (dA,))

    e = ax.explain(f, A, dA)
    # the tangent's dA @ v * w is one einsum of its own, like the primal's: no elementwise
    # pass, no loop over anything
    assert e.equations == ["ab,b,a->", "ab,b,a->"]
    assert e.elementwise_flops == 0
    assert " for " not in e.source
    _, t = ax.jit(f)(A, dA)
    np.testing.assert_allclose(t, w @ dA @ v, rtol=1e-12)
    e = ax.explain(ax.vmap(lambda a, da: ax.jvp(lambda a: a @ A.T, (a,), (da,))), A, dA)
    assert e.equations == ["ab,bc->ac", "ab,bc->ac"]  # per example: one batched GEMM each


def test_primal_output_of_jvp_over_batched_tangents_stays_unbatched():
    # JAX's batching_test.testJacobians: out_axes=None on the primal output.
    A = np.arange(6.0).reshape(2, 3) / 6
    x = np.array([0.3, -0.2, 0.1])

    def push(v):
        return ax.jvp(lambda u: anp.tanh(A @ u), (x,), (v,))

    y, cols = ax.vmap(push, out_axes=(None, 1))(np.eye(3))
    np.testing.assert_allclose(y, np.tanh(A @ x))
    np.testing.assert_allclose(cols, (1 - np.tanh(A @ x) ** 2)[:, None] * A)


@pytest.mark.parametrize("jac", [ax.jacfwd, ax.jacrev])
def test_jacobians_of_size_zero_inputs_and_outputs_are_empty(jac):
    # JAX's layout still holds: output shape then input shape, with the zero-length axes
    assert jac(lambda x: x * 2)(np.zeros(0)).shape == (0, 0)
    assert jac(lambda x: anp.sin(x))(np.zeros((0, 3))).shape == (0, 3, 0, 3)
    assert jac(lambda x: x[:0])(np.ones(3)).shape == (0, 3)
    assert jac(lambda x: anp.sum(x))(np.zeros(0)).shape == (0,)
    # a non-empty block next to an empty one keeps its values: d(sum(x) * y)/dy = sum(x) I
    x, y = np.zeros(0), np.arange(1.0, 3.0)
    dx, dy = jac(lambda x, y: (anp.sum(x) + 3.0) * y, argnums=(0, 1))(x, y)
    assert dx.shape == (2, 0)
    np.testing.assert_allclose(dy, 3.0 * np.eye(2))


def test_hessian_of_a_size_zero_input_is_empty():
    assert ax.hessian(lambda x: anp.sum(x**2))(np.zeros(0)).shape == (0, 0)
    assert ax.hessian(lambda x: anp.sum(x**3))(np.zeros((0, 3))).shape == (0, 3, 0, 3)
