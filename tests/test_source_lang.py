"""Mixed-language sources: a paragraph not in the source language is kept or routed, not
mangled by the document's pair (translate/routing.py), through real Apertium and real SQLite."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from corpora.ingest import parse_text
from diglot.pipeline import RunOptions, Summary, run
from tests.conftest import needs_apertium, needs_shared
from tests.mixed_essay import ENGLISH, paragraph, write_essay
from translate import engine as engine_registry
from translate import routing
from translate.apertium import open_apertium
from translate.engine import EngineConfig, Hypothesis
from translate.langs import Language, resolve

KEPT = "kept: already in target language"

# Invented for these tests (not from any data set): a Spanish paragraph and an Italian one
# that a French book might quote, and paragraphs that must stay with the engine.
SPANISH = ("La imprenta llegó a la península a finales del siglo quince, y con ella los "
           "primeros libros impresos en lengua castellana para un público cada vez mayor.")
ITALIAN = ("Il vecchio mulino sul fiume ha smesso di macinare il grano molti anni fa, ma gli "
           "abitanti del paese lo chiamano ancora con il suo nome antico.")
ENGLISH_INVENTED = ("The committee met every Thursday evening in the back room of the "
                    "library, and nobody ever remembered to bring enough chairs for everyone.")


class Recording:
    """Real Apertium that writes down every segment it is sent, and can be made to stop
    (Ctrl-C) at its second batch while ``stop_at`` is set."""

    sent: list[str] = []
    calls = 0
    stop_at: int | None = None

    def __init__(self, src: Language, tgt: Language, **_: object) -> None:
        self.inner = open_apertium(src, tgt)
        self.src, self.tgt = src, tgt

    @property
    def config(self) -> EngineConfig:
        return EngineConfig("recording", self.inner.config.model)

    def translate_batch(self, segments: Sequence[str]) -> list[Hypothesis]:
        Recording.calls += 1
        if Recording.stop_at is not None and Recording.calls >= Recording.stop_at:
            raise KeyboardInterrupt
        Recording.sent += segments
        return self.inner.translate_batch(segments)

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
def recording(monkeypatch: pytest.MonkeyPatch) -> type[Recording]:
    monkeypatch.setitem(engine_registry.REGISTRY, "recording", "tests.test_source_lang:Recording")
    Recording.sent, Recording.calls, Recording.stop_at = [], 0, None
    return Recording


def _doc(tmp_path: Path, *paragraphs: str, name: str = "doc.fr.md") -> Path:
    path = tmp_path / name
    path.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return path


def _segments(text: str, lang: str) -> list[str]:
    """The sentences diglot cuts a paragraph into."""
    return [s.text for s in parse_text(text + "\n", lang, "p.md", "markdown").segments]


def _notes(summary: Summary, path: Path) -> dict[str, str]:
    """Source segment text -> note, for every note of a run."""
    doc = parse_text(path.read_text(encoding="utf-8"), summary.source_lang, path.name,
                     "markdown")
    return {doc.segments[int(str(n["segment"]))].text: str(n["note"]) for n in summary.notes}


def _apertium(mode: str, text: str) -> str:
    """The paragraph through the apertium command alone, spaces collapsed (diglot's output
    is spaced by the target's typography; Apertium leaves double spaces)."""
    out = subprocess.run(["apertium", "-u", mode], input=text, capture_output=True, text=True,
                         check=True).stdout
    return " ".join(out.split())


def _plan(*paragraphs: str, src: str = "fr", tgt: str = "en") -> list[str]:
    doc = parse_text("\n\n".join(paragraphs) + "\n", src, "p.md", "markdown")
    found = routing.plan(doc, resolve(src), resolve(tgt), lambda code: code == "es")
    return [p.action for p in found.paragraphs]


# -- what is identified: invented inputs, hand-written expectations -----------------------

def test_short_titles_mottos_names_and_inline_quotations_stay_with_the_engine() -> None:
    assert _plan("## Open Source",
                 "Veni, vidi, vici.",
                 "Errare humanum est, perseverare diabolicum.",
                 "Thanks for reading.",
                 "Comme le dit Stallman : « free as in free speech, not as in free beer », "
                 "et cette formule a fait le tour du monde du logiciel libre depuis.",
                 "Le 25 août 1991, Linus Torvalds annonce sur comp.os.minix un noyau nommé "
                 "Linux ; la version 0.01 du fichier `linux-0.01.tar.gz` suit en septembre.",
                 "Voir [Free Software Foundation](https://www.fsf.org/about/what-is-free-"
                 "software) et [GNU General Public License](https://www.gnu.org/licenses/gpl) "
                 "pour le texte de la licence."
                 ) == ["engine"] * 7


def test_whole_paragraphs_in_other_languages_are_kept_routed_or_flagged() -> None:
    assert _plan(ENGLISH_INVENTED, SPANISH, ITALIAN,
                 "Le vieux moulin de la rivière a cessé de moudre le grain depuis longtemps, "
                 "mais les habitants du village l'appellent encore par son ancien nom."
                 ) == ["kept", "routed", "flagged", "engine"]


def test_no_check_for_a_source_language_lingua_does_not_know() -> None:
    # Galician has no lingua model: its paragraphs would read as Spanish or Portuguese
    galician = ("O vello muíño do río deixou de moer o gran hai moitos anos, pero os veciños "
                "da aldea aínda o chaman polo seu nome antigo.")
    doc = parse_text(galician + "\n", "gl", "p.md", "markdown")
    found = routing.plan(doc, resolve("gl"), resolve("en"), lambda _: True)
    assert found.route(galician).action == "engine"
    assert routing.describe(found.summary(doc)) == (
        "source language check: not run (lingua has no model for Galician)")


def test_a_sentence_in_both_a_foreign_and_a_french_paragraph_stays_with_the_engine() -> None:
    doc = parse_text(f"{ENGLISH_INVENTED} Linux.\n\nJ'utilise Linux depuis des années pour "
                     "écrire, traduire et publier mes livres. Linux.\n", "fr", "p.md",
                     "markdown")
    found = routing.plan(doc, resolve("fr"), resolve("en"), lambda _: False)
    assert found.route("Linux.").action == "engine"
    assert found.route(ENGLISH_INVENTED).action == "kept"


# -- the named input: the French essay with its 9 English paragraphs, fr→en ----------------

@needs_apertium
@needs_shared
def test_essay_fr_en_keeps_its_english_paragraphs_byte_for_byte(
        tmp_path: Path, recording: type[Recording]) -> None:
    path, labels = write_essay(tmp_path)
    summary = run(RunOptions(path, "fr", "en", engine="recording", out=tmp_path / "out"))
    out = (tmp_path / "out" / "essai.en.md").read_text(encoding="utf-8")
    english = [paragraph("en.md", start) for start in ENGLISH]
    for para in english:
        assert f"\n\n{para}\n\n" in out or out.endswith(f"\n\n{para}\n")
    sentences = {s for para in english for s in _segments(para, "fr")}
    assert not sentences & set(recording.sent)  # never sent to the engine
    notes = _notes(summary, path)
    assert {s: notes[s][:len(KEPT)] for s in sentences} == {s: KEPT for s in sentences}
    info = summary.source_languages
    assert info["segments"]["kept"] == len(sentences)
    # the run's counts say the same: kept segments are not counted as translated
    assert summary.kept == len(sentences) and summary.translated == len(set(recording.sent))
    assert info["segments"]["routed"] == info["segments"]["flagged"] == 0
    assert len(info["moved"]) == labels.count("en") == 9
    assert "Bourgeoisie" not in out.split("\n\n", 2)[1]  # the French is translated
    qa = json.loads((tmp_path / "out" / "evaluation.json").read_text(encoding="utf-8"))
    segments = qa["segments"]
    kept_errors = [f for f in qa["flags"] if f["severity"] == "error"
                   and segments[f["item"]]["source"] in sentences]
    assert kept_errors == []


# -- a smaller real excerpt: French, English and German paragraphs ---------------------------

def _excerpt(tmp_path: Path) -> tuple[Path, list[str], str]:
    french = [paragraph("fr.md", "La société bourgeoise moderne, élevée"),
              paragraph("fr.md", "Des serfs du Moyen Âge naquirent")]
    english = [paragraph("en.md", "The bourgeoisie has torn away from the family"),
               paragraph("en.md", "The need of a constantly expanding market")]
    german = paragraph("de.md", "Unsere Epoche, die Epoche der Bourgeoisie")
    path = _doc(tmp_path, "# Bourgeois et prolétaires", french[0], english[0], german,
                french[1], english[1], name="extrait.fr.md")
    return path, english, german


@needs_apertium
@needs_shared
def test_fr_es_sends_english_paragraphs_through_eng_spa(tmp_path: Path) -> None:
    path, english, german = _excerpt(tmp_path)
    summary = run(RunOptions(path, "fr", "es", out=tmp_path / "out"))
    out = (tmp_path / "out" / "extrait.es.md").read_text(encoding="utf-8").split("\n\n")
    assert out[2] == _apertium("eng-spa", english[0])
    assert out[5].rstrip("\n") == _apertium("eng-spa", english[1])
    assert "burguesía" in out[2].lower() and "family" not in out[2]
    assert routing.identify([out[2], out[5]], ["es", "en", "fr"])[0][0] == "es"
    assert out[3] == german  # no German pair: kept and flagged
    notes = _notes(summary, path)
    for s in _segments(english[0], "fr"):
        assert notes[s] == "routed: en→es (source paragraph in English)"
    for s in _segments(german, "fr"):
        assert notes[s] == ("kept: source paragraph in German, no de→es pair; translate it by "
                            "hand")
    qa = json.loads((tmp_path / "out" / "evaluation.json").read_text(encoding="utf-8"))
    warned = [qa["segments"][f["item"]]["source"] for f in qa["flags"]
              if f["check"] == "source_language"]
    assert warned == _segments(german, "fr")  # a translator's job, in the report's flags
    assert {f["severity"] for f in qa["flags"] if f["check"] == "source_language"} == {
        "warning"}
    assert [m["note"] for m in summary.source_languages["moved"]] == [
        "routed: en→es (source paragraph in English)",
        "kept: source paragraph in German, no de→es pair; translate it by hand",
        "routed: en→es (source paragraph in English)"]
    assert summary.source_languages["by_language"] == {
        "de": {"flagged": len(_segments(german, "fr"))},
        "en": {"routed": sum(len(_segments(e, "fr")) for e in english)}}


@needs_apertium
def test_a_spanish_paragraph_in_a_french_book_goes_through_spa_eng(tmp_path: Path) -> None:
    french = ("Le vieux moulin de la rivière a cessé de moudre le grain depuis longtemps, mais "
              "les habitants du village l'appellent encore par son ancien nom.")
    path = _doc(tmp_path, french, SPANISH, ITALIAN)
    summary = run(RunOptions(path, "fr", "en", out=tmp_path / "out"))
    out = (tmp_path / "out" / "doc.en.md").read_text(encoding="utf-8").split("\n\n")
    assert out[1] == _apertium("spa-eng", SPANISH)
    assert out[2] == ITALIAN + "\n"
    assert out[0] != french
    assert summary.source_languages["segments"] == {
        "engine": 1, "kept": 0, "routed": 1, "flagged": 1}


@needs_apertium
@needs_shared
def test_check_off_sends_everything_to_the_engine(tmp_path: Path,
                                                  recording: type[Recording]) -> None:
    path, english, german = _excerpt(tmp_path)
    off = run(RunOptions(path, "fr", "en", engine="recording", out=tmp_path / "in-process",
                         source_lang_check=False))
    foreign = {s for text in [*english, german] for s in _segments(text, "fr")}
    assert foreign <= set(recording.sent)
    assert off.notes == [] and off.source_languages == {"check": "off"}
    # the CLI option, and the report and summary lines of the run with the check on
    res = subprocess.run([sys.executable, "-m", "diglot", "run", str(path), "--from", "fr",
                          "--to", "en", "--out", str(tmp_path / "off"),
                          "--source-lang-check", "off"], capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, res.stderr
    assert "source language check: off" in res.stdout
    summary = json.loads((tmp_path / "off" / "summary.json").read_text(encoding="utf-8"))
    assert summary["source_languages"] == {"check": "off"} and summary["notes"] == []
    on = subprocess.run([sys.executable, "-m", "diglot", "run", str(path), "--from", "fr",
                         "--to", "en", "--out", str(tmp_path / "on")], capture_output=True,
                        text=True, timeout=300)
    assert on.returncode == 0, on.stderr
    only = subprocess.run([sys.executable, "-m", "diglot", "translate", str(path), "--from",
                           "fr", "--to", "en"], capture_output=True, text=True, timeout=300)
    assert only.returncode == 0 and english[0] in only.stdout
    assert "segments kept as already in the target language 3" in only.stderr
    # english[0] is one sentence, english[1] two; the German paragraph is two
    assert ("segments kept as already in the target language 3, routed through another "
            "pair 0, kept and flagged (no pair) 2") in on.stdout
    with_check = json.loads((tmp_path / "on" / "summary.json").read_text(encoding="utf-8"))
    assert with_check["config_key"] != summary["config_key"]  # never shares the memory
    report = (tmp_path / "on" / "report.html").read_text(encoding="utf-8")
    assert "<h2>Source languages</h2>" in report and KEPT in report


# -- resume and the translation memory ------------------------------------------------------

@needs_apertium
def test_an_interrupted_run_resumes_and_kept_segments_are_not_redone(
        tmp_path: Path, recording: type[Recording]) -> None:
    french = ["Le vieux moulin de la rivière a cessé de moudre le grain depuis longtemps.",
              "Les habitants du village l'appellent encore par son ancien nom.",
              "La rivière coule toujours sous le pont de pierre."]
    path = _doc(tmp_path, french[0], ENGLISH_INVENTED, french[1], ITALIAN, french[2])
    opts = RunOptions(path, "fr", "en", engine="recording", out=tmp_path / "out",
                      batch_size=2)
    clean = run(RunOptions(path, "fr", "en", engine="recording", out=tmp_path / "clean",
                           batch_size=2))
    recording.sent, recording.calls, recording.stop_at = [], 0, 2
    with pytest.raises(KeyboardInterrupt):
        run(opts)
    with sqlite3.connect(tmp_path / "out" / "diglot.db") as conn:
        done = conn.execute("SELECT COUNT(*) FROM translations WHERE status = 'done'"
                            ).fetchone()[0]
    assert 0 < done < clean.translated
    recording.sent, recording.stop_at = [], None
    resumed = run(opts)
    assert resumed.reused == done
    assert resumed.translated + resumed.kept == clean.translated + clean.kept - done
    assert ENGLISH_INVENTED not in recording.sent and ITALIAN not in recording.sent
    assert (tmp_path / "out" / "doc.en.md").read_bytes() == (
        tmp_path / "clean" / "doc.en.md").read_bytes()
    assert resumed.notes == clean.notes
    recording.sent = []
    again = run(opts)
    assert again.translated == 0 and recording.sent == []
    # another document in the same store: the kept paragraph comes from the memory, note too
    other = _doc(tmp_path, ENGLISH_INVENTED, french[2], name="autre.fr.md")
    second = run(RunOptions(other, "fr", "en", engine="recording", out=tmp_path / "other",
                            project=tmp_path / "out" / "diglot.db"))
    assert second.memory["hits"] == 2 and recording.sent == []
    assert str(second.notes[0]["note"]).startswith(KEPT)


class _Streaming:
    """Real Apertium through its stream, writing down when each batch is taken."""

    def __init__(self, src: Language, tgt: Language, events: list[str]) -> None:
        self.inner, self.src, self.tgt, self.events = open_apertium(src, tgt), src, tgt, events
        self.config = self.inner.config

    def translate_stream(self, batches: Sequence[Sequence[str]]) -> object:
        def taken() -> object:
            for batch in batches:
                self.events.append("sent " + " | ".join(batch))
                yield batch

        return self.inner.translate_stream(taken())  # type: ignore[attr-defined]

    def close(self) -> None:
        self.inner.close()


@needs_apertium
def test_a_streaming_engine_starts_before_lingua_answers_and_its_answer_to_a_kept_paragraph_is_dropped(  # noqa: E501
        ) -> None:
    french = ("Le vieux moulin de la rivière a cessé de moudre le grain depuis longtemps, "
              "mais les habitants du village l'appellent encore par son ancien nom.")
    doc = parse_text(f"{french}\n\n{ENGLISH_INVENTED}\n", "fr", "p.md", "markdown")
    src, tgt = resolve("fr"), resolve("en")
    events: list[str] = []
    started = routing.start_plan(doc, src, tgt, lambda _: False)
    undecided = started.undecided
    assert undecided == {ENGLISH_INVENTED}  # the French one is plainly French
    whole = started.result()
    assert started.undecided == frozenset()

    def finish() -> routing.SourcePlan:
        events.append("plan is whole")
        return whole

    under_way = routing.PlanUnderWay(undecided, finish)
    engine = _Streaming(src, tgt, events)
    router = routing.SourceRouter(engine, under_way, {})  # type: ignore[arg-type]
    try:
        assert router.translate_stream is not None
        out = list(router.translate_stream([[french], [ENGLISH_INVENTED]]))
    finally:
        router.close()
    # both batches went to Apertium before the plan was whole: it did not wait for lingua
    assert events == [f"sent {french}", f"sent {ENGLISH_INVENTED}", "plan is whole"]
    assert out[1][0].text == ENGLISH_INVENTED  # its answer dropped: kept byte for byte
    assert (out[1][0].note or "").startswith("kept: already in target language (English")
    assert out[0][0].text != french and out[0][0].note is None
    assert router.kept == 1 and router.plan is whole
