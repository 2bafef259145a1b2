"""Bad input at the command line (issue #10): one table over every command and every file format.

Each row is one bad input: the command line, the files it reads (written into a fresh directory that is also the
working directory) and keywords of which the one stderr line must contain one. Every row asserts the contract of
the CLI (README "escset check exit codes", proofs/cli/__init__.py): exit code 2, exactly one line on stderr that
names the problem, no traceback, nothing on stdout, and no file created or changed (the directory is snapshotted
before and after; ``.hypothesis/`` would show up as created).

The CLI runs in this process (``proofs.cli.main``), with numpy's error state and the warning filters of a plain
``escset`` process (a RuntimeWarning printed by a real process is a second stderr line, so it counts here too);
a few rows also run as real subprocesses to check that the two agree.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import traceback
import warnings
from dataclasses import dataclass, field

import numpy as np
import pytest

ROOT = os.geteuid() == 0 if hasattr(os, "geteuid") else False

# ---------------------------------------------------------------------------------------------------------------
# the runner
# ---------------------------------------------------------------------------------------------------------------


class _Hung(BaseException):
    pass


def _alarm(signum, frame):
    raise _Hung()


def run_cli(argv, timeout=30):
    """``escset ARGV`` in this process: (exit code, stdout, stderr), as a process would produce them."""
    from proofs.cli import main

    out, err = io.StringIO(), io.StringIO()
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
                np.errstate(all="warn", under="ignore"), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")  # python's own defaults for a script: these stay silent
            for cat in (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning):
                warnings.filterwarnings("ignore", category=cat)
            try:
                main([str(a) for a in argv])
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except _Hung:
                code = "hung"
                err.write(f"Traceback: hung for more than {timeout} s\n")
            except BaseException:  # noqa: BLE001 - what a process would print as a traceback
                code = 1
                err.write(traceback.format_exc())
        for w in caught:
            err.write(warnings.formatwarning(w.message, w.category, w.filename, w.lineno))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    return code, out.getvalue(), err.getvalue()


def snapshot(root):
    """{relative path: (kind, size, mtime, digest)} of everything under root."""
    snap = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            p = os.path.join(dirpath, d)
            snap[os.path.relpath(p, root)] = ("dir", os.stat(p).st_mode & 0o7777)
        for f in filenames:
            p = os.path.join(dirpath, f)
            st = os.lstat(p)
            if os.path.isfile(p) and not os.path.islink(p):
                with open(p, "rb") as fh:
                    digest = hashlib.sha1(fh.read()).hexdigest()
            else:
                digest = None
            snap[os.path.relpath(p, root)] = ("file", st.st_size, st.st_mtime_ns, digest, st.st_mode)
    return snap


# ---------------------------------------------------------------------------------------------------------------
# files the rows read
# ---------------------------------------------------------------------------------------------------------------
GOOD_DATA = {"X": [["1", "0"], ["0", "1"]], "Y": [["1"], ["0"]]}  # sigmoid d=2, k=1
GOOD_MU = {"a": [1, 2], "w": [[1, 0], [0, 1]], "b": [0, 0]}
DEEP = "[" * 100000 + "]" * 100000

CHECKPOINT_CONFIG = {"model": "sigmoid", "k": 1, "d": 2, "p": 2, "L": 3, "dq": 1, "m": 3, "dt": 0.1,
                     "dt_inner": None, "method": "euler", "l1": 0.0, "weight_decay": 0.0, "activation": None,
                     "seed": 0, "data": None, "teacher": 2, "n": 4, "backend": "numpy"}


def _npz(**overrides):
    """A writer of a checkpoint for the TEACH command line below, with some keys replaced (None: dropped)."""
    def write(path):
        arrays = {"a": np.zeros((3, 1, 1)), "u": np.zeros((3, 3)), "X": np.zeros((4, 2)), "Y": np.zeros((4, 1)),
                  "config": np.asarray(json.dumps(CHECKPOINT_CONFIG)), "steps_done": np.asarray(1),
                  "history_step": np.asarray([0.0]), "history_t": np.asarray([0.0]),
                  "history_loss": np.asarray([1.0])}
        for k, v in overrides.items():
            if v is None:
                arrays.pop(k, None)
            else:
                arrays[k] = v
        with open(path, "wb") as fh:
            np.savez(fh, **arrays)
    return write


def _truncated_npz(path):
    buf = io.BytesIO()
    np.savez(buf, a=np.zeros((3, 1, 1)), config=np.asarray(json.dumps(CHECKPOINT_CONFIG)))
    data = buf.getvalue()
    with open(path, "wb") as fh:
        fh.write(data[: len(data) // 2])


def _fifo(path):
    os.mkfifo(path)


def _readonly_dir(path):
    os.mkdir(path)
    os.chmod(path, 0o555)


def _data(**kv):
    d = dict(GOOD_DATA)
    d.update(kv)
    return {k: v for k, v in d.items() if v is not ...}


def _mu(**kv):
    d = dict(GOOD_MU)
    d.update(kv)
    return {k: v for k, v in d.items() if v is not ...}


USER_OK = '''
from proofs import claim
from hypothesis import strategies as hs

@claim("{cid}", instances=[{{"name": "x", "n": 1}}], numerical=True,
       strategy=hs.fixed_dictionaries({{"name": hs.just("s"), "n": hs.integers(0, 3)}}))
def check(instance, *, dps):
{body}
'''


def user_module(cid, body, strategy=True):
    text = USER_OK.format(cid=cid, body="\n".join("    " + ln for ln in body.splitlines()))
    return text if strategy else text.replace("strategy=hs.fixed_dictionaries", "strategy=None and hs.fixed_dictionaries")


# ---------------------------------------------------------------------------------------------------------------
# the table
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class Row:
    id: str
    argv: list
    keywords: tuple
    files: dict = field(default_factory=dict)
    root_ok: bool = True  # False: root bypasses the condition (a read-only directory)


AN = ["analyze", "--model", "sigmoid", "--json"]
NTK = ["ntk", "--json", "--data"]
SIM = ["simulate", "--model", "sigmoid", "--m", "3", "--steps", "2", "--dt", "0.1", "--json"]
TEACH = SIM + ["--teacher", "2", "--n", "4"]
BENCH = ["bench", "dynamics", "--json", "--steps", "1", "--m", "8", "--n", "8"]
PROVE = ["prove", "--json"]


def R(id, argv, keywords, files=None, **kw):
    return Row(id, argv, (keywords,) if isinstance(keywords, str) else tuple(keywords), files or {}, **kw)


ROWS: list[Row] = []

# --- file reading: one helper for every command (cause 1) -------------------------------------------------------
UNREADABLE = [
    ("dir", "adir", "directory", {}),
    ("non-utf8", "bad.json", "UTF-8", {"bad.json": b'{"X": [["\xe9\xff"]], "Y": [[1]]}'}),
    ("deep", "deep.json", "nested", {"deep.json": DEEP}),
    ("missing", "nope.json", "not found", {}),
    ("parent-is-file", "d.json/x.json", "not found", {}),
    ("fifo", "pipe.json", "regular file", {"pipe.json": _fifo}),
    ("devnull", "/dev/null", "regular file", {}),
    ("empty-path", "", "path", {}),
    ("empty-file", "e.json", "JSON", {"e.json": ""}),
    ("syntax", "s.json", "JSON", {"s.json": '{"X": [[1, 2]'}),
]
for name, path, kw, files in UNREADABLE:
    ROWS.append(R(f"analyze-data-{name}", AN + ["--data", path, "--measure", "mu.json"], kw, files))
    ROWS.append(R(f"analyze-measure-{name}", AN + ["--data", "d.json", "--measure", path], kw, files))
for name, path, kw, files in UNREADABLE[:5]:
    ROWS.append(R(f"ntk-data-{name}", NTK + [path], kw, files))
    ROWS.append(R(f"simulate-data-{name}", SIM + ["--data", path], kw, files))
    ROWS.append(R(f"simulate-init-{name}", TEACH + ["--init", path], kw, files))
ROWS.append(R("data-deep-inside-X", NTK + ["x.json"], "nested",
              {"x.json": '{"X": ' + "[" * 200 + "1" + "]" * 200 + "}"}))
ROWS.append(R("data-huge-integer-literal", NTK + ["x.json"], ("range", "digits"),
              {"x.json": '{"X": [[' + "9" * 5000 + ", 1]]}"}))
ROWS.append(R("check-instance-deep", ["check", "multihead-concat-identity", "--instance", DEEP[:20000] + "", "--json"],
              ("nested", "JSON")))

# --- data JSON: shapes and numbers (causes 2, 3, 9) ---------------------------------------------------------------
DATA_BAD = [
    ("toplevel-list", [1, 2], "object"),
    ("no-X", {"Y": [[1]]}, "'X'"),
    ("X-empty", _data(X=[], Y=[]), "X"),
    ("X-scalar", _data(X=5), "X"),
    ("X-string", _data(X="12"), "X"),
    ("X-object", _data(X={"a": 1}), "X"),
    ("X-mixed-entry", _data(X=[[1, [2]], [3, 4]]), "X"),
    ("X-mixed-rows", _data(X=[1, [2]]), "X"),
    ("X-ragged", _data(X=[[1, 2], [1]]), "ragged"),
    ("X-empty-rows", _data(X=[[], []]), "X"),
    ("X-4d", _data(X=[[[[1]]], [[[2]]]]), "X"),
    ("X-null", _data(X=[[1, None], [0, 1]]), "X"),
    ("X-bool", _data(X=[[1, True], [0, 1]]), "X"),
    ("X-word", _data(X=[["abc", 1], [0, 1]]), "abc"),
    ("X-hex", _data(X=[["0x10", 1], [0, 1]]), "0x10"),
    ("X-fullwidth", _data(X=[["１", 1], [0, 1]]), "decimal"),
    ("X-arabic-indic", _data(X=[["٣", 1], [0, 1]]), "decimal"),
    ("X-underscore", _data(X=[["1_000", 1], [0, 1]]), "decimal"),
    ("X-div-zero", _data(X=[["1/0", 1], [0, 1]]), "1/0"),
    ("X-inf-string", _data(X=[["inf", 1], [0, 1]]), "inf"),
    ("X-1e999-string", _data(X=[["1e999", 1], [0, 1]]), "1e999"),
    ("X-huge-exponent", _data(X=[["1e999999999", 1], [0, 1]]), "1e999999999"),
    ("Y-scalar", _data(Y=5), "Y"),
    ("Y-mixed", _data(Y=[1, [2]]), "Y"),
    ("Y-ragged", _data(Y=[[1, 2], [1]]), "ragged"),
    ("Y-count", _data(Y=[1, 2, 3]), "rows"),
    ("Y-3d", _data(Y=[[[1]], [[2]]]), "Y"),
    ("Y-word", _data(Y=["one", "0"]), "one"),
    ("Y-empty-rows", _data(Y=[[], []]), "Y"),
]
for name, obj, kw in DATA_BAD:
    ROWS.append(R(f"analyze-data-{name}", AN + ["--data", "x.json", "--measure", "mu.json"], kw,
                  {"x.json": obj}))
for name, obj, kw in DATA_BAD[:10] + [d for d in DATA_BAD if d[0] in ("X-1e999-string", "X-fullwidth")]:
    if name.startswith("Y"):
        continue
    ROWS.append(R(f"ntk-data-{name}", NTK + ["x.json"], kw, {"x.json": obj}))
ROWS += [
    R("ntk-data-1e999-number", NTK + ["x.json"], "1e999", {"x.json": '{"X": [[1e999, 1], [0, 1]]}'}),
    R("ntk-data-NaN-literal", NTK + ["x.json"], "NaN", {"x.json": '{"X": [[NaN, 1], [0, 1]]}'}),
    R("ntk-data-Infinity-literal", NTK + ["x.json"], "Infinity", {"x.json": '{"X": [[-Infinity, 1], [0, 1]]}'}),
    R("ntk-data-zero-input", NTK + ["x.json"], "zero", {"x.json": {"X": [[0, 0], [1, 0]]}}),
    R("simulate-data-1e999-number", SIM + ["--data", "x.json"], "1e999",
      {"x.json": '{"X": [[1e999, 1], [0, 1]], "Y": [1, 0]}'}),
    R("simulate-data-X-mixed", SIM + ["--data", "x.json"], "X", {"x.json": _data(X=[[1, [2]], [3, 4]])}),
    R("simulate-data-Y-scalar", SIM + ["--data", "x.json"], "Y", {"x.json": _data(Y=5)}),
    R("simulate-data-no-Y", SIM + ["--data", "x.json"], "Y", {"x.json": {"X": [[1, 0]]}}),
    R("simulate-data-attention-width", ["simulate", "--model", "attention", "--m", "3", "--steps", "1", "--dt",
                                        "0.1", "--json", "--data", "d.json", "--L", "3", "--p", "2"], "--L"),
    R("analyze-data-attention-ragged-tokens", ["analyze", "--model", "attention", "--json", "--data", "x.json",
                                               "--measure", "mu.json"], "ragged",
      {"x.json": {"X": [[[1, 2], [3]], [[1, 2], [3, 4]]], "Y": [1, 2]}}),
    R("analyze-data-no-Y", AN + ["--data", "x.json", "--measure", "mu.json"], "Y", {"x.json": {"X": [[1, 0]]}}),
    R("analyze-data-1e999-number", AN + ["--data", "x.json", "--measure", "mu.json"], "1e999",
      {"x.json": '{"X": [[1e999, 1], [0, 1]], "Y": [1, 0]}'}),
]

# --- measure JSON -------------------------------------------------------------------------------------------------
MU_BAD = [
    ("toplevel-list", [1, 2], "object"),
    ("no-a", {"w": [[1, 0]], "b": [0]}, "'a'"),
    ("a-empty", _mu(a=[], w=[], b=[]), "particles"),
    ("a-scalar", _mu(a=5), "a"),
    ("a-mixed", _mu(a=[1, [2]]), "a"),
    ("a-shape", _mu(a=[[1, 2], [3, 4]]), "shape"),
    ("a-4d", _mu(a=[[[[1]]], [[[2]]]]), "a"),
    ("a-null", _mu(a=[None, 1]), "a"),
    ("a-bool", _mu(a=[True, 1]), "a"),
    ("a-NaN", '{"a": [NaN, 1], "w": [[1, 0], [0, 1]], "b": [0, 0]}', "NaN"),
    ("w-missing", _mu(w=...), "'w'"),
    ("w-rows", _mu(w=[[1, 0]]), "rows"),
    ("w-ragged", _mu(w=[[1, 0], [1]]), "ragged"),
    ("w-mixed", _mu(w=[[1, [0]], [0, 1]]), "w"),
    ("w-width", _mu(w=[[1, 0, 0], [0, 1, 0]]), "entries"),
    ("w-scalar", _mu(w=3), "w"),
    ("b-matrix", _mu(b=[[0, 0], [0, 0]]), "b"),
    ("w-1e999-number", '{"a": [1, 2], "w": [[1e999, 0], [0, 1]], "b": [0, 0]}', "1e999"),
    ("w-1e999-string", _mu(w=[["1e999", 0], [0, 1]]), "1e999"),
    ("w-huge-exponent", _mu(w=[["-1e999999999", 0], [0, 1]]), "1e999999999"),
    ("w-fullwidth", _mu(w=[["０", 0], [0, 1]]), "decimal"),
    ("b-word", _mu(b=["zero", 0]), "zero"),
    ("mass-negative", _mu(mass=[1, -1]), "positive"),
    ("mass-zero", _mu(mass=["0", 1]), "positive"),
    ("mass-count", _mu(mass=[1]), "mass"),
    ("mass-scalar", _mu(mass=1), "mass"),
    ("mass-matrix", _mu(mass=[[1], [1]]), "mass"),
    ("mass-div-zero", _mu(mass=["1/0", 1]), "1/0"),
    ("mass-word", _mu(mass=["half", "half"]), "half"),
]
for name, obj, kw in MU_BAD:
    ROWS.append(R(f"analyze-measure-{name}", AN + ["--data", "d.json", "--measure", "m.json"], kw, {"m.json": obj}))
for name, obj, kw in [m for m in MU_BAD if m[0] in ("a-mixed", "w-mixed", "w-1e999-string", "a-NaN", "mass-zero")]:
    ROWS.append(R(f"simulate-init-{name}", TEACH + ["--init", "m.json"], kw, {"m.json": obj}))
ROWS += [
    R("analyze-measure-k-mismatch", AN + ["--data", "x.json", "--measure", "mu.json"], "shape",
      {"x.json": _data(Y=[[1, 2], [0, 1]])}),
    R("simulate-init-count", TEACH + ["--init", "mu.json"], "--m"),
]

# --- npz checkpoints (simulate --out) -----------------------------------------------------------------------------
ROWS += [
    R("checkpoint-garbage", TEACH + ["--out", "run.npz"], "checkpoint", {"run.npz": "not a zip file"}),
    R("checkpoint-truncated", TEACH + ["--out", "run.npz"], "checkpoint", {"run.npz": _truncated_npz}),
    R("checkpoint-no-config", TEACH + ["--out", "run.npz"], "checkpoint", {"run.npz": _npz(config=None)}),
    R("checkpoint-config-not-json", TEACH + ["--out", "run.npz"], "checkpoint",
      {"run.npz": _npz(config=np.asarray("{oops"))}),
    R("checkpoint-config-not-object", TEACH + ["--out", "run.npz"], "checkpoint",
      {"run.npz": _npz(config=np.asarray("[1, 2]"))}),
    R("checkpoint-no-a", TEACH + ["--out", "run.npz"], "checkpoint", {"run.npz": _npz(a=None)}),
    R("checkpoint-no-steps", TEACH + ["--out", "run.npz"], "checkpoint", {"run.npz": _npz(steps_done=None)}),
    R("checkpoint-object-array", TEACH + ["--out", "run.npz"], "checkpoint",
      {"run.npz": _npz(u=np.asarray([{"x": 1}] * 3, dtype=object))}),
    R("checkpoint-a-shape", TEACH + ["--out", "run.npz"], "checkpoint", {"run.npz": _npz(a=np.zeros((5, 2)))}),
    R("checkpoint-u-shape", TEACH + ["--out", "run.npz"], "checkpoint", {"run.npz": _npz(u=np.zeros((3, 7)))}),
    R("checkpoint-steps-negative", TEACH + ["--out", "run.npz"], "checkpoint",
      {"run.npz": _npz(steps_done=np.asarray(-4))}),
    R("checkpoint-steps-float", TEACH + ["--out", "run.npz"], "checkpoint",
      {"run.npz": _npz(steps_done=np.asarray(1.5))}),
    R("checkpoint-X-nan", TEACH + ["--out", "run.npz"], "checkpoint",
      {"run.npz": _npz(X=np.full((4, 2), np.nan))}),
    R("checkpoint-other-settings", TEACH + ["--out", "run.npz"], "different settings",
      {"run.npz": _npz(config=np.asarray(json.dumps(dict(CHECKPOINT_CONFIG, dt=0.5))))}),
]

# --- output paths (cause 6) ---------------------------------------------------------------------------------------
ROWS += [
    R("simulate-out-is-dir", TEACH + ["--out", "adir"], "directory"),
    R("simulate-out-missing-dir", TEACH + ["--out", "nodir/run.npz"], "directory"),
    R("simulate-out-parent-is-file", TEACH + ["--out", "d.json/run.npz"], "directory"),
    R("simulate-out-readonly", TEACH + ["--out", "ro/run.npz"], ("writable", "permission"), {"ro": _readonly_dir},
      root_ok=False),
    R("simulate-out-empty", TEACH + ["--out", ""], "path"),
    R("simulate-plot-missing-dir", TEACH + ["--plot", "nodir/p.png"], ("directory", "escset[plot]")),
    R("simulate-plot-is-dir", TEACH + ["--plot", "adir"], ("directory", "escset[plot]")),
    R("check-report-is-file", ["check", "multihead-concat-identity", "--report", "d.json"], "directory"),
    R("check-report-parent-is-file", ["check", "multihead-concat-identity", "--report", "d.json/rep"], "directory"),
    R("check-report-readonly", ["check", "multihead-concat-identity", "--report", "ro/rep"],
      ("writable", "permission"), {"ro": _readonly_dir}, root_ok=False),
    R("check-report-empty", ["check", "multihead-concat-identity", "--report", ""], "path"),
]

if os.path.isdir("/proc/self"):  # a directory nobody can write in, root included (the read-only rows skip for root)
    ROWS += [
        R("simulate-out-unwritable-fs", TEACH + ["--out", "/proc/run.npz"], ("writable", "cannot write")),
        R("check-report-unwritable-fs", ["check", "multihead-concat-identity", "--report", "/proc/escset-rep"],
          ("writable", "cannot write")),
        R("search-db-unwritable-fs", ["search", "cubic-smooth-step-is-C2", "--db", "/proc/escset-db", "--json"],
          ("writable", "cannot write")),
    ]

# --- activations (causes 4, 5, 9) ---------------------------------------------------------------------------------
ACT_BAD = [
    ("empty", "", "activation"),
    ("blank", "   ", "activation"),
    ("tower-of-exact-powers", "((2**64)**64)**64", "limit"),
    ("exp-exp-exp", "exp(exp(exp(1000)))", ("activation", "evaluate")),
    ("power-tower", "z**z**z**z", ("activation", "real")),
    ("log", "log(z)", ("activation", "real")),
    ("pole", "1/z", ("activation", "defined")),
    ("unknown-variable", "x + 1", "x"),
    ("fullwidth", "１+z", "character"),
    ("huge-literal", "z*1e5000", "exponent"),
    ("unbalanced", "sigmoid(z", ("expected", "end")),
    ("python", "__import__('os')", ("__import__", "unknown")),
    ("caret", "z^2", "^"),
]
for name, text, kw in ACT_BAD:
    ROWS.append(R(f"latex-activation-{name}", ["latex", "--model", "sigmoid", "--activation", text], kw))
for name, text, kw in [a for a in ACT_BAD if a[0] in ("empty", "tower-of-exact-powers", "exp-exp-exp",
                                                      "power-tower", "pole")]:
    ROWS.append(R(f"analyze-activation-{name}", AN + ["--data", "d.json", "--measure", "mu.json", "--activation",
                                                      text], kw))
    ROWS.append(R(f"simulate-activation-{name}", TEACH + ["--activation", text], kw))
ROWS += [
    R("latex-attention-activation", ["latex", "--model", "attention", "--activation", "tanh"], "activation"),
    R("simulate-attention-activation", ["simulate", "--model", "attention", "--teacher", "2", "--n", "4", "--m", "3",
                                        "--steps", "1", "--dt", "0.1", "--activation", "tanh", "--json"],
      "activation"),
    R("ntk-activation", NTK + ["d.json", "--activation", "nosuch"], "activation"),
    R("ntk-arch", NTK + ["d.json", "--arch", "cnn"], "two-layer"),
    R("ntk-depth", NTK + ["d.json", "--depth", "3"], "depth"),
    R("ntk-resnet-depth", NTK + ["d.json", "--arch", "resnet", "--depth", "1"], "depth"),
    R("ntk-quadrature", NTK + ["d.json", "--quadrature", "simpson"], "quadrature"),
    R("ntk-nodes", NTK + ["d.json", "--nodes", "1"], "nodes"),
]
_NTK_UNIT = {"u.json": {"X": [["1", "0", "0"], ["0.6", "0.8", "0"], ["0", "0.6", "0.8"]], "Y": [1, -1, 0.5]}}
ROWS += [  # audit a2 (issue #14): theorems applied outside their hypotheses, zero activation, huge labels
    R("ntk-activation-zero", NTK + ["u.json", "--activation", "0*z", "--arch", "fc", "--depth", "2"], "constant",
      _NTK_UNIT),
    R("ntk-requirements-huge-y", NTK + ["b.json", "--requirements"], "too large",
      {"b.json": '{"X": [[1, 0], [0, 1]], "Y": [1e308, 1e308]}'}),
    R("ntk-requirements-non-unit", NTK + ["n.json", "--requirements"], "unit",
      {"n.json": {"X": [[10, 0, 0], ["0.6", "0.8", 0], [0, "0.6", "0.8"]], "Y": [1, -1, 0.5]}}),
    R("ntk-requirements-erf-two-layer", NTK + ["u.json", "--requirements", "--activation", "erf"], "ReLU", _NTK_UNIT),
    R("ntk-requirements-quadrature", NTK + ["u.json", "--requirements", "--arch", "fc", "--depth", "2",
                                            "--activation", "softplus"], "certified", _NTK_UNIT),
    R("ntk-claim-unknown-key", ["check", "du2018-lazy-movement", "--instance", '{"name": "x", "m": -5}'], "unknown"),
    R("ntk-claim-samples-zero", ["check", "du2018-hinf-closed-form", "--instance", '{"name": "x", "samples": 0}'],
      "samples"),
    R("ntk-claim-n-negative", ["check", "du2018-hinf-positive-nonparallel", "--instance", '{"name": "x", "n": -1}'],
      "'n'"),
    R("ntk-claim-rho-missing", ["check", "du2018-two-point-eigenvalue", "--instance", '{"name": "x"}'], "rho"),
    R("ntk-claim-value-text", ["check", "du2019-c-sigma-constants", "--instance",
                               '{"name": "x", "activation": "tanh", "value": "abc"}'], "value"),
    R("ntk-claim-f2-scale-zero", ["check", "du2018-false-unit-norm-free", "--instance",
                                  '{"name": "x", "scale": "0"}'], "scale"),
]

# --- number options (causes 3, 9, 10) -----------------------------------------------------------------------------
A0 = AN + ["--data", "d.json", "--measure", "mu.json"]
ROWS += [
    R("analyze-time-limit-nan", A0 + ["--time-limit", "nan"], "finite"),
    R("analyze-time-limit-inf", A0 + ["--time-limit", "inf"], "finite"),
    R("analyze-time-limit-1e999", A0 + ["--time-limit", "1e999"], "finite"),
    R("analyze-time-limit-negative", A0 + ["--time-limit", "-1"], "time-limit"),
    R("analyze-time-limit-fullwidth", A0 + ["--time-limit", "５"], "ASCII"),
    R("analyze-dps-fullwidth", A0 + ["--dps", "３０"], "ASCII"),
    R("analyze-dps-low", A0 + ["--dps", "5"], "dps"),
    R("analyze-dps-word", A0 + ["--dps", "thirty"], "dps"),
    R("analyze-max-dps-below", A0 + ["--max-dps", "12"], "max-dps"),
    R("analyze-box-radius-word", A0 + ["--box-radius", "abc"], "box-radius"),
    R("analyze-box-radius-zero", A0 + ["--box-radius", "0"], "box-radius"),
    R("analyze-box-radius-nan", A0 + ["--box-radius", "nan"], "box-radius"),
    R("analyze-box-radius-fullwidth", A0 + ["--box-radius", "８"], "box-radius"),
    R("analyze-box-radius-div-zero", A0 + ["--box-radius", "1/0"], "box-radius"),
    R("analyze-box-radius-huge", A0 + ["--box-radius", "1e999999999"], "box-radius"),
    R("analyze-model-unknown", ["analyze", "--model", "mlp", "--data", "d.json", "--measure", "mu.json"], "mlp"),
    R("analyze-p-zero", ["analyze", "--model", "attention", "--data", "d.json", "--measure", "mu.json", "--p", "0"],
      "--p"),
    R("analyze-p-not-dividing", ["analyze", "--model", "attention", "--data", "d.json", "--measure", "mu.json",
                                 "--p", "3"], "--p"),
    R("analyze-dq-zero", ["analyze", "--model", "attention-qk", "--data", "d.json", "--measure", "mu.json",
                          "--dq", "0"], "dq"),
    R("analyze-missing-measure", ["analyze", "--model", "sigmoid", "--data", "d.json"], "--measure"),
    R("simulate-dt-inf", ["simulate", "--model", "sigmoid", "--teacher", "2", "--m", "3", "--steps", "1",
                          "--dt", "inf"], "finite"),
    R("simulate-dt-zero", ["simulate", "--model", "sigmoid", "--teacher", "2", "--m", "3", "--steps", "1",
                           "--dt", "0"], "--dt"),
    R("simulate-dt-negative", ["simulate", "--model", "sigmoid", "--teacher", "2", "--m", "3", "--steps", "1",
                               "--dt", "-0.1"], "--dt"),
    R("simulate-dt-inner-nan", TEACH + ["--dt-inner", "nan"], "finite"),
    R("simulate-dt-inner-zero", TEACH + ["--dt-inner", "0"], "--dt-inner"),
    R("simulate-l1-negative", TEACH + ["--l1", "-1"], "--l1"),
    R("simulate-weight-decay-nan", TEACH + ["--weight-decay", "nan"], "finite"),
    R("simulate-weight-decay-negative", TEACH + ["--weight-decay", "-0.5"], "--weight-decay"),
    R("simulate-init-scale-inf", TEACH + ["--init-scale", "inf"], "finite"),
    R("simulate-m-zero", ["simulate", "--model", "sigmoid", "--teacher", "2", "--m", "0", "--steps", "1",
                          "--dt", "0.1"], "--m"),
    R("simulate-m-fullwidth", ["simulate", "--model", "sigmoid", "--teacher", "2", "--m", "３", "--steps", "1",
                               "--dt", "0.1"], "ASCII"),
    R("simulate-steps-negative", TEACH + ["--steps", "-1"], "--steps"),
    R("simulate-every-negative", TEACH + ["--every", "-2"], "--every"),
    R("simulate-method", TEACH + ["--method", "rk9"], "rk9"),
    R("simulate-backend", TEACH + ["--backend", "fortran"], "fortran"),
    R("simulate-n-zero", SIM + ["--teacher", "2", "--n", "0"], "--n"),
    R("simulate-teacher-zero", SIM + ["--teacher", "0"], "--teacher"),
    R("simulate-k-zero", TEACH + ["--k", "0"], "--k"),
    R("simulate-data-and-teacher", TEACH + ["--data", "d.json"], "exactly one"),
    R("simulate-no-data", SIM, "exactly one"),
    R("simulate-model-unknown", ["simulate", "--model", "mlp", "--teacher", "2", "--m", "3", "--steps", "1",
                                 "--dt", "0.1"], "mlp"),
    R("simulate-memory-m", ["simulate", "--model", "sigmoid", "--teacher", "2", "--n", "64", "--m",
                            "1000000000000", "--steps", "1", "--dt", "0.1", "--json"], "memory"),
    R("simulate-memory-teacher", ["simulate", "--model", "sigmoid", "--teacher", "1000000000000", "--n", "64",
                                  "--m", "3", "--steps", "1", "--dt", "0.1", "--json"], "memory"),
    R("simulate-memory-n", ["simulate", "--model", "sigmoid", "--teacher", "2", "--n", "1000000000000",
                            "--m", "3", "--steps", "1", "--dt", "0.1", "--json"], "memory"),
    R("simulate-memory-d", ["simulate", "--model", "sigmoid", "--teacher", "2", "--n", "64", "--d", "100000000000",
                            "--m", "3", "--steps", "1", "--dt", "0.1", "--json"], "memory"),
    R("simulate-memory-attention", ["simulate", "--model", "attention", "--teacher", "2", "--n", "64", "--L",
                                    "100000", "--p", "100000", "--m", "3", "--steps", "1", "--dt", "0.1", "--json"],
      "memory"),
    R("bench-block-negative", BENCH + ["--block", "-5"], "--block"),
    R("bench-block-zero", BENCH + ["--block", "0"], "--block"),
    R("bench-m-zero", ["bench", "dynamics", "--m", "0"], "--m"),
    R("bench-steps-zero", ["bench", "dynamics", "--steps", "0"], "--steps"),
    R("bench-n-zero", ["bench", "dynamics", "--n", "0"], "--n"),
    R("bench-threads-zero", BENCH + ["--threads", "0"], "--threads"),
    R("bench-repeats-zero", BENCH + ["--repeats", "0"], "--repeats"),
    R("bench-workload", BENCH + ["--workload", "w3"], "w3"),
    R("bench-backend", BENCH + ["--backend", "fortran"], "fortran"),
    R("bench-backend-empty", BENCH + ["--backend", ""], "--backend"),
    R("bench-backend-several", BENCH + ["--backend", "numpy,numpy"], "--compare"),
    R("bench-compare-missing", BENCH + ["--compare", "nodir"], "--compare"),
    R("bench-compare-peer-python", BENCH + ["--compare", "peers", "--peer-python", "nope/python"],
      "--peer-python", {"peers/peer_numpy.py": "print('{}')\n"}),
    R("bench-quiet-wait-nan", BENCH + ["--quiet-wait", "nan"], "finite"),
    R("bench-quiet-wait-negative", BENCH + ["--quiet-wait", "-1"], "--quiet-wait"),
    R("bench-m-fullwidth", ["bench", "dynamics", "--m", "８"], "ASCII"),
    R("bench-memory-m", ["bench", "dynamics", "--json", "--m", "1000000000000"], "memory"),
    R("bench-memory-n-w2", ["bench", "dynamics", "--json", "--workload", "w2", "--n", "1000000000000"], "memory"),
    R("bench-unknown-subcommand", ["bench", "nosuch"], "nosuch"),
]

# --- prove: argument validation -----------------------------------------------------------------------------------
ROWS += [
    R("prove-empty", PROVE + [""], ("empty", "statement")),
    R("prove-no-relation", PROVE + ["z + 1"], ("relation", "==")),
    R("prove-domain", PROVE + ["z <= 1", "--over", "z in Q"], ("over", "z in")),
    R("prove-empty-interval", PROVE + ["z <= 1", "--over", "z in [1, 0]"], ("empty", "interval")),
    R("prove-dps-low", PROVE + ["z <= 1", "--dps", "5"], "dps"),
    R("prove-dps-fullwidth", PROVE + ["z <= 1", "--dps", "２０"], "ASCII"),
    R("prove-max-boxes-zero", PROVE + ["z <= 1", "--max-boxes", "0"], "max"),
    R("prove-samples-zero", PROVE + ["z == z", "--samples", "0"], "samples"),
    R("prove-time-limit-nan", PROVE + ["z <= 1", "--time-limit", "nan"], "finite"),
    R("prove-time-limit-negative", PROVE + ["z <= 1", "--time-limit", "-1"], "time"),
    R("prove-grammar", PROVE + ["z *** 2 <= 1"], ("unexpected", "expected")),
    R("prove-fullwidth", PROVE + ["z <= １"], "character"),
    R("prove-exp-tower", PROVE + ["exp(exp(exp(1000))) <= z", "--over", "z in [0, 1]"], ("beyond", "limit")),
]

# --- check / list / latex / search / top level --------------------------------------------------------------------
RAISES = user_module("user-raises-ID", "x = 1\nreturn 1 / (x - 1)")
ROWS += [
    R("check-unknown-claim", ["check", "no-such-claim", "--json"], "no-such-claim"),
    R("check-dps-low", ["check", "--dps", "3"], "dps"),
    R("check-dps-fullwidth", ["check", "multihead-concat-identity", "--dps", "３０"], "ASCII"),
    R("check-instance-syntax", ["check", "multihead-concat-identity", "--instance", "{bad json"], "JSON"),
    R("check-instance-list", ["check", "multihead-concat-identity", "--instance", "[1, 2]"], "object"),
    R("check-instance-two-claims", ["check", "multihead-concat-identity", "particle-velocity-identity",
                                    "--instance", '{"name": "x"}'], "exactly one"),
    R("check-instance-nan", ["check", "multihead-concat-identity", "--instance", '{"name": "x", "k": NaN}'], "NaN"),
    R("check-instance-wrong-fields", ["check", "multihead-concat-identity", "--instance",
                                      '{"name": "x", "H": "two"}', "--json"],
      "instance"),
    R("check-paper", ["check", "--paper", "nosuchpaper"], "nosuchpaper"),
    R("check-module-missing", ["check", "--module", "nope.py"], "not found"),
    R("check-module-dir", ["check", "--module", "adir"], "directory"),
    R("check-module-syntax", ["check", "--module", "b.py"], "SyntaxError", {"b.py": "def oops(:\n"}),
    R("check-module-non-utf8", ["check", "--module", "b.py"], ("UTF-8", "SyntaxError"),
      {"b.py": b"x = '\xff\xfe'\n"}),
    R("check-module-not-python", ["check", "--module", "b.txt"], "Python", {"b.txt": "x = 1\n"}),
    R("check-module-raises-on-import", ["check", "--module", "b.py"], "b.py", {"b.py": "import math\nmath.sqrt(-1)\n"}),
    R("check-module-exits", ["check", "--module", "b.py"], "exit", {"b.py": "import sys\nsys.exit(3)\n"}),
    R("check-module-check-raises", ["check", "user-raises-1", "--module", "u.py", "--json"], ("u.py", "line"),
      {"u.py": RAISES.replace("ID", "1")}),
    R("check-module-check-recursion", ["check", "user-recursion-1", "--module", "u.py", "--json"],
      ("u.py", "RecursionError"),
      {"u.py": user_module("user-recursion-1", "def f(n):\n    return f(n + 1)\nreturn f(0)")}),
    R("check-module-check-returns-string", ["check", "user-string-1", "--module", "u.py", "--json"], "str",
      {"u.py": user_module("user-string-1", "return 'yes'")}),
    R("check-module-duplicate-builtin", ["check", "--module", "u.py"], "already registered",
      {"u.py": user_module("multihead-concat-identity", "return 1.0")}),
    R("list-bogus-option", ["list", "--bogus"], "--bogus"),
    R("list-extra-argument", ["list", "extra"], "extra"),
    R("latex-unknown-claim", ["latex", "nosuch"], "nosuch"),
    R("latex-model-unknown", ["latex", "--model", "nosuch"], "nosuch"),
    R("latex-expr-unknown", ["latex", "--model", "sigmoid", "--expr", "nosuch"], "nosuch"),
    R("latex-claim-and-model", ["latex", "particle-velocity-identity", "--model", "sigmoid"], "not both"),
    R("latex-nothing", ["latex"], "CLAIM"),
    R("latex-k-zero", ["latex", "--model", "sigmoid", "--k", "0"], "--k"),
    R("latex-k-large", ["latex", "--model", "sigmoid", "--k", "17"], "--k"),
    R("latex-k-fullwidth", ["latex", "--model", "sigmoid", "--k", "２"], "ASCII"),
    R("search-unknown-claim", ["search", "nope", "--json"], "nope"),
    R("search-max-examples-zero", ["search", "cubic-smooth-step-is-C2", "--max-examples", "0"], "max-examples"),
    R("search-workers-zero", ["search", "cubic-smooth-step-is-C2", "--workers", "0"], "workers"),
    R("search-dps-low", ["search", "cubic-smooth-step-is-C2", "--dps", "3"], "dps"),
    R("search-db-is-file", ["search", "cubic-smooth-step-is-C2", "--max-examples", "2", "--db", "d.json",
                            "--json"], "--db"),
    R("search-db-parent-is-file", ["search", "cubic-smooth-step-is-C2", "--max-examples", "2", "--db",
                                   "d.json/db", "--json"], "--db"),
    R("search-db-readonly", ["search", "cubic-smooth-step-is-C2", "--max-examples", "2", "--db", "ro/db", "--json"],
      "--db", {"ro": _readonly_dir}, root_ok=False),
    R("search-db-empty", ["search", "cubic-smooth-step-is-C2", "--max-examples", "2", "--db", "", "--json"],
      "--db"),
    R("search-module-missing", ["search", "x", "--module", "nope.py"], "not found"),
    R("search-module-check-raises", ["search", "user-raises-2", "--module", "u.py", "--max-examples", "5",
                                     "--json"], ("u.py", "line"), {"u.py": RAISES.replace("ID", "2")}),
    R("search-module-no-strategy", ["search", "user-nostrat-1", "--module", "u.py", "--json"], "strategy",
      {"u.py": user_module("user-nostrat-1", "return 1.0", strategy=False)}),
    R("search-scheduler-without-dask", ["search", "cubic-smooth-step-is-C2", "--scheduler", "tcp://127.0.0.1:1",
                                        "--workers", "2", "--json"], ("dask", "scheduler")),
    R("check-module-fifo", ["check", "--module", "p.py"], "regular file", {"p.py": _fifo}),
    R("simulate-out-fifo", TEACH + ["--out", "run.npz"], "regular file", {"run.npz": _fifo}),
    R("latex-activation-discontinuous", ["latex", "--model", "sigmoid", "--activation", "sign(z)"], "discontinuous"),
    R("analyze-activation-sqrt-abs", A0 + ["--activation", "abs(z)**(1/2)"], "derivative"),
    R("search-db-fifo", ["search", "cubic-smooth-step-is-C2", "--db", "p", "--json"], "--db", {"p": _fifo}),
    R("unknown-command", ["nosuchcommand"], "nosuchcommand"),
    R("unknown-top-option", ["--bogus"], "--bogus"),
    R("int-option-word", ["latex", "--model", "sigmoid", "--k", "two"], "--k"),
]

IDS = [r.id for r in ROWS]
assert len(IDS) == len(set(IDS)), sorted({i for i in IDS if IDS.count(i) > 1})


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A fresh working directory with the good files, and the registry restored afterwards."""
    from proofs import registry

    registry.all_claims()  # the built-in claims are registered once per process: keep them
    (tmp_path / "d.json").write_text(json.dumps(GOOD_DATA))
    (tmp_path / "mu.json").write_text(json.dumps(GOOD_MU))
    (tmp_path / "adir").mkdir()
    monkeypatch.chdir(tmp_path)
    claims, loaded = dict(registry._REGISTRY), dict(registry._LOADED)
    yield tmp_path
    registry._REGISTRY.clear()
    registry._REGISTRY.update(claims)
    registry._LOADED.clear()
    registry._LOADED.update(loaded)
    for dirpath, dirnames, _ in os.walk(tmp_path):
        for d in dirnames:
            os.chmod(os.path.join(dirpath, d), 0o755)


