"""Owner returns: one workbook per action owner, asking for a status and an update.

Each quarter HR send every action owner the rows they own and ask for a status and an update.
:func:`make_owner_returns` reads the master and writes, in a folder, one plain ``.xlsx`` per
owner (never ``.xlsm``: NHS mail and Mark-of-the-Web block macros), named after the owner
(:func:`edi_xl.core.filenames.safe_filename`, de-duplicated).

The sheet "Your actions" shows the owner's actions (``# | Action | Due Date | Status |
Last update | Update as at <date>``). Only the Status and the new update cells can be changed:
the sheet is protected (no password unless one is given), those cells are unlocked and shaded
yellow (nothing else is), rows are as tall as their text, a legend says what each Status word
means and the top says by when to reply. Status has a dropdown of the master's status words
(a warning, not a stop, so "done" can still be typed). A very hidden sheet ``_edi_xl``
records what was sent (format, version, master, owner, as-at date, when, the header row,
and per action its id, rows and a fingerprint of what was sent) so that a later merge can
recognise the file and tell whether the master changed since: see
:func:`read_return_metadata` and :func:`row_fingerprint`.

Not sent (reported in :attr:`ReturnsResult.not_sent`, in master order):

- actions with no owner ("no action owner") and with no action number ("no action number"):
  a person has to fix the master;
- complete (Blue) actions ("complete"): there is nothing to ask. An owner whose actions are
  all complete gets no file.

Owners are grouped ignoring case and spacing ("Equality & Diversity Lead" and "equality &
diversity  lead" are one owner, shown as first written). A cell naming two people is one owner.
Actions sharing a number are sent like any other; the metadata keeps their master rows.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

if TYPE_CHECKING:
    from edi_xl.flows.emails import Drafts

from edi_xl.core.dates import DateKind, is_a_timescale, long_date, parse_date
from edi_xl.core.errors import EdiXlError, UnreadableFileError, WorkbookWriteError, cannot_open
from edi_xl.core.filenames import unique_names
from edi_xl.core.model import Action
from edi_xl.core.problems import NOT_SENT_OWNER_NOT_NAMED, Code, Problem, problem
from edi_xl.core.rounds import latest_round, update_header
from edi_xl.core.status import RAG
from edi_xl.core.text import cell_text, names_someone, plural
from edi_xl.master.cells import set_value
from edi_xl.master.labels import read_label
from edi_xl.master.plan import load_master, read_master_plan
from edi_xl.master.printing import apply_print_setup
from edi_xl.master.save import backup_path, office_lock_file, opened_by, save_atomic
from edi_xl.master.sheets import no_round_date_error
from edi_xl.master.styles import (
    GRID_BORDER,
    SUBTITLE_FONT,
    TITLE_FONT,
    WRAP_TOP,
    row_height,
    style_header,
)

__all__ = [
    "FORMAT",
    "META_SHEET",
    "RETURN_SHEET",
    "VERSION",
    "OwnerReturn",
    "ReturnMetadata",
    "SentRow",
    "ReturnsResult",
    "last_update_text",
    "make_owner_returns",
    "metadata_from_rows",
    "read_return_metadata",
    "returns_in",
    "write_metadata",
    "row_fingerprint",
]

RETURN_SHEET = "Your actions"
META_SHEET = "_edi_xl"
FORMAT = "edi_xl owner return"
VERSION = 1
SUFFIX = ".xlsx"

HEADER_ROW = 6  # title, for, instructions, status key, blank, header
FIRST_ROW = HEADER_ROW + 1
#: (header, width) of the return's columns; the last header is the round's update header.
COLUMNS: tuple[tuple[str, float], ...] = (
    ("#", 7),
    ("Action", 48),
    ("Due Date", 12),
    ("Status", 20),
    ("Last update", 40),
    ("", 48),  # update_header(as_at)
)
ID_COL, ACTION_COL, DUE_COL, STATUS_COL, LAST_COL, UPDATE_COL = range(1, 7)
EDITABLE_COLS = (STATUS_COL, UPDATE_COL)

INSTRUCTIONS = (
    "Fill in the two yellow columns: choose a Status for each action from the list, and write "
    "your update in the last column. Please do not change other cells, add rows or rename "
    "columns. Save and send this file back to the EDI team."
)
#: What each RAG colour means, in plain words, for the legend.
LEGEND_MEANING: dict[RAG, str] = {
    RAG.GREEN: "on track",
    RAG.AMBER: "at risk of missing the date",
    RAG.RED: "date passed",
    RAG.BLUE: "complete, with evidence",
}
#: Days after the as-at date a reply is asked for, when no reply-by date is given.
DEFAULT_REPLY_DAYS = 14
TITLE_ROW_POINTS = 22.0
EDITABLE_FILL = PatternFill("solid", fgColor="FFF2CC")
OWNER_FONT = Font(bold=True, size=12)


#: Metadata keys, in the order written (rows 1.. of the _edi_xl sheet, A = key, B = value).
META_KEYS = (
    "format",
    "version",
    "master",
    "owner",
    "as_at",
    "created",
    "header_row",
    "sheet",
    "update_header",
)
META_TABLE_HEADER = ("id", "row", "fingerprint", "master_row")
STATUS_LIST_NAME = "OwnerStatusList"
STATUS_WORDS_COL = 6  # F of the _edi_xl sheet, used when the words cannot be an inline list
#: read_return_metadata reads no further than this (a hostile file may declare a huge sheet).
MAX_META_ROWS = 20_000


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OwnerReturn:
    """One file written: whose it is, where, and the action numbers in it (in master order)."""

    owner: str
    path: Path
    action_ids: list[str]


@dataclass
class ReturnsResult:
    """What :func:`make_owner_returns` wrote and what it did not send (and why)."""

    as_at: date
    files: list[OwnerReturn]
    not_sent: list[Problem]  # coded: not_sent_no_id, not_sent_no_owner, not_sent_complete
    master: Path | None = None
    #: the email draft written beside each return (edi_xl.flows.emails), and owners with no address
    drafts: Drafts | None = None
    #: files in the folder that edi_xl did not write (a workbook of the user's, an email),
    #: named as a return or its draft would be: kept, the return given another name
    kept: list[Path] = field(default_factory=list)

    def kept_lines(self) -> list[str]:
        """A line for each file of the user's kept (:attr:`kept`), as the command and the
        button say it."""
        return [
            f"kept: {path.name}: not written by edi_xl, so not replaced; the return that would "
            "have had its name has another (listed)"
            for path in self.kept
        ]

    @property
    def unowned(self) -> list[str]:
        """Ids of actions not sent because nobody owns them."""
        return [p.action_id or "" for p in self.not_sent if p.code is Code.NOT_SENT_NO_OWNER]

    @property
    def needs_attention(self) -> bool:
        """True when some actions were not sent for a reason a person must fix (not "complete")."""
        return any(p.code is not Code.NOT_SENT_COMPLETE for p in self.not_sent)


@dataclass(kw_only=True)
class SentRow:
    """One action as it was sent (the hidden record of a return): its id, its row in the
    return, its fingerprint, its master row. What comes back in that row is an
    :class:`edi_xl.flows.intake.ReturnRow`."""

    id: str
    row: int | None = None
    fingerprint: str | None = None
    master_row: int | None = None


@dataclass(kw_only=True)
class ReturnMetadata:
    """What the hidden ``_edi_xl`` sheet of an owner return says.

    Values that cannot be read are None and explained in ``problems``.
    """

    format: str
    version: int | None = None
    master: str | None = None
    owner: str | None = None
    as_at: date | None = None
    created: datetime | None = None
    header_row: int | None = None
    sheet: str | None = None
    update_header: str | None = None
    rows: list[SentRow] = field(default_factory=list)
    #: what of the record could not be read, in words (merge flags it: return_record_damaged)
    damage: list[str] = field(default_factory=list)

    def by_id(self) -> dict[str, SentRow]:
        return {r.id: r for r in self.rows}


# --- what is sent ------------------------------------------------------------------------------


def _norm(text: str | None) -> str | None:
    """A sent text as :func:`cell_text` has it, with its line endings made "\\n"."""
    return cell_text(text.replace("\r\n", "\n").replace("\r", "\n")) if text else None


def row_fingerprint(
    action_id: str | None,
    action_text: str | None,
    due_text: str | None,
    status_text: str | None,
    last_update: str | None,
) -> str:
    """The first 16 hex digits of the SHA-256 of the JSON of what was sent for one action.

    Each value is stripped (line endings made ``\\n``); empty text counts as None. The due
    date is its text as :class:`edi_xl.core.dates.DateValue` gives it (ISO for a date cell).
    """
    values = [_norm(v) for v in (action_id, action_text, due_text, status_text, last_update)]
    payload = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def last_update_text(action: Action, as_at: date) -> str | None:
    """The action's latest update with text, from a round before ``as_at``.

    Normally the current update (the latest round's). Rounds dated on or after ``as_at`` are
    the round being asked for, not a "last" update; a blank latest round does not hide the
    one before it. Undated rounds count as older than dated ones
    (:func:`edi_xl.core.rounds.latest_round`).
    """
    written = [u for u in action.updates if u.text and u.text.strip()]
    i = latest_round([u.as_at for u in written], before=as_at)
    return written[i].text if i is not None else None


def _due_value(action: Action) -> Any:
    """The due date as the master held it: a date cell stays a date, text stays text."""
    raw = action.due.raw
    if isinstance(raw, datetime | date) or raw is None or isinstance(raw, str):
        return raw
    if action.due.kind is DateKind.EXACT and action.due.date is not None:  # an Excel serial
        return action.due.date
    return action.due.text or None


def _owner_key(owner: str) -> str:
    return " ".join(owner.split()).casefold()


@dataclass
class _Group:
    owner: str
    actions: list[Action] = field(default_factory=list)


def group_by_owner(actions: list[Action]) -> tuple[list[_Group], list[Problem]]:
    """The owners sent a return, each with their actions, and the actions sent to nobody (no
    number, no owner or an owner cell that is a timescale, complete: why, as problems). Chase
    and the Returns sheet count the round's owners by it too."""
    groups: dict[str, _Group] = {}
    not_sent: list[Problem] = []
    for action in actions:
        sheet = action.origin.sheet if action.origin else None
        row = action.origin.row if action.origin else None
        if not action.id:
            template = None if row else "no action number"
            not_sent.append(problem(Code.NOT_SENT_NO_ID, template=template, sheet=sheet, row=row))
        elif not names_someone(action.owner):  # (empty, "-", "N/A": as check says)
            not_sent.append(
                problem(Code.NOT_SENT_NO_OWNER, action_id=action.id, sheet=sheet, row=row)
            )
        elif is_a_timescale(action.owner):  # ("Business as usual": check's owner_not_named)
            not_sent.append(
                problem(
                    Code.NOT_SENT_NO_OWNER,
                    template=NOT_SENT_OWNER_NOT_NAMED,
                    action_id=action.id,
                    sheet=sheet,
                    row=row,
                    value=action.owner,
                )
            )
        elif action.status is RAG.BLUE:
            not_sent.append(
                problem(Code.NOT_SENT_COMPLETE, action_id=action.id, sheet=sheet, row=row)
            )
        else:
            owner = " ".join((action.owner or "").split())  # (named: names_someone)
            groups.setdefault(_owner_key(owner), _Group(owner)).actions.append(action)
    return list(groups.values()), not_sent


# --- writing one return ------------------------------------------------------------------------


def _status_validation(words: list[str], wb: Workbook, meta: Worksheet) -> DataValidation:
    """The Status dropdown: an inline list, or a named range on the hidden sheet if need be."""
    inline = ",".join(words)
    if any("," in w or '"' in w for w in words) or len(inline) > 250:
        for r, word in enumerate(["status words", *words], start=1):
            set_value(meta.cell(r, STATUS_WORDS_COL), word)
        col = get_column_letter(STATUS_WORDS_COL)
        ref = f"'{META_SHEET}'!${col}$2:${col}${1 + len(words)}"
        wb.defined_names[STATUS_LIST_NAME] = DefinedName(STATUS_LIST_NAME, attr_text=ref)
        formula = STATUS_LIST_NAME
    else:
        formula = f'"{inline}"'
    return DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showDropDown=False,  # (sic) False shows the in-cell arrow
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle="Status",
        error=f"Please choose one of: {', '.join(words)}. Click Yes to keep what you typed.",
        showInputMessage=True,
        promptTitle="Status",
        prompt="Choose from the list.",
    )


