"""The loops of ``axcomp.random``'s rejection samplers, run over whole arrays: a Python
loop over rounds on NumPy values, a ``lax.while_loop`` once anything is traced; and the
transformed-rejection round that ``poisson`` and ``binomial`` share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import lax
from .. import numpy as anp
from ..tracing.tracer import Tracer
from . import threefry
from .samplers import sample_uniform

State = tuple[Any, ...]


def loop_while_any(
    active: Callable[[State], Any], body: Callable[[State], State], state: State
) -> State:
    """Run ``body`` while any element is ``active``: a Python loop over NumPy state, a
    ``lax.while_loop`` over traced state."""
    live = active(state)
    while True:
        # traced when the loop's constants are, or once a round comes back traced (lax
        # functions record nodes inside any trace, even on constants): the rest of the
        # rounds then run as a while_loop from there
        if isinstance(live, Tracer) or any(isinstance(x, Tracer) for x in state):
            return tuple(lax.while_loop(lambda s: anp.any(active(s)), body, state))
        if not np.any(live):
            return state
        state = body(state)
        live = active(state)


def keep_where(mask: Any, new: Any, old: Any) -> Any:
    """``new`` where the per-element ``mask`` holds, else ``old`` (trailing axes of the
    values, such as key data's 2 words, follow their element's mask)."""
    m = anp.reshape(mask, (*mask.shape, *(1,) * (old.ndim - mask.ndim)))
    return anp.where(m, new, old)


def transformed_rejection(
    data: Any, shape: tuple[int, ...], dtype: Any, candidate: Callable[[Any, Any], tuple[Any, Any]]
) -> Any:
    """The rejection loop of Hörmann's transformed rejection samplers (``poisson``,
    ``binomial``): each round splits the key in three, draws two uniform arrays ``u, v``
    and keeps, per element, the first candidate ``k`` that ``candidate(u, v)`` accepts."""

    def rejecting(s: State) -> Any:
        return ~s[1]

    def propose(s: State) -> State:
        k_out, accepted, key = s
        keys = threefry.split_data(key, (3,))
        key, k0, k1 = keys[..., 0, :], keys[..., 1, :], keys[..., 2, :]
        k, accept = candidate(
            sample_uniform(k0, shape, dtype, 0.0, 1.0), sample_uniform(k1, shape, dtype, 0.0, 1.0)
        )
        return anp.where(accept, k, k_out), accepted | accept, key

    start = (anp.full(shape, np.dtype(dtype).type(-1)), anp.zeros(shape, bool), data)
    return loop_while_any(rejecting, propose, start)[0]
