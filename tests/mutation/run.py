r"""Mutation testing of escset with a fixed, versioned list of planted bugs (issue #9, part 6).

Run it (from the repository root, in the project's virtual environment)::

    python -m tests.mutation.run                      # every mutant of tests/mutation/mutants.toml and mutants.d/
    python -m tests.mutation.run --only ID [ID ...]   # some mutants (ids, or prefixes ending in '*')
    python -m tests.mutation.run --file numerics/     # the mutants of the files under a path
    python -m tests.mutation.run --check              # only check that every snippet still applies (1 s)
    python -m tests.mutation.run sweep MODULE.py --tests tests/x.py [--since BRANCH] [--lines 40-75]  # cosmic-ray
    pytest -m slow tests/mutation                     # the same full run as a (slow) test

What it does
------------
``tests/mutation/mutants.toml`` lists mutants: a file, the *exact* original snippet, its replacement, a one-line
description of the plausible bug (a dropped factor, a bound evaluated at the wrong point, an undecided branch
returning True, ``lower()`` for ``upper()``, ``<`` for ``<=``, ...) and the test files (or node ids) that should
catch it. The runner

1. copies the repository into a scratch directory: every file of ``git ls-files --cached --others
   --exclude-standard`` in its *working-tree* version (so uncommitted work of other engineers is tested as it is
   now, and the working tree itself is never modified);
2. runs a baseline: the union of the mutants' tests on the unmutated copy must pass (otherwise a broken tree would
   "kill" every mutant); where the union fails, each distinct selection is run alone and the mutants whose own
   selection fails unmutated are reported as errors (``baseline fails``), not as kills;
3. for each mutant, sequentially, in one process at a time: replaces the snippet in the copy (the snippet must
   occur exactly once, or ``occurrence`` must say which), checks that the result still compiles, runs
   ``python -m pytest -x -q -p no:xdist <tests>`` in the copy with a per-mutant timeout, restores the file;
4. reports each mutant as ``killed`` (a test failed; the first failing test is shown), ``killed (timeout)``,
   ``killed (error)`` (pytest stopped with a collection/import error), ``survived``, ``survived (equivalent)``
   (the mutants file explains why no test can tell), or an error: ``does not apply`` (the original snippet is no
   longer in the file: the code moved, update the mutant), ``ambiguous``, ``invalid`` (does not compile),
   ``baseline fails``, ``no tests``; and prints the kill rate.

The exit status is 1 when any mutant is in error, when a mutant not marked equivalent survives, or when the kill
rate over the non-equivalent mutants is below ``--min-kill-rate`` (default 0.95); a missing snippet is never skipped
silently. Imports in the copy: pytest runs with the copy as working directory and first on ``PYTHONPATH`` (so the
copy's ``proofs``/``numerics`` shadow the editable install; checked before the run), ``PYTHONDONTWRITEBYTECODE=1``
(no stale bytecode of a mutant can survive the restore), ``CI=1`` (the derandomised hypothesis profile of
``tests/conftest.py``: a kill is reproducible) and one BLAS/OpenMP thread (the machine is shared).

Why this tool, and why the list is applied by hand
--------------------------------------------------
The maintained mutation tools for Python are mutmut (3.x) and cosmic-ray (8.x). Neither can apply a fixed list of
*semantic* mutants: both generate mutants from a catalogue of syntactic operators (``<`` -> ``<=``, ``+`` -> ``-``,
constant replacement, ...), identified by an operator name and an occurrence index that shifts whenever someone
edits the file, and neither reads "replace this snippet by that one". The bugs this list is about -- dropping the
sqrt(L) of the attention bound, evaluating a Lipschitz bound at the start of a segment only, ``mid()`` instead of an
outward end, a regulariser term forgotten -- are not single-token operator swaps, and most operator mutants of a
numerical code base are noise (``2.0 ** -40`` -> ``2.0 ** -41``). So the fixed list is applied by this runner, with
its own scratch copy, baseline and reporting (no dependency beyond pytest and the standard library: nothing is added
to the ``test`` extra).

For what the tools do well -- a broad operator sweep that finds untested lines, to be triaged into new entries of
the fixed list -- the runner drives **cosmic-ray** (``sweep`` subcommand; ``pip install cosmic-ray`` into any
environment, e.g. a separate one: it only needs to run the test command). cosmic-ray rather than mutmut because:
(a) cosmic-ray runs an arbitrary test command in a fresh subprocess per mutant, so the sweep uses exactly the
isolation of the fixed list (scratch copy, ``python -m pytest -x -q -p no:xdist``, a timeout per mutant), whereas
mutmut 3 runs pytest inside its own process and forks it per mutant -- fragile with JAX and BLAS thread pools
loaded, which these tests load; (b) mutmut 3 mutates only code inside functions (its documentation sends users to
mutmut 2 for module-level code), so the Butcher tableaus and ``TANH_FORM`` (sigma = 1/2 + 1/2 tanh(z/2)), which are
module-level constants and exactly where a dropped 1/2 hides, would never be mutated; (c) cosmic-ray's
configuration is a TOML file the sweep writes into the scratch copy (no ``[tool.mutmut]`` section in pyproject),
its session is a resumable SQLite file, and ``cr-filter-git`` restricts a sweep to the lines changed since a
branch -- the cheap standing habit ("sweep what you changed before you push"; ``--lines 40-75`` restricts a sweep to
one function with ``cr-filter-lines``: a whole module yields 300-800 operator mutants here). cosmic-ray mutates files
in place, which is why the sweep, too, runs in a scratch copy only. Survivors of a sweep are candidates: a real gap
becomes a fixed entry of ``mutants.toml`` (with the test that kills it), noise is left out.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

try:
    import tomllib
except ImportError:  # pragma: no cover - Python 3.10: tomli, if installed
    try:
        import tomli as tomllib  # type: ignore[no-redef]
    except ImportError:
        tomllib = None

HERE = Path(__file__).resolve().parent
DEFAULT_MUTANTS = HERE / "mutants.toml"
#: more mutant lists, one TOML file per area (``[[mutant]]`` tables only), read after ``mutants.toml`` when the
#: default list is loaded: each feature keeps its planted bugs next to the others without editing one shared file
MUTANTS_DIR = HERE / "mutants.d"
PYTEST_ARGS = ["-x", "-q", "-p", "no:xdist", "--tb=line"]
EXTRA_ARGS: list = []  # from [settings] of the mutants file: --deselect ..., pytest_args
DEFAULT_TIMEOUT = 300.0
KILLED = ("killed", "killed (timeout)", "killed (error)")
ERRORS = ("does not apply", "ambiguous", "invalid", "baseline fails", "no tests", "missing file")


@dataclass
class Mutant:
    id: str
    file: str
    original: str
    replacement: str
    bug: str
    tests: list
    occurrence: int | None = None
    equivalent: str | None = None
    timeout: float | None = None


@dataclass
class Outcome:
    mutant: Mutant
    status: str
    seconds: float = 0.0
    detail: str = ""
    extra: dict = field(default_factory=dict)


def load_settings(path=DEFAULT_MUTANTS) -> dict:
    """The ``[settings]`` table: ``deselect`` (node ids never run for any mutant: timing-dependent tests, whose
    failures under load would read as kills) and ``pytest_args`` (extra arguments)."""
    if tomllib is None:  # pragma: no cover
        raise SystemExit("reading mutants.toml needs Python >= 3.11 (tomllib) or pip install tomli")
    data = tomllib.loads(Path(path).read_text())
    st = dict(data.get("settings", {}))
    unknown = set(st) - {"deselect", "pytest_args"}
    if unknown:
        raise ValueError(f"[settings]: unknown keys {sorted(unknown)}")
    return st


def load_mutants(path=DEFAULT_MUTANTS) -> list[Mutant]:
    """The mutants of the TOML file, validated (unique ids, required fields, list of tests)."""
    if tomllib is None:  # pragma: no cover
        raise SystemExit("reading mutants.toml needs Python >= 3.11 (tomllib) or pip install tomli")
    entries = list(tomllib.loads(Path(path).read_text()).get("mutant", []))
    if Path(path) == DEFAULT_MUTANTS and MUTANTS_DIR.is_dir():
        for extra in sorted(MUTANTS_DIR.glob("*.toml")):
            data = tomllib.loads(extra.read_text())
            if set(data) - {"mutant"}:
                raise ValueError(f"{extra.name}: only [[mutant]] tables belong in mutants.d ([settings] lives in "
                                 "mutants.toml)")
            entries += data.get("mutant", [])
    out, seen = [], set()
    for i, m in enumerate(entries):
        missing = [k for k in ("id", "file", "original", "replacement", "bug", "tests") if k not in m]
        if missing:
            raise ValueError(f"mutant #{i} ({m.get('id', '?')}): missing {', '.join(missing)}")
        if m["id"] in seen:
            raise ValueError(f"duplicate mutant id {m['id']!r}")
        seen.add(m["id"])
        if m["original"] == m["replacement"]:
            raise ValueError(f"mutant {m['id']}: the replacement equals the original")
        tests = m["tests"]
        if isinstance(tests, str) or not tests or not all(isinstance(t, str) for t in tests):
            raise ValueError(f"mutant {m['id']}: 'tests' must be a non-empty list of test files / node ids")
        unknown = set(m) - {"id", "file", "original", "replacement", "bug", "tests", "occurrence", "equivalent",
                            "timeout"}
        if unknown:
            raise ValueError(f"mutant {m['id']}: unknown keys {sorted(unknown)}")
        out.append(Mutant(id=m["id"], file=m["file"], original=m["original"], replacement=m["replacement"],
                          bug=m["bug"], tests=list(tests), occurrence=m.get("occurrence"),
                          equivalent=m.get("equivalent"), timeout=m.get("timeout")))
    return out


def _git_files(repo: Path) -> list[str]:
    res = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=repo,
                         check=True, capture_output=True)
    names = sorted({n for n in res.stdout.decode().split("\0") if n})
    return [n for n in names if "__pycache__" not in n.split("/") and not n.endswith((".pyc", ".pyo"))]


def snapshot(repo: Path, dest: Path) -> Path:
    """Copy the working-tree version of every tracked or untracked-but-not-ignored file into ``dest/repo``; the
    sibling ``shared/`` (MATH.md, bench) is linked next to it when the repository has one."""
    root = dest / "repo"
    for name in _git_files(repo):
        src = repo / name
        if not src.exists() and not src.is_symlink():
            continue  # deleted in the working tree
        dst = root / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_symlink():
            os.symlink(os.readlink(src), dst)
        elif src.is_file():
            shutil.copy2(src, dst)
    shared = (repo / ".." / "shared").resolve()
    if shared.is_dir():
        os.symlink(shared, dest / "shared")
    return root


def _env(root: Path) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(root) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.update(PYTHONDONTWRITEBYTECODE="1", CI="1", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               MKL_NUM_THREADS="1")
    env.pop("PYTEST_ADDOPTS", None)
    env.pop("PYTEST_XDIST_AUTO_NUM_WORKERS", None)
    return env


def check_imports(root: Path) -> None:
    """The copy's packages are the ones imported (not the editable install of the working tree)."""
    code = "import proofs, numerics, sys; print(proofs.__file__); print(numerics.__file__)"
    res = subprocess.run([sys.executable, "-c", code], cwd=root, env=_env(root), capture_output=True, text=True)
    paths = res.stdout.split()
    if res.returncode != 0 or len(paths) != 2 or not all(Path(p).resolve().is_relative_to(root.resolve())
                                                         for p in paths):
        raise RuntimeError(f"the scratch copy's packages are not the ones imported: {res.stdout} {res.stderr}")


