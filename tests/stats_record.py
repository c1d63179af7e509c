"""Record reference values for tests/test_scipy_stats.py (run once, with JAX and SciPy
installed: ``python tests/stats_record.py``). Writes ``stats_reference.npz``: for each case
``dist.fn`` the index of its argument grid ``dist.fn/grid`` (grids ``grid<i>/arg<k>``);
SciPy's values ``dist.fn/scipy`` (where SciPy has the same function); JAX's (x64)
``dist.fn/jax``; and JAX's elementwise derivatives ``dist.fn/grad0``, ... CI reads the
file and needs neither library."""

from __future__ import annotations

from pathlib import Path

import numpy as np

OUT = Path(__file__).parent / "stats_reference.npz"

LIN = np.linspace


def _mesh(*axes: np.ndarray) -> list[np.ndarray]:
    return [g.ravel() for g in np.meshgrid(*axes, indexing="ij")]


def _cases() -> dict[str, tuple[list[np.ndarray], list[int]]]:
    """'dist.fn' -> (arguments, the arguments whose derivative JAX records)."""
    x = LIN(-40, 40, 21)
    xs, ls, ss = _mesh(x, [-1.0, 0.5], [0.5, 3.0])
    q = np.concatenate([[0.0, 1e-300, 1e-20, 1e-8], LIN(0.01, 0.99, 9), [1 - 1e-10, 1.0]])
    qs, qls, qss = _mesh(q, [-1.0], [0.5, 3.0])
    pos = np.concatenate([[-1.0, 0.0], np.exp(LIN(-6, 5, 12))])
    px, pa = _mesh(pos, [0.3, 1.0, 4.5, 40.0])
    ux, ua, ub = _mesh(
        np.concatenate([[-0.5, 0.0], LIN(0.01, 0.99, 12), [1.0, 1.5]]), [0.5, 2.0], [0.7, 6.0]
    )
    kk = np.arange(-2.0, 26.0)
    pk, pm = _mesh(np.concatenate([kk, [2.5]]), [0.5, 7.0, 30.0])
    bk, bn, bp = _mesh(LIN(-1, 21, 23), [0.0, 5.0, 20.0], [0.0, 0.2, 0.9, 1.0])
    out: dict[str, tuple[list[np.ndarray], list[int]]] = {}
    loc_scale = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]
    for dist in (
        "norm",
        "logistic",
        "cauchy",
        "gumbel_r",
        "gumbel_l",
        "laplace",
        "expon",
        "uniform",
    ):
        for fn in loc_scale:
            out[f"{dist}.{fn}"] = ([xs, ls, ss], [0, 2])
        for fn in ("ppf", "isf"):
            out[f"{dist}.{fn}"] = ([qs, qls, qss], [0])
    for dist in ("gamma", "chi2"):
        for fn in loc_scale:
            out[f"{dist}.{fn}"] = ([px, pa], [0, 1] if fn in ("logpdf", "pdf") else [0])
    for fn in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"):
        out[f"beta.{fn}"] = ([ux, ua, ub], [0, 1, 2] if fn in ("logpdf", "pdf") else [0])
        out[f"pareto.{fn}"] = ([px + 1.0, pa], [0, 1])
    out["pareto.ppf"] = ([q, np.full(q.shape, 2.5)], [0, 1])
    tx, tdf = _mesh(x, [0.7, 3.0, 50.0])
    for fn in ("logpdf", "pdf"):
        out[f"t.{fn}"] = ([tx, tdf], [0, 1])
        gx, gb = _mesh(LIN(-5, 5, 21), [0.5, 1.0, 2.0, 8.0])
        out[f"gennorm.{fn}"] = ([gx, gb], [0, 1])
        vx, vk = _mesh(LIN(-4, 4, 17), [0.1, 1.0, 50.0, 800.0])
        out[f"vonmises.{fn}"] = ([vx, vk], [0, 1])
        wx, wc = _mesh(LIN(-0.5, 7, 16), [0.1, 0.5, 0.95])
        out[f"wrapcauchy.{fn}"] = ([wx, wc], [0, 1])
        out[f"poisson.{fn.replace('pdf', 'pmf')}"] = ([pk, pm], [1])
        out[f"binom.{fn.replace('pdf', 'pmf')}"] = ([bk, bn, bp], [2])
        gk, gp = _mesh(LIN(-1, 30, 32), [0.05, 0.5, 1.0])
        out[f"geom.{fn.replace('pdf', 'pmf')}"] = ([gk, gp], [1])
        nk, nn, np_ = _mesh(LIN(-1, 30, 32), [0.5, 3.0, 12.0], [0.1, 0.6])
        out[f"nbinom.{fn.replace('pdf', 'pmf')}"] = ([nk, nn, np_], [1, 2])
        ek, en, ea, eb = _mesh(LIN(-1, 21, 23), [0.0, 20.0], [0.4, 3.0], [0.8, 9.0])
        out[f"betabinom.{fn.replace('pdf', 'pmf')}"] = ([ek, en, ea, eb], [2, 3])
        rk, rp = _mesh([-1.0, 0.0, 0.5, 1.0, 2.0], [0.0, 0.3, 1.0])
        out[f"bernoulli.{fn.replace('pdf', 'pmf')}"] = ([rk, rp], [1])
    gx, gb = _mesh(LIN(-5, 5, 21), [0.5, 1.0, 2.0, 8.0])
    out["gennorm.cdf"] = ([gx, gb], [0])
    out["poisson.cdf"] = ([pk, pm], [])
    rk, rp = _mesh([-1.0, 0.0, 0.5, 1.0, 2.0, np.nan], [-0.1, 0.0, 0.3, 1.0, 1.2])
    out["bernoulli.cdf"] = ([rk, rp], [])
    rq, rp = _mesh([-0.1, 0.0, 0.3, 0.7, 1.0, 1.1], [-0.1, 0.0, 0.3, 1.0, 1.2])
    out["bernoulli.ppf"] = ([rq, rp], [])
    tx, ta, tb = _mesh(LIN(-12, 12, 25), [-10.0, -1.0, 0.5, 8.0], [-0.5, 2.0, 12.0])
    for fn in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"):
        out[f"truncnorm.{fn}"] = ([tx, ta, tb], [0])
    return out


