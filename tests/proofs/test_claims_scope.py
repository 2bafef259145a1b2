"""Every verdict of a built-in claim says what it covers (issue #9, part 3): ``scope`` is ``universal`` or
``instance`` and ``statement`` is the statement as instantiated; claims numerical by nature are registered so."""
import pytest

from proofs import Verdict
from proofs.result import SCOPES
from proofs.registry import all_claims, run_check

BUILTIN = {k: c for k, c in all_claims().items() if c.check.__module__.startswith("proofs.claims.")}

#: claims that can only be supported by floating-point evidence on their network instances (simulations,
#: fitted rates); their closed-form instances may still be proved
NUMERICAL_BY_NATURE = {"integrator-order", "mean-field-limit-loss-curves", "full-support-kept",
                       "subgaussian-tails-propagate",
                       # escape simulations (issue #12)
                       "stationary-first-variation-vanishes-on-support", "zero-configuration-unstable-under-perturbation",
                       "escaping-set-boundary-enters", "escaping-set-weight-growth", "vector-output-escape-rate",
                       "attention-escape-rate",
                       # NTK (issue #14): Monte-Carlo twins and training trajectories
                       "du2018-hinf-closed-form", "du2018-ginf-arccos-kernel",
                       "du2018-initial-gram-concentration", "du2018-gram-stability-radius", "du2018-lazy-movement",
                       "du2018-linear-rate", "du2018-pattern-changes-decrease-with-width",
                       "du2018-joint-training-gram", "du2019-gram-recursion-matches-finite-width",
                       "du2019-resnet-gram-depth-scaling", "du2019-deep-gd-linear-rate",
                       # Marion-Berthier (issue #15): float runs of the flows
                       "sharp-slow-flow-qualitative", "two-timescale-reaches-floor"}

#: claims certified on one instance (data drawn or given, one trajectory, one sequence): never universal
INSTANCE_ONLY = {"attention-feature-bounded-linear", "euler-step-decreases-energy",
                 "euler-decreases-energy-at-any-step",
                 "mean-field-limit-loss-curves", "feature-derivative-linear-growth", "integrator-order",
                 "full-support-kept", "subgaussian-tails-propagate",
                 # Chizat-Bach (issue #12)
                 "stationary-not-global-minimiser", "every-stationary-point-is-global-minimiser",
                 "separation-covers-vector-output", "flow-converges-to-global-minimiser-from-any-init",
                 "mean-field-limits-interchange",
                 "finite-particles-reach-global-minimum", "many-particle-theorem-covers-gaussian-init",
                 "stationary-first-variation-vanishes-on-support", "zero-configuration-unstable-under-perturbation",
                 "escaping-set-boundary-enters", "escaping-set-weight-growth", "vector-output-escape-rate",
                 "attention-escape-rate",
                 # Du et al. (issue #14)
                 "du2018-hinf-closed-form", "du2018-ginf-arccos-kernel", "du2018-hinf-positive-nonparallel",
                 "du2018-false-any-parallel-pair-singular", "du2018-false-unit-norm-free",
                 "du2019-gram-positive-analytic", "du2019-false-polynomial-activation-positive",
                 "du2018-initial-gram-concentration", "du2018-gram-stability-radius", "du2018-lazy-movement",
                 "du2018-linear-rate", "du2018-pattern-changes-decrease-with-width", "du2018-joint-training-gram",
                 "du2019-gram-recursion-matches-finite-width", "du2019-resnet-gram-depth-scaling",
                 "du2019-deep-gd-linear-rate", "du2018-any-constant-step-converges",
                 "du2018-only-least-eigenvalue-matters", "du2019-resnet-amplification-bounded-without-1-over-H",
                 # Marion-Berthier (issue #15)
                 "sharp-step-reduced-loss-limit", "sharp-slow-flow-qualitative", "two-timescale-reaches-floor",
                 "single-timescale-finds-global-optimum", "sharp-limit-any-layout",
                 # escaping-set diagnostics (issue #12)
                 "escaping-set-regular-level", "lifted-sigmoid-optimality-certificate",
                 "sigmoid-boundary-condition-finite-data", "vector-output-nonzero-first-variation",
                 # value checks and identities checked on given inputs (the induction / independence steps are
                 # argued, so the scope is the instance)
                 "du2018-two-point-eigenvalue", "du2018-initial-residual", "du2019-fc-unit-diagonal",
                 "du2019-depth-one-reduction"}

