"""A trace error's traceback ends at the user's line, as with JAX's traceback filtering:
the frames axcomp ran between the user's call and the failing line are left out (unless
``AXCOMP_TRACEBACK_FILTERING=off``)."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp

PACKAGE = str(Path(ax.__file__).resolve().parent)


def bad_kernel(x: Any) -> Any:
    return anp.dot(x, np.ones((3, 4))).sum()  # the failing line: (5,) against (3, 4)


FAILING_LINE = bad_kernel.__code__.co_firstlineno + 1

CALLS: dict[str, Callable[[], Any]] = {
    "jit": lambda: ax.jit(bad_kernel)(np.ones(5)),
    "vmap": lambda: ax.vmap(bad_kernel)(np.ones((2, 5))),
    "grad": lambda: ax.grad(bad_kernel)(np.ones(5)),
    "jit(grad)": lambda: ax.jit(ax.grad(bad_kernel))(np.ones(5)),
    "jacfwd": lambda: ax.jacfwd(bad_kernel)(np.ones(5)),
    "eval_shape": lambda: ax.eval_shape(bad_kernel, np.ones(5)),
}


def _frames(call: Callable[[], Any]) -> list[traceback.FrameSummary]:
    with pytest.raises(ax.AxcompError) as info:
        call()
    return traceback.extract_tb(info.value.__traceback__)


@pytest.mark.parametrize("transform", sorted(CALLS))
def test_the_last_frame_is_the_users_failing_line(transform: str) -> None:
    frames = _frames(CALLS[transform])
    assert (frames[-1].name, frames[-1].lineno) == ("bad_kernel", FAILING_LINE)
    assert frames[-1].filename == __file__
    # nothing of the trace between the user's kernel and the error is shown
    inner = frames[[f.name for f in frames].index("bad_kernel") :]
    assert all(not f.filename.startswith(PACKAGE) for f in inner)


def test_filtering_off_keeps_every_frame(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AXCOMP_TRACEBACK_FILTERING", "off")
    frames = _frames(lambda: ax.jit(bad_kernel)(np.ones(5)))
    after_kernel = frames[[f.name for f in frames].index("bad_kernel") + 1 :]
    assert after_kernel and all(f.filename.startswith(PACKAGE) for f in after_kernel)
