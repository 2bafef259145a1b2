"""``escset ntk``: certified lambda_min of the two-layer ReLU Gram matrix H^infty (MATH.md §4.2)."""
from __future__ import annotations

from typing import Optional

import typer

from proofs.cli import app, emit_json, fail


@app.command("ntk")
def ntk_cmd(
    data: str = typer.Option(..., "--data", help="data file D.json (X; Y is not needed)"),
    arch: str = typer.Option("two-layer", "--arch", help="two-layer (fc/resnet are not implemented here)"),
    dps: int = typer.Option(30, "--dps", help="ball precision in decimal digits (at least 128 bits are used)"),
    certify: bool = typer.Option(False, "--certify", help="certified lower bound by ball Cholesky"),
    depth: Optional[int] = typer.Option(None, "--depth"),
    activation: Optional[str] = typer.Option(None, "--activation"),
    json_out: bool = typer.Option(False, "--json", help="one JSON object on stdout"),
):
    """lambda_min of the two-layer ReLU Gram H^infty (MATH.md §4.2) with an optional certificate."""
    from proofs.ntk import ntk_lambda_min
    from proofs.problem.measure import load_dataset

    if arch != "two-layer" or depth is not None or activation not in (None, "relu"):
        fail(f"got --arch {arch!r}{' --depth' if depth is not None else ''}"
             f"{' --activation ' + activation if activation not in (None, 'relu') else ''}; valid here is "
             "--arch two-layer with the ReLU activation")
    if not 10 <= dps <= 2000:
        fail(f"got --dps {dps}, valid is an integer in [10, 2000]")
    ds = load_dataset(data, None, need_y=False)
    out = ntk_lambda_min(ds.X, certify=certify, dps=dps)
    if json_out:
        emit_json(out)
        return
    from rich.console import Console

    c = Console()
    c.print(f"H^infty (two-layer ReLU, n={out['n']}): lambda_min ~ {out['lambda_min']} (float64 estimate)"
            + ("" if out["precision"].startswith("float64") else f"; certificate in {out['precision']}"))
    c.print(f"positive definite: [bold]{out['positive_definite']}[/]  certified lower bound: "
            f"{out['certified_lower_bound']}"
            + (f"  certified upper bound: {out['certified_upper_bound']}" if out.get("certified_upper_bound") else ""))
    if out.get("message"):
        c.print(out["message"])
