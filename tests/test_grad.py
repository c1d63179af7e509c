"""axcomp.grad / value_and_grad / vjp: finite differences, composition with vmap and jit,
second derivatives, JAX conventions and error messages."""

from __future__ import annotations

import math

import numpy as np
import pytest
from gradcheck import numeric_grad

import axcomp as ax
import axcomp.numpy as anp

RNG = np.random.default_rng(0)


def check_grad(f, *args, argnums=None, rtol=1e-5, atol=1e-6):
    """grad(f) against central differences of the compiled forward, for every argument."""
    fwd = ax.jit(f)
    for a in argnums if argnums is not None else range(len(args)):
        got = ax.grad(f, argnums=a)(*args)
        want = numeric_grad(fwd, args, a)
        assert got.shape == np.shape(args[a])
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


# ------------------------------------------------------------------ the seed tutorial

POINTS_A = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
POINTS_B = np.array([[2.0, 2.0], [-2.0, 2.0], [2.0, -2.0], [-2.0, -2.0]])


def euclidean_distance_sq(point_a, point_b):
    return anp.sum((point_a - point_b) ** 2)


pairwise_distance_sq = ax.vmap(ax.vmap(euclidean_distance_sq, in_axes=(None, 0)), in_axes=(0, None))


def sum_of_distances(p_a, p_b):
    return anp.sum(pairwise_distance_sq(p_a, p_b))


def test_seed_tutorial_gradient():
    g = ax.grad(sum_of_distances, argnums=0)(POINTS_A, POINTS_B)
    assert g.shape == (3, 2)
    np.testing.assert_array_equal(g, [[8.0, 0.0], [0.0, 8.0], [-8.0, 0.0]])


def test_seed_value_and_grad_both_arguments():
    value, (ga, gb) = ax.value_and_grad(sum_of_distances, argnums=(0, 1))(POINTS_A, POINTS_B)
    assert float(value) == 108.0
    np.testing.assert_allclose(ga, 2 * (4 * POINTS_A - POINTS_B.sum(0)))
    np.testing.assert_allclose(gb, 2 * (3 * POINTS_B - POINTS_A.sum(0)))


def test_seed_gradient_adds_no_abd_intermediate():
    """The gradient builds no A×B×D array: the sum over B is pushed through the difference
    (sum_b 2(a - b) = 2(|B| a - sum_b b)); value_and_grad adds none to the forward's."""
    a, b = RNG.normal(size=(5, 3)), RNG.normal(size=(7, 3))

    def big(plan):
        return [s for s in plan.steps if math.prod(s.node.shape) == 5 * 7 * 3 and s.statements]

    fwd = ax.jit(sum_of_distances).lower(a, b).plan
    bwd = ax.grad(sum_of_distances).lower(a, b).plan
    both = ax.value_and_grad(sum_of_distances, argnums=(0, 1)).lower(a, b).plan
    assert big(bwd) == []
    assert len(big(both)) <= len(big(fwd))


# ------------------------------------------------------------------ every op, by finite differences

X = RNG.uniform(0.2, 0.9, size=(3, 4))
Y = RNG.uniform(0.2, 0.9, size=(3, 4))
ROW = RNG.uniform(0.2, 0.9, size=(4,))
COL = RNG.uniform(0.2, 0.9, size=(3, 1))

UNARY = [
    anp.negative,
    anp.positive,
    anp.square,
    anp.sqrt,
    anp.cbrt,
    anp.reciprocal,
    anp.exp,
    anp.exp2,
    anp.expm1,
    anp.log,
    anp.log2,
    anp.log10,
    anp.log1p,
    anp.abs,
    anp.tanh,
    anp.sinh,
    anp.cosh,
    anp.sin,
    anp.cos,
    anp.tan,
    anp.arcsin,
    anp.arccos,
    anp.arctan,
    anp.arcsinh,
    anp.arctanh,
    anp.deg2rad,
    anp.rad2deg,
    anp.conj,
    anp.real,
    lambda x: anp.arccosh(x + 1.5),
    lambda x: x**3,
    lambda x: x**0.5,
    lambda x: x**-2,
    lambda x: 2.0**x,
    lambda x: -x,
    lambda x: abs(x - 0.5),
]


