"""Refresh in place: right statuses, idempotent, owns few cells, never loses anything."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from conftest import (
    AS_AT,
    TRUST_HEADERS,
    add_seed_plan_sheet,
    all_cells,
    build_trust_workbook,
    edit_workbook,
    plan_rows,
    seed_rows,
)
from openpyxl import Workbook, load_workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter

from edi_xl.core.errors import WorkbookWriteError
from edi_xl.flows.refresh import new_master, refresh_book, refresh_workbook
from edi_xl.master import save as save_module
from edi_xl.master.plan import load_master
from edi_xl.master.save import backup_path
from edi_xl.master.styles import row_height
from edi_xl.tables.reader import read_plan

SEPT = date(2023, 9, 18)
NOW = datetime(2023, 12, 18, 9, 30)


@pytest.fixture
def sept_master(tmp_path, seed_workbook) -> Path:
    """A master made in September, when nothing was overdue yet."""
    path = tmp_path / "plan.xlsx"
    result = new_master(path, read_plan(seed_workbook), SEPT, now=NOW)
    assert result.overdue == []
    return path


def expected_overdue(as_at: date) -> dict[str, int]:
    """Hand count from the seed text: due before the as-at date and not complete."""
    out = {}
    for row in seed_rows()[1]:
        due_text = row[7]
        due = (
            datetime.strptime(due_text, "%d/%m/%Y")
            if "/" in due_text
            else datetime.strptime(due_text, "%d-%b-%y")
        ).date()
        if due < as_at and row[8] != "Complete":
            out[row[0]] = (as_at - due).days
    return out


def test_refresh_marks_exactly_the_overdue_actions_red(sept_master):
    assert expected_overdue(AS_AT) == {"1.9": 18, "6.3": 18}  # the hand count
    result = refresh_workbook(sept_master, AS_AT, now=NOW)
    assert {a.id: d for a, d in result.overdue} == expected_overdue(AS_AT)
    rows = plan_rows(sept_master)
    for action_id, row in rows.items():
        if action_id in expected_overdue(AS_AT):
            assert row["Status"] == "Exceeded Timescales"
            assert row["Overdue"] == "Yes"
            assert row["Days overdue"] == expected_overdue(AS_AT)[action_id]
        else:
            assert row["Status"] == "On Track"
            assert row["Overdue"] == "No"
            assert row["Days overdue"] is None
    assert result.rag_counts() == {"Green": 15, "Amber": 0, "Red": 2, "Blue": 0}


def test_change_log_records_each_status_change(sept_master):
    refresh_workbook(sept_master, AS_AT, now=NOW)
    log = list(load_workbook(sept_master)["Change Log"].iter_rows(min_row=2, values_only=True))
    status = [r for r in log if r[2] == "Status"]
    assert [(r[1], r[3], r[4]) for r in status] == [
        ("1.9", "On Track", "Exceeded Timescales"),
        ("6.3", "On Track", "Exceeded Timescales"),
    ]
    assert all(r[0] == NOW and r[5] == "refresh as at 18 Dec 2023" for r in status)
    overdue = [(r[1], r[3], r[4]) for r in log if r[2] == "Overdue"]
    assert overdue == [("1.9", "No", "Yes"), ("6.3", "No", "Yes")]
    assert [(r[3], r[4]) for r in log if r[2] == "Settings: As-at date"] == [
        (datetime(2023, 9, 18), datetime(2023, 12, 18))
    ]
    # filling an empty computed cell (Days overdue was blank) is not a change to log
    assert not [r for r in log if r[2] == "Days overdue"]


def test_refresh_twice_is_idempotent(sept_master):
    refresh_workbook(sept_master, AS_AT, now=NOW)
    before = all_cells(sept_master)
    log_before = load_workbook(sept_master)["Change Log"].max_row
    second = refresh_workbook(sept_master, AS_AT, now=datetime(2023, 12, 19))
    assert second.changes == []
    assert any(sheet == "Summary" for sheet, _ in before)  # edi_xl's sheet, rewritten the same
    assert all_cells(sept_master) == before
    assert load_workbook(sept_master)["Change Log"].max_row == log_before


def test_every_cell_not_owned_is_unchanged(tmp_path):
    """A trust workbook with an extra sheet and an extra column, refreshed in place."""
    path = build_trust_workbook(
        tmp_path / "theirs.xlsx", extra_column="Notes", extra_sheet=True, merge_milestones=True
    )
    before = all_cells(path)
    header_row = 3
    status_col = "I"
    result = refresh_workbook(path, AS_AT, now=NOW)
    action_rows = {a.origin.row for a in result.plan.actions}
    after = all_cells(path)
    changed = {k for k in before if after.get(k) != before[k]}
    # only Status cells of action rows changed: exactly the two overdue ones
    assert changed == {
        ("Action Plan", f"{status_col}{r}")
        for r in action_rows
        if before[("Action Plan", f"{status_col}{r}")] != after[("Action Plan", f"{status_col}{r}")]
    }
    assert {after[k] for k in changed} == {"Exceeded Timescales"}
    assert len(changed) == 2
    # the extra sheet (with its formula) and the extra column are intact
    assert after[("Notes", "C4")] == "=B3*2"
    assert after[("Action Plan", f"K{header_row}")] == "Notes"
    # computed columns were added at the right, after the extra column
    assert [after[("Action Plan", f"{c}{header_row}")] for c in "LMN"] == [
        "Overdue",
        "Days overdue",
        "Problems",
    ]
    new_sheets = load_workbook(path).sheetnames
    # edi_xl's own sheets: the Summary beside the plan, Settings, Lists, Change Log at the end
    assert new_sheets == ["Action Plan", "Summary", "Notes", "Settings", "Lists", "Change Log"]
    # nothing new appeared on the plan sheet outside the computed columns
    added = {k for k in after if k not in before and k[0] == "Action Plan"}
    assert {k[1].rstrip("0123456789") for k in added} <= {"L", "M", "N"}


@pytest.mark.parametrize("box", ["L3:O3", "L5:O8"])
def test_edi_xls_columns_go_right_of_a_merged_box_beside_the_table(tmp_path, box):
    """A merged box beside the plan (a title over the header row, a notes box beside the
    rows) is the trust's across its width, though only its first cell holds a value: the
    grey columns went into it (a traceback in the header row; "inside merged cells" on the
    rows, helper-127)."""
    path = tmp_path / "plan.xlsx"

    def add_box(wb):
        ws = wb["Action Plan"]
        ws[box.split(":")[0]] = "Notes for the committee"
        ws.merge_cells(box)

    build_trust_workbook(path)
    edit_workbook(path, add_box)
    result = refresh_workbook(path, AS_AT, now=NOW)
    assert not [n for n in result.notes if "merged" in n.message]
    ws = load_workbook(path)["Action Plan"]
    header = [ws.cell(3, c).value for c in range(16, 19)]  # P, Q, R: right of the box
    assert header == ["Overdue", "Days overdue", "Problems"]
    assert box in {str(m) for m in ws.merged_cells.ranges}
    assert ws[box.split(":")[0]].value == "Notes for the committee"


def test_backup_is_kept_and_no_temp_files_left(sept_master):
    original = sept_master.read_bytes()
    result = refresh_workbook(sept_master, AS_AT, now=NOW)
    assert result.backup == backup_path(sept_master)
    assert result.backup.read_bytes() == original
    leftovers = [p.name for p in sept_master.parent.iterdir() if ".tmp" in p.name]
    assert leftovers == []


def test_failed_save_leaves_the_master_untouched(sept_master, monkeypatch):
    original = sept_master.read_bytes()

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(save_module.os, "replace", broken_replace)
    with pytest.raises(WorkbookWriteError, match="No space left on device"):
        refresh_workbook(sept_master, AS_AT, now=NOW)
    assert sept_master.read_bytes() == original
    assert [p.name for p in sept_master.parent.iterdir() if ".tmp" in p.name] == []


def test_read_only_master_gives_a_clear_message(sept_master):
    original = sept_master.read_bytes()
    sept_master.chmod(0o444)
    try:
        with pytest.raises(WorkbookWriteError, match="open in Excel|read-only"):
            refresh_workbook(sept_master, AS_AT, now=NOW)
    finally:
        sept_master.chmod(0o644)
    assert sept_master.read_bytes() == original


def test_output_elsewhere_leaves_master_alone(sept_master, tmp_path):
    original = sept_master.read_bytes()
    out = tmp_path / "refreshed.xlsx"
    refresh_workbook(sept_master, AS_AT, out=out, now=NOW)
    assert sept_master.read_bytes() == original
    assert plan_rows(out)["1.9"]["Status"] == "Exceeded Timescales"


def test_conditional_formats_and_dropdowns_read_back(master):
    wb = load_workbook(master)
    ws = wb["Action Plan"]
    rules = {str(cf.sqref): cf.rules for cf in ws.conditional_formatting}
    status_rules = rules["I5:I221"]
    formulas = [r.formula[0] for r in status_rules]
    assert any('"On Track"' in f for f in formulas)
    assert any('"Exceeded Timescales"' in f for f in formulas)
    assert any('"At Risk"' in f for f in formulas)
    assert any('"Complete"' in f for f in formulas)
    fills = {r.dxf.fill.bgColor.rgb[-6:] for r in status_rules}
    assert fills == {"C6EFCE", "FFEB9C", "FFC7CE", "BDD7EE"}
    assert rules["H5:H221"][0].formula == ['$K5="Yes"']  # overdue due dates marked
    dvs = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert dvs["I5:I221"].type == "list" and dvs["I5:I221"].formula1 == "StatusList"
    assert dvs["E5:E221"].formula1 == "CharacteristicList"
    names = {n: wb.defined_names[n].attr_text for n in wb.defined_names}
    assert names["StatusList"] == "Lists!$A$2:$A$5"
    assert names["CharacteristicList"] == "Lists!$B$2:$B$11"
    assert [c.value for c in wb["Lists"]["A"]][1:5] == [
        "On Track",
        "At Risk",
        "Exceeded Timescales",
        "Complete",
    ]
    assert wb["Lists"]["B11"].value == "All"


def test_layout_print_setup_freeze_and_filter(master):
    ws = load_workbook(master)["Action Plan"]
    assert [c.value for c in ws[4]][:10] == [*TRUST_HEADERS, "Update as at 18 Sep 23"]
    assert [c.value for c in ws[4]][10:] == ["Overdue", "Days overdue", "Problems"]
    assert ws.freeze_panes == "B5"
    assert ws.auto_filter.ref == "A4:M21"
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$4:$4"
    assert ws.oddFooter.left.text == "As at 18 December 2023"
    assert "&P" in ws.oddFooter.center.text
    assert ws.column_dimensions["C"].width == 42  # the action text wraps; the page stays readable
    assert ws["C5"].alignment.wrap_text
    settings = load_workbook(master)["Settings"]
    assert settings["A4"].value == "As-at date" and settings["B4"].value == datetime(2023, 12, 18)
    assert [settings.cell(r, 2).value for r in range(8, 12)] == [
        "On Track",
        "At Risk",
        "Exceeded Timescales",
        "Complete",
    ]


def test_formatting_repairs_itself_and_user_rules_survive(master):
    def damage(wb):
        ws = wb["Action Plan"]
        ws.conditional_formatting = type(ws.conditional_formatting)()
        ws.data_validations.dataValidation = []
        ws.conditional_formatting.add(
            "F5:F21",
            CellIsRule(
                operator="equal",
                formula=['"Jo"'],
                fill=PatternFill(bgColor="00FF00", fill_type="solid"),
            ),
        )

    edit_workbook(master, damage)
    refresh_workbook(master, AS_AT, now=NOW)
    refresh_workbook(master, AS_AT, now=NOW)  # twice: rules are replaced, not stacked
    ws = load_workbook(master)["Action Plan"]
    rules = {str(cf.sqref): len(cf.rules) for cf in ws.conditional_formatting}
    assert rules == {"F5:F21": 1, "I5:I221": 4, "H5:H221": 1, "K5:K221": 1}
    assert len(ws.data_validations.dataValidation) == 2


def test_settings_words_drive_status_dropdown_and_colours(master):
    def rename(wb):
        wb["Settings"]["B8"] = "Progressing"

    edit_workbook(master, rename)
    result = refresh_workbook(master, AS_AT, now=NOW)
    assert {c.new for c in result.changes if c.field == "Status"} == {"Progressing"}
    wb = load_workbook(master)
    assert plan_rows(master)["1.4"]["Status"] == "Progressing"
    assert wb["Lists"]["A2"].value == "Progressing"
    formulas = [r.formula[0] for cf in wb["Action Plan"].conditional_formatting for r in cf.rules]
    assert any('"Progressing"' in f for f in formulas)


def test_user_status_words_are_normalised_and_logged(master):
    def owner_words(wb):
        ws = wb["Action Plan"]
        ws["I5"] = "G"  # 1.4
        ws["I6"] = "done"  # 1.5, has an update: fine
        ws["I7"] = "Blocked"  # 1.8, not a status word

    edit_workbook(master, owner_words)
    result = refresh_workbook(master, AS_AT, now=NOW)
    rows = plan_rows(master)
    assert rows["1.4"]["Status"] == "On Track"
    assert rows["1.5"]["Status"] == "Complete"
    assert rows["1.8"]["Status"] == "Blocked"  # kept, and flagged
    assert "'Blocked' is not a RAG status" in rows["1.8"]["Problems"]
    logged = {(c.id, c.old, c.new) for c in result.changes if c.field == "Status"}
    assert logged == {("1.4", "G", "On Track"), ("1.5", "done", "Complete")}


def test_problems_column_and_overdue_declared_fixed_by_refresh(master):
    rows = plan_rows(master)
    assert rows["1.5"]["Problems"] == "The action text is missing."
    assert rows["6.4"]["Problems"] == "The action text is missing."
    assert "'Sexual Safety'" in rows["2.2"]["Problems"]
    assert rows["1.4"]["Problems"] is None
    # 1.9 was declared On Track and is overdue: refresh set it Red (logged), so the sheet
    # no longer carries the contradiction.
    assert rows["1.9"]["Problems"] is None


def test_text_that_looks_like_a_formula_stays_text(tmp_path, seed_workbook):
    def hostile(wb):  # text cells, as an owner's file holds them
        ws = wb["Action Plan"]
        for ref, text in (
            ("C4", '=HYPERLINK("http://evil.example","click")'),
            ("J4", "+1+2"),
            ("J5", "@SUM(A1)"),
        ):
            ws[ref] = text
            ws[ref].data_type = "s"

    edit_workbook(seed_workbook, hostile)
    master = tmp_path / "m.xlsx"
    new_master(master, read_plan(seed_workbook), AS_AT, now=NOW)
    with zipfile.ZipFile(master) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet  # no formula anywhere on the plan sheet
    ws = load_workbook(master)["Action Plan"]
    assert ws["C5"].value == '=HYPERLINK("http://evil.example","click")'
    assert ws["C5"].data_type == "s" and ws["C5"].quotePrefix
    assert ws["J5"].value == "+1+2" and ws["J6"].value == "@SUM(A1)"


def test_xlsm_keeps_vba_and_buttons(tmp_path, seed_workbook):
    xlsxwriter = pytest.importorskip("xlsxwriter")
    import os

    import xlwings

    quickstart = Path(os.path.dirname(xlwings.__file__)) / "quickstart_standalone.xlsm"
    with zipfile.ZipFile(quickstart) as z:
        vba = z.read("xl/vbaProject.bin")
    (tmp_path / "vbaProject.bin").write_bytes(vba)
    path = tmp_path / "plan.xlsm"
    wb = xlsxwriter.Workbook(str(path))
    ws, _ = add_seed_plan_sheet(wb, header_row=4)
    ws.insert_button("B1", {"macro": "SampleCall", "caption": "Refresh status"})
    wb.add_vba_project(str(tmp_path / "vbaProject.bin"))
    wb.close()

    refresh_workbook(path, AS_AT, now=NOW)
    with zipfile.ZipFile(path) as z:
        assert z.read("xl/vbaProject.bin") == vba
        vml = [n for n in z.namelist() if n.endswith(".vml")]
        assert vml, "the button's drawing is gone"
        text = "".join(z.read(n).decode("utf-8", "replace") for n in vml)
        assert "SampleCall" in text and "Refresh status" in text
    assert plan_rows(path)["1.9"]["Status"] == "Exceeded Timescales"


def test_every_conditional_format_rule_has_its_own_priority(master):
    ws = load_workbook(master)["Action Plan"]
    priorities = [r.priority for cf in ws.conditional_formatting for r in cf.rules]
    assert len(priorities) == len(set(priorities)) == 6


def test_a_cell_inside_merged_cells_is_a_coded_note(sept_master):
    """A computed cell a person merged into its neighbour is not written: the refresh says so
    as a note (a Problem with the sheet, row and column), printed as "Note: ..."."""
    from click.testing import CliRunner

    from edi_xl.cli import cli
    from edi_xl.core.problems import Code, Severity

    wb = load_workbook(sept_master)
    ws = wb["Action Plan"]
    header = {c.value: c.column_letter for c in ws[4]}
    row = next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value == "1.9")
    ws.merge_cells(f"{header['Overdue']}{row}:{header['Days overdue']}{row}")
    wb.save(sept_master)
    result = refresh_workbook(sept_master, AS_AT, now=NOW)
    [note] = result.notes
    assert (note.code, note.severity, note.action_id) == (
        Code.MERGED_CELLS,
        Severity.WARNING,
        "1.9",
    )
    assert (note.location.sheet, note.location.row, note.location.column) == (
        "Action Plan",
        row,
        "Days overdue",
    )
    said = f"sheet 'Action Plan' row {row}: Days overdue is inside merged cells; not changed"
    assert note.message == said
    printed = CliRunner().invoke(cli, ["refresh", str(sept_master), "--as-at", "2023-12-19"])
    assert f"Note: {said}" in printed.output


def test_a_refresh_to_a_new_date_reads_its_file_ahead_and_one_at_its_date_does_not(
    master: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading ahead (the save's parse of the sheets, in a thread) is for a refresh that moves
    the as-at date, which has the overdue actions' cells to write; not for one at the date
    the master already has, nor one given no date (it takes the master's)."""
    from edi_xl.flows import refresh
    from edi_xl.master import patch

    asked: list[date | None] = []
    real = patch.read_ahead

    def spy(wb: object) -> None:
        asked.append(refresh.sheets.read_settings(wb).as_at)  # type: ignore[arg-type]
        real(wb)  # type: ignore[arg-type]

    monkeypatch.setattr(patch, "read_ahead", spy)
    refresh.refresh_workbook(master, date(2023, 12, 18), out=tmp_path / "same.xlsx")
    refresh.refresh_workbook(master, None, out=tmp_path / "none.xlsx")
    assert asked == []
    refresh.refresh_workbook(master, date(2024, 6, 30), out=tmp_path / "later.xlsx")
    assert asked == [date(2023, 12, 18)]
    assert not list(patch._AHEAD.keys())  # taken by the save


