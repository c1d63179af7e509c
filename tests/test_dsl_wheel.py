"""The built wheel ships the grammar, and axcomp.compile works from a fresh venv.

The venv is isolated: it is created WITHOUT system site packages, so it cannot pick up a
system-wide axcomp or depend on what happens to be installed system-wide. Its dependencies
come from the environment running the tests: a ``.pth`` file in the venv lists the
directories from which this interpreter imports them (that is where ``pip install
".[test]"`` put them). Nothing is downloaded: the wheel is built without build isolation
when setuptools>=68 and wheel are importable (the ``test`` extra installs both) and
installed with ``--no-deps --no-index``.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import site
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# what an installed axcomp imports (pyproject's dependencies), by import name; wcwidth is
# prompt_toolkit's own dependency
RUNTIME_MODULES = (
    "numpy",
    "opt_einsum",
    "lark",
    "yaml",
    "prompt_toolkit",
    "wcwidth",
    "threadpoolctl",
)
PTH_NAME = "_axcomp_test_running_env.pth"

SCRIPT = """
import sys, numpy as np, axcomp
from importlib import resources
assert axcomp.__file__.startswith(sys.prefix), axcomp.__file__   # the venv copy, not the checkout
grammar = resources.files("axcomp._grammar").joinpath("axcomp.lark")
assert grammar.is_file() and str(grammar).startswith(sys.prefix), str(grammar)
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
else:
    raise AssertionError("bad spec compiled")
print("ok", axcomp.__file__)
"""


def _clean_env() -> dict[str, str]:
    """The environment for the venv's processes: nothing that puts other paths on sys.path."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "PYTHONPATH",
            "PYTHONHOME",
            "PYTHONSTARTUP",
            "PYTHONUSERBASE",
            "PIP_USER",
            "PIP_REQUIRE_VIRTUALENV",
            "VIRTUAL_ENV",
        )
    }
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PIP_NO_INPUT"] = "1"
    return env


def _import_dir(module: str) -> Path | None:
    """The sys.path directory from which this interpreter imports ``module`` (None: absent)."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None or not os.path.isabs(spec.origin):
        return None
    origin = Path(spec.origin).resolve()
    return origin.parent.parent if spec.submodule_search_locations is not None else origin.parent


def running_env_dirs() -> list[str]:
    """Directories the venv's .pth lists: where this interpreter finds axcomp's dependencies,
    then its site-packages. Never the checkout, which must not be importable in the venv."""
    dirs: list[Path] = [d for m in RUNTIME_MODULES if (d := _import_dir(m)) is not None]
    dirs += [Path(p) for p in site.getsitepackages()]
    if site.ENABLE_USER_SITE:
        dirs.append(Path(site.getusersitepackages()))
    out: list[str] = []
    for d in dirs:
        d = d.resolve()
        if d.is_dir() and d != ROOT and str(d) not in out:
            out.append(str(d))
    return out


def venv_python(env_dir: Path) -> Path:
    return (
        env_dir
        / ("Scripts" if sys.platform == "win32" else "bin")
        / ("python.exe" if sys.platform == "win32" else "python")
    )


def make_isolated_venv(env_dir: Path, *, with_pip: bool) -> Path:
    """Create a venv that does NOT see system site packages; return its interpreter."""
    venv.EnvBuilder(system_site_packages=False, with_pip=with_pip, clear=True).create(env_dir)
    return venv_python(env_dir)


def venv_purelib(python: Path) -> Path:
    code = "import sysconfig; print(sysconfig.get_path('purelib'))"
    out = subprocess.run(
        [str(python), "-c", code], check=True, capture_output=True, text=True, env=_clean_env()
    )
    return Path(out.stdout.strip())


def link_running_env(python: Path) -> Path:
    """Make this interpreter's dependencies importable in the venv (after the venv's own
    site-packages, so what was installed into the venv wins); return the .pth file."""
    pth = venv_purelib(python) / PTH_NAME
    pth.write_text("".join(d + "\n" for d in running_env_dirs()), encoding="utf-8")
    return pth


def _can_build_offline() -> bool:
    """pip wheel --no-build-isolation needs setuptools>=68 and wheel in this interpreter."""
    try:
        version = importlib.metadata.version("setuptools")
    except importlib.metadata.PackageNotFoundError:
        return False
    major = re.match(r"\d+", version)
    return (
        major is not None
        and int(major.group()) >= 68
        and (importlib.util.find_spec("wheel") is not None)
    )


# build outputs and caches: a stale build/lib would leak modules that no longer exist into the
# wheel, and building in place would leave build/ and *.egg-info/ in the checkout
_NOT_SOURCE = shutil.ignore_patterns(
    ".git", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis", ".venv"
)


def build_wheel(dist: Path, cwd: Path) -> Path:
    """Build the wheel from a clean copy of the checkout's sources."""
    src = cwd / "src"
    shutil.copytree(ROOT, src, ignore=_NOT_SOURCE, symlinks=True)
    # offline from this interpreter's setuptools/wheel; else (fallback) pip fetches the build
    # requirements into an isolated build environment
    flags = ["--no-build-isolation", "--no-index"] if _can_build_offline() else []
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(src),
            "--no-deps",
            *flags,
            "-w",
            str(dist),
            "-q",
        ],
        check=True,
        cwd=cwd,
        env=_clean_env(),
    )
    (wheel,) = dist.glob("axcomp-*.whl")
    return wheel


