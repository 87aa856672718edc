"""The Settings, Lists and Change Log sheets of the master workbook."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import groupby
from operator import itemgetter
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from edi_xl.core.dates import DateKind, parse_date
from edi_xl.core.errors import EdiXlError, RoundDateUnreadError
from edi_xl.core.references import ALL, PROTECTED_CHARACTERISTICS
from edi_xl.core.status import DEFAULT_STATUS_WORDS, RAG, RAG_MEANING
from edi_xl.core.text import one_line
from edi_xl.master.cells import comparable, new_cell, set_plain, set_value
from edi_xl.master.column_settings import shown_width
from edi_xl.master.loading import (
    NewCell,
    NewLine,
    add_new_lines,
    cells_but_new_lines,
    formula_result,
    holds_new_lines,
    made_cells,
    new_lines,
    sheet_values,
    unmade_values,
)
from edi_xl.master.printing import fit_to_width
from edi_xl.master.styles import (
    HEADER_FILL,
    HEADER_FONT,
    LEFT_TOP,
    ROW_POINTS,
    SUBTITLE_FONT,
    TITLE_FONT,
    WRAP_TOP,
    WRAP_TOP_LEFT,
    ColumnLines,
    alignment_setter,
    alignment_style,
    lines_height,
    row_height,
    row_height_setter,
    wrap_top_setter,
)
from edi_xl.master.validation import CHARACTERISTIC_LIST, STATUS_LIST

SETTINGS = "Settings"
LISTS = "Lists"
CHANGE_LOG = "Change Log"
#: The record of an import (edi-xl import): what was read, how, and what was not placed.
IMPORT_SHEET = "Imported from"
IMPORT_TITLE = "What edi_xl import read, source by source"  # its A1
RETURNS_SHEET = "Returns"  # the round's record of returns (edi_xl.master.round_record)
ROUND_LABEL = "Round as at"  # the Returns sheet's A2
AS_AT_LABEL = "As-at date"
TRUST_LABEL = "Trust name"
OWNER_RETURNS_LABEL = "Owner returns folder"
RETURNS_LABEL = "Returns folder"
#: Folders the workbook's buttons use; a bare name is a folder next to the workbook.
DEFAULT_OWNER_RETURNS_FOLDER = "Owner returns"
DEFAULT_RETURNS_FOLDER = "Returns received"
FOLDER_ROWS = (
    (
        OWNER_RETURNS_LABEL,
        "owner_returns_folder",
        DEFAULT_OWNER_RETURNS_FOLDER,
        "Where the Create owner returns button writes one file per owner. A name without a "
        "drive or folder is a folder next to this workbook.",
    ),
    (
        RETURNS_LABEL,
        "returns_folder",
        DEFAULT_RETURNS_FOLDER,
        "Where the Import returns button reads the returned files from (same rule).",
    ),
)
#: The board paper's front sheet (``edi-xl report``): (label, Settings attribute, meaning).
BOARD_ROWS = (
    (
        "Paper title",
        "paper_title",
        "The board paper's title (blank: one is made from the as-at date).",
    ),
    ("Meeting", "meeting", "The committee the paper goes to, e.g. People Committee."),
    ("Meeting date", "meeting_date", "The date of that meeting."),
    ("Report author", "author", "Who wrote the paper: name and job title."),
    ("Executive lead", "executive_lead", "The executive director who presents it."),
)
BOARD_HEADING = "Board report"
#: Rows for the emails and rounds (below the folders); the Owners table comes last.
REPLY_BY_LABEL = "Reply by"
NEXT_ROUND_LABEL = "Next round"
SUBJECT_LABEL = "Email subject"
MESSAGE_LABEL = "Email message"
CHASE_LABEL = "Chase message"
OWNERS_LABEL = "Owners"
OWNERS_HEADERS = ("Action Owner", "Email", "Cc")
DEFAULT_SUBJECT = "Equality action plan: your update as at {as_at}"
DEFAULT_MESSAGE = (
    "Dear {name},\n\n"
    "Please find attached your update for the equality action plan as at {as_at}. For each "
    "of your actions below, choose a Status and write a short update (the two yellow columns), "
    "then save the file and send it back to us by {reply_by}.\n\n{actions}\n\n"
    "Thank you,\nThe EDI team"
)
DEFAULT_CHASE = (
    "Dear {name},\n\n"
    "{why} Please choose a Status for each of your actions below and write a short update "
    "in the attached return, then send it back to us by {reply_by}.\n\n{actions}\n\n"
    "Thank you,\nThe EDI team"
)
EMAIL_ROWS = (
    (
        REPLY_BY_LABEL,
        "reply_by",
        None,
        "The date the emails ask owners to reply by. Blank: 14 days after the as-at date.",
    ),
    (
        NEXT_ROUND_LABEL,
        "next_round",
        None,
        "The date the Start new round button starts the next round on (the button cannot "
        "ask for one). Blank: today.",
    ),
    (
        SUBJECT_LABEL,
        "email_subject",
        DEFAULT_SUBJECT,
        "Subject of the emails edi_xl drafts. {as_at}, {reply_by}, {owner}, {name} are filled in.",
    ),
    (
        MESSAGE_LABEL,
        "email_message",
        DEFAULT_MESSAGE,
        "The email sent with each owner return; {actions} is the list of their actions.",
    ),
    (
        CHASE_LABEL,
        "chase_message",
        DEFAULT_CHASE,
        "The reminder to owners still owed; {why} says what is missing.",
    ),
)
AS_AT_NAME = "AsAtDate"
CHANGE_LOG_HEADERS = ("When", "#", "Field", "Old value", "New value", "Source")


@dataclass
class Settings:
    """What the Settings sheet says."""

    as_at: date | None = None
    #: (what the As-at date cell shows, its cell) when it shows something that is no date
    #: ("18th March", "March 2024", a formula saved without its result): the round cannot be
    #: told from it (:func:`unread_round_date`)
    as_at_unread: tuple[Any, str] | None = None
    trust_name: str | None = None
    words: dict[RAG, str] = field(default_factory=lambda: dict(DEFAULT_STATUS_WORDS))
    owner_returns_folder: str | None = None  # None: DEFAULT_OWNER_RETURNS_FOLDER
    returns_folder: str | None = None  # None: DEFAULT_RETURNS_FOLDER
    paper_title: str | None = None
    meeting: str | None = None
    meeting_date: date | str | None = None  # a date, or the text typed when it is not one
    author: str | None = None
    executive_lead: str | None = None
    reply_by: date | None = None  # None: 14 days after the as-at date
    next_round: date | None = None  # None: today (the Start new round button)
    email_subject: str = DEFAULT_SUBJECT
    email_message: str = DEFAULT_MESSAGE
    chase_message: str = DEFAULT_CHASE
    owners: list[OwnerContact] = field(default_factory=list)  # the Owners table

    def contact(self, owner: str) -> OwnerContact | None:
        """The Owners table's line for ``owner`` (case and spacing ignored)."""
        return self.contacts().get(owner_key(owner))

    def lines_for(self, owner: str) -> list[OwnerContact]:
        """Every line of the Owners table for ``owner`` (case and spacing ignored)."""
        key = owner_key(owner)
        return [line for line in self.owners if owner_key(line.owner) == key]

    def contacts(self) -> dict[str, OwnerContact]:
        """The Owners table's lines by :func:`owner_key` (the first line for an owner wins),
        for looking many owners up."""
        found: dict[str, OwnerContact] = {}
        for line in self.owners:
            found.setdefault(owner_key(line.owner), line)
        return found


