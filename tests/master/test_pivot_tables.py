"""A trust workbook with a pivot table goes through refresh and merge with the pivot kept.

HR teams count their actions with pivot tables. openpyxl reads every pivot table and cache
into objects, and fails on some that Excel writes: a cache field whose items were grouped by
hand (Excel's "Group Selection", ``<discretePr>``) stops ``openpyxl.load_workbook`` with
``TypeError: Nested.from_tree() missing 1 required positional argument: 'node'``. edi_xl never
changes a pivot table, and its patch writer carries the parts over as they are, so the loader
leaves them unread (``loading.pivots_not_read``), and a save that could only write the
workbook whole refuses rather than drop them.

The workbook here is made by XlsxWriter (the trust's plan and a "Counts" sheet), with a pivot
table written into the package as Excel writes one: a cache of the plan's table with its
records, a grouped field, and the table on the Counts sheet counting actions by theme.
"""

from __future__ import annotations

import zipfile
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pytest
import xlsxwriter
from conftest import SHARED, add_seed_plan_sheet, merge_one_update, seed_rows
from lxml import etree
from openpyxl import load_workbook

from edi_xl.core.errors import WorkbookWriteError
from edi_xl.flows.refresh import refresh_workbook
from edi_xl.master import patch, sheets
from edi_xl.master.loading import pivots_not_read
from edi_xl.master.plan import load_master

AS_AT = date(2023, 12, 18)
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml."
HEADER_ROW = 4  # the plan's table starts on row 4, as in the trust's own plans
#: the pivot parts, which edi_xl must carry over byte for byte
PIVOT_PARTS = (
    "xl/pivotCache/pivotCacheDefinition1.xml",
    "xl/pivotCache/_rels/pivotCacheDefinition1.xml.rels",
    "xl/pivotCache/pivotCacheRecords1.xml",
    "xl/pivotTables/pivotTable1.xml",
    "xl/pivotTables/_rels/pivotTable1.xml.rels",
    "xl/worksheets/_rels/sheet2.xml.rels",
)


def _esc(text: str) -> str:
    return quoteattr(text)


