"""The bridge between the open workbook and the library: read it once, write back what changed.

The buttons' macros (:mod:`edi_xl.master.vba`) call :mod:`edi_xl.excel`, which runs the
button's work in :mod:`edi_xl.buttons.entry` through this module.

A button and the command give the same result, because both run the same library call:

1. :func:`read_book` reads every sheet's values once (A1 to the last used cell, as the
   xlwings VBA client sends them), the workbook's names and its tables;
2. :func:`workbook_from_snapshot` builds an in-memory openpyxl workbook of those values and
   takes its baseline (:func:`edi_xl.master.edits.take_baseline`);
3. the library function the CLI uses runs on it (``refresh_book``, ``merge_book``,
   ``make_owner_returns``);
4. :func:`edi_xl.master.edits.describe` says what it changed — the same description the
   patch writer applies to a file — and :func:`plan_writes` turns that into writes
   (a column inserted, sheets added, values written and cleared as blocks, a table resized,
   names), which :func:`apply_writes` sends through xlwings, once.

Only the engine-independent part of the xlwings API is used, so the same code runs under
classic ``RunPython`` (COM), xlwings Server and xlwings Lite: values in blocks, number formats,
colours, ``sheets.add(after=...)``, a column insert, a table's resize, names, row autofit and
one alert. Every action the xlwings VBA client receives is one of :data:`VBA_CLIENT_ACTIONS`.
Formatting the VBA client cannot apply (fonts, conditional formats, dropdowns, charts) is
built into the workbook once by ``edi-xl new``/``refresh``; the Summary sheet is laid out so
that values, number formats and names are all that change.

Two traps of writing through Excel are handled here, not left to luck:

- Excel reads a string written as a value as if it were typed: ``"1.10"`` becomes 1.1,
  ``"=..."`` a formula, ``"1-2-3"`` a date (the VBA client turns any ``N-N-N`` into a date
  before Excel sees it). Text that could be misread is written with Excel's ``'`` prefix
  (:func:`excel_text`), so text stays text, as :func:`edi_xl.master.cells.set_value` does
  for files.
- Dates are written as Excel serial numbers with the cell's number format, not as strings.

xlwings is imported lazily: the rest of edi_xl works without it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.utils import coordinate_to_tuple, get_column_letter, range_boundaries
from openpyxl.utils.datetime import to_excel
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.workbook import Workbook as WorkbookType
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.table import Table, TableColumn

from edi_xl.master.cells import FORMULA_TRIGGERS, set_formula, set_value
from edi_xl.master.edits import (
    Baseline,
    BookEdits,
    SheetEdits,
    table_column_name,
    take_baseline,
)
from edi_xl.master.loading import keep_formula_results
from edi_xl.master.package import merged_ranges

TITLE = "edi_xl"
#: Longest message shown in the alert (VBA's MsgBox stops at 1,024 characters).
MAX_MESSAGE = 900


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


# --- reading the workbook once -----------------------------------------------------------------


@dataclass(frozen=True)
class BookTable:
    """An Excel table of the open workbook: its name, its range ("A4:J22"), whether it shows
    its header row and its totals row."""

    name: str
    ref: str
    headers: bool = True
    totals: bool = False


@dataclass
class BookSnapshot:
    """What was read from the open workbook: each sheet's values from A1, and its names."""

    name: str
    fullname: str
    sheets: list[tuple[str, list[list[Any]]]]
    names: list[tuple[str, str]] = field(default_factory=list)  # (name, "=Sheet!$A$1")
    #: per sheet, the formulas of its formula cells by (row, column), 1-based, where the
    #: engine gives them (Excel itself, through the buttons' RunPython); none where it
    #: cannot (xlwings' remote and server clients send values only)
    formulas: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)
    #: per sheet, its merged ranges ("B10:J10"): a heading merged across the plan's row is
    #: read as the command reads it from the file (its text across the merge), not as an
    #: action number and one text (:func:`read_merges`)
    merges: dict[str, list[str]] = field(default_factory=dict)
    #: per sheet, its Excel tables ("Format as Table") as the engine gives them (the VBA
    #: client sends them in its request, as COM does): the plan kept as a table takes the
    #: round's column beside it in the open workbook as in the file (:func:`read_tables`)
    tables: dict[str, list[BookTable]] = field(default_factory=dict)

    @property
    def folder(self) -> Path:
        """The folder the workbook is in (the current folder when Excel does not say)."""
        path = Path(self.fullname)
        return path.parent if path.is_absolute() else Path.cwd()


