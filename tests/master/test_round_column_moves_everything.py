"""A new round's column moves everything of the sheet's that sits right of it (issue 13).

When a merge starts a round, its update column goes in after the previous one, and Excel's
rule for an inserted column applies to what is right of it. Besides cells, notes, pictures and
tables (tests/master/test_fidelity.py), an Excel 365 plan carries things that name their
cells themselves: threaded comments (Excel 365's "Comment", mirrored by a note), "Ignore
error" marks (numbers stored as text: the actions' "1.4" ids), ranges users may edit on a
protected sheet, the selection, a cell watch, column page breaks, and form controls anchored
in the sheet. Each must follow its cell, or Excel shows it one column off. The workbook is
built by XlsxWriter; the threaded comment and the form control's Excel 2010 anchor, which
XlsxWriter does not write, are added as Excel writes them.
"""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from conftest import add_seed_plan_sheet, merge_one_update, rewrite_part, seed_rows
from lxml import etree
from openpyxl import load_workbook

from edi_xl.flows.refresh import refresh_workbook

AS_AT = date(2023, 12, 18)
LATER = date(2024, 3, 20)
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
M = f"{{{MAIN}}}"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
TC = "http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments"
TC_REL = "http://schemas.microsoft.com/office/2017/10/relationships"
X14 = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
PLAN_PART = "xl/worksheets/sheet1.xml"
COMMENT = "Can the committee see this before March? @Jim Machon"


def _person_and_thread() -> dict[str, str]:
    person = (
        f'<personList xmlns="{TC}" xmlns:x="{MAIN}"><person displayName="Fiona MacDonald" '
        'id="{6E6B4C1A-2B51-4B1E-9E5B-6F36C1B5A0C1}" userId="fiona.macdonald@nhs.net" '
        'providerId="AD"/></personList>'
    )
    thread = (
        f'<ThreadedComments xmlns="{TC}" xmlns:x="{MAIN}"><threadedComment ref="K6" '
        'dT="2023-12-01T10:15:00.00" personId="{6E6B4C1A-2B51-4B1E-9E5B-6F36C1B5A0C1}" '
        'id="{1F0F3C55-8A4B-4C1E-A1B2-3C4D5E6F7A80}"><text>' + COMMENT + "</text>"
        "</threadedComment></ThreadedComments>"
    )
    return {"xl/persons/person.xml": person, "xl/threadedComments/threadedComment1.xml": thread}


def build_plan(path: Path) -> Path:
    """The trust's plan (seed 000, table on row 4) with a column of its own, K, right of the
    table, and around it what Excel 365 writes there."""
    wb = xlsxwriter.Workbook(str(path))
    ws, actions = add_seed_plan_sheet(wb, header_row=4)
    ws.write(0, 0, "Equality, Diversity & Inclusion Action Plan 2023/24")
    last = 3 + actions
    for r in range(4, last + 1):
        ws.write_string(r, 10, f"Board paper {r - 3}")  # the trust's own column, K
    ws.write_comment(5, 10, f"[Threaded comment]\n{COMMENT}")  # Excel's note mirroring it
    ws.ignore_errors({"number_stored_as_text": f"A5:A{last + 1} K5:K{last + 1}"})
    ws.unprotect_range(f"K5:K{last + 1}", "Board papers")
    ws.set_selection(5, 10, 5, 10)  # K6
    ws.set_v_pagebreaks([9, 12])  # breaks after columns I and L
    ws.insert_button(1, 11, {"caption": "Print", "width": 80, "height": 20})  # L2
    wb.close()
    _add_excel_365_parts(path)
    return path


def _add_excel_365_parts(path: Path) -> None:
    """The threaded comment, its author, a cell watch and the form control's Excel 2010
    part of the sheet (``<controls>``, anchored at L2 as the button's VML is), as Excel
    writes them."""
    with zipfile.ZipFile(path) as zf:
        package = {n: zf.read(n) for n in zf.namelist()}
    added = _person_and_thread()
    added["xl/ctrlProps/ctrlProp1.xml"] = (
        f'<formControlPr xmlns="{X14}" objectType="Button" lockText="1"/>'
    )
    types = etree.fromstring(package["[Content_Types].xml"])
    for name, kind in (
        ("xl/persons/person.xml", "application/vnd.ms-excel.person+xml"),
        (
            "xl/threadedComments/threadedComment1.xml",
            "application/vnd.ms-excel.threadedcomments+xml",
        ),
        ("xl/ctrlProps/ctrlProp1.xml", "application/vnd.ms-excel.controlproperties+xml"),
    ):
        etree.SubElement(types, f"{{{TYPES}}}Override", PartName="/" + name, ContentType=kind)
    book_rels = etree.fromstring(package["xl/_rels/workbook.xml.rels"])
    etree.SubElement(
        book_rels, f"{{{PKG_REL}}}Relationship", Id="rIdPerson",
        Type=f"{TC_REL}/person", Target="persons/person.xml",
    )  # fmt: skip
    sheet_rels = etree.fromstring(package["xl/worksheets/_rels/sheet1.xml.rels"])
    etree.SubElement(
        sheet_rels, f"{{{PKG_REL}}}Relationship", Id="rIdThread",
        Type=f"{TC_REL}/threadedComment", Target="../threadedComments/threadedComment1.xml",
    )  # fmt: skip
    etree.SubElement(
        sheet_rels, f"{{{PKG_REL}}}Relationship", Id="rIdCtrl",
        Type=f"{REL}/ctrlProp", Target="../ctrlProps/ctrlProp1.xml",
    )  # fmt: skip
    sheet = etree.fromstring(package[PLAN_PART])
    shape_id = _button_shape_id(package)
    controls = etree.fromstring(
        f'<controls xmlns="{MAIN}" xmlns:r="{REL}" xmlns:mc="{MC}" xmlns:xdr="{XDR}">'
        '<mc:AlternateContent><mc:Choice Requires="x14">'
        f'<control shapeId="{shape_id}" r:id="rIdCtrl" name="Button 1">'
        '<controlPr defaultSize="0" print="0" autoFill="0" autoPict="0">'
        '<anchor moveWithCells="1" sizeWithCells="1">'
        "<from><xdr:col>11</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>1</xdr:row>"
        "<xdr:rowOff>0</xdr:rowOff></from>"
        "<to><xdr:col>12</xdr:col><xdr:colOff>304800</xdr:colOff><xdr:row>2</xdr:row>"
        "<xdr:rowOff>0</xdr:rowOff></to></anchor></controlPr></control>"
        "</mc:Choice></mc:AlternateContent></controls>"
    )
    watches = etree.fromstring(f'<cellWatches xmlns="{MAIN}"><cellWatch r="K5"/></cellWatches>')
    # in the schema's order: cellWatches after the breaks, controls after the legacy drawing
    sheet.find(f"{M}colBreaks").addnext(watches)
    sheet.find(f"{M}legacyDrawing").addnext(controls)
    package[PLAN_PART] = etree.tostring(sheet, xml_declaration=True, encoding="UTF-8")
    package["[Content_Types].xml"] = etree.tostring(types, xml_declaration=True, encoding="UTF-8")
    package["xl/_rels/workbook.xml.rels"] = etree.tostring(book_rels, xml_declaration=True,
                                                           encoding="UTF-8")  # fmt: skip
    package["xl/worksheets/_rels/sheet1.xml.rels"] = etree.tostring(
        sheet_rels, xml_declaration=True, encoding="UTF-8"
    )
    for name, xml in added.items():
        package[name] = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in package.items():
            zf.writestr(name, data)


