"""Buttons inside the workbook: "Refresh status", "Create owner returns", "Import returns",
"Start new round", "Board report".

A macro-enabled master (``edi-xl new plan.xlsm``) has its buttons above the table. Each one
is bound to a macro with no arguments in the workbook's ``EdiXlButtons`` module, which calls
Python through xlwings' classic ``RunPython`` (BSD licence, no key)::

    Sub RefreshStatus()
        RunPython "import edi_xl.excel; edi_xl.excel.refresh_status()"
    End Sub

The VBA project (:func:`vba_project`) is the Excel-made ``vbaProject.bin`` of the xlwings
wheel's standalone quickstart (``xlwings/quickstart_standalone.xlsm``: the ``xlwings`` module
with ``RunPython``), with the ``EdiXlButtons`` module (:func:`button_module_source`) added by
pyOpenVBA; the Excel-made modules are kept byte for byte. macros/ holds all of it as source and
the README explains the choice and its risk.

A button and the command give the same result, because both run the same library call:

1. :func:`read_book` reads every sheet's values once (A1 to the last used cell, as the
   xlwings VBA client sends them) and the workbook's names;
2. :func:`workbook_from_snapshot` builds an in-memory openpyxl workbook of those values;
3. the library function the CLI uses runs on it (``refresh_book``, ``merge_book``,
   ``make_owner_returns``);
4. :func:`plan_writes` compares cell values with what was read and :func:`apply_writes`
   writes back only what changed, as blocks, once.

Only the engine-independent part of the xlwings API is used, so the same code runs under
classic ``RunPython`` (COM), xlwings Server and xlwings Lite: values in blocks, number formats,
colours, ``sheets.add(after=...)``, a column insert, names, row autofit and one alert. Every
action the xlwings VBA client receives is one of :data:`VBA_CLIENT_ACTIONS`. Formatting the VBA
client cannot apply (fonts, conditional formats, dropdowns, charts) is built into the workbook
once by ``edi-xl new``/``refresh``; the Summary sheet is laid out so that values, number
formats and names are all that change.

Two traps of writing through Excel are handled here, not left to luck:

- Excel reads a string written as a value as if it were typed: ``"1.10"`` becomes 1.1,
  ``"=..."`` a formula, ``"1-2-3"`` a date (the VBA client turns any ``N-N-N`` into a date
  before Excel sees it). Text that could be misread is written with Excel's ``'`` prefix
  (:func:`excel_text`), so text stays text, as :func:`edi_xl.workbook.cells.set_value` does
  for files.
- Dates are written as Excel serial numbers with the cell's number format, not as strings.

xlwings and pyOpenVBA are imported lazily: the rest of edi_xl works without them.
"""

from __future__ import annotations

import functools
import io
import re
import tempfile
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils import coordinate_to_tuple, get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.workbook import Workbook as WorkbookType

from edi_xl.emails import no_address_note
from edi_xl.errors import EdiXlError
from edi_xl.headers import update_header
from edi_xl.text import plural
from edi_xl.workbook.cells import FORMULA_TRIGGERS, set_value
from edi_xl.workbook.sheets import DEFAULT_OWNER_RETURNS_FOLDER, DEFAULT_RETURNS_FOLDER

__all__ = [
    "BUTTONS",
    "BUTTON_MODULE",
    "DEFAULT_OWNER_RETURNS_FOLDER",
    "DEFAULT_RETURNS_FOLDER",
    "VBA_CLIENT_ACTIONS",
    "BookSnapshot",
    "Button",
    "Write",
    "apply_writes",
    "board_report",
    "board_report_in_excel",
    "button_module_source",
    "create_owner_returns",
    "excel_formula",
    "excel_text",
    "import_returns",
    "import_returns_in_excel",
    "macro_enabled_start",
    "owner_returns_in_excel",
    "plan_writes",
    "read_book",
    "refresh_in_excel",
    "refresh_status",
    "server_scripts",
    "start_new_round",
    "start_round_in_excel",
    "summary_writes",
    "standalone_vba_project",
    "vba_project",
    "workbook_from_snapshot",
]

TITLE = "edi_xl"
MODULE = "edi_xl.excel"
#: Longest message shown in the alert (VBA's MsgBox stops at 1,024 characters).
MAX_MESSAGE = 900


@dataclass(frozen=True)
class Button:
    """A button above the table: its caption, its macro and the Python function it runs."""

    caption: str
    macro: str  # the Sub in the EdiXlButtons module (the button's OnAction)
    function: str

    @property
    def command(self) -> str:
        """What ``RunPython`` runs."""
        return f"import {MODULE}; {MODULE}.{self.function}()"


