"""The rich views of every command's result. Nothing here writes: ``output.py`` prints the views.

User and data text is always wrapped in ``Text`` (never read as markup), and every view either wraps
its text or, when the terminal is too narrow for a table's columns to hold their longest words,
switches to a stacked layout (one block per row), so no word is ever cut.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from rich.box import Box
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.panel import Panel
from rich.segment import Segment
from rich.text import Text

from hcpcs_cli import fields as F
from hcpcs_cli.records import RECORD_SECTIONS

# rich.table (3 ms with the fractions and decimal modules it pulls in) is imported by the views
# that draw a table: `show` draws none.
if TYPE_CHECKING:
    from rich.table import Table

    from hcpcs_cli.browse import Codes, Sections
    from hcpcs_cli.catalog import Entry, Lookup
    from hcpcs_cli.changes import Changes
    from hcpcs_cli.check import CheckReport
    from hcpcs_cli.compare import Comparison
    from hcpcs_cli.history import History, ReleaseDiff
    from hcpcs_cli.links import Links
    from hcpcs_cli.records import Record
    from hcpcs_cli.search import SearchResult
    from hcpcs_cli.store import DataStatus
    from hcpcs_cli.validate import Validation


class Look(NamedTuple):
    """How views draw: ``plain`` drops colour, boxes and rules; ``ascii`` keeps to ASCII glyphs."""

    plain: bool = False
    ascii: bool = False

    @property
    def bullet(self) -> str:
        return "- " if self.plain or self.ascii else "• "

    @property
    def rule(self) -> str:
        return "-" if self.ascii else "─"

    @property
    def pro(self) -> str:
        return "  + "

    @property
    def con(self) -> str:
        return "  - " if self.ascii else "  − "

    @property
    def arrow(self) -> str:
        return "->" if self.ascii else "→"

    def box(self) -> Box | None:
        from rich import box

        if self.plain:
            return None
        return box.ASCII2 if self.ascii else box.HEAVY_HEAD


View = Callable[[Console], RenderableType]  # a view built for the console it prints on


class Hanging:
    """Rows of (prefix, text): the text wraps at render time and its lines hang under the text,
    not the prefix. Plain text wrapping is several times cheaper than rich tables, and every
    ``show`` pays for it."""

    def __init__(self, rows: Sequence[tuple[str, str]], prefix_style: str = "muted") -> None:
        self.rows = rows
        self.prefix_style = prefix_style
        self.indent = max((len(p) for p, _ in rows), default=0)

    def lines(self, console: Console, max_width: int) -> Iterable[list[Segment]]:
        """The rows wrapped to ``max_width``, line by line (no line-end segments)."""
        width = max(max_width - self.indent, 12)
        prefix_style = console.get_style(self.prefix_style)
        blank = Segment(" " * self.indent)
        for prefix, body in self.rows:
            lines = []
            for paragraph in body.split("\n"):
                lines += textwrap.wrap(
                    paragraph, width=width, break_on_hyphens=False, break_long_words=False
                ) or [""]
            yield [Segment(prefix.ljust(self.indent), prefix_style), Segment(lines[0])]
            for line in lines[1:]:
                yield [blank, Segment(line)]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in self.lines(console, options.max_width):
            yield from line
            yield Segment.line()

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        longest = max((len(w) for _, b in self.rows for w in b.split()), default=1)
        return Measurement(self.indent + longest, options.max_width)


def bullets(items: Sequence[str], look: Look) -> Hanging:
    return Hanging([(look.bullet, item) for item in items])


def labelled(pairs: Iterable[tuple[str, str]]) -> Hanging:
    rows = list(pairs)
    width = max((len(label) for label, _ in rows), default=0) + 2
    return Hanging([(label.ljust(width), value) for label, value in rows], prefix_style="label")


class Section:
    """A titled section: a heading rule, then the body indented by two columns. Lighter than a
    Panel, and a record has fifteen of them."""

    def __init__(self, title: str, body: RenderableType, look: Look) -> None:
        self.title = title
        self.body = body
        self.look = look

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        if self.look.plain:
            yield Text(f"{self.title}:")
        else:
            rule = Text(self.look.rule * 2 + " ", style="border")
            rule.append(self.title, style="heading")
            rule.append(" " + self.look.rule * max(width - len(self.title) - 4, 0), style="border")
            yield rule
        inner = max(width - 2, 10)
        indent = Segment("  ")
        for line in _body_lines(console, self.body, options.update(width=inner)):
            yield indent
            yield from line
            yield Segment.line()


def _body_lines(
    console: Console, body: RenderableType, options: ConsoleOptions
) -> Iterable[list[Segment]]:
    """A section body's lines. Its usual parts (wrapped rows, one-line labels, groups of them) are
    laid out here directly: rich's general line splitting costs every ``show`` milliseconds."""
    if isinstance(body, Hanging):
        width = options.max_width
        for line in body.lines(console, width):
            # A word longer than the room (a checksum) is cut at the edge, as rich would.
            long = Segment.get_line_length(line) > width
            yield Segment.adjust_line_length(line, width, pad=False) if long else line
    elif isinstance(body, Group):
        for part in body.renderables:
            yield from _body_lines(console, part, options)
    elif (
        isinstance(body, Text)
        and "\n" not in body.plain
        and not body.spans
        and body.cell_len <= options.max_width
    ):
        yield [Segment(body.plain, console.get_style(body.style) if body.style else None)]
    else:
        yield from console.render_lines(body, options, pad=False)


