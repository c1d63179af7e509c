"""vmap semantics and errors, checked against hand-written NumPy (JAX is the reference)."""

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp
from axcomp import AxcompError


def add(x, y):
    return x + y


# ------------------------------------------------------------------ semantics
def test_negative_in_axes_counts_against_full_rank():
    x = np.random.rand(2, 3, 4)
    f = ax.vmap(lambda a: anp.sum(a, axis=0), in_axes=-1)
    np.testing.assert_allclose(f(x), x.sum(axis=0).T)


def test_out_axes_positive_and_negative():
    x = np.random.rand(5, 2, 3)
    np.testing.assert_allclose(ax.vmap(lambda a: a * 2.0, out_axes=1)(x), np.moveaxis(x * 2, 0, 1))
    np.testing.assert_allclose(
        ax.vmap(lambda a: a * 2.0, out_axes=-1)(x), np.moveaxis(x * 2, 0, -1)
    )


def test_pytree_in_axes_prefix_and_dict_args():
    params = {"w": np.random.rand(3, 4), "b": np.random.rand(4)}
    xs = np.random.rand(5, 3)

    def layer(p, x):
        return anp.tanh(x @ p["w"] + p["b"])

    f = ax.vmap(layer, in_axes=({"w": None, "b": None}, 0))
    np.testing.assert_allclose(f(params, xs), np.tanh(xs @ params["w"] + params["b"]))
    # a list at the top acts like a tuple; None for a whole subtree
    g = ax.vmap(layer, in_axes=[None, 0])
    np.testing.assert_allclose(g(params, xs), f(params, xs))


def test_tuple_pytree_args_and_outputs():
    a, b = np.random.rand(4, 3), np.random.rand(4, 3)

    def f(pair):
        x, y = pair
        return {"sum": x + y, "dot": anp.dot(x, y)}

    out = ax.vmap(f, in_axes=((0, 0),), out_axes={"sum": 1, "dot": 0})((a, b))
    np.testing.assert_allclose(out["sum"], (a + b).T)
    np.testing.assert_allclose(out["dot"], (a * b).sum(1))


def test_kwargs_are_mapped_on_axis_0():
    x, y = np.random.rand(4, 3), np.random.rand(4, 3)
    f = ax.vmap(lambda x, y: x * y, in_axes=(1,))
    np.testing.assert_allclose(f(x.T, y=y), x * y)


def test_axis_size_with_nothing_mapped_and_unbatched_output_broadcast():
    c = np.arange(3.0)
    out = ax.vmap(lambda c: c * 2.0, in_axes=None, axis_size=5)(c)
    np.testing.assert_allclose(out, np.broadcast_to(c * 2, (5, 3)))
    assert out.flags.writeable


def test_out_axes_none_for_unbatched_output():
    x = np.random.rand(4, 3)
    f = ax.vmap(lambda x, w: (x * w, w * 2.0), in_axes=(0, None), out_axes=(0, None))
    a, b = f(x, np.arange(3.0))
    np.testing.assert_allclose(a, x * np.arange(3.0))
    np.testing.assert_allclose(b, np.arange(3.0) * 2)


def test_zeros_like_is_not_batched():
    f = ax.vmap(lambda x: anp.zeros_like(x), out_axes=None)
    np.testing.assert_array_equal(f(np.ones((4, 3))), np.zeros(3))


def test_size_zero_batch():
    mats, vecs = np.zeros((0, 2, 3)), np.zeros((4, 3))
    f = ax.vmap(ax.vmap(lambda M, v: anp.dot(M, v), in_axes=(None, 0)), in_axes=(0, None))
    out = f(mats, vecs)
    assert out.shape == (0, 4, 2)


