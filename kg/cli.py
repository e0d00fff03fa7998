"""The `kg` command: parses arguments, calls library functions, formats their results.

Every KGError becomes one line `Error: ...` on stderr with exit code 1; usage errors exit 2.
"""

from __future__ import annotations

import sys

import click

from kg import DEFAULT_BASE, __version__
from kg.errors import KGError
from kg.store import DEFAULT_STORE

store_option = click.option(
    "--store",
    "store_path",
    default=DEFAULT_STORE,
    show_default=True,
    type=click.Path(file_okay=False),
    help="Directory of the on-disk Oxigraph store.",
)
base_option = click.option(
    "--base",
    default=DEFAULT_BASE,
    show_default=True,
    help="Base IRI under which papers, people and entities are minted.",
)


class _Group(click.Group):
    """Turns library errors into click's one-line `Error: ...` with exit code 1."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except KGError as exc:
            raise click.ClickException(str(exc)) from None
        except BrokenPipeError:
            # `kg extract ... | head` closes stdout early; that is not an error.
            sys.stderr.close()
            raise click.exceptions.Exit(0) from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kg")
def cli() -> None:
    """Build a knowledge graph of the medical-imaging AI literature from paper listings."""


main = cli


# Commands are added below, one function each, grouped by concern.
