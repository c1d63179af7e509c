"""``simplify`` stops once every pass in a row has left the graph alone: the graph it
returns is the one whole rounds until a round without a change give, and no pass changes
it; it runs fewer passes."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

import axcomp as ax
import axcomp.numpy as anp
from axcomp.core.graph import Graph
from axcomp.scipy.special import logsumexp

simplify_module = sys.modules["axcomp.compiler.simplify"]  # the package exports the function


def whole_rounds(graph: Graph, counted: list[str]) -> Graph:
    """The passes in whole rounds until a round changes nothing (at most 8)."""
    for _ in range(8):
        any_change = False
        for p in simplify_module.PASSES:
            graph, changed = p(graph)
            counted.append(p.__name__)
            any_change |= changed
        if not any_change:
            break
    return graph


def traced(fn: Any, *args: Any) -> Graph:
    compiled = ax.jit(fn).lower(*args)
    assert compiled.traced is not None
    return compiled.traced


def hessian_rows(X: Any, A: Any) -> Any:
    return ax.vmap(ax.hessian(lambda x: logsumexp(A @ x)))(X)


def ntk(W1: Any, W2: Any, X1: Any, X2: Any) -> Any:
    def f(params: Any, x: Any) -> Any:
        w1, w2 = params
        return anp.tanh(x @ w1) @ w2

    j1 = ax.vmap(ax.jacrev(f), (None, 0))((W1, W2), X1)
    j2 = ax.vmap(ax.jacrev(f), (None, 0))((W1, W2), X2)
    return anp.einsum("aoij,boij->ab", j1[0], j2[0]) + anp.einsum("aojk,bojk->ab", j1[1], j2[1])


def counting(passes: tuple[Any, ...], ran: list[str]) -> tuple[Any, ...]:
    """``passes``, each noting its name in ``ran`` when it runs."""

    def one(p: Any) -> Any:
        def run(graph: Graph) -> Any:
            ran.append(p.__name__)
            return p(graph)

        return run

    return tuple(one(p) for p in passes)


def test_the_early_stop_gives_the_graph_whole_rounds_give(monkeypatch: Any) -> None:
    rng = np.random.default_rng(3)
    programs = [
        (hessian_rows, rng.standard_normal((6, 5)), rng.standard_normal((7, 5))),
        (ntk, *(rng.standard_normal(s) for s in [(4, 8), (8, 3), (5, 4), (6, 4)])),
        (lambda x, b, Y: anp.einsum("ij,kj->ik", x + b, Y), *rng.standard_normal((3, 9, 9))),
    ]
    fewer = 0
    for fn, *args in programs:
        graph = traced(fn, *args)
        reference: list[str] = []
        want = whole_rounds(graph, reference)
        ran: list[str] = []
        monkeypatch.setattr(simplify_module, "PASSES", counting(simplify_module.PASSES, ran))
        got = simplify_module.simplify(graph)
        monkeypatch.undo()
        assert str(got) == str(want)
        assert not any(p(got)[1] for p in simplify_module.PASSES), str(got)
        assert len(ran) <= len(reference)
        fewer += len(ran) < len(reference)
        np.testing.assert_allclose(ax.jit(fn)(*args), ax.jit(fn)(*args))
    assert fewer  # the stop saved passes somewhere