def legend(words: dict[RAG, str]) -> str:
    """The Status legend: each word, its colour and what it means, in plain words, and that
    a Status chosen for an action past its due date does not make it less than Red (the
    merge keeps it Red, and flags ``status_overridden``: said before the owner chooses)."""
    return (
        "Status: "
        + "; ".join(
            f"{words[rag]} ({rag.value}) — {LEGEND_MEANING[rag]}"
            if words[rag].casefold() != LEGEND_MEANING[rag].casefold()
            else f"{words[rag]} ({rag.value})"
            for rag in RAG
        )
        + f". An action past its due date stays {words[RAG.RED]} unless it is "
        f"{words[RAG.BLUE]}: say in your update what is left to do and by when."
    )


def reply_by_text(as_at: date, reply_by: date | None) -> str:
    """The reply-by line: the date given, or two weeks after the as-at date (said so)."""
    if reply_by is not None:
        return f"Please reply by {long_date(reply_by)}."
    default = as_at + timedelta(days=DEFAULT_REPLY_DAYS)
    return (
        f"Please reply by {long_date(default)} "
        f"({DEFAULT_REPLY_DAYS} days after the as-at date, {long_date(as_at)})."
    )


def _write_table(
    ws: Worksheet,
    owner: str,
    actions: list[Action],
    as_at: date,
    words: dict[RAG, str],
    reply_by: date | None = None,
) -> list[tuple[Action, int, str]]:
    """Title rows and the table; returns (action, row, fingerprint) per action."""
    set_value(ws.cell(1, 1), f"Equality action plan: your update as at {long_date(as_at)}")
    ws.cell(1, 1).font = TITLE_FONT
    ws.row_dimensions[1].height = TITLE_ROW_POINTS
    set_value(ws.cell(2, 1), f"For: {owner}")
    ws.cell(2, 1).font = OWNER_FONT
    ws.row_dimensions[2].height = 18.0  # 12-point bold
    table_width = sum(width for _, width in COLUMNS)
    last = get_column_letter(len(COLUMNS))
    for r, text in ((3, f"{reply_by_text(as_at, reply_by)} {INSTRUCTIONS}"), (4, legend(words))):
        set_value(ws.cell(r, 1), text)
        ws.cell(r, 1).font = SUBTITLE_FONT
        ws.cell(r, 1).alignment = WRAP_TOP
        ws.merge_cells(f"A{r}:{last}{r}")  # across the table, wrapped: never cut at its edge
        ws.row_dimensions[r].height = row_height([(text, table_width)])

    headers = [h for h, _ in COLUMNS[:-1]] + [update_header(as_at)]
    for col, (text, (_, width)) in enumerate(zip(headers, COLUMNS, strict=True), start=1):
        cell = ws.cell(HEADER_ROW, col)
        set_value(cell, text)
        style_header(cell)
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.row_dimensions[HEADER_ROW].height = row_height(
        zip(headers, (width for _, width in COLUMNS), strict=True), chars_per_width=0.95
    )

    sent: list[tuple[Action, int, str]] = []
    for row, action in enumerate(actions, start=FIRST_ROW):
        last = last_update_text(action, as_at)
        values: dict[int, Any] = {
            ID_COL: action.id,
            ACTION_COL: action.action,
            DUE_COL: _due_value(action),
            STATUS_COL: action.status_text,
            LAST_COL: last,
            UPDATE_COL: None,
        }
        for col, value in values.items():
            cell = ws.cell(row, col)
            set_value(cell, value, number_format="@" if col == ID_COL else None)
            cell.alignment = WRAP_TOP
            cell.border = GRID_BORDER
            if col in EDITABLE_COLS:
                cell.protection = Protection(locked=False)
                cell.fill = EDITABLE_FILL
        # Rows as tall as their text, as in the master: a spreadsheet program does not grow
        # them, and wrapped text would print over the next row.
        ws.row_dimensions[row].height = row_height(
            (value, COLUMNS[col - 1][1]) for col, value in values.items() if isinstance(value, str)
        )
        fingerprint = row_fingerprint(
            action.id, action.action, action.due.text, action.status_text, last
        )
        sent.append((action, row, fingerprint))
    return sent