BUTTONS: tuple[Button, ...] = (
    Button("Refresh status", "RefreshStatus", "refresh_status"),
    Button("Create owner returns", "CreateOwnerReturns", "create_owner_returns"),
    Button("Import returns", "ImportReturns", "import_returns"),
    Button("Start new round", "StartNewRound", "start_new_round"),
    Button("Board report", "BoardReport", "board_report"),
)

#: Every action the xlwings VBA client (xlwings/addin/Remote.bas) can apply. Button code must
#: emit no other: Excel would stop with "Cannot run the macro".
VBA_CLIENT_ACTIONS = frozenset(
    [
        "activateSheet",
        "addHyperlink",
        "addPicture",
        "addSheet",
        "addTable",
        "alert",
        "copyRange",
        "deletePicture",
        "nameDelete",
        "namesAdd",
        "rangeClear",
        "rangeClearContents",
        "rangeClearFormats",
        "rangeDelete",
        "rangeInsert",
        "rangeSelect",
        "resizeTable",
        "runMacro",
        "setAutofit",
        "setNumberFormat",
        "setPictureHeight",
        "setPictureName",
        "setPictureWidth",
        "setRangeColor",
        "setRangeName",
        "setSheetName",
        "setTableName",
        "setTableStyle",
        "setValues",
        "sheetClear",
        "sheetClearContents",
        "sheetClearFormats",
        "sheetDelete",
        "showAutofilterTable",
        "showHeadersTable",
        "showTotalsTable",
        "updatePicture",
    ]
)


# --- the macro-enabled workbook ----------------------------------------------------------------

QUICKSTART = "quickstart_standalone.xlsm"
#: Where the buttons sit: row 3 (blank, between the RAG key and the header), from column B.
BUTTON_ROW = 2  # 0-based, as XlsxWriter counts
BUTTON_ROW_HEIGHT = 30.0  # points
BUTTON_WIDTH, BUTTON_HEIGHT, BUTTON_GAP = 170, 30, 12  # pixels


def standalone_vba_project() -> bytes:
    """The Excel-made ``vbaProject.bin`` of the xlwings wheel's standalone quickstart.

    It holds the ``xlwings`` module (``RunPython``) and ``Module1.SampleCall``. It comes from
    the installed xlwings, so the VBA matches the Python package the buttons call.
    """
    try:
        source = resources.files("xlwings") / QUICKSTART
        data = source.read_bytes()
    except (ModuleNotFoundError, FileNotFoundError, OSError) as exc:
        raise EdiXlError(
            f"cannot make a macro-enabled master: xlwings' {QUICKSTART} was not found "
            f"({exc}); install xlwings (pip install xlwings)"
        ) from exc
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("xl/vbaProject.bin")


BUTTON_MODULE = "EdiXlButtons"


def button_module_source() -> str:
    """The VBA of the ``EdiXlButtons`` module: one macro with no arguments per button.

    macros/EdiXlButtons.bas is this text (a test keeps them equal). Line ends are LF here;
    the module stream gets CRLF, as the Visual Basic editor writes.
    """
    lines = [
        f'Attribute VB_Name = "{BUTTON_MODULE}"',
        "' The macros of the edi_xl buttons above the table on the Action Plan sheet.",
        "' Each runs edi_xl through xlwings' RunPython: the xlwings module in this workbook",
        "' (macros/xlwings.bas + macros/Dictionary.cls) or the xlwings add-in (Tools >",
        "' References > xlwings). `edi-xl new plan.xlsm` puts this module in the workbook; to",
        "' add the buttons to another workbook by hand, import this file (macros/README.md).",
        "Option Explicit",
    ]
    for button in BUTTONS:
        lines += ["", f"Sub {button.macro}()", f'    RunPython "{button.command}"', "End Sub"]
    return "\n".join(lines) + "\n"


@functools.cache
def vba_project() -> bytes:
    """The master's ``vbaProject.bin``: :func:`standalone_vba_project` with the
    ``EdiXlButtons`` module added.

    pyOpenVBA adds the module (source only: Excel compiles it on first open, as it does the
    quickstart's modules, whose project carries no compiled cache for any Excel version) and
    leaves the Excel-made modules' streams byte for byte. The result is the same bytes for the
    same xlwings and pyOpenVBA, so a made master and the shipped template can be compared.
    """
    try:
        import xlsxwriter
        from pyopenvba import ExcelFile
    except ImportError as exc:  # pragma: no cover - dependencies
        raise EdiXlError(
            "cannot make a macro-enabled master: pip install pyOpenVBA XlsxWriter"
        ) from exc
    with tempfile.TemporaryDirectory(prefix="edi_xl-vba-") as tmp:
        path = Path(tmp) / "vba.xlsm"
        book = xlsxwriter.Workbook(str(path))
        book.add_worksheet()
        book.add_vba_project(io.BytesIO(standalone_vba_project()), is_stream=True)
        book.set_vba_name("ThisWorkbook")
        book.close()
        with ExcelFile(path) as wb:
            wb.vba_project().add_module(BUTTON_MODULE, button_module_source().replace("\n", "\r\n"))
            wb.save()
        with ExcelFile(path) as wb:
            problems = wb.validate()
            if problems or BUTTON_MODULE not in wb.module_names():
                raise EdiXlError(
                    "cannot make a macro-enabled master: the VBA project came out "
                    f"inconsistent ({'; '.join(problems) or 'module missing'})"
                )
            return wb.vba_project_bytes()


