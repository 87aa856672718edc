"""`edi-xl import --into`: a plan's actions added to the trust's existing master (issue 13).

The trust's master is built with XlsxWriter in the trust's own column order (not the
template's: no Start Date column, a "Lead network" column of the trust's between the update
and the references), with its logo, a note, a Dashboard chart with a sparkline and a table on
a Networks sheet, then refreshed once as edi_xl keeps it. A source plan in the template's
order (openpyxl) is imported into it: the new rows hold each value in the column the master
keeps it in, the old rows and every part of the package outside what edi_xl owns are as they
were, a duplicate id and the values with no column in the master are reported.
"""

from __future__ import annotations

import warnings
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from conftest import TRUST_HEADERS, seed_rows
from layout_fixtures import build_docx, seed_blocks
from lxml import etree
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from test_fidelity import _png, add_dashboard

from edi_xl.core.errors import EdiXlError, LayoutNotFoundError, UnreadableFileError
from edi_xl.flows.importer import (
    ImportResult,
    NothingImportedError,
    import_into,
    import_plans,
    mapping_text,
)
from edi_xl.flows.refresh import new_master, refresh_workbook
from edi_xl.master.append import Unplaced
from edi_xl.master.save import backup_path
from edi_xl.tables.reader import read_plan

AS_AT = date(2023, 12, 18)
NOW = datetime(2023, 12, 18, 9)
PLAN = "Action Plan"
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
#: The trust's own column order (0-based column -> header); "Lead network" is the trust's.
TRUST_ORDER = [
    "Milestone",
    "#",
    "Action (think SMART)",
    "Action Owner",
    "Due Date",
    "Status",
    "Update as at 18 Sep 23",
    "Lead network",
    "Report / Action",
    "Protected Characteristic",
]
NETWORKS = ["REACH", "Able", "Pride", "REACH", "Carers", "Able"]
MASTER_ROWS = 6  # the first six actions of seed 000
HEADER_ROW = 4  # 1-based, in Excel's numbering
#: parts edi_xl edits besides its own sheets: the plan sheet, the book, styles, types
EDITED = {
    "xl/worksheets/sheet1.xml",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/styles.xml",
    "[Content_Types].xml",
    "docProps/app.xml",  # the list of sheet names
}
EDI_XL_SHEETS = ("Summary", "Settings", "Lists", "Change Log")
HYPERLINK = '=HYPERLINK("https://example.org/evil","click me")'


#: The columns of the trust's whose cells' ``<xf>`` openpyxl does not hold whole
#: (``build_trust_master(looks_in_file=True)``): Excel 2024 cell checkboxes (an ``extLst`` on
#: an ``<xf>`` otherwise the default) and links in the named style "Hyperlink" (``xfId``:
#: unlocked and top aligned by that style, which openpyxl's look of the cell does not carry).
CHECKBOXES, MINUTES = "Reviewed by committee", "Minutes"
FEATURE_BAG = "xl/featurePropertyBag/featurePropertyBag.xml"


def build_trust_master(path: Path, *, looks_in_file: bool = False) -> Path:
    """The trust's master (XlsxWriter, the trust's column order and extras), refreshed once;
    ``looks_in_file``: with a column of cell checkboxes and one of links after the trust's
    (:data:`CHECKBOXES`, :data:`MINUTES`)."""
    logo = path.parent / "logo.png"
    logo.write_bytes(_png())
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(PLAN)
    bold = wb.add_format({"bold": True, "bg_color": "#D9E1F2", "text_wrap": True})
    wrap = wb.add_format({"text_wrap": True, "valign": "top", "border": 1})
    day = wb.add_format({"num_format": "dd/mm/yyyy", "valign": "top", "border": 1})
    ws.write(0, 0, "Equality, Diversity & Inclusion Action Plan 2023/24", bold)
    ws.insert_image("F1", str(logo))
    header, rows = seed_rows()
    h = HEADER_ROW - 1
    for c, text in enumerate(TRUST_ORDER):
        ws.write(h, c, text, bold)
    for i, values in enumerate(rows[:MASTER_ROWS]):
        by_header = dict(zip(header, values, strict=False))
        by_header["Lead network"] = NETWORKS[i]
        for c, name in enumerate(TRUST_ORDER):
            text = by_header.get(name, "")
            if name == "Due Date" and text:
                ws.write_datetime(h + 1 + i, c, datetime.strptime(text, "%d-%b-%y"), day)
            elif text:
                ws.write_string(h + 1 + i, c, text, wrap)
    if looks_in_file:
        ws.write(h, len(TRUST_ORDER), CHECKBOXES, bold)
        ws.write(h, len(TRUST_ORDER) + 1, MINUTES, bold)
        for i in range(MASTER_ROWS):
            ws.insert_checkbox(h + 1 + i, len(TRUST_ORDER), i % 2 == 0)
            url = f"https://example.org/minutes/{i + 1}"
            ws.write_url(h + 1 + i, len(TRUST_ORDER) + 1, url, string=f"Minutes {i + 1}")
    ws.write_comment(h + 1, 2, "Agreed at the September committee")
    ws.set_column(2, 2, 50)
    add_dashboard(wb)
    nets = wb.add_worksheet("Networks")
    data = [["REACH", 40], ["Able", 25], ["Pride", 31]]
    heads = [{"header": "Network"}, {"header": "Members"}]
    nets.add_table("A1:B4", {"data": data, "columns": heads})
    wb.define_name("NetworkMembers", "=Networks!$B$2:$B$4")
    wb.close()
    refresh_workbook(path, AS_AT, now=NOW)
    return path


