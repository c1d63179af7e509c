"""The vectorisable ``tanh``, ``exp``, ``expm1``, ``log`` and ``log1p`` of fused loops
(backends/vector_math.py): within 2 ulp of the correctly rounded result, NumPy's special
values, and vectorised.

The reference is NumPy's ``longdouble`` function (x87 extended precision, a 64-bit
mantissa: 11 bits more than float64, so its rounding to float64 is the correctly rounded
result but for a few hard cases, which a 2-ulp bound does not see). Each function runs as
the one instruction of a fused map loop: the printer's spelling, the import and the
kernel are those generated code uses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from axcomp.backends import fused_loops
from axcomp.core.fused import FusedLoop, Instruction

pytest.importorskip("numba")

if np.finfo(np.longdouble).nmant < 63:  # pragma: no cover - a platform without x87 longdouble
    pytest.skip("needs an extended-precision longdouble reference", allow_module_level=True)


@pytest.fixture(scope="module", autouse=True)
def _shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("vector-math-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AXCOMP_CACHE_DIR", str(path))
        mp.setenv("AXCOMP_FUSE", "always")  # the kernel from the first call (no NumPy path)
        yield path


def map_loop(fn: str, dtype: str, n: int) -> FusedLoop:
    body = (Instruction(fn, (("operand", 0),), dtype),)
    return FusedLoop((n,), ((0,),), (dtype,), body, "map", (), (0,), dtype)


def fused(fn: str, x: np.ndarray) -> np.ndarray:
    return fused_loops.caller(map_loop(fn, x.dtype.name, x.size), threads=1)(x)


def boundaries(dtype: Any) -> np.ndarray:
    """Each side of the reductions' branch points, the overflow and underflow thresholds."""
    points = [0.5625, 18.7, 20.0, 0.3466, 1.0, 88.72, -87.34, -103.28]
    points += [709.782712893384, 710.0, -708.3964, -745.1332191019411, -746.0]
    out = []
    for c in points:
        v = w = dtype(c)
        for _ in range(40):
            out += [v, w]
            v, w = np.nextafter(v, dtype(np.inf)), np.nextafter(w, dtype(-np.inf))
    return np.array(out, dtype)


def sample(dtype: Any, span: float, rng: np.random.Generator) -> np.ndarray:
    tiny = float(np.finfo(dtype).tiny)
    parts = [
        rng.uniform(-span, span, 60_000),
        rng.standard_normal(60_000),
        np.exp(rng.uniform(-60, 5, 60_000)) * rng.choice([-1.0, 1.0], 60_000),
        rng.uniform(0, tiny, 2_000) * rng.choice([-1.0, 1.0], 2_000),  # subnormals
    ]
    x = np.concatenate(parts).astype(dtype)
    b = boundaries(dtype)
    return np.concatenate([x, b, -b])


def ulp_error(got: np.ndarray, x: np.ndarray, reference: Callable[..., Any]) -> np.ndarray:
    """|got - f(x)| in ulps of the float result (entries whose result overflows: 0)."""
    with np.errstate(over="ignore"):
        ref = reference(x.astype(np.longdouble))
        rounded = ref.astype(x.dtype)
    finite = np.isfinite(rounded)
    spacing = np.spacing(np.abs(np.where(finite, rounded, 1))).astype(np.longdouble)
    err = np.abs(got.astype(np.longdouble) - ref) / spacing
    return np.where(finite, err, 0.0)


CASES = [
    ("tanh", np.tanh, 25.0),
    ("exp", np.exp, 746.0),
    ("log", np.log, 1e300),
    ("expm1", np.expm1, 746.0),
    ("log1p", np.log1p, 1e300),
]


