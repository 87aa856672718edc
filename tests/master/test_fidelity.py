"""A trust's own workbook keeps everything through refresh and merge (issue 13).

The trust's workbook is built with XlsxWriter, which writes the Excel features openpyxl
cannot keep: the logo on the plan sheet, a text box, a chart and sparklines on a Dashboard
sheet, a note on an action, an icon set on the Due Date column, data bars, a link in an
unlabelled column right of the table, a table on another sheet, rich text, the user's own
dropdown and defined name. After refresh and merge, an inventory of the package shows every
part still there, byte for byte outside what edi_xl owns, and every cell of the user's as it
was.
"""

from __future__ import annotations

import re
import struct
import warnings
import zipfile
import zlib
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from click.testing import CliRunner
from conftest import seed_rows
from lxml import etree
from openpyxl import load_workbook

from edi_xl.cli import cli
from edi_xl.flows.merge import merge_returns
from edi_xl.flows.owner_returns import make_owner_returns
from edi_xl.flows.refresh import refresh_workbook

AS_AT = date(2023, 12, 18)
M = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
#: parts edi_xl edits: the plan sheet, the workbook's list of sheets and names, styles, types
EDITED = {
    "xl/worksheets/sheet1.xml",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/styles.xml",
    "[Content_Types].xml",
}


def _png(width: int = 40, height: int = 20) -> bytes:
    """A small blue PNG (the trust's logo)."""
    raw = b"".join(b"\x00" + b"\x00\x5e\xb8" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def add_dashboard(wb: Any) -> Any:
    """A trust's Dashboard sheet (XlsxWriter): four quarters' counts, a column chart of
    them and a sparkline."""
    dash = wb.add_worksheet("Dashboard")
    dash.write_row(0, 0, ["Quarter", "Actions"])
    for i, (q, n) in enumerate([("Q1", 4), ("Q2", 7), ("Q3", 9), ("Q4", 12)], start=1):
        dash.write_row(i, 0, [q, n])
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"categories": "=Dashboard!$A$2:$A$5", "values": "=Dashboard!$B$2:$B$5"})
    dash.insert_chart("D2", chart)
    dash.add_sparkline("C2", {"range": "Dashboard!B2:B5"})
    return dash


def build_featured_workbook(path: Path) -> Path:
    """The trust's plan (seed 000) with many Excel features around it, by XlsxWriter."""
    logo = path.parent / "logo.png"
    logo.write_bytes(_png())
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Action Plan")
    bold = wb.add_format({"bold": True, "bg_color": "#D9E1F2", "text_wrap": True})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    ws.write(0, 0, "Equality, Diversity & Inclusion Action Plan 2023/24", bold)
    ws.insert_image("G1", str(logo), {"x_scale": 1, "y_scale": 1})
    ws.insert_textbox("D1", "Owned by the EDI team", {"width": 200, "height": 30})
    header, rows = seed_rows()
    header_row = 3  # 0-based: the table starts on row 4
    for c, text in enumerate(header):
        ws.write(header_row, c, text, bold)
    for r, values in enumerate(rows, start=header_row + 1):
        for c, text in enumerate(values):
            if text:
                ws.write_string(r, c, text, wrap)
    last = header_row + len(rows)
    # the user's own column with no header, right of the table: a link per row
    for r in range(header_row + 1, last + 1):
        ws.write_url(r, 10, "https://www.england.nhs.uk/about/equality/", string="WRES guidance")
    ws.write_rich_string(1, 0, "Key: ", bold, "bold", " and plain")
    ws.write_comment(header_row + 1, 2, "Agreed at the September committee")
    ws.conditional_format(
        header_row + 1, 7, last, 7, {"type": "icon_set", "icon_style": "3_traffic_lights"}
    )
    ws.conditional_format(header_row + 1, 0, last, 0, {"type": "data_bar", "data_bar_2010": True})
    ws.data_validation(header_row + 1, 2, last, 2, {"validate": "length", "criteria": "<",
                                                     "value": 500})  # fmt: skip
    ws.set_column(0, 0, 6)
    ws.set_column(2, 2, 50)
    dash = add_dashboard(wb)
    dash.insert_textbox("D18", "Board: quarterly", {"width": 150, "height": 30})
    nets = wb.add_worksheet("Networks")
    nets.add_table("A1:C4", {"data": [["Race", "REACH", 40], ["Disability", "Able", 25],
                                      ["LGBT+", "Pride", 31]],
                             "columns": [{"header": "Network"}, {"header": "Name"},
                                         {"header": "Members"}]})  # fmt: skip
    wb.define_name("NetworkMembers", "=Networks!$C$2:$C$4")
    ws.set_header("&L&G", {"image_left": str(logo)})
    wb.close()
    return path


def _load(path: Path) -> Any:
    """openpyxl's view of a file (it warns about the extensions it does not read)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return load_workbook(path)


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _cells(root: Any) -> dict[str, Any]:
    out = {}
    for c in root.iter(M + "c"):
        out[c.get("r")] = etree.tostring(c, method="c14n")
    return out


def _children(root: Any, skip: set[str]) -> list[bytes]:
    return [
        etree.tostring(el, method="c14n") for el in root if etree.QName(el).localname not in skip
    ]


@pytest.fixture
def featured(tmp_path: Path) -> Path:
    return build_featured_workbook(tmp_path / "trust plan.xlsx")


def assert_kept(before: dict[str, bytes], after: dict[str, bytes]) -> None:
    """Every part of the trust's is there; those edi_xl does not edit are byte for byte."""
    missing = sorted(set(before) - set(after))
    assert missing == []
    changed = sorted(n for n in before if n not in EDITED and before[n] != after[n])
    assert changed == []


