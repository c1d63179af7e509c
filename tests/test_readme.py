"""The README's Python examples run as written, and print what their comments say."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _blocks(section: str) -> str:
    text = README.read_text()
    start = text.index(section)
    end = text.find("\n## ", start + len(section))
    return "\n".join(re.findall(r"```python\n(.*?)```", text[start:end], re.S))


def _run(code: str) -> dict[str, object]:
    namespace: dict[str, object] = {}
    exec(compile(code, str(README), "exec"), namespace)  # our own README, not user text
    return namespace


def test_the_opening_examples_run_and_give_the_shapes_they_claim():
    ns = _run(_blocks("# axcomp"))
    assert ns["pairwise"](ns["mats"], ns["vecs"]).shape == (3, 4, 2)
    x, y = np.random.rand(5, 8), np.random.rand(6, 8)
    np.testing.assert_allclose(ns["sqdist"](x, y), ((x[:, None] - y[None]) ** 2).sum(-1))


def test_the_transforms_section_runs_and_its_comments_hold():
    ns = _run(_blocks("## Transforms and decorators"))
    assert ns["loss"](ns["w"], ns["xs"]).shape == (8, 3, 2)
    x = ns["x"]
    np.testing.assert_allclose(ns["H"], np.diag(6 * x))
    assert {k: v.shape for k, v in ns["jp"].items()} == {"b": (2, 2), "w": (2, 2, 3)}
    import axcomp as ax

    np.testing.assert_allclose(ax.jacrev(ns["f"])(x), ns["J"])
    grads = ax.vmap(ax.grad(ns["log1pexp"]))(np.array([0.0, 50.0, 800.0]))
    np.testing.assert_allclose(grads, [0.5, 1.0, 1.0])
    assert ax.grad(lambda v: ns["clip_gradient"](v) * 5.0)(2.0) == pytest.approx(1.0)
    assert "def " in ns["source"]


def test_the_random_section_gives_the_numbers_jax_gives():
    # the numbers in the README's comments are JAX 0.10's outputs for these keys
    ns = _run(_blocks("## Random numbers, as JAX draws them"))
    np.testing.assert_array_equal(ns["u"], np.float32([0.8423141, 0.18237865, 0.2271781]))
    np.testing.assert_array_equal(ns["n"], [2, 2, 6, 5, 1])
    assert ns["z"].shape == (3, 2) and ns["w"].shape == (2, 2)