def _probe(python: Path, cwd: Path) -> dict[str, str | None]:
    """In the venv: where each runtime module and axcomp import from (None: not importable)."""
    code = (
        "import importlib.util, json\n"
        "def where(m):\n"
        "    s = importlib.util.find_spec(m)\n"
        "    return None if s is None else s.origin\n"
        f"print(json.dumps({{m: where(m) for m in {(*RUNTIME_MODULES, 'axcomp')!r}}}))\n"
    )
    out = subprocess.run(
        [str(python), "-c", code],
        check=True,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=_clean_env(),
    )
    return json.loads(out.stdout)


def test_venv_helper_is_isolated_and_links_running_env(tmp_path: Path) -> None:
    """Fast guard for the slow test's venv: no system site packages, and the .pth lists the
    directories that hold this interpreter's numpy/opt_einsum/lark/yaml/prompt_toolkit."""
    python = make_isolated_venv(tmp_path / "venv", with_pip=False)
    cfg = (tmp_path / "venv" / "pyvenv.cfg").read_text(encoding="utf-8")
    assert re.search(r"^include-system-site-packages\s*=\s*false\s*$", cfg, re.M), cfg

    # isolated: before linking, the venv sees none of the dependencies (not even system ones)
    before = _probe(python, tmp_path)
    assert all(before[m] is None for m in ("numpy", "opt_einsum", "lark", "yaml")), before

    pth = link_running_env(python)
    listed = pth.read_text(encoding="utf-8").splitlines()
    after = _probe(python, tmp_path)
    for module in ("numpy", "opt_einsum", "lark", "yaml", "prompt_toolkit"):
        mod_file = __import__(module).__file__  # where this test run imports it from
        assert mod_file is not None, module
        home = Path(mod_file).resolve().parent.parent  # a package: its sys.path directory
        assert str(home) in listed, (module, home, listed)
        where = after[module]
        assert where is not None, (module, after)
        assert Path(where).resolve() == Path(mod_file).resolve(), (module, after)
    assert str(ROOT) not in listed
    # the checkout is not importable from the venv: an installed wheel must be what it imports
    axcomp_origin = after["axcomp"]
    assert axcomp_origin is None or not Path(axcomp_origin).resolve().is_relative_to(ROOT), after


@pytest.mark.slow
def test_wheel_contains_grammar_and_compiles_in_fresh_venv(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path / "dist", tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    assert "axcomp/_grammar/axcomp.lark" in names
    assert "axcomp/dsl/parser.py" in names

    env_dir = tmp_path / "venv"
    has_pip = importlib.util.find_spec("ensurepip") is not None
    python = make_isolated_venv(env_dir, with_pip=has_pip)
    install = (
        [str(python), "-m", "pip", "install"]
        if has_pip
        # no ensurepip: this pip
        else [sys.executable, "-m", "pip", "install", "--target", str(venv_purelib(python))]
    )
    subprocess.run(
        [*install, "--no-deps", "--no-index", "-q", str(wheel)],
        check=True,
        cwd=tmp_path,
        env=_clean_env(),
    )
    link_running_env(python)  # after the install, so pip in the venv saw only the venv

    out = subprocess.run(
        [str(python), "-c", SCRIPT], cwd=tmp_path, capture_output=True, text=True, env=_clean_env()
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("ok") and str(env_dir) in out.stdout


def test_every_subpackage_is_listed_for_the_wheel():
    # setuptools ships only the packages pyproject names; a new folder left out installs
    # an axcomp that fails at import
    from axcomp.dsl.toml_text import parse_toml

    pyproject = parse_toml((ROOT / "pyproject.toml").read_text(), "pyproject.toml")
    listed = set(pyproject["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "axcomp").rglob("__init__.py")
    }
    assert on_disk <= listed, f"add to [tool.setuptools] packages: {sorted(on_disk - listed)}"
