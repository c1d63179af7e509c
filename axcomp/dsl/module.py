"""``axcomp.compile`` and ``axcomp.kernel``: DSL text → callable objects."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from typing import Any, cast

from ..errors import ArgumentTypeError
from . import ast
from .bindings import Builder
from .errors import DslNameError
from .kernel import Kernel
from .parser import parse_kernel, parse_module
from .prelude import RESERVED
from .semantics import Arities, analyse
from .source import Pos, Source

Registry = Mapping[str, Callable[..., Any]]


#: The name that stands for the decorated function in a spec's text.
PLACEHOLDER = "_"


def references(value: ast.Value, name: str) -> bool:
    if isinstance(value, ast.FunctionRef):
        return value.name == name
    if isinstance(value, ast.TransformCall):
        return any(references(a.value, name) for a in value.args)
    return False


def with_placeholder(value: ast.Value) -> ast.Value:
    """``value`` with its innermost transformed function replaced by ``_``."""
    if isinstance(value, ast.FunctionRef):
        return ast.FunctionRef(value.pos, PLACEHOLDER)
    if isinstance(value, ast.TransformCall) and value.args and value.args[0].keyword is None:
        first = dataclasses.replace(value.args[0], value=with_placeholder(value.args[0].value))
        return dataclasses.replace(value, args=(first, *value.args[1:]))
    return value


def apply_spec(
    value: ast.Value, src: Source, fn: Callable[..., Any], kernels: Registry | None = None
) -> Any:
    """The transform expression ``value`` (using ``_``) applied to ``fn``."""
    if not callable(fn):
        raise ArgumentTypeError(f"a spec decorates a function, got {type(fn).__name__}")
    binding = ast.Binding(Pos(1, 1, len(src.text)), "spec", value, src)
    registry = {**(kernels or {}), PLACEHOLDER: fn}
    return build_module((binding,), registry, src.name)["spec"]


class Module:
    """The names a DSL module binds: ``mod.name`` and ``mod["name"]``; iterate for names."""

    def __init__(
        self,
        bindings: dict[str, Any],
        source_name: str = "<string>",
        specs: dict[str, ast.Binding] | None = None,
    ) -> None:
        self._bindings = bindings
        self._source_name = source_name
        self._specs = specs or {}  # every transform binding's text, for ``spec``

    def spec(self, name: str) -> Callable[[Callable[..., Any]], Any]:
        """A decorator applying binding ``name``'s transform expression to a Python
        kernel: ``_`` in the text, or else its innermost function, stands for it. A config
        file thereby decides how a kernel is mapped."""
        binding = self._specs.get(name)
        if binding is None:
            raise DslNameError(
                f"module {self._source_name!r} has no transform binding {name!r}; it has: "
                + (", ".join(self._specs) or "none"),
                hint="specs are bindings such as pairwise = vmap(_, in_axes=(0, None))",
            )
        value = binding.value
        if not references(value, PLACEHOLDER):
            value = with_placeholder(value)
        callables = {k: v for k, v in self._bindings.items() if callable(v)}
        return lambda fn: apply_spec(value, binding.origin, fn, callables)

    def __getattr__(self, name: str) -> Any:
        bindings = self.__dict__.get("_bindings", {})
        if name in bindings:
            return bindings[name]
        raise AttributeError(f"module {self.__dict__.get('_source_name')!r} binds no {name!r}")

    def __getitem__(self, name: str) -> Any:
        try:
            return self._bindings[name]
        except KeyError:
            raise KeyError(
                f"module {self._source_name!r} binds no {name!r}; it binds: "
                + ", ".join(self._bindings)
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self._bindings

    def __iter__(self) -> Iterator[str]:
        return iter(self._bindings)

    def __len__(self) -> int:
        return len(self._bindings)

    def __dir__(self) -> list[str]:
        return [*super().__dir__(), *self._bindings]

    def __repr__(self) -> str:
        return f"<axcomp.Module {self._source_name}: {', '.join(self._bindings)}>"


def compile(source: str, *, kernels: Registry | None = None, name: str = "<string>") -> Module:
    """Compile a module of kernels and bindings; every bound name becomes callable."""
    if not isinstance(source, str):
        raise ArgumentTypeError(
            f"axcomp.compile expects DSL text (a str), got {type(source).__name__}"
        )
    return build_module(parse_module(Source(source, name)), kernels, name)


def kernel(text: str, *, name: str = "anonymous", kernels: Registry | None = None) -> Kernel:
    """One kernel from ``"(M[m, n], v[n]) -> [m] = sum[n](M[m, n] * v[n])"``."""
    if not isinstance(text, str):
        raise ArgumentTypeError(
            f"axcomp.kernel expects DSL text (a str), got {type(text).__name__}"
        )
    kdef = parse_kernel(Source(text, f"<kernel {name}>"), name)
    module = build_module((kdef,), kernels, kdef.origin.name)
    return cast(Kernel, module[kdef.name])  # (a kernel definition binds a Kernel)


def build_module(
    statements: tuple[ast.Statement, ...], kernels: Registry | None, name: str
) -> Module:
    """Check the statements, then create kernels and transform objects in dependency order."""
    registry = _registry(kernels)
    specs = {
        st.name: st
        for st in statements
        if isinstance(st, ast.Binding) and isinstance(st.value, ast.TransformCall)
    }
    if PLACEHOLDER not in registry:  # templates for Module.spec: built only when applied
        statements = tuple(
            st
            for st in statements
            if not (isinstance(st, ast.Binding) and references(st.value, PLACEHOLDER))
        )
    analysis = analyse(statements, registry)
    namespace: dict[str, Any] = dict(registry)
    arities = Arities(analysis.statements, registry)
    for bound in analysis.order:
        st = analysis.statements[bound]
        if isinstance(st, ast.KernelDef):
            namespace[bound] = Kernel(st, namespace.__getitem__)
        else:
            builder = Builder(st.origin, namespace.__getitem__, arities.of_value)
            namespace[bound] = builder.build(st.value)
    # keep the text's order, which is the order a reader expects
    return Module({st.name: namespace[st.name] for st in statements}, name, specs)


def _registry(kernels: Registry | None) -> dict[str, Any]:
    if kernels is None:
        return {}
    if not isinstance(kernels, Mapping):
        raise ArgumentTypeError(
            f"kernels= must map names to functions, got {type(kernels).__name__}"
        )
    out: dict[str, Any] = {}
    for key, fun in kernels.items():
        if not isinstance(key, str) or not key.isidentifier() or key in RESERVED:
            raise DslNameError(
                f"kernels= key {key!r} is not a usable name",
                hint="use identifiers that are not built-in names",
            )
        if not callable(fun):
            raise ArgumentTypeError(f"kernels[{key!r}] must be callable, got {type(fun).__name__}")
        out[key] = fun
    return out
