"""The user's own records: ``$HCPCS_HOME/records/CODE.toml`` files that add local notes or replace
sections of a bundled record (a payer's rules, a state's unit of service).

A user file holds ``code`` and any keys of the record schema, each validated like a bundled record;
``local_notes`` adds notes of the user's own. A user file for a code without a bundled record must
be a complete record. A broken user file never breaks the bundled record: the error (file and
line) is returned as a warning and the bundled record is used unchanged.
"""

from __future__ import annotations

from pathlib import Path

from . import bundle
from .errors import RecordError
from .records import Record, parse_partial, parse_record


def user_dir(root: Path) -> Path:
    return root / "records"


def apply(code: str, record: Record | None, root: Path) -> tuple[Record | None, RecordError | None]:
    """``record`` with the user's file for ``code`` applied, and the problem if the file is bad."""
    path = user_dir(root) / f"{code}.toml"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return record, None
    except UnicodeDecodeError:
        return record, RecordError(str(path), "not valid UTF-8 text")
    except OSError as exc:
        return record, RecordError(str(path), f"cannot read: {exc.strerror or exc}")
    try:
        values = parse_partial(text, str(path))
        if record is None:
            return parse_record(text, str(path)), None
        values.pop("code", None)
        return record._replace(**values), None
    except RecordError as exc:
        if record is None and "missing required key" in exc.problem:
            exc = RecordError(
                exc.path,
                f"{exc.problem}: a record for a code with no bundled record must be complete",
                exc.line,
            )
        return record, exc


def user_codes(root: Path) -> tuple[str, ...]:
    return bundle.codes_in(user_dir(root))


def fingerprint(root: Path) -> str:
    """Changes whenever a user record changes, so the search index follows it."""
    return bundle.fingerprint_of(user_dir(root))
