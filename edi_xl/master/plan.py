"""The master's plan sheet: finding and reading it in a loaded master, loading a master
for editing (the patch writer's baseline is taken here), and building a new one.

Refreshing it is :mod:`edi_xl.flows.refresh`.
"""

from __future__ import annotations

import gc
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from io import BytesIO
from operator import itemgetter
from pathlib import Path
from typing import Any

from lxml import etree
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import range_boundaries
from openpyxl.workbook.workbook import Workbook as WorkbookType
from openpyxl.worksheet.worksheet import Worksheet

from edi_xl.core.errors import (
    EdiXlError,
    LayoutNotFoundError,
    NamesTakenError,
    UnreadableFileError,
    cannot_open,
)
from edi_xl.core.model import Action, ActionPlan
from edi_xl.core.rounds import undated_in_round, update_header
from edi_xl.core.status import RAG
from edi_xl.master import sheets
from edi_xl.master.cells import set_value
from edi_xl.master.column_settings import column_width, set_column_width
from edi_xl.master.columns import insert_column, name_table_column, table_takes_column
from edi_xl.master.loading import (
    PlacedCells,
    extent,
    formula_places,
    load_workbook_fast,
    made_cells,
    shown_values,
    unmade_values,
)
from edi_xl.master.package import ROOT_RELS, canonical_package, is_package
from edi_xl.master.patch import remember_package
from edi_xl.master.printing import grow_print_area
from edi_xl.master.save import file_state, note_read
from edi_xl.master.sheets import Settings
from edi_xl.master.styles import (
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
from edi_xl.master.summary_sheet import (
    MARKER_NAME,
    SUMMARY,
    is_the_trusts_summary,
    made_again,
)
from edi_xl.read.grid import SheetGrid, grid_from_worksheet
from edi_xl.tables.engine import HEADER_SCAN_ROWS
from edi_xl.tables.layouts import trust
from edi_xl.tables.layouts.base import Detection

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


# --- finding the plan in a workbook --------------------------------------------------------


def sheet_grid(ws: Worksheet) -> SheetGrid:
    """The values of ``ws`` as a grid (:func:`~edi_xl.read.grid.grid_from_worksheet`), as its
    cells hold them now: those of a sheet whose cells are made on use (``load_master``) read
    without making them; a formula's cell as it shows in Excel (the result saved with the
    file, :func:`~edi_xl.master.loading.shown_values`), or its text where the file holds none.
    A cell holding an error with no formula reads as empty, as a formula showing one does: a
    value pasted from a formula showing ``#N/A``, or a picture placed in the cell (Excel 365's
    Place in Cell, which the file holds as ``#VALUE!``; helper-82: an owner "#VALUE!" was sent
    a return)."""
    made, held, shown = made_cells(ws), unmade_values(ws), shown_values(ws)
    errors = {place: "" for place, cell in made.items() if cell.data_type == "e"}
    if "e" in map(itemgetter(3), held):  # (cells as values: row, column, value, type...)
        held = [value for value in held if value[3] != "e"]
    grid = grid_from_worksheet(
        ws, made, held, {**shown, **errors} if errors else shown, formula_places(ws)
    )
    for left, top, right, bottom in table_totals(ws):  # (not actions: a table's Total Row)
        for r in range(top, min(bottom, len(grid.rows)) + 1):
            line = grid.rows[r - 1]
            for c in range(left - 1, min(right, len(line))):
                line[c] = None  # (that table's cells only: a table beside the plan's row)
    return grid


def table_totals(ws: Worksheet) -> list[tuple[int, int, int, int]]:
    """The totals rows of the tables of ``ws`` (Excel's "Format as Table" with "Total Row"
    ticked), each as the cells it covers, (left, top, right, bottom), 1-based."""
    found = []
    for table in ws.tables.values():
        count = table.totalsRowCount or 0
        if count and table.ref:
            left, _, right, last = range_boundaries(table.ref)
            found.append((left, last - count + 1, right, last))
    return found


def _find_plan_sheet(wb: WorkbookType, path: object) -> tuple[Worksheet, Detection, SheetGrid]:
    """The sheet holding the trust-layout table ("Action Plan" preferred), with its grid. A
    sheet the trust titled "Summary" (not edi_xl's: no marker name on it) is taken only when
    no other sheet holds one: a plan kept on it was not found at all."""
    found: list[tuple[bool, float, Worksheet, Detection, SheetGrid]] = []
    for ws in wb.worksheets:
        trusts_summary = ws.title == SUMMARY and is_the_trusts_summary(wb, ws)
        if ws.title in EDI_XL_SHEETS and not trusts_summary:
            continue
        grid = sheet_grid(ws)
        detection = trust.detect(grid)
        if detection:
            bonus = 1.0 if ws.title == PLAN_SHEET else 0.0
            found.append((not trusts_summary, detection.score + bonus, ws, detection, grid))
    if not wb.worksheets:  # (chart sheets only, or sheets whose parts are missing)
        raise LayoutNotFoundError(
            f"{path or 'workbook'}: no action-plan table found: no worksheet could be read "
            "from the workbook"
            + (
                f" (only chart sheets: {', '.join(map(repr, wb.sheetnames))})"
                if wb.sheetnames
                else ""
            )
        )
    if not found:
        raise LayoutNotFoundError(
            f"{path or 'workbook'}: no action-plan table found: looked in the first "
            f"{HEADER_SCAN_ROWS} rows of sheets {', '.join(repr(s) for s in wb.sheetnames)} "
            "for a header row with '#', 'Action', 'Action Owner', 'Due Date' and 'Status'. "
            f"A table whose header row is below row {HEADER_SCAN_ROWS} is not found: move it "
            f"up so that its header row is within the first {HEADER_SCAN_ROWS}."
        )
    *_, ws, detection, grid = max(found, key=lambda t: t[:2])
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


def load_master(
    path: str | Path,
    *,
    remakes_summary: bool = False,
    log_as_values: bool = False,
) -> WorkbookType:
    """Open a master for editing, keeping VBA and buttons of an .xlsm.

    ``remakes_summary``: the caller makes the Summary again (a refresh does, and so does
    every command that refreshes) or does not read it: edi_xl's Summary is then loaded
    without its rows, the tenth of a big master's cells that would only be thrown away.
    Whatever writes such a workbook whole refuses to (:func:`edi_xl.master.patch.save_master`).

    ``log_as_values``: the caller reads the Change Log only with :func:`sheets.read_change_log`
    and adds lines only with :func:`sheets.append_changes`: its lines are then read as values,
    not made openpyxl cells (:func:`edi_xl.master.loading.sheet_values`). The log grows by
    thousands of lines a round, and in a year holds more cells than the plan; read so, a
    command's time and memory hardly grow with it.

    Every other sheet's cells (the plan's, the trust's own sheets') are read as values and
    made openpyxl cells when the sheet's cells are first used (``cells_on_use``): a refresh
    makes the cells it writes only (:class:`edi_xl.master.loading.PlacedCells`), not
    the thousands of cells of text it only reads (:func:`read_master_plan` reads them as
    values), and a sheet nothing uses is never made.
    """
    path = Path(path)
    if not path.exists():
        raise UnreadableFileError(path, "file not found")
    _check_is_master_format(path)
    keep_vba = path.suffix.lower() in (".xlsm", ".xltm")
    try:
        before = file_state(path)  # (before reading: a change while it is read counts)
        raw = path.read_bytes()
        read_as = before._replace(crc=zlib.crc32(raw))
        data = canonical_package(raw)
        if is_strict_ooxml(data):
            raise UnreadableFileError(path, STRICT_OOXML)
        if is_prerelease_ooxml(data):
            raise UnreadableFileError(path, PRERELEASE_OOXML)
        with gc_paused(), warnings.catch_warnings():
            # openpyxl warns that it will drop what it does not model (sparklines, x14
            # extensions...); the patched save keeps them, so the warning is not true here
            warnings.simplefilter("ignore", UserWarning)
            wb = load_workbook_fast(
                data,
                keep_vba=keep_vba,
                keep_links=True,
                rich_text=False,
                skip_rows=made_again if remakes_summary else None,
                values_only=(sheets.CHANGE_LOG,) if log_as_values else (),
                cells_on_use=True,
            )
            if is_package(BytesIO(data)):
                remember_package(wb, data)  # saved by patching this file (master.patch)
    except EdiXlError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise cannot_open(path, exc) from exc
    note_read(wb, path, read_as)  # its save refuses a file changed since (master.save)
    taken = sheets.sheets_not_ours(wb, sheets.is_a_master(wb, MARKER_NAME))
    names = sheets.names_not_ours(wb, taken)
    if taken or names:  # edi_xl would write into the trust's own: refuse before any work
        charts = [ws.title for ws in wb.chartsheets if ws.title in taken]
        raise NamesTakenError(path, taken, names, charts)
    return wb


#: Why a Strict Open XML workbook is refused: openpyxl reads one as a workbook without sheets.
STRICT_OOXML = (
    "saved as a Strict Open XML Spreadsheet, which edi_xl cannot open as a master: in Excel, "
    'File > Save As and choose "Excel Workbook (*.xlsx)", then try again (edi-xl import '
    "reads it as it is, to make a new master of its actions)"
)
#: The relationship type of a Strict Open XML package's main part (Transitional's is
#: http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument).
_STRICT_OFFICE_DOCUMENT = b"http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument"


def is_strict_ooxml(data: bytes) -> bool:
    """Whether ``data`` is a workbook saved as Strict Open XML (Excel's "Strict Open XML
    Spreadsheet"): its package relationships name the workbook with Strict's type."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            info = archive.getinfo(ROOT_RELS)
            if info.file_size > 1_000_000:  # (a relationships part is a few hundred bytes)
                return False
            return _STRICT_OFFICE_DOCUMENT in archive.read(info)
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, RuntimeError):
        return False  # not a package, or no relationships: openpyxl's message says so


#: Why a workbook saved by a pre-release of Excel 2007 is refused: openpyxl reads its sheets
#: names but none of their cells (another namespace), and a save would write them empty.
PRERELEASE_OOXML = (
    "saved by a pre-release (beta) of Excel 2007, in a format edi_xl cannot read: if Excel "
    'opens it, File > Save As and choose "Excel Workbook (*.xlsx)", then try again'
)
#: The namespace of the workbook and its sheets in Excel 2007's pre-release (beta) files
#: (POI's sample-beta.xlsx); Excel 2007 itself writes spreadsheetml/2006/main.
_PRERELEASE_MAIN = "http://schemas.microsoft.com/office/excel/2006/2"


def is_prerelease_ooxml(data: bytes) -> bool:
    """Whether ``data`` is a workbook saved by a pre-release of Excel 2007: its workbook
    part (``xl/workbook.xml`` or where the package's relationships put it) is in the
    pre-release namespace."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            part = "xl/workbook.xml"
            rels = archive.getinfo(ROOT_RELS)
            if rels.file_size <= 1_000_000:  # (a relationships part is a few hundred bytes)
                for el in etree.fromstring(archive.read(rels), _PARSER):
                    if el.get("Type", "").endswith("/officeDocument"):
                        part = el.get("Target", part).lstrip("/")
            with archive.open(part) as src:
                for _, el in etree.iterparse(src, events=("start",), **_PARSER_OPTIONS):
                    return etree.QName(el).namespace == _PRERELEASE_MAIN
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, RuntimeError, etree.Error):
        pass  # not a package, or no workbook part: openpyxl's message says so
    return False


_PARSER_OPTIONS: dict[str, Any] = {"resolve_entities": False, "no_network": True}
_PARSER = etree.XMLParser(**_PARSER_OPTIONS)


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
    from edi_xl.read.sniff import sniff_format

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


# --- a new master --------------------------------------------------------------------------


def action_cell_value(action: Action, fld: str) -> Any:
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
    """A new workbook in the trust layout holding ``plan`` as read (not yet refreshed), its
    update column dated nowhere, if any, named as the round's (:func:`undated_in_round`).

    ``start`` is an empty workbook to build in instead of a blank one (the macro-enabled
    one with the buttons, :func:`edi_xl.master.vba.macro_enabled_start`).
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
    # a source's update column dated nowhere ("Progress") is the round's "Update as at <as-at>"
    in_round = undated_in_round(
        plan.update_headers, ([u.header for u in a.updates if u.text] for a in plan.actions), as_at
    )
    update_headers = list(dict.fromkeys(in_round.get(h, h) for h in plan.update_headers))
    update_headers = update_headers or [update_header(as_at)]
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
        # (the macro-enabled start, XlsxWriter's, saves columns alike as one span: a width
        # set on a column inside it would overlap it, which Excel repairs)
        set_column_width(ws, col, width)
    # Bold headers are wider than body text: estimated with fewer characters a line.
    ws.row_dimensions[HEADER_ROW].height = row_height(
        ((text, width) for text, width, _ in headers), chars_per_width=0.95
    )
    ws.row_dimensions[1].height = TITLE_ROW_POINTS
    first_update = len(trust.COLUMNS) + 1
    first_extra = first_update + len(update_headers) + len(trust.COMPUTED)
    for r, action in enumerate(plan.actions, start=HEADER_ROW + 1):
        values: list[tuple[int, Any]] = [
            (i, action_cell_value(action, c.field)) for i, c in enumerate(trust.COLUMNS, start=1)
        ]
        texts = {in_round.get(u.header, u.header): u.text for u in action.updates if u.text}
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


def round_column(ws: Worksheet, header_row: int, as_at: date, grid: SheetGrid | None = None) -> int:
    """The 1-based column of the round's "Update as at <as-at>", inserted if missing.

    A new column goes where its date puts it among the update columns: after the last one,
    for a new round; before the first of a later round, for an earlier round's updates (an
    imported plan's). Columns to its right move along. ``grid`` is the sheet's values, when
    the caller has them and nothing was written since.
    """
    columns = trust.map_columns(grid or sheet_grid(ws), header_row - 1)
    later: list[int] = []
    for name, col in columns.updates.items():
        when = columns.update_dates.get(name)
        if when == as_at:
            return col + 1
        if when is not None and when > as_at:
            later.append(col)
    earlier = [col for col in columns.updates.values() if col < min(later, default=16384)]
    anchor = max(earlier, default=columns.fields.get("status", 0))
    new_col = anchor + 2  # 1-based, right after the last update column before it
    insert_column(ws, new_col)
    cell = PlacedCells(ws, (new_col,)).cell(header_row, new_col)  # (no other cell made)
    set_value(cell, update_header(as_at))
    cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGN
    name_table_column(ws, header_row, new_col)  # (a table the column went inside)
    if not later:
        # the plan kept as a table that ends on its last update column (on its Status, with
        # none yet) takes the new round in, as Excel's table takes a column whose header is
        # typed right of it (left beside it, the round's column had no filter, banding or
        # structured reference)
        table_takes_column(ws, header_row, new_col)
    # as wide as the previous round's column (a person may have set it), so that the plan
    # grows by no more than it must
    previous = column_width(ws, anchor + 1) if earlier else None
    set_column_width(ws, new_col, previous or trust.UPDATE_WIDTH)
    _print_area_takes(ws, anchor + 1, new_col)
    if earlier:
        _as_left(ws, header_row, anchor + 1, new_col)
    return new_col


def _print_area_takes(ws: Worksheet, left: int, col: int) -> None:
    """A print area of the trust's that ends on column ``left`` (the previous round's, or
    Status) takes the round's new column ``col`` beside it: the paper copy shows what owners
    said this round. (Excel widens a range only for a column inserted inside it, so a print
    area of the plan up to its last round left each new round out, without a word.)"""
    grow_print_area(ws, lambda b: (b[0], b[1], col, b[3]) if b[2] == left else None)


def _as_left(ws: Worksheet, header_row: int, left: int, col: int) -> None:
    """The new round's cells under the header take the look of the previous round's (Excel's
    "Format Same As Left" on an insert, which the buttons' insert asks Excel for): its
    borders, wrapping and font, and, on a protected sheet, the unlocked cells the trust
    left for typing in its update column."""
    placed = PlacedCells(ws, (left, col))
    for row in range(header_row + 1, extent(ws)[0] + 1):
        style = placed.style(row, left)
        if style is not None and any(style):
            placed.cell(row, col)._style = StyleArray(style)  # (the workbook has it)
