"""Load a master into openpyxl faster, with the same result as ``openpyxl.load_workbook``.

openpyxl reads a sheet's cells with ElementTree's ``iterparse`` and a general routine per
cell; for a master of 5,000 actions that is most of a refresh's time (about 1.7 s of 4). Here
a sheet's rows are cut into tokens by one regular expression (:func:`scan_rows`: a row's
start tag, a cell in the form spreadsheet programs write it, any other cell whole), and the
plain cells a master is made of (a number, a date, a shared string, an inline or a formula's
text, a boolean, with a value and nothing else) are made directly; every other cell (formulas,
rich strings, errors, cells with no reference, attributes in another order) is parsed on its
own by lxml and read by openpyxl's own ``parse_cell``, so its meaning never differs from
openpyxl's. Rows holding anything the scanner does not read exactly as an XML parser does
(comments, processing instructions, CDATA, carriage returns, prefixed elements, a part not in
UTF-8...) are read with lxml's ``iterparse``, cell by cell, as before. Everything outside the
``sheetData`` element (widths, conditional formats, dropdowns, print setup...) is read by
openpyxl itself, from the sheet with its rows left out.

A sheet part with a DOCTYPE (whose entities are openpyxl's to refuse or expand) is read by
openpyxl itself. A package the fast reader does not take (a sheet part over
:data:`FAST_MAX_PART`) or cannot read (XML that the copy without rows breaks) is read by
openpyxl itself. openpyxl's own reader class is not changed: the fast one
is used only by :func:`load_workbook_fast`.

One thing is not read, either way: pivot tables and their caches (:class:`_PivotsLeftReader`).
edi_xl never changes them and the patch writer carries their parts over as they are;
:func:`pivots_not_read` tells whatever would write the workbook whole that it would drop them.

``tests/master/test_loading.py`` loads workbooks of every cell kind both ways and compares
every cell's value, type and style, every row height and the rest, on workbooks XlsxWriter,
openpyxl and LibreOffice write, on odd XML (comments and processing instructions in rows,
prefixes, CDATA, entities) and on the corpus.
"""

from __future__ import annotations

import inspect
import re
import types
import weakref
import zipfile
from array import array
from collections.abc import Callable, Iterable, Iterator
from io import BytesIO
from operator import itemgetter
from typing import IO, Any, NamedTuple

from lxml import etree
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.formatting.formatting import ConditionalFormatting
from openpyxl.formatting.rule import Rule
from openpyxl.packaging.relationship import get_dependents, get_rels_path
from openpyxl.reader.excel import ExcelReader
from openpyxl.reader.strings import read_rich_text, read_string_table
from openpyxl.reader.workbook import WorkbookParser
from openpyxl.styles.cell_style import CellStyle, StyleArray
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils.cell import column_index_from_string, range_boundaries
from openpyxl.utils.datetime import from_excel
from openpyxl.workbook.external_link.external import ExternalLink
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._reader import (
    CELL_TAG,
    ROW_TAG,
    VALUE_TAG,
    WorkSheetParser,
    WorksheetReader,
    _cast_number,
)
from openpyxl.worksheet.dimensions import RowDimension
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.constants import ARC_STYLE, SHARED_STRINGS, SHEET_MAIN_NS

from edi_xl.master.cells import new_cell
from edi_xl.master.package import parse, related_part, xml_characters_only

#: the sheetData element's start tag, whatever its prefix: ``<sheetData>`` or ``<sheetData/>``
_SHEET_DATA = re.compile(rb"<(?P<p>[A-Za-z_][\w.-]*:)?sheetData\b[^>]*?(?P<empty>/?)>")
_END_SPACE = b" \t\r\n"
_CF_RULE = f"{{{SHEET_MAIN_NS}}}cfRule"
_BOOLEAN_WORDS = {"true": True, "false": False}


class SheetData(NamedTuple):
    """Where a sheet part's sheetData element is: ``data[start:end]``; its rows (None: an
    empty element) from ``rows_start``; its prefix (``b"x:"``, or ``b""``)."""

    start: int
    end: int
    prefix: bytes
    rows: bytes | None
    rows_start: int


def find_sheet_data(data: bytes) -> SheetData | None:
    """The first sheetData element of a sheet part, up to the first end tag after its start
    (``</sheetData>`` or ``</x:sheetData>``, with the start's prefix); None: none."""
    found = _SHEET_DATA.search(data)
    if found is None:
        return None
    prefix = found.group("p") or b""
    if found.group("empty"):
        return SheetData(found.start(), found.end(), prefix, None, found.end())
    pos = found.end()
    while True:  # the name found as bytes (fast), then checked for being the end tag
        at = data.find(b"sheetData", pos)
        if at < 0:
            return None
        pos = at + 9
        if data[at - 2 : at] == b"</":
            opens = at - 2
        elif prefix and data[at - 2 - len(prefix) : at] == b"</" + prefix:
            opens = at - 2 - len(prefix)
        else:
            continue
        close = pos
        while close < len(data) and data[close] in _END_SPACE:
            close += 1
        if data[close : close + 1] == b">":
            rows = data[found.end() : opens]
            return SheetData(found.start(), close + 1, prefix, rows, found.end())


#: A sheet part larger than this is read by openpyxl as it streams (the fast reader holds the
#: part in memory); a master of 5,000 actions is about 5 MB.
FAST_MAX_PART = 256 * 1024 * 1024
_REF = re.compile(r"([A-Z]{1,3})([0-9]+)\Z")
_PLAIN_TYPES = frozenset({"n", "s", "str", "b", "inlineStr"})
_INLINE = f"{{{SHEET_MAIN_NS}}}is"
#: A cell as read: (row, column, value, openpyxl's type, style id).
_PlainCell = tuple[int, int, Any, str, int]
#: ``skip_rows(names) -> titles`` (see :func:`load_workbook_fast`).
SkipRows = Callable[[dict[str, str]], Iterable[str]]
_TEXT = f"{{{SHEET_MAIN_NS}}}t"


#: Per workbook being read: the titles of the sheets whose rows are not read (see
#: ``load_workbook_fast(skip_rows=...)``), then the sheets read so.
_SKIP: weakref.WeakKeyDictionary[Workbook, set[str]] = weakref.WeakKeyDictionary()
_ROWS_NOT_READ: weakref.WeakKeyDictionary[Workbook, weakref.WeakSet[Any]] = (
    weakref.WeakKeyDictionary()
)
#: Per workbook being read: the titles of the sheets read as values (``values_only``), and
#: whether its other sheets are read as values made cells on first use (``cells_on_use``).
_AS_VALUES: weakref.WeakKeyDictionary[Workbook, frozenset[str]] = weakref.WeakKeyDictionary()
_ON_USE: weakref.WeakSet[Workbook] = weakref.WeakSet()


class SheetValues(NamedTuple):
    """A sheet's cells read as values, not made openpyxl cells (``load_workbook_fast(
    values_only=...)``): each cell as (row, column, value, openpyxl's type, style id), in the
    file's order; the attributes of the rows openpyxl keeps as row dimensions, by row number
    (as text, as openpyxl's parser keeps them); and the last row holding a cell (0: none),
    below which the caller adds rows."""

    cells: list[_PlainCell]
    row_attributes: dict[str, dict[str, str]]
    last_row: int


_VALUES: weakref.WeakKeyDictionary[Any, SheetValues] = weakref.WeakKeyDictionary()


def rows_not_read(wb: Workbook) -> list[Any]:
    """The sheets of ``wb`` loaded without their rows (``skip_rows``) that it still holds:
    whatever writes the workbook whole must not write them as they are."""
    skipped = _ROWS_NOT_READ.get(wb)
    return [ws for ws in wb.worksheets if skipped is not None and ws in skipped]


def sheet_values(ws: Any) -> SheetValues | None:
    """The cells of ``ws`` read as values (``values_only``, ``cells_on_use``) and not made
    cells yet; None when its cells were read as cells (or have all been made since). None of
    them is among the sheet's openpyxl cells: for a ``values_only`` sheet, ``ws.cell`` and
    ``ws[...]`` do not see them (and make an empty cell there); a ``cells_on_use`` sheet makes
    them all when anything uses its cells."""
    return _VALUES.get(ws)


class _MadeOnUse(Worksheet):
    """A worksheet holding cells not made openpyxl cells yet: the first use of its cells
    (``_cells``, behind every openpyxl call that reads or writes one) makes them
    (:meth:`_make`, which makes the sheet a ``Worksheet`` again)."""

    def _make(self) -> None:
        raise NotImplementedError

    @property  # type: ignore[override]
    def _cells(self) -> dict[tuple[int, int], Any]:
        self._make()
        return self.__dict__["_cells"]  # type: ignore[no-any-return]

    @_cells.setter
    def _cells(self, cells: dict[tuple[int, int], Any]) -> None:
        self.__dict__["_cells"] = cells


class _CellsOnUse(_MadeOnUse):
    """A worksheet whose cells were read as values (``load_workbook_fast(cells_on_use=
    True)``): the first use of its cells makes them all (:func:`bind_sheet`).
    :class:`PlacedCells` makes a few columns' cells only, and :func:`made_cells` reaches the
    cells made without making the others."""

    def _make(self) -> None:
        bind_sheet(self)


#: Per sheet: the cells made from its values since it was loaded, each as its value was read,
#: under its place at load (:class:`SheetValues`): what the sheet held, for made_from_values.
_MADE: weakref.WeakKeyDictionary[Any, dict[tuple[int, int], _PlainCell]] = (
    weakref.WeakKeyDictionary()
)


def makes_cells_on_use(ws: Any) -> bool:
    """Whether ``ws`` holds cells as values that it makes when its cells are used
    (``cells_on_use``; not a ``values_only`` sheet, whose values stay apart)."""
    return type(ws) is _CellsOnUse


