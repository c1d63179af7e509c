"""Pytrees (tuple, list, dict, namedtuple, None, and registered user types) with JAX's
flattening order.

Kept dependency-free: vmap's in_axes/out_axes prefixes and jit's cache keys both need the
tree structure, and the structure must be hashable (so registered types' aux data must
be hashable too, as in JAX). ``axcomp.tree_util`` is the public face of this module.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

_LEAF = "leaf"
_NONE = "none"
_TUPLE = "tuple"
_LIST = "list"
_DICT = "dict"
_NAMEDTUPLE = "namedtuple"
_ORDERED_DICT = "OrderedDict"  # children in insertion order, as in JAX
_DEFAULT_DICT = "defaultdict"  # children in sorted key order; aux keeps the factory
_CUSTOM = "custom"

# user node types: type -> (flatten: x -> (children, aux), unflatten: (aux, children) -> x,
# names of the children for error paths, or None)
_REGISTRY: dict[
    type, tuple[Callable[[Any], tuple[Any, Any]], Callable[[Any, Any], Any], tuple[str, ...] | None]
] = {}


def register_node(
    nodetype: type,
    flatten_func: Callable[[Any], tuple[Any, Any]],
    unflatten_func: Callable[[Any, Any], Any],
    child_names: tuple[str, ...] | None = None,
) -> None:
    """Make instances of ``nodetype`` pytree nodes (``jax.tree_util.register_pytree_node``)."""
    if not isinstance(nodetype, type):
        raise TypeError(f"register_pytree_node expects a type, got {nodetype!r}")
    if nodetype in _REGISTRY or nodetype in (tuple, list, dict, type(None)):
        raise ValueError(f"{nodetype.__name__} is already a registered pytree node type")
    _REGISTRY[nodetype] = (flatten_func, unflatten_func, child_names)


@dataclass(frozen=True)
class TreeDef:
    """The hashable shape of a pytree; ``aux`` holds dict keys or a namedtuple class."""

    kind: str
    children: tuple[TreeDef, ...] = ()
    aux: Any = None

    @property
    def num_leaves(self) -> int:
        if self.kind == _LEAF:
            return 1
        return sum(child.num_leaves for child in self.children)

    @property
    def num_nodes(self) -> int:
        return 1 + sum(child.num_nodes for child in self.children)

    def children_defs(self) -> list[TreeDef]:
        return list(self.children)

    def __repr__(self) -> str:
        return f"PyTreeDef({self._jax_text()})"

    def _jax_text(self) -> str:
        """The structure as JAX prints it (containers it does not build in are
        ``CustomNode(type[aux], [children])``)."""
        kids = [c._jax_text() for c in self.children]
        inner = ", ".join(kids)
        if self.kind == _LEAF:
            return "*"
        if self.kind == _NONE:
            return "None"
        if self.kind == _TUPLE:
            return f"({inner}{',' if len(kids) == 1 else ''})"
        if self.kind == _LIST:
            return f"[{inner}]"
        if self.kind == _DICT:
            return "{" + ", ".join(f"{k!r}: {c}" for k, c in zip(self.aux, kids)) + "}"
        if self.kind == _ORDERED_DICT:
            return f"CustomNode(OrderedDict[{self.aux!r}], [{inner}])"
        if self.kind == _DEFAULT_DICT:
            return f"CustomNode(defaultdict[{self.aux!r}], [{inner}])"
        if self.kind == _CUSTOM:
            nodetype, aux = self.aux
            return f"CustomNode({nodetype.__name__}[{aux}], [{inner}])"
        return f"CustomNode(namedtuple[{self.aux.__name__}], [{inner}])"

    def __str__(self) -> str:
        if self.kind == _LEAF:
            return "*"
        if self.kind == _NONE:
            return "None"
        inner = ", ".join(str(c) for c in self.children)
        if self.kind == _TUPLE:
            return f"({inner}{',' if len(self.children) == 1 else ''})"
        if self.kind == _LIST:
            return f"[{inner}]"
        if self.kind in (_ORDERED_DICT, _DEFAULT_DICT):
            keys = self.aux if self.kind == _ORDERED_DICT else self.aux[1]
            return (
                f"{self.kind}({{"
                + ", ".join(f"{k!r}: {c}" for k, c in zip(keys, self.children))
                + "})"
            )
        if self.kind == _DICT:
            return "{" + ", ".join(f"{k!r}: {c}" for k, c in zip(self.aux, self.children)) + "}"
        if self.kind == _CUSTOM:
            return f"{self.aux[0].__name__}({inner})"
        return f"{self.aux.__name__}({inner})"


LEAF = TreeDef(_LEAF)


class UnhashableAux:
    """A registered node's aux data that cannot be hashed (a dict): treedefs holding it
    compare by ``==`` and share one hash, so they still key caches, only less evenly."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UnhashableAux) and bool(self.value == other.value)

    def __hash__(self) -> int:
        return hash(type(self.value).__name__)

    def __repr__(self) -> str:
        return repr(self.value)


