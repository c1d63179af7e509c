"""Record JAX's type promotion for tests/test_dtype_promotion.py (run once, with JAX
installed: ``python tests/promotion_record.py``). Writes ``promotion_reference.npz``:
``table`` (JAX's ``promote_types`` of every pair of ``DTYPES``, as dtype names, x64 on)
and, for every integer x inexact pair where JAX's promotion differs from NumPy's, the
results (dtype and values) of a few mixed operations eagerly, under ``jit`` and under
``vmap`` (``<float>_<int>/<op>/<mode>``), and the gradient of a mixed product with the
integer operand not differentiated (``<float>_<int>/grad``). CI reads the file and needs
no JAX."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

OUT = Path(__file__).parent / "promotion_reference.npz"
DTYPES = (
    "bool",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float16",
    "float32",
    "float64",
    "complex64",
    "complex128",
)


def operands(fdt: str, idt: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x (inexact, 3x4), i (integer, 3x4) and a boolean condition; the integers are ones
    the inexact type rounds (2049 in float16, 16777217 in float32)."""
    x = np.array([[0.5, -1.25, 2.0, 0.75], [1.5, 0.25, -0.5, 3.0], [1.0, 2.5, -2.0, 0.125]])
    if fdt.startswith("complex"):
        x = x + 0.5j * x[::-1]
    big = [3, 2049, 12, 4097] if fdt == "float16" else [3, 16777217, 12, 100000007]
    if idt.endswith("16"):
        big = [3, 2049, 12, 4097]
    i = np.array([big, [1, 5, 7, 2], [big[1] + 2, 9, 4, 6]])
    cond = np.array([[True, False, True, False]] * 3)
    return x.astype(fdt), i.astype(idt), cond


def differing() -> list[tuple[str, str]]:
    """The (inexact, integer) pairs NumPy promotes wider than JAX does (x64 on)."""
    out = []
    for f in ("float16", "float32", "complex64"):
        for i in ("int16", "int32", "int64", "uint16", "uint32", "uint64"):
            if np.promote_types(f, i) != np.dtype(f):
                out.append((f, i))
    return out


def cases(jnp: Any) -> dict[str, tuple[Callable[..., Any], Callable[..., Any]]]:
    """op -> (on the 3x4 arrays, on one row each: what vmap maps)."""
    return {
        "mul": (lambda x, i, c: x * i, lambda x, i, c: x * i),
        "add": (lambda x, i, c: x + i, lambda x, i, c: i + x),
        "where": (lambda x, i, c: jnp.where(c, x, i), lambda x, i, c: jnp.where(c, x, i)),
        "matmul": (lambda x, i, c: x @ i.T, lambda x, i, c: x @ i),
        "concatenate": (
            lambda x, i, c: jnp.concatenate([x, i]),
            lambda x, i, c: jnp.concatenate([x, i]),
        ),
        "dot": (lambda x, i, c: jnp.dot(x, i.T), lambda x, i, c: jnp.dot(i, x)),
        "einsum": (
            lambda x, i, c: jnp.einsum("ij,kj->ik", x, i),
            lambda x, i, c: jnp.einsum("j,j->", x, i),
        ),
    }


#: the pairs ``more_cases`` is recorded for
MORE_PAIRS = (("float32", "int32"), ("float16", "int16"))


def more_cases(jnp: Any) -> dict[str, Callable[..., Any]]:
    """More mixed functions (eager and ``jit``), on the 3x4 arrays."""
    return {
        "divide": lambda x, i: x / i,
        "power": lambda x, i: jnp.power(jnp.abs(x), i % 3),
        "arctan2": jnp.arctan2,
        "maximum": jnp.maximum,
        "clip": lambda x, i: jnp.clip(x, i - 5, i),
        "greater": lambda x, i: x > i,
        "fmod": lambda x, i: jnp.fmod(x, i + 1),
        "nextafter": jnp.nextafter,
        "logaddexp": jnp.logaddexp,
        "logaddexp2": jnp.logaddexp2,
        "kron": lambda x, i: jnp.kron(x[0], i[0]),
        "hstack": lambda x, i: jnp.hstack([x, i]),
        "vstack": lambda x, i: jnp.vstack([x, i]),
        "column_stack": lambda x, i: jnp.column_stack([x[0], i[0]]),
        "stack": lambda x, i: jnp.stack([x, i]),
        "tensordot": lambda x, i: jnp.tensordot(x, i, axes=([1], [1])),
        "outer": jnp.outer,
        "cross": lambda x, i: jnp.cross(x[0, :3], i[0, :3]),
        "convolve": lambda x, i: jnp.convolve(x[0], i[1]),
        "correlate": lambda x, i: jnp.correlate(x[0], i[1], "full"),
        "polyval": lambda x, i: jnp.polyval(x[0], i[1]),
        "inner": jnp.inner,
    }


def main() -> None:
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    out: dict[str, Any] = {
        "table": np.array([[str(jnp.promote_types(a, b)) for b in DTYPES] for a in DTYPES])
    }
    for f, i in differing():
        x, n, c = operands(f, i)
        for op, (whole, row) in cases(jnp).items():
            args = (jnp.asarray(x), jnp.asarray(n), jnp.asarray(c))
            out[f"{f}_{i}/{op}/eager"] = np.asarray(whole(*args))
            out[f"{f}_{i}/{op}/jit"] = np.asarray(jax.jit(whole)(*args))
            out[f"{f}_{i}/{op}/vmap"] = np.asarray(jax.vmap(row)(*args))
        if not f.startswith("complex"):
            g = jax.grad(lambda x, n: jnp.sum(jnp.sin(x * n)))(jnp.asarray(x), jnp.asarray(n))
            out[f"{f}_{i}/grad"] = np.asarray(g)
    for f, i in MORE_PAIRS:
        x, n, _ = operands(f, i)
        for op, fn in more_cases(jnp).items():
            args = (jnp.asarray(x), jnp.asarray(n))
            out[f"{f}_{i}/{op}/eager"] = np.asarray(fn(*args))
            out[f"{f}_{i}/{op}/jit"] = np.asarray(jax.jit(fn)(*args))
    np.savez_compressed(OUT, **out)
    print(f"wrote {len(out)} arrays to {OUT}")


if __name__ == "__main__":
    main()
