# Source: JAX docs, "JAX - The Sharp Bits" / Common gotchas (in-place updates with
# x.at[idx].set/add/mul/min/max, out-of-bounds indexing clamps gathers and drops scatters)
# https://docs.jax.dev/en/latest/notebooks/Common_Gotchas_in_JAX.html
import jax
import jax.numpy as jnp

jax.config.update("jax_enable_x64", True)


def main():
    jax_array = jnp.zeros((3, 3), dtype=jnp.float32)
    updated_array = jax_array.at[1, :].set(1.0)
    print("original array unchanged:\n", jax_array)
    print("updated array:\n", updated_array)
    jax_array = jnp.ones((5, 6))
    new_add_array = jax_array.at[::2, 3:].add(7.0)
    mul = jax_array.at[1].mul(3.0)
    mn = jnp.arange(5.0).at[jnp.array([0, 4])].min(jnp.array([-1.0, 10.0]))
    mx = jnp.arange(5.0).at[2].max(9.0)
    gathered = jnp.arange(10)[11]
    clamped = jnp.arange(10.0).at[11].get()
    filled = jnp.arange(10.0).at[11].get(mode="fill", fill_value=jnp.nan)
    dropped = jnp.arange(10).at[11].set(23)
    repeated = jnp.zeros(4).at[jnp.array([1, 1, 3])].add(1.0)
    return {
        "updated": updated_array,
        "add": new_add_array,
        "mul": mul,
        "min": mn,
        "max": mx,
        "oob_gather": gathered,
        "oob_get": clamped,
        "oob_fill": filled,
        "oob_set": dropped,
        "repeated": repeated,
    }


if __name__ == "__main__":
    main()
