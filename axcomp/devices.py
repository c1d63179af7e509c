"""JAX's device functions, on the one device axcomp computes on: the CPU.

``devices()``, ``local_devices()`` and ``device_count()`` name that device (``CpuDevice``,
which arrays report as ``x.device``); ``device_put`` makes arrays of a pytree's leaves (a
copy of a NumPy array, so later writes to it do not reach the result, as JAX copies to
its device); ``device_get`` gives NumPy arrays back, read-only as JAX's are. There is one
process; asking for another backend (``"gpu"``) is an error, as in JAX on a machine
without one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import pytree
from .core.array_impl import CPU, ArrayImpl, CpuDevice
from .errors import ArgumentTypeError, UnsupportedError
from .tracing.tracer import Tracer

__all__ = [
    "Device",
    "default_backend",
    "device_count",
    "device_get",
    "device_put",
    "devices",
    "host_count",
    "host_id",
    "host_ids",
    "local_device_count",
    "local_devices",
    "print_environment_info",
    "process_count",
    "process_index",
    "process_indices",
]

#: ``jax.Device``, the type of ``devices()``'s entries (annotations name it)
Device = CpuDevice

_BACKENDS = (None, "cpu")


def _check_backend(backend: Any) -> None:
    if backend not in _BACKENDS and backend is not CPU:
        raise UnsupportedError(
            f"Unknown backend {backend!r}: axcomp computes on the CPU only (platforms present: cpu)"
        )


def devices(backend: Any = None) -> list[CpuDevice]:
    """``jax.devices()``: the CPU."""
    _check_backend(backend)
    return [CPU]


def local_devices(process_index: int | None = None, backend: Any = None) -> list[CpuDevice]:
    """``jax.local_devices()``: the CPU."""
    _check_backend(backend)
    return [CPU]


def device_count(backend: Any = None) -> int:
    _check_backend(backend)
    return 1


def local_device_count(backend: Any = None) -> int:
    _check_backend(backend)
    return 1


def process_index(backend: Any = None) -> int:
    _check_backend(backend)
    return 0


def process_count(backend: Any = None) -> int:
    _check_backend(backend)
    return 1


def process_indices(backend: Any = None) -> list[int]:
    _check_backend(backend)
    return [0]


def host_count(backend: Any = None) -> int:  # (JAX's older names for the processes)
    return process_count(backend)


def host_id(backend: Any = None) -> int:
    return process_index(backend)


def host_ids(backend: Any = None) -> list[int]:
    return process_indices(backend)


def default_backend() -> str:
    return "cpu"


def print_environment_info(return_string: bool = False) -> str | None:
    """``jax.print_environment_info``: the versions and the machine a bug report needs."""
    import platform
    import sys
    from importlib import metadata

    import numpy

    try:
        installed = metadata.version("axcomp")
    except metadata.PackageNotFoundError:  # (a checkout on sys.path, not installed)
        installed = "not installed"
    lines = [
        f"axcomp:  {installed}",
        f"numpy:   {numpy.__version__}",
        f"python:  {sys.version}",
        f"device info: cpu-{device_count()}, {process_count()} local devices",
        f"process_count: {process_count()}",
        f"platform: {platform.uname()}",
    ]
    text = "\n".join(lines) + "\n"
    if return_string:
        return text
    print(text)
    return None


def device_put(
    x: Any, device: Any = None, *, src: Any = None, donate: Any = False, may_alias: Any = None
) -> Any:
    """``jax.device_put``: the pytree ``x`` with its array leaves (NumPy arrays and
    scalars, Python numbers) as axcomp arrays on the CPU; an axcomp array is itself (it
    is immutable). ``donate`` and ``may_alias`` only permit reuse, which a copy honours."""
    if device is not None and device is not CPU and not isinstance(device, CpuDevice):
        raise UnsupportedError(
            f"device_put: device {device!r} is not the CPU, the one device axcomp computes on"
        )
    leaves, treedef = pytree.flatten(x)
    return pytree.unflatten(treedef, [_on_device(leaf) for leaf in leaves])


def _on_device(leaf: Any) -> Any:
    if isinstance(leaf, (ArrayImpl, Tracer)):  # (inside jit: the value itself, as JAX's)
        return leaf
    if isinstance(leaf, (np.ndarray, np.generic, bool, int, float, complex)):
        value = np.array(leaf)  # (a copy: the caller may write to their array later)
        if value.dtype.kind in "biufc":
            return value.view(ArrayImpl)
    raise ArgumentTypeError(
        f"device_put: argument {leaf!r} of type {type(leaf)} is not a valid JAX type"
    )


def device_get(x: Any) -> Any:
    """``jax.device_get``: the pytree ``x`` with its arrays as read-only NumPy arrays;
    other leaves unchanged."""
    leaves, treedef = pytree.flatten(x)
    return pytree.unflatten(treedef, [_on_host(leaf) for leaf in leaves])


def _on_host(leaf: Any) -> Any:
    if isinstance(leaf, ArrayImpl):
        out = leaf.view(np.ndarray)
        out.flags.writeable = False  # (a view of an immutable array)
        return out
    return leaf
