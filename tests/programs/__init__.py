"""Real JAX programs run under JAX (recorded) and under axcomp after an import swap."""
