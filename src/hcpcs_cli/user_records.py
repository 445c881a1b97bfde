"""The user's own records: ``$HCPCS_HOME/records/CODE.toml`` files that add local notes or replace
the written sections of a bundled record (a payer's rules, a state's unit of service).

A user file holds ``code`` and any written keys of the record schema, each validated like a bundled
record; ``local_notes`` adds notes of the user's own. Official fields (descriptors, dates, coverage)
come only from a release or the bundled records' checked copy: a user file that sets one is
refused, and a modifier note must carry the modifier's official meaning. A file for a code without
a bundled record must give every written section, and the code must be in the release in use.

A broken user file never breaks the bundled record: the problem (file and line) is returned as a
warning and the bundled record is used unchanged. Files are read with limits: regular files inside
the records folder only (a link pointing elsewhere is refused), at most ``MAX_BYTES`` each.
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import bundle
from .errors import RecordError
from .records import OFFICIAL_KEYS, Record, build_record, parse_partial

if TYPE_CHECKING:
    from .release import Official

MAX_BYTES = 256 * 1024


def user_dir(root: Path) -> Path:
    return root / "records"


def read_user_file(path: Path, folder: Path) -> str | None:
    """The text of a user record file, or None when there is none; RecordError when it breaks a
    limit (not a regular file, a link out of the folder, too large, not UTF-8)."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise RecordError(str(path), f"cannot read: {exc.strerror or exc}") from None
    if stat.S_ISLNK(info.st_mode):
        try:
            target = path.resolve(strict=True)
            inside = target.parent == folder.resolve(strict=True)
        except OSError:
            inside = False
        if not inside:
            raise RecordError(str(path), "a link to a file outside the records folder is refused")
        info = target.stat()
    if not stat.S_ISREG(info.st_mode):
        raise RecordError(str(path), "not a regular file")
    if info.st_size > MAX_BYTES:
        raise RecordError(str(path), f"larger than {MAX_BYTES // 1024} KiB; a record is smaller")
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise RecordError(str(path), f"cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise RecordError(str(path), f"larger than {MAX_BYTES // 1024} KiB; a record is smaller")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise RecordError(str(path), "not valid UTF-8 text") from None


def apply(
    code: str, record: Record | None, root: Path, official: Official | None = None
) -> tuple[Record | None, RecordError | None]:
    """``record`` with the user's file for ``code`` applied, and the problem if the file is bad.

    ``official`` (the code in the release in use) supplies the descriptors of a code that has no
    bundled record.
    """
    folder = user_dir(root)
    path = folder / f"{code}.toml"
    try:
        text = read_user_file(path, folder)
        if text is None:
            return record, None
        values = parse_partial(text, str(path))
        values.pop("code", None)
        _check_modifiers(values, record, path)
        if record is not None:
            return record._replace(**values), None
        if official is None:
            raise RecordError(
                str(path),
                f"{code} has no bundled record and is not in the release in use; its descriptors"
                " can come only from a CMS release (import one: hcpcs data update)",
            )
        data: dict[str, Any] = {
            "code": code,
            "descriptor": official.descriptor,
            "short_descriptor": official.short_descriptor,
            "checked_against": "the release in use",
            **_as_toml(values),
        }
        try:
            return build_record(data, str(path), text), None
        except RecordError as exc:
            raise RecordError(
                exc.path,
                f"{exc.problem}: a record for a code with no bundled record must be complete",
                exc.line,
            ) from None
    except RecordError as exc:
        return record, exc


def _check_modifiers(values: dict[str, Any], record: Record | None, path: Path) -> None:
    """A user's modifier note must give the modifier's official meaning, as known here."""
    billing = values.get("billing")
    if billing is None:
        return
    known = {m.code: m.meaning for m in record.billing.modifiers} if record else {}
    for note in billing.modifiers:
        meaning = known.get(note.code)
        if meaning is not None and note.meaning != meaning:
            raise RecordError(
                str(path),
                f"modifier {note.code} means {meaning!r} (official); the meaning cannot be changed",
            )


def _as_toml(values: dict[str, Any]) -> dict[str, Any]:
    """Parsed values back as TOML-shaped data, for building a whole record."""
    from .records import as_dict

    return {k: as_dict(v) for k, v in values.items() if k not in OFFICIAL_KEYS}


def user_codes(root: Path) -> tuple[str, ...]:
    return bundle.codes_in(user_dir(root))


def fingerprint(root: Path) -> str:
    """Changes whenever a user record changes, so the search index follows it."""
    return bundle.fingerprint_of(user_dir(root))
