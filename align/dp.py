"""The aligner core: the best monotone path of beads, numpy only.

A *bead* pairs a run of `a` consecutive source sentences with a run of `b` consecutive target
sentences. The core knows nothing about models or files: it asks a `BeadScores` object for the
score of each candidate bead and returns the path that maximises their sum.

Search is coarse-to-fine, as in Vecalign: units are merged in pairs until the whole table is
small, the best path is found there, and each finer level searches only a band around the
coarser path. Time and memory grow linearly with document length for a fixed band width.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

BeadType = tuple[int, int]
NEG = -np.inf
#: Bead types of the coarse levels, which only place the band for the next level.
COARSE_TYPES: list[BeadType] = [(1, 0), (0, 1), (1, 1), (1, 2), (2, 1), (1, 3), (3, 1), (2, 2)]


@dataclass(frozen=True)
class Bead:
    """One link: source sentence indices, target sentence indices, and its score.

    Either side may be empty (a sentence with no counterpart). `score` is the scorer's score
    of this bead; higher is better.
    """

    src: tuple[int, ...]
    tgt: tuple[int, ...]
    score: float = 0.0


class BeadScores(Protocol):
    """Scores of candidate beads over `n_src` × `n_tgt` units (sentences or merged blocks)."""

    @property
    def n_src(self) -> int: ...

    @property
    def n_tgt(self) -> int: ...

    def score(self, a: int, b: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Scores of the beads covering units src[i-a:i] and tgt[j-b:j].

        Args:
            a: source units in the bead (0 for an insertion).
            b: target units in the bead (0 for a deletion).
            i: bead end positions on the source side, shape (k,), each ≥ a.
            j: bead end positions on the target side, shape (k,), each ≥ b.

        Returns:
            Scores, shape (k,), float; -inf forbids a bead.
        """
        ...

    def coarsen(self) -> BeadScores:
        """The same scores over units merged in pairs (unit u covers old units 2u, 2u+1)."""
        ...


def bead_types(max_n: int = 2, max_total: int = 4) -> list[BeadType]:
    """1–0, 0–1 and every a–b with a, b ≥ 1, max(a, b) ≤ max_n and a + b ≤ max_total.

    The defaults give 1–1, 1–2, 2–1, 2–2; `bead_types(4, 5)` adds 1–3, 3–1, 1–4, 4–1, 2–3, 3–2.
    """
    if max_n < 1:
        raise ValueError("max_n must be at least 1")
    types: list[BeadType] = [(1, 0), (0, 1)]
    types += [(a, b) for a in range(1, max_n + 1) for b in range(1, max_n + 1)
              if a + b <= max(max_total, 2)]
    return types


@dataclass(frozen=True)
class Band:
    """Allowed cells: row i (source units consumed) may use columns lo[i]..hi[i] inclusive."""

    lo: np.ndarray
    hi: np.ndarray

    @classmethod
    def full(cls, n_src: int, n_tgt: int) -> Band:
        return cls(np.zeros(n_src + 1, dtype=np.int64), np.full(n_src + 1, n_tgt, dtype=np.int64))

    @property
    def width(self) -> int:
        return int((self.hi - self.lo).max()) + 1


