"""Confident anchors found before the search, and the band and skip costs they imply.

Two texts that are not translations of each other end to end (a translation that stops early,
an excerpt, a book with prefaces and notes the other lacks) defeat a search that assumes both
run from start to end together: it spreads the shorter text over the longer one. So, as in
Bertalign (Liu & Zhu 2022), sentence pairs that are each other's nearest neighbour in embedding
space are found first; the longest monotone chain of them is kept; the search is then confined
to a band through that chain, and where a stretch between two anchors holds far more sentences
on one side than the other, leaving sentences unlinked costs (almost) nothing.

Everything here is numpy over vectors and indices; the DP core (`align.dp`) receives only a
`Band` and `BeadScores`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from align.dp import Band, Bead, BeadScores, band_around

Anchor = tuple[int, int]


def _csls(vs: np.ndarray, vt: np.ndarray, k: int, rows: int = 1024,
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Row-wise and column-wise best partners under CSLS (Conneau et al. 2018), in row blocks.

    Returns (best column per row, its CSLS, its cosine, best row per column).
    """
    n, m = len(vs), len(vt)
    k_t, k_s = min(k, m), min(k, n)
    r_s = np.empty(n)
    top_t = np.full((k_s, m), -np.inf)  # each column's k highest cosines so far
    # In place where possible: a block is rows x m floats, and each copy of it costs as much.
    for start in range(0, n, rows):
        neg = vs[start:start + rows] @ vt.T
        np.negative(neg, out=neg)
        stacked = np.vstack((-top_t, neg))
        stacked.partition(k_s - 1, axis=0)
        top_t = -stacked[:k_s]
        del stacked
        neg.partition(k_t - 1, axis=1)
        r_s[start:start + rows] = (-neg[:, :k_t]).mean(axis=1)
        del neg
    r_t = top_t.mean(axis=0)
    best_j = np.empty(n, dtype=np.int64)
    best_val = np.empty(n)
    best_cos = np.empty(n)
    col_val = np.full(m, -np.inf)
    best_i = np.zeros(m, dtype=np.int64)
    for start in range(0, n, rows):
        sims = vs[start:start + rows] @ vt.T
        csls = sims * 2
        csls -= r_s[start:start + rows, None]
        csls -= r_t[None, :]
        arg = csls.argmax(axis=1)
        idx = np.arange(len(arg))
        best_j[start:start + rows], best_val[start:start + rows] = arg, csls[idx, arg]
        best_cos[start:start + rows] = sims[idx, arg]
        col_arg = csls.argmax(axis=0)
        col_best = csls[col_arg, np.arange(m)]
        better = col_best > col_val
        col_val[better], best_i[better] = col_best[better], col_arg[better] + start
    return best_j, best_val, best_cos, best_i


def mutual_neighbours(vs: np.ndarray, vt: np.ndarray, *, k: int = 4, min_cos: float = 0.3,
                      ) -> list[tuple[int, int, float]]:
    """Sentence pairs that are each other's nearest neighbour, as Bertalign's first pass.

    Nearness is CSLS (cosine minus the mean cosine of each side's `k` nearest neighbours), so a
    sentence close to everything (a "hub") does not become everyone's partner.

    Args:
        vs: source sentence vectors, shape (n, dim), unit length (centred on the document).
        vt: target sentence vectors, shape (m, dim).
        k: neighbours in the CSLS correction.
        min_cos: pairs whose plain cosine is below this are not anchors.

    Returns:
        (source index, target index, cosine) of each mutual pair, by source index.
    """
    if not len(vs) or not len(vt):
        return []
    best_j, _, best_cos, best_i = _csls(vs, vt, k)
    return [(i, int(j), float(c)) for i, (j, c) in enumerate(zip(best_j, best_cos, strict=True))
            if best_i[j] == i and c >= min_cos]


