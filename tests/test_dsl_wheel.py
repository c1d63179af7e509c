"""The built wheel ships the grammar, and axcomp.compile works from a fresh venv."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import sys, numpy as np, axcomp
assert axcomp.__file__.startswith(sys.prefix), axcomp.__file__   # the venv copy, not the checkout
mod = axcomp.compile('''
kernel matvec(M[m, n], v[n]) -> [m] = sum[n](M[m, n] * v[n])
pairwise = vmap(vmap(matvec, in_axes=(None, 0)), in_axes=(0, None))
''')
M, V = np.ones((3, 2, 5)), np.ones((4, 5))
assert mod.pairwise(M, V).shape == (3, 4, 2)
try:
    axcomp.compile("kernel f(x[n] = x[n]")
except axcomp.SpecSyntaxError as exc:
    assert "^" in str(exc)
print("ok", axcomp.__file__)
"""


@pytest.mark.slow
def test_wheel_contains_grammar_and_compiles_in_fresh_venv(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    # build offline with the installed setuptools when it can make wheels, else isolated
    isolation = [] if importlib.util.find_spec("wheel") is None else ["--no-build-isolation"]
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", *isolation,
         "-w", str(dist), "-q"],
        check=True, cwd=tmp_path,
    )
    (wheel,) = dist.glob("axcomp-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "axcomp/_grammar/axcomp.lark" in names
    assert "axcomp/dsl/parser.py" in names

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(env_dir)
    python = env_dir / ("Scripts" if sys.platform == "win32" else "bin") / "python"
    # --ignore-installed: CI has already installed axcomp system-wide, and the venv sees
    # system site-packages, so without it pip would consider the wheel already satisfied
    subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--ignore-installed", "-q",
                    str(wheel)],
                   check=True, cwd=tmp_path)
    out = subprocess.run([str(python), "-c", SCRIPT], cwd=tmp_path, capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("ok") and str(env_dir) in out.stdout