@pytest.mark.parametrize("fn", UNARY, ids=lambda f: getattr(f, "__name__", "lambda"))
def test_unary_ops(fn):
    check_grad(lambda x: anp.sum(fn(x) * Y), X)


BINARY = [
    anp.add,
    anp.subtract,
    anp.multiply,
    anp.divide,
    anp.power,
    anp.maximum,
    anp.minimum,
    anp.fmax,
    anp.fmin,
    anp.arctan2,
    anp.hypot,
    anp.remainder,
    lambda x, y: anp.copysign(x, y - 0.5),
    lambda x, y: anp.where(x > y, x * y, x - y),
    lambda x, y: x @ y.T,
    lambda x, y: anp.dot(x, y.T),
    lambda x, y: anp.einsum("ij,kj->ik", x, y),
    lambda x, y: anp.outer(x, y),
    lambda x, y: anp.inner(x, y),
    lambda x, y: anp.tensordot(x, y, 2),
    lambda x, y: anp.vdot(x, y),
]


@pytest.mark.parametrize("fn", BINARY, ids=lambda f: getattr(f, "__name__", "lambda"))
def test_binary_ops(fn):
    check_grad(lambda x, y: anp.sum(anp.sin(fn(x, y))), X, Y)


@pytest.mark.parametrize("other", [ROW, COL, np.float64(0.7)], ids=["row", "col", "scalar"])
@pytest.mark.parametrize(
    "fn", [anp.add, anp.subtract, anp.multiply, anp.divide, anp.power, anp.maximum, anp.arctan2]
)
def test_binary_ops_broadcast(fn, other):
    check_grad(lambda x, y: anp.sum(anp.cos(fn(x, y))), X, other)
    check_grad(lambda x, y: anp.sum(anp.cos(fn(y, x))), X, other)


REDUCTIONS = [
    lambda x: anp.sum(x),
    lambda x: anp.sum(x, axis=0) @ ROW,
    lambda x: anp.sum(anp.sum(x, axis=1, keepdims=True) * COL),
    lambda x: anp.mean(x**2),
    lambda x: anp.sum(anp.mean(x, axis=1) ** 2),
    lambda x: anp.max(x) + anp.min(x),
    lambda x: anp.sum(anp.max(x, axis=0) * ROW),
    lambda x: anp.sum(anp.min(x, axis=1, keepdims=True) * COL),
    lambda x: anp.prod(x),
    lambda x: anp.sum(anp.prod(x, axis=0) * ROW),
    lambda x: anp.sum(x.max(axis=-1)),
]


@pytest.mark.parametrize("fn", REDUCTIONS)
def test_reductions(fn):
    check_grad(fn, X)


SHAPE_OPS = [
    lambda x: x.reshape(12) * np.arange(12.0),
    lambda x: x.reshape(2, 6).T @ np.ones(2),
    lambda x: anp.transpose(x) * np.arange(3.0),
    lambda x: anp.swapaxes(x[None], 0, 2) ** 2,
    lambda x: anp.moveaxis(x, 0, 1) ** 2,
    lambda x: anp.expand_dims(x, 1) * np.arange(3.0)[:, None, None],
    lambda x: anp.squeeze(x[:, :1]) ** 3,
    lambda x: anp.broadcast_to(x[:, :1], (3, 5)) * np.arange(5.0),
    lambda x: x[1] ** 2,
    lambda x: x[1, 2] ** 2,
    lambda x: x[::-1, 1::2] ** 2,
    lambda x: x[..., None, 1:3] ** 2,
    lambda x: x[:, -1] * x[:, 0],
    lambda x: anp.concatenate([x, x**2, x[:, :1]], axis=1) * np.arange(9.0),
    lambda x: anp.stack([x, 2 * x], axis=-1) ** 2,
    lambda x: anp.ravel(x) * np.arange(12.0),
    lambda x: anp.astype(x, np.float64) ** 2,
    lambda x: anp.astype(x * 3, np.int64) * x,
    lambda x: anp.clip(x, 0.3, 0.7) ** 2,
    lambda x: anp.einsum("ii->i", x[:, :3]) ** 2,
    lambda x: anp.einsum("ii", x[:, 1:]) * x,
    lambda x: anp.einsum("ij,ij,ij->", x, x, x),
    lambda x: anp.array([x[0, 0], x[1, 1] ** 2]),
    lambda x: anp.where(x > 0.5, x, 0.0) ** 2,
    lambda x: anp.floor(x * 3) * x + anp.sign(x) * x + anp.ceil(x) + anp.rint(x) + anp.trunc(x),
]


