"""A small client for OpenAI-compatible servers (llama.cpp, Ollama, vLLM): JSON over HTTP.

The standard library's ``urllib`` is enough for two POST endpoints, so the LLM engine needs no
extra package. What a long batch job needs is here: a timeout on every request, retries with
exponential backoff on the failures that pass (connection refused while the server starts, 5xx,
429, a timeout), and an error that says what to do on the ones that do not (404 for an unknown
model, 401 for a missing key).
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from diglot.errors import ConfigError, EngineError

#: Status codes worth asking again: overloaded, rate-limited, or a server-side crash.
_RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


@dataclass(frozen=True)
class Reply:
    """One generated text and why generation stopped ("stop", "length"...)."""

    text: str
    finish: str | None


class Client:
    """POSTs JSON to one server.

    Args:
        base_url: The API root, e.g. ``http://127.0.0.1:8080/v1``.
        api_key_env: Name of the environment variable holding the API key, if the server wants
            one; the key itself never goes on a command line or into the store.
        timeout: Seconds to wait for one answer.
        retries: Further attempts after a failure that may pass.
        backoff: Seconds before the first retry; doubled each time (a server's Retry-After
            header wins when it gives one).
    """

    def __init__(self, base_url: str, api_key_env: str | None = None, timeout: float = 120.0,
                 retries: int = 3, backoff: float = 1.0) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ConfigError(f"--base-url {base_url!r} is not an http(s) URL; give e.g. "
                              "http://127.0.0.1:8080/v1")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.headers = {"Content-Type": "application/json"}
        if api_key_env:
            key = os.environ.get(api_key_env)
            if not key:
                raise ConfigError(f"environment variable {api_key_env} is not set; export the "
                                  "server's API key there, or leave out --api-key-env")
            self.headers["Authorization"] = f"Bearer {key}"

    def get(self, path: str, attempts: int | None = None) -> Any:
        return self._call(urllib.request.Request(self.base_url + path, headers=self.headers),
                          attempts)

    def post(self, path: str, payload: dict[str, Any]) -> Any:
        request = urllib.request.Request(self.base_url + path, method="POST",
                                         data=json.dumps(payload).encode(), headers=self.headers)
        return self._call(request, None)

    def _call(self, request: urllib.request.Request, attempts: int | None) -> Any:
        tries = self.retries + 1 if attempts is None else attempts
        url = request.full_url
        for attempt in range(tries):
            wait = self.backoff * 2 ** attempt
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return json.loads(response.read())
            except urllib.error.HTTPError as exc:
                body = exc.read().decode("utf-8", "replace")[:300]
                if exc.code not in _RETRY_STATUS:
                    raise EngineError(_refusal(url, exc.code, body)) from None
                problem = f"HTTP {exc.code} {body.strip()}"
                wait = _retry_after(exc.headers.get("Retry-After"), wait)
            except TimeoutError:
                problem = f"no answer within {self.timeout:g} s"
            except urllib.error.URLError as exc:
                if isinstance(exc.reason, TimeoutError):
                    problem = f"no answer within {self.timeout:g} s"
                else:
                    problem = f"cannot connect ({exc.reason})"
            except (ConnectionError, json.JSONDecodeError) as exc:
                problem = f"broken answer ({exc})"
            if attempt + 1 < tries:
                time.sleep(wait)
        raise EngineError(f"{url}: {problem} after {tries} attempt(s); check that the server is "
                          "running and not overloaded (--timeout, --concurrency)")

    def generate(self, path: str, payload: dict[str, Any]) -> Reply:
        """One completion from ``/chat/completions`` or ``/completions``."""
        data = self.post(path, payload)
        try:
            choice = data["choices"][0]
            text = choice["message"]["content"] if "message" in choice else choice["text"]
        except (KeyError, IndexError, TypeError):
            raise EngineError(f"{self.base_url}{path}: the answer has no choices[0] text; is "
                              "this an OpenAI-compatible server?") from None
        return Reply(text or "", choice.get("finish_reason"))

    def models(self) -> list[str]:
        """The model ids the server lists (``GET /models``); one attempt, short timeout."""
        data = self.get("/models", attempts=2)
        return [m.get("id", "") for m in data.get("data", []) if isinstance(m, dict)]


def _retry_after(header: str | None, default: float) -> float:
    try:
        return min(float(header), 60.0) if header else default
    except ValueError:
        return default


def _refusal(url: str, code: int, body: str) -> str:
    hint = {401: "set the key's variable with --api-key-env",
            403: "set the key's variable with --api-key-env",
            404: "check --base-url (it usually ends in /v1) and --model (see GET /v1/models)"}
    return f"{url}: HTTP {code} {body.strip()}; {hint.get(code, 'check the request settings')}"
