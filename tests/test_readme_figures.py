"""The figures the README states about the repository (case counts, program counts, file
sizes, limits) are read from the README and compared with the repository as it is."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import axcomp.dsl
from axcomp.transforms.eager import PATHS_PER_SIGNATURE

ROOT = Path(__file__).resolve().parents[1]
README = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())  # one line


def figure(pattern: str) -> int:
    """The number the README writes where ``pattern`` (with one group) matches."""
    m = re.search(pattern, README)
    assert m, f"the README no longer says {pattern!r}"
    return int(m.group(1).replace(",", ""))


def test_the_program_corpus_counts_and_all_agree() -> None:
    from programs.known_failures import KNOWN_FAILURES

    main = len(list((ROOT / "tests" / "programs" / "main").glob("*.py")))
    heldout = len(list((ROOT / "tests" / "programs" / "heldout").glob("*.py")))
    assert figure(r"`tests/programs/` holds (\d+) programs") == main
    assert figure(r"and (\d+) held-out ones \(`heldout/`\)") == heldout
    assert not KNOWN_FAILURES  # what lets the README say "all"
    assert figure(r"Today all (\d+) main programs") == main
    assert figure(r"and all (\d+) held-out ones agree") == heldout


@pytest.mark.slow  # registers the whole translated suite
def test_the_jax_suite_counts_and_all_agree() -> None:
    from jaxsuite.known_failures import KNOWN_FAILURES
    from jaxsuite.registry import all_cases

    counted = [name for name, case in all_cases().items() if not case.excluded]
    assert figure(r"into ([\d,]+) cases that run unchanged") == len(counted)
    assert not KNOWN_FAILURES
    assert figure(r"Today all ([\d,]+) agree") == len(counted)


def test_sizes_and_limits() -> None:
    size = (ROOT / "tests" / "random_jax.npz").stat().st_size
    assert figure(r"into a (\d+) KiB file") == round(size / 1024)
    assert figure(r"`axcomp.dsl.MAX_NESTING` \((\d+)\)") == axcomp.dsl.MAX_NESTING
    assert figure(r"`axcomp.dsl.MAX_DEPTH` \((\d+)\)") == axcomp.dsl.MAX_DEPTH
    assert figure(r"\(`paths_info\(\)`; (\d+) paths a signature\)") == PATHS_PER_SIGNATURE