SOURCE_HEADER = [*TRUST_HEADERS, "Update as at 18 Sep 23", "Lead network", "Budget"]


def build_source(path: Path, duplicate_id: str) -> Path:
    """A plan in the template's order (the trust layout, openpyxl): two new actions, one whose
    id the master has, one with no id; a Start Date and a Budget the master has no column for."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Board actions"
    ws["A1"] = "Board actions 2024"
    rows: list[list[Any]] = [
        SOURCE_HEADER,
        ["7.1", "Board", "Run reverse mentoring for the board", "WRES 9", "Race",
         "Jim Machon, Associate Director of HR", datetime(2023, 10, 1), datetime(2024, 6, 30),
         "On Track", "Mentors recruited", "REACH", "£2,000"],
        ["7.2", "Board", HYPERLINK, "WDES 10", "Disability",
         "Equality & Diversity Lead", None, datetime(2024, 3, 31), None, None, None, None],
        [duplicate_id, "Recruitment", "A different text for an action the master has", None,
         None, "Someone else", None, datetime(2024, 1, 31), "On Track", None, None, None],
        [None, "Reporting", "Publish the WDES report", "WDES", "Disability",
         "Equality & Diversity Lead", None, datetime(2024, 9, 30), None, None, None, None],
    ]  # fmt: skip
    for r, values in enumerate(rows, start=3):
        for c, value in enumerate(values, start=1):
            cell = ws.cell(r, c, value)
            if value == HYPERLINK:
                cell.data_type = "s"  # typed as text (Excel: a leading apostrophe)
    wb.save(path)
    return path


def _load(path: Path, **kwargs: Any) -> Any:
    """openpyxl's view of a file (it warns about the extensions it does not read)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return load_workbook(path, **kwargs)


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def sheet_parts(package: dict[str, bytes]) -> dict[str, str]:
    """Sheet name -> its part, from the workbook and its relationships."""
    book = etree.fromstring(package["xl/workbook.xml"])
    rels = etree.fromstring(package["xl/_rels/workbook.xml.rels"])
    targets = {r.get("Id"): r.get("Target") for r in rels}
    out = {}
    for sheet in book.iter(MAIN + "sheet"):
        target = targets[sheet.get(REL + "id")].lstrip("/")
        out[sheet.get("name")] = target if target.startswith("xl/") else f"xl/{target}"
    return out


def row_cells(package: dict[str, bytes], last_row: int) -> dict[str, bytes]:
    """The plan sheet's cells of rows 1 to ``last_row``, as canonical XML."""
    root = etree.fromstring(package["xl/worksheets/sheet1.xml"])
    return {
        c.get("r"): etree.tostring(c, method="c14n")
        for row in root.iter(MAIN + "row")
        if int(row.get("r")) <= last_row
        for c in row.iter(MAIN + "c")
    }


def columns(ws: Any) -> dict[str, int]:
    """Header -> 1-based column of the plan table."""
    return {cell.value: cell.column for cell in ws[HEADER_ROW] if isinstance(cell.value, str)}


@pytest.fixture
def master(tmp_path: Path) -> Path:
    return build_trust_master(tmp_path / "trust plan.xlsx")


