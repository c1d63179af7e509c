"""Hypothesis fuzzing of the DSL: random and mutated programs only ever raise AxcompError
subclasses (never RecursionError, lark exceptions or KeyError), in bounded time."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import axcomp as ax
from axcomp.dsl import Kernel
from axcomp.errors import AxcompError

VALID = [
    """kernel matvec(M[m, n], v[n]) -> [m] = sum[n](M[m, n] * v[n])
kernel matmul(A[i, k], B[k, j]) -> [i, j] = A[i, k] * B[k, j]
kernel sqdist(a[d], b[d]) = sum[d]((a[d] - b[d]) ** 2)
kernel softmax(x[n]) -> [n] = exp(x[n] - max[n](x[n])) / sum[n](exp(x[n] - max[n](x[n])))
pairwise_matvec = vmap(vmap(matvec, in_axes=(None, 0)), in_axes=(0, None))
pairwise_dist = jit(vmap(vmap(sqdist, in_axes=(None, 0)), in_axes=(0, None)))
batched_softmax = vmap(softmax, in_axes=1, out_axes=1)
kernel total(pa[i, d], pb[j, d]) = sum[i, j](pairwise_dist(pa, pb)[i, j])
""",
    """kernel f(x[i, j], c) -> [j] = logsumexp[i](c * x[i, j]) + mean[i](where(x[i, j] > 0,
    sigmoid(x[i, j]), relu(-x[i, j])))
kernel g(a[n], b[n]) = prod[n](maximum(a[n], b[n]) / 2) - min[n](abs(a[n]) ** 0.5)
h = vmap(f, in_axes=(0, None), out_axes=-1, axis_size=2, axis_name="b")
k = vmap(g, [0, None], 0)
""",
]

TOKENS = [
    "kernel",
    "f",
    "g",
    "x",
    "y",
    "M",
    "v",
    "i",
    "j",
    "n",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    "=",
    "->",
    "+",
    "-",
    "*",
    "/",
    "**",
    "<",
    ">=",
    "==",
    ":",
    "sum",
    "max",
    "mean",
    "logsumexp",
    "exp",
    "where",
    "sigmoid",
    "vmap",
    "jit",
    "grad",
    "value_and_grad",
    "in_axes",
    "out_axes",
    "in_axis",
    "None",
    "True",
    "0",
    "-1",
    "2",
    "1.5",
    "1e3",
    "'a'",
    '"b"',
    "\n",
    " ",
    "# c\n",
    ";",
    "@",
    "\\\n",
    "é",
]


def _arrays_for(k: Kernel) -> list[np.ndarray]:
    return [np.full((2,) * len(p.axes), 0.5) for p in k.definition.params]


def _run(text: str) -> None:
    start = time.perf_counter()
    try:
        mod = ax.compile(text)
        for name in mod:
            obj = mod[name]
            if isinstance(obj, Kernel):
                with np.errstate(all="ignore"):
                    obj(*_arrays_for(obj))
    except AxcompError as exc:
        assert str(exc)  # renders without crashing
    assert time.perf_counter() - start < 5.0, f"took too long on {text!r}"


FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), max_size=40))
def test_random_token_soup(tokens: list[str]) -> None:
    _run(" ".join(tokens))


@st.composite
def mutated(draw: Any) -> str:
    text = draw(st.sampled_from(VALID))
    for _ in range(draw(st.integers(1, 4))):
        a = draw(st.integers(0, len(text)))
        b = draw(st.integers(a, min(len(text), a + 12)))
        kind = draw(st.sampled_from(["delete", "insert", "replace", "duplicate", "swap"]))
        if kind == "delete":
            text = text[:a] + text[b:]
        elif kind == "insert":
            text = text[:a] + draw(st.sampled_from(TOKENS)) + text[a:]
        elif kind == "replace":
            text = text[:a] + draw(st.sampled_from(TOKENS)) + text[b:]
        elif kind == "duplicate":
            text = text[:b] + text[a:b] + text[b:]
        else:
            text = text[a:] + text[:a]
    return text


@FUZZ
@given(mutated())
def test_mutated_valid_programs(text: str) -> None:
    _run(text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_arbitrary_unicode(text: str) -> None:
    _run(text)


def test_valid_seeds_compile() -> None:
    for text in VALID:
        mod = ax.compile(text)
        assert len(mod) >= 4
