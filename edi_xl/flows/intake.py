"""Owner returns coming in: find the files, read them safely, find the table in each.

Owners send back whatever they like. This module turns a list of files and folders into
:class:`ReturnFile` records: for each file either the rows of its action table(s), or an
outcome of ``skipped`` (Office lock files, hidden files) or ``rejected`` with a reason a
person can act on ("password protected", "a Word document, not a spreadsheet", "no action
table found"). Reading happens in worker processes (:mod:`edi_xl.read.isolation`), so one broken
file cannot stop the batch.

An owner's reply saved as an email (``.msg``, ``.eml``: :mod:`edi_xl.read.emails`) is
unpacked in a worker too, and each spreadsheet attached to it is a return of its own, read
exactly as if it had been saved into the folder (a job of its own, under its own limits:
:meth:`_Batch.answers`), named ``<email> > <attachment>`` (:func:`attachment_name`). edi_xl's
own drafts (``X-Unsent: 1``) and Outlook's (never sent) are passed over.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import queue
import re
import shutil
import sys
import tempfile
import threading
import zipfile
from collections import Counter
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, NamedTuple

from openpyxl.utils import get_column_letter

from edi_xl.core.errors import EncryptedFileError, NotASpreadsheetError, UnreadableFileError
from edi_xl.core.number_formats import as_shown
from edi_xl.core.problems import Code, Flag, Outcome, Problem, problem
from edi_xl.core.rounds import (
    dated_update_date,
    is_update_header,
    latest_round,
    the_rounds_column,
    update_column_date,
)
from edi_xl.core.status import RAG, parse_status, status_in_words, status_remark
from edi_xl.core.text import cell_text, one_line, plural, shortened, with_links
from edi_xl.flows.owner_returns import (
    COLUMNS,
    LAST_COL,
    MAX_META_ROWS,
    META_SHEET,
    STATUS_COL,
    UPDATE_COL,
    VERSION,
    ReturnMetadata,
    metadata_from_rows,
)
from edi_xl.master.labels import SensitivityLabel, read_label
from edi_xl.master.sheets import CHANGE_LOG, CHANGE_LOG_HEADERS
from edi_xl.read.emails import EMAIL_SUFFIXES, Email, read_email
from edi_xl.read.grid import SheetGrid, is_blank
from edi_xl.read.isolation import FileReader
from edi_xl.read.sniff import sniff_format
from edi_xl.read.sources import SPREADSHEET_FORMATS, WorkbookGrids, core_modified, read_grids
from edi_xl.read.zipped import DAMAGED_PART_ERRORS
from edi_xl.tables.engine import scan_headers
from edi_xl.tables.layouts.trust import (
    ColumnMap,
    clean_text,
    id_text,
    is_action_id,
    is_header_repeat,
    map_columns,
)
from edi_xl.tables.vocabulary import normalise_header

#: Fields an owner may change in a return; every other recognised field is locked.
#: Recognised fields compared with the master to spot edits to locked cells.
LOCKED_FIELDS = ("action", "owner", "due", "start", "theme", "references", "characteristics")
SKIPPED, REJECTED, READ = Outcome.SKIPPED, Outcome.REJECTED, Outcome.READ
#: The owner return's column of the update sent (locked: compared with the master, never
#: taken), by its header in lower case, and the key of its value in ``ReturnRow.locked``.
LAST_UPDATE_HEADER = "Last update"
SENT_LAST_UPDATE = LAST_UPDATE_HEADER.casefold()
LAST_UPDATE = "last_update"
#: Columns of a normalised return that say where a row came from: not data to merge.
PROVENANCE_HEADERS = ("Status as written", "Source sheet", "Source row")


@dataclass
class ReturnRow:
    """One row of an owner's table as it came back (what was sent in it, for a return made by
    ``edi-xl returns``, is its :class:`edi_xl.flows.owner_returns.SentRow`)."""

    file: str
    sheet: str
    row: int  # 1-based, as Excel shows it
    id: str
    id_was_number: bool  # Excel may have turned "7.10" into 7.1
    status: str | None
    update: str | None
    locked: dict[str, Any] = field(default_factory=dict)  # field -> value as written
    #: Values of the table's other columns (header -> value), not read by merge.
    others: dict[str, Any] = field(default_factory=dict)
    #: Whether the table has a Status column (an owner may delete it: then no row's Status
    #: was emptied; the file says the column is gone, ``status_column_missing``)
    status_column: bool = True
    #: The Status or update cells read from a formula's text: words Excel took for a formula
    #: ("-delayed to May"), or a formula saved with no result: column -> (the text, which is
    #: read, and the error Excel showed, ``#NAME?``; "" for no result)
    typed_as_formula: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: What the owner left on the row's cells that no cell's value holds, each (the column,
    #: its header or letter; the cell, "F7"; what was there), never taken, always said
    #: (:func:`not_merged_flags`): ``notes``, the text of a note or comment on a cell;
    #: ``pictures``, a picture placed in the Status or update cell (the text is "");
    #: ``true_false``, the TRUE or FALSE the update cell held (a tick box), not the update;
    #: ``errors``, the error the Status or update cell showed ("#N/A"; the text is "")
    notes: tuple[tuple[str, str, str], ...] = ()
    pictures: tuple[tuple[str, str, str], ...] = ()
    true_false: tuple[tuple[str, str, str], ...] = ()
    errors: tuple[tuple[str, str, str], ...] = ()
    #: The rows below it read as its next lines (:func:`table_rows`), 1-based: their words in
    #: the update and the table's other columns are joined to this row's
    lines: tuple[int, ...] = ()
    #: Those of them with nothing merged to say so (words alone, between this row and the
    #: next action's), each (the row; the columns, quoted; the words, shortened): said
    #: (:func:`carried_on_flags`)
    carried_on: tuple[tuple[int, str, str], ...] = ()

    def emptied_by_the_file(self, column: str) -> bool:
        """Whether ``column``'s cell of the row reads as empty because of what it holds (a
        picture, an error), not because the owner emptied it."""
        return any(c == column for c, _, _ in self.pictures + self.errors)


@dataclass
class ReturnFile:
    """One file of the batch and what came of reading it."""

    path: Path
    name: str  # as shown in reports: relative to the folder given
    outcome: Outcome  # read | skipped | rejected
    #: why it was skipped or rejected (None when it was read)
    problem: Problem | None = None
    rows: list[ReturnRow] = field(default_factory=list)
    stamp: datetime | None = None  # when the owner saved it: inside the file, else mtime
    owner: str | None = None
    update_header: str | None = None  # the header of the column the update was read from
    #: The hidden record of an owner return made by ``edi-xl returns`` (None for other files).
    metadata: ReturnMetadata | None = None
    #: Columns of the table holding text that is not read (``column_not_read`` problems).
    unread: list[Problem] = field(default_factory=list)
    #: Columns of an edi_xl return read by their place as sent, their header renamed
    #: (``header_renamed``), or gone (``status_column_missing``): flagged by merge and
    #: normalise alike.
    renamed: list[Problem] = field(default_factory=list)
    #: The rows past what a return is read up to, left out (``rows_not_read``), if any.
    cut: Problem | None = None
    format: str | None = None  # as sniffed from the content: xlsx, xls, csv...
    #: For a spreadsheet that came attached to an email: the email's name (as ``name`` is
    #: shown) and the attachment's own file name, which ties it to its owner as a file's
    #: name does (``name`` is both: :func:`attachment_name`)
    email: str | None = None
    attachment: str | None = None
    #: The sensitivity label of a spreadsheet attached to an email (read while it was on
    #: disk); a file's own is read from ``path`` when wanted (:func:`label_of`)
    label: SensitivityLabel | None = None
    #: A return with no record of its sending and several dated update columns: the file
    #: read with each earlier one as the update, by its header, for the round whose column
    #: it is (:func:`for_the_round`)
    by_round: tuple[tuple[str, ReturnFile], ...] = ()
    #: The earlier rounds' dated update columns of its tables (their ``history``), each (the
    #: sheet, the header as rows' ``others`` key it, the column's letter): text in them the
    #: master does not hold is said by the merge (:func:`edi_xl.flows.merge.earlier_text`)
    earlier_columns: tuple[tuple[str, str, str], ...] = ()

    def label_of(self) -> SensitivityLabel | None:
        """The return's sensitivity label: an attachment's as read, else its file's."""
        return self.label if self.email is not None else read_label(self.path)

    @property
    def file_name(self) -> str:
        """The name of the spreadsheet itself: the attachment's, else the file's."""
        return self.attachment or Path(self.name).name

    @property
    def reason(self) -> str | None:
        """Why it was skipped or rejected, in words (its problem's message)."""
        return self.problem.message if self.problem else None


def collect(inputs: Sequence[str | Path]) -> list[tuple[Path, str]]:
    """Every file under the inputs (folders with their subfolders), with its display name.

    A name is the path under the folder given (or the file's name). Names are unique: when
    two inputs hold a file of the same name ("HR/return.xlsx", "Estates/return.xlsx"), each
    is shown under its input folder's name, and `` (2)`` is added if that is not enough.
    """
    return [(path, name) for path, name, _ in _collect(inputs)]


def _collect(inputs: Sequence[str | Path]) -> list[tuple[Path, str, Path]]:
    """:func:`collect`, each file with its resolved path too (worked out once a file: a
    folder of 500 returns took 1,500 calls of ``Path.resolve``, before any was read)."""
    found: list[tuple[Path, str, str]] = []  # path, name, name with its input folder
    seen: set[Path] = set()
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            folder = path.resolve().name
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                name = child.relative_to(path).as_posix()
                found.append((child, name, f"{folder}/{name}"))
        else:
            found.append((path, path.name, f"{path.resolve().parent.name}/{path.name}"))
    once: list[tuple[Path, str, str, Path]] = []
    for path, name, qualified in found:
        real = path.resolve()
        if real in seen:  # the same file named twice (a folder and a file in it, a link)
            continue
        seen.add(real)
        once.append((path, name, qualified, real))
    unique: list[tuple[Path, str, Path]] = []
    counts = Counter(name for _, name, _, _ in once)
    taken: set[str] = set()
    for path, name, qualified, real in once:
        shown = name if counts[name] == 1 else qualified
        base, n = shown, 2
        while shown in taken:
            shown, n = f"{base} ({n})", n + 1
        taken.add(shown)
        unique.append((path, shown, real))
    return unique


def skip_problem(path: Path, name: str) -> Problem | None:
    """Why a file is passed over quietly (it is no return), or None."""
    if path.name.startswith("~$"):
        code = Code.OFFICE_LOCK_FILE
    elif path.name.startswith(".~lock."):
        code = Code.LIBREOFFICE_LOCK_FILE
    elif any(part.startswith(".") for part in Path(name).parts):
        code = Code.HIDDEN_FILE
    elif path.name.lower() in ("thumbs.db", "desktop.ini"):
        code = Code.SYSTEM_FILE
    else:
        return None
    return problem(code, file=name)


