"""The gold alignment format and the strict/lax scores of Sennrich & Volk (2011).

One link a line, 0-based sentence indices: `[0]:[0]`, `[3]:[3, 4]`, `[5, 6]:[7]`, `[]:[22]`.
The scores follow the scorer shipped with Vecalign and Bertalign, so figures compare with
published ones: precision counts every predicted link (empty-sided ones too), recall counts
gold links with both sides non-empty; a link is a strict hit when it equals a gold link and a
lax hit when it overlaps a gold link on both sides.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from align.dp import Bead
from corpora.textio import read_text, split_lines, write_atomic
from diglot.errors import DataFormatError

_LINK = re.compile(r"^\s*\[([\d,\s]*)\]\s*:\s*\[([\d,\s]*)\]\s*$")

Link = tuple[tuple[int, ...], tuple[int, ...]]


def _indices(field: str) -> tuple[int, ...]:
    return tuple(int(x) for x in field.replace(",", " ").split())


def parse_links(text: str, path: Path | str = "<links>") -> list[Link]:
    """Links from gold-format text; a malformed line raises DataFormatError naming it."""
    links = []
    for number, line in enumerate(split_lines(text), 1):
        if not line.strip():
            continue
        match = _LINK.match(line)
        if not match:
            raise DataFormatError(path, number, f"not an alignment link: {line.strip()[:60]!r}; "
                                  "expected e.g. [0]:[0] or [3]:[3,4]")
        links.append((_indices(match[1]), _indices(match[2])))
    return links


def read_links(path: Path, n_src: int | None = None, n_tgt: int | None = None) -> list[Link]:
    """Read a gold-format file; with sentence counts, indices out of range are an error."""
    text = read_text(path)
    links = parse_links(text, path)
    lines = [n for n, line in enumerate(split_lines(text), 1) if line.strip()]
    for number, (src, tgt) in zip(lines, links, strict=True):
        for side, ids, limit in (("source", src, n_src), ("target", tgt, n_tgt)):
            if limit is not None and any(k >= limit for k in ids):
                raise DataFormatError(path, number, f"{side} index {max(ids)} is out of range: "
                                      f"the {side} has {limit} sentences")
    return links


def format_links(links: Iterable[Link | Bead]) -> str:
    out = []
    for link in links:
        src, tgt = (link.src, link.tgt) if isinstance(link, Bead) else link
        out.append(f"[{','.join(map(str, src))}]:[{','.join(map(str, tgt))}]\n")
    return "".join(out)


def write_links(path: Path, links: Iterable[Link | Bead]) -> None:
    write_atomic(path, format_links(links))


@dataclass(frozen=True)
class AlignmentScores:
    """Strict and lax precision, recall and F1 over links, with the counts behind them."""

    precision_strict: float
    recall_strict: float
    f1_strict: float
    precision_lax: float
    recall_lax: float
    f1_lax: float
    predicted: int
    gold: int

    def as_dict(self) -> dict[str, float | int]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _hits(gold: Sequence[Link], test: Sequence[Link]) -> tuple[int, int, int]:
    """(strict hits, lax hits, links) of `test` measured against `gold`."""
    gold_set = {(tuple(s), tuple(t)) for s, t in gold if s or t}
    test_set = {(tuple(s), tuple(t)) for s, t in test if s or t}
    partners: dict[int, set[int]] = defaultdict(set)
    for src, tgt in gold_set:
        for k in src:
            partners[k].update(tgt)
    strict = lax = 0
    for src, tgt in test_set:
        if (src, tgt) in gold_set:
            strict += 1
            lax += 1
        elif set(tgt) & {t for k in src for t in partners[k]}:
            lax += 1
    return strict, lax, len(test_set)


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def score_alignments(pairs: Iterable[tuple[Sequence[Link], Sequence[Link]]]) -> AlignmentScores:
    """Scores pooled over documents.

    Args:
        pairs: (gold links, predicted links) per document.

    Returns:
        Strict and lax P/R/F1 (0 where undefined).
    """
    ps = pl = pn = rs = rl = rn = 0
    n_pred = n_gold = 0
    for gold, pred in pairs:
        s, lax, n = _hits(gold, pred)
        ps, pl, pn = ps + s, pl + lax, pn + n
        both_gold = [(a, b) for a, b in gold if a and b]
        both_pred = [(a, b) for a, b in pred if a and b]
        s, lax, n = _hits(both_pred, both_gold)
        rs, rl, rn = rs + s, rl + lax, rn + n
        n_pred += len(pred)
        n_gold += len(gold)
    p_s, p_l = (ps / pn, pl / pn) if pn else (0.0, 0.0)
    r_s, r_l = (rs / rn, rl / rn) if rn else (0.0, 0.0)
    return AlignmentScores(p_s, r_s, _f1(p_s, r_s), p_l, r_l, _f1(p_l, r_l), n_pred, n_gold)
