"""Benchmark: a small local LLM through diglot's LLM engine, by unit, against Apertium.

Starts llama.cpp's OpenAI-compatible server (``python -m llama_cpp.server``, extra
``llm-server``) with Gemma 3 270M base, 4-bit, and translates the first N FLORES-200 dev
sentences French → English (consecutive sentences of the same articles) as one document with
each setting. Scores are sacrebleu's, against the FLORES English reference.

Rows: Apertium (fr→es→en, the fallback); the LLM engine with completions × sentence, context
and paragraph units, and chat × context; and completions × sentence with ``--fallback
apertium``. For each: BLEU, chrF, sentences/s, requests sent, segments retried, handed to the
fallback, kept with an unresolved note, failed; and how many of the sentences with a number
still lose one in the output (diglot's QA number check).

Run from the project root:  .venv/bin/python benchmarks/llm.py [--sentences 200]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
FLORES = ROOT.parent / "shared/data/flores-dev"


def translate(engine: Any, sources: list[str]) -> tuple[list[str], float]:
    """Translate in batches of 16 as the pipeline does; a failed segment stays empty."""
    from diglot.errors import EngineError

    out: list[str] = []
    start = time.perf_counter()
    for k in range(0, len(sources), 16):
        batch = sources[k:k + 16]
        try:
            out += [h.text for h in engine.translate_batch(batch)]
        except EngineError:
            for s in batch:
                try:
                    out.append(engine.translate_batch([s])[0].text)
                except EngineError:
                    out.append("")
    return out, time.perf_counter() - start


def lost_numbers(sources: list[str], outputs: list[str]) -> tuple[int, int]:
    from evaluation.checks import NumbersCheck
    from evaluation.qa import Context, Item
    from translate.langs import resolve

    items = [Item(str(k), s, t) for k, (s, t) in enumerate(zip(sources, outputs, strict=True))]
    flags = NumbersCheck().run(items, Context(resolve("fr"), resolve("en")))
    with_numbers = sum(any(c.isdigit() for c in s) for s in sources)
    return sum("missing" in f.message for f in flags), with_numbers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sentences", type=int, default=200)
    args = parser.parse_args()
    from sacrebleu.metrics import BLEU, CHRF

    from tests.llmpeer import llama_server
    from translate.apertium import open_apertium
    from translate.langs import resolve
    from translate.llm import LLMEngine

    fr, en = resolve("fr"), resolve("en")
    sources = (FLORES / "fra.dev").read_text(encoding="utf-8").splitlines()[:args.sentences]
    refs = [(FLORES / "eng.dev").read_text(encoding="utf-8").splitlines()[:args.sentences]]
    rows: list[tuple[str, list[str], float, dict[str, int]]] = []
    with llama_server() as url:
        apertium = open_apertium(fr, en)
        out, seconds = translate(apertium, sources)
        rows.append(("Apertium fr→es→en", out, seconds, {}))
        apertium.close()
        settings: list[tuple[str, dict[str, Any]]] = [
            ("LLM completions, sentence", {}),
            ("LLM completions, context", {"unit": "context"}),
            ("LLM completions, paragraph (5)", {"unit": "paragraph"}),
            ("LLM chat, context", {"endpoint": "chat"}),
            ("LLM completions, sentence, --fallback apertium", {"fallback": "apertium"}),
        ]
        for name, options in settings:
            engine = LLMEngine(fr, en, base_url=url, **options)
            out, seconds = translate(engine, sources)
            engine.close()
            rows.append((name, out, seconds, dict(engine.stats)))
            print(f"{name}: {seconds:.0f} s", file=sys.stderr)
    bleu, chrf = BLEU(), CHRF()
    print(f"{len(sources)} FLORES dev sentences fr→en; Gemma 3 270M base (Q4_K_M) on "
          "llama.cpp's server, 2 cores\n")
    print("| system | BLEU | chrF | sentences/s | requests | retried | fallback | unresolved "
          "| failed | number lost |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, out, seconds, stats in rows:
        lost, with_numbers = lost_numbers(sources, out)
        print(f"| {name} | {bleu.corpus_score(out, refs).score:.1f} | "
              f"{chrf.corpus_score(out, refs).score:.1f} | {len(sources) / seconds:.2f} | "
              f"{stats.get('requests', '')} | {stats.get('retried', '')} | "
              f"{stats.get('fallback', '')} | {stats.get('unresolved', '')} | "
              f"{stats.get('failed', '')} | {lost} of {with_numbers} |")
    print(f"\nBLEU {bleu.get_signature()}; chrF {chrf.get_signature()}")


if __name__ == "__main__":
    main()
