"""The Array API emitter: a Plan becomes Python source calling any Array API namespace.

The generated function calls only functions of the Array API standard (2023.12) through
``_xp``, the namespace module of the arguments (``array_api_strict``,
``array_api_compat.torch``, ``jax.numpy``, ...), so results stay arrays of that library on
the arguments' device. NumPy names are translated as each function's record in
``core/elementwise_functions.py`` says (``absolute`` -> ``abs``, ``power`` -> ``pow``,
``deg2rad`` -> a product, ...); in-place hints (``out=``) are dropped, since
the standard has no ``out=``. What the standard cannot express is refused at compile time
with ``UnsupportedError`` naming the function and the namespace (``REFUSED``).

The source is assembled with the NumPy emitter's validation helpers: identifiers it checks,
int literals, finite float literals, and function names the namespace is checked to have.
Two helpers built from standard functions only (``_diagonal`` for single-operand einsum
diagonals, ``_place`` for writing a basic-index window into zeros on libraries whose arrays
cannot be assigned to) are put next to ``_xp`` in the function's globals.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

import numpy as np

from ..core.elementwise_functions import REGISTRY as ELEMENTWISE_REGISTRY
from ..core.elementwise_functions import Formula
from ..core.plan import (
    LINALG,
    OPS,
    Assign,
    Call,
    Expr,
    If,
    Lit,
    Loop,
    Plan,
    PlanError,
    Promotion,
    Ref,
    Scatter,
    Statement,
    Step,
    Store,
    releases,
    result_dtype,
)
from ..core.windows import WindowParams, window_items, windowed_shape
from ..errors import UnsupportedError
from .numpy_backend import (
    _EQUATION,
    BUILTINS,
    _axis,
    _ident,
    _int,
    _literal,
    _tuple,
    comment_text,
    function_name,
    if_lines,
    loop_lines,
)
from .source import compile_source

XP = "_xp"

#: Functions the standard lacks, refused at compile time (see the module docstring): the
#: elementwise ones with their record's reason, and the other plan operations.
REFUSED: dict[str, str] = {
    **{
        key: rec.array_api_refusal
        for key, rec in ELEMENTWISE_REGISTRY.items()
        if rec.array_api_refusal is not None
    },
    "flatnonzero": "the GEMM expansion's refine step is NumPy-only",
    "flat_not_greater": "the GEMM expansion's refine step is NumPy-only",
    "unravel_index": "the GEMM expansion's refine step is NumPy-only",
    "item": "the GEMM expansion's refine step is NumPy-only",
    "gather": "the GEMM expansion's refine step is NumPy-only",
    "take_along_axis": "no take_along_axis in the 2023.12 standard (the reverse rule of sort)",
    "Scatter": "the GEMM expansion's refine step is NumPy-only",
    "Store": "its arrays cannot be written in place, and this step accumulates into one "
    "(the reverse rule of a convolution or pooling: a scatter-add of overlapping windows)",
    "callback": "a Python callback (jax.debug.print, jax.debug.callback) runs in NumPy "
    "programs only",
    "host_call": "a Python callback (jax.pure_callback) runs in NumPy programs only",
    "bitcast": "no bitcast in the Array API standard (lax.bitcast_convert_type, lax.complex, "
    "lax.reduce_precision)",
    "fused": "fused loops are compiled for NumPy arrays only (the NumPy target's pass)",
}

#: NumPy reductions -> the standard's.
_REDUCERS = {
    "max": "max",
    "min": "min",
    "prod": "prod",
    "any": "any",
    "all": "all",
    "argmax": "argmax",
    "argmin": "argmin",
}

#: The standard's names of the ordering, selection and running-reduction operations, by
#: NumPy name (cumprod needs ``cumulative_prod``, 2024.12).
_ORDERING = {
    "flip": "flip",
    "cumsum": "cumulative_sum",
    "cumprod": "cumulative_prod",
    "sort": "sort",
    "argsort": "argsort",
    "take": "take",
    "take_along_axis": "take_along_axis",
}

#: Dtypes of the standard, by NumPy name.
DTYPES = frozenset(
    "bool int8 int16 int32 int64 uint8 uint16 uint32 uint64 float32 float64 "
    "complex64 complex128".split()
)

#: Libraries whose arrays cannot be assigned to (``x[i] = v``): a scatter into zeros is
#: built from standard pieces instead (``_place``).
_IMMUTABLE = ("jax",)


def _refuse(what: str, xp_name: str) -> UnsupportedError:
    rec = ELEMENTWISE_REGISTRY.get(what)
    why = REFUSED.get(what) or (rec and rec.array_api_refusal)
    why = why or "the Array API standard has no such function"
    return UnsupportedError(
        f"{what} is not supported on arrays of {xp_name}: {why}; use NumPy arrays for it"
    )


def _place(
    xp: Any, value: Any, shape: tuple[int, ...], windows: tuple[tuple[int, int, int], ...]
) -> Any:
    """Zeros of ``shape`` with ``value`` at ``start::step`` (``count`` entries) of each axis,
    ``windows`` holding ``(start, count, step)`` per axis, from reshape/concat/zeros only:
    the scatter of immutable arrays."""
    out = xp.reshape(value, tuple(count for _, count, _ in windows))
    dev = out.device

    def zeros(cur: list[int], axis: int, n: int) -> Any:
        return xp.zeros((*cur[:axis], n, *cur[axis + 1 :]), dtype=out.dtype, device=dev)

    for axis, ((start, count, step), size) in enumerate(zip(windows, shape)):
        cur = list(out.shape)
        if count > 1 and step > 1:
            # step - 1 zero slices after each entry, then cut the trailing ones
            spread = xp.reshape(out, (*cur[: axis + 1], 1, *cur[axis + 1 :]))
            pad = xp.zeros(
                (*cur[: axis + 1], step - 1, *cur[axis + 1 :]), dtype=out.dtype, device=dev
            )
            joined = xp.reshape(
                xp.concat((spread, pad), axis=axis + 1),
                (*cur[:axis], count * step, *cur[axis + 1 :]),
            )
            out = joined[(slice(None),) * axis + (slice(0, (count - 1) * step + 1),)]
            cur = list(out.shape)
        parts = [zeros(cur, axis, start)] if start else []
        parts.append(out)
        if size - start - cur[axis] > 0:
            parts.append(zeros(cur, axis, size - start - cur[axis]))
        out = xp.concat(tuple(parts), axis=axis) if len(parts) > 1 else out
    return out


def _diagonal(xp: Any, x: Any, equation: str, dtype: Any = None) -> Any:
    """``einsum(equation, x)`` for one operand (diagonals, sums, a permutation) from
    permute_dims/reshape/slicing/sum only."""
    labels, out = equation.split("->")
    once = [lab for lab in dict.fromkeys(labels) if labels.count(lab) == 1]
    many = [lab for lab in dict.fromkeys(labels) if labels.count(lab) > 1]
    order = [k for lab in once for k in range(len(labels)) if labels[k] == lab]
    for lab in many:
        order += [k for k in range(len(labels)) if labels[k] == lab]
    y = xp.permute_dims(x, tuple(order))
    sizes = [x.shape[labels.index(lab)] for lab in once]
    index: list[slice] = [slice(None)] * len(once)
    for lab in many:
        n, k = x.shape[labels.index(lab)], labels.count(lab)
        sizes.append(n**k)
        stride = sum(n**j for j in range(k))
        index.append(slice(0, n**k, stride) if n else slice(0, 0, 1))
    y = xp.reshape(y, tuple(sizes))[tuple(index)]
    have = once + many
    drop = tuple(k for k, lab in enumerate(have) if lab not in out)
    if drop:
        y = xp.sum(y, axis=drop, dtype=dtype if dtype is not None else y.dtype)
        have = [lab for lab in have if lab in out]
    perm = tuple(have.index(lab) for lab in out)
    return xp.permute_dims(y, perm) if perm != tuple(range(len(perm))) else y


class _Emitter:
    def __init__(self, plan: Plan, xp_name: str, xp: ModuleType) -> None:
        self.plan = plan
        self.xp_name = xp_name
        self.xp = xp
        self.immutable = xp_name.removeprefix("array_api_compat.").startswith(_IMMUTABLE)
        self.promotion: Promotion = "none"  # the current step's (``Step.promotion``)
        # the dtype of every named buffer, for the casts NumPy's mixed-kind promotion implies
        # (the standard only promotes within a kind: float64 * int64 is an error there)
        self.dtypes: dict[str, np.dtype] = {
            name: dtype for name, (_, dtype) in zip(plan.inputs, plan.input_types, strict=True)
        }
        for cname, value in plan.constants:
            if not isinstance(value, np.dtype):
                self.dtypes[cname] = np.asarray(value).dtype
        for step in plan.steps:
            for st in step.statements:  # the dtypes the lowering records (steps' results)
                if isinstance(st, (Assign, Store)) and st.dtype is not None:
                    self.dtypes.setdefault(st.target, st.dtype)
        # every name's dtype the plan records, loop and branch bodies included (the operand
        # dtypes of an elementwise call, which the standard promotes only within a kind)
        self.recorded: dict[str, np.dtype] = dict(self.dtypes)
        self.record(plan.steps)
        self.cast_to: np.dtype | None = None  # cast every buffer read to this (contractions)
        self.step_dtype: np.dtype | None = None  # the recorded dtype of the step's result
        self.casts: dict[str, Any] = {}  # dtype globals the casts name
        # a cast names the plan's own dtype constant where it has one (one binding a dtype)
        self.dtype_names: dict[np.dtype, str] = {
            np.dtype(value): _ident(cname)
            for cname, value in plan.constants
            if isinstance(value, np.dtype)
        }

    def record(self, steps: Sequence[Step]) -> None:
        """Note in ``recorded`` the dtypes of the names ``steps`` bind (where known)."""
        known = self.recorded
        for step in steps:
            for st in step.statements:
                if isinstance(st, (Assign, Store)) and st.dtype is not None:
                    known[st.target] = st.dtype
                elif isinstance(st, Loop):
                    for name, value in st.init:
                        self.note(name, self.expr_dtype(value, known))
                    for name, src, _ in st.slices:
                        self.note(name, known.get(src))
                    if st.index:  # the step counter as a 0-d array, as the body graph has it
                        self.note(st.index, np.dtype(np.int64))
                    self.record(st.body)
                elif isinstance(st, If):
                    for br in st.branches:
                        for name, value in br.init:
                            self.note(name, self.expr_dtype(value, known))
                        self.record(br.body)
                if isinstance(st, (Loop, If)):
                    for name, _, dtype in st.outs:
                        known[name] = np.dtype(dtype)

    def note(self, name: str, dtype: np.dtype | None) -> None:
        if dtype is not None:
            self.recorded[name] = dtype

    def cast(self, text: str, dtype: np.dtype) -> str:
        name = self.dtype_names.get(np.dtype(dtype))
        if name is None:
            name = f"_dt_{np.dtype(dtype).name}"
            self.casts[name] = _dtype_global(np.dtype(dtype), self.xp, self.xp_name)
        return f"{self.fn('astype')}({text}, {name})"

    # -- validated pieces ------------------------------------------------------------------

    def fn(self, name: str, numpy_name: str | None = None) -> str:
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"refusing to emit {name!r}: not a function name")
        if not callable(getattr(self.xp, name, None)):
            raise _refuse(numpy_name or name, self.xp_name)
        return f"{XP}.{name}"

    def expr(self, e: Expr) -> str:
        if isinstance(e, Ref):
            have = self.dtypes.get(e.name)
            if self.cast_to is not None and have is not None and have != self.cast_to:
                return self.cast(_ident(e.name), self.cast_to)
            return _ident(e.name)
        if isinstance(e, Lit):
            return _literal(e.value)
        fmt = getattr(self, f"op_{e.op}", None)
        if fmt is None:
            raise _refuse(e.op, self.xp_name)
        text: str = fmt(e)
        return text

    def args(self, c: Call) -> str:
        return ", ".join(self.expr(a) for a in c.args)

    def kw(self, c: Call, key: str) -> str:
        value = c.kwarg(key)
        return "" if value is None else f", {key}={self.expr(value)}"

    # -- operations -------------------------------------------------------------------------

    def op_transpose(self, c: Call) -> str:
        return f"{self.fn('permute_dims')}({self.expr(c.args[0])}, {_tuple(c.attr('perm'))})"

    def op_reshape(self, c: Call) -> str:
        return f"{self.fn('reshape')}({self.expr(c.args[0])}, {_tuple(c.attr('shape'))})"

    def op_matmul(self, c: Call) -> str:
        return f"{self.fn('matmul')}({self.args(c)})"

    def op_multiply(self, c: Call) -> str:
        mul = self.fn("multiply")
        text = self.expr(c.args[0])
        for a in c.args[1:]:
            text = f"{mul}({text}, {self.expr(a)})"
        return text

    def op_einsum(self, c: Call) -> str:
        eq = c.attr("equation")
        if not isinstance(eq, str) or not _EQUATION.match(eq) or "," in eq:
            raise _refuse("einsum", self.xp_name)
        for name in ("permute_dims", "reshape", "sum"):
            self.fn(name, "einsum")
        dtype = c.kwarg("dtype")
        extra = "" if dtype is None else f", {self.expr(dtype)}"
        return f"_diagonal({XP}, {self.expr(c.args[0])}, '{eq}'{extra})"

    def op_sum(self, c: Call) -> str:
        x = self.expr(c.args[0])
        return f"{self.fn('sum')}({x}, axis={_axis(c.attr('axis'))}{self.kw(c, 'dtype')})"

    def op_dtype_of(self, c: Call) -> str:
        return f"({self.expr(c.args[0])}).dtype"

    def op_result_type(self, c: Call) -> str:
        return f"{self.fn('result_type')}({self.args(c)})"

    def op_ufunc(self, c: Call) -> str:
        fn = c.attr("fn")
        args = [self.expr(a) for a in c.args]  # ``out=`` hints are dropped
        if self.promotion == "operands":
            args = self.promoted(fn, c, args)
        # the spelling is the function's record's: a standard function or a composition
        rec = ELEMENTWISE_REGISTRY.get(fn)
        if rec is None or rec.array_api is None:
            raise _refuse(fn, self.xp_name)
        if isinstance(rec.array_api, tuple):
            return self.composed(rec.array_api, fn, args)
        return f"{self.fn(rec.array_api, fn)}({', '.join(args)})"

    def composed(self, formula: Formula, fn: str, args: list[str]) -> str:
        """A record's composition of the standard's functions, on the operand texts."""
        name, *parts = formula
        texts = [
            self.composed(p, fn, args)
            if isinstance(p, tuple)
            else args[p]
            if isinstance(p, int)
            else _literal(p)
            for p in parts
        ]
        return f"{self.fn(name, fn)}({', '.join(texts)})"

    def promoted(self, fn: str, c: Call, args: list[str]) -> list[str]:
        """The operands cast to the dtype NumPy computes ``fn`` in: the result's, or for a
        comparison the operands' common dtype (Python scalars stay weak); dtypes as the
        plan records them."""
        arrays = [k for k, a in enumerate(c.args) if not isinstance(a, Lit)]
        if fn == "where":
            arrays = [k for k in arrays if k]
        target = self.step_dtype
        dtypes = {k: self.expr_dtype(c.args[k], self.recorded) for k in arrays}
        if target is None or any(d is None for d in dtypes.values()):
            raise PlanError(f"the plan records no dtype for {fn} or an operand of it")
        if target == np.bool_:
            operands = [dtypes[k] for k in arrays]
            scalars = [a.value for a in c.args if isinstance(a, Lit)]
            target = np.result_type(*operands, *scalars) if operands else target
        out = list(args)
        for k in arrays:
            have = dtypes[k]
            assert have is not None
            if have == target or (have.kind == "c" and target.kind != "c"):
                continue  # real/imag/abs of complex keep their operand
            out[k] = self.cast(args[k], target)
        return out

    @staticmethod
    def expr_dtype(e: Expr, known: dict[str, np.dtype]) -> np.dtype | None:
        """The dtype of a buffer, or of a view of one, as ``known`` records it."""
        if isinstance(e, Ref):
            return known.get(e.name)
        if isinstance(e, Call) and e.op in ("transpose", "reshape", "broadcast_to", "getitem"):
            return _Emitter.expr_dtype(e.args[0], known)
        return None

    def op_reduce(self, c: Call) -> str:
        fn = c.attr("fn")
        if fn not in _REDUCERS:
            raise _refuse(fn, self.xp_name)
        axis = _axis(c.attr("axis"))
        return f"{self.fn(_REDUCERS[fn], fn)}({self.args(c)}, axis={axis})"

    def op_broadcast_to(self, c: Call) -> str:
        return f"{self.fn('broadcast_to')}({self.args(c)}, {_tuple(c.attr('shape'))})"

    def op_astype(self, c: Call) -> str:
        return f"{self.fn('astype')}({self.expr(c.args[0])}, {self.expr(c.args[1])})"

    def op_getitem(self, c: Call) -> str:
        index, flips = index_text(c.attr("items"), c.attr("shape"))
        text = f"({self.expr(c.args[0])})[{index}]"
        return f"{self.fn('flip')}({text}, axis={_tuple(flips)})" if flips else text

    def op_windows(self, c: Call) -> str:
        # no strided views in the standard: the entry at each window offset is one strided
        # slice, stacked on a last axis and split into the window's axes
        shape = tuple(c.attr("shape"))
        p = WindowParams(c.attr("axes"), c.attr("sizes"), c.attr("strides"), c.attr("dilations"))
        x = self.expr(c.args[0])
        parts = []
        for offset in p.offsets():
            index, _ = index_text(window_items(p, shape, offset), shape)
            parts.append(f"({x})[{index}]")
        stacked = f"{self.fn('stack', 'windows')}(({', '.join(parts)},), axis=-1)"
        return f"{self.fn('reshape', 'windows')}({stacked}, {_tuple(windowed_shape(p, shape))})"

    def op_zeros(self, c: Call) -> str:
        return f"{self.fn('zeros')}({_tuple(c.attr('shape'))}{self.kw(c, 'dtype')}, device=_dev)"

    def op_concatenate(self, c: Call) -> str:
        return f"{self.fn('concat')}(({self.args(c)},), axis={_int(c.attr('axis'))})"

    def op_asarray(self, c: Call) -> str:
        return f"{self.fn('asarray')}({self.args(c)}{self.kw(c, 'dtype')}, device=_dev)"

    def op_copy(self, c: Call) -> str:
        return f"{self.fn('asarray')}({self.args(c)}, copy=True)"

    def with_axis(self, fn: str, c: Call, flag: str | None = None) -> str:
        """The standard's ``fn`` (by NumPy name, ``_ORDERING``) on the operands, with the
        call's ``axis`` and bool attribute ``flag`` as keywords where it sets them."""
        axis = c.attr("axis")
        kw = "" if axis is None else f", axis={_int(axis)}"
        if flag is not None and c.attr(flag) is not None:
            kw += f", {flag}={bool(c.attr(flag))!r}"
        return f"{self.fn(_ORDERING[fn], fn)}({self.args(c)}{kw})"

    def op_flip(self, c: Call) -> str:
        return self.with_axis("flip", c)

    def op_sort(self, c: Call) -> str:
        return self.with_axis("sort", c)

    def op_argsort(self, c: Call) -> str:
        return self.with_axis("argsort", c, "stable")

    def op_argselect(self, c: Call) -> str:
        # the standard has no partition: a stable sort (descending keeps ties in order), cut
        axis, k = _int(c.attr("axis")), _int(c.attr("k"))
        order = f"descending={bool(c.attr('largest'))!r}, stable=True"
        window = ":, " * int(axis) + f"0:{k}, ..."
        return f"{self.fn('argsort', 'argsort')}({self.args(c)}, axis={axis}, {order})[{window}]"

    def op_take(self, c: Call) -> str:
        return self.with_axis("take", c)

    def op_take_along_axis(self, c: Call) -> str:
        return self.with_axis("take_along_axis", c)

    def op_cumulative(self, c: Call) -> str:
        return self.with_axis(c.attr("fn"), c)

    def op_linalg(self, c: Call) -> str:
        fn = c.attr("fn")
        ext = getattr(self.xp, "linalg", None)
        if fn == "cholesky_inverse" and callable(getattr(ext, "inv", None)):
            # (L L^T)^-1 from the lower triangle of the factor, by the extension's inv
            low = f"{self.fn('tril', 'linalg')}({self.args(c)})"
            mt, mm = self.fn("matrix_transpose", "linalg"), self.fn("matmul", "linalg")
            return f"(lambda _l: {XP}.linalg.inv({mm}(_l, {mt}(_l))))({low})"
        if fn == "solve_triangular" and callable(getattr(ext, "solve", None)):
            return f"{XP}.linalg.solve({self.args(c)})"  # the standard has no triangular solve
        if fn not in LINALG or not callable(getattr(ext, fn, None)):
            raise _refuse(f"linalg.{fn}", self.xp_name)
        keywords = "".join(f", {_ident(k)}={v!r}" for k, v in c.attr("keywords", ()) if _flag(v))
        text = f"{XP}.linalg.{fn}({self.args(c)}{keywords})"
        pack = c.attr("pack", -1)
        if pack < 0:
            return text
        reshape, concat = self.fn("reshape", "linalg"), self.fn("concat", "linalg")
        sizes = _tuple(c.attr("sizes"))
        lead = f"_tuple(_r.shape[:{_int(pack)}]) + (_k,)"
        return f"{concat}([{reshape}(_r, {lead}) for _r, _k in _zip({text}, {sizes})], axis=-1)"

    # -- statements -------------------------------------------------------------------------

    def statement(self, st: Statement, previous: Statement | None) -> str:
        if isinstance(st, Loop):
            self.fn("asarray")
            self.fn("stack")
            self.fn("any")
            saved = self.promotion, self.cast_to
            lines = loop_lines(st, self.body_lines, self.expr, XP)
            self.promotion, self.cast_to = saved
            return "\n".join(lines)
        if isinstance(st, If):
            saved = self.promotion, self.cast_to
            lines = if_lines(st, self.branch_lines, self.expr)
            self.promotion, self.cast_to = saved
            return "\n".join(lines)
        if isinstance(st, Assign):
            return f"{_ident(st.target)} = {self.expr(st.value)}"
        if isinstance(st, Store):
            index, flips = index_text(st.items, st.shape)
            value = self.expr(st.value)
            if flips:
                value = f"{self.fn('flip')}({value}, axis={_tuple(flips)})"
            if not self.immutable and any(item[0] == "new" for item in st.items):
                # the standard allows no ``None`` in an assignment's index: the window is
                # written without the new axes, the value broadcast and reshaped to it
                index, _ = index_text([it for it in st.items if it[0] != "new"], st.shape)
                full, bare = view_shapes(st.items, st.shape)
                value = f"{self.fn('broadcast_to')}({value}, {_tuple(full)})"
                value = f"{self.fn('reshape')}({value}, {_tuple(bare)})"
            if not self.immutable:
                return f"{_ident(st.target)}[{index}] = {value}"
            if not _is_zeros(previous, st.target):
                raise _refuse("Store", self.xp_name)
            for name in ("reshape", "concat", "zeros"):
                self.fn(name, "scatter")
            windows = place_args(st.items, st.shape)
            return f"{_ident(st.target)} = _place({XP}, {value}, {_tuple(st.shape)}, {windows})"
        if isinstance(st, Scatter):
            raise _refuse("Scatter", self.xp_name)
        raise ValueError(f"unknown plan statement {st!r}")

    def body_lines(self, step: Step) -> list[str]:
        """A loop body's step, unindented."""
        return [line.removeprefix("    ") for line in self.step_lines(0, step, {})]

    def branch_lines(
        self, k: int, step: Step, drop: dict[tuple[int, int], tuple[str, ...]]
    ) -> list[str]:
        """Step ``k`` of an ``If`` branch, unindented, dropping its dead temporaries."""
        return [line.removeprefix("    ") for line in self.step_lines(k, step, drop)]

    def step_lines(
        self, k: int, step: Step, drop: dict[tuple[int, int], tuple[str, ...]]
    ) -> list[str]:
        lines: list[str] = []
        self.promotion = step.promotion
        self.step_dtype = result_dtype(step)
        self.cast_to = self.step_dtype if step.promotion == "result" else None
        sts = step.statements
        for j, st in enumerate(sts):
            following = sts[j + 1] if j + 1 < len(sts) else None
            if self.immutable and isinstance(following, Store) and _is_zeros(st, following.target):
                continue  # ``_place`` builds the zeros around the window
            text = self.statement(st, sts[j - 1] if j else None)
            lines.extend(f"    {line}" for line in text.split("\n"))
            dead = drop.get((k, j))
            if dead:
                lines.append(f"    del {', '.join(_ident(n) for n in dead)}")
        return lines


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"refusing to emit linalg keyword {value!r}: not a bool")
    return True


