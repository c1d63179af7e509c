"""``axcomp.ad_checkpoint``: ``jax.ad_checkpoint``'s names (see transforms/checkpoint.py and
transforms/residuals.py)."""

from __future__ import annotations

from .transforms.checkpoint import checkpoint, checkpoint_name, checkpoint_policies, remat
from .transforms.residuals import print_saved_residuals

__all__ = ["checkpoint", "checkpoint_name", "checkpoint_policies", "print_saved_residuals", "remat"]
