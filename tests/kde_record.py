"""Record reference values for tests/test_gaussian_kde.py (run once, with JAX and SciPy
installed: ``python tests/kde_record.py``). Writes ``kde_reference.npz``: the data, JAX's
(x64) attributes and method values of ``jax.scipy.stats.gaussian_kde`` for each bandwidth
rule, gradients of ``logpdf``, ``resample`` draws from ``jax.random.key(3)``, and SciPy's
``gaussian_kde`` values of the same estimates. CI reads the file and needs neither."""

from __future__ import annotations

from pathlib import Path

import numpy as np

OUT = Path(__file__).parent / "kde_reference.npz"


def main() -> None:
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import scipy.stats as ss
    from jax.scipy.stats import gaussian_kde

    rng = np.random.default_rng(7)
    data2 = rng.normal(size=(2, 9)) * np.array([[1.0], [0.5]])
    data2[1] += 0.4 * data2[0]
    weights = rng.uniform(0.2, 1.0, size=9)
    points2 = rng.normal(size=(2, 6))
    data1 = rng.normal(size=11)
    points1 = np.linspace(-3, 3, 7)
    out: dict[str, np.ndarray] = {
        "data2": data2,
        "weights": weights,
        "points2": points2,
        "data1": data1,
        "points1": points1,
    }
    rules: dict[str, object] = {"scott": "scott", "silverman": "silverman", "scalar": 0.6}
    rules["callable"] = lambda kde: 0.5 * kde.neff ** (-1.0 / (kde.d + 4))
    for rule, bw in rules.items():
        for w_name, w in (("plain", None), ("weighted", weights)):
            kde = gaussian_kde(data2, bw_method=bw, weights=w)
            sk = ss.gaussian_kde(data2, bw_method=bw, weights=w)
            key = f"{rule}/{w_name}"
            out[f"{key}/neff"] = np.asarray(kde.neff)
            out[f"{key}/covariance"] = np.asarray(kde.covariance)
            out[f"{key}/inv_cov"] = np.asarray(kde.inv_cov)
            out[f"{key}/evaluate"] = np.asarray(kde.evaluate(points2))
            out[f"{key}/logpdf"] = np.asarray(kde.logpdf(points2))
            out[f"{key}/scipy_evaluate"] = sk.evaluate(points2)
            out[f"{key}/scipy_logpdf"] = sk.logpdf(points2)
    kde = gaussian_kde(data2, weights=weights)
    mean, cov = np.array([0.3, -0.2]), np.array([[0.7, 0.1], [0.1, 0.4]])
    out["integrate_gaussian"] = np.asarray(kde.integrate_gaussian(mean, cov))
    other = gaussian_kde(points2)
    out["integrate_kde"] = np.asarray(kde.integrate_kde(other))
    sk = ss.gaussian_kde(data2, weights=weights)
    out["scipy_integrate_gaussian"] = np.asarray(sk.integrate_gaussian(mean, cov))
    out["scipy_integrate_kde"] = np.asarray(sk.integrate_kde(ss.gaussian_kde(points2)))
    kde1 = gaussian_kde(data1)
    out["one_d/evaluate"] = np.asarray(kde1(points1))
    out["one_d/integrate_box_1d"] = np.asarray(kde1.integrate_box_1d(-0.5, 1.2))
    out["one_d/scipy_integrate_box_1d"] = np.asarray(
        ss.gaussian_kde(data1).integrate_box_1d(-0.5, 1.2)
    )
    # gradients of the summed logpdf with respect to the points and to the data
    grad_points = jax.grad(lambda p: jnp.sum(gaussian_kde(data2, weights=weights).logpdf(p)))
    grad_data = jax.grad(lambda d: jnp.sum(gaussian_kde(d, weights=weights).logpdf(points2)))
    out["grad_points"] = np.asarray(grad_points(points2))
    out["grad_data"] = np.asarray(grad_data(data2))
    key = jax.random.key(3)
    out["resample"] = np.asarray(kde.resample(key, (5,)))
    out["resample_plain"] = np.asarray(gaussian_kde(data2).resample(key, (4,)))
    out["resample_scalar_shape"] = np.asarray(gaussian_kde(data1).resample(key))
    np.savez(OUT, **out)


if __name__ == "__main__":
    main()
