"""CTranslate2: the transformers models of ``translate.hf`` (Marian, NLLB, M2M100), converted once
and run by CTranslate2's C++ runtime, int8 on CPU by default.

The converted model is cached next to the original folder (``opus-mt-es-en.ct2-int8``), or for
a hub id under ``$XDG_CACHE_HOME/diglot/ct2``; conversion writes into a temporary folder and
renames it, so a killed conversion leaves nothing half-written. Languages are set as in the
transformers engine (``translate.hf.detect_family``): a source prefix for multi-target Marian,
a target prefix token for NLLB and M2M100.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

from corpora.inline import mask
from diglot.errors import ConfigError, EngineError
from translate.batching import map_batched
from translate.engine import EngineConfig, Hypothesis
from translate.hf import detect_family, hub_offline, local_folder, max_new_tokens, restored
from translate.langs import Language

QUANTIZATIONS = ("int8", "int8_float32", "int8_float16", "int8_bfloat16", "int16", "float16",
                 "bfloat16", "float32")


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "diglot" / "ct2"


def model_folder(model: str) -> Path:
    """The transformers folder of a local path or a hub id (from the local hub cache, or
    downloaded when the hub is reachable).

    Raises:
        ConfigError: No such folder, or a hub id that cannot be had.
    """
    path = local_folder(model)
    if path is not None:
        return path
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(model, local_files_only=hub_offline()))
    except Exception:  # huggingface_hub raises several unrelated types for "not here"
        raise ConfigError(
            f"model {model!r} is not in the local Hugging Face cache and the hub cannot be "
            f"reached; download it on a connected machine (hf download {model}), or pass a "
            "local folder with --model PATH") from None


def converted(folder: Path, quantization: str, cache: Path | None = None) -> Path:
    """The CTranslate2 model for a transformers folder, converted on first use.

    Args:
        folder: The transformers model folder.
        quantization: One of ``QUANTIZATIONS``.
        cache: Where to keep the converted model; by default next to ``folder`` when it is
            writable, else under ``$XDG_CACHE_HOME/diglot/ct2``.

    Raises:
        ConfigError: An unknown quantization, or a model the converter does not support.
    """
    if quantization not in QUANTIZATIONS:
        raise ConfigError(f"unknown quantization {quantization!r}; choose one of "
                          f"{', '.join(QUANTIZATIONS)}")
    if (folder / "model.bin").is_file():
        return folder  # already a CTranslate2 model
    if cache is None:
        writable = os.access(folder.parent, os.W_OK) and "huggingface" not in folder.parts
        cache = folder.parent if writable else _cache_root()
    out = cache / f"{folder.name}.ct2-{quantization}"
    if (out / "model.bin").is_file():
        return out
    import ctranslate2

    cache.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=cache))
    try:
        converter = ctranslate2.converters.TransformersConverter(str(folder))
        converter.convert(str(tmp / "model"), quantization=quantization, force=True)
        for name in ("tokenizer_config.json", "special_tokens_map.json"):
            if (folder / name).is_file():
                shutil.copy(folder / name, tmp / "model" / name)
        os.replace(tmp / "model", out)
    except (ValueError, NotImplementedError, RuntimeError) as exc:
        raise ConfigError(f"{folder}: CTranslate2 cannot convert this model "
                          f"({str(exc).splitlines()[0]})") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


class CTranslate2Engine:
    """A transformers seq2seq model run by CTranslate2.

    Args:
        src: Source language.
        tgt: Target language.
        model: A transformers folder or hub id (converted and cached), or a CTranslate2 folder
            with the original's tokenizer files.
        device: "cpu" (default), "cuda", "cuda:1".
        quantization: Weights' type (``QUANTIZATIONS``); int8 by default.
        threads: Computation threads; by default every core the process may use.
        max_tokens: Token budget of one batch (longest input times batch size); 3072 holds
            about 64 FLORES sentences, CTranslate2's best batch size in the speed benchmark.
        beams: Beam size; 1 (greedy) by default.
        workers: Batches translated at once, each by its own replica of the model in
            CTranslate2 (``inter_threads``; the weights are shared), the threads divided
            between them.
    """

    # Sentences are sorted by length within a committed batch, so a larger one wastes less
    # decoding on padding (benchmarks/translate_speed.py, row d). A crash loses at most one.
    preferred_batch = 512

    def __init__(self, src: Language, tgt: Language, model: str | None = None,
                 device: str = "cpu", quantization: str = "int8", threads: int | None = None,
                 max_tokens: int = 3072, beams: int | None = None, workers: int = 1,
                 **_: object) -> None:
        if not model:
            raise ConfigError("the ctranslate2 engine needs --model PATH_OR_HUB_ID")
        try:
            import ctranslate2
            from transformers import AutoConfig, AutoTokenizer
        except ImportError:
            raise ConfigError("the ctranslate2 engine needs extras: pip install torch==2.13.0 "
                              "'diglot[hf,ct2]'") from None

        self.src, self.tgt, self.model_name = src, tgt, model
        self.quantization, self.max_tokens, self.beams = quantization, max_tokens, beams
        folder = model_folder(model)
        self.tokenizer: Any = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        model_type = AutoConfig.from_pretrained(str(folder), local_files_only=True).model_type
        self.family = detect_family(model_type, self.tokenizer, src, tgt)
        if self.family.src_lang is not None:
            self.tokenizer.src_lang = self.family.src_lang
        bos = self.family.forced_bos  # NLLB and M2M100 start the target with its language
        self.target_prefix = [] if bos is None else [self.tokenizer.convert_ids_to_tokens(bos)]
        self.threads = threads or len(os.sched_getaffinity(0))
        self.workers = max(1, workers)
        device_name, _sep, index = device.partition(":")
        try:
            self.translator: Any = ctranslate2.Translator(
                str(converted(folder, quantization)), device=device_name,
                device_index=int(index or 0), compute_type=quantization,
                inter_threads=self.workers,
                intra_threads=max(1, self.threads // self.workers))
        except (RuntimeError, ValueError) as exc:
            raise ConfigError(f"ctranslate2 cannot run {model} on {device!r} with "
                              f"{quantization} ({str(exc).splitlines()[0]}); try --device cpu "
                              "or another --quantization") from None

    @property
    def config(self) -> EngineConfig:
        return EngineConfig("ctranslate2", self.model_name,
                            {"family": self.family.name, "beams": self.beams,
                             "prefix": self.family.prefix, "quantization": self.quantization})

    def _tokenize(self, segments: Sequence[str]) -> tuple[list[Any], list[list[str]]]:
        """The segments with their inline Markdown masked, and their source tokens."""
        masked = [mask(s) for s in segments]
        tokenized = [self.tokenizer.convert_ids_to_tokens(ids) for ids in
                     self.tokenizer([self.family.prefix + m[0] for m in masked]).input_ids]
        return masked, tokenized

    def _submit(self, batch: list[list[str]], asynchronous: bool = False,
                **options: Any) -> list[Any]:
        prefix = self.target_prefix
        options.setdefault("beam_size", self.beams or 1)
        return list(self.translator.translate_batch(
            batch, target_prefix=[prefix] * len(batch) if prefix else None,
            max_decoding_length=max_new_tokens(max(map(len, batch))) + len(prefix),
            max_batch_size=len(batch), asynchronous=asynchronous, **options))

    def _cut(self, tokens: list[str], hyp: list[str]) -> str:
        # cut to the input's own limit (the target prefix counted, the decoder's start token
        # not), as the transformers engine does, so a sentence translates the same whatever
        # batch it lands in
        return self._detokenize(hyp[:max_new_tokens(len(tokens)) - 1][len(self.target_prefix):])

    def _generate(self, batch: list[list[str]]) -> list[str]:
        return [self._cut(t, r.hypotheses[0])
                for t, r in zip(batch, self._submit(batch), strict=True)]

    def translate_batch(self, segments: Sequence[str]) -> list[Hypothesis]:
        if not segments:
            return []
        masked, tokenized = self._tokenize(segments)
        try:
            if self.workers > 1:  # every batch submitted at once; `workers` of them run at a time
                pending = map_batched(partial(self._submit, asynchronous=True), tokenized, len,
                                      self.max_tokens)
                texts = [self._cut(t, r.result().hypotheses[0])
                         for t, r in zip(tokenized, pending, strict=True)]
            else:
                texts = map_batched(self._generate, tokenized, len, self.max_tokens)
        except RuntimeError as exc:
            raise EngineError(f"ctranslate2: {str(exc).splitlines()[0]}") from exc
        return [restored(t, lits) for t, (_, lits) in zip(texts, masked, strict=True)]

    def translate_nbest(self, segments: Sequence[str], n: int) -> list[list[Hypothesis]]:
        """The n best hypotheses of beam search for each segment, best first, with scores
        (log-probabilities normalised by length, as transformers' ``sequences_scores``).

        Used by glossary enforcement to pick the best hypothesis that honours the terms.
        """
        masked, tokenized = self._tokenize(segments)

        def generate(batch: list[list[str]]) -> list[list[tuple[str, float]]]:
            results = self._submit(batch, beam_size=max(n, self.beams or 1), num_hypotheses=n,
                                   return_scores=True)
            return [[(self._cut(tokens, hyp), score)
                     for hyp, score in zip(result.hypotheses, result.scores, strict=True)]
                    for tokens, result in zip(batch, results, strict=True)]

        try:
            found = map_batched(generate, tokenized, len, self.max_tokens // n or 1)
        except RuntimeError as exc:
            raise EngineError(f"ctranslate2: {str(exc).splitlines()[0]}") from exc
        return [[restored(text, lits, score) for text, score in options]
                for options, (_, lits) in zip(found, masked, strict=True)]

    def _detokenize(self, tokens: list[str]) -> str:
        ids = self.tokenizer.convert_tokens_to_ids(tokens)
        return str(self.tokenizer.decode(ids, skip_special_tokens=True))

    def close(self) -> None:
        self.translator = None
