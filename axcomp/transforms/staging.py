"""Compile-once-per-signature machinery shared by ``jit`` and ``vmap``.

A staged function traces itself into the axis graph the first time it sees a signature
(shapes, dtypes, pytree structure, static non-array values), lowers and generates code,
and caches the result in a bounded LRU. A cached call is one key build, one lookup and one
call of the generated function: positional arrays and traced scalars are keyed by shape and
dtype, tuples, lists and dicts of arrays (a model's parameters) by one walk that also
gathers their leaves (``_tree_key``; 81 -> 18 us a call for a two-array tuple); anything
else (keywords, static values, namedtuples) takes ``signature_of``'s general path.

Under ``jit`` Python scalars (``int``, ``float``, ``complex``, ``bool``) are traced as 0-d
inputs, weakly typed as in JAX (``Signature.weak``), so a new value reuses the program;
``vmap`` keeps them static (concrete), as JAX does, and the differentiation transforms
trace only those of the differentiated arguments (``scalar_argnums``). An ``eager``
function whose abstract trace needs a value runs through ``eager.PathCache`` instead.
"""

from __future__ import annotations

import functools
import inspect
import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from .. import pytree
from ..backends.target import DaskTarget, Target
from ..config import config as _CONFIG
from ..core.array_impl import ArrayImpl
from ..core.graph import Graph, Node
from ..core.leaves import InputParams, input_p
from ..core.names import normalise
from ..errors import (
    AxcompError,
    ConcretizationTypeError,
    MemoryBudgetError,
    TracerIntegerConversionError,
    TracingError,
)
from ..tracing.build import lift
from ..tracing.trace import current_trace, new_trace
from ..tracing.tracer import Tracer
from .cache_misses import log_miss
from .chunking import check_outputs_fit, maybe_chunk
from .compile import BlockProgram, Compiled, Traced, block_program, compile_traced
from .compile_log import describe_arrays, logged_compile
from .dask import lower_dask, run_dask
from .eager import Concretizer, GuardedProgram, PathCache, PathsInfo
from .invalid_values import check_compiled
from .namespaces import NUMPY, is_array, namespace_of, namespace_scalars, numpy_dtype
from .options import Options, defaults, resolve
from .parallel_loops import maybe_split_loops
from .progress import compile_status
from .targets import choose_target
from .tracebacks import user_frames

CACHE_SIZE = 256


def is_array_leaf(x: Any) -> bool:
    return is_array(x)


# the dtype a traced Python scalar gets (JAX with x64: int/float/complex weak, bool strong)
SCALAR_DTYPES: dict[type, np.dtype] = {
    int: np.dtype(np.int64),
    float: np.dtype(np.float64),
    complex: np.dtype(np.complex128),
    bool: np.dtype(np.bool_),
}
_INT64 = np.iinfo(np.int64)


def is_traced_scalar(x: Any) -> bool:
    """A Python scalar ``jit`` traces: an int beyond int64 stays a static constant."""
    t = type(x)
    return t in SCALAR_DTYPES and (t is not int or _INT64.min <= x <= _INT64.max)


