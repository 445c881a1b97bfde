"""Exit codes and the exceptions the library raises.

The core raises these; only the CLI turns them into ``hcpcs: error: ...`` lines and exit codes.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Every exit status the CLI uses (documented in the README)."""

    OK = 0
    NOT_FOUND = 1  # unknown code, or a validated list with a code that is not active
    USAGE = 2  # malformed input or a bad option
    DATA = 3  # a record, release file or data directory problem
    INTERRUPTED = 130  # Ctrl-C


class HcpcsError(Exception):
    """Base of every error the library raises on purpose."""

    exit_code: ExitCode = ExitCode.DATA

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


class UsageError(HcpcsError):
    """The user's input cannot be understood (an empty query, a malformed code)."""

    exit_code = ExitCode.USAGE


class InvalidCode(UsageError):
    """Text that is not shaped like a HCPCS Level II code or modifier."""


class CodeNotFound(HcpcsError):
    """A well-formed code that no loaded source knows."""

    exit_code = ExitCode.NOT_FOUND

    def __init__(self, code: str, suggestions: tuple[str, ...] = (), where: str = "") -> None:
        hint = f"did you mean {', '.join(suggestions)}?" if suggestions else None
        super().__init__(f"unknown code {code}{where}", hint)
        self.code = code
        self.suggestions = suggestions


class RecordError(HcpcsError):
    """A bundled or user record file is invalid."""

    def __init__(self, path: str, problem: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.line = line
        self.problem = problem


class ReleaseError(HcpcsError):
    """A file that is not a readable CMS HCPCS release."""


class StoreError(HcpcsError):
    """The data directory cannot be read or written as needed."""


class DownloadError(HcpcsError):
    """A release could not be downloaded."""
