"""The primitive families. Each module declares its primitives with their rules (shape,
printing, lowering, reverse mode) next to the tracing functions that build them:
``indexing`` (index, scatter), ``shape`` (reshape, broadcast, cast, concat),
``contraction`` (einsum), ``elementwise``, ``reductions``, ``cumulative`` (cumsum,
cumprod), ``collectives`` (psum, pmax, pmin), ``refine``, ``gradients`` (stop_gradient,
custom_rule), ``bitcast``, ``order`` (sort, argsort, take_along), ``gathers``, ``windows``
(windows, window_sum), ``control`` (loop, cond), ``callback`` (a Python function called
at run time for its effect: ``jax.debug.print``) and ``linalg``. Two modules declare none:
``lowering`` (the alignment helper every ``def_lower`` uses) and ``products``
(``dot``/``matmul``/``tensordot`` on einsum, which ``linalg``'s rules use).

This package is also the ``ops`` facade the layers above use: ``ops.multiply(x, y)``.
The library functions built on these families are the API layer's (``axcomp/numpy/``,
``axcomp/lax/``, ``axcomp/nn/``, ``axcomp/scipy/``).
"""

from . import callback, collectives, control, gathers, order
from . import linalg as linalg
from .contraction import (
    EinsumParams,
    contract,
    einsum,
    einsum_p,
    identity,
    is_permutation,
    is_rename,
    map_axis,
    moveaxis,
    multiply,
    permute,
    swapaxes,
    transpose,
    unmap_axis,
)
from .cumulative import CumulativeParams, cumprod_p, cumsum_p
from .elementwise import (
    ELEMENTWISE_FUNCTIONS,
    ElementwiseParams,
    elementwise,
    elementwise_p,
    power,
    where,
)
from .gradients import stop_gradient, stop_gradient_p
from .indexing import IndexParams, ScatterParams, getitem, index_p, scatter_p
from .products import dot, inner, matmul, outer, tensordot, vdot
from .reductions import ReduceParams, inexact_dtype, mean, reduce, reduce_p, reduce_sum
from .refine import RefineParams, refine_p
from .shape import (
    BroadcastParams,
    CastParams,
    ConcatParams,
    ReshapeParams,
    add_batch_axis,
    astype,
    broadcast_levels,
    broadcast_p,
    broadcast_to,
    cast_p,
    concat_p,
    concatenate,
    expand_dims,
    reshape,
    reshape_p,
    squeeze,
    stack,
)

__all__ = [
    "ELEMENTWISE_FUNCTIONS",
    "BroadcastParams",
    "CastParams",
    "ConcatParams",
    "CumulativeParams",
    "EinsumParams",
    "ElementwiseParams",
    "IndexParams",
    "ReduceParams",
    "RefineParams",
    "ReshapeParams",
    "ScatterParams",
    "add_batch_axis",
    "astype",
    "broadcast_levels",
    "broadcast_p",
    "broadcast_to",
    "callback",
    "cast_p",
    "collectives",
    "concat_p",
    "concatenate",
    "contract",
    "control",
    "cumprod_p",
    "cumsum_p",
    "dot",
    "einsum",
    "einsum_p",
    "elementwise",
    "elementwise_p",
    "expand_dims",
    "gathers",
    "getitem",
    "identity",
    "index_p",
    "inexact_dtype",
    "inner",
    "is_permutation",
    "is_rename",
    "map_axis",
    "matmul",
    "mean",
    "moveaxis",
    "multiply",
    "order",
    "outer",
    "permute",
    "power",
    "reduce",
    "reduce_p",
    "reduce_sum",
    "refine_p",
    "reshape",
    "reshape_p",
    "scatter_p",
    "squeeze",
    "stack",
    "stop_gradient",
    "stop_gradient_p",
    "swapaxes",
    "tensordot",
    "transpose",
    "unmap_axis",
    "vdot",
    "where",
]