def test_refresh_keeps_every_part_and_feature(featured: Path) -> None:
    before = parts(featured)
    result = refresh_workbook(featured, AS_AT, now=datetime(2023, 12, 18, 9))
    assert result.notes == [] or all("patched" not in n.message for n in result.notes)
    after = parts(featured)
    assert_kept(before, after)
    for feature in (
        "xl/media/image1.png",
        "xl/drawings/drawing1.xml",
        "xl/charts/chart1.xml",
        "xl/comments1.xml",
        "xl/tables/table1.xml",
        "xl/drawings/vmlDrawing1.vml",
    ):
        assert feature in after, feature  # fmt: skip
    dash = after["xl/worksheets/sheet2.xml"]
    assert b"x14:sparklineGroups" in dash
    plan_before = etree.fromstring(before["xl/worksheets/sheet1.xml"])
    plan_after = etree.fromstring(after["xl/worksheets/sheet1.xml"])
    # the user's icon set, data bars, dropdown, picture, note, link, header image: all kept
    owned = {"sheetData", "conditionalFormatting", "dataValidations", "pageSetup",
             "headerFooter", "sheetPr", "autoFilter", "cols", "dimension", "sheetViews",
             "pageMargins"}  # fmt: skip
    assert _children(plan_before, owned) == _children(plan_after, owned)
    rules = [r.get("type") for r in plan_after.iter(M + "cfRule")]
    assert "iconSet" in rules and "dataBar" in rules
    assert b"x14:dataBar" in after["xl/worksheets/sheet1.xml"]  # XlsxWriter's extension
    validations = [dv.findtext(M + "formula1") for dv in plan_after.iter(M + "dataValidation")]
    assert "500" in validations and "StatusList" in validations
    # the user's cells outside the Status column are as they were, the link text included
    cells_before, cells_after = _cells(plan_before), _cells(plan_after)
    for ref, xml in cells_before.items():
        if not ref.startswith("I"):
            assert cells_after.get(ref) == xml, ref
    assert b"headerFooter" in after["xl/worksheets/sheet1.xml"]
    hf = plan_after.find(M + "headerFooter")
    assert hf.findtext(M + "oddHeader") == "&L&G"
    # edi_xl's columns went right of the link column K, not over it
    wb = _load(featured)
    ws = wb["Action Plan"]
    assert [ws.cell(4, c).value for c in (11, 12, 13, 14)] == [
        None, "Overdue", "Days overdue", "Problems"]  # fmt: skip
    assert ws["K5"].value == "WRES guidance" and ws["K5"].hyperlink is not None
    assert ws["L8"].value == "Yes"  # 1.9 is overdue
    assert "NetworkMembers" in wb.defined_names
    assert {"Settings", "Lists", "Summary", "Change Log"} <= set(wb.sheetnames)
    assert wb.sheetnames[:2] == ["Action Plan", "Summary"]


def test_refresh_twice_changes_nothing_of_the_trust(featured: Path) -> None:
    refresh_workbook(featured, AS_AT, now=datetime(2023, 12, 18, 9))
    once = parts(featured)
    refresh_workbook(featured, AS_AT, now=datetime(2023, 12, 18, 10))
    twice = parts(featured)
    assert once["xl/worksheets/sheet1.xml"] == twice["xl/worksheets/sheet1.xml"]
    assert set(once) == set(twice)


def test_merge_keeps_every_part_and_moves_what_is_right_of_a_new_round(
    featured: Path, tmp_path: Path
) -> None:
    refresh_workbook(featured, AS_AT, now=datetime(2023, 12, 18, 9))
    before = parts(featured)
    later = date(2024, 3, 20)
    sent = make_owner_returns(featured, tmp_path / "returns", later)
    owner_file = sent.files[0]
    wb = load_workbook(owner_file.path)
    ws = wb["Your actions"]
    header_row = next(r for r in range(1, 20) if ws.cell(r, 1).value == "#")
    header = [c.value for c in ws[header_row]]
    update_col = header.index("Update as at 20 Mar 24") + 1
    action_id = ws.cell(header_row + 1, 1).value
    typed = ws.cell(header_row + 1, update_col)
    typed.value = '=HYPERLINK("x") typed as text'
    typed.data_type = "s"  # the owner typed it as text (Excel: a leading apostrophe)
    wb.save(owner_file.path)
    result = merge_returns(featured, [owner_file.path], as_at=later, now=datetime(2024, 3, 21))
    assert [f.outcome for f in result.files] == ["merged"]
    after = parts(featured)
    assert sorted(set(before) - set(after)) == []
    # the new round's column went in after the previous one (K): the link column moved to L,
    # the note and the pictures right of it moved with it
    wb = _load(featured)
    ws = wb["Action Plan"]
    assert ws["K4"].value == "Update as at 20 Mar 24"
    assert ws["L5"].value == "WRES guidance" and ws["L5"].hyperlink is not None
    row = next(r for r in range(5, 30) if ws.cell(r, 1).value == action_id)
    assert ws.cell(row, 11).value == '=HYPERLINK("x") typed as text'
    assert ws.cell(row, 11).data_type == "s"  # text, never a formula
    drawing = etree.fromstring(after["xl/drawings/drawing1.xml"])
    assert len(drawing) == 2  # the logo and the text box, left of the insert: where they were
    # the parts of what is all left of the new column keep their bytes (helper-126: written
    # again, the same XML with another declaration, LF for CRLF)
    for name in ("xl/drawings/drawing1.xml", "xl/comments1.xml", "xl/drawings/vmlDrawing1.vml"):
        assert after[name] == before[name], name
    for name in before:
        if name.startswith(("xl/media/", "xl/charts/chart1", "xl/tables/", "xl/worksheets/sheet2",
                            "xl/worksheets/sheet3")):  # fmt: skip
            assert before[name] == after[name], name


@pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")
def test_libreoffice_opens_the_patched_workbook_and_recalculates_the_summary(
    featured: Path, tmp_path: Path
) -> None:
    """LibreOffice, a real spreadsheet program, opens the patched file; its recalculated
    Summary counts equal Python's; the trust's sheets and link are there."""
    from libreoffice import require_soffice
    from test_summary import python_tables, recalculated_tables

    require_soffice(poppler=True)
    refresh_workbook(featured, AS_AT, now=datetime(2023, 12, 18, 9))
    from edi_xl.flows.refresh import summarise_master

    expected = python_tables(summarise_master(featured))
    assert recalculated_tables(featured, tmp_path / "lo") == expected
    copy = _load(tmp_path / "lo" / featured.name)
    assert {"Action Plan", "Dashboard", "Networks", "Summary"} <= set(copy.sheetnames)
    assert copy["Action Plan"]["K5"].value == "WRES guidance"


# --- edi-xl add-buttons: the trust's own workbook with the buttons ------------------------------


