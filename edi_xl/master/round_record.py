"""The Returns sheet: what the round's merges found, added up over the round.

Every merge of the same round adds to the sheet instead of starting again. The sheet keeps,
below the per-owner view, the list of every file received this round (file, owner, when the
owner saved it, outcome, rows updated, reason; hidden, the actions each line changed) and the
flags raised; a later merge reads that list back (:func:`read_record`), adds its own files (the
same file merged again replaces its lines; a file of several owners' actions has one for each
owner whose actions it changed), says again which file's change of each action stands (the
newest's), and writes the sheet again.

Per owner (:func:`owner_status`): **Yes** (a return with at least one new status or update),
**Unchanged** (returned, but nothing new in it: chased with its own reminder), **Superseded**
(their rows came in through a newer return), **Rejected** (the file could not be used: the
reason), **No** (nothing received: chased). The chase list holds the owners still owed:
Unchanged, Rejected and No.

The sheet is values only (fonts and widths where a file is written), so a button writes it
as the command does.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from openpyxl.styles import Font
from openpyxl.workbook.workbook import Workbook

from edi_xl.core.dates import DateKind, long_date, parse_date
from edi_xl.core.problems import SEVERITY, Code, Flag, Location, Outcome, Problem
from edi_xl.core.text import cell_text, greeting_name, plural
from edi_xl.master.cells import new_cell, set_plain, set_value
from edi_xl.master.printing import apply_print_setup
from edi_xl.master.sheets import RETURNS_SHEET, ROUND_LABEL, Settings, owner_key
from edi_xl.master.styles import (
    HEADER_FILL,
    HEADER_FONT,
    WRAP_TOP_LEFT,
    ColumnLines,
    alignment_setter,
    lines_height,
    row_height_setter,
)

FILES_TITLE = "Files received this round"
FLAGS_TITLE = "Flags this round"
OWNER_HEADERS = ("Action Owner", "Returned", "When", "File(s)", "Rows updated", "Flags", "Email")
FILE_HEADERS = ("File", "Action Owner", "Saved", "Outcome", "Rows updated", "Flags", "Reason")
#: The heading of the files list's hidden column H: the actions each line changed (read back
#: by the next merge, which decides action by action which file's change stands).
ACTIONS_HEADER = "Actions"
FLAG_HEADERS = ("File", "#", "Kind", "Message")
STAMP_FORMAT = "yyyy-mm-dd hh:mm"
#: The width of the Kind column of the flags: ``formula_not_overwritten``, the longest code a
#: merge flags, on one line (at the 17 of "When" it printed "locked_field_change d").
KIND_WIDTH = 25

YES, UNCHANGED, SUPERSEDED, REJECTED, NO = "Yes", "Unchanged", "Superseded", "Rejected", "No"
OWED = (UNCHANGED, REJECTED, NO)
#: Outcomes of a file, as merge reports them.
MERGED, FILE_UNCHANGED = Outcome.MERGED, Outcome.UNCHANGED


@dataclass(frozen=True)
class FileRecord:
    """One file received this round, as the Returns sheet lists it."""

    file: str
    owner: str | None
    saved: datetime | None  # naive UTC, to the second
    outcome: str  # merged | unchanged | superseded | rejected
    rows: int
    flags: int = 0
    reason: str | None = None
    #: the actions of this owner the file changed (those it still stands for or lost to a
    #: newer file); None when not known (a Returns sheet written before the list was kept)
    actions: frozenset[str] | None = None

    @property
    def key(self) -> tuple[str, datetime | None]:
        """The same file: its name and when it was saved."""
        return self.file, self.saved


@dataclass
class RoundRecord:
    """What the Returns sheet says about a round."""

    as_at: date | None
    files: list[FileRecord]
    flags: list[Flag]  # the round's problems found in returns, as the sheet lists them

    def add(self, files: list[FileRecord], flags: list[Flag]) -> None:
        """Add a merge's files and flags: the same file (name, saved) replaces its lines (a
        file of several owners' actions has one for each) and its flags; a flag already
        listed (the same file, action, kind and message) is not listed twice."""
        new: dict[tuple[str, datetime | None], list[FileRecord]] = defaultdict(list)
        for f in files:
            new[f.key].append(f)
        names = {f.file for f in files}
        kept: list[FileRecord] = []
        placed: set[tuple[str, datetime | None]] = set()
        for f in self.files:  # a file merged again keeps its place
            if f.key not in new:
                kept.append(f)
            elif f.key not in placed:
                placed.add(f.key)
                kept.extend(new[f.key])
        self.files = kept + [f for f in files if f.key not in placed]
        order = {f.file: i for i, f in enumerate(self.files)}
        # a flag names its file by name only: another version of a file of that name (saved
        # over it, or in another folder), not merged now, keeps its flags (a file merged
        # again says its own again: listed once)
        shared = {f.file for f in self.files if f.file in names and f.key not in new}
        still = [g for g in self.flags if g.file not in names or g.file in shared]
        # (a set of the keys seen: looking each flag up in a list of those before it took
        # minutes for a return of 200,000 rows)
        seen: set[tuple[str, str | None, str, str]] = {g.key for g in still}
        unique: list[Flag] = []
        for g in flags:
            if g.key not in seen:
                seen.add(g.key)
                unique.append(g)
        self.flags = sorted(still + unique, key=lambda g: order.get(g.file, len(order)))

    def newest_returned(self) -> dict[str, FileRecord]:
        """Per owner key, the newest file of theirs that was merged (or came back unchanged)."""
        newest: dict[str, FileRecord] = {}
        for f in self.files:
            if f.owner and f.outcome in (MERGED, FILE_UNCHANGED):
                k = owner_key(f.owner)
                if k not in newest or _later(f, newest[k]):
                    newest[k] = f
        return newest


def _later(a: FileRecord, b: FileRecord) -> bool:
    return (a.saved or datetime.min) > (b.saved or datetime.min)


def stamp(value: datetime | None) -> datetime | None:
    """A save time as the sheet keeps it: naive UTC, whole seconds."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.replace(microsecond=0)


