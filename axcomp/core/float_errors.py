"""Floating-point errors as JAX treats them: silently.

JAX computes ``log(0)``, ``0/0`` and overflows to ``-inf``, NaN and ``inf`` and prints
nothing (``jax_debug_nans`` off). NumPy computes the same values but warns
(``RuntimeWarning: divide by zero encountered in log``) under its default error state. Every
computation axcomp runs for a user (a compiled program, its blocks on worker threads, an
``axcomp.numpy`` function or operator on concrete arrays) runs with NumPy's floating-point
errors ignored, and the caller's error state comes back after it. NumPy's own functions
given an axcomp array warn as NumPy does, as they do given a JAX array.

``np.errstate(all="ignore")`` costs 2.5 µs a use, as much as a small compiled call. NumPy
2 keeps its error state in a context variable (``_extobj_contextvar``), so the same switch
is one ``ContextVar.set`` and one ``reset`` (about 0.15 µs) where that variable is there;
elsewhere ``np.errstate`` does it. The quiet state is made from the caller's own (its
buffer size and error callback kept), once per distinct state.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

__all__ = ["quiet", "restore", "silently"]

F = TypeVar("F", bound=Callable[..., Any])

try:  # NumPy >= 2.0: the error state is a context variable
    from numpy._core import _ufunc_config

    _STATE: Any = getattr(_ufunc_config, "_extobj_contextvar")  # noqa: B009 (private: untyped)
    _MAKE: Any = getattr(_ufunc_config, "_make_extobj")  # noqa: B009
except (ImportError, AttributeError):  # pragma: no cover - a NumPy without them
    _STATE = _MAKE = None

#: a state -> the same state with every error ignored (a quiet state maps to itself, so a
#: nested call adds none; the key keeps the caller's object alive, so its identity cannot
#: be reused by another)
_QUIET: dict[Any, Any] = {}
_MAX_STATES = 64


def _quiet_state(current: Any) -> Any:
    if len(_QUIET) >= _MAX_STATES:
        _QUIET.clear()
    state = _QUIET[current] = _MAKE(all="ignore")  # made from the current state
    _QUIET[state] = state
    return state


def quiet() -> Any:
    """Ignore NumPy's floating-point errors from here on in this thread; returns the token
    ``restore`` takes to put the caller's state back (call it in a ``finally``)."""
    if _STATE is None:  # pragma: no cover - a NumPy without the context variable
        state = np.errstate(all="ignore")
        state.__enter__()
        return state
    current = _STATE.get()
    return _STATE.set(_QUIET.get(current) or _quiet_state(current))


def restore(token: Any) -> None:
    """Put back the error state ``quiet`` replaced."""
    if _STATE is None:  # pragma: no cover
        token.__exit__(None, None, None)
    else:
        _STATE.reset(token)


def silently(fn: F) -> F:
    """``fn`` running with NumPy's floating-point errors ignored, as JAX computes."""
    if _STATE is None:  # pragma: no cover - a NumPy without the context variable
        return functools.wraps(fn)(np.errstate(all="ignore")(fn))  # type: ignore[return-value]
    get, switch, reset, table = _STATE.get, _STATE.set, _STATE.reset, _QUIET

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        current = get()
        token = switch(table.get(current) or _quiet_state(current))
        try:
            return fn(*args, **kwargs)
        finally:
            reset(token)

    return call  # type: ignore[return-value]