def test_a_refresh_that_fails_leaves_no_read_ahead(
    master: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from edi_xl.flows import refresh
    from edi_xl.master import patch

    def fails(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the refresh stopped")

    monkeypatch.setattr(refresh, "refresh_book", fails)
    with pytest.raises(RuntimeError, match="stopped"):
        refresh.refresh_workbook(master, date(2024, 6, 30), out=tmp_path / "out.xlsx")
    assert not list(patch._AHEAD.keys())
    assert not [t for t in threading.enumerate() if t.name == "edi_xl-read-ahead"]


def test_a_row_with_a_height_grows_to_show_its_problems_and_no_other_row_changes(master):
    """Refresh makes a row edi_xl gave a height tall enough for its Problems text (worked
    out as :func:`row_height` does for the Problems column's width); a row without a
    height, one already tall enough and one without problems keep theirs."""
    wb = load_workbook(master)
    ws = wb["Action Plan"]
    header = next(r for r in range(1, 20) if ws.cell(r, 1).value == "#")
    rows = {ws.cell(r, 1).value: r for r in range(header + 1, ws.max_row + 1)}
    problems_col = next(
        c for c in range(1, ws.max_column + 1) if ws.cell(header, c).value == "Problems"
    )
    heights = {"2.2": 15.0, "1.5": None, "6.4": 400.0, "1.4": 15.0}
    for action_id, height in heights.items():
        ws.row_dimensions[rows[action_id]].height = height
    wb.save(master)

    refreshed = load_master(master, remakes_summary=True)
    refresh_book(refreshed, AS_AT, now=NOW, path=master.name)
    ws = refreshed["Action Plan"]
    width = ws.column_dimensions[get_column_letter(problems_col)].width or 13.0
    text = ws.cell(rows["2.2"], problems_col).value
    assert text and ws.cell(rows["1.4"], problems_col).value is None
    assert ws.row_dimensions[rows["2.2"]].height == max(15.0, row_height([(text, width)]))
    assert ws.row_dimensions[rows["2.2"]].height > 15.0  # the text is longer than a line
    assert ws.row_dimensions[rows["1.5"]].height is None
    assert ws.row_dimensions[rows["6.4"]].height == 400.0
    assert ws.row_dimensions[rows["1.4"]].height == 15.0


def test_a_refresh_that_changes_nothing_keeps_the_backup_of_the_last_change(
    master: Path,
) -> None:
    """Refreshed again with nothing to change, the master is not written again, so its
    backup still holds the version before the last real change (before: each run replaced
    it with a copy of the file as it was, and a wrong merge's way back went with it:
    helper-49, session 15)."""
    original = master.read_bytes()
    first = refresh_workbook(master, date(2024, 3, 18), now=datetime(2024, 3, 18, 9))
    assert first.changes and first.backup == backup_path(master)
    assert backup_path(master).read_bytes() == original
    changed = master.read_bytes()
    again = refresh_workbook(master, date(2024, 3, 18), now=datetime(2024, 3, 19, 9))
    assert again.changes == [] and again.backup is None
    assert master.read_bytes() == changed
    assert backup_path(master).read_bytes() == original


def _set_due(path: Path, action_id: str, due: datetime) -> None:
    wb = load_workbook(path)
    ws = wb["Action Plan"]
    due_col = next(c.column for c in ws[4] if c.value == "Due Date")
    row = next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value == action_id)
    ws.cell(row, due_col).value = due
    wb.save(path)


def test_a_red_the_rule_made_goes_back_when_the_due_date_moves_out(sept_master):
    refresh_workbook(sept_master, AS_AT, now=NOW)  # 1.9 overdue: made Red by the rule
    assert plan_rows(sept_master)["1.9"]["Status"] == "Exceeded Timescales"
    _set_due(sept_master, "1.9", datetime(2024, 6, 30))  # the lead gives it until June
    result = refresh_workbook(sept_master, AS_AT, now=datetime(2023, 12, 19))
    row = plan_rows(sept_master)["1.9"]
    assert (row["Status"], row["Overdue"], row["Problems"]) == ("On Track", "No", None)
    assert plan_rows(sept_master)["6.3"]["Status"] == "Exceeded Timescales"  # still late
    notes = [p for p in result.notes if p.code == "no_longer_overdue"]
    assert [(p.action_id, p.location.column) for p in notes] == [("1.9", "Status")]
    assert "action 1.9: Status set back to 'On Track'" in notes[0].message
    assert "30 Jun 2024" in notes[0].message
    log = list(load_workbook(sept_master)["Change Log"].iter_rows(min_row=2, values_only=True))
    assert [(r[3], r[4]) for r in log if r[1] == "1.9" and r[2] == "Status"] == [
        ("On Track", "Exceeded Timescales"),
        ("Exceeded Timescales", "On Track"),
    ]
    assert result.rag_counts()["Red"] == 1


def test_a_red_a_person_gave_is_kept_and_flagged_when_not_overdue(sept_master):
    wb = load_workbook(sept_master)
    ws = wb["Action Plan"]
    status_col = next(c.column for c in ws[4] if c.value == "Status")
    row = next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value == "2.1")
    ws.cell(row, status_col).value = "Exceeded Timescales"  # typed, not due yet
    wb.save(sept_master)
    result = refresh_workbook(sept_master, AS_AT, now=NOW)
    assert plan_rows(sept_master)["2.1"]["Status"] == "Exceeded Timescales"
    assert not [p for p in result.notes if p.code == "no_longer_overdue"]
    flagged = [p for p in result.report.problems if p.code == "red_not_overdue"]
    assert [p.action_id for p in flagged] == ["2.1"]
    assert "has not passed" in plan_rows(sept_master)["2.1"]["Problems"]