def saved_at(path: Path, fmt: str, book: WorkbookGrids | None = None) -> datetime:
    """When the file was last saved: the workbook's own record where it has one (read with
    its sheets, in ``book``, or from the file)."""
    own = _own_saved_time(path, fmt, book)
    return own if own is not None else datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)


def _own_saved_time(path: Path, fmt: str, book: WorkbookGrids | None) -> datetime | None:
    """When the workbook says it was last saved, if it says (a CSV never does)."""
    if book is not None and book.saved is not None:
        return book.saved
    if fmt in ("xlsx", "xlsm"):
        try:
            with zipfile.ZipFile(path) as zf:
                return core_modified(zf.read("docProps/core.xml"))
        except DAMAGED_PART_ERRORS:  # a damaged core.xml: no saved time
            pass
    return None


# ---- owners' replies saved as emails -------------------------------------------------------

#: The file name endings of the spreadsheets attached to an email that are read whatever
#: their content turns out to be (a damaged one is said to be, as a file would be); other
#: attachments are read only when their content is a workbook (a csv only by its name: a
#: text attachment is not a return).
ATTACHED_SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".csv")
#: The formats, sniffed from an attachment's content, read whatever its name.
ATTACHED_WORKBOOKS = SPREADSHEET_FORMATS - {"csv"}


def attachment_name(email_name: str, attachment: str) -> str:
    """How a spreadsheet attached to an email is named, everywhere a file is (the command's
    output, flags, the Returns sheet, ``--report``): ``Re Your update.msg > Jim Machon.xlsx``.
    Made from the email's name and the attachment's, so the same folder merged again gives
    the same names; no path separator of the attachment's survives in it."""
    return f"{email_name} > {attachment}"


@dataclass
class UnpackedEmail:
    """What a worker made of an email (:func:`unpack_email`): its facts, and each spreadsheet
    attached as written to the reading's folder, to be read as a file of its own. Picklable,
    small: the attachments' bytes are on disk."""

    email: Email  # its attachments' bytes dropped
    attached: list[AttachedFile]  # each spreadsheet attached, in the order attached


class AttachedFile(NamedTuple):
    """A spreadsheet attached to an email, as a worker unpacked it."""

    shown: str  # its name as shown: ``FW Update.msg > return.xlsx`` for one a level down
    file_name: str  # its own file name, which ties it to its owner
    #: where it was written, under a made-up name, to be read (None: a link to the file,
    #: not the file, :attr:`edi_xl.read.emails.Attachment.link`)
    written: Path | None


class _Attached(NamedTuple):
    """The ``extra`` of an attachment's job: what its return is named and ranked by."""

    email_path: Path  # the email's file
    email_name: str  # the email's name as shown
    shown: str
    file_name: str
    sent: datetime | None  # the email's sent time: the attachment's, when it has no own


def unpack_email(path: Path, folder: str) -> WorkbookGrids | UnpackedEmail:
    """The email in ``path``, each spreadsheet attached to it written into ``folder`` (the
    reading's own, which the parent removes) under a made-up name (never the name the email
    gives: it may hold ``..`` or a path), to be read as a file of its own, under its own
    limits (in a worker: :data:`edi_xl.read.isolation.Read`). Other attachments (a logo, a
    PDF) are not kept. A file named as an email whose content is a workbook (a return
    renamed ``.msg``) is read as the workbook it is."""
    if _sniffed(path) in ATTACHED_WORKBOOKS:
        return read_grids(path)
    found = read_email(path)
    attached: list[AttachedFile] = []
    if not found.draft:
        names = _attachment_names(found)
        own_folder = Path(tempfile.mkdtemp(prefix="email_", dir=folder))
        for i, (attachment, (shown, file_name)) in enumerate(
            zip(found.attachments, names, strict=True)
        ):
            spreadsheet = Path(attachment.name).suffix.lower() in ATTACHED_SPREADSHEETS
            if attachment.link:
                if spreadsheet:  # (a link to a PDF is no return, as a PDF is not)
                    attached.append(AttachedFile(shown, file_name, None))
                continue
            target = own_folder / f"attachment{i}"
            try:
                target.write_bytes(attachment.data)
            except OSError as exc:
                if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                    raise
                raise UnreadableFileError(path, TEMP_FULL.format(folder=folder)) from exc
            if spreadsheet or _sniffed(target) in ATTACHED_WORKBOOKS:
                attached.append(AttachedFile(shown, file_name, target))
            else:
                target.unlink()  # a signature's logo, a PDF: passed over quietly
        found.attachments = []  # (their bytes: on disk now, and not sent back)
    return UnpackedEmail(found, attached)


#: Why an email is rejected when its attachments do not fit where they are unpacked.
TEMP_FULL = (
    "no room to unpack its attachments in the temporary folder ({folder}): free some disk "
    "space there and merge again"
)


def _read_attached(
    path: Path, attached: _Attached, result: WorkbookGrids | UnreadableFileError
) -> ReturnFile:
    """The return of a spreadsheet attached to an email, read from where it was written
    (``path``; in a worker, else here for one the worker gave no answer for): named after
    the email and the attachment, ranked by its own saved time, else the email's sent time;
    its sensitivity label read while it is on disk (a clean copy of it carries it)."""
    name = attachment_name(attached.email_name, attached.shown)
    own: datetime | None = None
    label: SensitivityLabel | None = None
    if isinstance(result, UnreadableFileError):
        result = type(result)(Path(attached.shown), result.reason)
    else:
        # (as a file's: a damaged part gives no time, no label; never the whole reading)
        with contextlib.suppress(Exception):
            own = _own_saved_time(path, result.format, result)
        with contextlib.suppress(Exception):
            label = read_label(path)
    file = _read_book(attached.email_path, name, result, own or attached.sent)
    file.email, file.attachment, file.label = attached.email_name, attached.file_name, label
    return file


def _sniffed(path: Path) -> str:
    try:
        return sniff_format(path)
    except OSError:
        return ""


def _attachment_names(found: Email) -> list[tuple[str, str]]:
    """Each attachment's name as shown (``FW Update.msg > return.xlsx`` for one in an email
    attached to the email), `` (2)`` added to a second of the same name, and its own file
    name (which ties it to its owner)."""
    names: list[tuple[str, str]] = []
    taken: set[tuple[str, str]] = set()
    for i, attachment in enumerate(found.attachments, start=1):
        name = own = _file_name(attachment.name) or f"attachment {i}"
        n = 2
        while (attachment.within.casefold(), name.casefold()) in taken:
            name, n = f"{Path(own).stem} ({n}){Path(own).suffix}", n + 1
        taken.add((attachment.within.casefold(), name.casefold()))
        within = _file_name(attachment.within)
        names.append((f"{within} > {name}" if within else name, name))
    return names


def _file_name(name: str) -> str:
    """An attachment's name as a file name: the last part of a path the sender's mail
    program left in it (RFC 2183: ``C:\\Users\\jim\\Jim.xlsx`` is ``Jim.xlsx``), control
    characters (a line break, NUL, a terminal's escape) as spaces."""
    last = name.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return " ".join("".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in last).split())


@dataclass(frozen=True)
class ReturnTable:
    sheet: SheetGrid
    header_row: int  # 0-based
    columns: dict[str, int]
    update_col: int | None
    update_header: str | None
    #: Other columns with a header, by header text: what the table holds beyond what is read.
    others: dict[str, int] = field(default_factory=dict)
    #: Earlier rounds' dated update columns ("Update as at 18 Sep 23"): the owner's copy of
    #: the history, kept by normalise, not flagged by merge.
    history: dict[str, int] = field(default_factory=dict)
    #: The "Last update" column of a return made by ``edi-xl returns`` (locked: what it holds
    #: is compared with the master, as the other locked fields are), when it is not the update.
    last_update_col: int | None = None
    #: Columns of an edi_xl return found by their place as sent, not by their header (the
    #: owner renamed it): which (status, update, last_update) -> column.
    by_place: dict[str, int] = field(default_factory=dict)
    #: A return ``edi-xl normalise`` wrote (its "Source row" column): its rows are the rows
    #: read, an action's next lines joined already (:func:`table_rows`)
    normalised: bool = False


def find_tables(
    book: WorkbookGrids, metadata: ReturnMetadata | None = None, round_update: str | None = None
) -> list[ReturnTable]:
    """The action table of each sheet that has one (instructions sheets are passed over).
    ``metadata``: the return's hidden record, when it has one (:func:`return_metadata`);
    ``round_update``: the header of the update column to take, the round's
    (:func:`for_the_round`), whatever it holds."""
    tables: list[ReturnTable] = []
    for sheet in book.sheets:
        if sheet.name == META_SHEET:
            continue
        sent_row = _sent_header_row(metadata, sheet)
        sent_update = metadata.update_header if metadata and sent_row is not None else None
        table = _find_table(sheet, sent_row, sent_update, round_update)
        if table:
            tables.append(table)
    if not tables and metadata is None:
        return _own_form_without_status(book)
    if _no_update_read(metadata, tables):
        return _with_an_own_forms_update(book, tables)
    return tables


def _own_form_without_status(book: WorkbookGrids) -> list[ReturnTable]:
    """The table of an owner's own form with no Status column and no column read as an
    update, whose update column is headed as an own form's (:func:`_an_own_forms_update`:
    "#", "Action", "Status update"; "Update Dec 23"), read as such a column is beside a
    Status column (:func:`_with_an_own_forms_update`, with all its conditions: one such
    column in the file, words not numbers...); or, an undated "Status update" holding
    statuses alone, with that column as its Status (:func:`_statuses_under_a_status_update`).
    None, and the file rejected as having no
    action table as before, when that column is not taken (two dated, "Update Sep 23" and
    "Update Dec 23": which is this round's cannot be told), or when another sheet holds an
    action table of rows (helper-158: a tab per quarter, this one's headed "December
    position", gave last quarter's, and the file was "sent back with no new status or
    update"; a guidance sheet's example row, "# | Action | Status update", was merged into
    the action its number named). (The file was rejected whatever its columns, and the
    owner's words copied by hand.)"""
    found = _own_form_tables(book)
    if _a_table_on_another_sheet(book, found):
        return []
    tables = _with_an_own_forms_update(book, found)
    if tables and tables[0].update_col is not None:
        return tables
    return _statuses_under_a_status_update(found)


def _own_form_tables(book: WorkbookGrids) -> list[ReturnTable]:
    """The table of each sheet with a header row of an own form with no Status column
    (:func:`_find_table` with ``own_form``)."""
    return [
        table
        for sheet in book.sheets
        if sheet.name != META_SHEET and (table := _find_table(sheet, own_form=True))
    ]


