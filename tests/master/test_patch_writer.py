"""The patch writer's own fast paths give what the slower, general ones they replace give:
cell text escaped as :func:`xml.sax.saxutils.escape` escapes it, and a package written again
by :meth:`Package.to_bytes` (entries copied or deflated in the background) holding what
:mod:`zipfile` writes."""

from __future__ import annotations

import re
import zipfile
from datetime import date
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from lxml import etree
from openpyxl import Workbook, load_workbook

from edi_xl.master.package import (
    BACKGROUND_DEFLATE,
    MAIN_NS,
    Package,
    _Parts,
    _Unread,
    parse,
    serialise,
)
from edi_xl.master.patch import (
    SHEET_ORDER,
    WORKBOOK_ORDER,
    XDR_NS,
    SheetXml,
    _attr,
    _cell_xml,
    _content,
    _insert_ordered,
    _shift_anchors,
    _shift_sheet_xml,
    _text,
    formulas_and_anchors,
    give_references,
    remember_package,
    save_bytes,
)

TRICKY = [
    "",
    "plain",
    "a & b < c > d",
    "&amp; already",
    "line\r\nbreak\r",
    "tab\there\n",
    "<<>>&&",
    "quote \" and ' kept",
    "\u00e9\u2013\U0001f600",
]


@pytest.mark.parametrize("value", TRICKY)
def test_cell_text_is_escaped_as_saxutils_escapes_it(value: str) -> None:
    assert _text(value) == escape(value, {"\r": "&#13;"})


@pytest.mark.parametrize("value", TRICKY)
def test_attribute_text_is_escaped_as_saxutils_escapes_it(value: str) -> None:
    entities = {'"': "&quot;", "\r": "&#13;", "\n": "&#10;", "\t": "&#9;"}
    assert _attr(value) == escape(value, entities)


@pytest.mark.parametrize(
    "value", ["", " lead", "trail ", "two\nlines", "x", "=not a formula", "a & <b>\r"]
)
def test_a_text_cell_holds_what_the_general_path_gives(value: str) -> None:
    class Text(str):  # not exactly str: takes the general path
        pass

    assert _content(value, "s", None) == _content(Text(value), "s", None)
    for style in (None, 0, 7):
        assert _cell_xml("B4", value, "s", style, None) == _cell_xml("B4", Text(value), "s",
                                                                     style, None)  # fmt: skip


def _details(data: bytes) -> dict[str, tuple[object, ...]]:
    """Each entry of the zip ``data``: what it holds and how it is stored."""
    with zipfile.ZipFile(BytesIO(data)) as zf:
        assert zf.testzip() is None  # every entry's CRC checks out
        return {
            info.filename: (zf.read(info), info.date_time, info.compress_type,
                            info.external_attr, info.create_system, info.flag_bits)
            for info in zf.infolist()
        }  # fmt: skip


