r"""Chizat-Bach 2018: stationarity on the support, and the instability of non-global stationary points, simulated
(claims A5, A8, A9 (iii)-(iv)).

Numerical by nature: the evidence is a float64 particle flow of the engine, so every verdict here is
``inconclusive`` with ``numerical=True`` (margin > 0: the claim held on the instance), except one certified
refutation: with a regulariser :math:`V=\lambda|w|` above the certified :math:`S(\mu_\infty)`, the weight velocity
:math:`w'=-g_\infty(\theta)-\lambda\le S-\lambda<0` for every :math:`\theta` and :math:`w>0` (python-flint enclosure of
:math:`S` by ``escset analyze``), so the growth claim fails at every point.

* ``stationary-first-variation-vanishes-on-support`` (A5): run the flow, then polish the stationary point with
  scipy's ``root`` (hybrid Powell) on the engine's velocity until :math:`\max_j|\theta_j'|<10^{-10}`; then
  :math:`\max_j|F'(\mu)(\theta_j)|` (2-homogeneous: divided by :math:`|\theta_j|^2`) must be below :math:`10^{-6}`.
  Euler's identity gives it: partially 1-homogeneous :math:`w\,\partial_wF'=F'` and 2-homogeneous
  :math:`\langle u,\nabla F'\rangle=2F'`. Dropping the homogeneity of :math:`V` (weight decay
  :math:`\frac\lambda2(|w|^2+|\theta|^2)` on the sigmoid network, not of the form :math:`|w|\tilde V(\theta)`) gives
  :math:`F'=\frac\lambda2(|\theta|^2-|w|^2)\ne0` on the support: reported.
* ``zero-configuration-unstable-under-perturbation`` (A8): all particles at :math:`(0,0)`, centred labels: a
  non-global stationary point; perturbing every particle by :math:`\sigma N(0,I)` and running Euler (step 0.05,
  :math:`4\times10^4` steps) drives the loss below 0.01. Without the perturbation (:math:`\sigma=0`) it stays put.
* ``escaping-set-boundary-enters`` (A9 (iii)): probes on :math:`\partial K=\{g_\infty=-\eta\}` with :math:`w>0`
  move into :math:`K` (the descent :math:`\theta'=-w\nabla g`). Dropping :math:`w>0` (probes with :math:`w<0`
  ascend :math:`g`) they leave: reported.
* ``escaping-set-weight-growth`` (A9 (iv)): probes in :math:`K` of both signs have :math:`w'\ge\eta/2`.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from proofs.claims._common import inconclusive, refuted
from proofs.errors import InvalidArgument
from proofs.registry import claim

PAPER = "Chizat-Bach 2018"
ID_A5 = "stationary-first-variation-vanishes-on-support"
ID_A8 = "zero-configuration-unstable-under-perturbation"
ID_A9_III = "escaping-set-boundary-enters"
ID_A9_IV = "escaping-set-weight-growth"

A5_ASSUMPTIONS = ("Phi and V positively 2-homogeneous, or partially 1-homogeneous in the output weight w "
                  "(Phi = w phi(theta), V = |w| V~(theta))", "mu stationary for the particle flow")
A8_ASSUMPTIONS = ("sigmoid network with bias, squared loss, no regulariser",
                  "all particles at (w, theta) = (0, 0): stationary, not optimal (centred labels, S > 0)",
                  "every particle perturbed by sigma N(0, I) with sigma > 0")
A9_ASSUMPTIONS = ("mu_inf stationary and not globally optimal (S = sup |g_inf| > 0)",
                  "0 < eta < S, K = {theta : g_inf(theta) <= -eta}",
                  "no regulariser (or one below the level: lambda < eta/2)",
                  "mu_t near mu_inf (probes of small mass)")


# ------------------------------------------------------------------------------------------------------------ A5
def _polished_stationary(model, *, n, d, m, seed, weight_decay, tries=6):
    """(a, u, field, flow, residual, seed used): a stationary point of the m-particle flow on random data
    (inputs N(0,I), targets 0.5 N(0,1)), from the flow followed by scipy.optimize.root on the velocity; the
    first of ``tries`` seeds from ``seed`` whose polished residual is below 1e-10 (None if none)."""
    from scipy.optimize import root

    from numerics.dynamics import ParticleFlow, State
    from proofs.dynamics import NetField

    act = "relu" if model == "relu-lift" else "sigmoid"
    for s in range(seed, seed + tries):
        rng = np.random.default_rng(s)
        X = rng.standard_normal((n, d))
        Y = 0.5 * rng.standard_normal((n, 1))
        fld = NetField(X, Y, act, name=model, fused=False)
        flow = ParticleFlow(fld, dt=0.2 if model == "sigmoid" else 0.05, weight_decay=weight_decay)
        st0 = flow.run(State(rng.standard_normal((m, 1, 1)), rng.standard_normal((m, d + 1))), 3000)

        def vel(z):
            va, vu = flow.velocity(State(z[:m].reshape(m, 1, 1), z[m:].reshape(m, d + 1)))
            return np.concatenate([np.ravel(va), np.ravel(vu)])
        z0 = np.concatenate([np.ravel(st0[0]), np.ravel(st0[1])])
        with np.errstate(all="ignore"):
            sol = root(vel, z0, method="hybr", tol=1e-15)
        z = sol.x
        if not np.all(np.isfinite(z)):
            continue
        res = float(np.max(np.abs(vel(z))))
        if res < 1e-10 and np.max(np.abs(z)) < 1e3:
            return z[:m].reshape(m, 1, 1), z[m:].reshape(m, d + 1), fld, flow, res, s
    return None


def _check_a5(inst):
    model = inst.get("model", "sigmoid")
    if model not in ("sigmoid", "relu-lift"):
        raise InvalidArgument(f"model must be sigmoid or relu-lift, got {model!r}")
    wd = float(inst.get("weight_decay", 0.0))
    n, d, m, seed = int(inst.get("n", 10)), int(inst.get("d", 1)), int(inst.get("m", 2)), int(inst.get("seed", 0))
    tol = float(inst.get("tol", 1e-6))
    hom = "2-homogeneous (ReLU lift)" if model == "relu-lift" else "partially 1-homogeneous (sigmoid, output weight w)"
    V = f"V = {wd}/2 (|w|^2 + |theta|^2)" if wd else "V = 0"
    statement = (f"{model} network, m = {m} particles, n = {n} random points in d = {d} (seed {seed}), {V}: at a "
                 f"stationary point (max_j |theta_j'| < 1e-10), max_j |F'(mu)(theta_j)|"
                 f"{' / |theta_j|^2' if model == 'relu-lift' else ''} <= {tol}")
    kw = dict(scope="instance", statement=statement, assumptions=A5_ASSUMPTIONS, numerical=True, precision="float64")
    found = _polished_stationary(model, n=n, d=d, m=m, seed=seed, weight_decay=wd)
    if found is None:
        return inconclusive(ID_A5, inst, method="flow + scipy root", **kw,
                            message="no stationary point with residual < 1e-10 was reached from the seeds tried; "
                                    "change seed, n or m")
    a, u, fld, flow, res, used = found
    va, _, _ = fld.evaluate(a, u)
    w = a[:, 0, 0]
    Fp = -w * va[:, 0, 0] + 0.5 * wd * (w ** 2 + np.sum(u ** 2, axis=1))  # F' = <w, Psi> + V
    if model == "relu-lift":
        Fp = Fp / (w ** 2 + np.sum(u ** 2, axis=1))
    worst = float(np.max(np.abs(Fp)))
    stats = {"stationarity_residual": res, "max_abs_first_variation_on_support": worst, "seed_used": used,
             "loss": fld.loss(a, u), "particles": {"w": w.tolist(), "theta": u.tolist()}}
    margin = tol - worst
    held = margin > 0
    return inconclusive(ID_A5, inst, margin=margin, method="flow + scipy root (hybr) polish, then F' on the support",
                        stats=stats, **kw,
                        message=(f"{hom}, {V}: stationary to {res:.1e}; max_j |F'(mu)(theta_j)| = {worst:.2e} "
                                 + (f"<= {tol} (Euler identity at work; float evidence, not a proof)" if held else
                                    f"> {tol}: F' does not vanish on the support here (with weight decay on the "
                                    "sigmoid network, F' = lambda/2 (|theta|^2 - |w|^2); float evidence)")))


@claim(ID_A5, label="§8 A5", paper=PAPER, source="optimality conditions (Euler identity for homogeneous Phi, V)",
       provenance="[D]", numerical=True, assumptions=A5_ASSUMPTIONS,
       statement=r"\nabla F'(\mu)=0\ \mu\text{-a.e. and }\Phi,V\text{ homogeneous}\ \Rightarrow\ F'(\mu)=0\ "
                 r"\text{on }\operatorname{supp}\mu",
       instances=[{"name": "sigmoid, m=2, n=10, d=1", "model": "sigmoid", "seed": 1},
                  {"name": "ReLU lift, weight decay 0.05 (2-homogeneous V), m=2", "model": "relu-lift",
                   "weight_decay": 0.05, "seed": 0}],
       strategy=lambda: st.fixed_dictionaries({"name": st.just("hypothesis"),
                                               "model": st.sampled_from(["sigmoid", "relu-lift"]),
                                               "weight_decay": st.just(0.05), "seed": st.integers(0, 20)}),
       description="run the flow to stationarity: the first variation vanishes on the support (Euler identity)")
def check_a5(inst, *, dps=30):
    """Stationary => F' = 0 on the support, homogeneous cases (simulated, polished)."""
    return _check_a5(inst)


