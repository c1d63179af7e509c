"""Tests of the loop reference ``loop_vmap`` against hand-written NumPy, and a sanity run
of the random kernel / spec generator (tests/kernels.py) through it with ``ns=numpy``."""

from __future__ import annotations

import collections

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

try:  # tests/ on sys.path (pytest's default rootdir-less import mode)
    from kernels import (
        ALL_OPS,
        VmapSpec,
        apply_spec,
        assert_trees_close,
        build_kernel,
        cases,
        flat_output_shapes,
        flatten_outputs,
        make_inputs,
        none_out_axes_cases,
        output_shapes,
        pytree_cases,
    )
    from oracle import loop_vmap
except ImportError:  # tests/ is a package
    from tests.kernels import (
        ALL_OPS,
        VmapSpec,
        apply_spec,
        assert_trees_close,
        build_kernel,
        cases,
        flat_output_shapes,
        flatten_outputs,
        make_inputs,
        none_out_axes_cases,
        output_shapes,
        pytree_cases,
    )
    from tests.oracle import loop_vmap

RNG = np.random.default_rng(0)


def rand(*shape, dtype=np.float64):
    return RNG.standard_normal(shape).astype(dtype)


# ----------------------------------------------------------------- basic mapping


def test_paired_matvec():
    m, v = rand(5, 2, 3), rand(5, 3)
    out = loop_vmap(np.dot, in_axes=(0, 0))(m, v)
    np.testing.assert_allclose(out, np.einsum("bmn,bn->bm", m, v))
    assert out.shape == (5, 2) and out.dtype == np.float64


def test_pairwise_matvec_nested():
    m, v = rand(3, 2, 4), rand(5, 4)
    f = loop_vmap(loop_vmap(np.dot, in_axes=(None, 0)), in_axes=(0, None))
    out = f(m, v)
    np.testing.assert_allclose(out, np.einsum("amn,bn->abm", m, v))
    assert out.shape == (3, 5, 2)


def test_pairwise_squared_distance():
    a, b = rand(3, 2), rand(4, 2)
    dist = loop_vmap(loop_vmap(lambda p, q: np.sum((p - q) ** 2), (None, 0)), (0, None))
    np.testing.assert_allclose(dist(a, b), ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))


def test_negative_in_axes():
    m, v = rand(2, 3, 5), rand(3, 5)  # batch axis last on m, last on v
    out = loop_vmap(np.dot, in_axes=(-1, -1))(m, v)
    np.testing.assert_allclose(out, np.einsum("mnb,nb->bm", m, v))
    out = loop_vmap(np.dot, in_axes=(-2, 0))(rand(2, 5, 3), rand(5, 3))
    assert out.shape == (5, 2)


def test_int_in_axes_broadcasts_to_all_args():
    x, y = rand(4, 3), rand(3, 4)
    out = loop_vmap(lambda a, b: a * b, in_axes=1)(x.T, y)
    np.testing.assert_allclose(out, x * y.T)


@pytest.mark.parametrize(
    "out_axes, subscripts",
    [
        (0, "bi,bj->bij"),
        (1, "bi,bj->ibj"),
        (2, "bi,bj->ijb"),
        (-1, "bi,bj->ijb"),
        (-2, "bi,bj->ibj"),
        (-3, "bi,bj->bij"),
    ],
)
def test_out_axes(out_axes, subscripts):
    x, y = rand(5, 2), rand(5, 3)
    out = loop_vmap(np.outer, out_axes=out_axes)(x, y)
    np.testing.assert_allclose(out, np.einsum(subscripts, x, y))


def test_nested_out_axes_and_in_axes():
    # inner maps v's axis 0 and puts it last; outer maps m's axis 2 and puts it last
    m, v = rand(2, 4, 3), rand(5, 4)
    f = loop_vmap(loop_vmap(np.dot, (None, 0), out_axes=1), (2, None), out_axes=-1)
    out = f(m, v)
    np.testing.assert_allclose(out, np.einsum("mna,bn->mba", m, v))
    assert out.shape == (2, 5, 3)


def test_top_level_list_in_axes_is_a_tuple():
    x, y = rand(3, 2), rand(2)
    np.testing.assert_allclose(loop_vmap(np.add, in_axes=[0, None])(x, y), x + y)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.complex128])
def test_dtype_preserved(dtype):
    x = (RNG.integers(-3, 4, size=(4, 3)) + (1j if dtype == np.complex128 else 0)).astype(dtype)
    out = loop_vmap(lambda a: a * 2 + np.sum(a))(x)
    assert out.dtype == dtype
    np.testing.assert_allclose(out, x * 2 + x.sum(1, keepdims=True))
    assert loop_vmap(np.sum)(x).dtype == dtype


def test_scalar_outputs_and_python_scalars():
    x = rand(4, 3)
    out = loop_vmap(np.sum)(x)  # numpy scalars per iteration
    assert isinstance(out, np.ndarray) and out.shape == (4,)
    out = loop_vmap(lambda a: 1.0)(x)  # a Python constant is broadcast
    assert out.shape == (4,) and out.dtype == np.float64


