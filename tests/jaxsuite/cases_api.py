"""The vmap-related tests of JAX's tests/api_test.py, translated.

Taken: every test whose name mentions vmap/batch/in_axes/out_axes/axis_size/axis_name, and
the other tests in the file whose body exercises ``vmap`` (jit-of-vmap, grad-of-vmap,
remat under vmap, named_call under vmap, ...). Tests with several independent checks are
split into one case per check (``[check]`` suffix). Error checks keep only the call that
should raise; the harness compares the built-in exception type, not the message.
"""

from __future__ import annotations

import collections
import importlib
import re
from functools import partial

import numpy as np

from .harness import case

F = "api_test"


def _excluded(name: str, why: str) -> None:
    @case(f"{F}.{name}", excluded=why)
    def fn(L, rng):
        raise NotImplementedError


def _f32(rng, shape):
    return rng.normal(size=shape).astype(np.float32)


# --- JitTest ---------------------------------------------------------------------------

_excluded("test_jit_lower_compile_vmap", "lowering/compilation (jit(...).lower().compile())")


@case(f"{F}.test_caches_depend_on_axis_env")
def _caches_axis_env(L, rng):
    # The same jitted function under two named-axis sizes: the second call must not
    # reuse the first one's result.
    def f():
        return L.lax.axis_size("i")

    g = L.jit(f)
    outs = []
    for size in (2, 3):
        outs.append(L.vmap(f, axis_name="i", axis_size=size, out_axes=None)())
        outs.append(L.vmap(g, axis_name="i", axis_size=size, out_axes=None)())
    return tuple(outs)


@case(f"{F}.test_caches_dont_depend_on_unnamed_axis_env")
def _caches_unnamed_axis_env(L, rng):
    # JAX counts lowerings here (and skips the test); the value part is kept.
    f = L.jit(lambda: L.jnp.sin(1))
    return f(), L.vmap(f, axis_size=2, out_axes=None)()


# --- APITest ---------------------------------------------------------------------------


@case(f"{F}.test_is_instance")
def _is_instance(L, rng):
    # The isinstance(x, jax.Array) checks are in test_is_instance[isinstance] (excluded).
    def f(x):
        return x + 2

    return L.jit(f)(3), L.vmap(f)(np.arange(3))


_excluded(
    "test_is_instance[isinstance]",
    "checks the tracer's Python type (jax.Array), not values",
)


@case(f"{F}.test_vmap_inconsistent_sizes_constructs_proper_error_message")
def _inconsistent_sizes(L, rng):
    def f(x1, x2, g):
        return g(x1, x2)

    return L.vmap(f, (0, 0, None))(np.ones(2), np.ones(3), L.jnp.add)


@case(f"{F}.test_vmap_inconsistent_sizes_constructs_proper_error_message_kwargs")
def _inconsistent_sizes_kwargs(L, rng):
    def f(x1, x2, a3):
        return x1 + x2 + a3

    return L.vmap(f)(np.ones(2, np.float32), a3=np.ones(1, np.float32), x2=np.ones(2, np.float32))


@case(f"{F}.test_vmap_inconsistent_sizes_constructs_proper_error_message_starargs")
def _inconsistent_sizes_starargs(L, rng):
    def f(x, *args):
        return x - sum(args)

    return L.vmap(f)(np.ones(4), np.ones(2), np.ones(2))


@case(f"{F}.test_vmap_preserves_docstr")
def _preserves_docstr(L, rng):
    def superfun(a):
        """Does things with stuff."""

    pattern = "\n".join(
        ["Vectorized version of superfun.*", "", "Original documentation:", "", superfun.__doc__]
    )
    doc = L.vmap(superfun).__doc__ or ""
    return np.array(re.search(pattern, doc) is not None)


@case(f"{F}.test_vmap_in_axes_list")
def _in_axes_list(L, rng):
    dictionary = {"a": 5.0, "b": np.ones(2, np.float32)}
    x = np.zeros(3, np.float32)
    y = np.arange(3.0, dtype=np.float32)

    def f(dct, x, y):
        return dct["a"] + dct["b"] + x + y

    out1 = L.vmap(f, (None, 0, 0))(dictionary, x, y)
    out2 = L.vmap(f, [None, 0, 0])(dictionary, x, y)
    return out1, out2


@case(f"{F}.test_vmap_in_axes_non_tuple_error")
def _in_axes_non_tuple(L, rng):
    # JAX raises when vmap is called; the call is made too, for a lazier check.
    return L.vmap(lambda x: x["a"], in_axes={"a": 0})({"a": np.zeros((3, 3))})


@case(f"{F}.test_vmap_in_axes_wrong_length_tuple_error")
def _in_axes_wrong_length(L, rng):
    return L.vmap(lambda x: x["a"], in_axes=(0, {"a": 0}))({"a": np.zeros((3, 3))})


