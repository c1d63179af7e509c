"""MkDocs hook of the ``axcomp.numpy`` API page (docs/api/numpy.md): mkdocstrings renders the
functions axcomp defines, but not the names it takes from NumPy as ``jax.numpy`` does
(``zeros``, ``arange``, the dtypes, ``pi``...), nor a function whose name is also one of the
package's modules (``vectorize``), nor the ``fft`` and ``linalg`` namespaces. This hook puts
them in place of the page's ``<!-- numpy re-exports -->`` marker, read from the imported
package, so the page lists every public name of ``dir(axcomp.numpy)``."""

from __future__ import annotations
import __future__

import inspect
import sys
import types
from typing import Any

MARKER = "<!-- numpy re-exports -->"
PAGE = "api/numpy.md"
#: The submodules that are part of the API, as in ``jax.numpy`` (the others implement it).
NAMESPACES = ("fft", "linalg")


def public_names(namespace: types.ModuleType) -> list[str]:
    """The names a user of ``namespace`` sees: no ``_`` prefix, not the package's own
    implementation modules, not ``from __future__ import annotations``'s feature."""
    names = []
    for name in dir(namespace):
        value = getattr(namespace, name)
        if name.startswith("_") or isinstance(value, __future__._Feature):
            continue
        if isinstance(value, types.ModuleType) and name not in NAMESPACES:
            continue
        names.append(name)
    return names


def _origin(value: Any) -> str:
    return getattr(value, "__module__", None) or type(value).__module__


def _shadowed(namespace: types.ModuleType, name: str) -> bool:
    """A function whose name is also a module of the package (mkdocstrings finds the
    module under that path, not the function)."""
    return f"{namespace.__name__}.{name}" in sys.modules


def sections(namespace: types.ModuleType) -> dict[str, list[str]]:
    """The names mkdocstrings leaves out, by how the page shows them: ``directives``
    (rendered from their own module), ``functions``, ``types`` and ``constants``
    (NumPy's or Python's own objects, listed with where they come from)."""
    out: dict[str, list[str]] = {"directives": [], "functions": [], "types": [], "constants": []}
    for name in public_names(namespace):
        value = getattr(namespace, name)
        if isinstance(value, types.ModuleType):
            out["directives"].append(name)
        elif _origin(value).startswith("axcomp"):
            if inspect.isroutine(value) and _shadowed(namespace, name):
                out["directives"].append(name)
        elif isinstance(value, type):
            out["types"].append(name)
        elif callable(value):
            out["functions"].append(name)
        elif value is None:  # mkdocstrings shows the other attributes (``pi``, ``c_``)
            out["constants"].append(name)
    return out


def _summary(value: Any) -> str:
    """The first sentence of ``value``'s docstring, after any signature line."""
    paragraphs = (inspect.getdoc(value) or "").split("\n\n")
    for paragraph in paragraphs:
        text = " ".join(paragraph.split())
        if text and not (text.endswith(")") and "(" in text.split(" ", 1)[0]):
            return text.split(". ", 1)[0].rstrip(".").replace("|", "\\|") + "."
    return ""


def reexports_markdown(namespace: types.ModuleType) -> str:
    found = sections(namespace)
    path = namespace.__name__
    lines: list[str] = []
    for name in found["directives"]:
        value = getattr(namespace, name)
        target = value.__name__ if isinstance(value, types.ModuleType) else f"{path}.{name}.{name}"
        lines += [
            f"## `{path}.{name}`",
            "",
            f"::: {target}",
            "    options:",
            "      show_root_heading: false",
            "      heading_level: 3",
            "",
        ]
    lines += [
        "## NumPy's own names",
        "",
        f"`{path}` re-exports these objects of NumPy (and Python) unchanged, as `jax.numpy`",
        "does: the functions take static values (shapes, dtypes, Python numbers), and the",
        "arrays they return are constants inside a kernel.",
        "",
    ]
    titles = {"functions": "Functions", "types": "Types and dtypes", "constants": "Constants"}
    for kind, title in titles.items():
        lines += [f"### {title}", "", "| name | is | summary |", "|---|---|---|"]
        for name in found[kind]:
            value = getattr(namespace, name)
            if kind == "constants":
                origin, summary = type(value).__name__, f"`{value!r}`"
            else:
                origin, summary = f"{_origin(value)}.{value.__name__}", _summary(value)
            lines.append(f'| <span id="{path}.{name}"></span>`{name}` | `{origin}` | {summary} |')
        lines.append("")
    return "\n".join(lines)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if page.file.src_uri != PAGE:
        return markdown
    import axcomp.numpy

    return markdown.replace(MARKER, reexports_markdown(axcomp.numpy))
