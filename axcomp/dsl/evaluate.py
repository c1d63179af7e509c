"""Index-notation expressions → axcomp ops, while tracing.

A product of indexed operands stays lazy (a list of factors) until something needs its
value, so ``sum[n](M[m, n] * v[n])`` becomes ONE ``ops.contract``: the same einsum the
Python API records for ``dot(M, v)``. Elementwise operators align their operands by index
name (permute, then reshape for broadcasting) and call ``ops.elementwise``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .. import lax as _lax
from .. import nn as _nn
from .. import numpy as _anp
from .. import primitives as ops
from ..errors import AxcompError, UnboundAxisError
from ..scipy import special as _special
from ..tracing import Tracer
from ..tracing.build import lift, trace_of
from . import ast
from .errors import DslCallError, DslError, DslShapeError, DslUnboundAxisError, error
from .prelude import (
    API_AXIS_FUNCTIONS,
    API_FUNCTIONS,
    AXIS_INDEX,
    COLLECTIVES,
    NAMESPACES,
    OPERATORS,
    UFUNCS,
)
from .source import Pos, Source

Labels = tuple[str, ...]

#: The API modules of the namespaces whose functions are staged (``staged_export``).
_MODULES: dict[str, Any] = {"lax": _lax, "nn": _nn, "scipy.special": _special}
assert ("numpy", *_MODULES) == NAMESPACES


def _lower(namespace: str, attr: str) -> Callable[..., Any]:
    if namespace == "numpy":
        fun: Callable[..., Any] = getattr(_anp, attr)
    else:
        # the traced implementation the public function is staged from, which is exactly
        # what axcomp.nn.gelu etc. call on traced operands (kernel bodies always trace)
        fun = getattr(_MODULES[namespace], attr).traced
    assert callable(fun), f"axcomp.{namespace}.{attr}"
    return fun


#: DSL name → the Python API function it calls, resolved once from the fixed tables of
#: prelude.py: a name in kernel text only ever selects an entry, it is never looked up.
LOWERINGS: dict[str, Callable[..., Any]] = {
    name: _lower(f.namespace, f.attr) for name, f in API_FUNCTIONS.items()
}
AXIS_LOWERINGS: dict[str, Callable[..., Any]] = {
    name: _lower(f.namespace, f.attr) for name, f in API_AXIS_FUNCTIONS.items()
}


@dataclass(frozen=True)
class Factor:
    value: Any  # a Tracer, or a Python number for a static scalar argument
    labels: Labels  # one per axis; a repeated name takes a diagonal


@dataclass(frozen=True)
class Product:
    """scale * prod(factors), negated if ``negate``; the free indices are the factors'."""

    factors: tuple[Factor, ...]
    scale: int | float | None = None
    negate: bool = False

    @property
    def free(self) -> Labels:
        return tuple(dict.fromkeys(lab for f in self.factors for lab in f.labels))


def _shape(value: Any) -> tuple[int, ...]:
    return tuple(getattr(value, "shape", ()))


def _internal(labels: Labels) -> tuple[str, ...]:
    # prefix user index names so they can never collide with vmap's batch labels ("L7")
    return tuple(f"k_{lab}" for lab in labels)