def _write_files(root, files):
    for name, content in files.items():
        path = os.path.join(root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if callable(content):
            content(path)
        elif isinstance(content, bytes):
            with open(path, "wb") as fh:
                fh.write(content)
        elif isinstance(content, str):
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(content)
        else:
            with open(path, "w", encoding="utf-8") as fh:
                json.dump(content, fh, ensure_ascii=False)


def check_contract(code, out, err, keywords, before, after):
    assert "Traceback" not in err, err[-3000:]
    assert code == 2, (code, out[-500:], err[-2000:])
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert any(k.lower() in err.lower() for k in keywords), (keywords, err)
    assert out == "", out[-500:]
    assert before == after, {k: (before.get(k), after.get(k)) for k in set(before) | set(after)
                             if before.get(k) != after.get(k)}


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_bad_input(row, workdir):
    if not row.root_ok and ROOT:
        pytest.skip("root writes into read-only directories")
    _write_files(workdir, row.files)
    before = snapshot(workdir)
    code, out, err = run_cli(row.argv)
    check_contract(code, out, err, row.keywords, before, snapshot(workdir))


def test_the_table_covers_every_command_and_file_format():
    assert len(ROWS) >= 120
    commands = {r.argv[0] if r.argv[0] != "bench" else "bench" for r in ROWS}
    assert {"list", "check", "search", "analyze", "ntk", "simulate", "bench", "latex", "prove"} <= commands
    formats = {"data": any("--data" in r.argv and r.files for r in ROWS),
               "measure": any(("--measure" in r.argv or "--init" in r.argv) and r.files for r in ROWS),
               "npz": any(k.endswith(".npz") for r in ROWS for k in r.files),
               "module": any(k.endswith(".py") for r in ROWS for k in r.files)}
    assert all(formats.values()), formats


SUBPROCESS_ROWS = ["analyze-data-deep", "analyze-data-non-utf8", "simulate-activation-exp-exp-exp",
                   "check-module-check-raises"]


@pytest.mark.parametrize("row_id", SUBPROCESS_ROWS)
def test_bad_input_as_a_process(row_id, workdir):
    """The in-process runner agrees with a real ``escset`` process on a few rows."""
    row = next(r for r in ROWS if r.id == row_id)
    _write_files(workdir, row.files)
    before = snapshot(workdir)
    p = subprocess.run([sys.executable, "-c", "from proofs.cli import main; main()"] + [str(a) for a in row.argv],
                       capture_output=True, text=True, timeout=120, cwd=workdir)
    check_contract(p.returncode, p.stdout, p.stderr, row.keywords, before, snapshot(workdir))


GOOD = [
    ("data-with-bom-and-fractions", NTK + ["x.json"], {"x.json": "\ufeff" + json.dumps({"X": [["2/3", "0"], ["0", "1e-3"]]})}),
    ("data-one-coordinate", NTK + ["x.json"], {"x.json": {"X": [1, 2, 3]}}),
    ("tokens", ["analyze", "--model", "attention", "--json", "--time-limit", "2", "--data", "x.json", "--measure",
                "m.json"], {"x.json": {"X": [[["1", "0"], ["0", "1"]], [["1", "0"], ["0", "2"]]], "Y": [["1"], ["0"]]},
                            "m.json": {"a": [[["1", "0"]]], "A": [[["1", "0"], ["0", "1"]]]}}),
    ("user-max-activation", TEACH + ["--activation", "max(z, 0)"], {}),
    ("user-activation-analyze", A0 + ["--activation", "tanh(z)/2 + z/10", "--time-limit", "2"], {}),
]


@pytest.mark.parametrize("name,argv,files", GOOD, ids=[g[0] for g in GOOD])
def test_neighbouring_good_inputs_still_run(name, argv, files, workdir):
    """The checks reject the bad inputs only: their valid neighbours run (exit 0, one JSON object)."""
    _write_files(workdir, files)
    code, out, err = run_cli(argv, timeout=120)
    assert code == 0 and "Traceback" not in err, err[-3000:]
    json.loads(out)