def _own_form_not_taken(book: WorkbookGrids) -> tuple[ReturnTable, list[str]] | None:
    """For a return with no record of its sending and no table read: its one table of an
    owner's own form with no Status column (:func:`_own_form_without_status`) and its
    columns headed as an own form's update, as "'Update Dec 23' (column E)", none of which
    was taken because which holds this round's words cannot be told ("Update Sep 23" and
    "Update Dec 23"; a dated "Status update - Sep 23" of statuses). The file is said to
    have such a table, and what to do (head this round's column "Update", or "Status"), not
    "no action table", whose words ("looked for ... 'Update'") its header contradicts.

    None, and "no action table" said as before, when that advice could mislead (helper-162):
    another sheet holds a table of actions or a column headed as an own form's update (a
    tab a quarter: the column named would be last quarter's, and renaming it would merge
    September's words as December's; a guidance sheet's worked example), or a column of
    them holds numbers only (a "Progress Dec 23" of percentages: no words to take)."""
    found = _own_form_tables(book)
    if len(found) != 1 or _a_table_on_another_sheet(book, found):
        return None
    if next(_dated_headers_off_the_tables(book, found), None) is not None:
        return None
    (table,) = found
    headed = _own_forms_update_columns(table.sheet, table.header_row, table.others)
    if not headed or any(_numbers_only(table, col) for _, col in headed):
        return None
    return table, [
        f"{one_line(table.sheet.value(table.header_row, col))!r} "
        f"(column {get_column_letter(col + 1)})"
        for _, col in headed
    ]


#: Heading this round's column so that it is read, in ``update_column_unclear``'s words.
_HEAD_IT = "'Update' (or 'Status' if it holds this round's statuses, such as On track or At risk)"


def _what_to_change(headers: list[str]) -> dict[str, str]:
    """``update_column_unclear``'s fields for an own form's ``headers`` (as
    :func:`_own_form_not_taken` gives them): which columns, and what the owner (who reads it
    in the reminder) or HR changes so that the file is read. Which column is this round's is
    theirs to say: a dated "Status update - Sep 23" of statuses may hold this round's under
    last round's heading, or last round's (helper-160), and headed "Status" it is applied as
    this round's."""
    if len(headers) == 1:
        return {
            "which": f"whether {headers[0]}",
            "then": (
                f"if it holds this round's update, head it {_HEAD_IT}; if it is an earlier "
                "round's, add a column headed 'Update' with this round's"
            ),
        }
    return {
        "which": f"which of {', '.join(headers[:-1])} and {headers[-1]}",
        "then": (
            f"head the column with this round's update {_HEAD_IT}; leave the others as they are"
        ),
    }


def _statuses_under_a_status_update(tables: list[ReturnTable]) -> list[ReturnTable]:
    """The one table of an own form with no Status column whose one column headed as an own
    form's update says "Status update", with no date, and holds statuses alone ("Green", "At
    risk": :func:`_rag_words_only`), with that column as its Status: the owner's statuses,
    there being no other column for them (the file was rejected as having no action table).
    None otherwise: a dated one ("Status update - Sep 23") may be an earlier round's, whose
    statuses would be applied as this round's with no word (helper-160)."""
    if len(tables) != 1:
        return []
    (table,) = tables
    headed = _own_forms_update_columns(table.sheet, table.header_row, table.others)
    if len(headed) != 1 or normalise_header(headed[0][0]) not in _OWN_FORM_UPDATES:
        return []
    _, col = headed[0]
    if not _rag_words_only(table, col):
        return []
    others = {n: c for n, c in table.others.items() if c != col}
    return [replace(table, columns={**table.columns, "status": col}, others=others)]


def _a_table_on_another_sheet(book: WorkbookGrids, tables: list[ReturnTable]) -> bool:
    """Whether a sheet not read as one of ``tables`` has a header row of an action number or
    text and another column the vocabulary knows, with rows under it: an action table no
    column of which was read (a vertical guidance sheet's "Action | Describe the action" is
    no such row)."""
    read = {id(t.sheet) for t in tables}
    return any(
        len(map_columns(sheet, r).fields) >= 2
        and not all(_empty_column(sheet, r + 1, c) for c in range(sheet.n_cols))
        for sheet in book.sheets
        if sheet.name != META_SHEET and id(sheet) not in read
        for r, fields in scan_headers(sheet, min_cells=2)
        if "id" in fields or "action" in fields
    )


def _an_own_forms_header(sheet: SheetGrid, r: int, columns: ColumnMap) -> bool:
    """Whether the 0-based row ``r`` of ``sheet`` (mapped as ``columns``) heads an own form's
    table of no Status and no update column: an action number or text column, and a column
    headed as an own form's update (:func:`_an_own_forms_update`). A title above the table
    ("WRES/WDES Action Plan ... Status update: December 2023") is no such row: no column of
    it is an action's (helper-158: it was taken, and every row under it said ``no_id``)."""
    return ("id" in columns.fields or "action" in columns.fields) and bool(
        _own_forms_update_columns(sheet, r, columns.extras)
    )


def _own_forms_update_columns(
    sheet: SheetGrid, r: int, columns: dict[str, int]
) -> list[tuple[str, int]]:
    """Of ``columns`` (header -> column) of the 0-based row ``r`` of ``sheet``, those whose
    header cell heads an own form's update (:func:`_an_own_forms_update`)."""
    return [
        (name, col)
        for name, col in columns.items()
        if _an_own_forms_update(one_line(sheet.value(r, col)))
    ]


def _no_update_read(metadata: ReturnMetadata | None, tables: list[ReturnTable]) -> bool:
    """Whether a return has no record of its sending and no table of it an update column."""
    return metadata is None and not any(t.update_col is not None for t in tables)


#: An own form's update column headed in words the vocabulary keeps for a column of the
#: owner's own ("Status update", most NHS trackers' progress column: beside an "Update" or a
#: "Comments", a column of their own), read as the update only as a dated one is
#: (:func:`_with_an_own_forms_update`).
_OWN_FORM_UPDATES = frozenset({"status update", "status updates"})


def _a_status_update(header: str) -> bool:
    """Whether ``header`` says "Status update", with a date or none ("Status update - Dec
    23", "Dec 23 status update")."""
    return "status update" in normalise_header(header)


def _an_own_forms_update(header: str | None) -> bool:
    """Whether ``header`` heads an own form's update column that no table reads as one: an
    update with a date alone and no "as at" (:func:`dated_update_date`: "Update Dec 23",
    "Status update - Q3 2023/24"), or "Status update"."""
    if not header:
        return False
    return dated_update_date(header) is not None or normalise_header(header) in _OWN_FORM_UPDATES


def _with_an_own_forms_update(book: WorkbookGrids, tables: list[ReturnTable]) -> list[ReturnTable]:
    """``tables`` (of a return with no record of its sending, none with an update column),
    or, when the file holds exactly one column headed as an own form's update
    (:func:`_an_own_forms_update`: a date alone and no "as at", "Update Dec 23", "Progress
    December 2023"; or "Status update"), the tables with that column as the update: an
    owner's own form, or the trust's old one, holds the owner's update there (it was said
    "not read", and HR copied it by hand). The merge reads a dated one as of the round its
    date names (``merge._earlier_round_of_column``, where the round's date tells a day from a
    year: "Update Sep 30"), an undated one as this round's, as an "Update" column.

    Not taken, and said (``column_not_read``) as before, when which column holds this round's
    words cannot be told (helper-143, helper-144): two such columns (last round's and this
    one's, next quarters' headed ahead, a copy headed the same), counted by their header
    cells, on the tables or in the first rows of a sheet with none (no Status column); one
    beside an update column on any sheet; one in a return edi_xl made; one on another sheet
    than the first table's (the file's update header is that table's: another's would be
    read as this round's whatever its date); one holding numbers only (a "Progress Dec 23"
    of percentages); one headed "Status update" holding statuses alone ("Green", "At
    risk": the owner's status, which the update column does not take, helper-155; a dated
    column of them, "Done", "Not started", is taken as it was, helper-156)."""
    dated = [
        (table, name, col)
        for table in tables
        for name, col in _own_forms_update_columns(table.sheet, table.header_row, table.others)
    ]
    elsewhere = next(_dated_headers_off_the_tables(book, tables), None)
    if len(dated) != 1 or elsewhere or dated[0][0] is not tables[0]:
        return tables
    table, name, col = dated[0]
    if _numbers_only(table, col) or (_a_status_update(name) and _rag_words_only(table, col)):
        return tables
    others = {n: c for n, c in table.others.items() if c != col}
    return [replace(table, update_col=col, update_header=name, others=others), *tables[1:]]


def _dated_headers_off_the_tables(
    book: WorkbookGrids, tables: list[ReturnTable]
) -> Iterator[tuple[SheetGrid, int, int, str]]:
    """The cells headed as an own form's update (:func:`_an_own_forms_update`) in the
    header-like rows of the sheets not read as a table (no Status column: "#", "Action",
    "Update Dec 23"): (the sheet, the 0-based row and column, the header). A row with no
    action number or action column is no table's header: a cover sheet's title, "Progress
    update: December 2023", is not such a column (helper-150)."""
    read = {id(t.sheet) for t in tables}
    for sheet in book.sheets:
        if sheet.name == META_SHEET or id(sheet) in read:
            continue
        for r, fields in scan_headers(sheet, min_cells=1):
            if "id" not in fields and "action" not in fields:
                continue
            for col, value in enumerate(sheet.rows[r]):
                header = one_line(value) if isinstance(value, str) else None
                if header and _an_own_forms_update(header):
                    yield sheet, r, col, header


def dated_columns_off_the_tables(
    book: WorkbookGrids, tables: list[ReturnTable], file_name: str
) -> list[Problem]:
    """``column_not_read`` for each column of a return with no record and no update column
    read, headed as an own form's update (:func:`_an_own_forms_update`: a date alone, "Status
    update") on a sheet not read as a table, that holds
    text (words, not numbers: a dashboard's counts are not an update): an owner's words there
    ("Update Dec 23" on a sheet with no Status column) are said, never passed over
    (helper-145: they were not, and the only column said was last round's)."""
    found: list[Problem] = []
    for sheet, r, col, header in _dated_headers_off_the_tables(book, tables):
        filled = [
            row
            for row in range(r + 1, sheet.n_rows)
            if isinstance(value := typed(sheet, row, col), str) and not is_blank(value)
        ]
        if filled:
            found.append(
                problem(
                    Code.COLUMN_NOT_READ,
                    file=file_name,
                    sheet=sheet.name,
                    row=filled[0] + 1,
                    column=header,
                    letter=get_column_letter(col + 1),
                    values=plural(len(filled), "value"),
                )
            )
    return found


