"""An emulator of xlwings' VBA client (xlwings/addin/Remote.bas), for tests without Excel.

- :func:`payload_from_file` builds the JSON the VBA client sends when a button is clicked:
  client "VBA", the xlwings version, the book's name, its names, and every sheet's values
  from A1 to the last used cell (empty cells null, dates as "YYYY-MM-DDTHH:MM:SS.000Z") and
  its tables (name, range, header, body and totals ranges, as ``Range.Address`` gives them).
- :func:`click` runs a RunPython entry point on ``xw.Book(json=payload)`` through
  ``set_mock_caller()`` and returns the actions Python sent back.
- :func:`apply_actions` applies them to an openpyxl workbook as the VBA client and Excel would:
  each value goes through the client's ``WebHelpers.ParseIso`` (any N-N-N text becomes a
  date) and then Excel's reading of a typed string (numbers, dates, TRUE/FALSE, formulas;
  a leading ``'`` keeps text), sheets are added before the active sheet and then moved, a
  column inserted moves the tables as Excel does (``insert_column``), and a table's resize
  gives it the columns beside it, named by their header cells.
  An action outside the 37 of the VBA client fails the test.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.utils.datetime import from_excel
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.table import TableColumn

from edi_xl.master.columns import insert_column
from edi_xl.master.edits import table_column_name

#: The Subs of xlwings/addin/Remote.bas that apply an action (written out, not imported).
VBA_ACTIONS = frozenset(
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
EXCEL_ROWS = 1_048_576


def remote_bas_actions() -> set[str]:
    """The action Subs in the installed xlwings' Remote.bas."""
    import xlwings

    text = (Path(xlwings.__file__).parent / "addin" / "Remote.bas").read_text(
        encoding="utf-8", errors="replace"
    )
    return set(re.findall(r"^Sub (\w+)\(wb As Workbook, action As Dictionary\)", text, re.M))


def use_remote_engine() -> None:
    """Make ``xw.Book(json=...)`` work (XLWINGS_LICENSE_KEY must be set by the caller)."""
    assert os.environ.get("XLWINGS_LICENSE_KEY"), "set XLWINGS_LICENSE_KEY first"
    import xlwings as xw

    if "remote" in xw.engines.engines_by_name:
        return
    from xlwings.main import Engine
    from xlwings.pro import _xlremote  # validates the key now

    xw.engines.add(Engine(impl=_xlremote.engine))
    xw.__pro__ = True


# --- the request --------------------------------------------------------------------------


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}T00:00:00.000Z"
    if isinstance(value, time):
        return f"1899-12-30T{value:%H:%M:%S}.000Z"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _address(ref: str) -> tuple[str, str] | None:
    m = re.fullmatch(r"'?(.+?)'?!(\$?[A-Z]+\$?\d+(?::\$?[A-Z]+\$?\d+)?)", ref)
    return (m.group(1), m.group(2).replace("$", "")) if m else None


def _absolute(first: int, top: int, last: int, bottom: int) -> str:
    """A range as Excel's ``Range.Address`` gives it ("$A$4:$J$22")."""
    a, b = get_column_letter(first), get_column_letter(last)
    return f"${a}${top}" if (first, top) == (last, bottom) else f"${a}${top}:${b}${bottom}"


def _table_json(table: Any) -> dict[str, Any]:
    """A table as the VBA client describes it in its request (Remote.bas, "Tables")."""
    first, top, last, bottom = range_boundaries(table.ref)
    headers = table.headerRowCount != 0
    totals = bool(table.totalsRowCount)
    body = (top + headers, bottom - totals)
    return {
        "name": table.displayName,
        "range_address": _absolute(first, top, last, bottom),
        "header_row_range_address": _absolute(first, top, last, top) if headers else None,
        "data_body_range_address": (
            _absolute(first, body[0], last, body[1]) if body[0] <= body[1] else None
        ),
        "total_row_range_address": _absolute(first, bottom, last, bottom) if totals else None,
        "show_headers": headers,
        "show_totals": totals,
        "table_style": table.tableStyleInfo.name if table.tableStyleInfo else "",
        "show_autofilter": table.autoFilter is not None,
    }


