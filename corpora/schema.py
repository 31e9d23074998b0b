"""The project store's schema, as an ordered list of migrations.

``PRAGMA user_version`` holds the number of migrations applied. A store written by a newer diglot
(more migrations than this one knows) is refused rather than guessed at. The SQL stays close to
standard SQL (no SQLite-only types) so the same schema can move to PostgreSQL for a shared review
server.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

from diglot.errors import StoreError

MIGRATIONS: tuple[str, ...] = (
    # 1: documents, structure, segments, machine translations, links, reviewers' edits
    """
    CREATE TABLE documents (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        path TEXT,
        sha256 TEXT NOT NULL,
        format TEXT NOT NULL,
        lang TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (sha256, lang, format)
    );
    CREATE TABLE blocks (
        id INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        kind TEXT NOT NULL,
        level INTEGER NOT NULL,
        start_line INTEGER NOT NULL,
        end_line INTEGER NOT NULL,
        UNIQUE (document_id, position)
    );
    CREATE TABLE segments (
        id INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        block_id INTEGER NOT NULL REFERENCES blocks(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        part INTEGER NOT NULL,
        lang TEXT NOT NULL,
        text TEXT NOT NULL,
        translate INTEGER NOT NULL,
        UNIQUE (document_id, position)
    );
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        src_lang TEXT NOT NULL,
        tgt_lang TEXT NOT NULL,
        config_key TEXT NOT NULL,
        engine TEXT NOT NULL,
        model TEXT,
        params TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed'))
    );
    CREATE TABLE translations (
        id INTEGER PRIMARY KEY,
        segment_id INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
        tgt_lang TEXT NOT NULL,
        config_key TEXT NOT NULL,
        engine TEXT NOT NULL,
        model TEXT,
        params TEXT NOT NULL,
        text TEXT,
        status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
        error TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        seconds REAL,
        run_id INTEGER REFERENCES runs(id),
        updated_at TEXT NOT NULL,
        UNIQUE (segment_id, tgt_lang, config_key)
    );
    CREATE INDEX translations_status ON translations (config_key, tgt_lang, status);
    CREATE TABLE links (
        id INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        tgt_lang TEXT NOT NULL,
        config_key TEXT NOT NULL,
        position INTEGER NOT NULL,
        src_segments TEXT NOT NULL,
        tgt_kind TEXT NOT NULL CHECK (tgt_kind IN ('translation', 'segment')),
        tgt_ids TEXT NOT NULL,
        score REAL,
        method TEXT NOT NULL,
        UNIQUE (document_id, tgt_lang, config_key, position)
    );
    -- Reviewers' corrections are appended here; the machine output in translations is never
    -- overwritten, so every correction can be diffed against what the engine produced.
    CREATE TABLE edits (
        id INTEGER PRIMARY KEY,
        translation_id INTEGER REFERENCES translations(id) ON DELETE CASCADE,
        link_id INTEGER REFERENCES links(id) ON DELETE CASCADE,
        text TEXT NOT NULL,
        author TEXT,
        note TEXT,
        created_at TEXT NOT NULL,
        CHECK (translation_id IS NOT NULL OR link_id IS NOT NULL)
    );
    """,
    # 2: how a translation was made when a reviewer should know (an LLM's retry, a fallback
    # engine, a problem left unresolved)
    """
    ALTER TABLE translations ADD COLUMN note TEXT;
    """,
    # 3: the review workspace. A bitext is one document in one target language under one engine
    # configuration; its beads are the rows of `links`. Beads are never deleted by a review: a
    # merged-away bead is retired; every text version, alignment change, status change and
    # comment is appended with its author and time.
    """
    CREATE TABLE bitexts (
        id INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        tgt_lang TEXT NOT NULL,
        config_key TEXT NOT NULL,
        glossary_path TEXT,
        glossary_version TEXT,
        created_at TEXT NOT NULL,
        -- the bitext of the same document and target language that replaced this one (a run
        -- under a new configuration, its review carried over); NULL: this one is current
        superseded_by INTEGER REFERENCES bitexts(id) ON DELETE SET NULL,
        UNIQUE (document_id, tgt_lang, config_key)
    );
    INSERT INTO bitexts (document_id, tgt_lang, config_key, created_at)
        SELECT DISTINCT document_id, tgt_lang, config_key, '1970-01-01T00:00:00.000+00:00'
        FROM links;
    ALTER TABLE links ADD COLUMN bitext_id INTEGER REFERENCES bitexts(id) ON DELETE CASCADE;
    -- document order; a bead split off another gets a key between its neighbours'
    ALTER TABLE links ADD COLUMN ord REAL;
    ALTER TABLE links ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE links ADD COLUMN status TEXT NOT NULL DEFAULT 'unreviewed'
        CHECK (status IN ('unreviewed', 'confirmed', 'needs-work'));
    ALTER TABLE links ADD COLUMN status_by TEXT;
    ALTER TABLE links ADD COLUMN status_at TEXT;
    ALTER TABLE links ADD COLUMN retired_at TEXT;
    UPDATE links SET ord = position, bitext_id = (
        SELECT b.id FROM bitexts b WHERE b.document_id = links.document_id
        AND b.tgt_lang = links.tgt_lang AND b.config_key = links.config_key);
    CREATE INDEX links_order ON links (bitext_id, ord);
    ALTER TABLE edits ADD COLUMN version INTEGER;
    ALTER TABLE edits ADD COLUMN base_version INTEGER;
    ALTER TABLE edits ADD COLUMN kind TEXT NOT NULL DEFAULT 'edit'
        CHECK (kind IN ('edit', 'revert', 'merge', 'split', 'move', 'apply', 'carry'));
    CREATE INDEX edits_link ON edits (link_id, id);
    CREATE INDEX edits_translation ON edits (translation_id, id);
    CREATE TABLE link_ops (
        id INTEGER PRIMARY KEY,
        bitext_id INTEGER NOT NULL REFERENCES bitexts(id) ON DELETE CASCADE,
        op TEXT NOT NULL,
        detail TEXT NOT NULL,
        author TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX link_ops_bitext ON link_ops (bitext_id, id);
    CREATE TABLE comments (
        id INTEGER PRIMARY KEY,
        link_id INTEGER NOT NULL REFERENCES links(id) ON DELETE CASCADE,
        author TEXT NOT NULL,
        text TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX comments_link ON comments (link_id, id);
    CREATE TABLE flags (
        id INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        tgt_lang TEXT NOT NULL,
        config_key TEXT NOT NULL,
        position INTEGER NOT NULL,
        check_name TEXT NOT NULL,
        severity TEXT NOT NULL,
        message TEXT NOT NULL
    );
    CREATE INDEX flags_bitext ON flags (document_id, tgt_lang, config_key, position);
    CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('reviewer', 'admin')),
        created_at TEXT NOT NULL
    );
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        user_name TEXT NOT NULL,
        role TEXT NOT NULL,
        csrf TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );
    CREATE TABLE glossary_changes (
        id INTEGER PRIMARY KEY,
        bitext_id INTEGER REFERENCES bitexts(id) ON DELETE SET NULL,
        path TEXT NOT NULL,
        old_version TEXT,
        new_version TEXT NOT NULL,
        source TEXT NOT NULL,
        target TEXT NOT NULL,
        author TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    """,
    # 4: publishing. Whose text a document is and under which licences (keyed by the
    # document's name, so a re-run of an edited file keeps it); the provenance an imported
    # pair brought with it (`corpora.importer.pack_provenance`: a JSON array of its fields),
    # which an export gives back unchanged; the version of the engine that made a run.
    """
    CREATE TABLE document_meta (
        name TEXT PRIMARY KEY,
        title TEXT,
        authors TEXT NOT NULL DEFAULT '[]',
        source TEXT,
        source_license TEXT,
        translation_license TEXT,
        attribution TEXT,
        origin TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    ALTER TABLE links ADD COLUMN provenance TEXT;
    ALTER TABLE runs ADD COLUMN engine_version TEXT;
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)


def _statements(script: str) -> Iterator[str]:
    """The statements of a migration script, whole (comments may hold semicolons)."""
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            yield buf
            buf = ""
    if buf.strip():
        yield buf


def require_store(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse a file that is not a diglot store, before anything writes to it (a command that
    only reads a store must not turn another SQLite file, or an empty one, into one).

    Raises:
        StoreError: The file is missing, empty, not SQLite, or SQLite without diglot's tables.
    """
    hint = "give the diglot.db a `diglot run` wrote (by default in its output folder)"
    if not path.is_file():
        raise StoreError(f"{path}: no such project store; {hint}")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = "
                                             "'table'")}
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: not a diglot project store ({exc}); {hint}") from None
    if version == 0 and "documents" not in tables:
        what = "an empty file" if not tables else "an SQLite database of another program"
        raise StoreError(f"{path}: not a diglot project store ({what}); {hint}")


def migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Bring a store to this diglot's schema, WAL mode on.

    The version is read under the write lock, in the transaction that applies the migrations,
    so a run and a review server opening an older store at once migrate it once.

    Args:
        conn: An open connection in autocommit mode (``isolation_level=None``).
        path: The store's file, for messages.

    Raises:
        StoreError: The file is not a diglot store, or it was written by a newer diglot.
    """
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("BEGIN IMMEDIATE")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise StoreError(f"{path}: not a diglot project store ({exc}); give the --project "
                         "file of a `diglot run` (by default <output folder>/diglot.db)") from None
    try:
        if version > SCHEMA_VERSION:
            raise StoreError(f"{path}: store has schema {version}, newer than this diglot's "
                             f"{SCHEMA_VERSION}; upgrade diglot (pip install -U diglot) to "
                             "open it")
        for number in range(version, SCHEMA_VERSION):
            for statement in _statements(MIGRATIONS[number]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number + 1}")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
