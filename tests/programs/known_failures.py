"""Programs that do not yet agree with JAX after the import swap, and why.

Every entry is a strict xfail in tests/test_programs.py: when a fix makes a program agree,
its test fails until the entry is removed here. Keys are ``<corpus>/<program>``.

The first reason is what stops the program today; the part after "then" is what
``python tests/programs check --stand-in config --stand-in Array`` shows next, i.e. what
still blocks it once axcomp has ``config`` and ``Array``.
"""

from __future__ import annotations

# Reason classes, named once so the report can count them.
CONFIG = "needs axcomp.config: jax.config.update('jax_enable_x64', True) at the top"
ARRAY = "needs axcomp.Array: array_api_compat reads sys.modules['jax'].Array"
RANDOM = "needs axcomp.random"
AT_ON_NUMPY = "x.at[...] on the NumPy arrays that jnp.zeros/arange/... return"
SCIPY_STATS = "missing module axcomp.scipy.stats"
SCIPY_LINALG = "missing module axcomp.scipy.linalg"
SCIPY_SPARSE = "missing module axcomp.scipy.sparse (jax.scipy.sparse.linalg.cg)"
SCIPY_SIGNAL = "missing module axcomp.scipy.signal (convolve2d)"
OPS = "missing module axcomp.ops (jax.ops.segment_sum)"
RFFTFREQ = "missing function axcomp.numpy.fft.rfftfreq"
CONV = "missing function axcomp.lax.conv_general_dilated"
DEFJVPS = "missing method custom_jvp.defjvps"
STATIC_ARGNAMES = "missing jit option static_argnames"
EAGER_GRAD_IF = "grad of Python control flow on the value (JAX's grad runs it eagerly)"
CUSTOM_VJP_TUPLE = "custom_vjp called with a tuple argument (in its own bwd): TracingError"
LSTSQ_RANK_DTYPE = "dtype: jnp.linalg.lstsq rank is int32, JAX's is int64"
MEAN_BOOL_DTYPE = "dtype: jnp.mean of a bool array is float64, JAX's is float32"


# What blocks each program once `config` exists (the others agree with only that).
_AFTER_CONFIG: dict[str, tuple[str, ...]] = {
    "main/bayesian_linear_regression": (SCIPY_STATS,),
    "main/conjugate_gradient": (SCIPY_SPARSE,),
    "main/custom_jvp_log1pexp": (DEFJVPS,),
    "main/custom_vjp_fixed_point": (ARRAY, CUSTOM_VJP_TUPLE),
    "main/denoising_score_matching": (RANDOM,),
    "main/dp_sgd_clipping": (RANDOM,),
    "main/fft_spectral_derivative": (RFFTFREQ,),
    "main/fixed_point_iteration": (ARRAY,),
    "main/flow_log_det_jacobian": (SCIPY_STATS,),
    "main/game_of_life": (AT_ON_NUMPY,),
    "main/gmm_em": (SCIPY_STATS,),
    "main/gotchas_array_updates": (AT_ON_NUMPY,),
    "main/gotchas_control_flow": (EAGER_GRAD_IF,),
    "main/gp_rbf_posterior": (SCIPY_LINALG,),
    "main/gru_scan": (ARRAY,),
    "main/hamiltonian_dynamics": (ARRAY,),
    "main/hmc_leapfrog": (RANDOM,),
    "main/hmm_forward_viterbi": (ARRAY,),
    "main/image_filters": (SCIPY_SIGNAL,),
    "main/jit_static_argnums": (STATIC_ARGNAMES,),
    "main/kalman_filter_scan": (ARRAY,),
    "main/langevin_sampler": (RANDOM,),
    "main/lax_scan_cumsum": (ARRAY,),
    "main/mlp_training_loop": (RANDOM,),
    "main/monte_carlo_pi": (RANDOM,),
    "main/newton_root_finding": (ARRAY,),
    "main/polyfit_normal_equations": (LSTSQ_RANK_DTYPE,),
    "main/random_keys_basics": (RANDOM,),
    "main/rnn_scan": (ARRAY,),
    "main/segment_sum_graph": (OPS,),
    "main/softmax_regression": (MEAN_BOOL_DTYPE,),
    "heldout/bisection_root": (ARRAY,),
    "heldout/cholesky_whitening": (SCIPY_LINALG,),
    "heldout/dropout_training": (RANDOM,),
    "heldout/ema_scan": (ARRAY,),
    "heldout/gaussian_mixture_sampling": (RANDOM,),
    "heldout/laplacian_edge_filter": (CONV,),
    "heldout/mala_sampler": (RANDOM,),
    "heldout/sinkhorn_kernel_scaling": (ARRAY,),
    "heldout/wave_equation_leapfrog": (ARRAY, AT_ON_NUMPY),
}