@pytest.mark.parametrize("fn", SHAPE_OPS)
def test_shape_and_indexing_ops(fn):
    check_grad(lambda x: anp.sum(anp.sin(fn(x))), X)


# ------------------------------------------------------------------ composition


def test_per_example_gradients_match_a_loop():
    w = RNG.normal(size=(4,))
    xs = RNG.normal(size=(6, 4))
    ys = RNG.normal(size=(6,))

    def loss(w, x, y):
        return (anp.tanh(anp.dot(w, x)) - y) ** 2

    per_example = ax.vmap(ax.grad(loss), in_axes=(None, 0, 0))(w, xs, ys)
    assert per_example.shape == (6, 4)
    for i in range(6):
        np.testing.assert_allclose(per_example[i], ax.grad(loss)(w, xs[i], ys[i]), rtol=1e-12)
        np.testing.assert_allclose(
            per_example[i], numeric_grad(ax.jit(loss), (w, xs[i], ys[i])), rtol=1e-6
        )
    # per-example gradients w.r.t. the mapped argument too
    gx = ax.vmap(ax.grad(loss, argnums=1), in_axes=(None, 0, 0))(w, xs, ys)
    for i in range(6):
        np.testing.assert_allclose(gx[i], ax.grad(loss, argnums=1)(w, xs[i], ys[i]), rtol=1e-12)


def test_nested_vmap_of_grad():
    a, b = RNG.normal(size=(3, 2)), RNG.normal(size=(4, 2))
    g = ax.vmap(ax.vmap(ax.grad(euclidean_distance_sq), in_axes=(None, 0)), in_axes=(0, None))(a, b)
    assert g.shape == (3, 4, 2)
    np.testing.assert_allclose(g, 2 * (a[:, None, :] - b[None, :, :]))


def test_jit_of_grad_and_grad_of_jit():
    f = ax.jit(ax.grad(sum_of_distances))
    np.testing.assert_array_equal(f(POINTS_A, POINTS_B), [[8, 0], [0, 8], [-8, 0]])
    g = ax.grad(ax.jit(sum_of_distances))
    np.testing.assert_array_equal(g(POINTS_A, POINTS_B), [[8, 0], [0, 8], [-8, 0]])


def test_grad_inside_vmap_and_outside_vmap_agree():
    w = RNG.normal(size=(3,))
    xs = RNG.normal(size=(5, 3))

    def total(w, xs):
        return anp.sum(ax.vmap(lambda x: anp.exp(anp.dot(w, x)))(xs))

    per = ax.vmap(ax.grad(lambda w, x: anp.exp(anp.dot(w, x))), in_axes=(None, 0))(w, xs)
    np.testing.assert_allclose(ax.grad(total)(w, xs), per.sum(0), rtol=1e-12)


def test_second_derivatives_scalar():
    x = np.float64(0.7)

    def f(x):
        return anp.sin(x) * x

    d1 = ax.grad(f)(x)
    d2 = ax.grad(ax.grad(f))(x)
    d3 = ax.grad(ax.grad(ax.grad(f)))(x)
    np.testing.assert_allclose(d1, np.cos(x) * x + np.sin(x))
    np.testing.assert_allclose(d2, 2 * np.cos(x) - x * np.sin(x))
    np.testing.assert_allclose(d3, -3 * np.sin(x) - x * np.cos(x))