def fits(console: Console, table: Table, width: int) -> bool:
    """Lay ``table``'s columns out for ``width`` so that every word of every cell shows whole:
    each column gets at least its longest word (its whole text when it does not wrap), and the
    room left is shared out up to what each column can use. False (and nothing set) when even
    the minimums do not fit: the caller then switches to a stacked layout.

    The widths are set here rather than left to rich, whose own measurement clamps each column to
    the room it is given, and whose shared widths can squeeze a column below its longest word.
    """
    unbounded = console.options.update_width(100_000)
    _, right, _, left = table.padding
    lows: list[int] = []
    highs: list[int] = []
    for column in table.columns:
        sizes = [Measurement.get(console, unbounded, c) for c in [column.header, *column.cells]]
        high = max(m.maximum for m in sizes)
        lows.append(high if column.no_wrap else max(m.minimum for m in sizes))
        highs.append(high)
    borders = 0
    if table.box is not None:
        borders = len(table.columns) + 1 if table.show_edge else len(table.columns) - 1
    room = width - borders - (left + right) * len(table.columns)
    if sum(lows) > room:
        return False
    widths = list(lows)
    spare = room - sum(widths)
    growing = [i for i, high in enumerate(highs) if high > widths[i]]
    while spare > 0 and growing:
        share = max(1, spare // len(growing))
        for i in list(growing):
            step = min(share, highs[i] - widths[i], spare)
            widths[i] += step
            spare -= step
            if widths[i] >= highs[i]:
                growing.remove(i)
            if spare <= 0:
                break
    for column, size in zip(table.columns, widths, strict=True):
        column.width = size
        column.ratio = None
    table.expand = False
    return True


# -- show --------------------------------------------------------------------------------------
def header(entry: Entry, look: Look) -> RenderableType:
    title = Text()
    title.append(entry.code, style="code")
    title.append("  ")
    title.append(entry.short_descriptor, style="title")
    if entry.status.state in ("terminated", "not-yet-valid", "not-in-release", "unknown"):
        title.append(f"  {entry.status.text.upper()}", style="bad")
    pairs = [("Descriptor", entry.descriptor), ("Status", _status_line(entry))]
    r = entry.record
    if entry.kind == "modifier":
        pairs.append(("Kind", "modifier"))
    if r:
        pairs += [("Category", r.category), ("Unit", r.unit)]
        # A name may hold a comma ("SBIRT, 15 to 30 minutes"): names are parted by semicolons.
        names = list(dict.fromkeys([*r.abbreviations, *r.common_names[:3]]))
        if names:
            pairs.append(("Also called", "; ".join(names)))
    if entry.coverage:
        pairs.append(("Medicare coverage", F.describe(F.COVERAGE, entry.coverage)))
    for note in entry.notes:
        pairs.append(("Note", note))
    for m in entry.modifiers:
        meaning = m.descriptor or "not in the release in use or the bundled records"
        pairs.append(("Modifier", f"{m.code}: {meaning}"))
    pairs.append(("Source", _source(entry)))
    if look.plain:
        return Group(title, labelled(pairs), Text(""))
    from rich import box

    frame = box.ASCII if look.ascii else box.ROUNDED
    return Panel(Group(title, labelled(pairs)), border_style="border", padding=(0, 1), box=frame)


def _status_line(entry: Entry) -> str:
    status = entry.status
    if status.state == "no-release" or not status.source or status.source in status.text:
        return status.text
    return f"{status.text} ({status.source})"


def _source(entry: Entry) -> str:
    if entry.official:
        return f"CMS release {entry.release}"
    if entry.record:
        return f"bundled record, descriptors checked against CMS {entry.record.checked_against}"
    return "bundled records"


def official_section(entry: Entry, look: Look) -> RenderableType:
    o = entry.official
    assert o is not None
    pairs = [
        ("Added", o.add_date or "—"),
        (
            "Action",
            f"{F.describe(F.ACTION, o.action_code)} (effective {o.action_effective_date or '—'})",
        ),
        ("Termination", o.termination_date or "none"),
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
    return Section(f"Medicare fields (CMS release {entry.release})", labelled(pairs), look)


def _groups(look: Look, *groups: tuple[str, Sequence[str]]) -> RenderableType:
    parts: list[RenderableType] = []
    for label, items in groups:
        parts += [Text(label, style="label"), bullets(items, look)]
    return Group(*parts)


def record_section(record: Record, key: str, look: Look) -> RenderableType:
    title = RECORD_SECTIONS[key]
    r = record
    body: RenderableType
    if key == "summary":
        body = Hanging([("", r.summary)])
    elif key == "purpose":
        body = _groups(look, ("Conditions", r.purpose.conditions), ("Goals", r.purpose.goals))
    elif key == "indications":
        body = _groups(
            look,
            ("Symptoms or conditions", r.indications.conditions),
            ("Patient criteria", r.indications.criteria),
        )
    elif key == "risks":
        body = _groups(
            look,
            ("Common", r.risks.common),
            ("Rare", r.risks.rare),
            ("How they are managed", r.risks.management),
        )
    elif key == "alternatives":
        parts: list[RenderableType] = []
        for alt in r.alternatives:
            parts.append(Text(alt.name, style="label"))
            parts.append(
                Hanging([(look.pro, p) for p in alt.pros] + [(look.con, c) for c in alt.cons])
            )
        body = Group(*parts)
    elif key == "billing":
        parts = []
        if r.billing.modifiers:
            parts.append(Text("Modifiers commonly reported", style="label"))
            parts.append(
                Hanging(
                    [(f"{m.code}  ", f"{m.meaning}: {m.use}") for m in r.billing.modifiers],
                    prefix_style="code",
                )
            )
        if r.local_notes:
            parts += [
                Text("Local notes (your records)", style="warn"),
                bullets(r.local_notes, look),
            ]
        parts.append(
            _groups(
                look,
                ("Documentation", r.billing.documentation),
                ("Common denial reasons", r.billing.denials),
                ("Payer notes", r.billing.payer_notes),
            )
        )
        if r.sources:
            parts.append(Text("Sources", style="label"))
            parts.append(bullets([f"{s.title} ({s.publisher}): {s.url}" for s in r.sources], look))
        body = Group(*parts)
    elif key == "similar":
        body = Hanging([(f"{s.code}  ", s.difference) for s in r.similar], prefix_style="code")
    else:
        value = getattr(r, key)
        body = Hanging([("", value)]) if isinstance(value, str) else bullets(value, look)
    return Section(title, body, look)


def entry_view(entry: Entry, section: str | None, look: Look) -> RenderableType:
    if section:
        if entry.record is None:
            return Text(
                f"{entry.code}: no plain-language record is bundled for this code", style="muted"
            )
        return record_section(entry.record, section, look)
    parts: list[RenderableType] = [header(entry, look)]
    if entry.record:
        parts += [record_section(entry.record, key, look) for key in RECORD_SECTIONS]
    if entry.used_with:
        rows = [(f"{u.code}  ", u.use) for u in entry.used_with]
        parts.append(
            Section("Reported with (bundled records)", Hanging(rows, prefix_style="code"), look)
        )
    if entry.official:
        parts.append(official_section(entry, look))
    if not entry.record and entry.kind == "procedure":
        parts.append(
            Text(
                "No plain-language record is bundled for this code; official fields only.",
                style="muted",
            )
        )
    return Group(*parts)


def lookup_view(lookup: Lookup, look: Look) -> View:
    return lambda console: Group(*(entry_view(e, lookup.section, look) for e in lookup.entries))


# -- search ------------------------------------------------------------------------------------
def _hit_text(hit: object, explain: bool, look: Look) -> Text:
    from hcpcs_cli.search import Hit

    assert isinstance(hit, Hit)
    desc = Text(hit.descriptor)
    if not hit.status.active and hit.status.state != "no-release":
        desc.append(
            f"  [{hit.status.text}]", style="bad" if hit.status.state == "terminated" else "warn"
        )
    if hit.kind == "modifier":
        desc.append("  (modifier)", style="muted")
    if explain and hit.why:
        desc.append("\n" + "\n".join(f"  {look.arrow} {w}" for w in hit.why), style="muted")
    return desc


def search_view(result: SearchResult, look: Look) -> View:
    from rich.table import Table

    def build(console: Console) -> RenderableType:
        width = console.width
        table = Table(
            expand=False, border_style="muted", show_edge=False, pad_edge=False, box=look.box()
        )
        table.add_column("#", justify="right", style="muted", no_wrap=True)
        table.add_column("Code", style="code", no_wrap=True)
        table.add_column("Descriptor", overflow="fold")
        table.add_column("Score", justify="right", style="score", no_wrap=True)
        for hit in result.hits:
            table.add_row(
                str(hit.rank), hit.code, _hit_text(hit, result.explain, look), f"{hit.score:.2f}"
            )
        if fits(console, table, width):
            return table
        blocks: list[RenderableType] = []
        for hit in result.hits:
            head = Text(f"{hit.rank}. ", style="muted")
            head.append(hit.code, style="code")
            head.append(f"  {hit.score:.2f}", style="score")
            blocks += [head, Hanging([("   ", _hit_text(hit, result.explain, look).plain)])]
        return Group(*blocks)

    return build


# -- compare -----------------------------------------------------------------------------------
def _cell(value: str, style: str, look: Look) -> RenderableType:
    items = value.split("\n")
    if len(items) > 1:
        return bullets(items, look)
    return Text(value, style=style)


def compare_view(comparison: Comparison, look: Look) -> View:
    from rich.table import Table

    def build(console: Console) -> RenderableType:
        width = console.width
        table = Table(expand=True, show_lines=not look.plain, border_style="muted", box=look.box())
        table.add_column("", style="label", no_wrap=True)
        for code in comparison.codes:
            table.add_column(Text(code, style="code"), ratio=1)
        for row in comparison.rows:
            if row.shared:
                label = Text(row.name + "\n(shared)", style="shared")
                same = [Text("same", style="shared")] * (len(row.values) - 1)
                table.add_row(label, _cell(row.values[0], "shared", look), *same)
            else:
                strong = "differs" if row.name in ("Descriptor", "Unit") else ""
                table.add_row(
                    Text(row.name + "\n(differs)", style="differs"),
                    *[_cell(v, strong, look) for v in row.values],
                )
        body: RenderableType = table
        if not fits(console, table, width):
            body = _stacked_comparison(comparison, look)
        parts: list[RenderableType] = [
            Text.assemble(("Key difference: ", "label"), (comparison.key_difference, "differs")),
            body,
        ]
        if comparison.distinctions:
            notes = Hanging(
                [(f"{d.code} vs {d.similar}  ", d.difference) for d in comparison.distinctions],
                prefix_style="code",
            )
            parts.append(Section("How the records say they differ", notes, look))
        return Group(*parts)

    return build


def _stacked_comparison(comparison: Comparison, look: Look) -> RenderableType:
    """One block per row: its name, then each code's value (a narrow terminal's layout)."""
    parts: list[RenderableType] = []
    for row in comparison.rows:
        mark = "shared" if row.shared else "differs"
        parts.append(Text(f"{row.name} ({mark})", style="shared" if row.shared else "differs"))
        values = (
            [(comparison.codes[0], row.values[0])]
            if row.shared
            else list(zip(comparison.codes, row.values, strict=True))
        )
        for code, value in values:
            label = "all" if row.shared else code
            lines = value.split("\n")
            text = lines[0] if len(lines) == 1 else "; ".join(lines)
            parts.append(Hanging([(f"  {label}  ", text)], prefix_style="code"))
    return Group(*parts)


# -- browse ------------------------------------------------------------------------------------
def sections_view(listing: Sections, look: Look) -> View:
    from rich.table import Table

    def build(console: Console) -> RenderableType:
        table = Table(border_style="muted", show_edge=False, box=look.box())
        table.add_column("Section", style="code", no_wrap=True)
        table.add_column("Codes", justify="right", no_wrap=True)
        table.add_column("Active", justify="right", no_wrap=True)
        table.add_column("What it covers", overflow="fold")
        for c in listing.sections:
            table.add_row(c.letter, str(c.codes), str(c.active), Text(c.name))
        return table

    return build


def codes_view(listing: Codes, look: Look) -> View:
    def build(console: Console) -> RenderableType:
        rows = [(f"{c.code}  ", _listed(c.short_descriptor, c.status)) for c in listing.codes]
        return Group(Text(listing.title, style="heading"), Hanging(rows, prefix_style="code"))

    return build


def _listed(short: str, status: object) -> str:
    from hcpcs_cli.status import CodeStatus

    assert isinstance(status, CodeStatus)
    return short if status.active or status.state == "no-release" else f"{short}  [{status.text}]"


# -- validate (streamed) ---------------------------------------------------------------------
class ValidationLayout(NamedTuple):
    width: int
    input_width: int
    status_width: int

    @property
    def room(self) -> int:
        """Columns left for the descriptor once input, code and status are laid out."""
        return self.width - self.input_width - self.status_width - 11

    @property
    def stacked(self) -> bool:
        return self.room < 24

    def header(self) -> str:
        if self.stacked:
            return ""
        return (
            f"{'Input':<{self.input_width}}  {'Code':<5}  {'Status':<{self.status_width}}  "
            "Descriptor / note"
        )

    def lines(self, r: Validation) -> list[tuple[str, str]]:
        """(text, style) pieces of one result, wrapped to the width: nothing is cut."""
        note = r.descriptor or r.message
        if r.descriptor and r.message:
            note = f"{r.descriptor} ({r.message})"
        if r.release and r.status != "invalid":
            note = f"{note} [{r.release}]" if note else f"[{r.release}]"
        status = r.status_text or r.status
        if self.stacked:
            name = r.code if r.input == r.code else f"{r.input} ({r.code or 'not a code'})"
            out = [(line, "code") for line in textwrap.wrap(name, self.width)]
            room = max(self.width - 4, 20)
            out += [
                (f"    {line}", _STYLE.get(r.status, "")) for line in textwrap.wrap(status, room)
            ]
            out += [(f"    {line}", "") for line in textwrap.wrap(note, room)]
            return out
        inputs = textwrap.wrap(r.input, self.input_width, break_long_words=True) or [""]
        statuses = textwrap.wrap(status, self.status_width) or [""]
        notes = textwrap.wrap(note, self.room, break_long_words=False) or [""]
        rows = max(len(inputs), len(statuses), len(notes))
        out = []
        for i in range(rows):
            left = inputs[i] if i < len(inputs) else ""
            code = r.code if i == 0 else ""
            state = statuses[i] if i < len(statuses) else ""
            text = notes[i] if i < len(notes) else ""
            out.append(
                (f"{left:<{self.input_width}}  {code:<5}  ", ""),
            )
            out.append((f"{state:<{self.status_width}}", _STYLE.get(r.status, "")))
            out.append((f"  {text}".rstrip() + "\n", ""))
        return out


_STYLE = {
    "active": "ok",
    "terminated": "warn",
    "not-yet-valid": "warn",
    "not-in-release": "warn",
    "no-release": "muted",
    "unknown": "bad",
    "invalid": "bad",
}


def validation_layout(width: int, first: Sequence[Validation]) -> ValidationLayout:
    input_width = min(max([5, *(len(r.input) for r in first)]), 24)
    status_width = min(max([6, *(len(r.status_text or r.status) for r in first)]), 28)
    return ValidationLayout(width, input_width, status_width)


def validation_chunk(layout: ValidationLayout, results: Sequence[Validation]) -> Text:
    text = Text(no_wrap=True, end="")
    for r in results:
        pieces = layout.lines(r)
        if layout.stacked:
            for line, style in pieces:
                text.append(line + "\n", style=style)
        else:
            for piece, style in pieces:
                text.append(piece, style=style)
    return text


# -- diff and history --------------------------------------------------------------------------
def diff_view(diff: ReleaseDiff, look: Look) -> View:
    def build(console: Console) -> RenderableType:
        counts = {
            name: len(diff.of(name)) for name in ("added", "terminated", "changed", "removed")
        }
        parts: list[RenderableType] = [
            Text(
                f"{diff.old} {look.arrow} {diff.new}: "
                + ", ".join(f"{n} {name}" for name, n in counts.items()),
                style="title",
            )
        ]
        for name in counts:
            items = diff.of(name)
            if not items:
                continue
            rows = []
            for c in items:
                if name == "changed":
                    detail = ", ".join(c.fields)
                    if c.old_descriptor != c.new_descriptor:
                        detail += f"\nwas: {c.old_descriptor}\nnow: {c.new_descriptor}"
                elif name == "terminated":
                    detail = f"{c.new_descriptor} (last day {c.termination_date})"
                else:
                    detail = c.new_descriptor or c.old_descriptor or ""
                rows.append((f"{c.code}  ", detail))
            parts.append(Section(name.capitalize(), Hanging(rows, prefix_style="code"), look))
        return Group(*parts)

    return build


def history_view(history: History, look: Look) -> View:
    from rich.table import Table

    def build(console: Console) -> RenderableType:
        width = console.width
        table = Table(
            title=Text(f"{history.code} across held releases", style="title"),
            border_style="muted",
            box=look.box(),
        )
        for col in ("Release", "Status", "Added", "Action", "Terminated", "Descriptor"):
            table.add_column(col, overflow="fold")
        for h in history.entries:
            o = h.official
            if o is None:
                table.add_row(h.release, Text("absent", style="muted"), "", "", "", "")
                continue
            status = (
                Text("active", style="ok") if o.is_active() else Text("terminated", style="warn")
            )
            table.add_row(
                h.release,
                status,
                o.add_date or "",
                F.describe(F.ACTION, o.action_code),
                o.termination_date or "",
                o.descriptor,
            )
        if fits(console, table, width):
            return table
        blocks: list[RenderableType] = [Text(f"{history.code} across held releases", style="title")]
        for h in history.entries:
            o = h.official
            pairs = [("Release", h.release)]
            if o is None:
                pairs.append(("Status", "absent"))
            else:
                pairs += [
                    ("Status", "active" if o.is_active() else "terminated"),
                    ("Added", o.add_date or "—"),
                    ("Action", F.describe(F.ACTION, o.action_code)),
                    ("Terminated", o.termination_date or "—"),
                    ("Descriptor", o.descriptor),
                ]
            blocks += [labelled(pairs), Text("")]
        return Group(*blocks)

    return build


# -- data --------------------------------------------------------------------------------------
def status_view(status: DataStatus, look: Look) -> View:
    def build(console: Console) -> RenderableType:
        parts: list[RenderableType] = [
            labelled(
                [
                    ("Data directory", str(status.home)),
                    ("Bundled records", str(status.bundled_records)),
                    (
                        "Default release",
                        status.default or status.default_problem or "none imported",
                    ),
                ]
            )
        ]
        if not status.releases and not status.damaged:
            parts.append(
                Text("No CMS release imported: run hcpcs data update or hcpcs data import PATH.")
            )
        for i in status.releases:
            title = f"Release {i.label}" + (" (default)" if i.label == status.default else "")
            pairs = [
                ("Source", i.source),
                ("Codes", f"{i.procedures} procedure codes, {i.modifiers} modifiers"),
                ("Effective", i.effective),
                ("Imported", i.imported_at),
                ("SHA-256", i.sha256),
            ]
            parts.append(Section(title, labelled(pairs), look))
        for d in status.damaged:
            pairs = [("File", str(d.path)), ("Problem", d.problem), ("Fix", d.fix)]
            parts.append(Section(f"Release {d.label} (DAMAGED)", labelled(pairs), look))
        return Group(*parts)

    return build


def check_view(report: CheckReport, look: Look) -> View:
    """One line per problem, as linters print them (``path:line: error: message``), unwrapped so
    that each can be searched and opened by its location."""
    text = Text("\n".join(str(p) for p in report.problems), no_wrap=True, overflow="ignore")
    return lambda console: text


def links_view(found: Links, look: Look) -> View:
    """Each page's title, then its address on a line of its own, unwrapped (a terminal wraps it,
    and it stays one piece to copy or click)."""
    text = Text(no_wrap=True, overflow="ignore")
    text.append(f"Official pages for {found.code}\n", style="heading")
    for link in found.links:
        text.append(f"{link.title}\n", style="label")
        text.append(f"  {link.url}\n")
    text.rstrip()
    return lambda console: text


def changes_view(result: Changes, look: Look) -> View:
    def build(console: Console) -> RenderableType:
        title = Text(result.summary(), style="title")
        rows = []
        for c in result.changes:
            when = c.action_effective_date or (
                f"last day {c.termination_date}" if c.termination_date else ""
            )
            rows.append((f"{c.code}  ", f"{c.action} ({when}): {c.short_descriptor}"))
        return Group(title, Hanging(rows, prefix_style="code"))

    return build
