"""What each button does: the same library call as the command, on the open workbook.

Each ``*_in_excel`` function reads the open workbook once
(:func:`~edi_xl.buttons.bridge.read_book`), builds an in-memory workbook of it and takes its
baseline, runs the flow the CLI runs (refresh, returns, merge + chase, round, report), asks
:func:`edi_xl.master.edits.describe` what the flow changed (the description the patch
writer applies to a file) and writes that back (:func:`~edi_xl.buttons.bridge.plan_writes`,
then :func:`~edi_xl.buttons.bridge.apply_writes`). The argument-less functions at the end are what
the buttons' macros call through ``RunPython`` (by way of :mod:`edi_xl.excel`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl.workbook.workbook import Workbook as WorkbookType

from edi_xl.buttons.bridge import (
    MAX_MESSAGE,
    BookSnapshot,
    apply_writes,
    plan_writes,
    read_book,
    set_page_breaks,
    summary_writes,
    workbook_from_snapshot,
)
from edi_xl.core.dates import short_date
from edi_xl.core.errors import EdiXlError, RoundDateUnreadError
from edi_xl.core.problems import Code, Outcome, Severity
from edi_xl.core.rounds import today
from edi_xl.core.text import plural
from edi_xl.flows.emails import no_address_note
from edi_xl.master.edits import Baseline, describe
from edi_xl.master.sheets import DEFAULT_OWNER_RETURNS_FOLDER, DEFAULT_RETURNS_FOLDER

# --- the work of each button -------------------------------------------------------------------


def resolve_folder(text: str | None, default: str, workbook_folder: Path) -> Path:
    """A folder named on the Settings sheet: a bare name is a folder next to the workbook."""
    path = Path((text or default).strip()).expanduser()
    return path if path.is_absolute() else workbook_folder / path


def _refresh_message(result: Any) -> str:
    counts = ", ".join(f"{k} {v}" for k, v in result.rag_counts().items())
    lines = [
        f"Status worked out as at {short_date(result.as_at)} for {len(result.plan.actions)} "
        f"actions.",
        f"RAG: {counts}.",
        f"Overdue: {len(result.overdue)}.",
        f"Changes logged on the Change Log sheet: {len(result.changes)}.",
    ]
    problems = result.report.counts()
    if result.report.problems:
        lines.append(
            "Problems: "
            + ", ".join(plural(n, Severity(k).noun) for k, n in problems.items())
            + " (see the Problems column)."
        )
    lines += [f"Note: {n.message}" for n in result.notes]
    return "\n".join(lines)


def _write_back(
    book: Any, snapshot: BookSnapshot, baseline: Baseline, result: WorkbookType, message: str
) -> str:
    """Write ``result`` over the open workbook (what changed; the Summary as a whole) and
    show ``message``, with a note when the Summary had to be left to ``edi-xl refresh``."""
    rewrite, leave = summary_writes(snapshot, result)
    new = sorted(leave - {name for name, _ in snapshot.sheets})
    if new:
        message += (
            f"\nRun edi-xl refresh on the saved workbook once to add the "
            f"{', '.join(new)} sheet (its charts and formatting cannot be made from a "
            "button)."
        )
    edits = describe(baseline, result)
    writes = plan_writes(snapshot, edits, result, leave=leave, rewrite=rewrite)
    _summary_page_breaks(book, result, rewrite)
    apply_writes(book, writes, message)
    return message


def _summary_page_breaks(book: Any, result: WorkbookType, rewrite: frozenset[str]) -> None:
    """The Summary's page breaks, as ``edi-xl refresh`` saves them, when it is rewritten.

    Page breaks only shape the print: when Excel refuses them (a protected sheet, a COM
    error), the values are still written and the breaks stay as the last refresh saved them.
    """
    from edi_xl.master.summary_sheet import SUMMARY, summary_page_breaks

    if SUMMARY not in rewrite:
        return
    rows = summary_page_breaks(result)
    if rows is None:
        return
    try:
        set_page_breaks(book, SUMMARY, rows)
    except Exception:  # noqa: BLE001 - see the docstring: print layout never stops the writes
        return


def _round_of(wb: WorkbookType, as_at: date | None, today: date | None, name: str) -> date | None:
    """As the commands: ``as_at``, else the round on Settings, else ``today``; the workbook
    ``name`` is said when the Settings sheet's As-at date is no date
    (:class:`RoundDateUnreadError`)."""
    from edi_xl.master.sheets import read_settings, unread_round_date

    if as_at is not None:
        return as_at
    settings = read_settings(wb)
    if settings.as_at_unread is not None:
        raise RoundDateUnreadError(unread_round_date(name, settings.as_at_unread))
    return settings.as_at or today


def refresh_in_excel(
    book: Any,
    as_at: date | None = None,
    *,
    now: datetime | None = None,
    today: date | None = None,
) -> str:
    """The "Refresh status" button: ``refresh_book`` on the open workbook, as at the round
    on Settings (``today`` when it has none), as ``edi-xl refresh``; the message."""
    from edi_xl.flows.refresh import refresh_book

    snapshot = read_book(book)
    wb, baseline = workbook_from_snapshot(snapshot)
    result = refresh_book(
        wb, _round_of(wb, as_at, today, snapshot.name), now=now, path=snapshot.name
    )
    return _write_back(book, snapshot, baseline, wb, _refresh_message(result))


def owner_returns_in_excel(
    book: Any,
    as_at: date | None = None,
    *,
    now: datetime | None = None,
    password: str | None = None,
    today: date | None = None,
    open_folder: bool = False,
) -> str:
    """The "Create owner returns" button: ``make_owner_returns`` on the open workbook, as
    ``edi-xl returns``: the returns and an email draft beside each.

    The files go to the Settings sheet's owner-returns folder (default: "Owner returns"
    next to the workbook). The workbook itself is not changed. Returns of the same round
    already in the folder are never replaced (the message says what to do).
    """
    from edi_xl.flows.owner_returns import make_owner_returns
    from edi_xl.master.sheets import read_settings

    snapshot = read_book(book)
    wb, _ = workbook_from_snapshot(snapshot)
    settings = read_settings(wb)
    out = resolve_folder(
        settings.owner_returns_folder, DEFAULT_OWNER_RETURNS_FOLDER, snapshot.folder
    )
    as_at = _round_of(wb, as_at, today, snapshot.name)
    workbook = snapshot.folder / Path(snapshot.name).name
    try:  # (the workbook as open in Excel, saved or not: its formulas as they show)
        result = make_owner_returns(workbook, out, as_at, password=password, now=now, workbook=wb)
    except EdiXlError as exc:
        if "--force" not in str(exc):
            raise
        raise EdiXlError(
            str(exc).split(" Use --force")[0]
            + " Move them to another folder first, or name a new folder as Owner returns "
            "folder on the Settings sheet, and click again."
        ) from exc
    lines = [
        f"{plural(len(result.files), 'owner return')} as at {short_date(result.as_at)} in {out}:"
    ]
    lines += [f"  {f.path.name}: {f.owner} ({len(f.action_ids)})" for f in result.files]
    if result.not_sent:
        lines.append(f"Not sent: {plural(len(result.not_sent), 'action')}:")
        lines += [f"  {p.action_id or '(no #)'}: {p.message}" for p in result.not_sent]
    lines += result.kept_lines()
    if result.drafts:
        lines.append(
            f"{plural(len(result.drafts.drafts), 'email draft')} (.eml) beside them: open each, "
            "check it and send."
        )
        if note := no_address_note(result.drafts):
            lines.append(note)
    message = "\n".join(lines)
    apply_writes(book, [], message)
    if open_folder:
        _open_folder(out)
    return message


def import_returns_in_excel(
    book: Any,
    as_at: date | None = None,
    *,
    now: datetime | None = None,
    today: date | None = None,
    open_folder: bool = False,
) -> str:
    """The "Import returns" button: ``merge_book`` of the returns folder into the open
    workbook (the Settings sheet's returns folder, default "Returns received" next to it),
    into the round the returns were made for (as ``edi-xl merge``), then a chase draft per
    owner still owed in the owner-returns folder (as ``edi-xl chase``)."""
    from edi_xl.flows.chase import ChaseResult, NoReturnsSentError, chase_book
    from edi_xl.flows.intake import read_returns
    from edi_xl.flows.merge import earlier_rounds_note, merge_book, returns_round
    from edi_xl.master.sheets import read_settings, unread_round_date

    snapshot = read_book(book)
    wb, baseline = workbook_from_snapshot(snapshot)
    settings = read_settings(wb)
    if as_at is None and settings.as_at_unread is not None:  # (as edi-xl merge)
        raise RoundDateUnreadError(unread_round_date(snapshot.name, settings.as_at_unread))
    folder = resolve_folder(settings.returns_folder, DEFAULT_RETURNS_FOLDER, snapshot.folder)
    if not folder.is_dir():
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise EdiXlError(
                f"{folder}: cannot make the returns folder ({exc.strerror or exc})"
            ) from exc
        message = (
            f"The returns folder was empty, so nothing was imported. Put the returned "
            f"files in {folder} and click Import returns again."
        )
        apply_writes(book, [], message)
        return message
    files = read_returns([folder])
    if as_at is None:
        as_at, _ = returns_round(files, settings.as_at, today, snapshot.name)
    result = merge_book(wb, files, as_at, now=now, path=snapshot.name)
    outcomes: dict[str, int] = defaultdict(int)
    for f in result.files:
        outcomes[f.outcome] += 1
    lines = [
        f"Imported from {folder} as at {short_date(as_at)}: "
        f"{plural(len(result.files), 'file')}"
        + (f" ({', '.join(f'{n} {k}' for k, n in sorted(outcomes.items()))})" if outcomes else "")
        + f"; {plural(len(result.changes), 'change')}.",
    ]
    earlier = [
        f
        for f in result.files
        if f.problem is not None and f.problem.code is Code.EARLIER_ROUND_RETURN
    ]
    attention = [
        f
        for f in result.files
        if f.outcome not in (Outcome.MERGED, Outcome.SUPERSEDED, Outcome.UNCHANGED)
        and f not in earlier
    ]
    eye = [f"  {f.outcome}: {f.file}" + (f" - {f.reason}" if f.reason else "") for f in attention]
    eye += [f"  {g.line()}" for g in result.new_flags()]
    said = len(result.flags) - len(result.new_flags())
    if earlier:  # (a folder kept all year: last quarter's returns are left in it)
        lines.append("Not merged:")
        lines += [f"  {f.file} - {f.reason}" for f in earlier]
        lines.append(earlier_rounds_note(result) or "")
    if settings.as_at is not None and as_at < settings.as_at:
        lines.append(
            f"The round on Settings is now {short_date(as_at)}, the round imported into (it "
            f"was {short_date(settings.as_at)}). To go back to the current round, type "
            f"{short_date(settings.as_at)} in Next round on the Settings sheet and click Start "
            "new round."
        )
    if result.refresh:
        lines.append(
            f"Overdue after import: {len(result.refresh.overdue)}. The Returns sheet "
            "lists who still has to reply."
        )
    chase_lines: list[str] = []
    try:
        chased: ChaseResult | None = chase_book(wb, snapshot.name, snapshot.folder)
    except NoReturnsSentError as exc:  # (the import is written back all the same)
        chased = None
        chase_lines.append(str(exc))
    if chased is not None:
        chase_lines.append(
            f"{plural(len(chased.drafts.drafts), 'chase draft')} for owners still owed in "
            f"{chased.out_dir}."
        )
        chase_lines += chased.afterwords()  # (as edi-xl chase says it)
        if note := no_address_note(chased.drafts):
            chase_lines.append(note)
    # (what the chase did is said nowhere else: before the flags, which the Returns sheet
    # lists too; that it wrote nothing, right after the import's first line)
    if chased is None:
        lines[1:1] = chase_lines
    else:
        lines += chase_lines
    # (what needs a person last: the alert holds MAX_MESSAGE characters, and the flags are
    # also on the Returns sheet; what was not merged and what the chase did are nowhere else)
    message = _write_back(book, snapshot, baseline, wb, _with_flags(lines, eye, said))
    if open_folder and chased is not None and chased.drafts.drafts:
        _open_folder(chased.out_dir)
    return message


#: Room kept in a message for the note :func:`_write_back` may add (the sheets a button cannot
#: make, left to ``edi-xl refresh``).
_WRITE_BACK_NOTE = 160


def _with_flags(lines: list[str], eye: list[str], said_earlier: int = 0) -> str:
    """``lines``, then "Needs your eye:" and as many of ``eye`` as the alert holds
    (:data:`~edi_xl.buttons.bridge.MAX_MESSAGE`); the rest counted, pointing at the Returns
    sheet's flags, and, never cut, the ``said_earlier`` flags an earlier merge of the round
    said (:func:`edi_xl.flows.merge.said_before`)."""
    from edi_xl.flows.merge import said_before

    room = MAX_MESSAGE - _WRITE_BACK_NOTE  # (what _write_back may add after)

    def said(shown: list[str]) -> str:
        left = len(eye) - len(shown)
        more = [f"  ... {left} more: see Flags this round on the Returns sheet."] if left else []
        if said_earlier:
            more.append(f"  {said_before(said_earlier, after_others=bool(eye))}")
        return "\n".join([*lines, "Needs your eye:", *shown, *more])

    if not eye and not said_earlier:
        return "\n".join(lines)
    shown: list[str] = []
    for line in eye:
        if shown and len(said([*shown, line])) > room:
            break
        shown.append(line)
    return said(shown)


def start_round_in_excel(
    book: Any, start: date | None = None, *, now: datetime | None = None, today: date | None = None
) -> str:
    """The "Start new round" button, as ``edi-xl round MASTER --start DATE``.

    The xlwings VBA client has no input box, so the date is the one typed in the Settings
    sheet's "Next round" cell (blank: ``today``); the message says so.
    """
    from edi_xl.flows.rounds import start_round_book
    from edi_xl.master.sheets import read_settings

    snapshot = read_book(book)
    wb, baseline = workbook_from_snapshot(snapshot)
    settings = read_settings(wb)
    typed = settings.next_round
    start = start or typed or today
    if start is None:
        raise EdiXlError("no date for the new round: type one in Next round on Settings")
    result = start_round_book(wb, start, now=now, path=snapshot.name)
    where = (  # (blank, or something that is no date)
        "the Next round date on Settings"
        if typed
        else "today (Next round on Settings holds no date)"
    )
    if result.started:
        lines = [
            f"Started the round as at {short_date(start)} ({where}): the as-at date on "
            f"Settings is {short_date(start)} and {result.where} has the column "
            f"{result.column!r}; logged on the Change Log sheet.",
            "Next: Create owner returns. To start a round on another date, type it in Next "
            "round on the Settings sheet and click again.",
        ]
    else:
        lines = [f"The round as at {short_date(start)} ({where}) is already the current one."]
    return _write_back(book, snapshot, baseline, wb, "\n".join(lines))


def board_report_in_excel(book: Any, as_at: date | None = None) -> str:
    """The "Board report" button: ``edi-xl report`` of the open workbook (saved or not), as at
    the Settings as-at date unless ``as_at`` is given, written next to the workbook as
    "<workbook> board report <as-at>.docx". The workbook is not changed."""
    from edi_xl.flows.report import write_report

    snapshot = read_book(book)
    wb, _ = workbook_from_snapshot(snapshot)
    workbook = snapshot.folder / Path(snapshot.name).name
    # (the workbook as open in Excel, saved or not, its formulas as they show: the paper
    # beside it)
    result = write_report(workbook, None, as_at, workbook=wb)
    target = result.path
    s = result.summary
    lines = [
        f"The board paper as at {short_date(s.as_at)} is in {target.parent}:",
        f"  {target.name}",
        f"{s.actions} actions: "
        + ", ".join(f"{rag.value} {n}" for rag, n in s.overall.counts.items())
        + f"; overdue {len(s.overdue)}; coverage gaps {len(s.gaps)}.",
    ]
    lines += [f"Note: {n.message}" for n in result.notes]
    message = "\n".join(lines)
    apply_writes(book, [], message)
    return message


def _open_folder(folder: Path) -> None:
    """Show the drafts folder (Windows Explorer), where Python runs on the user's PC."""
    import os
    import sys

    if sys.platform == "win32" and folder.is_dir():  # pragma: no cover - Windows only
        os.startfile(folder)  # type: ignore[attr-defined]  # noqa: S606


# --- RunPython entry points --------------------------------------------------------------------


def _today() -> date:
    return today()


def _run_button(work: Callable[[Any], Any]) -> None:
    """Run ``work`` on the workbook that called; what stops the work is shown, not raised."""
    import xlwings as xw

    book = xw.Book.caller()
    try:
        work(book)
    except RoundDateUnreadError as exc:
        apply_writes(book, [], f"Nothing was changed.\n{exc}, and click again.", critical=True)
    except EdiXlError as exc:
        apply_writes(book, [], f"Nothing was changed.\n{exc}", critical=True)
    except OSError as exc:
        where = getattr(exc, "filename", None) or ""
        apply_writes(
            book, [], f"Nothing was changed.\n{where}: {exc.strerror or exc}", critical=True
        )


def refresh_status() -> None:
    """RunPython entry point of the "Refresh status" button (as ``edi-xl refresh``)."""
    _run_button(lambda book: refresh_in_excel(book, today=_today()))


def create_owner_returns() -> None:
    """RunPython entry point of the "Create owner returns" button (as ``edi-xl returns``)."""
    _run_button(lambda book: owner_returns_in_excel(book, today=_today(), open_folder=True))


def import_returns() -> None:
    """RunPython entry point of the "Import returns" button (as ``edi-xl merge`` then
    ``edi-xl chase``)."""
    _run_button(lambda book: import_returns_in_excel(book, today=_today(), open_folder=True))


def start_new_round() -> None:
    """RunPython entry point of the "Start new round" button (as ``edi-xl round --start``)."""
    _run_button(lambda book: start_round_in_excel(book, today=_today()))


def board_report() -> None:
    """RunPython entry point of the "Board report" button (as ``edi-xl report``)."""
    _run_button(board_report_in_excel)


# --- xlwings Server / xlwings Lite (optional) --------------------------------------------------


def server_scripts() -> dict[str, Callable[..., Any]]:
    """The buttons as xlwings Server / xlwings Lite scripts (``@script``).

    Optional: needs xlwings PRO or its PolyForm Noncommercial licence (not the classic
    buttons). Imported only when called. In a server's custom scripts module::

        from edi_xl.excel import server_scripts
        globals().update(server_scripts())
    """
    import xlwings as xw
    from xlwings.server import script

    def edi_xl_refresh_status(book: xw.Book) -> None:
        refresh_in_excel(book, today=_today())

    def edi_xl_create_owner_returns(book: xw.Book) -> None:
        owner_returns_in_excel(book, today=_today())

    def edi_xl_import_returns(book: xw.Book) -> None:
        import_returns_in_excel(book, today=_today())

    def edi_xl_start_new_round(book: xw.Book) -> None:
        start_round_in_excel(book, today=_today())

    funcs = (
        edi_xl_refresh_status,
        edi_xl_create_owner_returns,
        edi_xl_import_returns,
        edi_xl_start_new_round,
    )
    for f in funcs:  # resolvable hints: xlwings injects the book by its type
        f.__annotations__ = {"book": xw.Book, "return": None}
    return {f.__name__: script(f) for f in funcs}