def _protect(ws: Worksheet, password: str | None) -> None:
    """Protect the sheet. In OOXML a true attribute means the action is *blocked*."""
    p = ws.protection
    p.sheet = True
    p.formatColumns = False  # allowed: widen columns
    p.formatRows = False  # allowed: make rows taller
    p.selectLockedCells = False  # allowed: select (and copy) the read-only text
    p.selectUnlockedCells = False  # allowed: select the cells to fill in
    p.formatCells = p.insertColumns = p.insertRows = p.insertHyperlinks = True
    p.deleteColumns = p.deleteRows = p.sort = p.autoFilter = p.pivotTables = True
    p.objects = p.scenarios = True
    if password:
        p.set_password(password)


def _write_metadata(
    meta: Worksheet,
    *,
    master_name: str,
    owner: str,
    as_at: date,
    created: datetime,
    sent: list[tuple[Action, int, str]],
) -> None:
    write_metadata(
        meta,
        ReturnMetadata(
            format=FORMAT,
            version=VERSION,
            master=master_name,
            owner=owner,
            as_at=as_at,
            created=created,
            header_row=HEADER_ROW,
            sheet=RETURN_SHEET,
            update_header=update_header(as_at),
            rows=[
                SentRow(
                    id=action.id,
                    row=row,
                    fingerprint=fingerprint,
                    master_row=action.origin.row if action.origin else None,
                )
                for action, row, fingerprint in sent
            ],
        ),
    )