def test_hessian_vector_product():
    a = RNG.normal(size=(4, 4))
    a = a + a.T
    x, v = RNG.normal(size=(4,)), RNG.normal(size=(4,))

    def quad(x):
        return 0.5 * x @ a @ x + anp.sum(x**3)

    def hvp(x, v):
        return ax.grad(lambda y: anp.dot(ax.grad(quad)(y), v))(x)

    np.testing.assert_allclose(hvp(x, v), a @ v + 6 * x * v, rtol=1e-10)


def test_second_derivative_through_nested_vmap():
    """d²/da² of the seed's sum of distances is 2·|B| on the diagonal."""

    def first(a, b):
        return anp.sum(ax.grad(sum_of_distances)(a, b) * np.arange(6.0).reshape(3, 2))

    np.testing.assert_allclose(
        ax.grad(first)(POINTS_A, POINTS_B), 2 * 4 * np.arange(6.0).reshape(3, 2)
    )


def test_second_derivatives_of_kernels():
    x = RNG.uniform(0.5, 1.5, size=(3,))

    def softplus_sum(x):
        return anp.sum(anp.log1p(anp.exp(x)))

    sig = 1 / (1 + np.exp(-x))
    diag = ax.vmap(ax.grad(ax.grad(lambda t: anp.log1p(anp.exp(t)))))(x)
    np.testing.assert_allclose(diag, sig * (1 - sig), rtol=1e-10)
    hv = ax.grad(lambda y: anp.sum(ax.grad(softplus_sum)(y)))(x)
    np.testing.assert_allclose(hv, sig * (1 - sig), rtol=1e-10)
    # tanh'' = -2 tanh (1 - tanh²)
    t = np.tanh(x)
    np.testing.assert_allclose(
        ax.vmap(ax.grad(ax.grad(anp.tanh)))(x), -2 * t * (1 - t**2), rtol=1e-10
    )


# ------------------------------------------------------------------ API conventions


def test_pytree_arguments_and_argnums_tuple():
    params = {"w": RNG.normal(size=(3,)), "b": np.float64(0.5)}
    x = RNG.normal(size=(3,))

    def f(p, x):
        return anp.tanh(anp.dot(p["w"], x) + p["b"])

    g = ax.grad(f)(params, x)
    assert set(g) == {"w", "b"}
    z = np.tanh(params["w"] @ x + params["b"])
    np.testing.assert_allclose(g["w"], (1 - z**2) * x)
    np.testing.assert_allclose(g["b"], 1 - z**2)
    _gp, gx = ax.grad(f, argnums=(0, 1))(params, x)
    np.testing.assert_allclose(gx, (1 - z**2) * params["w"])
    assert isinstance(ax.grad(f, argnums=(1,))(params, x), tuple)


def test_has_aux_and_value_and_grad():
    x = RNG.normal(size=(3,))

    def f(x):
        return anp.sum(x**2), {"norm": anp.sqrt(anp.sum(x**2))}

    g, aux = ax.grad(f, has_aux=True)(x)
    np.testing.assert_allclose(g, 2 * x)
    np.testing.assert_allclose(aux["norm"], np.linalg.norm(x))
    (v, _aux2), g2 = ax.value_and_grad(f, has_aux=True)(x)
    np.testing.assert_allclose(v, x @ x)
    np.testing.assert_allclose(g2, 2 * x)


def test_float32_stays_float32():
    x = RNG.normal(size=(4,)).astype(np.float32)
    g = ax.grad(lambda x: anp.sum(anp.exp(x) * 2.0))(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, 2 * np.exp(x), rtol=1e-6)


def test_unused_argument_gets_zeros():
    g = ax.grad(lambda x, y: anp.sum(x**2), argnums=1)(X, Y)
    np.testing.assert_array_equal(g, np.zeros_like(Y))