def _is_zeros(st: Statement | None, target: str) -> bool:
    return (
        isinstance(st, Assign)
        and st.target == target
        and isinstance(st.value, Call)
        and st.value.op == "zeros"
    )


def _picked(start: int, stop: int, step: int, size: int) -> range:
    """The entries a plan slice item selects (a negative stop with a negative step runs to
    the beginning, as the NumPy emitter prints it)."""
    return range(*slice(start, None if step < 0 and stop < 0 else stop, step).indices(size))


def index_text(
    items: Sequence[tuple[Any, ...]], shape: Sequence[int]
) -> tuple[str, tuple[int, ...]]:
    """Standard basic-index source for plan index items on an array of ``shape``, with
    positive steps only (PyTorch has no negative ones): a negative-step slice becomes the
    same entries in increasing order plus a ``flip`` of that result axis, returned too."""
    parts = []
    flips = []
    dim = 0
    out_axis = 0
    for item in items:
        if item[0] == "new":
            parts.append("None")
            out_axis += 1
            continue
        size = shape[dim]
        dim += 1
        if item[0] == "int":
            parts.append(_int(item[1]))
            continue
        _, start, stop, step = item
        picked = _picked(start, stop, step, size)
        if step < 0 and len(picked) > 1:
            flips.append(out_axis)
            picked = picked[::-1]
        if len(picked) == 0:
            parts.append("0:0")
        elif picked.start == 0 and picked.stop >= size and picked.step == 1:
            parts.append(":")
        else:
            step_txt = "" if len(picked) == 1 or picked.step == 1 else f":{_int(picked.step)}"
            last = picked.start + picked.step * (len(picked) - 1)
            parts.append(f"{_int(picked.start)}:{_int(last + 1)}{step_txt}")
        out_axis += 1
    return ", ".join(parts) + ("," if len(parts) == 1 else ""), tuple(flips)


