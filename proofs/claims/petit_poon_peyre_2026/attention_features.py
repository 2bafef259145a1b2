r"""MATH.md §8 G1 and G6: attention features are bounded and linear in the value weights; multi-head identity.

G1. For tokens :math:`X\in\mathbb R^{L\times p}`, :math:`A\in\mathbb R^{p\times p}`, :math:`B\in\mathbb R^{p\times k}`:
every row of :math:`P=\mathrm{softmax}(XAX^\top)` is a probability vector, hence

.. math:: \|PXB\|_F\le\sqrt L\,\max_l\|x_l\|\,\|B\|_{\rm op},\qquad \Phi(A,tB)=t\,\Phi(A,B).

What is certified: "rows sum to 1" and linearity in B are PROVED by sympy for all inputs (symbolic L, p given by
the instance); the norm bound is PROVED on the instance only (scope ``instance``: these X, A, B) by python-flint
balls (upper bound of the left side below a certified lower bound of the right side,
:math:`\|B\|_{\rm op}\ge\|Bv\|/\|v\|`). Dropping the softmax normalisation (``normalize=False``) is refuted on an
instance with a ball-certified violation (right side bounded above with :math:`\|B\|_{\rm op}\le\|B\|_F`). The
sqrt(L) factor is tight: on the instance ``TIGHT_G1`` (softmax concentrated on the longest token, aligned with the
top singular direction of B) the bound holds with ratio 1 - O(e^-15), and the bound without sqrt(L)
(``drop="sqrt-L"``) is refuted.

G6. :math:`\mathrm{Concat}(h_1,\dots,h_H)W_O=\sum_h h_hW_O^{(h)}` with :math:`W_O^{(h)}` the h-th block of rows:
PROVED by sympy for the instance's sizes with symbolic entries. Pairing head h with the wrong block
(``blocks="reversed"``) is refuted with an exact integer witness.
"""
from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
import sympy as sp
from hypothesis import strategies as st

from numerics.certified.precision import outward_decimal

from proofs.symbolic.functions import softmax_w
from proofs.symbolic.codegen import to_arb
from proofs.registry import claim
from proofs.claims._common import inconclusive, model_from, proved, refuted
from proofs.prove.zero import symbolic_zero
from numerics.certified.precision import arb_prec

ID_G1 = "attention-feature-bounded-linear"
ID_G6 = "multihead-concat-identity"
A_G1 = ("softmax normalisation (rows are probability vectors)", "output linear in B")
A_G6 = ("W_O split into row blocks, block h paired with head h",)


#: an instance where sqrt(L) is tight: A = 60 e1 e1^T concentrates every softmax row on token 1 (the longest,
#: x_1 = (2, 0), every x_l1 > 0), and B = diag(3, 1) has x_1 along its top singular direction, so
#: |PXB|_F = sqrt(L) |x_1| |B|_op (1 - O(e^-15)): the bound without sqrt(L) fails here by a factor 2
TIGHT_G1 = {"name": "sqrt(L)-tight: attention on one token, L=4 p=2 k=2", "L": 4, "p": 2, "k": 2,
            "X": [["2", "0"], ["1", "1/2"], ["1/2", "-3/10"], ["3/2", "1/5"]],
            "A": [["60", "0"], ["0", "0"]], "B": [["3", "0"], ["0", "1"]]}


def _given_matrix(rows, r, c, what):
    from proofs.errors import InvalidArgument

    try:
        M = [[Fraction(str(v)) for v in row] for row in rows]
    except (TypeError, ValueError):
        raise InvalidArgument(f"{what}: entries must be numbers or decimal/fraction strings") from None
    if len(M) != r or any(len(row) != c for row in M):
        raise InvalidArgument(f"{what} must be {r} x {c}")
    return M


def _rand_matrix(rng, r, c, scale):
    return [[Fraction(round(rng.gauss(0, scale) * 1000), 1000) for _ in range(c)] for _ in range(r)]


def _arb_softmax_rows(S, normalize):
    out = []
    for row in S:
        e = [v.exp() for v in row]
        if normalize:
            tot = sum(e[1:], e[0])
            out.append([v / tot for v in e])
        else:
            out.append(e)
    return out


def _matmul(A, B):
    return [[sum((A[i][t] * B[t][j] for t in range(1, len(B))), A[i][0] * B[0][j]) for j in range(len(B[0]))]
            for i in range(len(A))]