def made_cells(ws: Any) -> dict[tuple[int, int], Any]:
    """The cells ``ws`` has made, by (row, column): its ``_cells``, without making those of a
    ``cells_on_use`` sheet still held as values (:func:`sheet_values`); the lines added
    below a sheet's last row and not made cells yet (:func:`add_new_lines`) are made."""
    if type(ws) is _WithNewLines:
        make_new_lines(ws)
    return ws.__dict__["_cells"]  # type: ignore[no-any-return]


def cells_but_new_lines(ws: Any) -> dict[tuple[int, int], Any]:
    """:func:`made_cells` without making the lines :func:`add_new_lines` holds (for what
    reads them apart: :func:`new_lines`)."""
    return ws.__dict__["_cells"]  # type: ignore[no-any-return]


#: A cell of a line :func:`add_new_lines` holds: its value as openpyxl stores it, openpyxl's
#: type, and its look (shared by the cells of that look: each made cell gets a copy).
NewCell = tuple[Any, str, StyleArray | None]
#: A line :func:`add_new_lines` holds: its row, and its cells from column A on.
NewLine = tuple[int, tuple[NewCell, ...]]
#: The attribute of a sheet holding its lines not made cells yet (on the sheet, as
#: :data:`_RESULTS`).
_NEW_LINES = "_edi_xl_new_lines"


class _WithNewLines(_MadeOnUse):
    """A sheet read as values (``values_only``: the Change Log) holding lines added below
    its last row that are not made openpyxl cells yet (:func:`add_new_lines`): the first use
    of its cells (and :func:`made_cells`) makes them."""

    def _make(self) -> None:
        make_new_lines(self)


def holds_new_lines(ws: Any) -> bool:
    """Whether :func:`add_new_lines` may keep lines for ``ws``: a sheet read as values
    (``values_only``), whose values stay apart from its cells (not ``cells_on_use``)."""
    return type(ws) in (Worksheet, _WithNewLines) and sheet_values(ws) is not None


def add_new_lines(ws: Any, lines: list[NewLine]) -> None:
    """Keep ``lines`` (rows below every row of ``ws`` holding a cell or a value, in order) as
    the values of their cells, not made openpyxl cells: a merge adds thousands of Change Log
    lines, and making each of their cells, then finding them among the sheet's cells and
    writing them into the file from there, was most of the time of adding them. The save
    writes them from here (:func:`edi_xl.master.patch.apply_edits`); anything else that uses
    the sheet's cells makes them first. Only for a sheet :func:`holds_new_lines`."""
    if not holds_new_lines(ws):
        raise TypeError(f"sheet {ws.title!r} cannot hold lines apart from its cells")
    ws.__dict__.setdefault(_NEW_LINES, []).extend(lines)
    ws.__class__ = _WithNewLines


def new_lines(ws: Any) -> list[NewLine]:
    """The lines of ``ws`` kept by :func:`add_new_lines` and not made cells yet, in order."""
    return ws.__dict__.get(_NEW_LINES, []) if type(ws) is _WithNewLines else []


def make_new_lines(ws: Any) -> None:
    """The lines :func:`add_new_lines` kept for ``ws`` made cells, each with its own copy of
    its look, as :func:`~edi_xl.master.cells.new_cell` makes them; the sheet is then a
    ``Worksheet`` again."""
    lines = ws.__dict__.pop(_NEW_LINES, [])
    ws.__class__ = Worksheet
    cells = ws.__dict__["_cells"]
    for r, line in lines:
        for col, (value, data_type, style) in enumerate(line, 1):
            new_cell(ws, r, col, style, value, data_type, cells)


def made_from_values(ws: Any) -> dict[tuple[int, int], _PlainCell]:
    """The cells of ``ws`` made from the values it was loaded with, each as it was read:
    what the sheet held in their places when it was loaded (for the baseline)."""
    return _MADE.get(ws, {})


#: The attribute of a sheet loaded by the fast reader holding each of its formula cells as
#: loaded, with the result the file holds for it (the value Excel showed when it saved it),
#: or None where the file holds none (a workbook written by a program that does not
#: calculate). On the sheet itself, not in a table keyed by it: the cells refer to their
#: sheet, so such a table would keep every sheet it ever held (a weak key is kept alive by
#: its own value), where the sheet and its cells go together.
_RESULTS = "_edi_xl_formula_results"


def _results(ws: Any) -> dict[Any, Any] | None:
    """The formula cells of ``ws`` the fast reader kept, with their results (None: ``ws``
    was not read by it)."""
    return ws.__dict__.get(_RESULTS)  # type: ignore[no-any-return]


def formula_result(cell: Any) -> Any:
    """What ``cell``, holding a formula since it was loaded, showed when its file was saved
    (the last result Excel worked out: text, a number, a date, True/False; "" for no text and
    for an error such as ``#N/A``, which is nothing to read); None when the cell holds no
    formula now (edi_xl wrote a value there) or its file holds no result for it."""
    if cell.data_type != "f":
        return None
    return (_results(cell.parent) or _NO_RESULTS).get(cell)


def keep_formula_results(ws: Any, results: dict[Any, Any]) -> None:
    """Hold ``results`` (formula cell -> what it shows: "" for nothing) as the results of the
    formula cells of ``ws``, a sheet built in memory (the buttons' workbook, made from what
    the open workbook shows), as the load holds those of a sheet read from its file."""
    ws.__dict__[_RESULTS] = dict(results)


def shown_values(ws: Any) -> dict[tuple[int, int], Any]:
    """The results of the formula cells of ``ws`` that still hold a formula
    (:func:`formula_result`; "" for a formula that shows no text), by where each cell is now
    (row, column): what a person sees in them, where the cells hold the formulas' text."""
    return {
        (cell.row, cell.column): result
        for cell, result in (_results(ws) or _NO_RESULTS).items()
        if result is not None and cell.data_type == "f"
    }


def _loaded_formulas(ws: Any) -> Iterator[Any]:
    """The cells of ``ws`` that hold a formula the sheet was loaded with: found among the
    formula cells the fast reader kept, or, on a sheet openpyxl read itself, among its cells."""
    loaded = _results(ws)
    cells = loaded if loaded is not None else made_cells(ws).values()
    return (cell for cell in cells if cell.data_type == "f")


def formula_places(ws: Any) -> list[tuple[int, int]]:
    """(row, column) of every cell of ``ws`` holding a formula it was loaded with, where it
    is now."""
    return [(cell.row, cell.column) for cell in _loaded_formulas(ws)]


def formula_cells(ws: Any, column: int) -> dict[int, Any]:
    """The cells of ``column`` (1-based) of ``ws`` that hold a formula the sheet was loaded
    with, by row."""
    return {cell.row: cell for cell in _loaded_formulas(ws) if cell.column == column}


_NO_RESULTS: dict[Any, Any] = {}

#: The attribute of a sheet holding its formula cells a column inserted moved, each with
#: the formula it was moved to (on the sheet, as :data:`_RESULTS`).
_MOVED = "_edi_xl_moved_formulas"


def record_moved_formula(cell: Any, formula: Any) -> None:
    """``cell``'s formula is now ``formula``: its own, its references moved along with a
    column inserted, and nothing else; the result its file holds for it still holds."""
    cell.parent.__dict__.setdefault(_MOVED, {})[cell] = formula


def moved_formula(ws: Any, row: int, column: int) -> Any:
    """The formula a column inserted moved the formula of the cell at (row, column) of
    ``ws`` to (:func:`record_moved_formula`), or None; what the cell holds now is another
    formula if something wrote one there since."""
    cell = made_cells(ws).get((row, column))
    return None if cell is None else ws.__dict__.get(_MOVED, _NO_RESULTS).get(cell)


#: Per ``cells_on_use`` sheet: the values of the columns taken out of its values
#: (:func:`take_columns`), by column and row, each until its cell is made. A place holds a
#: cell, a value among the sheet's values, or a value here: never two of them.
_HELD: weakref.WeakKeyDictionary[Any, dict[int, dict[int, _PlainCell]]] = (
    weakref.WeakKeyDictionary()
)
_NOTHING_HELD: dict[int, _PlainCell] = {}
_ROW, _COLUMN = itemgetter(0), itemgetter(1)  # (a value's row and column, :data:`_PlainCell`)


#: Per ``cells_on_use`` sheet: the columns inserted since it was loaded without making its
#: cells (:func:`insert_column_on_use`), in order.
_INSERTED: weakref.WeakKeyDictionary[Any, list[int]] = weakref.WeakKeyDictionary()


def _make(ws: Any, plains: Iterable[_PlainCell]) -> None:
    """Make the cells ``plains`` in ``ws`` (none of their places holds a cell) and note what
    they were made from, where they were when the sheet was loaded (columns inserted since
    moved them)."""
    cells = made_cells(ws)
    styles = ws.parent._cell_styles
    made = _MADE.setdefault(ws, {})
    inserted = _INSERTED.get(ws)
    for plain in plains:
        r, col, value, data_type, style_id = plain
        if inserted:
            was = col
            for k in reversed(inserted):  # (an inserted column itself holds no value)
                was -= was > k
            made[(r, was)] = (r, was, value, data_type, style_id)
        else:
            made[(r, col)] = plain
        new_cell(ws, r, col, styles[style_id], value, data_type, cells)


def _moved(plain: _PlainCell) -> _PlainCell:
    r, col, value, data_type, style_id = plain
    return (r, col + 1, value, data_type, style_id)


