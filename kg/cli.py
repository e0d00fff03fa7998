"""The `kg` command: parses arguments, calls library functions, formats their results.

Every KGError becomes one line `Error: ...` on stderr with exit code 1; usage errors exit 2.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import click

from kg import DEFAULT_BASE, __version__
from kg.errors import KGError, MissingStoreError
from kg.outputs import FORMATS as EXPORT_FORMATS
from kg.reconcile import GROUP_QUADS
from kg.store import DEFAULT_STORE

store_option = click.option(
    "--store",
    "store_path",
    default=DEFAULT_STORE,
    show_default=True,
    type=click.Path(file_okay=False),
    help="Directory of the on-disk Oxigraph store.",
)
class _BadValue(click.ClickException):
    """A bad option value as one line `Error: ...`, with the usage-error exit code."""

    exit_code = 2


def _check_base(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from kg.errors import ConfigError
    from kg.graph import check_base

    try:
        check_base(value)
    except ConfigError as exc:
        raise _BadValue(f"--base: {exc}") from None
    return value


base_option = click.option(
    "--base",
    default=DEFAULT_BASE,
    show_default=True,
    callback=_check_base,
    help="Base IRI under which papers, people and entities are minted.",
)


class _Group(click.Group):
    """Turns library errors into click's one-line `Error: ...` with exit code 1."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except MissingStoreError as exc:
            raise click.ClickException(f"{exc} (run `kg build` first or pass --store)") from None
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
    from kg.errors import SkippedFile

    what = "" if isinstance(error, SkippedFile) else " (record skipped)"
    click.echo(f"Warning: {error}{what}", err=True)


paths_argument = click.argument("paths", nargs=-1, required=True, type=click.Path())


class _Stopped(BaseException):
    """SIGTERM, raised where the command is, so that it stops like Ctrl-C does."""


@contextlib.contextmanager
def _stopped_by_signals(what_is_left: str) -> Iterator[None]:
    """Ctrl-C and SIGTERM unwind the command (its workers stop, its store stays whole) and
    end it with one line and exit code 130 or 143."""
    def stop(signum: int, frame: object) -> None:
        raise _Stopped

    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, stop) if main else None
    code = 0
    try:
        yield
    except KeyboardInterrupt:
        code = 130
    except _Stopped:
        code = 143
    finally:
        if main:
            signal.signal(signal.SIGTERM, previous)
    if code:
        click.echo(f"Interrupted: {what_is_left}.", err=True)
        raise click.exceptions.Exit(code)


@cli.command()
@paths_argument
@store_option
@base_option
@click.option("--batch-size", default=512, show_default=True, type=click.IntRange(1),
              help="Papers per extraction batch.")
@click.option("--load-quads", default=GROUP_QUADS, show_default=True, type=click.IntRange(1),
              help="New papers land in store transactions of about this many quads (bigger "
                   "loads cost less CPU; 1 = every batch alone, the least lost to a kill).")
@click.option("--workers", type=click.IntRange(1), default=None,
              help="Extraction processes (default: the machine's cores; 1 = in-process).")
@click.option("--engine", "engine_name", type=click.Choice(["local", "dask"]), default="local",
              show_default=True, help="Run batches on this machine or on a Dask cluster.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Dask scheduler address for --engine dask (e.g. tcp://host:8786).")
@click.option("--shards-only", "shards_dir", type=click.Path(file_okay=False), default=None,
              metavar="DIR", help="Write N-Quads shards to DIR for a bulk loader; no store.")
