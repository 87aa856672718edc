"""A plan kept as an Excel table ("Format as Table"): no sheet filter over it, no "Total" action.

A table has its own filter buttons. A sheet filter over the same cells is invalid to Excel:
it opens the file saying it found a problem, and its repair removes the table. A refresh set
one over the plan whatever it was; it now sets none where the plan's range meets a table, and
takes away one an earlier version set. A table's "Total Row" is read as no action (before,
"Total" was counted as an action with no status, and checked as one). The workbooks are built
by XlsxWriter, which writes tables as Excel does.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest
import xlsxwriter
from conftest import add_seed_plan_sheet, rewrite_part, seed_rows
from lxml import etree
from openpyxl import load_workbook

from edi_xl.flows.refresh import refresh_workbook, summarise_master
from edi_xl.flows.rounds import start_round
from edi_xl.master.plan import load_master, read_master_plan, table_totals

AS_AT = date(2023, 12, 18)
M = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
PLAN_PART = "xl/worksheets/sheet1.xml"


def build_table_plan(path: Path, *, total_row: bool = False) -> Path:
    """Seed 000 as a table A4:J21 named ActionPlan (with a "Total Row" counting the actions
    when ``total_row``), under a title."""
    header, rows = seed_rows()
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Action Plan")
    ws.write("A1", "Equality, Diversity & Inclusion Action Plan 2023/24")
    columns = [{"header": h} for h in header]
    if total_row:
        columns[0]["total_string"] = "Total"
        columns[1]["total_function"] = "count"
    last = 3 + len(rows) + (1 if total_row else 0)
    ws.add_table(3, 0, last, len(header) - 1, {"name": "ActionPlan", "columns": columns,
                                               "data": rows, "total_row": total_row})  # fmt: skip
    wb.close()
    return path


def _board_source(path: Path) -> Path:
    """A board's plan of one new action (9.1), to import into the trust's."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Plan")
    ws.write_row(0, 0, ["Ref", "Action", "Lead", "Due Date", "Status"])
    ws.write_row(1, 0, ["9.1", "Publish the board's EDI objectives", "Chair", "31/03/2024",
                        "On Track"])  # fmt: skip
    wb.close()
    return path


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _filter_names(book: bytes) -> list[str]:
    root = etree.fromstring(book)
    return [
        d.text or ""
        for d in root.iter(f"{M}definedName")
        if d.get("name") == "_xlnm._FilterDatabase" and "Action Plan" in (d.text or "")
    ]


def test_refresh_sets_no_sheet_filter_over_the_plans_table(tmp_path: Path) -> None:
    plan = build_table_plan(tmp_path / "plan.xlsx")
    before = _parts(plan)
    refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))
    after = _parts(plan)
    sheet = etree.fromstring(after[PLAN_PART])
    assert sheet.find(f"{M}autoFilter") is None
    assert _filter_names(after["xl/workbook.xml"]) == []
    assert after["xl/tables/table1.xml"] == before["xl/tables/table1.xml"]  # its own filter
    # the refresh did its work beside the table
    header_row = [c for c in sheet.iter(f"{M}c") if re.fullmatch(r"[K-M]4", c.get("r", ""))]
    assert len(header_row) == 3


def test_a_sheet_filter_an_earlier_refresh_set_over_the_table_is_taken_away(
    tmp_path: Path,
) -> None:
    plan = build_table_plan(tmp_path / "plan.xlsx")
    refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))

    def with_sheet_filter(data: bytes) -> bytes:  # as edi_xl wrote it before this fix
        return data.replace(b"<pageMargins", b'<autoFilter ref="A4:M21"/><pageMargins', 1)

    def with_its_name(data: bytes) -> bytes:  # (and the hidden name Excel keeps for it)
        name = (b'<definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
                b"'Action Plan'!$A$4:$M$21</definedName>")  # fmt: skip
        if b"<definedNames>" in data:
            return data.replace(b"<definedNames>", b"<definedNames>" + name, 1)
        return data.replace(b"</sheets>", b"</sheets><definedNames>" + name + b"</definedNames>")

    rewrite_part(plan, PLAN_PART, with_sheet_filter)
    rewrite_part(plan, "xl/workbook.xml", with_its_name)
    assert _filter_names(_parts(plan)["xl/workbook.xml"]) == ["'Action Plan'!$A$4:$M$21"]
    assert etree.fromstring(_parts(plan)[PLAN_PART]).find(f"{M}autoFilter") is not None
    refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 10))
    after = _parts(plan)
    assert etree.fromstring(after[PLAN_PART]).find(f"{M}autoFilter") is None
    assert _filter_names(after["xl/workbook.xml"]) == []