class Evaluator:
    """Evaluates one kernel body for one call (``env`` maps parameters to values)."""

    def __init__(self, source: Source, env: dict[str, Any], resolve: Callable[[str], Any]) -> None:
        self.src = source
        self.env = env
        self.resolve = resolve

    def fail(self, cls: type[DslError], message: str, pos: Pos, hint: str) -> DslError:
        return error(cls, message, self.src, pos, hint)

    # ------------------------------------------------------------ values
    def materialize(self, p: Product, out: Labels | None = None) -> tuple[Any, Labels]:
        """The value of ``p`` with axes ``out`` (default: its free indices); indices of
        ``p`` not in ``out`` are summed (the Einstein convention)."""
        out = p.free if out is None else tuple(out)
        if not p.factors:
            value: Any = 1 if p.scale is None else p.scale
            return (-value if p.negate else value), ()
        if len(p.factors) == 1 and p.factors[0].labels == out:
            value = p.factors[0].value
        else:
            value = ops.contract(
                [f.value for f in p.factors],
                [_internal(f.labels) for f in p.factors],
                _internal(out),
            )
        if p.scale is not None:
            value = ops.multiply(p.scale, value)
        if p.negate:
            value = ops.elementwise("negative", value)
        return value, out

    def elementwise(self, fn: str, pos: Pos, *terms: tuple[Any, Labels]) -> tuple[Any, Labels]:
        """``fn`` on operands aligned by index name (NumPy broadcasting does the rest)."""
        aligned, target = self.align(pos, terms)
        if fn == "power":  # ops.power turns x ** 2 into x * x, exactly as Tracer.__pow__ does
            return ops.power(*aligned), target
        return ops.elementwise(fn, *aligned), target

    def align(self, pos: Pos, terms: tuple[tuple[Any, Labels], ...]) -> tuple[list[Any], Labels]:
        """The operands laid out for broadcasting over the union of their index names."""
        target = tuple(dict.fromkeys(lab for _, labels in terms for lab in labels))
        sizes: dict[str, int] = {}
        for value, labels in terms:
            for lab, size in zip(labels, _shape(value)):
                if sizes.setdefault(lab, size) != size:
                    raise self.fail(
                        DslShapeError,
                        f"index {lab!r} has size {sizes[lab]} on one side and {size} on the other",
                        pos,
                        "operands sharing an index name must agree on its size",
                    )
        return [self._align(value, labels, target, sizes) for value, labels in terms], target

    @staticmethod
    def _align(value: Any, labels: Labels, target: Labels, sizes: dict[str, int]) -> Any:
        if not labels:
            return value
        order = [lab for lab in target if lab in labels]
        if order != list(labels):
            value = ops.permute(value, [labels.index(lab) for lab in order])
        first = next(i for i, lab in enumerate(target) if lab in labels)
        # leading missing indices broadcast by themselves; later ones need size-1 axes
        shape = tuple(sizes[lab] if lab in labels else 1 for lab in target[first:])
        return value if shape == _shape(value) else ops.reshape(value, shape)

    # ------------------------------------------------------------ expressions
    def evaluate(self, e: ast.Expr) -> Product:
        if isinstance(e, ast.Number):
            return Product((), e.value)
        if isinstance(e, ast.Ref):
            return Product((Factor(self.env[e.name], ()),))
        if isinstance(e, ast.Indexed) and e.name == AXIS_INDEX and e.name not in self.env:
            names = tuple(lab.name for lab in e.labels)
            return self._term((self.collective(AXIS_INDEX, e.pos, names), ()))
        if isinstance(e, ast.Indexed):
            return self.indexed(self.env[e.name], tuple(lab.name for lab in e.labels), e)
        if isinstance(e, ast.Negate):
            p = self.evaluate(e.operand)
            return replace(p, negate=not p.negate)
        if isinstance(e, ast.Binary):
            return self.binary(e)
        if isinstance(e, ast.Reduction):
            return self.reduction(e)
        if isinstance(e, ast.Window):
            return self._term(self.window(e))
        return self.call(e)

    def indexed(self, value: Any, labels: Labels, e: ast.Expr) -> Product:
        sizes: dict[str, int] = {}
        for lab, size in zip(labels, _shape(value)):
            if sizes.setdefault(lab, size) != size:
                raise self.fail(
                    DslShapeError,
                    f"index {lab!r} is used for two axes of sizes {sizes[lab]} and {size}",
                    e.pos,
                    "a repeated index takes a diagonal, which needs equal sizes",
                )
        return Product((Factor(value, labels),))

    def binary(self, e: ast.Binary) -> Product:
        left, right = self.evaluate(e.left), self.evaluate(e.right)
        if e.op == "*":
            self._check_sizes(left.factors + right.factors, e.pos)
            scale = (
                left.scale
                if right.scale is None
                else (right.scale if left.scale is None else left.scale * right.scale)
            )
            return Product(left.factors + right.factors, scale, left.negate != right.negate)
        return self._term(
            self.elementwise(
                OPERATORS[e.op], e.pos, self.materialize(left), self.materialize(right)
            )
        )

    def _check_sizes(self, factors: tuple[Factor, ...], pos: Pos) -> None:
        sizes: dict[str, int] = {}
        for f in factors:
            for lab, size in zip(f.labels, _shape(f.value)):
                if sizes.setdefault(lab, size) != size:
                    raise self.fail(
                        DslShapeError,
                        f"index {lab!r} has size {sizes[lab]} in one factor and {size} in another",
                        pos,
                        "factors sharing an index name must agree on its size",
                    )

    @staticmethod
    def _term(term: tuple[Any, Labels]) -> Product:
        return Product((Factor(*term),))

    def collective(self, fn: str, pos: Pos, names: Labels, *operand: Any) -> Any:
        """``axcomp.lax.<fn>`` over the vmap axes ``names``, positioned on failure."""
        try:
            return getattr(_lax, fn).traced(*operand, names if len(names) > 1 else names[0])
        except UnboundAxisError as exc:
            raise self.fail(
                DslUnboundAxisError,
                str(exc),
                pos,
                f"{fn}[{', '.join(names)}] needs the kernel to run inside "
                f'vmap(k, axis_name="{names[0]}")',
            ) from None

    def reduction(self, e: ast.Reduction) -> Product:
        axes = tuple(lab.name for lab in e.labels)
        if e.fn == "sum" and isinstance(e.body, ast.Window) and e.body.fn == "conv":
            # summed input features are the convolution's own: one ungrouped contraction
            value, labels = self.window(e.body, summed=axes)
            rest = tuple(labels.index(a) for a in axes if a in labels)
            keep = tuple(lab for lab in labels if lab not in axes)
            return self._term((ops.reduce_sum(value, axis=rest) if rest else value, keep))
        p = self.evaluate(e.body)
        if e.fn in COLLECTIVES:
            value, labels = self.materialize(p)
            return self._term((self.collective(e.fn, e.pos, axes, value), labels))
        if e.fn == "sum" and len(p.factors) > 1:
            # a sum of a product: one contraction (fused einsum)
            keep = tuple(lab for lab in p.free if lab not in axes)
            return self._term(self.materialize(p, keep))
        value, labels = self.materialize(p)
        positions = tuple(labels.index(a) for a in axes)
        keep = tuple(lab for lab in labels if lab not in axes)
        form = API_AXIS_FUNCTIONS.get(e.fn)
        if form is not None:
            # semantics checked that a one_axis function names a single index
            axis = positions[0] if form.one_axis else positions
            out = self.call_api(e.fn, AXIS_LOWERINGS[e.fn], e.pos, value, axis=axis)
            return self._term((out, labels if form.keeps else keep))
        if e.fn == "sum":
            return self._term((ops.reduce_sum(value, axis=positions), keep))
        if e.fn == "mean":
            return self._term((ops.mean(value, axis=positions), keep))
        if e.fn == "logsumexp":
            return self._term(self.logsumexp(value, labels, positions, keep, e.pos))
        return self._term((ops.reduce(e.fn, value, axis=positions), keep))

    def window(self, e: ast.Window, summed: Labels = ()) -> tuple[Any, Labels]:
        """``conv`` as one grouped ``lax.conv_general_dilated`` (the input's other indices
        its batch, the indices both operands share its feature groups, the kernel's own
        indices its output features per group), the pools as ``lax.reduce_window``; the
        named indices are the spatial axes, of the output's length."""
        axes = tuple(lab.name for lab in e.labels)
        terms = [self.materialize(self.evaluate(op)) for op in e.operands]
        trace = trace_of(tuple(v for v, _ in terms))
        terms = [(lift(v, trace), labels) for v, labels in terms]
        opts = {o.name: o.value for o in e.options}
        n = len(axes)

        def per_axis(name: str, default: int) -> tuple[int, ...]:
            v = opts.get(name, default)
            return tuple(v) if isinstance(v, tuple) else (v,) * n

        padding = opts.get("padding", "VALID")
        x, xl = terms[0]
        sizes = dict(zip(xl, _shape(x)))
        if e.fn == "conv":
            w, wl = terms[1]
            kaxes = tuple(k.name for k in e.kernels if k is not None)
            shared = tuple(lab for lab in xl if lab in wl and lab not in axes)
            inner = tuple(lab for lab in shared if lab in summed)  # contracted features
            groups = tuple(lab for lab in shared if lab not in summed)
            own_x = tuple(lab for lab in xl if lab not in wl and lab not in axes)
            own_w = tuple(lab for lab in wl if lab not in xl and lab not in kaxes)
            wsizes = dict(zip(wl, _shape(w)))
            for lab in shared:
                if sizes[lab] != wsizes[lab]:
                    raise self.fail(
                        DslShapeError,
                        f"index {lab!r} has size {sizes[lab]} in the input and {wsizes[lab]} "
                        "in the kernel",
                        e.pos,
                        "indices the input and the kernel share must agree on their size",
                    )
            every = {**sizes, **wsizes}

            def size(group: Labels) -> int:
                return int(np.prod([every[lab] for lab in group]))

            b, g, c, m = size(own_x), size(groups), size(inner), size(own_w)
            lhs = ops.reshape(
                ops.permute(x, [xl.index(lab) for lab in own_x + groups + inner + axes]),
                (b, g * c) + tuple(sizes[a] for a in axes),
            )
            rhs = ops.reshape(
                ops.permute(w, [wl.index(lab) for lab in groups + own_w + inner + kaxes]),
                (g * m, c) + tuple(wsizes[a] for a in kaxes),
            )
            out = self.call_api(
                "conv",
                _lax.conv_general_dilated.traced,
                e.pos,
                lhs,
                rhs,
                per_axis("stride", 1),
                padding,
                rhs_dilation=per_axis("dilation", 1),
                feature_group_count=g,
            )
            spatial = _shape(out)[2:]
            keep = own_x + groups + own_w
            out = ops.reshape(out, tuple(every[lab] for lab in keep) + spatial)
            return out, keep + axes
        positions = tuple(xl.index(a) for a in axes)
        dims = [1] * len(xl)
        strides = [1] * len(xl)
        for p, wd, st in zip(positions, per_axis("window", 1), per_axis("stride", 1)):
            dims[p], strides[p] = wd, st
        if isinstance(padding, tuple):
            pads: Any = [(0, 0)] * len(xl)
            for p, pair in zip(positions, padding):
                pads[p] = pair
        else:
            pads = padding
        if e.fn == "max_pool":
            init = -np.inf if np.dtype(getattr(x, "dtype", float)).kind == "f" else None
            fn = _lax.max
        else:
            init, fn = 0.0, _lax.add
        if init is None:
            init = np.iinfo(x.dtype).min
        out = self.call_api(
            e.fn, _lax.reduce_window.traced, e.pos, x, init, fn, tuple(dims), tuple(strides), pads
        )
        if e.fn == "avg_pool":  # padding counts, as flax's avg_pool by default
            out = ops.multiply(1.0 / float(np.prod(per_axis("window", 1))), out)
        return out, xl

    def logsumexp(
        self, value: Any, labels: Labels, positions: tuple[int, ...], keep: Labels, pos: Pos
    ) -> tuple[Any, Labels]:
        # max-shifted, like scipy/jax: a max of -inf shifts by 0 instead of producing nan
        peak = (ops.reduce("max", value, axis=positions), keep)
        finite = self.elementwise("isfinite", pos, peak)
        shift = self.elementwise("where", pos, finite, peak, (0, ()))
        shift = (ops.stop_gradient(shift[0]), shift[1])  # no gradient, as in JAX
        shifted = self.elementwise("subtract", pos, (value, labels), shift)
        exp, _ = self.elementwise("exp", pos, shifted)  # its labels are `labels`
        total = (ops.reduce_sum(exp, axis=positions), keep)
        return self.elementwise("add", pos, self.elementwise("log", pos, total), shift)

    def call(self, e: ast.Call) -> Product:
        if e.name in UFUNCS or e.name in ("sigmoid", "relu"):
            terms = [self.materialize(self.evaluate(a)) for a in e.args]
            return self._term(self.function(e.name, e.pos, terms))
        if e.name in LOWERINGS:
            operands = tuple(self.materialize(self.evaluate(a)) for a in e.args)
            aligned, target = self.align(e.pos, operands)
            return self._term((self.call_api(e.name, LOWERINGS[e.name], e.pos, *aligned), target))
        value = self.invoke(e)
        labels = tuple(lab.name for lab in e.labels or ())
        if not isinstance(value, (Tracer, np.ndarray, np.generic, int, float, complex, bool)):
            raise self.fail(
                DslCallError,
                f"{e.name} returned a {type(value).__name__}, not an array",
                e.pos,
                "only functions returning one array can be called inside a kernel body",
            )
        rank = len(_shape(value))
        if rank != len(labels):
            shown = f"[{', '.join(labels)}]" if labels else "no indices"
            raise self.fail(
                DslShapeError,
                f"{e.name}(...) returns an array of rank {rank} "
                f"(shape {_shape(value)}) but is indexed with {shown}",
                e.pos,
                f"index the result with {rank} name{'s' if rank != 1 else ''}",
            )
        return self.indexed(value, labels, e)

    def function(self, name: str, pos: Pos, terms: list[tuple[Any, Labels]]) -> tuple[Any, Labels]:
        if name == "sigmoid":
            # 1/(1+exp(-x)) == (tanh(x/2) + 1)/2, which never overflows
            half = self.elementwise("multiply", pos, terms[0], (0.5, ()))
            t = self.elementwise("add", pos, self.elementwise("tanh", pos, half), (1, ()))
            return self.elementwise("multiply", pos, t, (0.5, ()))
        if name == "relu":
            # where(x > 0, x, 0), NaN kept: same values as maximum(x, 0), but relu'(0) = 0
            # like jax.nn.relu (maximum would split the tie at 0 half and half)
            x = terms[0]
            rest = self.elementwise("where", pos, self.elementwise("equal", pos, x, x), (0, ()), x)
            return self.elementwise(
                "where", pos, self.elementwise("greater", pos, x, (0, ())), x, rest
            )
        return self.elementwise(UFUNCS[name], pos, *terms)

    def call_api(
        self, name: str, fun: Callable[..., Any], pos: Pos, *args: Any, **kwargs: Any
    ) -> Any:
        """A built-in's Python API function; its errors are positioned at the call."""
        try:
            return fun(*args, **kwargs)
        except DslError:
            raise
        except (AxcompError, TypeError, ValueError) as exc:
            raise self.fail(
                DslCallError,
                f"{name} failed: {exc}",
                pos,
                f"check the operands of {name}(...)",
            ) from exc

    def invoke(self, e: ast.Call) -> Any:
        args = []
        for a in e.args:
            if isinstance(a, ast.Ref):
                args.append(self.env[a.name])
            elif isinstance(a, ast.Number):
                args.append(a.value)
            else:
                assert isinstance(a, ast.Call)
                args.append(self.invoke(a))
        fun = self.resolve(e.name)
        try:
            return fun(*args)
        except DslError:
            raise
        except (AxcompError, TypeError) as exc:
            raise self.fail(
                DslCallError,
                f"calling {e.name} failed: {exc}",
                e.pos,
                f"check the arguments passed to {e.name}",
            ) from exc
