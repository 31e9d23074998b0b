"""Candidate term pairs from an aligned bitext: what a translator would put in a glossary.

Each side's candidates are word n-grams (up to ``max_words``) that neither start nor end with a
function word, contain letters, cross no punctuation and do not cut a hyphenated compound. They
are counted by segment over their match keys (``glossary.text``), so "class struggles" counts
with "class struggle". A shorter candidate that mostly occurs inside a longer one yields to it
("means of production" over "means"), as in C-value term extraction.

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
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from diglot.errors import ConfigError
from glossary.stopwords import stopwords
from glossary.text import WORD, Normalizer
from translate.langs import Language

# Least Dice: on FLORES en-fr, pairs between 0.3 and 0.4 are mostly right (time/temps,
# life/vie), between 0.2 and 0.3 about half wrong (least/certains pays, well/flux sanguin).
DICE_MIN = 0.3
G2_MIN = 10.83  # least G²: the chi-square(1) critical value at p = 0.001
NESTED = 0.8  # a candidate yields to a longer one holding it in this share of its segments

_BLOCK = 2_000_000  # co-occurrence pairs per numpy block: bounds the memory used (~100 MB)
_SAMPLE = 100  # occurrences read to choose how a term is written
_CHUNK = 5_000  # segments per regex split
_SEP = "\x00"  # joins the segments of a chunk
_SPLIT = re.compile(f"({WORD.pattern})")  # gap, word, gap, ..., word, gap: the tokenizer's words
_HYPHENS = ("-", "\u2010", "\u2011")  # a word after one of these alone is glued (see tokenize)
_BREAKS = re.compile(r"[^\s\-\u2010\u2011'\u2019.]")  # punctuation a term may not span
_STARTS = '"\u201c\u00ab\u00bf\u00a1'  # after these a word is sentence-initial
_ENDS = ".!?\u2026:"  # and after these followed by a space

Gram = tuple[str, ...]


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


def _shift(a: np.ndarray, d: int, fill: int | bool) -> np.ndarray:
    """``a[i + d]`` at each ``i``, ``fill`` past either end, shape as ``a``."""
    out = np.full_like(a, fill)
    if 0 <= d < len(a):
        out[:len(a) - d] = a[d:]
    elif -len(a) < d < 0:
        out[-d:] = a[:d]
    return out


def _read(texts: Sequence[str]) -> tuple[dict[str, int], np.ndarray, dict[str, int],
                                          np.ndarray, np.ndarray, int]:
    """Word forms and gaps, numbered; segments joined by ``_SEP``, a chunk per regex split.

    Returns:
        Forms and gaps with their ids; the form of each word (words,); the gaps in order
        (words + chunks,: one before each word, one at each chunk's end); the chunk of each
        word (words,); one more than the largest id.
    """
    forms: dict[str, int] = {}
    gaps: dict[str, int] = {}
    number = itertools.count()  # ids unique across forms and gaps, with holes: no lookups
    form_ids: list[int] = []
    gap_ids: list[int] = []
    sizes: list[int] = []
    for a in range(0, len(texts), _CHUNK):
        chunk = [t.replace(_SEP, " ") for t in texts[a:a + _CHUNK]]
        parts = _SPLIT.split(_SEP.join(chunk) + _SEP)
        form_ids += map(forms.setdefault, parts[1::2], number)
        gap_ids += map(gaps.setdefault, parts[::2], number)
        sizes.append(len(parts) // 2)
    chunk_of = np.repeat(np.arange(len(sizes)), sizes)
    return (forms, np.array(form_ids, dtype=np.int64), gaps, np.array(gap_ids, dtype=np.int64),
            chunk_of, next(number))


def _column(table: dict[str, int], size: int, values: Iterable[object],
            dtype: type) -> np.ndarray:
    """A value per entry of ``table`` (in its order), at the entry's id, shape (size,)."""
    out: np.ndarray = np.zeros(size, dtype=dtype)
    out[np.fromiter(table.values(), np.int64, len(table))] = np.fromiter(values, dtype,
                                                                          len(table))
    return out


def _letters(word: str) -> int:
    """2 for a word with letters, 1 for a lone letter ("U" of "U.S."), 0 for a number."""
    alpha = len(word) if word.isalpha() else sum(c.isalpha() for c in word)
    return 2 if alpha > 1 or (alpha and word >= "\u3040") else alpha  # one CJK sign is a word


def _initial(gap: str) -> bool:
    """Whether the word after this gap starts a sentence."""
    bare = gap.rstrip()
    return bool(bare) and (bare[-1] in _STARTS or (bare != gap and bare[-1] in _ENDS))


@dataclass(frozen=True)
class _Words:
    """Every word of one side, in order, as arrays of shape (words,): its segment, key id,
    whether it is a function word here ("US" is not "us"), glued to the previous word by a
    hyphen, after punctuation, sentence-initial, and its ``_letters``; then the key strings
    by id, and the lower-cased words always capitalised when not sentence-initial (names)."""

    seg: np.ndarray
    key: np.ndarray
    stop: np.ndarray
    glued: np.ndarray
    brk: np.ndarray
    initial: np.ndarray
    letters: np.ndarray
    key_text: list[str]
    proper: frozenset[str]


def _words(texts: Sequence[str], norm: Normalizer, stop: frozenset[str]) -> _Words:
    """The words of all segments."""
    forms, f, gaps, gap_ids, chunk_of, size = _read(texts)
    keys: dict[str, int] = {}
    key = _column(forms, size, (keys.setdefault(norm.key(w), len(keys)) for w in forms), int)
    is_stop = _column(forms, size, (w.lower() in stop for w in forms), bool)
    acronym = _column(forms, size, (w.isupper() and len(w) > 1 for w in forms), bool)
    capital = _column(forms, size, (w.isupper() and len(w) == 1 for w in forms), bool)
    letters = _column(forms, size, map(_letters, forms), np.int8)
    glue = _column(gaps, size, (g in _HYPHENS for g in gaps), bool)
    brk = _column(gaps, size, (bool(_BREAKS.search(g)) for g in gaps), bool)
    init = _column(gaps, size, map(_initial, gaps), bool)
    dot = _column(gaps, size, (g.startswith(".") for g in gaps), bool)
    ends = _column(gaps, size, (g.count(_SEP) for g in gaps), int)
    before = np.arange(len(f)) + chunk_of  # each chunk has one gap more than words
    after = gap_ids[before + 1]
    before = gap_ids[before]
    seg = np.cumsum(ends[gap_ids])[np.arange(len(f)) + chunk_of]  # segment ends so far
    first = np.diff(seg, prepend=-1) != 0
    initial = first | (init[before] & ~(_shift(capital[f], -1, False) & dot[before]))  # "M. X"
    lower: dict[str, int] = {}
    low = _column(forms, size, (lower.setdefault(w.lower(), len(lower)) for w in forms), int)
    cased = _column(forms, size, (w != w.lower() for w in forms), bool)[f]
    seen = np.zeros((2, len(lower) + 1), dtype=bool)  # capitalised, lower-case: mid-sentence
    seen[cased[~initial].astype(int), low[f[~initial]]] = True
    proper = frozenset(w for w, i in lower.items() if seen[1, i] and not seen[0, i])
    return _Words(seg, key[f], is_stop[f] & ~(acronym[f] | (capital[f] & dot[after])),
                  glue[before] & ~first, brk[before] & ~first, initial, letters[f], list(keys),
                  proper)


def _distinct(a: np.ndarray) -> np.ndarray:
    """The distinct values of an integer array, ascending (a sort: faster than hashing here)."""
    a = np.sort(a)
    return a[np.diff(a, prepend=a[:1] - 1) != 0]


def _levels(w: _Words, max_words: int) -> tuple[list[np.ndarray], list[np.ndarray],
                                                 list[np.ndarray]]:
    """For n = 1..max_words: the code of the n-gram at each position (-1 across a segment end
    or punctuation), whether it may be a candidate there, and each code's segment count.

    An n-gram's code numbers the pair (code of its first n-1 words, key of its last word).
    """
    n, n_keys = len(w.key), int(w.key.max(initial=0)) + 1
    at = np.arange(n)
    sums = np.concatenate(([0], np.cumsum(w.letters, dtype=np.int64)))
    starts = ~w.stop & ~w.glued
    ends = ~w.stop & ~_shift(w.glued, 1, False)
    code = w.key
    codes, valid, freqs = [], [], []
    for m in range(1, max_words + 1):
        if m > 1:
            ok = (code >= 0) & (_shift(w.seg, m - 1, -1) == w.seg) & ~_shift(w.brk, m - 1, True)
            joined = np.where(ok, code * n_keys + _shift(w.key, m - 1, 0), -1)
            code = np.where(ok, np.unique(joined, return_inverse=True)[1].reshape(-1), -1)
        letters = sums[np.minimum(at + m, n)] - sums[at]
        ok = (code >= 0) & starts & _shift(ends, m - 1, False) & (letters >= 2)
        n_codes = int(code.max(initial=0)) + 1  # at least one, so indexing never fails
        seen = _distinct(w.seg[ok].astype(np.int64) * n_codes + code[ok])
        codes.append(code)
        valid.append(ok)
        freqs.append(np.bincount(seen % n_codes, minlength=n_codes))
    return codes, valid, freqs


def _unnest(codes: list[np.ndarray], valid: list[np.ndarray], freqs: list[np.ndarray],
            min_count: int) -> list[np.ndarray]:
    """Which codes of each length are candidates: frequent, and not mostly inside a longer
    frequent n-gram (which the shorter then yields to)."""
    kept = [f >= min_count for f in freqs]
    for m in range(2, len(codes) + 1):
        pos = np.flatnonzero(valid[m - 1] & kept[m - 1][np.maximum(codes[m - 1], 0)])
        f_long = freqs[m - 1][codes[m - 1][pos]]
        for k in range(1, m):
            for a in range(m - k + 1):
                sub = codes[k - 1][pos + a]
                hit = valid[k - 1][pos + a] & (f_long >= NESTED * freqs[k - 1][sub])
                kept[k - 1][sub[hit]] = False
    return kept


class _Side:
    """One language of the bitext: its candidates and the segments each occurs in.

    Args:
        texts: The segments.
        lang: Their language.
        max_words: Longest candidate, in words.
        min_count: Fewest segments a candidate must occur in.

    Attributes:
        grams: Each candidate's match keys.
        freq: Segments each candidate occurs in, shape (candidates,).
        occ_seg: Segment of each (segment, candidate) occurrence, ascending, (occurrences,).
        occ_cand: Its candidate, shape (occurrences,).
    """

    def __init__(self, texts: Sequence[str], lang: Language, max_words: int,
                 min_count: int) -> None:
        self.texts = texts
        words = _words(texts, Normalizer(lang.name), stopwords(lang, texts))
        self.seg, self.initial, self.proper = words.seg, words.initial, words.proper
        self.start = np.concatenate(([0], np.cumsum(np.bincount(words.seg,
                                                                minlength=len(texts)))))
        codes, valid, freqs = _levels(words, max_words)
        kept = _unnest(codes, valid, freqs, min_count)
        self.grams: list[Gram] = []
        self.cand_at: list[np.ndarray] = []  # per length: the candidate at each word, or -1
        freq_parts, occ = [], []
        for m, (code, ok, f, keep) in enumerate(zip(codes, valid, freqs, kept, strict=True), 1):
            ids = np.flatnonzero(keep)
            number = np.full(len(f) + 1, -1, dtype=np.int32)
            number[ids] = len(self.grams) + np.arange(len(ids))
            cand = np.where(ok, number[code], -1)  # code -1 reads the extra -1 at the end
            where = np.flatnonzero(cand >= 0)
            _, first = np.unique(cand[where], return_index=True)
            self.grams += [tuple(words.key_text[k] for k in words.key[p:p + m])
                           for p in where[first]]
            self.cand_at.append(cand)
            freq_parts.append(f[ids])
            occ.append(words.seg[where].astype(np.int64) * 2**31 + cand[where])
        self.freq = np.concatenate(freq_parts).astype(np.int64)
        pairs = _distinct(np.concatenate(occ))
        self.occ_seg, self.occ_cand = pairs >> 31, pairs & (2**31 - 1)

    def surfaces(self, wanted: Sequence[int]) -> dict[int, str]:
        """How the candidates ``wanted`` are best written (see ``_display``)."""
        seen: dict[int, Counter[tuple[str, tuple[bool, ...]]]] = {k: Counter() for k in wanted}
        spans: dict[int, list[tuple[int, int]]] = {}
        for m, cand in enumerate(self.cand_at, 1):
            for p in self._sample(cand, wanted):
                s = int(self.seg[p])
                i, text = p - int(self.start[s]), self.texts[s]
                if s not in spans:
                    spans[s] = [w.span() for w in WORD.finditer(text)]  # the tokenizer's words
                begin, end = spans[s][i][0], spans[s][i + m - 1][1]
                if end - spans[s][i + m - 1][0] == 1 and text[end - 1].isupper():
                    end += text.startswith(".", end)  # "U.S."
                form = " ".join(text[begin:end].split())
                seen[int(cand[p])][form, tuple(self.initial[p:p + m].tolist())] += 1
        return {k: _display(c, self.proper) for k, c in seen.items() if c}

    @staticmethod
    def _sample(cand: np.ndarray, wanted: Sequence[int]) -> list[int]:
        """Positions of the wanted candidates in ``cand``: the first ``_SAMPLE`` of each."""
        pos = np.flatnonzero(np.isin(cand, np.asarray(wanted, dtype=np.int64)))
        pos = pos[np.argsort(cand[pos], kind="stable")]
        rank = np.arange(len(pos)) - np.searchsorted(cand[pos], cand[pos])
        return pos[rank < _SAMPLE].tolist()


def _display(seen: Counter[tuple[str, tuple[bool, ...]]], proper: frozenset[str]) -> str:
    """The most frequent form, each word lower-cased unless capitalised wherever the term has
    it not sentence-initial; where it always is, unless the text always capitalises the word
    elsewhere ("Mr"), or it is an acronym."""
    forms: Counter[str] = Counter()
    for (form, _), n in seen.items():
        forms[form] += n
    best = min(forms, key=lambda f: (-forms[f], f))
    words = [(WORD.findall(form), initial) for form, initial in seen]
    out, prev = [], 0
    for j, m in enumerate(WORD.finditer(best)):
        w, inner = m.group(), [x[j] for x, initial in words if not initial[j]]
        keep = (all(x != x.lower() for x in inner) if inner
                else w.lower() in proper or (w.isupper() and len(w) > 1))
        out += [best[prev:m.start()], w if keep else w.lower()]
        prev = m.end()
    return "".join(out) + best[prev:]


def _associations(src: _Side, tgt: _Side, n: int, min_count: int) -> tuple[np.ndarray, ...]:
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


def _link(src: _Side, tgt: _Side, s: np.ndarray, t: np.ndarray, g2: np.ndarray) -> list[int]:
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
    sides = (_Side([p[0] for p in pairs], src, max_words, min_count),
             _Side([p[1] for p in pairs], tgt, max_words, min_count))
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