def _pivot_parts(header: list[str], rows: list[list[str]], last_row: int) -> dict[str, str]:
    """The parts of a pivot table counting the plan's actions by theme (column B), as Excel
    writes them, with a field grouping the themes by hand (``discretePr``)."""
    themes = list(dict.fromkeys(r[1] for r in rows))
    fields = []
    for i, name in enumerate(header):
        if i == 1:
            items = "".join(f"<s v={_esc(t)}/>" for t in themes)
            fields.append(
                f'<cacheField name={_esc(name)} numFmtId="0">'
                f'<sharedItems count="{len(themes)}">{items}</sharedItems></cacheField>'
            )
        else:
            fields.append(f'<cacheField name={_esc(name)} numFmtId="0"><sharedItems/></cacheField>')
    # Excel's "Group Selection" on the theme field: the first theme in Group1, the rest Group2
    groups = "".join(f'<x v="{0 if i == 0 else 1}"/>' for i in range(len(themes)))
    fields.append(
        '<cacheField name="Theme group" numFmtId="0" databaseField="0">'
        f'<fieldGroup base="1"><discretePr count="{len(themes)}">{groups}</discretePr>'
        '<groupItems count="2"><s v="Group1"/><s v="Group2"/></groupItems></fieldGroup>'
        "</cacheField>"
    )
    last_col = chr(ord("A") + len(header) - 1)
    definition = (
        f'<pivotCacheDefinition xmlns="{MAIN}" xmlns:r="{REL}" r:id="rId1" '
        f'refreshOnLoad="1" recordCount="{len(rows)}">'
        '<cacheSource type="worksheet">'
        f'<worksheetSource ref="A{HEADER_ROW}:{last_col}{last_row}" sheet="Action Plan"/>'
        f'</cacheSource><cacheFields count="{len(fields)}">{"".join(fields)}</cacheFields>'
        "</pivotCacheDefinition>"
    )
    records = "".join(
        "<r>"
        + "".join(
            f'<x v="{themes.index(v)}"/>' if i == 1 else (f"<s v={_esc(v)}/>" if v else "<m/>")
            for i, v in enumerate(r)
        )
        + "</r>"
        for r in rows
    )
    counts = Counter(r[1] for r in rows)
    row_items = "".join(f'<i><x v="{i}"/></i>' if i else "<i><x/></i>" for i in range(len(themes)))
    pivot_fields = "".join(
        (
            f'<pivotField axis="axisRow" showAll="0"><items count="{len(themes) + 1}">'
            + "".join(f'<item x="{i}"/>' for i in range(len(themes)))
            + '<item t="default"/></items></pivotField>'
        )
        if i == 1
        else ('<pivotField dataField="1" showAll="0"/>' if i == 0 else '<pivotField showAll="0"/>')
        for i in range(len(fields))
    )
    table = (
        f'<pivotTableDefinition xmlns="{MAIN}" name="ActionsByTheme" cacheId="7" '
        'dataCaption="Values" applyNumberFormats="0" applyBorderFormats="0" '
        'applyFontFormats="0" applyPatternFormats="0" applyAlignmentFormats="0" '
        'applyWidthHeightFormats="1" updatedVersion="8" minRefreshableVersion="3" '
        'createdVersion="8" indent="0" outline="1" outlineData="1">'
        f'<location ref="A3:B{4 + len(themes)}" firstHeaderRow="1" firstDataRow="1" '
        'firstDataCol="1"/>'
        f'<pivotFields count="{len(fields)}">{pivot_fields}</pivotFields>'
        '<rowFields count="1"><field x="1"/></rowFields>'
        f'<rowItems count="{len(themes) + 1}">{row_items}<i t="grand"><x/></i></rowItems>'
        '<colItems count="1"><i/></colItems>'
        '<dataFields count="1"><dataField name="Count of #" fld="0" subtotal="count" '
        'baseField="0" baseItem="0"/></dataFields>'
        '<pivotTableStyleInfo name="PivotStyleLight16" showRowHeaders="1" '
        'showColHeaders="1" showRowStripes="0" showColStripes="0" showLastColumn="1"/>'
        "</pivotTableDefinition>"
    )
    assert sum(counts.values()) == len(rows)

    def rels(*items: tuple[str, str, str]) -> str:
        return f'<Relationships xmlns="{PKG_REL}">' + "".join(
            f'<Relationship Id="{i}" Type="{REL}/{t}" Target="{target}"/>' for i, t, target in items
        ) + "</Relationships>"  # fmt: skip

    return {
        "xl/pivotCache/pivotCacheDefinition1.xml": definition,
        "xl/pivotCache/_rels/pivotCacheDefinition1.xml.rels": rels(
            ("rId1", "pivotCacheRecords", "pivotCacheRecords1.xml")
        ),
        "xl/pivotCache/pivotCacheRecords1.xml": (
            f'<pivotCacheRecords xmlns="{MAIN}" count="{len(rows)}">{records}</pivotCacheRecords>'
        ),
        "xl/pivotTables/pivotTable1.xml": table,
        "xl/pivotTables/_rels/pivotTable1.xml.rels": rels(
            ("rId1", "pivotCacheDefinition", "../pivotCache/pivotCacheDefinition1.xml")
        ),
        "xl/worksheets/_rels/sheet2.xml.rels": rels(
            ("rId1", "pivotTable", "../pivotTables/pivotTable1.xml")
        ),
    }


def build_workbook_with_pivot(path: Path) -> Path:
    """The trust's plan (seed 000, table on row 4) and a Counts sheet whose pivot table
    counts the actions by theme (its cells as the pivot left them)."""
    header, rows = seed_rows()
    wb = xlsxwriter.Workbook(str(path))
    ws, _ = add_seed_plan_sheet(wb, header_row=HEADER_ROW)
    ws.write(0, 0, "Equality, Diversity & Inclusion Action Plan 2023/24")
    counts_ws = wb.add_worksheet("Counts")
    counts_ws.write(0, 0, "Actions by theme (pivot table)")
    counts = Counter(r[1] for r in rows)
    counts_ws.write_row(2, 0, ["Row Labels", "Count of #"])
    for i, (theme, n) in enumerate(counts.items(), start=3):
        counts_ws.write_row(i, 0, [theme, n])
    counts_ws.write_row(3 + len(counts), 0, ["Grand Total", len(rows)])
    wb.close()
    last_row = HEADER_ROW + len(rows)
    added = _pivot_parts(header, rows, last_row)
    with zipfile.ZipFile(path) as zf:
        package = {n: zf.read(n) for n in zf.namelist()}
    assert "xl/worksheets/sheet2.xml" in package and "xl/worksheets/_rels/sheet2.xml.rels" not in (
        package
    )
    types = etree.fromstring(package["[Content_Types].xml"])
    for name, kind in (
        ("xl/pivotCache/pivotCacheDefinition1.xml", "pivotCacheDefinition+xml"),
        ("xl/pivotCache/pivotCacheRecords1.xml", "pivotCacheRecords+xml"),
        ("xl/pivotTables/pivotTable1.xml", "pivotTable+xml"),
    ):
        etree.SubElement(types, f"{{{TYPES}}}Override", PartName="/" + name, ContentType=CT + kind)
    book_rels = etree.fromstring(package["xl/_rels/workbook.xml.rels"])
    etree.SubElement(
        book_rels,
        f"{{{PKG_REL}}}Relationship",
        Id="rIdPivotCache1",
        Type=f"{REL}/pivotCacheDefinition",
        Target="pivotCache/pivotCacheDefinition1.xml",
    )
    book = etree.fromstring(package["xl/workbook.xml"])
    caches = etree.Element(f"{{{MAIN}}}pivotCaches")
    etree.SubElement(
        caches, f"{{{MAIN}}}pivotCache", {"cacheId": "7", f"{{{REL}}}id": "rIdPivotCache1"}
    )
    calc = book.find(f"{{{MAIN}}}calcPr")
    assert calc is not None
    calc.addnext(caches)
    package["[Content_Types].xml"] = etree.tostring(types, xml_declaration=True, encoding="UTF-8")
    package["xl/_rels/workbook.xml.rels"] = etree.tostring(
        book_rels, xml_declaration=True, encoding="UTF-8"
    )
    package["xl/workbook.xml"] = etree.tostring(book, xml_declaration=True, encoding="UTF-8")
    for name, xml in added.items():
        package[name] = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in package.items():
            zf.writestr(name, data)
    return path


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