def _first_failure(text: str) -> str:
    for pat in (r"^FAILED (\S+)", r"^ERROR (\S+)", r"^(\S+:\d+: .*)$", r"^E +(.*)$"):
        m = re.search(pat, text, re.M)
        if m:
            return m.group(1)[:200]
    tail = [ln for ln in text.strip().splitlines() if ln.strip()]
    return tail[-1][:200] if tail else ""


def run_pytest(root: Path, tests, timeout: float):
    """(returncode or 'timeout', seconds, output) of pytest on ``tests`` in the copy."""
    cmd = [sys.executable, "-m", "pytest", *PYTEST_ARGS, *EXTRA_ARGS, *tests]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=root, env=_env(root), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
        rc = proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the whole process group of this pytest run (ours only)
        out, _ = proc.communicate()
        rc = "timeout"
    return rc, time.perf_counter() - t0, out or ""


def apply_mutant(text: str, m: Mutant):
    """(mutated text, None) or (None, error status and message)."""
    count = text.count(m.original)
    if count == 0:
        return None, ("does not apply", "the original snippet is not in the file (code moved: update the mutant)")
    if m.occurrence is None and count > 1:
        return None, ("ambiguous", f"the original snippet occurs {count} times; set 'occurrence' (1-based)")
    k = m.occurrence or 1
    if not 1 <= k <= count:
        return None, ("does not apply", f"occurrence {k} asked, the snippet occurs {count} times")
    pos = -1
    for _ in range(k):
        pos = text.index(m.original, pos + 1)
    return text[:pos] + m.replacement + text[pos + len(m.original):], None


