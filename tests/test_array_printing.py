"""str() and repr() of axcomp's arrays print as NumPy's (and JAX's) do."""

from __future__ import annotations

import numpy as np
import pytest

import axcomp.numpy as anp


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.complex64, np.bool_])
def test_str_is_numpys(dtype) -> None:
    values = np.array([0.8423141, 0.18237865, 0.2271781]).astype(dtype)
    array = anp.asarray(values)
    assert type(array) is not np.ndarray  # the array type, not a plain ndarray
    assert str(array) == str(values)
    assert repr(array) == "Array" + repr(values).removeprefix("array")


def test_float32_keeps_float32_digits() -> None:
    assert str(anp.asarray(np.float32([0.8423141]))) == "[0.8423141]"
