"""MkDocs hook of the gallery (docs/gallery.md): runs every ``examples/*.py`` script named
by an ``<!-- example: NAME.py -->`` marker, adds the pictures they save to the site, and
puts each script's source, printed output and picture in place of its marker. A script
that fails stops the build."""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[1]
MARKER = re.compile(r"<!-- example: ([\w.]+\.py) -->")
# a page's link to a file of the repository outside docs/ ([prelude](../axcomp/dsl/prelude.py))
REPOSITORY_LINK = re.compile(r"\]\(\.\./([\w./-]+)\)")
SOURCES = "source"
FIGURES = "gallery_figures"
_outputs: dict[str, str] = {}
_pictures: dict[str, list[str]] = {}
_scratch = tempfile.TemporaryDirectory(prefix="axcomp-gallery-")


def _run(name: str) -> tuple[str, str, list[Path]]:
    out = Path(_scratch.name) / name.removesuffix(".py")
    out.mkdir(parents=True, exist_ok=True)
    run = subprocess.run(
        [sys.executable, str(ROOT / "examples" / name), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if run.returncode != 0:
        raise PluginError(f"examples/{name} failed:\n{run.stderr[-3000:]}")
    return name, run.stdout, sorted(out.iterdir())


def on_files(files: Files, config: Any) -> Files:
    # the repository files pages link to are published as they are, under source/
    linked = set()
    for page in (ROOT / "docs").glob("*.md"):
        linked |= set(REPOSITORY_LINK.findall(page.read_text(encoding="utf-8")))
    for path in sorted(linked):
        if not (ROOT / path).is_file():
            raise PluginError(f"a page links to ../{path}, which is not a file")
        files.append(File.generated(config, f"{SOURCES}/{path}", abs_src_path=str(ROOT / path)))
    names = MARKER.findall((ROOT / "docs" / "gallery.md").read_text(encoding="utf-8"))
    with ThreadPoolExecutor(max_workers=2) as pool:
        for name, stdout, pictures in pool.map(_run, names):
            _outputs[name] = stdout
            _pictures[name] = []
            for picture in pictures:
                uri = f"{FIGURES}/{picture.name}"
                files.append(File.generated(config, uri, abs_src_path=str(picture)))
                _pictures[name].append(uri)
    return files


def _section(name: str) -> str:
    source = (ROOT / "examples" / name).read_text(encoding="utf-8")
    code = f"```python\n{source}```\n"
    indented = "".join(f"    {ln}" if ln.strip() else ln for ln in code.splitlines(True))
    parts = [
        f'??? example "examples/{name}"\n\n{indented}',
        f"```text\n{_outputs[name].rstrip()}\n```",
    ]
    for uri in _pictures[name]:
        if uri.endswith((".png", ".svg")):
            parts.append(f"![{name}]({uri})")
        else:  # DOT text: no Graphviz where the site was built
            text = Path(_scratch.name, name.removesuffix(".py"), Path(uri).name).read_text()
            parts.append(f"```text\n{text.rstrip()}\n```")
    return "\n\n".join(parts)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    markdown = REPOSITORY_LINK.sub(lambda m: f"]({SOURCES}/{m.group(1)})", markdown)
    if page.file.src_uri != "gallery.md":
        return markdown
    return MARKER.sub(lambda m: _section(m.group(1)), markdown)