def _workbook_bytes(tmp_path: Path, rows: int, stored: bool = False) -> bytes:
    """A real workbook written by openpyxl (a sheet of ``rows`` rows), re-zipped with its
    parts stored rather than deflated when ``stored``."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for r in range(1, rows + 1):
        ws.append([r, f"action {r} & more", r * 1.5])
    path = tmp_path / "book.xlsx"
    wb.save(path)
    if not stored:
        return path.read_bytes()
    out = BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
    return out.getvalue()


@pytest.mark.parametrize("stored", [False, True])
def test_a_package_written_again_holds_what_zipfile_writes(tmp_path: Path, stored: bool) -> None:
    source = _workbook_bytes(tmp_path, 3000, stored)
    sheet = "xl/worksheets/sheet1.xml"
    pkg = Package.read(source)
    assert len(pkg.parts[sheet]) >= BACKGROUND_DEFLATE  # put in the background below
    pkg.put(sheet, pkg.parts[sheet].replace(b"action", b"ACTION"))  # a big part changed
    pkg.put("xl/styles.xml", pkg.parts["xl/styles.xml"] + b"\n")  # a small one
    pkg.put("xl/new/caf\u00e9.xml", b"<x/>")  # a new part, its name not ASCII
    written = pkg.to_bytes()
    # the same package written by zipfile alone, every part deflated again
    again = Package.read(source)
    for name in (sheet, "xl/styles.xml", "xl/new/caf\u00e9.xml"):
        again.put(name, pkg.parts[name])
    assert _details(written) == _details(again._zip_by_zipfile())
    # an unchanged part is copied as the zip stored it; a changed one stored the same way
    with zipfile.ZipFile(BytesIO(source)) as src, zipfile.ZipFile(BytesIO(written)) as out:
        for info in src.infolist():
            assert out.getinfo(info.filename).compress_type == info.compress_type
            if info.filename not in pkg.changed:
                assert out.getinfo(info.filename).compress_size == info.compress_size
    # and written a second time, the same bytes
    assert pkg.to_bytes() == written


@pytest.mark.parametrize("stored", [False, True])
def test_a_part_is_inflated_only_when_asked_for(tmp_path: Path, stored: bool) -> None:
    """A save copies the parts it does not change as the zip stores them: they are never
    inflated (a refresh changes none of the plan sheet's 4 MB on the benchmark's master). A
    part asked for gives the bytes zipfile reads, and is still copied as stored."""
    source = _workbook_bytes(tmp_path, 3000, stored)
    sheet, styles = "xl/worksheets/sheet1.xml", "xl/styles.xml"
    pkg = Package.read(source)
    assert all(isinstance(pkg.parts.raw(name), _Unread) for name in pkg.parts)
    with zipfile.ZipFile(BytesIO(source)) as zf:
        assert pkg.parts[styles] == zf.read(styles)  # asked for: inflated, and kept
        assert dict(pkg.parts.items()) == {name: zf.read(name) for name in zf.namelist()}
    pkg = Package.read(source)
    with zipfile.ZipFile(BytesIO(source)) as zf:  # copied as a dict is: inflated, every way
        whole = {name: zf.read(name) for name in zf.namelist()}
    for copied in (dict(pkg.parts), {**pkg.parts}, pkg.parts.copy()):
        assert type(copied) is dict and copied == whole
    styles_bytes = whole["xl/styles.xml"]
    pkg = Package.read(source)  # (none read yet)
    assert pkg.parts.setdefault("xl/styles.xml", b"") == styles_bytes
    assert pkg.parts.pop("xl/styles.xml") == styles_bytes and "xl/styles.xml" not in pkg.parts
    assert pkg.parts.pop("no/such", None) is None
    assert pkg.parts.pop("xl/workbook.xml") == whole["xl/workbook.xml"]
    name, data = pkg.parts.popitem()
    assert data == whole[name]
    with pytest.raises(KeyError):  # (as a dict's: not StopIteration)
        _Parts({}, {}).popitem()
    pkg = Package.read(source)
    pkg.put("xl/workbook.xml", pkg.parts["xl/workbook.xml"] + b"\n")
    assert pkg.parts.get(styles) is pkg.parts[styles] and pkg.parts.get("no/such") is None
    written = pkg.to_bytes()
    assert isinstance(pkg.parts.raw(sheet), _Unread)  # copied without being inflated
    assert not isinstance(pkg.parts.raw(styles), _Unread)  # inflated, and copied as stored
    with zipfile.ZipFile(BytesIO(source)) as src, zipfile.ZipFile(BytesIO(written)) as out:
        assert out.testzip() is None
        for info in src.infolist():
            assert out.read(info.filename) == (
                pkg.parts["xl/workbook.xml"]
                if info.filename == "xl/workbook.xml"
                else src.read(info)
            )
            if info.filename != "xl/workbook.xml":
                assert out.getinfo(info.filename).compress_size == info.compress_size
    assert Package.read(written).parts == pkg.parts != Package.read(source).parts


def test_a_damaged_part_fails_when_it_is_asked_for(tmp_path: Path) -> None:
    """As zipfile's reading of it would: its bytes are held to the entry's CRC-32."""
    source = _workbook_bytes(tmp_path, 5, stored=True)
    at = source.index(b"<sheetData>") + 1
    damaged = source[:at] + b"S" + source[at + 1 :]  # (stored: same size, wrong CRC-32)
    pkg = Package.read(damaged)
    with pytest.raises(zipfile.BadZipFile, match="sheet1.xml"):
        pkg.parts["xl/worksheets/sheet1.xml"]


def _sheet_xml(tmp_path: Path, prefix: bool = False) -> bytes:
    """The XML of a real sheet (rows 1-5, openpyxl's), its elements prefixed ``x:`` when
    ``prefix`` (as some programs write them)."""
    with zipfile.ZipFile(BytesIO(_workbook_bytes(tmp_path, 5))) as zf:
        data = zf.read("xl/worksheets/sheet1.xml")
    if prefix:
        data = re.sub(rb"<(/?)(?!\?)([A-Za-z]+)", rb"<\1x:\2", data)
        data = data.replace(b'xmlns="', b'xmlns:x="', 1)
    return data


def _rows_text(numbers: list[int]) -> str:
    return "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>line {r} &amp; &lt;x&gt;</t></is></c></row>'
        for r in numbers
    )


def _rows_of(data: bytes) -> list[tuple[str, str]]:
    root = parse(data)
    return [(row.get("r", ""), etree.tostring(row, method="c14n").decode())
            for row in root.iter(f"{{{MAIN_NS}}}row")]  # fmt: skip


@pytest.mark.parametrize(
    ("batches", "height", "prefix"),
    [
        ([[6, 7, 9]], None, False),  # after the last row: kept as text
        ([[6, 7], [8, 12]], None, False),  # two batches, both after the end
        ([[6, 7, 9]], 7, False),  # a height set on one of them: made elements then
        ([[7, 8], [6]], None, False),  # a row before the last added one
        ([[3, 9]], None, False),  # row 3 the sheet has (left out), 9 after its last
        ([[6, 7, 9]], None, True),  # a sheet whose elements are prefixed
    ],
)
def test_rows_added_as_text_are_the_rows_parsed(
    tmp_path: Path, batches: list[list[int]], height: int | None, prefix: bool
) -> None:
    source = _sheet_xml(tmp_path, prefix)
    results = []
    for as_text in (True, False):
        root = parse(source)
        if as_text:  # (row 3 is there: a batch holding it is left out)
            sheet = SheetXml(root)
            for numbers in batches:
                sheet.add_rows_xml(_rows_text([n for n in numbers if n != 3]),
                                   [n for n in numbers if n != 3])  # fmt: skip
            if height is not None:
                sheet.row(height).set("ht", "30")
            data = sheet.to_bytes()
            # rows after the last, not asked for since: written as the text they were given
            assert bool(sheet._tail) == (batches in ([[6, 7, 9]], [[6, 7], [8, 12]], [[3, 9]])
                                         and height is None and not prefix)  # fmt: skip
        else:  # each row parsed and put in its place
            sheet = SheetXml(root)
            for numbers in batches:
                for n in numbers:
                    if n != 3:
                        wrapped = f'<sheetData xmlns="{MAIN_NS}">{_rows_text([n])}</sheetData>'
                        sheet.put_row(n, parse(wrapped.encode())[0])
            if height is not None:
                sheet.row(height).set("ht", "30")
            data = serialise(root)
        results.append(_rows_of(data))
    assert results[0] == results[1]
    numbers = [int(r) for r, _ in results[0]]
    assert numbers == sorted(set(numbers))  # in order, each once


_UNNUMBERED = (
    f'<worksheet xmlns="{MAIN_NS}"><sheetData>'
    '<row><c r="B1"><v>1</v></c><c><v>2</v></c><c r="E1"><v>3</v></c><c><v>4</v></c></row>'
    '<row r="4"><c><v>5</v></c><c><v>6</v></c></row>'
    "<row><c><v>7</v></c></row>"
    "</sheetData></worksheet>"
).encode()


def _refs(root: etree._Element) -> list[tuple[str | None, str | None, str | None]]:
    return [
        (row.get("r"), c.get("r"), c.findtext(f"{{{MAIN_NS}}}v"))
        for row in root.iter(f"{{{MAIN_NS}}}row")
        for c in row.iter(f"{{{MAIN_NS}}}c")
    ]


def test_cells_with_no_reference_are_found_and_moved_by_their_place() -> None:
    """A row or cell the file writes without its reference is the one after the one before
    it: rows are numbered at once, cells when their row is read or moved."""
    root = parse(_UNNUMBERED)
    give_references(root)
    _shift_sheet_xml(Package({}), "xl/worksheets/sheet1.xml", root, 3)  # before column C
    assert _refs(root) == [
        ("1", "B1", "1"), ("1", "D1", "2"), ("1", "F1", "3"), ("1", "G1", "4"),
        ("4", "A4", "5"), ("4", "B4", "6"), ("5", "A5", "7"),
    ]  # fmt: skip
    root = parse(_UNNUMBERED)
    give_references(root)
    sheet = SheetXml(root)
    found = {(r, col): sheet.cell(r, col, create=False) for r, col in [(1, 3), (1, 6), (4, 2)]}
    assert {key: c.findtext(f"{{{MAIN_NS}}}v") for key, c in found.items() if c is not None} == {
        (1, 3): "2",
        (1, 6): "4",
        (4, 2): "6",
    }
    assert sheet.cell(5, 2, create=False) is None


def test_a_cell_with_no_reference_after_a_moved_cell_moves_once() -> None:
    """The first cell of a row without a reference comes after one that moves: it is the
    column after that cell's column before the insert, then moved like it (not moved from
    where its neighbour went)."""
    root = parse(
        f'<worksheet xmlns="{MAIN_NS}"><sheetData>'
        '<row r="2"><c r="A2"><v>1</v></c><c r="C2"><v>2</v></c><c><v>3</v></c></row>'
        "</sheetData></worksheet>".encode()
    )
    _shift_sheet_xml(Package({}), "xl/worksheets/sheet1.xml", root, 2)  # before column B
    assert _refs(root) == [("2", "A2", "1"), ("2", "D2", "2"), ("2", "E2", "3")]


_FORMULAS_AND_CONTROLS = (
    f'<worksheet xmlns="{MAIN_NS}" xmlns:xdr="{XDR_NS}"><sheetData>'
    '<row r="1"><c r="A1"><f t="shared" ref="A1:C1" si="0">D1+1</f><v>1</v></c>'
    '<c r="B1"><f t="shared" si="0"/><v>2</v></c>'
    '<c r="C1"><f t="array" ref="C1:C2">E1:E2</f><v>3</v></c><c r="D1"><v>4</v></c></row>'
    '<row r="2"><c r="A2"><f>SUM(A1:D1)</f><v>10</v></c></row>'
    "</sheetData><controls><control><controlPr>"
    '<anchor moveWithCells="1"><from><xdr:col>1</xdr:col><xdr:row>0</xdr:row></from>'
    "<to><xdr:col>4</xdr:col><xdr:row>1</xdr:row></to></anchor>"
    "</controlPr></control></controls></worksheet>"
).encode()


def test_formulas_and_anchors_are_found_in_one_pass_in_the_files_order() -> None:
    """A column inserted moves a sheet's formula ranges, its shared formulas and its form
    controls: all of them are found in one pass over the sheet, in the file's order."""
    root = parse(_FORMULAS_AND_CONTROLS)
    found = formulas_and_anchors(root)
    assert [(f.get("t"), f.get("ref"), f.text) for f in found.formulas] == [
        ("shared", "A1:C1", "D1+1"),
        ("shared", None, None),
        ("array", "C1:C2", "E1:E2"),
        (None, None, "SUM(A1:D1)"),
    ]
    assert [a.tag for a in found.anchors] == [f"{{{MAIN_NS}}}anchor"]


