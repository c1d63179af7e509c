"""How a plan step obtains its compiled kernel without making a call wait for the compiler.

A kernel compiled by numba costs its first call the numba import (0.1-0.5 s) and a compile
(about a second; 0.6-0.8 s even when numba's disk cache has the machine code), where the
same step computed by NumPy takes milliseconds. A ``KernelSlot`` holds one kernel through
its life: absent; compiling on a background thread; ready; or failed. A step asks
``slot.get(arguments)`` on each call: the kernel once it is ready, else None, and the step
then computes its exact NumPy way (``fused_numpy`` for fused loops), so a first call never
waits for numba and later calls switch to the kernel as soon as it is there.

* The first ``get`` starts the compile (a step asks after its first call's NumPy work,
  which a compile holding the GIL would slow): ``build(types)``, on a thread of its own, where
  ``types`` describes the first call's arguments (``argument_types``: dtypes, dimensions,
  layouts, as numba types them), so the kernel is compiled for exactly the calls the step
  makes, and numba itself is imported there. Calls with other layouts later compile in
  numba's own dispatch, as they always did.
* ``compiled(arguments)`` (or ``get(..., background=False)``) builds in the calling thread
  and returns the kernel (the old behaviour): ``AXCOMP_FUSE=always`` asks for it, so the
  tests compare the kernel and the NumPy path deterministically, and a step with no NumPy
  path uses it.
* Results may differ in the last bits between the calls before and after the switch (a
  sum's order); each call's result is one of the two exact paths.
* A failed background compile is logged once on the ``axcomp`` logger; the step keeps its
  NumPy path. A compile still running when the program ends is finished first (its
  thread is not a daemon): LLVM's static objects are destroyed as the process exits, and a
  compile still inside LLVM then crashed the exit with a segmentation fault. Its machine
  code lands in numba's disk cache, for the next process. A forked child forgets compiles
  its parent had running (their thread does not exist there).
* Inside ``compiles_after()`` (a chunked program's run of its blocks) a compile a slot
  would start waits until the outermost such run ends: the first block asks for its
  kernels, and a compile holding the GIL would slow every later block of the same call
  (B8 in 16 blocks, a fresh process: a first call of about a second instead of 0.15 s).
* Slots are shared by key (a fused loop's is its source text and the cache directory,
  ``fused_loops.slot_key``): two steps, or two programs, with one kernel compile it once.

A step that gets its kernel another way (a loop-nest module, say) uses the same slot: a
``build(types)`` that returns a callable compiled for ``types``, and its own NumPy path.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from . import numba_import

LOG = logging.getLogger("axcomp")

#: What ``build`` receives: per argument ``("array", dtype, ndim, layout, readonly,
#: aligned)``, ``("scalar", dtype)`` (a NumPy scalar), or ``("int",)``/``("float",)``/
#: ``("bool",)`` for Python numbers.
ArgumentType = tuple[Any, ...]
Build = Callable[[tuple[ArgumentType, ...]], Callable[..., Any]]


def argument_types(arguments: Sequence[Any]) -> tuple[ArgumentType, ...]:
    """How numba types ``arguments`` (``numba.typeof``), as plain data: computed without
    numba, on the calling thread, so the compile holds no reference to the arrays."""
    out: list[ArgumentType] = []
    for x in arguments:
        if isinstance(x, np.ndarray):
            flags = x.flags
            layout = "C" if flags.c_contiguous else "F" if flags.f_contiguous else "A"
            out.append(("array", x.dtype.str, x.ndim, layout, not flags.writeable, flags.aligned))
        elif isinstance(x, np.generic):
            out.append(("scalar", x.dtype.str))
        elif isinstance(x, bool):
            out.append(("bool",))
        elif isinstance(x, int):
            out.append(("int",))
        elif isinstance(x, float):
            out.append(("float",))
        else:
            raise TypeError(f"internal: a kernel argument of type {type(x).__name__}")
    return tuple(out)


def numba_signature(types: Sequence[ArgumentType]) -> tuple[Any, ...]:
    """The numba types of ``argument_types``' description (imports numba)."""
    from numba.core import types as nt

    numba = numba_import.numba()

    def one(t: ArgumentType) -> Any:
        if t[0] == "array":
            _, dtype, ndim, layout, readonly, aligned = t
            element = numba.from_dtype(np.dtype(dtype))
            return nt.Array(element, ndim, layout, readonly=readonly, aligned=aligned)
        if t[0] == "scalar":
            return numba.from_dtype(np.dtype(t[1]))
        return {"int": nt.int64, "float": nt.float64, "bool": nt.boolean}[t[0]]

    return tuple(one(t) for t in types)


