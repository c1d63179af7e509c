"""``axcomp.scipy``: the ``jax.scipy`` subset axcomp provides (``axcomp.scipy.special``,
``axcomp.scipy.linalg``)."""

from . import linalg, special

__all__ = ["linalg", "special"]
