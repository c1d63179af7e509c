"""Random compositions of ops (Hypothesis): grad against finite differences, and
vmap(grad) against a loop of grads."""

from __future__ import annotations

import numpy as np
from gradcheck import numeric_grad
from hypothesis import given, settings
from hypothesis import strategies as st

import axcomp as ax
import axcomp.numpy as anp

M = np.random.default_rng(1).normal(size=(4, 4)) / 2
ROW = np.random.default_rng(2).normal(size=(4,))

# every op maps (3, 4) arrays to a (3, 4) array and is smooth on the reals
UNARY = {
    "sin": anp.sin,
    "tanh": anp.tanh,
    "square": anp.square,
    "exp_small": lambda a: anp.exp(a * 0.3),
    "log1p_sq": lambda a: anp.log1p(a * a),
    "sqrt_soft": lambda a: anp.sqrt(a * a + 1.0),
    "matmul": lambda a: a @ M,
    "rowvmap": lambda a: ax.vmap(lambda r: anp.tanh(anp.dot(M, r)))(a),
    "colsum": lambda a: anp.sum(a, axis=0, keepdims=True) + a,
    "rowmean": lambda a: a * anp.mean(a, axis=1, keepdims=True),
    "flip": lambda a: a[::-1] * 0.5 + a,
    "roll": lambda a: anp.concatenate([a[:, 1:], a[:, :1]], axis=1),
    "reshape": lambda a: a.reshape(4, 3).T.reshape(3, 4),
    "scale_row": lambda a: a * ROW,
    "pow3": lambda a: a**3 * 0.1,
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (1.0 + b * b),
    "einsum": lambda a, b: anp.einsum("ij,kj->ik", a, b) @ np.ones((3, 4)) * 0.1,
    "pairwise": lambda a, b: (
        ax.vmap(ax.vmap(lambda u, v: anp.sum((u - v) ** 2), in_axes=(None, 0)), in_axes=(0, None))(
            a, b
        )
        @ np.ones((3, 4))
        * 0.05
    ),
}

step = st.one_of(
    st.tuples(st.just("u"), st.sampled_from(sorted(UNARY)), st.integers(0, 10)),
    st.tuples(
        st.just("b"), st.sampled_from(sorted(BINARY)), st.integers(0, 10), st.integers(0, 10)
    ),
)


def build(program):
    def f(x, y):
        vals = [x, y]
        for instr in program:
            if instr[0] == "u":
                vals.append(UNARY[instr[1]](vals[instr[2] % len(vals)]))
            else:
                left, right = vals[instr[2] % len(vals)], vals[instr[3] % len(vals)]
                vals.append(BINARY[instr[1]](left, right))
        return anp.sum(anp.sin(vals[-1]))

    return f


@settings(max_examples=100, deadline=None)
@given(program=st.lists(step, min_size=1, max_size=5), seed=st.integers(0, 2**16))
def test_random_compositions_match_finite_differences(program, seed):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(3, 4)) * 0.7, rng.normal(size=(3, 4)) * 0.7
    f = build(program)
    fwd = ax.jit(f)
    gx, gy = ax.grad(f, argnums=(0, 1))(x, y)
    np.testing.assert_allclose(gx, numeric_grad(fwd, (x, y), 0), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(gy, numeric_grad(fwd, (x, y), 1), rtol=1e-4, atol=1e-6)
    value, g0 = ax.value_and_grad(f)(x, y)
    # two programs for the same gradient may round differently: an element that cancels to
    # near zero is compared at the gradient's own scale, not its own
    np.testing.assert_allclose(value, fwd(x, y), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(g0, gx, rtol=1e-12, atol=1e-12 * np.abs(gx).max())


@settings(max_examples=30, deadline=None)
@given(program=st.lists(step, min_size=1, max_size=4), seed=st.integers(0, 2**16))
def test_random_per_example_gradients_match_a_loop(program, seed):
    rng = np.random.default_rng(seed)
    x, ys = rng.normal(size=(3, 4)) * 0.7, rng.normal(size=(5, 3, 4)) * 0.7
    f = build(program)
    per = ax.vmap(ax.grad(f), in_axes=(None, 0))(x, ys)
    loop = np.stack([ax.grad(f)(x, y) for y in ys])
    np.testing.assert_allclose(per, loop, rtol=1e-10, atol=1e-12)