#: The numbers Excel's error values (#N/A, #SPILL!, #CALC!...) come as through COM when
#: xlwings does not know them (it gives the older seven as None): 0x800A0000 and Excel's
#: error number (2000 #NULL! to 2051 #BUSY!, room left for newer ones), as signed 32 bits.
_COM_ERRORS = range(-2146828288 + 2000, -2146828288 + 2100)


def _read_value(value: Any) -> Any:
    if isinstance(value, int | float) and value in _COM_ERRORS and float(value).is_integer():
        return None  # an error value: nothing to read, as xlwings gives #N/A
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)  # Excel has only doubles; a file keeps 5 as 5
    if value == "":
        return None
    return value


def read_formulas(rng: Any, values: list[list[Any]]) -> dict[tuple[int, int], str]:
    """The formulas of the cells of ``rng`` (from A1; ``values``: what they show), by
    (row, column), read at once where the engine can (Excel through COM: the buttons'
    RunPython); none where it cannot (xlwings' remote engine raises NotImplementedError).
    Text typed with a leading apostrophe ("'=not a formula") reads back as "=..." too, but
    shows as itself: it is text, not a formula."""
    try:
        raw = rng.formula
    except Exception:  # noqa: BLE001 - NotImplementedError, or any engine's refusal
        return {}
    if not isinstance(raw, list | tuple):
        raw = ((raw,),)  # (one cell)
    elif raw and not isinstance(raw[0], list | tuple):
        raw = (raw,)  # (one row)
    found: dict[tuple[int, int], str] = {}
    for r, row in enumerate(raw, start=1):
        shown = values[r - 1] if r - 1 < len(values) else []
        for c, text in enumerate(row, start=1):
            if isinstance(text, str) and text.startswith("=") and len(text) > 1:
                if c - 1 < len(shown) and shown[c - 1] == text:
                    continue  # (text that shows as itself)
                found[(r, c)] = text
    return found


def read_book(book: Any) -> BookSnapshot:
    """Every sheet's values, A1 to the last used cell, read once (one read per sheet), and
    its formulas where the engine gives them (:func:`read_formulas`)."""
    sheets: list[tuple[str, list[list[Any]]]] = []
    formulas: dict[str, dict[tuple[int, int], str]] = {}
    for sheet in book.sheets:
        last = sheet.used_range.last_cell
        rng = sheet.range((1, 1), (last.row, last.column))
        values = rng.options(ndim=2).value or [[]]
        sheets.append((sheet.name, [[_read_value(v) for v in row] for row in values]))
        found = read_formulas(rng, values)
        if found:
            formulas[sheet.name] = found
    snapshot_sheets = dict(sheets)
    merges: dict[str, list[str]] = {}
    for name, spans in read_merges(book).items():
        kept = _still_merged(spans, snapshot_sheets[name]) if name in snapshot_sheets else []
        if kept:
            merges[name] = kept
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
    return BookSnapshot(book.name, book.fullname, sheets, names, formulas, merges,
                        read_tables(book))  # fmt: skip


def read_tables(book: Any) -> dict[str, list[BookTable]]:
    """Each sheet's Excel tables, in the sheet's order of them (the index the VBA client's
    table actions take), as the engine gives them: the VBA client's request carries them
    (name, range, whether headers and totals show), as Excel's object model does. A sheet
    whose tables the engine cannot give has none read: a table is then left as it is."""
    found: dict[str, list[BookTable]] = {}
    for sheet in book.sheets:
        try:
            tables = [
                BookTable(
                    str(t.name),
                    str(t.range.address).replace("$", ""),
                    bool(t.show_headers),
                    bool(t.show_totals),
                )
                for t in sheet.tables
            ]
        except Exception:  # noqa: BLE001 - an engine or a client without tables
            continue
        if tables:
            found[sheet.name] = tables
    return found


