"""Saving a master by patching its package: edi_xl's changes in, every other byte as it was.

openpyxl models part of what a workbook can hold; a load-and-save through it drops the rest
(pictures, shapes, text boxes, sparklines, form controls, header images, printer settings,
x14 extensions...). So a master edi_xl did not make from nothing is saved by patching:

1. :func:`remember_package`, when the master is loaded, keeps its package and takes the
   workbook's baseline (:func:`edi_xl.master.edits.take_baseline`).
2. The command (refresh, merge, ...) works on the openpyxl workbook as always. Meanwhile
   (:func:`read_ahead`, where the command asks for it: a merge, a refresh to a new date) a
   thread parses the XML of the sheets the save may patch, on the machine's other core.
3. :func:`save_bytes` asks :func:`edi_xl.master.edits.describe` what the command changed (the
   same description the buttons' bridge writes into an open workbook) and
   :func:`apply_edits` applies it to the original package, part by part. The description
   says *what* changed (which cells, columns, formats, settings, sheets and names); the
   content written (a cell's style, a footer's text, a remade sheet) is read from the
   workbook, which holds it.

   - edi_xl's own sheets the command made again (the Summary, the Returns sheet) and any
     sheet it added are put in whole: openpyxl writes each but its cells, which are written
     here as text with the package's own style numbers (:func:`_sheet_rows`; through
     openpyxl's cell writer when a sheet holds notes, links or rich text), their styles
     added to the package's ``styles.xml``, their strings inline, their drawings and charts
     copied under free names;
   - any other sheet that changed (the plan sheet; the Change Log's new lines, Settings,
     Lists) has its XML edited in place (rows it did not have are written as text and
     parsed at once): the cells written and cleared, an inserted column
     (moving cells, column widths, merged cells, links, notes, conditional formats,
     dropdowns, filter and pictures to its right), the conditional formats and dropdowns
     edi_xl added or removed, the print setup (paper, orientation, fit to pages, scale),
     footer, freeze panes, filter, merged cells, page breaks, column widths and row heights;
   - ``workbook.xml`` gets the new sheets, the removed ones go, sheets are shown or hidden,
     the workbook names that changed are set, each sheet's print titles (rows and columns),
     print area and filter range; ``fullCalcOnLoad`` is set (Excel recalculates the Summary's
     formulas when it opens the file) and the calculation chain dropped (Excel rebuilds it).

   Every other part — other sheets, pictures, charts, comments, tables, pivot tables, slicers,
   VBA and its signature, printer settings, custom XML — is copied byte for byte.

If the package cannot be patched, :func:`save_master` saves by openpyxl and says so with a
``saved_by_rewrite`` problem.
"""

from __future__ import annotations

import bisect
import math
import re
import threading
import weakref
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from io import BytesIO
from itertools import accumulate
from pathlib import Path
from typing import Any, NamedTuple

from lxml import etree
from openpyxl.cell.cell import Cell
from openpyxl.compat.strings import safe_string
from openpyxl.formula.translate import Translator
from openpyxl.styles.cell_style import CellStyle, StyleArray
from openpyxl.styles.differential import DifferentialStyle, DifferentialStyleList
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.cell import coordinate_from_string, range_boundaries
from openpyxl.utils.datetime import to_excel
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter
from openpyxl.xml.functions import tostring as openpyxl_tostring

from edi_xl.core.errors import StructureLockedError, WorkbookWriteError
from edi_xl.core.problems import Code, Problem, problem
from edi_xl.master.cells import escaped_text
from edi_xl.master.column_settings import (
    DIGIT_PIXELS,
    LAST_COLUMN,
    shifted_span,
    width_pixels,
)
from edi_xl.master.edits import (
    BookEdits,
    CellEdit,
    CellKey,
    Change,
    Page,
    RuleKey,
    SheetEdits,
    baseline_of,
    describe,
    ranges,
    shift_filter_column,
    shift_formula,
    shift_frozen,
    shift_range_text,
    shift_reference,
    table_column_name,
    take_baseline,
    with_rows,
)
from edi_xl.master.loading import (
    NewLine,
    bind_values,
    find_sheet_data,
    makes_cells_on_use,
    moved_formula,
    new_lines,
    pivots_not_read,
    plain_namespaces,
    rows_not_read,
    sheet_values,
    value_at,
)
from edi_xl.master.package import (
    CALC_CHAIN_REL,
    CT_NS,
    MAIN_NS,
    R_NS,
    WORKSHEET_REL,
    WORKSHEET_TYPE,
    Package,
    Rel,
    free_rel_id,
    parse,
    rels_name,
    resolve,
    serialise,
    xml_characters_only,
)
from edi_xl.master.validation import (
    CHARACTERISTIC_LIST,
    STATUS_LIST,
    column_spans,
    without_columns,
)
from edi_xl.master.vba import VML_CLIENT_DATA, VML_FLAGS, buttons_unsized, is_own_button

M = f"{{{MAIN_NS}}}"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
#: The characters an attribute's value writes as references, besides those :func:`_text`
#: does: line feeds and tabs would be read back as spaces (XML's attribute rule).
_ATTR_ENTITIES = {'"': "&quot;", "\n": "&#10;", "\t": "&#9;"}


def _text(value: str) -> str:
    """``value`` as XML element text (``&``, ``<``, ``>`` and a carriage return as
    references: one written as itself would be read back as a line feed, XML's line-end
    rule, and a reference keeps it, as openpyxl and lxml write it; most texts have nothing
    to escape, and are given back as they are)."""
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:
        value = value.replace(">", "&gt;")
    if "\r" in value:
        value = value.replace("\r", "&#13;")
    return value


def _string(value: str) -> str:
    """A cell's text as an inline string's ``<t>`` holds it (``escaped_text``, :func:`_text`)."""
    return _text(escaped_text(value))


XDR_NS = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
THREADED_NS = "http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments"
#: Excel 365's sheet views (View > Sheet View: ``xl/namedSheetViews/``, related from the sheet)
NSV_NS = "http://schemas.microsoft.com/office/spreadsheetml/2019/namedsheetviews"
#: Excel's ``xr:uid`` of a filter, by which a sheet view's filter finds it (``filterId``)
XR_UID = "{http://schemas.microsoft.com/office/spreadsheetml/2014/revision}uid"

#: The children of a worksheet, in the order the file format requires (CT_Worksheet).
SHEET_ORDER = [
    "sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData",
    "sheetCalcPr", "sheetProtection", "protectedRanges", "scenarios", "autoFilter",
    "sortState", "dataConsolidate", "customSheetViews", "mergeCells", "phoneticPr",
    "conditionalFormatting", "dataValidations", "hyperlinks", "printOptions", "pageMargins",
    "pageSetup", "headerFooter", "rowBreaks", "colBreaks", "customProperties", "cellWatches",
    "ignoredErrors", "smartTags", "drawing", "legacyDrawing", "legacyDrawingHF", "drawingHF",
    "picture", "oleObjects", "controls", "webPublishItems", "tableParts", "extLst",
]  # fmt: skip
WORKBOOK_ORDER = [
    # (absPath, in an mc:AlternateContent, and revisionPtr: Excel 365's, after workbookPr)
    "fileVersion", "fileSharing", "workbookPr", "absPath", "revisionPtr", "workbookProtection",
    "bookViews", "sheets",
    "functionGroups", "externalReferences", "definedNames", "calcPr", "oleSize",
    "customWorkbookViews", "pivotCaches", "smartTagPr", "smartTagTypes", "webPublishing",
    "fileRecoveryPr", "webPublishObjects", "extLst",
]  # fmt: skip


# --- the file a master was loaded from ------------------------------------------------------------


_PACKAGES: weakref.WeakKeyDictionary[Workbook, bytes] = weakref.WeakKeyDictionary()


def remember_package(wb: Workbook, package: bytes) -> None:
    """``wb`` was just loaded from ``package``: take its baseline (what it holds, for
    :func:`edi_xl.master.edits.describe`) and keep the package to patch when it is saved."""
    take_baseline(wb)
    _PACKAGES[wb] = package


def loaded_package(wb: Workbook) -> bytes | None:
    """The package ``wb`` was loaded from, if it was loaded as a master."""
    return _PACKAGES.get(wb)


#: EMU (the drawing's unit) per pixel, and per point.
_EMU_PIXEL, _EMU_POINT = 9525, 12700


def things_over_cells(wb: Workbook, title: str) -> list[tuple[int, int, int, int]]:
    """What of sheet ``title`` sits on cells without a value in them, in the file ``wb`` was
    loaded from, each as (top row, left column, bottom row, right column), 1-based, the
    cells it covers: its sparklines (in the sheet's Excel 2010 extension) and the pictures,
    charts, shapes and text boxes of its drawing. openpyxl sees neither as a cell's value.
    Columns inserted since the load (a new round's) are allowed for."""
    from edi_xl.master.column_settings import shown_width  # (patch is imported early)

    data = _PACKAGES.get(wb)
    if data is None or title not in wb.sheetnames:
        return []
    ws = wb[title]
    baseline = baseline_of(wb)
    inserted = baseline.inserted.get(title, []) if baseline is not None else []

    def now(col: int) -> int:  # a column of the file's where it is now
        for c in inserted:
            col += col >= c
        return col

    pkg = Package.read(data)
    part = _sheet_parts(pkg, _workbook_part(pkg)).get(title, ("", ""))[1]
    if part not in pkg.parts:
        return []
    found: list[tuple[int, int, int, int]] = []
    if b"sparkline" in pkg.parts[part]:
        for place in pkg.xml(part).iter(f"{{{XM_NS}}}sqref"):
            if etree.QName(place.getparent()).localname == "sparkline":
                for ref in (place.text or "").split():
                    left, top, right, bottom = range_boundaries(ref)
                    found.append((top, now(left), bottom, now(right)))

    def col_emu(col0: int) -> float:  # a column's width (0-based in the file)
        return (shown_width(ws, now(col0 + 1)) * 7 + 5) * _EMU_PIXEL

    def row_emu(row0: int) -> float:
        dim = ws.row_dimensions.get(row0 + 1)
        points = (dim.ht if dim is not None else None) or ws.sheet_format.defaultRowHeight or 15
        return float(points) * _EMU_POINT

    def reach(start: int, offset: int, size: Callable[[int], float]) -> int:
        """The cell (0-based) ``offset`` EMU from the start of cell ``start`` falls in."""
        left = float(offset)
        while start < 16383 and left > size(start):
            left -= size(start)
            start += 1
        return start

    def corner(el: etree._Element | None) -> tuple[int, int, int, int] | None:
        if el is None:
            return None
        values = [el.findtext(f"{{{XDR_NS}}}{k}") for k in ("col", "colOff", "row", "rowOff")]
        if not all(v and v.strip().lstrip("-").isdigit() for v in values):
            return None
        col, col_off, row, row_off = (int(v or 0) for v in values)
        return col, col_off, row, row_off

    for rel, target in pkg.linked(part):
        if not rel.type.endswith("/drawing") or target not in pkg.parts:
            continue
        kinds = ("twoCellAnchor", "oneCellAnchor", "absoluteAnchor")
        for anchor in pkg.xml(target).iter(*(f"{{{XDR_NS}}}{k}" for k in kinds)):
            first = corner(anchor.find(f"{{{XDR_NS}}}from"))
            last = corner(anchor.find(f"{{{XDR_NS}}}to"))
            ext = anchor.find(f"{{{XDR_NS}}}ext")
            size = (int(ext.get("cx", "0")), int(ext.get("cy", "0"))) if ext is not None else None
            if first is None:  # an absolute anchor: a position from the sheet's top left
                pos = anchor.find(f"{{{XDR_NS}}}pos")
                if pos is None or size is None:
                    continue
                x, y = int(pos.get("x", "0")), int(pos.get("y", "0"))
                first = (reach(0, x, col_emu), 0, reach(0, y, row_emu), 0)
                right, bottom = reach(0, x + size[0], col_emu), reach(0, y + size[1], row_emu)
            col, col_off, row, row_off = first
            if last is not None:  # (a corner exactly on an edge covers nothing past it)
                right = last[0] - 1 if last[1] == 0 and last[0] > col else last[0]
                bottom = last[2] - 1 if last[3] == 0 and last[2] > row else last[2]
            elif anchor.tag.endswith("oneCellAnchor") and size is not None:
                right = reach(col, col_off + size[0], col_emu)
                bottom = reach(row, row_off + size[1], row_emu)
            elif not anchor.tag.endswith("absoluteAnchor"):
                right, bottom = col, row
            found.append((row + 1, now(col + 1), bottom + 1, now(right + 1)))
    return found


class _ReadAhead:
    """A master's package, read, with the XML of its sheets being parsed in a thread of its
    own (:func:`read_ahead`)."""

    def __init__(self, package: bytes, skip: set[str]) -> None:
        self.source = package
        # read here: the zip's parts are a few hundredths of a second of Python, which a
        # thread would do slowly, waiting for its turn at every step while the command runs
        self.package = Package.read(package)
        parts = _sheet_parts(self.package, _workbook_part(self.package))
        names = [part for title, (_, part) in parts.items() if title not in skip]
        self.thread = threading.Thread(
            target=self.package.parse_ahead, args=(names,), name="edi_xl-read-ahead",
            daemon=True,
        )  # fmt: skip
        self.thread.start()

    def result(self) -> Package:
        self.thread.join()
        return self.package


_AHEAD: weakref.WeakKeyDictionary[Workbook, _ReadAhead] = weakref.WeakKeyDictionary()


def read_ahead(wb: Workbook) -> None:
    """Read the package ``wb`` was loaded from for its save (its parts, here and now), and
    start parsing the XML of the sheets the save may patch (all but those loaded without
    their rows, which a command makes again whole) in a background thread. lxml lets the
    command's own work go on meanwhile, on the machine's other core: parsing a big plan sheet
    is about a tenth of a second of every save.

    Call it where no process is forked until the save (a forked process would get a copy of
    a parser half-way through), and where the command will patch the big sheets: a merge,
    once its returns are read; a refresh that moves the as-at date. A refresh at the date the
    master has leaves the plan sheet much as it was, and the parse is then work and memory for
    nothing (on the benchmark's 5,000 actions, 1.04x the time and 95 MB more). A command that
    may stop before its save calls :func:`drop_read_ahead` when it does (:func:`reading_ahead`
    does both). Nothing is read when ``wb`` was not loaded as a master."""
    package = _PACKAGES.get(wb)
    if package is None or wb in _AHEAD:
        return
    try:
        # (not the sheets loaded as values, apart: rows are added below them without a parse)
        skip = {ws.title for ws in rows_not_read(wb)}
        skip.update(
            ws.title
            for ws in wb.worksheets
            if sheet_values(ws) is not None and not makes_cells_on_use(ws)
        )
        _AHEAD[wb] = _ReadAhead(package, skip)
    except Exception:  # noqa: BLE001 - the save reads the package itself, and says why
        return


@contextmanager
def reading_ahead(wb: Workbook, wanted: bool = True) -> Iterator[None]:
    """:func:`read_ahead` for ``wb`` (when ``wanted``) for the work inside the block, and
    :func:`drop_read_ahead` at its end: what the save did not take (the command stopped
    before it) has its thread ended and is forgotten."""
    if wanted:
        read_ahead(wb)
    try:
        yield
    finally:
        drop_read_ahead(wb)


def drop_read_ahead(wb: Workbook) -> None:
    """Forget what :func:`read_ahead` started for ``wb``, once its thread has ended: for a
    command that stopped before its save (an error, a question for the user), so that no
    thread is left parsing into a later fork, nor its trees kept."""
    ahead = _AHEAD.pop(wb, None)
    if ahead is not None:
        ahead.thread.join()


def _package_of(wb: Workbook, package: bytes) -> Package:
    """The package ``wb`` was loaded from (``package``) as :func:`read_ahead` read it, or read
    now. A package read ahead is used once: the save changes it. (Its thread has ended
    either way, as with :func:`drop_read_ahead`.)"""
    ahead = _AHEAD.pop(wb, None)
    if ahead is None:
        return Package.read(package)
    pkg = ahead.result()
    return pkg if ahead.source is package else Package.read(package)


# --- moving things right of an inserted column ---------------------------------------------------


#: Whether every row of a sheet's XML has its reference (counted: libxml2 does that much
#: faster than testing each row for one).
_ROWS_NUMBERED = etree.XPath(
    "count(/*/m:sheetData/m:row/@r) = count(/*/m:sheetData/m:row)", namespaces={"m": MAIN_NS}
)


def give_references(root: etree._Element) -> None:
    """Give every row of the sheet XML ``root`` its reference (``r``) where the file leaves
    it out: a row with none is the one after the row before it, as Excel and openpyxl read
    them. Rows are then found and added by their references alone; a row's cells get theirs
    when it is first read or moved (:func:`number_cells`), where a sheet of 65,000 cells would
    otherwise be gone through once more only to find that each has its reference."""
    if _ROWS_NUMBERED(root):
        return
    number = 0
    for row in root.iterfind(f"{M}sheetData/{M}row"):
        given = row.get("r")
        number = int(float(given)) if given else number + 1
        row.set("r", str(number))


def number_cells(row: etree._Element, number: int | str) -> None:
    """Give each cell of ``row`` (row ``number``) its reference where the file leaves it
    out: the cell after the cell before it."""
    col = 0
    for c in row.iterfind(f"{M}c"):
        ref = c.get("r")
        if ref:
            col = column_index_from_string(ref.rstrip("0123456789").upper())
        else:
            col += 1
            c.set("r", f"{get_column_letter(col)}{number}")


XM_NS = "http://schemas.microsoft.com/office/excel/2006/main"


def _shift_data_refs(root: etree._Element, sheet: str, col: int, home: str) -> bool:
    """The ranges Data > Consolidate adds up (``<dataConsolidate>``'s ``<dataRef>``s) on
    sheet ``home`` that are on ``sheet`` (named, or on ``home`` itself when unnamed), after an
    empty column is inserted before ``col`` of ``sheet``; whether any moved."""
    changed = False
    for ref in root.iterfind(f"{M}dataConsolidate/{M}dataRefs/{M}dataRef"):
        if ref.get(f"{{{R_NS}}}id"):  # (a range in another workbook)
            continue
        on = ref.get("sheet") or (None if ref.get("name") else home)
        if ref.get("ref") and on is not None and on.casefold() == sheet.casefold():
            moved = shift_range_text(ref.get("ref", ""), col)
            changed = changed or moved != ref.get("ref")
            ref.set("ref", moved)
    return changed


