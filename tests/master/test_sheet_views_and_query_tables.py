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