def test_add_buttons_keeps_the_trust_workbook_and_adds_the_project(featured: Path) -> None:
    from edi_xl.master import vba

    before = parts(featured)
    result = CliRunner().invoke(cli, ["add-buttons", str(featured), "--as-at", "2023-12-18"])
    assert result.exit_code in (0, 1), result.output
    xlsm = featured.with_suffix(".xlsm")
    assert f"Buttons added: {xlsm}" in result.output
    assert parts(featured) == before  # the .xlsx itself is not changed
    after = parts(xlsm)
    assert after["xl/vbaProject.bin"] == vba.vba_project()
    types = after["[Content_Types].xml"].decode()
    assert "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in types
    assert "application/vnd.ms-office.vbaProject" in types
    vml_edited = "xl/drawings/vmlDrawing1.vml"  # the plan sheet's notes: the buttons join them
    untouched = EDITED | {
        vml_edited,
        "xl/worksheets/sheet2.xml",
        "xl/worksheets/_rels/sheet1.xml.rels",
    }
    assert sorted(set(before) - set(after)) == []
    assert sorted(n for n in before if n not in untouched and before[n] != after[n]) == []
    vml = after[vml_edited].decode()
    assert 'ObjectType="Note"' in vml  # the note on action 1.4 is still there
    assert [m for m in vba.BUTTONS if f"[0]!{m.macro}" in vml] == list(vba.BUTTONS)
    book = etree.fromstring(after["xl/workbook.xml"])
    assert book.find(M + "workbookPr").get("codeName") == "ThisWorkbook"
    plan = etree.fromstring(after["xl/worksheets/sheet1.xml"])
    assert plan.find(M + "sheetPr").get("codeName") == "Sheet1"
    # a refresh of the .xlsm keeps the project and the buttons byte for byte
    refresh_workbook(xlsm, AS_AT, now=datetime(2023, 12, 19))
    again = parts(xlsm)
    assert again["xl/vbaProject.bin"] == after["xl/vbaProject.bin"]
    assert again[vml_edited] == after[vml_edited]


