"""Problems: a model, a data set and a measure of particles, read and validated once at the boundary.

:mod:`proofs.problem.measure` holds the containers and the JSON files; :mod:`proofs.problem.inverse_design`
builds exactly stationary measures and teacher data.
"""
