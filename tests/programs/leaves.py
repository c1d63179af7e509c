"""Library-neutral pytree leaves and their comparison.

The harness flattens results itself (dicts by sorted key, tuples and lists by position,
None as an empty subtree) so that neither library's tree_util decides what is compared.
"""

from __future__ import annotations

from typing import Any

import numpy as np

RTOL = 1e-9
ATOL = 1e-12  # entries that should be 0 come out ~1e-17 in either library
# float32 results (JAX's PRNG samplers default to them) agree to a few ulp, not to 1e-9:
# NumPy and XLA sum in different orders
RTOL_32 = 1e-6


def _rtol(dtype: np.dtype) -> float:
    return RTOL_32 if dtype in (np.float32, np.complex64, np.float16) else RTOL


def flatten(tree: Any, path: str = "") -> dict[str, np.ndarray]:
    if tree is None:
        return {}
    if isinstance(tree, dict):
        out: dict[str, np.ndarray] = {}
        for key in sorted(tree, key=repr):
            out |= flatten(tree[key], f"{path}[{key!r}]")
        return out
    if isinstance(tree, (tuple, list)):
        out = {}
        for i, item in enumerate(tree):
            out |= flatten(item, f"{path}[{i}]")
        return out
    return {path or "<root>": np.asarray(tree)}


def compare(expected: dict[str, np.ndarray], got: dict[str, np.ndarray]) -> str | None:
    """None when every leaf agrees, else the first disagreement in words."""
    if list(expected) != list(got):
        return f"tree differs: leaves {list(expected)[:6]} vs {list(got)[:6]}"
    for path, want in expected.items():
        have = got[path]
        if have.shape != want.shape:
            return f"{path}: shape {have.shape} vs JAX's {want.shape}"
        if have.dtype != want.dtype:
            return f"{path}: dtype {have.dtype} vs JAX's {want.dtype}"
        if want.dtype.kind in "fc":
            close = np.isclose(have, want, rtol=_rtol(want.dtype), atol=ATOL, equal_nan=True)
            if not close.all():
                bad = np.argwhere(~close)[0] if want.ndim else ()
                i = tuple(int(j) for j in bad)
                return f"{path}{list(i) if i else ''}: {have[i]!r} vs JAX's {want[i]!r}"
        elif not np.array_equal(have, want):
            bad = np.argwhere(have != want)[0] if want.ndim else ()
            i = tuple(int(j) for j in bad)
            return f"{path}{list(i) if i else ''}: {have[i]!r} vs JAX's {want[i]!r}"
    return None