@pytest.fixture
def first_id(master: Path) -> str:
    return str(_load(master)[PLAN].cell(HEADER_ROW + 1, 2).value)


@pytest.fixture
def source(tmp_path: Path, first_id: str) -> Path:
    return build_source(tmp_path / "board actions.xlsx", first_id)


def _import(source: Path, master: Path) -> ImportResult:
    return import_into([source], master, as_at=AS_AT, now=datetime(2023, 12, 19, 10))


def test_new_rows_hold_each_value_in_the_masters_own_column(master: Path, source: Path) -> None:
    result = _import(source, master)
    last_old = HEADER_ROW + MASTER_ROWS
    assert result.added == ["7.1", "7.2", ""]
    assert result.rows == [last_old + 1, last_old + 2, last_old + 3]
    ws = _load(master)[PLAN]
    col = columns(ws)
    assert list(col)[: len(TRUST_ORDER)] == TRUST_ORDER  # the trust's order, kept
    first = last_old + 1

    def value(row: int, header: str) -> Any:
        return ws.cell(row, col[header]).value

    assert value(first, "#") == "7.1"
    assert value(first, "Milestone") == "Board"
    assert value(first, "Action (think SMART)") == "Run reverse mentoring for the board"
    assert value(first, "Action Owner") == "Jim Machon, Associate Director of HR"
    assert value(first, "Due Date") == datetime(2024, 6, 30)
    assert value(first, "Update as at 18 Sep 23") == "Mentors recruited"
    assert value(first, "Lead network") == "REACH"
    assert value(first, "Report / Action") == "WRES 9"
    assert value(first, "Protected Characteristic") == "Race"
    assert value(first, "Status") == "On Track"
    assert value(first, "Overdue") == "No"  # refreshed as any other row
    assert value(first + 2, "#") is None  # no id: added as it came
    assert value(first + 2, "Action (think SMART)") == "Publish the WDES report"
    assert "no id" in str(value(first + 2, "Problems")).lower()
    # the new rows look like the table's last row (its border, wrap and date format)
    old, new = ws.cell(last_old, col["Action (think SMART)"]), ws.cell(first, col["Milestone"])
    assert new.border.left.style == old.border.left.style == "thin"
    assert new.alignment.wrap_text and new.alignment.vertical == "top"
    assert ws.cell(first, col["Due Date"]).number_format == "dd/mm/yyyy"
    # nothing below the new rows
    assert all(c.value is None for c in ws[first + 3])


def test_duplicates_and_values_with_no_column_are_reported(
    master: Path, source: Path, first_id: str
) -> None:
    before = _load(master)[PLAN]
    old_row = [c.value for c in before[HEADER_ROW + 1]]
    result = _import(source, master)
    assert [(d.id, d.source.name) for d in result.duplicates] == [(first_id, source.name)]
    assert result.unplaced == [
        Unplaced("field", "Start Date", 1),
        Unplaced("column", "Budget", 1),
    ]
    assert result.unplaced[0].describe() == "field 'Start Date': 1 action had a value there"
    assert result.needs_attention
    after = _load(master)[PLAN]
    assert [c.value for c in after[HEADER_ROW + 1]] == old_row  # the master's row, as it was
    texts = [c.value for row in after.iter_rows() for c in row]
    assert "A different text for an action the master has" not in texts
    assert "£2,000" not in texts


def test_everything_else_in_the_workbook_is_kept(master: Path, source: Path) -> None:
    before = parts(master)
    last_old = HEADER_ROW + MASTER_ROWS
    result = _import(source, master)
    after = parts(master)
    assert result.backup == backup_path(master)
    assert parts(result.backup) == before  # the previous version, byte for byte
    assert sorted(set(before) - set(after)) == []
    ours = {sheet_parts(before)[name] for name in EDI_XL_SHEETS}
    changed = sorted(n for n in before if n not in EDITED | ours and before[n] != after[n])
    assert changed == []
    for feature in ("xl/media/image1.png", "xl/charts/chart1.xml", "xl/tables/table1.xml"):
        assert feature in after
    assert b"x14:sparklineGroups" in after[sheet_parts(after)["Dashboard"]]
    # every cell of the old rows (the trust's column, the note's cell) is as it was
    assert row_cells(after, last_old) == row_cells(before, last_old)
    wb = _load(master)
    assert "NetworkMembers" in wb.defined_names
    assert wb[PLAN].cell(HEADER_ROW + 1, 3).comment.text.startswith("Agreed at the September")
    record = [row for row in wb["Imported from"].iter_rows(values_only=True) if row[0]]
    assert ("Source", source.name) in record and ("Actions read", "4 (7.1 to )") in record
    log = [row for row in wb["Change Log"].iter_rows(values_only=True) if row[2] == "Action"]
    assert [(r[1], r[3], r[4], r[5]) for r in log] == [
        ("7.1", None, "Run reverse mentoring for the board", f"import from {source.name}"),
        ("7.2", None, HYPERLINK, f"import from {source.name}"),
        (None, None, "Publish the WDES report", f"import from {source.name}"),
    ]


