"""Graph to Plan: simplify (passes), expand squared forms to GEMMs,
find multilinear regions, plan contractions, lower."""

from .expand import expand
from .lower import lower
from .simplify import PASSES, simplify

__all__ = ["PASSES", "expand", "lower", "simplify"]
