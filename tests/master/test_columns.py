"""A column edi_xl inserts (a new round's update column) moves what refers to the columns to
its right, as Excel does when a person inserts one: formulas in cells on any sheet, names,
conditional formats, dropdowns, print area and titles (edi_xl.master.columns)."""

from __future__ import annotations

import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from conftest import column_widths, rewrite_part, spanned_columns
from libreoffice import recalculated_copy, soffice_path
from lxml import etree
from openpyxl import load_workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from edi_xl.flows.rounds import start_round
from edi_xl.master.edits import shift_formula

PLAN = "Action Plan"
CHART_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"


@pytest.mark.parametrize(
    ("formula", "home", "moved"),
    [
        ('=IF(K5="Yes","late","")', PLAN, '=IF(L5="Yes","late","")'),  # on the sheet itself
        ("=COUNTIF('Action Plan'!K:K,\"Yes\")", "Dash", "=COUNTIF('Action Plan'!L:L,\"Yes\")"),
        ("'Action Plan'!$K$5:$K$30", None, "'Action Plan'!$L$5:$L$30"),  # a name: no =
        ("=SUM(A1:M3)", PLAN, "=SUM(A1:N3)"),  # a range across the new column grows
        ("=J2+$L$1", PLAN, "=J2+$M$1"),  # left of it stays; $ is kept
        ("=K5", "Dash", "=K5"),  # K5 of the other sheet
        ("=SUM('ACTION PLAN'!K1:K9)", "Dash", "=SUM('ACTION PLAN'!L1:L9)"),  # names ignore case
        ("=Other!K1+MyName+'Action Plan'!1:2", PLAN, "=Other!K1+MyName+'Action Plan'!1:2"),
        ("=SUM(Table1[Due])", PLAN, "=SUM(Table1[Due])"),  # a table's column: by name
        ("='It''s here'!K1", "Dash", "='It''s here'!K1"),
        ("=[1]'Action Plan'!K1", "Dash", "=[1]'Action Plan'!K1"),  # another workbook
        ('="K5 is text"', PLAN, '="K5 is text"'),
        ("plain words", PLAN, "plain words"),
        ("=XFD1", PLAN, "=XFD1"),  # the last column stays the last
    ],
)
def test_a_formula_follows_the_columns_it_names(formula: str, home: str | None, moved: str):
    assert shift_formula(formula, PLAN, 11, home) == moved  # a column inserted before K


def _trust_additions(master: Path) -> None:
    """What a trust adds to its master: a check column right of the table that reads the
    Overdue column (K), a Dashboard counting it, a name and a highlight on it, a dropdown
    fed from the plan sheet, a print area."""
    wb = load_workbook(master)
    ws = wb[PLAN]
    assert ws["K4"].value == "Overdue"
    ws["O4"] = "Check"
    for r in range(5, 22):
        ws.cell(r, 15).value = f'=IF(K{r}="Yes","chase","")'
    dash = wb.create_sheet("Dashboard")
    dash["A1"], dash["B1"] = "Overdue actions", "=COUNTIF('Action Plan'!K:K,\"Yes\")"
    dash["A2"] = "Pick an action"
    dv = DataValidation(type="list", formula1="'Action Plan'!$A$5:$A$21")
    dash.add_data_validation(dv)
    dv.add("B2")
    wb.defined_names["TrustOverdue"] = DefinedName(
        "TrustOverdue", attr_text="'Action Plan'!$K$5:$K$21"
    )
    ws.conditional_formatting.add(
        "O5:O21", FormulaRule(formula=['$K5="Yes"'], fill=PatternFill("solid", "FFC7CE"))
    )
    dash.conditional_formatting.add(  # a rule reading the plan sheet (Excel 2010 and later)
        "A1",
        FormulaRule(formula=["'Action Plan'!$K$5=\"Yes\""], fill=PatternFill("solid", "FFC7CE")),
    )
    ws.print_area = "A1:O21"
    wb.save(master)