def test_columns_inserted_with_formulas_and_anchors_found_once_move_them_alike() -> None:
    """Two columns inserted, with the formulas and anchors found once before the first (as
    patch_sheet does), move the sheet as each insert finding them again did."""
    once = parse(_FORMULAS_AND_CONTROLS)
    found = formulas_and_anchors(once)
    again = parse(_FORMULAS_AND_CONTROLS)
    for col in (2, 4):
        _shift_sheet_xml(Package({}), "xl/worksheets/sheet1.xml", once, col, found=found)
        _shift_sheet_xml(Package({}), "xl/worksheets/sheet1.xml", again, col)
    assert serialise(once) == serialise(again)
    x = f"{{{XDR_NS}}}"
    assert [f.get("ref") for f in found.formulas] == ["A1:E1", None, "E1:E2", None]
    # the control (moveWithCells alone: move but don't size) moved whole with its first
    # corner at the first insert, and stayed at the second, right of that corner
    assert [el.text for el in once.iter(f"{x}col")] == ["2", "5"]  # (0-based: C and F)


def test_a_control_moves_as_its_anchor_says_and_edi_xls_button_is_not_sized() -> None:
    """A form control's Excel 2010 anchor in the sheet says its placement the right way
    round (``moveWithCells="1" sizeWithCells="1"``: move and size with cells): a trust's
    button across the new column grows; edi_xl's own button (shape 1026, known by its
    macro in the VML), which Excel saved so as it had no flag, moves but is not sized, and
    says so from now on; one that does not move (no attribute) stays."""
    control = (
        '<control shapeId="{id}"><controlPr><anchor {placed}><from><xdr:col>1</xdr:col>'
        "</from><to><xdr:col>4</xdr:col></to></anchor></controlPr></control>"
    )
    placed = [
        ("1025", 'moveWithCells="1" sizeWithCells="1"'),
        ("1026", 'moveWithCells="1" sizeWithCells="1"'),
        ("1027", ""),
    ]
    controls = "".join(control.format(id=i, placed=p) for i, p in placed)
    root = parse(
        f'<worksheet xmlns="{MAIN_NS}" xmlns:xdr="{XDR_NS}"><sheetData/>'
        f"<controls>{controls}</controls></worksheet>".encode()
    )
    _shift_anchors(root, 3, own={"1026"})  # a column before C
    x = f"{{{XDR_NS}}}"
    cols = [[c.text for c in a.iter(f"{x}col")] for a in root.iter(f"{{{MAIN_NS}}}anchor")]
    assert cols == [["1", "5"], ["1", "4"], ["1", "4"]]
    anchors = list(root.iter(f"{{{MAIN_NS}}}anchor"))
    assert dict(anchors[1].attrib) == {"moveWithCells": "1"}
    assert dict(anchors[0].attrib) == {"moveWithCells": "1", "sizeWithCells": "1"}


