"""LAPACK's triangular routines for generated NumPy code, which NumPy lacks:
``_cholesky_inverse``, the plan operation ``linalg`` with ``fn='cholesky_inverse'``
(``(L L^T)^-1`` from a Cholesky factor, LAPACK's ``potri``), and ``_solve_triangular``
(``fn='solve_triangular'``, ``trtrs``, NumPy's LU ``solve`` without SciPy); and
``_cholesky`` (``fn='cholesky'``), LAPACK's ``potrf`` through SciPy for one matrix, which
NumPy has but runs slower: its gufunc copies the matrix into a Fortran-ordered buffer and
back and zeroes the other triangle itself (n = 2000, float64, one thread: 107 ms against
69 ms), where ``potrf`` on the transpose's upper triangle, the same entries, needs one copy.

The inverse of a symmetric positive definite matrix from its lower factor costs
n^3 / 3 flops for ``L^-1`` (``trtri``) and n^3 / 3 for ``L^-T L^-1`` (``lauum``), a third
of two triangular solves with n right-hand sides. NumPy has neither, so without SciPy
both are recursive halvings whose work is matrix products (GEMM-shaped ``matmul`` calls
on blocks, which NumPy stacks over leading axes) and, at the leaves, NumPy's ``inv`` on
blocks of at most ``leaf`` rows. With SciPy importable, a single real matrix goes to
LAPACK's ``potri`` instead; ``tests/test_cholesky_inverse.py`` compares the two paths.
Only the lower triangle of the factor is read.

The module is copied into exported NumPy modules (``inspect/export.py``), so the functions
read only ``_np`` and builtins.
"""

from __future__ import annotations

from typing import Any

import numpy as _np


def _cholesky(a: Any) -> Any:
    """``numpy.linalg.cholesky(a)``: the lower factor, reading ``a``'s lower triangle, and
    ``LinAlgError`` where a matrix is not positive definite. One real or complex matrix
    goes to LAPACK's ``potrf`` when SciPy is importable; stacks and other dtypes to NumPy."""
    a = _np.asarray(a)
    kinds = {"float64": "d", "float32": "s", "complex128": "z", "complex64": "c"}
    kind = kinds.get(a.dtype.name)
    if kind and a.ndim == 2 and a.shape[0] > 0:
        try:
            from scipy.linalg import lapack as _lapack
        except ImportError:
            pass
        else:
            # a's lower triangle is the upper one of a^T, Fortran-ordered when a is
            # C-ordered: potrf gives U with U^H U = conj(A) for the Hermitian A that
            # triangle defines, so L = U^T (a transpose, no conjugate) has L L^H = A
            upper, info = getattr(_lapack, kind + "potrf")(a.T, lower=0, clean=1)
            if info > 0:
                raise _np.linalg.LinAlgError("Matrix is not positive definite")
            return upper.T
    return _np.linalg.cholesky(a)