def _g1_sides(X, A, B, vq, normalize, bits, sqrt_L=True):
    """Balls for |softmax(XAX^T)XB|_F and for sqrt(L) max|x_l| times a lower bound |Bv|/|v| and an upper
    bound |B|_F of |B|_op (``sqrt_L=False``: the bound without its sqrt(L) factor, a false variant)."""
    L, p, k = len(X), len(X[0]), len(B[0])
    with arb_prec(bits):
        Xa = [[to_arb(x) for x in row] for row in X]
        Aa = [[to_arb(x) for x in row] for row in A]
        Ba = [[to_arb(x) for x in row] for row in B]
        S = _matmul(_matmul(Xa, Aa), [list(col) for col in zip(*Xa)])
        P = _arb_softmax_rows(S, normalize)
        F = _matmul(_matmul(P, Xa), Ba)
        lhs = sum((x * x for row in F for x in row), to_arb(0)).sqrt()
        xnorms = [sum((x * x for x in row), to_arb(0)).sqrt() for row in Xa]
        xmax = xnorms[0]
        for xn in xnorms[1:]:
            xmax = xmax.max(xn)
        Bv = [sum((Ba[i][j] * to_arb(vq[j]) for j in range(k)), to_arb(0)) for i in range(p)]
        op_lo = sum((x * x for x in Bv), to_arb(0)).sqrt() / sum((to_arb(x) ** 2 for x in vq), to_arb(0)).sqrt()
        fro = sum((x * x for row in Ba for x in row), to_arb(0)).sqrt()
        factor = to_arb(L).sqrt() if sqrt_L else to_arb(1)
        bound_lo = factor * xmax * op_lo
        bound_hi = factor * xmax * fro
    return lhs, bound_lo, bound_hi


@claim(ID_G1, label="G1", provenance="[D]/[I]", paper="Petit-Poon-Peyre 2026",
       source="reconstructed from the abstract (attention as a bounded nonlinearity); the bound is derived here",
       description="attention features are bounded and linear in the value weights",
       statement=r"\|\mathrm{softmax}(XAX^\top)XB\|_F\le\sqrt L\max_l\|x_l\|\,\|B\|_{op},\ \Phi(A,tB)=t\Phi(A,B)",
       assumptions=A_G1,
       instances=[{"name": "L=4 p=3 k=2", "L": 4, "p": 3, "k": 2, "seed": 0, "scale": 1.0},
                  {"name": "large scores L=3 p=2", "L": 3, "p": 2, "k": 1, "seed": 1, "scale": 8.0},
                  TIGHT_G1],
       strategy=lambda: st.fixed_dictionaries({"name": st.just("hypothesis"), "L": st.integers(1, 5),
                                               "p": st.integers(1, 4), "k": st.integers(1, 3),
                                               "seed": st.integers(0, 10 ** 6),
                                               "scale": st.sampled_from([0.1, 1.0, 5.0, 30.0])}))
def check_g1(inst, *, dps=30):
    """Attention features are bounded and linear in the value weights (MATH.md §8 G1)."""
    L, p, k = int(inst.get("L", 3)), int(inst.get("p", 2)), int(inst.get("k", 1))
    normalize = inst.get("normalize", True)
    # symbolic parts, for all inputs
    s = sp.symbols(f"s1:{L + 1}", real=True)
    rows_sum = sp.simplify(sum((softmax_w(si, *s) for si in s), sp.S.Zero).rewrite(sp.exp)) == 1
    model = model_from({"model": "attention", "k": k, "p": p, "L": L})
    t = sp.Symbol("t", real=True)
    lin = symbolic_zero(list(model.feature().xreplace({ai: t * ai for ai in model.a_syms}) - t * model.feature()))
    # the norm bound on the instance, in balls (given matrices, or drawn from the seed)
    rng = random.Random(inst.get("seed", 0))
    X = _given_matrix(inst["X"], L, p, "X") if "X" in inst else _rand_matrix(rng, L, p, 1.0)
    A = _given_matrix(inst["A"], p, p, "A") if "A" in inst else _rand_matrix(rng, p, p, float(inst.get("scale", 1.0)))
    B = _given_matrix(inst["B"], p, k, "B") if "B" in inst else _rand_matrix(rng, p, k, 1.0)
    sqrt_L = inst.get("drop") != "sqrt-L"
    if "v" in inst:  # the test vector of the certified lower bound |B|_op >= |Bv|/|v| (any nonzero v is valid)
        vq = _given_matrix([inst["v"]], 1, k, "v")[0]
    else:
        v = np.linalg.svd(np.array(B, dtype=float))[2][0]  # top right singular vector (the best v)
        vq = [Fraction(round(float(x) * 10 ** 6), 10 ** 6) for x in v]
    if not any(vq):
        vq = [Fraction(1)] + [Fraction(0)] * (k - 1)
    for bits in (128, 256, 512):  # escalate precision before giving up on a verdict
        lhs, bound_lo, bound_hi = _g1_sides(X, A, B, vq, normalize, bits, sqrt_L)
        if lhs < bound_lo or lhs > bound_hi:
            break
    witness = {"X": [[str(x) for x in r] for r in X], "A": [[str(x) for x in r] for r in A],
               "B": [[str(x) for x in r] for r in B], "seed": inst.get("seed", 0)}
    bound_txt = ("sqrt(L) max_l |x_l| |B|_op" if sqrt_L else "max_l |x_l| |B|_op (without sqrt(L))")
    softmax_txt = "softmax(X A X^T)" if normalize else "exp(X A X^T) (rows not normalised)"
    statement = (f"|{softmax_txt} X B|_F <= {bound_txt} for the instance's X ({L}x{p}), A ({p}x{p}), B ({p}x{k}) "
                 f"= {witness['X']}, {witness['A']}, {witness['B']}; rows of softmax sum to 1 and "
                 f"Phi(A, tB) = t Phi(A, B) for every {L}x{p} X and {p}x{p} A (symbolic)")
    symbolic_ok = rows_sum and lin is True
    if normalize and symbolic_ok and lhs < bound_lo:
        return proved(ID_G1, inst, margin=bound_lo - lhs, precision=f"exact (sympy) + arb {bits} bits",
                      method="sympy identities + ball enclosure", assumptions=A_G1, witness=witness,
                      scope="instance", statement=statement,
                      stats={"lhs_over_bound_upper": outward_decimal((lhs / bound_lo).upper(), True, 8)},
                      message="rows sum to 1 and linearity in B proved for all inputs; the norm bound is certified "
                              "on this instance only (X, A, B above), not for every X, A, B")
    if lhs > bound_hi:
        return refuted(ID_G1, inst, margin=bound_hi - lhs, precision=f"arb {bits} bits", method="ball enclosure",
                       assumptions=A_G1, witness=witness, scope="instance", statement=statement,
                       message=f"the norm bound fails: |PXB|_F exceeds {bound_txt.replace('|B|_op', '|B|_F')} "
                               ">= the bound")
    return inconclusive(ID_G1, inst, margin=bound_lo - lhs, precision=f"arb {bits} bits", method="ball enclosure",
                        assumptions=A_G1, scope="instance", statement=statement, witness=witness,
                        message="bound not separated at 512 bits (or a symbolic part undecided); raise precision "
                                "or change the instance")


