"""BLEU tokenized for the target language, and line-based files split on "\\n" alone.

Expected scores come from sacrebleu's own command line on the same files; counts, line numbers
and messages are written by hand.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from align.gold import read_links
from diglot.errors import DataFormatError
from evaluation.metrics import corpus_scores
from evaluation.sources import read_bitext
from glossary.termbase import read_termbase
from tests.llmpeer import Answer, serving
from tests.test_cli import _one_line_error, diglot
from tests.test_evaluation import sacrebleu_cli
from translate.langs import resolve
from translate.prompts import examples_for

# Three close Chinese sentences (issue 14: diglot gave 0.0, `sacrebleu -tok zh` does not).
ZH_REF = "今天天气很好，我们去公园散步吧。\n他昨天买了一本新书。\n这家餐厅的菜非常好吃。\n"
ZH_HYP = "今天天气很好，我们去公园走走吧。\n他昨天买了一本书。\n这家餐馆的菜非常好吃。\n"
THAI_REF = "วันนี้อากาศดีมากเราไปเดินเล่นที่สวนกัน\nเขาซื้อหนังสือเล่มใหม่เมื่อวานนี้\n"
THAI_HYP = "วันนี้อากาศดีมากเราไปเดินที่สวนกัน\nเขาซื้อหนังสือใหม่เมื่อวานนี้\n"
EN_REF = "The cat sleeps on the warm mat.\nWe will meet at noon tomorrow.\n"
EN_HYP = "The cat sleeps on the mat.\nWe meet at noon tomorrow.\n"


def files(tmp_path: Path, hyp: str, ref: str) -> tuple[Path, Path]:
    h, r = tmp_path / "hyp.txt", tmp_path / "ref.txt"
    h.write_text(hyp, encoding="utf-8")
    r.write_text(ref, encoding="utf-8")
    return h, r


def ours(*args: str) -> tuple[dict[str, dict[str, object]], str]:
    res = diglot("score", *args, "--json")
    assert res.returncode == 0, res.stderr
    return {s["metric"]: s for s in json.loads(res.stdout)["scores"]}, res.stderr


def theirs(ref: Path, hyp: Path, *args: str) -> dict[str, object]:
    return dict(json.loads(sacrebleu_cli(str(ref), "-i", str(hyp), "-m", "bleu", *args,
                                         "--format", "json").stdout))


# -- BLEU's tokenizer follows the target language -------------------------------------------

def test_chinese_bleu_with_lang_equals_sacrebleu_tok_zh(tmp_path: Path) -> None:
    hyp, ref = files(tmp_path, ZH_HYP, ZH_REF)
    got, err = ours(str(hyp), str(ref), "--lang", "zh", "-m", "bleu")
    want = theirs(ref, hyp, "-tok", "zh")
    assert got["bleu"]["score"] == pytest.approx(want["score"], abs=0.01)
    assert got["bleu"]["signature"] == want["signature"]
    assert "|tok:zh|" in str(got["bleu"]["signature"]) and err == ""
    assert float(want["score"]) > 50  # close sentences: far from the 0.0 of 13a
    # sacrebleu's -l chooses the same tokenizer, so the signatures agree with it too
    assert theirs(ref, hyp, "-l", "en-zh")["signature"] == got["bleu"]["signature"]


def test_chinese_scored_with_13a_is_zero_and_warned(tmp_path: Path) -> None:
    hyp, ref = files(tmp_path, ZH_HYP, ZH_REF)
    got, err = ours(str(hyp), str(ref), "-m", "bleu")
    # each line is one 13a "word" and no line is identical to its reference
    assert got["bleu"]["score"] == 0.0
    assert "|tok:13a|" in str(got["bleu"]["signature"])
    assert err == (f"diglot: warning: {hyp}: BLEU with the 13a tokenizer splits words at "
                   "spaces, and this text has almost none; give the target language (--lang "
                   "zh, ja, ko) or --tokenize zh/char\n")


@pytest.mark.parametrize("lang", ["zho", "zh-Hant", "cmn"])
def test_other_codes_for_chinese_choose_the_zh_tokenizer(tmp_path: Path, lang: str) -> None:
    hyp, ref = files(tmp_path, ZH_HYP, ZH_REF)
    got, _ = ours(str(hyp), str(ref), "-l", lang, "-m", "bleu")
    assert got["bleu"]["signature"] == theirs(ref, hyp, "-tok", "zh")["signature"]


def test_tokenize_char_equals_sacrebleu_and_wins_over_lang(tmp_path: Path) -> None:
    hyp, ref = files(tmp_path, THAI_HYP, THAI_REF)
    got, err = ours(str(hyp), str(ref), "--tokenize", "char", "--lang", "zh", "-m", "bleu")
    want = theirs(ref, hyp, "-tok", "char")
    assert got["bleu"]["score"] == pytest.approx(want["score"], abs=0.01)
    assert got["bleu"]["signature"] == want["signature"] and err == ""


def test_thai_with_13a_is_warned_and_english_is_not(tmp_path: Path) -> None:
    hyp, ref = files(tmp_path, THAI_HYP, THAI_REF)
    _, err = ours(str(hyp), str(ref), "--lang", "th")  # sacrebleu has no Thai tokenizer
    assert "this text has almost none" in err
    hyp, ref = files(tmp_path, EN_HYP, EN_REF)
    got, err = ours(str(hyp), str(ref), "--lang", "en")
    assert err == "" and "warning" not in got["bleu"]


def test_compare_takes_the_language_too(tmp_path: Path) -> None:
    hyp, ref = files(tmp_path, ZH_HYP, ZH_REF)
    other = tmp_path / "other.txt"
    other.write_text("今天天气不错。\n他买了书。\n这家餐厅很好。\n", encoding="utf-8")
    res = diglot("compare", str(ref), str(hyp), str(other), "-l", "zh", "-m", "bleu", "--json")
    assert res.returncode == 0, res.stderr
    rows = json.loads(res.stdout)
    for row, path in zip(rows, (hyp, other), strict=True):
        want = theirs(ref, path, "-tok", "zh")
        assert row["score"] == pytest.approx(want["score"], abs=0.01)
        assert "|tok:zh|" in row["signature"]  # with the test's own fields (bs:1000|seed...)


@pytest.mark.skipif(importlib.util.find_spec("MeCab") is not None,
                    reason="MeCab is installed: the error path cannot be reached")
@pytest.mark.parametrize(("args", "message"), [
    (["--lang", "ja"], r"^diglot: error: BLEU for ja uses sacrebleu's ja-mecab tokenizer, "
                       r"which needs packages that are not installed: pip install "
                       r"'sacrebleu\[ja\]' \(or give --tokenize char\)$"),
    (["--tokenize", "ja-mecab"], r"^diglot: error: BLEU's ja-mecab tokenizer needs packages "
                                 r"that are not installed: pip install 'sacrebleu\[ja\]'"),
    (["--lang", "ko"], r"BLEU for ko uses sacrebleu's ko-mecab tokenizer, which needs "
                       r"packages that are not installed: pip install 'sacrebleu\[ko\]'"),
])
def test_mecab_tokenizers_without_mecab_name_the_extra(tmp_path: Path, args: list[str],
                                                       message: str) -> None:
    hyp, ref = files(tmp_path, ZH_HYP, ZH_REF)
    _one_line_error(diglot("score", str(hyp), str(ref), *args), message)


def test_unknown_tokenizer_lists_sacrebleus(tmp_path: Path) -> None:
    hyp, ref = files(tmp_path, ZH_HYP, ZH_REF)
    _one_line_error(diglot("score", str(hyp), str(ref), "--tokenize", "words"),
                    r"unknown BLEU tokenizer 'words': use one of none, zh, 13a, intl, char, ")


ES_ZH = {"Hoy hace muy buen tiempo.": "今天天气很好。",
         "Ayer compró un libro nuevo.": "他昨天买了一本书。",
         "La comida de este restaurante es deliciosa.": "这家餐馆的菜非常好吃。"}


def test_run_scores_with_the_target_languages_tokenizer(tmp_path: Path) -> None:
    doc, ref = tmp_path / "doc.es.txt", tmp_path / "ref.zh.txt"
    doc.write_text("".join(f"{s}\n" for s in ES_ZH), encoding="utf-8")
    ref.write_text(ZH_REF, encoding="utf-8")
    out = tmp_path / "out"
    with serving(lambda call: Answer(ES_ZH.get(call.query, call.query))) as peer:
        res = diglot("run", str(doc), "--from", "es", "--to", "zh", "--engine", "llm",
                     "--endpoint", "chat", "--base-url", peer.url, "--reference", str(ref),
                     "--out", str(out))
    assert res.returncode == 0, res.stderr
    translated = out / "doc.zh.txt"
    assert translated.read_text(encoding="utf-8") == "".join(f"{t}\n" for t in ES_ZH.values())
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    bleu = next(s for s in summary["scores"] if s["metric"] == "bleu")
    want = theirs(ref, translated, "-tok", "zh")
    assert bleu["score"] == pytest.approx(want["score"], abs=0.01)
    assert bleu["signature"] == want["signature"] and bleu["warning"] is None
    paragraphs = json.loads((out / "evaluation.json").read_text(encoding="utf-8"))["paragraphs"]
    # 这家餐馆的菜非常好吃。 against 这家餐厅的菜非常好吃。: 11 characters, the 4th differs, so
    # 10/11, 8/10, 6/9 and 4/8 n-grams match: (8/33) ** (1/4) = 70.17 (13a: 0, one word each)
    assert paragraphs[2]["bleu"] == pytest.approx(70.17, abs=0.01)


def test_the_python_api_takes_the_language() -> None:
    hyps, refs = ZH_HYP.split("\n")[:3], ZH_REF.split("\n")[:3]
    bleu = corpus_scores(hyps, [refs], ("bleu",), lang="zh")[0]
    assert "|tok:zh|" in bleu.signature and bleu.score > 50 and bleu.warning is None


# -- line-based files split on "\n" only ----------------------------------------------------

REF_SEP = ("The cat sleeps on the warm mat.\nShe opened the window.{sep}Then she read the "
           "letter again.\nWe will meet at noon tomorrow.\n")
HYP_SEP = ("The cat sleeps on the mat.\nShe opened the window.{sep}Then she read the letter "
           "once more.\nWe meet at noon tomorrow.\n")


@pytest.mark.parametrize("sep", ["\u2028", "\u2029", "\x85", "\x0c", "\x0b", "\x1e"])
def test_a_separator_inside_a_line_scores_like_sacrebleu(tmp_path: Path, sep: str) -> None:
    hyp, ref = files(tmp_path, HYP_SEP.format(sep=sep), REF_SEP.format(sep=sep))
    res = diglot("score", str(hyp), str(ref), "-m", "bleu,chrf", "--json", "--segments")
    assert res.returncode == 0, res.stderr
    got = json.loads(res.stdout)
    assert len(got["segments"]["bleu"]) == 3  # three lines, not four
    want = json.loads(sacrebleu_cli(str(ref), "-i", str(hyp), "-m", "bleu", "chrf",
                                    "--format", "json").stdout)
    for mine, their in zip(got["scores"], want, strict=True):
        assert mine["score"] == pytest.approx(their["score"], abs=0.01)
        assert mine["signature"] == their["signature"]


def test_a_separator_in_the_hypothesis_only_is_not_a_count_mismatch(tmp_path: Path) -> None:
    hyp, ref = files(tmp_path, HYP_SEP.format(sep="\u2028"), REF_SEP.format(sep=" "))
    got, _ = ours(str(hyp), str(ref))
    assert set(got) == {"bleu", "chrf"}


GLOSSARY = ("fr\ten\tnote\n"
            "lutte des classes\tclass struggle\tsee\u2028chapter 1\n"
            "force\x0cde travail\tlabour power\tform feed in the source\n"
            "plus-value\tsurplus value\tnext\x85line\n")


def test_glossary_fields_keep_separators_and_count_right(tmp_path: Path) -> None:
    path = tmp_path / "g.tsv"
    path.write_text(GLOSSARY, encoding="utf-8")
    base = read_termbase(path)
    assert [(t.source, t.line) for t in base.terms] == [
        ("lutte des classes", 2), ("force de travail", 3), ("plus-value", 4)]
    assert base.terms[0].note == "see\u2028chapter 1"
    path.write_text(GLOSSARY + "capital\t\t\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"g\.tsv:5: no target for 'capital'"):
        read_termbase(path)


GOLD = "[0]:[0]\n[1,\u20282]:[1]\n[3]:[\x0c2]\n[4]:[3\x85]\n"


def test_gold_links_with_separators_inside_are_one_link_a_line(tmp_path: Path) -> None:
    path = tmp_path / "gold.txt"
    path.write_text(GOLD, encoding="utf-8")
    assert read_links(path) == [((0,), (0,)), ((1, 2), (1,)), ((3,), (2,)), ((4,), (3,))]
    with pytest.raises(DataFormatError, match=r"gold\.txt:4: target index 3 is out of range"):
        read_links(path, n_src=5, n_tgt=3)
    path.write_text(GOLD + "[5]:[x]\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"gold\.txt:5: not an alignment link"):
        read_links(path)


def test_bitext_segments_keep_separators(tmp_path: Path) -> None:
    path = tmp_path / "pairs.tsv"
    path.write_text("Uno.\tOne.\nDos.\u2028Tres.\tTwo.\x85Three.\nCuatro.\tFour.\n",
                    encoding="utf-8")
    items = read_bitext(path).items
    assert [(i.id, i.source, i.target) for i in items] == [
        ("pairs.tsv:1", "Uno.", "One."), ("pairs.tsv:2", "Dos.\u2028Tres.", "Two.\x85Three."),
        ("pairs.tsv:3", "Cuatro.", "Four.")]
    path.write_text("Uno.\tOne.\nDos.\u2028Tres.\tTwo.\nCinco y nada más\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"pairs\.tsv:3: has 1 tab-separated columns"):
        read_bitext(path)


def test_few_shot_examples_keep_separators(tmp_path: Path) -> None:
    path = tmp_path / "shots.tsv"
    path.write_text("Hola.\u2029Adiós.\tHello.\u2029Goodbye.\nGato.\tCat.\n", encoding="utf-8")
    assert examples_for(resolve("es"), resolve("en"), path) == [
        ("Hola.\u2029Adiós.", "Hello.\u2029Goodbye."), ("Gato.", "Cat.")]
    path.write_text("Hola.\u2029Adiós.\tHello.\nsin tabulador\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"shots\.tsv:2: give one example per line"):
        examples_for(resolve("es"), resolve("en"), path)



def test_aligner_line_files_keep_separators_inside_a_sentence(tmp_path: Path) -> None:
    from align.aligner import read_side

    path = tmp_path / "side.txt"
    path.write_text("Uno.\nDos.\u2028Tres.\nCuatro.\x0cCinco.\n", encoding="utf-8")
    side = read_side(path, "es", "lines")
    assert side.sentences == ("Uno.", "Dos.\u2028Tres.", "Cuatro.\x0cCinco.")


def test_align_eval_counts_sentences_by_newline(tmp_path: Path) -> None:
    src, tgt = tmp_path / "src.txt", tmp_path / "tgt.txt"
    src.write_text("Uno.\nDos.\u2028Tres.\nCuatro.\n", encoding="utf-8")  # 3 sentences
    tgt.write_text("One.\nTwo.\nThree.\nFour.\n", encoding="utf-8")
    gold = tmp_path / "gold.txt"
    gold.write_text("[0]:[0]\n[1]:[1,2]\n[3]:[3]\n", encoding="utf-8")
    _one_line_error(diglot("align", "eval", str(gold), str(gold), "--src", str(src),
                           "--tgt", str(tgt)),
                    r"gold\.txt:3: source index 3 is out of range: the source has 3 sentences")


def test_csv_glossary_fields_keep_separators(tmp_path: Path) -> None:
    path = tmp_path / "g.csv"
    path.write_text("fr,en,note\nlutte des classes,class struggle,\"see\u2028chapter 1\"\n"
                    "plus-value,surplus value,next\x85line\ncapital,,\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"g\.csv:4: no target for 'capital'"):
        read_termbase(path)
