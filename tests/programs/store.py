"""The JAX recording: ``recorded/<corpus>.npz`` (leaves) and ``.json`` (everything else)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FOLDER = Path(__file__).resolve().parent / "recorded"
STDOUT_CHARS = 600  # enough to read what a program prints, small enough to store


@dataclass(frozen=True)
class Recorded:
    leaves: dict[str, np.ndarray]  # empty when JAX raised
    error: str | None  # "TypeError: first line" when the program raised under JAX
    stdout: str
    source: str


def save(corpus: str, outcomes: dict[str, Recorded], jax_version: str) -> None:
    FOLDER.mkdir(exist_ok=True)
    arrays = {
        f"{name}::{path}": leaf
        for name, rec in outcomes.items()
        for path, leaf in rec.leaves.items()
    }
    np.savez_compressed(FOLDER / f"{corpus}.npz", **arrays)
    meta = {
        "jax_version": jax_version,
        "programs": {
            name: {
                "leaves": list(rec.leaves),
                "error": rec.error,
                "stdout": rec.stdout[:STDOUT_CHARS],
                "source": rec.source,
            }
            for name, rec in sorted(outcomes.items())
        },
    }
    text = json.dumps(meta, indent=1, ensure_ascii=False) + "\n"
    (FOLDER / f"{corpus}.json").write_text(text, encoding="utf-8")


def load(corpus: str) -> tuple[str, dict[str, Recorded]]:
    meta = json.loads((FOLDER / f"{corpus}.json").read_text(encoding="utf-8"))
    with np.load(FOLDER / f"{corpus}.npz") as arrays:
        out = {
            name: Recorded(
                {path: arrays[f"{name}::{path}"] for path in m["leaves"]},
                m["error"],
                m["stdout"],
                m["source"],
            )
            for name, m in meta["programs"].items()
        }
    return meta["jax_version"], out
