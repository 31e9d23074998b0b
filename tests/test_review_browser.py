"""The review workspace in a real browser: Debian's Chromium driven by Playwright (sync API).

Playwright's own browser download cannot work here (no network), so Chromium is launched from
/usr/bin/chromium with ``executable_path``; .ci/setup-test installs it from apt. Without it, or
without Playwright, the module is skipped with the reason.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api",
                    reason="Playwright is not installed (pip install -e '.[test]')")
from playwright.sync_api import Browser, sync_playwright  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.is_file() and shutil.which("chromium") is None:
    pytest.skip("Chromium is not installed (apt-get install chromium, as .ci/setup-test does)",
                allow_module_level=True)
CHROMIUM_PATH = str(CHROMIUM) if CHROMIUM.is_file() else str(shutil.which("chromium"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the module (Playwright passes --no-sandbox itself, root or not)."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM_PATH, headless=True)
        yield chromium
        chromium.close()


def test_chromium_runs_a_page(browser: Browser) -> None:
    page = browser.new_page()
    page.goto("data:text/html,<p id=x>hola</p><script>window.ran = 1</script>")
    assert page.inner_text("#x") == "hola"
    assert page.evaluate("window.ran") == 1
    page.close()