def test_a_refresh_before_the_round_on_settings_says_the_round_moved_back(sept_master):
    refresh_workbook(sept_master, AS_AT, now=NOW)
    later = refresh_workbook(sept_master, AS_AT, now=NOW)
    assert not [n for n in later.notes if n.code == "round_moved_back"]
    back = refresh_workbook(sept_master, date(2023, 10, 2), now=NOW)
    moved = [n for n in back.notes if n.code == "round_moved_back"]
    assert len(moved) == 1 and moved[0].location.sheet == "Settings"
    assert "moved back from 18 Dec 2023 to 2 Oct 2023" in moved[0].message
    assert "summary --as-at" in moved[0].message
    assert f'edi-xl round "{sept_master.name}" --start 2023-12-18' in moved[0].message


def _fiona_says(master: Path, tmp_path: Path, word: str) -> Path:
    """Fiona's return for 1.9 (overdue at AS_AT) saying ``word``, merged; the return."""
    from edi_xl.flows.merge import merge_returns
    from edi_xl.flows.owner_returns import make_owner_returns

    sent = make_owner_returns(master, tmp_path / "returns", AS_AT)
    fiona = next(f for f in sent.files if f.owner.startswith("Fiona"))
    wb = load_workbook(fiona.path)
    ws = wb["Your actions"]
    row = next(r for r in range(7, ws.max_row + 1) if ws.cell(r, 1).value == "1.9")
    ws.cell(row, 4).value = word
    wb.save(fiona.path)
    merge_returns(master, [fiona.path], as_at=AS_AT, now=datetime(2023, 12, 19, 10))
    return fiona.path


