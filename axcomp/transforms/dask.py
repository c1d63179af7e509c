"""dask arrays in, lazy dask arrays out.

The program compiles for the NumPy shapes of the arguments; nothing is computed until the
caller's ``.compute()``. Each call becomes tasks of the caller's dask graph, so it runs on
whatever scheduler computes it, a ``dask.distributed`` cluster included.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import pytree
from .compile import Compiled
from .namespaces import NUMPY


def run_dask(staged: Any, sig: Any, leaves: list[Any]) -> Any:
    """``staged`` (a ``Staged``) applied to dask arrays ``leaves``, the array leaves of one
    call with signature ``sig``."""
    import dask
    import dask.array as da

    numpy_sig = type(sig)(sig.treedef, sig.arrays, sig.statics, NUMPY)
    compiled: Compiled = staged._compile_cached(numpy_sig)
    outputs = compiled.graph.outputs

    def run(*blocks: Any) -> tuple[np.ndarray, ...]:
        result = compiled.function(*[np.asarray(b) for b in blocks])
        return result if len(outputs) > 1 else (result,)

    value = dask.delayed(run, nout=len(outputs), pure=True)(*leaves)
    parts = [
        da.from_delayed(value[k], shape=node.shape, dtype=node.dtype)
        for k, node in enumerate(outputs)
    ]
    return pytree.unflatten(compiled.out_treedef, parts)