def test_add_buttons_types_a_workbook_typed_by_the_default_for_xml(featured: Path) -> None:
    """A package may give its workbook part its type by ``<Default Extension="xml">`` and no
    ``<Override>`` of its own (Apache POI's bug66675.xlsx): the .xlsm's workbook still said
    "sheet.main", and Excel refuses an .xlsm whose workbook is not macro-enabled (helper-126)."""
    from ooxml_check import new_ooxml_errors

    main = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    edited = parts(featured)
    types = edited["[Content_Types].xml"].decode()
    types = re.sub(r'<Override PartName="/xl/workbook.xml"[^>]*/>', "", types)
    types = re.sub(r'<Default Extension="xml" ContentType="[^"]*"/>',
                   f'<Default Extension="xml" ContentType="{main}"/>', types)  # fmt: skip
    edited["[Content_Types].xml"] = types.encode()
    with zipfile.ZipFile(featured, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in edited.items():
            z.writestr(name, data)
    result = CliRunner().invoke(cli, ["add-buttons", str(featured), "--as-at", "2023-12-18"])
    assert result.exit_code in (0, 1), result.output
    xlsm = featured.with_suffix(".xlsm")
    types = parts(xlsm)["[Content_Types].xml"].decode()
    assert re.findall(r'<Override PartName="/xl/workbook.xml" ContentType="([^"]*)"', types) == [
        "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
    ]
    assert new_ooxml_errors(featured, xlsm) == []


def test_add_buttons_refuses_a_workbook_with_macros_and_other_files(tmp_path: Path) -> None:
    master = tmp_path / "plan.xlsm"
    result = CliRunner().invoke(cli, ["new", str(master), "--as-at", "2023-12-18"])
    assert result.exit_code in (0, 1), result.output
    out = tmp_path / "copy.xlsm"
    before = master.read_bytes()
    result = CliRunner().invoke(cli, ["add-buttons", str(master), "-o", str(out)])
    assert result.exit_code == 2 and "already has macros" in result.output
    assert f"{master}: the workbook already has macros" in result.output  # (helper-84)
    assert not out.exists() and master.read_bytes() == before
    csv = tmp_path / "plan.csv"
    csv.write_text("#,Action\n1,x\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["add-buttons", str(csv)])
    assert result.exit_code == 2 and "edi-xl import" in result.output


def add_buttons_to(plan: Path) -> tuple[Any, list[list[int]]]:
    """``edi-xl add-buttons PLAN``: its result and the buttons' anchors in the .xlsm (column,
    dx, row, dy, ... as the VML gives them, 0-based)."""
    result = CliRunner().invoke(cli, ["add-buttons", str(plan), "--as-at", "2023-12-18"])
    assert result.exit_code in (0, 1), result.output
    with zipfile.ZipFile(plan.with_suffix(".xlsm")) as z:
        vml = next(z.read(n) for n in z.namelist() if n.endswith(".vml")).decode()
    return result, [[int(x) for x in a.split(",")] for a in re.findall(r"<x:Anchor>([^<]*)", vml)]


@pytest.mark.parametrize("far", ["", "AZ30", "XFD5", "XEX1"])
def test_add_buttons_to_a_plan_whose_header_is_in_row_1(tmp_path: Path, far: str) -> None:
    """No row above the table: the buttons go beside its header, right of its last heading
    (not over its headings, which the frozen header row would keep covered; not off right
    of a styled cell in Excel's last column, where XlsxWriter drew none and the command
    ended in a traceback; not past Excel's last column for a heading of the trust's far
    right), and the command says so and how to have them above the table. (A note far
    right below the table is a column of the trust's: edi_xl's columns, and the buttons,
    go right of it.)"""
    from openpyxl import Workbook
    from openpyxl.styles import PatternFill
    from openpyxl.utils import get_column_letter

    header, rows = seed_rows()
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Action Plan"
    for line in [header, *rows]:
        ws.append(line)
    if far == "XFD5":
        ws[far].fill = PatternFill("solid", fgColor="FFFF00")  # (a styled cell, no value)
    elif far:
        ws[far] = "a note of the trust's"
    plan = tmp_path / "plan.xlsx"
    wb.save(plan)
    result, anchors = add_buttons_to(plan)
    assert len(anchors) == 5 and all(a[2] == 0 and a[4] < 16384 for a in anchors), anchors
    headings = load_workbook(plan.with_suffix(".xlsm"))["Action Plan"][1]
    last = max(c.column for c in headings[:256] if c.value is not None)  # (Problems)
    assert anchors[0][0] == last and all(a[0] >= last for a in anchors), anchors
    beside = f"buttons are beside it, from column {get_column_letter(last + 1)} (right of"
    assert beside in result.output


def test_add_buttons_gives_no_two_sheets_one_code_name(tmp_path: Path) -> None:
    """A workbook that once had macros: its sheets carry code names (VBA's names for them)
    Sheet1, Sheet2 and Sheet3, the plan the third. The project names the plan Sheet1 and
    the first other sheet Sheet2, which left the second sheet's own Sheet2: two sheets with
    one code name (helper-84). The second sheet gets a free one."""
    from openpyxl import Workbook

    header, rows = seed_rows()
    wb = Workbook()
    intro = wb.active
    assert intro is not None
    intro.title = "Intro"
    wb.create_sheet("Data")
    plan_ws = wb.create_sheet("Action Plan")
    for line in [header, *rows]:
        plan_ws.append(line)
    for ws, code in zip(wb.worksheets, ("Sheet1", "sheet2", "Sheet3"), strict=True):
        ws.sheet_properties.codeName = code
    plan = tmp_path / "plan.xlsx"
    wb.save(plan)
    add_buttons_to(plan)
    made = load_workbook(plan.with_suffix(".xlsm"), keep_vba=True)
    codes = {ws.title: ws.sheet_properties.codeName for ws in made.worksheets}
    assert codes["Action Plan"] == "Sheet1" and codes["Intro"] == "Sheet2"
    given = [code.lower() for code in codes.values() if code]
    assert codes["Data"] and len(set(given)) == len(given) == 3, codes


@pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")
def test_libreoffice_binds_the_buttons_added_to_a_trust_workbook(
    featured: Path, tmp_path: Path
) -> None:
    from libreoffice import convert, require_soffice

    from edi_xl.master import vba

    require_soffice()
    CliRunner().invoke(cli, ["add-buttons", str(featured), "--as-at", "2023-12-18"])
    fods = convert(featured.with_suffix(".xlsm"), "fods", tmp_path / "lo").read_text("utf-8")
    labels = re.findall(r'<form:button [^>]*form:label="([^"]*)"', fods)
    assert labels == [b.caption for b in vba.BUTTONS]
    bound = re.findall(
        r'xlink:href="vnd\.sun\.star\.script:VBAProject\.EdiXlButtons\.(\w+)\?', fods
    )
    assert bound == [b.macro for b in vba.BUTTONS]
    assert "Agreed at the September committee" in fods  # the note
    assert "REACH" in fods and "WRES guidance" in fods  # the table sheet, the link column
    assert fods.count("<draw:frame") >= 3  # the logo, the text box's frame, the chart


def narrow_plan_with_buttons(tmp_path: Path, older: bool = False) -> Path:
    """A trust's plan (seed 000, header on row 4) whose columns are narrow (width 6), so
    each of edi_xl's buttons, 170 pixels wide, spans three or four columns and the buttons
    cover the column a round goes in at; with the buttons added (``edi-xl add-buttons``):
    the .xlsm. ``older``: the buttons without their placement flag, as edi_xl added them
    before session 20 ("Move and size with cells" to Excel)."""
    from conftest import add_seed_plan_sheet, rewrite_part

    plan = tmp_path / "narrow plan.xlsx"
    wb = xlsxwriter.Workbook(str(plan))
    ws, _ = add_seed_plan_sheet(wb, header_row=4)
    ws.set_column(0, 30, 6)
    wb.close()
    add_buttons_to(plan)
    xlsm = plan.with_suffix(".xlsm")
    if older:
        rewrite_part(xlsm, "xl/drawings/vmlDrawing1.vml",
                     lambda data: data.replace(b"<x:SizeWithCells/>", b""))  # fmt: skip
    return xlsm


def edi_xl_buttons(path: Path) -> dict[str, tuple[list[int], str]]:
    """Macro -> (anchor: column, dx, row, dy, ... 0-based; its ClientData) of each of edi_xl's
    buttons in the workbook at ``path``."""
    from edi_xl.master import vba

    with zipfile.ZipFile(path) as z:
        vml = next(z.read(n) for n in z.namelist() if n.endswith(".vml")).decode()
    found = {}
    for data in re.findall(r'<x:ClientData ObjectType="Button">.*?</x:ClientData>', vml, re.S):
        macro = re.search(r"<x:FmlaMacro>\[0\]!(\w+)</x:FmlaMacro>", data)
        anchor = re.search(r"<x:Anchor>([^<]*)</x:Anchor>", data)
        assert macro and anchor
        found[macro[1]] = ([int(x) for x in anchor[1].split(",")], data)
    assert list(found) == [b.macro for b in vba.BUTTONS]
    return found


def _box(path: Path, anchor: list[int]) -> tuple[int, int]:
    """(left, width) in pixels of a VML shape anchored so on the plan sheet of the workbook
    at ``path``, as Excel draws it by the sheet's column widths."""
    from conftest import column_edges, pixel_box

    with zipfile.ZipFile(path) as z:
        edges = column_edges(z.read("xl/worksheets/sheet1.xml"))
    return pixel_box(edges, [(anchor[0], anchor[1]), (anchor[4], anchor[5])])


def test_buttons_added_to_a_plan_of_narrow_columns_are_drawn_as_wide_as_made(
    tmp_path: Path,
) -> None:
    """edi_xl's buttons on a plan whose columns the trust set narrow are each 170 pixels wide
    and 12 apart, as Excel draws them by the file's column widths (drawn on columns of the
    file's width taken as typed, 5 pixels wider each, they came out 155-170 pixels wide with
    uneven gaps, helper-112)."""
    from edi_xl.master.buttons import BUTTON_GAP_PX, BUTTON_WIDTH_PX

    xlsm = narrow_plan_with_buttons(tmp_path)
    boxes = sorted(_box(xlsm, anchor) for anchor, _ in edi_xl_buttons(xlsm).values())
    assert [width for _, width in boxes] == [BUTTON_WIDTH_PX] * len(boxes)
    gaps = [b[0] - (a[0] + a[1]) for a, b in zip(boxes, boxes[1:], strict=False)]
    assert gaps == [BUTTON_GAP_PX] * (len(boxes) - 1)


def _same(box: tuple[int, int], was: tuple[int, int], moved: int = 0) -> bool:
    """Whether a shape drawn at ``box`` (left, width in pixels) is where it ``was`` but
    ``moved`` pixels right, as wide, to a pixel (rounding)."""
    return abs(box[0] - was[0] - moved) <= 1 and abs(box[1] - was[1]) <= 1


@pytest.mark.parametrize("older", [False, True], ids=["made now", "added before"])
def test_round_columns_leave_the_buttons_width_on_a_narrow_plan(
    tmp_path: Path, older: bool
) -> None:
    """On a plan of narrow columns the buttons span the column each round goes in at. The
    buttons are placed to move but not size with cells (``<x:SizeWithCells/>``, so that
    Excel itself does not widen them when the user inserts a column): two rounds later each
    keeps its width in columns and offsets, and none overlaps the next; one right of the
    new column moves with it, by the new columns' widths. In pixels, as Excel draws them:
    one the new column runs under has its right corner worked out again (kept in the column
    it was in, now a column of another width, Excel would draw it wider or narrower, and
    cut a corner's offset past its column's edge). Buttons edi_xl added before, with no
    flag, are edi_xl's own (known by their macro): they are moved the same way and given
    the flag."""
    xlsm = narrow_plan_with_buttons(tmp_path, older)
    before = edi_xl_buttons(xlsm)
    boxes = {macro: _box(xlsm, anchor) for macro, (anchor, _) in before.items()}
    assert all(("<x:SizeWithCells/>" in data) != older for _, data in before.values())
    for start in ("2024-03-18", "2024-06-18"):
        result = CliRunner().invoke(cli, ["round", str(xlsm), "--start", start])
        assert result.exit_code in (0, 1), result.output
    header = [c.value for c in load_workbook(xlsm)["Action Plan"][4]]
    new = header.index("Update as at 18 Mar 24")  # 0-based, the first round's column
    after = edi_xl_buttons(xlsm)
    spanning = [m for m, (a, _) in before.items() if a[0] < new <= a[4]]
    assert spanning, "no button spans the round's column: the test proves nothing"
    with zipfile.ZipFile(xlsm) as z:
        from conftest import column_edges

        edges = column_edges(z.read("xl/worksheets/sheet1.xml"))
    rounds = edges[new + 2] - edges[new]  # the two rounds' columns, side by side
    for macro, (anchor, data) in after.items():
        assert "<x:SizeWithCells/>" in data and "<x:MoveWithCells/>" not in data
        moved = before[macro][0][0] >= new  # whole, once for each round's column
        assert anchor[0] == before[macro][0][0] + (2 if moved else 0), macro
        assert _same(_box(xlsm, anchor), boxes[macro], rounds if moved else 0), (
            macro,
            boxes[macro],
            _box(xlsm, anchor),
        )
    ordered = [_box(xlsm, a) for a, _ in after.values()]
    for left, right in zip(ordered, ordered[1:], strict=False):
        assert left[0] + left[1] <= right[0], (left, right)  # no overlap


def test_a_new_xlsm_masters_buttons_move_but_do_not_size_with_cells(tmp_path: Path) -> None:
    """``edi-xl new plan.xlsm`` places its buttons as add-buttons does, and a round leaves
    their widths."""
    master = tmp_path / "plan.xlsm"
    result = CliRunner().invoke(cli, ["new", str(master), "--as-at", "2023-12-18"])
    assert result.exit_code in (0, 1), result.output
    before = edi_xl_buttons(master)
    assert all("<x:SizeWithCells/>" in data for _, data in before.values())
    widths = [_box(master, a)[1] for a, _ in before.values()]
    CliRunner().invoke(cli, ["round", str(master), "--start", "2024-03-18"])
    after = edi_xl_buttons(master)
    now = [_box(master, a)[1] for a, _ in after.values()]
    assert all(abs(w - was) <= 1 for w, was in zip(now, widths, strict=True)), (widths, now)


@pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")
def test_libreoffice_binds_the_buttons_after_rounds_on_a_narrow_plan(tmp_path: Path) -> None:
    """LibreOffice opens the .xlsm two rounds on: the five buttons are there, each bound to
    its macro, and those the rounds did not run under as wide as when they were added (to two
    hundredths of an inch: a button that moved spans other columns, whose pixels LibreOffice
    rounds a little differently)."""
    from libreoffice import convert, require_soffice

    from edi_xl.master import vba

    require_soffice()
    xlsm = narrow_plan_with_buttons(tmp_path)

    def buttons(out: Path) -> list[tuple[str, str, float]]:
        fods = convert(xlsm, "fods", out).read_text("utf-8")
        bound = re.findall(
            r'xlink:href="vnd\.sun\.star\.script:VBAProject\.EdiXlButtons\.(\w+)\?', fods
        )
        labels = re.findall(r'<form:button [^>]*form:label="([^"]*)"', fods)
        widths = re.findall(r'<draw:control [^>]*svg:width="([^"]*)"', fods)
        assert len(bound) == len(labels) == len(widths) == len(vba.BUTTONS)
        inches = [round(float(re.sub(r"[a-z]+$", "", w)), 2) for w in widths]
        return list(zip(labels, bound, inches, strict=True))

    first = buttons(tmp_path / "lo")
    assert [(c, m) for c, m, _ in first] == [(b.caption, b.macro) for b in vba.BUTTONS]
    anchors = edi_xl_buttons(xlsm)
    for start in ("2024-03-18", "2024-06-18"):
        CliRunner().invoke(cli, ["round", str(xlsm), "--start", start])
    header = [c.value for c in load_workbook(xlsm)["Action Plan"][4]]
    new = header.index("Update as at 18 Mar 24")  # 0-based, the first round's column
    # (a button a round ran under keeps its width as Excel draws it: its right corner is
    # worked out again by Excel's pixels, and LibreOffice draws a narrow column about a
    # third wider than Excel does, so it spans other columns there:
    # test_round_columns_leave_the_buttons_width_on_a_narrow_plan)
    under = [m for m, (a, _) in anchors.items() if a[0] < new <= a[4]]
    assert under
    now = buttons(tmp_path / "lo2")
    assert [(c, m) for c, m, _ in now] == [(c, m) for c, m, _ in first]
    kept = [(b, a) for b, a in zip(now, first, strict=True) if b[1] not in under]
    assert kept and all(abs(b[2] - a[2]) <= 0.02 for b, a in kept), kept


def test_a_new_round_column_moves_the_notes_and_widths_of_edi_xls_own_columns(
    master: Path, tmp_path: Path
) -> None:
    """In a master edi_xl made (openpyxl's VML, prefix "ns2"), inserting the round's column moves
    each header note's shape with its cell, and the grey columns keep their widths."""
    from edi_xl.master.patch import save_master
    from edi_xl.master.plan import load_master, round_column

    wb = load_master(master)
    ws = wb["Action Plan"]
    widths = {ws.cell(4, c).value: ws.column_dimensions[ws.cell(4, c).column_letter].width
              for c in range(1, ws.max_column + 1)}  # fmt: skip
    round_column(ws, 4, date(2024, 3, 20))
    save_master(wb, master)
    after = _load(master)["Action Plan"]
    for c in range(1, after.max_column + 1):
        header = after.cell(4, c).value
        if header in widths and header != "Update as at 20 Mar 24":
            assert after.column_dimensions[after.cell(4, c).column_letter].width == widths[header]
    package = parts(master)
    notes = etree.fromstring(package["xl/comments/comment1.xml"])
    refs = sorted(el.get("ref") for el in notes.iter(M + "comment"))
    vml = package["xl/drawings/commentsDrawing1.vml"].decode()
    columns = sorted(int(n) for n in re.findall(r"<\w+:Column>(\d+)</\w+:Column>", vml))
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    ref_columns = sorted(column_index_from_string(coordinate_from_string(r)[0]) - 1 for r in refs)
    assert columns == ref_columns  # each note's shape sits on its (moved) cell


def _without_references(path: Path, sheet_part: str = "xl/worksheets/sheet1.xml") -> int:
    """Take out each row and cell reference (``r``) that its place implies (the row after
    the row before, the cell after the cell before), as some programs write sheets; the
    number taken out."""
    from openpyxl.utils import column_index_from_string
    from openpyxl.utils.cell import coordinate_from_string

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    with zipfile.ZipFile(path) as src:
        parts = [(i, src.read(i)) for i in src.infolist()]
    removed = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info, body in parts:
            if info.filename == sheet_part:
                root = etree.fromstring(body)
                last_row = 0
                for row in root.iter(f"{main}row"):
                    number = int(row.get("r"))
                    if number == last_row + 1:
                        del row.attrib["r"]
                        removed += 1
                    last_row, last_col = number, 0
                    for c in row.iter(f"{main}c"):
                        col = column_index_from_string(coordinate_from_string(c.get("r"))[0])
                        if col == last_col + 1:
                            del c.attrib["r"]
                            removed += 1
                        last_col = col
                body = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            dst.writestr(info, body)
    return removed


def test_a_sheet_whose_rows_and_cells_carry_no_reference_is_patched_in_place(
    master: Path, tmp_path: Path
) -> None:
    """The patch writer finds rows and cells by their place when the file leaves their
    references out: a new round's column goes in its place, a refresh writes Status and the
    computed columns into the right cells, and every other cell is where it was."""
    from edi_xl.flows.rounds import start_round

    before = load_workbook(master)["Action Plan"]
    values = {
        (c.row, c.column): c.value for row in before.iter_rows() for c in row if c.value is not None
    }
    assert _without_references(master) > 100
    reread = load_workbook(master)["Action Plan"]
    assert {
        (c.row, c.column): c.value for row in reread.iter_rows() for c in row if c.value is not None
    } == values  # the same workbook, as Excel and openpyxl read it
    start_round(master, date(2024, 3, 18))
    after = load_workbook(master)["Action Plan"]
    header = [after.cell(4, c).value for c in range(1, after.max_column + 1)]
    new_col = header.index("Update as at 18 Mar 24") + 1
    rounds = [v for v in (c.value for c in before[4]) if str(v).startswith("Update as at")]
    assert header[new_col - 2] == rounds[-1]  # right of the last round
    owned = {"Status", "Overdue", "Days overdue", "Problems"}  # refreshed at the new date
    kept = {c for c in range(1, before.max_column + 1) if before.cell(4, c).value not in owned}
    for (r, c), value in values.items():
        moved = c + 1 if c >= new_col else c
        if c in kept or r <= 4:
            assert after.cell(r, moved).value == value, (r, c)
    status = header.index("Status") + 1
    assert {after.cell(r, status).value for r in range(5, 22)} >= {"On Track"}
    assert all(after.cell(r, new_col).value is None for r in range(5, after.max_row + 1))


def _plan_with_numbers(wb: Any) -> tuple[Any, int]:
    """Seed 000 from row 1 of an XlsxWriter workbook, with two columns of the trust's
    numbers beside it (K, L): (the sheet, the number of actions)."""
    from conftest import add_seed_plan_sheet

    ws, actions = add_seed_plan_sheet(wb)
    for r in range(2, actions + 2):
        ws.write_number(f"K{r}", r % 5)
        ws.write_number(f"L{r}", r % 3)
    return ws, actions


@pytest.mark.parametrize("thing", ["sparklines", "text box"])
def test_edi_xls_columns_go_right_of_the_trusts_things_beside_the_table(
    tmp_path: Path, thing: str
) -> None:
    """Beside the table, in M, the trust has a column holding only sparklines (one per
    action, no header, no value in its cells: a sparkline lives in the sheet's Excel 2010
    extension), or a text box floating over the rows (a RAG key). Either is the trust's:
    edi_xl's grey columns go right of it, not under it."""

    plan = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(plan))
    ws, actions = _plan_with_numbers(wb)
    for r in range(2, actions + 2):
        if thing == "sparklines":
            ws.add_sparkline(f"M{r}", {"range": f"'Action Plan'!K{r}:L{r}", "type": "column"})
    if thing == "text box":  # 60 pixels wide: within M (0-based 12)
        ws.insert_textbox("M3", "RAG key: Green on track, Red overdue", {"width": 60})
    wb.close()
    refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))
    ws = _load(plan)["Action Plan"]
    assert [ws.cell(1, c).value for c in (13, 14, 15, 16)] == [
        None, "Overdue", "Days overdue", "Problems"]  # fmt: skip
    assert all(ws.cell(r, 13).value is None for r in range(2, actions + 2))
    if thing == "sparklines":
        assert parts(plan)["xl/worksheets/sheet1.xml"].count(b"<x14:sparkline>") == actions


