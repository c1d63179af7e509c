"""``axcomp.scipy``: the ``jax.scipy`` subset axcomp provides (``axcomp.scipy.special``,
``axcomp.scipy.signal``, ``axcomp.scipy.linalg``, ``axcomp.scipy.sparse.linalg``)."""

from . import linalg, signal, sparse, special

__all__ = ["linalg", "signal", "sparse", "special"]
