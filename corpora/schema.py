"""The project store's schema, as an ordered list of migrations.

``PRAGMA user_version`` holds the number of migrations applied. A store written by a newer diglot
(more migrations than this one knows) is refused rather than guessed at. The SQL stays close to
standard SQL (no SQLite-only types) so the same schema can move to PostgreSQL for a shared review
server.
"""

from __future__ import annotations

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
)

SCHEMA_VERSION = len(MIGRATIONS)
