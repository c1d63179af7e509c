"""The convolution and pooling cases that ``conv_record.py`` records under JAX and
``test_convolution.py`` checks axcomp against. Inputs are small multiples of 1/8 computed
from a formula (exact in float64, the same in both processes), so only JAX's results are
stored."""

from __future__ import annotations

import math

import numpy as np


def data(shape, seed):
    """Entries in [-1, 1] that are multiples of 1/8, a fixed function of the position."""
    n = math.prod(shape)
    k = np.arange(n, dtype=np.int64)
    return (((k * 7919 + seed * 104729 + (k * k) % 13) % 17) - 8).reshape(shape) / 8.0


def distinct(shape, seed):
    """Pairwise distinct entries (no ties for max/min pooling), multiples of 1/64."""
    n = math.prod(shape)
    k = np.arange(n, dtype=np.int64)
    return (((k * 37 + seed) % n) - n // 2).reshape(shape) / 64.0


# name -> (lhs shape, rhs shape, conv_general_dilated keywords)
CONV = {
    "nchw_valid": ((2, 3, 6, 5), (4, 3, 3, 2), dict(window_strides=(1, 1), padding="VALID")),
    "nchw_same_stride": ((2, 3, 7, 6), (4, 3, 3, 2), dict(window_strides=(2, 1), padding="SAME")),
    "nhwc_same_lower": (
        (2, 7, 6, 3),
        (3, 2, 3, 4),
        dict(
            window_strides=(2, 2),
            padding="SAME_LOWER",
            dimension_numbers=("NHWC", "HWIO", "NHWC"),
        ),
    ),
    "explicit_dilated": (
        (2, 3, 5, 4),
        (2, 3, 2, 3),
        dict(
            window_strides=(2, 1),
            padding=((1, 2), (0, 1)),
            lhs_dilation=(1, 2),
            rhs_dilation=(2, 1),
        ),
    ),
    "negative_padding": (
        (1, 2, 6, 6),
        (3, 2, 2, 2),
        dict(window_strides=(1, 2), padding=((-1, 1), (2, -1))),
    ),
    "feature_groups": (
        (2, 4, 5, 5),
        (6, 2, 2, 2),
        dict(window_strides=(1, 1), padding="SAME", feature_group_count=2),
    ),
    "depthwise": (
        (2, 3, 5, 4),
        (6, 1, 3, 3),
        dict(window_strides=(1, 1), padding=((1, 1), (1, 1)), feature_group_count=3),
    ),
    "batch_groups": (
        (4, 2, 5, 4),
        (4, 2, 2, 2),
        dict(window_strides=(1, 1), padding="VALID", batch_group_count=2),
    ),
    "one_d_nwc": (
        (2, 9, 2),
        (3, 2, 3),
        dict(window_strides=(3,), padding="SAME", dimension_numbers=("NWC", "WIO", "NWC")),
    ),
    "three_d": (
        (1, 2, 4, 3, 4),
        (2, 2, 2, 2, 2),
        dict(window_strides=(1, 2, 1), padding="VALID", rhs_dilation=(1, 1, 2)),
    ),
    "odd_layout": (
        (5, 2, 3, 4),
        (3, 3, 2, 2),
        dict(
            window_strides=(2, 1),
            padding="SAME",
            dimension_numbers=("HNCW", "IHWO", "CWNH"),
        ),
    ),
    "spec_numbers": (
        (2, 5, 4, 3),
        (2, 3, 3, 2),
        dict(
            window_strides=(1, 1),
            padding="VALID",
            dimension_numbers=((0, 3, 1, 2), (3, 2, 0, 1), (0, 3, 1, 2)),
        ),
    ),
}

# name -> (lhs shape, rhs shape, conv_transpose keywords)
TRANSPOSE = {
    "same_stride2": ((2, 5, 4, 3), (3, 3, 3, 2), dict(strides=(2, 2), padding="SAME")),
    "valid_stride2": ((1, 4, 3, 2), (2, 3, 2, 3), dict(strides=(2, 1), padding="VALID")),
    "explicit_kernel_t": (
        (2, 4, 4, 2),
        (3, 3, 3, 2),
        dict(strides=(2, 2), padding=((1, 2), (2, 1)), transpose_kernel=True),
    ),
    "consistent_nchw": (
        (1, 2, 4, 3),
        (2, 3, 3, 3),
        dict(
            strides=(2, 2),
            padding=((1, 1), (0, 1)),
            dimension_numbers=("NCHW", "IOHW", "NCHW"),
            use_consistent_padding=True,
        ),
    ),
}

# name -> (lhs shape, conv_general_dilated_patches keywords)
PATCHES = {
    "nchw": ((2, 2, 5, 4), dict(filter_shape=(2, 3), window_strides=(1, 2), padding="SAME")),
    "nhwc": (
        (1, 4, 4, 3),
        dict(
            filter_shape=(2, 2),
            window_strides=(2, 1),
            padding="VALID",
            rhs_dilation=(1, 2),
            dimension_numbers=("NHWC", "OIHW", "NCHW"),
        ),
    ),
}

# name -> (operand shape, reduction, reduce_window keywords)
POOL = {
    "max_2x2": (
        (2, 6, 5),
        "max",
        dict(window_dimensions=(1, 2, 2), window_strides=(1, 2, 2), padding="VALID"),
    ),
    "max_same": (
        (2, 5, 5),
        "max",
        dict(window_dimensions=(1, 3, 3), window_strides=(1, 2, 2), padding="SAME"),
    ),
    "min_padded": (
        (3, 6),
        "min",
        dict(window_dimensions=(2, 3), window_strides=(1, 2), padding=((0, 1), (1, 1))),
    ),
    "sum_dilated": (
        (2, 7, 6),
        "sum",
        dict(
            window_dimensions=(1, 3, 2),
            window_strides=(1, 1, 2),
            padding="SAME",
            window_dilation=(1, 2, 1),
        ),
    ),
    "max_ties": (
        (2, 6, 6),
        "max",
        dict(window_dimensions=(1, 3, 3), window_strides=(1, 2, 1), padding="SAME"),
    ),
    "min_ties": (
        (6, 6),
        "min",
        dict(window_dimensions=(2, 2), window_strides=(1, 1), padding="VALID"),
    ),
    "avg_3x3": (
        (2, 6, 6),
        "avg",
        dict(window_dimensions=(1, 3, 3), window_strides=(1, 1, 1), padding="VALID"),
    ),
}

# name -> (jax.scipy.signal function, in1 shape, in2 shape, mode)
SIGNAL = {
    "convolve_full_1d": ("convolve", (7,), (3,), "full"),
    "convolve_same_swapped": ("convolve", (3, 2), (5, 4), "same"),
    "convolve_valid_3d": ("convolve", (4, 5, 3), (2, 3, 2), "valid"),
    "correlate_full": ("correlate", (4, 6), (3, 2), "full"),
    "correlate_same_swapped": ("correlate", (2, 3), (4, 5), "same"),
    "convolve2d_same": ("convolve2d", (5, 6), (3, 2), "same"),
    "correlate2d_full_swapped": ("correlate2d", (2, 3), (4, 4), "full"),
    "correlate2d_valid_swapped": ("correlate2d", (2, 2), (4, 3), "valid"),
    "correlate2d_valid": ("correlate2d", (5, 4), (2, 3), "valid"),
    "correlate2d_same": ("correlate2d", (4, 5), (3, 3), "same"),
}

BATCH = 2  # vmap cases stack this many examples


def keywords(kw, lax):
    """``kw`` with integer dimension numbers made ``lax.ConvDimensionNumbers`` (of JAX or
    axcomp: the case table holds plain tuples)."""
    dn = kw.get("dimension_numbers")
    if isinstance(dn, tuple) and not isinstance(dn[0], str):
        return {**kw, "dimension_numbers": lax.ConvDimensionNumbers(*dn)}
    return kw


def pool_fn(lax, kind, kw):
    """The pooling ``kind`` (max, min, sum, avg) as ``lax.reduce_window`` of ``lax`` (JAX's
    or axcomp's)."""
    if kind == "max":
        return lambda x: lax.reduce_window(x, -np.inf, lax.max, **kw)
    if kind == "min":
        return lambda x: lax.reduce_window(x, np.inf, lax.min, **kw)
    if kind == "sum":
        return lambda x: lax.reduce_window(x, 0.0, lax.add, **kw)
    size = float(np.prod(kw["window_dimensions"]))
    return lambda x: lax.reduce_window(x, 0.0, lax.add, **kw) / size


def pool_input(name, shape, seed):
    """Distinct entries, except for the ``*_ties`` cases (repeated values: where a max or min
    pooling's derivative goes among equal entries)."""
    return (data if name.endswith("_ties") else distinct)(shape, seed)
