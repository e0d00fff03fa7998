"""Identity and merging across listings: one paper, one record, whatever the sources."""

from __future__ import annotations

from pathlib import Path

from kg.reading import ReadSummary, iter_papers

ABSTRACT_A = (
    "We train a compact segmentation network for knee cartilage on MRI and compare it with "
    "two larger baselines on an external test set of forty patients. The compact network "
    "matches the baselines within one Dice point while using a tenth of their parameters, and "
    "its errors concentrate at the thin posterior horn where annotators also disagree most."
)
ABSTRACT_B = (
    "Ultrasound frames of the fetal heart are classified into standard planes by a small "
    "convolutional model that runs on a handheld device in real time. On a prospective set of "
    "scans from two hospitals it reaches the accuracy of trained sonographers, and a saliency "
    "analysis shows that it attends to the valves and septum rather than to image borders."
)


def _arxiv_listing(path: Path, entries: list[tuple[str, str, str]]) -> Path:
    blocks = [f"{abstract}\n\narXiv:{arxiv}\nCreated: {date}\n"
              for abstract, arxiv, date in entries]
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


def _hf_page(path: Path, entries: list[tuple[str, str]]) -> Path:
    header = "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\n"
    header += "byAK and the research community\n\nMar 2\n\n"
    body = "\n".join(f"{title}\n\n{abstract}\n" for title, abstract in entries)
    path.write_text(header + body, encoding="utf-8")
    return path


def test_title_only_and_id_only_records_of_one_paper_merge(tmp_path):
    _arxiv_listing(tmp_path / "a.txt", [(ABSTRACT_A, "2601.10001", "2026-01-02")])
    _hf_page(tmp_path / "b.txt", [("Compact Cartilage Segmentation", ABSTRACT_A),
                                  ("Fetal Heart Planes on a Handheld", ABSTRACT_B)])
    summary = ReadSummary()
    papers = list(iter_papers([tmp_path], summary))
    assert summary.records == 3 and summary.papers == 2 and summary.duplicates_merged == 1
    merged = next(p for p in papers if p.arxiv == "2601.10001")
    assert merged.title == "Compact Cartilage Segmentation"
    assert merged.date == "2026-01-02"
    assert len(merged.sources) == 2


def test_different_arxiv_ids_never_merge(tmp_path):
    _arxiv_listing(tmp_path / "a.txt", [(ABSTRACT_A, "2601.10001", "2026-01-02"),
                                        (ABSTRACT_A, "2601.10002", "2026-01-03")])
    papers = list(iter_papers([tmp_path / "a.txt"]))
    assert sorted(p.arxiv for p in papers) == ["2601.10001", "2601.10002"]


def test_order_of_files_does_not_change_the_result(tmp_path):
    a = _arxiv_listing(tmp_path / "a.txt", [(ABSTRACT_A, "2601.10001", "2026-01-02")])
    b = _hf_page(tmp_path / "b.txt", [("Compact Cartilage Segmentation", ABSTRACT_A)])
    forward = list(iter_papers([a, b]))
    backward = list(iter_papers([b, a]))
    assert forward == backward