def _button_shape_id(package: dict[str, bytes]) -> str:
    """The VML shape id XlsxWriter gave the button (``_x0000_s1025`` -> 1025)."""
    import re

    vml = next(
        data for name, data in package.items() if name.endswith(".vml") and b"Button" in data
    )
    found = re.search(rb'id="_x0000_s(\d+)"[^>]*?>(?:(?!</v:shape>).)*?ObjectType="Button"', vml,
                      re.S)  # fmt: skip
    assert found is not None
    return found.group(1).decode()


def _vml_button_column(vml: bytes) -> int:
    """The 0-based left column of the button's VML anchor."""
    import re

    for shape in re.findall(rb"<v:shape\b.*?</v:shape>", vml, re.S):
        if b'ObjectType="Button"' in shape:
            anchor = re.search(rb"<x:Anchor>\s*([\d,\s]+?)\s*</x:Anchor>", shape)
            assert anchor is not None
            return int(anchor.group(1).split(b",")[0])
    raise AssertionError("no button in the VML")


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _merge_a_new_round(plan: Path, tmp_path: Path) -> None:
    result = merge_one_update(plan, tmp_path / "returns", LATER, "Panel guide out",
                              datetime(2024, 3, 21))  # fmt: skip
    assert [f.outcome for f in result.files] == ["merged"]


#: (the package after the first refresh, after the merge, the merged master)
Merged = tuple[dict[str, bytes], dict[str, bytes], Path]


@pytest.fixture
def merged(tmp_path: Path) -> Merged:
    """(the package after the first refresh, after a merge that started a round at K, the
    merged master)."""
    plan = build_plan(tmp_path / "trust plan.xlsx")
    refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))
    before = parts(plan)
    _merge_a_new_round(plan, tmp_path)
    ws = load_workbook(plan)["Action Plan"]
    assert ws["K4"].value == "Update as at 20 Mar 24"  # the new round went in at K
    assert ws["L5"].value == "Board paper 1"  # and the trust's column moved to L
    return before, parts(plan), plan


def _sheet(package: dict[str, bytes]) -> etree._Element:
    return etree.fromstring(package[PLAN_PART])


def test_the_threaded_comment_and_its_note_move_with_their_cell(merged: Merged) -> None:
    before, after, _ = merged
    thread = etree.fromstring(after["xl/threadedComments/threadedComment1.xml"])
    assert [t.get("ref") for t in thread.iter(f"{{{TC}}}threadedComment")] == ["L6"]
    notes = etree.fromstring(after["xl/comments1.xml"])
    assert [n.get("ref") for n in notes.iter(f"{M}comment")] == ["L6"]
    assert after["xl/persons/person.xml"] == before["xl/persons/person.xml"]


def test_ignored_errors_protected_ranges_selection_and_watches_move(merged: Merged) -> None:
    _, after, _ = merged
    sheet = _sheet(after)
    last = 4 + len(seed_rows()[1])
    assert [e.get("sqref") for e in sheet.iter(f"{M}ignoredError")] == [f"A5:A{last} L5:L{last}"]
    assert [p.get("sqref") for p in sheet.iter(f"{M}protectedRange")] == [f"L5:L{last}"]
    selections = sheet.iterfind(f"{M}sheetViews/{M}sheetView/{M}selection")  # (one a pane)
    chosen = [(s.get("activeCell"), s.get("sqref")) for s in selections if s.get("activeCell")]
    assert chosen == [("L6", "L6")]
    assert [w.get("r") for w in sheet.iter(f"{M}cellWatch")] == ["L5"]


def test_column_page_breaks_right_of_the_round_move(merged: Merged) -> None:
    _, after, _ = merged
    ids = [int(b.get("id")) for b in _sheet(after).iterfind(f"{M}colBreaks/{M}brk")]
    assert ids == [9, 13]  # after I (left of K): stays; after L: now after M


def test_the_form_control_moves_as_its_vml_shape_does(merged: Merged) -> None:
    before, after, _ = merged
    vml_name = next(n for n in after if n.endswith(".vml") and b"Button" in after[n])
    assert _vml_button_column(before[vml_name]) == 11
    assert _vml_button_column(after[vml_name]) == 12
    corner = _sheet(after).find(f".//{M}controls//{M}anchor/{M}from/{{{XDR}}}col")
    assert corner is not None and corner.text == "12"
    assert after["xl/ctrlProps/ctrlProp1.xml"] == before["xl/ctrlProps/ctrlProp1.xml"]


@pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")
def test_libreoffice_finds_the_note_on_the_moved_cell(merged: Merged, tmp_path: Path) -> None:
    """LibreOffice opens the merged master and shows the note where its cell went."""
    from libreoffice import convert, require_soffice

    require_soffice()
    _, _, plan = merged
    copy = convert(plan, "xlsx", tmp_path / "lo")
    ws = load_workbook(copy)["Action Plan"]
    assert ws["L5"].value == "Board paper 1"
    assert ws["L6"].comment is not None and COMMENT in ws["L6"].comment.text
    assert ws["K6"].comment is None


def test_the_filters_criteria_and_sort_stay_on_their_columns(tmp_path: Path) -> None:
    """A filter on the trust's column K ("Board paper" = a value) and a sort by it, as Excel
    saves them: after the round goes in at K, both are on L, where the column went (the
    criterion's column is counted from the filter's first column)."""
    plan = build_plan(tmp_path / "trust plan.xlsx")
    refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))
    last = 4 + len(seed_rows()[1])

    def filtered(data: bytes) -> bytes:
        root = etree.fromstring(data)
        flt = root.find(f"{M}autoFilter")
        assert flt is not None and flt.get("ref", "").startswith("A4:")
        criterion = etree.SubElement(flt, f"{M}filterColumn", colId="10")  # K
        etree.SubElement(etree.SubElement(criterion, f"{M}filters"), f"{M}filter",
                         val="Board paper 1")  # fmt: skip
        sort = etree.SubElement(flt, f"{M}sortState", ref=f"A5:{flt.get('ref')[-3:]}")
        etree.SubElement(sort, f"{M}sortCondition", descending="1", ref=f"K5:K{last}")
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    rewrite_part(plan, PLAN_PART, filtered)
    _merge_a_new_round(plan, tmp_path)
    flt = _sheet(parts(plan)).find(f"{M}autoFilter")
    assert flt is not None
    assert [c.get("colId") for c in flt.iterfind(f"{M}filterColumn")] == ["11"]  # L
    assert [k.get("ref") for k in flt.iter(f"{M}sortCondition")] == [f"L5:L{last}"]
    ws = load_workbook(plan)["Action Plan"]
    assert ws["L4"].value is None and ws["L5"].value == "Board paper 1"  # (no header)


def _plan_with_scores(wb: xlsxwriter.Workbook) -> tuple[Any, int]:
    """Seed 000 from row 1 of an XlsxWriter workbook, with the trust's own scores in K: (the
    sheet, its last row)."""

    ws, actions = add_seed_plan_sheet(wb)
    for r in range(1, actions + 1):
        ws.write_number(r, 10, r % 6)  # K: the trust's own score
    return ws, actions + 1


def test_array_formulas_follow_the_column_they_read(tmp_path: Path) -> None:
    """Excel 365's dynamic arrays (FILTER, UNIQUE, SORT) and Ctrl+Shift+Enter formulas that
    read the trust's column K, on another sheet and on the plan right of the new round: they
    read L after the round goes in at K, as plain formulas do, and stay arrays (Excel's
    dynamic-array mark, ``cm``, kept)."""
    plan = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(plan))
    ws, last = _plan_with_scores(wb)
    ws.write_dynamic_array_formula("P1", f"=SORT(K2:K{last})")
    ws.write_array_formula("Q1:Q1", f"{{=MAX(K2:K{last}*1)}}")
    dash = wb.add_worksheet("Dashboard")
    dash.write_formula("A1", f"=SUM('Action Plan'!K2:K{last})")
    dash.write_dynamic_array_formula(
        "B1", f"=FILTER('Action Plan'!A2:A{last},'Action Plan'!K2:K{last}>2)"
    )
    dash.write_dynamic_array_formula("C1", f"=UNIQUE('Action Plan'!K2:K{last})")
    dash.write_array_formula("D1:D1", f"{{=SUM('Action Plan'!K2:K{last}*1)}}")
    wb.close()
    refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))
    _merge_a_new_round(plan, tmp_path)
    after = parts(plan)
    assert load_workbook(plan)["Action Plan"]["K1"].value == "Update as at 20 Mar 24"

    def formulas(part: str) -> dict[str, tuple[str | None, str | None, str]]:
        root = etree.fromstring(after[part])
        return {
            c.get("r"): (c.get("cm"), f.get("t"), f.text or "")
            for c in root.iter(f"{M}c")
            if (f := c.find(f"{M}f")) is not None
        }

    dash_part = "xl/worksheets/sheet2.xml"
    moved = {**formulas(PLAN_PART), **formulas(dash_part)}
    everything = " ".join(text for _, _, text in moved.values())
    assert f"K2:K{last}" not in everything
    assert moved["A1"] == (None, None, f"SUM('Action Plan'!L2:L{last})")
    assert moved["B1"][:2] == ("1", "array") and f"'Action Plan'!L2:L{last}>2" in moved["B1"][2]
    assert moved["C1"] == ("1", "array", f"_xlfn.UNIQUE('Action Plan'!L2:L{last})")
    assert moved["D1"] == (None, "array", f"SUM('Action Plan'!L2:L{last}*1)")
    plan_sheet = etree.fromstring(after[PLAN_PART])
    on_plan = {
        c.get("r"): (c.get("cm"), c.find(f"{M}f").get("ref"), c.find(f"{M}f").text)
        for c in plan_sheet.iter(f"{M}c")
        if c.find(f"{M}f") is not None and c.find(f"{M}f").get("t") == "array"
    }
    assert on_plan == {
        "Q1": ("1", "Q1", f"_xlfn._xlws.SORT(L2:L{last})"),
        "R1": (None, "R1", f"MAX(L2:L{last}*1)"),
    }


