"""Record reference values for tests/test_scipy_signal_spectral.py (run once, with JAX
installed: ``python tests/signal_spectral_record.py``). Writes
``signal_spectral_reference.npz``: the inputs ``x``, ``y``, ``z`` (complex), and per case
JAX's (x64) ``jax.scipy.signal`` outputs ``<case>/out<i>`` and the gradient of
``sum(sin(real(first output)))`` in ``x`` ``<case>/grad``. CI reads the file and needs no
JAX."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

OUT = Path(__file__).parent / "signal_spectral_reference.npz"


def inputs() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(9)
    return {
        "x": rng.normal(size=(3, 40)),
        "y": rng.normal(size=(3, 40)),
        "z": rng.normal(size=(2, 33)) + 1j * rng.normal(size=(2, 33)),
    }


def cases(sig: Any, d: dict[str, Any]) -> dict[str, Callable[[Any], Any]]:
    """Case name -> a function of ``x`` calling ``sig`` (jax.scipy.signal or axcomp's)."""
    y, z = d["y"], d["z"]
    return {
        "detrend_linear_bp": lambda x: sig.detrend(x, bp=[7, 25]),
        "detrend_constant_axis0": lambda x: sig.detrend(x, axis=0, type="constant"),
        "fftconvolve_full": lambda x: sig.fftconvolve(x, y[:2, :9].T.reshape(3, 6)),
        "fftconvolve_same_axes": lambda x: sig.fftconvolve(x, y[:, :7], mode="same", axes=[1]),
        "fftconvolve_valid": lambda x: sig.fftconvolve(y[:1, :5], x, mode="valid"),
        "stft_default": lambda x: sig.stft(x, nperseg=16),
        "stft_axis0_hamming": lambda x: sig.stft(
            x.T, fs=8.0, window="hamming", nperseg=10, noverlap=6, nfft=12, axis=0
        ),
        "stft_complex_twosided": lambda x: sig.stft(x[:2, :33] + z, nperseg=8, boundary=None),
        "welch_default": lambda x: sig.welch(x, nperseg=16),
        "welch_spectrum_linear": lambda x: sig.welch(
            x, fs=3.0, nperseg=12, noverlap=4, nfft=15, detrend="linear", scaling="spectrum"
        ),
        "csd_xy": lambda x: sig.csd(x, y, nperseg=16, nfft=21),
        "csd_complex": lambda x: sig.csd(x[:2, :33] + z, z, nperseg=8, window="blackman"),
        "istft_roundtrip": lambda x: sig.istft(sig.stft(x, nperseg=16)[2], nperseg=16),
        "istft_twosided_axes": lambda x: sig.istft(
            sig.stft(x[:2, :33] + z, window="hamming", nperseg=10, noverlap=7, nfft=12)[2].T,
            window="hamming",
            nperseg=10,
            noverlap=7,
            nfft=12,
            input_onesided=False,
            boundary=False,
            time_axis=0,
            freq_axis=-1,
        ),
    }


def main() -> None:
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import jax.scipy.signal as sig

    d = inputs()
    out: dict[str, np.ndarray] = dict(d)
    for name, fn in cases(sig, d).items():
        res = fn(d["x"])
        leaves = res if isinstance(res, tuple) else (res,)
        for i, leaf in enumerate(leaves):
            out[f"{name}/out{i}"] = np.asarray(leaf)

        def loss(x: Any, fn: Any = fn) -> Any:
            res = fn(x)
            last = res[-1] if isinstance(res, tuple) else res
            return jnp.sum(jnp.sin(jnp.real(last)))

        out[f"{name}/grad"] = np.asarray(jax.grad(loss)(d["x"]))
    np.savez_compressed(OUT, **out)


if __name__ == "__main__":
    main()
