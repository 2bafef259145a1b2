"""``escset analyze``: loss, stationarity and the global-optimality certificate or witness (DESIGN.md §3)."""
from __future__ import annotations

from typing import List, Optional

import typer

from proofs.cli import app, emit_json, fail


def load_user_models(paths) -> None:
    """Import the ``--module`` files (their ``@model`` and ``@claim`` register) with the loader of
    ``escset check --module`` (:func:`proofs.search.load_user_module`: an error names the user's file and line)."""
    from proofs.search import load_user_module

    for path in paths or []:
        load_user_module(path)


@app.command("analyze")
def analyze_cmd(
    model: str = typer.Option(..., "--model", help="sigmoid | attention | attention-qk | relu-lift | a --module model"),
    data: str = typer.Option(..., "--data", help="data file D.json with X and Y"),
    measure: str = typer.Option(..., "--measure", help="measure file MU.json"),
    dps: int = typer.Option(30, "--dps", help="working precision in decimal digits"),
    certify: bool = typer.Option(False, "--certify", help="branch-and-bound certificates for the interior part"),
    activation: Optional[str] = typer.Option(None, "--activation", help="activation name or expression in z"),
    p: int = typer.Option(2, "--p", help="token dimension (attention models)"),
    dq: int = typer.Option(1, "--dq", help="query/key dimension (attention-qk)"),
    box_radius: str = typer.Option("8", "--box-radius", help="interior search box [-R, R]^p_u"),
    max_dps: Optional[int] = typer.Option(None, "--max-dps", help="precision escalation limit (default 4*dps)"),
    time_limit: float = typer.Option(20.0, "--time-limit", help="seconds for the whole analysis (every search and escalation)"),
    module: Optional[List[str]] = typer.Option(None, "--module", help="a Python file with your own @model"),
    json_out: bool = typer.Option(False, "--json", help="one JSON object on stdout"),
):
    """Stationarity, loss, global-optimality certificate or witness, escaping-set diagnostics."""
    from fractions import Fraction

    from proofs.analyze import analyze
    from proofs.problem import Problem, model_for_data

    from proofs.errors import InvalidArgument
    from proofs._io import exact_number

    load_user_models(module)

    if not 10 <= dps <= 5000:
        fail(f"got --dps {dps}, valid is an integer in [10, 5000]")
    if max_dps is not None and not dps <= max_dps <= 20000:
        fail(f"got --max-dps {max_dps} with --dps {dps}; valid is an integer with dps <= max-dps <= 20000")
    try:
        R = Fraction(exact_number(box_radius, "--box-radius", "the radius").strip())
    except InvalidArgument:
        R = None
    if R is None or R <= 0:
        fail(f"got --box-radius {box_radius!r}, valid is a positive decimal number (ASCII digits, within the float64 range)")
    if not time_limit > 0:
        fail(f"got --time-limit {time_limit}, valid is a positive number of seconds")
    for name, v in (("p", p), ("dq", dq)):
        if not 1 <= v <= 64:
            fail(f"got --{name} {v}, valid is an integer in [1, 64]")
    mdl = model_for_data(model, data, activation=activation, p=p, dq=dq)
    problem = Problem.load(mdl, data, measure)
    try:
        out = analyze(mdl, problem.mu, problem.data, dps=dps, certify=certify, max_dps=max_dps, box_radius=box_radius,
                      time_limit=time_limit)
    except KeyboardInterrupt:  # one analysis, no partial result: the input files are untouched
        from proofs.cli._interrupt import INTERRUPTED, interrupted_line, stop

        stop(INTERRUPTED, interrupted_line("the analysis", "nothing (one analysis has no partial result; "
                                           "lower --time-limit for a quicker one)", resume=False),
             {"interrupted": True, "model": model, "data": data, "measure": measure}, json_out)
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
    st = out.get("stats") or {}
    if "argmax_faces" in st:  # attention with --certify: the hardmax limits along rays, from every face
        exact = st.get("rays_sup_exact")
        rs = st.get("rays_sup_enclosure") if exact else st.get("rays_sup_lower")
        c.print(f"  hardmax limits along rays: {st['argmax_faces']} faces (tie walls included), sup "
                f"{'= ' + str(rs) + ' (exact over rays)' if exact else '>= ' + str(rs) + ' (enumeration incomplete)'}"
                f"; open cells alone: {st.get('rays_sup_open_cells_only')}; a lower bound of S(mu)")
    esc = out.get("escaping_set") or {}
    if esc.get("nonempty"):
        c.print(f"escaping set: non-empty for eps < S(mu); a_hat = {esc.get('a_hat')}"
                + (f"; min h in {esc['min_h_enclosure']} at {esc.get('location')}" if "min_h_enclosure" in esc else ""))
        rl = esc.get("regular_level")
        if rl:
            where = f"  level {rl['level']} on the box [{rl['box'][0]}, {rl['box'][1]}]^p_u: "
            if rl.get("certified") and rl.get("beta_lower"):
                c.print(where + f"[bold]certified[/] beta >= {rl['beta_lower']}  ({rl['boxes']} boxes, "
                        f"{rl.get('seconds', '?')} s)")
            else:
                c.print(where + rl["note"])
        rays = esc.get("rays")
        if rays and "certified_bound" in rays:
            cb = rays["certified_bound"]
            from proofs.analyze.interior import floor_decimal

            rate = Fraction(cb["rate"])
            rate_s = floor_decimal(rate, 6) if rate > 0 else "0"  # rounded down: the printed bound stays valid
            c.print(f"  along the witness ray: |grad h(t v)| <= {cb['C_grad']} exp(-{rate_s} t) (certified), "
                    f"fitted rate {rays['fitted_decay_rate']}")
        rob = esc.get("robustness")
        if rob and rob.get("sup_perturbation_of_grad_h_below"):
            c.print(f"  forward invariant on the box under C^1 perturbations with sup|dh| < "
                    f"{rob['sup_perturbation_of_h_below']} and sup|d grad h| < {rob['sup_perturbation_of_grad_h_below']}")
