"""The review workspace in a real browser: Debian's Chromium driven by Playwright (sync API).

One real store (the sample essay run through Apertium, with two sentences QA flags as
untranslated and a section of hostile text), two accounts, one real server subprocess for the
module; each test works on beads of its own. Playwright's own browser download cannot work here
(no network), so Chromium is launched from /usr/bin/chromium with ``executable_path``;
.ci/setup-test installs it from apt. Without it, or without Playwright, the module is skipped
with the reason.

Screenshots (the document view full-page, a conflict, a bead page, the overview) go to
$DIGLOT_SCREENSHOTS (default: a temporary folder); look at them after a change to the pages.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLE, needs_apertium

pytest.importorskip("playwright.sync_api",
                    reason="Playwright is not installed (pip install -e '.[test]')")
from playwright.sync_api import (  # noqa: E402
    Browser,
    BrowserContext,
    ConsoleMessage,
    Dialog,
    Locator,
    Page,
    sync_playwright,
)
from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.is_file() and shutil.which("chromium") is None:
    pytest.skip("Chromium is not installed (apt-get install chromium, as .ci/setup-test does)",
                allow_module_level=True)
CHROMIUM_PATH = str(CHROMIUM) if CHROMIUM.is_file() else str(shutil.which("chromium"))

pytestmark = needs_apertium

GLOSSARY = ROOT / "diglot" / "samples" / "glosario.es-en.tsv"
PASSWORD = "correct horse battery"
# Sentences of unknown Spanish words: Apertium copies them, QA flags them as untranslated.
FLAGGED = ("Quijotescas chirigotas gaditanas zarandeaban alborotadamente.",
           "Los otorrinolaringólogos desmitificaban hiperbólicamente anticonstitucionalidades.")
PAYLOADS = ('<script>window.__xss=1</script>', '<img src=x onerror="window.__xss=1">',
            '[x](javascript:window.__xss=1)')
EXTRA = f"""
## Notas

{FLAGGED[0]}

El libro tiene tres partes.

{FLAGGED[1]}

## Pruebas de seguridad

El texto {PAYLOADS[0]} sigue aquí.

Una imagen {PAYLOADS[1]} rota.

Un enlace {PAYLOADS[2]} peligroso.
"""


@dataclass(frozen=True)
class Workspace:
    """The module's store, the server's URL and the one bitext's id."""

    db: Path
    url: str
    bitext: int

    def view(self) -> str:
        return f"{self.url}/bitexts/{self.bitext}"


@dataclass
class Reviewer:
    """A logged-in browser context with one page; console errors and page errors are kept."""

    name: str
    context: BrowserContext
    page: Page
    errors: list[str] = field(default_factory=list)


def _add_user(db: Path, name: str, admin: bool) -> None:
    command = [sys.executable, "-m", "diglot", "review", "users", "add", name, "--project",
               str(db), "--password-stdin"] + (["--admin"] if admin else [])
    subprocess.run(command, input=PASSWORD + "\n", text=True, check=True, cwd=ROOT,
                   capture_output=True, timeout=60)


