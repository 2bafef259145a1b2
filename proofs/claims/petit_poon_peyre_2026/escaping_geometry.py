r"""Escaping-set geometry at a non-optimal stationary point (Chizat–Bach 2018 §8 A9 (i)(ii); 2026 paper, static G5).

Reconstruction [I]/[D]: the 2026 paper's text is not available; these are the static steps of the escaping-set
construction in the toolkit's own notation, derived here. For :math:`h(\hat a,u)=\langle\hat a,\Psi_\mu(u)\rangle`
(:math:`\Psi_\mu` is the correlation function :math:`G_\mu` of the reconstructed setting):

* **A9 (i)** :math:`\min h=-S(\mu)<0`; **(ii)** a level :math:`-\epsilon` whose set :math:`\{h<-\epsilon\}` meets the
  compact part :math:`K=[-R,R]^{p_u}` and on which :math:`\min_{\{h=-\epsilon\}\cap K}|\nabla_uh|\ge\beta>0`.
  Certified by :func:`proofs.analyze.escaping.escaping_set`: :math:`S(\mu)>0` by a ball at a point or an exact limit
  at infinity, a point of :math:`K` with :math:`h<-\epsilon` in balls, and :math:`\beta` by the outward-rounded
  interval bisection of the level set (sigmoid-type models). ``proved`` is about this instance (scope instance).
* **G5 (static)** at a non-optimal stationary point some :math:`\theta_0` has :math:`G_\mu(\theta_0)\ne0` — a finite
  point, certified in balls — and the frozen-flow growth rate of :math:`|w|` for :math:`\hat w=-G_\mu(\theta_0)/|G_\mu(\theta_0)|`
  at :math:`\theta_0` is :math:`r'=-\langle\hat w,G_\mu(\theta_0)\rangle=|G_\mu(\theta_0)|` (enclosed).

Dropping "non-optimal" (an exact teacher: zero residual) makes :math:`G_\mu\equiv0` exactly, so (i) and G5 fail:
the checks then refute the conclusion with the exact zero-residual certificate.
"""
from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

from proofs.claims._common import inconclusive, proved, refuted
from proofs.registry import claim

ID_A9 = "escaping-set-regular-level"
ID_G5 = "vector-output-nonzero-first-variation"
A9_ASSUMPTIONS = ("mu stationary and not a global minimiser", "linear output weights, bounded sigmoid-type features",
                  "the compact part K = [-R, R]^p_u of the inner parameters")
G5_ASSUMPTIONS = ("mu stationary and not a global minimiser (no regulariser)", "linear output weights a in R^k",
                  "frozen correlation function Psi_mu (the initial rate)")

X7 = [["-1"], ["-0.3"], ["0.2"], ["0.7"], ["1.5"], ["2"], ["2.5"]]
X11 = X7 + [["3"], ["-2"], ["0.45"], ["1.1"]]
U2 = [["1", "0"], ["-2", "0.5"]]
A_K = {1: [[["1"]], [["-0.5"]]], 2: [[["1"], ["0.5"]], [["-0.5"], ["1"]]]}


def instance_problem(inst):
    """The instance's model, measure and data: inverse-design stationary targets, or an exact teacher."""
    from proofs.problem.inverse_design import stationary_targets, teacher_targets_exact
    from proofs.problem.measure import Dataset, Measure
    from proofs.symbolic.models import get_model

    k = int(inst.get("k", 1))
    model = get_model("sigmoid", k=k, d=1, activation=inst.get("activation"))
    X = X11 if k >= 2 else X7
    if inst.get("targets") == "teacher":
        mu = Measure(a=A_K.get(k, A_K[2]), u=[["0", "0"], ["0", "0"]], mass=["0.5", "0.5"])
        Y = teacher_targets_exact(model, mu, X)
    else:
        a = A_K[k] if k in A_K else [[["1"]] * k, [["-0.5"]] * k]
        mu = Measure(a=a, u=U2, mass=["0.5", "0.5"])
        Y = stationary_targets(model, mu, X, dps=40, seed=int(inst.get("seed", 0)))["Y"]
    return model, mu, Dataset(X=X, Y=Y)


