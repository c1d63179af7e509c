"""Write and read the recorded JAX outcomes (``jax_results.json`` + ``jax_results.npz``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .harness import Outcome

HERE = Path(__file__).parent
META = HERE / "jax_results.json"
DATA = HERE / "jax_results.npz"


def save(outcomes: dict[str, Outcome], jax_version: str) -> None:
    meta: dict[str, object] = {"jax_version": jax_version, "cases": {}}
    arrays: dict[str, np.ndarray] = {}
    cases = meta["cases"]
    assert isinstance(cases, dict)
    for name, out in sorted(outcomes.items()):
        cases[name] = {
            "error": out.error,
            "message": out.message,
            "structure": out.structure,
            "leaves": len(out.leaves),
        }
        for i, leaf in enumerate(out.leaves):
            arrays[f"{name}#{i}"] = leaf
    META.write_text(json.dumps(meta, indent=0, sort_keys=True) + "\n")
    np.savez_compressed(DATA, **arrays)


def load() -> tuple[str, dict[str, Outcome]]:
    meta = json.loads(META.read_text())
    outcomes: dict[str, Outcome] = {}
    with np.load(DATA, allow_pickle=False) as data:
        for name, m in meta["cases"].items():
            leaves = tuple(data[f"{name}#{i}"] for i in range(m["leaves"]))
            outcomes[name] = Outcome(
                leaves=leaves, structure=m["structure"], error=m["error"], message=m["message"]
            )
    return meta["jax_version"], outcomes
