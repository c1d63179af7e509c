"""Record reference values for tests/test_schur.py (run once, with JAX and SciPy installed:
``python tests/schur_record.py``). Writes ``schur_reference.npz``: test matrices, SciPy's
``hessenberg`` (``H``, ``Q``), Schur eigenvalues, ``rsf2csf`` of SciPy's real Schur form,
and JAX's (x64) ``sqrtm`` and ``funm`` (``exp``, ``sin`` with its error estimate), with
SciPy's values of the same; JAX's ``solve_sylvester`` (on the Schur forms), ``polar``,
``expm_frechet`` and ``qr_multiply``. CI reads the file and needs neither library."""

from __future__ import annotations

from pathlib import Path

import numpy as np

OUT = Path(__file__).parent / "schur_reference.npz"


def main() -> None:
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import jax.scipy.linalg as jl
    import scipy.linalg as sl

    rng = np.random.default_rng(11)
    mats = {
        "real": rng.normal(size=(5, 5)),  # complex pairs among its eigenvalues
        "spd": (lambda b: b @ b.T + 5 * np.eye(4))(rng.normal(size=(4, 4))),
        "complex": rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4)),
        "negative": np.array([[1.0, 2.0, 0.5], [0.0, -4.0, 1.0], [0.3, 0.0, 2.0]]),
    }
    out: dict[str, np.ndarray] = {}
    for name, a in mats.items():
        out[f"{name}/a"] = a
        h, q = sl.hessenberg(a, calc_q=True)
        out[f"{name}/hessenberg_h"], out[f"{name}/hessenberg_q"] = h, q
        out[f"{name}/eigvals"] = np.linalg.eigvals(a)
        out[f"{name}/sqrtm_jax"] = np.asarray(jl.sqrtm(a))
        out[f"{name}/sqrtm_scipy"] = sl.sqrtm(a.astype(complex))
        out[f"{name}/funm_exp_jax"] = np.asarray(jl.funm(a, jnp.exp))
        out[f"{name}/funm_exp_scipy"] = sl.funm(a, np.exp)
        f, err = jl.funm(a, jnp.sin, disp=False)
        out[f"{name}/funm_sin_jax"], out[f"{name}/funm_sin_err_jax"] = (
            np.asarray(f),
            np.asarray(err),
        )
        if np.isrealobj(a):
            t, z = sl.schur(a)
            out[f"{name}/schur_t"], out[f"{name}/schur_z"] = t, z
            tc, zc = sl.rsf2csf(t, z)
            out[f"{name}/rsf2csf_t"], out[f"{name}/rsf2csf_z"] = tc, zc
    a, b = mats["real"], mats["spd"][:3, :3]
    c = rng.normal(size=(5, 3))
    out["sylvester/a"], out["sylvester/b"], out["sylvester/c"] = a, b, c
    out["sylvester/x"] = np.asarray(jl.solve_sylvester(a, b, c))
    out["sylvester/x_complex"] = np.asarray(jl.solve_sylvester(a, b, c + 1j))
    tall = rng.normal(size=(5, 3))
    out["polar/a"] = tall
    for side in ("right", "left"):
        u, p = jl.polar(tall if side == "right" else tall.T, side=side)
        out[f"polar/{side}/u"], out[f"polar/{side}/p"] = np.asarray(u), np.asarray(p)
    e = rng.normal(size=(5, 5))
    out["frechet/e"] = e
    x, frechet = jl.expm_frechet(0.5 * a, e)
    out["frechet/expm"], out["frechet/l"] = np.asarray(x), np.asarray(frechet)
    qa = rng.normal(size=(5, 3))
    out["qr_multiply/a"] = qa
    for mode, c in (("right", rng.normal(size=(2, 5))), ("left", rng.normal(size=(3, 2)))):
        for vector in (False, True):
            cc = c[0] if vector and mode == "right" else (c[:, 0] if vector else c)
            key = f"qr_multiply/{mode}/{'vector' if vector else 'matrix'}"
            out[f"{key}/c"] = cc
            got, r = jl.qr_multiply(qa, cc, mode=mode)
            out[f"{key}/out"], out["qr_multiply/r"] = np.asarray(got), np.asarray(r)
    np.savez(OUT, **out)


if __name__ == "__main__":
    main()