def test_the_trusts_rules_over_the_status_column_keep_their_other_columns(
    tmp_path: Path,
) -> None:
    """The Status and Protected Characteristic dropdowns are edi_xl's: a rule of the trust's
    over the whole table (a length check with an input message) loses those two columns and
    keeps the rest, and a dropdown over Status and another column keeps the other column
    (before, both were deleted whole)."""
    from conftest import add_seed_plan_sheet

    plan = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(plan))
    ws, actions = add_seed_plan_sheet(wb)
    last = actions + 1
    ws.data_validation(f"A2:J{last}", {"validate": "length", "criteria": "<=", "value": 1000,
                                       "input_title": "Keep it short"})  # fmt: skip
    ws.data_validation(f"I2:I{last}", {"validate": "list", "source": ["On Track", "At Risk"],
                                       "multi_range": f"I2:I{last} K2:K{last}"})  # fmt: skip
    wb.close()
    refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))
    sheet = etree.fromstring(parts(plan)["xl/worksheets/sheet1.xml"])
    rules = {
        dv.get("sqref"): dv.findtext(M + "formula1") for dv in sheet.iter(M + "dataValidation")
    }
    assert rules[f"A2:D{last} F2:H{last} J2:J{last}"] == "1000"  # E and I are edi_xl's
    assert rules[f"K2:K{last}"] == '"On Track,At Risk"'
    assert sorted(v for v in rules.values() if v in ("StatusList", "CharacteristicList")) == [
        "CharacteristicList", "StatusList"]  # fmt: skip


