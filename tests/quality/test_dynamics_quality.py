"""Quality tier for the dynamics claims: dropping an assumption gets each one refuted, with a witness
confirmed rigorously (balls, exact sympy) or at higher precision (mpmath)."""
import pytest

from proofs import Verdict
from proofs.registry import all_claims, run_check

DROPPED = [
    ("euler-step-decreases-energy", {"name": "A15 tau=0.26 above 1/4", "model": "a15", "m": 10, "u0": "0.99",
                                     "tau": "0.26", "steps": 20, "drop": "step-size"}),
    ("euler-step-decreases-energy", {"name": "sigmoid net, tau=40", "model": "sigmoid", "m": 20, "n": 16, "d": 2,
                                     "k": 1, "tau": "40", "steps": 50, "drop": "step-size"}),
    ("euler-decreases-energy-at-any-step", {"name": "A15 default", "model": "a15", "m": 10, "u0": "0.99",
                                            "tau": "0.26", "steps": 20}),
    ("relu-balancedness-invariant", {"name": "softplus is not 1-homogeneous", "k": 1, "d": 1, "lambda": "0",
                                     "activation": "softplus"}),
    ("integrator-order", {"name": "RK4 on the kinked ReLU field", "method": "rk4", "order": 4,
                          "activation": "relu", "seed": 0, "T": "1"}),
    ("mean-field-limit-loss-curves", {"name": "unbounded horizon (A15)", "model": "a15", "horizon": "infinite"}),
    ("feature-derivative-linear-growth", {"name": "square activation (unbounded)", "activation": "square", "k": 1,
                                          "d": 2, "n": 4, "seed": 0}),
    ("full-support-kept", {"name": "ball far in the tail (m mu_0(B) << 1)", "m": 4000, "T": 1.0,
                           "centers": [[6, 0, 0, 0]], "radius": 0.5}),
    ("subgaussian-tails-propagate", {"name": "superlinear velocity u' = u^2", "velocity": "u**2", "C": "2"}),
]


@pytest.mark.parametrize("cid, inst", DROPPED, ids=[f"{c}:{i['name']}" for c, i in DROPPED])
def test_dynamics_claim_refutes_without_assumption(cid, inst):
    r = run_check(all_claims()[cid], inst)
    assert r.verdict is Verdict.REFUTED, r.message
    assert r.witness, "a refutation must carry a replayable witness"
    assert not r.numerical
    assert any(s in r.precision for s in ("arb", "exact", "mpmath"))


def test_false_variant_is_registered_as_failing():
    c = all_claims()["euler-decreases-energy-at-any-step"]
    assert c.expected == "fails"
    assert all(run_check(c, i).verdict is Verdict.REFUTED for i in c.instances)
