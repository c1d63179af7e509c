"""Record JAX's convolutions and pooling for ``test_convolution.py``:
``/tmp/jaxvenv/bin/python tests/conv_record.py`` (needs jax; x64) writes
``tests/conv_reference.npz``. For each case of ``conv_cases.py``: the value, the gradient of
``sum(out * cotangent)`` with respect to each argument, a JVP, and vmap over a batch of
inputs, of kernels and of both."""

from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from conv_cases import (
    BATCH,
    CONV,
    PATCHES,
    POOL,
    SIGNAL,
    TRANSPOSE,
    data,
    keywords,
    pool_fn,
    pool_input,
)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "conv_reference.npz")


def record_two(jax, out, name, f, x, w):
    jnp = jax.numpy
    y = f(x, w)
    cot = data(y.shape, 5)
    gx, gw = jax.grad(lambda a, b: jnp.sum(f(a, b) * cot), argnums=(0, 1))(x, w)
    _, t = jax.jvp(f, (x, w), (data(x.shape, 7), data(w.shape, 8)))
    xb = np.stack([x, data(x.shape, 3)])
    wb = np.stack([w, data(w.shape, 4)])
    out[f"{name}/value"] = y
    out[f"{name}/grad_lhs"] = gx
    out[f"{name}/grad_rhs"] = gw
    out[f"{name}/jvp"] = t
    out[f"{name}/vmap_lhs"] = jax.vmap(f, (0, None))(xb, w)
    out[f"{name}/vmap_rhs"] = jax.vmap(f, (None, 0))(x, wb)
    out[f"{name}/vmap_both"] = jax.vmap(f, (0, 0))(xb, wb)


def main() -> None:
    import jax

    jax.config.update("jax_enable_x64", True)
    lax = jax.lax
    out: dict[str, np.ndarray] = {}
    for name, (ls, rs, kw) in CONV.items():
        kw = keywords(kw, lax)
        f = lambda a, b, kw=kw: lax.conv_general_dilated(a, b, **kw)  # noqa: E731
        record_two(jax, out, f"conv/{name}", f, data(ls, 1), data(rs, 2))
    for name, (ls, rs, kw) in TRANSPOSE.items():
        f = lambda a, b, kw=kw: lax.conv_transpose(a, b, **kw)  # noqa: E731
        record_two(jax, out, f"transpose/{name}", f, data(ls, 1), data(rs, 2))
    for name, (ls, kw) in PATCHES.items():
        out[f"patches/{name}"] = lax.conv_general_dilated_patches(data(ls, 1), **kw)
    for name, (shape, kind, kw) in POOL.items():
        f = pool_fn(jax.lax, kind, kw)
        x = pool_input(name, shape, 1)
        y = f(x)
        cot = data(y.shape, 5)
        out[f"pool/{name}/value"] = y
        out[f"pool/{name}/grad"] = jax.grad(lambda a, f=f, cot=cot: (f(a) * cot).sum())(x)
        out[f"pool/{name}/vmap"] = jax.vmap(f)(np.stack([x, pool_input(name, shape, 2)]))
    import jax.scipy.signal as signal

    for name, (fn, s1, s2, mode) in SIGNAL.items():
        f = lambda a, b, fn=fn, mode=mode: getattr(signal, fn)(a, b, mode)  # noqa: E731
        record_two(jax, out, f"signal/{name}", f, data(s1, 1), data(s2, 2))
    assert BATCH == 2
    out = {k: np.asarray(v, dtype=np.float64) for k, v in out.items()}
    np.savez_compressed(OUT, jax_version=np.array(jax.__version__), **out)
    print(f"wrote {len(out)} arrays to {OUT} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