def insert_column_on_use(ws: Any, col: int) -> bool:
    """``ws.insert_cols(col)`` for a ``cells_on_use`` sheet, without making its cells: the
    cells made and the values at or right of 1-based ``col`` move one column right (openpyxl
    would make an empty cell in every place right of it too). False, and nothing done, for
    any other sheet. A :class:`PlacedCells` made before refuses to be used after."""
    if type(ws) is not _CellsOnUse:
        return False
    cells = made_cells(ws)
    for r, c in sorted((key for key in cells if key[1] >= col), key=_COLUMN, reverse=True):
        cell = cells.pop((r, c))
        cell.column = c + 1
        cells[(r, c + 1)] = cell
    found = _VALUES.get(ws)
    if found is not None:
        moved = [_moved(plain) if plain[1] >= col else plain for plain in found.cells]
        _VALUES[ws] = found._replace(cells=moved)
    held = _HELD.get(ws)
    if held:
        after = {
            c + 1 if c >= col else c: (
                {r: _moved(plain) for r, plain in rows.items()} if c >= col else rows
            )
            for c, rows in held.items()
        }
        held.clear()
        held.update(after)
    _INSERTED.setdefault(ws, []).append(col)
    last = _VALUES_EXTENT.get(ws)
    if last is not None and last[1] >= col:
        _VALUES_EXTENT[ws] = (last[0], last[1] + 1)
    return True


def bind_sheet(ws: Any) -> None:
    """Make every cell of a ``cells_on_use`` sheet still held as a value, as the load would
    have made it; the sheet is then a ``Worksheet`` again. Nothing for any other sheet."""
    if type(ws) is not _CellsOnUse:
        return
    ws.__class__ = Worksheet
    found = _VALUES.pop(ws, None)
    if found is not None:
        _make(ws, found.cells)
        ws._current_row = max(ws._current_row, found.last_row)
    for rows in _HELD.pop(ws, {}).values():
        _make(ws, rows.values())
        rows.clear()  # (a PlacedCells made before finds the cells, not the values)


def take_columns(ws: Any, columns: Iterable[int]) -> dict[int, dict[int, _PlainCell]]:
    """Take the values of ``columns`` (1-based) of a ``cells_on_use`` sheet out of its values,
    to be looked up by place (one pass over them for all the columns), not made cells: the
    sheet's values so held, by column and row (empty for any other sheet)."""
    if type(ws) is not _CellsOnUse:
        return {}
    held = _HELD.setdefault(ws, {})
    wanted = set(columns).difference(held)
    found = _VALUES.get(ws)
    if wanted and found is not None:
        kept: list[_PlainCell] = []
        for col in wanted:
            held[col] = {}
        for plain in found.cells:
            rows = held.get(plain[1]) if plain[1] in wanted else None
            if rows is None:
                kept.append(plain)
            else:
                rows[plain[0]] = plain
        _VALUES[ws] = found._replace(cells=kept)
    return held


def unmade_values(ws: Any) -> list[_PlainCell]:
    """The cells of a ``cells_on_use`` sheet not made yet, as values (:class:`SheetValues`),
    among its values or taken out of them (:func:`take_columns`); none for another sheet."""
    if type(ws) is not _CellsOnUse:
        return []
    found = _VALUES.get(ws)
    out = list(found.cells) if found is not None else []
    for rows in _HELD.get(ws, {}).values():
        out.extend(rows.values())
    return out


class PlacedCells:
    """The cells of a few ``columns`` of a sheet, each looked at where it is, for a command
    that reads and may write them (a refresh: Status and the computed columns; a merge: Status
    and the round's column). On a ``cells_on_use`` sheet their values are taken out of the
    sheet's (:func:`take_columns`) and a cell is made only where one is asked for
    (:meth:`cell`): a refresh that changes nothing makes none. On any other sheet, the
    sheet's own cells. A column inserted in the sheet afterwards (:func:`insert_column_on_use`)
    moves what it looks at: it raises ``RuntimeError`` if used then (make another)."""

    def __init__(self, ws: Any, columns: Iterable[int]) -> None:
        self.ws = ws
        self.columns = frozenset(columns)
        self._cells = made_cells(ws)
        self._held = take_columns(ws, self.columns)
        self._styles = ws.parent._cell_styles
        # the columns inserted since the sheet was loaded, now and as they go on (a column
        # inserted after this was made moves what it looks at: it refuses to be used then)
        self._inserted = _INSERTED.setdefault(ws, []) if type(ws) is _CellsOnUse else []
        self._inserts = len(self._inserted)

    def _check(self) -> None:
        if len(self._inserted) != self._inserts:
            raise RuntimeError(
                f"{self.ws.title}: a column was inserted since these cells were placed"
            )

    def value(self, row: int, column: int) -> Any:
        """The value at (row, column), as its cell would give it (None: none)."""
        if len(self._inserted) != self._inserts:
            self._check()
        cell = self._cells.get((row, column))
        if cell is not None:
            return cell._value
        plain = self._held.get(column, _NOTHING_HELD).get(row)
        return plain[2] if plain is not None else None

    def values(self, rows: Iterable[int], column: int) -> list[Any]:
        """:meth:`value` at each of ``rows`` of ``column``, in one call: a column of a plan's
        thousands of rows, without a call for each (a refresh reads three so)."""
        if len(self._inserted) != self._inserts:
            self._check()
        cells = self._cells
        held = self._held.get(column, _NOTHING_HELD)
        out: list[Any] = []
        append = out.append
        for row in rows:
            cell = cells.get((row, column))
            if cell is not None:
                append(cell._value)
            else:
                plain = held.get(row)
                append(plain[2] if plain is not None else None)
        return out

    def is_error(self, row: int, column: int) -> bool:
        """Whether the cell at (row, column) holds an error as its value, with no formula
        (a pasted ``#N/A``, a picture placed in the cell): :func:`~edi_xl.master.plan.sheet_grid`
        reads it as empty."""
        cell = self._cells.get((row, column))
        if cell is not None:
            return cell.data_type == "e"  # type: ignore[no-any-return]
        plain = self._held.get(column, _NOTHING_HELD).get(row)
        return plain is not None and plain[3] == "e"

    def style(self, row: int, column: int) -> StyleArray | None:
        """The style array of the cell at (row, column), as its cell would have it (None:
        no cell there)."""
        if len(self._inserted) != self._inserts:
            self._check()
        cell = self._cells.get((row, column))
        if cell is not None:
            return cell._style  # type: ignore[no-any-return]
        plain = self._held.get(column, _NOTHING_HELD).get(row)
        return self._styles[plain[4]] if plain is not None else None

    def cell(self, row: int, column: int) -> Any:
        """``ws.cell(row, column)``: the cell there, made from its value, or made empty
        where there is none; a cell of another column is ``ws.cell``'s."""
        self._check()
        cell = self._cells.get((row, column))
        if cell is not None:
            return cell
        ws = self.ws
        if column not in self.columns or type(ws) is not _CellsOnUse:
            return ws.cell(row, column)
        plain = self._held.get(column, _NOTHING_HELD).pop(row, None)
        if plain is not None:
            _make(ws, (plain,))
            return self._cells[(row, column)]
        made = self._cells[(row, column)] = Cell(ws, row=row, column=column)
        ws._current_row = max(ws._current_row, row)  # (what ws.cell keeps, for ws.append)
        return made


def value_at(ws: Any, row: int, column: int) -> Any:
    """The value at (row, column), as its cell would give it, without making the cells of
    a ``cells_on_use`` sheet."""
    return PlacedCells(ws, (column,)).value(row, column)


def column_values(ws: Any, rows: Iterable[int], column: int) -> list[Any]:
    """The values of ``column`` (1-based) in ``rows``, as the cells there would give them,
    without making the cells of a ``cells_on_use`` sheet."""
    return PlacedCells(ws, (column,)).values(rows, column)


#: Per ``cells_on_use`` sheet: the last row and column of the values it was loaded with (the
#: columns moved by those inserted since), once :func:`extent` has worked them out. A value
#: made a cell since is among the cells, which count too.
_VALUES_EXTENT: weakref.WeakKeyDictionary[Any, tuple[int, int]] = weakref.WeakKeyDictionary()


def extent(ws: Any) -> tuple[int, int]:
    """``ws.max_row`` and ``ws.max_column``, without making the cells of a ``cells_on_use``
    sheet held as values (which count, as the cells a full load makes of them would)."""
    if type(ws) is not _CellsOnUse:
        return ws.max_row, ws.max_column
    last = _VALUES_EXTENT.get(ws)
    if last is None:
        values = unmade_values(ws)
        last = _VALUES_EXTENT[ws] = (
            max(map(_ROW, values), default=0),
            max(map(_COLUMN, values), default=0),
        )
    rows, columns = last
    for r, c in made_cells(ws):
        if r > rows:
            rows = r
        if c > columns:
            columns = c
    return rows or 1, columns or 1


def bind_values(wb: Workbook) -> None:
    """Make the cells (and row dimensions) of the sheets of ``wb`` read as values, as the
    load would have made them: before anything writes the workbook whole. A cell made since
    in the place of a value keeps its own value, if it has one, and its look, if it has
    one (a cell only looked at with ``ws.cell`` has neither: the value's are taken)."""
    for ws in wb.worksheets:
        if type(ws) is _CellsOnUse:
            bind_sheet(ws)
            continue
        found = _VALUES.pop(ws, None)
        if found is None:
            continue
        styles = wb._cell_styles
        cells = ws._cells
        for r, col, value, data_type, style_id in found.cells:
            c = cells.get((r, col))
            if c is None:
                new_cell(ws, r, col, styles[style_id], value, data_type)
                continue
            if c._value is None:
                c._value, c.data_type = value, data_type
            if c._style is None or not any(c._style):
                c._style = StyleArray(styles[style_id])
        for number, attrs in found.row_attributes.items():
            if int(number) not in ws.row_dimensions:
                attrs = dict(attrs)
                if "s" in attrs:
                    attrs["s"] = styles[int(attrs["s"])]
                ws.row_dimensions[int(number)] = RowDimension(ws, **attrs)


