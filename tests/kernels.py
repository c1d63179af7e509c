"""Hypothesis strategies for random per-example kernels and random nested vmap specs.

A kernel is drawn as *data* (:class:`KernelDesc`): a straight-line SSA program over 1-3
array leaves ``x0..x2``.  Every step is one NumPy-style operation rendered as a line of
Python source that calls a namespace ``ns`` (``numpy`` for the oracle, ``axcomp.numpy``
for the system under test)::

    def kernel(p0, p1):
        x0 = p0
        x1 = p1['a']
        t0 = ns.einsum('ab,b->a', x0, x1)
        t1 = ns.tanh(t0)
        return t1

Programs are built bottom-up from the logical (per-example) shapes, and every candidate
step is checked by evaluating it with real NumPy on zero arrays, so every drawn kernel is
valid for its shapes.  Each value carries bookkeeping used to keep tests robust:

* ``bound``: an upper bound on ``|value|`` given inputs drawn by :func:`make_inputs`
  (floats in [-1, 1], ints in [-3, 3], complex with parts in [-1, 1]); steps that would
  exceed ``_BOUND_CAP`` are not taken, so nothing overflows and float32 stays accurate.
* ``err``: a crude bound on the rounding error, in units of the dtype's eps;
  :func:`tolerances` turns the outputs' ``err`` into an ``atol``.
* ``exact``: no reductions/contractions/transcendentals upstream, so every correct
  implementation computes it bit-identically; ``sign`` (discontinuous) is only applied
  to exact values.
* ``deps``: which leaves the value depends on (data flow); used to allow
  ``out_axes=None`` only for outputs independent of a level's mapped leaves.

A vmap spec (:class:`VmapSpec`) is a tuple of :class:`Level` s, **innermost first**:
``levels[0]`` is applied to the kernel directly, ``levels[-1]`` is the outermost vmap,
which sees the full input arrays.  :func:`apply_spec` nests any vmap implementation
accordingly and :func:`make_inputs` builds matching inputs.

Typical differential test::

    @given(cases())                      # or pytree_cases(), none_out_axes_cases()
    def test_vmap_matches_loop(case):
        args = case.inputs()
        expected = apply_spec(loop_vmap, case.kernel(numpy), case.spec)(*args)
        actual = apply_spec(axcomp.vmap, case.kernel(axcomp.numpy), case.spec)(*args)
        rtol, atol = case.tolerances()
        assert_trees_close(actual, expected, rtol=rtol, atol=atol)

All of it was cross-checked against ``jax.vmap`` + ``jax.numpy`` (x64 enabled) on a few
thousand drawn cases: identical shapes and dtypes, values within :func:`tolerances`.
"""

from __future__ import annotations

import itertools
import linecache
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st

__all__ = [
    "ALL_OPS",
    "DTYPES",
    "Case",
    "FrozenDict",
    "FrozenList",
    "KernelDesc",
    "Level",
    "Step",
    "ValueInfo",
    "VmapSpec",
    "apply_spec",
    "assert_trees_close",
    "build_kernel",
    "cases",
    "flat_output_shapes",
    "flatten_outputs",
    "kernel_descs",
    "kind_of",
    "make_inputs",
    "none_out_axes_cases",
    "output_shapes",
    "pytree_cases",
    "thaw",
    "tolerances",
    "vmap_specs",
]

DTYPES = ("float64", "float32", "int64", "complex128")

_MAX_RANK = 4  # rank of any per-example value
_MAX_SIZE = 64  # element count of any per-example value
_BOUND_CAP = {"i": 1e6, "f": 1e3, "c": 1e3}
_ERR_CAP = 1e5
_INPUT_BOUND = {"i": 3.0, "f": 1.0, "c": math.sqrt(2.0)}
_ZERO_DTYPE = {"i": np.int64, "f": np.float64, "c": np.complex128}

#: Every ``Step.op`` name the generator can produce.  Operator and function spellings
#: share a name (``add`` is ``ns.add(a, b)`` or ``a + b``; ``matmul`` is ``ns.matmul`` or
#: ``@``; ``uminus`` is ``-a``; ``pow`` is ``a ** p``; ``scalar*`` is ``a * 2.0`` or
#: ``2.0 * a``); ``einsumN`` has N operands; ``fold`` is the final
#: ``out + ns.mean(x_j)`` that makes the output read every leaf.
ALL_OPS = frozenset(
    """negative uminus square pow power abs exp_tanh log1p_sq sqrt_sq1 tanh sin cos sign
    scalar+ scalar- scalar* scalar/ add subtract multiply divide maximum minimum where
    dot matmul inner vdot outer tensordot einsum1 einsum2 einsum3 sum prod mean max min
    reshape transpose T swapaxes moveaxis expand_dims squeeze broadcast_to index
    fold""".split()
)


def kind_of(dtype: Any) -> str:
    """'i', 'f' or 'c' for a NumPy dtype (or dtype name)."""
    k = np.dtype(dtype).kind
    if k not in "ifc":
        raise ValueError(f"unsupported dtype {dtype!r}")
    return k


# --------------------------------------------------------------------- frozen containers


class FrozenDict:
    """A hashable dict stand-in used inside specs / descriptions; ``thaw`` makes a dict."""

    __slots__ = ("_items",)

    def __init__(self, items: Iterable[tuple[str, Any]] | dict) -> None:
        items = items.items() if isinstance(items, dict) else items
        self._items = tuple(sorted(items))

    def items(self) -> tuple:
        return self._items

    def keys(self) -> list:
        return [k for k, _ in self._items]

    def values(self) -> list:
        return [v for _, v in self._items]

    def __getitem__(self, key: str) -> Any:
        return dict(self._items)[key]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FrozenDict) and self._items == other._items

    def __hash__(self) -> int:
        return hash(("FrozenDict", self._items))

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{k!r}: {v!r}" for k, v in self._items) + "}"


class FrozenList:
    """A hashable list stand-in (a list node is a different pytree type from a tuple)."""

    __slots__ = ("_items",)

    def __init__(self, items: Iterable[Any]) -> None:
        self._items = tuple(items)

    def __iter__(self):
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, i: int) -> Any:
        return self._items[i]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FrozenList) and self._items == other._items

    def __hash__(self) -> int:
        return hash(("FrozenList", self._items))

    def __repr__(self) -> str:
        return "[" + ", ".join(repr(v) for v in self._items) + "]"


