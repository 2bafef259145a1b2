"""A user's own model through the public API (proofs.Model.from_sympy, @model) and through the commands
(``analyze --module``, ``simulate --module``, ``search --module``): it behaves exactly like the same feature written
as an in-package model (the subclass hook), and the built-ins rewritten on the API are what they were."""
from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from numerics.certified.precision import workdps
from proofs import InvalidArgument, Model, ModelSpec, get_model
from proofs.analyze import analyze
from proofs.problem import Problem
from proofs.problem import measure as M
from proofs.search import load_user_module
from proofs.symbolic.models import SigmoidNet

ROOT = Path(__file__).resolve().parents[2]
RBF = ROOT / "notebooks" / "user_models" / "rbf.py"
ESCSET = [sys.executable, "-c", "from proofs.cli import main; main()"]


def _rbf_parts(d):
    w = [sp.Symbol(f"w{i}", real=True) for i in range(1, d + 1)]
    x = [sp.Symbol(f"x{i}", real=True) for i in range(1, d + 1)]
    b = sp.Symbol("b", real=True)
    return w, b, x, sp.exp(-(sum((wi * xi for wi, xi in zip(w, x)), sp.S.Zero) + b) ** 2)


@dataclass(frozen=True, eq=False)
class RbfTwin(Model):
    """The same feature as an in-package model would write it: the subclass hook."""

    d: int = 2

    def define(self):
        w, b, x, g = _rbf_parts(self.d)
        return ModelSpec(feature=[g], inner={"w": w, "b": b}, inputs=x, q=1, name="rbf")


@pytest.fixture(scope="module")
def rbf_module():
    return load_user_module(str(RBF))


def _instance(k, d=2, seed=0):
    rng = np.random.default_rng(seed)
    mu = M.Measure(a=[[[str(round(v, 2))] for v in rng.uniform(-1, 1, size=k)] for _ in range(3)],
                   u=[[str(round(v, 2)) for v in rng.uniform(-1.5, 1.5, size=d + 1)] for _ in range(3)],
                   mass=["1/3"] * 3)
    data = M.Dataset(X=[[str(round(v, 2)) for v in rng.uniform(-2, 2, size=d)] for _ in range(6)],
                     Y=[[str(round(v, 2)) for v in rng.uniform(-1, 1, size=k)] for _ in range(6)])
    return mu, data


def test_from_sympy_recreates_the_sigmoid_net_exactly():
    for d, act in ((1, "sigmoid"), (3, "tanh")):
        ref = SigmoidNet(k=2, d=d, activation=act)
        w = [sp.Symbol(f"w{i}", real=True) for i in range(1, d + 1)]
        x = [sp.Symbol(f"x{i}", real=True) for i in range(1, d + 1)]
        b = sp.Symbol("b", real=True)
        mine = Model.from_sympy(ref.name, feature=ref.activation(sum((a * c for a, c in zip(w, x)), sp.S.Zero) + b),
                                inner={"w": w, "b": b}, inputs=x, k=2)
        assert mine.describe() == ref.describe()
        for attr in ("a_syms", "u_syms", "x_syms", "g", "r_syms", "theta_syms", "u_groups"):
            assert getattr(mine, attr) == getattr(ref, attr), attr
        assert mine.velocity_term() == ref.velocity_term() and mine.latex("psi") == ref.latex("psi")


def test_shapes_create_the_symbols_of_the_groups():
    w1, w2, b, x1, x2 = sp.symbols("w1 w2 b x1 x2", real=True)
    mdl = Model.from_sympy("rbf-shapes", feature=sp.exp(-(w1 * x1 + w2 * x2 + b) ** 2), inner={"w": (2,), "b": ()},
                           inputs=[x1, x2])
    assert mdl.u_syms == [w1, w2, b] and mdl.describe()["inner"] == [("w", [2]), ("b", [])]


