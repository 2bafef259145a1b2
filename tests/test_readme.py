"""README.md stays in step with the code: the catalogue lists every claim, the set-up commands are the CI's."""
import pathlib
import re

from proofs.registry import all_claims

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_catalogue_lists_every_registered_claim():
    text = (ROOT / "README.md").read_text()
    listed = set(re.findall(r"^\| `([A-Za-z0-9-]+)` \|", text, flags=re.M))
    builtin = {cid for cid, c in all_claims().items() if c.check.__module__.startswith("proofs.claims.")}
    assert builtin <= listed, sorted(builtin - listed)


def test_ci_runs_the_readme_commands():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    for cmd in ('pip install . && escset check', 'pip install ".[test]" && pytest -n 2'):
        assert cmd in readme
        assert cmd.replace("pip install", "pip install --quiet") in ci