def _set_status(path: Path, action_id: str, word: str) -> None:
    wb = load_workbook(path)
    ws = wb["Action Plan"]
    col = next(c.column for c in ws[4] if c.value == "Status")
    ws.cell(
        next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value == action_id), col, word
    )
    wb.save(path)


def test_a_word_typed_since_the_owners_wins_over_it(master, tmp_path):
    """Fiona's At Risk came back once; HR then typed On Track; the due date came in (Red by
    the rule) and went out again: 1.9 goes back to On Track, the word the rule replaced, not
    to Fiona's old word (helper-59, session 16)."""
    _fiona_says(master, tmp_path, "At Risk")
    _set_due(master, "1.9", datetime(2024, 6, 30))
    refresh_workbook(master, AS_AT, now=datetime(2023, 12, 20))
    assert plan_rows(master)["1.9"]["Status"] == "At Risk"
    _set_status(master, "1.9", "On Track")  # typed in Excel: no Change Log line
    refresh_workbook(master, date(2024, 3, 18), now=datetime(2024, 3, 18, 10))
    _set_due(master, "1.9", datetime(2024, 2, 29))  # brought in: overdue, Red by the rule
    refresh_workbook(master, date(2024, 3, 18), now=datetime(2024, 3, 19, 10))
    assert plan_rows(master)["1.9"]["Status"] == "Exceeded Timescales"
    _set_due(master, "1.9", datetime(2024, 9, 30))
    refresh_workbook(master, date(2024, 3, 18), now=datetime(2024, 3, 20, 10))
    assert plan_rows(master)["1.9"]["Status"] == "On Track"