def test_a_picture_placed_by_size_pushes_edi_xls_columns_past_it(tmp_path: Path) -> None:
    """A picture with a one-cell anchor (openpyxl's, and some programs': its top-left cell
    and a size), 300 pixels wide from M, beside the table: edi_xl's columns go right of
    where it ends, not under it."""
    from openpyxl.drawing.image import Image

    plan = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(plan))
    ws, actions = _plan_with_numbers(wb)
    wb.close()
    logo = tmp_path / "key.png"
    logo.write_bytes(_png(300, 40))
    book = _load(plan)
    book["Action Plan"].add_image(Image(str(logo)), "M3")  # (about M to Q, at 64 pixels)
    book.save(plan)
    refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))
    ws = _load(plan)["Action Plan"]
    headers = {c: ws.cell(1, c).value for c in range(11, 24) if ws.cell(1, c).value}
    assert min(c for c, v in headers.items() if v == "Overdue") >= 18  # right of Q


def test_a_banner_above_the_header_does_not_push_edi_xls_columns(tmp_path: Path) -> None:
    """A title banner across rows 1 to 3, ending exactly on the top edge of the header row
    (as Excel snaps a shape to the grid): it covers no row of the table, and edi_xl's columns
    go right of the table, as without it."""
    from conftest import add_seed_plan_sheet

    plan = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(plan))
    ws, _ = add_seed_plan_sheet(wb, header_row=4)
    ws.insert_textbox("A1", "Equality, Diversity & Inclusion Action Plan 2023/24",
                      {"width": 64 * 16, "height": 60})  # fmt: skip
    wb.close()
    refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))
    ws = _load(plan)["Action Plan"]
    assert [ws.cell(4, c).value for c in (11, 12, 13)] == ["Overdue", "Days overdue", "Problems"]


