"""Find the DSL grammar both in a source checkout and in an installed wheel."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_CHECKOUT_DIR = Path(__file__).resolve().parent.parent.parent / "grammar"


def grammar_text(name: str = "axcomp.lark") -> str:
    """Return the text of a grammar file shipped with axcomp."""
    try:
        resource = resources.files("axcomp._grammar").joinpath(name)
        if resource.is_file():
            return resource.read_text(encoding="utf-8")
    except ModuleNotFoundError:
        pass  # running from a checkout: the package mapping only exists once installed
    path = _CHECKOUT_DIR / name
    if not path.is_file():
        raise FileNotFoundError(f"axcomp grammar file {name!r} not found (looked in {path})")
    return path.read_text(encoding="utf-8")
