"""The version of the engine behind a configuration, for a published pair's provenance.

Apertium's language data comes from a Debian package (its mode file names it: ``dpkg -S``);
the Python engines report their library's version. An LLM server's model is named by the
configuration itself; its server version is not known from here.
"""

from __future__ import annotations

import subprocess
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from translate.engine import EngineConfig

DPKG_INFO = "/var/lib/dpkg/info"
_LIBRARIES = {"transformers": "transformers", "ctranslate2": "ctranslate2"}


@lru_cache(maxsize=32)
def _package_of(path: str) -> str | None:
    """The Debian package that installed an Apertium file, with its version
    ("apertium-fr-es 0.9.4-1"): dpkg's file lists of the apertium packages are read directly
    (``dpkg -S`` scans every package's list and takes a third of a second)."""
    owner = None
    for listing in sorted(Path(DPKG_INFO).glob("apertium*.list")):
        try:
            if path in listing.read_text(encoding="utf-8", errors="replace").splitlines():
                owner = listing.name.removesuffix(".list").split(":")[0]
                break
        except OSError:
            continue
    if owner is None:
        return None
    try:
        version = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", owner],
                                 capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return owner
    return f"{owner} {version.stdout.strip()}" if version.returncode == 0 else owner


def _apertium(model: str | None) -> str | None:
    from translate.apertium import installed_pairs

    pairs = {p.name: p for p in installed_pairs()}
    found = [_package_of(str(pairs[name].mode.resolve())) for name in (model or "").split("+")
             if name in pairs]
    core = _package_of("/usr/bin/apertium")
    names = [v for v in (core, *found) if v]
    return "; ".join(dict.fromkeys(names)) or None


def engine_version(config: EngineConfig) -> str | None:
    """A human-readable version of the engine and its language data, None when unknown.

    Examples: ``apertium 3.8.3-1+b2; apertium-fr-es 0.9.4-1``, ``transformers 5.0.0``.
    """
    if config.engine == "apertium":
        return _apertium(config.model)
    library = _LIBRARIES.get(config.engine)
    if library is None:
        return None
    try:
        return f"{library} {metadata.version(library)}"
    except metadata.PackageNotFoundError:
        return None