def owner_key(owner: str) -> str:
    """An owner's name compared ignoring case and spacing."""
    return " ".join(str(owner).split()).casefold()


@dataclass(frozen=True)
class OwnerContact:
    """A line of the Owners table on Settings: the owner as written in the plan, addresses."""

    owner: str
    email: str | None = None
    cc: str | None = None
    row: int | None = None  # on the Settings sheet, 1-based


#: The Change Log's field for a Status an owner returned that the overdue rule did not let
#: stand (the action's due date had passed: it stays Red); kept, so that it is the action's
#: word once the due date moves out (:class:`edi_xl.flows.refresh.RuleMadeReds`).
STATUS_NOT_APPLIED = "Status returned, not applied (overdue)"


@dataclass(frozen=True)
class Change:
    """One value edi_xl changed: a line of the Change Log."""

    id: str
    field: str
    old: Any
    new: Any
    source: str


def _values_held(ws: Worksheet) -> Iterator[tuple[Any, ...]]:
    """The values ``ws`` was loaded with and has not made cells (in the file's order, row by
    row, then those taken out by column), without making its cells."""
    loaded = sheet_values(ws)
    if loaded is not None:
        yield from loaded.cells
    yield from unmade_values(ws)


def _top_values(ws: Worksheet, last_row: int) -> dict[tuple[int, int], Any]:
    """The values of ``ws``'s rows 1 to ``last_row`` that hold one, by (row, column), from
    its cells and from the values it was loaded with, without making its cells."""
    found = {}
    loaded = sheet_values(ws)
    for plain in loaded.cells if loaded is not None else ():
        if plain[0] > last_row:
            break  # (in the file's order, row by row: a year's Change Log is not read through)
        if plain[2] is not None:
            found[(plain[0], plain[1])] = plain[2]
    for plain in unmade_values(ws):
        if plain[0] <= last_row and plain[2] is not None:
            found[(plain[0], plain[1])] = plain[2]
    for (r, c), cell in made_cells(ws).items():
        if r <= last_row and cell._value is not None:
            found[(r, c)] = cell._value
    return found


def _holds_anything(ws: Worksheet) -> bool:
    """Whether ``ws`` holds anything of a person's: a value (a year's Change Log: found at
    its first line), a chart or picture, a table, a rule, merged cells."""
    if ws._charts or ws._images or ws.tables or ws.merged_cells.ranges:
        return True
    if ws.data_validations.dataValidation or len(ws.conditional_formatting):
        return True
    return any(p[2] is not None for p in _values_held(ws)) or any(
        cell._value is not None for cell in made_cells(ws).values()
    )


#: The names edi_xl defines in a master, and the sheet each refers to.
_OUR_NAMES = {AS_AT_NAME: SETTINGS, STATUS_LIST: LISTS, CHARACTERISTIC_LIST: LISTS}
#: A name that refers to one cell or range of one sheet (group 1 or 2: the sheet).
_SHEET_RANGE = re.compile(
    r"(?:'((?:[^']|'')+)'|([^'!]+))!\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?"
)


