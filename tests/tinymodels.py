"""Tiny random-weight seq2seq translation models for tests, built offline in seconds.

Each builder ``save_pretrained``s model and tokenizer into a folder, so the user path
``AutoTokenizer.from_pretrained(folder)`` + ``AutoModelForSeq2SeqLM.from_pretrained(folder)``
works. Output is gibberish, but greedy ``generate`` stops within ``max_length`` 64 steps.
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sentencepiece as spm
import torch
from transformers import (
    GenerationConfig,
    M2M100Config,
    M2M100ForConditionalGeneration,
    M2M100Tokenizer,
    MarianConfig,
    MarianMTModel,
    MarianTokenizer,
    NllbTokenizer,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)
from transformers.models.m2m_100.tokenization_m2m_100 import FAIRSEQ_LANGUAGE_CODES
from transformers.tokenization_utils_base import generate_merges

# Short Spanish / English / French sentences, 20 of each.
# fmt: off
CORPUS: tuple[str, ...] = (
    "Hola, ¿cómo estás?", "Me llamo Ana y vivo en Madrid.", "El gato duerme en la casa.",
    "Hoy hace mucho calor.", "¿Dónde está la estación de tren?",
    "Quiero un café con leche, por favor.", "Mañana vamos a la playa.",
    "Los niños juegan en el parque.", "Este libro es muy interesante.",
    "Mi hermana trabaja en un hospital.", "La comida está lista.", "No tengo tiempo esta semana.",
    "¿Cuánto cuesta esta camisa?", "El perro corre detrás de la pelota.",
    "Vamos a cenar juntos esta noche.", "La ciudad es grande y bonita.",
    "Necesito comprar pan y queso.", "El tren sale a las ocho.", "Me gusta leer por la mañana.",
    "Gracias por tu ayuda.", "Hello, how are you?", "My name is Ana and I live in London.",
    "The cat sleeps in the house.", "It is very hot today.", "Where is the train station?",
    "I want a coffee with milk, please.", "Tomorrow we are going to the beach.",
    "The children play in the park.", "This book is very interesting.",
    "My sister works in a hospital.", "The food is ready.", "I have no time this week.",
    "How much does this shirt cost?", "The dog runs after the ball.",
    "Let us have dinner together tonight.", "The city is big and beautiful.",
    "I need to buy bread and cheese.", "The train leaves at eight.",
    "I like to read in the morning.", "Thank you for your help.", "Bonjour, comment ça va ?",
    "Je m'appelle Anne et j'habite à Paris.", "Le chat dort dans la maison.",
    "Il fait très chaud aujourd'hui.", "Où est la gare ?",
    "Je voudrais un café au lait, s'il vous plaît.", "Demain nous allons à la plage.",
    "Les enfants jouent dans le parc.", "Ce livre est très intéressant.",
    "Ma sœur travaille dans un hôpital.", "Le repas est prêt.",
    "Je n'ai pas le temps cette semaine.", "Combien coûte cette chemise ?",
    "Le chien court après la balle.", "Dînons ensemble ce soir.", "La ville est grande et belle.",
    "Je dois acheter du pain et du fromage.", "Le train part à huit heures.",
    "J'aime lire le matin.", "Merci pour ton aide.",
)

# Shared by every tiny model: 32-wide, one layer each side, no dropout.
_TINY: dict[str, Any] = dict(
    d_model=32, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
    decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64,
    max_position_embeddings=128, dropout=0.0, attention_dropout=0.0, activation_dropout=0.0,
    encoder_layerdrop=0.0, decoder_layerdrop=0.0,
)
# Special ids of fairseq dictionaries (NLLB, M2M100): <s> 0, <pad> 1, </s> 2, <unk> 3.
_FAIRSEQ_IDS: dict[str, Any] = dict(
    bos_token_id=0, pad_token_id=1, eos_token_id=2, decoder_start_token_id=2,
)
# fmt: on
_MAX_LENGTH = 64


def train_spm(
    folder: Path,
    sentences: Sequence[str],
    vocab_size: int = 200,
    user_defined_symbols: Sequence[str] = (),
    model_type: str = "unigram",
) -> Path:
    """Train a small SentencePiece model.

    Single-threaded over the sentences in order, so deterministic. ``hard_vocab_limit``
    is off: a tiny corpus may give fewer pieces. Ids: ``<unk>`` 0, ``<s>`` 1, ``</s>`` 2.

    Args:
        folder: Directory to write ``spm_<model_type>.model`` (and ``.vocab``) into.
        sentences: Training text, one sentence per item.
        vocab_size: Upper bound on the number of pieces.
        user_defined_symbols: Strings that must always be single pieces.
        model_type: ``"unigram"`` or ``"bpe"``.

    Returns:
        Path to the trained ``.model`` file.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    prefix = folder / f"spm_{model_type}"
    opts: dict[str, Any] = dict(vocab_size=vocab_size, model_type=model_type, num_threads=1)
    if user_defined_symbols:
        opts["user_defined_symbols"] = list(user_defined_symbols)
    with open(os.devnull, "w") as log:
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(list(sentences)), model_prefix=str(prefix), logstream=log,
            character_coverage=1.0, hard_vocab_limit=False, **opts,
        )  # fmt: skip
    return prefix.with_suffix(".model")


