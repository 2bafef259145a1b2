r"""Instability of non-global stationary measures, simulated with the particle-flow engine.

The mathematics (derived, [D]). For a measure :math:`\mu_\infty` that is stationary but not a global minimiser of the
unregularised squared loss, the correlation function :math:`\Psi=\Psi_{\mu_\infty}` is not identically zero and
:math:`S=\sup_u|\Psi(u)|>0`. Write an output weight as :math:`a=r\hat a`, :math:`h(\hat a,u)=\langle\hat a,\Psi(u)\rangle`.
With :math:`\Psi` frozen, :math:`r'=-h`, :math:`\hat a'=-\frac1r(I-\hat a\hat a^\top)\Psi`, :math:`u'=-r\nabla_uh`, so
:math:`\frac{d}{dt}h\le0`: the sublevel set :math:`E_\epsilon=\{h<-\epsilon\}` is forward invariant and
:math:`|a|` grows at rate at least :math:`\epsilon` inside it. For monotone bounded activations (sigmoid) the
infimum :math:`-S` of :math:`h` is approached only along rays to infinity (neurons sharpening into steps), where
:math:`\nabla_uh\to0`.

What this module measures (float64, evidence only):

* :func:`escape_run`: a particle of small mass :math:`\delta` added to :math:`\mu_\infty` at a point of the escaping
  set with :math:`\hat a=-\Psi(u_0)/|\Psi(u_0)|`; the flow of the whole measure (``frozen=False``; the engine's
  field with masses :math:`(p_j)_j\cup(\delta)`) or of the probe alone in the frozen field (``frozen=True``: mass
  :math:`10^{-12}`, so the residual moves by at most :math:`10^{-12}|a|`); recorded: the loss, :math:`|a|`,
  :math:`|u|`, :math:`h_\infty(\hat a(t),u(t))`; the fitted initial growth rate of :math:`|a|` against the predicted
  :math:`-h_\infty(\hat a_0,u_0)`.
* :func:`escape_experiment`: the whole experiment on one instance: the best escaping direction (certified by
  :func:`proofs.analyze.analyze` when the instance is exact and small, else a sampled threshold search), then the
  escape started near infinity and in the compact part, frozen and with feedback, and the perturbation of the
  all-at-zero configuration (Chizat-Bach's A8 experiment).
* :func:`e8_experiment`: scalar output, partially 1-homogeneous: probes in :math:`K=\{g\le-\eta\}` with a small
  negative weight :math:`w<0`; :math:`w'=-g\ge\eta` turns it positive while :math:`\theta'=|w|\nabla g` ascends
  :math:`g` and may leave :math:`K` first; the fraction that leaves, per initial weight.
* :func:`boundary_experiment`: probes on :math:`\partial K=\{g=-\eta\}` with :math:`w>0` move into :math:`K`;
  probes in :math:`K` of both signs have :math:`w'\ge\eta/2` while :math:`\theta\in K`.
* :func:`plot_escape`: loss and :math:`|a|` against time with the predicted slope, through :mod:`proofs.style`.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from proofs.errors import InvalidArgument

__all__ = ["StationaryInstance", "designed_stationary", "zero_configuration", "psi_points", "best_direction",
           "escape_run", "escape_experiment", "e8_experiment", "boundary_experiment", "plot_escape",
           "FROZEN_MASS", "fit_rate", "max_margin_direction", "perturbation_run"]

#: mass of a probe particle in the frozen field: its effect on the residual is at most FROZEN_MASS |a|
FROZEN_MASS = 1e-12


@dataclass
class StationaryInstance:
    r"""A measure (``a`` (m, k, 1), ``u`` (m, d+1), ``mass`` (m)) on data (``X`` (n, d), ``Y`` (n, k)) of the sigmoid
    network :math:`f=\sum_jp_ja_j\sigma(w_j\cdot x+b_j)`, float64 views; ``problem``: the exact
    :class:`~proofs.problem.Problem` when the instance was built exactly (inverse design), else None."""

    name: str
    X: np.ndarray
    Y: np.ndarray
    a: np.ndarray
    u: np.ndarray
    mass: np.ndarray
    problem: object = None
    exact: bool = False
    info: dict = field(default_factory=dict)

    @property
    def k(self) -> int:
        return self.Y.shape[1]

    @property
    def d(self) -> int:
        return self.X.shape[1]

    def field(self, extra_mass=(), activation="sigmoid"):
        """The engine's velocity field of this measure plus probes of the given masses (appended last)."""
        from proofs.dynamics import NetField

        mass = np.concatenate([self.mass, np.asarray(extra_mass, dtype=np.float64)])
        return NetField(self.X, self.Y, activation, mass=mass, fused=False)

    def residual(self) -> np.ndarray:
        Z = np.hstack([self.X, np.ones((len(self.X), 1))]) @ self.u.T
        f = (1.0 / (1.0 + np.exp(-Z))) @ (self.a[:, :, 0] * self.mass[:, None])
        return f - self.Y