# ------------------------------------------------------------------------------------------------------------ A8
def _check_a8(inst):
    from proofs.experiments.instability import perturbation_run, zero_configuration

    n, d, m = int(inst.get("n", 40)), int(inst.get("d", 3)), int(inst.get("m", 50))
    sigma, steps, dt = float(inst.get("sigma", 1e-3)), int(inst.get("steps", 40000)), float(inst.get("dt", 0.05))
    target = float(inst.get("target", 0.01))
    if sigma < 0 or steps < 1 or dt <= 0:
        raise InvalidArgument(f"need sigma >= 0, steps >= 1, dt > 0; got {sigma}, {steps}, {dt}")
    z = zero_configuration(n=n, d=d, m=m, seed=int(inst.get("seed", 0)))
    run = perturbation_run(z, sigma=sigma, steps=steps, dt=dt, seed=int(inst.get("seed", 0)))
    statement = (f"sigmoid network, n = {n} inputs N(0, I_{d}) (seed {inst.get('seed', 0)}), labels "
                 f"sin(2 x_1) + x_2 x_3 / 2 centred, all {m} particles at (0, 0), each perturbed by {sigma} N(0, I): "
                 f"{steps} Euler steps of {dt} bring the loss from F0 below {target}")
    margin = target - run["final_loss"]
    stats = {"initial_loss": run["initial_loss"], "final_loss": run["final_loss"],
             "final_sup_psi_sampled": run["final_sup_psi_sampled"], "steps": steps, "dt": dt, "sigma": sigma}
    what = (f"loss {run['initial_loss']:.4g} -> {run['final_loss']:.4g}"
            + (f" < {target}: the non-global stationary point is unstable (float evidence)" if margin > 0 else
               f", not below {target}" + (": without a perturbation the flow stays at the stationary point"
                                          if sigma == 0 else "")))
    return inconclusive(ID_A8, inst, margin=margin, precision="float64", method="forward Euler of the engine",
                        numerical=True, scope="instance", statement=statement, assumptions=A8_ASSUMPTIONS,
                        stats=stats, message=what)