def write_metadata(meta: Worksheet, metadata: ReturnMetadata) -> None:
    """Write ``metadata`` into the (new, empty) sheet ``meta`` and make it very hidden."""
    values: dict[str, Any] = {key: getattr(metadata, key) for key in META_KEYS}
    for key in ("as_at", "created"):
        if values[key] is not None:
            values[key] = values[key].isoformat()
    for r, key in enumerate(META_KEYS, start=1):
        set_value(meta.cell(r, 1), key)
        set_value(meta.cell(r, 2), values[key], number_format="@")
    top = len(META_KEYS) + 2
    for c, header in enumerate(META_TABLE_HEADER, start=1):
        set_value(meta.cell(top, c), header)
    for r, sent in enumerate(metadata.rows, start=top + 1):
        set_value(meta.cell(r, 1), sent.id, number_format="@")
        set_value(meta.cell(r, 2), sent.row)
        set_value(meta.cell(r, 3), sent.fingerprint)
        set_value(meta.cell(r, 4), sent.master_row)
    meta.sheet_state = "veryHidden"


def _build_return(
    owner: str,
    actions: list[Action],
    *,
    as_at: date,
    words: dict[RAG, str],
    master_name: str,
    created: datetime,
    password: str | None,
    reply_by: date | None = None,
) -> Workbook:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = RETURN_SHEET
    meta = wb.create_sheet(META_SHEET)
    sent = _write_table(ws, owner, actions, as_at, words, reply_by)
    last_row = max(FIRST_ROW, FIRST_ROW + len(actions) - 1)

    dv = _status_validation([words[rag] for rag in RAG], wb, meta)
    status = get_column_letter(STATUS_COL)
    dv.add(f"{status}{FIRST_ROW}:{status}{last_row}")
    ws.add_data_validation(dv)

    ws.freeze_panes = f"B{FIRST_ROW}"
    apply_print_setup(ws, header_row=HEADER_ROW, as_at=as_at)
    _protect(ws, password)
    _write_metadata(
        meta, master_name=master_name, owner=owner, as_at=as_at, created=created, sent=sent
    )
    wb.active = 0
    ws.sheet_view.tabSelected = True
    meta.sheet_view.tabSelected = False
    wb.properties.creator = "edi_xl"
    wb.properties.title = f"Equality action plan: update as at {long_date(as_at)}"
    wb.properties.created = wb.properties.modified = created
    return wb


