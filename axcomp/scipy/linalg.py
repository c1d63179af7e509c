"""``axcomp.scipy.linalg``: ``jax.scipy.linalg`` (``cholesky``, ``cho_factor``, ``cho_solve``,
``solve_triangular``, ``solve``, ``inv``, ``det``, ``qr``, ``svd``, ``eigh``,
``eigh_tridiagonal``, ``block_diag`` from ``primitives/scipy_linalg.py``; ``lu``,
``lu_factor``, ``lu_solve`` from ``transforms/lu.py``; ``expm`` from ``transforms/expm.py``).

Inside kernels they record the axis graph; on NumPy values they compile and run the same
program through ``jit`` (non-array arguments are static). ``cho_factor`` returns and
``cho_solve`` takes the pair ``(c, lower)``, whose flag is static; ``lu_solve`` takes
``(lu, piv)``."""

from __future__ import annotations

from typing import Any

from ..errors import missing_function as _missing
from ..primitives import api as _api
from ..transforms import expm as _expm
from ..transforms import lu as _lu
from ..transforms.jit import staged_export as _staged_export

_TABLE = _api.exported("scipy_linalg")
_STAGED = {name: _staged_export(name, traced) for name, traced in _TABLE.items()}
globals().update(_STAGED)
# the pair (c, lower) travels as an array and a static flag
_cho_solve_flag = _staged_export(
    "cho_solve", lambda c, b, lower: _TABLE["cho_solve"]((c, lower), b)
)


def cho_factor(
    a: Any, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True
) -> tuple[Any, bool]:
    return _STAGED["cholesky"](a, lower=bool(lower)), bool(lower)


def cho_solve(
    c_and_lower: Any, b: Any, overwrite_b: bool = False, check_finite: bool = True
) -> Any:
    try:
        c, lower = c_and_lower
    except (TypeError, ValueError):
        return _STAGED["cho_solve"](c_and_lower, b)  # the traced function names the error
    return _cho_solve_flag(c, b, bool(lower))


expm = _staged_export("expm", _expm.expm)
lu = _staged_export("lu", _lu.scipy_lu)
lu_factor = _staged_export("lu_factor", _lu.lu_factor)
_lu_solve_pair = _staged_export("lu_solve", _lu.lu_solve)


def lu_solve(
    lu_and_piv: Any, b: Any, trans: int = 0, overwrite_b: bool = False, check_finite: bool = True
) -> Any:
    """``jax.scipy.linalg.lu_solve``: solve with ``(lu, piv)`` from ``lu_factor``."""
    lu_value, piv = lu_and_piv
    return _lu_solve_pair(lu_value, piv, b, trans=trans)


cho_factor.__doc__ = _TABLE["cho_factor"].__doc__
cho_solve.__doc__ = _TABLE["cho_solve"].__doc__

__all__ = sorted([*_TABLE, "expm", "lu", "lu_factor", "lu_solve"])


def __getattr__(name: str) -> Any:
    """A jax.scipy.linalg name axcomp lacks: ``MissingFunctionError`` (also an
    AttributeError) naming it and the nearest supported function."""
    if name.startswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    raise _missing("axcomp.scipy.linalg", "jax.scipy.linalg", name, __all__)