def test_text_like_a_formula_stays_text(master: Path, source: Path) -> None:
    result = _import(source, master)
    row = result.rows[1]
    ws = _load(master)[PLAN]
    cell = ws.cell(row, columns(ws)["Action (think SMART)"])
    assert cell.value == HYPERLINK and cell.data_type == "s" and cell.quotePrefix
    plan_xml = etree.fromstring(parts(master)["xl/worksheets/sheet1.xml"])
    assert not [c for c in plan_xml.iter(MAIN + "c") if c.find(MAIN + "f") is not None
                and c.get("r").endswith(str(row))]  # fmt: skip
    log = _load(master)["Change Log"]
    logged = [c for r in log.iter_rows() for c in r if c.value == HYPERLINK]
    assert logged and all(c.data_type == "s" for c in logged)


def test_importing_the_same_plan_again_adds_nothing_and_leaves_the_master(
    master: Path, source: Path
) -> None:
    _import(source, master)
    once = master.read_bytes()
    # the action with no id would be added again: leave it out of the second source
    wb = _load(source)
    wb.active.delete_rows(7)
    wb.save(source)
    with pytest.raises(NothingImportedError, match="already in it") as caught:
        _import(source, master)
    assert "7.1" in str(caught.value) and "was not changed" in str(caught.value)
    assert master.read_bytes() == once
    # a third source with one new action: its record goes below the first one's
    other = build_source(source.with_name("more.xlsx"), "7.1")
    _import(other, master)
    sources = [r[1] for r in _load(master)["Imported from"].iter_rows(values_only=True)
               if r[0] == "Source"]  # fmt: skip
    assert sources == [source.name, "more.xlsx"]


def test_an_xlsm_master_keeps_its_macros_and_buttons(tmp_path: Path, source: Path) -> None:
    from conftest import build_trust_workbook

    plan = read_plan(build_trust_workbook(tmp_path / "ours.xlsx"))
    xlsm = tmp_path / "plan.xlsm"
    new_master(xlsm, plan, AS_AT, now=NOW)
    before = parts(xlsm)
    result = _import(source, xlsm)
    after = parts(xlsm)
    assert after["xl/vbaProject.bin"] == before["xl/vbaProject.bin"]
    assert sorted(set(before) - set(after)) == []
    ws = _load(xlsm, keep_vba=True)[PLAN]
    assert ws.cell(result.rows[0], 1).value == "7.1"  # a new master's order: # in A
    assert ws.cell(result.rows[0], 7).value == datetime(2023, 10, 1)  # it has a Start Date
    assert result.unplaced == [
        Unplaced("column", "Lead network", 1),
        Unplaced("column", "Budget", 1),
    ]


def test_a_bad_master_is_named_and_nothing_is_read(tmp_path: Path, source: Path) -> None:
    missing = tmp_path / "nowhere.xlsx"
    with pytest.raises(UnreadableFileError, match="nowhere.xlsx: file not found"):
        import_into([source], missing, as_at=AS_AT)
    not_a_master = tmp_path / "numbers.xlsx"
    wb = Workbook()
    wb.active.append([1, 2, 3])
    wb.save(not_a_master)
    with pytest.raises(LayoutNotFoundError, match="numbers.xlsx: no action-plan table"):
        import_into([source], not_a_master, as_at=AS_AT)
    with pytest.raises(EdiXlError, match=r"plan\.csv: the master to import into is an \.xlsx"):
        import_into([source], tmp_path / "plan.csv", as_at=AS_AT)
    word = build_docx(tmp_path / "plan.docx", seed_blocks(1))
    with pytest.raises(EdiXlError, match=r"plan\.docx: the master to import into is an \.xlsx"):
        import_into([source], word, as_at=AS_AT)
    renamed = tmp_path / "word.xlsx"
    renamed.write_bytes(word.read_bytes())
    with pytest.raises(UnreadableFileError, match="word.xlsx: a Word document, not an edi_xl"):
        import_into([source], renamed, as_at=AS_AT)


