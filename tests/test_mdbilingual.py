"""The bilingual edition of Markdown and plain text (corpora.mdbilingual).

Checked three ways: hand-written expected outputs for small inputs; markdown-it's CommonMark
token stream (the same lists and items, every source block marked ``lang="es"``, each
translation next to its source); and pandoc's own reading of the output (``-f markdown``).
The translation is a word-changing test engine: inline Markdown masked by corpora.inline as
diglot's NMT adapters do, the rest upper-cased.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html
from markdown_it import MarkdownIt
from markdown_it.token import Token

from corpora.document import Document
from corpora.formats import WriteContext, read_document, write_document
from corpora.ingest import parse_text, part_texts, render
from corpora.inline import mask, unmask
from corpora.markdown import front_matter_end
from corpora.mdbilingual import render_bilingual
from tests.conftest import SAMPLE, SHARED, needs_shared
from tests.mdcheck import read_examples

SPAN = '<span lang="es" class="diglot-source">'
DIV = '<div lang="es" class="diglot-source">'
HEAD_DIV = '<div lang="es" class="diglot-source diglot-heading">'


def upper(text: str) -> str:
    masked, literals = mask(text)
    return unmask(masked.upper(), literals)


def translate(doc: Document) -> dict[int, str]:
    return {i: upper(s.text) for i, s in enumerate(doc.segments)}


def bilingual(text: str, fmt: str = "markdown") -> str:
    doc = parse_text(text, "es", "prueba.md", fmt)
    return render_bilingual(doc, translate(doc), "es", "en")


BOOK = """\
---
title: El mapa
---

# El mapa

Un [mapa][m] viejo
y roto.

Otra frase.

- uno
- dos

> Una cita.

```
código
```

[m]: https://example.org/mapa
"""

BOOK_BILINGUAL = f"""\
---
title: El mapa
---

# EL MAPA

{HEAD_DIV}

<em>El mapa</em>

</div>

{DIV}

Un [mapa][m] viejo
y roto.

</div>

UN [MAPA][m] VIEJO Y ROTO.

{DIV}

Otra frase.

</div>

OTRA FRASE.

- {SPAN}uno</span>

  UNO
- {SPAN}dos</span>

  DOS

{DIV}

> Una cita.

</div>

> UNA CITA.

```
código
```

