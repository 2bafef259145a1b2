"""``escset simulate`` and ``escset bench dynamics`` as a user runs them (subprocesses)."""
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


def run(*args, timeout=300):
    return subprocess.run(ESCSET + [str(a) for a in args], capture_output=True, text=True, timeout=timeout)


def run_inprocess(capsys, *args):
    """The CLI in this process (cheap; for the bad-input table): (exit code, stderr)."""
    from proofs.cli import main

    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    return exc.value.code, capsys.readouterr().err


def test_simulate_json_checkpoint_and_resume(tmp_path):
    out = tmp_path / "run.npz"
    common = ["simulate", "--model", "sigmoid", "--teacher", "3", "--n", "24", "--d", "2", "--k", "2", "--m", "20",
              "--dt", "0.5", "--every", "10", "--out", out, "--json"]
    p = run(*common, "--steps", "40")
    assert p.returncode == 0, p.stderr
    first = json.loads(p.stdout)
    assert first["steps"] == 40 and first["final_loss"] < first["initial_loss"]
    z = np.load(out)
    assert int(z["steps_done"]) == 40 and list(z["history_step"]) == [0, 10, 20, 30, 40]
    # the checkpointed state reproduces the reported loss (independent recomputation)
    from proofs.dynamics import NetField

    f = NetField(z["X"], z["Y"], "sigmoid")
    assert abs(f.loss(z["a"], z["u"]) - first["final_loss"]) <= 1e-14
    p = run(*common, "--steps", "60")
    assert p.returncode == 0, p.stderr
    second = json.loads(p.stdout)
    assert second["steps"] == 60 and second["initial_loss"] == first["initial_loss"]
    assert second["history"]["step"] == [0, 10, 20, 30, 40, 50, 60]
    # resuming equals running straight through (deterministic Euler steps)
    straight = tmp_path / "straight.npz"
    p = run(*[c if c != out else straight for c in common], "--steps", "60")
    assert abs(json.loads(p.stdout)["final_loss"] - second["final_loss"]) <= 1e-15
    # a checkpoint with other settings is refused, nothing overwritten
    p = run(*[c if c != "0.5" else "0.25" for c in common], "--steps", "80")
    assert p.returncode == 2 and "different settings" in p.stderr and p.stderr.count("\n") == 1
    assert int(np.load(out)["steps_done"]) == 60


