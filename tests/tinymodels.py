"""Tiny random-weight seq2seq translation models for tests.

Every builder writes a complete model folder with ``save_pretrained`` (model and
tokenizer), so the ordinary user path works offline::

    tok = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSeq2SeqLM.from_pretrained(folder)

The weights are random (seeded), so translations are gibberish, but
``generate`` stops after at most ``max_length`` greedy steps of a 32-wide model.
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
)
from transformers.models.m2m_100.tokenization_m2m_100 import FAIRSEQ_LANGUAGE_CODES
from transformers.tokenization_utils_base import generate_merges

# Short Spanish / English / French sentences, 20 of each.
# fmt: off
CORPUS: tuple[str, ...] = (
    "Hola, ¿cómo estás?", "Me llamo Ana y vivo en Madrid.", "El gato duerme en la casa.",
    "Hoy hace mucho calor.", "¿Dónde está la estación de tren?", "Quiero un café con leche, por favor.",
    "Mañana vamos a la playa.", "Los niños juegan en el parque.", "Este libro es muy interesante.",
    "Mi hermana trabaja en un hospital.", "La comida está lista.", "No tengo tiempo esta semana.",
    "¿Cuánto cuesta esta camisa?", "El perro corre detrás de la pelota.", "Vamos a cenar juntos esta noche.",
    "La ciudad es grande y bonita.", "Necesito comprar pan y queso.", "El tren sale a las ocho.",
    "Me gusta leer por la mañana.", "Gracias por tu ayuda.",
    "Hello, how are you?", "My name is Ana and I live in London.", "The cat sleeps in the house.",
    "It is very hot today.", "Where is the train station?", "I want a coffee with milk, please.",
    "Tomorrow we are going to the beach.", "The children play in the park.", "This book is very interesting.",
    "My sister works in a hospital.", "The food is ready.", "I have no time this week.",
    "How much does this shirt cost?", "The dog runs after the ball.", "Let us have dinner together tonight.",
    "The city is big and beautiful.", "I need to buy bread and cheese.", "The train leaves at eight.",
    "I like to read in the morning.", "Thank you for your help.",
    "Bonjour, comment ça va ?", "Je m'appelle Anne et j'habite à Paris.", "Le chat dort dans la maison.",
    "Il fait très chaud aujourd'hui.", "Où est la gare ?", "Je voudrais un café au lait, s'il vous plaît.",
    "Demain nous allons à la plage.", "Les enfants jouent dans le parc.", "Ce livre est très intéressant.",
    "Ma sœur travaille dans un hôpital.", "Le repas est prêt.", "Je n'ai pas le temps cette semaine.",
    "Combien coûte cette chemise ?", "Le chien court après la balle.", "Dînons ensemble ce soir.",
    "La ville est grande et belle.", "Je dois acheter du pain et du fromage.", "Le train part à huit heures.",
    "J'aime lire le matin.", "Merci pour ton aide.",
)
# fmt: on

# Shared by every tiny model: 32-wide, one layer each side, no dropout.
_TINY: dict[str, Any] = dict(
    d_model=32,
    encoder_layers=1,
    decoder_layers=1,
    encoder_attention_heads=2,
    decoder_attention_heads=2,
    encoder_ffn_dim=64,
    decoder_ffn_dim=64,
    max_position_embeddings=128,
    dropout=0.0,
    attention_dropout=0.0,
    activation_dropout=0.0,
)
_MAX_LENGTH = 64


def train_spm(
    folder: Path,
    sentences: Sequence[str],
    vocab_size: int = 200,
    user_defined_symbols: Sequence[str] = (),
    model_type: str = "unigram",
) -> Path:
    """Train a small SentencePiece model.

    Training is single-threaded over the sentences in order, so the result is
    deterministic. ``hard_vocab_limit`` is off: a tiny corpus may yield fewer
    pieces than ``vocab_size``. Ids: ``<unk>`` 0, ``<s>`` 1, ``</s>`` 2.

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
    extra = {"user_defined_symbols": list(user_defined_symbols)} if user_defined_symbols else {}
    with open(os.devnull, "w") as devnull:
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(list(sentences)),
            model_prefix=str(prefix),
            vocab_size=vocab_size,
            model_type=model_type,
            character_coverage=1.0,
            hard_vocab_limit=False,
            num_threads=1,
            logstream=devnull,
            **extra,
        )
    return prefix.with_suffix(".model")


def _pieces(model_file: Path) -> list[str]:
    """Return the ordinary pieces of a SentencePiece model (no unk/control), in id order."""
    sp = spm.SentencePieceProcessor(model_file=str(model_file))
    return [sp.id_to_piece(i) for i in range(sp.get_piece_size()) if not (sp.is_control(i) or sp.is_unknown(i))]


def _fairseq_vocab(model_file: Path) -> dict[str, int]:
    """Fairseq-style vocab: ``<s>`` 0, ``<pad>`` 1, ``</s>`` 2, ``<unk>`` 3, then the pieces."""
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for piece in _pieces(model_file):
        vocab.setdefault(piece, len(vocab))
    return vocab


