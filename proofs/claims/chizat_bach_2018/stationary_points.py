r"""Stationary points that are not global minimisers (Chizat–Bach 2018, §8 A7) and the false variant F4.

The instance (claim A7): scalar-output sigmoid network with bias, :math:`n` inputs
:math:`x_i\sim\mathcal N(0,I_d)` rounded to 4 decimals, labels :math:`y_i=\sin(2x_{i1})+\frac12x_{i2}x_{i3}`
rounded to 6 decimals and then centred exactly (rational arithmetic, so :math:`\sum_iy_i=0` exactly), no
regulariser, all :math:`m` particles at :math:`(a,u)=(0,0)` (output weight 0, inner parameters 0).

What is certified, and how:

* **exact stationarity** (rational arithmetic): the predictor is exactly 0 (every output weight is 0), so the
  residual is :math:`r_i=-y_i`; the output-weight velocity is
  :math:`a'=-\Psi(0)=-\frac1n\sum_ir_i\,\sigma(0)=\frac1{2n}\sum_iy_i=0` (sympy evaluates :math:`\sigma(0)=1/2`
  exactly) and the inner velocity :math:`u'=-a\,\nabla_u\Psi(0)` is 0 because :math:`a=0` (the gradient of the
  feature at 0 is evaluated exactly too). Both are computed from the model's sympy feature at exact rationals.
* **the loss** :math:`F(\mu)=\frac1{2n}\sum_iy_i^2` exactly (a Fraction);
* **non-optimality**, twice and independently: (1) ``proofs.analyze.analyze`` certifies
  :math:`S(\mu)=\sup_u|\Psi_\mu(u)|>0` (an arb enclosure whose lower end is positive; for monotone activations the
  supremum is the exact maximum over the half-space sets of the data), which by the optimality condition for
  convex :math:`R` over nonnegative measures (global minimiser iff :math:`\Psi_\mu\equiv0`, Chizat–Bach's
  optimality-condition proposition) means :math:`\mu` is not a global minimiser; (2) an explicit measure
  :math:`\nu=\delta_{(c,u^\star)}` (one particle of mass 1, rational :math:`c` and :math:`u^\star`) with
  :math:`F(\nu)<F(\mu)` certified by arb balls, which shows non-optimality directly, without the optimality
  condition.

The claim ``stationary-not-global-minimiser`` (A7) is ``proved`` with scope ``instance`` when all three hold.
Dropping "labels centred" (``centre=False``) makes :math:`a'=\frac1{2n}\sum_iy_i\ne0` exactly: the claim is
then ``refuted`` (not stationary), with that exact value as the witness.

The false variant F4 ``every-stationary-point-is-global-minimiser`` is refuted by the same certified witness;
on an instance that is not a counterexample (not exactly stationary, or :math:`\Psi\equiv0`) it stays
``inconclusive``.
"""
from __future__ import annotations

import math
from fractions import Fraction

import sympy as sp
from hypothesis import strategies as st

from proofs.claims._common import inconclusive, proved, refuted
from proofs.errors import InvalidArgument
from proofs.registry import claim

ID_A7 = "stationary-not-global-minimiser"
ID_F4 = "every-stationary-point-is-global-minimiser"

ASSUMPTIONS_A7 = ("scalar-output sigmoid network with bias, squared loss R = (1/(2n)) sum (f(x_i) - y_i)^2, V = 0",
                  "labels centred exactly: sum_i y_i = 0 (rational data)",
                  "every particle at (a, u) = (0, 0): output weight 0, inner weight and bias 0")
ASSUMPTIONS_F4 = ("mean-field flow of the unregularised squared loss (no homogeneity or separation hypothesis)",)


