r"""Du, Lee, Li, Wang, Zhai (2019), deep fully connected and residual networks: the limiting Gram against finite
width, its depth scaling, GD along training (catalogue §8 C3, C5, C7) and one false variant (§9 F13).

Architectures (the paper's Sections 3 and 6): :math:`x^{(h)}=\sqrt{c_\sigma/m}\,\sigma(W^{(h)}x^{(h-1)})` (fully
connected) and :math:`x^{(h)}=x^{(h-1)}+\frac{c_{\rm res}}{H\sqrt m}\sigma(W^{(h)}x^{(h-1)})`, :math:`h\ge2` (ResNet),
:math:`f=a^\top x^{(H)}`, every weight i.i.d. N(0, 1), all layers trained, sum-of-squares loss. The limiting Gram
:math:`K^{(H)}` is the layer recursion of :func:`numerics.ntk.recursions.gram` (Gauss–Hermite); the finite-width
Grams come from :mod:`numerics.ntk.networks` (hand backward pass). C3, C5, C7 are asymptotic or probabilistic in the
width: ``numerical`` claims, ``inconclusive`` with ``numerical=True`` and a margin with a stated tolerance.

F13 (the false variant) is refuted rigorously: for a ResNet whose residual branch lacks the :math:`1/H` factor, the
amplification :math:`|\Delta x^{(H)}|/|\Delta x^{(1)}|` of a layer-1 perturbation is enclosed in python-flint balls
(both forward passes) and exceeds, certainly, the depth-free bound
:math:`\exp(c_{\rm res}\sup|\sigma'|\max_h\|W^{(h)}\|_{op}/\sqrt m)` that the :math:`c_{\rm res}/(H\sqrt m)` scaling
guarantees (:math:`|\Delta^{(h)}|\le(1+\frac{c_{\rm res}\sup|\sigma'|\|W^{(h)}\|}{H\sqrt m})|\Delta^{(h-1)}|`);
the operator norms are bounded above rigorously by :math:`\|W\|_{op}^2\le\|(W^\top W)^{k}\|_F^{1/k}` in balls.
"""
from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

from proofs.claims._common import inconclusive, refuted
from proofs.claims.du_2018.training import _float, _int
from proofs.errors import InvalidArgument
from proofs.registry import claim

PAPER = "Du et al. 2019"
COMMON = ("inputs of unit norm, no two parallel", "every weight and the output vector i.i.d. N(0, 1)",
          "sigma Lipschitz and smooth (Condition 3.1; softplus here), analytic non-polynomial (Condition 3.2)")
NUM_MSG = "floating-point simulation: evidence, not a proof"
SOFTPLUS_SUP_DSIGMA = 1  # sup |sigmoid| = 1: the Lipschitz constant of softplus


def data(inst, n_default=4, d_default=3):
    n, d = _int(inst, "n", n_default, 2, 100), _int(inst, "d", d_default, 2, 100)
    rng = np.random.default_rng(_int(inst, "seed", 0, 0, 2 ** 31))
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X, rng.standard_normal(n)


def _arch(inst):
    arch = inst.get("arch", "fc")
    if arch not in ("fc", "resnet"):
        raise InvalidArgument(f"arch must be 'fc' or 'resnet', got {arch!r}")
    return arch


def _activation(inst):
    act = inst.get("activation", "softplus")
    if act not in ("softplus", "tanh", "sigmoid", "erf"):
        raise InvalidArgument(f"activation must be one of softplus, tanh, sigmoid, erf (smooth), got {act!r}")
    return act


def _desc(inst, X):
    return f"n = {X.shape[0]} unit inputs in R^{X.shape[1]} (seed {inst.get('seed', 0)})"


def _num(cid, inst, margin, statement, assumptions, stats, message, method):
    return inconclusive(cid, inst, margin=float(margin), numerical=True, precision="float64", method=method,
                        assumptions=assumptions, stats=stats, scope="instance", statement=statement,
                        message=message)


