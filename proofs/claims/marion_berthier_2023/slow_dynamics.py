r"""§8 D4, D7 and §9 F15, F16: the dynamics of the two-timescale regime (univariate cubic-step model).

* **D4** (``sharp-slow-flow-qualitative``, numerical by nature): Euler on :math:`du/d\tau=-\nabla\mathcal L_0`
  (``numerics.twotimescale.sharp_flow``): non-flanking neurons stay put, flanking neurons move towards their jump,
  the nearer one reaches it first in finite slow time (then it is snapped on and frozen), and afterwards
  :math:`\mathcal L_0` restricted to the intervals around that jump holds no variance from it. Float evidence.
* **D7** (``two-timescale-reaches-floor``, numerical by nature): the deterministic analogue of E-MB1 (population
  loss, no label noise): the joint flow with small eps reaches the O(eta) floor with every jump covered (a neuron
  within eta); the eps = 1 run on the same initialisation is reported next to it. Float evidence, margin =
  1.5 floor - final loss (covered jumps required).
* **F15** (``single-timescale-finds-global-optimum``, expected to fail): refuted by a witness run. The eps = 1 flow
  from the seed-0 initialisation ends with a jump having no neuron within eta and loss above 4 x floor. How it is
  confirmed: the final float state is converted exactly to rationals and its loss, its distance to the uncovered
  jump and the best loss over all output weights for the reached positions are recomputed exactly
  (``proofs.twotimescale``) at twice the horizon (the run is continued from T to 2T and must keep the same jump
  uncovered: a stall, not a transient); the run is repeated with half the Euler step and must end at T in the same
  configuration (same uncovered jump, loss within 1 %). What the witness
  shows is that the flow is stalled over [T, 2T] with a loss no choice of output weights can bring to the floor
  for those positions - a finite-horizon witness like the paper's own experiments, not a proof that it never escapes.
* **F16** (``sharp-limit-any-layout``, expected to fail): the authors' eta -> 0 description assigns each jump its two
  flanking neurons; a layout with fewer than two neurons strictly inside some piece of f* makes one neuron the right
  flank of one jump and the left flank of the next (or leaves no flank), so the description is undefined there.
  Refuted with an exact rational layout: the piece counts and the shared flank are computed exactly, and the
  flank integrator of ``numerics.twotimescale`` refuses it (status "bad-subdivision"). This is a precondition of
  the limit description, not a failure of the finite-eta flow: L0 and its general gradient (D5) stay defined.
"""
from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

import numpy as np
from hypothesis import strategies as st

from numerics.twotimescale import (Target, joint_flow, sharp_flow, sharp_loss,
                                   step_init, summarize_run)
from proofs.claims._common import inconclusive, refuted
from proofs.registry import claim
from proofs.twotimescale import ExactTarget, exact_floor, exact_loss, exact_min_loss

PAPER = "Marion-Berthier 2023"
ASSUMPTIONS = ("sigma = cubic smooth step, sigma_eta(z) = sigma(z / eta); bias = frozen neuron at -eta/2",
               "x ~ Uniform[0, 1], population loss (1/2) int (f - f*)^2 (no sampling, no label noise)",
               "f* piecewise constant")

EMB1 = {"v": [0.2, 0.35, 0.5, 0.65, 0.8], "values": [1.0, 5.0, 1.0, 3.0, 1.0, 5.0]}
RUN_DEFAULT = dict(EMB1, name="E-MB1 deterministic, eta 0.04, m 20, seed 0", eta=0.04, m=20, seed=0,
                   eps_small=0.02, h_small=0.05, tau_small=1.0, h_one=0.004, t_one=20.0)


def _tgt(inst):
    return Target(tuple(inst["v"]), tuple(inst["values"]))


@lru_cache(maxsize=16)
def _run_two(v, values, eta, m, seed, eps, h, tau):
    t = Target(v, values)
    u0, a0 = step_init(m, seed)
    return joint_flow(u0, a0, t, eta, eps, tau / eps, h, n_record=50)


@lru_cache(maxsize=16)
def _run_one(v, values, eta, m, seed, h, t_max):
    t = Target(v, values)
    u0, a0 = step_init(m, seed)
    return joint_flow(u0, a0, t, eta, 1.0, t_max, h, n_record=50)


def _key(inst):
    return tuple(inst["v"]), tuple(inst["values"]), float(inst["eta"]), int(inst["m"]), int(inst["seed"])