def _range_sheet(ref: str) -> str | None:
    """The sheet a name's text refers to when it is one cell or range of one sheet
    (``'It''s'!$A$1`` -> ``It's``), else None (a formula, a constant, several ranges)."""
    found = _SHEET_RANGE.fullmatch(ref.strip())
    if found is None:
        return None
    return (found.group(1) or "").replace("''", "'") or found.group(2)


def is_a_master(wb: Workbook, summary_marker: str) -> bool:
    """Whether edi_xl has saved ``wb`` before: it has edi_xl's Summary marker (the name
    ``summary_marker``), or the as-at date's name on Settings, or the dropdowns' name on
    Lists. In a workbook edi_xl has not saved, a sheet with one of edi_xl's titles that holds
    anything is the trust's."""
    names = {name: d.attr_text or "" for name, d in wb.defined_names.items()}
    if summary_marker in names:
        return True
    return any(_range_sheet(names.get(name, "")) == home for name, home in _OUR_NAMES.items())


def _norm(value: Any) -> str | None:
    """A heading or label as compared with edi_xl's: trimmed, case ignored."""
    return value.strip().casefold() if isinstance(value, str) else None


#: The labels of column A of edi_xl's Settings sheet: two of them make a Settings sheet
#: edi_xl's (a person may have deleted one).
_SETTINGS_LABELS = frozenset(
    label.casefold()
    for label in (
        AS_AT_LABEL, TRUST_LABEL, "RAG colour", OWNER_RETURNS_LABEL, RETURNS_LABEL,
        BOARD_HEADING, REPLY_BY_LABEL, NEXT_ROUND_LABEL, SUBJECT_LABEL, MESSAGE_LABEL,
        CHASE_LABEL, OWNERS_LABEL,
    )
)  # fmt: skip
#: The headings edi_xl writes in the first row of its Lists sheet (again on every refresh).
_LISTS_HEADINGS = ("status", "protected characteristic")
#: The protected characteristics edi_xl lists in column B of its Lists sheet.
_LISTED_CHARACTERISTICS = frozenset(pc.casefold() for pc in PROTECTED_CHARACTERISTICS)
_LOG_HEADINGS = frozenset(h.casefold() for h in CHANGE_LOG_HEADERS)


def sheet_titled(wb: Workbook, title: str) -> Any:
    """The sheet of ``wb`` (a worksheet or a chart sheet) whose title is ``title`` as Excel
    compares titles (ignoring case: "Lists" and "lists" cannot both be in a workbook), or
    None."""
    folded = title.casefold()
    return next((ws for ws in wb._sheets if ws.title.casefold() == folded), None)


def _looks_ours(ws: Worksheet, title: str) -> bool:
    """Whether ``ws``, which holds something, is edi_xl's sheet ``title`` by its headings,
    compared trimmed and ignoring case (a person may have retyped or formatted one)."""
    if title == SETTINGS:
        labels = {_norm(v) for (_, c), v in _top_values(ws, 200).items() if c == 1}
        return len(labels & _SETTINGS_LABELS) >= 2
    if title == LISTS:  # its two headings, or the characteristics it lists in column B
        top = _top_values(ws, 1 + len(PROTECTED_CHARACTERISTICS) + 1)
        if (_norm(top.get((1, 1))), _norm(top.get((1, 2)))) == _LISTS_HEADINGS:
            return True
        listed = {_norm(v) for (r, c), v in top.items() if c == 2 and r > 1}
        return len(listed & _LISTED_CHARACTERISTICS) >= 5
    if title == CHANGE_LOG:  # three of its headings in one of its first rows (a title above)
        top = _top_values(ws, 3)
        return any(
            sum(_norm(top.get((r, c))) in _LOG_HEADINGS for c in range(1, 7)) >= 3
            for r in range(1, 4)
        )
    if title == RETURNS_SHEET:
        top = _top_values(ws, 3)
        return any(_norm(top.get((r, 1))) == ROUND_LABEL.casefold() for r in range(1, 4))
    return _norm(_top_values(ws, 1).get((1, 1))) == IMPORT_TITLE.casefold()


def sheets_not_ours(wb: Workbook, master: bool) -> list[str]:
    """The titles of the sheets of ``wb`` that have one of edi_xl's titles (Settings, Lists,
    Change Log, Returns, Imported from; ignoring case, as Excel does) but are the trust's: a
    chart sheet, a sheet titled so but for case ("lists": edi_xl would make its own beside it,
    again each time), or a sheet that holds something and does not look like edi_xl's
    (:func:`_looks_ours`: Lists by "Status" and "Protected Characteristic" in its first row
    or the characteristics it lists; Change Log by its headings; Settings by two of its
    labels; Returns by "Round as at"; Imported from by its title). edi_xl would write into
    such a sheet as if it were its own (a trust plan's "Lists" of dropdown choices
    overwritten, a "Returns" deleted and made again, refresh's settings and log lines put
    among the trust's rows): whatever loads a master refuses the workbook
    (:func:`edi_xl.master.plan.load_master`). A name the trust gave its sheet's cells (its own
    "StatusList") does not make it edi_xl's. ``master``: whether edi_xl has saved the
    workbook (:func:`is_a_master`); only then are its sheets known by their headings."""
    taken = []
    for title in (SETTINGS, LISTS, CHANGE_LOG, RETURNS_SHEET, IMPORT_SHEET):
        ws = sheet_titled(wb, title)
        if ws is None:
            continue
        if ws.title != title or not isinstance(ws, Worksheet):
            taken.append(ws.title)
        elif _holds_anything(ws) and not (master and _looks_ours(ws, title)):
            taken.append(title)  # (an empty sheet: nothing of the trust's to write over)
    return taken


