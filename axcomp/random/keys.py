"""PRNG keys: typed keys (``key``, a scalar of dtype ``key<fry>``) and raw ``uint32[2]``
keys (``PRNGKey``), the checks every sampler runs on its key, and the key operations
(``split``, ``fold_in``, ``key_data``, ``wrap_key_data``, ``clone``, ``bits``).

A typed key is a ``KeyArray`` holding its ``uint32[..., 2]`` data; it is a pytree node
with that data as its one leaf, so ``jit`` traces it and ``vmap`` maps over its leading
axes like any array. A function given a raw key returns raw keys, given a typed key
typed keys, as JAX does.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from .. import numpy as anp
from ..config import config
from ..core.array_impl import as_array
from ..core.extended_dtypes import ExtendedDtype, prng_key
from ..errors import RandomKeyError, RandomOverflowError, RandomValueError
from ..pytree import register_node
from ..tracing.tracer import Tracer
from . import threefry

IMPL = "threefry2x32"


class KeyDtype(ExtendedDtype):
    """The dtype of typed threefry keys, printed as JAX prints it; a ``prng_key`` for
    ``issubdtype``."""

    name = "key<fry>"
    type = prng_key

    def __repr__(self) -> str:
        return self.name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, KeyDtype) or other == self.name

    def __hash__(self) -> int:
        return hash(self.name)


KEY_DTYPE = KeyDtype()


class KeyArray:
    """An array of typed PRNG keys: shape ``data.shape[:-1]``, dtype ``key<fry>``."""

    __slots__ = ("_data",)

    def __init__(self, data: Any) -> None:
        self._data = data

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self._data.shape[:-1])

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    @property
    def dtype(self) -> KeyDtype:
        return KEY_DTYPE

    def __len__(self) -> int:
        if not self.shape:
            raise RandomKeyError("len() of unsized object (a scalar key array)")
        return self.shape[0]

    def __getitem__(self, index: Any) -> KeyArray:
        index = index if isinstance(index, tuple) else (index,)
        if any(i is Ellipsis for i in index):
            full = (*index, slice(None))
        else:
            full = (*index, Ellipsis, slice(None))
        return KeyArray(self._data[full])

    def __iter__(self) -> Iterator[KeyArray]:
        return (self[i] for i in range(len(self)))

    def __eq__(self, other: object) -> Any:
        if not isinstance(other, KeyArray):
            return NotImplemented
        return anp.all(self._data == other._data, axis=-1)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Array({self.shape}, dtype={KEY_DTYPE}) overlaying:\n{self._data}"


register_node(KeyArray, lambda k: ((k._data,), None), lambda _, leaves: KeyArray(leaves[0]))


def _is_array(x: Any) -> bool:
    return isinstance(x, (np.ndarray, np.generic, Tracer))


def check_key(name: str, key: Any, *, allow_batched: bool = False) -> tuple[Any, bool]:
    """The uint32 data of ``key`` and whether it was a typed key; JAX's errors for
    anything that is not a key, and for a batched key where one key is expected."""
    if isinstance(key, KeyArray):
        data, typed = key._data, True
    elif _is_array(key) or isinstance(key, (int, float, str, bytes)):
        if not _is_array(key):
            raise RandomKeyError(
                f"{name}: invalid PRNG key data: expected key_data to have ndim, shape, and "
                f"dtype attributes. Got {key!r}"
            )
        if np.dtype(key.dtype) != np.uint32:
            raise RandomKeyError(
                f"{name}: invalid PRNG key data: expected key_data.dtype = uint32; "
                f"got dtype={np.dtype(key.dtype)}"
            )
        if tuple(key.shape[-1:]) != (2,):
            raise RandomKeyError(
                f"{name}: invalid PRNG key data: expected key_data.shape to end with (2,); "
                f"got shape={tuple(key.shape)} for impl={IMPL}"
            )
        data, typed = key, False
    else:
        raise RandomKeyError(f"{name}: unexpected PRNG key type {type(key)}")
    if not allow_batched and data.ndim > 1:
        shape = tuple(data.shape[:-1]) if typed else tuple(data.shape)
        raise RandomValueError(
            f"{name} accepts a single key, but was given a key array of shape {shape} != (). "
            "Use jax.vmap for batching."
        )
    return data, typed


def finish(x: Any) -> Any:
    """Samples as axcomp arrays (NumPy scalars from 0-d arithmetic too), as JAX returns
    arrays."""
    return x if isinstance(x, Tracer) else as_array(np.asarray(x))


def wrap_like(typed: bool, data: Any) -> Any:
    """Return key data as the caller's kind of key."""
    return KeyArray(data) if typed else data


