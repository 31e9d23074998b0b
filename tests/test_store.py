import shutil
import sqlite3
import threading
from pathlib import Path

import pytest

from corpora.ingest import parse_text
from corpora.schema import SCHEMA_VERSION
from corpora.store import Outcome, Store
from diglot.errors import StoreError
from diglot.review.db import Database, StoreReplaced

TEXT = "# Título\n\nUna frase. Otra frase.\n\n12\n"


def test_document_is_stored_once_with_blocks_and_segments(tmp_path: Path) -> None:
    doc = parse_text(TEXT, "es", "t.md", "markdown")
    with Store.open(tmp_path / "p.db") as store:
        first = store.add_document(doc, None, TEXT)
        assert store.add_document(doc, None, TEXT) == first
        rows = store.conn.execute("SELECT kind FROM blocks ORDER BY position").fetchall()
        assert [r[0] for r in rows] == ["heading", "paragraph", "paragraph"]
        assert store.conn.execute("SELECT COUNT(*) FROM segments").fetchone()[0] == 4
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_pending_done_failed_and_retry(tmp_path: Path) -> None:
    doc = parse_text(TEXT, "es", "t.md", "markdown")
    with Store.open(tmp_path / "p.db") as store:
        doc_id = store.add_document(doc, None, TEXT)
        run = store.start_run(doc_id, "es", "en", "k", "e", None, {})
        work = store.work(doc_id, "en", "k")
        assert [w.text for w in work] == ["Título", "Una frase.", "Otra frase."]  # not "12"
        store.record(run, [Outcome(work[0].translation_id, "Title"),
                           Outcome(work[1].translation_id, None, "boom")])
        assert [w.text for w in store.work(doc_id, "en", "k")] == ["Una frase.", "Otra frase."]
        store.start_run(doc_id, "es", "en", "k", "e", None, {})  # a second run adds no rows
        rows = store.translations(doc_id, "en", "k")
        assert [(r.status, r.error, r.attempts) for r in rows] == [
            ("done", None, 1), ("failed", "boom", 1), ("pending", None, 0)]


def test_failed_batch_rolls_back(tmp_path: Path) -> None:
    doc = parse_text(TEXT, "es", "t.md", "markdown")
    with Store.open(tmp_path / "p.db") as store:
        doc_id = store.add_document(doc, None, TEXT)
        store.start_run(doc_id, "es", "en", "k", "e", None, {})
        with pytest.raises(RuntimeError), store.transaction() as c:
            c.execute("UPDATE translations SET status = 'done', text = 'x'")
            raise RuntimeError("killed mid-batch")
        assert len(store.work(doc_id, "en", "k")) == 3


def test_locked_store_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    with Store.open(path), \
            pytest.raises(StoreError, match=r"p\.db: store is locked by another"), \
            Store.open(path):
        pass


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    with Store.open(path):
        pass
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    with pytest.raises(StoreError, match=r"newer than this diglot's .*upgrade diglot"), \
            Store.open(path):
        pass


def test_not_a_store_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match="not a diglot project store"), Store.open(path):
        pass


def _beads(store: Store) -> list[tuple[int, str, str | None]]:
    return [(r[0], r[1], r[2]) for r in store.conn.execute(
        "SELECT id, src_segments, retired_at FROM links ORDER BY ord, id")]


def test_save_links_makes_the_bitext_and_keeps_ids_of_unchanged_beads(tmp_path: Path) -> None:
    doc = parse_text(TEXT, "es", "t.md", "markdown")
    with Store.open(tmp_path / "p.db") as store:
        doc_id = store.add_document(doc, None, TEXT)
        bitext = store.save_links(doc_id, "en", "k", [([0], [0], None), ([2], [2], None)],
                                  "sentence")
        first = _beads(store)
        again = store.save_links(doc_id, "en", "k", [([0], [0], None), ([1], [1], None),
                                                     ([2], [2], None)], "sentence",
                                 glossary_path="/g.tsv", glossary_version="v1")
        assert again == bitext
        beads = _beads(store)
        assert [b[1] for b in beads] == ["[0]", "[1]", "[2]"]
        assert beads[0] == first[0] and beads[2] == first[1]  # same ids, a new one between
        assert store.conn.execute("SELECT document_id, tgt_lang, config_key, glossary_path, "
                                  "glossary_version FROM bitexts").fetchall() == [
            (doc_id, "en", "k", "/g.tsv", "v1")]
        assert store.conn.execute("SELECT COUNT(*) FROM links WHERE bitext_id = ?",
                                  (bitext,)).fetchone()[0] == 3


def test_save_links_after_review_keeps_beads_and_adds_only_uncovered_segments(
        tmp_path: Path) -> None:
    doc = parse_text(TEXT, "es", "t.md", "markdown")
    with Store.open(tmp_path / "p.db") as store:
        doc_id = store.add_document(doc, None, TEXT)
        store.save_links(doc_id, "en", "k", [([0], [0], None), ([1], [1], None)], "sentence")
        (a, _, _), (b, _, _) = _beads(store)
        # a reviewer merged bead b into a (the spec's merge: one active bead, one retired)
        store.conn.execute("UPDATE links SET src_segments = '[0, 1]', tgt_ids = '[0, 1]', "
                           "version = 2, status = 'confirmed' WHERE id = ?", (a,))
        store.conn.execute("UPDATE links SET retired_at = 'now' WHERE id = ?", (b,))
        store.save_links(doc_id, "en", "k", [([p], [p], 0.5) for p in range(3)], "sentence")
        assert _beads(store) == [(a, "[0, 1]", None), (b, "[1]", "now"),
                                 (_beads(store)[2][0], "[2]", None)]
        assert store.conn.execute("SELECT version, status FROM links WHERE id = ?",
                                  (a,)).fetchone() == (2, "confirmed")


