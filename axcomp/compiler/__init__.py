"""Graph to Plan: simplify (passes), find multilinear regions, plan contractions, lower."""

from .lower import lower
from .simplify import PASSES, simplify

__all__ = ["PASSES", "lower", "simplify"]
