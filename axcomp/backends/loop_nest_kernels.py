"""Whole loops (a ``Loop`` marked with a ``core.loop_nest.LoopNest``) as one numba function.

Every step of the loop runs inside the function: the carries live in buffers made once,
consecutive elementwise statements of one shape (a run, ``element_runs``) are one loop
whose values are locals, each other operation an explicit loop over its static shape (a
product or a sum an explicit sum), a value read past its run in a flat buffer of its static
size (made once, reused every step), and views (``getitem``, ``transpose``,
``broadcast_to``, the scanned slice of a step) are addresses into their source, not copies.
Each value is cast to the dtype NumPy computes it in, with no fast-math: elementwise
arithmetic is NumPy's exactly; sums add in index order, and ``tanh``, ``exp``, ``expm1``,
``log`` and ``log1p`` of float64 and float32 are ``vector_math``'s (within 2 ulp, as the
fused loops'; libm's scalar ``tanh`` cost ten times as much), other transcendental
functions libm's: either may differ from NumPy's in the last bit. A fused loop's ``map``
in the body is its instructions element by element. In a
BLAS nest (``LoopNest.blas``) a ``matmul`` of two float matrices
(``core.loop_nest.blas_matmul``) is ``np.dot(a, b, out)`` on 2-D views of the buffers
(numba calls SciPy's GEMM: sums in BLAS's order, as NumPy's ``matmul`` adds in its BLAS's;
either may differ in the last bits); an operand that is no contiguous or transposed
matrix is copied first. A GEMM whose left operand is row-major runs in the row blocks the
kernel's ``_rows`` argument gives (``gemm_blocks`` measures them). A BLAS nest's first
calls return None while it compiles on a thread (``kernel_loading``): the generated code
then runs the loop's NumPy steps.

The source holds only names this module makes (``a0`` operands, ``b0`` buffers, ``o0``
results, ``k0``/``s0`` indices, ``_``-names), integer and finite float literals, and
spellings from its tables: no plan name and no user text. Like the fused loops, it is
written to the cache directory under the hash of its text (``fused_loops._module_path``),
so numba's ``cache=True`` serves a new process.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.fused import TRANSCENDENTAL
from ..core.loop_nest import LOOP_BINARY, LOOP_UNARY, Gemm, blas_matmul
from ..core.plan import Assign, Call, Expr, Lit, Loop, Ref, expr_refs
from ..core.plan_types import (
    VType,
    array_type,
    expr_type,
    getitem_axes,
    matmul_shape,
    reduced_axes,
    ufunc_dtype,
)
from . import fused_loops, kernel_loading

_TYPES = fused_loops.NUMBA_TYPES
_VECTOR = fused_loops.VECTOR_CALLS
_INFIX = {
    "add": "({0} + {1})",
    "subtract": "({0} - {1})",
    "multiply": "({0} * {1})",
    "true_divide": "({0} / {1})",
    "divide": "({0} / {1})",
    "power": "({0} ** {1})",
    "remainder": "({0} % {1})",  # numba keeps Python's sign rule, which NumPy's is
    "floor_divide": "({0} // {1})",
    "equal": "({0} == {1})",
    "not_equal": "({0} != {1})",
    "less": "({0} < {1})",
    "less_equal": "({0} <= {1})",
    "greater": "({0} > {1})",
    "greater_equal": "({0} >= {1})",
    "logical_and": "({0} and {1})",
    "logical_or": "({0} or {1})",
    "logical_xor": "({0} != {1})",
    "negative": "(-{0})",
    "square": "({0} * {0})",
    "reciprocal": "(1.0 / {0})",
    "logical_not": "(not {0})",
}
#: the rest are NumPy's scalar functions, which numba compiles (``_np.<name>``)
_BOOL = np.dtype(bool)
_VIEWS = ("getitem", "transpose", "broadcast_to")
_BOOL_RESULT = frozenset(
    "equal not_equal less less_equal greater greater_equal logical_and logical_or "
    "logical_xor logical_not isnan isinf isfinite".split()
)
assert set(_INFIX) <= LOOP_UNARY | LOOP_BINARY


@dataclass(frozen=True)
class _Val:
    """Where a value's elements are: ``var[offset + sum(index_d * strides[d])]``."""

    var: str
    shape: tuple[int, ...]
    dtype: np.dtype
    strides: tuple[int, ...]
    offset: str = "0"
    #: a local of the run being printed (``_Printer.run``): one element, ``var`` itself
    scalar: bool = False


def _contiguous(shape: Sequence[int]) -> tuple[int, ...]:
    strides, acc = [], 1
    for n in reversed(shape):
        strides.append(acc)
        acc *= n
    return tuple(reversed(strides))


def _size(shape: Sequence[int]) -> int:
    return max(1, math.prod(shape))


def _empty(shape: Sequence[int], dtype: np.dtype) -> str:
    """A flat buffer of ``shape``'s size (``bool_``: numba 0.60 predates ``np.bool``)."""
    name = "bool_" if dtype == _BOOL else _TYPES[dtype.name].removeprefix("_nb.")
    return f"_np.empty({_size(shape)}, _np.{name})"


def _cast(text: str, have: np.dtype, want: np.dtype) -> str:
    if have == want:
        return text
    if want == np.dtype(bool):
        return f"({text} != 0)"
    return f"{_TYPES[want.name]}({text})"