def build(paths: tuple[str, ...], store_path: str, base: str, batch_size: int,
          load_quads: int, workers: int | None, engine_name: str, scheduler: str | None,
          shards_dir: str | None) -> None:
    """Read listings (files or folders), extract entities and load them into the store."""
    from tqdm import tqdm

    from kg.build import build as run_build
    from kg.engines import engine_for

    if engine_name == "dask" and not scheduler:
        raise click.UsageError("--engine dask needs --scheduler ADDRESS (e.g. tcp://host:8786)")
    engine = engine_for(engine_name, workers=workers, scheduler=scheduler)
    with _stopped_by_signals("batches already loaded stay; run the same command again to "
                             "complete the " + ("shards" if shards_dir else "store")), \
            tqdm(desc="papers", unit=" papers", file=sys.stderr,
                 disable=not sys.stderr.isatty()) as bar:
        summary = run_build(paths, store_path, base=base, batch_size=batch_size,
                            progress=bar.update, on_skip=_warn_skip, engine=engine,
                            shards_dir=shards_dir, group_quads=load_quads)
    read = summary.read
    if shards_dir:
        click.echo(f"Wrote {len(summary.shards)} shards to {shards_dir} in {summary.seconds:.1f} s")
    else:
        click.echo(f"Built {store_path} in {summary.seconds:.1f} s")
    click.echo(f"  records read      {read.records}")
    click.echo(f"  papers            {read.papers}")
    click.echo(f"  duplicates merged {read.duplicates_merged}")
    click.echo(f"  records skipped   {len(read.skipped)}")
    for error in read.skipped:
        click.echo(f"    {error}")
    if read.skipped_files:
        click.echo(f"  files skipped     {len(read.skipped_files)}")
        for error in read.skipped_files:
            click.echo(f"    {error}")
    if summary.conflicts:
        click.echo(f"  papers already stored with other metadata (stored kept) {summary.conflicts}")
    if shards_dir:
        # Shards repeat shared nodes (people, entities); a bulk load collapses the repeats.
        click.echo(f"  quads written     {summary.triples_after}")
    else:
        click.echo(f"  triples added     {summary.triples_added} "
                   f"(store now {summary.triples_after})")
        click.echo(f"  counts            recomputed in {summary.counts_seconds:.1f} s")


@cli.command()
@paths_argument
@base_option
def extract(paths: tuple[str, ...], base: str) -> None:
    """Print one JSON line per distinct paper with its entities (no store is written)."""
    import json

    from kg.extract import extract_papers

    out = sys.stdout
    for paper in extract_papers(paths, base=base, on_skip=_warn_skip):
        out.write(json.dumps(paper, ensure_ascii=False) + "\n")


