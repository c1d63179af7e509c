"""Generated NumPy code's matmuls in measured row blocks (backends/matmul_rows.py): each
layout measured once, on the call's operands, the whole product unless a block size is
faster by ``MIN_GAIN`` and gives the same bits; the emitter marks only the matmuls a
program compiled on one BLAS thread may gain on."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp
from axcomp.backends import matmul_rows, numpy_backend

RNG = np.random.default_rng(5)


@pytest.fixture(autouse=True)
def _fresh_choices():
    matmul_rows.clear()
    yield
    matmul_rows.clear()


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(
    ("a_shape", "b_shape", "rows"),
    [
        ((256, 64), (64, 64), 128),
        ((200, 48), (48, 16), 64),  # a short last block
        ((3, 2, 130, 32), (3, 2, 32, 24), 64),  # a stack
        ((2, 1, 128, 16), (5, 16, 8), 64),  # broadcast batch axes
    ],
)
def test_blocks_give_the_whole_products_bits(a_shape, b_shape, rows, dtype) -> None:
    a = RNG.standard_normal(a_shape).astype(dtype)
    b = RNG.standard_normal(b_shape).astype(dtype)
    whole = np.matmul(a, b)
    got = matmul_rows.in_blocks(a, b, rows)
    assert got.shape == whole.shape and got.dtype == whole.dtype and got.flags.c_contiguous
    assert matmul_rows._same_bits(got, whole)
    at = np.asfortranarray(a[..., ::-1, :])  # strided rows
    assert matmul_rows._same_bits(matmul_rows.in_blocks(at, b, rows), np.matmul(at, b))


def _fake_product(slow: set[int], wrong: set[int]) -> Any:
    """A product 0.3 ms slower in the ``slow`` block sizes (0: whole) and one ulp off in
    the ``wrong`` ones."""

    def product(a: Any, b: Any, rows: int) -> Any:
        out = matmul_rows.in_blocks(a, b, rows) if rows else np.matmul(a, b)
        if rows in wrong:
            out[0, 0] = np.nextafter(out[0, 0], np.inf)
        if rows in slow:
            time.sleep(3e-4)
        return out

    return product


@pytest.mark.parametrize(
    ("slow", "wrong", "chosen"),
    [
        ({0, 128}, set(), 64),  # the whole and 128-row blocks slow: 64 rows
        ({0, 128}, {64}, 0),  # 64 rows faster but other bits: the whole product
        ({0}, {64}, 128),
        (set(), set(), 0),  # no block faster by MIN_GAIN: the whole product
    ],
)
def test_a_block_is_kept_only_faster_and_with_the_same_bits(
    slow: set[int], wrong: set[int], chosen: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(matmul_rows, "_product", _fake_product(slow, wrong))
    if not slow:  # every size equally fast: none is 5% faster than the whole
        monkeypatch.setattr(matmul_rows, "MIN_GAIN", 0.5)
    a, b = RNG.standard_normal((256, 32)), RNG.standard_normal((32, 16))
    first = matmul_rows.matmul_rows(a, b)
    assert matmul_rows._same_bits(first, a @ b)  # the measuring call: the whole product
    assert list(matmul_rows._CHOICES.values()) == [chosen]
    calls: list[int] = []
    monkeypatch.setattr(matmul_rows, "in_blocks", lambda a, b, r: calls.append(r) or a @ b)
    matmul_rows.matmul_rows(a, b)  # measured once: the choice runs
    assert calls == ([chosen] if chosen else [])


def attention(q: Any, k: Any, v: Any) -> Any:
    s = q @ k.T / 8.0
    e = anp.exp(s - anp.max(s, axis=-1, keepdims=True))
    return e / anp.sum(e, axis=-1, keepdims=True) @ v


@pytest.mark.parametrize("blas", [1, 2])
def test_only_programs_on_one_blas_thread_mark_their_matmuls(
    blas: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(numpy_backend, "blas_threads", lambda: blas)
    q, k, v = (RNG.standard_normal((4, 128, 64)) for _ in range(3))
    f = ax.jit(ax.vmap(attention), memory_limit="1GiB")
    source = f.lower(q, k, v).source
    assert source.count("_matmul_rows(") == (2 if blas == 1 else 0)
    want = np.asarray(ax.jit(ax.vmap(attention))(q, k, v))
    for forced in (0, 64):  # whatever is chosen, the bits are the plain program's
        for _ in range(2):
            got = np.asarray(f(q, k, v))
            assert matmul_rows._same_bits(got, want)
        matmul_rows._CHOICES.update({key: forced for key in matmul_rows._CHOICES})


def test_small_and_other_matmuls_stay_plain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(numpy_backend, "blas_threads", lambda: 1)
    cases = [
        (RNG.standard_normal((100, 64)), RNG.standard_normal((64, 64))),  # too few rows
        (RNG.standard_normal((4096, 1024)), RNG.standard_normal((1024, 64))),  # too long
        (RNG.standard_normal((256, 64)).astype(np.float32), RNG.standard_normal((64, 8))),
        ((RNG.standard_normal((256, 8)) * 9).astype(np.int64), np.ones((8, 8), np.int64)),
    ]
    for a, b in cases:
        source = ax.jit(lambda a, b: a @ b).lower(a, b).source
        assert "_matmul_rows(" not in source, (a.shape, a.dtype, b.dtype)
    a, b = RNG.standard_normal((256, 64)), RNG.standard_normal((64, 64))
    assert "_matmul_rows(" in ax.jit(lambda a, b: a @ b).lower(a, b).source


def test_an_exported_module_multiplies_with_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(numpy_backend, "blas_threads", lambda: 1)
    a, b = RNG.standard_normal((256, 64)), RNG.standard_normal((64, 64))
    f = ax.jit(lambda a, b: a @ b)
    assert "_matmul_rows(" in f.lower(a, b).source  # in process: the measured blocks
    text = ax.export(f, a, b, name="fn")
    assert "_matmul_rows" not in text and "_np.matmul(a, b)" in text
    namespace: dict[str, Any] = {}
    exec(compile(text, "<exported>", "exec"), namespace)
    assert matmul_rows._same_bits(np.asarray(namespace["fn"](a, b)), a @ b)
