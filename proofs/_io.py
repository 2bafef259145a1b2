"""Reading the user's files and writing ours: the one place for the bad-input rules of files (issue #10).

Reading (:func:`read_text`, :func:`read_json`, :func:`read_bytes_path`): a path that is missing, a directory, not a
regular file (a FIFO would block, ``/dev/zero`` never ends), unreadable, too large, not UTF-8, not JSON, JSON nested
deeper than any escset file or with a non-finite constant (``NaN``, ``Infinity``) is one :class:`InvalidArgument`
line naming the file and the problem, never a traceback.

Numbers (:func:`exact_number`): the entries of data and measure files are JSON numbers or decimal strings
(``"0.1"``, ``"-3e-4"``, ``"2/3"``), ASCII digits only (``Fraction("１")`` would read a fullwidth digit as 1),
with a bounded exponent (``"1e999999999"`` would build a billion-digit integer) and inside the float64 range
(every command has a float64 stage; ``1e999`` is an overflow there, not a number).

Writing (:func:`check_output_file`, :func:`check_output_dir`): output paths are checked before any work is done,
so a run is never lost to a bad ``--out`` at its end, and nothing is created on bad input. The writing itself is
:func:`proofs._atomic.atomic_write` (one helper for reports, checkpoints, figures and data files: a temporary file
renamed into place, never half-written, with the mode ``0o666 & ~umask`` that ``open()`` would give).
"""
from __future__ import annotations

import errno
import json
import math
import os
import re
import stat
import tempfile
from fractions import Fraction

from proofs.errors import InvalidArgument

__all__ = ["read_text", "read_json", "loads_json", "exact_number", "check_output_file", "check_output_dir",
           "check_input_path", "oserror_message", "MAX_FILE_BYTES", "MAX_JSON_DEPTH"]

#: largest file escset reads (a data or measure file of a few million numbers is far below)
MAX_FILE_BYTES = 1 << 30
#: deepest JSON nesting escset accepts (files are at most: object > particle > row > entry)
MAX_JSON_DEPTH = 32
#: longest decimal string read as a number, and the largest decimal exponent in it
MAX_NUMBER_CHARS = 1000
MAX_DECIMAL_EXPONENT = 1000
FLOAT_MAX = Fraction(1.7976931348623157e308)

_DECIMAL = re.compile(r"[+-]?(?:(?P<p>[0-9]+)/(?P<q>[0-9]+)|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE](?P<e>[+-]?[0-9]+))?)",
                      re.ASCII)


def _show(path) -> str:
    return repr(path) if path == "" or not isinstance(path, str) else path


def _what(option, path):
    return f"{option} {_show(path)}" if option else _show(path)


