"""The review web app in-process (Starlette's TestClient over the ASGI app), on a real store.

The store comes from the real pipeline (Apertium): the Spanish sample with its glossary, and
a second document whose source sentences and machine output carry script, an <img onerror>
and a javascript: link. Every bad input must come back as a clear 4xx with nothing written.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import needs_apertium

pytest.importorskip("fastapi")
from starlette.testclient import TestClient  # noqa: E402

BASE = "http://127.0.0.1:8765"
PAYLOADS = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
            "[x](javascript:alert(1))")
XSS_DOC = """# Prueba <script>alert(1)</script>

El gato <img src=x onerror=alert(1)> come pescado.

Mira [x](javascript:alert(1)) ahora. El perro duerme en la casa.

Toda traducción es un trabajo social.
"""
TABLES = ("edits", "link_ops", "comments", "sessions", "glossary_changes", "users")

pytestmark = needs_apertium


@pytest.fixture(scope="session")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real store: the sample (bitext 1) and the XSS document (bitext 2)."""
    from diglot.pipeline import RunOptions, run
    from tests.review_server import build_store

    tmp = tmp_path_factory.mktemp("review-http")
    db = build_store(tmp / "sample")
    doc = tmp / "xss.es.md"
    doc.write_text(XSS_DOC, encoding="utf-8")
    run(RunOptions(doc, "es", "en", out=tmp / "xss", project=db))
    return db


def _copy(db: Path, to: Path) -> Path:
    with sqlite3.connect(db) as source, sqlite3.connect(to) as target:
        source.backup(target)
    return to