#: The most places the merged ranges of a sheet read as values may cover: beyond it (a range
#: over whole rows or columns), every cell of the sheet is made at load.
_MERGED_PLACES_MAX = 100_000


def _merged_places(merged: Any) -> set[tuple[int, int]] | None:
    """The places (row, column) the merged ranges of a sheet cover (empty: none), or None
    when there are more than :data:`_MERGED_PLACES_MAX`."""
    places: set[tuple[int, int]] = set()
    for cr in merged.mergeCell if merged is not None else ():
        lo_col, lo_row, hi_col, hi_row = range_boundaries(cr.ref)
        if lo_col is None or lo_row is None or hi_col is None or hi_row is None:
            return None
        if len(places) + (hi_row - lo_row + 1) * (hi_col - lo_col + 1) > _MERGED_PLACES_MAX:
            return None
        places.update((r, c) for r in range(lo_row, hi_row + 1) for c in range(lo_col, hi_col + 1))
    return places


class _LenientSheetParser(WorkSheetParser):
    """openpyxl's sheet parser, but:

    - a cell with an empty style (``s=""``, written by some tools; LibreOffice and calamine
      read it as the default style) has style 0: openpyxl keeps the text "" as the style's
      index and the load fails on it ("list indices must be integers or slices, not str"). A
      row's ``s=""`` is left out, as if it had none.
    - a boolean cell holding "true" or "false" (for 1 or 0) is read as Excel reads it
      (:func:`_boolean`); openpyxl refused the file.
    - a conditional format openpyxl cannot read (an attribute outside the schema's list:
      LibreOffice before 4.1 wrote ``operator="expression"`` on formula rules, and openpyxl
      refused the whole file, "Value must be one of ...") is left unread, rule by rule: the
      rest of its block is read. edi_xl then neither sees nor changes it, and the patch writer
      keeps it in the sheet as it is (openpyxl itself drops a block on some such errors).
    """

    def parse_cell(self, element: Any) -> dict[str, Any]:
        if element.get("t") == "b":  # "true" or "false" for 1 or 0 (:func:`_boolean`)
            value = element.find(VALUE_TAG)
            if value is not None and value.text:
                value.text = str(int(_boolean(value.text)))
        d: dict[str, Any] = super().parse_cell(element)
        if d["style_id"] == "":
            d["style_id"] = 0
        return d

    def parse_row(self, row: Any) -> Any:
        if row.get("s") == "":  # (a row's: openpyxl's bind_row_dimensions fails on it too)
            del row.attrib["s"]
        return super().parse_row(row)

    def parse_formatting(self, element: Any) -> None:
        try:
            self.formatting.append(ConditionalFormatting.from_tree(element))
            return
        except (TypeError, ValueError):
            pass
        for rule in element.findall(_CF_RULE):
            try:
                Rule.from_tree(rule)
            except (TypeError, ValueError):
                element.remove(rule)
        if element.find(_CF_RULE) is not None:
            self.formatting.append(ConditionalFormatting.from_tree(element))


class _LenientSheetReader(WorksheetReader):
    """openpyxl's sheet reader, with :class:`_LenientSheetParser` as its parser."""

    def __init__(
        self, ws: Any, xml_source: IO[bytes], shared_strings: Any, data_only: bool, rich_text: Any
    ) -> None:
        super().__init__(ws, xml_source, shared_strings, data_only, rich_text)
        self.parser.__class__ = _LenientSheetParser


