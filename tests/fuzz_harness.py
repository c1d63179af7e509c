"""What the differential fuzzers share: outcome classes, comparison, shrinking.

Every fuzzer case ends in one :class:`Outcome`:

* ``agree``: axcomp's result matches the independent oracle;
* ``wrong``: a silent wrong answer (shape, dtype or values differ) -- the worst outcome;
* ``crash``: axcomp raised something that is not an ``AxcompError``;
* ``refusal``: axcomp raised an ``AxcompError`` (``detail`` names its type); acceptable,
  but counted so that a refusal of something valid is visible;
* ``invalid``: the oracle itself could not run the case (a generator bug, never axcomp's).

A fuzzer is a module with ``draw(rng) -> case`` and ``check(case) -> Outcome``; cases are
frozen dataclasses with ``repro() -> str`` (a program a person can paste) and
``smaller() -> list`` (candidate reductions), which :func:`shrink` uses to make a failing
case minimal before it is printed.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import numpy as np

import axcomp as ax

FAILING = ("wrong", "crash")


@dataclass(frozen=True)
class Outcome:
    kind: str  # agree | wrong | crash | refusal | invalid
    detail: str = ""

    @property
    def failed(self) -> bool:
        return self.kind in FAILING

    @property
    def label(self) -> str:
        """The counter key: the refusal's or crash's exception type is part of it."""
        if self.kind in ("refusal", "crash"):
            return f"{self.kind}:{self.detail.split(':')[0]}"
        return self.kind


class Mismatch(Exception):
    """Raised by :func:`compare` with a description of the difference."""


class Case(Protocol):
    def repro(self) -> str: ...
    def smaller(self) -> list[Any]: ...


C = TypeVar("C", bound=Case)


def compare(got: Any, want: Any, *, rtol: float, atol_scale: float, what: str = "") -> None:
    """``got`` equals ``want`` in shape and, within ``rtol`` and ``atol_scale`` times the
    largest entry of ``want`` (at least 1), in value; raises :class:`Mismatch` otherwise."""
    g, w = np.asarray(got), np.asarray(want)
    if g.shape != w.shape:
        raise Mismatch(f"{what}shape {g.shape}, expected {w.shape}")
    if g.dtype.kind not in "biufc":
        raise Mismatch(f"{what}got {type(got).__name__} of dtype {g.dtype}: {str(got)[:80]}")
    if g.size == 0:
        return
    scale = max(1.0, float(np.nanmax(np.abs(w))) if np.isfinite(w).any() else 1.0)
    if not np.allclose(g, w, rtol=rtol, atol=atol_scale * scale, equal_nan=True):
        with np.errstate(all="ignore"):
            err = float(np.nanmax(np.abs(g - w)))
        raise Mismatch(f"{what}max abs difference {err:.3g} (scale {scale:.3g}, rtol {rtol:g})")


def verdict(got: Any, want: Any, *, rtol: float, atol_scale: float, what: str = "") -> Outcome:
    """``agree`` when :func:`compare` finds no difference, else ``wrong`` saying which."""
    try:
        compare(got, want, rtol=rtol, atol_scale=atol_scale, what=what)
    except Mismatch as exc:
        return Outcome("wrong", str(exc))
    return Outcome("agree")


@contextmanager
def quiet() -> Iterator[None]:
    with np.errstate(all="ignore"):
        yield


def run_axcomp(call: Callable[[], Any]) -> tuple[Any, Outcome | None]:
    """``call()``'s result, or the refusal/crash outcome it raised."""
    try:
        with quiet():
            return call(), None
    except ax.AxcompError as exc:
        return None, Outcome("refusal", f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # a crash: anything that is not an AxcompError
        tb = traceback.format_exception(exc)[-3:]
        return None, Outcome("crash", f"{type(exc).__name__}: {exc}\n" + "".join(tb))


def run_oracle(call: Callable[[], Any]) -> tuple[Any, Outcome | None]:
    try:
        with quiet():
            return call(), None
    except Exception as exc:  # the oracle's own failure: the case is the generator's bug
        return None, Outcome("invalid", f"oracle: {type(exc).__name__}: {exc}")


def shrink(case: C, check: Callable[[C], Outcome], budget: int = 40) -> tuple[C, Outcome]:
    """The smallest case reachable by ``smaller()`` steps that fails the same way."""
    outcome = check(case)
    tries = 0
    improved = True
    while improved and tries < budget:
        improved = False
        for cand in case.smaller():
            tries += 1
            got = check(cand)
            if got.kind == outcome.kind and got.label == outcome.label:
                case, outcome, improved = cand, got, True
                break
            if tries >= budget:
                break
    return case, outcome


def report(case: Case, outcome: Outcome) -> str:
    return f"{outcome.kind.upper()}: {outcome.detail}\n--- repro ---\n{case.repro()}\n"
