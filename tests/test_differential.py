"""Differential tests: compiled nested vmaps against the loop-and-stack oracle.

Hypothesis draws random kernels (from the supported ops), nested specs of depth 1-4 with
negative/None/pytree in_axes and out_axes, shapes with size-0 and size-1 axes, and dtypes.
"""

import numpy as np
from hypothesis import HealthCheck, given, settings
from kernels import apply_spec, assert_trees_close, cases, none_out_axes_cases, pytree_cases
from oracle import loop_vmap

import axcomp as ax
import axcomp.numpy as anp

SETTINGS = settings(
    deadline=None,
    max_examples=150,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def _check(case):
    args = case.inputs()
    expected = apply_spec(loop_vmap, case.kernel(np), case.spec)(*args)
    compiled = apply_spec(ax.vmap, case.kernel(anp), case.spec)
    actual = compiled(*args)
    rtol, atol = case.tolerances()
    assert_trees_close(actual, expected, rtol=rtol, atol=atol, check_dtype=True)
    # a second call hits the cache and must give the same result
    assert_trees_close(compiled(*args), expected, rtol=rtol, atol=atol, check_dtype=True)


@SETTINGS
@given(cases())
def test_random_kernels_and_specs(case):
    _check(case)


@SETTINGS
@given(pytree_cases())
def test_pytree_arguments(case):
    _check(case)


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(none_out_axes_cases())
def test_out_axes_none_for_unbatched_outputs(case):
    _check(case)


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(cases(multi_output=True))
def test_multiple_outputs(case):
    _check(case)


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_jit_of_vmap_matches(case):
    args = case.inputs()
    expected = apply_spec(loop_vmap, case.kernel(np), case.spec)(*args)
    actual = ax.jit(apply_spec(ax.vmap, case.kernel(anp), case.spec))(*args)
    rtol, atol = case.tolerances()
    assert_trees_close(actual, expected, rtol=rtol, atol=atol, check_dtype=True)
