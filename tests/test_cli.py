"""The ``axcomp`` command line, run as ``python -m axcomp`` in a subprocess."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import axcomp
from axcomp.cli import main
from axcomp.cli.common import parse_shapes
from axcomp.errors import UsageError

SEED_AX = """\
# the seed tutorial
kernel matvec(M[m, n], v[n]) -> [m] = sum[n](M[m, n] * v[n])
kernel sqdist(a[d], b[d]) = sum[d]((a[d] - b[d]) ** 2)
pairwise_matvec = vmap(vmap(matvec, in_axes=(None, 0)), in_axes=(0, None))
batched_matvec  = vmap(matvec, in_axes=(0, 0))
pairwise_dist   = jit(vmap(vmap(sqdist, in_axes=(None, 0)), in_axes=(0, None)))
"""

SEED_TOML = """\
[kernels]
matvec = "(M[m, n], v[n]) -> [m] = sum[n](M[m, n] * v[n])"

[functions]
pairwise_matvec = "vmap(vmap(matvec, in_axes=(None, 0)), in_axes=(0, None))"
"""


def _has_dsl() -> bool:
    try:
        return callable(axcomp.compile) and callable(axcomp.load)
    except (AttributeError, ImportError):
        return False


needs_dsl = pytest.mark.skipif(not _has_dsl(), reason="the DSL (axcomp.compile) is not there yet")


def cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    root = str(Path(__file__).resolve().parent.parent)
    full_env = dict(os.environ if env is None else env)
    full_env["PYTHONPATH"] = root + os.pathsep + full_env.get("PYTHONPATH", "")
    return subprocess.run(
        [sys.executable, "-m", "axcomp", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        input=stdin,
        timeout=120,
        check=False,
    )


@pytest.fixture()
def seed_ax(tmp_path: Path) -> Path:
    path = tmp_path / "seed.ax"
    path.write_text(SEED_AX)
    return path


# --- without the DSL ---------------------------------------------------------------------
def test_parse_shapes() -> None:
    specs = parse_shapes("3,2,3 4,3")
    assert [s.shape for s in specs] == [(3, 2, 3), (4, 3)]
    assert all(s.dtype.name == "float64" for s in specs)
    specs = parse_shapes("3x2:float32; () 5", dtype="int32")
    assert [(s.shape, s.dtype.name) for s in specs] == [
        ((3, 2), "float32"),
        ((), "int32"),
        ((5,), "int32"),
    ]
    for bad in ("3,a", "3,-1", "3:nodtype"):
        with pytest.raises(UsageError):
            parse_shapes(bad)


def test_every_command_has_help() -> None:
    top = cli("--help")
    assert top.returncode == 0
    for cmd in ("demo", "explain", "run", "graph", "export", "repl"):
        assert cmd in top.stdout
    # one subprocess for all subcommands: argparse prints help and exits 0 for each, and
    # each says what it does under its usage line (a description, not just the options)
    code = (
        "import contextlib, io, sys\nfrom axcomp.cli import build_parser\n"
        "for cmd in ['demo', 'explain', 'run', 'graph', 'export', 'repl']:\n"
        "    buf = io.StringIO()\n"
        "    with contextlib.redirect_stdout(buf):\n"
        "        try: build_parser().parse_args([cmd, '--help'])\n"
        "        except SystemExit as e: assert e.code == 0, (cmd, e.code)\n"
        "    assert buf.getvalue().startswith('usage: axcomp ' + cmd), cmd\n"
        "    described = buf.getvalue().split('\\n\\n')[1]\n"
        "    assert not described.startswith(('options:', 'positional')), cmd\n"
        "    print(cmd, 'ok')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parent.parent,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.count(" ok") == 6


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The CLI in-process (fast); the subprocess tests cover ``python -m axcomp`` itself."""
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_main(capsys)[0] == 2  # no command: help, usage exit code
    code, _, err = run_main(capsys, "explain", "kernel f(a[i]) = sum[i](a[i])", "--shapes", "3,x")
    assert code == 2 and "bad shape '3,x'" in err and "Traceback" not in err
    code, _, err = run_main(capsys, "run", "does_not_exist.ax", "f", "--shapes", "3")
    assert code == 2 and "no such file" in err
    # one shape per argument, said before tracing (whose error would speak of in_axes)
    two = "kernel f(a[i], b[i]) = sum[i](a[i] * b[i])"
    for cmd in ("run", "explain", "export", "graph"):
        code, _, err = run_main(capsys, cmd, two, "f", "--shapes", "3")
        assert code == 2 and "f takes 2 arguments (a, b) but 1 shape was given" in err, err
    with pytest.raises(SystemExit) as exc:
        main(["explain", "x"])  # --shapes is required (argparse)
    assert exc.value.code == 2