@pytest.mark.parametrize("kwargs,needle", [
    (dict(inner={"w": [sp.Symbol("w1")]}), "real"),
    (dict(inner={"w": [sp.Symbol("x1", real=True)]}), "disjoint"),
    (dict(feature=sp.Symbol("z", real=True)), "neither"),
    (dict(inner={}), "non-empty"),
    (dict(feature=[]), "empty"),
    (dict(inner={"a": [sp.Symbol("w1", real=True)]}), "'a'"),
    (dict(inner={"w": [sp.Symbol("a1", real=True)]}), "reserved"),
    (dict(inner={"w": (66, 2)}), "at most"),
    (dict(k=65), "at most 64"),
    (dict(q=2), "q=2"),
])
def test_from_sympy_validation_is_one_line(kwargs, needle):
    w1, x1 = sp.Symbol("w1", real=True), sp.Symbol("x1", real=True)
    args = dict(feature=sp.exp(-(w1 * x1) ** 2), inner={"w": [w1]}, inputs=[x1])
    args.update(kwargs)
    with pytest.raises(InvalidArgument) as err:
        Model.from_sympy("bad", **args)
    assert needle in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("k", [1, 2])
def test_rbf_equals_its_in_package_twin(rbf_module, k):
    user, twin = get_model("rbf", k=k, d=2), RbfTwin(k=k, d=2)
    assert user.describe() == twin.describe() and user.g == twin.g
    assert user.first_variation_term() == twin.first_variation_term()
    assert user.velocity_term() == twin.velocity_term()
    mu, data = _instance(k)
    for backend in ("numpy", "mpmath"):
        with workdps(30):
            va, vu = M.velocity(user, mu, data, backend)
            wa, wu = M.velocity(twin, mu, data, backend)
            assert np.array_equal(np.asarray(va, dtype=object), np.asarray(wa, dtype=object))
            assert np.array_equal(np.asarray(vu, dtype=object), np.asarray(wu, dtype=object))
    out_u, out_t = (analyze(mdl, mu, data, dps=20, time_limit=10) for mdl in (user, twin))
    for out in (out_u, out_t):
        out["stats"].pop("seconds")
    assert out_u == out_t and out_u["global_optimality"]["verdict"] == "refuted"


def test_rbf_trajectory_equals_its_twin_and_the_numpy_velocity(rbf_module):
    from numerics.dynamics import ParticleFlow, State
    from proofs.dynamics import field_for

    user, twin = get_model("rbf", k=2, d=2), RbfTwin(k=2, d=2)
    mu, data = _instance(2, seed=1)
    X, Y = M._as_backend(data.X, "numpy", 2), M._as_backend(data.Y, "numpy", 2)
    a0, u0 = M._as_backend(mu.a, "numpy", 3), M._as_backend(mu.u, "numpy", 2)
    finals = []
    for mdl in (user, twin):
        f = field_for(mdl, X, Y)
        va, vu = f.evaluate(a0, u0)[:2]
        ref_a, ref_u = M.velocity(mdl, M.Measure(a=a0, u=u0, mass=np.full(3, 1 / 3)), M.Dataset(X=X, Y=Y))
        assert np.allclose(va, ref_a, rtol=1e-12, atol=1e-14) and np.allclose(vu, ref_u, rtol=1e-12, atol=1e-14)
        finals.append(ParticleFlow(f, dt=0.1).run(State(a0, u0), 10))
    assert np.array_equal(finals[0][0], finals[1][0]) and np.array_equal(finals[0][1], finals[1][1])


def _write(tmp_path):
    mu, data = _instance(1, seed=2)
    M.save_dataset(tmp_path / "d.json", data)
    M.save_measure(tmp_path / "mu.json", get_model("rbf", k=1, d=2), mu)
    return str(tmp_path / "d.json"), str(tmp_path / "mu.json")


def _cli(*argv, cwd):
    return subprocess.run(ESCSET + list(argv), capture_output=True, text=True, cwd=cwd, timeout=300)


