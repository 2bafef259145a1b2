"""Mutation testing as a test: the fixed list of tests/mutation/mutants.toml (see tests/mutation/run.py).

``pytest -m slow tests/mutation`` runs every mutant (sequentially, one process: ~13 min on 2 shared cores); the fast
test only checks the list itself (parses, enough mutants, every field meaningful, every test file exists).
"""
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("escset_mutation_run", Path(__file__).with_name("run.py"))
_run = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _run  # dataclasses resolve their module through sys.modules
_spec.loader.exec_module(_run)
DEFAULT_MUTANTS, load_mutants = _run.DEFAULT_MUTANTS, _run.load_mutants
if _run.tomllib is None:  # pragma: no cover - Python 3.10 without tomli
    pytest.skip("mutants.toml needs tomllib (Python >= 3.11) or tomli", allow_module_level=True)
AREAS = ("proofs/claims/", "proofs/prove/interval.py", "proofs/prove/", "proofs/prove/domain.py",
         "proofs/symbolic/codegen.py", "numerics/particles.py", "numerics/dynamics/fields.py", "numerics/dynamics/flow.py", "numerics/dynamics/integrators.py",
         "numerics/dynamics/kernels_", "numerics/certified/linalg.py",
         "proofs/analyze/__init__.py",
         # the paper issues: each new area keeps mutants (tests/mutation/mutants.d/)
         "proofs/analyze/escaping.py", "numerics/certified/levelset.py", "numerics/certified/hardmax.py",
         "proofs/experiments/", "numerics/ntk/", "proofs/ntk.py", "proofs/claims/du_2018/", "proofs/claims/du_2019/",
         "numerics/twotimescale/", "proofs/twotimescale/", "proofs/claims/marion_berthier_2023/", "proofs/search/",
         "proofs/prove/latex.py", "proofs/report.py",
         # session 4: the general levelset tables, the exact inverse design
         "proofs/analyze/levelset_tables.py", "proofs/problem/inverse_design.py")


def test_mutant_list_is_well_formed():
    mutants = load_mutants(DEFAULT_MUTANTS)
    assert len(mutants) >= 60
    for area in AREAS:
        assert any(m.file.startswith(area) for m in mutants), f"no mutant of {area}"
    for m in mutants:
        assert (ROOT / m.file).is_file(), m.id
        assert len(m.bug.split()) >= 4, f"{m.id}: describe the plausible bug in one line"
        assert m.equivalent is None or len(m.equivalent.split()) >= 8, f"{m.id}: explain why it is equivalent"
        for t in m.tests:
            assert (ROOT / t.split("::")[0]).is_file(), f"{m.id}: no test file {t}"


@pytest.mark.slow
def test_every_mutant_is_killed_or_explained():
    """Applies every mutant to a scratch copy and runs its tests; fails on a survivor that is not explained as
    equivalent, on a snippet that no longer applies, or below a 95 % kill rate."""
    res = subprocess.run([sys.executable, "-m", "tests.mutation.run"], cwd=ROOT, capture_output=True, text=True)
    tail = "\n".join((res.stdout + res.stderr).splitlines()[-60:])
    assert res.returncode == 0, tail
