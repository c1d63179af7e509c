"""Ground-truth reference for ``jax.vmap`` semantics, written as a plain Python loop.

``loop_vmap(fun, in_axes, out_axes, axis_size)`` slices every mapped axis of every
argument, calls ``fun`` eagerly once per batch index on NumPy values, and stacks the
results along ``out_axes``.  It is deliberately slow and simple: it is the oracle the
differential tests compare ``axcomp.vmap`` against, so it must be obviously correct.

Semantics (each checked against JAX 0.10 with ``jax_enable_x64``):

* ``in_axes``: an ``int``, ``None``, or a tuple with one entry per positional argument
  (a top-level *list* is treated as a tuple).  Each entry is a pytree *prefix* of its
  argument: ``None`` leaves an entire subtree unmapped, an ``int`` maps every leaf of the
  subtree along that axis (negative axes count against the leaf's full rank).  Spec
  leaves must be exactly ``int`` or ``None`` (``bool`` / ``np.int64`` are a TypeError, as
  in JAX); a top-level dict is a TypeError.
* keyword arguments are always mapped along axis 0.
* pytrees: tuple, list, dict (children in sorted key order, keys must match exactly),
  namedtuple, and ``None`` (a node with no leaves).  Container types must match exactly
  (a tuple spec against a list argument is an error, as in JAX).  Leaves are arrays,
  NumPy scalars or Python scalars; unmapped leaves are passed to ``fun`` untouched (a
  Python float stays a Python float).  Mapped leaves are sliced with ``np.take`` into
  fresh 0-d-or-larger ``ndarray`` copies.
* ``out_axes``: ``int`` (negative counts against the output rank *including* the new
  batch axis), ``None``, or a pytree prefix of the output.  Unlike ``in_axes`` a
  top-level list is *not* canonicalised (JAX rejects ``out_axes=[0, 1]`` for a tuple
  output).  Output leaves are converted with ``np.asarray`` and stacked with
  ``np.stack`` + ``np.moveaxis``, so dtypes are preserved.
* ``out_axes=None`` for a leaf returns the value of the first iteration.  JAX decides
  "unbatched" from data flow; the loop cannot see data flow, so it only checks that all
  iterations produced identical values (raising ``ValueError`` otherwise).  An output
  that is mapped but happens to be constant across the batch is therefore *not*
  rejected by the oracle, while JAX would reject it.
* ``axis_size``: required when nothing is mapped (``ValueError`` otherwise); when given
  together with mapped arguments all sizes must agree.
* batch size 0: ``fun`` cannot be called zero times and still tell us the output
  shapes, so the oracle calls it ONCE on dummy slices (``np.zeros`` of each mapped
  leaf's slice shape and dtype; unmapped leaves as given, NumPy warnings silenced) and
  returns ``np.empty`` arrays of the right dtype with a batch axis of size 0 inserted at
  ``out_axes``.  ``out_axes=None`` leaves get the dummy call's value.
* nesting works: the inner ``loop_vmap`` simply receives NumPy slices.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["loop_vmap"]


# ---------------------------------------------------------------------------- pytrees


def _is_node(x: Any) -> bool:
    return x is None or isinstance(x, (tuple, list, dict))


def _children(x: Any) -> list:
    if x is None:
        return []
    if isinstance(x, dict):
        return [x[k] for k in sorted(x)]
    return list(x)


def _rebuild(template: Any, children: list) -> Any:
    if template is None:
        return None
    if isinstance(template, dict):
        return {k: c for k, c in zip(sorted(template), children)}
    if isinstance(template, tuple) and hasattr(template, "_fields"):  # namedtuple
        return type(template)(*children)
    return type(template)(children)


def _same_node(spec: Any, tree: Any) -> bool:
    if type(spec) is not type(tree):
        return False
    if isinstance(spec, dict):
        return sorted(spec) == sorted(tree)
    return len(_children(spec)) == len(_children(tree))


def _map_leaves(fn: Callable[[Any], Any], tree: Any) -> Any:
    if _is_node(tree):
        return _rebuild(tree, [_map_leaves(fn, c) for c in _children(tree)])
    return fn(tree)


def _leaves(tree: Any) -> list:
    if _is_node(tree):
        return [leaf for c in _children(tree) for leaf in _leaves(c)]
    return [tree]


def _broadcast_prefix(spec: Any, tree: Any, what: str) -> Any:
    """A tree shaped like ``tree`` whose every leaf is the spec leaf (int/None) covering it."""
    if spec is None or type(spec) is int:
        return _map_leaves(lambda _leaf: spec, tree)
    if not _is_node(spec) or not _same_node(spec, tree):
        raise ValueError(
            f"vmap {what} specification must be a tree prefix of the corresponding value; "
            f"got spec {spec!r} for value of type {type(tree).__name__}"
        )
    return _rebuild(
        tree,
        [_broadcast_prefix(s, t, what) for s, t in zip(_children(spec), _children(tree))],
    )


def _check_spec_leaves(spec: Any, what: str) -> None:
    for leaf in _leaves(spec):
        if leaf is not None and type(leaf) is not int:
            raise TypeError(
                f"vmap {what} must be an int, None, or (nested) container with those types "
                f"as leaves, but got {spec!r}."
            )


def _zip_map(fn: Callable[..., Any], tree: Any, axes: Any) -> Any:
    """Rebuild the value ``tree`` with each leaf replaced by ``fn(axis, leaf)``.

    ``axes`` has the structure of ``tree`` (from ``_broadcast_prefix``); the recursion is
    driven by ``tree`` because an axis leaf ``None`` would look like an empty node.
    """
    if _is_node(tree):
        ax = _children(axes)
        return _rebuild(tree, [_zip_map(fn, c, ax[i]) for i, c in enumerate(_children(tree))])
    return fn(axes, tree)


# ---------------------------------------------------------------------------- vmap


def _normalize_axis(axis: int, ndim: int, what: str) -> int:
    if not -ndim <= axis < ndim:
        raise ValueError(f"{what} axis {axis} is out of bounds for rank {ndim}")
    return axis % ndim


def loop_vmap(
    fun: Callable[..., Any],
    in_axes: Any = 0,
    out_axes: Any = 0,
    axis_size: int | None = None,
) -> Callable[..., Any]:
    """Vectorise ``fun`` like ``jax.vmap`` by looping over the batch in Python."""
    if isinstance(in_axes, list):
        in_axes = tuple(in_axes)
    if not (in_axes is None or type(in_axes) in (int, tuple)):
        raise TypeError(
            "vmap in_axes must be an int, None, or a tuple of entries corresponding to the "
            f"positional arguments passed to the function, but got {in_axes!r}."
        )
    _check_spec_leaves(in_axes, "in_axes")
    _check_spec_leaves(out_axes, "out_axes")
    if axis_size is not None and (type(axis_size) is not int or axis_size < 0):
        raise ValueError(f"axis_size must be a non-negative int, got {axis_size!r}")

    @functools.wraps(fun)
    def batched(*args: Any, **kwargs: Any) -> Any:
        if isinstance(in_axes, tuple) and len(in_axes) != len(args):
            raise ValueError(
                f"vmap in_axes has {len(in_axes)} entries but the function got "
                f"{len(args)} positional arguments"
            )
        spec = in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(args)
        arg_axes = _broadcast_prefix(tuple(spec), tuple(args), "in_axes")
        kw_axes = _map_leaves(lambda _leaf: 0, kwargs)

        # Normalise every mapped axis and collect the batch sizes.
        sizes: list[int] = []

        def norm(axis: Any, leaf: Any) -> Any:
            if axis is None:
                return None
            ndim = np.ndim(leaf)
            if not -ndim <= axis < ndim:
                raise ValueError(
                    f"vmap was requested to map its argument along axis {axis}, which "
                    f"implies that its rank should be at least {axis + 1 if axis >= 0 else -axis}, "
                    f"but is only {ndim} (its shape is {np.shape(leaf)})"
                )
            axis %= ndim
            sizes.append(np.shape(leaf)[axis])
            return axis

        arg_axes = _zip_map(norm, tuple(args), arg_axes)
        kw_axes = _zip_map(norm, kwargs, kw_axes)
        if axis_size is not None:
            sizes.append(axis_size)
        if not sizes:
            raise ValueError(
                "vmap must have at least one non-None value in in_axes or axis_size must "
                "be specified"
            )
        if len(set(sizes)) != 1:
            raise ValueError(f"vmap got inconsistent sizes for array axes to be mapped: {sizes}")
        n = sizes[0]

        def take(axis: Any, leaf: Any, i: int) -> Any:
            if axis is None:
                return leaf
            arr = np.asarray(leaf)
            if i < 0:  # dummy slice for a size-0 batch
                shape = arr.shape[:axis] + arr.shape[axis + 1 :]
                return np.zeros(shape, dtype=arr.dtype)
            return np.asarray(np.take(arr, i, axis=axis))

        def call(i: int) -> Any:
            a = _zip_map(lambda ax, leaf: take(ax, leaf, i), tuple(args), arg_axes)
            k = _zip_map(lambda ax, leaf: take(ax, leaf, i), kwargs, kw_axes)
            return fun(*a, **k)

        if n == 0:
            with np.errstate(all="ignore"):
                results = [call(-1)]
        else:
            results = [call(i) for i in range(n)]
        return _stack_outputs(results, out_axes, n)

    return batched


def _stack_outputs(results: list, out_axes: Any, n: int) -> Any:
    axes = _broadcast_prefix(out_axes, results[0], "out_axes")

    def stack(axis: Any, *values: Any) -> Any:
        arrays = [np.asarray(v) for v in values]
        if axis is None:
            first = arrays[0]
            for other in arrays[1:]:
                if first.shape != other.shape or not np.array_equal(first, other, equal_nan=True):
                    raise ValueError(
                        "vmap out_axes is None for an output that varies along the batch"
                    )
            return first
        shape, dtype = arrays[0].shape, arrays[0].dtype
        for a in arrays[1:]:
            if a.shape != shape or a.dtype != dtype:
                raise ValueError(
                    f"kernel returned different shapes/dtypes across the batch: "
                    f"{shape}/{dtype} vs {a.shape}/{a.dtype}"
                )
        axis = _normalize_axis(axis, len(shape) + 1, "out_axes")
        if n == 0:
            return np.empty(shape[:axis] + (0,) + shape[axis:], dtype=dtype)
        return np.moveaxis(np.stack(arrays), 0, axis)

    def stack_tree(axes_tree: Any, values: list) -> Any:
        first = values[0]
        if _is_node(first):
            for v in values[1:]:
                if not _same_node(first, v):
                    raise ValueError("kernel returned different pytree structures across the batch")
            kids = [_children(v) for v in values]
            ax_kids = _children(axes_tree)
            return _rebuild(
                first,
                [stack_tree(ax_kids[i], [k[i] for k in kids]) for i in range(len(ax_kids))],
            )
        return stack(axes_tree, *values)

    return stack_tree(axes, results)