@claim(ID_A8, label="§8 A8", paper=PAPER, source="numerical illustration of the instability (reconstructed)",
       provenance="[N]", numerical=True, assumptions=A8_ASSUMPTIONS,
       statement=r"\mu_0=\tfrac1m\sum_j\delta_{(0,0)+\sigma\xi_j}\ \Rightarrow\ F(\mu_T)<0.01\ "
                 r"\ (T=2000,\ \text{Euler }0.05)",
       instances=[{"name": "n=40, d=3, m=50, sigma=1e-3, 4e4 steps", "sigma": 1e-3}],
       strategy=lambda: st.fixed_dictionaries({"name": st.just("hypothesis"), "seed": st.integers(0, 50),
                                               "sigma": st.sampled_from([1e-3, 1e-2])}),
       description="perturbing the all-at-zero stationary point and running the flow drives the loss to ~0")
def check_a8(inst, *, dps=30):
    """The all-at-zero non-global stationary point is unstable: perturbed, the flow escapes it."""
    return _check_a8(inst)


# ------------------------------------------------------------------------------------------------------------ A9
def _instance(inst):
    from proofs.experiments.instability import designed_stationary

    return designed_stationary(k=1, d=int(inst.get("d", 2)), n=int(inst.get("n", 12)), seed=int(inst.get("seed", 0)))