[m]: https://example.org/mapa
"""


def test_book_hand_written() -> None:
    assert bilingual(BOOK) == BOOK_BILINGUAL


def test_containers_paired_in_place() -> None:
    source = ("1. Primero\n"
              "   sigue.\n"
              "\n"
              "   Segundo párrafo.\n"
              "2. Línea  \n"
              "   con salto.\n"
              "   - anidado\n"
              "\n"
              "> Parte uno.\n"
              ">\n"
              "> - en cita\n"
              "\n"
              "- ## Título\n"
              "- final\\\n")
    assert bilingual(source) == (
        f"1. {SPAN}Primero\n"
        "   sigue.</span>\n"
        "\n"
        "   PRIMERO SIGUE.\n"
        "\n"
        f"   {SPAN}Segundo párrafo.</span>\n"
        "\n"
        "   SEGUNDO PÁRRAFO.\n"
        f"2. {SPAN}Línea  \n"
        "   con salto.</span>\n"
        "\n"
        "   LÍNEA  \n"
        "   CON SALTO.\n"
        f"   - {SPAN}anidado</span>\n"
        "\n"
        "     ANIDADO\n"
        "\n"
        f"> {SPAN}Parte uno.</span>\n"
        ">\n"
        "> PARTE UNO.\n"
        ">\n"
        f"> - {SPAN}en cita</span>\n"
        ">\n"
        ">   EN CITA\n"
        "\n"
        "- ## TÍTULO\n"
        "\n"
        f"  {SPAN}<em>Título</em></span>\n"
        "\n"
        f"- {SPAN}final\\ </span>\n"  # the space keeps the backslash off the closer's "<"
        "\n"
        "  FINAL\\\n")


def test_headings_and_paragraphs_without_blank_lines() -> None:
    source = "Título\n======\nTexto uno.\n# 1. Parte ##\nTexto dos.\n"
    assert bilingual(source) == (
        "TÍTULO\n======\n\n"
        f"{HEAD_DIV}\n\n<em>Título</em>\n\n</div>\n\n"
        f"{DIV}\n\nTexto uno.\n\n</div>\n\nTEXTO UNO.\n"
        "# 1. PARTE ##\n\n"
        f"{HEAD_DIV}\n\n<em>1. Parte</em>\n\n</div>\n\n"
        f"{DIV}\n\nTexto dos.\n\n</div>\n\nTEXTO DOS.\n")


def test_plain_text() -> None:
    source = "Título\n\nUna línea.\nOtra línea.\n1848\n"
    # plain text cannot mark a language: the pairs are set off by blank lines only
    assert bilingual(source, "text") == (
        "Título\n\nTÍTULO\n\nUna línea.\n\nUNA LÍNEA.\n\nOtra línea.\n\nOTRA LÍNEA.\n\n1848\n")


def test_plain_text_wrapped() -> None:
    line = "palabra " * 9
    source = f"{line}\n{line}\n{line.strip()}\n\nFin."
    lines = bilingual(source, "text").split("\n")
    assert lines[:3] == source.split("\n")[:3]
    assert lines[3] == ""
    assert lines[4:7] == [line.upper().strip()] * 3
    assert lines[7:] == ["", "Fin.", "", "FIN."]  # no line break after: none in the source


def test_nothing_translated_gives_the_source() -> None:
    for fmt, text in (("markdown", SAMPLE.read_text(encoding="utf-8")),
                      ("text", "Uno.\n\nDos.\n")):
        doc = parse_text(text, "es", "x", fmt)
        assert render_bilingual(doc, {}, "es", "en") == text


def test_language_attribute_escaped() -> None:
    doc = parse_text("Hola.\n", "es", "x.md", "markdown")
    out = render_bilingual(doc, translate(doc), 'x"><script>', "en")
    assert out.startswith('<div lang="x&quot;&gt;&lt;script&gt;" class="diglot-source">')


def test_translations_are_what_render_writes() -> None:
    source = "# Uno\n\nDos  \ntres *cuatro*.\n\n> Cinco.\n"
    doc = parse_text(source, "es", "x.md", "markdown")
    texts = translate(doc)
    out = render_bilingual(doc, texts, "es", "en").split("\n")
    kept = []
    while out:  # drop the source divs
        line = out.pop(0)
        if line.startswith("<div lang="):
            while out.pop(0) != "</div>":
                pass
        else:
            kept.append(line)
    expected = render(doc, texts).split("\n")
    assert [x for x in kept if x] == [x for x in expected if x]


# -- markdown-it's token stream ----------------------------------------------------------------


@dataclass(frozen=True)
class TextBlock:
    kind: str  # heading or paragraph
    text: str  # the plain text (markup and inline HTML left out, code spans in backticks)
    marked: bool  # inside an element with lang="es"


def text_blocks(markdown: str) -> tuple[list[TextBlock], dict[str, int]]:
    """The text blocks of a Markdown document as CommonMark reads it, and counts of its
    containers."""
    lines = markdown.split("\n")
    body = "\n".join(lines[front_matter_end(lines):])
    tokens = MarkdownIt("commonmark").enable("table").parse(body)
    found: list[TextBlock] = []
    counts: dict[str, int] = {}
    in_div = False
    for i, tok in enumerate(tokens):
        counts[tok.type] = counts.get(tok.type, 0) + 1
        if tok.type == "html_block":
            in_div = tok.content.startswith('<div lang="es"') or (
                in_div and tok.content.strip() != "</div>")
        if tok.type != "inline" or tokens[i - 1].type not in ("paragraph_open", "heading_open"):
            continue  # a table cell is copied, not paired
        kids = tok.children or []
        kind = "heading" if tokens[i - 1].type == "heading_open" else "paragraph"
        cut = next((k for k, kid in enumerate(kids) if kid.type == "hardbreak"
                    and k and kids[k - 1].content == "</span>"), None)
        if cut and kids[0].type == "text" and kids[1].content == SPAN:  # [^1]: <span>…
            found += [TextBlock(kind, _plain(kids[:cut]), True),
                      TextBlock(kind, _plain(kids[:1] + kids[cut + 1:]), False)]
            continue
        spanned = (len(kids) > 1 and kids[0].type == "html_inline" and kids[0].content == SPAN
                   and kids[-1].type == "html_inline" and kids[-1].content == "</span>")
        found.append(TextBlock(kind, _plain(kids), in_div or spanned))
    return found, counts


def _plain(kids: list[Token]) -> str:
    text = "".join(" " if k.type in ("softbreak", "hardbreak") else
                   f"`{k.content}`" if k.type == "code_inline" else k.content
                   for k in kids if k.type in ("text", "code_inline", "softbreak", "hardbreak"))
    return " ".join(text.split())


def expected_blocks(source: list[TextBlock]) -> list[TextBlock]:
    """Source first, marked, then the translation; a heading's translation first, then its
    source as a marked paragraph; a block the engine leaves as it is, once."""
    out = []
    for block in source:
        if upper_text(block.text) == block.text:
            out.append(block)  # nothing changed: written once
            continue
        mark = TextBlock("paragraph", block.text, True)
        pair = [block, mark] if block.kind == "heading" else [mark, block]
        out += [b if b.marked else TextBlock(b.kind, upper_text(b.text), False) for b in pair]
    return out


def upper_text(text: str) -> str:
    """The test engine's output as plain text: upper case outside code spans."""
    return "`".join(p if k % 2 else upper(p) for k, p in enumerate(text.split("`")))


