"""Finding terms in text: a trie over word keys, scanned like an Aho–Corasick automaton.

Phrases are sequences of match keys (stemmed, folded words; see ``glossary.text``), so
inflected forms match and the work per text is one dictionary step per word, whatever the size
of the glossary. Terms of up to a few words make restarting at each word as fast as following
failure links, and simpler. A match never starts or ends inside a hyphenated compound ("État"
does not match in "États-Unis"), and case-sensitive phrases match only with the same
capitalisation. A phrase written with a final period ("S.A.", "EE. UU.", "aprox.") takes the
text's period after its last word into the match: the period is part of the term, not a
sentence end.
"""

from __future__ import annotations

from itertools import accumulate
from typing import Any, NamedTuple

from glossary.text import HYPHENS, WORD, WORDS_AND_GAPS, Normalizer, case_shape

_END = "\0"  # a key no word has: marks the end of a phrase in the trie


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


class Group(NamedTuple):
    """Where one phrase was found, with every payload it was added with (entries that share
    their keys, such as "classe" and "classes", are one phrase).

    Attributes:
        payloads: The payloads, in the order they were added.
        start: Offset of the first character.
        end: Offset after the last character.
        text: The text as written there.
    """

    payloads: tuple[int, ...]
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
        self.dotted: set[int] = set()  # payloads whose phrase ends with a period

    def add(self, phrase: str, payload: int, case_sensitive: bool = False) -> bool:
        """Add a phrase; returns False when it has no words (nothing could match it)."""
        words = WORD.findall(phrase)
        if not words:
            return False
        if phrase.rstrip().endswith("."):
            self.dotted.add(payload)
        node = self.root
        for key in self.norm.keys(words):
            node = node.setdefault(key, {})
        # at a phrase's end: the payloads that match any capitalisation, and the others with
        # the case shape of each word
        free, cased = node.get(_END, ((), ()))
        if case_sensitive:
            cased += ((payload, tuple(case_shape(w) for w in words)),)
        else:
            free += (payload,)
        node[_END] = (free, cased)
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
        return [Match(payload, g.start, g.end, g.text)
                for g in self.groups(text, every) for payload in g.payloads]

    def groups(self, text: str, every: bool = False) -> list[Group]:
        """Like ``find``, with the payloads that share a phrase together in one ``Group``."""
        # the hot loop of every check: plain lists and dict lookups in one pass; offsets only
        # on a hit. ``parts`` alternates what lies between words with the words themselves:
        # word k is parts[2k + 1], and parts[2k] is what joins it to the word before.
        parts = WORDS_AND_GAPS.split(text)
        words = parts[1::2]
        keys = self.norm.keys(words)
        root, n = self.root, len(keys)
        starts = [i for i, key in enumerate(keys) if key in root]
        if not starts:
            return []
        offsets = [0, *accumulate(map(len, parts))]
        hyphens = not HYPHENS.isdisjoint(parts[2::2])
        dotted = self.dotted
        found: list[Group] = []
        after = 0  # leftmost-longest: the next match starts after the last one
        for i in starts:
            if i < after or (hyphens and i and parts[2 * i] in HYPHENS):
                continue
            node, j, ends = root[keys[i]], i + 1, []
            while True:
                entry = node.get(_END)
                if entry is not None:
                    ends.append((j, entry))
                if j >= n:
                    break
                node = node.get(keys[j])
                if node is None:
                    break
                j += 1
            for j, (payloads, cased) in (ends if every else reversed(ends)):
                if hyphens and j < n and parts[2 * j] in HYPHENS:
                    continue  # no match ends inside a hyphenated compound
                if cased:
                    shapes = tuple(map(case_shape, words[i:j]))
                    payloads = tuple(sorted(payloads + tuple(p for p, s in cased
                                                             if s == shapes)))
                if payloads:
                    start, end = offsets[2 * i + 1], offsets[2 * j]
                    if dotted and text[end:end + 1] == "." and not dotted.isdisjoint(payloads):
                        end += 1  # "S.A." ends with its period
                    found.append(Group(payloads, start, end, text[start:end]))
                    if not every:
                        after = j  # the longest match wins; go on after it
                        break
        return found
