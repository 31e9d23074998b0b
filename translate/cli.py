"""`diglot engines`: what can translate on this machine."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
from pathlib import Path

import typer

from translate.apertium import installed_pairs


def _hub_models() -> list[str]:
    cache = Path(os.environ.get("HF_HUB_CACHE")
                 or Path(os.environ.get("HF_HOME", Path.home() / ".cache/huggingface")) / "hub")
    if not cache.is_dir():
        return []
    return sorted(p.name.removeprefix("models--").replace("--", "/")
                  for p in cache.glob("models--*"))


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def engines(base_url: str = "http://127.0.0.1:8080/v1") -> None:
    """List the engines, language pairs and local models usable on this machine.

    Args:
        base_url: Where the LLM engine's OpenAI-compatible server should answer.
    """
    pairs = installed_pairs()
    if pairs:
        direct = {(p.src.code, p.tgt.code) for p in pairs}
        pivots = sorted({(a, c) for a, b in direct for b2, c in direct
                         if b == b2 and a != c and (a, c) not in direct})
        typer.echo(f"apertium      ready ({_version('apertium') or 'Debian'}): "
                   + ", ".join(f"{a}→{b}" for a, b in sorted(direct)))
        if pivots:
            typer.echo("              through a pivot: " + ", ".join(f"{a}→{c}"
                                                                  for a, c in pivots))
    else:
        typer.echo("apertium      not installed (apt-get install apertium apertium-eng-spa "
                   "apertium-fr-es)")
    if importlib.util.find_spec("transformers") and importlib.util.find_spec("torch"):
        typer.echo(f"transformers  ready (transformers {_version('transformers')}, torch "
                   f"{_version('torch')}); --model PATH_OR_HUB_ID")
        models = _hub_models()
        typer.echo("              models in the local cache: "
                   + (", ".join(models) if models else "none (any local folder works too)"))
    else:
        typer.echo("transformers  not installed (pip install torch==2.13.0 'diglot[hf]')")
    typer.echo(_ct2_status())
    typer.echo(_llm_status(base_url))


def _ct2_status() -> str:
    """ctranslate2's line: importing it is the test (a wheel can be present and broken), and
    it is cheap, unlike torch; this runs for `diglot engines` only, never for --help."""
    if importlib.util.find_spec("ctranslate2") is None:
        return "ctranslate2   not installed (pip install 'diglot[ct2]')"
    try:
        import ctranslate2
    except Exception as exc:  # any failure to load is what this line reports
        why = (str(exc).splitlines() or [type(exc).__name__])[0]
        return f"ctranslate2   installed but does not load ({why})"
    cuda = ctranslate2.get_cuda_device_count()
    where = f"CPU and {cuda} CUDA device(s)" if cuda else "CPU"
    needs = ("" if importlib.util.find_spec("transformers")
             else "; its tokenizers need transformers: pip install 'diglot[hf]'")
    return (f"ctranslate2   ready (ctranslate2 {ctranslate2.__version__}, {where}); --model "
            f"PATH_OR_HUB_ID of a transformers model, converted once{needs}")


def _llm_status(base_url: str) -> str:
    """The LLM engine's line: is an OpenAI-compatible server answering at `base_url`?"""
    from diglot.errors import DiglotError
    from translate.openai_api import Client

    try:
        models = Client(base_url, timeout=2.0, backoff=0.0).get("/models", attempts=1)
    except DiglotError:
        return (f"llm           no server answers at {base_url} (start one: llama.cpp "
                "llama-server, Ollama, vLLM; or give --base-url)")
    listed = models.get("data", []) if isinstance(models, dict) else []
    names = [str(m.get("id", "")) for m in listed if isinstance(m, dict)]
    return (f"llm           ready: {base_url} serves "
            + (", ".join(n for n in names if n) or "an unnamed model") + "; --model NAME")
