"""The claim registry: statements with provenance, checks, instances and strategies.

A claim is registered with :func:`claim` (also the public decorator users write
in their own files, DESIGN.md §4)::

    @claim("euler-step-decreases-loss", instances=[{...}], strategy=st.particle_problems(...))
    def check(instance, *, dps):
        return margin            # number (> 0 holds), bool, or CheckResult

A check returning a bare number or bool is turned into a :class:`CheckResult`
by :func:`coerce_result`: an exact (int, Fraction, sympy Rational) or ball (arb,
mpmath interval) margin below 0 is a certified refutation; a negative float or
mpmath margin counts only once it is confirmed, negative and stable, at 2x and
4x the dps (the check is run again); anything else is ``inconclusive``. A margin
never proves: only checks that produce their own certified ``CheckResult`` can
say ``proved``.
"""
from __future__ import annotations

import contextvars
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
    if hasattr(instances, "example") and hasattr(instances, "map"):  # a hypothesis strategy given as instances=
        if strategy is not None:
            raise InvalidArgument(f"claim {id!r}: give the strategy once (instances= or strategy=), not both")
        strategy, instances = instances, ()

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


#: the precisions, as multiples of the check's ``dps``, at which a negative float or mpmath margin is recomputed
#: before it counts as a refutation (2x and 4x dps)
CONFIRM_FACTORS = (2, 4)


def _margin_kind(value) -> str | None:
    """``"ball"`` (flint arb or mpmath interval: an enclosure), ``"exact"`` (int or Fraction), ``"mp"`` (mpmath mpf),
    ``"float"`` (a Python or numpy float), else None (not a margin)."""
    import numbers

    if isinstance(value, bool):
        return None
    try:
        import flint

        if isinstance(value, flint.arb):
            return "ball"
    except ImportError:  # pragma: no cover
        pass
    import mpmath

    if isinstance(value, mpmath.ctx_iv.ivmpf):
        return "ball"
    if isinstance(value, mpmath.mpf):
        return "mp"
    if isinstance(value, numbers.Rational):  # int, Fraction (exact)
        return "exact"
    if isinstance(value, numbers.Real):
        return "float"
    return None


def _ball_ends(value):
    """(lower, upper) of an enclosure, as decided numbers (arb endpoints are exact points: comparing them with 0 is
    decided) and as decimal strings rounded outward (a printed enclosure stays an enclosure)."""
    import mpmath

    from numerics.certified.precision import outward_decimal

    if isinstance(value, mpmath.ctx_iv.ivmpf):
        lo, hi = value.a, value.b
    else:
        lo, hi = value.lower(), value.upper()
    return lo, hi, outward_decimal(value, False, 20), outward_decimal(value, True, 20)


def _num_str(v, digits: int = 20) -> str:
    import mpmath

    if isinstance(v, mpmath.mpf):
        return mpmath.nstr(v, digits)
    return repr(v) if isinstance(v, float) else str(v)


def _as_mpf(v):
    import mpmath
    import numbers

    if isinstance(v, numbers.Rational) and not isinstance(v, int):
        return mpmath.mpf(int(v.numerator)) / int(v.denominator)
    if isinstance(v, mpmath.mpf):
        return v
    return mpmath.mpf(float(v)) if not isinstance(v, int) else mpmath.mpf(v)


def _plain_number(value):
    """numpy's bool as a bool, a sympy Float as the mpmath number it holds (exactly, every bit kept)."""
    import mpmath
    import numpy as np

    if isinstance(value, np.bool_):
        return bool(value)
    raw = getattr(value, "_mpf_", None)  # (an arb ball has one too, its midpoint: balls stay balls)
    if raw is not None and type(value).__module__.startswith("sympy") and isinstance(raw, tuple):
        x = mpmath.mpf.__new__(mpmath.mpf)
        x._mpf_ = raw
        return x
    return value


def _margin_result(c: Claim, name: str, kind: str, value, **kw) -> CheckResult:
    return CheckResult(c.id, kw.pop("verdict"), margin=value, instance=name, scope="instance",
                       statement=_instantiated(c, name), **kw)