def test_conditional_formats_keep_their_order_and_move_their_formulas(tmp_path: Path) -> None:
    """The trust's two rules on its column K, a formula rule that stops the next one and a
    cell-value rule, and a colour scale whose top threshold is a cell of K: after the round
    goes in at K they are on L, read L, and keep their order (before, the formula rule was
    taken away and added back after edi_xl's own rules: every score showed the second
    rule's colour); a dropdown rule reading K reads L."""
    plan = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(plan))
    ws, last = _plan_with_scores(wb)
    green = wb.add_format({"bg_color": "#C6EFCE"})
    red = wb.add_format({"bg_color": "#FFC7CE"})
    ws.conditional_format(f"K2:K{last}", {"type": "formula", "criteria": "=$K2>=4",
                                          "format": green, "stop_if_true": True})  # fmt: skip
    ws.conditional_format(f"K2:K{last}", {"type": "cell", "criteria": ">", "value": 0,
                                          "format": red})  # fmt: skip
    ws.conditional_format(f"P2:P{last}", {"type": "2_color_scale", "max_type": "num",
                                          "max_value": "$K$2"})  # fmt: skip
    ws.data_validation(f"K2:K{last}", {"validate": "custom", "value": "=$K2<=5"})
    wb.close()
    refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))

    def trust_rules(sheet: etree._Element) -> list[tuple[str, str, str | None]]:
        found = []
        for block in sheet.iterfind(f"{M}conditionalFormatting"):
            for rule in block.iterfind(f"{M}cfRule"):
                found.append((int(rule.get("priority")), block.get("sqref"), rule))
        found.sort(key=lambda t: t[0])
        return [(sqref, rule.get("type"), rule.findtext(f"{M}formula")) for _, sqref, rule in
                found if sqref in (f"K2:K{last}", f"L2:L{last}")]  # fmt: skip

    before = trust_rules(_sheet(parts(plan)))
    assert before == [(f"K2:K{last}", "expression", "$K2>=4"), (f"K2:K{last}", "cellIs", "0")]
    _merge_a_new_round(plan, tmp_path)
    sheet = _sheet(parts(plan))
    assert trust_rules(sheet) == [
        (f"L2:L{last}", "expression", "$L2>=4"),
        (f"L2:L{last}", "cellIs", "0"),
    ]
    scale = [c.get("val") for c in sheet.iter(f"{M}cfvo") if c.get("type") == "num"]
    assert scale == ["$L$2"]
    custom = [dv for dv in sheet.iter(f"{M}dataValidation") if dv.get("type") == "custom"]
    assert [(dv.get("sqref"), dv.findtext(f"{M}formula1")) for dv in custom] == [
        (f"L2:L{last}", "$L2<=5")
    ]


def test_names_of_one_sheet_follow_the_column_they_refer_to(tmp_path: Path) -> None:
    """Names whose scope is one sheet (Excel makes them when a sheet with names is copied),
    on the plan and on another sheet, referring to the trust's column K: they refer to L
    after the round goes in at K, as the workbook's own names do."""
    plan = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(plan))
    _, last = _plan_with_scores(wb)
    wb.add_worksheet("Dashboard").write_formula("A1", "=SUM(DashScores)")
    wb.define_name("Scores", f"='Action Plan'!$K$2:$K${last}")
    wb.define_name("'Action Plan'!LocalScores", f"='Action Plan'!$K$2:$K${last}")
    wb.define_name("Dashboard!DashScores", f"=SUM('Action Plan'!$K$2:$K${last})")
    wb.close()
    refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))
    _merge_a_new_round(plan, tmp_path)
    book = etree.fromstring(parts(plan)["xl/workbook.xml"])
    order = [s.get("name") for s in book.iter(f"{M}sheet")]
    names = {
        (order[int(d.get("localSheetId"))] if d.get("localSheetId") else None, d.get("name")):
        d.text for d in book.iter(f"{M}definedName") if not d.get("name").startswith("_xlnm")
    }  # fmt: skip
    assert names[(None, "Scores")] == f"'Action Plan'!$L$2:$L${last}"
    assert names[("Action Plan", "LocalScores")] == f"'Action Plan'!$L$2:$L${last}"
    assert names[("Dashboard", "DashScores")] == f"SUM('Action Plan'!$L$2:$L${last})"


@pytest.mark.parametrize(
    ("frozen_at", "after"),
    [("N2", ("14", "O2")), ("K2", ("10", "K2"))],
    ids=["among the frozen columns", "at the split"],
)
def test_frozen_columns_take_the_round_in_only_when_it_goes_among_them(
    tmp_path: Path, frozen_at: str, after: tuple[str, str]
) -> None:
    """Panes frozen at N2 (columns A to M kept in view): the round goes in at K, among the
    frozen columns, so one more is frozen (A to N, from O2), as Excel does. Frozen at K2 (A
    to J): the round goes in at the split, so right of it, and nothing more is frozen. In the
    file and in the workbook edi_xl holds alike."""
    plan = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(plan))
    ws, _ = _plan_with_scores(wb)
    ws.freeze_panes(frozen_at)
    wb.close()
    refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))
    _merge_a_new_round(plan, tmp_path)
    pane = _sheet(parts(plan)).find(f"{M}sheetViews/{M}sheetView/{M}pane")
    assert (pane.get("xSplit"), pane.get("topLeftCell")) == after
    assert (pane.get("ySplit"), pane.get("state")) == ("1", "frozen")
    assert load_workbook(plan)["Action Plan"].freeze_panes == after[1]