def a7_data(n: int = 40, d: int = 3, seed: int = 0, centre: bool = True):
    """The A7 data set as exact rationals: X (n x d, 4 decimals of N(0, 1) samples from numpy's default_rng(seed)),
    y_i = sin(2 x_i1) + x_i2 x_i3 / 2 (d >= 3; for d < 3 the missing coordinates count as 0) rounded to 6
    decimals, then (``centre``) minus its exact mean. Returns (X, y) as lists of Fractions."""
    import numpy as np

    rng = np.random.default_rng(seed)
    raw = rng.standard_normal((n, d))
    X = [[Fraction(round(float(v) * 10 ** 4), 10 ** 4) for v in row] for row in raw]

    def label(row):
        x = [float(v) for v in row] + [0.0, 0.0, 0.0]
        return Fraction(round((math.sin(2 * x[0]) + x[1] * x[2] / 2) * 10 ** 6), 10 ** 6)

    y = [label(row) for row in X]
    if centre:
        mean = sum(y, Fraction(0)) / n
        y = [v - mean for v in y]
    return X, y


def _decimal(q: Fraction) -> str:
    """A Fraction whose denominator divides a power of 10, as an exact decimal string (else ``p/q``)."""
    den = q.denominator
    k = 0
    while den % 2 == 0 or den % 5 == 0:
        den //= 2 if den % 2 == 0 else 5
        k += 1
    if den != 1:
        return f"{q.numerator}/{q.denominator}"
    scaled = q * 10 ** k
    assert scaled.denominator == 1
    s = str(abs(scaled.numerator)).rjust(k + 1, "0")
    body = s[:-k] + "." + s[-k:] if k else s
    return ("-" if q < 0 else "") + body


def _int_param(inst, key, default, lo, hi):
    """The integer instance value ``key`` (an int, or an integral float / string), in [lo, hi]; else
    InvalidArgument with the valid range."""
    v = inst.get(key, default)
    try:
        q = Fraction(str(v)) if not isinstance(v, bool) else None
    except (ValueError, ZeroDivisionError):
        q = None
    if q is None or q.denominator != 1 or not lo <= q <= hi:
        raise InvalidArgument(f"{key}={v!r}; valid is an integer in [{lo}, {hi}]")
    return int(q)


def instance_params(inst):
    """(n, d, m, seed, centre) of an A7-type instance, validated (InvalidArgument with the valid values)."""
    act = inst.get("activation")
    if act is not None and act != "sigmoid":
        raise InvalidArgument(f"activation={act!r}: this claim is stated for the sigmoid network only (its "
                              "stationarity uses sigma(0) = 1/2 != 0 and its smoothness); drop 'activation'")
    centre = inst.get("centre", True)
    if not isinstance(centre, bool):
        raise InvalidArgument(f"centre={centre!r}; valid is true or false (a JSON boolean)")
    return (_int_param(inst, "n", 40, 1, 2000), _int_param(inst, "d", 3, 1, 8), _int_param(inst, "m", 50, 1, 10000),
            _int_param(inst, "seed", 0, 0, 2 ** 63 - 1), centre)


def _label_text(d: int) -> str:
    return "sin(2x1) + x2 x3/2" if d >= 3 else "sin(2x1) (d < 3: no x2 x3 term)"


def _instance_problem(inst):
    """(model, Dataset, Measure, X, y) of an A7-type instance."""
    from proofs.problem.measure import Dataset, Measure
    from proofs.symbolic.models import get_model

    n, d, m, seed, centre = instance_params(inst)
    X, y = a7_data(n, d, seed, centre)
    model = get_model("sigmoid", k=1, d=d)
    data = Dataset(X=[[_decimal(v) for v in row] for row in X], Y=[[_decimal(v)] for v in y])
    mu = Measure(a=[[["0"]]] * m, u=[["0"] * model.p_u] * m, mass=[Fraction(1, m)] * m)
    return model, data, mu, X, y


def _exact(v):
    """``v`` as it is when sympy already evaluated it to a Rational, else after ``sp.simplify`` (exact rewriting,
    never a numerical rationalisation); the caller rejects anything that is not a Rational."""
    return v if v.is_Rational else sp.simplify(v)


