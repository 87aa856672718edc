"""The Action Plan sheet: write a new master, refresh one in place.

Refresh owns a small, fixed set of cells and never touches anything else:

- the Status cells of the table (the RAG rule's result, in the Settings sheet's words);
- the computed columns Overdue, Days overdue and Problems (added at the right if missing);
- the as-at date on the Settings sheet, the whole Lists sheet, new lines of the Change Log;
- the whole Summary sheet (edi_xl.workbook.summary_sheet), rewritten from scratch;
- the conditional formatting and dropdowns of the Status / Due Date / Overdue /
  Protected Characteristic columns, the print setup and footer.

Every value it changes is logged in the Change Log (old -> new), so nothing is lost.
"""

from __future__ import annotations

import gc
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.comments import Comment
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook as WorkbookType
from openpyxl.worksheet.worksheet import Worksheet

from edi_xl.errors import EdiXlError, LayoutNotFoundError, UnreadableFileError
from edi_xl.grid import SheetGrid, grid_from_worksheet
from edi_xl.headers import update_header
from edi_xl.layouts import trust
from edi_xl.layouts.base import Detection
from edi_xl.model import Action, ActionPlan
from edi_xl.problems import Report, Severity
from edi_xl.rules import Assessment, assess, check_plan
from edi_xl.status import RAG
from edi_xl.summary import Summary
from edi_xl.workbook import sheets
from edi_xl.workbook.cells import comparable, set_value
from edi_xl.workbook.conditional import apply_rag_formatting
from edi_xl.workbook.package import is_package
from edi_xl.workbook.patch import save_master, take_baseline
from edi_xl.workbook.printing import apply_print_setup
from edi_xl.workbook.save import save_atomic
from edi_xl.workbook.sheets import Change, Settings
from edi_xl.workbook.styles import (
    COMPUTED_HEADER_FILL,
    COMPUTED_HEADER_FONT,
    GRID_BORDER,
    HEADER_ALIGN,
    HEADER_FILL,
    HEADER_FONT,
    SUBTITLE_FONT,
    TITLE_FONT,
    WRAP_TOP,
    row_height,
)
from edi_xl.workbook.summary_sheet import SUMMARY, PlanColumns, write_summary
from edi_xl.workbook.validation import apply_dropdowns

PLAN_SHEET = "Action Plan"
EDI_XL_SHEETS = (SUMMARY, sheets.SETTINGS, sheets.LISTS, sheets.CHANGE_LOG)
#: Rows below the table that still get the dropdowns and colours, for actions added in Excel.
SPARE_ROWS = 200
HEADER_ROW = 4  # of a master edi_xl writes: title, RAG key, blank, header
COMPUTED_NOTE = "Filled in by edi_xl refresh: edits here are overwritten."
#: Column widths of a new master, chosen so that the table prints one A4 page wide at a
#: readable scale (long texts wrap; rows are as tall as their text).
PLAN_WIDTHS = {
    "id": 6,
    "theme": 15,
    "action": 42,
    "references": 16,
    "characteristics": 15,
    "owner": 20,
    "start": 12,
    "due": 12,
    "status": 20,
    "overdue": 9,
    "days_overdue": 9,
    "problems": 26,
}
PLAN_UPDATE_WIDTH = 40
TITLE_ROW_POINTS = 22.0  # a 14-point title
OVERDUE_YES, OVERDUE_NO, NO_DEADLINE = "Yes", "No", "No deadline"


@dataclass
class RefreshResult:
    """What a refresh did and found."""

    as_at: date
    plan: ActionPlan
    assessments: list[tuple[Action, Assessment]]
    report: Report
    changes: list[Change] = field(default_factory=list)
    path: Path | None = None
    backup: Path | None = None
    notes: list[str] = field(default_factory=list)  # things refresh could not do, in words
    summary: Summary | None = None  # the figures of the Summary sheet

    @property
    def overdue(self) -> list[tuple[Action, int]]:
        return [(a, s.days_overdue or 0) for a, s in self.assessments if s.overdue]

    def rag_counts(self) -> dict[str, int]:
        counts = {rag.value: 0 for rag in RAG}
        for _, s in self.assessments:
            if s.status:
                counts[s.status.value] += 1
        return counts


# --- finding the plan in a workbook --------------------------------------------------------


def find_plan_sheet(wb: WorkbookType, path: object = None) -> tuple[Worksheet, Detection]:
    """The sheet holding the trust-layout table ("Action Plan" preferred)."""
    ws, detection, _ = _find_plan_sheet(wb, path)
    return ws, detection


