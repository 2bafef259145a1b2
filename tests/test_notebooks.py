"""Every notebook (percent-format script in notebooks/) runs at its SMALL default size."""
import pathlib
import runpy

import pytest

NOTEBOOKS = sorted((pathlib.Path(__file__).resolve().parents[1] / "notebooks").glob("*.py"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path, capsys):
    runpy.run_path(str(path), run_name="__main__")
    assert capsys.readouterr().out  # it printed its results


def test_there_are_notebooks():
    assert NOTEBOOKS
