"""Terminology during translation: one engine wrapper, whatever the engine underneath.

``GlossaryEngine`` implements the ``Engine`` protocol around any engine and makes each
segment's terms come out as the glossary says, in up to three steps, each only for the
segments the previous one left wrong:

1. **n-best choice** (engines with ``translate_nbest``, the seq2seq ones): the best-scored
   hypothesis among those that honour the most terms.
2. **substitution**: the engine translates the term alone ("means of production" →
   "medio de producción"); where that rendering is in the translation, it is replaced by the
   glossary's form. The engine's own sentence, agreement and word order stay.
3. **masking**: the term is replaced by a placeholder the engine copies (``⟦1⟧``), the
   segment is translated again, and the placeholder becomes the glossary's form. Kept only if
   every placeholder came back exactly once.

A term written with a final period ("S.A." → "Inc.", "EE. UU." → "US") owns that period: a
form put in never doubles it ("Inc.." → "Inc."), a sentence-final period stays, and where the
engine read the term's period as a sentence end ("in EE. UU. From 2010.") the segment is
masked like a missing term, with the period inside the placeholder.

Forbidden forms in the output are replaced by the preferred form. Which step settled each
segment is counted in ``stats``. ``prompt_entries`` gives an LLM engine the entries relevant to
a text, for its prompt.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from glossary.check import TermChecker
from glossary.match import Match, PhraseIndex
from glossary.termbase import Term, TermBase
from translate.engine import Engine, EngineConfig, Hypothesis

_PLACEHOLDER = "⟦{}⟧"
#: What may follow the last period of a sentence.
_SENTENCE_END = re.compile(r"[\s\"'”’»)\]]*\Z")


def _sentence_ends(text: str, lang: str) -> set[int]:
    """Offsets just after the last character of each sentence of a text."""
    from corpora.splitter import split_sentences

    at, ends = len(text) - len(text.lstrip()), set()
    for sentence, trailing in split_sentences(text, lang):
        at += len(sentence)
        ends.add(at)
        at += len(trailing)
    return ends


def _goes_on(rest: str) -> bool:
    """Whether a sentence goes on in ``rest``: punctuation ("?", ",") or a lower-case word."""
    head = rest.lstrip()
    return bool(head) and (head[0].islower() or (rest == head and not head[0].isalnum()
                                                  and head[0] != "."))


def put(text: str, start: int, end: int, form: str, owned: bool = False) -> str:
    """``text`` with ``text[start:end]`` replaced by ``form``, periods kept right.

    A form ending with a period before the text's own period gives one period ("Inc." + "."
    → "Inc.", never "Inc.."); a replaced span that ended the sentence with its period keeps
    the period when the form has none ("EE. UU." → "US." at the end).

    Args:
        text: The translation.
        start: Offset of the span to replace.
        end: Offset after it.
        form: What to put there.
        owned: The span renders a term written with a final period, so a period right after
            it is the term's own: it goes with the term where the sentence goes on ("EE.
            UU.?" → "US?", "EE. UU., aprox." → "US, aprox.").
    """
    after = text[end:]
    dotted = form.endswith(".")
    if after.startswith(".") and (dotted or (owned and _goes_on(after[1:]))):
        after = after[1:]  # one period: the form's, or none where the sentence goes on
    elif text[start:end].endswith(".") and not dotted and _SENTENCE_END.match(after):
        after = "." + after
    return text[:start] + form + after


def _cased(form: str, like: str, term: Term) -> str:
    """The form, capitalised where the text it replaces was (a sentence start).

    Never lower-cased: the glossary writes a form as it stands mid-sentence ("Estado",
    German nouns).
    """
    if term.case_sensitive or not like[:1].isupper() or not form:
        return form
    return form[:1].upper() + form[1:]


def _suffix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


def form_for(term: Term, replaced: str) -> str:
    """The accepted form to put where ``replaced`` stood, with its case.

    Among several accepted forms the one whose ending shares most with the replaced text wins
    ("obreros" for "trabajadores"), so a glossary that lists inflected forms keeps agreement.
    """
    last = replaced.split()[-1].lower() if replaced.split() else ""
    best = max(term.targets, key=lambda f: (_suffix(f.split()[-1].lower(), last) > 0
                                             if f.split() else False,
                                             -term.targets.index(f)))
    return _cased(best, replaced, term)


class GlossaryEngine:
    """An engine whose output follows a term base.

    Args:
        engine: The engine to wrap (any ``Engine``).
        base: The term base; it must be for the engine's language pair.
        nbest: Hypotheses to choose among, for engines that can give several.
        steps: Which of "nbest", "substitute" and "mask" to use, for measuring each.
    """

    STEPS = ("nbest", "substitute", "mask")

    def __init__(self, engine: Engine, base: TermBase, nbest: int = 8,
                 steps: tuple[str, ...] = STEPS) -> None:
        self.engine = engine
        self.base = base.for_pair(engine.src, engine.tgt)
        self.src, self.tgt = engine.src, engine.tgt
        self.checker = TermChecker(self.base)
        self.nbest = nbest
        self.steps = steps
        self.preferred_batch = int(getattr(engine, "preferred_batch", 32))
        self.stats: Counter[str] = Counter()
        self._alone: dict[str, str] = {}
        self._found: dict[str, dict[int, list[Match]]] = {}
        self._inner: dict[str, list[tuple[int, Match]]] = {}
        use_terms = getattr(engine, "use_terms", None)
        if use_terms is not None:  # an LLM engine also puts the relevant entries in its prompt
            use_terms(self.base)

    @property
    def config(self) -> EngineConfig:
        inner = self.engine.config
        return EngineConfig(inner.engine, inner.model,
                            {**inner.params, "glossary": self.base.version})

    def close(self) -> None:
        self.engine.close()

    def translate_batch(self, segments: Sequence[str]) -> list[Hypothesis]:
        # each step checks the same sources against new outputs: find their terms once
        self._found = {s: self.checker.in_source(s) for s in segments}
        self._inner = {}
        hyps = self._first(segments)
        out = [h.text for h in hyps]
        todo = [i for i, s in enumerate(segments) if any(self._wrong(s, out[i]))]
        self.stats["segments"] += len(segments)
        self.stats["with terms"] += sum(bool(self._found[s]) for s in segments)
        if "substitute" in self.steps:
            self._substitute(segments, out, todo)
        if "mask" in self.steps:
            self._mask(segments, out, [i for i in todo if any(self._wrong(segments[i], out[i]))])
        for i in range(len(segments)):
            out[i] = self._unforbid(segments[i], out[i])
        self.stats["left wrong"] += sum(bool(self._missing(segments[i], out[i]))
                                        for i in todo)
        return [Hypothesis(text, h.score, h.note) for text, h in zip(out, hyps, strict=True)]

    def _missing(self, source: str, target: str) -> list[int]:
        """Indices of terms with fewer accepted forms in the target than occurrences in the
        source."""
        check = self.checker.segment(source, target, self._found.get(source))
        return [t for t, ms in check.terms.items() if len(check.used.get(t, ())) < len(ms)]

    def _inner_periods(self, source: str) -> list[tuple[int, Match]]:
        """Occurrences of terms that end with a period inside a sentence of the source ("S.A.
        invierte"; not "en EE. UU. Luego"): the engine must not read it as a sentence end."""
        known = self._inner.get(source)
        if known is None:
            found = self._found.get(source)
            if found is None:
                found = self.checker.in_source(source)
            dotted = [(t, m) for t, ms in found.items() for m in ms if m.text.endswith(".")]
            ends = _sentence_ends(source, self.src.code) if dotted else set()
            known = self._inner[source] = [(t, m) for t, m in dotted if m.end not in ends]
        return known

    def _breaks(self, source: str, target: str) -> bool:
        """Whether the target has more sentences than the source where the source has a term's
        period inside a sentence (the engine took it for a sentence end)."""
        if not self._inner_periods(source):
            return False
        from corpora.splitter import split_sentences

        return len(split_sentences(target, self.tgt.code)) > \
            len(split_sentences(source, self.src.code))

    def _wrong(self, source: str, target: str) -> tuple[int, bool]:
        """What enforcement minimises: terms missing, then a sentence end added at a term."""
        return len(self._missing(source, target)), self._breaks(source, target)

    def _first(self, segments: Sequence[str]) -> list[Hypothesis]:
        nbest = getattr(self.engine, "translate_nbest", None)
        if nbest is None or "nbest" not in self.steps or \
                not any(self._found[s] for s in segments):
            return self.engine.translate_batch(segments)
        chosen = []
        for source, options in zip(segments, nbest(segments, self.nbest), strict=True):
            best = min(range(len(options)),
                       key=lambda k: (self._wrong(source, options[k].text), k))
            self.stats["n-best"] += best > 0
            chosen.append(options[best])
        return chosen

    def _substitute(self, segments: Sequence[str], out: list[str], todo: list[int],
                    count: bool = True) -> None:
        """Replace the engine's own rendering of a missing term by the glossary's form."""
        wanted = {m.text for i in todo for ms in self._found[segments[i]].values() for m in ms}
        new = sorted(w for w in wanted if w not in self._alone)
        if new:
            for word, hyp in zip(new, self.engine.translate_batch(new), strict=True):
                self._alone[word] = hyp.text.strip().rstrip(".")
        for i in todo:
            before = out[i]
            for t in self._missing(segments[i], out[i]):
                term = self.base.terms[t]
                for m in self._found[segments[i]][t]:
                    out[i] = self._replace_rendering(out[i], self._alone.get(m.text, ""), term,
                                                     m.text.endswith("."))
            self.stats["substituted"] += count and out[i] != before

    def _replace_rendering(self, target: str, rendering: str, term: Term,
                           owned: bool) -> str:
        if not rendering.strip():
            return target
        index = PhraseIndex(self.checker.target_index.norm)
        if not index.add(rendering, 0):
            return target
        found = index.find(target)
        if not found:
            return target
        m = found[0]
        return put(target, m.start, m.end, form_for(term, m.text), owned)

    def _mask(self, segments: Sequence[str], out: list[str], todo: list[int]) -> None:
        """Translate again with the terms still missing as placeholders, then put the forms
        in. The new translation is substituted again (terms fixed before may come back in the
        engine's words) and kept where it leaves fewer terms missing than ``out``. Masking
        only what substitution could not fix keeps the engine's context intact elsewhere."""
        masked: list[str] = []
        forms: list[list[tuple[str, Term, str]]] = []
        for i in todo:
            text = segments[i]
            slots: list[tuple[str, Term, str]] = []
            inner = {m.start for _, m in self._inner_periods(text)}
            for m, term in self._mask_spans(segments[i], out[i]):
                mark = _PLACEHOLDER.format(len(slots) + 1)
                slots.append((mark, term, m.text))
                # a term's period that ends a sentence stays outside: the engine needs it
                end = m.end - 1 if m.text.endswith(".") and m.start not in inner else m.end
                text = text[:m.start] + mark + text[end:]
            masked.append(text)
            forms.append(slots)
        if not masked:
            return
        again = [h.text for h in self.engine.translate_batch(masked)]
        for k, (hyp, slots) in enumerate(zip(again, forms, strict=True)):
            text = hyp
            if all(text.count(mark) == 1 for mark, _, _ in slots):
                for mark, term, surface in slots:
                    at = text.index(mark)
                    start = at == 0 or re.search(r"[.!?]\s*$", text[:at]) is not None
                    text = put(text, at, at + len(mark),
                               form_for(term, surface if start else surface.lower()))
            again[k] = text
        if "substitute" in self.steps:
            self._substitute([segments[i] for i in todo], again, list(range(len(todo))),
                             count=False)
        for i, text in zip(todo, again, strict=True):
            if "⟦" not in text and \
                    self._wrong(segments[i], text) < self._wrong(segments[i], out[i]):
                out[i] = text
                self.stats["masked"] += 1

    def _mask_spans(self, source: str, target: str) -> list[tuple[Match, Term]]:
        """What to mask, last first: the missing terms, and the terms whose period the engine
        took for a sentence end."""
        spans = {m.start: (m, self.base.terms[t]) for t in self._missing(source, target)
                 for m in self._found[source][t]}
        if self._breaks(source, target):
            spans.update((m.start, (m, self.base.terms[t]))
                         for t, m in self._inner_periods(source))
        return [spans[k] for k in sorted(spans, reverse=True)]

    def _unforbid(self, source: str, target: str) -> str:
        check = self.checker.segment(source, target, self._found.get(source))
        for t, bad in check.forbidden.items():
            term = self.base.terms[t]
            for m in sorted(bad, key=lambda m: -m.start):
                target = put(target, m.start, m.end, _cased(term.preferred, m.text, term))
                self.stats["forbidden replaced"] += 1
        return target


def prompt_entries(base: TermBase, text: str, checker: TermChecker | None = None
                   ) -> list[Term]:
    """The entries whose source terms occur in a text, in order of first occurrence.

    An LLM engine puts only these in its prompt: a whole glossary dilutes the instruction.
    """
    checker = checker or TermChecker(base)
    found = checker.in_source(text)
    order = sorted(found, key=lambda t: found[t][0].start)
    return [base.terms[t] for t in order]


def prompt_block(terms: Sequence[Term]) -> str:
    """The entries as prompt lines: ``source → preferred (also: …; never: …)``."""
    lines = []
    for term in terms:
        extra = []
        if len(term.targets) > 1:
            extra.append("also: " + ", ".join(term.targets[1:]))
        if term.forbidden:
            extra.append("never: " + ", ".join(term.forbidden))
        if term.dnt:
            extra.append("keep as is")
        lines.append(f"{term.source} → {term.preferred}"
                     + (f" ({'; '.join(extra)})" if extra else ""))
    return "\n".join(lines)
