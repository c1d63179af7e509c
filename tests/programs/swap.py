"""The import swap: while installed, ``import jax...`` gives ``axcomp...``.

``jax`` is axcomp itself and ``jax.X.Y`` is the module ``axcomp.X.Y`` (the same object,
not a second copy under another name), so a program runs unedited. A submodule axcomp
lacks fails to import exactly as it would for a user who made the same swap.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.abc
import importlib.machinery
import sys
import types
from collections.abc import Iterator, Sequence
from typing import Any


class _Existing(importlib.abc.Loader):
    def __init__(self, module: types.ModuleType) -> None:
        self.module = module

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return self.module

    def exec_module(self, module: types.ModuleType) -> None:
        pass  # already executed under its own name


class _JaxToAxcomp(importlib.abc.MetaPathFinder):
    def __init__(self, root: types.ModuleType) -> None:
        self.root = root

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "jax" and not fullname.startswith("jax."):
            return None
        if fullname == "jax":
            module = self.root
        else:
            module = importlib.import_module("axcomp" + fullname[3:])
        return importlib.machinery.ModuleSpec(fullname, _Existing(module))


class StandInConfig:
    """Diagnostic only (``check --stand-in config``): what a minimal ``axcomp.config`` does.
    axcomp computes in NumPy's float64 already, so enabling x64 changes nothing."""

    def update(self, name: str, value: Any) -> None:
        if (name, value) != ("jax_enable_x64", True):
            raise ValueError(f"the stand-in config only accepts jax_enable_x64=True, got {name}")


class StandInArray:
    """Diagnostic only: ``jax.Array``, which array_api_compat looks up on whatever module
    ``sys.modules["jax"]`` is; no value is an instance of this one."""


STAND_INS = {"config": StandInConfig(), "Array": StandInArray}


def _root(stand_ins: tuple[str, ...]) -> types.ModuleType:
    import axcomp

    missing = [name for name in stand_ins if not hasattr(axcomp, name)]
    if not missing:
        return axcomp
    proxy = types.ModuleType("jax")  # axcomp plus stand-ins for what it lacks, axcomp untouched

    def forward(name: str) -> Any:
        return getattr(axcomp, name)

    proxy.__getattr__ = forward  # type: ignore[method-assign]
    proxy.__path__ = []  # a package, so `import jax.numpy` goes through the finder
    for name in missing:
        setattr(proxy, name, STAND_INS[name])
    return proxy


@contextlib.contextmanager
def jax_is_axcomp(stand_ins: tuple[str, ...] = ()) -> Iterator[None]:
    saved = {n: m for n, m in sys.modules.items() if n == "jax" or n.startswith("jax.")}
    for name in saved:
        del sys.modules[name]
    finder = _JaxToAxcomp(_root(stand_ins))
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
        for name in [n for n in sys.modules if n == "jax" or n.startswith("jax.")]:
            del sys.modules[name]
        sys.modules.update(saved)
