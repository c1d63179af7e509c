"""``vmap``: the user-facing batching transform.

vmap only names an axis: on entry each mapped argument's axis becomes the batch axis of a
fresh level, on exit the level's axis is placed where ``out_axes`` says. All real work is
done by the ops, which align batch axes by level.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar, overload

import numpy as np

from .. import primitives as ops
from .. import pytree
from ..core.shapes import ShapeDtypeStruct
from ..errors import ArgumentTypeError, AxisSpecError, AxisSpecTypeError, TracingError
from ..tracing.build import lift
from ..tracing.trace import Level, LevelRecord, current_trace, function_name, tracing_function
from ..tracing.tracer import Tracer
from .staging import Staged

P = ParamSpec("P")
R = TypeVar("R")


def _is_axis_leaf(x: Any) -> bool:
    return x is None or type(x) is int


def _check_spec_types(spec: Any, what: str) -> None:
    for leaf in pytree.flatten(spec)[0] if spec is not None else []:
        if type(leaf) is not int:
            raise AxisSpecTypeError(
                f"vmap {what} must be an int, None, or (nested) container with those types as "
                f"leaves, but got {spec!r} (the entry {leaf!r} has type {type(leaf).__name__})"
            )


def _spec_str(in_axes: Any, out_axes: Any, axis_size: Any, axis_name: Any) -> str:
    parts = [f"in_axes={in_axes!r}"]
    if out_axes != 0:
        parts.append(f"out_axes={out_axes!r}")
    if axis_size is not None:
        parts.append(f"axis_size={axis_size}")
    if axis_name is not None:
        parts.append(f"axis_name={axis_name!r}")
    return ", ".join(parts)


def _param_names(fun: Callable[..., Any]) -> list[str]:
    try:
        return [
            p.name
            for p in inspect.signature(fun).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)
        ]
    except (TypeError, ValueError):
        return []


def _type_str(x: Any) -> str:
    if isinstance(x, (Tracer, np.ndarray, np.generic, ShapeDtypeStruct)):
        return f"{np.dtype(x.dtype).name}{list(x.shape)}"
    return type(x).__name__


def _axis_name(leaf: Any, axis: int) -> str:
    """The graph's name for logical ``axis`` of a traced value (e.g. ``M.0``), else ``""``."""
    if isinstance(leaf, Tracer):
        return leaf.node.axes[len(leaf.levels) + axis]
    return ""


def _vectorized_doc(fun: Any) -> str:
    """jax.vmap's docstring: a line about the mapping, then the function's own."""
    name = getattr(fun, "__name__", "fun")
    doc = (
        f"Vectorized version of {name}. Takes similar arguments as {name} but with "
        f"additional array axes over which {name} is mapped."
    )
    if getattr(fun, "__doc__", None):
        doc += "\n\nOriginal documentation:\n\n" + fun.__doc__
    return doc


