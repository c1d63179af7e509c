"""The cases ``tests/test_random.py`` checks: each draws with one PRNG namespace (``R`` is
``jax.random`` or ``axcomp.random``, ``T`` the top-level ``jax`` or ``axcomp`` for
``jit``/``vmap``) from a key made of ``SEED``. ``python tests/random_record.py`` runs them
under JAX and stores the outputs in ``tests/random_jax.npz``, so the tests need no JAX.

``EXACT`` cases must agree bit for bit (JAX's arithmetic there is exact); ``CLOSE`` cases
go through transcendental functions and must agree within a few ulp. Names ending in
``_f64`` are recorded with ``jax_enable_x64`` on (float64 needs it in JAX).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

SEED = 1701
Case = Callable[[Any, Any, Any], Any]  # (R, T, raw key) -> array


def _typed(R: Any, k: Any) -> Any:
    return R.wrap_key_data(k)


EXACT: dict[str, Case] = {
    "prngkey_0": lambda R, T, k: R.PRNGKey(0),
    "prngkey_42": lambda R, T, k: R.PRNGKey(42),
    "prngkey_neg1": lambda R, T, k: R.PRNGKey(-1),
    "prngkey_2pow31": lambda R, T, k: R.PRNGKey(2**31),
    "prngkey_2pow40_plus7": lambda R, T, k: R.PRNGKey(2**40 + 7),
    "prngkey_np_uint32": lambda R, T, k: R.PRNGKey(np.uint32(4_000_000_000)),
    "key_data_of_key": lambda R, T, k: R.key_data(R.key(7)),
    "split_default": lambda R, T, k: R.split(k),
    "split_5": lambda R, T, k: R.split(k, 5),
    "split_shape_2x3": lambda R, T, k: R.split(k, (2, 3)),
    "split_typed": lambda R, T, k: R.key_data(R.split(_typed(R, k), 3)),
    "split_twice": lambda R, T, k: R.split(R.split(k)[1], 4),
    "fold_in_0": lambda R, T, k: R.fold_in(k, 0),
    "fold_in_big": lambda R, T, k: R.fold_in(k, 4_000_000_000),
    "fold_in_typed": lambda R, T, k: R.key_data(R.fold_in(_typed(R, k), 12345)),
    "bits_u32": lambda R, T, k: R.bits(k, (5, 7)),
    "bits_scalar": lambda R, T, k: R.bits(k),
    "bits_u8": lambda R, T, k: R.bits(k, (9,), np.uint8),
    "bits_u16": lambda R, T, k: R.bits(k, (3, 3), np.uint16),
    "bits_typed": lambda R, T, k: R.bits(_typed(R, k), (6,)),
    "uniform_f32": lambda R, T, k: R.uniform(k, (256,)),
    "uniform_scalar": lambda R, T, k: R.uniform(k),
    "uniform_range": lambda R, T, k: R.uniform(k, (4, 5), minval=-3.0, maxval=2.5),
    "uniform_array_bounds": lambda R, T, k: R.uniform(
        k, (2, 3), minval=np.float32([0, 1, 2]), maxval=np.float32([1, 10, 100])
    ),
    "uniform_f16": lambda R, T, k: R.uniform(k, (16,), np.float16),
    "uniform_f64": lambda R, T, k: R.uniform(k, (128,), np.float64),
    "randint_small": lambda R, T, k: R.randint(k, (64,), 0, 10),
    "randint_neg": lambda R, T, k: R.randint(k, (4, 8), -50, 50),
    "randint_full_range": lambda R, T, k: R.randint(k, (32,), -(2**31), 2**31 - 1),
    "randint_array_bounds": lambda R, T, k: R.randint(
        k, (3, 4), np.int32([[0], [10], [100]]), np.int32([[5], [20], [1000]])
    ),
    "randint_empty_range": lambda R, T, k: R.randint(k, (6,), 5, 5),
    "randint_int8": lambda R, T, k: R.randint(k, (20,), -100, 300, np.int8),
    "randint_uint8": lambda R, T, k: R.randint(k, (20,), 0, 256, np.uint8),
    "randint_int64_f64": lambda R, T, k: R.randint(k, (20,), -(2**40), 2**40, np.int64),
    "bernoulli_default": lambda R, T, k: R.bernoulli(k, shape=(64,)),
    "bernoulli_p": lambda R, T, k: R.bernoulli(k, 0.3, (8, 8)),
    "bernoulli_p_array": lambda R, T, k: R.bernoulli(k, np.float32([0.1, 0.5, 0.9])),
    "bernoulli_high": lambda R, T, k: R.bernoulli(k, 0.25, (32,), mode="high"),
    "rademacher": lambda R, T, k: R.rademacher(k, (40,)),
    "rademacher_f32": lambda R, T, k: R.rademacher(k, (10,), np.float32),
    "permutation_int": lambda R, T, k: R.permutation(k, 20),
    "permutation_one": lambda R, T, k: R.permutation(k, 1),
    "permutation_array": lambda R, T, k: R.permutation(k, np.arange(12.0, dtype=np.float32)),
    "permutation_axis1": lambda R, T, k: R.permutation(
        k, np.arange(24, dtype=np.int32).reshape(4, 6), axis=1
    ),
    "permutation_independent": lambda R, T, k: R.permutation(
        k, np.arange(24, dtype=np.int32).reshape(4, 6), axis=1, independent=True
    ),
    "choice_replace": lambda R, T, k: R.choice(k, 10, (15,)),
    "choice_no_replace": lambda R, T, k: R.choice(k, 10, (6,), replace=False),
    "choice_array_axis": lambda R, T, k: R.choice(
        k, np.arange(30, dtype=np.int32).reshape(3, 10), (2, 2), axis=1
    ),
    "choice_p": lambda R, T, k: R.choice(k, 5, (20,), p=np.float32([0.1, 0.2, 0.3, 0.15, 0.25])),
    "choice_p_no_replace": lambda R, T, k: R.choice(
        k, 5, (3,), replace=False, p=np.float32([0.1, 0.2, 0.3, 0.15, 0.25])
    ),
    "categorical": lambda R, T, k: R.categorical(k, np.log(np.float32([0.1, 0.6, 0.3]))),
    "categorical_batch": lambda R, T, k: R.categorical(
        k, np.float32([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]), shape=(5, 2)
    ),
    "categorical_axis0": lambda R, T, k: R.categorical(
        k, np.float32([[0.0, 1.0], [2.0, 1.0], [0.5, 0.5]]), axis=0
    ),
    "categorical_no_replace": lambda R, T, k: R.categorical(
        k, np.float32([0.0, 1.0, 2.0, 3.0]), shape=(3,), replace=False
    ),
    "poisson_small": lambda R, T, k: R.poisson(k, 3.0, (64,)),
    "poisson_large": lambda R, T, k: R.poisson(k, 50.0, (64,)),
    "poisson_mixed": lambda R, T, k: R.poisson(k, np.float32([0.0, 0.5, 9.9, 10.0, 1e3])),
    "vmap_poisson": lambda R, T, k: T.vmap(lambda kk: R.poisson(kk, 4.0, (3,)))(R.split(k, 3)),
    "bits_u64_f64": lambda R, T, k: R.bits(k, (5,), np.uint64),
    "split_zero": lambda R, T, k: R.split(k, 0),
    "uniform_empty": lambda R, T, k: R.uniform(k, (0, 3)),
    "binomial_small": lambda R, T, k: R.binomial(k, 10.0, 0.3, (64,)),
    "binomial_large": lambda R, T, k: R.binomial(k, 200.0, 0.4, (64,)),
    "binomial_high_p": lambda R, T, k: R.binomial(k, 100.0, 0.9, (32,)),
    "binomial_mixed": lambda R, T, k: R.binomial(
        k, np.float32([5, 50, 1000, -1, np.inf]), np.float32([0.5, 0.2, 0.7, 0.5, 0.5])
    ),
    "multinomial": lambda R, T, k: R.multinomial(
        k, 20.0, np.float32([0.2, 0.5, 0.3]), shape=(4, 3)
    ),
    "vmap_binomial": lambda R, T, k: T.vmap(lambda kk: R.binomial(kk, 30.0, 0.5, (3,)))(
        R.split(k, 3)
    ),
    "categorical_highest": lambda R, T, k: R.categorical(
        k, np.float32([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]), mode="highest"
    ),
    "geometric": lambda R, T, k: R.geometric(k, 0.3, (32,)),
    "init_zeros": lambda R, T, k: T.nn.initializers.zeros(k, (2, 3)),
    "init_ones_f64": lambda R, T, k: T.nn.initializers.ones(k, (2, 3), np.float64),
    "init_constant": lambda R, T, k: T.nn.initializers.constant(-0.5)(k, (4,)),
    "vmap_bits": lambda R, T, k: T.vmap(lambda kk: R.bits(kk, (3,)))(R.split(k, 4)),
    "vmap_uniform_typed": lambda R, T, k: T.vmap(lambda kk: R.uniform(kk, (3,)))(
        R.split(_typed(R, k), 4)
    ),
    "vmap_split": lambda R, T, k: T.vmap(lambda kk: R.split(kk, 3))(R.split(k, 2)),
    "vmap_fold_in": lambda R, T, k: T.vmap(lambda kk: R.fold_in(kk, 9))(R.split(k, 3)),
    "vmap_fold_in_data": lambda R, T, k: T.vmap(lambda n: R.fold_in(k, n))(
        np.arange(4, dtype=np.int32)
    ),
    "vmap_poisson_rates": lambda R, T, k: T.vmap(lambda kk, lam: R.poisson(kk, lam, (2,)))(
        R.split(k, 3), np.float32([1.0, 8.0, 40.0])
    ),
    "vmap_randint": lambda R, T, k: T.vmap(lambda kk: R.randint(kk, (5,), 0, 100))(R.split(k, 3)),
    "vmap_permutation": lambda R, T, k: T.vmap(lambda kk: R.permutation(kk, 6))(R.split(k, 3)),
}

CLOSE: dict[str, Case] = {
    "normal_f32": lambda R, T, k: R.normal(k, (256,)),
    "normal_matrix": lambda R, T, k: R.normal(k, (4, 6)),
    "normal_scalar": lambda R, T, k: R.normal(k),
    "normal_f64": lambda R, T, k: R.normal(k, (128,), np.float64),
    "normal_complex64": lambda R, T, k: R.normal(k, (8,), np.complex64),
    "normal_typed": lambda R, T, k: R.normal(_typed(R, k), (10,)),
    "truncated_normal": lambda R, T, k: R.truncated_normal(k, -1.5, 2.0, (64,)),
    "truncated_normal_f64": lambda R, T, k: R.truncated_normal(k, -1.0, 0.5, (32,), np.float64),
    "cauchy": lambda R, T, k: R.cauchy(k, (64,)),
    "exponential": lambda R, T, k: R.exponential(k, (64,)),
    "exponential_f64": lambda R, T, k: R.exponential(k, (64,), np.float64),
    "gumbel": lambda R, T, k: R.gumbel(k, (64,)),
    "gumbel_high": lambda R, T, k: R.gumbel(k, (64,), mode="high"),
    "gumbel_highest": lambda R, T, k: R.gumbel(k, (64,), mode="highest"),
    "gumbel_highest_f64": lambda R, T, k: R.gumbel(k, (16,), np.float64, mode="highest"),
    "laplace": lambda R, T, k: R.laplace(k, (64,)),
    "logistic": lambda R, T, k: R.logistic(k, (64,)),
    "pareto": lambda R, T, k: R.pareto(k, 3.0, (64,)),
    "maxwell": lambda R, T, k: R.maxwell(k, (32,)),
    "double_sided_maxwell": lambda R, T, k: R.double_sided_maxwell(k, 1.0, 2.0, (32,)),
    "weibull_min": lambda R, T, k: R.weibull_min(k, 2.0, 1.5, (32,)),
    "rayleigh": lambda R, T, k: R.rayleigh(k, 2.0, (32,)),
    "wald": lambda R, T, k: R.wald(k, 1.5, (32,)),
    "triangular": lambda R, T, k: R.triangular(k, -1.0, 0.5, 2.0, (32,)),
    "lognormal": lambda R, T, k: R.lognormal(k, 0.5, (32,)),
    "multivariate_normal": lambda R, T, k: R.multivariate_normal(
        k, np.float32([1.0, -1.0]), np.float32([[2.0, 0.5], [0.5, 1.0]]), (5,)
    ),
    "multivariate_normal_svd_f64": lambda R, T, k: R.multivariate_normal(
        k, np.zeros(3), np.diag([1.0, 2.0, 3.0]), (4,), method="svd"
    ),
    "orthogonal": lambda R, T, k: R.orthogonal(k, 4),
    "orthogonal_wide": lambda R, T, k: R.orthogonal(k, 2, (2,), m=3),
    "gamma_large_a": lambda R, T, k: R.gamma(k, 3.5, (64,)),
    "gamma_small_a": lambda R, T, k: R.gamma(k, 0.3, (64,)),
    "gamma_array_a": lambda R, T, k: R.gamma(k, np.float32([0.5, 1.0, 2.0, 10.0])),
    "gamma_f64": lambda R, T, k: R.gamma(k, 2.5, (32,), np.float64),
    "loggamma": lambda R, T, k: R.loggamma(k, 0.2, (32,)),
    "beta": lambda R, T, k: R.beta(k, 2.0, 5.0, (32,)),
    "dirichlet": lambda R, T, k: R.dirichlet(k, np.float32([1.0, 2.0, 3.0]), (4,)),
    "t": lambda R, T, k: R.t(k, 4.0, (32,)),
    "chisquare": lambda R, T, k: R.chisquare(k, 3.0, (32,)),
    "f": lambda R, T, k: R.f(k, 3.0, 7.0, (32,)),
    "generalized_normal": lambda R, T, k: R.generalized_normal(k, 1.5, (32,)),
    "ball": lambda R, T, k: R.ball(k, 3, 2, (8,)),
    "vmap_gamma": lambda R, T, k: T.vmap(lambda kk: R.gamma(kk, 0.7, (3,)))(R.split(k, 4)),
    "init_glorot_normal": lambda R, T, k: T.nn.initializers.glorot_normal()(k, (4, 5)),
    "init_glorot_uniform": lambda R, T, k: T.nn.initializers.glorot_uniform()(k, (4, 5)),
    "init_lecun_normal_conv": lambda R, T, k: T.nn.initializers.lecun_normal()(k, (3, 3, 4, 5)),
    "init_he_uniform": lambda R, T, k: T.nn.initializers.he_uniform()(k, (6, 3)),
    "init_he_normal_f64": lambda R, T, k: T.nn.initializers.he_normal(dtype=np.float64)(k, (6, 3)),
    "init_kaiming_normal_axes": lambda R, T, k: T.nn.initializers.kaiming_normal(
        in_axis=0, out_axis=(1, 2)
    )(k, (4, 2, 3)),
    "init_variance_scaling_geo_normal": lambda R, T, k: T.nn.initializers.variance_scaling(
        0.5, "fan_geo_avg", "normal"
    )(k, (5, 7)),
    "init_variance_scaling_complex": lambda R, T, k: T.nn.initializers.variance_scaling(
        1.0, "fan_in", "uniform", dtype=np.complex64
    )(k, (3, 4)),
    "init_uniform": lambda R, T, k: T.nn.initializers.uniform(0.1)(k, (10,)),
    "init_normal": lambda R, T, k: T.nn.initializers.normal(0.3)(k, (10,)),
    "init_truncated_normal": lambda R, T, k: T.nn.initializers.truncated_normal(0.2)(k, (10,)),
    "init_orthogonal": lambda R, T, k: T.nn.initializers.orthogonal()(k, (6, 4)),
    "init_orthogonal_column_axis0": lambda R, T, k: T.nn.initializers.orthogonal(
        2.0, column_axis=0
    )(k, (3, 5)),
    "init_delta_orthogonal": lambda R, T, k: T.nn.initializers.delta_orthogonal()(k, (3, 3, 2, 4)),
    "vmap_gamma_shapes": lambda R, T, k: T.vmap(lambda kk, a: R.gamma(kk, a, (2,)))(
        R.split(k, 3), np.float32([0.5, 2.0, 7.0])
    ),
    "grad_gamma": lambda R, T, k: T.grad(lambda a: R.gamma(k, a, (3,)).sum())(np.float32(2.0)),
    "grad_gamma_small_a": lambda R, T, k: T.grad(lambda a: R.gamma(k, a, (4,)).sum())(
        np.float32(0.3)
    ),
    "grad_loggamma": lambda R, T, k: T.grad(lambda a: R.loggamma(k, a, (3,)).sum())(
        np.float32(0.5)
    ),
    "grad_beta": lambda R, T, k: T.grad(lambda a: R.beta(k, a, 2.0, (3,)).sum())(np.float32(2.0)),
    "grad_dirichlet": lambda R, T, k: T.grad(lambda a: R.dirichlet(k, a, (2,))[:, 0].sum())(
        np.float32([1.0, 2.0, 3.0])
    ),
    "grad_normal_scale": lambda R, T, k: T.grad(lambda s: (R.normal(k, (4,)) * s).sum())(
        np.float32(2.0)
    ),
    "vmap_normal": lambda R, T, k: T.vmap(lambda kk: R.normal(kk, (3,)))(R.split(k, 4)),
    "vmap_exponential_typed": lambda R, T, k: T.vmap(lambda kk: R.exponential(kk, (2,)))(
        R.split(_typed(R, k), 3)
    ),
}


def is_x64(name: str) -> bool:
    return name.endswith("_f64")


def as_array(x: Any) -> np.ndarray:
    """A case's output as a NumPy array (typed keys as their data)."""
    return np.asarray(x)
