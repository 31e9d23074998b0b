"""A real review server for tests and benchmarks: a real store, a real subprocess, real HTTP.

``build_store`` runs the real pipeline (Apertium) on the Spanish sample; ``manifesto_store``
builds the benchmark's store (the French Manifesto translated to Spanish, repeated to about
10,000 beads); ``serve`` starts ``python -m diglot review DB --port P`` on a free loopback port
and waits until ``GET /api/session`` answers; ``kill`` ends it with SIGKILL (a crash).
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "diglot" / "samples"
SAMPLE = SAMPLES / "ensayo.es.md"
GLOSSARY = SAMPLES / "glosario.es-en.tsv"
SHARED = ROOT.parent / "shared" / "data"
MANIFESTO = SHARED / "manifesto" / "fr.md"
START_TIMEOUT = 60.0  # seconds; two busy cores can make uvicorn's first import slow


class ServerError(RuntimeError):
    """The review server did not start or answer; the message carries its stderr."""


@dataclass(frozen=True)
class Server:
    """A running review server: its base URL (no trailing slash), process and port."""

    url: str
    process: subprocess.Popen[bytes]
    port: int


def build_store(tmp: Path) -> Path:
    """Run the real pipeline on the sample (es→en, Apertium, sample glossary) into ``tmp``.

    Args:
        tmp: An empty folder; the run's outputs and its project store go there.

    Returns:
        The project store (``tmp/diglot.db``) holding one bitext of the sample.
    """
    from diglot.pipeline import RunOptions, run

    summary = run(RunOptions(SAMPLE, "es", "en", engine="apertium", out=tmp,
                             glossary=GLOSSARY))
    return Path(summary.outputs["project"])


def _without_front_matter(text: str) -> str:
    return re.sub(r"\A---\n.*?\n---\n", "", text, count=1, flags=re.S)


def _blocks_up_to(body: str, beads: int, src: str) -> tuple[list[str], int]:
    """Body blocks (blank-line separated) holding about ``beads`` segments, and that count."""
    from corpora.ingest import parse_text

    blocks = [b for b in re.split(r"\n\s*\n", body) if b.strip()]
    sizes = [sum(s.translate for s in parse_text(b + "\n", src, "x.md", "markdown").segments)
             for b in blocks]
    per_copy = sum(sizes)
    if per_copy == 0:
        raise ValueError("the Manifesto text has no segments to translate")
    chosen: list[str] = []
    count = 0
    while count < beads:
        for block, size in zip(blocks, sizes, strict=True):
            if count >= beads:
                break
            chosen.append(block)
            count += size
    return chosen, count


def manifesto_store(tmp: Path, beads: int = 10_000) -> Path:
    """The benchmark store: the French Manifesto translated to Spanish, repeated to ``beads``.

    The Markdown file given to the pipeline is the Manifesto repeated (front matter once) until
    it holds about ``beads`` segments; the translation memory makes the repeats nearly free,
    and every bead in the store is a real one written by the real pipeline.

    Args:
        tmp: An empty folder for the input file, the run's outputs and the store.
        beads: About how many beads the store should hold.

    Returns:
        The project store (``tmp/out/diglot.db``).

    Raises:
        FileNotFoundError: ../shared/data/manifesto/fr.md is absent (it is beside the
            project in CI only); callers skip with that reason.
    """
    from diglot.pipeline import RunOptions, run

    if not MANIFESTO.is_file():
        raise FileNotFoundError(f"{MANIFESTO} is absent (../shared/data is beside the project "
                                f"in CI only)")
    body = _without_front_matter(MANIFESTO.read_text(encoding="utf-8"))
    blocks, _ = _blocks_up_to(body, beads, "fr")
    tmp.mkdir(parents=True, exist_ok=True)
    path = tmp / "manifeste.fr.md"
    path.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    summary = run(RunOptions(path, "fr", "es", engine="apertium", out=tmp / "out"))
    return Path(summary.outputs["project"])


def free_port() -> int:
    """A loopback TCP port that was free a moment ago (bound, then closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stderr_tail(log: IO[bytes], limit: int = 4000) -> str:
    log.flush()
    log.seek(0)
    text = log.read().decode("utf-8", "replace")
    return text[-limit:] or "(nothing on stderr)"


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: IO[bytes],
                timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerError(f"the review server exited with status {process.returncode} "
                              f"before answering; its stderr:\n{_stderr_tail(log)}")
        try:
            response = httpx.get(f"{url}/api/session", timeout=2.0)
            if response.status_code < 500:
                return
            last = f"HTTP {response.status_code}: {response.text[:200]}"
        except httpx.HTTPError as exc:
            last = f"{type(exc).__name__}: {exc}"
        time.sleep(0.1)
    raise ServerError(f"the review server at {url} did not answer GET /api/session within "
                      f"{timeout:.0f} s (last: {last}); its stderr:\n{_stderr_tail(log)}")


def stop(server: Server, timeout: float = 10.0) -> None:
    """SIGTERM the server and wait; SIGKILL it if it does not stop within ``timeout``."""
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout)
        except subprocess.TimeoutExpired:
            kill(server)


