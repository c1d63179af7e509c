"""Each public function of ``axcomp.lax`` (and ``lax.linalg``), ``axcomp.nn``,
``axcomp.scipy.linalg``, ``axcomp.scipy.signal`` and ``axcomp.scipy.special`` is written
once, in a module of the API layer (``axcomp/lax/``, ``axcomp/nn/``, ``axcomp/scipy/``),
never in ``primitives/``."""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest

import axcomp.lax
import axcomp.nn
import axcomp.scipy.linalg
import axcomp.scipy.signal
import axcomp.scipy.special

NAMESPACES: dict[str, types.ModuleType] = {
    "axcomp.lax": axcomp.lax,
    "axcomp.lax.linalg": axcomp.lax.linalg,
    "axcomp.nn": axcomp.nn,
    "axcomp.scipy.linalg": axcomp.scipy.linalg,
    "axcomp.scipy.signal": axcomp.scipy.signal,
    "axcomp.scipy.special": axcomp.scipy.special,
}
API_PACKAGES = ("axcomp.lax.", "axcomp.nn.", "axcomp.scipy.")

#: Public names that are defined below the API layer on purpose, with the reason.
ELSEWHERE = {
    # the parameter types of the gather and scatter primitives
    "GatherDimensionNumbers": "axcomp.primitives.gathers",
    "ScatterDimensionNumbers": "axcomp.primitives.gathers",
    # transforms with their own derivative rules
    "custom_linear_solve": "axcomp.transforms.implicit",
    "custom_root": "axcomp.transforms.implicit",
}


def _public(module: types.ModuleType) -> list[tuple[str, Any]]:
    return [
        (name, getattr(module, name))
        for name in module.__all__
        if not isinstance(getattr(module, name), types.ModuleType)
    ]


def _defining_module(obj: Any) -> str:
    # staged functions (transforms.jit.staged_export) carry the module that wrote them
    traced = getattr(obj, "traced", None)
    return str((traced or obj).__module__)


@pytest.mark.parametrize("namespace", sorted(NAMESPACES))
def test_each_public_name_is_defined_in_an_api_module(namespace: str) -> None:
    for name, obj in _public(NAMESPACES[namespace]):
        where = _defining_module(obj)
        if namespace == "axcomp.lax" and name in ELSEWHERE:
            assert where == ELSEWHERE[name], f"{namespace}.{name} is defined in {where}"
            continue
        assert where.startswith(API_PACKAGES), f"{namespace}.{name} is defined in {where}"
        home = sys.modules[where]
        # really written there: the module holds this very object, or the traced function
        # it stages (by name, or in the module's FUNCTIONS table of functions generated from
        # the elementwise records)
        held = [*vars(home).values(), *getattr(home, "FUNCTIONS", {}).values()]
        traced = getattr(obj, "traced", None)
        assert any(v is obj or (traced is not None and v is traced) for v in held), (
            f"{namespace}.{name} not in {where}"
        )


def test_each_traced_function_is_staged_once() -> None:
    # a name re-exported elsewhere (lax.linalg_qr, nn.logsumexp) is the same object, not a
    # second wrapper of the same implementation
    namespaces = list(NAMESPACES.values())
    staged: dict[int, set[int]] = {}
    for module in namespaces:
        for _, obj in _public(module):
            if hasattr(obj, "traced"):
                staged.setdefault(id(obj.traced), set()).add(id(obj))
    assert staged and all(len(wrappers) == 1 for wrappers in staged.values())
    assert axcomp.lax.linalg_qr is axcomp.lax.linalg.qr
    assert axcomp.nn.logsumexp is axcomp.scipy.special.logsumexp


def test_the_checker_sees_a_function_defined_in_primitives() -> None:
    # the rule above would be toothless if a primitives function passed as an API one
    from axcomp.primitives.control import fori_loop

    assert not _defining_module(fori_loop).startswith(API_PACKAGES)
    assert _defining_module(axcomp.lax.fori_loop) == "axcomp.lax.control_flow"
