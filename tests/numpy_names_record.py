"""Record reference values for the jax.numpy / jax.numpy.linalg functions tested in
tests/test_numpy_linalg_array_api.py and tests/test_window_functions.py (run once, with JAX
installed: ``python tests/numpy_names_record.py``). Writes ``numpy_names_reference.npz``:
the inputs ``<case>/in<i>`` and JAX's (x64) outputs ``<case>/out``, ``<case>/grad``. CI
reads the file and needs no JAX."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

OUT = Path(__file__).parent / "numpy_names_reference.npz"


def inputs() -> dict[str, list[np.ndarray]]:
    rng = np.random.default_rng(11)
    return {
        "linalg.cross": [rng.normal(size=(4, 3)), rng.normal(size=(3,))],
        "linalg.outer": [rng.normal(size=5), rng.normal(size=3)],
        "linalg.diagonal": [rng.normal(size=(2, 3, 4))],
        "linalg.matrix_transpose": [rng.normal(size=(2, 3, 4))],
        "linalg.trace": [rng.normal(size=(2, 4, 4))],
        "linalg.trace_int": [rng.integers(-5, 5, size=(3, 3)).astype(np.int32)],
        "linalg.tensordot": [rng.normal(size=(2, 3, 4)), rng.normal(size=(3, 4, 5))],
        "linalg.vecdot": [
            rng.normal(size=(3, 4)) + 1j * rng.normal(size=(3, 4)),
            rng.normal(size=(2, 3, 4)),
        ],
        "kaiser": [np.array([0.5, 3.0, 8.6])],
    }


def linalg_calls(jnp: Any) -> dict[str, Callable[..., Any]]:
    """The jnp.linalg calls recorded, on ``jnp`` (JAX's here, axcomp's in the tests)."""
    return {
        "linalg.cross": lambda a, b: jnp.linalg.cross(a, b),
        "linalg.outer": lambda a, b: jnp.linalg.outer(a, b),
        "linalg.diagonal": lambda a: jnp.linalg.diagonal(a, offset=1),
        "linalg.matrix_transpose": lambda a: jnp.linalg.matrix_transpose(a),
        "linalg.trace": lambda a: jnp.linalg.trace(a, offset=-1),
        "linalg.trace_int": lambda a: jnp.linalg.trace(a),
        "linalg.tensordot": lambda a, b: jnp.linalg.tensordot(a, b, axes=2),
        "linalg.vecdot": lambda a, b: jnp.linalg.vecdot(a, b),
    }


def array_calls(jnp: Any) -> dict[str, tuple[Callable[..., Any], list[np.ndarray]]]:
    """The jax.numpy calls recorded, with their array arguments (the rest is static)."""
    rng = np.random.default_rng(12)
    x = rng.normal(size=(3, 5))
    ints = rng.integers(-4, 4, size=(4, 6))
    mask = rng.random((3, 5)) < 0.5
    a1, a2 = rng.integers(0, 8, 9), rng.integers(0, 8, 7)
    return {
        "unravel_index": (lambda i: jnp.unravel_index(i, (3, 4)), [np.arange(-14, 14)]),
        "ravel_multi_index_wrap": (
            lambda i, j: jnp.ravel_multi_index((i, j), (3, 4), mode="wrap"),
            [ints[0], ints[1]],
        ),
        "ravel_multi_index_clip_f": (
            lambda i, j: jnp.ravel_multi_index((i, j), (3, 4), mode="clip", order="F"),
            [ints[0].astype(np.int32), ints[1].astype(np.int32)],
        ),
        "delete": (lambda a: jnp.delete(a, np.array([0, 3]), axis=1), [x]),
        "delete_slice": (lambda a: jnp.delete(a, slice(1, None, 2)), [x]),
        "insert_scalar": (lambda a, v: jnp.insert(a, 2, v, axis=1), [x, x[:, 0]]),
        "insert_many": (lambda a: jnp.insert(a, np.array([0, 2, 5]), 7.5), [x[0]]),
        "compress": (
            lambda c, a: jnp.compress(c, a, axis=1, size=4, fill_value=-1.0),
            [mask[0], x],
        ),
        "extract": (lambda c, a: jnp.extract(c, a, size=12), [mask, x]),
        "choose_wrap": (
            lambda i, c: jnp.choose(i, [c, c * 2, c[0]], mode="wrap"),
            [ints[:3, :5], x],
        ),
        "put_along_axis": (
            lambda a, v: jnp.put_along_axis(a, np.array([[1], [4], [0]]), v, axis=1, inplace=False),
            [x, x[:, :1]],
        ),
        "fill_diagonal": (
            lambda a, v: jnp.fill_diagonal(a, v, inplace=False),
            [x[:, :3].copy(), np.array([9.0, 8.0])],
        ),
        "put": (lambda a, v: jnp.put(a, np.array([0, 7, 14]), v, inplace=False), [x, x[0, :2]]),
        "place": (lambda a, m, v: jnp.place(a, m, v, inplace=False), [x, mask, x[1, :3]]),
        "resize": (lambda a: jnp.resize(a, (4, 7)), [x]),
        "block": (lambda a, b, c: jnp.block([[a, b], [c]]), [x[:2, :2], x[:2, 2:3], x[2:, :3]]),
        "lexsort": (lambda a, b: jnp.lexsort((a, b)), [ints[0], ints[1] % 2]),
        "partition": (lambda a: jnp.partition(a, 2, axis=1), [x]),
        "argpartition": (lambda a: jnp.argpartition(a, 1, axis=0), [x]),
        "sort_complex": (lambda a: jnp.sort_complex(a), [ints[0]]),
        "union1d": (lambda a, b: jnp.union1d(a, b, size=12), [a1, a2]),
        "intersect1d": (lambda a, b: jnp.intersect1d(a, b, size=8), [a1, a2]),
        "setdiff1d": (lambda a, b: jnp.setdiff1d(a, b, size=8), [a1, a2]),
        "setxor1d": (lambda a, b: jnp.setxor1d(a, b, size=8), [a1, a2]),
        "unique_all": (lambda a: tuple(jnp.unique_all(a, size=9)), [a1]),
        "unique_counts": (lambda a: tuple(jnp.unique_counts(a)), [a1]),
        "unique_inverse": (lambda a: tuple(jnp.unique_inverse(a)), [ints % 3]),
        "unique_values": (lambda a: jnp.unique_values(a), [a2]),
        "apply_along_axis": (
            lambda a: jnp.apply_along_axis(lambda v: jnp.stack([v.sum(), v[0] * v[-1]]), 0, a),
            [x],
        ),
        "apply_over_axes": (lambda a: jnp.apply_over_axes(jnp.mean, a, [0, 1]), [x]),
        "piecewise": (
            lambda a: jnp.piecewise(a, [a < -0.5, a > 0.5], [lambda v: -v, lambda v: v**2, 0.25]),
            [x],
        ),
        "poly": (lambda z: jnp.poly(z), [x[0]]),
        "polydiv": (lambda u, v: jnp.polydiv(u, v), [x[0], x[1, :3]]),
        "polyfit": (lambda a, b: jnp.polyfit(a, b, 3), [x[0], x[1]]),
        "polyfit_weighted_2d": (lambda a, b: jnp.polyfit(a, b, 2, w=a * a), [x[0], x[1:].T]),
        "polyfit_cov": (lambda a, b: jnp.polyfit(a, b, 2, cov=True), [x[0], x[1]]),
        "roots": (lambda c: jnp.sort_complex(jnp.roots(c, strip_zeros=False)), [x[2]]),
        "packbits": (lambda b: jnp.packbits(b, axis=1, bitorder="little"), [mask]),
        "packbits_flat": (lambda b: jnp.packbits(b), [ints]),
        "unpackbits": (lambda b: jnp.unpackbits(b, axis=0, count=-3), [a1.astype(np.uint8) * 29]),
        "unpackbits_count": (
            lambda b: jnp.unpackbits(b.reshape(3, 3), axis=1, count=30, bitorder="little"),
            [a1.astype(np.uint8) * 31],
        ),
        "mask_indices": (lambda: jnp.mask_indices(4, jnp.triu, 1, size=8), []),
        "histogram_bin_edges": (lambda a: jnp.histogram_bin_edges(a, 6), [x]),
        "histogram2d": (lambda a, b: jnp.histogram2d(a, b, bins=[3, 4]), [x[0], x[1]]),
        "histogram2d_weighted_range": (
            lambda a, b, w: jnp.histogram2d(a, b, 3, range=[(-1, 1), (-2, 2)], weights=w),
            [x[0], x[1], x[2]],
        ),
        "histogramdd_density_edges": (
            lambda s: jnp.histogramdd(s, [np.array([-2.0, 0.0, 0.5, 2.0]), 2], density=True),
            [x[:2].T],
        ),
    }


def flat_results(result: Any) -> list[Any]:
    """A result's arrays in order (tuples and lists of arrays flattened)."""
    if isinstance(result, (tuple, list)):
        return [leaf for part in result for leaf in flat_results(part)]
    return [result]


def main() -> None:
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    ins = inputs()
    calls = {**linalg_calls(jnp), "kaiser": lambda b: jnp.stack([jnp.kaiser(7, x) for x in b])}
    out: dict[str, np.ndarray] = {}
    for name, args in ins.items():
        for i, a in enumerate(args):
            out[f"{name}/in{i}"] = a
        out[f"{name}/out"] = np.asarray(calls[name](*args))
        if np.asarray(args[0]).dtype == np.float64:
            g = jax.grad(lambda *a, f=calls[name]: jnp.sum(jnp.sin(f(*a))))(*args)
            out[f"{name}/grad"] = np.asarray(g)
    for name, (fn, args) in array_calls(jnp).items():
        leaves = fn(*args)
        for i, leaf in enumerate(flat_results(leaves)):
            out[f"{name}/out{i}"] = np.asarray(leaf)
    np.savez_compressed(OUT, **out)


if __name__ == "__main__":
    main()
