"""A local HTTP server speaking the arXiv API and NCBI E-utilities, for the fetch tests.

Written by the team from the public format documentation (arXiv API user manual: an Atom
1.0 feed with opensearch:totalResults/startIndex/itemsPerPage and one <entry> per paper;
E-utilities: eSearchResult with Count/RetMax/RetStart/QueryKey/WebEnv/IdList, efetch's
PubmedArticleSet). The papers are invented and generated from an index, so every test
knows what it should get. Faults are switched on per test: a 503 with Retry-After, a
malformed page, a slow page, a rejected query, the server going away.

    with ApiServer(arxiv_total=250) as server:
        server.url("/api/query")  ->  "http://127.0.0.1:PORT/api/query"
        server.log                ->  [Hit(time, kind, params), ...]
"""

# The answers are XML templates with long lines, as the APIs write them.
# ruff: noqa: E501

from __future__ import annotations

import datetime as dt
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape, quoteattr

ARXIV_PATH = "/api/query"
EUTILS = "/eutils/"

_MODELS = ["FooNet", "BarFormer", "QuxSAM", "ZedUNet", "MockViT", "FauxDiff"]
_TASKS = ["segmentation", "classification", "registration", "detection", "reconstruction"]
_ORGANS = ["liver", "brain", "breast", "lung", "prostate", "retina"]
_MODALITIES = ["CT", "MRI", "mammography", "ultrasound", "PET", "OCT"]
_GIVEN = ["Ada", "Bruno", "Chiara", "Dmitri", "Eun-ji", "Farid", "Greta", "Hiroshi"]
_FAMILY = ["Example", "Sample", "Placeholder", "Mockley", "Fictus", "Imaginaro"]
_PLACES = ["Nowhere University", "Institute of Pretend Imaging", "Fictional Medical Centre",
           "Made-Up Polytechnic"]
NEWEST = dt.date(2025, 3, 31)


