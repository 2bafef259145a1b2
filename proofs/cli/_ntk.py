"""``escset ntk``: lambda_min and positive definiteness of the limiting NTK Gram (two-layer ReLU H^infty, deep
fully connected and ResNet K^(H)), and the width / step requirements of the convergence theorems. The verdict
logic lives in :mod:`proofs.ntk`; this module parses options and prints."""
from __future__ import annotations

from typing import Optional

import typer

from proofs.cli import app, emit_json, fail


@app.command("ntk")
def ntk_cmd(
    data: str = typer.Option(..., "--data", help="data file D.json (X; Y is used by --requirements when present)"),
    arch: str = typer.Option("two-layer", "--arch", help="two-layer | fc | resnet"),
    dps: int = typer.Option(30, "--dps", help="digits of lambda_min and of the ball arithmetic (10..2000)"),
    certify: bool = typer.Option(False, "--certify", help="certified bracket of lambda_min (Temple, Cholesky residual; Rayleigh)"),
    depth: Optional[int] = typer.Option(None, "--depth", help="H (fc: >= 1, resnet: >= 2; two-layer: 1)"),
    activation: Optional[str] = typer.Option(None, "--activation",
                                             help="built-in name or expression in z (default relu)"),
    c_res: float = typer.Option(0.5, "--c-res", help="ResNet branch constant in (0, 1)"),
    quadrature: str = typer.Option("gh", "--quadrature", help="gh (float64) | mp (at --dps): activations "
                                                             "without a closed form"),
    nodes: int = typer.Option(80, "--nodes", help="Gauss-Hermite nodes per dimension (2..400)"),
    requirements: bool = typer.Option(False, "--requirements", help="width and step requirements of the theorems"),
    delta: float = typer.Option(0.1, "--delta", help="failure probability for --requirements"),
    json_out: bool = typer.Option(False, "--json", help="one JSON object on stdout"),
):
    """lambda_min of the limiting NTK Gram with a verdict on positive definiteness (and --requirements)."""
    from proofs.ntk import ntk_lambda_min, ntk_requirements
    from proofs.problem.measure import load_dataset

    if not 10 <= dps <= 2000:
        fail(f"got --dps {dps}, valid is an integer in [10, 2000]")
    if not 2 <= nodes <= 400:
        fail(f"got --nodes {nodes}, valid is an integer in [2, 400]")
    ds = load_dataset(data, None, need_y=False)
    act = activation if activation is not None else "relu"
    out = ntk_lambda_min(ds.X, arch=arch, depth=depth, activation=act, c_res=c_res, certify=certify or requirements,
                         dps=dps, nodes=nodes, quadrature=quadrature)
    if requirements:
        from proofs.ntk import check_requirement_hypotheses

        check_requirement_hypotheses(ds.X, out)  # InvalidArgument -> exit 2, one line
        lam = out.get("certified_lower_bound_exact")
        Y = getattr(ds, "Y", None)
        ysq = None
        if Y:
            from fractions import Fraction

            from numerics.certified.bnb import as_fraction
            q = sum(as_fraction(v) ** 2 for row in Y for v in (row if isinstance(row, (list, tuple)) else [row]))
            if q > Fraction(10) ** 300:
                fail(f"sum of y_i^2 = {float(q) if q < Fraction(10) ** 308 else 'above 1e308'} is too large for the "
                     "float width formulas; valid is sum y_i^2 <= 1e300")
            ysq = float(q)
        out["requirements"] = ntk_requirements(n=out["n"], lambda0=lam, delta=delta, arch=arch, depth=out["depth"],
                                               y_sq_sum=ysq, c_res=c_res)
        if ysq is None:
            out["requirements"]["note"] += "; no Y in the data: |y_i| <= 1 assumed"
    if json_out:
        emit_json(out)
        return
    from rich.console import Console

    c = Console()
    c.print(f"{out['statement']}")
    if out.get("lambda_min") is None and out.get("lambda_min_bracket"):
        lo, hi = out["lambda_min_bracket"]
        c.print(f"lambda_min in [{lo}, {hi}] (no digit is supported by the error bound {out['lambda_min_error_bound']}"
                f"; raise --dps) ({out['precision']}); entries: {out.get('entries', '')}")
    else:
        dig = out.get("lambda_min_digits")
        c.print(f"lambda_min ~ {out['lambda_min']}" + (f" ({dig} digits supported by the error bound)" if dig else "")
                + f" ({out['precision']}); entries: {out.get('entries', '')}")
    c.print(f"positive definite: [bold]{out['positive_definite']}[/]"
            + ("  (numerical evidence only)" if out.get("numerical") else "")
            + f"  certified lower bound: {out['certified_lower_bound']}"
            + (f"  certified upper bound: {out['certified_upper_bound']}" if out.get("certified_upper_bound") else ""))
    if out.get("message"):
        c.print(out["message"])
    if requirements:
        r = out["requirements"]
        for t in r["terms"]:
            val = t.get("m", t.get("value", t.get("eta")))
            key = "m >=" if "m" in t else ("eta ~" if "eta" in t else "=")
            c.print(f"  {t['name']}: {key} {val:.4g}  [{t['kind']}; {t['provenance']}]")
        c.print(f"  {r['note']}")