def _find_plan_sheet(wb: WorkbookType, path: object) -> tuple[Worksheet, Detection, SheetGrid]:
    """:func:`find_plan_sheet`, with the grid of the sheet found."""
    found: list[tuple[float, Worksheet, Detection, SheetGrid]] = []
    for ws in wb.worksheets:
        if ws.title in EDI_XL_SHEETS:
            continue
        grid = grid_from_worksheet(ws)
        detection = trust.detect(grid)
        if detection:
            bonus = 1.0 if ws.title == PLAN_SHEET else 0.0
            found.append((detection.score + bonus, ws, detection, grid))
    if not found:
        raise LayoutNotFoundError(
            f"{path or 'workbook'}: no action-plan table found: looked in the first "
            f"rows of sheets {', '.join(repr(s) for s in wb.sheetnames)} for a header row "
            "with '#', 'Action', 'Action Owner', 'Due Date' and 'Status'."
        )
    _, ws, detection, grid = max(found, key=lambda t: t[0])
    return ws, detection, grid


@dataclass
class MasterPlan:
    """The plan of a loaded master, with where it sits and the Settings it is read with."""

    sheet: Worksheet
    detection: Detection
    settings: Settings
    plan: ActionPlan
    #: the plan sheet's values when it was read (stale once cells are written)
    grid: SheetGrid | None = field(default=None, repr=False, compare=False)

    @property
    def header_row(self) -> int:
        """The 1-based row of the table's header, as Excel shows it."""
        return self.detection.header_row + 1

    @property
    def words(self) -> dict[RAG, str]:
        return self.settings.words


def read_master_plan(wb: WorkbookType, path: object = None) -> MasterPlan:
    """Find the plan sheet of a loaded master and read its actions with the master's words."""
    ws, detection, grid = _find_plan_sheet(wb, path)
    settings = sheets.read_settings(wb)
    plan = trust.read(grid, detection, path=str(path) if path else None, words=settings.words)
    return MasterPlan(ws, detection, settings, plan, grid)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a master is loaded, refreshed or saved.

    openpyxl makes hundreds of thousands of long-lived objects (cells, styles), and the
    collector walks them all again and again as they are made: about a tenth of the time of a
    refresh of a big plan, to find no garbage (they are not cycles that die).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_master(path: str | Path) -> WorkbookType:
    """Open a master for editing, keeping VBA and buttons of an .xlsm."""
    path = Path(path)
    if not path.exists():
        raise UnreadableFileError(path, "file not found")
    _check_is_master_format(path)
    keep_vba = path.suffix.lower() in (".xlsm", ".xltm")
    try:
        data = path.read_bytes()
        with gc_paused(), warnings.catch_warnings():
            # openpyxl warns that it will drop what it does not model (sparklines, x14
            # extensions...); the patched save keeps them, so the warning is not true here
            warnings.simplefilter("ignore", UserWarning)
            wb = load_workbook(BytesIO(data), keep_vba=keep_vba, keep_links=True, rich_text=False)
            if is_package(BytesIO(data)):
                take_baseline(wb, data)  # saved by patching this file (edi_xl.workbook.patch)
            return wb
    except EdiXlError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UnreadableFileError(path, f"cannot open as an Excel workbook ({reason})") from exc


PASSWORD_PROTECTED = (
    "password protected: remove the password in Excel (File > Info > Protect Workbook) "
    "and try again"
)
#: What a file given as a master is, when it is not an .xlsx/.xlsm workbook (sniffed).
NOT_A_MASTER = {
    "docx": "a Word document",
    "doc": "a Word document",
    "odt": "a word-processor document",
    "rtf": "a word-processor document",
    "pdf": "a PDF",
    "csv": "a CSV file",
    "xls": "an old Excel workbook (.xls)",
    "xlsb": "a binary Excel workbook (.xlsb)",
    "ods": "a LibreOffice spreadsheet (.ods)",
    "html": "a web page",
}


def _check_is_master_format(path: Path) -> None:
    """A clear message for a file that cannot be a master: encrypted, or another kind."""
    from edi_xl.sources import sniff_format

    try:
        fmt = sniff_format(path)
    except OSError:
        return  # openpyxl's own error says what is wrong
    if fmt == "encrypted":
        raise UnreadableFileError(path, PASSWORD_PROTECTED)
    if fmt in NOT_A_MASTER:
        raise UnreadableFileError(
            path,
            f"{NOT_A_MASTER[fmt]}, not an edi_xl master (.xlsx or .xlsm): to make a master "
            f'from it, use edi-xl import "{path.name}" -o plan.xlsx, or edi-xl new plan.xlsx '
            f'--from "{path.name}"',
        )