def paper(i: int) -> dict:
    """The i-th invented paper (0 = newest); three papers a day going back from NEWEST."""
    model = f"{_MODELS[i % 6]}{i}"
    task, organ, modality = _TASKS[i % 5], _ORGANS[(i // 5) % 6], _MODALITIES[(i // 3) % 6]
    authors = []
    for k in range(1 + i % 3):
        n = i + k
        affiliations = [f"Department {k + 1}, {_PLACES[n % 4]}"]
        if k == 0:
            affiliations.append(f"{_PLACES[(n + 1) % 4]}, Atlantis")
        authors.append((_GIVEN[n % 8], _FAMILY[(n // 8) % 6], affiliations))
    return {
        "i": i,
        "arxiv": f"2503.{10000 + i:05d}",
        "pmid": str(40000000 + i),
        "doi": f"10.5555/pretend.{i}",
        "pmc": f"PMC{11000000 + i}" if i % 2 == 0 else None,
        "date": NEWEST - dt.timedelta(days=i // 3),
        "title": f"{model}: invented {task} of the {organ} in {modality}",
        "abstract": (f"We propose {model}, a made-up network for {task} of the {organ} in "
                     f"{modality} scans. It was evaluated on pretend data of {100 + i} "
                     "invented patients and improves an imaginary baseline."),
        "authors": authors,
    }


def arxiv_feed(query: str, start: int, wanted: int, total: int, offset: int = 0) -> bytes:
    """An arXiv API answer: papers offset+start ... of `total`, newest first."""
    entries = []
    for i in range(start, min(start + wanted, total)):
        p = paper(i + offset)
        authors = "".join(
            "<author><name>{}</name>{}</author>".format(
                escape(f"{g} {f}"),
                "".join(f"<arxiv:affiliation>{escape(a)}</arxiv:affiliation>" for a in affs))
            for g, f, affs in p["authors"])
        stamp = f"{p['date'].isoformat()}T12:00:00Z"
        entries.append(f"""  <entry>
    <id>http://arxiv.org/abs/{p['arxiv']}v1</id>
    <updated>{stamp}</updated>
    <published>{stamp}</published>
    <title>{escape(p['title'])}</title>
    <summary>  {escape(p['abstract'])}
</summary>
    {authors}
    <arxiv:doi>{p['doi']}</arxiv:doi>
    <link href="http://arxiv.org/abs/{p['arxiv']}v1" rel="alternate" type="text/html"/>
    <link title="pdf" href="http://arxiv.org/pdf/{p['arxiv']}v1" rel="related" type="application/pdf"/>
    <arxiv:comment>{8 + i % 5} pages</arxiv:comment>
    <arxiv:primary_category term="eess.IV" scheme="http://arxiv.org/schemas/atom"/>
    <category term="eess.IV" scheme="http://arxiv.org/schemas/atom"/>
    <category term="cs.CV" scheme="http://arxiv.org/schemas/atom"/>
  </entry>
""")
    q = escape(query)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom">
  <link href="http://arxiv.org/api/query?search_query={q}" rel="self" type="application/atom+xml"/>
  <title type="html">ArXiv Query: search_query={q}&amp;start={start}&amp;max_results={wanted}</title>
  <id>http://arxiv.org/api/pretendfeedid</id>
  <updated>{NEWEST.isoformat()}T00:00:00-04:00</updated>
  <opensearch:totalResults>{total}</opensearch:totalResults>
  <opensearch:startIndex>{start}</opensearch:startIndex>
  <opensearch:itemsPerPage>{wanted}</opensearch:itemsPerPage>
{"".join(entries)}</feed>
""".encode()


def arxiv_error(message: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">
  <title type="html">ArXiv Query: error</title>
  <id>http://arxiv.org/api/errorfeed</id>
  <updated>{NEWEST.isoformat()}T00:00:00-04:00</updated>
  <opensearch:totalResults>1</opensearch:totalResults>
  <opensearch:startIndex>0</opensearch:startIndex>
  <opensearch:itemsPerPage>1</opensearch:itemsPerPage>
  <entry>
    <id>http://arxiv.org/api/errors#{quoteattr(message)[1:-1].replace(" ", "_")}</id>
    <title>Error</title>
    <summary>{escape(message)}</summary>
    <updated>{NEWEST.isoformat()}T00:00:00-04:00</updated>
    <link href="http://arxiv.org/api/errors#x" rel="alternate" type="text/html"/>
    <author><name>arXiv api core</name></author>
  </entry>
</feed>
""".encode()


def pubmed_article(i: int) -> str:
    p = paper(i)
    authors = []
    for g, f, affs in p["authors"]:
        info = "".join(f"<AffiliationInfo><Affiliation>{escape(a)}.</Affiliation></AffiliationInfo>"
                       for a in affs)
        authors.append(f"""<Author ValidYN="Y"><LastName>{escape(f)}</LastName>
<ForeName>{escape(g)}</ForeName><Initials>{g[0]}</Initials>{info}</Author>""")
    d = p["date"]
    pmc = f'<ArticleId IdType="pmc">{p["pmc"]}</ArticleId>' if p["pmc"] else ""
    head, _, tail = p["abstract"].partition(". ")
    return f"""<PubmedArticle>
    <MedlineCitation Status="MEDLINE" Owner="NLM">
        <PMID Version="1">{p['pmid']}</PMID>
        <Article PubModel="Print-Electronic">
            <Journal>
                <JournalIssue CitedMedium="Internet">
                    <Volume>{1 + i % 9}</Volume>
                    <PubDate><Year>{d.year}</Year><Month>{d.strftime('%b')}</Month></PubDate>
                </JournalIssue>
                <Title>Journal of Pretend Imaging</Title>
                <ISOAbbreviation>J Pretend Imaging</ISOAbbreviation>
            </Journal>
            <ArticleTitle>{escape(p['title'])}.</ArticleTitle>
            <ELocationID EIdType="doi" ValidYN="Y">{p['doi']}</ELocationID>
            <Abstract>
                <AbstractText Label="BACKGROUND" NlmCategory="BACKGROUND">{escape(head)}.</AbstractText>
                <AbstractText Label="RESULTS" NlmCategory="RESULTS">{escape(tail)}</AbstractText>
            </Abstract>
            <AuthorList CompleteYN="Y">{"".join(authors)}</AuthorList>
            <Language>eng</Language>
            <ArticleDate DateType="Electronic"><Year>{d.year}</Year><Month>{d.month:02d}</Month><Day>{d.day:02d}</Day></ArticleDate>
        </Article>
        <MeshHeadingList>
            <MeshHeading><DescriptorName UI="D000000{i % 7}" MajorTopicYN="N">Pretend Heading {i % 7}</DescriptorName></MeshHeading>
        </MeshHeadingList>
    </MedlineCitation>
    <PubmedData>
        <ArticleIdList>
            <ArticleId IdType="pubmed">{p['pmid']}</ArticleId>
            {pmc}
            <ArticleId IdType="doi">{p['doi']}</ArticleId>
        </ArticleIdList>
    </PubmedData>
</PubmedArticle>
"""


def pubmed_set(indices: list[int]) -> bytes:
    body = "".join(pubmed_article(i) for i in indices)
    return ("""<?xml version="1.0" ?>
<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">
<PubmedArticleSet>
""" + body + "</PubmedArticleSet>\n").encode()


@dataclass(frozen=True)
class Hit:
    """One request as the server saw it: when it arrived, which API, its parameters."""

    time: float
    kind: str  # "arxiv" | "esearch" | "efetch" | "other"
    params: dict

    @property
    def start(self) -> int:
        return int(self.params.get("start", self.params.get("retstart", 0)))


class ApiServer:
    """Both APIs on one 127.0.0.1 port, in a thread; faults switched on by the tests."""

    def __init__(self, arxiv_total: int = 250, pubmed_total: int = 300, port: int = 0) -> None:
        self.arxiv_total = arxiv_total
        self.arxiv_offset = 0  # > 0 after newer papers were "published" (see publish)
        self.pubmed_total = pubmed_total
        self.log: list[Hit] = []
        self.history: dict[str, list[int]] = {}
        self.fail_once: dict[tuple[str, int], int] = {}  # (kind, start) -> Retry-After
        self.malformed: set[tuple[str, int]] = set()
        self.slow: dict[tuple[str, int], float] = {}
        self.die_after: int | None = None
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server API)
                owner._handle(self)

            def log_message(self, *args) -> None:  # keep test output clean
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._closed = False

    def __enter__(self) -> ApiServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        """Stop answering and close the port: new connections are refused."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self.httpd.shutdown()
        self.httpd.server_close()

    def publish(self, newer: int) -> None:
        """`newer` papers appear at the top of arXiv's list (the indices move down)."""
        self.arxiv_offset -= newer
        self.arxiv_total += newer

    def hits(self, kind: str) -> list[Hit]:
        return [h for h in self.log if h.kind == kind]

    # -- answering --------------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        parts = urllib.parse.urlsplit(request.path)
        params = {k: v[0] for k, v in urllib.parse.parse_qs(parts.query).items()}
        kind = {ARXIV_PATH: "arxiv", EUTILS + "esearch.fcgi": "esearch",
                EUTILS + "efetch.fcgi": "efetch"}.get(parts.path, "other")
        hit = Hit(time.monotonic(), kind, params)
        with self._lock:
            self.log.append(hit)
            served = len(self.log)
        key = (kind, hit.start)
        if key in self.slow:
            time.sleep(self.slow[key])
        if key in self.fail_once:
            retry = self.fail_once.pop(key)
            self._send(request, 503, b"Service Unavailable\n", "text/plain",
                       {"Retry-After": str(retry)})
        elif key in self.malformed:
            self._send(request, 200, b'<?xml version="1.0"?>\n<feed><entry>\n<id>cut', "text/xml")
        elif kind == "arxiv":
            self._arxiv(request, params)
        elif kind == "esearch":
            self._esearch(request, params)
        elif kind == "efetch":
            self._efetch(request, params)
        else:
            self._send(request, 404, b"not found\n", "text/plain")
        if self.die_after is not None and served >= self.die_after:
            threading.Thread(target=self.close, daemon=True).start()

    def _send(self, request, status: int, body: bytes, kind: str, headers=None) -> None:
        request.send_response(status)
        request.send_header("Content-Type", kind)
        request.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(body)

    def _arxiv(self, request, params: dict) -> None:
        query = params.get("search_query", "")
        if "BAD" in query:
            self._send(request, 400, arxiv_error(f"malformed query: {query}"),
                       "application/atom+xml")
            return
        start, wanted = int(params.get("start", 0)), int(params.get("max_results", 10))
        body = arxiv_feed(query, start, wanted, self.arxiv_total, self.arxiv_offset)
        self._send(request, 200, body, "application/atom+xml; charset=utf-8")

    def _esearch(self, request, params: dict) -> None:
        term = params.get("term", "")
        if "BAD" in term:
            body = (b'<?xml version="1.0" encoding="UTF-8" ?>\n<!DOCTYPE eSearchResult PUBLIC '
                    b'"-//NLM//DTD esearch 20060628//EN" "https://eutils.ncbi.nlm.nih.gov/eutils'
                    b'/dtd/20060628/esearch.dtd">\n<eSearchResult><ERROR>Invalid query: '
                    + term.encode() + b"</ERROR></eSearchResult>\n")
            self._send(request, 200, body, "text/xml; charset=UTF-8")
            return
        ids = list(range(self.pubmed_total))
        if "mindate" in params:
            since = dt.date(*map(int, params["mindate"].split("/")))
            ids = [i for i in ids if paper(i)["date"] >= since]
        webenv = f"MCID_{len(self.history) + 1:04d}{self.port}"
        self.history[webenv] = ids
        body = f"""<?xml version="1.0" encoding="UTF-8" ?>
<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD esearch 20060628//EN" "https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">
<eSearchResult><Count>{len(ids)}</Count><RetMax>0</RetMax><RetStart>0</RetStart><QueryKey>1</QueryKey><WebEnv>{webenv}</WebEnv><IdList>
</IdList><TranslationSet/><QueryTranslation>{escape(term)}</QueryTranslation></eSearchResult>
""".encode()
        self._send(request, 200, body, "text/xml; charset=UTF-8")

    def _efetch(self, request, params: dict) -> None:
        ids = self.history.get(params.get("WebEnv", ""))
        if ids is None or params.get("query_key") != "1":
            body = (b'<?xml version="1.0" encoding="UTF-8" ?>\n<eFetchResult>\n\t<ERROR>Unable '
                    b"to obtain query #1</ERROR>\n</eFetchResult>\n")
            self._send(request, 400, body, "text/xml; charset=UTF-8")
            return
        start, wanted = int(params.get("retstart", 0)), int(params.get("retmax", 20))
        self._send(request, 200, pubmed_set(ids[start:start + wanted]), "text/xml; charset=UTF-8")
