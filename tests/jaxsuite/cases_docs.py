"""The vmap examples of JAX's documentation, translated.

``docs.automatic_vectorization.*``: docs/automatic-vectorization.md, one case per code cell
(named by section); ``docs.vmap_docstring.*``: the examples in ``jax.vmap``'s docstring.
"""

from __future__ import annotations

import numpy as np

from .harness import case

AV = "docs.automatic_vectorization"
DS = "docs.vmap_docstring"


# --- docs/automatic-vectorization.md ---------------------------------------------------


def _convolve(L):
    def convolve(x, w):
        output = []
        for i in range(1, len(x) - 1):
            output.append(L.jnp.dot(x[i - 1 : i + 2], w))
        return L.jnp.array(output)

    return convolve


def _data():
    x = np.arange(5)
    w = np.array([2.0, 3.0, 4.0])
    return x, w, np.stack([x, x]), np.stack([w, w])


@case(f"{AV}.manual_vectorization.convolve")
def _av_convolve(L, rng):
    x, w, _, _ = _data()
    return _convolve(L)(x, w)


@case(f"{AV}.manual_vectorization.manually_batched_convolve")
def _av_manually_batched(L, rng):
    _, _, xs, ws = _data()
    convolve = _convolve(L)
    return L.jnp.stack([convolve(xs[i], ws[i]) for i in range(xs.shape[0])])


@case(f"{AV}.manual_vectorization.manually_vectorized_convolve")
def _av_manually_vectorized(L, rng):
    _, _, xs, ws = _data()
    xs, ws = L.jnp.asarray(xs), L.jnp.asarray(ws)
    output = []
    for i in range(1, xs.shape[-1] - 1):
        output.append(L.jnp.sum(xs[:, i - 1 : i + 2] * ws, axis=1))
    return L.jnp.stack(output, axis=1)


@case(f"{AV}.automatic_vectorization.auto_batch_convolve")
def _av_auto_batch(L, rng):
    _, _, xs, ws = _data()
    return L.vmap(_convolve(L))(xs, ws)


@case(f"{AV}.automatic_vectorization.in_axes=1,out_axes=1")
def _av_in_out_axes(L, rng):
    _, _, xs, ws = _data()
    auto_batch_convolve_v2 = L.vmap(_convolve(L), in_axes=1, out_axes=1)
    return auto_batch_convolve_v2(np.transpose(xs), np.transpose(ws))


@case(f"{AV}.automatic_vectorization.in_axes=[0,None]")
def _av_in_axes_none(L, rng):
    _, w, xs, _ = _data()
    return L.vmap(_convolve(L), in_axes=[0, None])(xs, w)


@case(f"{AV}.combining_transformations.jit_of_vmap")
def _av_jit_of_vmap(L, rng):
    _, _, xs, ws = _data()
    return L.jit(L.vmap(_convolve(L)))(xs, ws)


@case(f"{AV}.combining_transformations.vmap_of_jit")
def _av_vmap_of_jit(L, rng):
    # The prose: "... or a jitted function with vmap, and everything will work".
    _, _, xs, ws = _data()
    return L.vmap(L.jit(_convolve(L)))(xs, ws)


@case(f"{AV}.combining_transformations.pairwise")
def _av_pairwise(L, rng):
    def pairwise(f, xs):
        return L.vmap(lambda x: L.vmap(lambda y: f(x, y))(xs))(xs)

    def dist(x, y):
        return L.jnp.sqrt(L.jnp.sum((x - y) ** 2))

    xs = rng.normal(size=(4, 3))  # M=4 points in N=3 dimensions
    return pairwise(dist, xs)


# --- the jax.vmap docstring --------------------------------------------------------------


@case(f"{DS}.sum_match")
def _ds_sum_match(L, rng):
    return L.vmap(lambda x: 2.0 * x, out_axes=None, sum_match=True)(np.arange(3.0))


def _vv(L):
    return lambda x, y: L.jnp.vdot(x, y)  # ([a], [a]) -> []


@case(f"{DS}.matrix_matrix_product")
def _ds_mm(L, rng):
    mv = L.vmap(_vv(L), (0, None), 0)  # ([b,a], [a]) -> [b]
    mm = L.vmap(mv, (None, 1), 1)  # ([b,a], [a,c]) -> [b,c]
    x, v, y = rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=(3, 5))
    return mv(x, v), mm(x, y)


@case(f"{DS}.variants.mv1")
def _ds_mv1(L, rng):
    mv1 = L.vmap(_vv(L), (0, 0), 0)  # ([b,a], [b,a]) -> [b]
    return mv1(rng.normal(size=(4, 3)), rng.normal(size=(4, 3)))


@case(f"{DS}.variants.mv2")
def _ds_mv2(L, rng):
    mv2 = L.vmap(_vv(L), (0, 1), 0)  # ([b,a], [a,b]) -> [b]
    return mv2(rng.normal(size=(4, 3)), rng.normal(size=(3, 4)))


@case(f"{DS}.variants.mm2")
def _ds_mm2(L, rng):
    mv2 = L.vmap(_vv(L), (0, 1), 0)
    mm2 = L.vmap(mv2, (1, 1), 0)  # ([b,c,a], [a,c,b]) -> [c,b]
    return mm2(rng.normal(size=(4, 5, 3)), rng.normal(size=(3, 5, 4)))


def _tree_foo(L):
    def foo(tree_arg):
        x, (y, z) = tree_arg
        return L.jnp.dot(x, L.jnp.dot(y, z))

    return foo


@case(f"{DS}.container_in_axes.unbatched")
def _ds_tree_unbatched(L, rng):
    A, B, C, D = 2, 3, 4, 5
    tree = (np.ones((A, B)), (np.ones((B, C)), np.ones((C, D))))
    return _tree_foo(L)(tree)


@case(f"{DS}.container_in_axes.batched")
def _ds_tree_batched(L, rng):
    A, B, C, D, K = 2, 3, 4, 5, 6
    x, y, z = np.ones((K, A, B)), np.ones((B, K, C)), np.ones((C, D, K))
    return L.vmap(_tree_foo(L), in_axes=((0, (1, 2)),))((x, (y, z)))


@case(f"{DS}.container_in_axes.dict")
def _ds_dict(L, rng):
    dct = {"a": 0.0, "b": np.arange(5.0)}

    def foo(dct, x):
        return dct["a"] + dct["b"] + x

    return L.vmap(foo, in_axes=({"a": None, "b": 0}, None))(dct, 1.0)


def _pair(L):
    return lambda x, y: (x + y, y * 2.0)


@case(f"{DS}.out_axes.unmapped_result_None")
def _ds_out_axes_none(L, rng):
    return L.vmap(_pair(L), in_axes=(0, None), out_axes=(0, None))(np.arange(2.0), 4.0)


@case(f"{DS}.out_axes.unmapped_result_broadcast")
def _ds_out_axes_broadcast(L, rng):
    return L.vmap(_pair(L), in_axes=(0, None), out_axes=0)(np.arange(2.0), 4.0)


@case(f"{DS}.axis_name.psum")
def _ds_psum(L, rng):
    xs = np.arange(3.0 * 4.0).reshape(3, 4)
    return L.vmap(lambda x: L.lax.psum(x, "i"), axis_name="i")(xs)
