"""The command-line contract of DESIGN.md §3 (run as a user would: a subprocess)."""
import json
import os
import subprocess
import sys

import pytest

ESCSET = [sys.executable, "-c", "from proofs.cli import main; main()"]


def run(*args, cwd=None):
    return subprocess.run(ESCSET + list(args), capture_output=True, text=True, cwd=cwd, timeout=300)


def test_check_json_is_one_object_with_verdicts(tmp_path):
    p = run("check", "particle-velocity-identity", "cubic-smooth-step-is-C2", "--json")
    assert p.returncode == 0, p.stderr
    obj = json.loads(p.stdout)
    verdicts = {(r["claim"], r["instance"]): r["verdict"] for r in obj["results"]}
    assert all(v == "proved" for (c, _), v in verdicts.items() if c == "particle-velocity-identity")
    assert verdicts[("cubic-smooth-step-is-C2", "cubic step")] == "refuted"
    assert obj["summary"]["unexpected"] == []


def test_check_report_is_written(tmp_path):
    out = tmp_path / "rep"
    p = run("check", "multihead-concat-identity", "--report", str(out))
    assert p.returncode == 0, p.stderr
    rep = json.loads((out / "report.json").read_text())
    assert rep["results"][0]["verdict"] == "proved"
    assert "multihead-concat-identity" in (out / "report.md").read_text()


def test_list_json_has_provenance():
    obj = json.loads(run("list", "--json").stdout)
    ids = {c["id"]: c for c in obj["claims"]}
    assert ids["escape-inequality-frozen-flow"]["provenance"] == "[D]"
    assert ids["cubic-smooth-step-is-C2"]["expected"] == "fails"


def test_latex_claim_and_model():
    obj = json.loads(run("latex", "particle-velocity-identity", "--json").stdout)
    assert "nabla" in obj["latex"]
    p = run("latex", "--model", "sigmoid", "--k", "2", "--expr", "first-variation")
    assert p.returncode == 0 and "\\sigma" in p.stdout


@pytest.mark.parametrize("args", [
    ["check", "no-such-claim"],
    ["latex", "--model", "sigmoid", "--activation", "__import__('os')"],
    ["latex", "--model", "sigmoid", "--activation", "z^2"],
    ["latex", "--model", "nosuch"],
    ["latex", "--model", "sigmoid", "--expr", "nosuch"],
    ["check", "--dps", "3"],
    ["nosuchcommand"],
])
def test_bad_input_is_one_line_and_exit_2(args):
    p = run(*args)
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr
    assert p.stdout == ""


USER_CLAIM = '''
from proofs import claim, CheckResult, Verdict
import sympy as sp

@claim("user-softplus-derivative", instances=[{"name": "z"}], strategy=None, label="user", statement="s'=sigmoid")
def check(instance, *, dps):
    z = sp.Symbol("z", real=True)
    ok = sp.simplify(sp.diff(sp.log(1 + sp.exp(z)), z) - 1 / (1 + sp.exp(-z))) == 0
    return CheckResult("user-softplus-derivative", Verdict.PROVED if ok else Verdict.INCONCLUSIVE,
                       precision="exact (sympy)", method="sympy")

@claim("user-float-margin", instances=[{"name": "x"}], label="user", statement="1 > 0", numerical=True)
def margin(instance, *, dps):
    return 1.0
'''


def test_check_runs_a_users_module(tmp_path):
    f = tmp_path / "conj.py"
    f.write_text(USER_CLAIM)
    p = run("check", "user-softplus-derivative", "user-float-margin", "--module", str(f), "--json")
    assert p.returncode == 0, p.stderr
    res = {r["claim"]: r for r in json.loads(p.stdout)["results"]}
    assert res["user-softplus-derivative"]["verdict"] == "proved"
    # a bare float margin is evidence only: never proved
    assert res["user-float-margin"]["verdict"] == "inconclusive" and res["user-float-margin"]["numerical"]
    # user results say what they cover: this instance (the check did not say more)
    assert all(r["scope"] == "instance" and r["statement"] for r in res.values())


def test_check_exits_1_on_a_theorem_left_inconclusive(tmp_path):
    f = tmp_path / "conj2.py"
    f.write_text(USER_CLAIM.replace(", numerical=True)", ")").replace('"user-', '"user2-'))
    p = run("check", "user2-float-margin", "--module", str(f), "--json")
    assert p.returncode == 1, p.stderr
    s = json.loads(p.stdout)["summary"]
    assert s["numerical_evidence"] == 1 and s["unexpected"] and s["unexpected"][0].startswith("user2-float-margin")


