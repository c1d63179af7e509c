"""``axcomp.scipy.signal``'s ``detrend``, ``fftconvolve``, ``stft``, ``istft``, ``csd`` and
``welch``
against JAX's outputs and gradients (recorded once by tests/signal_spectral_record.py),
under vmap, and their errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from signal_spectral_record import cases

import axcomp
import axcomp.numpy as jnp
import axcomp.scipy.signal as sig
from axcomp.errors import AxcompError

REF = np.load(Path(__file__).parent / "signal_spectral_reference.npz")
D = {k: REF[k] for k in ("x", "y", "z")}
CASES = cases(sig, D)


@pytest.mark.parametrize("name", sorted(CASES))
def test_outputs_match_jax(name: str) -> None:
    res = CASES[name](D["x"])
    leaves = res if isinstance(res, tuple) else (res,)
    assert f"{name}/out{len(leaves)}" not in REF
    for i, leaf in enumerate(leaves):
        want = REF[f"{name}/out{i}"]
        assert np.asarray(leaf).dtype == want.dtype, (i, np.asarray(leaf).dtype, want.dtype)
        np.testing.assert_allclose(np.asarray(leaf), want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradients_match_jax(name: str) -> None:
    def loss(x: Any) -> Any:
        res = CASES[name](x)
        last = res[-1] if isinstance(res, tuple) else res
        return jnp.sum(jnp.sin(jnp.real(last)))

    np.testing.assert_allclose(
        axcomp.grad(loss)(D["x"]), REF[f"{name}/grad"], rtol=1e-9, atol=1e-12
    )


def test_vmap_matches_each_row() -> None:
    x = D["x"]
    got = axcomp.vmap(lambda r: sig.welch(r, nperseg=16)[1])(x)
    np.testing.assert_allclose(got, REF["welch_default/out1"], rtol=1e-10, atol=1e-14)
    got = axcomp.vmap(lambda r: sig.detrend(r, bp=[7, 25]))(x)
    np.testing.assert_allclose(got, REF["detrend_linear_bp/out0"], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    ("call", "kind", "message"),
    [
        (lambda: sig.detrend(np.ones(5), type="cubic"), ValueError, "Trend type"),
        (lambda: sig.fftconvolve(np.ones(5), np.ones((2, 2))), ValueError, "dimensionality"),
        (lambda: sig.fftconvolve(np.ones(5), np.ones(2), mode="middle"), ValueError, "mode"),
        (lambda: sig.stft(np.ones(20), nperseg=8, noverlap=8), ValueError, "noverlap"),
        (lambda: sig.welch(np.ones(20), nperseg=8, nfft=4), ValueError, "nfft"),
        (lambda: sig.welch(np.ones(20), nperseg=8, window="kaiser"), NotImplementedError, "window"),
        (lambda: sig.welch(np.ones(20), average="median"), NotImplementedError, "median"),
        (lambda: sig.istft(np.ones(5)), ValueError, "at least 2d"),
        (lambda: sig.istft(np.ones((5, 4)), time_axis=0, freq_axis=0), ValueError, "differing"),
    ],
)
def test_errors(call: Any, kind: type, message: str) -> None:
    with pytest.raises(kind, match=message) as info:
        call()
    assert isinstance(info.value, AxcompError)
