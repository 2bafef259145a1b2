"""The foundation claims on their default instances and on hypothesis-drawn instances."""
import pytest
from hypothesis import given, settings

from proofs import Verdict
from proofs.registry import all_claims, run_check

FOUNDATION = ["first-variation-directional-derivative", "particle-velocity-identity",
              "euler-homogeneity-identities", "escape-inequality-frozen-flow", "attention-feature-bounded-linear",
              "multihead-concat-identity", "cubic-smooth-step-facts"]


@pytest.mark.parametrize("cid", FOUNDATION)
def test_default_instances_are_proved(cid):
    c = all_claims()[cid]
    for inst in c.instances:
        r = run_check(c, inst)
        assert r.verdict is Verdict.PROVED, (inst, r.message)
        assert not r.numerical


@pytest.mark.parametrize("cid", FOUNDATION)
def test_theorems_are_never_refuted_on_drawn_instances(cid):
    c = all_claims()[cid]

    @settings(max_examples=5, deadline=None)
    @given(c.get_strategy())
    def run(inst):
        r = run_check(c, inst)
        assert r.verdict is not Verdict.REFUTED, (inst, r.message, r.witness)

    run()


def test_false_variant_f14_is_refuted_with_the_jump():
    c = all_claims()["cubic-smooth-step-is-C2"]
    r = run_check(c, c.instances[0])
    assert r.verdict is Verdict.REFUTED
    assert (r.witness["left"], r.witness["right"]) == ("12", "-12")


def test_first_variation_difference_quotients_shrink_linearly():
    # evidence table: (quotient - formula) / eps tends to |int Phi d(nu-mu)|^2 / 2 (MATH.md §8 A1)
    c = all_claims()["first-variation-directional-derivative"]
    r = run_check(c, c.instances[0], dps=40)
    for row in r.stats["difference_quotients"]:
        q, e = float(row["quotient_minus_formula"]), float(row["expected_eps_half_norm2"])
        assert q == pytest.approx(e, rel=1e-3)


def test_check_result_has_no_truth_value():
    c = all_claims()["multihead-concat-identity"]
    r = run_check(c, c.instances[0])
    with pytest.raises(TypeError):
        bool(r)