def names_not_ours(wb: Workbook, sheets_taken: Iterable[str] = ()) -> list[tuple[str, str]]:
    """The names edi_xl defines (AsAtDate, StatusList, CharacteristicList; ignoring case,
    as Excel does) that ``wb`` gives to something of its own, with what each refers to: a
    name in another case ("statuslist"), a formula (a dynamic list's OFFSET, INDIRECT, a
    constant), a range of another sheet, or a range of one of ``sheets_taken`` (the trust's own
    sheets of edi_xl's titles, :func:`sheets_not_ours`). edi_xl would point it at its own
    sheet, and whatever read it (the trust's dropdowns, formulas) would read edi_xl's. A name
    that is edi_xl's, broken (``#REF!``, or a range of a sheet that is gone), is defined
    again."""
    taken = []
    titles = {title.casefold() for title in wb.sheetnames}
    folded = {title.casefold() for title in sheets_taken}
    by_case = {name.casefold(): name for name in wb.defined_names}
    for name, home in _OUR_NAMES.items():
        actual = by_case.get(name.casefold())
        if actual is None:
            continue
        ref = (wb.defined_names[actual].attr_text or "").strip()
        if "#REF!" in ref.upper():
            continue
        sheet = _range_sheet(ref)
        if sheet is not None and "[" not in sheet and sheet.casefold() not in titles:
            continue  # a range of a sheet that is gone (not of another workbook: "[1]Lists")
        ours = actual == name and sheet is not None and sheet.casefold() == home.casefold()
        if not ours or home.casefold() in folded:
            taken.append((actual, ref))
    ours_folded = {name.casefold() for name in _OUR_NAMES}
    for ws in wb.worksheets:  # a name of one sheet: Excel reads it first, there (edi_xl
        for name, defined in ws.defined_names.items():  # defines its names for the workbook)
            if name.casefold() in ours_folded:
                taken.append((f"{name} (on sheet {ws.title!r})", defined.attr_text or ""))
    return taken


def _define_name(wb: Workbook, name: str, ref: str) -> None:
    if name in wb.defined_names:
        del wb.defined_names[name]
    wb.defined_names[name] = DefinedName(name, attr_text=ref)


def _label_rows(ws: Worksheet) -> dict[str, int]:
    rows: dict[str, int] = {}
    for (r, c), cell in ws._cells.items():
        if c == 1 and isinstance(cell.value, str):
            rows.setdefault(cell.value.strip().lower(), r)
    return rows


def read_settings(wb: Workbook) -> Settings:
    """The Settings sheet's values, as they show (a cell worked out by a formula of the
    trust's, "=DATE(2024,3,18)", as the date it shows: :func:`_shown`)."""
    settings = Settings()
    if SETTINGS not in wb.sheetnames:
        return settings
    ws = wb[SETTINGS]
    rows = _label_rows(ws)
    if (r := rows.get(AS_AT_LABEL.lower())) is not None:
        settings.as_at, settings.as_at_unread = read_as_at(_shown(ws, r, 2), f"B{r}")
        if (
            settings.as_at is None
            and settings.as_at_unread is None
            and (
                ws.cell(r, 2).data_type == "f"  # (a formula showing an error: "" for nothing)
            )
        ):
            settings.as_at_unread = (ws.cell(r, 2).value, f"B{r}")
    if (r := rows.get(TRUST_LABEL.lower())) is not None:
        value = _shown(ws, r, 2)
        settings.trust_name = str(value).strip() if value not in (None, "") else None
    for label, attr, _, _ in FOLDER_ROWS:
        if (r := rows.get(label.lower())) is not None:
            value = _shown(ws, r, 2)
            setattr(settings, attr, str(value).strip() if str(value or "").strip() else None)
    for label, attr, _ in BOARD_ROWS:
        if (r := rows.get(label.lower())) is not None:
            setattr(settings, attr, _board_value(_shown(ws, r, 2), dated=attr == "meeting_date"))
    for rag in RAG:
        r = rows.get(rag.value.lower())
        word = _shown(ws, r, 2) if r is not None else None
        if isinstance(word, str) and word.strip():
            settings.words[rag] = word.strip()
    for label, attr, _, _ in EMAIL_ROWS:
        if (r := rows.get(label.lower())) is None:
            continue
        value = _shown(ws, r, 2)
        if attr in ("reply_by", "next_round"):
            when = parse_date(value) if value not in (None, "") else None
            if when is not None and when.kind is DateKind.EXACT:
                setattr(settings, attr, when.date)
        elif isinstance(value, str) and value.strip():
            setattr(settings, attr, value.strip())
    settings.owners = _read_owners(ws, rows)
    return settings


def _board_value(value: Any, *, dated: bool) -> date | str | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = one_line(value)
    if not text:
        return None
    if dated:
        parsed = parse_date(text)
        if parsed.kind is DateKind.EXACT and parsed.date is not None:
            return parsed.date
    return text


