"""Sentence alignment of two texts: inputs, anchors, the search, and review flags.

Between structural anchors (sentence boundaries known to correspond: the paragraphs or headings
of two documents with the same outline, or the headings two differing outlines share by
meaning) each stretch is aligned on its own, so an error cannot cross a heading. Inside a
stretch, confident sentence pairs (mutual nearest neighbours of the embeddings, see
`align.anchors`) confine the search to a band, and where one side has material the other lacks
leaving it unlinked is cheap. Links a reviewer should look at are flagged with the reason, and
the share of each side that was linked is reported.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from align.anchors import CheapSkips, band_through, find_anchors, match_outline, unmatched_share
from align.dp import Bead, BeadScores, BeadType, align, bead_types
from align.scorers import Scorer, sentence_vectors
from corpora.formats import detect_format, read_document
from corpora.textio import read_text, split_lines
from diglot.errors import DataFormatError

if TYPE_CHECKING:
    from diglot.pipeline import Progress

#: One side ten times longer than the other is almost never a translation pair.
RATIO_WARNING = 10.0
#: Below this share of a side linked, the alignment warns that the texts differ in content.
COVERAGE_WARNING = 0.9

#: A link where the anchors leave one side with material over pays this share of a typical
#: anchor's score (times the unmatched share there).
LINK_COST = 0.5
#: Above this many cells (rows × widest row) a band through the anchors is not used: they are
#: too sparse to narrow the search, and coarse-to-fine does better.
MAX_BAND_CELLS = 20_000_000

Vectors = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Side:
    """One side of an alignment: its sentences, and where headings and blocks start.

    Attributes:
        path: where the sentences came from (for messages).
        sentences: the sentences, in order, stripped, none blank.
        blocks: for each sentence, the index of its paragraph or heading (None when the input
            has no structure: a file with one sentence a line and no blank lines).
        headings: (sentence index, heading level) of each heading.
        ids: for each sentence, the index it has in links and gold files (for a file with one
            sentence a line, its 0-based line number); None: its position in `sentences`.
    """

    path: Path
    sentences: tuple[str, ...]
    blocks: tuple[int, ...] | None = None
    headings: tuple[tuple[int, int], ...] = ()
    ids: tuple[int, ...] | None = None

    def id_of(self, k: int) -> int:
        return self.ids[k] if self.ids is not None else k

    @cached_property
    def _at(self) -> dict[int, int]:
        return {v: k for k, v in enumerate(self.ids or range(len(self.sentences)))}

    def text(self, ids: Sequence[int]) -> str:
        """The sentences with these ids, joined by a space."""
        return " ".join(self.sentences[self._at[k]] for k in ids)


@dataclass(frozen=True)
class Link:
    """A bead with the reason to review it, if any."""

    bead: Bead
    review: str | None = None


@dataclass(frozen=True)
class Coverage:
    """How many sentences of each side lie in a link with both sides non-empty."""

    src_linked: int
    src_total: int
    tgt_linked: int
    tgt_total: int

    def describe(self) -> str:
        return (f"linked: source {self.src_linked}/{self.src_total} sentences "
                f"({self.src_linked / max(self.src_total, 1):.0%}), target "
                f"{self.tgt_linked}/{self.tgt_total} "
                f"({self.tgt_linked / max(self.tgt_total, 1):.0%})")


@dataclass(frozen=True)
class Alignment:
    links: tuple[Link, ...]
    anchors: str
    warnings: tuple[str, ...] = field(default=())
    coverage: Coverage | None = None

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
        mode: "lines" (one sentence a line, as in gold-aligned test sets; blank lines separate
            paragraphs and are not sentences), "document" (any book format, split into
            sentences as for translation), or "auto" (Markdown, EPUB, HTML, DOCX and wikitext
            files are documents; plain text has one sentence a line).

    Raises:
        DataFormatError: the file has no sentences or is not UTF-8.
    """
    fmt = detect_format(path)
    if mode == "auto":
        mode = "lines" if fmt == "text" else "document"
    if mode == "lines":
        side = _lines_side(path, read_text(path))
    else:
        doc = read_document(path, lang)
        kept = [s for s in doc.segments if s.text.strip()]
        sentences = tuple(s.text.strip() for s in kept)
        blocks = tuple(s.block for s in kept)
        headings = tuple((k, doc.blocks[b].level) for k, b in enumerate(blocks)
                         if doc.blocks[b].kind == "heading" and (k == 0 or blocks[k - 1] != b))
        side = Side(path, sentences, blocks, headings)
    if not side.sentences:
        raise DataFormatError(path, None, "no sentences to align: the file is empty")
    return side


