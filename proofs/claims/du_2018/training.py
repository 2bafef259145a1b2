r"""Du, Zhai, Poczos, Singh (2018), lemma by lemma along simulated training of a finite-width two-layer ReLU
network (catalogue §8 B5, B7-B11) and two false variants (§9 F12, F17).

Setting (the paper's Section 3): unit inputs :math:`x_i\in\mathbb R^d`, labels :math:`y_i`,
:math:`f(W,a,x)=\frac1{\sqrt m}\sum_r a_r\max(w_r^\top x,0)`, :math:`w_r(0)\sim\mathcal N(0,I_d)`, :math:`a_r=\pm1`
frozen (joint training in B11), :math:`L=\frac12\sum_i(u_i-y_i)^2`, :math:`H^\infty_{ij}=x_i^\top x_j(\pi-\varphi_{ij})
/(2\pi)`, :math:`\lambda_0=\lambda_{\min}(H^\infty)`. The default data set: n = 6 points of :math:`\mathbb R^5`,
Gaussian directions normalised (seed 0), labels i.i.d. N(0, 1) (:math:`\lambda_0=0.2582`).

The statements B5-B11 are probabilistic or asymptotic in the width: what a simulation can give is evidence, so
these claims are ``numerical`` by nature and their checks return ``inconclusive`` with ``numerical=True``, a
margin (> 0: the evidence agrees, with the stated tolerance) and the knob to turn (widths, trials, steps). The
Monte-Carlo frequencies are estimates from the stated number of trials, not probabilities.

The false variants are refuted rigorously:

* F12 (``du2018-any-constant-step-converges``): with :math:`\eta=3/\lambda_{\max}(H^\infty)` the GD residual,
  recomputed in mpmath at ``dps`` and ``2 dps`` digits from the exact float initial state, exceeds the rate
  :math:`(1-\eta\lambda_0/2)^k` of Theorem 4.1 (with a certified lower bound of :math:`\lambda_0`); the mechanism is
  reported: the linearised iteration :math:`I-\eta H(0)` has an eigenvalue certified below -1 (exact :math:`H(0)`:
  patterns decided in ball arithmetic, entries exact rationals; Rayleigh quotient in python-flint balls).
* F17 (``du2018-only-least-eigenvalue-matters``): for a residual along the top eigenvector of :math:`H^\infty`,
  :math:`\|e^{-tH^\infty}r\|^2<e^{-2\lambda_0t}\|r\|^2`, certified with the ball matrix exponential of python-flint
  and a certified upper bound of :math:`\lambda_0`.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from hypothesis import strategies as st

from proofs.claims._common import inconclusive, refuted
from proofs.errors import InvalidArgument
from proofs.registry import claim

PAPER = "Du et al. 2018"
COMMON = ("inputs of unit norm, no two parallel (lambda_0 > 0)", "w_r(0) ~ N(0, I_d), a_r uniform on {-1, +1}, "
          "independent", "NTK scaling f = (1/sqrt m) sum_r a_r relu(w_r . x), sum-of-squares loss")
NUM_MSG = "floating-point simulation: evidence, not a proof"


def _int(inst, key, default, lo=1, hi=10 ** 7):
    """An integer instance key in [lo, hi] (:func:`proofs.claims.du_2018._hyp.as_int`, with the training claims'
    larger default upper end)."""
    from proofs.claims.du_2018._hyp import as_int

    return as_int(inst, key, default, lo, hi)


def _float(inst, key, default, lo=0.0, hi=math.inf):
    v = inst.get(key, default)
    try:
        v = float(v)
    except (TypeError, ValueError):
        raise InvalidArgument(f"instance key {key!r} must be a number, got {v!r}") from None
    if not (lo < v < hi):
        raise InvalidArgument(f"instance key {key!r} must lie in ({lo}, {hi}), got {v}")
    return v


def data(inst):
    """(X, y, H^infty, lambda_0, lambda_max): n unit inputs in R^d (Gaussian directions, ``seed``), labels N(0, 1)."""
    from numerics.ntk.networks import relu_h_infinity
    from numerics.ntk.training import lambda_min

    n, d, seed = _int(inst, "n", 6, 2, 200), _int(inst, "d", 5, 2, 200), _int(inst, "seed", 0, 0, 2 ** 31)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    y = rng.standard_normal(n)
    H = relu_h_infinity(X)
    lam0 = lambda_min(H)
    if not lam0 > 1e-8:
        raise InvalidArgument(f"lambda_0 = {lam0:.3g} of this data set is not safely positive; choose another seed")
    return X, y, H, lam0, float(np.linalg.eigvalsh(H)[-1])


def _desc(inst):
    return f"n = {_int(inst, 'n', 6, 2, 200)} unit inputs in R^{_int(inst, 'd', 5, 2, 200)} (seed {inst.get('seed', 0)})"


def _num(cid, inst, margin, statement, assumptions, stats, message, method):
    return inconclusive(cid, inst, margin=float(margin), numerical=True, precision="float64", method=method,
                        assumptions=assumptions, stats=stats, scope="instance", statement=statement,
                        message=message)


def lemma31_width(n: int, lam0: float, delta: float) -> int:
    r"""The explicit sufficient width of Lemma 3.1: :math:`m\ge32n^2\log(2n^2/\delta)/\lambda_0^2` (Hoeffding on each
    of the :math:`n^2` entries, each an average of m terms in [-1, 1], and a union bound)."""
    return int(math.ceil(32 * n * n * math.log(2 * n * n / delta) / lam0 ** 2))


def stability_radius(n: int, lam0: float, delta: float) -> float:
    r""":math:`R=c\,\delta\lambda_0/n^2` with :math:`c=\sqrt{2\pi}/16` (Lemma 3.2 with its constant made explicit)."""
    return math.sqrt(2 * math.pi) * delta * lam0 / (16 * n * n)


def _strategy():
    return st.fixed_dictionaries({"name": st.just("hypothesis"), "n": st.integers(3, 6), "d": st.integers(3, 6),
                                  "seed": st.integers(0, 50)})


# ---------------------------------------------------------------------------
# B5: initial Gram concentration
# ---------------------------------------------------------------------------
B5 = "du2018-initial-gram-concentration"
B5_ASSUMPTIONS = COMMON + ("m >= 32 n^2 log(2 n^2 / delta) / lambda_0^2 for the event (Lemma 3.1)",)


@claim(B5, label="§8 B5", paper=PAPER, source="Lemma 3.1 and Remark 3.1", provenance="[V]/[D]",
       numerical=True, assumptions=B5_ASSUMPTIONS,
       statement=r"\|H(0)-H^\infty\|_2=O(m^{-1/2});\ m\ge\frac{32n^2\log(2n^2/\delta)}{\lambda_0^2}\Rightarrow"
                 r"\ \mathbb P\big(\|H(0)-H^\infty\|_2\le\lambda_0/4\big)\ge1-\delta",
       instances=[{"name": "n=6, d=5, delta=0.1", "n": 6, "d": 5, "seed": 0, "delta": 0.1}],
       strategy=_strategy, description="initial Gram concentration: m^{-1/2} slope and the explicit width of Lemma 3.1")
def check_concentration(inst, *, dps=30):
    """||H(0) - H^infty||_2 decays like m^{-1/2}, and at the explicit width the lambda_0/4 event is frequent."""
    from proofs.claims.du_2018._hyp import check_keys

    check_keys(inst, ('d', 'delta', 'm', 'n', 'seed', 'slope_tol', 'trials', 'widths'))
    from numerics.ntk.networks import two_layer_gram, two_layer_init

    X, _, Hinf, lam0, _ = data(inst)
    n, d = X.shape
    delta = _float(inst, "delta", 0.1, 0.0, 1.0)
    trials = _int(inst, "trials", 30, 5, 10 ** 4)
    widths = [int(w) for w in inst.get("widths", (100, 1000, 10000))]
    slope_tol = _float(inst, "slope_tol", 0.15)
    seed = _int(inst, "seed", 0, 0, 2 ** 31)
    errs = []
    for m in widths:
        e = [np.linalg.norm(two_layer_gram(X, two_layer_init(m, d, (seed, m, t))[0]) - Hinf, 2) for t in range(8)]
        errs.append(float(np.mean(e)))
    slope = float(np.polyfit(np.log(widths), np.log(errs), 1)[0])
    m_req = lemma31_width(n, lam0, delta)
    cap = 2_000_000
    if "m" not in inst and m_req > cap:
        statement = (f"{_desc(inst)}, lambda_0 = {lam0:.6g}: ||H(0) - H^infty||_2 has fitted slope -1/2 +- "
                     f"{slope_tol} in log m over m = {widths} (mean of 8 draws each); the Lemma 3.1 event was not "
                     f"run (its width {m_req} exceeds the default budget {cap})")
        return _num(B5, inst, slope_tol - abs(slope + 0.5), statement, B5_ASSUMPTIONS,
                    {"lambda_0": lam0, "widths": widths, "mean_error": errs, "fitted_slope": slope,
                     "m_lemma_3_1": m_req},
                    f"{NUM_MSG}: slope {slope:.3f}; the Lemma 3.1 width {m_req} is beyond the default budget: pass "
                    f"the instance key m (up to 10^7) to test the event", "Monte Carlo over initialisations")
    m = _int(inst, "m", m_req, 1, 10 ** 7)
    hits = sum(np.linalg.norm(two_layer_gram(X, two_layer_init(m, d, (seed, 31, t))[0]) - Hinf, 2) <= lam0 / 4
               for t in range(trials))
    freq = hits / trials
    margin = min(freq - (1 - delta), slope_tol - abs(slope + 0.5))
    statement = (f"{_desc(inst)}, lambda_0 = {lam0:.6g}: ||H(0) - H^infty||_2 has fitted slope -1/2 +- {slope_tol} "
                 f"in log m over m = {widths} (mean of 8 draws each), and at m = {m} (Lemma 3.1 width {m_req} for "
                 f"delta = {delta}) the event ||H(0) - H^infty||_2 <= lambda_0/4 has frequency >= 1 - delta over "
                 f"{trials} initialisations")
    stats = {"lambda_0": lam0, "widths": widths, "mean_error": errs, "fitted_slope": slope, "m_lemma_3_1": m_req,
             "m": m, "frequency": freq, "trials": trials}
    msg = (f"{NUM_MSG}: slope {slope:.3f} (target -0.5 +- {slope_tol}); frequency {freq:.3f} at m = {m} vs 1 - delta "
           f"= {1 - delta:.3f}; more trials/widths sharpen the estimate")
    return _num(B5, inst, margin, statement, B5_ASSUMPTIONS, stats, msg, "Monte Carlo over initialisations")


# ---------------------------------------------------------------------------
# B7: stability radius (Lemma 3.2), adversarial perturbations
# ---------------------------------------------------------------------------
B7 = "du2018-gram-stability-radius"
B7_ASSUMPTIONS = COMMON + ("every neuron moved by at most R = sqrt(2 pi) delta lambda_0 / (16 n^2)",)


def adversarial_move(X, W, R):
    r"""Every neuron pushed by (just over) R towards the nearest hyperplane :math:`x_i^\perp` on which it is active,
    along :math:`-x_i`: each neuron with an active pattern within R of its boundary loses it, so the flips all switch
    neurons off and add up in :math:`H` instead of cancelling (the worst case the Markov bound of the proof allows)."""
    Z = W @ X.T
    Zp = np.where(Z >= 0, Z, np.inf)
    i = np.argmin(Zp, axis=1)
    dist = Zp[np.arange(W.shape[0]), i]
    step = np.where(np.isfinite(dist), R, 0.0)
    return W - step[:, None] * X[i]


@claim(B7, label="§8 B7", paper=PAPER, source="Lemma 3.2 (constant c = sqrt(2 pi)/16 derived)", provenance="[V]/[D]",
       numerical=True, assumptions=B7_ASSUMPTIONS,
       statement=r"\|w_r-w_r(0)\|\le R=\frac{\sqrt{2\pi}\,\delta\lambda_0}{16n^2}\ \forall r\Rightarrow"
                 r"\ \|H(W)-H(0)\|_2<\lambda_0/4\ \text{w.p.}\ge1-\delta",
       instances=[{"name": "n=6, d=5, m=2000, delta=0.1", "n": 6, "d": 5, "seed": 0, "m": 2000, "delta": 0.1}],
       strategy=_strategy, description="Gram stability under adversarial moves of radius R (Lemma 3.2)")
def check_stability(inst, *, dps=30):
    """Adversarial perturbations of size R keep ||H(W) - H(0)||_2 < lambda_0/4 in >= 1 - delta of initialisations."""
    from proofs.claims.du_2018._hyp import check_keys

    check_keys(inst, ('d', 'delta', 'm', 'n', 'radius_factor', 'seed', 'trials'))
    from numerics.ntk.networks import two_layer_gram, two_layer_init

    X, _, _, lam0, _ = data(inst)
    n, d = X.shape
    delta = _float(inst, "delta", 0.1, 0.0, 1.0)
    m = _int(inst, "m", 2000)
    trials = _int(inst, "trials", 30, 5, 10 ** 4)
    R0 = stability_radius(n, lam0, delta)
    R = R0 * _float(inst, "radius_factor", 1.0)
    seed = _int(inst, "seed", 0, 0, 2 ** 31)
    hits, worst, fro_ratio = 0, 0.0, 0.0
    for t in range(trials):
        W0 = two_layer_init(m, d, (seed, 32, t))[0]
        D = two_layer_gram(X, adversarial_move(X, W0, R)) - two_layer_gram(X, W0)
        nrm = float(np.linalg.norm(D, 2))
        hits += nrm < lam0 / 4
        worst = max(worst, nrm)
        fro_ratio = max(fro_ratio, float(np.linalg.norm(D)) / (4 * n * n * R / (math.sqrt(2 * math.pi) * delta)))
    freq = hits / trials
    statement = (f"{_desc(inst)}, m = {m}, lambda_0 = {lam0:.6g}, R = {R:.6g} (Lemma 3.2 radius {R0:.6g}): moving every "
                 f"neuron by R towards its nearest active hyperplane keeps ||H(W) - H(0)||_2 < lambda_0/4 in a "
                 f"fraction >= 1 - delta = {1 - delta} of {trials} initialisations")
    stats = {"R": R, "R_lemma": R0, "frequency": freq, "max_norm": worst, "lambda_0/4": lam0 / 4,
             "max_frobenius_over_markov_bound": fro_ratio}
    msg = (f"{NUM_MSG}: frequency {freq:.3f} (need {1 - delta:.3f}); worst ||dH||_2 = {worst:.3g} vs lambda_0/4 = "
           f"{lam0 / 4:.3g}; more trials sharpen the frequency")
    return _num(B7, inst, freq - (1 - delta), statement, B7_ASSUMPTIONS, stats, msg, "adversarial perturbation")


# ---------------------------------------------------------------------------
# B8 lazy movement, B9 linear rate: along gradient flow and GD
# ---------------------------------------------------------------------------
B8 = "du2018-lazy-movement"
B8_ASSUMPTIONS = COMMON + ("lambda_min(H(s)) >= lambda_0 / 2 along the trajectory (checked)",
                           "gradient flow (small-step Euler) or GD with eta <= lambda_0 / n^2")


def _net(inst, X, m):
    from numerics.ntk.networks import two_layer_init

    return two_layer_init(m, X.shape[1], (_int(inst, "seed", 0, 0, 2 ** 31), 7, m))


@claim(B8, label="§8 B8", paper=PAPER, source="Lemma 3.3 and Corollary 4.1", provenance="[D]/[S]", numerical=True,
       assumptions=B8_ASSUMPTIONS,
       statement=r"\max_r\|w_r(t)-w_r(0)\|\le\frac{2\sqrt n\,\|y-u(0)\|}{\sqrt m\,\lambda_0}\ \text{(flow; GD: 4)},"
                 r"\quad\text{observed}\propto m^{-1/2}",
       instances=[{"name": "n=6, d=5, m in (500, 2000, 8000)", "n": 6, "d": 5, "seed": 0}],
       strategy=_strategy, description="lazy training: per-neuron movement within the bound of Lemma 3.3, ~ m^{-1/2}")
def check_lazy(inst, *, dps=30):
    """The maximal neuron movement stays below 2 sqrt(n) ||y - u(0)|| / (sqrt(m) lambda_0) and scales as m^{-1/2}."""
    from proofs.claims.du_2018._hyp import check_keys

    check_keys(inst, ('bound_factor', 'd', 'dt', 'gd_steps', 'n', 'seed', 'slope_tol', 'time', 'widths'))
    from numerics.ntk.training import train_two_layer

    X, y, _, lam0, _ = data(inst)
    n = X.shape[0]
    widths = [int(w) for w in inst.get("widths", (500, 2000, 8000))]
    dt, T = _float(inst, "dt", 0.05), _float(inst, "time", 15.0)
    steps = int(round(T / dt))
    factor = _float(inst, "bound_factor", 2.0)
    slope_tol = _float(inst, "slope_tol", 0.2)
    ratios, scaled, lam_low = [], [], math.inf
    for m in widths:
        W, a = _net(inst, X, m)
        tr = train_two_layer(X, y, W, a, eta=dt, steps=steps, method="flow")
        lam_low = min(lam_low, float(np.min(tr.lam_H)))
        bound = factor * math.sqrt(n) * math.sqrt(tr.residual[0]) / (math.sqrt(m) * lam0)
        ratios.append(float(np.max(tr.movement) / bound))
        scaled.append(float(np.max(tr.movement) / math.sqrt(tr.residual[0])))
    gdW, gda = _net(inst, X, widths[-1])
    eta = lam0 / n ** 2
    gd = train_two_layer(X, y, gdW, gda, eta=eta, steps=_int(inst, "gd_steps", 200), record_gram=False)
    gd_ratio = float(np.max(gd.movement) / (2 * factor * math.sqrt(n) * math.sqrt(gd.residual[0])
                                             / (math.sqrt(widths[-1]) * lam0)))
    slope = float(np.polyfit(np.log(widths), np.log(scaled), 1)[0])
    lam_ok = lam_low >= lam0 / 2
    # the lemma's hypothesis is part of the margin: when it fails the run is no evidence for the bound
    margin = min(1 - max(ratios), 1 - gd_ratio, slope_tol - abs(slope + 0.5), lam_low - lam0 / 2)
    statement = (f"{_desc(inst)}: along gradient flow (Euler step {dt}, time {T}) at m = {widths}, max_r ||w_r(t) - "
                 f"w_r(0)|| <= {factor:g} sqrt(n) ||y - u(0)|| / (sqrt(m) lambda_0) (GD with eta = lambda_0/n^2: "
                 f"{2 * factor:g}), and the movement / ||y - u(0)|| has fitted slope -1/2 +- {slope_tol} in log m")
    stats = {"widths": widths, "movement_over_bound": ratios, "gd_movement_over_bound": gd_ratio,
             "fitted_slope": slope, "min_lambda_H": lam_low, "lambda_min_H_at_least_lambda_0_over_2": lam_ok}
    if not lam_ok:
        return inconclusive(B8, inst, margin=float(margin), numerical=True, precision="float64", method="simulation",
                            assumptions=B8_ASSUMPTIONS, stats=stats, scope="instance", statement=statement,
                            message="the hypothesis lambda_min(H(s)) >= lambda_0/2 failed along the run: the "
                                    "lemma does not apply (increase the widths)")
    msg = (f"{NUM_MSG}: movement / bound <= {max(ratios):.3g} (flow), {gd_ratio:.3g} (GD); slope {slope:.3f}")
    return _num(B8, inst, margin, statement, B8_ASSUMPTIONS, stats, msg, "small-step gradient flow and GD")


B9 = "du2018-linear-rate"
B9_ASSUMPTIONS = COMMON + ("m large (here: m = 4000, lambda_min(H(t)) >= lambda_0/2 checked)",
                           "GD step eta <= lambda_0 / n^2")


@claim(B9, label="§8 B9", paper=PAPER, source="Theorem 3.2 (flow) and Theorem 4.1 (GD)", provenance="[V]",
       numerical=True, assumptions=B9_ASSUMPTIONS,
       statement=r"\|y-u(t)\|^2\le e^{-\lambda_0t}\|y-u(0)\|^2;\quad \eta\le\lambda_0/n^2\Rightarrow"
                 r"\ \|y-u(k)\|^2\le(1-\eta\lambda_0/2)^k\|y-u(0)\|^2",
       instances=[{"name": "n=6, d=5, m=4000", "n": 6, "d": 5, "seed": 0, "m": 4000}],
       strategy=_strategy, description="linear convergence of gradient flow and GD at the lambda_0 rate")
def check_rate(inst, *, dps=30):
    """Gradient flow decays at least like e^{-lambda_0 t}; GD with eta = lambda_0/n^2 like (1 - eta lambda_0/2)^k."""
    from proofs.claims.du_2018._hyp import check_keys

    check_keys(inst, ('d', 'dt', 'eta', 'gd_steps', 'm', 'n', 'seed', 'time'))
    from numerics.ntk.training import train_two_layer

    X, y, _, lam0, lmax = data(inst)
    n = X.shape[0]
    m = _int(inst, "m", 4000)
    dt, T = _float(inst, "dt", 0.05), _float(inst, "time", 15.0)
    eta = _float(inst, "eta", lam0 / n ** 2)
    ksteps = _int(inst, "gd_steps", 300)
    W, a = _net(inst, X, m)
    fl = train_two_layer(X, y, W, a, eta=dt, steps=int(round(T / dt)), method="flow")
    gd = train_two_layer(X, y, W, a, eta=eta, steps=ksteps)
    k = np.arange(len(gd.residual))
    with np.errstate(divide="ignore", invalid="ignore"):
        flow_gap = (math.log(fl.residual[0]) - lam0 * fl.t[1:]) - np.log(fl.residual[1:])
        gd_gap = (math.log(gd.residual[0]) + k[1:] * math.log1p(-eta * lam0 / 2)) - np.log(gd.residual[1:])
    margin = float(min(np.min(flow_gap), np.min(gd_gap) if not gd.diverged else -math.inf))
    lam_ok = bool(np.min(fl.lam_H) >= lam0 / 2)
    statement = (f"{_desc(inst)}, m = {m}, lambda_0 = {lam0:.6g}: ||y - u(t)||^2 <= e^(-lambda_0 t) ||y - u(0)||^2 "
                 f"for t <= {T} (Euler step {dt}), and GD with eta = {eta:.6g} satisfies ||y - u(k)||^2 <= "
                 f"(1 - eta lambda_0/2)^k ||y - u(0)||^2 for k <= {ksteps}")
    stats = {"lambda_0": lam0, "lambda_max": lmax, "eta": eta, "2/lambda_max": 2 / lmax, "gd_diverged": gd.diverged,
             "min_log_gap_flow": float(np.min(flow_gap)), "min_log_gap_gd": float(np.min(gd_gap)),
             "min_lambda_H_flow": float(np.min(fl.lam_H)), "min_lambda_H_gd": float(np.min(gd.lam_H))}
    msg = (f"{NUM_MSG}: min log-gap to the bound {margin:.3g} (> 0: the bound holds at every recorded step)"
           + ("" if lam_ok else "; lambda_min(H(t)) fell below lambda_0/2: increase m"))
    return _num(B9, inst, margin, statement, B9_ASSUMPTIONS, stats, msg, "small-step gradient flow and GD")


# ---------------------------------------------------------------------------
# B10 pattern changes vs width
# ---------------------------------------------------------------------------
B10 = "du2018-pattern-changes-decrease-with-width"
B10_ASSUMPTIONS = COMMON + ("same step and number of GD iterations for every width",)


@claim(B10, label="§8 B10", paper=PAPER, source="Section 5 (experiments), metric of Figure 1(b)", provenance="[V]",
       numerical=True, assumptions=B10_ASSUMPTIONS,
       statement=r"\frac1{mn}\sum_{i,r}\mathbf 1\{\mathrm{sign}(w_r(0)^\top x_i)\ne\mathrm{sign}(w_r(k)^\top x_i)\}"
                 r"\ \text{decreases in } m\ \text{at fixed }k\ \text{(at least like }m^{-1/4})",
       instances=[{"name": "n=6, d=5, m in (100, 1000, 10000)", "n": 6, "d": 5, "seed": 0}],
       strategy=_strategy, description="fraction of activation-pattern changes after k GD steps decreases with m")
def check_patterns(inst, *, dps=30):
    """After the same number of GD steps, wider networks change fewer activation patterns."""
    from proofs.claims.du_2018._hyp import check_keys

    check_keys(inst, ('d', 'eta', 'n', 'scaling', 'seed', 'seeds', 'slope_max', 'steps', 'widths'))
    from numerics.ntk.training import train_two_layer

    X, y, _, lam0, _ = data(inst)
    widths = [int(w) for w in inst.get("widths", (100, 1000, 10000))]
    eta, steps = _float(inst, "eta", 0.1), _int(inst, "steps", 100)
    seeds = _int(inst, "seeds", 4, 1, 100)
    scaling = inst.get("scaling", "ntk")
    means = []
    for m in widths:
        f = []
        for s in range(seeds):
            W, a = _net(dict(inst, seed=(_int(inst, "seed", 0, 0, 2 ** 31) * 1000 + s)), X, m)
            tr = train_two_layer(X, y, W, a, eta=eta, steps=steps, record_gram=False, scaling=scaling)
            f.append(tr.pattern_change[-1])
        means.append(float(np.mean(f)))
    drops = [(means[j] - means[j + 1]) / max(means[j], 1e-300) for j in range(len(means) - 1)]
    slope = float(np.polyfit(np.log(widths), np.log(np.maximum(means, 1e-300)), 1)[0])
    statement = (f"{_desc(inst)}: after {steps} GD steps of size {eta} ({scaling} scaling), the mean over {seeds} "
                 f"initialisations of the fraction of changed activation patterns strictly decreases along m = {widths}, "
                 f"with fitted slope <= {inst.get('slope_max', -0.25)} in log m (the lazy-training prediction is -1/2)")
    stats = {"widths": widths, "pattern_change_fraction": means, "relative_drops": drops, "fitted_slope": slope,
             "scaling": scaling}
    msg = f"{NUM_MSG}: fractions {['%.3g' % v for v in means]}, fitted slope {slope:.2f} in log m"
    slope_max = _float(inst, "slope_max", -0.25, -10.0, 0.0)
    return _num(B10, inst, min(min(drops), slope_max - slope), statement, B10_ASSUMPTIONS, stats, msg,
                "GD at several widths")


# ---------------------------------------------------------------------------
# B11 joint training Gram
# ---------------------------------------------------------------------------
B11 = "du2018-joint-training-gram"
B11_ASSUMPTIONS = COMMON + ("both layers trained by gradient flow (small-step Euler)",)


@claim(B11, label="§8 B11", paper=PAPER, source="Section 3.2 (Theorem 3.3)", provenance="[V]/[R]", numerical=True,
       assumptions=B11_ASSUMPTIONS,
       statement=r"\tfrac{d}{dt}u=(H(t)+G(t))(y-u),\ G\succeq0,\ H_{ij}=\tfrac1m x_i^\top x_j\sum_ra_r^2\mathbf 1_{ir}"
                 r"\mathbf 1_{jr},\ \|y-u(t)\|^2\le e^{-\lambda_0t}\|y-u(0)\|^2",
       instances=[{"name": "n=6, d=5, m=4000", "n": 6, "d": 5, "seed": 0, "m": 4000}],
       strategy=_strategy, description="joint training: du/dt = (H + G)(y - u) with G PSD, same lambda_0 rate")
def check_joint(inst, *, dps=30):
    """Along joint training, G(t) is PSD, the prediction dynamics is (H + G)(y - u), and the rate e^{-lambda_0 t} holds."""
    from proofs.claims.du_2018._hyp import check_keys

    check_keys(inst, ('d', 'dt', 'identity_tol', 'm', 'n', 'omit_G', 'seed', 'steps'))
    from numerics.ntk.networks import two_layer_gram, two_layer_output, two_layer_output_gram
    from numerics.ntk.training import train_two_layer

    X, y, _, lam0, _ = data(inst)
    m = _int(inst, "m", 4000)
    dt, steps = _float(inst, "dt", 0.02), _int(inst, "steps", 300)
    omit_G = bool(inst.get("omit_G", False))
    tol = _float(inst, "identity_tol", 0.05)
    W, a = _net(inst, X, m)
    tr = train_two_layer(X, y, W, a, eta=dt, steps=steps, method="flow", joint=True)
    # identity along a few recorded states: (u(k+1) - u(k)) / dt vs (H + G)(y - u) at step k
    rel = []
    Wk, ak = np.array(W), np.array(a)
    from numerics.ntk.networks import two_layer_gradient

    for k in range(0, min(steps, 60)):
        u = two_layer_output(X, Wk, ak)
        K = two_layer_gram(X, Wk, ak) + (0 if omit_G else two_layer_output_gram(X, Wk))
        pred = K @ (y - u)
        gW, ga = two_layer_gradient(X, y, Wk, ak)
        Wk, ak = Wk - dt * gW, ak - dt * ga
        obs = (two_layer_output(X, Wk, ak) - u) / dt
        rel.append(float(np.linalg.norm(obs - pred) / max(np.linalg.norm(obs), 1e-300)))
    with np.errstate(divide="ignore"):
        gap = (math.log(tr.residual[0]) - lam0 * tr.t[1:]) - np.log(tr.residual[1:])
    minG = float(np.min(tr.lam_G))
    margin = min(minG + 1e-12, tol - max(rel), float(np.min(gap)))
    statement = (f"{_desc(inst)}, m = {m}, joint gradient flow (Euler step {dt}, {steps} steps): lambda_min(G(t)) >= "
                 f"-1e-12, ||(u(k+1) - u(k))/dt - (H + G)(y - u)|| <= {tol} ||(u(k+1) - u(k))/dt|| (first 60 steps), "
                 f"and ||y - u(t)||^2 <= e^(-lambda_0 t) ||y - u(0)||^2")
    stats = {"min_lambda_G": minG, "max_identity_rel_error": max(rel), "min_log_gap_rate": float(np.min(gap)),
             "omit_G": omit_G}
    msg = (f"{NUM_MSG}: min lambda(G) = {minG:.3g}, identity relative error <= {max(rel):.3g} (O(dt)), "
           f"rate gap {float(np.min(gap)):.3g}")
    return _num(B11, inst, margin, statement, B11_ASSUMPTIONS, stats, msg, "small-step joint gradient flow")


# ---------------------------------------------------------------------------
# F12: any constant step size (false)
# ---------------------------------------------------------------------------
F12 = "du2018-any-constant-step-converges"
F12_ASSUMPTIONS = COMMON + ("a constant step eta, here eta = 3 / lambda_max(H^infty) (the step bound eta = "
                            "O(lambda_0 / n^2) dropped)",)


def _exact_gram0(X, W):
    """H(0) exactly (Fractions) with the patterns decided in ball arithmetic; None if a sign is undecided."""
    from flint import arb

    Xq = [[Fraction(float(v)) for v in row] for row in X]
    n, m = len(Xq), W.shape[0]
    S = np.zeros((n, m), dtype=bool)
    for r in range(m):
        w = [arb(Fraction(float(v)).numerator) / arb(Fraction(float(v)).denominator) for v in W[r]]
        for i in range(n):
            z = sum((wi * (arb(q.numerator) / arb(q.denominator)) for wi, q in zip(w, Xq[i])), arb(0))
            if z > 0:
                S[i, r] = True
            elif z < 0:
                S[i, r] = False
            else:
                return None
    count = S.astype(np.int64) @ S.T.astype(np.int64)
    H = [[sum(a * b for a, b in zip(Xq[i], Xq[j])) * Fraction(int(count[i, j]), m) for j in range(n)]
         for i in range(n)]
    return H


def _mp_gd_residuals(X, y, W, a, eta, steps, dps):
    """The GD residuals ||y - u(k)||^2, k = 0..steps, recomputed in mpmath at ``dps`` digits from the exact floats."""
    import mpmath

    from numerics.certified.precision import workdps

    with workdps(dps):
        mpf = mpmath.mpf
        Xm = [[mpf(float(v)) for v in row] for row in X]
        Wm = [[mpf(float(v)) for v in row] for row in W]
        am = [mpf(float(v)) for v in a]
        ym = [mpf(float(v)) for v in y]
        e = mpf(float(eta))
        sq = mpmath.sqrt(len(Wm))
        out = []
        for k in range(steps + 1):
            Z = [[mpmath.fdot(w, x) for w in Wm] for x in Xm]
            u = [mpmath.fsum(ar * max(z, 0) for ar, z in zip(am, Zi)) / sq for Zi in Z]
            res = [ui - yi for ui, yi in zip(u, ym)]
            out.append(mpmath.fsum(r * r for r in res))
            if k == steps:
                break
            for r_, w in enumerate(Wm):
                c = [res[i] * am[r_] / sq for i in range(len(Xm)) if Z[i][r_] >= 0]
                act = [Xm[i] for i in range(len(Xm)) if Z[i][r_] >= 0]
                for j in range(len(w)):
                    w[j] -= e * mpmath.fsum(ci * xi[j] for ci, xi in zip(c, act))
        return out


@claim(F12, label="§9 F12", paper=PAPER, source="Theorem 4.1 (the step-size condition it needs)", provenance="[D]",
       expected="fails", assumptions=F12_ASSUMPTIONS,
       statement=r"\forall\eta>0\ \text{constant}:\ \|y-u(k)\|_2^2\le(1-\eta\lambda_0/2)^k\|y-u(0)\|_2^2\ \forall k"
                 r"\ \text{(Theorem 4.1's conclusion without its step condition)}",
       instances=[{"name": "n=4, d=3, m=200, eta=3/lambda_max", "n": 4, "d": 3, "seed": 0, "m": 200,
                   "eta_factor": 3.0}],
       strategy=lambda: st.fixed_dictionaries({"name": st.just("hypothesis"), "n": st.integers(3, 5),
                                               "d": st.integers(3, 4), "seed": st.integers(0, 30),
                                               "m": st.just(200), "eta_factor": st.just(3.0)}),
       description="false variant: with eta = 3/lambda_max(H^infty) GD misses the rate of Theorem 4.1 (certified)")
def check_any_step(inst, *, dps=30):
    r"""GD with eta = eta_factor / lambda_max(H^infty) against Theorem 4.1's conclusion.

    Refuted when, at some step k, the GD residual recomputed in mpmath at ``dps`` and ``2 dps`` digits (agreeing)
    exceeds :math:`(1-\eta\ell/2)^k\|y-u(0)\|^2` with :math:`\ell` a certified lower bound of :math:`\lambda_0`
    (ball Cholesky; the bound with the true :math:`\lambda_0` is smaller still while the factor lies in (0, 1)).
    The mechanism is reported: the linearised iteration :math:`I-\eta H(0)` has an eigenvalue certified below -1
    (exact :math:`H(0)`, ball Rayleigh quotient). What is refuted is the rate for this step, not eventual
    convergence: at these widths the float run typically grows for a few steps and converges again once the
    activation patterns have changed (``stats``: 40 float steps)."""
    from proofs.claims.du_2018._hyp import check_keys

    check_keys(inst, ('d', 'eta_factor', 'm', 'n', 'seed', 'steps'))
    from flint import arb_mat

    from numerics.certified.bnb import point_ball
    from numerics.certified.linalg import lambda_min_lower, lambda_min_upper, relu_gram_ball
    from numerics.certified.precision import outward_decimal
    from numerics.ntk.training import train_two_layer

    X, y, _, lam0, lmax = data(inst)
    n = X.shape[0]
    m = _int(inst, "m", 200)
    eta = _float(inst, "eta_factor", 3.0) / lmax
    steps = _int(inst, "steps", 6, 1, 200)
    W, a = _net(inst, X, m)
    statement = (f"{_desc(inst)}, m = {m}, eta = {eta!r} (= {inst.get('eta_factor', 3.0)} / lambda_max(H^infty)): "
                 f"GD from the seeded initialisation satisfies ||y - u(k)||^2 <= (1 - eta lambda_0/2)^k "
                 f"||y - u(0)||^2 for k = 0..{steps}")
    stats = {"eta": eta, "2/lambda_max(H^infty)": 2 / lmax, "lambda_0/n^2": lam0 / n ** 2}
    fl = train_two_layer(X, y, W, a, eta=eta, steps=steps, record_gram=False)
    stats["float_residuals"] = [float(v) for v in fl.residual]
    long = train_two_layer(X, y, W, a, eta=eta, steps=40, record_gram=False, blowup=1e12)
    stats["float_residual_after_40_steps"] = float(long.residual[-1])
    cert = lambda_min_lower(relu_gram_ball(X.tolist()), estimate=lam0)
    if cert.lower is None or not cert.lower > 0:
        return inconclusive(F12, inst, numerical=True, scope="instance", statement=statement, stats=stats,
                            assumptions=F12_ASSUMPTIONS, message="lambda_0 > 0 not certified: change seed")
    factor = 1 - Fraction(eta) * cert.lower / 2  # exact; >= the factor with the true lambda_0
    stats["certified_lambda_0_lower"] = float(cert.lower)
    if not 0 < factor < 1:
        return inconclusive(F12, inst, numerical=True, scope="instance", statement=statement, stats=stats,
                            assumptions=F12_ASSUMPTIONS,
                            message="1 - eta lambda_0/2 is not in (0, 1) here: the bound is not monotone in "
                                    "lambda_0; lower eta_factor")
    H0 = _exact_gram0(X, W)
    if H0 is not None:
        eq = Fraction(eta)
        M = arb_mat([[point_ball((1 if i == j else 0) - eq * H0[i][j]) for j in range(n)] for i in range(n)])
        v = np.linalg.eigh(np.array([[float(t) for t in row] for row in H0]))[1][:, -1]
        up = lambda_min_upper(M, [float(t) for t in v])  # certified: lambda_min(I - eta H(0)) <= up
        stats["certified_upper_lambda_min(I - eta H(0))"] = outward_decimal(up, True, 12)
        stats["linearised_iteration_expansive"] = bool(up < -1)
    r_lo = _mp_gd_residuals(X, y, W, a, eta, steps, dps)
    r_hi = _mp_gd_residuals(X, y, W, a, eta, steps, 2 * dps)
    import mpmath

    from numerics.certified.precision import workdps

    with workdps(2 * dps):
        fq = mpmath.mpf(factor.numerator) / factor.denominator
        ratio_hi = [r_hi[k] / (fq ** k * r_hi[0]) for k in range(steps + 1)]
        kw = max(range(1, steps + 1), key=lambda k: ratio_hi[k])
        ratio_lo = float(r_lo[kw] / (fq ** kw * r_lo[0]))
        ratio = float(ratio_hi[kw])
    stats.update(witness_step=kw, mp_residual_over_bound={f"dps={dps}": ratio_lo, f"dps={2 * dps}": ratio},
                 mp_residual_growth=float(r_hi[kw] / r_hi[0]))
    agree = abs(ratio_lo - ratio) <= 1e-6 * abs(ratio)
    # 1e-9 slack: far above the disagreement allowed between the two precisions
    if ratio_lo > 1 + 1e-9 and ratio > 1 + 1e-9 and agree:
        return refuted(F12, inst, margin=1 - ratio, precision=f"mpmath dps {dps} and {2 * dps}; lambda_0 bound in balls",
                       method="high-precision GD against the rate with a certified lambda_0", scope="instance",
                       statement=statement, assumptions=F12_ASSUMPTIONS, stats=stats,
                       witness={"seed": inst.get("seed", 0), "n": n, "d": X.shape[1], "m": m, "eta": repr(eta),
                                "step": kw},
                       message=f"eta = {eta:.4g} (2/lambda_max(H^infty) = {2 / lmax:.4g}): at k = {kw} the GD residual "
                               f"is {ratio:.4g} times the bound (1 - eta lambda_0/2)^k ||y - u(0)||^2 (mpmath at {dps} "
                               f"and {2 * dps} digits agree, lambda_0 >= {float(cert.lower):.6g} certified)"
                               + (f"; I - eta H(0) has an eigenvalue <= {stats['certified_upper_lambda_min(I - eta H(0))'][:8]} "
                                  "< -1 (certified)" if stats.get("linearised_iteration_expansive") else "")
                               + f"; the float run re-converges later (residual "
                               f"{stats['float_residual_after_40_steps']:.3g} after 40 steps): the rate fails, not "
                               "eventual convergence")
    return inconclusive(F12, inst, numerical=True, precision="float64", scope="instance", statement=statement,
                        stats=stats, assumptions=F12_ASSUMPTIONS, margin=1 - ratio,
                        message="the rate held at every step checked (raise eta_factor or steps)")


# ---------------------------------------------------------------------------
# F17: only lambda_0 matters (false)
# ---------------------------------------------------------------------------
F17 = "du2018-only-least-eigenvalue-matters"
F17_ASSUMPTIONS = ("linearised gradient flow u' = H^infty (y - u) (the infinite-width limit of the NTK regime)",
                   "unit inputs, lambda_0 > 0")


@claim(F17, label="§9 F17", paper=PAPER, source="consistency check on Theorem 3.2 (not a theorem of the paper)",
       provenance="[D]", expected="fails", assumptions=F17_ASSUMPTIONS,
       statement=r"\forall r:\ \|e^{-tH^\infty}r\|_2^2\ge\tfrac12e^{-2\lambda_0t}\|r\|_2^2\ \text{(the rate is set by }"
                 r"\lambda_0\text{ alone, up to a factor 2)}",
       instances=[{"name": "n=6, d=5, residual along the top eigenvector, t=3", "n": 6, "d": 5, "seed": 0, "t": 3,
                   "direction": "top"}],
       strategy=_strategy, description="false variant: labels along top eigenvectors converge faster than lambda_0")
def check_only_lambda0(inst, *, dps=30):
    """Refuted by r = top eigenvector of H^infty: certified ||e^{-tH} r||^2 < e^{-2 lambda_0 t} ||r||^2 / 2."""
    from proofs.claims.du_2018._hyp import check_keys

    check_keys(inst, ('d', 'direction', 'm', 'n', 'seed', 't'))
    from flint import arb, arb_mat

    from numerics.certified.bnb import point_ball
    from numerics.certified.linalg import lambda_min_upper, relu_gram_ball
    from numerics.certified.precision import arb_prec, outward_decimal
    from numerics.ntk.networks import two_layer_output
    from numerics.ntk.training import train_two_layer

    X, _, Hinf, lam0, lmax = data(inst)
    t = _float(inst, "t", 3.0, 0.0, 1e3)
    direction = inst.get("direction", "top")
    if direction not in ("top", "bottom"):
        raise InvalidArgument(f"direction must be 'top' or 'bottom', got {direction!r}")
    vecs = np.linalg.eigh(Hinf)[1]
    v = vecs[:, -1] if direction == "top" else vecs[:, 0]
    statement = (f"{_desc(inst)}, t = {t}: ||e^(-t H^infty) r||^2 >= e^(-2 lambda_0 t) ||r||^2 / 2 for r = the float "
                 f"{direction} eigenvector of H^infty (read exactly)")
    # finite-width evidence: labels y = u(0) + v, so the initial residual is v
    m = _int(inst, "m", 4000)
    W, a = _net(inst, X, m)
    yv = two_layer_output(X, W, a) + v
    tr = train_two_layer(X, yv, W, a, eta=0.05, steps=int(round(t / 0.05)), method="flow")
    stats = {"lambda_0": lam0, "lambda_max": lmax, "finite_width_rate": float(-math.log(tr.residual[-1] / tr.residual[0])
                                                                             / (2 * tr.t[-1])), "m": m}
    with arb_prec(max(64, int(3.33 * dps) + 16)):
        Hb = relu_gram_ball(X.tolist())
        lam_up = lambda_min_upper(Hb)
        tb = point_ball(Fraction(t))
        E = (Hb * (-tb)).exp()
        r = arb_mat([[point_ball(Fraction(float(c)))] for c in v])
        er = E * r
        lhs = sum((er[i, 0] ** 2 for i in range(er.nrows())), arb(0))
        rr = sum((r[i, 0] ** 2 for i in range(r.nrows())), arb(0))
        rhs = (-2 * lam_up * tb).exp() * rr / 2  # lambda_0 <= lam_up, so e^(-2 lambda_0 t) ||r||^2 / 2 >= this
        stats.update(lhs=outward_decimal(lhs, True, 12), rhs_lower=outward_decimal(rhs, False, 12))
        if lhs < rhs:
            return refuted(F17, inst, margin=lhs - rhs, precision=f"ball (flint), {dps} digits",
                           method="ball matrix exponential and certified upper bound of lambda_0", scope="instance",
                           statement=statement, assumptions=F17_ASSUMPTIONS, stats=stats,
                           witness={"seed": inst.get("seed", 0), "r": [repr(float(c)) for c in v], "t": t},
                           message=f"along the {direction} eigenvector (lambda_max = {lmax:.4g}) ||e^(-tH) r||^2 <= "
                                   f"{outward_decimal(lhs, True, 6)} < {outward_decimal(rhs, False, 6)} <= "
                                   f"e^(-2 lambda_0 t)||r||^2 / 2 (certified); the finite-width flow decays at rate "
                                   f"{stats['finite_width_rate']:.3g} vs lambda_0 = {lam0:.3g}")
    return inconclusive(F17, inst, numerical=False, precision="ball (flint)", scope="instance", statement=statement,
                        stats=stats, assumptions=F17_ASSUMPTIONS,
                        message="the inequality is not violated for this residual (the least-eigenvalue direction "
                                "decays exactly at lambda_0): choose the top eigenvector")