def monotone_chain(pairs: Sequence[tuple[int, int, float]] | Sequence[Anchor]) -> list[Anchor]:
    """The longest chain of pairs increasing on both sides (patience sorting, O(k log k)).

    Args:
        pairs: (source index, target index, ...), sorted by source index, one per source.

    Returns:
        The chain's (source, target) pairs in order.
    """
    import bisect

    tails: list[int] = []  # tails[L] = target index ending the best chain of length L + 1
    tail_at: list[int] = []  # index into pairs of that chain's last pair
    prev = [-1] * len(pairs)
    for p, pair in enumerate(pairs):
        j = int(pair[1])
        at = bisect.bisect_left(tails, j)
        if at == len(tails):
            tails.append(j)
            tail_at.append(p)
        else:
            tails[at], tail_at[at] = j, p
        prev[p] = tail_at[at - 1] if at else -1
    chain = []
    p = tail_at[-1] if tail_at else -1
    while p >= 0:
        chain.append((int(pairs[p][0]), int(pairs[p][1])))
        p = prev[p]
    return chain[::-1]


def dense(chain: Sequence[Anchor], *, window: int = 12, need: int = 2) -> list[Anchor]:
    """Anchors with at least `need` other anchors within `window` sentences on both sides.

    True pairs come in runs (most sentences of a translation are 1–1 and mutual neighbours);
    a lone pair inside a stretch that only one side has is far more often a coincidence.
    """
    kept = []
    for at, (i, j) in enumerate(chain):
        near = sum(1 for x, y in chain[max(0, at - need - 2):at + need + 3]
                   if (x, y) != (i, j) and abs(x - i) <= window and abs(y - j) <= window)
        if near >= need:
            kept.append((i, j))
    return kept


def find_anchors(vs: np.ndarray, vt: np.ndarray) -> list[Anchor]:
    """Confident 1–1 pairs: mutual neighbours, in one monotone chain, in runs.

    Args:
        vs: source sentence vectors, shape (n, dim), unit length.
        vt: target sentence vectors, shape (m, dim), unit length.

    Returns:
        (source index, target index) pairs, increasing on both sides.
    """
    return dense(monotone_chain(dense(monotone_chain(mutual_neighbours(vs, vt)))))


def gaps(anchors: Sequence[Anchor], n: int, m: int) -> list[Bead]:
    """The path the anchors pin down: each anchor as a 1–1 bead, and between them one bead
    holding everything in the gap (either side may be empty)."""
    out, i0, j0 = [], 0, 0
    for i, j in [*anchors, (n, m)]:
        if i > i0 or j > j0:
            out.append(Bead(tuple(range(i0, i)), tuple(range(j0, j))))
        if (i, j) != (n, m):
            out.append(Bead((i,), (j,)))
        i0, j0 = i + 1, j + 1
    return out


def band_through(anchors: Sequence[Anchor], n: int, m: int, margin: int = 4) -> Band:
    """The band of cells within `margin` sentences of the rectangles between anchors.

    Args:
        anchors: (source, target) pairs increasing on both sides, within n × m.
        n: source sentences.
        m: target sentences.
        margin: extra rows and columns around each rectangle, so a wrong anchor can be
            stepped around.

    Returns:
        A band containing (0, 0) and (n, m).
    """
    return band_around(gaps(anchors, n, m), 1, n, m, margin)