def _save(folder: Path, model: PreTrainedModel, tokenizer, **generation: int | list) -> Path:
    """Attach a short greedy generation config and save model and tokenizer to ``folder``."""
    model.generation_config = GenerationConfig(max_length=_MAX_LENGTH, num_beams=1, do_sample=False, **generation)
    model.eval()
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def build_marian(folder: Path, target_tokens: Sequence[str] = ()) -> Path:
    """Build a tiny OPUS-MT-style ``MarianMTModel`` with a ``MarianTokenizer``.

    The vocab follows Helsinki-NLP checkpoints: ``</s>`` 0, ``<unk>`` 1, the
    ``target_tokens`` (e.g. ``">>fra<<"``), the SentencePiece pieces, ``<pad>``
    last; ``<pad>`` is also the decoder start token. ``MarianTokenizer`` strips
    a leading ``>>xxx<<`` before SentencePiece and maps it through vocab.json,
    so ``">>fra<< hola"`` encodes the code as one id.

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
        vocab_file = Path(tmp) / "vocab.json"
        vocab_file.write_text(json.dumps(vocab, ensure_ascii=False, indent=2), encoding="utf-8")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Recommended: pip install sacremoses."
            tokenizer = MarianTokenizer(str(spm_file), str(spm_file), str(vocab_file), model_max_length=128)
        pad, eos = vocab["<pad>"], vocab["</s>"]
        config = MarianConfig(
            vocab_size=len(tokenizer),
            decoder_vocab_size=len(tokenizer),
            pad_token_id=pad,
            eos_token_id=eos,
            decoder_start_token_id=pad,
            forced_eos_token_id=eos,
            **_TINY,
        )
        torch.manual_seed(0)
        model = MarianMTModel(config)
        return _save(
            folder,
            model,
            tokenizer,
            pad_token_id=pad,
            eos_token_id=eos,
            decoder_start_token_id=pad,
            forced_eos_token_id=eos,
            bad_words_ids=[[pad]],
        )


def _m2m100_model(vocab_size: int) -> M2M100ForConditionalGeneration:
    """Create a tiny seeded ``M2M100ForConditionalGeneration`` with fairseq special ids."""
    config = M2M100Config(
        vocab_size=vocab_size,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        decoder_start_token_id=2,
        encoder_layerdrop=0.0,
        decoder_layerdrop=0.0,
        **_TINY,
    )
    torch.manual_seed(0)
    return M2M100ForConditionalGeneration(config)


def build_nllb(folder: Path, languages: Sequence[str] = ("eng_Latn", "spa_Latn", "fra_Latn")) -> Path:
    """Build a tiny NLLB-style model: ``M2M100ForConditionalGeneration`` + ``NllbTokenizer``.

    In transformers 5 ``NllbTokenizer`` is a ``TokenizersBackend`` (fast) BPE
    tokenizer built from ``vocab`` + ``merges``; converting a ``.model`` file
    needs protobuf, so vocab and merges are extracted from a SentencePiece BPE
    model here. The language codes become special tokens after the pieces (then
    ``<mask>``). With ``tok.src_lang = "spa_Latn"`` inputs are
    ``[spa_Latn, ..., </s>]``; pass ``forced_bos_token_id=
    tok.convert_tokens_to_ids("fra_Latn")`` to ``generate``.

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
        vocab=vocab,
        merges=generate_merges(vocab),
        src_lang=languages[0],
        extra_special_tokens=list(languages),
        model_max_length=128,
    )
    model = _m2m100_model(len(tokenizer))
    return _save(folder, model, tokenizer, pad_token_id=1, bos_token_id=0, eos_token_id=2, decoder_start_token_id=2)


def build_m2m100(folder: Path, languages: Sequence[str] = ("en", "es", "fr")) -> Path:
    """Build a tiny M2M100-style model: ``M2M100ForConditionalGeneration`` + ``M2M100Tokenizer``.

    ``M2M100Tokenizer`` (a slow, sentencepiece-based tokenizer) always appends
    all 100 ``__xx__`` language tokens of its built-in ``"m2m100"`` list after
    vocab.json, whatever ``languages`` says; ``languages`` is only checked
    against that list and its first entry is the default ``src_lang``. Use
    ``tok.src_lang = "es"`` for inputs ``[__es__, ..., </s>]`` and
    ``forced_bos_token_id=tok.get_lang_id("fr")`` for ``generate``. The model's
    ``vocab_size`` is ``len(tokenizer)``; real checkpoints add 8 unused
    "madeup word" rows on top (128104 + 8 = 128112).

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
        vocab_file = Path(tmp) / "vocab.json"
        vocab_file.write_text(json.dumps(_fairseq_vocab(spm_file), ensure_ascii=False, indent=2), encoding="utf-8")
        # M2M100Tokenizer.__init__ means to register its __xx__ tokens as special but
        # never does (a chained `not in` is always False); real checkpoints list them
        # in tokenizer_config.json, so pass them explicitly. Without this,
        # len(tokenizer) omits the language ids and decode(skip_special_tokens=True)
        # keeps "__fr__".
        lang_tokens = [f"__{code}__" for code in FAIRSEQ_LANGUAGE_CODES["m2m100"]]
        tokenizer = M2M100Tokenizer(
            str(vocab_file),
            str(spm_file),
            src_lang=languages[0],
            additional_special_tokens=lang_tokens,
            model_max_length=128,
        )
        model = _m2m100_model(len(tokenizer))
        return _save(
            folder,
            model,
            tokenizer,
            pad_token_id=1,
            bos_token_id=0,
            eos_token_id=2,
            decoder_start_token_id=2,
        )
