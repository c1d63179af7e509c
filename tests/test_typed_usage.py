"""Types an IDE can use: a typed user program (examples/typed_usage.py) passes
``mypy --strict``, the transforms keep the decorated function's signature, and
``axcomp.numpy``'s functions show their parameters (not ``def (*Any, **Any) -> Any``).
One mypy run (a few seconds; its cache is kept in a temporary folder)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

REVEAL = """
import numpy as np
import axcomp as ax
import axcomp.numpy as anp
from typed_usage import scores

@ax.vmap(in_axes=(0, None))
def scale(x: np.ndarray, s: float) -> np.ndarray:
    return x * s

def loss(x: float, s: int) -> float:
    return x * s

reveal_type(scale)
reveal_type(scores)
reveal_type(anp.sum)
reveal_type(anp.where)
reveal_type(anp.dot)
reveal_type(ax.nn.softmax)
reveal_type(anp.tanh)
reveal_type(anp.arctan2)
reveal_type(ax.grad(loss))
reveal_type(ax.value_and_grad(argnums=1)(loss))
reveal_type(ax.hessian(loss))
"""


@pytest.mark.slow  # mypy checks axcomp's modules it imports: ~10 s on one core
def test_mypy_strict_passes_on_the_typed_example_and_sees_signatures(tmp_path: Path) -> None:
    probe = ROOT / "examples" / "_reveal_probe.py"
    probe.write_text(REVEAL)
    try:
        run = subprocess.run(
            [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent",
             "--cache-dir", str(tmp_path), "examples/typed_usage.py", str(probe)],
            cwd=ROOT, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    finally:
        probe.unlink()
    notes = [ln for ln in run.stdout.splitlines() if "Revealed type" in ln]
    errors = [ln for ln in run.stdout.splitlines() if ": error:" in ln]
    assert not errors, run.stdout  # strict passes on the example (reveal_type is only a note)
    assert len(notes) == 11, run.stdout
    scale, scores, total, where, dot, softmax, tanh, arctan2, g, vg, h = notes
    assert "VmappedFunction[[x: numpy.ndarray" in scale and "s: float]" in scale
    assert "JittedFunction[[w: numpy.ndarray" in scores
    assert "def (a: Any, axis: Any =" in total
    assert "def (condition: Any, x: Any =, y: Any =) -> Any" in where
    assert "Product" in dot and "StagedExport[[x: Any, axis: Any =" in softmax
    # the generated elementwise functions, through ufunc_signatures.py
    assert tanh.endswith('"def (Any) -> Any"') and arctan2.endswith('"def (Any, Any) -> Any"')
    # the derivative transforms keep the function's parameters
    params = "x: float, s: int"
    assert f"def ({params}) -> Any" in g and f"def ({params}) -> Any" in h, (g, h)
    assert f"def ({params}) -> tuple[Any, Any]" in vg, vg


def test_the_typed_example_runs() -> None:
    run = subprocess.run(
        [sys.executable, "examples/typed_usage.py"], cwd=ROOT, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["(5,)", "True"]