def _scipy(dist: str, fn: str, args: list[np.ndarray]) -> np.ndarray | None:
    import scipy.stats as ss

    if not hasattr(getattr(ss, dist), fn):
        return None
    return np.asarray(getattr(getattr(ss, dist), fn)(*args), dtype=np.float64)


def _multivariate(arrays: dict[str, np.ndarray]) -> None:
    """Cases with vector arguments: recorded as whole calls (no grid flattening)."""
    import jax
    import jax.scipy.stats as js
    import scipy.stats as ss

    rng = np.random.default_rng(3)
    a = rng.normal(size=(4, 4))
    cov = a @ a.T + 0.5 * np.eye(4)
    mean = rng.normal(size=4)
    x = rng.normal(size=(6, 4)) * 2
    arrays["multivariate_normal/x"], arrays["multivariate_normal/mean"] = x, mean
    arrays["multivariate_normal/cov"] = cov
    arrays["multivariate_normal/scipy"] = ss.multivariate_normal.logpdf(x, mean, cov)
    arrays["multivariate_normal/jax"] = np.asarray(js.multivariate_normal.logpdf(x, mean, cov))
    g = jax.grad(lambda x, m, c: js.multivariate_normal.logpdf(x, m, c).sum(), argnums=(0, 1, 2))
    for k, v in enumerate(g(x, mean, cov)):
        arrays[f"multivariate_normal/grad{k}"] = np.asarray(v)
    alpha = np.array([0.7, 2.0, 3.5])
    xd = rng.dirichlet(alpha, size=5).T  # categories first
    arrays["dirichlet/x"], arrays["dirichlet/alpha"] = xd, alpha
    arrays["dirichlet/scipy"] = ss.dirichlet.logpdf(xd, alpha)
    arrays["dirichlet/jax"] = np.asarray(js.dirichlet.logpdf(xd, alpha))
    g = jax.grad(lambda x, al: js.dirichlet.logpdf(x, al).sum(), argnums=(0, 1))
    for k, v in enumerate(g(xd, alpha)):
        arrays[f"dirichlet/grad{k}"] = np.asarray(v)
    counts = np.array([[1, 2, 3], [0, 0, 6], [2, 2, 2], [6, 0, 0]])
    p = np.array([0.2, 0.3, 0.5])
    arrays["multinomial/x"], arrays["multinomial/p"] = counts, p
    arrays["multinomial/scipy"] = ss.multinomial.logpmf(counts, 6, p)
    arrays["multinomial/jax"] = np.stack(
        [np.asarray(js.multinomial.logpmf(c, 6, p)) for c in counts]
    )
    data = rng.normal(size=(7, 3))
    arrays["sem/a"] = data
    arrays["sem/scipy"] = ss.sem(data)
    arrays["sem/jax"] = np.asarray(js.sem(data))


def main() -> None:
    import jax
    import jax.scipy.stats as js

    jax.config.update("jax_enable_x64", True)
    arrays: dict[str, np.ndarray] = {}
    grids: list[list[np.ndarray]] = []
    for case, (args, diff) in _cases().items():
        dist, fn = case.split(".")
        if not hasattr(getattr(js, dist), fn):
            continue  # the grids are shared; JAX lacks e.g. laplace.sf
        f = getattr(getattr(js, dist), fn)
        # a grid shared by several cases is stored once, as grid<i>/arg<k>
        same = [
            i
            for i, g in enumerate(grids)
            if len(g) == len(args)
            and all(
                a.shape == b.shape and np.array_equal(a, b, equal_nan=True) for a, b in zip(g, args)
            )
        ]
        if not same:
            grids.append(args)
            for k, a in enumerate(args):
                arrays[f"grid{len(grids) - 1}/arg{k}"] = a
        arrays[f"{case}/grid"] = np.array(same[0] if same else len(grids) - 1)
        ref = _scipy(dist, fn, args)
        if ref is not None:
            arrays[f"{case}/scipy"] = ref
        arrays[f"{case}/jax"] = np.asarray(f(*args))
        for k in diff:
            try:
                g = jax.vmap(jax.grad(f, argnums=k))(*args)
            except TypeError as err:  # JAX refuses: record the refusal's type
                print(f"{case} grad{k}: {type(err).__name__}: {str(err)[:80]}")
                continue
            arrays[f"{case}/grad{k}"] = np.asarray(g)
    _multivariate(arrays)
    np.savez_compressed(OUT, **arrays)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(arrays)} arrays)")


if __name__ == "__main__":
    main()
