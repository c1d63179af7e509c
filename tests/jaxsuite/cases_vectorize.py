"""tests/lax_numpy_vectorize_test.py of JAX, translated (``jnp.vectorize``).

JAX's shape tests build inputs with ``jnp.zeros``/``jnp.arange`` and check only the
result shape; here the inputs are random (float32, JAX's default float dtype in its
test suite) so that the values are compared as well.
"""

from __future__ import annotations

import warnings
from functools import partial

import numpy as np

from .harness import case

F = "lax_numpy_vectorize_test"


def _shape_str(shape):
    return "x".join(str(d) for d in shape) or "scalar"


def _f32(rng, shape):
    return rng.normal(size=shape).astype(np.float32)


# --- test_matmat / test_matvec / test_vecmat -------------------------------------------

_MATMAT = [
    ((2, 3), (3, 4)),
    ((2, 3), (1, 3, 4)),
    ((1, 2, 3), (1, 3, 4)),
    ((5, 2, 3), (1, 3, 4)),
    ((6, 5, 2, 3), (3, 4)),
]
_MATVEC = [
    ((2, 3), (3,)),
    ((2, 3), (1, 3)),
    ((4, 2, 3), (1, 3)),
    ((5, 4, 2, 3), (1, 3)),
]
_VECMAT = [
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((4, 2, 3), (3,)),
]


def _binary_sig_case(test, signature, left, right):
    name = f"{F}.{test}[left_shape={_shape_str(left)},right_shape={_shape_str(right)}]"

    @case(name)
    def fn(L, rng):
        f = L.jnp.vectorize(L.jnp.dot, signature=signature)
        return f(_f32(rng, left), _f32(rng, right))


for _l, _r in _MATMAT:
    _binary_sig_case("test_matmat", "(n,m),(m,k)->(n,k)", _l, _r)
for _l, _r in _MATVEC:
    _binary_sig_case("test_matvec", "(n,m),(m)->(n)", _l, _r)
for _l, _r in _VECMAT:
    _binary_sig_case("test_vecmat", "(m),(m)->()", _l, _r)


# --- test_magnitude / test_mean / test_stack_plus_minus ---------------------------------


def _magnitude_case(shape):
    @case(f"{F}.test_magnitude[shape={_shape_str(shape)}]")
    def fn(L, rng):
        inputs = np.arange(int(np.prod(shape))).reshape(shape)

        @partial(L.jnp.vectorize, signature="(n)->()")
        def magnitude(x):
            return L.jnp.dot(x, x)

        return magnitude(inputs)


for _s in [(3,), (2, 3), (1, 2, 3)]:
    _magnitude_case(_s)


def _mean_case(shape):
    @case(f"{F}.test_mean[shape={_shape_str(shape)}]")
    def fn(L, rng):
        mean = L.jnp.vectorize(L.jnp.mean, signature="(n)->()")
        return mean(_f32(rng, shape))


for _s in [(3,), (2, 3), (1, 2, 3, 4)]:
    _mean_case(_s)


def _stack_case(shape):
    @case(f"{F}.test_stack_plus_minus[shape={_shape_str(shape)}]")
    def fn(L, rng):
        @partial(L.jnp.vectorize, signature="()->(n)")
        def stack_plus_minus(x):
            return L.jnp.stack([x, -x])

        return stack_plus_minus(_f32(rng, shape))


for _s in [(), (3,)]:
    _stack_case(_s)


# --- multiple outputs, excluded= -------------------------------------------------------


@case(f"{F}.test_center")
def _center(L, rng):
    @partial(L.jnp.vectorize, signature="(n)->(),(n)")
    def center(array):
        bias = L.jnp.mean(array)
        return bias, array - bias

    b1, a1 = center(np.arange(3.0, dtype=np.float32))
    b2, a2 = center(np.arange(6.0, dtype=np.float32).reshape(2, 3))
    return b1, a1, b2, a2


@case(f"{F}.test_exclude_first")
def _exclude_first(L, rng):
    @partial(L.jnp.vectorize, excluded={0})
    def f(x, y):
        assert x == "foo"
        assert y.ndim == 0
        return y

    x = np.arange(3)
    return f("foo", x), L.jit(f, static_argnums=0)("foo", x)


@case(f"{F}.test_exclude_second")
def _exclude_second(L, rng):
    @partial(L.jnp.vectorize, excluded={1})
    def f(x, y):
        assert x.ndim == 0
        assert y == "foo"
        return x

    x = np.arange(3)
    return f(x, "foo"), L.jit(f, static_argnums=1)(x, "foo")


@case(f"{F}.test_exclude_kwargs")
def _exclude_kwargs(L, rng):
    @partial(L.jnp.vectorize, excluded=(2, "func"))
    def f(x, y, func=L.jnp.add):
        assert x.ndim == y.ndim == 0
        return func(x, y)

    x = np.arange(4, dtype="int32")
    y = np.int32(2)
    return f(x, y), f(x, y, L.jnp.power), f(x, y, func=L.jnp.power)


@case(f"{F}.test_exclude_errors[float]")
def _exclude_errors_float(L, rng):
    L.jnp.vectorize(lambda x: x, excluded={1.5})


