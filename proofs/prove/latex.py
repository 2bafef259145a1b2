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



def _latex_line(lhs, op, rhs, ranges, text=None):
    """The LaTeX of what is claimed; from the user's text when it parses (activations keep their names and
    primes), else from the sympy expressions."""
    quant = ", ".join(r.latex() for r in ranges)
    body = None
    if text is not None:
        try:
            fns = dict(named_functions())
            for name in _LATEX_NAMES:
                fns[name] = _display_function(name)
            dl, dop, dr = parse_relation(text, variables=[r.symbol for r in ranges], functions=fns)
            body = f"{sp.latex(dl)} {_OPS_LATEX[dop]} {sp.latex(dr)}"
        except Exception:  # noqa: BLE001 - display only
            body = None
    if body is None:
        body = f"{sp.latex(lhs)} {_OPS_LATEX[op]} {sp.latex(rhs)}"
    return rf"\forall {quant}:\quad {body}" if quant else body