# ------------------------------------------------------------------------------------------------------ D4
D4_INST = {"name": "two jumps, six neurons", "v": [0.35, 0.78], "values": [0.1, 0.95, 0.65],
           "u": [0.1, 0.3, 0.42, 0.6, 0.74, 0.9], "tau": 3.0, "steps": 3000}


def d4_facts(inst):
    """The qualitative facts of D4 on a sharp-flow run: dict of booleans and the snap times."""
    t = _tgt(inst)
    u0 = np.sort(np.asarray(inst["u"], float))
    res = sharp_flow(u0, t, inst["tau"], inst["steps"], n_record=inst["steps"] + 1)
    U = res.u
    v = np.asarray(t.v)
    # flanks at the start: largest u < v_i and smallest u > v_i, when that interval holds only v_i
    flank = {}
    for i, x in enumerate(v):
        left = np.flatnonzero(u0 < x)
        right = np.flatnonzero(u0 > x)
        if left.size and right.size:
            flank[i] = (int(left[-1]), int(right[0]))
    flanking = {j for pair in flank.values() for j in pair}
    static = all(np.all(U[:, j] == u0[j]) for j in range(u0.size) if j not in flanking)
    towards, nearer_first, finite = True, True, True
    for i, (jl, jr) in flank.items():
        d_l = v[i] - U[:, jl]
        d_r = U[:, jr] - v[i]
        towards &= bool(np.all(np.diff(d_l) <= 0) and np.all(np.diff(d_r) <= 0) and np.all(d_l >= 0) and np.all(d_r >= 0))
        near = jl if v[i] - u0[jl] < u0[jr] - v[i] else jr
        snaps = res.info["snapped"]
        finite &= near in snaps
        first = min((snaps[j]["tau"], j) for j in (jl, jr) if j in snaps) if any(j in snaps for j in (jl, jr)) else None
        nearer_first &= first is not None and first[1] == near
    # after the run: no variance left from the covered jumps (L0 equals L0 of the target without those jumps' effect)
    covered_ok = True
    uf = np.sort(res.u_final)
    edges = np.concatenate([[0.0], uf, [1.0]])
    for j, s in res.info["snapped"].items():
        k = int(np.searchsorted(uf, s["jump"]))  # the snapped neuron is edges[k + 1]
        for lo, hi in ((edges[k], edges[k + 1]), (edges[k + 1], edges[k + 2])):
            others = [x for x in v if lo < x < hi]
            if hi > lo and not others:  # the interval next to the covered jump holds constant f*: no variance
                var = np.diff(t.primitive(np.array([lo, hi]), 2))[0] - np.diff(t.primitive(np.array([lo, hi])))[0] ** 2 / (hi - lo)
                covered_ok &= bool(abs(var) <= 1e-12)
    return {"non_flanking_static": bool(static), "flanks_move_towards": bool(towards),
            "nearer_hits_first": bool(nearer_first), "hits_in_finite_time": bool(finite),
            "covered_jump_leaves_no_loss": bool(covered_ok), "snapped": res.info["snapped"],
            "L0_start": float(res.loss[0]), "L0_end": float(res.loss[-1]),
            "L0_end_recomputed": sharp_loss(res.u_final, t)}


@claim("sharp-slow-flow-qualitative", label="§8 D4", provenance="[D]", paper=PAPER, numerical=True,
       source="reconstructed (the slow dynamics of the paper's proof, per the authors' limit code)",
       statement=r"\tfrac{du}{d\tau}=-\nabla\mathcal L_0:\ \text{non-flanking static, flanks approach, nearer hits first}",
       assumptions=ASSUMPTIONS + ("sharp-step limit eta -> 0, slow time tau = eps t",
                                  "at most one jump between consecutive neurons"),
       instances=[D4_INST], strategy=lambda: st.just(D4_INST),
       description="qualitative slow dynamics of the sharp-step limit (float Euler run)")
