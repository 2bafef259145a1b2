"""The performance benchmarks of ``escset bench dynamics``: the W1/W2 workloads of ``bench/`` on the dynamics engine.

The workloads, sizes, seeds and initialisation order are those of ``bench/benchlib.py``
(regenerated here with numpy's ``default_rng``, nothing imported from ``bench/``):

* W1: data rng ``default_rng(seed+1)``: X = N(0,1)^{n x d}/sqrt(d), teacher W* (5 x d), b* (5),
  A* (5 x k), Y = sigmoid(X W*^T + b*) A* / 5; init rng ``default_rng(seed)``: A (m x k), W (m x d),
  b (m), in that order. Model ``sigmoid`` with u = (w, b).
* W2: data rng: tokens X (n x L x d) = N(0,1)/sqrt(d), teacher with 4 heads (V*, Q*, K*), in that
  order per array; init rng: V (H x k x d), Q (H x d x dq), K (H x d x dq). Model ``attention-qk``.

Protocol (as the peers): build data + init, one untimed warm-up step on a copy, time ``steps``
Euler steps (theta -= eta m grad R = one mean-field Euler step of size eta), final loss computed
after the timed region (:func:`bench_dynamics`). :func:`compare` also runs the peer scripts found in a
directory (numpy always; torch/JAX given a ``peer_python``), alternating with escset runs (each one an
``escset bench dynamics --json`` subprocess, timed as the peers are), waiting for a quiet machine before
each run, and reports the medians side by side. The command line (``proofs.cli._bench``) parses and prints.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

__all__ = ["WORKLOADS", "make_w1", "make_w2", "attention_forward_np", "build", "bench_dynamics", "compare",
           "backend_list"]

#: the defaults of bench/benchlib.py
WORKLOADS = {
    "w1": dict(n=512, d=16, k=4, m=4096, steps=200, eta=0.05, m0=5),
    "w2": dict(n=256, d=8, k=2, m=1024, steps=100, eta=0.05, m0=4, L=8, dq=4),
}


def _sigmoid_np(z):
    return 1.0 / (1.0 + np.exp(-z))  # as benchlib (bit-identical targets); z is moderate here


def make_w1(n=512, d=16, k=4, m=4096, seed=0, m0=5):
    """W1 data and init exactly as bench/benchlib.make_w1: X, Y, (A (m,k), W (m,d), b (m,))."""
    drng = np.random.default_rng(seed + 1)
    X = drng.standard_normal((n, d)) / np.sqrt(d)
    Wt = drng.standard_normal((m0, d))
    bt = drng.standard_normal(m0)
    At = drng.standard_normal((m0, k))
    Y = _sigmoid_np(X @ Wt.T + bt) @ At / m0
    irng = np.random.default_rng(seed)
    A = irng.standard_normal((m, k))
    W = irng.standard_normal((m, d))
    b = irng.standard_normal(m)
    return X, Y, (A, W, b)


def attention_forward_np(X, V, Q, K):
    """f(X_s) = (1/H) sum_h V_h X_s^T softmax(X_s K_h Q_h^T x_last) (the bench teacher)."""
    u = X[:, -1, :]
    M = K @ np.swapaxes(Q, 1, 2)
    g = np.einsum("hij,sj->shi", M, u)
    S = np.einsum("sld,shd->slh", X, g)
    S = S - S.max(axis=1, keepdims=True)
    P = np.exp(S)
    P /= P.sum(axis=1, keepdims=True)
    C = np.einsum("slh,sld->shd", P, X)
    return np.einsum("hkd,shd->sk", V, C) / V.shape[0]


def make_w2(n=256, L=8, d=8, dq=4, k=2, m=1024, seed=0, m0=4):
    """W2 data and init exactly as bench/benchlib.make_w2: X, Y, (V (H,k,d), Q (H,d,dq), K (H,d,dq))."""
    drng = np.random.default_rng(seed + 1)
    X = drng.standard_normal((n, L, d)) / np.sqrt(d)
    Vt = drng.standard_normal((m0, k, d))
    Qt = drng.standard_normal((m0, d, dq))
    Kt = drng.standard_normal((m0, d, dq))
    Y = attention_forward_np(X, Vt, Qt, Kt)
    irng = np.random.default_rng(seed)
    V = irng.standard_normal((m, k, d))
    Q = irng.standard_normal((m, d, dq))
    K = irng.standard_normal((m, d, dq))
    return X, Y, (V, Q, K)


def build(workload, *, n=None, m=None, d=None, k=None, seed=0, xp=None, **field_opts):
    """(field, state, sizes) of a workload in the engine's layout."""
    from numerics.dynamics import backend as B
    from numerics.dynamics import AttentionField, State
    from proofs.dynamics import NetField

    sz = dict(WORKLOADS[workload])
    for key, v in (("n", n), ("m", m), ("d", d), ("k", k)):
        if v is not None:
            sz[key] = v
    xp = B.get_backend("numpy") if xp is None else xp
    if workload == "w1":
        X, Y, (A, W, b) = make_w1(sz["n"], sz["d"], sz["k"], sz["m"], seed, sz["m0"])
        field = NetField(X, Y, "sigmoid", xp=xp, **field_opts)
        a, u = A[:, :, None], np.hstack([W, b[:, None]])
    else:
        X, Y, (V, Q, K) = make_w2(sz["n"], sz["L"], sz["d"], sz["dq"], sz["k"], sz["m"], seed, sz["m0"])
        field = AttentionField(X, Y, qk=True, dq=sz["dq"], xp=xp, **field_opts)
        a, u = V, np.hstack([Q.reshape(len(Q), -1), K.reshape(len(K), -1)])
    state = State(B.asarray(np.ascontiguousarray(a), xp), B.asarray(np.ascontiguousarray(u), xp))
    return field, state, sz


