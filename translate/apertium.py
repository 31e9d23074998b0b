"""Apertium, the rule-based engine from Debian, run as one persistent null-flush pipeline.

The pipeline is built from the pair's mode file with ``apertium-wblank-mode -z`` (as
apertium-apy does): each segment is one request ended by NUL, so sentence boundaries survive by
construction and the ~0.15 s start-up of the pipeline is paid once, not per batch. Inline Markdown
goes through Apertium's own stream format (``translate.apertium_stream``): emphasis, link text
and inline HTML as word-bound blanks (the markup follows its words when Apertium reorders them),
URLs, code, math and identifiers as superblanks (copied untouched).
"""

from __future__ import annotations

import os
import queue
import re
import select
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from diglot.errors import ConfigError, EngineError
from translate.apertium_stream import decode_noted, encode
from translate.engine import Engine, EngineConfig, Hypothesis
from translate.langs import Language, resolve
from translate.typography import tidy

_MODE = re.compile(r"^([a-z]{2,3})-([a-z]{2,3})$")


def modes_dir() -> Path:
    return Path(os.environ.get("APERTIUM_DATADIR", "/usr/share/apertium")) / "modes"


@dataclass(frozen=True)
class ApertiumPair:
    src: Language
    tgt: Language
    mode: Path

    @property
    def name(self) -> str:
        return self.mode.stem


def installed_pairs() -> list[ApertiumPair]:
    """Language pairs whose Apertium mode files are installed (variants like _US left out)."""
    if shutil.which("apertium-wblank-mode") is None or not modes_dir().is_dir():
        return []
    pairs = []
    for mode in sorted(modes_dir().glob("*.mode")):
        m = _MODE.match(mode.stem)
        if not m:
            continue
        try:
            pairs.append(ApertiumPair(resolve(m.group(1)), resolve(m.group(2)), mode))
        except ConfigError:
            continue
    return pairs


_SEP = "[<diglot/>]"
_FINAL = re.compile(r"[.!?;:…][\"'»”’)\]*_]*$")


def _groups(segments: Sequence[str], size: int = 64) -> list[list[int]]:
    """Group segments into requests. A group only continues after sentence-final punctuation,
    where Apertium's transfer rules stop, so no rule can move words across a boundary."""
    groups: list[list[int]] = []
    current: list[int] = []
    for i, text in enumerate(segments):
        current.append(i)
        if not _FINAL.search(text.rstrip()) or len(current) >= size:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups


class _Request:
    """One batch as Apertium requests: segments grouped, encoded and NUL-ended."""

    def __init__(self, segments: Sequence[str], group_size: int) -> None:
        self.segments = segments
        self.encoded = [encode(s) for s in segments]
        self.groups = _groups(segments, group_size)
        self.payload = "".join(_SEP.join(self.encoded[i][0] for i in g) + "[][\n]\0"
                               for g in self.groups).encode("utf-8")


#: Seconds without a byte from the pipeline before a request counts as lost: a request is at
#: most 64 sentences, which Apertium answers in well under a second.
ANSWER_TIMEOUT = 120.0