def _rat(rng, scale=1.0, digits=2):
    return str(Fraction(round(rng.gauss(0.0, scale) * 10 ** digits), 10 ** digits))


def designed_stationary(*, k: int = 1, d: int = 2, n: int = 12, m: int = 3, seed: int = 0,
                        scale: str = "1/4") -> StationaryInstance:
    r"""An exactly stationary, non-global measure by inverse design (exact rationals, sympy null space).

    ``m`` particles at :math:`u=0` (where :math:`\sigma(0)=1/2`, :math:`\sigma'(0)=1/4` are rational) with rational
    output weights; inputs rational with 2 decimals (seeded); the targets :math:`y=f_\mu-c\,r` with :math:`r` in the
    null space of the linear stationarity constraints (:func:`proofs.problem.inverse_design.stationary_targets_exact`)
    and :math:`c=` ``scale`` (stationarity is linear in :math:`r`, so any :math:`c` keeps it exact). Non-global as
    soon as :math:`r\ne0` and the features span :math:`\mathbb R^n` (certified by :func:`proofs.analyze.analyze`).
    """
    from proofs.problem.inverse_design import stationary_targets_exact
    from proofs.problem.measure import Dataset, Measure
    from proofs.problem import Problem
    from proofs.symbolic.models import get_model

    if n <= d + 1:
        raise InvalidArgument(f"got n={n} inputs in dimension d={d}: particles at u=0 need a residual orthogonal to "
                              f"1 and x, so valid is n > d + 1 = {d + 1}")
    rng = random.Random(seed)
    model = get_model("sigmoid", k=k, d=d)
    X = [[_rat(rng) for _ in range(d)] for _ in range(n)]
    a = [[[_rat(rng, 1.0, 1)] for _ in range(k)] for _ in range(m)]
    u = [["0"] * (d + 1) for _ in range(m)]
    mass = [Fraction(1, m)] * m
    mu = Measure(a=a, u=u, mass=mass)
    out = stationary_targets_exact(model, mu, X, seed=seed)
    c = Fraction(scale)
    f = [[sum(Fraction(1, m) * Fraction(a[j][cc][0]) / 2 for j in range(m)) for cc in range(k)] for _ in range(n)]
    Yq = [[f[i][cc] - c * (f[i][cc] - Fraction(str(out["Y"][i][cc]))) for cc in range(k)] for i in range(n)]
    Ys = [[f"{v.numerator}/{v.denominator}" if v.denominator != 1 else str(v.numerator) for v in row] for row in Yq]
    problem = Problem(model, Dataset(X=X, Y=Ys), mu)
    fl = lambda rows: np.asarray([[float(Fraction(v)) for v in row] for row in rows], dtype=np.float64)  # noqa: E731
    return StationaryInstance(
        name=f"inverse design: m={m} particles at u=0, k={k}, d={d}, n={n}, seed={seed}", X=fl(X), Y=fl(Ys),
        a=np.asarray([[[float(Fraction(v)) for v in row] for row in aj] for aj in a]), u=np.zeros((m, d + 1)),
        mass=np.full(m, 1.0 / m), problem=problem, exact=True,
        info={"kind": "inverse design", "null_dim": out["null_dim"], "scale": scale, "seed": seed})


def zero_configuration(*, n: int = 40, d: int = 3, m: int = 50, seed: int = 0) -> StationaryInstance:
    r"""Chizat-Bach's non-global stationary point (A7): inputs :math:`x\sim N(0,I_d)` (seed), labels
    :math:`y=\sin(2x_1)+\frac12x_2x_3` centred to mean 0, all ``m`` particles at :math:`(w,\theta)=(0,0)`.
    Stationary: :math:`a'=-\frac12\overline r=\frac12\overline y=0` (up to float rounding) and :math:`u'=0` since
    :math:`a=0`; not optimal as soon as some half-space sum of the labels is non-zero."""
    if d < 3:
        raise InvalidArgument(f"the zero configuration's labels use x_1, x_2, x_3; got d={d}, valid is d >= 3")
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = np.sin(2 * X[:, 0]) + 0.5 * X[:, 1] * X[:, 2]
    y = y - y.mean()
    return StationaryInstance(name=f"zero configuration: n={n}, d={d}, m={m}, seed={seed}", X=X, Y=y[:, None],
                              a=np.zeros((m, 1, 1)), u=np.zeros((m, d + 1)), mass=np.full(m, 1.0 / m),
                              info={"kind": "zero configuration", "seed": seed})


