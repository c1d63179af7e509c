"""Memory accounting of a Plan: the bytes alive at every statement, and the peak.

The plan is run abstractly, statement by statement, over shapes, dtypes and strides only:
every operation that allocates (``matmul``, products, sums, ufuncs, casts, ``concatenate``,
``zeros``, copies, reshapes that cannot be views, ...) creates a buffer of its result's
bytes; views (transposes, reshapes that can be views, basic indexing, broadcasts, flips)
share the buffer they view and keep it alive. Inside one statement the operands of a call
stay alive while it allocates its result (Python's evaluation order), so nested temporaries
count too; NumPy's elision of a temporary operand of ``*`` (>= 256 KiB, same shape and
dtype) and ``ufunc(..., out=)`` allocate nothing. A named temporary dies after its last
reader (``core.plan.releases``, which the emitter prints as ``del``); outputs live to the
end; inputs and constants belong to the caller and are not counted. Inputs are taken to be
C-contiguous (layouts decide which reshapes copy).

Data-dependent arrays (``flatnonzero``, advanced-index ``gather``: the refine step of the
GEMM expansion) are counted as empty: they hold only the few flagged entries.

``peak_bytes(plan)`` counts everything; ``temporary_peak(plan)`` leaves out the outputs,
which a memory budget does not count. ``profile(plan)`` gives the figures per statement.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.plan import (
    OPS,
    Assign,
    Call,
    Expr,
    If,
    Lit,
    Loop,
    Plan,
    Ref,
    Scatter,
    Statement,
    Store,
    nbytes,
    releases,
)
from ..core.plan_types import (
    VType,
    accumulator,
    array_type,
    broadcast,
    constant_type,
    einsum_shape,
    getitem_axes,
    matmul_shape,
    promote_dtypes,
    promoted,
    reduced_axes,
    take_along_shape,
    ufunc_dtype,
    window_shape,
)

__all__ = ["StatementMemory", "peak_bytes", "profile", "temporary_peak"]

#: NumPy reuses a temporary operand of a binary operator in place from this size up
#: (``NPY_MIN_ELIDE_BYTES``).
ELIDE_BYTES = 256 * 1024


@dataclass(frozen=True)
class StatementMemory:
    """Bytes of one statement: ``peak`` while it runs, ``live`` after it (dead names
    dropped); ``allocated`` is what it allocates in all, transients included."""

    step: int
    statement: int
    allocated: int
    peak: int
    live: int


@dataclass(frozen=True)
class _Val:
    """An abstract value: an array (shape, dtype, strides in elements, the buffer it lives
    in; ``None`` for the caller's memory), or a non-array (``kind`` dtype/scalar/tuple)."""

    kind: str
    shape: tuple[int, ...] = ()
    dtype: Any = None
    strides: tuple[int, ...] = ()
    buf: int | None = None
    scalar: Any = None  # a Python scalar (weak) or a dtype, for kind scalar/dtype
    fresh: bool = False  # the array owns its buffer (not a view): elision may reuse it
    # NumPy lets a ufunc write through it (``broadcast_to`` views, even without broadcast
    # axes, are read-only, and so is every view of them)
    writable: bool = True


def _c_strides(shape: Sequence[int]) -> tuple[int, ...]:
    out, acc = [], 1
    for s in reversed(shape):
        out.append(acc)
        acc *= max(int(s), 1)
    return tuple(reversed(out))


def _order_strides(shape: Sequence[int], like: _Val | None) -> tuple[int, ...]:
    """Strides of a fresh array laid out like ``like`` (NumPy's order='K'), else C order."""
    if like is None or like.shape != tuple(shape) or 0 in like.strides:
        return _c_strides(shape)
    order = sorted(range(len(shape)), key=lambda a: -abs(like.strides[a]))
    out = [0] * len(shape)
    acc = 1
    for a in reversed(order):
        out[a] = acc
        acc *= max(int(shape[a]), 1)
    return tuple(out)


def _nocopy_reshape(
    shape: Sequence[int], strides: Sequence[int], new: Sequence[int]
) -> tuple[int, ...] | None:
    """The strides of ``reshape(new)`` as a view, or None when NumPy must copy
    (a port of NumPy's ``_attempt_nocopy_reshape``)."""
    old = [(s, st) for s, st in zip(shape, strides) if s != 1]
    if math.prod(shape) == 0:
        return _c_strides(new)
    olds, oldst = [s for s, _ in old], [st for _, st in old]
    newst = [0] * len(new)
    oi, oj, ni, nj = 0, 1, 0, 1
    on, nn = len(olds), len(new)
    while ni < nn and oi < on:
        np_, op = new[ni], olds[oi]
        while np_ != op:
            if np_ < op:
                np_ *= new[nj]
                nj += 1
            else:
                op *= olds[oj]
                oj += 1
        for ok in range(oi, oj - 1):
            if oldst[ok] != olds[ok + 1] * oldst[ok + 1]:
                return None
        newst[nj - 1] = oldst[oj - 1]
        for nk in range(nj - 1, ni, -1):
            newst[nk - 1] = newst[nk] * new[nk]
        ni, nj = nj, nj + 1
        oi, oj = oj, oj + 1
    last = newst[ni - 1] if ni >= 1 else 1
    for nk in range(ni, nn):
        newst[nk] = last
    return tuple(newst)


def _vtype(v: _Val) -> VType:
    """``v``'s type for the dtype and shape rules of ``core.plan_types``."""
    if v.kind == "array":
        return array_type(v.shape, v.dtype)
    if v.kind == "scalar":
        return constant_type(v.scalar)
    raise TypeError(f"not an operand: {v.kind}")


class _Names:
    """The bound names (name -> value), indexed by buffer: the bytes of the buffers some
    name holds are kept as a running total, so each statement costs O(1) however many
    temporaries are alive (reverse mode keeps a long chain's values alive)."""

    def __init__(self, sizes: dict[int, int], exclude: set[int]) -> None:
        self._vals: dict[str, _Val] = {}
        self._sizes = sizes
        self._exclude = exclude
        self.holders: dict[int, set[str]] = {}  # buffer -> the names whose arrays are in it
        self.bytes = 0  # of the buffers in ``holders`` (the excluded ones left out)

    def __getitem__(self, name: str) -> _Val:
        return self._vals[name]

    def __contains__(self, name: object) -> bool:
        return name in self._vals

    def get(self, name: str) -> _Val | None:
        return self._vals.get(name)

    def __setitem__(self, name: str, value: _Val) -> None:
        self.pop(name)
        self._vals[name] = value
        if value.buf is not None:
            names = self.holders.setdefault(value.buf, set())
            if not names and value.buf not in self._exclude:
                self.bytes += self._sizes[value.buf]
            names.add(name)

    def pop(self, name: str, default: None = None) -> _Val | None:
        value = self._vals.pop(name, None)
        if value is not None and value.buf is not None:
            names = self.holders[value.buf]
            names.discard(name)
            if not names:
                del self.holders[value.buf]
                if value.buf not in self._exclude:
                    self.bytes -= self._sizes[value.buf]
        return value

    def copy(self) -> _Names:
        other = _Names(self._sizes, self._exclude)
        other._vals = dict(self._vals)
        other.holders = {buf: set(names) for buf, names in self.holders.items()}
        other.bytes = self.bytes
        return other


class _Machine:
    def __init__(self, plan: Plan, exclude: set[int] | None = None) -> None:
        self.plan = plan
        self.sizes: dict[int, int] = {}
        self.exclude: set[int] = exclude if exclude is not None else set()
        self.names = _Names(self.sizes, self.exclude)
        self.stack: list[int] = []  # buffers held by the expression being evaluated
        self.peak = 0
        self.allocated = 0
        self.uncertain: set[int] = set()  # buffers that may be views at run time
        # the value of the statement being run, with the dtype the plan records for it
        self.top: tuple[Call, np.dtype] | None = None

    # -- buffers --------------------------------------------------------------------------
    def live_bytes(self) -> int:
        held = self.names.holders
        extra = {b for b in self.stack if b not in held and b not in self.exclude}
        return self.names.bytes + sum(self.sizes[b] for b in extra)

    def alloc(self, shape: Sequence[int], dtype: Any, like: _Val | None = None) -> _Val:
        shape = tuple(int(s) for s in shape)
        size = nbytes(shape, dtype)
        buf = len(self.sizes)
        self.sizes[buf] = size
        self.allocated += size
        self.stack.append(buf)
        self.peak = max(self.peak, self.live_bytes())
        self.stack.pop()
        strides = _order_strides(shape, like)
        return _Val("array", shape, np.dtype(dtype), strides, buf, fresh=True)

    def transient(self, nbytes: int) -> None:
        """A copy NumPy makes inside one operation and frees before it returns."""
        self.sizes[-1] = nbytes
        self.stack.append(-1)
        self.peak = max(self.peak, self.live_bytes())
        self.stack.pop()
        del self.sizes[-1]

    # -- leaves ---------------------------------------------------------------------------
    def leaf(self, value: Any) -> _Val:
        if isinstance(value, np.dtype):
            return _Val("dtype", scalar=value)
        if isinstance(value, (bool, int, float, complex)) and not isinstance(value, np.generic):
            return _Val("scalar", scalar=value)
        arr = np.asarray(value)
        strides = tuple(s // arr.itemsize if arr.itemsize else 0 for s in arr.strides)
        return _Val("array", arr.shape, arr.dtype, strides, None)

    # -- evaluation -----------------------------------------------------------------------
    def eval(self, expr: Expr) -> _Val:
        if isinstance(expr, Ref):
            return self.names[expr.name]
        if isinstance(expr, Lit):
            return _Val("scalar", scalar=expr.value)
        base = len(self.stack)
        args: list[_Val] = []
        for a in expr.args:
            v = self.eval(a)
            args.append(v)
            if v.buf is not None:
                self.stack.append(v.buf)
        kwargs = {k: self.eval(v) for k, v in expr.kwargs}
        try:
            return _OP_RULES[expr.op](self, expr, args, kwargs)
        finally:
            del self.stack[base:]

    def declared(self, c: Call) -> np.dtype | None:
        """The dtype the plan records for ``c`` (the whole value of an annotated ``Assign``),
        else None (a nested call: its rule works the dtype out)."""
        return self.top[1] if self.top is not None and self.top[0] is c else None

    def dtype_of(self, v: _Val | None, default: Any = None) -> Any:
        if v is None:
            return default
        if v.kind == "dtype":
            return v.scalar
        if v.kind == "array":
            return v.dtype
        return np.asarray(v.scalar).dtype

    def begin(self) -> None:
        """Bind the inputs and constants (the caller's memory)."""
        plan = self.plan
        for name, (shape, dtype) in zip(plan.inputs, plan.input_types):
            self.names[name] = _Val("array", shape, dtype, _c_strides(shape), None)
        for name, value in plan.constants:
            self.names[name] = self.leaf(value)

    def execute(self, k: int, j: int, st: Statement, dead: Sequence[str]) -> StatementMemory:
        """Run statement ``j`` of step ``k``, then drop the names that die after it."""
        self.peak = self.live_bytes()
        before = self.allocated
        self.statement(st)
        peak = max(self.peak, self.live_bytes())
        for name in dead:
            self.names.pop(name, None)
        return StatementMemory(k, j, self.allocated - before, peak, self.live_bytes())

    def run(self) -> list[StatementMemory]:
        self.begin()
        drop = releases(self.plan)
        return [
            self.execute(k, j, st, drop.get((k, j), ()))
            for k, step in enumerate(self.plan.steps)
            for j, st in enumerate(step.statements)
        ]

    def whole_buffer(self, name: str) -> _Val | None:
        """``name``'s value when it is a writable temporary array spanning its whole buffer
        with no broadcast axis (so a ufunc may write into it with ``out=``), else None."""
        v = self.names.get(name)
        if v is None or v.kind != "array" or v.buf is None or 0 in v.strides or not v.writable:
            return None
        if v.buf in self.uncertain:
            return None
        if self.sizes[v.buf] != nbytes(v.shape, v.dtype):
            return None
        return v

    def sharing(self, buf: int) -> list[str]:
        """The live names whose arrays live in buffer ``buf``."""
        return list(self.names.holders.get(buf, ()))

    def statement(self, st: Statement) -> None:
        if isinstance(st, Loop):
            # the carried buffers and stacked results; one step's temporaries are not
            # counted (they live while the step runs)
            for name, value in st.init:
                self.names[name] = self.eval(value)
            for name, shape, dtype in st.outs:
                self.names[name] = self.alloc(shape, dtype)
        elif isinstance(st, If):
            self.branches(st)
        elif isinstance(st, Assign):
            known = isinstance(st.value, Call) and st.dtype is not None
            self.top = (st.value, st.dtype) if known else None  # type: ignore[assignment]
            self.names[st.target] = self.eval(st.value)
            self.top = None
        elif isinstance(st, Store):
            self.eval(st.value)
        elif isinstance(st, Scatter):
            idx = self.eval(st.index)
            if idx.buf is not None:
                self.stack.append(idx.buf)
            self.eval(st.value)
            self.stack.clear()

    def branches(self, st: If) -> None:
        """Run every branch from the same state (only one runs: the peak is the largest of
        theirs); afterwards the results are those of the branch that allocated most."""
        saved = self.names.copy()
        before = self.allocated
        best: tuple[int, list[_Val]] | None = None
        for br in st.branches:
            self.allocated = before
            drop, _ = br.releases()
            for name, value in br.init:
                self.names[name] = self.eval(value)
            for k, step in enumerate(br.body):
                for j, inner in enumerate(step.statements):
                    self.statement(inner)
                    self.peak = max(self.peak, self.live_bytes())
                    for name in drop.get((k, j), ()):
                        self.names.pop(name, None)
            results = [self.names[r] for r in br.results]
            if best is None or self.allocated - before > best[0]:
                best = (self.allocated - before, results)
            self.names = saved.copy()
        assert best is not None
        self.allocated = before + best[0]
        for (name, _, _), v in zip(st.outs, best[1], strict=True):
            if v.buf is not None:
                # the other branch's result may be laid out differently (or be a view):
                # never a target for writing in place
                self.uncertain.add(v.buf)
            self.names[name] = v

    def output_buffers(self) -> set[int]:
        return {v.buf for n in self.plan.outputs if (v := self.names.get(n)) and v.buf is not None}


# -- the operations ------------------------------------------------------------------------
_Args = list[_Val]
_Kw = dict[str, _Val]


def _view(v: _Val, shape: Sequence[int], strides: Sequence[int], writable: bool = True) -> _Val:
    return _Val(
        "array", tuple(shape), v.dtype, tuple(strides), v.buf, writable=v.writable and writable
    )


def _transpose(m: _Machine, c: Call, a: _Args, kw: _Kw) -> _Val:
    (x,), perm = a, c.attr("perm")
    return _view(x, [x.shape[p] for p in perm], [x.strides[p] for p in perm])


def _reshape(m: _Machine, c: Call, a: _Args, kw: _Kw) -> _Val:
    x, shape = a[0], tuple(c.attr("shape"))
    strides = _nocopy_reshape(x.shape, x.strides, shape)
    if strides is None:
        # a copy for the layouts assumed here (C-contiguous inputs); with other input
        # layouts NumPy may return a view, so this buffer is never written in place
        v = m.alloc(shape, x.dtype)
        m.uncertain.add(len(m.sizes) - 1)
        return v
    return _view(x, shape, strides)


def _matmul(m: _Machine, c: Call, a: _Args, kw: _Kw) -> _Val:
    x, y = a
    dtype = promote_dtypes((x.dtype, y.dtype))
    for v in (x, y):
        if v.dtype != dtype:  # the gufunc casts a mismatched operand into a copy
            m.transient(math.prod(v.shape) * dtype.itemsize)
    return m.alloc(matmul_shape(x.shape, y.shape), dtype)


def _elementwise(
    m: _Machine, fn: str, a: _Args, dtype: np.dtype | None = None
) -> tuple[tuple[int, ...], Any, _Val | None]:
    """The broadcast shape, the result dtype (``dtype`` when the plan records it, else
    NumPy's promotion rule for ``fn``) and the operand whose layout the result takes."""
    shape = broadcast([v.shape for v in a if v.kind == "array"])
    if dtype is None:
        dtype = ufunc_dtype(fn, [_vtype(v) for v in a])
    like = next((v for v in a if v.kind == "array" and v.shape == shape), None)
    return shape, dtype, like


def _multiply(m: _Machine, c: Call, a: _Args, kw: _Kw) -> _Val:
    # printed as ``x * y * z``: left to right; NumPy elides a fresh temporary operand
    acc = a[0]
    for nxt in a[1:]:
        shape, dtype, like = _elementwise(m, "multiply", [acc, nxt])
        reuse = next(
            (
                v
                for v in (acc, nxt)
                if v.fresh
                and v.shape == shape
                and v.dtype == dtype
                and v.buf is not None
                and m.sizes[v.buf] >= ELIDE_BYTES
                and v.buf not in m.names.holders
            ),
            None,
        )
        result = reuse if reuse is not None else m.alloc(shape, dtype, like)
        if acc.buf is not None and acc is not a[0]:
            m.stack.remove(acc.buf)
        acc = result
        if acc.buf is not None:
            m.stack.append(acc.buf)
    if acc.buf is not None and acc is not a[0]:
        m.stack.remove(acc.buf)
    return acc


def _ufunc(m: _Machine, c: Call, a: _Args, kw: _Kw) -> _Val:
    out = c.attr("out")
    if out is not None:
        return m.names[out]
    shape, dtype, like = _elementwise(m, c.attr("fn"), a, m.declared(c))
    return m.alloc(shape, dtype, like)


def _einsum(m: _Machine, c: Call, a: _Args, kw: _Kw) -> _Val:
    eq: str = c.attr("equation")
    ins, res = eq.split("->")
    shape = einsum_shape(eq, [v.shape for v in a])
    dtype = m.dtype_of(kw.get("dtype"), promote_dtypes(tuple(v.dtype for v in a)))
    summed = set(ins.replace(",", "")) - set(res)
    if len(a) == 1 and not summed and dtype == a[0].dtype:  # a diagonal is a view
        (x,), (sub,) = a, ins.split(",")
        strides = [sum(st for lab2, st in zip(sub, x.strides) if lab2 == lab) for lab in res]
        return _view(x, shape, strides)
    return m.alloc(shape, dtype)


def _reduced_like(v: _Val, axis: Any) -> _Val:
    keep = reduced_axes(len(v.shape), axis)
    return _Val(
        "array", tuple(v.shape[i] for i in keep), v.dtype, tuple(v.strides[i] for i in keep)
    )


def _sum(m: _Machine, c: Call, a: _Args, kw: _Kw) -> _Val:
    x = a[0]
    dtype = m.dtype_of(kw.get("dtype"), accumulator("sum", x.dtype))
    like = _reduced_like(x, c.attr("axis"))
    return m.alloc(like.shape, dtype, like)


def _reduce(m: _Machine, c: Call, a: _Args, kw: _Kw) -> _Val:
    x, fn = a[0], c.attr("fn")
    dtype = m.declared(c)
    if dtype is None:
        dtype = accumulator(fn, x.dtype)
    like = _reduced_like(x, c.attr("axis"))
    return m.alloc(like.shape, dtype, like)


def _dtype_of(m: _Machine, c: Call, a: _Args, kw: _Kw) -> _Val:
    return _Val("dtype", scalar=a[0].dtype)


def _result_type(m: _Machine, c: Call, a: _Args, kw: _Kw) -> _Val:
    return _Val("dtype", scalar=promoted([_vtype(v) for v in a]))


def _broadcast_to(m: _Machine, c: Call, a: _Args, kw: _Kw) -> _Val:
    x, shape = a[0], tuple(c.attr("shape"))
    lead = len(shape) - len(x.shape)
    strides = [0] * lead + [
        st if s == t else 0 for s, t, st in zip(x.shape, shape[lead:], x.strides)
    ]
    return _view(x, shape, strides, writable=False)


def _astype(m: _Machine, c: Call, a: _Args, kw: _Kw) -> _Val:
    x = a[0]
    return m.alloc(x.shape, m.dtype_of(a[1]), x)


def _getitem(m: _Machine, c: Call, a: _Args, kw: _Kw) -> _Val:
    x = a[0]
    axes = getitem_axes(c.attr("items"), x.shape)
    strides = [x.strides[d] * step if d >= 0 else 0 for d, _, step in axes]
    return _view(x, [n for _, n, _ in axes], strides)


def _windows(m: _Machine, c: Call, a: _Args, kw: _Kw) -> _Val:
    # a strided view: window positions ``stride`` apart, offsets ``dilation`` apart
    x = a[0]
    axes, sizes, steps, dilations = (c.attr(k) for k in ("axes", "sizes", "strides", "dilations"))
    strides = list(x.strides)
    for ax, s, d in zip(axes, steps, dilations):
        strides[ax] = x.strides[ax] * s
        strides.append(x.strides[ax] * d)
    return _view(x, window_shape(x.shape, axes, sizes, steps, dilations), strides)


def _zeros(m: _Machine, c: Call, a: _Args, kw: _Kw) -> _Val:
    return m.alloc(c.attr("shape"), m.dtype_of(kw.get("dtype"), np.float64))


def _concatenate(m: _Machine, c: Call, a: _Args, kw: _Kw) -> _Val:
    axis = c.attr("axis")
    shape = list(a[0].shape)
    shape[axis] = sum(v.shape[axis] for v in a)
    return m.alloc(shape, promote_dtypes(tuple(v.dtype for v in a)))


def _asarray(m: _Machine, c: Call, a: _Args, kw: _Kw) -> _Val:
    x = a[0]
    dtype = m.dtype_of(kw.get("dtype"), m.dtype_of(x))
    if x.kind == "array" and x.dtype == dtype:
        return x
    return m.alloc(x.shape, dtype)


def _copy(m: _Machine, c: Call, a: _Args, kw: _Kw) -> _Val:
    return m.alloc(a[0].shape, a[0].dtype, None if c.attr("order") == "C" else a[0])


def _bitcast(m: _Machine, c: Call, a: _Args, kw: _Kw) -> _Val:
    # a view of a C-contiguous operand (ascontiguousarray copies anything else)
    x, shape, dtype = a[0], tuple(c.attr("shape")), m.dtype_of(a[1])
    if x.strides == _c_strides(x.shape) or math.prod(x.shape) <= 1:
        return _Val("array", shape, dtype, _c_strides(shape), x.buf, writable=x.writable)
    return m.alloc(shape, dtype)


def _flip(m: _Machine, c: Call, a: _Args, kw: _Kw) -> _Val:
    x, axis = a[0], c.attr("axis")
    axes = range(len(x.shape)) if axis is None else [axis % len(x.shape)]
    strides = [-st if i in axes else st for i, st in enumerate(x.strides)]
    return _view(x, x.shape, strides)


def _take(m: _Machine, c: Call, a: _Args, kw: _Kw) -> _Val:
    # (x, indices; axis): x's dtype; the indices' axes replace ``axis``
    (x, idx), axis = a, c.attr("axis") % len(a[0].shape)
    return m.alloc(x.shape[:axis] + idx.shape + x.shape[axis + 1 :], x.dtype)


def _take_along_axis(m: _Machine, c: Call, a: _Args, kw: _Kw) -> _Val:
    # (x, indices; axis): x's dtype; the other axes broadcast, ``axis`` has the indices' length
    (x, idx), axis = a, c.attr("axis") % len(a[0].shape)
    return m.alloc(take_along_shape(x.shape, idx.shape, axis), x.dtype)


def _sort(m: _Machine, c: Call, a: _Args, kw: _Kw) -> _Val:
    return m.alloc(a[0].shape, a[0].dtype)


def _argsort(m: _Machine, c: Call, a: _Args, kw: _Kw) -> _Val:
    return m.alloc(a[0].shape, np.dtype(np.intp))


def _argselect(m: _Machine, c: Call, a: _Args, kw: _Kw) -> _Val:
    axis = c.attr("axis") % len(a[0].shape)
    shape = tuple(c.attr("k") if d == axis else s for d, s in enumerate(a[0].shape))
    return m.alloc(shape, np.dtype(np.intp))


def _cumulative(m: _Machine, c: Call, a: _Args, kw: _Kw) -> _Val:
    x = a[0]
    dtype = m.declared(c)
    if dtype is None:  # NumPy accumulates bools and small integers in the platform integer
        dtype = accumulator(c.attr("fn"), x.dtype)
    return m.alloc(x.shape, dtype)


def _linalg(m: _Machine, c: Call, a: _Args, kw: _Kw) -> _Val:
    shape, dtype = tuple(c.attr("shape")), np.dtype(c.attr("dtype"))
    if c.attr("pack", -1) < 0:
        return m.alloc(shape, dtype)
    # the tuple of results stays alive while they are joined into the packed result
    m.sizes[-1] = math.prod(shape) * dtype.itemsize
    m.stack.append(-1)
    try:
        return m.alloc(shape, dtype)
    finally:
        m.stack.remove(-1)
        del m.sizes[-1]


def _fused(m: _Machine, c: Call, a: _Args, kw: _Kw) -> _Val:
    # one fresh result; the loop keeps its values in registers
    loop = c.attr("loop")
    return m.alloc(loop.out_shape, np.dtype(loop.dtype))


def _dynamic(m: _Machine, c: Call, a: _Args, kw: _Kw) -> _Val:
    # data-dependent and small (the refine step's flagged entries): counted as empty
    x = a[0] if a else None
    rest = x.shape[len(a) - 1 :] if c.op == "gather" and x is not None else ()
    dtype = x.dtype if c.op == "gather" and x is not None else np.dtype(np.intp)
    return _Val("array", (0, *rest), dtype, _c_strides((0, *rest)), None)


def _tuple(m: _Machine, c: Call, a: _Args, kw: _Kw) -> _Val:
    return _Val("tuple")


_OP_RULES: dict[str, Callable[[_Machine, Call, _Args, _Kw], _Val]] = {
    "transpose": _transpose,
    "reshape": _reshape,
    "matmul": _matmul,
    "multiply": _multiply,
    "einsum": _einsum,
    "sum": _sum,
    "dtype_of": _dtype_of,
    "result_type": _result_type,
    "ufunc": _ufunc,
    "reduce": _reduce,
    "broadcast_to": _broadcast_to,
    "astype": _astype,
    "getitem": _getitem,
    "windows": _windows,
    "zeros": _zeros,
    "concatenate": _concatenate,
    "asarray": _asarray,
    "copy": _copy,
    "flip": _flip,
    "sort": _sort,
    "argsort": _argsort,
    "argselect": _argselect,
    "take": _take,
    "take_along_axis": _take_along_axis,
    "cumulative": _cumulative,
    "bitcast": _bitcast,
    "flatnonzero": _dynamic,
    "flat_not_greater": _dynamic,
    "unravel_index": _tuple,
    "item": _dynamic,
    "gather": _dynamic,
    "linalg": _linalg,
    "callback": lambda m, c, a, kw: m.alloc((), np.dtype(bool)),
    "host_call": lambda m, c, a, kw: m.alloc(tuple(c.attr("shape")), np.dtype(c.attr("dtype"))),
    "fused": _fused,
}
assert set(_OP_RULES) == set(OPS), "every plan operation needs a memory rule"


def _simulate(plan: Plan, outputs_count: bool) -> list[StatementMemory]:
    if outputs_count:
        return _Machine(plan).run()
    first = _Machine(plan)
    first.run()
    return _Machine(plan, exclude=first.output_buffers()).run()


def profile(plan: Plan, outputs_count: bool = True) -> list[StatementMemory]:
    """Bytes per statement, in program order (outputs left out unless ``outputs_count``)."""
    return _simulate(plan, outputs_count)


def peak_bytes(plan: Plan) -> int:
    """Predicted peak of everything the program allocates, outputs included."""
    return max((s.peak for s in _simulate(plan, True)), default=0)


def temporary_peak(plan: Plan) -> int:
    """Predicted peak of the temporaries alone (what a memory budget limits)."""
    return max((s.peak for s in _simulate(plan, False)), default=0)