def _strategy():
    return st.fixed_dictionaries({"name": st.just("hypothesis"), "k": st.integers(1, 2), "seed": st.integers(0, 2)})


@claim(ID_A9, label="§8 A9 (i)(ii)", provenance="[D]", paper="Petit-Poon-Peyre 2026",
       source="reconstructed: the static steps of the escaping-set construction (Chizat-Bach 2018 Appendix C, "
              "completed for bounded nonlinearities in the 2026 paper); derived here",
       description="non-optimal stationary point: min h < 0 and a regular level with beta > 0 on the compact part",
       statement=r"\min h=-S(\mu)<0,\quad\{h<-\epsilon\}\cap K\ne\emptyset,\quad"
                 r"\min_{\{h=-\epsilon\}\cap K}|\nabla_uh|\ge\beta>0",
       assumptions=A9_ASSUMPTIONS,
       instances=[{"name": "scalar sigmoid, n=7, m=2", "k": 1}, {"name": "vector sigmoid k=2, n=11, m=2", "k": 2},
                  {"name": "scalar tanh, n=7, m=2", "k": 1, "activation": "tanh"}],
       strategy=_strategy)
def check_a9(inst, *, dps=30):
    """A9 (i)(ii) on the instance: min h < 0, K non-empty, beta > 0 certified."""
    from proofs.analyze.escaping import escaping_set

    model, mu, data = instance_problem(inst)
    R = str(inst.get("box_radius", "8"))
    e = escaping_set(model, mu, data, dps=dps, box_radius=R, time_limit=30)
    stmt = (f"{model.name} k={model.k}, n={data.n}, m={len(mu.u)} (stationary by inverse design): min h < 0, a level "
            f"-eps with {{h < -eps}} meeting K = [-{R}, {R}]^{model.p_u}, and min |grad_u h| > 0 on {{h = -eps}} in K")
    if not e.nonempty:
        if e.optimality_verdict == "proved":
            return refuted(ID_A9, inst, margin="0", precision="exact", method="exact zero residual (analyze)",
                           scope="instance", assumptions=A9_ASSUMPTIONS, statement=stmt + ": fails (i)",
                           witness={"min_h_enclosure": e.min_h_enclosure},
                           message="min h = -S(mu) = 0, not negative: Psi_mu = 0 exactly here (the measure is a "
                                   "global minimiser, so the hypothesis 'not optimal' does not hold)")
        return inconclusive(ID_A9, inst, method="escaping_set", scope="instance", assumptions=A9_ASSUMPTIONS,
                            statement=stmt, message="S(mu) > 0 is not certified at this precision; raise --dps")
    rl = e.regular_level or {}
    K = e.compact_part
    facts = {"min_h_enclosure": e.min_h_enclosure, "level": rl.get("level"), "beta_lower": rl.get("beta_lower"),
             "box": rl.get("box"), "point_in_K": K}
    ok_K = K is not None and rl.get("level") is not None and Fraction(K["h_upper"]) < Fraction(rl["level"])
    if rl.get("certified") and rl.get("level_set_meets_box") and rl.get("beta_lower") and ok_K:
        return proved(ID_A9, inst, margin=rl["beta_lower"], precision=f"balls (dps {dps}) and outward floats",
                      method=rl.get("method", ""), scope="instance", assumptions=A9_ASSUMPTIONS, statement=stmt,
                      witness=facts,
                      message=f"min h <= {e.min_h_enclosure[1]} < 0, h(u_K) <= {K['h_upper']} < level "
                              f"{rl['level']} at a point of K, and |grad_u h| >= {rl['beta_lower']} on the level set "
                              f"in K ({rl['boxes']} boxes, {rl['seconds']} s)")
    return inconclusive(ID_A9, inst, method=rl.get("method", "escaping_set"), scope="instance",
                        assumptions=A9_ASSUMPTIONS, statement=stmt, witness=facts,
                        message="the regular-level certificate did not finish or K was not shown to meet the "
                                f"sublevel set ({rl.get('note', 'no certificate')}); raise the time limit")