def _numbers_only(table: ReturnTable, col: int) -> bool:
    """Whether column ``col`` of ``table`` holds numbers only below its header (a percentage
    done, a score; as numbers, or as text: a CSV's "50%", helper-145): no update's words."""
    values = [
        table.sheet.value(r, col)
        for r in range(table.header_row + 1, table.sheet.n_rows)
        if not is_blank(table.sheet.value(r, col))
    ]
    return bool(values) and all(
        (isinstance(v, int | float) and not isinstance(v, bool))
        or (isinstance(v, str) and _A_NUMBER.match(v.strip()) is not None)
        for v in values
    )


def _rag_words_only(table: ReturnTable, col: int) -> bool:
    """Whether column ``col`` of ``table`` holds statuses alone below its header ("Green",
    "At risk", "G": no words after them): a status column, not an update."""
    values = [
        value
        for r in range(table.header_row + 1, table.sheet.n_rows)
        if not is_blank(value := table.sheet.value(r, col))
    ]
    return bool(values) and all(
        parse_status(v) is not None and status_remark(v) is None for v in values
    )


#: A number written as text (a CSV's cells, a cell formatted as text): "50%", "0.5", "3/4".
_A_NUMBER = re.compile(r"^[-+]?(?:\d+(?:[.,]\d+)?|\.\d+)\s*%?$|^\d+\s*/\s*\d+$")


def for_the_round(file: ReturnFile, as_at: date) -> ReturnFile:
    """``file`` as read for the round at ``as_at``: a return with no record of its sending
    whose update column, the latest dated (:func:`_pick_update_column`), is not the round's
    (:func:`edi_xl.core.rounds.the_rounds_column`: a form headed for the year ahead,
    "Update as at 18 Mar 24" beside December's), is read with the round's as the update;
    the later columns' text is said (``column_not_read``), never passed over as an earlier
    round's (it was: December's words were dropped, and the return was "sent back with no
    new status or update")."""
    if not file.by_round or file.update_header is None:
        return file
    readings = [*file.by_round, (file.update_header, file)]
    dates = [update_column_date(header, as_at) for header, _ in readings]
    filled = [any(row.update for row in reading.rows) for _, reading in readings]
    i = the_rounds_column(dates, filled, len(file.by_round), as_at)
    if i is None:
        return file
    # (what was set on the file once read: the email it came attached to, its label)
    return replace(
        file.by_round[i][1], email=file.email, attachment=file.attachment, label=file.label
    )


def _sent_header_row(metadata: ReturnMetadata | None, sheet: SheetGrid) -> int | None:
    """The 0-based header row of ``sheet`` as ``edi-xl returns`` wrote it, when the return's
    hidden record says this sheet is its table, in the layout this edi_xl writes (None
    otherwise): its Status, Last update and update columns are where they were sent,
    whatever their headers say now."""
    if metadata is None or metadata.version != VERSION or metadata.header_row is None:
        return None
    if metadata.sheet is not None and metadata.sheet != sheet.name:
        return None
    return metadata.header_row - 1


#: The columns of an edi_xl return an owner fills in or is compared on, found by their
#: place as sent when their header was renamed: which -> (0-based column, header sent).
SENT_PLACES = {
    "status": (STATUS_COL - 1, COLUMNS[STATUS_COL - 1][0]),
    LAST_UPDATE: (LAST_COL - 1, LAST_UPDATE_HEADER),
    "update": (UPDATE_COL - 1, None),  # (its header: the round's, in the record)
}


def _find_table(
    sheet: SheetGrid,
    sent_header_row: int | None = None,
    sent_update: str | None = None,
    round_update: str | None = None,
    own_form: bool = False,
) -> ReturnTable | None:
    """The action table of ``sheet``. At ``sent_header_row`` (an edi_xl return's header row,
    :func:`_sent_header_row`) a Status, Last update or update column whose header the owner
    renamed ("My notes", "Progress comments", or a formula's text) is found by its place as
    sent (:func:`_by_place`), never passed over as a column not read; the locked "Last
    update" (last round's text) is never taken as the update; the column headed as the
    return's update column was sent (``sent_update``, "Update as at 18 Dec 23"), or found by
    its place when renamed, is the update, whatever the owner added beside it ("Update as at
    18 Mar 24": not the latest, helper-145; "Comments", helper-165);
    so is the column headed ``round_update``, whatever it holds.
    A column dated later than the update is not an earlier round's: it is said if filled.
    ``own_form``: a header row with no Status and no update column is the table's when it
    holds a column headed as an own form's update (:func:`_own_form_without_status`)."""
    for r, fields in scan_headers(sheet, min_cells=1):
        if "id" not in fields and "action" not in fields:
            continue  # (no key: not the header row, whatever its columns say)
        columns = map_columns(sheet, r)
        by_place = _by_place(sheet, r, columns) if r == sent_header_row else {}
        nothing_to_read = "status" not in fields and not columns.updates and not by_place
        if nothing_to_read and not (own_form and _an_own_forms_header(sheet, r, columns)):
            continue
        found = {
            **columns.fields,
            **({"status": by_place["status"]} if "status" in by_place else {}),
        }
        placed = set(by_place.values())
        # the locked "Last update" of an edi_xl return is never the owner's new update,
        # even when the owner renamed the round's column ("My notes")
        candidates = {
            name: col
            for name, col in columns.updates.items()
            if name.casefold() != SENT_LAST_UPDATE and col not in placed
        }
        update_col: int | None
        update_name: str | None
        # the column sent as the update: headed as sent, or renamed ("My notes") and found
        # by its place, where it was sent (the Last update where it was: no column deleted
        # or inserted before it), beside a remark column the owner added ("Comments",
        # helper-165; not beside one headed as an update: a column inserted before the
        # update moves the update there, helper-166)
        last_update_col = _last_update_col(columns, by_place)
        sent: tuple[int, str | None] | None = None
        if sent_update in candidates:
            sent = candidates[sent_update], sent_update
        elif (
            "update" in by_place
            and last_update_col == SENT_PLACES[LAST_UPDATE][0]
            and all(_a_remark(name) for name in candidates)
        ):
            sent = by_place["update"], one_line(sheet.value(r, by_place["update"])) or None
        if round_update in candidates:
            update_col, update_name = candidates[round_update], round_update
        elif sent is not None and (
            not _empty_column(sheet, r + 1, sent[0])
            or all(_empty_column(sheet, r + 1, c) for c in candidates.values())
        ):
            # the column sent as the update, whatever the owner added beside it ("Comments"
            # for a remark: helper-165), unless the owner left it empty and wrote in a column
            # added beside it ("Update as at 18 Mar 24" in a late return): then the latest,
            # as before (helper-146)
            update_col, update_name = sent
        else:
            # a remark column ("Comments") beside one headed as an update ("Progress update")
            # is no update (helper-166)
            named = {n: c for n, c in candidates.items() if not _a_remark(n)} or candidates
            update_col, update_name = _pick_update_column(named, columns.update_dates)
            if update_col is None and "update" in by_place:
                update_col = by_place["update"]
                update_name = one_line(sheet.value(r, update_col)) or None
        if update_col is None or update_col != by_place.get("update"):
            by_place.pop("update", None)
        others = {
            name: col
            for name, col in columns.extras.items()
            if name not in PROVENANCE_HEADERS and col not in by_place.values()
        }
        history: dict[str, int] = {}
        for name, col in columns.updates.items():
            if col == update_col or col in by_place.values():
                continue
            if name.casefold() == SENT_LAST_UPDATE:
                continue  # (the Last update: ``last_update_col``)
            dated = columns.update_dates.get(name)
            its = columns.update_dates.get(update_name or "")
            if dated is None or dated == its or (its is not None and dated > its):
                # an undated note column ("Comments") beside the update, the round's own
                # header written twice (a copy of the column), or a later round's headed
                # ahead: not read, so said if filled
                others[name] = col
            else:
                history[name] = col
        return ReturnTable(
            sheet,
            r,
            found,
            update_col,
            update_name,
            others,
            history,
            last_update_col,
            by_place,
            normalised=PROVENANCE_HEADERS[-1] in columns.extras,
        )
    return None


_SENT_HEADERS = {h.casefold() for h, _ in COLUMNS if h}


def _by_place(sheet: SheetGrid, r: int, columns: ColumnMap) -> dict[str, int]:
    """The Status, Last update and update columns of an edi_xl return (header row ``r``)
    found by their place as sent (:data:`SENT_PLACES`) because no header says what they
    are: the Status when no column is headed as one, the Last update when none is headed
    "Last update", the update when its header is not read as an update ("My notes"; whether
    it is taken is :func:`_find_table`'s to say). A column headed as another field (an owner
    who wrote "Action" over it) is not read for it, nor is a column headed "Last update"
    ever the update."""
    taken = {*columns.fields.values(), *columns.computed.values()}
    headed_last = any(name.casefold() == SENT_LAST_UPDATE for name in columns.updates)
    found: dict[str, int] = {}
    for which, (col, _) in SENT_PLACES.items():
        if col >= sheet.n_cols or col in taken:
            continue
        if which == "status" and "status" in columns.fields:
            continue
        if which == LAST_UPDATE and headed_last:
            continue
        if which == "update" and col in columns.updates.values():
            continue  # headed as an update (a candidate), or "Last update": never taken
        # a column headed as another column of the return as sent ("Last update", "Update
        # as at ...") was moved there (a column deleted or inserted before it), not renamed:
        # never read as the Status or the Last update by its place
        header = one_line(sheet.value(r, col)) or ""
        if which != "update" and (
            header.casefold() in _SENT_HEADERS - {(SENT_PLACES[which][1] or "").casefold()}
            or is_update_header(header)
        ):
            continue
        found[which] = col
    if LAST_UPDATE in found and _empty_column(sheet, r, SENT_PLACES["update"][0]):
        # the update's place holds nothing: a column before it was deleted (the Last
        # update), and the update, renamed, moved into the Last update's place
        found["update"] = found.pop(LAST_UPDATE)
    return found


#: Headers of a column of remarks, read as the update when a return has no other
#: (:data:`edi_xl.tables.vocabulary.SYNONYMS`), and no update beside one that is headed as
#: one ("Progress update | Comments")
_REMARK_HEADERS = frozenset({"comments", "comment"})


def _a_remark(header: str) -> bool:
    """Is ``header`` a remark column's ("Comments")? (:data:`_REMARK_HEADERS`)"""
    return normalise_header(header) in _REMARK_HEADERS


def _last_update_col(columns: ColumnMap, by_place: dict[str, int]) -> int | None:
    """The 0-based column of an edi_xl return's locked Last update: headed so (the last of
    two), or found by its place (:func:`_by_place`); None when neither."""
    found = by_place.get(LAST_UPDATE)
    for name, col in columns.updates.items():
        if name.casefold() == SENT_LAST_UPDATE:
            found = col
    return found


