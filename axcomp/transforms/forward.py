"""Forward mode and Jacobians: ``jvp``, ``linearize``, ``jacfwd``, ``jacrev``, ``hessian``.

``jvp`` is a forward sweep over the traced graph (``tangents``): every primitive's ``jvp``
rule adds the nodes of its tangent, so the tangent contractions are einsums of the same
graph and fuse with the primal ones (``explain`` shows them). A Jacobian is a ``vmap`` of
the forward (``jacfwd``) or reverse (``jacrev``) sweep over the basis vectors:
contractions, no Python loop over the basis. Integer and bool outputs get zero tangents of
their own dtype (JAX's ``float0``).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any, ParamSpec, cast

import numpy as np

from .. import primitives as ops
from .. import pytree
from ..errors import GradError
from ..tracing.trace import Trace, current_trace, discarding_effects
from ..tracing.tracer import Tracer
from .autodiff import vjp
from .jit import static_jit
from .tangents import jvp_flat, linearize_flat
from .vmap import vmap


def _zeros_like_tree(tree: Any) -> Any:
    leaves, treedef = pytree.flatten(tree)
    zeros = [
        ops.elementwise("multiply", leaf, 0.0)
        if isinstance(leaf, Tracer)
        else np.zeros(np.shape(leaf), np.result_type(leaf))
        for leaf in leaves
    ]
    return pytree.unflatten(treedef, zeros)


def _flat(fun: Callable[..., Any], treedef: Any, out_def: list[Any]) -> Callable[..., Any]:
    """``fun`` on flat leaves (unflattened by ``treedef``), its output flattened; the
    output structure is left in ``out_def``."""

    def flat(*leaves: Any) -> tuple[Any, ...]:
        out = fun(*pytree.unflatten(treedef, list(leaves)))
        out_leaves, tree = pytree.flatten(out)
        out_def[:] = [tree]
        return tuple(out_leaves)

    flat.__name__ = getattr(fun, "__name__", "fun")
    flat.__qualname__ = getattr(fun, "__qualname__", flat.__name__)
    return flat


def _jvp_traced(
    fun: Callable[..., Any], primals: tuple[Any, ...], tangents: tuple[Any, ...]
) -> tuple[Any, Any]:
    trace = current_trace()
    assert trace is not None
    p_leaves, p_def = pytree.flatten(primals)
    out_def: list[Any] = []
    outs, touts = jvp_flat(_flat(fun, p_def, out_def), p_leaves, pytree.flatten(tangents)[0], trace)
    return pytree.unflatten(out_def[0], outs), pytree.unflatten(out_def[0], touts)


def _check_pair(primals: Any, tangents: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise GradError("jvp expects primals and tangents as tuples (one entry per argument)")
    primals, tangents = tuple(primals), tuple(tangents)
    p_def, t_def = pytree.flatten(primals)[1], pytree.flatten(tangents)[1]
    if p_def != t_def:
        raise GradError(
            f"jvp: primal and tangent arguments must have the same tree structure; got "
            f"primal structure {p_def} and tangent structure {t_def}"
        )
    for p, t in zip(pytree.flatten(primals)[0], pytree.flatten(tangents)[0]):
        if _shape(p) != _shape(t):
            raise GradError(
                f"jvp: a tangent has shape {_shape(t)} but its primal has shape {_shape(p)}"
            )
    return primals, tangents


def jvp(fun: Callable[..., Any], primals: Any, tangents: Any) -> tuple[Any, Any]:
    """``(fun(*primals), J tangents)``, like ``jax.jvp``; ``primals`` and ``tangents`` are
    tuples of the same structure. One forward sweep, compiled like ``jit`` (inline inside
    another trace: under ``vmap``, ``grad``, ``jvp``)."""
    if not callable(fun):
        raise GradError(f"jvp expects a callable, got {fun!r}")
    primals, tangents = _check_pair(primals, tangents)
    if current_trace() is not None:
        return _jvp_traced(fun, primals, tangents)
    n = len(primals)
    staged = _staged_jvp(fun, n)
    result: tuple[Any, Any] = staged(*primals, *tangents)
    return result


@functools.lru_cache(maxsize=256)
def _staged_jvp(fun: Callable[..., Any], n: int) -> Any:
    def both(*args: Any) -> Any:
        return _jvp_traced(fun, args[:n], args[n:])

    both.__name__ = f"jvp_{getattr(fun, '__name__', 'fun')}"
    return static_jit(both, "all")


def linearize(fun: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[..., Any]]:
    """``(fun(*primals), f_jvp)`` with ``f_jvp(*tangents) = J tangents``, like
    ``jax.linearize``. Inside a trace ``fun`` is traced once and each ``f_jvp`` call adds a
    forward sweep of that graph; outside, each call of ``f_jvp`` runs one compiled program
    (the primal recomputed with the tangent)."""
    if not callable(fun):
        raise GradError(f"linearize expects a callable, got {fun!r}")
    trace = current_trace()
    if trace is not None:
        return _linearize_traced(fun, primals, trace)
    out, _ = jvp(fun, primals, primals)

    def f_jvp(*tangents: Any) -> Any:
        return jvp(fun, primals, tangents)[1]

    return out, f_jvp


def _linearize_traced(
    fun: Callable[..., Any], primals: tuple[Any, ...], trace: Trace
) -> tuple[Any, Callable[..., Any]]:
    p_leaves, p_def = pytree.flatten(primals)
    out_def: list[Any] = []
    outs, sweep = linearize_flat(_flat(fun, p_def, out_def), p_leaves, trace)

    def f_jvp(*tangents: Any) -> Any:
        _, tangents = _check_pair(primals, tangents)
        return pytree.unflatten(out_def[0], sweep(pytree.flatten(tangents)[0]))

    return pytree.unflatten(out_def[0], outs), f_jvp


def _argnums(argnums: Any, n: int) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else argnums
    if not isinstance(nums, tuple) or not all(isinstance(a, int) for a in nums):
        raise GradError(f"argnums must be an int or a tuple of ints, got {argnums!r}")
    for a in nums:
        if not -n <= a < n:
            raise GradError(f"argnums={argnums!r} but the function got {n} positional arguments")
    return tuple(a % n for a in nums)


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(x.shape) if hasattr(x, "shape") else np.shape(x)


def _dtype(x: Any) -> np.dtype:
    return np.dtype(x.dtype) if hasattr(x, "dtype") else np.result_type(x)


def _check_complex(
    what: str, holomorphic: bool, inputs: list[Any], outputs: list[Any], forward: bool
) -> None:
    """JAX's dtype checks of a Jacobian: with ``holomorphic=True`` complex inputs and
    outputs; without, real inputs (forward) or real outputs (reverse) where complex
    values would make the Jacobian a real-linear map that one array cannot hold."""
    for kind, leaves in (("inputs", inputs), ("outputs", outputs)):
        for leaf in leaves:
            dt = _dtype(leaf)
            if holomorphic and not np.issubdtype(dt, np.complexfloating):
                raise GradError(
                    f"{what} with holomorphic=True requires {kind} with complex dtype, but "
                    f"got {dt.name}."
                )
            if holomorphic or not np.issubdtype(dt, np.complexfloating):
                continue
            if forward and kind == "inputs":
                raise GradError(
                    f"{what} requires real-valued inputs (input dtype that is a sub-dtype of "
                    f"np.floating), but got {dt.name}. For holomorphic differentiation, pass "
                    "holomorphic=True. For differentiation of non-holomorphic functions "
                    "involving complex inputs or integer inputs, use jax.jvp directly."
                )
            if not forward and kind == "outputs":
                raise GradError(
                    f"{what} requires real-valued outputs (output dtype that is a sub-dtype of "
                    f"np.floating), but got {dt.name}. For holomorphic differentiation, pass "
                    "holomorphic=True. For differentiation of non-holomorphic functions "
                    "involving complex outputs, use jax.vjp directly."
                )


def _trace() -> Trace:
    trace = current_trace()
    assert trace is not None, "a Jacobian is computed inside its static_jit trace"
    return trace


def _jacobian(
    fun: Callable[..., Any], argnums: Any, has_aux: bool, forward: bool, holomorphic: bool
) -> Any:
    def jac(*args: Any) -> Any:
        nums = _argnums(argnums, len(args))
        arg_defs = [pytree.flatten(args[k])[1] for k in nums]
        x_leaves = [leaf for k in nums for leaf in pytree.flatten(args[k])[0]]
        sizes = [len(pytree.flatten(args[k])[0]) for k in nums]
        out_def: list[Any] = []

        def core(*leaves: Any) -> Any:
            # The function of the flat differentiated leaves; its output, flattened.
            full = list(args)
            it = iter(leaves)
            for k, tree_def, size in zip(nums, arg_defs, sizes):
                full[k] = pytree.unflatten(tree_def, [next(it) for _ in range(size)])
            out = fun(*full)
            if has_aux:
                if not isinstance(out, (tuple, list)) or len(out) != 2:
                    raise GradError(
                        "has_aux=True requires the function to return a pair (output, aux)"
                    )
                out = out[0]
            flat, tree_def = pytree.flatten(out)
            out_def[:] = [tree_def]
            return tuple(flat)

        xs = tuple(x_leaves)
        o_leaves = core(*xs)
        what = "jacfwd" if forward else "jacrev"
        _check_complex(what, holomorphic, list(xs), list(o_leaves), forward)
        o_shapes = [_shape(o) for o in o_leaves]
        i_shapes = [_shape(x) for x in xs]
        # blocks[i][j]: d out_leaf_i / d in_leaf_j, shaped (*out_i, *in_j).
        blocks: list[list[Any]] = [[None] * len(xs) for _ in o_shapes]
        if forward:
            for j, i_shape in enumerate(i_shapes):
                # complex for a complex input (jvp wants tangents of the primal's kind)
                basis = np.result_type(float, _dtype(xs[j]))
                size = math.prod(i_shape)
                eye = np.eye(size, dtype=basis).reshape((size, *i_shape))

                def column(t: Any, j: int = j) -> Any:
                    # the other leaves' tangents are symbolic zeros: nothing to sweep
                    ts = [t if m == j else None for m in range(len(xs))]
                    trace = current_trace()
                    assert trace is not None
                    return tuple(jvp_flat(core, xs, ts, trace)[1])

                with discarding_effects(_trace()):  # the primal trace above keeps them
                    cols = vmap(column)(eye)  # per output leaf: (in_j.size, *out_i)
                for i, o_shape in enumerate(o_shapes):
                    moved = ops.moveaxis(cols[i], 0, -1) if o_shape else cols[i]
                    blocks[i][j] = ops.reshape(moved, (*o_shape, *i_shape))
        else:
            for i, o_shape in enumerate(o_shapes):
                # of the output's kind: the pullback takes cotangents of the output's dtype
                kind = _dtype(o_leaves[i])
                kind = kind if np.issubdtype(kind, np.inexact) else np.dtype(np.float64)
                eye = np.eye(math.prod(o_shape), dtype=kind).reshape((math.prod(o_shape), *o_shape))

                def row(ct: Any, i: int = i) -> Any:
                    outs, pullback = vjp(core, *xs)
                    cts = tuple(ct if m == i else _zeros_like_tree(o) for m, o in enumerate(outs))
                    return pullback(cts)

                with discarding_effects(_trace()):  # the primal trace above keeps them
                    rows = vmap(row)(eye)  # per input leaf: (out_i.size, *in_j)
                for j, i_shape in enumerate(i_shapes):
                    blocks[i][j] = ops.reshape(rows[j], (*o_shape, *i_shape))
        per_out = []
        for row_blocks in blocks:
            it = iter(row_blocks)
            trees = [
                pytree.unflatten(d, [next(it) for _ in range(n)]) for d, n in zip(arg_defs, sizes)
            ]
            per_out.append(trees[0] if isinstance(argnums, int) else tuple(trees))
        jacobian = pytree.unflatten(out_def[0], per_out)
        if has_aux:
            with discarding_effects(_trace()):
                return jacobian, fun(*args)[1]
        return jacobian

    jac.__name__ = f"{'jacfwd' if forward else 'jacrev'}_{getattr(fun, '__name__', 'fun')}"
    return jac


P = ParamSpec("P")


def jacrev(
    fun: Callable[P, Any], argnums: Any = 0, has_aux: bool = False, holomorphic: bool = False
) -> Callable[P, Any]:
    """The Jacobian by reverse mode: output shape followed by input shape (JAX's layout).
    Real outputs only, unless ``holomorphic=True`` (complex inputs and outputs: f'(z))."""
    if not callable(fun):
        raise GradError(f"jacrev expects a callable, got {fun!r}")
    return cast(
        "Callable[P, Any]",
        static_jit(_jacobian(fun, argnums, has_aux, False, holomorphic), argnums),
    )


def jacfwd(
    fun: Callable[P, Any], argnums: Any = 0, has_aux: bool = False, holomorphic: bool = False
) -> Callable[P, Any]:
    """The Jacobian by forward mode: output shape followed by input shape (JAX's layout).
    Real inputs only, unless ``holomorphic=True`` (complex inputs and outputs: f'(z))."""
    if not callable(fun):
        raise GradError(f"jacfwd expects a callable, got {fun!r}")
    return cast(
        "Callable[P, Any]", static_jit(_jacobian(fun, argnums, has_aux, True, holomorphic), argnums)
    )


def hessian(
    fun: Callable[P, Any], argnums: Any = 0, has_aux: bool = False, holomorphic: bool = False
) -> Callable[P, Any]:
    """``jacfwd(jacrev(fun))``: for a scalar function of ``x``, shape ``x.shape * 2``; pytree
    inputs and outputs nest as in JAX."""
    return jacfwd(jacrev(fun, argnums, has_aux, holomorphic), argnums, has_aux, holomorphic)
