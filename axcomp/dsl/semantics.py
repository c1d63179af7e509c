"""Static checks on a parsed module: names, the Einstein convention, arities, cycles.

Nothing here touches arrays. The result is the order in which names can be built.
"""

from __future__ import annotations

import inspect
import keyword
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import ast
from .errors import DslCallError, DslError, DslIndexError, DslNameError, error
from .prelude import (
    API_AXIS_FUNCTIONS,
    AXIS_FUNCTIONS,
    AXIS_INDEX,
    COLLECTIVES,
    CORE_REDUCTIONS,
    FUNCTIONS,
    REDUCTIONS,
    RESERVED,
    TRANSFORMS,
    WINDOW_FUNCTIONS,
    WINDOW_PADDINGS,
    WindowFunction,
)
from .source import Pos, Source
from .suggest import did_you_mean


@dataclass(frozen=True)
class Analysis:
    """Every module name mapped to its statement, in an order where dependencies come first."""

    statements: Mapping[str, ast.Statement]
    order: tuple[str, ...]


def python_arity(fun: Any) -> int | None:
    """How many positional arguments a Python callable takes, when that is fixed."""
    try:
        params = inspect.signature(fun).parameters.values()
    except (TypeError, ValueError):
        return None
    kinds = [p.kind for p in params]
    if inspect.Parameter.VAR_POSITIONAL in kinds:
        return None
    return sum(
        1
        for p in params
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    )


def analyse(statements: tuple[ast.Statement, ...], registry: Mapping[str, Any]) -> Analysis:
    defs: dict[str, ast.Statement] = {}
    for st in statements:
        _check_binding_name(st, defs, registry)
        defs[st.name] = st
    arity = Arities(defs, registry)
    deps: dict[str, list[tuple[str, Pos]]] = {}
    for name, st in defs.items():
        if isinstance(st, ast.KernelDef):
            deps[name] = KernelChecker(st, arity).check()
        else:
            deps[name] = _value_refs(st.value, st.origin, arity)
    order = _topological(defs, deps)
    return Analysis(defs, order)


def _check_binding_name(
    st: ast.Statement, defs: Mapping[str, ast.Statement], registry: Mapping[str, Any]
) -> None:
    src = st.origin
    if st.name in RESERVED:
        raise error(
            DslNameError,
            f"{st.name!r} is a built-in name and cannot be bound",
            src,
            st.pos,
            f"pick another name, e.g. {st.name}_",
        )
    if st.name in defs:
        first = defs[st.name]
        raise error(
            DslNameError,
            f"{st.name!r} is bound twice (first at {first.origin.name} "
            f"line {first.pos.line}, column {first.pos.column})",
            src,
            st.pos,
            "a module binds each name once; rename one of them",
        )
    if st.name in registry:
        raise error(
            DslNameError,
            f"{st.name!r} is already given by kernels=",
            src,
            st.pos,
            "rename it, or drop it from the kernels= registry",
        )


class Arities:
    """Positional arity of every callable name (None when it cannot be known statically)."""

    def __init__(self, defs: Mapping[str, ast.Statement], registry: Mapping[str, Any]) -> None:
        self.defs = defs
        self.registry = registry
        self._busy: set[str] = set()  # a cycle is reported later, by _topological

    def known(self, name: str) -> bool:
        return name in self.defs or name in self.registry

    def names(self) -> list[str]:
        return [*self.defs, *self.registry]

    def of(self, name: str) -> int | None:
        if name in self.registry:
            return python_arity(self.registry[name])
        st = self.defs.get(name)
        if st is None or name in self._busy:
            return None
        if isinstance(st, ast.KernelDef):
            return len(st.params)
        self._busy.add(name)
        try:
            return self.of_value(st.value)
        finally:
            self._busy.discard(name)

    def of_value(self, value: ast.Value) -> int | None:
        while isinstance(value, ast.TransformCall):
            if not value.args or value.args[0].keyword is not None:
                return None
            value = value.args[0].value
        return self.of(value.name) if isinstance(value, ast.FunctionRef) else None