def _cholesky_inverse(factor: Any, lapack: bool = True, leaf: int = 64) -> Any:
    """``(L L^T)^-1`` for each lower-triangular ``L`` of ``factor`` (stacked over leading
    axes; the upper triangle is not read), full and symmetric. ``lapack=False`` (or no
    SciPy) keeps to NumPy."""
    factor = _np.asarray(factor)
    n = factor.shape[-1]
    real = factor.dtype in (_np.float32, _np.float64)
    if lapack and real and factor.ndim == 2 and n > 0:
        try:
            from scipy.linalg import lapack as _lapack
        except ImportError:
            pass
        else:
            potri = _lapack.dpotri if factor.dtype == _np.float64 else _lapack.spotri
            # L^T is the Fortran-ordered upper factor: no reordering copy either way, and
            # the result's transpose holds the inverse on its lower triangle
            out, info = potri(factor.T, lower=0, overwrite_c=0)
            if info > 0:  # a zero on the diagonal: as NumPy's inv of a singular matrix
                raise _np.linalg.LinAlgError("Singular matrix")
            out = out.T
            block = 256
            for s in range(0, n, block):  # mirror the lower triangle, block row by row
                e = min(s + block, n)
                upper = _np.triu_indices(e - s, 1)
                diag = out[s:e, s:e]
                diag[upper] = diag.T[upper]
                out[s:e, e:] = out[e:, s:e].T
            return out

    def times_lower(b: Any, tri: Any) -> Any:
        # b @ tri for a lower-triangular tri: two halves and one product below the diagonal
        m = tri.shape[-1]
        if m <= leaf:
            return b @ _np.tril(tri)
        h = m // 2
        out = _np.empty(b.shape[:-1] + (m,), dtype=b.dtype)
        out[..., :h] = times_lower(b[..., :h], tri[..., :h, :h])
        out[..., :h] += b[..., h:] @ tri[..., h:, :h]
        out[..., h:] = times_lower(b[..., h:], tri[..., h:, h:])
        return out

    def lower_times(tri: Any, b: Any) -> Any:
        # tri @ b for a lower-triangular tri
        m = tri.shape[-1]
        if m <= leaf:
            return _np.tril(tri) @ b
        h = m // 2
        out = _np.empty(b.shape, dtype=b.dtype)
        out[..., :h, :] = lower_times(tri[..., :h, :h], b[..., :h, :])
        out[..., h:, :] = lower_times(tri[..., h:, h:], b[..., h:, :])
        out[..., h:, :] += tri[..., h:, :h] @ b[..., :h, :]
        return out

    def inverse(tri: Any) -> Any:
        # L^-1 = [[A^-1, 0], [-C^-1 B A^-1, C^-1]] for L = [[A, 0], [B, C]]
        m = tri.shape[-1]
        if m <= leaf:
            return _np.tril(_np.linalg.inv(_np.tril(tri)))
        h = m // 2
        out = _np.zeros(tri.shape, dtype=tri.dtype)
        a = out[..., :h, :h] = inverse(tri[..., :h, :h])
        c = out[..., h:, h:] = inverse(tri[..., h:, h:])
        out[..., h:, :h] = lower_times(c, times_lower(tri[..., h:, :h], a))
        out[..., h:, :h] *= -1
        return out

    def gram(b: Any) -> Any:
        # b^T b computing one triangle of products, mirrored
        m = b.shape[-1]
        if m <= leaf:
            return _np.swapaxes(b, -1, -2) @ b
        h = m // 2
        out = _np.empty(b.shape[:-2] + (m, m), dtype=b.dtype)
        out[..., :h, :h] = gram(b[..., :h])
        out[..., h:, h:] = gram(b[..., h:])
        out[..., h:, :h] = _np.swapaxes(b[..., h:], -1, -2) @ b[..., :h]
        out[..., :h, h:] = _np.swapaxes(out[..., h:, :h], -1, -2)
        return out

    def lauum(tri: Any) -> Any:
        # U^T U for a lower-triangular U = [[A, 0], [B, C]]:
        # [[A^T A + B^T B, B^T C], [C^T B, C^T C]]
        m = tri.shape[-1]
        if m <= leaf:
            low = _np.tril(tri)
            return _np.swapaxes(low, -1, -2) @ low
        h = m // 2
        b = tri[..., h:, :h]
        out = _np.empty(tri.shape, dtype=tri.dtype)
        out[..., :h, :h] = lauum(tri[..., :h, :h])
        out[..., :h, :h] += gram(b)
        bc = times_lower(_np.swapaxes(b, -1, -2), tri[..., h:, h:])  # B^T C
        out[..., :h, h:] = bc
        out[..., h:, :h] = _np.swapaxes(bc, -1, -2)
        out[..., h:, h:] = lauum(tri[..., h:, h:])
        return out

    if n == 0:
        return _np.zeros(factor.shape, dtype=factor.dtype)
    return lauum(inverse(factor))


def _solve_triangular(tri: Any, b: Any, lower: bool) -> Any:
    """``tri^-1 b`` for triangular matrices ``tri`` (the other triangle zero), stacked as
    ``numpy.linalg.solve`` stacks: LAPACK's ``trtrs`` (O(n^2) per column) for one real or
    complex matrix when SciPy is importable, NumPy's ``solve`` (an LU) otherwise."""
    tri, b = _np.asarray(tri), _np.asarray(b)
    kinds = {"float64": "d", "float32": "s", "complex128": "z", "complex64": "c"}
    kind = kinds.get(tri.dtype.name)
    if kind and tri.ndim == 2 and b.ndim == 2 and tri.dtype == b.dtype and tri.shape[0] > 0:
        try:
            from scipy.linalg import lapack as _lapack
        except ImportError:
            pass
        else:  # the raw routine: scipy's solve_triangular costs ~0.1 ms in checks a call
            x, info = getattr(_lapack, kind + "trtrs")(tri, b, lower=int(lower))
            if info > 0:  # a zero on the diagonal, as NumPy's solve says it
                raise _np.linalg.LinAlgError("Singular matrix")
            return x
    return _np.linalg.solve(tri, b)