def view_shapes(
    items: Sequence[tuple[Any, ...]], shape: Sequence[int]
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The shape of ``x[items]`` for ``x`` of ``shape``, with and without the new axes."""
    sizes = iter(shape)
    full: list[int] = []
    bare: list[int] = []
    for item in items:
        if item[0] == "new":
            full.append(1)
        elif item[0] == "int":
            next(sizes)  # an int index drops its axis
        else:
            n = len(_picked(item[1], item[2], item[3], next(sizes)))
            full.append(n)
            bare.append(n)
    rest = tuple(sizes)
    return (*full, *rest), (*bare, *rest)


def place_args(items: Sequence[tuple[Any, ...]], shape: Sequence[int]) -> str:
    """Source of ``_place``'s windows for a ``Store`` of ``items`` into ``shape`` (the value
    flipped as ``index_text`` says)."""
    windows = []
    dim = 0
    for item in items:
        if item[0] == "new":
            continue
        size = shape[dim]
        dim += 1
        if item[0] == "int":
            windows.append((int(item[1]) % size, 1, 1))
            continue
        _, start, stop, step = item
        picked = _picked(start, stop, step, size)
        if step < 0:
            picked = picked[::-1]
        first = picked.start if len(picked) else 0
        windows.append((first, len(picked), picked.step if len(picked) > 1 else 1))
    return "(" + "".join(f"({_int(a)}, {_int(b)}, {_int(c)}), " for a, b, c in windows) + ")"


def _dtype_global(value: np.dtype, xp: ModuleType, xp_name: str) -> Any:
    name = np.dtype(value).name
    found = getattr(xp, name, None) if name in DTYPES else None
    if found is None:
        raise UnsupportedError(f"dtype {name} is not supported on arrays of {xp_name}")
    return found


def emit(plan: Plan, name: str, xp_name: str = "array_api_strict") -> str:
    """The source of one Python function computing ``plan`` on ``xp_name``'s arrays."""
    xp = sys.modules.get(xp_name)
    if xp is None:
        raise UnsupportedError(f"the array namespace {xp_name} is not imported")
    return _emit(plan, name, xp_name, xp)[0]