@cli.command()
@click.option("--format", "fmt", required=True, type=click.Choice(list(EXPORT_FORMATS)),
              help="Output format.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="File to write.")
@store_option
@base_option
def export(fmt: str, output: str, store_path: str, base: str) -> None:
    """Write the stored graph to a file (RDF serializations, networks, tables of papers)."""
    from kg.outputs import export as export_graph
    from kg.store import open_store

    done = export_graph(open_store(store_path, read_only=True), fmt, output, base=base)
    if done.triples is not None:
        click.echo(f"Wrote {done.triples} triples to {output}")
    elif done.nodes is not None:
        click.echo(f"Wrote {done.nodes} nodes and {done.edges} edges to {output}")
    elif done.format.startswith("review-"):
        click.echo(f"Wrote review table of {done.rows} papers to {output}")
    else:
        click.echo(f"Wrote papers table to {output}")


@cli.command()
@click.option("-o", "--output", default="graph.html", show_default=True,
              type=click.Path(dir_okay=False), help="HTML file to write.")
@store_option
@base_option
@click.option("--focus", metavar="ENTITY",
              help="Draw only this node (IRI, label, alias or arXiv id) and its neighbourhood.")
@click.option("--depth", default=1, show_default=True, type=click.IntRange(0),
              help="Hops around --focus.")
@click.option("--types", metavar="TYPE,...",
              help="Node types to draw: paper, author, model, dataset, modality, task. "
                   "Without paper, the others are linked by the papers they share.")
@click.option("--min-degree", default=0, show_default=True, type=click.IntRange(0),
              help="Leave out nodes with fewer links.")
@click.option("--max-nodes", default=None, type=click.IntRange(0),
              help="Keep N nodes, entities and papers before authors, most connected "
                   "first; 0 for no limit.  [default: 5000]")
@click.option("--since", metavar="YEAR", help="Only papers from this year (or YYYY-MM[-DD]) on.")
@click.option("--title", default="medimg-kg graph", show_default=True, help="Page title.")
def viz(output: str, store_path: str, base: str, focus: str | None, depth: int,
        types: str | None, min_degree: int, max_nodes: int | None, since: str | None,
        title: str) -> None:
    """Write the graph as one self-contained, offline, interactive HTML page."""
    from kg.outputs.projection import omitted_summary
    from kg.outputs.viewer import DEFAULT_MAX_NODES, write_viewer
    from kg.store import open_store

    limit = DEFAULT_MAX_NODES if max_nodes is None else (max_nodes or None)
    graph = write_viewer(
        open_store(store_path, read_only=True), output, title=title, base=base, focus=focus,
        depth=depth, types=types.split(",") if types else None, min_degree=min_degree,
        max_nodes=limit, since=since)
    click.echo(f"Wrote {output}: {graph.number_of_nodes():,} nodes, "
               f"{graph.number_of_edges():,} edges")
    summary = omitted_summary(graph)
    if summary:
        click.echo(summary)


@cli.command()
@click.option("-o", "--output", default=None,
              help="File to write (html) or folder (md).  [default: report.html, report/]")
@click.option("--format", "fmt", type=click.Choice(["html", "md"]), default="html",
              show_default=True, help="One offline HTML page, or Markdown with SVG figures.")
@store_option
@click.option("--since", metavar="YEAR", help="Only papers from this year (or YYYY-MM[-DD]) on.")
@click.option("--modality", metavar="NAME",
              help="Only papers on this imaging modality (name, alias or DICOM code).")
@click.option("--viewer", default="graph.html", show_default=True, metavar="ADDRESS",
              help="The `kg viz` page that names link to (focused on them); '' for no links.")
@click.option("--title", default="medimg-kg report", show_default=True, help="Report title.")
@click.option("--workers", type=click.IntRange(1), default=None,
              help="Processes running the queries (default: the cores, up to 4, for stores "
                   "of 10,000 papers or more; 1 = in-process).")
def report(output: str | None, fmt: str, store_path: str, since: str | None,
           modality: str | None, viewer: str, title: str, workers: int | None) -> None:
    """Charts of the field (trends, rankings, co-use, collaboration, code), each with its data
    and the SPARQL behind it."""
    from kg.outputs.report import collect
    from kg.store import open_store

    result = collect(open_store(store_path, read_only=True), since=since, modality=modality,
                     title=title, store_path=store_path, workers=workers)
    charts = sum(1 for s in result.sections if s.rows)
    if fmt == "md":
        from kg.outputs.report_md import write_markdown

        written = write_markdown(result, output or "report", viewer=viewer or None)
    else:
        from kg.outputs.report_html import write_html

        written = write_html(result, output or "report.html", viewer=viewer or None)
    papers = result.summary.get("papers", 0)
    click.echo(f"Wrote {written}: {charts} charts over {papers:,} paper{'s' * (papers != 1)} "
               f"({result.scope.describe()})")


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


@cli.command()
@store_option
@base_option
def optimize(store_path: str, base: str) -> None:
    """Recompute the stored counts and compact the store (after many builds or updates)."""
    import time

    from kg.counts import clear_stale, refresh_counts
    from kg.store import is_store, open_store
    from kg.store import optimize as compact

    if not is_store(store_path):
        raise MissingStoreError(f"no store at {store_path}")
    started = time.perf_counter()
    store = open_store(store_path)
    refresh_counts(store, base)
    counted = time.perf_counter()
    compact(store)
    clear_stale(store_path)
    click.echo(f"Optimized {store_path}: counts recomputed in {counted - started:.1f} s, "
               f"store compacted in {time.perf_counter() - counted:.1f} s")


# --- SPARQL for everyone: query, serve, push (issue 5) ---


@cli.command()
@click.argument("gold", type=click.Path(dir_okay=False))
@paths_argument
@base_option
@click.option("--errors", "show_errors", is_flag=True,
              help="Also list each missed entity and false positive per paper.")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
def evaluate(gold: str, paths: tuple[str, ...], base: str, show_errors: bool,
             as_json: bool) -> None:
    """Score extraction over PATHS against a GOLD file (the format of gold-dev.jsonl)."""
    import json

    from kg.errors import InputError
    from kg.evaluate import evaluate as score
    from kg.extract import extract_papers

    if not Path(gold).is_file():
        raise InputError(gold, "gold file not found")
    try:
        result = score(gold, extract_papers(paths, base=base, on_skip=_warn_skip))
    except (ValueError, KeyError) as exc:
        raise InputError(gold, f"not a gold file in the gold-dev.jsonl format ({exc})") from None
    if as_json:
        click.echo(json.dumps(result if show_errors else
                              {k: v for k, v in result.items() if k != "errors"}, indent=2))
        return
    _score_table(result)
    papers = result["papers"]
    click.echo(f"papers found {papers['found']}/{papers['gold']} "
               f"(predicted {papers['predicted']})")
    if show_errors:
        for error in result["errors"]:
            label = error.get("title") or ""
            if error["kind"] == "paper":
                click.echo(f"{error['key']} paper not found {label}")
                continue
            for name in error.get("missed", []):
                click.echo(f"{error['key']} {error['kind']} missed: {name}")
            for name in error.get("false_positives", []):
                click.echo(f"{error['key']} {error['kind']} false positive: {name}")


def _score_table(result: dict) -> None:
    click.echo(f"{'type':9} {'P':>6} {'R':>6} {'F1':>6} {'TP':>5} {'FP':>5} {'FN':>5}")
    for kind in ("model", "dataset", "modality", "micro"):
        r = result[kind]
        click.echo(f"{kind:9} {r['precision']:6.3f} {r['recall']:6.3f} {r['f1']:6.3f} "
                   f"{r['tp']:5d} {r['fp']:5d} {r['fn']:5d}")


@cli.command()
@click.option("--gold", "golds", nargs=2, multiple=True, required=True,
              type=click.Path(exists=True), metavar="GOLD PATH",
              help="A gold file and the listing file or folder its papers are in "
                   "(repeatable).")
@click.option("-o", "--output", type=click.Path(file_okay=False), default=None,
              help="Folder for the trained pipeline (default: a temporary one).")
@click.option("--install", is_flag=True,
              help="Copy the trained classifier into the package (a source checkout's "
                   "extractors/model), where `kg extract` and `kg build` load it.")
@click.option("--cv", "folds", type=click.IntRange(2), default=None, metavar="K",
              help="Instead of training: K-fold cross-validation over all gold papers.")
@click.option("--by-source", is_flag=True,
              help="Instead of training: leave one gold file out, train on the rest.")
@click.option("--seed", type=int, default=0, show_default=True, help="Training seed.")
def train(golds: tuple[tuple[str, str], ...], output: str | None, install: bool,
          folds: int | None, by_source: bool, seed: int) -> None:
    """Train the extractor's classifier on gold files, or cross-validate it.

    Example: kg train --gold ../shared/corpus/gold-dev.jsonl ../shared/corpus/listings
    --gold ../shared/corpus/miccai/gold-miccai-dev.jsonl
    ../shared/corpus/miccai/miccai2025-dev.jsonl --install
    """
    import tempfile

    from kg import learn

    sets = [learn.GoldSet(Path(g), (Path(p),)) for g, p in golds]
    if folds or by_source:
        if folds and by_source:
            raise click.UsageError("give --cv K or --by-source, not both")
        results = (learn.cross_validate(sets, folds, seed=seed) if folds
                   else learn.leave_one_out(sets, seed=seed))
        how = f"{folds}-fold cross-validation" if folds else "leave one gold file out"
        for name, result in results.items():
            click.echo(f"{name} ({how}; papers {result['papers']['found']}/"
                       f"{result['papers']['gold']})")
            _score_table(result)
        return
    with tempfile.TemporaryDirectory() as tmp:
        model = learn.train_model(sets, output or tmp, seed=seed)
        click.echo(f"Trained the classifier: {model}" if output else "Trained the classifier")
        if install:
            click.echo(f"Installed it in {learn.install_model(model)}")
        elif not output:
            click.echo("Nothing kept: pass -o DIR or --install", err=True)


QUERY_TIMEOUT = 60  # seconds; `kg query --timeout`


@cli.command()
@click.argument("sparql", required=False)
@click.option("-f", "--file", "query_file", type=click.File("r", encoding="utf-8"),
              help="Read the query from FILE ('-' for stdin).")
@click.option("-n", "--name", help="Run a named question (see --list).")
@click.option("--list", "list_named", is_flag=True, help="List the named questions.")
@click.option("-p", "--param", "params", multiple=True, metavar="KEY=VALUE",
              help="Bind a parameter (repeatable); <...> binds an IRI, anything else a string.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json"]),
              default="table", show_default=True, help="Result format.")
