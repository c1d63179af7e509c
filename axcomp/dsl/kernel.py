"""A DSL kernel as a staged function: compiled and cached when called with arrays, inlined
into the caller's trace (vmap, jit, another kernel) when called while tracing."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from ..tracing.trace import current_trace, tracing_function
from ..transforms.staging import Staged
from . import ast
from .errors import DslCallError, DslNestingError, DslShapeError, error
from .evaluate import Evaluator, _shape


def _no_function(name: str) -> Any:
    raise KeyError(name)  # unreachable: the static checks resolved every call


class Kernel(Staged):
    """``kernel NAME(params) -> [axes] = expr``; works with ``axcomp.vmap`` like a Python
    function. ``resolve`` finds the functions the body calls (the module's namespace)."""

    def __init__(
        self, definition: ast.KernelDef, resolve: Callable[[str], Any] = _no_function
    ) -> None:
        self.definition = definition
        self.resolve = resolve
        params = [
            inspect.Parameter(p.name, inspect.Parameter.POSITIONAL_OR_KEYWORD)
            for p in definition.params
        ]
        self.__signature__ = inspect.Signature(params)
        self.__name__ = self.__qualname__ = definition.name
        self.__doc__ = f"axcomp kernel {self.spec}"
        self.fun = self._body_function()
        self._setup_cache()

    @property
    def spec(self) -> str:
        d = self.definition
        params = ", ".join(
            p.name + (f"[{', '.join(a.name for a in p.axes)}]" if p.axes else "") for p in d.params
        )
        out = f" -> [{', '.join(a.name for a in d.output)}]" if d.output else ""
        return f"{d.name}({params}){out}"

    def __repr__(self) -> str:
        return f"<axcomp kernel {self.spec}>"

    def _body_function(self) -> Callable[..., Any]:
        # what Staged traces and names the generated code after (axcomp_<name>)
        def body(*args: Any) -> Any:
            return self._evaluate(args)

        body.__name__ = body.__qualname__ = self.definition.name
        body.__signature__ = self.__signature__  # type: ignore[attr-defined]
        return body

    def _inline(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        trace = current_trace()
        assert trace is not None
        d = self.definition
        try:
            bound = self.__signature__.bind(*args, **kwargs)
        except TypeError as exc:
            raise error(
                DslCallError,
                f"kernel {self.spec} called with {len(args)} "
                f"argument{'s' if len(args) != 1 else ''}"
                f"{' and keywords ' + ', '.join(kwargs) if kwargs else ''}: {exc}",
                d.origin,
                d.pos,
                f"pass {len(d.params)} arrays",
            ) from None
        try:
            with tracing_function(trace, d.name):
                return self._evaluate(tuple(bound.arguments[p.name] for p in d.params))
        except RecursionError:
            # kernels calling kernels hundreds deep: the innermost call with room enough to
            # build the error reports it, the outer ones pass the DslError on
            raise error(
                DslNestingError,
                "kernel calls nest too deeply for Python's recursion limit (found while "
                f"compiling kernel {d.name})",
                d.origin,
                d.pos,
                "call fewer kernels inside one another (each call is a level)",
            ) from None

    def _evaluate(self, args: tuple[Any, ...]) -> Any:
        d = self.definition
        self._check_arguments(args)
        env = {p.name: a for p, a in zip(d.params, args)}
        evaluator = Evaluator(d.origin, env, self.resolve)
        value, _ = evaluator.materialize(
            evaluator.evaluate(d.body), tuple(lab.name for lab in d.output)
        )
        return value

    def _check_arguments(self, args: tuple[Any, ...]) -> None:
        """Declared axes fix each rank; axes with the same name must agree in size."""
        d = self.definition
        seen: dict[str, tuple[int, ast.Param, int]] = {}
        for p, a in zip(d.params, args):
            shape = _shape(a)
            decl = f"{p.name}[{', '.join(x.name for x in p.axes)}]" if p.axes else p.name
            if len(shape) != len(p.axes):
                raise error(
                    DslShapeError,
                    f"parameter {decl} of kernel {d.name} expects rank "
                    f"{len(p.axes)} but got an array of shape {shape}",
                    d.origin,
                    p.pos,
                    "pass an array with one axis per declared index, or vmap "
                    "the kernel over the extra axes",
                )
            for k, (lab, size) in enumerate(zip(p.axes, shape)):
                if lab.name not in seen:
                    seen[lab.name] = (size, p, k)
                    continue
                size0, p0, k0 = seen[lab.name]
                if size0 != size:
                    raise error(
                        DslShapeError,
                        f"axis {lab.name!r} has size {size0} in "
                        f"parameter {p0.name} (axis {k0}) but size {size} in "
                        f"parameter {p.name} (axis {k})",
                        d.origin,
                        lab.pos,
                        f"axes named {lab.name!r} must have equal sizes in every argument",
                    )