@case(f"{F}.test_vmap_in_axes_tuple_with_kwargs_error")
def _in_axes_tuple_kwargs(L, rng):
    def f(a, b, c):
        return a + b + c

    return L.vmap(f, in_axes=(0, 0, None))(a=np.array([1, 2]), b=np.array([2, 4]), c=0.5)


@case(f"{F}.test_vmap_in_axes_tuple_with_kwonly_error")
def _in_axes_tuple_kwonly(L, rng):
    def g(a, *, b):
        return a @ b

    return L.vmap(g, in_axes=(None, 0))(np.ones((2, 4)), b=np.ones((10, 4, 2)))


@case(f"{F}.test_vmap_in_axes_tree_prefix_error")
def _in_axes_tree_prefix(L, rng):
    return L.vmap(lambda x: x, in_axes=([0],))(np.ones(3))


@case(f"{F}.test_vmap_in_axes_leaf_types")
def _in_axes_leaf_types(L, rng):
    x = np.array([1.0, 2.0])
    return L.vmap(lambda x: x, in_axes=(np.array([1.0, 2.0]),))(x)


@case(f"{F}.test_vmap_out_axes_leaf_types")
def _out_axes_leaf_types(L, rng):
    x = np.array([1.0, 2.0])
    return L.vmap(lambda x: x, out_axes=(np.array([1.0, 2.0]),))(x)


@case(f"{F}.test_vmap_unbatched_object_passthrough_issue_183")
def _unbatched_passthrough(L, rng):
    vfun = L.vmap(lambda f, x: f(x), (None, 0))
    return vfun(lambda x: x + 1, np.arange(3))


@case(f"{F}.test_vmap_mismatched_keyword")
def _mismatched_keyword(L, rng):
    @L.vmap
    def f(x, y):
        return x + y

    return f(np.array([1], "int32"), y=np.array([1, 2], "int32"))


# test_vmap_mismatched_axis_sizes_error_message_issue_705: one case per check.
_T705 = f"{F}.test_vmap_mismatched_axis_sizes_error_message_issue_705"


def _h705(L):
    return lambda a, b: L.jnp.sum(a) + L.jnp.sum(b)


@case(f"{_T705}[in_axes=(0,1)]")
def _i705_a(L, rng):
    X, U = _f32(rng, (10, 4)), _f32(rng, (10, 2))
    return L.vmap(_h705(L), in_axes=(0, 1))(X, U)


@case(f"{_T705}[three_args]")
def _i705_b(L, rng):
    X, U = _f32(rng, (10, 4)), _f32(rng, (10, 2))
    return L.vmap(lambda x, y, z: None, in_axes=(0, 1, 0))(X, U, X)


@case(f"{_T705}[list_arg]")
def _i705_c(L, rng):
    X, U = _f32(rng, (10, 4)), _f32(rng, (10, 2))
    return L.vmap(_h705(L), in_axes=(0, 1))(X, [U, U])


@case(f"{_T705}[scalar_arg]")
def _i705_d(L, rng):
    return L.vmap(lambda x: x)(1.0)


@case(f"{_T705}[in_axes=None]")
def _i705_e(L, rng):
    return L.vmap(lambda x: x, in_axes=None)(np.array([1.0, 2.0]))


@case(f"{_T705}[in_axes=1_rank1]")
def _i705_f(L, rng):
    return L.vmap(lambda x: x, in_axes=1)(np.array([1.0, 2.0]))


@case(f"{_T705}[out_axes_not_prefix]")
def _i705_g(L, rng):
    return L.vmap(lambda x: x, in_axes=0, out_axes=(2, 3))(np.array([1.0, 2.0]))


@case(f"{_T705}[out_axes=None_named]")
def _i705_h(L, rng):
    return L.vmap(lambda x: x, out_axes=None, axis_name="foo")(np.array([1.0, 2.0]))


@case(f"{_T705}[out_axes=None]")
def _i705_i(L, rng):
    return L.vmap(lambda x: x, out_axes=None)(np.array([1.0, 2.0]))


@case(f"{F}.test_vmap_explicit_axis_size_mismatch")
def _explicit_axis_size_mismatch(L, rng):
    return L.vmap(lambda x: x, in_axes=0, axis_size=2)(np.arange(8, dtype=np.int32))


# test_vmap_structured_in_axes: the batch axis sits at a different place in each leaf.
Point = collections.namedtuple("Point", ["x", "y"])


def _structured_inputs(rng):
    A, B, C, D, K = 2, 3, 4, 5, 6
    return _f32(rng, (K, A, B)), _f32(rng, (B, K, C)), _f32(rng, (C, D, K))


