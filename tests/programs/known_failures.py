"""Programs that do not yet agree with JAX after the import swap, and why.

Every entry is a strict xfail in tests/test_programs.py: when a fix makes a program agree,
its test fails until the entry is removed here. Keys are ``<corpus>/<program>``; each maps
to the blockers the program meets, in order.
"""

from __future__ import annotations

# Reason classes, named once so the report can count them.
AT_ON_NUMPY = "x.at[...] on the NumPy arrays that jnp.zeros/arange/... return (no array type)"
NUMPY_METHOD_DTYPE = (
    "x.mean() on a result is NumPy's ndarray method (float64 for booleans; JAX's Array "
    "method gives float32): no array type"
)

BLOCKERS: dict[str, tuple[str, ...]] = {
    "main/game_of_life": (AT_ON_NUMPY,),
    "main/gotchas_array_updates": (AT_ON_NUMPY,),
    "main/hmc_leapfrog": (NUMPY_METHOD_DTYPE,),
    "heldout/mala_sampler": (NUMPY_METHOD_DTYPE,),
    "heldout/wave_equation_leapfrog": (AT_ON_NUMPY,),
}
KNOWN_FAILURES: dict[str, str] = {key: "; then ".join(b) for key, b in BLOCKERS.items()}

# A regular expression for what check's detail says when a program meets each blocker, so
# that a known failure failing for another reason is caught (tests/test_programs.py).
SIGNATURES: dict[str, str] = {
    AT_ON_NUMPY: "'numpy.ndarray' object has no attribute 'at'",
    NUMPY_METHOD_DTYPE: "dtype float64 vs JAX's float32",
}