# --- refresh -------------------------------------------------------------------------------


def _ensure_column(
    ws: Worksheet, header_row: int, col: int | None, header: str, width: float, last_row: int
) -> int:
    """The 1-based column holding ``header``; when missing, a new column right of the last
    column that holds anything in the header row or the table's rows (``header_row`` to
    ``last_row``), so that a column of the user's, even one with no header, is never written
    over."""
    if col is not None:
        return col + 1
    used = [
        c
        for (r, c), cell in ws._cells.items()
        if header_row <= r <= last_row and cell.value is not None
    ]
    new_col = max(used, default=1) + 1
    cell = ws.cell(header_row, new_col)
    cell.value = header
    cell.font, cell.fill, cell.alignment = COMPUTED_HEADER_FONT, COMPUTED_HEADER_FILL, HEADER_ALIGN
    cell.comment = Comment(COMPUTED_NOTE, "edi_xl")
    ws.column_dimensions[get_column_letter(new_col)].width = width
    return new_col


def wrap_top_setter(wb: WorkbookType) -> Callable[[Cell | MergedCell], None]:
    """A fast ``cell.alignment = WRAP_TOP`` for many cells of ``wb``.

    openpyxl hashes and compares the whole style object on every assignment (seconds for
    thousands of cells); this looks up its index in the workbook's styles once and stores
    that, which is what the assignment stores.
    """
    index = wb._alignments.add(WRAP_TOP)

    def apply(cell: Cell | MergedCell) -> None:
        if cell._style is None:
            cell._style = StyleArray()
        cell._style.alignmentId = index

    return apply


def _fit_row(ws: Worksheet, row: int, col: int, text: str) -> None:
    """Make a row edi_xl gave a height tall enough for its Problems text (a row with no set
    height is left to the spreadsheet program; a row is never made shorter)."""
    dim = ws.row_dimensions[row]
    if not text or dim.height is None:
        return
    width = ws.column_dimensions[get_column_letter(col)].width or 13.0
    needed = row_height([(text, width)])
    if needed > dim.height:
        dim.height = needed


def _status_cell_value(action: Action, assessment: Assessment, words: dict[RAG, str]) -> Any:
    """What the Status cell should hold after refresh."""
    if action.status is None and (action.status_text or assessment.status is None):
        return action.status_text  # a word we cannot read, or blank and not overdue: kept
    return words[assessment.status] if assessment.status else action.status_text


def _overdue_text(assessment: Assessment) -> str:
    if assessment.overdue:
        return OVERDUE_YES
    return OVERDUE_NO if assessment.has_deadline or assessment.status is RAG.BLUE else NO_DEADLINE


