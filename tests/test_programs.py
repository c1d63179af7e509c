"""Real JAX programs (tests/programs/) run under axcomp after `import jax` -> axcomp.

Each program was run under JAX (x64) and its results recorded (`python tests/programs
record`, with a Python that has JAX); here every program runs once, in a worker
subprocess, with the import swap, and each agreeing program is a passing test. A program
listed in tests/programs/known_failures.py is a strict xfail: fixing it fails the suite
until the entry is removed.
"""

from __future__ import annotations

import re

import pytest
from programs import check, corpus, known_failures, store
from programs.known_failures import KNOWN_FAILURES

KEYS = [p.key for c in corpus.CORPORA for p in corpus.programs(c)]


def _param(key: str, failures: dict[str, str]) -> object:
    if key in failures:
        return pytest.param(key, marks=pytest.mark.xfail(strict=True, reason=failures[key]))
    return key


@pytest.fixture(scope="module")
def verdicts() -> dict[str, check.Verdict]:
    return {f"{c}/{n}": v for c in corpus.CORPORA for n, v in check.check(c).items()}


def test_every_program_is_recorded_and_nothing_else() -> None:
    recorded = {f"{c}/{n}" for c in corpus.CORPORA for n in store.load(c)[1]}
    assert recorded == set(KEYS), "re-record with `/path/to/jax/python tests/programs record`"


def test_the_corpora_are_large_enough_and_disjoint() -> None:
    main = {p.name for p in corpus.programs("main")}
    heldout = {p.name for p in corpus.programs("heldout")}
    assert len(main) >= 60 and len(heldout) >= 20
    assert not main & heldout


def test_every_program_names_its_source_and_runs_as_jax_users_write_it() -> None:
    for c in corpus.CORPORA:
        for p in corpus.programs(c):
            text = p.path.read_text(encoding="utf-8")
            assert text.startswith("# Source: "), p.key
            assert 'jax.config.update("jax_enable_x64", True)' in text, p.key
            assert "axcomp" not in text, p.key


def test_programs_judged_on_their_output_print_something() -> None:
    # "# Compare: stdout" programs (jax.debug.print) must match JAX's printed text exactly
    marked = [p for c in corpus.CORPORA for p in corpus.programs(c) if corpus.compares_stdout(p)]
    assert len(marked) >= 2
    for p in marked:
        assert store.load(p.corpus)[1][p.name].stdout.strip(), p.key


def test_known_failures_name_real_programs() -> None:
    assert not set(KNOWN_FAILURES) - set(KEYS)


def test_known_failures_fail_for_their_stated_reason(verdicts: dict[str, check.Verdict]) -> None:
    wrong = []
    for key, blockers in known_failures.BLOCKERS.items():
        v = verdicts[key]
        said = re.search(known_failures.SIGNATURES[blockers[0]], v.detail)
        if v.outcome != "agrees" and not said:
            wrong.append(f"{key}: expected {blockers[0]!r}, got {v.outcome}: {v.detail}")
    assert not wrong, "update tests/programs/known_failures.py:\n" + "\n".join(wrong)


def test_jax_ran_every_program() -> None:
    raised = {
        f"{c}/{n}": r.error for c in corpus.CORPORA for n, r in store.load(c)[1].items() if r.error
    }
    assert not raised


@pytest.mark.parametrize("key", [_param(k, KNOWN_FAILURES) for k in KEYS])
def test_program_agrees_with_jax(key: str, verdicts: dict[str, check.Verdict]) -> None:
    v = verdicts[key]
    assert v.outcome == "agrees", f"{key} {v.outcome}: {v.detail}"
