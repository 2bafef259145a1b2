"""Statements of ``escset prove``: the named objects, parsing ``LHS op RHS`` with its domain and assumptions,
and the definedness obligations of the text as written (nodes that may be undefined somewhere)."""
from __future__ import annotations

import re

import sympy as sp

from proofs.errors import GrammarError, InvalidArgument
from proofs.symbolic.functions import relu, sigmoid, softplus
from proofs.symbolic.grammar import CONSTANTS, parse_relation
from proofs.prove.domain import Range, parse_ranges


_JUMPS = (sp.Piecewise, sp.Heaviside, sp.sign, sp.DiracDelta, sp.floor, sp.ceiling)



# atoms that are not real-analytic wherever defined (fractional powers are excluded separately)
_NOT_ANALYTIC = _JUMPS + (sp.Abs, sp.Max, sp.Min, relu)



def named_functions() -> dict:
    """Grammar functions for every built-in activation (``cubic-step`` is spelled ``cubic_step``)."""
    from proofs.symbolic.activations import BUILTINS

    fns = {"sigmoid": sigmoid, "softplus": softplus, "relu": relu, "tanh": sp.tanh, "erf": sp.erf,
           "identity": lambda x: x, "square": lambda x: x ** 2}
    for name, act in BUILTINS.items():
        ident = name.replace("-", "_")
        if ident not in fns:
            fns[ident] = act.function(0)
    return fns



def _concrete(expr):
    """Substitute activation function classes by their expressions (for sympy and interval work)."""
    return expr.replace(
        lambda e: isinstance(e, sp.Function) and hasattr(type(e), "activation"),
        lambda e: type(e).activation.derivative(type(e).order).subs(
            sp.Symbol("z", real=True), e.args[0]))



_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z_0-9]*'*")



def _implicit_variables(statement, functions):
    """Names in the statement that are neither functions nor constants: variables over R by default."""
    names = []
    for m in _NAME_RE.finditer(statement):
        name = m.group(0).rstrip("'")
        rest = statement[m.end():].lstrip()
        if rest.startswith("(") or name in CONSTANTS or name in functions or name in ("oo", "inf"):
            continue
        if name not in names:
            names.append(name)
    return names



def parse_statement(statement, over=(), assume=(), functions=None, partial=None):
    """Parse the statement, its domain and assumptions: (lhs, op, rhs, ranges, constraints).

    ``functions`` adds grammar functions (name -> callable building a sympy expression), e.g. a user activation.
    ``partial``: a list receiving the nodes of the text that may be undefined (see ``parse_relation``)."""
    if not isinstance(statement, str) or not statement.strip():
        raise InvalidArgument(f"got statement {statement!r}; valid is a string 'LHS == RHS' or 'LHS <= RHS'")
    fns = named_functions()
    fns.update(functions or {})
    ranges = parse_ranges(over)
    if not ranges:
        ranges = [Range(n, -sp.oo, sp.oo, False, False) for n in _implicit_variables(statement, fns)]
    for r in ranges:
        if r.name in fns or r.name in CONSTANTS:
            raise InvalidArgument(f"variable {r.name!r} in --over clashes with a function or constant name; "
                                  "rename the variable")
    syms = [r.symbol for r in ranges]
    try:
        lhs, op, rhs = parse_relation(statement, variables=syms, functions=fns, partial=partial)
    except GrammarError as exc:
        hint = " (declare every variable with --over, e.g. --over 'z in R')" if "unknown name" in str(exc) else ""
        raise GrammarError(f"{exc}{hint}") from None
    for side in (lhs, rhs):
        if side.has(sp.Derivative, sp.Subs):
            raise InvalidArgument(f"{statement!r}: sympy cannot differentiate a function of it symbolically "
                                  "(e.g. abs'(z)); write the derivative explicitly, e.g. sign(z)")
        if side.has(sp.DiracDelta) or side.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            raise InvalidArgument(f"{statement!r} is not a function on the domain (a distributional derivative "
                                  "or an infinite constant); valid are derivatives of order where the "
                                  "function is defined pointwise, e.g. relu'(z) but not relu''(z)")
    if isinstance(assume, str):
        assume = [assume]
    constraints = []
    for a in assume or ():
        cl, cop, cr = parse_relation(a, variables=syms, functions=fns)
        if cop == "==":
            raise InvalidArgument(f"got --assume {a!r}; equalities are not supported as assumptions, valid are "
                                  "<= < >= > (substitute the equality into the statement instead)")
        g = cl - cr if cop in ("<=", "<") else cr - cl  # constraint g <= 0 (or < 0)
        constraints.append((g, cop in ("<", ">"), a))
    return lhs, op, rhs, ranges, constraints



def _partial_nodes(e):
    """The nodes of ``e`` that may be undefined somewhere: powers with a negative or fractional exponent,
    and function applications (log, atan of a quotient, ...). If every such node of the two sides of a
    statement also occurs in the expression the engine evaluates, a certified enclosure of that expression
    certifies the sides defined (every node of the tree is evaluated, and "not certified defined"
    propagates); if sympy cancelled one (``1/x - 1/x`` is 0), the sides need their own certificate."""
    e = _concrete(e)
    return {n for n in sp.preorder_traversal(e)
            if (n.is_Pow and not (n.exp.is_Integer and n.exp >= 0))
            or (isinstance(n, sp.Function) and not isinstance(n, _TOTAL_FUNCTIONS))}



#: functions defined and continuous wherever their arguments are (the others, log and user functions, are
#: partial nodes of :func:`_partial_nodes`)
_TOTAL_FUNCTIONS = (sp.exp, sp.tanh, sp.erf, sp.erfc, sp.atan, sp.sinh, sp.cosh, sp.asinh, sp.sin, sp.cos,
                    sp.Abs, sp.Max, sp.Min, sp.sign, sp.Heaviside, sp.Piecewise, sigmoid, softplus, relu)



def _obligations(partial, *sides):
    """The nodes of the text that may be undefined (from the parser, see ``parse_relation``) and that are
    not nodes of the given expressions (where the engine's certificate already covers them)."""
    have = set()
    for e in sides:
        have |= _partial_nodes(e)
    need = set()
    for n in partial or ():
        need |= _partial_nodes(n)
    return sorted(need - have, key=sp.default_sort_key)