def test_a_text_box_right_of_a_new_round_is_found_where_the_round_moved_it(
    tmp_path: Path,
) -> None:
    """A first round started on the trust's workbook: the round's column goes in at K, the
    text box beside the table (in M) moves to N with it, and edi_xl's columns go right of
    it there, not where it was before the insert."""

    from edi_xl.flows.rounds import start_round

    plan = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(plan))
    ws, actions = _plan_with_numbers(wb)
    ws.insert_textbox("M3", "RAG key", {"width": 60})
    wb.close()
    start_round(plan, date(2024, 1, 15))
    ws = _load(plan)["Action Plan"]
    assert ws["K1"].value == "Update as at 15 Jan 24"
    assert [ws.cell(1, c).value for c in (14, 15, 16, 17)] == [
        None, "Overdue", "Days overdue", "Problems"]  # fmt: skip


def test_the_trusts_excel_2010_dropdown_on_status_gives_way_to_edi_xls(tmp_path: Path) -> None:
    """Excel 2010 and later save a dropdown listing another sheet's cells in the sheet's
    extension (x14), which openpyxl does not read: one on the Status column gives way to
    edi_xl's there (two rules on a cell fight), one over Status and another column keeps
    the other column, and one elsewhere is kept as it was."""
    from conftest import add_seed_plan_sheet, rewrite_part

    plan = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(plan))
    _, actions = add_seed_plan_sheet(wb)
    wb.add_worksheet("Lookups").write_column(0, 0, ["On Track", "At Risk", "Complete"])
    wb.close()
    last = actions + 1

    def rule(places: str) -> str:
        return (
            '<x14:dataValidation type="list" allowBlank="1" showErrorMessage="1">'
            f"<x14:formula1><xm:f>Lookups!$A$1:$A$3</xm:f></x14:formula1>"
            f"<xm:sqref>{places}</xm:sqref></x14:dataValidation>"
        )

    ext = (
        '<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
        'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
        '<x14:dataValidations count="3" '
        'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
        + rule(f"I2:I{last}") + rule(f"I2:I{last} K2:K{last}") + rule(f"L2:L{last}")
        + "</x14:dataValidations></ext></extLst>"
    )  # fmt: skip
    rewrite_part(plan, "xl/worksheets/sheet1.xml",
                 lambda d: d.replace(b"</worksheet>", ext.encode() + b"</worksheet>"))  # fmt: skip
    refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))
    sheet = etree.fromstring(parts(plan)["xl/worksheets/sheet1.xml"])
    xm = "{http://schemas.microsoft.com/office/excel/2006/main}"
    x14 = "{http://schemas.microsoft.com/office/spreadsheetml/2009/9/main}"
    assert [p.text for p in sheet.iter(f"{xm}sqref")] == [f"K2:K{last}", f"L2:L{last}"]
    assert [g.get("count") for g in sheet.iter(f"{x14}dataValidations")] == ["2"]