def bench_dynamics(workload="w1", *, m=None, steps=None, n=None, seed=0, eta=None, backend="numpy",
                   **field_opts) -> dict:
    """Run one benchmark (peers' protocol) and return its record."""
    from numerics.dynamics import backend as B
    from numerics.dynamics import ParticleFlow

    xp = B.get_backend(backend)
    field, state, sz = build(workload, n=n, m=m, seed=seed, xp=xp, **field_opts)
    steps = sz["steps"] if steps is None else steps
    eta = sz["eta"] if eta is None else eta
    flow = ParticleFlow(field, dt=eta, method="euler")
    init_loss = field.loss(*state)
    t0 = time.perf_counter()
    flow.run(state, 1)  # untimed warm-up on a copy (run never modifies its input)
    warm = time.perf_counter() - t0
    t0 = time.perf_counter()
    final_state = flow.run(state, steps)
    _sync(final_state[1])
    elapsed = time.perf_counter() - t0
    final = field.loss(*final_state)
    rec = {"impl": "escset", "workload": workload, "n": sz["n"], "m": sz["m"], "steps": steps,
           "sec_per_step": elapsed / max(steps, 1), "final_loss": final, "initial_loss": init_loss,
           "particle_steps_per_s": sz["m"] * steps / elapsed if elapsed > 0 else None,
           "backend": B.backend_name(xp), "d": sz["d"], "k": sz["k"], "eta": eta, "seed": seed,
           "warmup_s": warm, "total_s": elapsed, "fused": bool(getattr(field, "fused", False))}
    if workload == "w2":
        rec.update(L=sz["L"], dq=sz["dq"])
    return rec


def _sync(x):
    try:
        x.block_until_ready()
    except AttributeError:
        pass