def check_input_path(path, option: str | None = None) -> str:
    """``path`` is an existing regular file that can be read; returns it. One line naming the problem otherwise."""
    if not isinstance(path, (str, os.PathLike)) or str(path) == "":
        raise InvalidArgument(f"got {option or 'a file'} {_show(path)}; valid is a path to a file")
    path = os.fspath(path)
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise InvalidArgument(f"file not found: {path}" + (f" (given as {option})" if option else "")) from None
    except PermissionError:
        raise InvalidArgument(f"cannot read {_what(option, path)}: permission denied") from None
    except (OSError, ValueError) as exc:
        raise InvalidArgument(f"cannot read {_what(option, path)}: {getattr(exc, 'strerror', None) or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise InvalidArgument(f"{_what(option, path)} is a directory; valid is a file")
    if not stat.S_ISREG(st.st_mode):
        raise InvalidArgument(f"{_what(option, path)} is not a regular file (a device, pipe or socket); "
                              "valid is a file")
    if st.st_size > MAX_FILE_BYTES:
        raise InvalidArgument(f"{_what(option, path)} is {st.st_size / 2 ** 30:.1f} GiB, larger than the limit of "
                              f"{MAX_FILE_BYTES / 2 ** 30:.0f} GiB")
    return path


def read_bytes(path, option: str | None = None) -> bytes:
    path = check_input_path(path, option)
    try:
        with open(path, "rb") as fh:
            return fh.read(MAX_FILE_BYTES + 1)
    except PermissionError:
        raise InvalidArgument(f"cannot read {_what(option, path)}: permission denied") from None
    except OSError as exc:
        raise InvalidArgument(f"cannot read {_what(option, path)}: {exc.strerror or exc}") from None


def read_text(path, option: str | None = None) -> str:
    """The UTF-8 text of a file (a byte-order mark is allowed)."""
    data = read_bytes(path, option)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidArgument(f"{_what(option, path)} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
                              f"{exc.start}); save it as UTF-8") from None


def _bad_constant(name):
    raise InvalidArgument(f"{name} is a non-finite constant; valid are finite numbers")


def _depth_ok(obj, limit):
    """Iterative nesting check (a recursive one would itself hit the recursion limit)."""
    stack = [(obj, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, (list, dict)):
            if d > limit:
                return False
            stack.extend((w, d + 1) for w in (v.values() if isinstance(v, dict) else v))
    return True


def loads_json(text: str, where: str, *, max_depth: int = MAX_JSON_DEPTH, exact_floats: bool = True):
    """``json.loads`` with the bad-input rules: one line naming ``where`` on any problem.

    ``exact_floats``: JSON numbers with a fraction or exponent stay strings (read exactly later)."""
    def bad_int(s):
        if len(s.lstrip("-")) > MAX_NUMBER_CHARS:
            raise InvalidArgument(f"{where}: an integer literal with {len(s)} digits is outside the float64 range")
        return int(s)
    try:
        obj = json.loads(text, parse_float=str if exact_floats else float, parse_int=bad_int,
                         parse_constant=_bad_constant)
    except InvalidArgument as exc:
        msg = str(exc)
        raise InvalidArgument(msg if msg.startswith(where) else f"{where}: {msg}") from None
    except json.JSONDecodeError as exc:
        raise InvalidArgument(f"malformed JSON in {where}: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise InvalidArgument(f"{where}: JSON nested too deeply (valid is at most {max_depth} levels)") from None
    if not _depth_ok(obj, max_depth):
        raise InvalidArgument(f"{where}: JSON nested too deeply (valid is at most {max_depth} levels)")
    return obj


def read_json(path, option: str | None = None, *, max_depth: int = MAX_JSON_DEPTH):
    """A JSON file: numbers with a fraction or exponent stay decimal strings (exact); see :func:`loads_json`."""
    text = read_text(path, option)
    return loads_json(text, _show(os.fspath(path)), max_depth=max_depth)


def exact_number(v, where: str, name: str):
    """An entry of a data or measure file, validated (returned as given: int or decimal string, exact).

    Valid: JSON numbers and decimal strings ``[+-]digits[.digits][e[+-]digits]`` or ``[+-]p/q`` (ASCII digits),
    finite and inside the float64 range. ``where``/``name`` name the file and the key in the message."""
    if isinstance(v, bool) or v is None or isinstance(v, (list, dict)):
        shown = {True: "true", False: "false", None: "null"}.get(v, None) if not isinstance(v, (list, dict)) else \
            type(v).__name__
        raise InvalidArgument(f"{where}: {name} must contain numbers or decimal strings, got {shown}")
    if isinstance(v, int):
        q = Fraction(v)
    elif isinstance(v, float):
        if not math.isfinite(v):
            raise InvalidArgument(f"{where}: {name} has a non-finite entry {v!r}; valid are finite numbers")
        q = Fraction(v)
    elif isinstance(v, Fraction):
        q = v
    elif isinstance(v, str):
        s = v.strip()
        short = v if len(v) <= 40 else v[:37] + "..."
        m = _DECIMAL.fullmatch(s) if len(s) <= MAX_NUMBER_CHARS else None
        if m is None:
            raise InvalidArgument(f"{where}: {name} has a non-numeric entry {short!r}; valid are numbers and decimal "
                                  "strings such as \"0.1\", \"-3e-4\" or \"2/3\" (ASCII digits)")
        if m.group("e") is not None and abs(int(m.group("e"))) > MAX_DECIMAL_EXPONENT:
            raise InvalidArgument(f"{where}: {name} has an entry {short!r} with a decimal exponent beyond "
                                  f"+-{MAX_DECIMAL_EXPONENT}; valid are numbers within the float64 range "
                                  "(|v| <= 1.7976931348623157e308)")
        if m.group("q") is not None and int(m.group("q")) == 0:
            raise InvalidArgument(f"{where}: {name} has an entry {short!r} with denominator 0")
        q = Fraction(s)
    else:
        raise InvalidArgument(f"{where}: {name} must contain numbers or decimal strings, got {type(v).__name__}")
    if abs(q) > FLOAT_MAX:
        shown = v if isinstance(v, str) else (str(v) if len(str(v)) <= 40 else f"{str(v)[:20]}... "
                                                                                  f"({len(str(v))} digits)")
        raise InvalidArgument(f"{where}: {name} has an entry {shown} outside the float64 range (|v| <= 1.7976931348623157e308)")
    return v


# ---------------------------------------------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------------------------------------------
def _nearest_existing(path):
    p = os.path.abspath(path)
    while not os.path.lexists(p):
        parent = os.path.dirname(p)
        if parent == p:
            break
        p = parent
    return p


def _probe_writable(directory, what):
    """Create and remove a temporary file in ``directory`` (the only reliable test, root included)."""
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".escset-probe-")
    except PermissionError:
        raise InvalidArgument(f"{what}: directory {directory} is not writable (permission denied)") from None
    except OSError as exc:
        raise InvalidArgument(f"{what}: cannot write in directory {directory} ({exc.strerror or exc})") from None
    os.close(fd)
    os.unlink(tmp)


def check_output_file(path, option: str) -> str:
    """``path`` can be written as a file: its directory exists and is writable, and it is not a directory.

    Checked before any work, so that a long run is not lost at its end. Creates nothing."""
    if not isinstance(path, (str, os.PathLike)) or str(path) == "":
        raise InvalidArgument(f"got {option} {_show(path)}; valid is a path to a file")
    path = os.fspath(path)
    what = f"{option} {path}"
    if os.path.isdir(path):
        raise InvalidArgument(f"{what} is a directory; valid is a file path")
    if os.path.lexists(path) and not os.path.isfile(path):
        raise InvalidArgument(f"{what} exists and is not a regular file; valid is a file path")
    d = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(d):
        near = _nearest_existing(d)
        if os.path.isdir(near):
            raise InvalidArgument(f"{what}: directory {d} does not exist; create it or give another path")
        raise InvalidArgument(f"{what}: {near} is a file, not a directory; give another path")
    _probe_writable(d, what)
    return path


def check_output_dir(path, option: str) -> str:
    """``path`` is, or can be created as, a writable directory. Creates nothing (the writer creates it)."""
    if not isinstance(path, (str, os.PathLike)) or str(path) == "":
        raise InvalidArgument(f"got {option} {_show(path)}; valid is a path to a directory")
    path = os.fspath(path)
    what = f"{option} {path}"
    if os.path.lexists(path) and not os.path.isdir(path):
        raise InvalidArgument(f"{what} exists and is not a directory; valid is a directory (created if missing)")
    near = _nearest_existing(path)
    if not os.path.isdir(near):
        raise InvalidArgument(f"{what}: {near} is a file, not a directory; give another path")
    _probe_writable(near, what)
    return path


def oserror_message(exc: OSError, what: str = "") -> str:
    """One line for an OSError met while writing (disk full, permission changed under us)."""
    name = exc.filename if exc.filename else what
    reason = exc.strerror or errno.errorcode.get(exc.errno or 0, "") or type(exc).__name__
    return f"cannot write {name}: {reason}"
