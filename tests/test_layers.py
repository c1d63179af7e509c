"""The package's layers import only downwards (deferred and type-checking imports counted).

``ALLOWED`` is the layer table of docs/architecture.md: each layer may import itself and
the layers listed. A new edge that is not in the table, an import cycle between modules,
or an ``importlib`` call that hides an edge fails here, not in review.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "axcomp"

LEAVES = {"errors", "pytree"}
ALLOWED: dict[str, set[str]] = {
    "missing_names": set(),
    "errors": {"missing_names"},
    "config": {"errors"},
    "array": {"tracing", "core", "errors", "pytree"},
    "typing": {"array", "tracing", "core", "errors", "pytree"},
    "pytree": set(),
    # errors: tree_unflatten / register_dataclass raise AxcompErrors
    "tree_util": {"errors", "pytree"},
    "tree": {"tree_util", "pytree"},
    "devices": {"tracing", "core", "errors", "pytree"},
    "trace_scopes": {"errors"},
    "dtypes": {"numpy", "core", "errors"},
    "host_callbacks": {"primitives", "tracing", "core", "errors", "pytree"},
    "ops": {"lax", "numpy", "transforms", "primitives", "tracing", "core", "errors", "pytree"},
    "flatten_util": {"numpy", "transforms", "primitives", "tracing", "core", "errors", "pytree"},
    "ad_checkpoint": {"transforms"},
    "debug": {"primitives", "tracing", "core", "errors", "pytree"},
    "core": {"errors"},
    "tracing": {"core", "errors", "pytree"},
    "primitives": {"tracing", "core", "errors"},
    "compiler": {"primitives", "core", "errors"},
    "backends": {"core", "errors"},
    # config: jax_log_compiles decides the level compiles are logged at
    "transforms": {
        "config",
        "backends",
        "compiler",
        "primitives",
        "tracing",
        "core",
        "errors",
        "pytree",
    },
    # config: the jax_debug_nans/jax_debug_infs gate of every eager result
    "numpy": {
        "config",
        "lax",
        "transforms",
        "primitives",
        "tracing",
        "core",
        "errors",
        "pytree",
    },
    "lax": {"transforms", "primitives", "tracing", "core", "errors"},
    "random": {
        "config",
        "numpy",
        "lax",
        "transforms",
        "primitives",
        "tracing",
        "core",
        "errors",
        "pytree",
    },
    "nn": {
        "scipy",
        "random",
        "numpy",
        "lax",
        "transforms",
        "primitives",
        "tracing",
        "core",
        "errors",
    },
    "scipy": {
        "random",
        "lax",
        "transforms",
        "primitives",
        "tracing",
        "core",
        "errors",
        "pytree",
    },
    "inspect": {"backends", "transforms", "compiler", "primitives", "core", "errors", "pytree"},
    "dsl": {
        "nn",
        "scipy",
        "lax",
        "numpy",
        "transforms",
        "primitives",
        "tracing",
        "core",
        "errors",
        "pytree",
    },
    "cli": {"dsl", "inspect", "numpy", "transforms", "core", "errors", "pytree"},
}


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, name: str | None = None) -> set[str]:
    """Every axcomp module ``path`` imports, wherever the import statement is."""
    name = name or _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "axcomp")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "axcomp":
                continue
            for alias in node.names:  # ``from . import x`` may import a submodule x
                sub = f"{target}.{alias.name}"
                found.add(sub if _exists(sub) else target)
    return found - {name}


def _exists(module: str) -> bool:
    rel = Path(*module.split(".")[1:])
    return (PACKAGE / rel).with_suffix(".py").is_file() or (PACKAGE / rel / "__init__.py").is_file()


def _layer(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) == 1 or parts[1] == "__main__":
        return None  # the package's __init__ and ``python -m axcomp``: the top
    return parts[1]


GRAPH = {_module_name(p): _imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_follow_the_layer_table(module: str) -> None:
    layer = _layer(module)
    if layer is None:
        return  # axcomp/__init__.py gathers the public API from every layer; top of the stack
    assert layer in ALLOWED, f"{module}: layer {layer!r} is not in the layer table"
    for target in GRAPH[module]:
        other = _layer(target)
        assert other is not None, f"{module} imports the axcomp package itself ({target})"
        assert other == layer or other in ALLOWED[layer], (
            f"{module} imports {target}: layer {layer!r} may only import "
            f"{sorted(ALLOWED[layer]) or 'nothing'}"
        )


def test_no_import_cycles_between_modules() -> None:
    state: dict[str, int] = {}  # 1 on the stack, 2 done

    def visit(m: str, stack: list[str]) -> None:
        state[m] = 1
        for t in sorted(GRAPH.get(m, ())):
            if state.get(t) == 1:
                cycle = stack[stack.index(t) :] + [t] if t in stack else [m, t]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if t in GRAPH and not state.get(t):
                visit(t, [*stack, t])
        state[m] = 2

    for m in sorted(GRAPH):
        if not state.get(m):
            visit(m, [m])


def test_no_hidden_imports() -> None:
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                fn = node.func
                name = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", "")
                assert name not in ("import_module", "__import__"), (
                    f"{path.relative_to(PACKAGE.parent)}:{node.lineno} imports dynamically"
                )


def test_the_checker_sees_deferred_imports(tmp_path: Path) -> None:
    # the rules above would be toothless if imports inside functions were missed
    mod = PACKAGE / "core" / "graph.py"
    assert "axcomp.core.primitive" in GRAPH[_module_name(mod)]
    fake = tmp_path / "probe.py"
    fake.write_text("def f():\n    from ..cli import main\n")
    assert {_layer(t) for t in _imports(fake, "axcomp.core.probe")} == {"cli"}
