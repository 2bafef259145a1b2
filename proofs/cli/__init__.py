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
import math
import re
import sys

import typer

from proofs.errors import EscsetError

__all__ = ["app", "main", "emit_json", "fail"]

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, no_args_is_help=True,
                  help="escset: check escaping-set proofs of mean-field global convergence.")


def _print_version(value: bool):
    if value:
        from proofs import __version__

        typer.echo(f"escset {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                       help="print the version of escset and exit")):
    """escset: check escaping-set proofs of mean-field global convergence."""


#: command modules of proofs.cli imported first, in this order (the order of ``escset --help``); every other
#: ``proofs/cli/_cmd_*.py`` module is discovered and imported after them, so a new command is added by adding its
#: file (named ``_cmd_<command>.py``), never by editing a shared list
COMMAND_MODULES = ["_check", "_bench", "_analyze", "_ntk", "_simulate", "_search", "_prove"]


def _command_modules() -> list[str]:
    import pkgutil

    here = __path__  # noqa: F821 - the package's own path
    extra = sorted(m.name for m in pkgutil.iter_modules(here) if m.name.startswith("_cmd_"))
    return COMMAND_MODULES + [m for m in extra if m not in COMMAND_MODULES]


def emit_json(obj) -> None:
    """Write one JSON object to stdout (the --json contract)."""
    from proofs.result import to_jsonable

    sys.stdout.write(json.dumps(to_jsonable(obj)) + "\n")
    sys.stdout.flush()


def fail(message: str) -> None:
    """Raise the one-line bad-input error (exit code 2)."""
    raise EscsetError(message)


def _load():
    for mod in _command_modules():
        importlib.import_module(f"proofs.cli.{mod}")


def _click_exceptions():
    """The click exception module typer uses (typer >= 0.25 vendors click as typer._click)."""
    try:
        from typer._click import exceptions as exc  # type: ignore[attr-defined]
    except ImportError:  # older typer depends on click
        from click import exceptions as exc
    return exc


_INT = re.compile(r"\s*[+-]?[0-9]+\s*", re.ASCII)
_FLOAT = re.compile(r"\s*[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*", re.ASCII)


class _StrictNumber:
    """Number options: ASCII digits only (no fullwidth or Arabic-Indic digits, no ``1_000``), floats finite
    (``nan``, ``inf`` and ``1e999``, which parses as inf, are not a step size or a time limit)."""

    def __init__(self, inner, kind):
        self.inner, self.kind = inner, kind

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def _check(self, value, param, ctx):
        BadParameter = _click_exceptions().BadParameter
        if isinstance(value, str):
            pattern = _INT if self.kind is int else _FLOAT
            if not pattern.fullmatch(value):
                what = "an integer" if self.kind is int else "a finite number"
                why = " written in ASCII digits" if not value.isascii() else ""
                if self.kind is float and value.strip().lower().lstrip("+-") in ("nan", "inf", "infinity"):
                    raise BadParameter(f"{value!r} is not finite; valid is a finite number", ctx=ctx, param=param)
                raise BadParameter(f"{value!r} is not {what}{why}; valid is {what} written in ASCII digits, "
                                   "e.g. 20" + ("" if self.kind is int else " or 0.5"), ctx=ctx, param=param)

    def coerce(self, value, param, ctx):
        for v in (value if isinstance(value, (list, tuple)) else [value]):
            self._check(v, param, ctx)
        out = self.inner.coerce(value, param, ctx)
        for v in (out if isinstance(out, (list, tuple)) else [out]):
            if isinstance(v, float) and not math.isfinite(v):
                raise _click_exceptions().BadParameter(f"{value!r} is not finite (beyond the float64 range); "
                                                       "valid is a finite number", ctx=ctx, param=param)
        return out


def _strict_numbers(cmd):
    """Wrap the coercion of every int/float parameter of ``cmd`` and its subcommands in :class:`_StrictNumber`."""
    import typing

    for p in getattr(cmd, "params", []):
        desc = getattr(p, "type_descriptor", None)
        if desc is None or not hasattr(p, "get_runtime_param"):
            continue
        ann = desc.annotation
        args = [a for a in typing.get_args(ann) if a is not type(None)]
        kind = ann if ann in (int, float) else (args[0] if len(args) == 1 and args[0] in (int, float) else None)
        if kind is not None and not isinstance(p.get_runtime_param(), _StrictNumber):
            p._runtime_param = _StrictNumber(p.get_runtime_param(), kind)
    for sub in getattr(cmd, "commands", {}).values():
        _strict_numbers(sub)


def main(argv=None) -> None:
    click = _click_exceptions()
    _load()
    cmd = typer.main.get_command(app)
    _strict_numbers(cmd)
    from numerics.dynamics.backend import blas_threads

    try:
        with blas_threads(1):  # one thread pool per process, escset's own (numerics.dynamics.backend: Threads)
            rv = cmd.main(args=argv, prog_name="escset", standalone_mode=False)
    except typer.Exit as exc:
        if exc.exit_code == 130 and isinstance(exc.__cause__, KeyboardInterrupt):  # typer's bare Ctrl-C exit
            sys.stderr.write("escset: interrupted; finished results were kept\n")
        sys.exit(exc.exit_code)
    except click.NoArgsIsHelpError:  # the help was printed: name what is missing
        sys.stderr.write("escset: error: give a command (listed above); escset --help shows them all\n")
        sys.exit(2)
    except click.UsageError as exc:
        msg = " ".join(exc.format_message().split())  # one line, whatever click wrapped
        sys.stderr.write(f"escset: error: {msg}\n")
        sys.exit(2)
    except (typer.Abort, KeyboardInterrupt):
        sys.stderr.write("escset: interrupted; finished results were kept\n")
        sys.exit(130)
    except EscsetError as exc:
        sys.stderr.write(f"escset: error: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}\n")
        sys.exit(2)
    except MemoryError:  # the commands estimate memory before allocating; this is the last line of defence
        sys.stderr.write("escset: error: out of memory; lower the sizes (--m, --n, dimensions) and try again\n")
        sys.exit(2)
    except OSError as exc:  # a file escset writes became unwritable during the run (disk full, permissions)
        if exc.filename is None:
            raise
        from proofs._io import oserror_message

        sys.stderr.write(f"escset: error: {oserror_message(exc)}\n")
        sys.exit(2)
    sys.exit(rv if isinstance(rv, int) else 0)