def _drawn(package: dict[str, bytes]) -> dict[str, list[tuple[int, int]]]:
    """Description -> corners (0-based column, offset in EMU) of each picture and text box
    of the plan's drawing."""
    name = next(n for n in package if n.startswith("xl/drawings/drawing"))
    found = {}
    for anchor in etree.fromstring(package[name]):
        descr = next(el.get("descr") for el in anchor.iter() if el.get("descr"))
        found[descr] = [
            (int(c.findtext(f"{{{XDR}}}col")), int(c.findtext(f"{{{XDR}}}colOff")))
            for c in (anchor.find(f"{{{XDR}}}from"), anchor.find(f"{{{XDR}}}to"))
        ]
    return found


def test_pictures_move_as_their_placement_says(tmp_path: Path) -> None:
    """Pictures and text boxes, placed as Excel's Format Picture > Properties offers, where
    the round goes in at K, a column far wider than the plan's: "Move and size with cells"
    across K grows by the new column; "Move but don't size with cells" (Excel's default for
    a picture) keeps its size in pixels, where it was when its first corner is left of the
    new column (the new column runs under it) and moved by the new column's width when it
    is right of it; "Don't move or size with cells" keeps its place and size on the sheet,
    right of K or across it. As Excel draws them, by the sheet's column widths (its
    corners' columns and offsets are worked out again)."""
    from conftest import column_edges, pixel_box
    from test_fidelity import _png

    logo = tmp_path / "logo.png"
    logo.write_bytes(_png(400, 20))
    plan = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(plan))
    ws, _ = _plan_with_scores(wb)
    placed = {  # description: (cell, object_position), each picture and text box
        "twoCell": ("H22", 1), "oneCell": ("H26", 2), "oneCellRight": ("M28", 2),
        "absolute": ("T30", 3), "absoluteAcross": ("H32", 3),
    }  # fmt: skip
    for descr, (cell, position) in placed.items():
        ws.insert_image(cell, str(logo), {"object_position": position, "description": descr,
                                          "x_offset": 9})  # fmt: skip
        row = int(cell[1:]) + 14
        ws.insert_textbox(f"{cell[0]}{row}", descr, {"object_position": position, "x_offset": 20,
                          "width": 300, "description": f"{descr} box"})  # fmt: skip
    wb.close()
    refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))
    before_parts = parts(plan)
    before, edges = _drawn(before_parts), column_edges(before_parts[PLAN_PART])
    _merge_a_new_round(plan, tmp_path)
    after_parts = parts(plan)
    after, edges_after = _drawn(after_parts), column_edges(after_parts[PLAN_PART])
    new_width = edges_after[11] - edges_after[10]  # K's, the new column's
    assert new_width > edges[11] - edges[10] + 100  # (much wider than the plan's columns)
    for kind in ("", " box"):
        (first, off), (last, last_off) = before[f"twoCell{kind}"]
        assert first < 10 <= last  # across K (0-based 10)
        assert after[f"twoCell{kind}"] == [(first, off), (last + 1, last_off)]
        assert before[f"oneCell{kind}"][0][0] < 10 <= before[f"oneCell{kind}"][1][0]
        assert before[f"absoluteAcross{kind}"][0][0] < 10 <= before[f"absoluteAcross{kind}"][1][0]
        assert before[f"oneCellRight{kind}"][0][0] > 10 and before[f"absolute{kind}"][0][0] > 10
        for descr in ("oneCell", "oneCellRight", "absolute", "absoluteAcross"):
            left, width = pixel_box(edges, before[descr + kind], 9525)
            moved = new_width if descr == "oneCellRight" else 0
            now_left, now_width = pixel_box(edges_after, after[descr + kind], 9525)
            assert abs(now_left - (left + moved)) <= 1 and abs(now_width - width) <= 1, (
                descr + kind,
                (left, width),
                (now_left, now_width),
            )


def test_text_boxes_linked_to_cells_follow_them(tmp_path: Path) -> None:
    """A text box showing a cell of the trust's column K (on the plan, and on a Dashboard
    reading the plan): linked to L after the round goes in at K (before, it showed the
    round's header and the note of the wrong column)."""
    plan = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(plan))
    ws, _ = _plan_with_scores(wb)
    ws.insert_textbox("T2", "", {"textlink": "=$K$3", "width": 120, "height": 24})
    dash = wb.add_worksheet("Dashboard")
    dash.insert_textbox("B2", "", {"textlink": "='Action Plan'!$K$4", "width": 120})
    wb.close()
    refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))
    _merge_a_new_round(plan, tmp_path)
    after = parts(plan)
    links = {
        name: [sp.get("textlink") for sp in etree.fromstring(data).iter(f"{{{XDR}}}sp")]
        for name, data in after.items()
        if name.startswith("xl/drawings/drawing")
    }
    found = sorted(link for found in links.values() for link in found if link)
    assert found == ["$L$3", "'Action Plan'!$L$4"]


def test_another_sheets_rules_reading_the_plan_keep_their_order_and_follow(
    tmp_path: Path,
) -> None:
    """A Dashboard's rules reading the trust's column K on the plan: a formula rule that
    stops the next one, above a rule of the Dashboard's own; a colour scale whose thresholds
    are cells of K; a dropdown listing K. After the round goes in at K they read L, in the
    file and in memory alike, and keep their order (before: the rule reading the plan was
    taken away and added back last, and the thresholds stayed on K in the file)."""
    plan = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(plan))
    _, last = _plan_with_scores(wb)
    dash = wb.add_worksheet("Dashboard")
    green = wb.add_format({"bg_color": "#C6EFCE"})
    dash.conditional_format("A1:A17", {"type": "formula", "criteria": "='Action Plan'!$K2>=4",
                                       "format": green, "stop_if_true": True})  # fmt: skip
    dash.conditional_format("A1:A17", {"type": "formula", "criteria": "=LEN($A1)>0",
                                       "format": green})  # fmt: skip
    dash.conditional_format("C1:C17", {"type": "2_color_scale", "min_type": "num",
                                       "min_value": "='Action Plan'!$K$2", "max_type": "num",
                                       "max_value": "='Action Plan'!$K$6"})  # fmt: skip
    dash.data_validation("B1:B17", {"validate": "list", "source": f"='Action Plan'!$K$2:$K${last}"})
    wb.close()
    refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))
    _merge_a_new_round(plan, tmp_path)
    sheet = etree.fromstring(parts(plan)["xl/worksheets/sheet2.xml"])
    rules = sorted(
        (int(r.get("priority")), r.findtext(f"{M}formula"))
        for r in sheet.iter(f"{M}cfRule")
        if r.get("type") == "expression"
    )
    assert [formula for _, formula in rules] == ["'Action Plan'!$L2>=4", "LEN($A1)>0"]
    assert [c.get("val") for c in sheet.iter(f"{M}cfvo")] == [
        "'Action Plan'!$L$2",
        "'Action Plan'!$L$6",
    ]
    assert [dv.findtext(f"{M}formula1") for dv in sheet.iter(f"{M}dataValidation")] == [
        f"'Action Plan'!$L$2:$L${last}"
    ]


