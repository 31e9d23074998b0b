"""Finding terms in text: a trie over word keys, scanned like an Aho–Corasick automaton.

Phrases are sequences of match keys (stemmed, folded words; see ``glossary.text``), so
inflected forms match and the work per text is one dictionary step per word, whatever the size
of the glossary. Terms of up to a few words make restarting at each word as fast as following
failure links, and simpler. A match never starts or ends inside a hyphenated compound ("État"
does not match in "États-Unis"), and case-sensitive phrases match only with the same
capitalisation.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from glossary.text import WORD, Normalizer, case_shape

_END = "\0"  # a key no word has: marks the end of a phrase in the trie
_HYPHENS = ("-", "\u2010", "\u2011")


class Match(NamedTuple):
    """A phrase found in a text (a named tuple: made by the million when checking a book).

    Attributes:
        payload: What the phrase was added with (an index into the caller's records).
        start: Offset of the first character.
        end: Offset after the last character.
        text: The text as written there.
    """

    payload: int
    start: int
    end: int
    text: str


class PhraseIndex:
    """Phrases of one language, found in texts by their word keys.

    Args:
        normalizer: The language's normaliser; texts and phrases go through the same one.
    """

    def __init__(self, normalizer: Normalizer) -> None:
        self.norm = normalizer
        self.root: dict[str, Any] = {}
        self.size = 0

    def add(self, phrase: str, payload: int, case_sensitive: bool = False) -> bool:
        """Add a phrase; returns False when it has no words (nothing could match it)."""
        words = WORD.findall(phrase)
        if not words:
            return False
        node = self.root
        for key in self.norm.keys(words):
            node = node.setdefault(key, {})
        shapes = tuple(case_shape(w) for w in words) if case_sensitive else None
        node.setdefault(_END, []).append((payload, shapes))
        self.size += 1
        return True

    def find(self, text: str, every: bool = False) -> list[Match]:
        """The phrases in a text.

        Args:
            text: Any text.
            every: Every occurrence of every phrase, overlapping ones included; by default the
                leftmost-longest ones, which never overlap.

        Returns:
            The matches in text order; one per payload when several share a phrase.
        """
        # the hot loop of every check: plain lists and dict lookups, offsets only on a hit
        words = WORD.findall(text)
        keys = self.norm.keys(words)
        root, n = self.root, len(keys)
        spans: list[tuple[int, int]] = []
        hyphens = False
        found: list[Match] = []
        i = 0
        while i < n:
            node = root.get(keys[i])
            if node is None:
                i += 1
                continue
            ends = []
            j = i
            while node is not None:
                j += 1
                if _END in node:
                    ends.append((j, node[_END]))
                if j >= n:
                    break
                node = node.get(keys[j])
            if not ends:
                i += 1
                continue
            if not spans:
                spans = [m.span() for m in WORD.finditer(text)]
                hyphens = any(h in text for h in _HYPHENS)
            if hyphens and _glued(spans, i, text):
                i += 1
                continue
            for j, payloads in (ends if every else reversed(ends)):
                if hyphens and _glued(spans, j, text):
                    continue
                start, end = spans[i][0], spans[j - 1][1]
                hits = [Match(payload, start, end, text[start:end]) for payload, shapes in payloads
                        if shapes is None or shapes == tuple(map(case_shape, words[i:j]))]
                found += hits
                if hits and not every:
                    i = j - 1  # the longest match wins; go on after it
                    break
            i += 1
        return found


def _glued(spans: list[tuple[int, int]], k: int, text: str) -> bool:
    """Whether word k is joined to word k-1 by a hyphen."""
    return 0 < k < len(spans) and text[spans[k - 1][1]:spans[k][0]] in _HYPHENS