@click.option("--allow-update", is_flag=True, help="Allow SPARQL updates (they change the store).")
@click.option("--allow-remote", is_flag=True,
              help="Allow SERVICE and LOAD, which make kg fetch URLs (refused by default).")
@click.option("--timeout", default=QUERY_TIMEOUT, show_default=True, type=click.IntRange(0),
              help="Stop the query after this many seconds (0: no limit).")
@store_option
def query(sparql: str | None, query_file, name: str | None, list_named: bool,
          params: tuple[str, ...], fmt: str, allow_update: bool, allow_remote: bool,
          timeout: int, store_path: str) -> None:
    """Run SPARQL (an argument, '-' for stdin, -f FILE or --name NAME) against the store.

    Common prefixes (kg:, schema:, mls:, oa:, prov:, bibo:, skos:, xsd:, rdf:, rdfs:) are
    predeclared. Read-only unless --allow-update is given (an update marks the stored counts
    stale until `kg build` or `kg optimize` recomputes them). The query runs in its own
    process, stopped at --timeout or Ctrl-C. Control and bidi characters in the data are
    shown escaped (\\x1b, \\u202e) in table output and whenever the output is a terminal;
    csv, tsv and json written to a file or pipe are exact.
    """
    from kg import query as q
    from kg.counts import mark_stale, reads_counts
    from kg.sandbox import run_query

    sources = [x for x in (sparql, query_file, name, list_named or None) if x is not None]
    if len(sources) != 1:
        raise click.UsageError("give exactly one of SPARQL, -f FILE, --name NAME or --list")
    if list_named:
        for named in q.list_queries():
            click.echo(f"{named.name}\n  {named.description}")
            for param in named.params:
                flag = " (optional)" if param.optional else ""
                click.echo(f"  --param {param.name}=...{flag}  {param.description}")
        return
    values: dict[str, str] = {}
    for spec in params:
        try:
            key, value = q.parse_param(spec)
        except KGError as exc:
            raise click.BadParameter(str(exc), param_hint="--param") from None
        if key in values:
            raise click.BadParameter(f"{key!r} given twice", param_hint="--param")
        values[key] = value
    declared = None
    try:
        if name is not None:
            named = q.load_query(name)
            text, declared = named.text, named.params
        elif query_file is not None:
            text = query_file.read()
        elif sparql == "-":
            text = sys.stdin.read()
        else:
            assert sparql is not None  # exactly one source was given (checked above)
            text = sparql
    except UnicodeDecodeError as exc:
        where = query_file.name if query_file is not None else "<stdin>"
        where = "standard input" if where == "<stdin>" else where
        raise click.ClickException(f"{where} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} "
                                   f"at offset {exc.start})") from None
    q.check_text(text, "the query")
    if values or declared is not None:
        text = q.bind(text, values, declared)
    sys.stdout.flush()
    # Data goes to a terminal escaped; to a file or pipe, exact.
    output = q.TerminalSafe(sys.stdout.buffer) if sys.stdout.isatty() else sys.stdout.buffer
    if allow_update and q.is_update(text):
        mark_stale(store_path)  # before it runs: an update cut short may have changed facts
    try:
        warning = run_query(store_path, text, output, fmt=fmt, allow_update=allow_update,
                            allow_remote=allow_remote, timeout=timeout or None,
                            check_counts=reads_counts(text))
    except KeyboardInterrupt:
        click.echo("Interrupted: the query was stopped.", err=True)
        raise click.exceptions.Exit(130) from None
    output.flush()
    if warning:
        click.echo(f"Warning: {warning}", err=True)


