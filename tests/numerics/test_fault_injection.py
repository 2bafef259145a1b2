"""kill -9 inside a checkpoint / report write, then resume: the result equals an uninterrupted run bit for bit.

The window is hit deterministically through the test-only hook of :mod:`proofs._atomic`: with
``ESCSET_FAULT=POINT:N`` the process SIGKILLs itself the N-th time it reaches ``POINT`` (temporary file created /
half written / fully written but not renamed / just renamed).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

ESCSET = [sys.executable, "-c", "from proofs.cli import main; main()"]

SIM = ["simulate", "--model", "sigmoid", "--teacher", "3", "--n", "16", "--d", "2", "--k", "2", "--m", "12",
       "--steps", "40", "--dt", "0.3", "--every", "10", "--json"]


def run(args, fault=None, timeout=300):
    env = dict(os.environ)
    env.pop("ESCSET_FAULT", None)
    if fault:
        env["ESCSET_FAULT"] = fault
    return subprocess.run(ESCSET + [str(a) for a in args], capture_output=True, text=True, timeout=timeout, env=env)


def temps(d):
    return sorted(f for f in os.listdir(d) if f.startswith(".escset-"))


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    d = tmp_path_factory.mktemp("ref")
    p = run(SIM + ["--out", d / "run.npz"])
    assert p.returncode == 0, p.stderr
    z = np.load(d / "run.npz")
    return {k: z[k] for k in z.files}, json.loads(p.stdout)


SLOW = pytest.mark.slow


@pytest.mark.parametrize("fault", ["run:opened:2", "run:half:1", "run:written:2", "run:renamed:2",
                                   pytest.param("run:half:3", marks=SLOW), pytest.param("run:written:4", marks=SLOW)])
def test_simulate_killed_in_a_checkpoint_write_resumes_bit_for_bit(tmp_path, reference, fault):
    ref, ref_json = reference
    out = tmp_path / "run.npz"
    p = run(SIM + ["--out", out], fault=fault)
    assert p.returncode == -signal.SIGKILL, (p.returncode, p.stderr)
    point = fault.split(":")[1]
    if point in ("opened", "half", "written"):
        assert temps(tmp_path), "the kill should leave the temporary file behind"
    if out.exists():  # whatever is there is a whole checkpoint, never half of one
        z = np.load(out)
        assert 0 <= int(z["steps_done"]) <= 40 and json.loads(str(z["config"]))["teacher"] == 3
    p = run(SIM + ["--out", out])  # the same command resumes
    assert p.returncode == 0, p.stderr
    assert temps(tmp_path) == [], "the next run removes the orphaned temporary file"
    z = np.load(out)
    for key in ("a", "u", "X", "Y", "steps_done", "history_step", "history_loss", "history_energy",
                "history_stationarity_residual"):
        assert np.array_equal(z[key], ref[key]), key
    got = json.loads(p.stdout)
    assert got["final_loss"] == ref_json["final_loss"] and got["history"] == ref_json["history"]


def _strip_times(obj):
    if isinstance(obj, dict):
        return {k: _strip_times(v) for k, v in obj.items()
                # command_line names the --report folder, which differs between the two runs by construction
                if k not in ("started", "seconds", "command_line") and not k.endswith("_seconds")
                and not k.endswith("_s")}
    if isinstance(obj, list):
        return [_strip_times(v) for v in obj]
    return obj


CHECK = ["check", "cubic-smooth-step-facts", "cubic-smooth-step-is-C2"]


@pytest.fixture(scope="module")
def reference_report(tmp_path_factory):
    d = tmp_path_factory.mktemp("rep")
    p = run(CHECK + ["--report", d])
    assert p.returncode == 0, p.stderr
    return json.loads((d / "report.json").read_text()), (d / "report.md").read_text()


@pytest.mark.parametrize("fault", ["report:half:1", "report:written:2", "report:renamed:1",
                                   pytest.param("report:opened:1", marks=SLOW),
                                   pytest.param("report:written:1", marks=SLOW),
                                   pytest.param("report:half:2", marks=SLOW)])
def test_check_report_killed_in_a_write_then_rerun_equals_a_clean_run(tmp_path, reference_report, fault):
    ref_json, ref_md = reference_report
    rep = tmp_path / "out"
    p = run(CHECK + ["--report", rep], fault=fault)
    assert p.returncode == -signal.SIGKILL, (p.returncode, p.stderr)
    for name in ("report.json", "report.md"):  # a report file is there whole or not at all
        if (rep / name).exists() and name == "report.json":
            assert "results" in json.loads((rep / name).read_text())
    if fault.split(":")[1] in ("opened", "half", "written"):
        assert temps(rep)
    p = run(CHECK + ["--report", rep])
    assert p.returncode == 0, p.stderr
    assert temps(rep) == []
    assert _strip_times(json.loads((rep / "report.json").read_text())) == _strip_times(ref_json)
    varying = ("started ", "- started", "- command line")  # the start time, and the --report folder in the command
    strip_md = lambda t: [ln for ln in t.splitlines() if not ln.startswith(varying)]  # noqa: E731
    assert strip_md((rep / "report.md").read_text()) == strip_md(ref_md)
