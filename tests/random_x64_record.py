"""What JAX 0.10 gives with ``jax_enable_x64`` on, for the cases of
``tests/test_config.py``. Run once in a venv with JAX (``python
tests/random_x64_record.py``): it writes tests/random_x64_jax.npz."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

RECORDING = Path(__file__).with_name("random_x64_jax.npz")


def cases(r: Any, jnp: Any) -> dict[str, Callable[[], Any]]:
    """Sampler calls whose defaults and seeding the x64 flag decides."""
    k = r.PRNGKey(42)
    return {
        "bits": lambda: r.bits(k, (3,)),
        "uniform": lambda: r.uniform(k, (3,)),
        "normal": lambda: r.normal(k, (3,)),
        "randint": lambda: r.randint(k, (3,), 0, 100),
        "poisson": lambda: r.poisson(k, 3.0, (3,)),
        "categorical": lambda: r.categorical(k, jnp.array([0.1, 0.5, 0.2])),
        "bernoulli": lambda: r.bernoulli(k, 0.3, (3,)),
        "gamma": lambda: r.gamma(k, 2.0, (3,)),
        "perm": lambda: r.permutation(k, 5),
        "choice": lambda: r.choice(k, 5, (3,)),
        "rademacher": lambda: r.rademacher(k, (4,)),
        "exponential": lambda: r.exponential(k, (3,)),
        "truncnorm": lambda: r.truncated_normal(k, -1.0, 1.0, (3,)),
        "beta": lambda: r.beta(k, 2.0, 3.0, (2,)),
        "dsm": lambda: r.double_sided_maxwell(k, 0.0, 1.0, (3,)),
        "geometric": lambda: r.geometric(k, 0.3, (3,)),
        "key_big": lambda: r.key_data(r.key(2**40 + 7)),
        "key_neg": lambda: r.PRNGKey(-3),
        "split": lambda: r.split(k, 3),
        "fold": lambda: r.fold_in(k, 7),
        "t": lambda: r.t(k, 3.0, (2,)),
        "dirichlet": lambda: r.dirichlet(k, jnp.array([1.0, 2.0, 3.0])),
        "laplace": lambda: r.laplace(k, (2,)),
    }


if __name__ == "__main__":
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import jax.random as r

    out = {name: np.asarray(f()) for name, f in cases(r, jnp).items()}
    np.savez_compressed(RECORDING, **out)