def test_unmapped_leaves_pass_through_untouched():
    seen = []

    def f(a, s, tag):
        seen.append((type(s), tag))
        return a * s

    out = loop_vmap(f, in_axes=(0, None, None))(rand(2, 3), 2.5, "hello")
    assert out.shape == (2, 3)
    assert seen == [(float, "hello"), (float, "hello")]


def test_mapped_slices_are_arrays_and_copies():
    x = rand(3, 2)

    def f(a):
        assert isinstance(a, np.ndarray)
        a[...] = 0  # must not write through to the caller's array
        return a

    before = x.copy()
    loop_vmap(f)(x)
    np.testing.assert_array_equal(x, before)
    loop_vmap(lambda a: a)(rand(3))  # 0-d slices are ndarrays too (asserted in f above)


# ----------------------------------------------------------------- pytrees and kwargs


def test_tuple_and_dict_pytree_args():
    w, b, xs = rand(3, 2), rand(3), rand(5, 2)

    def layer(params, x):
        return params["w"] @ x + params["b"]

    out = loop_vmap(layer, in_axes=(None, 0))({"w": w, "b": b}, xs)
    np.testing.assert_allclose(out, xs @ w.T + b)
    # a dict prefix: per-example biases, shared weights
    bs = rand(5, 3)
    out = loop_vmap(layer, in_axes=({"w": None, "b": 0}, 0))({"b": bs, "w": w}, xs)
    np.testing.assert_allclose(out, xs @ w.T + bs)
    # tuple args, with a prefix mapping only the first element
    out = loop_vmap(lambda t: t[0] * t[1], in_axes=((0, None),))((xs, rand(2)))
    assert out.shape == (5, 2)
    # list args need list specs; nested containers
    out = loop_vmap(lambda t: t[0] + t[1][0]["k"], in_axes=([0, [{"k": 1}]],))(
        [rand(4, 3), [{"k": rand(3, 4)}]]
    )
    assert out.shape == (4, 3)


def test_namedtuple_and_none_args():
    Pair = collections.namedtuple("Pair", "u v")
    p = Pair(rand(4, 3), rand(3))
    out = loop_vmap(lambda q, n: q.u + q.v, in_axes=(Pair(0, None), 0))(p, None)
    np.testing.assert_allclose(out, p.u + p.v)


def test_pytree_outputs_with_prefix_out_axes():
    x = rand(4, 3)
    out = loop_vmap(lambda a: {"z": a, "a": (a, np.sum(a))}, out_axes={"z": 1, "a": 0})(x)
    assert list(out) == ["a", "z"]  # sorted, like JAX
    assert out["z"].shape == (3, 4) and out["a"][0].shape == (4, 3) and out["a"][1].shape == (4,)
    out = loop_vmap(lambda a: (a, None))(x)
    assert out[1] is None


def test_kwargs_are_mapped_on_axis_0():
    x, y = rand(3), rand(4, 3)
    out = loop_vmap(lambda a, b=None: a * b, in_axes=(None,))(x, b=y)
    np.testing.assert_allclose(out, x * y)
    with pytest.raises(ValueError):  # kwargs use axis 0 (size 3) even with in_axes=1 (size 4)
        loop_vmap(lambda a, b: a + b, in_axes=1)(rand(3, 4), b=rand(3, 4))


# ----------------------------------------------------------------- sizes


def test_axis_size_with_nothing_mapped():
    x = rand(3)
    out = loop_vmap(lambda a: a * 2, in_axes=None, axis_size=4)(x)
    np.testing.assert_allclose(out, np.broadcast_to(x * 2, (4, 3)))
    out = loop_vmap(lambda: np.float32(1.5), axis_size=2)()
    assert out.shape == (2,) and out.dtype == np.float32


def test_axis_size_must_agree():
    loop_vmap(lambda a: a, axis_size=2)(rand(2, 3))
    with pytest.raises(ValueError):
        loop_vmap(lambda a: a, axis_size=4)(rand(2, 3))


def test_size_zero_batch():
    m, v = rand(0, 2, 3, dtype=np.float32), rand(0, 3, dtype=np.float32)
    out = loop_vmap(np.dot)(m, v)
    assert out.shape == (0, 2) and out.dtype == np.float32
    out = loop_vmap(np.outer, out_axes=-1)(rand(0, 2), rand(0, 3))
    assert out.shape == (2, 3, 0)
    # zero-size inner level inside a non-empty outer level, and the other way round
    f = loop_vmap(loop_vmap(np.dot, (None, 0)), (0, None))
    assert f(rand(3, 2, 4), rand(0, 4)).shape == (3, 0, 2)
    assert f(rand(0, 2, 4), rand(5, 4)).shape == (0, 5, 2)
    out = loop_vmap(lambda a, b: (a, b), in_axes=(0, None), out_axes=(0, None))(
        rand(0, 3), np.arange(3)
    )
    assert out[0].shape == (0, 3) and out[1].dtype == np.arange(3).dtype
    np.testing.assert_array_equal(out[1], np.arange(3))


