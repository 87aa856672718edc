"""A trust's workbook linked to another workbook keeps its link through refresh and merge.

Trusts link their plan to other workbooks: last year's plan, the workforce data the WRES
figures come from. The link is an ``externalLink`` part (the other workbook's path, its sheet
names and the values last read from it), named by the workbook part, and formulas that read
it (``='[1]Action Plan'!K5``). XlsxWriter does not write links, so the plan here is an
XlsxWriter one with a link put in as Excel writes it: with the values last read, or with an
empty set of them, as LibreOffice 4.3 wrote it (LibreOffice's own test file
sc/qa/unit/data/xlsx/tdf138741_externalLinkSkipUnusedsCrash.xlsx), which openpyxl refused
("Value must be a sequence"), so edi_xl refused the workbook; or a DDE link, to a program,
not a file, which Excel writes with no relationships part (oletools' test file
tests/test-data/msodde/dde-test.xlsx), which openpyxl refused ("There is no item named
'xl/externalLinks/_rels/externalLink1.xml.rels' in the archive").
"""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
import xlsxwriter
from conftest import AS_AT, add_seed_plan_sheet, merge_one_update

from edi_xl.flows.refresh import refresh_workbook
from edi_xl.master.plan import load_master

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
LINK = "xl/externalLinks/externalLink1.xml"
LINK_RELS = "xl/externalLinks/_rels/externalLink1.xml.rels"
DASHBOARD = "xl/worksheets/sheet2.xml"
#: the values last read from the other workbook, as Excel keeps them
CACHED = (
    '<sheetDataSet><sheetData sheetId="0"><row r="5"><cell r="K5" t="str">'
    "<v>Panels agreed</v></cell></row></sheetData>"
    '<sheetData sheetId="1"><row r="1"><cell r="A1"><v>42</v></cell></row></sheetData>'
    "</sheetDataSet>"
)
EMPTY = "<sheetDataSet></sheetDataSet>"
#: a DDE link, as Excel writes one: to a program and a topic, no file
DDE = (
    '<ddeLink xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'ddeService="Excel" ddeTopic="C:\\Data\\Workforce.xlsx"><ddeItems>'
    '<ddeItem name="R1C1" advise="1"/></ddeItems></ddeLink>'
)


def with_a_link(path: Path, sheet_data_set: str) -> None:
    """``path`` linked to "Last year's plan.xlsx" (sheets "Action Plan" and "Data") as Excel
    links a workbook: the link's parts, the workbook's external reference to it, the
    relationship and the content type (``sheet_data_set`` :data:`DDE`: a DDE link, with no
    relationships part)."""
    with zipfile.ZipFile(path) as zf:
        parts = {info.filename: zf.read(info) for info in zf.infolist()}
    link = (
        sheet_data_set
        if sheet_data_set == DDE
        else f'<externalBook xmlns:r="{REL}" r:id="rId1"><sheetNames>'
        '<sheetName val="Action Plan"/><sheetName val="Data"/></sheetNames>'
        f"{sheet_data_set}</externalBook>"
    )
    parts[LINK] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<externalLink xmlns="{MAIN}">{link}</externalLink>'
    ).encode()
    parts[LINK_RELS] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL}/externalLinkPath" '
        'Target="Last%20year\'s%20plan.xlsx" TargetMode="External"/></Relationships>'
    ).encode()
    if sheet_data_set == DDE:
        del parts[LINK_RELS]
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        f'<Relationship Id="rId99" Type="{REL}/externalLink" '
        'Target="externalLinks/externalLink1.xml"/></Relationships>'.encode(),
    )
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
        b"</sheets>",
        b'</sheets><externalReferences><externalReference r:id="rId99"/></externalReferences>',
    )
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/></Types>',
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def build(path: Path, sheet_data_set: str) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    add_seed_plan_sheet(wb)
    dashboard = wb.add_worksheet("Dashboard")
    dashboard.write_formula("A1", "='[1]Action Plan'!K5", None, "Panels agreed")
    dashboard.write_formula("A2", "=[1]Data!A1*2", None, 84)
    wb.close()
    with_a_link(path, sheet_data_set)
    return path


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


@pytest.fixture(
    params=[CACHED, EMPTY, DDE],
    ids=["values last read", "no values (LibreOffice 4.3)", "a DDE link"],
)
def linked(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    return build(tmp_path / "plan.xlsx", request.param)


def test_opened_with_its_link(linked: Path, either_reader: str) -> None:
    wb = load_master(linked)
    [link] = wb._external_links
    if link.externalBook is None:  # (openpyxl reads nothing of a DDE link: kept in the file)
        assert link.file_link is None
        return
    assert link.file_link.Target == "Last%20year's%20plan.xlsx"
    assert link.externalBook.sheetNames.sheetName == ["Action Plan", "Data"]


def test_refresh_and_merge_keep_the_link(linked: Path, tmp_path: Path) -> None:
    before = _parts(linked)
    refresh_workbook(linked, AS_AT, now=datetime(2023, 12, 18, 9))
    # a new round: its column goes into the plan; the formulas read the other workbook's
    # "Action Plan", not this one's, and stay as they were
    result = merge_one_update(
        linked, tmp_path / "returns", date(2024, 3, 20), "Panels in place", datetime(2024, 3, 21)
    )
    assert [f.outcome for f in result.files] == ["merged"]
    after = _parts(linked)
    for name in (LINK, LINK_RELS, DASHBOARD):
        assert after.get(name) == before.get(name), name
    assert b'<externalReference r:id="rId99"/>' in after["xl/workbook.xml"]
    assert b'Target="externalLinks/externalLink1.xml"' in after["xl/_rels/workbook.xml.rels"]
    assert b"/xl/externalLinks/externalLink1.xml" in after["[Content_Types].xml"]
    wb = load_master(linked)
    assert len(wb._external_links) == 1
    assert "Update as at 20 Mar 24" in [c.value for c in wb["Action Plan"][1]]
