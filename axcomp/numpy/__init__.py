"""``axcomp.numpy``: a jax.numpy-like namespace.

On NumPy values every function is plain NumPy (eager, returns ndarrays). On traced values
(inside ``vmap``/``jit``) it records nodes in the axis graph instead.

Each function is defined once, in the module of this package named as in JAX's
``jax/_src/numpy/`` (``reductions``, ``manipulation``, ``creation``, ``indexing``,
``sorting``, ``tensor_contractions``, ``linalg``, ``fft``...), most with
``dispatch.numpy_function``; this module re-exports them, holds the dtype constants and
the elementwise ufunc table, and installs the Tracer's methods (``array_methods``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

import numpy as _np

from ..errors import missing_function as _missing
from . import array_methods as _array_methods
from . import docstrings as _docstrings
from . import fft as fft
from . import linalg as linalg
from . import ufuncs as _ufuncs
from .array_editing import block as block
from .array_editing import delete as delete
from .array_editing import insert as insert
from .array_editing import resize as resize
from .array_editing import trim_zeros as trim_zeros
from .array_updates import fill_diagonal as fill_diagonal
from .array_updates import place as place
from .array_updates import put as put
from .array_updates import put_along_axis as put_along_axis
from .bit_packing import packbits as packbits
from .bit_packing import unpackbits as unpackbits
from .convolution import convolve as convolve
from .convolution import correlate as correlate
from .creation import arange as arange
from .creation import array as array
from .creation import asarray as asarray
from .creation import copy as copy
from .creation import diag as diag
from .creation import diagflat as diagflat
from .creation import empty as empty
from .creation import empty_like as empty_like
from .creation import eye as eye
from .creation import full as full
from .creation import full_like as full_like
from .creation import geomspace as geomspace
from .creation import identity as identity
from .creation import linspace as linspace
from .creation import logspace as logspace
from .creation import meshgrid as meshgrid
from .creation import ones as ones
from .creation import ones_like as ones_like
from .creation import tri as tri
from .creation import tril as tril
from .creation import tril_indices as tril_indices
from .creation import triu as triu
from .creation import triu_indices as triu_indices
from .creation import vander as vander
from .creation import zeros as zeros
from .creation import zeros_like as zeros_like
from .differences import diff as diff
from .differences import ediff1d as ediff1d
from .differences import gradient as gradient
from .differences import trapezoid as trapezoid
from .dtypes import astype as astype
from .dtypes import bool as bool
from .dtypes import can_cast as can_cast
from .dtypes import cdouble as cdouble
from .dtypes import character as character
from .dtypes import complex_ as complex_
from .dtypes import complexfloating as complexfloating
from .dtypes import csingle as csingle
from .dtypes import double as double
from .dtypes import finfo as finfo
from .dtypes import flexible as flexible
from .dtypes import float_ as float_
from .dtypes import floating as floating
from .dtypes import generic as generic
from .dtypes import iinfo as iinfo
from .dtypes import inexact as inexact
from .dtypes import int_ as int_
from .dtypes import integer as integer
from .dtypes import iscomplexobj as iscomplexobj
from .dtypes import isdtype as isdtype
from .dtypes import isrealobj as isrealobj
from .dtypes import isscalar as isscalar
from .dtypes import issubdtype as issubdtype
from .dtypes import iterable as iterable
from .dtypes import number as number
from .dtypes import object_ as object_
from .dtypes import promote_types as promote_types
from .dtypes import result_type as result_type
from .dtypes import signedinteger as signedinteger
from .dtypes import single as single
from .dtypes import uint as uint
from .dtypes import unsignedinteger as unsignedinteger
from .elementwise import acos as acos
from .elementwise import acosh as acosh
from .elementwise import allclose as allclose
from .elementwise import angle as angle
from .elementwise import around as around
from .elementwise import array_equal as array_equal
from .elementwise import array_equiv as array_equiv
from .elementwise import asin as asin
from .elementwise import asinh as asinh
from .elementwise import atan as atan
from .elementwise import atan2 as atan2
from .elementwise import atanh as atanh
from .elementwise import bitwise_invert as bitwise_invert
from .elementwise import bitwise_left_shift as bitwise_left_shift
from .elementwise import bitwise_right_shift as bitwise_right_shift
from .elementwise import degrees as degrees
from .elementwise import divmod as divmod
from .elementwise import fabs as fabs
from .elementwise import fix as fix
from .elementwise import float_power as float_power
from .elementwise import frexp as frexp
from .elementwise import gcd as gcd
from .elementwise import i0 as i0
from .elementwise import isclose as isclose
from .elementwise import iscomplex as iscomplex
from .elementwise import isneginf as isneginf
from .elementwise import isposinf as isposinf
from .elementwise import isreal as isreal
from .elementwise import lcm as lcm
from .elementwise import ldexp as ldexp
from .elementwise import left_shift as left_shift
from .elementwise import logaddexp as logaddexp
from .elementwise import logaddexp2 as logaddexp2
from .elementwise import modf as modf
from .elementwise import nan_to_num as nan_to_num
from .elementwise import pow as pow
from .elementwise import radians as radians
from .elementwise import right_shift as right_shift
from .elementwise import round as round
from .elementwise import signbit as signbit
from .elementwise import sinc as sinc
from .elementwise import spacing as spacing
from .elementwise import unwrap as unwrap
from .external_arrays import from_dlpack as from_dlpack
from .external_arrays import frombuffer as frombuffer
from .external_arrays import fromfile as fromfile
from .external_arrays import fromiter as fromiter
from .external_arrays import fromstring as fromstring
from .external_arrays import load as load
from .flat_indices import ravel_multi_index as ravel_multi_index
from .flat_indices import unravel_index as unravel_index
from .functional import apply_along_axis as apply_along_axis
from .functional import apply_over_axes as apply_over_axes
from .functional import piecewise as piecewise
from .index_tricks import c_ as c_
from .index_tricks import fromfunction as fromfunction
from .index_tricks import index_exp as index_exp
from .index_tricks import indices as indices
from .index_tricks import ix_ as ix_
from .index_tricks import mgrid as mgrid
from .index_tricks import ogrid as ogrid
from .index_tricks import r_ as r_
from .index_tricks import s_ as s_
from .indexing import argwhere as argwhere
from .indexing import bincount as bincount
from .indexing import diag_indices as diag_indices
from .indexing import diag_indices_from as diag_indices_from
from .indexing import diagonal as diagonal
from .indexing import flatnonzero as flatnonzero
from .indexing import interp as interp
from .indexing import mask_indices as mask_indices
from .indexing import nonzero as nonzero
from .indexing import select as select
from .indexing import take as take
from .indexing import take_along_axis as take_along_axis
from .indexing import tril_indices_from as tril_indices_from
from .indexing import triu_indices_from as triu_indices_from
from .manipulation import append as append
from .manipulation import array_split as array_split
from .manipulation import atleast_1d as atleast_1d
from .manipulation import atleast_2d as atleast_2d
from .manipulation import atleast_3d as atleast_3d
from .manipulation import broadcast_arrays as broadcast_arrays
from .manipulation import broadcast_shapes as broadcast_shapes
from .manipulation import broadcast_to as broadcast_to
from .manipulation import column_stack as column_stack
from .manipulation import concat as concat
from .manipulation import concatenate as concatenate
from .manipulation import dsplit as dsplit
from .manipulation import dstack as dstack
from .manipulation import expand_dims as expand_dims
from .manipulation import flip as flip
from .manipulation import fliplr as fliplr
from .manipulation import flipud as flipud
from .manipulation import hsplit as hsplit
from .manipulation import hstack as hstack
from .manipulation import matrix_transpose as matrix_transpose
from .manipulation import moveaxis as moveaxis
from .manipulation import ndim as ndim
from .manipulation import pad as pad
from .manipulation import permute_dims as permute_dims
from .manipulation import ravel as ravel
from .manipulation import repeat as repeat
from .manipulation import reshape as reshape
from .manipulation import roll as roll
from .manipulation import rollaxis as rollaxis
from .manipulation import rot90 as rot90
from .manipulation import shape as shape
from .manipulation import size as size
from .manipulation import split as split
from .manipulation import squeeze as squeeze
from .manipulation import stack as stack
from .manipulation import swapaxes as swapaxes
from .manipulation import tile as tile
from .manipulation import transpose as transpose
from .manipulation import unstack as unstack
from .manipulation import vsplit as vsplit
from .manipulation import vstack as vstack
from .polynomial import poly as poly
from .polynomial import polyadd as polyadd
from .polynomial import polyder as polyder
from .polynomial import polydiv as polydiv
from .polynomial import polyfit as polyfit
from .polynomial import polyint as polyint
from .polynomial import polymul as polymul
from .polynomial import polysub as polysub
from .polynomial import polyval as polyval
from .polynomial import roots as roots
from .reductions import all as all
from .reductions import amax as amax
from .reductions import amin as amin
from .reductions import any as any
from .reductions import argmax as argmax
from .reductions import argmin as argmin
from .reductions import average as average
from .reductions import count_nonzero as count_nonzero
from .reductions import cumprod as cumprod
from .reductions import cumsum as cumsum
from .reductions import cumulative_prod as cumulative_prod
from .reductions import cumulative_sum as cumulative_sum
from .reductions import max as max
from .reductions import mean as mean
from .reductions import median as median
from .reductions import min as min
from .reductions import nanargmax as nanargmax
from .reductions import nanargmin as nanargmin
from .reductions import nancumprod as nancumprod
from .reductions import nancumsum as nancumsum
from .reductions import nanmax as nanmax
from .reductions import nanmean as nanmean
from .reductions import nanmedian as nanmedian
from .reductions import nanmin as nanmin
from .reductions import nanpercentile as nanpercentile
from .reductions import nanprod as nanprod
from .reductions import nanquantile as nanquantile
from .reductions import nanstd as nanstd
from .reductions import nansum as nansum
from .reductions import nanvar as nanvar
from .reductions import percentile as percentile
from .reductions import prod as prod
from .reductions import ptp as ptp
from .reductions import quantile as quantile
from .reductions import std as std
from .reductions import sum as sum
from .reductions import trace as trace
from .reductions import var as var
from .selecting import choose as choose
from .selecting import compress as compress
from .selecting import extract as extract
from .setops import intersect1d as intersect1d
from .setops import isin as isin
from .setops import setdiff1d as setdiff1d
from .setops import setxor1d as setxor1d
from .setops import union1d as union1d
from .setops import unique as unique
from .setops import unique_all as unique_all
from .setops import unique_counts as unique_counts
from .setops import unique_inverse as unique_inverse
from .setops import unique_values as unique_values
from .sorting import argpartition as argpartition
from .sorting import argsort as argsort
from .sorting import lexsort as lexsort
from .sorting import partition as partition
from .sorting import searchsorted as searchsorted
from .sorting import sort as sort
from .sorting import sort_complex as sort_complex
from .statistics import corrcoef as corrcoef
from .statistics import cov as cov
from .statistics import digitize as digitize
from .statistics import histogram as histogram
from .statistics import histogram2d as histogram2d
from .statistics import histogram_bin_edges as histogram_bin_edges
from .statistics import histogramdd as histogramdd
from .tensor_contractions import cross as cross
from .tensor_contractions import dot as dot
from .tensor_contractions import einsum as einsum
from .tensor_contractions import einsum_path as einsum_path
from .tensor_contractions import inner as inner
from .tensor_contractions import kron as kron
from .tensor_contractions import matmul as matmul
from .tensor_contractions import matvec as matvec
from .tensor_contractions import outer as outer
from .tensor_contractions import tensordot as tensordot
from .tensor_contractions import vdot as vdot
from .tensor_contractions import vecdot as vecdot
from .tensor_contractions import vecmat as vecmat
from .ufuncs import clip as clip
from .ufuncs import multiply as multiply
from .ufuncs import power as power
from .ufuncs import where as where
from .vectorize import vectorize as vectorize
from .window_functions import bartlett as bartlett
from .window_functions import blackman as blackman
from .window_functions import hamming as hamming
from .window_functions import hanning as hanning
from .window_functions import kaiser as kaiser

ndarray = _np.ndarray
float16, float32, float64 = _np.float16, _np.float32, _np.float64
int8, int16, int32, int64 = _np.int8, _np.int16, _np.int32, _np.int64
uint8, uint16, uint32, uint64 = _np.uint8, _np.uint16, _np.uint32, _np.uint64
complex64, complex128 = _np.complex64, _np.complex128
bool_ = _np.bool_
pi, e, inf, nan, newaxis = _np.pi, _np.e, _np.inf, _np.nan, None
euler_gamma = _np.euler_gamma
dtype = _np.dtype
# NumPy's own, as JAX re-exports them
array_repr, array_str, save, savez = _np.array_repr, _np.array_str, _np.save, _np.savez
get_printoptions, set_printoptions = _np.get_printoptions, _np.set_printoptions
printoptions = _np.printoptions
ComplexWarning = _np.exceptions.ComplexWarning
shape_of = _np.shape


globals().update(_ufuncs.FUNCTIONS)  # the elementwise functions, generated from the records
if _TYPE_CHECKING:  # their signatures, which a type checker cannot see in the line above
    from .ufunc_signatures import *  # noqa: F403


# the ufuncs with NumPy's promotion that compose the elementwise primitive by hand
from .elementwise import bitwise_and as bitwise_and  # noqa: E402
from .elementwise import bitwise_count as bitwise_count  # noqa: E402
from .elementwise import bitwise_not as bitwise_not  # noqa: E402
from .elementwise import bitwise_or as bitwise_or  # noqa: E402
from .elementwise import bitwise_xor as bitwise_xor  # noqa: E402
from .elementwise import fmod as fmod  # noqa: E402
from .elementwise import invert as invert  # noqa: E402
from .elementwise import nextafter as nextafter  # noqa: E402

__all__ = [
    name
    for name, value in list(globals().items())
    if not name.startswith("_")
    and (callable(value) or name in ("pi", "e", "inf", "nan", "newaxis", "euler_gamma"))
]

_docstrings.complete(globals(), __all__)  # before install: ArrayImpl's methods copy them
_array_methods.install(globals(), __all__)


def __getattr__(name: str) -> _Any:
    """A jax.numpy name axcomp lacks: ``UnsupportedError`` (also an AttributeError) naming
    it and the nearest supported function."""
    if name.startswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    raise _missing("axcomp.numpy", "jax.numpy", name, __all__)
