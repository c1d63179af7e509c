"""Named-axis collectives (``axcomp.lax.psum`` & co.) under vmap, jit and grad.

References are loops: slice the mapped axis, compute each example knowing the group's
total/mean/max, stack. The expected values of the JAX-specific conventions (psum of an
unbatched value, innermost binding, cotangents under vmap) were checked against JAX.
"""

import numpy as np
import pytest

import axcomp
import axcomp.numpy as anp
from axcomp import lax
from axcomp.errors import AxcompError, UnboundAxisError
from tests.gradcheck import numeric_grad

vmap = axcomp.vmap
rng = np.random.default_rng(7)
X = rng.normal(size=(5, 3))
Y = rng.normal(size=(2, 4, 3))


def loop(xs, per_example):
    """Stack ``per_example(x_i, i)`` over the leading axis."""
    return np.stack([per_example(xs[i], i) for i in range(xs.shape[0])])


def bn(v):
    m = lax.pmean(v, "b")
    return (v - m) / anp.sqrt(lax.pmean((v - m) ** 2, "b") + 1e-5)


def bn_reference(xs):
    mean, var = xs.mean(0), ((xs - xs.mean(0)) ** 2).mean(0)
    return loop(xs, lambda x, i: (x - mean) / np.sqrt(var + 1e-5))


# ---------------------------------------------------------------- one vmap


@pytest.mark.parametrize(
    "name, group",
    [("psum", np.sum), ("pmean", np.mean), ("pmax", np.max), ("pmin", np.min)],
)
def test_reductions_single_vmap(name, group):
    fn = getattr(lax, name)
    got = vmap(lambda v: v * 2 + fn(v, "i"), axis_name="i")(X)
    total = group(X, axis=0)
    np.testing.assert_allclose(got, loop(X, lambda x, i: x * 2 + total), rtol=1e-12)


def test_every_example_sees_the_result_and_out_axes_none():
    got = vmap(lambda v: lax.psum(v, "i"), axis_name="i")(X)
    np.testing.assert_allclose(got, np.broadcast_to(X.sum(0), X.shape))
    alone = vmap(lambda v: lax.psum(v, "i"), axis_name="i", out_axes=None)(X)
    np.testing.assert_allclose(alone, X.sum(0))


def test_unbatched_values():
    # the same value in every example: psum multiplies by the size (psum(1, 'i') is it)
    got = vmap(lambda v: v + lax.psum(1, "i") + lax.psum(np.ones(3), "i"), axis_name="i")(X)
    np.testing.assert_allclose(got, X + 5 + 5)
    got = vmap(lambda v: v + lax.pmean(2.0, "i") + lax.pmax(np.arange(3.0), "i"), axis_name="i")(X)
    np.testing.assert_allclose(got, X + 2 + np.arange(3.0))


def test_dtypes():
    ints = np.arange(6, dtype=np.int32).reshape(3, 2)
    s = vmap(lambda v: lax.psum(v, "i"), axis_name="i")(ints)
    assert s.dtype == np.int32 and (s == ints.sum(0)).all()
    m = vmap(lambda v: lax.pmean(v, "i"), axis_name="i")(ints)
    assert m.dtype == np.float32  # JAX 0.10.2 (x64 on): the mean of int32 is float32
    np.testing.assert_allclose(m, np.broadcast_to(ints.mean(0), ints.shape))
    idx = vmap(lambda v: lax.axis_index("i"), axis_name="i")(X)
    assert idx.dtype == np.int32 and idx.tolist() == list(range(5))


# ---------------------------------------------------------------- nested vmaps


def test_outer_axis_from_inner_vmap():
    f = vmap(vmap(lambda v: lax.psum(v, "i"), axis_name="j"), axis_name="i")
    got = f(X)  # j maps the 3 columns; psum over the 5 rows
    np.testing.assert_allclose(got, np.broadcast_to(X.sum(0), X.shape))


