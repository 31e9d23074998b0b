"""Term candidates of one language: the monolingual half of ``glossary.extract``.

Candidates are word n-grams (up to ``max_words``) that neither start nor end with a function
word, contain letters, cross no punctuation and do not cut a hyphenated compound. They are
counted by segment over their match keys (``glossary.text``), so "class struggles" counts with
"class struggle". A shorter candidate that mostly occurs inside a longer one yields to it
("means of production" over "means"), as in C-value term extraction. All counting is numpy over
every word at once.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from glossary.stopwords import stopwords
from glossary.text import HYPHENS, WORD, WORDS_AND_GAPS, Normalizer
from translate.langs import Language

NESTED = 0.8  # a candidate yields to a longer one holding it in this share of its segments

_SAMPLE = 100  # occurrences read to choose how a term is written
_CHUNK = 5_000  # segments per regex split
_SEP = "\x00"  # joins the segments of a chunk
_BREAKS = re.compile(r"[^\s\-\u2010\u2011'\u2019.]")  # punctuation a term may not span
_STARTS = '"\u201c\u00ab\u00bf\u00a1'  # after these a word is sentence-initial
_ENDS = ".!?\u2026:"  # and after these followed by a space

Gram = tuple[str, ...]


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
        parts = WORDS_AND_GAPS.split(_SEP.join(chunk) + _SEP)
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
    glue = _column(gaps, size, (g in HYPHENS for g in gaps), bool)
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


class Side:
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
