"""Local LLMs behind an OpenAI-compatible server (llama.cpp, Ollama, vLLM), run with the
discipline of an NMT engine.

An LLM translates well when asked one thing at a time and badly when trusted: it prefaces,
comments, answers in the wrong language, stops halfway through a paragraph or drops a number.
So every answer is cleaned (``translate.prompts.clean``) and judged by diglot's own QA checks
(empty, copied, wrong language, truncated, numbers, length, repetition, markup). A segment
that fails is asked again at a finer unit — a sentence alone, then with a little sampling —
and after ``attempts`` tries handed to a fallback engine (``--fallback apertium``) when there
is one. Every retry, fallback or unresolved problem is recorded on the segment's translation
(``Hypothesis.note``), so a reviewer can find them.

Units (``--unit``):

- ``sentence``: one sentence per request, requests independent (up to ``concurrency`` at once).
- ``context``: one sentence per request, after the sentences just translated (source and this
  engine's translation, as the last examples), so terms and tone carry over; sequential.
- ``paragraph``: up to ``paragraph_size`` consecutive sentences per request; the answer is split
  into sentences and aligned to the source (Gale–Church) when the counts differ; sentences
  that do not come out one-to-one are redone alone.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from corpora.inline import keep_markup
from diglot.errors import ConfigError, EngineError
from evaluation.checks import LengthCheck, default_checks
from evaluation.qa import PROBLEMS, Check, Context, Item
from translate.engine import Engine, EngineConfig, Hypothesis, open_engine
from translate.langs import Language
from translate.openai_api import Client, Reply
from translate.prompts import Request, chat_messages, clean, completion_prompt, examples_for

if TYPE_CHECKING:
    from glossary.termbase import TermBase

ENDPOINTS = {"chat": "/chat/completions", "completions": "/completions"}
UNITS = ("sentence", "context", "paragraph")
#: Problems no translation may keep: it would lose or garble text. The others (numbers,
#: length, markup) are kept with a note when nothing better came back.
FATAL = frozenset({"empty", "copied", "untranslated", "truncated", "repetition", "rambling"})
#: Bump when prompts change: translations are reused only under the same prompts.
PROMPT_VERSION = 2

T = TypeVar("T")
R = TypeVar("R")


class LLMEngine:
    """Translation by an LLM on an OpenAI-compatible server.

    Args:
        src: Source language.
        tgt: Target language.
        model: The server's model name; by default the first model it lists.
        base_url: The API root (``http://127.0.0.1:8080/v1`` for llama.cpp,
            ``http://127.0.0.1:11434/v1`` for Ollama, ``http://127.0.0.1:8000/v1`` for vLLM).
        endpoint: "completions" (few-shot prompt, base models) or "chat" (instruction models).
        unit: "sentence", "context" or "paragraph" (see the module doc); by default "sentence"
            for completions and "context" for chat.
        api_key_env: Environment variable holding the API key, when the server wants one.
        timeout: Seconds to wait for one answer.
        retries: HTTP retries (with backoff) for timeouts, refused connections and 5xx.
        concurrency: Requests in flight at once (for servers with parallel slots).
        examples: A TSV of few-shot pairs; by default the built-in ones for the pair.
        fallback: Registry name of an engine for segments the LLM keeps getting wrong.
        attempts: Tries per segment before the fallback (the first at the chosen unit).
        context_size: Preceding sentences shown with the ``context`` unit.
        paragraph_size: Most sentences per request with the ``paragraph`` unit.
    """

    preferred_batch = 16

    def __init__(self, src: Language, tgt: Language, model: str | None = None,
                 base_url: str = "http://127.0.0.1:8080/v1", endpoint: str = "completions",
                 unit: str | None = None, api_key_env: str | None = None,
                 timeout: float = 120.0, retries: int = 3, concurrency: int = 1,
                 examples: Path | None = None, fallback: str | None = None, attempts: int = 3,
                 context_size: int = 2, paragraph_size: int = 5, backoff: float = 1.0,
                 **_: object) -> None:
        if endpoint not in ENDPOINTS:
            raise ConfigError(f"unknown endpoint {endpoint!r}; choose one of "
                              f"{', '.join(ENDPOINTS)}")
        unit = unit or ("sentence" if endpoint == "completions" else "context")
        if unit not in UNITS:
            raise ConfigError(f"unknown unit {unit!r}; choose one of {', '.join(UNITS)}")
        if concurrency < 1 or attempts < 1:
            raise ConfigError("--concurrency and the number of attempts must be at least 1")
        self.src, self.tgt = src, tgt
        self.endpoint, self.unit = endpoint, unit
        self.attempts, self.concurrency = attempts, concurrency
        self.context_size, self.paragraph_size = context_size, paragraph_size
        self.examples = examples_for(src, tgt, examples)
        if endpoint == "completions" and not self.examples:
            raise ConfigError(f"no built-in examples for {src.name}→{tgt.name}; a base model "
                              "needs a few: give --examples FILE.tsv (source<TAB>target lines)")
        self.client = Client(base_url, api_key_env, timeout, retries, backoff)
        self.model = model or self._first_model()
        self.fallback: Engine | None = (open_engine(fallback, src, tgt) if fallback else None)
        self.terms: TermBase | None = None
        self._checker: Any = None
        # QA's checks, the length one with its fixed prior: a batch is not a document whose
        # own length statistics could be trusted
        self._checks: list[Check] = [
            LengthCheck(min_items=10**9) if isinstance(check, LengthCheck) else check
            for check in default_checks(Context(src, tgt))]
        self._history: deque[tuple[str, str]] = deque(maxlen=max(context_size, 1))
        self._done: OrderedDict[str, Hypothesis] = OrderedDict()
        self._failed: dict[str, str] = {}
        self.stats: Counter[str] = Counter()
        self._rambling: set[str] = set()  # answers cut by the token limit
        self._lock = threading.Lock()
        shots = "builtin" if examples is None else hashlib.sha256(
            repr(self.examples).encode()).hexdigest()[:12]
        self._params: dict[str, Any] = {
            "endpoint": endpoint, "unit": unit, "prompt": PROMPT_VERSION, "examples": shots,
            "attempts": attempts, "fallback": fallback}
        if unit == "context":
            self._params["context"] = context_size
        if unit == "paragraph":
            self._params["paragraph"] = paragraph_size

    def _first_model(self) -> str:
        names = [n for n in self.client.models() if n]
        if not names:
            raise ConfigError(f"{self.client.base_url}/models lists no model; give --model")
        return names[0]

    @property
    def config(self) -> EngineConfig:
        return EngineConfig("llm", self.model, dict(self._params))

    def use_terms(self, base: TermBase) -> None:
        """Put the glossary entries relevant to each request into its prompt."""
        from glossary.check import TermChecker

        self.terms = base
        self._checker = TermChecker(base)

    def translate_batch(self, segments: Sequence[str]) -> list[Hypothesis]:
        """Translate segments, judged and retried as the module doc says.

        Raises:
            EngineError: A segment had no acceptable translation (the others are kept, so
                asking again for them alone costs no request).
        """
        fresh = [s for s in dict.fromkeys(segments) if s not in self._done
                 and s not in self._failed]
        if fresh:
            self._translate(fresh)
        for s in segments:
            if s in self._failed:
                raise EngineError(self._failed[s])
        return [self._done[s] for s in segments]

    def close(self) -> None:
        if self.fallback is not None:
            self.fallback.close()

    # The ladder: the chosen unit, then sentences alone, then fallback.

    def _translate(self, texts: list[str]) -> None:
        answers = self._first_pass(texts)
        problems = self._judge(texts, answers)
        first = {t: p for t, p in problems.items() if p}
        notes: dict[str, str] = {}
        for attempt in range(1, self.attempts):
            wrong = [t for t in texts if problems[t]]
            if not wrong:
                break
            self.stats["retried"] += len(wrong)
            again = self._map(partial(self._retry, attempt=attempt), wrong)
            answers.update(zip(wrong, again, strict=True))
            problems.update(self._judge(wrong, {t: answers[t] for t in wrong}))
            for t in wrong:
                notes[t] = f"retried {attempt}× by sentence ({first[t][0]})"
        self._settle(texts, answers, problems, notes)

    def _settle(self, texts: list[str], answers: dict[str, str],
                problems: dict[str, list[str]], notes: dict[str, str]) -> None:
        left = [t for t in texts if problems[t]]
        fallback: dict[str, str] = {}
        if left and self.fallback is not None:
            try:
                got = self.fallback.translate_batch(left)
                fallback = {t: h.text for t, h in zip(left, got, strict=True)}
            except EngineError as exc:
                self.stats["fallback_failed"] += len(left)
                notes.update({t: f"fallback failed: {exc}" for t in left})
        for t in texts:
            wrong = problems[t]
            if not wrong:
                self._keep(t, Hypothesis(answers[t], note=notes.get(t)))
            elif t in fallback:
                self.stats["fallback"] += 1
                self._keep(t, Hypothesis(fallback[t], note=f"fallback {self.fallback_name}: "
                                         f"{wrong[0]}"))
            elif not FATAL.intersection(w.split(":")[0] for w in wrong):
                self.stats["unresolved"] += 1
                kept = keep_markup(t, answers[t])[0]  # lost markup put back, never dropped
                self._keep(t, Hypothesis(kept, note="unresolved: " + "; ".join(wrong)))
            else:
                self.stats["failed"] += 1
                self._failed[t] = (f"the LLM gave no acceptable translation in "
                                   f"{self.attempts} tries ({wrong[0]}); add --fallback "
                                   "apertium or try another --unit or model")
            if t not in self._failed and self.unit == "context":
                self._history.append((t, self._done[t].text))

    @property
    def fallback_name(self) -> str:
        return self.fallback.config.engine if self.fallback is not None else ""

    def _keep(self, text: str, hyp: Hypothesis) -> None:
        self._done[text] = hyp
        while len(self._done) > 4096:
            self._done.popitem(last=False)

    def _first_pass(self, texts: list[str]) -> dict[str, str]:
        if self.unit == "paragraph":
            chunks = [texts[i:i + self.paragraph_size]
                      for i in range(0, len(texts), self.paragraph_size)]
            answers: dict[str, str] = {}
            for part in self._map(self._ask_paragraph, chunks):
                answers.update(part)
            return answers
        if self.unit == "sentence":
            return dict(zip(texts, self._map(lambda t: self._ask(Request(t)), texts),
                            strict=True))
        answers = {}
        recent = deque(self._history, maxlen=self._history.maxlen)
        for t in texts:  # context: each sentence after the ones just translated
            answers[t] = self._ask(Request(t, context=list(recent)))
            recent.append((t, answers[t]))
        return answers  # the history keeps the final translations (_settle)

    def _retry(self, text: str, attempt: int) -> str:
        return self._ask(Request(text), attempt)

    def _ask_paragraph(self, chunk: list[str]) -> dict[str, str]:
        if len(chunk) == 1:
            return {chunk[0]: self._ask(Request(chunk[0]))}
        answer = self._ask(Request(" ".join(chunk), paragraph=True))
        from corpora.splitter import split_sentences

        pieces = [s for s, _ in split_sentences(answer, self.tgt.code)]
        if len(pieces) == len(chunk):
            return dict(zip(chunk, pieces, strict=True))
        self.stats["realigned"] += 1
        out = {t: "" for t in chunk}  # left empty: judged "empty" and redone alone
        for bead in _align(chunk, pieces):
            if len(bead.src) == 1 and len(bead.tgt) == 1:
                out[chunk[bead.src[0]]] = pieces[bead.tgt[0]]
        return out

    def _ask(self, req: Request, attempt: int = 0) -> str:
        """One request; its cleaned answer (one cut by the token limit is noted for the
        judge)."""
        if self.terms is not None:
            from glossary.enforce import prompt_block, prompt_entries

            req = Request(req.text, req.context, prompt_block(
                prompt_entries(self.terms, req.text, self._checker)), req.paragraph)
        reply = self._generate(req, attempt)
        text = clean(reply.text, req.text, self.src, self.tgt, req.paragraph)
        with self._lock:
            self.stats["requests"] += 1
            if reply.finish == "length":
                self._rambling.add(text)
        return text

    def _generate(self, req: Request, attempt: int) -> Reply:
        # longer inputs need more tokens; a translation beyond ~2× its source is rambling
        limit = len(req.text) // 2 + 48
        payload: dict[str, Any] = {"model": self.model, "max_tokens": limit,
                                   "temperature": 0.0 if attempt == 0 else 0.3 * attempt}
        if attempt:
            payload["seed"] = attempt
        if self.endpoint == "chat":
            payload["messages"] = chat_messages(self.src, self.tgt, req, self.examples)
        else:
            payload["prompt"] = completion_prompt(self.src, self.tgt, req, self.examples)
            payload["stop"] = ["\n\n", f"\n{self.src.name}:"] if req.paragraph else ["\n"]
        return self.client.generate(ENDPOINTS[self.endpoint], payload)

    def _judge(self, texts: list[str], answers: dict[str, str]) -> dict[str, list[str]]:
        """Each text's problems as "check: message" strings; [] when the answer is fine."""
        items = [Item(str(k), t, answers[t]) for k, t in enumerate(texts)]
        ctx = Context(self.src, self.tgt)
        found: dict[str, list[str]] = {
            t: ["rambling: the answer ran to the length limit"]
            if answers[t] and answers[t] in self._rambling else [] for t in texts}
        for check in self._checks:
            try:
                flags = check.run(items, ctx)
            except ConfigError:  # no language model for this language: that check is skipped
                continue
            for flag in flags:  # an info note (a Latin motto copied as it is) is no problem
                if flag.severity in PROBLEMS:
                    found[texts[int(flag.item)]].append(f"{flag.check}: {flag.message}")
        for t in texts:  # the source's links, HTML, code and emphasis, each in the answer
            lost = keep_markup(t, answers[t])[1] if answers[t] else None
            if lost:
                found[t].append(lost)
        return found

    def _map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        if self.concurrency == 1 or len(items) < 2:
            return [fn(x) for x in items]
        with ThreadPoolExecutor(min(self.concurrency, len(items))) as pool:
            return list(pool.map(fn, items))


def _align(src: Sequence[str], tgt: Sequence[str]) -> list[Any]:
    """Sentence beads between a paragraph's sources and its translation's sentences."""
    from align.dp import align, bead_types
    from align.scorers import GaleChurch

    scorer = GaleChurch()
    scorer.fit(src, tgt)
    return align(scorer.prepare(src, tgt), bead_types())
