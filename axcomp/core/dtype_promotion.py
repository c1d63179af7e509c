"""JAX's type promotion (``jax.numpy.promote_types``/``result_type`` with x64 on).

JAX promotes over a lattice in which an integer meets an inexact type at that inexact
type (``int32`` with ``float32`` is ``float32``), where NumPy widens (``float64``); with
x64 on, the two rules differ in exactly these integer x inexact mixes (14 unordered pairs
of dtypes). Python scalars are *weak*: ``int``, ``float`` and ``complex`` sit below every
dtype of their kind. Everything that decides a JAX result dtype asks here; the places
that then let NumPy compute (traced operations, eager ``axcomp.numpy`` calls) cast the
integer operands to that dtype first (``narrowed``), so NumPy computes in JAX's dtype.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import numpy as np

# JAX's lattice: each type and the types just above it. "i*", "f*", "c*" are the weak
# (Python scalar) types; a weak result is the kind's 64-bit dtype.
_B, _I8, _I16, _I32, _I64 = (np.dtype(t) for t in ("?", "i1", "i2", "i4", "i8"))
_U8, _U16, _U32, _U64 = (np.dtype(t) for t in ("u1", "u2", "u4", "u8"))
_F16, _F32, _F64, _C64, _C128 = (np.dtype(t) for t in ("f2", "f4", "f8", "c8", "c16"))
JaxType = np.dtype | str
_ABOVE: dict[JaxType, tuple[JaxType, ...]] = {
    _B: ("i*",),
    "i*": (_U8, _I8),
    _U8: (_I16, _U16),
    _U16: (_I32, _U32),
    _U32: (_I64, _U64),
    _U64: ("f*",),
    _I8: (_I16,),
    _I16: (_I32,),
    _I32: (_I64,),
    _I64: ("f*",),
    "f*": (_F16, "c*"),
    _F16: (_F32,),
    _F32: (_F64, _C64),
    _F64: (_C128,),
    "c*": (_C64,),
    _C64: (_C128,),
    _C128: (),
}
_WEAK_DTYPE = {"i*": _I64, "f*": _F64, "c*": _C128}
_WEAK_OF_KIND = {"i": "i*", "u": "i*", "f": "f*", "c": "c*"}


def _upper_bounds(t: JaxType) -> frozenset[JaxType]:
    out = {t}
    for s in _ABOVE[t]:
        out |= _upper_bounds(s)
    return frozenset(out)


_UPPER = {t: _upper_bounds(t) for t in _ABOVE}


def _join(a: JaxType, b: JaxType) -> JaxType:
    """The least upper bound of two lattice types."""
    common = _UPPER[a] & _UPPER[b]
    return next(t for t in common if _UPPER[t] >= common)


def _jax_type(dtype: np.dtype, weak: bool) -> JaxType:
    if weak and dtype.kind in _WEAK_OF_KIND:
        return _WEAK_OF_KIND[dtype.kind]
    return dtype


def _to_dtype(t: JaxType) -> np.dtype:
    return _WEAK_DTYPE[t] if isinstance(t, str) else t


@functools.lru_cache(maxsize=1024)
def _lattice_result(types: tuple[tuple[np.dtype, bool], ...]) -> tuple[np.dtype, bool]:
    """JAX's result dtype (and weak flag) of (dtype, weak) operands."""
    if all(d == types[0][0] for d, _ in types):
        return types[0][0], all(w for _, w in types)
    if any(d not in _UPPER for d, _ in types):  # a dtype outside the lattice: NumPy's
        return np.result_type(*(d for d, _ in types)), False
    joined = functools.reduce(_join, (_jax_type(d, w) for d, w in types))
    return _to_dtype(joined), isinstance(joined, str)


def _operand(x: Any) -> tuple[np.dtype, bool]:
    """(dtype, weak) of a value or dtype specifier, as JAX reads it."""
    if x is int or x is float or x is complex:
        return np.dtype(x), True
    if type(x) in (int, float, complex):
        return np.result_type(type(x)), True
    dtype = getattr(x, "dtype", None)
    if isinstance(dtype, np.dtype):
        return dtype, bool(getattr(x, "weak", False)) or bool(getattr(x, "weak_type", False))
    try:
        return np.dtype(x), False
    except TypeError:
        return np.asarray(x).dtype, False


def promote_types(a: Any, b: Any) -> np.dtype:
    """``jax.numpy.promote_types``: the dtype two dtypes promote to (the Python types
    ``int``, ``float`` and ``complex`` are weak)."""
    ta, tb = (_operand(x) if _is_python_type(x) else (np.dtype(x), False) for x in (a, b))
    if ta[0] not in _UPPER or tb[0] not in _UPPER:  # a dtype outside the lattice: NumPy's
        return np.promote_types(ta[0], tb[0])
    return _to_dtype(_join(_jax_type(*ta), _jax_type(*tb)))