def _shift_ext_references(root: etree._Element, sheet: str, col: int, home: str) -> bool:
    """The Excel 2010 extensions of sheet ``home`` (data bars, icon sets and dropdowns of
    the x14 kind, sparklines: ``<xm:f>`` formulas, ``<xm:sqref>`` places) after an empty
    column is inserted before ``col`` of ``sheet``; whether anything moved."""
    changed = False
    for ext in root.iterfind(f"{M}extLst"):
        formulas = ext.iter(f"{{{XM_NS}}}f")
        changed |= _move_texts(formulas, lambda text: shift_formula(text, sheet, col, home))
        if home == sheet:
            places = ext.iter(f"{{{XM_NS}}}sqref")
            changed |= _move_texts(places, lambda text: shift_range_text(text, col))
    return changed


def _shift_rule_formulas(root: etree._Element, sheet: str, col: int, home: str) -> bool:
    """The formulas of sheet ``home``'s conditional formats (their rules' formulas, and the
    thresholds of colour scales, data bars and icon sets taken from cells) and of its
    dropdowns, after an empty column is inserted before ``col`` of ``sheet`` (``home`` or
    another sheet they read), as Excel moves them (:func:`edi_xl.master.edits.shift_formula`):
    the rules stay where they are, with their priorities (a rule taken away and added again
    would lose its place); whether any moved."""
    changed = False

    def move(text: str) -> str:
        nonlocal changed
        moved = shift_formula(text, sheet, col, home)
        changed = changed or moved != text
        return moved

    for block in root.iterfind(f"{M}conditionalFormatting"):
        _move_texts(block.iter(f"{M}formula"), move)
        for threshold in block.iter(f"{M}cfvo"):
            if threshold.get("val"):
                threshold.set("val", move(threshold.get("val", "")))
    for dv in root.iterfind(f"{M}dataValidations/{M}dataValidation"):
        _move_texts(dv.iter(f"{M}formula1", f"{M}formula2"), move)
    return changed


def _move_texts(elements: Iterable[etree._Element], move: Callable[[str], str]) -> bool:
    """Each element's text passed through ``move``; whether any changed."""
    changed = False
    for el in elements:
        if el.text:
            moved = move(el.text)
            changed = changed or moved != el.text
            el.text = moved
    return changed


#: A sheet's cells by row number and column: ``{5: {1: <c r="A5">, 2: <c r="B5">}}``.
CellIndex = dict[int, dict[int, etree._Element]]


def _shift_cells(root: etree._Element, col: int) -> CellIndex | None:
    """Move every cell of the sheet XML ``root`` at or right of ``col`` one column right
    (their references; a cell the file writes without one gets it, a lowercase one is written
    in capitals). Every cell's reference is read here, so the cells are given back by row
    and column for :class:`SheetXml`, which would otherwise read them all again (a merge
    writes into every row of the plan sheet); None when a row has no number."""
    # a cell's column letters -> the letters after the insert, its column before, and after
    moved: dict[str, tuple[str, int, int]] = {}
    index: CellIndex | None = {}
    for row in root.iterfind(f"{M}sheetData/{M}row"):
        row.attrib.pop("spans", None)
        number = row.get("r", "")
        found: dict[int, etree._Element] = {}
        at = 0  # the column of the cell before (a cell with no reference is the next one)
        for c in row.iterchildren(f"{M}c"):
            ref = c.get("r")
            # "K5": its letters moved, looked up once per column (a sheet has many); a cell
            # the file writes without its reference: its place gives it
            letters = ref.rstrip("0123456789") if ref else get_column_letter(at + 1)
            move = moved.get(letters)
            if move is None:  # (a file may write "k5": it comes out "L5")
                old = column_index_from_string(letters.upper())
                new = min(old + 1, 16384) if old >= col else old
                move = moved[letters] = (get_column_letter(new), old, new)
            to, at, column = move
            if to != letters or not ref:
                c.set("r", to + (ref[len(letters) :] if ref else number))
            found[column] = c
        if index is not None and number:
            index[int(number)] = found
        else:
            index = None
    return index


class FormulasAndAnchors(NamedTuple):
    """The elements of a sheet's XML that a column inserted moves and that may lie anywhere
    in it, found in one pass (:func:`formulas_and_anchors`): its formulas (``<f>``) and the
    anchors of its form controls and embedded objects, each in document order."""

    formulas: list[etree._Element]
    anchors: list[etree._Element]


#: The tags of the drawing anchors :func:`_shift_anchors` moves.
_ANCHOR_TAGS = (f"{{{XDR_NS}}}twoCellAnchor", f"{{{XDR_NS}}}oneCellAnchor", f"{M}anchor")


def formulas_and_anchors(root: etree._Element) -> FormulasAndAnchors:
    """:class:`FormulasAndAnchors` of the sheet XML ``root``. Going through the sheet's every
    element is most of the time of finding so few: a plan of 5,000 rows has a quarter of a
    million (its cells and their values), about 20 ms each time, and a column inserted went
    through them three times (its formulas' ranges, its anchors, its shared formulas)."""
    formulas: list[etree._Element] = []
    anchors: list[etree._Element] = []
    f_tag = f"{M}f"
    for el in root.iter(f_tag, *_ANCHOR_TAGS):
        (formulas if el.tag == f_tag else anchors).append(el)
    return FormulasAndAnchors(formulas, anchors)


def _shift_sheet_xml(
    pkg: Package,
    part: str,
    root: etree._Element,
    col: int,
    header: Callable[[int, int], Any] | None = None,
    title: str | None = None,
    found: FormulasAndAnchors | None = None,
    headers: list[tuple[int, int, str]] | None = None,
    width: float | None = None,
) -> CellIndex | None:
    """Insert an empty column before ``col`` in the sheet XML ``root`` (and its notes,
    pictures and tables): everything at or right of it moves one column right. ``header(row,
    column)`` gives a cell's value after the command (a table the column falls inside names
    its new column by its header); ``title`` is the sheet's name (its Excel 2010 extensions
    move too); ``found``: :func:`formulas_and_anchors` of ``root``, when the caller has them
    (found here if not); ``headers`` gets (row, column, name) of each header cell a table's
    new column needs written (:func:`_table_column_inserted`); ``width``: the new column's
    ``<col width>`` (None: the sheet's default), by which an object Excel keeps the size or
    place of is placed again (:class:`ColumnEdges`). The cells after the insert, by row and
    column (:func:`_shift_cells`)."""
    if found is None:
        found = formulas_and_anchors(root)
    edges = ColumnEdges(root, col, width)  # (the columns as they were)
    _shift_named_sheet_views(pkg, part, root, col)  # (before the filters they name move)
    if title is not None:
        _shift_ext_references(root, title, col, title)
        _shift_rule_formulas(root, title, col, title)
    cells = _shift_cells(root, col)
    for f in found.formulas:
        if f.get("ref"):  # a shared or array formula's range, a data table's
            f.set("ref", shift_range_text(f.get("ref", ""), col))
    cols = root.find(f"{M}cols")
    if cols is not None:  # as the workbook's own settings moved (column_settings)
        for el in list(cols):
            lo, hi = int(el.get("min", "0")), int(el.get("max", "0"))
            spans = shifted_span(lo, hi, col)
            for i, (a, b) in enumerate(spans):
                piece = el if i == 0 else _copy_element(el)
                piece.set("min", str(a))
                piece.set("max", str(b))
                if i:
                    el.addnext(piece)
            if not spans:
                cols.remove(el)
    for xpath in (
        f"{M}mergeCells/{M}mergeCell",
        f"{M}hyperlinks/{M}hyperlink",
        f"{M}conditionalFormatting",
        f"{M}dataValidations/{M}dataValidation",
        f"{M}dimension",
        f"{M}ignoredErrors/{M}ignoredError",  # "Ignore error" on numbers stored as text...
        f"{M}protectedRanges/{M}protectedRange",
        f"{M}sheetViews/{M}sheetView/{M}selection",
        f"{M}customSheetViews/{M}customSheetView/{M}selection",
        f"{M}cellWatches/{M}cellWatch",
        f"{M}scenarios",  # What-If Analysis > Scenario Manager: its result cells (sqref),
        f"{M}scenarios/{M}scenario/{M}inputCells",  # and each scenario's changing cells
    ):
        for el in root.iterfind(xpath):
            for attr in ("ref", "sqref", "activeCell", "r"):
                if el.get(attr):
                    el.set(attr, shift_range_text(el.get(attr), col))
    views = f"{M}customSheetViews/{M}customSheetView/"  # (View > Custom Views)
    for flt in (*root.iterfind(f"{M}autoFilter"), *root.iterfind(f"{views}{M}autoFilter")):
        _shift_filter(flt, col)
    for sort in root.iterfind(f"{M}sortState"):  # (a sort without a filter)
        _shift_sort(sort, col)
    panes = (f"{M}sheetViews/{M}sheetView/{M}pane", f"{views}{M}pane")
    for pane in (el for path in panes for el in root.iterfind(path)):
        # frozen columns (xSplit: how many) the new one falls among: one more is frozen
        # (a split that is not frozen is measured in twips, not columns: it stays)
        frozen = pane.get("state") in ("frozen", "frozenSplit")
        if frozen and pane.get("xSplit"):
            split = float(pane.get("xSplit", "0"))
            if split.is_integer() and col <= split:  # (edits.shift_frozen)
                pane.set("xSplit", str(int(split) + 1))
        if pane.get("topLeftCell"):
            move = shift_frozen if frozen else shift_reference
            pane.set("topLeftCell", move(pane.get("topLeftCell", ""), col))
    breaks = (*root.iterfind(f"{M}colBreaks/{M}brk"), *root.iterfind(f"{views}{M}colBreaks/{M}brk"))
    for brk in breaks:  # a break after column id (the sheet's, and a custom view's)
        if int(brk.get("id", "0")) >= col:
            brk.set("id", str(int(brk.get("id", "0")) + 1))
    for view in root.iterfind(f"{M}customSheetViews/{M}customSheetView"):
        if view.get("topLeftCell"):  # (where the view is scrolled to)
            view.set("topLeftCell", shift_reference(view.get("topLeftCell", ""), col))
    if title is not None:
        _shift_data_refs(root, title, col, title)
    controls = any(a.tag == f"{M}anchor" for a in found.anchors)  # (Excel 2010's, in the sheet)
    own = _own_button_shapes(pkg, part) if controls else set()
    _shift_anchors(root, col, found.anchors, own, edges)  # form controls, embedded objects
    for rel, target in pkg.linked(part):
        if target not in pkg.parts:
            continue
        kind = rel.type.rsplit("/", 1)[-1]
        if kind == "comments":
            doc, was = _read_to_move(pkg, target)
            for el in doc.iter(f"{M}comment"):
                el.set("ref", shift_reference(el.get("ref", ""), col))
            _put_if_moved(pkg, target, doc, was)
        elif kind == "threadedComment":  # Excel 365's comments (the notes part mirrors them)
            doc, was = _read_to_move(pkg, target)
            for el in doc.iter(f"{{{THREADED_NS}}}threadedComment"):
                if el.get("ref"):
                    el.set("ref", shift_reference(el.get("ref", ""), col))
            _put_if_moved(pkg, target, doc, was)
        elif kind == "drawing":
            doc, was = _read_to_move(pkg, target)
            _shift_anchors(doc, col, edges=edges)
            if title is not None:
                _shift_cell_links(doc, title, col, title)
            _put_if_moved(pkg, target, doc, was)
        elif kind == "ctrlProp" and title is not None:
            doc = pkg.xml(target)
            if _shift_cell_links(doc, title, col, title):
                pkg.put_xml(target, doc)
        elif kind == "vmlDrawing":
            text = was_text = pkg.parts[target].decode("utf-8", "replace")
            if title is not None:
                text = _shift_vml_links(text, title, col, title)
            shapes = _shift_vml_shapes(buttons_unsized(text), col, edges)
            if shapes != was_text:
                pkg.put(target, shapes.encode("utf-8"))
        elif kind == "table":
            doc, was = _read_to_move(pkg, target)
            if doc.get("ref"):
                ids = _column_ids(doc)
                named = _table_column_inserted(doc, col, header)
                if named is not None and headers is not None:
                    headers.append(named)
                _query_table_columns_added(pkg, target, doc, ids)
                doc.set("ref", shift_range_text(doc.get("ref", ""), col))
            flt = doc.find(f"{M}autoFilter")
            if flt is not None:
                _shift_filter(flt, col)
            for sort in doc.iterfind(f"{M}sortState"):
                _shift_sort(sort, col)
            _put_if_moved(pkg, target, doc, was)

    return cells


def _read_to_move(pkg: Package, name: str) -> tuple[etree._Element, bytes]:
    """Part ``name`` parsed, and written as it is (to tell, once things in it have moved,
    whether any did: :func:`_put_if_moved`)."""
    doc = pkg.xml(name)
    return doc, serialise(doc)


def _put_if_moved(pkg: Package, name: str, doc: etree._Element, was: bytes) -> None:
    """Part ``name`` put back as ``doc`` if anything in it moved (it no longer writes as
    ``was``); else it keeps its bytes as they were: its XML declaration, its line ends
    (helper-126: the notes, pictures and tables of a sheet all left of the new column were
    written again, the same XML in other bytes)."""
    now = serialise(doc)
    if now != was:
        pkg.put(name, now)


def _shift_named_sheet_views(pkg: Package, part: str, root: etree._Element, col: int) -> None:
    """Excel 365's sheet views of the sheet ``part`` (View > Sheet View: each keeps its own
    filter and sort of the sheet's filter or of a table's) after an empty column is inserted
    before ``col`` of the sheet XML ``root``, which must not have moved yet: each view's
    criteria and sort rules stay on their columns, as :func:`_shift_filter` keeps the
    filter's own (left as they were, they land one column left of theirs from the new
    column on, and a view filtering a column of text by numbers hides every row)."""
    views = [t for rel, t in pkg.linked(part) if rel.type.endswith("/namedSheetView")]
    views = [t for t in views if t in pkg.parts]
    if not views:
        return
    ranges = _filter_ranges(pkg, part, root)
    for target in views:
        doc = pkg.xml(target)
        if _shift_sheet_view_filters(doc, col, ranges):
            pkg.put_xml(target, doc)


def _filter_ranges(pkg: Package, part: str, root: etree._Element) -> dict[str, str]:
    """The range of each filter of the sheet ``part`` (XML ``root``), by the keys a sheet
    view's filter (``<nsvFilter>``) finds it by, in the order Excel tries them (MS-XLSX
    2.3.8.2): ``uid:`` and its ``xr:uid``, ``table:`` and its table's ``id``; ``table:0``
    is the sheet's own filter."""
    ranges: dict[str, str] = {}
    filters = [("0", root.find(f"{M}autoFilter"), None)]
    for rel, target in pkg.linked(part):
        if rel.type.endswith("/table") and target in pkg.parts:
            table = pkg.xml(target)
            filters.append((str(table.get("id")), table.find(f"{M}autoFilter"), table))
    for table_id, flt, table in filters:
        ref = flt.get("ref") if flt is not None else None
        ref = ref or (table.get("ref") if table is not None else None)
        if not ref:
            continue
        ranges[f"table:{table_id}"] = ref
        if flt is not None and flt.get(XR_UID):
            ranges[f"uid:{flt.get(XR_UID)}"] = ref
    return ranges


def _shift_sheet_view_filters(doc: etree._Element, col: int, ranges: dict[str, str]) -> bool:
    """The sheet views of a ``namedSheetViews`` part ``doc`` after an empty column is inserted
    before ``col``. Each view's filter (``<nsvFilter>``) belongs to the filter of the sheet
    its ``filterId`` or ``tableId`` names (``ranges``, :func:`_filter_ranges`; its own
    ``ref``, which Excel does not read, when it names none), and counts the columns of its
    criteria and sort rules (``colId``) from that filter's first column: a criterion right of
    the new column stays on its column, one of a table moved whole keeps its number. Its
    ``ref`` and its sort conditions' ranges move as ranges do. Whether anything changed."""
    changed = False

    def put(el: etree._Element, attr: str, value: str) -> None:
        nonlocal changed
        changed = changed or el.get(attr) != value
        el.set(attr, value)

    for flt in doc.iter(f"{{{NSV_NS}}}nsvFilter"):
        ref = (
            ranges.get(f"uid:{flt.get('filterId')}")
            or ranges.get(f"table:{flt.get('tableId') or 0}")
            or flt.get("ref")
        )
        for el in flt.iter():
            if not isinstance(el.tag, str):
                continue  # (a comment)
            name = etree.QName(el).localname
            if ref and name in ("columnFilter", "filter", "sortRule") and el.get("colId"):
                first = range_boundaries(ref.split()[0])[0]
                moved = shift_filter_column(first, int(el.get("colId", "0")), col)
                put(el, "colId", str(moved))
            if name in ("nsvFilter", "sortCondition", "richSortCondition") and el.get("ref"):
                put(el, "ref", shift_range_text(el.get("ref", ""), col))
    return changed


def _shift_filter(flt: etree._Element, col: int) -> None:
    """A filter (``<autoFilter>``: a sheet's, a table's) after an empty column is inserted
    before ``col``: its range (one across the new column grows), the column each of its
    criteria is on (``colId``, counted from the range's first column: a criterion right of
    the new column stays on its column) and its sort's ranges."""
    ref = flt.get("ref")
    if ref:
        first = range_boundaries(ref.split()[0])[0]
        for criterion in flt.iterfind(f"{M}filterColumn"):
            col_id = shift_filter_column(first, int(criterion.get("colId", "0")), col)
            criterion.set("colId", str(col_id))
        flt.set("ref", shift_range_text(ref, col))
    for sort in flt.iterfind(f"{M}sortState"):
        _shift_sort(sort, col)


def _shift_sort(sort: etree._Element, col: int) -> None:
    """A sort (``<sortState>``) after an empty column is inserted before ``col``: its range
    and each sort key's."""
    for el in (sort, *sort.iterfind(f"{M}sortCondition")):
        if el.get("ref"):
            el.set("ref", shift_range_text(el.get("ref", ""), col))


#: The attributes that link a shape or a form control to cells: a text box's text
#: (``<xdr:sp textlink>``), a control's cell link, input range and text (``<formControlPr>``).
_LINK_ATTRIBUTES = ("textlink", "fmlaLink", "fmlaRange", "fmlaTxbx", "fmlaGroup")
#: What a part holding any of those has, as bytes (``fmla...``, VML's ``Fmla...``).
_LINK_MARKS = (b"textlink", b"fmla", b"Fmla")
#: The same in a control's VML shape (any prefix: "x" in Excel's files).
_VML_LINK = re.compile(r"(<(\w+):(FmlaLink|FmlaRange|FmlaTxbx|FmlaGroup)>)([^<]*)(</\2:\3>)")