@claim(ID_G5, label="§8 G5 (static)", provenance="[I]", paper="Petit-Poon-Peyre 2026",
       source="reconstructed setting (vector-output optimality and the escaping direction); derived here",
       description="non-optimal stationary point: a finite theta0 with G_mu(theta0) != 0 and initial rate |G_mu|",
       statement=r"\exists\theta_0:\ G_\mu(\theta_0)\ne0,\qquad\frac{d}{dt}|w|\Big|_{t=0}=|G_\mu(\theta_0)|\ \text{for}\ "
                 r"w=-\epsilon G_\mu(\theta_0)/|G_\mu(\theta_0)|",
       assumptions=G5_ASSUMPTIONS,
       instances=[{"name": "vector sigmoid k=2, n=11, m=2", "k": 2}, {"name": "scalar sigmoid, n=7, m=2", "k": 1}],
       strategy=_strategy)
def check_g5(inst, *, dps=30):
    """G5 static: a certified finite theta0 with G_mu(theta0) != 0, and the initial escape rate |G_mu(theta0)|."""
    from flint import arb

    from numerics.certified.bnb import point_ball
    from numerics.certified.enclosures import PsiEnclosure
    from numerics.certified.precision import arb_prec, dps_to_bits

    from proofs.analyze import analyze
    from proofs.analyze.balls import _lo, _norm

    model, mu, data = instance_problem(inst)
    out = analyze(model, mu, data, dps=dps, time_limit=20)
    g = out["global_optimality"]
    stmt = (f"{model.name} k={model.k}, n={data.n}: some finite theta0 has G_mu(theta0) != 0, and d|w|/dt = "
            "|G_mu(theta0)| at t = 0 for w = -eps G/|G| (frozen flow)")
    if g["verdict"] == "proved":
        return refuted(ID_G5, inst, margin="0", precision="exact", method="exact zero residual", scope="instance",
                       assumptions=G5_ASSUMPTIONS, statement=stmt + ": fails",
                       witness={"residual": "exactly 0"},
                       message="the residual is exactly zero, so G_mu = 0 everywhere: no theta0 exists (the "
                               "measure is a global minimiser; the hypothesis 'not optimal' is dropped)")
    if g["verdict"] != "refuted":
        return inconclusive(ID_G5, inst, method="analyze", scope="instance", assumptions=G5_ASSUMPTIONS,
                            statement=stmt, message="S(mu) > 0 not certified; raise --dps")
    wit = g["witness"]
    with arb_prec(dps_to_bits(dps)):
        enc = PsiEnclosure(model, mu, data)
        if wit.get("kind") == "point":
            cands = [[Fraction(v) for v in wit["u"]]]
        else:  # a limit at infinity: finite points along the ray
            v = [Fraction(x) for x in wit["w"]] + [Fraction(wit["b"])]
            M = max(abs(x) for x in v)
            cands = [[T * x / M for x in v] for T in (2, 8, 32, 128)]
        for th in cands:
            G = enc.psi([point_ball(x) for x in th])
            nrm = _norm(G)
            if nrm.is_finite() and nrm > 0:
                what = [-x / nrm for x in G]  # w-hat = -G/|G|
                rate = -sum((a * b for a, b in zip(what, G)), arb(0))  # r' = -<w-hat, G> (frozen flow, A.2)
                if (rate - nrm).contains(0) and rate > 0:
                    return proved(ID_G5, inst, margin=_lo(nrm, 12), precision=f"arb {dps_to_bits(dps)} bits",
                                  method="ball enclosure at a finite point", scope="instance",
                                  assumptions=G5_ASSUMPTIONS, statement=stmt,
                                  witness={"theta0": [str(x) for x in th], "abs_G_lower": _lo(nrm, 12)},
                                  message=f"|G_mu(theta0)| >= {_lo(nrm, 12)} > 0 at the finite theta0 (balls); the "
                                          "initial rate -<w_hat, G> encloses |G_mu(theta0)| > 0")
    return inconclusive(ID_G5, inst, method="ball enclosure", scope="instance", assumptions=G5_ASSUMPTIONS,
                        statement=stmt, message="no finite point with a certified G_mu != 0 was found; raise --dps")
