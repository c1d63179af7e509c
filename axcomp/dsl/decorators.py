"""Specs as text on Python kernels: ``@axcomp.spec("vmap(_, in_axes=(0, None))")``, a
loaded module's ``@mod.spec("pairwise")``, and ``@axcomp.kernel("(M[m, n], v[n]) -> [m]")``
declaring a Python kernel's per-example shapes in index notation.

The text goes through the same parser (errors with line, column and caret) and the same
transforms as the DSL; nothing is evaluated or imported."""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable
from typing import Any

from .. import primitives as ops
from ..errors import ArgumentTypeError
from ..tracing.build import lift
from ..tracing.trace import current_trace, tracing_function
from ..tracing.tracer import Tracer
from ..transforms.staging import Staged
from . import ast
from .errors import DslCallError, DslNameError, DslShapeError, error
from .kernel import Kernel
from .module import PLACEHOLDER, Registry, apply_spec, references
from .module import kernel as dsl_kernel
from .parser import parse_function, parse_kernel
from .source import Pos, Source


def spec(text: str, *, kernels: Registry | None = None) -> Callable[[Callable[..., Any]], Any]:
    """A decorator applying the transform expression ``text`` (the decorated function is
    ``_``), e.g. ``@axcomp.spec("vmap(vmap(_, in_axes=(None, 0)), in_axes=(0, None))")``."""
    if not isinstance(text, str):
        raise ArgumentTypeError(f"axcomp.spec expects DSL text (a str), got {type(text).__name__}")
    src = Source(text, "<spec>")
    value = parse_function(src)
    if not references(value, PLACEHOLDER):
        raise error(
            DslNameError,
            "a spec must use _ for the decorated function",
            src,
            Pos(1, 1, len(text)),
            "e.g. vmap(_, in_axes=(0, None))",
        )
    return functools.partial(apply_spec, value, src, kernels=kernels)


class SignedKernel(Staged):
    """A Python kernel whose per-example shapes are declared in index notation: ranks are
    checked and sizes tied by name when it is traced, and its input axes take those names
    (``explain`` shows them)."""

    def __init__(self, fun: Callable[..., Any], kdef: ast.KernelDef) -> None:
        self.fun = fun
        self.definition = kdef
        self.src = kdef.origin
        functools.update_wrapper(self, fun, updated=())
        self._setup_cache()

    def __repr__(self) -> str:
        return f"<axcomp kernel {self.fun.__name__}{self.src.text}>"

    def _inline(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        trace = current_trace()
        assert trace is not None
        d = self.definition
        if kwargs or len(args) != len(d.params):
            raise error(
                DslCallError,
                f"{self.fun.__name__} declares {len(d.params)} "
                f"parameters, got {len(args)} arguments",
                self.src,
                d.pos,
                "pass one positional argument per declared parameter",
            )
        sizes: dict[str, tuple[int, str]] = {}
        named = []
        for param, arg in zip(d.params, args):
            t = lift(arg, trace) if not isinstance(arg, Tracer) else arg
            shape = t.shape
            if len(shape) != len(param.axes):
                raise error(
                    DslShapeError,
                    f"parameter {param.name} is declared with "
                    f"{len(param.axes)} axes [{', '.join(a.name for a in param.axes)}]"
                    f" but got shape {shape}",
                    self.src,
                    param.pos,
                    "the declared axes fix each parameter's per-example rank",
                )
            for axis, (label, n) in enumerate(zip(param.axes, shape)):
                seen = sizes.setdefault(label.name, (n, f"{param.name} axis {axis}"))
                if seen[0] != n:
                    raise error(
                        DslShapeError,
                        f"axis {label.name} has size {seen[0]} in "
                        f"{seen[1]} but {n} in {param.name} axis {axis}",
                        self.src,
                        label.pos,
                        "axes with one name must have one size",
                    )
            named.append(rename(t, tuple(a.name for a in param.axes)))
        with tracing_function(trace, self.fun.__name__):
            out = self.fun(*named)
        if d.output:
            t = lift(out, trace) if not isinstance(out, Tracer) else out
            want = tuple(sizes[a.name][0] if a.name in sizes else None for a in d.output)
            if len(t.shape) != len(want) or any(
                w is not None and w != n for w, n in zip(want, t.shape)
            ):
                raise error(
                    DslShapeError,
                    f"{self.fun.__name__} is declared to return "
                    f"[{', '.join(a.name for a in d.output)}] (sizes {want}) but "
                    f"returned shape {t.shape}",
                    self.src,
                    d.pos,
                    "the result must have the declared output axes",
                )
            out = rename(t, tuple(a.name for a in d.output))
        return out


def rename(t: Tracer, names: tuple[str, ...]) -> Tracer:
    """``t`` with its per-example axes called ``names`` (an identity einsum: free)."""
    nb = len(t.levels)
    axes = t.node.axes[:nb] + names
    node = ops.contraction._renamed(t.node, axes)
    return Tracer(node, t.levels, t.trace)


def signature_kernel(text: str) -> Callable[[Callable[..., Any]], SignedKernel]:
    """``@axcomp.kernel("(M[m, n], v[n]) -> [m]")`` on a Python function."""
    src = Source(text, "<kernel signature>")
    kdef = parse_kernel(Source(text + " = 0", src.name), "kernel")
    kdef = dataclasses.replace(kdef, origin=src)

    def decorate(fn: Callable[..., Any]) -> SignedKernel:
        if not callable(fn):
            raise ArgumentTypeError(f"axcomp.kernel decorates a function, got {type(fn).__name__}")
        params = [
            p
            for p in inspect.signature(fn).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        if len(params) != len(kdef.params):
            raise error(
                DslCallError,
                f"{fn.__name__} takes {len(params)} parameters but the "
                f"signature declares {len(kdef.params)}",
                src,
                kdef.pos,
                "declare one indexed parameter per parameter of the function",
            )
        return SignedKernel(fn, kdef)

    return decorate


def kernel(
    text: str, *, name: str = "anonymous", kernels: Registry | None = None
) -> Kernel | Callable[[Callable[..., Any]], SignedKernel]:
    """``axcomp.kernel``: a DSL kernel from full text (``"(x[n]) = sum[n](x[n])"``), or, with
    only a signature (no ``=``), a decorator declaring a Python kernel's shapes."""
    if isinstance(text, str) and "=" not in text:
        return signature_kernel(text)
    return dsl_kernel(text, name=name, kernels=kernels)
