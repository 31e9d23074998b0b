"""Mixed-language sources: each paragraph's language is identified before translation.

Theory texts quote other languages, and machine-translated sources keep paragraphs in the
original. Sent through the document's pair, such a paragraph comes out as nonsense ("Windows
BONES" for an English paragraph run through fr→en). So before translating, each paragraph's
language is identified with lingua, and a paragraph confidently in another language is

- **kept** as it is when it is already in the target language (never sent to an engine);
- **routed** through that language's own pair (``en→es`` for English inside a French book going
  to Spanish) when the engine has one;
- **kept and flagged** otherwise, for a person to translate.

Only whole paragraphs are judged, and only long ones: lingua is unreliable on a short sentence,
and names, numbers, code, titles and quotations inside a sentence must never move a paragraph
(``benchmarks/source_lang.py`` measures the false positives on monolingual books). The decision
is per source text, like the translation memory: a text that is a French sentence somewhere in
the document is always translated as French.

Most paragraphs of a book are plainly in its language: their function words say so
(``evaluation.function_words``) and lingua is not asked; it identifies only the others, so a
book in one language rarely loads its models at all.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from corpora.document import Document
from corpora.inline import tokenize
from translate.engine import Engine, EngineConfig, Hypothesis
from translate.langs import Language, resolve

#: Goes into the engine configuration key: a change of rule never reuses old decisions.
CHECK = "lingua-paragraph-1"

#: Fewest words (names left out) a paragraph needs before its language is trusted: lingua
#: errs on short texts, and a heading or a motto is better translated as the book's
#: language than left alone.
MIN_WORDS = 8

#: Lowest lingua confidence (0-1, relative to the candidate languages) for another language.
#: Measured by ``benchmarks/source_lang.py``: the essay's English paragraphs score 0.88 and
#: up, while no paragraph of six monolingual texts (Manifesto fr/en/de, FLORES fra/spa/eng
#: dev, 3,772 paragraphs) scores another language above 0.70.
MIN_CONFIDENCE = 0.8

#: Candidate languages besides the pair and the routable ones: the common languages of quoted
#: and left-over passages, and Latin so that a motto is not taken for Italian or Spanish.
CANDIDATES = ("en", "fr", "de", "es", "it", "pt", "nl", "ru", "zh", "la")

ENGINE, KEPT, ROUTED, FLAGGED = "engine", "kept", "routed", "flagged"

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


@dataclass(frozen=True)
class Route:
    """What happens to one source text.

    Attributes:
        action: "engine" (the document's pair), "kept" (already in the target language),
            "routed" (through ``lang``'s pair) or "flagged" (kept: no pair for ``lang``).
        lang: The language identified for its paragraph (a diglot code), or "" if unknown.
        confidence: lingua's confidence in ``lang``, 0 to 1.
        tgt: The target language code, for the note.
    """

    action: str
    lang: str = ""
    confidence: float = 0.0
    tgt: str = ""

    @property
    def note(self) -> str | None:
        """The note stored with the translation (None when it went through the engine)."""
        name = resolve(self.lang).name if self.lang else "another language"
        if self.action == KEPT:
            return f"kept: already in target language ({name}, confidence {self.confidence:.2f})"
        if self.action == ROUTED:
            return f"routed: {self.lang}→{self.tgt} (source paragraph in {name})"
        if self.action == FLAGGED:
            return (f"kept: source paragraph in {name}, no {self.lang}→{self.tgt} pair; "
                    "translate it by hand")
        return None


@dataclass(frozen=True)
class Paragraph:
    """One translatable block's identified language.

    Attributes:
        block: The block's index in the document.
        line: Its first source line, 1-based.
        words: Words in its prose (inline code, URLs and markup left out).
        lang: The language lingua names ("" when too short to judge or unknown).
        confidence: lingua's confidence in ``lang``, 0 to 1.
        action: The route its segments take.
        evidence: What named ``lang``: "lingua", "function words" (plainly in the source
            language, lingua not asked) or "short".
    """

    block: int
    line: int
    words: int
    lang: str
    confidence: float
    action: str
    evidence: str = "lingua"


@dataclass(frozen=True)
class SourcePlan:
    """Routes for a document's source texts, and the paragraphs they come from."""

    routes: Mapping[str, Route]
    paragraphs: tuple[Paragraph, ...]
    tgt: str = ""
    unavailable: str = ""  # why nothing was identified, when the check cannot run

    def route(self, text: str) -> Route:
        return self.routes.get(text, Route(ENGINE))

    def summary(self, doc: Document) -> dict[str, object]:
        """Counts for summary.json: paragraphs per language, segments per language and
        decision, and every paragraph that did not go through the engine."""
        langs = Counter(p.lang or "short" for p in self.paragraphs)
        decisions: Counter[str] = Counter()
        per_lang: dict[str, Counter[str]] = {}
        for seg in doc.segments:
            if seg.translate:
                route = self.route(seg.text)
                decisions[route.action] += 1
                if route.action != ENGINE:
                    per_lang.setdefault(route.lang, Counter())[route.action] += 1
        if self.unavailable:
            return {"check": CHECK, "unavailable": self.unavailable}
        evidence = Counter(p.evidence for p in self.paragraphs)
        return {"check": CHECK, "paragraphs": dict(langs.most_common()),
                "evidence": {k: evidence[k] for k in ("function words", "lingua", "short")},
                "segments": {a: decisions[a] for a in (ENGINE, KEPT, ROUTED, FLAGGED)},
                "by_language": {k: dict(v) for k, v in sorted(per_lang.items())},
                "moved": [{"line": p.line, "lang": p.lang, "confidence": round(p.confidence, 3),
                           "decision": p.action, "note": Route(p.action, p.lang, p.confidence,
                                                              self.tgt).note}
                          for p in self.paragraphs if p.action != ENGINE]}


def prose(text: str) -> str:
    """The words of a segment that tell its language: inline code, URLs, references and
    markup left out, and names too (capitalised words after the first), since a name keeps
    its own language in any text ("Riomaggiore, Manarola, Corniglia" in a French sentence)."""
    found = _WORD.findall("".join(p.text for p in tokenize(text) if p.kind == "text"))
    return " ".join(w for k, w in enumerate(found) if k == 0 or not w[0].isupper())


def _lingua_code(codes: tuple[str, ...]) -> dict[str, str]:
    from evaluation.langid import _lingua

    return {str(_lingua(c)): c for c in codes if _lingua(c) is not None}


def identify(texts: Sequence[str], candidates: Iterable[str]) -> list[tuple[str, float]]:
    """The most likely language of each text among the candidates, with lingua's confidence.

    Args:
        texts: Paragraphs (prose only).
        candidates: diglot language codes to choose among.

    Returns:
        ``(code, confidence)`` per text; ``("", 0.0)`` where lingua names none.
    """
    return _start_identify(texts, candidates)()


def _start_identify(texts: Sequence[str], candidates: Iterable[str]
                    ) -> Callable[[], list[tuple[str, float]]]:
    """`identify`, started: lingua works in its process (`langid.warm_up`) while the caller
    goes on; the function returned waits for the answer."""
    from evaluation.langid import _top, submit

    codes = tuple(dict.fromkeys(resolve(c).code for c in candidates))
    if not texts:  # (no model loaded)
        return list
    names = _lingua_code(codes)
    pending = submit(_top, codes, list(texts))
    return lambda: [("", 0.0) if top is None else (names.get(top[0], ""), top[1])
                    for top in pending.result()]


def block_prose(doc: Document) -> dict[int, tuple[list[str], str]]:
    """Each translatable block's segment texts, and its prose joined for identification."""
    return {b: (texts, " ".join(prose(t) for t in texts)) for b, texts in _blocks(doc).items()}


def words(text: str) -> int:
    """Words (what ``MIN_WORDS`` counts)."""
    return len(_WORD.findall(text))


def decide(lang: str, confidence: float, n_words: int, src: Language, tgt: Language,
           has_pair: Callable[[str], bool], min_words: int = MIN_WORDS,
           min_confidence: float = MIN_CONFIDENCE) -> str:
    """The action for a paragraph of ``n_words`` words identified as ``lang``.

    Returns:
        "engine", "kept", "routed" or "flagged".
    """
    if n_words < min_words or not lang or lang == src.code or confidence < min_confidence:
        return ENGINE
    if lang == tgt.code:
        return KEPT
    return ROUTED if has_pair(lang) else FLAGGED


def candidates(src: Language, tgt: Language) -> tuple[str, ...]:
    """The languages a paragraph is identified among."""
    return tuple(dict.fromkeys((src.code, tgt.code, *CANDIDATES)))


def rough_prose(text: str) -> str:
    """``prose`` without the inline parser: URLs, e-mail addresses and code spans left out
    by pattern, names too. It keeps some words ``prose`` drops (an HTML tag's name, a
    file name), never fewer: enough for the function-word test and the word count of a
    short paragraph, for a hundredth of ``prose``'s time."""
    from evaluation.checks_text import CODE, URL

    found = _WORD.findall(CODE.sub(" ", URL.sub(" ", text)))
    return " ".join(w for k, w in enumerate(found) if k == 0 or not w[0].isupper())


def _blocks(doc: Document) -> dict[int, list[str]]:
    blocks: dict[int, list[str]] = {}
    for seg in doc.segments:
        if seg.translate:
            blocks.setdefault(seg.block, []).append(seg.text)
    return blocks


def identified(doc: Document, src: Language, tgt: Language
               ) -> dict[int, tuple[list[str], int, str, float, str]]:
    """Each translatable block's segment texts, words, language, confidence and evidence.

    Cheap evidence first: a block too short to judge even before markup is taken out, or
    plainly in ``src`` by its function words (``evaluation.function_words``), never reaches
    lingua; the others are identified by lingua on their prose, as ``identify`` does.

    Returns:
        block -> (texts, words, language, confidence, evidence); evidence is "short",
        "function words" (language ``src``, confidence 1.0) or "lingua".
    """
    return identifying(doc, src, tgt)[1]()


def identifying(doc: Document, src: Language, tgt: Language
                ) -> tuple[frozenset[str], Callable[[], dict[int, tuple[list[str], int, str,
                                                                         float, str]]]]:
    """`identified`, started: the texts of the blocks lingua is identifying, and a function
    that waits for lingua and returns what `identified` returns."""
    from evaluation.function_words import settled

    blocks = _blocks(doc)
    order = sorted(blocks)
    rough = {b: " ".join(rough_prose(t) for t in blocks[b]) for b in order}
    sizes = {b: words(rough[b]) for b in order}
    longer = [b for b in order if sizes[b] >= MIN_WORDS]
    plain = settled([rough[b] for b in longer], src.code, candidates(src, tgt))
    out: dict[int, tuple[list[str], int, str, float, str]] = {}
    todo: list[int] = []
    for b, known in zip(longer, plain, strict=True):
        if known:
            out[b] = (blocks[b], sizes[b], src.code, 1.0, "function words")
        else:
            todo.append(b)
    texts = {b: " ".join(prose(t) for t in blocks[b]) for b in todo}
    judged = [b for b in todo if words(texts[b]) >= MIN_WORDS]
    answer = _start_identify([texts[b] for b in judged], candidates(src, tgt))

    def finish() -> dict[int, tuple[list[str], int, str, float, str]]:
        found = dict(zip(judged, answer(), strict=True))
        for b in order:
            if b not in out:
                size = words(texts[b]) if b in texts else sizes[b]
                lang, conf = found.get(b, ("", 0.0))
                out[b] = (blocks[b], size, lang, conf, "lingua" if b in found else "short")
        return {b: out[b] for b in order}

    return frozenset(t for b in judged for t in blocks[b]), finish


def plan(doc: Document, src: Language, tgt: Language,
         has_pair: Callable[[str], bool]) -> SourcePlan:
    """Decide, per source text, whether it goes through the engine, is kept, or is routed.

    Args:
        doc: The parsed source document.
        src: The document's declared source language.
        tgt: The target language.
        has_pair: Whether an engine can translate from a language code into ``tgt``.

    Returns:
        The plan; texts not in it go through the engine.
    """
    return start_plan(doc, src, tgt, has_pair).result()


class PlanUnderWay:
    """A source plan whose undecided paragraphs lingua is still identifying.

    Attributes:
        undecided: The texts whose route waits for lingua (empty once `result` returned):
            every other text goes through the engine.
    """

    def __init__(self, undecided: frozenset[str], finish: Callable[[], SourcePlan]) -> None:
        self.undecided = undecided
        self._finish = finish
        self._plan: SourcePlan | None = None

    def result(self) -> SourcePlan:
        """The whole plan, waiting for lingua if it has not answered yet."""
        if self._plan is None:
            self._plan = self._finish()
            self.undecided = frozenset()
        return self._plan


def start_plan(doc: Document, src: Language, tgt: Language,
               has_pair: Callable[[str], bool]) -> PlanUnderWay:
    """`plan`, started: the paragraphs plainly in ``src`` are decided now, and lingua
    identifies the rest in its process (`evaluation.langid.warm_up`) while the caller goes
    on, e.g. translates. ``has_pair`` is called when the plan's `result` is taken."""
    from evaluation.langid import supported

    if not supported(src):  # its paragraphs would all look like a neighbour's (gl → es, pt)
        unsupported = SourcePlan({}, (), tgt.code, f"lingua has no model for {src.name}")
        return PlanUnderWay(frozenset(), lambda: unsupported)
    undecided, found = identifying(doc, src, tgt)

    def finish() -> SourcePlan:
        paragraphs: list[Paragraph] = []
        routes: dict[str, Route] = {}
        engine_texts: set[str] = set()
        for b, (texts, size, lang, conf, evidence) in found().items():
            action = decide(lang, conf, size, src, tgt, has_pair)
            paragraphs.append(Paragraph(b, doc.blocks[b].start + 1, size, lang, conf, action,
                                        evidence))
            for text in texts:
                if action == ENGINE:
                    engine_texts.add(text)
                else:
                    routes.setdefault(text, Route(action, lang, conf, tgt.code))
        # a text that is also part of a paragraph in the source language stays with the
        # engine
        return SourcePlan({t: r for t, r in routes.items() if t not in engine_texts},
                          tuple(paragraphs), tgt.code)

    return PlanUnderWay(undecided, finish)


class SourceRouter:
    """An engine that sends each segment where its plan says: the wrapped engine, another
    language's pair, or nowhere (kept as it is, with a note).

    A streaming engine (Apertium: local, a few milliseconds a sentence) starts at once, even
    while lingua still identifies some paragraphs (a `PlanUnderWay`): their segments go to
    it too, and each answer is held until the plan is whole, then kept, or replaced by the
    source (kept) or by the routed pair's translation. So lingua's model load is spent
    while the engine works. A batch engine (a model, an LLM server) waits for the whole
    plan and is sent only its own segments.

    Args:
        engine: The document pair's engine (any ``Engine``).
        plan: The routes of the document's source texts, whole or under way.
        pairs: An engine into the same target per routed language code, or a function that
            opens them from the whole plan (called once, when the plan is whole).
    """

    def __init__(self, engine: Engine, plan: SourcePlan | PlanUnderWay,
                 pairs: Mapping[str, Engine] | Callable[[SourcePlan], Mapping[str, Engine]],
                 ) -> None:
        self.engine, self.src, self.tgt = engine, engine.src, engine.tgt
        self._under_way = (plan if isinstance(plan, PlanUnderWay)
                           else PlanUnderWay(frozenset(), lambda: plan))
        self._open_pairs = pairs if callable(pairs) else (lambda _: pairs)
        self._pairs: dict[str, Engine] | None = None
        #: Segments given back as they are, never sent to an engine.
        self.kept = 0
        self.preferred_batch = int(getattr(engine, "preferred_batch", 32))
        self.translate_stream: Callable[[Iterable[Sequence[str]]],
                                        Iterator[list[Hypothesis]]] | None = None
        if getattr(engine, "translate_stream", None) is not None:
            self.translate_stream = self._stream

    @property
    def plan(self) -> SourcePlan:
        """The whole plan (waits for lingua if it has not answered yet)."""
        return self._under_way.result()

    @property
    def pairs(self) -> dict[str, Engine]:
        """The routed languages' engines (waits for the whole plan)."""
        if self._pairs is None:
            self._pairs = dict(self._open_pairs(self.plan))
        return self._pairs

    @property
    def config(self) -> EngineConfig:
        inner = self.engine.config
        return EngineConfig(inner.engine, inner.model,
                            {**inner.params, "source_lang_check": CHECK})

    def close(self) -> None:
        self.engine.close()
        for pair in (self._pairs or {}).values():
            pair.close()

    def _split(self, segments: Sequence[str]
               ) -> tuple[list[Hypothesis | None], list[int], dict[str, list[int]]]:
        """Each segment's answer where it is known now, the indices for the engine, and the
        indices per routed language. A segment whose paragraph lingua is still identifying
        goes to the engine for now (`_settle` decides)."""
        out: list[Hypothesis | None] = [None] * len(segments)
        main: list[int] = []
        routed: dict[str, list[int]] = {}
        if self._under_way.undecided:  # every decided text is one plainly in the source
            return out, list(range(len(segments))), routed  # language: all to the engine
        for i, text in enumerate(segments):
            route = self.plan.route(text)
            if route.action == ROUTED:
                routed.setdefault(route.lang, []).append(i)
            elif route.action in (KEPT, FLAGGED):
                out[i] = Hypothesis(text, note=route.note)
                self.kept += 1
            else:
                main.append(i)
        return out, main, routed

    def _settle(self, segments: Sequence[str], out: list[Hypothesis | None],
                main: list[int], routed: dict[str, list[int]], undecided: frozenset[str],
                ) -> None:
        """Put the whole plan's decision on the engine's answers to segments that were
        undecided when they were sent: keep, replace by the source, or route."""
        for i in main:
            if segments[i] not in undecided:
                continue
            route = self.plan.route(segments[i])
            if route.action == ROUTED:
                routed.setdefault(route.lang, []).append(i)
            elif route.action in (KEPT, FLAGGED):
                out[i] = Hypothesis(segments[i], note=route.note)
                self.kept += 1

    def _route(self, segments: Sequence[str], out: list[Hypothesis | None],
               routed: dict[str, list[int]]) -> list[Hypothesis]:
        for lang, idx in routed.items():
            hyps = self.pairs[lang].translate_batch([segments[i] for i in idx])
            for i, h in zip(idx, hyps, strict=True):
                note = self.plan.route(segments[i]).note
                out[i] = Hypothesis(h.text, h.score, f"{note}; {h.note}" if h.note else note)
        return [h for h in out if h is not None]

    def translate_batch(self, segments: Sequence[str]) -> list[Hypothesis]:
        self._under_way.result()  # a model or a server is sent nothing before the plan is
        out, main, routed = self._split(segments)  # whole: no work done to be thrown away
        if main:
            for i, h in zip(main, self.engine.translate_batch([segments[i] for i in main]),
                            strict=True):
                out[i] = h
        return self._route(segments, out, routed)

    def _stream(self, batches: Iterable[Sequence[str]]) -> Iterator[list[Hypothesis]]:
        """The wrapped engine's stream, fed only the segments that are its own."""
        undecided = self._under_way.undecided
        todo = [(list(b), self._split(b)) for b in batches]
        feed = [[b[i] for i in main] for b, (_, main, _) in todo if main]
        stream: Iterator[list[Hypothesis]] = (
            self.engine.translate_stream(feed) if feed  # type: ignore[attr-defined]
            else iter(()))
        try:
            for segments, (out, main, routed) in todo:
                if main:
                    for i, h in zip(main, next(stream), strict=True):
                        out[i] = h
                self._settle(segments, out, main, routed, undecided)
                yield self._route(segments, out, routed)
        finally:
            close = getattr(stream, "close", None)
            if close is not None:  # a generator left early: let the engine clean up
                close()


def route_sources(engine: Engine, doc: Document,
                  open_pair: Callable[[Language], Engine | None]) -> SourceRouter:
    """Wrap an engine so that each paragraph of ``doc`` goes where its language says.

    The paragraphs plainly in the document's language are decided now; lingua identifies
    the others while the engine starts (`start_plan`).

    Args:
        engine: The engine for the document's pair.
        doc: The parsed source document.
        open_pair: Opens an engine from a language into ``engine.tgt``, or returns None
            when there is none; called once per language found, when the plan is whole.

    Returns:
        The wrapping engine; its config differs from ``engine``'s by the check's version.
    """
    opened: dict[str, Engine | None] = {}

    def has_pair(code: str) -> bool:
        if code not in opened:
            opened[code] = open_pair(resolve(code))
        return opened[code] is not None

    def pairs(decided: SourcePlan) -> dict[str, Engine]:
        used = {r.lang for r in decided.routes.values() if r.action == ROUTED}
        kept = {}
        for code, pair in opened.items():
            if pair is not None and code in used:
                kept[code] = pair
            elif pair is not None:
                pair.close()
        return kept

    return SourceRouter(engine, start_plan(doc, engine.src, engine.tgt, has_pair), pairs)


def describe(info: Mapping[str, Any]) -> str | None:
    """One line for the CLI from summary.json's ``source_languages`` (None if it is empty)."""
    if info.get("check") == "off":
        return "source language check: off (every paragraph went through the engine)"
    if not info:
        return None
    if info.get("unavailable"):
        return f"source language check: not run ({info['unavailable']})"
    seg, langs = info["segments"], info["paragraphs"]
    named = ", ".join(f"{n} {lang}" for lang, n in langs.items())
    return (f"source languages of {sum(langs.values())} paragraphs: {named}; segments "
            f"kept as already in the target language {seg[KEPT]}, routed through another "
            f"pair {seg[ROUTED]}, kept and flagged (no pair) {seg[FLAGGED]}")


def flagged_sources(doc: Document, info: Mapping[str, Any]) -> dict[str, str]:
    """Source texts kept for want of a pair, with their notes, from summary.json's
    ``source_languages`` (its ``moved`` paragraphs, by first line)."""
    notes = {m["line"]: m["note"] for m in info.get("moved", []) if m["decision"] == FLAGGED}
    out = {}
    for seg in doc.segments:
        line = doc.blocks[seg.block].start + 1
        if seg.translate and line in notes:
            out[seg.text] = notes[line]
    return out


class FlaggedSourceCheck:
    """QA: a paragraph kept in its own language because no engine has its pair still needs a
    translator (a warning, shown with the other flags in the report).

    Args:
        notes: Source text -> the note saying which language and pair (``flagged_sources``).
    """

    name = "source_language"
    severity = "warning"

    def __init__(self, notes: Mapping[str, str]) -> None:
        self.notes = dict(notes)

    def run(self, items: Sequence[Any], ctx: Any) -> list[Any]:
        from evaluation.qa import Flag

        return [Flag(self.name, self.severity, it.id, self.notes[it.source]) for it in items
                if it.source in self.notes and it.target == it.source]
