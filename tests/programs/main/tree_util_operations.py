# Source: JAX docs, "Working with pytrees" tutorial (tree_map over several trees, tree_leaves,
# tree_structure, tree_flatten/unflatten, registering a custom pytree node, keystr paths)
# https://docs.jax.dev/en/latest/working-with-pytrees.html
import jax
import jax.numpy as jnp
from jax.tree_util import register_pytree_node

jax.config.update("jax_enable_x64", True)


class MyContainer:
    def __init__(self, name, a, b):
        self.name = name
        self.a = a
        self.b = b


def flatten_MyContainer(container):
    return [container.a, container.b], container.name


def unflatten_MyContainer(aux_data, flat_contents):
    return MyContainer(aux_data, *flat_contents)


register_pytree_node(MyContainer, flatten_MyContainer, unflatten_MyContainer)


def main():
    example_trees = [[1, "a", object()], (1, (2, 3), ()), [1, {"k1": 2, "k2": (3, 4)}, 5]]
    n_leaves = [len(jax.tree_util.tree_leaves(t)) for t in example_trees]
    list_of_lists = [[1.0, 2.0, 3.0], [1.0, 2.0], [1.0, 2.0, 3.0, 4.0]]
    doubled = jax.tree.map(lambda x: x * 2, list_of_lists)
    summed = jax.tree.map(lambda x, y: x + y, list_of_lists, list_of_lists)
    tree = [MyContainer("Alice", 1.0, 2.0), MyContainer("Bob", 4.0, 5.0)]
    leaves = jax.tree_util.tree_leaves(tree)
    mapped = jax.tree.map(lambda x: x + 1, tree)
    flat, treedef = jax.tree_util.tree_flatten({"x": jnp.arange(3.0), "y": (1.0, 2.0)})
    rebuilt = jax.tree_util.tree_unflatten(treedef, [f * 10 for f in flat])
    paths = [
        jax.tree_util.keystr(p)
        for p, _ in jax.tree_util.tree_flatten_with_path({"x": [1, 2], "y": 3})[0]
    ]
    print(n_leaves, leaves, paths)
    return {
        "n_leaves": n_leaves,
        "doubled": doubled,
        "summed": summed,
        "leaves": leaves,
        "mapped": jax.tree_util.tree_leaves(mapped),
        "rebuilt": rebuilt,
        "num_paths": len(paths),
    }


if __name__ == "__main__":
    main()