def test_a_new_round_moves_the_trusts_formulas_names_and_rules(master: Path):
    _trust_additions(master)
    start_round(master, date(2024, 3, 18))
    wb = load_workbook(master)
    ws = wb[PLAN]
    assert ws["L4"].value == "Overdue" and str(ws["K4"].value).startswith("Update as at 18 Mar")
    assert ws["P4"].value == "Check"
    assert ws["P5"].value == '=IF(L5="Yes","chase","")'
    assert ws["P21"].value == '=IF(L21="Yes","chase","")'
    assert wb["Dashboard"]["B1"].value == "=COUNTIF('Action Plan'!L:L,\"Yes\")"
    assert wb["Dashboard"].data_validations.dataValidation[0].formula1 == (
        "'Action Plan'!$A$5:$A$21"  # column A: left of the new column, unchanged
    )
    assert wb.defined_names["TrustOverdue"].attr_text == "'Action Plan'!$L$5:$L$21"
    rules = [(str(cf.sqref), rule.formula) for cf in ws.conditional_formatting for rule in cf.rules]
    assert ("P5:P21", ['$L5="Yes"']) in rules, rules
    assert str(ws.print_area) == "'Action Plan'!$A$1:$P$21"
    dash_rules = [r.formula for cf in wb["Dashboard"].conditional_formatting for r in cf.rules]
    assert dash_rules == [["'Action Plan'!$L$5=\"Yes\""]]


def test_a_new_round_moves_the_widths_of_columns_saved_in_spans(master: Path):
    """A master saved by Excel or LibreOffice has neighbouring columns of one width as one
    span (here Status with the previous round's column, and Overdue with Days overdue: the
    round's column goes in between the two): each column keeps its width as it moves right,
    and the new column gets the previous round's. (A span across the new column:
    test_column_settings.)"""
    wb = load_workbook(master)
    ws = wb[PLAN]
    ws.column_dimensions["I"].width = ws.column_dimensions["J"].width = 18
    wb.save(master)
    with zipfile.ZipFile(master) as zf:
        part = next(n for n in zf.namelist() if n.endswith("sheet1.xml"))
    rewrite_part(master, part, spanned_columns)
    before = column_widths(master, PLAN)
    with zipfile.ZipFile(master) as zf:
        spans = re.findall(rb'<col min="(\d+)" max="(\d+)"', zf.read(part))
    assert (b"9", b"10") in spans and (b"11", b"12") in spans
    start_round(master, date(2024, 3, 18))
    new = load_workbook(master)[PLAN]
    assert str(new["K4"].value).startswith("Update as at 18 Mar")
    after = column_widths(master, PLAN)
    assert {c: w for c, w in after.items() if c < 11} == {c: before[c] for c in before if c < 11}
    assert {c: w for c, w in after.items() if c > 11} == {c + 1: w for c, w in before.items()
                                                          if c >= 11}  # fmt: skip
    assert after[11] == before[10]  # the round's column: as wide as the round's before it


@pytest.mark.libreoffice
@pytest.mark.skipif(soffice_path() is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_counts_the_same_after_the_new_round(master: Path, tmp_path: Path):
    """A spreadsheet program recalculates the trust's Dashboard and check column after the
    new round to the same answers as before it."""
    _trust_additions(master)
    before = load_workbook(recalculated_copy(master, tmp_path / "before"), data_only=True)
    start_round(master, date(2024, 3, 18))
    after = load_workbook(recalculated_copy(master, tmp_path / "after"), data_only=True)
    yes = sum(1 for r in range(5, 22) if before[PLAN].cell(r, 11).value == "Yes")
    assert yes > 0, "the seed master has overdue actions to count"
    assert before["Dashboard"]["B1"].value == yes
    now_yes = sum(1 for r in range(5, 22) if after[PLAN].cell(r, 12).value == "Yes")
    assert after["Dashboard"]["B1"].value == now_yes  # Overdue is re-worked at the new date
    checks = [after[PLAN].cell(r, 16).value for r in range(5, 22)]
    assert checks.count("chase") == now_yes


def test_a_chart_reading_the_plan_sheet_follows_the_new_column(master: Path):
    """A trust's chart of Days overdue (column L) reads column M after a new round's column
    is put in at K; a chart reading columns left of it (the ids, column A) is unchanged."""
    from openpyxl.chart import BarChart, Reference

    wb = load_workbook(master)
    ws = wb[PLAN]
    assert ws["L4"].value == "Days overdue"
    dash = wb.create_sheet("Dashboard")
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=12, min_row=4, max_row=21), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=5, max_row=21))
    dash.add_chart(chart, "A1")
    wb.save(master)
    start_round(master, date(2024, 3, 18))
    with zipfile.ZipFile(master) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        refs = [
            el.text
            for n in charts
            for el in etree.fromstring(z.read(n)).iter(f"{{{CHART_NS}}}f")
            if "Action Plan" in (el.text or "")
        ]
    assert sorted(refs) == [
        "'Action Plan'!$A$5:$A$21",  # the categories: left of the new column
        "'Action Plan'!$M$5:$M$21",  # the values: were $L$5:$L$21
        "'Action Plan'!M4",  # the series title: was L4
    ]
    assert load_workbook(master)[PLAN]["M4"].value == "Days overdue"


