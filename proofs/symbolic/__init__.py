"""The symbolic layer: the grammar of user text, named functions, activations, models and code generation.

Everything here is written once in sympy; :mod:`proofs.symbolic.codegen` turns it into numpy, array-API,
mpmath and python-flint evaluators. This layer imports nothing of ``proofs.prove``, ``proofs.analyze``,
``proofs.search`` or ``proofs.claims`` (an import-linter contract in ``pyproject.toml``).
"""
