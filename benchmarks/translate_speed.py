"""Benchmark: how fast diglot's seq2seq engines translate on this machine's CPU.

The model has OPUS-MT's shape (Marian: d_model 512, 6 encoder and 6 decoder layers, 8 heads,
FFN 2048, a 58,000-entry vocabulary) with random weights, and a SentencePiece model trained on
FLORES-200 dev (French and English). Its end-of-sentence logit is pushed down, so no runtime
stops early: each sentence decodes exactly ``max_new_tokens(n)`` tokens (diglot's own limit for
an input of n tokens; min = max new tokens), the same in every row.

Rows, on the first 500 FLORES dev French sentences the splitter keeps whole:

(a) naive transformers: one sentence at a time, ``generate`` with min = max new tokens;
(b) diglot's transformers engine, ``translate_batch`` over all (token-budget batches);
(c) raw ``ctranslate2.Translator.translate_batch``, int8, the best of batch sizes 8-128
    (probed on 100 sentences), sentences sorted by length, tokenization included;
(d) ``diglot translate`` end to end with the CT2 engine: a new process, imports, ingest, the
    project store, the translation memory and the output file included;
(e) the same command again: everything comes from the store;
(f) another document of the same sentences in reverse order, same store: the translation
    memory answers all of them.

Each row runs in its own process, so peak RSS is that row's. Target tokens/s counts the tokens
decoded (the sum of ``max_new_tokens(n)``). Goals: (b) ≥ 3× (a), (d) ≥ 0.95× (c), (d) ≥ 6× (a).

Run from the project root:  .venv/bin/python benchmarks/translate_speed.py [--sentences 500]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
FLORES = ROOT.parent / "shared/data/flores-dev"
VOCAB = 58_000
SHAPE: dict[str, Any] = dict(
    d_model=512, encoder_layers=6, decoder_layers=6, encoder_attention_heads=8,
    decoder_attention_heads=8, encoder_ffn_dim=2048, decoder_ffn_dim=2048,
    max_position_embeddings=512, scale_embedding=True, share_encoder_decoder_embeddings=True,
    dropout=0.0, attention_dropout=0.0, activation_dropout=0.0)
GNU_TIME = shutil.which("/usr/bin/time")


def build_model(folder: Path) -> Path:
    """The OPUS-MT-shaped Marian model with random weights, saved like a hub checkpoint."""
    if (folder / "config.json").is_file():
        return folder
    import torch
    from transformers import GenerationConfig, MarianConfig, MarianMTModel, MarianTokenizer

    from tests.tinymodels import _pieces, _write_json, train_spm

    lines = [line for lang in ("fra", "eng")
             for line in (FLORES / f"{lang}.dev").read_text(encoding="utf-8").splitlines()]
    with tempfile.TemporaryDirectory() as tmp:
        spm_file = train_spm(Path(tmp), lines, vocab_size=8000, model_type="unigram")
        vocab = {"</s>": 0, "<unk>": 1}
        for piece in _pieces(spm_file):
            vocab.setdefault(piece, len(vocab))
        while len(vocab) < VOCAB - 1:  # OPUS-MT's vocabularies are ~58k; the rest are unused
            vocab[f"<unused{len(vocab)}>"] = len(vocab)
        vocab["<pad>"] = len(vocab)
        vocab_file = _write_json(Path(tmp) / "vocab.json", vocab)
        tokenizer = MarianTokenizer(str(spm_file), str(spm_file), str(vocab_file),
                                    model_max_length=512)
        pad, eos = vocab["<pad>"], vocab["</s>"]
        config = MarianConfig(vocab_size=len(vocab), decoder_vocab_size=len(vocab),
                              pad_token_id=pad, decoder_start_token_id=pad, eos_token_id=eos,
                              forced_eos_token_id=eos, **SHAPE)
        torch.manual_seed(0)
        model = MarianMTModel(config)
        with torch.no_grad():  # random weights would stop anywhere: stop only at the limit
            model.final_logits_bias[0, eos] = -1e4
        model.generation_config = GenerationConfig(
            num_beams=1, do_sample=False, pad_token_id=pad, eos_token_id=eos,
            decoder_start_token_id=pad, forced_eos_token_id=eos, bad_words_ids=[[pad]])
        model.eval()
        model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
    return folder


def sentences(n: int) -> list[str]:
    """The first n FLORES dev French lines that diglot keeps as one segment."""
    from corpora.splitter import split_sentences

    out = []
    for line in (FLORES / "fra.dev").read_text(encoding="utf-8").splitlines():
        if len(split_sentences(line, "fr")) == 1:
            out.append(line.strip())
        if len(out) == n:
            break
    return out


def decode_lengths(model: Path, texts: list[str]) -> list[int]:
    from transformers import AutoTokenizer

    from translate.hf import max_new_tokens

    tok = AutoTokenizer.from_pretrained(str(model))
    return [max_new_tokens(len(ids)) for ids in tok(texts).input_ids]


# One row per process: each prints {"seconds": ..., "tokens": ..., ...} on its last line.

def row_naive(model: Path, texts: list[str]) -> dict[str, Any]:
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    from translate.hf import max_new_tokens

    tok = AutoTokenizer.from_pretrained(str(model))
    net = AutoModelForSeq2SeqLM.from_pretrained(str(model)).eval()
    tokens = 0
    start = time.perf_counter()
    with torch.inference_mode():
        for text in texts:
            enc = tok([text], return_tensors="pt")
            limit = max_new_tokens(enc["input_ids"].shape[1])
            out = net.generate(**enc, min_new_tokens=limit, max_new_tokens=limit)
            tok.decode(out[0], skip_special_tokens=True)
            tokens += out.shape[1] - 1  # the decoder's start token is not decoded
    return {"seconds": time.perf_counter() - start, "tokens": tokens}


def row_engine(model: Path, texts: list[str]) -> dict[str, Any]:
    from translate.hf import TransformersEngine
    from translate.langs import resolve

    engine = TransformersEngine(resolve("fr"), resolve("en"), model=str(model))
    start = time.perf_counter()
    engine.translate_batch(texts)
    return {"seconds": time.perf_counter() - start}


def row_ct2(model: Path, texts: list[str]) -> dict[str, Any]:
    import ctranslate2
    from transformers import AutoTokenizer

    from translate.ct2 import converted
    from translate.hf import max_new_tokens

    tok = AutoTokenizer.from_pretrained(str(model))
    translator = ctranslate2.Translator(str(converted(model, "int8")), compute_type="int8",
                                        intra_threads=len(os.sched_getaffinity(0)))

    def run(batch_size: int, part: list[str]) -> tuple[float, int]:
        start = time.perf_counter()
        pieces = [tok.convert_ids_to_tokens(ids) for ids in tok(part).input_ids]
        order = sorted(range(len(pieces)), key=lambda i: len(pieces[i]))
        tokens = 0
        for k in range(0, len(order), batch_size):
            batch = [pieces[i] for i in order[k:k + batch_size]]
            limit = max_new_tokens(max(map(len, batch)))
            results = translator.translate_batch(batch, beam_size=1, max_batch_size=batch_size,
                                                 max_decoding_length=limit,
                                                 min_decoding_length=limit)
            for src, res in zip(batch, results, strict=True):
                hyp = res.hypotheses[0][:max_new_tokens(len(src))]
                tokens += len(hyp)
                tok.convert_tokens_to_string(hyp)
        return time.perf_counter() - start, tokens

    probes = {size: run(size, texts[:100])[0] for size in (8, 16, 32, 64, 128)}
    best = min(probes, key=probes.__getitem__)
    seconds, tokens = run(best, texts)
    return {"seconds": seconds, "tokens": tokens, "batch": best,
            "probes": {k: round(v, 2) for k, v in probes.items()}}


def peak_rss_mb() -> float:
    """This process's peak RSS since exec (VmHWM; ru_maxrss would count the parent's, which a
    child keeps across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


