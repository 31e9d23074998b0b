"""transformers seq2seq models: Marian/OPUS-MT, NLLB-200, M2M100 and MADLAD (T5).

Each family names its languages differently; ``_Family`` hides that: NLLB takes ``src_lang`` and
a forced first token ``fra_Latn``, M2M100 ``src_lang`` and the id of ``__fr__``, multi-target
OPUS-MT a ``>>fra<<`` prefix on the source, MADLAD a ``<2fr>`` prefix. Models load from a local
folder or a hub id; offline, a missing model fails with one line that says how to get it.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from corpora.inline import Literal, mask, unmask_noted
from diglot.errors import ConfigError, EngineError
from translate.batching import map_batched
from translate.engine import EngineConfig, Hypothesis
from translate.langs import Language


@dataclass(frozen=True)
class _Family:
    name: str
    prefix: str = ""
    src_lang: str | None = None
    forced_bos: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _token_id(tokenizer: Any, token: str) -> int | None:
    tid = tokenizer.convert_tokens_to_ids(token)
    return None if tid is None or tid == tokenizer.unk_token_id else int(tid)


def restored(output: str, literals: list[Literal], score: float | None = None) -> Hypothesis:
    """A model's output with the masked markup put back (``corpora.inline.mask``); markup
    the model lost or crossed is placed by rule and named in the note."""
    text, note = unmask_noted(output.strip(), literals)
    return Hypothesis(text, score, note)


def detect_family(model_type: str, tokenizer: Any, src: Language, tgt: Language) -> _Family:
    """Work out how this model is told the language pair.

    Raises:
        ConfigError: The model does not know one of the languages.
    """
    if model_type in ("m2m_100", "nllb-moe"):
        if _token_id(tokenizer, src.nllb) is not None or _token_id(tokenizer, tgt.nllb):
            for lang in (src, tgt):
                if _token_id(tokenizer, lang.nllb) is None:
                    raise ConfigError(f"this NLLB model has no language code {lang.nllb}")
            return _Family("nllb", src_lang=src.nllb, forced_bos=_token_id(tokenizer, tgt.nllb))
        for lang in (src, tgt):
            if _token_id(tokenizer, f"__{lang.iso1}__") is None:
                raise ConfigError(f"this M2M100 model has no language code __{lang.iso1}__")
        return _Family("m2m100", src_lang=src.iso1,
                       forced_bos=_token_id(tokenizer, f"__{tgt.iso1}__"))
    if model_type in ("t5", "mt5", "umt5"):
        tag = f"<2{tgt.iso1 or tgt.iso3}>"
        if _token_id(tokenizer, tag) is None:
            raise ConfigError(f"this T5 model has no target tag {tag}; is it a MADLAD model?")
        return _Family("madlad", prefix=f"{tag} ")
    if model_type == "marian":
        for code in (tgt.iso3, tgt.iso1, tgt.nllb):
            if code and _token_id(tokenizer, f">>{code}<<") is not None:
                return _Family("marian-multi", prefix=f">>{code}<< ")
        return _Family("marian")
    return _Family(model_type)


def _looks_like_path(model: str) -> bool:
    return model.startswith((".", "/", "~")) or model.count("/") > 1 or model.endswith("/")


def _hub_reachable(timeout: float = 3.0) -> bool:
    """Whether the hub answers at all; without this check an offline machine spends a minute
    in huggingface_hub's retries before the same error."""
    url = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co"))
    try:
        socket.create_connection((url.hostname or "", url.port or 443), timeout=timeout).close()
    except OSError:
        return False
    return True


def local_folder(model: str) -> Path | None:
    """The model folder when ``model`` is a local path, None when it is a hub id.

    Raises:
        ConfigError: A folder without a model, or a path that does not exist.
    """
    path = Path(model).expanduser()
    if path.exists():
        if not (path / "config.json").is_file():
            raise ConfigError(f"{path}: folder has no config.json, so no transformers model; "
                              "give the folder that save_pretrained or `hf download` wrote")
        return path
    if _looks_like_path(model):
        raise ConfigError(f"{model}: no such model folder; check the path")
    return None


def hub_offline() -> bool:
    """Whether only the local hub cache may be used (HF_HUB_OFFLINE, or no hub reachable)."""
    return os.environ.get("HF_HUB_OFFLINE", "") in ("1", "true", "yes") or not _hub_reachable()


def max_new_tokens(input_tokens: int) -> int:
    """How long a translation of an input this long may get (the start token included)."""
    return min(2 * input_tokens + 16, 512)


