# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Tutorial: write your own lemma, search it, refute it, fix it, re-check it
#
# **Claims illustrated:** a user's own conjecture (not a built-in claim), in the setting of the escaping-set
# proofs: a bound on the curvature of the sigmoid, the kind of constant a Lipschitz estimate of the velocity
# field needs. Built-in relatives: `feature-derivative-linear-growth` (G2, Petit-Poon-Peyré 2026, reconstructed).
#
# **Settings:** python-flint balls at 30 decimal digits (dps) for the check, hypothesis search with 40 examples
# and seed 0, the ball branch-and-bound of `escset prove` with its default budget. Public API only.
#
# The conjecture: $\sigma''(z) \le 1/11$ for every real $z$, where $\sigma(z) = 1/(1+e^{-z})$.
#
# The same steps on the command line:
# ```
# escset search sigmoid-curvature-bound --module conj.py --max-examples 40
# escset check sigmoid-curvature-bound --module conj.py --instance '{"name": "w", "z": "-3/2"}'
# escset prove "sigmoid''(z) <= 1/10" --over "z in R"
# ```

# %%
SMALL = True  # the test suite executes this notebook at this size

import os
import tempfile
import textwrap

from proofs import Verdict, check, get_claim
from proofs.prove import prove
from proofs.report import witness_text
from proofs.search import load_user_module, search

# %% [markdown]
# ## 1. Write the lemma as a claim, in your own file
# A check returns a `CheckResult`. Here the margin $b - \sigma''(z)$ at one rational point is enclosed in a
# python-flint ball: `refuted` only when the whole ball is negative (a certified counterexample), `proved` (scope
# `instance`: at this point only) when it is positive, else `inconclusive`.

# %%
CONJ = textwrap.dedent('''
    from fractions import Fraction

    from hypothesis import strategies as st

    from proofs import CheckResult, Verdict, claim


    def _margin(bound, z, dps):
        from flint import arb, ctx

        old = ctx.prec
        ctx.prec = int(dps * 3.33) + 20
        try:
            zz = arb(z.numerator) / z.denominator
            s = 1 / (1 + (-zz).exp())
            return arb(bound.numerator) / bound.denominator - s * (1 - s) * (1 - 2 * s)   # b - sigma''(z)
        finally:
            ctx.prec = old


    def _check(cid, bound, inst, dps):
        z = Fraction(inst["z"])  # the constant is the claim's, not the instance's: a search varies instances only
        m = _margin(bound, z, dps)
        stmt = f"sigma''({z}) <= {bound}"
        common = dict(margin=m, precision=f"arb {int(dps * 3.33) + 20} bits", method="ball at an exact point",
                      scope="instance", statement=stmt, instance=inst.get("name", ""))
        if m > 0:
            return CheckResult(cid, Verdict.PROVED, message="the ball of the margin is positive", **common)
        if m < 0:
            return CheckResult(cid, Verdict.REFUTED, witness={"z": str(z)},
                               message="the ball of the margin is negative: a certified counterexample", **common)
        return CheckResult(cid, Verdict.INCONCLUSIVE, message="the ball contains 0: raise dps", **common)


    POINTS = st.fractions(min_value=-8, max_value=8, max_denominator=64).map(str)


    @claim("sigmoid-curvature-bound", statement=r"\\sigma''(z) \\le \\tfrac{1}{11}\\quad\\forall z\\in\\mathbb{R}",
           assumptions=("sigma the logistic sigmoid", "z real"), provenance="[D]", paper="user conjecture",
           instances=[{"name": "z=0", "z": "0"}],
           strategy=st.fixed_dictionaries({"name": st.just("search"), "z": POINTS}))
    def curvature(inst, *, dps=30):
        return _check("sigmoid-curvature-bound", Fraction(1, 11), inst, dps)


    @claim("sigmoid-curvature-bound-fixed", statement=r"\\sigma''(z) \\le \\tfrac{1}{10}\\quad\\forall z\\in\\mathbb{R}",
           assumptions=("sigma the logistic sigmoid", "z real"), provenance="[D]", paper="user conjecture",
           instances=[{"name": "z=-1.3", "z": "-13/10"}],
           strategy=st.fixed_dictionaries({"name": st.just("search"), "z": POINTS}))
    def curvature_fixed(inst, *, dps=30):
        return _check("sigmoid-curvature-bound-fixed", Fraction(1, 10), inst, dps)
''')
workdir = tempfile.mkdtemp(prefix="escset-tutorial-")
conj = os.path.join(workdir, "conj.py")
with open(conj, "w") as fh:
    fh.write(CONJ)
load_user_module(conj)
print(get_claim("sigmoid-curvature-bound").statement)

# %% [markdown]
# ## 2. Check it on its default instance, then search for a counterexample
# At $z = 0$ the bound holds ($\sigma''(0) = 0$): one instance proves nothing about the lemma.

# %%
r0 = check("sigmoid-curvature-bound")
print(r0.verdict.value, r0.scope, "-", r0.statement)
found = search("sigmoid-curvature-bound", max_examples=40 if SMALL else 400, seed=0, module=conj)
print(found.verdict.value, "after", found.examples, "examples; witness:", witness_text(found.witness["check"]))
print("replay:", found.replay)
assert found.verdict is Verdict.REFUTED  # a certified counterexample

# %% [markdown]
# ## 3. Confirm the refutation independently, and see by how much the lemma fails
# `prove` runs a certified branch-and-bound over the whole real line; it refutes the lemma with its own witness and
# encloses $\sup_z \sigma''(z)$.

# %%
r = prove("sigmoid''(z) <= 1/11", over=["z in R"])
print(r.verdict.value, "-", r.message.split(" LaTeX:")[0])
assert r.verdict is Verdict.REFUTED

# %% [markdown]
# ## 4. Fix the constant and re-check: search, then a universal proof
# $\sup_z \sigma''(z) = \sqrt{3}/18 \approx 0.0962$, so $1/10$ works. A search that finds nothing is only
# `inconclusive` (a search proves nothing); the universal statement is proved by `prove`.

# %%
again = search("sigmoid-curvature-bound-fixed", max_examples=40 if SMALL else 400, seed=0, module=conj)
print("search:", again.verdict.value, "after", again.examples, "examples")
print("re-check on its instance:", check("sigmoid-curvature-bound-fixed").verdict.value)
assert again.verdict is Verdict.INCONCLUSIVE
fixed = prove("sigmoid''(z) <= 1/10", over=["z in R"])
print(fixed.verdict.value, fixed.scope, "-", fixed.statement)
assert fixed.verdict is Verdict.PROVED and fixed.scope == "universal"