#: proved symbolically for every data set (fixed model sizes)
UNIVERSAL = {"first-variation-directional-derivative", "particle-velocity-identity", "euler-homogeneity-identities",
             "escape-inequality-frozen-flow", "multihead-concat-identity", "relu-balancedness-invariant",
             "cubic-smooth-step-facts", "cubic-smooth-step-is-C2",
             "two-homogeneous-angular-decoupling", "lemma-c15-counterexample",
             "du2019-c-sigma-constants",
             "soft-threshold-at-zero-weight"}

#: universal on some default instances (a symbolic proof), instance-scoped on others (an explicit witness)
MIXED = {"separation-hypotheses", "slow-flow-flanking-derivatives", "sharp-loss-general-gradient",
         "finite-eta-floor"}



def _load(name):
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).resolve().parents[1] / "quality" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"_escset_{name}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _dropped():
    return _load("test_foundation_quality").DROPPED + _load("test_dynamics_quality").DROPPED


def test_the_lists_cover_every_builtin_claim():
    assert set(BUILTIN) == INSTANCE_ONLY | UNIVERSAL | MIXED
    assert not INSTANCE_ONLY & UNIVERSAL and not MIXED & (INSTANCE_ONLY | UNIVERSAL)


@pytest.mark.parametrize("cid", sorted(BUILTIN))
def test_default_verdicts_set_scope_and_statement(cid):
    c = BUILTIN[cid]
    for inst in c.instances:
        r = run_check(c, inst)
        assert r.scope in SCOPES, (cid, inst.get("name"), r.scope)
        assert isinstance(r.statement, str) and len(r.statement) > 20, (cid, r.statement)
        if cid in INSTANCE_ONLY:
            assert r.scope == "instance", (cid, inst.get("name"), r.message)
        if cid in UNIVERSAL and r.verdict is Verdict.PROVED:
            assert r.scope == "universal", (cid, inst.get("name"))
        # what escset check demands: a theorem proved, or, when numerical by nature, float evidence with margin > 0
        if c.expected == "fails":
            assert r.verdict is Verdict.REFUTED, (cid, inst.get("name"))
        elif r.verdict is not Verdict.PROVED:
            assert c.numerical and r.numerical and r.verdict is Verdict.INCONCLUSIVE, (cid, inst.get("name"))
            assert r.margin > 0, (cid, inst.get("name"), r.margin)


def test_dropped_assumption_verdicts_set_scope_and_statement():
    for cid, inst in _dropped():
        r = run_check(all_claims()[cid], inst)
        assert r.scope in SCOPES and r.statement, (cid, inst["name"])
        if r.verdict is Verdict.REFUTED:
            assert r.scope == "instance" or cid in ("cubic-smooth-step-facts",), (cid, inst["name"])


def test_numerical_by_nature_is_registered():
    for cid, c in BUILTIN.items():
        assert c.numerical is (cid in NUMERICAL_BY_NATURE), cid


def test_g1_certifies_one_instance_not_every_X_A_B():
    c = BUILTIN["attention-feature-bounded-linear"]
    r = run_check(c, c.instances[0])
    assert r.verdict is Verdict.PROVED and r.scope == "instance"
    assert r.witness["X"] and r.witness["A"] and r.witness["B"]  # the instance it covers, replayable
    assert "instance" in r.message


def test_a14_proves_one_sequence_only():
    c = BUILTIN["mean-field-limit-loss-curves"]
    r = run_check(c, c.instances[0])
    assert r.verdict is Verdict.PROVED and r.scope == "instance"
    assert "delta_{1/m}" in r.statement and "A15" in r.statement
