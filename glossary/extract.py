"""Candidate term pairs from an aligned bitext: what a translator would put in a glossary.

Each side's candidates are word n-grams bounded by content words, counted by segment over their
match keys (``glossary.candidates``).

A source and a target candidate are associated by Dunning's log-likelihood ratio G² over the
segments (both, only one, neither) and by Dice. Each source keeps its best target by G²; then,
strongest first, a target already taken by another source is refused unless the new source
contains the other ("Mount Everest" after "Everest"), as in Melamed's competitive linking.

All counting is numpy over every word at once (n-gram codes, segment counts, co-occurrences
block by block, only for pairs whose frequencies could reach the Dice threshold), so a
100k-segment bitext takes seconds and a few hundred MB.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from diglot.errors import ConfigError
from glossary.candidates import Gram, Side
from translate.langs import Language

# Least Dice: on FLORES en-fr, pairs between 0.3 and 0.4 are mostly right (time/temps,
# life/vie), between 0.2 and 0.3 about half wrong (least/certains pays, well/flux sanguin).
DICE_MIN = 0.3
G2_MIN = 10.83  # least G²: the chi-square(1) critical value at p = 0.001

_BLOCK = 2_000_000  # co-occurrence pairs per numpy block: bounds the memory used (~100 MB)


@dataclass(frozen=True)
class Candidate:
    """A proposed glossary entry.

    Attributes:
        source: The source term, in its most frequent form.
        target: The target term, likewise.
        score: Log-likelihood ratio G² of the two occurring in the same segments.
        dice: Dice coefficient 2·count / (source_count + target_count).
        count: Segments where both occur.
        source_count: Segments where the source term occurs.
        target_count: Segments where the target term occurs.
    """

    source: str
    target: str
    score: float
    dice: float
    count: int
    source_count: int
    target_count: int


def log_likelihood(both: np.ndarray, fs: np.ndarray, ft: np.ndarray, n: int) -> np.ndarray:
    """Dunning's G² for 2x2 tables of segment counts.

    Args:
        both: Segments with both terms, shape (k,).
        fs: Segments with the source term, shape (k,).
        ft: Segments with the target term, shape (k,).
        n: All segments.

    Returns:
        G² = 2 Σ O ln(O/E) over the four cells, shape (k,).
    """
    def xlx(x: np.ndarray | float) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        return np.where(x > 0, x * np.log(np.where(x > 0, x, 1.0)), 0.0)

    c, s, t = (np.asarray(x, dtype=np.float64) for x in (both, fs, ft))
    cells = xlx(c) + xlx(s - c) + xlx(t - c) + xlx(n - s - t + c)
    margins = xlx(s) + xlx(n - s) + xlx(t) + xlx(n - t)
    return np.maximum(2.0 * (cells - margins + xlx(float(n))), 0.0)


def _inside(short: Gram, long: Gram) -> bool:
    return any(long[i:i + len(short)] == short for i in range(len(long) - len(short) + 1))



def _associations(src: Side, tgt: Side, n: int, min_count: int) -> tuple[np.ndarray, ...]:
    """The pairs of candidates that pass ``min_count``, ``DICE_MIN`` and ``G2_MIN``.

    Pairs are made segment by segment, a block of source candidates at a time, skipping those
    whose frequencies alone put them under ``DICE_MIN``; each block is filtered before the
    next, so memory holds one block and the pairs that pass.

    Returns:
        Source candidate, target candidate, shared segments, G² and Dice, each (pairs,).
    """
    none = np.zeros(0, dtype=np.int64)
    if not src.grams or not tgt.grams:
        return none, none, none, none.astype(np.float64), none.astype(np.float64)
    t_len = np.bincount(tgt.occ_seg, minlength=n)
    t_start = np.concatenate(([0], np.cumsum(t_len)[:-1]))
    order = np.argsort(src.occ_cand, kind="stable")
    s_cand, s_seg = src.occ_cand[order], src.occ_seg[order]
    rep = t_len[s_seg]  # targets in each source occurrence's segment
    per_cand = np.bincount(s_cand, weights=rep, minlength=len(src.grams))
    block = (np.cumsum(per_cand) // _BLOCK)[s_cand]  # whole candidates, ~_BLOCK pairs each
    cuts = np.append(np.flatnonzero(np.diff(block, prepend=-1)), len(block)).tolist()
    found = []
    for a, b in itertools.pairwise(cuts):
        r = rep[a:b]
        within = np.arange(int(r.sum())) - np.repeat(np.cumsum(r) - r, r)
        s = np.repeat(s_cand[a:b], r)
        t = tgt.occ_cand[np.repeat(t_start[s_seg[a:b]], r) + within]
        fs, ft = src.freq[s], tgt.freq[t]
        ok = 2 * np.minimum(fs, ft) >= DICE_MIN * (fs + ft)  # else too few even if all shared
        code, both = np.unique(s[ok] * len(tgt.grams) + t[ok], return_counts=True)
        s, t = np.divmod(code, len(tgt.grams))
        fs, ft = src.freq[s], tgt.freq[t]
        g2 = log_likelihood(both, fs, ft, n)
        dice = 2 * both / (fs + ft)
        ok = (both >= min_count) & (dice >= DICE_MIN) & (g2 >= G2_MIN) & (both * n > fs * ft)
        found.append((s[ok], t[ok], both[ok], g2[ok], dice[ok]))
    return tuple(np.concatenate(c) for c in zip(*found, strict=True))


def _likeness(a: Gram, b: Gram) -> tuple[float, int]:
    """Shared leading characters (cognates, names) and difference in words: tie-breakers."""
    x, y = " ".join(a), " ".join(b)
    return len(os.path.commonprefix([x, y])) / max(len(x), len(y), 1), abs(len(a) - len(b))


def _link(src: Side, tgt: Side, s: np.ndarray, t: np.ndarray, g2: np.ndarray) -> list[int]:
    """Indices of the pairs kept: each source's best target, then competitive linking.

    Equal G² (the same counts: common in small bitexts) goes to the target that looks most
    like the source, then to the one closest in length. Strongest first, a source may share a
    target only with sources it contains ("Mount Everest" after "Everest"); one contained in a
    stronger source ("united" in "United States") would be mistaking its context for its
    translation.
    """
    like = np.array([_likeness(src.grams[i], tgt.grams[j]) for i, j in zip(s, t, strict=True)],
                    dtype=np.float64).reshape(-1, 2)
    order = np.lexsort((t, like[:, 1], -like[:, 0], -g2, s))  # by source, best target first
    first = order[np.diff(s[order], prepend=-1) != 0]
    kept: list[int] = []
    owners: dict[int, list[Gram]] = {}
    for p in first[np.lexsort((s[first], -g2[first]))]:
        taken = owners.setdefault(int(t[p]), [])
        gram = src.grams[int(s[p])]
        if all(len(gram) > len(o) and _inside(o, gram) for o in taken):
            taken.append(gram)
            kept.append(int(p))
    return kept


def extract_candidates(pairs: Sequence[tuple[str, str]], src: Language, tgt: Language,
                       max_words: int = 4, min_count: int = 2,
                       top: int | None = 200) -> list[Candidate]:
    """Propose term pairs from aligned segments, strongest association first.

    Args:
        pairs: Aligned (source, target) segments.
        src: Source language.
        tgt: Target language.
        max_words: Longest term, in words.
        min_count: Fewest segments a pair must share (and each term occur in).
        top: How many candidates to return; None for all.

    Returns:
        Candidates sorted by G² descending.

    Raises:
        ConfigError: ``max_words``, ``min_count`` or ``top`` is below 1.
    """
    for name, value in (("max_words", max_words), ("min_count", min_count), ("top", top)):
        if value is not None and value < 1:
            raise ConfigError(f"{name} is {value}; give 1 or more")
    n = len(pairs)
    if n == 0:
        return []
    sides = (Side([p[0] for p in pairs], src, max_words, min_count),
             Side([p[1] for p in pairs], tgt, max_words, min_count))
    s, t, both, g2, dice = _associations(*sides, n, min_count)
    fs, ft = sides[0].freq[s], sides[1].freq[t]
    kept = sorted(_link(*sides, s, t, g2), key=lambda p: (-g2[p], -both[p], int(s[p])))
    kept = kept[:top] if top is not None else kept
    forms = (sides[0].surfaces([int(s[p]) for p in kept]),
             sides[1].surfaces(sorted({int(t[p]) for p in kept})))
    return [Candidate(forms[0][int(s[p])], forms[1][int(t[p])], float(g2[p]), float(dice[p]),
                      int(both[p]), int(fs[p]), int(ft[p])) for p in kept]


def candidates_tsv(cands: Sequence[Candidate], src: Language, tgt: Language) -> str:
    """The candidates as a TSV glossary that ``glossary.termbase.read_termbase`` reads.

    Args:
        cands: The candidates.
        src: Source language (first column's name).
        tgt: Target language (second column's name).

    Returns:
        A header ``src<TAB>tgt<TAB>note`` and one row per candidate, the note giving the
        evidence (``G² 45.2, Dice 0.83, 12 segments``), each line ending in a newline.
    """
    def cell(term: str) -> str:
        return " ".join(term.replace("|", " ").split())  # "|" separates forms in a cell

    lines = [f"{src.code}\t{tgt.code}\tnote"]
    lines += [f"{cell(c.source)}\t{cell(c.target)}\tG² {c.score:.1f}, Dice {c.dice:.2f}, "
              f"{c.count} segments" for c in cands]
    return "\n".join(lines) + "\n"