def _lines_side(path: Path, text: str) -> Side:
    lines = split_lines(text)
    ids: list[int] = []
    sentences: list[str] = []
    blocks: list[int] = []
    block = 0
    for number, line in enumerate(lines):
        if not line.strip():
            block += 1 if sentences and blocks[-1] == block else 0
            continue
        ids.append(number)
        sentences.append(line.strip())
        blocks.append(block)
    blank = len(sentences) < len(lines)
    return Side(path, tuple(sentences), tuple(blocks) if blank else None, (),
                tuple(ids) if blank else None)


def anchors_of(src: Side, tgt: Side) -> tuple[list[tuple[int, int]], str]:
    """Sentence boundaries that must correspond, and which structure gave them.

    Paragraphs anchor when both documents have the same number of blocks (for files with one
    sentence a line: the same number of blank-line paragraphs); headings anchor when both have
    the same outline (same number and levels of headings).
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


def outline_anchors(src: Side, tgt: Side, vectors: Vectors) -> list[tuple[int, int]]:
    """Headings of two differing outlines paired by meaning (see `anchors.match_outline`):
    each pair is the start of a stretch on both sides."""
    hs = [k for k, _ in src.headings]
    ht = [k for k, _ in tgt.headings]
    pairs = match_outline(vectors[0][hs], vectors[1][ht])
    return [(hs[a], ht[b]) for a, b in pairs if hs[a] > 0 or ht[b] > 0]


def align_sides(src: Side, tgt: Side, scorer: Scorer, *,
                types: Sequence[BeadType] | None = None, use_anchors: bool = True,
                review_below: float | None = None, search: str = "anchored",
                progress: Progress | None = None) -> Alignment:
    """Align two sides with `scorer`, stretch by stretch between anchors.

    Args:
        src: the source side.
        tgt: the target side.
        scorer: scores candidate beads.
        types: allowed bead types (default: up to 1–4 / 4–1 and 2–3 / 3–2).
        use_anchors: follow the documents' structure when both have it.
        review_below: flag links scoring below this; default: a robust outlier threshold
            over the document's own scores.
        search: "anchored" (mutual-neighbour anchors confine the search, skips are cheap
            where one side has extra material; needs an embedding scorer, else as "plain")
            or "plain" (the coarse-to-fine search alone).
        progress: shows the search's progress, in source sentences.

    Returns:
        The links in order (indices as `Side.ids`), with review flags, the share of each
        side linked, and warnings about the input.
    """
    types = list(types or bead_types(4, 5))
    n, m = len(src.sentences), len(tgt.sentences)
    warnings = []
    if max(n, m) > RATIO_WARNING * min(n, m):
        warnings.append(f"{src.path} has {n} sentences and {tgt.path} has {m}: one side is more "
                        "than ten times longer; check that they are translations of each other")
    scorer.fit(src.sentences, tgt.sentences)
    vectors = (sentence_vectors(scorer, src.sentences, tgt.sentences)
               if search == "anchored" else None)
    whole = find_anchors(*vectors) if vectors is not None else []
    if vectors is not None:
        _calibrate(scorer, src.sentences, tgt.sentences, whole)
    anchors, kind = anchors_of(src, tgt) if use_anchors else ([], "none")
    if use_anchors and kind == "none" and src.headings and tgt.headings:
        if vectors is not None:
            anchors, kind = outline_anchors(src, tgt, vectors), "outline"
        warnings.append(f"the outlines differ: {src.path} has {len(src.headings)} headings and "
                        f"{tgt.path} has {len(tgt.headings)}"
                        + (f"; {len(anchors)} pairs alike in meaning anchor the search"
                           if vectors is not None else "; headings do not anchor the search"))
    if progress is not None:
        progress.start(n, "aligning")
    beads: list[Bead] = []
    weak: list[str | None] = []
    with _one_blas_thread():
        for (s0, t0), (s1, t1) in zip([(0, 0), *anchors], [*anchors, (n, m)], strict=True):
            found, notes = _stretch(src.sentences, tgt.sentences, (s0, s1, t0, t1), scorer,
                                    types, vectors, progress.advance if progress else None,
                                    whole if (s0, s1, t0, t1) == (0, n, 0, m) else None)
            beads += found
            weak += notes
    links = flag(beads, review_below, weak)
    coverage = _coverage(beads, n, m)
    warnings += _coverage_warnings(coverage, beads, src, tgt)
    links = [Link(Bead(tuple(map(src.id_of, x.bead.src)), tuple(map(tgt.id_of, x.bead.tgt)),
                       x.bead.score), x.review) for x in links]
    return Alignment(tuple(links), kind, tuple(warnings), coverage)


def _one_blas_thread() -> AbstractContextManager[object]:
    """The search's many small matrix products on one BLAS thread: with two, on a busy
    2-core machine, the 10k-sentence pair of benchmarks/align.py took 71 s instead of 23 s
    after embedding (threads waiting on each other); the results are the same."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # an optional extra of the USE package; without it, BLAS's default
        return nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _calibrate(scorer: Scorer, src: Sequence[str], tgt: Sequence[str],
               anchors: Sequence[tuple[int, int]]) -> None:
    """Length ratio from the anchored pairs alone: the whole texts' ratio is wrong when one
    has material the other lacks (190 of 554 sentences give a third of the true ratio)."""
    if len(anchors) >= 10:
        ls = sum(len(src[i]) for i, _ in anchors)
        lt = sum(len(tgt[j]) for _, j in anchors)
        whole = sum(map(len, tgt)) / max(sum(map(len, src)), 1)
        # Only a clear difference: on texts that match end to end, the whole texts' ratio
        # (which counts many-to-one links too) scored better (benchmarks/align.py).
        if ls and lt and not 0.8 < (lt / ls) / whole < 1.25:
            scorer.calibrate(lt / ls)