def test_a_charts_full_range_behind_chart_filters_follows_the_new_column(master: Path):
    """A series narrowed with Excel's Chart Filters keeps its whole range in Excel 2013's
    ``<c15:fullRef><c15:sqref>``: it moves with the series' ``<c:f>`` (before, it stayed
    on L while the series read M)."""
    from openpyxl.chart import BarChart, Reference

    c15 = "http://schemas.microsoft.com/office/drawing/2012/chart"
    wb = load_workbook(master)
    chart = BarChart()
    chart.add_data(Reference(wb[PLAN], min_col=12, min_row=5, max_row=10))
    wb.create_sheet("Dashboard").add_chart(chart, "A1")
    wb.save(master)
    full = (  # (in the series' <numRef>, as Excel writes it; openpyxl wrote no prefix)
        f'<extLst><ext uri="{{02D57815-91ED-43cb-92C2-25804820EDAC}}" xmlns:c15="{c15}">'
        "<c15:fullRef><c15:sqref>'Action Plan'!$L$5:$L$21</c15:sqref></c15:fullRef></ext>"
        "</extLst>"
    ).encode()
    with zipfile.ZipFile(master) as z:
        part = next(
            n
            for n in z.namelist()
            if n.startswith("xl/charts/chart") and b"'Action Plan'!$L$5" in z.read(n)
        )
    rewrite_part(master, part, lambda data: data.replace(b"</numRef>", full + b"</numRef>", 1))
    start_round(master, date(2024, 3, 18))
    with zipfile.ZipFile(master) as z:
        root = etree.fromstring(z.read(part))
    assert [el.text for el in root.iter(f"{{{CHART_NS}}}f")] == ["'Action Plan'!$M$5:$M$10"]
    assert [el.text for el in root.iter(f"{{{c15}}}sqref")] == ["'Action Plan'!$M$5:$M$21"]