ROWS = {"naive": row_naive, "engine": row_engine, "ct2": row_ct2}


def in_process(name: str, model: Path, inputs: Path) -> dict[str, Any]:
    """Run one row in a fresh Python process; its result and peak RSS."""
    proc = subprocess.run([sys.executable, __file__, "--row", name, "--model", str(model),
                           "--inputs", str(inputs)], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"row {name} failed:\n{proc.stderr[-3000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def cli(args: list[str]) -> dict[str, Any]:
    """Time ``diglot ARGS`` as a user runs it; peak RSS from GNU time when present."""
    with tempfile.TemporaryDirectory() as tmp:
        rss = Path(tmp) / "rss"
        cmd = [str(Path(sys.executable).parent / "diglot"), *args]
        if GNU_TIME:
            cmd = [GNU_TIME, "-f", "%M", "-o", str(rss), *cmd]
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if proc.returncode != 0:
            sys.exit(f"diglot {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
        mb = int(rss.read_text().split()[-1]) / 1024 if GNU_TIME else float("nan")
    return {"seconds": seconds, "rss_mb": mb}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sentences", type=int, default=500)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir())
                        / "diglot-bench-speed")
    parser.add_argument("--row", choices=ROWS, help=argparse.SUPPRESS)
    parser.add_argument("--model", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--inputs", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.row:
        texts = args.inputs.read_text(encoding="utf-8").splitlines()
        result = ROWS[args.row](args.model, texts)
        result["rss_mb"] = peak_rss_mb()
        print(json.dumps(result))
        return
    if not FLORES.is_dir():
        sys.exit(f"{FLORES} is missing: this benchmark reads FLORES-200 dev from ../shared")
    args.cache.mkdir(parents=True, exist_ok=True)
    model = build_model(args.cache / "opus-mt-shaped-fr-en")
    texts = sentences(args.sentences)
    inputs = args.cache / "flores.fr.txt"
    inputs.write_text("\n".join(texts) + "\n", encoding="utf-8")
    tokens = sum(decode_lengths(model, texts))
    threads = len(os.sched_getaffinity(0))
    print(f"{len(texts)} FLORES dev sentences fr→en, {tokens} target tokens to decode, "
          f"{threads} cores; model: OPUS-MT shape, random weights, vocabulary {VOCAB}")
    rows: dict[str, dict[str, Any]] = {}
    rows["(a) naive transformers, one sentence at a time"] = in_process("naive", model, inputs)
    rows["(b) diglot transformers engine, batched"] = in_process("engine", model, inputs)
    converted_start = time.perf_counter()
    from translate.ct2 import converted

    converted(model, "int8")
    convert_s = time.perf_counter() - converted_start
    rows["(c) raw ctranslate2 translate_batch, int8"] = in_process("ct2", model, inputs)
    project = args.cache / "bench.db"
    project.unlink(missing_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(str(project) + suffix).unlink(missing_ok=True)
    common = ["-f", "fr", "-t", "en", "-e", "ctranslate2", "-m", str(model), "--project",
              str(project)]
    out = args.cache / "out.en.txt"
    rows["(d) diglot translate, ctranslate2 int8, end to end"] = cli(
        ["translate", str(inputs), *common, "-o", str(out)])
    rows["(e) the same document again (from the store)"] = cli(
        ["translate", str(inputs), *common, "-o", str(out)])
    reverse = args.cache / "flores-reversed.fr.txt"
    reverse.write_text("\n".join(reversed(texts)) + "\n", encoding="utf-8")
    rows["(f) another document, same sentences (translation memory)"] = cli(
        ["translate", str(reverse), *common, "-o", str(out)])
    report(rows, tokens, convert_s)


def report(rows: dict[str, dict[str, Any]], tokens: int, convert_s: float) -> None:
    naive = rows["(a) naive transformers, one sentence at a time"]["seconds"]
    print("\n| row | seconds | target tokens/s | × (a) | peak RSS MB |")
    print("|---|---|---|---|---|")
    for name, r in rows.items():
        speed = tokens / r["seconds"]
        print(f"| {name} | {r['seconds']:.1f} | {speed:,.0f} | {naive / r['seconds']:.2f} | "
              f"{r['rss_mb']:,.0f} |")
    c = rows["(c) raw ctranslate2 translate_batch, int8"]
    print(f"\n(c) best batch size {c['batch']} (seconds on 100 sentences by size: "
          f"{c['probes']}); decoded {c['tokens']} tokens, (a) {rows[next(iter(rows))]['tokens']}"
          f", planned {tokens}. int8 conversion, once: {convert_s:.1f} s")
    sec = {k[:3]: r["seconds"] for k, r in rows.items()}
    for goal, ratio, want in (("(b) ≥ 3× (a)", sec["(a)"] / sec["(b)"], 3.0),
                              ("(d) ≥ 0.95× (c)", sec["(c)"] / sec["(d)"], 0.95),
                              ("(d) ≥ 6× (a)", sec["(a)"] / sec["(d)"], 6.0)):
        print(f"goal {goal}: {ratio:.2f}× — {'met' if ratio >= want else 'NOT met'}")


if __name__ == "__main__":
    main()
