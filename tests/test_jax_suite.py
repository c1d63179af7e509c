"""JAX's own vmap tests, translated (tests/jaxsuite/), against JAX's recorded outcomes.

The recording (``jax_results.json``/``.npz``) is made with ``python tests/jaxsuite record``
under a scratch environment that has JAX; this module needs only axcomp. A case listed in
``KNOWN_FAILURES`` is a strict xfail: it must fail, so fixing one forces its removal.
"""

from __future__ import annotations

import pytest
from jaxsuite import harness, store
from jaxsuite.known_failures import KNOWN_FAILURES
from jaxsuite.registry import all_cases

pytestmark = pytest.mark.sweep  # the floors run of .ci/run skips it

CASES = all_cases()
JAX_VERSION, RECORDED = store.load()
COUNTED = sorted(n for n, c in CASES.items() if not c.excluded)


def test_the_recording_matches_the_registered_cases():
    missing = [n for n in COUNTED if n not in RECORDED]
    stale = [n for n in RECORDED if n not in CASES or CASES[n].excluded]
    assert not missing and not stale, (
        f"re-record with `python tests/jaxsuite record` (jax); missing {missing[:5]}, "
        f"stale {stale[:5]}"
    )


def test_known_failures_name_real_cases():
    assert not [n for n in KNOWN_FAILURES if n not in CASES], "a known failure was renamed"


@pytest.fixture(scope="module")
def lib() -> harness.Lib:
    return harness.axcomp_lib()


@pytest.mark.parametrize("name", COUNTED)
def test_case_agrees_with_jax(name: str, lib: harness.Lib) -> None:
    if name in KNOWN_FAILURES:
        pytest.xfail(KNOWN_FAILURES[name])  # checked below: it must still fail
    c = CASES[name]
    why = harness.compare(c, RECORDED[name], harness.run(lib, c))
    assert why is None, f"{name}: {why}"


@pytest.mark.parametrize("name", sorted(KNOWN_FAILURES))
def test_known_failure_still_fails(name: str, lib: harness.Lib) -> None:
    c = CASES[name]
    assert harness.compare(c, RECORDED[name], harness.run(lib, c)) is not None, (
        f"{name} passes now: remove it from tests/jaxsuite/known_failures.py"
    )
