"""What a trust's own plan holds around its actions, kept as the trust has it.

- A row of totals under the plan ("Totals", =COUNTA(I2:I18)) is not an action: not checked
  as one, not written into by a refresh, and `import --into` refuses to write new actions
  over it (before, it was read as action "Totals" and given grey cells and problems).
- A Status typed as a number, a date or TRUE is kept as typed: a refresh does not make it
  text (and log that as a change), as it keeps any word it cannot read.
- A filter the trust set, criteria and all, takes the rows `import --into` adds under it.
- A workbook whose structure is protected (Review > Protect Workbook) is not given sheets:
  the command stops and says how to go on, and the file is as it was.

The workbooks are built by XlsxWriter, as Excel saves them.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest
import xlsxwriter
from conftest import add_seed_plan_sheet, rewrite_part
from openpyxl import load_workbook

from edi_xl.core.errors import EdiXlError, StructureLockedError
from edi_xl.core.problems import Code
from edi_xl.flows.importer import import_into
from edi_xl.flows.refresh import refresh_workbook

AS_AT = date(2023, 12, 18)
NOW = datetime(2023, 12, 18, 9)


def _board_source(path: Path) -> Path:
    """A board's plan of two new actions, to import into the trust's."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Plan")
    ws.write_row(0, 0, ["Ref", "Action", "Lead", "Due Date"])
    ws.write_row(1, 0, ["9.1", "Publish the board's EDI objectives", "Chair", "31/03/2024"])
    ws.write_row(2, 0, ["9.2", "Reverse mentoring for the board", "Chair", "30/06/2024"])
    wb.close()
    return path


def _plan_with_totals(path: Path) -> Path:
    """Seed 000 (rows 2 to 18), a blank row, and a row of totals on row 20."""
    wb = xlsxwriter.Workbook(str(path))
    ws, _ = add_seed_plan_sheet(wb)
    ws.write("A20", "Totals")
    ws.write_formula("I20", "=COUNTA(I2:I18)", None, 17)
    wb.close()
    return path


def test_a_row_of_totals_under_the_plan_is_no_action(tmp_path: Path) -> None:
    path = _plan_with_totals(tmp_path / "plan.xlsx")
    result = refresh_workbook(path, AS_AT, now=NOW)
    assert len(result.plan.actions) == 17
    assert not [p for p in result.report.problems if p.location.row == 20]
    ws = load_workbook(path)["Action Plan"]
    header = [c.value for c in ws[1]]
    assert [ws.cell(20, c).value for c in range(1, len(header) + 1) if ws.cell(20, c).value] == [
        "Totals",
        "=COUNTA(I2:I18)",
    ]


def test_import_into_refuses_to_write_over_a_row_of_totals(tmp_path: Path) -> None:
    """Two new actions would take rows 19 and 20, and row 20 holds the totals: refused,
    saying which row and how to go on; the master is as it was."""
    path = _plan_with_totals(tmp_path / "plan.xlsx")
    before = path.read_bytes()
    with pytest.raises(EdiXlError, match=r"row 20 under the plan holds 'Totals'") as refused:
        import_into([_board_source(tmp_path / "board.xlsx")], path, as_at=AS_AT, now=NOW)
    assert "insert 1 empty row above row 20" in str(refused.value)  # (row 19 is free)
    assert path.read_bytes() == before


