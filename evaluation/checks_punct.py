"""Checks of form an engine can spoil without changing a word: punctuation, spacing and the
case of identifiers.

Typical sources: a glossary term ending in a period placed at a sentence end (``Inc..``),
Apertium keeping French spaces before ``: ? ! ;`` in English or leaving double spaces, and
rule-based engines lower-casing words they do not know inside file names
(``README.md`` → ``Readme.md``). Each is compared with the source, so what the source
already has is never flagged.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from evaluation.checks_text import CODE, URL, plain
from evaluation.qa import Context, Flag, Item

_SPACE = "[ \u00a0\u202f]"
#: The same mark twice (``Inc..``, ``US. .``, ``,,``, ``!!``), not an ellipsis (``...``, ``. . .``).
_DOUBLED = re.compile(rf"(?<![.…])(?<![.…]{_SPACE})([.,;:!?]){_SPACE}?\1(?!{_SPACE}?[.…])")
#: A space between a word and ``: ; ! ?`` (French typography; wrong in most other languages).
_SPACED_HIGH = re.compile(rf"(?<=[^\W_]){_SPACE}+([:;!?])(?=[\s\"'”’»)\]]|$)")
#: A space between a word and ``,`` or ``.``: wrong in every language's typography.
_SPACED_LOW = re.compile(rf"(?<=[^\W_]){_SPACE}+([,.])(?=\s|$)")
_DOUBLE_SPACE = re.compile(r"(?<=\S) {2,}(?=\S)")
#: Languages whose typography puts a (narrow) no-break space before ``; : ! ?``.
SPACE_BEFORE_HIGH = frozenset({"fr"})
#: Anything any of the patterns above could match: most segments have none, and one search
#: tells.
_SUSPECT = re.compile(rf"([.,;:!?]){_SPACE}?\1|[^\W_]{_SPACE}+[.,;:!?]|\S  ")


def _strip(text: str) -> str:
    """The text without URLs and code spans, where any punctuation is legitimate."""
    return CODE.sub(" ", URL.sub(" ", text)) if ("`" in text or "/" in text or "@" in text) \
        else text


def _count(pattern: re.Pattern[str], text: str) -> Counter[str]:
    return Counter(m.group(1) for m in pattern.finditer(text))


def _excess(pattern: re.Pattern[str], source: str, target: str) -> list[re.Match[str]]:
    """The matches in the target of marks the source has fewer matches of."""
    allowed = _count(pattern, source)
    seen: Counter[str] = Counter()
    out = []
    for m in pattern.finditer(target):
        seen[m.group(1)] += 1
        if seen[m.group(1)] > allowed[m.group(1)]:
            out.append(m)
    return out


def _shown(text: str, m: re.Match[str]) -> str:
    """The problem with up to three words before it, quoted."""
    return "“" + " ".join(text[:m.end()].split()[-3:]) + "”"


class PunctuationCheck:
    """Doubled punctuation, spaces before punctuation and double spaces the source lacks.

    A space before ``: ; ! ?`` is wrong in a target whose typography has none there (not
    French, see `SPACE_BEFORE_HIGH`), even where a French source has it.
    """

    name = "punctuation"
    severity = "warning"

    def run(self, items: Sequence[Item], ctx: Context) -> list[Flag]:
        french_target = ctx.target.code in SPACE_BEFORE_HIGH
        french_source = ctx.source is not None and ctx.source.code in SPACE_BEFORE_HIGH
        flags = []
        for it in items:
            target = plain(it.target)
            if not _SUSPECT.search(target):
                continue
            problems = self.problems(_strip(it.source), _strip(target), french_source,
                                     french_target)
            if problems:
                flags.append(Flag(self.name, self.severity, it.id, "; ".join(problems)))
        return flags

    @staticmethod
    def problems(source: str, target: str, french_source: bool = False,
                 french_target: bool = False) -> list[str]:
        """What is wrong with the target's punctuation, given its source.

        Args:
            source: the source segment ("" in target-only mode: nothing is allowed).
            target: its translation.
            french_source: the source's typography puts spaces before ``; : ! ?``.
            french_target: the target's does.

        Returns:
            One message per kind of problem, [] when there is none.
        """
        out = [f"doubled punctuation {_shown(target, m)} not in the source"
               for m in _excess(_DOUBLED, source, target)]
        if not french_target:
            high = _excess(_SPACED_HIGH, "" if french_source else source, target)
            out += [f"space before “{m.group(1)}” in {_shown(target, m)}" for m in high]
        out += [f"space before “{m.group(1)}” in {_shown(target, m)}"
                for m in _excess(_SPACED_LOW, source, target)]
        doubled = len(_DOUBLE_SPACE.findall(target)) - len(_DOUBLE_SPACE.findall(source))
        if doubled > 0:
            out.append(f"{doubled} double space{'s' if doubled > 1 else ''} the source lacks")
        return out


#: Identifiers: a word joined to another by ``. / _`` (file names, paths, modules) or with a
#: capital inside (``LocalLLaMA``, ``iPhone``).
_IDENTIFIER_HINT = re.compile(r"\w[./_]\w|[a-z][A-Z]")
_IDENTIFIER = re.compile(r"(?<![\w./])(?:/?\w+(?:[./_]\w+)+/?|\w*[a-z]\w*[A-Z]\w*)(?![\w/])")


class IdentifierCheck:
    """File names, paths and mixed-case identifiers whose case the engine changed
    (``README.md`` → ``Readme.md``, ``/r/LocalLLaMA/`` → ``/r/localllama/``).

    Only a case change is flagged: an identifier the target lacks altogether may have been
    translated on purpose.
    """

    name = "identifiers"
    severity = "warning"

    def run(self, items: Sequence[Item], ctx: Context) -> list[Flag]:
        flags = []
        for it in items:
            if not _IDENTIFIER_HINT.search(it.source):
                continue
            changed = []
            for ident in dict.fromkeys(m.group() for m in _IDENTIFIER.finditer(it.source)):
                if ident in it.target:
                    continue
                found = re.search(re.escape(ident), it.target, re.IGNORECASE)
                if found:
                    changed.append(f"“{ident}” became “{found.group()}”")
            if changed:
                flags.append(Flag(self.name, self.severity, it.id,
                                  "identifier case changed: " + ", ".join(changed)))
        return flags
