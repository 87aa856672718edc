"""Adding the buttons to a workbook's package (``edi-xl add-buttons PLAN.xlsx``).

The trust's own workbook becomes ``PLAN.xlsm``: the same package, every part kept, with

- the VBA project edi_xl's macro-enabled masters carry (:func:`edi_xl.master.vba.vba_project`:
  xlwings' Excel-made project plus the ``EdiXlButtons`` module), as ``xl/vbaProject.bin``;
- the workbook marked macro-enabled, with the code names the project's document modules
  expect (``ThisWorkbook``; ``Sheet1`` for the plan sheet, ``Sheet2`` for the next one);
- the buttons (form controls in the plan sheet's VML drawing) in the row above the table's
  header (beside the header, right of the table, when it is in row 1), drawn by XlsxWriter
  on a copy of the sheet's column widths and row heights and put beside any notes the sheet
  already has.

The command, which refreshes the plan first, is :mod:`edi_xl.flows.add_buttons`.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lxml import etree
from openpyxl.workbook.workbook import Workbook

from edi_xl.core.errors import EdiXlError
from edi_xl.master.column_settings import column_setting, width_pixels
from edi_xl.master.loading import PlacedCells
from edi_xl.master.package import R_NS, Package, Rel, free_rel_id, resolve
from edi_xl.master.patch import SHEET_ORDER, WORKBOOK_ORDER, M, _child, _insert_ordered
from edi_xl.read.grid import is_blank

VBA_REL = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
VBA_TYPE = "application/vnd.ms-office.vbaProject"
VML_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/vmlDrawing"
VML_TYPE = "application/vnd.openxmlformats-officedocument.vmlDrawing"
MACRO_WORKBOOK = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
PLAIN_WORKBOOKS = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
)
BUTTON_GAP_PX, BUTTON_WIDTH_PX = 12, 170


@dataclass
class Placement:
    """Where the buttons go on the plan sheet."""

    sheet: str
    row: int  # 0-based row the buttons sit in
    column_widths: list[float | None]  # of columns A, B, ... (None: the default)
    row_heights: list[float | None]  # of rows 1 .. row + 1, in points
    column: int = 1  # 0-based column the first button starts in
    #: beside the table's header, in its row (no row above it is free), not above the table
    beside: bool = False
    header_row: int = 1  # the table's header row, 1-based


#: Columns of the default width the five buttons take, and a little more.
BUTTON_COLUMNS = 16


def placement(wb: Workbook, sheet: str, header_row: int, header_end: int = 0) -> Placement:
    """From column B of the nearest row above the table's 1-based ``header_row`` that holds
    nothing where the buttons go (a title, a "Prepared by" line, merged or not, is not
    covered); when there is none (the table starts on row 1, or every row above it holds
    something there), in the header row right of its last heading (``header_end``, 1-based,
    as the plan is read: within its first 256 columns), not over the table's headings; with
    the sheet's sizes as they are."""
    ws = wb[sheet]
    free = next((r for r in range(header_row - 1, 0, -1) if _row_free(ws, r)), None)
    beside = free is None
    row = max(header_row - 1, 0) if free is None else free - 1
    column = min(header_end, 16384 - BUTTON_COLUMNS) if beside else 1
    widths: list[float | None] = []
    for idx in range(1, column + 1 + BUTTON_COLUMNS):
        dim = column_setting(ws, idx)
        widths.append(dim.width if dim is not None and dim.customWidth else None)
    heights = [
        ws.row_dimensions[r].height if r in ws.row_dimensions else None for r in range(1, row + 2)
    ]
    return Placement(sheet, row, widths, heights, column, beside, header_row)


def _row_free(ws: Any, row: int) -> bool:
    """Whether 1-based ``row`` holds nothing in the columns the buttons cover (B onwards),
    nor in column A (a title there runs on over them), nor a merged cell reaching in."""
    first, last = 1, 2 + BUTTON_COLUMNS
    for merged in ws.merged_cells.ranges:
        if (
            merged.min_row <= row <= merged.max_row
            and first <= merged.max_col
            and (merged.min_col <= last)
        ):
            return False
    columns = range(first, last + 1)
    placed = PlacedCells(ws, columns)  # (no cell made)
    return all(is_blank(placed.value(row, c)) for c in columns)


