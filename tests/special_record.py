"""Record reference values for tests/test_scipy_special_more.py (run once, with JAX and
SciPy installed: ``python tests/special_record.py [case ...]``; naming cases re-records only
those). Writes ``special_reference.npz``: for
each case ``name`` the argument grids ``name/arg0``, ...; SciPy's values ``name/scipy``;
JAX's values (x64) ``name/jax``; and JAX's elementwise derivatives ``name/grad0``, ...
for the arguments JAX differentiates. CI reads the file and needs neither library."""

from __future__ import annotations

from pathlib import Path

import numpy as np

OUT = Path(__file__).parent / "special_reference.npz"
BESSEL_ORDER = 6
# JAX's values are not recorded for these (SciPy's are): its expn/exp1/expi loop forever at
# x <= 0 and its vmapped series loops take minutes here; their derivatives are checked
# against closed forms and finite differences instead
SCIPY_ONLY = {"exp1", "expi", "expn", "hyp1f1", "hyp2f1"}


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
        **_integral_grid(),
    }


def _integral_grid() -> dict[str, tuple[list[np.ndarray], list[int]]]:
    """The exponential, trigonometric, Faddeeva, dilogarithm and Owen's T cases."""
    lin = np.linspace
    logs = lambda lo, hi, k: np.exp(lin(np.log(lo), np.log(hi), k))  # noqa: E731
    pos = logs(1e-6, 700, 70)
    both = np.concatenate([-pos[::-1], [0.0], pos])
    en, ex = (g.ravel() for g in np.meshgrid(np.arange(0, 13), np.append(logs(1e-4, 600, 14), 0)))
    osc = np.concatenate([-logs(1e-5, 200, 40)[::-1], [0.0], logs(1e-5, 200, 80)])
    zr, zi = np.meshgrid(
        np.concatenate([-logs(1e-3, 1e3, 12), [0.0], logs(1e-3, 1e3, 12)]),
        np.concatenate([-logs(1e-3, 20, 6), [0.0], logs(1e-3, 1e3, 12)]),
    )
    oh, oa = (
        g.ravel()
        for g in np.meshgrid(
            np.concatenate([-logs(1e-3, 30, 5), [0.0], logs(1e-3, 30, 12)]),
            np.concatenate([-logs(1e-3, 1e3, 5), [0.0], logs(1e-3, 1e3, 12)]),
        )
    )
    return {
        # JAX's exp1/expn derivatives run loops that never end on some of these points
        "exp1": ([np.concatenate([[-1.0, 0.0], pos])], []),
        "expi": ([np.concatenate([-pos[::-1], pos])], [0]),
        "expn": ([en, ex], []),
        "spence": ([np.concatenate([[0.0], logs(1e-8, 1e8, 90), [0.5, 1.0, 2.0]])], [0]),
        "dawsn": ([both], [0]),
        "sici_si": ([osc], [0]),
        "sici_ci": ([osc], [0]),
        "fresnel_s": ([osc], [0]),
        "fresnel_c": ([osc], [0]),
        "wofz": ([(zr + 1j * zi).ravel()], []),
        "owens_t": ([oh, oa], [0, 1]),
        "bessel_jn": (
            [np.concatenate([-logs(1e-4, 300, 30)[::-1], [0.0], logs(1e-4, 300, 90)])],
            [],
        ),
        "sph_harm_y": _harmonics_grid(),
        "hyp1f1": _kummer_grid(),
        "hyp2f1": _gauss_grid(),
    }


def _kummer_grid() -> tuple[list[np.ndarray], list[int]]:
    """a, b > 0 and real x, leaving out a > b with x < 0 (a small difference of large
    terms, where neither JAX's series nor ours keeps its digits)."""
    g = np.array([0.1, 0.7, 2.5, 8.0, 20.0])
    x = np.exp(np.linspace(np.log(1e-3), np.log(300), 14))
    a, b, x = (v.ravel() for v in np.meshgrid(g, g, np.concatenate([-x, [0.0], x])))
    keep = (b >= a) | (x >= 0)
    return [a[keep], b[keep], x[keep]], []