def _empty_column(sheet: SheetGrid, r: int, col: int) -> bool:
    """Whether column ``col`` holds nothing from header row ``r`` down."""
    return col >= sheet.n_cols or all(
        is_blank(sheet.value(row, col)) for row in range(r, sheet.n_rows)
    )


def _pick_update_column(
    updates: dict[str, int], dates: dict[str, Any]
) -> tuple[int | None, str | None]:
    """The column holding the owner's new update: the latest round
    (:func:`edi_xl.core.rounds.latest_round`: the latest dated column, else the rightmost)."""
    names = sorted(updates, key=lambda n: updates[n])  # in column order
    i = latest_round([dates.get(n) for n in names])
    return (updates[names[i]], names[i]) if i is not None else (None, None)


def typed(sheet: SheetGrid, r: int, c: int) -> Any:
    """What a person typed at 0-based (``r``, ``c``) of a return, as Excel keeps it: a merge
    across columns holds its value in its first cell alone (merging Last update with the new
    update, or Status with it, puts nothing in the update: the grid's copy of the first
    cell's value in the others is no owner's writing)."""
    return None if (r, c) in sheet.filled_across else sheet.value(r, c)


def shown(sheet: SheetGrid, r: int, c: int) -> Any:
    """What a person saw at 0-based (``r``, ``c``) of a return (:func:`typed`): a number as
    its format showed it, never rounded ("50%" for the 0.5 Excel keeps of "50%"; "£1,200"),
    a date in edi_xl's way ("15 Mar 2026"), where the reader knows the format
    (:func:`edi_xl.core.number_formats.as_shown`)."""
    return as_shown(typed(sheet, r, c), sheet.number_formats.get((r, c)))


def _typed_as_formula(table: ReturnTable, r: int) -> dict[str, tuple[str, str]]:
    """The Status and update cells of row ``r`` (0-based) read from a formula's text:
    column -> (the text, the error Excel showed for words it took for a formula; "" for a
    formula the file holds no result of, read as its formula: :func:`typed_formula_flags`)."""
    sheet = table.sheet
    found: dict[str, tuple[str, str]] = {}
    for column, c in _status_and_update(table):
        if (error := sheet.typed_as_formula.get((r, c))) is not None:
            found[column] = (str(typed(sheet, r, c)), error)
        elif (r, c) in sheet.no_result:
            found[column] = (str(typed(sheet, r, c)), "")
    return found


def typed_formula_flags(row: ReturnRow, **flag_fields: Any) -> list[Flag]:
    """A flag for each Status or update cell of ``row`` read from a formula's text
    (``flag_fields``: the action, as :class:`Flag` takes it): ``typed_as_formula`` for words
    Excel took for a formula, ``formula_no_result`` for a formula the file holds no result
    of (saved by a program that does not work formulas out). The text is taken, and said,
    so that a person checks it."""
    return [
        Flag(
            Code.TYPED_AS_FORMULA if error else Code.FORMULA_NO_RESULT,
            row.file,
            sheet=row.sheet,
            row=row.row,
            column=column,
            value=text,
            shown=error,
            **flag_fields,
        )
        for column, (text, error) in row.typed_as_formula.items()
    ]


#: A return made by ``edi-xl returns`` is read up to this many rows for each action sent
#: in it, and at least :data:`MIN_ROWS_READ`; one with no record of what was sent up to
#: :data:`MAX_ROWS_READ` (a plan has hundreds of actions; the benchmark's, 5,000). The rows
#: past that are not read, and said once (``rows_not_read``): 200,000 rows pasted into one
#: return, each matched against every action of the master and flagged, stalled the merge
#: of the whole batch (helper-62, session 17).
ROWS_PER_ACTION_SENT = 10
MIN_ROWS_READ = 100
MAX_ROWS_READ = 5_000


def rows_read_limit(metadata: ReturnMetadata | None) -> tuple[int, str]:
    """How many rows of a return are read (:data:`ROWS_PER_ACTION_SENT`), and why, in words."""
    if metadata is not None and metadata.rows:
        sent = len(metadata.rows)
        limit = max(MIN_ROWS_READ, ROWS_PER_ACTION_SENT * sent)
        return limit, (
            f"{ROWS_PER_ACTION_SENT} for each of the {plural(sent, 'action')} sent in it, "
            f"at least {MIN_ROWS_READ}"
        )
    return MAX_ROWS_READ, "a return with no record of what was sent in it"


def table_rows(table: ReturnTable, file_name: str, limit: int | None = None) -> list[ReturnRow]:
    """The rows of ``table`` that hold anything, as :class:`ReturnRow` (no more than
    ``limit``: the rest of the sheet is not looked at)."""
    sheet, cols = table.sheet, table.columns
    rows: list[ReturnRow] = []
    watched = [*cols.values(), *([table.update_col] if table.update_col is not None else [])]
    # the other columns kept with each row, in column order (sorted once, not for each row)
    kept = sorted({**table.others, **table.history}.items(), key=lambda item: item[1])
    lines = _Lines(table)
    head: int | None = None  # (0-based: the last row read, or joined to the one read)
    for r in range(table.header_row + 1, sheet.n_rows):
        if limit is not None and len(rows) >= limit:
            break
        if all(is_blank(typed(sheet, r, c)) for c in watched) and all(
            is_blank(typed(sheet, r, c)) for _, c in kept
        ):
            continue
        id_col = cols.get("id")
        if is_header_repeat(sheet.rows[r], typed(sheet, r, id_col) if id_col is not None else None):
            continue

        def get(fld: str, r: int = r) -> Any:
            col = cols.get(fld)
            return typed(sheet, r, col) if col is not None else None

        raw_id = get("id")
        # a number or a date as the owner saw it ("50%", not 0.5)
        update = shown(sheet, r, table.update_col) if table.update_col is not None else None
        ticked = _true_false(table, r)
        if ticked:  # a tick box (Insert > Checkbox) over the column: no words, not taken
            update = None
        # an address the Status or update cell links to (the evidence, Insert > Link) goes
        # after the update's text: the master's cell holds text, and the link is not lost
        linked = [
            sheet.links[(r, c)]
            for c in (cols.get("status"), table.update_col)
            if c is not None and (r, c) in sheet.links
        ]
        row = ReturnRow(
            file=file_name,
            sheet=sheet.name,
            row=r + 1,
            id=id_text(raw_id),
            id_was_number=isinstance(raw_id, float | int) and not isinstance(raw_id, bool),
            status=clean_text(get("status")),
            update=with_links(clean_text(update), linked),
            locked=_locked(table, r, get),
            others={h: v for h, c in kept if not is_blank(v := typed(sheet, r, c))},
            typed_as_formula=_typed_as_formula(table, r),
            status_column="status" in cols,
            notes=_notes(table, r) if sheet.notes else (),
            pictures=_pictures(table, r) if sheet.pictures else (),
            true_false=ticked,
            errors=_errors(table, r) if sheet.errors else (),
        )
        how = lines.carries_on(r, row, rows[-1] if rows and head == r - 1 else None)
        if how is not None:
            _join(table, r, rows[-1], row, said=how == "typed")
        else:  # (a row of words in the other columns alone is one too: said, never passed over)
            rows.append(row)
        head = r
    return rows


#: The most rows of words alone read as an action's next lines: more, and they are rows of
#: their own (a table pasted under an action; each row is then one the read rows count).
MOST_LINES = 30


class _Lines:
    """Which rows of a return's table are the next lines of the action above them
    (:meth:`carries_on`), its columns worked out once."""

    def __init__(self, table: ReturnTable) -> None:
        self.table = table
        cols = table.columns
        free = {*table.others.values(), *table.history.values()}
        self.free = free | ({table.update_col} if table.update_col is not None else set())
        looked = {*cols.values(), *self.free}
        self.looked = looked | (
            {table.last_update_col} if table.last_update_col is not None else set()
        )
        self.keys = [c for c in (cols.get("id"), cols.get("action")) if c is not None]

    def carries_on(self, r: int, row: ReturnRow, above: ReturnRow | None) -> str | None:
        """Whether ``row`` (0-based ``r``) is the next line of ``above``, the row read just
        above it, an action's words written over several rows:

        * "merged": its action number (or action text) merged down from ``above``'s, and
          every cell it holds of its own, not merged down, in the update or the table's
          other columns (a Status merged down over the rows is theirs; an empty line of the
          merge is one too);
        * "typed": nothing merged, and no action number, action text, Status or Last update,
          only words in those columns (:meth:`words_alone`), between ``above``, an action's
          row, and the next action's (:meth:`an_action_follows`; not under the table's last
          action, nor a heading's or a key's: a note, a footer there is no action's), at most
          :data:`MOST_LINES` of them; not a hidden row, nor a RAG word alone ("Amber" in a
          return with no Status column). A guess: said, ``row_carried_on``;
        * None: a row of its own, read as it is and flagged as before (``no_id``,
          ``action_on_two_rows``). A row holding a note, a picture, an error, a tick box or
          words taken for a formula is one: what it holds is said against it; so is every
          row of a return ``edi-xl normalise`` wrote (its next lines are joined already)."""
        table = self.table
        if above is None or table.normalised or not self.an_action(above.id, above.locked):
            return None
        if row.typed_as_formula or row.notes or row.pictures or row.true_false or row.errors:
            return None
        sheet = table.sheet
        if any((r, c) in sheet.filled_down for c in self.keys):
            own = {c for c in self.looked if (r, c) not in sheet.filled_down}
            own = {c for c in own if not is_blank(typed(sheet, r, c))}
            return "merged" if own <= self.free and row.id == above.id else None
        if row.id or row.locked.get("action") or row.status:  # (most rows: an action's own)
            return None
        if not self.words_alone(r) or r in sheet.hidden_rows or parse_status(row.update):
            return None
        return "typed" if self.an_action_follows(r) else None

    def an_action(self, id_text: str, locked: dict[str, Any]) -> bool:
        """Whether a row is an action's: its number reads as one ("1.4", "EDI-07"; not
        "Total", "2. Recruitment"), or, in a table with no # column, it has action text."""
        if "id" in self.table.columns:
            return is_action_id(id_text)
        return bool(locked.get("action"))

    def words_alone(self, r: int) -> bool:
        """Row ``r`` (0-based) holds words in the update or the table's other columns and
        nothing in its other columns (no action number, action text, Status: typed or merged
        down)."""
        sheet = self.table.sheet
        held = [c for c in self.looked if not is_blank(typed(sheet, r, c))]
        return bool(held) and all(c in self.free for c in held)

    def an_action_follows(self, r: int) -> bool:
        """The rows of words alone from row ``r`` (0-based) on go on, with no empty row, to
        an action's row (:meth:`an_action`), within :data:`MOST_LINES` rows."""
        table = self.table
        sheet, cols = table.sheet, table.columns
        for s in range(r + 1, min(r + MOST_LINES + 1, sheet.n_rows)):
            if self.words_alone(s):
                continue
            id_col, action_col = cols.get("id"), cols.get("action")
            raw_id = typed(sheet, s, id_col) if id_col is not None else None
            action = typed(sheet, s, action_col) if action_col is not None else None
            if is_header_repeat(sheet.rows[s], raw_id):
                return False
            if id_col is not None:
                return is_action_id(raw_id)
            # (no # column: action text, and more than it: a heading has nothing else)
            held = [c for c in self.looked if not is_blank(typed(sheet, s, c))]
            return not is_blank(action) and len(held) > 1
        return False


