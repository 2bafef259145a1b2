"""The user-claim contract of the README (a conjecture in the user's own file, instances from a strategy, a
margin computed with ``problem.loss()`` and ``problem.euler_step()``): registered, searched, refuted only with a
margin confirmed at 2x and 4x the digits, replayed from its JSON."""
import json
import subprocess
import sys
import textwrap
from fractions import Fraction

import mpmath
import pytest

from proofs import Verdict
from proofs.registry import get_claim, load_module, run_check
from proofs.search.strategies import ParticleProblem, as_particle_problem

INCREASE = textwrap.dedent('''
    from proofs import claim, strategies as st

    @claim("user-euler-step-increases-loss",
           instances=st.particle_problems(model="sigmoid", m=(1, 4), dt=("0.01", "0.5")))
    def check(problem, *, dps):
        return problem.euler_step().loss() - problem.loss()
''')

ONE = {"model": {"model": "sigmoid"}, "X": [["0"]], "Y": [["1/1000"]], "a": [[["0"]]], "u": [["0", "0"]],
       "mass": ["1"], "dt": "0.01"}


def _sigmoid(z):
    return 1 / (1 + mpmath.exp(-z))


def test_loss_and_euler_step_match_a_hand_computation():
    """One particle a = 0, u = (0, 0) (sigmoid with bias), one input x = 0, target y: f = 0, R = y^2/2; the
    velocity is a' = -Psi = (1/n) sum_i r_i... with r = f - y = -y: a' = y * sigma(0) = y/2, u' = 0 (a = 0), so
    after one step a = dt*y/2 and R = (dt y/4 - y)^2 / 2 (f = a sigma(0) = a/2)."""
    p = ParticleProblem(ONE)
    with mpmath.workdps(40):
        y, dt = mpmath.mpf(1) / 1000, mpmath.mpf(1) / 100
        assert abs(p.loss(dps=40) - y ** 2 / 2) < mpmath.mpf(10) ** -38
        q = p.euler_step(dps=40)
        a1 = dt * y * _sigmoid(0)
        assert abs(mpmath.mpf(Fraction(q["a"][0][0][0]).numerator) / Fraction(q["a"][0][0][0]).denominator - a1) \
            < mpmath.mpf(10) ** -38
        assert q["u"] == [[mpmath.nstr(mpmath.mpf(0), 50, strip_zeros=False)] * 2] or \
            all(Fraction(v) == 0 for v in q["u"][0])
        assert abs(q.loss(dps=40) - (a1 * _sigmoid(0) - y) ** 2 / 2) < mpmath.mpf(10) ** -38
    assert isinstance(q, ParticleProblem) and json.loads(json.dumps(q)) == dict(q)  # still a JSON instance


def test_strategy_given_as_instances_registers_a_searchable_claim(tmp_path):
    f = tmp_path / "conj.py"
    f.write_text(INCREASE)
    load_module(str(f))
    c = get_claim("user-euler-step-increases-loss")
    assert c.instances == () and c.get_strategy() is not None
    r = run_check(c, as_particle_problem(dict(ONE)))  # a replayed plain dictionary, as escset check reads it
    assert r.verdict is Verdict.REFUTED, r.message
    assert "confirmed at 60 and 120 digits" in r.message
    w = r.witness
    assert w["margin_at_30_digits"] != w["margin_at_120_digits"] or "e-" in w["margin_at_30_digits"]


def test_a_float_margin_of_the_same_conjecture_is_never_confirmed(tmp_path):
    """The same conjecture with the margin taken in float64 (ignoring dps) stays inconclusive: more digits
    cannot confirm a computation that does not use them."""
    f = tmp_path / "conj_float.py"
    f.write_text(INCREASE.replace("user-euler-step-increases-loss", "user-euler-float")
                 .replace("return problem.euler_step().loss() - problem.loss()",
                          "return float(problem.euler_step().loss(dps=15)) - float(problem.loss(dps=15))"))
    load_module(str(f))
    r = run_check(get_claim("user-euler-float"), ParticleProblem(ONE))
    assert r.verdict is Verdict.INCONCLUSIVE and "not confirmed" in r.message


def test_as_particle_problem_leaves_other_instances_alone():
    assert type(as_particle_problem({"name": "x"})) is dict
    assert isinstance(as_particle_problem(dict(ONE)), ParticleProblem)


def test_claim_rejects_a_strategy_given_twice():
    from hypothesis import strategies as st

    from proofs import InvalidArgument, claim

    with pytest.raises(InvalidArgument, match="once"):
        claim("user-twice", instances=st.just({}), strategy=st.just({}))(lambda i, *, dps: 1)


def test_search_refutes_the_readme_conjecture_and_check_names_the_strategy(tmp_path):
    f = tmp_path / "conj.py"
    f.write_text(INCREASE)
    cli = [sys.executable, "-c", "from proofs.cli import main; main()"]
    run = lambda *a: subprocess.run(cli + list(a), capture_output=True, text=True, cwd=tmp_path,  # noqa: E731
                                    timeout=300)
    p = run("search", "user-euler-step-increases-loss", "--module", "conj.py", "--max-examples", "60", "--seed", "0",
            "--json")
    assert p.returncode in (0, 1), p.stderr
    out = json.loads(p.stdout)
    assert out["verdict"] == "refuted", out
    p = run("check", "user-euler-step-increases-loss", "--module", "conj.py")
    assert "no default instances" in p.stderr and "escset search user-euler-step-increases-loss" in p.stderr
    p = run("check", "user-euler-step-increases-loss", "--module", "conj.py", "--instance", json.dumps(ONE), "--json")
    assert json.loads(p.stdout)["results"][0]["verdict"] == "refuted", p.stderr  # the replay from JSON works


def test_euler_step_dissipates_the_loss_at_the_rate_of_the_flow():
    """Independent reference: along the mean-field flow dR/dt = -sum_j mass_j |theta_j'|^2 (energy dissipation,
    V = 0). A step of dt = 1e-12 at 50 digits must match it to O(dt); a step moving a or u the wrong way would
    not (it would raise R at first order)."""
    from numerics.particles import velocity

    inst = ParticleProblem({"model": {"model": "sigmoid"}, "X": [["1/2"], ["-3/4"]], "Y": [["1/3"], ["-1/5"]],
                            "a": [[["7/10"]], [["-2/5"]]], "u": [["1/3", "-1/4"], ["-6/5", "1/2"]],
                            "mass": ["1/2", "1/2"], "dt": "1e-12"})
    with mpmath.workdps(50):
        p = inst.problem()
        va, vu = velocity(p.model, p.mu, p.data, "mpmath")
        rate = -sum(mpmath.mpf(1) / 2 * (sum(v ** 2 for row in va[j] for v in row) + sum(v ** 2 for v in vu[j]))
                    for j in range(2))
        fd = (inst.euler_step(dps=50).loss(dps=50) - inst.loss(dps=50)) / mpmath.mpf("1e-12")
        assert rate < 0 and abs(fd - rate) < mpmath.mpf("1e-9") * abs(rate) + mpmath.mpf("1e-10")
        assert any(abs(v) > mpmath.mpf("1e-3") for v in vu[0] + vu[1])  # the inner parameters do move
