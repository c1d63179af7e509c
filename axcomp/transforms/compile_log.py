"""Logging each compile, as ``jax_log_compiles`` does.

Every compile of a signature is logged on the ``axcomp`` logger (``logging``): at DEBUG
always, at WARNING (shown without any logging setup) when ``AXCOMP_LOG_COMPILES=1`` is set
or ``axcomp.config.update("jax_log_compiles", True)`` was called.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ..config import config

logger = logging.getLogger("axcomp")


def describe_arrays(arrays: Any, statics: Any = ()) -> str:
    """``float64[3,2,3], float64[4,3]`` (and the static values) of a signature."""
    parts = [f"{dtype.name}[{','.join(map(str, shape))}]" for shape, dtype in arrays]
    parts += [repr(value) for _, _, value in statics]
    return ", ".join(parts)


@contextmanager
def logged_compile(name: str, describe: Callable[[], str]) -> Iterator[None]:
    """Time the compile in the ``with`` block and log it with its signature."""
    level = logging.WARNING if config.jax_log_compiles else logging.DEBUG
    if not logger.isEnabledFor(level):
        yield
        return
    start = time.perf_counter()
    yield
    seconds = time.perf_counter() - start
    logger.log(level, "compiled %s(%s) in %.2f ms", name, describe(), seconds * 1e3)
