"""Transform expressions → the real ``axcomp.vmap`` / ``axcomp.jit`` / ``axcomp.grad``
objects, so their meaning is exactly the Python API's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import AxcompError
from ..transforms import autodiff
from ..transforms.jit import JittedFunction, jit
from ..transforms.vmap import vmap
from . import ast
from .errors import DslAxisSpecError, DslCallError, error
from .source import Source
from .suggest import did_you_mean

#: Parameters of each transform, in positional order (the first is the function).
PARAMETERS: dict[str, tuple[str, ...]] = {
    "vmap": ("fun", "in_axes", "out_axes", "axis_size", "axis_name", "memory_limit", "threads"),
    "jit": ("fun", "static_argnums", "memory_limit", "threads"),
    "grad": ("fun", "argnums", "has_aux"),
    "value_and_grad": ("fun", "argnums", "has_aux"),
}


class Builder:
    """Builds binding values; ``lookup`` gives the object bound to a name and ``arity`` its
    positional arity when known."""

    def __init__(
        self,
        source: Source,
        lookup: Callable[[str], Any],
        arity: Callable[[ast.Value], int | None],
    ) -> None:
        self.src = source
        self.lookup = lookup
        self.arity = arity

    def build(self, value: ast.Value) -> Any:
        if isinstance(value, ast.FunctionRef):
            return self.lookup(value.name)
        if isinstance(value, ast.TransformCall):
            return self.transform(value)
        raise error(
            DslCallError,
            "a binding must name a function, not a literal",
            self.src,
            value.pos,
            "write e.g. f = vmap(kernel, in_axes=0)",
        )

    def transform(self, call: ast.TransformCall) -> Any:
        args = self.arguments(call)
        fun_node = args.pop("fun")
        fun = self.build(fun_node)
        for name, v in args.items():
            _check_literal(v, self.src, f"{call.name}'s {name}")
        kwargs = {name: to_python(v) for name, v in args.items()}
        if call.name == "vmap":
            self.check_vmap(call, fun_node, args)
            make: Callable[..., Any] = vmap
        elif call.name == "jit":
            _check_ints(args.get("static_argnums"), self.src, "static_argnums")
            if _is_plain_jit(fun) and not kwargs:
                # jit(jit(f)) is jit(f); building it as one keeps a chain of hundreds of
                # `g = jit(f)` bindings from tracing through as many nested calls
                return fun
            make = jit
        else:
            _check_ints(args.get("argnums"), self.src, "argnums")
            _check_bool(args.get("has_aux"), self.src, "has_aux")
            make = self.autodiff(call)
        try:
            return make(fun, **kwargs)
        except AxcompError as exc:
            raise error(
                DslAxisSpecError,
                f"{call.name}(...): {exc}",
                self.src,
                call.pos,
                f"see help(axcomp.{call.name}) for what each argument means",
            ) from exc

    def arguments(self, call: ast.TransformCall) -> dict[str, ast.Value]:
        """Positional and keyword arguments by parameter name, as in Python's call rules."""
        params = PARAMETERS[call.name]
        out: dict[str, ast.Value] = {}
        seen_keyword = False
        for i, arg in enumerate(call.args):
            if arg.keyword is None:
                if seen_keyword:
                    raise error(
                        DslCallError,
                        "positional argument after a keyword argument",
                        self.src,
                        arg.pos,
                        "put positional arguments first",
                    )
                if i >= len(params):
                    raise error(
                        DslCallError,
                        f"{call.name} takes at most {len(params)} "
                        f"positional arguments ({', '.join(params)})",
                        self.src,
                        arg.pos,
                        "pass the rest by keyword",
                    )
                name = params[i]
            else:
                seen_keyword = True
                name = arg.keyword
                if name not in params[1:]:
                    raise error(
                        DslAxisSpecError,
                        f"{call.name}() got an unexpected keyword argument {name!r}",
                        self.src,
                        arg.pos,
                        did_you_mean(
                            name, params[1:], f"{call.name} takes: " + ", ".join(params[1:])
                        ),
                    )
            if name in out:
                raise error(
                    DslCallError,
                    f"{call.name}() got multiple values for {name!r}",
                    self.src,
                    arg.pos,
                    "give each argument once",
                )
            is_function = isinstance(arg.value, (ast.FunctionRef, ast.TransformCall))
            if (name == "fun") != is_function:
                what = "a function" if name == "fun" else "a literal (int, None, tuple, ...)"
                raise error(
                    DslCallError,
                    f"{call.name} expects {what} for {name}",
                    self.src,
                    arg.value.pos,
                    "the function comes first: vmap(f, in_axes=...)",
                )
            out[name] = arg.value
        if "fun" not in out:
            raise error(
                DslCallError,
                f"{call.name} needs a function to transform",
                self.src,
                call.pos,
                f"write {call.name}(f, ...)",
            )
        return out

    def check_vmap(self, call: ast.TransformCall, fun: ast.Value, args: dict[str, Any]) -> None:
        for key in ("in_axes", "out_axes"):
            if key in args:
                _check_axes(args[key], self.src, key, top=True)
        in_axes = args.get("in_axes")
        arity = self.arity(fun)
        if (
            isinstance(in_axes, ast.Container)
            and in_axes.kind in ("tuple", "list")
            and (arity is not None and len(in_axes.items) != arity)
        ):
            raise error(
                DslAxisSpecError,
                f"in_axes has {len(in_axes.items)} entries but the "
                f"function takes {arity} argument{'s' if arity != 1 else ''}",
                self.src,
                in_axes.pos,
                "give one in_axes entry per argument, or a single int for all of them",
            )
        size = args.get("axis_size")
        if size is not None and not (_is_int(size) and size.value >= 0):
            raise error(
                DslAxisSpecError,
                "axis_size must be a non-negative int",
                self.src,
                size.pos,
                "e.g. axis_size=4",
            )
        name = args.get("axis_name")
        if name is not None and not (
            isinstance(name, ast.Literal)
            and isinstance(name.value, str)
            and name.value.isidentifier()
        ):
            raise error(
                DslAxisSpecError,
                "axis_name must be a string naming the axis",
                self.src,
                name.pos,
                'e.g. axis_name="batch"',
            )

    def autodiff(self, call: ast.TransformCall) -> Callable[..., Any]:
        fn: Callable[..., Any] = getattr(autodiff, call.name)
        return fn


