"""Compiling a program runs no cyclic garbage collection (``staging._collector_paused``):
the collector is off while the program is traced, lowered and built, and as it was before
afterwards."""

from __future__ import annotations

import gc
from typing import Any

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp
from axcomp.transforms import staging


@pytest.fixture
def collector_while_compiling(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    seen: list[bool] = []
    compile_traced = staging.compile_traced

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return compile_traced(*args, **kwargs)

    monkeypatch.setattr(staging, "compile_traced", spy)
    return seen


def test_the_collector_is_paused_while_compiling_then_restored(
    collector_while_compiling: list[bool],
) -> None:
    f = ax.jit(lambda x, y: anp.tanh(x @ y.T).sum(1))
    x = np.ones((5, 3))
    assert gc.isenabled()
    compiled = f.lower(x, x)
    assert collector_while_compiling == [False]
    assert gc.isenabled()
    np.testing.assert_allclose(np.asarray(compiled.call_flat(x, x)), 5 * np.tanh(3.0))


def test_a_disabled_collector_stays_disabled(collector_while_compiling: list[bool]) -> None:
    gc.disable()
    try:
        ax.jit(lambda x: anp.exp(x) + 1).lower(np.ones(4))
        assert collector_while_compiling == [False]
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_failing_compile_restores_the_collector() -> None:
    with pytest.raises(ax.AxcompError):
        ax.jit(lambda x, y: x @ y)(np.ones((2, 3)), np.ones((2, 3)))
    assert gc.isenabled()