def test_on_a_protected_plan_the_new_rounds_cells_are_unlocked_as_the_last_rounds(
    tmp_path: Path,
) -> None:
    """The trust protects its plan and unlocks the update column for typing: the round's
    column a merge puts in takes the unlocked look of the last round's, row by row (Excel's
    "Format Same As Left"), so the other owners' updates can be typed in without the
    password; the header stays locked."""

    plan = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(plan))
    ws, actions = add_seed_plan_sheet(wb)
    unlocked = wb.add_format({"locked": False, "text_wrap": True})
    _, rows = seed_rows()
    for r, values in enumerate(rows, start=1):
        ws.write_string(r, 9, values[9] or "", unlocked)
    ws.protect()
    wb.close()
    refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))
    _merge_a_new_round(plan, tmp_path)
    ws = load_workbook(plan)["Action Plan"]
    assert ws.protection.sheet and ws["K1"].value == "Update as at 20 Mar 24"
    assert ws["K1"].protection.locked
    assert [ws.cell(r, 11).protection.locked for r in range(2, actions + 2)] == [False] * actions
    assert all(ws.cell(r, 10).protection.locked is False for r in range(2, actions + 2))


def test_a_custom_view_of_the_plan_follows_the_round(tmp_path: Path) -> None:
    """A custom view of the plan (View > Custom Views) remembers where it was scrolled to,
    its frozen panes, selection, filter and column page breaks, each naming columns right
    of K: all follow the round's column, as the sheet's own do."""
    plan = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(plan))
    _, last = _plan_with_scores(wb)
    wb.close()
    view = (
        '<customSheetViews><customSheetView guid="{12345678-1234-1234-1234-123456789ABC}" '
        'filter="1" showAutoFilter="1" topLeftCell="L2">'
        '<pane xSplit="12" ySplit="1" topLeftCell="M2" activePane="bottomRight" state="frozen"/>'
        '<selection pane="bottomRight" activeCell="L6" sqref="L6"/>'
        '<colBreaks count="1" manualBreakCount="1"><brk id="11" max="1048575" man="1"/>'
        "</colBreaks>"
        f'<autoFilter ref="A1:L{last}"><filterColumn colId="11"><filters><filter val="5"/>'
        "</filters></filterColumn></autoFilter></customSheetView></customSheetViews>"
    ).encode()
    rewrite_part(plan, PLAN_PART, lambda d: d.replace(b"<pageMargins", view + b"<pageMargins", 1))
    refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))
    _merge_a_new_round(plan, tmp_path)
    custom = _sheet(parts(plan)).find(f"{M}customSheetViews/{M}customSheetView")
    assert custom is not None and custom.get("topLeftCell") == "M2"
    pane = custom.find(f"{M}pane")
    assert (pane.get("xSplit"), pane.get("topLeftCell")) == ("13", "N2")
    selection = custom.find(f"{M}selection")
    assert (selection.get("activeCell"), selection.get("sqref")) == ("M6", "M6")
    assert [b.get("id") for b in custom.iter(f"{M}brk")] == ["12"]
    flt = custom.find(f"{M}autoFilter")
    assert flt.get("ref") == f"A1:M{last}"
    assert [c.get("colId") for c in flt.iter(f"{M}filterColumn")] == ["12"]


