"""The reporting round: one date for every command, moved only when a person moves it.

The as-at date on the Settings sheet is the current round. Every command and button works as
at that date unless told otherwise (``--as-at``); today is used only when there is no master
or its Settings has no date. :class:`RoundDate` says which, in the words the commands print
first ("as at 18 Nov 2026, the round on Settings").

:func:`start_round` moves the round: it sets the Settings date, adds the round's "Update as
at <date>" column after the previous one, logs both in the Change Log and refreshes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.datetime import from_excel
from openpyxl.workbook.workbook import Workbook

from edi_xl.core.dates import short_date
from edi_xl.core.errors import EdiXlError, RoundDateUnreadError
from edi_xl.core.problems import Problem
from edi_xl.core.rounds import ROUND_STARTED, update_header
from edi_xl.flows.refresh import RefreshResult, refresh_book
from edi_xl.master import sheets
from edi_xl.master.patch import save_master
from edi_xl.master.plan import gc_paused, load_master

GIVEN, SETTINGS, RETURNS, TODAY = "given", "settings", "returns", "today"
STARTED = "started"  # the date of a round started (round --start)
#: The Change Log's New value for the round's update column added by ``round --start``.
COLUMN_ADDED = "column added for the new round"


@dataclass(frozen=True)
class RoundDate:
    """The as-at date a command works for, and where it came from."""

    as_at: date
    source: str  # given | started | settings | returns | today

    def describe(self) -> str:
        when = f"as at {short_date(self.as_at)}"
        return {
            GIVEN: f"{when} (--as-at)",
            STARTED: f"{when}, the round started (--start)",
            SETTINGS: f"{when}, the round on Settings",
            RETURNS: f"{when}, the round the returns were made for",
            TODAY: f"{when} (today: no round date on a Settings sheet)",
        }[self.source]


def settings_as_at(path: str | Path) -> date | None:
    """The as-at date on a master's Settings sheet; None when there is none or the file is
    not a readable master (the command itself then says what is wrong).
    :class:`RoundDateUnreadError` when the cell shows something that is no date, or is a
    formula showing an error or none the file keeps (as :func:`sheets.read_settings` reads
    it: the formula's text)."""
    from openpyxl.cell.cell import ERROR_CODES

    path = Path(path)
    if path.suffix.lower() not in (".xlsx", ".xlsm") or not path.is_file():
        return None
    found = _as_at_cell(path, shown=True)
    if found is not None and (found[0] is None or found[0] in ERROR_CODES):
        written = _as_at_cell(path, shown=False)  # (a formula: its text)
        if written is not None and isinstance(written[0], str) and written[0].startswith("="):
            found = written
    if found is None:
        return None
    as_at, unread = sheets.read_as_at(*found)
    if unread is not None:
        raise RoundDateUnreadError(sheets.unread_round_date(path.name, unread))
    return as_at


def _as_at_cell(path: Path, *, shown: bool) -> tuple[Any, str] | None:
    """What the Settings sheet's As-at date cell of the workbook at ``path`` shows
    (``shown``: a formula's saved result, None when the file keeps none) or holds (a
    formula's text), and the cell; None when there is no such cell or the file cannot be
    read so (the command then says what is wrong)."""
    try:
        wb = load_workbook(path, read_only=True, data_only=shown, keep_links=False)
    except Exception:  # noqa: BLE001 - any unreadable file: no date
        return None
    try:
        if sheets.SETTINGS not in wb.sheetnames:
            return None
        rows = wb[sheets.SETTINGS].iter_rows(max_col=2, max_row=200, values_only=True)
        with contextlib.closing(rows):  # (its sheet's file, closed before anything is said)
            for r, row in enumerate(rows, start=1):
                label = row[0] if row else None
                if isinstance(label, str) and label.strip().lower() == sheets.AS_AT_LABEL.lower():
                    return (row[1] if len(row) > 1 else None, f"B{r}")
        return None
    except Exception:  # noqa: BLE001 - a damaged sheet: no date
        return None
    finally:
        wb.close()


def round_date(given: date | None, master: str | Path | None, today: date) -> RoundDate:
    """``given`` if any, else the round on ``master``'s Settings, else ``today``."""
    if given is not None:
        return RoundDate(given, GIVEN)
    found = settings_as_at(master) if master is not None else None
    if found is not None:
        return RoundDate(found, SETTINGS)
    return RoundDate(today, TODAY)


class RoundMismatchError(EdiXlError):
    """Returns were made for a round other than the one on Settings: a person decides."""


@dataclass
class RoundResult:
    """What starting a round did."""

    as_at: date
    previous: date | None
    started: bool  # False: that round was already the current one
    column: str | None = None  # the header of the round's update column
    refresh: RefreshResult | None = None
    path: Path | None = None
    backup: Path | None = None
    notes: list[Problem] = field(default_factory=list)  # what the save could not do
    sheet: str = "Action Plan"  # the title of the plan's sheet
    #: the owner-returns folder named on Settings (None: the default, "Owner returns")
    returns_folder: str | None = None

    @property
    def where(self) -> str:
        """Where the round's column is, in words: "the Action Plan", or "the sheet 'X'"."""
        return "the Action Plan" if self.sheet == "Action Plan" else f"the sheet {self.sheet!r}"


def start_round_book(
    wb: Workbook, start: date, *, now: datetime | None = None, path: object = None
) -> RoundResult:
    """Start the round as at ``start`` in a loaded master, in memory."""
    from edi_xl.master.plan import read_master_plan, round_column

    master = read_master_plan(wb, path)
    previous = master.settings.as_at
    if previous is not None and start < previous:
        raise EdiXlError(
            f"{path or 'workbook'}: the current round is as at {short_date(previous)}; a new "
            f"round cannot start before it ({short_date(start)}). To look at an earlier date "
            "without moving the round, use edi-xl summary --as-at."
        )
    header = update_header(start)
    had_column = header in master.plan.update_headers
    when = now or datetime.now().replace(microsecond=0)
    source = f"{ROUND_STARTED}{short_date(start)}"
    round_column(master.sheet, master.header_row, start, master.grid)
    if not had_column:
        sheets.append_changes(
            wb,
            [sheets.Change("", header, None, COLUMN_ADDED, source)],
            when,
        )
    started = previous != start or not had_column
    refreshed = refresh_book(wb, start, source=source, now=when, path=path)
    return RoundResult(
        start,
        previous,
        started,
        header,
        refreshed,
        sheet=master.sheet.title,
        returns_folder=master.settings.owner_returns_folder,
    )


def start_round(master: str | Path, start: date, *, now: datetime | None = None) -> RoundResult:
    """Start the round as at ``start`` in the master at ``master`` (saved with a backup)."""
    path = Path(master)
    with gc_paused():
        wb = load_master(path, remakes_summary=True, log_as_values=True)
        result = start_round_book(wb, start, now=now, path=path.name)
        result.backup = save_master(wb, path, notes=result.notes)
    result.path = path
    return result


def round_began(wb: Workbook, as_at: date, returns_made: Iterable[datetime] = ()) -> datetime:
    """When the round as at ``as_at`` began, in UTC without a time zone (as the Returns sheet
    keeps save times, :func:`edi_xl.master.round_record.stamp`): the Change Log's first line
    that put its date on Settings or added its update column, or the earliest of
    ``returns_made`` (when its returns were made, their hidden record's ``created``), whichever
    came first; with neither, the start of its as-at date.

    The clock's time, not the round's date: a round is often dated before or after the day it
    is started, and a return saved before then cannot be an answer to it.
    """
    from edi_xl.master.round_record import stamp  # (not for a refresh, which needs no record)

    known = round_began_recorded(wb, as_at, returns_made)
    if known is not None:
        return known
    began = stamp(datetime.combine(as_at, time.min).astimezone(UTC))
    assert began is not None
    return began


def round_began_recorded(
    wb: Workbook, as_at: date, returns_made: Iterable[datetime] = ()
) -> datetime | None:
    """:func:`round_began` as the master and the returns record it; None when neither does
    (the round was never started: its date typed on Settings, or given to a merge)."""
    settings_date = f"{sheets.SETTINGS}: {sheets.AS_AT_LABEL}"
    header = update_header(as_at)
    times = [
        _clock_time(when)
        for when, _, what, _, new, _ in sheets.read_change_log(wb)
        if (what == header and new == COLUMN_ADDED)
        or (what == settings_date and _logged_date(new) == as_at)
    ]
    times += [_clock_time(made) for made in returns_made]
    known = [t for t in times if t is not None]
    return min(known) if known else None


def _clock_time(value: Any) -> datetime | None:
    """A time edi_xl wrote from the clock (the Change Log's When, a return's ``created``: the
    computer's local time, no time zone) in UTC without a time zone; None if it is no time."""
    from edi_xl.master.round_record import stamp

    if isinstance(value, int | float) and not isinstance(value, bool):
        value = from_excel(value)
    if not isinstance(value, datetime):
        return None
    return stamp(value.astimezone(UTC))  # (a time without a zone is taken as local)


def _logged_date(value: Any) -> date | None:
    """The date a Change Log value holds (a date cell, or its serial number)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        converted = from_excel(value)
        return converted.date() if isinstance(converted, datetime) else None
    return None