def _shift_cell_links(root: etree._Element, sheet: str, col: int, home: str) -> bool:
    """The cells a drawing's text boxes or a form control (part ``root``, of sheet ``home``)
    are linked to, after an empty column is inserted before ``col`` of ``sheet``; whether
    any moved."""
    changed = False
    for el in root.iter():
        for attr in _LINK_ATTRIBUTES:
            text = el.get(attr)
            if text:
                moved = shift_formula(text, sheet, col, home)
                if moved != text:
                    el.set(attr, moved)
                    changed = True
    return changed


def _shift_vml_links(text: str, sheet: str, col: int, home: str) -> str:
    """:func:`_shift_cell_links` for the controls' VML shapes of sheet ``home`` (as text)."""

    def moved(m: re.Match[str]) -> str:
        return f"{m.group(1)}{shift_formula(m.group(4), sheet, col, home)}{m.group(5)}"

    return _VML_LINK.sub(moved, text)


#: How an object is placed (Excel's Format > Properties): "twoCell", move and size with
#: cells; "oneCell", move but don't size; "absolute", don't move or size.
Placement = str
#: The 0-based column and the rest of a note's cell (``<x:Column>``; any prefix: "x" in
#: Excel's files, "ns2" in openpyxl's...) and of a VML shape's corners (``<x:Anchor>``: left
#: column, its offset, top row, its offset, then the same of the bottom right corner).
_VML_COLUMN = re.compile(r"(<(\w+):Column>)(\d+)(</\2:Column>)")
#: (an offset may be negative: LibreOffice writes "2, 15, 3, -6")
_VML_ANCHOR = re.compile(r"(<(\w+):Anchor>)\s*([-\d,\s]+?)\s*(</\2:Anchor>)")
#: A VML shape (``<v:shape>``) and its id (Excel's ``o:spid``, else its ``id``).
_VML_SHAPE = re.compile(r"<(\w+):shape\b([^>]*)>.*?</\1:shape>", re.S)
_VML_SHAPE_ID = re.compile(r'\b(?:o:spid|id)="_x0000_s(\d+)"')


def _placed_columns(placement: Placement, columns: list[int], col: int) -> list[int]:
    """The 0-based columns of an object's corners (its first corner's first) after an empty
    column is inserted before 1-based ``col``, as Excel moves an object placed so: to move and
    size with cells, each corner in that column or right of it moves one column right; to
    move but not size, the whole object moves when its first corner does, else it stays as
    it is; not to move, it stays."""
    if placement == "absolute" or not columns:
        return columns
    first_moves = columns[0] >= col - 1
    return [
        at + 1 if (first_moves if placement == "oneCell" else at >= col - 1) else at
        for at in columns
    ]


