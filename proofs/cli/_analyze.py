"""``escset analyze``: loss, stationarity and the global-optimality certificate or witness (DESIGN.md §3)."""
from __future__ import annotations

import json
from typing import Optional

import typer

from . import app, emit_json, fail


def _peek_widths(path):
    """(input width, target width) of a data file, without validation (load_dataset validates)."""
    try:
        with open(path) as fh:
            obj = json.load(fh, parse_float=str)
    except (OSError, json.JSONDecodeError):
        return None, None
    if not isinstance(obj, dict) or not isinstance(obj.get("X"), list) or not obj["X"]:
        return None, None

    def width(row):
        if isinstance(row, list):
            return sum(width(v) for v in row) if row and isinstance(row[0], list) else len(row)
        return 1
    X0 = obj["X"][0]
    Y = obj.get("Y")
    k = None
    if isinstance(Y, list) and Y:
        k = len(Y[0]) if isinstance(Y[0], list) else 1
    return width(X0), k


def build_model(model: str, data_path: str, *, activation=None, p: int = 2, dq: int = 1):
    """The model named on the command line, with dimensions read off the data file."""
    from ..models import MODEL_NAMES, get_model

    if model not in MODEL_NAMES:
        fail(f"got --model {model!r}, valid are {', '.join(MODEL_NAMES)}")
    px, k = _peek_widths(data_path)
    k = k or 1
    if px is None:
        from ..measure import load_dataset

        load_dataset(data_path)  # raises the precise one-line error
        fail(f"{data_path}: could not read the inputs")
    if model in ("attention", "attention-qk"):
        if p < 1 or px % p:
            fail(f"got --p {p} but each input has {px} entries; valid is a token dimension p dividing {px}")
        return get_model(model, k=k, p=p, L=px // p, dq=dq)
    return get_model(model, k=k, d=px, activation=activation)


@app.command("analyze")
def analyze_cmd(
    model: str = typer.Option(..., "--model", help="sigmoid | attention | attention-qk | relu-lift"),
    data: str = typer.Option(..., "--data", help="data file D.json with X and Y"),
    measure: str = typer.Option(..., "--measure", help="measure file MU.json"),
    dps: int = typer.Option(30, "--dps", help="working precision in decimal digits"),
    certify: bool = typer.Option(False, "--certify", help="branch-and-bound certificates for the interior part"),
    activation: Optional[str] = typer.Option(None, "--activation", help="activation name or expression in z"),
    p: int = typer.Option(2, "--p", help="token dimension (attention models)"),
    dq: int = typer.Option(1, "--dq", help="query/key dimension (attention-qk)"),
    box_radius: str = typer.Option("8", "--box-radius", help="interior search box [-R, R]^p_u"),
    max_dps: Optional[int] = typer.Option(None, "--max-dps", help="precision escalation limit (default 4*dps)"),
    time_limit: float = typer.Option(20.0, "--time-limit", help="seconds for the interior branch-and-bound"),
    json_out: bool = typer.Option(False, "--json", help="one JSON object on stdout"),
):
    """Stationarity, loss, global-optimality certificate or witness, escaping-set diagnostics."""
    from fractions import Fraction

    from ..analyze import analyze
    from ..measure import load_dataset, load_measure

    if not 10 <= dps <= 5000:
        fail(f"got --dps {dps}, valid is an integer in [10, 5000]")
    if max_dps is not None and max_dps < dps:
        fail(f"got --max-dps {max_dps} below --dps {dps}; valid is max-dps >= dps")
    try:
        R = Fraction(box_radius)
    except (ValueError, ZeroDivisionError):
        fail(f"got --box-radius {box_radius!r}, valid is a positive decimal number")
    if R <= 0:
        fail(f"got --box-radius {box_radius!r}, valid is a positive decimal number")
    if time_limit <= 0:
        fail(f"got --time-limit {time_limit}, valid is a positive number of seconds")
    mdl = build_model(model, data, activation=activation, p=p, dq=dq)
    ds = load_dataset(data, mdl, need_y=True)
    mu = load_measure(measure, mdl)
    out = analyze(mdl, mu, ds, dps=dps, certify=certify, max_dps=max_dps, box_radius=box_radius,
                  time_limit=time_limit)
    if json_out:
        emit_json(out)
        return
    from rich.console import Console

    c = Console()
    g = out["global_optimality"]
    c.print(f"[bold]model[/] {mdl.name}  k={mdl.k} p_u={mdl.p_u}   precision {out['precision']}")
    c.print(f"loss R = {out['loss']}")
    c.print(f"stationarity residual max_j |v_j| = {out['stationarity_residual']}  "
            f"({'stationary' if out['stationary'] else 'not stationary'})")
    c.print(f"global optimality: [bold]{g['verdict']}[/]   sup|Psi| = {g['sup_psi']} attained at {g['attained']}"
            f"{'' if g['location_certified'] else ' (location not certified)'}")
    c.print(f"  enclosure of S(mu): {g['sup_psi_enclosure']}")
    c.print(f"  witness: {g['witness']}")
    c.print(f"  {g['message']}")