def _strategy():
    return st.fixed_dictionaries({"name": st.just("hypothesis"), "arch": st.sampled_from(["fc", "resnet"]),
                                  "n": st.integers(3, 5), "d": st.integers(2, 4), "seed": st.integers(0, 50)})


# ---------------------------------------------------------------------------
# C3: recursion vs finite width
# ---------------------------------------------------------------------------
C3 = "du2019-gram-recursion-matches-finite-width"
C3_ASSUMPTIONS = COMMON + ("width m -> infinity (finite widths here, error ~ m^{-1/2})",)


@claim(C3, label="§8 C3", paper=PAPER, source="Definitions 5.1 / 6.1 and the concentration lemmas (Sections 5, 6)",
       provenance="[D][N]", numerical=True, assumptions=C3_ASSUMPTIONS,
       statement=r"G^{(H)}(0)=\big\langle\tfrac{\partial u_i}{\partial W^{(H)}},\tfrac{\partial u_j}{\partial W^{(H)}}"
                 r"\big\rangle\to K^{(H)},\quad\|G^{(H)}(0)-K^{(H)}\|=O(m^{-1/2})",
       instances=[{"name": "FC, softplus, H=3, n=4, d=3", "arch": "fc", "depth": 3, "seed": 0},
                  {"name": "ResNet, softplus, H=3, n=4, d=3", "arch": "resnet", "depth": 3, "seed": 0}],
       strategy=_strategy, description="finite-width layer-H Gram converges to the recursion K^(H) like m^{-1/2}")
def check_recursion(inst, *, dps=30):
    """The finite-width G^(H)(0) matches the recursion K^(H); the relative error decays like m^{-1/2}."""
    from proofs.claims.du_2018._hyp import check_keys

    check_keys(inst, ('activation', 'arch', 'c_res', 'd', 'depth', 'n', 'nets', 'seed', 'slope_tol', 'tol', 'widths'))
    from numerics.ntk.networks import deep_init, layer_grams
    from numerics.ntk.recursions import gram

    X, _ = data(inst)
    arch, act = _arch(inst), _activation(inst)
    H = _int(inst, "depth", 3, 2 if arch == "resnet" else 1, 50)
    c_res = _float(inst, "c_res", 0.5, 0.0, 1.0)
    widths = [int(w) for w in inst.get("widths", (100, 400, 1600))]
    nets = _int(inst, "nets", 8, 1, 100)
    tol, slope_tol = _float(inst, "tol", 0.15), _float(inst, "slope_tol", 0.3)
    K = gram(X, arch=arch, depth=H, activation=act, c_res=c_res)
    scale = float(np.linalg.norm(K))
    seed = _int(inst, "seed", 0, 0, 2 ** 31)
    errs = []
    counts = []
    for m in widths:
        # relative Frobenius error, root-mean-square over the networks (E ||G - K||_F^2 ~ 1/m); narrower widths are
        # cheap, so they get more networks (nets * sqrt(m_max / m), at most 4 nets): a steadier fitted slope
        k = min(4 * nets, int(round(nets * math.sqrt(max(widths) / m))))
        counts.append(k)
        e = [np.linalg.norm(layer_grams(deep_init(X.shape[1], m, H, (seed, m, s), arch=arch, activation=act,
                                                  c_res=c_res), X)[H - 1] - K) / scale for s in range(k)]
        errs.append(float(np.sqrt(np.mean(np.square(e)))))
    slope = float(np.polyfit(np.log(widths), np.log(errs), 1)[0])
    margin = min(tol - errs[-1], slope_tol - abs(slope + 0.5))
    statement = (f"{_desc(inst, X)}, {arch}, {act}, H = {H}" + (f", c_res = {c_res}" if arch == "resnet" else "")
                 + f": ||G^(H)(0) - K^(H)||_F / ||K^(H)||_F (root mean square over {nets} networks at the largest width, more at the smaller ones) is <= {tol} at m = "
                 f"{widths[-1]} and has fitted slope -1/2 +- {slope_tol} in log m over m = {widths}")
    stats = {"widths": widths, "networks_per_width": counts, "relative_error": errs, "fitted_slope": slope,
             "K_H_diag": float(K[0, 0])}
    msg = f"{NUM_MSG}: relative errors {['%.3g' % e for e in errs]}, slope {slope:.3f}"
    return _num(C3, inst, margin, statement, C3_ASSUMPTIONS, stats, msg, "finite-width networks vs Gauss-Hermite")


