"""Exceptions that users of the library see; every message says what was expected and what was found."""

from __future__ import annotations

from pathlib import Path


class MOTError(Exception):
    """Base class of every error this library raises on purpose."""


class MOTFormatError(MOTError, ValueError):
    """A MOTChallenge file (or an in-memory table) does not have the expected content.

    Attributes:
        path: the offending file, or None for in-memory data.
        line: 1-based line number in that file, or None when the problem is not tied to one line.
    """

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None) -> None:
        self.path = None if path is None else Path(path)
        self.line = line
        self.reason = message
        where = ""
        if self.path is not None:
            where = f"{self.path}" + (f", line {line}" if line is not None else "") + ": "
        elif line is not None:
            where = f"row {line}: "
        super().__init__(where + message)


class MissingDependencyError(MOTError, ImportError):
    """An optional heavy dependency is not installed; the message names the extra that provides it."""

    def __init__(self, package: str, extra: str, purpose: str, install: str | None = None) -> None:
        how = install or f"pip install -e '.[{extra}]'"
        super().__init__(
            f"{purpose} needs the package '{package}', which is not installed; "
            f"install it as the README describes ({how})."
        )
        self.package = package
        self.extra = extra