@pytest.mark.parametrize("dtype", [np.float64, pytest.param(np.float32, marks=pytest.mark.slow)])
@pytest.mark.parametrize(("fn", "reference", "span"), CASES)
def test_within_two_ulp_of_the_correctly_rounded_result(
    fn: str, reference: Callable[..., Any], span: float, dtype: Any
) -> None:
    rng = np.random.default_rng(22)
    if dtype is np.float32:
        span = min(span, 104.0)
    x = sample(dtype, span, rng)
    if fn in ("log", "log1p"):  # their domain, over the whole range (subnormals too)
        top = np.log(np.finfo(dtype).max)
        x = np.concatenate([x, np.exp(rng.uniform(-top, top, 20_000)).astype(dtype)])
        low = 0.0 if fn == "log" else -1.0
        x = np.concatenate([x[x > low], (low + np.exp(rng.uniform(-30, 0, 20_000))).astype(dtype)])
        x = x[x > low]
    got = fused(fn, x)
    assert got.dtype == dtype
    with np.errstate(over="ignore"):
        want = reference(x)
    err = ulp_error(got, x, reference)
    assert err.max() <= 2.0, (x[np.argmax(err)], err.max())
    assert np.mean(err > 0.5) < 0.1  # mostly correctly rounded, not just within the bound
    # overflow to inf, underflow to 0 and subnormal results where NumPy has them
    np.testing.assert_array_equal(np.isinf(got), np.isinf(want))
    np.testing.assert_array_equal(got == 0, want == 0)


@pytest.mark.parametrize("dtype", [np.float64, pytest.param(np.float32, marks=pytest.mark.slow)])
@pytest.mark.parametrize("fn", ["tanh", "exp", "expm1", "log", "log1p"])
def test_special_values_are_numpys(fn: str, dtype: Any) -> None:
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, 1e-310, -1e-310], dtype)
    if fn in ("log", "log1p"):
        x = np.append(x, [dtype(-1.0), dtype(-2.0)])  # -inf or NaN
    got = fused(fn, x)
    with np.errstate(under="ignore", divide="ignore", invalid="ignore"):
        want = getattr(np, fn)(x)
    np.testing.assert_array_equal(got, want)  # NaN where NumPy's is NaN
    finite = ~np.isnan(want)
    np.testing.assert_array_equal(np.signbit(got[finite]), np.signbit(want[finite]))


@pytest.mark.slow
def test_the_kernel_is_vectorised() -> None:
    # packed double operations on 256- or 512-bit registers, and no call per element
    namespace: dict[str, Any] = {}
    text = fused_loops.source(map_loop("tanh", "float64", 1024), cache=False)
    exec(compile(text, "<vector-math-test>", "exec"), namespace)
    kernel = namespace["_loop"]
    x = np.linspace(-3, 3, 1024)
    out = np.empty_like(x)
    kernel(x, out, 1024, 0, 1024)
    np.testing.assert_allclose(out, np.tanh(x), rtol=3e-16, atol=0)
    asm = kernel.inspect_asm(kernel.signatures[0])
    assert re.search(r"\bv(fmadd\w*|mul|add|div)pd\s+%[yz]mm", asm), "no packed double ops"
    assert not re.search(r"call\w*\s+\w*tanh", asm), "calls a scalar tanh"


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_low_latency_tanh_gives_the_same_bits(dtype: Any) -> None:
    # loop nests over a few elements call it (two independent polynomial chains); long
    # loops call tanh_f64/tanh_f32 (one chain, coefficients selected per lane)
    import numba

    from axcomp.backends import vector_math

    suffix = "f64" if dtype is np.float64 else "f32"
    one_chain = getattr(vector_math, f"tanh_{suffix}")
    two_chains = getattr(vector_math, f"tanh_low_latency_{suffix}")

    @numba.njit
    def both(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> None:
        for i in range(x.size):
            a[i] = one_chain(x[i])
            b[i] = two_chains(x[i])

    x = sample(dtype, 25.0, np.random.default_rng(3))
    x = np.concatenate([x, np.array([0.0, -0.0, np.inf, -np.inf, np.nan], dtype)])
    a, b = np.empty_like(x), np.empty_like(x)
    both(x, a, b)
    bits = np.uint64 if dtype is np.float64 else np.uint32
    np.testing.assert_array_equal(a.view(bits), b.view(bits))
    np.testing.assert_array_equal(a, fused("tanh", x))  # the fused loop's kernel: the same