@pytest.mark.libreoffice
@pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")
def test_libreoffice_opens_the_result_and_counts_the_new_rows(
    master: Path, source: Path, tmp_path: Path
) -> None:
    from libreoffice import recalculated_copy, require_soffice
    from test_summary import python_tables, recalculated_tables

    require_soffice(poppler=True)
    result = _import(source, master)
    from edi_xl.flows.refresh import summarise_master

    expected = python_tables(summarise_master(master))
    assert recalculated_tables(master, tmp_path / "lo") == expected
    copy = _load(recalculated_copy(master, tmp_path / "copy"))
    ws = copy[PLAN]
    col = columns(ws)
    assert ws.cell(result.rows[0], col["#"]).value == "7.1"
    assert ws.cell(result.rows[1], col["Action (think SMART)"]).value == HYPERLINK
    assert {"Dashboard", "Networks", "Summary", "Change Log"} <= set(copy.sheetnames)


def test_a_round_the_master_has_no_column_for_gets_its_column_in_date_order(
    master: Path, tmp_path: Path
) -> None:
    """An earlier round's updates (30 Jun 23) go into a new "Update as at 30 Jun 23" column
    placed before the master's 18 Sep 23 one; a later round's (31 Dec 23) after it."""
    source = tmp_path / "two rounds.xlsx"
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    header = ["#", "Action", "Action Owner", "Due Date", "Status",
              "Update as at 30 Jun 23", "Update as at 31 Dec 23"]  # fmt: skip
    ws.append(header)
    ws.append(["8.1", "Mentoring", "Jim Machon", datetime(2024, 6, 30), "On Track",
               "Scoped", "Running"])  # fmt: skip
    wb.save(source)
    result = _import(source, master)
    assert result.added == ["8.1"]
    assert not result.unplaced
    ws = _load(master)[PLAN]
    col = columns(ws)
    updates = [h for h in col if h.startswith("Update as at")]
    assert updates == ["Update as at 30 Jun 23", "Update as at 18 Sep 23", "Update as at 31 Dec 23"]
    row = result.rows[0]
    assert ws.cell(row, col["Update as at 30 Jun 23"]).value == "Scoped"
    assert ws.cell(row, col["Update as at 31 Dec 23"]).value == "Running"
    assert ws.cell(row - 1, col["Update as at 18 Sep 23"]).value is not None  # moved along
    assert col["Lead network"] == col["Update as at 31 Dec 23"] + 1  # the trust's column too


@pytest.mark.parametrize("as_at", [date(2023, 9, 18), AS_AT])
def test_an_update_dated_nowhere_goes_in_the_rounds_column(
    master: Path, tmp_path: Path, as_at: date
) -> None:
    """A board's table with a "Progress" column, dated nowhere: its text goes in the column
    of the round imported into, the master's own (18 Sep 23) or one made for it (18 Dec 23).
    It was left out, said as "no column" (helper-91), though the master had the round's."""
    source = tmp_path / "board.xlsx"
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Ref", "Board action", "Lead", "By when", "RAG", "Progress"])
    ws.append(["BA-9", "Refresh reverse mentoring", "Jim Machon", "31/05/2024", "G",
               "Scoping started"])  # fmt: skip
    wb.save(source)
    result = import_into([source], master, as_at=as_at, now=datetime(2023, 12, 19, 10))
    assert result.added == ["BA-9"]
    assert not [u for u in result.unplaced if u.kind == "update"]
    plan = _load(master)[PLAN]
    header = f"Update as at {as_at.day} {as_at:%b %y}"
    assert plan.cell(result.rows[0], columns(plan)[header]).value == "Scoping started"


def _board_table(path: Path, update: str, row: list[str]) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Ref", "Action", "Lead", "Due", "Status", update])
    ws.append(row)
    wb.save(path)
    return path