def test_static_non_array_arguments_reach_the_kernel():
    seen = []

    def f(x, scale, mode, nothing):
        seen.append((scale, mode, nothing))
        return x * scale if mode == "mul" else x + scale

    x = np.arange(6.0).reshape(2, 3)
    g = ax.vmap(f, in_axes=(0, None, None, None))
    np.testing.assert_allclose(g(x, 3, "mul", None), x * 3)
    np.testing.assert_allclose(g(x, 3, "add", None), x + 3)
    assert ("mul" in {m for _, m, _ in seen}) and (None in {n for _, _, n in seen})


def test_vmap_of_vmap_of_jit_of_vmap():
    x = np.random.rand(2, 3, 4, 5)
    inner = ax.vmap(lambda r: anp.sum(r * r))
    f = ax.vmap(ax.vmap(ax.jit(inner)))
    np.testing.assert_allclose(f(x), (x * x).sum(-1))


def test_depth_four_nesting_matches_loops():
    x = np.random.rand(2, 3, 2, 2, 4)
    f = ax.vmap(ax.vmap(ax.vmap(ax.vmap(lambda v: anp.max(v)), in_axes=1), in_axes=0), in_axes=2)
    # levels strip axes outermost first: i <- axis 2, j <- 0, k <- 1, m <- 0 of what remains
    ref = np.empty((2, 2, 2, 3))
    for i in range(2):
        for j in range(2):
            for k in range(2):
                for m in range(3):
                    ref[i, j, k, m] = x[j, m, i, k, :].max()
    np.testing.assert_allclose(f(x), ref)


def test_results_are_fresh_arrays_not_views_of_inputs():
    x = np.random.rand(3, 4)
    out = ax.vmap(lambda r: r)(x)
    assert not np.shares_memory(out, x)
    np.testing.assert_array_equal(out, x)


def test_float32_stays_float32_and_ints_work():
    x = np.ones((3, 4), np.float32)
    assert ax.vmap(lambda r: anp.sum(r * 2.0))(x).dtype == np.float32
    i = np.arange(12).reshape(3, 4)
    out = ax.vmap(lambda r: anp.dot(r, r))(i)
    assert out.dtype == i.dtype
    np.testing.assert_array_equal(out, (i * i).sum(1))
    s = ax.vmap(lambda r: anp.sum(r))(i.astype(np.int32))
    assert s.dtype == np.sum(i.astype(np.int32)).dtype


def test_complex():
    z = np.random.rand(3, 4) + 1j * np.random.rand(3, 4)
    np.testing.assert_allclose(
        ax.vmap(lambda r: anp.vdot(r, r))(z), np.einsum("ij,ij->i", z.conj(), z)
    )


# ------------------------------------------------------------------ errors
def test_inconsistent_sizes_names_both_arguments():
    with pytest.raises(ValueError, match="inconsistent sizes") as info:
        ax.vmap(add)(np.zeros(3, np.float32), np.zeros(4, np.float32))
    msg = str(info.value)
    assert isinstance(info.value, AxcompError)
    assert "axis 0 of argument x of type float32[3]" in msg
    assert "axis 0 of argument y of type float32[4]" in msg
    assert "in_axes=0" in msg


def test_axis_out_of_range_for_rank():
    with pytest.raises(ValueError) as info:
        ax.vmap(add, in_axes=(2, None))(np.zeros((3, 4)), 1.0)
    msg = str(info.value)
    assert "along axis 2, which implies that its rank should be at least 3, but is only 2" in msg
    assert "(its shape is (3, 4))" in msg and "argument x" in msg


def test_in_axes_length_mismatch():
    with pytest.raises(ValueError, match=r"len\(in_axes\)=3, len\(args\)=2"):
        ax.vmap(add, in_axes=(0, 0, 0))(np.zeros(3), np.zeros(3))


def test_nothing_mapped_needs_axis_size():
    with pytest.raises(ValueError, match="at least one non-None value in in_axes or axis_size"):
        ax.vmap(add, in_axes=None)(np.zeros(3), np.zeros(3))


def test_out_axes_none_for_batched_output():
    with pytest.raises(ValueError, match="got axis spec None but output was batched on axis 0"):
        ax.vmap(lambda x: x * 2.0, out_axes=None)(np.zeros(3))