def test_the_owners_word_the_rule_did_not_let_stand_is_the_one_it_goes_back_to(master, tmp_path):
    """Fiona said At Risk for 1.9 while it was overdue: it stayed Red (the rule), and her word
    was logged; once its due date moves out, 1.9 goes back to At Risk, not to the On Track it
    had before the rule (helper-57, session 16); merging her return again logs nothing more."""
    from edi_xl.flows.merge import merge_returns
    from edi_xl.master.sheets import STATUS_NOT_APPLIED

    fiona = _fiona_says(master, tmp_path, "At Risk")
    assert plan_rows(master)["1.9"]["Status"] == "Exceeded Timescales"
    merge_returns(master, [fiona], as_at=AS_AT)  # again: nothing new to log
    log = list(load_workbook(master)["Change Log"].iter_rows(min_row=2, values_only=True))
    said = [(r[1], r[3], r[4]) for r in log if r[2] == STATUS_NOT_APPLIED]
    assert said == [("1.9", "Exceeded Timescales", "At Risk")]
    _set_due(master, "1.9", datetime(2024, 6, 30))
    result = refresh_workbook(master, AS_AT, now=datetime(2023, 12, 20))
    assert plan_rows(master)["1.9"]["Status"] == "At Risk"
    assert [n.action_id for n in result.notes if n.code == "no_longer_overdue"] == ["1.9"]


