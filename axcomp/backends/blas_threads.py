"""How many threads BLAS runs a GEMM on in this process, now.

The NumPy target reads it when it compiles a program: the transposed GEMM orientation
(``compiler.gemm_orientation``) is chosen only where BLAS runs one thread. With several
threads OpenBLAS splits such a GEMM's rows and the threads wait for each other's packed
panels at every block of the contracted axis, which is fast on idle cores but stalls when
the cores are shared (the HVP's median went from 29 to 93 ms on the busy 2-core machine,
where the plain orientation splits the columns and its threads never wait).
"""

from __future__ import annotations

import functools
from typing import Any

from threadpoolctl import ThreadpoolController


@functools.cache
def _controller() -> ThreadpoolController:
    return ThreadpoolController()  # scans the loaded libraries once (about a millisecond)


def blas_threads() -> int:
    """The most threads any loaded BLAS runs on now (``threadpool_limits`` included); 1
    when none is loaded."""
    libraries = _controller().select(user_api="blas").lib_controllers
    return max((int(lib.num_threads) for lib in libraries), default=1)


def one_blas_thread() -> Any:
    """A context in which every loaded BLAS runs one thread (``threadpool_limits`` without
    its library scan per call, about 0.5 ms: the scan made once, here)."""
    return _controller().limit(limits=1, user_api="blas")
