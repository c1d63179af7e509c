"""Finite-difference reference shared by the gradient tests."""

import numpy as np


def numeric_grad(f, args, argnum=0, eps=1e-6):
    """Central differences of scalar ``f`` w.r.t. ``args[argnum]`` (float64)."""
    args = [np.array(a, dtype=np.float64) for a in args]
    x = args[argnum]
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        hi = float(f(*args))
        x[idx] = old - eps
        lo = float(f(*args))
        x[idx] = old
        g[idx] = (hi - lo) / (2 * eps)
    return g


def numeric_jvp(f, args, tangents, eps=1e-6):
    """Central differences of ``f`` (any output shape) along ``tangents`` (one per argument,
    all perturbed together), float64: ``(f(x + eps t) - f(x - eps t)) / 2 eps``."""
    args = [np.asarray(a, dtype=np.float64) for a in args]
    hi = f(*[a + eps * np.asarray(t) for a, t in zip(args, tangents)])
    lo = f(*[a - eps * np.asarray(t) for a, t in zip(args, tangents)])
    return (np.asarray(hi) - np.asarray(lo)) / (2 * eps)


def numeric_jacobian(f, args, argnum=0, eps=1e-6):
    """Central differences of ``f`` (any output shape) w.r.t. ``args[argnum]`` (float64):
    shape ``f(...).shape + args[argnum].shape``, like ``jacfwd``."""
    args = [np.array(a, dtype=np.float64) for a in args]
    x = args[argnum]
    cols = []
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        hi = np.array(f(*args), dtype=np.float64)  # copies: f may return a view of x
        x[idx] = old - eps
        lo = np.array(f(*args), dtype=np.float64)
        x[idx] = old
        cols.append((hi - lo) / (2 * eps))
    if not cols:
        return np.zeros(np.shape(f(*args)) + x.shape)
    out_shape = cols[0].shape
    return np.moveaxis(np.stack(cols), 0, -1).reshape(out_shape + x.shape)
