"""The differential fuzzers' fixed-seed slice (the long run: benchmarks/soak.py).

Each test draws a fixed number of cases from one fuzzer with a fixed seed and requires
that none ends in a wrong answer or a crash that is not an ``AxcompError`` (refusals are
allowed; the soak counts them). The subsets that used to fail (order-dependent post-ops
under chunking, derivatives over empty batches, hostile names in exported modules) are
separate tests named for what they cover.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import fuzz_chunking
import fuzz_export
import fuzz_kernels
import fuzz_names
import fuzz_transforms
import numpy as np
import pytest
from fuzz_harness import Outcome, report, shrink

import axcomp as ax


def failures(
    fuzzer: Any, seed: int, n: int, keep: Callable[[Any], bool] = lambda case: True
) -> list[str]:
    """Reports (shrunk repros) of the first three failing among ``n`` kept cases."""
    rng = random.Random(seed)
    found: list[str] = []
    kept = 0
    while kept < n:
        case = fuzzer.draw(rng)
        if not keep(case):
            continue
        kept += 1
        outcome: Outcome = fuzzer.check(case)
        if outcome.failed:
            found.append(report(*shrink(case, fuzzer.check)))
            if len(found) == 3:
                break
    return found


def assert_none_fail(
    fuzzer: Any, seed: int, n: int, keep: Callable[[Any], bool] = lambda case: True
) -> None:
    found = failures(fuzzer, seed, n, keep)
    assert not found, "\n".join(found)


def _runnable(case: Any) -> bool:
    """dask is optional: without it, the chunking fuzzer's dask cases are left out."""
    return fuzz_chunking.HAVE_DASK or getattr(case, "mode", None) != "dask"


def _empty_batch_derivative(case: Any) -> bool:
    empty = any(layer.kind == "vmap" and layer.size == 0 for layer in case.layers)
    return bool(empty and case.derivatives)


def test_transform_chains_match_loops_and_finite_differences() -> None:
    assert_none_fail(fuzz_transforms, 1, 160, lambda c: not _empty_batch_derivative(c))


def test_derivatives_over_empty_batches() -> None:
    assert_none_fail(fuzz_transforms, 2, 15, _empty_batch_derivative)


def test_chunked_dask_and_pmap_runs_equal_the_unchunked_run() -> None:
    assert_none_fail(
        fuzz_chunking, 3, 120, lambda c: _runnable(c) and not fuzz_chunking.order_dependent(c)
    )


def test_order_dependent_post_ops_under_chunking() -> None:
    keep = lambda c: _runnable(c) and fuzz_chunking.order_dependent(c)  # noqa: E731
    assert_none_fail(fuzz_chunking, 4, 60, keep)


def test_exported_modules_equal_the_compiled_functions() -> None:
    assert_none_fail(fuzz_export, 5, 120)


EXPORTS = tuple(sorted(fuzz_names.EXPORTS))


def _names(target: str, paths: tuple[str, ...]) -> Callable[[Any], bool]:
    return lambda case: fuzz_names.target(case) == target and case.path in paths


@pytest.mark.parametrize("path", fuzz_names.PATHS)
def test_hostile_dict_keys(path: str) -> None:
    assert_none_fail(fuzz_names, 6, 20, _names("keys", (path,)))


@pytest.mark.parametrize("keys", [("ｔ0", "t0"), ("ｘ", "x")])
def test_dict_keys_that_nfkc_folds_together(keys: tuple[str, str]) -> None:
    # {'ｔ0': x, 't0': y}: both become the parameter d__t0 (SyntaxError in compile_source);
    # drawn too rarely to rely on the random slice, so built here
    kernel = fuzz_kernels.random_kernel(random.Random(0), max_steps=2)
    case = fuzz_names.NamesCase(kernel, ("x", "y"), "kernel", keys, "explain", seed=5)
    outcome = fuzz_names.check(case)
    assert not outcome.failed, report(case, outcome)


@pytest.mark.parametrize("path", [p for p in fuzz_names.PATHS if p not in EXPORTS])
def test_hostile_parameter_names_in_compiled_code(path: str) -> None:
    assert_none_fail(fuzz_names, 7, 20, _names("parameters", (path,)))


def test_hostile_parameter_names_in_exported_modules() -> None:
    assert_none_fail(fuzz_names, 8, 30, _names("parameters", EXPORTS))


def test_hostile_function_names() -> None:
    assert_none_fail(fuzz_names, 9, 60, _names("function", fuzz_names.PATHS))


def test_all_names_hostile_at_once() -> None:
    assert_none_fail(fuzz_names, 10, 60, _names("all", fuzz_names.PATHS))


# -- the oracles can fail: an injected wrong answer, crash or refusal is classified as such


def _first_agreeing(fuzzer: Any, seed: int) -> Any:
    rng = random.Random(seed)
    while True:
        case = fuzzer.draw(rng)
        if _runnable(case) and fuzzer.check(case).kind == "agree":
            return case


# where each fuzzer runs axcomp (module, attribute): the seam the injections replace
SEAMS = {
    "transforms": (fuzz_transforms.ChainCase, "compiled"),
    "chunking": (fuzz_chunking, "_run"),
    "export": (fuzz_export, "run_exported"),
    "names": (fuzz_names, "_run"),
}
FUZZERS = {
    "transforms": fuzz_transforms,
    "chunking": fuzz_chunking,
    "export": fuzz_export,
    "names": fuzz_names,
}


def _inject(monkeypatch: pytest.MonkeyPatch, name: str, change: Callable[[Any], Any]) -> None:
    """Make the seam's result ``change(result)``; for ``compiled``, of the function's result."""
    owner, attr = SEAMS[name]
    original = getattr(owner, attr)
    if attr == "compiled":

        def compiled(self: Any) -> Any:
            f = original(self)
            return lambda *a: change(f(*a))

        monkeypatch.setattr(owner, attr, compiled)
    else:
        monkeypatch.setattr(owner, attr, lambda *a: change(original(*a)))


def _perturb(value: Any) -> Any:
    if hasattr(value, "compute"):  # a lazy dask result: perturbed once computed
        return value * 1.001 + 1e-3
    return np.asarray(value) * 1.001 + 1e-3


def _raise(exc: BaseException) -> Callable[[Any], Any]:
    def change(value: Any) -> Any:
        raise exc

    return change


@pytest.mark.parametrize("name", sorted(FUZZERS))
def test_an_injected_wrong_answer_is_called_wrong(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    fuzzer = FUZZERS[name]
    case = _first_agreeing(fuzzer, 11)
    _inject(monkeypatch, name, _perturb)
    assert fuzzer.check(case).kind == "wrong"


@pytest.mark.parametrize("name", sorted(FUZZERS))
@pytest.mark.parametrize(
    ("exc", "label"),
    [(KeyError("injected"), "crash:KeyError"), (ax.ShapeError("injected"), "refusal:ShapeError")],
)
def test_an_injected_exception_is_a_crash_or_a_refusal(
    monkeypatch: pytest.MonkeyPatch, name: str, exc: Exception, label: str
) -> None:
    fuzzer = FUZZERS[name]
    case = _first_agreeing(fuzzer, 12)
    _inject(monkeypatch, name, _raise(exc))
    assert fuzzer.check(case).label == label