def load(model: str, device: str) -> tuple[Any, Any]:
    """Load tokenizer and model from a local folder or a hub id.

    Raises:
        ConfigError: A folder without a model, or a hub id that is neither cached nor reachable.
    """
    try:
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer
    except ImportError:
        raise ConfigError("the transformers engine needs extras: pip install torch==2.13.0 "
                          "'diglot[hf]'") from None
    path = local_folder(model)
    source, local_only = (str(path), True) if path is not None else (model, hub_offline())
    try:
        try:
            tok = AutoTokenizer.from_pretrained(source, local_files_only=True)
            net = AutoModelForSeq2SeqLM.from_pretrained(source, local_files_only=True)
        except OSError:
            if local_only:
                raise
            tok = AutoTokenizer.from_pretrained(source)
            net = AutoModelForSeq2SeqLM.from_pretrained(source)
    except (OSError, ValueError) as exc:
        if path is not None:
            raise ConfigError(f"{path}: cannot load the model ({str(exc).splitlines()[0]})"
                              ) from None
        raise ConfigError(
            f"model {model!r} is not in the local Hugging Face cache and the hub cannot be "
            f"reached; download it on a connected machine (hf download {model}), pass a local "
            "folder with --model PATH, or use --engine apertium") from None
    try:
        net = net.to(device).eval()
    except (RuntimeError, AssertionError) as exc:
        raise ConfigError(f"device {device!r} is not usable here ({exc}); try --device cpu"
                          ) from None
    return tok, net


class TransformersEngine:
    """A transformers seq2seq model as a diglot engine.

    Args:
        src: Source language.
        tgt: Target language.
        model: Local folder or hub id.
        device: "cpu" (default), "cuda", "cuda:1", "mps".
        max_tokens: Token budget of one batch (longest input times batch size).
        beams: Beam size; None keeps the model's own generation config.
    """

    def __init__(self, src: Language, tgt: Language, model: str | None = None,
                 device: str = "cpu", max_tokens: int = 2048, beams: int | None = None,
                 **_: object) -> None:
        if not model:
            raise ConfigError("the transformers engine needs --model PATH_OR_HUB_ID")
        self.src, self.tgt, self.model_name = src, tgt, model
        self.device, self.max_tokens, self.beams = device, max_tokens, beams
        self.tokenizer, self.model = load(model, device)
        self.family = detect_family(self.model.config.model_type, self.tokenizer, src, tgt)
        if self.family.src_lang is not None:
            self.tokenizer.src_lang = self.family.src_lang

    @property
    def config(self) -> EngineConfig:
        return EngineConfig("transformers", self.model_name,
                            {"family": self.family.name, "beams": self.beams,
                             "prefix": self.family.prefix})

    def generation_kwargs(self, longest: int) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"max_new_tokens": max_new_tokens(longest)}
        if self.family.forced_bos is not None:
            kwargs["forced_bos_token_id"] = self.family.forced_bos
        if self.beams is not None:
            kwargs["num_beams"] = self.beams
        return kwargs

    def _generate(self, texts: list[str]) -> list[str]:
        import torch

        enc = self.tokenizer(texts, return_tensors="pt", padding=True,
                             truncation=True).to(self.device)
        with torch.inference_mode():
            out = self.model.generate(**enc, **self.generation_kwargs(enc["input_ids"].shape[1]))
        # Each output is cut to its own input's limit, so a sentence translates the same
        # whatever batch it lands in (and a resumed run writes what an uninterrupted one would).
        limits = [self.generation_kwargs(int(n))["max_new_tokens"]  # the last is a forced EOS
                  for n in enc["attention_mask"].sum(dim=1)]
        return [self.tokenizer.decode(row[:limit], skip_special_tokens=True)
                for row, limit in zip(out, limits, strict=True)]

    def translate_batch(self, segments: Sequence[str]) -> list[Hypothesis]:
        if not segments:
            return []
        masked = [mask(s) for s in segments]
        sources = [self.family.prefix + m[0] for m in masked]
        lengths = {text: len(ids) for text, ids in zip(sources, self.tokenizer(sources).input_ids,
                                                        strict=True)}
        try:
            texts = map_batched(self._generate, sources, lengths.__getitem__, self.max_tokens)
        except RuntimeError as exc:  # out of memory, device errors
            raise EngineError(f"transformers: {str(exc).splitlines()[0]}") from exc
        return [restored(t, lits) for t, (_, lits) in zip(texts, masked, strict=True)]

    def translate_nbest(self, segments: Sequence[str], n: int) -> list[list[Hypothesis]]:
        """The n best hypotheses of beam search for each segment, best first, with scores.

        Used by glossary enforcement to pick the best hypothesis that honours the terms.
        """
        import torch

        out: list[list[Hypothesis]] = []
        for start in range(0, len(segments), 8):
            masked = [mask(s) for s in segments[start:start + 8]]
            enc = self.tokenizer([self.family.prefix + m[0] for m in masked],
                                 return_tensors="pt", padding=True, truncation=True
                                 ).to(self.device)
            kwargs = self.generation_kwargs(enc["input_ids"].shape[1])
            kwargs.update(num_beams=max(n, self.beams or 1), num_return_sequences=n,
                          output_scores=True, return_dict_in_generate=True)
            try:
                with torch.inference_mode():
                    gen = self.model.generate(**enc, **kwargs)
            except RuntimeError as exc:
                raise EngineError(f"transformers: {str(exc).splitlines()[0]}") from exc
            texts = self.tokenizer.batch_decode(gen.sequences, skip_special_tokens=True)
            scores = gen.sequences_scores.tolist()
            for k, (_, lits) in enumerate(masked):
                out.append([restored(texts[k * n + j], lits, scores[k * n + j])
                            for j in range(n)])
        return out

    def close(self) -> None:
        self.model = None
