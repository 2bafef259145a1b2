"""How a long command stops early: one stderr line, its JSON object anyway, and its exit code.

Ctrl-C: exit 130 after ONE line ``escset: interrupted at ...; kept ...; rerun the same command to resume`` (and
under ``--json`` the command's JSON object, with ``"interrupted": true``, on stdout). Typer turns a
KeyboardInterrupt that reaches it into a bare exit 130, so each long command catches its own and calls
:func:`stop`; :func:`proofs.cli.main` prints a generic line for one that escaped.
"""
from __future__ import annotations

import sys

import typer

__all__ = ["INTERRUPTED", "DIVERGED", "stop", "interrupted_line"]

#: exit codes: Ctrl-C, and ``escset simulate`` whose run left the finite numbers
INTERRUPTED = 130
DIVERGED = 3


def interrupted_line(where: str, kept: str, resume: bool = True) -> str:
    """``interrupted at WHERE; kept KEPT; rerun the same command to resume`` (``... to start over`` when the
    command does not resume)."""
    return f"interrupted at {where}; kept {kept}; rerun the same command to " + ("resume" if resume else "start over")


def stop(code: int, line: str, obj=None, json_out: bool = False):
    """Print ``obj`` (under --json), then ``escset: line`` on stderr, and exit with ``code``."""
    from proofs.cli import emit_json

    if json_out and obj is not None:
        emit_json(obj)
    sys.stderr.write(f"escset: {line}\n")
    sys.stderr.flush()
    raise typer.Exit(code) from None
