"""``axcomp/primitives/`` holds primitives and nothing else: each of its modules declares a
primitive (``name_p = primitive(...)``, with its rules), or is infrastructure those
modules' rules use, listed below with the reason. Library functions built on primitives
belong to the API layer (``axcomp/numpy/``, ``axcomp/lax/``, ``axcomp/nn/``,
``axcomp/scipy/``)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import axcomp

PRIMITIVES = Path(axcomp.__file__).resolve().parent / "primitives"

#: Modules that declare no primitive, with why they belong here anyway.
INFRASTRUCTURE = {
    "lowering": "the operand-alignment helper every def_lower uses",
    "products": "dot/matmul/tensordot on the einsum primitive, which linalg's rules use",
}


def _declared_primitives(source: str) -> list[str]:
    """The names bound at top level to a ``primitive(...)`` call."""
    found = []
    for node in ast.parse(source).body:
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name)
            and node.value.func.id == "primitive"
        ):
            found += [t.id for t in node.targets if isinstance(t, ast.Name)]
    return found


def _imported_modules(source: str) -> set[str]:
    """The sibling modules a primitives module imports (``from .x import ...``)."""
    return {
        node.module
        for node in ast.parse(source).body
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module
    }


MODULES = {p.stem: p.read_text() for p in sorted(PRIMITIVES.glob("*.py")) if p.stem != "__init__"}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_each_module_declares_a_primitive_or_is_listed_infrastructure(module: str) -> None:
    declared = _declared_primitives(MODULES[module])
    if module in INFRASTRUCTURE:
        assert not declared, f"primitives/{module}.py declares {declared}: drop it from the list"
    else:
        assert declared, (
            f"primitives/{module}.py declares no primitive: move its functions to the API "
            "layer, or list it in INFRASTRUCTURE with the reason its rules need it here"
        )


@pytest.mark.parametrize("module", sorted(INFRASTRUCTURE))
def test_infrastructure_is_used_by_a_module_that_declares_primitives(module: str) -> None:
    assert module in MODULES, f"primitives/{module}.py is gone: drop it from the list"
    users = [
        name
        for name, source in MODULES.items()
        if module in _imported_modules(source) and _declared_primitives(source)
    ]
    assert users, f"no primitive module uses primitives/{module}.py"


def test_the_checker_tells_a_declaration_from_a_library_function() -> None:
    assert _declared_primitives('foo_p = primitive("foo", None)\n') == ["foo_p"]
    assert _declared_primitives("def softmax(x):\n    return x\n") == []
    assert _declared_primitives(MODULES["elementwise"]) == ["elementwise_p"]


def test_the_package_docstring_names_every_module() -> None:
    doc = ast.get_docstring(ast.parse((PRIMITIVES / "__init__.py").read_text())) or ""
    missing = [m for m in MODULES if f"``{m}``" not in doc]
    assert not missing, f"primitives/__init__.py's docstring does not mention {missing}"