class StaticArg:
    """A ``static_argnums`` / ``static_argnames`` argument (or a scalar that is to stay
    concrete, ``concrete_scalars``): one opaque, hashable leaf, so its Python scalars stay
    static, and the function gets the value as it was."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is StaticArg
            and type(other.value) is type(self.value)
            and bool(other.value == self.value)
        )

    def __hash__(self) -> int:
        return hash(self.value)

    def __repr__(self) -> str:
        return f"static {self.value!r}"


@dataclass(frozen=True)
class Signature:
    """What a compiled program is specialised on."""

    treedef: pytree.TreeDef
    arrays: tuple[tuple[tuple[int, ...], np.dtype], ...]
    statics: tuple[tuple[int, type, Any], ...]  # (leaf position, type, value)
    namespace: str = NUMPY  # the arrays' library (namespaces.namespace_of)
    weak: tuple[int, ...] = ()  # indices into ``arrays`` of traced weakly typed scalars


def signature_of(
    args: tuple[Any, ...], kwargs: dict[str, Any], trace_scalars: bool = False
) -> Signature:
    leaves, treedef = pytree.flatten((args, kwargs))
    arrays = []
    statics = []
    weak = []
    found = []
    for i, leaf in enumerate(leaves):
        if is_array_leaf(leaf):
            arrays.append((tuple(int(n) for n in leaf.shape), numpy_dtype(leaf.dtype)))
            found.append(leaf)
        elif trace_scalars and is_traced_scalar(leaf):
            if type(leaf) is not bool:
                weak.append(len(arrays))
            arrays.append(((), SCALAR_DTYPES[type(leaf)]))
        else:
            statics.append((i, type(leaf), _hashable(leaf)))
    labels = [_arg_label(p) for p in pytree.leaf_paths((args, kwargs))] if found else []
    labels = [lab for lab, leaf in zip(labels, leaves) if is_array_leaf(leaf)]
    namespace = namespace_of(found, labels)
    if weak and isinstance(choose_target(namespace), DaskTarget):
        # dask blocks are arrays: scalars stay static there
        return signature_of(args, kwargs, False)
    return Signature(treedef, tuple(arrays), tuple(statics), namespace, tuple(weak))


def concrete_scalars(
    args: tuple[Any, ...], kwargs: dict[str, Any], traced: tuple[int, ...]
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The Python scalars outside the positional arguments ``traced`` as static leaves."""
    n = len(args)
    keep = {k % n for k in traced if -n <= k < n}

    def static(tree: Any) -> Any:
        leaves, treedef = pytree.flatten(tree)
        if not any(type(leaf) in SCALAR_DTYPES for leaf in leaves):
            return tree
        wrapped = [StaticArg(leaf) if type(leaf) in SCALAR_DTYPES else leaf for leaf in leaves]
        return pytree.unflatten(treedef, wrapped)

    args = tuple(a if i in keep else static(a) for i, a in enumerate(args))
    return args, {k: static(v) for k, v in kwargs.items()}


def input_leaves(args: tuple[Any, ...], kwargs: dict[str, Any], sig: Signature) -> list[Any]:
    """The values of ``sig``'s inputs in this call: array leaves, and traced scalars as 0-d
    arrays of their signature dtype."""
    static = {pos for pos, _, _ in sig.statics}
    leaves = [
        leaf if is_array_leaf(leaf) else np.asarray(leaf, SCALAR_DTYPES[type(leaf)])
        for i, leaf in enumerate(pytree.flatten((args, kwargs))[0])
        if i not in static
    ]
    if sig.namespace != NUMPY and sig.arrays and any(s == () for s, _ in sig.arrays):
        # an Array API program takes its library's arrays only: traced scalars join them
        return namespace_scalars(leaves, sig.namespace)
    return leaves


def _arg_label(path: str) -> str:
    """``[0][1]['w']`` (a path into ``(args, kwargs)``) as ``argument 1['w']``."""
    m = re.match(r"\[(0|1)\]\[([^\]]+)\](.*)", path)
    if m is None:
        return path
    where = f"argument {m.group(2)}" if m.group(1) == "0" else f"keyword {m.group(2)}"
    return where + m.group(3)


def _hashable(value: Any) -> Any:
    try:
        hash(value)
    except TypeError:
        raise TracingError(
            f"non-array argument {value!r} of type {type(value).__name__} is not hashable; "
            "axcomp treats non-array arguments as static compile-time values, so they must "
            "be hashable (or pass it as a NumPy array)"
        ) from None
    return value


