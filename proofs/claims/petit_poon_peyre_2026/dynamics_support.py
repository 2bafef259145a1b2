r"""MATH.md §8 G4 (and A13): full support is kept along the flow.

The flow map :math:`\theta\mapsto\theta(t)` of a locally Lipschitz velocity field is a homeomorphism, so
:math:`\mathrm{supp}\,\mu_t=\phi_t(\mathrm{supp}\,\mu_0)`: a full-support initial law keeps full support.
This is a property of the law, not of samples (A13). The sample version checked here: for a fixed
ball :math:`B` with :math:`m\,\mu_0(B)\gg1` (assumption; default :math:`\ge20`), the number of the m
particles inside B stays positive at every simulated time.

What is checked (numerical, ``inconclusive`` with ``numerical=True``): i.i.d. N(0, I) particles of a
sigmoid network on teacher data, an Euler run of the engine, the particle counts of the balls at every
diagnostic time; margin = the smallest count. :math:`\mu_0(B)` is the non-central chi-square probability
(scipy). Dropping :math:`m\mu_0(B)\gg1` (a ball far in the tail) is refuted at t = 0 with an exact
witness: the count 0 is re-established in exact rational arithmetic on the particles' float values
(every float is an exact rational), so the empirical measure misses a ball that the law charges.

``model: a15`` (:math:`\Phi(u)=u^2`, :math:`R(s)=(s-1)^2`, particles on the line) runs the exact flow in closed form:
every particle moves as :math:`u_j(t)=\lambda(t)u_j(0)` (sympy-checked against the velocity derived from R and
Phi), so the count of a ball at time t depends on :math:`\lambda(t)` only, and an exact sweep over
:math:`\lambda\in[1,\lambda(T)]` either covers that range (``proved``, scope ``instance``: every t in [0, T], this
sample) or finds a scaling where the ball is empty (``refuted`` with the exact time :math:`t^*` and positions;
the dropped-assumption test uses a ball that holds a particle at t = 0 and is emptied by the flow). That the closed
form solves the particle ODE is computed; that it is the flow uses uniqueness for the polynomial (locally Lipschitz)
field.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import sympy as sp
from hypothesis import strategies as st

from proofs.registry import claim
from proofs.claims._common import inconclusive, proved, refuted

ID = "full-support-kept"
ASSUMPTIONS = ("locally Lipschitz velocity field (the flow map is a homeomorphism)",
               "balls with m mu_0(B) >> 1 (here >= 20)")
MIN_EXPECTED = 20.0


def _gauss_ball_prob(center, radius):
    """mu_0(B(center, radius)) for mu_0 = N(0, I): non-central chi-square CDF."""
    from scipy.stats import chi2, ncx2

    D = len(center)
    nc = float(np.sum(np.square(center)))
    return float(ncx2.cdf(radius * radius, D, nc)) if nc > 0 else float(chi2.cdf(radius * radius, D))


def _exact_count(points, center, radius):
    c = [Fraction(float(v)) for v in center]
    r2 = Fraction(float(radius)) ** 2
    cnt = 0
    for p in points:
        d2 = sum((Fraction(float(x)) - ci) ** 2 for x, ci in zip(p, c))
        cnt += d2 < r2
    return cnt


#: the A15 model's exact flow: two balls with m mu_0(B) ~ 64 each, non-empty at every t in [0, 1] (proved)
A15_G4 = {"name": "A15 exact flow, m=200, balls +/-0.3 of radius 0.2", "model": "a15", "m": 200, "T": "1",
          "scale": 0.3, "centers": [["0.3"], ["-0.3"]], "radius": "0.2"}


def a15_scaling_flow():
    """(t, s0, lam(t), residual): in the A15 model every particle moves as u_j(t) = lam(t) u_j(0) with
    lam = (s0 + (1 - s0) e^{-8t})^{-1/2}, s0 = (1/m) sum u_j(0)^2; the residual of u' = v_mu(u) (the velocity
    derived from R(s) = (s-1)^2, Phi(u) = u^2, s = s0 lam^2) and lam(0) - 1, both 0 (sympy)."""
    t = sp.Symbol("t", nonnegative=True)
    s0, s = sp.symbols("s0 s", positive=True)
    x, c = sp.symbols("x c", real=True)
    lam = (s0 + (1 - s0) * sp.exp(-8 * t)) ** sp.Rational(-1, 2)
    R, Phi = (s - 1) ** 2, x ** 2
    v = -sp.diff(sp.diff(R, s) * Phi, x)                       # velocity of mu at x
    uj = c * lam                                               # a particle started at c
    residual = sp.simplify(sp.diff(uj, t) - v.subs({s: s0 * lam ** 2, x: uj}))
    return t, s0, lam, sp.simplify(residual), sp.simplify(lam.subs(t, 0) - 1)


def _inside_intervals(u0s, lo, hi):
    """For each particle u_j(0), the open set of scalings lam > 0 with lo < lam u_j(0) < hi (an interval)."""
    out = []
    for uj in u0s:
        if uj > 0:
            out.append((max(lo / uj, Fraction(0)), hi / uj))
        elif uj < 0:
            out.append((max(hi / uj, Fraction(0)), lo / uj))
        elif lo < 0 < hi:
            out.append((Fraction(0), None))  # None: +oo
    return [(a, b) for a, b in out if b is None or a < b]


def _first_gap(intervals, A, B):
    """The least lam in [A, B] covered by none of the open intervals, or None if they cover [A, B] (exact sweep)."""
    cur = A
    while cur <= B:
        reach = [b for a, b in intervals if a < cur and (b is None or b > cur)]
        if not reach:
            return cur
        if any(b is None for b in reach):
            return None
        cur = max(reach)
    return None


def _check_a15(inst):
    """G4 on the A15 model: the exact flow (closed form), a certified cover of [0, T] or an exact empty time."""
    from flint import arb
    from scipy.stats import norm

    from proofs.symbolic.codegen import to_arb
    from numerics.certified.precision import arb_prec

    m, T = int(inst.get("m", 200)), Fraction(str(inst.get("T", "1")))
    sigma, seed = float(inst.get("scale", 0.3)), int(inst.get("seed", 0))
    radius = Fraction(str(inst.get("radius", "0.1")))
    centers = [Fraction(str(c[0] if isinstance(c, (list, tuple)) else c)) for c in inst.get("centers", [[0]])]
    rng = np.random.default_rng(seed)
    u0s = [Fraction(round(float(v) * 10 ** 4), 10 ** 4) for v in rng.standard_normal(m) * sigma]
    s0 = sum(v * v for v in u0s) / m
    t, s0s, lam, residual, init = a15_scaling_flow()
    statement = (f"A15 model (Phi(u) = u^2, R(s) = (s-1)^2), m = {m} particles u_j(0) (seed {seed}, N(0, {sigma}^2) "
                 f"rounded to 4 decimals), exact flow u_j(t) = lam(t) u_j(0): #{{j: u_j(t) in B}} > 0 for every t in "
                 f"[0, {T}] and every ball B = ({', '.join(str(c) for c in centers)}) +/- {radius}")
    kw = dict(assumptions=ASSUMPTIONS, scope="instance", statement=statement)
    expected = [m * float(norm.cdf(float(c + radius), scale=sigma) - norm.cdf(float(c - radius), scale=sigma))
                for c in centers]
    stats = {"s0": str(s0), "m_mu0_B": expected, "flow_residual": str(residual)}
    if residual != 0 or init != 0:
        return inconclusive(ID, inst, precision="sympy", method="closed-form flow", stats=stats, **kw,
                            message="sympy did not verify the closed-form flow; simplify by hand")
    with arb_prec(256):
        lamT = (to_arb(s0) + (1 - to_arb(s0)) * (arb(-8) * to_arb(T)).exp()).rsqrt()
    from numerics.certified.precision import outward_decimal

    lam_lo = min(Fraction(1), Fraction(outward_decimal(lamT, False, 25)))
    lam_hi = max(Fraction(1), Fraction(outward_decimal(lamT, True, 25)))
    stats["lam(T)"] = lamT.str(15)
    counts0 = []
    for bi, c in enumerate(centers):
        lo, hi = c - radius, c + radius
        counts0.append(sum(lo < v < hi for v in u0s))
        gap = _first_gap(_inside_intervals(u0s, lo, hi), lam_lo, lam_hi)
        if gap is None:
            continue
        # a scaling lam* with no particle in B: certify that it is reached by the flow on [0, T]
        reached = (gap == 1) or (to_arb(gap) < lamT if lamT > 1 else to_arb(gap) > lamT)
        if not reached:
            return inconclusive(ID, inst, precision="arb 256 bits", method="closed-form flow, exact sweep", stats=stats,
                                **kw, message=f"ball {bi}: the empty scaling {gap} is not separated from lam(T) at "
                                              "256 bits; change T")
        t_star = sp.nsimplify(-sp.log((1 / sp.Rational(gap.numerator, gap.denominator) ** 2
                                       - sp.Rational(s0.numerator, s0.denominator))
                                      / (1 - sp.Rational(s0.numerator, s0.denominator))) / 8)
        pos = [gap * v for v in u0s]
        assert not any(lo < p_ < hi for p_ in pos)  # exact: the ball is empty at t*
        return refuted(ID, inst, margin=0, precision="exact (rationals) + arb 256 bits",
                       method="closed-form flow u_j(t) = lam(t) u_j(0), exact sweep over lam in [1, lam(T)]",
                       witness={"ball": bi, "center": str(c), "radius": str(radius), "lam*": str(gap),
                                "t*": str(t_star), "count at t = 0": counts0[-1], "count at t*": 0,
                                "m mu_0(B)": expected[bi], "seed": seed, "m": m, "sigma": sigma}, stats=stats, **kw,
                       message=f"ball {bi} ({c} +/- {radius}, m mu_0(B) = {expected[bi]:.3g}) holds {counts0[-1]} "
                               f"particle(s) at t = 0 but none at t* = {t_star} (u_j(t*) = {gap} u_j(0), exact), "
                               "although mu_t(B) > 0: full support is a property of the law, not of samples (A13)")
    low = [i_ for i_, e in enumerate(expected) if e < MIN_EXPECTED]
    return proved(ID, inst, margin=min(counts0), precision="exact (rationals) + arb 256 bits",
                  method="closed-form flow u_j(t) = lam(t) u_j(0), exact cover of lam in [1, lam(T)]",
                  stats=stats, **kw,
                  message=f"every ball is non-empty at every t in [0, {T}]: the particles' entry intervals cover the "
                          f"scalings [{lam_lo}, {lam_hi}] ⊇ lam([0, {T}]) (exact sweep)"
                          + (f"; balls {low} have m mu_0(B) < {MIN_EXPECTED}" if low else ""))


@claim(ID, label="G4", provenance="[D]", paper="Petit-Poon-Peyre 2026",
       source="reconstructed setting (full support of the initial law is kept by a homeomorphic flow); checked on samples",
       description="particle counts of balls with m mu_0(B) >> 1 stay positive along the flow",
       statement=r"m\,\mu_0(B)\gg1\ \Rightarrow\ \#\{j:\theta_j(t)\in B\}>0\ \ \forall t\le T",
       assumptions=ASSUMPTIONS, numerical=True,
       instances=[{"name": "sigmoid teacher, m=4000, 5 balls of radius 1", "m": 4000, "T": 4.0,
                   "centers": [[0, 0, 0, 0], [1, 0, 0, 0], [0, -1, 0, 0], [0, 0, 1, 0], [0, 0, 0, -1]],
                   "radius": 1.0},
                  A15_G4],
       strategy=lambda: st.fixed_dictionaries({
           "name": st.just("hypothesis"), "m": st.integers(2000, 6000), "T": st.floats(0.5, 4.0),
           "seed": st.integers(0, 99), "radius": st.floats(1.0, 1.5),
           "centers": st.lists(st.lists(st.sampled_from([-1, 0, 1]), min_size=4, max_size=4), min_size=1,
                               max_size=4)}))
def check(inst, *, dps=30):
    """Particle counts of balls with m mu_0(B) >> 1 stay positive along the flow (MATH.md §8 G4)."""
    if inst.get("model") == "a15":
        return _check_a15(inst)
    from numerics.dynamics import ParticleFlow, State
    from proofs.dynamics import NetField

    from proofs.problem.teacher import teacher_data

    seed = int(inst.get("seed", 0))
    m, T, dt = int(inst.get("m", 4000)), float(inst.get("T", 4.0)), float(inst.get("dt", 0.1))
    radius = float(inst.get("radius", 1.0))
    centers = [np.asarray(c, dtype=float) for c in inst.get("centers", [[0, 0, 0, 0]])]
    k, d, n = 1, 2, 24
    rng = np.random.default_rng(seed)
    X, Y = teacher_data(NetField, rng, n=n, m0=3, k=k, q=1, p_u=d + 1, p_x=d, x_scale=np.sqrt(d), scale=2)
    field = NetField(X, Y)
    D = k + d + 1
    if any(len(c) != D for c in centers):
        from proofs.errors import InvalidArgument

        raise InvalidArgument(f"ball centers must have {D} coordinates (a, w1, w2, b), got "
                              f"{[len(c) for c in centers]}")
    state = State(rng.standard_normal((m, k, 1)), rng.standard_normal((m, d + 1)))
    expected = [m * _gauss_ball_prob(c, radius) for c in centers]

    def points(st_):
        return np.hstack([st_.a.reshape(m, -1), st_.u])

    counts = [[int(np.sum(np.sum((points(state) - c) ** 2, axis=1) < radius ** 2)) for c in centers]]
    times = [0.0]
    statement = (f"sigmoid network on teacher data (seed {seed}, n = {n}), m = {m} i.i.d. N(0, I) particles, "
                 f"Euler dt = {dt}: #{{j: theta_j(t) in B}} > 0 at the diagnostic times t in [0, {T}] for the balls "
                 f"of radius {radius} at {[c.tolist() for c in centers]}")
    witness_base = {"seed": seed, "m": m, "radius": radius, "centers": [c.tolist() for c in centers]}
    # assumption dropped: a ball the law charges but the sample misses already at t = 0
    for i, c in enumerate(centers):
        if counts[0][i] == 0:
            exact = _exact_count(points(state), c, radius)
            if exact == 0:
                return refuted(ID, inst, margin=0, precision="exact (rationals of the float particles)",
                               method="exact count at t = 0", assumptions=ASSUMPTIONS, scope="instance",
                               statement=statement,
                               witness=dict(witness_base, ball=i, count=0, m_mu0_B=expected[i]),
                               message=f"ball {i} (center {c.tolist()}, radius {radius}) has mu_0(B) = "
                                       f"{expected[i] / m:.3e} > 0 but holds none of the m = {m} particles at t = 0 "
                                       f"(m mu_0(B) = {expected[i]:.3g}): full support is a property of the law, "
                                       "not of samples (A13)")
    steps = int(round(T / dt))
    every = max(1, steps // 10)

    def cb(s, st_, _loss):
        P = points(st_)
        counts.append([int(np.sum(np.sum((P - c) ** 2, axis=1) < radius ** 2)) for c in centers])
        times.append(s * dt)

    ParticleFlow(field, dt=dt).run(state, steps, every=every, callback=cb)
    low = [i for i, e in enumerate(expected) if e < MIN_EXPECTED]
    margin = int(np.min(counts))
    stats = {"times": times, "counts": counts, "m_mu0_B": expected}
    note = (f"; balls {low} have m mu_0(B) < {MIN_EXPECTED}: outside the assumption" if low else "")
    return inconclusive(ID, inst, margin=margin, precision="float64", method="particle counts along an Euler run",
                        assumptions=ASSUMPTIONS, numerical=True, stats=stats, scope="instance",
                        statement=statement, message=f"smallest ball count over t in [0, {T}]: {margin} (m mu_0(B) = "
                                f"{', '.join(f'{e:.0f}' for e in expected)}): evidence, not a proof{note}")