def button_drawing(where: Placement) -> str:
    """The VML of the buttons, drawn by XlsxWriter on a sheet sized like the plan sheet,
    placed to move but not size with cells (:func:`edi_xl.master.vba.buttons_unsized`)."""
    import xlsxwriter

    from edi_xl.master.vba import BUTTON_HEIGHT, BUTTONS, buttons_unsized

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("x")
    for col, width in enumerate(where.column_widths):
        if width is not None:  # (the file's width, padding and all: XlsxWriter's pixels)
            sheet.set_column_pixels(col, col, width_pixels(width))
    for r, height in enumerate(where.row_heights):
        if height is not None:
            sheet.set_row(r, height)
    row_px = (where.row_heights[where.row] or 15.0) * 4 / 3
    height = int(min(BUTTON_HEIGHT, max(row_px - 4, 18)))
    for i, button in enumerate(BUTTONS):
        sheet.insert_button(
            where.row,
            where.column,
            {
                "macro": button.macro,
                "caption": button.caption,
                "width": BUTTON_WIDTH_PX,
                "height": height,
                "x_offset": 4 + i * (BUTTON_WIDTH_PX + BUTTON_GAP_PX),
                "y_offset": 2,
            },
        )
    book.close()
    with zipfile.ZipFile(buffer) as z:
        if "xl/drawings/vmlDrawing1.vml" not in z.namelist():  # (XlsxWriter refused them)
            raise EdiXlError(f"{where.sheet}: no room for the buttons in row {where.row + 1}")
        return buttons_unsized(z.read("xl/drawings/vmlDrawing1.vml").decode("utf-8"))


_IDMAP = re.compile(r'(<o:idmap\b[^>]*\bdata=")([^"]*)(")')


def _used_blocks(pkg: Package) -> set[int]:
    """The VML shape-id blocks (``o:idmap data``) any drawing of the package uses."""
    used: set[int] = set()
    for name, data in pkg.parts.items():
        if name.endswith(".vml"):
            for m in _IDMAP.finditer(data.decode("utf-8", "replace")):
                used |= {int(x) for x in re.findall(r"\d+", m.group(2))}
    return used


def _renumber(vml: str, block: int) -> str:
    """Give the buttons' shapes ids from shape-id ``block`` (1024 ids per block)."""
    counter = iter(range(block * 1024 + 1, block * 1024 + 1024))
    return re.sub(r'o:spid="_x0000_s\d+"|id="_x0000_s\d+"', lambda m: (
        m.group(0).split("=")[0] + f'="_x0000_s{next(counter)}"'), vml)  # fmt: skip


def _shapes(vml: str) -> str:
    """The shape type and shapes of a VML drawing (what is inside ``<xml>`` but the layout)."""
    body = vml[vml.index(">", vml.index("<xml")) + 1 : vml.rindex("</xml>")]
    return re.sub(r"<o:shapelayout\b.*?</o:shapelayout>", "", body, flags=re.S)


#: Why a workbook with a VBA project of its own is not given edi_xl's.
HAS_MACROS = (
    "the workbook already has macros (a VBA project); edi_xl does not replace them: "
    "import macros/EdiXlButtons.bas into it by hand (see macros/README.md)"
)


def has_macros(part_names: Iterable[str]) -> bool:
    """Whether a package of the parts ``part_names`` holds a VBA project."""
    return any(name.lower().endswith("vbaproject.bin") for name in part_names)


def _free_code_names(pkg: Package, others: list[tuple[str | None, str]]) -> None:
    """The sheets ``others`` (name, part) that do not get the project's modules: one whose
    code name (its name to VBA, which ignores case) is Sheet1 or Sheet2, the names the
    project gives the plan and another sheet, is given a free SheetN, as no two sheets may
    share one (helper-84: a workbook that once had macros got two "Sheet2"s)."""
    codes: dict[str, str] = {}
    for _, part in others:
        pr = pkg.xml(part).find(f"{M}sheetPr") if part in pkg.parts else None
        codes[part] = (pr.get("codeName") or "") if pr is not None else ""
    used = {code.lower() for code in codes.values() if code} | {"sheet1", "sheet2"}
    for part, code in codes.items():
        if code.lower() not in ("sheet1", "sheet2"):
            continue
        n = 3
        while f"sheet{n}" in used:
            n += 1
        used.add(f"sheet{n}")
        root = pkg.xml(part)
        _child(root, "sheetPr", SHEET_ORDER).set("codeName", f"Sheet{n}")
        pkg.put_xml(part, root)