def read_merges(book: Any) -> dict[str, list[str]]:
    """Each sheet's merged ranges: through Excel where the engine reaches it (COM: the
    buttons' classic RunPython), else as the workbook's file has them, as last saved
    (xlwings' remote and server clients send values only)."""
    found: dict[str, list[str]] = {}
    try:
        for sheet in book.sheets:
            used = sheet.api.UsedRange
            if used.MergeCells is False:  # (True: all of it; None: some)
                continue
            spans: dict[str, None] = {}
            for row in used.Rows:  # (a row at a time: most rows have no merged cell)
                if row.MergeCells is False:
                    continue
                for cell in row.Cells:
                    if cell.MergeCells:
                        spans[str(cell.MergeArea.Address).replace("$", "")] = None
            if spans:
                found[sheet.name] = list(spans)
        return found
    except Exception:  # noqa: BLE001 - no object model here: the saved file's
        pass
    path = Path(book.fullname)
    path = path if path.is_absolute() else Path.cwd() / path  # (as BookSnapshot.folder)
    try:
        return merged_ranges(path.read_bytes())
    except OSError:
        return {}


def _still_merged(spans: list[str], rows: list[list[Any]]) -> list[str]:
    """The ranges of ``spans`` whose cells but the first are empty in the values read, cut
    to the cells read (a range over a whole sheet would make a million cells; past the used
    range there is nothing to read): a merge the file has and the open workbook may not
    (unmerged since, and typed into) is left out, so that no value read is hidden under it."""
    height = len(rows)
    width = max((len(row) for row in rows), default=0)
    kept = []
    for span in spans:
        first, top, last, bottom = range_boundaries(span)
        if first is None or top is None or last is None or bottom is None:
            continue
        last, bottom = min(last, width), min(bottom, height)
        if first > last or top > bottom or (first, top) == (last, bottom):
            continue  # (outside what was read, or one cell once cut)
        if all(
            rows[r][c] is None
            for r in range(top - 1, bottom)
            for c in range(first - 1, min(last, len(rows[r])))
            if (r, c) != (top - 1, first - 1)
        ):
            kept.append(f"{get_column_letter(first)}{top}:{get_column_letter(last)}{bottom}")
    return kept


def _shown(value: Any) -> Any:
    """A formula's result (a value :func:`_read_value` read) as the load keeps one: "" for
    nothing and for an error."""
    if value is None or (isinstance(value, str) and value.strip() in ERROR_CODES):
        return ""
    return value


def workbook_from_snapshot(snapshot: BookSnapshot) -> tuple[WorkbookType, Baseline]:
    """An openpyxl workbook holding the values read, and its baseline (what it holds as
    built, for :func:`edi_xl.master.edits.describe` after the library call).

    Every cell of the read range exists (empty ones too), so the sheets' extent is the one
    Excel reported. Text is written with ``set_value``: text that looks like a formula stays
    text. A cell whose formula was read holds it, with what it shows as its result, as the
    load of a file holds them (:func:`edi_xl.master.loading.formula_result`): the library
    reads it as it shows and never writes over it, as it does in a file.
    """
    wb = Workbook()
    assert wb.active is not None
    wb.remove(wb.active)
    for name, rows in snapshot.sheets:
        ws = wb.create_sheet(name)
        formulas = snapshot.formulas.get(name, {})
        results: dict[Any, Any] = {}
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                cell = ws.cell(r, c)
                formula = formulas.get((r, c))
                if formula is not None:
                    set_formula(cell, formula)  # (the workbook's own, as it is)
                    results[cell] = _shown(value)
                elif value is not None:
                    set_value(cell, value)
        if results:
            keep_formula_results(ws, results)
        for span in snapshot.merges.get(name, []):
            ws.merge_cells(span)  # (as the file's reading has them)
        for table in snapshot.tables.get(name, []):
            _add_table(ws, table)
    for name, refers_to in snapshot.names:
        if name not in wb.defined_names:
            wb.defined_names[name] = DefinedName(name, attr_text=refers_to.lstrip("="))
    return wb, take_baseline(wb)


def _add_table(ws: Any, table: BookTable) -> None:
    """The open workbook's ``table`` on ``ws`` (built of its values), its columns named by
    its header cells as Excel names them, so that the library sees the tables the file
    would give it."""
    first, top, last, _ = range_boundaries(table.ref)
    if first is None or top is None or last is None:
        return
    names: list[str] = []
    for col in range(first, last + 1):
        text = ws.cell(top, col).value if table.headers else None
        names.append(table_column_name(text, names))
    columns = [TableColumn(id=i, name=n) for i, n in enumerate(names, start=1)]
    made = Table(
        displayName=table.name,
        ref=table.ref,
        headerRowCount=1 if table.headers else 0,
        totalsRowCount=1 if table.totals else None,
        tableColumns=columns,
    )
    try:
        ws.add_table(made)
    except ValueError:  # (a name the workbook has for a range too: Excel allows neither)
        return