def kill(server: Server) -> None:
    """SIGKILL the server (a crash: no shutdown handler runs) and reap it."""
    if server.process.poll() is None:
        os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait()


@contextmanager
def serve(db: Path, *, user: str | None = None, env: Mapping[str, str] | None = None,
          timeout: float = START_TIMEOUT) -> Iterator[Server]:
    """Start ``python -m diglot review DB`` as a subprocess on a free loopback port.

    Args:
        db: The project store to review.
        user: The local-mode user (``--user``); None leaves the server's default.
        env: Extra environment variables for the server process.
        timeout: Seconds to wait for ``GET /api/session`` to answer.

    Yields:
        The running server; it is stopped (SIGTERM, then SIGKILL) on exit.

    Raises:
        ServerError: The server exited or did not answer in time (with its stderr).
    """
    port = free_port()
    command = [sys.executable, "-m", "diglot", "review", str(db), "--host", "127.0.0.1",
               "--port", str(port)]
    if user is not None:
        command += ["--user", user]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log,
                                   env={**os.environ, **(env or {})})
        server = Server(f"http://127.0.0.1:{port}", process, port)
        try:
            _wait_ready(server.url, process, log, timeout)
            yield server
        finally:
            stop(server)


@dataclass(frozen=True)
class Outcome:
    """One write a simulated reviewer sent and what came back.

    Attributes:
        kind: "edit", "status", or "read" (only for a read that got no answer).
        user: Who sent it.
        bead: The bead's id.
        status: The HTTP status; 0 when no answer came (connection refused or broken).
        seconds: Wall time from sending to the whole answer.
        text: The edit's text (unique per request), or the status asked for.
        version: The bead's version in a 200 answer.
        problem: What was wrong with the answer's body, "" when nothing.
    """

    kind: str
    user: str
    bead: int
    status: int
    seconds: float
    text: str
    version: int | None = None
    problem: str = ""


@dataclass
class Reviewer:
    """A logged-in HTTP client: its user name, CSRF token and what it knows of bead versions."""

    user: str
    client: httpx.AsyncClient
    csrf: str
    versions: dict[int, int] = field(default_factory=dict)


async def open_reviewer(url: str, user: str, password: str | None) -> Reviewer:
    """A client with its own session: local mode (no password) or an account's login.

    Raises:
        httpx.HTTPStatusError: The session or login request was refused.
    """
    client = httpx.AsyncClient(base_url=url, timeout=60.0)
    if password is None:
        response = await client.get("/api/session")
    else:
        response = await client.post("/api/login", json={"name": user, "password": password})
    response.raise_for_status()
    return Reviewer(user, client, str(response.json()["csrf"]))


async def bead_versions(reviewer: Reviewer, bitext: int, count: int) -> dict[int, int]:
    """Ids and versions of the first ``count`` beads of a bitext, in document order."""
    versions: dict[int, int] = {}
    while len(versions) < count:
        page = await reviewer.client.get(f"/api/bitexts/{bitext}/beads",
                                         params={"offset": len(versions), "limit": 100})
        page.raise_for_status()
        beads = page.json()["beads"]
        if not beads or int(beads[0]["id"]) in versions:  # the end (or a server repeating)
            break
        versions.update((int(b["id"]), int(b["version"])) for b in beads[:count - len(versions)])
    return versions


def _check_conflict(body: dict[str, Any], asked: dict[str, Any]) -> str:
    current, yours = body.get("current"), body.get("yours")
    if not isinstance(current, dict) or "version" not in current or "target" not in current:
        return f"409 without the current bead: {str(body)[:200]}"
    if not isinstance(yours, dict) or any(yours.get(k) != v for k, v in asked.items()):
        return f"409 without the request's version ({asked}): {str(body)[:200]}"
    return ""