def _value_refs(value: ast.Value, src: Source, arity: Arities) -> list[tuple[str, Pos]]:
    """Names a transform expression refers to (each must exist)."""
    refs: list[tuple[str, Pos]] = []
    stack: list[Any] = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, ast.FunctionRef):
            if not arity.known(v.name):
                raise error(
                    DslNameError,
                    f"unknown name {v.name!r}",
                    src,
                    v.pos,
                    did_you_mean(v.name, arity.names(), "define it first, or pass it in kernels="),
                )
            refs.append((v.name, v.pos))
        elif isinstance(v, ast.TransformCall):
            if v.name not in TRANSFORMS:
                what = "a kernel" if arity.known(v.name) else "not a transform"
                raise error(
                    DslNameError,
                    f"{v.name!r} is {what}; a binding can only apply "
                    "vmap, jit, grad or value_and_grad",
                    src,
                    v.pos,
                    did_you_mean(
                        v.name,
                        TRANSFORMS,
                        "to call kernels, write a kernel: kernel g(x[n]) -> [n] = f(x)[n]",
                    ),
                )
            stack.extend(a.value for a in v.args)
        elif isinstance(v, ast.Container):
            for item in v.items:
                stack.extend(item if isinstance(item, tuple) else (item,))
    return refs


def _topological(
    defs: Mapping[str, ast.Statement], deps: Mapping[str, list[tuple[str, Pos]]]
) -> tuple[str, ...]:
    """Dependencies first; a cycle of calls is an error at the reference that closes it."""
    order: list[str] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for root in defs:
        if state.get(root):
            continue
        path: list[str] = [root]
        iters = [iter(deps.get(root, []))]
        state[root] = 1
        while iters:
            step = next(iters[-1], None)
            if step is None:
                iters.pop()
                done = path.pop()
                state[done] = 2
                order.append(done)
                continue
            name, pos = step
            if name not in defs:
                continue  # a kernels= registry entry
            if state.get(name) == 1:
                cycle = [*path[path.index(name) :], name]
                st = defs[path[-1]]
                raise error(
                    DslNameError,
                    "a cycle of calls: " + " -> ".join(cycle),
                    st.origin,
                    pos,
                    "kernels and bindings cannot call themselves, directly or through others",
                )
            if not state.get(name):
                state[name] = 1
                path.append(name)
                iters.append(iter(deps.get(name, [])))
    return tuple(order)


# ---------------------------------------------------------------- kernels


def is_monomial(expr: ast.Expr) -> bool:
    """A pure product of indexed operands (and scalars): the Einstein convention applies."""
    stack = [expr]
    while stack:
        e = stack.pop()
        if isinstance(e, ast.Negate):
            stack.append(e.operand)
        elif isinstance(e, ast.Binary) and e.op == "*":
            stack.extend((e.left, e.right))
        elif isinstance(e, ast.Call):
            if e.name in FUNCTIONS:
                return False
        elif not isinstance(e, (ast.Indexed, ast.Ref, ast.Number)):
            return False
    return True


Free = dict[str, ast.Label]  # free index name → its first occurrence (ordered)