def _join(table: ReturnTable, r: int, above: ReturnRow, row: ReturnRow, *, said: bool) -> None:
    """The words of ``row`` (0-based ``r``) that are its own, in the update and the table's
    other columns, put after ``above``'s on a line of their own (:meth:`_Lines.carries_on`); the
    row is one of ``above``'s :attr:`ReturnRow.lines`, and with ``said`` of its
    :attr:`ReturnRow.carried_on` too."""
    sheet = table.sheet
    kept = {**table.others, **table.history}
    columns: list[str] = []
    words: list[str] = []
    words_in_update = False
    if (
        row.update
        and table.update_col is not None
        and (r, table.update_col) not in sheet.filled_down
    ):
        above.update = f"{above.update}\n{row.update}" if above.update else row.update
        columns.append(table.update_header or "Update")
        words.append(row.update)
        words_in_update = True
    for header, value in row.others.items():
        c = kept[header]
        if (r, c) in sheet.filled_down:
            continue
        # (a number or a date as shown: "15 Mar 2024", "50%")
        here = cell_text(shown(sheet, r, c)) or ""
        before = above.others.get(header)
        if not is_blank(before):
            was = before if isinstance(before, str) else shown(sheet, above.row - 1, c)
            value = f"{cell_text(was)}\n{here}"
        above.others[header] = value
        columns.append(header)
        words.append(here)
    above.lines += (row.row,)
    if said and words_in_update:  # (words in the other columns alone reach no master)
        quoted = shortened(" / ".join(words), 60)
        above.carried_on += ((row.row, ", ".join(repr(c) for c in columns), quoted),)


def row_words(row: ReturnRow) -> str:
    """What a row holds, quoted in a message about it: its Status, update and other columns'
    words, shortened."""
    held = [row.status, row.update, *row.others.values()]
    return shortened(" / ".join(t for v in held if (t := cell_text(v))), 60)


def carried_on_flags(row: ReturnRow, **flag_fields: Any) -> list[Flag]:
    """A ``row_carried_on`` flag for each row joined to ``row`` with nothing merged to say it
    belongs to it (:attr:`ReturnRow.carried_on`; ``flag_fields``: the action, as
    :class:`Flag` takes it), its words quoted: taken as the row's, a person checks them."""
    return [
        Flag(
            Code.ROW_CARRIED_ON,
            row.file,
            sheet=row.sheet,
            row=below,
            column=columns,
            value=words,
            above=row.row,
            **flag_fields,
        )
        for below, columns, words in row.carried_on
    ]


def _cell(r: int, c: int) -> str:
    """The reference of 0-based (``r``, ``c``): "F7"."""
    return f"{get_column_letter(c + 1)}{r + 1}"


def _notes(table: ReturnTable, r: int) -> tuple[tuple[str, str, str], ...]:
    """The notes on the cells of row ``r`` (0-based), in column order: (the column's header,
    or its letter outside the table; the cell; the note's text)."""
    sheet = table.sheet
    return tuple(
        (one_line(sheet.value(table.header_row, c)) or get_column_letter(c + 1), _cell(r, c), text)
        for (row, c), text in sorted(sheet.notes.items())
        if row == r
    )


def _status_and_update(table: ReturnTable) -> list[tuple[str, int]]:
    """The Status and the update columns of ``table``: (the column as flags name it, its
    0-based index), those it has."""
    found = [
        ("Status", table.columns.get("status")),
        (table.update_header or "Update", table.update_col),
    ]
    return [(column, c) for column, c in found if c is not None]


def _pictures(table: ReturnTable, r: int) -> tuple[tuple[str, str, str], ...]:
    """The Status and update cells of row ``r`` (0-based) holding a picture placed in the cell
    (read as empty): (the column, the cell, "")."""
    places = table.sheet.pictures
    return tuple(
        (column, _cell(r, c), "") for column, c in _status_and_update(table) if (r, c) in places
    )


def _errors(table: ReturnTable, r: int) -> tuple[tuple[str, str, str], ...]:
    """The Status and update cells of row ``r`` (0-based) showing an error (read as empty):
    (the column, the cell, the error: "#N/A")."""
    shown = table.sheet.errors
    return tuple(
        (column, _cell(r, c), shown[(r, c)])
        for column, c in _status_and_update(table)
        if (r, c) in shown
    )


def _true_false(table: ReturnTable, r: int) -> tuple[tuple[str, str, str], ...]:
    """The update cell of row ``r`` (0-based) when it holds TRUE or FALSE (an Excel 365 tick
    box, Insert > Checkbox, or the word typed, which Excel keeps as TRUE or FALSE; the word
    alone in a csv return, as a tick box column saved as csv writes it: helper-88), which is
    no update: (the column, the cell, "TRUE" or "FALSE"); () for any other value."""
    c = table.update_col
    if c is None:
        return ()
    value = typed(table.sheet, r, c)
    if isinstance(value, str) and value.strip().upper() in ("TRUE", "FALSE"):
        value = value.strip().upper() == "TRUE"
    if not isinstance(value, bool):
        return ()
    return ((table.update_header or "Update", _cell(r, c), str(value).upper()),)


def not_merged_flags(row: ReturnRow, update: str | None, **flag_fields: Any) -> list[Flag]:
    """A flag for each thing the owner left on ``row``'s cells that is not taken
    (``flag_fields``: the action, as :class:`Flag` takes it; ``update``: the header of the
    return's update column, if it has one): ``note_not_merged`` for a note or comment (its
    text quoted, shortened when long), ``picture_in_cell`` for a picture placed in the
    Status or update cell, ``error_in_cell`` for one showing an error ("#N/A"),
    ``update_true_false`` for a TRUE or FALSE update (a tick box).
    The owner's words or picture are in the return alone: said, never passed over."""

    def flag(code: Code, column: str, cell: str, **said: Any) -> Flag:
        return Flag(
            code, row.file, column=column, cell=cell, sheet=row.sheet, row=row.row,
            **said, **flag_fields,
        )  # fmt: skip

    def what(column: str) -> str:
        return "Status" if column == "Status" else "update"

    update_words = _update_column_words(update)
    return (
        [flag(Code.NOTE_NOT_MERGED, column, cell, value=shortened(text, NOTE_SHOWN),
              update=update_words) for column, cell, text in row.notes]
        + [flag(Code.PICTURE_IN_CELL, column, cell, what=what(column))
           for column, cell, _ in row.pictures]
        + [flag(Code.ERROR_IN_CELL, column, cell, value=error, what=what(column))
           for column, cell, error in row.errors]
        + [flag(Code.UPDATE_TRUE_FALSE, column, cell, value=value)
           for column, cell, value in row.true_false]
    )  # fmt: skip


def _update_column_words(header: str | None) -> str:
    """Where a note's words belong, as ``note_not_merged`` says it: the return's update
    column by its header, when it has one."""
    return f"the update column, {header!r}" if header else "an update column"


#: The most of a note a flag quotes (the whole note is in the return).
NOTE_SHOWN = 300


def _locked(table: ReturnTable, r: int, get: Callable[[str], Any]) -> dict[str, Any]:
    """The locked fields of row ``r`` (0-based) that hold anything: those the table maps, and
    the "Last update" sent (:data:`LAST_UPDATE`), whatever the owner typed over it."""
    locked = {f: get(f) for f in LOCKED_FIELDS if f in table.columns and not is_blank(get(f))}
    if table.last_update_col is not None:
        value = typed(table.sheet, r, table.last_update_col)
        if not is_blank(value):
            locked[LAST_UPDATE] = value
    return locked


def returned_status(
    row: ReturnRow, words: dict[RAG, str], **flag_fields: Any
) -> tuple[str | None, Flag | None]:
    """The plan's word for the Status an owner wrote in ``row`` (None when blank), or, for a
    word that is no RAG status, None and its ``invalid_status`` flag (``flag_fields``: the
    action, the template and its fields, as :class:`Flag` takes them); for a colour with more
    words after it, the word and a ``status_words_not_taken`` flag quoting them."""
    if not row.status:
        return None, None
    rag = parse_status(row.status, words)
    remark = status_remark(row.status, words) if rag is not None else None
    if rag is None and (said := status_in_words(row.status, words)) is not None:
        rag, remark = said  # ("delayed to March": At Risk, "to March" said)
    if rag is not None:
        if remark is None:
            return words[rag], None
        # "Amber: slipped to May because of staffing": Amber, and words the Status cell
        # cannot hold, said (never dropped without a word)
        where = {k: v for k, v in flag_fields.items() if k in ("action_id",)}
        return words[rag], Flag(
            Code.STATUS_REMARK,
            row.file,
            sheet=row.sheet,
            row=row.row,
            column="Status",
            value=row.status,
            word=words[rag],
            remark=remark,
            **where,
        )
    where = {"sheet": row.sheet, "row": row.row, "column": "Status", "value": row.status}
    return None, Flag(Code.INVALID_STATUS, row.file, **where, **flag_fields)


def unread_columns(table: ReturnTable, rows: list[ReturnRow], file_name: str) -> list[Problem]:
    """The table's other columns that hold text in the rows read (``column_not_read``, at the
    first row holding text in the column)."""
    found: list[Problem] = []
    wanted = sorted(n - 1 for r in rows if r.sheet == table.sheet.name for n in (r.row, *r.lines))
    for header, col in sorted(table.others.items(), key=lambda item: item[1]):
        filled = [r for r in wanted if not is_blank(typed(table.sheet, r, col))]
        if filled:
            found.append(
                problem(
                    Code.COLUMN_NOT_READ,
                    file=file_name,
                    sheet=table.sheet.name,
                    row=filled[0] + 1,
                    column=header,
                    letter=get_column_letter(col + 1),
                    values=plural(len(filled), "value"),
                )
            )
    return found


#: What each column found by its place is read as, in a ``header_renamed`` message.
PLACE_WHAT = {
    "status": "the Status",
    LAST_UPDATE: "the Last update sent (locked)",
    "update": "this round's update",
}


