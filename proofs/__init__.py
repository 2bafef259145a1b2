"""escset, symbolic side: activations, models, first variations, claims.

Public API (see README.md for a tour)::

    from proofs import claim, get_activation, get_model, Verdict, CheckResult, check
"""
from ._errors import EscsetError, GrammarError, InconsistentAssumptions, InvalidArgument, InvalidAssumption
from ._result import CheckResult, Verdict
from .activations import BUILTINS, Activation, get_activation
from .models import get_model
from .registry import all_claims, claim, get_claim, run_check

__all__ = ["Activation", "BUILTINS", "CheckResult", "EscsetError", "GrammarError", "InconsistentAssumptions",
           "InvalidArgument", "InvalidAssumption", "Verdict", "all_claims", "check", "claim", "get_activation",
           "get_claim", "get_model", "run_check", "strategies"]


def check(claim_id: str, instance=None, *, dps: int = 30):
    """Run one claim on an instance (default: its first default instance)."""
    c = get_claim(claim_id)
    return run_check(c, instance if instance is not None else c.instances[0], dps=dps)


def __getattr__(name):
    if name == "strategies":
        import importlib

        return importlib.import_module("proofs.strategies")
    raise AttributeError(name)