@case(f"{F}.test_exclude_errors[negative]")
def _exclude_errors_negative(L, rng):
    L.jnp.vectorize(lambda x: x, excluded={-1})


# --- bad inputs and bad outputs ----------------------------------------------------------


def _matmat(L):
    return L.jnp.vectorize(L.jnp.dot, signature="(n,m),(m,k)->(n,k)")


@case(f"{F}.test_bad_inputs[wrong_num_args]")
def _bad_inputs_nargs(L, rng):
    return _matmat(L)(np.zeros((3, 2), np.float32))


@case(f"{F}.test_bad_inputs[not_enough_dims]")
def _bad_inputs_ndim(L, rng):
    return _matmat(L)(np.zeros((2,), np.float32), np.zeros((2, 2), np.float32))


@case(f"{F}.test_bad_inputs[inconsistent_core_dim]")
def _bad_inputs_core(L, rng):
    return _matmat(L)(np.zeros((2, 3), np.float32), np.zeros((4, 5), np.float32))


@case(f"{F}.test_wrong_output_type")
def _wrong_output_type(L, rng):
    f = L.jnp.vectorize(L.jnp.dot, signature="(n,m),(m,k)->(n,k),()")
    return f(_f32(rng, (2, 2)), _f32(rng, (2, 2)))


@case(f"{F}.test_wrong_num_outputs")
def _wrong_num_outputs(L, rng):
    f = L.jnp.vectorize(lambda *args: args, signature="(),()->(),(),()")
    return f(1, 2)


@case(f"{F}.test_wrong_output_shape")
def _wrong_output_shape(L, rng):
    f = L.jnp.vectorize(L.jnp.dot, signature="(n,m),(m,k)->(n)")
    return f(_f32(rng, (2, 2)), _f32(rng, (2, 2)))


@case(f"{F}.test_inconsistent_output_size")
def _inconsistent_output_size(L, rng):
    f = L.jnp.vectorize(L.jnp.dot, signature="(n,m),(m,k)->(n,n)")
    return f(_f32(rng, (2, 3)), _f32(rng, (3, 4)))


@case(f"{F}.test_expand_dims_multiple_outputs_no_signature")
def _multiple_outputs_no_sig(L, rng):
    f = L.jnp.vectorize(lambda x: (x, x))
    out = f(np.arange(1))
    assert isinstance(out, tuple)
    return out


@case(f"{F}.test_none_arg")
def _none_arg(L, rng):
    f = L.jnp.vectorize(lambda x, y: x if y is None else x + y)
    x = np.arange(10)
    y = np.arange(10, 20)
    return f(x, None), f(x, y)


@case(f"{F}.test_none_arg_bad_signature")
def _none_arg_bad_signature(L, rng):
    f = L.jnp.vectorize(lambda x, y: x if y is None else x + y, signature="(k),(k)->(k)")
    return f(np.arange(10), None)


# --- test_rank_promotion_error -----------------------------------------------------------

_RANK2 = np.zeros((10, 10), np.float32)
_RANK1 = np.zeros(10, np.float32)
_RANK0 = np.zeros((), np.float32)


@case(f"{F}.test_rank_promotion_error[raise]")
def _rank_promotion_raise(L, rng):
    f = L.jnp.vectorize(L.jnp.add, signature="(),()->()")
    with L.numpy_rank_promotion("raise"):
        return f(_RANK2, _RANK1)


@case(f"{F}.test_rank_promotion_error[warn]")
def _rank_promotion_warn(L, rng):
    f = L.jnp.vectorize(L.jnp.add, signature="(),()->()")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with L.numpy_rank_promotion("warn"):
            out = f(_RANK2, _RANK1)
    warned = any(
        issubclass(w.category, UserWarning) and "require rank promotion" in str(w.message)
        for w in caught
    )
    return out, np.array(warned)


@case(f"{F}.test_rank_promotion_error[scalar]")
def _rank_promotion_scalar(L, rng):
    f = L.jnp.vectorize(L.jnp.add, signature="(),()->()")
    with L.numpy_rank_promotion("raise"):
        outs = [f(_RANK2, _RANK0), f(_RANK1, _RANK0)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with L.numpy_rank_promotion("warn"):
            outs += [f(_RANK2, _RANK0), f(_RANK1, _RANK0)]
    return tuple(outs), np.array(len(caught) == 0)


@case(f"{F}.test_rank_promotion_error[matching_ranks]")
def _rank_promotion_matching(L, rng):
    f2 = L.jnp.vectorize(L.jnp.add, signature="(n),()->(n)")
    with L.numpy_rank_promotion("raise"):
        a = f2(_RANK2, _RANK1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with L.numpy_rank_promotion("warn"):
            b = f2(_RANK2, _RANK1)
    return a, b, np.array(len(caught) == 0)


@case(f"{F}.test_non_scalar_outputs_and_default_signature")
def _non_scalar_default_sig(L, rng):
    out_dim = 5

    def f(x):
        assert np.shape(x) == ()
        return x + L.jnp.linspace(-1, 1, out_dim)

    return L.jnp.vectorize(f)(0.5), L.jnp.vectorize(f)(np.ones(3))
