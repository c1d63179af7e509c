"""``axcomp.scipy.sparse``: ``axcomp.scipy.sparse.linalg`` (the iterative solvers)."""

from . import linalg

__all__ = ["linalg"]
