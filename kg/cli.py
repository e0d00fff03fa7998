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


def _warn_skip(error) -> None:
    click.echo(f"Warning: {error} (record skipped)", err=True)


paths_argument = click.argument("paths", nargs=-1, required=True, type=click.Path())


@cli.command()
@paths_argument
@store_option
@base_option
@click.option("--batch-size", default=512, show_default=True, type=click.IntRange(1),
              help="Papers per extraction batch and store transaction.")
def build(paths: tuple[str, ...], store_path: str, base: str, batch_size: int) -> None:
    """Read listings (files or folders), extract entities and load them into the store."""
    from tqdm import tqdm

    from kg.build import build as run_build

    with tqdm(desc="papers", unit=" papers", file=sys.stderr,
              disable=not sys.stderr.isatty()) as bar:
        summary = run_build(paths, store_path, base=base, batch_size=batch_size,
                            progress=bar.update, on_skip=_warn_skip)
    read = summary.read
    click.echo(f"Built {store_path} in {summary.seconds:.1f} s")
    click.echo(f"  records read      {read.records}")
    click.echo(f"  papers            {read.papers}")
    click.echo(f"  duplicates merged {read.duplicates_merged}")
    click.echo(f"  records skipped   {len(read.skipped)}")
    for error in read.skipped:
        click.echo(f"    {error}")
    if summary.conflicts:
        click.echo(f"  papers already stored with other metadata (stored kept) {summary.conflicts}")
    click.echo(f"  triples added     {summary.triples_added} (store now {summary.triples_after})")


@cli.command()
@paths_argument
@base_option
def extract(paths: tuple[str, ...], base: str) -> None:
    """Print one JSON line per distinct paper with its entities (no store is written)."""
    import json

    from kg.extract import extract_papers

    out = click.get_text_stream("stdout")
    for paper in extract_papers(paths, base=base, on_skip=_warn_skip):
        out.write(json.dumps(paper, ensure_ascii=False) + "\n")


@cli.command()
@click.option("--format", "fmt", required=True,
              type=click.Choice(["turtle", "nt", "nq", "trig", "jsonld", "rdfxml", "graphml",
                                 "gexf", "csv"]),
              help="Output format.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="File to write.")
@store_option
@base_option
def export(fmt: str, output: str, store_path: str, base: str) -> None:
    """Write the stored graph to a file (RDF serializations, networks, or a CSV of papers)."""
    from kg.store import open_store, triple_count

    store = open_store(store_path, read_only=True)
    if fmt == "csv":
        from kg.outputs.export import export_papers_csv

        export_papers_csv(store, output)
        click.echo(f"Wrote papers table to {output}")
    elif fmt in ("graphml", "gexf"):
        from kg.outputs import network

        writer = network.write_graphml if fmt == "graphml" else network.write_gexf
        nodes, edges = writer(store, output, base=base)
        click.echo(f"Wrote {nodes} nodes and {edges} edges to {output}")
    else:
        from kg.outputs.export import export_rdf

        export_rdf(store, fmt, output, base=base)
        click.echo(f"Wrote {triple_count(store)} triples to {output}")


@cli.command()
@store_option
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def stats(store_path: str, as_json: bool) -> None:
    """Count papers, people, models, datasets, modalities, mentions and triples."""
    import json

    from kg.stats import store_stats
    from kg.store import open_store

    counts = store_stats(open_store(store_path, read_only=True))
    if as_json:
        click.echo(json.dumps(counts, indent=2))
    else:
        width = max(map(len, counts))
        for name, value in counts.items():
            click.echo(f"{name.replace('_', ' '):{width}}  {value}")


@cli.command()
@store_option
@click.option("--report", is_flag=True, help="Print pySHACL's full report on violations.")
def validate(store_path: str, report: bool) -> None:
    """Check the stored graph against the SHACL shapes (exit 1 on violations)."""
    from kg.store import open_store
    from kg.validate import validate_store

    result = validate_store(open_store(store_path, read_only=True))
    if result.conforms:
        click.echo("The graph conforms to ontology/shapes.ttl.")
        return
    if report:
        click.echo(result.text, err=True)
    raise click.ClickException(
        f"{result.violations} SHACL violation(s) against ontology/shapes.ttl "
        "(rerun with --report for details)"
    )