def _is_namedtuple(x: Any) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def node_kind(x: Any) -> str:
    """Which container kind ``x`` is, or 'leaf'."""
    if x is None:
        return _NONE
    t = type(x)
    if t is tuple:
        return _TUPLE
    if t is list:
        return _LIST
    if t is dict:
        return _DICT
    if t is collections.OrderedDict:
        return _ORDERED_DICT
    if t is collections.defaultdict:
        return _DEFAULT_DICT
    if t in _REGISTRY:
        return _CUSTOM
    if _is_namedtuple(x):
        return _NAMEDTUPLE
    return _LEAF


def children_of(x: Any) -> tuple[list[Any], list[str], Any]:
    """Children, their path fragments and the aux data of a container node."""
    kind = node_kind(x)
    if kind == _NONE:
        return [], [], None
    if kind == _DICT:
        keys = sorted(x)
        return [x[k] for k in keys], [f"[{k!r}]" for k in keys], tuple(keys)
    if kind == _ORDERED_DICT:
        keys = list(x)
        return [x[k] for k in keys], [f"[{k!r}]" for k in keys], tuple(keys)
    if kind == _DEFAULT_DICT:
        keys = sorted(x)
        return [x[k] for k in keys], [f"[{k!r}]" for k in keys], (x.default_factory, tuple(keys))
    if kind == _NAMEDTUPLE:
        return list(x), [f".{f}" for f in type(x)._fields], type(x)
    if kind == _CUSTOM:
        flatten_func, _, names = _REGISTRY[type(x)]
        kids, aux = flatten_func(x)
        kids = list(kids)
        frags = (
            [f".{n}" for n in names]
            if names and len(names) == len(kids)
            else [f"[{i}]" for i in range(len(kids))]
        )
        try:
            hash(aux)
        except TypeError:
            aux = UnhashableAux(aux)  # JAX accepts a dict there: compared by ==
        return kids, frags, (type(x), aux)
    return list(x), [f"[{i}]" for i in range(len(x))], None


