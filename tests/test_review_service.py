"""The review service over a real project store: the sample essay translated by the real
pipeline (Apertium, es→en, with the sample glossary), copied fresh for each test.

Expected texts, spans and counts are written by hand from the sample and its Apertium output.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import astuple
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpora.store import Store
from diglot.pipeline import RunOptions, run
from diglot.review import (
    MAX_TEXT,
    Actor,
    BeadView,
    CheckCount,
    Conflict,
    Forbidden,
    Gone,
    NotFound,
    OccurrenceView,
    ReviewError,
    TooLarge,
)
from diglot.review.service import ReviewService

SAMPLES = Path(__file__).resolve().parent.parent / "diglot" / "samples"
ALICE = Actor("alice", "reviewer")
BOB = Actor("bob", "reviewer")
ADMIN = Actor("carol", "admin")
ESSAY = 1  # the sample essay's bitext
NOTE = 2  # a short note repeating two of its sentences
SOCIAL = "Toda traducción es un trabajo social."
SOCIAL_EN = "All translation is a social labour."
NOTE_MD = ("# Nota\n\nToda traducción es un trabajo social. Una buena herramienta no decide "
           "por el traductor.\n")


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One store: the essay (20 beads) and the note (3 beads), same engine and glossary."""
    root = tmp_path_factory.mktemp("review-service")
    glossary = root / "glosario.es-en.tsv"
    shutil.copyfile(SAMPLES / "glosario.es-en.tsv", glossary)
    db = root / "diglot.db"
    run(RunOptions(input=SAMPLES / "ensayo.es.md", src="es", tgt="en", glossary=glossary,
                   out=root / "essay", project=db, source_lang_check=False))
    note = root / "nota.es.md"
    note.write_text(NOTE_MD, encoding="utf-8")
    run(RunOptions(input=note, src="es", tgt="en", glossary=glossary, out=root / "note",
                   project=db, source_lang_check=False))
    return db


def _copy(built: Path, folder: Path) -> Path:
    """A fresh copy of the built store in ``folder``, its glossary copied beside it."""
    db = folder / "diglot.db"
    with sqlite3.connect(built) as src, sqlite3.connect(db) as dst:
        src.backup(dst)
    glossary = folder / "glosario.es-en.tsv"
    shutil.copyfile(built.parent / "glosario.es-en.tsv", glossary)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE bitexts SET glossary_path = ?", (str(glossary),))
    return db


@pytest.fixture()
def svc(built: Path, tmp_path: Path) -> Iterator[ReviewService]:
    service = ReviewService(_copy(built, tmp_path))
    yield service
    service.close()


def snapshot(db: Path) -> tuple[object, ...]:
    """Everything a review write could change."""
    with sqlite3.connect(db) as conn:
        return tuple(conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
                     for table in ("links", "edits", "link_ops", "comments",
                                   "glossary_changes", "bitexts"))


def by_source(svc: ReviewService, text: str, bitext: int = ESSAY) -> BeadView:
    found = [b for b in svc.beads(bitext, limit=1000).beads
             if " ".join(s.text for s in b.source) == text]
    assert len(found) == 1, text
    return found[0]


# reads ------------------------------------------------------------------------------------


def test_page_shows_beads_in_order_with_sections_terms_and_machine_text(
        svc: ReviewService) -> None:
    page = svc.beads(ESSAY, limit=5)
    assert (page.total, page.offset, page.limit) == (20, 0, 5)
    assert [b.order for b in page.beads] == [1, 2, 3, 4, 5]
    first, fifth = page.beads[0], page.beads[4]
    assert first.section == "El trabajo y la lengua"
    assert [s.text for s in first.source] == ["El trabajo y la lengua"]
    assert first.target == first.machine == "The labour and the language"
    assert fifth.section == "La traducción como trabajo"
    assert (fifth.target, fifth.version, fifth.status, fifth.edited) == (
        SOCIAL_EN, 1, "unreviewed", False)
    # "trabajo" at 22..29 of the source; "labour" at 28..34 of the target
    (term,) = fifth.terms
    assert (term.source, term.targets) == ("trabajo", ["labour", "labor"])
    assert (term.source_spans, term.target_spans, term.violated) == ([[22, 29]], [[28, 34]],
                                                                     False)
    assert svc.beads(ESSAY, offset=18, limit=5).beads[-1].order == 20
    assert svc.bead(ESSAY, fifth.id) == fifth


def test_overview_counts_per_section(svc: ReviewService) -> None:
    essay = {s.id: s for s in svc.overview()}[ESSAY]
    assert (essay.document, essay.src_lang, essay.tgt_lang, essay.engine, essay.runs) == (
        "ensayo.es.md", "es", "en", "apertium", 1)
    assert [(s.section, s.first, s.beads) for s in essay.sections] == [
        ("El trabajo y la lengua", 1, 3), ("La traducción como trabajo", 4, 7),
        ("Tres condiciones", 11, 6), ("Conclusión", 17, 4)]
    assert (essay.totals.beads, essay.totals.untouched, essay.totals.edited) == (20, 20, 0)
    bead = by_source(svc, SOCIAL)
    svc.edit(ESSAY, bead.id, "All translation is social labour.", 1, ALICE)
    svc.set_status(ESSAY, bead.id, "confirmed", 2, ALICE)
    info = svc.bitext(ESSAY)
    second = info.sections[1]
    assert (second.beads, second.confirmed, second.edited, second.untouched) == (7, 1, 1, 6)
    assert info.beads == 20