def psi_points(inst: StationaryInstance, U) -> np.ndarray:
    r""":math:`\Psi_{\mu_\infty}(u)` at the rows of ``U`` (N, d+1), shape (N, k): the engine's field with the points
    as probes of zero output weight (they do not change the predictor), :math:`a'=-\Psi`."""
    U = np.atleast_2d(np.asarray(U, dtype=np.float64))
    N = len(U)
    fld = inst.field(np.ones(N))
    a = np.concatenate([inst.a, np.zeros((N, inst.k, 1))])
    u = np.concatenate([inst.u, U])
    va, _, _ = fld.evaluate(a, u)
    return -np.asarray(va[len(inst.u):, :, 0])


def _threshold_search(X, r, *, samples=4000, seed=0):
    """Sampled best half-space set: max over directions v (random unit vectors) and thresholds of
    |(1/n) sum_{v.x_i + c > 0} r_i| (the sigmoid limits at infinity); a lower bound of S."""
    n, d = X.shape
    rng = np.random.default_rng(seed)
    V = rng.standard_normal((samples, d))
    V /= np.linalg.norm(V, axis=1, keepdims=True)
    Z = V @ X.T  # (N, n)
    order = np.argsort(-Z, axis=1)
    best = (-1.0, None)
    for j in range(samples):
        o = order[j]
        cs = np.cumsum(r[o], axis=0) / n  # prefix sums: H = top-(t+1)
        vals = np.linalg.norm(cs, axis=1)
        t = int(np.argmax(vals[:-1])) if n > 1 else 0
        if vals[t] > best[0]:
            z = Z[j, o]
            c = -(z[t] + z[t + 1]) / 2 if t + 1 < n else -(z[t] - 1.0)
            best = (float(vals[t]), (V[j].copy(), float(c), sorted(int(i) for i in o[:t + 1]), cs[t].copy()))
    val, (v, c, H, psi) = best
    return val, v, c, H, psi


def max_margin_direction(X, H):
    r"""The unit direction :math:`(v,c)` (in :math:`(w,b)` space) that cuts the threshold set ``H`` (indices with
    :math:`v\cdot x_i+c>0`) from the other points with the largest margin :math:`\min_i\pm(v\cdot x_i+c)` under
    :math:`|v|_\infty,|c|\le1` (a linear programme, scipy ``linprog``); then :math:`\sigma(t(v\cdot x_i+c))` is within
    :math:`\sigma(-t\,s)` of the threshold limit for every i. Returns ``(direction, margin)`` with the margin of the
    normalised direction; InvalidArgument if ``H`` is not cut off by any hyperplane (margin <= 0)."""
    from scipy.optimize import linprog

    X = np.asarray(X, dtype=np.float64)
    n, d = X.shape
    sgn = -np.ones(n)
    sgn[list(H)] = 1.0
    # variables (v, c, s): maximise s subject to sgn_i (v.x_i + c) >= s
    A = -sgn[:, None] * np.hstack([X, np.ones((n, 1)), np.zeros((n, 1))])
    A[:, -1] = 1.0
    res = linprog(np.r_[np.zeros(d + 1), -1.0], A_ub=A, b_ub=np.zeros(n),
                  bounds=[(-1, 1)] * (d + 1) + [(None, 1)], method="highs")
    if not res.success or res.x[-1] <= 0:
        raise InvalidArgument("the threshold set is not cut off by a hyperplane with a positive margin")
    wb = res.x[:-1]
    nrm = np.linalg.norm(wb)
    return wb / nrm, float(res.x[-1] / nrm)


