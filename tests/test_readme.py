"""README.md says what the code does: its command table is `--help` (the test command is
checked against .ci/run in test_packaging.py)."""

from __future__ import annotations

import re
from pathlib import Path

from kg.cli import command_table

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_command_table_is_what_help_says():
    # Regenerate with `python .ci/readme-commands --write` after changing a command's help.
    block = README.split("<!-- commands:", 1)[1].split("\n", 1)[1]
    table = block.split("<!-- end of commands -->", 1)[0]
    assert table == command_table()


def test_every_command_is_in_the_table():
    from kg.cli import cli

    listed = re.findall(r"^\| `kg (\S+)", command_table(), re.M)
    assert listed == sorted(cli.commands) and len(listed) >= 10


def test_ci_names_only_test_files_that_exist():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for cited in re.findall(r"tests/[\w/]+\.py", ci):
        assert (ROOT / cited).is_file(), cited
