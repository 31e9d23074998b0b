"""The engine protocol, its records, and a lazy registry of adapters.

Each backend is one module implementing ``Engine``; nothing heavy (torch, transformers) is
imported until an engine of that kind is opened, so ``diglot --help`` stays fast.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from diglot.errors import ConfigError
from translate.langs import Language


@dataclass(frozen=True)
class Hypothesis:
    """One translation of one input segment.

    Attributes:
        text: The translation, with the input's inline Markdown restored.
        score: The engine's own score (log-probability) when it has one.
        note: What a reviewer should know about how it was made: a retry, a fallback engine,
            a problem left unresolved. Stored with the translation.
    """

    text: str
    score: float | None = None
    note: str | None = None


@dataclass(frozen=True)
class EngineConfig:
    """What identifies an engine's output: same config, same translations.

    Attributes:
        engine: Registry name ("apertium", "transformers").
        model: Model id or path, or a language pair for rule-based engines.
        params: Decoding settings that change the output (beam size, pivot language...).
    """

    engine: str
    model: str | None
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """A stable key for the store: translations are reused only under the same key."""
        blob = json.dumps([self.engine, self.model, self.params], sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


@runtime_checkable
class Engine(Protocol):
    """A translation engine bound to one language pair."""

    src: Language
    tgt: Language

    @property
    def config(self) -> EngineConfig: ...

    def translate_batch(self, segments: Sequence[str]) -> list[Hypothesis]:
        """Translate segments (sentences with inline Markdown), results in input order.

        Raises:
            EngineError: The batch could not be translated.
        """
        ...

    def close(self) -> None: ...


#: Engine names to their adapters, imported only when used.
REGISTRY: dict[str, str] = {
    "apertium": "translate.apertium:open_apertium",
    "transformers": "translate.hf:TransformersEngine",
    "ctranslate2": "translate.ct2:CTranslate2Engine",
    "llm": "translate.llm:LLMEngine",
}


def open_engine(name: str, src: Language, tgt: Language, **options: Any) -> Engine:
    """Create an engine by registry name.

    Args:
        name: A key of ``REGISTRY``.
        src: Source language.
        tgt: Target language.
        **options: Adapter options (``model``, ``device``, ``max_tokens``...).

    Raises:
        ConfigError: Unknown engine, or the engine does not support the pair.
    """
    if name not in REGISTRY:
        raise ConfigError(f"unknown engine {name!r}; choose one of {', '.join(sorted(REGISTRY))}")
    module_name, attr = REGISTRY[name].split(":")
    factory = getattr(importlib.import_module(module_name), attr)
    engine: Engine = factory(src, tgt, **options)
    return engine
