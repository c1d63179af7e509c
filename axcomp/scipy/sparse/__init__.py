"""``axcomp.scipy.sparse``: ``axcomp.scipy.sparse.linalg`` (the iterative solvers)."""

from ...errors import missing_attribute as _missing_attribute
from . import linalg

__all__ = ["linalg"]

__getattr__ = _missing_attribute("axcomp.scipy.sparse", "jax.scipy.sparse", __all__)