def _literal(value: Any, dtype: np.dtype) -> str:
    if type(value) in (bool, int) or (type(value) is float and math.isfinite(value)):
        if dtype == np.dtype(bool):
            return repr(bool(value))
        return f"{_TYPES[dtype.name]}({value!r})"
    raise ValueError(f"refusing to emit literal {value!r}")


class _Printer:
    def __init__(self, loop: Loop) -> None:
        self.loop = loop
        self.pre: list[str] = []  # before the step loop: buffers
        # one step, unindented: a run of elementwise statements one loop, others each their
        # own loop (a run's values are locals: one loop over a buffer per value measured
        # 1.6-5x slower, numba stopped vectorising it)
        self.body: list[str] = []
        self.run_index: list[str] | None = None  # the index names of the run being printed
        self.at: dict[str, _Val] = {}
        self.types: dict[str, VType] = {}
        self.count = 0
        self.vector_math = False  # whether the body calls backends/vector_math.py
        # the GEMMs run in row blocks the kernel is given (``_rows``: gemm_blocks measures)
        self.gemms: list[Gemm] = []

    # -- helpers ---------------------------------------------------------------------------
    def buffer(self, shape: tuple[int, ...], dtype: np.dtype) -> _Val:
        var = f"b{self.count}"
        self.count += 1
        self.pre.append(f"{var} = {_empty(shape, dtype)}")
        return _Val(var, shape, dtype, _contiguous(shape))

    def accumulator(self) -> str:
        """A fresh scalar name (one per operation: numba types each name once)."""
        self.count += 1
        return f"_acc{self.count}"

    def env(self, name: str) -> VType:
        return self.types[name]

    def read(self, v: _Val, index: Sequence[str | None]) -> str:
        """The element of ``v`` at ``index`` (one entry per axis; None: 0)."""
        if v.scalar:  # a run's local holds the element at the run's own index only
            if list(index) != self.run_index:
                raise AssertionError(f"a run's value {v.var} read at {list(index)}")
            return v.var
        terms = [] if v.offset == "0" else [v.offset]
        for ix, stride, n in zip(index, v.strides, v.shape, strict=True):
            if ix is None or n == 1 or stride == 0:
                continue
            terms.append(ix if stride == 1 else f"{ix} * {stride}")
        return f"{v.var}[{' + '.join(terms) or '0'}]"

    def broadcast_read(self, v: _Val, out: Sequence[str]) -> str:
        lead = len(out) - len(v.shape)
        return self.read(v, [out[lead + d] for d in range(len(v.shape))])

    def nest(self, shape: Sequence[int], prefix: str = "k") -> tuple[list[str], list[str], str]:
        """(loop header lines, index names, the indentation inside)."""
        heads, names = [], []
        for d, n in enumerate(shape):
            names.append(f"{prefix}{d}")
            heads.append("    " * d + f"for {prefix}{d} in _range({int(n)}):")
        return heads, names, "    " * len(shape)

    # -- operands ----------------------------------------------------------------------------
    def operand(self, e: Expr) -> _Val | tuple[Any, np.dtype]:
        """A value's place, or (literal value, its default dtype)."""
        if isinstance(e, Ref):
            return self.at[e.name]
        if isinstance(e, Lit):
            return (e.value, np.asarray(e.value).dtype)
        view = self.view(e) if e.op in _VIEWS else None
        if view is not None:  # an address into its operand, as a statement's view is
            return view
        t = expr_type(e, self.env)
        out = self.buffer(t.shape, t.dtype)
        self.compute(e, out)
        return out

    def scalar(self, arg: _Val | tuple[Any, np.dtype], out: Sequence[str], want: np.dtype) -> str:
        if isinstance(arg, _Val):
            return _cast(self.broadcast_read(arg, out), arg.dtype, want)
        return _literal(arg[0], want)

    # -- statements --------------------------------------------------------------------------
    def assign(self, name: str, e: Expr, shape: tuple[int, ...], dtype: np.dtype) -> None:
        self.types[name] = array_type(shape, dtype)
        if isinstance(e, Ref):
            self.at[name] = self.at[e.name]
            return
        view = self.view(e) if isinstance(e, Call) else None
        if view is not None:
            self.at[name] = view
            return
        out = self.buffer(shape, dtype)
        self.compute(e, out)
        self.at[name] = out

    def view(self, c: Call) -> _Val | None:
        """``c`` as an address into its operand (no copy), when it is a view."""
        if c.op not in _VIEWS:
            return None
        x = self.operand(c.args[0])
        if not isinstance(x, _Val):  # a literal: one element to view
            lit, x = x, self.buffer((), x[1])
            self.copy(x, lit)
        if c.op == "transpose":
            perm = tuple(c.attr("perm"))
            return _Val(
                x.var,
                tuple(x.shape[p] for p in perm),
                x.dtype,
                tuple(x.strides[p] for p in perm),
                x.offset,
            )
        if c.op == "broadcast_to":
            to = tuple(c.attr("shape"))
            lead = len(to) - len(x.shape)
            zeros = (0,) * lead
            kept = tuple(0 if x.shape[d] == 1 else x.strides[d] for d in range(len(x.shape)))
            return _Val(x.var, to, x.dtype, zeros + kept, x.offset)
        # basic indexing: a fixed start per operand axis, a step per result axis
        base, dim = 0, 0
        for item in c.attr("items"):
            if item[0] == "new":
                continue
            if item[0] == "int":
                base += (int(item[1]) % x.shape[dim]) * x.strides[dim]
            else:
                _, start, stop, step = item
                end = None if step < 0 and stop < 0 else stop
                first = slice(start, end, step).indices(x.shape[dim])[0]
                base += first * x.strides[dim]
            dim += 1
        shape: list[int] = []
        strides: list[int] = []
        for axis, n, step in getitem_axes(c.attr("items"), x.shape):
            shape.append(n)
            strides.append(0 if axis < 0 else x.strides[axis] * step)
        offset = x.offset if not base else f"{x.offset} + {base}" if x.offset != "0" else str(base)
        return _Val(x.var, tuple(shape), x.dtype, tuple(strides), offset)

    def copy(self, dest: _Val, src: _Val | tuple[Any, np.dtype]) -> None:
        """``dest[k] = src[k]`` over ``dest``'s shape (``src`` broadcast to it)."""
        heads, names, pad = self.nest(dest.shape)
        self.body += heads
        self.body.append(pad + f"{self.read(dest, names)} = {self.scalar(src, names, dest.dtype)}")

    def compute(self, e: Expr, out: _Val) -> None:
        """Write the value of ``e`` into the contiguous buffer ``out``."""
        if not isinstance(e, Call):
            self.copy(out, self.operand(e))
            return
        op = e.op
        if op in ("ufunc", "multiply"):
            self.elementwise(e, out)
        elif op in ("matmul", "einsum"):
            self.contraction(e, out)
        elif op in ("sum", "reduce"):
            self.reduction(e, out)
        elif op in _VIEWS:
            view = self.view(e)
            assert view is not None
            self.copy(out, view)
        elif op in ("astype", "copy", "asarray"):
            self.copy(out, self.operand(e.args[0]))
        elif op == "reshape":  # the same elements in the same (C) order
            src = self.operand(e.args[0])
            assert isinstance(src, _Val)
            self.copy(_Val(out.var, src.shape, out.dtype, _contiguous(src.shape)), src)
        elif op == "concatenate":
            axis, at = int(e.attr("axis")), 0
            for a in e.args:
                part = self.operand(a)
                assert isinstance(part, _Val)
                offset = str(at * out.strides[axis])
                self.copy(_Val(out.var, part.shape, out.dtype, out.strides, offset), part)
                at += part.shape[axis]
        elif op == "zeros":
            self.copy(out, (0, out.dtype))
        elif op in ("take", "take_along_axis"):
            self.take(e, out)
        elif op == "fused":
            self.fused(e, out)
        else:
            raise ValueError(f"a loop nest cannot compute {op!r}")

    def take(self, c: Call, out: _Val) -> None:
        """``x`` at indices computed in the loop (``_index``: NumPy's wrap and check)."""
        x, idx = (self.operand(a) for a in c.args)
        assert isinstance(x, _Val) and isinstance(idx, _Val)
        axis = int(c.attr("axis")) % len(x.shape)
        heads, names, pad = self.nest(out.shape)
        if c.op == "take":  # x's axes before, the index's, x's axes after
            at = names[axis : axis + len(idx.shape)]
            where = self.read(idx, at)
            rest = names[:axis] + [""] + names[axis + len(idx.shape) :]
        else:  # the index has x's rank; the other axes broadcast
            where = self.broadcast_read(idx, names)
            rest = list(names)
        index: list[str | None] = list(rest)
        index[axis] = f"_index({where}, {int(x.shape[axis])})"
        value = _cast(self.read(x, index), x.dtype, out.dtype)
        self.body += [*heads, pad + f"{self.read(out, names)} = {value}"]

    def store(self, out: _Val, index: Sequence[str], value: str) -> str:
        """The line writing ``value`` (already in ``out``'s dtype or cast by the store) to
        ``out`` at ``index``: a run's local is typed explicitly, as a buffer's store casts."""
        if out.scalar:
            return f"{out.var} = {_TYPES[out.dtype.name]}({value})"
        return f"{self.read(out, index)} = {value}"

    def elementwise(self, c: Call, out: _Val) -> None:
        heads, names, pad = self.nest(out.shape)
        self.body += [*heads, pad + self.elementwise_line(c, out, names)]

    def elementwise_line(self, c: Call, out: _Val, k: list[str]) -> str:
        """The line computing ``c``'s element at index ``k`` into ``out``."""
        if c.op in ("astype", "copy", "asarray"):
            return self.store(out, k, self.scalar(self.operand(c.args[0]), k, out.dtype))
        fn = c.attr("fn") if c.op == "ufunc" else "multiply"
        args = [self.operand(a) for a in c.args]
        types = [expr_type(a, self.env) for a in c.args]
        # NumPy casts every operand to the loop's type: the result's, or for comparisons
        # (a bool result) the operands' common type
        compute = out.dtype
        if fn in _BOOL_RESULT and fn not in ("logical_and", "logical_or", "logical_not"):
            compute = ufunc_dtype("maximum", types) if len(types) > 1 else types[0].dtype
        if fn == "where":
            cond = self.scalar(args[0], k, _BOOL)
            a, b = (self.scalar(x, k, out.dtype) for x in args[1:])
            expr = f"({a} if {cond} else {b})"
        elif fn == "clip":
            x, lo, hi = (self.scalar(v, k, compute) for v in args)
            expr = f"_np.minimum(_np.maximum({x}, {lo}), {hi})"
        elif c.op == "multiply":
            expr = "(" + " * ".join(self.scalar(x, k, compute) for x in args) + ")"
        else:
            texts = [self.scalar(x, k, compute) for x in args]
            fmt = _INFIX.get(fn)
            if fmt is None and fn not in LOOP_UNARY | LOOP_BINARY:
                raise ValueError(f"refusing to emit ufunc {fn!r}")
            if fn in TRANSCENDENTAL and compute.name in _VECTOR:
                # libm's scalar tanh costs ~10 ns an element; vector_math's ~1 ns
                self.vector_math = True
                expr = _VECTOR[compute.name].format(_vector_name(fn, out.shape), texts[0])
            else:
                expr = fmt.format(*texts) if fmt else f"_np.{fn}({', '.join(texts)})"
        return self.store(out, k, _cast(expr, compute, out.dtype))

    def fused(self, c: Call, out: _Val) -> None:
        """A fused loop's ``map``: its instructions at each element of its shape."""
        heads, names, pad = self.nest(out.shape)
        self.body += [*heads, *(pad + line for line in self.fused_lines(c, out, names))]

    def fused_lines(self, c: Call, out: _Val, names: list[str]) -> list[str]:
        """The lines computing a fused ``map``'s element at index ``names`` into ``out``."""
        loop = c.attr("loop")
        assert loop.reduction == "map" and loop.shape == out.shape
        tag = self.accumulator()  # the element values' names: typed once each

        def name(local: str) -> str:
            return f"{tag}{local}"

        lines = []
        for k, (a, axes) in enumerate(zip(c.args, loop.operands, strict=True)):
            x = self.operand(a)
            want = np.dtype(loop.operand_dtypes[k])
            if isinstance(x, _Val):
                index = [names[ax] if ax >= 0 else None for ax in axes]
                lines.append(f"{name(f'x{k}')} = {_cast(self.read(x, index), x.dtype, want)}")
            else:
                lines.append(f"{name(f'x{k}')} = {_literal(x[0], want)}")
        if any(ins.fn in TRANSCENDENTAL for ins in loop.body):
            self.vector_math = True
        short = _vector_name("tanh", loop.shape) != "tanh"
        for line in fused_loops.element_lines(loop, name):
            lines.append(line.replace("_vm.tanh_f", "_vm.tanh_low_latency_f") if short else line)
        lines.append(self.store(out, names, name(f"v{len(loop.body) - 1}")))
        return lines

    def run(self, statements: Sequence[Assign], stored: Sequence[_Val | None]) -> None:
        """Elementwise statements of one shape (``element_runs``) as one loop: each value a
        local, written to its buffer in ``stored`` where one is given (read after the run)."""
        shape = tuple(statements[0].shape or ())
        heads, names, pad = self.nest(shape)
        self.body += heads
        self.run_index = names
        for st, buffer in zip(statements, stored, strict=True):
            assert isinstance(st.value, Call)
            dtype = np.dtype(st.dtype)
            self.types[st.target] = array_type(shape, dtype)
            self.count += 1
            local = _Val(f"_e{self.count}", shape, dtype, _contiguous(shape), scalar=True)
            if st.value.op == "fused":
                lines = self.fused_lines(st.value, local, names)
            else:
                lines = [self.elementwise_line(st.value, local, names)]
            if buffer is not None:
                lines.append(f"{self.read(buffer, names)} = {local.var}")
            self.body += [pad + line for line in lines]
            self.at[st.target] = local
        self.run_index = None
        for st, buffer in zip(statements, stored, strict=True):
            if buffer is not None:
                self.at[st.target] = buffer
            else:  # read in the run only: a later read is a bug, not a stale local
                del self.at[st.target]

    def matrix(self, v: _Val) -> str:
        """A 2-D numba array of ``v``'s elements: a view of a C-contiguous or transposed
        matrix, else (strided, broadcast) a contiguous copy made each step."""
        m, n = v.shape
        start = v.offset
        flat = f"{v.var}[{start}:{start} + {m * n}]" if start != "0" else f"{v.var}[:{m * n}]"
        rows = v.strides == (n, 1) or (m == 1 and v.strides[1] == 1)
        if rows or (n == 1 and v.strides[0] == 1):
            return f"{flat}.reshape(({m}, {n}))"
        if v.strides == (1, m):
            return f"{flat}.reshape(({n}, {m})).T"
        dense = self.buffer(v.shape, v.dtype)
        self.copy(dense, v)
        return self.matrix(dense)

    def gemm(self, vals: Sequence[_Val], out: _Val) -> None:
        """``out = a @ b`` by BLAS (``np.dot`` into a C-contiguous result)."""
        if out.strides != _contiguous(out.shape) or out.offset != "0":
            dense = self.buffer(out.shape, out.dtype)
            self.gemm(vals, dense)
            self.copy(out, dense)
            return
        a, b = (self.matrix(v) for v in vals)
        o = self.matrix(out)
        (m, k), n = vals[0].shape, vals[1].shape[1]
        if a.endswith(".T"):  # (a block of a column-major operand's rows is not contiguous)
            self.body.append(f"_np.dot({a}, {b}, {o})")
            return
        # row-major rows in blocks (OpenBLAS is faster so at some shapes): the kernel's
        # ``_rows[j]``, this GEMM's block as gemm_blocks measured it (its rows: one call)
        j = len(self.gemms)
        self.gemms.append(Gemm(m, k, n, out.dtype.name, b.endswith(".T")))
        g, r = f"_g{j}", f"_rows[{j}]"
        self.body.append(f"for {g} in _range(0, {m}, {r}):")
        self.body.append(f"    _np.dot({a}[{g}:{g} + {r}], {b}, {o}[{g}:{g} + {r}])")

    def contraction(self, c: Call, out: _Val) -> None:
        args = [self.operand(a) for a in c.args]
        vals = [a for a in args if isinstance(a, _Val)]
        assert len(vals) == len(args)
        nest = self.loop.nest
        if (
            c.op == "matmul"
            and nest is not None
            and nest.blas
            and blas_matmul(vals[0].shape, vals[1].shape, (*(v.dtype for v in vals), out.dtype))
        ):
            self.gemm(vals, out)
            return
        if c.op == "einsum":
            inputs, result = c.attr("equation").split("->")
            subs = inputs.split(",")
        else:
            subs, result = _matmul_labels(vals[0].shape, vals[1].shape)
        summed = sorted({ch for s in subs for ch in s} - set(result))
        sizes = {ch: v.shape[d] for s, v in zip(subs, vals, strict=True) for d, ch in enumerate(s)}
        if out.shape and summed:  # the result row accumulates: the inner loop runs along it
            heads, names, pad = self.nest(out.shape)
            last, row = heads.pop(), pad[4:]  # the result row's loop, and its indentation
            self.body += heads
            index = dict(zip(result, names, strict=True))
            self.body += [last, pad + f"{self.read(out, names)} = {_literal(0, out.dtype)}"]
            inner = row
            for j, ch in enumerate(summed):
                index[ch] = f"s{j}"
                self.body.append(inner + f"for s{j} in _range({int(sizes[ch])}):")
                inner += "    "
            self.body.append(inner + last.strip())
            target = self.read(out, names)
            self.body.append(inner + f"    {target} += {self.product(subs, vals, index, out)}")
            return
        heads, names, pad = self.nest(out.shape)
        index = dict(zip(result, names, strict=True))
        acc = self.accumulator()
        self.body += heads
        self.body.append(pad + f"{acc} = {_literal(0, out.dtype)}")
        inner = pad
        for j, ch in enumerate(summed):
            index[ch] = f"s{j}"
            self.body.append(inner + f"for s{j} in _range({int(sizes[ch])}):")
            inner += "    "
        self.body.append(inner + f"{acc} += {self.product(subs, vals, index, out)}")
        self.body.append(pad + f"{self.read(out, names)} = {acc}")

    def product(
        self, subs: Sequence[str], vals: Sequence[_Val], index: dict[str, str], out: _Val
    ) -> str:
        """One term of a sum of products: each operand at the labels' indices."""
        return " * ".join(
            _cast(self.read(v, [index[ch] for ch in sub]), v.dtype, out.dtype)
            for sub, v in zip(subs, vals, strict=True)
        )

    def reduction(self, c: Call, out: _Val) -> None:
        src = self.operand(c.args[0])
        assert isinstance(src, _Val)
        keep = reduced_axes(len(src.shape), c.attr("axis"))
        gone = [d for d in range(len(src.shape)) if d not in keep]
        fn = "sum" if c.op == "sum" else c.attr("fn").lstrip("a")  # amax -> max
        heads, names, pad = self.nest(out.shape)
        self.body += heads
        start = {"sum": 0, "prod": 1}.get(fn)
        index: list[str | None] = [None] * len(src.shape)
        for d, name in zip(keep, names, strict=True):
            index[d] = name
        inner = pad
        for j, d in enumerate(gone):
            index[d] = f"s{j}"
        first = self.read(src, ["0" if ix is None or ix.startswith("s") else ix for ix in index])
        init = (
            _literal(start, out.dtype) if start is not None else _cast(first, src.dtype, out.dtype)
        )
        acc = self.accumulator()
        self.body.append(pad + f"{acc} = {init}")
        for j, d in enumerate(gone):
            self.body.append(inner + f"for s{j} in _range({int(src.shape[d])}):")
            inner += "    "
        value = _cast(self.read(src, index), src.dtype, out.dtype)
        combine = {
            "sum": f"{acc} + {value}",
            "prod": f"{acc} * {value}",
            "max": f"_np.maximum({acc}, {value})",
            "min": f"_np.minimum({acc}, {value})",
        }[fn]
        self.body.append(inner + f"{acc} = {combine}")
        self.body.append(pad + f"{self.read(out, names)} = {acc}")