def _gauss_grid() -> tuple[list[np.ndarray], list[int]]:
    """x <= 1, leaving out where the transformed argument passes 0.9 with c - a - b (after
    Pfaff's step) within 1e-6 of an integer (the logarithmic cases, not implemented)."""
    g = np.array([-2.5, 0.3, 1.0, 2.2, 7.5])
    c = np.array([0.4, 1.7, 3.3, 9.1])
    x = np.concatenate([-np.exp(np.linspace(np.log(50), np.log(1e-3), 10)), [0.0, 0.2, 0.5]])
    x = np.concatenate([x, [0.8, 0.9, 0.95, 0.99, 0.999, 1.0]])
    a, b, c, x = (v.ravel() for v in np.meshgrid(g, g, c, x))
    w = np.where(x < 0, x / (x - 1), x)
    m = np.where(x < 0, b - a, c - a - b)
    keep = (w <= 0.9) | (np.abs(m - np.rint(m)) > 1e-6) | (x == 1)
    return [a[keep], b[keep], c[keep], x[keep]], []


def _harmonics_grid() -> tuple[list[np.ndarray], list[int]]:
    rng = np.random.default_rng(11)
    n = rng.integers(0, 9, 120)
    m = np.array([rng.integers(-k, k + 1) for k in n])
    theta = np.concatenate([rng.uniform(0, np.pi, 118), [0.0, np.pi]])
    return [n, m, theta, rng.uniform(0, 2 * np.pi, 120)], []


_PARTS = {"sici_si": ("sici", 0), "sici_ci": ("sici", 1), "fresnel_s": ("fresnel", 0)}
_PARTS["fresnel_c"] = ("fresnel", 1)


def _scipy_value(name: str, args: list[np.ndarray]) -> np.ndarray:
    import scipy.special as ss

    if name == "factorial":
        return ss.gamma(args[0] + 1)
    if name == "multigammaln":
        return np.array([ss.multigammaln(a, 3) for a in args[0]])
    if name in _PARTS:
        fn, part = _PARTS[name]
        return np.asarray(getattr(ss, fn)(*args)[part], dtype=np.float64)
    if name == "wofz":
        return np.asarray(ss.wofz(*args))
    if name == "bessel_jn":  # orders on the last axis (one row per argument)
        return np.stack([ss.jv(k, args[0]) for k in range(BESSEL_ORDER + 1)], axis=1)
    if name == "sph_harm_y":
        return np.asarray(ss.sph_harm_y(*args))
    return np.asarray(getattr(ss, name)(*args), dtype=np.float64)


def _jax_fn(name: str):
    import jax.scipy.special as js

    if name == "multigammaln":
        return lambda a: js.multigammaln(a, 3)
    if name in _PARTS:
        fn, part = _PARTS[name]
        return lambda x: getattr(js, fn)(x)[part]
    if name == "bessel_jn":
        return lambda z: js.bessel_jn(z, v=BESSEL_ORDER).T
    if name == "sph_harm_y":
        return lambda n, m, t, p: js.sph_harm_y(n, m, t, p, n_max=8)
    return getattr(js, name)


def main(only: list[str]) -> None:
    """Record every case, or (names given) only those, keeping the file's other cases."""
    import jax

    jax.config.update("jax_enable_x64", True)
    arrays: dict[str, np.ndarray] = {}
    if only and OUT.exists():
        arrays = {k: v for k, v in np.load(OUT).items() if k.split("/")[0] not in only}
    for name, (args, diff) in _grid().items():
        if only and name not in only:
            continue
        fn = _jax_fn(name)
        print(name, flush=True)
        for k, a in enumerate(args):
            arrays[f"{name}/arg{k}"] = a
        arrays[f"{name}/scipy"] = _scipy_value(name, args)
        if name in SCIPY_ONLY:
            _save(arrays)
            continue
        arrays[f"{name}/jax"] = np.asarray(fn(*args))
        for k in diff:
            g = jax.vmap(jax.grad(fn, argnums=k))(*args)
            arrays[f"{name}/grad{k}"] = np.asarray(g)
        if name == "sph_harm_y":  # d Re(Y) / d theta, one point at a time

            def re(n, m, t, p, f=fn):
                return f(n[None], m[None], t[None], p[None])[0].real

            arrays[f"{name}/dtheta_re"] = np.asarray(jax.vmap(jax.grad(re, argnums=2))(*args))
        if name == "wofz":  # holomorphic: the complex derivative
            g = jax.vmap(jax.grad(fn, holomorphic=True))(*args)
            arrays[f"{name}/grad0"] = np.asarray(g)
        _save(arrays)  # after each case: a long run keeps what it has done
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(arrays)} arrays)")


def _save(arrays: dict[str, np.ndarray]) -> None:
    np.savez_compressed(OUT, **arrays)


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
