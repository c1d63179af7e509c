"""The Array API backend (backends/array_api.py): every compiled spec of the differential
tables also runs on array_api_strict arrays, returns array_api_strict arrays, and equals the
NumPy result; PyTorch and JAX run the seed specs when installed."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from kernels import apply_spec, assert_trees_close, cases, none_out_axes_cases, pytree_cases

import axcomp as ax
import axcomp.lax as alax
import axcomp.numpy as anp
from axcomp.backends import BACKENDS
from axcomp.backends.array_api import REFUSED

xp = pytest.importorskip("array_api_strict")
XArray = type(xp.asarray(0.0))

SETTINGS = settings(
    deadline=None,
    max_examples=100,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

#: What the kernel tables may use that the standard refuses at compile time (none today:
#: the drawn ops all have standard spellings).
ALLOWED_REFUSALS: tuple[str, ...] = ()


def tree_map(fn, tree):
    if isinstance(tree, tuple):
        return tuple(tree_map(fn, t) for t in tree)
    if isinstance(tree, list):
        return [tree_map(fn, t) for t in tree]
    if isinstance(tree, dict):
        return {k: tree_map(fn, v) for k, v in tree.items()}
    return fn(tree)


def leaves(tree):
    out = []
    tree_map(out.append, tree)
    return out


def to_lib(lib, tree):
    return tree_map(lambda a: lib.asarray(a) if isinstance(a, np.ndarray) else a, tree)


def to_numpy(tree):
    return tree_map(lambda a: a if a is None else np.asarray(a), tree)


def _check(case, jit=False):
    args = case.inputs()
    compiled = apply_spec(ax.vmap, case.kernel(anp), case.spec)
    if jit:
        compiled = ax.jit(compiled)
    expected = compiled(*args)
    try:
        actual = compiled(*to_lib(xp, args))
    except ax.UnsupportedError as exc:
        assert any(fn in str(exc) for fn in ALLOWED_REFUSALS), exc
        return
    for leaf in leaves(actual):
        assert leaf is None or isinstance(leaf, XArray), type(leaf)
    rtol, atol = case.tolerances()
    # the NumPy path may take the GEMM expansion, which rounds differently in the last bits
    rtol, atol = max(rtol, 1e-12), max(atol, 1e-12 if rtol else 0.0)
    assert_trees_close(to_numpy(actual), expected, rtol=rtol, atol=atol, check_dtype=True)


@SETTINGS
@given(cases())
def test_random_kernels_and_specs(case):
    _check(case)


@SETTINGS
@given(pytree_cases())
def test_pytree_arguments(case):
    _check(case)


@settings(deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(none_out_axes_cases())
def test_out_axes_none_for_unbatched_outputs(case):
    _check(case)


@settings(deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(cases(multi_output=True))
def test_multiple_outputs(case):
    _check(case)


@settings(deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_jit_of_vmap(case):
    _check(case, jit=True)


# ------------------------------------------------------------------ seed specs


def matvec(m, v):
    return anp.dot(m, v)


def sqdist(a, b):
    return anp.sum((a - b) ** 2)


def _seed_functions():
    pairwise = ax.vmap(ax.vmap(matvec, in_axes=(None, 0)), in_axes=(0, None))
    dist = ax.vmap(ax.vmap(sqdist, in_axes=(None, 0)), in_axes=(0, None))
    return pairwise, dist


def _seed_args(rng):
    return rng.normal(size=(3, 2, 5)), rng.normal(size=(4, 5))


def test_backend_is_registered():
    assert "array_api" in BACKENDS


@pytest.mark.parametrize("lib_name", ["array_api_strict"])
def test_seed_specs_keep_the_library(lib_name):
    rng = np.random.default_rng(0)
    pairwise, dist = _seed_functions()
    m, v = _seed_args(rng)
    got = pairwise(xp.asarray(m), xp.asarray(v))
    assert isinstance(got, XArray) and got.shape == (3, 4, 2)
    np.testing.assert_allclose(np.asarray(got), np.einsum("amn,bn->abm", m, v), rtol=1e-12)
    a, b = rng.normal(size=(30, 40)), rng.normal(size=(20, 40))
    want = ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)
    got = dist(xp.asarray(a), xp.asarray(b))
    assert isinstance(got, XArray) and got.dtype == xp.float64
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(got), dist(a, b), rtol=1e-10)


def test_gemm_path_is_numpy_only():
    a, b = np.random.default_rng(1).normal(size=(2, 30, 40))
    _, dist = _seed_functions()
    numpy_plan = dist.lower(a, b).plan
    strict = dist.lower(xp.asarray(a), xp.asarray(b))
    assert any(s.node.op.name == "refine" for s in numpy_plan.steps)
    assert not any(s.node.op.name == "refine" for s in strict.plan.steps)
    assert strict.backend == "array_api" and strict.namespace == "array_api_strict"
    assert "_xp." in strict.source and "_np" not in strict.source


def test_gemm_orientation_is_numpy_only(monkeypatch):
    # OpenBLAS's faster orientation of a tall-skinny GEMM is not the namespace's library's
    from axcomp.backends import target

    monkeypatch.setattr(target, "blas_threads", lambda: 1)
    x, r = np.random.default_rng(4).normal(size=(2, 300, 280))[0], np.ones((300, 10))
    f = ax.jit(lambda x, r: x.T @ r)
    assert "matmul(r.transpose(1, 0), x).transpose(1, 0)" in f.lower(x, r).source
    strict = f.lower(xp.asarray(x), xp.asarray(r))
    assert strict.backend == "array_api"
    assert "_xp.matmul(_xp.permute_dims(x, (1, 0)), r)" in strict.source
    got = f(xp.asarray(x), xp.asarray(r))
    np.testing.assert_allclose(np.asarray(got), x.T @ r, rtol=1e-12)


def test_per_example_grad():
    rng = np.random.default_rng(2)
    w, xs, ys = rng.normal(size=(4,)), rng.normal(size=(6, 4)), rng.normal(size=(6,))

    def loss(w, x, y):
        return (anp.tanh(anp.dot(w, x)) - y) ** 2

    f = ax.vmap(ax.grad(loss), in_axes=(None, 0, 0))
    got = f(xp.asarray(w), xp.asarray(xs), xp.asarray(ys))
    assert isinstance(got, XArray)
    np.testing.assert_allclose(np.asarray(got), f(w, xs, ys), rtol=1e-12)


def test_grad_through_indexing_scatters():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(5, 7))

    def f(a):
        return anp.sum(a[1:6:2] * a[::-3][:3]) + a[-1] ** 2

    g = ax.vmap(ax.grad(f))
    got = g(xp.asarray(x))
    assert isinstance(got, XArray)
    np.testing.assert_allclose(np.asarray(got), g(x), rtol=1e-12)


def test_cumulative_and_diagonals():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(3, 9))

    def f(a):
        m = a.reshape(3, 3)
        return (
            anp.cumsum(a),
            anp.cumprod(a[::-2]),
            alax.cumsum(a, reverse=True),
            anp.einsum("ii->i", m[::-1]),
            anp.einsum("ii", m),
            anp.mean(a.astype(np.int64)),
        )

    g = ax.vmap(f)
    for got, want in zip(g(xp.asarray(x)), g(x)):
        assert isinstance(got, XArray)
        assert str(got.dtype).rsplit(".", 1)[-1] == want.dtype.name
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-12)


def test_refused_functions_fail_at_compile_time():
    x = xp.asarray(np.linspace(0.1, 1.0, 6).reshape(2, 3))
    for name, arity in (("exp2", 1), ("reciprocal", 1), ("fmax", 2), ("heaviside", 2)):
        fn = getattr(anp, name)
        f = ax.vmap(lambda a, fn=fn, arity=arity: fn(*[a] * arity))
        with pytest.raises(ax.UnsupportedError, match=f"{name}.*array_api_strict"):
            f.lower(x)
        assert name in REFUSED


def test_in_place_hints_are_dropped():
    x = np.random.default_rng(5).normal(size=(64, 1024))
    f = ax.vmap(lambda a: anp.tanh(anp.exp(a) + 1.0) * 2.0)
    assert "out=" in f.lower(x).source
    strict = f.lower(xp.asarray(x))
    assert "out=" not in strict.source
    np.testing.assert_allclose(np.asarray(f(xp.asarray(x))), f(x), rtol=1e-12)


def test_cache_keys_on_the_namespace():
    f = ax.jit(lambda a: anp.sum(a * 2.0, axis=0))
    x = np.arange(6.0).reshape(2, 3)
    f(x)
    f(xp.asarray(x))
    assert f.cache_info().misses == 2 and f.cache_info().currsize == 2
    assert isinstance(f(x), np.ndarray)  # NumPy calls take the fast path (its own cache)
    assert isinstance(f(xp.asarray(x)), XArray)
    assert f.cache_info().misses == 2 and f.cache_info().hits == 1 and f.cache_info().currsize == 2


def test_explain_names_the_namespace():
    f = ax.vmap(lambda a: anp.sum(a))
    x = np.ones((2, 3))
    assert "  backend numpy\n" in str(ax.explain(f, x))
    assert "  backend array_api (array_api_strict)\n" in str(ax.explain(f, xp.asarray(x)))


def test_generated_code_is_only_standard_calls():
    import re

    rng = np.random.default_rng(7)
    pairwise, _ = _seed_functions()
    source = pairwise.lower(*map(xp.asarray, _seed_args(rng))).source
    called = set(re.findall(r"_xp\.(\w+)", source))
    assert called <= {"matmul", "reshape", "permute_dims", "sum", "asarray"}, called


# ------------------------------------------------------------------ other libraries


def _other_library(name):
    if name == "torch":
        torch = pytest.importorskip("torch")
        return torch, lambda a: torch.asarray(a), lambda t: t.numpy()
    jnp = pytest.importorskip("jax.numpy")
    import jax

    jax.config.update("jax_enable_x64", True)
    return jnp, lambda a: jnp.asarray(a), np.asarray


@settings(deadline=None, max_examples=50, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_random_kernels_on_torch(case):
    torch = pytest.importorskip("torch")
    args = case.inputs()
    compiled = apply_spec(ax.vmap, case.kernel(anp), case.spec)
    expected = compiled(*args)
    actual = compiled(*to_lib(torch, args))
    for leaf in leaves(actual):
        assert leaf is None or isinstance(leaf, torch.Tensor), type(leaf)
    rtol, atol = case.tolerances()
    rtol, atol = max(rtol, 1e-12), max(atol, 1e-12 if rtol else 0.0)
    assert_trees_close(to_numpy(actual), expected, rtol=rtol, atol=atol, check_dtype=True)


@pytest.mark.parametrize("name", ["torch", "jax"])
def test_other_libraries_keep_their_arrays(name):
    _, conv, back = _other_library(name)
    rng = np.random.default_rng(8)
    pairwise, dist = _seed_functions()
    m, v = _seed_args(rng)
    got = pairwise(conv(m), conv(v))
    assert type(got) is type(conv(m))
    np.testing.assert_allclose(back(got), np.einsum("amn,bn->abm", m, v), rtol=1e-12)
    a, b = rng.normal(size=(30, 40)), rng.normal(size=(20, 40))
    got = dist(conv(a), conv(b))
    assert type(got) is type(conv(a))
    np.testing.assert_allclose(back(got), dist(a, b), rtol=1e-10)
    x = rng.normal(size=(5, 7))

    def f(a):
        return anp.sum(a[1:6:2] * a[::-3][:3]) + anp.cumsum(a)[-1] ** 2

    g = ax.vmap(ax.grad(f))
    got = g(conv(x))
    assert type(got) is type(conv(x))
    np.testing.assert_allclose(back(got), g(x), rtol=1e-12)
    if name == "torch":
        assert str(got.device) == "cpu"


_R = np.random.default_rng(11)
_A, _V = _R.normal(size=(3, 4)), _R.normal(size=4)

#: Programs whose traced Python scalars, constants and new-axis windows must run on the
#: standard's arrays as on NumPy's (each failed before: a scalar entered as a NumPy array,
#: so constants went to NumPy's device; ``x[:, None] = v`` has an index the standard
#: does not allow in an assignment).
SCALAR_AND_NEW_AXIS_PROGRAMS = {
    "float scalar, eye constant": (lambda s, x: (s * x + anp.eye(3, 4)).sum(), (1.5, _A)),
    "int scalar": (lambda s, x: x * s, (2, _A)),
    "bool scalar": (lambda b, x: anp.where(b, x, -x), (True, _A)),
    "two scalars": (lambda s, t, x: x * s + t, (2.0, 3, _A)),
    "grad with a scalar": (ax.grad(lambda s, x: (s * x).sum()), (1.5, _A)),
    "grad of outer new axes": (
        ax.grad(lambda u: anp.exp(u[:, None] + u[None, :]).sum()),
        (_V,),
    ),
    "grad of a middle new axis": (
        ax.grad(lambda x: (x[:, None, :] * x[None, :, ::-1]).sum()),
        (_A,),
    ),
    "grad of a trailing new axis": (ax.grad(lambda x: (x[..., None] ** 2).sum()), (_A,)),
}


@pytest.mark.parametrize("name", sorted(SCALAR_AND_NEW_AXIS_PROGRAMS))
def test_scalars_and_new_axes_run_on_the_standard(name):
    fn, args = SCALAR_AND_NEW_AXIS_PROGRAMS[name]
    want = ax.jit(fn)(*args)
    got = ax.jit(fn)(*to_lib(xp, args))
    assert isinstance(got, XArray)
    assert np.asarray(got).dtype == np.asarray(want).dtype
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-13, atol=1e-13)
