"""``checkpoint``/``remat``, ``checkpoint_name``, ``checkpoint_policies`` and ``named_call``.

In JAX these decide which intermediates the backward pass stores and which it recomputes,
and name regions of a jaxpr. axcomp compiles forward and backward sweeps into one program
whose temporaries the planner frees at their last reader (``compiler/memory.py``), so there
is nothing to store or recompute by hand: the functions here keep values and derivatives
exactly, validate their arguments as JAX does, and let JAX code run unchanged.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ..errors import AxisSpecTypeError

Policy = Callable[..., bool]


def checkpoint(
    fun: Callable[..., Any] | None = None,
    *,
    prevent_cse: bool = True,
    policy: Policy | None = None,
    static_argnums: int | tuple[int, ...] = (),
) -> Any:
    """``jax.checkpoint`` (alias ``remat``): ``fun`` with the same values and derivatives.
    Without ``fun``, a decorator factory."""
    if policy is not None and not callable(policy):
        raise AxisSpecTypeError(f"checkpoint: policy must be callable, got {policy!r}")
    nums = (static_argnums,) if isinstance(static_argnums, int) else static_argnums
    if not isinstance(nums, tuple) or not all(isinstance(n, int) for n in nums):
        raise AxisSpecTypeError(
            f"checkpoint: static_argnums must be an int or a tuple of ints, got {static_argnums!r}"
        )
    if fun is None:
        return functools.partial(
            checkpoint, prevent_cse=prevent_cse, policy=policy, static_argnums=static_argnums
        )
    if not callable(fun):
        raise AxisSpecTypeError(f"checkpoint expects a callable, got {fun!r}")

    @functools.wraps(fun)
    def rematerialized(*args: Any, **kwargs: Any) -> Any:
        return fun(*args, **kwargs)

    return rematerialized


remat = checkpoint


def checkpoint_name(x: Any, name: str) -> Any:
    """``jax.ad_checkpoint.checkpoint_name``: ``x`` itself, tagged for a policy."""
    if not isinstance(name, str):
        raise AxisSpecTypeError(f"checkpoint_name: name must be a str, got {name!r}")
    return x


def named_call(fun: Callable[..., Any], *, name: str | None = None) -> Callable[..., Any]:
    """``jax.named_call``: ``fun`` under another name (shown by ``explain``'s kernel name)."""
    if not callable(fun):
        raise AxisSpecTypeError(f"named_call expects a callable, got {fun!r}")

    @functools.wraps(fun)
    def named(*args: Any, **kwargs: Any) -> Any:
        return fun(*args, **kwargs)

    if name is not None:
        named.__name__ = named.__qualname__ = name
    return named


def _never(*_: Any, **__: Any) -> bool:
    return False


def _always(*_: Any, **__: Any) -> bool:
    return True


class checkpoint_policies:
    """JAX's policy vocabulary; each is a valid ``policy=`` for ``checkpoint``."""

    everything_saveable = staticmethod(_always)
    nothing_saveable = staticmethod(_never)
    dots_saveable = staticmethod(_always)
    checkpoint_dots = staticmethod(_always)
    dots_with_no_batch_dims_saveable = staticmethod(_always)
    checkpoint_dots_with_no_batch_dims = staticmethod(_always)

    @staticmethod
    def save_only_these_names(*names: str) -> Policy:
        return _named_policy(names, keep=True)

    @staticmethod
    def save_any_names_but_these(*names: str) -> Policy:
        return _named_policy(names, keep=False)

    @staticmethod
    def save_from_both_policies(a: Policy, b: Policy) -> Policy:
        return lambda *args, **kw: a(*args, **kw) or b(*args, **kw)


def _named_policy(names: tuple[str, ...], keep: bool) -> Policy:
    if not all(isinstance(n, str) for n in names):
        raise AxisSpecTypeError(f"checkpoint policy names must be strs, got {names!r}")
    chosen = frozenset(names)

    def policy(*_: Any, name: str | None = None, **__: Any) -> bool:
        return (name in chosen) == keep

    return policy