def _is_python_type(x: Any) -> bool:
    return x is int or x is float or x is complex


def result_type(*operands: Any) -> np.dtype:
    """``jax.numpy.result_type``: arrays, dtypes and Python scalars (weak) promoted."""
    if not operands:
        raise ValueError("at least one array or dtype is required")
    return _lattice_result(tuple(_operand(x) for x in operands))[0]


def weak_result(types: Iterable[tuple[np.dtype, bool]]) -> tuple[np.dtype, bool]:
    """JAX's result dtype and weak flag of (dtype, weak) pairs."""
    return _lattice_result(tuple((np.dtype(d), bool(w)) for d, w in types))


def to_inexact(dtype: Any) -> np.dtype:
    """JAX's inexact dtype for ``dtype`` (``to_inexact_dtype``, x64 on): inexact dtypes keep
    theirs, booleans and integers of up to 32 bits become float32, 64-bit integers float64
    (NumPy's ``sin(int32)`` is float64; JAX's is float32)."""
    dt: np.dtype = np.dtype(dtype)
    if dt.kind in "fc":
        return dt
    return _F64 if dt.itemsize == 8 else _F32


def inexact_result(*operands: Any) -> np.dtype:
    """JAX's ``promote_dtypes_inexact``: the operands' JAX result dtype (``result_type``,
    Python scalars weak), made inexact (``to_inexact``)."""
    return to_inexact(result_type(*operands))


def inexact_operands(args: tuple[Any, ...], fixed: np.dtype | None = None) -> tuple[Any, ...]:
    """The concrete operands of a function with an inexact result (``sin``, ``/``): where
    every array among them is a bool or integer array, those cast to JAX's inexact dtype
    (``inexact_result``, or ``fixed``: ``rint`` of integers is float64 in JAX) when NumPy
    would compute in another (``sin(int32)`` is float32 in JAX, float64 in NumPy);
    ``args`` itself otherwise."""
    key = (fixed, *[getattr(a, "dtype", type(a)) for a in args])
    try:
        target = _INEXACT_TARGETS[key]
    except KeyError:
        target = _INEXACT_TARGETS[key] = _inexact_target(args, fixed)
    except TypeError:  # an unhashable dtype: another library's array
        return args
    if target is None:
        return args
    return tuple(
        a.astype(target) if isinstance(getattr(a, "dtype", None), np.dtype) else a for a in args
    )


def _inexact_target(args: tuple[Any, ...], fixed: np.dtype | None) -> np.dtype | None:
    dtypes = [a.dtype for a in args if isinstance(getattr(a, "dtype", None), np.dtype)]
    if not dtypes or any(d.kind not in "biu" for d in dtypes):
        return None
    return fixed if fixed is not None else inexact_result(*args)


# (fixed, operand dtypes or Python scalar types) -> what inexact_operands casts arrays to
_INEXACT_TARGETS: dict[tuple[Any, ...], np.dtype | None] = {}


@functools.lru_cache(maxsize=1024)
def narrowed(dtypes: tuple[np.dtype, ...]) -> np.dtype | None:
    """The dtype JAX gives operands of these (strong) dtypes where NumPy's promotion is
    wider (an integer mixed with a smaller inexact type), else ``None``: the integer
    operands are cast to it before NumPy computes."""
    if len(dtypes) < 2 or all(d == dtypes[0] for d in dtypes):
        return None
    if not any(d.kind in "iu" for d in dtypes) or not any(d.kind in "fc" for d in dtypes):
        return None
    jax = _lattice_result(tuple((d, False) for d in dtypes))[0]
    return jax if jax != np.result_type(*dtypes) and jax.kind in "fc" else None


def concrete_operands(args: tuple[Any, ...], skip: int = -1) -> tuple[Any, ...]:
    """``args`` (concrete arrays, NumPy and Python scalars) with their integer arrays cast
        to JAX's dtype where NumPy would promote them wider (``skip``: the index of an operand
        that does not promote, such as ``where``'s condition). Python scalars are weak and
        promote as JAX's do already. Two operands of one dtype cost an identity test; other
    calls one dictionary lookup keyed by their dtypes."""
    if len(args) == 2 and skip < 0:  # the common call: two operands, both promoting
        first, second = getattr(args[0], "dtype", None), getattr(args[1], "dtype", None)
        # one dtype (NumPy's builtin dtypes are singletons), or a Python scalar (weak)
        if first is second:
            return args
        if first is None or second is None:
            if type(args[0]) not in _SEQUENCES and type(args[1]) not in _SEQUENCES:
                return args
            return concrete_operands(_as_arrays(args), skip)
        key: tuple[Any, ...] = (skip, first, second)
    elif any(type(a) in _SEQUENCES for a in args):
        return concrete_operands(_as_arrays(args), skip)
    else:
        key = (skip, *[getattr(a, "dtype", None) for a in args])
    try:
        target = _TARGETS[key]
    except KeyError:
        target = _TARGETS[key] = _target(key[1:], skip)
    except TypeError:  # an unhashable dtype: another library's array
        return args
    if target is None:
        return args
    return tuple(
        a.astype(target)
        if k != skip and isinstance(getattr(a, "dtype", None), np.dtype) and a.dtype.kind in "iu"
        else a
        for k, a in enumerate(args)
    )