def _classify(rc, out: str) -> tuple[str, str]:
    if rc == "timeout":
        return "killed (timeout)", "the tests ran past the timeout"
    if rc == 0:
        return "survived", ""
    if rc == 1:
        return "killed", _first_failure(out)
    if rc == 2:
        return "killed (error)", _first_failure(out)
    if rc == 5:
        return "no tests", "pytest collected no tests (check the mutant's test ids)"
    return "no tests", f"pytest exit status {rc}: {_first_failure(out)}"


def baseline(root: Path, mutants, timeout: float, log) -> dict:
    """Selections (tuples of test ids) whose unmutated run fails -> message."""
    union = sorted({t for m in mutants for t in m.tests})
    log(f"baseline: {len(union)} test selections on the unmutated copy ...")
    rc, secs, out = run_pytest(root, union, timeout=max(timeout, 1800.0))
    log(f"baseline: {'passed' if rc == 0 else 'FAILED (' + str(rc) + ')'} in {secs:.0f} s")
    if rc == 0:
        return {}
    log(f"baseline: the union fails at {_first_failure(out)}; running each selection alone")
    failing = {}
    for sel in sorted({tuple(m.tests) for m in mutants}):
        rc, secs, out = run_pytest(root, list(sel), timeout=timeout)
        if rc != 0:
            first = _first_failure(out)
            rc2, _, out2 = run_pytest(root, list(sel), timeout=timeout)  # a flaky test passes the second time
            if rc2 == 0:
                log(f"baseline: WARNING {' '.join(sel)} failed once unmutated ({first}) and passed on a rerun: "
                    "a flaky test; deselect it in [settings] of the mutants file")
                continue
            failing[sel] = f"unmutated run fails ({rc}): {first}"
            log(f"baseline: {' '.join(sel)} FAILS unmutated: {failing[sel]}")
    return failing


