"""Excel 365's sheet views and Power Query's tables through a new round's column (issue 13).

A sheet view (View > Sheet View, Excel 365) keeps a filter and a sort of its own for the
sheet's filter and for each table's, in a part of its own (``xl/namedSheetViews/``) that
counts the columns of its criteria from the filter's first column. A plan loaded by Power
Query (or any connection) is a query table: a table whose columns are each a field of the
query (``xl/queryTables/``). The round's column must leave a view's criteria on their
columns, and a query table it runs through must know the new column for one of its own
(``dataBound="0"``), as Excel does for a column typed into it (Apache POI's
``dataValidationTableRange.xlsx``, saved by Excel, has two). The workbooks are built by
XlsxWriter; the parts it does not write are added as Excel writes them.
"""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
import xlsxwriter
from conftest import add_seed_plan_sheet, rewrite_part, seed_rows
from lxml import etree
from openpyxl import load_workbook

from edi_xl.flows.refresh import refresh_workbook
from edi_xl.flows.rounds import start_round

AS_AT = date(2023, 12, 18)
LATER = date(2024, 3, 20)
NOW = datetime(2024, 3, 20, 9)
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
M = f"{{{MAIN}}}"
NSV = "http://schemas.microsoft.com/office/spreadsheetml/2019/namedsheetviews"
N = f"{{{NSV}}}"
XR = "http://schemas.microsoft.com/office/spreadsheetml/2014/revision"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
PLAN_PART = "xl/worksheets/sheet1.xml"
VIEWS_PART = "xl/namedSheetViews/namedSheetView1.xml"
SHEET_FILTER_UID = "{5D1C8E2A-7B3F-4A6E-9C0D-1E2F3A4B5C6D}"
ACTIONS = len(seed_rows()[1])
LAST = ACTIONS + 1  # the plan's last row (its header on row 1)


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _xml(data: bytes) -> etree._Element:
    return etree.fromstring(data)


