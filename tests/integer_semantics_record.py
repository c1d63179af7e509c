"""Record JAX's results of integer and bool arithmetic where NumPy's differ, for
tests/test_integer_semantics.py (run once, with JAX installed: ``python
tests/integer_semantics_record.py``). JAX (0.10.2, x64 on) computes the functions it
defines on numbers only (``square``, ``//``, ``%``, ``**``, ``fmod``, shifts) in int32 from
bools (NumPy: int8); keeps an integer input's dtype in ``cumsum``/``cumprod`` (NumPy
widens to int64) and counts bools in int64; gives XLA's quotient for an integer division
by zero (-2, or -1 for 0 // 0; the maximum for unsigned types; NumPy: 0); and ``conj``
and ``positive`` of bools are the bools. Writes ``integer_semantics_reference.npz``
(``<case>/eager`` and ``<case>/jit``); CI reads it and needs no JAX."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from inexact_promotion_record import record

OUT = Path(__file__).parent / "integer_semantics_reference.npz"


def cases(jnp: Any) -> dict[str, tuple[Callable[..., Any], tuple[str, ...]]]:
    """case name -> (function of the operands, the operands by ``operand`` name of
    inexact_promotion_record: ``w:bool`` is [F, T, T, T], ``t:bool`` all True, ``z`` the
    divisors with zeros)."""
    out: dict[str, tuple[Callable[..., Any], tuple[str, ...]]] = {}

    def add(name: str, fn: Callable[..., Any], *specs: tuple[str, ...]) -> None:
        for spec in specs:
            out[f"{name}({','.join(spec)})"] = (fn, spec)

    bools = ("w:bool", "t:bool")
    add("square", jnp.square, ("w:bool",), ("w:int8",))
    add("floor_divide", jnp.floor_divide, bools, ("w:bool", "py:True"))
    add("remainder", jnp.remainder, bools, ("w:bool", "py:True"))
    add("power", jnp.power, bools, ("w:bool", "py:2"), ("w:int8", "py:2"))
    add("fmod", jnp.fmod, bools)
    add("left_shift", jnp.left_shift, bools)
    add("right_shift", jnp.right_shift, bools)
    add("divmod", lambda a, b: jnp.stack(jnp.divmod(a, b)), bools)
    add("conj", jnp.conj, ("w:bool",))
    add("positive", jnp.positive, ("w:bool",))
    add("operator //", lambda a, b: jnp.asarray(a) // jnp.asarray(b), bools)
    # the dtype of a running sum or product
    ints = [(f"w:{t}",) for t in ("bool", "int8", "uint8", "int16", "int32", "uint32", "float16")]
    add("cumsum", jnp.cumsum, *ints)
    add("cumprod", jnp.cumprod, *ints)
    add("nancumsum", jnp.nancumsum, ("w:int8",), ("w:bool",))
    add("nancumprod", jnp.nancumprod, ("w:int16",))
    add("cumulative_sum", jnp.cumulative_sum, ("w:int8",), ("w:bool",), ("w:uint8",))
    add("cumulative_prod", jnp.cumulative_prod, ("w:int8",), ("w:bool",))
    for dt in ("int16", "bool", "int8", "float16"):  # (NumPy: int64 for int16 under jit)
        add(f"prod dtype={dt}", lambda a, dt=dt: jnp.prod(a * 40, dtype=dt), ("w:int8",))
    add("cumsum of a * 40", lambda a: jnp.cumsum(a * 40), ("w:int8",))  # wraps around in int8
    # integer division by zero: x // 0 is -2, 0 // 0 is -1, the maximum when unsigned
    for dt in ("int8", "int32", "int64", "bool"):
        add("floor_divide by 0", jnp.floor_divide, (f"n:{dt}", f"z:{dt}"))
    for dt in ("uint8", "uint32"):
        add("floor_divide by 0", jnp.floor_divide, (f"x:{dt}", f"z:{dt}"))
    add("floor_divide by 0", lambda a: jnp.floor_divide(a, 0), ("n:int32",), ("x:uint16",))
    add("floor_divide by False", lambda a: jnp.floor_divide(a, False), ("n:int32",))
    add("operator // by 0", lambda a, b: jnp.asarray(a) // jnp.asarray(b), ("n:int32", "z:int32"))
    add("remainder by 0", jnp.remainder, ("n:int32", "z:int32"))
    add("divmod by 0", lambda a, b: jnp.stack(jnp.divmod(a, b)), ("n:int16", "z:int16"))
    return out


def main() -> None:
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    record(cases(jnp), OUT)


if __name__ == "__main__":
    main()
