"""The cases shared by ``tests/linalg_record.py`` (run once under JAX to record reference
values into ``tests/linalg_jax.npz``) and ``tests/test_scipy_linalg.py`` (which checks
axcomp against them).

A case is a function of a namespace bundle ``ns`` (``ns.sl`` = ``jax.scipy.linalg`` or
``axcomp.scipy.linalg``, ``ns.la`` = ``jnp.linalg``, ``ns.lx`` = ``jax.lax.linalg``,
``ns.np`` = ``jax.numpy``, ``ns.sp`` = ``jax.scipy.sparse.linalg``, ``ns.lax`` = ``jax.lax``,
``ns.linear_transpose``) returning the function to check, and its arguments (NumPy,
float64, from a fixed seed). Outputs are chosen gauge-free (no bare eigen- or singular
vectors, whose signs LAPACK picks). ``loss`` is the scalar whose gradient in the first
argument is recorded: a fixed cosine-weighted sum of every output.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(1000 + seed)


def spd(n: int, seed: int) -> np.ndarray:
    a = rng(seed).normal(size=(n, n))
    return a @ a.T + n * np.eye(n)


def lopsided(n: int, seed: int) -> np.ndarray:
    """An SPD lower triangle under an unrelated upper one: the result must read one
    triangle only (and its gradient reaches the whole matrix as JAX's does)."""
    a = spd(n, seed)
    return np.tril(a) + np.triu(rng(seed + 50).normal(size=(n, n)), 1)


def tri(n: int, seed: int, lower: bool) -> np.ndarray:
    a = rng(seed).normal(size=(n, n)) + 3 * np.eye(n)
    return a  # the solver reads one triangle; the other is noise it must ignore


def mat(*shape: int, seed: int) -> np.ndarray:
    return rng(seed).normal(size=shape)


@dataclass(frozen=True)
class Case:
    build: Callable[[Any], Callable[..., Any]]
    args: tuple[np.ndarray, ...]
    grad: bool = True  # False: JAX defines no derivative (or integer output)
    # False: the recorded derivative is JAX's implicit one of an unconverged solve, which
    # finite differences of the function itself need not match
    true_derivative: bool = True


def second(args: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
    """A second example of the same shapes, for the vmap check (the first argument moved)."""
    head = args[0]
    if head.ndim == 2 and head.shape[0] == head.shape[1]:
        noise = 0.3 * rng(99).normal(size=head.shape)
        if np.array_equal(head, head.T):  # a symmetric matrix stays symmetric (for cg)
            noise = noise + noise.T
        moved = head + noise + 0.5 * np.eye(head.shape[0])
    else:
        moved = head + 0.3 * rng(99).normal(size=head.shape)
    return (moved, *args[1:])


def gp_nll(ns: Any) -> Callable[..., Any]:
    """A Gaussian-process negative log marginal likelihood in its log-lengthscale."""

    def f(log_ell: Any, x: Any, y: Any) -> Any:
        d2 = (x[:, None] - x[None, :]) ** 2
        k = ns.np.exp(-0.5 * d2 / ns.np.exp(2 * log_ell)) + 0.1 * ns.np.eye(x.shape[0])
        c, lower = ns.sl.cho_factor(k, lower=True)
        alpha = ns.sl.cho_solve((c, lower), y)
        n = x.shape[0]
        return (
            0.5 * (y * alpha).sum()
            + ns.np.log(ns.np.diagonal(c)).sum()
            + 0.5 * n * np.log(2 * np.pi)
        )

    return f


def general(n: int, seed: int) -> np.ndarray:
    return mat(n, n, seed=seed) + n * np.eye(n)


B = mat(5, 2, seed=7)
BV6 = mat(6, seed=49)
BV = mat(5, seed=8)

CASES: dict[str, Case] = {
    "cholesky_upper": Case(lambda ns: ns.sl.cholesky, (lopsided(5, 1).T,)),
    "cholesky_lower": Case(lambda ns: lambda a: ns.sl.cholesky(a, lower=True), (lopsided(5, 2),)),
    "cho_solve_lower": Case(
        lambda ns: lambda a, b: ns.sl.cho_solve(ns.sl.cho_factor(a, lower=True), b),
        (lopsided(5, 3), B),
    ),
    "cho_solve_upper_vector": Case(
        lambda ns: lambda a, b: ns.sl.cho_solve(ns.sl.cho_factor(a), b), (spd(5, 4), BV)
    ),
    "cho_solve_in_b": Case(
        lambda ns: lambda b, a: ns.sl.cho_solve(ns.sl.cho_factor(a, lower=True), b),
        (B, spd(5, 5)),
    ),
    "solve_triangular_lower": Case(
        lambda ns: lambda a, b: ns.sl.solve_triangular(a, b, lower=True),
        (tri(5, 6, True), B),
    ),
    "solve_triangular_upper_T": Case(
        lambda ns: lambda a, b: ns.sl.solve_triangular(a, b, trans="T"), (tri(5, 7, False), BV)
    ),
    "solve_triangular_unit": Case(
        lambda ns: (
            lambda a, b: ns.sl.solve_triangular(a, b, trans=1, lower=True, unit_diagonal=True)
        ),
        (tri(5, 8, True), B),
    ),
    "solve_triangular_in_b": Case(
        lambda ns: lambda b, a: ns.sl.solve_triangular(a, b, lower=True), (B, tri(5, 9, True))
    ),
    "solve_gen": Case(lambda ns: ns.sl.solve, (mat(5, 5, seed=10) + 4 * np.eye(5), B)),
    "solve_pos_lower": Case(
        lambda ns: lambda a, b: ns.sl.solve(a, b, assume_a="pos", lower=True),
        (lopsided(5, 11), BV),
    ),
    "inv": Case(lambda ns: ns.sl.inv, (mat(4, 4, seed=12) + 3 * np.eye(4),)),
    "det": Case(lambda ns: ns.sl.det, (mat(4, 4, seed=13),)),
    "eigh_upper_values": Case(
        lambda ns: lambda a: ns.sl.eigh(a, lower=False, eigvals_only=True), (lopsided(5, 14).T,)
    ),
    "eigh_vectors_squared": Case(
        lambda ns: lambda a: (lambda w, v: (w, v * v))(*ns.sl.eigh(a)), (lopsided(4, 15),)
    ),
    "svd_values": Case(lambda ns: lambda a: ns.sl.svd(a, compute_uv=False), (mat(5, 3, seed=16),)),
    "svd_squared": Case(
        lambda ns: (
            lambda a: (lambda u, s, vh: (u * u, s, vh * vh))(*ns.sl.svd(a, full_matrices=False))
        ),
        (mat(5, 3, seed=17),),
    ),
    "qr_economic": Case(
        lambda ns: lambda a: (lambda q, r: (q * q, r * r))(*ns.sl.qr(a, mode="economic")),
        (mat(5, 3, seed=18),),
    ),
    "qr_r_square": Case(lambda ns: lambda a: ns.sl.qr(a, mode="r")[0] ** 2, (mat(4, 4, seed=19),)),
    "block_diag": Case(
        lambda ns: lambda a, b: ns.sl.block_diag(a, b, 2.0), (mat(2, 3, seed=20), mat(3, seed=21))
    ),
    "eigvalsh": Case(lambda ns: ns.la.eigvalsh, (mat(4, 4, seed=22),)),
    "svdvals": Case(lambda ns: ns.la.svdvals, (mat(3, 5, seed=23),)),
    "cond": Case(lambda ns: ns.la.cond, (mat(4, 4, seed=24),)),
    "cond_fro": Case(lambda ns: lambda a: ns.la.cond(a, "fro"), (mat(4, 4, seed=25),)),
    "matrix_rank": Case(
        lambda ns: ns.la.matrix_rank, (mat(5, 2, seed=26) @ mat(2, 4, seed=27),), grad=False
    ),
    "vector_norm_3": Case(
        lambda ns: lambda x: ns.la.vector_norm(x, ord=3, axis=(0, 2)), (mat(2, 3, 4, seed=28),)
    ),
    "matrix_norm_nuc": Case(
        lambda ns: lambda x: ns.la.matrix_norm(x, ord="nuc"), (mat(2, 3, 4, seed=29),)
    ),
    "multi_dot": Case(
        lambda ns: lambda a, b, c: ns.la.multi_dot([a, b, c]),
        (mat(3, seed=30), mat(3, 6, seed=31), mat(6, 2, seed=32)),
    ),
    "tensorinv": Case(
        lambda ns: lambda a: ns.la.tensorinv(a, ind=1),
        ((mat(6, 6, seed=33) + 4 * np.eye(6)).reshape(6, 2, 3),),
    ),
    "tensorsolve": Case(
        lambda ns: ns.la.tensorsolve,
        ((mat(6, 6, seed=34) + 4 * np.eye(6)).reshape(2, 3, 6), mat(2, 3, seed=35)),
    ),
    "lax_triangular_solve_right": Case(
        lambda ns: (
            lambda a, b: ns.lx.triangular_solve(a, b, left_side=False, lower=True, transpose_a=True)
        ),
        (tri(4, 36, True), mat(3, 4, seed=37)),
    ),
    "lax_cholesky_raw": Case(
        lambda ns: lambda a: ns.lx.cholesky(a, symmetrize_input=False), (lopsided(4, 38),)
    ),
    "lax_eigh_values": Case(lambda ns: lambda a: ns.lx.eigh(a)[1], (mat(4, 4, seed=39),)),
    "cg_matrix": Case(lambda ns: lambda a, b: ns.sp.cg(a, b, tol=1e-13)[0], (spd(6, 40), BV6)),
    "cg_function_in_b": Case(
        lambda ns: lambda b, a: ns.sp.cg(lambda v: a @ v, b, tol=1e-13)[0], (BV6, spd(6, 41))
    ),
    "cg_two_steps_x0": Case(
        lambda ns: lambda b, a: ns.sp.cg(a, b, x0=b * 0.1, maxiter=2)[0],
        (BV6, spd(6, 42)),
        true_derivative=False,
    ),
    "cg_preconditioned": Case(
        lambda ns: lambda a, b: ns.sp.cg(a, b, tol=1e-13, M=np.diag(1 / np.arange(1.0, 7.0)))[0],
        (spd(6, 43), BV6),
    ),
    "bicgstab_matrix": Case(
        lambda ns: lambda a, b: ns.sp.bicgstab(a, b, tol=1e-13)[0], (general(6, 44), BV6)
    ),
    "gmres_matrix": Case(
        lambda ns: lambda a, b: ns.sp.gmres(a, b, tol=1e-13, restart=3)[0], (general(6, 45), BV6)
    ),
    "gmres_function_in_b": Case(
        lambda ns: lambda b, a: ns.sp.gmres(lambda v: a @ v, b, tol=1e-13)[0],
        (BV6, general(6, 46)),
    ),
    "custom_linear_solve": Case(
        lambda ns: (
            lambda a, b: ns.lax.custom_linear_solve(
                lambda v: a @ v,
                b,
                solve=lambda mv, r: ns.la.solve(a, r),
                transpose_solve=lambda vm, r: ns.la.solve(a.T, r),
            )
        ),
        (general(6, 47), BV6),
    ),
    "custom_root_sqrt": Case(
        lambda ns: (
            lambda a: ns.lax.custom_root(
                lambda x: x * x - a,
                a,
                solve=lambda f, x0: ns.lax.fori_loop(0, 40, lambda i, x: x - f(x) / (2 * x), x0),
                tangent_solve=lambda g, y: y / g(ns.np.ones_like(y)),
            )
        ),
        (np.linspace(1.0, 3.0, 4),),
    ),
    "linear_transpose": Case(
        lambda ns: (
            lambda c: ns.linear_transpose(lambda v: (ns.np.cumsum(v) * 2.0)[::-1], np.zeros(5))(c)[
                0
            ]
        ),
        (mat(5, seed=48),),
    ),
    "associative_scan_matmul_reverse": Case(
        lambda ns: lambda x: ns.lax.associative_scan(lambda a, b: a @ b, x, reverse=True, axis=1),
        (mat(2, 7, 2, 2, seed=50) * 0.8,),
    ),
    "associative_scan_affine_pairs": Case(
        lambda ns: (
            lambda x: ns.lax.associative_scan(
                lambda p, q: (p[0] * q[0], q[0] * p[1] + q[1]), (x, ns.np.sin(x))
            )
        ),
        (mat(6, 3, seed=51),),
    ),
    "lu_scipy": Case(lambda ns: ns.sl.lu, (mat(5, 5, seed=52),)),
    "lu_permute_l_wide": Case(
        lambda ns: lambda a: ns.sl.lu(a, permute_l=True), (mat(3, 5, seed=53),), grad=False
    ),
    "lu_tall": Case(lambda ns: ns.sl.lu, (mat(5, 3, seed=54),), grad=False),
    "lu_solve": Case(
        lambda ns: lambda a, b: ns.sl.lu_solve(ns.sl.lu_factor(a), b), (mat(5, 5, seed=55), B)
    ),
    "lu_solve_trans_vector": Case(
        lambda ns: lambda a, b: ns.sl.lu_solve(ns.sl.lu_factor(a), b, trans=1),
        (mat(5, 5, seed=56), BV),
    ),
    "lax_lu": Case(lambda ns: lambda a: tuple(ns.lx.lu(a)), (mat(4, 4, seed=57),)),
    "lax_lu_pivots_to_permutation": Case(
        lambda ns: lambda a: ns.lx.lu_pivots_to_permutation(ns.lx.lu(a)[1], 6),
        (mat(4, 4, seed=58),),
        grad=False,
    ),
    "expm_small": Case(lambda ns: ns.sl.expm, (0.05 * mat(4, 4, seed=59),)),
    "expm_scaled": Case(lambda ns: ns.sl.expm, (2.0 * mat(4, 4, seed=60),)),
    "eigh_tridiagonal_values": Case(
        lambda ns: lambda d, e: ns.sl.eigh_tridiagonal(d, e, eigvals_only=True),
        (mat(6, seed=61), mat(5, seed=62)),
        grad=False,  # JAX's bisection has no reverse mode
    ),
    "eigh_tridiagonal_vectors_squared_select": Case(
        lambda ns: (
            lambda d, e: (lambda w, v: (w, v * v))(
                *ns.sl.eigh_tridiagonal(d, e, select="i", select_range=(1, 3))
            )
        ),
        (mat(6, seed=63), mat(5, seed=64)),
        grad=False,
    ),
    "eigvals": Case(lambda ns: ns.la.eigvals, (mat(5, 5, seed=65),), grad=False),
    "eig_abs_vectors": Case(
        lambda ns: lambda a: (lambda w, v: (w, ns.np.abs(v) ** 2))(*ns.la.eig(a)),
        (mat(4, 4, seed=66),),
        grad=False,  # axcomp does not differentiate complex results
    ),
    "gp_nll": Case(
        gp_nll, (np.array(0.3), np.linspace(0, 3, 8), np.sin(np.linspace(0, 3, 8)) + 0.1)
    ),
}


def weights(shape: tuple[int, ...]) -> np.ndarray:
    size = int(np.prod(shape, dtype=int))
    return np.cos(np.arange(size) * 0.7 + 0.2).reshape(shape)


def loss(f: Callable[..., Any]) -> Callable[..., Any]:
    """The scalar whose gradient is recorded: every output weighted by ``weights``."""

    def scalar(*args: Any) -> Any:
        out = f(*args)
        leaves = out if isinstance(out, tuple) else (out,)
        total = 0.0
        for leaf in leaves:
            total = total + (leaf * weights(tuple(leaf.shape))).sum()
        return total

    return scalar