class _FastSheetReader(_LenientSheetReader):
    """openpyxl's sheet reader, with the cells read by the scanner or by lxml (see the module
    docstring)."""

    def __init__(
        self, ws: Any, xml_source: IO[bytes], shared_strings: Any, data_only: bool, rich_text: Any
    ) -> None:
        data = xml_source.read()
        # a DOCTYPE (entities): openpyxl reads the sheet itself, and refuses or expands them
        found = find_sheet_data(data) if b"<!DOCTYPE" not in data else None
        self._rows: bytes | None = None
        self._scanned: Scanned | None = None  # the rows as scan_rows cut them
        self._as_values = False  # the cells read as values (values_only), not made
        self._on_use = False  # the cells read as values, made on first use (cells_on_use)
        # each formula cell's result in the file (None: none), by (row, column), until its
        # cell is made
        self._results: dict[tuple[int, int], Any] = {}
        if found is not None and b"<" in (found.rows or b""):
            # the rows are read below; openpyxl reads the rest, from the sheet without them
            if ws.title in _SKIP.get(ws.parent, ()):
                _ROWS_NOT_READ.setdefault(ws.parent, weakref.WeakSet()).add(ws)
            else:
                self._as_values = ws.title in _AS_VALUES.get(ws.parent, ())
                self._on_use = not self._as_values and ws.parent in _ON_USE
                self._scanned = scan_rows(data, found)
                if self._scanned is None:
                    self._rows = data  # read with lxml's iterparse
            data = data[: found.start] + b"<" + found.prefix + b"sheetData/>" + data[found.end :]
        super().__init__(ws, BytesIO(data), shared_strings, data_only, rich_text)

    def bind_cells(self) -> None:
        if self._scanned is None and self._rows is None:
            super().bind_cells()
            return
        # openpyxl's parse() reads everything but the rows (there are none left to yield)
        for _ in self.parser.parse():
            pass
        ws = self.ws
        cells = ws._cells
        merged = (
            _merged_places(self.parser.merged_cells) if self._as_values or self._on_use else set()
        )
        if merged is None:  # (merged ranges too big to list: every cell made)
            self._as_values = self._on_use = False
        if self._as_values or self._on_use:
            # each cell's value kept, not made a cell; a formula is made a cell (a command
            # that moves the plan's columns moves the formulas it finds among the cells)
            values: list[_PlainCell] = []
            if self._scanned is not None:
                self._bind_scanned(self._scanned, values)
            else:
                assert self._rows is not None
                styles = ws.parent._cell_styles
                for plain in self._parsed_cells(self._rows):
                    if plain[3] == "f":
                        r, col, value, data_type, style_id = plain
                        new_cell(ws, r, col, styles[style_id], value, data_type)
                    else:
                        styles[plain[4]]  # (a style the load cannot find fails it here)
                        values.append(plain)
            rows: dict[str, dict[str, str]] = {}
            if self._as_values:  # kept with the values, not made dimensions
                rows = dict(self.parser.row_dimensions)
                self.parser.row_dimensions.clear()
            if merged:
                # openpyxl gives a merged range's cells the borders of its first cell as it
                # binds them (MergedCellRange.format): the cells of merged ranges are made
                # here, as the full load makes them, before it does
                kept = []
                styles = ws.parent._cell_styles
                for plain in values:
                    if (plain[0], plain[1]) in merged:
                        new_cell(ws, plain[0], plain[1], styles[plain[4]], plain[2], plain[3])
                    else:
                        kept.append(plain)
                values = kept
            last = max(max(map(_ROW, values), default=0), ws.max_row if cells else 0)
            _VALUES[ws] = SheetValues(values, rows, last)
            if self._on_use:  # (ws.append adds a row below it before it uses the cells)
                ws._current_row = last
        elif self._scanned is not None:
            self._bind_scanned(self._scanned)
        else:
            assert self._rows is not None
            styles = ws.parent._cell_styles
            for r, col, value, data_type, style_id in self._parsed_cells(self._rows):
                new_cell(ws, r, col, styles[style_id], value, data_type)
        self._scanned = None
        self._rows = None
        ws.__dict__[_RESULTS] = {
            cells[place]: result for place, result in self._results.items() if place in cells
        }
        self._results = {}
        if cells:
            ws._current_row = max(ws._current_row, ws.max_row)

    def bind_row_dimensions(self) -> None:
        """openpyxl's, with a row whose attributes (but its number) another row had already
        made as a copy of that row's (thousands of rows of a master share a few kinds)."""
        ws = self.ws
        made: dict[tuple[tuple[str, str], ...], RowDimension] = {}
        new_dimension = RowDimension.__new__
        new_array = array.__new__
        for row, rd in self.parser.row_dimensions.items():
            number = rd.get("r")
            # the attributes but r: as written after r (the scanner's rows, each kind in one
            # order), else sorted; either way, one key only for rows with the same ones
            items = tuple(rd.items())
            if items and items[0][0] == "r":
                kind = items[1:]
            else:
                kind = tuple(sorted(item for item in items if item[0] != "r"))
            first = made.get(kind)
            if first is None or number is None or not number.isdigit():
                if "s" in rd:
                    rd["s"] = ws.parent._cell_styles[int(rd["s"] or 0)]  # (s="": style 0)
                dim = made[kind] = RowDimension(ws, **rd)
            else:
                # the slots and the fields openpyxl's descriptors keep in __dict__ (index an
                # int, as its descriptor makes it), without the constructor's calls
                dim = new_dimension(RowDimension)
                fields = dim.__dict__
                fields.update(first.__dict__)
                fields["index"] = int(number)
                dim.parent = ws
                style = first._style
                dim._style = None if style is None else new_array(StyleArray, "i", style)
            ws.row_dimensions[int(row)] = dim

    def _keep_result(self, el: Any, row: int, column: int) -> None:
        """Keep the result the file holds for the formula cell ``el`` at (row, column), as
        openpyxl reads it with ``data_only`` (a workbook loaded for its values), read here
        from its ``<v>`` and type (openpyxl's ``parse_cell`` again would read the cell twice).
        An empty text (what ``=""`` shows; openpyxl reads None) and an error (``#N/A``: no
        owner, date or Status to read, not an owner called "#N/A") are kept as ""."""
        parser = self.parser
        data_type = el.get("t", "n")
        v = el.find(VALUE_TAG)
        result: Any = None
        if data_type == "e" or (data_type == "str" and v is not None and not v.text):
            result = ""
        elif v is not None and v.text:
            style = el.get("s", 0)
            dates = (parser.date_formats, parser.timedelta_formats, parser.epoch)
            try:
                read = _plain_value(
                    data_type, v.text, int(style) if style else 0, parser.shared_strings, dates
                )
            except (ValueError, IndexError, KeyError):  # (not a result openpyxl reads either)
                read = None
            result = read[0] if read is not None else None
        self._results[(row, column)] = result

    def _parsed_cells(self, data: bytes) -> Iterator[_PlainCell]:
        """The cells of the sheet part ``data``, read row by row with lxml's ``iterparse``."""
        parser = self.parser
        shared = parser.shared_strings
        dates = (parser.date_formats, parser.timedelta_formats, parser.epoch)
        columns: dict[str, int] = {}
        context = etree.iterparse(
            BytesIO(data),
            events=("end",),
            tag=ROW_TAG,
            huge_tree=True,
            resolve_entities=False,
            no_network=True,
            remove_comments=True,  # ElementTree, which openpyxl reads with, drops them too
            remove_pis=True,
        )
        for _, row in context:
            _start_row(parser, dict(row.attrib))
            for el in row:
                plain = _plain_cell(el, columns, shared, dates)
                if plain is None:
                    d = parser.parse_cell(el)
                    plain = (d["row"], d["column"], d["value"], d["data_type"], d["style_id"])
                    if plain[3] == "f":
                        self._keep_result(el, plain[0], plain[1])
                else:
                    parser.col_counter = plain[1]
                yield plain
            row.clear()
            while row.getprevious() is not None:
                del row.getparent()[0]

    def _bind_scanned(self, scanned: Scanned, values: list[_PlainCell] | None = None) -> None:
        """Bind the cells of the rows the scanner cut (:func:`scan_rows`), row attributes
        read on the way: a plain cell read and made here, in one loop (a cell is most of a
        big load's time, and Python's calls most of a cell's), any other parsed on its own
        and read by openpyxl's ``parse_cell``. What repeats is read once: a style id's
        StyleArray (each cell gets its own copy), a number in a date format's date.
        ``values``: each cell is put there as read (:class:`SheetValues`), not made."""
        parser = self.parser
        ws = self.ws
        cells = ws._cells
        styles = ws.parent._cell_styles
        shared = parser.shared_strings
        date_formats, timedelta_formats, epoch = (
            parser.date_formats,
            parser.timedelta_formats,
            parser.epoch,
        )
        bare_cell = Cell.__new__
        new_array = array.__new__
        columns: dict[str, int] = {}
        # style text -> (style id, its StyleArray, None or, in a date format, its dates)
        kinds: dict[str, tuple[int, StyleArray, dict[str, Any] | None]] = {}
        whole_cell = "<c" + scanned.declarations.decode("utf-8")
        cell_parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
        row_starts = iter(scanned.rows)
        row_text, r = "", 0  # the last cell's row as written, and as a number
        row_counter = col_counter = 0
        for token, (col, row, s, t, v, it, cell, _, start, _, _) in enumerate(scanned.tokens):
            if col:  # a cell in the plain form: read here unless it is not a plain one
                kind = kinds.get(s)
                if kind is None:
                    sid = int(s) if s else 0
                    kind = kinds[s] = (
                        sid,
                        styles[sid],
                        {} if sid in date_formats else None,
                    )
                style_id, style, dates = kind
                ok = True
                value: Any
                if it:
                    if t != "inlineStr":
                        ok = False
                    else:
                        value, data_type = _inline(it if "&" not in it else _xml_text(it)), "s"
                elif not v:
                    if t in _PLAIN_EMPTY:
                        value, data_type = None, t or "n"
                    else:
                        ok = False
                elif not t or t == "n":
                    if dates is None:
                        if "&" in v:
                            v = _xml_text(v)
                        value = float(v) if "." in v or "E" in v or "e" in v else int(v)
                        data_type = "n"
                    else:
                        value = dates.get(v, _UNSEEN)
                        if value is _UNSEEN:
                            value = dates[v] = _date(v, epoch, style_id in timedelta_formats)
                        data_type = "d"
                        ok = value is not None  # None: out of range (openpyxl warns)
                elif t == "s":
                    value, data_type = shared[int(_xml_text(v) if "&" in v else v)], "s"
                elif t == "str":
                    value, data_type = (_xml_text(v) if "&" in v else v), "s"
                elif t == "b":
                    value, data_type = _boolean(_xml_text(v) if "&" in v else v), "b"
                else:
                    ok = False
                if ok:
                    if row != row_text:
                        row_text, r = row, int(row)
                    column = columns.get(col)
                    if column is None:
                        column = columns[col] = column_index_from_string(col)
                    col_counter = column
                    if values is not None:
                        values.append((r, column, value, data_type, style_id))
                        continue
                    # cells.new_cell written out here: no call a cell in the load's hot loop
                    c = bare_cell(Cell)
                    c.parent = ws
                    c.row = r
                    c.column = column
                    c._value = value
                    c.data_type = data_type
                    c._style = new_array(StyleArray, "i", style)
                    c._hyperlink = None
                    c._comment = None
                    cells[(r, column)] = c
                    continue
                cell = scanned.whole[token]
            if cell:  # any other cell: parsed on its own, read by openpyxl
                parser.row_counter, parser.col_counter = row_counter, col_counter
                el = etree.fromstring((whole_cell + cell[2:]).encode("utf-8"), cell_parser)
                d = parser.parse_cell(el)
                col_counter = parser.col_counter
                cr, cc = d["row"], d["column"]
                if d["data_type"] == "f":
                    self._keep_result(el, cr, cc)
                if values is not None and d["data_type"] != "f":  # (a formula: a cell)
                    styles[d["style_id"]]  # (a style the load cannot find fails it here)
                    values.append((cr, cc, d["value"], d["data_type"], d["style_id"]))
                    continue
                new_cell(ws, cr, cc, styles[d["style_id"]], d["value"], d["data_type"])
            elif start:  # a row starts: openpyxl's parse_row but for its cells
                number, attrs, dimension = next(row_starts)
                if number is not None:
                    row_counter = number
                elif "r" in attrs:
                    row_counter = _row_number(attrs["r"])
                else:
                    row_counter += 1
                col_counter = 0
                if dimension:
                    parser.row_dimensions[str(row_counter)] = attrs
        parser.row_counter, parser.col_counter = row_counter, col_counter


#: One token of a sheet's rows as :func:`scan_rows` cuts them: white space; a cell in the
#: form spreadsheet programs write (reference, style, type, then a value or an inline text);
#: any other cell, whole (read by openpyxl); a row's start tag; a row's end tag; anything
#: else, one character (the rows are then not the scanner's). Read with ``findall``: a token
#: is the tuple of its groups, "" for those its branch has not, and no branch but white
#: space has all of them empty (a cell in the plain form has its column). (The possessive
#: quantifiers give the same tokens: what each takes, what follows it cannot start with.)
_TOKEN_PATTERN = r"""
    [ \t\n]+
    | (?:<c\ r="(?P<col>[A-Z]{1,3}+)(?P<row>[0-9]++)"(?:\ s="(?P<s>[0-9]++)")?+
        (?:\ t="(?P<t>[a-zA-Z]++)")?+
        (?:\ ?/>|>(?:<v>(?P<v>[^<]*+)</v>|<is><t(?:\ xml:space="preserve")?>(?P<it>[^<]++)</t></is>
                   |<v/>)?</c>))
    | (?P<cell><c\b[^>]*?(?:/>|>.*?</c>))
    | <row\b(?P<attrs>[^>]*?)(?P<start>/?>)
    | (?P<end></row>)
    | (?P<bad>.)
    """
_TOKEN = re.compile(_TOKEN_PATTERN, re.X | re.S | re.A)


class _WholeTexts:
    """The text of each token of a sheet's rows where it is a cell in the plain form ("" for
    the others), cut when first asked for: for the rare such cell the binding leaves to
    openpyxl after all. The rows are cut again by :data:`_TOKEN` with that branch taken
    whole (a group more, its first): the same tokens, in the same order. Taking every plain
    cell's text as the rows are first cut was a third of the time of cutting a big plan's."""

    def __init__(self, rows: str) -> None:
        self._rows = rows
        self._texts: list[str] | None = None

    def __getitem__(self, token: int) -> str:
        if self._texts is None:
            whole = re.compile(
                _TOKEN_PATTERN.replace("(?:<c\\ r=", "(?P<whole><c\\ r=", 1), _TOKEN.flags
            )
            if whole.groups != _TOKEN.groups + 1:  # (the pattern's plain branch moved)
                raise RuntimeError("the plain cell's branch of _TOKEN_PATTERN was not found")
            self._texts = [found[0] for found in whole.findall(self._rows)]
        return self._texts[token]


#: An empty cell of these types (and of none) openpyxl reads as None of that type.
_PLAIN_EMPTY = frozenset({"", "n", "s", "str", "b"})
_NUMBERED = re.compile(r' r="([0-9]+)"(.*)\Z', re.S | re.A)
_UNSEEN: Any = object()
#: What :data:`~edi_xl.master.package.NOT_XML_CONTROL` names, and a carriage return (XML
#: reads "\r\n" and a lone "\r" as "\n": left to lxml).
_CONTROL = bytes(range(0x09)) + bytes(range(0x0B, 0x20))


