"""``dot_product_attention`` of ``jax.nn``: scaled dot-product attention with JAX's XLA
formulation: logits in at least float32, masks applied as a large negative logit, the
softmax in float32, grouped-query heads (``N`` query heads over ``K`` key/value heads)."""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from .. import numpy as _jnp
from ..errors import ArgumentValueError, ShapeError
from ..scipy.special.reductions import logsumexp
from ..tracing.build import Value
from ..tracing.tracer import Tracer
from ..transforms.jit import staged_export
from .functions import softmax


def _four_d(t: Any) -> Any:
    t = _jnp.asarray(t)
    return _jnp.reshape(t, (1,) * (4 - t.ndim) + t.shape) if t.ndim < 4 else t


def _check(t: Any, shape: list[int], dtype: Any, name: str) -> None:
    if t is None:
        return
    if t.ndim != len(shape):
        raise ShapeError(f"{name} ndim should be {len(shape)}, but got {t.ndim}")
    if dtype is not None and t.dtype != dtype:
        raise ShapeError(f"{name} dtype should be {np.dtype(dtype)}, but got {t.dtype}")
    if any(want != -1 and got != want for got, want in zip(t.shape, shape)):
        raise ShapeError(f"{name} shape should be {shape}: but got {t.shape}")


def _grouped(t: Any, k: int, g: int) -> Any:
    """A (B, N or 1, T, S) bias or mask as (B, K, G, T, S), query head ``k * G + g``."""
    if t is None:
        return None
    b, n, tt, s = t.shape
    if n == 1:
        return _jnp.reshape(t, (b, 1, 1, tt, s))
    return _jnp.reshape(t, (b, k, g, tt, s))


def _combined_mask(
    shape: tuple[int, ...], mask: Any, is_causal: bool, q_len: Any, kv_len: Any, window: Any
) -> Any:
    """Which (B, K, G, T, S) logits take part, or None when all do."""
    t_len, s_len = shape[-2], shape[-1]
    keep = None if mask is None else mask

    def both(m: Any) -> Any:
        return m if keep is None else _jnp.logical_and(keep, m)

    if is_causal:
        keep = both(np.tril(np.ones((t_len, s_len), np.bool_)))
    if window is not None:
        left, right = window
        q, kv = np.arange(t_len)[:, None], np.arange(s_len)[None, :]
        keep = both((q <= kv + left) & (q >= kv - right))
    if q_len is not None or kv_len is not None:
        pad: Any = np.ones((1, t_len, s_len), np.bool_)
        if q_len is not None:
            q_ok = _jnp.less(np.arange(t_len)[None, :, None], q_len[:, None, None])
            pad = _jnp.logical_and(pad, q_ok)
        if kv_len is not None:
            kv_ok = _jnp.less(np.arange(s_len)[None, None, :], kv_len[:, None, None])
            pad = _jnp.logical_and(pad, kv_ok)
        keep = both(_jnp.expand_dims(pad, (1, 2)))
    return keep


@staged_export
def dot_product_attention(
    query: Value,
    key: Value,
    value: Value,
    bias: Any = None,
    mask: Any = None,
    *,
    scale: float | None = None,
    is_causal: bool = False,
    query_seq_lengths: Any = None,
    key_value_seq_lengths: Any = None,
    local_window_size: int | tuple[int, int] | None = None,
    implementation: str | None = None,
    return_residual: bool = False,
) -> Tracer | tuple[Tracer, Tracer]:
    """``softmax(q k^T * scale + bias, masked) v`` per head, for (B, T, N, H) queries and
    (B, S, K, H) keys and values (the batch axis optional); as ``jax.nn``'s XLA path."""
    if implementation not in (None, "xla"):
        raise ArgumentValueError(
            f"dot_product_attention: implementation={implementation!r} is not available "
            "(axcomp runs JAX's 'xla' formulation)"
        )
    out_shape = _jnp.shape(query)
    q, k, v = _four_d(query), _four_d(key), _four_d(value)
    bias = None if bias is None else _four_d(bias)
    mask = None if mask is None else _four_d(mask)
    q_len = None if query_seq_lengths is None else _jnp.asarray(query_seq_lengths)
    kv_len = None if key_value_seq_lengths is None else _jnp.asarray(key_value_seq_lengths)
    window = local_window_size
    if isinstance(window, int):
        window = (window, window)
    b, s, kh, h = k.shape
    _check(v, [b, s, kh, h], k.dtype, "value")
    _check(q, [b, -1, -1, h], k.dtype, "query")
    _check(mask, [-1] * 4, np.bool_, "mask")
    _check(bias, [-1] * 4, None, "bias")
    _check(q_len, [b], np.int32, "query_seq_lengths")
    _check(kv_len, [b], np.int32, "key_value_seq_lengths")
    t_len, n = q.shape[1], q.shape[2]
    if n % kh != 0:
        raise ShapeError(
            f"The number of query heads must be a multiple of key/value heads, but got {n} vs {kh}"
        )
    g = n // kh
    scale_val = 1.0 / np.sqrt(h) if scale is None else scale
    logits_dtype = np.promote_types(q.dtype, np.float32)
    qg = _jnp.reshape(q, (b, t_len, kh, g, h))
    logits = _jnp.einsum("btkgh,bskh->bkgts", qg, k, preferred_element_type=logits_dtype)
    logits = _jnp.astype(logits, logits_dtype)
    logits = _jnp.multiply(logits, np.asarray(scale_val, logits_dtype))
    if bias is not None:
        logits = _jnp.astype(_jnp.add(logits, _grouped(bias, kh, g)), logits_dtype)
    keep = _combined_mask(logits.shape, _grouped(mask, kh, g), is_causal, q_len, kv_len, window)
    if keep is not None:
        # JAX's large negative: -0.7 * the largest finite value, capped at float32's
        big = -0.7 * min(np.finfo(logits_dtype).max, np.finfo(np.float32).max)
        logits = _jnp.where(keep, logits, np.asarray(big, logits_dtype))
    logits32 = _jnp.astype(logits, np.float32)  # JAX's softmax always runs in float32
    probs = _jnp.astype(softmax.traced(logits32, axis=-1), k.dtype)
    encoded = _jnp.einsum("bkgts,bskh->btkgh", probs, v)
    encoded = _jnp.reshape(encoded, (b, t_len, n, h))
    if q_len is not None:
        valid = _jnp.less(np.arange(t_len)[None, :], q_len[:, None])
        encoded = _jnp.multiply(encoded, _jnp.astype(valid[:, :, None, None], encoded.dtype))
    encoded = _jnp.reshape(encoded, out_shape)
    if not return_residual:
        return cast(Tracer, encoded)  # (_jnp is typed Any: its results are tracers here)
    lse = _jnp.astype(logsumexp.traced(logits32, axis=-1), k.dtype)  # (b, kh, g, t)
    lse = _jnp.reshape(_jnp.transpose(lse, (0, 3, 1, 2)), (b, t_len, n))
    return encoded, _jnp.reshape(lse, out_shape[:-1])