class KernelSlot:
    """One kernel, compiled once (see the module docstring); ``kernel`` is set once ready."""

    def __init__(self, name: str, build: Build) -> None:
        self.name = name
        self._build = build
        self._lock = threading.Lock()
        self.kernel: Callable[..., Any] | None = None
        self.failed = False  # the background compile raised (logged): NumPy from then on
        self._thread: threading.Thread | None = None

    def get(
        self, arguments: Callable[[], Sequence[Any]], background: bool = True
    ) -> Callable[..., Any] | None:
        """The kernel, or None while it compiles in the background (or after that failed);
        ``arguments()`` gives the call's kernel arguments (asked only to start a compile)."""
        kernel = self.kernel
        if kernel is not None:
            return kernel
        if background:
            if not self.failed and self._thread is None:
                self._start(arguments)
            return self.kernel
        return self.compiled(arguments)

    def compiled(self, arguments: Callable[[], Sequence[Any]]) -> Callable[..., Any]:
        """The kernel, compiled in this thread if need be (a build's error reaches here)."""
        kernel = self.kernel
        if kernel is not None:
            return kernel
        thread = self._thread
        if thread is not None and thread.ident is not None:
            thread.join()  # one compile at a time: wait for the one running
        with self._lock:
            if self.kernel is None:
                self.kernel = self._build(argument_types(arguments()))
            return self.kernel

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a background compile; whether the kernel is ready."""
        thread = self._thread
        if thread is not None and thread.ident is not None:  # (started: not deferred)
            thread.join(timeout)
        return self.kernel is not None

    def _start(self, arguments: Callable[[], Sequence[Any]]) -> None:
        with self._lock:
            if self._thread is not None or self.kernel is not None:
                return  # another thread started it
            types = argument_types(arguments())
            self._thread = threading.Thread(
                target=self._compile,
                args=(types,),
                name=f"axcomp-compile-{self.name}",
                daemon=False,
            )
            with _deferred_lock:
                if _deferring[0]:
                    _deferred.append(self._thread)  # started when the blocks are done
                    return
            self._thread.start()

    def _compile(self, types: tuple[ArgumentType, ...]) -> None:
        if self.kernel is not None:
            return  # (a deferred start after ``compiled`` built the kernel)
        try:
            kernel = self._build(types)
        except Exception as exc:  # the NumPy path stays; say why once
            self.failed = True
            LOG.warning(
                "axcomp: compiling %s failed (%s: %s); it runs on NumPy",
                self.name,
                type(exc).__name__,
                exc,
            )
            return
        self.kernel = kernel
        LOG.debug("axcomp: %s compiled; later calls run it", self.name)

    def _forget_running(self) -> None:
        """In a forked child: a compile the parent had running is not running here."""
        if self.kernel is None and self._thread is not None:
            self._thread = None
            self._lock = threading.Lock()


_slots: dict[str, KernelSlot] = {}
_slots_lock = threading.Lock()


def slot(key: str, name: str, build: Build) -> KernelSlot:
    """The slot of the kernel ``key`` identifies (made with ``build`` on first use)."""
    found = _slots.get(key)
    if found is not None:
        return found
    with _slots_lock:
        return _slots.setdefault(key, KernelSlot(name, build))


_deferred_lock = threading.Lock()
_deferring = [0]  # runs of blocks under way (``compiles_after``)
_deferred: list[threading.Thread] = []  # compiles they asked for, not started yet


@contextlib.contextmanager
def compiles_after() -> Iterator[None]:
    """Within: background compiles start when the outermost ``compiles_after`` ends (see
    the module docstring)."""
    with _deferred_lock:
        _deferring[0] += 1
    try:
        yield
    finally:
        with _deferred_lock:
            _deferring[0] = max(0, _deferring[0] - 1)  # (a forked child starts at 0)
            todo = [] if _deferring[0] else list(_deferred)
            if not _deferring[0]:
                _deferred.clear()
        for thread in todo:
            thread.start()


def wait_all(timeout: float | None = None) -> None:
    """Wait for every compile running in the background (benchmarks time the steady state)."""
    for s in list(_slots.values()):
        s.wait(timeout)


def _after_fork() -> None:
    global _slots_lock, _deferred_lock
    _slots_lock = threading.Lock()
    _deferred_lock = threading.Lock()
    _deferring[0] = 0
    _deferred.clear()  # (threads of the parent, never started here)
    for s in list(_slots.values()):
        s._forget_running()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)