def check_d4(inst, *, dps=30):
    """Qualitative slow dynamics of L0 (D4), float evidence."""
    facts = d4_facts(inst)
    keys = ("non_flanking_static", "flanks_move_towards", "nearer_hits_first", "hits_in_finite_time",
            "covered_jump_leaves_no_loss")
    ok = all(facts[k] for k in keys)
    statement = (f"Euler on du/dtau = -grad L0 ({inst['steps']} steps to tau = {inst['tau']}) from u = {inst['u']}, "
                 f"f* jumps {inst['v']}: the D4 facts hold along the run")
    return inconclusive("sharp-slow-flow-qualitative", inst, scope="instance", statement=statement,
                        margin=1.0 if ok else -1.0, precision="float64", method="Euler on the sharp-step slow flow",
                        numerical=True, assumptions=ASSUMPTIONS, stats={k: facts[k] for k in facts},
                        message=("all D4 facts observed: " if ok else "D4 facts NOT all observed: ")
                                + ", ".join(f"{k}={facts[k]}" for k in keys)
                                + f"; L0 {facts['L0_start']:.4g} -> {facts['L0_end']:.4g}")


# ------------------------------------------------------------------------------------------------------ D7
@claim("two-timescale-reaches-floor", label="§8 D7", provenance="[V]/[C]/[N]", paper=PAPER, numerical=True,
       source="abstract and E-MB1 experiment (deterministic analogue); reconstructed",
       statement=r"\dot a=-\nabla_aL,\ \dot u=-\varepsilon\nabla_uL,\ \varepsilon\ll1:\ L\to O(\eta),\ \text{every jump covered}",
       assumptions=ASSUMPTIONS + ("eps small (here a fixed eps; the theorem needs eps small as a function of eta)",
                                  "u(0) sorted i.i.d. Uniform[0, 1], a(0) = 0, bias included"),
       instances=[RUN_DEFAULT], strategy=lambda: st.just(RUN_DEFAULT),
       description="two-timescale deterministic flow reaches the O(eta) floor, all jumps covered (float run)")
def check_d7(inst, *, dps=30):
    """Deterministic E-MB1 analogue (D7), float evidence."""
    t = _tgt(inst)
    eta = float(inst["eta"])
    r2 = _run_two(*_key(inst), float(inst["eps_small"]), float(inst["h_small"]), float(inst["tau_small"]))
    s2 = summarize_run(r2, t, eta)
    r1 = _run_one(*_key(inst), float(inst["h_one"]), float(inst["t_one"]))
    s1 = summarize_run(r1, t, eta)
    margin = 1.5 * s2["floor"] - s2["final_loss"] if all(s2["covered"]) else -1.0
    statement = (f"E-MB1 deterministic (eta = {eta}, m = {inst['m']}, seed {inst['seed']}): the joint flow with eps = "
                 f"{inst['eps_small']} to slow time {inst['tau_small']} ends with loss <= 1.5 floor (floor = "
                 f"sum jump^2 eta / 56 = {s2['floor']:.4g}) and a neuron within eta of every jump")
    return inconclusive("two-timescale-reaches-floor", inst, scope="instance", statement=statement, margin=margin,
                        precision="float64", method="explicit Euler on the population loss (exact piecewise integrals)",
                        numerical=True, assumptions=ASSUMPTIONS, stats={"two_timescale": s2, "single_timescale": s1},
                        message=f"eps = {inst['eps_small']}: loss {s2['final_loss']:.4g} ({s2['loss_over_floor']:.2f} "
                                f"x floor), {s2['outcome']}; eps = 1 (t = {inst['t_one']}): loss "
                                f"{s1['final_loss']:.4g} ({s1['loss_over_floor']:.2f} x floor), {s1['outcome']}, "
                                f"uncovered {s1['uncovered_jumps']}")


# ------------------------------------------------------------------------------------------------------ F15
F15_INST = dict(RUN_DEFAULT, name="E-MB1 deterministic, eps 1, seed 0", eps=1.0)


def _exact_state(res, inst):
    et = ExactTarget(tuple(Fraction(x) for x in inst["v"]), tuple(Fraction(x) for x in inst["values"]))
    a = [Fraction(float(x)) for x in res.a]
    u = [Fraction(float(x)) for x in res.u_final]
    eta = Fraction(inst["eta"])
    return et, a, u, eta


def f15_confirmed(L, Lmin, fl, dist, eta, same: bool, persists: bool) -> bool:
    """The F15 witness is confirmed when the exact loss exceeds 4 floor, the best loss over all output weights for the
    reached positions exceeds 2 floor, the jump is farther than eta from every neuron (all exact, at 2T), the
    half-step rerun agrees (``same``) and the stall persists from T to 2T (``persists``)."""
    return L > 4 * fl and Lmin > 2 * fl and dist > Fraction(eta) and same and persists