@pytest.fixture(scope="module")
def local(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """Local mode (no accounts, loopback): every visitor is 'tester'."""
    from diglot.review.app import create_app

    db = _copy(project, tmp_path_factory.mktemp("local") / "diglot.db")
    with TestClient(create_app(db, user="tester"), base_url=BASE) as client:
        yield client


@pytest.fixture(scope="module")
def accounts_db(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from diglot.review.accounts import Accounts

    db = _copy(project, tmp_path_factory.mktemp("accounts") / "diglot.db")
    accounts = Accounts(db)
    accounts.add("ana", "correct horse", "admin")
    accounts.add("ben", "battery staple", "reviewer")
    accounts.close()
    return db


def counts(db: Path) -> dict[str, int]:
    """Rows of every review table, and the sum of bead versions."""
    with closing(sqlite3.connect(db)) as conn:
        found = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES}
        found["versions"] = conn.execute("SELECT SUM(version) FROM links").fetchone()[0]
    return found


def db_of(client: TestClient) -> Path:
    db: Path = client.app.state.review.db  # type: ignore[attr-defined]
    return db


def csrf(client: TestClient) -> str:
    answer = client.get("/api/session")
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["csrf"]
    return token


def bitexts(client: TestClient) -> dict[str, int]:
    """Document name → bitext id."""
    answer = client.get("/api/overview")
    assert answer.status_code == 200, answer.text
    return {b["document"]: b["id"] for b in answer.json()}


def first_bead(client: TestClient, bid: int, offset: int = 0) -> dict[str, Any]:
    answer = client.get(f"/api/bitexts/{bid}/beads", params={"offset": offset, "limit": 1})
    assert answer.status_code == 200, answer.text
    bead: dict[str, Any] = answer.json()["beads"][0]
    return bead


def sample_id(client: TestClient) -> int:
    return next(i for name, i in bitexts(client).items() if "ensayo" in name)


def xss_id(client: TestClient) -> int:
    return next(i for name, i in bitexts(client).items() if "xss" in name)


class Tags(HTMLParser):
    """Every start tag of a page with its attributes, as a browser's parser sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def one_line_error(answer: Any, status: int, pattern: str) -> None:
    assert answer.status_code == status, answer.text
    message = answer.json()["error"]
    assert "\n" not in message
    assert re.search(pattern, message, re.I), message


# the app itself -----------------------------------------------------------------------------

def test_openapi_lists_the_routes_and_no_cdn_docs(local: TestClient) -> None:
    paths = local.get("/api/openapi.json").json()["paths"]
    for path in ("/api/session", "/api/login", "/api/logout", "/api/overview",
                 "/api/bitexts/{bid}/beads", "/api/bitexts/{bid}/beads/{bead}",
                 "/api/bitexts/{bid}/beads/{bead}/history",
                 "/api/bitexts/{bid}/beads/{bead}/comments",
                 "/api/bitexts/{bid}/beads/{bead}/edit", "/api/bitexts/{bid}/beads/{bead}/revert",
                 "/api/bitexts/{bid}/beads/{bead}/status",
                 "/api/bitexts/{bid}/beads/{bead}/merge-next",
                 "/api/bitexts/{bid}/beads/{bead}/split", "/api/bitexts/{bid}/beads/{bead}/move",
                 "/api/bitexts/{bid}/beads/{bead}/occurrences",
                 "/api/bitexts/{bid}/beads/{bead}/apply", "/api/bitexts/{bid}/glossary"):
        assert path in paths, path
    assert not any(not p.startswith("/api/") for p in paths)
    assert local.get("/docs").status_code == 404
    assert local.get("/redoc").status_code == 404


def test_security_headers_and_cookie(local: TestClient) -> None:
    answer = local.get("/api/session")
    assert answer.json()["user"] == "tester"
    cookie = answer.headers.get("set-cookie", "")
    if cookie:  # only the first visit makes a session
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    page = local.get("/")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "object-src 'none'" in csp and "unsafe" not in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "same-origin"
    assert "<style" not in page.text and " style=" not in page.text
    assert local.get("/static/review.js").status_code == 200


def test_reads_need_no_session_in_local_mode(local: TestClient) -> None:
    fresh = TestClient(local.app, base_url=BASE)
    before = counts(db_of(local))
    assert fresh.get("/api/overview").status_code == 200
    assert counts(db_of(local)) == before
    made = fresh.get("/api/session")
    assert made.json()["user"] == "tester" and made.json()["role"] == "admin"
    assert counts(db_of(local))["sessions"] == before["sessions"] + 1


def test_host_header_must_name_loopback(local: TestClient) -> None:
    for host in ("evil.example", "evil.example:8765", "127.0.0.1.evil.example"):
        answer = local.get("/api/session", headers={"host": host})
        one_line_error(answer, 400, "localhost or 127.0.0.1")
    for host in ("localhost:8765", "127.0.0.1", "[::1]:8765"):
        assert local.get("/api/session", headers={"host": host}).status_code == 200


# bad input: a clear 4xx and nothing written -------------------------------------------------

def test_bad_inputs_write_nothing(local: TestClient) -> None:
    token = csrf(local)
    sample, xss = sample_id(local), xss_id(local)
    bead = first_bead(local, sample)
    other = first_bead(local, xss)
    headers = {"X-CSRF-Token": token}
    edit = f"/api/bitexts/{sample}/beads/{bead['id']}/edit"
    before = counts(db_of(local))
    cases = [
        (local.post(f"/api/bitexts/{sample}/beads/999999/edit", headers=headers,
                    json={"text": "x", "base_version": 1}), 404, "bead"),
        (local.get(f"/api/bitexts/{sample}/beads/999999"), 404, "bead"),
        (local.post(f"/api/bitexts/{sample}/beads/{other['id']}/edit", headers=headers,
                    json={"text": "x", "base_version": other["version"]}), 404, "bead"),
        (local.get(f"/api/bitexts/{sample}/beads/{other['id']}"), 404, "bead"),
        (local.post(edit, headers=headers, json={"text": "  \n ", "base_version":
                                                 bead["version"]}), 400, "empty"),
        (local.post(edit, headers=headers, json={"text": "a" * 1_000_000,
                                                 "base_version": bead["version"]}),
         413, "KiB"),
        (local.post(edit, headers=headers, json={"text": "a" * 30_000,
                                                 "base_version": bead["version"]}),
         413, "20,?000"),
        (local.post(edit, headers={**headers, "content-type": "application/json"},
                    content=b'{"text": "x", "base_version": '), 400, "malformed JSON"),
        (local.post(edit, headers=headers, json={"txt": "x", "base_version": 1}), 422, "text"),
        (local.post(edit, headers={**headers, "content-type": "application/json"}),
         400, "missing JSON body"),
        (local.post(edit, headers={**headers, "content-type": "application/json"},
                    content=b'{"text": "\\ud800", "base_version": %d}' % bead["version"]),
         400, "surrogate"),
        (local.post(edit, headers=headers, json={"text": "x", "base_version": 2**70}),
         422, "base_version"),
        (local.get(f"/api/bitexts/{sample}/beads/{2**70}"), 422, "bead"),
        (local.post(edit, json={"text": "x", "base_version": bead["version"]}), 403, "CSRF"),
        (local.post(edit, headers={"X-CSRF-Token": "wrong"},
                    json={"text": "x", "base_version": bead["version"]}), 403, "CSRF"),
        (local.post(f"/api/bitexts/{sample}/beads/{bead['id']}/comments", headers=headers,
                    json={"text": ""}), 400, "empty"),
        (local.post(f"/api/bitexts/{sample}/beads/{bead['id']}/status", headers=headers,
                    json={"status": "done", "base_version": bead["version"]}), 422, "status"),
    ]
    for answer, status, pattern in cases:
        one_line_error(answer, status, pattern)
    assert counts(db_of(local)) == before


def test_form_post_without_csrf_is_refused(local: TestClient) -> None:
    sample = sample_id(local)
    bead = first_bead(local, sample)
    before = counts(db_of(local))
    answer = local.post(f"/bitexts/{sample}/beads/{bead['id']}/edit",
                        data={"text": "sneaky", "base_version": str(bead["version"])},
                        follow_redirects=False)
    assert answer.status_code == 403
    assert "CSRF" in answer.text
    assert counts(db_of(local)) == before


# edits, conflicts -----------------------------------------------------------------------------

def test_edit_then_stale_edit_is_409_with_both_versions(local: TestClient) -> None:
    token = csrf(local)
    sample = sample_id(local)
    bead = first_bead(local, sample, offset=3)
    url = f"/api/bitexts/{sample}/beads/{bead['id']}/edit"
    before = counts(db_of(local))
    saved = local.post(url, headers={"X-CSRF-Token": token},
                       json={"text": "First reviewer's text.", "base_version": bead["version"]})
    assert saved.status_code == 200, saved.text
    assert saved.json()["version"] == bead["version"] + 1
    assert saved.json()["target"] == "First reviewer's text."
    stale = local.post(url, headers={"X-CSRF-Token": token},
                       json={"text": "Second reviewer's text.", "base_version": bead["version"]})
    one_line_error(stale, 409, "changed|version")
    body = stale.json()
    assert body["current"]["target"] == "First reviewer's text."
    assert body["yours"]["text"] == "Second reviewer's text."
    after = counts(db_of(local))
    assert after["edits"] == before["edits"] + 1
    history = local.get(f"/api/bitexts/{sample}/beads/{bead['id']}/history").json()
    assert history[0]["edit_id"] is None and history[-1]["text"] == "First reviewer's text."


def test_form_flow_redirects_and_renders_a_conflict(local: TestClient) -> None:
    token = csrf(local)
    sample = sample_id(local)
    bead = first_bead(local, sample, offset=5)
    url = f"/bitexts/{sample}/beads/{bead['id']}/edit"
    form = {"csrf": token, "text": "Saved from a form.", "base_version": str(bead["version"]),
            "next": f"/bitexts/{sample}?offset=0"}
    saved = local.post(url, data=form, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == f"/bitexts/{sample}?offset=0#bead-{bead['id']}"
    for away in ("//evil.example/", "/\\evil.example/", "https://evil.example/"):
        posted = local.post(f"/bitexts/{sample}/beads/{bead['id']}/comment",
                            data={"csrf": token, "text": "ok", "next": away},
                            follow_redirects=False)
        assert posted.status_code == 303
        assert posted.headers["location"] == f"/bitexts/{sample}#bead-{bead['id']}"
    stale = local.post(url, data={**form, "text": "Mine <b>too</b>."}, follow_redirects=False)
    assert stale.status_code == 409
    html = stale.text
    assert 'class="conflict"' in html and 'class="theirs"' in html and 'class="yours"' in html
    assert "Saved from a form." in html
    assert re.search(r'<textarea name="text"[^>]*>Mine &lt;b&gt;too&lt;/b&gt;.</textarea>', html)
    confirm = local.post(f"/bitexts/{sample}/beads/{bead['id']}/status",
                         data={"csrf": token, "status": "confirmed",
                               "base_version": str(bead["version"] + 1)},
                         follow_redirects=False)
    assert confirm.status_code == 303
    assert local.get(f"/api/bitexts/{sample}/beads/{bead['id']}").json()["status"] == "confirmed"


# pages --------------------------------------------------------------------------------------

def test_document_view_hooks_filters_and_paging(local: TestClient) -> None:
    sample = sample_id(local)
    page = local.get(f"/bitexts/{sample}")
    assert page.status_code == 200
    html = page.text
    assert re.search(r'<tr id="bead-(\d+)" class="bead[^"]*" data-bead="\1" data-bitext="\d+" '
                     r'data-version="\d+" data-status="\w[\w-]*"', html)
    assert '<form class="edit" method="post"' in html and '<textarea name="text"' in html
    for action in ("save", "confirm", "needs-work", "merge-next", "split",
                   "move-source-previous", "move-source-next", "move-target-previous",
                   "move-target-next"):
        assert f'data-action="{action}"' in html, action
    assert 'lang="es"' in html and 'lang="en"' in html
    assert '<meta name="csrf" content="' in html
    assert '<mark class="term' in html  # the sample glossary's terms
    assert 'class="section"' in html
    total = local.get(f"/api/bitexts/{sample}/beads").json()["total"]
    assert html.count('<tr id="bead-') == min(total, 100)
    for show in ("flagged", "unconfirmed", "needs-work", "edited", "low-score"):
        answer = local.get(f"/bitexts/{sample}", params={"show": show})
        assert answer.status_code == 200, show
    edited = local.get(f"/api/bitexts/{sample}/beads", params={"show": "edited"}).json()
    assert all(b["edited"] for b in edited["beads"])
    one = local.get(f"/api/bitexts/{sample}/beads", params={"limit": 2, "offset": 2}).json()
    assert [b["order"] for b in one["beads"]] == [3, 4]


def test_bead_page_history_diff_comments_and_occurrences(local: TestClient) -> None:
    token = csrf(local)
    sample = sample_id(local)
    bead = first_bead(local, sample, offset=3)  # edited by the conflict test
    page = local.get(f"/bitexts/{sample}/beads/{bead['id']}")
    assert page.status_code == 200
    html = page.text
    assert "<ins>" in html or "<del>" in html
    assert 'data-action="revert"' in html and 'data-action="comment"' in html
    assert "Same source elsewhere" in html
    added = local.post(f"/api/bitexts/{sample}/beads/{bead['id']}/comments",
                       headers={"X-CSRF-Token": token}, json={"text": "Check the tense."})
    assert added.status_code == 200, added.text
    assert "Check the tense." in local.get(f"/bitexts/{sample}/beads/{bead['id']}").text
    found = local.get(f"/api/bitexts/{sample}/beads/{bead['id']}/occurrences").json()
    assert found["count"] == len(found["beads"])


def test_every_text_is_escaped(local: TestClient) -> None:
    token = csrf(local)
    xss = xss_id(local)
    beads = local.get(f"/api/bitexts/{xss}/beads").json()["beads"]
    sources = " ".join(s["text"] for b in beads for s in b["source"])
    machine = " ".join(b["machine"] for b in beads)
    for payload in PAYLOADS:  # the pipeline kept them: the test means something
        assert payload in sources and payload in machine, payload
    bead = beads[-1]
    edit = local.post(f"/api/bitexts/{xss}/beads/{bead['id']}/edit",
                      headers={"X-CSRF-Token": token},
                      json={"text": " ".join(PAYLOADS), "base_version": bead["version"]})
    assert edit.status_code == 200, edit.text
    comment = local.post(f"/bitexts/{xss}/beads/{bead['id']}/comment",
                         data={"csrf": token, "text": " ".join(PAYLOADS)},
                         follow_redirects=False)
    assert comment.status_code == 303
    for url in ("/", f"/bitexts/{xss}", f"/bitexts/{xss}/beads/{bead['id']}"):
        html = local.get(url).text
        assert "<script>alert" not in html and "<img src=x" not in html, url
        assert html.count("<script") == 1  # review.js, nothing else
        assert not re.search(r"""href=["']?\s*javascript:""", html, re.I), url
        tags = Tags()
        tags.feed(html)
        assert [t for t, _ in tags.found if t in ("img", "iframe", "object")] == [], url
        assert [a for _, attrs in tags.found for a, _v in attrs if a.startswith("on")] == []
        assert [v for _, attrs in tags.found for _a, v in attrs
                if v and v.strip().lower().startswith("javascript:")] == [], url
    bead_html = local.get(f"/bitexts/{xss}/beads/{bead['id']}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in bead_html
    assert "&lt;img src=x onerror=alert(1)&gt;" in bead_html


# accounts -----------------------------------------------------------------------------------

def test_account_mode_login_throttle_and_csrf(accounts_db: Path) -> None:
    from diglot.review.app import create_app

    with TestClient(create_app(accounts_db), base_url=BASE) as client:
        one_line_error(client.get("/api/overview"), 401, "log in")
        one_line_error(client.get("/api/session"), 401, "log in")
        page = client.get("/", follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"].startswith("/login")
        assert client.get("/login").status_code == 200
        before = counts(accounts_db)
        for _ in range(5):
            one_line_error(client.post("/api/login", json={"name": "ben", "password": "nope"}),
                           401, "wrong name or password")
        one_line_error(client.post("/api/login", json={"name": "ben",
                                                       "password": "battery staple"}),
                       429, "too many wrong passwords")
        assert counts(accounts_db) == before
        login = client.post("/api/login", json={"name": "ana", "password": "correct horse"})
        assert login.status_code == 200, login.text
        assert login.json()["user"] == "ana" and login.json()["role"] == "admin"
        assert "HttpOnly" in login.headers["set-cookie"]
        assert "SameSite=Strict" in login.headers["set-cookie"]
        assert counts(accounts_db)["sessions"] == before["sessions"] + 1
        token = login.json()["csrf"]
        bid = sample_id(client)
        bead = first_bead(client, bid)
        url = f"/api/bitexts/{bid}/beads/{bead['id']}/status"
        body = {"status": "needs-work", "base_version": bead["version"]}
        written = counts(accounts_db)
        one_line_error(client.post(url, json=body), 403, "CSRF")
        assert counts(accounts_db) == written
        done = client.post(url, json=body, headers={"X-CSRF-Token": token})
        assert done.status_code == 200 and done.json()["status_by"] == "ana"
        assert client.post("/api/logout", headers={"X-CSRF-Token": token}).status_code == 200
        one_line_error(client.get("/api/overview"), 401, "log in")


def test_login_form_needs_its_token(accounts_db: Path) -> None:
    from diglot.review.app import create_app

    with TestClient(create_app(accounts_db), base_url=BASE) as client:
        before = counts(accounts_db)
        refused = client.post("/login", data={"name": "ana", "password": "correct horse"})
        assert refused.status_code == 403
        form = client.get("/login").text
        token = re.search(r'name="csrf" value="([^"]+)"', form)
        assert token
        assert counts(accounts_db) == before
        ok = client.post("/login", data={"csrf": token.group(1), "name": "ana",
                                         "password": "correct horse", "next": "/"},
                         follow_redirects=False)
        assert ok.status_code == 303 and ok.headers["location"] == "/"
        assert client.get("/").status_code == 200


# the CLI ------------------------------------------------------------------------------------

def test_cli_refuses_missing_store_and_open_host(project: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from diglot.cli import app

    runner = CliRunner()
    missing = runner.invoke(app, ["review", str(tmp_path / "nope.db")])
    assert missing.exit_code == 2
    assert "nope.db: no such project store" in missing.output
    assert "--out DIR" in missing.output
    db = _copy(project, tmp_path / "diglot.db")
    refused = runner.invoke(app, ["review", str(db), "--host", "0.0.0.0"])
    assert refused.exit_code == 2
    assert "not loopback and the store has no accounts" in refused.output
    assert len(refused.output.strip().splitlines()) == 1
    added = runner.invoke(app, ["review", "users", "add", "carla", "--project", str(db),
                                "--admin", "--password-stdin"], input="long enough pw\n")
    assert added.exit_code == 0, added.output
    short = runner.invoke(app, ["review", "users", "add", "dan", "--project", str(db),
                                "--password-stdin"], input="short\n")
    assert short.exit_code == 2 and "at least 8" in short.output
    listed = runner.invoke(app, ["review", "users", "list", "--project", str(db)])
    assert listed.exit_code == 0 and "carla\tadmin" in listed.output
    from diglot.review.app import create_app

    create_app(db, host="0.0.0.0")  # accounts exist now: allowed
    with TestClient(create_app(db, host="0.0.0.0"), base_url="http://example.org") as client:
        assert client.get("/api/overview").status_code == 401  # no Host check, login needed


def test_alignment_revert_and_glossary_through_forms_and_api(local: TestClient) -> None:
    token = csrf(local)
    sample, xss = sample_id(local), xss_id(local)
    # rows 8 and 9: two sentences of one paragraph (a merge across paragraphs is refused)
    page = local.get(f"/api/bitexts/{sample}/beads", params={"offset": 7, "limit": 3}).json()
    first, second = page["beads"][0], page["beads"][1]
    before = counts(db_of(local))
    # a form made at a page's edge has no next_version: the server reads the neighbour's
    merged = local.post(f"/bitexts/{sample}/beads/{first['id']}/merge-next",
                        data={"csrf": token, "base_version": str(first["version"])},
                        follow_redirects=False)
    assert merged.status_code == 303, merged.text
    bead = local.get(f"/api/bitexts/{sample}/beads/{first['id']}").json()
    assert len(bead["source"]) == len(first["source"]) + len(second["source"])
    split = local.post(f"/api/bitexts/{sample}/beads/{first['id']}/split",
                       headers={"X-CSRF-Token": token},
                       json={"source_count": len(first["source"]),
                             "target_at": len(first["target"]),
                             "base_version": bead["version"]})
    assert split.status_code == 200, split.text
    halves = split.json()["beads"]
    assert [len(h["source"]) for h in halves] == [len(first["source"]), len(second["source"])]
    stale = local.post(f"/api/bitexts/{sample}/beads/{halves[0]['id']}/move",
                       headers={"X-CSRF-Token": token},
                       json={"side": "source", "direction": "next",
                             "base_version": halves[0]["version"],
                             "other_version": halves[1]["version"] + 7})
    assert stale.status_code == 409, stale.text
    assert counts(db_of(local))["link_ops"] >= before["link_ops"] + 2
    edited = local.post(f"/api/bitexts/{sample}/beads/{halves[0]['id']}/edit",
                        headers={"X-CSRF-Token": token},
                        json={"text": "To be reverted.", "base_version": halves[0]["version"]})
    assert edited.status_code == 200, edited.text
    reverted = local.post(f"/bitexts/{sample}/beads/{halves[0]['id']}/revert",
                          data={"csrf": token, "to_edit": "",
                                "base_version": str(edited.json()["version"])},
                          follow_redirects=False)
    assert reverted.status_code == 303, reverted.text
    now = local.get(f"/api/bitexts/{sample}/beads/{halves[0]['id']}").json()
    assert now["target"] == now["machine"]
    term = local.post(f"/api/bitexts/{xss}/glossary", headers={"X-CSRF-Token": token},
                      json={"source": "gato", "target": "cat"})
    assert term.status_code == 200, term.text
    assert Path(term.json()["path"]).parent == db_of(local).parent
    assert counts(db_of(local))["glossary_changes"] == before["glossary_changes"] + 1


def test_a_streamed_body_over_the_limit_is_413(local: TestClient) -> None:
    token = csrf(local)
    sample = sample_id(local)
    bead = first_bead(local, sample)
    before = counts(db_of(local))

    def chunks() -> Iterator[bytes]:
        yield b'{"base_version": 1, "text": "'
        for _ in range(64):
            yield b"a" * 8192
        yield b'"}'

    for url, kind in ((f"/api/bitexts/{sample}/beads/{bead['id']}/edit", "application/json"),
                      (f"/bitexts/{sample}/beads/{bead['id']}/edit",
                       "application/x-www-form-urlencoded")):
        answer = local.post(url, content=chunks(), headers={
            "X-CSRF-Token": token, "content-type": kind})
        assert answer.status_code == 413, (url, answer.text)
        assert "KiB" in answer.text
    assert counts(db_of(local)) == before


def test_apply_to_other_occurrences_from_the_bead_page(local: TestClient) -> None:
    token = csrf(local)
    sample, xss = sample_id(local), xss_id(local)
    beads = local.get(f"/api/bitexts/{sample}/beads").json()["beads"]
    bead = next(b for b in beads if b["source"][0]["text"].startswith("Toda traducción"))
    url = f"/api/bitexts/{sample}/beads/{bead['id']}"
    saved = local.post(f"{url}/edit", headers={"X-CSRF-Token": token},
                       json={"text": "Every translation is social work.",
                             "base_version": bead["version"]})
    assert saved.status_code == 200, saved.text
    found = local.get(f"{url}/occurrences").json()
    assert found["count"] == 1 and found["beads"][0][0] == xss
    page = local.get(f"/bitexts/{sample}/beads/{bead['id']}").text
    assert "Apply this text to 1 bead" in page
    field = re.search(r'name="beads" value="([^"]*)"', page)
    assert field and field.group(1) == ":".join(str(x) for x in found["beads"][0])
    form_url = f"/bitexts/{sample}/beads/{bead['id']}/apply"
    before = counts(db_of(local))
    for bad in ("1:2", "a:b:c", "1:2:3:4"):
        answer = local.post(form_url, data={"csrf": token, "beads": bad})
        assert answer.status_code == 400 and "bitext:bead:version" in answer.text
    unknown = local.post(f"/bitexts/{sample}/beads/{bead['id']}/delete", data={"csrf": token})
    assert unknown.status_code == 400 and "unknown action" in unknown.text
    assert counts(db_of(local)) == before
    listed = Tags()
    listed.feed(page)
    assert page.index('class="occurrences"') < page.index('data-action="apply"')
    row = re.search(r'<tr data-bead="(\d+)" data-bitext="(\d+)">(.*?)</tr>', page, re.S)
    assert row and (int(row.group(1)), int(row.group(2))) == (found["beads"][0][1], xss)
    assert "xss" in row.group(3) and "unreviewed" in row.group(3)  # document, status, text
    for bad_json in ([[1, 2]], [["a", 2, 3]], "1:2:3"):
        one_line_error(local.post(f"{url}/apply", headers={"X-CSRF-Token": token},
                                  json={"beads": bad_json}), 422,
                       r"\[bitext_id, bead_id, version\] triples")
    applied = local.post(form_url, data={"csrf": token, "beads": field.group(1)},
                         follow_redirects=False)
    assert applied.status_code == 303, applied.text
    assert "this text was written to 1 bead" in local.get(applied.headers["location"]).text
    other = local.get(f"/api/bitexts/{xss}/beads/{found['beads'][0][1]}").json()
    assert other["target"] == "Every translation is social work."
    assert local.get(f"{url}/occurrences").json()["count"] == 0


# after the user trial: throttle per address, accounts, the CLI's busy port ------------------

def test_wrong_passwords_from_elsewhere_do_not_lock_the_admin_out(accounts_db: Path) -> None:
    from diglot.review.app import create_app
    from diglot.review.security import Throttle

    app = create_app(accounts_db)
    before = counts(accounts_db)
    with TestClient(app, base_url=BASE, client=("10.0.0.66", 4000)) as attacker:
        for _ in range(5):
            one_line_error(attacker.post("/api/login", json={"name": "ana", "password": "x"}),
                           401, "wrong name or password")
        one_line_error(attacker.post("/api/login", json={"name": "ana",
                                                         "password": "correct horse"}),
                       429, "too many wrong passwords")
    assert counts(accounts_db) == before
    with TestClient(app, base_url=BASE, client=("10.0.0.7", 4000)) as admin:
        assert admin.post("/api/login", json={"name": "ana", "password": "correct horse"}
                          ).status_code == 200
    throttle = Throttle(limit=2, max_keys=100)
    for n in range(1000):
        throttle.failed(f"name{n}", "10.0.0.66")
    assert throttle.size() <= 100


def test_user_names_are_unique_ignoring_case_and_printable(tmp_path: Path, project: Path
                                                           ) -> None:
    from diglot.review.accounts import AccountError, Accounts

    db = _copy(project, tmp_path / "diglot.db")
    accounts = Accounts(db)
    first = accounts.add("ana", "long enough pw")
    assert first.role == "admin"  # the first account of a store is its admin
    with pytest.raises(AccountError, match="exists already"):
        accounts.add("Ana", "long enough pw")
    for bad, why in (("", "empty"), ("a\x00b", "control"), ("a\nb", "control"),
                     ("x" * 65, "at most 64"), (" ana", "spaces")):
        with pytest.raises(AccountError, match=why):
            accounts.add(bad, "long enough pw")
    assert accounts.add("Ben Ángel", "long enough pw").role == "reviewer"
    assert [u.name for u in accounts.users()] == ["Ben Ángel", "ana"]
    with pytest.raises(AccountError, match="last admin"):
        accounts.remove("ANA")
    with pytest.raises(AccountError, match="last admin"):
        accounts.set_role("ana", "reviewer")
    accounts.close()


def test_cli_users_remove_password_role_and_local_user(tmp_path: Path, project: Path) -> None:
    from typer.testing import CliRunner

    from diglot.cli import app
    from diglot.review.accounts import AccountError, Accounts
    from diglot.review.app import create_app

    runner = CliRunner()
    db = _copy(project, tmp_path / "diglot.db")

    def users(*args: str, password: str = "") -> Any:
        return runner.invoke(app, ["review", "users", *args, "--project", str(db)],
                             input=password)

    added = users("add", "ana", "--password-stdin", password="long enough pw\n")
    assert added.exit_code == 0 and "admin" in added.output and "first account" in added.output
    assert users("add", "ANA", "--password-stdin", password="long enough pw\n").exit_code == 2
    assert users("add", "ben", "--password-stdin", password="another pw!\n").exit_code == 0
    accounts = Accounts(db)
    token, _ = accounts.open_session("ben", "reviewer")
    before = counts(db)
    last = users("remove", "ana")
    assert last.exit_code == 2 and "last admin" in last.output
    assert counts(db) == before
    assert users("role", "ben", "admin").exit_code == 0
    changed = users("password", "ben", "--password-stdin", password="a new password\n")
    assert changed.exit_code == 0, changed.output
    assert accounts.session(token) is None  # a reset ends the sessions
    assert accounts.check("ben", "a new password") is not None
    token, _ = accounts.open_session("ana", "admin")
    removed = users("remove", "ana")
    assert removed.exit_code == 0, removed.output
    assert accounts.session(token) is None and [u.name for u in accounts.users()] == ["ben"]
    assert users("remove", "nobody").exit_code == 2
    accounts.close()
    local = _copy(project, tmp_path / "local.db")
    for bad in ("", "<b>x</b>\n", "x" * 5000):
        with pytest.raises(AccountError):
            create_app(local, user=bad)
        refused = runner.invoke(app, ["review", str(local), "--user", bad])
        assert refused.exit_code == 2 and len(refused.output.strip().splitlines()) == 1


def test_cli_says_the_port_is_busy_before_any_url(project: Path, tmp_path: Path) -> None:
    import socket

    from typer.testing import CliRunner

    from diglot.cli import app

    db = _copy(project, tmp_path / "diglot.db")
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        busy = CliRunner().invoke(app, ["review", str(db), "--port", str(port)])
    assert busy.exit_code == 2
    assert busy.output.strip() == (f"diglot: error: port {port} is in use (another diglot "
                                   "review?); give --port N")


# after the user trial: pages ----------------------------------------------------------------

def test_confirm_saves_the_typed_text_with_the_status(local: TestClient) -> None:
    token = csrf(local)
    sample = sample_id(local)
    bead = first_bead(local, sample, offset=11)
    url = f"/bitexts/{sample}/beads/{bead['id']}"
    done = local.post(f"{url}/status", data={"csrf": token, "status": "confirmed",
                                             "base_version": str(bead["version"]),
                                             "text": "Typed, then confirmed."},
                      follow_redirects=False)
    assert done.status_code == 303, done.text
    now = local.get(f"/api{url}").json()
    assert (now["target"], now["status"]) == ("Typed, then confirmed.", "confirmed")
    other = first_bead(local, sample, offset=12)
    api = local.post(f"/api{url[:url.rindex('/')]}/{other['id']}/status",
                     headers={"X-CSRF-Token": token},
                     json={"status": "confirmed", "base_version": other["version"],
                           "text": "Saved and confirmed in one step."})
    assert api.status_code == 200, api.text
    assert (api.json()["target"], api.json()["status"]) == (
        "Saved and confirmed in one step.", "confirmed")


def test_a_refused_form_keeps_the_typed_text_and_links_back(local: TestClient) -> None:
    token = csrf(local)
    sample = sample_id(local)
    bead = first_bead(local, sample, offset=15)
    url = f"/bitexts/{sample}/beads/{bead['id']}"
    before = counts(db_of(local))
    typed = "Too long <b>a</b> " + "x" * 20_000
    answer = local.post(f"{url}/edit", data={"csrf": token, "text": typed,
                                            "base_version": str(bead["version"])})
    assert answer.status_code == 413 and answer.headers["content-type"].startswith("text/html")
    assert 'class="form-error"' in answer.text
    assert f"#bead-{bead['id']}" in answer.text  # back to the document at the bead
    area = re.search(r'<textarea name="text"[^>]*>(.*?)</textarea>', answer.text, re.S)
    assert area and area.group(1) == "Too long &lt;b&gt;a&lt;/b&gt; " + "x" * 20_000
    comment = local.post(f"{url}/comment", data={"csrf": token, "text": "   "})
    assert comment.status_code == 400 and '<textarea name="text" rows="3"' in comment.text
    huge = local.post(f"{url}/edit", content=b"text=" + b"x" * 300_000,
                      headers={"content-type": "application/x-www-form-urlencoded",
                               "referer": f"{BASE}{url}"})
    assert huge.status_code == 413 and huge.headers["content-type"].startswith("text/html")
    assert f'href="{url}"' in huge.text and "nothing was saved" in huge.text
    assert counts(db_of(local)) == before


def test_filters_offsets_sections_search_and_inline_comments(local: TestClient) -> None:
    token = csrf(local)
    sample = sample_id(local)
    before = counts(db_of(local))
    unknown = local.get(f"/bitexts/{sample}", params={"show": "zzz"})
    assert unknown.status_code == 400
    for show in ("all", "flagged", "unconfirmed", "needs-work", "edited", "low-score"):
        assert f'href="/bitexts/{sample}?show={show}"' in unknown.text
    one_line_error(local.get(f"/api/bitexts/{sample}/beads", params={"show": "zzz"}), 422,
                   "show.*all.*flagged.*low-score")
    total = local.get(f"/api/bitexts/{sample}/beads").json()["total"]
    past = local.get(f"/bitexts/{sample}", params={"offset": 5000})
    assert past.status_code == 200 and f'data-order="{total}"' in past.text
    assert f"of {total}" in past.text and "5001" not in past.text
    # the API does not clamp: a client paging until an empty page must get one
    api = local.get(f"/api/bitexts/{sample}/beads", params={"offset": 5000, "limit": 5}).json()
    assert (api["total"], api["offset"], api["beads"]) == (total, 5000, [])
    html = local.get(f"/bitexts/{sample}").text
    links = re.findall(rf'href="/bitexts/{sample}\?offset=(\d+)#section-(\d+)"', html)
    assert len(links) > 1
    for offset, first in links:
        target = local.get(f"/bitexts/{sample}", params={"offset": offset}).text
        assert f'id="section-{first}"' in target
    overview = local.get("/").text
    assert re.search(rf'href="/bitexts/{sample}\?offset=0#section-\d+"', overview)
    found = local.get(f"/bitexts/{sample}", params={"q": "CONDICIONES"})
    assert found.status_code == 200
    rows = re.findall(r'<tr id="bead-\d+"', found.text)
    assert rows and len(rows) < total and 'value="CONDICIONES"' in found.text
    bead = first_bead(local, sample, offset=17)
    assert counts(db_of(local)) == before
    added = local.post(f"/api/bitexts/{sample}/beads/{bead['id']}/comments",
                       headers={"X-CSRF-Token": token}, json={"text": "Check <this> term."})
    assert added.status_code == 200, added.text
    html = local.get(f"/bitexts/{sample}").text
    inline = re.search(rf'<tr id="bead-{bead["id"]}".*?</tr>', html, re.S)
    assert inline and '<details class="bead-comments">' in inline.group(0)
    assert "Check &lt;this&gt; term." in inline.group(0)


def test_a_term_added_says_which_version_and_how_it_applies(local: TestClient) -> None:
    # the XSS document's run had no glossary: the term goes to a new file beside the store
    # (the sample's is the repository's own file, which a test must not change)
    token = csrf(local)
    xss = xss_id(local)
    bead = first_bead(local, xss, offset=1)
    here = f"/bitexts/{xss}/beads/{bead['id']}"
    added = local.post(f"/bitexts/{xss}/glossary",
                       data={"csrf": token, "source": "perro", "target": "dog", "next": here},
                       follow_redirects=False)
    assert added.status_code == 303, added.text
    page = local.get(added.headers["location"]).text
    message = re.search(r'<p class="flash" role="status">(.*?)</p>', page, re.S)
    assert message, page
    versions = re.search(r"glossary version (\S+) → (\w+)", message.group(1))
    assert versions and versions.group(1) != versions.group(2)
    assert "re-run `diglot run` with the same --glossary" in message.group(1)
    assert f"now version {versions.group(2)}" in page  # the run had none; the file has one
    assert f"file now {versions.group(2)}" in local.get(f"/bitexts/{xss}").text
    assert 'class="flash"' not in local.get(here).text  # said once
    before = counts(db_of(local))
    again = local.post(f"/bitexts/{xss}/glossary",
                       data={"csrf": token, "source": "perro", "target": "dog", "next": here})
    assert again.status_code == 400 and 'value="dog"' in again.text
    assert counts(db_of(local)) == before


def test_a_superseded_bitext_is_read_only_and_points_to_the_current(
        project: Path, tmp_path: Path) -> None:
    from diglot.review.app import create_app

    db = _copy(project, tmp_path / "diglot.db")
    with TestClient(create_app(db, user="tester"), base_url=BASE) as client:
        old, new = xss_id(client), sample_id(client)
        with closing(sqlite3.connect(db)) as conn, conn:
            conn.execute("UPDATE bitexts SET superseded_by = ? WHERE id = ?", (new, old))
        overview = client.get("/").text
        older = overview[overview.index('<details class="older">'):]
        assert f'href="/bitexts/{old}"' in older and f'href="/bitexts/{new}"' in older
        assert f'<section class="bitext" data-bitext="{old}"' not in overview
        page = client.get(f"/bitexts/{old}").text
        assert 'class="superseded"' in page and f'href="/bitexts/{new}"' in page
        assert page.count('<fieldset class="controls" disabled') == page.count('<tr id="bead-')
        token = csrf(client)
        bead = first_bead(client, old)
        before = counts(db)
        one_line_error(client.post(f"/api/bitexts/{old}/beads/{bead['id']}/edit",
                                   headers={"X-CSRF-Token": token},
                                   json={"text": "late", "base_version": bead["version"]}),
                       410, ".")
        form = client.post(f"/bitexts/{old}/beads/{bead['id']}/edit",
                           data={"csrf": token, "text": "late",
                                 "base_version": str(bead["version"])})
        assert form.status_code == 410 and f'href="/bitexts/{new}"' in form.text
        assert counts(db) == before


def test_the_last_bead_cannot_merge_with_a_next_one(local: TestClient) -> None:
    sample = sample_id(local)
    total = local.get(f"/api/bitexts/{sample}/beads").json()["total"]
    html = local.get(f"/bitexts/{sample}").text
    last = re.search(rf'<tr id="bead-\d+"[^>]*data-order="{total}".*?</tr>', html, re.S)
    first = re.search(r'<tr id="bead-\d+"[^>]*data-order="1".*?</tr>', html, re.S)
    assert last and first
    assert re.search(r'data-action="merge-next"[^>]*disabled', last.group(0))
    assert not re.search(r'data-action="merge-next"[^>]*disabled', first.group(0))
    assert re.search(r'data-action="move-source-previous"[^>]*disabled', first.group(0))


def test_a_refused_alignment_form_does_not_claim_typed_text_was_kept(local: TestClient
                                                                       ) -> None:
    token = csrf(local)
    sample = sample_id(local)
    bead = first_bead(local, sample, offset=16)
    url = f"/bitexts/{sample}/beads/{bead['id']}"
    before = counts(db_of(local))
    # the alignment forms carry no editor text: nothing typed is there to keep
    merge = local.post(f"{url}/merge-next", data={"csrf": token, "base_version": "abc"})
    assert merge.status_code == 400 and 'class="form-error"' in merge.text
    assert "what you typed is kept below" not in merge.text
    assert "Nothing was changed." in merge.text
    edit = local.post(f"{url}/edit", data={"csrf": token, "base_version": "abc",
                                          "text": "Typed here."})
    assert edit.status_code == 400 and "what you typed is kept below" in edit.text
    assert ">Typed here.</textarea>" in edit.text
    assert counts(db_of(local)) == before


def test_a_form_body_with_raw_non_ascii_bytes_is_refused(local: TestClient) -> None:
    # Starlette reads such a body as Latin-1: "café" would be stored as "cafÃ©"
    token = csrf(local)
    sample = sample_id(local)
    bead = first_bead(local, sample, offset=17)
    url = f"/bitexts/{sample}/beads/{bead['id']}/edit"
    before = counts(db_of(local))
    raw = f"csrf={token}&base_version={bead['version']}&text=caf\xc3\xa9 \xff".encode("latin-1")
    answer = local.post(url, content=raw, follow_redirects=False,
                        headers={"content-type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 400 and answer.headers["content-type"].startswith("text/html")
    assert "the form body must be percent-encoded UTF-8 (as browsers send it)" in answer.text
    assert counts(db_of(local)) == before
    done = local.post(url, data={"csrf": token, "base_version": str(bead["version"]),
                                 "text": "café ÿ"}, follow_redirects=False)
    assert done.status_code == 303, done.text
    assert local.get(f"/api/bitexts/{sample}/beads/{bead['id']}").json()["target"] == "café ÿ"


def test_login_finds_the_name_ignoring_case(accounts_db: Path) -> None:
    from diglot.review.app import create_app

    app = create_app(accounts_db)
    with TestClient(app, base_url=BASE, client=("10.0.0.9", 4000)) as client:
        login = client.post("/api/login", json={"name": "ANA", "password": "correct horse"})
        assert login.status_code == 200, login.text
        assert login.json()["user"] == "ana"  # acts under the stored spelling
        form = client.get("/login").text
        token = re.search(r'name="csrf" value="([^"]+)"', form)
        assert token
        ok = client.post("/login", data={"csrf": token.group(1), "name": "Ana",
                                         "password": "correct horse", "next": "/"},
                         follow_redirects=False)
        assert ok.status_code == 303, ok.text
        assert client.get("/api/session").json()["user"] == "ana"
    with TestClient(app, base_url=BASE, client=("10.0.0.10", 4000)) as other:
        # the throttle counts the casefolded name: changing case buys no more tries
        for name in ("ben", "Ben", "BEN", "bEn", "beN"):
            one_line_error(other.post("/api/login", json={"name": name, "password": "x"}),
                           401, "wrong name or password")
        one_line_error(other.post("/api/login", json={"name": "BEN",
                                                      "password": "battery staple"}),
                       429, "too many wrong passwords")


def test_a_book_segment_shows_its_tags_short_and_escaped() -> None:
    """EPUB/HTML/DOCX segments carry inline tags with long attributes: the source column shows
    them as short chips with the whole tag in the tooltip, and nothing in them becomes markup."""
    from diglot.review.pages import highlight, tag_chips

    shown = tag_chips(highlight('The <i epub:type="se:name">Manifesto</i><img src=x '
                                'onerror="alert(1)"/>', []))
    assert shown == ('The <span class="tag" title="&lt;i epub:type=&#34;se:name&#34;&gt;">'
                     '&lt;i&gt;</span>Manifesto<span class="tag">&lt;/i&gt;</span>'
                     '<span class="tag" title="&lt;img src=x onerror=&#34;alert(1)&#34;/&gt;">'
                     '&lt;img/&gt;</span>')