# Every program calls jax.config.update first, so today none gets past that line.
_ALL = (
    "main/adam_by_hand main/attention_vmap main/cartpole_env main/checkpoint_remat "
    "main/cookbook_hvp main/cookbook_jacobians main/cookbook_jvp_vjp "
    "main/cookbook_logistic_regression main/cookbook_per_example_grads "
    "main/custom_vjp_clip_gradient main/einsum_linalg_basics main/gotchas_nan_safe_where "
    "main/heat_equation_roll main/kmeans_lloyd main/lax_cond_switch main/layer_norm_grad "
    "main/logistic_map_bifurcation main/maml_sine main/mandelbrot_while "
    "main/md_lennard_jones main/md_velocity_verlet main/newton_optimizer_hessian "
    "main/nn_activations main/ode_euler_scan main/ode_rk4_lorenz main/power_iteration "
    "main/quickstart_tanh_derivatives main/ravel_pytree_optimizer main/ridge_regression "
    "main/sgd_momentum_pytree main/sinkhorn_log_domain main/tree_util_operations "
    "main/value_and_grad_has_aux main/vmap_convolve main/vmap_in_axes_pytrees "
    "heldout/conv1d_windows_vmap heldout/gp_matern_kernel heldout/implicit_score_matching "
    "heldout/kepler_newton_vmap heldout/label_smoothing_xent heldout/lstm_scan "
    "heldout/morse_potential_forces heldout/mountain_car_env heldout/nbody_gravity_scan "
    "heldout/nesterov_momentum heldout/pendulum_env heldout/reptile_meta_learning "
    "heldout/rmsprop_adagrad_by_hand heldout/softmax_temperature_annealing"
).split()

# Programs whose first blocker above is an import, met before jax.config.update.
_AT_IMPORT = {
    "main/bayesian_linear_regression",
    "main/conjugate_gradient",
    "main/denoising_score_matching",
    "main/dp_sgd_clipping",
    "main/flow_log_det_jacobian",
    "main/gmm_em",
    "main/hmc_leapfrog",
    "main/image_filters",
    "main/langevin_sampler",
    "main/mlp_training_loop",
    "main/monte_carlo_pi",
    "main/random_keys_basics",
    "heldout/cholesky_whitening",
    "heldout/dropout_training",
    "heldout/gaussian_mixture_sampling",
    "heldout/mala_sampler",
}


def _in_order(key: str, after: tuple[str, ...]) -> tuple[str, ...]:
    return (after[0], CONFIG, *after[1:]) if key in _AT_IMPORT else (CONFIG, *after)


# Each program's blockers in the order it meets them, today.
BLOCKERS: dict[str, tuple[str, ...]] = {
    **{key: (CONFIG,) for key in _ALL},
    **{key: _in_order(key, after) for key, after in _AFTER_CONFIG.items()},
}
KNOWN_FAILURES: dict[str, str] = {key: "; then ".join(b) for key, b in BLOCKERS.items()}

# What still fails when the harness gives the swapped `jax` stand-ins for `config` and
# `Array` (tests/programs/swap.py): the measurement of everything past those two names.
STAND_INS = ("config", "Array")
BLOCKERS_WITH_STAND_INS: dict[str, tuple[str, ...]] = {
    key: rest
    for key, b in BLOCKERS.items()
    if (rest := tuple(r for r in b if r not in (CONFIG, ARRAY)))
}
KNOWN_FAILURES_WITH_STAND_INS = {k: "; then ".join(b) for k, b in BLOCKERS_WITH_STAND_INS.items()}

# A regular expression for what check's detail says when a program meets each blocker, so
# that a known failure failing for another reason is caught (tests/test_programs.py).
SIGNATURES: dict[str, str] = {
    CONFIG: "has no attribute 'config'",
    ARRAY: "has no attribute 'Array'",
    RANDOM: r"cannot import name 'random'|No module named 'axcomp\.random'",
    AT_ON_NUMPY: "'numpy.ndarray' object has no attribute 'at'",
    SCIPY_STATS: "No module named 'axcomp.scipy.stats'",
    SCIPY_LINALG: "linalg",
    SCIPY_SPARSE: "No module named 'axcomp.scipy.sparse'",
    SCIPY_SIGNAL: "No module named 'axcomp.scipy.signal'",
    OPS: "has no attribute 'ops'",
    RFFTFREQ: "rfftfreq",
    CONV: "conv_general_dilated",
    DEFJVPS: "has no attribute 'defjvps'",
    STATIC_ARGNAMES: "unexpected keyword argument 'static_argnames'",
    EAGER_GRAD_IF: r"TracingError: bool\(\)",
    CUSTOM_VJP_TUPLE: "TracingError: cannot use tuple",
    LSTSQ_RANK_DTYPE: r"\['rank'\]: dtype int32 vs JAX's int64",
    MEAN_BOOL_DTYPE: "dtype float64 vs JAX's float32",
}