@cli.command()
@store_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on (anything but localhost exposes the graph).")
@click.option("--port", default=7878, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0 picks a free one).")
@click.option("--timeout", default=30, show_default=True, type=click.IntRange(1),
              help="Query time limit in seconds; a query past it is stopped and answered 503.")
@click.option("--memory-limit", "memory_mb", default=2048, show_default=True,
              type=click.IntRange(256), metavar="MB",
              help="Memory limit of each query process; a query past it is answered 503.")
@click.option("--workers", default=None, type=click.IntRange(1, 64),
              help="Query processes, i.e. queries answered at once (default: the number of "
                   "cores, at most 4).")
@click.option("--allow-remote", is_flag=True,
              help="Allow SERVICE, which makes the server fetch URLs (refused by default).")
@click.option("--cors", is_flag=True, help="Allow cross-origin requests from web pages.")
def serve(store_path: str, host: str, port: int, timeout: int, memory_mb: int,
          workers: int | None, allow_remote: bool, cors: bool) -> None:
    """Serve the store read-only as a SPARQL 1.1 endpoint until Ctrl-C.

    Each query runs in a worker process under the time and memory limits; one that goes past
    them is stopped and answered 503, and the endpoint stays up. While it runs, `kg build`
    refuses to write the same store.
    """
    from kg.serve import DEFAULT_WORKERS, Server

    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"Warning: listening on {host}: anyone who can reach it can query the graph",
                   err=True)

    def ready(server: Server) -> None:
        # One write, so a stop request right after start never cuts the message in half.
        click.echo(f"Serving {store_path} read-only at {server.url}\n"
                   f"SPARQL endpoint: {server.query_url} (query timeout {timeout} s, "
                   f"memory limit {memory_mb} MB)\n"
                   "Press Ctrl-C to stop.")

    server = Server(store_path, host, port, timeout, cors=cors, memory_mb=memory_mb,
                    workers=workers or DEFAULT_WORKERS, allow_remote=allow_remote)
    server.run(on_ready=ready)
    click.echo("Stopped.", err=True)


