"""What every gallery script shares: its command line (``--small`` for the quick run CI and
the docs build do, ``--out DIR`` for its picture) and saving a figure when matplotlib is
installed (the ``docs`` extra); without it the script still runs and prints its result."""

from __future__ import annotations

import argparse
import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any


def options(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--small", action="store_true", help="a quick run at a small size")
    parser.add_argument("--out", type=Path, default=Path("."), help="folder for the picture")
    return parser.parse_args()


def save_figure(out: Path, name: str, draw: Callable[[Any], None]) -> Path | None:
    """Draw on a new figure with ``draw(pyplot)`` and save it as ``out/name``; None (and a
    line saying so) without matplotlib."""
    if importlib.util.find_spec("matplotlib") is None:
        print(f"(matplotlib is not installed: {name} not drawn)")
        return None
    import matplotlib

    matplotlib.use("Agg")  # files only, no window
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    plt.figure(figsize=(6, 4))
    draw(plt)
    plt.tight_layout()
    path = out / name
    plt.savefig(path, dpi=90)
    plt.close()
    print(f"saved {path.name}")
    return path