class KernelChecker:
    """Checks one kernel; ``check`` returns the (name, position) of every function it calls."""

    def __init__(self, kdef: ast.KernelDef, arity: Arities) -> None:
        self.kdef = kdef
        self.src = kdef.origin
        self.arity = arity
        self.params = {p.name: p for p in kdef.params}
        self.calls: list[tuple[str, Pos]] = []

    def fail(self, cls: type[DslError], message: str, pos: Pos, hint: str) -> DslError:
        return error(cls, message, self.src, pos, hint)

    def check(self) -> list[tuple[str, Pos]]:
        k = self.kdef
        seen: set[str] = set()
        for p in k.params:
            if p.name in seen:
                raise self.fail(
                    DslNameError,
                    f"parameter {p.name!r} is declared twice",
                    p.pos,
                    "give each parameter its own name",
                )
            if p.name in RESERVED:
                raise self.fail(
                    DslNameError,
                    f"parameter name {p.name!r} is a built-in name",
                    p.pos,
                    f"rename it, e.g. {p.name}_",
                )
            if keyword.iskeyword(p.name):  # the kernel's Python signature takes this name
                raise self.fail(
                    DslNameError,
                    f"parameter name {p.name!r} is a Python keyword",
                    p.pos,
                    f"rename it, e.g. {p.name}_ (a kernel's parameters are Python parameters)",
                )
            seen.add(p.name)
        _distinct(k.output, self.src, "output")
        free = self.free(k.body)
        summed_somewhere = _all_labels(k.body)
        for lab in k.output:
            if lab.name not in free:
                if lab.name in summed_somewhere:
                    raise self.fail(
                        DslIndexError,
                        f"output index {lab.name!r} is reduced away in the body",
                        lab.pos,
                        f"remove {lab.name!r} from the output, or from the reduction that binds it",
                    )
                raise self.fail(
                    DslIndexError,
                    f"output index {lab.name!r} appears in no parameter in the body",
                    lab.pos,
                    f"every output index must index an operand in the body, e.g. x[{lab.name}]",
                )
        if not is_monomial(k.body):
            out = {lab.name for lab in k.output}
            for name, lab in free.items():
                if name not in out:
                    shown = ", ".join(o.name for o in k.output)
                    raise self.fail(
                        DslIndexError,
                        f"index {name!r} is neither in the output "
                        f"[{shown}] nor bound by a reduction",
                        lab.pos,
                        f"wrap the expression in sum[{name}](...) (or another "
                        "reduction), or add it to the output",
                    )
        return self.calls

    # free(expr): the free index names of an expression, checking it on the way
    def free(self, e: ast.Expr) -> Free:
        if isinstance(e, ast.Number):
            return {}
        if isinstance(e, ast.Ref):
            self.scalar_ref(e)
            return {}
        if isinstance(e, ast.Indexed):
            return self.indexed(e)
        if isinstance(e, ast.Negate):
            return self.free(e.operand)
        if isinstance(e, ast.Binary):
            out = self.free(e.left)
            for name, lab in self.free(e.right).items():
                out.setdefault(name, lab)
            return out
        if isinstance(e, ast.Reduction):
            return self.reduction(e)
        if isinstance(e, ast.Window):
            return self.window(e)
        return self.call(e)

    def scalar_ref(self, e: ast.Ref) -> None:
        p = self.params.get(e.name)
        if p is not None:
            if p.axes:
                axes = ", ".join(a.name for a in p.axes)
                raise self.fail(
                    DslIndexError,
                    f"{e.name!r} has axes [{axes}] and must be indexed here",
                    e.pos,
                    f"write {e.name}[{axes}]",
                )
            return
        self.not_a_parameter(e.name, e.pos)

    def not_a_parameter(self, name: str, pos: Pos) -> None:
        if name == AXIS_INDEX or name in COLLECTIVES:
            form = "axis_index[b]" if name == AXIS_INDEX else f"{name}[b](...)"
            raise self.fail(
                DslIndexError,
                f"{name} needs the vmap axis names in [...]",
                pos,
                f'write {form} inside vmap(k, axis_name="b")',
            )
        if name in AXIS_FUNCTIONS and not self.arity.known(name):
            raise self.fail(
                DslIndexError,
                f"{name} needs the indices it {_verb(name)}",
                pos,
                f"write {name}[i](expression)",
            )
        if self.arity.known(name) or name in FUNCTIONS:
            raise self.fail(
                DslNameError,
                f"{name!r} is a function, not a parameter",
                pos,
                f"call it: {name}(...)",
            )
        raise self.fail(
            DslNameError,
            f"unknown name {name!r}",
            pos,
            did_you_mean(
                name,
                self.params,
                "kernel bodies can use the kernel's parameters: " + ", ".join(self.params)
                or "(none)",
            ),
        )

    def indexed(self, e: ast.Indexed) -> Free:
        p = self.params.get(e.name)
        if p is None and e.name == AXIS_INDEX:
            self.axis_names(e.labels, AXIS_INDEX, e.pos)
            return {}  # a scalar per example: its labels name vmap axes, not indices
        if p is None:
            if e.name in AXIS_FUNCTIONS or e.name in COLLECTIVES:
                raise self.fail(
                    DslIndexError,
                    f"{e.name}[...] needs an argument",
                    e.pos,
                    f"write {e.name}[i](expression)",
                )
            self.not_a_parameter(e.name, e.pos)
        assert p is not None
        if len(e.labels) != len(p.axes):
            decl = f"{p.name}[{', '.join(a.name for a in p.axes)}]" if p.axes else p.name
            raise self.fail(
                DslIndexError,
                f"{e.name!r} is declared with {len(p.axes)} "
                f"ax{'is' if len(p.axes) == 1 else 'es'} ({decl}) but indexed "
                f"with {len(e.labels)}",
                e.pos,
                f"use one index name per declared axis, as in {decl}",
            )
        return {lab.name: lab for lab in e.labels}

    def axis_names(self, labels: tuple[ast.Label, ...], fn: str, pos: Pos) -> None:
        if not labels:
            raise self.fail(
                DslIndexError,
                f"{fn}[] names no vmap axis",
                pos,
                f"name the axis_name of an enclosing vmap, e.g. {fn}[b](...) inside "
                'vmap(k, axis_name="b")',
            )
        _distinct(labels, self.src, fn)

    def collective(self, e: ast.Reduction) -> Free:
        self.axis_names(e.labels, e.fn, e.pos)
        inner = self.free(e.body)
        for lab in e.labels:
            if lab.name in inner:
                raise self.fail(
                    DslIndexError,
                    f"{e.fn}[{lab.name}] names a vmap axis, but {lab.name!r} is also an index "
                    "of its argument",
                    lab.pos,
                    f"{e.fn} reduces over the examples of vmap(..., axis_name={lab.name!r}); "
                    f"to reduce the index write sum[{lab.name}](...), or rename the index",
                )
        return inner  # the same value for every example: the indices stay

    def reduction(self, e: ast.Reduction) -> Free:
        if e.fn in COLLECTIVES:
            return self.collective(e)
        if e.fn not in AXIS_FUNCTIONS:
            if e.fn in FUNCTIONS:
                raise self.fail(
                    DslNameError,
                    f"{e.fn!r} is not a reduction",
                    e.pos,
                    f"write {e.fn}(...) without [...]",
                )
            raise self.fail(
                DslNameError,
                f"unknown reduction {e.fn!r}",
                e.pos,
                did_you_mean(
                    e.fn,
                    AXIS_FUNCTIONS,
                    "reductions, normalisations and scans: " + ", ".join(sorted(AXIS_FUNCTIONS)),
                ),
            )
        if not e.labels:
            raise self.fail(
                DslIndexError,
                f"{e.fn}[] names no index",
                e.pos,
                f"name the indices it {_verb(e.fn)}, e.g. {e.fn}[i](...)",
            )
        _distinct(e.labels, self.src, e.fn)
        form = API_AXIS_FUNCTIONS.get(e.fn)
        if form is not None and form.one_axis and len(e.labels) > 1:
            raise self.fail(
                DslIndexError,
                f"{e.fn} works along one index, but {e.fn}[...] names {len(e.labels)}",
                e.labels[1].pos,
                f"name a single index, e.g. {e.fn}[{e.labels[0].name}](...)",
            )
        inner = self.free(e.body)
        for lab in e.labels:
            if lab.name not in inner:
                has = ", ".join(inner) or "none"
                raise self.fail(
                    DslIndexError,
                    f"{e.fn} over {lab.name!r}, but {lab.name!r} is not an index of its argument",
                    lab.pos,
                    f"the argument's free indices are: {has}",
                )
        if e.fn not in REDUCTIONS:
            return inner  # a normalisation or scan: the result keeps every index
        bound = {lab.name for lab in e.labels}
        return {n: lab for n, lab in inner.items() if n not in bound}

    def window(self, e: ast.Window) -> Free:
        form = WINDOW_FUNCTIONS.get(e.fn)
        if form is None:
            raise self.fail(
                DslNameError,
                f"unknown window function {e.fn!r}",
                e.pos,
                did_you_mean(
                    e.fn,
                    WINDOW_FUNCTIONS,
                    "functions over windows: " + ", ".join(sorted(WINDOW_FUNCTIONS)),
                ),
            )
        if not e.labels:
            raise self.fail(
                DslIndexError,
                f"{e.fn}[] names no index",
                e.pos,
                f"name the indices its windows run along, e.g. {e.fn}[t](...)",
            )
        _distinct(e.labels, self.src, e.fn)
        if len(e.operands) != form.operands:
            want = "an input and a kernel" if form.operands == 2 else "one input"
            raise self.fail(
                DslCallError,
                f"{e.fn} takes {want} ({form.operands} operand"
                f"{'s' if form.operands > 1 else ''}), got {len(e.operands)}",
                e.pos,
                f"write {e.fn}[t](x[t]{', w[t]' if form.operands == 2 else ''}"
                f"{', window=2' if form.required else ''})",
            )
        kernels = [k for k in e.kernels if k is not None]
        if form.operands == 2 and len(kernels) != len(e.labels):
            lab = next(lab for lab, k in zip(e.labels, e.kernels) if k is None)
            raise self.fail(
                DslIndexError,
                f"{e.fn}[{lab.name}] names no kernel index for {lab.name!r}",
                lab.pos,
                f"pair the input's index with the kernel's: {e.fn}[{lab.name}:k](x[{lab.name}], "
                "w[k])",
            )
        if form.operands == 1 and kernels:
            raise self.fail(
                DslIndexError,
                f"{e.fn} has no kernel: {kernels[0].name!r} pairs with nothing",
                kernels[0].pos,
                f"name the indices alone, e.g. {e.fn}[{e.labels[0].name}](...)",
            )
        if kernels:
            _distinct(tuple(kernels), self.src, e.fn)
        out: Free = {}
        for k, operand in enumerate(e.operands):
            inner = self.free(operand)
            which = ("input", "kernel")[k] if form.operands == 2 else "operand"
            mine = e.labels if k == 0 else tuple(kernels)
            other = tuple(kernels) if k == 0 else e.labels
            for lab in mine:
                if lab.name not in inner:
                    has = ", ".join(inner) or "none"
                    raise self.fail(
                        DslIndexError,
                        f"{e.fn} along {lab.name!r}, but {lab.name!r} is not an index of its "
                        f"{which}",
                        lab.pos,
                        f"the {which}'s free indices are: {has}",
                    )
            for lab in other:
                if lab.name in inner:
                    raise self.fail(
                        DslIndexError,
                        f"{lab.name!r} is an index of both the input and the kernel of {e.fn}",
                        lab.pos,
                        "name the kernel's window index apart from the input's: conv[t:k](x[t],"
                        " w[k])",
                    )
            bound = {lab.name for lab in kernels}
            for name, lab in inner.items():
                if name not in bound:
                    out.setdefault(name, lab)
        self.window_options(e, form)
        return out

    def window_options(self, e: ast.Window, form: WindowFunction) -> None:
        seen: set[str] = set()
        n = len(e.labels)
        for opt in e.options:
            if opt.name not in form.options:
                raise self.fail(
                    DslCallError,
                    f"{e.fn} has no option {opt.name!r}",
                    opt.pos,
                    did_you_mean(
                        opt.name, form.options, "its options: " + ", ".join(sorted(form.options))
                    ),
                )
            if opt.name in seen:
                raise self.fail(
                    DslCallError, f"option {opt.name!r} is given twice", opt.pos, "give it once"
                )
            seen.add(opt.name)
            if opt.name == "padding":
                ok = opt.value in WINDOW_PADDINGS or (
                    isinstance(opt.value, tuple)
                    and len(opt.value) == n
                    and all(
                        isinstance(p, tuple) and len(p) == 2 and all(_is_int(v, 0) for v in p)
                        for p in opt.value
                    )
                )
                shape = ", ".join(["(lo, hi)"] * n)
                hint = f'"VALID", "SAME", "SAME_LOWER" or one (lo, hi) pair per index: ({shape},)'
            else:
                ok = _is_int(opt.value, 1) or (
                    isinstance(opt.value, tuple)
                    and len(opt.value) == n
                    and all(_is_int(v, 1) for v in opt.value)
                )
                hint = f"a positive integer, or a tuple of {n} (one per index)"
            if not ok:
                raise self.fail(
                    DslCallError, f"bad {opt.name} for {e.fn}: {opt.value!r}", opt.pos, hint
                )
        missing = sorted(form.required - seen)
        if missing:
            raise self.fail(
                DslCallError,
                f"{e.fn} needs the option {missing[0]}=",
                e.pos,
                f"e.g. {e.fn}[{e.labels[0].name}](..., {missing[0]}=2)",
            )

    def call(self, e: ast.Call) -> Free:
        if e.name in FUNCTIONS:
            want: int | None = FUNCTIONS[e.name]
            if len(e.args) != want:
                raise self.fail(
                    DslCallError,
                    f"{e.name} takes {want} argument"
                    f"{'s' if want != 1 else ''} but got {len(e.args)}",
                    e.pos,
                    f"write {e.name}({', '.join('abc'[:want])})",
                )
            if e.labels is not None:
                raise self.fail(
                    DslIndexError,
                    f"{e.name}(...) keeps its arguments' indices and cannot be indexed",
                    e.pos,
                    "remove the [...] after it",
                )
            out: Free = {}
            for a in e.args:
                for name, lab in self.free(a).items():
                    out.setdefault(name, lab)
            return out
        if e.name in CORE_REDUCTIONS or (
            e.name in API_AXIS_FUNCTIONS
            and not self.arity.known(e.name)
            and e.name not in self.params
        ):
            # the later bracket forms are not reserved: a kernel of that name is called
            raise self.fail(
                DslIndexError,
                f"{e.name} needs the indices it {_verb(e.name)}",
                e.pos,
                f"write {e.name}[i](...)",
            )
        if e.name in COLLECTIVES or e.name == AXIS_INDEX:
            form = f"{e.name}[b](...)" if e.name in COLLECTIVES else f"{e.name}[b]"
            raise self.fail(
                DslIndexError,
                f"{e.name} needs the vmap axis names in [...]",
                e.pos,
                f'write {form} inside vmap(k, axis_name="b")',
            )
        if e.name in self.params:
            raise self.fail(
                DslNameError,
                f"{e.name!r} is a parameter, not a function",
                e.pos,
                f"index it instead: {e.name}[...]",
            )
        if not self.arity.known(e.name):
            raise self.fail(
                DslNameError,
                f"unknown function {e.name!r}",
                e.pos,
                did_you_mean(
                    e.name,
                    [*FUNCTIONS, *self.arity.names()],
                    "define it in the module, or pass it in kernels=",
                ),
            )
        self.calls.append((e.name, e.pos))
        want = self.arity.of(e.name)
        if want is not None and want != len(e.args):
            raise self.fail(
                DslCallError,
                f"{e.name} takes {want} argument"
                f"{'s' if want != 1 else ''} but is called with {len(e.args)}",
                e.pos,
                "pass one whole array per parameter",
            )
        for a in e.args:
            self.call_argument(a)
        return {lab.name: lab for lab in e.labels or ()}

    def call_argument(self, a: ast.Expr) -> None:
        if isinstance(a, ast.Ref) and a.name in self.params:
            return
        if isinstance(a, ast.Number):
            return
        if isinstance(a, ast.Call) and a.labels is None and a.name not in FUNCTIONS:
            self.call(a)
            return
        if isinstance(a, ast.Ref):
            self.not_a_parameter(a.name, a.pos)
        raise self.fail(
            DslCallError,
            "kernel calls take whole arrays",
            _expr_pos(a),
            "pass a parameter by name (f(x), not f(x[i])), a number, or another "
            "call's whole result",
        )


