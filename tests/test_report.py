"""The run report keeps inside a 1280-px window, and plain text gets sections from headings."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from corpora.ingest import parse_text
from corpora.plaintext import heading_lines
from evaluation.report import _CSS, render_html
from evaluation.sources import document_items, sections, target_paragraphs

WIKI = """Lyon est une commune française. Elle compte 522 250 habitants.

Histoire[modifier | modifier le wikicode]
La ville a été fondée sous le nom de Lugdunum.
Au Moyen Âge, la ville devient un centre commercial.

Géographie[modifier | modifier le code]
Lyon est située à 470 km de Paris.
"""


def test_wiki_dump_sections_come_from_its_edit_links() -> None:
    doc = parse_text(WIKI, "fr", "lyon.txt", "text")
    items = document_items(doc, {k: s.text for k, s in enumerate(doc.segments)})
    by_text = {it.source: it.section for it in items}
    assert by_text["Lyon est une commune française."] == ""
    assert by_text["La ville a été fondée sous le nom de Lugdunum."] == "Histoire"
    assert by_text["Au Moyen Âge, la ville devient un centre commercial."] == "Histoire"
    assert by_text["Lyon est située à 470 km de Paris."] == "Géographie"
    # the heading lines themselves are still translated as they were
    assert "Histoire[modifier | modifier le wikicode]" in by_text


PAPER = """A study of bridges

1. Introduction

Bridges carry roads over rivers.

2. Method
We counted the bridges of one city.

II. Results

Most bridges are old.

Shopping list

1. Eggs
2. Milk

Summary
=======
Bridges last.

CHAPTER I.

It was a dark night.
A line without a full stop
and another after it

The last paragraph ends here.
Epilogue

a wrapped paragraph whose last line
Ends without a full stop

Thanks.
"""


def test_plain_text_headings_of_several_kinds() -> None:
    lines = PAPER.split("\n")
    assert heading_lines(lines) == {
        0: "A study of bridges", 2: "1. Introduction", 6: "2. Method", 9: "II. Results",
        13: "Shopping list", 18: "Summary", 22: "CHAPTER I.", 29: "Epilogue",
    }


def test_plain_text_sections_per_block_and_markdown_unchanged(tmp_path: Path) -> None:
    doc = parse_text(PAPER, "en", "paper.txt", "text")
    named = {doc.lines[b.start]: s for b, s in zip(doc.blocks, sections(doc), strict=True)}
    assert named["Bridges carry roads over rivers."] == "1. Introduction"
    assert named["We counted the bridges of one city."] == "2. Method"
    assert named["1. Eggs"] == "Shopping list"
    assert named["Bridges last."] == "Summary"
    assert named["and another after it"] == "CHAPTER I."
    assert named["Thanks."] == "Epilogue"
    # a Markdown file's plain lines are not headings: only its # headings are
    md = parse_text("Intro\n\nText here.\n\n# Real\n\nMore.\n", "en", "a.md", "markdown")
    assert sections(md) == ["", "", "Real", "Real"]
    path = tmp_path / "paper.en.txt"
    path.write_text(PAPER, encoding="utf-8")
    assert {it.section for it in target_paragraphs(path, "en")} >= {"II. Results", "Summary"}


LONG_URL = "https://example.org/" + "very_long_path_segment_" * 12 + "end"


def _report(flags: int = 3) -> str:
    segments = {f"line {k}.1": {"source": f"Voir {LONG_URL} pour les détails de la ville.",
                                "target": f"See {LONG_URL} for the details of the city.",
                                "section": "Histoire"} for k in range(flags)}
    data = {"summary": {"input": "lyon.fr.txt", "source_lang": "fr", "target_lang": "en",
                        "engine": "apertium", "model": "fr-es+spa-eng", "segments": flags,
                        "translated": flags, "reused": 0, "failed": 0, "seconds": 1.0,
                        "qa": {"segments": flags}},
            "evaluation": {"checks": ["untranslated"], "segments": segments,
                           "flags": [{"check": "untranslated", "severity": "error",
                                      "item": item, "message": "target reads as French",
                                      "section": "Histoire"} for item in segments]}}
    return render_html(data)


def test_flag_table_css_keeps_long_urls_inside_the_page() -> None:
    html = _report()
    assert "td{overflow-wrap:anywhere}" in _CSS
    assert "table:has(colgroup){table-layout:fixed}" in _CSS
    assert "max-width:1100px" in _CSS
    assert '<table class="flags"><colgroup>' in html
    assert LONG_URL in html


@pytest.mark.skipif(shutil.which("chromium") is None,
                    reason="headless chromium is absent (apt-get install chromium)")
def test_flag_table_fits_a_1280_px_window_in_chromium(tmp_path: Path) -> None:
    # the page measures itself and writes the result into its title, which --dump-dom shows
    probe = ("<script>window.onload=()=>{const t=[...document.querySelectorAll('table')].pop();"
             "document.title='right='+Math.ceil(t.getBoundingClientRect().right)+' scroll='"
             "+document.documentElement.scrollWidth;}</script>")
    page = tmp_path / "report.html"
    page.write_text(_report().replace("</body>", probe + "</body>"), encoding="utf-8")
    dom = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                          "--window-size=1280,2000", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    title = dom.split("<title>")[1].split("</title>")[0]
    right, scroll = (int(part.split("=")[1]) for part in title.split())
    assert right <= 1280 and scroll <= 1280, title
