"""An einsum operand that is an identity matrix (possibly broadcast and transposed) is a
relabel: ``einsum('ab,bc->ac', A, eye)`` is ``A`` with ``b`` read as ``c``.

``jacfwd`` pushes the basis ``eye(n)`` through the program, so a Hessian's first product
multiplies ``A`` by a broadcast identity: a GEMM and a pass over the broadcast, for a
relabel. The identity's two labels become one (the one the result keeps, if either), and
its other axes (broadcast copies) are dropped when another operand carries their label or
they are summed axes of size 1; a size-1 axis only the result carries keeps a ``(1, ...)``
array of ones as its source. Not folded: an identity whose both labels the result keeps
(a diagonal embedding), whose labels no other operand carries (a count), or where a
remaining operand would read a diagonal, or the dtype the remaining operands promote to
would differ from the einsum's.
"""

from __future__ import annotations

import numpy as np

from ..core.graph import Node
from ..core.leaves import ConstParams, const_p
from ..primitives.contraction import EinsumParams, einsum_p, is_permutation
from ..primitives.shape import BroadcastParams, broadcast_p

#: identities up to this size are compared with ``eye`` (larger ones are never jacfwd's
#: basis of a program that would compile in reasonable time anyway)
_MAX_COMPARED = 1 << 16


def _identity_axes(node: Node) -> tuple[int, int] | None:
    """The two axes of ``node`` that an identity constant's rows and columns become,
    when ``node`` is that identity, broadcast and permuted (other axes: broadcast)."""
    # positions[k]: the axis of ``node`` that axis k of the current source becomes
    positions = list(range(node.ndim))
    cur = node
    while True:
        if cur.op is einsum_p and is_permutation(cur):
            p: EinsumParams = cur.params
            # the source's axis k has label sub[k], which sits at out.index(sub[k])
            positions = [positions[p.out.index(lab)] for lab in p.subscripts[0]]
            cur = cur.inputs[0]
        elif cur.op is broadcast_p and isinstance(cur.params, BroadcastParams):
            maps = cur.params.maps
            if any(m < 0 for m in maps):
                return None
            positions = [positions[m] for m in maps]
            cur = cur.inputs[0]
        else:
            break
    if cur.op is not const_p or cur.ndim != 2 or cur.shape[0] != cur.shape[1]:
        return None
    n = cur.shape[0]
    if node.shape[positions[0]] != n or node.shape[positions[1]] != n:
        return None  # eye(1) stretched by a broadcast: ones, not an identity
    value = np.asarray(cur.params.value)
    if value.size > _MAX_COMPARED or not np.array_equal(value, np.eye(n)):
        return None
    return positions[0], positions[1]


def fold_identity(node: Node, inputs: tuple[Node, ...]) -> Node:
    """``node`` (an einsum of ``inputs``) without an identity operand, its labels merged
    (``simplify.fold_identity_operands``)."""
    if node.op is not einsum_p or len(inputs) < 2:
        return node
    for k, inp in enumerate(inputs):
        axes = _identity_axes(inp)
        if axes is None:
            continue
        folded = _without(node, inputs, k, axes)
        if folded is not None:
            return folded
    return node


def _without(node: Node, inputs: tuple[Node, ...], k: int, axes: tuple[int, int]) -> Node | None:
    p: EinsumParams = node.params
    sub = p.subscripts[k]
    if len(set(sub)) != len(sub):
        return None
    i, j = sub[axes[0]], sub[axes[1]]
    rest = [s for n, s in enumerate(p.subscripts) if n != k]
    carried = {lab for s in rest for lab in s}
    if i == j or (i in p.out and j in p.out) or not ({i, j} & carried):
        return None
    drop, keep = (i, j) if j in p.out else (j, i)
    subs = [tuple(keep if lab == drop else lab for lab in s) for s in rest]
    if any(len(set(s)) != len(s) for s in subs):
        return None  # a diagonal read
    operands = [x for n, x in enumerate(inputs) if n != k]
    if np.result_type(*(x.dtype for x in operands)) != node.dtype:
        return None
    ones = []  # broadcast axes only the result carries: size 1, sourced by ones
    for a, lab in enumerate(sub):
        if a in axes or lab in carried:
            continue
        if inputs[k].shape[a] != 1:
            return None
        if lab in p.out:
            ones.append(lab)
    if ones:
        value = np.ones((1,) * len(ones), dtype=node.dtype)
        axes_names = tuple(f"d{n}" for n in range(len(ones)))
        source = ConstParams(value, False)
        operands.append(Node(const_p, (), source, value.shape, value.dtype, axes_names))
        subs.append(tuple(ones))
    out = tuple(keep if lab == drop else lab for lab in p.out)
    params = EinsumParams(tuple(subs), out)
    return Node(einsum_p, tuple(operands), params, node.shape, node.dtype, node.axes)