# ---------------------------------------------------------------------------
# C5: ResNet lambda_min H^2 / c_res^2 bounded in depth
# ---------------------------------------------------------------------------
C5 = "du2019-resnet-gram-depth-scaling"
C5_ASSUMPTIONS = COMMON + ("ResNet with the c_res / (H sqrt m) residual scaling",)


@claim(C5, label="§8 C5", paper=PAPER, source="Theorem 6.1 (lambda_min(K^(H)) ~ H^-2 through the c_res^2/H^2 factor)",
       provenance="[D]/[I]", numerical=True, assumptions=C5_ASSUMPTIONS,
       statement=r"\lambda_{\min}(K^{(H)}_{\rm res})\,H^2/c_{\rm res}^2\in[\kappa^{-1}\ell,\ \ell]\ \text{for all depths "
                 r"tested}\ (\kappa=2)",
       instances=[{"name": "ResNet, softplus, n=6, d=4, H=2..32", "arch": "resnet", "n": 6, "d": 4, "seed": 0}],
       strategy=lambda: st.fixed_dictionaries({"name": st.just("hypothesis"), "arch": st.just("resnet"),
                                               "n": st.integers(3, 6), "d": st.integers(2, 4),
                                               "seed": st.integers(0, 50)}),
       description="ResNet lambda_min(K^(H)) H^2 / c_res^2 stays bounded in depth (FC degrades)")
def check_depth_scaling(inst, *, dps=30):
    """lambda_min(K^(H)) H^2 / c_res^2 varies by at most a factor kappa over the depths (ResNet); FC for contrast."""
    from proofs.claims.du_2018._hyp import check_keys

    check_keys(inst, ('activation', 'arch', 'c_res', 'd', 'depths', 'kappa', 'n', 'seed'))
    from numerics.ntk.recursions import gram
    from numerics.ntk.training import lambda_min

    X, _ = data(inst, 6, 4)
    arch, act = _arch(dict(inst, arch=inst.get("arch", "resnet"))), _activation(inst)
    depths = [int(h) for h in inst.get("depths", (2, 4, 8, 16, 32) if arch == "resnet" else (2, 4, 8, 16))]
    c_res = _float(inst, "c_res", 0.5, 0.0, 1.0)
    kappa = _float(inst, "kappa", 2.0, 1.0)
    scaled, fc = [], []
    for H in depths:
        scaled.append(lambda_min(gram(X, arch=arch, depth=H, activation=act, c_res=c_res)) * H * H / c_res ** 2)
        if arch == "resnet" and H <= 16:
            fc.append(lambda_min(gram(X, arch="fc", depth=H, activation=act)))
    lo, hi = min(scaled), max(scaled)
    margin = (math.log(kappa) - math.log(hi / lo)) if lo > 0 else -math.inf
    statement = (f"{_desc(inst, X)}, {arch}, {act}, c_res = {c_res}: lambda_min(K^(H)) H^2 / c_res^2 stays within a "
                 f"factor {kappa} over H = {depths} (bounded away from 0 and infinity)")
    stats = {"depths": depths, "lambda_min_H2_over_cres2": scaled,
             "fc_lambda_min (H <= 16)": fc}
    msg = (f"{NUM_MSG} (float64 Gauss-Hermite eigenvalues): scaled lambda_min in [{lo:.4g}, {hi:.4g}]"
           + (f"; FC lambda_min {['%.2g' % v for v in fc]}" if fc else ""))
    return _num(C5, inst, margin, statement, C5_ASSUMPTIONS, stats, msg, "Gauss-Hermite recursion")