def test_scenarios_and_consolidation_follow_the_column_they_name(tmp_path: Path) -> None:
    """What-If Analysis' scenarios (their changing cells, on the trust's column K) and Data >
    Consolidate (adding up K4:K21 of the plan, from the plan and from the trust's Totals
    sheet) name their cells themselves: after the round goes in at K, they name L, where the
    column went. A range of another workbook (``r:id``) is left as it is."""
    plan = tmp_path / "trust plan.xlsx"
    wb = xlsxwriter.Workbook(str(plan))
    ws, actions = add_seed_plan_sheet(wb, header_row=4)
    last = 3 + actions
    for r in range(4, last + 1):
        ws.write_string(r, 10, f"Board paper {r - 3}")  # the trust's own column, K
    wb.add_worksheet("Totals").write("A1", "Consolidated")  # (sheet2.xml)
    wb.close()
    refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))

    def what_if(data: bytes) -> bytes:
        root = etree.fromstring(data)
        scenarios = etree.Element(f"{M}scenarios", current="0", sqref=f"K5:K{last}")
        scenario = etree.SubElement(scenarios, f"{M}scenario", name="Best", count="1")
        etree.SubElement(scenario, f"{M}inputCells", r="K5", val="5")
        consolidate = etree.Element(f"{M}dataConsolidate", function="sum")
        refs = etree.SubElement(consolidate, f"{M}dataRefs", count="1")
        etree.SubElement(refs, f"{M}dataRef", ref=f"K4:K{last}", sheet="Action Plan")
        data_el = root.find(f"{M}sheetData")
        assert data_el is not None
        data_el.addnext(scenarios)  # (their places in the schema's order: after the data,
        flt = root.find(f"{M}autoFilter")  # and after the filter, as Excel writes them)
        (flt if flt is not None else scenarios).addnext(consolidate)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    def from_totals(data: bytes) -> bytes:
        root = etree.fromstring(data)
        consolidate = etree.Element(f"{M}dataConsolidate")
        refs = etree.SubElement(consolidate, f"{M}dataRefs", count="2")
        etree.SubElement(refs, f"{M}dataRef", ref=f"K4:K{last}", sheet="action plan")
        external = etree.SubElement(refs, f"{M}dataRef", ref=f"K4:K{last}", sheet="Action Plan")
        external.set(f"{{{REL}}}id", "rId99")
        data_el = root.find(f"{M}sheetData")
        assert data_el is not None
        data_el.addnext(consolidate)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    rewrite_part(plan, "xl/worksheets/sheet1.xml", what_if)
    rewrite_part(plan, "xl/worksheets/sheet2.xml", from_totals)
    _merge_a_new_round(plan, tmp_path)
    assert load_workbook(plan)["Action Plan"]["K4"].value == "Update as at 20 Mar 24"
    sheet = _sheet(parts(plan))
    scenarios = sheet.find(f"{M}scenarios")
    assert scenarios is not None and scenarios.get("sqref") == f"L5:L{last}"
    assert [c.get("r") for c in sheet.iter(f"{M}inputCells")] == ["L5"]
    assert [r.get("ref") for r in sheet.iter(f"{M}dataRef")] == [f"L4:L{last}"]
    totals = etree.fromstring(parts(plan)["xl/worksheets/sheet2.xml"])
    assert [r.get("ref") for r in totals.iter(f"{M}dataRef")] == [f"L4:L{last}", f"K4:K{last}"]


def test_a_data_table_follows_the_column_it_reads(tmp_path: Path) -> None:
    """What-If Analysis' data table right of the plan (its results in Q6:Q8, worked out from
    its input cell P2): after the round goes in at K, both its range and its input cell have
    moved one column right, in the file patched and in the workbook a whole save writes."""
    from openpyxl.worksheet.formula import DataTableFormula

    from edi_xl.master.plan import load_master, round_column

    plan = tmp_path / "trust plan.xlsx"
    wb = xlsxwriter.Workbook(str(plan))
    ws, actions = add_seed_plan_sheet(wb, header_row=4)
    ws.write_number("P2", 5)
    ws.write_formula("Q5", "=P2*2")
    wb.close()
    refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))

    def data_table(data: bytes) -> bytes:
        root = etree.fromstring(data)
        for r, value in ((6, 1), (7, 2), (8, 3)):
            row = root.find(f"{M}sheetData/{M}row[@r='{r}']")
            assert row is not None
            cells = {c.get("r"): c for c in row}
            c = etree.SubElement(row, f"{M}c", r=f"Q{r}")
            if r == 6:
                etree.SubElement(c, f"{M}f", t="dataTable", ref="Q6:Q8", dt2D="0", dtr="0",
                                 r1="P2")  # fmt: skip
            etree.SubElement(c, f"{M}v").text = str(value * 2)
            assert f"Q{r}" not in cells
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    rewrite_part(plan, PLAN_PART, data_table)
    whole = load_master(plan)
    cell = whole["Action Plan"]["Q6"]
    assert isinstance(cell.value, DataTableFormula) and cell.value.r1 == "P2"
    round_column(whole["Action Plan"], 4, LATER)
    moved = whole["Action Plan"]["R6"].value
    assert isinstance(moved, DataTableFormula)
    assert (moved.ref, moved.r1) == ("R6:R8", "Q2")
    _merge_a_new_round(plan, tmp_path)
    sheet = _sheet(parts(plan))
    tables = [f.attrib for f in sheet.iter(f"{M}f") if f.get("t") == "dataTable"]
    assert [(t.get("ref"), t.get("r1")) for t in tables] == [("R6:R8", "Q2")]


@pytest.mark.parametrize("saved", ["patched", "whole"])
def test_a_trust_table_the_round_runs_through_gets_its_new_columns_header(
    tmp_path: Path, saved: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The trust keeps a small table of its own above the plan, J1:L2, which the round's
    column (going in at K) runs through. As Excel does when a column is inserted through a
    table, it gains a column named "Column1", and that name is written in its header cell:
    a table whose header cell does not hold its column's name is one Excel repairs by
    dropping the table (helper-81: the cell was left empty). So too in a file saved whole
    (one that cannot be patched), whose table openpyxl's insert left as it was."""
    from edi_xl.master import patch

    plan = tmp_path / "trust plan.xlsx"
    wb = xlsxwriter.Workbook(str(plan))
    ws, _ = add_seed_plan_sheet(wb, header_row=4)
    columns = [{"header": h} for h in ("Meeting", "Date", "Paper")]
    data = [["Board", "Jan 2024", "EDI update"]]
    ws.add_table("J1:L2", {"name": "Papers", "data": data, "columns": columns})
    wb.close()
    refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))
    if saved == "whole":

        def cannot_patch(*args: object) -> bytes:
            raise ValueError("a part the patch writer needs is broken")

        monkeypatch.setattr(patch, "apply_edits", cannot_patch)
    _merge_a_new_round(plan, tmp_path)
    package = parts(plan)
    (table_part,) = [n for n in package if n.startswith("xl/tables/")]
    table = etree.fromstring(package[table_part])
    assert table.get("ref") == "J1:M2"
    names = [c.get("name") for c in table.iter(f"{M}tableColumn")]
    assert names == ["Meeting", "Column1", "Date", "Paper"]
    sheet = load_workbook(plan)["Action Plan"]
    assert [sheet.cell(1, c).value for c in range(10, 14)] == names
    assert [sheet.cell(2, c).value for c in range(10, 14)] == ["Board", None, *data[0][1:]]


