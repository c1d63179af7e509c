"""``axcomp.scipy``: the ``jax.scipy`` subset axcomp provides (``axcomp.scipy.special``,
``axcomp.scipy.signal``)."""

from . import signal, special

__all__ = ["signal", "special"]