@pytest.mark.parametrize("update", ["Update", "Progress update Q2"])
def test_import_then_import_into_of_one_round_keeps_one_update_column(
    tmp_path: Path, update: str
) -> None:
    """A new master imported from a plan whose update column is dated nowhere ("Update",
    "Progress update Q2") names it as the round's, "Update as at 18 Dec 23"; a second plan
    imported into it for the same round ("Progress") lands in that column. helper-96: the
    master kept "Update", the second import made "Update as at 18 Dec 23" beside it, and
    check said the first actions had no update for the round."""
    first_row = ["1", "Diverse panels", "Head of EDI", "Mar-25", "G", "Panels in place"]
    first = _board_table(tmp_path / "first.xlsx", update, first_row)
    second_row = ["2", "Reverse mentoring", "Head of OD", "Mar-25", "G", "Cohort started"]
    second = _board_table(tmp_path / "second.xlsx", "Progress", second_row)
    out = tmp_path / "master.xlsx"
    made = import_plans([first], out, as_at=AS_AT, now=NOW)
    read = made.sources[0].read
    assert read is not None
    said = [mapping_text(c) for c in read.mapping if c.field == "update"]
    assert said == [
        "the update column (update, by its header; in the master as this round's 'Update as at "
        "18 Dec 23': the header gives no date)"
    ]
    result = import_into([second], out, now=datetime(2023, 12, 19, 10))
    plan = _load(out)[PLAN]
    col = columns(plan)
    assert [h for h in col if "pdate" in h or "rogress" in h] == ["Update as at 18 Dec 23"]
    row = result.rows[0]
    assert plan.cell(row - 1, col["Update as at 18 Dec 23"]).value == "Panels in place"
    assert plan.cell(row, col["Update as at 18 Dec 23"]).value == "Cohort started"
    assert not plan.cell(row - 1, col["Problems"]).value  # (no "No update in ...")


def test_a_plan_kept_as_an_excel_table_takes_the_new_rows(master: Path, source: Path) -> None:
    """A trust that keeps its plan as an Excel table ("Format as Table"): the table grows to
    take the imported rows, as it does when a row is typed below it in Excel; its filter
    too. A table elsewhere in the workbook is left as it was."""
    from openpyxl.worksheet.table import Table

    wb = _load(master)
    ws = wb[PLAN]
    last = HEADER_ROW + MASTER_ROWS
    right = get_column_letter(len(TRUST_ORDER))
    ws.add_table(Table(displayName="ActionPlan", ref=f"A{HEADER_ROW}:{right}{last}"))
    wb.save(master)
    result = _import(source, master)
    grown = f"A{HEADER_ROW}:{right}{result.rows[-1]}"
    after = _load(master)
    table = after[PLAN].tables["ActionPlan"]
    assert table.ref == grown and table.autoFilter.ref == grown
    assert after["Networks"].tables["Table1"].ref == "A1:B4"
    with zipfile.ZipFile(master) as zf:
        (part,) = [
            n for n in zf.namelist() if n.startswith("xl/tables/") and b"ActionPlan" in zf.read(n)
        ]
        assert etree.fromstring(zf.read(part)).get("ref") == grown


def test_a_print_area_ending_on_the_plans_last_row_takes_the_new_rows(
    master: Path, source: Path
) -> None:
    """The trust set the plan's print area to the title and the table: the imported rows
    print with the others (the area grows to them, as the table and the filter do); a print
    area ending elsewhere is the trust's choice, and stays."""
    wb = _load(master)
    last = HEADER_ROW + MASTER_ROWS
    right = get_column_letter(len(TRUST_ORDER))
    wb[PLAN].print_area = f"A1:{right}{last}"
    wb.save(master)
    result = _import(source, master)
    assert result.rows[0] == last + 1
    assert _load(master)[PLAN].print_area == f"'{PLAN}'!$A$1:${right}${result.rows[-1]}"
    wb = _load(master)
    wb[PLAN].print_area = f"A1:{right}{HEADER_ROW + 2}"  # the first actions only
    wb.save(master)
    again = import_into([source], master, as_at=AS_AT, now=datetime(2023, 12, 20))
    assert again.rows  # (the source's action with no id goes in again: it has no id to match)
    assert _load(master)[PLAN].print_area == f"'{PLAN}'!$A$1:${right}${HEADER_ROW + 2}"


