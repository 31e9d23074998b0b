"""The CommonMark structural invariant: what diglot translates keeps its Markdown structure.

Shared by ``tests/test_commonmark.py`` and ``benchmarks/commonmark.py``. Each example of the
CommonMark spec goes through diglot's own path (``parse_text`` → segments → an engine → the
pipeline's output tidying → ``render``) with a test engine that behaves like diglot's NMT
adapters (``translate/hf.py``, ``translate/ct2.py``): it masks inline Markdown with
``corpora.inline.mask``, changes the masked text and puts the literals back with ``unmask``.
Source and output are then rendered to HTML with markdown-it-py's CommonMark preset and
compared as trees: same elements, same attributes (except ``title`` and ``alt``, which are
human-readable text), same nesting, same comments; only text may differ.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from corpora.ingest import parse_text, render
from corpora.inline import mask, unmask
from translate.engine import EngineConfig, Hypothesis
from translate.langs import Language, resolve

FENCE = "`" * 32
_LETTERS = re.compile(r"[^\W\d_]+")
_EMPTY_COMMENT = re.compile(r"<!---?>")
TEXT_ATTRIBUTES = frozenset({"title", "alt"})  # human-readable, translated like text


_BREAK_IN_ANGLES = ("a line end inside <…> after ]( keeps the source from being a link "
                    "(CommonMark allows none in a <…> destination); the output writes the "
                    "paragraph on one line, where it is one")

#: Spec examples whose structure may change with the word-changing engine, with the reason.
STRUCTURE_EXCLUDED: dict[int, str] = {
    493: _BREAK_IN_ANGLES,
}

#: Spec examples that the identity engine does not give back byte for byte, with the reason.
IDENTITY_EXCLUDED: dict[int, str] = {}


@dataclass(frozen=True)
class Example:
    """One spec example: its number (as in the spec's HTML), section, Markdown and HTML."""

    number: int
    section: str
    markdown: str
    html: str


def read_examples(path: Path) -> list[Example]:
    """Read the examples of a CommonMark ``spec.txt`` (``→`` stands for a tab).

    Raises:
        ValueError: An example is not closed.
    """
    examples: list[Example] = []
    section = ""
    lines = iter(path.read_text(encoding="utf-8").split("\n"))
    for line in lines:
        if line.startswith(FENCE + " example"):
            md: list[str] = []
            html: list[str] = []
            target = md
            for inner in lines:
                if inner == FENCE:
                    break
                if inner == "." and target is md:
                    target = html
                    continue
                target.append(inner.replace("→", "\t"))
            else:
                raise ValueError(f"{path}: example {len(examples) + 1} is not closed")
            examples.append(Example(len(examples) + 1, section,
                                    "".join(f"{x}\n" for x in md),
                                    "".join(f"{x}\n" for x in html)))
        elif re.match(r"#{1,6} ", line):
            section = line.lstrip("#").strip()
    return examples


def change_words(text: str) -> str:
    """Reverse every run of letters and swap its case: every word changes, even ``a`` and
    palindromes, and no reference label matches its definition by case-folding."""
    return _LETTERS.sub(lambda m: m.group(0)[::-1].swapcase(), text)


class MaskingEngine:
    """A test engine that sees inline Markdown the way diglot's NMT engines do.

    It implements ``translate.engine.Engine``: each segment is masked with
    ``corpora.inline.mask``, the masked text goes through ``change`` (the "model"), and
    ``unmask`` restores the literals, as ``translate/hf.py`` and ``translate/ct2.py`` do.
    """

    def __init__(self, change: Callable[[str], str], src: str = "en", tgt: str = "es") -> None:
        self.change = change
        self.src: Language = resolve(src)
        self.tgt: Language = resolve(tgt)

    @property
    def config(self) -> EngineConfig:
        return EngineConfig("test", getattr(self.change, "__name__", "change"))

    def translate_batch(self, segments: Sequence[str]) -> list[Hypothesis]:
        out = []
        for segment in segments:
            masked, literals = mask(segment)
            out.append(Hypothesis(unmask(self.change(masked), literals)))
        return out

    def close(self) -> None:
        pass


def translate_markdown(text: str, engine: MaskingEngine, tidied: bool = True) -> str:
    """Run a Markdown text through diglot's ingest → engine → tidy → render path.

    Args:
        text: A Markdown document.
        engine: The test engine.
        tidied: Tidy the engine's output as the pipeline does (``translate.typography``, which
            older trees do not have); False leaves it as the engine gave it.
    """
    from diglot import pipeline

    tidy = getattr(pipeline, "tidy_output", None) if tidied else None
    doc = parse_text(text, engine.src.code, "example.md", "markdown")
    todo = [i for i, s in enumerate(doc.segments) if s.translate]
    hyps = engine.translate_batch([doc.segments[i].text for i in todo])
    texts = {i: tidy(doc.segments[i].text, h.text, engine.tgt) if tidy else h.text
             for i, h in zip(todo, hyps, strict=True)}
    return render(doc, texts)


class _Shape(HTMLParser):
    """HTML as a list of structural events, text left out."""

    def __init__(self, code_text: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[tuple[str, ...]] = []
        self.code_text = code_text
        self.in_code = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        kept = sorted((k, v or "") for k, v in attrs if k not in TEXT_ATTRIBUTES)
        self.events.append(("start", tag, *(f"{k}={v}" for k, v in kept)))
        self.in_code += tag == "code"

    def handle_endtag(self, tag: str) -> None:
        self.events.append(("end", tag))
        self.in_code -= tag == "code" and self.in_code > 0

    def handle_comment(self, data: str) -> None:
        self.events.append(("comment", " ".join(data.split())))  # a line end is a space

    def handle_data(self, data: str) -> None:
        if self.code_text and self.in_code:
            self.events.append(("code", data))


def shape(html: str, code_text: bool = False) -> list[tuple[str, ...]]:
    """The structure of an HTML fragment: tags with attributes (not title/alt), comments, and
    with ``code_text`` the text inside ``<code>``."""
    parser = _Shape(code_text)
    # HTML5 ends a comment at "<!-->" and "<!--->" (as CommonMark does); html.parser would run
    # it on to the next "-->" and swallow the text in between
    parser.feed(_EMPTY_COMMENT.sub("<!---->", html))
    parser.close()
    return parser.events


@dataclass(frozen=True)
class Outcome:
    """What one example gave: the translated Markdown and whether each check held."""

    example: Example
    output: str
    structure: bool
    code_text: bool
    identity: bool
    identity_untidied: bool


def check(example: Example, word: MaskingEngine, same: MaskingEngine) -> Outcome:
    """Run one example through both engines and compare (see the module docstring)."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark")
    output = translate_markdown(example.markdown, word)
    before, after = md.render(example.markdown), md.render(output)
    return Outcome(example, output, shape(before) == shape(after),
                   shape(before, True) == shape(after, True),
                   translate_markdown(example.markdown, same) == example.markdown,
                   translate_markdown(example.markdown, same, False) == example.markdown)


def check_all(examples: Sequence[Example]) -> Iterator[Outcome]:
    """Check every example with the word-changing and the identity engine."""
    word, same = MaskingEngine(change_words), MaskingEngine(lambda text: text)
    for example in examples:
        yield check(example, word, same)