# ---------------------------------------------------------------------------
# C7: deep GD linear rate
# ---------------------------------------------------------------------------
C7 = "du2019-deep-gd-linear-rate"
C7_ASSUMPTIONS = COMMON + ("m large (here m = 400)", "eta small: eta = eta_factor / lambda_max(sum_h G^(h)(0)), "
                                                   "eta_factor = 0.5")


@claim(C7, label="§8 C7", paper=PAPER, source="Theorems 5.1 and 6.1", provenance="[V]", numerical=True,
       assumptions=C7_ASSUMPTIONS,
       statement=r"L(k+1)\le\big(1-\tfrac{\eta\lambda_{\min}(K^{(H)})}{2}\big)L(k)\ \forall k",
       instances=[{"name": "FC, softplus, H=3, n=10, m=400", "arch": "fc", "depth": 3, "n": 10, "m": 400, "seed": 0},
                  {"name": "ResNet, softplus, H=3, n=10, m=400", "arch": "resnet", "depth": 3, "n": 10, "m": 400,
                   "seed": 0}],
       strategy=_strategy, description="deep GD: per-step loss ratio below 1 - eta lambda_min(K^(H)) / 2")
def check_deep_rate(inst, *, dps=30):
    """Every GD step of a wide deep net contracts the loss by at least 1 - eta lambda_min(K^(H)) / 2."""
    from proofs.claims.du_2018._hyp import check_keys

    check_keys(inst, ('activation', 'arch', 'c_res', 'd', 'depth', 'eta_factor', 'm', 'n', 'seed', 'steps'))
    from numerics.ntk.networks import deep_init, layer_grams
    from numerics.ntk.recursions import gram
    from numerics.ntk.training import lambda_min, train_deep

    X, y = data(inst, 10, 4)
    arch, act = _arch(inst), _activation(inst)
    H = _int(inst, "depth", 3, 2 if arch == "resnet" else 1, 20)
    m = _int(inst, "m", 400)
    c_res = _float(inst, "c_res", 0.5, 0.0, 1.0)
    steps = _int(inst, "steps", 60)
    lam = lambda_min(gram(X, arch=arch, depth=H, activation=act, c_res=c_res))
    net = deep_init(X.shape[1], m, H, (_int(inst, "seed", 0, 0, 2 ** 31), 77), arch=arch, activation=act, c_res=c_res)
    lmax = float(np.linalg.eigvalsh(sum(layer_grams(net, X)))[-1])
    eta = _float(inst, "eta_factor", 0.5) / lmax
    tr = train_deep(net, X, y, eta=eta, steps=steps)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = tr.residual[1:] / tr.residual[:-1]
    bound = 1 - eta * lam / 2
    margin = float(np.min(bound - ratios)) if not tr.diverged and len(ratios) else -math.inf
    statement = (f"{_desc(inst, X)}, {arch}, {act}, H = {H}, m = {m}, eta = {eta:.6g}: L(k+1)/L(k) <= 1 - eta "
                 f"lambda_min(K^(H))/2 = {bound:.8g} for k < {steps} (GD on every layer and on a)")
    stats = {"lambda_min_K_H": lam, "lambda_max_total_gram_0": lmax, "eta": eta, "max_loss_ratio":
             float(np.max(ratios)) if len(ratios) else None, "final_over_initial": float(tr.residual[-1] /
                                                                                          tr.residual[0]),
             "diverged": tr.diverged, "max_avg_frobenius_movement": float(np.max(tr.movement)),
             "min_lambda_G_H": float(np.min(tr.lam_H))}
    msg = (f"{NUM_MSG}: max loss ratio {stats['max_loss_ratio']:.6g} vs bound {bound:.8g}; the bound uses "
           f"lambda_min(K^(H)) = {lam:.3g} only, the full Gram of all layers contracts faster")
    return _num(C7, inst, margin, statement, C7_ASSUMPTIONS, stats, msg, "full-batch GD on a deep net")