def test_unknown_or_foreign_bead_is_not_found(svc: ReviewService) -> None:
    note_bead = by_source(svc, SOCIAL, NOTE)
    with pytest.raises(NotFound, match="no bead 9999 in bitext 1"):
        svc.bead(ESSAY, 9999)
    with pytest.raises(NotFound, match=f"no bead {note_bead.id} in bitext 1"):
        svc.edit(ESSAY, note_bead.id, "x", 1, ALICE)
    with pytest.raises(NotFound, match="no bitext 77"):
        svc.beads(77)
    assert NotFound.status == 404


def test_bad_filters_are_refused(svc: ReviewService) -> None:
    with pytest.raises(ReviewError, match="show must be one of"):
        svc.beads(ESSAY, show="everything")
    with pytest.raises(ReviewError, match="limit 1 to 1000"):
        svc.beads(ESSAY, limit=0)


# text edits -------------------------------------------------------------------------------


def test_edit_history_and_revert(svc: ReviewService) -> None:
    bead = by_source(svc, SOCIAL)
    one = svc.edit(ESSAY, bead.id, "Every translation is social labour.", 1, ALICE)
    assert (one.target, one.machine, one.version, one.edited, one.updated_by) == (
        "Every translation is social labour.", SOCIAL_EN, 2, True, "alice")
    two = svc.edit(ESSAY, bead.id, "  Each translation is social labour.\r\n", 2, BOB)
    assert (two.target, two.version) == ("Each translation is social labour.", 3)
    history = svc.history(ESSAY, bead.id)
    assert [(h.version, h.text, h.kind, h.author) for h in history] == [
        (1, SOCIAL_EN, "machine", None),
        (2, "Every translation is social labour.", "edit", "alice"),
        (3, "Each translation is social labour.", "edit", "bob")]
    back = svc.revert(ESSAY, bead.id, history[1].edit_id, 3, BOB)
    assert (back.target, back.version) == ("Every translation is social labour.", 4)
    machine = svc.revert(ESSAY, bead.id, None, 4, BOB)
    assert (machine.target, machine.version, machine.edited) == (SOCIAL_EN, 5, False)
    assert [h.kind for h in svc.history(ESSAY, bead.id)] == [
        "machine", "edit", "edit", "revert", "revert"]
    with pytest.raises(NotFound, match="has no edit 424242"):
        svc.revert(ESSAY, bead.id, 424242, 5, BOB)


def test_a_one_to_one_edit_reaches_the_translation_memory(svc: ReviewService) -> None:
    bead = by_source(svc, SOCIAL)
    svc.edit(ESSAY, bead.id, "Every translation is social labour.", 1, ALICE)
    svc.db.close()
    with Store.open(svc.path) as store:
        key = svc.bitext(ESSAY).config_key
        assert store.memory("es", "en", key, [SOCIAL]) == {
            SOCIAL: "Every translation is social labour."}


def test_same_text_writes_nothing(svc: ReviewService) -> None:
    bead = by_source(svc, SOCIAL)
    before = snapshot(svc.path)
    again = svc.edit(ESSAY, bead.id, SOCIAL_EN + "  ", 1, ALICE)
    assert again.version == 1
    assert snapshot(svc.path) == before


def test_stale_save_is_a_conflict_with_both_versions(svc: ReviewService) -> None:
    bead = by_source(svc, SOCIAL)
    svc.edit(ESSAY, bead.id, "Alice's text.", 1, ALICE)
    before = snapshot(svc.path)
    with pytest.raises(Conflict, match="changed by alice") as caught:
        svc.edit(ESSAY, bead.id, "Bob's text.", 1, BOB)
    assert caught.value.status == 409
    assert (caught.value.current.target, caught.value.current.version) == ("Alice's text.", 2)
    assert caught.value.yours == {"text": "Bob's text."}
    assert snapshot(svc.path) == before


