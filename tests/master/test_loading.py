"""The fast master loader (edi_xl.master.loading) reads exactly what openpyxl reads.

Each workbook is loaded both ways and everything edi_xl can see of it compared: every cell's
kind, value, type, style, hyperlink and note; row heights, hidden and outline rows; column
widths; merged ranges; conditional formats, dropdowns, freeze panes, print titles, extent.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import warnings
import zipfile
from datetime import date, datetime, time
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from conftest import SHARED
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from edi_xl.master.loading import (
    _FastExcelReader,
    find_sheet_data,
    load_workbook_fast,
    scan_rows,
)


def _value(value: Any) -> Any:
    if isinstance(value, ArrayFormula):
        return ("array", value.ref, value.text)
    if isinstance(value, DataTableFormula):
        return ("table", tuple(sorted(dict(value).items())))
    return (type(value).__name__, value)


def state(wb: Workbook) -> list[tuple[Any, ...]]:
    """What edi_xl can see of ``wb``, in comparable form."""
    out = []
    for ws in wb.worksheets:
        cells = {
            key: (
                type(c).__name__,
                _value(c._value),
                c.data_type,
                tuple(c._style) if c._style is not None else None,
                (c.hyperlink.ref, c.hyperlink.target) if getattr(c, "hyperlink", None) else None,
                c.comment.text if getattr(c, "comment", None) else None,
            )
            for key, c in ws._cells.items()
        }
        rows = {
            k: (
                d.index,
                d.height,
                d.hidden,
                d.outlineLevel,
                d.customHeight,
                d.collapsed,
                d.thickBot,
                d.thickTop,
                tuple(d._style or ()),
            )
            for k, d in ws.row_dimensions.items()
        }
        cols = {k: (d.width, d.hidden, d.min, d.max) for k, d in ws.column_dimensions.items()}
        out.append(
            (
                ws.title,
                cells,
                rows,
                cols,
                str(ws.merged_cells),
                [(str(cf.sqref), len(cf.rules)) for cf in ws.conditional_formatting],
                len(ws.data_validations.dataValidation),
                ws.freeze_panes,
                ws.max_row,
                ws.max_column,
                ws._current_row,
                ws.print_title_rows,
                ws.auto_filter.ref,
            )
        )
    return out


def both(data: bytes) -> tuple[list[Any], list[Any]]:
    """openpyxl's reading and the fast reader's (itself, not its fallback to openpyxl)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        slow = state(load_workbook(BytesIO(data), keep_links=True, rich_text=False))
        reader = _FastExcelReader(BytesIO(data), keep_links=True, rich_text=False)
        reader.read()
        fast = state(reader.wb)
    return slow, fast


def outcome(load: Any, data: bytes) -> Any:
    """What a load gives: the workbook's state, or the kind of error it raised."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return state(load(data))
    except Exception as exc:  # noqa: BLE001 - the kind is what is compared
        return type(exc).__name__


def _openpyxl(data: bytes) -> Any:
    return load_workbook(BytesIO(data), keep_links=True, rich_text=False)


def repackaged(path: Path, edit: Any, compression: int = zipfile.ZIP_STORED) -> bytes:
    """The workbook at ``path`` with its first sheet's XML passed through ``edit``."""
    with zipfile.ZipFile(path) as src:
        parts = {i.filename: src.read(i) for i in src.infolist()}
    parts["xl/worksheets/sheet1.xml"] = edit(parts["xl/worksheets/sheet1.xml"])
    out = BytesIO()
    with zipfile.ZipFile(out, "w", compression) as dst:
        for name, body in parts.items():
            dst.writestr(name, body)
    return out.getvalue()


def with_rows(rows: bytes, *, root: bytes = b"") -> Any:
    """An edit for :func:`repackaged`: the sheet's rows replaced by ``rows`` (and ``root``,
    attributes added to its root element)."""

    def edit(xml: bytes) -> bytes:
        xml = xml.replace(b"<worksheet ", b"<worksheet " + root, 1)
        found = find_sheet_data(xml)
        assert found is not None
        return xml[: found.start] + b"<sheetData>" + rows + b"</sheetData>" + xml[found.end :]

    return edit