RICH = """\
Título
======

1. Primer punto
   con continuación.

   Segundo párrafo del punto.
2. Otro punto\\
   con salto duro.
   - anidado uno
   - anidado dos

> Primera parte de la cita.
>
> Segunda parte de la cita.
> - lista en cita

> Cita de un párrafo
sin marca.

- ## Título en lista
- elemento final\\

Un [enlace](https://example.org "título") y *énfasis*.

| tabla | aquí |
|---|---|
| uno | dos |

<p>HTML</p>

---
"""


@pytest.mark.parametrize("source", [RICH, BOOK, SAMPLE.read_text(encoding="utf-8")],
                         ids=["rich", "book", "sample"])
def test_commonmark_structure(source: str) -> None:
    src_blocks, src_counts = text_blocks(source)
    out_blocks, out_counts = text_blocks(bilingual(source))
    assert out_blocks == expected_blocks(src_blocks)
    for kind in ("bullet_list_open", "ordered_list_open", "list_item_open", "table_open",
                 "fence", "hr", "link_open"):
        factor = 2 if kind == "link_open" else 1  # a link is in both texts
        assert out_counts.get(kind, 0) == factor * src_counts.get(kind, 0), kind
    single_quotes = sum(1 for line in source.split("\n\n") if line.startswith("> ")
                        and "\n>" not in line)
    assert out_counts.get("blockquote_open", 0) == (
        src_counts.get("blockquote_open", 0) + single_quotes)


def test_sample_loses_no_block() -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    doc = parse_text(text, "es", SAMPLE.name, "markdown")
    out = bilingual(text)
    pairs = [b for b in doc.blocks if b.translatable]
    assert out.count('lang="es"') == len(pairs) == 15
    for block in doc.blocks:
        for line in doc.lines[block.start:block.end]:
            assert line.removeprefix("# ").removeprefix("## ").removeprefix("- ") in out
    assert out.startswith("\n".join(doc.lines[:front_matter_end(list(doc.lines))]) + "\n\n# ")
    assert out.count("title: El trabajo y la lengua") == 1
    assert render(doc, translate(doc)).strip().split("\n")[-1] in out


# -- pandoc ------------------------------------------------------------------------------------


def pandoc_html(markdown: str) -> lxml_html.HtmlElement:
    if shutil.which("pandoc") is None:
        pytest.skip("pandoc not installed (apt install pandoc)")
    done = subprocess.run(["pandoc", "-f", "markdown", "-t", "html"], input=markdown,
                          capture_output=True, text=True, check=True, timeout=60)
    assert not done.stderr
    return lxml_html.fromstring(f"<body>{done.stdout}</body>")


@pytest.mark.parametrize("source", [RICH, BOOK], ids=["rich", "book"])
def test_pandoc_reads_languages(source: str) -> None:
    doc = parse_text(source, "es", "x.md", "markdown")
    before = pandoc_html(source)
    after = pandoc_html(bilingual(source))
    marked = after.xpath('//*[@lang="es"]')
    assert len(marked) == sum(b.translatable for b in doc.blocks)
    assert all(m.get("class").split()[0] == "diglot-source" for m in marked)
    assert all(m.tag in ("div", "span") for m in marked)
    for tag in ("ul", "ol", "li", "table", "pre", "hr", "h1", "h2"):
        assert len(after.xpath(f"//{tag}")) == len(before.xpath(f"//{tag}")), tag
    hrefs = [a.get("href") for a in before.xpath("//a")]
    assert sorted(a.get("href") for a in after.xpath("//a")) == sorted(hrefs * 2)
    for m in marked:  # the source text is in the marked element, the translation is not
        text = " ".join(m.text_content().split())
        assert text and text != text.upper()


@needs_shared
@pytest.mark.slow
@pytest.mark.parametrize("lang", ["de", "en", "fr"])
def test_manifesto(lang: str) -> None:
    """The Manifesto, with pandoc footnotes: every block paired in CommonMark; in pandoc each
    note holds its source and translation, none lost as a duplicate definition."""
    source = (SHARED / "manifesto" / f"{lang}.md").read_text(encoding="utf-8")
    out = bilingual(source)
    src_blocks, src_counts = text_blocks(source)
    out_blocks, out_counts = text_blocks(out)
    assert out_blocks == expected_blocks(src_blocks)
    assert out_counts["list_item_open"] == src_counts.get("list_item_open", 0)
    before, after = pandoc_html(source), pandoc_html(out)  # no warning (duplicate note)
    notes = after.xpath('//li[@role="doc-endnote"]')
    assert len(notes) == 2 * len(before.xpath('//li[@role="doc-endnote"]'))
    assert all(note.xpath('./p/span[@lang="es"]') for note in notes)
    # Not <ol>: pandoc's fancy_lists reads the "I. Communism..." paragraphs (paragraphs for
    # CommonMark, as the reader) as a Roman-numbered list, which the pairs cut into one per item.
    for path in ("//ul", "//ul/li", "//h1", "//h2", "//h3", "//blockquote", "//pre"):
        assert len(after.xpath(path)) == len(before.xpath(path)), path