def test_a_pivot_tables_source_on_the_plan_sheet_follows_the_new_column(master: Path):
    """A pivot table's cache reads its source range by sheet and range: the range on the plan
    sheet across the new column grows by it; one on another sheet stays as it was."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.pivotCacheDefinition+xml"

    def cache(sheet: str, ref: str) -> bytes:
        return (
            f'<pivotCacheDefinition xmlns="{main}"><cacheSource type="worksheet">'
            f'<worksheetSource ref="{ref}" sheet="{sheet}"/></cacheSource></pivotCacheDefinition>'
        ).encode()

    parts = {
        "xl/pivotCache/pivotCacheDefinition1.xml": cache(PLAN, "A4:M21"),
        "xl/pivotCache/pivotCacheDefinition2.xml": cache("Networks", "A1:M9"),
    }
    with zipfile.ZipFile(master) as z:
        files = {i.filename: z.read(i) for i in z.infolist()}
    types = files["[Content_Types].xml"].decode()
    for name in parts:
        types = types.replace(
            "</Types>", f'<Override PartName="/{name}" ContentType="{kind}"/></Types>'
        )
    files["[Content_Types].xml"] = types.encode()
    files.update(parts)
    with zipfile.ZipFile(master, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in files.items():
            z.writestr(name, body)
    start_round(master, date(2024, 3, 18))
    with zipfile.ZipFile(master) as z:
        refs = {
            name: etree.fromstring(z.read(name)).find(f".//{{{main}}}worksheetSource").get("ref")
            for name in parts
        }
    assert refs == {
        "xl/pivotCache/pivotCacheDefinition1.xml": "A4:N21",  # across K: grows by the column
        "xl/pivotCache/pivotCacheDefinition2.xml": "A1:M9",
    }


@pytest.mark.parametrize("saved", ["patched", "whole"])
def test_a_plan_formatted_as_a_table_gains_the_new_column_inside_the_table(
    master: Path, tmp_path: Path, saved: str, monkeypatch: pytest.MonkeyPatch
):
    """A trust that formatted its plan as a table (Excel's "Format as Table"): the new round's
    column falls inside it, so the table gains a column there named as its header, as Excel
    does; with a column too few Excel would repair the file by dropping the table. A file
    that cannot be patched, saved whole by openpyxl, has the same table (before, openpyxl's
    insert left the table as it was, its columns a step off their header cells)."""
    from openpyxl.worksheet.table import Table

    from edi_xl.master import patch

    wb = load_workbook(master)
    ws = wb[PLAN]
    last = max(r for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value)
    ws.add_table(Table(displayName="ActionPlan", ref=f"A4:M{last}"))
    wb.save(master)
    if saved == "whole":
        monkeypatch.setattr(patch, "apply_edits", _cannot_patch)
    result = start_round(master, date(2024, 3, 18))
    assert bool(result.notes) == (saved == "whole")  # (saved_by_rewrite)

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    with zipfile.ZipFile(master) as z:
        (part,) = [n for n in z.namelist() if n.startswith("xl/tables/")]
        table = etree.fromstring(z.read(part))
    columns = table.find(f"{{{main}}}tableColumns")
    names = [el.get("name") for el in columns]
    assert table.get("ref") == f"A4:N{last}" and columns.get("count") == "14"
    after = load_workbook(master)[PLAN]
    assert names == [after.cell(4, c).value for c in range(1, 15)]  # as the header cells
    assert names[10] == "Update as at 18 Mar 24"
    ids = [el.get("id") for el in columns]
    assert len(set(ids)) == len(ids)
    assert load_workbook(master)[PLAN].tables["ActionPlan"].ref == f"A4:N{last}"


def _cannot_patch(*args: object) -> bytes:
    raise ValueError("a part the patch writer needs is broken")


X14 = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
XM = "http://schemas.microsoft.com/office/excel/2006/main"


@pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")
def test_data_bars_and_sparklines_of_excel_2010_follow_the_new_column(master: Path):
    """Excel 2010's data bars and sparklines sit in the sheet's extensions, which openpyxl
    does not read: the patch writer moves their places (``xm:sqref``) and data references
    (``xm:f``) on the plan sheet and on other sheets reading it."""
    wb = load_workbook(master)
    wb.create_sheet("Dashboard")["A1"] = "Days overdue, action by action"
    wb.save(master)
    data_bars = (
        f'<extLst><ext uri="{{78C0D931-6437-407d-A8EE-F0AAD7539E65}}" xmlns:x14="{X14}">'
        f'<x14:conditionalFormattings><x14:conditionalFormatting xmlns:xm="{XM}">'
        '<x14:cfRule type="dataBar" id="{00000000-0000-0000-0000-000000000001}">'
        '<x14:dataBar minLength="0" maxLength="100"><x14:cfvo type="autoMin"/>'
        '<x14:cfvo type="autoMax"/></x14:dataBar></x14:cfRule>'
        "<xm:sqref>L5:L21</xm:sqref></x14:conditionalFormatting></x14:conditionalFormattings>"
        "</ext></extLst></worksheet>"
    )
    sparklines = (
        f'<extLst><ext uri="{{05C60535-1F16-4fd2-B633-F4F36F0B64E0}}" xmlns:x14="{X14}">'
        f'<x14:sparklineGroups xmlns:xm="{XM}"><x14:sparklineGroup>'
        '<x14:colorSeries rgb="FF376092"/><x14:sparklines><x14:sparkline>'
        "<xm:f>'Action Plan'!L5:L21</xm:f><xm:sqref>A3</xm:sqref></x14:sparkline>"
        "</x14:sparklines></x14:sparklineGroup></x14:sparklineGroups></ext></extLst></worksheet>"
    )
    with zipfile.ZipFile(master) as z:
        files = {i.filename: z.read(i) for i in z.infolist()}
    sheet_of = _sheet_parts(files)
    for title, ext in ((PLAN, data_bars), ("Dashboard", sparklines)):
        part = sheet_of[title]
        files[part] = files[part].replace(b"</worksheet>", ext.encode())
    with zipfile.ZipFile(master, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in files.items():
            z.writestr(name, body)

    start_round(master, date(2024, 3, 18))
    with zipfile.ZipFile(master) as z:
        files = {i.filename: z.read(i) for i in z.infolist()}
    sheet_of = _sheet_parts(files)
    plan = etree.fromstring(files[sheet_of[PLAN]])
    dash = etree.fromstring(files[sheet_of["Dashboard"]])
    assert [el.text for el in plan.iter(f"{{{XM}}}sqref")] == ["M5:M21"]
    assert [el.text for el in dash.iter(f"{{{XM}}}f")] == ["'Action Plan'!M5:M21"]
    assert [el.text for el in dash.iter(f"{{{XM}}}sqref")] == ["A3"]  # where it is drawn
    assert load_workbook(master)[PLAN]["M4"].value == "Days overdue"


def _sheet_parts(files: dict[str, bytes]) -> dict[str, str]:
    """Sheet title -> its part, from workbook.xml and its relationships."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel_ns = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    book = etree.fromstring(files["xl/workbook.xml"])
    rels = etree.fromstring(files["xl/_rels/workbook.xml.rels"])
    targets = {el.get("Id"): el.get("Target") for el in rels}
    out = {}
    for el in book.iter(f"{{{main}}}sheet"):
        target = targets[el.get(f"{{{rel_ns}}}id")]
        out[el.get("name")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return out


def test_a_shared_formula_right_of_the_new_column_keeps_its_range(master: Path):
    """Excel stores a formula filled down once, for a range of cells (a shared formula): when
    the cells move right, so does the range, or Excel would find cells outside it."""
    with zipfile.ZipFile(master) as z:
        files = {i.filename: z.read(i) for i in z.infolist()}
    part = _sheet_parts(files)[PLAN]
    xml = files[part]
    for r, f in (
        (5, '<f t="shared" ref="P5:P6" si="0">A5&amp;"!"</f>'),
        (6, '<f t="shared" si="0"/>'),
    ):
        row_end = xml.index(b"</row>", xml.index(f'<row r="{r}"'.encode()))
        xml = xml[:row_end] + f'<c r="P{r}">{f}</c>'.encode() + xml[row_end:]
    files[part] = xml
    with zipfile.ZipFile(master, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in files.items():
            z.writestr(name, body)
    assert load_workbook(master)[PLAN]["P6"].value == '=A6&"!"'

    start_round(master, date(2024, 3, 18))
    with zipfile.ZipFile(master) as z:
        plan = etree.fromstring(z.read(_sheet_parts({n: z.read(n) for n in z.namelist()})[PLAN]))
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    shared = [
        (c.get("r"), f.get("ref"))
        for c in plan.iter(f"{{{main}}}c")
        if (f := c.find(f"{{{main}}}f")) is not None and f.get("t") == "shared"
    ]
    assert shared == [("Q5", "Q5:Q6"), ("Q6", None)]
    after = load_workbook(master)[PLAN]
    assert (after["Q5"].value, after["Q6"].value) == ('=A5&"!"', '=A6&"!"')


def test_insert_column_keeps_the_filters_criteria_and_sort_on_their_columns() -> None:
    """In the workbook edi_xl holds (what a whole write saves), as the patch writer does in
    the file: a criterion right of the new column moves with its column, one left of it
    stays; the sort's ranges move."""
    from openpyxl import Workbook
    from openpyxl.worksheet.filters import FilterColumn, Filters, SortCondition, SortState

    from edi_xl.master.columns import insert_column

    ws = Workbook().active
    ws.auto_filter.ref = "B4:M21"
    ws.auto_filter.filterColumn = [
        FilterColumn(colId=2, filters=Filters(filter=["Race"])),  # D: left of K
        FilterColumn(colId=10, filters=Filters(filter=["Yes"])),  # L: right of K
    ]
    ws.auto_filter.sortState = SortState(
        ref="B5:M21", sortCondition=[SortCondition(ref="L5:L21", descending=True)]
    )
    insert_column(ws, 11)
    flt = ws.auto_filter
    assert flt.ref == "B4:N21"
    assert [c.colId for c in flt.filterColumn] == [2, 11]
    assert flt.sortState.ref == "B5:N21"
    assert [str(k.ref) for k in flt.sortState.sortCondition] == ["M5:M21"]


def test_a_plan_sheet_titled_with_a_comma_and_a_print_area_gets_its_round(tmp_path: Path) -> None:
    """A plan sheet titled "Action Plan, 2023-24" with a print area: the comma in the title
    is not taken for one between ranges (a new round stopped with a TypeError); the area
    across the new column grows by it."""
    import xlsxwriter
    from conftest import add_seed_plan_sheet

    from edi_xl.flows.refresh import refresh_workbook

    plan = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(plan))
    ws, actions = add_seed_plan_sheet(wb, title="Action Plan, 2023-24")
    ws.print_area(0, 0, actions, 12)  # A1:M18, across K
    wb.close()
    refresh_workbook(plan, date(2023, 12, 18))
    start_round(plan, date(2024, 3, 18))
    ws = load_workbook(plan)["Action Plan, 2023-24"]
    assert ws["K1"].value == "Update as at 18 Mar 24"
    assert ws.print_area == f"'Action Plan, 2023-24'!$A$1:$N${actions + 1}"