def _add_parts(
    path: Path, added: dict[str, tuple[str, str]], rels: dict[str, list[tuple[str, str]]]
) -> None:
    """The package at ``path`` with the parts ``added`` (name: (content type, XML)) and the
    relationships ``rels`` (the part they are of: [(type, target)])."""
    package = parts(path)
    types = _xml(package["[Content_Types].xml"])
    for name, (kind, _) in added.items():
        etree.SubElement(types, f"{{{TYPES}}}Override", PartName="/" + name, ContentType=kind)
    package["[Content_Types].xml"] = etree.tostring(types, xml_declaration=True, encoding="UTF-8")
    for name, (_, xml) in added.items():
        package[name] = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + xml.encode()
    for owner, targets in rels.items():
        folder, _, base = owner.rpartition("/")
        rels_name = f"{folder}/_rels/{base}.rels"
        root = (
            _xml(package[rels_name])
            if rels_name in package
            else etree.Element(f"{{{PKG_REL}}}Relationships", nsmap={None: PKG_REL})
        )
        for n, (kind, target) in enumerate(targets):
            etree.SubElement(root, f"{{{PKG_REL}}}Relationship", Id=f"rIdT{n + 1}", Type=kind,
                             Target=target)  # fmt: skip
        package[rels_name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in package.items():
            zf.writestr(name, data)


def _as_query_table(path: Path, table_part: str, number: int, field_offset: int = 0) -> None:
    """Table ``table_part`` of the package made the output of a Power Query query (query
    table ``number``), as Excel saves one: ``tableType="queryTable"``, each column named by
    its field of the query (``queryTableFieldId``; Excel's field ids need not be the columns'
    own: ``field_offset`` apart) and by its ``uniqueName`` (the column's id)."""
    table = _xml(parts(path)[table_part])
    table.set("tableType", "queryTable")
    fields = []
    for column in table.iter(f"{M}tableColumn"):
        column_id, name = column.get("id"), column.get("name")
        field_id = str(int(column_id) + field_offset)
        column.attrib.clear()
        column.attrib.update({"id": column_id, "uniqueName": column_id, "name": name,
                              "queryTableFieldId": field_id})  # fmt: skip
        fields.append(
            f'<queryTableField id="{field_id}" name="{name}" tableColumnId="{column_id}"/>'
        )
    rewrite_part(path, table_part, lambda _: etree.tostring(table, encoding="UTF-8"))
    query = (
        f'<queryTable xmlns="{MAIN}" name="ExternalData_{number}" connectionId="{number}" '
        'autoFormatId="16" applyNumberFormats="0" applyBorderFormats="0" applyFontFormats="0" '
        'applyPatternFormats="0" applyAlignmentFormats="0" applyWidthHeightFormats="0">'
        f'<queryTableRefresh nextId="{len(fields) + field_offset + 1}">'
        f'<queryTableFields count="{len(fields)}">{"".join(fields)}</queryTableFields>'
        "</queryTableRefresh></queryTable>"
    )
    name = f"xl/queryTables/queryTable{number}.xml"
    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.queryTable+xml"
    rel = (f"{REL}/queryTable", f"../queryTables/queryTable{number}.xml")
    _add_parts(path, {name: (kind, query)}, {table_part: [rel]})


def _with_sheet_views(path: Path, views: str) -> None:
    """The plan sheet of the package with the sheet views ``views`` (``<namedSheetView>``s),
    as Excel 365 saves them."""
    xml = f'<namedSheetViews xmlns="{NSV}" xmlns:x="{MAIN}">{views}</namedSheetViews>'
    kind = "application/vnd.ms-excel.namedsheetviews+xml"
    rel = "http://schemas.microsoft.com/office/2019/04/relationships/namedSheetView"
    _add_parts(path, {VIEWS_PART: (kind, xml)},
               {PLAN_PART: [(rel, "../namedSheetViews/namedSheetView1.xml")]})  # fmt: skip


def _table_parts(package: dict[str, bytes]) -> dict[str, etree._Element]:
    """The package's tables by name."""
    tables = (_xml(data) for name, data in package.items() if name.startswith("xl/tables/t"))
    return {str(t.get("name")): t for t in tables}


def _round(plan: Path) -> dict[str, bytes]:
    """The plan after a round started on LATER (its column going in at K), as a package."""
    start_round(plan, LATER, now=NOW)
    assert load_workbook(plan)["Action Plan"]["K1"].value == "Update as at 20 Mar 24"
    return parts(plan)


def build_plan_with_views(path: Path) -> Path:
    """The trust's plan (seed 000 from row 1) with its own columns K (board paper) and L
    (score) under the sheet's filter, a table of the trust's, "Networks", loaded by Power
    Query right of the plan, below it (N21:O24, clear of the sheet's
    filter), and two sheet views: "HR view" filters the score (L)
    and the milestone (B, left of the round) and sorts by the score (a range written with
    ``$``), and filters and sorts the Networks table; "Papers" filters the board paper (K),
    naming the sheet's filter by its ``tableId`` 0 only, and sorts it by a rich sort."""
    wb = xlsxwriter.Workbook(str(path))
    ws, _ = add_seed_plan_sheet(wb)
    ws.write_row(0, 10, ["Board paper", "Score"])
    for r in range(1, LAST):
        ws.write(r, 10, f"BP{r}")
        ws.write_number(r, 11, r % 5)
    ws.autofilter(0, 0, LAST - 1, 11)
    data = [["Race", 40], ["Disability", 25], ["LGBT+", 31]]
    ws.add_table("N21:O24", {"name": "Networks", "data": data,
                           "columns": [{"header": "Network"}, {"header": "Members"}]})  # fmt: skip
    wb.close()
    uid = f'<autoFilter xmlns:xr="{XR}" xr:uid="{SHEET_FILTER_UID}" '.encode()  # (Excel's)
    rewrite_part(path, PLAN_PART, lambda d: d.replace(b"<autoFilter ", uid, 1))
    _as_query_table(path, "xl/tables/table1.xml", 1)
    networks = _table_parts(parts(path))["Networks"].get("id")
    _with_sheet_views(path, (
        '<namedSheetView name="HR view" id="{6C3A5B8E-1111-4E1B-9C2E-0A1B2C3D4E5F}">'
        f'<nsvFilter filterId="{SHEET_FILTER_UID}" ref="A1:L{LAST}" tableId="0">'
        '<columnFilter colId="1"><filter colId="1"><x:filters><x:filter val="Recruitment"/>'
        "</x:filters></filter></columnFilter>"
        '<columnFilter colId="11"><filter colId="11"><x:filters><x:filter val="3"/>'
        "</x:filters></filter></columnFilter>"
        '<sortRules><sortRule colId="11" id="{9A8B7C6D-3333-4E5F-8A9B-0C1D2E3F4A5B}">'
        f'<sortCondition descending="1" ref="$L$2:$L${LAST}"/></sortRule></sortRules>'
        "</nsvFilter>"
        f'<nsvFilter filterId="{{0B8C1D2E-4444-4A55-8A6B-1C2D3E4F5A6B}}" tableId="{networks}">'
        '<columnFilter colId="1"><filter colId="1"><x:customFilters>'
        '<x:customFilter operator="greaterThan" val="30"/></x:customFilters></filter>'
        '</columnFilter><sortRules><sortRule colId="1"><sortCondition ref="O22:O24"/>'
        "</sortRule></sortRules></nsvFilter></namedSheetView>"
        '<namedSheetView name="Papers" id="{6C3A5B8E-2222-4E1B-9C2E-0A1B2C3D4E5F}">'
        '<nsvFilter filterId="{0B8C1D2E-5555-4A55-8A6B-1C2D3E4F5A6B}" tableId="0">'
        '<columnFilter colId="10"><filter colId="10"><x:filters><x:filter val="BP3"/>'
        "</x:filters></filter></columnFilter>"
        f'<sortRules><sortRule colId="10"><richSortCondition ref="K2:K{LAST}"/></sortRule>'
        "</sortRules></nsvFilter></namedSheetView>"
    ))  # fmt: skip
    refresh_workbook(path, AS_AT, now=datetime(2023, 12, 18, 9))
    return path


def _criteria(view: etree._Element) -> list[list[tuple[str, ...]]]:
    """Each filter of the sheet view ``view``: (colId of its criteria, of their filters and of
    its sort rules), then its sort conditions' ranges."""
    return [
        [
            tuple(c.get("colId", "") for c in flt.iter(f"{N}columnFilter")),
            tuple(c.get("colId", "") for c in flt.iter(f"{N}filter")),
            tuple(c.get("colId", "") for c in flt.iter(f"{N}sortRule")),
            tuple(c.get("ref", "") for c in flt.iter(f"{N}sortCondition", f"{N}richSortCondition")),
        ]
        for flt in view.iter(f"{N}nsvFilter")
    ]


def test_sheet_views_filters_and_sorts_stay_on_their_columns(tmp_path: Path) -> None:
    """After the round goes in at K, each sheet view filters and sorts the columns it did:
    the score (L) and the board paper (K) are counted from the sheet filter's first column,
    one more each; the milestone (B) left of the round keeps its number; the Networks table
    moved whole, so its criterion keeps its number (counted from the table's first column)
    and its sort's range moves with it. The ``$`` of a range stays."""
    plan = build_plan_with_views(tmp_path / "plan.xlsx")
    before = parts(plan)
    view_before = _xml(before[VIEWS_PART])
    assert _criteria(view_before.find(f"{N}namedSheetView")) == [
        [("1", "11"), ("1", "11"), ("11",), (f"$L$2:$L${LAST}",)],
        [("1",), ("1",), ("1",), ("O22:O24",)],
    ]
    after = _round(plan)
    hr_view, papers = _xml(after[VIEWS_PART]).iterfind(f"{N}namedSheetView")
    assert _criteria(hr_view) == [
        [("1", "12"), ("1", "12"), ("12",), (f"$M$2:$M${LAST}",)],
        [("1",), ("1",), ("1",), ("P22:P24",)],
    ]
    assert hr_view.find(f"{N}nsvFilter").get("ref") == f"A1:M{LAST}"
    assert _criteria(papers) == [[("11",), ("11",), ("11",), (f"L2:L{LAST}",)]]
    sheet = load_workbook(plan)["Action Plan"]
    assert (sheet["L1"].value, sheet["M1"].value) == ("Board paper", "Score")
    assert _table_parts(after)["Networks"].get("ref") == "O21:P24"


def test_a_query_table_the_round_passes_by_gains_nothing(tmp_path: Path) -> None:
    """The trust's Networks table, loaded by Power Query right of the plan, moves whole: it
    gains no column, and its query keeps its fields as they were, byte for byte; a second
    round started on the same day changes neither the table nor the sheet views."""
    plan = build_plan_with_views(tmp_path / "plan.xlsx")
    before = parts(plan)
    after = _round(plan)
    assert after["xl/queryTables/queryTable1.xml"] == before["xl/queryTables/queryTable1.xml"]
    columns = _table_parts(after)["Networks"].iter(f"{M}tableColumn")
    assert [c.get("queryTableFieldId") for c in columns] == ["1", "2"]
    again = _round(plan)
    for name in ("xl/tables/table1.xml", "xl/queryTables/queryTable1.xml", VIEWS_PART):
        assert again[name] == after[name], name


def build_plan_as_a_query_table(path: Path, last_column: int) -> Path:
    """The trust's plan (seed 000) kept as a Power Query output table, columns A to
    ``last_column`` (1-based: 11 takes in the trust's board paper column K, 10 ends at the
    last update column J), with fields numbered apart from its columns as Excel's may be,
    and a sheet view filtering and sorting the table's last column."""
    header, rows = seed_rows()
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Action Plan")
    data = [(r + [f"BP{i}"])[:last_column] for i, r in enumerate(rows, start=1)]
    headers = (header + ["Board paper"])[:last_column]
    ws.add_table(0, 0, len(rows), last_column - 1, {
        "name": "Table_ExternalData_1", "data": data,
        "columns": [{"header": h} for h in headers]})  # fmt: skip
    wb.close()
    _as_query_table(path, "xl/tables/table1.xml", 1, field_offset=4)
    letter = "K" if last_column == 11 else "J"
    _with_sheet_views(path, (
        '<namedSheetView name="Mine" id="{6C3A5B8E-1111-4E1B-9C2E-0A1B2C3D4E5F}">'
        '<nsvFilter filterId="{0B8C1D2E-2222-4A55-8A6B-1C2D3E4F5A6B}" tableId="1">'
        f'<columnFilter colId="{last_column - 1}"><filter colId="{last_column - 1}">'
        '<x:filters><x:filter val="BP3"/></x:filters></filter></columnFilter>'
        f'<sortRules><sortRule colId="{last_column - 1}"><sortCondition ref="{letter}2:{letter}'
        f'{LAST}"/></sortRule></sortRules></nsvFilter></namedSheetView>'
    ))  # fmt: skip
    refresh_workbook(path, AS_AT, now=datetime(2023, 12, 18, 9))
    return path


def _fields(package: dict[str, bytes]) -> tuple[etree._Element, list[dict[str, str]]]:
    """(the query table's refresh settings, each field's attributes in order)."""
    refresh = _xml(package["xl/queryTables/queryTable1.xml"]).find(f"{M}queryTableRefresh")
    assert refresh is not None
    return refresh, [dict(f.attrib) for f in refresh.iter(f"{M}queryTableField")]


def test_a_query_table_the_round_runs_through_gains_a_field_of_its_own(tmp_path: Path) -> None:
    """The plan kept as a Power Query table running on to the trust's board paper column K:
    the round's column goes in at K inside the table, as a column typed into it in Excel. It
    gets a field of the query's own, not filled by the query (``dataBound="0"``), among the
    fields in its place, named by the column (``queryTableFieldId``: the field's id,
    ``uniqueName``: the column's id, as Excel writes them); the next field id is counted on.
    The sheet view filtering the board paper (the table's column 10, counted from its first)
    filters it on L."""
    plan = build_plan_as_a_query_table(tmp_path / "plan.xlsx", 11)
    refresh, fields = _fields(parts(plan))
    assert (refresh.get("nextId"), len(fields)) == ("16", 11)
    after = _round(plan)
    table = _table_parts(after)["Table_ExternalData_1"]
    columns = [dict(c.attrib) for c in table.iter(f"{M}tableColumn")]
    assert table.get("ref") == f"A1:L{LAST}"
    assert columns[10] == {"id": "12", "uniqueName": "12", "name": "Update as at 20 Mar 24",
                           "queryTableFieldId": "16"}  # fmt: skip
    assert columns[11]["name"] == "Board paper" and columns[11]["queryTableFieldId"] == "15"
    refresh, fields = _fields(after)
    assert fields[10] == {"id": "16", "dataBound": "0", "tableColumnId": "12"}
    assert [f["tableColumnId"] for f in fields] == [c["id"] for c in columns]  # (in order)
    assert refresh.find(f"{M}queryTableFields").get("count") == "12"
    assert refresh.get("nextId") == "17"
    assert refresh.get("unboundColumnsRight") is None  # (bound columns right of it)
    view = _xml(after[VIEWS_PART])
    assert _criteria(view) == [[("11",), ("11",), ("11",), (f"L2:L{LAST}",)]]
    again = _round(plan)  # a round started again on the same day adds nothing
    assert again["xl/queryTables/queryTable1.xml"] == after["xl/queryTables/queryTable1.xml"]
    assert again["xl/tables/table1.xml"] == after["xl/tables/table1.xml"]


def test_a_query_table_ending_at_the_last_update_takes_the_round_as_its_own(
    tmp_path: Path,
) -> None:
    """The plan kept as a Power Query table ending at its last update column (J): it takes
    the round's column on its right (as Excel's table takes a column typed beside it), and
    that column is the query table's own: an unbound field at the table's right edge,
    counted in ``unboundColumnsRight`` as Excel counts such columns."""
    plan = build_plan_as_a_query_table(tmp_path / "plan.xlsx", 10)
    after = _round(plan)
    table = _table_parts(after)["Table_ExternalData_1"]
    assert table.get("ref") == f"A1:K{LAST}"
    last = table.findall(f"{M}tableColumns/{M}tableColumn")[-1]
    assert (last.get("name"), last.get("queryTableFieldId"), last.get("uniqueName")) == (
        "Update as at 20 Mar 24", "15", "11")  # fmt: skip
    refresh, fields = _fields(after)
    assert fields[-1] == {"id": "15", "dataBound": "0", "tableColumnId": "11"}
    assert (refresh.get("nextId"), refresh.get("unboundColumnsRight")) == ("16", "1")
    assert refresh.find(f"{M}queryTableFields").get("count") == "11"
    # (the view's filter was on J, the last update, left of the new column: it stays)
    assert _criteria(_xml(after[VIEWS_PART])) == [[("9",), ("9",), ("9",), (f"J2:J{LAST}",)]]


@pytest.mark.libreoffice
@pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")
def test_libreoffice_opens_the_query_table_and_views_after_the_round(tmp_path: Path) -> None:
    """LibreOffice opens the plan kept as a query table, with its sheet view, after the
    round: the table holds the round's column and the trust's column beside it."""
    from libreoffice import convert, require_soffice

    require_soffice()
    plan = build_plan_as_a_query_table(tmp_path / "plan.xlsx", 11)
    _round(plan)
    copy = convert(plan, "xlsx", tmp_path / "lo")
    ws = load_workbook(copy)["Action Plan"]
    assert [ws.cell(1, c).value for c in (10, 11, 12)] == [
        "Update as at 18 Sep 23", "Update as at 20 Mar 24", "Board paper"]  # fmt: skip
    assert ws["L4"].value == "BP3"
    (table,) = ws.tables.values()
    assert table.ref == f"A1:L{LAST}"
