"""tests/lax_vmap_test.py of JAX, translated (one case per test, or per parameter set).

JAX's ``_CheckBatching`` vmaps an op over inputs that carry a batch axis at ``bdims`` and
compares against a per-example loop; here each case returns the vmapped result itself and
JAX's vmapped result is the reference.

Dtype lists follow ``lax_test_util`` without ``bfloat16`` (NumPy, which builds the inputs
and stores the recording, has no such dtype). Big ``sample_product`` sweeps keep a
deterministic, evenly spread subset (``_spread``: one element from each of ``n`` equal
blocks of the product in JAX's enumeration order), noted at each test.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from .harness import add, case

F = "lax_vmap_test"

FLOAT = [np.float16, np.float32, np.float64]
INT = [np.int8, np.int16, np.int32, np.int64]
UINT = [np.uint8, np.uint16, np.uint32, np.uint64]
COMPLEX = [np.complex64, np.complex128]
DEFAULT = FLOAT + INT
ALL = FLOAT + COMPLEX + INT + UINT + [np.bool_]


# ------------------------------------------------------------------ helpers


def _all_bdims(*shapes):
    """Every placement of a batch axis (or none) per argument, not all None."""
    choices = [[None, *range(len(s) + 1)] for s in shapes]
    return [t for t in itertools.product(*choices) if any(b is not None for b in t)]


def _add_bdim(size, bdim, shape):
    shape = list(shape)
    if bdim is not None:
        shape.insert(bdim, size)
    return tuple(shape)


def _rand(rng, shape, dtype, kind="default"):
    """lax_test_util-style inputs: ``default`` is 3*N(0,1), ``small`` is 1e-3*N(0,1)."""
    dtype = np.dtype(dtype)
    scale = {"default": 3.0, "small": 1e-3}[kind]

    def draw():
        v = scale * rng.standard_normal(shape)
        if dtype.kind == "u":
            v = np.abs(v)
        return np.asarray(v).astype(dtype)

    vals = draw() + 1j * draw() if dtype.kind == "c" else draw()
    return np.asarray(vals, dtype)


def _rand_int(rng, shape, dtype, high):
    return np.asarray(rng.integers(0, high, size=shape)).astype(dtype)


def _check_batching(L, op, size, bdims, shapes, dtypes, rng, kind="default"):
    """vmap ``op`` over args with a batch axis of ``size`` inserted at ``bdims``."""
    args = [_rand(rng, _add_bdim(size, b, s), d, kind) for b, s, d in zip(bdims, shapes, dtypes)]
    return L.vmap(op, in_axes=tuple(bdims))(*args)


def _spread(items, n):
    """A deterministic, evenly spread subset of about ``n`` of ``items``."""
    items = list(items)
    if len(items) <= n:
        return items
    out = []
    for i in range(n):
        lo, hi = i * len(items) // n, (i + 1) * len(items) // n
        out.append(items[lo + (i * 2654435761 % 2**32) % (hi - lo)])
    return out


def _fmt(v):
    if isinstance(v, type) and issubclass(v, np.generic):
        return np.dtype(v).name
    if isinstance(v, str):
        return repr(v)
    if isinstance(v, (tuple, list)):
        inner = ",".join(_fmt(x) for x in v)
        if isinstance(v, tuple) and len(v) == 1:
            inner += ","
        return f"({inner})" if isinstance(v, tuple) else f"[{inner}]"
    if isinstance(v, dict):
        return "{" + ",".join(f"{k}:{_fmt(x)}" for k, x in v.items()) + "}"
    return str(v)


def _name(test, params):
    return f"{F}.{test}[" + ",".join(f"{k}={_fmt(v)}" for k, v in params.items()) + "]"


def _tol(*dtypes):
    """JAX's assertAllClose default tolerance for float16 (1e-3), looser than the harness's."""
    if any(np.dtype(d) == np.float16 for d in dtypes):
        return {"rtol": 1e-3, "atol": 1e-3}
    return {}


def _register(test, params_list, make, tol=None):
    """One case per parameter dict; ``make(p)`` builds the case body."""
    for p in params_list:
        kw = tol(p) if tol is not None else _tol(*[v for v in p.values() if _is_dtype(v)])
        add(_name(test, p), make(p), **kw)


def _is_dtype(v):
    return isinstance(v, type) and issubclass(v, np.generic)


# ------------------------------------------------------------------ conv

# 3 group counts x 8 shapes x 35 bdim pairs x 4 layouts x 3 strides x 3 paddings x 2 lhs
# dilations x 2 rhs dilations x 5 batch sizes = 302,400: 80 kept.
_CONV_LAYOUTS = [
    (("NCHW", "OIHW", "NCHW"), ((0, 1, 2, 3), (0, 1, 2, 3))),
    (("NHWC", "HWIO", "NHWC"), ((0, 2, 3, 1), (2, 3, 1, 0))),
    (("NHWC", "OIHW", "NCHW"), ((0, 2, 3, 1), (0, 1, 2, 3))),
    (("HWCN", "HWIO", "HWCN"), ((2, 3, 1, 0), (2, 3, 1, 0))),
]
_CONV_PARAMS = _spread(
    [
        dict(
            lhs_shape=(b * bg, i * fg, 6, 7),
            rhs_shape=(j * bg * fg, i, 1, 2),
            feature_group_count=fg,
            batch_group_count=bg,
            lhs_bdim=lb,
            rhs_bdim=rb,
            dimension_numbers=dn,
            perms=perms,
            strides=st,
            padding=pd,
            lhs_dil=ld,
            rhs_dil=rd,
            bdim_size=size,
        )
        for bg, fg in [(1, 1), (2, 1), (1, 2)]
        for b, i, j in itertools.product([1, 2], repeat=3)
        for lb in [None, *range(5)]
        for rb in [None, *range(5)]
        if (lb, rb) != (None, None)
        for dn, perms in _CONV_LAYOUTS
        for st in [(1, 1), (1, 2), (2, 1)]
        for pd in [((0, 0), (0, 0)), ((1, 0), (0, 1)), ((0, -1), (0, 0))]
        for ld in [(1, 1), (2, 1)]
        for rd in [(1, 1), (2, 2)]
        for size in range(5)
    ],
    80,
)


def _make_conv(p):
    def fn(L, rng):
        lhs_perm, rhs_perm = p["perms"]
        shapes = [
            tuple(np.take(p["lhs_shape"], lhs_perm)),
            tuple(np.take(p["rhs_shape"], rhs_perm)),
        ]

        def conv(lhs, rhs):
            return L.lax.conv_general_dilated(
                lhs,
                rhs,
                window_strides=p["strides"],
                padding=p["padding"],
                lhs_dilation=p["lhs_dil"],
                rhs_dilation=p["rhs_dil"],
                dimension_numbers=p["dimension_numbers"],
                feature_group_count=p["feature_group_count"],
                batch_group_count=p["batch_group_count"],
                precision=L.lax.Precision.HIGHEST,
            )

        bdims = (p["lhs_bdim"], p["rhs_bdim"])
        return _check_batching(L, conv, p["bdim_size"], bdims, shapes, [np.float32] * 2, rng)

    return fn


# float32 sums of up to 8 products of 3*N(0,1) entries, in another order than XLA's
_register(
    "testConvGeneralDilatedBatching",
    _CONV_PARAMS,
    _make_conv,
    tol=lambda p: {"rtol": 1e-4, "atol": 1e-4},
)


# ------------------------------------------------------------------ element types


# 4x4 dtype pairs x 3 bdims = 48: all kept.
_CONVERT_PARAMS = [
    dict(from_dtype=f, to_dtype=t, bdims=b)
    for f, t in itertools.product([np.float32, np.int32, "float32", "int32"], repeat=2)
    for b in _all_bdims((2, 3))
]


def _make_convert(p):
    def fn(L, rng):
        op = lambda x: L.lax.convert_element_type(x, p["to_dtype"])  # noqa: E731
        return _check_batching(L, op, 10, p["bdims"], [(2, 3)], [p["from_dtype"]], rng)

    return fn


_register("testConvertElementType", _CONVERT_PARAMS, _make_convert, tol=lambda p: {})


def _make_bitcast(p):
    def fn(L, rng):
        op = lambda x: L.lax.bitcast_convert_type(x, p["to_dtype"])  # noqa: E731
        return _check_batching(L, op, 10, p["bdims"], [(2, 3)], [p["from_dtype"]], rng)

    return fn


_register("testBitcastElementType", _CONVERT_PARAMS, _make_bitcast, tol=lambda p: {})


# 3 bdims x 3 dtypes x 3 nexp x 3 nmant = 81: 40 kept.
_REDUCE_PRECISION_PARAMS = _spread(
    [
        dict(bdims=b, dtype=d, nexp=e, nmant=m)
        for b in _all_bdims((2, 4))
        for d in FLOAT
        for e in [1, 3, 5]
        for m in [0, 2, 4]
    ],
    40,
)


def _make_reduce_precision(p):
    def fn(L, rng):
        def op(x):
            return L.lax.reduce_precision(x, exponent_bits=p["nexp"], mantissa_bits=p["nmant"])

        return _check_batching(L, op, 10, p["bdims"], [(2, 4)], [p["dtype"]], rng)

    return fn


_register("testReducePrecision", _REDUCE_PRECISION_PARAMS, _make_reduce_precision)


# ------------------------------------------------------------------ clamp, dot, dot_general


# 140 shape/bdims sets x 7 dtypes = 980: 60 kept.
_CLAMP_PARAMS = _spread(
    [
        dict(shapes=shapes, bdims=b, dtype=d)
        for shapes in [
            ((), (2, 3), ()),
            ((2, 3), (2, 3), ()),
            ((), (2, 3), (2, 3)),
            ((2, 3), (2, 3), (2, 3)),
        ]
        for b in _all_bdims(*shapes)
        for d in DEFAULT
    ],
    60,
)


def _make_clamp(p):
    def fn(L, rng):
        return _check_batching(L, L.lax.clamp, 10, p["bdims"], p["shapes"], [p["dtype"]] * 3, rng)

    return fn


_register("testClamp", _CLAMP_PARAMS, _make_clamp)


# 45 shape/bdims sets x 7 dtypes = 315: 60 kept. JAX's rtol: float16 5e-2, float64 5e-14.
_DOT_PARAMS = _spread(
    [
        dict(lhs=lhs, rhs=rhs, bdims=b, dtype=d)
        for lhs in [(3,), (4, 3)]
        for rhs in [(3,), (3, 6)]
        for b in _all_bdims(lhs, rhs)
        for d in DEFAULT
    ],
    60,
)


def _make_dot(p):
    def fn(L, rng):
        def op(x, y):
            return L.lax.dot(x, y, precision=L.lax.Precision.HIGHEST)

        shapes = (p["lhs"], p["rhs"])
        return _check_batching(L, op, 5, p["bdims"], shapes, [p["dtype"]] * 2, rng)

    return fn


_register(
    "testDot",
    _DOT_PARAMS,
    _make_dot,
    tol=lambda p: {"rtol": 5e-2, "atol": 5e-2} if p["dtype"] == np.float16 else {},
)


# 10 configs with their bdims (188 sets) x 7 dtypes = 1316: 60 kept.
_DOT_CONTRACT_PARAMS = _spread(
    [
        dict(lhs=lhs, rhs=rhs, lc=lc, rc=rc, bdims=b, dtype=d)
        for lhs, rhs, lc, rc in [
            ((5,), (5,), (0,), (0,)),
            ((5, 7), (5,), (0,), (0,)),
            ((7, 5), (5,), (1,), (0,)),
            ((3, 5), (2, 5), (1,), (1,)),
            ((5, 3), (5, 2), (0,), (0,)),
            ((5, 3, 2), (5, 2, 4), (0,), (0,)),
            ((5, 3, 2), (5, 2, 4), (0, 2), (0, 1)),
            ((5, 3, 2), (3, 5, 2, 4), (0, 2), (1, 2)),
            ((1, 2, 2, 3), (1, 2, 3, 1), (1,), (1,)),
            ((3, 2), (2, 4), (1,), (0,)),
        ]
        for b in _all_bdims(lhs, rhs)
        for d in DEFAULT
    ],
    60,
)


def _make_dot_contract(p):
    def fn(L, rng):
        dn = ((p["lc"], p["rc"]), ((), ()))
        op = lambda x, y: L.lax.dot_general(x, y, dimension_numbers=dn)  # noqa: E731
        shapes = (p["lhs"], p["rhs"])
        return _check_batching(L, op, 5, p["bdims"], shapes, [p["dtype"]] * 2, rng, "small")

    return fn


_register("testDotGeneralContractOnly", _DOT_CONTRACT_PARAMS, _make_dot_contract)


# 54 shape/bdims sets x 7 dtypes = 378: 60 kept. (JAX's extra check that batching adds no
# transpose/broadcast to the jaxpr is internal representation: not translated.)
_DOT_BATCH_PARAMS = _spread(
    [
        dict(lhs=lhs, rhs=rhs, dn=dn, bdims=b, dtype=d)
        for lhs, rhs, dn in [
            ((3, 3, 2), (3, 2, 4), (((2,), (1,)), ((0,), (0,)))),
            ((3, 3, 2), (2, 3, 4), (((2,), (0,)), ((0,), (1,)))),
            ((3, 4, 2, 4), (3, 4, 3, 2), (((2,), (3,)), ((0, 1), (0, 1)))),
        ]
        for b in _all_bdims(lhs, rhs)
        for d in DEFAULT
    ],
    60,
)


def _make_dot_batch(p):
    def fn(L, rng):
        op = lambda x, y: L.lax.dot_general(x, y, dimension_numbers=p["dn"])  # noqa: E731
        shapes = (p["lhs"], p["rhs"])
        return _check_batching(L, op, 5, p["bdims"], shapes, [p["dtype"]] * 2, rng, "small")

    return fn


_register("testDotGeneralContractAndBatch", _DOT_BATCH_PARAMS, _make_dot_batch)


# ------------------------------------------------------------------ broadcasts and shapes


# 4 shape/bdims sets x 7 dtypes x 3 sizes = 84: 42 kept.
_BROADCAST_PARAMS = _spread(
    [
        dict(shape=s, bdims=b, dtype=d, sizes=z)
        for s in [(), (2, 3)]
        for b in _all_bdims(s)
        for d in DEFAULT
        for z in [(), (2,), (1, 2)]
    ],
    42,
)


def _make_broadcast(p):
    def fn(L, rng):
        op = lambda x: L.lax.broadcast(x, p["sizes"])  # noqa: E731
        return _check_batching(L, op, 5, p["bdims"], [p["shape"]], [p["dtype"]], rng)

    return fn


_register("testBroadcast", _BROADCAST_PARAMS, _make_broadcast)


# JAX skips this test ("has failures in some cases"); its 7 shape/bdims sets are kept here
# for float32 and int32 (14), as a plain vmap check of broadcast_in_dim.
_BROADCAST_IN_DIM_PARAMS = [
    dict(inshape=i, outshape=o, dims=dims, bdims=b, dtype=d)
    for i, o, dims in [
        ((2,), (2, 2), (0,)),
        ((2,), (2, 2), (1,)),
        ((2,), (2, 3), (0,)),
        ((), (2, 3), ()),
    ]
    for b in _all_bdims(i)
    for d in [np.float32, np.int32]
]


def _make_broadcast_in_dim(p):
    def fn(L, rng):
        op = lambda x: L.lax.broadcast_in_dim(x, p["outshape"], p["dims"])  # noqa: E731
        return _check_batching(L, op, 5, p["bdims"], [p["inshape"]], [p["dtype"]], rng)

    return fn


_register("testBroadcastInDim", _BROADCAST_IN_DIM_PARAMS, _make_broadcast_in_dim)


# 32 shape/bdims sets (float32): all kept.
_SQUEEZE_PARAMS = [
    dict(shape=s, dims=dims, bdims=b)
    for s, dims in [
        ((1,), (0,)),
        ((1,), (-1,)),
        ((2, 1, 4), (1,)),
        ((2, 1, 4), (-2,)),
        ((2, 1, 3, 1), (1,)),
        ((2, 1, 3, 1), (1, 3)),
        ((2, 1, 3, 1), (3,)),
        ((2, 1, 3, 1), (1, -1)),
    ]
    for b in _all_bdims(s)
]


def _make_squeeze(p):
    def fn(L, rng):
        op = lambda x: L.lax.squeeze(x, p["dims"])  # noqa: E731
        return _check_batching(L, op, 10, p["bdims"], [p["shape"]], [np.float32], rng)

    return fn


_register("testSqueeze", _SQUEEZE_PARAMS, _make_squeeze)


# 22 shape/bdims sets x 7 dtypes = 154: 50 kept.
_RESHAPE_PARAMS = _spread(
    [
        dict(shape=s, dims=dims, out=o, bdims=b, dtype=d)
        for s, dims, o in [
            ((3, 4), None, (12,)),
            ((2, 1, 4), None, (8,)),
            ((2, 2, 4), None, (2, 8)),
            ((2, 2, 4), (0, 1, 2), (2, 8)),
            ((2, 2, 4), (1, 0, 2), (8, 2)),
            ((2, 2, 4), (2, 1, 0), (4, 2, 2)),
        ]
        for b in _all_bdims(s)
        for d in DEFAULT
    ],
    50,
)


def _make_reshape(p):
    def fn(L, rng):
        op = lambda x: L.lax.reshape(x, p["out"], dimensions=p["dims"])  # noqa: E731
        return _check_batching(L, op, 10, p["bdims"], [p["shape"]], [p["dtype"]], rng)

    return fn


_register("testReshape", _RESHAPE_PARAMS, _make_reshape)


# 7 bdims x 7 dtypes = 49: all kept.
_PAD_PARAMS = [dict(bdims=b, dtype=d) for b in _all_bdims((2, 3), ()) for d in DEFAULT]


def _make_pad(p):
    def fn(L, rng):
        pads = [(1, 2, 1), (0, 1, 0)]
        op = lambda x, v: L.lax.pad(x, v, pads)  # noqa: E731
        dt = [p["dtype"]] * 2
        return _check_batching(L, op, 5, p["bdims"], [(2, 3), ()], dt, rng, "small")

    return fn


_register("testPad", _PAD_PARAMS, _make_pad)


# 144 shape/bdims sets x 7 dtypes = 1008: 60 kept.
_SELECT_PARAMS = _spread(
    [
        dict(pred=ps, arg=a, bdims=b, dtype=d)
        for a in [(), (3,), (2, 3)]
        for ps in ([(), a] if a else [()])
        for b in _all_bdims(ps, a, a)
        for d in DEFAULT
    ],
    60,
)


def _make_select(p):
    def fn(L, rng):
        op = lambda c, x, y: L.lax.select(c < 0, x, y)  # noqa: E731
        shapes = (p["pred"], p["arg"], p["arg"])
        return _check_batching(L, op, 5, p["bdims"], shapes, [p["dtype"]] * 3, rng)

    return fn


_register("testSelect", _SELECT_PARAMS, _make_select)


# 24 shape/bdims sets x 7 dtypes = 168: 56 kept.
_SLICE_PARAMS = _spread(
    [
        dict(shape=s, starts=st, limits=li, strides=sd, bdims=b, dtype=d)
        for s, st, li, sd in [
            ((3,), (1,), (2,), None),
            ((7,), (4,), (7,), None),
            ((5,), (1,), (5,), (2,)),
            ((8,), (1,), (6,), (2,)),
            ((5, 3), (1, 1), (3, 2), None),
            ((5, 3), (1, 1), (3, 1), None),
            ((7, 5, 3), (4, 0, 1), (7, 1, 3), None),
            ((5, 3), (1, 1), (2, 1), (1, 1)),
            ((5, 3), (1, 1), (5, 3), (2, 1)),
        ]
        for b in _all_bdims(s)
        for d in DEFAULT
    ],
    56,
)


def _make_slice(p):
    def fn(L, rng):
        op = lambda x: L.lax.slice(x, p["starts"], p["limits"], p["strides"])  # noqa: E731
        return _check_batching(L, op, 5, p["bdims"], [p["shape"]], [p["dtype"]], rng)

    return fn


_register("testSlice", _SLICE_PARAMS, _make_slice)


# 20 shape/axis/bdims sets x 3 piece counts x 7 dtypes = 420: 60 kept.
_SPLIT_PARAMS = _spread(
    [
        dict(base=s, axis=ax, bdims=b, pieces=n, dtype=d)
        for s in [(4,), (3, 4), (2, 3, 4)]
        for ax in range(len(s))
        for b in _all_bdims(s)
        for n in range(3)
        for d in DEFAULT
    ],
    60,
)


def _make_split(p):
    def fn(L, rng):
        sizes = [int(z) for z in rng.integers(0, 5, size=p["pieces"] + 1)]
        shape = list(p["base"])
        shape[p["axis"]] = sum(sizes)
        op = lambda x: tuple(L.lax.split(x, sizes, p["axis"]))  # noqa: E731
        return _check_batching(L, op, 5, p["bdims"], [tuple(shape)], [p["dtype"]], rng)

    return fn


_register("testSplit", _SPLIT_PARAMS, _make_split)


# testStack / testUnstack loop over every bdims placement: one case per placement.
for _b in _all_bdims((2, 3), (2, 3)):

    def _stack(L, rng, b=_b):
        op = lambda x, y: L.lax.stack([x, y], axis=0)  # noqa: E731
        return _check_batching(L, op, 5, b, [(2, 3), (2, 3)], [np.float32] * 2, rng)

    add(_name("testStack", dict(bdims=_b)), _stack)

for _b in _all_bdims((2, 3)):

    def _unstack(L, rng, b=_b):
        op = lambda x: tuple(L.lax.unstack(x, axis=0))  # noqa: E731
        return _check_batching(L, op, 5, b, [(2, 3)], [np.float32], rng)

    add(_name("testUnstack", dict(bdims=_b)), _unstack)


# 14 shape/bdims sets x 7 dtypes = 98: 49 kept.
_TRANSPOSE_PARAMS = _spread(
    [
        dict(shape=s, perm=perm, bdims=b, dtype=d)
        for s, perm in [
            ((3, 4), (1, 0)),
            ((3, 4), (0, 1)),
            ((3, 4, 5), (2, 1, 0)),
            ((3, 4, 5), (1, 0, 2)),
        ]
        for b in _all_bdims(s)
        for d in DEFAULT
    ],
    49,
)


def _make_transpose(p):
    def fn(L, rng):
        op = lambda x: L.lax.transpose(x, p["perm"])  # noqa: E731
        return _check_batching(L, op, 5, p["bdims"], [p["shape"]], [p["dtype"]], rng)

    return fn


_register("testTranspose", _TRANSPOSE_PARAMS, _make_transpose)


# ------------------------------------------------------------------ reductions


_I32, _I64 = np.iinfo(np.int32), np.iinfo(np.int64)
_REDUCE_OPS = [
    (0, "add", DEFAULT),
    (1, "mul", DEFAULT),
    (0, "max", ALL),  # non-monoidal for everything except unsigned integers
    (-np.inf, "max", FLOAT),
    (int(_I32.min), "max", [np.int32]),
    (int(_I64.min), "max", [np.int64]),
    (np.inf, "min", FLOAT),
    (int(_I32.max), "min", [np.int32]),
    (int(_I64.max), "min", [np.int64]),
    (int(np.iinfo(np.uint32).max), "min", [np.uint32]),
    (int(np.iinfo(np.uint64).max), "min", [np.uint64]),
]
_REDUCE_DIMS = [(0,), (1, 2), (0, 2), (0, 1, 2)]

# 40 op/init/dtype sets x 4 dims x 4 bdims = 640: 60 kept.
_REDUCE_PARAMS = _spread(
    [
        dict(op=op, init=init, dtype=d, dims=dims, bdims=b)
        for init, op, dts in _REDUCE_OPS
        for d in dts
        for dims in _REDUCE_DIMS
        for b in _all_bdims((3, 4, 5))
    ],
    60,
)


def _make_reduce(p):
    def fn(L, rng):
        init = np.asarray(p["init"], dtype=p["dtype"])
        op = getattr(L.lax, p["op"])
        fun = lambda x: L.lax.reduce(x, init, op, p["dims"])  # noqa: E731
        return _check_batching(L, fun, 5, p["bdims"], [(3, 4, 5)], [p["dtype"]], rng, "small")

    return fn


_register("testReduce", _REDUCE_PARAMS, _make_reduce)


# 4 dims x 24 bdims x 7 dtypes = 672: 56 kept.
_VARIADIC_REDUCE_PARAMS = _spread(
    [
        dict(dims=dims, bdims=b, dtype=d)
        for dims in _REDUCE_DIMS
        for b in _all_bdims((3, 4, 5), (3, 4, 5))
        for d in DEFAULT
    ],
    56,
)


def _make_variadic_reduce(p):
    def fn(L, rng):
        def op(a, b):
            return a[0] + b[0], a[1] * b[1]

        init = tuple(np.asarray([0, 1], dtype=p["dtype"]))
        fun = lambda x, y: tuple(L.lax.reduce((x, y), init, op, p["dims"]))  # noqa: E731
        shapes = [(3, 4, 5)] * 2
        return _check_batching(L, fun, 5, p["bdims"], shapes, [p["dtype"]] * 2, rng, "small")

    return fn


_register("testVariadicReduce", _VARIADIC_REDUCE_PARAMS, _make_variadic_reduce)


# 4 bdims x 3 dims x 2 ops x 7 dtypes = 168: 56 kept.
_ARGMINMAX_PARAMS = _spread(
    [
        dict(op=op, bdims=b, dim=dim, dtype=d)
        for b in _all_bdims((3, 4, 5))
        for dim in range(3)
        for op in ["argmin", "argmax"]
        for d in DEFAULT
    ],
    56,
)


def _make_argminmax(p):
    def fn(L, rng):
        op = getattr(L.lax, p["op"])
        fun = lambda x: op(x, p["dim"], np.int32)  # noqa: E731
        return _check_batching(L, fun, 5, p["bdims"], [(3, 4, 5)], [p["dtype"]], rng)

    return fn


_register("testArgminmax", _ARGMINMAX_PARAMS, _make_argminmax)


_WINDOW_CONFIGS = list(
    itertools.chain(
        itertools.product(
            [(4, 6)],
            [(2, 1), (1, 2)],
            [(1, 1), (2, 1), (1, 2)],
            ["VALID", "SAME", ((0, 3), (1, 2))],
            [(1, 1), (2, 3)],
            [(1, 1), (1, 2)],
        ),
        itertools.product(
            [(3, 2, 4, 6)],
            [(1, 1, 2, 1), (2, 1, 2, 1)],
            [(1, 2, 2, 1), (1, 1, 1, 1)],
            ["VALID", "SAME", ((0, 1), (1, 0), (2, 3), (0, 2))],
            [(1, 1, 1, 1), (2, 1, 3, 2)],
            [(1, 1, 1, 1), (1, 2, 2, 1)],
        ),
    )
)

# 3 ops x 120 window configs, each looped over its bdims (1368 in all): 60 kept.
_REDUCE_WINDOW_PARAMS = _spread(
    [
        dict(op=op, init=init, shape=s, dims=w, strides=st, padding=pd, base=bd, win=wd, bdims=b)
        for init, op in [(0, "add"), (-np.inf, "max"), (np.inf, "min")]
        for s, w, st, pd, bd, wd in _WINDOW_CONFIGS
        for b in _all_bdims(s)
    ],
    60,
)


def _make_reduce_window(p):
    def fn(L, rng):
        init = np.asarray(p["init"], dtype=np.float32)
        op = getattr(L.lax, p["op"])

        def fun(x):
            return L.lax.reduce_window(
                x, init, op, p["dims"], p["strides"], p["padding"], p["base"], p["win"]
            )

        return _check_batching(L, fun, 3, p["bdims"], [p["shape"]], [np.float32], rng, "small")

    return fn


_register("testReduceWindow", _REDUCE_WINDOW_PARAMS, _make_reduce_window)


# 4 op/dtype sets x 14 shape/axis/bdims sets x 2 reverse = 112: 56 kept.
_CUMULATIVE_PARAMS = _spread(
    [
        dict(op=op, dtype=d, shape=s, axis=ax, bdims=b, reverse=r)
        for op in ["cumsum", "cumprod"]
        for d in [np.float32, np.float64]
        for s in [(10,), (3, 4, 5)]
        for ax in range(len(s))
        for b in _all_bdims(s)
        for r in [False, True]
    ],
    56,
)


def _make_cumulative(p):
    def fn(L, rng):
        op = getattr(L.lax, p["op"])
        fun = lambda x: op(x, axis=p["axis"], reverse=p["reverse"])  # noqa: E731
        return _check_batching(L, fun, 7, p["bdims"], [p["shape"]], [p["dtype"]], rng, "small")

    return fn


_register("testCumulativeReduce", _CUMULATIVE_PARAMS, _make_cumulative)


# ------------------------------------------------------------------ max-pool JVP / VJP


def _maxpool(L, dims, strides, padding, dtype):
    init = np.asarray(-np.inf, dtype=dtype)
    return lambda x: L.lax.reduce_window(x, init, L.lax.max, dims, strides, padding)


# JAX calls the private _select_and_gather_add(t, x, ge, ...): t at each window's max of x,
# which is exactly the JVP of a max reduce_window (-inf init) at x along t; translated so.
# 144 shape/dims/strides/bdims sets x 3 dtypes x 2 paddings = 864: 60 kept.
_GATHER_ADD_PARAMS = _spread(
    [
        dict(shape=s, dims=w, strides=st, bdims=b, dtype=d, padding=pd)
        for s, w, st in itertools.chain(
            itertools.product([(4, 6)], [(2, 1), (1, 2)], [(1, 1), (2, 1), (1, 2)]),
            itertools.product(
                [(3, 2, 4, 6)], [(1, 1, 2, 1), (2, 1, 2, 1)], [(1, 2, 2, 1), (1, 1, 1, 1)]
            ),
        )
        for b in _all_bdims(s, s)
        for d in FLOAT
        for pd in ["VALID", "SAME"]
    ],
    60,
)


def _make_gather_add(p):
    def fn(L, rng):
        pool = _maxpool(L, p["dims"], p["strides"], p["padding"], p["dtype"])

        def fun(tangents, operand):
            return L.jvp(pool, (operand,), (tangents,))[1]

        shapes = [p["shape"]] * 2
        return _check_batching(L, fun, 3, p["bdims"], shapes, [p["dtype"]] * 2, rng, "small")

    return fn


_register("testSelectAndGatherAdd", _GATHER_ADD_PARAMS, _make_gather_add)


def _pool_shape(shape, dims, strides, padding):
    if padding == "VALID":
        return tuple((n - w) // s + 1 for n, w, s in zip(shape, dims, strides))
    return tuple(-(-n // s) for n, s in zip(shape, strides))


# JAX calls the private _select_and_scatter_add(c, x, ge, ...): c scattered to each window's
# max of x, which is the VJP of a max reduce_window at x applied to c; translated so.
# 3 dtypes x 2 paddings x 2 strides, each looped over 24 bdims (288): 48 kept.
_SCATTER_ADD_POOL_PARAMS = _spread(
    [
        dict(dtype=d, padding=pd, strides=st, bdims=b)
        for d in FLOAT
        for pd in ["VALID", "SAME"]
        for st in [(1, 2, 2, 1), (1, 1, 1, 1)]
        for b in _all_bdims((3, 2, 4, 6), (3, 2, 4, 6))
    ],
    48,
)


def _make_scatter_add_pool(p):
    def fn(L, rng):
        shape, dims = (3, 2, 4, 6), (1, 1, 2, 1)
        pool = _maxpool(L, dims, p["strides"], p["padding"], p["dtype"])

        def fun(cotangents, operand):
            return L.vjp(pool, operand)[1](cotangents)[0]

        shapes = [_pool_shape(shape, dims, p["strides"], p["padding"]), shape]
        return _check_batching(L, fun, 3, p["bdims"], shapes, [p["dtype"]] * 2, rng, "small")

    return fn


_register("testSelectAndScatterAdd", _SCATTER_ADD_POOL_PARAMS, _make_scatter_add_pool)


# ------------------------------------------------------------------ fft


# 40 shape/bdims/fft_ndims sets (complex64): all kept.
_FFT_PARAMS = [
    dict(shape=s, bdims=b, fft_ndims=n)
    for s in [(5,), (3, 4, 5), (2, 3, 4, 5)]
    for b in _all_bdims(s)
    for n in range(min(3, len(s)) + 1)
]


def _make_fft(p):
    def fn(L, rng):
        s = p["shape"]
        lengths = tuple(s[len(s) - p["fft_ndims"] :])
        op = lambda x: L.lax.fft(x, L.lax.FftType.FFT, lengths)  # noqa: E731
        return _check_batching(L, op, 5, p["bdims"], [s], [np.complex64], rng)

    return fn


_register("testFft", _FFT_PARAMS, _make_fft)


# ------------------------------------------------------------------ gather / scatter


_GATHER_CONFIGS = [
    ((5,), (2, 1), dict(offset_dims=(), collapsed_slice_dims=(0,), start_index_map=(0,)), (1,)),
    ((10,), (3, 1), dict(offset_dims=(1,), collapsed_slice_dims=(), start_index_map=(0,)), (2,)),
    (
        (10, 5),
        (3, 1),
        dict(offset_dims=(1,), collapsed_slice_dims=(0,), start_index_map=(0,)),
        (1, 3),
    ),
    (
        (10, 5),
        (2, 2),
        dict(offset_dims=(1,), collapsed_slice_dims=(0,), start_index_map=(0, 1)),
        (1, 3),
    ),
    (
        (2, 5),
        (2, 2, 1),
        dict(
            offset_dims=(),
            collapsed_slice_dims=(1,),
            start_index_map=(1,),
            operand_batching_dims=(0,),
            start_indices_batching_dims=(0,),
        ),
        (1, 1),
    ),
    (
        (2, 3, 10),
        (3, 2, 1),
        dict(
            offset_dims=(2,),
            collapsed_slice_dims=(),
            start_index_map=(2,),
            operand_batching_dims=(0, 1),
            start_indices_batching_dims=(1, 0),
        ),
        (1, 1, 3),
    ),
]

# 95 shape/bdims sets x 14 dtypes = 1330: 60 kept. Each case vmaps over batch size 0 and 5.
# The start indices are random (3*N(0,1) as int64), as in JAX, so some are out of bounds.
_GATHER_PARAMS = _spread(
    [
        dict(shape=s, idx=i, dnums=dn, slice_sizes=z, bdims=b, dtype=d)
        for s, i, dn, z in _GATHER_CONFIGS
        for b in _all_bdims(s, i)
        for d in ALL
    ],
    60,
)


def _make_gather(p):
    def fn(L, rng):
        dn = L.lax.GatherDimensionNumbers(**p["dnums"])

        def fun(x, i):
            return L.lax.gather(x, i, dimension_numbers=dn, slice_sizes=p["slice_sizes"])

        shapes, dts = [p["shape"], p["idx"]], [p["dtype"], np.int64]
        empty = _check_batching(L, fun, 0, p["bdims"], shapes, dts, rng)
        full = _check_batching(L, fun, 5, p["bdims"], shapes, dts, rng)
        return empty, full

    return fn


_register("testGather", _GATHER_PARAMS, _make_gather)


_SCATTER_CONFIGS = [
    (
        (5,),
        (2, 1),
        (2,),
        dict(update_window_dims=(), inserted_window_dims=(0,), scatter_dims_to_operand_dims=(0,)),
    ),
    (
        (10,),
        (3, 1),
        (3, 2),
        dict(update_window_dims=(1,), inserted_window_dims=(), scatter_dims_to_operand_dims=(0,)),
    ),
    (
        (10, 5),
        (3, 1),
        (3, 3),
        dict(update_window_dims=(1,), inserted_window_dims=(0,), scatter_dims_to_operand_dims=(0,)),
    ),
    (
        (2, 5),
        (2, 2, 1),
        (2, 2),
        dict(
            update_window_dims=(),
            inserted_window_dims=(1,),
            scatter_dims_to_operand_dims=(1,),
            operand_batching_dims=(0,),
            scatter_indices_batching_dims=(0,),
        ),
    ),
    (
        (2, 3, 10),
        (3, 2, 1),
        (3, 2, 3),
        dict(
            update_window_dims=(2,),
            inserted_window_dims=(),
            scatter_dims_to_operand_dims=(2,),
            operand_batching_dims=(0, 1),
            scatter_indices_batching_dims=(1, 0),
        ),
    ),
]

# 348 shape/bdims sets x 3 dtypes = 1044: 60 kept.
_SCATTER_ADD_PARAMS = _spread(
    [
        dict(shape=s, idx=i, upd=u, dnums=dn, bdims=b, dtype=d)
        for s, i, u, dn in _SCATTER_CONFIGS
        for b in _all_bdims(s, i, u)
        for d in FLOAT
    ],
    60,
)


def _make_scatter_add(p):
    def fn(L, rng):
        dn = L.lax.ScatterDimensionNumbers(**p["dnums"])
        fun = lambda x, i, u: L.lax.scatter_add(x, i, u, dimension_numbers=dn)  # noqa: E731
        shapes = [p["shape"], p["idx"], p["upd"]]
        dts = [p["dtype"], np.int64, p["dtype"]]
        return _check_batching(L, fun, 5, p["bdims"], shapes, dts, rng)

    return fn


_register("testScatterAdd", _SCATTER_ADD_PARAMS, _make_scatter_add)


# 80 shape/bdims sets x 3 dtypes = 240: 60 kept.
_SCATTER_APPLY_PARAMS = _spread(
    [
        dict(shape=s, idx=i, upd=u, dnums=dn, bdims=b, dtype=d)
        for s, i, u, dn in _SCATTER_CONFIGS
        for b in _all_bdims(s, i)
        for d in FLOAT
    ],
    60,
)


def _make_scatter_apply(p):
    def fn(L, rng):
        dn = L.lax.ScatterDimensionNumbers(**p["dnums"])

        def fun(x, i):
            return L.lax.scatter_apply(
                x, i, func=L.jnp.sin, update_shape=p["upd"], dimension_numbers=dn
            )

        shapes, dts = [p["shape"], p["idx"]], [p["dtype"], np.int64]
        return _check_batching(L, fun, 5, p["bdims"], shapes, dts, rng)

    return fn


_register("testScatterApply", _SCATTER_APPLY_PARAMS, _make_scatter_apply)


# ------------------------------------------------------------------ shapes


@case(f"{F}.testShapeUsesBuiltinInt")
def _shape_builtin_int(L, rng):
    x = L.lax.iota(np.int32, 3) + 1
    return x, np.asarray(isinstance(x.shape[0], int))


@case(f"{F}.testBroadcastShapesReturnsPythonInts")
def _broadcast_shapes_ints(L, rng):
    out = L.lax.broadcast_shapes((1, 2, 3), (2, 3))
    return np.asarray(out), np.asarray(all(type(s) is int for s in out))


@case(f"{F}.testBroadcastShapesFaultyInputs[negative]")
def _broadcast_shapes_negative(L, rng):
    return L.lax.broadcast_shapes((-1,))


@case(f"{F}.testBroadcastShapesFaultyInputs[string]")
def _broadcast_shapes_string(L, rng):
    return L.lax.broadcast_shapes("hello")


# ------------------------------------------------------------------ top_k, barrier, sort


# 6 shape/bdims sets x 2 k x 2 axes x 7 dtypes = 168: 56 kept.
_TOP_K_PARAMS = _spread(
    [
        dict(shape=s, bdims=b, k=k, axis=ax, dtype=d)
        for s in [(4,), (3, 5, 3)]
        for b in _all_bdims(s)
        for k in [1, 3]
        for ax in [0, -1]
        for d in DEFAULT
    ],
    56,
)


def _make_top_k(p):
    def fn(L, rng):
        s, b, k, ax = p["shape"], p["bdims"], p["k"], p["axis"]
        x = _rand_int(rng, _add_bdim(5, b[0], s), p["dtype"], math.prod(s))
        vals = L.vmap(lambda v: L.lax.top_k(v, k=k, axis=ax)[0], in_axes=b)(x)
        idxs = L.vmap(lambda v: L.lax.top_k(v, k=k, axis=ax)[1], in_axes=b)(x)
        return vals, idxs

    return fn


_register("testTopK", _TOP_K_PARAMS, _make_top_k)


# 6 shape/bdims sets x 7 dtypes = 42: all kept.
_BARRIER_PARAMS = [
    dict(shape=s, bdims=b, dtype=d)
    for s in [(8,), (3, 4, 5)]
    for b in _all_bdims(s)
    for d in DEFAULT
]


def _make_barrier(p):
    def fn(L, rng):
        op = L.lax.optimization_barrier
        return _check_batching(L, op, 5, p["bdims"], [p["shape"]], [p["dtype"]], rng, "small")

    return fn


_register("test_optimization_barrier_vmap", _BARRIER_PARAMS, _make_barrier)


@case(f"{F}.test_optimization_barrier_vmap_out_axes")
def _barrier_out_axes(L, rng):
    x = np.arange(8)
    y = x.reshape(1, 8)
    return L.vmap(L.lax.optimization_barrier, in_axes=((0, 1),), out_axes=(0, 1))((x, y))


# 2 dims x (3 + 15) bdims (arities 1, 2; arity 0 has none) x 2 is_stable = 72: 48 kept.
# For arity 2 every output of the joint sort is returned (JAX checks each in turn).
_SORT_PARAMS = _spread(
    [
        dict(dimension=dim, arity=n, bdims=b, is_stable=st)
        for dim in [0, 1]
        for n in range(3)
        for b in _all_bdims(*([(2, 3)] * n))
        for st in [False, True]
    ],
    48,
)


def _make_sort(p):
    def fn(L, rng):
        n, dim = p["arity"], p["dimension"]
        if n == 1:
            fun = lambda x: L.lax.sort(x, dimension=dim)  # noqa: E731
        else:

            def fun(*args):
                return tuple(L.lax.sort(args, dimension=dim, is_stable=p["is_stable"]))

        return _check_batching(L, fun, 5, p["bdims"], [(2, 3)] * n, [np.float32] * n, rng)

    return fn


_register("testSort", _SORT_PARAMS, _make_sort)


# ------------------------------------------------------------------ variadic reduce_window


@case(f"{F}.test_variadic_reduce_window")
def _variadic_reduce_window(L, rng):
    jnp, lax = L.jnp, L.lax

    def normpool(x):
        norms = jnp.linalg.norm(x, axis=-1)
        idxs = jnp.arange(x.shape[0])

        def pick(a, b):
            keep = a[0] >= b[0]
            return jnp.where(keep, a[0], b[0]), jnp.where(keep, a[1], b[1])

        neg_inf = jnp.array(-np.inf, dtype=norms.dtype)
        minus_one = jnp.array(-1, dtype=idxs.dtype)
        _, best = lax.reduce_window(
            (norms, idxs),
            (neg_inf, minus_one),
            pick,
            window_dimensions=(2,),
            window_strides=(2,),
            padding=((0, 0),),
        )
        return x[best]

    x = np.array([[1.0, 0.0, 1.0], [2.0, 2.0, 0.0], [3.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    return L.vmap(normpool)(x[None, ...])


# ------------------------------------------------------------------ tile


# 4 shape/reps sets x 3 in_axes x 3 out_axes = 36: all kept.
_TILE_PARAMS = [
    dict(shape=s, reps=r, in_axes=i, out_axes=o)
    for s, r in [((3,), (2,)), ((2, 3), (1, 2)), ((2, 3), (2, 1)), ((2, 1, 3), (1, 2, 3))]
    for i in [0, 1, -1]
    for o in [0, 1, -1]
]


def _make_tile(p):
    def fn(L, rng):
        arg = _rand(rng, p["shape"], np.float32)
        batched = np.stack([arg, arg], axis=p["in_axes"])
        op = lambda x: L.lax.tile(x, p["reps"])  # noqa: E731
        return L.vmap(op, in_axes=p["in_axes"], out_axes=p["out_axes"])(batched)

    return fn


_register("testTileBatching", _TILE_PARAMS, _make_tile)
