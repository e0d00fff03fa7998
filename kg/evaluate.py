"""Score extracted entities against a gold file (the format of gold-dev.jsonl).

Same rules as the shared corpus scorer: papers pair up by arXiv id, else normalised title,
else the start of the abstract; entities match one-to-one after normalisation against any
alias of a gold entity; a prediction matching an optional gold entity is neutral, and a
second prediction for an already matched entity is a false positive (an unmerged alias).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from kg.errors import InputError
from kg.identity import match_keys
from kg.text import fold_ascii

KINDS = {"model": "models", "dataset": "datasets", "modality": "modalities"}
# trailing words that do not change what a name denotes ("the FeTS challenge" = "FeTS")
_TRAILING = frozenset(
    "dataset datasets database challenge benchmark cohort study model models network "
    "framework architecture data collection".split()
)
_MODALITY_FORMS = {
    "CT": "ct|computed tomography|cbct|cone beam ct|cone-beam computed tomography|cta|"
          "x-ray computed tomography",
    "MRI": "mri|mr|magnetic resonance imaging|magnetic resonance|fmri|dwi|dce-mri|nmr imaging|"
           "cmr|cardiac mri",
    "X-ray": "x-ray|xray|radiography|chest x-ray|cxr|radiograph|dx|cr|projection radiography|"
             "digital radiography|fluoroscopy|x-ray radiography|chest radiography",
    "Mammography": "mammography|mg|mammogram|digital breast tomosynthesis|dbt",
    "Ultrasound": "ultrasound|us|ultrasonography|sonography|echocardiography|ultrasound imaging",
    "PET": "pet|positron emission tomography|pt",
    "SPECT": "spect|single photon emission computed tomography|nm|nuclear medicine|scintigraphy",
    "OCT": "oct|optical coherence tomography",
    "Fundus photography": "fundus photography|fundus|color fundus photography|cfp|"
                          "retinal fundus imaging|fundus imaging|op|ophthalmic photography",
    "Histopathology": "histopathology|sm|slide microscopy|whole slide imaging|wsi|"
                      "whole-slide imaging|digital pathology|pathology|histology|"
                      "whole slide image|whole-slide images",
    "Dermoscopy": "dermoscopy|dermatoscopy|dermoscopic imaging|xc|dermatology photography|"
                  "skin imaging",
    "Endoscopy": "endoscopy|es|colonoscopy|laparoscopy|capsule endoscopy|endoscopic imaging",
    "Microscopy": "microscopy|light microscopy|fluorescence microscopy|cell microscopy|gm",
}


def _fold(text: str | None) -> str:
    """ASCII, lower case, runs of other characters as one space."""
    text = fold_ascii(text or "").lower()
    return " ".join(re.findall(r"[a-z0-9]+", text.replace("\\&", "&")))


def name_key(name: str) -> str:
    """Comparison key of an entity name."""
    words = _fold(name).split()
    if words[:1] == ["the"]:
        words = words[1:]
    while len(words) > 1 and words[-1] in _TRAILING:
        words.pop()
    return "".join(words)


_MODALITY_OF = {
    _fold(form).replace(" ", ""): label
    for label, forms in _MODALITY_FORMS.items()
    for form in [label, *forms.split("|")]
}


def modality_key(name: str) -> str:
    return name_key(_MODALITY_OF.get(_fold(name).replace(" ", ""), name))


def surface_forms(item: object) -> list[str]:
    """Every written form of a predicted entity: a string or a contract object."""
    if isinstance(item, str):
        return [item]
    if not isinstance(item, dict):
        return []
    forms = [item[k] for k in ("name", "label", "canonical") if isinstance(item.get(k), str)]
    for k in ("mentions", "aliases", "altLabels"):
        for m in item.get(k) or []:
            forms.append(m if isinstance(m, str) else (m.get("text") or ""))
    if isinstance(item.get("code"), str):
        forms.append(item["code"])
    return [f for f in forms if f]


def _paper_keys(rec: dict) -> tuple[str | None, str, str]:
    ids = rec.get("identifiers") or {}
    arxiv = rec.get("arxiv_id") or rec.get("arxiv") or ids.get("arxiv")
    return match_keys(arxiv, rec.get("title"), rec.get("abstract"))


def _entities(rec: dict, plural: str) -> list:
    items = rec.get(plural)
    if items is None and isinstance(rec.get("entities"), dict):
        items = rec["entities"].get(plural, rec["entities"].get(plural.rstrip("s"), []))
    return items or []


def _compare(preds: list, required: list[str], optional: list[str], key) -> tuple[int, list, list]:
    """(true positives, false-positive names, missed gold entries) for one paper and kind."""
    req = [{key(a) for a in g.split("|")} for g in required]
    opt = [{key(a) for a in g.split("|")} for g in optional]
    matched: set[int] = set()
    seen_optional: set[int] = set()
    tp, false_pos = 0, []
    for p in preds:
        forms = {key(f) for f in surface_forms(p)}
        label = (surface_forms(p) or ["?"])[0]
        free = [i for i, g in enumerate(req) if i not in matched and forms & g]
        if free:
            matched.add(free[0])
            tp += 1
        elif any(forms & g for g in req):
            false_pos.append(label)  # a duplicate of an entity already matched
        else:
            hits = [i for i, g in enumerate(opt) if forms & g]
            if not hits:
                false_pos.append(label)
            elif hits[0] in seen_optional:
                false_pos.append(label)
            else:
                seen_optional.add(hits[0])
    missed = [required[i] for i in range(len(req)) if i not in matched]
    return tp, false_pos, missed


def _prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f, "tp": tp, "fp": fp, "fn": fn}


def read_jsonl(path: str | Path) -> Iterator[dict]:
    """The JSON objects of a JSON Lines file, one a line (blank lines skipped).

    Raises InputError naming the file and line of the first line that is not a JSON object.
    """
    return (record for _, record in _numbered_objects(path))


def read_gold(path: str | Path) -> list[dict]:
    """The papers of a gold file (the format of gold-dev.jsonl), checked line by line:
    entity lists must be lists of names, keys and titles strings or null."""
    papers = []
    for number, gold in _numbered_objects(path):
        for plural in KINDS.values():
            for field in (plural, plural + "_optional"):
                value = gold.get(field)
                if value is None and field != plural:
                    continue  # the optional lists may be left out
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise InputError(str(path), f"{field!r} must be a list of names", number)
        for field in ("key", "title", "arxiv", "abstract_start"):
            if not isinstance(gold.get(field), (str, type(None))):
                raise InputError(str(path), f"{field!r} must be a string or null", number)
        papers.append(gold)
    return papers


def _numbered_objects(path: str | Path) -> Iterator[tuple[int, dict]]:
    try:
        with open(path, encoding="utf-8") as fh:
            for number, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except ValueError as exc:
                    raise InputError(str(path), f"not JSON ({exc})", number) from None
                if not isinstance(value, dict):
                    kind = {list: "an array", str: "a string", bool: "a boolean",
                            type(None): "null"}.get(type(value), "a number")
                    raise InputError(str(path), f"not a JSON object but {kind}", number)
                yield number, value
    except UnicodeDecodeError as exc:
        raise InputError(str(path), f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at "
                                    f"offset {exc.start})") from None
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror or exc}") from None


def evaluate(gold_path: str | Path, predictions: Iterable[dict]) -> dict:
    """Per-type precision/recall/F1, micro average, papers found and per-paper errors.

    Returns {"model"|"dataset"|"modality"|"micro": {precision, recall, f1, tp, fp, fn},
    "papers": {"gold", "found", "predicted"}, "errors": [{"key", "title", "kind",
    "missed", "false_positives"}, ...]}; a gold paper without a prediction is listed
    with kind "paper".
    """
    golds = read_gold(gold_path)  # a bad gold file fails before any extraction
    by_arxiv: dict[str, dict] = {}
    by_title: dict[str, dict] = {}
    by_abstract: dict[str, dict] = {}
    n_pred = 0
    for rec in predictions:
        n_pred += 1
        arxiv, title, abstract = _paper_keys(rec)
        for table, k in ((by_arxiv, arxiv), (by_title, title), (by_abstract, abstract)):
            if k:
                table.setdefault(k, rec)
    counts = {kind: [0, 0, 0] for kind in KINDS}
    errors: list[dict] = []
    n_gold = found = 0
    for gold in golds:
        n_gold += 1
        _, title, start = match_keys(None, gold.get("title"), gold.get("abstract_start"))
        pred = (gold.get("arxiv") and by_arxiv.get(gold["arxiv"])) or (
            title and by_title.get(title)) or by_abstract.get(start)
        if pred is None:
            for kind, plural in KINDS.items():
                counts[kind][2] += len(gold[plural])
            errors.append({"key": gold.get("key"), "title": gold.get("title"), "kind": "paper",
                           "missed": ["(paper not found)"], "false_positives": []})
            continue
        found += 1
        for kind, plural in KINDS.items():
            key = modality_key if kind == "modality" else name_key
            tp, fps, missed = _compare(_entities(pred, plural), gold[plural],
                                       gold.get(plural + "_optional") or [], key)
            c = counts[kind]
            c[0], c[1], c[2] = c[0] + tp, c[1] + len(fps), c[2] + len(missed)
            if fps or missed:
                errors.append({"key": gold.get("key"), "title": gold.get("title"), "kind": kind,
                               "missed": missed, "false_positives": fps})
    result: dict = {kind: _prf(*c) for kind, c in counts.items()}
    result["micro"] = _prf(*(sum(c[i] for c in counts.values()) for i in range(3)))
    result["papers"] = {"gold": n_gold, "found": found, "predicted": n_pred}
    result["errors"] = errors
    return result
