"""Whether a fused loop pays: each elementwise function's cost in NumPy and in a fused loop.

NumPy runs a chain as one pass per node, each reading and writing whole arrays; a fused
loop runs it in one pass, paying a call (numba's dispatch, the result's allocation) and its
loads and store. A region fuses when the time it saves per run, times the runs (a loop
body runs once per step), is at least ``min_saving_ns``: enough that a kernel's first
compilation (about a second, a twentieth from the disk cache) is won back.

The table is ns per element, measured on the development machine (AMD EPYC with AVX-512,
NumPy 2.4.6, numba 0.68, one thread, 2^16 elements: the cache-resident arrays of a loop
body; larger arrays make NumPy's passes dearer, so the table errs towards NumPy) by::

    OPENBLAS_NUM_THREADS=1 python benchmarks/fusion_costs.py

A function missing from the table costs what ``add`` does. Reductions are one more NumPy
pass (``REDUCE_NS``) and nothing more in a loop (the accumulator stays in a register).
"""

from __future__ import annotations

from ..core.fused import CAST, FusedLoop

#: One NumPy pass of each function, ns per element, by dtype.
NUMPY_NS: dict[str, dict[str, float]] = {
    "float64": {
        "add": 0.26,
        "negative": 0.19,
        "absolute": 0.18,
        "square": 0.19,
        "sqrt": 1.15,
        "true_divide": 0.32,
        "tanh": 1.69,
        "exp": 0.80,
        "expm1": 1.15,
        "log": 0.78,
        "log1p": 1.01,
    },
    "float32": {
        "add": 0.13,
        "negative": 0.08,
        "absolute": 0.08,
        "square": 0.08,
        "sqrt": 0.35,
        "true_divide": 0.13,
        "tanh": 0.35,
        "exp": 0.45,
        "expm1": 0.35,
        "log": 0.37,
        "log1p": 0.43,
    },
}
#: The same function as one instruction of a fused loop, ns per element.
FUSED_NS: dict[str, dict[str, float]] = {
    "float64": {
        "add": 0.08,
        "negative": 0.0,
        "absolute": 0.0,
        "square": 0.0,
        "sqrt": 0.38,
        "true_divide": 0.15,
        "tanh": 1.13,
        "exp": 0.65,
        "expm1": 1.0,
        "log": 0.70,
        "log1p": 1.05,
    },
    "float32": {
        "add": 0.05,
        "negative": 0.0,
        "absolute": 0.0,
        "square": 0.0,
        "sqrt": 0.10,
        "true_divide": 0.05,
        "tanh": 0.36,
        "exp": 0.35,
        "expm1": 1.03,
        "log": 0.46,
        "log1p": 1.17,
    },
}
#: A fused loop's loads and store, ns per element (a loop copying its operand).
LOOP_NS = 0.2
#: A NumPy reduction pass, ns per element.
REDUCE_NS = 0.3
#: One call of a fused loop (numba's dispatch, the result's allocation), and of a NumPy
#: function (each instruction, and the reduction, is one NumPy call the loop saves).
CALL_NS = 1400.0
NUMPY_CALL_NS = 420.0
#: A NumPy pass of a binary function whose array arguments broadcast (an outer product
#: ``c[:, :, None] * a[:, None, :]``, a row ``x * b``) walks short inner loops, some with a
#: stride-0 argument, where a loop computes each element as from same-shaped arrays: ns per
#: element on top of the function's own (float64, one thread, out= given: an outer product
#: 0.54-0.89 against 0.11 ns in a loop, a row 0.39-0.60 against 0.19, from (16, 64, 64) to
#: (256, 16, 16); the same-shape product 0.19). The inner loops of an argument missing the
#: last axis (the outer product's ``c``) read it with stride 0, dearer still.
NUMPY_BROADCAST_NS = 0.25
NUMPY_INNER_BROADCAST_NS = 0.45
#: A map's result is a fresh array; from this size on the allocator maps it in fresh pages
#: (glibc's largest mmap threshold), whose first writes fault, where NumPy's passes may
#: write into a dying temporary: ns per element of the result (a 2^22-element map: 3.38
#: against 2.26 ns per element into a buffer given).
FRESH_RESULT_BYTES = 32 << 20
FRESH_PAGES_NS = 1.1
#: The ``min_elements`` a loop or branch body is lowered with when fusion is asked for at
#: every size (``AXCOMP_FUSE=always``, 0): the default (``backends.fused_loops.MIN_ELEMENTS``),
#: so a small body is left whole to the loop-nest compiler (``compiler.loop_nests``, which
#: takes no body holding a fused call) and only regions that pay on their own fuse there.
BODY_MIN_ELEMENTS = 1 << 20
#: What the cheapest chain a reduction fuses (``sum(abs(x))``) saves per element: a
#: ``min_elements`` threshold becomes ``min_elements * CHEAP_SAVING_NS`` saved per run, so
#: cheap chains fuse from about the sizes they did when size alone decided.
CHEAP_SAVING_NS = NUMPY_NS["float64"]["absolute"] + REDUCE_NS - LOOP_NS


