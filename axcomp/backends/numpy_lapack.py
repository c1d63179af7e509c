"""The Cholesky and triangular helpers on the LAPACK of NumPy's own OpenBLAS, in process.

NumPy's wheels link an OpenBLAS of their own (scipy-openblas64) and SciPy's wheels another,
and each keeps its own pool of threads. After a GEMM, OpenBLAS's workers spin for up to
about 0.1 s before they sleep, so a SciPy LAPACK call made right after NumPy's ``matmul``
shares the cores with NumPy's spinning workers: ``potrf`` at n = 2000 on two threads took
74 ms right after a NumPy GEMM against 40 ms alone (2 cores). Generated code multiplies
with NumPy, so its ``cholesky``, ``cholesky_inverse`` and triangular solves call the same
routines (``potrf``, ``potri``, ``trtrs``) in the library NumPy links, through ``ctypes``:
one pool, and no SciPy needed for them. With NumPy's pool on one thread there is nothing
to share, and SciPy's build, where importable, is the faster one (``potrf`` at n = 2000:
67.6 ms against 73.8), so the helpers keep it then.

Only a library known by name is called: NumPy built against scipy-openblas with 64-bit
integers (``USE64BITINT`` in ``numpy.__config__``), the OpenBLAS loaded from NumPy's own
folder (``numpy.libs``, ``numpy/.dylibs``), and its routines under scipy-openblas's names
(``scipy_dpotrf_64_``). Anything else (another BLAS, another build, complex matrices,
stacks) goes to the helpers of ``cholesky_inverse`` (SciPy's LAPACK, else NumPy), as do
exported modules, which copy those helpers. The results are the same routine's on the same
entries as SciPy's path: ``tests/test_numpy_lapack.py`` compares them with NumPy.
"""

from __future__ import annotations

import ctypes
import os
import threading
from typing import Any

import numpy as np

from .cholesky_inverse import _cholesky, _cholesky_inverse, _solve_triangular

_REAL = {np.dtype(np.float64): "d", np.dtype(np.float32): "s"}
_lock = threading.Lock()
_routines: dict[str, Any] = {}  # "dpotrf" -> the ctypes function, or None where not found


def routine(name: str) -> Any:
    """The ctypes function of LAPACK's ``name`` in NumPy's OpenBLAS, or None."""
    if name not in _routines:
        with _lock:
            if name not in _routines:
                _routines[name] = _find(name)
    return _routines[name]


def numpy_openblas() -> str | None:
    """The path of the ILP64 scipy-openblas NumPy loaded from its own folder, or None."""
    blas = getattr(np, "__config__", None)
    config = getattr(blas, "CONFIG", {}).get("Build Dependencies", {}).get("blas", {})
    if config.get("name") != "scipy-openblas":
        return None
    if "USE64BITINT" not in str(config.get("openblas configuration", "")):
        return None
    from threadpoolctl import threadpool_info

    numpy_dir = os.path.dirname(os.path.realpath(np.__file__))
    for info in threadpool_info():
        path = info.get("filepath") or ""
        if info.get("internal_api") != "openblas" or "openblas64" not in os.path.basename(path):
            continue
        folder = os.path.dirname(os.path.realpath(path))
        if folder == numpy_dir + ".libs" or folder.startswith(numpy_dir + os.sep):
            return str(path)
    return None


def _find(name: str) -> Any:
    try:
        path = numpy_openblas()
        if path is None:
            return None
        symbol = name if name.startswith("scipy_") else f"scipy_{name}_64_"
        function = getattr(ctypes.CDLL(path), symbol)
    except (OSError, AttributeError, ImportError):
        return None
    function.restype = ctypes.c_int if name.startswith("scipy_openblas") else None
    return function


def _preferred(name: str) -> Any:
    """NumPy's ``name``, unless SciPy's LAPACK is importable and NumPy's pool has a single
    thread (nothing to contend with: SciPy's routine is then as good or faster)."""
    function = routine(name)
    if function is None:
        return None
    threads = routine("scipy_openblas_get_num_threads64_")
    if threads is not None and threads() > 1:
        return function
    try:
        from scipy.linalg import lapack  # noqa: F401
    except ImportError:
        return function
    return None


def _int(value: int) -> Any:
    return ctypes.byref(ctypes.c_int64(value))


def _char(value: bytes) -> Any:
    return ctypes.byref(ctypes.c_char(value))


def _pointer(a: np.ndarray) -> Any:
    return a.ctypes.data_as(ctypes.c_void_p)