def _query(db: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(sql, args).fetchall()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    from diglot.pipeline import RunOptions, run
    from tests.review_server import serve

    tmp = tmp_path_factory.mktemp("review")
    source = tmp / "ensayo.es.md"
    source.write_text(SAMPLE.read_text(encoding="utf-8") + EXTRA, encoding="utf-8")
    summary = run(RunOptions(source, "es", "en", engine="apertium", out=tmp / "out",
                             glossary=GLOSSARY))
    db = Path(summary.outputs["project"])
    _add_user(db, "ana", admin=True)
    _add_user(db, "ben", admin=False)
    ((bitext,),) = _query(db, "SELECT id FROM bitexts")
    with serve(db) as server:
        yield Workspace(db, server.url, int(bitext))  # type: ignore[call-overload]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the module (Playwright passes --no-sandbox itself, root or not)."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM_PATH, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: $DIGLOT_SCREENSHOTS, else a temporary folder."""
    folder = Path(os.environ.get("DIGLOT_SCREENSHOTS") or tmp_path_factory.mktemp("shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _keep_error(reviewer: Reviewer, message: ConsoleMessage) -> None:
    if message.type == "error":  # a CSP violation is reported as one
        reviewer.errors.append(f"{message.text} ({message.location.get('url', '')})")


def beyond_conflicts(errors: list[str]) -> list[str]:
    """Console errors other than Chromium's own line for an expected 409 answer."""
    return [e for e in errors if "status of 409 (Conflict)" not in e]


def login(browser: Browser, workspace: Workspace, name: str, *,
          javascript: bool = True) -> Reviewer:
    """A new browser context logged in as ``name`` through the /login form."""
    context = browser.new_context(base_url=workspace.url, java_script_enabled=javascript)
    context.set_default_timeout(10_000)
    page = context.new_page()
    reviewer = Reviewer(name, context, page)
    context.on("console", lambda message: _keep_error(reviewer, message))
    context.on("weberror", lambda error: reviewer.errors.append(f"uncaught: {error.error}"))
    page.goto("/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form.login button[type=submit]")
    assert "/login" not in page.url, f"{name} was not logged in: {page.inner_text('body')}"
    return reviewer


@pytest.fixture
def ana(browser: Browser, workspace: Workspace) -> Iterator[Reviewer]:
    reviewer = login(browser, workspace, "ana")
    yield reviewer
    reviewer.context.close()


@pytest.fixture
def ben(browser: Browser, workspace: Workspace) -> Iterator[Reviewer]:
    reviewer = login(browser, workspace, "ben")
    yield reviewer
    reviewer.context.close()


def bead(page: Page, source: str) -> Locator:
    """The document view's row of the bead whose source holds ``source``."""
    row = page.locator("tr.bead", has_text=source)
    assert row.count() == 1, f"{row.count()} beads hold {source!r}"
    return row


def bead_id(row: Locator) -> int:
    return int(row.get_attribute("data-bead") or 0)


def version(row: Locator) -> int:
    return int(row.get_attribute("data-version") or 0)


def wait_version(page: Page, bead: int, at_least: int) -> None:
    """Wait until the page shows bead ``bead`` at version ``at_least`` or later."""
    page.wait_for_function(
        "([id, v]) => { const r = document.getElementById('bead-' + id);"
        " return r !== null && Number(r.dataset.version) >= v; }", arg=[bead, at_least])


def current_text(db: Path, bead: int) -> str:
    """A bead's current target text read from the store: its latest edit, else the machine's."""
    rows = _query(db, "SELECT text FROM edits WHERE link_id = ? ORDER BY id DESC LIMIT 1", bead)
    if rows:
        return str(rows[0][0])
    ((tgt_ids,),) = _query(db, "SELECT tgt_ids FROM links WHERE id = ?", bead)
    texts = [_query(db, "SELECT t.text FROM links l JOIN segments s ON s.document_id = "
                    "l.document_id JOIN translations t ON t.segment_id = s.id AND t.tgt_lang = "
                    "l.tgt_lang AND t.config_key = l.config_key WHERE l.id = ? AND "
                    "s.position = ?", bead, position)[0][0]
             for position in json.loads(str(tgt_ids))]  # segment positions
    return " ".join(str(t) for t in texts)


def hostile_attributes(page: Page) -> list[str]:
    """Attributes of the page whose value is a javascript: URL, and any payload element."""
    return page.evaluate(
        "() => [...document.querySelectorAll('*')].flatMap(e => [...e.attributes]"
        ".filter(a => /^\\s*javascript:/i.test(a.value) || a.name.startsWith('on'))"
        ".map(a => `${e.tagName} ${a.name}=${a.value}`)).concat("
        "[...document.scripts].filter(s => s.text.includes('__xss')).map(s => s.outerHTML))")


def save(row: Locator, text: str) -> None:
    """Type ``text`` into a bead's editor and press its save button."""
    row.locator("form.edit textarea[name=text]").fill(text)
    row.locator("[data-action=save]").click()


def split(page: Page, row: Locator, *, source_count: int, target_at: int) -> None:
    """Split a bead with its split form: the first ``source_count`` sentences stay."""
    form = row.locator("form:has([data-action=split])")
    form.locator("[name=source_count]").fill(str(source_count))
    form.locator("[name=target_at]").fill(str(target_at))
    form.locator("[data-action=split]").click()


def test_edit_merge_split_confirm_are_kept_after_reload(
        ana: Reviewer, workspace: Workspace, screenshots: Path) -> None:
    page = ana.page
    page.goto(workspace.view())
    edited = bead(page, "Toda traducción es un trabajo social.")
    first = bead(page, "Una persona lee un texto")
    second = bead(page, "El resultado depende de las herramientas")
    ids = bead_id(edited), bead_id(first), bead_id(second)
    machine = [current_text(workspace.db, i) for i in ids[1:]]

    v = version(edited)
    save(edited, "Every translation is social labour.")
    wait_version(page, ids[0], v + 1)
    v = version(bead(page, "Toda traducción"))
    bead(page, "Toda traducción").locator("[data-action=confirm]").click()
    wait_version(page, ids[0], v + 1)

    with page.expect_event("load"):  # an alignment change reloads the page at the bead
        bead(page, "Una persona lee").locator("[data-action=merge-next]").click()
    assert page.locator(f"#bead-{ids[2]}").count() == 0
    merged = bead(page, "Una persona lee")
    assert "El resultado depende" in merged.inner_text()
    assert merged.locator("textarea[name=text]").input_value() == " ".join(machine)

    with page.expect_event("load"):
        split(page, merged, source_count=1, target_at=len(machine[0]))
    page.reload()

    kept = bead(page, "Toda traducción")
    assert kept.locator("textarea[name=text]").input_value() == (
        "Every translation is social labour.")
    assert kept.get_attribute("data-status") == "confirmed"
    halves = bead(page, "Una persona lee"), bead(page, "El resultado depende")
    assert bead_id(halves[0]) == ids[1] and bead_id(halves[1]) not in ids
    assert [h.locator("textarea[name=text]").input_value() for h in halves] == machine
    page.screenshot(path=str(screenshots / "document-view.png"), full_page=True)

    db = workspace.db
    assert current_text(db, ids[0]) == "Every translation is social labour."
    assert _query(db, "SELECT author, kind FROM edits WHERE link_id = ?", ids[0]) == [
        ("ana", "edit")]
    assert _query(db, "SELECT status, status_by FROM links WHERE id = ?", ids[0]) == [
        ("confirmed", "ana")]
    assert _query(db, "SELECT retired_at IS NOT NULL FROM links WHERE id = ?", ids[2]) == [(1,)]
    ops = [str(op) for (op,) in _query(db, "SELECT op FROM link_ops ORDER BY id")]
    assert {"merge", "split"} <= set(ops), ops
    assert ana.errors == []


def test_two_reviewers_editing_one_bead_see_the_conflict(
        ana: Reviewer, ben: Reviewer, workspace: Workspace, screenshots: Path) -> None:
    source = "Hoy un grupo pequeño puede traducir"
    for reviewer in (ana, ben):
        reviewer.page.goto(workspace.view())
    row = bead(ana.page, source)
    bid, v = bead_id(row), version(row)
    save(row, "Today a small group can translate a whole book in one afternoon.")
    wait_version(ana.page, bid, v + 1)

    stale = bead(ben.page, source)
    assert version(stale) == v
    # the conflict box is built by review.js: hostile text must stay text there too
    save(stale, f"Today a few people can translate a book. {PAYLOADS[1]}")
    conflict = ben.page.locator(".conflict")
    conflict.wait_for()
    assert "in one afternoon" in conflict.locator(".theirs").inner_text()
    assert f"a few people can translate a book. {PAYLOADS[1]}" in conflict.locator(
        ".yours").inner_text()
    assert ben.page.evaluate("typeof window.__xss") == "undefined"
    stale.screenshot(path=str(screenshots / "conflict.png"))

    texts = [t for (t,) in _query(workspace.db, "SELECT text FROM edits WHERE link_id = ?", bid)]
    assert texts == ["Today a small group can translate a whole book in one afternoon."]
    ben.page.reload()
    assert bead(ben.page, source).locator("textarea[name=text]").input_value() == texts[0]
    assert ana.errors == []
    assert beyond_conflicts(ben.errors) == []


def current(page: Page) -> int:
    """The id of the bead the keyboard is on (the row with class ``current``)."""
    rows = page.locator("tr.bead.current")
    assert rows.count() == 1, f"{rows.count()} current beads"
    return bead_id(rows)


def test_keyboard_moves_between_flagged_beads_saves_and_confirms(
        ana: Reviewer, workspace: Workspace) -> None:
    page = ana.page
    page.goto(workspace.view())
    flagged = [bead_id(bead(page, text)) for text in FLAGGED]
    between = bead_id(bead(page, "El libro tiene tres partes."))
    assert bead(page, FLAGGED[0]).locator(".flag").count() > 0
    assert bead(page, "El libro tiene tres partes.").locator(".flag").count() == 0
    bead(page, "Toda traducción").locator("textarea[name=text]").focus()

    page.keyboard.press("Alt+ArrowDown")
    page.wait_for_selector(f"#bead-{flagged[0]}.current")
    page.keyboard.press("Alt+ArrowDown")
    page.wait_for_selector(f"#bead-{flagged[1]}.current")
    assert current(page) == flagged[1]  # the bead between them has no flag: skipped
    page.keyboard.press("Alt+ArrowUp")
    page.wait_for_selector(f"#bead-{flagged[0]}.current")

    row = page.locator(f"#bead-{flagged[0]}")
    v = version(row)
    row.locator("textarea[name=text]").fill("Quixotic carnival songs from Cádiz shook wildly.")
    row.locator("textarea[name=text]").focus()
    page.keyboard.press("Control+Enter")
    wait_version(page, flagged[0], v + 1)
    page.wait_for_selector(f"#bead-{between}.current")
    v = version(page.locator(f"#bead-{between}"))
    page.keyboard.press("Alt+c")
    page.wait_for_selector(f'#bead-{between}[data-status="confirmed"]')

    assert current_text(workspace.db, flagged[0]) == (
        "Quixotic carnival songs from Cádiz shook wildly.")
    assert _query(workspace.db, "SELECT status, version FROM links WHERE id = ?", between) == [
        ("confirmed", v + 1)]
    assert ana.errors == []


def test_merge_with_a_bead_the_filter_hides(ana: Reviewer, workspace: Workspace) -> None:
    # the page does not know the next bead's version: the server must read it (a false 409
    # here once named the neighbour and left the row holding its version)
    page = ana.page
    page.goto(workspace.view())
    # two sentences of one paragraph (a merge across paragraphs is refused)
    row = bead(page, "Una buena herramienta no decide por el traductor.")
    following = bead_id(bead(page, "Le muestra el texto"))
    bid, v = bead_id(row), version(row)
    row.locator("[data-action=needs-work]").click()
    wait_version(page, bid, v + 1)
    page.goto(f"{workspace.view()}?show=needs-work")
    assert page.locator(f"#bead-{following}").count() == 0
    try:
        with page.expect_event("load", timeout=5000):
            page.locator(f"#bead-{bid} [data-action=merge-next]").click()
    except PlaywrightTimeout:
        pytest.fail(f"no reload after the merge: {page.locator('.js-message').all_inner_texts()}")
    assert _query(workspace.db, "SELECT retired_at IS NOT NULL FROM links WHERE id = ?",
                  following) == [(1,)]
    assert beyond_conflicts(ana.errors) == []


def test_a_save_shows_the_glossary_violation_it_makes(ana: Reviewer,
                                                      workspace: Workspace) -> None:
    page = ana.page
    page.goto(workspace.view())
    row = bead(page, "La lengua es la conciencia práctica")
    bid, v = bead_id(row), version(row)
    assert row.locator("mark.term.violated").count() == 0
    save(row, "The tongue is the practical consciousness of men.")  # 'tongue' is forbidden
    wait_version(page, bid, v + 1)
    assert row.locator("mark.term.violated").count() > 0
    assert row.locator('.flag[data-check="glossary"]').count() == 1
    assert ana.errors == []


def test_forms_work_without_javascript(browser: Browser, workspace: Workspace) -> None:
    reviewer = login(browser, workspace, "ben", javascript=False)
    page = reviewer.page
    page.goto(workspace.view())
    row = bead(page, "Las máquinas no sustituyen ese trabajo")
    bid, v = bead_id(row), version(row)
    row.locator("textarea[name=text]").fill("Machines do not replace that labour.")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        row.locator("[data-action=save]").click()
    assert posted.value.status == 303
    page.wait_for_load_state()
    assert page.url.endswith(f"#bead-{bid}")
    row = page.locator(f"#bead-{bid}")
    assert version(row) == v + 1
    assert row.locator("textarea[name=text]").input_value() == (
        "Machines do not replace that labour.")

    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        row.locator("[data-action=needs-work]").click()
    assert posted.value.status == 303
    page.wait_for_load_state()
    assert page.locator(f"#bead-{bid}").get_attribute("data-status") == "needs-work"
    assert current_text(workspace.db, bid) == "Machines do not replace that labour."
    assert _query(workspace.db, "SELECT status, status_by FROM links WHERE id = ?", bid) == [
        ("needs-work", "ben")]

    # a stale form from a second tab: a 409 page with both versions, nothing written
    stale = reviewer.context.new_page()
    stale.goto(workspace.view())
    row.locator("textarea[name=text]").fill("Machines do not replace this labour.")
    row.locator("[data-action=save]").click()
    page.wait_for_load_state()
    stale_row = stale.locator(f"#bead-{bid}")
    stale_row.locator("textarea[name=text]").fill("Machines replace no labour.")
    with stale.expect_response(lambda r: r.request.method == "POST") as posted:
        stale_row.locator("[data-action=save]").click()
    assert posted.value.status == 409
    assert "this labour" in stale.locator(".conflict .theirs").inner_text()
    assert "Machines replace no labour." in stale.locator(".conflict .yours").inner_text()
    assert current_text(workspace.db, bid) == "Machines do not replace this labour."
    assert beyond_conflicts(reviewer.errors) == []
    reviewer.context.close()


def test_hostile_text_runs_nothing(ana: Reviewer, workspace: Workspace,
                                   screenshots: Path) -> None:
    page = ana.page
    page.goto(workspace.view())
    # shown as text in the source (a tag with attributes as a short chip, its whole self in the
    # tooltip) and in the machine output
    rows = [bead(page, word) for word in ("El texto <script>", "Una imagen <img>", "Un enlace")]
    for row, payload in zip(rows, PAYLOADS, strict=True):
        assert payload in row.locator("textarea[name=text]").input_value()
        source = row.locator("td.source")
        shown = source.inner_text() + " ".join(tag.get_attribute("title") or ""
                                               for tag in source.locator(".tag").all())
        assert payload in shown, shown
    hostile = " ".join(PAYLOADS)
    bid, v = bead_id(rows[0]), version(rows[0])
    save(rows[0], f"Edited: {hostile}")
    wait_version(page, bid, v + 1)

    page.goto(f"/bitexts/{workspace.bitext}/beads/{bid}")
    comment = page.locator("form[data-action=comment], form:has([data-action=comment])").first
    comment.locator("textarea").fill(f"Comment: {hostile}")
    comment.locator("button, input[type=submit]").first.click()
    page.get_by_text("Comment: <script>").first.wait_for()

    for url in (f"/bitexts/{workspace.bitext}/beads/{bid}", workspace.view(),
                f"{workspace.view()}?show=edited", "/"):
        page.goto(url)
        for summary in page.locator("summary").all():  # the machine text, among others
            summary.click()
        for area in page.locator("tr.bead:has-text('__xss') textarea[name=text]").all():
            area.click()
        assert page.evaluate("typeof window.__xss") == "undefined", url
        assert hostile_attributes(page) == [], url
        if url == "/":
            page.screenshot(path=str(screenshots / "overview.png"), full_page=True)
        elif "/beads/" in url:
            page.screenshot(path=str(screenshots / "bead-page.png"), full_page=True)
    assert _query(workspace.db, "SELECT text FROM comments WHERE link_id = ?", bid) == [
        (f"Comment: {hostile}",)]
    assert ana.errors == []

    # the page's CSP holds in the browser, and its violations reach the console this test reads
    with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
        page.evaluate("() => { const s = document.createElement('script');"
                      " s.textContent = 'window.__xss = 1'; document.body.append(s); }")
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert len(ana.errors) == 1 and "Content Security Policy" in ana.errors[0], ana.errors



# after the user trial -----------------------------------------------------------------------

def answer(dialog: Dialog, seen: list[str], *, accept: bool) -> None:
    """Note a dialog's type and accept or dismiss it (a beforeunload: leave or stay)."""
    seen.append(dialog.type)
    if accept:
        dialog.accept()
    else:
        dialog.dismiss()


def test_confirm_with_unsaved_text_saves_it_and_it_stays_after_a_reload(
        ana: Reviewer, workspace: Workspace) -> None:
    page = ana.page
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: answer(dialog, dialogs, accept=False))
    page.goto(workspace.view())
    source = "Para que una traducción automática sea útil"
    row = bead(page, source)
    bid, v = bead_id(row), version(row)
    area = row.locator("textarea[name=text]")
    confirm = row.locator("[data-action=confirm]")
    assert confirm.inner_text() == "Confirm"
    area.fill("For a machine translation to be useful, three conditions must hold:")
    assert confirm.inner_text() == "Save & confirm"
    area.focus()
    page.keyboard.press("Alt+c")
    page.wait_for_selector(f'#bead-{bid}[data-status="confirmed"]')
    assert version(row) > v
    assert confirm.inner_text() == "Confirm"  # saved: nothing unsaved any more
    page.reload()  # no prompt: the text was saved with the status
    row = bead(page, source)
    assert row.locator("textarea[name=text]").input_value() == (
        "For a machine translation to be useful, three conditions must hold:")
    assert row.get_attribute("data-status") == "confirmed"
    assert current_text(workspace.db, bid) == (
        "For a machine translation to be useful, three conditions must hold:")
    assert _query(workspace.db, "SELECT status, status_by FROM links WHERE id = ?", bid) == [
        ("confirmed", "ana")]
    assert dialogs == []
    assert ana.errors == []


def test_leaving_with_unsaved_text_asks_first(ana: Reviewer, workspace: Workspace) -> None:
    page = ana.page
    page.goto(workspace.view())
    row = bead(page, "El código de este proyecto")
    bid = bead_id(row)
    before = _query(workspace.db, "SELECT COUNT(*) FROM edits")
    area = row.locator("textarea[name=text]")
    area.click()
    page.keyboard.press("End")
    page.keyboard.type(" (draft)")
    typed = area.input_value()
    dialogs: list[str] = []
    page.once("dialog", lambda dialog: answer(dialog, dialogs, accept=False))
    page.locator("header a.home").click()
    page.wait_for_timeout(300)
    assert dialogs == ["beforeunload"]
    assert page.url.startswith(workspace.view())  # stayed: the text is still there
    assert page.locator(f"#bead-{bid} textarea[name=text]").input_value() == typed
    page.once("dialog", lambda dialog: answer(dialog, dialogs, accept=True))
    with page.expect_navigation():
        page.locator("header a.home").click()
    assert dialogs == ["beforeunload", "beforeunload"] and page.url == workspace.url + "/"
    assert _query(workspace.db, "SELECT COUNT(*) FROM edits") == before
    assert ana.errors == []


def test_no_merge_or_move_past_the_ends_of_the_document(ana: Reviewer,
                                                        workspace: Workspace) -> None:
    page = ana.page
    page.goto(workspace.view())
    first, last = page.locator("tr.bead").first, page.locator("tr.bead").last
    assert first.get_attribute("data-order") == "1"
    total = _query(workspace.db, "SELECT COUNT(*) FROM links WHERE bitext_id = ? AND "
                   "retired_at IS NULL", workspace.bitext)[0][0]
    assert last.get_attribute("data-order") == str(total)
    for action in ("move-source-previous", "move-target-previous"):
        assert first.locator(f"[data-action={action}]").is_disabled()
        assert last.locator(f"[data-action={action}]").is_enabled()
    for action in ("merge-next", "move-source-next", "move-target-next"):
        assert last.locator(f"[data-action={action}]").is_disabled()
        assert first.locator(f"[data-action={action}]").is_enabled()
    assert ana.errors == []


def test_alignment_changes_refuse_unsaved_text(ana: Reviewer, workspace: Workspace) -> None:
    # they rebuild the beads from the stored text: typed text would be lost without a word
    page = ana.page
    page.goto(workspace.view())
    row = bead(page, "Las máquinas no sustituyen ese trabajo")
    bid, v = bead_id(row), version(row)
    area = row.locator("textarea[name=text]")
    stored = area.input_value()
    before = _query(workspace.db, "SELECT (SELECT COUNT(*) FROM edits), (SELECT COUNT(*) "
                    "FROM links WHERE retired_at IS NULL)")
    area.fill(stored + " (typed, not saved)")
    # the cursor past the stored text's end: the split cut must not follow it there (an
    # out-of-range cut made the form invalid and the browser refused its buttons silently)
    area.press("End")
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    for action in ("merge-next", "split", "move-target-next"):
        row.locator(f"[data-action={action}]").click()
        message = row.locator(".js-message")
        assert message.inner_text() == ("save your text first (Ctrl+Enter) or undo it: "
                                        "alignment changes use the saved text"), action
    page.wait_for_timeout(300)  # a reload or a post would have begun by now
    assert posts == []
    assert area.input_value() == stored + " (typed, not saved)"
    assert version(page.locator(f"#bead-{bid}")) == v
    assert _query(workspace.db, "SELECT (SELECT COUNT(*) FROM edits), (SELECT COUNT(*) "
                  "FROM links WHERE retired_at IS NULL)") == before
    area.fill(stored)  # undone: nothing unsaved is left for the next test's page
    assert ana.errors == []
