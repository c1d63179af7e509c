"""``axcomp.lax`` (as ``jax.lax``): re-exports the functions of this package's modules, laid
out as JAX's ``jax/_src/lax/``: ``operators.py`` (the basics of ``lax.py``), ``slicing.py``,
``control_flow.py``, ``convolution.py``, ``windowed_reductions.py``, ``fft.py``,
``linalg.py`` (``axcomp.lax.linalg``, also re-exported here as ``linalg_*``),
``elementwise.py`` (the elementwise functions of ``lax.py``: generated from the records,
and the composed ones) and ``special.py`` (``erf``, ``lgamma``, ``igamma``, ...).

Inside kernels they record the axis graph; on NumPy arrays they compile and run the same
program through ``jit`` (non-array arguments are static, as ``jax.lax`` requires).
"""

from __future__ import annotations

from typing import Any

from ..errors import missing_function as _missing
from ..primitives.gathers import GatherDimensionNumbers as GatherDimensionNumbers
from ..primitives.gathers import ScatterDimensionNumbers as ScatterDimensionNumbers
from ..transforms.implicit import custom_linear_solve as custom_linear_solve
from ..transforms.implicit import custom_root as custom_root
from ..transforms.jit import staged_export as _staged_export
from . import elementwise as _elementwise
from . import linalg as linalg
from .control_flow import (
    associative_scan,
    cond,
    fori_loop,
    map,
    scan,
    select,
    switch,
    while_loop,
)
from .convolution import (
    ConvDimensionNumbers,
    conv,
    conv_dimension_numbers,
    conv_general_dilated,
    conv_general_dilated_patches,
    conv_transpose,
    conv_with_general_padding,
)
from .elementwise import (
    RoundingMethod,
    atan2,
    bitcast_convert_type,
    clamp,
    clz,
    conj,
    convert_element_type,
    div,
    integer_pow,
    logistic,
    mul,
    mulhi,
    population_count,
    reduce_precision,
    rem,
    rsqrt,
    shift_right_arithmetic,
    shift_right_logical,
)
from .elementwise import lax_complex as complex
from .elementwise import lax_max as max
from .elementwise import lax_min as min
from .elementwise import lax_pow as pow
from .elementwise import lax_round as round
from .fft import (
    FftType,
    fft,
)
from .linalg import (
    cholesky as linalg_cholesky,
)
from .linalg import (
    eigh as linalg_eigh,
)
from .linalg import (
    qr as linalg_qr,
)
from .linalg import (
    svd as linalg_svd,
)
from .linalg import (
    triangular_solve as linalg_triangular_solve,
)
from .linalg import (
    tridiagonal_solve as linalg_tridiagonal_solve,
)
from .operators import (
    argmax,
    argmin,
    batch_matmul,
    broadcast,
    broadcast_in_dim,
    broadcast_shapes,
    broadcast_to_rank,
    broadcasted_iota,
    collapse,
    cumlogsumexp,
    cummax,
    cummin,
    dce_sink,
    dot,
    dot_general,
    dynamic_update_index_in_dim,
    dynamic_update_slice_in_dim,
    empty,
    full,
    full_like,
    index_in_dim,
    index_take,
    iota,
    optimization_barrier,
    reduce_and,
    reduce_max,
    reduce_min,
    reduce_or,
    reduce_prod,
    reduce_sum,
    reduce_xor,
    rev,
    select_n,
    slice_in_dim,
    sort_key_val,
    split,
    stack,
    stop_gradient,
    tile,
    top_k,
    unstack,
)
from .operators import (
    lax_concatenate as concatenate,
)
from .operators import (
    lax_cumprod as cumprod,
)
from .operators import (
    lax_cumsum as cumsum,
)
from .operators import (
    lax_expand_dims as expand_dims,
)
from .operators import (
    lax_pad as pad,
)
from .operators import (
    lax_reduce as reduce,
)
from .operators import (
    lax_reshape as reshape,
)
from .operators import (
    lax_slice as slice,
)
from .operators import (
    lax_sort as sort,
)
from .operators import (
    lax_squeeze as squeeze,
)
from .operators import (
    lax_transpose as transpose,
)
from .parallel import (
    all_gather,
    all_to_all,
    axis_index,
    axis_size,
    pmax,
    pmean,
    pmin,
    ppermute,
    pshuffle,
    psum,
    psum_scatter,
    pswapaxes,
)
from .precision import Precision as Precision
from .slicing import (
    GatherScatterMode,
    dynamic_index_in_dim,
    dynamic_slice,
    dynamic_slice_in_dim,
    dynamic_update_slice,
    scatter_apply,
)
from .slicing import (
    lax_gather as gather,
)
from .slicing import (
    lax_scatter as scatter,
)
from .slicing import (
    lax_scatter_add as scatter_add,
)
from .slicing import (
    lax_scatter_max as scatter_max,
)
from .slicing import (
    lax_scatter_min as scatter_min,
)
from .slicing import (
    lax_scatter_mul as scatter_mul,
)
from .special import (
    bessel_i0e,
    bessel_i1e,
    betainc,
    erf_inv,
    igamma,
    igamma_grad_a,
    igammac,
    lgamma,
)
from .special import lax_digamma as digamma
from .special import lax_erf as erf
from .special import lax_erfc as erfc
from .windowed_reductions import (
    reduce_window,
)