def _check_a9_iii(inst):
    from proofs.experiments.instability import boundary_experiment

    z = _instance(inst)
    w0 = float(inst.get("w0", 0.1))
    if w0 == 0:
        raise InvalidArgument("w0 must be non-zero")
    T = float(inst.get("T", 2.0))
    res = boundary_experiment(z, probes=int(inst.get("probes", 8)), w0=w0, T=T, seed=int(inst.get("seed", 0)))
    statement = (f"{z.name}: eta = S/2 = {res['eta']:.6g}, {res['probes_on_boundary']} probes on "
                 f"{{g_inf = -eta}} with weight w0 = {w0} and mass 1e-4: g_inf(theta(t)) < -eta for t in (0, {T}]")
    margin = -res["max_g_plus_eta_after_start"]
    msg = (f"max over probes and t in (0, {T}] of g_inf(theta(t)) + eta = {res['max_g_plus_eta_after_start']:.3e}"
           + (" < 0: every probe moved into K (float evidence)" if margin > 0 else
              " >= 0: some probe left K" + (" (w < 0: theta ascends g_inf, the delicate branch)" if w0 < 0 else "")))
    return inconclusive(ID_A9_III, inst, margin=margin, precision="float64", method="probes on the boundary, Euler",
                        numerical=True, scope="instance", statement=statement, assumptions=A9_ASSUMPTIONS + (
                            "w > 0 on the boundary probes",), stats=res, message=msg)


def _certify_K_nonempty(z, eta):
    r"""Exact certificate that :math:`K=\{g_\infty\le-\eta\}\ne\emptyset` for an inverse-design instance, or None.

    From analyze's witness direction :math:`(w,b)` (rational): the set :math:`H=\{i:w\cdot x_i+b>0\}` is recomputed
    exactly (no ties allowed); along the ray :math:`t(w,b)`, :math:`t\to\infty`, the sigmoid feature tends to
    :math:`1_H`, so :math:`\Psi\to\psi_H=\frac1n\sum_{i\in H}r_i`, and along the opposite ray to
    :math:`\psi_{H^c}=-\psi_H` when :math:`\sum_ir_i=0` (checked exactly). So one of the two rays has
    :math:`g_\infty\to-|\psi_H|` and, if :math:`|\psi_H|>\eta` (exact comparison with the float :math:`\eta`),
    points far along it lie in :math:`K`. Residuals :math:`r_i=f(x_i)-y_i` exactly (particles at :math:`u=0`,
    :math:`\sigma(0)=1/2`)."""
    from fractions import Fraction

    from proofs.analyze import analyze

    p = z.problem
    if p is None or any(Fraction(v) != 0 for row in p.mu.u for v in row):
        return None
    X = [[Fraction(v) for v in row] for row in p.data.X]
    f = sum(Fraction(mj) * Fraction(aj[0][0]) for mj, aj in zip(p.mu.mass, p.mu.a)) / 2
    r = [f - Fraction(row[0]) for row in p.data.Y]
    if sum(r) != 0:
        return None
    wit = analyze(p.model, p.mu, p.data, dps=30)["global_optimality"].get("witness") or {}
    if wit.get("kind") != "direction":
        return None
    w, b = [Fraction(v) for v in wit["w"]], Fraction(wit["b"])
    z_i = [sum(wc * xc for wc, xc in zip(w, x)) + b for x in X]
    if any(v == 0 for v in z_i):
        return None
    psi_H = sum(ri for ri, v in zip(r, z_i) if v > 0) / len(r)
    if not abs(psi_H) > Fraction(eta):
        return None
    return {"ray": {"w": [str(v) for v in w], "b": str(b)}, "H": [i for i, v in enumerate(z_i) if v > 0],
            "abs_psi_H": str(abs(psi_H)), "eta": repr(eta), "sum_r": "0"}


