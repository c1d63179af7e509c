import os
import sys

# Check every traced graph, and the graph after every simplification pass, against the
# primitives' rules (Graph.verify); a malformed graph fails the test that made it.
os.environ.setdefault("AXCOMP_VERIFY", "1")

# Run against the checkout (the grammar loader also handles an installed wheel).
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

import axcomp as ax

# On CI every run draws the same examples, so a red CI is one anyone can reproduce (the
# oldest Hypothesis CI installs has no built-in "ci" profile); local runs keep exploring.
settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _config_flags_are_restored() -> Iterator[None]:
    """A test that sets an ``axcomp.config`` flag (x64) must not change the next test's
    defaults: put every flag back."""
    saved = dict(ax.config._values)
    yield
    for name, value in saved.items():
        if ax.config._values[name] != value:
            ax.config.update(name, value)


@pytest.fixture(scope="module")
def shared_kernel_cache(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Path]:
    """One ``AXCOMP_CACHE_DIR`` for a module's compiled kernels (each compiled once, shared
    by the module's tests). Opt in with
    ``pytestmark = pytest.mark.usefixtures("shared_kernel_cache")``."""
    path = tmp_path_factory.mktemp(f"{request.module.__name__.rsplit('.', 1)[-1]}-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AXCOMP_CACHE_DIR", str(path))
        yield path


@pytest.fixture
def without_passes(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """``without_passes(run, *passes)``: ``run()`` with ``passes`` dropped from
    ``compiler.simplify.PASSES`` (the plain path a rewrite is checked against), the passes
    back afterwards. Opt in by naming the fixture."""
    simplify = sys.modules["axcomp.compiler.simplify"]  # (the package exports the function)

    def run_without(run: Callable[[], Any], *passes: Any) -> Any:
        with monkeypatch.context() as m:
            m.setattr(simplify, "PASSES", tuple(p for p in simplify.PASSES if p not in passes))
            return run()

    return run_without
