"""Finding terms in text: a trie over word keys, scanned like an Aho–Corasick automaton.

Phrases are sequences of match keys (stemmed, folded words; see ``glossary.text``), so
inflected forms match and the work per text is one dictionary step per word, whatever the size
of the glossary. Terms of up to a few words make restarting at each word as fast as following
failure links, and simpler. A match never starts or ends inside a hyphenated compound ("État"
does not match in "États-Unis"), and case-sensitive phrases match only with the same
capitalisation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from glossary.text import WORD, Normalizer, Token, case_shape, tokenize

_END = "\0"  # a key no word has: marks the end of a phrase in the trie


@dataclass(frozen=True)
class Match:
    """A phrase found in a text.

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
        words = WORD.findall(text)
        keys = self.norm.keys(words)
        root, n = self.root, len(keys)
        tokens: list[Token] | None = None
        found: list[Match] = []
        i = 0
        while i < n:
            node = root.get(keys[i])
            if node is None:
                i += 1
                continue
            ends = self._ends(node, keys, i)
            if ends:
                tokens = tokens or tokenize(text)
                hits = self._valid(ends, tokens, i, text)
                if hits:
                    found += hits if every else [m for m in hits if m.end == hits[-1].end]
                    if not every:
                        i = _index_after(tokens, hits[-1].end, i)
                        continue
            i += 1
        return found

    @staticmethod
    def _ends(node: dict[str, Any], keys: Sequence[str], i: int
              ) -> list[tuple[int, list[tuple[int, tuple[str, ...] | None]]]]:
        """Where phrases starting at word i end (exclusive word index) and their payloads."""
        ends = []
        j, n = i, len(keys)
        step: dict[str, Any] | None = node
        while step is not None:
            j += 1
            if _END in step:
                ends.append((j, step[_END]))
            if j >= n:
                break
            step = step.get(keys[j])
        return ends

    @staticmethod
    def _valid(ends: list[tuple[int, list[tuple[int, tuple[str, ...] | None]]]],
               tokens: list[Token], i: int, text: str) -> list[Match]:
        if tokens[i].glued:
            return []
        hits = []
        for j, payloads in ends:
            if j < len(tokens) and tokens[j].glued:
                continue
            start, end = tokens[i].start, tokens[j - 1].end
            for payload, shapes in payloads:
                if shapes is None or shapes == tuple(case_shape(t.text)
                                                     for t in tokens[i:j]):
                    hits.append(Match(payload, start, end, text[start:end]))
        return hits


def _index_after(tokens: list[Token], end: int, i: int) -> int:
    while i < len(tokens) and tokens[i].start < end:
        i += 1
    return i
