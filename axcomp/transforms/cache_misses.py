"""``jax_explain_cache_misses``: why a function compiled again.

With the flag on, every compile of a signature logs, on the ``axcomp`` logger at WARNING
(shown without any logging setup), JAX's heading and what differs from the closest
signature the function compiled before: an argument's shape or dtype, a static value, a
Python scalar that is now an array, the arguments' structure, the array library. A
function's first compile says it was never seen.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

logger = logging.getLogger("axcomp")


def explain_miss(name: str, new: Any, seen: Sequence[Any], labels: Sequence[str]) -> str:
    """Why ``new`` (a ``staging.Signature``) missed the cache of ``name`` holding ``seen``;
    ``labels`` name ``new``'s array leaves (``staging.input_names``)."""
    if not seen:
        return f"never seen function {name}"
    # the fewest differing arguments, then the fewest differing shapes, then the latest
    closest = min(
        reversed(seen),
        key=lambda old: (len(_differences(old, new, labels)), _shape_changes(old, new)),
    )
    lines = _differences(closest, new, labels)
    return f"for {name}, the closest signature compiled before differs:\n    " + "\n    ".join(
        lines or ["in nothing it records (the earlier program was evicted or is compiling)"]
    )


def log_miss(name: str, new: Any, seen: Sequence[Any], labels: Sequence[str]) -> None:
    logger.warning("TRACING CACHE MISS because:\n  %s", explain_miss(name, new, seen, labels))


def _differences(old: Any, new: Any, labels: Sequence[str]) -> list[str]:
    if old.treedef != new.treedef:
        return [f"the arguments' structure: {old.treedef} now {new.treedef}"]
    out = []
    if old.namespace != new.namespace:
        out.append(f"the arrays' library: {old.namespace} now {new.namespace}")
    for k, ((s0, d0), (s1, d1)) in enumerate(zip(old.arrays, new.arrays)):
        label = labels[k] if k < len(labels) else f"array {k}"
        if (s0, d0) != (s1, d1):
            out.append(f"{label}: {_type(s0, d0)} now {_type(s1, d1)}")
        elif (k in old.weak) != (k in new.weak):
            kinds = ("a Python scalar (weakly typed)", "an array")
            was, now = kinds if k in old.weak else kinds[::-1]
            out.append(f"{label}: {was} now {now}")
    if len(old.arrays) != len(new.arrays):
        out.append(f"the number of array arguments: {len(old.arrays)} now {len(new.arrays)}")
    old_statics = {pos: _shown(value) for pos, _, value in old.statics}
    for pos, _, static in new.statics:
        value = _shown(static)
        if pos not in old_statics:
            out.append(f"leaf {pos}: an array before, now the static value {value!r}")
        elif old_statics[pos] != value:
            out.append(f"static argument (leaf {pos}): {old_statics[pos]!r} now {value!r}")
    return out


def _shape_changes(old: Any, new: Any) -> int:
    return sum(a[0] != b[0] for a, b in zip(old.arrays, new.arrays))


def _shown(static: Any) -> Any:
    return getattr(static, "value", static)  # (a static_argnums value is wrapped)


def _type(shape: tuple[int, ...], dtype: Any) -> str:
    return f"{dtype.name}[{','.join(map(str, shape))}]"
