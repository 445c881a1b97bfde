"""Explaining a modifier: its official meaning, how the records use it, and whether a code's
record lists it (the MCP server's explain_modifier and the HTTP API's /v1/modifiers)."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from .codes import parse_code
from .errors import UsageError
from .results import JsonObject

if TYPE_CHECKING:
    from .catalog import Catalog, Entry
    from .records import ModifierNote


class ModifierExplanation(NamedTuple):
    modifier: Entry  # the modifier's entry (official meaning, status, records that use it)
    code: Entry | None = None  # the code it would be billed with, when given
    note: ModifierNote | None = None  # that code's record's note on the modifier, if it lists it

    def to_dict(self) -> JsonObject:
        data = self.modifier.to_dict()
        if self.code is not None:
            data["with_code"] = {
                "code": self.code.code,
                "descriptor": self.code.descriptor,
                "has_record": self.code.record is not None,
                "listed_in_record": self.note is not None,
                "use": self.note.use if self.note else None,
            }
        return data

    def summary(self) -> str:
        m = self.modifier
        lines = [f"Modifier {m.code}: {m.descriptor}", f"Status: {m.status.text}"]
        lines += [f"With {u.code}: {u.use}" for u in m.used_with[:8]]
        if self.code is not None:
            if self.note is not None:
                lines.append(f"{self.code.code}'s record lists it: {self.note.use}")
            elif self.code.record is not None:
                lines.append(f"{self.code.code}'s record does not list this modifier.")
            else:
                lines.append(f"{self.code.code} has no plain-language record to check against.")
        return "\n".join(lines)


def explain(catalog: Catalog, text: str, code: str | None = None) -> ModifierExplanation:
    """``text`` must be a modifier (HF, GT); ``code`` a procedure code to check it against."""
    ref = parse_code(text)
    if not ref.is_modifier:
        raise UsageError(f"'{text}' is not a modifier", "modifiers look like HF or GT")
    modifier = catalog.get_ref(ref)
    if code is None:
        return ModifierExplanation(modifier)
    target = catalog.get(code)
    notes = target.record.billing.modifiers if target.record else ()
    note = next((n for n in notes if n.code == ref.code), None)
    return ModifierExplanation(modifier, target, note)