def test_an_object_excel_keeps_the_size_of_is_placed_again_by_the_columns_widths() -> None:
    """Columns of every kind (A and C the sheet's default width, 12.71: 89 pixels; B 20:
    140; D hidden), a column 30 wide (210 pixels) inserted before C, and three controls
    (offsets in EMU, 9,525 a pixel): "move but don't size" over it keeps its 239 pixels,
    its right corner now 109 pixels into the new column; "don't move or size" from C to F
    stays where it was on the sheet, all in the new column; "move but don't size" right of
    it moves by 210 pixels, as wide as it was, past the hidden column."""
    px = 9525
    control = (
        "<control><controlPr><anchor {placed}><from><xdr:col>{}</xdr:col><xdr:colOff>{}"
        "</xdr:colOff></from><to><xdr:col>{}</xdr:col><xdr:colOff>{}</xdr:colOff></to>"
        "</anchor></controlPr></control>"
    )
    placed = [
        ('moveWithCells="1"', (1, 10 * px, 4, 20 * px)),
        ("", (2, 0, 5, 0)),
        ('moveWithCells="1"', (4, 5 * px, 5, 9 * px)),
        # the new column runs under neither: their corners as written, offsets past their
        # columns' edges at 7 pixels a digit and all (another Normal font, helper-120)
        ('moveWithCells="1"', (4, 200 * px, 6, 0)),
        ("", (0, 300 * px, 1, 0)),
    ]
    controls = "".join(control.format(*at, placed=p) for p, at in placed)
    root = parse(
        f'<worksheet xmlns="{MAIN_NS}" xmlns:xdr="{XDR_NS}">'
        '<sheetFormatPr defaultColWidth="12.7109375" defaultRowHeight="15"/><cols>'
        '<col min="2" max="2" width="20" customWidth="1"/>'
        '<col min="4" max="4" width="9" hidden="1"/></cols><sheetData/>'
        f"<controls>{controls}</controls></worksheet>".encode()
    )
    _shift_sheet_xml(Package({}), "xl/worksheets/sheet1.xml", root, 3, width=30.0)
    x = f"{{{XDR_NS}}}"
    corners = [
        [int(el.text or "") for el in a.iter(f"{x}col", f"{x}colOff")]
        for a in root.iter(f"{{{MAIN_NS}}}anchor")
    ]
    assert corners == [
        [1, 10 * px, 2, 109 * px],
        [2, 0, 2, 178 * px],
        [5, 5 * px, 6, 9 * px],
        [5, 200 * px, 7, 0],
        [0, 300 * px, 1, 0],
    ]


