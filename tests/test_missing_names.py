"""``axcomp.missing_names``: the table of JAX names axcomp lacks covers JAX's public names
exactly (recorded from JAX 0.10.2 by tests/jax_names_record.py), and
``MissingFunctionError`` tells those names from names JAX does not have at all."""

from __future__ import annotations

import pytest

import axcomp.lax as lax
import axcomp.numpy as anp
import axcomp.scipy as asp
from axcomp.errors import MissingFunctionError
from axcomp.missing_names import JAX_VERSION, STILL_MISSING
from tests.missing_names_update import record, still_missing


def test_the_table_covers_jax_names_exactly() -> None:
    # a stale table names its fix: run ``python tests/missing_names_update.py``
    version, modules = record()
    assert version == JAX_VERSION
    assert set(STILL_MISSING) == set(modules)
    now = still_missing()
    for module, names in modules.items():
        assert set(STILL_MISSING[module]) <= set(names), module
        assert set(now[module]) == set(STILL_MISSING[module]), (
            f"{module}: now provided {sorted(STILL_MISSING[module] - set(now[module]))}, "
            f"newly missing {sorted(set(now[module]) - STILL_MISSING[module])}"
        )


def test_the_table_is_not_empty_where_axcomp_lacks_a_module() -> None:
    # modules axcomp lacks entirely list every name and are listed under their parent
    assert STILL_MISSING["jax.scipy.integrate"] == {"trapezoid"}
    assert "integrate" in STILL_MISSING["jax.scipy"]
    assert "concatenate" not in STILL_MISSING["jax.numpy"]


def test_a_name_jax_has_says_axcomp_lacks_it() -> None:
    name = sorted(STILL_MISSING["jax.numpy"])[0]
    with pytest.raises(MissingFunctionError, match=rf"jax\.numpy\.{name} exists in JAX") as e:
        getattr(anp, name)
    assert e.value.in_jax is True
    assert not hasattr(anp, name)


def test_a_name_jax_lacks_says_it_is_not_in_jax() -> None:
    with pytest.raises(MissingFunctionError, match=r"'frobnicate' is not in jax\.numpy") as e:
        anp.frobnicate  # noqa: B018
    assert e.value.in_jax is False
    assert "nearest supported" not in str(e.value)  # no far-fetched suggestions
    with pytest.raises(AttributeError, match=r"'hstak' is not in jax\.numpy.*hstack"):
        anp.hstak  # noqa: B018
    with pytest.raises(MissingFunctionError, match=r"not in jax\.lax"):
        lax.frobnicate  # noqa: B018


def test_a_missing_module_lists_its_names() -> None:
    with pytest.raises(MissingFunctionError, match=r"integrate \(a module: trapezoid\)"):
        asp.integrate  # noqa: B018


@pytest.mark.parametrize("module", sorted(STILL_MISSING))
def test_every_namespace_names_what_jax_has_and_what_it_lacks(module: str) -> None:
    from tests.missing_names_update import _axcomp_module

    namespace = _axcomp_module(module)
    if namespace is None:  # a module axcomp lacks: its parent names it
        return
    for name in sorted(STILL_MISSING[module]):
        with pytest.raises(MissingFunctionError) as e:
            getattr(namespace, name)
        assert e.value.in_jax is True, f"{module}.{name}"
    with pytest.raises(MissingFunctionError) as e:
        namespace.frobnicate  # noqa: B018
    assert e.value.in_jax is False and f"not in {module}" in str(e.value)
