"""Record the public names of JAX's top level and array-API modules for
tests/test_missing_names.py (run
once, with JAX installed: ``python tests/jax_names_record.py``). Writes
``jax_public_names.json``: the JAX version and, per module, the sorted names ``dir()``
shows that do not start with an underscore. CI reads the file and needs no JAX."""

from __future__ import annotations

import importlib
import json
import types
from pathlib import Path

OUT = Path(__file__).parent / "jax_public_names.json"

ROOTS = [
    "jax.numpy",
    "jax.lax",
    "jax.scipy",
    "jax.nn",
    "jax.random",
]
# submodules dir() does not show (imported on demand in JAX)
EXTRA = ["jax.scipy.optimize", "jax.scipy.spatial.transform"]


def _public(module: types.ModuleType) -> list[str]:
    return sorted(n for n in dir(module) if not n.startswith("_"))


def _walk(name: str, out: dict[str, list[str]]) -> None:
    module = importlib.import_module(name)
    out[name] = _public(module)
    for sub in out[name]:
        value = getattr(module, sub)
        if isinstance(value, types.ModuleType) and value.__name__ == f"{name}.{sub}":
            _walk(value.__name__, out)


def main() -> None:
    import jax

    # the top-level names (jax.jit, jax.device_put...), without walking its other modules
    modules: dict[str, list[str]] = {"jax": _public(jax)}
    for root in ROOTS + EXTRA:
        _walk(root, modules)
    # a submodule imported on demand is a name of its parents too
    for name in list(modules):
        parts = name.split(".")
        for cut in range(1, len(parts)):
            parent, child = ".".join(parts[:cut]), parts[cut]
            modules.setdefault(parent, [])
            if child not in modules[parent]:
                modules[parent] = sorted([*modules[parent], child])
    OUT.write_text(
        json.dumps({"jax": jax.__version__, "modules": modules}, indent=1, sort_keys=True) + "\n"
    )


if __name__ == "__main__":
    main()
