"""Start-up: `import diglot.cli` and every `--help` load nothing heavy (behaviour, not time).

Each check runs in a fresh interpreter, since this test process has long imported everything.
"""

import json
import os
import subprocess
import sys

import pytest

#: Libraries a command body may need but help must not: models, formats, the web app, metrics,
#: and pydantic (typer coerces option values through it).
HEAVY = ("numpy", "lxml", "fastapi", "starlette", "uvicorn", "jinja2", "markdown_it",
         "pygments", "pysbd", "lingua", "torch", "transformers", "ctranslate2", "sentencepiece",
         "sacrebleu", "sqlite3", "pydantic", "rich.markdown", "rich.traceback")
#: diglot's own modules behind the commands: imported by a command body, never for help.
LIBRARY = ("diglot.pipeline", "diglot.review.views", "diglot.review.service", "corpora.store",
           "corpora.formats", "translate.engine", "align.aligner", "evaluation.qa")

WALK = """
import typer.main
from diglot.cli import app

def walk(cmd, path):
    yield path
    for name, sub in sorted(getattr(cmd, "commands", {}).items()):
        yield from walk(sub, [*path, name])

PATHS = list(walk(typer.main.get_command(app), []))
"""


def _python(code: str, *, columns: int = 100) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": str(columns), "NO_COLOR": "1"}
    env.pop("FORCE_COLOR", None)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=120)


def _loaded(code: str) -> dict[str, list[str]]:
    """What `code` left in sys.modules, of HEAVY and LIBRARY (printed as JSON on the last
    line)."""
    res = _python(code + f"""
import json, sys
print(json.dumps({{"heavy": [m for m in {HEAVY!r} if m in sys.modules],
                  "library": [m for m in {LIBRARY!r} if m in sys.modules]}}))
""")
    assert res.returncode == 0, res.stderr
    found: dict[str, list[str]] = json.loads(res.stdout.splitlines()[-1])
    return found


def _help(args: list[str], *, typer_import: bool = False, columns: int = 100) -> str:
    """Help (or a usage error) as `diglot ARGS` prints it; with `typer_import`, after typer's
    help formatter was imported the ordinary way (so main() finds it loaded)."""
    res = _python(("import typer.rich_utils\n" if typer_import else "") + f"""
import sys
sys.argv = ["diglot", *{args!r}]
from diglot.cli import main
try:
    main()
except SystemExit as exc:
    print("exit", exc.code)
""", columns=columns)
    return res.stdout + res.stderr


def test_importing_the_cli_loads_nothing_heavy() -> None:
    assert _loaded("import diglot.cli") == {"heavy": [], "library": []}


def test_no_help_text_loads_anything_heavy() -> None:
    found = _loaded(WALK + """
import contextlib, io, sys
from diglot.cli import main
for path in PATHS:
    sys.argv = ["diglot", *path, "--help"]
    with contextlib.redirect_stdout(io.StringIO()) as out:
        try:
            main()
        except SystemExit as exc:
            assert exc.code == 0, (path, exc.code)
    assert "Usage: diglot" in out.getvalue(), path
assert len(PATHS) > 20, PATHS
""")
    assert found == {"heavy": [], "library": []}


@pytest.mark.parametrize(("args", "columns"), [
    ([], 100), (["--help"], 80), (["run", "--help"], 100), (["align", "pair", "--help"], 80),
    (["review", "users", "add", "--help"], 100),
    (["run", "book.md", "--from", "fr", "--bogus"], 100),  # a usage error: the error panel
])
def test_help_reads_as_typer_renders_it(args: list[str], columns: int) -> None:
    shown = _help(args, columns=columns)
    assert "Usage: diglot" in shown
    assert shown == _help(args, typer_import=True, columns=columns)


def test_the_deferred_rich_classes_are_the_real_ones_when_used() -> None:
    res = _python("""
import sys
sys.argv = ["diglot", "--help"]
from diglot.cli import main
try:
    main()
except SystemExit:
    pass
import rich.markdown, rich.traceback, typer.rich_utils as ru
assert isinstance(ru.Markdown("*x*"), rich.markdown.Markdown)
try:
    1 / 0
except ZeroDivisionError as exc:
    tb = ru.Traceback.from_exception(type(exc), exc, exc.__traceback__)
assert isinstance(tb, rich.traceback.Traceback)
print("real")
""")
    assert res.returncode == 0, res.stderr
    assert res.stdout.endswith("real\n")


def test_a_crash_under_debug_still_shows_the_rich_traceback() -> None:
    shown = _help(["--debug", "run", "/nonexistent/book.md", "--from", "fr", "--to", "es"])
    assert "Traceback (most recent call last)" in shown
    assert "DataFormatError: /nonexistent/book.md: no such file" in shown


def test_a_typer_that_needs_more_from_rich_gets_the_plain_import() -> None:
    res = _python("""
import diglot.cli as cli
cli._DEFERRED = {"rich.markdown": "NotInRich"}  # as if typer imported Markdown from elsewhere
cli._import_help_formatter()
import typer.rich_utils as ru
assert ru.Markdown.__module__ == "rich.markdown", ru.Markdown
print("plain")
""")
    assert res.returncode == 0, res.stderr
    assert res.stdout.endswith("plain\n")