def test_closed_over_values_are_constants():
    """Inner grad treats values computed from the outer variable as constants (no
    perturbation confusion): d/dx [d/dy (x*y)] at y=x is 1, not 2."""

    def outer(x):
        return ax.grad(lambda y: x * y)(x)

    np.testing.assert_allclose(ax.grad(outer)(np.float64(3.0)), 1.0)


@pytest.mark.parametrize(
    "fn, x, want",
    [
        (anp.abs, 0.0, 1.0),  # JAX: abs'(0) = 1
        (lambda x: anp.maximum(x, 0.0), 0.0, 0.5),  # relu as maximum: tie = 0.5
        (lambda x: anp.minimum(x, 2.0), 2.0, 0.5),
        (anp.sqrt, 0.0, math.inf),  # sqrt'(0) = inf
        (anp.sign, 1.0, 0.0),
        (lambda x: anp.clip(x, 0.0, 1.0), 1.0, 0.5),
        (lambda x: anp.fmax(x, 1.0), 1.0, 0.0),
        (lambda x: anp.remainder(-5.0, x), 3.0, 2.0),
    ],
)
def test_jax_conventions_at_kinks(fn, x, want):
    with np.errstate(divide="ignore"):
        assert float(ax.grad(fn)(np.float64(x))) == want


def test_max_reduction_ties_share_equally():
    g = ax.grad(lambda x: anp.max(x))(np.array([1.0, 3.0, 3.0]))
    np.testing.assert_array_equal(g, [0.0, 0.5, 0.5])
    g = ax.grad(lambda x: anp.prod(x))(np.array([0.0, 2.0, 3.0]))
    np.testing.assert_array_equal(g, [6.0, 0.0, 0.0])
    g = ax.grad(lambda x: anp.prod(x))(np.array([0.0, 0.0, 3.0]))
    np.testing.assert_array_equal(g, [0.0, 0.0, 0.0])


# ------------------------------------------------------------------ errors


def test_non_scalar_output_error():
    with pytest.raises(
        ax.GradError,
        match=r"Gradient only defined for scalar-output functions\. "
        r"Output had shape: \(3,\)",
    ):
        ax.grad(lambda x: x * 2)(np.ones(3))
    with pytest.raises(TypeError):  # GradError is also a TypeError, like JAX
        ax.grad(lambda x: x * 2)(np.ones(3))


def test_integer_input_error():
    message = (
        r"grad requires real- or complex-valued inputs \(input dtype that is a "
        r"sub-dtype of np.inexact\), but got int64"
    )
    with pytest.raises(ax.GradError, match=message):
        ax.grad(lambda x: anp.sum(x * 1.0))(np.arange(3))


def test_integer_output_error():
    with pytest.raises(ax.GradError, match="requires real-valued outputs"):
        ax.grad(lambda x: anp.argmax(x))(np.ones(3))


def test_argnums_errors():
    with pytest.raises(
        ax.GradError,
        match=r"argnums=2 requires at least 3 positional arguments"
        r" to be passed by the caller, but got only 2",
    ):
        ax.grad(lambda x, y: anp.sum(x * y), argnums=2)(X, Y)
    with pytest.raises(ax.GradError, match="argnums must be an int or a tuple of ints"):
        ax.grad(lambda x: x, argnums="0")


def test_has_aux_requires_pair():
    with pytest.raises(ax.GradError, match="has_aux=True requires"):
        ax.grad(lambda x: anp.sum(x), has_aux=True)(X)


def test_error_classes_are_axcomp_errors():
    assert issubclass(ax.GradError, ax.AxcompError)


# ------------------------------------------------------------------ vjp


