"""``axcomp.lax``: the ``jax.lax`` functions that primitive modules export.

Inside kernels they record the axis graph; on NumPy arrays they compile and run the same
program through ``jit`` (non-array arguments are static, as ``jax.lax`` requires).
"""

from __future__ import annotations

import builtins as _builtins
import sys as _sys
import types as _types
from collections.abc import Callable
from typing import Any

from .. import primitives as _ops
from ..errors import missing_function as _missing
from ..primitives import api as _api
from ..primitives import control as _control
from ..primitives.convolution import ConvDimensionNumbers as ConvDimensionNumbers
from ..primitives.convolution import conv_dimension_numbers as conv_dimension_numbers
from ..primitives.gathers import GatherDimensionNumbers as GatherDimensionNumbers
from ..primitives.gathers import ScatterDimensionNumbers as ScatterDimensionNumbers
from ..primitives.lax_elementwise import RoundingMethod as RoundingMethod
from ..primitives.lax_more import FftType as FftType
from ..primitives.lax_more import broadcast_shapes as broadcast_shapes
from ..primitives.lax_structural import GatherScatterMode as GatherScatterMode
from ..primitives.precision import Precision as Precision
from ..transforms import lu as _lu
from ..transforms.implicit import custom_linear_solve as custom_linear_solve
from ..transforms.implicit import custom_root as custom_root
from ..transforms.jit import staged_export as _staged_export
from ..transforms.vmap import vmap as _vmap
from . import elementwise as _elementwise
from . import special as _special

_MODULES = {**_elementwise.FUNCTIONS, **_special.FUNCTIONS}  # lax functions defined here
for _name, _traced in {**_api.exported("lax"), **_MODULES}.items():
    globals()[_name] = _staged_export(_name, _traced)

__all__ = sorted([*_api.exported("lax"), *_MODULES, "Precision"])


def __getattr__(name: str) -> Any:
    """A jax.lax name axcomp lacks: ``UnsupportedError`` (also an AttributeError) naming it
    and the nearest supported function."""
    if name.startswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    raise _missing("axcomp.lax", "jax.lax", name, __all__)


def _map(f: Callable[..., Any], xs: Any, batch_size: int | None = None) -> Any:
    """``jax.lax.map``: ``f`` over the leading axis of ``xs``. Vectorized with ``vmap``: all at
    once when ``batch_size`` is None, else ``vmap`` over chunks of ``batch_size`` stacked by
    ``scan`` (unrolled at trace time) with the remainder mapped at once; never a loop over
    examples."""
    leaves, treedef = _control._flatten(xs)
    n = {int(leaf.shape[0]) for leaf in leaves}
    if len(n) != 1:
        raise ValueError(f"map: xs leaves disagree on the leading axis length: {sorted(n)}")
    size = n.pop()
    mapped = _vmap(f)
    if batch_size is None or batch_size >= size:
        return mapped(xs)
    bs = int(batch_size)
    if bs <= 0:
        raise ValueError(f"map: batch_size must be positive, got {batch_size}")
    full = size - size % bs

    def chunked(leaf: Any) -> Any:
        head = _ops.getitem(leaf, (_builtins.slice(0, full),))
        return _ops.reshape(head, (full // bs, bs, *leaf.shape[1:]))

    chunks = _control._unflatten(treedef, [chunked(leaf) for leaf in leaves])
    _, ys = _control.scan(lambda c, x: (c, mapped(x)), 0, chunks)
    y_leaves, ydef = _control._flatten(ys)
    y_leaves = [_ops.reshape(y, (full, *y.shape[2:])) for y in y_leaves]
    if full < size:
        rest = mapped(
            _control._unflatten(
                treedef, [_ops.getitem(x, (_builtins.slice(full, size),)) for x in leaves]
            )
        )
        y_leaves = [
            _ops.concatenate([a, b], axis=0)
            for a, b in zip(y_leaves, _control._flatten(rest)[0], strict=True)
        ]
    return _control._unflatten(ydef, y_leaves)


map = _staged_export("map", _map)
__all__ = sorted(
    [
        *_api.exported("lax"),
        *_MODULES,
        "map",
        "custom_linear_solve",
        "custom_root",
        "FftType",
        "broadcast_shapes",
        "ConvDimensionNumbers",
        "conv_dimension_numbers",
        "GatherDimensionNumbers",
        "GatherScatterMode",
        "ScatterDimensionNumbers",
        "RoundingMethod",
    ]
)


def _linalg_namespace() -> _types.ModuleType:
    """``axcomp.lax.linalg`` (as ``jax.lax.linalg``): the ``linalg_*`` exports above under
    their short names; a name it lacks raises ``MissingFunctionError``."""
    module = _types.ModuleType(f"{__name__}.linalg", _linalg_namespace.__doc__)
    names = sorted(n[len("linalg_") :] for n in _api.exported("lax") if n.startswith("linalg_"))
    for short in names:
        setattr(module, short, globals()[f"linalg_{short}"])
    # LU's value is a loop and its derivative a closed form (transforms/lu.py)
    module.lu = _staged_export("lu", _lu.lu)  # type: ignore[attr-defined]
    module.lu_pivots_to_permutation = _staged_export(  # type: ignore[attr-defined]
        "lu_pivots_to_permutation", _lu.pivots_to_permutation
    )
    names = sorted([*names, "lu", "lu_pivots_to_permutation"])
    module.__all__ = names  # type: ignore[attr-defined]

    def missing(name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(f"module {module.__name__!r} has no attribute {name!r}")
        raise _missing("axcomp.lax.linalg", "jax.lax.linalg", name, names)

    module.__getattr__ = missing  # type: ignore[method-assign]
    return module


linalg = _linalg_namespace()
_sys.modules[linalg.__name__] = linalg  # ``import axcomp.lax.linalg`` works too