def read_as_at(value: Any, cell: str) -> tuple[date | None, tuple[Any, str] | None]:
    """What the Settings sheet's As-at date cell (``cell``) showing ``value`` says: (the
    date, None), or (None, (``value``, ``cell``)) when it shows something that is no date
    (:attr:`Settings.as_at_unread`), or (None, None) when it is empty."""
    parsed = parse_date(value)
    if parsed.kind is DateKind.EXACT:
        return parsed.date, None
    if value is not None and str(value).strip():
        return None, (value, cell)
    return None, None


def unread_round_date(path: object, unread: tuple[Any, str]) -> str:
    """What a command says when it cannot tell the round from the Settings sheet of the
    master at ``path``, its As-at date cell showing no date (``unread``:
    :attr:`Settings.as_at_unread`): the cell, what it holds, and what to type. The command
    line and the buttons each add how to go on there (--as-at; click again). Before, the
    commands took today's date as the round's and a refresh wrote it over what was typed
    (helper-165, session 31)."""
    value, cell = unread
    text = one_line(str(value)) or ""
    what = (
        f"is worked out by a formula, {text}, that shows no date (or the file keeps no "
        "result for it)"
        if text.startswith("=")
        else f"is {text!r}, which is not a date"
    )
    return (
        f"{path}: the As-at date on the {SETTINGS} sheet (cell {cell}) {what}, so edi_xl "
        f"cannot tell which round this is. Type the round's date in {cell} (for example "
        "18/03/2024)"
    )


def no_round_date_error(path: object, settings: Settings) -> EdiXlError:
    """The error for a command given no as-at date whose master's Settings sheet says none:
    :class:`RoundDateUnreadError` when its As-at date cell shows what is no date."""
    if settings.as_at_unread is not None:
        return RoundDateUnreadError(unread_round_date(path, settings.as_at_unread))
    return EdiXlError(f"{path}: no as-at date given and none on the Settings sheet")


def _shown(ws: Worksheet, row: int, column: int) -> Any:
    """The value of a cell as it shows: a formula's result where the file (or the open
    workbook) gave one, "" for nothing; else what the cell holds (a formula with no result
    reads as its text, as everywhere)."""
    cell = ws.cell(row, column)
    result = formula_result(cell)
    return cell.value if result is None else result


def _owners_header_row(ws: Worksheet, rows: dict[str, int]) -> int | None:
    """The row of the Owners table's header ("Action Owner | Email | Cc"), under "Owners"."""
    start = rows.get(OWNERS_LABEL.lower())
    if start is None:
        return None
    for r in range(start, start + 3):
        if str(ws.cell(r, 1).value or "").strip().lower() == OWNERS_HEADERS[0].lower():
            return r
    return None


def _read_owners(ws: Worksheet, rows: dict[str, int]) -> list[OwnerContact]:
    header = _owners_header_row(ws, rows)
    if header is None:
        return []
    found: list[OwnerContact] = []
    # down to the sheet's last row: a blank line (one HR cleared) does not end the table,
    # or the owners below it would be missed, and written over by write_owners next to
    # other owners' addresses (helper-80)
    for r in range(header + 1, ws.max_row + 1):
        owner = " ".join(str(_shown(ws, r, 1) or "").split())
        if not owner:
            continue
        email, cc = (str(_shown(ws, r, c) or "").strip() or None for c in (2, 3))
        found.append(OwnerContact(owner, email, cc, r))
    return found


def _free_row(ws: Worksheet, row: int) -> int:
    """The first row from ``row`` down whose columns A to C hold nothing (an address typed
    on a line with no owner is never given one)."""
    while any(ws.cell(row, c).value not in (None, "") for c in (1, 2, 3)):
        row += 1
    return row


def write_owners(wb: Workbook, owners: list[str]) -> list[str]:
    """Add the plan's owners missing from the Owners table of Settings (HR fill in the
    addresses); the owners added. Lines HR wrote are never changed or removed."""
    if SETTINGS not in wb.sheetnames:
        return []
    ws = wb[SETTINGS]
    rows = _label_rows(ws)
    header = _owners_header_row(ws, rows)
    if header is None:
        return []
    present = _read_owners(ws, rows)
    known = {owner_key(c.owner) for c in present}
    r = max([header] + [c.row for c in present if c.row is not None]) + 1  # (below them all)
    added: list[str] = []
    for owner in owners:
        if not owner or not owner.strip() or owner_key(owner) in known:
            continue
        known.add(owner_key(owner))
        r = _free_row(ws, r)
        set_value(ws.cell(r, 1), " ".join(owner.split()))
        ws.cell(r, 1).alignment = WRAP_TOP  # (a name and job title: whole on paper too)
        _fit_row(ws, r)
        added.append(owner)
        r += 1
    return added


def _fit_row(
    ws: Worksheet, row: int, widths: Mapping[str, float] | None = None, *, grow_only: bool = False
) -> None:
    """Give ``row`` of Settings the height its wrapped cells in A:C need (LibreOffice and
    Excel keep a row a program leaves unset at one line, and the lines print over the next
    rows); with ``grow_only``, only when that is taller than the row is."""
    cells = []
    for c, letter in enumerate("ABC", start=1):
        cell = ws.cell(row, c)
        if cell.alignment is not None and cell.alignment.wrap_text:
            width = (widths or {}).get(letter) or shown_width(ws, c)
            cells.append((cell.value, width))
    height = row_height(cells)
    now = ws.row_dimensions[row].height if row in ws.row_dimensions else None
    if height > ROW_POINTS and not (grow_only and now is not None and now >= height):
        ws.row_dimensions[row].height = height