def test_out_axes_none():
    x, y = rand(4, 3), rand(3)
    a, b = loop_vmap(lambda p, q: (p + q, q * 2), in_axes=(0, None), out_axes=(0, None))(x, y)
    assert a.shape == (4, 3)
    np.testing.assert_allclose(b, y * 2)
    with pytest.raises(ValueError):
        loop_vmap(lambda p: p, out_axes=None)(x)


# ----------------------------------------------------------------- errors (JAX's types)


@pytest.mark.parametrize(
    "kwargs, args, exc",
    [
        (dict(in_axes={"a": 0}), ({"a": np.ones((2, 3))},), TypeError),  # top-level dict
        (dict(in_axes=True), (np.ones((2, 3)),), TypeError),  # bool is not an axis
        (dict(in_axes=(np.int64(0),)), (np.ones((2, 3)),), TypeError),
        (dict(out_axes=np.int64(0)), (np.ones((2, 3)),), TypeError),
        (dict(in_axes=(0,)), (np.ones((2, 3)), np.ones((2, 3))), ValueError),  # arity
        (dict(in_axes=2), (np.ones((2, 3)),), ValueError),  # out of range
        (dict(in_axes=-3), (np.ones((2, 3)),), ValueError),
        (dict(out_axes=3), (np.ones((2, 3)),), ValueError),
        (dict(in_axes=0), (2.0,), ValueError),  # mapping a rank-0 leaf
        (dict(in_axes=None), (np.ones((2, 3)),), ValueError),  # nothing mapped, no size
        (dict(in_axes=((0,),)), ([np.ones((2, 3))],), ValueError),  # tuple spec, list arg
        (dict(in_axes=({"a": 0, "b": 0},)), ({"a": np.ones((2, 3))},), ValueError),
        (dict(in_axes=(0, (0,))), (np.ones((2, 3)), None), ValueError),
        (dict(in_axes=(0, 1)), (np.ones((2, 3)), np.ones((2, 3))), ValueError),  # sizes
    ],
)
def test_errors_match_jax(kwargs, args, exc):
    with pytest.raises(exc):  # raised by loop_vmap() or by the call, as in JAX
        loop_vmap(lambda *a: a[0], **kwargs)(*args)


def test_out_axes_list_is_not_a_tuple():
    x = rand(2, 3)
    with pytest.raises(ValueError):
        loop_vmap(lambda a: (a, a), out_axes=[0, 1])(x)
    out = loop_vmap(lambda a: [a, a], out_axes=[0, 1])(x)
    assert isinstance(out, list) and out[1].shape == (3, 2)


# ----------------------------------------------------------------- the generator

_FAST = settings(
    max_examples=50,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _check_case(case):
    assert set(case.desc.ops) <= ALL_OPS
    kernel = build_kernel(case.desc, np)
    args = case.inputs()
    out = apply_spec(loop_vmap, kernel, case.spec)(*args)
    # shapes follow the spec; dtypes are those of the unbatched kernel
    flat_out = flatten_outputs(out)
    assert [np.shape(o) for o in flat_out] == flat_output_shapes(case.desc, case.spec)
    if not isinstance(out, (tuple, dict)):
        assert np.shape(out) == output_shapes(case.desc, case.spec)
    # an empty spec gives per-example (unbatched) inputs
    per_example = make_inputs(case.desc, VmapSpec(()), case.dtype, np.random.default_rng(0))
    single = flatten_outputs(kernel(*per_example))
    assert [np.asarray(o).dtype for o in flat_out] == [np.asarray(o).dtype for o in single]
    # the result is reproducible and equal to itself under the comparison helper
    again = apply_spec(loop_vmap, build_kernel(case.desc, np), case.spec)(*case.inputs())
    rtol, atol = case.tolerances()
    assert_trees_close(again, out, rtol=rtol, atol=atol)


@_FAST
@given(cases())
def test_generated_cases_run_through_the_oracle(case):
    _check_case(case)


@settings(_FAST, max_examples=25)
@given(pytree_cases())
def test_generated_pytree_cases_run_through_the_oracle(case):
    _check_case(case)


@settings(_FAST, max_examples=25)
@given(none_out_axes_cases())
def test_generated_none_out_axes_cases_run_through_the_oracle(case):
    _check_case(case)


def test_kernel_desc_is_hashable_and_readable():
    from hypothesis import find

    case = find(cases(max_depth=2), lambda c: len(c.desc.steps) >= 3 and c.desc.n_leaves == 2)
    assert hash(case.desc) == hash(case.desc)
    text = repr(case)
    assert "def kernel(" in text and "vmap(" in text and "return" in text


@settings(_FAST, max_examples=25)
@given(cases(exclude_ops={"einsum2", "index", "add", "dot"}, max_depth=1))
def test_exclude_ops(case):
    assert not set(case.desc.ops) & {"einsum2", "index", "add", "dot"}
