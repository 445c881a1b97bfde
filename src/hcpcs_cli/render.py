"""All terminal output: rich renderables for every command, and the plain/JSON/CSV writers.

User and data text is always wrapped in ``Text`` so it is never read as rich markup.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.panel import Panel
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from . import fields as F
from .records import SECTIONS
from .theme import THEME

if TYPE_CHECKING:
    from .catalog import Entry
    from .records import Record

# Plain output (--plain, HCPCS_PLAIN): no colour, no boxes or rules, for screen readers and
# copy-paste. Set once per run by the CLI.
PLAIN = False


def set_plain(plain: bool) -> None:
    global PLAIN
    PLAIN = plain


def _box() -> Any:
    from rich import box

    return None if PLAIN else box.HEAVY_HEAD


def console(stderr: bool = False, plain: bool = False, width: int | None = None) -> Console:
    """A console that writes colour only to a terminal, and honours NO_COLOR / FORCE_COLOR."""
    env_width = os.environ.get("COLUMNS")
    if width is None and env_width and env_width.isdigit():
        width = int(env_width)
    return Console(
        theme=THEME,
        stderr=stderr,
        highlight=False,
        emoji=False,
        width=width,
        no_color=(plain or PLAIN) or None,
        color_system=None if (plain or PLAIN) else "auto",
        safe_box=True,
    )


class _Hanging:
    """Rows of (prefix, text): the text wraps at render time and its lines hang under the text,
    not the prefix. Bullets, labelled fields, modifiers and similar codes all use it: plain text
    wrapping is several times cheaper than rich tables, and every ``show`` pays for it."""

    def __init__(self, rows: Sequence[tuple[str, str]], prefix_style: str = "muted") -> None:
        self.rows = rows
        self.prefix_style = prefix_style
        self.indent = max((len(p) for p, _ in rows), default=0)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        import textwrap

        # Segments straight out: the text is wrapped here once, and rich's Text pipeline (which
        # would measure and wrap it again) is skipped.
        width = max(options.max_width - self.indent, 12)
        prefix_style = console.get_style(self.prefix_style)
        blank = " " * self.indent
        for prefix, body in self.rows:
            lines = textwrap.wrap(body, width=width, break_on_hyphens=False) or [""]
            yield Segment(prefix.ljust(self.indent), prefix_style)
            yield Segment(lines[0])
            yield Segment.line()
            for line in lines[1:]:
                yield Segment(blank)
                yield Segment(line)
                yield Segment.line()


def _bullets(items: Sequence[str]) -> _Hanging:
    return _Hanging([("- " if PLAIN else "• ", item) for item in items])


def _labelled(pairs: Iterable[tuple[str, str]]) -> _Hanging:
    rows = list(pairs)
    width = max((len(label) for label, _ in rows), default=0) + 2
    return _Hanging([(label.ljust(width), value) for label, value in rows], prefix_style="label")


class _Section:
    """A titled section: a heading rule, then the body indented by two columns.

    Lighter than a Panel (no box to measure and pad on both sides), and a record has fifteen of
    them: the difference is felt on every ``show``.
    """

    def __init__(self, title: str, body: RenderableType) -> None:
        self.title = title
        self.body = body

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        if PLAIN:
            yield Text(f"{self.title}:", no_wrap=True)
        else:
            rule = Text("── ", style="border", no_wrap=True)
            rule.append(self.title, style="heading")
            rule.append(" " + "─" * max(width - len(self.title) - 4, 0), style="border")
            yield rule
        inner = options.update(width=max(width - 2, 10))
        for line in console.render_lines(self.body, inner, pad=False):
            yield Segment("  ")
            yield from line
            yield Segment.line()


def _panel(title: str, body: RenderableType) -> _Section:
    return _Section(title, body)


def header(entry: Entry) -> RenderableType:
    title = Text()
    title.append(entry.code, style="code")
    title.append("  ")
    title.append(entry.short, style="title")
    if entry.official and not entry.active:
        title.append(f"  TERMINATED {entry.termination_date}", style="bad")
    pairs = [("Descriptor", entry.descriptor)]
    r = entry.record
    if entry.kind == "modifier":
        pairs.append(("Kind", "modifier"))
    if r:
        pairs += [("Category", r.category), ("Unit", r.unit)]
        if r.abbreviations:
            pairs.append(("Also called", ", ".join(r.abbreviations + r.common_names[:3])))
        elif r.common_names:
            pairs.append(("Also called", ", ".join(r.common_names[:3])))
    if entry.official and r and r.long_descriptor != entry.official.long_descriptor:
        pairs.append(
            (
                "Note",
                f"the record below was written for the {r.checked_against} wording: "
                f"{r.long_descriptor}",
            )
        )
    for code, meaning in entry.modifiers:
        pairs.append(("Modifier", f"{code}: {meaning or 'not in the release held'}"))
    source = (
        f"CMS release {entry.release}"
        if entry.release
        else (f"checked against CMS {r.checked_against}" if r else "")
    )
    if source:
        pairs.append(("Source", source))
    if PLAIN:
        return Group(title, _labelled(pairs), Text(""))
    return Panel(Group(title, _labelled(pairs)), border_style="border", padding=(0, 1))


def official_panel(entry: Entry) -> RenderableType:
    o = entry.official
    assert o is not None
    if entry.active:
        status = "active" + (f" (terminates {o.termination_date})" if o.termination_date else "")
    else:
        status = f"terminated: last day of use {o.termination_date}"
    pairs = [
        ("Status", status),
        ("Added", o.add_date or "—"),
        (
            "Action",
            f"{F.describe(F.ACTION, o.action_code)} (effective {o.action_effective_date or '—'})",
        ),
    ]
    if o.kind == "procedure":
        pairs += [
            ("Coverage", F.describe(F.COVERAGE, o.coverage)),
            ("Pricing", "; ".join(F.describe(F.PRICING, p) for p in o.pricing) or "—"),
            ("Multiple pricing", F.describe(F.MULTIPLE_PRICING, o.multiple_pricing)),
            ("BETOS", F.betos(o.betos)),
            (
                "Type of service",
                "; ".join(F.describe(F.TYPE_OF_SERVICE, t) for t in o.type_of_service) or "—",
            ),
        ]
        if o.cross_references:
            pairs.append(("Cross-references", ", ".join(o.cross_references)))
        if o.statute:
            pairs.append(("Statute", o.statute))
        if o.coverage_manual or o.medicare_manual:
            pairs.append(("Manual references", ", ".join(o.coverage_manual + o.medicare_manual)))
        if o.processing_note:
            pairs.append(("Processing note", o.processing_note))
    elif o.coverage:
        pairs.append(("Coverage", F.describe(F.COVERAGE, o.coverage)))
    return _panel(f"Medicare fields (CMS release {entry.release})", _labelled(pairs))


def _groups(*groups: tuple[str, Sequence[str]]) -> RenderableType:
    """Labelled bullet lists, one after another."""
    parts: list[RenderableType] = []
    for label, items in groups:
        parts += [Text(label, style="label"), _bullets(items)]
    return Group(*parts)


def section(record: Record, key: str) -> RenderableType:
    title = SECTIONS[key]
    r = record
    body: RenderableType
    if key == "summary":
        body = _Hanging([("", r.summary)])
    elif key == "purpose":
        body = _groups(("Conditions", r.purpose.conditions), ("Goals", r.purpose.goals))
    elif key == "indications":
        body = _groups(
            ("Symptoms or conditions", r.indications.conditions),
            ("Patient criteria", r.indications.criteria),
        )
    elif key == "risks":
        body = _groups(
            ("Common", r.risks.common),
            ("Rare", r.risks.rare),
            ("How they are managed", r.risks.management),
        )
    elif key == "alternatives":
        parts: list[RenderableType] = []
        for alt in r.alternatives:
            parts.append(Text(alt.name, style="label"))
            parts.append(
                _Hanging([("  + ", p) for p in alt.pros] + [("  − ", c) for c in alt.cons])
            )
        body = Group(*parts)
    elif key == "billing":
        parts = []
        if r.billing.modifiers:
            parts.append(Text("Modifiers commonly reported", style="label"))
            parts.append(
                _Hanging(
                    [(f"{m.code}  ", f"{m.meaning}: {m.use}") for m in r.billing.modifiers],
                    prefix_style="code",
                )
            )
        if r.local_notes:
            parts += [Text("Local notes (your records)", style="warn"), _bullets(r.local_notes)]
        parts.append(
            _groups(
                ("Documentation", r.billing.documentation),
                ("Common denial reasons", r.billing.denials),
                ("Payer notes", r.billing.payer_notes),
            )
        )
        body = Group(*parts)
    elif key == "similar":
        body = _Hanging([(f"{s.code}  ", s.difference) for s in r.similar], prefix_style="code")
    else:
        value = getattr(r, key)
        body = _Hanging([("", value)]) if isinstance(value, str) else _bullets(value)
    return _panel(title, body)


def entry_view(entry: Entry, section_key: str | None = None) -> RenderableType:
    if section_key:
        if entry.record is None:
            return Text(
                f"{entry.code}: no plain-language record is bundled for this code", style="muted"
            )
        return section(entry.record, section_key)
    parts: list[RenderableType] = [header(entry)]
    if entry.record:
        parts += [section(entry.record, key) for key in SECTIONS]
    if entry.used_with:
        rows = [(f"{code}  ", use) for code, use in entry.used_with]
        parts.append(_panel("Reported with (bundled records)", _Hanging(rows, prefix_style="code")))
    if entry.official:
        parts.append(official_panel(entry))
    if not entry.record and not entry.official:
        parts.append(Text("No details are held for this code.", style="muted"))
    elif not entry.record and entry.kind == "procedure":
        parts.append(
            Text(
                "No plain-language record is bundled for this code; official fields only.",
                style="muted",
            )
        )
    return Group(*parts)


def entries_view(entries: Sequence[Entry], section_key: str | None = None) -> RenderableType:
    return Group(*(entry_view(e, section_key) for e in entries))


def search_table(hits: Sequence[Any], explain: bool = False) -> RenderableType:
    table = Table(expand=False, border_style="muted", show_edge=False, pad_edge=False, box=_box())
    table.add_column("#", justify="right", style="muted", no_wrap=True)
    table.add_column("Code", style="code", no_wrap=True)
    table.add_column("Descriptor", overflow="fold")
    table.add_column("Score", justify="right", style="score", no_wrap=True)
    for rank, hit in enumerate(hits, 1):
        desc = Text(hit.descriptor)
        if not hit.active:
            desc.append(f"  [terminated {hit.termination}]", style="bad")
        if hit.kind == "modifier":
            desc.append("  (modifier)", style="muted")
        if explain and hit.why:
            desc.append("\n" + "\n".join(f"  ↳ {w}" for w in hit.why), style="muted")
        table.add_row(str(rank), hit.code, desc, f"{hit.score:.2f}")
    return table


def _cell(value: str, style: str = "") -> RenderableType:
    """A compare cell: several items become a bullet list, one stays plain text."""
    items = value.split("\n")
    if len(items) > 1:
        return _bullets(items)
    return Text(value, style=style)


def compare_view(comparison: Any) -> RenderableType:
    table = Table(expand=True, show_lines=not PLAIN, border_style="muted", box=_box())
    table.add_column("", style="label", no_wrap=True)
    for code in comparison.codes:
        table.add_column(Text(code, style="code"), ratio=1)
    for row in comparison.rows:
        if row.shared:
            label = Text(row.name + "\n(shared)", style="shared")
            same = [Text("same", style="shared")] * (len(row.values) - 1)
            table.add_row(label, _cell(row.values[0], "shared"), *same)
        else:
            strong = "differs" if row.name in ("Descriptor", "Unit") else ""
            table.add_row(
                Text(row.name + "\n(differs)", style="differs"),
                *[_cell(v, strong) for v in row.values],
            )
    parts: list[RenderableType] = [
        Text.assemble(("Key difference: ", "label"), (comparison.key_difference, "differs")),
        table,
    ]
    if comparison.distinctions:
        notes = _Hanging(
            [
                (f"{code} vs {other}  ", difference)
                for code, other, difference in comparison.distinctions
            ],
            prefix_style="code",
        )
        parts.append(_panel("How the records say they differ", notes))
    return Group(*parts)


def validation_table(results: Sequence[Any], width: int) -> Text:
    """Aligned columns as one Text: a 10,000-code batch renders in a blink, unlike a rich Table."""
    styles = {"active": "ok", "terminated": "warn", "unknown": "bad", "invalid": "bad"}
    statuses = [
        r.status
        + (f" {r.termination_date}" if r.status == "terminated" and r.termination_date else "")
        for r in results
    ]
    w_input = min(max([5, *(len(r.input) for r in results)]), 24)
    w_status = max([6, *(len(s) for s in statuses)])
    room = max(width - w_input - w_status - 11, 20)
    text = Text(no_wrap=True)
    text.append(
        f"{'Input':<{w_input}}  {'Code':<5}  {'Status':<{w_status}}  Descriptor / note\n",
        style="label",
    )
    for r, status in zip(results, statuses, strict=True):
        shown = r.input if len(r.input) <= w_input else r.input[: w_input - 1] + "…"
        shown = "".join(ch if ch.isprintable() else "?" for ch in shown)
        note = r.descriptor or r.message
        if r.message and r.descriptor:
            note = f"{r.descriptor} ({r.message})"
        if len(note) > room:
            note = note[: room - 1] + "…"
        text.append(f"{shown:<{w_input}}  ")
        text.append(f"{r.code:<5}", style="code")
        text.append("  ")
        text.append(f"{status:<{w_status}}", style=styles[r.status])
        text.append(f"  {note}\n")
    text.rstrip()
    return text


def status_table(infos: Sequence[Any], default: str | None) -> RenderableType:
    """One section per held release: readable at any width, the checksum in full."""
    parts = []
    for i in infos:
        title = f"Release {i.label}" + (" (default)" if i.label == default else "")
        pairs = [
            ("Source file", i.source),
            ("Codes", f"{i.procedures} procedure codes, {i.modifiers} modifiers"),
            ("Effective", i.effective),
            ("Imported", i.imported_at),
            ("SHA-256", i.sha256),
        ]
        parts.append(_panel(title, _labelled(pairs)))
    return Group(*parts)


def diff_view(diff: Any) -> RenderableType:
    parts: list[RenderableType] = [
        Text(
            f"{diff.old} → {diff.new}: {len(diff.added)} added, "
            f"{len(diff.terminated)} terminated, {len(diff.changed)} changed, "
            f"{len(diff.removed)} removed",
            style="title",
        )
    ]
    for name, items in (
        ("Added", diff.added),
        ("Terminated", diff.terminated),
        ("Changed", diff.changed),
        ("Removed", diff.removed),
    ):
        if not items:
            continue
        table = Table(
            border_style="muted",
            title=Text(name, style="heading"),
            title_justify="left",
            box=_box(),
        )
        table.add_column("Code", style="code", no_wrap=True)
        table.add_column("Details", overflow="fold")
        for c in items:
            if name == "Changed":
                detail = Text(", ".join(c.fields))
                if c.old != c.new:
                    detail.append(f"\n- {c.old}", style="bad")
                    detail.append(f"\n+ {c.new}", style="ok")
            elif name == "Terminated":
                detail = Text(f"{c.new} (last day {c.termination_date})")
            else:
                detail = Text(c.new or c.old or "")
            table.add_row(c.code, detail)
        parts.append(table)
    return Group(*parts)


def history_table(code: str, entries: Sequence[Any]) -> RenderableType:
    table = Table(
        title=Text(f"{code} across held releases", style="title"), border_style="muted", box=_box()
    )
    for col in ("Release", "Status", "Added", "Action", "Terminated", "Descriptor"):
        table.add_column(col, overflow="fold", no_wrap=col not in ("Descriptor",))
    for h in entries:
        o = h.official
        if o is None:
            table.add_row(h.release, Text("absent", style="muted"), "", "", "", "")
            continue
        status = Text("active", style="ok") if o.is_active() else Text("terminated", style="warn")
        table.add_row(
            h.release,
            status,
            o.add_date or "",
            F.describe(F.ACTION, o.action_code),
            o.termination_date or "",
            o.long_descriptor,
        )
    return table


# -- machine formats --------------------------------------------------------------------------
def write_json(data: Any, stream: Any = None) -> None:
    stream = stream or sys.stdout
    import json

    stream.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def write_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str], stream: Any = None) -> None:
    import csv
    import io

    stream = stream or sys.stdout
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n"
    )
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _flat(v) for k, v in row.items()})
    stream.write(buffer.getvalue())


def write_markdown(
    rows: Sequence[dict[str, Any]], columns: Sequence[str], stream: Any = None
) -> None:
    """A GitHub-flavoured markdown table, to paste into tickets and wikis."""
    stream = stream or sys.stdout

    def cell(value: Any) -> str:
        text = str(_flat(value)).replace("\\", "\\\\").replace("|", "\\|")
        return " ".join(text.split())

    lines = ["| " + " | ".join(columns) + " |", "| " + " | ".join("---" for _ in columns) + " |"]
    lines += ["| " + " | ".join(cell(row.get(c)) for c in columns) + " |" for row in rows]
    stream.write("\n".join(lines) + "\n")


def browse_sections(counts: Sequence[Any]) -> RenderableType:
    table = Table(border_style="muted", show_edge=False, box=_box())
    table.add_column("Section", style="code", no_wrap=True)
    table.add_column("Codes", justify="right", no_wrap=True)
    table.add_column("Active", justify="right", no_wrap=True)
    table.add_column("What it covers", overflow="fold")
    for c in counts:
        table.add_row(c.letter, str(c.codes), str(c.active), Text(c.name))
    return table


def browse_codes(title: str, rows: Sequence[dict[str, Any]]) -> RenderableType:
    lines = Text(no_wrap=True)
    lines.append(title + "\n", style="heading")
    for row in rows:
        lines.append(f"{row['code']}  ", style="code")
        lines.append(row["short_descriptor"])
        if row["status"] != "active":
            lines.append(f"  [{row['status']} {row['termination_date']}]", style="bad")
        lines.append("\n")
    lines.rstrip()
    return lines


def _flat(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return " ".join(str(v) for v in value)
    return "" if value is None else value
