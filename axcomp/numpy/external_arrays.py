"""Arrays from outside data in ``jax.numpy``: ``load`` (``.npy`` arrays as arrays; ``.npz``
archives as NumPy gives them), ``frombuffer``, ``fromstring`` and ``from_dlpack``;
``fromfile`` and ``fromiter`` are left unimplemented, as in JAX (their reads are impure)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import UnsupportedError
from .namespace import jnp as _jnp


def load(file: Any, *args: Any, **kwargs: Any) -> Any:
    """``numpy.load``, with a loaded ``.npy`` array returned as an array of this namespace."""
    out = np.load(file, *args, **kwargs)
    return _jnp.asarray(out) if isinstance(out, np.ndarray) else out


def frombuffer(buffer: Any, dtype: Any = float, count: int = -1, offset: int = 0) -> Any:
    """A 1-d array of the buffer's bytes read as ``dtype`` (a copy, as JAX's)."""
    return _jnp.asarray(np.frombuffer(buffer, dtype, count, offset).copy())


def fromstring(string: str, dtype: Any = float, count: int = -1, *, sep: str) -> Any:
    """A 1-d array of the numbers in ``string`` separated by ``sep``."""
    return _jnp.asarray(np.fromstring(string, dtype, count, sep=sep))


def from_dlpack(x: Any, /, *, device: Any = None, copy: bool | None = None) -> Any:
    """The array another library shares through DLPack (a copy unless ``copy=False``)."""
    if device is not None:
        raise UnsupportedError("from_dlpack: axcomp arrays live on the CPU; pass device=None")
    out = np.from_dlpack(x)
    return _jnp.asarray(out if copy is False else out.copy())


def _impure(name: str, source: str) -> UnsupportedError:
    return UnsupportedError(
        f"jnp.{name}() is not implemented because it may be non-pure and thus unsafe for "
        f"use with JIT and other JAX transformations. Consider using "
        f"jnp.asarray(np.{name}(...)) instead, although care should be taken if np.{name} "
        "is used within jax transformations because of its potential side-effect of "
        f"consuming the {source}; for more information see Common Gotchas."
    )


def fromfile(*args: Any, **kwargs: Any) -> Any:
    raise _impure("fromfile", "file object")


def fromiter(*args: Any, **kwargs: Any) -> Any:
    raise _impure("fromiter", "iterable object")