@case(f"{F}.test_vmap_structured_in_axes[tuple]")
def _structured_tuple(L, rng):
    x, y, z = _structured_inputs(rng)

    def foo(tree_arg):
        x, (y, z) = tree_arg
        return L.jnp.dot(x, L.jnp.dot(y, z))

    return L.vmap(foo, in_axes=((0, (1, 2)),))((x, (y, z)))


@case(f"{F}.test_vmap_structured_in_axes[namedtuple]")
def _structured_namedtuple(L, rng):
    x, y, z = _structured_inputs(rng)

    def foo(tree_arg):
        x, (y, z) = tree_arg
        return L.jnp.dot(x, L.jnp.dot(y, z))

    return L.vmap(foo, in_axes=((0, Point(1, 2)),))((x, Point(y, z)))


def _dict_foo(L):
    def foo(tree_arg):
        x, dct = tree_arg
        return L.jnp.dot(x, L.jnp.dot(dct["a"], dct["b"]))

    return foo


@case(f"{F}.test_vmap_structured_in_axes[dict]")
def _structured_dict(L, rng):
    x, y, z = _structured_inputs(rng)
    return L.vmap(_dict_foo(L), in_axes=((0, {"a": 1, "b": 2}),))((x, {"a": y, "b": z}))


@case(f"{F}.test_vmap_structured_in_axes[OrderedDict]")
def _structured_ordereddict(L, rng):
    x, y, z = _structured_inputs(rng)
    tree = (x, collections.OrderedDict([("a", y), ("b", z)]))
    axes = ((0, collections.OrderedDict([("a", 1), ("b", 2)])),)
    return L.vmap(_dict_foo(L), in_axes=axes)(tree)


@case(f"{F}.test_vmap_in_axes_bool_error")
def _in_axes_bool(L, rng):
    return L.vmap(lambda x: x, in_axes=False)(np.zeros(3))


_excluded("test_pmap_in_axes_bool_error", "pmap")


@case(f"{F}.test_vmap_empty_arguments")
def _empty_arguments(L, rng):
    return L.vmap(lambda x: x)({})


@case(f"{F}.test_vmap_scalar[in_axes=None]")
def _scalar_none(L, rng):
    return L.vmap(lambda x: x, in_axes=None, axis_size=1)(1.0)


@case(f"{F}.test_vmap_scalar[in_axes=0]")
def _scalar_0(L, rng):
    return L.vmap(lambda x: x, in_axes=0, axis_size=1)(1.0)


@case(f"{F}.test_vmap_scalar[in_axes=1]")
def _scalar_1(L, rng):
    return L.vmap(lambda x: x, in_axes=1, axis_size=1)(1.0)


@case(f"{F}.test_vmap_unmapped_last")
def _unmapped_last(L, rng):
    @partial(L.vmap, out_axes=-1)
    def f(x):
        return np.zeros((2,))

    return f(np.zeros((5,)))


_LEAK = "tracer-leak checker (jax.checking_leaks / check_tracer_leaks)"
_excluded("test_leak_checker_avoids_false_positives", _LEAK)
_excluded("test_leak_checker_avoids_false_positives_scan_vmap", _LEAK)
_excluded("test_leak_checker_avoids_false_positives_scan_vmap_2", _LEAK)
_excluded("test_leak_checker_reference_chain", _LEAK)
_excluded("test_vmap_make_jaxpr_close_over_tracer", "jaxpr internals (make_jaxpr, core.eval_jaxpr)")


@case(f"{F}.test_lax_empty_vmap")
def _lax_empty_vmap(L, rng):
    # lax.empty's contents are unspecified: only the shape is compared.
    inp = np.arange(8, dtype=np.int32).reshape(4, 2)
    f = L.jit(L.vmap(lambda x: L.lax.empty(x.shape, x.dtype)))
    return np.array(f(inp).shape)


@case(f"{F}.test_lax_empty_batching_bug")
def _lax_empty_batching_bug(L, rng):
    # JAX's test takes jax.hessian (jacfwd of jacrev); jax 0.10.2 still has the bug
    # under jacfwd (vmap of jvp of lax.empty raises), so the second derivative is
    # taken as jacrev of jacrev here (the same zeros((2, 3, 3)) Hessian).
    def f(x):
        out = L.lax.empty((2,), x.dtype)
        out = out.at[0].set(1)
        return out.at[1].set(out[0] * x[0])

    return L.jacrev(L.jacrev(f))(np.arange(3.0))


_excluded("test_vmap_caching", "compilation-cache counting (and JAX PRNG inputs)")


@case(f"{F}.test_dce_sink_vmap")
def _dce_sink_vmap(L, rng):
    def f(x):
        L.lax.dce_sink(x)
        return x

    return L.vmap(f)(np.arange(3.0))