def best_direction(inst: StationaryInstance, *, certify: bool | None = None, samples: int = 4000,
                   seed: int = 0) -> dict:
    r"""The best escaping direction of ``inst``: the location of :math:`S=\sup|\Psi|` (at infinity for sigmoid),
    a unit ray direction :math:`(v,c)` in :math:`(w,b)` space, the threshold set, :math:`\Psi_\infty` there and
    :math:`\hat a=-\Psi_\infty/|\Psi_\infty|`.

    ``certify`` (default: when the instance is exact): :func:`proofs.analyze.analyze`, whose verdict, enclosure of
    S and location are certified (python-flint balls); otherwise a sampled threshold search (``samples``
    directions; a float lower bound of S, said in ``"method"``)."""
    certify = inst.exact if certify is None else certify
    r = inst.residual()
    if certify:
        if inst.problem is None:
            raise InvalidArgument("certify needs an exact instance (inverse design); use certify=False")
        from proofs.analyze import analyze

        out = analyze(inst.problem.model, inst.problem.mu, inst.problem.data, dps=30)
        go = out["global_optimality"]
        wit = go.get("witness") or {}
        if wit.get("kind") != "direction":
            raise InvalidArgument(f"the certified supremum is not at a direction at infinity ({go.get('attained')})")
        psi = np.asarray([float(Fraction(v)) if isinstance(v, str) and "/" in v else float(v) for v in wit["psi"]])
        wb, margin = max_margin_direction(inst.X, wit["threshold_set"])
        return {"method": "escset analyze (certified: python-flint balls)", "verdict": go["verdict"],
                "sup_psi": float(go["sup_psi"]), "sup_psi_enclosure": go.get("sup_psi_enclosure"),
                "attained": go["attained"], "location_certified": go.get("location_certified"),
                "stationary": out["stationary"], "stationarity_residual": out["stationarity_residual"],
                "direction": wb.tolist(), "margin": margin, "threshold_set": wit.get("threshold_set"),
                "psi_inf": psi.tolist(), "a_hat": (-psi / np.linalg.norm(psi)).tolist(),
                "escaping_set": out.get("escaping_set")}
    val, v, c, H, psi = _threshold_search(inst.X, r, samples=samples, seed=seed)
    wb, margin = max_margin_direction(inst.X, H)
    return {"method": f"sampled threshold search ({samples} directions; float64 lower bound of S)",
            "verdict": "refuted (float evidence)" if val > 1e-12 else "inconclusive", "sup_psi": val,
            "attained": "infinity (sampled)", "location_certified": False,
            "stationarity_residual": _stationarity(inst), "direction": wb.tolist(), "margin": margin,
            "threshold_set": H,
            "psi_inf": psi.tolist(), "a_hat": (-psi / max(np.linalg.norm(psi), 1e-300)).tolist()}


def _stationarity(inst):
    fld = inst.field()
    va, vu, _ = fld.evaluate(inst.a, inst.u)
    return float(np.sqrt(np.max(np.sum(va.reshape(len(va), -1) ** 2, axis=1) + np.sum(vu ** 2, axis=1))))


def fit_rate(t, y, window) -> float:
    """Least-squares slope of y against t over t <= window (at least two points)."""
    t, y = np.asarray(t), np.asarray(y)
    sel = t <= window + 1e-12
    if sel.sum() < 2:
        sel = np.arange(len(t)) < 2
    return float(np.polyfit(t[sel], y[sel], 1)[0])


