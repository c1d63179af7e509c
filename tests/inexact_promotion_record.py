"""Record JAX's result dtypes and values of the compositions that promote to an inexact
type for tests/test_inexact_promotion.py (run once, with JAX installed: ``python
tests/inexact_promotion_record.py``). JAX (0.10.2, x64 on) makes integers of up to 32 bits
float32 there (``to_inexact_dtype``) and promotes mixed operands on its own lattice first
(float32 data with int64 weights average in float32); NumPy gives float64 for all of
these. Writes ``inexact_promotion_reference.npz``: ``<case>/eager`` and ``<case>/jit``.
CI reads the file and needs no JAX."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

OUT = Path(__file__).parent / "inexact_promotion_reference.npz"

_POINTS = [0.25, 1.5, 2.75, 3.5]
_KNOTS = [0.0, 1.0, 2.0, 3.0]
_VALUES = [1.0, 2.5, -1.0, 4.0]


_SCALARS = {"py:0": 0, "py:0.5": 0.5, "py:2": 2, "py:7": 7, "py:True": True}  # (ints, floats: weak)


def operand(spec: str) -> Any:
    """An operand by name: ``<role>:<dtype>`` arrays (``pts``, ``knots``, ``vals`` for
    interp; ``a``/``b`` coefficients and data), or a Python scalar (``py:2``)."""
    if spec.startswith("py:"):
        return _SCALARS[spec]
    role, dtype = spec.split(":")
    data = {
        "pts": _POINTS,
        "knots": _KNOTS,
        "vals": _VALUES,
        "a": [3.0, 1.5, -2.0, 0.5],
        "b": [2.0, -1.0, 3.0],
        "w": [1.0, 2.0, 3.0, 4.0],
        "x": [0.0, 1.0, 2.0, 3.0, 4.0],
        "y": [1.0, 3.0, 2.0, 5.0, 4.0],
        "ph": [0.0, 4.0, 8.0, 2.0, 9.0, 1.0],  # phases that wrap (unwrap)
        "n": [3.0, 0.0, -4.0, 5.0, -1.0],  # numerators: 0 and negatives
        "z": [0.0, 0.0, 0.0, 2.0, 3.0],  # divisors with zeros (bool: F, F, F, T, T)
        "t": [2.0, 3.0, 2.0, 5.0],  # no zero (bool: all True)
    }[role]
    arr = np.array(data)
    if dtype.startswith(("int", "uint")):
        arr = np.round(arr * (2 if role in ("pts", "knots") else 1))
    if dtype == "bool":
        arr = arr > 1
    if dtype.startswith("complex"):
        arr = arr + 0.5j
    return arr.astype(dtype)


def cases(
    jnp: Any, listed: Callable[[list[Any]], Any] = list
) -> dict[str, tuple[Callable[..., Any], tuple[str, ...]]]:
    """case name -> (function of the operands, the operands by ``operand`` name);
    ``listed`` makes the list operands (JAX's side: ``jnp.asarray``)."""
    out: dict[str, tuple[Callable[..., Any], tuple[str, ...]]] = {}

    def add(name: str, fn: Callable[..., Any], *specs: tuple[str, ...]) -> None:
        for spec in specs:
            out[f"{name}({','.join(spec)})"] = (fn, spec)

    add(
        "average",
        lambda a, w: jnp.average(a, weights=w),
        ("a:float32", "w:int64"),
        ("a:float32", "w:int32"),
        ("a:int32", "w:int32"),
        ("a:int8", "w:float32"),
        ("a:int64", "w:int32"),
    )
    add("average", jnp.average, ("a:int32",), ("a:bool",), ("a:int64",))
    add(
        "interp",
        jnp.interp,
        ("pts:float32", "knots:float32", "vals:float32"),
        ("pts:float32", "knots:int64", "vals:float32"),
        ("pts:int32", "knots:int32", "vals:int32"),
        ("pts:float32", "knots:float64", "vals:float32"),
        ("pts:float32", "knots:float32", "vals:complex64"),
    )
    pairs = (("a:float32", "b:int32"), ("a:float32", "b:int64"), ("a:int32", "b:int32"))
    add("polymul", jnp.polymul, *pairs, ("a:int8", "b:int8"))
    add("polydiv", lambda a, b: jnp.polydiv(a, b)[0], *pairs)
    add("polyfit", lambda x, y: jnp.polyfit(x, y, 2), ("x:float32", "y:int32"))
    # ``k`` (a weak 0 when absent) promotes with the coefficients: bools become float64
    add("polyint", jnp.polyint, ("w:bool",), ("w:int32",), ("w:int64",), ("a:float32",))
    add("polyint", lambda a, k: jnp.polyint(a, k=k), ("w:int32", "py:0.5"), ("a:float32", "py:2"))
    add(
        "isclose",
        jnp.isclose,
        ("a:float32", "w:int32"),
        ("a:float32", "a:float64"),
        ("a:int32", "w:int32"),
        ("a:float32", "py:0.5"),
    )
    add(
        "select",
        lambda a, b, d: jnp.select([a > 1, a < 0], [a, b], d),
        ("a:float32", "w:int32", "py:0"),
        ("a:int32", "w:int32", "py:0.5"),
        ("a:int32", "w:int8", "py:7"),
        ("a:float32", "w:float32", "w:int64"),
    )
    add(
        "float_power",
        jnp.float_power,
        ("a:float32", "w:float32"),
        ("a:float32", "py:2"),
        ("a:int32", "w:int32"),
        ("a:complex64", "py:2"),
        ("a:int8", "w:float32"),
        ("a:bool", "w:bool"),
        ("w:int64", "py:0.5"),
    )
    # elementwise functions with an inexact result from integers (NumPy: float64 from
    # int32, float16 from int8 and bool)
    add("sin", jnp.sin, ("w:int32",), ("w:int8",), ("w:bool",), ("w:uint32",), ("w:int64",))
    add("sqrt", jnp.sqrt, ("w:int16",), ("w:uint8",))
    add("divide", jnp.true_divide, ("w:int32", "a:int32"), ("w:bool", "w:bool"))
    add("divide", jnp.true_divide, ("w:int8", "py:2"), ("w:bool", "py:2"))
    add("arctan2", jnp.arctan2, ("w:int32", "w:int8"), ("w:int8", "py:2"))
    add("divide", jnp.true_divide, ("w:int32", "py:2"), ("w:int32", "py:0.5"))
    add("arctan2", jnp.arctan2, ("w:int32", "py:0.5"))
    add("hypot", jnp.hypot, ("w:int32", "w:int32"))
    add("reciprocal", jnp.reciprocal, ("w:int32",), ("w:int8",), ("w:int64",))
    add("rint", jnp.rint, ("w:int8",), ("w:int32",), ("w:bool",))
    add(
        "convolve",
        jnp.convolve,
        ("w:bool", "w:bool"),
        ("w:int32", "b:int32"),
        ("w:int64", "b:int8"),
    )
    add("correlate", lambda a, b: jnp.correlate(a, b, "full"), ("w:int32", "b:int32"))
    add("median", jnp.median, ("w:int32",), ("w:bool",), ("a:float32",))
    add("quantile", lambda a: jnp.quantile(a, 0.3), ("w:int8",), ("w:int64",))
    add("percentile", lambda a: jnp.percentile(a, 30.0), ("w:uint32",))
    add("nanmean", jnp.nanmean, ("w:int32",))
    add("sinc", jnp.sinc, ("w:int32",), ("w:bool",), ("a:float32",))
    add("angle", jnp.angle, ("w:int32",), ("w:int8",), ("a:float32",))
    add("exp2", jnp.exp2, ("w:int16",))
    # NumPy's float16 from int8 and bools, float64 from int32; JAX's float32
    pairs_of = (("w:bool", "w:bool"), ("w:int8", "w:int8"), ("w:int32", "w:int32"))
    add("logaddexp", jnp.logaddexp, *pairs_of, ("w:int64", "w:int64"), ("a:float32", "py:0.5"))
    add("logaddexp2", jnp.logaddexp2, *pairs_of, ("a:float16", "py:2"))
    add("nextafter", jnp.nextafter, *pairs_of, ("w:uint32", "w:uint32"))
    add("trapezoid", jnp.trapezoid, ("w:int32",), ("w:bool",), ("w:int8",), ("w:int64",))
    add("trapezoid", jnp.trapezoid, ("y:int32", "x:float32"), ("y:int32", "x:int32"))
    add("norm", jnp.linalg.norm, ("w:int32",), ("w:bool",), ("w:int8",), ("w:int64",))
    add("norm", lambda a: jnp.linalg.norm(a, 1), ("w:int32",))
    add("norm", lambda a: jnp.linalg.norm(jnp.reshape(a, (2, 2)), "nuc"), ("w:int32",))
    add("matrix_norm", lambda a: jnp.linalg.matrix_norm(jnp.reshape(a, (2, 2))), ("w:int32",))
    add("fft", jnp.fft.fft, ("w:int32",), ("w:int8",), ("w:bool",), ("w:int64",))
    add("abs(fft)", lambda a: jnp.abs(jnp.fft.fft(a)), ("w:int32",))
    add("rfft", jnp.fft.rfft, ("w:int32",))
    add("ifft", jnp.fft.ifft, ("w:int16",))
    add("irfft", jnp.fft.irfft, ("w:int32",))
    add("fft2", lambda a: jnp.fft.fft2(jnp.reshape(a, (2, 2))), ("w:uint8",))
    # the period (a Python float) is weak; integers with it are float64 in JAX
    add("unwrap", jnp.unwrap, ("ph:float32",), ("ph:float16",), ("ph:int32",), ("ph:bool",))
    add("unwrap", lambda a: jnp.unwrap(a, period=5), ("ph:float32",), ("ph:int32",))
    add("unwrap", lambda a: jnp.unwrap(a, period=5.0, discont=2), ("ph:int32",))
    add("round", lambda a: jnp.round(a, 1), ("a:complex64",), ("a:float32",), ("a:float16",))
    add("round", lambda a: jnp.round(a, -1), ("a:complex64",))
    add("round", jnp.round, ("w:int8",), ("w:uint8",))
    # a Python scalar operand of a product is weak (NumPy's np.dot reads it as int64)
    add("dot", jnp.dot, ("a:float32", "py:2"), ("a:complex64", "py:0.5"), ("py:2", "a:float32"))
    add("dot", jnp.dot, ("a:float16", "py:0.5"))
    add("inner", jnp.inner, ("a:float32", "py:2"))
    add("outer", jnp.outer, ("a:float32", "py:2"))
    add("kron", jnp.kron, ("a:float32", "py:2"))
    add("tensordot", lambda a, b: jnp.tensordot(a, b, 0), ("a:float32", "py:0.5"))
    # a list is an array of NumPy's dtype for it, strong (as jnp.asarray makes it): JAX's
    # operators refuse lists, so JAX's side is recorded with the list as an array
    lists = {
        "f32 * [1, 2, 3, 4]": lambda a: jnp.asarray(a) * listed([1, 2, 3, 4]),
        "i32 + [1.5, ...]": lambda a: jnp.asarray(a) + listed([1.5, 2.5, 3.5, 4.5]),
        "add(f32, [1, 2, 3, 4])": lambda a: jnp.add(a, listed([1, 2, 3, 4])),
        "where(f32, [1, 2, 3, 4])": lambda a: jnp.where(a > 1, a, listed([1, 2, 3, 4])),
    }
    for name, fn in lists.items():
        out[f"list {name}"] = (fn, ("a:int32" if name.startswith("i32") else "a:float32",))
    return out


def call(fn: Callable[..., Any], specs: tuple[str, ...], jit: Callable[..., Any] | None) -> Any:
    """``fn`` of the operands ``specs`` name: eagerly (``jit`` None) or through ``jit``
    with the arrays as arguments (Python scalars stay constants of the traced function)."""
    args = [operand(s) for s in specs]
    if jit is None:
        return fn(*args)
    arrays = [k for k, s in enumerate(specs) if not s.startswith("py:")]

    def traced(*xs: Any) -> Any:
        full = list(args)
        for k, x in zip(arrays, xs):
            full[k] = x
        return fn(*full)

    return jit(traced)(*[args[k] for k in arrays])


def record(table: dict[str, tuple[Callable[..., Any], tuple[str, ...]]], out: Path) -> None:
    """JAX's results of every case of ``table`` (eager and jit) written to ``out``."""
    import jax

    arrays: dict[str, Any] = {}
    for name, (fn, specs) in table.items():
        arrays[f"{name}/eager"] = np.asarray(call(fn, specs, None))
        arrays[f"{name}/jit"] = np.asarray(call(fn, specs, jax.jit))
    np.savez_compressed(out, **arrays)
    print(f"wrote {len(arrays)} arrays to {out}")


def main() -> None:
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    record(cases(jnp, jnp.asarray), OUT)


if __name__ == "__main__":
    main()