@cli.command()
@click.option("--endpoint", required=True, metavar="URL",
              help="Graph Store Protocol URL, e.g. http://localhost:7878/store (Oxigraph) or "
                   "http://localhost:3030/ds/data (Fuseki).")
@click.option("--graph", metavar="IRI", help="Target named graph (default graph otherwise).")
@click.option("--user", help="User for HTTP basic authentication.")
@click.option("--password", envvar="KG_PUSH_PASSWORD", show_envvar=True,
              help="Password for --user (prompted when missing).")
@click.option("--token", envvar="KG_PUSH_TOKEN", show_envvar=True,
              help="Bearer token (instead of --user/--password).")
@click.option("--chunk-size", default=50_000, show_default=True, type=click.IntRange(1),
              help="Triples per request.")
@click.option("--format", "fmt", type=click.Choice(["ntriples", "turtle"]), default="ntriples",
              show_default=True, help="Serialization of each chunk.")
@click.option("--retries", default=3, show_default=True, type=click.IntRange(0),
              help="Retries of a failed chunk, with doubling back-off.")
@click.option("--query-endpoint", metavar="URL",
              help="SPARQL query URL for the final count (derived for Oxigraph, Fuseki, "
                   "GraphDB/RDF4J and Virtuoso).")
@click.option("--timeout", default=1800, show_default=True, type=click.IntRange(1),
              help="Time limit of the whole push in seconds, retries included.")