class VmappedFunction(Staged, Generic[P, R]):
    """The result of ``axcomp.vmap``; call it like the kernel with a batch axis added.

    Generic in the kernel's parameters and result (``VmappedFunction[P, R]``), so a type
    checker or an IDE shows the kernel's signature on the mapped function, as JAX's
    ``vmap(fun: F) -> F`` does (the shapes gain the batch axes; the types are the same)."""

    if TYPE_CHECKING:

        def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R: ...

    def __init__(
        self,
        fun: Callable[..., Any],
        in_axes: Any,
        out_axes: Any,
        axis_size: int | None,
        axis_name: str | None,
    ) -> None:
        self.fun = fun
        self.in_axes = in_axes
        self.out_axes = out_axes
        self.axis_size = axis_size
        self.axis_name = axis_name
        self.sum_match = False  # outputs with out_axes=None that vary are summed when set
        self.spec = _spec_str(in_axes, out_axes, axis_size, axis_name)
        functools.update_wrapper(self, fun, updated=())  # name + signature, not its __dict__
        self.__doc__ = _vectorized_doc(fun)
        self._setup_cache()

    def __repr__(self) -> str:
        return f"vmap({function_name(self.fun)}, {self.spec})"

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        return self if obj is None else functools.partial(self, obj)

    # --- tracing ---------------------------------------------------------------------
    def _where(self, depth: int) -> str:
        kernel = function_name(self.fun)
        level = "outer" if depth == 0 else f"inner vmap at nesting level {depth + 1},"
        return f"in the {level} vmap({kernel}, {self.spec})"

    def _inline(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        trace = current_trace()
        assert trace is not None
        depth = len(trace.levels)
        where = self._where(depth)
        names = _param_names(self.fun)
        in_axes = self.in_axes
        if isinstance(in_axes, list):
            in_axes = tuple(in_axes)
        if isinstance(in_axes, tuple) and len(in_axes) != len(args):
            raise AxisSpecError(
                "vmap in_axes must be an int, None, or a tuple of entries corresponding to the "
                "positional arguments passed to the function, but got "
                f"len(in_axes)={len(in_axes)}, len(args)={len(args)} "
                f"({where}; parameters: {', '.join(names) or '?'})"
            )
        arg_specs = in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(args)

        leaves: list[Any] = []
        specs: list[Any] = []
        labels: list[str] = []
        treedefs = []
        for i, (arg, spec) in enumerate(zip(args, arg_specs)):
            pname = names[i] if i < len(names) else f"args[{i}]"
            try:
                per_leaf = pytree.broadcast_prefix(spec, arg, _is_axis_leaf)
            except pytree.PrefixMismatch as exc:
                raise AxisSpecError(
                    f"vmap in_axes specification must be a tree prefix of the corresponding "
                    f"value: in_axes entry {spec!r} does not fit argument {pname}{exc.path} "
                    f"({exc.detail}) ({where})"
                ) from None
            arg_leaves, treedef = pytree.flatten(arg)
            treedefs.append(treedef)
            paths = pytree.leaf_paths(arg)
            leaves.extend(arg_leaves)
            specs.extend(per_leaf)
            labels.extend(f"{pname}{p}" for p in paths)
        kw_leaves, kw_def = pytree.flatten(kwargs)
        leaves.extend(kw_leaves)
        specs.extend([0] * len(kw_leaves))
        labels.extend(f"{k}{p}" for k in sorted(kwargs) for p in pytree.leaf_paths(kwargs[k]))

        sizes: list[tuple[int, str]] = []
        norm_axes: list[int | None] = []
        for leaf, spec, label in zip(leaves, specs, labels):
            if spec is None:
                norm_axes.append(None)
                continue
            shape = getattr(leaf, "shape", None)
            if shape is None:
                if isinstance(leaf, (int, float, complex, bool)):
                    shape = ()
                else:  # a TypeError, as JAX raises for a value that is no array type
                    raise ArgumentTypeError(
                        f"vmap was requested to map argument {label} (a {type(leaf).__name__}) "
                        f"along axis {spec}, but only arrays can be mapped ({where})"
                    )
            rank = len(shape)
            if not -rank <= spec < rank:
                raise AxisSpecError(
                    f"vmap was requested to map its argument along axis {spec}, which implies "
                    f"that its rank should be at least {spec + 1 if spec >= 0 else -spec}, but is "
                    f"only {rank} (its shape is {tuple(shape)}): argument {label} of type "
                    f"{_type_str(leaf)} ({where})"
                )
            axis = spec % rank
            norm_axes.append(axis)
            sizes.append(
                (int(shape[axis]), f"axis {axis} of argument {label} of type {_type_str(leaf)}")
            )

        size = self._batch_size(sizes, where)
        global_size, offset = self._shard_extent(depth)
        level = Level(
            trace.level_name(self.axis_name),
            size,
            depth,
            where.removeprefix("in the "),
            named=self.axis_name is not None,
            global_size=global_size,
            offset=offset,
        )
        # For explain: which axis of which argument this level maps (record kept in call order).
        mapped = tuple(
            (label, axis, _axis_name(leaf, axis))
            for leaf, axis, label in zip(leaves, norm_axes, labels)
            if axis is not None
        )
        slot = len(trace.level_records)
        new_leaves = []
        for leaf, axis in zip(leaves, norm_axes):
            if axis is None:
                new_leaves.append(leaf)
            else:
                new_leaves.append(ops.map_axis(lift(leaf, trace), axis, level))
        it = iter(new_leaves)
        new_args = [
            pytree.unflatten(td, [next(it) for _ in range(td.num_leaves)]) for td in treedefs
        ]
        new_kwargs = pytree.unflatten(kw_def, list(it))

        trace.levels.append(level)
        try:
            with tracing_function(trace, function_name(self.fun)):
                out = self.fun(*new_args, **new_kwargs)
            placed: list[tuple[str, int | None]] = []
            result = self._place_outputs(out, level, where, placed)
            trace.level_records.insert(
                slot,
                LevelRecord(
                    level.name,
                    depth,
                    size,
                    function_name(self.fun),
                    self.in_axes,
                    self.out_axes,
                    mapped,
                    tuple(placed),
                ),
            )
            return result
        finally:
            trace.levels.pop()
            level.alive = False  # a tracer still carrying this level has leaked

    def _shard_extent(self, depth: int) -> tuple[int | None, int]:
        """(global size, offset) when this level is one shard of a longer axis (pmap)."""
        return None, 0

    def _batch_size(self, sizes: list[tuple[int, str]], where: str) -> int:
        distinct = {s for s, _ in sizes}
        if self.axis_size is not None:
            if sizes and distinct != {self.axis_size}:
                lines = "\n".join(f"  * axis of size {s}: {d};" for s, d in sizes)
                raise AxisSpecError(
                    f"vmap got inconsistent sizes for array axes to be mapped: axis_size="
                    f"{self.axis_size} was given but\n{lines}\n({where})"
                )
            return int(self.axis_size)
        if not sizes:
            raise AxisSpecError(
                "vmap must have at least one non-None value in in_axes or axis_size must be "
                f"specified ({where})"
            )
        if len(distinct) > 1:
            lines = "\n".join(f"  * one axis had size {s}: {d};" for s, d in sizes)
            raise AxisSpecError(
                f"vmap got inconsistent sizes for array axes to be mapped:\n{lines}\n({where})"
            )
        return sizes[0][0]

    def _place_outputs(
        self, out: Any, level: Level, where: str, placed_at: list[tuple[str, int | None]]
    ) -> Any:
        trace = current_trace()
        assert trace is not None
        out_leaves, out_def = pytree.flatten(out)
        paths = pytree.leaf_paths(out)
        try:
            specs = pytree.broadcast_prefix(self.out_axes, out, _is_axis_leaf)
        except pytree.PrefixMismatch as exc:
            raise AxisSpecError(
                f"vmap out_axes specification must be a tree prefix of the corresponding value: "
                f"out_axes={self.out_axes!r} does not fit the output at {exc.path or 'top level'} "
                f"({exc.detail}) ({where})"
            ) from None
        placed: list[Any] = []
        for leaf, spec, path in zip(out_leaves, specs, paths):
            label = f"output{path}" if path else "the output"
            if not isinstance(leaf, Tracer) and not isinstance(
                leaf, (np.ndarray, np.generic, int, float, complex, bool)
            ):
                raise TracingError(
                    f"{function_name(self.fun)} returned {type(leaf).__name__} {leaf!r} at "
                    f"{label}; vmapped functions must return arrays ({where})"
                )
            batched = isinstance(leaf, Tracer) and any(lv.id == level.id for lv in leaf.levels)
            if spec is None:
                if batched and self.sum_match:
                    # sum_match: summing is the transpose of broadcasting along the level
                    placed.append(ops.reduce_sum(ops.unmap_axis(lift(leaf, trace), level, 0), 0))
                    placed_at.append((label, None))
                    continue
                if batched:
                    raise AxisSpecError(
                        "at vmap out_axes, got axis spec None but output was batched on axis 0: "
                        f"{label} of type {_type_str(leaf)} depends on the mapped inputs, so "
                        f"it needs an int out_axes ({where})"
                    )
                placed.append(leaf)
                placed_at.append((label, None))
                continue
            t = lift(leaf, trace)
            rank = t.ndim + 1
            if not -rank <= spec < rank:
                raise AxisSpecError(
                    f"vmap out_axes={spec} is out of bounds for {label} of rank {t.ndim} "
                    f"(batched rank {rank}; valid values are {-rank}..{rank - 1}) ({where})"
                )
            pos = spec % rank
            placed_at.append((label, pos))
            if batched:
                placed.append(ops.unmap_axis(t, level, pos))
            else:
                placed.append(ops.add_batch_axis(t, level, pos))
        return pytree.unflatten(out_def, placed)


@overload
def vmap(
    fun: Callable[P, R],
    in_axes: Any = 0,
    out_axes: Any = 0,
    axis_size: int | None = None,
    axis_name: str | None = None,
    spmd_axis_name: Any = None,
    sum_match: bool = False,
    *,
    memory_limit: Any = None,
    threads: int | None = None,
    progress: Any = None,
) -> VmappedFunction[P, R]: ...


@overload
def vmap(
    fun: None = None,
    in_axes: Any = 0,
    out_axes: Any = 0,
    axis_size: int | None = None,
    axis_name: str | None = None,
    spmd_axis_name: Any = None,
    sum_match: bool = False,
    *,
    memory_limit: Any = None,
    threads: int | None = None,
    progress: Any = None,
) -> Callable[[Callable[P, R]], VmappedFunction[P, R]]: ...


def vmap(
    fun: Callable[..., Any] | None = None,
    in_axes: Any = 0,
    out_axes: Any = 0,
    axis_size: int | None = None,
    axis_name: str | None = None,
    spmd_axis_name: Any = None,
    sum_match: bool = False,
    *,
    memory_limit: Any = None,
    threads: int | None = None,
    progress: Any = None,
) -> Any:
    """Vectorise ``fun`` over a new leading (or ``in_axes``-given) axis, like ``jax.vmap``.
    Without ``fun``, a decorator: ``@vmap(in_axes=(0, None))``."""
    if fun is None:
        return functools.partial(
            vmap,
            in_axes=in_axes,
            out_axes=out_axes,
            axis_size=axis_size,
            axis_name=axis_name,
            spmd_axis_name=spmd_axis_name,
            sum_match=sum_match,
            memory_limit=memory_limit,
            threads=threads,
            progress=progress,
        )
    if not callable(fun):
        raise AxisSpecTypeError(f"vmap expects a callable as its first argument, got {fun!r}")
    if spmd_axis_name is not None:
        raise AxisSpecTypeError("vmap: spmd_axis_name is not supported by axcomp (no devices)")
    if isinstance(in_axes, list):
        in_axes = tuple(in_axes)
    if not (in_axes is None or type(in_axes) in (int, tuple)):
        raise AxisSpecTypeError(
            "vmap in_axes must be an int, None, or a tuple of entries corresponding to the "
            f"positional arguments passed to the function, but got {in_axes!r} of type "
            f"{type(in_axes).__name__}"
        )
    _check_spec_types(in_axes, "in_axes")
    _check_spec_types(out_axes, "out_axes")
    if axis_size is not None and (type(axis_size) is not int or axis_size < 0):
        raise AxisSpecTypeError(f"vmap axis_size must be a non-negative int, got {axis_size!r}")
    if axis_name is not None and (not isinstance(axis_name, str) or not axis_name.isidentifier()):
        raise AxisSpecTypeError(f"vmap axis_name must be an identifier string, got {axis_name!r}")
    if not isinstance(sum_match, bool):
        raise AxisSpecTypeError(f"vmap sum_match must be a bool, got {sum_match!r}")
    mapped: VmappedFunction[..., Any] = VmappedFunction(
        fun, in_axes, out_axes, axis_size, axis_name
    )
    mapped.sum_match = sum_match
    mapped._set_options(memory_limit, threads, progress)
    return mapped
