"""Sentence alignment of two texts: inputs, anchors, the search, and review flags.

Between anchors (sentence boundaries known to correspond, such as the headings of two
documents with the same outline) each stretch is aligned on its own, so an error cannot cross a
heading. Links a reviewer should look at are flagged with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from align.dp import Bead, BeadType, align, bead_types
from align.scorers import Scorer
from corpora.ingest import detect_format, parse_text
from corpora.textio import read_text
from diglot.errors import DataFormatError

#: One side ten times longer than the other is almost never a translation pair.
RATIO_WARNING = 10.0


@dataclass(frozen=True)
class Side:
    """One side of an alignment: its sentences, and where headings and blocks start.

    Attributes:
        path: where the sentences came from (for messages).
        sentences: the sentences, in order.
        blocks: for each sentence, the index of its paragraph or heading (None for a file with
            one sentence a line, which has no structure).
        headings: (sentence index, heading level) of each heading.
    """

    path: Path
    sentences: tuple[str, ...]
    blocks: tuple[int, ...] | None = None
    headings: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Link:
    """A bead with the reason to review it, if any."""

    bead: Bead
    review: str | None = None


@dataclass(frozen=True)
class Alignment:
    links: tuple[Link, ...]
    anchors: str
    warnings: tuple[str, ...] = field(default=())

    @property
    def beads(self) -> list[Bead]:
        return [link.bead for link in self.links]

    @property
    def flagged(self) -> int:
        return sum(link.review is not None for link in self.links)


def read_side(path: Path, lang: str, mode: str = "auto") -> Side:
    """Read a file as sentences.

    Args:
        path: the file.
        lang: its language (for the sentence splitter).
        mode: "lines" (one sentence a line, as in gold-aligned test sets), "document"
            (Markdown or plain text, split into sentences as for translation), or "auto"
            (Markdown files are documents, anything else has one sentence a line).

    Raises:
        DataFormatError: the file has no sentences or is not UTF-8.
    """
    text = read_text(path)
    if mode == "auto":
        mode = "document" if detect_format(path) == "markdown" else "lines"
    if mode == "lines":
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        side = Side(path, tuple(line.strip() for line in lines))
    else:
        doc = parse_text(text, lang, path.name, detect_format(path))
        sentences = tuple(s.text for s in doc.segments)
        blocks = tuple(s.block for s in doc.segments)
        headings = tuple((k, doc.blocks[b].level) for k, b in enumerate(blocks)
                         if doc.blocks[b].kind == "heading" and (k == 0 or blocks[k - 1] != b))
        side = Side(path, sentences, blocks, headings)
    if not any(s.strip() for s in side.sentences):
        raise DataFormatError(path, None, "no sentences to align: the file is empty")
    return side


def anchors_of(src: Side, tgt: Side) -> tuple[list[tuple[int, int]], str]:
    """Sentence boundaries that must correspond, and which structure gave them.

    Paragraphs anchor when both documents have the same number of blocks; headings anchor when
    both have the same outline (same number and levels of headings).
    """
    if src.blocks is None or tgt.blocks is None:
        return [], "none"
    starts_s = [k for k, b in enumerate(src.blocks) if k == 0 or src.blocks[k - 1] != b]
    starts_t = [k for k, b in enumerate(tgt.blocks) if k == 0 or tgt.blocks[k - 1] != b]
    if len(starts_s) == len(starts_t) > 1:
        return list(zip(starts_s[1:], starts_t[1:], strict=True)), "paragraphs"
    levels_s = [level for _, level in src.headings]
    levels_t = [level for _, level in tgt.headings]
    if levels_s == levels_t and levels_s:
        pairs = [(s, t) for (s, _), (t, _) in zip(src.headings, tgt.headings, strict=True)
                 if s > 0 or t > 0]
        return pairs, "headings"
    return [], "none"


def align_sides(src: Side, tgt: Side, scorer: Scorer, *,
                types: Sequence[BeadType] | None = None, use_anchors: bool = True,
                review_below: float | None = None) -> Alignment:
    """Align two sides with `scorer`, stretch by stretch between anchors.

    Args:
        src: the source side.
        tgt: the target side.
        scorer: scores candidate beads.
        types: allowed bead types (default: up to 1–4 / 4–1 and 2–3 / 3–2).
        use_anchors: follow the documents' structure when both have it.
        review_below: flag links scoring below this; default: a robust outlier threshold
            over the document's own scores.

    Returns:
        The links in order, with review flags and any warnings about the input.
    """
    types = list(types or bead_types(4, 5))
    warnings = []
    n, m = len(src.sentences), len(tgt.sentences)
    if max(n, m) > RATIO_WARNING * min(n, m):
        warnings.append(f"{src.path} has {n} sentences and {tgt.path} has {m}: one side is more "
                        "than ten times longer; check that they are translations of each other")
    anchors, kind = anchors_of(src, tgt) if use_anchors else ([], "none")
    scorer.fit(src.sentences, tgt.sentences)
    beads: list[Bead] = []
    for (s0, t0), (s1, t1) in zip([(0, 0), *anchors], [*anchors, (n, m)], strict=True):
        beads += _stretch(src.sentences, tgt.sentences, s0, s1, t0, t1, scorer, types)
    links = flag(beads, review_below)
    return Alignment(tuple(links), kind, tuple(warnings))


def _stretch(src: Sequence[str], tgt: Sequence[str], s0: int, s1: int, t0: int, t1: int,
             scorer: Scorer, types: Sequence[BeadType]) -> list[Bead]:
    if s0 == s1 or t0 == t1:
        return ([Bead((k,), ()) for k in range(s0, s1)]
                + [Bead((), (k,)) for k in range(t0, t1)])
    found = align(scorer.prepare(src[s0:s1], tgt[t0:t1]), types)
    return [Bead(tuple(k + s0 for k in b.src), tuple(k + t0 for k in b.tgt), b.score)
            for b in found]


def flag(beads: Sequence[Bead], review_below: float | None = None) -> list[Link]:
    """Mark links a reviewer should check: no counterpart, or a low score.

    Without an explicit threshold, "low" is three median absolute deviations below the
    median score of the document's two-sided links, so it adapts to the scorer's scale.
    """
    scores = np.array([b.score for b in beads if b.src and b.tgt])
    if review_below is None and len(scores):
        median = float(np.median(scores))
        mad = float(np.median(np.abs(scores - median))) or 1e-9
        review_below = median - 3 * 1.4826 * mad
    links = []
    for bead in beads:
        reason = None
        if not bead.src or not bead.tgt:
            reason = "no counterpart"
        elif review_below is not None and bead.score < review_below:
            reason = f"low score {bead.score:.3f} < {review_below:.3f}"
        links.append(Link(bead, reason))
    return links