def _plain_text(rows: bytes) -> bool:
    """Whether ``rows`` holds none of what the scanner leaves to lxml, but for what only a
    cell the scanner takes whole can hold (comments, processing instructions, CDATA: see
    :func:`scan_rows`): a carriage return, a control character, U+FFFE or U+FFFF (XML's
    line-end and character rules); ``]]>``, which text may not hold."""
    # (one byte is looked for faster than three: "]" alone is rare in a plan's text)
    return (b"]" not in rows or b"]]>" not in rows) and xml_characters_only(rows, _CONTROL)


_ROOT = re.compile(
    rb"\A(?:\xef\xbb\xbf)?[ \t\r\n]*(?:<\?xml\b(?P<decl>[^>]*)\?>[ \t\r\n]*)?"
    rb"<(?:[A-Za-z_][\w.-]*:)?worksheet\b(?P<attrs>[^>]*)>"
)
_ENCODING = re.compile(rb"""encoding[ \t\r\n]*=[ \t\r\n]*["']([A-Za-z0-9._-]+)["']""")
_XMLNS = re.compile(
    rb"""[ \t\r\n]xmlns(?::([A-Za-z_][\w.-]*))?[ \t\r\n]*=[ \t\r\n]*(?:"([^"]*)"|'([^']*)')"""
)
_ATTR = re.compile(
    rb"""[ \t\n]+(?:(?P<prefix>[A-Za-z_][\w.-]*):)?(?P<name>[A-Za-z_][\w.-]*)[ \t\n]*=[ \t\n]*"""
    rb"""(?:"(?P<dq>[^"<&\t\n]*)"|'(?P<sq>[^'<&\t\n]*)')"""
)
_XML_NS = "http://www.w3.org/XML/1998/namespace"


def plain_namespaces(data: bytes, found: SheetData) -> tuple[dict[str, str], bytes] | None:
    """The namespaces the sheet part ``data`` declares on its root (:func:`_root_namespaces`)
    when its sheetData (``found``) is in the plain form: unprefixed, declaring nothing, in the
    root's default namespace, the main one, in a part in UTF-8; else None."""
    if found.prefix or b"xmlns" in data[found.start : found.rows_start]:
        return None
    root = _root_namespaces(data[: found.start])
    return root if root is not None and root[0].get("") == SHEET_MAIN_NS else None


def _root_namespaces(head: bytes) -> tuple[dict[str, str], bytes] | None:
    """The namespaces declared on the root element: prefix -> namespace ("" the default
    one), and the declarations as written; None when the root is not where the scanner
    looks for it or the part is not in UTF-8."""
    found = _ROOT.match(head)
    if found is None:
        return None
    decl = found.group("decl")
    if decl is not None:
        encoding = _ENCODING.search(decl)
        if encoding is not None and encoding.group(1).lower() not in (b"utf-8", b"utf8"):
            return None
    out: dict[str, str] = {}
    written: list[bytes] = []
    for m in _XMLNS.finditer(found.group("attrs")):
        uri = m.group(2) if m.group(2) is not None else m.group(3)
        if b"&" in uri:
            return None
        out[(m.group(1) or b"").decode("ascii")] = uri.decode("utf-8")
        written.append(m.group(0))
    return out, b"".join(written)


def _row_attributes(text: bytes, prefixes: dict[str, str]) -> dict[str, str] | None:
    """A row's attributes as lxml names them (``{namespace}name`` for a prefixed one); None
    for any the scanner leaves to lxml (entities, namespace declarations, odd spacing)."""
    attrs: dict[str, str] = {}
    pos = 0
    for m in _ATTR.finditer(text):
        if m.start() != pos:
            return None
        pos = m.end()
        prefix, name = m.group("prefix"), m.group("name").decode("ascii")
        if prefix is None:
            if name == "xmlns":
                return None
            key = name
        elif prefix == b"xml":
            key = f"{{{_XML_NS}}}{name}"
        else:
            uri = prefixes.get(prefix.decode("ascii"))
            if uri is None or prefix == b"xmlns":
                return None
            key = f"{{{uri}}}{name}"
        if key in attrs:
            return None
        value = m.group("dq") if m.group("dq") is not None else m.group("sq")
        attrs[key] = value.decode("utf-8")
    if text[pos:].strip(b" \t\n"):
        return None
    return attrs


#: A row's start: its number (None: not written as digits), its attributes as lxml reads
#: them, and whether openpyxl keeps them as the row's dimension (any but r, spans and
#: prefixed ones).
_RowStart = tuple[int | None, dict[str, str], bool]


class Scanned(NamedTuple):
    """A sheet's rows as :func:`scan_rows` cut them (each token the tuple of
    :data:`_TOKEN`'s groups), the start of each row in turn, and the namespace declarations
    of its root element (as attributes to give a cell read on its own: its prefixes then
    mean what they mean in the sheet); and each token's whole text, when a cell in the plain
    form is to be read by openpyxl after all."""

    tokens: list[tuple[str, ...]]
    rows: list[_RowStart]
    declarations: bytes
    whole: _WholeTexts


def scan_rows(data: bytes, found: SheetData) -> Scanned | None:
    """The rows of a sheet part (``found``: its sheetData, :func:`find_sheet_data`) cut into
    tokens. None when anything in them is not in the plain form the scanner reads exactly as
    an XML parser does (the rows are then read by lxml): XML comments, processing
    instructions, CDATA, prefixed or redeclared elements, entities in a row's attributes, a
    part not in UTF-8."""
    rows = found.rows
    if rows is None:
        return None
    root = plain_namespaces(data, found)
    if root is None or not _plain_text(rows):
        return None
    prefixes, declarations = root
    try:
        rows_text = rows.decode("utf-8")
    except UnicodeDecodeError:
        return None
    tokens = _TOKEN.findall(rows_text)
    # a row's other attributes -> (read, a dimension); None: not the scanner's
    seen: dict[str, tuple[dict[str, str], bool] | None] = {}
    starts: list[_RowStart] = []
    append = starts.append
    in_row = False
    for plain, _, _, _, _, _, cell, text, start, end, bad in tokens:
        if plain:  # (a cell in the plain form: its column)
            if not in_row:
                return None
        elif cell:
            # comments, processing instructions, CDATA: only a cell taken whole can hold
            # them (nothing else the tokens take holds "<!" or "<?", and a row's attributes
            # with a "<" are not read)
            if not in_row or "<!" in cell or "<?" in cell:
                return None
        elif start:
            numbered = _NUMBERED.match(text)  # r="5" and the rest, read once a kind
            rest = numbered.group(2) if numbered else text
            kind = seen.get(rest, _UNSEEN)
            if kind is _UNSEEN:
                attrs = _row_attributes(rest.encode("utf-8"), prefixes)
                kind = seen[rest] = None if attrs is None else (attrs, _dimension(attrs))
            if kind is None or in_row or (numbered and "r" in kind[0]):
                return None
            attrs, dimension = kind
            if numbered:
                number = numbered.group(1)
                if dimension:
                    append((int(number), {"r": number, **attrs}, True))
                else:
                    append((int(number), attrs, False))
            else:
                append((None, dict(attrs), dimension))
            in_row = start == ">"
        elif end:
            if not in_row:
                return None
            in_row = False
        elif bad:
            return None
    return None if in_row else Scanned(tokens, starts, declarations, _WholeTexts(rows_text))


def _dimension(attrs: dict[str, str]) -> bool:
    """Whether openpyxl keeps a row with these attributes as a row dimension."""
    return bool({k for k in attrs if not k.startswith("{")} - {"r", "spans"})


_ENTITY = re.compile(r"&(?:#([0-9]+)|#x([0-9a-fA-F]+)|(lt|gt|amp|quot|apos));|&")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


def _character(m: re.Match[str]) -> str:
    if m.group(3) is not None:
        return _NAMED[m.group(3)]
    if m.group(1) is None and m.group(2) is None:
        raise ValueError("an '&' that starts no entity: not well-formed XML")
    code = int(m.group(1), 10) if m.group(1) is not None else int(m.group(2), 16)
    if not (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    ):
        raise ValueError(f"character reference &#{code}; is not an XML character")
    return chr(code)


def _inline(text: str) -> str:
    """An inline string's text as typed: an underscore written escaped (``_x005F_``, as
    Excel, XlsxWriter and edi_xl write one that would begin an escape such as ``_x0041_``)
    read as the underscore, as Excel and LibreOffice read it; other escapes are left as
    they are, as openpyxl leaves them."""
    return text.replace("_x005F_", "_") if "_x005F_" in text else text


def _xml_text(raw: str) -> str:
    """The text an XML parser reads from ``raw`` (no markup in it)."""
    return _ENTITY.sub(_character, raw) if "&" in raw else raw


def _date(raw: str, epoch: Any, timedelta: bool) -> Any:
    """openpyxl's reading of the number ``raw`` in a date format: a date, time or duration;
    None for one out of range (openpyxl warns, and gives an error value)."""
    value = _cast_number(_xml_text(raw))
    try:
        return from_excel(value, epoch, timedelta=timedelta)
    except (OverflowError, ValueError):
        return None


def _plain_value(
    data_type: str, text: str | None, style_id: int, shared: Any, dates: tuple[Any, Any, Any]
) -> tuple[Any, str] | None:
    """(value, type) as openpyxl's ``parse_cell`` reads a plain cell of type ``data_type``
    holding ``text`` (None: no value; an inline string's text for "inlineStr"); None for a
    type it does not read so, and for a date out of range (openpyxl warns, and gives an
    error value)."""
    if data_type not in _PLAIN_TYPES:
        return None
    if text is None:
        return None, data_type
    if data_type == "n":
        value = _cast_number(text)
        date_formats, timedelta_formats, epoch = dates
        if style_id not in date_formats:
            return value, "n"
        try:
            return from_excel(value, epoch, timedelta=style_id in timedelta_formats), "d"
        except (OverflowError, ValueError):
            return None
    if data_type == "s":
        return shared[int(text)], "s"
    if data_type == "b":
        return _boolean(text), "b"
    return text, "s"  # a formula's text result ("str") and an inline string are text


