"""Partial selection: ``argsort(x)[..., :k]`` and ``sort(x)[..., :k]`` become one
``argselect`` (a partition per line and a sort of the ``k`` it keeps) instead of a full sort.

The rewrite applies where the sort's only reader is a slice of its first ``k`` entries
along the sorted axis (whole along every other axis), so nothing else needs the full
order. ``argselect`` with ``largest=False`` is exactly the stable ascending order (NaN
last, ties by index: ``backends/selection.py``), so the rewritten program gives the same
numbers. It runs after differentiation, on the program about to be lowered, so no
derivative rule sees the new nodes.
"""

from __future__ import annotations

import numpy as np

from ..core.graph import Graph, Node, consumers
from ..primitives.indexing import index_p
from ..primitives.order import SelectParams, TakeParams, argselect_p, argsort_p, sort_p, take_p


def _head(node: Node) -> int | None:
    """``k`` when ``node`` takes the first ``k`` entries along its sort input's axis and
    everything along the other axes, else None."""
    src = node.inputs[0]
    axis: int = src.params.axis
    items = node.params.items
    if len(items) != src.ndim:
        return None
    k = None
    for d, item in enumerate(items):
        if item[0] != "slice" or item[1] != 0 or item[3] != 1:
            return None
        if d == axis:
            k = item[2]
        elif item[2] != src.shape[d]:
            return None
    return k


def _worth_it(src: Node, k: int) -> bool:
    # real values only (NumPy orders complex ones lexicographically, a partition too, but
    # the Array API has no order for them); at most half the axis, where a partition pays
    n = src.shape[src.params.axis]
    return src.inputs[0].dtype.kind in "biuf" and k > 0 and 2 * k <= n


def select_partially(graph: Graph) -> tuple[Graph, bool]:
    """Replace each full sort read only through a slice of its head by ``argselect``."""
    order = graph.nodes()
    readers = consumers(order)
    for out in graph.outputs:
        readers[out] = readers.get(out, 0) + 1
    new: dict[Node, Node] = {n: n for n in graph.inputs}
    changed = False
    for node in order:
        if node in new:
            continue
        src = node.inputs[0] if node.inputs else None
        k = (
            _head(node)
            if node.op is index_p and src is not None and src.op in (sort_p, argsort_p)
            else None
        )
        if src is not None and k is not None and readers.get(src, 0) == 1 and _worth_it(src, k):
            x = new[src.inputs[0]]
            axis: int = src.params.axis
            picked = Node(
                argselect_p,
                (x,),
                SelectParams(axis, k, False),
                node.shape,
                np.dtype(np.intp),
                node.axes,
            )
            if src.op is argsort_p:
                new[node] = picked
            else:
                params = TakeParams(axis, False)
                new[node] = Node(take_p, (x, picked), params, node.shape, x.dtype, node.axes)
            changed = True
            continue
        inputs = tuple(new[i] for i in node.inputs)
        same = all(a is b for a, b in zip(inputs, node.inputs))
        new[node] = node if same else node.replace_inputs(inputs)
    outputs = tuple(new[o] for o in graph.outputs)
    # effects (debug callbacks) are roots no output reads: keep them
    return Graph(graph.inputs, outputs, tuple(new[e] for e in graph.effects)), changed