def macro_enabled_start(column_widths: Iterable[float] = ()) -> WorkbookType:
    """An empty macro-enabled workbook to build a master in: the xlwings VBA project and
    the buttons on an "Action Plan" sheet, loaded with openpyxl (``keep_vba=True``).

    ``column_widths`` are the widths the builder gives columns A, B, ...: the buttons are
    anchored to cells, so the shell is laid out with the final widths.
    """
    try:
        import xlsxwriter
    except ImportError as exc:  # pragma: no cover - a dependency
        raise EdiXlError("cannot make a macro-enabled master: pip install XlsxWriter") from exc
    from edi_xl.workbook.master import PLAN_SHEET

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet(PLAN_SHEET)
    book.add_vba_project(io.BytesIO(vba_project()), is_stream=True)
    book.set_vba_name("ThisWorkbook")
    sheet.set_vba_name("Sheet1")
    for col, width in enumerate(column_widths):
        sheet.set_column(col, col, width)
    sheet.set_row(BUTTON_ROW, BUTTON_ROW_HEIGHT)
    for i, button in enumerate(BUTTONS):
        sheet.insert_button(
            BUTTON_ROW,
            1,
            {
                "macro": button.macro,
                "caption": button.caption,
                "width": BUTTON_WIDTH,
                "height": BUTTON_HEIGHT,
                "x_offset": 4 + i * (BUTTON_WIDTH + BUTTON_GAP),
                "y_offset": 4,
            },
        )
    book.close()
    buffer.seek(0)
    return load_workbook(buffer, keep_vba=True, rich_text=False)


def bind_document_modules(wb: WorkbookType) -> None:
    """Give the first two sheets the code names of the VBA project's sheet modules.

    The Excel-made project has the document modules ThisWorkbook, Sheet1 and Sheet2; a file
    Excel saves has one sheet per sheet module, so the second sheet gets Sheet2.
    """
    for ws, name in zip(wb.worksheets, ("Sheet1", "Sheet2"), strict=False):
        ws.sheet_properties.codeName = name


# --- reading the workbook once -----------------------------------------------------------------


@dataclass
class BookSnapshot:
    """What was read from the open workbook: each sheet's values from A1, and its names."""

    name: str
    fullname: str
    sheets: list[tuple[str, list[list[Any]]]]
    names: list[tuple[str, str]] = field(default_factory=list)  # (name, "=Sheet!$A$1")

    @property
    def folder(self) -> Path:
        """The folder the workbook is in (the current folder when Excel does not say)."""
        path = Path(self.fullname)
        return path.parent if path.is_absolute() else Path.cwd()


def _read_value(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)  # Excel has only doubles; a file keeps 5 as 5
    if value == "":
        return None
    return value


def read_book(book: Any) -> BookSnapshot:
    """Every sheet's values, A1 to the last used cell, read once (one read per sheet)."""
    sheets: list[tuple[str, list[list[Any]]]] = []
    for sheet in book.sheets:
        last = sheet.used_range.last_cell
        values = sheet.range((1, 1), (last.row, last.column)).options(ndim=2).value or [[]]
        sheets.append((sheet.name, [[_read_value(v) for v in row] for row in values]))
    names: list[tuple[str, str]] = []
    for name in book.names:
        try:
            label, refers_to = name.name, name.refers_to
        except Exception:  # a name Excel cannot express as a reference  # noqa: BLE001
            continue
        if "!" in label or label.startswith("_xlnm."):  # sheet-scoped or Excel's own
            continue
        if isinstance(refers_to, str) and "!" in refers_to and "[" not in refers_to:
            names.append((label, refers_to))
    return BookSnapshot(book.name, book.fullname, sheets, names)


Key = tuple[str, int, int]  # (sheet, row, column), 1-based


def workbook_from_snapshot(snapshot: BookSnapshot) -> tuple[WorkbookType, dict[Key, Any]]:
    """An openpyxl workbook holding the values read, and each cell's value as built.

    Every cell of the read range exists (empty ones too), so the sheets' extent is the one
    Excel reported. Text is written with ``set_value``: text that looks like a formula stays
    text.
    """
    wb = Workbook()
    assert wb.active is not None
    wb.remove(wb.active)
    before: dict[Key, Any] = {}
    for name, rows in snapshot.sheets:
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                cell = ws.cell(r, c)
                if value is not None:
                    set_value(cell, value)
                    before[(name, r, c)] = cell.value
    for name, refers_to in snapshot.names:
        if name not in wb.defined_names:
            wb.defined_names[name] = DefinedName(name, attr_text=refers_to.lstrip("="))
    return wb, before