# --- writing back what changed, once -----------------------------------------------------------


@dataclass(frozen=True)
class Write:
    """One block written back: ``kind`` is values | clear | number_format | color | autofit
    (columns) | autofit_rows | insert_column | add_sheet | name | resize_table (``arg``: the
    table's name and its new range). Rows and columns are 1-based."""

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
    from edi_xl.master.summary_sheet import FINGERPRINT_CELL, MARKER_NAME, SUMMARY

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


def _value_writes(ws: Any, sheet: SheetEdits) -> list[Write]:
    """The values of ``sheet``'s cells that changed, written and cleared, with the number
    format and fill colour of each cell written. Formulas go only into cells that were empty:
    what was read of a formula is its value, so a formula edi_xl keeps reads as changed."""
    values: dict[tuple[int, int], Any] = {}
    clears: Cells = {}
    formats: dict[str, Cells] = defaultdict(dict)
    colours: dict[str, Cells] = defaultdict(dict)
    for (r, c), edit in sheet.cells.items():
        if not edit.value_changed:  # only its look: formatting is built once, by edi-xl
            continue
        if edit.value is None:
            clears[(r, c)] = None
            continue
        if edit.data_type == "f":
            if edit.was is None:
                values[(r, c)] = excel_formula(str(edit.value))
            continue
        cell = ws._cells[(r, c)]
        values[(r, c)] = _to_excel_value(edit.value)
        if _is_date(edit.value) or cell.number_format not in ("General", "@"):
            formats[cell.number_format][(r, c)] = None
        if (colour := _fill_colour(cell)) is not None:
            colours[colour][(r, c)] = None
    writes = _block_writes(ws.title, values, clears, formats, colours)
    return writes + _fit_long_rows(ws, sheet)


#: A text written longer than this (or on more than one line) may need a taller row.
LONG_TEXT = 30


def _fit_long_rows(ws: Any, sheet: SheetEdits) -> list[Write]:
    """Rows fitted to their text where a long text was written (an owner's update a merge
    brought, a refresh's Problems): a row the trust gave a height keeps it in Excel until
    fitted, and the update showed its first lines only, as the command's file grows it
    (:func:`edi_xl.flows.refresh.row_fitter`). Excel's fitting may also make such a row
    shorter than the trust set it; a command never does. A row with merged cells is left
    as it is (Excel's fitting would count none of them). One block per run of rows."""
    merged = {r for m in ws.merged_cells.ranges for r in range(m.min_row, m.max_row + 1)}
    rows = {
        r
        for (r, _), edit in sheet.cells.items()
        if edit.value_changed
        and isinstance(edit.value, str)
        and (len(edit.value) > LONG_TEXT or "\n" in edit.value)
    } - merged  # (Excel's fitting takes no merged cell into account: a heading's row)
    width = max(ws.max_column, 1)
    return [
        Write("autofit_rows", ws.title, first, 1, None, last - first + 1, width)
        for first, last in _runs(rows)
    ]


def _new_sheet_writes(ws: Any) -> list[Write]:
    """A sheet the library added: every value, its number formats and colours, columns
    fitted to the text."""
    values: dict[tuple[int, int], Any] = {}
    formats: dict[str, Cells] = defaultdict(dict)
    colours: dict[str, Cells] = defaultdict(dict)
    for (r, c), cell in ws._cells.items():
        if (colour := _fill_colour(cell)) is not None:
            colours[colour][(r, c)] = None
        value = cell.value
        if value is None:
            continue
        if cell.data_type == "f":
            values[(r, c)] = excel_formula(str(value))
            continue
        values[(r, c)] = _to_excel_value(value)
        if _is_date(value) or cell.number_format not in ("General", "@"):
            formats[cell.number_format][(r, c)] = None
    writes = _block_writes(ws.title, values, {}, formats, colours)
    if ws.max_column:
        writes.append(Write("autofit", ws.title, 1, 1, None, max(ws.max_row, 1), ws.max_column))
    return writes


