"""``numpy_rank_promotion``: JAX's ``jax_numpy_rank_promotion`` setting, as a context.

``"allow"`` (the default) broadcasts operands of different ranks as NumPy does; ``"warn"``
and ``"raise"`` report implicit rank promotion in ``axcomp.numpy.vectorize``, with JAX's
wording (JAX also checks its elementwise functions and operators; axcomp does not yet:
its own library code broadcasts across ranks through the same operators). The context
manager's setting is per thread (``config.overriding``); outside one,
``config.update("jax_numpy_rank_promotion", ...)`` decides, as in JAX."""

from __future__ import annotations

import contextlib

from ..config import config
from ..errors import AxisSpecError

MODES = ("allow", "warn", "raise")


def rank_promotion() -> str:
    """This thread's mode now."""
    return str(config.flag("jax_numpy_rank_promotion"))


def numpy_rank_promotion(mode: str) -> contextlib.AbstractContextManager[None]:
    """``with axcomp.numpy_rank_promotion("raise"): ...`` as ``jax.numpy_rank_promotion``."""
    if mode not in MODES:
        raise AxisSpecError(f"numpy_rank_promotion: mode must be one of {MODES}, got {mode!r}")
    return config.overriding("jax_numpy_rank_promotion", mode)