def _stretch(src: Sequence[str], tgt: Sequence[str], span: tuple[int, int, int, int],
             scorer: Scorer, types: Sequence[BeadType], vectors: Vectors | None,
             on_rows: Callable[[int], None] | None, known: list[tuple[int, int]] | None = None,
             ) -> tuple[list[Bead], list[str | None]]:
    """Align one stretch; `known` are its anchors if already found (the whole text's, when
    no structure splits it: CSLS over all pairs is the costliest step after embedding)."""
    s0, s1, t0, t1 = span
    if s0 == s1 or t0 == t1:
        if on_rows is not None:
            on_rows(s1 - s0)
        return ([Bead((k,), ()) for k in range(s0, s1)]
                + [Bead((), (k,)) for k in range(t0, t1)]), [None] * (s1 - s0 + t1 - t0)
    scores = scorer.prepare(src[s0:s1], tgt[t0:t1])
    band, share = None, None
    if vectors is not None:
        anchors = (known if known is not None
                   else find_anchors(vectors[0][s0:s1], vectors[1][t0:t1]))
        if anchors:
            band = band_through(anchors, s1 - s0, t1 - t0)
            if len(band.lo) * band.width > MAX_BAND_CELLS:
                band = None  # anchors too sparse to narrow the search: coarse-to-fine instead
            share = unmatched_share(anchors, np.array([len(x) for x in src[s0:s1]]),
                                    np.array([len(x) for x in tgt[t0:t1]]))
            at = np.array(anchors) + 1
            typical = float(np.median(scores.score(1, 1, at[:, 0], at[:, 1])))
            scores = CheapSkips(scores, *share, link_cost=LINK_COST * max(typical, 0.0))
    found = align(scores, types, band=band, on_rows=on_rows)
    notes = [_weak(scores, b) or _unsupported(share, b) for b in found]
    return [Bead(tuple(k + s0 for k in b.src), tuple(k + t0 for k in b.tgt), b.score)
            for b in found], notes