def test_inner_axis():
    f = vmap(vmap(lambda v: lax.pmax(v, "j"), axis_name="j"), axis_name="i")
    np.testing.assert_allclose(f(X), loop(X, lambda x, i: np.full(3, x.max())))


def test_innermost_binding_wins():
    f = vmap(vmap(lambda v: lax.psum(v, "i"), axis_name="i"), axis_name="i")
    np.testing.assert_allclose(f(X), loop(X, lambda x, i: np.full(3, x.sum())))


def test_tuple_of_names():
    f = vmap(vmap(lambda v: lax.psum(v, ("i", "j")), axis_name="j"), axis_name="i")
    np.testing.assert_allclose(f(X), np.full(X.shape, X.sum()))
    g = vmap(vmap(lambda v: lax.pmean(v, ["j", "i"]), axis_name="j"), axis_name="i")
    np.testing.assert_allclose(g(Y), np.broadcast_to(Y.mean((0, 1)), Y.shape))


def test_value_from_outer_level_inside_inner():
    # x does not carry 'j' (it is the same for every inner example): psum is x * size
    def outer(row):
        return vmap(lambda c: lax.psum(row, "j") + c, axis_name="j")(row)

    got = vmap(outer, axis_name="i")(X)
    np.testing.assert_allclose(got, loop(X, lambda x, i: (3 * x)[None, :] + x[:, None]))


def test_unnamed_vmaps_do_not_bind_names():
    # a vmap without axis_name has no name to refer to (JAX raises NameError too), even
    # though its batch axis has an internal name such as 'a'
    with pytest.raises(NameError):
        vmap(lambda v: lax.psum(v, "a"))(X)


# ---------------------------------------------------------------- axis_index, all_gather


def test_axis_index():
    got = vmap(lambda v: v * lax.axis_index("i"), axis_name="i")(X)
    np.testing.assert_allclose(got, loop(X, lambda x, i: x * i))
    nested = vmap(
        vmap(lambda v: lax.axis_index("i") * 10 + lax.axis_index("j"), axis_name="j"),
        axis_name="i",
    )(X)
    assert nested.tolist() == [[10 * i + j for j in range(3)] for i in range(5)]
    flat = vmap(vmap(lambda v: lax.axis_index(("i", "j")), axis_name="j"), axis_name="i")(X)
    assert flat.tolist() == [[3 * i + j for j in range(3)] for i in range(5)]


def test_all_gather():
    got = vmap(lambda v: lax.all_gather(v, "i"), axis_name="i")(X)
    np.testing.assert_allclose(got, loop(X, lambda x, i: X))
    got = vmap(lambda v: lax.all_gather(v, "i", axis=1), axis_name="i")(X)
    np.testing.assert_allclose(got, loop(X, lambda x, i: X.T))
    got = vmap(lambda v: lax.all_gather(v, "i", tiled=True), axis_name="i")(X)
    np.testing.assert_allclose(got, loop(X, lambda x, i: X.reshape(-1)))
    # each example uses the others: x_i minus the mean of the examples before it
    got = vmap(lambda v: v - lax.all_gather(v, "i")[:2].mean(0), axis_name="i")(X)
    np.testing.assert_allclose(got, X - X[:2].mean(0))


def test_all_gather_outer_and_unbatched():
    f = vmap(vmap(lambda v: lax.all_gather(v, "i"), axis_name="j"), axis_name="i")
    np.testing.assert_allclose(f(X), loop(X, lambda x, i: X.T))  # [i, j] -> X[:, j]
    g = vmap(lambda v: v + lax.all_gather(np.arange(3.0), "i").sum(0), axis_name="i")
    np.testing.assert_allclose(g(X), X + 5 * np.arange(3.0))


def test_psum_scatter():
    s = rng.normal(size=(3, 3))
    got = vmap(lambda v: lax.psum_scatter(v, "i"), axis_name="i")(s)
    np.testing.assert_allclose(got, s.sum(0))  # example i keeps entry i of the sum
    t = rng.normal(size=(3, 6))
    got = vmap(lambda v: lax.psum_scatter(v, "i", tiled=True), axis_name="i")(t)
    np.testing.assert_allclose(got, t.sum(0).reshape(3, 2))


