"""Every notebook runs at its SMALL default size, as a notebook: the jupytext percent script (the diff-able source)
is converted to .ipynb and executed by nbmake (a Jupyter kernel, cell by cell, in the notebooks folder)."""
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.py"))


def _claim_ids():
    from proofs.registry import all_claims

    return set(all_claims())


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_under_nbmake(path, tmp_path, monkeypatch):
    jupytext = pytest.importorskip("jupytext")
    nb_run = pytest.importorskip("nbmake.nb_run")
    monkeypatch.setenv("ESCSET_FIGURES", str(tmp_path))  # the kernel inherits it: figures go to a scratch folder
    nb = jupytext.read(path)
    ipynb = path.parent / f".{path.stem}.test.ipynb"  # next to the notebook: it runs in the notebooks folder
    try:
        jupytext.write(nb, ipynb)
        result = nb_run.NotebookRun(ipynb, default_timeout=120).execute()
    finally:
        ipynb.unlink(missing_ok=True)
    err = result.error
    assert err is None, f"{path.name}: {err.summary if err else ''}\n{err.trace if err else ''}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_opens_with_its_claims_and_uses_the_public_api(path):
    text = path.read_text()
    first = text.split("# %%\n", 1)[0]  # the opening markdown cell
    assert "**Claims illustrated:**" in first and "**Settings:**" in first, path.name
    assert "SMALL = True" in text
    assert "MATH.md" not in text and "../shared" not in text
    for mod in re.findall(r"^\s*from (\S+) import", text, flags=re.M):
        assert mod.split(".")[0] not in ("numerics", "tests"), (path.name, mod)  # the public API only
        assert not any(part.startswith("_") for part in mod.split(".")), (path.name, mod)
    ids = set(re.findall(r"`([a-z0-9]+(?:-[a-z0-9]+)+)`", first))
    known = _claim_ids()
    assert ids & known or "user conjecture" in first or "Your own model" in first, path.name


def test_there_are_notebooks_and_they_are_jupytext_paired():
    assert NOTEBOOKS
    for path in NOTEBOOKS:
        assert path.read_text().startswith("# ---\n# jupyter:\n#   jupytext:"), path.name