# ---------------------------------------------------------------------------
# F13: residual branch without 1/H (false)
# ---------------------------------------------------------------------------
F13 = "du2019-resnet-amplification-bounded-without-1-over-H"
F13_ASSUMPTIONS = ("ResNet layers x^(h) = x^(h-1) + (c_res / sqrt m) sigma(W^(h) x^(h-1)): the 1/H factor of the "
                   "residual branch dropped", "softplus, sup |sigma'| = 1", "Gaussian weights (seeded)")


def _op_norm_upper(W, k_log2=5):
    """A rigorous upper bound of ||W||_op: ||W||^2 = lambda_max(A) <= ||A^k||_F^(1/k), A = W^T W, k = 2^k_log2,
    in flint balls (exact float entries)."""
    from flint import arb, arb_mat

    A = arb_mat(W.tolist())
    A = A.transpose() * A
    for _ in range(k_log2):
        A = A * A
    fro2 = sum((A[i, j] ** 2 for i in range(A.nrows()) for j in range(A.ncols())), arb(0))
    k = 2 ** k_log2
    return (fro2.log() / (4 * k)).exp()  # (||A^k||_F)^(1/(2k)) = ||W|| bound


def _ball_amplification(Ws, x, scale, xi, eps):
    """Enclosures of |Delta x^(H)| and |Delta x^(1)| for the two forward passes from x^(1) and x^(1) + eps xi."""
    from flint import arb, arb_mat

    def softplus(z):
        return z.exp().log1p()

    m = Ws[0].shape[0]
    sm = arb(m).sqrt()
    p = [arb(float(v)) for v in x]
    q = [pv + arb(float(eps)) * arb(float(t)) for pv, t in zip(p, xi)]
    d1 = sum(((a - b) ** 2 for a, b in zip(p, q)), arb(0)).sqrt()
    for W in Ws:
        Wb = arb_mat(W.tolist())
        zp = Wb * arb_mat([[v] for v in p])
        zq = Wb * arb_mat([[v] for v in q])
        r = arb(float(scale)) / sm
        p = [p[i] + r * softplus(zp[i, 0]) for i in range(m)]
        q = [q[i] + r * softplus(zq[i, 0]) for i in range(m)]
    dH = sum(((a - b) ** 2 for a, b in zip(p, q)), arb(0)).sqrt()
    return dH, d1


@claim(F13, label="§9 F13", paper=PAPER, source="Sections 5-6 (why the FC width is 2^O(H) and the ResNet's "
       "polynomial)", provenance="[D]", expected="fails", assumptions=F13_ASSUMPTIONS,
       statement=r"\frac{|\Delta x^{(H)}|}{|\Delta x^{(1)}|}\le\exp\Big(c_{\rm res}\sup|\sigma'|\max_h"
                 r"\tfrac{\|W^{(h)}\|_{op}}{\sqrt m}\Big)\ \text{for the branch } \tfrac{c_{\rm res}}{\sqrt m}"
                 r"\sigma(W^{(h)}x^{(h-1)})\ \text{(no }1/H)",
       instances=[{"name": "softplus, m=64, H=40, c_res=0.5", "m": 64, "depth": 40, "c_res": 0.5, "seed": 0}],
       strategy=lambda: st.fixed_dictionaries({"name": st.just("hypothesis"), "m": st.just(60),
                                               "depth": st.integers(40, 50), "c_res": st.just(0.5),
                                               "seed": st.integers(0, 20)}),
       description="false variant: without the 1/H residual factor, perturbations grow exponentially with depth")