# the one-function elementwise names, generated from the records
for _name, _traced in _elementwise.FUNCTIONS.items():
    globals()[_name] = _staged_export(_name, _traced)

__all__ = [
    "ConvDimensionNumbers",
    "FftType",
    "GatherDimensionNumbers",
    "GatherScatterMode",
    "RoundingMethod",
    "ScatterDimensionNumbers",
    "all_gather",
    "all_to_all",
    "argmax",
    "argmin",
    "associative_scan",
    "atan2",
    "axis_index",
    "axis_size",
    "batch_matmul",
    "bessel_i0e",
    "bessel_i1e",
    "betainc",
    "bitcast_convert_type",
    "broadcast",
    "broadcast_in_dim",
    "broadcast_shapes",
    "broadcast_to_rank",
    "broadcasted_iota",
    "clamp",
    "clz",
    "collapse",
    "complex",
    "concatenate",
    "cond",
    "conj",
    "conv",
    "conv_dimension_numbers",
    "conv_general_dilated",
    "conv_general_dilated_patches",
    "conv_transpose",
    "conv_with_general_padding",
    "convert_element_type",
    "cumlogsumexp",
    "cummax",
    "cummin",
    "cumprod",
    "cumsum",
    "custom_linear_solve",
    "custom_root",
    "dce_sink",
    "digamma",
    "div",
    "dot",
    "dot_general",
    "dynamic_index_in_dim",
    "dynamic_slice",
    "dynamic_slice_in_dim",
    "dynamic_update_index_in_dim",
    "dynamic_update_slice",
    "dynamic_update_slice_in_dim",
    "empty",
    "erf",
    "erf_inv",
    "erfc",
    "expand_dims",
    "fft",
    "fori_loop",
    "full",
    "full_like",
    "gather",
    "igamma",
    "igamma_grad_a",
    "igammac",
    "index_in_dim",
    "index_take",
    "integer_pow",
    "iota",
    "lgamma",
    "linalg_cholesky",
    "linalg_eigh",
    "linalg_qr",
    "linalg_svd",
    "linalg_triangular_solve",
    "linalg_tridiagonal_solve",
    "logistic",
    "map",
    "max",
    "min",
    "mul",
    "mulhi",
    "optimization_barrier",
    "pad",
    "pmax",
    "pmean",
    "pmin",
    "population_count",
    "pow",
    "ppermute",
    "pshuffle",
    "psum",
    "psum_scatter",
    "pswapaxes",
    "reduce",
    "reduce_and",
    "reduce_max",
    "reduce_min",
    "reduce_or",
    "reduce_precision",
    "reduce_prod",
    "reduce_sum",
    "reduce_window",
    "reduce_xor",
    "rem",
    "reshape",
    "rev",
    "round",
    "rsqrt",
    "scan",
    "scatter",
    "scatter_add",
    "scatter_apply",
    "scatter_max",
    "scatter_min",
    "scatter_mul",
    "select",
    "select_n",
    "shift_right_arithmetic",
    "shift_right_logical",
    "slice",
    "slice_in_dim",
    "sort",
    "sort_key_val",
    "split",
    "squeeze",
    "stack",
    "stop_gradient",
    "switch",
    "tile",
    "top_k",
    "transpose",
    "unstack",
    "while_loop",
]
__all__ += [*_elementwise.FUNCTIONS, "Precision"]
__all__.sort()


def __getattr__(name: str) -> Any:
    """A jax.lax name axcomp lacks: ``UnsupportedError`` (also an AttributeError) naming it
    and the nearest supported function."""
    if name.startswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    raise _missing("axcomp.lax", "jax.lax", name, __all__)