def _busy_s():
    """Machine-wide busy CPU seconds (all cores), from /proc/stat; None where unavailable."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
    except OSError:
        return None
    return (sum(v[:8]) - v[3] - (v[4] if len(v) > 4 else 0)) / os.sysconf("SC_CLK_TCK")


def _wait_quiet(max_wait, thresh=0.3, window=1.0):
    """Wait (at most max_wait s) until other processes use < thresh cores; returns the load seen."""
    t_end = time.time() + max_wait
    while True:
        b0 = _busy_s()
        if b0 is None:
            return None
        time.sleep(window)
        load = (_busy_s() - b0) / window
        if load < thresh or time.time() >= t_end:
            return load


def _peer(cmd, quiet_wait=0.0):
    load_before = _wait_quiet(quiet_wait) if quiet_wait > 0 else None
    b0, t0 = _busy_s(), time.perf_counter()
    r0 = os.times()
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    wall = time.perf_counter() - t0
    r1 = os.times()
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    if out.returncode != 0 or not lines:
        return {"error": (out.stderr.strip().splitlines() or ["no output"])[-1]}
    rec = json.loads(lines[-1])
    if b0 is not None:
        mine = (r1.children_user + r1.children_system) - (r0.children_user + r0.children_system)
        rec["other_cores_during"] = round(max(0.0, (_busy_s() - b0) - mine) / wall, 3)
        rec["other_load_before"] = load_before
    return rec


def backend_list(text):
    """``"numpy, jax"`` -> ``["numpy", "jax"]`` (empty names dropped)."""
    return [b.strip() for b in text.split(",") if b.strip()]


def compare(workload, peers_dir, *, m=None, steps=None, repeats=3, peer_python=None, backend="numpy",
            quiet_wait=60.0):
    """escset and the peers of ``peers_dir`` run alternately, ``repeats`` times each; medians.

    ``backend``: one escset backend, or several separated by commas (rows ``escset[numpy]``,
    ``escset[jax]``, ...; each row then carries its ratio to every implementation in ``ratios``).
    """
    backends = backend_list(backend)
    peers = [("numpy", sys.executable, ["peer_numpy.py"])]
    if peer_python:
        peers += [("torch", peer_python, ["peer_torch.py"]), ("jax", peer_python, ["peer_jax.py"])]
    extra = ["--workload", workload] + (["--m", str(m)] if m else []) + (["--steps", str(steps)] if steps else [])
    mine_names = ["escset"] if len(backends) == 1 else [f"escset[{b}]" for b in backends]
    me = {nm: [sys.executable, "-c", "import sys; from proofs.cli import main; main(sys.argv[1:])",
               "bench", "dynamics", "--json", "--backend", b] + extra for nm, b in zip(mine_names, backends)}
    runs: dict[str, list] = {nm: [] for nm in me}
    runs.update({name: [] for name, _, _ in peers})
    interrupted = False
    try:
        for _ in range(repeats):
            for nm, cmd in me.items():
                runs[nm].append(_peer(cmd, quiet_wait))
            for name, py, script in peers:
                runs[name].append(_peer([py, os.path.join(peers_dir, script[0])] + extra, quiet_wait))
    except KeyboardInterrupt:  # the finished runs are tabulated (the run in progress is dropped)
        interrupted = True
    runs = {k: v for k, v in runs.items() if v}
    table = []
    for name, rs in runs.items():
        ok = [r for r in rs if "sec_per_step" in r]
        if not ok:
            table.append({"impl": name, "error": rs[0].get("error")})
            continue
        sps = [r["sec_per_step"] for r in ok]
        table.append({"impl": name, "runs": len(ok), "sec_per_step_median": statistics.median(sps),
                      "sec_per_step_min": min(sps), "sec_per_step_max": max(sps),
                      "final_loss": ok[0]["final_loss"], "sec_per_step_runs": sps,
                      "other_cores_during": [r.get("other_cores_during") for r in ok]})
        clean = [r["sec_per_step"] for r in ok if (r.get("other_cores_during") or 0.0) < 0.2]
        table[-1]["sec_per_step_median_clean"] = statistics.median(clean) if clean else None
    ref = next((t["final_loss"] for t in table if t["impl"] == "numpy" and "final_loss" in t), None)
    mine = [t for t in table if t["impl"] in mine_names and "final_loss" in t]
    for t in table:
        if "sec_per_step_median" not in t:
            continue
        t["ratios"] = {e["impl"]: e["sec_per_step_median"] / t["sec_per_step_median"] for e in mine}
        if mine:  # the first escset backend: escset / this implementation
            t["escset_ratio"] = t["ratios"][mine[0]["impl"]]
            if t.get("sec_per_step_median_clean") and mine[0].get("sec_per_step_median_clean"):
                t["escset_ratio_clean"] = mine[0]["sec_per_step_median_clean"] / t["sec_per_step_median_clean"]
    agree = {e["impl"]: abs(e["final_loss"] - ref) / abs(ref) for e in mine} if ref is not None else {}
    return {"workload": workload, "table": table, "backends": backends, "interrupted": interrupted,
            "runs_finished": sum(len(v) for v in runs.values()),
            "rel_diff_final_loss_vs_numpy_peer": agree.get(mine[0]["impl"]) if mine and agree else None,
            "rel_diff_final_loss_vs_numpy_peer_by_impl": agree}
