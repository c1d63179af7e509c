"""``axcomp.tree_util``: JAX's pytree utilities, and registering user containers.

Registered types work as arguments and outputs of every transform and as ``in_axes`` /
``out_axes`` prefixes, as in JAX::

    @axcomp.tree_util.register_dataclass
    @dataclasses.dataclass
    class Params:
        w: np.ndarray
        b: np.ndarray

    axcomp.vmap(loss, in_axes=(Params(w=None, b=0), 0))
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from . import pytree
from .pytree import TreeDef

T = TypeVar("T")

__all__ = [
    "TreeDef",
    "register_dataclass",
    "register_pytree_node",
    "register_pytree_node_class",
    "tree_flatten",
    "tree_leaves",
    "tree_map",
    "tree_structure",
    "tree_unflatten",
]


def tree_flatten(tree: Any) -> tuple[list[Any], TreeDef]:
    """``(leaves, treedef)`` in JAX's order (dict keys sorted)."""
    return pytree.flatten(tree)


def tree_unflatten(treedef: TreeDef, leaves: Sequence[Any]) -> Any:
    if len(leaves) != treedef.num_leaves:
        raise ValueError(
            f"tree_unflatten: the structure {treedef} has {treedef.num_leaves} leaves, "
            f"got {len(leaves)}"
        )
    return pytree.unflatten(treedef, leaves)


def tree_leaves(tree: Any) -> list[Any]:
    return pytree.flatten(tree)[0]


def tree_structure(tree: Any) -> TreeDef:
    return pytree.flatten(tree)[1]


def tree_map(f: Callable[..., Any], tree: Any, *rest: Any) -> Any:
    """``f`` applied leaf-wise; ``rest`` must have ``tree``'s structure."""
    leaves, treedef = pytree.flatten(tree)
    others = []
    for k, other in enumerate(rest):
        o_leaves, o_def = pytree.flatten(other)
        if o_def != treedef:
            raise ValueError(
                f"tree_map: argument {k + 1} has structure {o_def}, the first has {treedef}"
            )
        others.append(o_leaves)
    return pytree.unflatten(treedef, [f(*xs) for xs in zip(leaves, *others)])


def register_pytree_node(
    nodetype: type,
    flatten_func: Callable[[Any], tuple[Sequence[Any], Any]],
    unflatten_func: Callable[[Any, Sequence[Any]], Any],
) -> None:
    """As ``jax.tree_util.register_pytree_node``: ``flatten_func(x) -> (children, aux)``
    (aux hashable), ``unflatten_func(aux, children) -> x``."""
    pytree.register_node(nodetype, flatten_func, unflatten_func)


def register_pytree_node_class(cls: type[T]) -> type[T]:
    """Class decorator: ``cls`` defines ``tree_flatten(self)`` and the classmethod
    ``tree_unflatten(aux, children)``."""
    pytree.register_node(
        cls,
        lambda x: x.tree_flatten(),
        lambda aux, kids: cls.tree_unflatten(aux, kids),  # type: ignore[attr-defined]
    )
    return cls


def register_dataclass(
    nodetype: Any = None,
    data_fields: Sequence[str] | None = None,
    meta_fields: Sequence[str] | None = None,
) -> Any:
    """As ``jax.tree_util.register_dataclass``, also as a decorator with no arguments: the
    ``data_fields`` (default: every field not in ``meta_fields``) are children, the
    ``meta_fields`` (hashable) are static aux data."""
    if nodetype is None:
        return lambda cls: register_dataclass(cls, data_fields, meta_fields)
    if not (isinstance(nodetype, type) and dataclasses.is_dataclass(nodetype)):
        raise TypeError(f"register_dataclass expects a dataclass type, got {nodetype!r}")
    cls: type = nodetype
    names = [f.name for f in dataclasses.fields(nodetype)]
    meta = tuple(meta_fields or ())
    data = (
        tuple(data_fields) if data_fields is not None else tuple(n for n in names if n not in meta)
    )
    unknown = [n for n in (*data, *meta) if n not in names]
    if unknown:
        raise ValueError(f"register_dataclass: {cls.__name__} has no fields {unknown}")

    def flatten(x: Any) -> tuple[list[Any], Any]:
        return [getattr(x, n) for n in data], tuple(getattr(x, n) for n in meta)

    def unflatten(aux: Any, kids: Sequence[Any]) -> Any:
        return cls(**dict(zip(data, kids)), **dict(zip(meta, aux)))

    pytree.register_node(cls, flatten, unflatten, data)
    return cls