def best_path(scores: BeadScores, types: Sequence[BeadType], band: Band | None = None,
              on_rows: Callable[[int], None] | None = None) -> list[Bead]:
    """The highest-scoring monotone path from (0, 0) to (n_src, n_tgt) inside `band`.

    Every source and target unit lies in exactly one bead, in order.

    Args:
        scores: bead scores over the units.
        types: allowed bead types; zero-sided types may only be (1, 0) and (0, 1).
        band: allowed cells (default: the whole table); must contain both corners.
        on_rows: called with the number of source units done, every few rows (progress).

    Returns:
        The beads in order, each with its own score.

    Raises:
        ValueError: the band misses a corner, a bead type is unsupported, or no path fits.
    """
    n, m = scores.n_src, scores.n_tgt
    band = band or Band.full(n, m)
    if band.lo[0] != 0 or band.hi[n] != m:
        raise ValueError("the band must contain (0, 0) and (n_src, n_tgt)")
    for t in types:
        if min(t) == 0 and max(t) != 1:
            raise ValueError(f"unsupported bead type {t}: zero-sided beads are 1-0 and 0-1")
    steps = [t for t in types if t[0] > 0]
    starts = np.concatenate(([0], np.cumsum(band.hi - band.lo + 1)))
    bead_score = _score_tables(scores, types, band)
    total, back = _forward(band, types, steps, bead_score, starts,
                           on_rows or (lambda _: None))
    if not np.isfinite(total[n][m - band.lo[n]]):
        raise ValueError("no path through the band: allow 1-0 and 0-1 beads or widen it")
    return _trace(band, types, back, bead_score, starts, n, m)


def _score_tables(scores: BeadScores, types: Sequence[BeadType], band: Band,
                  ) -> list[np.ndarray]:
    """Per type, the score of the bead ending at each band cell, row after row: shape
    (cells,), row i's cells from `starts[i]` (a band's rows differ in width, and a table as
    wide as the widest row would hold mostly nothing)."""
    rows = np.repeat(np.arange(len(band.lo)), band.hi - band.lo + 1)
    cols = _band_columns(band)
    tables = []
    for a, b in types:
        table = np.full(len(rows), NEG)
        ok = (rows >= a) & (cols >= b)
        if ok.any():
            table[ok] = scores.score(a, b, rows[ok], cols[ok])
        tables.append(table)
    return tables


def _band_columns(band: Band) -> np.ndarray:
    sizes = band.hi - band.lo + 1
    starts = np.repeat(band.lo - np.concatenate(([0], np.cumsum(sizes)[:-1])), sizes)
    return np.arange(int(sizes.sum())) + starts


