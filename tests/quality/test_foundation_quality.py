"""Quality tier: dropping an assumption of each foundation claim gets it refuted, with a witness."""
import pytest

from proofs import Verdict
from proofs.claims.petit_poon_peyre_2026.attention_features import TIGHT_G1
from proofs.registry import all_claims, run_check

DROPPED = [
    ("first-variation-directional-derivative",
     {"name": "quartic loss", "model": "sigmoid", "k": 2, "d": 1, "n": 3, "m": 2, "seed": 3, "loss": "quartic"}),
    ("particle-velocity-identity", {"name": "no mean-field factor m", "model": "sigmoid", "k": 2, "d": 1,
                                    "scaling": "no-m"}),
    ("particle-velocity-identity", {"name": "attention, no factor m", "model": "attention", "k": 1, "p": 2, "L": 2,
                                    "scaling": "no-m"}),
    ("euler-homogeneity-identities", {"name": "softplus is not 2-homogeneous", "model": "relu-lift", "d": 1,
                                      "activation": "softplus", "kind": "two-homogeneous"}),
    ("escape-inequality-frozen-flow", {"name": "Psi not frozen", "k": 2, "frozen": False}),
    ("attention-feature-bounded-linear", {"name": "no softmax normalisation", "L": 3, "p": 2, "k": 1, "seed": 3,
                                          "scale": 3.0, "normalize": False}),
    ("attention-feature-bounded-linear", dict(TIGHT_G1, name="bound without sqrt(L), attention on one token",
                                              drop="sqrt-L")),
    ("euler-homogeneity-identities", {"name": "relu(z) + relu(-z-100) is not 2-homogeneous (kink far out)",
                                      "model": "relu-lift", "d": 1, "activation": "relu(z) + relu(-z-100)",
                                      "kind": "two-homogeneous"}),
    ("multihead-concat-identity", {"name": "wrong blocks", "H": 2, "L": 1, "dv": 1, "k": 1, "blocks": "reversed"}),
    ("cubic-smooth-step-facts", {"name": "piecewise-linear ramp (earliest code)", "activation": "min(max(z+0.5,0),1)"}),
]


@pytest.mark.parametrize("cid, inst", DROPPED, ids=[f"{c}:{i['name']}" for c, i in DROPPED])
def test_refutes_without_assumption(cid, inst):
    r = run_check(all_claims()[cid], inst)
    assert r.verdict is Verdict.REFUTED, r.message
    assert r.witness, "a refutation must carry a replayable witness"
    assert "arb" in r.precision or "exact" in r.precision


def test_refutation_witness_replays():
    # the velocity witness is an exact rational point: re-evaluating there exactly must give a nonzero value
    import sympy as sp

    from proofs.claims.chizat_bach_2018.velocity_identity import symbolic_difference
    from proofs.symbolic.models import get_model

    cid, inst = DROPPED[1]
    r = run_check(all_claims()[cid], inst)
    model = get_model("sigmoid", k=2, d=1)
    diff, _ = symbolic_difference(model, "no-m")
    pt = {k: sp.Rational(v) for k, v in r.witness["point"].items()}
    vals = []
    for d in diff:
        d = model.activation.concrete(d).rewrite(sp.exp)
        if any(s.name not in pt for s in d.free_symbols):
            continue
        subs = {s: pt[s.name] for s in d.free_symbols}
        vals.append(sp.N(d.subs(subs), 30))
    assert any(abs(v) > 1e-20 for v in vals)


def test_g1_is_proved_only_strictly_inside_the_bound():
    """Two instances where the ball comparison cannot be strict: L = 1 (the bound holds with equality) and the
    tight instance with a poor test vector v for |B|_op >= |Bv|/|v|. Both must stay inconclusive: never proved
    (kills 'undecided comparison counted as proved' and '|B|_F used as a lower bound of |B|_op') and never refuted
    (kills 'sqrt(L) dropped in the refuting upper bound')."""
    c = all_claims()["attention-feature-bounded-linear"]
    r = run_check(c, {"name": "L = 1, equality", "L": 1, "p": 1, "k": 1, "X": [["3/2"]], "A": [["2"]],
                      "B": [["-5/3"]]})
    assert r.verdict is Verdict.INCONCLUSIVE and r.margin.contains(0)
    r = run_check(c, dict(TIGHT_G1, name="tight, poor v", v=["1", "1/1000"]))
    assert r.verdict is Verdict.INCONCLUSIVE and r.margin < 0  # |Bv|/|v| < |B|_op by ~4e-7: not enough here
