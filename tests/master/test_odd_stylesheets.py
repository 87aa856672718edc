"""Styles parts that Excel reads and openpyxl does not, read as Excel reads them.

- A package whose parts are not where Excel puts them (calamine's minimal_package.xlsx:
  ``/workbook.xml``, ``/styles.xml``, ``/sheet1.xml``; the relationships say where each part
  is): openpyxl reads ``xl/styles.xml`` whatever they say, found none, and the cells' style
  numbers pointed past its defaults ("list index out of range"): refused as "cannot open".
  edi_xl also took such a package for "not a package" and would have saved it whole.
- Markup compatibility in the styles (Hancom Office's ``mc:AlternateContent`` around fonts
  and differential styles, POI's style-alternate-content.xlsx): openpyxl read each as an
  empty font (no name, size, bold...): a cell in that font was read, and written again by
  a refresh, as plain.
- A named style without a name (``<cellStyle xfId="0" builtinId="0"/>``, the name is
  optional): openpyxl refused the file.
- Attributes openpyxl does not know on an ``xf`` (POI's picture.xlsx, from a converter):
  openpyxl refused the file.
- Empty fills (``<fill/>``: the schema allows them; xlsx-populate writes a list of them):
  openpyxl refused the file ("expected <class 'openpyxl.styles.fills.Fill'>").

Each odd file is an XlsxWriter plan (its header bold) with its parts rewritten.
"""

from __future__ import annotations

import re
import zipfile
from datetime import datetime
from pathlib import Path

import xlsxwriter
from conftest import AS_AT, add_seed_plan_sheet, rewrite_part, seed_rows

from edi_xl.flows.refresh import refresh_workbook
from edi_xl.master import loading
from edi_xl.master.patch import loaded_package
from edi_xl.master.plan import load_master

STYLES = "xl/styles.xml"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def build(path: Path) -> Path:
    """The seed plan, its header row bold."""
    wb = xlsxwriter.Workbook(str(path))
    ws, _ = add_seed_plan_sheet(wb)
    ws.write_row(0, 0, seed_rows()[0], wb.add_format({"bold": True}))
    wb.close()
    return path


def header_font(path: Path) -> tuple[bool, bool]:
    """(bold, underlined) of the plan's first header cell, as edi_xl loads it."""
    wb = load_master(path)
    style = loading.PlacedCells(wb["Action Plan"], [1]).cell(1, 1).font
    return bool(style.b), bool(style.u)


def move_parts(path: Path, moves: dict[str, str]) -> None:
    """The parts ``moves`` names renamed, the content types and the relationships to them
    saying so (every relationship of the workbook's made absolute), as another program may
    name them."""
    with zipfile.ZipFile(path) as zf:
        items = [(info.filename, zf.read(info)) for info in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in items:
            if name == "xl/_rels/workbook.xml.rels":
                data = re.sub(rb'Target="(?!/)', b'Target="/xl/', data)
            if name == "_rels/.rels":
                data = data.replace(b'Target="xl/', b'Target="/xl/')
            if name.endswith(".rels") or name == "[Content_Types].xml":
                for old, new in moves.items():
                    data = data.replace(f'"/{old}"'.encode(), f'"/{new}"'.encode())
            zf.writestr(moves.get(name, name), data)


def test_parts_where_the_relationships_put_them(tmp_path: Path) -> None:
    plan = build(tmp_path / "plan.xlsx")
    moves = {
        "xl/workbook.xml": "workbook.xml",
        "xl/_rels/workbook.xml.rels": "_rels/workbook.xml.rels",
        STYLES: "styles.xml",
        "xl/worksheets/sheet1.xml": "sheet1.xml",
    }
    move_parts(plan, moves)
    with zipfile.ZipFile(plan) as zf:
        assert "styles.xml" in zf.namelist() and STYLES not in zf.namelist()
    assert header_font(plan) == (True, False)
    assert loaded_package(load_master(plan)) is not None  # patched when saved, not rewritten
    refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))
    with zipfile.ZipFile(plan) as zf:
        names = zf.namelist()
        assert "styles.xml" in names and "sheet1.xml" in names and STYLES not in names
    assert header_font(plan) == (True, False)
    assert "Settings" in load_master(plan).sheetnames


def hancom_styles(data: bytes, *, alternate_only: bool = False) -> bytes:
    """The header's bold font wrapped in ``mc:AlternateContent`` as Hancom Office writes
    it (a font of its own in the ``mc:Choice``, the plain one in the ``mc:Fallback``), an
    underlined font after it; and (unless ``alternate_only``) the Normal style without its
    name and an attribute of another program's on each xf."""
    text = data.decode("utf-8")
    fonts_start = text.index("<fonts")
    bold_start = text.index("<font>", text.index("</font>", fonts_start))
    bold_end = text.index("</font>", bold_start) + len("</font>")
    bold = text[bold_start:bold_end]
    assert "<b/>" in bold
    alternate = (
        f'<mc:AlternateContent xmlns:mc="{MC}"><mc:Choice xmlns:hs="urn:hs" Requires="hs">'
        + bold.replace("<font>", '<font hs:extension="1">').replace(
            "</font>", '<hs:ratio val="100"/></font>'
        )
        + f"</mc:Choice><mc:Fallback>{bold}</mc:Fallback></mc:AlternateContent>"
    )
    text = text[:bold_start] + alternate + text[bold_end:]
    text = text.replace("</fonts>", '<font><u/><sz val="11"/><name val="Calibri"/></font></fonts>')
    text = text.replace('<fonts count="2">', '<fonts count="3">')
    if alternate_only:
        return text.encode("utf-8")
    text = text.replace('<cellStyle name="Normal" ', "<cellStyle ")
    text = text.replace("<xf ", '<xf OTHER_programsCount="7" ')
    return text.encode("utf-8")


