"""The layer contracts of the package (issue #11), checked on every test run.

The contracts live in ``[tool.importlinter]`` of pyproject.toml (``lint-imports`` checks them too): numerics never
imports proofs; proofs.cli is imported by nothing but itself; proofs.symbolic imports neither proofs.prove,
proofs.analyze, proofs.search nor proofs.claims; no cycles between sibling packages/modules (import-linter's
``acyclic_siblings``). Imports inside functions count. import-linter's ``acyclic_siblings`` does not see a cycle
through a package and one of its own submodules, so the second test looks for any cycle of the module graph
(grimp, import-linter's graph library).
"""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_LINT = ("import sys; from importlinter.cli import lint_imports; "
         "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))")


def test_import_contracts_are_kept():
    res = subprocess.run([sys.executable, "-c", _LINT], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr


def _cycles(graph):
    """The strongly connected components (more than one module) of the direct-import graph (Tarjan, iterative)."""
    index, low, on, stack, out = {}, {}, set(), [], []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph.find_modules_directly_imported_by(w)))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def test_no_import_cycles():
    import grimp

    sys.path.insert(0, str(ROOT))
    try:
        graph = grimp.build_graph("proofs", "numerics", cache_dir=None)
    finally:
        sys.path.remove(str(ROOT))
    report = []
    for comp in _cycles(graph):
        members = set(comp)
        edges = []
        for a in comp:
            for b in sorted(graph.find_modules_directly_imported_by(a) & members):
                lines = ", ".join(f"l.{d['line_number']}" for d in graph.get_import_details(importer=a, imported=b))
                edges.append(f"  {a} -> {b} ({lines})")
        report.append("cycle among " + ", ".join(comp) + ":\n" + "\n".join(edges))
    assert not report, "\n".join(report)
