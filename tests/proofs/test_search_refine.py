"""The search engine: local refinement (scipy) of the closest calls, re-verification, profiles, determinism, the
merged report of several workers."""
import json
import subprocess
import sys

import pytest

from proofs import Verdict
from proofs.errors import InvalidArgument
from proofs.search import PROFILES, merge, profile_name, search

NARROW = '''
import mpmath
from fractions import Fraction
from hypothesis import strategies as st
from proofs import claim, strategies as pst

# planted: (x - c)^2 >= 1e-8 for all x; false only within 1e-4 of c = 0.123457, between the points of the 3-digit
# grid hypothesis draws from (the grid point 0.123 has margin +2e-7)
@claim("planted-narrow-well", instances=[{"name": "x=0", "x": "0"}], label="planted", statement="(x-c)^2 >= 1e-8",
       strategy=st.fixed_dictionaries({"x": pst.decimals(-1, 1, 3)}))
def check(inst, *, dps):
    with mpmath.workdps(dps):
        q = Fraction(inst["x"])
        x = mpmath.mpf(q.numerator) / q.denominator
        return (x - mpmath.mpf("0.123457")) ** 2 - mpmath.mpf("1e-8")

# the same inequality with the hypothesis |x - c| >= 1e-3 kept: a theorem, never refuted
@claim("planted-narrow-well-away", instances=[{"name": "x=0", "x": "0"}], label="planted",
       statement="(x-c)^2 >= 1e-8 for |x-c| >= 1e-3",
       strategy=st.fixed_dictionaries({"x": pst.decimals(-1, 1, 3)}))
def check_away(inst, *, dps):
    with mpmath.workdps(dps):
        q = Fraction(inst["x"])
        x = mpmath.mpf(q.numerator) / q.denominator
        c = mpmath.mpf("0.123457")
        if abs(x - c) < mpmath.mpf("0.001"):
            return mpmath.mpf(1)  # outside the hypothesis: nothing to check
        return (x - c) ** 2 - mpmath.mpf("1e-8")
'''


@pytest.fixture(scope="module")
def narrow(tmp_path_factory):
    p = tmp_path_factory.mktemp("narrow") / "narrow.py"
    p.write_text(NARROW)
    return str(p)


def test_refinement_finds_what_the_grid_misses_and_rounds_the_witness(narrow):
    off = search("planted-narrow-well", module=narrow, max_examples=60, seed=0, refine=0)
    assert off.verdict is Verdict.INCONCLUSIVE and off.witness is None
    assert off.best["instance"]["x"] == "123/1000"  # the closest grid point, as the best candidate
    res = search("planted-narrow-well", module=narrow, max_examples=60, seed=0)
    assert res.verdict is Verdict.REFUTED and res.witness["found_by"].startswith("local refinement")
    x = res.witness["instance"]["x"]
    # rounded to the fewest digits that still refute: 3 digits (0.123) hold, 4 digits refute
    assert x in ("0.1234", "0.1235") and (float(x) - 0.123457) ** 2 < 1e-8
    assert "confirmed at 60 and 120 digits" in res.witness["message"]
    assert res.replay.endswith(f"""--instance '{{"x": "{x}"}}'""")


def test_keeping_the_hypothesis_nothing_is_refuted(narrow):
    res = search("planted-narrow-well-away", module=narrow, max_examples=60, seed=0)
    assert res.verdict is Verdict.INCONCLUSIVE and "refuted" not in res.verdict_counts


def test_same_seed_same_search(narrow, monkeypatch):
    monkeypatch.setenv("CI", "true")
    assert profile_name(None) == "ci"
    a = search("planted-narrow-well", module=narrow, max_examples=40, seed=3).to_dict()
    b = search("planted-narrow-well", module=narrow, max_examples=40, seed=3).to_dict()
    for d in (a, b):  # wall-clock times are the only thing allowed to differ
        d.pop("seconds")
        if isinstance(d.get("result"), dict):
            d["result"].get("stats", {}).pop("seconds", None)
    assert a == b


def test_profiles_and_bad_arguments(narrow):
    assert set(PROFILES) == {"default", "ci", "thorough"} and PROFILES["thorough"]["factor"] > 1
    with pytest.raises(InvalidArgument, match="profile"):
        search("planted-narrow-well", module=narrow, profile="nope")
    with pytest.raises(InvalidArgument, match="refine"):
        search("planted-narrow-well", module=narrow, refine=-1)


def test_merge_adds_up_and_keeps_the_first_refutation():
    a = {"verdict": "inconclusive", "examples": 5, "verdict_counts": {"inconclusive": 5}, "interrupted": False,
         "best": {"instance": {"x": "1"}, "margin": "0.5"}, "witness": None, "replay": ""}
    b = dict(a, best={"instance": {"x": "2"}, "margin": "0.25"})
    m = merge("c", [a, b], 1.0)
    assert m.examples == 10 and m.verdict_counts == {"inconclusive": 10} and m.best["instance"] == {"x": "2"}
    hit = dict(a, verdict="refuted", witness={"instance": {"x": "3"}}, replay="escset check c")
    m = merge("c", [a, hit, dict(hit, witness={"instance": {"x": "4"}})], 1.0)
    assert m.verdict is Verdict.REFUTED and m.witness == {"instance": {"x": "3"}}


def test_cli_search_json_with_refine_and_profile(narrow):
    p = subprocess.run([sys.executable, "-c", "from proofs.cli import main; main()", "search", "planted-narrow-well",
                        "--module", narrow, "--max-examples", "30", "--refine", "80", "--profile", "ci", "--json"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["verdict"] == "refuted" and out["witness"]["instance"]["x"] in ("0.1234", "0.1235")
    p = subprocess.run([sys.executable, "-c", "from proofs.cli import main; main()", "search", "planted-narrow-well",
                        "--module", narrow, "--profile", "nope"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "profile" in p.stderr and "Traceback" not in p.stderr


def test_time_budget_stops_between_examples(narrow):
    res = search("planted-narrow-well-away", module=narrow, max_examples=10 ** 6, seed=0, time_budget=0.3, refine=0)
    assert res.out_of_time and res.verdict is Verdict.INCONCLUSIVE and 0 < res.examples < 10 ** 6
    assert res.to_dict()["out_of_time"] is True
    with pytest.raises(InvalidArgument, match="time_budget"):
        search("planted-narrow-well-away", module=narrow, time_budget=0)