def test_a_dropdown_whose_cells_were_deleted_is_kept_and_the_file_patched(tmp_path: Path) -> None:
    """Excel saves an Excel 2010 dropdown whose cells were deleted with the range ``#REF!``
    (POI's 51850.xlsx). Looking for the Status column among its ranges failed, so the file
    could not be patched and was written whole, losing the plan sheet's notes and text boxes
    (helper-84); add-buttons failed with a traceback. The dropdown is kept as it is, and the
    note, as everything else, with it."""
    import shutil

    from conftest import add_seed_plan_sheet, rewrite_part

    from edi_xl.core.problems import Code
    from edi_xl.flows.add_buttons import add_buttons

    plan = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(plan))
    ws, _ = add_seed_plan_sheet(wb)
    ws.write_comment("C2", "Agreed at the EDI committee")
    ws.insert_textbox("M2", "Board sign-off due March")
    wb.add_worksheet("Lookups").write_column(0, 0, ["Yes", "No"])
    wb.close()
    ext = (
        '<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
        'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
        '<x14:dataValidations count="1" '
        'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
        '<x14:dataValidation type="list" allowBlank="1" showErrorMessage="1">'
        "<x14:formula1><xm:f>Lookups!$A$1:$A$2</xm:f></x14:formula1>"
        "<xm:sqref>#REF!</xm:sqref></x14:dataValidation>"
        "</x14:dataValidations></ext></extLst>"
    )
    rewrite_part(plan, "xl/worksheets/sheet1.xml",
                 lambda d: d.replace(b"</worksheet>", ext.encode() + b"</worksheet>"))  # fmt: skip
    before = parts(plan)
    buttons = tmp_path / "plan copy.xlsx"
    shutil.copy(plan, buttons)
    result = refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))
    assert not [n for n in result.notes if n.code is Code.SAVED_BY_REWRITE]
    after = parts(plan)
    kept = [n for n in before if "comments" in n or "vmlDrawing" in n or "drawings/" in n]
    assert kept and all(n in after for n in kept)
    sheet = etree.fromstring(after["xl/worksheets/sheet1.xml"])
    xm = "{http://schemas.microsoft.com/office/excel/2006/main}"
    assert [p.text for p in sheet.iter(f"{xm}sqref")] == ["#REF!"]
    made, _, _ = add_buttons(buttons, as_at=AS_AT)
    assert all(n in parts(made) for n in kept)


@pytest.mark.parametrize(
    ("ref", "left"),
    [
        ("I:I", []),  # a dropdown given to the whole Status column: edi_xl's there now
        ("H:J", ["H:H", "J:J"]),  # whole columns across it keep the others
        ("H2:J9", ["H2:H9", "J2:J9"]),
        ("#REF!", ["#REF!"]),  # cells deleted: kept as Excel saved it
        ("2:5", ["A2:H5", "J2:XFD5"]),  # whole rows: the cells they are, as "A2:XFD5"
        ("$2:$5", ["A2:H5", "J2:XFD5"]),
    ],
)
def test_an_excel_2010_dropdowns_ranges_lose_the_status_column_only(
    ref: str, left: list[str]
) -> None:
    from edi_xl.master.patch import _cut

    assert _cut(ref, {9}) == left


def test_a_plan_kept_in_page_layout_view_gets_no_frozen_panes(tmp_path: Path) -> None:
    """Excel shows no frozen panes in Page Layout view: a plan the trust keeps in that view
    is left in it with none (the refresh freezes the header of a plan in Normal view)."""
    from conftest import add_seed_plan_sheet

    plan = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(plan))
    ws, _ = add_seed_plan_sheet(wb)
    ws.set_page_view()
    wb.close()
    refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))
    view = etree.fromstring(parts(plan)["xl/worksheets/sheet1.xml"]).find(
        f"{M}sheetViews/{M}sheetView"
    )
    assert view.get("view") == "pageLayout" and view.find(M + "pane") is None


@pytest.mark.parametrize(
    ("above", "row", "said"),
    [
        ({}, 4, None),  # the row right above the header is empty: there
        ({"A4": "Prepared by: EDI Team", "merge": "A4:J4"}, 3, "are in row 3, the nearest"),
        ({"A4": "Prepared by: EDI Team"}, 3, "are in row 3, the nearest"),  # (runs on over B:)
        ({"A3": "Trust", "A4": "Prepared by", "C2": "x"}, 5, "Every row above the table's"),
    ],
)
def test_add_buttons_never_covers_what_is_above_the_table(
    tmp_path: Path, above: dict[str, str], row: int, said: str | None
) -> None:
    """The buttons go in the nearest row above the header with nothing where they sit (the
    row right above held a merged "Prepared by" line, and the buttons covered it: helper-43,
    session 15); with none, beside the header, right of the table."""
    from openpyxl import Workbook

    header, rows = seed_rows()
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Action Plan"
    ws["A1"] = "Equality, Diversity & Inclusion Action Plan 2023/24"
    for i, line in enumerate([header, *rows]):
        for c, value in enumerate(line, start=1):
            ws.cell(5 + i, c, value)
    for ref, text in above.items():
        if ref != "merge":
            ws[ref] = text
    if "merge" in above:
        ws.merge_cells(above["merge"])
    plan = tmp_path / "plan.xlsx"
    wb.save(plan)
    result, anchors = add_buttons_to(plan)
    assert len(anchors) == 5 and {a[2] for a in anchors} == {row - 1}, anchors
    if said is None:
        assert "The buttons are in row" not in result.output and "beside" not in result.output
    else:
        assert said in result.output
    kept = load_workbook(plan.with_suffix(".xlsm"))["Action Plan"]
    assert {ref: kept[ref].value for ref in above if ref != "merge"} == {
        ref: text for ref, text in above.items() if ref != "merge"
    }
