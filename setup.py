"""Build of medimg-kg: setuptools (settings in pyproject.toml), with the extractor's
pure-Python hot path compiled by mypyc where it can be.

Compiled, extraction spends about a fifth less CPU (bench/extraction.py); the compiled
modules are the same source, so what they extract is identical. Compiling needs a C
compiler and Python's headers; when anything about it fails, the package installs as plain
Python and a warning says so. Editable installs (`pip install -e`) are never compiled: a
compiled module would hide later edits to its source. KG_NO_COMPILE=1 skips compiling.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from setuptools import Distribution, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent
# Compile only for the commands that build the package (pip runs `bdist_wheel`); metadata
# steps (`dist_info`, `egg_info`) and editable installs (`editable_wheel`, `develop`) ask
# setuptools about extensions too, and would type-check and generate C for nothing.
BUILDING = (any(command in sys.argv for command in ("bdist_wheel", "build", "build_ext", "install"))
            and not any(command in sys.argv for command in ("editable_wheel", "develop")))
# modules of kg.extractors (source folder extractors/) that run once or more per document
COMPILED = ("abbreviations", "candidates", "decide", "features", "matcher", "normalize",
            "resolve", "rules", "shapes", "state", "tokenizer", "vocab", "words")


def mypyc_extensions(work: Path) -> list:
    """mypyc's extension modules for COMPILED, generated under `work`. mypyc names a module
    after its path, so it runs on a copy of the sources laid out as installed
    (extractors/ -> kg/extractors/, as pyproject.toml's package-dir maps it)."""
    from mypyc.build import mypycify

    tree = work / "mypyc-src"
    shutil.rmtree(tree, ignore_errors=True)
    skip = shutil.ignore_patterns("__pycache__", "*.so", "model")
    shutil.copytree(ROOT / "kg", tree / "kg", ignore=skip)
    for folder in ("extractors", "outputs", "ontology"):
        shutil.copytree(ROOT / folder, tree / "kg" / folder, ignore=skip)
    here = os.getcwd()
    os.chdir(tree)  # module names from paths, and no project mypy settings
    try:
        return mypycify([f"kg/extractors/{name}.py" for name in COMPILED]
                        + ["--ignore-missing-imports"],  # spaCy and numpy are not in the build env
                        target_dir=str(work / "mypyc-c"), group_name="kg.extractors.compiled")
    finally:
        os.chdir(here)


class CompiledBuildExt(build_ext):
    """build_ext that compiles the extractor with mypyc, or nothing when it cannot."""

    def compiling(self) -> bool:
        return BUILDING and not (os.environ.get("KG_NO_COMPILE")
                                 or getattr(self, "editable_mode", False) or self.inplace)

    def finalize_options(self) -> None:
        # the extension list must exist before setuptools prepares it, here
        if self.compiling():
            try:
                work = Path(self.get_finalized_command("build").build_temp).resolve()
                self.distribution.ext_modules = mypyc_extensions(work)
            except (Exception, SystemExit) as error:  # mypy exits on errors of its own
                _not_compiled(error)
        super().finalize_options()

    def run(self) -> None:
        if not self.compiling():  # setuptools may ask for an editable build only now
            self.extensions = []
            return
        try:
            super().run()
        except (Exception, SystemExit) as error:  # the C compiler failed
            for extension in self.extensions:  # never a compiled half: all or none
                Path(self.get_ext_fullpath(extension.name)).unlink(missing_ok=True)
            _not_compiled(error)


def _not_compiled(error: BaseException) -> None:
    reason = f"{type(error).__name__}: {error}"[:200]
    print(f"warning: the extractor was not compiled ({reason}); installing it as plain "
          "Python, which extracts the same at about 0.8x the speed", file=sys.stderr)


class PlatformDistribution(Distribution):
    """The wheel holds compiled modules, so it is tagged for this platform."""

    def has_ext_modules(self) -> bool:
        return True


setup(distclass=PlatformDistribution, cmdclass={"build_ext": CompiledBuildExt})
