"""The ``escset`` command line (DESIGN.md §3).

Every command takes ``--json`` (one JSON object on stdout, nothing else), exits 0
when it ran, and 2 on bad input with one line on stderr, never a traceback.
``escset check`` alone also judges its verdicts: it exits 1, once its table, JSON
and report are written, when any verdict is unexpected (a theorem refuted or left
inconclusive unless numerical by nature, a false variant not refuted). Commands live in one module each (``_check``, ``_simulate``,
...) and register themselves on :data:`app`.
"""
from __future__ import annotations

import importlib
import json
import sys

import typer

from .._errors import EscsetError

__all__ = ["app", "main", "emit_json", "fail"]

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, no_args_is_help=True,
                  help="escset: check escaping-set proofs of mean-field global convergence.")

#: command modules of proofs.cli, imported when the CLI starts
COMMAND_MODULES = ["_check", "_bench", "_analyze", "_ntk", "_simulate", "_search", "_prove"]


def emit_json(obj) -> None:
    """Write one JSON object to stdout (the --json contract)."""
    from .._result import to_jsonable

    sys.stdout.write(json.dumps(to_jsonable(obj)) + "\n")
    sys.stdout.flush()


def fail(message: str) -> None:
    """Raise the one-line bad-input error (exit code 2)."""
    raise EscsetError(message)


def _load():
    for mod in COMMAND_MODULES:
        importlib.import_module(f"proofs.cli.{mod}")


def _click_exceptions():
    """The click exception module typer uses (typer >= 0.25 vendors click as typer._click)."""
    try:
        from typer._click import exceptions as exc  # type: ignore[attr-defined]
    except ImportError:  # older typer depends on click
        from click import exceptions as exc
    return exc


def main(argv=None) -> None:
    click = _click_exceptions()
    _load()
    cmd = typer.main.get_command(app)
    try:
        rv = cmd.main(args=argv, prog_name="escset", standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except click.UsageError as exc:
        sys.stderr.write(f"escset: error: {exc.format_message()}\n")
        sys.exit(2)
    except (typer.Abort, KeyboardInterrupt):
        sys.stderr.write("escset: interrupted; finished results were kept\n")
        sys.exit(130)
    except EscsetError as exc:
        sys.stderr.write(f"escset: error: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}\n")
        sys.exit(2)
    sys.exit(rv if isinstance(rv, int) else 0)
