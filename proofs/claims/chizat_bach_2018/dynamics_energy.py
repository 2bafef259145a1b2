r"""MATH.md §8 A3 (with the A15 example numbers): forward Euler decreases the energy below the
stability threshold, and can increase it above.

Claim ``euler-step-decreases-energy`` (holds): along the particle flow
:math:`\frac{d}{dt}F_m=-\frac1m\sum_j|u_j'|^2`, and a forward-Euler step of size :math:`\tau` (mean-field
time; a GD step of size :math:`m\tau` on :math:`F_m`, MATH.md §10) decreases :math:`F_m` whenever
:math:`m\tau<2/\mathrm{Lip}(\nabla F_m)` on the segment it crosses (descent lemma).

Claim ``euler-decreases-energy-at-any-step`` (fails, the false variant): the same without the
step-size condition. A15 model, m = 10 at u = 1: :math:`\lambda_{\max}(\nabla^2F_m)=8/m=0.8`, threshold
:math:`\tau<2/(m\lambda_{\max})=1/4`, and :math:`\tau=0.26` makes :math:`F_m` increase.

What is certified:

* ``model: a15`` (:math:`\Omega=\mathbb R`, :math:`\Phi(u)=u^2`, :math:`R(s)=(s-1)^2`, V = 0): the Euler iterates are
  computed from the exact decimal inputs in python-flint balls; the Hessian
  :math:`\frac{8}{m^2}uu^\top+\frac{4(s-1)}{m}I` (:math:`s=\frac1m\sum u_j^2`) has extreme eigenvalues
  :math:`(12s-4)/m` and :math:`4(s-1)/m`, affine in s; along a segment :math:`0\le s\le\max(s_k,s_{k+1})`
  (s is convex there), so :math:`\max(\mathrm{Lip}(s_k),\mathrm{Lip}(s_{k+1}),4/m)` bounds the Lipschitz
  constant on each step's segment. ``proved``: every step satisfies
  :math:`m\tau\,\mathrm{Lip}<2` and :math:`F_{k+1}<F_k` is certified; ``refuted``: some
  :math:`F_{k+1}>F_k` is certified (witness: step index, exact inputs).
* other models (``sigmoid``, ``relu-lift``, ``attention``...), on request (``--instance``; not a default instance,
  since the claim is a theorem and ``escset check`` expects it proved): a float64 run of the engine
  (:mod:`numerics.dynamics`) gives a margin :math:`\min_k(F_k-F_{k+1})` — evidence only, ``inconclusive``
  with ``numerical=True``. An increase seen in floats is recomputed from the exact float state in
  mpmath at ``dps`` and ``2*dps`` digits (generated evaluators, :mod:`proofs.problem.measure`); ``refuted`` only
  if both confirm it.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import strategies as st

from numerics.certified.precision import outward_decimal

from proofs.registry import claim
from proofs.claims._common import inconclusive, proved, refuted

ID = "euler-step-decreases-energy"
ID_FALSE = "euler-decreases-energy-at-any-step"
ASSUMPTIONS = ("R convex and C^2, V = 0", "m tau Lip(grad F_m) < 2 on every step's segment (tau below the "
               "stability threshold)")


# ---------------------------------------------------------------------------
# A15: exact inputs, ball arithmetic
# ---------------------------------------------------------------------------
def a15_threshold_at_minimiser(m: int) -> Fraction:
    """tau* = 2 / (m lambda_max) with lambda_max = 8/m at u = 1 (MATH.md §8 A3): 1/4 for every m."""
    lam = Fraction(8, m)
    return Fraction(2) / (m * lam)


def _a15_lip(s, mm):
    """An upper bound of Lip(grad F_m) = max(|12s - 4|, 4|s - 1|)/m (the extreme Hessian eigenvalues, affine in s)
    valid for every s in the ball ``s`` (upper bounds of the absolute values over the whole ball)."""
    from flint import arb

    return ((12 * s - 4) / mm).abs_upper().max(arb(4) * (s - 1).abs_upper() / mm)


def _a15_balls(u0, m, tau, steps, bits):
    from flint import arb

    from proofs.symbolic.codegen import to_arb
    from numerics.certified.precision import arb_prec

    with arb_prec(bits):
        u = [to_arb(v) for v in u0]
        t = to_arb(tau)
        mm = arb(m)

        def s_of(u):
            return sum((x * x for x in u), arb(0)) / mm

        def lip(s):
            return _a15_lip(s, mm)

        s = s_of(u)
        F = [(s - 1) ** 2]
        worst = None  # max over steps of m tau Lip (the descent lemma needs < 2)
        decided = True
        first_increase = None  # (step, F_k, F_k+1, m tau Lip on that segment)
        min_decrease = None
        for k in range(steps):
            u = [x - 4 * t * x * (s - 1) for x in u]  # Euler: u_j' = -4 u_j (s - 1)
            s_new = s_of(u)
            # Lip on the segment: the eigenvalues (12s-4)/m, 4(s-1)/m are affine in s, and along the
            # segment s ranges in [0, max(s_k, s_k+1)] at most (s >= 0 is convex there): endpoints + s = 0
            cond = mm * t * lip(s).max(lip(s_new)).max(arb(4) / mm)
            worst = cond if worst is None else worst.max(cond)
            Fn = (s_new - 1) ** 2
            dec = F[-1] - Fn
            min_decrease = dec if min_decrease is None else min_decrease.min(dec)
            if dec < 0:
                if first_increase is None:
                    first_increase = (k, F[-1], Fn, cond)
            elif not dec > 0:
                decided = False
            F.append(Fn)
            s = s_new
        return F, worst, decided, first_increase, min_decrease


def _check_a15(inst, claim_id, dps):
    m = int(inst.get("m", 10))
    u0 = inst.get("u0", "0.9")
    u0 = [str(v) for v in u0] if isinstance(u0, (list, tuple)) else [str(u0)] * m
    if len(u0) != m:
        from proofs.errors import InvalidArgument

        raise InvalidArgument(f"u0 has {len(u0)} particles but m = {m}; give one value or m values")
    tau = str(inst.get("tau", "0.24"))
    steps = int(inst.get("steps", 100))
    thr = a15_threshold_at_minimiser(m)
    drop = inst.get("drop") == "step-size" or claim_id == ID_FALSE
    # interval dependency makes ball radii grow by a bounded factor per step: give ~3 bits per step
    base = max(128, 3 * steps + 64)
    for bits in (base, 2 * base, 4 * base):
        F, cond, decided, inc, min_dec = _a15_balls(u0, m, tau, steps, bits)
        if inc is not None or decided:
            break
    witness = {"model": "a15", "m": m, "u0": u0, "tau": tau, "steps": steps}
    statement = (f"A15 model (Phi(u) = u^2, R(s) = (s-1)^2, V = 0), m = {m}, u(0) = {u0}, tau = {tau}: each of the "
                 f"{steps} Euler steps " + ("decreases F_m (no step-size condition)" if drop else
                                            "with m tau Lip(grad F_m) < 2 on its segment decreases F_m"))
    info = (f"threshold at the minimiser tau* = 2/(m lambda_max) = {thr} (lambda_max = {Fraction(8, m)}); "
            f"max_k m tau Lip_k = {outward_decimal(cond.upper(), True, 6)}")
    if inc is not None:
        k, Fk, Fk1, ck = inc
        if drop or ck < 2:
            why = ("the step-size condition is not assumed" if drop else
                   "the descent-lemma condition holds on that segment: a genuine counterexample")
            return refuted(claim_id, inst, margin=(Fk - Fk1), precision=f"arb {bits} bits",
                           method="Euler iterates in balls from exact inputs", assumptions=ASSUMPTIONS,
                           witness=dict(witness, step=k, F_k=Fk.mid().str(20, radius=False),
                                        F_k_plus_1=Fk1.mid().str(20, radius=False),
                                        m_tau_Lip=ck.mid().str(10, radius=False)),
                           scope="instance", statement=statement,
                           message=f"F_m increases at step {k} (certified; {why}): {info}")
        return inconclusive(claim_id, inst, margin=(Fk - Fk1), precision=f"arb {bits} bits",
                            method="Euler iterates in balls", assumptions=ASSUMPTIONS, witness=witness,
                            scope="instance", statement=statement,
                            message=f"F_m increases at step {k}, where m tau Lip = {ck.mid().str(6, radius=False)}"
                                    f" is not < 2: the assumption fails on this trajectory; lower tau. {info}")
    if decided and cond < 2:
        return proved(claim_id, inst, margin=min_dec, precision=f"arb {bits} bits",
                      method="Euler iterates in balls + descent lemma condition on every segment",
                      assumptions=ASSUMPTIONS, witness=witness, scope="instance", statement=statement,
                      message=f"all {steps} steps decrease F_m (certified) and satisfy m tau Lip < 2; {info}")
    return inconclusive(claim_id, inst, margin=min_dec, precision=f"arb {bits} bits", method="Euler iterates in balls",
                        assumptions=ASSUMPTIONS, witness=witness, scope="instance", statement=statement,
                        message=("the step-size condition m tau Lip < 2 is not certified on every segment; "
                                 if not cond < 2 else f"some decrease undecided at {bits} bits; ")
                        + f"lower tau or fewer steps. {info}")


# ---------------------------------------------------------------------------
# general models: float run, mpmath confirmation
# ---------------------------------------------------------------------------
def _teacher_problem(inst):
    from numerics.dynamics import State
    from proofs.dynamics import field_for

    from proofs.problem.teacher import teacher_data

    model = inst.get("model", "sigmoid")
    seed = int(inst.get("seed", 0))
    n, m, k, d = int(inst.get("n", 16)), int(inst.get("m", 20)), int(inst.get("k", 1)), int(inst.get("d", 2))
    rng = np.random.default_rng(seed)
    X, Y = teacher_data(lambda X, Y: field_for(model, X, Y, activation=inst.get("activation"), fused=False), rng,
                        n=n, m0=3, k=k, q=1, p_u=d + 1, p_x=d)
    field = field_for(model, X, Y, activation=inst.get("activation"), fused=False)
    scale = float(inst.get("scale", 1.0))
    state = State(rng.standard_normal((m, k, 1)) * scale, rng.standard_normal((m, d + 1)) * scale)
    return field, state, X, Y


def _mp_step_increase(inst, X, Y, a, u, tau, dps):
    """F(theta + tau v(theta)) - F(theta) in mpmath at dps digits, from the exact float state."""
    import mpmath

    from proofs.problem.measure import Dataset, Measure, loss, velocity
    from proofs.symbolic.models import get_model
    from numerics.certified.precision import workdps

    m = len(u)
    model = get_model(inst.get("model", "sigmoid"), k=a.shape[1], d=X.shape[1], activation=inst.get("activation"))
    with workdps(dps):
        data = Dataset(X=[[mpmath.mpf(float(v)) for v in row] for row in X],
                       Y=[[mpmath.mpf(float(v)) for v in row] for row in Y])
        A = [[[mpmath.mpf(float(v)) for v in r] for r in aj] for aj in a]
        U = [[mpmath.mpf(float(v)) for v in uj] for uj in u]
        mass = [mpmath.mpf(1) / m] * m
        mu = Measure(a=A, u=U, mass=mass)
        F0 = loss(model, mu, data, "mpmath")
        va, vu = velocity(model, mu, data, "mpmath")
        t = mpmath.mpf(Fraction(tau).numerator) / Fraction(tau).denominator
        A1 = [[[x + t * y for x, y in zip(r, rv)] for r, rv in zip(aj, vj)] for aj, vj in zip(A, va)]
        U1 = [[x + t * y for x, y in zip(uj, vj)] for uj, vj in zip(U, vu)]
        F1 = loss(model, Measure(a=A1, u=U1, mass=mass), data, "mpmath")
        return F1 - F0


def _check_numeric(inst, claim_id, dps):
    from numerics.dynamics import ParticleFlow

    field, state, X, Y = _teacher_problem(inst)
    tau = str(inst.get("tau", "0.1"))
    steps = int(inst.get("steps", 200))
    flow = ParticleFlow(field, dt=float(Fraction(tau)), method="euler")
    Fs, states = [], []
    s = state
    for _ in range(steps + 1):
        Fs.append(field.loss(*s))
        states.append(s)
        if len(Fs) >= 2 and Fs[-1] > Fs[-2]:
            break
        s = flow.step(s)
    dec = -np.diff(np.asarray(Fs))
    margin = float(dec.min()) if len(dec) else None
    witness = {k: inst[k] for k in inst if k != "name"}
    drop = inst.get("drop") == "step-size" or claim_id == ID_FALSE
    statement = (f"{inst.get('model', 'sigmoid')} network on teacher data (seed {inst.get('seed', 0)}, n = "
                 f"{inst.get('n', 16)}, m = {inst.get('m', 20)}), tau = {tau}: each of the {steps} Euler steps "
                 + ("decreases F_m (no step-size condition)" if drop else
                    "decreases F_m (the step-size condition m tau Lip < 2 is not verified for this model)"))
    if len(dec) and dec[-1] < 0:
        kbad = len(dec) - 1
        a, u = states[kbad]
        d1 = _mp_step_increase(inst, X, Y, a, u, tau, dps)
        d2 = _mp_step_increase(inst, X, Y, a, u, tau, 2 * dps)
        if d1 > 0 and d2 > 0 and not drop:
            return inconclusive(claim_id, inst, margin=-float(d2), precision=f"mpmath {dps} and {2 * dps} dps",
                                method="float64 Euler run", assumptions=ASSUMPTIONS, numerical=True,
                                scope="instance", statement=statement,
                                message=f"F_m increases at step {kbad} (confirmed in mpmath) but the step-size "
                                        "condition is not verified for this model: lower tau, or use model a15")
        if d1 > 0 and d2 > 0:
            return refuted(claim_id, inst, margin=-float(d2), precision=f"mpmath {dps} and {2 * dps} dps",
                           method="float64 Euler run, the violating step recomputed in mpmath",
                           assumptions=ASSUMPTIONS, numerical=False, scope="instance", statement=statement,
                           witness=dict(witness, step=kbad, state_a=[float(v).hex() for v in a.ravel()],
                                        state_u=[float(v).hex() for v in u.ravel()],
                                        increase=str(d2)),
                           message=f"F_m increases at Euler step {kbad} (confirmed at {dps} and {2 * dps} digits)")
        return inconclusive(claim_id, inst, margin=margin, precision="float64", method="float64 Euler run",
                            assumptions=ASSUMPTIONS, numerical=True, scope="instance", statement=statement,
                            message="a float64 increase was not confirmed in mpmath (rounding-level); lower tau")
    return inconclusive(claim_id, inst, margin=margin, precision="float64", method="float64 Euler run",
                        assumptions=ASSUMPTIONS, numerical=True, scope="instance", statement=statement,
                        message=f"F_m decreased at all {steps} float64 steps (min decrease {margin:.3e}): "
                                "evidence, not a proof; use model a15 for a certified instance")


def _check(inst, claim_id, dps):
    if inst.get("model", "a15") == "a15":
        return _check_a15(inst, claim_id, dps)
    return _check_numeric(inst, claim_id, dps)


def _strategy():
    return st.fixed_dictionaries({
        "name": st.just("hypothesis a15"), "model": st.just("a15"), "m": st.integers(2, 12),
        "u0": st.decimals("0.5", "1.05", places=2).map(str), "tau": st.decimals("0.01", "0.2", places=2).map(str),
        "steps": st.integers(5, 40)})


@claim(ID, label="A3", provenance="[D]", paper="Chizat-Bach 2018",
       source="Proposition 2.3 (energy dissipation of the particle gradient flow); the step-size threshold is derived here",
       description="forward Euler in mean-field time decreases F_m when m tau Lip(grad F_m) < 2",
       statement=r"m\tau\,\mathrm{Lip}(\nabla F_m)<2\ \Rightarrow\ F_m(u-\tau\,m\nabla F_m(u))<F_m(u)",
       assumptions=ASSUMPTIONS,
       instances=[{"name": "A15 m=10, u0=0.995, tau=0.24 < 1/4", "model": "a15", "m": 10, "u0": "0.995",
                   "tau": "0.24", "steps": 100},
                  {"name": "A15 m=4, spread start, tau=0.1", "model": "a15", "m": 4,
                   "u0": ["0.5", "0.8", "1.1", "0.3"], "tau": "0.1", "steps": 60}],
       strategy=_strategy)
def check(inst, *, dps=30):
    """Euler decreases the energy below the stability threshold (MATH.md §8 A3)."""
    return _check(inst, ID, dps)


@claim(ID_FALSE, label="A3 (false variant)", provenance="[D]",
       paper="Chizat-Bach 2018",
       source="false variant of A3 (no step-size condition); witness: tau = 0.26 in the model Phi(u) = u^2, R(s) = (s - 1)^2",
       description="false: forward Euler decreases F_m at every step size",
       statement=r"F_m(u-\tau\,m\nabla F_m(u))\le F_m(u)\ \text{for every }\tau>0",
       assumptions=("R convex and C^2, V = 0",), expected="fails",
       instances=[{"name": "A15 m=10, u0=0.99, tau=0.26 > 1/4", "model": "a15", "m": 10, "u0": "0.99",
                   "tau": "0.26", "steps": 20}],
       strategy=lambda: st.fixed_dictionaries({
           "name": st.just("hypothesis a15 large tau"), "model": st.just("a15"), "m": st.integers(2, 12),
           "u0": st.decimals("0.9", "1.1", places=3).map(str), "tau": st.decimals("0.26", "0.6", places=2).map(str),
           "steps": st.integers(5, 30)}))
def check_false(inst, *, dps=30):
    """Euler decreases the energy at any step size (false: MATH.md §8 A3, tau = 0.26 in the A15 model)."""
    return _check(inst, ID_FALSE, dps)