def test_a_change_log_sorted_newest_first_is_read_by_its_times(sept_master):
    """The rule made 1.9 Red, then an owner's return gave Red: with the log sorted newest
    first, the rule's line is the last row, the owner's the latest: the owner's Red stays
    (helper-56, session 16: it was set back to On Track)."""
    refresh_workbook(sept_master, AS_AT, now=NOW)  # the rule: 1.9 Red
    wb = load_workbook(sept_master)
    ws = wb["Change Log"]
    lines = [list(r) for r in ws.iter_rows(min_row=2, values_only=True)]
    owner_red = ["On Track", "Exceeded Timescales", "f.xlsx"]
    lines.append([NOW.replace(day=20), "1.9", "Status", *owner_red])
    lines.sort(key=lambda line: line[0], reverse=True)  # as a person sorts it, newest first
    for r, line in enumerate(lines, start=2):
        for c, value in enumerate(line, start=1):
            ws.cell(r, c).value = value
    wb.save(sept_master)
    _set_due(sept_master, "1.9", datetime(2024, 6, 30))
    result = refresh_workbook(sept_master, AS_AT, now=datetime(2023, 12, 21))
    assert plan_rows(sept_master)["1.9"]["Status"] == "Exceeded Timescales"
    assert not [n for n in result.notes if n.code == "no_longer_overdue"]
    assert [p.action_id for p in result.report.problems if p.code == "red_not_overdue"] == ["1.9"]