class ColumnEdges:
    """Where the columns of a sheet run, in pixels from its left, before and after an empty
    column is inserted before 1-based ``col`` with the ``<col width>`` ``width`` (None: the
    sheet's default), from its ``<cols>`` and ``<sheetFormatPr>`` as they were before: a
    hidden column is 0 pixels wide, one with no width the sheet's default
    (``defaultColWidth``, else ``baseColWidth`` characters and padding, rounded up to 8
    pixels as Excel draws it: 64 at Calibri 11). An object Excel keeps the size of ("move
    but don't size") or its place and size ("don't move or size") is placed again by them
    (:func:`_placed_corners`). Taken when the column goes in and worked out only when an
    object needs them: a sheet has few, and 16,384 columns."""

    def __init__(self, root: etree._Element, col: int, width: float | None) -> None:
        fmt = root.find(f"{M}sheetFormatPr")
        spans = [
            (el.get("min", "0"), el.get("max", "0"), el.get("width"), el.get("hidden"))
            for el in root.iterfind(f"{M}cols/{M}col")
        ]
        self._read = (None, None) if fmt is None else (fmt.get("defaultColWidth"),
                                                        fmt.get("baseColWidth"))  # fmt: skip
        self._spans, self._col, self._width = spans, col, width
        self._edges: tuple[list[int], list[int], list[int]] | None = None

    def _worked_out(self) -> tuple[list[int], list[int], list[int]]:
        """The column's pixel widths after the insert, and the edges (each column's left,
        0-based, and the last one's right) before and after it."""
        if self._edges is None:
            default_width, base = self._read
            if (given := _number(default_width)) is not None:
                default = width_pixels(given)
            else:
                chars = _number(base)
                chars = 8.0 if chars is None else chars
                default = 8 * math.ceil((chars * DIGIT_PIXELS + 5) / 8)
            pixels = [default] * LAST_COLUMN
            for lo, hi, width, hidden in self._spans:
                first, last = int(lo) if lo.isdigit() else 0, min(int(hi or 0), LAST_COLUMN)
                if 1 <= first <= last:
                    chars = _number(width)
                    shown = default if chars is None else width_pixels(chars)
                    shown = 0 if hidden in ("1", "true") else shown
                    pixels[first - 1 : last] = [shown] * (last - first + 1)
            before = list(accumulate(pixels, initial=0))
            pixels.insert(self._col - 1, default if self._width is None else
                          width_pixels(self._width))  # fmt: skip
            pixels.pop()  # (past Excel's last column)
            self._edges = pixels, before, list(accumulate(pixels, initial=0))
        return self._edges

    def x(self, col: int, offset: int, unit: int) -> int:
        """Where the corner ``offset`` (in ``unit``: EMU, 9,525 a pixel, or pixels) into
        0-based column ``col`` was, in that unit from the sheet's left. An offset past the
        column's right edge is at that edge, as Excel draws it."""
        _, before, _ = self._worked_out()
        col = min(max(col, 0), LAST_COLUMN - 1)
        return before[col] * unit + min(offset, (before[col + 1] - before[col]) * unit)

    def x_after(self, col: int, offset: int, unit: int) -> int:
        """:meth:`x` of a corner after the insert."""
        pixels, _, after = self._worked_out()
        col = min(max(col, 0), LAST_COLUMN - 1)
        return after[col] * unit + min(offset, pixels[col] * unit)

    def corner(self, x: int, unit: int) -> tuple[int, int]:
        """The 0-based column and the offset into it (in ``unit``) of the place ``x`` from
        the sheet's left after the insert: a column's left edge is in it (a hidden column
        there, 0 pixels wide, is passed over)."""
        _, _, after = self._worked_out()
        col = min(max(bisect.bisect_right(after, x // unit) - 1, 0), LAST_COLUMN - 1)
        return col, x - after[col] * unit


def _number(text: str | None) -> float | None:
    """The number an attribute's text says, None where it says none."""
    try:
        value = float(text) if text is not None else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None


def _placed_corners(
    placement: Placement,
    corners: list[tuple[int, int]],
    col: int,
    unit: int,
    edges: ColumnEdges | None,
) -> list[tuple[int, int]]:
    """The corners (0-based column, offset in ``unit``; its first corner's first) of an
    object after an empty column is inserted before 1-based ``col``, as Excel places it:
    one moved and sized with cells by its columns (:func:`_placed_columns`); one Excel keeps
    the size of ("move but don't size": its first corner moves with its cell, and the other
    is as far right of it as it was) or its place and size ("don't move or size": each
    corner where it was on the sheet, whatever column is now there) by the sheet's columns
    (``edges``; without them, by its columns alone). A corner in the new column or right of
    it would otherwise stay in a column as wide as the one it was in: an object beside a
    round's column would move by its width, and one over it grow or shrink by the width
    the two columns differ by."""
    columns = _placed_columns(placement, [c for c, _ in corners], col)
    (first, first_off), (last, last_off) = corners if len(corners) == 2 else [(0, 0), (0, 0)]
    # an object the new column does not run under moves whole, or stays, over columns of the
    # widths they had: its corners as they were, moved by their columns alone (exact in any
    # font: the pixels below are Calibri 11's, helper-120)
    not_under = last < col - 1 or (placement == "oneCell" and first >= col - 1)
    if edges is None or placement == "twoCell" or len(corners) != 2 or not_under:
        return [(c, off) for c, (_, off) in zip(columns, corners, strict=True)]
    if placement == "oneCell":
        width = edges.x(last, last_off, unit) - edges.x(first, first_off, unit)
        left = edges.x_after(columns[0], first_off, unit)
        return [(columns[0], first_off), edges.corner(left + width, unit)]
    return [edges.corner(edges.x(c, off, unit), unit) for c, off in corners]


def _vml_placement(client_data: str) -> Placement:
    """How a VML shape (its ``<x:ClientData>``) is placed. Excel writes ``<x:MoveWithCells/>``
    for an object set NOT to move with cells and ``<x:SizeWithCells/>`` for one set NOT to
    size with them (the reverse of the ECMA text; XlsxWriter and LibreOffice write both in a
    note, Excel's "Don't move or size with cells"), and neither for "Move and size"."""
    flags = {m[2] for m in VML_FLAGS.finditer(client_data)}
    if "MoveWithCells" in flags:
        return "absolute"
    return "oneCell" if "SizeWithCells" in flags else "twoCell"


def _shift_vml_shapes(text: str, col: int, edges: ColumnEdges | None = None) -> str:
    """The shapes of a VML drawing (as text: a sheet's notes and form controls) after an
    empty column is inserted before ``col``: each shape's anchor as its placement says
    (:func:`_vml_placement`; its offsets are pixels, by the sheet's columns ``edges``:
    :func:`_placed_corners`), and a note's cell (``<x:Column>``), which moves with the cell
    whatever the note's shape does (Excel shows the note by its cell)."""

    def column(m: re.Match[str]) -> str:
        n = int(m.group(3))
        return f"{m.group(1)}{n + 1 if n >= col - 1 else n}{m.group(4)}"

    def shape(m: re.Match[str]) -> str:
        placement = _vml_placement(m.group(3))

        def anchor(a: re.Match[str]) -> str:
            nums = [int(x) for x in a.group(3).split(",")]
            if len(nums) == 8:
                corners = [(nums[0], nums[1]), (nums[4], nums[5])]
                placed = _placed_corners(placement, corners, col, 1, edges)
                (nums[0], nums[1]), (nums[4], nums[5]) = placed
            return f"{a.group(1)}{', '.join(map(str, nums))}{a.group(4)}"

        body = _VML_ANCHOR.sub(anchor, _VML_COLUMN.sub(column, m.group(3)))
        return f"{m.group(1)}{body}{m.group(4)}"

    return VML_CLIENT_DATA.sub(shape, text)


def _own_button_shapes(pkg: Package, part: str) -> set[str]:
    """The shape ids (``control shapeId``) of edi_xl's own buttons in the VML drawing of the
    sheet ``part`` (:func:`edi_xl.master.vba.is_own_button`)."""
    own: set[str] = set()
    for rel, target in pkg.linked(part):
        if rel.type.endswith("/vmlDrawing") and target in pkg.parts:
            for shape in _VML_SHAPE.finditer(pkg.parts[target].decode("utf-8", "replace")):
                found = _VML_SHAPE_ID.search(shape[2])
                data = VML_CLIENT_DATA.search(shape[0])
                if found and data and is_own_button(data[1] + data[3]):
                    own.add(found[1])
    return own


def _object_placement(anchor: etree._Element, own: set[str]) -> Placement:
    """How a form control or an embedded object of the sheet is placed: its Excel 2010
    ``<anchor>`` says it as its VML shape's flags do, the right way round
    (``moveWithCells="1" sizeWithCells="1"``: move and size; ``moveWithCells`` alone: move
    but don't size; neither: don't move). One of edi_xl's buttons (``own``: their shape ids)
    saved by Excel with neither VML flag (edi_xl's older buttons) moves but does not size, as
    its VML shape does (:func:`edi_xl.master.vba.buttons_unsized`), and says so."""
    control = anchor.getparent()
    control = control.getparent() if control is not None else None
    own_sized = control is not None and control.get("shapeId") in own
    if own_sized and anchor.get("sizeWithCells") in ("1", "true"):
        anchor.attrib.pop("sizeWithCells")
        anchor.set("moveWithCells", "1")
    moves = anchor.get("moveWithCells") in ("1", "true")
    sizes = anchor.get("sizeWithCells") in ("1", "true")
    return ("twoCell" if sizes else "oneCell") if moves else "absolute"


def _shift_anchors(
    root: etree._Element,
    col: int,
    anchors: Iterable[etree._Element] | None = None,
    own: set[str] | None = None,
    edges: ColumnEdges | None = None,
) -> None:
    """Every drawing anchor under ``root`` (a drawing's pictures, charts and shapes; a
    sheet's form controls and embedded objects) after an empty column is inserted before
    ``col``, as Excel moves the object (``<xdr:col>`` is 0-based) by its placement
    (:func:`_placed_columns`): a drawing's ``editAs`` ("twoCell", the default; "oneCell",
    Excel's default for a picture; "absolute"), a control's or object's as its VML shape's
    (:func:`_object_placement`; ``own``: the shape ids of edi_xl's buttons); one Excel keeps
    the size or place of by the sheet's columns (``edges``: :func:`_placed_corners`; the
    offsets, ``<xdr:colOff>``, are EMU). ``anchors``: those under ``root``, when the caller
    has them (:func:`formulas_and_anchors`)."""
    xdr_col, xdr_off = f"{{{XDR_NS}}}col", f"{{{XDR_NS}}}colOff"
    for anchor in root.iter(*_ANCHOR_TAGS) if anchors is None else anchors:
        ns = M if anchor.tag == f"{M}anchor" else f"{{{XDR_NS}}}"
        if anchor.tag == f"{{{XDR_NS}}}oneCellAnchor":
            placement = "oneCell"
        elif anchor.tag == f"{{{XDR_NS}}}twoCellAnchor":
            placement = anchor.get("editAs") or "twoCell"
        else:
            placement = _object_placement(anchor, own or set())
        corners = [anchor.find(f"{ns}{corner}") for corner in ("from", "to")]
        columns = [c.find(xdr_col) for c in corners if c is not None]
        at = [c for c in columns if c is not None and (c.text or "").strip().isdigit()]
        offsets = [c.find(xdr_off) for c in corners if c is not None]
        if len(at) == len(offsets) == 2 and all(_is_whole(o) for o in offsets):
            pairs = list(zip(at, offsets, strict=True))
            was = [(int(c.text or "0"), int(o.text or "0")) for c, o in pairs]
            placed = _placed_corners(placement, was, col, _EMU_PIXEL, edges)
            for (c, o), (n, off), (_, old) in zip(pairs, placed, was, strict=True):
                c.text = str(n)
                if off != old:  # (an offset left as it was written)
                    o.text = str(off)
            continue
        moved = _placed_columns(placement, [int(c.text or "0") for c in at], col)
        for c, n in zip(at, moved, strict=True):
            c.text = str(n)


def _is_whole(el: etree._Element | None) -> bool:
    """Whether ``el`` holds a whole number (an anchor's offset; Excel writes none negative,
    LibreOffice some)."""
    return el is not None and (el.text or "").strip().lstrip("-").isdigit()


def _table_column_inserted(
    table: etree._Element, col: int, header: Callable[[int, int], Any] | None
) -> tuple[int, int, str] | None:
    """A table (Excel's "Format as Table") the new column falls inside gains a column there,
    as in Excel: its ``tableColumns`` must name as many columns as its range holds, each by
    the text of its header cell, or Excel repairs the file by dropping the table. A column
    whose header cell holds nothing (the trust's own table, which the round's column runs
    through) is named "Column1" as Excel names it, and that name must be written into the
    header cell too (helper-81: the cell was left empty): (row, column, name) of that cell
    is given back, None when there is nothing to write."""
    bounds = CellRange(table.get("ref", ""))
    columns = table.find(f"{M}tableColumns")
    if columns is None or not bounds.min_col < col <= bounds.max_col:
        return None
    existing = list(columns.iterfind(f"{M}tableColumn"))
    has_header = table.get("headerRowCount") != "0"
    text = header(bounds.min_row, col) if header and has_header else None
    name = table_column_name(text, (str(el.get("name", "")) for el in existing))
    new = etree.Element(f"{M}tableColumn")
    new.set("id", str(1 + max((int(el.get("id", "0")) for el in existing), default=0)))
    new.set("name", name)
    at = col - bounds.min_col  # the new column's place among the table's columns
    if at < len(existing):
        existing[at].addprevious(new)
    else:
        columns.append(new)
    columns.set("count", str(len(existing) + 1))
    return (bounds.min_row, col, name) if has_header and text in (None, "") else None


def _column_ids(table: etree._Element) -> set[str]:
    """The ``id`` of each column of the table XML ``table``."""
    return {str(el.get("id")) for el in table.iterfind(f"{M}tableColumns/{M}tableColumn")}


def _query_table_columns_added(
    pkg: Package, part: str, table: etree._Element, was: set[str]
) -> None:
    """A query table (the output of a Power Query or a connection, ``tableType="queryTable"``:
    the table ``part``, XML ``table``) that gained columns (those whose ``id`` is not in
    ``was``): each is a column the query does not fill, as one typed into the table in Excel
    is. Excel gives such a column a field of the query table of its own (``<queryTableField
    dataBound="0">``, which its refresh keeps) and names it by it (``queryTableFieldId``,
    ``uniqueName``: the column's id); a column of a query table without a field is one Excel
    repairs the file for. The field goes among the fields in the column's place, and the
    count of unbound columns at the table's right edge (``unboundColumnsRight``) takes it
    in when it is one of them. Nothing is done to any other table."""
    if table.get("tableType") != "queryTable":
        return
    columns = list(table.iterfind(f"{M}tableColumns/{M}tableColumn"))
    added = [c for c in columns if str(c.get("id")) not in was and not c.get("queryTableFieldId")]
    query = next(
        (t for rel, t in pkg.linked(part) if rel.type.endswith("/queryTable") and t in pkg.parts),
        None,
    )
    if not added or query is None:
        return
    doc = pkg.xml(query)
    refresh = doc.find(f"{M}queryTableRefresh")
    fields = None if refresh is None else refresh.find(f"{M}queryTableFields")
    if refresh is None or fields is None:
        return
    ids = [int(el.get("id", "0")) for el in fields.iterfind(f"{M}queryTableField")]
    next_id = max([int(refresh.get("nextId", "1")), *(i + 1 for i in ids)])
    for column in added:
        field = etree.Element(f"{M}queryTableField")
        field.set("id", str(next_id))
        field.set("dataBound", "0")
        field.set("tableColumnId", str(column.get("id")))
        after = columns[columns.index(column) + 1 :]  # (the table's columns right of it)
        following = {str(c.get("id")) for c in after}
        right = next(
            (f for f in fields.iterfind(f"{M}queryTableField")
             if f.get("tableColumnId") in following),
            None,
        )  # fmt: skip
        if right is not None:
            right.addprevious(field)
        else:
            fields.append(field)
        named = {"id": column.get("id"), "uniqueName": column.get("id"), "name": column.get("name")}
        rest = {k: v for k, v in column.attrib.items() if k not in named}
        column.attrib.clear()  # (in the order Excel writes them)
        column.attrib.update({**named, "queryTableFieldId": str(next_id), **rest})
        next_id += 1
    listed = list(fields.iterfind(f"{M}queryTableField"))
    fields.set("count", str(len(listed)))
    refresh.set("nextId", str(next_id))
    unbound = [f.get("dataBound") in ("0", "false") for f in listed]  # (in column order)
    trailing = 0 if all(unbound) else next(i for i, u in enumerate(reversed(unbound)) if not u)
    if trailing or refresh.get("unboundColumnsRight"):
        refresh.set("unboundColumnsRight", str(trailing))
    pkg.put_xml(query, doc)


# --- styles ------------------------------------------------------------------------------------


def _as_main(openpyxl_element: Any) -> etree._Element:
    """An element made by openpyxl's ``to_tree`` (no namespace) in the main namespace."""
    return _as_main_xml(openpyxl_tostring(openpyxl_element))


def _as_main_xml(text: bytes) -> etree._Element:
    """:func:`_as_main` of the element's text."""
    return parse(b'<x xmlns="' + MAIN_NS.encode() + b'">' + text + b"</x>")[0]


def _key(el: etree._Element) -> bytes:
    return etree.tostring(el, method="c14n")


def _elements(parent: etree._Element) -> list[etree._Element]:
    """``parent``'s child elements, its comments and processing instructions left out: a
    stylesheet written by hand may have comments among its styles ("<!-- currency -->"),
    which are no style (a style's index counts elements only), and lxml crashes when it is
    asked for a comment's canonical form (excelrd's self_evaluation_report_2014-05-19.xlsx:
    edi_xl ended with a segmentation fault)."""
    return [child for child in parent if isinstance(child.tag, str)]


class StyleMap:
    """Adds openpyxl styles to the package's ``styles.xml`` (never renumbering what is there)
    and gives their indices; identical styles already there are reused."""

    def __init__(self, pkg: Package, wb: Workbook) -> None:
        self.pkg, self.wb = pkg, wb
        self.part = next(
            (t for rel, t in pkg.linked(_workbook_part(pkg)) if rel.type.endswith("/styles")),
            "xl/styles.xml",
        )
        self.missing = self.part not in pkg.parts  # a workbook with no styles part at all
        self.root = pkg.xml(self.part) if not self.missing else parse(EMPTY_STYLES)
        self.changed = self.missing
        self.lists: dict[str, etree._Element] = {}
        self.index: dict[str, dict[bytes, int]] = {}
        self.sizes: dict[str, int] = {}  # (each list's styles: its elements)
        self.xf_cache: dict[tuple[int, ...], int] = {}
        self.dxf_cache: dict[int, int] = {}

    def _list(self, tag: str) -> etree._Element:
        if tag not in self.lists:
            el = self.root.find(M + tag)
            if el is None:
                el = etree.Element(M + tag)
                order = [
                    "numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs",
                    "cellStyles", "dxfs", "tableStyles", "colors", "extLst",
                ]  # fmt: skip
                _insert_ordered(self.root, el, order)
            self.lists[tag] = el
            styles = _elements(el)
            self.index[tag] = {_key(child): i for i, child in enumerate(styles)}
            self.sizes[tag] = len(styles)
        return self.lists[tag]

    def _add(self, tag: str, el: etree._Element) -> int:
        parent = self._list(tag)
        key = _key(el)
        found = self.index[tag].get(key)
        if found is not None:
            return found
        parent.append(el)
        index = self.sizes[tag]
        self.sizes[tag] = index + 1
        parent.set("count", str(index + 1))
        self.index[tag][key] = index
        self.changed = True
        return index

    def _num_fmt(self, num_fmt_id: int) -> int:
        if num_fmt_id < 164:
            return num_fmt_id
        code = self.wb._number_formats[num_fmt_id - 164]
        fmts = self._list("numFmts")
        there = _elements(fmts)
        for el in there:
            if el.get("formatCode") == code:
                return int(el.get("numFmtId", "0"))
        new_id = max([163] + [int(el.get("numFmtId", "0")) for el in there]) + 1
        el = etree.SubElement(fmts, M + "numFmt")
        el.set("numFmtId", str(new_id))
        el.set("formatCode", code)
        fmts.set("count", str(len(there) + 1))
        self.changed = True
        return new_id

    def xf(self, style: tuple[int, ...] | None) -> int:
        """The ``cellXfs`` index of an openpyxl style array."""
        if style is None:
            return 0
        found = self.xf_cache.get(style)  # (a save asks for the same few styles 100,000 times)
        if found is not None:
            return found
        arr = StyleArray(style)
        wb = self.wb
        xf = CellStyle.from_array(arr)
        if arr.alignmentId:
            xf.alignment = wb._alignments[arr.alignmentId]
        if arr.protectionId:
            xf.protection = wb._protections[arr.protectionId]
        el = _as_main(xf.to_tree())
        el.set("fontId", str(self._add("fonts", _as_main(wb._fonts[arr.fontId].to_tree()))))
        el.set("fillId", str(self._add("fills", _as_main(wb._fills[arr.fillId].to_tree()))))
        el.set("borderId", str(self._add("borders", _as_main(wb._borders[arr.borderId].to_tree()))))
        el.set("numFmtId", str(self._num_fmt(arr.numFmtId)))
        el.set("xfId", "0")
        index = self._add("cellXfs", el)
        self.xf_cache[style] = index
        return index

    def dxf(self, dxf: Any) -> int:
        key = id(dxf)
        if key not in self.dxf_cache:
            self.dxf_cache[key] = self._add("dxfs", _as_main(dxf.to_tree()))
        return self.dxf_cache[key]

    def dxf_xml(self, xml: bytes) -> int:
        """The ``dxfs`` index of a differential style given as openpyxl writes it."""
        return self._add("dxfs", _as_main_xml(xml))

    def save(self) -> None:
        if self.changed:
            self.pkg.put_xml(self.part, self.root)


_MC_CHOICE = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Choice"


def _insert_ordered(parent: etree._Element, el: etree._Element, order: list[str]) -> None:
    """Put ``el`` among ``parent``'s children where ``order`` (local names) says: before the
    first child ranked after it. An ``mc:AlternateContent`` ranks as the element its choice
    holds (a sheet's ``controls``); a child ``order`` does not name ranks as the one before it
    (Excel 365 writes ``mc:AlternateContent`` holding ``x15ac:absPath`` and ``xr:revisionPtr``
    after ``workbookPr``: ranked last, a new ``definedNames`` went before them, ahead of
    ``bookViews`` and ``sheets``, and Excel repairs such a file, helper-113)."""
    name = etree.QName(el).localname
    rank = order.index(name) if name in order else len(order)
    before = -1  # the rank of the last child ranked
    for i, child in enumerate(parent):
        if not isinstance(child.tag, str):
            continue
        inner = child.find(f"{_MC_CHOICE}/*") if child.tag.endswith("}AlternateContent") else None
        other = etree.QName(inner if inner is not None else child).localname
        before = order.index(other) if other in order else before
        if before > rank:
            parent.insert(i, el)
            return
    parent.append(el)


def _child(parent: etree._Element, name: str, order: list[str]) -> etree._Element:
    el = parent.find(M + name)
    if el is None:
        el = etree.Element(M + name)
        _insert_ordered(parent, el, order)
    return el


# --- cells ---------------------------------------------------------------------------------------


class _Content(NamedTuple):
    """What a ``<c>`` holds for a value: its ``t``, and a formula, a value or inline text."""

    t: str | None
    kind: str  # "f" (formula), "v" (value), "is" (inline string), "" (nothing)
    text: str
    preserve: bool = False  # the text's spaces and line breaks kept as they are


_NOTHING = _Content(None, "", "")


@lru_cache(maxsize=1024, typed=True)
def _date_serial(value: date, epoch: datetime) -> str:
    """A date (or a date and time) as Excel's serial number, as text; worked out once for
    each (a merge writes the same moment on each of the thousands of lines it adds to the
    Change Log). Only dates: two times of day with time zones can be equal and differ."""
    return str(to_excel(value, epoch))


def _content(value: Any, data_type: str, epoch: Any) -> _Content:
    """What a cell holding ``value`` (as openpyxl holds it, with its ``data_type``) writes."""
    if data_type == "s" and type(value) is str:  # text, the most common: what the end gives
        if not value:
            return _NOTHING
        return _Content("inlineStr", "is", value, "\n" in value or value != value.strip())
    if value is None or value == "":  # as openpyxl writes it: an empty string is no value
        return _NOTHING
    if data_type == "f" or (isinstance(value, str) and data_type != "s" and value.startswith("=")):
        return _Content(None, "f", str(value)[1:] if str(value).startswith("=") else "")
    if isinstance(value, bool):
        return _Content("b", "v", "1" if value else "0")
    if isinstance(value, int | float | Decimal):
        if isinstance(value, float | Decimal) and not math.isfinite(value):
            return _Content(None, "v", "")  # as openpyxl writes NaN and infinity
        # a float as repr writes it: exact (openpyxl's "%.16g" can round the last digit)
        return _Content(None, "v", repr(value) if isinstance(value, float) else str(value))
    if isinstance(value, datetime | date):
        return _Content(None, "v", _date_serial(value, epoch))
    if isinstance(value, time | timedelta):
        return _Content(None, "v", str(to_excel(value)))
    if data_type == "e":
        return _Content("e", "v", str(value))
    text = str(value)
    return _Content("inlineStr", "is", text, text != text.strip() or "\n" in text)


#: The attributes of a ``<c>`` that go with its value: its type, cell and value metadata.
_VALUE_ATTRIBUTES = ("t", "cm", "vm")


def _set_cell(
    c: etree._Element,
    value: Any,
    data_type: str,
    style: int | None,
    wb: Any,
    *,
    moved: bool = False,
) -> None:
    """Make the ``<c>`` element ``c`` hold ``value`` (as openpyxl holds it) and ``style``.
    (What it held goes: its children, and the attributes of its value: type, metadata. Most
    cells written have neither, a new one only its reference: looked at before anything is
    removed, as a merge writes thousands.)

    ``moved``: ``value`` is the formula the cell held with its references moved along with a
    column edi_xl inserted (:func:`~edi_xl.master.loading.moved_formula`): it keeps the
    result the file held (``<v>`` and its type), which is what edi_xl reads of the cell next
    time (Excel works it out again on opening: ``fullCalcOnLoad``)."""
    kept = _kept_result(c) if moved and data_type == "f" and len(c) else None
    if len(c):
        for child in list(c):
            c.remove(child)
    names = c.keys()
    array = type(value) is ArrayFormula
    for name in _VALUE_ATTRIBUTES:
        if name in names and not (array and name == "cm"):  # (cm: a dynamic array's mark)
            del c.attrib[name]
    if style:
        c.set("s", str(style))
    elif style == 0 and "s" in names:  # (None: its style stays)
        del c.attrib["s"]
    if array:
        f = etree.SubElement(c, M + "f", t="array", ref=value.ref)
        f.text = _formula_text(value.text)
    elif type(value) is DataTableFormula:  # What-If's data table: all in its attributes
        etree.SubElement(c, M + "f", dict(value))
    else:
        content = _content(value, data_type, wb.epoch)
        if content.t:
            c.set("t", content.t)
        if content.kind == "is":
            t = etree.SubElement(etree.SubElement(c, M + "is"), M + "t")
            t.text = escaped_text(content.text)
            if content.preserve:
                t.set(XML_SPACE, "preserve")
        elif content.kind:
            etree.SubElement(c, M + content.kind).text = content.text
    if kept is not None:
        kind, v = kept
        if kind is not None:
            c.set("t", kind)
        c.append(v)


def _kept_result(c: etree._Element) -> tuple[str | None, etree._Element] | None:
    """(its type, its ``<v>``) of a ``<c>`` holding a formula and its result; None if not."""
    f = c.find(M + "f")
    v = c.find(M + "v")
    if f is None or v is None:
        return None
    return c.get("t"), v


def _shared_anchor(c: etree._Element) -> tuple[str, str] | None:
    """(group ``si``, its text) of a shared formula whose definition ``c`` holds (Excel's
    filled-down formula: the first cell has its text and the range, each other cell of the
    range only ``<f t="shared" si=".."/>``); None when ``c`` holds none."""
    f = c.find(M + "f")
    if f is None or f.get("t") != "shared" or not f.get("ref") or not f.text:
        return None
    group = f.get("si")
    return None if group is None else (group, f.text)


def _moved_from(anchor: str, text: str) -> Callable[[int, int], str]:
    """The formula of a cell of a shared formula whose first cell, ``anchor`` (its
    reference), holds ``text``: the text moved by the cell's distance from it, as Excel
    works it out."""

    def formula(row: int, column: int) -> str:
        where = f"{get_column_letter(column)}{row}"
        return Translator("=" + text, origin=anchor).translate_formula(where)

    return formula


def _unshare(root: etree._Element, groups: dict[str, Callable[[int, int], Any]]) -> None:
    """Write out in full the formula of each cell of the shared formula ``groups`` of the
    sheet XML ``root``, and make the first cell's formula its own: for a group whose first
    cell, holding the group's text, was written over (each other cell holds only the group's
    mark, and would be left with no formula: Excel asks to repair the file), and for one
    across a column inserted (the others' formulas are worked out from the first cell's by
    their distance from it, which the column changed). ``groups``: for each, the formula of
    the cell at (row, column), ``=...``."""
    for f in root.iter(M + "f"):
        group = f.get("si")
        if f.get("t") != "shared" or group not in groups:
            continue
        if f.get("ref"):  # the first cell: its text is its formula
            for name in ("t", "ref", "si"):
                del f.attrib[name]
            continue
        c = f.getparent()
        assert c is not None
        if not c.get("r"):  # (a cell the file writes without its reference)
            row = c.getparent()
            assert row is not None
            number_cells(row, row.get("r", ""))
        letters, number = coordinate_from_string(c.get("r", ""))
        text = groups[group](number, column_index_from_string(letters))
        if not isinstance(text, str) or not text.startswith("="):
            continue  # (not read as one: left as it was)
        for name in ("t", "si"):
            del f.attrib[name]
        f.text = _formula_text(text[1:])


def _shared_across_columns(
    root: etree._Element, formulas: Iterable[etree._Element] | None = None
) -> set[str]:
    """The shared formulas of the sheet XML ``root`` whose range spans columns (filled right:
    a column inserted among them changes their distances). ``formulas``: the formulas of
    ``root``, when the caller has them (:func:`formulas_and_anchors`)."""
    groups = set()
    for f in root.iter(M + "f") if formulas is None else formulas:
        ref, group = f.get("ref"), f.get("si")
        if f.get("t") == "shared" and ref and group is not None:
            left, _, right, _ = range_boundaries(ref)
            if left != right:
                groups.add(group)
    return groups


def _cell_xml(ref: str, value: Any, data_type: str, style: int | None, epoch: Any) -> str:
    """A new ``<c>`` element holding ``value`` and ``style``, as text (:func:`_set_cell`)."""
    return f'<c r="{ref}"{_cell_xml_rest(value, data_type, style, epoch)}'


#: The kinds of value whose cell text :func:`_add_rows` and :func:`_sheet_rows` work out once
#: per value, type and style: values equal and of one kind are written alike (not floats: 0.0
#: and -0.0; not times with a time zone: equal at different hours, see :func:`_written_alike`).
_SAME_WHEN_EQUAL = frozenset({str, int, bool, type(None), datetime, date})


def _written_alike(value: Any) -> bool:
    """Whether every value equal to ``value`` and of its type is written as it is."""
    kind = type(value)
    return kind in _SAME_WHEN_EQUAL and (kind is not datetime or value.tzinfo is None)


def _formula_text(text: str | None) -> str:
    """A formula's text as a cell's ``<f>`` holds it (without its ``=``)."""
    text = text or ""
    return text[1:] if text.startswith("=") else text


def _cell_xml_rest(value: Any, data_type: str, style: int | None, epoch: Any) -> str:
    """:func:`_cell_xml`'s text after the cell's reference."""
    attrs = f' s="{style}"' if style else ""
    if type(value) is ArrayFormula:
        ref = _attr(value.ref)
        return f'{attrs}><f t="array" ref="{ref}">{_text(_formula_text(value.text))}</f></c>'
    if type(value) is DataTableFormula:
        table = "".join(f' {name}="{_attr(text)}"' for name, text in dict(value).items())
        return f"{attrs}><f{table}/></c>"

    if data_type == "s" and type(value) is str and value:  # text (:func:`_content`'s first)
        space = ' xml:space="preserve"' if "\n" in value or value != value.strip() else ""
        return f'{attrs} t="inlineStr"><is><t{space}>{_string(value)}</t></is></c>'
    content = _content(value, data_type, epoch)
    if content.t:
        attrs += f' t="{content.t}"'
    if content.kind == "is":
        space = ' xml:space="preserve"' if content.preserve else ""
        return f"{attrs}><is><t{space}>{_string(content.text)}</t></is></c>"
    if content.kind:
        return f"{attrs}><{content.kind}>{_text(content.text)}</{content.kind}></c>"
    return f"{attrs}/>"


def _xml_bytes(text: str) -> bytes | None:
    """``text`` in UTF-8, or None if it holds a character XML 1.0 cannot (a control
    character, U+FFFE, U+FFFF: :func:`~edi_xl.master.package.xml_characters_only`; a lone
    surrogate, which UTF-8 cannot encode)."""
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return data if xml_characters_only(data) else None


def _serialise_spliced(root: etree._Element, parent: etree._Element, xml: bytes) -> bytes | None:
    """``root`` serialised with ``xml`` (elements as UTF-8 text, checked by
    :func:`_xml_bytes`) at the end of ``parent``'s children, spliced into the text where a
    marker stood; None when the tree already holds a marker like it."""
    mark = etree.ProcessingInstruction("edi-xl-rows")
    parent.append(mark)
    try:
        data = serialise(root)
    finally:
        parent.remove(mark)
    marker = etree.tostring(mark)  # (b"<?edi-xl-rows ?>")
    if data.count(marker) != 1:
        return None
    return data.replace(marker, xml)


class SheetXml:
    """A worksheet's XML with fast access to its rows and cells. ``cells``: the cells of
    every row, by row and column, where they were just read (:func:`_shift_cells`); else a
    row's cells are found when it is first asked for."""

    def __init__(self, root: etree._Element, cells: CellIndex | None = None) -> None:
        self.root = root
        self.data = _child(root, "sheetData", SHEET_ORDER)
        self.rows: dict[int, etree._Element] = {}
        for row in self.data.iterchildren(M + "row"):
            self.rows[int(row.get("r", "0"))] = row
        self.cells: CellIndex = cells if cells is not None else {}
        self._order: list[int] | None = None  # the row numbers in order, once a row is added
        self.max_row = 0
        self.max_col = 0
        self._column_index: dict[str, int] = {}  # "K" -> 11, worked out once per column
        self._letters: dict[int, str] = {}  # and 11 -> "K"
        # rows added after the last one, kept as text in UTF-8 (:meth:`add_rows_xml`)
        self._tail: list[bytes] = []
        self._tail_rows: set[int] = set()

    def add_rows_xml(self, text: str, numbers: list[int]) -> None:
        """Add the rows ``text`` (``<row>`` elements in the main namespace, unprefixed),
        numbered ``numbers`` in order, none of which the sheet has. Rows that all come after
        the sheet's last row are kept as text and written into the sheet's XML by
        :meth:`to_bytes` (a merge adds thousands of Change Log lines: parsing them and
        writing them out again was most of the time of saving them); a row of them asked
        for by :meth:`row` or :meth:`cell` is parsed then. Rows holding a character XML
        cannot hold are parsed at once (and refused, as any such text is)."""
        if not numbers:
            return
        last = max(self.rows, default=0)
        if self._tail_rows:
            last = max(last, max(self._tail_rows))
        if self.data.prefix is None and numbers[0] > last:
            data = _xml_bytes(text)
            if data is not None:
                self._tail.append(data)
                self._tail_rows.update(numbers)
                return
        self._settle()
        self._put_rows(text.encode())

    def _put_rows(self, data: bytes) -> None:
        for row in parse(b'<sheetData xmlns="' + MAIN_NS.encode() + b'">' + data + b"</sheetData>"):
            self.put_row(int(row.get("r", "0")), row)

    def _settle(self) -> None:
        """The rows kept as text made elements of the sheet."""
        if self._tail:
            data = b"".join(self._tail)
            self._tail, self._tail_rows = [], set()
            self._put_rows(data)

    def to_bytes(self) -> bytes:
        """The sheet's XML, the rows kept as text (:meth:`add_rows_xml`) at the end of its
        ``sheetData``."""
        if not self._tail:
            return serialise(self.root)
        data = _serialise_spliced(self.root, self.data, b"".join(self._tail))
        if data is None:  # (a file with a marker of its own: made elements first)
            self._settle()
            return serialise(self.root)
        return data

    def row(self, r: int) -> etree._Element:
        if r in self._tail_rows:
            self._settle()
        row = self.rows.get(r)
        if row is None:
            row = etree.Element(M + "row")
            row.set("r", str(r))
            self.put_row(r, row)
        return row

    def put_row(self, r: int, row: etree._Element) -> None:
        """Put the new row ``row`` (numbered ``r``, which the sheet does not have) in order."""
        self._settle()
        if self._order is None:
            self._order = sorted(self.rows)
        at = bisect.bisect_right(self._order, r)
        if at < len(self._order):
            self.rows[self._order[at]].addprevious(row)
        else:
            self.data.append(row)
        self._order.insert(at, r)
        self.rows[r] = row

    def _row_cells(self, r: int) -> dict[int, etree._Element]:
        if r in self._tail_rows:
            self._settle()
        if r not in self.cells:
            found: dict[int, etree._Element] = {}
            row = self.rows.get(r)
            if row is not None:
                index = self._column_index
                for c in row.iterchildren(M + "c"):
                    ref = c.get("r")
                    if not ref:  # (the file leaves it out: its place gives it)
                        number_cells(row, r)
                        ref = c.get("r", "")
                    letters = ref.rstrip("0123456789")
                    col = index.get(letters)
                    if col is None:
                        col = index[letters] = column_index_from_string(letters.upper())
                    found[col] = c
            self.cells[r] = found
        return self.cells[r]

    def _in_place(self, r: int, col: int) -> etree._Element | None:
        """The cell of row ``r`` in column ``col`` if it is where a row holding a cell in
        every column from A has it (its child ``col - 1``), as its reference says: found so,
        a row's other cells need not be read (a refresh writes a few cells in each of
        thousands of rows). None: not there, or not known (yet) to be."""
        row = self.rows.get(r)
        if row is None or r in self.cells or r in self._tail_rows or len(row) < col:
            return None
        c = row[col - 1]
        letters = self._letters.get(col) or self._letters.setdefault(col, get_column_letter(col))
        return c if c.tag == M + "c" and c.get("r") == f"{letters}{r}" else None

    def cell(self, r: int, col: int, *, create: bool = True) -> etree._Element | None:
        c = self._in_place(r, col)
        if c is not None:
            self.max_row, self.max_col = max(self.max_row, r), max(self.max_col, col)
            return c
        cells = self._row_cells(r)
        c = cells.get(col)
        if c is None and create:
            row = self.row(r)
            row.attrib.pop("spans", None)
            # (made in the row's document, then put before the cell right of it, if any)
            c = etree.SubElement(row, M + "c", r=f"{get_column_letter(col)}{r}")
            later = min([n for n in cells if n > col], default=None)
            if later is not None:
                cells[later].addprevious(c)
            cells[col] = c
        if c is not None:
            self.max_row, self.max_col = max(self.max_row, r), max(self.max_col, col)
        return c


# --- one sheet -----------------------------------------------------------------------------------


def _copy_element(el: etree._Element) -> etree._Element:
    """A copy of ``el`` (and what it holds) with no parent."""
    return etree.fromstring(etree.tostring(el))


def _set_width(root: etree._Element, idx: int, width: float | None) -> None:
    """Column ``idx``'s width set (None: its setting removed), as
    :func:`~edi_xl.master.column_settings.set_column_width` sets the workbook's: the column
    gets an element of its own holding that width and nothing else (not hidden nor grouped,
    no style), a ``<col>`` spanning it is cut around it, and the span's other columns keep
    theirs, in column order."""
    cols = _child(root, "cols", SHEET_ORDER)
    for el in list(cols):
        lo, hi = int(el.get("min", "0")), int(el.get("max", "0"))
        if not lo <= idx <= hi:
            continue
        if lo < idx:
            left = _copy_element(el)
            left.set("max", str(idx - 1))
            el.addprevious(left)
        if idx < hi:
            right = _copy_element(el)
            right.set("min", str(idx + 1))
            el.addnext(right)
        own = etree.Element(M + "col")  # (its own element too: made anew)
        el.addprevious(own)
        cols.remove(el)
        el = own
        el.set("min", str(idx))
        el.set("max", str(idx))
        if width is None:
            cols.remove(el)
        else:
            el.set("width", str(width))
            el.set("customWidth", "1")
        break
    else:
        if width is None:
            return
        el = etree.Element(M + "col")
        el.set("min", str(idx))
        el.set("max", str(idx))
        el.set("width", str(width))
        el.set("customWidth", "1")
        for i, other in enumerate(cols):
            if int(other.get("min", "0")) > idx:
                cols.insert(i, el)
                break
        else:
            cols.append(el)
    if len(cols) == 0:
        root.remove(cols)


def _cf_xml_key(sqref: str, rule: etree._Element) -> RuleKey:
    formulas = tuple(f.text or "" for f in rule.iterfind(M + "formula"))
    return (ranges(sqref), rule.get("type"), rule.get("operator"), rule.get("text"), formulas)


def _patch_conditional(root: etree._Element, edits: SheetEdits, styles: StyleMap) -> None:
    """Remove the conditional formats edi_xl removed, add those it added (after the rest,
    with their own priorities): the user's rules stay as they are."""
    removed = Counter(edits.cf_removed)
    if not removed and not edits.cf_added:
        return
    for block in list(root.iterfind(M + "conditionalFormatting")):
        sqref = block.get("sqref", "")
        for rule in list(block.iterfind(M + "cfRule")):
            key = _cf_xml_key(sqref, rule)
            if removed[key] > 0:
                removed[key] -= 1
                block.remove(rule)
        if block.find(M + "cfRule") is None:
            root.remove(block)
    # (the rules are the sheet's children's: not looked for among its 100,000 cells)
    priorities = [
        int(r.get("priority", "0"))
        for part in root.iterchildren()
        if part.tag != M + "sheetData"
        for r in part.iter(M + "cfRule")
    ]
    priority = max(priorities, default=0)
    for sqref, rule in edits.cf_added:
        priority += 1
        el = _as_main(rule.to_tree())
        el.set("priority", str(priority))
        if rule.dxf is not None:
            el.set("dxfId", str(styles.dxf(rule.dxf)))
        block = etree.Element(M + "conditionalFormatting")
        block.set("sqref", " ".join(sorted(ranges(sqref))))
        block.append(el)
        existing = root.findall(M + "conditionalFormatting")
        if existing:
            existing[-1].addnext(block)
        else:
            _insert_ordered(root, block, SHEET_ORDER)


def _dv_xml_key(el: etree._Element) -> RuleKey:
    def text(tag: str) -> str | None:
        f = el.find(M + tag)
        return f.text if f is not None else None

    return (ranges(el.get("sqref", "")), el.get("type"), text("formula1"), text("formula2"),
            el.get("operator"))  # fmt: skip


def _patch_validation(root: etree._Element, edits: SheetEdits) -> None:
    removed = Counter(edits.dv_removed)
    if not removed and not edits.dv_added:
        return
    block = root.find(M + "dataValidations")
    if block is not None:
        for el in list(block):
            key = _dv_xml_key(el)
            if removed[key] > 0:
                removed[key] -= 1
                block.remove(el)
    owned: set[int] = set()  # the columns of edi_xl's own dropdowns
    for dv in edits.dv_added:
        if block is None:
            block = _child(root, "dataValidations", SHEET_ORDER)
        el = _as_main(dv.to_tree())
        el.set("sqref", " ".join(sorted(ranges(dv.sqref))))
        block.append(el)
        if dv.formula1 in (STATUS_LIST, CHARACTERISTIC_LIST):
            owned |= {c for rng in dv.sqref.ranges for c in range(rng.min_col, rng.max_col + 1)}
    if block is not None:
        if len(block) == 0:
            root.remove(block)
        else:
            block.set("count", str(len(block)))
    if owned:
        _cut_ext_validation(root, owned)


def _cut(ref: str, cols: set[int]) -> list[str]:
    """The range ``ref`` of an Excel 2010 rule with the columns ``cols`` cut out, as ranges
    of the same kind: cells ("I2:I20"), or whole columns ("I:I", a dropdown given to a whole
    column); whole rows ("5:7") as the cells they are ("A5:D7 F5:XFD7"). A range that is none
    ("#REF!": Excel's word for a range whose cells were deleted) is kept as it is (helper-84:
    "#REF!" stopped the save)."""
    try:
        first, top, last, bottom = range_boundaries(ref)
    except (TypeError, ValueError):
        return [ref]
    if first is None or last is None:  # (whole rows: every column of them)
        if top is None or bottom is None:
            return [ref]
        first, last = 1, 16384
        ref = f"A{top}:XFD{bottom}"
    if top is None or bottom is None:
        return [
            f"{get_column_letter(lo)}:{get_column_letter(hi)}"
            for lo, hi in column_spans(first, last, cols)
        ]
    return without_columns(CellRange(ref), cols)


def _cut_ext_validation(root: etree._Element, cols: set[int]) -> None:
    """The columns ``cols`` (edi_xl's dropdowns') cut out of the sheet's Excel 2010
    validation rules (``x14:dataValidation``: what Excel writes for a list read from another
    sheet), as :func:`edi_xl.master.validation.apply_dropdowns` cuts them out of the others:
    two rules on one cell would fight, and the trust's would win in places."""
    for place in list(root.iter(f"{{{XM_NS}}}sqref")):
        rule = place.getparent()
        if rule is None or etree.QName(rule).localname != "dataValidation":
            continue
        kept = [piece for ref in (place.text or "").split() for piece in _cut(ref, cols)]
        group = rule.getparent()
        if kept:
            place.text = " ".join(kept)
        elif group is not None:
            group.remove(rule)
            if len(group) == 0 and group.getparent() is not None:
                ext = group.getparent()
                ext.remove(group)
                if len(ext) == 0 and ext.getparent() is not None:
                    ext.getparent().remove(ext)
            else:
                group.set("count", str(len(group)))


#: The attributes of ``pageSetup`` edi_xl sets, by their place in :class:`Page`.
PAGE_SETUP_ATTRIBUTES = {
    "orientation": "orientation",
    "paper_size": "paperSize",
    "fit_to_width": "fitToWidth",
    "fit_to_height": "fitToHeight",
    "scale": "scale",
}


def _patch_page(root: etree._Element, ws: Worksheet, page: Change[Page]) -> None:
    """The page setup's attributes that changed, set (or removed, back to the default)."""
    setup = _child(root, "pageSetup", SHEET_ORDER)
    for field_name, attr in PAGE_SETUP_ATTRIBUTES.items():
        was, value = getattr(page.before, field_name), getattr(page.after, field_name)
        if was == value:
            continue
        if value is None:
            setup.attrib.pop(attr, None)
        else:
            setup.set(attr, str(int(value)) if not isinstance(value, str) else value)
    if page.after.fit_to_page is not None and page.before.fit_to_page != page.after.fit_to_page:
        pr = _child(root, "sheetPr", SHEET_ORDER)
        fit = pr.find(M + "pageSetUpPr")
        if fit is None:
            fit = etree.SubElement(pr, M + "pageSetUpPr")
            # pageSetUpPr comes after tabColor and outlinePr
            pr.remove(fit)
            pr.append(fit)
        fit.set("fitToPage", "1" if page.after.fit_to_page else "0")
    if root.find(M + "pageMargins") is None:
        _insert_ordered(root, _as_main(ws.page_margins.to_tree()), SHEET_ORDER)


def _patch_print(root: etree._Element, ws: Worksheet, edits: SheetEdits) -> None:
    if edits.page is not None:
        _patch_page(root, ws, edits.page)
    if edits.footer is not None:
        hf = _child(root, "headerFooter", SHEET_ORDER)
        model = _as_main(ws.HeaderFooter.to_tree())
        for tag in ("oddFooter", "evenFooter"):
            old = hf.find(M + tag)
            new = model.find(M + tag)
            if old is not None:
                hf.remove(old)
            if new is not None:
                _insert_ordered(
                    hf, new, ["oddHeader", "oddFooter", "evenHeader", "evenFooter",
                              "firstHeader", "firstFooter"],
                )  # fmt: skip
        for attr in ("differentOddEven", "differentFirst"):
            if model.get(attr) is not None and hf.get(attr) is None:
                hf.set(attr, model.get(attr, ""))
    if edits.freeze is not None and edits.freeze.after:
        views = _child(root, "sheetViews", SHEET_ORDER)
        new_view = _as_main(ws.sheet_view.to_tree())
        old_view = views.find(M + "sheetView")
        if old_view is not None:
            views.replace(old_view, new_view)
        else:
            views.append(new_view)
    if edits.filter_ref is not None:
        flt = root.find(M + "autoFilter")
        if edits.filter_ref.after:
            if flt is None:
                flt = etree.Element(M + "autoFilter")
                _insert_ordered(root, flt, SHEET_ORDER)
            flt.set("ref", edits.filter_ref.after)
        elif flt is not None:
            root.remove(flt)


def _patch_merged_and_breaks(root: etree._Element, ws: Worksheet, edits: SheetEdits) -> None:
    """Merged cells and row page breaks as the workbook now has them."""
    if edits.merged is not None:
        old = root.find(M + "mergeCells")
        if old is not None:
            root.remove(old)
        if edits.merged.after:
            block = etree.Element(M + "mergeCells")
            for ref in sorted(edits.merged.after):
                etree.SubElement(block, M + "mergeCell").set("ref", ref)
            block.set("count", str(len(block)))
            _insert_ordered(root, block, SHEET_ORDER)
    if edits.row_breaks is not None:
        old = root.find(M + "rowBreaks")
        if old is not None:
            root.remove(old)
        if edits.row_breaks.after:
            _insert_ordered(root, _as_main(ws.row_breaks.to_tree()), SHEET_ORDER)


def _patch_cells(sheet: SheetXml, edits: SheetEdits, styles: StyleMap, wb: Any) -> set[int]:
    """The cells written, restyled and cleared; the rows the file did not have are made
    with their heights: the rows whose heights are set (the others are set by the caller)."""
    new_rows: dict[int, list[tuple[int, Any]]] = {}  # rows the file does not have yet
    had = set(sheet.rows)
    ws = wb[edits.title]
    copied = _looks_in_file(sheet, edits.looks)  # (read before any cell is written)
    # shared formulas whose definition was written over: each cell's formula, from it
    unshared: dict[str, Callable[[int, int], Any]] = {}
    for key, e in edits.cells.items():
        if key[0] not in had:
            new_rows.setdefault(key[0], []).append((key[1], e))
            continue
        file_xf = copied.get(key)
        if not e.value_changed:  # only its look
            if file_xf is None and not e.style_changed:
                continue  # (the look of a cell the file gives no style: it has it)
            c = sheet.cell(*key)
            assert c is not None
            if file_xf is not None:
                c.set("s", str(file_xf))
            else:
                c.set("s", str(styles.xf(e.style))) if e.style else c.attrib.pop("s", None)
            continue
        # a cleared cell the file does not have stays absent
        c = sheet.cell(*key, create=e.value is not None or e.style_changed)
        if c is not None:
            anchor = _shared_anchor(c)
            # (a formula a column inserted moved, and nothing wrote over since)
            moved = e.data_type == "f" and moved_formula(ws, *key) == e.value
            xf = file_xf if file_xf is not None else styles.xf(e.style) if e.style_changed else None
            _set_cell(c, e.value, e.data_type, xf, wb, moved=moved)
            if anchor is not None and _shared_anchor(c) is None:
                group, text = anchor
                unshared[group] = _moved_from(c.get("r", ""), text)
    if unshared:
        _unshare(sheet.root, unshared)
    for r in edits.heights:  # a new row's height goes in with it
        if r not in had:
            new_rows.setdefault(r, [])
    if not new_rows:
        return set()
    return _add_rows(sheet, new_rows, edits.heights, styles, wb.epoch, copied)


def _looks_in_file(sheet: SheetXml, looks: dict[CellKey, CellKey]) -> dict[CellKey, int]:
    """Cell -> the ``<xf>`` (its ``cellXfs`` index) the file gives the cell whose look it was
    given (``SheetEdits.looks``: :func:`~edi_xl.master.edits.copy_look`), where that is not
    the default: what the file's ``<xf>`` holds that openpyxl does not (an Excel 2024 cell
    checkbox, a named style) goes to the new cell with it, where openpyxl's look of it,
    written as a new ``<xf>`` (:class:`StyleMap`), would lose it (helper-113: the imported
    rows of a column of checkboxes had none)."""
    found: dict[CellKey, int] = {}
    for key, source in looks.items():
        c = sheet.cell(*source, create=False)
        xf = c.get("s") if c is not None else None
        if xf and xf.isdigit() and int(xf):
            found[key] = int(xf)
    return found


def _add_rows(
    sheet: SheetXml, new_rows: dict[int, list[tuple[int, Any]]],
    heights: dict[int, float | None], styles: StyleMap, epoch: Any,
    copied: dict[CellKey, int] | None = None,
) -> set[int]:  # fmt: skip
    """Rows the sheet does not have, made whole from their edits (cells in column order) and
    ``heights``, written as text (:meth:`SheetXml.add_rows_xml`): a merge adds thousands of
    Change Log lines. ``copied``: cells given the ``<xf>`` the file has for another cell
    (:func:`_looks_in_file`). The rows made whose heights are in ``heights``."""
    made = _rows_xml(new_rows, heights, styles, epoch, copied)
    sheet.max_row, sheet.max_col = (
        max(sheet.max_row, made.max_row),
        max(sheet.max_col, made.max_col),
    )
    sheet.add_rows_xml(made.text, made.numbers)
    return set(made.numbers) & set(heights)


class _Rows(NamedTuple):
    """Rows made as text (:func:`_rows_xml`): ``<row>`` elements, unprefixed; their numbers
    in order; the last row and column of theirs holding a cell (0: none)."""

    text: str
    numbers: list[int]
    max_row: int
    max_col: int


def _rows_xml(
    new_rows: dict[int, list[tuple[int, Any]]], heights: dict[int, float | None],
    styles: StyleMap, epoch: Any, copied: dict[CellKey, int] | None = None,
) -> _Rows:  # fmt: skip
    """The rows :func:`_add_rows` makes, as text, from their edits (cells in column order)
    and ``heights``; ``copied``: cells given the ``<xf>`` the file has for another cell
    (:func:`_looks_in_file`), with it."""
    max_row = max_col = 0
    out = []
    numbers = []
    letters: dict[int, str] = {}  # a column's letters, worked out once (a merge adds 40,000 cells)
    # a cell's text after its reference, by kind, value, type and style: worked out once for
    # each (a Change Log line's time, action, field and file repeat on many lines)
    rests: dict[tuple[Any, ...], str] = {}
    copied = copied or {}
    for r in sorted(new_rows):
        # (in column order: a row's columns differ, so its edits are never compared)
        cells = sorted(
            ce
            for ce in new_rows[r]
            if ce[1].value is not None or ce[1].style_changed or (r, ce[0]) in copied
        )
        if not cells and r not in heights:
            continue  # only cleared cells the file never had
        height = heights.get(r)
        if height is None:
            out.append(f'<row r="{r}">')
        else:
            out.append(f'<row r="{r}" ht="{height}" customHeight="1">')
        for col, e in cells:
            value: Any = e.value if e.value_changed else None  # else: only its look
            kind = type(value)
            file_xf = copied.get((r, col))
            if _written_alike(value):
                key = (kind, value, e.data_type, e.style if e.style_changed else None, file_xf)
                rest = rests.get(key)
                if rest is None:
                    style = file_xf or (styles.xf(e.style) if e.style_changed else None)
                    rest = rests[key] = _cell_xml_rest(value, e.data_type, style, epoch)
            else:
                style = file_xf or (styles.xf(e.style) if e.style_changed else None)
                rest = _cell_xml_rest(value, e.data_type, style, epoch)
            name = letters.get(col) or letters.setdefault(col, get_column_letter(col))
            out.append(f'<c r="{name}{r}"{rest}')
        out.append("</row>")
        numbers.append(r)
        if cells:
            max_row, max_col = max(max_row, r), max(max_col, cells[-1][0])
    return _Rows("".join(out), numbers, max_row, max_col)


def _lines_xml(
    lines: Sequence[NewLine], heights: dict[int, float | None], styles: StyleMap, epoch: Any
) -> _Rows:
    """The rows of ``lines`` (kept as values: :func:`~edi_xl.master.loading.add_new_lines`)
    as text, and ``heights``': what :func:`_rows_xml` writes for the same cells made and
    found among the edits, without them (a merge adds 40,000 cells to the Change Log). A
    cell's text after its reference is worked out once per cell kept (the lines share them:
    every line's time, a field's name, a file's, a status), by its identity, which the
    lines keep alive: a cell of the same value and look that is another object is worked
    out again, never mistaken for it (0.0 and -0.0 are equal)."""
    max_row = max_col = 0
    out: list[str] = []
    numbers = []
    starts: list[str] = []  # '<c r="B', by column (0-based)
    xfs: dict[int, int | None] = {}  # a look's style in the file, by the look's identity
    rests: dict[int, str] = {}  # by the cell's identity: '"' and the rest; "": not written
    for r, line in lines:
        number = str(r)
        height = heights.get(r)
        at = len(out)
        out.append("")  # (the row's start tag, once it is known to be written)
        last = 0
        for col, cell in enumerate(line):
            rest = rests.get(id(cell))
            if rest is None:
                value, data_type, look = cell
                xf = xfs.get(id(look), -1) if look is not None else None
                if xf == -1 and look is not None:
                    xf = xfs[id(look)] = styles.xf(tuple(look)) if any(look) else None
                written = value is not None or xf is not None
                rest = rests[id(cell)] = (
                    '"' + _cell_xml_rest(value, data_type, xf, epoch) if written else ""
                )
            if rest:
                while len(starts) <= col:
                    starts.append(f'<c r="{get_column_letter(len(starts) + 1)}')
                out += (starts[col], number, rest)
                last = col + 1
        if not last and r not in heights:
            del out[at:]
            continue
        if height is None:
            out[at] = f'<row r="{number}">'
        else:
            out[at] = f'<row r="{number}" ht="{height}" customHeight="1">'
        out.append("</row>")
        numbers.append(r)
        if last:
            max_row, max_col = max(max_row, r), max(max_col, last)
    return _Rows("".join(out), numbers, max_row, max_col)


def _with_lines(edits: SheetEdits, lines: Sequence[NewLine]) -> SheetEdits:
    """``edits`` with the cells of ``lines`` (:func:`~edi_xl.master.loading.add_new_lines`)
    written, as the edits found if they had been made cells (for :func:`patch_sheet`, when
    :func:`_append_in_place` cannot put them in)."""
    if not lines:
        return edits
    cells = dict(edits.cells)
    for r, line in lines:
        for col, (value, data_type, look) in enumerate(line, 1):
            style = tuple(look) if look is not None and any(look) else None
            if value is not None or style is not None:
                cells[r, col] = CellEdit(value, data_type, style, value is not None,
                                         style is not None, None)  # fmt: skip
    return replace(edits, _cells=cells)


#: In a sheet part's text: a row's start tag and its number; the dimension's range; the
#: filter's range.
_ROW_NUMBER = re.compile(rb'<row\b[^>]*?[ \t\r\n]r="([0-9]+)"')
_DIMENSION_REF = re.compile(rb'(<dimension\b[^>]*?[ \t\r\n]ref=")([^"]*)"')
_FILTER_REF = re.compile(rb'(<autoFilter\b[^>]*?[ \t\r\n]ref=")([^"]*)"')


def _append_in_place(
    pkg: Package, part: str, edits: SheetEdits, styles: StyleMap, epoch: Any,
    lines: Sequence[NewLine] = (),
) -> bool:  # fmt: skip
    """Apply ``edits`` to the sheet ``part`` without parsing it, when all they do is add rows
    below its last row (with their heights) and stretch its filter over them: the new rows'
    text put in at the end of its ``sheetData``, its dimension's and filter's ranges set in
    its text. So a Change Log of a year (ten megabytes of XML, many times that as a parsed
    tree) is not parsed and written out again for the lines a command adds at its end.
    ``lines``: the lines added below the rows of ``edits`` and not made cells
    (:func:`~edi_xl.master.loading.add_new_lines`; their heights are among ``edits``'), put
    in after them (:func:`_lines_xml`).

    False, with nothing done, for any other edit, and for a part whose text is not plain
    enough to be sure of: not the scanner's plain ``sheetData`` (:func:`~edi_xl.master.
    loading.plain_namespaces`), the main namespace under a prefix too, a namespace declared
    among the rows, a comment, CDATA, DOCTYPE or processing instruction anywhere, a last row
    (the last in the text, which Excel requires to be the last in number) with no number, a
    dimension or filter written in another form, custom views (which have filters of their
    own). :func:`patch_sheet` then applies the edits."""
    if (
        edits.inserted or edits.widths or edits.cf_added or edits.cf_removed or edits.dv_added
        or edits.dv_removed or edits.page or edits.footer or edits.freeze or edits.merged
        or edits.row_breaks or edits.table_rows or edits.looks
    ):  # fmt: skip
        return False
    flt = edits.filter_ref
    if flt is not None and not (flt.before and flt.after):
        return False
    data = pkg.parts.get(part)
    if data is None or b"<!" in data:
        return False
    declared = data.find(b"?>") + 2 if data.startswith(b"<?xml") else 0
    if data.find(b"<?", declared) >= 0:
        return False
    found = find_sheet_data(data)
    if found is None or not found.rows or b"xmlns" in found.rows:
        return False
    namespaces = plain_namespaces(data, found)
    if namespaces is None or any(p and uri == MAIN_NS for p, uri in namespaces[0].items()):
        return False
    last_tag = found.rows.rfind(b"<row")
    last = _ROW_NUMBER.match(found.rows, last_tag) if last_tag >= 0 else None
    if last is None:
        return False
    last_row = int(last.group(1))
    if any(r <= last_row for r, _ in edits.cells) or any(r <= last_row for r in edits.heights):
        return False
    kept = {r for r, _ in lines}
    if kept:  # (each line below the file's rows, and below every other row the edits add)
        first = min(kept)
        if first <= last_row or any(r >= first for r, _ in edits.cells):
            return False
        if any(r >= first and r not in kept for r in edits.heights):
            return False
    head, tail = data[: found.start], data[found.end :]
    dim = _DIMENSION_REF.search(head)
    if dim is None and b"<dimension" in head:
        return False
    if flt is not None:
        own = tail.split(b"<extLst", 1)[0]  # (an extension may hold a filter of its own)
        ref = _FILTER_REF.search(own)
        was, now = (flt.before or "").encode(), (flt.after or "").encode()
        if b"customSheetView" in tail or ref is None or ref.group(2) != was:
            return False
        tail = tail[: ref.start(2)] + now + tail[ref.end(2) :]
    new_rows: dict[int, list[tuple[int, Any]]] = {r: [] for r in edits.heights if r not in kept}
    for (r, col), e in edits.cells.items():
        new_rows.setdefault(r, []).append((col, e))
    made = _rows_xml(new_rows, edits.heights, styles, epoch)
    if lines:
        more = _lines_xml(lines, edits.heights, styles, epoch)
        made = _Rows(
            made.text + more.text,
            made.numbers + more.numbers,
            max(made.max_row, more.max_row),
            max(made.max_col, more.max_col),
        )
    added = _xml_bytes(made.text)
    if added is None:
        return False
    if dim is not None and made.max_row:
        ref_text = dim.group(2).decode("utf-8", "replace")
        stretched = _stretched(ref_text, made.max_row, made.max_col)
        if stretched is not None:
            head = head[: dim.start(2)] + stretched.encode() + head[dim.end(2) :]
    rows_end = found.rows_start + len(found.rows)
    parts = (head, data[found.start : rows_end], added, data[rows_end : found.end], tail)
    pkg.put(part, b"".join(parts))
    return True


def patch_sheet(pkg: Package, part: str, ws: Worksheet, edits: SheetEdits,
                styles: StyleMap) -> None:  # fmt: skip
    """Apply ``edits`` (what changed on ``ws``) to the sheet's part."""
    root = pkg.xml(part)
    give_references(root)
    cells = None
    # (found once: a column inserted moves them, and adds or takes none)
    found = formulas_and_anchors(root) if edits.inserted else FormulasAndAnchors([], [])
    headers: list[tuple[int, int, str]] = []  # (a table's new column named in its header cell)
    for i, col in enumerate(edits.inserted):
        headers = [(r, c + (c >= col), name) for r, c, name in headers]  # (moved by this one)
        cells = _shift_sheet_xml(
            pkg,
            part,
            root,
            col,
            lambda r, c: value_at(ws, r, c),
            ws.title,
            found,
            headers,
            edits.widths.get(_where_it_ends(col, edits.inserted[i + 1 :])),
        )
    if edits.inserted and (across := _shared_across_columns(root, found.formulas)):
        # (each cell's formula as openpyxl read it, moved along with the columns inserted)
        _unshare(root, dict.fromkeys(across, lambda r, c: value_at(ws, r, c)))
    if edits.table_columns:
        _patch_table_columns(pkg, part, edits.table_columns, lambda r, c: value_at(ws, r, c),
                             headers)  # fmt: skip
    sheet = SheetXml(root, cells)
    for r, c, name in headers:
        cell = sheet.cell(r, c)
        if cell is not None:
            _set_cell(cell, name, "s", None, ws.parent)
    made = _patch_cells(sheet, edits, styles, ws.parent)
    for idx, width in edits.widths.items():
        _set_width(root, idx, width)
    for r, height in edits.heights.items():
        if r in made:  # a new row, made with its height
            continue
        row = sheet.row(r)
        if height is None:
            row.attrib.pop("ht", None)
            row.attrib.pop("customHeight", None)
        else:
            row.set("ht", str(height))
            row.set("customHeight", "1")
    _patch_conditional(root, edits, styles)
    _patch_validation(root, edits)
    _patch_print(root, ws, edits)
    _patch_merged_and_breaks(root, ws, edits)
    if edits.table_rows:
        _patch_table_rows(pkg, part, edits.table_rows)
    _update_dimension(root, sheet)
    pkg.put(part, sheet.to_bytes())


def _where_it_ends(col: int, later: list[int]) -> int:
    """Where a column inserted before ``col`` is once the columns inserted after it
    (``later``, each before the column it names) have gone in: the column its width is set
    under (``SheetEdits.widths``, as the sheet is in the end)."""
    for other in later:
        col += col >= other
    return col


def _patch_table_rows(pkg: Package, part: str, rows: dict[str, tuple[int, int]]) -> None:
    """The Excel tables of the sheet ``part`` named in ``rows`` span those rows now (their
    columns as the file has them), and so do their filters."""
    for rel, target in pkg.linked(part):
        if not rel.type.endswith("/table") or target not in pkg.parts:
            continue
        doc = pkg.xml(target)
        new = rows.get(doc.get("displayName", "")) or rows.get(doc.get("name", ""))
        if new is None or not doc.get("ref"):
            continue
        for el in (doc, doc.find(f"{M}autoFilter")):
            if el is not None and el.get("ref"):
                last = new[1] - int(doc.get("totalsRowCount", "0") or 0) * (el is not doc)
                el.set("ref", with_rows(el.get("ref", ""), new[0], last))
        pkg.put_xml(target, doc)


def _patch_table_columns(
    pkg: Package,
    part: str,
    columns: dict[str, tuple[int, int]],
    header: Callable[[int, int], Any],
    headers: list[tuple[int, int, str]],
) -> None:
    """The Excel tables of the sheet ``part`` named in ``columns`` span those columns now: the
    plan's table takes the round's column beside its last one (``master.plan.round_column``),
    as Excel's table takes a column typed right of it. Each column it gains is named by its
    header cell (``header(row, column)``, after the command) and its filter grows with it; an
    empty header cell is named as Excel names it, and (row, column, name) of it goes in
    ``headers`` to be written (:func:`_table_column_inserted`). Only a table growing on its
    right is done so: the command makes no other change to a table's columns."""
    for rel, target in pkg.linked(part):
        if not rel.type.endswith("/table") or target not in pkg.parts:
            continue
        doc = pkg.xml(target)
        new = columns.get(doc.get("displayName", "")) or columns.get(doc.get("name", ""))
        listed = doc.find(f"{M}tableColumns")
        if new is None or not doc.get("ref") or listed is None:
            continue
        bounds = CellRange(doc.get("ref", ""))
        if new[0] != bounds.min_col or new[1] <= bounds.max_col:
            continue
        has_header = doc.get("headerRowCount") != "0"
        existing = list(listed.iterfind(f"{M}tableColumn"))
        was = _column_ids(doc)
        ids = [int(el.get("id", "0")) for el in existing]
        for col in range(bounds.max_col + 1, new[1] + 1):
            text = header(bounds.min_row, col) if has_header else None
            name = table_column_name(text, (str(el.get("name", "")) for el in listed))
            ids.append(max(ids, default=0) + 1)
            etree.SubElement(listed, f"{M}tableColumn", id=str(ids[-1]), name=name)
            if has_header and text in (None, ""):
                headers.append((bounds.min_row, col, name))
        listed.set("count", str(len(ids)))
        _query_table_columns_added(pkg, target, doc, was)
        for el in (doc, doc.find(f"{M}autoFilter")):
            if el is not None and el.get("ref"):
                lo_col, lo_row, _, hi_row = range_boundaries(el.get("ref", ""))
                el.set("ref", CellRange(min_col=lo_col, min_row=lo_row, max_col=new[1],
                                        max_row=hi_row).coord)  # fmt: skip
        pkg.put_xml(target, doc)


def _update_dimension(root: etree._Element, sheet: SheetXml) -> None:
    dim = root.find(M + "dimension")
    if dim is None or not sheet.max_row:
        return
    ref = _stretched(dim.get("ref", "A1"), sheet.max_row, sheet.max_col)
    if ref is not None:
        dim.set("ref", ref)


def _stretched(ref: str, max_row: int, max_col: int) -> str | None:
    """The dimension's range ``ref`` stretched to a last row and column holding a cell; None
    when ``ref`` is not a range."""
    try:
        rng = CellRange(ref if ":" in ref else f"{ref}:{ref}")
    except ValueError:
        return None
    max_row, max_col = max(rng.max_row, max_row), max(rng.max_col, max_col)
    return f"{get_column_letter(rng.min_col)}{rng.min_row}:{get_column_letter(max_col)}{max_row}"


# --- whole sheets edi_xl writes ------------------------------------------------------------------


def _workbook_part(pkg: Package) -> str:
    for rel in pkg.rels(""):
        if rel.type.endswith("/officeDocument"):
            return resolve("", rel.target)
    return "xl/workbook.xml"


def _sheet_parts(pkg: Package, workbook: str) -> dict[str, tuple[str, str]]:
    """Sheet name -> (relationship id, part name) of every sheet in ``workbook``."""
    targets = {rel.id: resolve(workbook, rel.target) for rel in pkg.rels(workbook)}
    out: dict[str, tuple[str, str]] = {}
    for sheet in pkg.xml(workbook).iterfind(f"{M}sheets/{M}sheet"):
        rid = sheet.get(f"{{{R_NS}}}id", "")
        out[sheet.get("name", "")] = (rid, targets.get(rid, ""))
    return out


def _inline_strings(root: etree._Element, strings: list[etree._Element]) -> None:
    for c in root.iter(f"{M}c"):
        if c.get("t") != "s":
            continue
        v = c.find(M + "v")
        index = int(v.text) if v is not None and v.text else -1
        c.remove(v) if v is not None else None
        c.set("t", "inlineStr")
        inline = etree.SubElement(c, M + "is")
        if 0 <= index < len(strings):
            for child in strings[index]:
                inline.append(_copy_element(child))
            for t in inline.iter(M + "t"):  # (openpyxl writes them as they are)
                if t.text and "_x" in t.text:
                    t.text = escaped_text(t.text)


def _restyle(root: etree._Element, made: _Made, styles: StyleMap) -> None:
    """Point a sheet openpyxl wrote at the package's styles (its ``s`` and ``dxfId`` were
    indices into the styles openpyxl wrote with it)."""
    for tag, attr in (("c", "s"), ("row", "s"), ("col", "style")):
        for el in root.iter(M + tag):
            value = el.get(attr)
            if value is not None:
                el.set(attr, str(styles.xf(made.cell_styles[int(value)])))
    for rule in root.iter(M + "cfRule"):
        value = rule.get("dxfId")
        if value is not None:
            rule.set("dxfId", str(styles.dxf_xml(made.dxfs[int(value)])))


def _copy_linked(
    src: Package, dst: Package, part: str, content: dict[str, str], added: dict[str, str]
) -> list[Rel]:
    """Copy the parts ``part`` links to from ``src`` into ``dst`` under free names; the
    relationships of ``part`` rewritten to point at the copies."""
    rels = []
    for rel in src.rels(part):
        if rel.external:
            rels.append(rel)
            continue
        target = resolve(part, rel.target)
        if target not in added:
            new_name = dst.free_name(target)
            added[target] = new_name
            dst.put(new_name, src.parts[target])
            ctype = content.get(target)
            if ctype:
                content[new_name] = ctype
            sub = _copy_linked(src, dst, target, content, added)
            dst.write_rels(new_name, sub)
        rels.append(Rel(rel.id, rel.type, "/" + added[target], False))
    return rels


@dataclass
class _Made:
    """Sheets written by openpyxl on their own, with the styles their indices point at."""

    package: Package
    cell_styles: list[tuple[int, ...]]  # a cell's ``s`` -> its openpyxl style array
    dxfs: list[bytes]  # a rule's ``dxfId`` -> the differential style, as openpyxl writes it
    no_cells: set[str]  # sheets written without their cells (:func:`_sheet_rows` writes them)


def _openpyxl_package(wb: Workbook, sheets: list[Worksheet]) -> _Made:
    """``sheets`` of ``wb`` written by openpyxl on their own (the rest left out); of those
    whose cells :func:`_sheet_rows` can write (:func:`_plain_cells`), all but the cells, and
    but the rows' settings (heights) too where it can write those (:func:`_plain_rows`).

    openpyxl numbers the cell styles and the conditional formats' styles as it writes, in
    the workbook (``_cell_styles``, ``_differential_styles``): they are read back here. The
    conditional formats' styles are numbered in a list of their own, found by identity
    (:class:`_DxfsByIdentity`): the workbook's is left as it was."""
    all_sheets, active = wb._sheets, wb._active_sheet_index
    dxfs, links = wb._differential_styles, wb._external_links
    cells = {ws.title: ws._cells for ws in sheets if _plain_cells(ws)}
    rows = {
        ws.title: dict(ws.row_dimensions) for ws in sheets if ws.title in cells and _plain_rows(ws)
    }
    made_dxfs = _DxfsByIdentity()
    try:
        wb._sheets = list(sheets)
        wb._active_sheet_index = 0
        wb._differential_styles = made_dxfs
        # (the links' parts are the file's, kept as they are: a link to no file, a DDE
        # link, has no file openpyxl could write)
        wb._external_links = []
        for ws in sheets:
            if ws.title in cells:
                ws._cells = {}
            if ws.title in rows:
                ws.row_dimensions.clear()
        out = BytesIO()
        _save_stored(wb, out)
    finally:
        wb._sheets, wb._active_sheet_index = all_sheets, active
        wb._differential_styles, wb._external_links = dxfs, links
        for ws in sheets:
            if ws.title in cells:
                ws._cells = cells[ws.title]
            if ws.title in rows:
                ws.row_dimensions.clear()  # (as it was, in its order)
                ws.row_dimensions.update(rows[ws.title])
    return _Made(
        Package.read(out.getvalue()),
        [tuple(style) for style in wb._cell_styles],
        [openpyxl_tostring(d.to_tree()) for d in made_dxfs.styles],
        set(cells),
    )


def _save_stored(wb: Workbook, out: BytesIO) -> None:
    """``wb.save(out)``, but its parts stored in the zip, not deflated: :func:`_openpyxl_package`
    reads them straight back, and the package they go into deflates them as it writes them
    (deflating them here, and inflating them again, was about 1.5% of a refresh's time)."""
    if wb.read_only:  # (what Workbook.save and openpyxl's save_workbook do, but the zip's way)
        raise TypeError("Workbook is read-only")
    if wb.write_only and not wb.worksheets:
        wb.create_sheet()
    archive = zipfile.ZipFile(out, "w", zipfile.ZIP_STORED, allowZip64=True)
    wb.properties.modified = datetime.now(tz=UTC).replace(tzinfo=None)
    ExcelWriter(wb, archive).save()  # (closes the archive)


class _DxfsByIdentity(DifferentialStyleList):
    """openpyxl's list of differential styles (the conditional formats' looks), each style
    found by identity where openpyxl compares it with every one before it, attribute by
    attribute, twice (9 ms for the Summary's 33 rules, in a master with 28 of its own). Two
    equal styles may then be numbered apart in the sheets :func:`_openpyxl_package` writes:
    :func:`_restyle` points each rule at the package's style of the same XML, the same index
    for both."""

    def add(self, dxf: DifferentialStyle) -> int:
        for i, known in enumerate(self.styles):
            if known is dxf:
                return i
        self.styles.append(dxf)
        return len(self.styles) - 1


def _plain_cells(ws: Worksheet) -> bool:
    """Whether :func:`_sheet_rows` can write every cell of ``ws``: no note, link, rich text,
    array or data-table formula, or date with a time zone (openpyxl writes those itself)."""
    if ws.parent.iso_dates:
        return False
    for cell in ws._cells.values():
        link = cell._hyperlink if type(cell) is Cell else cell.hyperlink  # (no property call)
        if cell._comment is not None or link is not None:
            return False
        value, kind = cell._value, cell.data_type
        if value is None:
            continue
        if kind in ("f", "s") and not isinstance(value, str):
            return False
        if kind == "d" and getattr(value, "tzinfo", None) is not None:
            return False
    return True


def _plain_rows(ws: Worksheet) -> bool:
    """Whether :func:`_sheet_rows` can write the settings of every row of ``ws`` (its height,
    hidden, outline...): no row has a style (openpyxl numbers a row's style as it writes),
    and the workbook's first style is no style (else openpyxl writes the number of "no
    style" for every row)."""
    first = ws.parent._cell_styles[0] if ws.parent._cell_styles else None
    return (
        first is not None
        and not any(first)
        and not any(dim.has_style for dim in ws.row_dimensions.values())
    )


#: The settings of a row without a style, in the order openpyxl writes them (its
#: ``RowDimension.__fields__`` but ``customFormat`` and ``s``, the style's).
_ROW_SETTINGS = (
    "hidden",
    "outlineLevel",
    "collapsed",
    "ht",
    "customHeight",
    "thickBot",
    "thickTop",
)


def _row_settings(ws: Worksheet) -> dict[int, str]:
    """The attributes of each row of ``ws`` with settings (``row_dimensions``: none has a
    style, :func:`_plain_rows`) as openpyxl writes them, but its ``r``; worked out once for
    each set of settings (a Summary's 1,300 rows have two or three)."""
    made: dict[tuple[Any, ...], str] = {}
    out = {}
    for r, dim in ws.row_dimensions.items():
        key = (dim.hidden, dim.outlineLevel, dim.collapsed, dim.ht, dim.thickBot, dim.thickTop)
        text = made.get(key)
        if text is None:
            text = made[key] = "".join(
                f' {name}="{_attr(safe_string(value))}"'
                for name in _ROW_SETTINGS
                if (value := getattr(dim, name, None))
            )
        out[r] = text
    return out


def _attr(value: str) -> str:
    """An attribute's value as XML text (quoted with "): :func:`_text`'s, with quotes, line
    feeds and tabs as references (an attribute's white space is read back as spaces)."""
    value = _text(value)
    for char, reference in _ATTR_ENTITIES.items():
        if char in value:
            value = value.replace(char, reference)
    return value


def _cell_tail(value: Any, kind: str, xf: int | None, epoch: Any) -> str:
    """What follows a ``<c>``'s reference in the text :func:`_sheet_rows` writes for a cell
    holding ``value`` (as openpyxl holds it, with its ``data_type`` ``kind``) in cell style
    ``xf`` (None: no style), as openpyxl's writer writes it."""
    attrs = f' s="{xf}"' if xf is not None else ""
    if kind == "s":
        attrs += ' t="inlineStr"'
    elif kind == "d":
        attrs += ' t="n"'
        value = to_excel(value, epoch)
    elif kind != "f":
        attrs += f' t="{kind}"'
    if value is None or value == "":
        return f"{attrs}/>"
    if kind == "f":
        return f"{attrs}><f>{_text(value[1:])}</f><v/></c>"
    if kind == "s":
        space = ' xml:space="preserve"' if value != value.strip() else ""
        return f"{attrs}><is><t{space}>{_string(value)}</t></is></c>"
    return f"{attrs}><v>{_text(safe_string(value))}</v></c>"


def _sheet_rows(ws: Worksheet, rows: etree._Element, styles: StyleMap) -> tuple[str, bool]:
    """The rows of the ``<sheetData>`` of ``ws`` as XML text: its cells as openpyxl writes
    them (strings inline), styled with the package's own styles, in the rows openpyxl wrote
    for it without cells (``rows``, their heights and looks), or, when it wrote none, with
    the rows' settings as it writes them (:func:`_row_settings`: :func:`_openpyxl_package`
    leaves them out where it can); and whether every row's look has only plain attribute
    names (one in a namespace cannot be written as text here).

    A cell's text after its reference is worked out once for each value, type and style (a
    Summary's kinds, owners, dates and counts recur thousands of times), for the types whose
    equal values are written alike (:func:`_written_alike`, here written out; not a float:
    0.0 and -0.0). The cells come in order of row and column: each row is written as its
    cells come, the rows with a look and no cell between them (a Summary's 19,000 cells went
    through a dictionary of rows first, about a sixth of the time)."""
    epoch = ws.parent.epoch
    xf = styles.xf
    xfs: dict[bytes, int | None] = {}  # a style array's bytes -> its xf (None: no style)
    tails: dict[tuple[Any, ...], str] = {}
    starts: dict[int, str] = {}  # a column -> its cells' text up to the row number
    alike = _SAME_WHEN_EQUAL
    written = {int(row.get("r", "0")): row for row in rows.iterfind(M + "row")}
    plain = all(not key.startswith("{") for row in written.values() for key in row.attrib)
    looks = (
        {
            r: " ".join(f'{k}="{_attr(v)}"' for k, v in row.attrib.items())
            for r, row in written.items()
        }
        if written
        else {r: f'r="{r}"{settings}' for r, settings in _row_settings(ws).items()}
    )
    looked = sorted(looks)  # (the rows with a look, each written once, in order)
    at = 0  # the first of them not written yet
    out: list[str] = []
    append = out.append
    row = 0  # the row being written (0: none yet)
    number = ""  # its number as a cell's reference ends
    cells = ws._cells
    for key in sorted(cells):  # (sorting the keys alone: much less to compare)
        cell = cells[key]
        style = cell._style
        if style is None:
            s = None
        else:
            look = style.tobytes()
            s = xfs.get(look, -1)
            if s == -1:
                s = xfs[look] = xf(tuple(style)) if any(style) else None
        value = cell._value
        if value is None and s is None:
            continue
        kind = cell.data_type
        vtype = type(value)
        if kind != "f" and vtype in alike and (vtype is not datetime or value.tzinfo is None):
            tail_key = (value, s, kind, vtype)
            tail = tails.get(tail_key)
            if tail is None:
                tail = tails[tail_key] = _cell_tail(value, kind, s, epoch)
        else:  # (formulas: each its own)
            tail = _cell_tail(value, kind, s, epoch)
        r, col = key
        if r != row:
            if row:
                append("</row>")
            while at < len(looked) and looked[at] < r:  # (as lxml writes an empty element)
                append(f"<row {looks[looked[at]]}/>")
                at += 1
            if at < len(looked) and looked[at] == r:
                at += 1
            row, number = r, f'{r}"'
            attrs = looks.get(r) or f'r="{r}"'
            append(f"<row {attrs}>")
        start = starts.get(col)
        if start is None:
            start = starts[col] = f'<c r="{get_column_letter(col)}'
        append(f"{start}{number}{tail}")
    if row:
        append("</row>")
    out.extend(f"<row {looks[r]}/>" for r in looked[at:])
    return "".join(out), plain


def _whole_sheet_xml(ws: Worksheet, root: etree._Element, styles: StyleMap) -> bytes:
    """The XML of a sheet openpyxl wrote without its cells (``root``), with them: the rows
    :func:`_sheet_rows` writes spliced in as text where they hold only what XML can (about
    0.05 s less than parsing the rows of a big Summary and writing them out again), else
    parsed into the tree (which refuses what XML cannot hold)."""
    data = root.find(M + "sheetData")
    assert data is not None
    text, plain = _sheet_rows(ws, data, styles)
    dim = root.find(M + "dimension")
    if dim is not None:
        dim.set("ref", ws.calculate_dimension())
    encoded = _xml_bytes(text) if plain and text else None
    if encoded is not None:
        for row in list(data):
            data.remove(row)
        spliced = _serialise_spliced(root, data, encoded)
        if spliced is not None:
            return spliced
    root.replace(data, parse(f'<sheetData xmlns="{MAIN_NS}">{text}</sheetData>'.encode()))
    return serialise(root)


# --- the workbook --------------------------------------------------------------------------------


_CHART_TYPES = ("drawingml.chart+xml", "chartex+xml")
_PIVOT_CACHE_TYPE = "spreadsheetml.pivotCacheDefinition+xml"


def _follow_inserted_column(
    pkg: Package,
    overrides: dict[str, str],
    parts: dict[str, tuple[str, str]],
    skip: set[str],
    sheet: str,
    col: int,
) -> None:
    """What reads ``sheet`` from outside its own part, after an empty column is inserted
    before ``col`` there: every chart's data references (``<c:f>``, ``<cx:f>``,
    ``<c15:sqref>``), every pivot table's source range on it (``<worksheetSource>``), the
    Excel 2010 extensions of the other sheets (sparklines...; not those in ``skip``, written
    whole), and the cells their text boxes and form controls are linked to."""

    def charts(root: etree._Element) -> bool:
        # <c:f>, <cx:f>; and Excel 2013's <c15:sqref>, the full range of a series whose
        # categories or values Chart Filters narrowed (<c15:fullRef>)
        formulas = (
            el
            for el in root.iter()
            if isinstance(el.tag, str) and etree.QName(el).localname in ("f", "sqref")
        )
        return _move_texts(formulas, lambda text: shift_formula(text, sheet, col, None))

    def pivots(root: etree._Element) -> bool:
        changed = False
        for source in root.iter(f"{M}worksheetSource"):
            ref = source.get("ref")
            if ref and str(source.get("sheet", "")).casefold() == sheet.casefold():
                moved = shift_range_text(ref, col)
                changed = changed or moved != ref
                source.set("ref", moved)
        return changed

    def extensions(home: str) -> Callable[[etree._Element], bool]:
        return lambda root: _shift_ext_references(root, sheet, col, home)

    def rules(home: str) -> Callable[[etree._Element], bool]:  # (that read the sheet)
        return lambda root: _shift_rule_formulas(root, sheet, col, home)

    def consolidated(home: str) -> Callable[[etree._Element], bool]:
        return lambda root: _shift_data_refs(root, sheet, col, home)

    edits: list[tuple[str, Callable[[etree._Element], bool]]] = [
        (part, charts) for part, kind in overrides.items() if kind.endswith(_CHART_TYPES)
    ]
    edits += [
        (part, pivots) for part, kind in overrides.items() if kind.endswith(_PIVOT_CACHE_TYPE)
    ]
    edits += [
        (part, extensions(other))
        for other, (_, part) in parts.items()
        if other != sheet and other not in skip and XM_NS.encode() in pkg.parts.get(part, b"")
    ]
    edits += [
        (part, rules(other))
        for other, (_, part) in parts.items()
        if other != sheet
        and other not in skip
        and any(
            tag in pkg.parts.get(part, b"") for tag in (b"conditionalFormatting", b"dataValidation")
        )
    ]
    edits += [  # (Data > Consolidate on another sheet, adding up ranges of this one)
        (part, consolidated(other))
        for other, (_, part) in parts.items()
        if other != sheet and other not in skip and b"dataConsolidate" in pkg.parts.get(part, b"")
    ]
    for part, edit in edits:
        if part in pkg.parts:
            root = pkg.xml(part)
            if edit(root):
                pkg.put_xml(part, root)
    for other, (_, part) in parts.items():  # text boxes and controls linked to its cells
        if other == sheet or other in skip or part not in pkg.parts:
            continue
        for rel, target in pkg.linked(part):
            kind = rel.type.rsplit("/", 1)[-1]
            if target not in pkg.parts or kind not in ("drawing", "ctrlProp", "vmlDrawing"):
                continue
            if not any(mark in pkg.parts[target] for mark in _LINK_MARKS):
                continue  # (no linked cell: not parsed, a Dashboard's charts' drawing)
            if kind == "vmlDrawing":
                text = pkg.parts[target].decode("utf-8", "replace")
                moved = _shift_vml_links(text, sheet, col, other)
                if moved != text:
                    pkg.put(target, moved.encode("utf-8"))
                continue
            root = pkg.xml(target)
            if _shift_cell_links(root, sheet, col, other):
                pkg.put_xml(target, root)


def _content_map(pkg: Package) -> tuple[etree._Element, dict[str, str]]:
    root = pkg.content_types()
    overrides = {
        el.get("PartName", "").lstrip("/"): el.get("ContentType", "")
        for el in root.iterfind(f"{{{CT_NS}}}Override")
    }
    return root, overrides


def _set_overrides(pkg: Package, root: etree._Element, overrides: dict[str, str]) -> None:
    for el in list(root.iterfind(f"{{{CT_NS}}}Override")):
        root.remove(el)
    defaults = {el.get("Extension", "").lower() for el in root.iterfind(f"{{{CT_NS}}}Default")}
    for name, ctype in overrides.items():
        if name in pkg.parts or name not in pkg.removed:  # (one for no part: the file's own)
            el = etree.SubElement(root, f"{{{CT_NS}}}Override")
            el.set("PartName", "/" + name)
            el.set("ContentType", ctype)
    for name in pkg.parts:
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if name not in overrides and ext and ext not in defaults and ext in _DEFAULT_TYPES:
            el = etree.Element(f"{{{CT_NS}}}Default")
            el.set("Extension", ext)
            el.set("ContentType", _DEFAULT_TYPES[ext])
            root.insert(0, el)
            defaults.add(ext)
    pkg.set_content_types(root)


STYLES_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"
STYLES_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
#: The styles part of a workbook that has none: the defaults every reader assumes.
EMPTY_STYLES = (
    f'<styleSheet xmlns="{MAIN_NS}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/>'
    '</font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill>'
    '<patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/>'
    '<right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf '
    'numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="1"><xf '
    'numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs><cellStyles count="1">'
    '<cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
).encode()

_DEFAULT_TYPES = {
    "rels": "application/vnd.openxmlformats-package.relationships+xml",
    "xml": "application/xml",
    "vml": "application/vnd.openxmlformats-officedocument.vmlDrawing",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "jpg": "image/jpeg",
    "emf": "image/x-emf",
    "bin": "application/vnd.openxmlformats-officedocument.spreadsheetml.printerSettings",
}


def _names_element(book: etree._Element) -> etree._Element:
    return _child(book, "definedNames", WORKBOOK_ORDER)


def _set_defined_name(
    book: etree._Element, name: str, value: str | None, local: int | None = None,
    hidden: bool = False,
) -> None:  # fmt: skip
    """Set (or, with ``value`` None, remove) a defined name, keeping its other attributes."""
    names = _names_element(book)
    found = None
    for el in names:
        same_scope = (el.get("localSheetId") is None and local is None) or (
            local is not None and el.get("localSheetId") == str(local)
        )
        if el.get("name", "").lower() == name.lower() and same_scope:
            found = el
            break
    if value is None:
        if found is not None:
            names.remove(found)
    else:
        if found is None:
            found = etree.SubElement(names, M + "definedName")
            found.set("name", name)
            if local is not None:
                found.set("localSheetId", str(local))
            if hidden:
                found.set("hidden", "1")
        found.text = value
    if len(names) == 0:
        book.remove(names)


def _quote_sheet(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def _print_titles_value(title: str, rows: str | None, cols: str | None = None) -> str | None:
    """The Print_Titles name of a sheet: its columns, then its rows, as Excel writes it."""
    parts = []
    if cols:
        first, _, last = cols.replace("$", "").partition(":")
        parts.append(f"{_quote_sheet(title)}!${first}:${last or first}")
    if rows:
        first, _, last = rows.replace("$", "").partition(":")
        parts.append(f"{_quote_sheet(title)}!${first}:${last or first}")
    return ",".join(parts) or None


def apply_edits(package: bytes, wb: Workbook, edits: BookEdits) -> bytes:
    """``package`` (the file ``wb`` was loaded from) with ``edits`` (what the command changed
    in ``wb``, :func:`edi_xl.master.edits.describe`) applied; see the module doc."""
    pkg = _package_of(wb, package)
    workbook = _workbook_part(pkg)
    parts = _sheet_parts(pkg, workbook)
    styles = StyleMap(pkg, wb)
    ct_root, overrides = _content_map(pkg)
    # written whole: sheets the command added, and edi_xl's own sheets it made again (the
    # Summary, the Returns sheet); edi_xl's sheets it only wrote into (the Change Log's new
    # lines, Settings, Lists) are patched like any other, which is much less to write
    whole = set(edits.added) | set(edits.remade)

    # sheets edited in place, with the lines added to them and kept apart from their cells
    # (loading.add_new_lines: the Change Log's; a sheet written whole makes them cells)
    kept = {ws.title: lines for ws in wb.worksheets if (lines := new_lines(ws))}
    for title in kept:
        if title not in whole and title in parts and title not in edits.sheets:
            edits.sheets[title] = SheetEdits(title)
    for title, sheet in edits.sheets.items():
        lines = kept.get(title, []) if title not in whole else []
        if title not in whole and title in parts and (sheet.in_sheet_part or lines):
            part = parts[title][1]
            if not _append_in_place(pkg, part, sheet, styles, wb.epoch, lines):
                patch_sheet(pkg, part, wb[title], _with_lines(sheet, lines), styles)
    # charts, pivot tables and other sheets read a sheet that gained a column: they follow
    # it, as the cells' formulas did (before edi_xl's own sheets are put in whole)
    for title, sheet in edits.sheets.items():
        for col in sheet.inserted:
            _follow_inserted_column(pkg, overrides, parts, whole, title, col)

    book = pkg.xml(workbook)
    book_rels = pkg.rels(workbook)
    sheets_el = book.find(M + "sheets")
    if sheets_el is None:  # (not an assert: python -O would go on with None)
        raise ValueError(f"{workbook} has no sheets in {M[1:-1]}")
    old_order = [el.get("name", "") for el in sheets_el]
    if whole:
        _put_whole_sheets(pkg, wb, [ws for ws in wb.worksheets if ws.title in whole], edits,
                          parts, styles, sheets_el, book_rels, overrides)  # fmt: skip
    # sheets edi_xl removed (only its own)
    for title in edits.removed:
        if title in parts:
            rid, part = parts[title]
            for el in list(sheets_el):
                if el.get("name") == title:
                    sheets_el.remove(el)
            book_rels = [r for r in book_rels if r.id != rid]
            for gone in pkg.reachable(part):
                pkg.remove(gone)
    # shown or hidden (the Lists sheet is hidden), as the workbook now has it
    for el in sheets_el:
        shown = edits.sheets.get(el.get("name", ""))
        if shown is None or shown.state is None:
            continue
        if shown.state.after == "visible":
            el.attrib.pop("state", None)
        else:
            el.set("state", shown.state.after)
    new_order = [el.get("name", "") for el in sheets_el]
    _renumber_local_names(book, old_order, new_order)
    _patch_names(book, wb, edits, whole, new_order)

    # recalculation: no stale chain; Excel works the formulas out on opening
    chain = [r for r in book_rels if r.type == CALC_CHAIN_REL]
    for rel in chain:
        pkg.remove(resolve(workbook, rel.target))
        book_rels.remove(rel)
    calc = _child(book, "calcPr", WORKBOOK_ORDER)
    calc.set("fullCalcOnLoad", "1")
    pkg.put_xml(workbook, book)
    styles.save()
    if styles.missing:
        book_rels.append(Rel(free_rel_id(book_rels), STYLES_REL, "/" + styles.part, False))
        overrides[styles.part] = STYLES_TYPE
    pkg.write_rels(workbook, book_rels)
    _set_overrides(pkg, ct_root, overrides)  # (those of parts no longer there are dropped)
    return pkg.to_bytes()


def _put_whole_sheets(
    pkg: Package, wb: Workbook, whole: list[Worksheet], edits: BookEdits,
    parts: dict[str, tuple[str, str]], styles: StyleMap, sheets_el: etree._Element,
    book_rels: list[Rel], overrides: dict[str, str],
) -> None:  # fmt: skip
    """Write ``whole`` (sheets added or made again) and put them in the package whole: their
    styles added to the package's, their strings inline, what they link to (drawings,
    charts) copied under free names. openpyxl writes each sheet; the cells of a sheet whose
    cells :func:`_sheet_rows` can write are left out of that and written by it (openpyxl's
    cell writing was most of the time of a save: about 0.25 s for the Summary of 5,000
    actions, against 0.04 s)."""
    written = _openpyxl_package(wb, whole)
    made = written.package
    made_book = _workbook_part(made)
    made_parts = _sheet_parts(made, made_book)
    _, made_types = _content_map(made)
    sst_part = next(
        (t for rel, t in made.linked(made_book) if rel.type.endswith("/sharedStrings")), None
    )
    strings = list(made.xml(sst_part)) if sst_part and sst_part in made.parts else []
    for ws in whole:
        _, src_part = made_parts[ws.title]
        root = made.xml(src_part)
        _inline_strings(root, strings)
        _restyle(root, written, styles)
        # written without its cells: they go in now
        xml = _whole_sheet_xml(ws, root, styles) if ws.title in written.no_cells else None
        if ws.title in parts:  # replace edi_xl's sheet, dropping what only it linked to
            part = parts[ws.title][1]
            old_linked = pkg.reachable(part) - {part}
        else:
            part = pkg.free_name("xl/worksheets/sheet1.xml")
            rid = free_rel_id(book_rels)
            book_rels.append(Rel(rid, WORKSHEET_REL, "/" + part, False))
            el = etree.Element(M + "sheet")
            el.set("name", ws.title)
            el.set("sheetId", str(_free_sheet_id(sheets_el)))
            el.set(f"{{{R_NS}}}id", rid)
            if ws.sheet_state != "visible":
                el.set("state", ws.sheet_state)
            _place_sheet(sheets_el, el, ws.title, edits.order)
            old_linked = set()
        for gone in old_linked:
            pkg.remove(gone)
            pkg.remove(rels_name(gone))
        pkg.put(part, xml if xml is not None else serialise(root))
        overrides[part] = WORKSHEET_TYPE
        added: dict[str, str] = {}
        new_rels = _copy_linked(made, pkg, src_part, made_types, added)
        for src, dst in added.items():
            if src in made_types:
                overrides[dst] = made_types[src]
        pkg.write_rels(part, new_rels)


def _free_sheet_id(sheets_el: etree._Element) -> int:
    return max([0] + [int(el.get("sheetId", "0")) for el in sheets_el]) + 1


def _place_sheet(sheets_el: etree._Element, el: etree._Element, title: str,
                 order: list[str]) -> None:  # fmt: skip
    """Put the new sheet element after the sheet that comes before it in ``order``."""
    present = {s.get("name"): s for s in sheets_el}
    before = [t for t in order[: order.index(title)] if t in present]
    if before:
        present[before[-1]].addnext(el)
    else:
        sheets_el.insert(0, el)


def _renumber_local_names(book: etree._Element, old: list[str], new: list[str]) -> None:
    moves = {str(i): str(new.index(name)) for i, name in enumerate(old) if name in new}
    names = book.find(M + "definedNames")
    if names is not None:
        for el in list(names):
            local = el.get("localSheetId")
            if local is None:
                continue
            if local in moves:
                el.set("localSheetId", moves[local])
            else:
                names.remove(el)
    views = book.find(f"{M}bookViews/{M}workbookView")
    if views is not None:
        for attr in ("activeTab", "firstSheet"):
            value = views.get(attr)
            if value is not None and value in moves:
                views.set(attr, moves[value])


def _patch_names(book: etree._Element, wb: Workbook, edits: BookEdits, whole: set[str],
                 order: list[str]) -> None:  # fmt: skip
    """The workbook's names that changed, and each sheet's print titles, print area and
    filter range (names of that sheet), set again for a sheet written whole."""
    for name, change in edits.names.items():
        _set_defined_name(book, name, change.after)
    for (title, name), change in edits.sheet_names.items():  # (a sheet's own: its place)
        _set_defined_name(book, name, change.after, order.index(title))
    for ws in wb.worksheets:
        if ws.title not in order:
            continue
        local = order.index(ws.title)
        sheet = edits.sheets.get(ws.title)
        rewritten = ws.title in whole
        if rewritten or (sheet is not None and sheet.print_titles is not None):
            titles = _print_titles_value(ws.title, ws.print_title_rows, ws.print_title_cols)
            _set_defined_name(book, "_xlnm.Print_Titles", titles, local)
        if rewritten or (sheet is not None and sheet.print_area is not None):
            area = str(ws.print_area) if ws.print_area else None
            _set_defined_name(book, "_xlnm.Print_Area", area, local)
        flt = ws.auto_filter.ref
        moved = sheet is not None and (sheet.filter_ref is not None or bool(sheet.inserted))
        if flt and (rewritten or moved):
            first, _, last = flt.partition(":")
            ref = f"{_quote_sheet(ws.title)}!{_absolute(first)}:{_absolute(last or first)}"
            _set_defined_name(book, "_xlnm._FilterDatabase", ref, local, hidden=True)
        elif not flt and sheet is not None and sheet.filter_ref is not None:
            _set_defined_name(book, "_xlnm._FilterDatabase", None, local)  # (the filter went)


def _absolute(ref: str) -> str:
    col, row = coordinate_from_string(ref)
    return f"${col}${row}"


def save_bytes(wb: Workbook) -> bytes | None:
    """The bytes to save ``wb`` as: what the command changed (:func:`describe`) applied to
    the file it was loaded from, or None when it was not loaded as a master (build it with
    openpyxl)."""
    package, baseline = _PACKAGES.get(wb), baseline_of(wb)
    if package is None or baseline is None:
        return None
    edits = describe(baseline, wb)
    shown = [title for title, sheet in edits.sheets.items() if sheet.state is not None]
    _refuse_locked_structure(wb, edits.added, edits.removed, shown)
    return apply_edits(package, wb, edits)


def _refuse_locked_structure(
    wb: Workbook, added: Sequence[str], removed: Sequence[str], shown: Sequence[str] = ()
) -> None:
    """StructureLockedError when the workbook's structure is protected (Excel's Review >
    Protect Workbook: ``<workbookProtection lockStructure="1">``) and the command would add
    or remove sheets, or hide or show sheets (``shown``), which Excel itself refuses to do
    in such a workbook."""
    security = wb.security
    if security is None or not security.lockStructure:
        return
    changes = []
    if added:
        changes.append("add the sheets " + ", ".join(repr(t) for t in added))
    if removed:
        changes.append("remove its sheets " + ", ".join(repr(t) for t in removed))
    if shown:
        changes.append("hide or show the sheets " + ", ".join(repr(t) for t in shown))
    if changes:
        raise StructureLockedError(
            "the workbook's structure is protected (Review > Protect Workbook in Excel), and "
            f"edi_xl would {' and '.join(changes)}, which a protected structure does not "
            "allow. In Excel, click Review > Protect Workbook (and give the password) to "
            "unprotect it, run this again, then protect it again; nothing was changed."
        )


def is_patchable(path: Path) -> bool:
    return path.suffix.lower() in (".xlsx", ".xlsm", ".xltx", ".xltm")


def save_master(wb: Workbook, path: str | Path, *, backup: bool = True,
                notes: list[Problem] | None = None) -> Path | None:  # fmt: skip
    """Save a master atomically (with a backup): patched onto the file it was loaded from
    when it was loaded with :func:`edi_xl.master.plan.load_master`, else by openpyxl.

    If the package cannot be patched (a part it needs is missing or broken), the workbook is
    saved by openpyxl instead and a ``saved_by_rewrite`` problem in ``notes`` says what that
    may have dropped; unless the load left out what a whole write needs (a sheet loaded
    without its rows, pivot tables): then nothing is written and WorkbookWriteError says why.
    A patched file that would be the same bytes as the file there is not written (None: no
    backup made; the one there stays, the copy before the last real change).
    """
    from edi_xl.master.labels import read_label
    from edi_xl.master.save import save_atomic, state_when_read, write_atomic

    path = Path(path)
    expected = state_when_read(wb, path)  # (the file it was read from: not if it changed)
    data: bytes | None = None
    failure = ""
    if is_patchable(path):
        try:
            data = save_bytes(wb)
        except StructureLockedError as exc:  # (not a failure to patch: a refusal)
            raise StructureLockedError(f"{path}: {exc}") from None
        except Exception as exc:  # noqa: BLE001 - any failure: fall back, and say so
            failure = f"{type(exc).__name__}: {exc}"
            data = None
    if data is None:
        unread = rows_not_read(wb)
        if unread:  # a rewrite would write them empty: leave the file as it was
            sheets = ", ".join(repr(ws.title) for ws in unread)
            raise WorkbookWriteError(
                f"{path}: cannot be saved: the file could not be patched ({failure}) and "
                f"writing it whole would leave out sheet {sheets}, loaded without its rows; "
                "nothing was changed"
            )
        if pivots_not_read(wb):  # a rewrite would drop them: leave the file as it was
            raise WorkbookWriteError(
                f"{path}: cannot be saved: edi_xl could not write its changes into the file "
                f"({failure}), and saving the workbook the other way would lose its pivot "
                "tables; nothing was changed. Please report this, with the file"
            )
        baseline = baseline_of(wb)
        if baseline is not None:  # (a workbook loaded from a file: the same refusal)
            try:
                _refuse_locked_structure(
                    wb,
                    [t for t in wb.sheetnames if t not in baseline.sheets],
                    [t for t in baseline.sheets if t not in wb.sheetnames],
                )
            except StructureLockedError as exc:
                raise StructureLockedError(f"{path}: {exc}") from None
        if failure and notes is not None:
            notes.append(problem(Code.SAVED_BY_REWRITE, file=path.name, reason=failure))
        bind_values(wb)  # the Change Log's lines, if they were loaded as values
        # (openpyxl drops the sensitivity label's part: the file written carries it again,
        # helper-119)
        loaded = _PACKAGES.get(wb)  # (the file it was loaded from, when it was)
        label = read_label(path, loaded) if loaded is not None else None
        return save_atomic(wb, path, backup=backup, notes=notes, label=label)
    payload = data
    if _same_bytes(path, payload):  # nothing changed: the file, and its backup, stay
        return None
    return write_atomic(
        path, lambda handle: handle.write(payload), backup=backup, expected=expected, notes=notes
    )


def _same_bytes(path: Path, data: bytes) -> bool:
    """Whether the file at ``path`` already holds what ``data`` holds (a command that changed
    nothing: writing it again would only replace the backup of the last real change with a
    copy of the file as it is): the same bytes, or the same parts, each the same bytes, listed
    in another order (the save after a sheet was added lists it in the workbook's order)."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return True
        with zipfile.ZipFile(path) as old, zipfile.ZipFile(BytesIO(data)) as new:
            was = {i.filename: (i.CRC, i.file_size) for i in old.infolist()}
            now = {i.filename: (i.CRC, i.file_size) for i in new.infolist()}
            return was == now and all(old.read(name) == new.read(name) for name in now)
    except (OSError, zipfile.BadZipFile, ValueError):
        return False
