"""The error family. The library raises these; only the CLI turns them into exit codes."""

from __future__ import annotations

from pathlib import Path


class DiglotError(Exception):
    """Root of every error diglot reports to a user as one line."""


class ConfigError(DiglotError):
    """A bad option: unknown language, unsupported pair, missing model, locked store."""


class EngineError(DiglotError):
    """A translation engine failed or cannot run here."""


class DataFormatError(DiglotError):
    """An input file diglot cannot read as given.

    Args:
        path: The file.
        line: 1-based line number, or None when the problem is the whole file.
        message: What is wrong and what to do about it.
    """

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path = Path(path)
        self.line = line
        self.message = message
        where = f"{path}:{line}" if line is not None else f"{path}"
        super().__init__(f"{where}: {message}")


class StoreError(DiglotError):
    """The project store cannot be opened or used (newer schema, locked, corrupt)."""