def exact_velocity_at_origin(model, X, y):
    r"""Exact (rational) velocity of a particle at :math:`(a,u)=(0,0)` when every output weight is 0.

    The predictor is 0, so :math:`r_i=-y_i`; :math:`a'=-\frac1n\sum_ir_ig(0,x_i)` and
    :math:`u'=-\frac1n\sum_ir_i\,a\,\nabla_ug(0,x_i)=0\cdot(\dots)`. The feature and its gradient are the model's
    sympy expressions evaluated at exact rationals; returns ``(a_dot, u_dot)`` as sympy numbers, or raises
    ``ValueError`` when sympy cannot evaluate them to exact rationals."""
    g = model.activation.concrete(model.g[0]) if getattr(model, "activation", None) is not None else model.g[0]
    grads = [sp.diff(g, s) for s in model.u_syms]
    zero_u = {s: sp.Integer(0) for s in model.u_syms}
    n = len(X)
    a = sp.Integer(0)  # the particles' output weight
    a_dot = sp.Integer(0)
    u_dot = [sp.Integer(0)] * len(grads)
    for xi, yi in zip(X, y):
        sub = {**zero_u, **{s: sp.Rational(v.numerator, v.denominator) for s, v in zip(model.x_syms, xi)}}
        ri = -sp.Rational(yi.numerator, yi.denominator)
        # no nsimplify: it rationalises with a tolerance (1e-40 -> 0), which would fake an exact 0
        gi, dgi = _exact(g.subs(sub)), [_exact(e.subs(sub)) for e in grads]
        if not gi.is_Rational or not all(e.is_Rational for e in dgi):
            raise ValueError(f"the feature at u = 0 is not an exact rational ({gi}); exact stationarity needs it")
        a_dot -= ri * gi / n
        u_dot = [ud - ri * a * e / n for ud, e in zip(u_dot, dgi)]
    return a_dot, u_dot


def descent_measure(model, data, y, direction, dps: int):
    r"""An explicit one-particle measure :math:`\nu=\delta_{(c,u^\star)}` with a certified decrease
    :math:`F(\mu)-F(\nu)` (arb ball), where :math:`F(\mu)=\frac1{2n}\sum y_i^2` (the all-zero-output measure).

    ``direction`` is a rational inner point :math:`u^\star`; :math:`c` is the rational rounding of the least-squares
    weight :math:`\sum_is_iy_i/\sum_is_i^2` (:math:`s_i=g(u^\star,x_i)`). Returns (c, decrease ball)."""
    from flint import arb, fmpq

    from numerics.certified.precision import arb_prec, dps_to_bits
    from numerics.particles import Measure, features, loss

    pt = Measure(a=None, u=[[Fraction(v) for v in direction]], mass=None)
    s = [float(v[0]) for v in features(model, pt, data, "numpy")[0]]
    ss = sum(v * v for v in s)
    c = Fraction(sum(si * float(yi) for si, yi in zip(s, y)) / ss).limit_denominator(10 ** 12) if ss else \
        Fraction(0)
    nu = Measure(a=[[[c]]], u=pt.u, mass=[1])
    sq = sum((v * v for v in y), Fraction(0)) / (2 * len(y))
    with arb_prec(dps_to_bits(dps)):
        f_nu = loss(model, nu, data, "arb")
        return c, arb(fmpq(sq.numerator, sq.denominator)) - f_nu


def _bound(ball, up: bool) -> str:
    from numerics.certified.precision import outward_decimal

    return outward_decimal(ball, up, 12)


def _escape_point(out):
    """A rational inner point at analyze's witness (far along it, largest entry 64, when it is at infinity)."""
    w = out["global_optimality"].get("witness") or {}
    if "w" in w and "b" in w:
        v = [Fraction(x) for x in w["w"]] + [Fraction(w["b"])]
        if w.get("kind") == "direction":  # a direction at infinity: a point far along it (largest entry 64)
            top = max(abs(x) for x in v)
            v = [64 * x / top for x in v] if top else v
        return v
    if "u" in w:
        return [Fraction(v) for v in w["u"]]
    return None


_CACHE: dict = {}


def certify_instance(inst, dps: int = 30, time_limit: float = 60.0) -> dict:
    """Every certified fact of an A7-type instance (see the module docstring), as a dict; cached per process (A7, F4
    and F5 share one instance), keyed by every instance parameter and the precision."""
    key = (tuple(sorted((k, str(v)) for k, v in inst.items() if k != "name")), dps)
    if key not in _CACHE:
        _CACHE[key] = _certify_instance(inst, dps, time_limit)
    return _CACHE[key]