def _seed(name: str, seed: Any) -> Any:
    if isinstance(seed, KeyArray):
        raise RandomKeyError(f"{name} accepts a scalar seed, but was given a PRNG key.")
    if isinstance(seed, (bool, np.bool_)) or not (
        isinstance(seed, int) or (_is_array(seed) and np.issubdtype(seed.dtype, np.integer))
    ):
        if np.ndim(seed) if not isinstance(seed, Tracer) else seed.ndim:
            raise RandomKeyError(
                f"{name} accepts a scalar seed, but was given an array of shape "
                f"{np.shape(seed) if not isinstance(seed, Tracer) else seed.shape} != (). "
                "Use jax.vmap for batching"
            )
        raise RandomKeyError(f"{name}: PRNG key seed must be an integer; got {seed!r}")
    if not isinstance(seed, int) and seed.ndim:
        raise RandomKeyError(
            f"{name} accepts a scalar seed, but was given an array of shape "
            f"{tuple(seed.shape)} != (). Use jax.vmap for batching"
        )
    return threefry.seed_data(seed)


def key(seed: Any, *, impl: Any = None) -> KeyArray:
    """``jax.random.key``: a typed scalar key from an integer seed (with x64 off the key
    data is ``[0, seed mod 2**32]``; with it on, the seed's two 32-bit halves)."""
    _check_impl(impl)
    return KeyArray(_seed("key", seed))


def PRNGKey(seed: Any, *, impl: Any = None) -> Any:
    """``jax.random.PRNGKey``: a raw ``uint32[2]`` key from an integer seed."""
    _check_impl(impl)
    return _seed("PRNGKey", seed)


def _check_impl(impl: Any) -> None:
    if impl is not None and impl != IMPL and getattr(impl, "name", None) != KEY_DTYPE.name:
        raise RandomValueError(f"axcomp.random implements only {IMPL!r}, got impl={impl!r}")


def split(key: Any, num: int | Sequence[int] = 2) -> Any:
    """``jax.random.split``: ``num`` new keys (or an array of keys of shape ``num``)."""
    data, typed = check_key("split", key)
    shape = tuple(int(n) for n in num) if isinstance(num, Sequence) else (int(num),)
    if any(n < 0 for n in shape):
        raise RandomValueError(f"split: num must be non-negative, got {num!r}")
    return wrap_like(typed, threefry.split_data(data, shape))


def fold_in(key: Any, data: Any) -> Any:
    """``jax.random.fold_in``: a new key from ``key`` and a 32-bit integer."""
    kdata, typed = check_key("fold_in", key)
    if (data.ndim if isinstance(data, Tracer) else np.ndim(data)) != 0:
        raise RandomKeyError(
            f"fold_in accepts a scalar, but was given an array of shape {np.shape(data)} != (). "
            "Use jax.vmap for batching."
        )
    if isinstance(data, Tracer):
        word = anp.astype(data, np.uint32)
    else:
        if isinstance(data, (int, np.integer)) and not 0 <= int(data) < 2**32:
            raise RandomOverflowError(f"fold_in: Python integer {data} out of bounds for uint32")
        word = np.asarray(data).astype(np.uint32)
    return wrap_like(typed, threefry.fold_in_data(kdata, word))