def _cost(table: dict[str, dict[str, float]], fn: str, dtype: str) -> float:
    costs = table.get(dtype, table["float64"])
    return costs.get(fn, costs["add"])


def _itemsize(dtype: str) -> int:
    return 4 if dtype in ("float32", "int32") else 1 if dtype == "bool" else 8


def saving_ns(loop: FusedLoop, dispatch: bool = True) -> float:
    """The time one run of ``loop`` saves against NumPy's passes (negative: it loses);
    ``dispatch``: counting the NumPy calls it replaces."""
    numpy = fused = 0.0
    for ins in loop.body:
        fn = "add" if ins.fn == CAST else ins.fn
        numpy += _cost(NUMPY_NS, fn, ins.dtype)
        fused += _cost(FUSED_NS, fn, ins.dtype)
    calls = len(loop.body)
    numpy += broadcast_ns(loop)
    if loop.reduction == "softmax":
        # NumPy: the max and the sum (reductions), the subtraction, exp and division
        # passes; the loop: their instructions and two more passes over a cached row
        dtype = loop.dtype
        for fn in ("subtract", "exp", "true_divide"):
            numpy += _cost(NUMPY_NS, fn, dtype)
            fused += _cost(FUSED_NS, fn, dtype)
        numpy += 2 * REDUCE_NS
        fused += 2 * _cost(FUSED_NS, "add", dtype) + 2 * LOOP_NS
        calls += 5
    elif (
        loop.reduction == "map"
        and loop.elements * _itemsize(loop.dtype) >= FRESH_RESULT_BYTES
        and any(set(axes) >= set(range(len(loop.shape))) for axes in loop.operands)
    ):  # (with no operand of the result's size NumPy's first pass writes fresh pages too)
        fused += FRESH_PAGES_NS
    elif loop.reduction != "map":
        numpy += REDUCE_NS
        calls += 1
    saved_calls = calls * NUMPY_CALL_NS if dispatch else 0.0
    return loop.elements * (numpy - fused - LOOP_NS) + saved_calls - CALL_NS


def broadcast_ns(loop: FusedLoop) -> float:
    """What NumPy's passes of ``loop``'s instructions pay for broadcasting, ns per element:
    each function of two arrays or more, one of them an operand missing some loop axis
    (0: NumPy would run none as a broadcasting pass)."""
    last = len(loop.shape) - 1
    every = set(range(last + 1))
    partial = {k for k, axes in enumerate(loop.operands) if not set(axes) >= every}
    total = 0.0
    for ins in loop.body:
        arrays = [a for a in ins.args if a[0] != "literal"]
        thin = [loop.operands[int(a[1])] for a in arrays if a[0] == "operand" and a[1] in partial]
        if len(arrays) > 1 and thin:
            inner = any(last not in axes for axes in thin)
            total += NUMPY_INNER_BROADCAST_NS if inner else NUMPY_BROADCAST_NS
    return total


def worth_fusing(loop: FusedLoop, min_elements: int, repeat: int = 1) -> bool:
    """Whether ``loop`` saves enough, run ``repeat`` times, to be fused (``min_elements``:
    the size from which the cheapest chain is; 0 fuses everything)."""
    if min_elements <= 0:
        return True
    # in a loop body (repeat > 1) only the elements' work counts: a body of small arrays,
    # bound by its NumPy calls, is the loop-nest compiler's (compiler.loop_nests), which
    # runs the whole loop as one call and takes no body holding a fused one
    saving = saving_ns(loop, dispatch=repeat <= 1)
    return saving * max(repeat, 1) >= min_elements * CHEAP_SAVING_NS