@claim("single-timescale-finds-global-optimum", label="§9 F15", provenance="[V]/[C]", paper=PAPER,
       expected="fails", source="the abstract: gradient methods 'can fail outside of this regime'",
       statement=r"\varepsilon=1:\ \text{the flow reaches the }O(\eta)\text{ floor with every jump covered}",
       assumptions=ASSUMPTIONS + ("eps = 1 (single timescale)",),
       instances=[F15_INST], strategy=lambda: st.just(F15_INST),
       description="false variant: the single-timescale flow also reliably finds the global optimum")
def check_f15(inst, *, dps=30):
    """Witness run for F15: eps = 1 stalls with a jump uncovered."""
    cid = "single-timescale-finds-global-optimum"
    t = _tgt(inst)
    eta, eps = float(inst["eta"]), float(inst.get("eps", 1.0))
    h, T = float(inst["h_one"]), float(inst["t_one"])
    if eps == 1.0:
        res = _run_one(*_key(inst), h, T)
    else:
        h, T = float(inst["h_small"]), float(inst["tau_small"]) / eps  # a small eps runs to the slow-time horizon
        res = joint_flow(*step_init(int(inst["m"]), int(inst["seed"])), t, eta, eps, T, h, n_record=50)
    s = summarize_run(res, t, eta)
    statement = (f"E-MB1 deterministic (eta = {eta}, m = {inst['m']}, seed {inst['seed']}), eps = {eps}: by time "
                 f"{T} (fast clock) the flow reaches loss <= 4 floor with a neuron within eta of every jump, or covers "
                 f"every jump by time {2 * T}")
    if s["outcome"] != "stalled" or s["final_loss"] <= 4 * s["floor"]:
        return inconclusive(cid, inst, scope="instance", statement=statement, margin=s["final_loss"] / s["floor"],
                            precision="float64", method="explicit Euler", numerical=True, assumptions=ASSUMPTIONS,
                            stats=s, message=f"no witness here: outcome {s['outcome']}, loss {s['final_loss']:.4g}; "
                                             "try another seed")
    # persistence: continue the same run to twice the horizon; resolution: rerun with half the Euler step
    ext = joint_flow(res.u_final, res.a, t, eta, eps, T, h, n_record=5)
    se = summarize_run(ext, t, eta)
    half = joint_flow(*step_init(int(inst["m"]), int(inst["seed"])), t, eta, eps, T, h / 2, n_record=5)
    sh = summarize_run(half, t, eta)
    persists = se["outcome"] == "stalled" and se["uncovered_jumps"] == s["uncovered_jumps"]
    same = (sh["outcome"] == "stalled" and sh["uncovered_jumps"] == s["uncovered_jumps"]
            and abs(sh["final_loss"] - s["final_loss"]) <= 0.01 * s["final_loss"])
    # exact recomputation at the state reached at 2T
    et, a, u, eta_q = _exact_state(ext, inst)
    L = exact_loss(a, u, eta_q, et)
    Lmin, _ = exact_min_loss(u, eta_q, et)
    fl = exact_floor(et, eta_q)
    jump = Fraction(s["uncovered_jumps"][0])
    dist = min(abs(x - jump) for x in u)
    wit = {"seed": inst["seed"], "eta": str(eta), "h": h, "t": 2 * T, "uncovered_jump": str(jump),
           "state_u": [float(x).hex() for x in ext.u_final], "state_a": [float(x).hex() for x in ext.a],
           "exact_loss": f"{float(L):.8g}", "exact_min_over_a": f"{float(Lmin):.8g}", "exact_floor": str(fl),
           "exact_distance": f"{float(dist):.6g}", "loss_at_T": s["final_loss"], "half_step_loss_at_T": sh["final_loss"]}
    if f15_confirmed(L, Lmin, fl, dist, eta_q, same, persists):
        return refuted(cid, inst, scope="instance", statement=statement, margin=f"{float(L / fl):.4g} x floor",
                       precision="exact rationals at the final state; half-step rerun; doubled horizon",
                       method="explicit Euler witness run", assumptions=ASSUMPTIONS, witness=wit,
                       stats={"run": s, "half_step": sh, "doubled_horizon": se},
                       message=f"eps = 1 stalls: at t = {T} and still at t = {2 * T} no neuron within "
                               f"{float(dist):.4g} of the jump {float(jump)} (exact), loss {float(L):.4g} = "
                               f"{float(L / fl):.1f} x floor and even the best output weights for these positions "
                               f"give {float(Lmin / fl):.2f} x floor (exact); the half-step rerun agrees. A finite-"
                               "horizon witness (as in the paper's experiments), not a proof that it never escapes")
    return inconclusive(cid, inst, scope="instance", statement=statement, margin=float(L / fl), precision="float64",
                        method="explicit Euler witness run", numerical=True, assumptions=ASSUMPTIONS, witness=wit,
                        message=f"the float stall was not confirmed: persists to 2T {persists}, half-step agrees "
                                f"{same}, exact loss / floor {float(L / fl):.3g}, best-a loss / floor "
                                f"{float(Lmin / fl):.3g}, distance {float(dist):.3g}; raise t_one (a transient, "
                                "not a stall) or lower h_one")