def every_kind(path: Path) -> None:
    """A workbook with every kind of cell XlsxWriter writes."""
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("Kinds")
    bold = book.add_format({"bold": True, "bg_color": "#FFFF00", "text_wrap": True})
    day = book.add_format({"num_format": "dd/mm/yyyy"})
    clock = book.add_format({"num_format": "hh:mm"})
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    span = book.add_format({"num_format": "[h]:mm"})
    ws.write_row(0, 0, ["Text", "Number", "Date", "Formula", "Other"], bold)
    ws.write_string(1, 0, "plain")
    ws.write_number(1, 1, 42)
    ws.write_number(2, 1, 3.25)
    ws.write_number(3, 1, 1.5e-12)
    ws.write_number(4, 1, -7)
    ws.write_datetime(1, 2, datetime(2024, 3, 31), day)
    ws.write_datetime(2, 2, datetime(2024, 3, 31, 14, 5), stamp)
    ws.write_datetime(3, 2, time(9, 30), clock)
    ws.write_number(4, 2, 1.75, span)  # a duration
    ws.write_number(5, 2, -5, day)  # before 1900: openpyxl's warning and #VALUE!
    ws.write_formula(1, 3, "=B2*2", None, 84)
    ws.write_formula(2, 3, '="a"&"b"', None, "ab")  # a text result: t="str"
    ws.write_formula(3, 3, "=B2>1", None, True)
    ws.write_array_formula(4, 3, 5, 3, "{=B2:B3*2}", None, 84)
    ws.write_formula(6, 3, "=1/0", None, "#DIV/0!")
    ws.write_boolean(1, 4, True)
    ws.write_boolean(2, 4, False)
    ws.write_rich_string(3, 4, "a ", bold, "bold", " word")
    ws.write_url(4, 4, "https://www.england.nhs.uk/about/equality/", string="WRES guidance")
    ws.write_url(5, 4, "internal:'Other'!A1", string="to Other")
    ws.write_comment(1, 0, "a note on A2")
    ws.write_blank(7, 0, None, bold)  # styled, no value
    ws.write_string(8, 0, "  spaced  ")
    ws.write_string(9, 0, "line one\nline two")
    ws.write_string(10, 0, "<&> \"quoted\" 'single'")
    ws.write_string(11, 0, "=not a formula")
    ws.merge_range(12, 0, 13, 2, "merged", bold)
    ws.set_row(1, 30)
    ws.set_row(14, None, None, {"hidden": True})
    ws.set_row(15, None, None, {"level": 1})
    ws.set_column(0, 0, 40)
    ws.set_column(1, 3, 12, None, {"hidden": True})
    ws.freeze_panes(1, 1)
    ws.autofilter(0, 0, 11, 4)
    ws.data_validation(1, 4, 20, 4, {"validate": "list", "source": ["Yes", "No"]})
    ws.conditional_format(
        1, 1, 20, 1, {"type": "cell", "criteria": ">", "value": 10, "format": bold}
    )
    ws.repeat_rows(0)
    other = book.add_worksheet("Other")
    other.write_string(0, 0, "another sheet")
    book.add_worksheet("Empty")
    book.close()