@click.option("--request-timeout", default=60, show_default=True, type=click.IntRange(1),
              help="Time limit of one request in seconds, from connecting to the last byte.")
@store_option
def push(endpoint: str, graph: str | None, user: str | None, password: str | None,
         token: str | None, chunk_size: int, fmt: str, retries: int,
         query_endpoint: str | None, timeout: int, request_timeout: int,
         store_path: str) -> None:
    """Upload the graph to a SPARQL 1.1 Graph Store HTTP Protocol endpoint, in chunks."""
    from tqdm import tqdm

    from kg.push import Credentials, target_url
    from kg.push import push as run_push
    from kg.store import open_store, triple_count

    if token and (user or password):
        raise click.UsageError("use either --token or --user/--password, not both")
    if password and not user:
        raise click.UsageError("--password needs --user")
    if user and password is None:
        password = click.prompt("Password", hide_input=True, err=True)
    store = open_store(store_path, read_only=True)
    local = triple_count(store)
    with tqdm(total=local, desc="push", unit=" triples", file=sys.stderr,
              disable=not sys.stderr.isatty()) as bar:
        result = run_push(store, endpoint, graph=graph,
                          credentials=Credentials(user, password, token),
                          chunk_size=chunk_size, fmt=fmt, retries=retries,
                          timeout=timeout, request_timeout=request_timeout,
                          query_endpoint=query_endpoint, progress=bar.update)
    click.echo(f"Pushed {result.triples} triples in {result.chunks} chunk(s) to "
               f"{target_url(endpoint, graph)}"
               + (f" ({result.retries} retried)" if result.retries else ""))
    if result.remote_count is None:
        click.echo(f"Warning: remote triple count unavailable: {result.count_error}", err=True)
    else:
        click.echo(f"Remote triple count: {result.remote_count} (local store: {local}; "
                   f"via {result.query_endpoint})")


@cli.command()
@click.argument("source", type=click.Choice(["arxiv", "pubmed"]))
@click.argument("query")
@click.option("-o", "--output", "directory", required=True, type=click.Path(file_okay=False),
              help="Folder for the pages (created when missing); build it with `kg build`.")
@click.option("--max", "max_papers", type=click.IntRange(1), default=None,
              help="Stop after this many papers (default: every result).")
@click.option("--since", metavar="YYYY-MM-DD|last",
              help="Only papers from this date on; 'last' = the newest date already in the "
                   "folder.")
@click.option("--base-url", metavar="URL",
              help="arxiv: the query endpoint (default https://export.arxiv.org/api/query); "
                   "pubmed: the E-utilities base (default "
                   "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/). For mirrors and tests.")
@click.option("--api-key", envvar="NCBI_API_KEY", show_envvar=True,
              help="pubmed: NCBI API key (10 requests a second instead of 3).")
@click.option("--email", envvar="NCBI_EMAIL", show_envvar=True,
              help="pubmed: contact e-mail sent with every request, as NCBI asks.")
@click.option("--delay", type=click.FloatRange(0), default=None, metavar="SECONDS",
              help="Pause between requests. Default, and the least allowed against the "
                   "official hosts: 3 s for arXiv, 0.34 s for PubMed (0.11 s with an API key).")
@click.option("--page-size", type=click.IntRange(1), default=None,
              help="Results per request (default 100 for arXiv, 200 for PubMed, the most).")
@click.option("--retries", type=click.IntRange(0), default=4, show_default=True,
              help="Retries of a request that failed (connection, 429, 5xx), with back-off.")