# --- writing back what changed, once -----------------------------------------------------------


@dataclass(frozen=True)
class Write:
    """One block written back: ``kind`` is values | clear | number_format | color | autofit
    (columns) | autofit_rows | insert_column | add_sheet | name. Rows and columns are 1-based."""

    kind: str
    sheet: str | None = None
    row: int = 1
    column: int = 1
    values: list[list[Any]] | None = None
    rows: int = 1
    columns: int = 1
    arg: Any = None


def excel_text(text: str) -> str:
    """``text`` as a value to write through Excel so that it stays this very text.

    Excel (and before it the VBA client) reads a written string as if typed: numbers, dates,
    times, percentages, TRUE/FALSE, error codes and formulas are converted. Such text gets
    Excel's ``'`` prefix, which marks the cell as text and is not part of its value.
    """
    stripped = text.strip()
    if (
        text.startswith((*FORMULA_TRIGGERS, "'", "#"))
        or any(ch.isdigit() for ch in text)
        or stripped.upper() in ("TRUE", "FALSE")
        or stripped != text
    ):
        return "'" + text
    return text


def _is_date(value: Any) -> bool:
    return isinstance(value, date | time | timedelta)


def _to_excel_value(value: Any) -> Any:
    if isinstance(value, str):
        return excel_text(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, datetime | date | time | timedelta):
        serial = to_excel(value)
        return int(serial) if float(serial).is_integer() else serial
    return value


def _runs(numbers: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive runs (first, last) of the sorted distinct ``numbers``."""
    runs: list[tuple[int, int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    return runs


def _blocks(cells: Iterable[tuple[int, int]]) -> list[tuple[int, int, int, int]]:
    """Rectangles (row, column, rows, columns) covering ``cells`` exactly: runs down each
    column, then runs of the same rows side by side joined."""
    by_col: dict[int, list[int]] = defaultdict(list)
    for r, c in cells:
        by_col[c].append(r)
    same_rows: dict[tuple[int, int], list[int]] = defaultdict(list)
    for c, rows in by_col.items():
        for run in _runs(rows):
            same_rows[run].append(c)
    return sorted(
        (r1, c1, r2 - r1 + 1, c2 - c1 + 1)
        for (r1, r2), cols in same_rows.items()
        for c1, c2 in _runs(cols)
    )


def _fill_colour(cell: Any) -> str | None:
    fill = cell.fill
    if fill is None or fill.fill_type != "solid":
        return None
    rgb = fill.fgColor.rgb if fill.fgColor is not None else None
    if isinstance(rgb, str) and len(rgb) in (6, 8):
        return "#" + rgb[-6:].upper()
    return None


def _shift_right(before: dict[Key, Any], sheet: str, col: int) -> dict[Key, Any]:
    return {(s, r, c + 1 if s == sheet and c >= col else c): v for (s, r, c), v in before.items()}


def summary_writes(
    snapshot: BookSnapshot, result: WorkbookType
) -> tuple[frozenset[str], frozenset[str]]:
    """(sheets to rewrite as a whole, sheets to leave alone) for the Summary sheet.

    edi_xl's Summary, already in the workbook, is rewritten as a whole: its look (conditional
    formatting, column styles, charts over named ranges) is in the workbook already, so its
    values, number formats and names are all a button writes. It is left alone when its
    fingerprint (a digest of its formulas and values, in a hidden cell) is the one the
    workbook has: nothing would change. A Summary the workbook did not have is left to
    ``edi-xl refresh``: a button cannot make its formatting and charts.
    """
    from edi_xl.workbook.summary_sheet import FINGERPRINT_CELL, MARKER_NAME, SUMMARY

    if SUMMARY not in result.sheetnames or MARKER_NAME not in result.defined_names:
        return frozenset(), frozenset()  # none, or the trust's own: the library left it
    old = dict(snapshot.sheets).get(SUMMARY)
    if old is None:
        return frozenset(), frozenset({SUMMARY})
    r, c = coordinate_to_tuple(FINGERPRINT_CELL)
    was = old[r - 1][c - 1] if len(old) >= r and len(old[r - 1]) >= c else None
    if was is not None and was == result[SUMMARY].cell(r, c).value:
        return frozenset(), frozenset({SUMMARY})
    return frozenset({SUMMARY}), frozenset()


def excel_formula(formula: str) -> str:
    """A formula as typed into Excel: without the ``_xlfn.``/``_xlws.`` prefixes the file
    format puts before newer functions (Excel adds them back when it saves)."""
    return re.sub(r"\b_xl(?:fn|ws)\.", "", formula)


def _reference(refers_to: str) -> str:
    """A name's reference compared as Excel reports it: no quotes, ``A1:A1`` as ``A1``."""
    text = refers_to.lstrip("=").replace("'", "")
    return re.sub(r"(\$?[A-Z]+\$?\d+):\1(?![\d])", r"\1", text)


