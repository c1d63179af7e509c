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
import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from . import pytree
from .errors import ArgumentTypeError, ArgumentValueError
from .pytree import DictKey, FlattenedIndexKey, GetAttrKey, KeyEntry, SequenceKey, TreeDef

T = TypeVar("T")

__all__ = [
    "DictKey",
    "FlattenedIndexKey",
    "GetAttrKey",
    "KeyEntry",
    "KeyPath",
    "Partial",
    "PyTreeDef",
    "SequenceKey",
    "TreeDef",
    "all_leaves",
    "keystr",
    "register_dataclass",
    "register_pytree_node",
    "register_pytree_node_class",
    "register_pytree_with_keys",
    "register_pytree_with_keys_class",
    "register_static",
    "tree_all",
    "tree_broadcast",
    "tree_flatten",
    "tree_flatten_with_path",
    "tree_leaves",
    "tree_leaves_with_path",
    "tree_map",
    "tree_map_with_path",
    "tree_reduce",
    "tree_reduce_associative",
    "tree_structure",
    "tree_transpose",
    "tree_unflatten",
    "treedef_children",
    "treedef_is_leaf",
    "treedef_tuple",
]

PyTreeDef = TreeDef
KeyPath = tuple[KeyEntry, ...]
IsLeaf = Callable[[Any], bool] | None
_NO_INITIAL = object()


def tree_flatten(tree: Any, is_leaf: IsLeaf = None) -> tuple[list[Any], TreeDef]:
    """``(leaves, treedef)`` in JAX's order (dict keys sorted); ``is_leaf(x)`` true treats
    ``x`` as a leaf."""
    return pytree.flatten(tree, is_leaf)


def tree_unflatten(treedef: TreeDef, leaves: Iterable[Any]) -> Any:
    leaves = list(leaves)
    if len(leaves) != treedef.num_leaves:
        raise ArgumentValueError(
            f"tree_unflatten: the structure {treedef} has {treedef.num_leaves} leaves, "
            f"got {len(leaves)}"
        )
    return pytree.unflatten(treedef, leaves)


def tree_leaves(tree: Any, is_leaf: IsLeaf = None) -> list[Any]:
    return pytree.flatten(tree, is_leaf)[0]


def tree_structure(tree: Any, is_leaf: IsLeaf = None) -> TreeDef:
    return pytree.flatten(tree, is_leaf)[1]


def tree_map(f: Callable[..., Any], tree: Any, *rest: Any, is_leaf: IsLeaf = None) -> Any:
    """``f`` applied leaf-wise; each of ``rest`` must have ``tree``'s structure or a deeper
    one (its subtrees at ``tree``'s leaves are passed whole), as in JAX."""
    leaves, treedef = pytree.flatten(tree, is_leaf)
    others = [
        pytree.flatten_up_to(treedef, other, f"tree_map argument {k + 1}")
        for k, other in enumerate(rest)
    ]
    return pytree.unflatten(treedef, [f(*xs) for xs in zip(leaves, *others)])


def tree_flatten_with_path(
    tree: Any, is_leaf: IsLeaf = None
) -> tuple[list[tuple[KeyPath, Any]], TreeDef]:
    return pytree.flatten_with_path(tree, is_leaf)


def tree_leaves_with_path(tree: Any, is_leaf: IsLeaf = None) -> list[tuple[KeyPath, Any]]:
    return pytree.flatten_with_path(tree, is_leaf)[0]


def tree_map_with_path(f: Callable[..., Any], tree: Any, *rest: Any, is_leaf: IsLeaf = None) -> Any:
    """``f(key_path, leaf, *others)`` applied leaf-wise."""
    pairs, treedef = pytree.flatten_with_path(tree, is_leaf)
    others = [
        pytree.flatten_up_to(treedef, other, f"tree_map_with_path argument {k + 1}")
        for k, other in enumerate(rest)
    ]
    return pytree.unflatten(
        treedef, [f(path, leaf, *xs) for (path, leaf), *xs in zip(pairs, *others)]
    )


def tree_reduce(
    function: Callable[[Any, Any], Any],
    tree: Any,
    initializer: Any = _NO_INITIAL,
    is_leaf: IsLeaf = None,
) -> Any:
    """``functools.reduce`` over the leaves."""
    leaves = pytree.flatten(tree, is_leaf)[0]
    if initializer is _NO_INITIAL:
        return functools.reduce(function, leaves)
    return functools.reduce(function, leaves, initializer)


def tree_reduce_associative(
    operation: Callable[[Any, Any], Any],
    tree: Any,
    *,
    identity: Any = _NO_INITIAL,
    is_leaf: IsLeaf = None,
) -> Any:
    """A reduction by an associative ``operation``, pairing neighbours level by level."""
    items = pytree.flatten(tree, is_leaf)[0]
    if not items:
        if identity is _NO_INITIAL:
            raise ArgumentTypeError("tree_reduce_associative of an empty tree needs an identity")
        return identity
    while len(items) > 1:
        paired = [operation(a, b) for a, b in zip(items[::2], items[1::2])]
        items = paired + (items[-1:] if len(items) % 2 else [])
    return items[0]


def tree_all(tree: Any, *, is_leaf: IsLeaf = None) -> bool:
    return all(pytree.flatten(tree, is_leaf)[0])