@pytest.fixture
def with_pivot(tmp_path: Path) -> Path:
    return build_workbook_with_pivot(tmp_path / "trust plan.xlsx")


def test_openpyxl_itself_cannot_read_the_hand_grouped_pivot_cache(with_pivot: Path) -> None:
    """Why the loader leaves pivot tables unread: openpyxl's own load stops on the cache."""
    with pytest.raises(TypeError, match="from_tree"):
        load_workbook(with_pivot)


def test_the_master_loads_with_its_pivot_tables_left_in_the_file(with_pivot: Path) -> None:
    wb = load_master(with_pivot)
    assert pivots_not_read(wb)
    assert wb.sheetnames == ["Action Plan", "Counts"]
    _, rows = seed_rows()
    first = rows[0][1]
    assert wb["Counts"]["A4"].value == first
    assert wb["Counts"]["B4"].value == sum(r[1] == first for r in rows)
    assert not wb["Counts"]._pivots  # left in the file, for the patch writer to carry over


def test_refresh_keeps_the_pivot_table_byte_for_byte(with_pivot: Path) -> None:
    before = parts(with_pivot)
    result = refresh_workbook(with_pivot, AS_AT, now=datetime(2023, 12, 18, 9))
    assert all("patched" not in n.message for n in result.notes)
    after = parts(with_pivot)
    assert sorted(set(before) - set(after)) == []
    for name in (*PIVOT_PARTS, "xl/worksheets/sheet2.xml"):
        assert after[name] == before[name], name
    book = etree.fromstring(after["xl/workbook.xml"])
    caches = book.findall(f"{{{MAIN}}}pivotCaches/{{{MAIN}}}pivotCache")
    assert [c.get("cacheId") for c in caches] == ["7"]
    rel_id = caches[0].get(f"{{{REL}}}id")
    targets = {
        r.get("Id"): r.get("Target") for r in etree.fromstring(after["xl/_rels/workbook.xml.rels"])
    }
    assert targets[rel_id] == "pivotCache/pivotCacheDefinition1.xml"
    kinds = {
        o.get("PartName"): o.get("ContentType")
        for o in etree.fromstring(after["[Content_Types].xml"])
    }
    assert kinds["/xl/pivotTables/pivotTable1.xml"] == CT + "pivotTable+xml"
    # the refresh did its work: edi_xl's sheets and columns are there
    wb = load_master(with_pivot)
    assert {"Summary", "Settings", "Change Log"} <= set(wb.sheetnames)
    assert wb["Action Plan"].cell(HEADER_ROW, 11).value == "Overdue"


def test_merge_keeps_the_pivot_table(with_pivot: Path, tmp_path: Path) -> None:
    refresh_workbook(with_pivot, AS_AT, now=datetime(2023, 12, 18, 9))
    before = parts(with_pivot)
    later = date(2024, 3, 20)
    result = merge_one_update(
        with_pivot, tmp_path / "returns", later, "Panel guide out", datetime(2024, 3, 21)
    )
    assert [f.outcome for f in result.files] == ["merged"]
    after = parts(with_pivot)
    assert sorted(set(before) - set(after)) == []
    for name in PIVOT_PARTS:  # the round's column went in right of the cache's source range
        assert after[name] == before[name], name
    plan = load_master(with_pivot)["Action Plan"]
    assert plan.cell(HEADER_ROW, 11).value == "Update as at 20 Mar 24"


