"""Plain text to blocks: a line is a paragraph, unless the text is hard-wrapped.

Hard-wrapped prose (lines broken at a fixed width, as in Project Gutenberg files) cannot keep its
line breaks through translation, so a wrapped paragraph becomes one block and is re-wrapped at the
same width; every other line stays a block of its own, so one-sentence-a-line files stay aligned
line by line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from corpora.document import Block

_ENDS_SENTENCE = re.compile(r"[.!?:;…][\"'»”’)\]]*\s*$")


def is_wrapped(run: list[str]) -> bool:
    """True when a run of lines looks broken at a fixed width rather than line by line."""
    if len(run) < 2:
        return False
    width = max(len(line) for line in run)
    body = run[:-1]
    if not 50 <= width <= 100:  # prose wrapped for a terminal or an editor, not short lines
        return False
    # A wrapped line ends because the next word would not fit; a line that leaves room for the
    # next line's first word was ended on purpose.
    full = sum(len(line.rstrip()) + 1 + len(nxt.split()[0]) > width
               for line, nxt in zip(body, run[1:], strict=True))
    ended = sum(bool(_ENDS_SENTENCE.search(line)) for line in body)
    return full >= 0.8 * len(body) and ended <= 0.5 * len(body)


def parse_plaintext(text: str) -> list[Block]:
    """Split plain text into paragraph blocks.

    Args:
        text: The whole document.

    Returns:
        Blocks with 0-based, half-open line ranges into ``text.split("\\n")``.
    """
    lines = text.split("\n")
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        j = i
        while j < len(lines) and lines[j].strip():
            j += 1
        run = lines[i:j]
        if is_wrapped(run):
            indent = run[0][: len(run[0]) - len(run[0].lstrip())]
            joined = " ".join(line.strip() for line in run)
            width = max(len(line) for line in run)
            blocks.append(Block("paragraph", i, j, 0, (joined,), (indent,), ("",), wrap=width))
        else:
            for k, line in enumerate(run, start=i):
                indent = line[: len(line) - len(line.lstrip())]
                blocks.append(Block("paragraph", k, k + 1, 0, (line.strip(),), (indent,),
                                    (line[len(line.rstrip()):],)))
        i = j
    return blocks


# A wiki page copied as text keeps its section edit links: "Titre[modifier | modifier le
# wikicode]", "History[edit]", "Geschichte[Bearbeiten | Quelltext bearbeiten]".
_EDIT_LINK = re.compile(r"^(?P<title>.*?\S)\s*\[\s*(?:edit|modifier|bearbeiten|editar|"
                        r"modifica|redigeeri|muokkaa|rediger)\b[^\]]*\]\s*$", re.IGNORECASE)
_NUMBERED = re.compile(r"^(?:\d+(?:\.\d+)*\.?|[IVXLCDM]+\.|[A-Z]\.)\s+\S")
_UNDERLINE = re.compile(r"^\s*([=\-~*^#])\1{2,}\s*$")
_CLOSING = re.compile(r"[.,;:!?…][\"'»”’)\]]*$")
_LETTER = re.compile(r"[^\W\d_]")


def _short(line: str) -> bool:
    return len(line) <= 80 and len(line.split()) <= 12 and bool(_LETTER.search(line))


def _heading(lines: Sequence[str], i: int) -> str | None:
    line = lines[i].strip()
    if m := _EDIT_LINK.match(line):
        return m.group("title")
    # after a blank line or a finished sentence: not the last line of a wrapped paragraph
    before = i == 0 or not lines[i - 1].strip() or bool(_ENDS_SENTENCE.search(lines[i - 1]))
    after = lines[i + 1].strip() if i + 1 < len(lines) else None
    if not before or not _short(line) or _UNDERLINE.match(line) or after is None:
        return None
    if _UNDERLINE.match(after):  # "Title" over "=====" (setext, reStructuredText)
        return line
    capitals = line.upper() == line  # "CHAPTER I." in Project Gutenberg files
    if _CLOSING.search(line) and not capitals:
        return None
    if not after:  # a short line followed by a blank line
        return line if line[0].isupper() or line[0].isdigit() else None
    numbered = _NUMBERED.match(line) and not _NUMBERED.match(after)
    return line if numbered else None  # "2. Method" right above its text; a list is not


def heading_lines(lines: Sequence[str]) -> dict[int, str]:
    """The lines of a plain text that read as headings, with their titles.

    Plain text has no heading markup, so a line counts as a heading when it is a wiki section
    title with its edit link (the title without the link), a line underlined with ``===`` or
    ``---``, a short line without closing punctuation followed by a blank line (or in
    capitals, as Gutenberg's ``CHAPTER I.``), or a numbered title (``1. Introduction``,
    ``II. Method``) not followed by another numbered line (that would be a list). Each starts
    after a blank line or a finished sentence, so the last line of a paragraph is not taken.
    Only the report's sections use this: what is translated does not change.

    Args:
        lines: The document's lines.

    Returns:
        Line number (0-based) to the heading's title.
    """
    found = {}
    for i, line in enumerate(lines):
        if line.strip() and (title := _heading(lines, i)) is not None:
            found[i] = title
    return found
