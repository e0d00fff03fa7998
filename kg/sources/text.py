"""Text helpers shared by the readers: HTML cleaning, dates, arXiv ids, page chrome."""

from __future__ import annotations

import datetime as _dt
import html
import re

MONTHS = {
    m: i
    for i, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for m in names
}
MONTH_RE = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|Jun(?:e)?|Jul(?:y)?|"
    r"Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)

# Only real HTML tag names: abstracts contain "p<0.05" and "a<b>c" that must survive.
_TAGS = (
    "a|abbr|b|br|code|details|div|em|font|h[1-6]|hr|i|img|li|math|ol|p|pre|s|small|span|"
    "strong|sub|summary|sup|table|tbody|td|th|thead|tr|tt|u|ul"
)
_TAG_RE = re.compile(rf"</?(?:{_TAGS})(?:\s[^<>]*)?/?>", re.IGNORECASE)
_BLOCK_TAG_RE = re.compile(r"</?(?:p|br|div|li|details|summary|tr|h[1-6])(?:\s[^<>]*)?/?>", re.I)
# A citation marker after a word ("diseases<sup>1,2</sup>") is noise, a unit exponent
# ("mm<sup>3</sup>") is not: drop only markers after a longer word or punctuation.
_SUP_NUM_RE = re.compile(r"<sup>\s*\d+(?:\s*[,\u2013\u2014-]\s*\d+)*\s*</sup>", re.I)
_CITE_BEFORE_RE = re.compile(r"(?:[A-Za-z]{3}|[.,;:)])$")


def _drop_citation(m: re.Match[str]) -> str:
    before = m.string[max(0, m.start() - 3) : m.start()]
    return "" if _CITE_BEFORE_RE.search(before) else m.group()


_SUMMARY_RE = re.compile(r"<summary\b[^>]*>.*?</summary>", re.I | re.S)


def squash(text: str) -> str:
    """Collapse runs of whitespace into one space and trim."""
    # str.split() splits on exactly the characters \s matches, several times faster.
    return " ".join(text.split())


def clean_html(text: str, drop_summary: bool = True) -> str:
    """Plain text from a snippet of listing HTML: tags removed, entities decoded."""
    if "<" in text:
        if drop_summary:
            # <summary> holds a shortened copy ("Show", "Accep...") of the <p> that follows.
            text = _SUMMARY_RE.sub(" ", text)
        text = _SUP_NUM_RE.sub(_drop_citation, text)
        text = _BLOCK_TAG_RE.sub(" ", text)
        text = _TAG_RE.sub("", text)
    if "&" in text:
        text = html.unescape(text)
    return squash(text)


def make_date(year: int | str | None, month: int | str | None, day: int | str | None) -> str | None:
    """ISO date from parts; None when the year is missing (never guessed) or invalid."""
    if year is None:
        return None
    try:
        y = int(year)
        if isinstance(month, str) and not month.isdigit():
            month = MONTHS.get(month.lower().rstrip(".")) or MONTHS.get(month.lower()[:3])
        if month is None:
            return f"{y:04d}"
        m = int(month)
        if day is None:
            _dt.date(y, m, 1)
            return f"{y:04d}-{m:02d}"
        return _dt.date(y, m, int(day)).isoformat()
    except (TypeError, ValueError):
        return None


_ISO_RE = re.compile(r"\b(\d{4})-(\d{1,2})(?:-(\d{1,2}))?\b")
_MDY_RE = re.compile(rf"\b({MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?\b", re.I)
_DMY_RE = re.compile(rf"\b(\d{{1,2}})\s+({MONTH_RE})\.?,?\s+(\d{{4}})\b", re.I)
_MY_RE = re.compile(rf"\b({MONTH_RE})\.?,?\s+(\d{{4}})\b", re.I)


def parse_date(text: str) -> str | None:
    """First date in `text` as ISO ("YYYY-MM-DD", "YYYY-MM"); None without a year."""
    text = text.strip()
    candidates: list[tuple[int, str | None]] = []
    if m := _ISO_RE.search(text):
        candidates.append((m.start(), make_date(m[1], m[2], m[3])))
    if m := _DMY_RE.search(text):
        candidates.append((m.start(), make_date(m[3], m[2], m[1])))
    if m := _MDY_RE.search(text):
        candidates.append((m.start(), make_date(m[3], m[1], m[2]) if m[3] else None))
    elif m := _MY_RE.search(text):
        candidates.append((m.start(), make_date(m[2], m[1], None)))
    if not candidates:
        return None
    return min(candidates, key=lambda c: c[0])[1]


ARXIV_ID = r"(?:\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})"
_ARXIV_URL_RE = re.compile(rf"arxiv\.org/(?:abs|pdf|html)/({ARXIV_ID})(?:v\d+)?", re.I)


def arxiv_from_url(url: str) -> str | None:
    """arXiv id without version from an abs/pdf/html URL."""
    m = _ARXIV_URL_RE.search(url)
    return m[1] if m else None


_ARXIV_TAG_RE = re.compile(rf"\barXiv:\s*({ARXIV_ID})(?:v\d+)?", re.I)


def arxiv_from_text(text: str) -> str | None:
    """arXiv id without version from an `arXiv:ID` mention."""
    m = _ARXIV_TAG_RE.search(text)
    return m[1] if m else None


def arxiv_url(arxiv_id: str) -> str:
    return f"https://arxiv.org/abs/{arxiv_id}"


_URL_RE = re.compile(r"https?://[^\s<>()\[\]|\"']+")


def urls_in(text: str) -> list[str]:
    """Real http(s) URLs in `text`, trailing punctuation removed, in order, no repeats."""
    out: list[str] = []
    for u in _URL_RE.findall(text):
        u = u.rstrip(".,;:")
        if u not in out:
            out.append(u)
    return out


# Page furniture seen on saved listing pages; matched against whole stripped lines.
_CHROME_RE = re.compile(
    r"""^(?:
        subscribe|unsubscribe|sign\s*in|sign\s*up|log\s*in|login|show|show\s*more|show\s*less|
        hide|load\s*more|more|next|previous|prev|back\s*to\s*top|menu|search|home|new|
        sort\s*by:?.*|filter(?:s|\s*by)?:?.*|
        page\s+\d+\s+of\s+[\d,]+.*|
        \d+\s*(?:per\s+page|results?|papers?)|(?:show\s+)?\d*\s*per\s+page.*|
        (?:results?\s+)?per\s+page|
        [\d,]+\s+results?|
        get\s+trending\s+papers.*|
        by.*\band\s+the\s+research\s+community|
        .*\bunsubscribe\s+at\s+any\s+time\.?|
        (?:©|\(c\)|copyright).*|
        (?:privacy(?:\s+policy)?|terms(?:\s+of\s+(?:use|service))?|cookies?(?:\s+settings)?)|
        [\d\s,.:/|·•–—-]*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)


def is_chrome(line: str) -> bool:
    """True for a line that is page furniture (navigation, paging, subscribe boxes)."""
    return bool(_CHROME_RE.match(line.strip()))