def payload_from_file(path: Path, *, name: str | None = None, active: int = 0) -> dict[str, Any]:
    """The request the VBA client sends for the workbook saved at ``path``."""
    import xlwings

    wb = load_workbook(path, data_only=True)  # Excel sends values, not formulas
    sheets = []
    for ws in wb.worksheets:
        rows = [
            [_json_value(ws.cell(r, c).value) for c in range(1, ws.max_column + 1)]
            for r in range(1, ws.max_row + 1)
        ]
        if all(v is None for row in rows for v in row):
            rows = [[]]
        tables = [_table_json(table) for table in ws.tables.values() if table.ref]
        sheets.append({"name": ws.title, "values": rows, "pictures": [], "tables": tables})
    names = []
    for label, defined in wb.defined_names.items():
        found = _address(str(defined.attr_text))
        if found and found[0] in wb.sheetnames:
            names.append(
                {
                    "name": label,
                    "sheet_index": wb.sheetnames.index(found[0]),
                    "address": found[1],
                    "book_scope": True,
                    "scope_sheet_name": None,
                    "scope_sheet_index": None,
                }
            )
    payload = {
        "client": "VBA",
        "version": xlwings.__version__,
        "book": {"name": name or path.name, "active_sheet_index": active, "selection": "A1"},
        "names": names,
        "sheets": sheets,
    }
    return json.loads(json.dumps(payload))  # exactly what can travel as JSON


