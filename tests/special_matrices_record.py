"""Record reference values for tests/test_special_matrices.py (run once, with JAX and
SciPy installed: ``python tests/special_matrices_record.py``). Writes
``special_matrices_reference.npz``: JAX's (x64) structured matrices of
``jax.scipy.linalg`` for fixed vectors, batches and orders, and SciPy's ``invhilbert``
(exact). CI reads the file and needs neither library."""

from __future__ import annotations

from pathlib import Path

import numpy as np

OUT = Path(__file__).parent / "special_matrices_reference.npz"
C = np.array([1.0, 2.0, -3.0])
R = np.array([4.0, 5.0, 6.0, 7.0])
POLY = np.array([2.0, -1.0, 3.0, 0.5, 4.0])
BATCH = np.arange(12.0).reshape(3, 4) - 5.0


def main() -> None:
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.scipy.linalg as jl
    import scipy.linalg as sl

    out = {
        "toeplitz": jl.toeplitz(C, R),
        "toeplitz_c": jl.toeplitz(C + 1j),
        "toeplitz_batch": jl.toeplitz(BATCH, BATCH[:, :3]),
        "hankel": jl.hankel(C, R),
        "hankel_c": jl.hankel(C),
        "circulant": jl.circulant(R),
        "circulant_batch": jl.circulant(BATCH),
        "companion": jl.companion(POLY),
        "companion_batch": jl.companion(BATCH + 10),
        "leslie": jl.leslie(R, C),
        "fiedler": jl.fiedler(R),
        "fiedler_companion": jl.fiedler_companion(np.arange(1.0, 7.0)),
        "fiedler_companion_small": jl.fiedler_companion(np.array([2.0, 4.0, 1.0])),
        "hilbert": jl.hilbert(5),
        "invhilbert": sl.invhilbert(6),
        "helmert": jl.helmert(5),
        "helmert_full": jl.helmert(5, full=True),
        "hadamard": jl.hadamard(8),
        "dft": jl.dft(5),
        "dft_sqrtn": jl.dft(4, "sqrtn"),
    }
    for mode in ("full", "same", "valid"):
        for n in (2, 5):
            out[f"convolution_matrix/{mode}/{n}"] = jl.convolution_matrix(R, n, mode)
    np.savez(OUT, **{k: np.asarray(v) for k, v in out.items()})


if __name__ == "__main__":
    main()
