"""The full-support sweep (proofs.experiments.full_support) and its resumable runner (proofs.experiments.sweep)."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from proofs.errors import InvalidArgument
from proofs.experiments import full_support as FS
from proofs.experiments.sweep import cell_path, load_results, run_sweep

ESCSET = [sys.executable, "-c", "from proofs.cli import main; main()"]
FN = "proofs.experiments.full_support:run_cell"


def tiny(**kw):
    base = dict(models=["sigmoid", "attention"], widths=[2, 4], seeds=2, steps=30, n=16)
    base.update(kw)
    return FS.make_cells(**base)


def test_default_protocol_is_three_models_six_widths_five_seeds():
    cells = FS.make_cells()
    assert len(cells) == 90
    assert FS.default_widths(4) == [2, 4, 8, 16, 24, 40]
    assert {c["model"] for c in cells} == {"sigmoid", "sigmoid-vector", "attention"}
    assert len({c["key"] for c in cells}) == 90


@pytest.mark.parametrize("kw", [dict(models=["relu"]), dict(widths=[0]), dict(seeds=0), dict(steps=0),
                                dict(dt=float("nan")), dict(m0=-1)])
def test_make_cells_rejects_bad_input(kw):
    with pytest.raises(InvalidArgument):
        FS.make_cells(**kw)


def test_run_cell_initial_loss_matches_a_direct_computation():
    # reference computed another way: the teacher data and the Gaussian student's loss by hand (numpy)
    c = tiny(models=["sigmoid"], widths=[4], seeds=1)[0]
    res = FS.run_cell(c)
    rng = np.random.default_rng(c["data_seed"])
    d, n, m0 = c["d"], c["n"], c["m0"]
    X = rng.standard_normal((n, d)) / np.sqrt(d)
    ta, tu = rng.standard_normal((m0, 1, 1)), rng.standard_normal((m0, d + 1))
    Xt = np.hstack([X, np.ones((n, 1))])
    Y = (1 / (1 + np.exp(-Xt @ tu.T))) @ ta[:, 0, :] / m0
    r2 = np.random.default_rng(10_000 + c["seed"])
    a, u = r2.standard_normal((c["m"], 1, 1)), r2.standard_normal((c["m"], d + 1))
    f = (1 / (1 + np.exp(-Xt @ u.T))) @ a[:, 0, :] / c["m"]
    assert res["initial_loss"] == pytest.approx(np.sum((f - Y) ** 2) / (2 * n), rel=1e-12)
    assert res["final_loss"] < res["initial_loss"] and res["excess_loss"] == res["final_loss"]


def test_teacher_width_student_started_at_the_teacher_has_zero_excess(monkeypatch):
    # the known minimum is 0: a student equal to the teacher has loss 0 (to rounding) and stays there
    from numerics.dynamics import ParticleFlow, State
    from proofs.problem.teacher import teacher_data

    c = tiny(models=["sigmoid"], widths=[4], seeds=1)[0]
    q, p_u, p_x, xs = FS._layout(c)
    rng = np.random.default_rng(c["data_seed"])
    X, Y = teacher_data(lambda X, Y: FS._field(c, X, Y), rng, n=c["n"], m0=c["m0"], k=1, q=q, p_u=p_u, p_x=p_x,
                        x_scale=xs)
    rng = np.random.default_rng(c["data_seed"])
    rng.standard_normal((c["n"], p_x))
    ta, tu = rng.standard_normal((c["m0"], 1, q)), rng.standard_normal((c["m0"], p_u))
    fld = FS._field(c, X, Y)
    assert fld.loss(ta, tu) < 1e-30
    fin = ParticleFlow(fld, dt=1.0).run(State(ta, tu), 20)
    assert fld.loss(*fin) < 1e-30


def test_sweep_in_process_is_resumable_and_refuses_other_settings(tmp_path):
    out = str(tmp_path / "sw")
    cells = tiny()
    st = run_sweep(cells, FN, out, workers=0)
    assert st["computed"] == len(cells) and st["reused"] == 0
    assert all(os.path.exists(cell_path(out, c["key"])) for c in cells)
    before = {r["cell"]["key"]: r["result"]["final_loss"] for r in load_results(out)}
    assert before["sigmoid-m2-s0"] != before["sigmoid-m2-s1"]  # the seed is the student's initialisation
    st2 = run_sweep(cells, FN, out, workers=0)
    assert st2["computed"] == 0 and st2["reused"] == len(cells)
    with pytest.raises(InvalidArgument, match="other settings"):
        run_sweep(tiny(steps=31), FN, out, workers=0)
    after = {r["cell"]["key"]: r["result"]["final_loss"] for r in load_results(out)}
    assert before == after


def test_sweep_interrupted_keeps_finished_cells_and_resumes(tmp_path):
    out = str(tmp_path / "sw")
    cells = tiny(models=["sigmoid"])
    seen = []

    def progress(done, total, cell, result):
        seen.append(cell["key"])
        if len(seen) == 2:
            raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt) as exc:
        run_sweep(cells, FN, out, workers=0, progress=progress)
    assert exc.value.done == 2
    assert len(load_results(out)) == 2
    st = run_sweep(cells, FN, out, workers=0)
    assert st["reused"] == 2 and st["computed"] == len(cells) - 2


def test_sweep_on_local_processes_matches_in_process(tmp_path):
    cells = tiny(models=["sigmoid"], seeds=1)
    run_sweep(cells, FN, str(tmp_path / "a"), workers=0)
    st = run_sweep(cells, FN, str(tmp_path / "b"), workers=2)
    assert st["executor"] == "local processes (2)"
    ra = {r["cell"]["key"]: r["result"]["final_loss"] for r in load_results(str(tmp_path / "a"))}
    rb = {r["cell"]["key"]: r["result"]["final_loss"] for r in load_results(str(tmp_path / "b"))}
    assert ra == rb


def test_sweep_on_a_dask_local_cluster_matches_in_process(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    cells = tiny(models=["sigmoid", "attention"], widths=[2], seeds=2)
    run_sweep(cells, FN, str(tmp_path / "a"), workers=0)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cl:
        st = run_sweep(cells, FN, str(tmp_path / "b"), scheduler=cl.scheduler_address)
    assert st["executor"].startswith("dask.distributed") and st["computed"] == len(cells)
    ra = {r["cell"]["key"]: r["result"]["final_loss"] for r in load_results(str(tmp_path / "a"))}
    rb = {r["cell"]["key"]: r["result"]["final_loss"] for r in load_results(str(tmp_path / "b"))}
    assert ra == rb


def test_bad_scheduler_is_one_line_error(tmp_path):
    with pytest.raises(InvalidArgument, match="cannot connect"):
        run_sweep(tiny(models=["sigmoid"], seeds=1), FN, str(tmp_path / "c"), scheduler="tcp://127.0.0.1:1",
                  connect_timeout=1.0)


def test_table_and_figure(tmp_path):
    out = str(tmp_path / "fs")
    res = FS.run_full_support(out, workers=0, models=["sigmoid"], widths=[2, 4], seeds=2, steps=30, n=16)
    tab = json.load(open(f"{out}/table.json"))
    assert tab["cells"] == 4 and res["table"]["sigmoid"][0]["seeds"] == 2
    row = tab["table"]["sigmoid"][0]
    assert row["min"] <= row["median"] <= row["max"]
    with open(res["figure"], "rb") as fh:
        assert fh.read(4) == b"\x89PNG"


def test_cli_full_support_json_and_resume(tmp_path):
    out = str(tmp_path / "cli")
    args = ["experiment", "full-support", "--out", out, "--models", "sigmoid", "--widths", "2", "--seeds", "1",
            "--steps", "20", "--n", "16", "--workers", "0", "--no-plot", "--json"]
    p = subprocess.run(ESCSET + args, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    obj = json.loads(p.stdout)
    assert obj["sweep"]["computed"] == 1 and obj["cells"] == 1
    p2 = subprocess.run(ESCSET + args, capture_output=True, text=True, timeout=300)
    assert json.loads(p2.stdout)["sweep"]["reused"] == 1
    bad = subprocess.run(ESCSET + ["experiment", "full-support", "--out", out, "--models", "relu"],
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and bad.stderr.count("\n") == 1


# ------------------------------------------------------------------------------------ referee findings (a1 audit)
def test_mark_diverged_replaces_every_number_and_keeps_finite_results():
    ok = {"initial_loss": 1.0, "final_loss": 0.1, "excess_loss": 0.1, "stationarity_residual": 1e-3,
          "loss_curve": [1.0, 0.1]}
    assert FS.mark_diverged(ok) == {**ok, "diverged": False}
    bad = FS.mark_diverged({**ok, "stationarity_residual": float("inf")})
    assert bad["diverged"] and bad["excess_loss"] is None and bad["stationarity_residual"] is None
    bad = FS.mark_diverged({**ok, "loss_curve": [1.0, float("nan")]})
    assert bad["diverged"] and bad["loss_curve"] == [1.0, None] and bad["final_loss"] is None
    json.dumps(bad, allow_nan=False)  # strict JSON


def test_a_diverged_cell_is_marked_excluded_from_the_table_and_written_as_strict_json(tmp_path):
    out = str(tmp_path / "div")
    res = FS.run_full_support(out, workers=0, models=["sigmoid"], widths=[2], seeds=2, steps=2, n=16, dt=1e300,
                              plot=False)
    assert len(res["diverged_cells"]) == 2
    row = res["table"]["sigmoid"][0]
    assert row["diverged"] == 2 and row["seeds"] == 0 and row["median"] is None
    for r in load_results(out):
        assert r["result"]["diverged"] and r["result"]["excess_loss"] is None
    with open(f"{out}/table.json") as fh:
        json.loads(fh.read(), parse_constant=lambda c: pytest.fail(f"non-strict JSON constant {c}"))
    # a mix: finite cells keep their numbers, the table's median is over them only
    tab = FS.table([{"cell": {"model": "sigmoid", "m": 2, "seed": 0}, "result": {"excess_loss": 0.5}},
                    {"cell": {"model": "sigmoid", "m": 2, "seed": 1},
                     "result": {"excess_loss": None, "diverged": True}}])
    assert tab["sigmoid"][0]["median"] == 0.5 and tab["sigmoid"][0]["diverged"] == 1


@pytest.mark.parametrize("out", ["", "   "])
def test_cli_full_support_rejects_an_empty_out(tmp_path, out):
    p = subprocess.run(ESCSET + ["experiment", "full-support", "--out", out, "--workers", "0", "--seeds", "1",
                                 "--widths", "2", "--models", "sigmoid", "--steps", "2", "--n", "16"],
                       capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "--out" in p.stderr
    assert os.listdir(tmp_path) == []