def test_vjp_matches_the_jacobian_transpose():
    x = RNG.normal(size=(3,))
    mat = RNG.normal(size=(2, 3))

    def f(x):
        return anp.tanh(mat @ x)

    out, pullback = ax.vjp(f, x)
    np.testing.assert_allclose(out, np.tanh(mat @ x))
    ct = np.array([1.0, -2.0])
    (gx,) = pullback(ct)
    jac = (1 - np.tanh(mat @ x) ** 2)[:, None] * mat
    np.testing.assert_allclose(gx, jac.T @ ct)
    assert isinstance(pullback.staged, ax.transforms.Staged)


def test_vjp_multiple_primals_pytree_output_and_inside_jit():
    x, y = RNG.normal(size=(3,)), RNG.normal(size=(3,))

    def f(x, y):
        return {"p": x * y, "s": anp.sum(x)}

    _out, pullback = ax.vjp(f, x, y)
    gx, gy = pullback({"p": np.ones(3), "s": np.float64(2.0)})
    np.testing.assert_allclose(gx, y + 2.0)
    np.testing.assert_allclose(gy, x)

    @ax.jit
    def inside(x, y, ct):
        _, fn = ax.vjp(lambda a: a * y, x)
        return fn(ct)[0]

    np.testing.assert_allclose(inside(x, y, np.arange(3.0)), y * np.arange(3.0))


def test_vjp_shape_mismatch_error():
    _, pullback = ax.vjp(lambda x: x * 2, np.ones(3))
    with pytest.raises(ax.GradError, match="Shape of cotangent input"):
        pullback(np.ones(2))


def test_explain_shows_the_gradient_program():
    text = str(ax.explain(ax.grad(sum_of_distances), POINTS_A, POINTS_B))
    assert "contraction" in text


# ------------------------------------------------------------------ second order, every op

V = RNG.normal(size=(3, 4))


def check_hvp(f, *args, rtol=1e-5, atol=1e-5):
    """grad of (grad f · v) against finite differences of the compiled first gradient."""
    for a in range(len(args)):

        def directional(*xs, a=a):
            return anp.sum(ax.grad(f, argnums=a)(*xs) * V)

        got = ax.grad(directional, argnums=a)(*args)
        want = numeric_grad(ax.jit(directional), args, a)
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


@pytest.mark.parametrize("fn", UNARY, ids=lambda f: getattr(f, "__name__", "lambda"))
def test_second_order_unary(fn):
    check_hvp(lambda x: anp.sum(fn(x) * Y), X)


@pytest.mark.parametrize("fn", BINARY[:12], ids=lambda f: getattr(f, "__name__", "lambda"))
def test_second_order_binary(fn):
    check_hvp(lambda x, y: anp.sum(anp.sin(fn(x, y))), X, Y)


@pytest.mark.parametrize("fn", REDUCTIONS + SHAPE_OPS[:-1])
def test_second_order_reductions_and_shapes(fn):
    check_hvp(lambda x: anp.sum(anp.sin(fn(x))), X)


def test_seed_tutorial_example_runs_to_the_end():
    import contextlib
    import io
    import runpy
    from pathlib import Path

    example = Path(__file__).resolve().parent.parent / "examples" / "seed_tutorial.py"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        namespace = runpy.run_path(str(example))
    assert "Shape of gradients w.r.t points_a: (3, 2)" in out.getvalue().splitlines()
    np.testing.assert_array_equal(namespace["gradients_a"], [[8, 0], [0, 8], [-8, 0]])


def test_complex_paths_take_jax_conventions():
    # real's cotangent is complex(ct, 0); a real input takes the real part of its cotangent
    g = ax.grad(lambda z: anp.sum(anp.real(z)))(np.ones(2, complex))
    assert g.dtype == np.complex128
    np.testing.assert_array_equal(g, np.ones(2, complex))
    g = ax.grad(lambda x: anp.sum(anp.imag(anp.astype(x, np.complex128) * 1j)))(np.ones(2))
    assert g.dtype == np.float64
    np.testing.assert_array_equal(g, np.ones(2))