def _table_writes(edits: BookEdits, result: WorkbookType, leave: frozenset[str]) -> list[Write]:
    """The tables that took a column beside them (the plan's, the round's column: master.plan.
    round_column), resized in Excel to the range they have in ``result``: Excel's insert
    leaves a table beside the new column as it is, as the file's is left without it. Sent
    after the values, so that Excel names the new column by the header written there."""
    writes: list[Write] = []
    for title, edited in edits.sheets.items():
        if title in leave or title not in result.sheetnames:
            continue
        tables = result[title].tables
        for name, (first, last) in edited.table_columns.items():
            if name not in tables or not tables[name].ref:
                continue
            _, top, _, bottom = range_boundaries(tables[name].ref)
            ref = CellRange(min_col=first, min_row=top, max_col=last, max_row=bottom).coord
            writes.append(Write("resize_table", title, arg=(name, ref)))
    return writes


def plan_writes(
    snapshot: BookSnapshot,
    edits: BookEdits,
    result: WorkbookType,
    *,
    leave: Iterable[str] = (),
    rewrite: Iterable[str] = (),
) -> list[Write]:
    """The writes that make the open workbook's values ``result``'s: ``edits`` (what the
    library call changed, :func:`edi_xl.master.edits.describe`) as xlwings actions.

    Columns the library inserted are inserted first in Excel too, so that formats,
    conditional formats and dropdowns move with the values as in the file; then the sheets
    it added; then, sheet by sheet, the values that changed (:func:`_value_writes`); then the
    workbook names that now point elsewhere. Sheets in ``leave`` (and names pointing into
    them) are not written. Sheets in ``rewrite`` are written as a whole
    (:func:`_rewrite_sheet`), not by difference. What the VBA client cannot do (styles,
    widths, conditional formats, dropdowns, print setup, hidden sheets) is not sent: edi-xl
    builds it into the workbook once.
    """
    leave = frozenset(leave)
    rewrite = frozenset(rewrite)
    extents = {
        name: (len(rows), max((len(row) for row in rows), default=0))
        for name, rows in snapshot.sheets
    }
    writes: list[Write] = []
    for title, edited in edits.sheets.items():
        for col in edited.inserted:
            writes.append(Write("insert_column", title, 1, col))
    known = [name for name, _ in snapshot.sheets]
    new_sheets = [name for name in edits.added if name not in leave]
    for name in new_sheets:
        at = edits.order.index(name)
        after = next((s for s in reversed(edits.order[:at]) if s in known), None)
        writes.append(Write("add_sheet", name, arg=after))
        known.append(name)
    for ws in result.worksheets:
        if ws.title in leave:
            continue
        if ws.title in new_sheets:
            writes += _new_sheet_writes(ws)
        elif ws.title in rewrite:
            writes += _rewrite_sheet(ws, extents.get(ws.title, (0, 0)))
        elif (sheet := edits.sheets.get(ws.title)) is not None:
            writes += _value_writes(ws, sheet)
    writes += _table_writes(edits, result, leave)
    for name, change in edits.names.items():
        if change.after is None:  # a name removed stays: it points nowhere the user sees
            continue
        refers_to = "=" + change.after
        if _sheet_of(refers_to) in leave or _sheet_of(refers_to) not in known:
            continue
        if _reference(change.before or "") != _reference(refers_to):
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
        if w.kind == "resize_table":  # (the VBA client's resizeTable: ListObject.Resize)
            name, ref = w.arg
            sheet.tables[name].resize(sheet.range(ref))
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


def set_page_breaks(book: Any, sheet: str, rows: Iterable[int]) -> bool:
    """Put the manual page breaks of ``sheet`` in the open workbook before ``rows`` (and no
    others), as the saved file has them after ``edi-xl refresh``; whether it could.

    Page breaks are not values: only Excel's own object model sets them, which classic
    ``RunPython`` on Windows (the buttons of a made master) reaches. The VBA client of xlwings
    Server and Lite has no action for them: there the breaks stay as the last
    ``edi-xl refresh`` saved them, and nothing is sent."""
    import sys

    if sys.platform != "win32" or book.app.engine.name != "excel":
        return False
    ws = book.sheets[sheet].api
    ws.ResetAllPageBreaks()
    for row in rows:
        ws.HPageBreaks.Add(Before=ws.Range(f"A{row}"))
    return True


def _clip(message: str) -> str:
    if len(message) <= MAX_MESSAGE:
        return message
    return message[: MAX_MESSAGE - 40].rsplit("\n", 1)[0] + "\n... (more: see the workbook)"