def _is_plain_jit(fun: Any) -> bool:
    return isinstance(fun, JittedFunction) and fun.memory_limit is None and fun.threads is None


def _check_literal(value: ast.Value, src: Source, what: str) -> None:
    """Transform arguments other than the function are literals (numbers, strings, None,
    containers of them): a function name there is a positioned error, not a crash."""
    if isinstance(value, ast.Literal):
        return
    if isinstance(value, ast.Container):
        for item in value.items:
            for part in item if isinstance(item, tuple) else (item,):
                _check_literal(part, src, what)
        return
    raise error(
        DslCallError,
        f"{what} must be a literal (an int, None, a string or a tuple of them), not a function",
        src,
        getattr(value, "pos", None),
        "e.g. in_axes=(0, None)",
    )


def to_python(value: ast.Value) -> Any:
    """A literal's Python value (containers become tuples, lists, dicts)."""
    if isinstance(value, ast.Literal):
        return value.value
    assert isinstance(value, ast.Container)
    if value.kind == "dict":
        return {to_python(k): to_python(v) for k, v in value.items}  # type: ignore[misc]
    items = [to_python(v) for v in value.items]  # type: ignore[arg-type]
    return tuple(items) if value.kind == "tuple" else items


def _is_int(v: Any) -> bool:
    return isinstance(v, ast.Literal) and type(v.value) is int


def _check_axes(value: ast.Value, src: Source, what: str, top: bool = False) -> None:
    """in_axes/out_axes leaves: ints or None, in tuples, lists and string-keyed dicts."""
    stack: list[ast.Value] = [value]
    while stack:
        v = stack.pop()
        if _is_int(v) or (isinstance(v, ast.Literal) and v.value is None):
            continue
        if isinstance(v, ast.Container):
            if v.kind == "dict":
                for k, item in v.items:  # type: ignore[misc]
                    if not (isinstance(k, ast.Literal) and isinstance(k.value, str)):
                        raise error(
                            DslAxisSpecError,
                            f"{what} dict keys must be strings",
                            src,
                            k.pos,
                            'write {"name": 0}',
                        )
                    stack.append(item)
            else:
                stack.extend(v.items)  # type: ignore[arg-type]
            continue
        shown = repr(v.value) if isinstance(v, ast.Literal) else v.name
        kind = type(v.value).__name__ if isinstance(v, ast.Literal) else "a function"
        raise error(
            DslAxisSpecError,
            f"{what} entries must be an int, None, or a tuple, "
            f"list or dict of those; got {shown} ({kind})",
            src,
            v.pos,
            "use an axis number such as 0 or -1, or None for an unmapped argument",
        )


def _check_ints(value: ast.Value | None, src: Source, what: str) -> None:
    if value is None or _is_int(value):
        return
    if (
        isinstance(value, ast.Container)
        and value.kind == "tuple"
        and all(_is_int(v) for v in value.items)
    ):
        return
    raise error(
        DslAxisSpecError,
        f"{what} must be an int or a tuple of ints",
        src,
        value.pos,
        f"e.g. {what}=0 or {what}=(0, 1)",
    )


def _check_bool(value: ast.Value | None, src: Source, what: str) -> None:
    if value is None or (isinstance(value, ast.Literal) and type(value.value) is bool):
        return
    raise error(
        DslAxisSpecError, f"{what} must be True or False", src, value.pos, f"e.g. {what}=True"
    )