def _as_stamp(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return stamp(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        from openpyxl.utils.datetime import from_excel

        converted = from_excel(value)
        return stamp(converted) if isinstance(converted, datetime) else None
    return None


def _as_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = _as_stamp(value)
    parsed = parse_date(value)
    return parsed.date if parsed.kind is DateKind.EXACT else None


def read_record(wb: Workbook) -> RoundRecord:
    """The record on the Returns sheet (empty when there is no sheet)."""
    if RETURNS_SHEET not in wb.sheetnames:
        return RoundRecord(None, [], [])
    ws = wb[RETURNS_SHEET]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    as_at = None
    files: list[FileRecord] = []
    flags: list[Flag] = []
    section = None
    known = False  # (the files list keeps its lines' actions: column H is headed so)
    for row in rows:
        row = [*row, *([None] * 8)]
        first = cell_text(row[0])
        if first == ROUND_LABEL:
            as_at = _as_date(row[1])
        elif first in (FILES_TITLE, FLAGS_TITLE):
            section = first
        elif (
            section
            and first in (FILE_HEADERS[0],)
            and cell_text(row[1])
            in (
                FILE_HEADERS[1],
                FLAG_HEADERS[1],
            )
        ):
            known = known or (section == FILES_TITLE and cell_text(row[7]) == ACTIONS_HEADER)
            continue
        elif first is None:
            section = None
        elif section == FILES_TITLE:
            files.append(
                FileRecord(
                    first,
                    cell_text(row[1]),
                    _as_stamp(row[2]),
                    cell_text(row[3]) or "",
                    int(row[4] or 0) if isinstance(row[4], int | float) else 0,
                    int(row[5] or 0) if isinstance(row[5], int | float) else 0,
                    cell_text(row[6]),
                    _actions(row[7]) if known else None,
                )
            )
        elif section == FLAGS_TITLE and (flag := _flag_line(first, row)) is not None:
            flags.append(flag)
    return RoundRecord(as_at, files, flags)


def _actions(value: Any) -> frozenset[str]:
    """A line's actions as column H keeps them, one id a line."""
    return frozenset(a.strip() for a in (cell_text(value) or "").split("\n") if a.strip())


def _flag_line(file: str, row: list[Any]) -> Flag | None:
    """A line of "Flags this round" read back as the problem it was written from (its file,
    action, code and message; where in the return it was is not on the sheet). The sheet is
    edi_xl's; a line whose Kind is no code (only a hand edit makes one) is not read back."""
    kind = cell_text(row[2]) or ""
    if kind not in Code._value2member_map_:
        return None
    code = Code(kind)
    return Flag.of(
        Problem(
            code=code,
            severity=SEVERITY[code],
            action_id=cell_text(row[1]),
            location=Location(file=file),
            message=cell_text(row[3]) or "",
        )
    )


@dataclass(frozen=True)
class OwnerStatus:
    owner: str
    returned: str  # Yes | Unchanged | Superseded | Rejected | No
    when: datetime | None
    files: list[str]
    rows: int
    flags: int
    reason: str | None = None  # why a rejected file could not be used

    @property
    def owed(self) -> bool:
        return self.returned in OWED


def owner_status(
    owner: str, record: RoundRecord, by_owner: dict[str, list[FileRecord]] | None = None
) -> OwnerStatus:
    """Where ``owner`` stands in the round (see the module docstring); ``by_owner`` (from
    :func:`files_by_owner`) saves a pass over every file for each owner of a long list."""
    if by_owner is None:
        by_owner = files_by_owner(record)
    mine = by_owner.get(owner_key(owner), [])
    for outcome, word in (
        (MERGED, YES),
        (FILE_UNCHANGED, UNCHANGED),
        (Outcome.SUPERSEDED, SUPERSEDED),
        (Outcome.REJECTED, REJECTED),
    ):
        got = [f for f in mine if f.outcome == outcome]
        if got:
            latest = max((f.saved for f in got if f.saved), default=None)
            return OwnerStatus(
                owner,
                word,
                latest,
                [f.file for f in got],
                sum(f.rows for f in got),
                sum(f.flags for f in got),
                "; ".join(f"{f.file}: {f.reason}" for f in got if f.reason) or None,
            )
    return OwnerStatus(owner, NO, None, [], 0, 0)


def files_by_owner(record: RoundRecord) -> dict[str, list[FileRecord]]:
    """The round's files by owner (:func:`~edi_xl.master.sheets.owner_key`), in order."""
    found: dict[str, list[FileRecord]] = {}
    for f in record.files:
        if f.owner:
            found.setdefault(owner_key(f.owner), []).append(f)
    return found


def reminder(owner: str, as_at: date, status: OwnerStatus | None = None) -> str:
    """The text to paste into a chase email for an owner still owed."""
    name = greeting_name(owner)
    return (
        f"Dear {name}, {why_chased(status, as_at)} Please set a Status for each of your "
        "actions and add a short update in the return we sent you, and send it back to the "
        "EDI team. Thank you."
    )


def why_chased(status: OwnerStatus | None, as_at: date) -> str:
    """The sentence that says what is missing, for a reminder (the files named as the owner
    sent them: not the folder HR keeps them in, nor the email HR saved them in)."""
    when = long_date(as_at)
    sent = ", ".join(_as_sent(name) for name in status.files) if status is not None else ""
    if status is not None and status.returned == UNCHANGED and status.reason:
        # notes, pictures, tick boxes or errors on its cells (merge flagged them): what they
        # said was seen, and where the update goes
        return (
            f"thank you for sending back your return ({sent}), but it "
            f"had no new status or update in its Status and update columns for the round as "
            f"at {when}: text in other columns, and notes, comments, pictures, tick boxes and "
            "error values (#N/A) on its cells, cannot be taken into the plan."
        )
    if status is not None and status.returned == UNCHANGED:
        return (
            f"thank you for sending back your return ({sent}), but it "
            f"had no new status or update in it for the round as at {when}."
        )
    if status is not None and status.returned == REJECTED:
        return (
            f"we could not read the file you sent for the round as at {when} "
            f"({status.reason or sent})."
        )
    return f"we have not yet received your update on the equality action plan as at {when}."


def _as_sent(name: str) -> str:
    """A file's name as its owner sent it: ``Jim.xlsx`` of ``RE update.eml > Jim.xlsx`` (an
    attachment of an email HR saved) or of ``later/Jim.xlsx`` (a file in a folder)."""
    return name.rsplit(" > ", 1)[-1].replace("\\", "/").rsplit("/", 1)[-1]


def write_returns_sheet(
    wb: Workbook, owners: list[str], record: RoundRecord, as_at: date, settings: Settings
) -> list[OwnerStatus]:
    """Write the Returns sheet for the round (edi_xl owns this sheet); each owner's status."""
    if RETURNS_SHEET in wb.sheetnames:
        del wb[RETURNS_SHEET]
    ws = wb.create_sheet(RETURNS_SHEET)
    wrap_top = alignment_setter(wb, WRAP_TOP_LEFT)  # (a count never runs into an address)
    set_value(ws["A1"], f"Owner returns for the round as at {long_date(as_at)}")
    ws["A1"].font = Font(bold=True, size=14)
    ws.row_dimensions[1].height = 22  # a 14-point title
    set_value(ws["A2"], ROUND_LABEL)
    set_value(ws["B2"], as_at, number_format="dd mmm yyyy")
    wrap_top(ws["B2"])
    r = 4
    _header(ws, r, OWNER_HEADERS)
    by_owner = files_by_owner(record)
    statuses = [owner_status(o, record, by_owner) for o in owners]
    contacts = settings.contacts()
    for status in statuses:
        r += 1
        contact = contacts.get(owner_key(status.owner))
        values = (
            status.owner,
            status.returned,
            status.when,
            ", ".join(status.files) or None,
            status.rows,
            status.flags,
            contact.email if contact and contact.email else "(no address on Settings)",
        )
        for c, value in enumerate(values, start=1):  # (a new sheet: each cell made here)
            set_plain(new_cell(ws, r, c, None), value, STAMP_FORMAT if c == 3 else None)
    chase = [s for s in statuses if s.owed]
    r += 2
    set_value(ws.cell(r, 1), f"Chase list: {plural(len(chase), 'owner')} still owed")
    ws.cell(r, 1).font = Font(bold=True)
    for status in chase:
        r += 1
        set_value(ws.cell(r, 1), status.owner)
        set_value(ws.cell(r, 2), reminder(status.owner, as_at, status))
        wrap_top(ws.cell(r, 2))
    r += 2
    set_value(ws.cell(r, 1), FILES_TITLE)
    ws.cell(r, 1).font = Font(bold=True)
    r += 1
    _header(ws, r, FILE_HEADERS)
    set_value(ws.cell(r, 8), ACTIONS_HEADER)
    header_rows = {4, r}  # the tables' headers (the only rows whose first cell is filled)
    for f in record.files:
        r += 1
        values2 = (f.file, f.owner, f.saved, f.outcome, f.rows, f.flags, f.reason)
        for c, value in enumerate(values2, start=1):
            set_plain(new_cell(ws, r, c, None), value, STAMP_FORMAT if c == 3 else None)
        if f.actions:  # (text: an id such as 1.10 kept as written)
            set_plain(new_cell(ws, r, 8, None), "\n".join(sorted(f.actions)), "@")
    r += 2
    set_value(ws.cell(r, 1), FLAGS_TITLE)
    ws.cell(r, 1).font = Font(bold=True)
    r += 1
    _header(ws, r, FLAG_HEADERS)
    header_rows.add(r)
    for g in record.flags:
        r += 1
        for c, value in enumerate(g.key, start=1):
            set_plain(new_cell(ws, r, c, None), value, "@" if c == 2 else None)
    # C is "When" and "Saved" above, and the flags' Kind below: wide enough for the longest
    # code on one line (KIND_WIDTH); B, the chase list's reminders, gives up what C takes, so
    # the sheet prints at the scale it did
    widths = dict(zip("ABCDEFG", (34, 52, KIND_WIDTH, 40, 13, 8, 30), strict=True))
    for letter, width in widths.items():
        ws.column_dimensions[letter].width = width
    # H, the actions each file changed, is for the next merge (who took what): not printed
    ws.column_dimensions["H"].hidden = True
    # on paper: wrapped, rows as tall as their text, landscape one page wide, a footer
    sheet_cells, set_height = ws._cells, row_height_setter(ws)
    # each text's lines worked out once per column (owners, outcomes, reasons repeat)
    lines = ColumnLines(widths.values())
    for row in range(4, r + 1):
        header = row in header_rows
        most, shown = 1, False  # the row's lines as row_height counts them; any value
        for c in range(1, len(widths) + 1):
            cell = sheet_cells.get((row, c)) or new_cell(ws, row, c, None)  # (as ws.cell)
            value = cell._value
            if value is None:
                continue
            shown = True
            if not header:
                wrap_top(cell)
            if isinstance(value, str) and value:
                most = max(most, lines.lines(c - 1, value))
        if shown:
            set_height(row, lines_height(most))
    ws._current_row = max(ws._current_row, r)  # what ws.cell keeps (for ws.append)
    apply_print_setup(ws, header_row=None, as_at=as_at)
    return statuses


def _header(ws: Any, row: int, headers: tuple[str, ...]) -> None:
    for c, text in enumerate(headers, start=1):
        cell = ws.cell(row, c)
        set_value(cell, text)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL


def with_flags(files: list[FileRecord], flags: list[Flag]) -> list[FileRecord]:
    """``files`` with their count of ``flags``."""
    count: dict[str, int] = defaultdict(int)
    for g in flags:
        count[g.file] += 1
    return [replace(f, flags=count[f.file]) for f in files]