def test_a_missing_export_namespace_names_the_option(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # as if torch were not installed
    spec = "kernel f(a[i]) = sum[i](a[i])"
    code, _, err = run_main(capsys, "export", spec, "f", "--shapes", "3", "--namespace", "torch")
    assert code == 2 and "--namespace torch needs the torch package: pip install torch" in err


def test_graph_without_graphviz_names_the_package(tmp_path: Path) -> None:
    # A PATH without `dot`: only an empty directory.
    bindir = tmp_path / "bin"
    bindir.mkdir()
    env = dict(os.environ, PATH=str(bindir))
    out = cli(
        "graph",
        "kernel f(a[i]) = sum[i](a[i])",
        "f",
        "--shapes",
        "3",
        "-o",
        str(tmp_path / "g.svg"),
        env=env,
    )
    assert out.returncode != 0
    assert "graphviz" in out.stderr.lower() and "apt-get install graphviz" in out.stderr
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "g.svg").exists()


def test_graph_rejects_unknown_picture_format(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_main(
        capsys, "graph", "kernel f(a[i]) = sum[i](a[i])", "f", "-s", "3", "-o", "g.jpg"
    )
    assert code == 1 and "unknown format '.jpg'" in err


# --- with the DSL ------------------------------------------------------------------------
@needs_dsl
def test_explain_file_subprocess(seed_ax: Path) -> None:
    out = cli("explain", str(seed_ax), "pairwise_matvec", "--shapes", "3,2,3 4,3")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("pairwise_matvec(")
    assert "vmap levels" in out.stdout and "-> float64[3,4,2]" in out.stdout


@needs_dsl
def test_explain_text_and_config(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run_main(
        capsys,
        "explain",
        "kernel s(a[i]) = sum[i](a[i])\nt = vmap(s)",
        "--shapes",
        "5,3",
        "--dtype",
        "float32",
        "--source",
    )
    assert code == 0, err
    assert out.startswith("t(") and "float32[5]" in out and "generated code:" in out
    toml = tmp_path / "seed.toml"
    toml.write_text(SEED_TOML)
    code, out, err = run_main(
        capsys, "explain", str(toml), "pairwise_matvec", "-s", "3,2,3 4,3", "--all"
    )
    assert code == 0, err
    for section in ("axis graph:", "generated code:", "opt_einsum paths:", "Complete contraction"):
        assert section in out


@needs_dsl
def test_dsl_error_is_a_caret_report_without_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    bad = "kernel f(a[i]) = sum[i](a[i]) +"
    out = cli("explain", bad, "--shapes", "3")
    assert out.returncode == 1
    assert "^" in out.stderr and "line 1" in out.stderr
    assert "Traceback" not in out.stderr
    with pytest.raises(axcomp.AxcompError):  # --traceback lets the exception through
        main(["--traceback", "explain", bad, "--shapes", "3"])
    code, _, err = run_main(
        capsys, "explain", "kernel total(a[i]) = sum[i](a[i])", "totl", "--shapes", "3"
    )
    assert code == 2 and "did you mean 'total'" in err


@needs_dsl
def test_run_prints_shape_dtype_preview_time(
    seed_ax: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = cli("run", str(seed_ax), "pairwise_matvec", "--shapes", "3,2,3 4,3", "--seed", "1")
    assert out.returncode == 0, out.stderr
    assert "output: shape (3, 4, 2), dtype float64" in out.stdout
    assert re.search(r"^time: compile \S+ m?s, run \S+ [mµn]?s$", out.stdout, re.M), out.stdout
    assert "seed 1" in out.stdout
    code, again, _ = run_main(
        capsys, "run", str(seed_ax), "pairwise_matvec", "--shapes", "3,2,3 4,3", "--seed", "1"
    )
    preview = [ln for ln in out.stdout.splitlines() if ln.startswith("  [")]
    assert preview and preview == [ln for ln in again.splitlines() if ln.startswith("  [")]
    code, _, err = run_main(capsys, "run", str(seed_ax), "pairwise_matvec", "-s", "3,2,3 4,5")
    assert code == 1 and "Traceback" not in err


@needs_dsl
def test_graph_writes_dot_and_svg(
    seed_ax: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dot_file = tmp_path / "g.dot"
    out = cli("graph", str(seed_ax), "pairwise_matvec", "-s", "3,2,3 4,3", "-o", str(dot_file))
    assert out.returncode == 0, out.stderr
    text = dot_file.read_text()
    assert text.startswith("digraph") and "abc,dc->adb" in text
    code, out_text, _ = run_main(capsys, "graph", str(seed_ax), "pairwise_dist", "-s", "3,2 4,2")
    assert code == 0 and out_text.startswith("digraph")
    if shutil.which("dot"):
        svg = tmp_path / "g.svg"
        code, _, err = run_main(
            capsys, "graph", str(seed_ax), "pairwise_matvec", "-s", "3,2,3 4,3", "-o", str(svg)
        )
        assert code == 0, err
        assert "<svg" in svg.read_text()


L1_SPEC = (
    "kernel l1(a[d], b[d]) = sum[d](abs(a[d] - b[d]))\n"
    "f = vmap(vmap(l1, in_axes=(None, 0)), in_axes=(0, None))"
)


def test_memory_limit_chunks_and_run_shows_progress(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(
        capsys, "explain", L1_SPEC, "--shapes", "40,16 30,16", "--memory-limit", "8KiB"
    )
    assert code == 0 and "chunked (memory): vmap axis 'a' (size 40)" in out
    code, out, err = run_main(
        capsys,
        "run",
        L1_SPEC,
        "f",
        "--shapes",
        "40,16 30,16",
        "--memory-limit",
        "8KiB",
        "--threads",
        "1",
    )
    assert code == 0 and "shape (40, 30)" in out
    assert err == ""  # stderr is no terminal here: no bar unless asked
    code, out, err = run_main(
        capsys, "run", L1_SPEC, "f", "-s", "40,16 30,16", "--memory-limit", "8KiB", "--progress"
    )
    # asked for, on a log: one plain line per tenth, no carriage returns
    lines = err.splitlines()
    assert code == 0 and "\r" not in err and 2 <= len(lines) <= 11, err
    assert lines[-1].startswith("f: 100% (40/40 blocks) [")  # one block per row here
    code, out, err = run_main(
        capsys, "run", L1_SPEC, "f", "-s", "40,16 30,16", "--memory-limit", "8KiB", "--repeat", "3"
    )
    assert code == 0 and re.search(r"; 3 runs: best \S+ [mµ]?s, median ", out), out
    code, out, _ = run_main(capsys, "explain", L1_SPEC, "--shapes", "40,16 30,16")
    assert "chunked" not in out  # the limit was this command's only
    code, _, err = run_main(
        capsys, "explain", L1_SPEC, "--shapes", "40,16 30,16", "--memory-limit", "lots"
    )
    assert code == 1 and "memory_limit='lots' is not a size" in err


@pytest.mark.parametrize("backend", ["array_api_strict", "torch", "jax", "dask"])
def test_run_backend_picks_the_input_library(
    capsys: pytest.CaptureFixture[str], backend: str
) -> None:
    spec = str(Path(__file__).resolve().parent.parent / "examples" / "seed.ax")
    args = ("run", spec, "pairwise_distance_sq", "-s", "3,2 4,2")
    code, want, _ = run_main(capsys, *args)
    assert code == 0
    module = {
        "array_api_strict": "array_api_strict",
        "torch": "torch",
        "jax": "jax.numpy",
        "dask": "dask.array",
    }
    try:
        __import__(module[backend])
    except ImportError:
        code, _, err = run_main(capsys, *args, "--backend", backend)
        assert code == 2 and f"pip install {backend}" in err and "Traceback" not in err
        return
    code, out, _ = run_main(capsys, *args, "--backend", backend)
    assert code == 0 and f"random inputs ({backend} arrays), seed 0" in out
    assert out.splitlines()[1:4] == want.splitlines()[1:4]  # same shape, dtype and values


def test_version_is_the_installed_distributions(capsys: pytest.CaptureFixture[str]) -> None:
    import importlib.metadata

    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    installed = importlib.metadata.version("axcomp")
    assert capsys.readouterr().out == f"axcomp {installed}\n"
    # pyproject.toml reads the version from axcomp.__version__: the two cannot differ
    assert installed == axcomp.__version__