def test_a_column_the_trust_filled_down_with_a_formula_gives_it_to_the_new_rows(
    master: Path, source: Path, tmp_path: Path
) -> None:
    """A column of the trust's with one formula filled down (a key made of the action's
    number and network): the new rows get it, for their own row, as Excel fills a table's
    calculated column; a column whose last two formulas differ is left empty; a value the
    source has wins over the formula. LibreOffice works the copied formulas out."""
    wb = _load(master)
    ws = wb[PLAN]
    key = ws.max_column + 1
    k, checked, lead = get_column_letter(key), key + 1, TRUST_ORDER.index("Lead network") + 1
    first, last = HEADER_ROW + 1, HEADER_ROW + MASTER_ROWS
    ws.cell(HEADER_ROW, key, "Key")
    ws.cell(HEADER_ROW, checked, "Checked")
    for r in range(first, last + 1):
        ws.cell(r, key, f'=B{r}&" / "&{get_column_letter(lead)}{r}')
    ws.cell(last - 1, checked, "=1+1")
    ws.cell(last, checked, f"=B{last}")
    wb.save(master)
    result = _import(source, master)
    assert result.formulas == ["Key"]
    after = _load(master)[PLAN]
    for r in result.rows:
        assert after.cell(r, key).value == f'=B{r}&" / "&{get_column_letter(lead)}{r}'
        assert after.cell(r, checked).value is None
    with zipfile.ZipFile(master) as zf:
        cells = row_cells({"xl/worksheets/sheet1.xml": zf.read("xl/worksheets/sheet1.xml")}, 99)
    assert b"<f>" in cells[f"{k}{result.rows[0]}"]

    from libreoffice import recalculated_copy, soffice_path

    if soffice_path() is None:
        pytest.skip("LibreOffice (soffice) is not installed: the formulas were not worked out")
    worked = _load(recalculated_copy(master, tmp_path / "lo"), data_only=True)[PLAN]
    assert worked.cell(result.rows[0], key).value == "7.1 / REACH"
    assert worked.cell(last, key).value == f"{worked.cell(last, 2).value} / {NETWORKS[-1]}"


def test_a_merged_box_below_the_table_is_written_around(master: Path, source: Path) -> None:
    """A merged box (a signature or notes box) just below the table, across a column filled
    down with a formula: the import goes on, and the formula goes only where a cell can take
    it, as the values do."""
    wb = _load(master)
    ws = wb[PLAN]
    key = ws.max_column + 1
    first, last = HEADER_ROW + 1, HEADER_ROW + MASTER_ROWS
    ws.cell(HEADER_ROW, key, "Key")
    for r in range(first, last + 1):
        ws.cell(r, key, f"=B{r}")
    ws.merge_cells(f"{get_column_letter(key - 1)}{last + 2}:{get_column_letter(key)}{last + 3}")
    wb.save(master)
    result = _import(source, master)
    assert result.rows == [last + 1, last + 2, last + 3]
    after = _load(master)[PLAN]
    assert after.cell(last + 1, key).value == f"=B{last + 1}"
    assert after.cell(last + 2, key).value is None  # inside the merged box
    assert result.formulas == ["Key"]


def _xf_of(package: dict[str, bytes], ref: str) -> str | None:
    """The ``s`` (its ``<xf>`` in styles.xml) of the plan sheet's cell ``ref``."""
    root = etree.fromstring(package["xl/worksheets/sheet1.xml"])
    cell = next((c for c in root.iter(MAIN + "c") if c.get("r") == ref), None)
    assert cell is not None, f"no cell {ref}"
    return cell.get("s")


