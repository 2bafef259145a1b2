"""``escset check`` accounting that can fail (issue #9, part 5): exit 1 on any unexpected verdict, after the table,
the JSON and the report are fully written; the summary counts proved / refuted / numerical evidence / unresolved.

Unexpected: a ``holds`` claim refuted, a ``holds`` claim inconclusive unless the claim is numerical by nature, a
``fails`` claim (a false variant) not refuted. The claims are a user's ``--module`` file, run as a user runs them.
"""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ESCSET = [sys.executable, "-c", "from proofs.cli import main; main()"]
ROOT = Path(__file__).resolve().parents[1]

CLAIMS = '''
from proofs import claim, CheckResult, Verdict


def _r(cid, verdict, **kw):
    return CheckResult(cid, verdict, precision="exact (user)", method="by hand", **kw)


@claim("acc-holds-proved", instances=[{"name": "one"}], statement="1 + 1 = 2")
def holds_proved(instance, *, dps):
    return _r("acc-holds-proved", Verdict.PROVED, margin=0, scope="universal", statement="1 + 1 = 2")


@claim("acc-holds-refuted", instances=[{"name": "w"}], statement="2 > 3")
def holds_refuted(instance, *, dps):
    return _r("acc-holds-refuted", Verdict.REFUTED, margin=-1, witness={"x": "2"})


@claim("acc-holds-inconclusive", instances=[{"name": "float"}], statement="x > 0")
def holds_inconclusive(instance, *, dps):
    return 0.5  # a float margin: numerical evidence only, and the claim is not numerical by nature


@claim("acc-holds-unresolved", instances=[{"name": "undecided"}], statement="y > 0")
def holds_unresolved(instance, *, dps):
    return _r("acc-holds-unresolved", Verdict.INCONCLUSIVE, message="the enclosure contains 0")


@claim("acc-numerical-evidence", instances=[{"name": "sim"}], statement="a simulation", numerical=True)
def numerical_evidence(instance, *, dps):
    return 0.25  # numerical by nature: inconclusive (numerical) is its expected outcome


@claim("acc-numerical-against", instances=[{"name": "sim"}], statement="a simulation", numerical=True)
def numerical_against(instance, *, dps):
    return -0.25  # float evidence against the claim


@claim("acc-fails-refuted", instances=[{"name": "w"}], statement="false variant", expected="fails")
def fails_refuted(instance, *, dps):
    return _r("acc-fails-refuted", Verdict.REFUTED, margin=-1, witness={"x": "0"})


@claim("acc-fails-inconclusive", instances=[{"name": "left open"}], statement="false variant", expected="fails")
def fails_inconclusive(instance, *, dps):
    return _r("acc-fails-inconclusive", Verdict.INCONCLUSIVE, message="no witness found")
'''

AS_EXPECTED = ["acc-holds-proved", "acc-numerical-evidence", "acc-fails-refuted"]


@pytest.fixture(scope="module")
def module_file(tmp_path_factory):
    f = tmp_path_factory.mktemp("acc") / "acc_claims.py"
    f.write_text(CLAIMS)
    return str(f)


def check(module_file, *ids, extra=()):
    return subprocess.run(ESCSET + ["check", *ids, "--module", module_file, *extra], capture_output=True,
                          text=True, timeout=300)


def test_all_as_expected_exits_0_with_counts(module_file, tmp_path):
    p = check(module_file, *AS_EXPECTED, extra=["--json", "--report", str(tmp_path / "rep")])
    assert p.returncode == 0, (p.stdout, p.stderr)
    s = json.loads(p.stdout)["summary"]
    assert (s["checked"], s["proved"], s["refuted"], s["numerical_evidence"], s["unresolved"]) == (3, 1, 1, 1, 0)
    assert s["as_expected"] == 3 and s["unexpected"] == [] and s["exit_code"] == 0
    rep = json.loads((tmp_path / "rep" / "report.json").read_text())
    assert rep["summary"] == {**s, "seconds": rep["summary"]["seconds"]}


