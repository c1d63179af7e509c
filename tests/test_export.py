"""axcomp.export / `axcomp export`: a standalone module that runs without axcomp; and the
Jupyter HTML of an explanation."""

from __future__ import annotations

import html.parser
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp
from axcomp.cli import main

ROOT = Path(__file__).resolve().parent.parent
RNG = np.random.default_rng(5)

RUN = """
import sys
sys.modules["axcomp"] = None  # axcomp must not be importable for the exported module
sys.path.insert(0, {folder!r})
import numpy as np
import {module} as m
args = [np.load(p) for p in {inputs!r}]
out = m.{name}(*args)
outs = out if isinstance(out, tuple) else (out,)
for k, o in enumerate(outs):
    np.save({folder!r} + "/out%d.npy" % k, o)
"""


def run_exported(
    tmp_path: Path, source: str, name: str, args: list[np.ndarray], run: str = RUN
) -> list:
    """Outputs of ``source``'s function ``name`` on ``args``, run by the script ``run`` in
    a process where axcomp cannot be imported."""
    (tmp_path / "exported.py").write_text(source)
    inputs = []
    for k, a in enumerate(args):
        inputs.append(str(tmp_path / f"in{k}.npy"))
        np.save(inputs[-1], a)
    code = run.format(folder=str(tmp_path), module="exported", inputs=inputs, name=name)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    return [np.load(p) for p in sorted(tmp_path.glob("out*.npy"))]


def sqdist(a, b):
    return anp.sum((a - b) ** 2)


@pytest.mark.parametrize(
    "case",
    ["matvec", "sqdist_gemm", "chunked", "grad", "two_outputs"],
)
def test_exported_module_runs_without_axcomp(tmp_path, case):
    if case == "matvec":
        f = ax.vmap(ax.vmap(lambda M, v: anp.dot(M, v), (None, 0)), (0, None))
        args = [RNG.normal(size=(3, 2, 3)), RNG.normal(size=(4, 3))]
    elif case == "sqdist_gemm":  # the GEMM expansion and its exact refine step
        f = ax.vmap(ax.vmap(sqdist, (None, 0)), (0, None))
        args = [RNG.normal(size=(40, 64)), RNG.normal(size=(30, 64))]
    elif case == "chunked":  # a block driver and its block programs
        f = ax.jit(
            ax.vmap(ax.vmap(lambda a, b: anp.sum(anp.abs(a - b)), (None, 0)), (0, None)),
            memory_limit="8KiB",
            threads=1,
        )
        args = [RNG.normal(size=(23, 16)), RNG.normal(size=(10, 16))]
        assert f.lower(*args).chunks is not None
    elif case == "grad":
        f = ax.vmap(ax.grad(lambda w, x: anp.sum(anp.tanh(w * x))), in_axes=(None, 0))
        args = [RNG.normal(size=5), RNG.normal(size=(7, 5))]
    else:
        f = ax.jit(lambda x: (anp.exp(x), anp.cumsum(x, axis=0) * np.arange(3.0)))
        args = [RNG.normal(size=(4, 3))]
    got = run_exported(tmp_path, ax.export(f, *args, name="fn"), "fn", args)
    want = f(*args)
    want = list(want) if isinstance(want, tuple) else [want]
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)


def test_exported_module_guards_its_shapes_and_names_its_spec(tmp_path):
    f = ax.vmap(lambda x: x * 2.0)
    source = ax.export(f, ax.ShapeDtypeStruct((4, 3), np.float32), name="double")
    assert "vmap level 1" in source and "in_axes=0" in source
    namespace: dict = {}
    exec(compile(source, "exported", "exec"), namespace)  # the test runs the generated code
    np.testing.assert_array_equal(namespace["double"](np.ones((4, 3), np.float32)), 2.0)
    with pytest.raises(ValueError, match=r"must have shape \(4, 3\) and dtype float32"):
        namespace["double"](np.ones((4, 3)))


def test_cli_export(tmp_path, capsys):
    out = tmp_path / "pm.py"
    spec = str(ROOT / "examples" / "seed.ax")
    code = main(["export", spec, "pairwise_matvec", "--shapes", "3,2,3 4,3", "-o", str(out)])
    assert code == 0 and out.is_file()
    args = [RNG.normal(size=(3, 2, 3)), RNG.normal(size=(4, 3))]
    (got,) = run_exported(tmp_path, out.read_text(), "pairwise_matvec", args)
    np.testing.assert_allclose(got, np.einsum("amn,bn->abm", *args))


