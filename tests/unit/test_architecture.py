"""The package's shape: no import cycles, estimator internals stay inside survey/estimators/.

Every ``import`` counts, at module level or inside a function (a lazy import still makes the
two modules depend on each other), ``TYPE_CHECKING`` blocks included.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "survey"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(package: Path) -> dict[str, set[str]]:
    """Module -> the package's modules it imports (``from a import b`` counts ``a.b`` when
    that is a module, else ``a``)."""
    files = {module_name(p): p for p in package.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in files}
    for name, path in files.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = name.split(".")
                    keep = len(parts) - node.level + (1 if is_package else 0)
                    base = ".".join(parts[:keep] + ([node.module] if node.module else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in files else base
                           for a in node.names]
            else:
                continue
            graph[name] |= {t for t in targets if t in files and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_cycle_finder_sees_a_lazy_import_cycle(tmp_path):
    pkg = tmp_path / "survey"
    (pkg / "estimators").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "estimators" / "__init__.py").write_text("")
    (pkg / "estimators" / "a.py").write_text("from survey.estimators import b\n")
    (pkg / "estimators" / "b.py").write_text(
        "def f():\n    from .a import g\n    return g\n")
    (pkg / "estimators" / "c.py").write_text("from survey.estimators.a import x\n")
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        graph = import_graph(pkg)
    finally:
        ROOT = saved
    assert graph["survey.estimators.c"] == {"survey.estimators.a"}
    assert cycles(graph) == [["survey.estimators.a", "survey.estimators.b"]]


def test_the_package_has_no_import_cycle():
    graph = import_graph(PACKAGE)
    assert len(graph) > 50
    assert "survey.estimators.sem" in graph["survey.estimators.admissibility"]
    assert cycles(graph) == []


def _ruff(path: str, source: str) -> str:
    """ruff's findings on ``source`` as if it were the project's file ``path`` (so that the
    configuration of that folder applies)."""
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache",
                           "--output-format", "concise", "--stdin-filename", path, "-"],
                          input=source, capture_output=True, text=True, cwd=ROOT)
    return done.stdout + done.stderr


@pytest.mark.parametrize("statement", [
    "from survey.estimators.pls import pls_core",
    "from survey.estimators.sem import fit_sem",
    "import survey.estimators.multigroup",
    "from survey.estimators.prepare import case_weights",
])
def test_ruff_bans_estimator_internals_outside_the_estimators(statement):
    source = f"{statement}\n"
    assert "TID251" in _ruff("survey/analysis/new_analysis.py", source)
    assert "TID251" in _ruff("survey/report/new_section.py", source)
    assert "TID251" not in _ruff("survey/estimators/new_estimator.py", source)


def test_ruff_allows_the_public_capabilities_and_keeps_semopy_in_the_engine():
    public = "from survey.estimators import BatchedPls, MultiGroupModel, case_weights\n"
    assert "TID251" not in _ruff("survey/analysis/new_analysis.py", public)
    assert "TID251" in _ruff("survey/estimators/cbsem.py", "import semopy\n")
    assert "TID251" in _ruff("survey/analysis/new_analysis.py", "import semopy\n")
    assert "TID251" not in _ruff("survey/estimators/sem.py", "import semopy\n")


def test_the_public_capabilities_resolve():
    import survey.estimators as estimate

    for name in estimate.PUBLIC:
        assert getattr(estimate, name) is not None
    with pytest.raises(AttributeError):
        estimate.pls_core  # noqa: B018


#: Declared dependencies the package uses without importing them by name, with the reason.
USED_WITHOUT_IMPORT = {
    "python-calamine": "pandas.read_excel(engine='calamine') reads .xlsx/.xls through it",
    "dask": "declared as dask[distributed]; the package imports distributed",
}


def test_declared_dependencies_are_the_imported_ones():
    import importlib.metadata as metadata
    import re
    import sys
    import tomllib

    imported = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                imported.add(node.module.split(".")[0])
    third_party = {m for m in imported if m not in sys.stdlib_module_names and m != "survey"}
    owners = metadata.packages_distributions()
    used = {owners[m][0].lower().replace("_", "-") for m in third_party}
    with open(ROOT / "pyproject.toml", "rb") as f:
        project = tomllib.load(f)["project"]
    declared, extras = set(), set()
    for spec in project["dependencies"]:
        name, _, extra = re.match(r"([A-Za-z0-9_.\-]+)(\[([^\]]+)\])?", spec).groups()
        declared.add(name.lower().replace("_", "-"))
        extras |= {e.strip().lower() for e in (extra or "").split(",") if e.strip()}
    assert used <= declared | extras, f"imported, not declared: {sorted(used - declared - extras)}"
    assert declared - used == set(USED_WITHOUT_IMPORT), sorted(declared - used)