def _sheet_of(refers_to: str) -> str:
    return refers_to.lstrip("=").rsplit("!", 1)[0].strip("'").replace("''", "'")


Cells = dict[tuple[int, int], None]  # an ordered set of (row, column)


def _block_writes(
    sheet: str,
    values: dict[tuple[int, int], Any],
    clears: Cells,
    formats: dict[str, Cells],
    colours: dict[str, Cells],
) -> list[Write]:
    """The writes of one sheet, as rectangles: values, clears, number formats, colours."""
    writes: list[Write] = []
    for r, c, nr, nc in _blocks(values):
        block = [[values[(r + i, c + j)] for j in range(nc)] for i in range(nr)]
        writes.append(Write("values", sheet, r, c, block, nr, nc))
    for r, c, nr, nc in _blocks(clears):
        writes.append(Write("clear", sheet, r, c, None, nr, nc))
    for fmt, cells in formats.items():
        for r, c, nr, nc in _blocks(cells):
            writes.append(Write("number_format", sheet, r, c, None, nr, nc, fmt))
    for colour, cells in colours.items():
        for r, c, nr, nc in _blocks(cells):
            writes.append(Write("color", sheet, r, c, None, nr, nc, colour))
    return writes


def _rewrite_sheet(ws: Any, extent: tuple[int, int]) -> list[Write]:
    """Write ``ws`` over the open sheet as a whole: clear the contents Excel reported (A1 to
    the last used cell), write every value and formula with its number format, then fit the
    rows to the text. Formatting, conditional formats and charts stay as they are."""
    writes: list[Write] = []
    rows, columns = extent
    if rows and columns:
        writes.append(Write("clear", ws.title, 1, 1, None, rows, columns))
    values: dict[tuple[int, int], Any] = {}
    formats: dict[str, Cells] = defaultdict(dict)
    colours: dict[str, Cells] = defaultdict(dict)
    for (r, c), cell in ws._cells.items():
        if cell.value is None:
            continue
        if cell.data_type == "f":
            values[(r, c)] = excel_formula(str(cell.value))
        else:
            values[(r, c)] = _to_excel_value(cell.value)
        formats[cell.number_format][(r, c)] = None
        if (colour := _fill_colour(cell)) is not None:
            colours[colour][(r, c)] = None
    writes += _block_writes(ws.title, values, {}, formats, colours)
    if ws.max_row and ws.max_column:
        writes.append(Write("autofit_rows", ws.title, 1, 1, None, ws.max_row, ws.max_column))
    return writes