def test_a_status_typed_as_a_number_date_or_true_is_kept_as_typed(tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws, _ = add_seed_plan_sheet(wb)
    ws.write_number("I2", 3)
    ws.write_datetime("I3", datetime(2024, 1, 5), wb.add_format({"num_format": "dd/mm/yyyy"}))
    ws.write_boolean("I4", True)
    wb.close()
    result = refresh_workbook(path, AS_AT, now=NOW)
    ws = load_workbook(path)["Action Plan"]
    assert (ws["I2"].value, ws["I3"].value, ws["I4"].value) == (3, datetime(2024, 1, 5), True)
    assert not [c for c in result.changes if c.field == "Status" and c.id in ("1.4", "1.5", "1.8")]
    unknown = {p.action_id for p in result.report.problems if p.code is Code.UNKNOWN_STATUS}
    assert {"1.4", "1.5", "1.8"} <= unknown  # (still said to be no RAG status)


def test_the_trusts_filter_takes_the_imported_rows(tmp_path: Path) -> None:
    """The trust filtered its plan (A1:J18) to Race. The two imported actions go on rows 19
    and 20, inside the filter, criteria kept."""
    path = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws, _ = add_seed_plan_sheet(wb)
    ws.autofilter("A1:J18")
    ws.filter_column(4, "x == Race")
    wb.close()
    import_into([_board_source(tmp_path / "board.xlsx")], path, as_at=AS_AT, now=NOW)
    ws = load_workbook(path)["Action Plan"]
    assert ws["A19"].value == "9.1" and ws["A20"].value == "9.2"
    assert ws.auto_filter.ref == "A1:J20"
    assert [f.colId for f in ws.auto_filter.filterColumn] == [4]


def _lock_structure(path: Path) -> None:
    rewrite_part(
        path,
        "xl/workbook.xml",
        lambda data: re.sub(
            rb"<bookViews>", b'<workbookProtection lockStructure="1"/><bookViews>', data
        ),
    )


def test_a_workbook_with_its_structure_protected_gets_no_new_sheets(tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    add_seed_plan_sheet(wb)
    wb.close()
    _lock_structure(path)
    before = path.read_bytes()
    with pytest.raises(StructureLockedError, match="Protect Workbook") as refused:
        refresh_workbook(path, AS_AT, now=NOW)
    assert "'Summary'" in str(refused.value) and "nothing was changed" in str(refused.value)
    assert str(path) in str(refused.value)
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("*.backup.*"))


def test_a_protected_master_that_has_its_sheets_is_refreshed(tmp_path: Path) -> None:
    """Protected after edi_xl made its sheets: a refresh adds none, and goes on."""
    path = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    add_seed_plan_sheet(wb)
    wb.close()
    refresh_workbook(path, AS_AT, now=NOW)
    _lock_structure(path)
    result = refresh_workbook(path, date(2024, 1, 18), now=datetime(2024, 1, 18, 9))
    assert len(result.plan.actions) == 17
    assert load_workbook(path).security.lockStructure


def test_a_row_of_totals_worked_out_by_formulas_is_not_written_over(tmp_path: Path) -> None:
    """Row 20's label and count are formulas (="Total: "&COUNTA(A2:A18)&" actions",
    =COUNTIF(I2:I18,"On Track")): it is no action, and not a row made ready for one (its
    formulas are not filled down), so the import refuses to write over it. Before, the new
    action took its place and the COUNTIF became the action's Status."""
    path = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws, _ = add_seed_plan_sheet(wb)
    ws.write_formula("A20", '="Total: "&COUNTA(A2:A18)&" actions"', None, "Total: 17 actions")
    ws.write_formula("I20", '=COUNTIF(I2:I18,"On Track")', None, 15)
    wb.close()
    assert len(refresh_workbook(path, AS_AT, now=NOW).plan.actions) == 17
    before = path.read_bytes()
    with pytest.raises(EdiXlError, match=r"row 20 under the plan holds 'Total: 17 actions'"):
        import_into([_board_source(tmp_path / "board.xlsx")], path, as_at=AS_AT, now=NOW)
    assert path.read_bytes() == before


def test_a_totals_row_in_a_plan_imported_is_no_action(tmp_path: Path) -> None:
    """The board's plan (read by the general layout) ends with a row of totals: its two
    actions are imported, not a third called "Total"."""
    source = tmp_path / "board.xlsx"
    wb = xlsxwriter.Workbook(str(source))
    ws = wb.add_worksheet("Plan")
    ws.write_row(0, 0, ["Ref", "Action", "Lead", "Due Date", "Status"])
    ws.write_row(1, 0, ["9.1", "Publish the board's EDI objectives", "Chair", "31/03/2024"])
    ws.write_row(2, 0, ["9.2", "Reverse mentoring for the board", "Chair", "30/06/2024"])
    ws.write("A4", "Total")
    ws.write_number("E4", 2)
    wb.close()
    path = tmp_path / "plan.xlsx"
    book = xlsxwriter.Workbook(str(path))
    add_seed_plan_sheet(book)
    book.close()
    import_into([source], path, as_at=AS_AT, now=NOW)
    ws = load_workbook(path)["Action Plan"]
    assert [ws[f"A{r}"].value for r in (19, 20, 21)] == ["9.1", "9.2", None]


def test_a_label_and_typed_numbers_in_the_action_column_are_read_as_an_action(
    tmp_path: Path,
) -> None:
    """ "Sum" in the Action column with typed numbers beside it may be an action's: it is
    read (and checked) as one, not left out without a word."""
    path = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws, _ = add_seed_plan_sheet(wb)
    ws.write("C20", "Sum")
    ws.write_number("F20", 5)
    wb.close()
    result = refresh_workbook(path, AS_AT, now=NOW)
    assert 20 in {a.origin.row for a in result.plan.actions if a.origin}


def test_a_filter_reaching_past_the_plan_takes_the_imported_rows(tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws, _ = add_seed_plan_sheet(wb)
    ws.autofilter("A1:J19")  # (a row past the plan's last, 18)
    ws.filter_column(4, "x == Race")
    wb.close()
    import_into([_board_source(tmp_path / "board.xlsx")], path, as_at=AS_AT, now=NOW)
    assert load_workbook(path)["Action Plan"].auto_filter.ref == "A1:J20"


def test_a_protected_master_keeps_its_sheets_shown_and_hidden_as_the_trust_set(
    tmp_path: Path,
) -> None:
    """The trust hid the Summary and showed Lists, then protected the structure: a refresh
    goes on, and leaves each sheet hidden or shown as it was (before, it re-hid Lists and
    showed the Summary, and with the structure protected refused every refresh)."""
    path = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    add_seed_plan_sheet(wb)
    wb.close()
    refresh_workbook(path, AS_AT, now=NOW)
    book = load_workbook(path)
    book["Summary"].sheet_state = "hidden"
    book["Lists"].sheet_state = "visible"
    book.save(path)
    _lock_structure(path)
    refresh_workbook(path, date(2024, 1, 18), now=datetime(2024, 1, 18, 9))
    book = load_workbook(path)
    assert (book["Summary"].sheet_state, book["Lists"].sheet_state) == ("hidden", "visible")


def test_a_protected_workbook_saved_whole_gets_no_new_sheets_either(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the file cannot be patched and is written whole instead, the same refusal."""
    import edi_xl.master.patch as patch

    path = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    add_seed_plan_sheet(wb)
    wb.close()
    _lock_structure(path)

    def cannot(*args: object, **kwargs: object) -> None:
        raise RuntimeError("cannot be patched")

    monkeypatch.setattr(patch, "describe", cannot)
    before = path.read_bytes()
    with pytest.raises(StructureLockedError, match="'Summary'"):
        refresh_workbook(path, AS_AT, now=NOW)
    assert path.read_bytes() == before