_ROWS_OF_EVERY_SHAPE = (
    f'<worksheet xmlns="{MAIN_NS}"><sheetData>'
    '<row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c><c r="C1"><v>3</v></c></row>'
    '<row r="2"><c r="A2"><v>4</v></c><c r="C2"><v>5</v></c><c r="D2"><v>6</v></c></row>'
    '<row r="3"><c r="a3"><v>7</v></c><c r="b3"><v>8</v></c></row>'
    '<row r="4"><!-- a note --><c r="A4"><v>9</v></c><c r="B4"><v>10</v></c></row>'
    '<row r="5"><c r="B5"><v>11</v></c><c r="A5"><v>12</v></c></row>'
    "</sheetData></worksheet>"
).encode()


def test_a_cell_is_found_wherever_its_row_holds_it() -> None:
    """SheetXml takes a cell where a row holding every column has it when its reference
    says so, and else reads the row: rows with gaps, lowercase references, a comment among
    the cells or cells out of order give the same cells as rows read whole."""
    expected = {
        (1, 1): "1", (1, 2): "2", (1, 3): "3", (2, 1): "4", (2, 3): "5", (2, 4): "6",
        (3, 1): "7", (3, 2): "8", (4, 1): "9", (4, 2): "10", (5, 1): "12", (5, 2): "11",
    }  # fmt: skip
    by_rows = [(r, col) for r in range(1, 6) for col in range(1, 6)]
    for order in (by_rows, by_rows[::-1]):
        sheet = SheetXml(parse(_ROWS_OF_EVERY_SHAPE))
        found = {key: sheet.cell(*key, create=False) for key in order}
        assert {k: c.findtext(f"{{{MAIN_NS}}}v") for k, c in found.items() if c is not None} == (
            expected
        )
    sheet = SheetXml(parse(_ROWS_OF_EVERY_SHAPE))
    assert sheet.cell(1, 2) is not None and sheet.cell(2, 2) is not None  # (B2 made)
    made = sheet.cell(2, 2)
    assert made is not None and made.get("r") == "B2" and made.getprevious().get("r") == "A2"
    assert sheet.cell(2, 2) is made and (sheet.max_row, sheet.max_col) == (2, 2)


