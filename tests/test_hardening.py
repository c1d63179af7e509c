"""Hardening: fuzzing (a small run of benchmarks/fuzz.py), compile-once under concurrent
load, bounded state over many signatures, interrupted compiles, and configs that cannot
import, read or run anything."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import fuzz  # noqa: E402


def test_fuzz_small_run_has_no_bad_outcome():
    report = fuzz.run(1500, seed=11, verbose=False)
    assert report["failures"] == []
    assert report["slowest_s"] < fuzz.SLOW_S
    counts = report["counts"]
    for kind in ("spec", "dsl", "config"):  # every generator produced both outcomes
        assert counts.get(f"{kind}:ok", 0) > 0 and counts.get(f"{kind}:error", 0) > 0


def test_fuzz_would_catch_a_wrong_result(monkeypatch):
    real = ax.vmap

    def broken(*args, **kwargs):
        f = real(*args, **kwargs)
        return lambda *a: f(*a) + 1.0

    monkeypatch.setattr(fuzz.ax, "vmap", broken)
    report = fuzz.run(60, seed=2, verbose=False)
    assert any("wrong result" in f for f in report["failures"])


def test_threads_share_cold_functions_compile_each_signature_once():
    def make():
        return [
            ax.vmap(ax.vmap(lambda a, b: anp.sum((a - b) ** 2), (None, 0)), (0, None)),
            ax.jit(lambda x: anp.exp(x - anp.max(x)) / anp.sum(anp.exp(x - anp.max(x)))),
            ax.vmap(ax.grad(lambda w, x: anp.sum(anp.tanh(w * x))), in_axes=(None, 0)),
        ]

    rng = np.random.default_rng(0)
    sizes = [2, 3, 5, 8]
    calls = []
    for _ in range(600):
        k = int(rng.integers(3))
        n, m = (int(s) for s in rng.choice(sizes, 2))
        if k == 0:
            args = (rng.normal(size=(n, 4)), rng.normal(size=(m, 4)))
        elif k == 1:
            args = (rng.normal(size=(n, m)),)
        else:
            args = (rng.normal(size=4), rng.normal(size=(n, 4)))
        calls.append((k, args))
    single = make()
    want = [single[k](*a) for k, a in calls]
    shared = make()
    got: list = [None] * len(calls)
    errors: list[BaseException] = []

    def worker(start: int) -> None:
        try:
            for i in range(start, len(calls), 8):
                k, a = calls[i]
                got[i] = shared[k](*a)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(s,)) for s in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
    for fs, fr in zip(shared, single):  # as many compiles as signatures, none twice
        assert fs.cache_info().misses == fr.cache_info().misses == fs.cache_info().currsize


def test_an_interrupted_compile_leaves_the_cache_usable():
    state = {"interrupt": True}

    def kernel(x):
        if state["interrupt"]:
            raise KeyboardInterrupt
        return x * 2.0

    f = ax.jit(kernel)
    with pytest.raises(KeyboardInterrupt):
        f(np.ones(3))
    assert f.cache_info().currsize == 0
    state["interrupt"] = False
    np.testing.assert_array_equal(f(np.ones(3)), np.full(3, 2.0))


def test_many_signatures_keep_state_bounded():
    from axcomp.backends import live_sources
    from axcomp.transforms import CACHE_SIZE

    f = ax.jit(lambda x: x * 3.0 + 1.0)
    for n in range(1, 2001):
        f(np.ones(n))
    import gc

    gc.collect()
    assert f.cache_info().currsize <= CACHE_SIZE
    assert live_sources() <= 600


def test_a_config_cannot_import_read_or_run(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("do not read")
    attempts = [
        '[kernels]\nf = "(x) = __import__(\\"os\\").system(\\"echo hi\\")"\n',
        f'[kernels]\nf = "(x) = open(\\"{secret}\\")"\n',
        "[functions]\nf = \"vmap(eval('1'))\"\n",
        '[functions]\nf = "vmap(os.system)"\n',
        'source = "import os"\n',
        f'include = "{secret}"\n',
        "kernels:\n  f: !!python/object/apply:os.system ['echo hi']\n",
    ]
    # the honest readers first, so the TOML/YAML parsers and the grammar they import lazily
    # are loaded whatever ran before this test: only an import the attempt caused counts
    for config in ("seed.toml", "seed.yaml"):
        ax.load(ROOT / "examples" / config)
    for k, text in enumerate(attempts):
        suffix = ".yaml" if text.startswith("kernels:") else ".toml"
        path = tmp_path / f"c{k}{suffix}"
        path.write_text(text)
        before = set(sys.modules)
        with pytest.raises(ax.AxcompError):
            ax.load(path)
        assert set(sys.modules) - before == set(), text  # nothing was imported


def test_outputs_that_cannot_fit_are_refused_before_anything_is_allocated(capsys):
    from axcomp.cli import main

    f = ax.vmap(ax.vmap(lambda a, b: a * b, (None, 0)), (0, None))
    big = ax.ShapeDtypeStruct((200_000,), np.float64)
    assert ax.explain(f, big, big).peak_bytes == 200_000**2 * 8  # inspecting allocates nothing
    a = np.ones(200_000)
    for _ in range(2):  # refused again, not cached as a success
        with pytest.raises(ax.MemoryBudgetError, match=r"outputs alone need 298.0 GiB"):
            f(a, a)
    spec = str(ROOT / "examples" / "seed.ax")
    code = main(["run", spec, "pairwise_matvec", "--shapes", "100000,100000,100000 1,1"])
    err = capsys.readouterr().err
    assert code == 2 and "8,000,000,000,000,008 bytes" in err and "more than the" in err


def test_a_dtype_class_is_a_static_argument():
    f = ax.jit(lambda x, dt: anp.astype(x, dt))
    assert f(np.ones(2), np.int32).dtype == np.int32
    assert f(np.ones(2), np.float32).dtype == np.float32
    assert f.cache_info().currsize == 2  # one program per dtype value