def escape_run(inst: StationaryInstance, u0, *, a_norm: float = 1e-3, mass: float = 1e-2, frozen: bool = False,
               T: float = 20.0, dt: float = 0.05, fit_window: float = 1.0, a_hat=None, l1: float = 0.0) -> dict:
    r"""Add a particle at inner point ``u0`` with output weight :math:`a_0=` ``a_norm`` :math:`\hat a` (default
    :math:`\hat a=-\Psi(u_0)/|\Psi(u_0)|`) and mass ``mass`` (``frozen``: :data:`FROZEN_MASS`) to
    :math:`\mu_\infty`; run forward Euler (``dt``) up to time ``T``; ``l1`` adds :math:`V=\lambda|a|` (proximal
    step). Returns the time series (``t``, ``loss``, ``a_norm``, ``u_norm``, ``h``: :math:`h_\infty(\hat a(t),u(t))`
    with the frozen :math:`\Psi_\infty`) and ``predicted_rate`` :math:`=-h_\infty(\hat a_0,u_0)`, ``measured_rate``
    (least-squares slope of :math:`|a|` over :math:`t\le` ``fit_window``), ``average_rate`` (over the run)."""
    from numerics.dynamics import ParticleFlow, State

    for nm, v in (("a_norm", a_norm), ("mass", mass), ("T", T), ("dt", dt)):
        if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
            raise InvalidArgument(f"{nm} must be a positive finite number, got {v!r}")
    u0 = np.asarray(u0, dtype=np.float64).reshape(1, -1)
    if u0.shape[1] != inst.d + 1:
        raise InvalidArgument(f"u0 has {u0.shape[1]} entries; this instance has d+1 = {inst.d + 1}")
    psi0 = psi_points(inst, u0)[0]
    if a_hat is None:
        if np.linalg.norm(psi0) < 1e-12:
            raise InvalidArgument(f"|Psi(u0)| = {np.linalg.norm(psi0):.1e} is at the float64 noise level: u0 is not "
                                  "in an escaping set; pick another point")
        a_hat = -psi0 / np.linalg.norm(psi0)
    a_hat = np.asarray(a_hat, dtype=np.float64).reshape(inst.k)
    a_hat = a_hat / np.linalg.norm(a_hat)
    delta = FROZEN_MASS if frozen else mass
    fld = inst.field([delta])
    flow = ParticleFlow(fld, dt=dt, l1=l1)
    a = np.concatenate([inst.a, (a_norm * a_hat).reshape(1, inst.k, 1)])
    u = np.concatenate([inst.u, u0])
    steps = max(1, int(round(T / dt)))
    rows = {"t": [], "loss": [], "a_norm": [], "u_norm": [], "h": [], "max_u_mu": []}

    def rec(s, st):
        ap, up = np.asarray(st[0][-1, :, 0]), np.asarray(st[1][-1])
        na = float(np.linalg.norm(ap))
        rows["t"].append(s * dt)
        rows["loss"].append(fld.loss(st[0], st[1]))
        rows["a_norm"].append(na)
        rows["u_norm"].append(float(np.linalg.norm(up)))
        rows["h"].append(float(ap @ psi_points(inst, up)[0]) / na if na > 0 else float("nan"))
        rows["max_u_mu"].append(float(np.max(np.linalg.norm(np.asarray(st[1][:-1]), axis=1))))

    every = max(1, steps // 200)
    st0 = State(a, u)
    rec(0, st0)
    flow.run(st0, steps, every=every, callback=lambda s, st, _l: rec(s, st))
    pred = float(-a_hat @ psi0)
    out = {k_: np.asarray(v) for k_, v in rows.items()}
    out.update({"predicted_rate": pred, "measured_rate": fit_rate(out["t"], out["a_norm"], fit_window),
                "average_rate": float((out["a_norm"][-1] - out["a_norm"][0]) / max(out["t"][-1], 1e-300)),
                "min_rate_bound_holds": bool(np.all(out["a_norm"] - out["a_norm"][0] >= pred * out["t"] * (1 - 1e-6)
                                                    - 1e-12)),
                "u0": u0[0].tolist(), "a_hat": a_hat.tolist(), "mass": delta, "frozen": frozen, "dt": dt, "T": T,
                "loss_decrease": float(out["loss"][0] - out["loss"][-1]), "l1": l1})
    return out


def check_finite_run(run: dict, label: str) -> None:
    """A run whose loss or norms are not all finite diverged: raise (one line, InvalidArgument: exit 2) instead of
    returning its numbers as data."""
    for key in ("loss", "a_norm", "u_norm"):
        vals = np.asarray(run[key], dtype=np.float64)
        bad = ~np.isfinite(vals)
        if bad.any():
            t_bad = float(np.asarray(run["t"])[int(np.argmax(bad))])
            raise InvalidArgument(f"the escape run '{label}' diverged: non-finite {key} from t = {t_bad:.4g} (dt = "
                                  f"{run['dt']}); nothing was written; lower --dt")


def escape_experiment(inst: StationaryInstance, *, near: float = 3.0, compact: float = 0.5, T: float = 40.0,
                      dt: float = 0.05, mass: float = 1e-2, a_norm: float = 1e-3, certify: bool | None = None,
                      fit_window: float = 1.0) -> dict:
    r"""The escape experiment: the best escaping direction :math:`(v,c)` (:func:`best_direction`, the max-margin
    cut of the best threshold set, margin :math:`s`), then a particle at :math:`u_0=t_0(v,c)` with
    :math:`t_0s=` ``near`` (near infinity: every :math:`|t_0(v\cdot x_i+c)|\ge` ``near``, so
    :math:`\Psi(u_0)\approx\Psi_\infty` and :math:`\nabla_uh\approx0`) and :math:`t_0s=` ``compact`` (in the compact
    part), each frozen and with feedback.
    Returns ``{"diagnostics": ..., "runs": {label: summary}, "series": {label: run}}``."""
    diag = best_direction(inst, certify=certify)
    direction = np.asarray(diag["direction"])
    runs, series = {}, {}
    for where, sat in (("near infinity", near), ("compact part", compact)):
        t0 = sat / diag["margin"]
        for frozen in (True, False):
            label = f"{where}, {'frozen' if frozen else 'feedback'}"
            from numerics.dynamics.integrators import Diverged

            try:
                run = escape_run(inst, t0 * direction, a_norm=a_norm, mass=mass, frozen=frozen, T=T, dt=dt,
                                 fit_window=fit_window)
            except Diverged as exc:
                raise InvalidArgument(f"the escape run '{label}' diverged ({exc}; dt = {dt}); nothing was written; "
                                      "lower --dt") from None
            check_finite_run(run, label)
            series[label] = run
            runs[label] = _summary(run, t0)
    return {"instance": inst.name, "diagnostics": diag, "runs": runs, "series": series}


def _summary(run, t0=None):
    return {"t0": t0, "predicted_rate": run["predicted_rate"], "measured_rate": run["measured_rate"],
            "average_rate": run["average_rate"], "rate_bound_held": run["min_rate_bound_holds"],
            "a_norm_start": float(run["a_norm"][0]), "a_norm_end": float(run["a_norm"][-1]),
            "u_norm_start": float(run["u_norm"][0]), "u_norm_end": float(run["u_norm"][-1]),
            "h_start": float(run["h"][0]), "h_end": float(run["h"][-1]),
            "h_nonincreasing": bool(np.all(np.diff(run["h"]) <= 1e-9)),
            "loss_start": float(run["loss"][0]), "loss_end": float(run["loss"][-1]),
            "loss_decrease": run["loss_decrease"], "mass": run["mass"], "frozen": run["frozen"], "T": run["T"],
            "dt": run["dt"]}


def perturbation_run(inst: StationaryInstance, *, sigma: float = 1e-3, steps: int = 40000, dt: float = 0.05,
                     seed: int = 0, every: int = 0) -> dict:
    r"""Chizat-Bach's instability experiment (A8): every particle of ``inst`` perturbed by
    ``sigma`` :math:`N(0,I)` (seed), forward Euler; ``sigma = 0`` is the unperturbed flow (it stays put)."""
    from numerics.dynamics import ParticleFlow, State

    rng = np.random.default_rng(seed)
    a = inst.a + sigma * rng.standard_normal(inst.a.shape)
    u = inst.u + sigma * rng.standard_normal(inst.u.shape)
    fld = inst.field()
    flow = ParticleFlow(fld, dt=dt)
    hist = {"t": [0.0], "loss": [fld.loss(a, u)], "max_abs_a": [float(np.max(np.abs(a)))]}
    every = every or max(1, steps // 100)

    def cb(s, st, _l):
        hist["t"].append(s * dt)
        hist["loss"].append(fld.loss(st[0], st[1]))
        hist["max_abs_a"].append(float(np.max(np.abs(np.asarray(st[0])))))
    final = flow.run(State(a, u), steps, every=every, callback=cb)
    fa, fu = np.asarray(final[0]), np.asarray(final[1])
    r = np.asarray(fld.predict(fa, fu)) - inst.Y
    val, *_ = _threshold_search(inst.X, r, samples=500, seed=seed)
    return {"sigma": sigma, "steps": steps, "dt": dt, "initial_loss": hist["loss"][0], "final_loss": hist["loss"][-1],
            "final_sup_psi_sampled": val, "history": {k_: np.asarray(v) for k_, v in hist.items()},
            "final_max_abs_a": hist["max_abs_a"][-1]}


def _sample_K(inst, eta, count, rng, *, scale=3.0, tries=40):
    """Points theta with g(theta) <= -eta (scalar g = Psi_inf): N(0, scale^2 I) draws and points t (+-v, +-c) + noise
    along the best threshold direction (both orientations; t s uniform in [1, 6] with s its margin); raises
    InvalidArgument when too few are found."""
    found = []
    best = best_direction(inst, certify=False, samples=1000)
    dirn, margin = np.asarray(best["direction"]), best["margin"]
    for _ in range(tries):
        N = 4 * count
        sgn = rng.choice([-1.0, 1.0], size=(N, 1))
        U = np.concatenate([rng.standard_normal((N, inst.d + 1)) * scale,
                            sgn * rng.uniform(1, 6, (N, 1)) / margin * dirn
                            + 0.2 / margin * rng.standard_normal((N, inst.d + 1))])
        g = psi_points(inst, U)[:, 0]
        found.extend(U[g <= -eta])
        if len(found) >= count:
            break
    if len(found) < count:
        raise InvalidArgument(f"found {len(found)} of {count} points with g <= -eta = {-eta:.6g}; lower eta (valid: "
                              "0 < eta < S)")
    return np.asarray(found[:count])


def e8_experiment(inst: StationaryInstance, *, eta: float | None = None, probes: int = 16,
                  w0s=(-0.01, -0.1, -1.0, -10.0), dt: float = 0.02, T_max: float = 200.0, seed: int = 0) -> dict:
    r"""Scalar output: probes :math:`\theta\in K=\{g\le-\eta\}` with weight :math:`w_0<0` in the frozen field
    (mass :data:`FROZEN_MASS`); for each :math:`w_0` the fraction whose :math:`\theta` leaves :math:`K` before
    :math:`w` changes sign (and the time the sign change took). ``eta`` default: S/2 (S sampled)."""
    from numerics.dynamics import ParticleFlow, State

    if inst.k != 1:
        raise InvalidArgument(f"the negative-weight experiment is for scalar outputs; got k={inst.k}")
    S = best_direction(inst, certify=False, samples=2000)["sup_psi"]
    eta = S / 2 if eta is None else float(eta)
    if not 0 < eta < S:
        raise InvalidArgument(f"eta must satisfy 0 < eta < S = {S:.6g}; got {eta}")
    rng = np.random.default_rng(seed)
    th = _sample_K(inst, eta, probes, rng)
    m0 = len(inst.u)
    results = {}
    for w0 in w0s:
        if not w0 < 0:
            raise InvalidArgument(f"initial weights must be negative, got {w0}")
        fld = inst.field(np.full(probes, FROZEN_MASS))
        flow = ParticleFlow(fld, dt=dt)
        a = np.concatenate([inst.a, np.full((probes, 1, 1), float(w0))])
        u = np.concatenate([inst.u, th])
        exited = np.zeros(probes, bool)
        crossed = np.full(probes, np.nan)
        state = State(a, u)
        steps_per = max(1, int(round(0.1 / dt)))
        t = 0.0
        while t < T_max:
            state = flow.run(state, steps_per)
            t += steps_per * dt
            w = np.asarray(state[0][m0:, 0, 0])
            g = psi_points(inst, np.asarray(state[1][m0:]))[:, 0]
            live = np.isnan(crossed) & ~exited
            exited |= live & (g > -eta) & (w < 0)
            newly = live & ~exited & (w >= 0)
            crossed[newly] = t
            if not np.any(np.isnan(crossed) & ~exited):
                break
        results[str(w0)] = {"w0": w0, "fraction_exited_before_sign_change": float(exited.mean()),
                            "exited": int(exited.sum()), "probes": probes,
                            "median_sign_change_time": float(np.nanmedian(crossed)) if np.any(~np.isnan(crossed))
                            else None, "undecided": int((np.isnan(crossed) & ~exited).sum())}
    return {"instance": inst.name, "eta": eta, "S_sampled": S, "dt": dt, "results": results}


def _boundary_points(inst, eta, count, rng):
    """Points on {g = -eta}: bisection (scipy brentq) on segments from a point of K to a point outside."""
    from scipy.optimize import brentq

    inside = _sample_K(inst, eta, count, rng)
    out = []
    for th in inside:
        for _ in range(20):
            far = th + rng.standard_normal(th.shape) * 4
            if psi_points(inst, far)[0, 0] > -eta:
                f = lambda s: psi_points(inst, th + s * (far - th))[0, 0] + eta  # noqa: E731
                s = brentq(f, 0.0, 1.0, xtol=1e-13)
                out.append(th + s * (far - th))
                break
    return np.asarray(out)


def boundary_experiment(inst: StationaryInstance, *, eta: float | None = None, probes: int = 12, w0: float = 0.1,
                        T: float = 2.0, dt: float = 0.01, seed: int = 0, l1: float = 0.0,
                        probe_mass: float = 1e-4) -> dict:
    r"""Scalar output, partially 1-homogeneous (A9 (iii), (iv)).

    (iii) probes on :math:`\partial K=\{g_\infty=-\eta\}` with weight :math:`w_0>0`: the largest value of
    :math:`g_\infty(\theta(t))+\eta` over :math:`t\in(0,T]` (negative: they moved into :math:`K` and stayed).
    (iv) probes in :math:`K` with weights :math:`\pm w_0`: the smallest :math:`w'` (the engine's velocity, the
    minimal-norm element with ``l1``) while :math:`\theta\in K`, against :math:`\eta/2`.
    The probes have mass ``probe_mass`` each (the measure is :math:`\mu_\infty` plus them: :math:`g_t` near
    :math:`g_\infty`); ``l1`` adds :math:`V=\lambda|w|` to every particle, the measure's own included (they then
    drift: :math:`\mu_\infty` is not stationary for the regularised problem); a regulariser above S stops every
    escape."""
    from numerics.dynamics import ParticleFlow, State

    if inst.k != 1:
        raise InvalidArgument(f"the boundary experiment is for scalar outputs; got k={inst.k}")
    S = best_direction(inst, certify=False, samples=2000)["sup_psi"]
    eta = S / 2 if eta is None else float(eta)
    if not 0 < eta < S:
        raise InvalidArgument(f"eta must satisfy 0 < eta < S = {S:.6g}; got {eta}")
    rng = np.random.default_rng(seed)
    bd = _boundary_points(inst, eta, probes, rng)
    inK = _sample_K(inst, eta, probes, rng)
    m0 = len(inst.u)
    steps = max(1, int(round(T / dt)))
    # (iii)
    nb = len(bd)
    fld = inst.field(np.full(nb, probe_mass))
    flow = ParticleFlow(fld, dt=dt, l1=l1)
    worst_iii = -np.inf
    g_track = []

    def cb3(s, st, _l):
        nonlocal worst_iii
        g = psi_points(inst, np.asarray(st[1][m0:]))[:, 0]
        g_track.append(float(np.max(g + eta)))
        worst_iii = max(worst_iii, float(np.max(g + eta)))
    flow.run(State(np.concatenate([inst.a, np.full((nb, 1, 1), w0)]), np.concatenate([inst.u, bd])), steps,
             every=max(1, steps // 50), callback=cb3)
    # (iv)
    U = np.concatenate([inK, inK])
    W = np.concatenate([np.full(len(inK), w0), np.full(len(inK), -w0)])
    fld4 = inst.field(np.full(len(U), probe_mass))
    flow4 = ParticleFlow(fld4, dt=dt, l1=l1)
    min_wdot = {"w>0": np.inf, "w<0": np.inf}
    state = State(np.concatenate([inst.a, W.reshape(-1, 1, 1)]), np.concatenate([inst.u, U]))
    for s in range(0, steps + 1, max(1, steps // 50)):
        va, _ = flow4.velocity(state)
        wdot = np.asarray(va[m0:, 0, 0])
        g = psi_points(inst, np.asarray(state[1][m0:]))[:, 0]
        inside = g <= -eta
        w = np.asarray(state[0][m0:, 0, 0])
        for key, sel in (("w>0", (w > 0) & inside), ("w<0", (w < 0) & inside)):
            if sel.any():
                min_wdot[key] = min(min_wdot[key], float(np.min(wdot[sel])))
        state = flow4.run(state, max(1, steps // 50))
    return {"instance": inst.name, "eta": eta, "S_sampled": S, "probes_on_boundary": nb, "w0": w0, "T": T,
            "l1": l1, "max_g_plus_eta_after_start": worst_iii, "entered_K": bool(worst_iii < 0),
            "min_wdot_in_K": min_wdot, "half_eta": eta / 2,
            "wdot_bound_held": bool(min(min_wdot.values()) >= eta / 2)}


def plot_escape(exp: dict, path: str) -> str:
    r"""Two panels through :mod:`proofs.style`: the loss against time, and :math:`|a|` against time with the
    predicted slope :math:`|a_0|-h_\infty(\hat a_0,u_0)\,t`, for every run of :func:`escape_experiment`."""
    from proofs import style

    fig, (ax1, ax2) = style.figure(2, ncols=2)
    for label, run in exp["series"].items():
        t = run["t"]
        line, = ax2.plot(t, run["a_norm"], label=label)
        ax2.plot(t, run["a_norm"][0] + run["predicted_rate"] * t, ls=":", color=line.get_color(), lw=0.9)
        if not run["frozen"]:
            ax1.plot(t, run["loss"], label=label, color=line.get_color())
    ax2.plot([], [], ls=":", color="0.3", label=r"predicted $|a_0| - h_\infty(\hat a_0,u_0)\,t$")
    style.label(ax1, x=r"time $t$", y=r"loss $R(\mu_t)$")
    style.label(ax2, x=r"time $t$", y=r"$|a|$ of the added particle")
    style.save(fig, path)
    return path