def plan_writes(
    snapshot: BookSnapshot,
    before: dict[Key, Any],
    result: WorkbookType,
    *,
    inserted_column: tuple[str, int] | None = None,
    leave: Iterable[str] = (),
    rewrite: Iterable[str] = (),
) -> list[Write]:
    """What to write so that the open workbook's values become ``result``'s.

    ``before`` is each cell's value as built from the snapshot; ``inserted_column``
    (sheet, 1-based column) is a column the library inserted, done first in Excel too, so
    that formats, conditional formats and dropdowns move with the values as in the file.
    Sheets in ``leave`` (and names pointing into them) are not written. Sheets in ``rewrite``
    are written as a whole (:func:`_rewrite_sheet`), not by difference.
    """
    leave = frozenset(leave)
    rewrite = frozenset(rewrite)
    extents = {
        name: (len(rows), max((len(row) for row in rows), default=0))
        for name, rows in snapshot.sheets
    }
    writes: list[Write] = []
    if inserted_column is not None:
        sheet, col = inserted_column
        writes.append(Write("insert_column", sheet, 1, col))
        before = _shift_right(before, *inserted_column)
    known = [name for name, _ in snapshot.sheets]
    new_sheets = [
        ws.title for ws in result.worksheets if ws.title not in known and ws.title not in leave
    ]
    order = [ws.title for ws in result.worksheets]
    for name in new_sheets:
        at = order.index(name)
        after = next((s for s in reversed(order[:at]) if s in known), None)
        writes.append(Write("add_sheet", name, arg=after))
        known.append(name)
    for ws in result.worksheets:
        if ws.title in leave:
            continue
        new_sheet = ws.title in new_sheets
        if ws.title in rewrite and not new_sheet:
            writes += _rewrite_sheet(ws, extents.get(ws.title, (0, 0)))
            continue
        values: dict[tuple[int, int], Any] = {}
        clears: Cells = {}
        formats: dict[str, Cells] = defaultdict(dict)
        colours: dict[str, Cells] = defaultdict(dict)
        seen: set[tuple[int, int]] = set()
        for (r, c), cell in ws._cells.items():
            value = cell.value
            old = before.get((ws.title, r, c))
            if value is None:
                continue
            seen.add((r, c))
            if cell.data_type == "f":  # a formula edi_xl wrote: only into an empty cell
                if old is None:
                    values[(r, c)] = excel_formula(str(value))
                continue
            if old is not None and type(old) is type(value) and old == value:
                continue
            values[(r, c)] = _to_excel_value(value)
            if _is_date(value) or cell.number_format not in ("General", "@"):
                formats[cell.number_format][(r, c)] = None
            if (colour := _fill_colour(cell)) is not None:
                colours[colour][(r, c)] = None
        for (s, r, c), _old in before.items():
            if s == ws.title and (r, c) not in seen:
                clears[(r, c)] = None
        if new_sheet:
            for (r, c), cell in ws._cells.items():
                if (colour := _fill_colour(cell)) is not None:
                    colours[colour][(r, c)] = None
        writes += _block_writes(ws.title, values, clears, formats, colours)
        if new_sheet and ws.max_column:
            writes.append(Write("autofit", ws.title, 1, 1, None, max(ws.max_row, 1), ws.max_column))
    old_names = dict(snapshot.names)
    for name, defined in result.defined_names.items():
        refers_to = "=" + str(defined.attr_text)
        if _sheet_of(refers_to) in leave or _sheet_of(refers_to) not in known:
            continue
        if _reference(old_names.get(name, "")) != _reference(refers_to):
            writes.append(Write("name", None, arg=(name, refers_to)))
    return writes


def apply_writes(
    book: Any, writes: list[Write], message: str | None = None, *, critical: bool = False
) -> None:
    """Write ``writes`` into the open workbook through xlwings, then show ``message``.

    New sheets are added with the first sheet active (the VBA client adds a sheet before
    the active one and then moves it), and the sheet that was active is activated again.
    """
    active = book.sheets.active.name if any(w.kind == "add_sheet" for w in writes) else None
    if active is not None:
        book.sheets[0].activate()
    for w in writes:
        if w.kind == "add_sheet":
            after = book.sheets[w.arg] if w.arg else book.sheets[len(book.sheets) - 1]
            book.sheets.add(w.sheet, after=after)
            continue
        if w.kind == "name":
            book.names.add(*w.arg)
            continue
        sheet = book.sheets[w.sheet]
        if w.kind == "insert_column":
            letter = get_column_letter(w.column)
            sheet.range(f"{letter}:{letter}").insert("right", "format_from_left_or_above")
            continue
        rng = sheet.range((w.row, w.column), (w.row + w.rows - 1, w.column + w.columns - 1))
        if w.kind == "values":
            rng.value = w.values
        elif w.kind == "clear":
            rng.clear_contents()
        elif w.kind == "number_format":
            rng.number_format = w.arg
        elif w.kind == "color":
            rng.color = w.arg
        elif w.kind == "autofit":
            rng.columns.autofit()
        elif w.kind == "autofit_rows":
            rng.rows.autofit()
        else:  # pragma: no cover - a programming error
            raise ValueError(f"unknown write {w.kind!r}")
    if active is not None:
        book.sheets[active].activate()
    if message:
        book.app.alert(
            _clip(message), title=TITLE, buttons="ok", mode="critical" if critical else "info"
        )


def _clip(message: str) -> str:
    if len(message) <= MAX_MESSAGE:
        return message
    return message[: MAX_MESSAGE - 40].rsplit("\n", 1)[0] + "\n... (more: see the workbook)"


# --- the work of each button -------------------------------------------------------------------


def _fmt_date(d: date) -> str:
    return f"{d.day} {d:%b %Y}"


def resolve_folder(text: str | None, default: str, workbook_folder: Path) -> Path:
    """A folder named on the Settings sheet: a bare name is a folder next to the workbook."""
    path = Path((text or default).strip()).expanduser()
    return path if path.is_absolute() else workbook_folder / path


def _refresh_message(result: Any) -> str:
    counts = ", ".join(f"{k} {v}" for k, v in result.rag_counts().items())
    lines = [
        f"Status worked out as at {_fmt_date(result.as_at)} for {len(result.plan.actions)} "
        f"actions.",
        f"RAG: {counts}.",
        f"Overdue: {len(result.overdue)}.",
        f"Changes logged on the Change Log sheet: {len(result.changes)}.",
    ]
    problems = result.report.counts()
    if result.report.problems:
        lines.append(
            "Problems: "
            + ", ".join(f"{n} {k}" for k, n in problems.items())
            + " (see the Problems column)."
        )
    lines += [f"Note: {n}" for n in result.notes]
    return "\n".join(lines)


