"""Import every case module so that ``harness.CASES`` is complete."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from .harness import CASES, Case


def all_cases() -> dict[str, Case]:
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if info.name.startswith("cases_"):
            importlib.import_module(f"{__package__}.{info.name}")
    return CASES