def test_words_after_a_status_word_in_the_master_are_said_and_logged(master):
    """2.1's Status typed "Complete - evidence on file": written "Complete" (the dropdown's
    word, coloured Blue), the note says so and the Change Log keeps the words (helper-61,
    session 16: nothing said where they went)."""
    _set_status(master, "2.1", "Complete - evidence on file")
    result = refresh_workbook(master, AS_AT, now=datetime(2023, 12, 19))
    assert plan_rows(master)["2.1"]["Status"] == "Complete"
    said = [n for n in result.notes if n.code == "status_words_logged"]
    assert [n.action_id for n in said] == ["2.1"]
    assert "'evidence on file' is kept on the Change Log" in said[0].message
    log = list(load_workbook(master)["Change Log"].iter_rows(min_row=2, values_only=True))
    assert ("2.1", "Status", "Complete - evidence on file", "Complete") in [r[1:5] for r in log]


def _plan_beside_a_table_of_its_own(path: Path) -> Path:
    """The seed's first six actions from column D, a table of the trust's own ("Item | Due
    Date", three rows, a fill of its own) left of them, column C empty between (helper-126's
    sweep: 22 of 291 corpus files placed so)."""
    header, rows = seed_rows()
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Action Plan"
    ws.append(["Item", "Due Date", None, *header[:9], "Update as at 18 Sep 23"])
    for k, row in enumerate(rows[:6]):
        side = [k + 1, datetime(2011, 2, 1 + k)] if k < 3 else [None, None]
        ws.append([*side, None, *row[:9], row[9] if len(row) > 9 else None])
    for r in range(1, 5):
        for c in (1, 2):
            ws.cell(r, c).fill = PatternFill("solid", fgColor="FFF2CC")
    wb.save(path)
    return path