def _check_a9_iv(inst):
    from proofs.experiments.instability import best_direction, boundary_experiment

    z = _instance(inst)
    l1 = float(inst.get("l1", 0.0))
    w0, T = float(inst.get("w0", 0.1)), float(inst.get("T", 2.0))
    res = boundary_experiment(z, probes=int(inst.get("probes", 8)), w0=w0, T=T, seed=int(inst.get("seed", 0)),
                              l1=l1)
    eta = res["eta"]
    statement = (f"{z.name}, V = {l1} |w|: eta = S/2 = {eta:.6g}; probes in K = {{g_inf <= -eta}} with w = +-{w0} "
                 f"(mass 1e-4): w' >= eta/2 while theta in K, t in [0, {T}]")
    worst = min(res["min_wdot_in_K"].values())
    if l1 > 0:
        from fractions import Fraction

        diag = best_direction(z, certify=True)
        enc = diag.get("sup_psi_enclosure")
        up = Fraction(enc[1]) if enc else None  # the certified upper end of S, read exactly
        lam = Fraction(str(inst.get("l1")))
        nonempty = _certify_K_nonempty(z, eta)
        if up is not None and up < lam and nonempty is None:
            return inconclusive(ID_A9_IV, inst, margin=str(up - lam), precision="arb (python-flint, escset analyze)",
                                method="certified S(mu_inf) < lambda", numerical=True, scope="instance",
                                statement=statement, assumptions=A9_ASSUMPTIONS, stats=res,
                                message=f"lambda = {lam} > S (certified), so w' < 0 everywhere, but K = {{g_inf <= "
                                        f"-eta}} (eta = {eta:.6g}) was not certified non-empty, so this is no "
                                        "counterexample yet")
        if up is not None and up < lam:
            return refuted(ID_A9_IV, inst, margin=str(up - lam), precision="arb (python-flint, escset analyze)",
                           method="certified S(mu_inf) < lambda", scope="instance", statement=statement,
                           assumptions=A9_ASSUMPTIONS,
                           witness={"S_upper": enc[1], "lambda": str(lam), "instance": z.name,
                                    "K_nonempty": nonempty, "simulated_min_wdot": worst},
                           stats=res,
                           message=f"with V = lambda |w|, lambda = {lam} > S <= {enc[1]} (certified): "
                                   "w' = -g_inf(theta) - lambda <= S - lambda < 0 for every theta and w > 0, so no "
                                   f"weight grows (simulated min w' = {worst:.3g}); K is non-empty (exact: "
                                   f"g_inf -> -{nonempty['abs_psi_H']} < -eta along the ray {nonempty['ray']} "
                                   "of the certified threshold set, or its opposite, since sum_i r_i = 0 exactly)")
    margin = worst - eta / 2
    msg = (f"min w' over the probes in K = {worst:.4g} (w > 0: {res['min_wdot_in_K']['w>0']:.4g}, w < 0: "
           f"{res['min_wdot_in_K']['w<0']:.4g}) " + (f">= eta/2 = {eta / 2:.4g} (float evidence)" if margin >= 0 else
                                                   f"< eta/2 = {eta / 2:.4g}"))
    return inconclusive(ID_A9_IV, inst, margin=margin, precision="float64", method="probes in K, engine velocity",
                        numerical=True, scope="instance", statement=statement, assumptions=A9_ASSUMPTIONS, stats=res,
                        message=msg)


_A9_STRAT = lambda: st.fixed_dictionaries({"name": st.just("hypothesis"), "seed": st.integers(0, 30),  # noqa: E731
                                           "n": st.integers(8, 14)})


@claim(ID_A9_III, label="§8 A9 (iii)", paper=PAPER, source="Appendix C, escaping-set argument (reconstructed)",
       provenance="[D]", numerical=True, assumptions=A9_ASSUMPTIONS + ("w > 0 on the boundary probes",),
       statement=r"\theta(0)\in\partial K=\{g_\infty=-\eta\},\ w(0)>0\ \Rightarrow\ \theta(t)\in K\ (t>0)",
       instances=[{"name": "inverse design, n=12, d=2, probes w0=0.1", "seed": 0}], strategy=_A9_STRAT,
       description="particles started on the boundary of the escaping set with w > 0 move into it")
def check_a9_iii(inst, *, dps=30):
    """Particles started on the boundary of K (w > 0) move into K."""
    return _check_a9_iii(inst)


@claim(ID_A9_IV, label="§8 A9 (iv)", paper=PAPER, source="Appendix C, escaping-set argument (reconstructed)",
       provenance="[D]", numerical=True, assumptions=A9_ASSUMPTIONS,
       statement=r"\theta\in K\ \Rightarrow\ w'=-g_t(\theta)\ge\eta/2\ \text{for both signs of }w",
       instances=[{"name": "inverse design, n=12, d=2, w=+-0.1", "seed": 0}], strategy=_A9_STRAT,
       description="in the escaping set the output weight grows at least linearly, both signs")
def check_a9_iv(inst, *, dps=30):
    """Weights of particles in K grow at rate >= eta/2, both signs."""
    return _check_a9_iv(inst)