def test_contraction_vjps_fuse_into_single_einsums():
    """d/dA sum((A @ B) * C) = C @ B.T: one GEMM per operand, no copies of the seed."""
    a, b, c = RNG.normal(size=(3, 4)), RNG.normal(size=(4, 5)), RNG.normal(size=(3, 5))

    def f(a, b, c):
        return anp.sum((a @ b) * c)

    assert ax.grad(f).lower(a, b, c).equations == ["ab,cb->ac"]
    compiled = ax.value_and_grad(f, argnums=(0, 1)).lower(a, b, c)
    assert compiled.equations == ["ab,bc,ac->", "ab,cb->ac", "ab,ac->cb"]
    value, (ga, gb) = compiled.run([a, b, c])
    np.testing.assert_allclose(value, np.sum((a @ b) * c))
    np.testing.assert_allclose(ga, c @ b.T)
    np.testing.assert_allclose(gb, a.T @ c)


def test_vmap_of_value_and_grad_with_aux_and_keyword_arguments():
    w, xs = RNG.normal(size=(3,)), RNG.normal(size=(4, 3))

    def f(w, x, scale=1.0):
        z = anp.dot(w, x) * scale
        return anp.sin(z), z

    (values, zs), grads = ax.vmap(ax.value_and_grad(f, has_aux=True), in_axes=(None, 0))(w, xs)
    np.testing.assert_allclose(values, np.sin(xs @ w))
    np.testing.assert_allclose(zs, xs @ w)
    np.testing.assert_allclose(grads, np.cos(xs @ w)[:, None] * xs)
    g = ax.grad(lambda w, x: f(w, x, scale=2.0)[0])(w, xs[0])
    np.testing.assert_allclose(g, 2 * np.cos(2 * xs[0] @ w) * xs[0])


@pytest.mark.parametrize(
    "kernel",
    [
        lambda u, v: anp.sum((u - v + 0.5) ** 2),
        lambda u, v: anp.sum((u + v) * (u - v)),
        lambda u, v: anp.sum(3.0 * (u - v) ** 2 - u),
        lambda u, v: anp.sum((1.0 - (u - v)) ** 2) * 0.5,
        lambda u, v: anp.sum(anp.tanh(u - v) * (u + 2 * v)),
    ],
)
def test_pairwise_kernels_with_sums_pushed_through_differences(kernel):
    a, b = RNG.normal(size=(3, 2)), RNG.normal(size=(4, 2))
    pairwise = ax.vmap(ax.vmap(kernel, in_axes=(None, 0)), in_axes=(0, None))
    check_grad(lambda a, b: anp.sum(pairwise(a, b) * np.arange(12.0).reshape(3, 4)), a, b)


def test_vjp_outside_a_trace_compiles_once():
    def f(x):
        return anp.tanh(x) * 2.0

    x = np.linspace(-1.0, 1.0, 4)
    _, first = ax.vjp(f, x)
    first(np.ones(4))
    _, again = ax.vjp(f, x + 1.0)
    (g,) = again(np.ones(4))
    assert again.staged is first.staged  # the same staged pullback, not a new one per call
    assert first.staged.cache_info().misses == 1  # compiled once for both calls
    np.testing.assert_allclose(g, 2.0 * (1 - np.tanh(x + 1.0) ** 2))


def test_constant_exponent_derivative_needs_no_select():
    # d/dx x**c = c x**(c-1) directly when c is a constant: no where() for the y == 0 case
    f = lambda x: anp.sum(x**3.0)  # noqa: E731
    source = ax.explain(ax.grad(f), np.ones(3)).source
    assert "where" not in source and "power" in source
    np.testing.assert_allclose(ax.grad(f)(np.array([0.0, 1.0, 2.0])), [0.0, 3.0, 12.0])


def test_gradient_whose_contraction_multiplies_only_constants() -> None:
    # the backward pass of sum(x - max(x)) contracts two Python-float constants (',->');
    # their product is a Python float, and the next line's .reshape used to crash on it
    x = np.array([0.3, -0.2, 0.1])
    got = ax.grad(lambda v: anp.sum(v - anp.max(v)))(x)
    want = np.ones(3) - 3.0 * (np.arange(3) == np.argmax(x))  # sum of ones minus n at argmax
    np.testing.assert_allclose(got, want, rtol=1e-15)