def coerce_result(c: Claim, value, instance, rerun=None, dps: int | None = None) -> CheckResult:
    """The check's return value as a :class:`CheckResult` (the margin contract, README "Counterexample search").

    A check returns a ``CheckResult``, a bool, or a margin (> 0 on the side of the claim):

    * an enclosure (flint ``arb`` ball, mpmath interval) with upper end < 0, or an exact (int, Fraction) value < 0,
      is a certified refutation of the claim on this instance (``refuted``, ``scope="instance"``);
    * a negative float or mpmath margin is a *candidate*: with ``rerun`` (a function ``dps -> value`` that runs the
      check again, as :func:`run_check` passes) it is recomputed once more at ``dps`` (the check must be
      deterministic) and at 2x and 4x ``dps``; ``refuted`` only when it stays negative at both higher precisions and
      the two agree to within half its size (the message says "confirmed at 60 and 120 digits"), and when it changed
      with the precision at all (a margin that is the same at every ``dps`` comes from a computation that ignores
      ``dps``, e.g. float64, which more digits cannot confirm); otherwise ``inconclusive`` with the candidate;
    * anything else (a positive margin, an exact zero, a ball containing 0) is ``inconclusive``: a margin is never
      a proof (return a ``CheckResult`` for that), and float evidence carries ``numerical=True``.

    A user check's ``CheckResult`` that says nothing about its scope gets ``scope="instance"`` (it covers the
    instance it ran on, no more) and, without a statement, the claim's statement tagged with the instance; built-in
    claims set both themselves (tests/test_registry.py checks it)."""
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
    value = _plain_number(value)
    if isinstance(value, bool):
        return CheckResult(c.id, Verdict.INCONCLUSIVE, margin=value, precision="user check", method="bool",
                           instance=name, numerical=True, scope="instance", statement=_instantiated(c, name),
                           message="a boolean check is evidence only; return a margin or a CheckResult to refute")
    kind = _margin_kind(value)
    if kind is None:
        raise InvalidArgument(f"check of {c.id!r} returned {type(value).__name__}; expected a number (float, "
                              "mpmath, Fraction, int, arb ball), bool or CheckResult")
    if kind == "ball":
        lo, hi, lo_s, hi_s = _ball_ends(value)
        if hi < 0:
            return _margin_result(c, name, kind, value, verdict=Verdict.REFUTED, precision="rigorous enclosure",
                                  method="user margin (ball)", witness={"margin_lower": lo_s, "margin_upper": hi_s},
                                  message=f"certified: the margin's enclosure lies below 0 (upper end {hi_s}), so "
                                          "the claim fails on this instance")
        side = ("held on this instance (certified margin > 0); a margin proves nothing beyond it: return a "
                "CheckResult to say proved" if lo > 0 else
                "the margin's enclosure contains 0: undecided; raise dps to narrow it")
        return _margin_result(c, name, kind, value, verdict=Verdict.INCONCLUSIVE, precision="rigorous enclosure",
                              method="user margin (ball)", message=side)
    if kind == "exact":
        from fractions import Fraction

        v = Fraction(value)
        if v < 0:
            return _margin_result(c, name, kind, value, verdict=Verdict.REFUTED, precision="exact (rational)",
                                  method="user margin (exact)", witness={"margin": str(v)},
                                  message=f"certified: the exact margin {v} is negative, so the claim fails on "
                                          "this instance")
        why = ("the exact margin is 0: on the boundary (a strict inequality fails here, a non-strict one holds); "
               "return a CheckResult to decide" if v == 0 else
               "held exactly on this instance; a margin proves nothing beyond it: return a CheckResult to say proved")
        return _margin_result(c, name, kind, value, verdict=Verdict.INCONCLUSIVE, precision="exact (rational)",
                              method="user margin (exact)", message=why)
    if kind == "float" and not isinstance(value, float):  # numpy float32 and the like: as a Python float
        value = float(value)
    return _float_margin(c, name, kind, value, rerun, dps)