@pytest.mark.parametrize("bad", [{"x": 0}, 0.0, True, np.int64(0)])
def test_in_axes_bad_top_level_types_are_type_errors(bad):
    with pytest.raises(TypeError) as info:
        ax.vmap(add, in_axes=bad)
    assert isinstance(info.value, AxcompError)


def test_in_axes_bad_leaf_type():
    with pytest.raises(TypeError, match="in_axes must be an int, None, or"):
        ax.vmap(add, in_axes=(0, 1.5))


def test_nested_error_names_the_inner_level_and_pytree_path():
    def f(p, v):
        return anp.dot(p["w"], v)

    g = ax.vmap(ax.vmap(f, in_axes=({"w": 2}, None)), in_axes=(None, 0))
    with pytest.raises(ValueError) as info:
        g({"w": np.zeros((2, 3))}, np.zeros((4, 3)))
    msg = str(info.value)
    assert "inner vmap at nesting level 2" in msg
    assert "argument p['w']" in msg
    assert "in_axes=({'w': 2}, None)" in msg


def test_prefix_mismatch_names_the_path():
    with pytest.raises(ValueError, match=r"tree prefix.*argument x"):
        ax.vmap(lambda x: x[0], in_axes=((0, 0, 0),))((np.zeros(2), np.zeros(2)))


def test_axis_size_disagrees_with_mapped_size():
    with pytest.raises(ValueError, match="axis_size=5"):
        ax.vmap(add, axis_size=5)(np.zeros(3), np.zeros(3))


def test_python_control_flow_on_traced_value():
    def relu_if(x):
        if x > 0:
            return x
        return 0.0 * x

    with pytest.raises(TypeError) as info:
        ax.vmap(relu_if)(np.arange(3.0))
    assert isinstance(info.value, AxcompError)
    assert "relu_if" in str(info.value) and "where" in str(info.value)


def test_unsupported_numpy_function_names_function_and_kernel():
    def kernel(x):
        return np.fft.fft(x)

    with pytest.raises(AxcompError) as info:
        ax.vmap(kernel)(np.zeros((2, 4)))
    assert "kernel" in str(info.value)


def test_numpy_functions_on_tracers_are_routed():
    def kernel(x):
        return np.sum(np.exp(x) * x)

    x = np.random.rand(3, 4)
    np.testing.assert_allclose(ax.vmap(kernel)(x), (np.exp(x) * x).sum(1))


def test_shape_error_inside_kernel_names_kernel_and_levels():
    def matvec(M, v):
        return anp.dot(M, v)

    f = ax.vmap(ax.vmap(matvec, in_axes=(None, 0)), in_axes=(0, None))
    with pytest.raises(ValueError) as info:
        f(np.zeros((3, 2, 3)), np.zeros((4, 5)))
    msg = str(info.value)
    assert isinstance(info.value, AxcompError)
    assert "(2, 3) and (5,)" in msg and "matvec'" in msg and "in kernel" in msg
    assert "a=3" in msg and "b=4" in msg and "in_axes=(None, 0)" in msg


def test_sum_match_sums_outputs_that_vary_along_an_unplaced_axis():
    x = np.arange(3.0)
    assert ax.vmap(lambda v: 2.0 * v, out_axes=None, sum_match=True)(x) == pytest.approx(6.0)
    total, same = ax.vmap(
        lambda v, w: (v * w, w), in_axes=(0, None), out_axes=None, sum_match=True
    )(np.arange(6.0).reshape(3, 2), np.array([1.0, 10.0]))
    np.testing.assert_allclose(total, [6.0, 90.0])
    np.testing.assert_allclose(same, [1.0, 10.0])  # unbatched outputs are left as they are
    with pytest.raises(ValueError, match="out_axes"):
        ax.vmap(lambda v: 2.0 * v, out_axes=None)(x)
    with pytest.raises(TypeError, match="sum_match"):
        ax.vmap(lambda v: v, sum_match=1)
