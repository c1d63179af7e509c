"""The gallery (examples/*.py) runs at its small size and every check it prints holds:
each script compares its axcomp result with an independent NumPy computation (a loop, a
closed form, finite differences) and prints ``True`` or ``False``."""

from __future__ import annotations

import contextlib
import io
import runpy
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NOT_GALLERY = ("gallery.py", "seed_tutorial.py", "typed_usage.py")  # a helper, the seed, types
SCRIPTS = sorted(p.name for p in EXAMPLES.glob("[!_]*.py") if p.name not in NOT_GALLERY)
# what each script must draw: its figure (with matplotlib) or its axis-graph picture
PICTURES = {
    "gp_regression.py": "gp_regression.png",
    "knn_classification.py": "knn_classification.png",
    "per_example_gradients.py": "per_example_gradients.png",
    "ntk_matrix.py": "ntk_matrix.png",
    "pairwise_distances.py": "pairwise_distances.png",
    "explain_report.py": "explain_graph.*",
}


def run_example(name: str, out: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(sys, "argv", [name, "--small", "--out", str(out)])
    monkeypatch.syspath_prepend(str(EXAMPLES))
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        runpy.run_path(str(EXAMPLES / name), run_name="__main__")
    return printed.getvalue()


def test_every_script_is_in_the_gallery() -> None:
    assert set(SCRIPTS) == set(PICTURES)
    gallery = (EXAMPLES.parent / "docs" / "gallery.md").read_text()
    for name in SCRIPTS:
        assert f"<!-- example: {name} -->" in gallery, name


@pytest.mark.parametrize("name", SCRIPTS)
def test_the_example_runs_and_its_checks_hold(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    printed = run_example(name, tmp_path, monkeypatch)
    checks = [ln for ln in printed.splitlines() if ln.endswith(("True", "False"))]
    assert name == "explain_report.py" or checks, printed
    assert all(ln.endswith("True") for ln in checks), printed
    drawn = list(tmp_path.glob(PICTURES[name]))
    if name == "explain_report.py":
        assert drawn and "contractions" in printed and "def axcomp_" in printed
    elif drawn:
        assert drawn[0].stat().st_size > 1000  # a real picture
    else:  # no matplotlib here: the script says so instead
        assert "matplotlib is not installed" in printed