def test_a_table_of_the_trusts_left_of_the_plan_is_neither_read_nor_written(tmp_path):
    """(helper-126) The other table's "Due Date" was read as the actions' (the first of two
    due-date columns): refresh set "Exceeded Timescales" on actions due in 2024 by its 2011
    dates, and missed the one overdue by the plan's; its "Item" was read as the numbers. The
    plan starts past the empty column: Status goes by the plan's own due dates, and the other
    table's cells stay as they were."""
    path = _plan_beside_a_table_of_its_own(tmp_path / "plan.xlsx")
    before = all_cells(path)
    result = refresh_workbook(path, AS_AT, now=NOW)
    assert [a.id for a in result.plan.actions] == ["1.4", "1.5", "1.8", "1.9", "1.11", "2.1"]
    assert {a.id: d for a, d in result.overdue} == {"1.9": 18}  # due 30 Nov 23, by the plan
    ws = load_workbook(path)["Action Plan"]
    status = {ws.cell(r, 4).value: ws.cell(r, 12).value for r in range(2, 8)}
    assert status == {
        **dict.fromkeys(["1.4", "1.5", "1.8", "1.11", "2.1"], "On Track"),
        "1.9": "Exceeded Timescales",
    }
    after = all_cells(path)
    side = {k: v for k, v in before.items() if k[0] == "Action Plan" and k[1][0] in "ABC"}
    assert side == {k: v for k, v in after.items() if k[0] == "Action Plan" and k[1][0] in "ABC"}
    assert ws["A2"].fill.fgColor.rgb == "00FFF2CC" and ws["A5"].fill.fill_type is None
    assert ws.auto_filter.ref is not None and ws.auto_filter.ref.startswith("D1:")
