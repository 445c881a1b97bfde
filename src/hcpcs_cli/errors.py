"""Exit statuses and the exceptions the library raises.

The core raises these; only the CLI (``cli/app.py``) turns them into ``hcpcs: error: ...`` lines
and exit statuses. Every status the program can end with is named here and in the README.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Every exit status the CLI uses (documented in the README and ``hcpcs --help``)."""

    OK = 0
    NOT_FOUND = 1  # unknown code, no search result, a validated list with a code not valid
    USAGE = 2  # malformed input or a bad option
    DATA = 3  # a record, release file or data directory problem (damaged, invalid, missing)
    NETWORK = 4  # a download failed: no connection, a refused or malformed answer
    BUSY = 5  # another hcpcs import holds the data directory (with --no-wait)
    INTERNAL = 70  # a bug: the message asks for a report
    IO = 74  # reading or writing failed: disk full, read-only or closed output
    HANGUP = 129  # SIGHUP
    INTERRUPTED = 130  # Ctrl-C (SIGINT)
    PIPE = 141  # the reader of the output went away (``| head``): nothing more is printed
    TERMINATED = 143  # SIGTERM


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


class NoResults(HcpcsError):
    """A search or listing that found nothing (exit 1 in every output format)."""

    exit_code = ExitCode.NOT_FOUND


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
    """The data directory cannot be read or holds damaged data."""


class DataIOError(HcpcsError):
    """Reading or writing a file failed for a reason of the machine (disk full, read-only)."""

    exit_code = ExitCode.IO


class OutputClosed(HcpcsError):
    """The reader of standard output went away (a pipe closed early): end quietly."""

    exit_code = ExitCode.PIPE


class BusyError(HcpcsError):
    """Another import holds the data directory's lock."""

    exit_code = ExitCode.BUSY


class DownloadError(HcpcsError):
    """A release could not be downloaded."""

    exit_code = ExitCode.NETWORK