def _boolean(text: str) -> bool:
    """A boolean cell's value: "1" or "0" as the schema has it, or "true" or "false" as some
    programs write it (LibreOffice's test file tdf155046.xlsx), which Excel and LibreOffice
    read and openpyxl refused ("invalid literal for int()")."""
    word = _BOOLEAN_WORDS.get(text.strip().lower())
    return word if word is not None else bool(int(text))


def _start_row(parser: Any, attrs: dict[str, str]) -> None:
    """A row starts, with these attributes: openpyxl's ``parse_row`` but for its cells."""
    r_text = attrs.get("r")
    parser.row_counter = _row_number(r_text) if r_text is not None else parser.row_counter + 1
    parser.col_counter = 0
    if _dimension(attrs):
        parser.row_dimensions[str(parser.row_counter)] = attrs


def _row_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        val = float(text)
        if val.is_integer():
            return int(val)
        raise ValueError(f"{text} is not a valid row number") from None


def _plain_cell(
    el: Any, columns: dict[str, int], shared: Any, dates: tuple[Any, Any, Any]
) -> _PlainCell | None:
    """(row, column, value, type, style id): openpyxl's reading of a plain cell; None for
    any other cell (read by openpyxl)."""
    if el.tag != CELL_TAG:
        return None
    data_type = el.get("t", "n")
    ref = el.get("r")
    if data_type not in _PLAIN_TYPES or not ref or len(el) > 1:
        return None
    text = None
    if data_type == "inlineStr":  # <is><t>text</t></is>; rich or phonetic text: openpyxl's
        if len(el) != 1 or el[0].tag != _INLINE or len(el[0]) != 1:
            return None
        t = el[0][0]
        if t.tag != _TEXT or t.text is None or len(t):
            return None
        text = _inline(t.text)
    elif len(el):
        child = el[0]
        if child.tag != VALUE_TAG:
            return None
        text = child.text or None
    s = el.get("s")
    style_id = int(s) if s else 0  # (s="": the default style, as for a cell without s)
    found = _REF.match(ref)
    if found is None:
        return None
    read = _plain_value(data_type, text, style_id, shared, dates)
    if read is None:
        return None
    letters = found.group(1)
    column = columns.get(letters)
    if column is None:
        column = columns[letters] = column_index_from_string(letters)
    return int(found.group(2)), column, read[0], read[1], style_id


def _with_names(method: Callable[..., Any], **replaced: Any) -> Callable[..., Any]:
    """``method`` of one of openpyxl's readers with the module globals it names in
    ``replaced`` replaced (``WorksheetReader``: the sheet reader; ``TableDefinition``: what
    finds pivot tables; ``WorkbookParser``, ``read_external_link``).

    ``ExcelReader.read_worksheets`` makes each sheet's reader from the module global
    ``WorksheetReader`` and finds its pivot tables by ``TableDefinition.rel_type``; this is the
    same code with its own globals, so nothing of openpyxl's is changed for other callers (or
    threads).
    """
    names = dict(method.__globals__)  # (its module's)
    names.update(replaced)
    return types.FunctionType(
        method.__code__, names, method.__name__, method.__defaults__, method.__closure__
    )


def _read_external_link(archive: zipfile.ZipFile, book_path: str) -> ExternalLink:
    """openpyxl's ``read_external_link``, but an empty ``sheetDataSet`` (no cached sheet:
    LibreOffice 4.3 wrote ``<sheetDataSet></sheetDataSet>``; Excel reads it as no cache) is
    read as none: openpyxl refused the whole workbook ("Value must be a sequence"); and a
    link to no file, with no relationships part (a DDE link, ``<ddeLink>``: Excel writes it
    so), is read with none: openpyxl refused the workbook ("There is no item named
    'xl/externalLinks/_rels/externalLink1.xml.rels' in the archive"). The patch writer keeps
    the part as it is in the file."""
    root = parse(archive.read(book_path))
    for empty in root.iter(f"{_MAIN}sheetDataSet"):
        if len(empty) == 0 and (parent := empty.getparent()) is not None:
            parent.remove(empty)
    book = ExternalLink.from_tree(root)
    rels = get_rels_path(book_path)
    targets = get_dependents(archive, rels) if rels in archive.namelist() else []
    book.file_link = targets[0] if len(targets) else None
    return book


class _LenientWorkbookParser(WorkbookParser):
    """openpyxl's workbook parser, reading external links with :func:`_read_external_link`."""

    parse = _with_names(WorkbookParser.parse, read_external_link=_read_external_link)


class _PivotTablesLeftInFile:
    """Stands for openpyxl's pivot ``TableDefinition`` in :class:`_PivotsLeftReader`'s copy of
    ``read_worksheets``: its relationship type is one no relationship has, so no sheet's pivot
    tables are read."""

    rel_type = "edi_xl: pivot tables are left in the file (master.patch carries them over)"


#: Workbooks loaded with pivot caches in their file that were not read (:func:`pivots_not_read`).
_PIVOTS_NOT_READ: weakref.WeakSet[Workbook] = weakref.WeakSet()


def pivots_not_read(wb: Workbook) -> bool:
    """Whether ``wb``'s file has pivot tables that :func:`load_workbook_fast` left unread:
    the patch writer carries them over as they are, but whatever writes the workbook whole
    would drop them."""
    return wb in _PIVOTS_NOT_READ


_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_MAIN = f"{{{SHEET_MAIN_NS}}}"
#: The attributes openpyxl's ``CellStyle`` (an ``xf``) takes: it fails on any other.
_XF_ATTRIBUTES = frozenset(inspect.signature(CellStyle).parameters) - {"alignment", "protection"}


def _styles_part(archive: zipfile.ZipFile) -> str:
    """The styles part the workbook's relationships name. openpyxl reads ``xl/styles.xml``
    whatever they say: a package with its parts elsewhere (calamine's minimal_package.xlsx:
    ``/workbook.xml``, ``/styles.xml``) was read with openpyxl's default styles, and its
    cells' style numbers pointed past them ("list index out of range")."""
    try:
        book = related_part(archive, "", "officeDocument")
        found = related_part(archive, book, "styles") if book else None
    except (KeyError, etree.XMLSyntaxError, ValueError):
        found = None  # (what openpyxl reads; a broken package fails elsewhere, and says why)
    return found or ARC_STYLE