def refresh_book(
    wb: WorkbookType,
    as_at: date | None = None,
    *,
    source: str | None = None,
    now: datetime | None = None,
    path: object = None,
) -> RefreshResult:
    """Refresh a loaded master in memory (see the module docstring for what it owns)."""
    master = read_master_plan(wb, path)
    ws, detection, settings, plan = master.sheet, master.detection, master.settings, master.plan
    as_at = as_at or settings.as_at
    if as_at is None:
        raise EdiXlError(
            f"{path or 'workbook'}: no as-at date given and none on the Settings sheet"
        )
    settings.as_at = as_at
    words = settings.words
    source = source or f"refresh as at {as_at:%d %b %Y}"

    grid = master.grid if master.grid is not None else grid_from_worksheet(ws)
    columns = trust.map_columns(grid, detection.header_row)
    header_row = master.header_row
    table_end = max([header_row] + [a.origin.row for a in plan.actions if a.origin])
    status_col = _ensure_column(
        ws, header_row, columns.fields.get("status"), "Status", 20, table_end
    )
    computed_cols = {
        c.field: _ensure_column(
            ws, header_row, columns.computed.get(c.field), c.header, c.width, table_end
        )
        for c in trust.COMPUTED
    }

    changes: list[Change] = sheets.write_settings(wb, settings, source=source)
    sheets.write_owners(wb, plan.owners)
    notes: list[str] = []
    assessments: list[tuple[Action, Assessment]] = []
    for action in plan.actions:
        assessment = assess(action, as_at)
        assessments.append((action, assessment))
        new_status = _status_cell_value(action, assessment, words)
        if assessment.status is not None:  # the plan now says what the sheet will say
            action.status = assessment.status
            action.status_text = new_status
    report = check_plan(plan, as_at, words, file=str(path) if path else None)

    def write(
        row: int, col: int, value: Any, label: str, action: Action, *, computed: bool = False
    ) -> None:
        cell = ws.cell(row, col)
        if comparable(cell.value) == comparable(value):
            return
        old = cell.value
        if not set_value(cell, value):
            notes.append(f"row {row}: {label} is inside merged cells; not changed")
            return
        # The first fill of an empty computed cell is not a change to anything a person wrote;
        # every other change, and every Status change, goes in the Change Log.
        if not (computed and comparable(old) is None):
            changes.append(Change(action.id, label, old, value, source))

    problems_by_row: dict[int | None, list[str]] = {}
    for p in report.problems:
        problems_by_row.setdefault(p.location.row, []).append(
            ("Note: " if p.severity is Severity.INFO else "") + p.message
        )
    wrap_top = wrap_top_setter(wb)
    for action, assessment in assessments:
        assert action.origin is not None
        row = action.origin.row
        write(row, status_col, action.status_text, "Status", action)
        problems = problems_by_row.get(row, [])
        write(
            row,
            computed_cols["overdue"],
            _overdue_text(assessment),
            "Overdue",
            action,
            computed=True,
        )
        write(
            row,
            computed_cols["days_overdue"],
            assessment.days_overdue,
            "Days overdue",
            action,
            computed=True,
        )
        write(
            row,
            computed_cols["problems"],
            "\n".join(problems) or None,
            "Problems",
            action,
            computed=True,
        )
        for col in computed_cols.values():
            wrap_top(ws.cell(row, col))
        _fit_row(ws, row, computed_cols["problems"], "\n".join(problems))

    sheets.write_lists(wb, words)
    sheets.change_log_sheet(wb)
    last_row = max([header_row + 1] + [a.origin.row for a in plan.actions if a.origin])
    fmt_last = last_row + SPARE_ROWS
    due_col = columns.fields.get("due")
    pcs_col = columns.fields.get("characteristics")
    apply_rag_formatting(
        ws,
        status_col=status_col,
        due_col=due_col + 1 if due_col is not None else None,
        overdue_col=computed_cols["overdue"],
        first_row=header_row + 1,
        last_row=fmt_last,
        words=words,
    )
    apply_dropdowns(
        ws,
        status_col=status_col,
        characteristics_col=pcs_col + 1 if pcs_col is not None else None,
        first_row=header_row + 1,
        last_row=fmt_last,
    )
    apply_print_setup(ws, header_row=header_row, as_at=as_at)
    if ws.freeze_panes is None:
        ws.freeze_panes = f"B{header_row + 1}"
    last_col = get_column_letter(max(ws.max_column, *computed_cols.values()))
    if not ws.auto_filter.filterColumn:  # never drop a filter the user has set
        ws.auto_filter.ref = f"A{header_row}:{last_col}{last_row}"
    sheets.append_changes(wb, changes, now or datetime.now().replace(microsecond=0))
    theme_col, owner_col = columns.fields.get("theme"), columns.fields.get("owner")
    summary, summary_notes = write_summary(
        wb,
        plan,
        assessments,
        as_at,
        settings,
        PlanColumns(
            ws,
            header_row + 1,
            fmt_last,
            status_col,
            theme_col + 1 if theme_col is not None else None,
            owner_col + 1 if owner_col is not None else None,
        ),
    )
    return RefreshResult(
        as_at=as_at,
        plan=plan,
        assessments=assessments,
        report=report,
        changes=changes,
        notes=notes + summary_notes,
        summary=summary,
    )


def refresh_workbook(
    path: str | Path,
    as_at: date | None = None,
    *,
    out: str | Path | None = None,
    now: datetime | None = None,
) -> RefreshResult:
    """Refresh the master at ``path``; in place (with a backup) unless ``out`` is given."""
    path = Path(path)
    with gc_paused():
        wb = load_master(path)
        result = refresh_book(wb, as_at, now=now, path=path.name)
        target = Path(out) if out else path
        result.backup = save_master(wb, target, notes=result.notes)
    result.path = target
    return result


# --- a new master --------------------------------------------------------------------------


def _cell_value(action: Action, fld: str) -> Any:
    """The value to write for a model field: what the source held, as it held it."""
    match fld:
        case "id":
            return action.id or None
        case "references":
            return action.references_text
        case "characteristics":
            return action.characteristics_text
        case "start":
            return action.start.raw
        case "due":
            return action.due.raw
        case "status":
            return action.status_text
        case _:
            return getattr(action, fld)