def test_note_paired_inside_its_definition() -> None:
    assert bilingual("Texto.[^1]\n\n[^1]: La nota\nsigue.\n") == (
        f"{DIV}\n\nTexto.[^1]\n\n</div>\n\nTEXTO.[^1]\n\n"
        f"[^1]: {SPAN}La nota\nsigue.</span>\\\nLA NOTA SIGUE.\n")


def test_pandoc_keeps_front_matter_and_reference() -> None:
    after = pandoc_html(bilingual(BOOK))
    assert [a.get("href") for a in after.xpath("//a")] == ["https://example.org/mapa"] * 2
    assert after.xpath('//div[@lang="es"]//a/text()') == ["mapa"]


# -- any translation ---------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="aZ *_[]()<>#-`\\!.1\n", max_size=20), min_size=1))
def test_any_translation_keeps_sources_and_lists(words: list[str]) -> None:
    doc = parse_text(RICH, "es", "x.md", "markdown")
    texts = {i: words[i % len(words)] for i in range(len(doc.segments))}
    out = render_bilingual(doc, texts, "es", "en")
    _, counts = text_blocks(out)
    _, src_counts = text_blocks(RICH)
    assert counts.get("list_item_open") == src_counts["list_item_open"]
    assert out.count("| uno | dos |") == out.count("<p>HTML</p>") == 1
    text = parse_text(RICH, "es", "x.txt", "text")
    out = render_bilingual(text, {i: words[i % len(words)] for i in range(len(text.segments))},
                           "es", "en")
    assert all(line in out for line in RICH.split("\n"))


def test_heading_in_quote_stays_apart_from_next_paragraph() -> None:
    assert bilingual("> Título\n> ===\n> Texto.\n\n- # B\n- c\n") == (
        "> TÍTULO\n> ===\n>\n"
        f"> {SPAN}<em>Título</em></span>\n"
        ">\n"  # else the source title and the next source paragraph would be one paragraph
        f"> {SPAN}Texto.</span>\n>\n> TEXTO.\n"
        "\n"
        "- # B\n"  # a translation equal to its source is written once
        f"- {SPAN}c</span>\n\n  C\n")


def test_write_document_bilingual(tmp_path: Path) -> None:
    source = tmp_path / "libro.es.md"
    source.write_text(BOOK, encoding="utf-8")
    doc = read_document(source, "es")
    out = tmp_path / "libro.en.md"
    write_document(doc, translate(doc), out, WriteContext(source, "es", "en", "bilingual"))
    assert out.read_text(encoding="utf-8") == BOOK_BILINGUAL


SPEC = SHARED / "commonmark" / "spec.txt"


@needs_shared
def test_commonmark_spec_examples() -> None:
    """Every example of the CommonMark spec: the same lists, items, code and tables; one
    marked source per changed block, each beside its translation."""
    if not SPEC.is_file():
        pytest.skip(f"{SPEC} is absent")
    failures = []
    for ex in read_examples(SPEC):
        doc = parse_text(ex.markdown, "es", "x.md", "markdown")
        texts = translate(doc)
        joined = part_texts(doc, texts)
        changed = sum(block.translatable and any(joined.get((b, p), text) != text
                                                 for p, text in enumerate(block.parts))
                      for b, block in enumerate(doc.blocks))
        _, before = text_blocks(ex.markdown)
        blocks, after = text_blocks(render_bilingual(doc, texts, "es", "en"))
        kinds = ("list_item_open", "bullet_list_open", "ordered_list_open", "fence",
                 "code_block", "table_open", "hr")
        if ([before.get(k, 0) for k in kinds] != [after.get(k, 0) for k in kinds]
                or sum(b.marked for b in blocks) != changed
                or not all(_beside(blocks, i) for i, b in enumerate(blocks) if b.marked)):
            failures.append(ex.number)
    assert failures == []


def _beside(blocks: list[TextBlock], i: int) -> bool:
    """A marked source is followed by its translation, or (a heading's) preceded by it."""
    after = i + 1 < len(blocks) and not blocks[i + 1].marked
    return after or (i > 0 and blocks[i - 1].kind == "heading" and not blocks[i - 1].marked)