def _readable_styles(data: bytes) -> bytes:
    """A styles part as openpyxl can read it, every list in it as Excel reads it:

    - markup compatibility (``mc:AlternateContent``, which Hancom Office writes around fonts
      and differential styles): each is its ``mc:Fallback``'s content (or, with none, its
      first ``mc:Choice``'s), one entry of its list as it is for Excel. openpyxl skipped
      them, and every font after the first was then read as the one after it.
    - a named style without a name (``<cellStyle xfId="0" builtinId="0"/>``: the name is
      optional): named as its built-in style (Normal), or "Style N"; openpyxl refused it.
    - an ``xf`` with attributes openpyxl does not know (another program's own): left out;
      openpyxl refused the file.
    - an empty fill (``<fill/>``, which the schema allows and xlsx-populate writes): a pattern
      fill of no pattern, as Excel reads it; openpyxl refused the file ("expected Fill").
    - comments and processing instructions (a stylesheet written by hand, "<!-- currency
      -->" among its styles): left out, being no style; openpyxl read a comment among the
      fills as a fill and refused the file ("expected Fill").
    - a font's family outside the schema's 0 to 14 (:func:`_without_odd_families`).

    Only what edi_xl reads is changed: the patch writer keeps the part as it is in the file.
    """
    root = parse(data)
    # (the text after each is kept: only the comment goes)
    etree.strip_elements(root, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    for alternate in list(root.iter(_MC + "AlternateContent")):
        chosen = alternate.find(_MC + "Fallback")
        if chosen is None:
            chosen = alternate.find(_MC + "Choice")
        parent = alternate.getparent()
        if parent is None:
            continue
        at = parent.index(alternate)
        parent.remove(alternate)
        for i, child in enumerate([] if chosen is None else list(chosen)):
            parent.insert(at + i, child)
    taken = {el.get("name") for el in root.iter(_MAIN + "cellStyle")}
    for i, el in enumerate(root.iter(_MAIN + "cellStyle")):
        if el.get("name") is None:
            name = "Normal" if el.get("builtinId") == "0" else f"Style {i + 1}"
            while name in taken:
                name += " "
            taken.add(name)
            el.set("name", name)
    for xf in root.iter(_MAIN + "xf"):
        for name in [a for a in xf.attrib if a not in _XF_ATTRIBUTES]:
            del xf.attrib[name]
    for fill in root.iter(_MAIN + "fill"):
        if len(fill) == 0:
            etree.SubElement(fill, _MAIN + "patternFill")
    _without_odd_families(root)
    return etree.tostring(root)


#: The font families the schema allows (ST_FontFamily: 0 to 14), which openpyxl insists on.
_FONT_FAMILIES = frozenset(str(n) for n in range(15))


def _without_odd_families(root: etree._Element) -> None:
    """``root`` (a styles or shared-strings part) without the font ``family`` elements whose
    value is not one of the schema's 0 to 14: Excel writes the Windows pitch-and-family byte
    there in fonts carried over from old .xls files (34: Swiss, variable pitch; sc-im's
    products.xlsx, which Excel saved), and reads it; openpyxl refused the file ("Max value is
    14"). The family is a hint for a missing font: the font's name and look are read as they
    are. Only what edi_xl reads is changed; the part stays as it is in the file."""
    for el in list(root.iter(_MAIN + "family")):
        if (
            el.get("val", "").strip() not in _FONT_FAMILIES
            and (parent := el.getparent()) is not None
        ):
            parent.remove(el)


class _OnePart:
    """What openpyxl's ``apply_stylesheet`` reads the styles from: ``read(name)``."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self, name: str) -> bytes:
        return self.data


def _apply_stylesheet(archive: zipfile.ZipFile, wb: Workbook) -> Workbook:
    """openpyxl's ``apply_stylesheet``, reading the styles part the workbook names
    (:func:`_styles_part`), and one openpyxl cannot read as it is (or reads other than
    Excel does) as :func:`_readable_styles` makes it."""
    part = _styles_part(archive)
    try:
        data = archive.read(part)
    except KeyError:
        return wb  # (no styles: openpyxl's defaults, as openpyxl does)
    if b"AlternateContent" not in data:
        try:
            return apply_stylesheet(_OnePart(data), wb)
        except (TypeError, ValueError):
            pass
    return apply_stylesheet(_OnePart(_readable_styles(data)), wb)


class _PivotsLeftReader(ExcelReader):
    """openpyxl's reader, but pivot tables and their caches are not read: edi_xl never
    changes them, :mod:`edi_xl.master.patch` carries their parts over untouched, and
    openpyxl fails on some that Excel writes (a cache field grouped by hand, ``discretePr``:
    ``Nested.from_tree() missing 1 required positional argument``) and reads every record
    of a big cache into objects (its ``pivot_caches`` reads them all again for each sheet)."""

    _read_sheets = _with_names(
        ExcelReader.read_worksheets,
        WorksheetReader=_LenientSheetReader,
        TableDefinition=_PivotTablesLeftInFile,
    )

    read = _with_names(ExcelReader.read, apply_stylesheet=_apply_stylesheet)

    #: How many cell styles the sheets name, when the stylesheet may have fewer
    #: (:func:`styles_named`): 0, never looked at, until a reading fails on it.
    styles_named = 0

    def read_worksheets(self) -> None:
        self._pad_styles()
        self._read_sheets()

    def _pad_styles(self) -> None:
        """Cells naming styles the stylesheet does not have (:attr:`styles_named`) read as
        its first, as LibreOffice reads them (their cells keep the ids as they were)."""
        styles = self.wb._cell_styles
        if len(styles) < self.styles_named:
            first = styles[0] if styles else StyleArray()
            for _ in range(self.styles_named - len(styles)):
                list.append(styles, StyleArray(first))  # (IndexedList.append keeps one copy)

    _read_workbook = _with_names(ExcelReader.read_workbook, WorkbookParser=_LenientWorkbookParser)

    def read_strings(self) -> None:
        """openpyxl's, but a shared-strings part the content types name and the package does
        not hold (xlsx2csv's formatted_inline_string.xlsx, whose strings are all in its
        cells) is no strings, as Excel and calamine read it: openpyxl refused the file
        ("There is no item named 'xl/sharedStrings.xml' in the archive")."""
        found = self.package.find(SHARED_STRINGS)
        if found is not None and found.PartName[1:] not in self.valid_files:
            self.shared_strings = list[str]()
            return
        try:
            super().read_strings()
        except ValueError:  # (a rich-text run's font family Excel reads and openpyxl not)
            if found is None:
                raise
            root = parse(self.archive.read(found.PartName[1:]))
            _without_odd_families(root)
            read = read_rich_text if self.rich_text else read_string_table
            self.shared_strings = read(BytesIO(etree.tostring(root)))

    def read_workbook(self) -> None:
        self._read_workbook()
        if self.parser.caches:
            _PIVOTS_NOT_READ.add(self.wb)
            self.parser.caches = []  # (its pivot_caches then reads none)


def _values_of_bound_cells(ws: Any) -> None:
    """A sheet read as values, once openpyxl has bound its hyperlinks, comments and merged
    cells, each to a cell it made there: that cell gets the value the file gives it and its
    look, as a full load makes it (openpyxl's hyperlink puts the link's address in a cell only
    where the file has no value), and the value is no longer among the values; a merged cell's
    value, which openpyxl does not keep, goes. So the values and the cells never hold the same
    place."""
    found = _VALUES.get(ws)
    if found is None or not ws._cells:
        return
    cells = ws._cells
    styles = ws.parent._cell_styles
    kept = []
    for plain in found.cells:
        c = cells.get((plain[0], plain[1]))
        if c is None:
            kept.append(plain)
        elif not isinstance(c, MergedCell):
            if plain[2] is not None:
                c._value, c.data_type = plain[2], plain[3]
            c._style = StyleArray(styles[plain[4]])
    _VALUES[ws] = found._replace(cells=kept)


class _FastExcelReader(_PivotsLeftReader):
    _read_worksheets = _with_names(
        ExcelReader.read_worksheets,
        WorksheetReader=_FastSheetReader,
        TableDefinition=_PivotTablesLeftInFile,
    )

    def read_worksheets(self) -> None:
        self._pad_styles()
        self._read_worksheets()
        for ws in self.wb.worksheets:
            _values_of_bound_cells(ws)
            if self._cells_on_use and ws in _VALUES and ws.title not in self._values_only:
                ws.__class__ = _CellsOnUse  # (its cells are made when first used)

    def __init__(
        self,
        *args: Any,
        skip_rows: SkipRows | None = None,
        values_only: Iterable[str] = (),
        cells_on_use: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._skip_rows = skip_rows
        self._values_only = frozenset(values_only)
        self._cells_on_use = cells_on_use

    def read_workbook(self) -> None:
        super().read_workbook()
        if self._values_only:
            _AS_VALUES[self.wb] = self._values_only
        if self._cells_on_use:
            _ON_USE.add(self.wb)
        if self._skip_rows is not None:
            names = self.parser.defined_names.by_sheet().get("global", {})
            texts = {name: getattr(d, "attr_text", None) or "" for name, d in names.items()}
            _SKIP[self.wb] = set(self._skip_rows(texts))


#: A cell's or a row's style id, as a sheet part writes it.
_STYLE_ID = re.compile(rb"<(?:c|row)\b[^>]*?\ss=\"(\d+)\"")


def styles_named(data: bytes) -> int:
    """How many cell styles the sheets of the package ``data`` name (the highest id, plus
    one): a damaged file's cells may name more than its stylesheet has (LibreOffice's test
    file tdf100709.xlsx, trimmed by hand; "list index out of range" was all edi_xl said)."""
    found = 0
    with zipfile.ZipFile(BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                ids = _STYLE_ID.findall(archive.read(name))
                found = max(found, *(int(i) + 1 for i in ids)) if ids else found
    return found


def _fast_can_read(data: bytes) -> bool:
    """Whether the fast reader may take this package: no sheet part over
    :data:`FAST_MAX_PART`, and no DOCTYPE in a part stored uncompressed (a first look: a
    compressed sheet part with one is left to openpyxl by the sheet reader)."""
    if b"<!DOCTYPE" in data:
        return False
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            return all(info.file_size <= FAST_MAX_PART for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False  # openpyxl's own message says what is wrong


def load_workbook_fast(
    data: bytes,
    *,
    keep_vba: bool = False,
    keep_links: bool = True,
    rich_text: bool = False,
    skip_rows: SkipRows | None = None,
    values_only: Iterable[str] = (),
    cells_on_use: bool = False,
) -> Workbook:
    """``openpyxl.load_workbook(BytesIO(data), ...)``, with the cells read by the scanner
    (:func:`scan_rows`) or by lxml.

    A package the fast reader does not take (:func:`_fast_can_read`), or one it fails on
    (XML the stripped copy of a sheet breaks, such as a CDATA section that holds the text
    ``</sheetData>``), is read by openpyxl itself: the result is openpyxl's either way, but
    for the pivot tables, left unread both ways (:func:`pivots_not_read`).

    ``skip_rows(names)`` (the workbook's names and what they refer to) gives the titles of
    sheets whose rows (cells, row heights) the caller will not read because it makes those
    sheets again (the Summary, on a refresh): they are left out, and :func:`rows_not_read`
    names them. ``values_only``: the titles of sheets whose cells the caller reads only as
    values and adds rows only below (the Change Log, which grows by thousands of lines a
    round): their cells are read (:func:`sheet_values`) but not made openpyxl cells, and
    :func:`bind_values` makes them before the workbook is written whole. ``cells_on_use``:
    every other sheet's cells (but formulas) are read as values too, and made openpyxl cells
    when the sheet's cells are first used (:class:`_CellsOnUse`; :class:`PlacedCells` makes
    a few columns' only): a command that writes a few columns of the plan does not make the
    cells of the rest. When openpyxl reads the package itself, every row is read, and every
    cell made.
    """
    options: dict[str, Any] = {
        "keep_vba": keep_vba,
        "keep_links": keep_links,
        "rich_text": rich_text,
    }
    if _fast_can_read(data):
        try:
            return _read_with(
                data,
                lambda: _FastExcelReader(
                    BytesIO(data),
                    skip_rows=skip_rows,
                    values_only=values_only,
                    cells_on_use=cells_on_use,
                    **options,
                ),
            )
        except Exception:  # noqa: BLE001 - openpyxl reads it again below, and says why not
            pass
    return _read_with(data, lambda: _PivotsLeftReader(BytesIO(data), **options))


def _read_with(data: bytes, reader: Callable[[], _PivotsLeftReader]) -> Workbook:
    """The workbook ``reader()`` reads from ``data``; read again, when it fails on an index,
    with the styles its cells name that the stylesheet lacks (:func:`styles_named`)."""
    first = reader()
    try:
        first.read()
        return first.wb
    except IndexError:
        named, wb = styles_named(data), getattr(first, "wb", None)
        if wb is None or named <= len(wb._cell_styles):
            raise
    again = reader()
    again.styles_named = named
    again.read()
    return again.wb