def test_rows_added_below_a_sheet_keep_their_heights(tmp_path: Path) -> None:
    """New rows (as a merge adds Change Log lines, each as tall as its text) are written
    with their heights, as are a height-only row and an existing row's new height."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Log"
    for r in range(1, 4):
        ws.append([f"line {r}", r])
    path = tmp_path / "log.xlsx"
    wb.save(path)
    data = path.read_bytes()
    loaded = load_workbook(BytesIO(data))
    remember_package(loaded, data)
    log = loaded["Log"]
    for r in range(4, 8):
        log.append([f"line {r}\nsecond line", r])
    log.row_dimensions[2].height = 22.5  # a row the file has
    log.row_dimensions[5].height = 30  # a new one
    log.row_dimensions[9].height = 40  # a new one with no cells
    written = save_bytes(loaded)
    assert written is not None
    again = load_workbook(BytesIO(written))["Log"]
    assert [[c.value for c in row] for row in again.iter_rows(1, 7)] == [
        [c.value for c in row] for row in log.iter_rows(1, 7)
    ]
    heights = {r: again.row_dimensions[r].height for r in range(1, 10)}
    assert heights == {1: None, 2: 22.5, 3: None, 4: None, 5: 30, 6: None, 7: None, 8: None,
                       9: 40}  # fmt: skip
    assert again.row_dimensions[5].customHeight


def test_rows_xml_cannot_hold_are_refused_as_when_parsed(tmp_path: Path) -> None:
    """A character XML cannot hold is refused (the save falls back to a rewrite, which
    says so), never written into the sheet as text."""
    sheet = SheetXml(parse(_sheet_xml(tmp_path)))
    bad = '<row r="9"><c r="A9" t="inlineStr"><is><t>bell \x07</t></is></c></row>'
    with pytest.raises(etree.XMLSyntaxError):
        sheet.add_rows_xml(bad, [9])
    assert not sheet._tail


# --- the package read ahead (patch.read_ahead) ---------------------------------------------------


def test_a_part_parsed_ahead_is_handed_out_once_and_only_while_unchanged(tmp_path: Path) -> None:
    pkg = Package.read(_workbook_bytes(tmp_path, 50))
    sheet, styles = "xl/worksheets/sheet1.xml", "xl/styles.xml"
    pkg.parse_ahead([sheet, styles, "xl/no/such/part.xml"])
    first = pkg.xml(sheet)
    assert serialise(first) == serialise(parse(pkg.parts[sheet]))
    first.clear()  # the caller's own tree: changing it changes nothing the package holds
    second = pkg.xml(sheet)
    assert second is not first and len(second) > 0
    pkg.put(styles, pkg.parts[styles].replace(b"<fonts", b"<!-- changed --><fonts"))
    assert b"changed" in etree.tostring(pkg.xml(styles), with_comments=True)


def test_a_part_that_does_not_parse_ahead_fails_when_it_is_read(tmp_path: Path) -> None:
    pkg = Package.read(_workbook_bytes(tmp_path, 5))
    pkg.parts["xl/worksheets/sheet1.xml"] = b"<worksheet><sheetData>"  # cut short
    pkg.parse_ahead(["xl/worksheets/sheet1.xml"])
    with pytest.raises(etree.XMLSyntaxError):
        pkg.xml("xl/worksheets/sheet1.xml")


def _saved_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist() if name != "docProps/core.xml"}


def test_a_package_read_ahead_saves_what_one_read_at_the_save_does(
    master: Path, tmp_path: Path
) -> None:
    """A refresh that writes into the plan sheet, Settings and the Change Log (a later as-at
    date) saves the same file whether its package was read and parsed ahead, in a thread
    (as a merge does), or read when it is saved."""
    from datetime import date, datetime

    from edi_xl.flows.refresh import refresh_book
    from edi_xl.master import patch
    from edi_xl.master.plan import load_master

    later, now = date(2024, 6, 30), datetime(2024, 7, 1, 9, 0)
    saved: dict[bool, dict[str, bytes]] = {}
    for ahead in (True, False):
        wb = load_master(master, remakes_summary=True)
        if ahead:
            patch.read_ahead(wb)
            assert wb in patch._AHEAD
        refresh_book(wb, later, now=now, path=master.name)
        out = tmp_path / f"ahead-{ahead}.xlsx"
        patch.save_master(wb, out)
        assert wb not in patch._AHEAD  # the save took it
        saved[ahead] = _saved_parts(out)
    assert saved[True] == saved[False]
    before = _saved_parts(master)
    changed = {name for name in saved[True] if before.get(name) != saved[True][name]}
    # it did patch sheets parsed ahead: the plan sheet, Settings, the Change Log, besides the
    # Summary it makes again
    assert len({name for name in changed if name.startswith("xl/worksheets/sheet")}) >= 3


def test_a_package_read_ahead_is_not_used_for_another_package(tmp_path: Path) -> None:
    from edi_xl.master import patch

    source = _workbook_bytes(tmp_path, 20)
    wb = load_workbook(BytesIO(source))
    remember_package(wb, source)
    patch.read_ahead(wb)
    other = _workbook_bytes(tmp_path, 30)
    assert patch._package_of(wb, other).parts == Package.read(other).parts
    assert wb not in patch._AHEAD  # handed out (and dropped) once
    blank = Workbook()
    patch.read_ahead(blank)  # not loaded as a master: nothing to read
    assert blank not in patch._AHEAD


def test_a_package_read_ahead_is_dropped_with_its_thread_ended(tmp_path: Path) -> None:
    """What a command that stops before its save does (patch.drop_read_ahead)."""
    from edi_xl.master import patch

    source = _workbook_bytes(tmp_path, 2000)
    wb = load_workbook(BytesIO(source))
    remember_package(wb, source)
    patch.read_ahead(wb)
    ahead = patch._AHEAD[wb]
    patch.drop_read_ahead(wb)
    assert wb not in patch._AHEAD and not ahead.thread.is_alive()
    assert "xl/worksheets/sheet1.xml" in ahead.package._parsed  # (it had parsed the sheet)
    patch.drop_read_ahead(wb)  # twice: nothing more to do


def test_a_part_removed_is_not_handed_out_parsed(tmp_path: Path) -> None:
    pkg = Package.read(_workbook_bytes(tmp_path, 5))
    sheet = "xl/worksheets/sheet1.xml"
    pkg.parse_ahead([sheet])
    pkg.remove(sheet)
    assert sheet not in pkg._parsed
    with pytest.raises(KeyError):
        pkg.xml(sheet)


def test_content_types_of_parts_the_file_never_had_are_kept(tmp_path: Path) -> None:
    """An ``Override`` naming a part that is not in the file (some writers list parts they
    did not write: POI's picture.xlsx) is the file's own and stays; the one of a part edi_xl
    takes out (the calculation chain, which Excel rebuilds) goes with it."""
    import xlsxwriter
    from conftest import AS_AT, add_seed_plan_sheet, rewrite_part

    from edi_xl.flows.refresh import refresh_workbook

    path = tmp_path / "plan.xlsx"
    book = xlsxwriter.Workbook(str(path))
    add_seed_plan_sheet(book)
    book.close()
    phantom = (
        '<Override PartName="/xl/connections.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.connections+xml"/>'
    )
    chain = (
        '<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.calcChain+xml"/>'
    )
    rewrite_part(
        path,
        "[Content_Types].xml",
        lambda data: data.replace(b"</Types>", (phantom + chain + "</Types>").encode()),
    )
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["xl/calcChain.xml"] = (
        b'<calcChain xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
    )
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    parts["xl/_rels/workbook.xml.rels"] = rels.replace(
        "</Relationships>",
        '<Relationship Id="rIdChain" Type="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships/calcChain" Target="calcChain.xml"/></Relationships>',
    ).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    refresh_workbook(path, AS_AT)
    with zipfile.ZipFile(path) as z:
        types = z.read("[Content_Types].xml").decode()
        names = z.namelist()
    assert "xl/calcChain.xml" not in names and "/xl/calcChain.xml" not in types
    assert 'PartName="/xl/connections.xml"' in types


MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
#: workbook.xml as every Excel 365 save writes it: an absPath in an mc:AlternateContent and
#: xr:revisionPtr after workbookPr (no defined names yet).
EXCEL_365_WORKBOOK_START = (
    f'<mc:AlternateContent xmlns:mc="{MC_NS}"><mc:Choice Requires="x15">'
    '<x15ac:absPath xmlns:x15ac="http://schemas.microsoft.com/office/spreadsheetml/2010/11/ac"'
    ' url="C:\\Users\\edi\\Documents\\"/></mc:Choice></mc:AlternateContent>'
    '<xr:revisionPtr xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision"'
    ' revIDLastSave="0" documentId="8_{5B0E2C1D-1111-4E2B-9C3A-ABCDEF012345}"/>'
)


def _names(root: etree._Element) -> list[str]:
    return [etree.QName(c).localname for c in root if isinstance(c.tag, str)]


def test_an_element_goes_in_its_place_past_ones_the_order_does_not_name() -> None:
    """An element the order does not name ranks as the one before it; an mc:AlternateContent
    as the element of its choice (helper-113: definedNames went before Excel 365's absPath
    and revisionPtr, ahead of bookViews and sheets)."""
    book = etree.fromstring(
        f'<workbook xmlns="{MAIN_NS}"><fileVersion/><workbookPr/>{EXCEL_365_WORKBOOK_START}'
        "<bookViews/><sheets/><calcPr/></workbook>"
    )
    for name in ("definedNames", "workbookProtection"):
        _insert_ordered(book, etree.Element(f"{{{MAIN_NS}}}{name}"), WORKBOOK_ORDER)
    assert _names(book) == [
        "fileVersion", "workbookPr", "AlternateContent", "revisionPtr", "workbookProtection",
        "bookViews", "sheets", "definedNames", "calcPr",
    ]  # fmt: skip
    # a workbook.xml with no workbookPr (add-buttons gives it one): before Excel 365's own
    book = etree.fromstring(
        f'<workbook xmlns="{MAIN_NS}"><fileVersion/>{EXCEL_365_WORKBOOK_START}<sheets/></workbook>'
    )
    _insert_ordered(book, etree.Element(f"{{{MAIN_NS}}}workbookPr"), WORKBOOK_ORDER)
    assert _names(book) == [
        "fileVersion", "workbookPr", "AlternateContent", "revisionPtr", "sheets"
    ]  # fmt: skip
    sheet = etree.fromstring(
        f'<worksheet xmlns="{MAIN_NS}" xmlns:mc="{MC_NS}"><sheetData/><drawing/>'
        '<mc:AlternateContent><mc:Choice Requires="x14"><controls/></mc:Choice>'
        "</mc:AlternateContent><tableParts/></worksheet>"
    )
    _insert_ordered(sheet, etree.Element(f"{{{MAIN_NS}}}legacyDrawing"), SHEET_ORDER)
    assert _names(sheet) == [
        "sheetData",
        "drawing",
        "legacyDrawing",
        "AlternateContent",
        "tableParts",
    ]


def test_a_refresh_of_an_excel_365_workbook_puts_its_names_after_the_sheets(
    tmp_path: Path,
) -> None:
    """A trust's plan saved by Excel 365 with no defined names: the names a refresh adds go
    after <sheets>, where the file format wants them (else Excel repairs the file)."""
    import xlsxwriter
    from conftest import add_seed_plan_sheet

    from edi_xl.flows.refresh import refresh_workbook

    plan = tmp_path / "plan.xlsx"
    book = xlsxwriter.Workbook(str(plan))
    add_seed_plan_sheet(book)
    book.close()
    with zipfile.ZipFile(plan) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    text = parts["xl/workbook.xml"].decode()
    assert "<definedNames" not in text
    parts["xl/workbook.xml"] = text.replace(
        "<bookViews>", EXCEL_365_WORKBOOK_START + "<bookViews>"
    ).encode()
    with zipfile.ZipFile(plan, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    refresh_workbook(plan, as_at=date(2023, 12, 18))
    with zipfile.ZipFile(plan) as z:
        names = _names(etree.fromstring(z.read("xl/workbook.xml")))
    assert names.index("definedNames") > names.index("sheets") > names.index("revisionPtr")