async def write_once(reviewer: Reviewer, bitext: int, bead: int, kind: str, value: str
                     ) -> Outcome:
    """Send one edit (``value`` is the text) or status change and learn the new version."""
    path = f"/api/bitexts/{bitext}/beads/{bead}/{kind}"
    asked = {"text": value} if kind == "edit" else {"status": value}
    body = {**asked, "base_version": reviewer.versions[bead]}
    start = time.perf_counter()
    try:
        response = await reviewer.client.post(path, json=body,
                                              headers={"X-CSRF-Token": reviewer.csrf})
    except httpx.TransportError as exc:
        return Outcome(kind, reviewer.user, bead, 0, time.perf_counter() - start, value,
                       problem=f"{type(exc).__name__}: {exc}")
    seconds = time.perf_counter() - start
    version, problem = None, ""
    try:
        data = response.json()
    except ValueError:
        data, problem = {}, f"not JSON: {response.text[:200]}"
    if response.status_code == 200:
        version = reviewer.versions[bead] = int(data["version"])
    elif response.status_code == 409:
        problem = _check_conflict(data, asked)
        if not problem:
            reviewer.versions[bead] = int(data["current"]["version"])
    elif response.status_code < 500:  # e.g. 403: changing another's confirmation
        try:
            fresh = await reviewer.client.get(f"/api/bitexts/{bitext}/beads/{bead}")
        except httpx.TransportError:  # the server is gone (killed): the loop ends
            fresh = None
        if fresh is not None and fresh.status_code == 200:
            reviewer.versions[bead] = int(fresh.json()["version"])
    return Outcome(kind, reviewer.user, bead, response.status_code, seconds, value, version,
                   problem)


async def review_loop(reviewer: Reviewer, bitext: int, deadline: float, seed: int,
                      edit_share: float = 0.7, reread_share: float = 0.5, pause: float = 0.0
                      ) -> list[Outcome]:
    """Edit (unique texts) and confirm random beads until ``deadline`` or the server is gone.

    Before ``reread_share`` of the writes the reviewer reads the bead; otherwise the version
    comes from its own last answers, so a bead someone else changed since meets a conflict,
    as it would in a browser left open. Between writes it waits a random 0 to 2 × ``pause``
    seconds (0: back to back).
    """
    rng = random.Random(seed)
    beads = sorted(reviewer.versions)
    outcomes: list[Outcome] = []
    n = 0
    while time.monotonic() < deadline:
        if pause > 0:
            await asyncio.sleep(rng.uniform(0, 2 * pause))
        bead = rng.choice(beads)
        n += 1
        if rng.random() < reread_share:  # looks at the bead first, as a reviewer would
            try:
                fresh = await reviewer.client.get(f"/api/bitexts/{bitext}/beads/{bead}")
            except httpx.TransportError as exc:
                outcomes.append(Outcome("read", reviewer.user, bead, 0, 0.0, "",
                                        problem=f"{type(exc).__name__}: {exc}"))
                break
            if fresh.status_code == 200:
                reviewer.versions[bead] = int(fresh.json()["version"])
        if rng.random() < edit_share:
            text = f"Reviewed by {reviewer.user}, change {n} [{uuid.uuid4().hex[:12]}]."
            outcome = await write_once(reviewer, bitext, bead, "edit", text)
        else:
            status = rng.choice(("confirmed", "confirmed", "needs-work"))
            outcome = await write_once(reviewer, bitext, bead, "status", status)
        outcomes.append(outcome)
        if outcome.status == 0:
            break  # the server is gone (a crash test); stop rather than spin
    return outcomes


async def run_load(url: str, users: Sequence[tuple[str, str | None]], bitext: int,
                   seconds: float, *, beads: int = 100, seed: int = 15, pause: float = 0.0
                   ) -> list[Outcome]:
    """``len(users)`` reviewers, each with its own session, writing for ``seconds``.

    Args:
        url: The server's base URL.
        users: (name, password) pairs; password None for local mode.
        bitext: The bitext to review.
        seconds: How long the reviewers write.
        beads: How many of the bitext's first beads they pick from.
        seed: Seed of the reviewers' random choices.
        pause: Mean seconds a reviewer waits between writes (0: back to back).

    Returns:
        Every write sent, in no particular order.
    """
    reviewers = [await open_reviewer(url, name, password) for name, password in users]
    try:
        first = await bead_versions(reviewers[0], bitext, beads)
        for reviewer in reviewers:
            reviewer.versions = dict(first)
        deadline = time.monotonic() + seconds
        results = await asyncio.gather(*(review_loop(r, bitext, deadline, seed + k,
                                                     pause=pause)
                                         for k, r in enumerate(reviewers)))
    finally:
        for reviewer in reviewers:
            await reviewer.client.aclose()
    return [o for outcomes in results for o in outcomes]


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank ``q`` percentile (0-100) of ``values``; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered), max(1, math.ceil(q / 100 * len(ordered)))) - 1]
