"""escset, numeric side: certified and high-precision numerics and the particle dynamics engine.

* :mod:`numerics.certified` -- outward printing and scoped precision, branch and bound on python-flint balls,
  enclosures of Psi and of level sets, ball linear algebra, exact half-space arrangements;
* :mod:`numerics.dynamics` -- particle states, velocity fields (fused kernels and fields generated from a model's
  evaluators), integrators, the flow driver, array-API backends;
* :mod:`numerics.particles` (measures evaluated against a model protocol), :mod:`numerics.highprec` (any-dps
  Psi, derivatives, Newton refinement), :mod:`numerics.balls` (exact numbers to balls), :mod:`numerics.errors`.

This package never imports :mod:`proofs` (an import-linter contract): the symbolic side hands it compiled
evaluators (callables, or objects with ``.compile(what, backend)``) and receives numbers back.
"""