def thaw(x: Any) -> Any:
    """Recursively turn FrozenDict/FrozenList (and tuples) into plain dict/list/tuple."""
    if isinstance(x, FrozenDict):
        return {k: thaw(v) for k, v in x.items()}
    if isinstance(x, FrozenList):
        return [thaw(v) for v in x]
    if isinstance(x, tuple):
        return tuple(thaw(v) for v in x)
    return x


def _is_tree_node(x: Any) -> bool:
    return x is None or isinstance(x, (tuple, FrozenList, FrozenDict))


def _tree_children(x: Any) -> list:
    if x is None:
        return []
    if isinstance(x, FrozenDict):
        return x.values()
    return list(x)


def _tree_rebuild(template: Any, children: list) -> Any:
    if template is None:
        return None
    if isinstance(template, FrozenDict):
        return FrozenDict(zip(template.keys(), children))
    return type(template)(children)


def _tree_leaves(x: Any) -> list:
    if _is_tree_node(x):
        return [leaf for c in _tree_children(x) for leaf in _tree_leaves(c)]
    return [x]


def _tree_map(fn: Callable[[Any], Any], x: Any) -> Any:
    if _is_tree_node(x):
        return _tree_rebuild(x, [_tree_map(fn, c) for c in _tree_children(x)])
    return fn(x)


def _prefix_leaf_axes(spec: Any, tree: Any) -> list:
    """The axis (int or None) a (frozen) spec prefix assigns to each leaf of ``tree``.

    Returned as a flat list aligned with ``_tree_leaves(tree)``; never build an "axis
    tree" here, because an axis ``None`` would be mistaken for an empty pytree node.
    """
    if spec is None or isinstance(spec, int):
        return [spec] * len(_tree_leaves(tree))
    return [
        ax
        for s, t in zip(_tree_children(spec), _tree_children(tree))
        for ax in _prefix_leaf_axes(s, t)
    ]


def _pretty_lines(obj: Any, p: Any, cycle: bool) -> None:
    """Hypothesis' printer would list dataclass fields; show our readable repr instead."""
    for i, line in enumerate(repr(obj).splitlines()):
        if i:
            p.break_()
        p.text(line)


# --------------------------------------------------------------------- kernel description


@dataclass(frozen=True)
class Step:
    """One SSA step: ``template.format(*operand_names)`` is the Python expression."""

    op: str
    operands: tuple[int, ...]
    template: str

    def render(self, names: list[str]) -> str:
        return self.template.format(*(names[i] for i in self.operands))


@dataclass(frozen=True)
class ValueInfo:
    shape: tuple[int, ...]
    kind: str  # 'i', 'f', 'c' (the dtype kind NumPy gives it)
    bound: float
    err: float
    exact: bool
    deps: frozenset[int]


@dataclass(frozen=True)
class KernelDesc:
    """A random kernel: leaves x0..x{n-1}, SSA steps t0.., and an output tree of value ids.

    ``arg_tree`` has one entry per positional parameter; each entry is a leaf index, or a
    tuple / FrozenList / FrozenDict of entries, or ``None`` (an empty pytree argument).
    ``out_tree`` is a value id or a tuple / FrozenDict of value ids.  Value ids below
    ``n_leaves`` are the leaves, the rest are steps.
    """

    kind: str
    arg_shapes: tuple[tuple[int, ...], ...]
    arg_tree: tuple
    steps: tuple[Step, ...]
    out_tree: Any
    values: tuple[ValueInfo, ...] = field(repr=False, compare=False)

    @property
    def n_leaves(self) -> int:
        return len(self.arg_shapes)

    @property
    def ops(self) -> tuple[str, ...]:
        return tuple(s.op for s in self.steps)

    def name(self, vid: int) -> str:
        n = self.n_leaves
        return f"x{vid}" if vid < n else f"t{vid - n}"

    def out_ids(self) -> list[int]:
        return _tree_leaves(self.out_tree)

    @property
    def source(self) -> str:
        names = [self.name(i) for i in range(self.n_leaves + len(self.steps))]
        params = [f"p{i}" for i in range(len(self.arg_tree))]
        lines = [f"def kernel({', '.join(params)}):"]
        for p, entry in zip(params, self.arg_tree):
            for leaf, path in _leaf_paths(entry):
                lines.append(f"    x{leaf} = {p}{path}")
        for i, step in enumerate(self.steps):
            lines.append(f"    {names[self.n_leaves + i]} = {step.render(names)}")
        lines.append(f"    return {_render_out(self.out_tree, names)}")
        return "\n".join(lines) + "\n"

    def __str__(self) -> str:
        shapes = ", ".join(f"x{i}: {s}" for i, s in enumerate(self.arg_shapes))
        return f"# kind={self.kind!r} {shapes}\n{self.source}"

    def __repr__(self) -> str:
        return f"KernelDesc(\n{self})"

    _repr_pretty_ = _pretty_lines


def _leaf_paths(entry: Any, path: str = "") -> list[tuple[int, str]]:
    if entry is None:
        return []
    if isinstance(entry, int):
        return [(entry, path)]
    if isinstance(entry, FrozenDict):
        return [lp for k, v in entry.items() for lp in _leaf_paths(v, f"{path}[{k!r}]")]
    return [lp for i, v in enumerate(entry) for lp in _leaf_paths(v, f"{path}[{i}]")]


def _render_out(out: Any, names: list[str]) -> str:
    if isinstance(out, int):
        return names[out]
    if isinstance(out, FrozenDict):
        return "{" + ", ".join(f"{k!r}: {_render_out(v, names)}" for k, v in out.items()) + "}"
    if isinstance(out, FrozenList):
        return "[" + ", ".join(_render_out(v, names) for v in out) + "]"
    inner = ", ".join(_render_out(v, names) for v in out)
    return f"({inner},)" if len(out) == 1 else f"({inner})"


_KERNEL_COUNTER = itertools.count()


def build_kernel(desc: KernelDesc, ns: Any) -> Callable[..., Any]:
    """Compile ``desc.source`` into a Python function whose ``ns`` is the given namespace.

    The source is registered with ``linecache`` so tracebacks (and ``inspect.getsource``)
    show the kernel's lines.  The function carries ``__kernel_desc__``.
    """
    src = desc.source
    filename = f"<random-kernel-{next(_KERNEL_COUNTER)}>"
    linecache.cache[filename] = (len(src), None, src.splitlines(True), filename)
    namespace: dict[str, Any] = {"ns": ns}
    exec(compile(src, filename, "exec"), namespace)
    fn = namespace["kernel"]
    fn.__kernel_desc__ = desc
    return fn


# --------------------------------------------------------------------- kernel generation