class _Reader:
    """Reads NUL-ended answers from the pipeline's output."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = b""
        self.ready: list[str] = []

    def read(self, n: int, timeout: float = ANSWER_TIMEOUT) -> list[str] | None:
        """The next n answers, or None when the pipeline closed first.

        Raises:
            TimeoutError: Nothing came for ``timeout`` seconds (a pipeline that lost a
                request's end would otherwise be waited for forever).
        """
        while len(self.ready) < n:
            if not select.select([self.fd], [], [], timeout)[0]:
                raise TimeoutError(f"no answer in {timeout:.0f} s")
            chunk = os.read(self.fd, 1 << 16)
            if not chunk:
                return None
            self.buffer += chunk
            *done, self.buffer = self.buffer.split(b"\0")
            self.ready += [d.decode("utf-8", errors="replace") for d in done]
        answers, self.ready = self.ready[:n], self.ready[n:]
        return answers


class ApertiumEngine:
    """One installed Apertium pair as a diglot engine."""

    #: Segments per committed batch; streaming keeps the pipeline busy across batches.
    preferred_batch = 64

    def __init__(self, pair: ApertiumPair, mark_unknown: bool = False) -> None:
        self.src, self.tgt, self.pair = pair.src, pair.tgt, pair
        self.mark_unknown = mark_unknown
        self._proc: subprocess.Popen[bytes] | None = None
        self._spare: ApertiumEngine | None = None
        # a file, not a pipe: a pipe nobody reads would block the pipeline once full
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the engine

    @property
    def config(self) -> EngineConfig:
        return EngineConfig("apertium", self.pair.name, {"mark_unknown": self.mark_unknown})

    def _start(self) -> subprocess.Popen[bytes]:
        if self._proc is None or self._proc.poll() is not None:
            script = subprocess.run(["apertium-wblank-mode", "-z", str(self.pair.mode)],
                                    capture_output=True, text=True, check=True).stdout
            gen = "-g" if self.mark_unknown else "-n"
            self._stderr.seek(0)
            self._stderr.truncate()
            self._proc = subprocess.Popen(["bash", "-c", script, "apertium", gen, ""],
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                          stderr=self._stderr)
        return self._proc

    def translate_batch(self, segments: Sequence[str]) -> list[Hypothesis]:
        # run the stream to its end: a stream left open is taken as abandoned and restarted
        return [h for batch in self.translate_stream([segments]) for h in batch]

    def translate_stream(self, batches: Iterable[Sequence[str]],
                         group_size: int = 64) -> Iterator[list[Hypothesis]]:
        """Translate batches through one pipeline that is never left to drain between them.

        A writer thread keeps feeding the next batches while this generator reads the answers
        of the current one, so a book costs what one long ``apertium`` call costs.

        Args:
            batches: Segments (sentences with inline Markdown), batch by batch.
            group_size: Most segments sent as one request; 1 sends each on its own.

        Yields:
            The hypotheses of each batch, in order.
        """
        proc = self._start()
        assert proc.stdin is not None and proc.stdout is not None  # noqa: S101 - set by Popen
        stdin, stdout = proc.stdin, proc.stdout
        pending: queue.Queue[_Request | None] = queue.Queue()
        errors: list[BaseException] = []

        def feed() -> None:
            try:
                for segments in batches:
                    request = _Request(segments, group_size)
                    pending.put(request)
                    stdin.write(request.payload)
                    stdin.flush()
            except BaseException as exc:  # reported by the reader, never lost in a thread
                errors.append(exc)
            finally:
                pending.put(None)

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        reader = _Reader(stdout.fileno())
        finished = False
        try:
            while (request := pending.get()) is not None:
                try:
                    answers = reader.read(len(request.groups))
                except TimeoutError as exc:
                    self._fail(f"pipeline for {self.pair.name} lost a request ({exc}); "
                               "run again to retry, and report the segment if it repeats")
                if answers is None:
                    self._fail(f"pipeline for {self.pair.name} stopped")
                yield self._decode(request, answers)
            writer.join()
            if errors:
                if isinstance(errors[0], OSError):
                    self._fail(f"pipeline for {self.pair.name} stopped ({errors[0]})")
                raise errors[0]
            finished = not reader.buffer and not reader.ready
        finally:
            if not finished:  # abandoned or broken mid-stream: the next call starts afresh
                self.close()

    def _decode(self, request: _Request, answers: list[str]) -> list[Hypothesis]:
        out: list[Hypothesis] = []
        for group, answer in zip(request.groups, answers, strict=True):
            parts = answer.split(_SEP)
            if len(parts) != len(group):  # a boundary moved: redo this group one by one
                out += self._one_by_one([request.segments[i] for i in group])
                continue
            for i, part in zip(group, parts, strict=True):
                text, note = decode_noted(part, request.encoded[i][1])
                out.append(Hypothesis(tidy(text, self.tgt), note=note))
        return out

    def _one_by_one(self, segments: list[str]) -> list[Hypothesis]:
        """Translate segments one request each, on a second pipeline (the first is streaming)."""
        if self._spare is None:
            self._spare = ApertiumEngine(self.pair, self.mark_unknown)
        return [h for batch in self._spare.translate_stream([segments], group_size=1)
                for h in batch]

    def _fail(self, message: str) -> NoReturn:
        detail = ""
        if self._proc is not None:
            self.close()
            self._stderr.seek(0)
            lines = self._stderr.read().decode("utf-8", errors="replace").strip().splitlines()
            detail = lines[-1] if lines else ""
        raise EngineError(f"apertium: {message} {detail}".strip())

    def close(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            for pipe in (self._proc.stdin, self._proc.stdout):
                if pipe is not None:
                    pipe.close()
            self._proc = None
        if self._spare is not None:
            self._spare.close()
            self._spare = None


class PivotEngine:
    """Translate through a third language: src→pivot with one engine, pivot→tgt with another."""

    preferred_batch = 64

    def __init__(self, first: Engine, second: Engine) -> None:
        self.first, self.second = first, second
        self.src, self.tgt = first.src, second.tgt

    @property
    def config(self) -> EngineConfig:
        a, b = self.first.config, self.second.config
        return EngineConfig(a.engine, f"{a.model}+{b.model}",
                            {"pivot": self.first.tgt.code, "first": a.params, "second": b.params})

    def translate_batch(self, segments: Sequence[str]) -> list[Hypothesis]:
        middle = self.first.translate_batch(segments)
        return _noted(middle, self.second.translate_batch([h.text for h in middle]))

    def translate_stream(self, batches: Iterable[Sequence[str]]) -> Iterator[list[Hypothesis]]:
        """Both pipelines stream: the second is fed from the first's answers as they come."""
        first = self.first.translate_stream(batches)  # type: ignore[attr-defined]
        middles: queue.Queue[list[Hypothesis]] = queue.Queue()  # filled by the feeding thread

        def texts() -> Iterator[list[str]]:
            for hyps in first:
                middles.put(hyps)
                yield [h.text for h in hyps]

        for hyps in self.second.translate_stream(texts()):  # type: ignore[attr-defined]
            yield _noted(middles.get(), hyps)

    def close(self) -> None:
        self.first.close()
        self.second.close()


def _noted(middle: list[Hypothesis], final: list[Hypothesis]) -> list[Hypothesis]:
    """The second leg's hypotheses with the first leg's notes too (a note is never lost)."""
    return [Hypothesis(b.text, b.score, "; ".join(n for n in (a.note, b.note) if n) or None)
            for a, b in zip(middle, final, strict=True)]


def open_apertium(src: Language, tgt: Language, mark_unknown: bool = False,
                  **_: object) -> Engine:
    """An Apertium engine for the pair, pivoting through a third language when needed.

    Raises:
        ConfigError: Apertium is not installed, or no direct or pivot path exists.
    """
    pairs = installed_pairs()
    if not pairs:
        raise ConfigError("apertium is not installed; on Debian/Ubuntu: sudo apt-get install "
                          "apertium apertium-eng-spa apertium-fr-es (or use --model)")
    by = {(p.src.iso3, p.tgt.iso3): p for p in pairs}
    if (src.iso3, tgt.iso3) in by:
        return ApertiumEngine(by[src.iso3, tgt.iso3], mark_unknown)
    for (a, mid), first in sorted(by.items()):
        if a == src.iso3 and (mid, tgt.iso3) in by:
            return PivotEngine(ApertiumEngine(first, mark_unknown),
                               ApertiumEngine(by[mid, tgt.iso3], mark_unknown))
    listed = ", ".join(f"{p.src.code}-{p.tgt.code}" for p in pairs)
    raise ConfigError(
        f"no Apertium pair for {src.code}→{tgt.code} (installed: {listed}); install "
        f"apertium-{src.iso3}-{tgt.iso3} if Debian has it, or use --model with a "
        "transformers model"
    )
