"""User names in generated code: which may be printed as identifiers, and how others are
mangled.

Generated code and its users share no names. Everything the code itself binds or reads
that no lowering allocates (module aliases, builtins, helpers, loop and shape-check
locals) starts with ``_``; the lowering's allocator hands out the rest (temporaries,
constants, inputs) and keeps them distinct. A user's name (a parameter, a kwargs or pytree
key, a function name) reaches the code only through ``python_name``: Python compares
identifiers after NFKC normalisation, so names are normalised before anything compares
or prints them, and a name that is no plain identifier, is a keyword, starts with ``_``
(the generated code's space) or is very long is mangled, deterministically.
"""

from __future__ import annotations

import keyword
import unicodedata
from typing import Any

#: The prefix of every name generated code uses that no lowering allocates.
RESERVED_PREFIX = "_"

#: Longer user names are cut (the allocator keeps cut names distinct).
MAX_LENGTH = 64


def normalise(text: str) -> str:
    """``text`` as Python reads an identifier spelled that way (NFKC)."""
    return unicodedata.normalize("NFKC", text)


def is_plain(name: str) -> bool:
    """``name`` may stand in generated code as a user's name: an identifier Python reads as
    itself, not a keyword, outside the reserved ``_`` space, at most ``MAX_LENGTH`` long."""
    return (
        isinstance(name, str)
        and name.isidentifier()
        and normalise(name) == name
        and not keyword.iskeyword(name)
        and not name.startswith(RESERVED_PREFIX)
        and len(name) <= MAX_LENGTH
    )


def identifier_chars(text: Any) -> str:
    """``text`` (NFKC) with every character that cannot continue an identifier as ``_``;
    ASCII letters, digits and ``_`` only when the result would not read as itself."""
    norm = normalise(str(text))
    kept = "".join(c if ("a" + c).isidentifier() else "_" for c in norm)
    probe = "a" + kept
    if probe.isidentifier() and normalise(probe) == probe:
        return kept
    return "".join(c if c.isascii() and (c.isalnum() or c == "_") else "_" for c in kept)


def python_name(text: Any) -> str:
    """The identifier generated code uses for the user name ``text``: its NFKC form (cut to
    ``MAX_LENGTH``) when that is plain (``is_plain``), else ``x_`` and its identifier
    characters (``x`` when none are left). Distinct names may meet here; the caller's
    allocator separates them."""
    norm = normalise(str(text))
    if is_plain(norm[:MAX_LENGTH]):
        return norm[:MAX_LENGTH]
    body = identifier_chars(norm).strip("_")[: MAX_LENGTH - 2].rstrip("_")
    name = f"x_{body}" if body else "x"
    return name if is_plain(name) else "x"