def test_simulate_data_file_attention_and_plot(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((8, 3 * 2)).round(3)
    Y = rng.standard_normal((8, 1)).round(3)
    data = tmp_path / "d.json"
    data.write_text(json.dumps({"X": X.tolist(), "Y": [str(v) for v in Y[:, 0]]}))
    png = tmp_path / "p.png"
    p = run("simulate", "--model", "attention", "--data", data, "--p", "2", "--L", "3", "--m", "6", "--steps", "20",
            "--dt", "0.1", "--method", "heun", "--plot", png, "--json")
    try:
        import matplotlib  # noqa: F401  (the plot extra)
    except ImportError:
        # without the extra: one clear line, exit 2, nothing written
        assert p.returncode == 2 and "escset[plot]" in p.stderr and p.stderr.count("\n") == 1
        assert not png.exists()
        p = run("simulate", "--model", "attention", "--data", data, "--p", "2", "--L", "3", "--m", "6",
                "--steps", "20", "--dt", "0.1", "--method", "heun", "--json")
        assert p.returncode == 0, p.stderr
        obj = json.loads(p.stdout)
        assert obj["final_loss"] < obj["initial_loss"]
        return
    assert p.returncode == 0, p.stderr
    obj = json.loads(p.stdout)
    assert obj["final_loss"] < obj["initial_loss"] and png.stat().st_size > 1000


@pytest.mark.parametrize("args,needle", [
    (["--model", "sigmoid", "--m", "5", "--steps", "3", "--dt", "0.1"], "exactly one of --data"),
    (["--model", "sigmoid", "--teacher", "2", "--m", "5", "--steps", "3", "--dt", "0.1", "--method", "rk9"],
     "valid are euler, heun, rk4"),
    (["--model", "mlp", "--teacher", "2", "--m", "5", "--steps", "3", "--dt", "0.1"], "unknown model"),
    (["--model", "sigmoid", "--teacher", "2", "--m", "0", "--steps", "3", "--dt", "0.1"], "--m must be"),
    (["--model", "sigmoid", "--teacher", "2", "--m", "5", "--steps", "3", "--dt", "nan"], "finite"),
    (["--model", "sigmoid", "--data", "/nonexistent.json", "--m", "5", "--steps", "3", "--dt", "0.1"],
     "file not found"),
    (["--model", "sigmoid", "--teacher", "2", "--m", "5", "--steps", "3", "--dt", "0.1", "--backend", "fortran"],
     "unknown backend"),
])
def test_simulate_rejects_bad_input(args, needle, capsys):
    code, err = run_inprocess(capsys, "simulate", *args)
    assert code == 2
    assert needle in err and err.count("\n") == 1 and "Traceback" not in err


def test_simulate_ctrl_c_keeps_the_state(tmp_path):
    out = tmp_path / "run.npz"
    proc = subprocess.Popen(ESCSET + ["simulate", "--model", "sigmoid", "--teacher", "3", "--n", "64", "--d", "3",
                                      "--m", "200", "--steps", "10000000", "--dt", "0.1", "--every", "50",
                                      "--out", str(out), "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    t0 = time.time()
    while not out.exists() and time.time() - t0 < 60:
        time.sleep(0.1)
    assert out.exists()
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    obj = json.loads(stdout)
    z = np.load(out)
    assert obj["interrupted"] and int(z["steps_done"]) == obj["steps"] >= 50
    assert not [f for f in os.listdir(tmp_path) if f.startswith(".escset-run-")]  # no temp file left


def test_bench_dynamics_json_small():
    p = run("bench", "dynamics", "--workload", "w1", "--m", "32", "--steps", "3", "--json")
    assert p.returncode == 0, p.stderr
    obj = json.loads(p.stdout)
    for key in ("workload", "n", "m", "steps", "sec_per_step", "final_loss", "backend"):
        assert key in obj
    assert obj["m"] == 32 and obj["n"] == 512 and obj["final_loss"] < obj["initial_loss"]
    p = run("bench", "dynamics", "--workload", "w2", "--m", "16", "--steps", "2", "--json")
    assert p.returncode == 0 and json.loads(p.stdout)["workload"] == "w2"
    p = run("bench", "dynamics", "--workload", "w1", "--m", "16", "--steps", "2", "--backend", "array_api_strict",
            "--json")
    assert p.returncode == 0, p.stderr
    strict = json.loads(p.stdout)
    assert strict["backend"] == "array_api_strict"
    try:
        import jax  # noqa: F401  (in the test extra; the compiled loop of ParticleFlow.run)
    except ImportError:
        return
    p = run("bench", "dynamics", "--workload", "w1", "--m", "16", "--steps", "2", "--backend", "jax", "--json")
    assert p.returncode == 0, p.stderr
    rec = json.loads(p.stdout)
    assert rec["backend"] == "jax"
    assert abs(rec["final_loss"] - strict["final_loss"]) <= 1e-13 * strict["final_loss"]


@pytest.mark.parametrize("args,needle", [(["--workload", "w3"], "valid are w1, w2"),
                                         (["--m", "0"], "--m must be"),
                                         (["--backend", "cuda"], "unknown backend")])
def test_bench_rejects_bad_input(args, needle, capsys):
    code, err = run_inprocess(capsys, "bench", "dynamics", *args)
    assert code == 2 and needle in err and err.count("\n") == 1


def test_simulate_from_initial_measure_file(tmp_path, capsys):
    """--init MU.json: the first diagnostic is the loss of that exact measure (recomputed independently)."""
    from proofs.cli import main

    rng = np.random.default_rng(2)
    X, Y = rng.standard_normal((6, 2)).round(3), rng.standard_normal((6, 1)).round(3)
    data = tmp_path / "d.json"
    data.write_text(json.dumps({"X": X.tolist(), "Y": Y.tolist()}))
    a, w, b = rng.standard_normal((3, 1)).round(3), rng.standard_normal((3, 2)).round(3), rng.standard_normal(3).round(3)
    mu = tmp_path / "mu.json"
    mu.write_text(json.dumps({"a": a.tolist(), "w": w.tolist(), "b": [str(v) for v in b]}))
    with pytest.raises(SystemExit) as exc:
        main(["simulate", "--model", "sigmoid", "--data", str(data), "--init", str(mu), "--m", "3", "--steps", "4",
              "--dt", "0.1", "--json"])
    assert exc.value.code == 0
    obj = json.loads(capsys.readouterr().out)
    S = 1 / (1 + np.exp(-(X @ w.T + b)))
    ref = 0.5 * np.mean(np.sum((S @ a / 3 - Y) ** 2, axis=1))
    assert abs(obj["initial_loss"] - ref) < 1e-15
    with pytest.raises(SystemExit) as exc:
        main(["simulate", "--model", "sigmoid", "--data", str(data), "--init", str(mu), "--m", "4", "--steps", "4",
              "--dt", "0.1", "--json"])
    assert exc.value.code == 2 and "has 3 particles" in capsys.readouterr().err


def test_bench_compare_several_backends_side_by_side(tmp_path):
    """--compare with --backend numpy,array_api_strict: one row per escset backend, alternating with
    the peer (here a stand-in peer script printing the peers' JSON line), ratios per backend."""
    from proofs.bench import compare

    (tmp_path / "peer_numpy.py").write_text(
        "import json, sys\n"
        "print(json.dumps({'impl': 'numpy', 'sec_per_step': 0.5, 'final_loss': 1.0}))\n")
    res = compare("w1", str(tmp_path), m=8, steps=2, repeats=1, backend="numpy,array_api_strict", quiet_wait=0)
    rows = {r["impl"]: r for r in res["table"]}
    assert set(rows) == {"escset[numpy]", "escset[array_api_strict]", "numpy"}
    for e in ("escset[numpy]", "escset[array_api_strict]"):
        assert rows["numpy"]["ratios"][e] == rows[e]["sec_per_step_median"] / 0.5
        # the stand-in's final loss is 1.0: the agreement figure is |loss - 1|
        assert res["rel_diff_final_loss_vs_numpy_peer_by_impl"][e] == abs(rows[e]["final_loss"] - 1.0)
    # both escset backends ran the same problem: same final loss up to rounding
    assert abs(rows["escset[numpy]"]["final_loss"] - rows["escset[array_api_strict]"]["final_loss"]) < 1e-12


def test_bench_several_backends_need_compare(capsys):
    code, err = run_inprocess(capsys, "bench", "dynamics", "--backend", "numpy,jax")
    assert code == 2 and "only with --compare" in err and err.count("\n") == 1
