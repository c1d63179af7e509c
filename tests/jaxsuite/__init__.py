"""A translation of JAX's own vmap tests, run on both libraries and compared value by value.

Each case is a function ``case(L, rng)`` written once against a library facade ``L``
(``L.vmap``, ``L.jnp``, ``L.lax``, ...).  ``python tests/jaxsuite record`` runs every case
under JAX (x64 on) in a scratch environment and stores its outputs in
``jax_results.npz``; ``tests/test_jax_suite.py`` runs the same cases under axcomp and
compares them with that recording, so CI checks against JAX without installing it.
``python tests/jaxsuite live`` compares the two libraries in one process and prints the
pass rate.
"""