def build_master_book(
    plan: ActionPlan,
    as_at: date,
    *,
    trust_name: str | None = None,
    start: WorkbookType | None = None,
) -> WorkbookType:
    """A new workbook in the trust layout holding ``plan`` as read (not yet refreshed).

    ``start`` is an empty workbook to build in instead of a blank one (the macro-enabled
    one with the buttons, :func:`edi_xl.excel.macro_enabled_start`).
    """
    wb = start if start is not None else Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = PLAN_SHEET
    ws["A1"] = plan.title or "Equality, diversity and inclusion action plan"
    ws["A1"].font = TITLE_FONT
    ws["A2"] = (
        "RAG: Green = on track, Amber = at risk, Red = exceeded timescales, "
        "Blue = complete with evidence. Grey columns are filled in by edi_xl."
    )
    ws["A2"].font = SUBTITLE_FONT
    update_headers = plan.update_headers or [update_header(as_at)]
    headers: list[tuple[str, float, bool]] = [
        (c.header, PLAN_WIDTHS.get(c.field, c.width), False) for c in trust.COLUMNS
    ]
    headers += [(h, PLAN_UPDATE_WIDTH, False) for h in update_headers]
    headers += [(c.header, PLAN_WIDTHS.get(c.field, c.width), True) for c in trust.COMPUTED]
    headers += [(h, 18, False) for h in plan.extra_columns]
    for col, (text, width, computed) in enumerate(headers, start=1):
        cell = ws.cell(HEADER_ROW, col)
        set_value(cell, text)
        cell.alignment = HEADER_ALIGN
        cell.border = GRID_BORDER
        if computed:
            cell.font, cell.fill = COMPUTED_HEADER_FONT, COMPUTED_HEADER_FILL
            cell.comment = Comment(COMPUTED_NOTE, "edi_xl")
        else:
            cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        ws.column_dimensions[get_column_letter(col)].width = width
    # Bold headers are wider than body text: estimated with fewer characters a line.
    ws.row_dimensions[HEADER_ROW].height = row_height(
        ((text, width) for text, width, _ in headers), chars_per_width=0.95
    )
    ws.row_dimensions[1].height = TITLE_ROW_POINTS
    first_update = len(trust.COLUMNS) + 1
    first_extra = first_update + len(update_headers) + len(trust.COMPUTED)
    for r, action in enumerate(plan.actions, start=HEADER_ROW + 1):
        values: list[tuple[int, Any]] = [
            (i, _cell_value(action, c.field)) for i, c in enumerate(trust.COLUMNS, start=1)
        ]
        texts = {u.header: u.text for u in action.updates}
        values += [(first_update + i, texts.get(h)) for i, h in enumerate(update_headers)]
        values += [(first_extra + i, action.extra.get(h)) for i, h in enumerate(plan.extra_columns)]
        for col, value in values:
            cell = ws.cell(r, col)
            set_value(cell, value)
            cell.alignment = WRAP_TOP
            cell.border = GRID_BORDER
        ws.cell(r, 1).number_format = "@"  # ids are text: 1.10 is not 1.1
        ws.row_dimensions[r].height = row_height(
            (value, headers[col - 1][1]) for col, value in values
        )
    sheets.write_settings(wb, Settings(as_at=as_at, trust_name=trust_name))
    sheets.write_lists(wb, Settings().words)
    sheets.change_log_sheet(wb)
    return wb


def new_master(
    path: str | Path,
    plan: ActionPlan | None,
    as_at: date,
    *,
    trust_name: str | None = None,
    now: datetime | None = None,
    overwrite: bool = False,
) -> RefreshResult:
    """Write a new master at ``path`` holding ``plan`` (or no actions), refreshed."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise EdiXlError(f"{path}: already exists; refusing to overwrite it (use --force)")
    plan = plan or ActionPlan()
    start = None
    if path.suffix.lower() == ".xlsm":  # macro-enabled: with the buttons (edi_xl.excel)
        from edi_xl.excel import bind_document_modules, macro_enabled_start

        start = macro_enabled_start([c.width for c in trust.COLUMNS])
    wb = build_master_book(plan, as_at, trust_name=trust_name, start=start)
    source = (
        f"new master from {Path(plan.source.path).name}"
        if plan.source and plan.source.path
        else "new master"
    ) + f" as at {as_at:%d %b %Y}"  # the round its Change Log lines belong to
    result = refresh_book(wb, as_at, source=source, now=now, path=path.name)
    if start is not None:
        bind_document_modules(wb)
    result.backup = save_atomic(wb, path)
    result.path = path
    return result