def _size(shape: tuple[int, ...]) -> int:
    return int(np.prod(shape, dtype=np.int64))


def _fmt_axis(ax: Any) -> str:
    return repr(tuple(ax)) if isinstance(ax, (tuple, list)) else repr(ax)


def _signed(draw: Any, axis: int, rank: int) -> int:
    """Randomly express a normalised axis as itself or as its negative alias."""
    return axis - rank if draw(st.booleans()) else axis


def _shapes_with_size(n: int, max_rank: int) -> list[tuple[int, ...]]:
    out: list[tuple[int, ...]] = []

    def rec(prefix: tuple[int, ...], rest: int) -> None:
        if rest == 1:
            out.append(prefix)
        if len(prefix) == max_rank:
            return
        for d in range(1, rest + 1):
            if rest % d == 0:
                rec(prefix + (d,), rest // d)

    rec((), n)
    return sorted(set(out), key=lambda s: (len(s), s))


class _Builder:
    """Draws an SSA program step by step; see module docstring."""

    def __init__(
        self,
        draw: Any,
        kind: str,
        arg_shapes: list[tuple[int, ...]],
        exclude_ops: frozenset[str] = frozenset(),
    ) -> None:
        self.draw = draw
        self.kind = kind
        self.exclude_ops = exclude_ops
        self.steps: list[Step] = []
        self.values: list[ValueInfo] = [
            ValueInfo(tuple(s), kind, _INPUT_BOUND[kind], 0.0, True, frozenset([i]))
            for i, s in enumerate(arg_shapes)
        ]

    # -- helpers --------------------------------------------------------------------
    def v(self, i: int) -> ValueInfo:
        return self.values[i]

    def _eval(self, template: str, operands: tuple[int, ...]) -> np.ndarray | None:
        names = [f"a{j}" for j in range(len(operands))]
        env = {
            n: np.zeros(self.v(i).shape, _ZERO_DTYPE[self.v(i).kind])
            for n, i in zip(names, operands)
        }
        try:
            with np.errstate(all="ignore"):
                return np.asarray(eval(template.format(*names), {"ns": np}, env))
        except Exception:
            return None

    def _ok_shape(self, shape: tuple[int, ...]) -> bool:
        return len(shape) <= _MAX_RANK and 1 <= _size(shape) <= _MAX_SIZE and 0 not in shape

    def try_add(
        self,
        op: str,
        template: str,
        operands: tuple[int, ...],
        bound: float,
        err: float,
        exact: bool,
        force: bool = False,
    ) -> bool:
        """Validate a candidate step with real NumPy; append it if it fits the limits.

        ``force`` skips the bound/err caps (used only for the final leaf-folding steps).
        """
        if op in self.exclude_ops and not force:
            return False
        res = self._eval(template, operands)
        if res is None or not self._ok_shape(res.shape) or res.dtype.kind not in "ifc":
            return False
        kind = res.dtype.kind
        if not force and (bound > _BOUND_CAP[kind] or err > _ERR_CAP):
            return False
        exact = exact or kind == "i"
        deps = frozenset().union(*(self.v(i).deps for i in operands)) if operands else frozenset()
        self.steps.append(Step(op, operands, template))
        self.values.append(ValueInfo(res.shape, kind, float(bound), float(err), exact, deps))
        return True

    def pick(self, candidates: list[int] | None = None) -> int:
        """A value id, biased towards the most recent one so programs get deep."""
        cands = list(range(len(self.values))) if candidates is None else candidates
        if len(cands) > 1 and self.draw(st.booleans()):
            return cands[-1]
        return cands[self.draw(st.integers(0, len(cands) - 1))]

    def sampled(self, options: list) -> Any:
        return self.draw(st.sampled_from(options))

    # -- categories -----------------------------------------------------------------
    def step(self) -> None:
        cat = self.sampled(["unary", "scalar", "binary", "contract", "reduce", "shape", "index"])
        getattr(self, f"_{cat}")()

    def _unary(self) -> None:
        a = self.pick()
        va = self.v(a)
        b, e = va.bound, va.err
        ops = ["negative", "uminus", "square", "pow", "power", "abs"]
        if va.kind == "f":
            ops += ["exp_tanh", "log1p_sq", "sqrt_sq1", "tanh", "sin", "cos"]
        if va.kind != "c" and va.exact:
            ops += ["sign"]
        op = self.sampled(ops)
        p = self.sampled([2, 3])
        table = {
            "negative": ("ns.negative({0})", b, e, True),
            "uminus": ("-{0}", b, e, True),
            "square": ("ns.square({0})", b * b, 2 * b * e + b * b, True),
            "pow": (f"{{0}} ** {p}", b**p, p * b ** (p - 1) * e + 2 * b**p, p == 2),
            "power": (f"ns.power({{0}}, {p})", b**p, p * b ** (p - 1) * e + 2 * b**p, p == 2),
            "abs": ("ns.abs({0})", b, e + (b if va.kind == "c" else 0), va.kind != "c"),
            "exp_tanh": ("ns.exp(ns.tanh({0}))", math.e, math.e * (e + 2), False),
            "log1p_sq": ("ns.log1p({0} * {0})", math.log1p(b * b), e + 2, False),
            "sqrt_sq1": ("ns.sqrt({0} * {0} + 1)", math.sqrt(b * b + 1), e + b + 2, False),
            "tanh": ("ns.tanh({0})", 1.0, e + 1, False),
            "sin": ("ns.sin({0})", 1.0, e + 1, False),
            "cos": ("ns.cos({0})", 1.0, e + 1, False),
            "sign": ("ns.sign({0})", 1.0, 0.0, True),
        }
        template, bound, err, exact = table[op]
        self.try_add(op, template, (a,), bound, err, exact and va.exact)

    def _scalar(self) -> None:
        a = self.pick()
        va = self.v(a)
        consts = [2, 1, 3, -1, -2] if va.kind == "i" else [2.0, 0.5, 1, -1.5, 3, -2]
        c = self.sampled(consts)
        ops = ["+", "-", "*"] + ([] if va.kind == "i" or isinstance(c, int) else ["/"])
        o = self.sampled(ops)
        right = o != "/" and self.draw(st.booleans())  # constant on the left: `2.0 * x`
        template = f"{c!r} {o} {{0}}" if right else f"{{0}} {o} {c!r}"
        b, e, ac = va.bound, va.err, abs(c)
        if o in "+-":
            bound, err = b + ac, e + b + ac
        elif o == "*":
            bound, err = b * ac, e * ac + b * ac
        else:
            bound, err = b / ac, (e + b) / ac
        self.try_add(f"scalar{o}", template, (a,), bound, err, va.exact)

    def _binary(self) -> None:
        a = self.pick()
        va = self.v(a)
        compatible = []
        for j, vj in enumerate(self.values):
            try:
                np.broadcast_shapes(va.shape, vj.shape)
            except ValueError:
                continue
            compatible.append(j)
        others = [j for j in compatible if j != a]
        b = self.pick(others) if others and self.draw(st.integers(0, 3)) else a
        vb = self.v(b)
        ops = ["add", "subtract", "multiply"]
        if not (va.kind == "i" and vb.kind == "i"):
            ops += ["divide"]
        if va.kind != "c" and vb.kind != "c":
            ops += ["maximum", "minimum", "where"]
        op = self.sampled(ops)
        use_operator = self.draw(st.booleans())
        ba, bb, ea, eb = va.bound, vb.bound, va.err, vb.err
        exact = va.exact and vb.exact
        if op in ("add", "subtract", "multiply"):
            sym = {"add": "+", "subtract": "-", "multiply": "*"}[op]
            template = f"{{0}} {sym} {{1}}" if use_operator else f"ns.{op}({{0}}, {{1}})"
            if op == "multiply":
                bound, err = ba * bb, ea * bb + eb * ba + ba * bb
            else:
                bound, err = ba + bb, ea + eb + ba + bb
        elif op == "divide":
            if vb.kind == "c":
                den, bound = "(2 + ns.abs({1}))", ba / 2
                err = (ea + ba * (eb + 2)) / 2 + ba
            else:
                den, bound = "(1 + {1} * {1})", ba
                err = ea + ba * (eb + 2) + ba
            template = f"{{0}} / {den}" if use_operator else f"ns.divide({{0}}, {den})"
            exact = False
        else:
            bound, err = max(ba, bb), max(ea, eb)
            if op == "where":
                cmp = self.sampled([">", "<"])
                template = f"ns.where({{0}} {cmp} {{1}}, {{0}}, {{1}})"
            else:
                template = f"ns.{op}({{0}}, {{1}})"
        self.try_add(op, template, (a, b), bound, err, exact)

    # contractions -------------------------------------------------------------------
    def _contract_info(self, operands: tuple[int, ...], k: float) -> tuple[float, float]:
        vs = [self.v(i) for i in operands]
        bound = k * math.prod(v.bound for v in vs)
        # first-order error: each operand's error times the others' bounds, plus K^2
        # rounding of a K-term sum of products
        err = k * sum(
            v.err * math.prod(w.bound for j, w in enumerate(vs) if j != i) for i, v in enumerate(vs)
        ) + (k * k + len(vs)) * math.prod(v.bound for v in vs)
        return bound, err

    def _contract(self) -> None:
        op = self.sampled(
            ["einsum", "dot", "matmul", "tensordot", "inner", "vdot", "outer", "einsum1", "einsum3"]
        )
        a = self.pick()
        if op == "einsum1":
            self._einsum((a,))
            return
        if op == "einsum3":
            self._einsum((a, self.pick(), self.pick()))
            return
        if op == "einsum":
            self._einsum((a, self.pick()))
            return
        if op == "tensordot":
            self._tensordot(a, self.pick())
            return
        templates = {
            "dot": ["ns.dot({0}, {1})"],
            "matmul": ["ns.matmul({0}, {1})", "{0} @ {1}"],
            "inner": ["ns.inner({0}, {1})"],
            "vdot": ["ns.vdot({0}, {1})"],
            "outer": ["ns.outer({0}, {1})"],
        }[op]
        template = self.sampled(templates)
        va = self.v(a)
        good = []
        for j in range(len(self.values)):
            res = self._eval(template, (a, j))
            if res is not None and self._ok_shape(res.shape):
                good.append(j)
        if not good:
            self._einsum((a, self.pick()))
            return
        b = self.pick(good)
        vb = self.v(b)
        out = self._eval(template, (a, b))
        k = max(1.0, _size(va.shape) * _size(vb.shape) / max(1, out.size))
        if op == "vdot":
            k = float(_size(va.shape))
        bound, err = self._contract_info((a, b), k)
        self.try_add(op, template, (a, b), bound, err, False)

    def _tensordot(self, a: int, b: int) -> None:
        sa, sb = self.v(a).shape, self.v(b).shape
        pairs = [(i, j) for i in range(len(sa)) for j in range(len(sb)) if sa[i] == sb[j]]
        chosen: list[tuple[int, int]] = []
        want = self.draw(st.integers(0, 2)) if pairs else 0
        for i, j in self.draw(st.permutations(pairs)) if pairs else []:
            if len(chosen) >= want:
                break
            if all(i != x and j != y for x, y in chosen):
                chosen.append((i, j))
        k = len(chosen)
        is_suffix_prefix = [p[0] for p in chosen] == list(range(len(sa) - k, len(sa))) and [
            p[1] for p in chosen
        ] == list(range(k))
        if is_suffix_prefix and self.draw(st.booleans()):
            axes = repr(k)
        else:
            ax_a = tuple(_signed(self.draw, i, len(sa)) for i, _ in chosen)
            ax_b = tuple(_signed(self.draw, j, len(sb)) for _, j in chosen)
            axes = repr((ax_a, ax_b))
        template = f"ns.tensordot({{0}}, {{1}}, axes={axes})"
        kk = float(math.prod(sa[i] for i, _ in chosen))
        bound, err = self._contract_info((a, b), kk)
        self.try_add("tensordot", template, (a, b), bound, err, False)

    def _einsum(self, operands: tuple[int, ...]) -> None:
        letters = iter("abcdefghijklmnopqrstuvwxyz")
        sizes: dict[str, int] = {}
        subs: list[str] = []
        for idx, i in enumerate(operands):
            sub = ""
            for d in self.v(i).shape:
                reuse = [c for c, s in sizes.items() if s == d]
                if idx > 0:  # share labels across operands most of the time
                    reuse = [c for c in reuse if c not in sub]
                    want = reuse and self.draw(st.integers(0, 3)) > 0
                else:  # a repeated label inside one operand takes a diagonal: rare
                    reuse = [c for c in reuse if c in sub]
                    want = reuse and self.draw(st.integers(0, 7)) == 0
                if want:
                    c = self.sampled(reuse)
                else:
                    c = next(letters)
                    sizes[c] = d
                sub += c
            subs.append(sub)
        counts = {c: sum(s.count(c) for s in subs) for c in sizes}
        implicit = self.draw(st.integers(0, 5)) == 0
        if implicit:
            out = "".join(sorted(c for c, n in counts.items() if n == 1))
            eq = ",".join(subs)
        else:
            perm = self.draw(st.permutations(sorted(sizes)))
            out = "".join(perm[: self.draw(st.integers(0, len(perm)))])
            eq = ",".join(subs) + "->" + out
        k = float(math.prod(s for c, s in sizes.items() if c not in out))
        args = ", ".join(f"{{{j}}}" for j in range(len(operands)))
        template = f"ns.einsum({eq!r}, {args})"
        bound, err = self._contract_info(operands, k)
        self.try_add(f"einsum{len(operands)}", template, operands, bound, err, False)

    # reductions ---------------------------------------------------------------------
    def _reduce(self) -> None:
        a = self.pick()
        va = self.v(a)
        r = len(va.shape)
        fns = ["sum", "prod"]
        if va.kind != "i":
            fns.append("mean")
        if va.kind != "c":
            fns += ["max", "min"]
        fn = self.sampled(fns)
        form = self.sampled(["none", "int", "tuple"]) if r else "none"
        if form == "none":
            axis, reduced = None, list(range(r))
        elif form == "int":
            ax = self.draw(st.integers(0, r - 1))
            axis, reduced = _signed(self.draw, ax, r), [ax]
        else:
            perm = self.draw(st.permutations(range(r)))
            reduced = list(perm[: self.draw(st.integers(1, r))])
            axis = tuple(_signed(self.draw, ax, r) for ax in reduced)
        keepdims = self.sampled([None, False, True])
        kw = []
        if axis is not None or (r and self.draw(st.booleans())):
            kw.append(f"axis={_fmt_axis(axis)}")
        if keepdims is not None:
            kw.append(f"keepdims={keepdims}")
        template = f"ns.{fn}({', '.join(['{0}'] + kw)})"
        n = math.prod(va.shape[i] for i in reduced)
        b, e = va.bound, va.err
        if fn == "sum":
            bound, err = n * b, n * e + n * n * b
        elif fn == "mean":
            bound, err = b, e + n * b
        elif fn == "prod":
            bound, err = b**n, n * max(b, 1) ** (n - 1) * e + 2 * n * max(b, 1) ** n
        else:
            bound, err = b, e
        exact = fn in ("max", "min") and va.exact
        self.try_add(fn, template, (a,), bound, err, exact)

    # shape ops ----------------------------------------------------------------------
    def _shape(self) -> None:
        a = self.pick()
        va = self.v(a)
        s, r = va.shape, len(va.shape)
        op = self.sampled(
            [
                "reshape",
                "transpose",
                "T",
                "swapaxes",
                "moveaxis",
                "expand_dims",
                "squeeze",
                "broadcast_to",
            ]
        )
        d = self.draw
        if op == "reshape":
            target = list(self.sampled(_shapes_with_size(_size(s), _MAX_RANK)))
            if target and d(st.booleans()):
                target[d(st.integers(0, len(target) - 1))] = -1
            template = f"ns.reshape({{0}}, {tuple(target)!r})"
        elif op == "transpose":
            if r >= 2 and d(st.booleans()):
                perm = tuple(_signed(d, ax, r) for ax in d(st.permutations(range(r))))
                template = f"ns.transpose({{0}}, {perm!r})"
            else:
                template = "ns.transpose({0})"
        elif op == "T":
            template = "{0}.T"
        elif op == "swapaxes":
            if r == 0:
                return
            i, j = (_signed(d, d(st.integers(0, r - 1)), r) for _ in range(2))
            template = f"ns.swapaxes({{0}}, {i}, {j})"
        elif op == "moveaxis":
            if r == 0:
                return
            k = d(st.integers(1, r))
            src = d(st.permutations(range(r)))[:k]
            dst = d(st.permutations(range(r)))[:k]
            src = [_signed(d, x, r) for x in src]
            dst = [_signed(d, x, r) for x in dst]
            if k == 1 and d(st.booleans()):
                template = f"ns.moveaxis({{0}}, {src[0]}, {dst[0]})"
            else:
                template = f"ns.moveaxis({{0}}, {tuple(src)!r}, {tuple(dst)!r})"
        elif op == "expand_dims":
            if r >= _MAX_RANK:
                return
            k = 2 if r + 2 <= _MAX_RANK and d(st.integers(0, 3)) == 0 else 1
            pos = d(st.permutations(range(r + k)))[:k]
            axes = [_signed(d, x, r + k) for x in pos]
            axis = axes[0] if k == 1 else tuple(axes)
            template = f"ns.expand_dims({{0}}, {_fmt_axis(axis)})"
        elif op == "squeeze":
            ones = [i for i, n in enumerate(s) if n == 1]
            form = self.sampled(["none", "int", "tuple"]) if ones else "none"
            if form == "none":
                template = "ns.squeeze({0})"
            elif form == "int":
                template = f"ns.squeeze({{0}}, axis={_signed(d, self.sampled(ones), r)})"
            else:
                perm = d(st.permutations(ones))[: d(st.integers(1, len(ones)))]
                axis = tuple(_signed(d, x, r) for x in perm)
                template = f"ns.squeeze({{0}}, axis={axis!r})"
        else:  # broadcast_to
            lead = tuple(d(st.integers(1, 4)) for _ in range(d(st.integers(0, _MAX_RANK - r))))
            target = lead + tuple(d(st.integers(1, 4)) if n == 1 else n for n in s)
            template = f"ns.broadcast_to({{0}}, {target!r})"
        self.try_add(op, template, (a,), va.bound, va.err, va.exact)

    def _index(self) -> None:
        a = self.pick()
        va = self.v(a)
        s, r = va.shape, len(va.shape)
        d = self.draw
        m = d(st.integers(0, r))  # how many dims get an explicit index
        ellipsis_at = d(st.integers(0, m)) if d(st.integers(0, 3)) == 0 else None
        # with an Ellipsis the explicit items before it index the leading dims and the
        # items after it the trailing dims
        dims = (
            list(range(m))
            if ellipsis_at is None
            else (list(range(ellipsis_at)) + list(range(r - (m - ellipsis_at), r)))
        )
        items: list[str] = []
        for dim in dims:
            n = s[dim]
            kind = self.sampled(["int", "slice", "full"])
            if kind == "int":
                items.append(str(_signed(d, d(st.integers(0, n - 1)), n)))
                continue
            if kind == "full":
                items.append(":")
                continue
            start = self.sampled([None] + list(range(-n, n + 1)))
            stop = self.sampled([None] + list(range(-n - 1, n + 2)))
            step = self.sampled([None, 1, 2, -1, -2])
            if len(range(*slice(start, stop, step).indices(n))) == 0:
                items.append(":")
                continue
            text = ("" if start is None else str(start)) + ":" + ("" if stop is None else str(stop))
            if step is not None:
                text += f":{step}"
            items.append(text)
        if ellipsis_at is not None:
            items.insert(ellipsis_at, "...")
        if d(st.integers(0, 3)) == 0:
            items.insert(d(st.integers(0, len(items))), "None")
        if not items:
            index = "()"
        elif len(items) == 1 and d(st.booleans()):
            index = items[0] + ","  # x[1,] is x[(1,)]
        else:
            index = ", ".join(items)
        self.try_add("index", f"{{0}}[{index}]", (a,), va.bound, va.err, va.exact)

    # finishing ----------------------------------------------------------------------
    def use_all_leaves(self, out: int, n_leaves: int) -> int:
        """Fold every leaf the output does not read into it: ``out + ns.mean(x_j)``.

        Op name ``fold``; ``ns.sum`` for int leaves.  Not subject to ``exclude_ops``.
        """
        for j in range(n_leaves):
            if j in self.v(out).deps:
                continue
            vo, vj = self.v(out), self.v(j)
            red = "sum" if vj.kind == "i" else "mean"
            n = _size(vj.shape) if red == "sum" else 1
            template = f"{{0}} + ns.{red}({{1}})"
            bound = vo.bound + n * vj.bound
            err = vo.err + vj.err * n + (n * n + 2) * (vo.bound + n * vj.bound)
            if not self.try_add("fold", template, (out, j), bound, err, False, force=True):
                # never expected: the sum of a scalar always broadcasts and fits
                raise AssertionError(f"could not fold leaf {j} into the output")
            out = len(self.values) - 1
        return out


@st.composite
def _arg_tree(draw: Any, n: int, pytree: bool) -> tuple:
    """Group leaves 0..n-1 (in flatten order) into positional parameters."""
    if not pytree:
        return tuple(range(n))
    params: list[Any] = []
    i = 0
    while i < n:
        k = draw(st.integers(1, n - i))
        group = list(range(i, i + k))
        i += k
        if k == 1 and draw(st.integers(0, 2)):
            params.append(group[0])
            continue
        container = draw(st.sampled_from(["tuple", "dict", "list", "nested"]))
        if container == "tuple":
            params.append(tuple(group))
        elif container == "list":
            params.append(FrozenList(group))
        elif container == "dict":
            params.append(FrozenDict(zip("abc", group)))
        else:  # a tuple whose last entry is a dict, e.g. (x0, {'a': x1})
            params.append(tuple(group[:-1]) + (FrozenDict({"a": group[-1]}),))
    if draw(st.integers(0, 4)) == 0:  # an empty pytree argument
        params.insert(draw(st.integers(0, len(params))), None)
    return tuple(params)


@st.composite
def kernel_descs(
    draw: Any,
    kind: str = "f",
    *,
    min_args: int = 1,
    max_args: int = 3,
    max_steps: int = 6,
    pytree_args: bool = False,
    multi_output: bool = False,
    exclude_ops: Iterable[str] = (),
) -> KernelDesc:
    """Strategy for a random kernel over ``kind`` ('f', 'i' or 'c') leaves.

    ``pytree_args``: group the leaves into tuple/list/dict parameters (plus, sometimes, an
    extra ``None`` parameter).  ``multi_output``: return a tuple or dict of two values;
    only the first is forced to read every leaf, so the second may be independent of
    some leaves (what ``out_axes=None`` needs).  ``exclude_ops``: step names from
    :data:`ALL_OPS` never to generate (e.g. while ``axcomp.numpy`` lacks them).
    """
    exclude = frozenset(exclude_ops)
    unknown = exclude - ALL_OPS
    if unknown:
        raise ValueError(f"unknown ops {sorted(unknown)}; known: {sorted(ALL_OPS)}")
    n = draw(st.integers(min_args, max_args))
    vocab = draw(st.lists(st.sampled_from([2, 3, 1, 4]), min_size=1, max_size=3))
    shapes = [
        tuple(draw(st.sampled_from(vocab)) for _ in range(draw(st.integers(0, 3))))
        for _ in range(n)
    ]
    b = _Builder(draw, kind, shapes, exclude)
    for _ in range(draw(st.integers(0, max_steps))):
        b.step()
    out = b.use_all_leaves(len(b.values) - 1, n)
    if multi_output:
        # prefer a second output that does not read every leaf (so out_axes=None is legal
        # at levels that map only the other leaves)
        partial = [i for i, v in enumerate(b.values) if len(v.deps) < n]
        if partial and draw(st.integers(0, 3)):
            other = draw(st.sampled_from(partial))
        else:
            other = draw(st.integers(0, len(b.values) - 1))
        if draw(st.booleans()):
            out_tree: Any = (out, other)
        else:
            out_tree = FrozenDict({"out": out, "aux": other})
    else:
        out_tree = out
    return KernelDesc(
        kind=kind,
        arg_shapes=tuple(shapes),
        arg_tree=draw(_arg_tree(n, pytree_args)),
        steps=tuple(b.steps),
        out_tree=out_tree,
        values=tuple(b.values),
    )


# --------------------------------------------------------------------- vmap specs


@dataclass(frozen=True)
class Level:
    """One vmap: ``in_axes``/``out_axes`` are frozen (use :meth:`vmap_kwargs`)."""

    in_axes: Any
    out_axes: Any
    size: int
    axis_size: int | None = None  # passed to vmap iff not None
    in_axes_as_list: bool = False  # pass a top-level list instead of a tuple

    def vmap_kwargs(self) -> dict[str, Any]:
        in_axes = thaw(self.in_axes)
        if self.in_axes_as_list and isinstance(in_axes, tuple):
            in_axes = list(in_axes)
        kw: dict[str, Any] = {"in_axes": in_axes, "out_axes": thaw(self.out_axes)}
        if self.axis_size is not None:
            kw["axis_size"] = self.axis_size
        return kw

    def __str__(self) -> str:
        kw = self.vmap_kwargs()
        text = ", ".join(f"{k}={v!r}" for k, v in kw.items())
        return f"{text}  # size {self.size}"


@dataclass(frozen=True)
class VmapSpec:
    """Nested vmap levels, ``levels[0]`` innermost (applied to the kernel first)."""

    levels: tuple[Level, ...]

    def __str__(self) -> str:
        text = "f"
        for lv in self.levels:
            kw = ", ".join(f"{k}={v!r}" for k, v in lv.vmap_kwargs().items())
            text = f"vmap({text}, {kw})"
        sizes = ", ".join(str(lv.size) for lv in self.levels)
        return f"{text}  # sizes inner->outer: {sizes}"

    def __repr__(self) -> str:
        return f"VmapSpec({self})"

    _repr_pretty_ = _pretty_lines


def _leaf_range(rank: int) -> list[Any]:
    return list(range(-(rank + 1), rank + 1))


@st.composite
def _draw_prefix(draw: Any, tree: Any, choices: dict[int, list[Any]]) -> Any:
    """Draw an axis-spec prefix for ``tree`` (leaves are keys of ``choices``).

    Each subtree may collapse to one value valid for all of its leaves.
    """
    leaves = _tree_leaves(tree)
    if leaves:
        common = [c for c in choices[leaves[0]] if all(c in choices[j] for j in leaves[1:])]
    else:
        common = [0, None, -1]
    if not _is_tree_node(tree):
        return draw(st.sampled_from(choices[tree]))
    collapse = bool(common) and (tree is None or draw(st.integers(0, 2)) == 0)
    if collapse:
        return draw(st.sampled_from(common))
    return _tree_rebuild(tree, [draw(_draw_prefix(c, choices)) for c in _tree_children(tree)])


@st.composite
def vmap_specs(
    draw: Any,
    desc: KernelDesc,
    *,
    min_depth: int = 1,
    max_depth: int = 4,
    allow_zero_size: bool = True,
    allow_none_out: bool = False,
) -> VmapSpec:
    """Strategy for a nested vmap spec that fits ``desc``'s leaves and outputs.

    Batch sizes are 1-3 (0 about once in 16 levels when ``allow_zero_size``).  A level
    that maps no leaf passes ``axis_size``; others sometimes pass it too.  With
    ``allow_none_out``, an output leaf gets ``out_axes=None`` at levels whose mapped
    leaves it does not depend on (half the levels are steered to make that possible).
    """
    depth = draw(st.integers(min_depth, max_depth))
    ranks = {j: len(s) for j, s in enumerate(desc.arg_shapes)}
    out_ids = desc.out_ids()
    out_ranks = {k: len(desc.values[v].shape) for k, v in enumerate(out_ids)}
    out_deps = {k: desc.values[v].deps for k, v in enumerate(out_ids)}
    # the output tree with leaves renumbered 0..K-1 in flatten order
    counter = itertools.count()
    out_struct = _tree_map(lambda _v: next(counter), desc.out_tree)
    levels = []
    for _ in range(depth):
        z = draw(st.integers(0, 15))
        size = 0 if (allow_zero_size and z == 15) else (2, 3, 1)[z % 3]
        choices = {j: _leaf_range(ranks[j]) + [None] for j in ranks}
        steerable = [k for k, deps in out_deps.items() if len(deps) < len(ranks)]
        if allow_none_out and steerable and draw(st.booleans()):
            # keep some output's dependencies unmapped at this level
            k = draw(st.sampled_from(steerable))
            for j in out_deps[k]:
                choices[j] = [None]
        in_axes = draw(_draw_prefix(desc.arg_tree, choices))
        leaf_axes = dict(
            zip(_tree_leaves(desc.arg_tree), _prefix_leaf_axes(in_axes, desc.arg_tree))
        )
        mapped = {j for j, ax in leaf_axes.items() if ax is not None}
        out_choices = {}
        for k, r in out_ranks.items():
            if allow_none_out and not (out_deps[k] & mapped) and draw(st.booleans()):
                out_choices[k] = [None]
            else:
                out_choices[k] = _leaf_range(r)
        out_axes = draw(_draw_prefix(out_struct, out_choices))
        out_leaf_axes = _prefix_leaf_axes(out_axes, out_struct)
        axis_size = size if (not mapped or draw(st.integers(0, 3)) == 0) else None
        as_list = isinstance(in_axes, tuple) and draw(st.integers(0, 4)) == 0
        levels.append(Level(in_axes, out_axes, size, axis_size, as_list))
        for j in mapped:
            ranks[j] += 1
        for k, ax in enumerate(out_leaf_axes):
            if ax is not None:
                out_ranks[k] += 1
    return VmapSpec(tuple(levels))


def _leaf_level_axes(desc: KernelDesc, spec: VmapSpec) -> dict[int, list[Any]]:
    """leaf index -> its in_axes entry at every level (innermost first)."""
    out: dict[int, list[Any]] = {j: [] for j in range(desc.n_leaves)}
    for lv in spec.levels:
        resolved = _prefix_leaf_axes(lv.in_axes, desc.arg_tree)
        for j, ax in zip(_tree_leaves(desc.arg_tree), resolved):
            out[j].append(ax)
    return out


def _insert_batch_axes(shape: tuple[int, ...], axes: list[Any], sizes: list[int]) -> tuple:
    """Innermost level first: each level's axis is counted in the shape *it* sees."""
    full = list(shape)
    for ax, n in zip(axes, sizes):
        if ax is None:
            continue
        pos = ax if ax >= 0 else ax + len(full) + 1
        full.insert(pos, n)
    return tuple(full)


def make_inputs(desc: KernelDesc, spec: VmapSpec, dtype: Any, rng: np.random.Generator) -> tuple:
    """Positional arguments for the nested vmap: full shapes and the pytree structure.

    Values: floats uniform in [-1, 1]; ints in [-3, 3]; complex with both parts in [-1, 1].
    """
    dtype = np.dtype(dtype)
    kind = kind_of(dtype)
    axes = _leaf_level_axes(desc, spec)
    sizes = [lv.size for lv in spec.levels]
    leaves = []
    for j, shape in enumerate(desc.arg_shapes):
        full = _insert_batch_axes(shape, axes[j], sizes)
        if kind == "i":
            arr = rng.integers(-3, 4, size=full)
        elif kind == "f":
            arr = rng.uniform(-1.0, 1.0, size=full)
        else:
            arr = rng.uniform(-1.0, 1.0, size=full) + 1j * rng.uniform(-1.0, 1.0, size=full)
        leaves.append(np.asarray(arr).astype(dtype))
    return tuple(thaw(_tree_map(lambda j: leaves[j], entry)) for entry in desc.arg_tree)


def flat_output_shapes(desc: KernelDesc, spec: VmapSpec) -> list[tuple[int, ...]]:
    """Expected full output shapes, one per output leaf in flatten order (dict keys sorted)."""
    counter = itertools.count()
    out_struct = _tree_map(lambda _v: next(counter), desc.out_tree)
    per_level = [_prefix_leaf_axes(lv.out_axes, out_struct) for lv in spec.levels]
    sizes = [lv.size for lv in spec.levels]
    shapes = []
    for k, vid in enumerate(desc.out_ids()):
        axes = [lvl[k] for lvl in per_level]
        shapes.append(_insert_batch_axes(desc.values[vid].shape, axes, sizes))
    return shapes


def output_shapes(desc: KernelDesc, spec: VmapSpec) -> Any:
    """Expected full output shapes in the (thawed) structure of ``desc.out_tree``.

    For a single-output kernel this is just the shape tuple; prefer
    :func:`flat_output_shapes` when the structure would be ambiguous.
    """
    shapes = flat_output_shapes(desc, spec)
    counter = itertools.count()
    return thaw(_tree_map(lambda _v: shapes[next(counter)], desc.out_tree))


def flatten_outputs(tree: Any) -> list:
    """Leaves of a (plain) output pytree in JAX flatten order: dict keys sorted, None empty."""
    return _flat_leaves(tree)


def apply_spec(vmap_impl: Callable[..., Any], kernel: Callable[..., Any], spec: VmapSpec):
    """``vmap_impl(...vmap_impl(kernel, **levels[0])..., **levels[-1])``."""
    f = kernel
    for lv in spec.levels:
        f = vmap_impl(f, **lv.vmap_kwargs())
    return f


def tolerances(desc: KernelDesc, dtype: Any) -> tuple[float, float]:
    """(rtol, atol) for comparing two correct implementations of ``desc`` in ``dtype``."""
    dtype = np.dtype(dtype)
    if dtype.kind == "i":
        return 0.0, 0.0
    eps = float(np.finfo(dtype).eps)
    err = max(desc.values[v].err for v in desc.out_ids())
    return 16 * eps, 8 * eps * max(err, 1.0)


def assert_trees_close(
    actual: Any,
    expected: Any,
    *,
    rtol: float,
    atol: float,
    check_dtype: bool = True,
    path: str = "out",
) -> None:
    """Same pytree structure, same shapes (and dtypes), values within tolerance."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: expected dict, got {type(actual).__name__}"
        assert sorted(actual) == sorted(expected), (
            f"{path}: keys {sorted(actual)} != {sorted(expected)}"
        )
        for k in expected:
            assert_trees_close(
                actual[k],
                expected[k],
                rtol=rtol,
                atol=atol,
                check_dtype=check_dtype,
                path=f"{path}[{k!r}]",
            )
        return
    if isinstance(expected, (tuple, list)):
        assert type(actual) is type(expected), (
            f"{path}: expected {type(expected).__name__}, got {type(actual).__name__}"
        )
        assert len(actual) == len(expected), f"{path}: length {len(actual)} != {len(expected)}"
        for i, (a, e) in enumerate(zip(actual, expected)):
            assert_trees_close(
                a, e, rtol=rtol, atol=atol, check_dtype=check_dtype, path=f"{path}[{i}]"
            )
        return
    if expected is None:
        assert actual is None, f"{path}: expected None, got {type(actual).__name__}"
        return
    a, e = np.asarray(actual), np.asarray(expected)
    assert a.shape == e.shape, f"{path}: shape {a.shape} != expected {e.shape}"
    if check_dtype:
        assert a.dtype == e.dtype, f"{path}: dtype {a.dtype} != expected {e.dtype}"
    np.testing.assert_allclose(a, e, rtol=rtol, atol=atol, err_msg=path)


# --------------------------------------------------------------------- whole cases


@dataclass(frozen=True)
class Case:
    """A kernel, a nested spec, a dtype and an input seed: everything one test needs."""

    desc: KernelDesc
    spec: VmapSpec
    dtype: str
    seed: int

    def kernel(self, ns: Any) -> Callable[..., Any]:
        return build_kernel(self.desc, ns)

    def inputs(self) -> tuple:
        return make_inputs(self.desc, self.spec, self.dtype, np.random.default_rng(self.seed))

    def tolerances(self) -> tuple[float, float]:
        return tolerances(self.desc, self.dtype)

    def __repr__(self) -> str:
        return (
            f"Case(dtype={self.dtype!r}, seed={self.seed})\n{self.desc}{self.spec}\n"
            f"# input shapes: {[np.shape(x) for x in _flat_leaves(self.inputs())]}"
        )

    _repr_pretty_ = _pretty_lines


def _flat_leaves(tree: Any) -> list:
    if isinstance(tree, dict):
        return [leaf for k in sorted(tree) for leaf in _flat_leaves(tree[k])]
    if isinstance(tree, (tuple, list)):
        return [leaf for c in tree for leaf in _flat_leaves(c)]
    return [] if tree is None else [tree]


@st.composite
def cases(
    draw: Any,
    *,
    dtypes: tuple[str, ...] = DTYPES,
    min_args: int = 1,
    max_args: int = 3,
    max_steps: int = 6,
    min_depth: int = 1,
    max_depth: int = 4,
    pytree_args: bool = False,
    multi_output: bool = False,
    allow_none_out: bool = False,
    allow_zero_size: bool = True,
    exclude_ops: Iterable[str] = (),
) -> Case:
    """Strategy for a complete differential-test case (see :class:`Case`)."""
    dtype = draw(st.sampled_from(dtypes))
    desc = draw(
        kernel_descs(
            kind_of(dtype),
            min_args=min_args,
            max_args=max_args,
            max_steps=max_steps,
            pytree_args=pytree_args,
            multi_output=multi_output,
            exclude_ops=exclude_ops,
        )
    )
    spec = draw(
        vmap_specs(
            desc,
            min_depth=min_depth,
            max_depth=max_depth,
            allow_zero_size=allow_zero_size,
            allow_none_out=allow_none_out,
        )
    )
    seed = draw(st.integers(0, 2**32 - 1))
    return Case(desc, spec, dtype, seed)


def pytree_cases(**kwargs: Any) -> st.SearchStrategy[Case]:
    """Cases whose kernel takes tuple/list/dict/None arguments with prefix in_axes."""
    return cases(pytree_args=True, **kwargs)


def none_out_axes_cases(**kwargs: Any) -> st.SearchStrategy[Case]:
    """Cases with two outputs where some levels use ``out_axes=None`` (legally)."""
    kwargs.setdefault("min_args", 2)
    return cases(multi_output=True, allow_none_out=True, **kwargs)
