"""Which array library a call's arrays come from.

The namespace comes from the arguments (``array_api_compat.array_namespace``): NumPy
arrays take the NumPy emitter; any other Array API library (array-api-strict, PyTorch,
JAX, CuPy, ...) the Array API emitter, compiled separately (the namespace is part of the
signature); dask arrays run lazily through ``transforms.dask``. Arrays of different
libraries, or on different devices, in one call are an error that names them.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

import array_api_compat as compat
import numpy as np

from ..core.shapes import ShapeDtypeStruct
from ..errors import JaxTracerError, UnsupportedError

NUMPY = "numpy"
_NUMPY_NAMES = frozenset({"numpy", "array_api_compat.numpy"})


class MixedArraysError(UnsupportedError, TypeError):
    """One call mixes arrays of different libraries or devices."""


def is_array(x: Any) -> bool:
    """An array argument (any Array API library's) rather than a static value."""
    if isinstance(x, (np.ndarray, np.generic, ShapeDtypeStruct)):
        return True
    if isinstance(x, (type, bool, int, float, complex)):
        return False  # a dtype class such as np.int32 is a static value, not an array
    return bool(compat.is_array_api_obj(x))


def numpy_dtype(dtype: Any) -> np.dtype:
    """The NumPy dtype of the same name (``torch.float32``, ``array_api_strict.int8``)."""
    try:
        dt: np.dtype = np.dtype(dtype)
        return dt
    except TypeError:
        name = str(dtype).rsplit(".", 1)[-1]
        return np.dtype("bool" if name == "bool" else name)


def namespace_of(arrays: Sequence[Any], labels: Sequence[str]) -> str:
    """The name of the namespace of ``arrays`` (``"numpy"`` for NumPy and stand-ins)."""
    foreign = [
        (a, lab)
        for a, lab in zip(arrays, labels)
        if not isinstance(a, (np.ndarray, np.generic, ShapeDtypeStruct))
    ]
    if not foreign:
        return NUMPY
    for a, lab in foreign:
        if is_jax_tracer(a):
            raise jax_tracer_error(lab if lab.startswith("argument") else f"argument {lab}", a)
    names: dict[str, list[str]] = {}
    for a, lab in foreign:
        names.setdefault(compat.array_namespace(a).__name__, []).append(lab)
    if len(names) > 1 or len(foreign) < len(arrays):
        kinds = {lab: _library(a) for a, lab in zip(arrays, labels)}
        listed = ", ".join(f"{lab} ({lib})" for lab, lib in kinds.items())
        raise MixedArraysError(
            f"the arguments come from different array libraries: {listed}; pass arrays of "
            "one library (convert with that library's asarray)"
        )
    (name,) = names
    devices = {str(compat.device(a)) for a, _ in foreign}
    if len(devices) > 1:
        where = ", ".join(f"{lab} on {compat.device(a)}" for a, lab in foreign)
        raise MixedArraysError(f"the arguments are on different devices: {where}")
    return name if name not in _NUMPY_NAMES else NUMPY


def namespace_scalars(leaves: list[Any], name: str) -> list[Any]:
    """``leaves`` with NumPy 0-d arrays (traced Python scalars: a call mixing NumPy arrays
    with ``name``'s is refused before) as arrays of ``name`` on its arrays' device."""
    xp = module(name)
    found = [x for x in leaves if not isinstance(x, np.ndarray)]
    if not found or len(found) == len(leaves):
        return leaves
    device = compat.device(found[0])
    return [
        xp.asarray(x, dtype=getattr(xp, x.dtype.name), device=device)
        if isinstance(x, np.ndarray)
        else x
        for x in leaves
    ]


def is_jax_tracer(x: Any) -> bool:
    """A JAX tracer (``DynamicJaxprTracer``, ``BatchTracer``, ``JVPTracer``, ...), told by
    its class's name and module so that JAX need not be imported."""
    return any(
        c.__name__ == "Tracer" and c.__module__.split(".", 1)[0] == "jax" for c in type(x).__mro__
    )


def jax_tracer_error(which: str, tracer: Any) -> JaxTracerError:
    """The error for ``which`` (``argument x``) being a JAX tracer: what to do instead."""
    return JaxTracerError(
        f"{which} is a JAX tracer ({type(tracer).__name__}): this axcomp function was called "
        "inside a JAX transformation (jax.jit, jax.grad, jax.vmap, ...), and JAX cannot trace "
        "through axcomp's compiled NumPy code. Use axcomp's own transforms (axcomp.jit, "
        "axcomp.grad, axcomp.vmap) around it instead of JAX's, or call it outside the JAX "
        "transformation on concrete arrays (inside jax.jit, jax.pure_callback can call it on "
        "concrete values)"
    )


def _library(a: Any) -> str:
    if isinstance(a, (np.ndarray, np.generic, ShapeDtypeStruct)):
        return "numpy"
    name: str = compat.array_namespace(a).__name__
    return name.removeprefix("array_api_compat.")


def module(name: str) -> ModuleType:
    """The namespace module named ``name`` (already imported: its arrays exist)."""
    return np if name == NUMPY else sys.modules[name]


def is_dask(name: str) -> bool:
    return name.startswith("array_api_compat.dask") or name.startswith("dask")