def test_new_rows_take_the_look_the_file_gives_the_last_row(tmp_path: Path) -> None:
    """A column of Excel 2024 cell checkboxes (XlsxWriter's ``insert_checkbox``: a cell style
    otherwise the default, with an ``extLst`` openpyxl does not read) and one of links in the
    named style "Hyperlink" (which openpyxl's look leaves out of a new ``<xf>``): the new
    rows' cells there take the last row's ``<xf>`` as the file has it, so Excel shows a
    checkbox on them, as on a row typed under the table (helper-113: they had none), and the
    cells edi_xl writes keep the look they had. LibreOffice shows the ticks as TRUE and FALSE
    on the old rows and nothing on the new ones."""
    master = build_trust_master(tmp_path / "trust plan.xlsx", looks_in_file=True)
    source = build_source(tmp_path / "board actions.xlsx", "no such id")
    before = parts(master)
    col = columns(_load(master)[PLAN])
    boxes, links = get_column_letter(col[CHECKBOXES]), get_column_letter(col[MINUTES])
    last_old = HEADER_ROW + MASTER_ROWS
    box_xf, link_xf = _xf_of(before, f"{boxes}{last_old}"), _xf_of(before, f"{links}{last_old}")
    assert box_xf and link_xf and box_xf != link_xf
    styles = before["xl/styles.xml"]
    assert b"xfComplement" in styles  # (the checkboxes' extLst)

    result = _import(source, master)
    after = parts(master)
    assert len(result.rows) == 4
    for r in result.rows:
        assert _xf_of(after, f"{boxes}{r}") == box_xf
        assert _xf_of(after, f"{links}{r}") == link_xf
    assert after[FEATURE_BAG] == before[FEATURE_BAG]
    assert b"featurePropertyBag" in after["[Content_Types].xml"]
    assert row_cells(after, last_old) == row_cells(before, last_old)
    # the cells written keep the look they had (wrap, border, the date's format)
    ws = _load(master)[PLAN]
    first = result.rows[0]
    assert ws.cell(first, col["Milestone"]).alignment.wrap_text
    assert ws.cell(first, col["Milestone"]).border.left.style == "thin"
    assert ws.cell(first, col["Due Date"]).number_format == "dd/mm/yyyy"
    assert ws.cell(first, col[CHECKBOXES]).value is None  # a look, not a tick made up

    from libreoffice import convert, pdf_pages_text, soffice_path

    if soffice_path() is None:
        pytest.skip("LibreOffice (soffice) is not installed: the result was not opened")
    old_ticks = [i % 2 == 0 for i in range(MASTER_ROWS)]
    shown = " ".join(pdf_pages_text(convert(master, "pdf", tmp_path / "pdf")))
    assert shown.count("TRUE") == old_ticks.count(True)
    assert shown.count("FALSE") == old_ticks.count(False)
    opened = _load(convert(master, "xlsx", tmp_path / "lo"), data_only=True)[PLAN]
    ticks = [opened.cell(r, col[CHECKBOXES]).value for r in range(HEADER_ROW + 1, last_old + 1)]
    assert ticks == old_ticks
    assert [opened.cell(r, col[CHECKBOXES]).value for r in result.rows] == [None] * 4


def test_new_rows_go_in_the_plans_columns_not_a_table_left_of_it(tmp_path: Path) -> None:
    """(helper-126) A table of the trust's own left of the plan on its header row, one empty
    column between ("Item | Due Date | (empty) | # | Milestone | ..."), its "Item" a formula
    filled down its own rows and its cells filled yellow: the new actions' numbers went
    into its "Item" column, its formula and its look were copied into the new rows. The plan
    starts past the empty column: the numbers go in the plan's "#", the other table's columns
    of the new rows stay empty and unstyled, and its own cells as they were."""
    from openpyxl.styles import PatternFill

    header, rows = seed_rows()
    path = tmp_path / "plan.xlsx"
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = PLAN
    ws.append(["Item", "Due Date", None, *header[:9]])
    for k, row in enumerate(rows[:MASTER_ROWS]):  # (its own rows: all but the plan's last)
        side = ["=ROW()-1", datetime(2011, 2, 1 + k)] if k < MASTER_ROWS - 1 else [None, None]
        ws.append([*side, None, *row[:9]])
    for r in range(1, MASTER_ROWS + 2):
        for c in (1, 2):
            ws.cell(r, c).fill = PatternFill("solid", fgColor="FFF2CC")
    wb.save(path)
    side = {(r, c): ws.cell(r, c).value for r in range(1, MASTER_ROWS + 2) for c in (1, 2, 3)}
    result = _import(build_source(tmp_path / "board actions.xlsx", rows[0][0]), path)
    assert result.added == ["7.1", "7.2", ""]
    ws = _load(path)[PLAN]
    first = MASTER_ROWS + 2
    assert [ws.cell(r, 4).value for r in result.rows] == ["7.1", "7.2", None]
    assert ws.cell(first, 6).value == "Run reverse mentoring for the board"
    assert ws.cell(first, 11).value == datetime(2024, 6, 30)  # the plan's Due Date
    for r in result.rows:  # nothing of the other table's in the new rows
        assert [ws.cell(r, c).value for c in (1, 2, 3)] == [None, None, None]
        assert ws.cell(r, 1).fill.fill_type is None and ws.cell(r, 2).fill.fill_type is None
    assert {(r, c): ws.cell(r, c).value for (r, c) in side} == side