# ---------------------------------------------------------------- jit


def test_jit_outside_and_inside():
    f = axcomp.jit(vmap(bn, axis_name="b"))
    np.testing.assert_allclose(f(X), bn_reference(X), rtol=1e-10)
    g = vmap(axcomp.jit(bn), axis_name="b")
    np.testing.assert_allclose(g(X), bn_reference(X), rtol=1e-10)


def test_batch_norm_compiles_to_reductions():
    ex = axcomp.explain(vmap(bn, axis_name="b"), X)
    text = str(ex)
    assert text.count("psum over 'b' (vmap level 1)") == 2  # the mean and the variance
    assert "for " not in ex.source and "while " not in ex.source


def test_explain_names_the_axis_of_each_collective():
    f = vmap(vmap(lambda v: v - lax.pmax(v, "j") + lax.pmin(v, "i"), axis_name="j"), axis_name="i")
    text = str(axcomp.explain(f, X))
    assert "pmax over 'j' (vmap level 2)" in text
    assert "pmin over 'i' (vmap level 1)" in text


# ---------------------------------------------------------------- grad


W = rng.normal(size=X.shape)


def test_grad_of_batch_norm_matches_finite_differences():
    def loss(xs):
        return (vmap(bn, axis_name="b")(xs) * W).sum()

    got = axcomp.grad(loss)(X)
    want = numeric_grad(lambda xs: (bn_reference(xs) * W).sum(), [X])
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", ["psum", "pmean", "pmax", "pmin"])
def test_per_example_grad_is_grad_of_the_total(name):
    # JAX: under vmap the cotangent of psum is the psum of the cotangent, so vmap(grad(f))
    # gives, for example i, d/dx_i of the sum of every example's output
    fn = getattr(lax, name)

    def f(v):
        return (anp.sin(v) * fn(v**2, "i")).sum()

    got = vmap(axcomp.grad(f), axis_name="i")(X)

    def total(xs):
        return vmap(f, axis_name="i")(xs).sum()

    want = numeric_grad(lambda xs: float(total(xs)), [X])
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)
    outside = axcomp.grad(total)(X)
    np.testing.assert_allclose(outside, want, rtol=1e-6, atol=1e-8)


def test_psum_grad_values_as_jax():
    got = vmap(axcomp.grad(lambda a: lax.psum(a**2, "i").sum()), axis_name="i")(X)
    np.testing.assert_allclose(got, 2 * X * 5)  # n * 2x, as jax.vmap(jax.grad(...))
    got = vmap(axcomp.grad(lambda a: lax.pmean(a**2, "i").sum()), axis_name="i")(X)
    np.testing.assert_allclose(got, 2 * X)


def test_pmax_grad_shares_ties():
    tie = np.array([[1.0, 2.0], [3.0, 2.0], [3.0, 0.0]])
    got = axcomp.grad(lambda xs: vmap(lambda v: lax.pmax(v, "i"), axis_name="i")(xs)[0].sum())(tie)
    np.testing.assert_allclose(got, [[0, 0.5], [0.5, 0.5], [0.5, 0]])