@pytest.mark.parametrize("bad,why", [
    ("acc-holds-refuted", "expected to hold, refuted"),
    ("acc-holds-inconclusive", "expected to hold, inconclusive"),
    ("acc-holds-unresolved", "expected to hold, inconclusive"),
    ("acc-numerical-against", "numerical evidence against"),
    ("acc-fails-inconclusive", "expected to fail, inconclusive"),
])
def test_an_unexpected_verdict_exits_1_after_the_json_and_report_are_written(module_file, tmp_path, bad, why):
    rep = tmp_path / "rep"
    p = check(module_file, *AS_EXPECTED, bad, extra=["--json", "--report", str(rep)])
    assert p.returncode == 1, (p.stdout, p.stderr)
    obj = json.loads(p.stdout)  # the whole JSON object was written before exiting
    assert len(obj["results"]) == 4
    s = obj["summary"]
    assert s["as_expected"] == 3 and s["exit_code"] == 1 and len(s["unexpected"]) == 1
    assert s["unexpected"][0].startswith(f"{bad} [") and why in s["unexpected"][0]
    assert s["proved"] + s["refuted"] + s["numerical_evidence"] + s["unresolved"] == s["checked"] == 4
    assert json.loads((rep / "report.json").read_text())["summary"]["unexpected"] == s["unexpected"]
    md = (rep / "report.md").read_text()
    assert "**NO**" in md and bad in md.split("Unexpected verdicts")[1]


def test_the_table_shows_scope_and_the_summary_then_exits_1(module_file, tmp_path):
    p = check(module_file, *AS_EXPECTED, "acc-fails-inconclusive", "acc-holds-refuted")
    assert p.returncode == 1, (p.stdout, p.stderr)
    out = " ".join(p.stdout.split())
    assert "scope" in out and "universal" in out and "instance" in out
    assert "2 unexpected" in out and "1 proved" in out and "2 refuted" in out
    assert "acc-fails-inconclusive [left open]" in out and "acc-holds-refuted [w]" in out


def test_user_results_get_scope_instance_and_a_statement(module_file):
    p = check(module_file, "acc-holds-proved", "acc-numerical-evidence", "acc-fails-refuted", extra=["--json"])
    res = {r["claim"]: r for r in json.loads(p.stdout)["results"]}
    assert res["acc-holds-proved"]["scope"] == "universal" and res["acc-holds-proved"]["statement"] == "1 + 1 = 2"
    for cid in ("acc-numerical-evidence", "acc-fails-refuted"):
        assert res[cid]["scope"] == "instance" and res[cid]["statement"], res[cid]


def test_list_shows_numerical_by_nature_and_provenance(module_file):
    p = subprocess.run(ESCSET + ["list"], capture_output=True, text=True, timeout=300,
                       env={**os.environ, "COLUMNS": "200"})
    assert p.returncode == 0, p.stderr
    head = p.stdout.splitlines()
    assert any("numerical" in h and "provenance" in h for h in head[:6]), p.stdout[:800]
    obj = json.loads(subprocess.run(ESCSET + ["list", "--json"], capture_output=True, text=True).stdout)
    assert all({"numerical", "provenance"} <= set(c) for c in obj["claims"])


# ------------------------------------------------------------------------------------------------ .ci/run
STUB_PY = """#!/usr/bin/env bash
# python3 -m venv DIR: make DIR/bin/activate; anything else: succeed
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then mkdir -p "$3/bin"; : > "$3/bin/activate"; fi
exit 0
"""


@pytest.mark.parametrize("check_rc", [0, 1])
def test_ci_run_fails_when_escset_check_fails(tmp_path, check_rc):
    """.ci/run's main job is ``escset check``: its exit 1 must fail CI, whatever the tests say."""
    repo = tmp_path / "repo"
    (repo / ".ci").mkdir(parents=True)
    shutil.copy(ROOT / ".ci" / "run", repo / ".ci" / "run")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "log"
    stubs = {"python3": STUB_PY, "python": STUB_PY, "pip": "#!/usr/bin/env bash\nexit 0\n",
             "escset": f"#!/usr/bin/env bash\necho escset >> {log}\nexit {check_rc}\n",
             "pytest": f"#!/usr/bin/env bash\necho pytest >> {log}\nexit 0\n"}
    for name, text in stubs.items():
        (bindir / name).write_text(text)
        (bindir / name).chmod(stat.S_IRWXU)
    env = {"PATH": f"{bindir}:/usr/bin:/bin", "HOME": str(tmp_path)}
    p = subprocess.run(["bash", str(repo / ".ci" / "run")], capture_output=True, text=True, env=env, timeout=60)
    ran = log.read_text().split() if log.exists() else []
    assert ran == ["escset", "pytest"], ran  # the tests still run after a failed main job (one CI run reports both)
    if check_rc:
        assert p.returncode == check_rc, (p.stdout, p.stderr)
        assert "escset check failed" in p.stdout
    else:
        assert p.returncode == 0, (p.stdout, p.stderr)