def _write_back(
    book: Any,
    snapshot: BookSnapshot,
    before: dict[Key, Any],
    result: WorkbookType,
    message: str,
    inserted_column: tuple[str, int] | None = None,
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
    apply_writes(
        book,
        plan_writes(
            snapshot, before, result, inserted_column=inserted_column, leave=leave, rewrite=rewrite
        ),
        message,
    )
    return message


def _round_of(wb: WorkbookType, as_at: date | None, today: date | None) -> date | None:
    """As the commands: ``as_at``, else the round on Settings, else ``today``."""
    from edi_xl.workbook.sheets import read_settings

    return as_at or read_settings(wb).as_at or today


def refresh_in_excel(
    book: Any,
    as_at: date | None = None,
    *,
    now: datetime | None = None,
    today: date | None = None,
) -> str:
    """The "Refresh status" button: ``refresh_book`` on the open workbook, as at the round
    on Settings (``today`` when it has none), as ``edi-xl refresh``; the message."""
    from edi_xl.workbook.master import refresh_book

    snapshot = read_book(book)
    wb, before = workbook_from_snapshot(snapshot)
    result = refresh_book(wb, _round_of(wb, as_at, today), now=now, path=snapshot.name)
    return _write_back(book, snapshot, before, wb, _refresh_message(result))


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
    from edi_xl.owner_returns import make_owner_returns
    from edi_xl.workbook.sheets import read_settings

    snapshot = read_book(book)
    wb, _ = workbook_from_snapshot(snapshot)
    settings = read_settings(wb)
    out = resolve_folder(
        settings.owner_returns_folder, DEFAULT_OWNER_RETURNS_FOLDER, snapshot.folder
    )
    as_at = _round_of(wb, as_at, today)
    with tempfile.TemporaryDirectory(prefix="edi_xl-") as tmp:
        copy = Path(tmp) / Path(snapshot.name).name
        wb.save(copy)  # the workbook as open in Excel, saved or not
        try:
            result = make_owner_returns(copy, out, as_at, password=password, now=now)
        except EdiXlError as exc:
            if "--force" not in str(exc):
                raise
            raise EdiXlError(
                str(exc).split(" Use --force")[0]
                + " Move them to another folder first, or name a new folder as Owner returns "
                "folder on the Settings sheet, and click again."
            ) from exc
    lines = [
        f"{plural(len(result.files), 'owner return')} as at {_fmt_date(result.as_at)} in {out}:"
    ]
    lines += [f"  {f.path.name}: {f.owner} ({len(f.action_ids)})" for f in result.files]
    if result.not_sent:
        lines.append(f"Not sent: {plural(len(result.not_sent), 'action')}:")
        lines += [f"  {i or '(no #)'}: {reason}" for i, reason in result.not_sent]
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


def _inserted_column(
    before: dict[Key, Any], result: WorkbookType, as_at: date, sheet: str, header_row: int
) -> tuple[str, int] | None:
    """The column merge inserted for the round's update, if it inserted one."""
    header = update_header(as_at)
    ws = result[sheet]
    after = [ws.cell(header_row, c).value for c in range(1, ws.max_column + 1)]
    if header not in after:
        return None
    k = after.index(header) + 1
    old = [before.get((sheet, header_row, c)) for c in range(1, ws.max_column + 1)]
    if header in old:
        return None
    shifted = old[: k - 1] + [header] + old[k - 1 :]
    if [str(v) for v in after[: len(old)]] == [str(v) for v in shifted[: len(old)]]:
        return sheet, k
    return None


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
    from edi_xl.chase import chase_book
    from edi_xl.intake import read_returns
    from edi_xl.merge import merge_book, returns_round
    from edi_xl.workbook.master import read_master_plan
    from edi_xl.workbook.sheets import read_settings

    snapshot = read_book(book)
    wb, before = workbook_from_snapshot(snapshot)
    settings = read_settings(wb)
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
    found = read_master_plan(wb, snapshot.name)
    plan_sheet, header_row = found.sheet.title, found.header_row
    files = read_returns([folder])
    if as_at is None:
        as_at, _ = returns_round(files, settings.as_at, today, snapshot.name)
    result = merge_book(wb, files, as_at, now=now, path=snapshot.name)
    inserted = _inserted_column(before, wb, as_at, plan_sheet, header_row)
    outcomes: dict[str, int] = defaultdict(int)
    for f in result.files:
        outcomes[f.outcome] += 1
    lines = [
        f"Imported from {folder} as at {_fmt_date(as_at)}: "
        f"{plural(len(result.files), 'file')}"
        + (f" ({', '.join(f'{n} {k}' for k, n in sorted(outcomes.items()))})" if outcomes else "")
        + f"; {plural(len(result.changes), 'change')}.",
    ]
    attention = [f for f in result.files if f.outcome not in ("merged", "superseded", "unchanged")]
    if result.flags or attention:
        lines.append("Needs your eye:")
        lines += [
            f"  {f.outcome}: {f.file}" + (f" - {f.reason}" if f.reason else "") for f in attention
        ]
        lines += [
            f"  {g.kind}: {g.file}" + (f" (action {g.id})" if g.id else "") + f": {g.message}"
            for g in result.flags
        ]
    if result.refresh:
        lines.append(
            f"Overdue after import: {len(result.refresh.overdue)}. The Returns sheet "
            "lists who still has to reply."
        )
    chased = chase_book(wb, snapshot.name, snapshot.folder)
    lines.append(
        f"{plural(len(chased.drafts.drafts), 'chase draft')} for owners still owed in "
        f"{chased.out_dir}."
    )
    if note := no_address_note(chased.drafts):
        lines.append(note)
    message = _write_back(book, snapshot, before, wb, "\n".join(lines), inserted)
    if open_folder and chased.drafts.drafts:
        _open_folder(chased.out_dir)
    return message


def start_round_in_excel(
    book: Any, start: date | None = None, *, now: datetime | None = None, today: date | None = None
) -> str:
    """The "Start new round" button, as ``edi-xl round MASTER --start DATE``.

    The xlwings VBA client has no input box, so the date is the one typed in the Settings
    sheet's "Next round" cell (blank: ``today``); the message says so.
    """
    from edi_xl.rounds import start_round_book
    from edi_xl.workbook.master import read_master_plan
    from edi_xl.workbook.sheets import read_settings

    snapshot = read_book(book)
    wb, before = workbook_from_snapshot(snapshot)
    settings = read_settings(wb)
    typed = settings.next_round
    start = start or typed or today
    if start is None:
        raise EdiXlError("no date for the new round: type one in Next round on Settings")
    found = read_master_plan(wb, snapshot.name)
    plan_sheet, header_row = found.sheet.title, found.header_row
    result = start_round_book(wb, start, now=now, path=snapshot.name)
    inserted = _inserted_column(before, wb, start, plan_sheet, header_row)
    where = (
        "the Next round date on Settings" if typed else "today (Next round on Settings is blank)"
    )
    if result.started:
        lines = [
            f"Started the round as at {_fmt_date(start)} ({where}): the as-at date on "
            f"Settings is {_fmt_date(start)} and the Action Plan has the column "
            f"{result.column!r}; logged on the Change Log sheet.",
            "Next: Create owner returns. To start a round on another date, type it in Next "
            "round on the Settings sheet and click again.",
        ]
    else:
        lines = [f"The round as at {_fmt_date(start)} ({where}) is already the current one."]
    return _write_back(book, snapshot, before, wb, "\n".join(lines), inserted)


def board_report_in_excel(book: Any, as_at: date | None = None) -> str:
    """The "Board report" button: ``edi-xl report`` of the open workbook (saved or not), as at
    the Settings as-at date unless ``as_at`` is given, written next to the workbook as
    "<workbook> board report <as-at>.docx". The workbook is not changed."""
    import shutil

    from edi_xl.report import default_paper_path, write_report

    snapshot = read_book(book)
    wb, _ = workbook_from_snapshot(snapshot)
    workbook = snapshot.folder / Path(snapshot.name).name
    with tempfile.TemporaryDirectory(prefix="edi_xl-") as tmp:
        copy = Path(tmp) / Path(snapshot.name).name
        wb.save(copy)  # the workbook as open in Excel, saved or not
        result = write_report(copy, None, as_at)  # next to the copy, then beside the workbook
        target = default_paper_path(workbook, result.summary.as_at)
        shutil.copyfile(result.path, target)
    s = result.summary
    lines = [
        f"The board paper as at {_fmt_date(s.as_at)} is in {target.parent}:",
        f"  {target.name}",
        f"{s.actions} actions: "
        + ", ".join(f"{rag.value} {n}" for rag, n in s.overall.counts.items())
        + f"; overdue {len(s.overdue)}; coverage gaps {len(s.gaps)}.",
    ]
    lines += [f"Note: {n}" for n in result.notes]
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
    from edi_xl.cli import _today as cli_today

    return cli_today()


def _run_button(work: Callable[[Any], Any]) -> None:
    """Run ``work`` on the workbook that called; what stops the work is shown, not raised."""
    import xlwings as xw

    book = xw.Book.caller()
    try:
        work(book)
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
