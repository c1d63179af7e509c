"""The primitive families. Each module declares its primitives with their rules (shape,
printing, lowering, reverse mode) next to the tracing functions that build them.

This package is also the ``ops`` facade the layers above use: ``ops.multiply(x, y)``.
Module order is the import order (each imports only those before it): indexing, shape,
contraction, elementwise, products, reductions, cumulative, collectives, refine, special,
nn.
"""

from . import api, collectives, control, dft, gathers, nn, order, special
from . import associative_scan as associative_scan
from . import convolution as convolution
from . import lax_elementwise as lax_elementwise
from . import lax_more as lax_more
from . import lax_structural as lax_structural
from . import linalg as linalg
from . import nn_more as nn_more
from . import scipy_linalg as scipy_linalg
from . import special_entropy as special_entropy
from . import special_erf as special_erf
from . import special_gamma as special_gamma
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
    "api",
    "astype",
    "broadcast_levels",
    "broadcast_p",
    "broadcast_to",
    "cast_p",
    "collectives",
    "concat_p",
    "concatenate",
    "contract",
    "control",
    "cumprod_p",
    "cumsum_p",
    "dft",
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
    "nn",
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
    "special",
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
