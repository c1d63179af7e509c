"""``axcomp.export(..., namespace=...)`` and ``axcomp export --namespace``: Array API modules
that run without axcomp on array-api-strict arrays (plain, chunked, with constants, several
outputs), equal to the NumPy path; and the CLI's ``--shapes 3x2x3 4x3`` as the README shows."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pytest
from test_export import run_exported as run_exported_with

import axcomp as ax
import axcomp.numpy as anp
from axcomp.cli import main

xp = pytest.importorskip("array_api_strict")
ROOT = Path(__file__).resolve().parent.parent
RNG = np.random.default_rng(8)

RUN = """
import sys
sys.modules["axcomp"] = None  # axcomp must not be importable for the exported module
sys.path.insert(0, {folder!r})
import numpy as np
import array_api_strict as xp
import {module} as m
args = [xp.asarray(np.load(p)) for p in {inputs!r}]
out = m.{name}(*args)
outs = out if isinstance(out, tuple) else (out,)
for k, o in enumerate(outs):
    assert type(o) is type(args[0]), type(o)  # arrays of the arguments' library
    np.save({folder!r} + "/out%d.npy" % k, np.asarray(o))
"""


def run_exported(tmp_path: Path, source: str, name: str, args: list[np.ndarray]) -> list:
    return run_exported_with(tmp_path, source, name, args, RUN)


def run_exported_numpy(tmp_path: Path, source: str, name: str, args: list) -> list:
    namespace: dict = {}
    exec(compile(source, "exported", "exec"), namespace)  # the test runs the generated code
    out = namespace[name](*args)
    return list(out) if isinstance(out, tuple) else [out]


def l1(a, b):
    return anp.sum(anp.abs(a - b))


@pytest.mark.parametrize("case", ["matvec", "chunked", "grad", "two_outputs"])
@pytest.mark.parametrize("namespace", ["array_api", xp])
def test_exported_array_api_module_runs_on_array_api_strict(tmp_path, case, namespace):
    if case == "matvec":
        f = ax.vmap(ax.vmap(lambda M, v: anp.dot(M, v), (None, 0)), (0, None))
        args = [RNG.normal(size=(3, 2, 3)), RNG.normal(size=(4, 3))]
    elif case == "chunked":  # the Array API chunk driver, a tail block and its programs
        f = ax.jit(ax.vmap(ax.vmap(l1, (None, 0)), (0, None)), memory_limit="8KiB")
        args = [RNG.normal(size=(23, 16)), RNG.normal(size=(10, 16))]
        assert f.lower(*[xp.asarray(a) for a in args]).chunks is not None
    elif case == "grad":
        f = ax.vmap(ax.grad(lambda w, x: anp.sum(anp.tanh(w * x))), in_axes=(None, 0))
        args = [RNG.normal(size=5), RNG.normal(size=(7, 5))]
    else:  # a constant array and two outputs
        f = ax.jit(lambda x: (anp.exp(x), anp.cumsum(x, axis=0) * np.arange(3.0)))
        args = [RNG.normal(size=(4, 3))]
    source = ax.export(f, *args, name="fn", namespace=namespace)
    assert "import axcomp" not in source and "_xp." in source
    if case == "chunked":
        assert "_xp.concat(" in source
    got = run_exported(tmp_path, source, "fn", args)
    want = f(*args)
    want = list(want) if isinstance(want, tuple) else [want]
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)


def test_exported_array_api_module_guards_its_shapes():
    f = ax.vmap(lambda x: x * 2.0)
    source = ax.export(f, ax.ShapeDtypeStruct((4, 3), np.float32), name="double", namespace=xp)
    namespace: dict = {}
    exec(compile(source, "exported", "exec"), namespace)  # the test runs the generated code
    out = namespace["double"](xp.ones((4, 3), dtype=xp.float32))
    assert out.dtype == xp.float32
    np.testing.assert_array_equal(np.asarray(out), 2.0)
    with pytest.raises(ValueError, match=r"must have shape \(4, 3\) and dtype float32"):
        namespace["double"](xp.ones((4, 3)))


def test_arguments_pick_the_namespace_and_dask_is_refused():
    f = ax.vmap(lambda x: anp.sin(x))
    assert "_xp.sin(" in ax.export(f, xp.ones((2, 3)))
    assert "_np.sin(" in ax.export(f, xp.ones((2, 3)), namespace="numpy")
    da = pytest.importorskip("dask.array")
    with pytest.raises(ax.UnsupportedError, match="ShapeDtypeStructs"):
        ax.export(f, da.ones((2, 3)))


def test_cli_export_takes_several_shapes_and_a_namespace(tmp_path, capsys):
    spec = str(ROOT / "examples" / "seed.ax")
    args = [RNG.normal(size=(3, 2, 3)), RNG.normal(size=(4, 3))]
    want = np.einsum("amn,bn->abm", *args)
    out = tmp_path / "pm.py"
    # the README's command line: one --shapes value per argument
    code = main(["export", spec, "pairwise_matvec", "--shapes", "3x2x3", "4x3", "-o", str(out)])
    assert code == 0 and "_xp" not in out.read_text()
    (got,) = run_exported_numpy(tmp_path, out.read_text(), "pairwise_matvec", args)
    np.testing.assert_allclose(got, want)
    xp_out = tmp_path / "pm_xp.py"
    code = main(
        ["export", spec, "pairwise_matvec", "--shapes", "3x2x3", "4x3"]
        + ["--namespace", "array_api", "-o", str(xp_out)]
    )
    assert code == 0
    (got,) = run_exported(tmp_path, xp_out.read_text(), "pairwise_matvec", args)
    np.testing.assert_allclose(got, want)
    capsys.readouterr()
    code = main(
        ["export", spec, "pairwise_matvec", "--shapes", "3x2x3", "4x3", "--namespace", "nope"]
    )
    assert code == 2 and "unknown --namespace 'nope'" in capsys.readouterr().err


def test_exported_array_api_module_binds_each_dtype_once(tmp_path):
    # an implied cast (int32 to float64 for the product) and an astype to the same dtype
    f = ax.jit(lambda x, i: (x * i, i.astype(anp.float64)))
    args = [RNG.normal(size=(4, 3)), np.arange(3, dtype=np.int32)]
    source = ax.export(f, *args, name="fn", namespace=xp)
    bound = re.findall(r"^\s*(\w+) = _xp\.(\w+)$", source, flags=re.MULTILINE)
    assert [dtype for _, dtype in bound] == ["float64"], bound
    assert source.count(f"_xp.astype(i, {bound[0][0]})") == 2
    got = run_exported(tmp_path, source, "fn", args)
    np.testing.assert_array_equal(got[0], args[0] * args[1])
    np.testing.assert_array_equal(got[1], args[1].astype(np.float64))


def test_a_namespace_not_imported_says_to_import_it(monkeypatch):
    monkeypatch.delitem(sys.modules, "array_api_strict")  # installed, not imported
    with pytest.raises(ax.UnsupportedError, match=r"import it first \(import array_api_strict\)"):
        ax.export(ax.vmap(lambda x: x * 2.0), np.ones((2, 3)), namespace="array_api_strict")
