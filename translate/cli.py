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


def engines() -> None:
    """List the engines, language pairs and local models usable on this machine."""
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
