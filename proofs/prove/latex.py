"""What a ``prove`` verdict prints: decimal strings rounded outward, and the LaTeX line of the statement."""
from __future__ import annotations

import sympy as sp

from proofs.symbolic.grammar import parse_relation
from proofs.prove.statement import named_functions
from numerics.certified.precision import outward_decimal


def _fmt(x, up: bool, digits: int = 6) -> str:
    """A decimal string rounded outward (down or up) to ``digits`` significant digits."""
    if isinstance(x, float):
        return "inf" if x > 0 else "-inf"
    return outward_decimal(x, up, digits)



def _enclosure_str(lo, hi) -> str:
    return f"[{_fmt(lo, False)}, {_fmt(hi, True)}]"



_OPS_LATEX = {"==": "=", "<=": r"\le", "<": "<", ">=": r"\ge", ">": ">"}



_LATEX_NAMES = {"sigmoid": r"\operatorname{sigmoid}", "tanh": r"\tanh", "erf": r"\operatorname{erf}",
                "softplus": r"\operatorname{softplus}", "relu": r"\operatorname{relu}",
                "identity": r"\operatorname{id}", "square": r"\operatorname{sq}",
                "cubic_step": r"\sigma_{\mathrm{cubic}}"}



def _display_function(name, order=0, _cache={}):
    """An opaque sympy function printing as ``\tanh''(z)``; its derivative is the next order."""
    key = (name, order)
    if key not in _cache:
        def fdiff(fself, argindex=1):
            return _display_function(name, order + 1)(fself.args[0])

        def _latex(fself, printer, exp=None):
            primes = "'" * order if order < 4 else f"^{{({order})}}"
            body = rf"{_LATEX_NAMES[name]}{primes}\left({printer._print(fself.args[0])}\right)"
            return body if exp is None else rf"\left({body}\right)^{{{exp}}}"

        _cache[key] = type(f"display_{name}_{order}", (sp.Function,),
                           {"nargs": 1, "fdiff": fdiff, "_latex": _latex, "is_real": True})
    return _cache[key]



def _display_functions() -> dict:
    fns = dict(named_functions())
    for name in _LATEX_NAMES:
        fns[name] = _display_function(name)
    return fns



def _relation_latex(text, ranges):
    """The LaTeX of one relation as the user wrote it (activations keep their names and primes), or None."""
    try:
        dl, dop, dr = parse_relation(text, variables=[r.symbol for r in ranges], functions=_display_functions())
    except Exception:  # noqa: BLE001 - display only; the caller falls back to the sympy expressions
        return None
    return f"{sp.latex(dl)} {_OPS_LATEX[dop]} {sp.latex(dr)}"



def _constraint_text(c) -> str:
    """The user's text of one ``--assume`` constraint (a ``(g, strict, text)`` triple, or the text itself)."""
    return c[2] if isinstance(c, tuple) else str(c)



def _latex_line(lhs, op, rhs, ranges, text=None, constraints=()):
    """The LaTeX of what is claimed, with every hypothesis: the quantified ranges and every ``--assume``
    constraint (``\\forall x \\in [0, 1], y \\in [0, 1] \\text{ with } x + y \\le 1:\\quad x y \\le 13/50``). The
    body is from the user's text when it parses (activations keep their names and primes), else from the sympy
    expressions. A statement printed without one of its hypotheses would be a different (possibly false)
    theorem: ``constraints`` must be every constraint the verdict used."""
    quant = ", ".join(r.latex() for r in ranges)
    body = _relation_latex(text, ranges) if text is not None else None
    if body is None:
        body = f"{sp.latex(lhs)} {_OPS_LATEX[op]} {sp.latex(rhs)}"
    hyps = []
    for c in constraints or ():
        ct = _constraint_text(c)
        hyp = _relation_latex(ct, ranges)
        if hyp is None and isinstance(c, tuple):
            g = c[0]
            rel = "<" if c[1] else r"\le"
            hyp = f"{sp.latex(g)} {rel} 0"
        hyps.append(hyp if hyp is not None else rf"\text{{{ct}}}")
    if hyps:
        where = r",\ ".join(hyps)
        if quant:
            return rf"\forall {quant} \text{{ with }} {where}:\quad {body}"
        return rf"{where} \implies {body}"
    return rf"\forall {quant}:\quad {body}" if quant else body



def domain_text(ranges, constraints=()) -> str:
    """The domain of a statement in words with every hypothesis: ``x in [0, 1], y in [0, 1] with x + y <= 1``
    (what "Proved for ..." and ``instance`` say; a domain printed without its constraints would be a larger one)."""
    dom = ", ".join(str(r) for r in ranges)
    hyps = ", ".join(_constraint_text(c) for c in constraints or ())
    if not hyps:
        return dom
    return f"{dom} with {hyps}" if dom else f"the constants with {hyps}"


def statement_latex(statement, over=(), assume=()) -> str:
    """The LaTeX of a ``prove`` statement with every hypothesis (its ranges and its ``--assume`` constraints),
    built from the user's own text; what ``escset prove`` prints and writes to JSON."""
    from proofs.prove.statement import parse_statement

    lhs, op, rhs, ranges, constraints = parse_statement(statement, over, assume)
    return _latex_line(lhs, op, rhs, ranges, statement, constraints)



def statement_text(statement, over=(), assume=()) -> str:
    """The plain-text form of the same statement: ``for all x in [0, 1], y in [0, 1] with x + y <= 1: x*y <= 0.26``."""
    from proofs.prove.statement import parse_statement

    _, _, _, ranges, constraints = parse_statement(statement, over, assume)
    dom = ", ".join(str(r) for r in ranges)
    hyps = ", ".join(_constraint_text(c) for c in constraints)
    head = (f"for all {dom}" if dom else "") + (f" with {hyps}" if hyps and dom else hyps)
    return f"{head}: {statement}" if head else statement