def test_a_save_that_could_only_write_the_workbook_whole_refuses(
    with_pivot: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the package cannot be patched, writing it whole through openpyxl would drop the
    pivot tables it never read: nothing is written, and the message says why."""
    wb = load_master(with_pivot)
    sheets.write_settings(wb, sheets.Settings(as_at=AS_AT))
    before = with_pivot.read_bytes()

    def cannot_patch(_wb: object) -> bytes:
        raise ValueError("a part it needs is broken")

    monkeypatch.setattr(patch, "save_bytes", cannot_patch)
    with pytest.raises(
        WorkbookWriteError, match="would lose its pivot tables; nothing was changed"
    ):
        patch.save_master(wb, with_pivot, notes=[])
    assert with_pivot.read_bytes() == before
    assert not list(with_pivot.parent.glob("*.tmp"))


@pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")
def test_libreoffice_reads_the_pivot_table_of_the_refreshed_workbook(
    with_pivot: Path, tmp_path: Path
) -> None:
    """LibreOffice, a real spreadsheet program, opens the refreshed file and finds the
    pivot table in it: saved again by LibreOffice, the copy still has one, over the plan, and
    the counts LibreOffice works out from the refreshed plan are the plan's."""
    from libreoffice import convert, require_soffice

    require_soffice()
    refresh_workbook(with_pivot, AS_AT, now=datetime(2023, 12, 18, 9))
    copy = convert(with_pivot, "xlsx", tmp_path / "lo")
    saved = parts(copy)
    tables = [n for n in saved if n.startswith("xl/pivotTables/pivotTable")]
    assert tables, sorted(saved)
    caches = [n for n in saved if n.startswith("xl/pivotCache/pivotCacheDefinition")]
    source = etree.fromstring(saved[caches[0]]).find(f".//{{{MAIN}}}worksheetSource")
    assert source is not None and source.get("sheet") == "Action Plan"
    # LibreOffice worked the table out again from the refreshed plan: the same counts
    counts = load_workbook(copy, data_only=True)["Counts"]
    _, rows = seed_rows()
    shown = {
        counts.cell(r, 1).value: counts.cell(r, 2).value
        for r in range(4, 40)
        if counts.cell(r, 1).value is not None
    }
    total = shown.pop("Total Result", None) or shown.pop("Grand Total", None)
    assert total == len(rows)
    assert shown == dict(Counter(r[1] for r in rows))


CORPUS_PIVOTS = SHARED / "corpus" / "calamine" / "tests"


@pytest.mark.skipif(
    not (CORPUS_PIVOTS / "pivots.xlsx").exists(),
    reason="../shared/corpus is not here (a user's clone): Excel's pivots.xlsx is not available",
)
def test_excels_own_pivot_workbook_is_saved_with_every_part(tmp_path: Path) -> None:
    """calamine's pivots.xlsx, saved by Excel for Mac with five pivot tables (one with a
    hand-grouped field): openpyxl cannot open it; edi_xl adds its sheets and keeps every
    part, the pivot parts byte for byte."""
    src = tmp_path / "pivots.xlsx"
    src.write_bytes((CORPUS_PIVOTS / "pivots.xlsx").read_bytes())
    before = parts(src)
    wb = load_master(src)
    assert pivots_not_read(wb)
    sheets.write_settings(wb, sheets.Settings(as_at=AS_AT))
    sheets.change_log_sheet(wb)
    notes: list[object] = []
    patch.save_master(wb, src, backup=False, notes=notes)  # type: ignore[arg-type]
    assert notes == []
    after = parts(src)
    assert sorted(set(before) - set(after) - {"xl/calcChain.xml"}) == []
    pivot_parts = [n for n in before if n.startswith(("xl/pivotTables/", "xl/pivotCache/"))]
    assert len(pivot_parts) >= 10
    for name in pivot_parts:
        assert after[name] == before[name], name
    assert {"Settings", "Change Log"} <= set(load_master(src).sheetnames)


def test_add_buttons_keeps_the_pivot_table(with_pivot: Path) -> None:
    """The trust's .xlsx made an .xlsm with the buttons: the pivot table's parts go with it."""
    from click.testing import CliRunner

    from edi_xl.cli import cli

    before = parts(with_pivot)
    result = CliRunner().invoke(cli, ["add-buttons", str(with_pivot), "--as-at", "2023-12-18"])
    assert result.exit_code in (0, 1), result.output  # (1: the seed's own problems listed)
    assert f"Buttons added: {with_pivot.with_suffix('.xlsm')}" in result.output
    assert parts(with_pivot) == before
    after = parts(with_pivot.with_suffix(".xlsm"))
    for name in PIVOT_PARTS:
        assert after[name] == before[name], name
    assert "xl/vbaProject.bin" in after