def _certify_instance(inst, dps, time_limit):
    from proofs.analyze import analyze

    model, data, mu, X, y = _instance_problem(inst)
    n = len(X)
    info = {"n": n, "d": len(X[0]), "m": mu.m, "seed": instance_params(inst)[3]}
    a_dot, u_dot = exact_velocity_at_origin(model, X, y)
    info["a_dot"] = str(a_dot)
    info["u_dot"] = [str(v) for v in u_dot]
    info["stationary"] = a_dot == 0 and all(v == 0 for v in u_dot)
    info["sum_y"] = str(sum(y, Fraction(0)))
    info["loss"] = sum((v * v for v in y), Fraction(0)) / (2 * n)
    out = analyze(model, mu, data, dps=dps, time_limit=time_limit)
    g = out["global_optimality"]
    info["analyze_verdict"] = g["verdict"]
    info["sup_psi"] = g["sup_psi"]
    info["sup_psi_enclosure"] = g.get("sup_psi_enclosure")
    info["attained"] = g.get("attained")
    info["analyze_seconds"] = out["stats"].get("seconds")
    lo = g.get("sup_psi_enclosure")
    info["S_positive"] = g["verdict"] == "refuted" and lo is not None and Fraction(str(lo[0])) > 0
    point = _escape_point(out)
    info["descent"] = None
    if point is not None:
        short = [v.limit_denominator(1000) for v in point]  # a readable witness; the exact direction as fallback
        c, dec = descent_measure(model, data, y, short, dps)
        if not dec > 0:
            c, dec = descent_measure(model, data, y, point, dps)
        else:
            point = short
        info["descent"] = {"c": str(c), "u": [str(v) for v in point], "decrease": dec,
                           "certified": bool(dec > 0)}
    info["not_optimal"] = bool(info["S_positive"] and info["descent"] is not None and info["descent"]["certified"])
    return info


def _statement(inst, info):
    return (f"for the sigmoid network with bias on the A7 data (n={info['n']}, d={info['d']}, seed={info['seed']}, "
            f"labels {_label_text(info['d'])} rounded and "
            f"{'centred exactly' if inst.get('centre', True) else 'NOT centred'}"
            f"), all m={info['m']} particles at (a, u) = (0, 0): the mean-field velocity is exactly 0 and the measure "
            f"is not a global minimiser (S(mu) > 0), with F(mu) = {info['loss']} "
            f"(~{float(info['loss']):.6f})")


def _witness(info):
    return {"n": info["n"], "d": info["d"], "m": info["m"], "seed": info["seed"],
            "data": "numpy default_rng(seed).standard_normal((n, d)) rounded to 1e-4; y rounded to 1e-6 and centred",
            "a_dot": info["a_dot"], "u_dot": info["u_dot"], "sum_y": info["sum_y"], "loss": str(info["loss"]),
            "sup_psi": info["sup_psi"], "sup_psi_enclosure": info["sup_psi_enclosure"],
            "attained": info["attained"], "descent_measure": info["descent"]}


_A7_INSTANCES = [{"name": "A7: n=40, d=3, m=50 (seed 0)", "n": 40, "d": 3, "m": 50, "seed": 0}]


def _small_instances():
    return st.fixed_dictionaries({"name": st.just("hypothesis"), "n": st.integers(6, 14), "d": st.integers(1, 3),
                                  "m": st.integers(1, 5), "seed": st.integers(0, 10 ** 6)})


@claim(ID_A7, label="§8 A7", provenance="[D]", paper="Chizat-Bach 2018",
       source="optimality conditions (Chizat-Bach's optimality-condition proposition: a global minimiser "
              "over nonnegative measures iff Psi_mu = 0) applied to the configuration a = 0, u = 0; instance "
              "reconstructed",
       statement=r"\mu=\delta_{(0,0)},\ \textstyle\sum_iy_i=0:\quad \nabla F'(\mu)=0\ \mu\text{-a.e.}\ "
                 r"\text{ and }\ S(\mu)=\sup_u|\Psi_\mu(u)|>0",
       assumptions=ASSUMPTIONS_A7, instances=_A7_INSTANCES, strategy=_small_instances,
       description="all particles at (0,0) with centred labels: exactly stationary, certified not optimal")
