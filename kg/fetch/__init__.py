"""Fetching new papers from the arXiv API and NCBI E-utilities into a folder `kg build` reads.

    from kg.fetch import fetch_arxiv, fetch_pubmed
    result = fetch_arxiv("cat:eess.IV AND abs:segmentation", "pages/", max_papers=250)

Pages are saved as the API returned them (arxiv-000001.xml, pubmed-000001.xml) with a small
state file, so the same call resumes an interrupted run and never fetches a page twice.
Nothing here prints; progress goes to an optional callback.
"""

from kg.fetch.arxiv import fetch_arxiv
from kg.fetch.pubmed import fetch_pubmed
from kg.fetch.run import FetchResult

__all__ = ["FetchResult", "fetch_arxiv", "fetch_pubmed"]