def add_buttons_to_package(data: bytes, where: Placement) -> bytes:
    """``data`` (an .xlsx package) with the VBA project and the buttons added."""
    from edi_xl.master.vba import vba_project

    pkg = Package.read(data)
    if has_macros(pkg.parts):
        raise EdiXlError(HAS_MACROS)
    workbook = next(
        (resolve("", r.target) for r in pkg.rels("") if r.type.endswith("/officeDocument")),
        "xl/workbook.xml",
    )
    book = pkg.xml(workbook)
    # the project and its link
    vba_part = pkg.free_name(workbook.rsplit("/", 1)[0] + "/vbaProject.bin")
    pkg.put(vba_part, vba_project())
    rels = pkg.rels(workbook)
    rels.append(Rel(free_rel_id(rels), VBA_REL, "/" + vba_part, False))
    pkg.write_rels(workbook, rels)
    # code names of the document modules
    pr = _child(book, "workbookPr", WORKBOOK_ORDER)
    pr.set("codeName", "ThisWorkbook")
    targets = {r.id: resolve(workbook, r.target) for r in rels}
    sheet_parts = [
        (el.get("name"), targets.get(el.get(f"{{{R_NS}}}id", ""), ""))
        for el in book.iterfind(f"{M}sheets/{M}sheet")
    ]
    order = [name for name, _ in sheet_parts]
    plan_part = dict(sheet_parts)[where.sheet]
    names = [where.sheet] + [n for n in order if n != where.sheet][:1]
    _free_code_names(pkg, [(n, p) for n, p in sheet_parts if n not in names])
    for name, code in zip(names, ("Sheet1", "Sheet2"), strict=False):
        part = dict(sheet_parts)[name]
        root = pkg.xml(part)
        _child(root, "sheetPr", SHEET_ORDER).set("codeName", code)
        pkg.put_xml(part, root)
    pkg.put_xml(workbook, book)
    # the buttons, beside any notes the sheet has
    vml = button_drawing(where)
    block = max(_used_blocks(pkg) | {0}) + 1
    vml = _renumber(vml, block)
    sheet_rels = pkg.rels(plan_part)
    existing = next((r for r in sheet_rels if r.type == VML_REL), None)
    root = pkg.xml(plan_part)
    if existing is not None:
        target = resolve(plan_part, existing.target)
        old = pkg.parts[target].decode("utf-8")
        old = _IDMAP.sub(lambda m: f"{m.group(1)}{m.group(2)},{block}{m.group(3)}", old, count=1)
        shapes = _shapes(vml)
        if 'id="_x0000_t201"' in old:  # the button shape type is there already
            shapes = re.sub(r'<v:shapetype id="_x0000_t201".*?</v:shapetype>', "", shapes,
                            flags=re.S)  # fmt: skip
        cut = old.rindex("</xml>")
        pkg.put(target, (old[:cut] + shapes + old[cut:]).encode("utf-8"))
    else:
        target = pkg.free_name("xl/drawings/vmlDrawing1.vml")
        pkg.put(target, vml.encode("utf-8"))
        rid = free_rel_id(sheet_rels)
        sheet_rels.append(Rel(rid, VML_REL, "/" + target, False))
        pkg.write_rels(plan_part, sheet_rels)
        legacy = etree.Element(M + "legacyDrawing")
        legacy.set(f"{{{R_NS}}}id", rid)
        _insert_ordered(root, legacy, SHEET_ORDER)
        pkg.put_xml(plan_part, root)
    # content types: macro-enabled workbook, the project, VML
    types = pkg.content_types()
    ct = "{http://schemas.openxmlformats.org/package/2006/content-types}"
    main = None
    for el in types.iterfind(ct + "Override"):
        if el.get("PartName", "").lstrip("/").lower() == workbook.lower():
            main = el
            if el.get("ContentType") in (*PLAIN_WORKBOOKS, MACRO_WORKBOOK):
                el.set("ContentType", MACRO_WORKBOOK)
    if main is None:  # typed by a <Default Extension="xml">: give the workbook its own type
        main = etree.SubElement(types, ct + "Override")
        main.set("PartName", "/" + workbook)
        main.set("ContentType", MACRO_WORKBOOK)
    override = etree.SubElement(types, ct + "Override")
    override.set("PartName", "/" + vba_part)
    override.set("ContentType", VBA_TYPE)
    if not any(el.get("Extension", "").lower() == "vml" for el in types.iterfind(ct + "Default")):
        default = etree.Element(ct + "Default")
        default.set("Extension", "vml")
        default.set("ContentType", VML_TYPE)
        types.insert(0, default)
    pkg.set_content_types(types)
    return pkg.to_bytes()