# ------------------------------------------------------------------------------------------------------ F16
F16_INST = {"name": "E-MB1 target, one neuron in [0.2, 0.35]", "v": ["0.2", "0.35", "0.5", "0.65", "0.8"],
            "values": ["1", "5", "1", "3", "1", "5"],
            "u": ["0.05", "0.15", "0.3", "0.4", "0.45", "0.55", "0.6", "0.7", "0.75", "0.85", "0.9"]}


def flank_roles(u, et: ExactTarget):
    """For each jump its left flank (largest u < v) and right flank (smallest u > v), as indices of sorted u."""
    roles = {}
    for i, v in enumerate(et.v):
        left = [j for j, x in enumerate(u) if x < v]
        right = [j for j, x in enumerate(u) if x > v]
        roles[i] = (left[-1] if left else None, right[0] if right else None)
    return roles


@claim("sharp-limit-any-layout", label="§9 F16", provenance="[C]/[D]", paper=PAPER, expected="fails",
       source="the authors' limit code (BadSubdivision)",
       statement=r"\text{the }\eta\to0\text{ flank description is defined for every initial layout}",
       assumptions=ASSUMPTIONS + ("eta -> 0 limit described by flanking neurons",),
       instances=[F16_INST], strategy=lambda: st.just(F16_INST),
       description="false variant: the sharp-step limit description holds for any neuron layout")
def check_f16(inst, *, dps=30):
    """A layout with < 2 neurons in a piece (F16)."""
    cid = "sharp-limit-any-layout"
    et = ExactTarget(tuple(inst["v"]), tuple(inst["values"]))
    u = sorted(Fraction(x) for x in inst["u"])
    edges = [Fraction(0)] + list(et.v) + [Fraction(1)]
    counts = [sum(1 for x in u if lo < x < hi) for lo, hi in zip(edges, edges[1:])]
    roles = flank_roles(u, et)
    shared = [(i, i + 1) for i in range(len(et.v) - 1)
              if roles[i][1] is not None and roles[i][1] == roles[i + 1][0]]
    missing = [i for i, (l, r) in roles.items() if l is None or r is None]
    statement = (f"for f* with jumps {inst['v']} and u = {inst['u']}: every jump has two flanking neurons of its own "
                 "(at least two neurons in every piece of f*)")
    nt = Target(tuple(float(x) for x in et.v), tuple(float(x) for x in et.values))
    flow = sharp_flow(np.array([float(x) for x in u]), nt, 0.1, 10, rule="flanks")
    stats = {"piece_counts": counts, "numerics_status": flow.status, "numerics_counts": flow.info["piece_counts"]}
    if any(c < 2 for c in counts):
        return refuted(cid, inst, scope="instance", statement=statement, margin=f"min piece count {min(counts)}",
                       precision="exact rationals", method="exact piece counts and flank roles",
                       assumptions=ASSUMPTIONS, stats=stats,
                       witness={"u": inst["u"], "piece_counts": counts, "shared_flank_between_jumps": shared,
                                "jumps_without_a_flank": missing},
                       message=f"piece counts {counts}: "
                               + (f"one neuron flanks jumps {shared} from both sides; " if shared else "")
                               + f"the limit description is undefined (flank integrator status: {flow.status}); "
                                 "L0 and its general gradient remain defined (D5)")
    return inconclusive(cid, inst, scope="instance", statement=statement, margin=min(counts), precision="exact",
                        method="exact piece counts", assumptions=ASSUMPTIONS, stats=stats,
                        message="no witness: every piece holds at least two neurons, the description applies here")
