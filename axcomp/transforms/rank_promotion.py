"""``numpy_rank_promotion``: JAX's ``jax_numpy_rank_promotion`` setting, as a context.

``"allow"`` (the default) broadcasts operands of different ranks as NumPy does; ``"warn"``
and ``"raise"`` report implicit rank promotion in ``axcomp.numpy.vectorize``, with JAX's
wording. The context manager's setting is per thread and per context (a ``ContextVar``);
outside one, ``config.update("jax_numpy_rank_promotion", ...)`` decides, as in JAX."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

from ..config import config
from ..errors import AxisSpecError

MODES = ("allow", "warn", "raise")
_MODE: contextvars.ContextVar[str | None] = contextvars.ContextVar("rank_promotion", default=None)


def rank_promotion() -> str:
    mode = _MODE.get()
    return str(config.jax_numpy_rank_promotion) if mode is None else mode


@contextlib.contextmanager
def numpy_rank_promotion(mode: str) -> Iterator[None]:
    """``with axcomp.numpy_rank_promotion("raise"): ...`` as ``jax.numpy_rank_promotion``."""
    if mode not in MODES:
        raise AxisSpecError(f"numpy_rank_promotion: mode must be one of {MODES}, got {mode!r}")
    token = _MODE.set(mode)
    try:
        yield
    finally:
        _MODE.reset(token)
