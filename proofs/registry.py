"""The claim registry: statements with provenance, checks, instances and strategies.

A claim is registered with :func:`claim` (also the public decorator users write
in their own files, DESIGN.md §4)::

    @claim("euler-step-decreases-loss", instances=[{...}], strategy=st.particle_problems(...))
    def check(instance, *, dps):
        return margin            # number (> 0 holds), bool, or CheckResult

A check returning a bare number or bool is turned into a :class:`CheckResult`
by :func:`coerce_result`: a float margin is only ever ``inconclusive`` with the
``numerical`` flag (or ``refuted`` if the user's function says so through a
``CheckResult``); only checks that produce their own certified
``CheckResult`` can say ``proved``.
"""
from __future__ import annotations

import importlib
import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from proofs.errors import InvalidArgument
from proofs.result import CheckResult, Verdict

__all__ = ["Claim", "claim", "get_claim", "all_claims", "run_check", "coerce_result", "CLAIM_MODULES", "paper_slug",
           "paper_matches"]

_REGISTRY: dict[str, "Claim"] = {}
_LOADED: dict = {}

def _discover_claim_modules() -> list[str]:
    """Every public module of every paper package under :mod:`proofs.claims` ("paper.module"; names starting with
    ``_`` are helpers, not claim families), in a stable (sorted) order. Discovered rather than listed so that a new
    claim family is registered by adding its file, and two families cannot fight over one list."""
    import pkgutil

    pkg = importlib.import_module("proofs.claims")  # by name: the claims import the registry, not the reverse

    out = []
    for sub in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if not sub.ispkg or sub.name.startswith("_"):
            continue
        subpkg = importlib.import_module(f"proofs.claims.{sub.name}")
        for m in sorted(pkgutil.iter_modules(subpkg.__path__), key=lambda m: m.name):
            if not m.name.startswith("_"):
                out.append(f"{sub.name}.{m.name}")
    return out


#: modules of proofs.claims imported by :func:`all_claims` (one per content-named claim family), discovered
CLAIM_MODULES = _discover_claim_modules()


def paper_slug(text: str) -> str:
    """``"Du et al. 2018 (Thm 3.2)"`` -> ``"du-2018-thm-3-2"``: lower case, runs of non-alphanumerics to one ``-``,
    "et al." dropped, so ``--paper du-2018`` and ``--paper chizat-bach-2018`` match the citations."""
    s = re.sub(r"[^a-z0-9]+", "-", text.lower().replace("et al.", " ").replace("et al", " "))
    return s.strip("-")


def paper_matches(c: "Claim", query: str) -> bool:
    q = paper_slug(query)
    return bool(q) and (q in paper_slug(c.paper) or q in paper_slug(c.label))



@dataclass(frozen=True)
class Claim:
    id: str
    check: Callable[..., Any]
    statement: str = ""  # LaTeX
    label: str = ""  # e.g. "MATH.md §8 A2"
    provenance: str = "[D]"
    paper: str = ""
    assumptions: tuple[str, ...] = ()
    instances: tuple = ()  # default instances: dicts with a "name"
    strategy: Any = None  # hypothesis strategy of instances (or a zero-arg callable returning one)
    expected: str = "holds"  # "holds" | "fails"
    description: str = ""
    tags: tuple[str, ...] = field(default=())
    #: numerical by nature: the claim can only be supported by floating-point evidence (a simulation, a fitted
    #: rate), so ``inconclusive`` with the numerical flag is its expected outcome; ``escset check`` treats an
    #: ``inconclusive`` of any other ``holds`` claim as unexpected
    numerical: bool = False
    #: where the statement comes from, as precisely as known ("Theorem 3.5", "Lemma 3.2, eq. (7)",
    #: "reconstructed from the abstract"); ``paper`` names the paper, ``provenance`` says how far to trust it
    source: str = ""

    def get_strategy(self):
        s = self.strategy
        return s() if callable(s) and not hasattr(s, "example") else s

    def summary(self) -> dict:
        return {"id": self.id, "label": self.label, "provenance": self.provenance, "paper": self.paper,
                "expected": self.expected, "assumptions": list(self.assumptions), "statement": self.statement,
                "description": self.description, "numerical": self.numerical, "source": self.source,
                "instances": [i.get("name", str(k)) for k, i in enumerate(self.instances)]}