# operands that are arrays of NumPy's dtype for them (strong, as ``jnp.asarray`` makes
# them: ``f32 * [1, 2]`` is float32 with int64 ``[1, 2]``), where Python scalars are weak
_SEQUENCES = (list, tuple)


def _as_arrays(args: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(np.asarray(a) if type(a) in _SEQUENCES else a for a in args)


# (skip, operand dtypes) -> the dtype integer operands are cast to, or None (few keys:
# one per combination of dtypes a program uses)
_TARGETS: dict[tuple[Any, ...], np.dtype | None] = {}


def _target(dtypes: tuple[Any, ...], skip: int) -> np.dtype | None:
    return narrowed(tuple(d for k, d in enumerate(dtypes) if k != skip and isinstance(d, np.dtype)))


#: Functions JAX computes on numbers only (``promote_args_numeric``): where their
#: operands promote to bool, JAX computes in int32 (``to_numeric_dtype``) where NumPy
#: computes in int8 (``square(bool)``, ``bool // bool``); so does ``power`` of a bool by
#: a Python int (JAX's ``integer_pow`` of the base alone).
NUMERIC_ONLY = frozenset(
    ("square", "floor_divide", "remainder", "fmod", "power", "left_shift", "right_shift")
)
#: Functions that are the identity on bools in JAX (NumPy: ``conjugate`` gives int8,
#: ``positive`` refuses them).
IDENTITY_ON_BOOLS = frozenset(("conjugate", "positive"))
_I32_FROM_BOOL = np.dtype(np.int32)


def numeric_from_bools(fn: str, operands: Iterable[tuple[np.dtype, bool]]) -> bool:
    """Whether ``fn`` (a ``NUMERIC_ONLY`` name) of these (dtype, weak) operands computes in
    int32 from its bool operands (they are cast to it before NumPy computes)."""
    ops = list(operands)
    if all(d.kind == "b" for d, _ in ops):
        return True
    return (
        fn == "power"
        and len(ops) == 2
        and ops[0][0].kind == "b"
        and ops[1][1]
        and (ops[1][0].kind in "iu")
    )


def numeric_operands(fn: str, args: tuple[Any, ...]) -> tuple[Any, ...]:
    """The concrete operands of ``fn`` (a ``NUMERIC_ONLY`` name): its bool operands as
    int32 where JAX computes in int32 (``numeric_from_bools``), ``args`` itself otherwise
    (after one test when the first operand is neither a bool array nor a Python bool)."""
    if getattr(args[0], "dtype", None) is not _B and type(args[0]) is not bool:
        return args
    types = [_operand(a) for a in args]
    if not numeric_from_bools(fn, types):
        return args
    return tuple(
        np.asarray(a, _I32_FROM_BOOL) if d.kind == "b" else a for a, (d, _) in zip(args, types)
    )


def cumulative_dtype(dtype: Any) -> np.dtype:
    """The dtype of ``cumsum``/``cumprod`` without ``dtype=`` in JAX: the input's (int8
    stays int8, where NumPy widens integers to int64), bools counted in int64 (JAX's
    default integer, x64 on)."""
    dt: np.dtype = np.dtype(dtype)
    return _I64 if dt.kind == "b" else dt


def summing_dtype(dtype: Any) -> np.dtype:
    """The dtype of ``sum`` and ``cumulative_sum`` in JAX: bools and integers narrower
    than 64 bits widened to int64 (uint64 for unsigned), others kept."""
    dt: np.dtype = np.dtype(dtype)
    if dt.kind == "b":
        return _I64
    if dt.kind in "iu":
        return _U64 if dt.kind == "u" else _I64
    return dt


#: The Python scalar types (weak operands in JAX)
PYTHON_SCALARS = (int, float, complex, bool)


def typed_scalars(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """``args`` with their Python scalars as 0-d arrays of JAX's result dtype of all of
    ``args`` (weak: ``dot(f32, 2)`` is float32), for NumPy functions that read a Python
    scalar as a strong int64 or float64 array (``np.dot``, ``np.outer``, ``np.kron``);
    ``args`` itself when none is a Python scalar (one type test each)."""
    if len(args) == 2:  # (a generator costs more than the call it guards)
        if type(args[0]) not in PYTHON_SCALARS and type(args[1]) not in PYTHON_SCALARS:
            return args
    elif not any(type(a) in PYTHON_SCALARS for a in args):
        return args
    dtype = result_type(*args)
    return tuple(np.asarray(a, dtype) if type(a) in PYTHON_SCALARS else a for a in args)