def _ensure_email_rows(ws: Worksheet) -> None:
    """The Reply by, Next round, message rows and the Owners table's header, where missing
    (a master made by an earlier edi_xl): written below what is there."""
    rows = _label_rows(ws)
    missing = [row for row in EMAIL_ROWS if row[0].lower() not in rows]
    has_owners = OWNERS_LABEL.lower() in rows
    if not missing and has_owners:
        return
    r = max(ws.max_row, 1) + 2
    if has_owners:  # keep the Owners table last: new rows go above it
        r = rows[OWNERS_LABEL.lower()]
        ws.insert_rows(r, len(missing) + 1)
    elif len(missing) == len(EMAIL_ROWS):
        # The emails start a printed page of their own: the long messages would otherwise
        # leave a row or two of them at the foot of a page.
        ws.row_breaks.append(Break(id=r - 1))
    for label, _, default, meaning in missing:
        ws.cell(r, 1, label).alignment = WRAP_TOP
        if default is not None:
            set_value(ws.cell(r, 2), default)
            ws.cell(r, 2).alignment = WRAP_TOP
        ws.cell(r, 3, meaning).alignment = WRAP_TOP
        _fit_row(ws, r)
        r += 1
    if not has_owners:
        r += 1
        # and so does the Owners table, below its header whatever the messages' heights
        ws.row_breaks.append(Break(id=r - 1))
        ws.cell(r, 1, OWNERS_LABEL).font = SUBTITLE_FONT
        ws.cell(r, 1).alignment = WRAP_TOP
        ws.cell(
            r,
            2,
            "Each action owner as written in the plan (edi_xl adds new ones), their "
            "email address and who to copy in. Fill in the addresses once.",
        ).alignment = WRAP_TOP
        _fit_row(ws, r)
        for c, text in enumerate(OWNERS_HEADERS, start=1):
            cell = ws.cell(r + 1, c, text)
            cell.font, cell.fill = HEADER_FONT, HEADER_FILL


def write_settings(wb: Workbook, settings: Settings, source: str = "") -> list[Change]:
    """Make the Settings sheet if missing; set the as-at date. Returns the changes made."""
    changes: list[Change] = []
    if SETTINGS not in wb.sheetnames:
        ws = wb.create_sheet(SETTINGS)
        ws["A1"] = "Settings"
        ws["A1"].font = TITLE_FONT
        ws["A2"] = (
            "edi_xl reads this sheet. The as-at date is the date status is worked out for; "
            "the words in column B are what the Status column shows for each RAG colour."
        )
        ws["A2"].font = SUBTITLE_FONT
        ws["A4"] = AS_AT_LABEL
        ws["A5"] = TRUST_LABEL
        ws["A7"], ws["B7"], ws["C7"] = "RAG colour", "Status word", "Meaning"
        for c in ("A7", "B7", "C7"):
            ws[c].font, ws[c].fill = HEADER_FONT, HEADER_FILL
        for i, rag in enumerate(RAG):
            ws.cell(8 + i, 1, rag.value)
            ws.cell(8 + i, 2, settings.words[rag])
            ws.cell(8 + i, 3, RAG_MEANING[rag])
        if settings.trust_name:
            set_value(ws["B5"], settings.trust_name)
        widths = {"A": 22, "B": 40, "C": 60}  # B: room for the email messages
        for r, (label, attr, default, meaning) in enumerate(FOLDER_ROWS, start=9 + len(RAG)):
            ws.cell(r, 1, label).alignment = WRAP_TOP
            set_value(ws.cell(r, 2), getattr(settings, attr) or default)
            ws.cell(r, 2).alignment = WRAP_TOP
            ws.cell(r, 3, meaning).alignment = WRAP_TOP
            _fit_row(ws, r, widths)
        first = 9 + len(RAG) + len(FOLDER_ROWS) + 1
        ws.cell(first, 1, BOARD_HEADING).font = HEADER_FONT
        ws.cell(first, 1).fill = HEADER_FILL
        for r, (label, attr, meaning) in enumerate(BOARD_ROWS, start=first + 1):
            ws.cell(r, 1, label).alignment = WRAP_TOP
            value = getattr(settings, attr)
            if value is not None:
                fmt = "dd mmm yyyy" if isinstance(value, date) else None
                set_value(ws.cell(r, 2), value, number_format=fmt)
            ws.cell(r, 2).alignment = WRAP_TOP  # (a paper's title: whole on paper too)
            ws.cell(r, 3, meaning).alignment = WRAP_TOP
            _fit_row(ws, r, widths)
        for letter, width in widths.items():
            ws.column_dimensions[letter].width = width
        ws["A2"].alignment = WRAP_TOP
        ws.merge_cells("A2:C2")
        ws.row_dimensions[1].height = 22  # a 14-point title
        ws.row_dimensions[2].height = row_height([(ws["A2"].value, sum(widths.values()))])
        fit_to_width(ws)
    ws = wb[SETTINGS]
    _ensure_email_rows(ws)
    row = _label_rows(ws).get(AS_AT_LABEL.lower())
    if row is None:  # the label was deleted: put it back below what is there
        row = ws.max_row + 2
        ws.cell(row, 1, AS_AT_LABEL)
    cell = ws.cell(row, 2)
    if settings.as_at is not None:
        # as it shows: a formula of the trust's (=TODAY()) showing this date is kept
        shown = _shown(ws, row, 2)
        old = shown.date() if isinstance(shown, datetime) else shown
        if old != settings.as_at:
            set_value(cell, settings.as_at, number_format="dd mmm yyyy")
            changes.append(Change("", f"{SETTINGS}: {AS_AT_LABEL}", old, settings.as_at, source))
    _define_name(wb, AS_AT_NAME, f"{SETTINGS}!$B${row}")
    _fit_typed_rows(ws)
    return changes