def _pieces(model_file: Path) -> list[str]:
    """Return the ordinary pieces of a SentencePiece model (no unk/control), in id order."""
    sp = spm.SentencePieceProcessor(model_file=str(model_file))
    ids = [i for i in range(sp.get_piece_size()) if not (sp.is_control(i) or sp.is_unknown(i))]
    return [sp.id_to_piece(i) for i in ids]


def _fairseq_vocab(model_file: Path) -> dict[str, int]:
    """Fairseq-style vocab: ``<s>`` 0, ``<pad>`` 1, ``</s>`` 2, ``<unk>`` 3, then the pieces."""
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for piece in _pieces(model_file):
        vocab.setdefault(piece, len(vocab))
    return vocab


def _write_json(path: Path, data: dict[str, int]) -> Path:
    """Write ``data`` as UTF-8 JSON to ``path`` and return ``path``."""
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def _save(
    folder: Path, model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, **extra: Any
) -> Path:
    """Give ``model`` a short greedy generation config, then save model and tokenizer."""
    names = ("pad_token_id", "bos_token_id", "eos_token_id", "decoder_start_token_id")
    ids = {n: getattr(model.config, n, None) for n in (*names, "forced_eos_token_id")}
    model.generation_config = GenerationConfig(
        max_length=_MAX_LENGTH, num_beams=1, do_sample=False, **{**ids, **extra}
    )
    model.eval()
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def build_marian(folder: Path, target_tokens: Sequence[str] = ()) -> Path:
    """Build a tiny OPUS-MT-style ``MarianMTModel`` with a ``MarianTokenizer``.

    Vocab as in Helsinki-NLP checkpoints: ``</s>`` 0, ``<unk>`` 1, ``target_tokens``
    (e.g. ``">>fra<<"``), the SentencePiece pieces, then ``<pad>`` (also the decoder
    start). ``MarianTokenizer`` splits a leading ``>>xxx<<`` off before SentencePiece
    and looks it up in vocab.json, so ``">>fra<< hola"`` starts with one id.

    Args:
        folder: Output directory (created if needed).
        target_tokens: Target-language codes of a multi-target model.

    Returns:
        ``folder``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        spm_file = train_spm(Path(tmp), CORPUS)
        vocab = {"</s>": 0, "<unk>": 1}
        for piece in [*target_tokens, *_pieces(spm_file)]:
            vocab.setdefault(piece, len(vocab))
        vocab["<pad>"] = len(vocab)
        vocab_file = _write_json(Path(tmp) / "vocab.json", vocab)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Recommended: pip install sacremoses."
            spm_name = str(spm_file)  # same model for source.spm and target.spm
            tokenizer = MarianTokenizer(spm_name, spm_name, str(vocab_file), model_max_length=128)
        pad, eos = vocab["<pad>"], vocab["</s>"]
        ids: dict[str, Any] = dict(pad_token_id=pad, decoder_start_token_id=pad)
        ids.update(eos_token_id=eos, forced_eos_token_id=eos)
        n = len(tokenizer)
        config = MarianConfig(vocab_size=n, decoder_vocab_size=n, **ids, **_TINY)
        torch.manual_seed(0)
        model = MarianMTModel(config)
        return _save(folder, model, tokenizer, bad_words_ids=[[pad]])


def _m2m100_model(vocab_size: int) -> M2M100ForConditionalGeneration:
    """Create a tiny seeded ``M2M100ForConditionalGeneration`` with fairseq special ids."""
    config = M2M100Config(vocab_size=vocab_size, **_FAIRSEQ_IDS, **_TINY)
    torch.manual_seed(0)
    return M2M100ForConditionalGeneration(config)


def build_nllb(
    folder: Path, languages: Sequence[str] = ("eng_Latn", "spa_Latn", "fra_Latn")
) -> Path:
    """Build a tiny NLLB-style model: ``M2M100ForConditionalGeneration`` + ``NllbTokenizer``.

    In transformers 5 ``NllbTokenizer`` is a fast (``TokenizersBackend``) BPE tokenizer
    built from ``vocab`` + ``merges``, taken here from a SentencePiece BPE model (loading
    a ``.model`` directly needs protobuf). The language codes are special tokens after
    the pieces, then ``<mask>``. ``tok.src_lang = "spa_Latn"`` gives inputs
    ``[spa_Latn, ..., </s>]``; ``generate`` needs ``forced_bos_token_id``.

    Args:
        folder: Output directory (created if needed).
        languages: FLORES-200 codes; the first is the default ``src_lang``.

    Returns:
        ``folder``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        vocab = _fairseq_vocab(train_spm(Path(tmp), CORPUS, model_type="bpe"))
    tokenizer = NllbTokenizer(
        vocab=vocab, merges=generate_merges(vocab), src_lang=languages[0],
        extra_special_tokens=list(languages), model_max_length=128,
    )  # fmt: skip
    return _save(folder, _m2m100_model(len(tokenizer) + 8), tokenizer)