def unmatched_share(anchors: Sequence[Anchor], src_len: np.ndarray, tgt_len: np.ndarray, *,
                    min_run: int = 6, slack: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """For each sentence, the share of its gap between anchors that cannot have a partner.

    Measured in characters, as Gale & Church measure beads (sentence counts vary too much
    where one side splits what the other joins): in a gap of `cs` source and `ct` target
    characters, with `r` target characters per source character along the anchor chain,
    about `1 - ct / (r cs)` of the source side (or `1 - r cs / ct` of the target side) has no
    counterpart. Less than `slack` of that is noise; above it, the share is rescaled to 0–1
    and given to every sentence of the gap on both sides, since the few sentences facing
    material the other side lacks are no safer to link. 0 in gaps shorter than `min_run`
    sentences on both sides; without two anchors every share is 0.

    Args:
        anchors: (source, target) pairs increasing on both sides.
        src_len: characters of each source sentence, shape (n,).
        tgt_len: characters of each target sentence, shape (m,).
        min_run: shortest gap (in sentences, on its longer side) that can be unmatched.
        slack: share of a gap taken as length noise.

    Returns:
        (source shares, shape (n,); target shares, shape (m,)), each in [0, 1].
    """
    n, m = len(src_len), len(tgt_len)
    share_s, share_t = np.zeros(n), np.zeros(m)
    if len(anchors) < 2:
        return share_s, share_t
    (i0, j0), (i1, j1) = anchors[0], anchors[-1]
    ratio = max(tgt_len[j0:j1 + 1].sum(), 1) / max(src_len[i0:i1 + 1].sum(), 1)
    for bead in gaps(anchors, n, m):
        if max(len(bead.src), len(bead.tgt)) < min_run:
            continue
        cs = ratio * src_len[list(bead.src)].sum()
        ct = tgt_len[list(bead.tgt)].sum()
        share = 1 - min(cs, ct) / max(cs, ct, 1)
        share_s[list(bead.src)] = share_t[list(bead.tgt)] = max(share - slack, 0) / (1 - slack)
    return share_s, share_t


@dataclass(frozen=True)
class CheapSkips:
    """Bead scores adjusted where the anchors leave one side with sentences over.

    Where a share `u` of a gap has no counterpart (`unmatched_share`), a skip bead's negative
    score is scaled by 1 − u (free in a stretch one side lacks, unchanged in a balanced one),
    and a link pays u × `link_cost`, so only a link clearly better than chance (a typical
    anchor scores about twice `link_cost`) is made there.
    """

    inner: BeadScores
    src_share: np.ndarray  # (n_src,)
    tgt_share: np.ndarray  # (n_tgt,)
    link_cost: float = 0.0

    @property
    def n_src(self) -> int:
        return self.inner.n_src

    @property
    def n_tgt(self) -> int:
        return self.inner.n_tgt

    def score(self, a: int, b: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        out = self.inner.score(a, b, i, j)
        if (a, b) == (1, 0):
            return np.where(out < 0, out * (1 - self.src_share[i - 1]), out)
        if (a, b) == (0, 1):
            return np.where(out < 0, out * (1 - self.tgt_share[j - 1]), out)
        share = np.maximum(self.src_share[i - 1], self.tgt_share[j - 1])
        return out - share * self.link_cost

    def coarsen(self) -> BeadScores:
        return self.inner.coarsen()


def match_outline(hs: np.ndarray, ht: np.ndarray, *, min_cos: float = 0.35) -> list[Anchor]:
    """Pair two lists of headings in order by meaning, leaving out those one side lacks.

    A global alignment (Needleman–Wunsch) where a pair gains its cosine minus `min_cos` and
    an unpaired heading costs nothing, so only headings that resemble each other pair up.

    Args:
        hs: source heading vectors, shape (p, dim), unit length.
        ht: target heading vectors, shape (q, dim), unit length.
        min_cos: pairs below this cosine never pair.

    Returns:
        (source heading number, target heading number) pairs, increasing on both sides.
    """
    gain = hs @ ht.T - min_cos if len(hs) and len(ht) else np.zeros((len(hs), len(ht)))
    p, q = gain.shape
    total = np.zeros((p + 1, q + 1))
    for a in range(1, p + 1):
        for b in range(1, q + 1):
            total[a, b] = max(total[a - 1, b], total[a, b - 1],
                              total[a - 1, b - 1] + gain[a - 1, b - 1])
    pairs, a, b = [], p, q
    while a and b:
        if gain[a - 1, b - 1] > 0 and total[a, b] == total[a - 1, b - 1] + gain[a - 1, b - 1]:
            pairs.append((a - 1, b - 1))
            a, b = a - 1, b - 1
        elif total[a, b] == total[a - 1, b]:
            a -= 1
        else:
            b -= 1
    return pairs[::-1]