def _verb(name: str) -> str:
    """What ``name[i](...)`` does with its indices, for messages."""
    form = API_AXIS_FUNCTIONS.get(name)
    if form is None or not form.keeps:
        return "reduces"
    return "accumulates along" if form.one_axis else "normalises over"


def _expr_pos(e: ast.Expr) -> Pos:
    return e.pos


def _distinct(labels: tuple[ast.Label, ...], src: Source, what: str) -> None:
    seen: set[str] = set()
    for lab in labels:
        if lab.name in seen:
            raise error(
                DslIndexError,
                f"index {lab.name!r} appears twice in {what}[...]",
                src,
                lab.pos,
                "each index name may appear once here",
            )
        seen.add(lab.name)


def _all_labels(e: ast.Expr) -> set[str]:
    out: set[str] = set()
    stack: list[Any] = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, (ast.Indexed, ast.Reduction)) and not _names_axes(x):
            out.update(lab.name for lab in x.labels)
        if isinstance(x, ast.Call):
            out.update(lab.name for lab in x.labels or ())
            stack.extend(x.args)
        elif isinstance(x, ast.Window):
            out.update(lab.name for lab in x.labels)
            stack.extend(x.operands)
        elif isinstance(x, ast.Reduction):
            stack.append(x.body)
        elif isinstance(x, ast.Negate):
            stack.append(x.operand)
        elif isinstance(x, ast.Binary):
            stack.extend((x.left, x.right))
    return out


def _is_int(value: Any, least: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def _names_axes(x: ast.Indexed | ast.Reduction) -> bool:
    """Whether ``x``'s labels are vmap axis names (a collective, ``axis_index``)."""
    if isinstance(x, ast.Reduction):
        return x.fn in COLLECTIVES
    return x.name == AXIS_INDEX