def _translated(store: Store, doc_id: int, key: str, texts: list[str | None]) -> None:
    """A run under config ``key`` that gave these texts to the segments 0, 1, 2 (None:
    failed)."""
    run = store.start_run(doc_id, "es", "en", key, "e", None, {})
    work = store.work(doc_id, "en", key)
    store.record(run, [Outcome(w.translation_id, t, None if t else "boom")
                       for w, t in zip(work, texts, strict=True)])


def test_a_new_configuration_supersedes_an_unreviewed_bitext_and_carries_a_review(
        tmp_path: Path) -> None:
    doc = parse_text(TEXT, "es", "t.md", "markdown")
    with Store.open(tmp_path / "p.db") as store:
        doc_id = store.add_document(doc, None, TEXT)
        _translated(store, doc_id, "k1", ["Title", "A sentence.", None])
        first = store.save_links(doc_id, "en", "k1", [([0], [0], 0.9), ([1], [1], 0.9)], "t")
        _translated(store, doc_id, "k2", ["Heading", "One sentence.", None])
        second = store.save_links(doc_id, "en", "k2", [([0], [0], 0.8), ([1], [1], 0.8)], "t")
        # nothing reviewed: nothing carried, the older bitext only superseded
        assert store.conn.execute("SELECT id, superseded_by FROM bitexts ORDER BY id"
                                  ).fetchall() == [(first, second), (second, None)]
        assert store.conn.execute("SELECT COUNT(*) FROM link_ops").fetchone()[0] == 0
        assert [b.text for b in store.beads(second)] == ["Heading", "One sentence."]
        # bead 0 confirmed as the engine wrote it; bead 1 left alone
        store.conn.execute("UPDATE links SET status = 'confirmed', status_by = 'ana', "
                           "status_at = 't0', version = 2 WHERE bitext_id = ? AND "
                           "src_segments = '[0]'", (second,))
        _translated(store, doc_id, "k3", ["Headline", "The sentence.", "Another sentence."])
        third = store.save_links(doc_id, "en", "k3", [([p], [p], 0.7) for p in range(3)], "t")
        assert store.conn.execute("SELECT id, superseded_by FROM bitexts ORDER BY id"
                                  ).fetchall() == [(first, third), (second, third),
                                                   (third, None)]
        # the confirmed text kept; the others the new engine output, the segment finished
        # only now gets a bead of its own
        assert [(b.src, b.text, b.edited) for b in store.beads(third)] == [
            ((0,), "Heading", True), ((1,), "The sentence.", False),
            ((2,), "Another sentence.", False)]
        assert store.conn.execute("SELECT status, status_by, status_at, version, score FROM "
                                  "links WHERE bitext_id = ? ORDER BY ord", (third,)
                                  ).fetchall() == [("confirmed", "ana", "t0", 3, 0.7),
                                                   ("unreviewed", None, None, 1, 0.7),
                                                   ("unreviewed", None, None, 1, 0.7)]
        assert store.conn.execute("SELECT text, author, version, base_version, kind FROM "
                                  "edits").fetchall() == [
            ("Heading", "diglot run", 3, 2, "carry")]


def test_a_review_database_refuses_writes_once_its_file_is_replaced_or_deleted(
        tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    with Store.open(path):
        pass
    db = Database(path)
    with db.write() as conn:
        conn.execute("INSERT INTO comments (link_id, author, text, created_at) "
                     "SELECT 1, 'a', 'b', 'c' WHERE 0")
    # a new run into a removed output folder: another file at the same path
    shutil.copy(path, tmp_path / "new.db")
    (tmp_path / "new.db").replace(path)
    with pytest.raises(StoreReplaced, match=r"p\.db was replaced or deleted since the review "
                       r"server started; restart diglot review"), db.write():
        pass
    path.unlink()
    with pytest.raises(StoreReplaced, match="replaced or deleted"), db.write():
        pass
    assert StoreReplaced.status == 503
    db.close()


def test_a_review_database_queues_its_writers(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    with Store.open(path) as store:
        doc_id = store.add_document(parse_text(TEXT, "es", "t.md", "markdown"), None, TEXT)
        store.save_links(doc_id, "en", "k", [([0], [0], None)], "t")
    db = Database(path)

    def comment(n: int) -> None:
        for k in range(20):
            with db.write() as conn:
                conn.execute("INSERT INTO comments (link_id, author, text, created_at) "
                             "SELECT id, ?, ?, 't' FROM links", (f"u{n}", str(k)))

    threads = [threading.Thread(target=comment, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert db.conn.execute("SELECT COUNT(*) FROM comments").fetchone()[0] == 160
    db.close()