def key_data(keys: Any) -> Any:
    """``jax.random.key_data``: the ``uint32[..., 2]`` data of typed (or raw) keys."""
    data, _ = check_key("key_data", keys, allow_batched=True)
    return data


def wrap_key_data(key_bits_array: Any, *, impl: Any = None) -> KeyArray:
    """``jax.random.wrap_key_data``: typed keys over ``uint32[..., 2]`` data."""
    _check_impl(impl)
    if isinstance(key_bits_array, KeyArray):
        raise RandomKeyError("wrap_key_data: expected uint32 key data, got a typed key array")
    data, _ = check_key("wrap_key_data", key_bits_array, allow_batched=True)
    return KeyArray(data)


def key_dtype(impl: Any = None) -> KeyDtype:
    """``jax.random.key_dtype``: the dtype of typed keys (``key<fry>``)."""
    _check_impl(impl)
    return KEY_DTYPE


def key_impl(keys: Any) -> str:
    """``jax.random.key_impl``: the name of the keys' PRNG implementation."""
    check_key("key_impl", keys, allow_batched=True)
    return IMPL


def clone(key: Any) -> Any:
    """``jax.random.clone``: the same key (axcomp has no key reuse checking to satisfy)."""
    check_key("clone", key, allow_batched=True)
    return key


class DefaultDtype:
    """JAX's default dtype of one kind: the narrow one, or the wide one once
    ``axcomp.config.update("jax_enable_x64", True)`` (read when a sampler runs)."""

    def __init__(self, narrow: Any, wide: Any) -> None:
        self.narrow: np.dtype = np.dtype(narrow)
        self.wide: np.dtype = np.dtype(wide)

    def resolve(self) -> np.dtype:
        return self.wide if config.jax_enable_x64 else self.narrow


DEFAULT_FLOAT = DefaultDtype(np.float32, np.float64)
DEFAULT_INT = DefaultDtype(np.int32, np.int64)
DEFAULT_UINT = DefaultDtype(np.uint32, np.uint64)
_DEFAULT_COMPLEX = DefaultDtype(np.complex64, np.complex128)
# Python's scalar types as dtypes mean JAX's defaults, not NumPy's 64 bits
_PYTHON_TYPES = {float: DEFAULT_FLOAT, int: DEFAULT_INT, complex: _DEFAULT_COMPLEX}


def user_dtype(dtype: Any, default: Any) -> np.dtype:
    """A dtype argument as JAX reads it: ``None`` is ``default``, ``float``/``int``/
    ``complex`` JAX's defaults (32 bits, 64 with x64); NumPy dtypes are kept."""
    if dtype is None:
        return default.resolve() if isinstance(default, DefaultDtype) else np.dtype(default)
    found = _PYTHON_TYPES.get(dtype)
    return found.resolve() if found is not None else np.dtype(dtype)


def bits(key: Any, shape: Sequence[int] = (), dtype: Any = None) -> Any:
    """``jax.random.bits``: uniformly random unsigned integers (uint32 by default)."""
    data, _ = check_key("bits", key)
    dt = user_dtype(dtype, DEFAULT_UINT)
    if not np.issubdtype(dt, np.unsignedinteger):
        raise RandomValueError(f"dtype argument to `bits` must be an unsigned int dtype, got {dt}")
    return finish(threefry.random_bits(data, dt.itemsize * 8, canonical_shape("bits", shape)))


def canonical_shape(name: str, shape: Any) -> tuple[int, ...]:
    """``shape`` as a tuple of non-negative ints (an int is a 1-d shape, as in JAX)."""
    try:
        dims = (
            (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(d) for d in shape)
        )
    except TypeError:
        raise RandomKeyError(
            f"{name}: shape must be a sequence of integers, got {shape!r}"
        ) from None
    if any(d < 0 for d in dims):
        raise RandomValueError(f"{name}: shape {dims} has a negative dimension")
    return dims
