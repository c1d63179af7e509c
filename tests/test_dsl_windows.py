"""The language's functions over windows (docs/language.md, "Functions over windows"):
``conv[t:k](x, w, ...)``, ``max_pool``, ``avg_pool`` against loops over the windows in
NumPy, under vmap and grad, the documented example, and positioned errors."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import axcomp as ax
from axcomp.dsl import DslCallError, DslError, DslIndexError, DslNameError, DslSyntaxError
from tests.gradcheck import numeric_grad

RNG = np.random.default_rng(3)
DOCS = Path(__file__).resolve().parents[1] / "docs" / "language.md"


def _conv1d(x, w, stride=1, pad=(0, 0), dilation=1):
    """out[t, o] = sum_{k, c} xpad[t * stride + k * dilation, c] w[k, c, o]."""
    xp = np.pad(x, (pad, (0, 0)))
    span = (w.shape[0] - 1) * dilation + 1
    n = (xp.shape[0] - span) // stride + 1
    return np.stack(
        [np.einsum("kc,kco->o", xp[t * stride : t * stride + span : dilation], w) for t in range(n)]
    )


def test_conv_1d_with_stride_padding_and_dilation() -> None:
    m = ax.compile(
        "kernel plain(x[t, c], w[k, c, o]) -> [t, o] = sum[c](conv[t:k](x[t, c], w[k, c, o]))\n"
        "kernel fancy(x[t, c], w[k, c, o]) -> [t, o] = sum[c](conv[t:k](x[t, c], w[k, c, o], "
        "stride=2, padding=((2, 1),), dilation=2))\n"
        "kernel same(x[t, c], w[k, c, o]) -> [t, o] = "
        'sum[c](conv[t:k](x[t, c], w[k, c, o], padding="SAME"))\n'
        "kernel depthwise(x[t, c], w[k, c]) -> [t, c] = conv[t:k](x[t, c], w[k, c])\n"
    )
    x, w = RNG.normal(size=(11, 3)), RNG.normal(size=(3, 3, 4))
    np.testing.assert_allclose(m.plain(x, w), _conv1d(x, w), rtol=1e-12)
    np.testing.assert_allclose(
        m.fancy(x, w), _conv1d(x, w, stride=2, pad=(2, 1), dilation=2), rtol=1e-12
    )
    np.testing.assert_allclose(m.same(x, w), _conv1d(x, w, pad=(1, 1)), rtol=1e-12)
    dw = RNG.normal(size=(3, 3))
    want = np.stack([_conv1d(x[:, [c]], dw[:, [c], None])[:, 0] for c in range(3)], axis=1)
    np.testing.assert_allclose(m.depthwise(x, dw), want, rtol=1e-12)
    # the summed input features are the convolution's own: one contraction, no extra sum
    report = ax.explain(ax.jit(m.plain), x, w)
    assert len(report.equations) == 1


def test_conv_2d_and_pools() -> None:
    m = ax.compile(
        "kernel c2(img[h, v], f[i, j]) -> [h, v] = conv[h:i, v:j](img[h, v], f[i, j], "
        "stride=(1, 2))\n"
        "kernel mp(x[h, v, c]) -> [h, v, c] = max_pool[h, v](x[h, v, c], window=2, stride=2)\n"
        "kernel ap(x[t]) -> [t] = avg_pool[t](x[t], window=3)\n"
    )
    img, f = RNG.normal(size=(6, 7)), RNG.normal(size=(3, 2))
    want = np.array(
        [[np.sum(img[a : a + 3, b : b + 2] * f) for b in range(0, 6, 2)] for a in range(4)]
    )
    np.testing.assert_allclose(m.c2(img, f), want, rtol=1e-12)
    x = RNG.normal(size=(4, 6, 2))
    np.testing.assert_array_equal(m.mp(x), x.reshape(2, 2, 3, 2, 2).max(axis=(1, 3)))
    v = RNG.normal(size=8)
    np.testing.assert_allclose(m.ap(v), np.convolve(v, np.ones(3) / 3, "valid"), rtol=1e-12)


def test_the_documented_layer_runs_per_example() -> None:
    section = DOCS.read_text().split("## Functions over windows", 1)[1].split("\n## ", 1)[0]
    code = re.search(r"```axcomp\n(.*?)```", section, re.S).group(1)
    m = ax.compile(code)
    x, w, b = RNG.normal(size=(5, 8, 2)), RNG.normal(size=(3, 2, 4)), RNG.normal(size=4)
    got = m.layer(x, w, b)
    for i in range(5):
        want = np.maximum(_conv1d(x[i], w, pad=(1, 1)) + b, 0)
        np.testing.assert_allclose(got[i], want, rtol=1e-12)
    pooled = ax.vmap(m.pool2)(got)
    np.testing.assert_allclose(pooled, got.reshape(5, 4, 2, 4).max(axis=2))


def test_conv_gradients() -> None:
    m = ax.compile(
        "kernel f(x[t, c], w[k, c, o]) -> [t, o] = sum[c](conv[t:k](x[t, c], w[k, c, o], stride=2))"
    )
    x, w = RNG.normal(size=(9, 2)), RNG.normal(size=(3, 2, 2))

    def loss(x, w):
        return (m.f(x, w) ** 2).sum()

    np.testing.assert_allclose(ax.grad(loss, 1)(x, w), numeric_grad(loss, [x, w], 1), rtol=1e-6)
    np.testing.assert_allclose(ax.grad(loss)(x, w), numeric_grad(loss, [x, w]), rtol=1e-6)


BAD = {
    "kernel f(x[t], w[k]) -> [t] = conv[t](x[t], w[k])": (
        DslIndexError,
        "names no kernel index",
    ),
    "kernel f(x[t], w[k]) -> [t] = sum[t:k](x[t])": (DslSyntaxError, "only conv"),
    "kernel f(x[t], w[k]) -> [t] = conv[t:k](x[t], w[k], strides=2)": (
        DslCallError,
        "no option 'strides'",
    ),
    "kernel f(x[t], w[k]) -> [t] = conv[t:k](x[t], w[k], stride=0)": (
        DslCallError,
        "bad stride",
    ),
    'kernel f(x[t], w[k]) -> [t] = conv[t:k](x[t], w[k], padding="FULL")': (
        DslCallError,
        "bad padding",
    ),
    "kernel f(x[t]) -> [t] = max_pool[t](x[t], stride=2)": (DslCallError, "needs the option"),
    "kernel f(x[t], w[k]) -> [t] = conv[t:k](x[t], w[k], x[t])": (
        DslCallError,
        "2 operands",
    ),
    "kernel f(x[t], w[k]) -> [t] = conv[t:j](x[t], w[k])": (
        DslIndexError,
        "'j' is not an index of its kernel",
    ),
    "kernel f(x[t, k], w[k]) -> [t] = sum[k](conv[t:k](x[t, k], w[k]))": (
        DslIndexError,
        "both the input and the kernel",
    ),
    "kernel f(x[t]) -> [t] = min_pool[t](x[t], window=2)": (DslNameError, "max_pool"),
    "kernel f(x[t], w[k]) -> [t] = conv[t:k](x[t], stride=2, w[k])": (
        DslSyntaxError,
        "operand after the options",
    ),
}


@pytest.mark.parametrize("text", sorted(BAD))
def test_bad_uses_are_positioned_errors(text: str) -> None:
    cls, message = BAD[text]
    with pytest.raises(cls, match=re.escape(message)) as info:
        ax.compile(text)
    err = info.value
    assert isinstance(err, DslError)
    assert err.line == 1 and err.column is not None and err.column > 20
    assert "^" in str(err)