def _fit_typed_rows(ws: Worksheet) -> None:
    """The rows of Settings HR type into (the front sheet's, the Owners table's) as tall as
    their wrapped text needs, so they print whole (a paper's title, a name and job title); a
    row is never made shorter."""
    rows = _label_rows(ws)
    typed = [(rows[label.lower()], 2) for label, _, _ in BOARD_ROWS if label.lower() in rows]
    header = _owners_header_row(ws, rows)
    if header is not None:
        r = header + 1
        while _shown(ws, r, 1) not in (None, ""):
            typed.append((r, 1))
            r += 1
    widths: dict[int, float] = {}
    wrap_top = wrap_top_setter(ws.parent)
    for r, c in typed:
        value = _shown(ws, r, c)
        if value is None:
            continue
        text = str(value)
        width = widths.get(c) or widths.setdefault(c, shown_width(ws, c))
        if "\n" not in text and len(text) < width:  # (on one line: nothing to wrap or grow)
            continue
        cell = ws.cell(r, c)  # (the value, wrapped in its column: as a master made now has it)
        old = ws.parent._alignments[cell._style.alignmentId] if cell.has_style else None
        if old is None or (old.horizontal is None and old.vertical in (None, "top")):
            if old is None or not old.wrap_text:
                wrap_top(cell)  # (the plain case, hundreds of owners: no style to hash)
        elif not old.wrap_text:
            cell.alignment = Alignment(
                horizontal=old.horizontal, vertical=old.vertical or "top", wrap_text=True
            )
        if c == 1:  # (an owner's row: only the name is wrapped, and read here)
            needed = row_height([(text, width)])
            now = ws.row_dimensions[r].height if r in ws.row_dimensions else None
            if needed > ROW_POINTS and (now is None or now < needed):
                ws.row_dimensions[r].height = needed
        else:  # (a front-sheet row: its label and meaning wrap too)
            _fit_row(ws, r, grow_only=True)


def write_lists(wb: Workbook, words: dict[RAG, str]) -> None:
    """The Lists sheet holds the dropdown choices; edi_xl owns it and rewrites it."""
    made = LISTS not in wb.sheetnames
    ws = wb.create_sheet(LISTS) if made else wb[LISTS]
    status = [words[rag] for rag in RAG]
    pcs = [*PROTECTED_CHARACTERISTICS, ALL]
    columns = (("Status", status), ("Protected Characteristic", pcs))
    for c, (header, values) in enumerate(columns, start=1):
        for r, value in enumerate([header, *values], start=1):
            if comparable(ws.cell(r, c).value) != value:
                set_value(ws.cell(r, c), value)
        ws.cell(1, c).font = HEADER_FONT
        ws.cell(1, c).fill = HEADER_FILL
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 32
    # A helper sheet: made hidden, so it is neither in the way nor printed (the dropdowns
    # still read it). A person can unhide it in Excel; refresh leaves it as they set it.
    if made and not _only_visible_sheet(wb, ws):
        ws.sheet_state = "hidden"
    _define_name(wb, STATUS_LIST, f"{LISTS}!$A$2:$A${1 + len(status)}")
    _define_name(wb, CHARACTERISTIC_LIST, f"{LISTS}!$B$2:$B${1 + len(pcs)}")


def _only_visible_sheet(wb: Workbook, ws: Worksheet) -> bool:
    return all(other is ws or other.sheet_state != "visible" for other in wb.worksheets)