def test_a_plan_without_a_table_keeps_its_sheet_filter(master: Path) -> None:
    """The filter over the plan and edi_xl's columns, on a plan that is not a table."""
    refresh_workbook(master, AS_AT, now=datetime(2023, 12, 18, 9))
    sheet = etree.fromstring(_parts(master)[PLAN_PART])
    flt = sheet.find(f"{M}autoFilter")
    assert flt is not None and flt.get("ref", "").startswith("A")


def test_a_sheet_filter_stops_short_of_a_table_beside_the_plan(tmp_path: Path) -> None:
    """The trust's filter over a plan that is not a table, with a key table beside it (O4:P8):
    the filter is kept, cut short of the table (a sheet filter over a table is invalid to
    Excel; edi_xl's columns, right of the table, are left out of it), the table as it was
    (helper-123: the filter was taken away whole)."""
    plan = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(plan))
    ws, n = add_seed_plan_sheet(wb, header_row=4)
    ws.autofilter(3, 0, 3 + n, 9)
    key = [{"header": "Colour"}, {"header": "Count"}]
    ws.add_table(
        3, 14, 7, 15, {"name": "Key", "data": [["Green", 1], ["Amber", 2]], "columns": key}
    )
    wb.close()
    before = _parts(plan)
    refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))
    after = _parts(plan)
    flt = etree.fromstring(after[PLAN_PART]).find(f"{M}autoFilter")
    assert flt is not None and flt.get("ref") == f"A4:N{4 + n}"
    assert after["xl/tables/table1.xml"] == before["xl/tables/table1.xml"]


def test_the_tables_total_row_is_not_an_action(tmp_path: Path) -> None:
    plan = build_table_plan(tmp_path / "plan.xlsx", total_row=True)
    _, rows = seed_rows()
    ws = load_master(plan)["Action Plan"]
    total_row = 4 + len(rows) + 1
    assert table_totals(ws) == [(1, total_row, len(rows[0]), total_row)]
    read = read_master_plan(load_master(plan), plan)
    assert [a.id for a in read.plan.actions] == [r[0] for r in rows]
    refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))
    summary = summarise_master(plan)
    assert summary.actions == len(rows) and summary.no_status == 0
    # the total row is as the trust left it: its label and Excel's count formula
    sheet = etree.fromstring(_parts(plan)[PLAN_PART])
    total_row = str(4 + len(rows) + 1)
    cells = {c.get("r"): c for c in sheet.iter(f"{M}c") if c.get("r", "")[1:] == total_row}
    assert cells["B" + total_row].findtext(f"{M}f") == "SUBTOTAL(103,[Milestone])"
    assert not any(ref[0] in "KLM" for ref in cells)  # no grey cells beside it


