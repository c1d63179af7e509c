"""Programs that do not yet agree with JAX after the import swap, and why.

Every entry is a strict xfail in tests/test_programs.py: when a fix makes a program agree,
its test fails until the entry is removed here. Keys are ``<corpus>/<program>``; each maps
to the blockers the program meets, in order.
"""

from __future__ import annotations

# Reason classes, named once so the report can count them (none left: the array type
# fixed the last ones).
BLOCKERS: dict[str, tuple[str, ...]] = {}
KNOWN_FAILURES: dict[str, str] = {key: "; then ".join(b) for key, b in BLOCKERS.items()}

# A regular expression for what check's detail says when a program meets each blocker, so
# that a known failure failing for another reason is caught (tests/test_programs.py).
SIGNATURES: dict[str, str] = {}