def trace_to_graph(
    body: Callable[..., Any],
    sig: Signature,
    arg_names: tuple[str, ...],
    name: str,
    values: list[Any] | None = None,
    memory_limit: int | None = None,
) -> Traced:
    """Trace ``body`` on inputs described by ``sig`` into an axis graph. With the inputs'
    ``values`` (eager differentiation) Python control flow reads them and the graph also
    outputs the guards it read (``eager.Concretizer``). ``memory_limit``: the program's
    budget, which rules that trade memory for time read (``Trace.memory_limit``)."""
    with new_trace() as trace:
        trace.functions.append(name)
        trace.memory_limit = memory_limit
        leaves: list[Any] = []
        inputs: list[Node] = []
        statics = {pos: value for pos, _, value in sig.statics}
        n_leaves = sig.treedef.num_leaves
        arrays = iter(sig.arrays)
        weak = set(sig.weak)
        for pos in range(n_leaves):
            if pos in statics:
                value = statics[pos]
                leaves.append(value.value if isinstance(value, StaticArg) else value)
                continue
            shape, dtype = next(arrays)
            idx = len(inputs)
            label = arg_names[idx] if idx < len(arg_names) else f"x{idx}"
            node = Node(
                input_p,
                (),
                InputParams(idx, label),
                shape,
                dtype,
                tuple(f"{label}.{k}" for k in range(len(shape))),
            )
            inputs.append(node)
            leaves.append(Tracer(node, (), trace, weak=idx in weak))
        args, kwargs = pytree.unflatten(sig.treedef, leaves)
        concrete = None
        if values is not None:
            concrete = Concretizer(tuple(inputs), values, arg_names, sig.namespace)
            trace.concretize = concrete
        out = body(*args, **kwargs)
        if concrete is not None:
            trace.concretize = None
            out = (out, tuple(Tracer(node, (), trace) for node, _ in concrete.guards))
        out_leaves, out_treedef = pytree.flatten(out)
        out_nodes = []
        for i, leaf in enumerate(out_leaves):
            if not isinstance(leaf, Tracer) and not (
                is_array_leaf(leaf)
                or (
                    pytree.node_kind(leaf) == "leaf"
                    and isinstance(leaf, (int, float, complex, bool))
                )
            ):
                raise TracingError(
                    f"{name} returned a {type(leaf).__name__} ({leaf!r}) at output leaf {i}; "
                    "outputs must be arrays, scalars or pytrees of them"
                )
            t = lift(leaf, trace)
            if t.levels:
                raise TracingError(f"internal: output of {name} still carries vmap levels")
            out_nodes.append(t.node)
    guards = tuple(value for _, value in concrete.guards) if concrete is not None else ()
    return Traced(
        Graph(tuple(inputs), tuple(out_nodes), tuple(trace.effects)),
        out_treedef,
        arg_names,
        tuple(trace.level_records),
        guards,
    )


def input_names(fun: Callable[..., Any], sig: Signature) -> tuple[str, ...]:
    """Readable names for the flat array inputs: parameter name plus pytree path."""
    try:
        params = list(inspect.signature(fun).parameters)
    except (TypeError, ValueError):
        params = []
    args_def, kwargs_def = sig.treedef.children
    names: list[str] = []
    static_pos = {pos for pos, _, _ in sig.statics}
    flat_pos = 0
    for i, child in enumerate(args_def.children):
        base = params[i] if i < len(params) else f"arg{i}"
        for path in _paths(child):
            if flat_pos not in static_pos:
                names.append(_identifier(base + path))
            flat_pos += 1
    for key, child in zip(kwargs_def.aux or (), kwargs_def.children):
        for path in _paths(child):
            if flat_pos not in static_pos:
                names.append(_identifier(str(key) + path))
            flat_pos += 1
    return tuple(names)


def _paths(treedef: pytree.TreeDef) -> list[str]:
    skeleton = pytree.unflatten(treedef, [0] * treedef.num_leaves)
    return pytree.leaf_paths(skeleton)


def _identifier(text: str) -> str:
    # NFKC first, as Python reads identifiers: ``ｘ`` is printed and compared as ``x``
    out = "".join(c if c.isalnum() else "_" for c in normalise(text)).strip("_") or "x"
    return out if not out[0].isdigit() else "x" + out


class CacheInfo(NamedTuple):
    hits: int
    misses: int
    maxsize: int
    currsize: int


