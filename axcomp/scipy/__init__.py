"""``axcomp.scipy``: the ``jax.scipy`` subset axcomp provides (``axcomp.scipy.special``)."""

from . import special

__all__ = ["special"]
