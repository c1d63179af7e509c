"""``axcomp.ad_checkpoint``: ``jax.ad_checkpoint``'s names (see transforms/checkpoint.py)."""

from __future__ import annotations

from .transforms.checkpoint import checkpoint, checkpoint_name, checkpoint_policies, remat

__all__ = ["checkpoint", "checkpoint_name", "checkpoint_policies", "remat"]