class CompileCache:
    """A bounded LRU of compiled programs that compiles each signature once, also when
    threads call a cold function at the same time (``functools.lru_cache`` would compile
    in each of them). A compile that fails or is interrupted caches nothing."""

    def __init__(self, compile_fn: Callable[[Signature], Compiled], maxsize: int) -> None:
        self._compile = compile_fn
        self._maxsize = maxsize
        self._entries: OrderedDict[Signature, Compiled] = OrderedDict()
        self._lock = threading.RLock()
        self._hits = self._misses = 0

    def __call__(self, sig: Signature) -> Compiled:
        with self._lock:
            found = self._entries.get(sig)
            if found is not None:
                self._entries.move_to_end(sig)
                self._hits += 1
                return found
            self._misses += 1
            compiled = self._compile(sig)  # under the lock: one compile per signature
            self._entries[sig] = compiled
            if len(self._entries) > self._maxsize:
                self._entries.popitem(last=False)
            return compiled

    def cache_info(self) -> CacheInfo:
        return CacheInfo(self._hits, self._misses, self._maxsize, len(self._entries))

    def signatures(self) -> list[Signature]:
        """The signatures compiled and kept, oldest first."""
        with self._lock:
            return list(self._entries)

    def cache_clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._hits = self._misses = 0


