"""Load a master into openpyxl faster, with the same result as ``openpyxl.load_workbook``.

openpyxl reads a sheet's cells with ElementTree's ``iterparse`` and a general routine per
cell; for a master of 5,000 actions that is most of a refresh's time (about 1.7 s of 4). Here
the cells are read with lxml's ``iterparse`` (C), and the plain cells a master is made of (a
number, a shared string, a text, a boolean, with a value and nothing else) are made directly;
every other cell (formulas, inline and rich strings, dates, errors, cells with no reference)
goes through openpyxl's own ``parse_cell``, so its meaning never differs from openpyxl's.
Everything outside the ``sheetData`` element (widths, conditional formats, dropdowns, print
setup...) is read by openpyxl itself, from the sheet with its rows left out.

A package the fast reader does not take (a DOCTYPE, whose entities are openpyxl's to refuse;
a sheet part over :data:`FAST_MAX_PART`) or cannot read (XML that the copy without rows
breaks) is read by openpyxl itself. openpyxl's own reader class is not changed: the fast one
is used only by :func:`load_workbook_fast`.

``tests/master/test_loading.py`` loads workbooks of every cell kind both ways and compares
every cell's value, type and style, every row height and the rest, on workbooks XlsxWriter,
openpyxl and LibreOffice write, on odd XML (comments and processing instructions in rows,
prefixes, CDATA, entities) and on the corpus.
"""

from __future__ import annotations

import re
import types
import weakref
import zipfile
from collections.abc import Callable, Iterable
from io import BytesIO
from typing import IO, Any

import openpyxl.reader.excel as excel_reader
from lxml import etree
from openpyxl.cell.cell import Cell
from openpyxl.reader.excel import ExcelReader, load_workbook
from openpyxl.utils.cell import column_index_from_string
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._reader import (
    CELL_TAG,
    ROW_TAG,
    VALUE_TAG,
    WorksheetReader,
    _cast_number,
)
from openpyxl.xml.constants import SHEET_MAIN_NS

#: the sheetData element, whatever its prefix: ``<sheetData>...</sheetData>`` or ``<sheetData/>``
_SHEET_DATA = re.compile(
    rb"<(?P<p>[A-Za-z_][\w.-]*:)?sheetData\b[^>]*?(?:/>|>(?P<rows>.*?)</(?P=p)?sheetData\s*>)",
    re.S,
)
#: A sheet part larger than this is read by openpyxl as it streams (the fast reader holds the
#: part in memory); a master of 5,000 actions is about 5 MB.
FAST_MAX_PART = 256 * 1024 * 1024
_REF = re.compile(r"([A-Z]{1,3})([0-9]+)\Z")
_PLAIN_TYPES = frozenset({"n", "s", "str", "b", "inlineStr"})
_INLINE = f"{{{SHEET_MAIN_NS}}}is"
#: ``skip_rows(names) -> titles`` (see :func:`load_workbook_fast`).
SkipRows = Callable[[dict[str, str]], Iterable[str]]
_TEXT = f"{{{SHEET_MAIN_NS}}}t"


#: Per workbook being read: the titles of the sheets whose rows are not read (see
#: ``load_workbook_fast(skip_rows=...)``), then the sheets read so.
_SKIP: weakref.WeakKeyDictionary[Workbook, set[str]] = weakref.WeakKeyDictionary()
_ROWS_NOT_READ: weakref.WeakKeyDictionary[Workbook, weakref.WeakSet[Any]] = (
    weakref.WeakKeyDictionary()
)


def rows_not_read(wb: Workbook) -> list[Any]:
    """The sheets of ``wb`` loaded without their rows (``skip_rows``) that it still holds:
    whatever writes the workbook whole must not write them as they are."""
    skipped = _ROWS_NOT_READ.get(wb)
    return [ws for ws in wb.worksheets if skipped is not None and ws in skipped]