def tree_transpose(
    outer_treedef: TreeDef, inner_treedef: TreeDef | None, pytree_to_transpose: Any
) -> Any:
    """A tree of ``outer`` structure whose leaves are trees of ``inner`` structure becomes
    an ``inner`` tree of ``outer`` trees."""
    if inner_treedef is None:
        first = pytree.flatten_up_to(outer_treedef, pytree_to_transpose)[0]
        inner_treedef = pytree.flatten(first)[1]
    outer = pytree.flatten_up_to(outer_treedef, pytree_to_transpose, "the tree to transpose")
    inner = [pytree.flatten_up_to(inner_treedef, sub, "an inner tree") for sub in outer]
    columns = [
        pytree.unflatten(outer_treedef, [row[k] for row in inner])
        for k in range(inner_treedef.num_leaves)
    ]
    return pytree.unflatten(inner_treedef, columns)


def tree_broadcast(prefix_tree: Any, full_tree: Any, is_leaf: IsLeaf = None) -> Any:
    """``prefix_tree``'s leaves repeated over the subtrees of ``full_tree`` below them."""
    leaves, treedef = pytree.flatten(prefix_tree, is_leaf)
    subs = pytree.flatten_up_to(treedef, full_tree, "the full tree")
    return pytree.unflatten(
        treedef,
        [
            pytree.unflatten(pytree.flatten(sub)[1], [leaf] * pytree.flatten(sub)[1].num_leaves)
            for leaf, sub in zip(leaves, subs)
        ],
    )


def all_leaves(iterable: Iterable[Any], is_leaf: IsLeaf = None) -> bool:
    """Whether every element of ``iterable`` is a leaf."""
    return all(pytree.flatten(x, is_leaf)[1] == pytree.LEAF for x in iterable)


def treedef_is_leaf(treedef: TreeDef) -> bool:
    return treedef.num_nodes == 1


def treedef_children(treedef: TreeDef) -> list[TreeDef]:
    return list(treedef.children)


def treedef_tuple(treedefs: Iterable[TreeDef]) -> TreeDef:
    return pytree.flatten(tuple(pytree.unflatten(t, [0] * t.num_leaves) for t in treedefs))[1]


def keystr(keys: KeyPath, *, simple: bool = False, separator: str = "") -> str:
    """A key path as text: ``['a'][0].x``, or with ``simple=True`` the bare keys joined by
    ``separator`` (``a/0/x``)."""
    if not simple:
        return separator.join(str(k) for k in keys)
    bare = [
        k.key
        if isinstance(k, (DictKey, FlattenedIndexKey))
        else k.idx
        if isinstance(k, SequenceKey)
        else k.name
        for k in keys
    ]
    return separator.join(str(b) for b in bare)


class Partial(functools.partial):  # type: ignore[type-arg]
    """``jax.tree_util.Partial``: a ``functools.partial`` that is a pytree (its arguments
    are the leaves, the function the static part), so it can cross a transform."""

    def __new__(cls, func: Callable[..., Any], *args: Any, **kw: Any) -> Partial:
        if isinstance(func, functools.partial):
            args, kw = func.args + args, {**func.keywords, **kw}
            func = func.func
        return super().__new__(cls, func, *args, **kw)


def _flatten_partial(p: Partial) -> tuple[list[Any], Any]:
    return [p.args, p.keywords], p.func


def _unflatten_partial(func: Any, kids: Sequence[Any]) -> Partial:
    args, kw = kids
    return Partial(func, *args, **kw)


pytree.register_node(Partial, _flatten_partial, _unflatten_partial)


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
        raise ArgumentTypeError(f"register_dataclass expects a dataclass type, got {nodetype!r}")
    cls: type = nodetype
    names = [f.name for f in dataclasses.fields(nodetype)]
    meta = tuple(meta_fields or ())
    data = (
        tuple(data_fields) if data_fields is not None else tuple(n for n in names if n not in meta)
    )
    unknown = [n for n in (*data, *meta) if n not in names]
    if unknown:
        raise ArgumentValueError(f"register_dataclass: {cls.__name__} has no fields {unknown}")

    def flatten(x: Any) -> tuple[list[Any], Any]:
        return [getattr(x, n) for n in data], tuple(getattr(x, n) for n in meta)

    def unflatten(aux: Any, kids: Sequence[Any]) -> Any:
        return cls(**dict(zip(data, kids)), **dict(zip(meta, aux)))

    pytree.register_node(cls, flatten, unflatten, data)
    return cls


def register_pytree_with_keys(
    nodetype: type,
    flatten_with_keys: Callable[[Any], tuple[Sequence[tuple[KeyEntry, Any]], Any]],
    unflatten_func: Callable[[Any, Sequence[Any]], Any],
    flatten_func: Callable[[Any], tuple[Sequence[Any], Any]] | None = None,
) -> None:
    """As ``jax.tree_util.register_pytree_with_keys``: ``flatten_with_keys(x)`` returns
    ``([(key, child), ...], aux)``."""

    def flatten(x: Any) -> tuple[list[Any], Any]:
        if flatten_func is not None:
            kids, aux = flatten_func(x)
            return list(kids), aux
        pairs, aux = flatten_with_keys(x)
        return [child for _, child in pairs], aux

    pytree.register_node(nodetype, flatten, unflatten_func)


def register_pytree_with_keys_class(cls: type[T]) -> type[T]:
    """Class decorator: ``cls`` defines ``tree_flatten_with_keys(self)`` and the classmethod
    ``tree_unflatten(aux, children)``."""
    register_pytree_with_keys(
        cls,
        lambda x: x.tree_flatten_with_keys(),
        lambda aux, kids: cls.tree_unflatten(aux, kids),  # type: ignore[attr-defined]
    )
    return cls


def register_static(cls: type[T]) -> type[T]:
    """Instances of ``cls`` become nodes with no children: the whole value is static aux
    data (it must be hashable), as ``jax.tree_util.register_static``."""
    pytree.register_node(cls, lambda x: ((), x), lambda aux, kids: aux)
    return cls
