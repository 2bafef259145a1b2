r"""False variant: "the sigmoid network with finite training data satisfies Chizat–Bach's boundary condition (i)".

Boundary condition (i) of the partially 1-homogeneous theorem (Chizat–Bach 2018, Assumption 3.4 (i)) asks that for
every residual :math:`f` the map :math:`\vartheta\mapsto g_f(r\vartheta)` converge in :math:`C^1` of the unit sphere as
:math:`r\to\infty`. For a sigmoid network on finitely many inputs, :math:`g_f(r\vartheta)=\frac1n\sum_if_i\,s(r\,\vartheta\cdot\tilde x_i)`
tends to the piecewise-constant map :math:`\frac1n\sum_if_i\mathbf 1\{\vartheta\cdot\tilde x_i>0\}`, which jumps on the
great circles :math:`\vartheta\cdot\tilde x_i=0`: a :math:`C^1` limit is impossible, and the angular derivative at a jump
grows like :math:`r` (derived here [D]).

What is checked (rigorously, python-flint balls): with :math:`\tilde x_i=(x_i,1)\in\mathbb R^2`,
:math:`\vartheta(\varphi)=(\cos\varphi,\sin\varphi)` and :math:`\varphi_1` the angle of the jump of the first point
(:math:`\vartheta\cdot\tilde x_1=0`, enclosed as a ball), the derivative
:math:`\partial_\varphi g_r(\varphi_1)=\frac rn\sum_if_i\,s'(r\,\vartheta\cdot\tilde x_i)\,\vartheta'\cdot\tilde x_i` is enclosed
for :math:`r=10,10^2,\dots,10^6`; a certified lower bound :math:`|\partial_\varphi g_r(\varphi_1)|\ge c\,r` with one
:math:`c>0` for every such r refutes every uniform :math:`C^1` bound up to :math:`c\cdot10^6` (and the limit's jump
:math:`|f_1|/n` across the circle is enclosed too). The refutation is about the instance (this data and residual).
Dropping "f_1 != 0" (no residual at the jumping point) leaves the derivative bounded: then nothing is refuted.
"""
from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

from proofs.claims._common import inconclusive, refuted
from proofs.registry import claim

ID = "sigmoid-boundary-condition-finite-data"
ASSUMPTIONS = ("sigmoid features s(theta . (x, 1)) with bias, finitely many inputs x_i",
               "a residual f with f_1 != 0 at the point whose jump circle is probed",
               "boundary condition (i): g_f(r .) converges in C^1 of the sphere as r -> oo")
RS = (10, 100, 1000, 10 ** 4, 10 ** 5, 10 ** 6)


def derivative_at_jump(xs, fs, r, *, prec=128):
    """Ball enclosure of d/dphi g_r(phi) at the jump angle of the first point (and the angle itself)."""
    from flint import arb, ctx

    old = ctx.prec
    ctx.prec = prec
    try:
        n = len(xs)
        x1 = arb(Fraction(xs[0]).numerator) / Fraction(xs[0]).denominator
        # theta . (x1, 1) = cos(phi) x1 + sin(phi) = 0  <=>  phi = atan2(-x1, 1) (the jump circle of point 1)
        phi = (-x1).atan()
        c, s = phi.cos(), phi.sin()
        d = arb(0)
        for x, f in zip(xs, fs):
            xq, fq = Fraction(x), Fraction(f)
            xa, fa = arb(xq.numerator) / xq.denominator, arb(fq.numerator) / fq.denominator
            z = r * (c * xa + s)
            sig = 1 / (1 + (-z).exp())
            dz = r * (-s * xa + c)  # d/dphi of r theta . (x, 1)
            d = d + fa * sig * (1 - sig) * dz
        return d / n, phi
    finally:
        ctx.prec = old


@claim(ID, label="§9 F9", provenance="[D]", paper="Chizat-Bach 2018",
       source="Assumption 3.4 (i) and the sigmoid application of Section 4 (the failure for finite data is derived)",
       description="false variant: finite-data sigmoid networks satisfy the C^1 boundary condition (i)",
       statement=r"\vartheta\mapsto\tfrac1n\sum_if_i\,s(r\vartheta\cdot\tilde x_i)\ \text{converges in }C^1(\mathbb S^1)"
                 r"\text{ as }r\to\infty",
       assumptions=ASSUMPTIONS, expected="fails",
       instances=[{"name": "n=2 in R^2, x = (-1/2, 1), f = (1, -1)", "x": ["-0.5", "1"], "f": ["1", "-1"]},
                  {"name": "n=3, x = (0.3, -1, 2), f = (0.5, 1, -2)", "x": ["0.3", "-1", "2"],
                   "f": ["0.5", "1", "-2"]}],
       strategy=lambda: st.fixed_dictionaries({
           "name": st.just("hypothesis"),
           "x": st.lists(st.integers(-20, 20).map(lambda v: str(Fraction(v, 10))), min_size=2, max_size=4,
                         unique=True),
           "f": st.lists(st.integers(1, 9).map(lambda v: str(Fraction(v, 4))), min_size=4, max_size=4)}))
def check(inst, *, dps=30):
    """Refute the C^1 boundary condition for finite data: the derivative at a jump grows like r (balls)."""
    xs = [str(v) for v in inst["x"]]
    fs = [str(v) for v in inst["f"]][:len(xs)]
    if len(fs) < len(xs):
        fs = fs + ["0"] * (len(xs) - len(fs))
    n = len(xs)
    statement = (f"g_r(phi) = (1/{n}) sum_i f_i s(r (cos(phi) x_i + sin(phi))) with x = {xs}, f = {fs}: the "
                 "derivative in phi at the jump circle of x_1 stays bounded as r -> oo (needed for C^1 convergence)")
    from proofs.analyze.balls import _lo

    rows, ok = [], True
    for r in RS:
        d, phi = derivative_at_jump(xs, fs, r, prec=max(128, 4 * dps))
        lb = (abs(d) / r).lower()
        rows.append({"r": r, "derivative_lower": _lo(abs(d), 10), "derivative_over_r_lower": _lo(lb, 10)})
        ok = ok and bool(lb > 0)
    if ok:
        # one constant c for every r: the smallest certified lower bound of |d|/r; linear growth means it does
        # not collapse as r grows (with f_1 = 0 the ratio decays to 0 and nothing is refuted)
        ratios = [Fraction(row["derivative_over_r_lower"]) for row in rows]
        cmin = min(ratios)
        if cmin > 0 and cmin * 100 >= ratios[0]:
            return refuted(ID, inst, margin=str(cmin), precision=f"arb {max(128, 4 * dps)} bits",
                           method="ball enclosure of the angular derivative at the jump circle", scope="instance",
                           assumptions=ASSUMPTIONS, statement=statement + ": fails",
                           witness={"x": xs, "f": fs, "phi": "atan(-x_1) (the jump circle of x_1)", "r": list(RS),
                                    "rows": rows},
                           message=f"certified |d/dphi g_r| >= {float(cmin):.6g} * r at the jump for r = 10 .. 1e6 "
                                   f"(python-flint balls): the derivative blows up like r, so g_r cannot converge in "
                                   "C^1 (its limit jumps on the circle)")
    return inconclusive(ID, inst, method="ball enclosure of the angular derivative", scope="instance",
                        assumptions=ASSUMPTIONS, statement=statement, witness={"rows": rows},
                        message="no certified linear growth of the derivative at the jump (f_1 = 0 or the "
                                "enclosures straddle 0): nothing refuted; raise the precision or pick another point")