def renamed_headers(
    table: ReturnTable, metadata: ReturnMetadata | None, file_name: str
) -> list[Problem]:
    """A ``header_renamed`` problem for each column of ``table`` found by its place as sent
    (:func:`_by_place`): the lead sees the header the owner wrote and what it was read as."""
    found: list[Problem] = []
    for which, col in sorted(table.by_place.items(), key=lambda item: item[1]):
        sent = SENT_PLACES[which][1] or (metadata.update_header if metadata else None)
        found.append(
            problem(
                Code.HEADER_RENAMED,
                file=file_name,
                sheet=table.sheet.name,
                row=table.header_row + 1,
                column=sent or which,
                letter=get_column_letter(col + 1),
                value=one_line(table.sheet.value(table.header_row, col)),
                sent=sent or "",
                what=PLACE_WHAT[which],
            )
        )
    return found


def unread_sheets(book: WorkbookGrids, tables: list[ReturnTable], file_name: str) -> list[Problem]:
    """The sheets an owner added to an edi_xl return that hold anything (``sheet_not_read``):
    "Notes" with "1.5 is now owned by Recruitment Lead" is read by no one otherwise."""
    read = {t.sheet.name for t in tables} | {META_SHEET}
    found: list[Problem] = []
    for sheet in book.sheets:
        if sheet.name in read:
            continue
        filled = [v for row in sheet.rows for v in row if not is_blank(v)]
        if filled:
            found.append(
                problem(
                    Code.SHEET_NOT_READ,
                    file=file_name,
                    sheet=sheet.name,
                    values=plural(len(filled), "value"),
                    first=cell_text(filled[0]),
                )
            )
    return found


def notes_off_the_rows(
    tables: list[ReturnTable], rows: list[ReturnRow], file_name: str
) -> list[Problem]:
    """``note_not_merged`` for each note on the sheet of a table that is on no action's row
    read (the header, the title, a row under the table): words of the owner's that no
    :class:`ReturnRow` carries."""
    found: list[Problem] = []
    seen: set[str] = set()
    for table in tables:
        sheet = table.sheet
        if sheet.name in seen or not sheet.notes:
            continue
        seen.add(sheet.name)
        on_rows = {r.row - 1 for r in rows if r.sheet == sheet.name}
        for (r, c), text in sorted(sheet.notes.items()):
            if r in on_rows:
                continue
            found.append(
                problem(
                    Code.NOTE_NOT_MERGED,
                    file=file_name,
                    sheet=sheet.name,
                    row=r + 1,
                    column=one_line(sheet.value(table.header_row, c)) or get_column_letter(c + 1),
                    cell=_cell(r, c),
                    value=shortened(text, NOTE_SHOWN),
                    update=_update_column_words(table.update_header),
                )
            )
    return found


def is_master(book: WorkbookGrids) -> bool:
    """Is this a master edi_xl keeps (it has edi_xl's Change Log), not an owner's return?"""
    return any(
        sheet.name == CHANGE_LOG
        and sheet.rows
        and tuple(sheet.rows[0][: len(CHANGE_LOG_HEADERS)]) == CHANGE_LOG_HEADERS
        for sheet in book.sheets
    )


def return_metadata(book: WorkbookGrids) -> ReturnMetadata | None:
    """The hidden record of a return made by ``edi-xl returns``, when the file has one."""
    for sheet in book.sheets:
        if sheet.name == META_SHEET:
            return metadata_from_rows([tuple(row[:4]) for row in sheet.rows[:MAX_META_ROWS]])
    return None


def read_returns(
    inputs: Sequence[str | Path],
    *,
    reader: FileReader | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    exclude: Path | None = None,
    not_returns: dict[Path, str] | None = None,
) -> list[ReturnFile]:
    """Read every return under ``inputs``; never raises for a bad file.

    ``progress(done, total, name)`` is called as each file has been dealt with; files under
    the folder ``exclude`` (e.g. where normalised copies are written) are not read; files in
    ``not_returns`` (e.g. the master and its backup, in the returns folder: ``"master's
    backup"``) are skipped as ``master_in_returns``, named as given.

    Each file is read, and its table found, in a worker process (:mod:`edi_xl.read.isolation`).
    To do something else meanwhile (a merge loads the master), use :class:`ReturnsReading`.
    """
    batch = _Batch(inputs, exclude, not_returns)
    own_reader = reader is None
    reader = reader or FileReader()
    try:
        for file in batch.passed_over:
            batch.done(file, progress)
        with contextlib.closing(batch.answers(reader)) as answers:
            for answer in answers:
                batch.done(answer, progress)
    finally:
        if own_reader:
            reader.close()
    return batch.in_order()


#: The interpreter's thread switch interval (s) while returns are read in the background.
READING_SWITCH = 0.0005


class ReturnsReading:
    """Returns being read by the workers while this thread does something else.

    ::

        reading = ReturnsReading(inputs, not_returns=...)   # the workers start reading
        try:
            wb = load_master(path)                          # meanwhile, here
        except BaseException:
            reading.stop()
            raise
        files = reading.result(progress)                    # what read_returns would give

    A thread of this process hands the files to the workers and takes their answers; it
    calls no callback: ``result`` reports the progress, in this thread, for the files read
    while this thread was busy and then for each as it is read. The workers are started
    before that thread (see :meth:`FileReader.start`), and a worker that has to be replaced
    waits until ``result`` is called.
    """

    def __init__(
        self,
        inputs: Sequence[str | Path],
        *,
        reader: FileReader | None = None,
        exclude: Path | None = None,
        not_returns: dict[Path, str] | None = None,
    ) -> None:
        self._batch = _Batch(inputs, exclude, not_returns)
        self._own_reader = reader is None
        self._reader = reader or FileReader()
        #: each file's answer (an email's: a list), None at the end
        self._answers: queue.SimpleQueue[ReturnFile | list[ReturnFile] | None] = queue.SimpleQueue()
        self._files: list[ReturnFile] | None = None  # what result() gave
        #: the interpreter's switch interval before reading (restored when it ends)
        self._switch: float | None = None
        self._error: BaseException | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        if self._batch.to_read:
            self._reader.start()
            self._reader.may_start_workers.clear()
            self._thread = threading.Thread(target=self._read, name="edi_xl-returns", daemon=True)
            # The thread hands each file to a worker and takes its answer: while this thread
            # works (loads the master) it waits for the interpreter's lock, 5 ms by default
            # each time, and the workers wait with it. A shorter switch while reading.
            self._switch = switch = sys.getswitchinterval()
            sys.setswitchinterval(min(switch, READING_SWITCH))
            self._thread.start()

    def _read(self) -> None:
        try:
            with contextlib.closing(self._batch.answers(self._reader, self._stopping)) as answers:
                for answer in answers:
                    self._answers.put(answer)
        except BaseException as exc:  # noqa: BLE001 - raised again by result()
            self._error = exc
        finally:
            self._answers.put(None)

    def _finish(self) -> None:
        self._reader.may_start_workers.set()
        if self._thread is not None:
            self._thread.join()
        if self._switch is not None:
            sys.setswitchinterval(self._switch)
            self._switch = None
        if self._own_reader:
            self._reader.close()

    def stop(self) -> None:
        """Stop reading (what is being read is abandoned, not waited for) and close the
        workers."""
        self._stopping.set()
        self._finish()

    def result(self, progress: Callable[[int, int, str], None] | None = None) -> list[ReturnFile]:
        """Every return, as :func:`read_returns` gives them, once all are read; ``progress``
        is called for the files read so far at once, then for each as it is read (with the
        reader's ``fork_lock`` held: no worker is forked while this thread reports)."""
        if self._files is not None:
            return self._files
        reader = self._reader
        reader.may_start_workers.set()
        try:
            for file in self._batch.passed_over:
                with reader.fork_lock:
                    self._batch.done(file, progress)
            if self._thread is not None:
                while (answer := self._answers.get()) is not None:
                    with reader.fork_lock:
                        self._batch.done(answer, progress)
        except BaseException:  # the progress report failed (Ctrl-C): the workers go too
            self.stop()
            raise
        self._finish()
        if self._error is not None:
            raise self._error
        self._files = self._batch.in_order()
        return self._files


#: Emails unpacked at once, for each worker, before their attachments are read and removed.
EMAILS_AT_ONCE = 4