def click(entry_point: Callable[[], None], payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Run a RunPython entry point as if its button had been clicked; the actions sent back."""
    import xlwings as xw

    use_remote_engine()
    book = xw.Book(json=payload)
    book.set_mock_caller()
    try:
        entry_point()
    finally:
        if hasattr(xw.Book, "_mock_caller"):
            del xw.Book._mock_caller
    return json.loads(json.dumps(book.json()))["actions"]


# --- the response -------------------------------------------------------------------------


class ConvertedByExcel:
    """A value Excel or the VBA client made of a string (a date, a number...)."""

    def __init__(self, text: str, kind: str) -> None:
        self.text, self.kind = text, kind

    def __repr__(self) -> str:
        return f"<{self.kind} made of {self.text!r}>"


def _cint(text: str) -> int:
    value = round(float(text.strip()))
    if not -32768 <= value <= 32767:
        raise OverflowError(text)
    return value


def vba_parse_iso(value: Any) -> Any:
    """WebHelpers.ParseIso as setValues calls it: raises when the value is not a date."""
    if value is None:
        raise TypeError("Invalid use of Null")
    text = str(value) if not isinstance(value, bool) else ("True" if value else "False")
    parts = text.split("T")
    date_parts = parts[0].split("-")
    if len(date_parts) < 3:
        raise IndexError("Subscript out of range")
    for p in date_parts[:3]:
        _cint(p)
    if len(parts) > 1:
        for p in re.split(r"[:+\-]", parts[1].replace("Z", "")):
            _cint(p)
    return ConvertedByExcel(text, "date (VBA ParseIso)")


NUMBER = re.compile(r"[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?([eE][+-]?\d+)?%?")
MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
DATES = (
    re.compile(r"\d{1,4}[-/.]\d{1,2}([-/.]\d{1,4})?(\s+\d{1,2}:\d{2}(:\d{2})?)?"),
    re.compile(rf"\d{{1,2}}[ -]{MONTH}([ -]\d{{2,4}})?", re.I),
    re.compile(rf"{MONTH}[ -]\d{{1,4}}", re.I),
    re.compile(r"\d{1,2}:\d{2}(:\d{2})?(\s*[ap]m)?", re.I),
)
ERRORS = ("#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!")


def excel_reads(text: str) -> tuple[Any, bool, bool]:
    """What Excel stores for a string assigned to Range.Value: (value, is_formula, quoted)."""
    if text.startswith("'"):
        return text[1:], False, True
    stripped = text.strip()
    if stripped == "":
        return None, False, False
    if NUMBER.fullmatch(stripped) and any(ch.isdigit() for ch in stripped):
        number = float(stripped.replace(",", "").rstrip("%"))
        number = number / 100 if stripped.endswith("%") else number
        return (int(number) if number.is_integer() else number), False, False
    if stripped.upper() in ("TRUE", "FALSE"):
        return stripped.upper() == "TRUE", False, False
    if stripped.upper() in ERRORS:
        return ConvertedByExcel(text, "error"), False, False
    if any(p.fullmatch(stripped) for p in DATES):
        return ConvertedByExcel(text, "date or time"), False, False
    if text.startswith(("=", "+", "-", "@")):
        return text, True, False
    return text, False, False


#: Functions newer than Excel 2007 that Excel saves with the ``_xlfn.`` prefix (the ones a
#: typed formula may use without it). A formula typed with the prefix would be #NAME? in Excel.
FUTURE_FUNCTIONS = (
    "UNICHAR",
    "UNICODE",
    "CONCAT",
    "TEXTJOIN",
    "IFS",
    "MAXIFS",
    "MINIFS",
    "SWITCH",
    "XLOOKUP",
    "XMATCH",
    "FILTER",
    "SORT",
    "UNIQUE",
    "SEQUENCE",
    "IFNA",
    "DAYS",
    "ISOWEEKNUM",
    "AGGREGATE",
    "NUMBERVALUE",
)


def excel_saves_formula(typed: str) -> str:
    """A formula typed into Excel as Excel writes it into the file."""
    assert "_xlfn." not in typed, f"typed with the file's prefix (#NAME? in Excel): {typed}"
    return re.sub(rf"(?<![\w.])({'|'.join(FUTURE_FUNCTIONS)})\(", r"_xlfn.\1(", typed)


def _rename_table_column(cell: Any) -> None:
    """Excel renames a table's column when its header cell is written (a value typed or set
    through VBA over a header): the column takes the text, made unique in the table."""
    for table in cell.parent.tables.values():
        first, top, last, _ = range_boundaries(table.ref)
        if table.headerRowCount != 0 and cell.row == top and first <= cell.column <= last:
            columns = list(table.tableColumns)
            at = cell.column - first
            others = [c.name for i, c in enumerate(columns) if i != at]
            if cell.value not in (None, "") and str(cell.value) != columns[at].name:
                columns[at].name = table_column_name(cell.value, others)


def _cells(wb: Workbook, action: dict[str, Any]) -> list[list[Any]]:
    ws = wb.worksheets[action["sheet_position"]]
    r0, c0 = action["start_row"] + 1, action["start_column"] + 1
    return [
        [ws.cell(r0 + i, c0 + j) for j in range(action["column_count"])]
        for i in range(action["row_count"])
    ]


class Client:
    """The state of 'Excel' while actions are applied: the workbook and its active sheet."""

    def __init__(self, wb: Workbook, active: int = 0) -> None:
        self.wb = wb
        self.active = active
        self.alerts: list[dict[str, Any]] = []
        self.applied: list[str] = []

    def apply(self, actions: list[dict[str, Any]]) -> None:
        for action in actions:
            func = action["func"]
            assert func in VBA_ACTIONS, f"the VBA client has no {func!r}: Excel would fail"
            handler = getattr(self, func, None)
            if handler is None:
                raise NotImplementedError(f"emulator: {func} is not emulated yet")
            handler(action)
            self.applied.append(func)

    def setValues(self, action: dict[str, Any]) -> None:  # noqa: N802 - the VBA names
        rows = action["values"]
        assert len(rows) == action["row_count"]
        for cells, values in zip(_cells(self.wb, action), rows, strict=True):
            assert len(values) == len(cells)
            for cell, value in zip(cells, values, strict=True):
                with contextlib.suppress(TypeError, IndexError, ValueError, OverflowError):
                    value = vba_parse_iso(value)
                quoted = False
                if isinstance(value, str):
                    value, formula, quoted = excel_reads(value)
                    if formula:
                        cell.value = excel_saves_formula(value)  # openpyxl: a formula
                        continue
                cell.value = value
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"
                cell.quotePrefix = quoted
                _rename_table_column(cell)

    def rangeClearContents(self, action: dict[str, Any]) -> None:  # noqa: N802
        for row in _cells(self.wb, action):
            for cell in row:
                cell.value = None

    def setNumberFormat(self, action: dict[str, Any]) -> None:  # noqa: N802
        for row in _cells(self.wb, action):
            for cell in row:
                cell.number_format = action["args"][0]

    def setRangeColor(self, action: dict[str, Any]) -> None:  # noqa: N802
        colour = action["args"][0].lstrip("#")
        for row in _cells(self.wb, action):
            for cell in row:
                cell.fill = PatternFill("solid", fgColor=colour)

    def setAutofit(self, action: dict[str, Any]) -> None:  # noqa: N802
        assert action["args"][0] in ("columns", "rows")  # widths: nothing to check here

    def activateSheet(self, action: dict[str, Any]) -> None:  # noqa: N802
        self.active = action["args"][0]

    def addSheet(self, action: dict[str, Any]) -> None:  # noqa: N802
        """wb.Sheets.Add (before the active sheet), then Move After:=Worksheets(args(1)+1)."""
        position, name = action["args"][0], action["args"][1]
        new = self.wb.create_sheet(f"Sheet{len(self.wb.worksheets) + 1}", index=self.active)
        after = self.wb.worksheets[position]  # Worksheets(args(1) + 1), counted after the add
        sheets = self.wb._sheets
        sheets.remove(new)
        sheets.insert(sheets.index(after) + 1, new)
        if name is not None:
            new.title = name
        self.active = self.wb.worksheets.index(new)

    def rangeInsert(self, action: dict[str, Any]) -> None:  # noqa: N802
        assert action["args"][0] == "right" and action["column_count"] == 1
        assert action["row_count"] == EXCEL_ROWS, "only whole columns are emulated"
        insert_column(self.wb.worksheets[action["sheet_position"]], action["start_column"] + 1)

    def resizeTable(self, action: dict[str, Any]) -> None:  # noqa: N802
        """ListObjects(args(1) + 1).Resize Range(args(2)), as Excel resizes a table (only
        growing on the right is emulated): a column it takes is named by its header cell
        ("Column1" if empty, written there), its filter takes the column too."""
        ws = self.wb.worksheets[action["sheet_position"]]
        table = list(ws.tables.values())[action["args"][0]]
        first, top, last, bottom = range_boundaries(table.ref)
        new = range_boundaries(action["args"][1].replace("$", ""))
        assert (new[0], new[1], new[3]) == (first, top, bottom) and new[2] >= last, "emulated"
        columns = list(table.tableColumns)
        for col in range(last + 1, new[2] + 1):
            text = ws.cell(top, col).value
            name = table_column_name(text, [c.name for c in columns])
            columns.append(TableColumn(id=1 + max(c.id for c in columns), name=name))
            if text in (None, ""):
                ws.cell(top, col).value = name
        table.tableColumns = columns
        table.ref = action["args"][1].replace("$", "")
        if table.autoFilter is not None and table.autoFilter.ref:
            _, lo, _, hi = range_boundaries(table.autoFilter.ref)
            table.autoFilter.ref = f"{get_column_letter(first)}{lo}:{get_column_letter(new[2])}{hi}"

    def namesAdd(self, action: dict[str, Any]) -> None:  # noqa: N802
        name, refers_to = action["args"][0], action["args"][1]
        if name in self.wb.defined_names:
            del self.wb.defined_names[name]
        self.wb.defined_names[name] = DefinedName(name, attr_text=refers_to.lstrip("="))

    def alert(self, action: dict[str, Any]) -> None:
        prompt, title, buttons, mode, callback = action["args"]
        self.alerts.append({"prompt": prompt, "title": title, "buttons": buttons, "mode": mode})


# --- comparing workbooks ------------------------------------------------------------------


def cell_values(
    wb: Workbook, *, skip: Callable[[str, int, int], bool] | None = None
) -> dict[str, dict[str, Any]]:
    """Every non-empty cell of every sheet as Excel holds it: dates as dates (a number in a
    date format is a date), formulas marked, cells ``skip(sheet, row, col)`` left out."""
    out: dict[str, dict[str, Any]] = {}
    for ws in wb.worksheets:
        cells: dict[str, Any] = {}
        for (r, c), cell in sorted(ws._cells.items()):
            value = cell.value
            if value is None or (skip and skip(ws.title, r, c)):
                continue
            if cell.data_type == "f":
                value = ("formula", value)
            elif isinstance(value, int | float) and not isinstance(value, bool) and cell.is_date:
                value = from_excel(value)
            if isinstance(value, datetime) and value.time() == time(0):
                value = value.date()
            if isinstance(value, date) and not isinstance(value, datetime):
                value = datetime(value.year, value.month, value.day)
            cells[cell.coordinate] = value
        out[ws.title] = cells
    return out


def differences(a: dict[str, dict[str, Any]], b: dict[str, dict[str, Any]]) -> list[str]:
    """Cell by cell, what differs between two :func:`cell_values` (empty when equal)."""
    diffs: list[str] = []
    for sheet in sorted(set(a) | set(b)):
        if sheet not in a or sheet not in b:
            diffs.append(f"sheet {sheet!r} only in {'second' if sheet in b else 'first'}")
            continue
        for coord in sorted(set(a[sheet]) | set(b[sheet])):
            va, vb = a[sheet].get(coord), b[sheet].get(coord)
            if type(va) is not type(vb) or va != vb:
                diffs.append(f"{sheet}!{coord}: {va!r} != {vb!r}")
    return diffs


if __name__ == "__main__":  # pragma: no cover - a quick look at a file's payload
    print(json.dumps(payload_from_file(Path(sys.argv[1])), indent=1)[:4000])