# --- the folder of returns ---------------------------------------------------------------------


def make_owner_returns(
    master: str | Path,
    out_dir: str | Path,
    as_at: date | None = None,
    *,
    password: str | None = None,
    now: datetime | None = None,
    force: bool = False,
    drafts: bool = True,
    reply_by: date | None = None,
    workbook: Workbook | None = None,
) -> ReturnsResult:
    """Write one owner return per action owner of ``master`` into ``out_dir``.

    ``as_at`` defaults to the as-at date on the master's Settings sheet. ``out_dir`` is
    created if missing; a return of an earlier round of the same name there is replaced
    (atomically, no backup); a file edi_xl did not write (:func:`files_not_ours`) is never
    replaced: the return takes another name, and the file is listed in ``kept``; other files
    are left alone. ``password`` protects the sheet with one (none by default:
    the protection is there to prevent accidents, not to keep anyone out). ``now`` is the
    creation time recorded in the files (default: the clock).

    A folder already holding returns of the same round is refused unless ``force``: owners
    may have edited them. With ``drafts``, an email draft (``.eml``, :mod:`edi_xl.flows.emails`)
    is written beside each return, to the owner's address on the Settings sheet.
    ``reply_by`` is the date shown at the top of each return and in the drafts (default: the
    Reply by date on Settings, else :data:`DEFAULT_REPLY_DAYS` after ``as_at``, said so).
    ``workbook``: the master already open (the buttons' workbook, made from the open
    workbook, formulas and what they show), read in place of the file at ``master``.
    A master with a sensitivity label gives each return the same label
    (:mod:`edi_xl.master.labels`, read from the file at ``master``).
    """
    master = Path(master)
    out = Path(out_dir)
    # (the returns are made from the plan and Settings: not the Summary nor the log)
    wb = (
        workbook
        if workbook is not None
        else load_master(master, remakes_summary=True, log_as_values=True)
    )
    found = read_master_plan(wb, master.name)
    settings, plan = found.settings, found.plan
    as_at = as_at or settings.as_at
    if as_at is None:
        raise no_round_date_error(master.name, settings)
    groups, not_sent = group_by_owner(plan.actions)
    created = (now or datetime.now()).replace(microsecond=0)

    if out.exists() and not out.is_dir():
        raise EdiXlError(f"{out}: is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkbookWriteError(f"{out}: cannot make the folder ({exc.strerror or exc})") from exc

    if not force:
        _refuse_same_round(out, as_at)
    taken: list[str] = []
    if out.resolve() == master.resolve().parent:  # never overwrite the master or its backup
        taken = [master.name, backup_path(master).name]
    # nor a file of the user's named as a return (or its draft) would be: kept, and the
    # return takes another name (which may be another of theirs: until none is)
    theirs = files_not_ours(out)
    kept: list[Path] = []
    while True:
        names = unique_names([g.owner for g in groups], SUFFIX, taken=taken)
        stems = {Path(name).stem.casefold() for name in names}
        clash = [p for p in theirs if p.stem.casefold() in stems and p not in kept]
        if not clash:
            break
        kept += clash
        taken += [p.with_suffix(SUFFIX).name for p in clash]

    # the Reply by date on Settings, as the email drafts use it (a stale one is not shown)
    settings_reply_by = (
        settings.reply_by if settings.reply_by and settings.reply_by >= as_at else None
    )
    open_now = [
        (name, lock) for name in names if (lock := office_lock_file(out / name)) is not None
    ]
    if open_now:  # refused before any is written: never some of the round's returns replaced
        raise WorkbookWriteError(
            f"{out}: {plural(len(open_now), 'return')} to be replaced "
            f"{'is' if len(open_now) == 1 else 'are'} open in Excel or LibreOffice "
            f"({'; '.join(_open_by(name, lock) for name, lock in open_now)}). Close "
            f"{'it' if len(open_now) == 1 else 'them'} and run the command again (if nobody "
            "has one open, delete its lock file: a hidden file). Nothing was written."
        )
    # the master's sensitivity label goes with the returns made from it (emailed out)
    label = read_label(master)
    files: list[OwnerReturn] = []
    for group, name in zip(groups, names, strict=True):
        book = _build_return(
            group.owner,
            group.actions,
            as_at=as_at,
            words=settings.words,
            master_name=master.name,
            created=created,
            password=password,
            reply_by=reply_by or settings_reply_by,
        )
        path = out / name
        save_atomic(book, path, backup=False, label=label)
        files.append(OwnerReturn(group.owner, path, [a.id for a in group.actions]))
    result = ReturnsResult(as_at=as_at, files=files, not_sent=not_sent, master=master)
    result.kept = kept
    if drafts:
        from edi_xl.flows.emails import Drafts, owner_draft

        result.drafts = Drafts()
        for group, written in zip(groups, files, strict=True):
            owner_draft(
                group.owner,
                group.actions,
                settings,
                as_at,
                path=written.path.with_suffix(".eml"),
                attachment=written.path,
                template=settings.email_message,
                drafts=result.drafts,
            )
    return result


def returns_in(folder: Path, as_at: date | None = None) -> list[tuple[Path, ReturnMetadata]]:
    """The owner returns made by edi_xl in ``folder`` (not its subfolders), for the round as
    at ``as_at`` when given."""
    found: list[tuple[Path, ReturnMetadata]] = []
    if not folder.is_dir():
        return found
    for path in sorted(folder.glob("*.xlsx")):
        if path.name.startswith(("~$", ".")):
            continue
        try:
            meta = read_return_metadata(path)
        except UnreadableFileError:
            continue
        if meta is not None and (as_at is None or meta.as_at == as_at):
            found.append((path, meta))
    return found


def files_not_ours(folder: Path) -> list[Path]:
    """The workbooks (``.xlsx``) and emails (``.eml``) in ``folder`` that edi_xl did not
    write: a workbook with no hidden record of a return (:func:`read_return_metadata`; one
    that cannot be read counts as the user's), an email with no ``X-Unsent`` header in its
    first lines. ``edi-xl returns`` writes over its own files of an earlier round, never
    over these: a workbook of the user's named as an owner's return would be lost."""
    found: list[Path] = []
    if not folder.is_dir():
        return found
    for path in sorted(folder.iterdir()):
        suffix = path.suffix.lower()
        if not path.is_file() or suffix not in (SUFFIX, ".eml"):
            continue
        if suffix == SUFFIX:
            try:
                ours = read_return_metadata(path) is not None
            except UnreadableFileError:
                ours = False
        else:
            ours = _is_our_draft(path)
        if not ours:
            found.append(path)
    return found


def _is_our_draft(path: Path) -> bool:
    """Is this email a draft edi_xl wrote (the ``X-Unsent: 1`` header it starts with)?"""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    headers = head.split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
    return any(line.strip().lower() == b"x-unsent: 1" for line in headers.splitlines())


def _refuse_same_round(out: Path, as_at: date) -> None:
    """Never replace returns of this round silently: owners may have edited them."""
    existing = returns_in(out, as_at)
    if not existing:
        return
    names = ", ".join(p.name for p, _ in existing[:3]) + (" ..." if len(existing) > 3 else "")
    raise EdiXlError(
        f"{out}: already holds {plural(len(existing), 'owner return')} for the round as at "
        f"{long_date(as_at)} ({names}); owners may have edited them. Nothing was written. "
        "Use --force to replace them, or write to a new folder (-o)."
    )


# --- reading the metadata back -----------------------------------------------------------------


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            parsed = parse_date(value)
            return parsed.date if parsed.kind is DateKind.EXACT else None
    return None


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _open_by(name: str, lock: Path) -> str:
    """Who has the return ``name`` open, as its lock file says: "Jo Bloggs.xlsx by Sam Smith
    on HR-PC-12, ~$Jo Bloggs.xlsx says so"; the lock file alone when it does not say."""
    who = opened_by(lock)
    return f"{name} by {who}, {lock.name} says so" if who else f"{lock.name} says so"


def metadata_from_rows(rows: list[tuple[Any, ...]]) -> ReturnMetadata | None:
    """The metadata held in the rows of an ``_edi_xl`` sheet (None: not our format)."""
    pairs: dict[str, Any] = {}
    table_at: int | None = None
    for i, row in enumerate(rows):
        key = cell_text(row[0]) if row else None
        if key is None:
            continue
        if key == META_TABLE_HEADER[0] and cell_text(row[1] if len(row) > 1 else None) == "row":
            table_at = i
            break
        pairs.setdefault(key, row[1] if len(row) > 1 else None)
    if cell_text(pairs.get("format")) != FORMAT:
        return None
    damage: list[str] = []

    def read(key: str, convert: Any) -> Any:
        value = pairs.get(key)
        result = convert(value)
        if result is None:
            damage.append(f"{key}: missing" if value is None else f"{key}: cannot read {value!r}")
        return result

    version = read("version", _as_int)
    if version is not None and version > VERSION:
        damage.append(f"version {version} is newer than this edi_xl reads ({VERSION})")
    meta = ReturnMetadata(
        format=FORMAT,
        version=version,
        master=read("master", cell_text),
        owner=read("owner", cell_text),
        as_at=read("as_at", _as_date),
        created=read("created", _as_datetime),
        header_row=read("header_row", _as_int),
        sheet=cell_text(pairs.get("sheet")),
        update_header=cell_text(pairs.get("update_header")),
        damage=damage,
    )
    if table_at is None:
        meta.damage.append("no table of the actions sent")
        return meta
    for row in rows[table_at + 1 :]:
        cells = [*row, None, None, None, None][:4]
        action_id = cell_text(cells[0])
        if action_id is None:
            if any(c is not None for c in cells):
                meta.damage.append("a line of the actions table has no id")
            continue
        meta.rows.append(
            SentRow(
                id=action_id,
                row=_as_int(cells[1]),
                fingerprint=cell_text(cells[2]),
                master_row=_as_int(cells[3]),
            )
        )
    return meta


def read_return_metadata(path: str | Path) -> ReturnMetadata | None:
    """The metadata of an owner return, or None when ``path`` is not one (no ``_edi_xl`` sheet
    or not our format). Odd values do not raise: they are None and listed in ``problems``.
    A file openpyxl cannot open raises :class:`~edi_xl.core.errors.UnreadableFileError`.
    """
    path = Path(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise cannot_open(path, exc) from exc
    try:
        if META_SHEET not in wb.sheetnames:
            return None
        ws = wb[META_SHEET]
        rows: list[tuple[Any, ...]] = []
        for i, row in enumerate(ws.iter_rows(max_col=4, values_only=True)):
            if i >= MAX_META_ROWS:
                break
            rows.append(tuple(row))
        return metadata_from_rows(rows)
    except Exception:  # a sheet openpyxl lists but cannot read (hostile or damaged XML)
        return None
    finally:
        wb.close()
