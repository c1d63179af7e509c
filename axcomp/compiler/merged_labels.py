"""Contracted axes merged by a reshape are split back into the einsum's labels.

Users flatten before contracting (an NTK's ``J.reshape(n, a, -1)`` then
``einsum('naf,mbf->nmab')``). The reshape hides the factors from the planner: a Jacobian
``G[n,a,h] x[n,i]`` flattened over ``(h, i)`` must be materialised, and the contraction
over ``f = (h, i)`` costs ``n m a b h i`` where the factored one costs ``n m a b h`` plus
``n m i``. When every operand carrying a summed label ``f`` is a reshape that only merges
axes (C order) and all merge ``f`` from the same sizes, the einsum reads the reshapes'
sources instead, with ``f`` replaced by one label per merged axis: the same sum, term by
term in the same order of the flattened index, and the producers become visible to the
region builder.
"""

from __future__ import annotations

from ..core.graph import Node
from ..primitives.contraction import EinsumParams, einsum_p
from ..primitives.shape import reshape_p
from .einsum_operands import fresh_label, with_operands


def _groups(src: tuple[int, ...], dst: tuple[int, ...]) -> list[tuple[int, ...]] | None:
    """The sizes of the source axes each ``dst`` axis merges, when the reshape only merges
    consecutive axes (none of size 1, which would make the grouping ambiguous)."""
    if any(s == 1 for s in src):
        return None
    groups: list[tuple[int, ...]] = []
    k = 0
    for size in dst:
        group: list[int] = []
        prod = 1
        while prod < size and k < len(src):
            group.append(src[k])
            prod *= src[k]
            k += 1
        if prod != size or not group:
            return None
        groups.append(tuple(group))
    return groups if k == len(src) else None


def _splittable(
    subs: tuple[tuple[str, ...], ...],
    out: tuple[str, ...],
    groups: dict[int, list[tuple[int, ...]]],
) -> dict[str, tuple[int, ...]]:
    """The summed labels every operand carrying them merges from the same sizes."""
    found: dict[str, tuple[int, ...]] = {}
    refused = set(out)
    for k, sub in enumerate(subs):
        if len(set(sub)) != len(sub):
            refused |= set(sub)  # a diagonal: leave its labels alone
        for j, lab in enumerate(sub):
            sizes = groups[k][j] if k in groups else ()
            if len(sizes) < 2 or found.setdefault(lab, sizes) != sizes:
                refused.add(lab)
    return {lab: sizes for lab, sizes in found.items() if lab not in refused}


def split_einsum(node: Node, inputs: tuple[Node, ...]) -> Node:
    """``node`` (an einsum of ``inputs``) reading the sources of its merging reshapes where
    that splits summed labels back (``simplify.split_merged_labels``), else ``node``."""
    if node.op is not einsum_p:
        return node
    params: EinsumParams = node.params
    subs = params.subscripts
    groups: dict[int, list[tuple[int, ...]]] = {}
    for k, inp in enumerate(inputs):
        if inp.op is reshape_p:
            g = _groups(inp.inputs[0].shape, inp.shape)
            if g is not None and any(len(x) > 1 for x in g):
                groups[k] = g
    split = _splittable(subs, params.out, groups)
    while True:
        # an operand reads its source only when every axis it merges is split
        replace = {
            k
            for k, g in groups.items()
            if all(len(x) == 1 or subs[k][j] in split for j, x in enumerate(g))
        }
        kept = {
            lab: sizes
            for lab, sizes in split.items()
            if all(k in replace for k, sub in enumerate(subs) if lab in sub)
        }
        if kept == split:
            break
        split = kept
    if not split:
        return node
    taken = {lab for sub in subs for lab in sub}
    names: dict[str, tuple[str, ...]] = {}
    for lab, sizes in split.items():
        names[lab] = tuple(fresh_label(f"{lab}.{i}", taken) for i in range(len(sizes)))
    new_inputs = list(inputs)
    new_subs = list(subs)
    for k in replace:
        new_inputs[k] = inputs[k].inputs[0]
        new_subs[k] = tuple(p for lab in subs[k] for p in names.get(lab, (lab,)))
    return with_operands(node, new_inputs, new_subs)