class _Batch:
    """The files under the inputs: those passed over, those to read, those dealt with."""

    def __init__(
        self,
        inputs: Sequence[str | Path],
        exclude: Path | None,
        not_returns: dict[Path, str] | None,
    ) -> None:
        found = _collect(inputs)
        if exclude is not None and exclude.is_dir():
            excluded = exclude.resolve()
            found = [f for f in found if not f[2].is_relative_to(excluded)]
        self.order = {name: i for i, (_, name, _) in enumerate(found)}
        skip = {p.resolve(): which for p, which in (not_returns or {}).items()}
        self.passed_over: list[ReturnFile] = []
        #: (path, name), or (path, name, :func:`unpack_email`) for an email
        self.to_read: list[tuple[Any, ...]] = []
        for path, name, real in found:
            which = skip.get(real)
            why = (
                problem(Code.MASTER_IN_RETURNS, file=name, which=which)
                if which
                else skip_problem(path, name)
            )
            if why:
                self.passed_over.append(ReturnFile(path, name, SKIPPED, why))
            elif path.suffix.lower() in EMAIL_SUFFIXES:
                self.to_read.append((path, name, unpack_email))
            else:
                self.to_read.append((path, name))
        self.files: list[ReturnFile] = []
        self.dealt_with = 0  # files of the folder (an email is one, whatever it carries)

    def answers(
        self, reader: FileReader, stop: threading.Event | None = None
    ) -> Generator[ReturnFile | list[ReturnFile], None, None]:
        """Each file to read, read by ``reader``'s workers, as it is dealt with: a file's
        return; an email's returns, a list. ``stop``: as :meth:`FileReader.read_each`'s.

        An email is read in two steps, so that each spreadsheet attached is read under its
        own time and memory limits, as a file in the folder is (one that hangs, or needs
        more memory than a return may, is rejected on its own: the email's others are read).
        First a worker unpacks each email, writing the spreadsheets attached into a temporary
        folder of this reading's (removed here when the reading ends, stopped or not, once
        the workers that could write to it are ended); then each is read as a job of its own.
        Files and emails' facts come first, emails' returns after (:meth:`in_order` puts
        them where the email is in the folder)."""
        if not any(len(job) > 2 for job in self.to_read):  # no email: one step
            with contextlib.closing(reader.read_each(self.to_read, _read_one, stop=stop)) as read:
                for _path, file in read:
                    yield file
            return
        with tempfile.TemporaryDirectory(
            prefix="edi_xl_emails_", ignore_cleanup_errors=True
        ) as tmp:
            for part in self._parts(reader.workers):
                emails: list[tuple[Path, str, UnpackedEmail]] = []
                yield from self._unpacked(part, reader, tmp, emails, stop)
                if (yield from self._attached_returns(emails, reader, stop)):
                    return  # stopped
                # every job of this part answered: no worker writes or reads these any more
                folders = {b.written.parent for _, _, f in emails for b in f.attached if b.written}
                for unpacked in folders:
                    shutil.rmtree(unpacked, ignore_errors=True)

    def _unpacked(
        self,
        part: list[tuple[Any, ...]],
        reader: FileReader,
        folder: str,
        emails: list[tuple[Path, str, UnpackedEmail]],
        stop: threading.Event | None,
    ) -> Generator[ReturnFile, None, None]:
        """The first step of :meth:`answers` for ``part`` of the files: each file's return,
        and each email unpacked into ``folder`` (added to ``emails``, its returns read next)."""
        names = {Path(job[0]): job[1] for job in part}
        jobs = [
            (job[0], job[1], functools.partial(job[2], folder=folder)) if len(job) > 2 else job
            for job in part
        ]
        with contextlib.closing(reader.read_each(jobs, _read_one, stop=stop)) as read:
            for path, answer in read:
                if isinstance(answer, UnpackedEmail):  # its returns: read next
                    emails.append((path, names[path], answer))
                else:
                    yield answer

    def _attached_returns(
        self,
        emails: list[tuple[Path, str, UnpackedEmail]],
        reader: FileReader,
        stop: threading.Event | None,
    ) -> Generator[list[ReturnFile], None, bool]:
        """The second step of :meth:`answers`: each email's returns (a list), each spreadsheet
        attached read as a job of its own; True when the reading was stopped."""
        attached = [
            (book.written, _Attached(path, name, book.shown, book.file_name, found.email.sent))
            for path, name, found in emails
            for book in found.attached
            if book.written is not None
        ]
        with contextlib.closing(reader.read_each(attached, _read_attached, stop=stop)) as read:
            for path, name, found in emails:
                returns = []
                for book in found.attached:
                    if book.written is None:
                        returns.append(_link_return(path, name, book))
                    elif (answer := next(read, None)) is not None:
                        returns.append(answer[1])
                    else:
                        return True
                yield returns
        return False

    def _parts(self, workers: int) -> list[list[tuple[Any, ...]]]:
        """The files to read, cut after every few emails (:data:`EMAILS_AT_ONCE` a worker):
        the attachments of only so many are on disk at once, not every email's."""
        parts: list[list[tuple[Any, ...]]] = [[]]
        emails = 0
        for job in self.to_read:
            parts[-1].append(job)
            if len(job) > 2:
                emails += 1
                if emails % (EMAILS_AT_ONCE * workers) == 0:
                    parts.append([])
        return [part for part in parts if part]

    def done(
        self,
        file: ReturnFile | list[ReturnFile],
        progress: Callable[[int, int, str], None] | None,
    ) -> None:
        """``file`` is dealt with: an email gives the returns attached to it."""
        files = file if isinstance(file, list) else [file]
        self.files += files
        self.dealt_with += 1
        if progress:
            progress(self.dealt_with, len(self.order), files[0].email or files[0].name)

    def in_order(self) -> list[ReturnFile]:
        """In the order of the folder; an email's returns in the order attached."""
        return sorted(self.files, key=lambda f: self.order.get(f.email or f.name, 0))


def _read_one(
    path: Path, name: str, result: WorkbookGrids | UnreadableFileError | UnpackedEmail
) -> ReturnFile | list[ReturnFile] | UnpackedEmail:
    """What came of one file of the folder (in a worker; in this process for a file the
    worker gave no answer for): an email unpacked, its spreadsheets to be read
    (:meth:`_Batch.answers`), unless there is none to read."""
    if isinstance(result, UnpackedEmail):
        return _email_returns(path, name, result) or result
    return _read_book(path, name, result)


def _email_returns(path: Path, name: str, read: UnpackedEmail) -> list[ReturnFile]:
    """The email ``name`` passed over when it is a draft, or rejected, saying who sent it and
    what about, when it has no spreadsheet attached; else none yet (its spreadsheets are
    read, each as a file)."""
    found = read.email
    if found.draft:
        what, why = (
            ("unsent draft", OUTLOOK_DRAFT)
            if found.outlook
            else ("email draft", "X-Unsent: the drafts edi-xl returns and edi-xl chase write")
        )
        why_skipped = problem(Code.EMAIL_FILE, file=name, what=what, why=why)
        return [ReturnFile(path, name, SKIPPED, why_skipped)]
    if not read.attached:
        why_rejected = problem(
            Code.EMAIL_NO_SPREADSHEET,
            file=name,
            sender=found.sender or "no sender",
            subject=found.subject or "no subject",
            text=EMAIL_TEXT_NOT_MERGED if found.has_text else "",
            inner=(
                f"; an email attached inside it was not read ({', '.join(found.not_read)})"
                if found.not_read
                else ""
            ),
        )
        return [ReturnFile(path, name, REJECTED, why_rejected, email=name)]
    return []


#: Why an Outlook draft (a ``.msg`` never sent) is passed over.
OUTLOOK_DRAFT = "an Outlook message never sent, from Drafts: drag in the reply as received"
#: Why a link attached in place of a spreadsheet is rejected.
LINK_REASON = "a link to a file, not the file: open it and save the spreadsheet into the folder"


def _link_return(path: Path, name: str, link: AttachedFile) -> ReturnFile:
    """A spreadsheet attached to the email ``name`` as a link (OneDrive, SharePoint), not
    the file: rejected, named and tied to its owner as the file would be."""
    error = UnreadableFileError(Path(link.shown), LINK_REASON)
    file = _read_book(path, attachment_name(name, link.shown), error)
    file.email, file.attachment = name, link.file_name
    return file


#: Said of an email with no spreadsheet attached that has text of its own.
EMAIL_TEXT_NOT_MERGED = (
    "; its own text is not merged (an update typed in an email is not read: ask for it in "
    "the return)"
)


def _read_book(
    path: Path,
    name: str,
    result: WorkbookGrids | UnreadableFileError,
    stamp: datetime | None = None,
) -> ReturnFile:
    """One spreadsheet's return (``stamp``: when it was saved, for one that came attached to
    an email: its own record, else the email's sent time; else it is worked out from
    ``path``, the file itself)."""

    def rejected(code: Code, **fields: Any) -> ReturnFile:
        return _rejected(path, name, code, **fields)

    if isinstance(result, UnreadableFileError):
        code = (
            Code.PASSWORD_PROTECTED
            if isinstance(result, EncryptedFileError)
            else Code.NOT_A_SPREADSHEET
            if isinstance(result, NotASpreadsheetError)
            else Code.UNREADABLE_FILE
        )
        return rejected(code, reason=result.reason)
    if is_master(result):
        return rejected(Code.MASTER_NOT_RETURN)
    metadata = return_metadata(result)
    tables = find_tables(result, metadata)
    if not tables:
        if metadata is None and (unclear := _own_form_not_taken(result)) is not None:
            table, headers = unclear
            return rejected(
                Code.UPDATE_COLUMN_UNCLEAR,
                sheet=table.sheet.name,
                row=table.header_row + 1,
                table_sheet=table.sheet.name,
                header_row=table.header_row + 1,
                **_what_to_change(headers),
            )
        return rejected(
            Code.NO_ACTION_TABLE, sheets=", ".join(repr(s.name) for s in result.sheets) or "none"
        )
    file = _read_tables(path, name, result, metadata, tables, stamp)
    if metadata is None and file.outcome == READ:
        file.by_round = tuple(
            (header, _read_tables(path, name, result, None, round_tables, file.stamp))
            for header in _earlier_dated_updates(tables)
            if (round_tables := find_tables(result, None, header))
        )
    return file


def _earlier_dated_updates(tables: list[ReturnTable]) -> list[str]:
    """The headers of the dated update columns left of the round the return's update
    column is dated for (its table's ``history``), when that one is dated: each may be the
    round's column (:func:`for_the_round`)."""
    table = next((t for t in tables if t.update_col is not None), None)
    if table is None or update_column_date(table.update_header) is None:
        return []
    return list(table.history)


def _rejected(path: Path, name: str, code: Code, **fields: Any) -> ReturnFile:
    """The return ``name`` rejected, for the problem ``code`` with ``fields``."""
    return ReturnFile(path, name, REJECTED, problem(code, file=name, **fields))


def _read_tables(
    path: Path,
    name: str,
    result: WorkbookGrids,
    metadata: ReturnMetadata | None,
    tables: list[ReturnTable],
    stamp: datetime | None = None,
) -> ReturnFile:
    """The return ``name`` read from its action ``tables`` (:func:`_read_book`)."""
    rows: list[ReturnRow] = []
    unread: list[Problem] = []
    renamed: list[Problem] = []
    cut: Problem | None = None
    limit, why = rows_read_limit(metadata)
    for table in tables:
        # (one row past the limit: where the rows not read begin)
        found = table_rows(table, name, limit - len(rows) + 1)
        if len(rows) + len(found) > limit:
            first = found[limit - len(rows)]
            cut = problem(
                Code.ROWS_NOT_READ,
                file=name,
                sheet=table.sheet.name,
                row=first.row,
                last=table.sheet.n_rows,
                limit=f"{limit:,}",
                why=why,
            )
            found = found[: limit - len(rows)]
        rows += found
        unread += unread_columns(table, found, name)
        renamed += renamed_headers(table, metadata, name)
        if metadata is not None and "status" not in table.columns:
            renamed.append(  # (each row's Status "emptied" would say it wrongly)
                problem(
                    Code.STATUS_COLUMN_MISSING,
                    file=name,
                    sheet=table.sheet.name,
                    row=table.header_row + 1,
                    column="Status",
                )
            )
        if cut is not None:
            break
    if not rows:
        return _rejected(path, name, Code.EMPTY_ACTION_TABLE)
    if _no_update_read(metadata, tables):
        # (an owner's words under a dated header off the tables, when no update was read)
        unread += dated_columns_off_the_tables(result, tables, name)
    if metadata is not None:  # (a trust's own form may keep instructions on a sheet)
        unread += unread_sheets(result, tables, name)
        # an edi_xl return is sent with no notes: one on its header, its title or under its
        # rows ("On leave: no change this quarter") is the owner's, said as one on a row is
        unread += notes_off_the_rows(tables, rows, name)
    return ReturnFile(
        path,
        name,
        READ,
        None,
        rows,
        stamp=stamp or saved_at(path, result.format, result),
        owner=metadata.owner if metadata else None,
        # (the first table's with an update column: of a first sheet with none, this was
        # None, and "Update as at 18 Sep 23" on the second read as this round's, helper-144)
        update_header=next((t.update_header for t in tables if t.update_col is not None), None),
        earlier_columns=tuple(
            (t.sheet.name, name, get_column_letter(col + 1))
            for t in tables
            for name, col in t.history.items()
        ),
        metadata=metadata,
        unread=unread,
        renamed=renamed,
        cut=cut,
        format=result.format,
    )
