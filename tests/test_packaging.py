"""The wheel ships one import name, `kg`, with the mapped folders and their data files inside,
and the extractor's hot modules compiled by mypyc (setup.py), which extract exactly what their
plain-Python source does."""

from __future__ import annotations

import ast
import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LISTING = ROOT.parent / "shared" / "corpus" / "listings" / "000_0cd6e418ca8b9345.txt"


def _compiled_modules() -> tuple[str, ...]:
    """setup.py's COMPILED, read without running setup.py (importing it would build)."""
    tree = ast.parse((ROOT / "setup.py").read_text(encoding="utf-8"))
    value = next(node.value for node in tree.body if isinstance(node, ast.Assign)
                 and any(getattr(t, "id", None) == "COMPILED" for t in node.targets))
    return ast.literal_eval(value)


COMPILED = _compiled_modules()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(ROOT)],
        check=True, capture_output=True,
    )
    (built,) = out.glob("medimg_kg-*.whl")
    return built


def test_wheel_contains_only_kg_and_its_data(wheel):
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


# Run `kg extract` with the package unpacked at PYTHONPATH; an editable install's import hook
# would otherwise answer for kg.extractors.
_EXTRACT = """
import sys
sys.meta_path = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
import kg.extractors.words
print(kg.extractors.words.__file__, file=sys.stderr)
from kg.cli import main
sys.argv = ["kg", "extract", sys.argv[1]]
main()
"""


def _extract(site: Path, listing: Path) -> tuple[str, str]:
    done = subprocess.run([sys.executable, "-c", _EXTRACT, str(listing)], check=True,
                          capture_output=True, text=True, cwd=site,
                          env={**os.environ, "PYTHONPATH": str(site)})
    return done.stdout, done.stderr


@pytest.mark.skipif(importlib.util.find_spec("mypyc") is None, reason="mypyc not installed")
@pytest.mark.skipif(shutil.which((os.environ.get("CC") or "cc").split()[0]) is None,
                    reason="no C compiler")
@pytest.mark.skipif(not LISTING.is_file(), reason="../shared/corpus is not here")
def test_compiled_extractor_extracts_what_its_source_does(wheel, tmp_path):
    names = zipfile.ZipFile(wheel).namelist()
    for name in COMPILED:
        assert any(n.startswith(f"kg/extractors/{name}.") and n.endswith(".so")
                   for n in names), name
    compiled, plain = tmp_path / "compiled", tmp_path / "plain"
    zipfile.ZipFile(wheel).extractall(compiled)
    zipfile.ZipFile(wheel).extractall(plain)
    for library in plain.rglob("*.so"):
        library.unlink()
    compiled_out, compiled_log = _extract(compiled, LISTING)
    plain_out, plain_log = _extract(plain, LISTING)
    assert compiled_log.strip().endswith(".so") and plain_log.strip().endswith(".py")
    assert compiled_out.count("\n") >= 5 and '"models": [{' in compiled_out
    assert compiled_out == plain_out