def test_value_and_grad_of_a_python_constant_times_x() -> None:
    # d/dx 3x = 3: the int literal is cast to x's dtype (it once printed ``3.astype``)
    for x in (np.array(0.5), np.float32(2.0)):
        value, g = ax.value_and_grad(lambda x: 3 * x)(x)
        assert float(value) == 3 * float(x)
        assert float(g) == 3.0
        assert np.asarray(g).dtype == np.asarray(x).dtype


def test_gradient_that_no_mapped_input_reaches_is_unmapped() -> None:
    # as in JAX: nothing is mapped, so the gradient is one value and out_axes=None holds it
    f = lambda x: anp.sum(anp.sin(x))  # noqa: E731
    x = np.arange(3.0)
    g = ax.vmap(ax.grad(f), in_axes=None, out_axes=None, axis_size=2)(x)
    np.testing.assert_allclose(g, np.cos(x), rtol=1e-15)
    one = ax.vmap(ax.grad(f), in_axes=None, out_axes=None, axis_size=1)(x)
    np.testing.assert_allclose(one, np.cos(x), rtol=1e-15)  # lengths do not matter
    stacked = ax.vmap(ax.grad(f), in_axes=None, axis_size=2)(x)
    np.testing.assert_allclose(stacked, np.stack([np.cos(x)] * 2), rtol=1e-15)
    # the gradient in w does not read the mapped x: unmapped; in x it does: mapped
    h = lambda w, x: anp.sum(w**2) + anp.sum(x)  # noqa: E731
    w, xs = np.array([1.0, -2.0]), np.ones((4, 2))
    gw = ax.vmap(ax.grad(h), in_axes=(None, 0), out_axes=None)(w, xs)
    np.testing.assert_allclose(gw, 2 * w)
    k = lambda w, x: anp.sum(w * x)  # noqa: E731
    gx = ax.vmap(ax.grad(k), in_axes=(None, 0))(w, np.arange(8.0).reshape(4, 2))
    np.testing.assert_allclose(gx, np.arange(8.0).reshape(4, 2))
    with pytest.raises(ax.AxcompError):
        ax.vmap(ax.grad(k), in_axes=(None, 0), out_axes=None)(w, xs)


def test_pullback_that_no_mapped_input_reaches_is_unmapped() -> None:
    f = lambda x: anp.sum(anp.sin(x))  # noqa: E731
    x = np.arange(3.0)
    g = ax.vmap(lambda x: ax.vjp(f, x)[1](1.0)[0], in_axes=None, out_axes=None, axis_size=2)(x)
    np.testing.assert_allclose(g, np.cos(x), rtol=1e-15)


def test_forward_over_reverse_keeps_tangents_that_vary_where_values_repeat() -> None:
    # under jacfwd the primal repeats along the tangent level while its tangent does not:
    # the inner gradient must stay mapped there (a slice would keep one direction only)
    def g(x):
        return anp.sin(anp.einsum("nij,njk->nik", x, x))

    x = 0.5 * np.random.default_rng(0).normal(size=(3, 2, 2))
    forward_over_reverse = ax.jacfwd(ax.jacrev(g))(x)
    reverse_over_reverse = ax.jacrev(ax.jacrev(g))(x)
    np.testing.assert_allclose(forward_over_reverse, reverse_over_reverse, atol=1e-12)
    eps, jac = 1e-6, lambda v: np.asarray(ax.jacrev(g)(v))
    for idx in [(0, 0, 0), (2, 1, 0)]:
        d = np.zeros_like(x)
        d[idx] = eps
        fd = (jac(x + d) - jac(x - d)) / (2 * eps)
        np.testing.assert_allclose(forward_over_reverse[(...,) + idx], fd, atol=1e-7)