@case(f"{F}.test_while_jvp_debug_info_crash")
def _while_jvp_debug_info(L, rng):
    def loop_fun(x, p):
        def cond(val):
            return val[0] < 3

        def body(val):
            return val[0] + 1, val[1] * p

        _, res = L.lax.while_loop(cond, body, (0, x))
        return L.lax.stop_gradient(res)

    def inner_grad(p):
        return L.grad(lambda param: loop_fun(1.0, param))(p)

    vmapped_inner_grad = L.vmap(inner_grad)

    def outer_fun(p_vector):
        return L.jnp.sum(vmapped_inner_grad(p_vector))

    return L.grad(outer_fun)(np.array([2.0, 3.0]))


# --- RematTest -------------------------------------------------------------------------


def _no_save(*_, **__):
    return False


_REMATS = {
    "": lambda L: L.remat,
    "_policy": lambda L: partial(L.remat, policy=_no_save),
    "_new": lambda L: partial(L.checkpoint, policy=_no_save),
}


def _remat_vmap_case(suffix, make_remat):
    @case(f"{F}.test_remat_vmap[{suffix}]")
    def fn(L, rng):
        @make_remat(L)
        def g(x):
            return L.lax.sin(L.lax.sin(x))

        x = np.arange(3.0)
        return L.vmap(g)(x), L.jacfwd(g)(x), L.jacrev(g)(x)

    @case(f"{F}.test_remat_vmap_not_leading_dim[{suffix}]")
    def fn2(L, rng):
        @make_remat(L)
        def g(x):
            return L.lax.sin(L.lax.sin(x))

        x = np.arange(3 * 5.0).reshape(3, 5)
        return L.vmap(g, 1, 0)(x)


for _suffix, _make in _REMATS.items():
    _remat_vmap_case(_suffix, _make)

_excluded(
    "test_remat_vmap[constant_introducing_primitive]",
    "jax.core internals (core.Primitive with a custom batching rule)",
)


def _dots_no_batch_case(suffix, remat_name, einsum_spec, shape):
    # JAX also counts sin/dot_general in the linearized jaxpr (internal); the values and
    # first and second derivatives (JAX's check_grads order=2, fwd and rev) are kept.
    @case(f"{F}.test_remat_checkpoint_dots_with_no_batch_dims{suffix}[_{remat_name}]")
    def fn(L, rng):
        remat = L.remat if remat_name == "old_remat" else L.checkpoint
        policy = L.checkpoint_policies.checkpoint_dots_with_no_batch_dims

        @partial(remat, policy=policy)
        def f(x):
            for _ in range(3):
                x = L.jnp.einsum(einsum_spec, x, x, precision=L.lax.Precision.HIGHEST)
                x = L.jnp.sin(x)
            return x

        x = 0.5 * rng.normal(size=shape)
        return f(x), L.jacfwd(f)(x), L.jacrev(f)(x), L.jacfwd(L.jacrev(f))(x)


for _name in ("old_remat", "new_remat"):
    _dots_no_batch_case("", _name, "ij,jk->ik", (2, 2))
    _dots_no_batch_case("2", _name, "nij,njk->nik", (3, 2, 2))

_excluded(
    "test_remat_offload_dot_with_no_batch_dims_jaxpr",
    "jaxpr/memory-space introspection (offload policy)",
)


@case(f"{F}.test_checkpoint_name_vmap")
def _checkpoint_name_vmap(L, rng):
    # jax.ad_checkpoint is a submodule that ``import jax`` does not load.
    checkpoint_name = importlib.import_module(L.api.__name__ + ".ad_checkpoint").checkpoint_name

    def f(x):
        y = checkpoint_name(x * 2.0, "y")
        return y + 1.0

    policy = L.checkpoint_policies.save_only_these_names("y")
    f_vmapped = L.vmap(L.checkpoint(f, policy=policy))
    x = np.arange(6.0).reshape(2, 3)
    grad = L.grad(lambda a: L.jnp.sum(f_vmapped(a)))(x)
    return f(x), f_vmapped(x), grad


# --- JaxprTest, NamedCallTest, CleanupTest, TracebackTest, EvalJaxprPrimitiveTest -------

_excluded("test_make_jaxpr_axis_env", "jaxpr introspection (make_jaxpr axis_env)")


@case(f"{F}.test_jax_transforms[vmap]")
def _named_call_vmap(L, rng):
    # NamedCallTest.test_jax_transforms with transform=jax.vmap.
    x = np.array([1.0])
    unnamed = L.vmap(L.jnp.sum)(x)
    named = L.vmap(L.named_call(L.jnp.sum, name="test"))(x)
    return unnamed, named


_excluded("test_call_wrapped_second_phase_cleanup", "jax.core internals (trace_state_clean)")
_excluded("test_vmap_traceback", "Python traceback depth inside JAX's tracing machinery")
_excluded("test_eval_jaxpr_vmap", "jaxpr internals (eval_jaxpr_p.bind)")