def claim(id: str, *, statement: str = "", label: str = "", provenance: str = "[D]", paper: str = "",
          assumptions=(), instances=(), strategy=None, expected: str = "holds", description: str = "",
          replace: bool = False, numerical: bool = False, source: str = ""):
    """Register a check function as a claim (decorator)."""
    if expected not in ("holds", "fails"):
        raise InvalidArgument(f"expected must be 'holds' or 'fails', got {expected!r}")

    def deco(fn):
        if id in _REGISTRY and not replace and _REGISTRY[id].check is not fn:
            raise InvalidArgument(f"claim {id!r} is already registered")
        _REGISTRY[id] = Claim(id=id, check=fn, statement=statement, label=label, provenance=provenance,
                              paper=paper, assumptions=tuple(assumptions), instances=tuple(instances),
                              strategy=strategy, expected=expected, numerical=bool(numerical), source=source,
                              description=description or (fn.__doc__ or "").strip().split("\n")[0])
        fn.claim_id = id
        return fn
    return deco


def load_module(path: str):
    """Import a user's claim file (their own Python code, e.g. ``conj.py``) so its ``@claim``s register.

    This runs the user's file as Python, like ``python conj.py`` would; expression strings elsewhere in escset
    are never evaluated this way. Errors become one-line :class:`InvalidArgument`.
    """
    import importlib.util
    import os
    import sys

    if not os.path.isfile(path):
        raise InvalidArgument(f"module file not found: {path}")
    key = os.path.realpath(path)
    if key in _LOADED:  # a file is imported once per process, so its claims register once
        return _LOADED[key]
    name = "escset_user_" + os.path.splitext(os.path.basename(path))[0].replace("-", "_")
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise InvalidArgument(f"cannot import {path}: not a Python file")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    try:
        spec.loader.exec_module(mod)
    except InvalidArgument:
        raise
    except Exception as exc:  # the user's file failed: report it in one line
        raise InvalidArgument(f"importing {path} failed: {type(exc).__name__}: {exc}") from None
    _LOADED[key] = mod
    return mod


def _load_builtin():
    for mod in CLAIM_MODULES:
        importlib.import_module(f"proofs.claims.{mod}")


def all_claims() -> dict[str, Claim]:
    _load_builtin()
    return dict(_REGISTRY)


def get_claim(id: str) -> Claim:
    claims = all_claims()
    if id not in claims:
        raise InvalidArgument(f"unknown claim {id!r}; run 'escset list' for the catalogue")
    return claims[id]


def is_builtin(c: Claim) -> bool:
    """True for the claims of :mod:`proofs.claims` (which set their own scope and statement)."""
    return getattr(c.check, "__module__", "").startswith("proofs.claims.")


def _instantiated(c: Claim, name: str) -> str:
    return (c.statement or c.id) + (f" (instance {name!r})" if name else "")


def coerce_result(c: Claim, value, instance) -> CheckResult:
    """The check's return value as a :class:`CheckResult`.

    A user check's result that says nothing about its scope gets ``scope="instance"`` (it covers the instance it
    ran on, no more) and, without a statement, the claim's statement tagged with the instance; built-in claims set
    both themselves (tests/test_registry.py checks it)."""
    name = instance.get("name", "") if isinstance(instance, dict) else ""
    user = not is_builtin(c)
    if isinstance(value, CheckResult):
        if not value.instance:
            object.__setattr__(value, "instance", name)
        if user and value.scope is None:
            object.__setattr__(value, "scope", "instance")
        if user and not value.statement:
            object.__setattr__(value, "statement", _instantiated(c, value.instance))
        return value
    if isinstance(value, bool):
        return CheckResult(c.id, Verdict.INCONCLUSIVE, margin=value, precision="user check", method="bool",
                           instance=name, numerical=True, scope="instance", statement=_instantiated(c, name),
                           message="a boolean check is evidence only; return a CheckResult to prove or refute")
    try:
        m = float(value)
    except (TypeError, ValueError):
        raise InvalidArgument(f"check of {c.id!r} returned {type(value).__name__}; expected a number, bool or "
                              "CheckResult") from None
    return CheckResult(c.id, Verdict.INCONCLUSIVE, margin=m, precision="float64 (user check)",
                       method="user margin", instance=name, numerical=True, scope="instance",
                       statement=_instantiated(c, name),
                       message="floating-point margin: evidence, not a proof (> 0 means the claim held here)")


def run_check(c: Claim, instance, dps: int = 30) -> CheckResult:
    t0 = time.perf_counter()
    res = coerce_result(c, c.check(instance, dps=dps), instance)
    res.stats.setdefault("seconds", round(time.perf_counter() - t0, 4))
    return res