#: The trust's own buttons and a note, placed as Excel's Format Control > Properties offers
#: (name: the VML flags Excel writes for it, and the 0-based columns its corners start at).
_PLACED = {
    "MoveAndSize": ("", (8, 12)),  # "Move and size with cells", across K
    "MoveOnlyAcross": ("<x:SizeWithCells/>", (8, 12)),  # "Move but don't size", across K
    "MoveOnlyRight": ("<x:SizeWithCells/>", (11, 13)),  # the same, right of K
    "Stay": ("<x:MoveWithCells/><x:SizeWithCells/>", (9, 13)),  # "Don't move or size"
    "MoveFlagOnly": ("<x:MoveWithCells/>", (9, 13)),  # (no such choice: it stays)
    # the flags valued False, as ClosedXML writes "Move and size": none set
    "FlagsFalse": (
        "<x:MoveWithCells>False</x:MoveWithCells><x:SizeWithCells>False</x:SizeWithCells>",
        (8, 12),
    ),
    # "Move and size", an offset written negative, as LibreOffice writes some ("3, -6")
    "NegativeOffset": ("", (8, 12)),
}


def test_the_trusts_vml_shapes_move_as_their_placement_says(tmp_path: Path) -> None:
    """A trust's own buttons and note (VML), each placed as Excel's Properties offer: after
    the round goes in at K, "Move and size with cells" across K grows by the new column;
    "Move but don't size" keeps its size in pixels, and moves whole, by the new column's
    width, only when its first corner is right of K; "Don't move or size" keeps its place
    and size on the sheet. The note (XlsxWriter's, as Excel's default: don't move or size)
    keeps its box and stays on its cell, which moved to L. Their flags are kept, and no
    flag is added to a button that is not edi_xl's."""
    import re

    from conftest import column_edges, pixel_box, rewrite_part

    plan = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(plan))
    ws, last = _plan_with_scores(wb)
    for i, (macro, (_, (first, end))) in enumerate(_PLACED.items()):
        ws.insert_button(last + 3 + 3 * i, first, {"macro": macro, "caption": macro,
                                                   "width": 64 * (end - first) + 10})  # fmt: skip
    ws.write_comment(last + 20, 10, "The trust's note on K")
    wb.close()

    def flagged(data: bytes) -> bytes:
        text = data.decode()
        for macro, (flags, _) in _PLACED.items():
            text = re.sub(
                rf'(<x:ClientData ObjectType="Button">)((?:(?!</x:ClientData>).)*!{macro}<)',
                rf"\g<1>{flags}\g<2>", text, flags=re.S,
            )  # fmt: skip
        return re.sub(
            r"(<x:Anchor>[^<]*?)(\d+)(\s*</x:Anchor>(?:(?!</x:ClientData>).)*!NegativeOffset<)",
            r"\g<1>-6\g<3>", text, flags=re.S,
        ).encode()  # fmt: skip

    rewrite_part(plan, "xl/drawings/vmlDrawing1.vml", flagged)
    refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))

    def shapes(package: dict[str, bytes]) -> dict[str, tuple[list[int], str]]:
        vml = next(data for name, data in package.items() if name.endswith(".vml")).decode()
        found = {}
        for data in re.findall(r"<x:ClientData ObjectType.*?</x:ClientData>", vml, re.S):
            name = re.search(r"!(\w+)</x:FmlaMacro>|ObjectType=\"(Note)\"", data)
            anchor = re.search(r"<x:Anchor>([^<]*)</x:Anchor>", data)
            assert name and anchor
            numbers = [int(x) for x in anchor[1].split(",")]
            flags = "".join(re.findall(r"<x:(?:Move|Size)WithCells/>", data))
            found[name[1] or name[2]] = (numbers, flags)
        return found

    def box(package: dict[str, bytes], anchor: list[int]) -> tuple[int, int]:
        return pixel_box(column_edges(package[PLAN_PART]), [(anchor[0], anchor[1]),
                                                            (anchor[4], anchor[5])])  # fmt: skip

    before_parts = parts(plan)
    before = shapes(before_parts)
    assert {m: [c[0], c[4]] for m, (c, _) in before.items() if m != "Note"} == {
        m: list(c) for m, (_, c) in _PLACED.items()
    }
    _merge_a_new_round(plan, tmp_path)
    assert load_workbook(plan)["Action Plan"]["K1"].value == "Update as at 20 Mar 24"
    after_parts = parts(plan)
    after = shapes(after_parts)
    edges = column_edges(after_parts[PLAN_PART])
    new_width = edges[11] - edges[10]  # K's, the new column's
    assert new_width > 100  # (wider than the plan's columns)
    assert {m: f for m, (_, f) in after.items()} == {m: f for m, (_, f) in before.items()}
    for moved_and_sized in ("MoveAndSize", "FlagsFalse", "NegativeOffset"):
        anchor, was = after[moved_and_sized][0], before[moved_and_sized][0]
        assert [anchor[0], anchor[4]] == [8, 13]
        assert anchor[1::4] == was[1::4]  # (its offsets as they were: "-6" kept)
    for kept, moved in (("MoveOnlyAcross", 0), ("MoveOnlyRight", new_width), ("Stay", 0),
                        ("MoveFlagOnly", 0), ("Note", 0)):  # fmt: skip
        left, width = box(before_parts, before[kept][0])
        now_left, now_width = box(after_parts, after[kept][0])
        assert abs(now_left - (left + moved)) <= 1 and abs(now_width - width) <= 1, (
            kept,
            (left, width),
            (now_left, now_width),
        )
    assert after["MoveOnlyRight"][0][0] == 12  # (moved whole: the column its corner was in)
    vml = next(data for name, data in parts(plan).items() if name.endswith(".vml")).decode()
    assert re.findall(r"<x:Row>(\d+)</x:Row>\s*<x:Column>(\d+)</x:Column>", vml) == [
        (str(last + 20), "11")
    ]