#: Values of at most this many elements call ``vector_math``'s low-latency ``tanh``: a
#: loop nest's step over a few elements waits on the result (B15's RNN, 8 hidden units,
#: 10,000 steps: 1.03 ms against 1.09 with the one-chain version, which is 12% faster on
#: long arrays).
LOW_LATENCY_ELEMENTS = 64


def _vector_name(fn: str, shape: Sequence[int]) -> str:
    """The ``vector_math`` function computing ``fn`` for a value of ``shape``."""
    if fn == "tanh" and math.prod(shape) <= LOW_LATENCY_ELEMENTS:
        return "tanh_low_latency"
    return fn


def _matmul_labels(sa: tuple[int, ...], sb: tuple[int, ...]) -> tuple[list[str], str]:
    """``np.matmul`` of these shapes as einsum labels (batch axes broadcast as NumPy's)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    shape = matmul_shape(sa, sb)
    a_mat, b_mat = len(sa) >= 2, len(sb) >= 2
    batch = len(shape) - int(a_mat) - int(b_mat)
    bl = letters[:batch]
    m, k, n = "M", "K", "N"
    la = (bl[batch - (len(sa) - 2) :] if a_mat else "") + (m + k if a_mat else k)
    lb = (bl[batch - (len(sb) - 2) :] if b_mat else "") + (k + n if b_mat else k)
    result = bl + (m if a_mat else "") + (n if b_mat else "")
    return [la, lb], result


def _types(loop: Loop) -> dict[str, VType]:
    nest = loop.nest
    assert nest is not None
    return {name: array_type(shape, dtype) for name, shape, dtype in nest.reads}


def source(loop: Loop, cache: bool = True) -> str:
    """The module text of ``loop``'s kernel: ``_nest(a0, a1, ..., o0, o1, ..., _lo, _hi)``
    runs steps ``_lo`` to ``_hi`` over the flat operands (``operands(loop)``'s order),
    carrying in and writing the flat carries and stacks (``loop.outs``); a while loop's
    returns whether it stopped. A kernel whose GEMMs run in row blocks takes one more
    argument, ``_rows``: each one's block (``gemms``)."""
    return _printed(loop, cache)[0]


def gemms(loop: Loop) -> list[Gemm]:
    """The GEMMs ``loop``'s kernel runs in row blocks, in the order of its ``_rows``."""
    return _printed(loop, True)[1]


def _printed(loop: Loop, cache: bool) -> tuple[str, list[Gemm]]:
    p = _Printer(loop)
    reads = _types(loop)
    order = operands(loop)
    arg = {name: f"a{k}" for k, name in enumerate(order)}
    for name in order:
        t = reads[name]
        p.types[name] = t
        p.at[name] = _Val(arg[name], t.shape, t.dtype, _contiguous(t.shape))
    carries = [name for name, _ in loop.update]
    outs: list[_Val] = []
    for k, (name, shape, dtype) in enumerate(loop.outs):
        shape, dtype = tuple(shape), np.dtype(dtype)
        out = _Val(f"o{k}", shape, dtype, _contiguous(shape))
        outs.append(out)
        if name in carries:  # the caller starts it at its initial value
            p.at[name] = out
            p.types[name] = array_type(shape, dtype)
    # the step's values
    for name, src, axis in loop.slices:
        t = reads[src]
        whole = p.at[src]
        shape = t.shape[:axis] + t.shape[axis + 1 :]
        strides = whole.strides[:axis] + whole.strides[axis + 1 :]
        p.at[name] = _Val(whole.var, shape, t.dtype, strides, f"_i * {whole.strides[axis]}")
        p.types[name] = array_type(shape, t.dtype)
    if loop.index:
        p.types[loop.index] = array_type((), np.dtype(np.int64))
        p.at[loop.index] = p.buffer((), np.dtype(np.int64))
        p.body.append(f"{p.at[loop.index].var}[0] = _i")
    statements: list[Assign] = []
    for step in loop.body:
        for st in step.statements:
            assert isinstance(st, Assign) and st.shape is not None and st.dtype is not None
            statements.append(st)
    runs = element_runs(statements)
    run_of = {statements[k].target: r for r, run in enumerate(runs) for k in run}
    read_after = {v for _, v in loop.update} | {v for _, v, _ in loop.stacks}
    if loop.stop is not None:
        read_after.add(loop.stop)
    for r, run in enumerate(runs):
        for k in run:
            read_after |= {n for n in expr_refs(statements[k].value) if run_of.get(n, r) != r}
    for run in runs:
        members = [statements[k] for k in run]
        last = run[-1] == len(statements) - 1
        into = _carry_written(p, loop, members[-1]) if last else None
        if into is not None and len(run) > 1 and _reads_elsewhere(p, members, into):
            into = None
        if len(run) > 1:
            stored: list[_Val | None] = [
                p.buffer(tuple(st.shape or ()), np.dtype(st.dtype))
                if st.target in read_after and not (st is members[-1] and into is not None)
                else None
                for st in members
            ]
            if into is not None:
                stored[-1] = into
            p.run(members, stored)
            continue
        st = members[0]
        if into is not None:  # the step's last value is the new carry: computed in place
            p.types[st.target] = array_type(tuple(st.shape or ()), np.dtype(st.dtype))
            p.compute(st.value, into)
            p.at[st.target] = into
        else:
            p.assign(st.target, st.value, tuple(st.shape or ()), np.dtype(st.dtype))
    if loop.stop is not None:
        stop = p.at[loop.stop]
        heads, names, pad = p.nest(stop.shape)
        p.body += ["_go = False", *heads, pad + f"_go = _go or {p.scalar(stop, names, _BOOL)}"]
        p.body += ["if not _go:", "    return True"]
    names_out = [name for name, _, _ in loop.outs]
    for stack, value, axis in loop.stacks:
        dest = outs[names_out.index(stack)]
        v = p.at[value]
        strides = dest.strides[:axis] + dest.strides[axis + 1 :]
        slot = _Val(dest.var, v.shape, dest.dtype, strides, f"_i * {dest.strides[axis]}")
        p.copy(slot, v)
    # the carries' new values: staged first where one is read from a carry's buffer
    carry_vars = {p.at[name].var for name in carries}
    staged: list[tuple[_Val, _Val]] = []
    for name, value in loop.update:
        dest, v = p.at[name], p.at[value]
        if v == dest:
            continue
        if v.var in carry_vars:
            tmp = p.buffer(v.shape, v.dtype)
            p.copy(tmp, v)
            v = tmp
        staged.append((dest, v))
    for dest, v in staged:
        p.copy(dest, v)
    if loop.length is None:
        head, tail = ["for _i in _range(_lo, _hi):"], "    return False"
    elif loop.reverse:
        head = ["for _s in _range(_lo, _hi):", f"_i = {int(loop.length) - 1} - _s"]
        tail = "    return False"
    else:
        head, tail = ["for _i in _range(_lo, _hi):"], "    return False"
    rows = ["_rows"] if p.gemms else []
    params = ", ".join([*(arg[n] for n in order), *(o.var for o in outs), "_lo", "_hi", *rows])
    text = [
        '"""A whole loop generated by axcomp (backends/loop_nest_kernels.py)."""',
        "import numba as _nb",
        "import numpy as _np",
        *([fused_loops.vector_math_import()] if p.vector_math else []),
        "",
        "_range = range",
        "",
        "",
        f'@_nb.njit(inline="always", cache={cache})',
        "def _index(j, n):",
        "    if j < 0:",
        "        j += n",
        "    if j < 0 or j >= n:",
        '        raise IndexError("index out of bounds in a compiled loop")',
        "    return j",
        "",
        "",
        f'@_nb.njit(nogil=True, fastmath=False, error_model="numpy", cache={cache})',
        f"def _nest({params}):",
        *("    " + line for line in p.pre + head[:1]),
        *("        " + line for line in head[1:] + p.body),
        tail,
        "",
    ]
    return "\n".join(text), p.gemms


#: Statements a run prints element by element (``_Printer.run``).
_RUN_OPS = frozenset({"ufunc", "multiply", "astype", "copy", "asarray", "fused"})


def element_runs(statements: Sequence[Any]) -> list[list[int]]:
    """``statements``' indices in runs, each printed as one loop: consecutive elementwise
    statements of one shape (operands names or literals) where each reads the run's earlier
    values at its own index; every other statement a run of its own.

    One loop for a run is what makes long bodies cheap: 160 statements on 8 elements
    compiled in 1.1 s and ran a step in 0.10 us, against 9.5 s and 0.47 us as 160 loops
    over a buffer each (``benchmarks/loop_nest_compile.py``)."""
    runs: list[list[int]] = []
    shape: tuple[int, ...] | None = None
    members: set[str] = set()
    for k, st in enumerate(statements):
        e, here = st.value, tuple(st.shape or ())
        if not _elementwise(e):
            runs.append([k])
            shape, members = None, set()
            continue
        identity = tuple(range(len(here)))
        own = all(  # reads the run's values at its own index
            tuple(ax) == identity
            for a, ax in zip(e.args, _operand_axes(e, here), strict=True)
            if isinstance(a, Ref) and a.name in members
        )
        if shape == here and own:
            runs[-1].append(k)
        else:
            runs.append([k])
            shape, members = here, set()
        members.add(st.target)
    return runs


def _operand_axes(e: Call, shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    """The result axis each operand axis of an elementwise ``e`` is read along, for an
    operand of the result's shape (a fused loop's operand axes, which may permute; a
    ufunc reads such an operand along its own axes)."""
    if e.op == "fused":
        return [tuple(ax) for ax in e.attr("loop").operands]
    return [tuple(range(len(shape)))] * len(e.args)


def _reads_elsewhere(p: _Printer, members: Sequence[Assign], dest: _Val) -> bool:
    """Whether a run reads ``dest``'s buffer (the carry its last statement would write in
    place) at another element than the one it writes: through a view (``v[::-1]``,
    ``v[0]``, ``v.T``) or a fused loop's permuted axes. Such a run writes a fresh buffer,
    which the step's update then copies."""
    names = {st.target for st in members}
    identity = tuple(range(len(dest.shape)))
    for st in members:
        assert isinstance(st.value, Call)
        for a, ax in zip(st.value.args, _operand_axes(st.value, dest.shape), strict=True):
            read = p.at.get(a.name) if isinstance(a, Ref) and a.name not in names else None
            if read is not None and read.var == dest.var and (read != dest or ax != identity):
                return True
    return False


def _elementwise(e: Expr) -> bool:
    """Whether a run may hold a statement of value ``e``: an elementwise operation (a
    fused loop's ``map``) of names and literals."""
    if not isinstance(e, Call) or e.op not in _RUN_OPS:
        return False
    if e.op == "fused" and e.attr("loop").reduction != "map":
        return False
    return all(isinstance(a, (Ref, Lit)) for a in e.args)


def _carry_written(p: _Printer, loop: Loop, st: Assign) -> _Val | None:
    """The buffer of the one carry whose new value ``st`` (the step's last statement)
    computes, where ``st`` may write it there: it computes (no view), reads nothing in that
    buffer, and nothing else the step ends with (another carry's new value, a stacked
    value) is that buffer, so its old value is not needed once ``st`` runs. Saves a copy
    of the carry each step (64 logistic maps, 10,000 steps: 0.39 -> 0.23 ms)."""
    carries = [name for name, value in loop.update if value == st.target]
    if len(carries) != 1 or isinstance(st.value, Ref):
        return None
    if isinstance(st.value, Call) and st.value.op in _VIEWS:
        return None
    dest = p.at[carries[0]]
    if dest.shape != tuple(st.shape or ()) or dest.dtype != np.dtype(st.dtype):
        return None
    ends = [v for _, v in loop.update if v != st.target] + [v for _, v, _ in loop.stacks]
    if loop.stop is not None:
        ends.append(loop.stop)
    if any(p.at[name].var == dest.var for name in expr_refs(st.value) | set(ends) if name in p.at):
        return None
    return dest


def operands(loop: Loop) -> list[str]:
    """The names of the loop's operands in the kernel's order: the ``init`` names, the
    scanned sources, then the constants the body reads."""
    assert loop.nest is not None
    init = [name for name, _ in loop.init]
    rest = [name for name, _, _ in loop.nest.reads if name not in init]
    return init + rest


def kernel(loop: Loop) -> Any:
    """The numba dispatcher of ``loop``'s kernel (compiled on its first call, or loaded from
    the disk cache)."""
    return fused_loops.load_kernel(source(loop), lambda: source(loop, cache=False), "_nest")


#: Steps one kernel call runs: a nogil call cannot see Ctrl-C, so a long loop runs in
#: calls of at most this many steps (a call costs a few microseconds).
CHUNK_STEPS = 1 << 14


def _compiled(loop: Loop, types: tuple[kernel_loading.ArgumentType, ...]) -> Any:
    """``loop``'s dispatcher, compiled (or loaded from the disk cache) for ``types``; with
    GEMMs in row blocks, a call of it given their measured blocks (``gemm_blocks``)."""
    fn = kernel(loop)
    fn.compile(kernel_loading.numba_signature(types))
    found = gemms(loop)
    if not found:
        return fn
    from . import gemm_blocks  # (imports numba, as the kernel does)

    rows = gemm_blocks.row_blocks(found)

    def call(*args: Any) -> Any:
        return fn(*args, rows)

    return call


class NestCall:
    """What generated code calls for a loop nest: the loop's results, or None while its
    kernel compiles on a thread (``AXCOMP_FUSE=always``: compiled in the first call);
    the code then runs the NumPy steps and calls ``start`` with the same operands, which
    starts the compile after that work (a compile holding the GIL would slow it). A first
    call never waits for numba, as a fused loop's does not."""

    def __init__(self, loop: Loop) -> None:
        self._slot = kernel_loading.slot(
            f"{fused_loops.cache_dir()}\n{source(loop)}",
            call_name(loop),
            lambda types: _compiled(loop, types),
        )
        self._run = _runner(loop, lambda: self._slot.kernel)
        self._arguments = _runner(loop, None)

    def __call__(self, *args: Any) -> tuple[np.ndarray, ...] | None:
        if self._slot.kernel is None:
            if fused_loops.in_background():
                return None
            self._slot.compiled(lambda: self._arguments(*args))
        results: tuple[np.ndarray, ...] = self._run(*args)
        return results

    def start(self, *args: Any) -> None:
        self._slot.get(lambda: self._arguments(*args))


def caller(loop: Loop) -> Callable[..., tuple[np.ndarray, ...] | None]:
    """The function the generated NumPy code calls: flattens the operands (in their
    recorded dtypes), starts the carries at their initial values, runs the kernel
    ``CHUNK_STEPS`` steps a call, and shapes the results (``NestCall``: None while the
    kernel compiles in the background)."""
    assert loop.nest is not None
    return NestCall(loop)


def _runner(loop: Loop, kernel_of: Callable[[], Any] | None) -> Callable[..., Any]:
    """Runs the kernel ``kernel_of()`` on a call's operands; with None, the kernel's
    arguments for them instead (one step: what a compile needs to know their types)."""
    reads = _types(loop)
    order = operands(loop)
    dtypes = [reads[name].dtype for name in order]
    outs = [(tuple(shape), np.dtype(dtype)) for _, shape, dtype in loop.outs]
    carried = {name for name, _ in loop.update}
    starts = [order.index(name) if name in carried else -1 for name, _, _ in loop.outs]
    length = loop.length
    blocked = [g.rows for g in gemms(loop)]  # the compile's ``_rows``: each GEMM whole

    def run(*args: Any) -> Any:
        flat = [np.ascontiguousarray(a, dtype=d).reshape(-1) for a, d in zip(args, dtypes)]
        results = [
            np.empty(math.prod(shape), dtype) if k < 0 else flat[k].copy()
            for (shape, dtype), k in zip(outs, starts, strict=True)
        ]
        if kernel_of is None:
            rows = (np.array(blocked, np.int64),) if blocked else ()
            return (*flat, *results, 0, 1, *rows)
        fn = kernel_of()
        if length is not None:
            for lo in range(0, length, CHUNK_STEPS):
                fn(*flat, *results, lo, min(lo + CHUNK_STEPS, length))
        else:
            lo = 0
            while not fn(*flat, *results, lo, lo + CHUNK_STEPS):
                lo += CHUNK_STEPS
        return tuple(r.reshape(s) for r, (s, _) in zip(results, outs, strict=True))

    return run


def call_name(loop: Loop) -> str:
    """The name generated NumPy code calls ``loop``'s kernel by (``_``: never a user's)."""
    return "_loop_nest_" + hashlib.sha256(source(loop).encode()).hexdigest()[:16]


def nests(statements: Sequence[Any]) -> list[Loop]:
    """The compiled loops among ``statements`` and in the bodies of the loops among them
    that run as NumPy steps."""
    found: list[Loop] = []
    for st in statements:
        if isinstance(st, Loop) and st.nest is not None:
            found.append(st)
        elif isinstance(st, Loop):
            found += nests([s for step in st.body for s in step.statements])
    return found