def run_mutants(mutants, repo: Path, *, timeout=None, do_baseline=True, keep=False, log=print):
    tmp = Path(tempfile.mkdtemp(prefix="escset-mutation-"))
    outcomes = []
    try:
        root = snapshot(repo, tmp)
        check_imports(root)
        log(f"scratch copy: {root}")
        prepared = []
        for m in mutants:
            path = root / m.file
            if not path.is_file():
                outcomes.append(Outcome(m, "missing file", detail=f"{m.file} is not in the repository"))
                continue
            text = path.read_text()
            new, err = apply_mutant(text, m)
            if err:
                outcomes.append(Outcome(m, err[0], detail=err[1]))
                continue
            try:
                compile(new, str(path), "exec")
            except SyntaxError as exc:
                outcomes.append(Outcome(m, "invalid", detail=f"the mutated file does not compile: {exc}"))
                continue
            prepared.append((m, path, text, new))
        failing = baseline(root, [p[0] for p in prepared], timeout or DEFAULT_TIMEOUT, log) if do_baseline else {}
        for i, (m, path, text, new) in enumerate(prepared, 1):
            if tuple(m.tests) in failing:
                outcomes.append(Outcome(m, "baseline fails", detail=failing[tuple(m.tests)]))
                continue
            path.write_text(new)
            try:
                rc, secs, out = run_pytest(root, m.tests, timeout or m.timeout or DEFAULT_TIMEOUT)
            finally:
                path.write_text(text)
            status, detail = _classify(rc, out)
            if status == "survived" and m.equivalent:
                status, detail = "survived (equivalent)", m.equivalent
            o = Outcome(m, status, secs, detail)
            outcomes.append(o)
            shown = detail if status != "survived" else m.bug
            log(f"[{i}/{len(prepared)}] {status:22s} {secs:6.1f} s  {m.id}: {shown}")
    finally:
        if keep:
            log(f"kept the scratch copy {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    order = {m.id: i for i, m in enumerate(mutants)}
    return sorted(outcomes, key=lambda o: order[o.mutant.id])


def summarize(outcomes, min_rate: float, seconds: float, log=print) -> tuple[int, dict]:
    by = {}
    for o in outcomes:
        by.setdefault(o.status, []).append(o)
    n = len(outcomes)
    killed = sum(len(by.get(s, [])) for s in KILLED)
    equiv = len(by.get("survived (equivalent)", []))
    errors = [o for o in outcomes if o.status in ERRORS]
    survivors = by.get("survived", [])
    counted = n - equiv - len(errors)
    rate = killed / counted if counted else 0.0
    log("")
    log(f"mutants: {n}; killed {killed} ({', '.join(f'{s}: {len(by[s])}' for s in KILLED if s in by)}); "
        f"survived {len(survivors)}; equivalent (explained) {equiv}; errors {len(errors)}; {seconds:.0f} s")
    for o in survivors:
        log(f"SURVIVED  {o.mutant.id} ({o.mutant.file}): {o.mutant.bug}")
    for o in by.get("survived (equivalent)", []):
        log(f"equivalent {o.mutant.id}: {o.mutant.equivalent}")
    for o in errors:
        log(f"ERROR {o.status.upper()}  {o.mutant.id} ({o.mutant.file}): {o.detail}")
    for o in outcomes:
        if o.mutant.equivalent and o.status in KILLED:
            log(f"note: {o.mutant.id} is listed as equivalent but was killed ({o.detail}): remove 'equivalent'")
    log(f"KILL RATE: {killed}/{counted} = {100 * rate:.1f} % of the non-equivalent mutants "
        f"({killed}/{n} = {100 * killed / n if n else 0:.1f} % of all)")
    ok = not errors and not survivors and rate >= min_rate
    report = {"mutants": n, "killed": killed, "survived": len(survivors), "equivalent": equiv,
              "errors": len(errors), "kill_rate": rate, "seconds": round(seconds, 1),
              "outcomes": [{"id": o.mutant.id, "file": o.mutant.file, "status": o.status,
                            "seconds": round(o.seconds, 1), "detail": o.detail, "bug": o.mutant.bug}
                           for o in outcomes]}
    return (0 if ok else 1), report


def _select(mutants, only, files):
    out = mutants
    if only:
        def hit(mid):
            return any(mid == p or (p.endswith("*") and mid.startswith(p[:-1])) for p in only)
        out = [m for m in out if hit(m.id)]
        unknown = [p for p in only if not p.endswith("*") and p not in {m.id for m in mutants}]
        if unknown:
            raise SystemExit(f"unknown mutant ids: {', '.join(unknown)}")
    if files:
        out = [m for m in out if any(m.file == f or m.file.startswith(f.rstrip("/") + "/") or
                                     (f.endswith("*") and m.file.startswith(f[:-1])) for f in files)]
    if files and not out:
        raise SystemExit(f"no mutant of the files {files}")
    return out


def check_only(mutants, repo: Path, log=print) -> int:
    """Every snippet applies to the working tree (read only) and the result compiles; every test file exists."""
    bad = 0
    for m in mutants:
        path = repo / m.file
        if not path.is_file():
            log(f"ERROR missing file  {m.id}: {m.file}")
            bad += 1
            continue
        new, err = apply_mutant(path.read_text(), m)
        if err:
            log(f"ERROR {err[0].upper()}  {m.id} ({m.file}): {err[1]}")
            bad += 1
            continue
        try:
            compile(new, str(path), "exec")
        except SyntaxError as exc:
            log(f"ERROR INVALID  {m.id}: {exc}")
            bad += 1
        for t in m.tests:
            if not (repo / t.split("::")[0]).exists():
                log(f"ERROR no such test file  {m.id}: {t}")
                bad += 1
    log(f"{len(mutants)} mutants, {bad} problem(s)")
    return 1 if bad else 0


# ------------------------------------------------------------------------------------------ cosmic-ray sweep
#: operator mutants that are noise in a numerical code base (integer/bitwise operators swapped into float formulas)
SWEEP_EXCLUDE = [r"core/ReplaceBinaryOperator_\w+_(FloorDiv|Mod|RShift|LShift|BitOr|BitAnd|BitXor)$",
                 r"core/ReplaceBinaryOperator_(FloorDiv|Mod|RShift|LShift|BitOr|BitAnd|BitXor)_\w+$",
                 r"core/ReplaceUnaryOperator_\w*Invert\w*", r"core/RemoveDecorator"]


def sweep(module: str, tests, repo: Path, *, cosmic_ray=None, since=None, timeout=120.0, keep=False, log=print,
          exclude=None, lines=None):
    """An operator sweep of one module by cosmic-ray in a scratch copy; prints the surviving operator mutants
    (candidates to triage into mutants.toml). Needs ``cosmic-ray`` on PATH (or ``--cosmic-ray``)."""
    exclude = SWEEP_EXCLUDE if exclude is None else exclude
    exe = Path(cosmic_ray) if cosmic_ray else shutil.which("cosmic-ray")
    if not exe or not Path(exe).exists():
        raise SystemExit("the sweep needs cosmic-ray: pip install cosmic-ray (any environment), or --cosmic-ray PATH")
    bindir = Path(exe).parent
    tmp = Path(tempfile.mkdtemp(prefix="escset-sweep-"))
    try:
        root = snapshot(repo, tmp)
        check_imports(root)
        if since:  # cr-filter-git diffs the copy against a branch: the copy needs the history
            shutil.copytree(repo / ".git", root / ".git", symlinks=True)
        test_cmd = " ".join([sys.executable, "-m", "pytest", *PYTEST_ARGS, *EXTRA_ARGS, *tests])
        cfg = root / "cosmic-ray.toml"
        cfg.write_text("[cosmic-ray]\n"
                       f"module-path = {json.dumps(module)}\n"
                       f"timeout = {float(timeout)}\n"
                       "excluded-modules = []\n"
                       f"test-command = {json.dumps(test_cmd)}\n\n"
                       "[cosmic-ray.distributor]\nname = \"local\"\n\n"
                       "[cosmic-ray.filters.operators-filter]\n"
                       f"exclude-operators = {json.dumps(list(exclude))}\n")
        env = _env(root)
        session = root / "session.sqlite"
        subprocess.run([str(exe), "init", str(cfg), str(session)], cwd=root, env=env, check=True)
        if exclude:
            subprocess.run([str(bindir / "cr-filter-operators"), str(session), str(cfg)], cwd=root, env=env,
                           check=True)
        if lines:  # only mutations on these line ranges of the module ("120-160", cr-filter-lines)
            with open(cfg, "a") as fh:
                fh.write("\n[cosmic-ray.filters.line-filter.lines]\n"
                         f"{json.dumps(module)} = {json.dumps(list(lines))}\n")
            subprocess.run([str(bindir / "cr-filter-lines"), "--config", str(cfg), str(session)], cwd=root, env=env,
                           check=True)
        if since:
            with open(cfg, "a") as fh:
                fh.write(f"\n[cosmic-ray.filters.git-filter]\nbranch = {json.dumps(since)}\n")
            subprocess.run([str(bindir / "cr-filter-git"), "--config", str(cfg), str(session)], cwd=root, env=env,
                           check=True)
        t0 = time.perf_counter()
        subprocess.run([str(exe), "exec", str(cfg), str(session)], cwd=root, env=env, check=True)
        log(f"cosmic-ray exec: {time.perf_counter() - t0:.0f} s")
        rep = subprocess.run([str(bindir / "cr-report"), "--show-diff", "--surviving-only", str(session)], cwd=root,
                             env=env, capture_output=True, text=True)
        log(rep.stdout)
        # cr-rate divides by every work item, the filtered (skipped) ones included: count the mutants that ran
        dump = subprocess.run([str(exe), "dump", str(session)], cwd=root, env=env, capture_output=True, text=True)
        ran = killed = 0
        for line in dump.stdout.splitlines():
            _, res = json.loads(line)
            if res and str(res.get("worker_outcome", "")).lower() == "normal":
                ran += 1
                killed += str(res.get("test_outcome", "")).lower() == "killed"
        log(f"cosmic-ray sweep: {ran} operator mutants run, {killed} killed, {ran - killed} survived "
            f"(kill rate {100 * killed / ran if ran else 0:.1f} %); survivors above are candidates to triage")
    finally:
        if keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    repo = Path(subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=HERE, check=True, capture_output=True,
                               text=True).stdout.strip())
    if argv[:1] == ["sweep"]:
        p = argparse.ArgumentParser(prog="python -m tests.mutation.run sweep")
        p.add_argument("module", help="a module path relative to the repository root, e.g. numerics/certified/linalg.py")
        p.add_argument("--tests", nargs="+", required=True, help="test files / node ids to run per mutant")
        p.add_argument("--cosmic-ray", default=None, help="path of the cosmic-ray executable")
        p.add_argument("--since", default=None, help="only lines changed since this git branch (cr-filter-git)")
        p.add_argument("--timeout", type=float, default=120.0)
        p.add_argument("--keep", action="store_true")
        p.add_argument("--lines", nargs="+", default=None, help="only these line ranges of the module, e.g. 40-75")
        p.add_argument("--exclude-operator", nargs="*", default=None,
                       help="regexes of cosmic-ray operator names to skip (default: integer/bitwise swaps)")
        a = p.parse_args(argv[1:])
        EXTRA_ARGS[:] = [x for t in load_settings().get("deselect", []) for x in ("--deselect", t)]
        return sweep(a.module, a.tests, repo, cosmic_ray=a.cosmic_ray, since=a.since, timeout=a.timeout, keep=a.keep,
                     exclude=a.exclude_operator, lines=a.lines)
    p = argparse.ArgumentParser(prog="python -m tests.mutation.run", description=__doc__.split("\n\n")[0])
    p.add_argument("--mutants", default=str(DEFAULT_MUTANTS), help="the mutants file (TOML)")
    p.add_argument("--only", nargs="+", default=None, help="mutant ids (or prefixes ending in '*')")
    p.add_argument("--file", nargs="+", default=None, dest="files", help="only the mutants of these source paths")
    p.add_argument("--exclude-file", nargs="+", default=None, help="skip the mutants of these source paths")
    p.add_argument("--timeout", type=float, default=None, help=f"seconds per mutant (default {DEFAULT_TIMEOUT:.0f}, "
                                                                "or the mutant's own 'timeout')")
    p.add_argument("--min-kill-rate", type=float, default=0.95)
    p.add_argument("--no-baseline", action="store_true", help="skip the unmutated run (faster; a broken tree then "
                                                             "looks like kills)")
    p.add_argument("--check", action="store_true", help="only check that every mutant applies (no tests run)")
    p.add_argument("--list", action="store_true", help="list the mutants")
    p.add_argument("--json", default=None, help="write the report as JSON to this path")
    p.add_argument("--keep", action="store_true", help="keep the scratch copy")
    a = p.parse_args(argv)
    settings = load_settings(a.mutants)
    EXTRA_ARGS[:] = [x for t in settings.get("deselect", []) for x in ("--deselect", t)] + list(
        settings.get("pytest_args", []))
    mutants = _select(load_mutants(a.mutants), a.only, a.files)
    if a.exclude_file:
        mutants = [m for m in mutants if not any(m.file == f or m.file.startswith(f.rstrip("/") + "/")
                                                 for f in a.exclude_file)]
    if a.list:
        for m in mutants:
            print(f"{m.id:40s} {m.file:40s} {m.bug}")
        print(f"{len(mutants)} mutants")
        return 0
    if a.check:
        return check_only(mutants, repo)
    t0 = time.perf_counter()
    outcomes = run_mutants(mutants, repo, timeout=a.timeout, do_baseline=not a.no_baseline, keep=a.keep)
    rc, report = summarize(outcomes, a.min_kill_rate, time.perf_counter() - t0)
    if a.json:
        Path(a.json).write_text(json.dumps(report, indent=1))
    return rc


if __name__ == "__main__":
    sys.exit(main())