def scanned(data: bytes) -> dict[str, bool]:
    """sheet part -> whether the scanner cut its rows (else lxml reads them), for every sheet
    part with rows."""
    out = {}
    with zipfile.ZipFile(BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/sheet") and name.endswith(".xml"):
                xml = archive.read(name)
                found = find_sheet_data(xml)
                if found is not None and b"<" in (found.rows or b""):
                    out[name] = scan_rows(xml, found) is not None
    return out


def test_every_kind_of_cell_reads_the_same(tmp_path: Path) -> None:
    path = tmp_path / "kinds.xlsx"
    every_kind(path)
    assert set(scanned(path.read_bytes()).values()) == {True}  # the scanner read them
    slow, fast = both(path.read_bytes())
    assert fast == slow
    kinds = slow[0][1]
    assert kinds[(2, 2)][1] == ("int", 42)  # the test compares something real
    assert kinds[(2, 3)][1] == ("datetime", datetime(2024, 3, 31))
    assert kinds[(3, 4)][1] == ("str", '="a"&"b"')  # a formula reads as its text


def test_inline_strings_plain_rich_and_spaced_read_the_same(tmp_path: Path) -> None:
    """openpyxl and edi_xl's patch writer write inline strings: plain, with spaces kept,
    and (from other programs) rich text in runs, which openpyxl reads as one text."""
    wb = Workbook()
    ws = wb.active
    ws.append(["Action", "Owner", "Due", "Note"])
    ws.append(["Promote the network", "EDI Lead", date(2024, 3, 31), "x" * 5000])
    wb.save(tmp_path / "inline.xlsx")

    def edit(sheet: bytes) -> bytes:
        for old, new in (
            (
                b"<is><t>Owner</t></is>",
                b"<is><r><t>Ow</t></r><r><rPr><b/></rPr><t>ner</t></r></is>",
            ),
            (b"<is><t>Due</t></is>", b'<is><t xml:space="preserve"> Due </t></is>'),
            (b"<is><t>Note</t></is>", b"<is><t/></is>"),
        ):
            assert old in sheet
            sheet = sheet.replace(old, new)
        return sheet

    slow, fast = both(repackaged(tmp_path / "inline.xlsx", edit))
    assert fast == slow
    assert slow[0][1][(1, 1)][1] == ("str", "Action")
    assert slow[0][1][(1, 2)][1] == ("str", "Owner")
    assert slow[0][1][(1, 3)][1] == ("str", " Due ")
    assert slow[0][1][(2, 4)][1] == ("str", "x" * 5000)


#: Sheet XML as programs write it, in forms the scanner reads itself (none sends it to lxml).
SCANNED_ROWS = (
    # Excel: prefixed row attributes declared on the root, spans, styles on rows
    b'<row r="1" spans="1:4" s="2" customFormat="1" x14ac:dyDescent="0.25">'
    b'<c r="A1" s="1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
    b'<c r="C1" s="2"><v>45382</v></c><c r="D1" s="1"/></row>'
    # pretty-printed, attributes in another order, single quotes, entities, references
    b'\n  <row r="2" ht="30" customHeight="1">\n    <c r="A2" t="inlineStr">'
    b"<is><t>a &amp; b &lt;c&gt; &#10;&#x41;&quot;&apos;</t></is></c>\n"
    b'    <c r="B2" t="str" s="1"><v>text</v></c>\n    <c r="C2" t="str"/>'
    b"<c r='D2' t=\"b\"><v>1</v></c></row>\n"
    # a row without a number, cells without references, a formula, an error, empty values
    b'<row><c t="n"><v>7</v></c><c><f>A3*2</f><v>14</v></c><c r="C3" t="e"><v>#N/A</v></c>'
    b'<c r="D3" t="n"><v/></c><c r="E3" t="s"></c><c r="F3" t="inlineStr"><is><t/></is></c>'
    b'</row><row r="5" hidden="1"/>'
    # shared formulas; a date serial out of range (openpyxl: a warning and #VALUE!)
    b'<row r="6"><c r="A6"><f t="shared" ref="A6:A7" si="0">B6+1</f><v>1</v></c>'
    b'<c r="B6" s="2"><v>3000000</v></c><c r="C6" s="2"><v>1.5</v></c></row>'
    b'<row r="7"><c r="A7"><f t="shared" si="0"/><v>1</v></c>'
    b'<c r="B7" xml:space="preserve" t="inlineStr"><is><t xml:space="preserve"> x </t></is></c>'
    b"</row>"
)


def test_the_scanner_reads_the_forms_programs_write(tmp_path: Path) -> None:
    """The rows cut by the scanner (a plain cell made directly, any other given to openpyxl)
    read as openpyxl reads them: Excel's, LibreOffice's and edi_xl's forms, odd spacing."""
    book = xlsxwriter.Workbook(str(tmp_path / "forms.xlsx"))  # shared strings; xf 1, 2
    ws = book.add_worksheet()
    ws.write_string(0, 0, "Action", book.add_format({"bold": True}))
    ws.write_string(0, 1, "Owner")
    ws.write_datetime(0, 2, datetime(2024, 3, 31), book.add_format({"num_format": "dd/mm/yy"}))
    book.close()

    x14ac = b'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" '
    data = repackaged(tmp_path / "forms.xlsx", with_rows(SCANNED_ROWS, root=x14ac))
    assert set(scanned(data).values()) == {True}
    slow, fast = both(data)
    assert fast == slow
    cells = slow[0][1]
    assert cells[(2, 1)][1] == ("str", "a & b <c> \nA\"'")
    assert cells[(3, 1)][1] == ("int", 7) and cells[(3, 2)][1] == ("str", "=A3*2")
    assert cells[(7, 1)][1] == ("str", "=B7+1")  # the shared formula, moved
    assert cells[(6, 2)][1:3] == (("str", "#VALUE!"), "e")  # out of range
    assert slow[0][2][1][1] is None and slow[0][2][5][2] is True  # row 5: hidden


def _text_cell(text: bytes) -> bytes:
    return b'<row r="1"><c r="A1" t="inlineStr"><is><t>' + text + b"</t></is></c></row>"


@pytest.mark.parametrize(
    "text",
    [
        "a\ufeffb\uf8ffc\uff01d\ufffde",  # written from the byte \xef, as U+FFFE and U+FFFF are
        "[1] a] b]] c >",  # "]" and "]]", but never "]]>"
    ],
)
def test_rows_near_what_the_scanner_leaves_to_lxml_are_scanned_as_openpyxl_reads_them(
    tmp_path: Path, text: str
) -> None:
    """Text holding what the scanner's checks look for first (the byte \xef, which U+FFFE and
    U+FFFF begin with; a "]", which "]]>" begins with), and none of what they refuse, is
    still cut by the scanner, and reads as openpyxl reads it."""
    wb = Workbook()
    wb.active["A1"] = "Action"
    wb.save(tmp_path / "near.xlsx")
    data = repackaged(
        tmp_path / "near.xlsx", with_rows(_text_cell(text.replace(">", "&gt;").encode()))
    )
    assert set(scanned(data).values()) == {True}
    assert outcome(load_workbook_fast, data) == outcome(_openpyxl, data)
    assert load_workbook_fast(data).active["A1"].value == text


@pytest.mark.parametrize(
    ("name", "rows", "scanned_as"),
    [
        # read by lxml: the scanner does not take these rows
        ("a carriage return", _text_cell(b"a\r\nb"), False),
        ("a cell outside a row", b'<c r="A1" t="n"><v>1</v></c>', False),
        ("a row inside a row", b'<row r="1"><row r="2"></row></row>', False),
        ("an entity in a row's attribute", b'<row r="1" x="&amp;"><c r="A1"/></row>', False),
        ("an undeclared prefix", b'<row r="1" y:z="1"><c r="A1"><v>1</v></c></row>', False),
        ("a namespace declared on a row", b'<row r="1" xmlns:q="urn:q"><c r="A1"/></row>', False),
        ("text between cells", b'<row r="1">stray<c r="A1"><v>1</v></c></row>', False),
        # in a cell the scanner takes whole (for openpyxl to read), still left to lxml
        ("a comment in a cell", b'<row r="1"><c r="A1"><!-- x --><v>1</v></c></row>', False),
        ("an instruction in a cell", b'<row r="1"><c r="A1"><v>1</v><?pi x?></c></row>', False),
        (
            "CDATA in a cell",
            b'<row r="1"><c r="A1" t="inlineStr"><is><t><![CDATA[a<b]]></t></is></c></row>',
            False,
        ),
        ("U+FFFF, not an XML character", _text_cell("a\uffffb".encode()), False),
        ("U+FFFE, not an XML character", _text_cell("a\ufffeb".encode()), False),
        # taken by the scanner, and not XML: openpyxl cannot read them either
        ("a bare ampersand", _text_cell(b"a & b"), True),
        ("an entity XML does not define", _text_cell(b"a&nbsp;b"), True),
        ("a reference to no XML character", _text_cell(b"a&#1;b"), True),
    ],
)
def test_rows_the_scanner_does_not_read_load_as_openpyxl_loads_them(
    tmp_path: Path, name: str, rows: bytes, scanned_as: bool
) -> None:
    wb = Workbook()
    wb.active["A1"] = "Action"
    wb.save(tmp_path / "odd.xlsx")
    data = repackaged(tmp_path / "odd.xlsx", with_rows(rows))
    assert set(scanned(data).values()) == {scanned_as}, name
    expected = outcome(_openpyxl, data)
    if scanned_as:
        assert isinstance(expected, str), expected  # the kind of error openpyxl raised
    assert outcome(load_workbook_fast, data) == expected


@pytest.mark.parametrize(
    ("name", "old", "new"),
    [
        # ElementTree (openpyxl) drops comments and processing instructions; lxml keeps them
        ("comment in a row", b"</c></row>", b"</c><!-- a note --></row>"),
        ("instruction in a row", b"</c></row>", b"</c><?app something?></row>"),
        # the text that ends the rows, inside a CDATA section: the copy without rows breaks
        ("CDATA", b"<is><t>Owner</t></is>", b"<is><t><![CDATA[a </sheetData> b]]></t></is>"),
        # a prefix declared on sheetData itself
        (
            "prefix declared on sheetData",
            b"<sheetData>",
            b'<x:sheetData xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">',
        ),
        ("an empty row number", b'<row r="2">', b'<row r="">'),
        # an entity: openpyxl (defusedxml) refuses or expands it, never the fast reader
        (
            "DOCTYPE",
            b"<worksheet ",
            b'<!DOCTYPE worksheet [<!ENTITY e "42">]><worksheet ',
        ),
    ],
)
def test_odd_xml_reads_as_openpyxl_reads_it(
    tmp_path: Path, name: str, old: bytes, new: bytes
) -> None:
    wb = Workbook()
    wb.active.append(["Action", "Owner"])
    wb.active.append(["Promote the network", 3])
    wb.save(tmp_path / "odd.xlsx")

    def edit(xml: bytes) -> bytes:
        assert old in xml, name
        xml = xml.replace(old, new, 1)
        if name == "prefix declared on sheetData":
            xml = xml.replace(b"</sheetData>", b"</x:sheetData>")
        return xml

    for compression in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):  # as files come
        data = repackaged(tmp_path / "odd.xlsx", edit, compression)
        expected = outcome(_openpyxl, data)
        assert outcome(load_workbook_fast, data) == expected
    if name in ("comment in a row", "instruction in a row"):
        slow, fast = both(data)  # read by the fast reader itself, not by its fallback
        assert fast == slow and slow[0][1][(2, 2)][1] == ("int", 3)