@click.option("--timeout", type=click.FloatRange(1), default=60, show_default=True,
              metavar="SECONDS", help="How long to wait for an answer.")
def fetch(source: str, query: str, directory: str, max_papers: int | None, since: str | None,
          base_url: str | None, api_key: str | None, email: str | None, delay: float | None,
          page_size: int | None, retries: int, timeout: float) -> None:
    """Fetch papers from the arXiv API or PubMed into a folder that `kg build` reads.

    Pages are saved as the API returns them; running the same command again resumes an
    interrupted fetch and never fetches a page twice.
    """
    import time

    from tqdm import tqdm

    from kg.fetch import arxiv, fetch_arxiv, fetch_pubmed, pubmed

    ctx = click.get_current_context()
    if source == "arxiv":
        for name in ("api_key", "email"):
            if ctx.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE:
                raise click.UsageError(f"--{name.replace('_', '-')} is for pubmed only")
    elif not email and not base_url:
        click.echo("Warning: no --email (or NCBI_EMAIL); NCBI asks for a contact address "
                   "with every request", err=True)
    started = time.monotonic()
    with tqdm(desc=source, unit=" papers", file=sys.stderr,
              disable=not sys.stderr.isatty()) as bar:

        def progress(done: int, total: int | None) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            if source == "arxiv":
                result = fetch_arxiv(
                    query, directory, max_papers=max_papers, since=since, base_url=base_url,
                    delay=delay, page_size=arxiv.PAGE_SIZE if page_size is None else page_size,
                    retries=retries, timeout=timeout, progress=progress)
            else:
                result = fetch_pubmed(
                    query, directory, max_papers=max_papers, since=since, base_url=base_url,
                    api_key=api_key, email=email, delay=delay,
                    page_size=pubmed.BATCH if page_size is None else page_size,
                    retries=retries, timeout=timeout, progress=progress)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
    for note in result.notes:
        click.echo(f"Warning: PubMed: {note}", err=True)
    name = {"arxiv": "arXiv", "pubmed": "PubMed"}[source]
    if result.status == "complete":
        click.echo(f"Nothing left to fetch: {directory} already holds the {result.run_papers} "
                   f"papers of this query (use --since last for newer ones)")
        return
    pages = f"{len(result.pages)} page" + ("" if len(result.pages) == 1 else "s")
    click.echo(f"Fetched {result.papers} papers in {pages} from {name} into "
               f"{directory} in {time.monotonic() - started:.1f} s ({result.requests} requests"
               + (f", {result.retries} retried" if result.retries else "") + ")")
    if result.status == "resumed" and result.run_papers > result.papers:
        click.echo(f"  resumed: {result.run_papers - result.papers} papers were already saved")
    reason = {"max": f"reached --max {max_papers}", "end": "no more results",
              "since": f"reached papers older than {result.since_date}"}.get(result.stop or "")
    if reason:
        click.echo(f"  stopped: {reason}")
    click.echo(f"Next: kg build {directory}")


# --- the README's command table (tests/test_readme.py keeps the two the same) ---


def command_table() -> str:
    """The README's table of commands, rendered from what `kg COMMAND --help` says: the
    usage line with the required options, and the first paragraph of the help."""
    ctx = click.Context(cli, info_name="kg")
    rows = ["| command | what it does |", "|---|---|"]
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        assert command is not None
        sub = click.Context(command, info_name=name, parent=ctx)
        required = [f"{param.opts[0]} {param.make_metavar(sub)}" for param in command.params
                    if isinstance(param, click.Option) and param.required]
        usage = " ".join(["kg", name, *required, *command.collect_usage_pieces(sub)])
        summary = " ".join((command.help or "").split("\n\n")[0].split())
        rows.append(f"| `{_cell(usage)}` | {_cell(summary)} |")
    return "\n".join(rows) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")  # GitHub tables need their pipes escaped, even in code