def flatten(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> tuple[list[Any], TreeDef]:
    """``(leaves, treedef)`` in JAX's order; ``is_leaf(x)`` true stops at ``x``."""
    leaves: list[Any] = []
    return leaves, _flatten_into(tree, leaves, is_leaf)


def _flatten_into(
    tree: Any, leaves: list[Any], is_leaf: Callable[[Any], bool] | None = None
) -> TreeDef:
    # iterative over the children of each node would not help: pytrees are shallow, while
    # their leaves are many; recursion depth is the tree's depth
    kind = node_kind(tree)
    if kind == _LEAF or (is_leaf is not None and is_leaf(tree)):
        leaves.append(tree)
        return LEAF
    kids, _, aux = children_of(tree)
    return TreeDef(kind, tuple(_flatten_into(k, leaves, is_leaf) for k in kids), aux)


def unflatten(treedef: TreeDef, leaves: Any) -> Any:
    it = iter(leaves)
    out = _build(treedef, it)
    return out


def _build(treedef: TreeDef, it: Iterator[Any]) -> Any:
    kind = treedef.kind
    if kind == _LEAF:
        return next(it)
    if kind == _NONE:
        return None
    kids = [_build(c, it) for c in treedef.children]
    if kind == _TUPLE:
        return tuple(kids)
    if kind == _LIST:
        return kids
    if kind == _DICT:
        return dict(zip(treedef.aux, kids))
    if kind == _ORDERED_DICT:
        return collections.OrderedDict(zip(treedef.aux, kids))
    if kind == _DEFAULT_DICT:
        factory, keys = treedef.aux
        return collections.defaultdict(factory, zip(keys, kids))
    if kind == _CUSTOM:
        nodetype, aux = treedef.aux
        if isinstance(aux, UnhashableAux):
            aux = aux.value
        return _REGISTRY[nodetype][1](aux, kids)
    return treedef.aux(*kids)


def leaf_paths(tree: Any, prefix: str = "") -> list[str]:
    """Path strings (``[0]['w']``) of every leaf, in flattening order."""
    kind = node_kind(tree)
    if kind == _LEAF:
        return [prefix]
    kids, frags, _ = children_of(tree)
    out: list[str] = []
    for kid, frag in zip(kids, frags):
        out.extend(leaf_paths(kid, prefix + frag))
    return out


class PrefixMismatch(Exception):
    """Internal: a spec is not a tree prefix of a value; carries the path of the mismatch."""

    def __init__(self, path: str, detail: str) -> None:
        super().__init__(detail)
        self.path = path
        self.detail = detail


def broadcast_prefix(
    prefix: Any, tree: Any, is_spec_leaf: Callable[[Any], bool], path: str = ""
) -> list[Any]:
    """Expand a spec that is a tree prefix of ``tree`` to one spec entry per leaf of ``tree``.

    ``is_spec_leaf`` decides which spec values apply to a whole subtree (ints and None).
    """
    out: list[Any] = []
    _broadcast_into(prefix, tree, is_spec_leaf, path, out)
    return out


def _broadcast_into(
    prefix: Any, tree: Any, is_spec_leaf: Callable[[Any], bool], path: str, out: list[Any]
) -> None:
    if is_spec_leaf(prefix):
        out.extend([prefix] * len(flatten(tree)[0]))
        return
    pkind, tkind = node_kind(prefix), node_kind(tree)
    if pkind != tkind:
        raise PrefixMismatch(
            path,
            f"the spec has a {type(prefix).__name__} where the value has a {type(tree).__name__}",
        )
    pkids, _, paux = children_of(prefix)
    tkids, frags, taux = children_of(tree)
    if pkind in (_DICT, _ORDERED_DICT, _DEFAULT_DICT) and paux != taux:
        pkeys = paux[1] if pkind == _DEFAULT_DICT else paux
        tkeys = taux[1] if pkind == _DEFAULT_DICT else taux
        raise PrefixMismatch(
            path, f"the spec has keys {list(pkeys)} but the value has keys {list(tkeys)}"
        )
    if pkind in (_CUSTOM, _NAMEDTUPLE) and paux != taux:
        raise PrefixMismatch(path, f"the spec is a {paux!r} node but the value a {taux!r} node")
    if len(pkids) != len(tkids):
        raise PrefixMismatch(
            path, f"the spec has {len(pkids)} entries but the value has {len(tkids)}"
        )
    for pk, tk, frag in zip(pkids, tkids, frags):
        _broadcast_into(pk, tk, is_spec_leaf, path + frag, out)


def tree_leaves(tree: Any) -> list[Any]:
    return flatten(tree)[0]


# --- key paths, as jax.tree_util names them -----------------------------------------------


@dataclass(frozen=True)
class DictKey:
    key: Any

    def __str__(self) -> str:
        return f"[{self.key!r}]"


@dataclass(frozen=True)
class SequenceKey:
    idx: int

    def __str__(self) -> str:
        return f"[{self.idx!r}]"


@dataclass(frozen=True)
class GetAttrKey:
    name: str

    def __str__(self) -> str:
        return f".{self.name}"


@dataclass(frozen=True)
class FlattenedIndexKey:
    key: int

    def __str__(self) -> str:
        return f"[<flat index {self.key}>]"


KeyEntry = DictKey | SequenceKey | GetAttrKey | FlattenedIndexKey


def child_keys(x: Any) -> list[KeyEntry]:
    """The key of each child of the container ``x``, as JAX's key paths name them."""
    kind = node_kind(x)
    if kind == _NONE:
        return []
    kids, _, aux = children_of(x)
    if kind in (_DICT, _ORDERED_DICT):
        return [DictKey(k) for k in aux]
    if kind == _DEFAULT_DICT:
        return [DictKey(k) for k in aux[1]]
    if kind == _NAMEDTUPLE:
        return [GetAttrKey(f) for f in type(x)._fields]
    if kind == _CUSTOM:
        names = _REGISTRY[type(x)][2]
        if names and len(names) == len(kids):
            return [GetAttrKey(n) for n in names]
        return [FlattenedIndexKey(i) for i in range(len(kids))]
    return [SequenceKey(i) for i in range(len(kids))]


def flatten_with_path(
    tree: Any, is_leaf: Callable[[Any], bool] | None = None
) -> tuple[list[tuple[tuple[KeyEntry, ...], Any]], TreeDef]:
    """``([(key path, leaf), ...], treedef)``."""
    leaves, treedef = flatten(tree, is_leaf)
    paths: list[tuple[KeyEntry, ...]] = []

    def walk(node: Any, path: tuple[KeyEntry, ...]) -> None:
        if node_kind(node) == _LEAF or (is_leaf is not None and is_leaf(node)):
            paths.append(path)
            return
        kids, _, _ = children_of(node)
        for kid, key in zip(kids, child_keys(node)):
            walk(kid, (*path, key))

    walk(tree, ())
    return list(zip(paths, leaves)), treedef


def flatten_up_to(treedef: TreeDef, tree: Any, what: str = "tree") -> list[Any]:
    """The subtrees of ``tree`` at the leaves of ``treedef`` (a prefix of its structure);
    a ``ValueError`` naming the key path where they differ."""
    out: list[Any] = []

    def walk(td: TreeDef, node: Any, path: str) -> None:
        if td.kind == _LEAF:
            out.append(node)
            return
        kind = node_kind(node)
        if kind != td.kind:
            raise ValueError(
                f"pytree structure error: {what} has a {type(node).__name__} at key path "
                f"'{path}' where the first tree has a {td._jax_text()}"
            )
        kids, frags, aux = children_of(node)
        if aux != td.aux or len(kids) != len(td.children):
            raise ValueError(
                f"pytree structure error: {what} differs at key path '{path}': it has "
                f"{_text_of(node)}, the first tree has {td._jax_text()}"
            )
        for child, kid, frag in zip(td.children, kids, frags):
            walk(child, kid, path + frag)

    walk(treedef, tree, "")
    return out


def _text_of(node: Any) -> str:
    return flatten(node)[1]._jax_text()
