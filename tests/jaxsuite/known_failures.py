"""Cases of the translated JAX suite that axcomp does not pass yet, with the reason.

Every entry is a missing feature, never a wrong answer; ``tests/test_jax_suite.py`` fails
when an entry starts passing, so this list only shrinks.
"""

from __future__ import annotations

KNOWN_FAILURES: dict[str, str] = {}
