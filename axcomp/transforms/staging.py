"""Compile-once-per-signature machinery shared by ``jit`` and ``vmap``.

A staged function traces itself into the axis graph the first time it sees a signature
(shapes, dtypes, pytree structure, static non-array values), lowers and generates code,
and caches the result in a bounded LRU. A cached call is one key build, one lookup and one
call of the generated function.
"""

from __future__ import annotations

import functools
import inspect
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from .. import pytree
from ..core.graph import Graph, Node
from ..core.leaves import InputParams, input_p
from ..core.names import normalise
from ..errors import AxcompError, TracingError
from ..tracing.build import lift
from ..tracing.trace import current_trace, new_trace
from ..tracing.tracer import Tracer
from .chunking import check_outputs_fit, maybe_chunk
from .compile import Compiled, Traced, compile_traced
from .dask import run_dask
from .namespaces import NUMPY, is_array, is_dask, namespace_of, numpy_dtype
from .options import Options, defaults, resolve

CACHE_SIZE = 256


def is_array_leaf(x: Any) -> bool:
    return is_array(x)


@dataclass(frozen=True)
class Signature:
    """What a compiled program is specialised on."""

    treedef: pytree.TreeDef
    arrays: tuple[tuple[tuple[int, ...], np.dtype], ...]
    statics: tuple[tuple[int, type, Any], ...]  # (leaf position, type, value)
    namespace: str = NUMPY  # the arrays' library (namespaces.namespace_of)


def signature_of(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Signature:
    leaves, treedef = pytree.flatten((args, kwargs))
    arrays = []
    statics = []
    found = []
    for i, leaf in enumerate(leaves):
        if is_array_leaf(leaf):
            arrays.append((tuple(int(n) for n in leaf.shape), numpy_dtype(leaf.dtype)))
            found.append(leaf)
        else:
            statics.append((i, type(leaf), _hashable(leaf)))
    labels = [_arg_label(p) for p in pytree.leaf_paths((args, kwargs))] if found else []
    labels = [lab for lab, leaf in zip(labels, leaves) if is_array_leaf(leaf)]
    return Signature(treedef, tuple(arrays), tuple(statics), namespace_of(found, labels))


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
    body: Callable[..., Any], sig: Signature, arg_names: tuple[str, ...], name: str
) -> Traced:
    """Trace ``body`` on inputs described by ``sig`` into an axis graph."""
    with new_trace() as trace:
        trace.functions.append(name)
        leaves: list[Any] = []
        inputs: list[Node] = []
        statics = {pos: value for pos, _, value in sig.statics}
        n_leaves = sig.treedef.num_leaves
        arrays = iter(sig.arrays)
        for pos in range(n_leaves):
            if pos in statics:
                leaves.append(statics[pos])
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
            leaves.append(Tracer(node, (), trace))
        args, kwargs = pytree.unflatten(sig.treedef, leaves)
        out = body(*args, **kwargs)
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
    return Traced(
        Graph(tuple(inputs), tuple(out_nodes)), out_treedef, arg_names, tuple(trace.level_records)
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

    def cache_clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._hits = self._misses = 0


class Staged:
    """Base of jit- and vmap-transformed functions: trace inline, or compile and cache."""

    fun: Callable[..., Any]
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
        self._compile_cached = CompileCache(self._compile_signature, CACHE_SIZE)
        self._fast = functools.lru_cache(maxsize=CACHE_SIZE)(self._compile_fast)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if current_trace() is not None:
            return self._inline(args, kwargs)
        if not kwargs:
            try:
                key = tuple([(a.shape, a.dtype) for a in args if type(a) is np.ndarray])
            except AttributeError:
                key = None
            if key is not None and len(key) == len(args):
                return self._fast(key)(*args)
        sig = signature_of(args, kwargs)
        leaves = [leaf for leaf in pytree.flatten((args, kwargs))[0] if is_array_leaf(leaf)]
        if is_dask(sig.namespace):
            return run_dask(self, sig, leaves)
        compiled = self._compile_cached(sig)
        if sig.namespace == NUMPY:
            check_outputs_fit(compiled)
        return compiled.run(leaves)

    def _compile_fast(
        self, key: tuple[tuple[tuple[int, ...], np.dtype], ...]
    ) -> Callable[..., Any]:
        sig = Signature(
            pytree.TreeDef(
                "tuple",
                (
                    pytree.TreeDef("tuple", (pytree.LEAF,) * len(key)),
                    pytree.TreeDef("dict", (), ()),
                ),
            ),
            tuple((tuple(s), np.dtype(d)) for s, d in key),
            (),
        )
        compiled = self._compile_cached(sig)
        check_outputs_fit(compiled)  # once per signature: _fast caches this call
        return compiled.call_flat

    def _compile_signature(self, sig: Signature) -> Compiled:
        compiled = self._compile_plain(sig)

        def compile_shapes(shapes: tuple[tuple[int, ...], ...]) -> Compiled:
            arrays = tuple((s, dt) for s, (_, dt) in zip(shapes, sig.arrays))
            return self._compile_plain(Signature(sig.treedef, arrays, sig.statics, sig.namespace))

        shapes = tuple(shape for shape, _ in sig.arrays)
        if sig.namespace != NUMPY:
            return compiled  # chunked drivers are NumPy code
        try:
            return maybe_chunk(compiled, shapes, compile_shapes, self.options)
        except AxcompError as exc:
            raise exc.with_traceback(None) from None

    def _compile_plain(self, sig: Signature) -> Compiled:
        names = input_names(self.fun, sig)
        try:
            traced = trace_to_graph(self._inline_unpacked, sig, names, self.name)
        except AxcompError as exc:
            raise exc.with_traceback(None) from None
        return compile_traced(traced, self.name, sig.namespace)

    def _inline_unpacked(self, *args: Any, **kwargs: Any) -> Any:
        return self._inline(args, kwargs)

    def lower(self, *args: Any, **kwargs: Any) -> Compiled:
        """The compiled program for these arguments (arrays or ShapeDtypeStructs)."""
        return self._compile_cached(signature_of(args, kwargs))

    def cache_info(self) -> Any:
        return self._compile_cached.cache_info()

    def clear_cache(self) -> None:
        self._compile_cached.cache_clear()
        self._fast.cache_clear()
