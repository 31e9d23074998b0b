"""Bead scorers: each turns two sentence lists into `dp.BeadScores`.

- `GaleChurch`: sentence lengths in characters (Gale & Church 1993), no model.
- `EmbeddingScorer`: cosine similarity of sentence embeddings, the Vecalign/Bertalign idea:
  multi-sentence spans, a margin against neighbouring sentences, a length penalty.
- `TranslationScorer`: chrF between a machine translation of the source and the target, the
  Bleualign idea; the translation may come from any diglot engine or a file.
- `Combined`: a weighted sum of any of these.

All work on *units*: sentences at the finest level, merged blocks at coarser levels of the
coarse-to-fine search. `_Spans` maps a span of units to its span of sentences.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol

import numpy as np

from align.dp import BeadScores
from align.embed import Embedder

if TYPE_CHECKING:  # the pipeline imports the engines; only its Progress protocol is used here
    from diglot.pipeline import Progress


class Scorer(Protocol):
    """Prepares bead scores for one pair of sentence lists."""

    name: str

    def fit(self, src: Sequence[str], tgt: Sequence[str]) -> None:
        """Learn document-wide statistics and do the heavy work (embedding, translating) once;
        `prepare` then scores any stretch of the document consistently."""
        ...

    def prepare(self, src: Sequence[str], tgt: Sequence[str]) -> BeadScores:
        """Bead scores over a stretch (or the whole) of the document."""
        ...

    def calibrate(self, ratio: float) -> None:
        """Use `ratio` target characters per source character from now on, instead of the
        whole documents' ratio `fit` found (wrong when one side has material the other
        lacks); call after `fit`."""
        ...


def _ratio(src: Sequence[str], tgt: Sequence[str]) -> float:
    """Target characters per source character."""
    ls, lt = sum(map(len, src)), sum(map(len, tgt))
    return lt / ls if ls and lt else 1.0


@dataclass(frozen=True)
class _Spans:
    bounds: np.ndarray  # (units + 1,) sentence offsets

    @classmethod
    def sentences(cls, n: int) -> _Spans:
        return cls(np.arange(n + 1))

    @property
    def n(self) -> int:
        return len(self.bounds) - 1

    def coarsen(self) -> _Spans:
        b = self.bounds
        return _Spans(b[::2] if self.n % 2 == 0 else np.append(b[::2], b[-1]))

    def ends(self, i: np.ndarray, a: int) -> tuple[np.ndarray, np.ndarray]:
        return self.bounds[i - a], self.bounds[i]


@dataclass(frozen=True)
class _SpanScores:
    """Bead scores over source and target units; subclasses add the data they score with."""

    src: _Spans
    tgt: _Spans

    @property
    def n_src(self) -> int:
        return self.src.n

    @property
    def n_tgt(self) -> int:
        return self.tgt.n


def _lengths(texts: Sequence[str]) -> np.ndarray:
    return np.concatenate(([0], np.cumsum([len(t) for t in texts]))).astype(np.float64)


# --- Gale–Church -------------------------------------------------------------------------

_GC_PRIOR = {(1, 1): 0.89, (1, 0): 0.005, (0, 1): 0.005, (1, 2): 0.045, (2, 1): 0.045,
             (2, 2): 0.011}
_erfc = np.frompyfunc(math.erfc, 1, 1)


@dataclass(frozen=True)
class _GaleChurchScores(_SpanScores):
    src_len: np.ndarray  # prefix sums of characters
    tgt_len: np.ndarray
    ratio: float
    variance: float = 6.8

    def score(self, a: int, b: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        s0, s1 = self.src.ends(i, a)
        t0, t1 = self.tgt.ends(j, b)
        ls = self.src_len[s1] - self.src_len[s0]
        lt = self.tgt_len[t1] - self.tgt_len[t0]
        mean = np.maximum((ls * self.ratio + lt) / 2, 1.0)
        delta = np.abs(lt - ls * self.ratio) / np.sqrt(mean * self.variance)
        prob = np.maximum(_erfc(delta / math.sqrt(2)).astype(np.float64), 1e-300)
        prior = _GC_PRIOR.get((a, b), 0.002)
        return np.log(prior) + np.log(prob)

    def coarsen(self) -> _GaleChurchScores:
        return replace(self, src=self.src.coarsen(), tgt=self.tgt.coarsen())


class GaleChurch:
    """Length-based scores: log prior of the bead type plus log P(length difference)."""

    name = "gale-church"

    def __init__(self) -> None:
        self.ratio: float | None = None

    def fit(self, src: Sequence[str], tgt: Sequence[str]) -> None:
        self.ratio = _ratio(src, tgt)

    def calibrate(self, ratio: float) -> None:
        self.ratio = ratio

    def prepare(self, src: Sequence[str], tgt: Sequence[str]) -> BeadScores:
        return self.lengths(src, tgt)

    def lengths(self, src: Sequence[str], tgt: Sequence[str]) -> _GaleChurchScores:
        ls, lt = _lengths(src), _lengths(tgt)
        ratio = self.ratio or _ratio(src, tgt)
        return _GaleChurchScores(_Spans.sentences(len(src)), _Spans.sentences(len(tgt)),
                                 ls, lt, ratio)


def length_agreement(src: Sequence[str], tgt: Sequence[str]) -> list[float]:
    """How well each 1–1 pair's lengths agree, as Gale and Church's P(|δ|) in [0, 1].

    δ is the length difference in characters normalised by the pair's expected variance
    (Gale & Church 1993, "A program for aligning sentences in bilingual corpora", s² = 6.8);
    the score is 2·(1 − Φ(|δ|)) = erfc(|δ|/√2): 1.0 when a target is as long as its source
    predicts, near 0 for a truncated or runaway one. The expected ratio c is the median of the
    pairs' character ratios, not the texts' overall ratio, so one runaway pair (a reviewer's
    20,000-character bead) cannot shift every other pair's score.

    Args:
        src: Source sentences, shape (n,).
        tgt: Their translations, shape (n,), pairwise.

    Returns:
        One score per pair.
    """
    if len(src) != len(tgt):
        raise ValueError(f"{len(src)} sources for {len(tgt)} targets")
    ls = np.array([len(t) for t in src], dtype=np.float64)
    lt = np.array([len(t) for t in tgt], dtype=np.float64)
    both = (ls > 0) & (lt > 0)
    ratio = float(np.median(lt[both] / ls[both])) if both.any() else 1.0
    mean = np.maximum((ls * ratio + lt) / 2, 1.0)
    delta = np.abs(lt - ls * ratio) / np.sqrt(mean * 6.8)
    return [round(math.erfc(d / math.sqrt(2)), 4) for d in delta]


# --- embeddings --------------------------------------------------------------------------

@dataclass(frozen=True)
class _EmbeddingScores(_SpanScores):
    src_sum: np.ndarray  # (n_sentences + 1, dim) prefix sums of sentence vectors
    tgt_sum: np.ndarray
    src_len: np.ndarray
    tgt_len: np.ndarray
    ratio: float
    skip: float
    margin: bool
    # k -> (n + 1, dim): the embedded k-sentence span ending at each boundary (rows < k zero)
    src_spans: dict[int, np.ndarray]
    tgt_spans: dict[int, np.ndarray]
    # (side, a) -> span vectors, computed once per level: the DP asks for each bead type and
    # the review flags for single cells, and each would otherwise redo n x dim work.
    _memo: dict[tuple[int, int], np.ndarray] = field(default_factory=dict, init=False,
                                                     repr=False, compare=False)

    def coarsen(self) -> _EmbeddingScores:
        return replace(self, src=self.src.coarsen(), tgt=self.tgt.coarsen(), src_spans={},
                       tgt_spans={})

    def _vectors(self, side: int, a: int) -> np.ndarray:
        """Unit-length vector of the span of `a` units ending at each unit boundary, shape
        (units + 1, dim), on the source (0) or target (1) side; rows before `a` are zero."""
        if a == 1:
            return self._neighbours(side)[:-1]
        embedded = (self.src_spans, self.tgt_spans)[side]
        if a in embedded:
            return embedded[a]
        if (side, a) not in self._memo:
            self._memo[side, a] = self._summed(side, a)
        return self._memo[side, a]

    def _neighbours(self, side: int) -> np.ndarray:
        """Unit vectors indexed by boundary (row 0 is a zero vector), plus a zero row at n + 1,
        so a missing neighbour adds nothing."""
        if (side, 1) not in self._memo:
            units = self._summed(side, 1)
            self._memo[side, 1] = np.concatenate((units, np.zeros((1, units.shape[1]))))
        return self._memo[side, 1]

    def _summed(self, side: int, a: int) -> np.ndarray:
        prefix, spans = (self.src_sum, self.src) if side == 0 else (self.tgt_sum, self.tgt)
        ends = np.arange(a, spans.n + 1)
        s0, s1 = spans.ends(ends, a)
        vecs = prefix[s1] - prefix[s0]
        vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
        return np.concatenate((np.zeros((a, vecs.shape[1])), vecs))

    def score(self, a: int, b: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        if a == 0 or b == 0:
            return np.full(len(i), self.skip)
        sv = self._vectors(0, a)
        tv = self._vectors(1, b)
        out = _similarities(sv, tv, i, j)
        if self.margin:
            us, ut = self._neighbours(0), self._neighbours(1)
            # The units just before and after each span's partner; index 0 and n + 1 are
            # zero vectors, so a missing neighbour adds nothing and is not counted.
            near_t = _similarities(sv, ut, i, j - b) + _similarities(sv, ut, i, j + 1)
            near_s = _similarities(us, tv, i - a, j) + _similarities(us, tv, i + 1, j)
            count_t = (j - b >= 1).astype(float) + (j + 1 <= self.tgt.n)
            count_s = (i - a >= 1).astype(float) + (i + 1 <= self.src.n)
            out -= (near_t / np.maximum(count_t, 1) + near_s / np.maximum(count_s, 1)) / 2
        s0, s1 = self.src.ends(i, a)
        t0, t1 = self.tgt.ends(j, b)
        ls = (self.src_len[s1] - self.src_len[s0]) * self.ratio
        lt = self.tgt_len[t1] - self.tgt_len[t0]
        penalty = np.log2(1 + np.minimum(ls, lt) / np.maximum(np.maximum(ls, lt), 1e-9))
        return out * penalty


def _similarities(x: np.ndarray, y: np.ndarray, i: np.ndarray, j: np.ndarray,
                  block: int = 32) -> np.ndarray:
    """x[i] · y[j] for each cell, computed a block of band rows at a time.

    Cells come grouped by i with consecutive j (the DP's band order). A product of each row
    with its slice of y reads a dim-long vector of y for every cell; `block` consecutive
    rows multiplied at once with the union of their slices (a band drifts little over a
    few rows) read each vector once, as one matrix product.
    """
    out = np.empty(len(i))
    if not len(i):
        return out
    breaks = np.flatnonzero((np.diff(i) != 0) | (np.diff(j) != 1)) + 1
    starts = np.concatenate(([0], breaks))
    stops = np.concatenate((breaks, [len(i)]))
    rows, c0 = i[starts], j[starts]
    c1 = c0 + (stops - starts)
    firsts = np.arange(0, len(starts), block)
    r_lo, r_hi = np.minimum.reduceat(rows, firsts), np.maximum.reduceat(rows, firsts) + 1
    c_lo, c_hi = np.minimum.reduceat(c0, firsts), np.maximum.reduceat(c1, firsts)
    cell_from, cell_to = starts[firsts], np.append(starts[firsts[1:]], len(i))
    # A block whose rectangle is mostly outside the cells (scattered cells) goes cell by cell.
    dense = (r_hi - r_lo) * (c_hi - c_lo) <= 4 * (cell_to - cell_from) + 64
    for k in np.flatnonzero(dense).tolist():
        a, b = int(cell_from[k]), int(cell_to[k])
        prod = x[r_lo[k]:r_hi[k]] @ y[c_lo[k]:c_hi[k]].T
        out[a:b] = prod[i[a:b] - r_lo[k], j[a:b] - c_lo[k]]
    sparse = np.zeros(len(i), dtype=bool)
    for k in np.flatnonzero(~dense).tolist():
        sparse[cell_from[k]:cell_to[k]] = True
    if sparse.any():
        out[sparse] = np.einsum("kd,kd->k", x[i[sparse]], y[j[sparse]])
    return out


class _Quiet:
    """No progress display."""

    def start(self, total: int, description: str) -> None:
        pass

    def advance(self, n: int) -> None:
        pass


class EmbeddingScorer:
    """Cosine similarity of span embeddings with margin and length penalty (Bertalign's score).

    Sentence vectors are centred on the document's mean before use: multilingual-e5 puts all
    sentences in a narrow cone, and removing the shared direction makes cosines discriminate.
    With `overlap` 1 a span's vector is the normalised sum of its sentences' vectors, so each
    sentence is embedded once (and cached); `overlap` k > 1 (the default, 4) embeds spans of up
    to k consecutive sentences as one text instead, as Vecalign does: about k texts a
    sentence, for a better score of many-to-one links (strict F1 on Text+Berg and MAC dev in
    benchmarks/align.py). An embedder with `embed_runs(texts, most)` (align.embed's pooled USE)
    gives the sentences and spans itself, from one pass over the sentences. `fit` embeds every
    sentence and span of the documents once, with progress, and `prepare` scores any stretch
    from those vectors.

    Args:
        embedder: the sentence embedder.
        skip: score of a 1–0 or 0–1 bead.
        margin: subtract the mean similarity to the neighbouring sentences.
        overlap: embed spans of up to this many sentences as one text.
        progress: shows embedding progress (texts embedded); default none.

    Raises:
        ValueError: overlap below 1.
    """

    def __init__(self, embedder: Embedder, *, skip: float = -0.05, margin: bool = True,
                 overlap: int = 4, progress: Progress | None = None) -> None:
        if overlap < 1:
            raise ValueError("overlap must be at least 1")
        self.embedder = embedder
        self.skip = skip
        self.margin = margin
        self.overlap = overlap
        self.progress: Progress = progress or _Quiet()
        self.name = f"embedding:{embedder.name}"
        self._fitted: tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, float] | None = None

    def fit(self, src: Sequence[str], tgt: Sequence[str]) -> None:
        if getattr(self.embedder, "embed_runs", None) is not None:
            known = self._fit_runs(src, tgt)
        else:
            texts = list(dict.fromkeys([*src, *tgt, *_joined(src, self.overlap),
                                        *_joined(tgt, self.overlap)]))
            self.progress.start(len(texts), "embedding")
            vecs = []
            for start in range(0, len(texts), 256):
                vecs.append(_stored(self.embedder.embed(texts[start:start + 256])))
                self.progress.advance(len(vecs[-1]))
            known = dict(zip(texts, np.concatenate(vecs), strict=True)) if vecs else {}
        vs, vt = _rows(src, known), _rows(tgt, known)
        self._fitted = (known, _mean(vs), _mean(vt), _ratio(src, tgt))

    def _fit_runs(self, src: Sequence[str], tgt: Sequence[str]) -> dict[str, np.ndarray]:
        """Sentences and runs from the embedder's `embed_runs`, 256 sentences at a time (each
        chunk reaches `overlap` - 1 sentences into the next, for the runs across)."""
        runs = self.embedder.embed_runs  # type: ignore[attr-defined]  # checked by fit
        known: dict[str, np.ndarray] = {}
        self.progress.start(len(src) + len(tgt), "embedding")
        for side in (src, tgt):
            for start in range(0, len(side), 256):
                part = side[start:start + 256 + self.overlap - 1]
                vecs = _stored(runs(part, self.overlap))
                known.update(zip(_joined(part, self.overlap, 1), vecs, strict=True))
                self.progress.advance(min(256, len(side) - start))
        return known

    def calibrate(self, ratio: float) -> None:
        if self._fitted is not None:
            self._fitted = (*self._fitted[:3], ratio)

    def vectors(self, src: Sequence[str], tgt: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Sentence vectors centred on each document's mean, unit length: shapes (len(src),
        dim) and (len(tgt), dim). Sentences not seen by `fit` are embedded now."""
        if self._fitted is None:
            self.fit(src, tgt)
        assert self._fitted is not None  # fit sets it
        known, mean_s, mean_t, _ = self._fitted
        return _unit(self._embed(src, known) - mean_s), _unit(self._embed(tgt, known) - mean_t)

    def _embed(self, texts: Sequence[str], known: dict[str, np.ndarray]) -> np.ndarray:
        missing = [t for t in texts if t not in known]
        if missing:
            known = known | dict(zip(missing, _stored(self.embedder.embed(missing)),
                                     strict=True))
        return _rows(texts, known)

    def _spans(self, texts: Sequence[str], mean: np.ndarray, known: dict[str, np.ndarray],
               ) -> dict[int, np.ndarray]:
        out = {}
        for k in range(2, self.overlap + 1):
            joined = _joined(texts, k, k)
            if joined:
                vecs = _unit(self._embed(joined, known) - mean)
                out[k] = np.concatenate((np.zeros((k, vecs.shape[1])), vecs))
        return out

    def prepare(self, src: Sequence[str], tgt: Sequence[str]) -> BeadScores:
        if self._fitted is None:
            self.fit(src, tgt)
        assert self._fitted is not None  # fit sets it
        known, mean_s, mean_t, ratio = self._fitted
        vs = _unit(self._embed(src, known) - mean_s)
        vt = _unit(self._embed(tgt, known) - mean_t)
        ls, lt = _lengths(src), _lengths(tgt)
        zero = np.zeros((1, vs.shape[1]))
        return _EmbeddingScores(_Spans.sentences(len(src)), _Spans.sentences(len(tgt)),
                                np.concatenate((zero, np.cumsum(vs, axis=0))),
                                np.concatenate((zero, np.cumsum(vt, axis=0))),
                                ls, lt, ratio, self.skip, self.margin,
                                self._spans(src, mean_s, known),
                                self._spans(tgt, mean_t, known))


def _joined(texts: Sequence[str], most: int, least: int = 2) -> list[str]:
    """Each run of `least`..`most` consecutive sentences as one text, by length then start."""
    return [" ".join(texts[s:s + k]) for k in range(least, most + 1)
            for s in range(len(texts) - k + 1)]


def _stored(vecs: np.ndarray) -> np.ndarray:
    """Vectors as kept between `fit` and `prepare`: float32 as embedders give them (half the
    memory of float64, and exact: every use widens them to float64 first), else float64."""
    vecs = np.asarray(vecs)
    return vecs if vecs.dtype == np.float32 else vecs.astype(np.float64)


def _rows(texts: Sequence[str], known: dict[str, np.ndarray]) -> np.ndarray:
    """The known vectors of `texts` as one float64 array, shape (len(texts), dim)."""
    return np.array([known[t] for t in texts], dtype=np.float64).reshape(len(texts), -1)


def _mean(vecs: np.ndarray) -> np.ndarray:
    return vecs.mean(axis=0) if len(vecs) > 1 else np.zeros(vecs.shape[1])


def _unit(vecs: np.ndarray) -> np.ndarray:
    return vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)


# --- translation + chrF ------------------------------------------------------------------

def _char_ngrams(text: str, order: int = 6) -> list[Counter[str]]:
    chars = "".join(text.split())
    return [Counter(chars[k:k + n] for k in range(len(chars) - n + 1))
            for n in range(1, order + 1)]


def chrf(hyp: list[Counter[str]], ref: list[Counter[str]], beta: float = 2.0) -> float:
    """chrF (Popović 2015) from character n-gram counts, 0–1, averaged over n-gram orders."""
    scores = []
    for h, r in zip(hyp, ref, strict=True):
        nh, nr = sum(h.values()), sum(r.values())
        if not nh or not nr:
            continue
        small, big = (h, r) if len(h) < len(r) else (r, h)
        match = sum(min(c, big[g]) for g, c in small.items() if g in big)
        p, rec = match / nh, match / nr
        scores.append(0.0 if not match else (1 + beta**2) * p * rec / (beta**2 * p + rec))
    return sum(scores) / len(scores) if scores else 0.0


@dataclass(frozen=True)
class _TranslationScores(_SpanScores):
    src_mt: Sequence[str]
    tgt_text: Sequence[str]
    skip: float
    coarse: _GaleChurchScores

    def coarsen(self) -> BeadScores:
        # chrF of merged blocks would cost a Python loop over a large table; the coarse levels
        # only place the band, which lengths do well enough.
        return self.coarse.coarsen()

    def score(self, a: int, b: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        if a == 0 or b == 0:
            return np.full(len(i), self.skip)
        src_grams = _span_grams(self.src_mt, self.src, a)
        tgt_grams = _span_grams(self.tgt_text, self.tgt, b)
        pairs = zip(i.tolist(), j.tolist(), strict=True)
        return np.array([chrf(src_grams(x), tgt_grams(y)) for x, y in pairs])


def _span_grams(texts: Sequence[str], spans: _Spans, a: int,
                ) -> Callable[[int], list[Counter[str]]]:
    cache: dict[int, list[Counter[str]]] = {}

    def grams(end: int) -> list[Counter[str]]:
        if end not in cache:
            s0, s1 = int(spans.bounds[end - a]), int(spans.bounds[end])
            cache[end] = _char_ngrams(" ".join(texts[s0:s1]))
        return cache[end]
    return grams


class TranslationScorer:
    """chrF between a translation of each source sentence and the target (the Bleualign idea).

    Args:
        translate: source sentences → their translations into the target language, e.g. a
            diglot engine's `translate_batch`, or lines read from a file.
    """

    def __init__(self, translate: Callable[[Sequence[str]], Sequence[str]], *,
                 skip: float = -0.05, name: str = "translation") -> None:
        self.translate = translate
        self.skip = skip
        self.name = name
        self.lengths = GaleChurch()
        self._mt: dict[str, str] = {}

    def fit(self, src: Sequence[str], tgt: Sequence[str]) -> None:
        mt = list(self.translate(src))
        if len(mt) != len(src):
            raise ValueError(f"the translation has {len(mt)} sentences for {len(src)}")
        self._mt = dict(zip(src, mt, strict=True))
        self.lengths.fit(src, tgt)

    def calibrate(self, ratio: float) -> None:
        self.lengths.calibrate(ratio)

    def prepare(self, src: Sequence[str], tgt: Sequence[str]) -> BeadScores:
        if any(s not in self._mt for s in src):
            self.fit(src, tgt)
        mt = [self._mt[s] for s in src]
        return _TranslationScores(_Spans.sentences(len(src)), _Spans.sentences(len(tgt)),
                                  mt, list(tgt), self.skip, self.lengths.lengths(src, tgt))


# --- combination -------------------------------------------------------------------------

@dataclass(frozen=True)
class _CombinedScores:
    parts: tuple[tuple[float, BeadScores], ...]

    @property
    def n_src(self) -> int:
        return self.parts[0][1].n_src

    @property
    def n_tgt(self) -> int:
        return self.parts[0][1].n_tgt

    def score(self, a: int, b: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        total = np.zeros(len(i))
        for weight, part in self.parts:
            total += weight * part.score(a, b, i, j)
        return total

    def coarsen(self) -> _CombinedScores:
        return _CombinedScores(tuple((w, p.coarsen()) for w, p in self.parts))


class Combined:
    """A weighted sum of scorers' bead scores."""

    def __init__(self, parts: Sequence[tuple[float, Scorer]]) -> None:
        self.parts = list(parts)
        self.name = "+".join(f"{w:g}*{s.name}" for w, s in self.parts)

    def fit(self, src: Sequence[str], tgt: Sequence[str]) -> None:
        for _, scorer in self.parts:
            scorer.fit(src, tgt)

    def calibrate(self, ratio: float) -> None:
        for _, scorer in self.parts:
            scorer.calibrate(ratio)

    def vectors(self, src: Sequence[str], tgt: Sequence[str],
                ) -> tuple[np.ndarray, np.ndarray] | None:
        """The first embedding part's sentence vectors (see `EmbeddingScorer.vectors`)."""
        return sentence_vectors(self.parts, src, tgt)

    def prepare(self, src: Sequence[str], tgt: Sequence[str]) -> BeadScores:
        return _CombinedScores(tuple((w, s.prepare(src, tgt)) for w, s in self.parts))


def sentence_vectors(scorers: Sequence[tuple[float, Scorer]] | Scorer, src: Sequence[str],
                     tgt: Sequence[str]) -> tuple[np.ndarray, np.ndarray] | None:
    """Centred unit sentence vectors from the scorer (or the first part of a weighted list)
    that embeds sentences; None when none does (lengths or translations only)."""
    parts = [(1.0, scorers)] if not isinstance(scorers, Sequence) else scorers
    for _, scorer in parts:
        if isinstance(scorer, EmbeddingScorer | Combined):
            found = scorer.vectors(src, tgt)
            if found is not None:
                return found
    return None
