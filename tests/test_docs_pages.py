"""The documentation site's pages (docs/*.md) are true: their ``python`` blocks run, page by
page in one session each, and every ``print`` prints what the comment beside or under it
shows (the README's rules, tests/test_readme.py). The site's configuration (mkdocs.yml)
lists every page, and with the ``docs`` extra installed the site builds with warnings as
errors (``mkdocs build --strict``)."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest
from test_readme import blocks, run_python

import axcomp.numpy

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "docs").glob("*.md"))
sys.path.insert(0, str(ROOT / "docs_hooks"))
import numpy_reexports  # noqa: E402  (the hook of the axcomp.numpy API page)


@pytest.mark.parametrize("page", [p.name for p in PAGES])
def test_the_page_runs_and_prints_what_it_shows(
    page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "docs"}
    for block in blocks(ROOT / "docs" / page):
        if block.language == "python":
            run_python(block, namespace, f"docs/{page}")
        elif block.language == "bash":
            pytest.fail(f"docs/{page}:{block.line}: command lines belong in the README")


def test_every_page_is_in_the_site() -> None:
    config = (ROOT / "mkdocs.yml").read_text()
    listed = set(re.findall(r"([\w/-]+\.md)", config))
    on_disk = {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")}
    assert listed == on_disk, listed ^ on_disk


def test_the_numpy_api_page_covers_every_public_name() -> None:
    # mkdocstrings renders what axcomp.numpy defines; the hook adds the rest in place of the
    # page's marker: NumPy's re-exports (zeros, arange, the dtypes...), fft/linalg, vectorize
    assert numpy_reexports.MARKER in (ROOT / "docs" / "api" / "numpy.md").read_text()
    page = numpy_reexports.reexports_markdown(axcomp.numpy)
    found = numpy_reexports.sections(axcomp.numpy)
    hooked = {name for names in found.values() for name in names}
    for name in numpy_reexports.public_names(axcomp.numpy):
        value = getattr(axcomp.numpy, name)
        if name not in hooked:  # rendered by mkdocstrings: axcomp's functions, the values
            assert not callable(value) or value.__module__.startswith("axcomp"), name
            continue
        assert f'id="axcomp.numpy.{name}"' in page or f"## `axcomp.numpy.{name}`" in page, name
    assert {"zeros", "arange", "float32", "newaxis"} <= hooked
    assert {"fft", "linalg", "vectorize"} <= set(found["directives"])
    assert '| <span id="axcomp.numpy.zeros"></span>`zeros` | `numpy.zeros` | Return a new' in page


@pytest.mark.slow  # renders every page and the API reference: several seconds
@pytest.mark.skipif(
    importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("mkdocstrings") is None,
    reason="the docs extra (mkdocs, mkdocstrings) is not installed",
)
def test_the_site_builds_with_warnings_as_errors(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    numpy_page = (tmp_path / "api" / "numpy" / "index.html").read_text()
    anchors = set(re.findall(r'id="axcomp\.numpy\.(\w+)', numpy_page))
    missing = set(numpy_reexports.public_names(axcomp.numpy)) - anchors
    assert not missing, f"the axcomp.numpy page does not show {sorted(missing)}"
    gallery = (tmp_path / "gallery" / "index.html").read_text()
    assert "gp_regression" in gallery and "mean matches NumPy: True" in gallery
