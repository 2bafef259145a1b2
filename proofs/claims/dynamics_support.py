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
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import strategies as st

from ..registry import claim
from ._common import inconclusive, refuted

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


@claim(ID, label="MATH.md §8 G4", provenance="[D]", paper="Petit-Poon-Peyre 2026 (reconstructed setting [I])",
       statement=r"m\,\mu_0(B)\gg1\ \Rightarrow\ \#\{j:\theta_j(t)\in B\}>0\ \ \forall t\le T",
       assumptions=ASSUMPTIONS,
       instances=[{"name": "sigmoid teacher, m=4000, 5 balls of radius 1", "m": 4000, "T": 4.0,
                   "centers": [[0, 0, 0, 0], [1, 0, 0, 0], [0, -1, 0, 0], [0, 0, 1, 0], [0, 0, 0, -1]],
                   "radius": 1.0}],
       strategy=lambda: st.fixed_dictionaries({
           "name": st.just("hypothesis"), "m": st.integers(2000, 6000), "T": st.floats(0.5, 4.0),
           "seed": st.integers(0, 99), "radius": st.floats(1.0, 1.5),
           "centers": st.lists(st.lists(st.sampled_from([-1, 0, 1]), min_size=4, max_size=4), min_size=1,
                               max_size=4)}))
def check(inst, *, dps=30):
    """Particle counts of balls with m mu_0(B) >> 1 stay positive along the flow (MATH.md §8 G4)."""
    from numerics.dynamics import NetField, ParticleFlow, State

    seed = int(inst.get("seed", 0))
    m, T, dt = int(inst.get("m", 4000)), float(inst.get("T", 4.0)), float(inst.get("dt", 0.1))
    radius = float(inst.get("radius", 1.0))
    centers = [np.asarray(c, dtype=float) for c in inst.get("centers", [[0, 0, 0, 0]])]
    k, d, n = 1, 2, 24
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) / np.sqrt(d)
    Y = NetField(X, np.zeros((n, k))).predict(rng.standard_normal((3, k, 1)) * 2, rng.standard_normal((3, d + 1)) * 2)
    field = NetField(X, Y)
    D = k + d + 1
    if any(len(c) != D for c in centers):
        from .._errors import InvalidArgument

        raise InvalidArgument(f"ball centers must have {D} coordinates (a, w1, w2, b), got "
                              f"{[len(c) for c in centers]}")
    state = State(rng.standard_normal((m, k, 1)), rng.standard_normal((m, d + 1)))
    expected = [m * _gauss_ball_prob(c, radius) for c in centers]

    def points(st_):
        return np.hstack([st_.a.reshape(m, -1), st_.u])

    counts = [[int(np.sum(np.sum((points(state) - c) ** 2, axis=1) < radius ** 2)) for c in centers]]
    times = [0.0]
    witness_base = {"seed": seed, "m": m, "radius": radius, "centers": [c.tolist() for c in centers]}
    # assumption dropped: a ball the law charges but the sample misses already at t = 0
    for i, c in enumerate(centers):
        if counts[0][i] == 0:
            exact = _exact_count(points(state), c, radius)
            if exact == 0:
                return refuted(ID, inst, margin=0, precision="exact (rationals of the float particles)",
                               method="exact count at t = 0", assumptions=ASSUMPTIONS,
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
                        assumptions=ASSUMPTIONS, numerical=True, stats=stats,
                        message=f"smallest ball count over t in [0, {T}]: {margin} (m mu_0(B) = "
                                f"{', '.join(f'{e:.0f}' for e in expected)}): evidence, not a proof{note}")