def _float_margin(c, name, kind, value, rerun, dps) -> CheckResult:
    """A float or mpmath margin: evidence, or (negative) a candidate confirmed by recomputation (see
    :func:`coerce_result`)."""
    prec = "float64 (user check)" if kind == "float" else f"mpmath at {dps or '?'} digits (user check)"
    if not value < 0:
        return _margin_result(c, name, kind, value, verdict=Verdict.INCONCLUSIVE, precision=prec,
                              method="user margin", numerical=True,
                              message="floating-point margin: evidence, not a proof (> 0 means the claim held "
                                      "here)" if value > 0 else
                              "floating-point margin 0 (or nan): undecided; return an exact or ball margin")
    if rerun is None or dps is None:
        return _margin_result(c, name, kind, value, verdict=Verdict.INCONCLUSIVE, precision=prec,
                              method="user margin", numerical=True, witness={"candidate_margin": _num_str(value)},
                              message="negative floating-point margin: a candidate counterexample, not confirmed "
                                      "(run it through escset check or escset search, which recompute it at higher "
                                      "precision)")
    levels = [dps] + [f * dps for f in CONFIRM_FACTORS]
    vals, why, again = {}, "", value
    try:
        again = rerun(dps)
        for d in levels[1:]:
            vals[d] = rerun(d)
    except (KeyboardInterrupt, InvalidArgument):
        raise
    except Exception as exc:  # noqa: BLE001 - the recomputation failed: the candidate stays unconfirmed
        why = f"the check raised {type(exc).__name__} when recomputed at higher precision"
    again, vals = _plain_number(again), {d: _plain_number(v) for d, v in vals.items()}
    if not why and any(_margin_kind(v) not in ("float", "mp", "exact") for v in [again, *vals.values()]):
        why = "the check did not return a number when recomputed"
    if not why and again != value:
        why = (f"the check is not deterministic: it returned {_num_str(value)} and then {_num_str(again)} at the same "
               f"{dps} digits, so recomputing cannot confirm it (fix its seeds)")
    if not why:
        hi2, hi4 = (vals[d] for d in levels[1:])
        v2, v4 = _as_mpf(hi2), _as_mpf(hi4)
        if not (v2 < 0 and v4 < 0):
            why = (f"the margin does not stay negative at higher precision ({_num_str(hi2)} at {levels[1]} digits, "
                   f"{_num_str(hi4)} at {levels[2]}): a rounding artefact")
        elif value == hi2 == hi4:
            why = (f"the margin is the same at {dps}, {levels[1]} and {levels[2]} digits: the check does not seem "
                   "to use dps (float64?), so more digits cannot confirm it; compute under mpmath.workdps(dps) and "
                   "return the mpmath value, or return an exact or ball margin")
        elif not abs(v2 - v4) <= abs(v4) / 2:
            why = (f"the margin is not stable across precisions ({_num_str(hi2)} at {levels[1]} digits, "
                   f"{_num_str(hi4)} at {levels[2]}); raise dps")
    witness = {f"margin_at_{d}_digits": _num_str(v, 25) for d, v in [(dps, value), *vals.items()]}
    if why:
        witness["candidate_margin"] = _num_str(value)
        return _margin_result(c, name, kind, value, verdict=Verdict.INCONCLUSIVE, precision=prec,
                              method="user margin, precision escalation", numerical=True, witness=witness,
                              message=f"negative margin {_num_str(value)} not confirmed: {why}")
    conf = f"confirmed at {levels[1]} and {levels[2]} digits"
    witness["confirmed"] = conf
    return _margin_result(c, name, kind, vals[levels[2]], verdict=Verdict.REFUTED,
                          precision=f"{conf} (higher precision, not a rigorous enclosure)",
                          method="user margin, precision escalation", witness=witness,
                          message=f"the margin is negative ({_num_str(hi4)} at {levels[2]} digits), {conf}: the claim "
                                  "fails on this instance")


_CHECK_DPS: contextvars.ContextVar = contextvars.ContextVar("escset_check_dps", default=None)


def current_check_dps() -> int | None:
    """The dps of the check escset is running now (None outside a check): what helpers a check calls without a
    ``dps`` (``ParticleProblem.loss()``) compute at, so that the 2x/4x confirmation reruns really raise it."""
    return _CHECK_DPS.get()


def _call(c: Claim, instance, dps: int):
    """One call of the check at ``dps``. A user's check runs inside ``mpmath.workdps(dps)``, so that its own
    mpmath arithmetic (``problem.loss() - problem.euler_step().loss()``) is carried at the digits the margin
    confirmation asks for; built-in checks set their precision themselves."""
    import contextlib

    import mpmath

    token = _CHECK_DPS.set(int(dps))
    try:
        with (mpmath.workdps(int(dps)) if not is_builtin(c) else contextlib.nullcontext()):
            return c.check(instance, dps=dps)
    finally:
        _CHECK_DPS.reset(token)


def run_check(c: Claim, instance, dps: int = 30) -> CheckResult:
    """Run ``c``'s check on ``instance`` at ``dps`` digits and coerce its value (:func:`coerce_result`); a negative
    float/mpmath margin is recomputed at 2x and 4x ``dps`` before it may count as a refutation. (A particle
    problem read back from JSON becomes a :class:`proofs.search.strategies.ParticleProblem` with
    ``as_particle_problem`` first; ``escset check --instance`` does that.)"""
    t0 = time.perf_counter()
    value = _call(c, instance, dps)
    res = coerce_result(c, value, instance, rerun=lambda d: _call(c, instance, d), dps=dps)
    res.stats.setdefault("seconds", round(time.perf_counter() - t0, 4))
    return res