def test_ntk_certified_upper_bound_is_rounded_up(tmp_path):
    """The Rayleigh quotient bound was printed rounded to nearest: below lambda_min for these inputs."""
    import mpmath

    f = tmp_path / "d.json"
    f.write_text(json.dumps({"X": [["1", "0"], ["12/37", "35/37"]]}))
    p = run("ntk", "--data", str(f), "--certify", "--json")
    assert p.returncode == 0, p.stderr
    obj = json.loads(p.stdout)
    with mpmath.workdps(60):
        c = mpmath.mpf(12) / 37
        lam = mpmath.mpf(1) / 2 - c * (mpmath.pi - mpmath.acos(c)) / (2 * mpmath.pi)
        assert mpmath.mpf(obj["certified_lower_bound"]) <= lam <= mpmath.mpf(obj["certified_upper_bound"])


def test_check_rejects_a_broken_module(tmp_path):
    f = tmp_path / "broken.py"
    f.write_text("def oops(:\n")
    p = run("check", "--module", str(f))
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1


def test_search_json_contract():
    p = run("search", "cubic-smooth-step-is-C2", "--max-examples", "3", "--json")
    assert p.returncode == 0, p.stderr
    obj = json.loads(p.stdout)
    assert {"claim", "verdict", "examples", "witness", "replay"} <= set(obj)
    assert obj["verdict"] == "refuted" and obj["replay"].startswith("escset check cubic-smooth-step-is-C2")


@pytest.mark.parametrize("args", [["search", "nope"], ["search", "cubic-smooth-step-is-C2", "--max-examples", "0"],
                                  ["check", "multihead-concat-identity", "--instance", "{bad json"],
                                  ["check", "multihead-concat-identity", "--instance", "[1, 2]"]])
def test_search_and_instance_bad_input(args):
    p = run(*args)
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr


def test_version():
    import proofs

    p = run("--version")
    assert p.returncode == 0 and p.stdout.strip() == f"escset {proofs.__version__}" and p.stderr == ""
    assert proofs.__version__[0].isdigit()


def test_replay_command_is_shell_quoted():
    """An instance holding a quote (or $(...)) must not break out of the printed command's quoting."""
    import shlex

    from proofs.search import replay_command

    inst = {"name": "it's $(touch /tmp/pwned) `x`", "n": 3}
    words = shlex.split(replay_command("my-claim", inst, module="my dir/conj.py"))
    assert words[:3] == ["escset", "check", "my-claim"]
    assert words[words.index("--module") + 1] == "my dir/conj.py"
    assert json.loads(words[words.index("--instance") + 1]) == inst


def test_written_files_follow_the_umask(tmp_path):
    """Reports, checkpoints and data/measure files get 0o666 & ~umask (mkstemp alone gives 0600)."""
    import numpy as np

    from proofs.problem import measure as M
    from proofs.report import write_report as _write_report
    from proofs.simulate import atomic_savez as _atomic_savez

    old = os.umask(0o027)
    try:
        _write_report(str(tmp_path / "rep"), [], "now")
        _atomic_savez(str(tmp_path / "run.npz"), a=np.zeros(2))
        M.save_dataset(tmp_path / "d.json", M.Dataset(X=[["1"]], Y=[["2"]]))
    finally:
        os.umask(old)
    for f in ("rep/report.json", "rep/report.md", "run.npz", "d.json"):
        assert (tmp_path / f).stat().st_mode & 0o777 == 0o640, f
    assert not [f for f in os.listdir(tmp_path) if f.startswith(".")]


def test_search_keys_the_database_per_claim_and_leaves_no_hypothesis_dir(tmp_path):
    """Two claims sharing one --db keep one key each (they shared one: a saved counterexample was lost), and
    hypothesis' own directory does not appear in the working directory."""
    import hashlib

    db = tmp_path / "db"
    for cid in ("cubic-smooth-step-is-C2", "euler-decreases-energy-at-any-step"):
        p = run("search", cid, "--max-examples", "30", "--db", str(db), "--json", cwd=tmp_path)
        assert p.returncode == 0 and json.loads(p.stdout)["verdict"] == "refuted", p.stderr
    keys = set(os.listdir(db))
    for cid in ("cubic-smooth-step-is-C2", "euler-decreases-energy-at-any-step"):
        assert hashlib.sha384(b"escset-search:" + cid.encode()).hexdigest()[:16] in keys
    assert not (tmp_path / ".hypothesis").exists()
    # replayed from the database: the second run finds the saved counterexample at once
    p = run("search", "euler-decreases-energy-at-any-step", "--max-examples", "30", "--db", str(db), "--json",
            cwd=tmp_path)
    assert p.returncode == 0 and json.loads(p.stdout)["examples"] <= 3, p.stdout


def test_a_users_check_that_raises_is_one_line_naming_the_file_and_line(tmp_path):
    f = tmp_path / "conj_raises.py"
    f.write_text("from proofs import claim\n\n@claim('user-raises-cli', instances=[{'name': 'x'}])\n"
                 "def check(instance, *, dps):\n    return 1 / 0\n")
    p = run("check", "user-raises-cli", "--module", str(f), "--json")
    assert p.returncode == 2 and p.stdout == "" and p.stderr.count("\n") == 1, p.stderr
    assert "ZeroDivisionError" in p.stderr and f"{f}, line 5" in p.stderr