def _emit(plan: Plan, name: str, xp_name: str, xp: ModuleType) -> tuple[str, dict[str, Any]]:
    em = _Emitter(plan, xp_name, xp)
    fname = function_name(name)
    inputs = [_ident(i) for i in plan.inputs]
    lines = [f"def {fname}({', '.join(inputs)}):"]
    lines.append(f"    _dev = {inputs[0]}.device" if inputs else "    _dev = None")
    for cname, value in plan.constants:
        if not isinstance(value, np.dtype):  # arrays move to the arguments' device per call
            lines.append(
                f"    {_ident(cname)} = {em.fn('asarray')}(_k_{_ident(cname)}, device=_dev)"
            )
    drop = releases(plan)  # temporaries die after their last reader, as memory.py counts
    for k, step in enumerate(plan.steps):
        if not step.statements:
            continue
        lines.append(f"    # %{step.index}: {comment_text(step.comment)}")
        lines.extend(em.step_lines(k, step, drop))
    outs = [_ident(o) for o in plan.outputs]
    lines.append(f"    return {outs[0]}" if len(outs) == 1 else f"    return ({', '.join(outs)})")
    return "\n".join(lines) + "\n", em.casts


def build(
    plan: Plan, name: str, xp_name: str = "array_api_strict"
) -> tuple[str, Callable[..., Any]]:
    """Generate and compile ``plan`` for the namespace module ``xp_name``; returns (source,
    function). Refuses (``UnsupportedError``) what the standard cannot express."""
    source, namespace = bindings(plan, name, xp_name)
    return source, compile_source(source, function_name(name), namespace)


def bindings(plan: Plan, name: str, xp_name: str) -> tuple[str, dict[str, Any]]:
    """(source of ``plan``'s function, the globals it needs: ``_xp``, the helpers, the
    builtins, dtype objects of ``xp_name`` and ``_k_``-prefixed NumPy constants)."""
    xp = sys.modules.get(xp_name)
    if xp is None:
        raise UnsupportedError(f"the array namespace {xp_name} is not imported")
    source, casts = _emit(plan, name, xp_name, xp)
    namespace: dict[str, Any] = {XP: xp, "_diagonal": _diagonal, "_place": _place, **BUILTINS}
    namespace.update(casts)
    for cname, value in plan.constants:
        if isinstance(value, np.dtype):
            namespace[_ident(cname)] = _dtype_global(value, xp, xp_name)
        else:
            arr = np.asarray(value)
            _dtype_global(arr.dtype, xp, xp_name)
            namespace[f"_k_{_ident(cname)}"] = arr
    return source, namespace


assert set(OPS) == {n.removeprefix("op_") for n in dir(_Emitter) if n.startswith("op_")} | set(
    k for k in REFUSED if k in OPS
), "every plan operation needs a spelling or a refusal"