def test_hancom_office_styles(tmp_path: Path) -> None:
    plan = build(tmp_path / "plan.xlsx")
    rewrite_part(plan, STYLES, hancom_styles)
    assert header_font(plan) == (True, False)
    with zipfile.ZipFile(plan) as zf:
        styles = zf.read(STYLES)
    refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))
    with zipfile.ZipFile(plan) as zf:
        kept = zf.read(STYLES)
    assert kept.count(b"AlternateContent") == styles.count(b"AlternateContent") == 2
    assert b"OTHER_programsCount" in kept  # (the part is the trust's: kept, only added to)
    assert header_font(plan) == (True, False)


def test_each_oddity_alone(tmp_path: Path) -> None:
    """A font in ``mc:AlternateContent`` (which openpyxl read silently wrong: the header not
    bold), a nameless Normal style, another program's attributes, each on
    its own."""
    for i, change in enumerate(
        (
            lambda d: hancom_styles(d, alternate_only=True),
            lambda d: d.replace(b'<cellStyle name="Normal" ', b"<cellStyle "),
            lambda d: d.replace(b"<xf ", b'<xf ZMIENNA_contentFontsCount="7" '),
        )
    ):
        plan = build(tmp_path / f"plan{i}.xlsx")
        rewrite_part(plan, STYLES, change)
        assert header_font(plan) == (True, False)


def empty_fills(data: bytes) -> bytes:
    """Two empty fills put in after the two every styles part starts with, each cell style's
    fill number moved past them, and one more at the end of the list."""
    text = data.decode("utf-8")
    count = int(re.search(r'<fills count="(\d+)"', text).group(1))  # type: ignore[union-attr]
    text = re.sub(
        r'fillId="(\d+)"',
        lambda m: f'fillId="{int(m.group(1)) + 2 if int(m.group(1)) >= 2 else m.group(1)}"',
        text,
    )
    second = text.index("</fill>", text.index("</fill>", text.index("<fills")) + 1) + 7
    text = text[:second] + "<fill/><fill/>" + text[second:]
    text = text.replace("</fills>", "<fill/></fills>")
    return text.replace(f'<fills count="{count}"', f'<fills count="{count + 3}"').encode()


def test_empty_fills(tmp_path: Path) -> None:
    """The header's yellow fill is read as the header's (the empty fills before it counted),
    the plan refreshed, and the styles part kept with its empty fills."""
    plan = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(plan))
    ws, _ = add_seed_plan_sheet(wb)
    ws.write_row(0, 0, seed_rows()[0], wb.add_format({"bold": True, "bg_color": "#FFFF00"}))
    wb.close()
    rewrite_part(plan, STYLES, empty_fills)
    with zipfile.ZipFile(plan) as zf:
        assert zf.read(STYLES).count(b"<fill/>") == 3

    def header_fill() -> str:
        cell = loading.PlacedCells(load_master(plan)["Action Plan"], [1]).cell(1, 1)
        return str(cell.fill.fgColor.rgb)

    assert header_fill() == "FFFFFF00"
    assert header_font(plan) == (True, False)
    refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))
    with zipfile.ZipFile(plan) as zf:
        assert zf.read(STYLES).count(b"<fill/>") == 3  # (the trust's part, only added to)
    assert header_fill() == "FFFFFF00"
    assert "Settings" in load_master(plan).sheetnames


def family_34(data: bytes) -> bytes:
    """Every font's family the Windows pitch-and-family byte 34 (Swiss, variable pitch), as
    Excel keeps it in fonts carried over from an old .xls (sc-im's products.xlsx)."""
    assert b'<family val="2"/>' in data
    return data.replace(b'<family val="2"/>', b'<family val="34"/>')


def test_font_families_outside_the_schema(tmp_path: Path) -> None:
    """Fonts, in the styles and in a cell's rich text (on a sheet beside the plan), whose
    family is 34 (the schema's are 0 to 14): Excel reads them; openpyxl refused the file
    ("Max value is 14"), and edi_xl called it damaged. The plan is read and refreshed, and
    the parts keep their families."""
    plan = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(plan))
    ws, _ = add_seed_plan_sheet(wb)
    ws.write_row(0, 0, seed_rows()[0], wb.add_format({"bold": True}))
    notes = wb.add_worksheet("Notes")
    notes.write_rich_string(0, 0, "Board ", wb.add_format({"bold": True}), "paper", " due")
    wb.close()
    rewrite_part(plan, STYLES, family_34)
    rewrite_part(plan, "xl/sharedStrings.xml", family_34)
    assert header_font(plan) == (True, False)
    assert load_master(plan)["Notes"]["A1"].value == "Board paper due"
    refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))
    with zipfile.ZipFile(plan) as zf:
        assert b'<family val="34"/>' in zf.read(STYLES)  # (the trust's part, only added to)
        assert b'<family val="34"/>' in zf.read("xl/sharedStrings.xml")
    assert header_font(plan) == (True, False)
    assert load_master(plan)["Notes"]["A1"].value == "Board paper due"
    assert "Settings" in load_master(plan).sheetnames
