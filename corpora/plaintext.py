"""Plain text to blocks: a line is a paragraph, unless the text is hard-wrapped.

Hard-wrapped prose (lines broken at a fixed width, as in Project Gutenberg files) cannot keep its
line breaks through translation, so a wrapped paragraph becomes one block and is re-wrapped at the
same width; every other line stays a block of its own, so one-sentence-a-line files stay aligned
line by line.
"""

from __future__ import annotations

import re

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