def check_amplification(inst, *, dps=30):
    """Refuted by a certified amplification above the depth-free bound that the 1/H scaling guarantees."""
    from proofs.claims.du_2018._hyp import check_keys

    check_keys(inst, ('c_res', 'depth', 'm', 'seed', 'with_1_over_H'))
    from flint import arb

    from numerics.certified.precision import arb_prec, outward_decimal
    from numerics.ntk.networks import deep_init, perturbation_growth

    m, H = _int(inst, "m", 64, 2, 400), _int(inst, "depth", 40, 2, 200)
    c_res = _float(inst, "c_res", 0.5, 0.0, 1.0)
    with_1_over_H = bool(inst.get("with_1_over_H", False))
    seed = _int(inst, "seed", 0, 0, 2 ** 31)
    scale = c_res / H if with_1_over_H else c_res
    net = deep_init(3, m, H, (seed, 13), arch="resnet", activation="softplus", c_res=c_res, res_scale=scale)
    x = np.ones(3) / math.sqrt(3)
    float_growth = perturbation_growth(net, x, eps=1e-3, rng=seed)
    fc = deep_init(3, m, H, (seed, 13), arch="fc", activation="softplus")
    stats = {"float_amplification_by_depth": [float(v) for v in float_growth[[1, len(float_growth) // 2, -1]]],
             "fc_float_amplification": float(perturbation_growth(fc, x, eps=1e-3, rng=seed)[-1]),
             "branch_scale": scale}
    branch = "c_res/(H sqrt m)" if with_1_over_H else "c_res/sqrt m"
    statement = (f"ResNet, softplus, m = {m}, H = {H}, c_res = {c_res}, residual branch {branch}, seeded Gaussian "
                 f"weights (seed {seed}), input (1,1,1)/sqrt 3: |Delta x^(H)| / |Delta x^(1)| <= exp(c_res sup|sigma'| "
                 f"max_h ||W^(h)||_op / sqrt m) for a layer-1 perturbation of relative size 1e-3")
    from numerics.ntk.networks import activation_pair

    s, _ = activation_pair("softplus")
    x1 = math.sqrt(net.cs / m) * s(net.Ws[0] @ x)
    xi = np.random.default_rng(seed).standard_normal(x1.shape)
    xi *= np.linalg.norm(x1) / np.linalg.norm(xi)
    bits = max(128, int(3.33 * dps) + 32)
    with arb_prec(bits):
        opmax = max((_op_norm_upper(W) for W in net.Ws[1:]), key=lambda b: float(b.mid()))
        bound = (arb(c_res) * SOFTPLUS_SUP_DSIGMA * opmax / arb(m).sqrt()).exp()  # rounded outward by arb
        dH, d1 = _ball_amplification(net.Ws[1:], x1, scale, xi, 1e-3)
        amp = dH / d1
        stats.update(amplification=outward_decimal(amp, False, 10), bound_upper=outward_decimal(bound, True, 10))
        if amp > bound:
            return refuted(F13, inst, margin=bound - amp, precision=f"ball (flint), {bits} bits",
                           method="ball forward passes and ball operator-norm bounds", scope="instance",
                           statement=statement, assumptions=F13_ASSUMPTIONS, stats=stats,
                           witness={"seed": seed, "m": m, "depth": H, "c_res": c_res, "eps": "1e-3"},
                           message=f"without 1/H the amplification is >= {outward_decimal(amp, False, 6)} > "
                                   f"{outward_decimal(bound, True, 6)} (certified); with 1/H it stays below the "
                                   f"bound (product of 1 + O(1/H) factors); FC for contrast: "
                                   f"{stats['fc_float_amplification']:.3g} (float)")
    return inconclusive(F13, inst, precision="ball (flint)", scope="instance", statement=statement, stats=stats,
                        assumptions=F13_ASSUMPTIONS, margin=float((bound - amp).mid()),
                        message="the amplification is within the depth-free bound here (with the 1/H factor it "
                                "always is); without it, increase depth")