def check_a7(inst, *, dps=30):
    """A7: the all-zero configuration with centred labels is exactly stationary and certified non-optimal."""
    info = certify_instance(inst, dps=dps)
    statement = _statement(inst, info)
    wit = _witness(info)
    prec = f"exact rationals (stationarity, F); arb at {dps} dps (S(mu), descent)"
    if not info["stationary"]:
        return refuted(ID_A7, inst, margin=info["a_dot"], precision="exact rationals", method="exact velocity",
                       witness=wit, assumptions=ASSUMPTIONS_A7, scope="instance", statement=statement,
                       message=f"not stationary: the output-weight velocity is exactly a' = {info['a_dot']} "
                               f"(sum y_i = {info['sum_y']} != 0)")
    if info["not_optimal"]:
        dec = info["descent"]["decrease"]
        return proved(ID_A7, inst, margin=dec, precision=prec,
                      method="exact velocity + analyze (half-space sup) + explicit descent measure", witness=wit,
                      assumptions=ASSUMPTIONS_A7, scope="instance", statement=statement,
                      stats={"analyze_seconds": info["analyze_seconds"]},
                      message=f"velocity exactly 0; S(mu) = {info['sup_psi']} > 0 certified (attained at "
                              f"{info['attained']}); the one-particle measure delta_(c,u*) with c = "
                              f"{info['descent']['c']} lowers F by a certified "
                              f"[{_bound(dec, False)}, {_bound(dec, True)}]; "
                              "so stationary but not a global minimiser (the exact flow stays at mu by uniqueness "
                              "of solutions of the Lipschitz particle ODE)")
    return inconclusive(ID_A7, inst, margin=info["sup_psi"], precision=prec, method="exact velocity + analyze",
                        witness=wit, assumptions=ASSUMPTIONS_A7, scope="instance", statement=statement,
                        message=f"stationary exactly, but non-optimality not certified (analyze: "
                                f"{info['analyze_verdict']}, descent: {info['descent']}); raise --dps")


@claim(ID_F4, label="§9 F4", provenance="[D]", paper="Chizat-Bach 2018",
       source="false variant (claim F4), reconstructed; witness: the A7 configuration",
       statement=r"\nabla F'(\mu)=0\ \mu\text{-a.e.}\ \Longrightarrow\ F(\mu)=\min F",
       assumptions=ASSUMPTIONS_F4, expected="fails",
       instances=[{"name": "A7 witness: n=40, d=3, m=50 (seed 0)", "n": 40, "d": 3, "m": 50, "seed": 0}],
       strategy=_small_instances,
       description="false variant: every stationary point is a global minimiser (refuted by A7)")
def check_f4(inst, *, dps=30):
    """F4 (false): every stationary point of the mean-field flow is a global minimiser."""
    info = certify_instance(inst, dps=dps)
    wit = _witness(info)
    statement = ("every stationary measure of the mean-field flow is a global minimiser, tested on the A7 "
                 f"configuration (n={info['n']}, d={info['d']}, m={info['m']}, seed={info['seed']}, all particles "
                 "at (0,0))")
    if info["stationary"] and info["not_optimal"]:
        dec = info["descent"]["decrease"]
        return refuted(ID_F4, inst, margin=dec, precision=f"exact rationals + arb at {dps} dps",
                       method="exact velocity + certified S(mu) > 0 + explicit descent measure", witness=wit,
                       assumptions=ASSUMPTIONS_F4, scope="instance", statement=statement,
                       message=f"counterexample: the velocity is exactly 0 but F(mu) = {float(info['loss']):.6f} is "
                               f"not minimal: S(mu) = {info['sup_psi']} > 0 certified and delta_(c,u*) has F lower "
                               f"by a certified [{_bound(dec, False)}, {_bound(dec, True)}]")
    why = ("the configuration is not stationary (a' = %s)" % info["a_dot"]) if not info["stationary"] else \
        "non-optimality was not certified"
    return inconclusive(ID_F4, inst, margin=info["sup_psi"], precision=f"exact rationals + arb at {dps} dps",
                        method="exact velocity + analyze", witness=wit, assumptions=ASSUMPTIONS_F4,
                        scope="instance", statement=statement,
                        message=f"no counterexample on this instance: {why}; use centred labels / raise --dps")
