"""Ctrl-C, resume, divergence and thread control of the long commands (issue #10).

Ctrl-C contract: exit 130 after ONE stderr line ``escset: interrupted at ...; kept ...; rerun the same command to
...``, the JSON object under ``--json`` all the same, finished work kept. Resume only the same run. Divergence:
exit 3, one line, the last finite state kept.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

ESCSET = [sys.executable, "-c", "from proofs.cli import main; main()"]


def _default_sigint():  # a background job of a non-interactive shell starts with SIGINT ignored: undo that
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(args, **kw):
    env = dict(os.environ)
    env.pop("ESCSET_FAULT", None)
    return subprocess.Popen(ESCSET + [str(a) for a in args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, preexec_fn=_default_sigint, env=env, **kw)


def run(args, timeout=300):
    p = start(args)
    out, err = p.communicate(timeout=timeout)
    return p.returncode, out, err


def interrupt_after(p, ready, timeout=120):
    """Wait until ``ready()`` (or the process ended), send SIGINT, return (code, stdout, stderr, seconds to stop)."""
    t0 = time.time()
    while not ready() and p.poll() is None and time.time() - t0 < timeout:
        time.sleep(0.05)
    assert p.poll() is None, "the command ended before it could be interrupted"
    t1 = time.time()
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    return p.returncode, out, err, time.time() - t1


def one_line(err):
    assert err.count("\n") == 1 and err.endswith("\n") and "Traceback" not in err, repr(err)
    return err


def _children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return fh.read().split()
    except OSError:
        return []


def _sleep(s):
    time.sleep(s)
    return True


def _startup_seconds():
    """How long this machine takes to import the CLI now (a Ctrl-C before that is Python's, not escset's)."""
    t0 = time.time()
    subprocess.run([sys.executable, "-c", "import proofs.cli"], check=True)
    return time.time() - t0


def run_inprocess(capsys, *args):
    from proofs.cli import main

    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    cap = capsys.readouterr()
    return exc.value.code, cap.out, cap.err


SIM = ["simulate", "--model", "sigmoid", "--teacher", "3", "--n", "64", "--d", "3", "--m", "200", "--dt", "0.1",
       "--every", "50"]


@pytest.mark.parametrize("json_out", [True, False])
def test_simulate_ctrl_c_one_line_json_and_resume_equals_a_straight_run(tmp_path, json_out):
    out = tmp_path / "run.npz"
    flag = ["--json"] if json_out else []
    p = start(SIM + ["--steps", "10000000", "--out", out] + flag)
    code, stdout, err, took = interrupt_after(p, out.exists)
    assert code == 130
    line = one_line(err)
    z = np.load(out)
    done = int(z["steps_done"])
    assert done >= 50 and f"interrupted at step {done} of 10000000" in line
    assert f"kept the state at step {done} in {out}" in line and "rerun the same command to resume" in line
    if json_out:
        obj = json.loads(stdout)
        assert obj["interrupted"] and obj["steps"] == done
    else:
        assert stdout == ""
    assert not [f for f in os.listdir(tmp_path) if f.startswith(".escset-")]
    assert took < 30
    # resume to a bound just past the interruption; equal, bit for bit, to a run straight through
    target = done + 30
    code, stdout, err = run(SIM + ["--steps", target, "--out", out, "--json"])
    assert code == 0, err
    code, _, err = run(SIM + ["--steps", target, "--out", tmp_path / "straight.npz", "--json"])
    assert code == 0, err
    a, b = np.load(out), np.load(tmp_path / "straight.npz")
    assert int(a["steps_done"]) == int(b["steps_done"]) == target
    assert np.array_equal(a["a"], b["a"]) and np.array_equal(a["u"], b["u"])


@pytest.mark.parametrize("change,key", [
    (["--teacher", "4"], "teacher"), (["--n", "32"], "n"), (["--seed", "1"], "seed"), (["--m", "7"], "m"),
    (["--activation", "tanh"], "activation"), (["--dt", "0.2"], "dt"), (["--method", "heun"], "method"),
    (["--init-scale", "2"], "init_scale"), (["--d", "3"], "d"), (["--l1", "0.01"], "l1"),
])
def test_resume_refuses_a_checkpoint_of_other_settings_and_names_them(tmp_path, capsys, change, key):
    out = tmp_path / "run.npz"
    base = ["simulate", "--model", "sigmoid", "--teacher", "3", "--n", "16", "--d", "2", "--m", "6", "--dt", "0.1",
            "--steps", "4", "--out", out, "--json"]
    code, _, err = run_inprocess(capsys, *base)
    assert code == 0, err
    before = out.read_bytes()
    args = list(base)
    for i in range(0, len(change), 2):
        if change[i] in args:
            args[args.index(change[i]) + 1] = change[i + 1]
        else:
            args += change[i:i + 2]
    args[args.index("--steps") + 1] = "8"
    code, _, err = run_inprocess(capsys, *args)
    assert code == 2
    one_line(err)
    assert "different settings" in err and f"{key}:" in err
    assert out.read_bytes() == before  # nothing overwritten
    # the same settings (and only a larger --steps or another --every) resume
    code, stdout, err = run_inprocess(capsys, *[a if a != "4" else "8" for a in base], "--every", "2")
    assert code == 0, err
    assert json.loads(stdout)["steps"] == 8


def test_resume_refuses_a_changed_data_file(tmp_path, capsys):
    data = tmp_path / "d.json"
    data.write_text(json.dumps({"X": [[0.1, 0.2], [0.3, -0.1], [1, 2]], "Y": [[0.5], [0.1], [0.2]]}))
    out = tmp_path / "run.npz"
    args = ["simulate", "--model", "sigmoid", "--data", data, "--m", "5", "--dt", "0.1", "--steps", "3", "--out", out]
    assert run_inprocess(capsys, *args)[0] == 0
    data.write_text(json.dumps({"X": [[0.1, 0.2], [0.3, -0.1], [1, 2]], "Y": [[0.5], [0.1], [0.3]]}))
    code, _, err = run_inprocess(capsys, *args[:-4], "--steps", "6", "--out", out)
    assert code == 2 and "other data" in one_line(err)


DIV = ["simulate", "--model", "sigmoid", "--teacher", "3", "--n", "24", "--d", "2", "--m", "20", "--dt", "0.1",
       "--every", "10", "--steps", "60", "--activation", "square", "--init-scale", "3"]


def test_divergence_stops_exits_3_and_keeps_the_last_finite_state(tmp_path, capsys):
    out = tmp_path / "div.npz"
    code, stdout, err = run_inprocess(capsys, *DIV, "--out", out, "--json")
    assert code == 3
    line = one_line(err)
    obj = json.loads(stdout)
    assert obj["diverged"] and "diverged at step" in line and "last finite state" in line
    z = np.load(out)
    done = int(z["steps_done"])
    assert obj["steps"] == done < 60
    assert np.all(np.isfinite(z["a"])) and np.all(np.isfinite(z["u"]))
    for k in z.files:
        if k.startswith("history_"):
            assert np.all(np.isfinite(z[k])), k
    assert json.loads(str(z["diverged"]))["step"] > done
    # the kept state is the state after `done` steps of the same flow, and its loss is finite
    from numerics.dynamics import ParticleFlow, State
    from proofs.dynamics import field_for

    cfg = json.loads(str(z["config"]))
    f = field_for("sigmoid", z["X"], z["Y"], activation="square")
    rng = np.random.default_rng(cfg["seed"])
    a0, u0 = 3 * rng.standard_normal((20, 1, 1)), 3 * rng.standard_normal((20, 3))
    ref = ParticleFlow(f, dt=0.1).run(State(a0, u0), done)
    assert np.array_equal(ref.a, z["a"]) and np.array_equal(ref.u, z["u"])
    assert np.isfinite(f.loss(z["a"], z["u"]))
    # the same command again: says so at once, same exit code
    code, _, err2 = run_inprocess(capsys, *DIV, "--out", out)
    assert code == 3 and one_line(err2) == line


@pytest.mark.parametrize("method", ["euler", "rk4"])
def test_run_raises_diverged_with_the_last_finite_state(method):
    from numerics.dynamics import Diverged, ParticleFlow, State
    from proofs.dynamics import field_for

    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((12, 2)), rng.standard_normal((12, 1))
    a0, u0 = 3 * rng.standard_normal((8, 1, 1)), 3 * rng.standard_normal((8, 3))
    flow = ParticleFlow(field_for("sigmoid", X, Y, activation="square"), dt=0.2, method=method)
    with pytest.raises(Diverged) as exc:
        flow.run(State(a0, u0), 200)
    e = exc.value
    assert isinstance(e, FloatingPointError) and e.steps_done < e.step + 1 and e.steps_done < 200
    ref = ParticleFlow(flow.field, dt=0.2, method=method).run(State(a0, u0), e.steps_done)
    assert np.array_equal(ref.a, e.state.a) and np.array_equal(ref.u, e.state.u)
    assert np.all(np.isfinite(e.state.a)) and np.all(np.isfinite(e.state.u))
    assert np.isfinite(flow.field.loss(*e.state))
    # opting out keeps the old behaviour (no check, numpy's own floating-point settings apply)
    with np.errstate(all="ignore"):
        flow.run(State(a0, u0), 30, check_finite=False)


def test_stale_temporary_files_are_removed_live_ones_kept(tmp_path, capsys):
    out = tmp_path / "run.npz"
    dead = tmp_path / ".escset-run-run.npz-999999999-abc.tmp"
    live = tmp_path / f".escset-run-run.npz-{os.getpid()}-abc.tmp"  # a concurrent writer (this process)
    other = tmp_path / ".escset-run-other.npz-999999999-abc.tmp"  # another --out's file
    for f in (dead, live, other):
        f.write_bytes(b"partial")
    code, _, err = run_inprocess(capsys, "simulate", "--model", "sigmoid", "--teacher", "2", "--n", "8", "--m", "4",
                                 "--dt", "0.1", "--steps", "2", "--out", out)
    assert code == 0, err
    assert not dead.exists() and live.exists() and other.exists()


@pytest.mark.skipif(not os.path.exists(f"/proc/{os.getpid()}/task/{os.getpid()}/children"), reason="needs Linux /proc")
def test_search_workers_ctrl_c_stops_promptly_with_json(tmp_path):
    db = tmp_path / "db"
    p = start(["search", "subgaussian-tails-propagate", "--workers", "2", "--max-examples", "100000", "--db", db,
               "--json"])
    code, stdout, err, took = interrupt_after(p, lambda: len(_children(p.pid)) >= 2 and _sleep(1.0))
    assert code == 130
    line = one_line(err)
    assert "interrupted at example" in line and f"database {db}" in line
    obj = json.loads(stdout)
    assert obj["interrupted"] and obj["verdict"] == "inconclusive"
    assert took < 6, f"took {took:.1f} s to stop"


def test_check_ctrl_c_keeps_the_finished_results_in_the_report(tmp_path):
    rep = tmp_path / "rep"
    startup = _startup_seconds()
    p = start(["check", "--report", rep, "--json"])
    time.sleep(2 * startup + 2)  # past the imports, inside the checks
    code, stdout, err, _ = interrupt_after(p, lambda: True)
    assert code == 130
    line = one_line(err)
    obj = json.loads(stdout)
    assert obj["interrupted"] and obj["summary"] is None
    payload = json.loads((rep / "report.json").read_text())
    assert "summary" not in payload and len(payload["results"]) == len(obj["results"])
    assert f"kept the {len(obj['results'])} finished results in {rep}" in line
    assert not [f for f in os.listdir(rep) if f.startswith(".")]


def test_blas_threads_limits_and_restores():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from numerics.dynamics.backend import blas_threads

    def blas():
        return [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]

    before = blas()
    with blas_threads(1):
        assert all(n == 1 for n in blas())
        with blas_threads(1):  # nested: free, and the outer limit still holds after
            pass
        assert all(n == 1 for n in blas())
    assert blas() == before


def test_blas_limit_can_be_turned_off_for_measurements(monkeypatch):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from numerics.dynamics.backend import blas_threads

    monkeypatch.setenv("ESCSET_BLAS_LIMIT", "0")
    before = [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    with blas_threads(1):
        assert [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"] == before
