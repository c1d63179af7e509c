"""CI installs pinned versions only, and they agree with pyproject.toml: the floors run
pins exactly the lower bounds pyproject states (.ci/floors.txt), the main run pins versions
inside pyproject's ranges (.ci/constraints.txt), and .ci/run finds the oldest Python."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from axcomp.dsl.toml_text import parse_toml

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENT = re.compile(r"([A-Za-z0-9_.-]+)(\[[a-z,]+\])?(>=|==)([0-9.]+)(\s*;.*)?")


def key(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def version(text: str) -> tuple[int, ...]:
    parts = [int(p) for p in text.split(".")]
    while parts and parts[-1] == 0:
        parts.pop()  # 3.1 == 3.1.0
    return tuple(parts)


def pins(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            m = re.fullmatch(r"([A-Za-z0-9_.-]+)(\[[a-z,]+\])?==([0-9.]+)", line.strip())
            assert m, f"{path.name}: {line!r} is not an exact pin"
            out[key(m.group(1))] = m.group(3)
    return out


def requirements() -> list[tuple[str, str, str, str]]:
    """(name, operator, version, marker) of the dependencies and the dask and test extras."""
    project = parse_toml((ROOT / "pyproject.toml").read_text(), "pyproject.toml")["project"]
    extras = project["optional-dependencies"]
    out = []
    for dep in project["dependencies"] + extras["dask"] + extras["test"]:
        m = REQUIREMENT.fullmatch(dep)
        assert m, f"{dep!r}: every requirement states a lower bound or an exact pin"
        out.append((key(m.group(1)), m.group(3), m.group(4), (m.group(5) or "").strip()))
    return out


def test_the_floors_run_pins_exactly_the_lower_bounds_pyproject_states() -> None:
    floors = pins(ROOT / ".ci" / "floors.txt")
    for name, op, v, _ in requirements():
        if op == ">=":  # == pins (ruff, mypy) are for the style checks, not the floors run
            assert name in floors, f"{name} has a floor in pyproject but none in floors.txt"
            assert version(floors[name]) == version(v), (name, floors[name], v)


def test_the_main_run_pins_versions_inside_pyprojects_ranges() -> None:
    constraints = pins(ROOT / ".ci" / "constraints.txt")
    for name, op, v, marker in requirements():
        if marker:  # e.g. tomli, only below Python 3.11
            continue
        assert name in constraints, f"{name} is installed by CI but not pinned in constraints"
        pinned = version(constraints[name])
        assert pinned == version(v) if op == "==" else pinned >= version(v), (name, pinned, v)


def test_the_docs_extra_is_pinned_for_the_main_run() -> None:
    # .ci/run installs it after the tests to build the site; the floors run does not
    project = parse_toml((ROOT / "pyproject.toml").read_text(), "pyproject.toml")["project"]
    constraints = pins(ROOT / ".ci" / "constraints.txt")
    assert project["optional-dependencies"]["docs"]
    for dep in project["optional-dependencies"]["docs"]:
        m = REQUIREMENT.fullmatch(dep)
        assert m, f"{dep!r}: every requirement states a lower bound or an exact pin"
        name = key(m.group(1))
        assert name in constraints, f"{name} is installed by CI but not pinned in constraints"
        assert version(constraints[name]) >= version(m.group(4)), (name, m.group(4))
    for name in ("mkdocstrings_python", "griffelib", "markdown", "pillow"):  # what they pull in
        assert name in constraints, name
    assert '".[docs]"' in (ROOT / ".ci" / "run").read_text()


def test_dask_and_distributed_are_pinned_to_one_release() -> None:
    # distributed requires the dask of its own release; two different ones make pip
    # backtrack or install a pair that fails at import
    for path in (ROOT / ".ci" / "floors.txt", ROOT / ".ci" / "constraints.txt"):
        p = pins(path)
        assert p["dask"] == p["distributed"], path.name


def test_the_floors_run_uses_the_oldest_python_pyproject_allows() -> None:
    project = parse_toml((ROOT / "pyproject.toml").read_text(), "pyproject.toml")["project"]
    oldest = re.fullmatch(r">=(\d+\.\d+)", project["requires-python"])
    assert oldest, project["requires-python"]
    run = (ROOT / ".ci" / "run").read_text()
    # .ci/run reads the version from the same line this test reads
    assert "requires-python" in run and "python$oldest" in run


@pytest.mark.skipif(sys.platform == "win32", reason=".ci/run is a bash script")
def test_ci_run_fails_clearly_without_the_oldest_python(tmp_path: Path) -> None:
    # a copy of the repo whose pyproject asks for a Python no machine has; the main run is
    # stubbed out by a fake `python` on PATH that succeeds without doing anything
    (tmp_path / ".ci").mkdir()
    (tmp_path / ".ci" / "run").write_text((ROOT / ".ci" / "run").read_text())
    text = (ROOT / "pyproject.toml").read_text()
    (tmp_path / "pyproject.toml").write_text(
        re.sub(r'requires-python = ">=[0-9.]+"', 'requires-python = ">=2.1"', text)
    )
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "python"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path), "PYENV_ROOT": str(tmp_path)}
    out = subprocess.run(
        ["bash", str(tmp_path / ".ci" / "run")], capture_output=True, text=True, env=env
    )
    assert out.returncode == 1
    assert "no Python 2.1 found" in out.stderr
