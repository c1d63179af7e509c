"""axcomp.scipy.stats.gaussian_kde against JAX's and SciPy's values recorded by
tests/kde_record.py (kde_reference.npz): attributes and densities for every bandwidth rule,
the integrals, resample's draws (JAX's bits), gradients, and the estimate as a pytree under
jit and vmap (checked against a loop over the batch)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import axcomp as ax
import axcomp.random as ar
from axcomp.errors import AxcompError, UnsupportedError
from axcomp.scipy.stats import gaussian_kde

REF = np.load(Path(__file__).parent / "kde_reference.npz")
DATA, WEIGHTS, POINTS = REF["data2"], REF["weights"], REF["points2"]
RULES = {
    "scott": "scott",
    "silverman": "silverman",
    "scalar": 0.6,
    "callable": lambda kde: 0.5 * kde.neff ** (-1.0 / (kde.d + 4)),
}


@pytest.mark.parametrize("weighted", [False, True], ids=["plain", "weighted"])
@pytest.mark.parametrize("rule", sorted(RULES))
def test_attributes_and_densities_match_jax_and_scipy(rule: str, weighted: bool) -> None:
    key = f"{rule}/{'weighted' if weighted else 'plain'}"
    kde = gaussian_kde(DATA, bw_method=RULES[rule], weights=WEIGHTS if weighted else None)
    assert (kde.d, kde.n) == DATA.shape
    for name in ("neff", "covariance", "inv_cov"):
        np.testing.assert_allclose(getattr(kde, name), REF[f"{key}/{name}"], rtol=1e-12)
    np.testing.assert_allclose(kde.evaluate(POINTS), REF[f"{key}/evaluate"], rtol=1e-12)
    np.testing.assert_allclose(kde(POINTS), REF[f"{key}/scipy_evaluate"], rtol=1e-12)
    np.testing.assert_allclose(kde.pdf(POINTS), REF[f"{key}/evaluate"], rtol=1e-12)
    np.testing.assert_allclose(kde.logpdf(POINTS), REF[f"{key}/logpdf"], rtol=1e-12)
    np.testing.assert_allclose(kde.logpdf(POINTS), REF[f"{key}/scipy_logpdf"], rtol=1e-12)


def test_integrals_match_jax_and_scipy() -> None:
    kde = gaussian_kde(DATA, weights=WEIGHTS)
    mean, cov = np.array([0.3, -0.2]), np.array([[0.7, 0.1], [0.1, 0.4]])
    value = kde.integrate_gaussian(mean, cov)
    np.testing.assert_allclose(value, REF["integrate_gaussian"], rtol=1e-12)
    np.testing.assert_allclose(value, REF["scipy_integrate_gaussian"], rtol=1e-12)
    np.testing.assert_allclose(kde.integrate_kde(gaussian_kde(POINTS)), REF["integrate_kde"])
    np.testing.assert_allclose(
        gaussian_kde(POINTS).integrate_kde(kde), REF["scipy_integrate_kde"], rtol=1e-12
    )
    one = gaussian_kde(REF["data1"])
    np.testing.assert_allclose(one(REF["points1"]), REF["one_d/evaluate"], rtol=1e-12)
    box = one.integrate_box_1d(-0.5, 1.2)
    np.testing.assert_allclose(box, REF["one_d/integrate_box_1d"], rtol=1e-12)
    np.testing.assert_allclose(box, REF["one_d/scipy_integrate_box_1d"], rtol=1e-12)


def test_resample_draws_jax_bits() -> None:
    key = ar.key(3)
    np.testing.assert_allclose(
        gaussian_kde(DATA, weights=WEIGHTS).resample(key, (5,)), REF["resample"], rtol=1e-12
    )
    np.testing.assert_allclose(gaussian_kde(DATA).resample(key, (4,)), REF["resample_plain"])
    one = gaussian_kde(REF["data1"]).resample(key)
    np.testing.assert_allclose(one, REF["resample_scalar_shape"], rtol=1e-12)
    # several sample axes keep the dimension first (JAX's transpose mixes them up)
    many = gaussian_kde(DATA).resample(key, (2, 3))
    assert many.shape == (2, 2, 3)


def test_logpdf_gradients_match_jax() -> None:
    by_points = ax.grad(lambda p: gaussian_kde(DATA, weights=WEIGHTS).logpdf(p).sum())(POINTS)
    np.testing.assert_allclose(by_points, REF["grad_points"], rtol=1e-10, atol=1e-13)
    by_data = ax.grad(lambda d: gaussian_kde(d, weights=WEIGHTS).logpdf(POINTS).sum())(DATA)
    np.testing.assert_allclose(by_data, REF["grad_data"], rtol=1e-10, atol=1e-13)


def test_the_estimate_is_a_pytree_under_jit_and_vmap() -> None:
    kde = gaussian_kde(DATA, weights=WEIGHTS)
    leaves, tree = ax.tree_util.tree_flatten(kde)
    assert len(leaves) == 5
    again = ax.tree_util.tree_unflatten(tree, leaves)
    np.testing.assert_allclose(again.logpdf(POINTS), kde.logpdf(POINTS), rtol=1e-15)
    jitted = ax.jit(lambda k, p: k.logpdf(p))(kde, POINTS)
    np.testing.assert_allclose(jitted, REF["scott/weighted/logpdf"], rtol=1e-12)
    # one estimate per example of a batch of datasets, against a loop
    batch = np.stack([DATA, DATA * 1.5, DATA[::-1]])
    mapped = ax.vmap(lambda d: gaussian_kde(d, weights=WEIGHTS).evaluate(POINTS))(batch)
    for got, d in zip(mapped, batch):
        np.testing.assert_allclose(got, gaussian_kde(d, weights=WEIGHTS).evaluate(POINTS))
    # one estimate, points mapped
    per_point = ax.vmap(lambda p: kde.logpdf(p), in_axes=1)(POINTS)
    np.testing.assert_allclose(per_point[:, 0], REF["scott/weighted/logpdf"], rtol=1e-12)
    # the bandwidth under jit, traced
    scaled = ax.jit(lambda f: gaussian_kde(DATA, bw_method=f).evaluate(POINTS))(0.6)
    np.testing.assert_allclose(scaled, REF["scalar/plain/evaluate"], rtol=1e-12)


def test_evaluation_is_one_gemm_of_the_whitened_points() -> None:
    rng = np.random.default_rng(0)
    data, points = rng.normal(size=(8, 120)), rng.normal(size=(8, 90))
    report = ax.explain(ax.jit(lambda d, p: gaussian_kde(d).evaluate(p)), data, points)
    assert any("one GEMM" in r for r in report.rewrites)
    got = gaussian_kde(data).evaluate(points)
    cov = np.cov(data) * 120 ** (-2.0 / 12)
    diff = points.T[:, None, :] - data.T[None, :, :]
    quad = np.einsum("mnd,de,mne->mn", diff, np.linalg.inv(cov), diff)
    want = np.exp(-0.5 * quad).mean(1) / np.sqrt(np.linalg.det(2 * np.pi * cov))
    np.testing.assert_allclose(got, want, rtol=1e-11)


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="multiple elements"):
        gaussian_kde(np.ones(1))
    with pytest.raises(ValueError, match="length n"):
        gaussian_kde(DATA, weights=np.ones(3))
    with pytest.raises(TypeError, match="bw_method"):
        gaussian_kde(DATA, bw_method="wide")
    with pytest.raises(NotImplementedError, match="complex data"):
        gaussian_kde(DATA + 1j)
    kde = gaussian_kde(DATA)
    with pytest.raises(ValueError, match="points have dimension 3"):
        kde.evaluate(np.ones((3, 2)))
    with pytest.raises(ValueError, match="only handles 1D"):
        kde.integrate_box_1d(0.0, 1.0)
    with pytest.raises(ValueError, match="mean does not have dimension 2"):
        kde.integrate_gaussian(np.ones(3), np.eye(2))
    with pytest.raises(ValueError, match="not the same dimensionality"):
        kde.integrate_kde(gaussian_kde(REF["data1"]))
    with pytest.raises(UnsupportedError, match="integrate_box_1d"):
        kde.integrate_box(np.zeros(2), np.ones(2))
    with pytest.raises(AxcompError):
        kde.set_bandwidth("silverman")
