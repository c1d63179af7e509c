"""``axcomp/numpy/ufunc_signatures.py`` declares, for type checkers, exactly the elementwise
functions ``axcomp.numpy`` generates at import time, each with its record's arity."""

from __future__ import annotations

import inspect

import axcomp.numpy as anp
import axcomp.numpy.ufunc_signatures as signatures
from axcomp.core.elementwise_functions import RECORDS
from axcomp.numpy.ufuncs import FUNCTIONS


def test_it_declares_exactly_the_generated_functions() -> None:
    assert sorted(signatures.__all__) == sorted(FUNCTIONS)
    assert all(getattr(anp, name) is FUNCTIONS[name] for name in FUNCTIONS)


def test_each_declaration_takes_its_records_arity_positionally() -> None:
    arity = {name: rec.arity for rec in RECORDS for name in rec.numpy}
    for name in FUNCTIONS:
        params = inspect.signature(getattr(signatures, name)).parameters.values()
        assert [p.kind for p in params] == [inspect.Parameter.POSITIONAL_ONLY] * arity[name], name
