"""A real review server for tests and benchmarks: a real store, a real subprocess, real HTTP.

``build_store`` runs the real pipeline (Apertium) on the Spanish sample; ``manifesto_store``
builds the benchmark's store (the French Manifesto translated to Spanish, repeated to about
10,000 beads); ``serve`` starts ``python -m diglot review DB --port P`` on a free loopback port
and waits until ``GET /api/session`` answers; ``kill`` ends it with SIGKILL (a crash).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

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