def build_m2m100(folder: Path, languages: Sequence[str] = ("en", "es", "fr")) -> Path:
    """Build a tiny M2M100-style model: ``M2M100ForConditionalGeneration`` + ``M2M100Tokenizer``.

    ``M2M100Tokenizer`` (slow, sentencepiece) always puts all 100 ``__xx__`` tokens of
    its built-in list after vocab.json; ``languages`` is only checked against that list,
    and its first code is the default ``src_lang``. ``tok.src_lang = "es"`` gives
    ``[__es__, ..., </s>]``; use ``forced_bos_token_id=tok.get_lang_id("fr")``. The
X

    Args:
        folder: Output directory (created if needed).
        languages: M2M100 language codes that tests will use.

    Returns:
        ``folder``.

    Raises:
        ValueError: If a language is not an M2M100 language code.
    """
    unknown = [lang for lang in languages if lang not in FAIRSEQ_LANGUAGE_CODES["m2m100"]]
    if unknown:
        raise ValueError(f"not M2M100 language codes: {unknown}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        spm_file = train_spm(Path(tmp), CORPUS, model_type="bpe")
        vocab_file = _write_json(Path(tmp) / "vocab.json", _fairseq_vocab(spm_file))
        # M2M100Tokenizer.__init__ means to make __xx__ special but never does (a chained
        # `not in` is always False); real checkpoints list them in tokenizer_config.json.
        # Without this, len(tokenizer) omits them and skip_special_tokens keeps "__fr__".
        lang_tokens = [f"__{code}__" for code in FAIRSEQ_LANGUAGE_CODES["m2m100"]]
        tokenizer = M2M100Tokenizer(
            str(vocab_file), str(spm_file), src_lang=languages[0],
            additional_special_tokens=lang_tokens, model_max_length=128,
        )  # fmt: skip
        return _save(folder, _m2m100_model(len(tokenizer) + 8), tokenizer)
