"""The shape of the package: imports flow one way, and only kg.ontology spells the ontology.

The import graph is read from the source files with `ast` (no module is imported), lazy
imports inside functions and type-checking imports included. `from P import name` depends
on P itself (P's namespace is read) and on P.name when that is a module; the implicit import
of a module's parent packages is left out, as every submodule has it.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from pathlib import Path

import networkx as nx
import pytest

from kg.ontology import KG, PREFIXES

ROOT = Path(__file__).resolve().parents[1]
# pyproject.toml's [tool.setuptools.package-dir]: import name -> folder.
PACKAGES = {"kg": "kg", "kg.extractors": "extractors", "kg.outputs": "outputs",
            "kg.ontology": "ontology"}


def _modules() -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for package, folder in PACKAGES.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join((package, *parts))] = path
    return modules


def import_graph() -> nx.DiGraph:
    """Module -> modules it imports, for every module of the kg package."""
    modules = _modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    anchor = name.split(".")
                    anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                    base = ".".join(anchor + ([node.module] if node.module else []))
                else:
                    base = node.module or ""
                targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
            for target in targets:
                if target in modules and target != name:
                    graph.add_edge(name, target)
    return graph


def test_the_import_map_has_no_cycles():
    graph = import_graph()
    assert {"kg.build", "kg.engines", "kg.sources", "kg.sources.detect"} <= set(graph)
    cycles = [" -> ".join([*cycle, cycle[0]]) for cycle in nx.simple_cycles(graph)]
    assert cycles == []


def test_the_reading_side_does_not_reach_downstream():
    # sources -> extractors -> graph -> store -> outputs: nothing looks back up the flow.
    graph = import_graph()
    downstream = ("kg.graph", "kg.store", "kg.build", "kg.work", "kg.reconcile", "kg.cli",
                  "kg.outputs", "kg.query")
    for module in graph:
        if module.startswith(("kg.sources", "kg.extractors")):
            reached = nx.descendants(graph, module)
            assert not [m for m in reached if m.startswith(downstream)], module


def _python_files() -> list[Path]:
    skip = {".venv", "build", "dist", "ontology", "node_modules"}
    return [path for path in ROOT.rglob("*.py")
            if not any(part in skip or part.startswith(".") or part.endswith(".egg-info")
                       for part in path.relative_to(ROOT).parts[:-1])]


def test_only_kg_ontology_spells_the_ontology_iri():
    ontology_iri = str(KG).rstrip("#")  # read from kg.ontology, so this file does not spell it
    files = _python_files()
    assert ROOT / "kg" / "graph.py" in files and ROOT / "tests" / "conftest.py" in files
    spelled = [str(path.relative_to(ROOT)) for path in files
               if ontology_iri in path.read_text(encoding="utf-8")]
    assert spelled == []


def test_named_queries_declare_the_same_prefixes_as_kg_ontology():
    # The .rq files keep their PREFIX lines so they run unchanged in any SPARQL client.
    declared = re.compile(r"^\s*PREFIX\s+([A-Za-z][\w-]*):\s*<([^>]*)>", re.I | re.M)
    for path in sorted((ROOT / "kg" / "queries").glob("*.rq")):
        for prefix, iri in declared.findall(path.read_text(encoding="utf-8")):
            assert PREFIXES.get(prefix) == iri, f"{path.name}: PREFIX {prefix}: <{iri}>"


def test_every_imported_library_is_a_declared_dependency():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = project["dependencies"] + [
        req for extra in project["optional-dependencies"].values() for req in extra]
    declared = {re.split(r"[<>=!~ ;\[]", req, maxsplit=1)[0].lower().replace("_", "-")
                for req in requirements}
    assert all(re.search(r">=\s*\d", req) for req in project["dependencies"]), "lower bounds"
    distributions = importlib.metadata.packages_distributions()
    imported: set[str] = set()
    for path in _modules().values():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module.split(".")[0])
    third_party = sorted(imported - set(sys.stdlib_module_names) - {"kg"})
    undeclared = [name for name in third_party
                  if not {d.lower() for d in distributions.get(name, [name])} & declared]
    assert "numpy" in third_party and undeclared == []