@pytest.mark.libreoffice
def test_a_workbook_libreoffice_saved_reads_the_same(tmp_path: Path) -> None:
    """LibreOffice writes shared formulas and its own row attributes."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    source = tmp_path / "kinds.xlsx"
    every_kind(source)
    out = tmp_path / "lo"
    subprocess.run(
        [soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
         "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    slow, fast = both((out / "kinds.xlsx").read_bytes())
    assert fast == slow


def _corpus_files() -> list[Path]:
    corpus = SHARED / "corpus"
    if not corpus.is_dir():
        return []
    found = sorted(
        p
        for p in corpus.rglob("*")
        if p.suffix.lower() in (".xlsx", ".xlsm") and p.stat().st_size <= 400_000
    )
    return found


@pytest.mark.skipif(
    not (SHARED / "corpus").is_dir(), reason="shared/corpus is not here (../shared)"
)
def test_the_hostile_corpus_reads_the_same() -> None:
    """Every .xlsx/.xlsm of the corpus (up to 400 KB) that openpyxl reads, the fast loader
    reads the same; a file openpyxl cannot read may fail either way."""
    compared = 0
    differ = []
    for path in _corpus_files():
        data = path.read_bytes()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                slow = state(load_workbook(BytesIO(data), keep_links=True, rich_text=False))
        except Exception:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fast = state(load_workbook_fast(data, keep_links=True, rich_text=False))
        except Exception as exc:  # noqa: BLE001 - reported below, with the file
            differ.append(f"{path.name}: {exc!r}")
            continue
        compared += 1
        if fast != slow:
            differ.append(path.name)
    assert compared > 300, os.fspath(SHARED)
    assert differ == []