class _Checker(html.parser.HTMLParser):
    VOID = frozenset({"br", "hr", "img", "meta", "link", "input"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, (tag, self.stack)
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def test_explanation_renders_well_formed_html():
    pw = ax.vmap(ax.vmap(lambda M, v: anp.dot(M, v), (None, 0)), (0, None))
    e = ax.explain(pw, np.ones((3, 2, 3)), np.ones((4, 3)))
    checker = _Checker()
    checker.feed(e._repr_html_())
    checker.close()
    assert checker.stack == []
    text = "".join(checker.text)
    assert "abc,dc->adb" in text and "vmap levels" in text and "_np.matmul" in text
    assert "<lambda>(M: float64[3,2,3]" in text  # escaped in the HTML, intact as text


def test_exported_infinite_constants(tmp_path):
    # a scatter-add's identities are +-inf Python floats, whose repr (inf) is no Python
    # name: the exported module used to fail with NameError when it ran
    idx = np.array([1, 2, 0, 2])
    f = ax.jit(lambda y: y.at[idx].add(y[:4] * 2.0))
    y = RNG.normal(size=5)
    want = y.copy()
    np.add.at(want, idx, y[:4] * 2.0)
    (got,) = run_exported(tmp_path, ax.export(f, y, name="fn"), "fn", [y])
    np.testing.assert_allclose(got, want, rtol=1e-15)


def test_a_zero_dimensional_array_constant_keeps_its_shape():
    # jvp of jvp of a sum leaves a 0-d zero array as the program's whole result (the soak
    # found the export returning shape (1,): NumPy's ascontiguousarray makes 0-d values 1-d)
    tx, ty = np.full(3, 0.1), np.full(3, 0.2)

    def inner(x, y):
        return ax.jvp(lambda x, y: anp.sum(y), (x, y), (tx, ty))[1]

    def f(x, y):
        return ax.jvp(inner, (x, y), (tx, ty))[1]

    x, y = np.ones(3), np.ones(3)
    namespace: dict = {}
    exec(compile(ax.export(f, x, y, name="fn"), "exported", "exec"), namespace)
    got, want = namespace["fn"](x, y), ax.jit(f)(x, y)
    assert np.shape(got) == np.shape(want) == ()
    np.testing.assert_array_equal(got, want)


def test_an_exported_chunked_program_runs_its_blocks_on_threads(tmp_path, monkeypatch):
    import threading

    l1 = ax.vmap(ax.vmap(lambda a, b: anp.sum(anp.abs(a - b)), (None, 0)), (0, None))
    args = [RNG.normal(size=(23, 16)), RNG.normal(size=(10, 16))]
    threaded = ax.jit(l1, memory_limit="8KiB", threads=3)
    chunks = threaded.lower(*args).chunks
    assert chunks is not None and chunks.threads == 3 and chunks.n_blocks > 2
    source = ax.export(threaded, *args, name="fn")
    assert "_ThreadPool(_threads" in source
    (got,) = run_exported(tmp_path, source, "fn", args)  # without axcomp
    np.testing.assert_array_equal(got, threaded(*args))
    # in process: two blocks meet at a barrier, which only concurrent workers can pass
    module: dict = {}
    exec(compile(source, "exported", "exec"), module)  # the test runs the generated code
    barrier, workers = threading.Barrier(2, timeout=30), set()
    run_blocks = module["_run_blocks"]

    def observed(one, size, chunk, threads, progress):
        def block(start, stop):
            workers.add(threading.get_ident())
            if start < 2 * chunk:  # the first two blocks wait for each other
                barrier.wait()
            one(start, stop)

        run_blocks(block, size, chunk, threads, progress)

    module["_run_blocks"] = observed
    np.testing.assert_array_equal(module["fn"](*args), got)
    assert len(workers) > 1 and threading.get_ident() not in workers
    # without threadpoolctl (optional in an exported module) BLAS keeps its threads
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)
    bare: dict = {}
    exec(compile(source, "exported", "exec"), bare)  # the test runs the generated code
    np.testing.assert_array_equal(bare["fn"](*args), got)
    # compiled for one thread, the module keeps the plain loop and imports no pool
    serial = ax.export(ax.jit(l1, memory_limit="8KiB", threads=1), *args, name="fn")
    assert "_ThreadPool" not in serial and "for _start in _range(" in serial