def test_analyze_module_runs_and_agrees_with_the_api(rbf_module, tmp_path):
    d, mu = _write(tmp_path)
    r = _cli("analyze", "--module", str(RBF), "--model", "rbf", "--data", d, "--measure", mu, "--dps", "20", "--json",
             cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    p = Problem.load(get_model("rbf", k=1, d=2), d, mu)
    ref = analyze(p.model, p.mu, p.data, dps=20)
    for o in (out, ref):
        o["stats"].pop("seconds")
    assert out == json.loads(json.dumps(ref)) and out["model"]["model"] == "rbf"


def test_simulate_module_runs_and_agrees_with_the_api(rbf_module, tmp_path):
    from proofs.simulate import simulate

    args = dict(teacher=3, n=16, d=2, k=2, m=8, steps=6, dt=0.1)
    r = _cli("simulate", "--module", str(RBF), "--model", "rbf", "--teacher", "3", "--n", "16", "--d", "2", "--k", "2",
             "--m", "8", "--steps", "6", "--dt", "0.1", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    ref = simulate("rbf", **args)
    assert ref.status == "done" and out == json.loads(json.dumps(ref.summary))
    assert out["final_loss"] < out["initial_loss"]
    d, mu = _write(tmp_path)
    r = _cli("simulate", "--module", str(RBF), "--model", "rbf", "--data", d, "--init", mu, "--m", "3", "--steps", "4",
             "--dt", "0.1", "--out", "run.npz", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["steps"] == 4 and (tmp_path / "run.npz").is_file()


def test_an_error_in_the_users_file_names_the_file_and_line(tmp_path):
    bad = tmp_path / "bad_model.py"
    bad.write_text("import sympy as sp\nfrom proofs import Model\n\nMODEL = Model.from_sympy('x', "
                   "feature=sp.Symbol('y'), inner={'w': [sp.Symbol('w1', real=True)]}, "
                   "inputs=[sp.Symbol('x1', real=True)])\n")
    for cmd in (["analyze", "--data", "d.json", "--measure", "m.json"], ["simulate", "--teacher", "2", "--m", "2",
                                                                       "--steps", "1", "--dt", "0.1"]):
        r = _cli(cmd[0], "--module", str(bad), "--model", "x", *cmd[1:], cwd=tmp_path)
        assert r.returncode == 2 and f"{bad}:4:" in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_search_runs_the_claim_of_the_user_file(tmp_path):
    r = _cli("search", "rbf-feature-in-unit-interval", "--module", str(RBF), "--max-examples", "20", "--json",
             cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = _cli("check", "rbf-feature-in-unit-interval", "--module", str(RBF), "--json", cwd=tmp_path)
    assert r.returncode == 0 and json.loads(r.stdout)["results"][0]["verdict"] == "proved", r.stdout + r.stderr


@pytest.mark.parametrize("bad", ["u-width", "a-shape", "x-width", "nan"])
def test_problem_validates_a_measure_and_data_built_in_python(bad):
    """Problem is the boundary for measures and data built in Python (no file reader in front of it): each
    mismatch against the model's k, q, p_u, p_x, or a non-finite entry, is one InvalidArgument."""
    from proofs import Problem, get_model
    from proofs.errors import InvalidArgument
    from proofs.problem.measure import Dataset, Measure

    mdl = get_model("sigmoid", k=1, d=2)  # p_u = 3, p_x = 2
    X, Y = [["1", "0"], ["0", "1"]], [["1"], ["0"]]
    a, u, mass = [[["1"]]], [["1", "2", "3"]], ["1"]
    Problem(mdl, Dataset(X, Y), Measure(a, u, mass))  # the good one passes
    if bad == "u-width":
        u = [["1", "2"]]
    elif bad == "a-shape":
        a = [["1", "2"]]
    elif bad == "x-width":
        X = [["1"], ["0"]]
    else:
        u = [["1", "nan", "3"]]
    with pytest.raises(InvalidArgument):
        Problem(mdl, Dataset(X, Y), Measure(a, u, mass))