def _weak(scores: BeadScores, bead: Bead) -> str | None:
    """A reason when a bead of three or more sentences on a side scores no better than its
    best 1–1 pair: the other sentences were swept in, not translated there."""
    if max(len(bead.src), len(bead.tgt)) < 3 or not bead.src or not bead.tgt:
        return None
    i = np.repeat(np.array(bead.src) + 1, len(bead.tgt))
    j = np.tile(np.array(bead.tgt) + 1, len(bead.src))
    best = float(scores.score(1, 1, i, j).max())
    if bead.score > best:
        return None
    return (f"weak {len(bead.src)}-{len(bead.tgt)} link: {bead.score:.3f} is no better than "
            f"its best 1-1 pair ({best:.3f})")


def _unsupported(share: tuple[np.ndarray, np.ndarray] | None, bead: Bead) -> str | None:
    """A reason when a link lies where the anchors leave one side with material over."""
    if share is None or not bead.src or not bead.tgt:
        return None
    most = max(share[0][list(bead.src)].max(), share[1][list(bead.tgt)].max())
    if most < 0.5:
        return None
    return (f"unanchored: {most:.0%} of the stretch between anchors around it has no "
            "counterpart on one side")


def flag(beads: Sequence[Bead], review_below: float | None = None,
         notes: Sequence[str | None] | None = None) -> list[Link]:
    """Mark links a reviewer should check: no counterpart, a low score, or a given note.

    Without an explicit threshold, "low" is three median absolute deviations below the
    median score of the document's two-sided links, so it adapts to the scorer's scale.
    """
    scores = np.array([b.score for b in beads if b.src and b.tgt])
    if review_below is None and len(scores):
        median = float(np.median(scores))
        mad = float(np.median(np.abs(scores - median))) or 1e-9
        review_below = median - 3 * 1.4826 * mad
    links = []
    for k, bead in enumerate(beads):
        reason = None
        if not bead.src or not bead.tgt:
            reason = "no counterpart"
        elif review_below is not None and bead.score < review_below:
            reason = f"low score {bead.score:.3f} < {review_below:.3f}"
        elif notes is not None:
            reason = notes[k]
        links.append(Link(bead, reason))
    return links


def _coverage(beads: Sequence[Bead], n: int, m: int) -> Coverage:
    linked = [b for b in beads if b.src and b.tgt]
    return Coverage(sum(len(b.src) for b in linked), n, sum(len(b.tgt) for b in linked), m)


def _coverage_warnings(coverage: Coverage, beads: Sequence[Bead], src: Side, tgt: Side,
                       ) -> list[str]:
    out = []
    for side, linked, total, unlinked in (
            (src, coverage.src_linked, coverage.src_total, [b.src[0] for b in beads if not b.tgt]),
            (tgt, coverage.tgt_linked, coverage.tgt_total, [b.tgt[0] for b in beads if not b.src])):
        if linked >= COVERAGE_WARNING * total:
            continue
        runs = sorted(_runs(sorted(unlinked)), key=lambda r: r[0] - r[1])[:3]
        where = ", ".join(f"{side.id_of(a)}–{side.id_of(b)}" if a != b else f"{side.id_of(a)}"
                          for a, b in sorted(runs))
        out.append(f"{side.path}: only {linked} of {total} sentences ({linked / total:.0%}) "
                   f"are linked; the other text may lack a part (a translation that stops early, "
                   f"an excerpt, prefaces or notes); longest unlinked runs: {where}")
    return out


def _runs(ids: Sequence[int]) -> list[tuple[int, int]]:
    """Consecutive runs in sorted ids, as (first, last)."""
    runs: list[tuple[int, int]] = []
    for k in ids:
        if runs and k == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], k)
        else:
            runs.append((k, k))
    return runs
