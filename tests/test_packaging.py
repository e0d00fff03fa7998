"""The wheel ships one import name, `kg`, with the mapped folders and their data files inside."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_contains_only_kg_and_its_data(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(ROOT)],
        check=True, capture_output=True,
    )
    (wheel,) = tmp_path.glob("medimg_kg-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/", 1)[0] for n in names if not n.startswith("medimg_kg-")}
    assert top == {"kg"}, top  # no generic `extractors` or `outputs` in site-packages
    for required in ("kg/extractors/__init__.py", "kg/outputs/__init__.py",
                     "kg/ontology/kg.ttl", "kg/ontology/shapes.ttl",
                     "kg/ontology/vocab/modalities.ttl", "kg/sources/__init__.py",
                     "kg/py.typed", "kg/ontology/namespaces.py",
                     "kg/outputs/report_sparql/summary.rq", "kg/outputs/report_template.html",
                     "kg/outputs/report.js", "kg/outputs/report.css"):
        assert required in names, required
    assert any(n.startswith("kg/queries/") and n.endswith(".rq") for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "kg = kg.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_readme_test_command_is_what_ci_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = next(line for line in ci.splitlines() if line.startswith("python3 -m venv"))
    assert command in readme