def test_grad_through_all_gather_and_axis_index():
    def f(xs):
        out = vmap(lambda v: lax.all_gather(v, "i")[0] * v * lax.axis_index("i"), axis_name="i")
        return out(xs).sum()

    def ref(xs):
        return sum((xs[0] * xs[i] * i).sum() for i in range(xs.shape[0]))

    np.testing.assert_allclose(axcomp.grad(f)(X), numeric_grad(ref, [X]), rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------- errors


def test_unbound_name_lists_bound_names():
    f = vmap(vmap(lambda v: lax.psum(v, "k"), axis_name="j"), axis_name="i")
    with pytest.raises(UnboundAxisError) as info:
        f(X)
    assert isinstance(info.value, NameError) and isinstance(info.value, AxcompError)
    msg = str(info.value)
    assert "'k'" in msg and "'i', 'j'" in msg


@pytest.mark.parametrize(
    "call",
    [
        lambda: lax.psum(X, "i"),
        lambda: lax.pmean(X, ("i", "j")),
        lambda: lax.axis_index("i"),
        lambda: lax.all_gather(X, "i"),
    ],
)
def test_outside_any_vmap_is_a_name_error(call):
    with pytest.raises(NameError, match="unbound axis name 'i'"):
        call()


def test_bad_axis_names():
    with pytest.raises(ValueError, match="twice"):
        vmap(lambda v: lax.psum(v, ("i", "i")), axis_name="i")(X)
    with pytest.raises(ValueError, match="string"):
        vmap(lambda v: lax.psum(v, 0), axis_name="i")(X)
    with pytest.raises(NotImplementedError):
        vmap(lambda v: lax.psum(v, "i", axis_index_groups=[[0]]), axis_name="i")(X)


def test_chunking_never_splits_a_collective_axis():
    big = rng.normal(size=(4096, 64))
    f = axcomp.jit(vmap(bn, axis_name="b"), memory_limit=1 << 20)
    # per-block statistics would be wrong, so the budget is refused rather than met
    with pytest.raises(axcomp.errors.MemoryBudgetError, match="can be split"):
        f(big)
    whole = axcomp.jit(vmap(bn, axis_name="b"))
    np.testing.assert_allclose(whole(big), bn_reference(big), rtol=1e-9)


# ---------------------------------------------------------------- DSL

SRC = """
kernel bn(v[n]) -> [n] = (v[n] - pmean[b](v[n])) / sqrt(
    pmean[b]((v[n] - pmean[b](v[n])) ** 2) + 0.00001)
kernel scaled(v[n]) -> [n] = v[n] * axis_index[b] + psum[b, c](v[n]) + pmax[c](v[n]) - pmin[b](v[n])
norm = vmap(bn, axis_name="b")
both = vmap(vmap(scaled, axis_name="c"), axis_name="b")
wrong = vmap(bn, axis_name="q")
"""


def test_dsl_collectives():
    mod = axcomp.compile(SRC)
    np.testing.assert_allclose(mod.norm(X), bn_reference(X), rtol=1e-10)
    got = mod.both(Y)
    want = (
        Y * np.arange(2)[:, None, None]
        + Y.sum((0, 1))
        + Y.max(1, keepdims=True)
        - Y.min(0, keepdims=True)
    )
    np.testing.assert_allclose(got, want, rtol=1e-12)
    g = axcomp.grad(lambda xs: (mod.norm(xs) * W).sum())(X)
    want = numeric_grad(lambda xs: (bn_reference(xs) * W).sum(), [X])
    np.testing.assert_allclose(g, want, rtol=1e-6, atol=1e-8)


def test_dsl_unbound_axis_points_at_the_collective():
    mod = axcomp.compile(SRC)
    with pytest.raises(NameError) as info:
        mod.wrong(X)
    assert isinstance(info.value, axcomp.errors.SpecSyntaxError)
    msg = str(info.value)
    assert "unbound axis name 'b'" in msg and "'q'" in msg and "line 2" in msg


@pytest.mark.parametrize(
    "body, match",
    [
        ("psum[n](v[n])", "names a vmap axis"),
        ("psum(v)", "needs the vmap axis names"),
        ("v[n] * axis_index", "axis_index needs the vmap axis names"),
        ("v[n] * pmax", "pmax needs the vmap axis names"),
        ("psum[](v[n])", "psum\\[\\]"),
    ],
)
def test_dsl_collective_errors(body, match):
    with pytest.raises(axcomp.errors.SpecSyntaxError, match=match):
        axcomp.compile(f"kernel k(v[n]) -> [n] = {body}\n")