class Staged:
    """Base of jit- and vmap-transformed functions: trace inline, or compile and cache."""

    fun: Callable[..., Any]
    trace_scalars = False  # Python scalar arguments: traced (jit) or static
    # with trace_scalars, only these positional arguments' scalars are traced (None: all);
    # the others stay concrete, as the non-differentiated arguments of JAX's grad are
    scalar_argnums: tuple[int, ...] | None = None
    # outside any trace, Python control flow on values works: traced again with the
    # call's values where the abstract trace needs one (grad, jvp, ...; eager.py)
    eager = False
    # per-function execution options (None: the process default when compiled)
    memory_limit: Any = None
    threads: int | None = None
    progress: Any = None

    def _inline(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        raise NotImplementedError

    def _set_options(self, memory_limit: Any, threads: int | None, progress: Any) -> None:
        resolve(defaults(), memory_limit, threads, progress)  # validate now, not at call
        self.memory_limit, self.threads, self.progress = memory_limit, threads, progress

    @property
    def options(self) -> Options:
        """The execution options a compile of this function uses now."""
        return resolve(defaults(), self.memory_limit, self.threads, self.progress)

    @property
    def name(self) -> str:
        return getattr(self.fun, "__name__", "fun")

    def _setup_cache(self) -> None:
        _EVERY_STAGED.add(self)
        self._compile_cached = CompileCache(self._compile_signature, CACHE_SIZE)
        self._fast = functools.lru_cache(maxsize=CACHE_SIZE)(self._compile_fast)
        self._fast_tree = functools.lru_cache(maxsize=CACHE_SIZE)(self._compile_fast_tree)
        self._fits: weakref.WeakSet[Compiled] = weakref.WeakSet()
        self._paths = PathCache(CACHE_SIZE)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if current_trace() is not None:
            return self._inline(args, kwargs)
        if self.scalar_argnums is not None and (
            kwargs or any(type(a) not in _ARRAY_TYPES for a in args)
        ):
            args, kwargs = concrete_scalars(args, kwargs, self.scalar_argnums)
        if not kwargs:
            scalars = _FAST_SCALARS if self.trace_scalars else _NO_SCALARS
            parts = []  # (a loop, not a comprehension: no extra frame on every call)
            try:
                for a in args:
                    if type(a) in _ARRAY_TYPES:
                        parts.append((a.shape, a.dtype))
                    else:
                        parts.append(scalars[type(a)])
                key: tuple[Any, ...] | None = tuple(parts)
            except (AttributeError, KeyError):
                key = None
            if key is not None:
                try:
                    out = self._fast(key)(*args)
                except _IntOutOfRange:  # beyond int64: a static constant, below
                    pass
                else:
                    if _CONFIG.checking_values:  # jax_debug_nans / jax_debug_infs
                        self._check_values(out, args, kwargs)
                    return out
            else:  # containers of arrays (a model's parameters): keyed by one walk
                leaves: list[Any] = []
                try:
                    tree_key = tuple([_tree_key(a, leaves) for a in args])
                except (_NoTreeKey, AttributeError, TypeError):
                    pass
                else:
                    out = self._fast_tree(tree_key)(*leaves)
                    if _CONFIG.checking_values:
                        self._check_values(out, args, kwargs)
                    return out
        out = self._call_general(args, kwargs)
        if _CONFIG.checking_values:
            self._check_values(out, args, kwargs)
        return out

    def _call_general(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """A call the fast paths do not take: keywords, static arguments, namedtuples..."""
        sig = signature_of(args, kwargs, self.trace_scalars)
        target = choose_target(sig.namespace)
        if isinstance(target, DaskTarget):
            leaves = [leaf for leaf in pytree.flatten((args, kwargs))[0] if is_array_leaf(leaf)]
            return run_dask(self, sig, leaves)
        if self.eager and self._paths.knows(sig):
            return self._run_eager(sig, *input_leaves(args, kwargs, sig))
        try:
            compiled = self._compile_cached(sig)
        except _NEEDS_VALUES:
            if not self.eager:
                raise
            return self._run_eager(sig, *input_leaves(args, kwargs, sig))
        if target.host_memory and compiled not in self._fits:
            check_outputs_fit(compiled)  # once per program: it reads the machine's memory
            self._fits.add(compiled)
        return compiled.run(input_leaves(args, kwargs, sig))

    def _check_values(self, out: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        """``jax_debug_nans``/``jax_debug_infs`` on this call's outputs."""
        check_compiled(self._checked_name(), out, self._deoptimized(args, kwargs))

    def _checked_name(self) -> str:
        """What ``jax_debug_nans``'s error calls this function: ``vmap(f, in_axes=0)``."""
        return repr(self) if type(self).__repr__ is not object.__repr__ else self.name

    def _deoptimized(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Callable[[], Any] | None:
        """The call without compiling, which ``jax_debug_nans`` runs to find the operation
        that made an invalid output (None: this function has no such form; ``jit``'s is
        the user's function)."""
        return None

    def _run_eager(self, sig: Signature, *leaves: Any) -> Any:
        return self._paths.run(sig, list(leaves), lambda: self._trace_path(sig, list(leaves)))

    def _trace_path(self, sig: Signature, leaves: list[Any]) -> GuardedProgram:
        names = input_names(self.fun, sig)
        try:
            traced = trace_to_graph(
                self._inline_unpacked, sig, names, self.name, leaves, self.options.memory_limit
            )
        except AxcompError as exc:
            raise exc.with_traceback(user_frames(exc.__traceback__)) from None
        target = choose_target(sig.namespace)
        threads = self.options.threads
        return GuardedProgram.of(traced, lambda t: compile_traced(t, self.name, target, threads))

    def paths_info(self) -> PathsInfo:
        """Eager differentiation's paths: traced, answered from the cache, cached."""
        return self._paths.info()

    def _compile_fast(self, key: tuple[Any, ...]) -> Callable[..., Any]:
        # ``key``: per positional argument ``(shape, dtype)`` of an ndarray, or the type of a
        # traced Python scalar
        scalar_at = [i for i, k in enumerate(key) if k in SCALAR_DTYPES]
        sig = Signature(
            pytree.TreeDef(
                "tuple",
                (
                    pytree.TreeDef("tuple", (pytree.LEAF,) * len(key)),
                    pytree.TreeDef("dict", (), ()),
                ),
            ),
            tuple(
                ((), SCALAR_DTYPES[k]) if k in SCALAR_DTYPES else (tuple(k[0]), np.dtype(k[1]))
                for k in key
            ),
            (),
            weak=tuple(i for i in scalar_at if key[i] is not bool),
        )
        try:
            compiled = self._compile_cached(sig)
            check_outputs_fit(compiled)  # once per signature: _fast caches this call
            call = compiled.call_flat
        except _NEEDS_VALUES:
            if not self.eager:
                raise
            call = functools.partial(self._run_eager, sig)
        if not scalar_at:
            return call
        return _scalars_as_arrays(call, {i: SCALAR_DTYPES[key[i]] for i in scalar_at})

    def _compile_fast_tree(self, key: tuple[Any, ...]) -> Callable[..., Any]:
        # ``key``: per positional argument a ``_tree_key``; the call takes the array leaves
        arrays: list[tuple[tuple[int, ...], np.dtype]] = []
        args_def = pytree.TreeDef("tuple", tuple(_key_treedef(k, arrays) for k in key))
        sig = Signature(
            pytree.TreeDef("tuple", (args_def, pytree.TreeDef("dict", (), ()))), tuple(arrays), ()
        )
        try:
            compiled = self._compile_cached(sig)
            check_outputs_fit(compiled)  # once per signature: _fast_tree caches this call
            return compiled.call_flat
        except _NEEDS_VALUES:
            if not self.eager:
                raise
            return functools.partial(self._run_eager, sig)

    def _compile_signature(self, sig: Signature) -> Compiled:
        if _CONFIG.jax_explain_cache_misses:
            seen = self._compile_cached.signatures()
            log_miss(self._checked_name(), sig, seen, input_names(self.fun, sig))
        with (
            logged_compile(self.name, lambda: describe_arrays(sig.arrays, sig.statics)),
            compile_status(self.name, self.options.progress),
        ):
            return self._compile_chunked(sig)

    def _compile_chunked(self, sig: Signature) -> Compiled:
        limit = self.options.memory_limit
        try:
            return self._compile_within(sig, limit)
        except MemoryBudgetError as exc:
            if not limit:
                raise
            # a loop's reverse mode kept the residual stacks that fit the budget alone,
            # but the rest of the program's values came on top: recompute every loop's
            # residuals from its carries instead (residual budget 0), if that fits
            try:
                return self._compile_within(sig, 0)
            except MemoryBudgetError:
                raise exc from None

    def _compile_within(self, sig: Signature, residual_budget: int | None) -> Compiled:
        compiled = self._compile_plain(sig, residual_budget)

        def compile_shapes(shapes: tuple[tuple[int, ...], ...], runs: int = 1) -> BlockProgram:
            arrays = tuple((s, dt) for s, (_, dt) in zip(shapes, sig.arrays))
            block = Signature(sig.treedef, arrays, sig.statics, sig.namespace)
            return block_program(*self._trace(block, residual_budget), runs)

        shapes = tuple(shape for shape, _ in sig.arrays)
        if not compiled.target.chunking:
            return compiled
        try:
            chunked = maybe_chunk(compiled, shapes, compile_shapes, self.options)
            if chunked is compiled:
                return maybe_split_loops(compiled, shapes, compile_shapes, self.options)
            return chunked
        except AxcompError as exc:
            raise exc.with_traceback(user_frames(exc.__traceback__)) from None

    def _compile_plain(self, sig: Signature, residual_budget: int | None = None) -> Compiled:
        traced, target = self._trace(sig, residual_budget)
        return compile_traced(traced, self.name, target, self.options.threads)

    def _trace(self, sig: Signature, residual_budget: int | None = None) -> tuple[Traced, Target]:
        """``residual_budget``: the bytes of residual stacks loops' reverse modes may keep
        (``Trace.memory_limit``); None: the program's ``memory_limit``."""
        names = input_names(self.fun, sig)
        budget = self.options.memory_limit if residual_budget is None else residual_budget
        try:
            traced = trace_to_graph(
                self._inline_unpacked, sig, names, self.name, memory_limit=budget
            )
        except AxcompError as exc:
            raise exc.with_traceback(user_frames(exc.__traceback__)) from None
        return traced, choose_target(sig.namespace)

    def _inline_unpacked(self, *args: Any, **kwargs: Any) -> Any:
        return self._inline(args, kwargs)

    def lower(self, *args: Any, **kwargs: Any) -> Compiled:
        """The compiled program for these arguments (arrays or ShapeDtypeStructs): on dask
        arrays the program of the largest block, its target holding the block grid."""
        sig = signature_of(args, kwargs, self.trace_scalars)
        if isinstance(choose_target(sig.namespace), DaskTarget):
            leaves = [leaf for leaf in pytree.flatten((args, kwargs))[0] if is_array_leaf(leaf)]
            return lower_dask(self, sig, leaves)
        return self._compile_cached(sig)

    def cache_info(self) -> Any:
        return self._compile_cached.cache_info()

    def clear_cache(self) -> None:
        self._compile_cached.cache_clear()
        self._fast.cache_clear()
        self._fast_tree.cache_clear()
        self._paths.clear()


# what an abstract trace raises where Python control flow needs a value (float() stays an
# error: JAX raises it on a differentiated value too)
_NEEDS_VALUES = (ConcretizationTypeError, TracerIntegerConversionError)

# the arrays the fast path keys by shape and dtype
_ARRAY_TYPES = frozenset((np.ndarray, ArrayImpl))

# the fast path's key for a positional Python scalar: its type when traced, else no key
_FAST_SCALARS: dict[type, Any] = {t: t for t in SCALAR_DTYPES}
_NO_SCALARS: dict[type, Any] = {}


#: every function with a compile cache (weakly: a dropped function's cache goes with it)
_EVERY_STAGED: weakref.WeakSet[Staged] = weakref.WeakSet()


def clear_caches() -> None:
    """``jax.clear_caches``: drop every compiled program of every ``jit``/``vmap``/``grad``
    function in the process (the next call of each compiles again)."""
    for staged in list(_EVERY_STAGED):
        staged.clear_cache()


class _NoTreeKey(Exception):
    """An argument the fast path does not key (a scalar or static leaf, a namedtuple, a
    registered node): the call takes the general path."""


def _tree_key(x: Any, leaves: list[Any]) -> Any:
    """``x``'s fast-path key, an array's ``(shape, dtype)`` or a tuple, list or dict's
    ``(type, keys, children)``, appending its arrays to ``leaves`` in pytree order."""
    t = type(x)
    if t in _ARRAY_TYPES:
        leaves.append(x)
        return (x.shape, x.dtype)
    if t is tuple or t is list:
        return (t, None, tuple([_tree_key(c, leaves) for c in x]))
    if t is dict:
        keys = tuple(sorted(x))  # pytree's order (a TypeError for unorderable keys)
        return (t, keys, tuple([_tree_key(x[k], leaves) for k in keys]))
    raise _NoTreeKey


_KEY_KINDS = {tuple: "tuple", list: "list", dict: "dict"}


def _key_treedef(key: Any, arrays: list[tuple[tuple[int, ...], np.dtype]]) -> pytree.TreeDef:
    """The treedef a ``_tree_key`` describes, appending its arrays' shapes and dtypes."""
    if type(key[0]) is type:
        kind, keys, children = key
        return pytree.TreeDef(
            _KEY_KINDS[kind], tuple(_key_treedef(c, arrays) for c in children), keys
        )
    shape, dtype = key
    arrays.append((tuple(int(n) for n in shape), np.dtype(dtype)))
    return pytree.LEAF


class _IntOutOfRange(Exception):
    """A Python int beyond int64 reached the fast path (it is a static constant)."""


def _scalars_as_arrays(call: Callable[..., Any], dtypes: dict[int, np.dtype]) -> Callable[..., Any]:
    """``call`` taking traced Python scalars at the positions of ``dtypes`` as 0-d arrays."""
    asarray = np.asarray
    if len(dtypes) == 1:  # the common case, kept to one conversion and one call
        ((at, dtype),) = dtypes.items()

        def run_one(*args: Any) -> Any:
            try:
                value = asarray(args[at], dtype)
            except OverflowError:
                raise _IntOutOfRange from None
            return call(*args[:at], value, *args[at + 1 :])

        return run_one
    where = tuple(dtypes.items())

    def run(*args: Any) -> Any:
        flat = list(args)
        try:
            for i, dt in where:
                flat[i] = asarray(args[i], dt)
        except OverflowError:
            raise _IntOutOfRange from None
        return call(*flat)

    return run
