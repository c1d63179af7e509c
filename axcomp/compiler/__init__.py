"""Graph to Plan: simplify (passes), expand squared forms to GEMMs,
find multilinear regions, plan contractions, lower."""

from . import expand, memory
from .lower import lower
from .simplify import PASSES, simplify

__all__ = ["PASSES", "expand", "lower", "memory", "simplify"]
