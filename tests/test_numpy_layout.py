"""Where ``axcomp.numpy`` is defined: each public function of ``axcomp.numpy``,
``axcomp.numpy.linalg`` and ``axcomp.numpy.fft`` (and each Tracer method) in exactly one
module of ``axcomp/numpy/``, never in ``primitives/``."""

from __future__ import annotations

import ast
import types
from pathlib import Path
from typing import Any

import pytest

import axcomp.numpy as anp
from axcomp.tracing.tracer import Tracer

NUMPY_DIR = Path(anp.__file__).resolve().parent


def _top_level_definitions(directory: Path, package: str) -> dict[str, list[str]]:
    """Public name -> the modules of ``directory`` that define it (a def, a class or an
    assignment at top level; re-export imports are not definitions)."""
    found: dict[str, list[str]] = {}
    for path in sorted(directory.glob("*.py")):
        module = package if path.name == "__init__.py" else f"{package}.{path.stem}"
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                targets = [node.name]
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                bound = node.targets if isinstance(node, ast.Assign) else [node.target]
                targets = [n.id for t in bound for n in ast.walk(t) if isinstance(n, ast.Name)]
            else:
                continue
            for name in targets:
                if not name.startswith("_"):
                    found.setdefault(name, []).append(module)
    return found


DEFINED = _top_level_definitions(NUMPY_DIR, "axcomp.numpy")


def _public(module: types.ModuleType) -> list[tuple[str, Any]]:
    return [(name, getattr(module, name)) for name in module.__all__]


def _namesake_modules(name: str) -> list[str]:
    """The modules defining the namespaces' public functions called ``name``."""
    return sorted(
        {
            getattr(ns, name).__module__
            for ns in (anp, anp.linalg, anp.fft)
            if name in ns.__all__ and isinstance(getattr(ns, name), types.FunctionType)
        }
    )


@pytest.mark.parametrize("namespace", [anp, anp.linalg, anp.fft], ids=lambda m: m.__name__)
def test_each_function_is_defined_in_one_numpy_module(namespace: types.ModuleType) -> None:
    checked = 0
    for name, value in _public(namespace):
        if not isinstance(value, types.FunctionType):
            continue
        module = value.__module__
        if not module.startswith("axcomp"):
            continue  # NumPy's own (np.eye, np.tri...): re-exported, as JAX does
        assert module == "axcomp.numpy" or module.startswith("axcomp.numpy."), (
            f"{namespace.__name__}.{name} is defined in {module}"
        )
        if name in anp.ufuncs.FUNCTIONS:
            # generated from the elementwise records, once each, by numpy/ufuncs.py
            assert module == "axcomp.numpy.ufuncs" and value is anp.ufuncs.FUNCTIONS[name]
            continue
        # (an alias such as ``around = round`` is bound in the module of its target); a
        # jnp.linalg namesake of a jnp function (``diagonal``, ``trace``...) is JAX's other
        # function, defined once in linalg.py
        assert sorted(DEFINED.get(name, [])) == _namesake_modules(name), (
            f"{namespace.__name__}.{name}: defined in {DEFINED.get(name)}, __module__ {module}"
        )
        checked += 1
    assert checked >= (180 if namespace is anp else 15)  # the check skipped nothing wholesale


def test_no_public_name_is_defined_twice() -> None:
    public = set(anp.__all__) | set(anp.linalg.__all__) | set(anp.fft.__all__)
    # linalg and fft are separate namespaces: a name may appear once in each
    twice = {
        name: modules
        for name, modules in DEFINED.items()
        if name in public
        and len([m for m in modules if m not in ("axcomp.numpy.linalg", "axcomp.numpy.fft")]) > 1
    }
    assert twice == {}


def test_tracer_methods_come_from_axcomp_numpy() -> None:
    for name in ("at", "cumsum", "var", "sort", "round", "clip", "argmax", "repeat", "sum"):
        attr = getattr(Tracer, name)
        fn = attr.fget if isinstance(attr, property) else attr
        assert fn.__module__.startswith("axcomp.numpy."), (name, fn.__module__)


def test_the_definition_scan_sees_a_name_bound_twice(tmp_path: Path) -> None:
    (tmp_path / "__init__.py").write_text("from .a import take as take\n")
    (tmp_path / "a.py").write_text("def take(x):\n    return x\n")
    (tmp_path / "b.py").write_text("take, _hidden = None, None\n")
    assert _top_level_definitions(tmp_path, "pkg") == {"take": ["pkg.a", "pkg.b"]}
