"""``axcomp.scipy``: the ``jax.scipy`` subset axcomp provides (``axcomp.scipy.special``,
``axcomp.scipy.linalg``, ``axcomp.scipy.sparse.linalg``)."""

from . import linalg, sparse, special

__all__ = ["linalg", "sparse", "special"]
