"""The review server under load on loopback, and after a crash (issue 15, "Reliability").

Twenty reviewers with accounts (so every edit has its own author) edit and confirm random beads
of the sample through a real server subprocess. Every acknowledged edit must be in the store
exactly once, a refused one not at all; conflicts come back as 409 with both versions; nothing
answers 5xx. Then the server is SIGKILLed in the middle of the same load and restarted on the
store: nothing acknowledged is lost and the store is intact. Save latencies are printed, never
asserted (benchmarks/review.py measures speed).
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.conftest import needs_apertium
from tests.review_server import (
    Outcome,
    build_store,
    kill,
    open_reviewer,
    percentile,
    run_load,
    serve,
)

pytestmark = [pytest.mark.slow, needs_apertium]

REVIEWERS = 20
SECONDS = float(os.environ.get("DIGLOT_LOAD_SECONDS", "60"))
KILL_AFTER = min(10.0, SECONDS / 2)
USERS = [(f"reviewer{k:02d}", f"secret-password-{k:02d}") for k in range(REVIEWERS)]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample's store with twenty accounts, added with `diglot review users add`."""
    from typer.testing import CliRunner

    from diglot.cli import app

    db = build_store(tmp_path_factory.mktemp("load-store"))
    runner = CliRunner()
    for name, password in USERS:
        result = runner.invoke(app, ["review", "users", "add", name, "--project", str(db),
                                     "--password-stdin"], input=password + "\n")
        assert result.exit_code == 0, result.output
    return db


@pytest.fixture
def db(built: Path, tmp_path: Path) -> Path:
    """A fresh copy of the built store for one test (SQLite's backup: the WAL comes along)."""
    copy = tmp_path / "diglot.db"
    source, target = sqlite3.connect(built), sqlite3.connect(copy)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    return copy


def bitext_of(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT min(id) FROM bitexts").fetchone()[0])


def stored_edits(db: Path) -> Counter[tuple[str, str, int]]:
    """(author, text, bead) of every edits row, counted."""
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT author, text, link_id FROM edits").fetchall()
    finally:
        conn.close()
    return Counter((str(a), str(t), int(b) if b is not None else -1) for a, t, b in rows)


def integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def report(title: str, outcomes: list[Outcome], capsys: pytest.CaptureFixture[str]) -> None:
    """Print the load's counts and save latencies past pytest's capture."""
    saves = [o.seconds * 1000 for o in outcomes if o.kind == "edit" and o.status == 200]
    statuses = Counter((o.kind, o.status) for o in outcomes)
    with capsys.disabled():
        print(f"\n{title}: {len(outcomes)} writes by {REVIEWERS} reviewers; "
              + ", ".join(f"{k} {s}: {n}" for (k, s), n in sorted(statuses.items())))
        print(f"  save latency (acknowledged edits, {len(saves)}): "
              f"p50 {percentile(saves, 50):.1f} ms, p95 {percentile(saves, 95):.1f} ms, "
              f"max {max(saves, default=float('nan')):.1f} ms")


def check_acknowledged(db: Path, outcomes: list[Outcome], *, refused_absent: bool) -> int:
    """Every acknowledged edit is stored exactly once (on its bead); returns how many."""
    stored = stored_edits(db)
    acked = [o for o in outcomes if o.kind == "edit" and o.status == 200]
    missing = [o for o in acked if stored[(o.user, o.text, o.bead)] != 1]
    assert not missing, (f"{len(missing)} of {len(acked)} acknowledged edits are not stored "
                         f"exactly once, e.g. {missing[:3]}")
    if refused_absent:
        refused = [o for o in outcomes if o.kind == "edit" and o.status not in (0, 200)]
        texts = {(author, text) for author, text, _ in stored}
        written = [o for o in refused if (o.user, o.text) in texts]
        assert not written, f"refused edits were written: {written[:3]}"
    # an edit always changes the text (each is unique), so no two share a bead version
    versions = Counter((o.bead, o.version) for o in acked)
    assert not [k for k, n in versions.items() if n > 1], "two edits acknowledged one version"
    return len(acked)


async def deliberate_conflict(url: str, bitext: int) -> httpx.Response:
    """Two reviewers save the same bead from the same version: the second gets the 409."""
    first = await open_reviewer(url, *USERS[0])
    second = await open_reviewer(url, *USERS[1])
    try:
        page = await first.client.get(f"/api/bitexts/{bitext}/beads")
        assert page.status_code == 200, page.text
        bead = page.json()["beads"][0]
        path = f"/api/bitexts/{bitext}/beads/{bead['id']}/edit"
        ok = await first.client.post(path, json={"text": "First reviewer's text.",
                                                 "base_version": bead["version"]},
                                     headers={"X-CSRF-Token": first.csrf})
        assert ok.status_code == 200, ok.text
        return await second.client.post(path, json={"text": "Second reviewer's text.",
                                                    "base_version": bead["version"]},
                                        headers={"X-CSRF-Token": second.csrf})
    finally:
        await first.client.aclose()
        await second.client.aclose()


def test_twenty_reviewers_lose_nothing(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bitext = bitext_of(db)
    with serve(db) as server:
        stale = asyncio.run(deliberate_conflict(server.url, bitext))
        outcomes = asyncio.run(run_load(server.url, USERS, bitext, SECONDS))
    report("load", outcomes, capsys)
    assert stale.status_code == 409, stale.text
    body = stale.json()
    assert body["current"]["target"] == "First reviewer's text."
    assert body["yours"]["text"] == "Second reviewer's text."
    assert [o for o in outcomes if o.status >= 500 or o.status == 0] == []
    # 403: a bead another reviewer confirmed (only they or an admin may change it)
    assert {o.status for o in outcomes if o.kind == "edit"} <= {200, 403, 409}
    assert {o.status for o in outcomes if o.kind == "status"} <= {200, 403, 409}
    assert [o.problem for o in outcomes if o.problem] == []
    assert any(o.status == 409 for o in outcomes), "twenty reviewers on 20 beads never met"
    assert check_acknowledged(db, outcomes, refused_absent=True) > 0
    assert integrity(db) == "ok"


async def load_then_kill(url: str, bitext: int, server_kill: Callable[[], None]
                         ) -> list[Outcome]:
    load = asyncio.create_task(run_load(url, USERS, bitext, SECONDS))
    await asyncio.sleep(KILL_AFTER)
    server_kill()
    return await load


def test_sigkill_mid_load_loses_nothing_acknowledged(
        db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bitext = bitext_of(db)
    with serve(db) as server:
        outcomes = asyncio.run(load_then_kill(server.url, bitext, lambda: kill(server)))
        assert server.process.returncode == -9
    report(f"SIGKILL after {KILL_AFTER:.0f} s", outcomes, capsys)
    assert [o for o in outcomes if o.status >= 500] == []
    assert any(o.status == 0 for o in outcomes), "the kill interrupted no request"
    # the restarted server is the first to open the store as the crash left it
    with serve(db) as server:
        after = asyncio.run(run_load(server.url, USERS[:2], bitext, 2.0))
    assert {o.status for o in after} <= {200, 403, 409}
    assert any(o.kind == "edit" and o.status == 200 for o in after), "no save after restart"
    assert check_acknowledged(db, outcomes, refused_absent=False) > 0
    check_acknowledged(db, after, refused_absent=True)
    assert integrity(db) == "ok"
