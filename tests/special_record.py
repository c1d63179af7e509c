"""Record reference values for tests/test_scipy_special_more.py (run once, with JAX and
SciPy installed: ``python tests/special_record.py``). Writes ``special_reference.npz``: for
each case ``name`` the argument grids ``name/arg0``, ...; SciPy's values ``name/scipy``;
JAX's values (x64) ``name/jax``; and JAX's elementwise derivatives ``name/grad0``, ...
for the arguments JAX differentiates. CI reads the file and needs neither library."""

from __future__ import annotations

from pathlib import Path

import numpy as np

OUT = Path(__file__).parent / "special_reference.npz"


def _grid() -> dict[str, tuple[list[np.ndarray], list[int]]]:
    """Case name -> (argument arrays, the arguments whose derivative is recorded)."""
    rng = np.random.default_rng(7)
    lin = np.linspace
    neg = -rng.uniform(0.02, 0.98, 30) - rng.integers(0, 12, 30)
    gamma_x = np.concatenate([neg, lin(0.01, 171, 200), [1e-300, 0.5, 1, 2]])
    pos = np.exp(lin(np.log(1e-3), np.log(1e6), 24))
    pa, pb = (g.ravel() for g in np.meshgrid(pos, pos))
    ints = np.arange(0.0, 31.0)
    cn, ck = (g.ravel() for g in np.meshgrid(lin(0, 60, 13), lin(0, 60, 13)))
    zs, zq = (g.ravel() for g in np.meshgrid(lin(1.1, 30, 14), np.exp(lin(-4, 5, 14))))
    pn, px = (g.ravel() for g in np.meshgrid(np.arange(0, 6), np.exp(lin(-3, 5, 30))))
    ex = np.concatenate([lin(-26, 26, 160), np.exp(lin(np.log(26), np.log(1e8), 40))])
    lx = np.concatenate([-np.exp(lin(np.log(1e4), 0, 60)), lin(-1, 38, 140)])
    bx, bl = (g.ravel() for g in np.meshgrid(lin(0.05, 20, 12), lin(-3, 3, 13)))
    bl = np.where(np.abs(bl) < 1e-9, 0.0, bl)
    ep, eq = (g.ravel() for g in np.meshgrid(lin(0.0, 5, 11), lin(0.0, 5, 11)))
    return {
        "gamma": ([gamma_x], [0]),
        "gammasgn": ([np.concatenate([gamma_x, -ints[1:5]])], []),
        "loggamma": ([np.concatenate([lin(1e-3, 1e3, 150), [1e10, 1e300]])], [0]),
        "betaln": ([pa, pb], [0, 1]),
        "beta": ([lin(0.05, 30, 60), lin(30, 0.1, 60)], [0, 1]),
        "factorial": ([np.concatenate([ints, lin(0.5, 170, 40)])], [0]),
        "comb": ([cn, ck], []),
        "poch": ([lin(0.1, 20, 60), lin(-3, 10, 60)], [0, 1]),
        "multigammaln": ([lin(1.01, 200, 80)], [0]),
        "zeta": ([zs, zq], [1]),
        "polygamma": ([pn.astype(np.int64), px], [1]),
        "erfcx": ([ex], [0]),
        "log_ndtr": ([lx], [0]),
        "i0": ([lin(-700, 700, 141)], [0]),
        "i1": ([lin(-700, 700, 141)], [0]),
        "entr": ([lin(0.01, 20, 60)], [0]),
        "rel_entr": ([ep[1:] + 0.01, eq[1:] + 0.01], [0, 1]),
        "kl_div": ([ep[1:] + 0.01, eq[1:] + 0.01], [0, 1]),
        "boxcox": ([bx, bl], [0, 1]),
        "boxcox1p": ([bx - 0.04, bl], [0, 1]),
    }


def _scipy_value(name: str, args: list[np.ndarray]) -> np.ndarray:
    import scipy.special as ss

    if name == "factorial":
        return ss.gamma(args[0] + 1)
    if name == "multigammaln":
        return np.array([ss.multigammaln(a, 3) for a in args[0]])
    return np.asarray(getattr(ss, name)(*args), dtype=np.float64)


def _jax_fn(name: str):
    import jax.scipy.special as js

    if name == "multigammaln":
        return lambda a: js.multigammaln(a, 3)
    return getattr(js, name)


def main() -> None:
    import jax

    jax.config.update("jax_enable_x64", True)
    arrays: dict[str, np.ndarray] = {}
    for name, (args, diff) in _grid().items():
        fn = _jax_fn(name)
        for k, a in enumerate(args):
            arrays[f"{name}/arg{k}"] = a
        arrays[f"{name}/scipy"] = _scipy_value(name, args)
        arrays[f"{name}/jax"] = np.asarray(fn(*args))
        for k in diff:
            g = jax.vmap(jax.grad(fn, argnums=k))(*args)
            arrays[f"{name}/grad{k}"] = np.asarray(g)
    np.savez_compressed(OUT, **arrays)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(arrays)} arrays)")


if __name__ == "__main__":
    main()
