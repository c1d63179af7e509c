"""``jax.numpy``'s index helpers, NumPy's own (pure shape helpers, as in JAX): ``r_``,
``c_``, ``s_``, ``index_exp``, ``mgrid``, ``ogrid``, ``ix_``, ``indices``, ``fromfunction``."""

from __future__ import annotations

import numpy as np

r_, c_, s_, index_exp, mgrid, ogrid = np.r_, np.c_, np.s_, np.index_exp, np.mgrid, np.ogrid


ix_, indices, fromfunction = np.ix_, np.indices, np.fromfunction
