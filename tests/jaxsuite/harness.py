"""Case registry, library facades, outcome capture and comparison for the JAX suite."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

CaseFn = Callable[[Any, np.random.Generator], Any]

# The built-in types JAX raises for user errors; an error case passes when both
# libraries raise the same one of these.
BUILTIN_ERRORS: tuple[type[BaseException], ...] = (
    IndexError,
    NameError,
    TypeError,
    ValueError,
    ZeroDivisionError,
    NotImplementedError,
)


@dataclass(frozen=True)
class Case:
    name: str  # "<jax test file>.<test name>[<params>]"
    fn: CaseFn
    rtol: float | None = None
    atol: float | None = None
    # Why this case is left out of the count (pmap, sharding, convolution, RNG, ...).
    excluded: str | None = None


CASES: dict[str, Case] = {}


def case(
    name: str,
    *,
    rtol: float | None = None,
    atol: float | None = None,
    excluded: str | None = None,
) -> Callable[[CaseFn], CaseFn]:
    def register(fn: CaseFn) -> CaseFn:
        add(name, fn, rtol=rtol, atol=atol, excluded=excluded)
        return fn

    return register


def add(name: str, fn: CaseFn, **kw: Any) -> None:
    if name in CASES:
        raise ValueError(f"duplicate case name {name!r}")
    CASES[name] = Case(name, fn, **kw)


def rng_for(name: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(name.encode()))


class Lib:
    """One library's surface under JAX's names: ``L.vmap``, ``L.jnp``, ``L.lax``, ..."""

    def __init__(self, name: str, api: ModuleType, **namespaces: Any) -> None:
        self.name = name
        self.api = api
        for key, value in namespaces.items():
            setattr(self, key, value)

    def __getattr__(self, attr: str) -> Any:
        return getattr(self.api, attr)


def jax_lib() -> Lib:
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.nn
    import jax.numpy as jnp
    import jax.scipy.special
    from jax import lax

    return Lib(
        "jax",
        jax,
        jnp=jnp,
        lax=lax,
        nn=jax.nn,
        special=jax.scipy.special,
        tree_util=jax.tree_util,
        linalg=jnp.linalg,
        lax_linalg=lax.linalg,
    )


def axcomp_lib() -> Lib:
    import axcomp
    import axcomp.lax
    import axcomp.nn
    import axcomp.numpy
    import axcomp.scipy.special

    return Lib(
        "axcomp",
        axcomp,
        jnp=axcomp.numpy,
        lax=axcomp.lax,
        nn=axcomp.nn,
        special=axcomp.scipy.special,
        tree_util=axcomp.tree_util,
        linalg=axcomp.numpy.linalg,
        lax_linalg=_LaxLinalg(axcomp.lax),
    )


class _LaxLinalg:
    """``jax.lax.linalg.X`` is ``axcomp.lax.linalg_X``."""

    def __init__(self, lax: ModuleType) -> None:
        self._lax = lax

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._lax, "linalg_" + attr)


@dataclass(frozen=True)
class Outcome:
    """What a case did: its output leaves, or the built-in type of its error."""

    leaves: tuple[np.ndarray, ...] = ()
    structure: str = ""
    error: str | None = None  # the built-in base class name, or "other:<type>"
    message: str = ""


def _builtin_name(exc: BaseException) -> str:
    for base in BUILTIN_ERRORS:
        if isinstance(exc, base):
            return base.__name__
    return "other:" + type(exc).__name__


def _flatten(out: Any) -> tuple[list[Any], str]:
    if isinstance(out, (tuple, list)):
        leaves: list[Any] = []
        parts = []
        for item in out:
            sub, s = _flatten(item)
            leaves += sub
            parts.append(s)
        open_, close = ("(", ")") if isinstance(out, tuple) else ("[", "]")
        return leaves, open_ + ",".join(parts) + close
    if isinstance(out, dict):
        leaves = []
        parts = []
        for key in sorted(out):
            sub, s = _flatten(out[key])
            leaves += sub
            parts.append(f"{key}:{s}")
        return leaves, "{" + ",".join(parts) + "}"
    if out is None:
        return [], "None"
    return [out], "*"


def run(lib: Lib, c: Case) -> Outcome:
    try:
        out = c.fn(lib, rng_for(c.name))
        leaves, structure = _flatten(out)
        arrays = tuple(np.asarray(leaf) for leaf in leaves)
    except Exception as exc:  # the outcome is the error, whatever it is
        return Outcome(error=_builtin_name(exc), message=f"{type(exc).__name__}: {exc}"[:400])
    return Outcome(leaves=arrays, structure=structure)


def _tolerance(c: Case, dtype: np.dtype) -> tuple[float, float]:
    if dtype.kind in "fc" and dtype.itemsize <= (4 if dtype.kind == "f" else 8):
        rtol, atol = 2e-4, 2e-5
    else:
        rtol, atol = 1e-7, 1e-10
    return (c.rtol if c.rtol is not None else rtol, c.atol if c.atol is not None else atol)


def compare(c: Case, ref: Outcome, got: Outcome) -> str | None:
    """None when ``got`` matches the JAX outcome ``ref``, else why not."""
    if ref.error is not None:
        if got.error is None:
            return f"JAX raises {ref.error} ({ref.message}); axcomp returns a value"
        if got.error != ref.error:
            return f"JAX raises {ref.error}; axcomp raises {got.message}"
        return None
    if got.error is not None:
        return got.message
    if got.structure != ref.structure:
        return f"output structure {got.structure} != JAX's {ref.structure}"
    for i, (r, g) in enumerate(zip(ref.leaves, got.leaves)):
        if r.shape != g.shape:
            return f"leaf {i}: shape {g.shape} != JAX's {r.shape}"
        if _kind(r.dtype) != _kind(g.dtype):
            return f"leaf {i}: dtype {g.dtype} != JAX's {r.dtype}"
        rtol, atol = _tolerance(c, np.result_type(r.dtype, g.dtype))
        if r.dtype.kind in "biu" or r.dtype == object:
            ok = np.array_equal(r, g)
        else:
            ok = np.allclose(g, r, rtol=rtol, atol=atol, equal_nan=True)
        if not ok:
            err = np.max(np.abs(np.asarray(g, complex) - np.asarray(r, complex)))
            return f"leaf {i}: values differ from JAX's (max abs diff {err:.3g})"
    return None


def _kind(dtype: np.dtype) -> str:
    # Integer widths and signedness may differ (JAX's weak types); the value check catches
    # wrong numbers, so only the kind has to agree.
    return {"u": "i"}.get(dtype.kind, dtype.kind)
