"""Quality tier (issue #9, part 4): no check says ``proved`` on the strength of a step it does not carry out,
and undecided symbolic tests never count as proofs. Each test here fails on the code before the fix, or catches
a planted mutation named in its docstring."""
import sympy as sp

from proofs import Verdict
from proofs.claims.petit_poon_peyre_2026.attention_features import TIGHT_G1
from proofs.registry import all_claims, run_check

CLAIMS = all_claims()


# ---------------------------------------------------------------------------------------------------------------
# symbolic zero tests: True only when decided
# ---------------------------------------------------------------------------------------------------------------
def test_symbolic_zero_is_none_on_an_undecidable_non_identity():
    """Heaviside(z - 10^9) z is not identically 0, but no sampled point reaches z > 10^9 and sympy cannot reduce
    it: the answer must be None (a planted 'return True when undecided' makes it an identity)."""
    from proofs.prove.zero import symbolic_zero

    z = sp.Symbol("z", real=True)
    assert symbolic_zero(sp.Heaviside(z - 10 ** 9) * z) is None
    assert symbolic_zero([sp.S.Zero, sp.Heaviside(z - 10 ** 9) * z]) is None
    assert symbolic_zero(sp.sin(z) ** 2 + sp.cos(z) ** 2 - 1) is True
    assert symbolic_zero(sp.exp(z) - z) is False  # certified nonzero at a rational point


def test_branch_and_piecewise_zero_tests_are_three_valued():
    from proofs.claims.chizat_bach_2018.euler_identities import _zero_piecewise
    from proofs.prove.zero import _branch_zero

    z = sp.Symbol("z", real=True)
    far = z - 10 ** 12
    assert _branch_zero(far, z < -10 ** 12) is None        # undecided: not a proof, not a refutation
    assert _branch_zero(z + 5, z < -10) is False           # certified nonzero inside the branch
    assert _branch_zero(sp.S.Zero, z > 0) is True
    assert _zero_piecewise(sp.Piecewise((z - 10 ** 12, z < -10 ** 12), (0, True))) is None
    assert _zero_piecewise(sp.Piecewise((z + 5, z < -10), (0, True))) is False


def test_far_kink_activation_is_not_homogeneous():
    """relu(z) + relu(-z-100) is not positively 1-homogeneous: refuted with a certified witness (a planted
    'symbolic_zero returns True when undecided' made it proved). With the kink out of reach of every sampled point,
    the verdict may be inconclusive, never proved."""
    c = CLAIMS["euler-homogeneity-identities"]
    r = run_check(c, {"name": "far kink", "model": "relu-lift", "d": 1, "activation": "relu(z) + relu(-z-100)",
                      "kind": "two-homogeneous"})
    assert r.verdict is Verdict.REFUTED and r.witness["point"]
    r = run_check(c, {"name": "kink out of reach", "model": "relu-lift", "d": 1,
                      "activation": "relu(z) + relu(-z-10**12)", "kind": "two-homogeneous"})
    assert r.verdict is not Verdict.PROVED, r.message


def test_far_kink_test_detects_a_guessing_symbolic_zero(monkeypatch):
    """Mutation check: with symbolic_zero replaced by one that says True when undecided (the planted bug), the
    far-kink activation comes out proved, so test_far_kink_activation_is_not_homogeneous fails on that mutant."""
    from proofs.claims import _common
    from proofs.claims.chizat_bach_2018 import euler_identities

    real = _common.symbolic_zero

    def guessing(expr):
        z = real(expr)
        return True if z is None else z

    monkeypatch.setattr(euler_identities, "symbolic_zero", guessing)
    r = run_check(CLAIMS["euler-homogeneity-identities"],
                  {"name": "far kink", "model": "relu-lift", "d": 1, "activation": "relu(z) + relu(-z-100)",
                   "kind": "two-homogeneous"})
    assert r.verdict is Verdict.PROVED  # what the mutant says; the sentinel above asserts REFUTED


# ---------------------------------------------------------------------------------------------------------------
# G1: scope and the tight sqrt(L)
# ---------------------------------------------------------------------------------------------------------------
def test_g1_sqrt_L_is_tight_on_the_concentrated_instance():
    """Attention concentrated on the longest token, aligned with B's top singular direction: the bound is attained
    up to 1e-7, so G1 without its sqrt(L) is refuted here (the planted bug 'G1 without its sqrt(L)' was proved on
    both random default instances, and is refuted by the default tight instance)."""
    c = CLAIMS["attention-feature-bounded-linear"]
    r = run_check(c, TIGHT_G1)
    assert r.verdict is Verdict.PROVED and r.scope == "instance"
    assert float(r.stats["lhs_over_bound_upper"]) > 0.9999
    assert TIGHT_G1 in list(c.instances)
    r = run_check(c, dict(TIGHT_G1, drop="sqrt-L"))
    assert r.verdict is Verdict.REFUTED
    assert float(r.margin.mid()) < -5  # |PXB|_F ~ 12 against max|x_l| |B|_F = 2 sqrt(10)