@claim(ID_G6, label="G6", provenance="[D]", paper="Petit-Poon-Peyre 2026",
       source="reconstructed (multi-head attention as a mean-field average of heads); the block identity is derived here",
       description="a multi-head layer is the sum of its per-head features (row blocks of W_O)",
       statement=r"\mathrm{Concat}(h_1,\dots,h_H)W_O=\sum_h h_hW_O^{(h)}",
       assumptions=A_G6,
       instances=[{"name": "H=3 L=2 dv=2 k=2", "H": 3, "L": 2, "dv": 2, "k": 2}],
       strategy=lambda: st.fixed_dictionaries({"name": st.just("hypothesis"), "H": st.integers(1, 4),
                                               "L": st.integers(1, 3), "dv": st.integers(1, 3),
                                               "k": st.integers(1, 3)}))
def check_g6(inst, *, dps=30):
    """The multi-head layer is the sum of per-head features (MATH.md §8 G6)."""
    H, L, dv, k = (int(inst.get(x, 2)) for x in ("H", "L", "dv", "k"))
    heads = [sp.Matrix(L, dv, sp.symbols(f"h{h}_1:{L * dv + 1}", real=True)) for h in range(H)]
    W = sp.Matrix(H * dv, k, sp.symbols(f"W1:{H * dv * k + 1}", real=True))
    concat = sp.Matrix.hstack(*heads) * W
    order = list(range(H))[::-1] if inst.get("blocks") == "reversed" else list(range(H))
    total = sp.zeros(L, k)
    for h, blk in zip(range(H), order):
        total += heads[h] * W[blk * dv:(blk + 1) * dv, :]
    diff = concat - total
    statement = (f"Concat(h_1..h_{H}) W_O = sum_h h_h W_O^({'reversed ' if order != list(range(H)) else ''}h) for "
                 f"every real {L}x{dv} heads h_h and {H * dv}x{k} W_O (H={H}, L={L}, d_v={dv}, k={k})")
    if all(sp.expand(e) == 0 for e in diff):
        return proved(ID_G6, inst, margin=0, precision="exact (sympy)", method="sympy matrix identity",
                      assumptions=A_G6, scope="universal", statement=statement,
                      message=f"identity proved for H={H}, L={L}, d_v={dv}, k={k} (symbolic entries)")
    rng = random.Random(0)
    syms = sorted(set().union(*[e.free_symbols for e in diff]), key=str)
    for _ in range(20):
        pt = {s: rng.randint(-3, 3) for s in syms}
        vals = [e.subs(pt) for e in diff]
        if any(v != 0 for v in vals):
            return refuted(ID_G6, inst, margin=str(max(abs(v) for v in vals)), precision="exact (integers)",
                           method="exact witness", assumptions=A_G6, scope="instance",
                           statement=statement + " (fails at the integer witness)",
                           witness={str(s): v for s, v in pt.items()},
                           message="pairing heads with the wrong blocks of W_O changes the output")
    return inconclusive(ID_G6, inst, method="sympy", assumptions=A_G6, scope="instance", statement=statement,
                        message="no witness found in 20 integer points; raise the number of points")