def test_two_threads_saving_the_same_version_one_wins(svc: ReviewService) -> None:
    bead = by_source(svc, SOCIAL)
    results: dict[str, object] = {}
    start = threading.Barrier(2)

    def save(name: str) -> None:
        start.wait()
        try:
            results[name] = svc.edit(ESSAY, bead.id, f"{name} says so.", 1, Actor(name, "reviewer"))
        except Conflict as exc:
            results[name] = exc

    threads = [threading.Thread(target=save, args=(n,)) for n in ("ann", "ben")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(type(r).__name__ for r in results.values()) == ["BeadView", "Conflict"]
    assert svc.bead(ESSAY, bead.id).version == 2
    assert len(svc.history(ESSAY, bead.id)) == 2


@pytest.mark.parametrize(("text", "error", "message"), [
    ("", ReviewError, "is empty"), (" \n\t ", ReviewError, "is empty"),
    ("x" * (MAX_TEXT + 1), TooLarge, "20,001 characters; the most is 20,000")])
def test_bad_texts_write_nothing(svc: ReviewService, text: str, error: type[Exception],
                                 message: str) -> None:
    bead = by_source(svc, SOCIAL)
    before = snapshot(svc.path)
    with pytest.raises(error, match=message):
        svc.edit(ESSAY, bead.id, text, 1, ALICE)
    with pytest.raises(error, match=message.replace("text", "comment")):
        svc.comment(ESSAY, bead.id, text, ALICE)
    assert snapshot(svc.path) == before
    assert TooLarge.status == 413


def test_longest_text_is_accepted(svc: ReviewService) -> None:
    bead = by_source(svc, SOCIAL)
    assert len(svc.edit(ESSAY, bead.id, "y" * MAX_TEXT, 1, ALICE).target) == MAX_TEXT


def test_an_edited_bead_is_rechecked_and_old_flags_go_stale(svc: ReviewService) -> None:
    bead = by_source(svc, SOCIAL)
    position = bead.source[0].position
    with sqlite3.connect(svc.path) as conn:  # a length flag the run's QA wrote on this segment
        conn.execute("INSERT INTO flags (document_id, tgt_lang, config_key, position, "
                     "check_name, severity, message) SELECT document_id, tgt_lang, config_key, "
                     "?, 'length', 'warning', 'target much longer' FROM bitexts WHERE id = 1",
                     (position,))
    assert [(f.check, f.stale) for f in svc.bead(ESSAY, bead.id).flags] == [("length", False)]
    edited = svc.edit(ESSAY, bead.id, "All translation is social work", 1, ALICE)
    assert [(f.check, f.severity, f.stale) for f in edited.flags] == [
        ("truncated", "error", False), ("glossary", "warning", False),
        ("length", "warning", True)]
    assert edited.terms[0].violated and edited.terms[0].target_spans == []
    page = svc.beads(ESSAY, show="flagged")
    assert [b.id for b in page.beads] == [bead.id]
    assert page.checks == [CheckCount("glossary", 1), CheckCount("length", 1),
                           CheckCount("truncated", 1)]
    assert svc.beads(ESSAY, check="truncated").total == 1
    assert svc.beads(ESSAY, show="edited").total == 1


# status and comments ----------------------------------------------------------------------


def test_status_and_the_admin_rule(svc: ReviewService) -> None:
    bead = by_source(svc, SOCIAL)
    done = svc.set_status(ESSAY, bead.id, "confirmed", 1, ALICE)
    assert (done.status, done.status_by, done.version) == ("confirmed", "alice", 2)
    assert svc.beads(ESSAY, show="unconfirmed").total == 19
    before = snapshot(svc.path)
    with pytest.raises(Forbidden,
                       match="row 5 was confirmed by alice: only alice or an admin can reopen it"):
        svc.set_status(ESSAY, bead.id, "needs-work", 2, BOB)
    with pytest.raises(ReviewError, match="status must be one of"):
        svc.set_status(ESSAY, bead.id, "done", 2, ALICE)
    with pytest.raises(Conflict):
        svc.set_status(ESSAY, bead.id, "needs-work", 1, ALICE)
    assert snapshot(svc.path) == before
    again = svc.set_status(ESSAY, bead.id, "unreviewed", 2, ALICE)  # her own
    assert again.version == 3
    svc.set_status(ESSAY, bead.id, "confirmed", 3, BOB)
    reopened = svc.set_status(ESSAY, bead.id, "needs-work", 4, ADMIN)
    assert (reopened.status, reopened.status_by, reopened.version) == ("needs-work", "carol", 5)
    assert svc.beads(ESSAY, show="needs-work").total == 1
    with sqlite3.connect(svc.path) as conn:
        ops = conn.execute("SELECT op, author FROM link_ops ORDER BY id").fetchall()
    assert ops == [("status", "alice"), ("status", "alice"), ("status", "bob"),
                   ("status", "carol")]


def test_comments_do_not_change_the_version(svc: ReviewService) -> None:
    bead = by_source(svc, SOCIAL)
    made = svc.comment(ESSAY, bead.id, "<b>labour</b>, not work", BOB)
    assert (made.author, made.text) == ("bob", "<b>labour</b>, not work")
    assert svc.comments(ESSAY, bead.id) == [made]
    after = svc.bead(ESSAY, bead.id)
    assert (after.comments, after.version) == (1, 1)


# alignment --------------------------------------------------------------------------------


def test_merge_then_split_gives_back_both_beads(svc: ReviewService) -> None:
    a = by_source(svc, "Una buena herramienta no decide por el traductor.")
    b = svc.beads(ESSAY, offset=a.order, limit=1).beads[0]
    note = svc.comment(ESSAY, b.id, "is 'decide' right here?", BOB)
    merged = svc.merge_next(ESSAY, a.id, a.version, b.version, ALICE)
    # the retired bead's comment follows the text into the merged bead (it vanished before)
    assert [c.text for c in svc.comments(ESSAY, a.id)] == [note.text]
    assert merged.comments == 1
    assert [s.position for s in merged.source] == [17, 18]
    assert merged.target == f"{a.target} {b.target}"
    assert (merged.edited, merged.version, merged.method) == (False, 2, "review")
    assert svc.beads(ESSAY).total == 19
    with pytest.raises(NotFound, match="merged into its neighbour"):
        svc.bead(ESSAY, b.id)
    first, second = svc.split(ESSAY, a.id, 1, len(a.target), merged.version, ALICE)
    assert (first.target, second.target) == (a.target, b.target)
    assert ([s.position for s in first.source], [s.position for s in second.source]) == (
        [17], [18])
    assert (second.order, second.section, second.machine) == (19, "Conclusión", b.target)
    assert [h.kind for h in svc.history(ESSAY, a.id)] == ["machine", "merge", "split"]
    with pytest.raises(ReviewError, match="no next bead"):
        last = svc.beads(ESSAY, offset=19).beads[0]
        svc.merge_next(ESSAY, last.id, last.version, 1, ALICE)


def test_split_refuses_an_empty_half(svc: ReviewService) -> None:
    bead = by_source(svc, SOCIAL)
    before = snapshot(svc.path)
    with pytest.raises(ReviewError, match="neither source sentences nor target text"):
        svc.split(ESSAY, bead.id, 1, len(bead.target), 1, ALICE)
    with pytest.raises(ReviewError, match="target_at must be 0 to 35"):
        svc.split(ESSAY, bead.id, 1, 36, 1, ALICE)
    assert snapshot(svc.path) == before
    alone = svc.split(ESSAY, bead.id, 1, 4, 1, ALICE)  # "All" stays; a 0:1 bead follows
    assert [(len(b.source), b.target) for b in alone] == [
        (1, "All"), (0, "translation is a social labour.")]


def test_move_source_and_target_sentences(svc: ReviewService) -> None:
    a = by_source(svc, SOCIAL)
    b = svc.beads(ESSAY, offset=a.order, limit=1).beads[0]
    prev, this = svc.move(ESSAY, b.id, "source", "previous", b.version, a.version, ALICE)
    assert ([s.position for s in prev.source], this.source) == ([4, 5], [])
    assert (prev.target, this.target) == (a.target, b.target)  # the target side stays
    this2, nxt = svc.move(ESSAY, a.id, "source", "next", prev.version, this.version, ALICE)
    assert ([s.position for s in this2.source], [s.position for s in nxt.source]) == ([4], [5])
    both = svc.merge_next(ESSAY, a.id, this2.version, nxt.version, ALICE)
    left, right = svc.move(ESSAY, a.id, "target", "next", both.version,
                           svc.beads(ESSAY, offset=both.order, limit=1).beads[0].version, ALICE)
    assert left.target == SOCIAL_EN
    assert right.target.startswith("A person reads a text") and right.target.endswith(
        "The result depend the tools, of the time and of the knowledge of the one who "
        "translates.")
    with pytest.raises(ReviewError, match="has no previous bead"):
        first = svc.beads(ESSAY, limit=1).beads[0]
        svc.move(ESSAY, first.id, "target", "previous", first.version, 1, ALICE)
    kept, lone = svc.split(ESSAY, a.id, 2, 0, left.version, ALICE)  # lone: 0:1, a's text
    with pytest.raises(ReviewError, match=f"would leave row {lone.order} with nothing"):
        svc.move(ESSAY, lone.id, "target", "previous", lone.version, kept.version, ALICE)
    with pytest.raises(ReviewError, match="side must be"):
        svc.move(ESSAY, a.id, "left", "next", kept.version, lone.version, ALICE)


OPS = st.lists(st.tuples(st.sampled_from(["merge", "split", "move"]), st.integers(0, 40),
                         st.integers(0, 5), st.integers(0, 300),
                         st.sampled_from(["source", "target"]),
                         st.sampled_from(["previous", "next"])), max_size=6)


def _squeeze(text: str) -> str:
    return "".join(text.split())


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_alignment_changes_keep_every_sentence_once_in_order(built: Path,
                                                             ops: list[tuple]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        svc = ReviewService(_copy(built, Path(tmp)))
        start = svc.beads(ESSAY, limit=1000).beads
        words = _squeeze("".join(b.target for b in start))
        for op, at, count, offset, side, direction in ops:
            beads = svc.beads(ESSAY, limit=1000).beads
            k = at % len(beads)
            bead = beads[k]
            nxt = beads[k + 1].version if k + 1 < len(beads) else 1
            prv = beads[k - 1].version if k else 1
            other = nxt if op == "merge" or direction == "next" else prv
            before = snapshot(svc.path)
            try:
                if op == "merge":
                    svc.merge_next(ESSAY, bead.id, bead.version, other, BOB)
                elif op == "split":
                    svc.split(ESSAY, bead.id, count % (len(bead.source) + 1),
                              offset % (len(bead.target) + 1), bead.version, BOB)
                else:
                    svc.move(ESSAY, bead.id, side, direction, bead.version, other, BOB)
            except ReviewError as exc:
                assert not isinstance(exc, Conflict)
                assert snapshot(svc.path) == before
            after = svc.beads(ESSAY, limit=1000).beads
            assert [p.position for b in after for p in b.source] == list(range(20))
            assert _squeeze("".join(b.target for b in after)) == words
            assert [b.order for b in after] == list(range(1, len(after) + 1))
            assert all(b.source or b.target for b in after)
        assert svc.beads(NOTE).total == 3
        svc.close()


# occurrences and glossary -----------------------------------------------------------------


def test_occurrences_and_apply(svc: ReviewService) -> None:
    bead = by_source(svc, SOCIAL)
    twin = by_source(svc, SOCIAL, NOTE)
    assert svc.occurrences(ESSAY, bead.id) == []  # same text everywhere
    fixed = svc.edit(ESSAY, bead.id, "Every translation is social labour.", 1, ALICE)
    assert svc.occurrences(ESSAY, bead.id) == [(NOTE, twin.id, 1)]
    svc.edit(NOTE, twin.id, "Something else.", 1, BOB)
    before = snapshot(svc.path)
    with pytest.raises(Conflict) as caught:
        svc.apply(ESSAY, bead.id, [(NOTE, twin.id, 1)], ALICE)
    assert caught.value.current.target == "Something else."
    with pytest.raises(ReviewError, match="not another occurrence"):
        other = by_source(svc, "Una buena herramienta no decide por el traductor.", NOTE)
        svc.apply(ESSAY, bead.id, [(NOTE, other.id, other.version)], ALICE)
    with pytest.raises(ReviewError, match=r"\[bitext id, bead id, version\]"):
        svc.apply(ESSAY, bead.id, [(NOTE, twin.id)], ALICE)  # type: ignore[list-item]
    assert snapshot(svc.path) == before
    listed = svc.occurrences(ESSAY, bead.id)
    assert listed == [(NOTE, twin.id, 2)]
    assert svc.apply(ESSAY, bead.id, listed, ALICE) == 1
    applied = svc.bead(NOTE, twin.id)
    assert (applied.target, applied.version) == (fixed.target, 3)
    assert svc.history(NOTE, twin.id)[-1].kind == "apply"
    assert svc.occurrences(ESSAY, bead.id) == []


def test_add_term_changes_the_glossary_version_and_records_it(svc: ReviewService) -> None:
    info = svc.bitext(ESSAY)
    path = Path(str(info.glossary_path))
    with pytest.raises(Forbidden, match="only an admin"):
        svc.add_term(ESSAY, "ensayo", "essay", ALICE)
    original = path.read_text(encoding="utf-8")
    change = svc.add_term(ESSAY, "ensayo", "essay", ADMIN)
    assert (change.old_version, change.path, change.author) == (
        info.glossary_version, str(path), "carol")
    assert change.new_version not in (None, info.glossary_version)
    assert path.read_text(encoding="utf-8") == original + "ensayo\tessay\n"
    with sqlite3.connect(svc.path) as conn:
        assert conn.execute("SELECT bitext_id, path, old_version, new_version, source, target, "
                            "author FROM glossary_changes").fetchall() == [
            (ESSAY, str(path), info.glossary_version, change.new_version, "ensayo", "essay",
             "carol")]
    hit = by_source(svc, "Este breve ensayo sirve de muestra para *diglot*.")
    assert [(t.source, t.source_spans, t.target_spans) for t in hit.terms] == [
        ("ensayo", [[11, 17]], [[11, 16]]), ("diglot", [[41, 47]], [[39, 45]])]
    assert svc.bitext(ESSAY).glossary_version == info.glossary_version  # the run's
    before, text = snapshot(svc.path), path.read_text(encoding="utf-8")
    with pytest.raises(ReviewError, match="in the glossary already"):
        svc.add_term(ESSAY, "ensayo", "essay", ADMIN)
    with pytest.raises(ReviewError, match="the glossary refuses this entry"):
        svc.add_term(ESSAY, "trabajo", "work", ADMIN)
    with pytest.raises(ReviewError, match="tab or a line break"):
        svc.add_term(ESSAY, "a\tb", "c", ADMIN)
    assert snapshot(svc.path) == before
    assert path.read_text(encoding="utf-8") == text


def test_add_term_without_a_run_glossary_creates_one_beside_the_store(
        svc: ReviewService) -> None:
    with sqlite3.connect(svc.path) as conn:
        conn.execute("UPDATE bitexts SET glossary_path = NULL, glossary_version = NULL")
    change = svc.add_term(ESSAY, "ensayo", "essay", ADMIN)
    path = svc.path.parent / "glossary.es-en.tsv"
    assert (change.path, change.old_version) == (str(path), None)
    assert path.read_text(encoding="utf-8") == "es\ten\nensayo\tessay\n"
    assert svc.bitext(ESSAY).glossary_path == str(path)


def test_pages_after_saves_match_a_fresh_service(svc: ReviewService) -> None:
    """Saves update the cached page state in place; it must equal a read from scratch."""
    svc.overview()
    bead = by_source(svc, SOCIAL)
    svc.edit(ESSAY, bead.id, "All translation is social work", 1, ALICE)
    svc.set_status(ESSAY, bead.id, "needs-work", 2, ALICE)
    svc.comment(ESSAY, bead.id, "check the term", BOB)
    other = by_source(svc, "Conclusión")
    svc.set_status(ESSAY, other.id, "confirmed", 1, BOB)
    fresh = ReviewService(svc.path)
    for show in ("all", "flagged", "edited", "needs-work", "unconfirmed"):
        assert svc.beads(ESSAY, show=show) == fresh.beads(ESSAY, show=show)
    assert svc.overview() == fresh.overview()
    assert svc.overview()[0].sections[1].flagged == 1
    fresh.close()


def test_many_splits_at_one_place_keep_document_order(svc: ReviewService) -> None:
    """Each split halves the gap between two order keys; when floating point runs out the
    bitext's keys are renumbered."""
    bead = by_source(svc, SOCIAL)
    text = " ".join(f"w{k}" for k in range(70))
    version = svc.edit(ESSAY, bead.id, text, 1, ALICE).version
    made = []
    for _ in range(60):
        first, second = svc.split(ESSAY, bead.id, 1, len(text) - 4, version, ALICE)
        text, version = first.target, first.version
        made.append(second.id)
    beads = svc.beads(ESSAY, limit=1000).beads
    k = [b.id for b in beads].index(bead.id)
    assert [b.id for b in beads[k + 1:k + 61]] == made[::-1]
    assert [b.target for b in beads[k + 1:k + 61]] == [f"w{n}" for n in range(10, 70)]
    assert [p.position for b in beads for p in b.source] == list(range(20))
    with sqlite3.connect(svc.path) as conn:
        keys = [o for (o,) in conn.execute("SELECT ord FROM links WHERE bitext_id = 1 AND "
                                           "retired_at IS NULL ORDER BY ord")]
    assert len(set(keys)) == len(keys) == 80


def test_an_older_store_is_migrated_on_open(tmp_path: Path) -> None:
    from corpora.schema import MIGRATIONS, SCHEMA_VERSION

    db = tmp_path / "old.db"
    with sqlite3.connect(db) as conn:
        conn.executescript(f"{MIGRATIONS[0]}; {MIGRATIONS[1]}; PRAGMA user_version = 2;")
    ReviewService(db).close()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("SELECT COUNT(*) FROM bitexts").fetchone()[0] == 0


def test_a_missing_or_newer_store_is_refused(tmp_path: Path) -> None:
    from diglot.errors import StoreError

    with pytest.raises(StoreError, match="no project store there"):
        ReviewService(tmp_path / "none.db")
    newer = tmp_path / "newer.db"
    with sqlite3.connect(newer) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(StoreError, match="newer than this diglot"):
        ReviewService(newer)


# rules from the user trial ----------------------------------------------------------------


def ops(db: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(db) as conn:
        return [(op, json.loads(detail).get("to", ""), author) for op, detail, author in
                conn.execute("SELECT op, detail, author FROM link_ops ORDER BY id")]


def test_a_bead_confirmed_by_someone_else_cannot_be_changed(svc: ReviewService) -> None:
    heading = by_source(svc, "La traducción como trabajo")  # row 4
    bead = by_source(svc, SOCIAL)  # row 5
    after = svc.beads(ESSAY, offset=5, limit=1).beads[0]  # row 6, same paragraph
    svc.edit(ESSAY, bead.id, "All translation is social labour.", 1, ALICE)
    svc.set_status(ESSAY, bead.id, "confirmed", 2, ALICE)
    before = snapshot(svc.path)
    refused = "row 5 was confirmed by alice: only alice or an admin can"
    attempts = [
        lambda: svc.edit(ESSAY, bead.id, "Bob's text.", 3, BOB),
        lambda: svc.revert(ESSAY, bead.id, None, 3, BOB),
        lambda: svc.set_status(ESSAY, bead.id, "confirmed", 3, BOB, text="Bob's text."),
        lambda: svc.set_status(ESSAY, bead.id, "needs-work", 3, BOB),
        lambda: svc.merge_next(ESSAY, bead.id, 3, after.version, BOB),
        lambda: svc.merge_next(ESSAY, heading.id, heading.version, 3, BOB),  # the next one
        lambda: svc.split(ESSAY, bead.id, 1, 4, 3, BOB),
        lambda: svc.move(ESSAY, bead.id, "target", "next", 3, after.version, BOB),
        lambda: svc.move(ESSAY, after.id, "source", "previous", after.version, 3, BOB)]
    for attempt in attempts:
        with pytest.raises(Forbidden, match=refused + r" [\w ]+ it; comment on the bead, or "
                           "ask an admin to reopen it"):
            attempt()
    svc.edit(ESSAY, bead.id, "All translation is social labour. ", 3, BOB)  # no change
    assert snapshot(svc.path) == before
    # the admin may; the confirmation was for the old text: back to unreviewed, logged
    edited = svc.edit(ESSAY, bead.id, "Every translation is social labour.", 3, ADMIN)
    assert (edited.status, edited.status_by, edited.version) == ("unreviewed", "carol", 4)
    assert ops(svc.path) == [("status", "confirmed", "alice"), ("status", "unreviewed", "carol")]
    # so may the confirmer, with the same effect
    svc.set_status(ESSAY, bead.id, "confirmed", 4, ALICE)
    merged = svc.merge_next(ESSAY, bead.id, 5, after.version, ALICE)
    assert (merged.status, merged.version) == ("unreviewed", 6)
    assert [o[:2] for o in ops(svc.path)][-2:] == [("merge", ""), ("status", "unreviewed")]


def test_save_and_confirm_in_one_transaction(svc: ReviewService) -> None:
    bead = by_source(svc, SOCIAL)
    done = svc.set_status(ESSAY, bead.id, "confirmed", 1, ALICE,
                          text="Every translation is social labour.")
    assert (done.target, done.status, done.status_by, done.version, done.edited) == (
        "Every translation is social labour.", "confirmed", "alice", 3, True)
    assert [(h.version, h.kind, h.author) for h in svc.history(ESSAY, bead.id)] == [
        (1, "machine", None), (2, "edit", "alice")]
    assert ops(svc.path) == [("status", "confirmed", "alice")]
    # stale: nothing written, the conflict carries both the text and the status asked for
    before = snapshot(svc.path)
    with pytest.raises(Conflict, match="row 5 was changed by alice") as caught:
        svc.set_status(ESSAY, bead.id, "confirmed", 1, BOB, text="Bob's text.")
    assert caught.value.yours == {"status": "confirmed", "text": "Bob's text."}
    with pytest.raises(Conflict, match="look at it and choose again"):
        svc.set_status(ESSAY, bead.id, "needs-work", 1, ALICE)
    with pytest.raises(ReviewError, match="the text is empty"):
        svc.set_status(ESSAY, bead.id, "confirmed", 3, ALICE, text="  ")
    assert snapshot(svc.path) == before
    # the same text: only the status changes; her own confirmed bead, saved and confirmed
    again = svc.set_status(ESSAY, bead.id, "needs-work", 3, ALICE,
                           text="Every translation is social labour. ")
    assert (again.status, again.version, len(svc.history(ESSAY, bead.id))) == ("needs-work", 4, 2)
    svc.set_status(ESSAY, bead.id, "confirmed", 4, ALICE)
    kept = svc.set_status(ESSAY, bead.id, "confirmed", 5, ALICE, text="Each translation.")
    assert (kept.target, kept.status, kept.version) == ("Each translation.", "confirmed", 6)


@pytest.mark.parametrize(("text", "message"), [
    ("Every\x00 translation", "holds the control character U+0000 at character 6: remove it"),
    ("\x1b[31mred", "holds the control character U+001B at character 1"),
    ("CSI \x9b31m", "holds the control character U+009B at character 5"),
    ("caf\ufffd", "holds U+FFFD (a byte that could not be read as UTF-8) at character 4: "
     "retype that character, or send the text as UTF-8")])
def test_control_characters_are_refused(svc: ReviewService, text: str, message: str) -> None:
    bead = by_source(svc, SOCIAL)
    before = snapshot(svc.path)
    with pytest.raises(ReviewError, match=re.escape("the text " + message)):
        svc.edit(ESSAY, bead.id, text, 1, ALICE)
    with pytest.raises(ReviewError, match=re.escape("the comment " + message)):
        svc.comment(ESSAY, bead.id, text, ALICE)
    with pytest.raises(ReviewError, match=re.escape("the target term " + message)):
        svc.add_term(ESSAY, "ensayo", text, ADMIN)
    assert snapshot(svc.path) == before


def test_tabs_and_line_breaks_are_kept(svc: ReviewService) -> None:
    bead = by_source(svc, SOCIAL)
    assert svc.edit(ESSAY, bead.id, "a\tb\r\nc\rd", 1, ALICE).target == "a\tb\nc\nd"
    # NEL and the Unicode separators count as line breaks to Python's splitlines (the TSV)
    assert svc.edit(ESSAY, bead.id, "a\x85b\u2028c\u2029d", 2, ALICE).target == "a\nb\nc\nd"


def test_a_term_read_as_a_comment_line_is_refused(svc: ReviewService) -> None:
    before = snapshot(svc.path)
    with pytest.raises(ReviewError, match="cannot start with '#' in .*read.* as a comment"):
        svc.add_term(ESSAY, "#hola", "hello", ADMIN)
    assert snapshot(svc.path) == before


def test_comment_and_term_messages_do_not_speak_of_beads(svc: ReviewService) -> None:
    bead = by_source(svc, SOCIAL)
    with pytest.raises(ReviewError, match=r"^the comment is empty; write something$"):
        svc.comment(ESSAY, bead.id, " ", ALICE)
    with pytest.raises(TooLarge, match=r"the most is 20,000: shorten it$"):
        svc.comment(ESSAY, bead.id, "x" * (MAX_TEXT + 1), ALICE)
    with pytest.raises(ReviewError, match=r"^the source term is empty; write something$"):
        svc.add_term(ESSAY, "", "essay", ADMIN)
    with pytest.raises(ReviewError, match=r"revert instead"):
        svc.edit(ESSAY, bead.id, "", 1, ALICE)
    with pytest.raises(ReviewError, match=r"a list of \[bitext id, bead id, version\] triples "
                       r"of whole numbers, e.g. \[\[2, 31, 4\]\]"):
        svc.apply(ESSAY, bead.id, "bead 3", ALICE)  # type: ignore[arg-type]


def test_occurrence_views_and_the_rules_of_apply(svc: ReviewService) -> None:
    bead = by_source(svc, SOCIAL)
    twin = by_source(svc, SOCIAL, NOTE)  # row 2 of the note, after its heading
    fixed = svc.edit(ESSAY, bead.id, "Every translation is social labour.", 1, ALICE)
    assert svc.occurrence_views(ESSAY, bead.id) == [OccurrenceView(
        NOTE, twin.id, 1, 2, "nota.es.md", SOCIAL_EN, "unreviewed", None, False)]
    assert svc.occurrences(ESSAY, bead.id) == [(NOTE, twin.id, 1)]
    svc.set_status(NOTE, twin.id, "confirmed", 1, BOB)
    assert astuple(svc.occurrence_views(ESSAY, bead.id)[0])[1:] == (
        twin.id, 2, 2, "nota.es.md", SOCIAL_EN, "confirmed", "bob", False)
    before = snapshot(svc.path)
    with pytest.raises(Forbidden, match="row 2 of nota.es.md was confirmed by bob: only bob "
                       "or an admin can change it; leave it out, or ask an admin"):
        svc.apply(ESSAY, bead.id, [(NOTE, twin.id, 2)], ALICE)
    assert snapshot(svc.path) == before
    assert svc.apply(ESSAY, bead.id, [(NOTE, twin.id, 2)], ADMIN) == 1
    applied = svc.bead(NOTE, twin.id)
    assert (applied.target, applied.status, applied.version) == (
        fixed.target, "unreviewed", 3)


def test_a_superseded_bitext_is_read_only(svc: ReviewService) -> None:
    bead = by_source(svc, SOCIAL)
    twin = by_source(svc, SOCIAL, NOTE)
    svc.edit(ESSAY, bead.id, "Every translation is social labour.", 1, ALICE)
    with sqlite3.connect(svc.path) as conn:  # the note's newer run is, here, bitext 1
        conn.execute("UPDATE bitexts SET superseded_by = 1 WHERE id = 2")
        newer = str(conn.execute("SELECT created_at FROM bitexts WHERE id = 1").fetchone()[0])
    assert [(s.id, s.superseded_by) for s in svc.overview()] == [(1, None), (2, 1)]
    assert (svc.bitext(NOTE).superseded_by, svc.bitext(ESSAY).superseded_by) == (1, None)
    assert svc.occurrences(ESSAY, bead.id) == []  # only current bitexts are reached
    assert svc.bead(NOTE, twin.id).target == SOCIAL_EN  # still readable
    before = snapshot(svc.path)
    gone = (rf"nota.es.md → en \(bitext 2\) was superseded by the run of "
            rf"{newer[:10]} {newer[11:16]}, which carries its review over: open /bitexts/1")
    for attempt in [
            lambda: svc.edit(NOTE, twin.id, "x", 1, ALICE),
            lambda: svc.revert(NOTE, twin.id, None, 1, ALICE),
            lambda: svc.set_status(NOTE, twin.id, "confirmed", 1, ALICE),
            lambda: svc.comment(NOTE, twin.id, "x", ALICE),
            lambda: svc.merge_next(NOTE, twin.id, 1, 1, ALICE),
            lambda: svc.split(NOTE, twin.id, 1, 3, 1, ALICE),
            lambda: svc.move(NOTE, twin.id, "target", "next", 1, 1, ALICE),
            lambda: svc.apply(ESSAY, bead.id, [(NOTE, twin.id, 1)], ALICE),
            lambda: svc.add_term(NOTE, "ensayo", "essay", ADMIN)]:
        with pytest.raises(Gone, match=gone) as caught:
            attempt()
        assert caught.value.status == 410
    assert snapshot(svc.path) == before


def test_merge_and_move_keep_paragraphs(svc: ReviewService) -> None:
    beads = svc.beads(ESSAY).beads
    row = {b.order: b for b in beads}
    before = snapshot(svc.path)
    # row 3 ends the first paragraph, row 4 is a heading; row 7 ends a paragraph, 8 starts one
    cases = [(lambda: svc.merge_next(ESSAY, row[3].id, 1, 1, ALICE), 3),
             (lambda: svc.move(ESSAY, row[7].id, "source", "next", 1, 1, ALICE), 7),
             (lambda: svc.move(ESSAY, row[8].id, "source", "previous", 1, 1, ALICE), 7),
             (lambda: svc.move(ESSAY, row[8].id, "target", "previous", 1, 1, ALICE), 7)]
    for attempt, first in cases:
        with pytest.raises(ReviewError, match=f"^rows {first} and {first + 1} are in different "
                           "paragraphs: the translated document keeps paragraphs; edit each "
                           "bead instead$"):
            attempt()
    assert snapshot(svc.path) == before
    assert svc.merge_next(ESSAY, row[6].id, 1, 1, ALICE).order == 6  # rows 6, 7: one paragraph


def test_a_bead_with_an_empty_side_is_flagged(svc: ReviewService) -> None:
    bead = by_source(svc, SOCIAL)
    assert svc.beads(ESSAY, check="empty-side").total == 0
    first, second = svc.split(ESSAY, bead.id, 1, 4, 1, ALICE)  # a 0:1 bead after it
    assert [(f.check, f.severity, f.message) for f in second.flags] == [
        ("empty-side", "warning", "no source sentence: merge this bead with a neighbour, or "
         "move a sentence to it")]
    assert not any(f.check == "empty-side" for f in first.flags)
    # the heading keeps its source, its text goes to a 0:1 bead after it
    lone, rest = svc.split(ESSAY, by_source(svc, "Conclusión").id, 1, 0, 1, ALICE)
    assert ("empty-side", "no target text: write one, or merge this bead with a neighbour") in [
        (f.check, f.message) for f in lone.flags]
    page = svc.beads(ESSAY, check="empty-side")
    assert [b.id for b in page.beads] == [second.id, lone.id, rest.id]
    assert CheckCount("empty-side", 3) in page.checks
    fresh = ReviewService(svc.path)
    assert fresh.beads(ESSAY, check="empty-side") == page
    fresh.close()


def test_filters_refuse_unknown_names_and_clamp_the_offset(svc: ReviewService) -> None:
    with pytest.raises(ReviewError, match="show must be one of all, flagged, unconfirmed, "
                       "needs-work, edited, low-score, not 'zzz'"):
        svc.beads(ESSAY, show="zzz")
    past = svc.beads(ESSAY, offset=5000, clamp=True)
    assert (past.total, past.offset, [b.order for b in past.beads][:2]) == (20, 0, [1, 2])
    # the API pages until an empty page: no clamping there, or a client loops for ever
    beyond = svc.beads(ESSAY, offset=20)
    assert (beyond.total, beyond.offset, beyond.beads) == (20, 20, [])
    last = svc.beads(ESSAY, offset=25, limit=8, clamp=True)
    assert (last.offset, [b.order for b in last.beads]) == (16, [17, 18, 19, 20])
    empty = svc.beads(ESSAY, offset=40, show="needs-work", clamp=True)
    assert (empty.total, empty.offset, empty.beads) == (0, 0, [])


def test_search_source_and_current_target(svc: ReviewService) -> None:
    # "trabajo" is in the source of rows 1, 4, 5, 8 and 19 (the essay, read by hand)
    assert [b.order for b in svc.beads(ESSAY, q="TRABAJO").beads] == [1, 4, 5, 8, 19]
    assert [b.order for b in svc.beads(ESSAY, q="  conclusión ").beads] == [17]
    second = svc.beads(ESSAY, offset=1, limit=1).beads[0]
    svc.edit(ESSAY, second.id, "A short Trabajo essay.", 1, ALICE)  # after the cache is built
    assert [b.order for b in svc.beads(ESSAY, q="trabajo").beads] == [1, 2, 4, 5, 8, 19]
    assert [b.order for b in svc.beads(ESSAY, q="trabajo", show="edited").beads] == [2]
    assert svc.beads(ESSAY, q="short trabajo", limit=1).total == 1
    assert svc.beads(ESSAY, q="no such words").total == 0
    assert svc.beads(ESSAY, q="").total == 20
    fresh = ReviewService(svc.path)
    assert fresh.beads(ESSAY, q="trabajo") == svc.beads(ESSAY, q="trabajo")
    fresh.close()