# ---------------------------------------------------------------------------------------------------------------
# A1: the remainder is enforced
# ---------------------------------------------------------------------------------------------------------------
def test_first_variation_remainder_is_enforced(monkeypatch):
    """A wrong remainder (eps^3 added to the catalogue's eps^2/2 |int Phi d(nu - mu)|^2) must block 'proved': before
    the fix the remainder was computed and only mentioned in the message."""
    from proofs.claims.chizat_bach_2018 import first_variation as fv

    c = CLAIMS["first-variation-directional-derivative"]
    r = run_check(c, c.instances[0])
    assert r.verdict is Verdict.PROVED and r.stats["instance_remainder"]["enclosed"]
    real = fv.symbolic_difference

    def wrong(model, loss):
        diff, rem = real(model, loss)
        return diff, rem + sp.Symbol("epsilon") ** 3

    monkeypatch.setattr(fv, "symbolic_difference", wrong)
    r = run_check(c, c.instances[0])
    assert r.verdict is Verdict.INCONCLUSIVE and "remainder" in r.message


def test_first_variation_instance_remainder_matches_the_claimed_value():
    from fractions import Fraction

    from proofs.claims.chizat_bach_2018.first_variation import _instance_parts, _instance_remainder

    inst = CLAIMS["first-variation-directional-derivative"].instances[0]
    model, data, mu, nu = _instance_parts(inst)
    rem = _instance_remainder(model, data, mu, nu, "squared", eps=Fraction(1, 10))
    assert rem["enclosed"]
    rem4 = _instance_remainder(model, data, mu, nu, "quartic", eps=Fraction(1, 10))
    assert not rem4["enclosed"]  # the quartic loss has another remainder: the check sees it


# ---------------------------------------------------------------------------------------------------------------
# G2: the triangle inequality is carried out
# ---------------------------------------------------------------------------------------------------------------
def test_g2_every_step_of_the_argument_is_computed():
    c = CLAIMS["feature-derivative-linear-growth"]
    for inst in c.instances:
        r = run_check(c, inst)
        assert r.verdict is Verdict.PROVED and r.scope == "instance"
        steps = r.stats["proof_steps"]
        assert set(steps) == {"jacobian", "cauchy_schwarz_u", "triangle", "C_dominates", "cauchy_schwarz_2",
                              "sqrt_bound", "max_norm"} and all(steps.values())


def test_g2_a_constant_below_the_suprema_is_not_proved():
    """The old check proved any instance with finite suprema whatever constant it was asked about; now C is
    checked against both suprema exactly, and a C below |sigma(0)| or |sigma'(0)| is refuted at an exact witness."""
    c = CLAIMS["feature-derivative-linear-growth"]
    base = dict(c.instances[0])
    r = run_check(c, dict(base, C="1/3"))
    assert r.verdict is Verdict.REFUTED and r.witness["theta"] == "0"
    r = run_check(c, dict(base, C="9/10"))  # below sup|sigma| = 1, above sigma(0) = 1/2: the argument fails
    assert r.verdict is Verdict.INCONCLUSIVE and not r.stats["proof_steps"]["C_dominates"]
    r = run_check(c, dict(c.instances[1], C="9/10"))  # tanh: sigma'(0) = 1 > 9/10
    assert r.verdict is Verdict.REFUTED


def test_g2_jacobian_step_checks_the_model(monkeypatch):
    """A model whose feature is not a sigma(u.x~) (here twice it) breaks the Jacobian step: not proved."""
    from proofs.claims.petit_poon_peyre_2026 import dynamics_feature_growth as g2

    c = CLAIMS["feature-derivative-linear-growth"]
    model = g2.__dict__.get("get_model") or __import__("proofs.symbolic.models", fromlist=["get_model"]).get_model
    m = model("sigmoid", k=1, d=1)

    class Doubled:
        def __init__(self, base):
            self._b = base

        def __getattr__(self, name):
            return getattr(self._b, name)

        def feature(self):
            return 2 * self._b.feature()

    import proofs.symbolic.models

    monkeypatch.setattr(proofs.symbolic.models, "get_model", lambda *a, **k: Doubled(m))
    r = run_check(c, {"name": "doubled", "activation": "sigmoid", "k": 1, "d": 1, "n": 3, "seed": 0})
    assert r.verdict is not Verdict.PROVED
    assert r.stats["proof_steps"]["jacobian"] is False