def test_the_tables_filter_stays_on_its_column_when_a_round_goes_in(tmp_path: Path) -> None:
    """The table holds the trust's own column K ("Board paper"), filtered and sorted by it;
    a merge puts the new round in at K, inside the table: the filter and the sort follow
    their column to L (before, they stayed on the 11th column, now the new round's)."""
    from conftest import merge_one_update

    header, rows = seed_rows()
    plan = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(plan))
    ws = wb.add_worksheet("Action Plan")
    ws.write("A1", "Equality, Diversity & Inclusion Action Plan 2023/24")
    data = [[*r, f"Paper {i}"] for i, r in enumerate(rows, start=1)]
    columns = [{"header": h} for h in [*header, "Board paper"]]
    last = 3 + len(rows)
    ws.add_table(3, 0, last, len(header), {"name": "ActionPlan", "columns": columns,
                                           "data": data})  # fmt: skip
    wb.close()

    def filtered_and_sorted_by_k(xml: bytes) -> bytes:  # as Excel saves them
        table = etree.fromstring(xml)
        flt = table.find(f"{M}autoFilter")
        criterion = etree.SubElement(flt, f"{M}filterColumn", colId=str(len(header)))
        etree.SubElement(etree.SubElement(criterion, f"{M}filters"), f"{M}filter", val="Paper 2")
        sort = etree.Element(f"{M}sortState", ref=f"A5:K{last + 1}")
        etree.SubElement(sort, f"{M}sortCondition", ref=f"K5:K{last + 1}")
        flt.addnext(sort)
        return etree.tostring(table, xml_declaration=True, encoding="UTF-8")

    rewrite_part(plan, "xl/tables/table1.xml", filtered_and_sorted_by_k)
    refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))
    result = merge_one_update(plan, tmp_path / "returns", date(2024, 3, 20), "Panel guide out",
                              datetime(2024, 3, 21))  # fmt: skip
    assert [f.outcome for f in result.files] == ["merged"]
    table = etree.fromstring(_parts(plan)["xl/tables/table1.xml"])
    assert table.get("ref") == f"A4:L{last + 1}"
    names = [c.get("name") for c in table.iter(f"{M}tableColumn")]
    assert names[10:] == ["Update as at 20 Mar 24", "Board paper"]
    flt = table.find(f"{M}autoFilter")
    assert [c.get("colId") for c in flt.iterfind(f"{M}filterColumn")] == ["11"]
    assert [k.get("ref") for k in table.iter(f"{M}sortCondition")] == [f"L5:L{last + 1}"]


def test_import_into_a_table_with_a_total_row_is_refused_and_says_how(tmp_path: Path) -> None:
    """New actions go under the table's last row, its Total Row: written there they
    overwrote "Total" and were read as no action. The import stops, saying how to go on, and
    the master is as it was."""
    from click.testing import CliRunner

    from edi_xl.cli import cli

    plan = build_table_plan(tmp_path / "plan.xlsx", total_row=True)
    before = plan.read_bytes()
    source = _board_source(tmp_path / "board actions.xlsx")
    result = CliRunner().invoke(
        cli, ["import", str(source), "--into", str(plan), "--as-at", "18/12/2023"]
    )
    assert result.exit_code == 2, result.output
    message = " ".join(result.output.split())
    assert (
        "Excel table with a Total Row" in message and "untick Table Design > Total Row" in message
    )
    assert plan.read_bytes() == before


def test_a_table_beside_the_plan_with_a_total_row_takes_no_action_away(tmp_path: Path) -> None:
    """The trust keeps a small key table beside the plan (M4:N8) with a Total Row on row 8,
    a row of the plan's: the plan's action on that row is read, counted and refreshed, and
    an import into the plan is not refused (the Total Row is the key table's, not the
    plan's)."""
    _, rows = seed_rows()
    plan = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(plan))
    ws, _ = add_seed_plan_sheet(wb, header_row=4)
    key_columns = [
        {"header": "Colour", "total_string": "Total"},
        {"header": "Count", "total_function": "sum"},
    ]
    key_rows = [["Green", 1], ["Amber", 2], ["Red", 3]]
    ws.add_table(3, 12, 7, 13, {"name": "Key", "total_row": True, "data": key_rows,
                                "columns": key_columns})  # fmt: skip
    wb.close()
    assert table_totals(load_master(plan)["Action Plan"]) == [(13, 8, 14, 8)]
    read = read_master_plan(load_master(plan), plan)
    assert [a.id for a in read.plan.actions] == [r[0] for r in rows]
    source = _board_source(tmp_path / "board actions.xlsx")
    from edi_xl.flows.importer import import_into

    result = import_into([source], plan, as_at=AS_AT, now=datetime(2023, 12, 19, 9))
    assert result.rows == [4 + len(rows) + 1]
    assert "9.1" in [a.id for a in read_master_plan(load_master(plan), plan).plan.actions]