class _FastSheetReader(WorksheetReader):
    """openpyxl's sheet reader, with the cells read by lxml (see the module docstring)."""

    def __init__(
        self, ws: Any, xml_source: IO[bytes], shared_strings: Any, data_only: bool, rich_text: Any
    ) -> None:
        data = xml_source.read()
        found = _SHEET_DATA.search(data)
        self._rows: bytes | None = None
        if found is not None and b"<" in (found.group("rows") or b""):
            # the rows are read below; openpyxl reads the rest, from the sheet without them
            if ws.title in _SKIP.get(ws.parent, ()):
                _ROWS_NOT_READ.setdefault(ws.parent, weakref.WeakSet()).add(ws)
            else:
                self._rows = data
            prefix = found.group("p") or b""
            data = data[: found.start()] + b"<" + prefix + b"sheetData/>" + data[found.end() :]
        super().__init__(ws, BytesIO(data), shared_strings, data_only, rich_text)

    def bind_cells(self) -> None:
        if self._rows is None:
            super().bind_cells()
            return
        # openpyxl's parse() reads everything but the rows (there are none left to yield)
        for _ in self.parser.parse():
            pass
        ws = self.ws
        cells = ws._cells
        styles = ws.parent._cell_styles
        parser = self.parser
        shared = parser.shared_strings
        date_formats = parser.date_formats
        columns: dict[str, int] = {}
        context = etree.iterparse(
            BytesIO(self._rows),
            events=("end",),
            tag=ROW_TAG,
            huge_tree=True,
            resolve_entities=False,
            no_network=True,
            remove_comments=True,  # ElementTree, which openpyxl reads with, drops them too
            remove_pis=True,
        )
        for _, row in context:
            r_text = row.get("r")
            parser.row_counter = (
                _row_number(r_text) if r_text is not None else parser.row_counter + 1
            )
            parser.col_counter = 0
            attrs = dict(row.attrib)
            if {k for k in attrs if not k.startswith("{")} - {"r", "spans"}:
                parser.row_dimensions[str(parser.row_counter)] = attrs
            for el in row:
                plain = _plain_cell(el, columns, shared, date_formats)
                if plain is None:
                    d = parser.parse_cell(el)
                    plain = (d["row"], d["column"], d["value"], d["data_type"], d["style_id"])
                else:
                    parser.col_counter = plain[1]
                r, col, value, data_type, style_id = plain
                c = Cell(ws, row=r, column=col, style_array=styles[style_id])
                c._value = value
                c.data_type = data_type
                cells[(r, col)] = c
            row.clear()
            while row.getprevious() is not None:
                del row.getparent()[0]
        self._rows = None
        if cells:
            ws._current_row = ws.max_row


def _row_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        val = float(text)
        if val.is_integer():
            return int(val)
        raise ValueError(f"{text} is not a valid row number") from None


def _plain_cell(
    el: Any, columns: dict[str, int], shared: Any, date_formats: Any
) -> tuple[int, int, Any, str, int] | None:
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
        text = t.text
    elif len(el):
        child = el[0]
        if child.tag != VALUE_TAG:
            return None
        text = child.text or None
    style_id = el.get("s", 0)
    if style_id:
        style_id = int(style_id)
    if text is not None and data_type == "n" and style_id in date_formats:
        return None  # a date: openpyxl's conversion, with its warning for one out of range
    found = _REF.match(ref)
    if found is None:
        return None
    letters = found.group(1)
    column = columns.get(letters)
    if column is None:
        column = columns[letters] = column_index_from_string(letters)
    value: Any = text
    if text is not None:
        if data_type == "n":
            value = _cast_number(text)
        elif data_type == "s":
            value = shared[int(text)]
        elif data_type == "b":
            value = bool(int(text))
        else:  # "str" (a formula's text result) and inline strings are text
            data_type = "s"
    return int(found.group(2)), column, value, data_type, style_id


def _with_sheet_reader(method: Callable[..., Any], reader: type) -> Callable[..., Any]:
    """``method`` of openpyxl's ExcelReader with ``reader`` as the sheet reader it names.

    ``ExcelReader.read_worksheets`` makes each sheet's reader from the module global
    ``WorksheetReader``; this is the same code with its own globals, so nothing of openpyxl's
    is changed for other callers (or threads).
    """
    names = dict(vars(excel_reader))
    names["WorksheetReader"] = reader
    return types.FunctionType(
        method.__code__, names, method.__name__, method.__defaults__, method.__closure__
    )


class _FastExcelReader(ExcelReader):
    read_worksheets = _with_sheet_reader(ExcelReader.read_worksheets, _FastSheetReader)

    def __init__(self, *args: Any, skip_rows: SkipRows | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._skip_rows = skip_rows

    def read_workbook(self) -> None:
        super().read_workbook()
        if self._skip_rows is not None:
            names = self.parser.defined_names.by_sheet().get("global", {})
            texts = {name: getattr(d, "attr_text", None) or "" for name, d in names.items()}
            _SKIP[self.wb] = set(self._skip_rows(texts))


def _fast_can_read(data: bytes) -> bool:
    """Whether the fast reader may take this package: no sheet part over
    :data:`FAST_MAX_PART`, and no DOCTYPE anywhere (entities are openpyxl's to refuse or
    expand, through defusedxml)."""
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
) -> Workbook:
    """``openpyxl.load_workbook(BytesIO(data), ...)``, with the cells read by lxml.

    A package the fast reader does not take (:func:`_fast_can_read`), or one it fails on
    (XML the stripped copy of a sheet breaks, such as a CDATA section that holds the text
    ``</sheetData>``), is read by openpyxl itself: the result is openpyxl's either way.

    ``skip_rows(names)`` (the workbook's names and what they refer to) gives the titles of
    sheets whose rows (cells, row heights) the caller will not read because it makes those
    sheets again (the Summary, on a refresh): they are left out, and :func:`rows_not_read`
    names them. When openpyxl reads the package itself, every row is read.
    """
    options: dict[str, Any] = {
        "keep_vba": keep_vba,
        "keep_links": keep_links,
        "rich_text": rich_text,
    }
    if _fast_can_read(data):
        try:
            reader = _FastExcelReader(BytesIO(data), skip_rows=skip_rows, **options)
            reader.read()
            return reader.wb
        except Exception:  # noqa: BLE001 - openpyxl reads it again below, and says why not
            pass
    return load_workbook(BytesIO(data), **options)
