"""Every bound a command prints is on the right side (issue #9, part 2): lower bounds <= true, upper bounds >= true.

The commands run as a user runs them (a subprocess, --json); every printed bound is parsed and compared with a
reference computed here independently, in mpmath at 60 digits, from the formulas typed by hand (no escset code path:
no ball arithmetic, no code generator). The references are accurate to ~1e-55; the printed bounds have 20-30 digits,
so a bound rounded to nearest instead of outward shows up as a violation.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from fractions import Fraction

import mpmath
import pytest

ESCSET = [sys.executable, "-c", "from proofs.cli import main; main()"]
DPS = 60


def run_json(*args):
    p = subprocess.run(ESCSET + list(args) + ["--json"], capture_output=True, text=True, timeout=300)
    assert p.returncode in (0, 1), p.stderr
    return json.loads(p.stdout)


def mp(v):
    q = Fraction(v)
    return mpmath.mpf(q.numerator) / q.denominator


def assert_lower(printed, true, what):
    assert printed is not None, what
    with mpmath.workdps(DPS):
        assert mp(printed) <= true, f"{what}: printed lower bound {printed} > true value {mpmath.nstr(true, 40)}"


def assert_upper(printed, true, what):
    assert printed is not None, what
    with mpmath.workdps(DPS):
        assert mp(printed) >= true, f"{what}: printed upper bound {printed} < true value {mpmath.nstr(true, 40)}"


def assert_encloses(pair, true, what):
    lo, hi = pair if isinstance(pair, (list, tuple)) else (pair["lower"], pair["upper"])
    assert_lower(lo, true, what + " (lower end)")
    assert_upper(hi, true, what + " (upper end)")


# ------------------------------------------------------------------------------------------------ escset ntk
NTK_INSTANCES = {
    "two unit vectors": [["1", "0"], ["12/37", "35/37"]],
    "three in the plane": [["1", "0"], ["3/5", "4/5"], ["-1/2", "1/3"]],
    "four in R^3": [["1", "2", "0"], ["0", "1", "-1"], ["2", "-1", "1/2"], ["-1", "1/3", "1"]],
    "nearly parallel": [["1", "0"], ["1", "1/1000"], ["0", "1"]],
}


def relu_gram_mp(X):
    """H^infty_ij = x_i.x_j (pi - arccos(x_i.x_j / |x_i||x_j|)) / (2 pi) (MATH.md §4.2), in mpmath."""
    xs = [[mp(v) for v in row] for row in X]
    n = len(xs)
    H = mpmath.matrix(n, n)
    for i in range(n):
        for j in range(n):
            dot = mpmath.fsum(a * b for a, b in zip(xs[i], xs[j]))
            c = dot / mpmath.sqrt(mpmath.fsum(a * a for a in xs[i]) * mpmath.fsum(b * b for b in xs[j]))
            c = max(min(c, mpmath.mpf(1)), mpmath.mpf(-1))
            H[i, j] = dot * (mpmath.pi - mpmath.acos(c)) / (2 * mpmath.pi)
    return H


@pytest.mark.parametrize("name", list(NTK_INSTANCES))
def test_ntk_certified_bounds_bracket_lambda_min(name, tmp_path):
    X = NTK_INSTANCES[name]
    f = tmp_path / "d.json"
    f.write_text(json.dumps({"X": X}))
    out = run_json("ntk", "--data", str(f), "--certify")
    with mpmath.workdps(DPS):
        lam = min(mpmath.eigsy(relu_gram_mp(X), eigvals_only=True))
        assert_lower(out["certified_lower_bound"], lam, f"ntk {name}: certified_lower_bound")
        assert_lower(out["certified_lower_bound_exact"], lam, f"ntk {name}: certified_lower_bound_exact")
        assert_upper(out["certified_upper_bound"], lam, f"ntk {name}: certified_upper_bound")


# ------------------------------------------------------------------------------------------------ escset analyze
MU = {"a": [["1"], ["-1/2"]], "w": [["1"], ["-2"]], "b": ["0", "1/2"], "mass": ["1/2", "1/2"]}
ANALYZE_INSTANCES = {
    "seven points": ([["-1"], ["-0.3"], ["0.2"], ["0.7"], ["1.5"], ["2"], ["2.5"]],
                     [["0.1"], ["-0.2"], ["0.3"], ["0"], ["0.25"], ["-0.1"], ["0.05"]]),
    "five points": ([["-2"], ["-0.5"], ["0"], ["1"], ["3"]], [["1/3"], ["0"], ["1/7"], ["-0.4"], ["0.2"]]),
    "four points": ([["-1.5"], ["-0.25"], ["0.6"], ["1.1"]], [["0.01"], ["0.02"], ["-0.03"], ["0.04"]]),
    "six points": ([["-3"], ["-1"], ["-0.1"], ["0.4"], ["0.9"], ["2.2"]],
                   [["0.2"], ["0.4"], ["0.6"], ["0.1"], ["-0.3"], ["0.5"]]),
}


def _sigmoid(z):
    return 1 / (1 + mpmath.exp(-z))


def analyze_reference(X, Y):
    """S(mu) (max over threshold sets of |sum r_i| / n: sigmoid limits 0 and 1, MATH.md §1b A.5) and the
    stationarity residual max_j |(Psi(u_j), <a_j, grad_u Psi(u_j)>)| for the 1-d sigmoid net, in mpmath."""
    xs = [mp(x[0]) for x in X]
    ys = [mp(y[0]) for y in Y]
    parts = [(mp(p), mp(a[0]), mp(w[0]), mp(b)) for p, a, w, b in zip(MU["mass"], MU["a"], MU["w"], MU["b"])]
    n = len(xs)
    r = [mpmath.fsum(p * a * _sigmoid(w * x + b) for p, a, w, b in parts) - y for x, y in zip(xs, ys)]
    best = abs(mpmath.fsum(r)) / n
    for c in sorted(set(xs)):
        for side in (1, -1):
            best = max(best, abs(mpmath.fsum(ri for ri, x in zip(r, xs) if (x - c) * side > 0)) / n)
    worst = mpmath.mpf(0)
    for _, a, w, b in parts:
        psi = mpmath.fsum(ri * _sigmoid(w * x + b) for ri, x in zip(r, xs)) / n
        ds = [_sigmoid(w * x + b) * (1 - _sigmoid(w * x + b)) for x in xs]
        gw = a * mpmath.fsum(ri * d * x for ri, d, x in zip(r, ds, xs)) / n
        gb = a * mpmath.fsum(ri * d for ri, d in zip(r, ds)) / n
        worst = max(worst, mpmath.sqrt(psi ** 2 + gw ** 2 + gb ** 2))
    return best, worst


@pytest.mark.parametrize("name", list(ANALYZE_INSTANCES))
def test_analyze_printed_enclosures_contain_the_true_values(name, tmp_path):
    X, Y = ANALYZE_INSTANCES[name]
    d, m = tmp_path / "d.json", tmp_path / "mu.json"
    d.write_text(json.dumps({"X": X, "Y": Y}))
    m.write_text(json.dumps(MU))
    out = run_json("analyze", "--model", "sigmoid", "--data", str(d), "--measure", str(m), "--dps", "40")
    g = out["global_optimality"]
    with mpmath.workdps(DPS):
        S, stat = analyze_reference(X, Y)
        # the reference is the same quantity the command reports (sanity check of the hand-typed formulas)
        assert abs(mp(out["stationarity_residual"]) - stat) <= mpmath.mpf(10) ** -15 * stat
        assert abs(mp(g["sup_psi"]) - S) <= mpmath.mpf(10) ** -15 * S
        assert g["attained"] == "infinity" and g["location_certified"]
        assert_encloses(g["sup_psi_enclosure"], S, f"analyze {name}: sup_psi_enclosure")
        assert_encloses(out["stationarity"]["residual_enclosure"], stat, f"analyze {name}: residual_enclosure")
        if g["verdict"] == "refuted":
            lo = re.search(r"S\(mu\) >= (\S+) > 0", g["message"]).group(1)
            assert_lower(lo, S, f"analyze {name}: the lower bound in the message")


# ------------------------------------------------------------------------------------------------ escset prove
def _tanh2(z):
    t = mpmath.tanh(z)
    return -2 * t * (1 - t * t)


PROVE_INSTANCES = {
    # statement, --over, sup of LHS, RHS, and the margin's point (None: the margin is RHS - sup LHS)
    "sigmoid''": ("sigmoid''(z) <= 1/10", ["z in R"], lambda: 1 / (6 * mpmath.sqrt(3)), Fraction(1, 10), None),
    "|tanh''| near miss": ("|tanh''(z)| <= 0.7698", ["z in R"], lambda: 4 / (3 * mpmath.sqrt(3)),
                           Fraction("0.7698"), lambda z: abs(_tanh2(z))),
    "gaussian bump 2-d": ("x*exp(-x**2 - y**2) <= 0.43", ["x in R", "y in R"],
                          lambda: 1 / mpmath.sqrt(2 * mpmath.e), Fraction("0.43"), None),
    "tanh'' bound": ("|tanh''(z)| <= 0.77", ["z in R"], lambda: 4 / (3 * mpmath.sqrt(3)), Fraction("0.77"), None),
}


def _intervals(msg, label):
    m = re.search(re.escape(label) + r" is in \[([^,\]]+), ([^\]]+)\]", msg)
    return None if m is None else (m.group(1), m.group(2))


@pytest.mark.parametrize("name", list(PROVE_INSTANCES))
def test_prove_printed_bounds_are_on_the_right_side(name):
    stmt, over, sup_lhs, rhs, at_point = PROVE_INSTANCES[name]
    args = ["prove", stmt]
    for o in over:
        args += ["--over", o]
    out = run_json(*args)
    with mpmath.workdps(DPS):
        S = sup_lhs()
        R = mp(rhs)
        checked = 0
        if out["verdict"] == "refuted" and at_point is not None:
            z = mp(out["witness"]["z"])
            assert_encloses(out["margin"], R - at_point(z), f"prove {name}: margin at the witness")
            checked += 1
        elif out["verdict"] == "proved":
            assert_encloses(out["margin"], R - S, f"prove {name}: margin")
            checked += 1
        if "sup_violation" in out["stats"]:
            assert_encloses(out["stats"]["sup_violation"], S - R, f"prove {name}: stats.sup_violation")
            checked += 1
        for label, true in (("sup of LHS - RHS", S - R), ("sup of LHS", S)):
            iv = _intervals(out["message"], label)
            if iv is not None:
                assert_encloses(iv, true, f"prove {name}: message '{label} is in [...]'")
                checked += 1
        assert checked >= 2, out


# ------------------------------------------------------------------------------------------------ escset check --json
def a15_reference(u0, m, tau, steps):
    """The A15 Euler iterates u_j <- u_j - 4 tau u_j (s - 1), s = sum u_j^2 / m, F = (s - 1)^2 (MATH.md §8 A3):
    (min decrease over the steps, first increase F_k - F_k+1 or None)."""
    u = [mp(v) for v in u0]
    t = mp(tau)
    s = mpmath.fsum(x * x for x in u) / m
    F = (s - 1) ** 2
    decs = []
    for _ in range(steps):
        u = [x - 4 * t * x * (s - 1) for x in u]
        s = mpmath.fsum(x * x for x in u) / m
        Fn = (s - 1) ** 2
        decs.append(F - Fn)
        if decs[-1] < 0:
            return min(decs), decs[-1]
        F = Fn
    return min(decs), None


def test_check_json_margins_are_on_the_right_side():
    from proofs.registry import get_claim

    out = run_json("check", "euler-step-decreases-energy", "euler-decreases-energy-at-any-step")
    insts = {i["name"]: i for cid in ("euler-step-decreases-energy", "euler-decreases-energy-at-any-step")
             for i in get_claim(cid).instances}
    checked = 0
    with mpmath.workdps(DPS):
        for r in out["results"]:
            inst = insts[r["instance"]]
            if inst.get("model") != "a15" or not isinstance(r["margin"], dict):
                continue
            m = int(inst["m"])
            u0 = inst["u0"] if isinstance(inst["u0"], list) else [inst["u0"]] * m
            min_dec, first_inc = a15_reference(u0, m, inst["tau"], int(inst["steps"]))
            true = first_inc if r["verdict"] == "refuted" else min_dec
            assert_encloses(r["margin"], true, f"check {r['claim']} [{r['instance']}]: margin")
            checked += 1
    assert checked == 3