def plan_ending_on_its_update_column(path: Path) -> Path:
    """Seed 000 as the table ActionPlan A4:J22 (its last column J the update column, a Total
    Row counting the actions), a key table of the trust's above it, I1:J2, ending on J too,
    and a Checks sheet reading the plan's table by structured references."""
    header, rows = seed_rows()
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Action Plan")
    ws.write("A1", "Equality, Diversity & Inclusion Action Plan 2023/24")
    columns = [{"header": h} for h in header]
    columns[0]["total_string"] = "Total"
    columns[1]["total_function"] = "count"
    last = 3 + len(rows) + 1
    ws.add_table(3, 0, last, len(header) - 1, {"name": "ActionPlan", "columns": columns,
                                               "data": rows, "total_row": True,
                                               "style": "Table Style Medium 2"})  # fmt: skip
    ws.add_table("I1:J2", {"name": "Key", "data": [["Amber", "At risk"]],
                           "columns": [{"header": "Colour"}, {"header": "Meaning"}]})  # fmt: skip
    checks = wb.add_worksheet("Checks")
    checks.write_formula("A1", "=COLUMNS(ActionPlan)", None, len(header))
    checks.write_formula("A2", "=SUBTOTAL(103,ActionPlan[Action (think SMART)])")
    wb.close()
    return path


def _table_of(xml: bytes) -> tuple[str | None, str | None, list[str | None]]:
    """A table part's range, its filter's range and its columns' names."""
    table = etree.fromstring(xml)
    flt = table.find(f"{M}autoFilter")
    names = [c.get("name") for c in table.iter(f"{M}tableColumn")]
    return table.get("ref"), flt.get("ref") if flt is not None else None, names


def _start_the_round(plan: Path, tmp_path: Path) -> str:
    start_round(plan, date(2024, 3, 18), now=datetime(2024, 3, 18, 9))
    return "Update as at 18 Mar 24"


def _merge_the_rounds_first_return(plan: Path, tmp_path: Path) -> str:
    from conftest import merge_one_update

    result = merge_one_update(plan, tmp_path / "returns", date(2024, 3, 20), "Panel guide out",
                              datetime(2024, 3, 21))  # fmt: skip
    assert [f.outcome for f in result.files] == ["merged"]
    return "Update as at 20 Mar 24"


@pytest.mark.parametrize("command", [_start_the_round, _merge_the_rounds_first_return])
def test_a_table_ending_on_the_update_column_takes_the_new_round_in(
    tmp_path: Path, command: Callable[[Path, Path], str]
) -> None:
    """The plan is the table A4:J22, its last column J the last update column: the round's
    column, going in at K, joins the table (its range, a column named as its header, its
    filter), as Excel's table takes a column whose header is typed right of it; before, it
    stood beside the table, out of its filter, banding and structured references. Its Total
    Row keeps its count, and what reads the table by name takes the new column in (LibreOffice
    recalculating; it cannot work out a Total Row's own formula, "[Milestone]", in any file).
    The trust's key table above, I1:J2, also ending on J, is not the plan's:
    it stays as it was."""
    plan = plan_ending_on_its_update_column(tmp_path / "plan.xlsx")
    refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))
    key_before = _table_of(_parts(plan)["xl/tables/table2.xml"])
    header = command(plan, tmp_path)
    package = _parts(plan)
    table = etree.fromstring(package["xl/tables/table1.xml"])
    last = 4 + len(seed_rows()[1]) + 1
    assert table.get("ref") == f"A4:K{last}"
    assert table.find(f"{M}autoFilter").get("ref") == f"A4:K{last - 1}"
    columns = table.find(f"{M}tableColumns")
    names = [c.get("name") for c in columns]
    assert columns.get("count") == "11" and names[9:] == ["Update as at 18 Sep 23", header]
    assert [c.get("totalsRowFunction") for c in columns][:2] == [None, "count"]  # Total Row
    ids = [c.get("id") for c in columns]
    assert len(set(ids)) == len(ids)
    sheet = load_workbook(plan)["Action Plan"]
    assert [sheet.cell(4, c).value for c in range(1, 12)] == names  # as its header cells
    assert _table_of(package["xl/tables/table2.xml"]) == key_before  # not the plan's
    assert key_before[0] == "I1:J2"

    from libreoffice import recalculated_copy, require_soffice

    require_soffice()
    copy = load_workbook(recalculated_copy(plan, tmp_path / "lo"), data_only=True)
    assert copy["Checks"]["A1"].value == 11  # the table's columns, the new one among them
    written = [r for r in seed_rows()[1] if r[2]]  # (an action or two has its text elsewhere)
    assert copy["Checks"]["A2"].value == len(written)  # a total over its actions
    assert copy["Action Plan"][f"A{last}"].value == "Total"


