"""The seed tutorial (nested vmap), unchanged except for the two import lines."""

import axcomp as jax
import axcomp.numpy as jnp


def matvec_multiply(matrix, vector):
    """Computes the product of a matrix and a vector."""
    # matrix: [M, N], vector: [N] -> result: [M]
    return jnp.dot(matrix, vector)


# Example single inputs
matrix = jnp.arange(6.0).reshape(2, 3)  # Shape (2, 3)
vector = jnp.arange(3.0)  # Shape (3,)
print("Single matvec:", matvec_multiply(matrix, vector))
# Expected output: [ 5. 14.] (Shape (2,))

# Batch of matrices (3 matrices, each 2x3)
batch_of_matrices = jnp.arange(18.0).reshape(3, 2, 3)
# Batch of vectors (3 vectors, each 3)
batch_of_vectors = jnp.arange(9.0).reshape(3, 3)

# Map over axis 0 for both arguments
batched_matvec = jax.vmap(matvec_multiply, in_axes=(0, 0))
print("Batched matvec (paired):", batched_matvec(batch_of_matrices, batch_of_vectors))
# Expected output shape: (3, 2) -> 3 results, each of shape (2,)

# Batch of matrices (3 matrices, each 2x3)
batch_of_matrices = jnp.arange(18.0).reshape(3, 2, 3)
# Another batch of vectors (say, 4 vectors, each 3)
batch_of_vectors_outer = jnp.arange(12.0).reshape(4, 3)
# Goal: Compute matvec for all 3x4 combinations. Result shape should be (3, 4, 2)
inner_mapped_matvec = jax.vmap(matvec_multiply, in_axes=(None, 0))
pairwise_matvec = jax.vmap(jax.vmap(matvec_multiply, in_axes=(None, 0)), in_axes=(0, None))
result = pairwise_matvec(batch_of_matrices, batch_of_vectors_outer)
print("Shape of pairwise matvec result:", result.shape)
# Expected output: Shape of pairwise matvec result: (3, 4, 2)
manual_calc = matvec_multiply(batch_of_matrices[1], batch_of_vectors_outer[2])
print("Manual calculation for (1, 2):", manual_calc)
print("Result from nested vmap for (1, 2):", result[1, 2])


def euclidean_distance_sq(point_a, point_b):
    """Calculates the squared Euclidean distance between two points."""
    # Assumes points are 1D vectors
    return jnp.sum((point_a - point_b) ** 2)


# Batch A: 3 points in 2D space
points_a = jnp.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])  # Shape (3, 2)
# Batch B: 4 points in 2D space
points_b = jnp.array([[2.0, 2.0], [-2.0, 2.0], [2.0, -2.0], [-2.0, -2.0]])  # Shape (4, 2)
inner_map = jax.vmap(euclidean_distance_sq, in_axes=(None, 0))
pairwise_distance_sq = jax.vmap(inner_map, in_axes=(0, None))
pairwise_distance_sq_direct = jax.vmap(
    jax.vmap(euclidean_distance_sq, in_axes=(None, 0)),  # Map over B for fixed A
    in_axes=(0, None),  # Map over A, passing full B batch
)
distance_matrix = pairwise_distance_sq(points_a, points_b)
distance_matrix_direct = pairwise_distance_sq_direct(points_a, points_b)
print("Shape of distance matrix:", distance_matrix.shape)
# Expected output: Shape of distance matrix: (3, 4)
print("Distance Matrix (Squared):\n", distance_matrix)
manual_dist_sq_00 = euclidean_distance_sq(points_a[0], points_b[0])  # (1-2)^2 + (0-2)^2 = 5
print("Manual dist_sq[0, 0]:", manual_dist_sq_00)
print("Matrix element [0, 0]:", distance_matrix[0, 0])
# Expected output: Manual dist_sq[0, 0]: 5.0, Matrix element [0, 0]: 5.0

# JIT-compiling the pairwise distance function
jitted_pairwise_distance_sq = jax.jit(pairwise_distance_sq_direct)
distance_matrix_jitted = jitted_pairwise_distance_sq(points_a, points_b)
print("JITted Distance Matrix (Squared):\n", distance_matrix_jitted)


# Example: Gradient of the sum of pairwise distances w.r.t points_a
def sum_of_distances(p_a, p_b):
    # Calculate all pairwise distances
    dist_matrix = pairwise_distance_sq_direct(p_a, p_b)
    # Return the sum
    return jnp.sum(dist_matrix)


# Compute gradient w.r.t the first argument (points_a)
grad_sum_dist_wrt_a = jax.grad(sum_of_distances, argnums=0)
gradients_a = grad_sum_dist_wrt_a(points_a, points_b)
print("Shape of gradients w.r.t points_a:", gradients_a.shape)
# Expected output: Shape of gradients w.r.t points_a: (3, 2) (same shape as points_a)
print("Gradients w.r.t points_a:\n", gradients_a)