def _forward(band: Band, types: Sequence[BeadType], steps: Sequence[BeadType],
             bead_score: list[np.ndarray], starts: np.ndarray, on_rows: Callable[[int], None],
             ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    total: list[np.ndarray] = []
    back: list[np.ndarray] = []
    index = {t: k for k, t in enumerate(types)}
    insert = index.get((0, 1))
    los, his, firsts = band.lo.tolist(), band.hi.tolist(), starts.tolist()
    for i in range(len(los)):
        lo, width = los[i], his[i] - los[i] + 1
        best = np.full(width, NEG)
        ptr = np.full(width, -1, dtype=np.int8)
        if i == 0 and lo == 0:
            best[0] = 0.0
        for a, b in steps:
            if i < a:
                continue
            # Columns lo + k0 .. lo + k1 - 1 of this row come from row i - a's band.
            k0, k1 = max(0, los[i - a] + b - lo), min(width, his[i - a] + b - lo + 1)
            if k0 >= k1:
                continue
            k = index[(a, b)]
            prev = lo - b - los[i - a]
            cand = (total[i - a][prev + k0:prev + k1]
                    + bead_score[k][firsts[i] + k0:firsts[i] + k1])
            here = best[k0:k1]
            better = cand > here
            here[better] = cand[better]
            ptr[k0:k1][better] = k
        if insert is not None and width > 1:
            best, ptr = _run_inserts(best, ptr, bead_score[insert][firsts[i]:firsts[i + 1]],
                                     insert)
        total.append(best)
        back.append(ptr)
        if i and i % 64 == 0:
            on_rows(64)
    on_rows((len(los) - 1) % 64)
    return total, back


def _run_inserts(best: np.ndarray, ptr: np.ndarray, skip: np.ndarray, insert: int,
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Chains of 0–1 beads within a row, in closed form instead of a loop over columns.

    total[k] = max over m ≤ k of best[m] + skip[m+1] + ... + skip[k].
    """
    gain = np.where(np.isfinite(skip), skip, -1e30)
    gain[0] = 0.0
    c = np.cumsum(gain)
    via = np.maximum.accumulate(best - c) + c
    moved = via > best + 1e-12
    if not moved.any():
        return best, ptr
    ptr = ptr.copy()
    ptr[moved] = insert
    return np.where(moved, via, best), ptr


def _trace(band: Band, types: Sequence[BeadType], back: list[np.ndarray],
           bead_score: list[np.ndarray], starts: np.ndarray, n: int, m: int) -> list[Bead]:
    beads = []
    i, j = n, m
    while i or j:
        k = int(back[i][j - band.lo[i]])
        a, b = types[k]
        beads.append(Bead(tuple(range(i - a, i)), tuple(range(j - b, j)),
                          float(bead_score[k][starts[i] + j - band.lo[i]])))
        i, j = i - a, j - b
    beads.reverse()
    return beads


def band_around(beads: Sequence[Bead], factor: int, n_src: int, n_tgt: int, margin: int,
                ) -> Band:
    """The band at a level `factor` times finer than `beads`, `margin` units either side.

    Args:
        beads: a path over coarse units.
        factor: fine units per coarse unit.
        n_src: fine source units.
        n_tgt: fine target units.
        margin: extra columns on each side of the projected path.

    Returns:
        A band whose rows are monotone and that contains both corners.
    """
    lo = np.full(n_src + 1, n_tgt, dtype=np.int64)
    hi = np.zeros(n_src + 1, dtype=np.int64)
    i0 = j0 = 0
    for bead in beads:
        i1, j1 = i0 + len(bead.src), j0 + len(bead.tgt)
        r0, r1 = min(i0 * factor, n_src), min(i1 * factor, n_src)
        c0, c1 = min(j0 * factor, n_tgt), min(j1 * factor, n_tgt)
        lo[r0:r1 + 1] = np.minimum(lo[r0:r1 + 1], c0)
        hi[r0:r1 + 1] = np.maximum(hi[r0:r1 + 1], c1)
        i0, j0 = i1, j1
    # Margins in rows as well as columns: widen each row by the neighbouring rows' ranges.
    lo = _sliding(lo, margin, np.minimum) - margin
    hi = _sliding(hi, margin, np.maximum) + margin
    lo = np.clip(np.minimum.accumulate(lo[::-1])[::-1], 0, n_tgt)
    hi = np.clip(np.maximum.accumulate(hi), 0, n_tgt)
    lo[0], hi[-1] = 0, n_tgt
    return Band(lo, hi)


def _sliding(x: np.ndarray, r: int, op: np.ufunc) -> np.ndarray:
    out = x.copy()
    for s in range(1, r + 1):
        out[s:] = op(out[s:], x[:-s])
        out[:-s] = op(out[:-s], x[s:])
    return out


def align(scores: BeadScores, types: Sequence[BeadType], *, margin: int = 20,
          max_cells: int = 100_000, band: Band | None = None,
          on_rows: Callable[[int], None] | None = None) -> list[Bead]:
    """The best path, searched coarse-to-fine so cost grows linearly with length.

    Args:
        scores: bead scores over sentences.
        types: allowed bead types (see `bead_types`).
        margin: band half-width, in units, around the path found one level coarser.
        max_cells: tables up to this many cells are searched whole.
        band: search only these cells (e.g. a band through known anchors) instead of a band
            found coarse-to-fine.
        on_rows: progress callback, given the number of source rows done at the finest level.

    Returns:
        The beads in order.
    """
    n, m = scores.n_src, scores.n_tgt
    if band is not None or (n + 1) * (m + 1) <= max_cells or min(n, m) < 4:
        return best_path(scores, types, band, on_rows)
    coarse = align(scores.coarsen(), COARSE_TYPES,
                   margin=margin, max_cells=max_cells)
    return best_path(scores, types, band_around(coarse, 2, n, m, margin), on_rows)