def test_a_table_ending_on_its_status_takes_the_first_rounds_column_in(tmp_path: Path) -> None:
    """A plan kept as a table with no update column yet, its last column the Status: the
    first round's column goes in right of the Status and joins the table, as a column typed
    right of a table does in Excel."""
    header, rows = seed_rows()
    header, rows = header[:-1], [r[:-1] for r in rows]
    assert header[-1] == "Status"
    path = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Action Plan")
    ws.write("A1", "Equality, Diversity & Inclusion Action Plan 2023/24")
    ws.add_table(3, 0, 3 + len(rows), len(header) - 1, {"name": "ActionPlan", "data": rows,
                 "columns": [{"header": h} for h in header]})  # fmt: skip
    wb.close()
    refresh_workbook(path, AS_AT, now=datetime(2023, 12, 18, 9))
    start_round(path, date(2024, 3, 18), now=datetime(2024, 3, 18, 9))
    ref, flt, names = _table_of(_parts(path)["xl/tables/table1.xml"])
    last = 4 + len(rows)
    assert (ref, flt) == (f"A4:J{last}", f"A4:J{last}")
    assert names[-2:] == ["Status", "Update as at 18 Mar 24"]
    sheet = load_workbook(path)["Action Plan"]
    assert [sheet.cell(4, c).value for c in range(1, 11)] == names


def test_a_workbook_saved_whole_has_the_same_table(tmp_path: Path) -> None:
    """A file that cannot be patched is saved whole, by openpyxl, from the workbook edi_xl
    holds: the plan's table there takes the round's column in as the patched file's does
    (before, openpyxl's insert left every table where it was, its columns a step off their
    cells)."""
    from edi_xl.master import patch

    plan = plan_ending_on_its_update_column(tmp_path / "plan.xlsx")
    refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))
    whole = tmp_path / "whole" / "plan.xlsx"
    whole.parent.mkdir()
    whole.write_bytes(plan.read_bytes())
    start_round(plan, date(2024, 3, 18), now=datetime(2024, 3, 18, 9))

    def cannot_patch(*args: object) -> bytes:
        raise ValueError("a part the patch writer needs is broken")

    with pytest.MonkeyPatch.context() as m:
        m.setattr(patch, "apply_edits", cannot_patch)
        result = start_round(whole, date(2024, 3, 18), now=datetime(2024, 3, 18, 9))
    assert [n.code.value for n in result.notes] == ["saved_by_rewrite"]

    def tables(path: Path) -> dict[str, tuple[str, str, list[str]]]:
        found = {}
        for table in load_workbook(path)["Action Plan"].tables.values():
            flt = table.autoFilter.ref if table.autoFilter is not None else ""
            found[table.displayName] = (table.ref, flt, [c.name for c in table.tableColumns])
        return found

    assert tables(whole) == tables(plan)
    assert tables(whole)["ActionPlan"][0].startswith("A4:K")
    assert tables(whole)["Key"][0] == "I1:J2"