def _one_char() -> Any:
    # the length Fortran passes after the arguments for each character argument
    return ctypes.c_size_t(1)


def cholesky(a: Any) -> Any:
    """``_cholesky(a)`` (NumPy's lower factor, reading the lower triangle) by ``potrf`` of
    NumPy's OpenBLAS for one real matrix."""
    a = np.asarray(a)
    kind = _REAL.get(a.dtype)
    potrf = _preferred(kind + "potrf") if kind and a.ndim == 2 and a.shape[0] > 0 else None
    if potrf is None:
        return _cholesky(a)
    n = a.shape[0]
    # a C-ordered copy is a^T in Fortran order: its upper triangle holds a's lower one, and
    # the upper factor U written there reads back in C order as L = U^T
    out = np.array(a, order="C")
    info = ctypes.c_int64(0)
    potrf(_char(b"U"), _int(n), _pointer(out), _int(n), ctypes.byref(info), _one_char())
    if info.value > 0:
        raise np.linalg.LinAlgError("Matrix is not positive definite")
    _check(info.value, "potrf")
    _fill_upper(out, None)
    return out


def cholesky_inverse(factor: Any, lapack: bool = True, leaf: int = 64) -> Any:
    """``_cholesky_inverse`` by ``potri`` of NumPy's OpenBLAS for one real matrix."""
    factor = np.asarray(factor)
    kind = _REAL.get(factor.dtype, "")
    usable = lapack and kind and factor.ndim == 2 and factor.shape[0] > 0
    potri = _preferred(kind + "potri") if usable else None
    if potri is None:
        return _cholesky_inverse(factor, lapack, leaf)
    n = factor.shape[0]
    out = np.array(factor, order="C")  # as Fortran: L^T, the upper factor potri reads
    info = ctypes.c_int64(0)
    potri(_char(b"U"), _int(n), _pointer(out), _int(n), ctypes.byref(info), _one_char())
    if info.value > 0:  # a zero on the diagonal: as NumPy's inv of a singular matrix
        raise np.linalg.LinAlgError("Singular matrix")
    _check(info.value, "potri")
    _fill_upper(out, out)  # the inverse is on the lower triangle (C order): mirror it
    return out


def solve_triangular(tri: Any, b: Any, lower: bool) -> Any:
    """``_solve_triangular`` by ``trtrs`` of NumPy's OpenBLAS for one real matrix."""
    tri, b = np.asarray(tri), np.asarray(b)
    kind = _REAL.get(tri.dtype, "")
    square = tri.ndim == 2 and b.ndim == 2 and b.shape[0] == tri.shape[0] == tri.shape[1]
    usable = kind and square and tri.dtype == b.dtype and tri.shape[0] > 0 and b.shape[1] > 0
    trtrs = _preferred(kind + "trtrs") if usable else None
    if trtrs is None:
        return _solve_triangular(tri, b, lower)
    n, columns = b.shape
    a = np.ascontiguousarray(tri)  # as Fortran: tri^T, solved transposed
    x = np.array(b, order="F")
    info = ctypes.c_int64(0)
    uplo = b"U" if lower else b"L"  # tri's lower triangle is the upper one of tri^T
    trtrs(
        _char(uplo),
        _char(b"T"),
        _char(b"N"),
        _int(n),
        _int(columns),
        _pointer(a),
        _int(n),
        _pointer(x),
        _int(n),
        ctypes.byref(info),
        _one_char(),
        _one_char(),
        _one_char(),
    )
    if info.value > 0:  # a zero on the diagonal, as NumPy's solve says it
        raise np.linalg.LinAlgError("Singular matrix")
    _check(info.value, "trtrs")
    return x


def _check(info: int, name: str) -> None:
    if info < 0:  # an argument LAPACK refused: a bug here, never the user's input
        raise RuntimeError(f"internal: LAPACK {name} refused argument {-info}")


def _fill_upper(out: np.ndarray, source: np.ndarray | None, block: int = 256) -> None:
    """Set the strict upper triangle of ``out``: zeros (``source`` None) or the mirror of
    its lower triangle, block row by block row (no n x n index arrays)."""
    n = out.shape[0]
    for s in range(0, n, block):
        e = min(s + block, n)
        upper = np.triu_indices(e - s, 1)
        diag = out[s:e, s:e]
        if source is None:
            diag[upper] = 0
            out[s:e, e:] = 0
        else:
            diag[upper] = diag.T[upper]
            out[s:e, e:] = out[e:, s:e].T
