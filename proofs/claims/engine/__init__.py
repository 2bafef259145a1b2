"""Claims about escset's own engine: the integrators' orders of convergence."""
