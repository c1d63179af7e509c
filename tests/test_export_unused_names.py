"""Exported modules are as clean as hand code: every import and every module-level helper
name they bind is used (the NumPy and Array API modules, whole and chunked)."""

from __future__ import annotations

import ast
import functools

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp


@functools.partial(ax.vmap, in_axes=(0, None))
def scale(x, s):
    return x * s


def dist2(a, b):
    return anp.sum((a - b) ** 2)


nearest_rows = ax.vmap(lambda x, B: anp.min(ax.vmap(dist2, (None, 0))(x, B)), (0, None))
nearest = ax.jit(nearest_rows, memory_limit="64KiB", threads=1)
CASES = {
    "scalar constant": (scale, (np.ones((4, 3)), 2.0)),
    "array constant": (ax.jit(lambda x: x * np.arange(3.0)), (np.ones(3),)),
    "chunked": (nearest, (np.ones((300, 3)), np.ones((200, 3)))),
    "chunked on threads": (
        ax.jit(nearest_rows, memory_limit="64KiB", threads=2),
        (np.ones((300, 3)), np.ones((200, 3))),
    ),
}


def unused_module_names(source: str) -> list[str]:
    tree = ast.parse(source)
    bound = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            bound |= {(a.asname or a.name).split(".")[0] for a in node.names}
    for stmt in tree.body:
        for target in stmt.targets if isinstance(stmt, ast.Assign) else []:
            elts = target.elts if isinstance(target, ast.Tuple) else [target]
            bound |= {e.id for e in elts if isinstance(e, ast.Name)}
        if isinstance(stmt, ast.FunctionDef) and stmt.name.startswith("_"):
            bound.add(stmt.name)
    loaded = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    loaded |= {
        n.value.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
    }
    return sorted(name for name in bound - loaded if name != "annotations")


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("namespace", ["numpy", "array_api"])
def test_an_exported_module_binds_nothing_it_does_not_use(case: str, namespace: str) -> None:
    fun, args = CASES[case]
    source = ax.export(fun, *args, namespace=namespace, name="exported")
    assert unused_module_names(source) == [], source
    exported: dict[str, object] = {}
    exec(source, exported)  # our own generated module
    # and it still runs, equal to the compiled function
    arrays = [a for a in args if isinstance(a, np.ndarray)]
    got = exported["exported"](*arrays)  # type: ignore[operator]
    np.testing.assert_allclose(np.asarray(got), np.asarray(fun(*args)))
