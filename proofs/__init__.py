"""escset, symbolic side: activations, models, problems, claims, verdicts and the command line.

Public API (see README.md for a tour)::

    from proofs import claim, get_activation, get_model, Verdict, CheckResult, check
    from proofs import Model, ModelSpec, model, register_model, Problem   # your own models (proofs.symbolic.models)

The house, from the ground up (the layers are import-linter contracts in ``pyproject.toml``, run by
``tests/test_layers.py``):

* :mod:`proofs.symbolic` -- grammar, named functions, activations, models, code generation (sympy only; imports
  none of the layers above it);
* :mod:`proofs.problem` -- a model, data and a measure validated together once; files; teacher data; inverse design;
* :mod:`proofs.prove` (``escset prove``), :mod:`proofs.analyze` (``escset analyze``), :mod:`proofs.search`
  (engine and strategies), :mod:`proofs.claims` (one folder per paper), :mod:`proofs.dynamics` (models to the
  numerics engine), :mod:`proofs.simulate`, :mod:`proofs.ntk`, :mod:`proofs.bench`, :mod:`proofs.report`;
* :mod:`proofs.cli` -- argument parsing and printing only; nothing imports it.

:mod:`numerics` sits below all of it and never imports ``proofs``: it receives the compiled evaluators it needs.
"""
from proofs.errors import EscsetError, GrammarError, InconsistentAssumptions, InvalidArgument, InvalidAssumption
from proofs.result import CheckResult, Verdict

__all__ = ["__version__", "Activation", "BUILTINS", "CheckResult", "EscsetError", "GrammarError", "InconsistentAssumptions",
           "InvalidArgument", "InvalidAssumption", "Model", "ModelSpec", "Problem", "Verdict", "all_claims", "check",
           "claim", "get_activation", "get_claim", "get_model", "model", "model_names", "register_model", "run_check",
           "strategies", "experiments", "twotimescale", "search", "SearchResult", "escaping_set", "EscapingSet",
           "robustness_radius", "ray_profile", "ntk_lambda_min", "ntk_gram", "ntk_requirements",
           "singularity_witness"]


def _version() -> str:
    """The installed package's version; from pyproject.toml when running from a source tree not installed."""
    try:
        from importlib.metadata import PackageNotFoundError, version

        return version("escset")
    except PackageNotFoundError:
        pass
    import os
    import re

    try:
        with open(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "pyproject.toml"),
                  encoding="utf-8") as fh:
            m = re.search(r'^version\s*=\s*"([^"]+)"', fh.read(), re.M)
        return m.group(1) if m else "unknown"
    except OSError:
        return "unknown"


__version__ = _version()


def get_activation(spec) -> "Activation":
    """An activation by built-in name or grammar string (:func:`proofs.symbolic.activations.get_activation`),
    whose ``sup_abs``/``bounded`` fall back to the rigorous ball enclosure of the prove engine where sympy gives no
    exact value (:func:`proofs.prove.bounds.get_activation`; imported here on first use, so that importing
    ``proofs`` stays light)."""
    from proofs.prove.bounds import get_activation as _enclosing

    return _enclosing(spec)


def check(claim_id: str, instance=None, *, dps: int = 30):
    """Run one claim on an instance (default: its first default instance)."""
    from proofs.registry import get_claim, run_check

    c = get_claim(claim_id)
    return run_check(c, instance if instance is not None else c.instances[0], dps=dps)


#: public names imported on first use (so that ``import proofs`` stays light): name -> (module, attribute or None
#: for the module itself)
_LAZY = {
    # the symbolic layer (sympy) and the claim registry: imported when first named, so that commands that do not
    # need sympy (escset ntk with a built-in activation, --help, --version) start fast
    "BUILTINS": ("proofs.symbolic.activations", "BUILTINS"),
    "Activation": ("proofs.symbolic.activations", "Activation"),
    "Model": ("proofs.symbolic.models", "Model"),
    "ModelSpec": ("proofs.symbolic.models", "ModelSpec"),
    "get_model": ("proofs.symbolic.models", "get_model"),
    "model": ("proofs.symbolic.models", "model"),
    "model_names": ("proofs.symbolic.models", "model_names"),
    "register_model": ("proofs.symbolic.models", "register_model"),
    "Problem": ("proofs.problem", "Problem"),
    "all_claims": ("proofs.registry", "all_claims"),
    "claim": ("proofs.registry", "claim"),
    "get_claim": ("proofs.registry", "get_claim"),
    "run_check": ("proofs.registry", "run_check"),
    "strategies": ("proofs.search.strategies", None),
    "experiments": ("proofs.experiments", None),
    "twotimescale": ("proofs.twotimescale", None),
    "search": ("proofs.search", "search"),
    "SearchResult": ("proofs.search", "SearchResult"),
    "escaping_set": ("proofs.analyze.escaping", "escaping_set"),
    "EscapingSet": ("proofs.analyze.escaping", "EscapingSet"),
    "robustness_radius": ("proofs.analyze.diagnostics", "robustness_radius"),
    "ray_profile": ("proofs.analyze.diagnostics", "ray_profile"),
    "ntk_lambda_min": ("proofs.ntk", "ntk_lambda_min"),
    "ntk_gram": ("proofs.ntk", "ntk_gram"),
    "ntk_requirements": ("proofs.ntk", "ntk_requirements"),
    "singularity_witness": ("proofs.ntk", "singularity_witness"),
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        mod, attr = _LAZY[name]
        m = importlib.import_module(mod)
        return m if attr is None else getattr(m, attr)
    raise AttributeError(name)