def change_log_sheet(wb: Workbook) -> Worksheet:
    if CHANGE_LOG in wb.sheetnames:
        return wb[CHANGE_LOG]
    ws = wb.create_sheet(CHANGE_LOG)
    for c, header in enumerate(CHANGE_LOG_HEADERS, start=1):
        cell = ws.cell(1, c, header)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    for letter, width in zip("ABCDEF", (17, 7, 20, 40, 40, 34), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = "A1:F1"
    fit_to_width(ws, header_row=1)
    return ws


def append_changes(wb: Workbook, changes: list[Change], when: datetime) -> None:
    """Add one Change Log line per change (text kept as text, never a formula). On a log read
    as values (``load_master(log_as_values=True)``) the lines are kept as the values of their
    cells (:func:`~edi_xl.master.loading.add_new_lines`), which the save writes into the file
    as they are, else made cells."""
    if not changes:
        return
    ws = change_log_sheet(wb)
    row = _last_line(ws) + 1
    # Thousands of lines: each cell is stored with its look (see alignment_setter) and its
    # value as set_value stores it (set_plain), in rows below every cell the sheet has.
    wrap_top = alignment_style(wb, WRAP_TOP_LEFT)  # ("109" against "round started ...")
    widths = [shown_width(ws, col) for col in _LOG_COLUMNS]
    # The time left-aligned, so that it never touches the action number beside it. (Cells
    # made apart from the sheet, only to work out what they store.)
    first = Cell(ws, row=row, column=1)  # every line's time is stored as this cell is
    set_value(first, when, number_format="yyyy-mm-dd hh:mm")
    alignment_setter(wb, LEFT_TOP)(first)
    time_cell: NewCell = (first._value, first.data_type, first._style)
    set_height = row_height_setter(ws)
    # A value is stored, with its look, the same on every line it is on (a field's name, a
    # status, a file's name): worked out once per value and type, and the line's cells are
    # then one object (the save writes each once: patch._lines_xml). Not a float: 0.0 and
    # -0.0 are equal, and are written apart.
    stored: dict[tuple[type, Any], NewCell] = {}
    scratch: dict[tuple[int, int], Any] = {}
    lines = ColumnLines(widths)
    log: list[NewLine] = []
    for change in changes:
        values: tuple[Any, ...] = (
            when,
            change.id,
            change.field,
            change.old,
            change.new,
            change.source,
        )
        cells = [time_cell]
        for value in values[1:]:
            kind = type(value)
            if kind is float:
                cells.append((value, "n", wrap_top))
                continue
            key = (kind, value)
            shared = kind is str or kind is int or value is None
            new = stored.get(key) if shared else None
            if new is None:
                if value is None or kind is int:
                    new = (value, "n", wrap_top)
                else:
                    cell = new_cell(ws, row, 1, wrap_top, cells=scratch)
                    set_plain(cell, value if kind is str else _log_value(value))
                    new = (cell._value, cell.data_type, cell._style)
                if shared:
                    stored[key] = new
            cells.append(new)
        log.append((row, tuple(cells)))
        most = 1  # the row's lines, as row_height counts them
        for c in range(2, 6):
            value = values[c]
            if value is None:
                continue
            text = value if type(value) is str else str(value)
            if text:
                most = max(most, lines.lines(c, text))
        height = lines_height(most)
        if height > ROW_POINTS:
            set_height(row, height)
        row += 1
    if holds_new_lines(ws):
        add_new_lines(ws, log)
    else:
        for r, line in log:
            for col, (value, data_type, style) in enumerate(line, 1):
                new_cell(ws, r, col, style, value, data_type)
    ws._current_row = max(ws._current_row, row - 1)  # what ws.cell keeps (for ws.append)
    ws.auto_filter.ref = f"A1:F{row - 1}"


def _log_value(value: Any) -> Any:
    if isinstance(value, datetime | date | int | float) or value is None:
        return value
    return str(value)


def _last_line(ws: Worksheet) -> int:
    """The Change Log's last row holding a cell: its cells' and those of the lines it was
    loaded with as values (:func:`edi_xl.master.plan.load_master`, ``log_as_values``)."""
    kept = new_lines(ws)
    if kept:  # (below every cell and value the sheet has)
        return kept[-1][0]
    loaded = sheet_values(ws)
    return max(ws.max_row, loaded.last_row if loaded is not None else 0)


_ROW = itemgetter(0)  # a loaded value's row
_LOG_COLUMNS = range(1, 7)  # a line's: when, #, field, old, new, source


def changes_in_order(wb: Workbook, fields: tuple[str, ...]) -> list[tuple[str, str, Any, Any, Any]]:
    """The Change Log's lines of ``fields``, as (action, field, old, new, source), in the order
    of their times (a log sorted newest first keeps them), the row order breaking ties."""
    lines = [
        (
            (when if isinstance(when, datetime) else datetime.min, n),
            str(action_id).strip(),
            fld,
            old,
            new,
            source,
        )
        for n, (when, action_id, fld, old, new, source) in enumerate(read_change_log(wb))
        if fld in fields and action_id is not None
    ]
    return [line[1:] for line in sorted(lines, key=lambda line: line[0])]


def last_changes(wb: Workbook, field: str) -> dict[str, tuple[Any, Any, Any]]:
    """action -> (old, new, source) of the Change Log's latest line of ``field`` for it
    (:func:`changes_in_order`)."""
    return {key: (old, new, source) for key, _, old, new, source in changes_in_order(wb, (field,))}


def read_change_log(wb: Workbook) -> list[tuple[Any, ...]]:
    """Every Change Log line, as (when, id, field, old, new, source): the rows under the
    headers that hold anything (in any column), in order; the lines loaded as values and
    those added since alike."""
    if CHANGE_LOG not in wb.sheetnames:
        return []
    ws = wb[CHANGE_LOG]
    rows: dict[int, dict[int, Any]] = {}
    loaded = sheet_values(ws)
    # a year's log is 200,000 values: each row's taken together (the file has them in order)
    for r, cells in groupby(loaded.cells if loaded is not None else (), _ROW):
        rows.setdefault(r, {}).update({c: value for _, c, value, _, _ in cells})
    for (r, c), cell in cells_but_new_lines(ws).items():
        if cell._value is not None:
            rows.setdefault(r, {})[c] = cell._value
    for r, line in new_lines(ws):  # (the lines added since, not made cells)
        rows.setdefault(r, {}).update((c, v[0]) for c, v in enumerate(line, 1) if v[0] is not None)
    return [
        tuple(map(row.get, _LOG_COLUMNS))
        for r, row in sorted(rows.items())
        if r >= 2 and any(row.values())
    ]
