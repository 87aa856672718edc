"""Merging a messy batch of owner returns into the master (issue 3, first part)."""

from __future__ import annotations

import csv
import json
import os
import shutil
import zipfile
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from click.testing import CliRunner
from conftest import AS_AT, all_cells, plan_rows, seed_rows
from openpyxl import Workbook, load_workbook

from edi_xl.cli import cli
from edi_xl.core.errors import EdiXlError
from edi_xl.core.problems import Code, Flag, Location, Severity
from edi_xl.flows.intake import read_returns
from edi_xl.flows.merge import merge_returns

ACTION_14 = (
    "Complete a review to work towards more diverse recruitment panels. This will focus "
    "on developing a work plan to develop appropriately trained staff and also develop a "
    "Trust approach and policy."
)


def text_cell(ws, ref, value):
    ws[ref] = value
    if isinstance(value, str):
        ws[ref].data_type = "s"


def save_xlsx(path: Path, rows: list[list], title_rows: int = 0, mtime: float | None = None):
    wb = Workbook()
    ws = wb.active
    for i in range(title_rows):
        ws.cell(i + 1, 1, f"Title line {i + 1}")
    for r, row in enumerate(rows, start=title_rows + 1):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(r, c)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"
    wb.save(path)
    if mtime:
        os.utime(path, (mtime, mtime))
    return path


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    folder = tmp_path / "returns"
    (folder / "Comms").mkdir(parents=True)
    # Jim: his own layout, title rows, renamed headers, "G"/"done", a formula-looking update,
    # an edit to a locked field, an unknown action, a word that is no status, an id typed as
    # a number
    save_xlsx(
        folder / "Jim Machon.xlsx",
        title_rows=2,
        rows=[
            ["Ref", "Action", "RAG", "Progress update", "Deadline"],
            ["1.4", ACTION_14, "G", '=HYPERLINK("http://evil.example","x")', "31-Mar-24"],
            [1.8, None, "done", "Audit completed in November", "30/06/2024"],
            ["9.9", "An action nobody sent", "G", "?", None],
            ["1.9", None, "Blocked", "Waiting for network chairs", None],
        ],
    )
    # Louanna: a CSV with a BOM in a subfolder, "delayed"
    with (folder / "Comms" / "louanna.csv").open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["#", "Status", "Comments"])
        writer.writerow(["2.1", "delayed", "Comms plan drafted (£2k budget)"])
    # Fiona: two versions of the same file; the newer wins
    save_xlsx(
        folder / "Fiona v1.xlsx",
        [["Action No", "Current status", "Latest update"], ["5.6", "Amber", "first draft"]],
        mtime=1_700_000_000,
    )
    save_xlsx(
        folder / "Fiona v2.xlsx",
        [["Action No", "Current status", "Latest update"], ["5.6", "Green", "final version"]],
        mtime=1_700_100_000,
    )
    # noise: a lock file, a hidden file, a Word document, a broken workbook, an instructions-only
    (folder / "~$Jim Machon.xlsx").write_bytes(b"lock")
    (folder / ".DS_Store").write_bytes(b"\0\0")
    from docx import Document

    Document().save(folder / "notes.docx")
    good = (folder / "Fiona v2.xlsx").read_bytes()
    (folder / "broken.xlsx").write_bytes(good[: len(good) // 2])
    save_xlsx(folder / "instructions.xlsx", [["Please fill in the form"], ["Thanks"]])
    return folder


def test_messy_batch(master, batch):
    result = merge_returns(master, [batch], as_at=AS_AT, now=datetime(2023, 12, 18, 10))
    outcomes = {f.file: (f.outcome, f.rows) for f in result.files}
    assert outcomes == {
        "Comms/louanna.csv": ("merged", 1),
        "Fiona v1.xlsx": ("superseded", 0),
        "Fiona v2.xlsx": ("merged", 1),
        "Jim Machon.xlsx": ("merged", 3),
        "broken.xlsx": ("rejected", 0),
        "instructions.xlsx": ("rejected", 0),
        "notes.docx": ("rejected", 0),
        "~$Jim Machon.xlsx": ("skipped", 0),
        ".DS_Store": ("skipped", 0),
    }
    reasons = {f.file: f.reason for f in result.files}
    assert "Word document" in reasons["notes.docx"]
    assert "no action table" in reasons["instructions.xlsx"]
    assert "lock file" in reasons["~$Jim Machon.xlsx"]
    kinds = sorted((f.kind, f.id, f.file) for f in result.flags)
    assert kinds == [
        ("invalid_status", "1.9", "Jim Machon.xlsx"),
        ("locked_field_changed", "1.8", "Jim Machon.xlsx"),  # the due date
        ("superseded", "5.6", "Fiona v1.xlsx"),
        ("unknown_action", "9.9", "Jim Machon.xlsx"),
    ]
    changes = {(c.id, c.field): c.new for c in result.changes}
    assert changes == {
        ("1.4", "update"): '=HYPERLINK("http://evil.example","x")',
        ("1.8", "status"): "Complete",
        ("1.8", "update"): "Audit completed in November",
        ("1.9", "update"): "Waiting for network chairs",
        ("2.1", "status"): "At Risk",
        ("2.1", "update"): "Comms plan drafted (£2k budget)",
        ("5.6", "update"): "final version",
    }
    rows = plan_rows(master)
    round_col = "Update as at 18 Dec 23"
    assert (
        rows["1.8"]["Status"] == "Complete" and rows["1.8"][round_col] == changes[("1.8", "update")]
    )
    assert rows["1.9"]["Status"] == "Exceeded Timescales"  # "Blocked" not applied
    assert rows["1.8"]["Due Date"] == datetime(2023, 12, 31)  # locked field not applied
    assert "9.9" not in rows
    # the earlier round is kept, the new round sits right after it, computed columns follow
    header = list(rows["1.4"])
    assert header[9:14] == [
        "Update as at 18 Sep 23",
        round_col,
        "Overdue",
        "Days overdue",
        "Problems",
    ]
    with zipfile.ZipFile(master) as z:
        assert "<f>" not in z.read("xl/worksheets/sheet1.xml").decode()
    log = list(load_workbook(master)["Change Log"].iter_rows(min_row=2, values_only=True))
    assert ("1.8", "Status", "On Track", "Complete", "Jim Machon.xlsx") in [r[1:] for r in log]
    returns = load_workbook(master)["Returns"]
    text = [[c.value for c in row] for row in returns.iter_rows()]
    assert any(r[0] == "Jim Machon, Associate Director of HR" and r[1] == "Yes" for r in text)
    assert any(
        r[0] == "Victoria Parsons, Associate Director of Corporate Governance" and r[1] == "No"
        for r in text
    )
    assert any(r[1] and str(r[1]).startswith("Dear Victoria Parsons") for r in text)
    assert result.needs_attention


def test_why_a_file_was_not_merged_is_a_coded_problem(master, batch):
    """Each file not merged carries a Problem (code, severity, the file) whose message is the
    reason printed and reported; the Returns sheet's flags read back as the merge's flags."""
    from edi_xl.master.round_record import read_record

    result = merge_returns(master, [batch], as_at=AS_AT, now=datetime(2023, 12, 18, 10))
    why = {
        f.file: (f.problem.code, f.problem.severity, f.problem.location.file)
        for f in result.files
        if f.problem is not None
    }
    assert why == {
        "Fiona v1.xlsx": (Code.SUPERSEDED, Severity.INFO, "Fiona v1.xlsx"),
        "broken.xlsx": (Code.UNREADABLE_FILE, Severity.ERROR, "broken.xlsx"),
        "instructions.xlsx": (Code.NO_ACTION_TABLE, Severity.ERROR, "instructions.xlsx"),
        "notes.docx": (Code.NOT_A_SPREADSHEET, Severity.ERROR, "notes.docx"),
        "~$Jim Machon.xlsx": (Code.OFFICE_LOCK_FILE, Severity.INFO, "~$Jim Machon.xlsx"),
        ".DS_Store": (Code.HIDDEN_FILE, Severity.INFO, ".DS_Store"),
    }
    assert all(f.reason == f.problem.message for f in result.files if f.problem)
    assert [f.reason for f in result.files if f.outcome == "merged"] == [None] * 3
    record = read_record(load_workbook(master))
    read_back = sorted((g.key, g.severity) for g in record.flags)  # the sheet: in file order
    assert read_back == sorted((g.key, g.severity) for g in result.flags)


def test_flags_are_problems_that_say_where_they_were_found(master, batch):
    """Each flag is a coded Problem with a severity and a location (file, sheet, row and,
    for one cell, its column); the --report JSON and the printed line stay as pinned."""
    result = merge_returns(master, [batch], as_at=AS_AT, now=datetime(2023, 12, 18, 10))
    by_kind = {f.kind: f for f in result.flags}
    where = {
        k: (f.severity, f.location.file, f.location.sheet, f.location.row, f.location.column)
        for k, f in by_kind.items()
    }
    assert where == {  # Jim's table starts under two title rows: 1.8 is row 5
        Code.INVALID_STATUS: (Severity.ERROR, "Jim Machon.xlsx", "Sheet", 7, "Status"),
        Code.LOCKED_FIELD_CHANGED: (Severity.WARNING, "Jim Machon.xlsx", "Sheet", 5, "Due Date"),
        Code.SUPERSEDED: (Severity.INFO, "Fiona v1.xlsx", "Sheet", 2, None),
        Code.UNKNOWN_ACTION: (Severity.ERROR, "Jim Machon.xlsx", "Sheet", 6, None),
    }
    assert by_kind[Code.INVALID_STATUS].problem.value == "Blocked"
    assert by_kind[Code.LOCKED_FIELD_CHANGED].problem.value == "30/06/2024"
    flag = by_kind[Code.UNKNOWN_ACTION]
    assert Flag.of(flag.problem) == flag
    assert flag.as_json() == {
        "id": "9.9",
        "file": "Jim Machon.xlsx",
        "kind": "unknown_action",
        "message": "sheet 'Sheet' row 6: id '9.9' is not in the master; not added",
    }
    assert type(flag.as_json()["kind"]) is str
    assert flag.line() == (
        "unknown_action: Jim Machon.xlsx (action 9.9): sheet 'Sheet' row 6: id '9.9' is not "
        "in the master; not added"
    )
    assert json.loads(json.dumps(result.report()))["flags"] == [f.as_json() for f in result.flags]
    with pytest.raises(ValueError, match="needs the file"):
        Flag.of(replace(flag.problem, location=Location(row=6)))


def test_rerunning_the_same_merge_changes_nothing_more(master, batch):
    merge_returns(master, [batch], as_at=AS_AT, now=datetime(2023, 12, 18, 10))
    before = all_cells(master)
    again = merge_returns(master, [batch], as_at=AS_AT, now=datetime(2023, 12, 18, 11))
    assert again.changes == []
    after = all_cells(master)
    assert {k: v for k, v in after.items() if k[0] != "Returns"} == {
        k: v for k, v in before.items() if k[0] != "Returns"
    }


def test_no_master_cell_outside_status_and_round_is_changed(master, batch):
    before = all_cells(master)
    merge_returns(master, [batch], as_at=AS_AT, now=datetime(2023, 12, 18, 10))
    after = all_cells(master)
    plan_before = {k: v for k, v in before.items() if k[0] == "Action Plan"}
    # columns K.. moved one right (the new round column J+1); map them back
    from openpyxl.utils import column_index_from_string, get_column_letter

    for (sheet, coord), value in plan_before.items():
        letters = coord.rstrip("0123456789")
        row = coord[len(letters) :]
        col = column_index_from_string(letters)
        moved = f"{get_column_letter(col + 1 if col >= 11 else col)}{row}"
        if col in (9, 11, 12, 13):  # Status and the computed columns are merge's/refresh's
            continue
        assert after[(sheet, moved)] == value, coord


def test_a_row_whose_text_is_an_action_the_master_has_no_number_for_is_flagged(tmp_path, master):
    """The master's action has no number (#): a return's row naming it by its text has nowhere
    to go (a merge keys each action by its number), and is flagged saying so; the merge went
    on and crashed (KeyError, helper-126)."""
    from conftest import edit_workbook

    def add_unnumbered(wb):
        ws = wb["Action Plan"]
        ws.append([None, "T", "Publish the network charters", None, None, "Jo", None,
                   "31-Mar-24", "On Track"])  # fmt: skip

    edit_workbook(master, add_unnumbered)
    before = all_cells(master)
    folder = tmp_path / "r"
    folder.mkdir()
    save_xlsx(
        folder / "jo.xlsx",
        [["#", "Action", "Status", "Update"], [None, "Publish the network charters", "A", "x"]],
    )
    result = merge_returns(master, [folder], as_at=AS_AT)
    assert [(f.kind, f.location.row) for f in result.flags] == [("action_without_id", 2)]
    assert "'Publish the network charters' has no action number (#) in the master" in (
        result.flags[0].message
    )
    assert result.changes == []
    after = all_cells(master)

    def trusts(cells):  # (the plan's own columns, A to J: edi_xl's grey ones are worked out)
        return {k: v for k, v in cells.items() if k[0] == "Action Plan" and k[1][0] <= "J"}

    assert trusts(after) == trusts(before)


def test_a_row_naming_an_action_exactly_matches_it_beside_a_near_twin(tmp_path, master):
    """A return whose "#" column the owner deleted is matched by its actions' texts. The
    plan's "Publish the WRES report and action plan" and "Publish the WDES report and action
    plan" are within the margin of each other: a row naming either exactly matched neither
    ("not in the master", found by a sweep of owners' edits to a return, session 24). The same
    text wins; a text near both and the same as neither still matches neither."""
    _add_actions(master, [("9.1", "Publish the WRES report and action plan", "Jo"),
                          ("9.2", "Publish the WDES report and action plan", "Jo")])  # fmt: skip
    folder = tmp_path / "r"
    folder.mkdir()
    save_xlsx(
        folder / "jo.xlsx",
        [
            ["Action", "Status", "Update"],
            ["Publish the WDES  report and action plan", "Complete", "On the website"],
            ["publish the WRES report and action plan", "At Risk", "Board in May"],
            ["Publish the WXES report and action plan", "Complete", "Which one?"],
        ],
    )
    result = merge_returns(master, [folder], as_at=AS_AT)
    changed = {(c.id, c.field): c.new for c in result.changes}
    assert changed[("9.2", "status")] == "Complete" and changed[("9.2", "update")] == (
        "On the website"
    )
    assert changed[("9.1", "status")] == "At Risk"
    # (the text in another case is said, as any change to a locked cell is; the near one too)
    assert sorted((f.kind, f.location.row) for f in result.flags) == [
        ("locked_field_changed", 3),
        ("unknown_action", 4),
    ]


def test_ambiguous_number_id_resolved_by_text_or_flagged(tmp_path, master):
    from conftest import edit_workbook

    def add_110(wb):  # the master gets 1.1 and 1.10
        ws = wb["Action Plan"]
        ws.append(
            [
                "1.1",
                "T",
                "Write the recruitment policy",
                None,
                None,
                "Jo",
                None,
                "31-Mar-24",
                "On Track",
            ]
        )
        ws.append(
            [
                "1.10",
                "T",
                "Train interview panels in fair selection",
                None,
                None,
                "Jo",
                None,
                "31-Mar-24",
                "On Track",
            ]
        )

    edit_workbook(master, add_110)
    folder = tmp_path / "r"
    folder.mkdir()
    save_xlsx(
        folder / "jo.xlsx",
        [
            ["#", "Action", "Status"],
            [1.1, "Train interview panels in fair selection", "A"],
            [1.1, None, "R"],
        ],
    )
    result = merge_returns(master, [folder], as_at=AS_AT)
    assert [(c.id, c.field, c.new) for c in result.changes] == [("1.10", "status", "At Risk")]
    assert [(f.kind, f.id) for f in result.flags] == [("ambiguous_id", "1.1")]


def test_cli_merge_report_shape_and_exit_code(master, batch, tmp_path):
    report = tmp_path / "report.json"
    result = CliRunner().invoke(
        cli, ["merge", str(master), str(batch), "--as-at", "2023-12-18", "--report", str(report)]
    )
    assert result.exit_code == 1, result.output
    doc = json.loads(report.read_text())
    assert set(doc) == {"as_at", "files", "changes", "flags"}
    assert doc["as_at"] == "2023-12-18"
    assert set(doc["files"][0]) == {"file", "outcome", "reason", "owner", "rows"}
    assert set(doc["changes"][0]) == {"id", "field", "old", "new", "file"}
    assert set(doc["flags"][0]) == {"id", "file", "kind", "message"}
    assert "unknown_action" in result.output


def test_clean_merge_exits_0(master, tmp_path):
    folder = tmp_path / "r"
    folder.mkdir()
    save_xlsx(folder / "jim.xlsx", [["#", "Status", "Update"], ["1.4", "G", "All good"]])
    result = CliRunner().invoke(cli, ["merge", str(master), str(folder), "--as-at", "2023-12-18"])
    assert result.exit_code == 0, result.output
    assert plan_rows(master)["1.4"]["Update as at 18 Dec 23"] == "All good"


# --- what the hidden record of an edi_xl return tells the merge ------------------------------


def _sent_and_edited(master, tmp_path, edit):
    """Returns made from the master, then ``edit(ws, rows_by_id)`` on Jim's return."""
    from edi_xl.flows.owner_returns import make_owner_returns

    sent = make_owner_returns(master, tmp_path / "returns", AS_AT)
    jim = next(f for f in sent.files if f.owner.startswith("Jim Machon"))
    wb = load_workbook(jim.path)
    ws = wb["Your actions"]
    rows = {ws.cell(r, 1).value: r for r in range(7, ws.max_row + 1) if ws.cell(r, 1).value}
    edit(ws, rows)
    wb.save(jim.path)
    return jim


def test_an_action_on_two_rows_of_one_return_says_so_and_quotes_the_row_not_taken(master, tmp_path):
    """An owner copies the row of 1.4 to the foot of their return and writes other words in
    each; 1.8 is copied as it is. The last row is taken, and the other's words are quoted in
    a flag naming both rows (helper-99, session 20: the lower row won silently, flagged "a
    newer return (<the same file>) updates action 1.4")."""

    def copy_rows(ws, rows):
        ws.cell(rows["1.4"], 4).value = "Amber"
        ws.cell(rows["1.4"], 6).value = "Waiting on data from BI"
        ws.cell(rows["1.8"], 6).value = "Analysis started"
        for action, status, update in (
            ("1.4", "Green", "Data arrived; back on track"),
            ("1.8", None, "Analysis started"),
        ):
            row = ws.max_row + 1
            for col in range(1, 6):
                ws.cell(row, col).value = ws.cell(rows[action], col).value
            ws.cell(row, 4).value = status or ws.cell(rows[action], 4).value
            ws.cell(row, 6).value = update

    jim = _sent_and_edited(master, tmp_path, copy_rows)
    result = merge_returns(master, [jim.path], as_at=AS_AT)
    assert result.files[0].outcome == "merged"
    assert plan_rows(master)["1.4"]["Update as at 18 Dec 23"] == "Data arrived; back on track"
    assert [f.kind for f in result.flags if f.kind is Code.SUPERSEDED] == []
    (two,) = [f for f in result.flags if f.kind is Code.ACTION_ON_TWO_ROWS]
    wb = load_workbook(jim.path)
    first, last = (
        r for r in range(7, wb.active.max_row + 1) if wb.active.cell(r, 1).value == "1.4"
    )
    assert (two.id, two.location.row) == ("1.4", first)
    assert two.message == (
        f"sheet 'Your actions' row {first}: action 1.4 is on rows {first} and {last} of this "
        f"return, with other words: row {last}'s were taken (the last), this row's were not: "
        "Status 'Amber', update 'Waiting on data from BI'. Check with the owner which is meant"
    )


def test_a_return_from_another_master_or_round_is_flagged(master, tmp_path):
    jim = _sent_and_edited(master, tmp_path, lambda ws, rows: ws.cell(rows["1.4"], 6, "ok"))
    other = tmp_path / "last year's plan.xlsx"
    master.rename(other)
    result = merge_returns(other, [jim.path], as_at=datetime(2024, 3, 18).date())
    kinds = {f.kind: f.message for f in result.flags}
    assert set(kinds) == {"other_master", "other_round"}
    assert "made from 'master.xlsx', not \"last year's plan.xlsx\"" in kinds["other_master"]
    assert "as at 18 Dec 2023" in kinds["other_round"] and "18 Mar 2024" in kinds["other_round"]
    assert [(c.id, c.field, c.new) for c in result.changes] == [("1.4", "update", "ok")]
    assert result.files[0].owner == jim.owner


def test_a_return_whose_hidden_record_is_damaged_is_flagged_and_still_merged(master, tmp_path):
    """Someone typed over the hidden record of what was sent: the merge says so (its rows are
    then matched by number and text) and still takes the owner's update."""
    jim = _sent_and_edited(master, tmp_path, lambda ws, rows: ws.cell(rows["1.4"], 6, "ok"))
    wb = load_workbook(jim.path)
    record = wb["_edi_xl"]
    version = next(r for r in range(1, 20) if record.cell(r, 1).value == "version")
    record.cell(version, 2).value = "two"
    wb.save(jim.path)
    result = merge_returns(master, [jim.path], as_at=AS_AT)
    damaged = [f for f in result.flags if f.kind == "return_record_damaged"]
    assert len(damaged) == 1 and damaged[0].problem.location.sheet == "_edi_xl"
    assert "cannot be read in full (version: cannot read 'two')" in damaged[0].message
    assert [(c.id, c.field, c.new) for c in result.changes] == [("1.4", "update", "ok")]


def test_the_master_backup_counts_as_the_same_master(master, tmp_path):
    jim = _sent_and_edited(master, tmp_path, lambda ws, rows: ws.cell(rows["1.4"], 6, "ok"))
    backup = tmp_path / "master.backup.xlsx"
    master.rename(backup)
    result = merge_returns(backup, [jim.path], as_at=AS_AT)
    assert result.flags == []


def test_a_row_taken_out_of_a_return_is_flagged(master, tmp_path):
    def remove_18(ws, rows):
        ws.delete_rows(rows["1.8"])

    jim = _sent_and_edited(master, tmp_path, remove_18)
    result = merge_returns(master, [jim.path], as_at=AS_AT)
    assert [(f.kind, f.id) for f in result.flags] == [("row_removed", "1.8")]


def test_status_changed_in_the_master_after_sending_is_flagged(master, tmp_path):
    from conftest import edit_workbook

    jim = _sent_and_edited(master, tmp_path, lambda ws, rows: ws.cell(rows["1.4"], 4, "Complete"))

    def hr_edit(wb):  # HR set 1.4 to At Risk after the returns went out
        ws = wb["Action Plan"]
        row = next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value == "1.4")
        ws.cell(row, 9).value = "At Risk"

    edit_workbook(master, hr_edit)
    result = merge_returns(master, [jim.path], as_at=AS_AT)
    assert [(f.kind, f.id) for f in result.flags] == [("changed_since_sent", "1.4")]
    assert (
        "was 'On Track' when this return was sent and is now 'At Risk'" in result.flags[0].message
    )
    assert [(c.id, c.field, c.old, c.new) for c in result.changes] == [
        ("1.4", "status", "At Risk", "Complete")
    ]
    again = merge_returns(master, [jim.path], as_at=AS_AT)  # nothing left to change: no flag
    assert again.flags == [] and again.changes == []


def _hr_sets_14_at_risk(master):
    """HR set 1.4 to At Risk in the master after the returns went out."""
    from conftest import edit_workbook

    def hr_edit(wb):
        ws = wb["Action Plan"]
        row = next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value == "1.4")
        ws.cell(row, 9).value = "At Risk"

    edit_workbook(master, hr_edit)


def test_a_status_changed_since_sent_and_overridden_is_not_said_to_be_applied(master, tmp_path):
    """HR set 1.4 to At Risk after the returns went out; Jim's return, saved after 1.4's due
    date passed, says On Track. The overdue rule keeps 1.4 Red: changed_since_sent says so and
    what the master holds, not that Jim's On Track "is applied" (helper-84, session 19: one
    flag said applied, status_overridden said it stays Red)."""
    jim = _sent_and_edited(master, tmp_path, lambda ws, rows: ws.cell(rows["1.4"], 6, "ok"))
    _hr_sets_14_at_risk(master)
    later = datetime(2024, 4, 18).date()  # 1.4 is due 31 Mar 2024
    result = merge_returns(master, [jim.path], as_at=later)
    kinds = {f.kind: f.message for f in result.flags if f.id == "1.4"}
    assert {"changed_since_sent", "status_overridden"} <= set(kinds)
    held = plan_rows(master)["1.4"]["Status"]
    assert held != "On Track"
    said = kinds["changed_since_sent"]
    assert "is applied" not in said
    assert f"'On Track' is not applied: the due date has passed, so the master holds {held!r}" in (
        said
    )
    assert f"stays {held}" in kinds["status_overridden"]


def test_a_status_changed_since_sent_in_a_superseded_return_is_not_said_applied(master, tmp_path):
    """Two returns from Jim after HR set 1.4 to At Risk, both saying 1.4 is Complete: the
    newer one's Status is applied and said so; the older one's changed_since_sent says it was
    not applied (a newer return was taken) and what the master holds, as its superseded flag
    does (helper-84, session 19: it said "is applied")."""

    def edit(ws, rows):
        ws.cell(rows["1.4"], 4, "Complete")
        ws.cell(rows["1.4"], 6, "first")

    jim = _sent_and_edited(master, tmp_path, edit)
    older = jim.path.with_name("Jim v1.xlsx")
    jim.path.rename(older)
    wb = load_workbook(older)
    wb["Your actions"].cell(7, 6, "second")
    newer = older.with_name("Jim v2.xlsx")
    wb.save(newer)
    _hr_sets_14_at_risk(master)
    result = merge_returns(master, [older, newer], as_at=AS_AT)
    since = {f.file: f.message for f in result.flags if f.kind == "changed_since_sent"}
    assert set(since) == {"Jim v1.xlsx", "Jim v2.xlsx"}
    assert "the return's 'Complete' is applied" in since["Jim v2.xlsx"]
    assert "is applied" not in since["Jim v1.xlsx"]
    assert (
        "is not applied: a newer return (Jim v2.xlsx) was taken for this action, and the "
        "master holds 'Complete'" in since["Jim v1.xlsx"]
    )
    assert ("superseded", "Jim v1.xlsx") in {(f.kind, f.file) for f in result.flags}
    assert plan_rows(master)["1.4"]["Status"] == "Complete"


def test_text_in_columns_merge_does_not_read_is_flagged(master, tmp_path):
    def add_columns(ws, rows):
        ws.cell(6, 7, "Comments")
        ws.cell(rows["1.4"], 7, "panel training booked for May")
        ws.cell(6, 8, "Risks")
        ws.cell(rows["1.8"], 8, "auditor off sick")
        ws.cell(rows["1.4"], 6, "on track")

    jim = _sent_and_edited(master, tmp_path, add_columns)
    result = merge_returns(master, [jim.path], as_at=AS_AT)
    messages = [(f.kind, f.id, f.message) for f in result.flags]
    assert messages == [
        (
            "column_not_read",
            None,
            "sheet 'Your actions' column G 'Comments': 1 value not read: "
            "only the Status and the update are taken from returns",
        ),
        (
            "column_not_read",
            None,
            "sheet 'Your actions' column H 'Risks': 1 value not read: "
            "only the Status and the update are taken from returns",
        ),
    ]
    assert [(c.id, c.field, c.new) for c in result.changes] == [("1.4", "update", "on track")]
    where = [(f.location.sheet, f.location.row, f.location.column) for f in result.flags]
    ws = load_workbook(jim.path)["Your actions"]
    rows = {ws.cell(r, 1).value: r for r in range(7, ws.max_row + 1) if ws.cell(r, 1).value}
    assert where == [
        ("Your actions", rows["1.4"], "Comments"),
        ("Your actions", rows["1.8"], "Risks"),
    ]


def test_text_typed_over_the_last_update_is_flagged_as_a_due_date_is(master, tmp_path):
    """The owner wrote their update over the locked "Last update" (the update sent), and
    changed 1.8's due date: both flagged, neither applied (helper-53, session 16: the Last
    update was dropped without a word). A clean copy (normalise) keeps it, and merges alike."""
    from edi_xl.flows.normalise import normalise_returns

    def edit(ws, rows):
        ws.cell(rows["1.4"], 5, "Policy approved at Board")
        ws.cell(rows["1.8"], 3, "30/06/2024")

    jim = _sent_and_edited(master, tmp_path, edit)
    (tmp_path / "twin").mkdir()
    twin = tmp_path / "twin" / master.name  # (the master the return names)
    twin.write_bytes(master.read_bytes())
    result = merge_returns(master, [jim.path], as_at=AS_AT)
    flags = {(f.kind, f.id, f.location.column): f.message for f in result.flags}
    assert set(flags) == {
        ("locked_field_changed", "1.4", "Last update"),
        ("locked_field_changed", "1.8", "Due Date"),
    }
    last = flags[("locked_field_changed", "1.4", "Last update")]
    assert "to 'Policy approved at Board'; not applied" in last
    assert "If it is this round's update, copy it into the master's update column" in last
    assert result.changes == []
    normalise_returns([jim.path], tmp_path / "clean", as_at=AS_AT)
    clean = merge_returns(twin, [tmp_path / "clean"], as_at=AS_AT)
    assert sorted((f.kind, f.id, f.location.column) for f in clean.flags) == sorted(flags)


@pytest.mark.parametrize(
    ("status_header", "update_header"),
    [
        ("Status", "My notes"),
        ("RAG", "Progress comments"),
        ('=HYPERLINK("x")', "+cmd|' /C calc'!A0"),
    ],
)
def test_a_renamed_update_header_is_read_by_its_place_never_the_last_update(
    master, tmp_path, status_header, update_header
):
    """Jim renamed the update column's header (and the Status's): his updates are read from
    the column sent as the update, by its place (the return's hidden record), flagged
    ``header_renamed``; the locked Last update (last round's text) is never taken as this
    round's update (helper-62, session 17: last round's text was written into the master as
    Jim's, his own text flagged column_not_read, and he was not chased)."""

    def edit(ws, rows):
        text_cell(ws, "D6", status_header)
        text_cell(ws, "F6", update_header)
        ws.cell(rows["1.4"], 4, "Amber")
        ws.cell(rows["1.4"], 6, "real update for 1.4")

    jim = _sent_and_edited(master, tmp_path, edit)
    result = merge_returns(master, [jim.path], as_at=AS_AT)
    assert [(c.id, c.field, c.new) for c in result.changes] == [
        ("1.4", "status", "At Risk"),
        ("1.4", "update", "real update for 1.4"),
    ]
    renamed = {f.location.column: f for f in result.flags if f.kind == "header_renamed"}
    assert "Update as at 18 Dec 23" in renamed
    said = renamed["Update as at 18 Dec 23"].message
    assert f"the header {update_header!r} was sent as 'Update as at 18 Dec 23'" in said
    assert "read as this round's update by its place" in said
    assert ("Status" in renamed) is (status_header == '=HYPERLINK("x")')
    assert not [f for f in result.flags if f.kind in ("column_not_read", "locked_field_changed")]
    assert [f.outcome for f in result.files] == ["merged"]


@pytest.mark.parametrize("added", ["Comments", "Notes", "Update notes"])
def test_a_renamed_update_column_beside_an_added_note_column_is_still_the_update(
    master, tmp_path, added
):
    """Jim renamed the update column's header ("My notes") and added a column of his own
    headed "Comments" for one remark: the column sent as the update is his update, found by
    its place, and his remark is said as a column not read. Before (helper-165, session 31),
    the added column, headed as a note, was taken as the update: his remark was written into
    the master as 1.4's update, his three updates were only said as a column not read, and
    the Returns sheet showed him as having returned."""

    def edit(ws, rows):
        text_cell(ws, "F6", "My notes")
        text_cell(ws, "G6", added)
        for action in ("1.4", "1.5", "1.8"):
            ws.cell(rows[action], 6, f"real update for {action}")
        ws.cell(rows["1.4"], 7, "evidence on SharePoint")

    jim = _sent_and_edited(master, tmp_path, edit)
    result = merge_returns(master, [jim.path], as_at=AS_AT)
    assert sorted((c.id, c.field, c.new) for c in result.changes) == [
        ("1.4", "update", "real update for 1.4"),
        ("1.5", "update", "real update for 1.5"),
        ("1.8", "update", "real update for 1.8"),
    ]
    renamed = [f for f in result.flags if f.kind == "header_renamed"]
    assert len(renamed) == 1 and "'My notes'" in renamed[0].message
    not_read = [f for f in result.flags if f.kind == "column_not_read"]
    assert [f.location.column for f in not_read] == [added]
    assert "column G" in not_read[0].message and "1 value not read" in not_read[0].message
    assert [f.outcome for f in result.files] == ["merged"]


def _inserted_rag_before_the_update(ws, rows):
    ws.insert_cols(6)
    text_cell(ws, "F6", "RAG")
    text_cell(ws, "G6", "Update")
    for action in ("1.4", "1.5", "1.8"):
        ws.cell(rows[action], 6, "Green")
        ws.cell(rows[action], 7, f"real update for {action}")


def _deleted_due_date_and_added_evidence(ws, rows):
    ws.delete_cols(3)  # (the Status now in C, the Last update in D, the update in E)
    text_cell(ws, "E6", "Comments")
    text_cell(ws, "F6", "Evidence")
    for action in ("1.4", "1.5", "1.8"):
        ws.cell(rows[action], 5, f"real update for {action}")
    ws.cell(rows["1.4"], 6, "https://sharepoint/evidence")


def _update_renamed_as_an_update_beside_comments(ws, rows):
    text_cell(ws, "F6", "Progress update")
    text_cell(ws, "G6", "Comments")
    for action in ("1.4", "1.5", "1.8"):
        ws.cell(rows[action], 6, f"real update for {action}")
    ws.cell(rows["1.4"], 7, "https://sharepoint/evidence")


@pytest.mark.parametrize(
    "edit",
    [
        _inserted_rag_before_the_update,
        _deleted_due_date_and_added_evidence,
        _update_renamed_as_an_update_beside_comments,
    ],
)
def test_the_update_moved_or_renamed_beside_other_columns_is_still_the_update(
    master, tmp_path, edit
):
    """The column at the update's place as sent is the update only where the columns
    before it are where they were sent, and beside a remark column alone (helper-166: a
    column inserted before the update, "RAG", was read as it, its "Green" written as every
    update; with the Due Date deleted, an "Evidence" column added at the update's old place
    was); and a "Comments" column beside one headed as an update ("Progress update") is a
    remark, not the update (its link was taken as 1.4's update, and the three updates said
    as a column not read)."""
    jim = _sent_and_edited(master, tmp_path, edit)
    result = merge_returns(master, [jim.path], as_at=AS_AT)
    assert sorted((c.id, c.new) for c in result.changes if c.field == "update") == [
        ("1.4", "real update for 1.4"),
        ("1.5", "real update for 1.5"),
        ("1.8", "real update for 1.8"),
    ]
    assert not [f for f in result.flags if f.kind == "header_renamed" and "'RAG'" in f.message]


def test_a_deleted_last_update_moves_the_update_it_renames_nothing(master, tmp_path):
    """Jim deleted the Last update column, his update moving into its place: the first
    version read it by that place as the Last update, and all his updates were lost
    (helper-73, session 17). A column headed as another column of the return is that column,
    wherever it now is."""

    def drop_last_update(ws, rows):
        ws.cell(rows["1.4"], 6, "real update for 1.4")
        ws.delete_cols(5)

    jim = _sent_and_edited(master, tmp_path, drop_last_update)
    result = merge_returns(master, [jim.path], as_at=AS_AT)
    assert [(c.id, c.field, c.new) for c in result.changes] == [
        ("1.4", "update", "real update for 1.4")
    ]
    assert not [f for f in result.flags if f.kind == "header_renamed"]


def _filled_without_numbers(filled: dict[str, tuple[str, str]]) -> Any:
    """An edit of a return (for :func:`_sent_and_edited`): each action of ``filled`` given its
    (Status, update), then the "#" column deleted."""

    def edit(ws, rows):
        for action, (status, update) in filled.items():
            ws.cell(rows[action], 4, status)
            ws.cell(rows[action], 6, update)
        ws.delete_cols(1)

    return edit


def test_a_deleted_number_column_is_matched_by_text_and_no_row_said_removed(master, tmp_path):
    """Jim deleted the "#" column of the return edi_xl sent him: his rows are matched by their
    actions' texts, and none of them is said to be "sent in this return but not in it any
    more" (each was, once the exact text matched: a sweep of owners' edits, session 24). 1.5
    has no action text in the plan: its row, with neither, cannot be matched, and says so."""

    jim = _sent_and_edited(
        master, tmp_path, _filled_without_numbers({"1.4": ("Complete", "panels in place")})
    )
    result = merge_returns(master, [jim.path], as_at=AS_AT)
    assert sorted((c.id, c.field, c.new) for c in result.changes) == [
        ("1.4", "status", "Complete"),
        ("1.4", "update", "panels in place"),
    ]
    assert sorted((f.kind, f.id or f.location.row) for f in result.flags) == [
        ("no_id", 8),
        ("row_removed", "1.5"),
    ]


def _add_actions(master: Path, rows: list[tuple[str, str, str]]) -> None:
    """The master's plan given actions ``rows``: (number, action, owner) each."""
    from conftest import edit_workbook

    def add(wb):
        for number, action, owner in rows:
            wb["Action Plan"].append(
                [number, "T", action, None, None, owner, None, "31-Mar-24", "On Track"]
            )

    edit_workbook(master, add)


JIM_MACHON = "Jim Machon, Associate Director of HR"
OTHER_OWNER = "Fiona MacDonald, Director of Culture & OD"


def test_a_number_deleted_from_rows_of_shared_texts_is_found_from_what_was_sent(master, tmp_path):
    """Jim's 9.3 and 9.4 and another owner's 9.5 all say "Review progress". Jim deletes the
    "#" column and fills in 9.3 and 9.4: each row is matched among the actions sent to him,
    the two alike told apart by the rows they were sent in (helper-141, session 24: neither
    was matched, said "not in the master", and the return was "unchanged"). A return not made
    by edi_xl, with no record, says the text is several actions' and takes nothing."""
    _add_actions(master, [("9.3", "Review progress", JIM_MACHON),
                          ("9.4", "Review progress", JIM_MACHON),
                          ("9.5", "Review progress", OTHER_OWNER)])  # fmt: skip

    filled = {"9.3": ("Complete", "9.3 done"), "9.4": ("At Risk", "9.4 late")}
    jim = _sent_and_edited(master, tmp_path, _filled_without_numbers(filled))
    result = merge_returns(master, [jim.path], as_at=AS_AT)
    assert sorted((c.id, c.field, c.new) for c in result.changes) == [
        ("9.3", "status", "Complete"), ("9.3", "update", "9.3 done"),
        ("9.4", "status", "At Risk"), ("9.4", "update", "9.4 late"),
    ]  # fmt: skip
    assert not [f for f in result.flags if f.kind == "unknown_action"]

    folder = tmp_path / "foreign"
    folder.mkdir()
    save_xlsx(
        folder / "someone.xlsx",
        [["#", "Action", "Status"], [None, "Review progress", "Complete"],
         ["9.9", "Review progress", "Complete"]],
    )  # fmt: skip
    result = merge_returns(master, [folder], as_at=AS_AT)
    assert result.changes == []
    assert [f.message for f in result.flags] == [
        "sheet 'Sheet' row 2: the action 'Review progress', with no action number, is the "
        "text of several actions of the master (9.3, 9.4, 9.5): nothing in the row tells "
        "which; not taken (put its action number back)",
        "sheet 'Sheet' row 3: id '9.9' is not in the master; not added",
    ]


def test_a_row_whose_number_is_gone_and_text_changed_is_said_taken_for_the_action(master, tmp_path):
    """Jim deletes the row of 1.8 and adds one with no number, worded close to 1.8's: it is
    taken for 1.8 (the nearest text), and that is said of the row, not that 1.8 is gone and
    nothing was taken (helper-141)."""

    def replace_row(ws, rows):
        text = ws.cell(rows["1.8"], 2).value
        ws.delete_rows(rows["1.8"])
        new = ws.max_row + 1
        ws.cell(new, 2, text.rstrip(". ") + " for nurses too.")
        ws.cell(new, 6, "proposed")

    jim = _sent_and_edited(master, tmp_path, replace_row)
    result = merge_returns(master, [jim.path], as_at=AS_AT)
    assert [(c.id, c.field) for c in result.changes] == [("1.8", "update")]
    removed = [f for f in result.flags if f.kind == "row_removed"]
    assert [(f.id, f.location.row) for f in removed] == [("1.8", 9)]
    assert "this row, the nearest to it, was taken for it; check it is that action" in (
        removed[0].message
    )


def test_an_id_excel_made_a_number_is_told_by_its_exact_text(master, tmp_path):
    """ "8.10" typed, Excel kept 8.1: of 8.1 and 8.10, whose texts differ by one character, the
    one whose text the row has is taken (helper-141: "the action text does not tell which")."""
    _add_actions(master, [("8.1", "Review progress (action 1)", JIM_MACHON),
                          ("8.10", "Review progress (action 10)", JIM_MACHON)])  # fmt: skip
    folder = tmp_path / "r"
    folder.mkdir()
    save_xlsx(
        folder / "Jim Machon.xlsx",
        [["#", "Action", "Status", "Update"],
         [8.1, "Review progress (action 10)", "Complete", "meant 8.10"]],
    )  # fmt: skip
    result = merge_returns(master, [folder], as_at=AS_AT)
    assert sorted((c.id, c.field, c.new) for c in result.changes) == [
        ("8.10", "status", "Complete"), ("8.10", "update", "meant 8.10")
    ]  # fmt: skip


def test_a_deleted_last_update_and_a_renamed_update_header_are_read(master, tmp_path):
    """Jim deleted the Last update column and headed his update "My notes": the column in
    the Last update's place was read as the locked Last update (every row "changed", the file
    "unchanged", Jim chased for a return he had sent: helper-74, session 17). The update's
    place holds nothing: the column before it moved there is the update, its header renamed."""

    def edit(ws, rows):
        ws.delete_cols(5)
        text_cell(ws, "E6", "My notes")
        ws.cell(rows["1.4"], 5, "real update for 1.4")

    jim = _sent_and_edited(master, tmp_path, edit)
    result = merge_returns(master, [jim.path], as_at=AS_AT)
    assert [(c.id, c.field, c.new) for c in result.changes] == [
        ("1.4", "update", "real update for 1.4")
    ]
    assert not [f for f in result.flags if f.kind == "locked_field_changed"]
    renamed = [f for f in result.flags if f.kind == "header_renamed"]
    assert len(renamed) == 1 and "'My notes'" in renamed[0].message
    assert [f.outcome for f in result.files] == ["merged"]


def test_a_deleted_status_moves_the_last_update_it_is_no_status(master, tmp_path):
    """Jim deleted the Status column, the Last update moving into its place: the first
    version read last round's text there as his Status ("Amber: ..." made it At Risk)
    (helper-73, session 17)."""
    status = plan_rows(master)["1.5"]["Status"]

    def drop_status(ws, rows):
        ws.cell(rows["1.5"], 5, "Amber: last round's words")  # (as last round's text reads)
        ws.cell(rows["1.5"], 6, "update for 1.5")
        ws.delete_cols(4)

    jim = _sent_and_edited(master, tmp_path, drop_status)
    result = merge_returns(master, [jim.path], as_at=AS_AT)
    assert plan_rows(master)["1.5"]["Status"] == status
    assert ("1.5", "update", "update for 1.5") in [(c.id, c.field, c.new) for c in result.changes]
    assert not [c for c in result.changes if c.field == "status"]
    # one word for the file, not "the Status was emptied" for every row (helper-74)
    kinds = [f.kind for f in result.flags]
    assert kinds.count("status_column_missing") == 1 and "status_cleared" not in kinds


def test_a_status_column_of_the_owners_left_of_the_status_is_not_merged(master, tmp_path):
    """Jim inserts an "Overall status" column of his own left of the return's Status: his
    Status is merged, his own column is not (helper-136: once "Overall status" was a status
    header, the first of the two was read and his Status reported not read)."""

    def own_column(ws, rows):
        ws.insert_cols(4)
        header = next(r for r in range(1, 8) if ws.cell(r, 5).value == "Status")
        ws.cell(header, 4, "Overall status")
        for row in rows.values():
            ws.cell(row, 4, "On track overall")
        ws.cell(rows["1.4"], 5, "Complete")

    jim = _sent_and_edited(master, tmp_path, own_column)
    result = merge_returns(master, [jim.path], as_at=AS_AT)
    assert [(c.id, c.new) for c in result.changes if c.field == "status"] == [("1.4", "Complete")]
    assert plan_rows(master)["1.4"]["Status"] == "Complete"
    # his own column's words are not merged, and he is told so
    (not_read,) = [f for f in result.flags if f.kind is Code.COLUMN_NOT_READ]
    assert "'Overall status'" in not_read.message, not_read.message


def test_a_last_update_column_is_never_the_update(master, tmp_path):
    """A return with no hidden record whose only update-like column is headed "Last update":
    nothing is taken from it as this round's update (it is the update sent, locked)."""
    path = save_xlsx(
        tmp_path / "jim.xlsx",
        [["#", "Status", "Last update", "My notes"], ["1.4", "Amber", "last round's", "mine"]],
    )
    result = merge_returns(master, [path], as_at=AS_AT)
    assert [(c.id, c.field, c.new) for c in result.changes] == [("1.4", "status", "At Risk")]
    assert plan_rows(master)["1.4"]["Update as at 18 Dec 23"] is None
    # ("My notes" is not read; the Last update is compared with the master's, as sent)
    assert sorted(f.kind for f in result.flags) == ["column_not_read", "locked_field_changed"]


def test_a_return_of_far_more_rows_than_were_sent_is_read_up_to_a_limit(master, tmp_path):
    """Jim was sent 3 actions and his return came back with 150 more rows (a table pasted
    in): it is read up to 100 rows (10 for each action sent, at least 100), the rest said in
    one flag naming the file, the sheet and the rows, and his own update is merged
    (helper-62, session 17: 200,000 such rows stalled the whole batch for more than ten
    minutes, 1.6 GB, nothing merged)."""

    def edit(ws, rows):
        ws.cell(rows["1.4"], 6, "panels agreed")
        for i in range(150):
            ws.append([f"9.{i}", "pasted", None, "Green", None, f"bulk {i}"])

    jim = _sent_and_edited(master, tmp_path, edit)
    result = merge_returns(master, [jim.path], as_at=AS_AT)
    assert [(c.id, c.field, c.new) for c in result.changes] == [("1.4", "update", "panels agreed")]
    cut = [f for f in result.flags if f.kind == "rows_not_read"]
    assert [(f.file, f.location.sheet, f.severity) for f in cut] == [
        (jim.path.name, "Your actions", Severity.WARNING)
    ]
    first = 6 + 100 + 1  # the header row, then the 100 rows read
    assert f"rows {first} to {6 + 3 + 150} (and any sheet after it) not read" in cut[0].message
    assert "read up to 100 rows (10 for each of the 3 actions sent in it" in cut[0].message
    unknown = [f for f in result.flags if f.kind == "unknown_action"]
    assert len(unknown) == 100 - 3
    assert [f.outcome for f in result.files] == ["merged"]


def test_the_round_record_lists_each_flag_once_in_order():
    """A merge's flags are listed once each, in the order they came, however many (the record
    keeps a set of those seen: looking back along the list for each flag took minutes for a
    200,000-row return; how long a merge takes is the benchmark's to say, not a test's)."""
    from edi_xl.master.round_record import RoundRecord

    flags = [Flag(Code.UNKNOWN_ACTION, "big.xlsx", sheet="S", row=r, what="x") for r in range(2000)]
    record = RoundRecord(AS_AT, [], [])
    record.add([], flags[:1000] + flags[500:1500] + flags[:10] + flags[1400:])
    assert record.flags == flags


def test_a_row_numbered_as_an_action_not_sent_in_the_return_updates_nothing(master, tmp_path):
    """Jim changed 1.8's number to 1.9 (Fiona's action, not sent to him) and marked it
    complete: 1.9 is not touched; the flag names the row and the action its text is
    (helper-51, session 16: 1.9 became Complete with Jim's update)."""
    before = plan_rows(master)["1.9"]["Status"]

    def edit(ws, rows):
        ws.cell(rows["1.8"], 1, "1.9")
        ws.cell(rows["1.8"], 4, "Complete")
        ws.cell(rows["1.8"], 6, "all done")
        ws.cell(rows["1.4"], 6, "ok")

    jim = _sent_and_edited(master, tmp_path, edit)
    result = merge_returns(master, [jim.path], as_at=AS_AT)
    after = plan_rows(master)["1.9"]
    assert (after["Status"], after["Update as at 18 Dec 23"]) == (before, None)
    assert [(c.id, c.field, c.new) for c in result.changes] == [("1.4", "update", "ok")]
    wrong = [f for f in result.flags if f.kind == "not_in_this_return"]
    assert [(f.id, f.severity) for f in wrong] == [("1.9", Severity.ERROR)]
    assert "action 1.9 was not sent in this return (its action text is that of 1.8" in str(
        wrong[0].message
    )


def test_merging_the_same_returns_again_keeps_the_backup_of_the_first_merge(master, tmp_path):
    """The second merge of the same folder changes nothing, so the master is not written and
    its backup stays the master before the first merge (helper-51, session 16: the first
    merge adds the Returns sheet, listed last in the zip; the second save lists it in the
    workbook's order, the same parts in other bytes, and it replaced the backup)."""
    from edi_xl.master.save import backup_path

    jim = _sent_and_edited(master, tmp_path, lambda ws, rows: ws.cell(rows["1.4"], 6, "ok"))
    original = master.read_bytes()
    first = merge_returns(master, [jim.path], as_at=AS_AT)
    assert first.changes and backup_path(master).read_bytes() == original
    merged = master.read_bytes()
    again = merge_returns(master, [jim.path], as_at=AS_AT)
    assert again.changes == [] and again.backup is None
    assert master.read_bytes() == merged
    assert backup_path(master).read_bytes() == original


def test_cells_merged_across_the_update_put_nothing_into_it(master, tmp_path):
    """Jim merged Last update with the new update (1.4), Status across it (1.8), and the
    update with the columns right of it (his last action's row): as Excel keeps a merge, only
    its first cell holds a value, so no update is taken from them, and the columns right of
    the update hold nothing unread (helper-51, session 16: last round's text, and a Status
    word, were merged in as this round's update, logged as Jim's)."""

    def edit(ws, rows):
        ws.merge_cells(start_row=rows["1.4"], start_column=5, end_row=rows["1.4"], end_column=6)
        ws.merge_cells(start_row=rows["1.8"], start_column=4, end_row=rows["1.8"], end_column=6)
        last = max(r for i, r in rows.items() if i not in ("1.4", "1.8"))
        ws.cell(last, 6, "typed, then merged right")
        ws.merge_cells(start_row=last, start_column=6, end_row=last, end_column=8)

    jim = _sent_and_edited(master, tmp_path, edit)
    result = merge_returns(master, [jim.path], as_at=AS_AT)
    assert [(c.id, c.field, c.new) for c in result.changes] == [
        (c.id, "update", "typed, then merged right") for c in result.changes
    ]
    assert len(result.changes) == 1
    assert not [f for f in result.flags if f.kind == "column_not_read"]
    assert plan_rows(master)["1.4"]["Update as at 18 Dec 23"] is None


def test_words_after_a_status_colour_are_said_not_dropped(master, tmp_path):
    """Jim wrote why in the Status cell: the colour is taken, and the words, which the
    Status cell cannot hold, are flagged with the row (helper-51, session 16: they went
    nowhere); the clean copy (normalise) keeps them as written."""
    from edi_xl.flows.normalise import normalise_returns

    def edit(ws, rows):
        ws.cell(rows["1.4"], 4, "Amber: slipped to May because of staffing")
        ws.cell(rows["1.8"], 4, "Green - on track")  # the colour named again: nothing more

    jim = _sent_and_edited(master, tmp_path, edit)
    (tmp_path / "twin").mkdir()
    twin = tmp_path / "twin" / master.name
    twin.write_bytes(master.read_bytes())
    result = merge_returns(master, [jim.path], as_at=AS_AT)
    assert plan_rows(master)["1.4"]["Status"] == "At Risk"
    said = [f for f in result.flags if f.kind == "status_words_not_taken"]
    assert [(f.id, f.severity, f.location.column) for f in said] == [
        ("1.4", Severity.WARNING, "Status")
    ]
    assert "'slipped to May because of staffing'" in said[0].message
    assert "to keep them, add them to the action's update" in said[0].message
    normalise_returns([jim.path], tmp_path / "clean", as_at=AS_AT)
    clean = merge_returns(twin, [tmp_path / "clean"], as_at=AS_AT)
    assert [f.id for f in clean.flags if f.kind == "status_words_not_taken"] == ["1.4"]


def test_a_status_phrase_and_words_after_a_space_is_the_status_and_the_words_said(master, tmp_path):
    """Victoria wrote "delayed to March" in a Status cell, as owners do: an invalid status,
    and the action left On Track, though "Delayed - to March" was read as At Risk (helper-165,
    session 31). A status phrase with words after a space alone is now that status, the words
    said as after a colour; words that take it back, or a phrase that starts other words,
    are still for a person."""

    def edit(ws, rows):
        ws.cell(rows["1.4"], 4, "delayed to March")
        ws.cell(rows["1.5"], 4, "on track but tight")  # (taken back: for a person)
        ws.cell(rows["1.8"], 4, "risk assessment done")  # ("risk" starts other words)

    jim = _sent_and_edited(master, tmp_path, edit)
    result = merge_returns(master, [jim.path], as_at=AS_AT)
    assert plan_rows(master)["1.4"]["Status"] == "At Risk"
    (said,) = [f for f in result.flags if f.kind == "status_words_not_taken"]
    assert said.id == "1.4" and "the words after it, 'to March', are not taken" in said.message
    invalid = sorted(f.id for f in result.flags if f.kind == "invalid_status")
    assert invalid == ["1.5", "1.8"]


def test_the_rounds_update_column_written_twice_is_said_not_dropped(master, tmp_path):
    """Jim copied his update column beside it, header and all, and wrote 1.4's update in the
    copy: one column is the update, the other's text is said (column_not_read), not dropped
    without a word (helper-51, session 16)."""

    def edit(ws, rows):
        ws.cell(6, 7, ws.cell(6, 6).value)  # the same "Update as at 18 Dec 23" header
        ws.cell(rows["1.8"], 6, "in the first")
        ws.cell(rows["1.4"], 7, "in the copy")

    jim = _sent_and_edited(master, tmp_path, edit)
    result = merge_returns(master, [jim.path], as_at=AS_AT)
    taken = {(c.id, c.new) for c in result.changes}
    unread = [f for f in result.flags if f.kind == "column_not_read"]
    assert len(taken) == 1 and len(unread) == 1, (taken, [f.message for f in unread])
    assert taken in ({("1.8", "in the first")}, {("1.4", "in the copy")})


def test_a_row_with_neither_number_nor_action_text_says_so(master, tmp_path):
    """An update written in the row under an action (no number, no action text): said as a
    row that cannot be matched, not as "the action None" (helper-51, session 16)."""

    def edit(ws, rows):
        under = max(rows.values()) + 1
        ws.cell(under, 6, "more about the last action")

    jim = _sent_and_edited(master, tmp_path, edit)
    result = merge_returns(master, [jim.path], as_at=AS_AT)
    kinds = {f.kind: f.message for f in result.flags}
    assert "no_id" in kinds and "unknown_action" not in kinds
    assert "None" not in kinds["no_id"]


def test_a_status_emptied_in_a_return_is_said(master, tmp_path):
    """Jim cleared 1.4's Status and wrote an update: the update is taken, the master keeps its
    Status, and the emptied cell is said (helper-51, session 16: nothing said it)."""

    def edit(ws, rows):
        ws.cell(rows["1.4"], 4).value = None
        ws.cell(rows["1.4"], 6, "ok")

    before = plan_rows(master)["1.4"]["Status"]
    jim = _sent_and_edited(master, tmp_path, edit)
    result = merge_returns(master, [jim.path], as_at=AS_AT)
    assert plan_rows(master)["1.4"]["Status"] == before
    assert [(c.id, c.field) for c in result.changes] == [("1.4", "update")]
    cleared = [f for f in result.flags if f.kind == "status_cleared"]
    assert [(f.id, f.location.column) for f in cleared] == [("1.4", "Status")]
    assert repr(before) in cleared[0].message


def test_a_sheet_an_owner_added_to_the_return_is_said(master, tmp_path):
    """Jim added a Notes sheet: nothing on it is read, and the merge says so (helper-51,
    session 16: passed over without a word)."""

    def edit(ws, rows):
        ws.cell(rows["1.4"], 6, "ok")
        notes = ws.parent.create_sheet("Notes")
        notes["A1"] = "1.5 is now owned by Recruitment Lead"

    jim = _sent_and_edited(master, tmp_path, edit)
    result = merge_returns(master, [jim.path], as_at=AS_AT)
    said = [f for f in result.flags if f.kind == "sheet_not_read"]
    assert [f.location.sheet for f in said] == ["Notes"]
    assert "'1.5 is now owned by Recruitment Lead'" in said[0].message
    assert [(c.id, c.new) for c in result.changes] == [("1.4", "ok")]


def test_control_characters_in_a_return_are_kept_visible_not_fatal(master, tmp_path):
    folder = tmp_path / "r"
    folder.mkdir()
    (folder / "pasted.csv").write_text(
        "#,Status,Update\n1.4,G,copied from\x07 an old\x1b email\n", encoding="utf-8"
    )
    result = merge_returns(master, [folder], as_at=AS_AT)
    kept = "copied from\ufffd an old\ufffd email"
    assert [(c.id, c.field, c.new) for c in result.changes] == [("1.4", "update", kept)]
    assert plan_rows(master)["1.4"]["Update as at 18 Dec 23"] == kept


@pytest.mark.libreoffice
@pytest.mark.parametrize(
    ("file", "owner"),
    [
        ("Copy of Ann Lee", "Ann Lee"),
        ("Ann Leeson FINAL v2", "Ann Leeson"),  # "Ann Lee" is not a whole word of it
        ("ann lee (2)", "Ann Lee"),
        ("Deputy Head of EDI v2", "Deputy Head of EDI"),  # "Head of EDI" inside it
        ("Head of EDI - return", "Head of EDI"),
        ("Ann Lee and Ann Leeson", None),  # two owners: neither
        ("Joann Leeds", None),
        ("return", None),
    ],
)
def test_a_renamed_return_is_its_owners_when_it_names_one(file, owner):
    from edi_xl.flows.intake import REJECTED, ReturnFile
    from edi_xl.flows.merge import _owner_by_name, owners_file_names

    owners = owners_file_names(["Ann Lee", "Ann Leeson", "Head of EDI", "Deputy Head of EDI"])
    returned = ReturnFile(Path(f"{file}.xlsx"), f"{file}.xlsx", REJECTED)
    assert _owner_by_name(returned, owners) == owner


def test_a_renamed_return_makes_patterns_only_for_the_owners_in_its_name(monkeypatch):
    """A renamed return is looked for among a big plan's owners without a pattern made for
    each of them (0.1 s of a merge of 492 returns and 500 owners): only the names found in it
    are matched as whole words, and what is found is the same."""
    from edi_xl.flows import merge
    from edi_xl.flows.intake import REJECTED, ReturnFile

    owners = merge.owners_file_names(
        ["Ann Lee", "Ann Leeson"] + [f"Owner {n:03d}" for n in range(300)]
    )
    escaped: list[str] = []
    real_escape = merge.re.escape
    monkeypatch.setattr(merge.re, "escape", lambda s: escaped.append(s) or real_escape(s))
    returned = ReturnFile(Path("Ann Leeson FINAL v2.xlsx"), "Ann Leeson FINAL v2.xlsx", REJECTED)
    assert merge._owner_by_name(returned, owners) == "Ann Leeson"
    assert sorted(escaped) == ["ann lee", "ann leeson"]


def test_old_xls_ods_and_password_protected_returns(master, tmp_path):
    """An owner who saves as Excel 97-2003 (.xls) or LibreOffice (.ods) is merged; one who
    puts a password on the file is rejected, saying so."""
    from libreoffice import convert, soffice_path
    from msoffcrypto.format.ooxml import OOXMLFile

    if soffice_path() is None:
        pytest.skip("LibreOffice (soffice) is not installed: it writes the .xls and .ods here")
    made = tmp_path / "made"
    made.mkdir()
    save_xlsx(
        made / "jim old excel.xlsx",
        title_rows=1,
        rows=[["Action Ref", "Status", "Progress"], [1.4, "Green", "xls update"]],
    )
    save_xlsx(
        made / "louanna libre.xlsx", [["#", "RAG", "Latest update"], ["2.1", "A", "ods update"]]
    )
    save_xlsx(made / "victoria.xlsx", [["#", "Status", "Update"], ["6.3", "G", "secret"]])
    folder = tmp_path / "returns"
    convert(made / "jim old excel.xlsx", "xls", folder)
    convert(made / "louanna libre.xlsx", "ods", folder)
    with (
        (made / "victoria.xlsx").open("rb") as plain,
        (folder / "victoria.xlsx").open("wb") as locked,
    ):
        OOXMLFile(plain).encrypt("s3cret", locked)

    result = merge_returns(master, [folder], as_at=AS_AT)
    outcomes = {f.file: (f.outcome, f.reason) for f in result.files}
    assert outcomes["jim old excel.xls"] == ("merged", None)
    assert outcomes["louanna libre.ods"] == ("merged", None)
    assert outcomes["victoria.xlsx"][0] == "rejected"
    assert "password protected" in outcomes["victoria.xlsx"][1]
    locked = next(f for f in result.files if f.file == "victoria.xlsx")
    assert locked.problem is not None and locked.problem.code is Code.PASSWORD_PROTECTED
    assert {(c.id, c.field, c.new) for c in result.changes} == {
        ("1.4", "update", "xls update"),
        ("2.1", "status", "At Risk"),
        ("2.1", "update", "ods update"),
    }


def test_the_master_in_the_returns_folder_is_not_a_return(master, tmp_path):
    import shutil

    folder = tmp_path / "plan and returns"
    folder.mkdir()
    master = Path(shutil.copy(master, folder / "master.xlsx"))
    save_xlsx(folder / "fiona.xlsx", [["#", "Status", "Update"], ["5.6", "G", "fiona"]])
    first = merge_returns(master, [folder], as_at=AS_AT)
    outcomes = {f.file: (f.outcome, f.reason) for f in first.files}
    assert outcomes["master.xlsx"] == ("skipped", "the master itself")
    assert {f.problem.code for f in first.files if f.outcome == "skipped"} == {
        Code.MASTER_IN_RETURNS
    }
    assert outcomes["fiona.xlsx"] == ("merged", None)
    save_xlsx(
        folder / "jim.xlsx", [["#", "Status", "Update"], ["1.4", "G", "jim"]], mtime=1_600_000_000
    )  # saved long before the master was
    second = merge_returns(master, [folder], as_at=AS_AT)
    outcomes = {f.file: (f.outcome, f.reason) for f in second.files}
    assert outcomes["master.backup.xlsx"] == ("skipped", "the master's backup")
    assert outcomes["jim.xlsx"][0] == "merged"
    assert ("1.4", "update", "jim") in {(c.id, c.field, c.new) for c in second.changes}


def test_a_save_time_without_a_time_zone_does_not_stop_the_merge(master, tmp_path):
    folder = tmp_path / "r"
    folder.mkdir()
    for name, update in (("a.xlsx", "a"), ("b.xlsx", "b")):
        save_xlsx(folder / name, [["#", "Status", "Update"], ["1.4", "G", update]])
    src = folder / "a.xlsx"  # rewrite a's docProps/core.xml with a "modified" without "Z"
    with zipfile.ZipFile(src) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    core = parts["docProps/core.xml"].decode()
    import re

    parts["docProps/core.xml"] = re.sub(
        r"(<dcterms:modified[^>]*>)([^<]+)Z<", r"\g<1>2030-01-01T00:00:00<", core
    ).encode()
    with zipfile.ZipFile(src, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    result = merge_returns(master, [folder], as_at=AS_AT)
    assert {f.file: f.outcome for f in result.files} == {"a.xlsx": "merged", "b.xlsx": "superseded"}


def test_a_copy_of_a_master_among_the_returns_is_rejected_not_merged(master, tmp_path):
    import shutil

    folder = tmp_path / "returns"
    folder.mkdir()
    shutil.copy(master, folder / "plan copy from last quarter.xlsx")
    save_xlsx(folder / "jim.xlsx", [["#", "Status", "Update"], ["1.4", "G", "jim"]])
    result = merge_returns(master, [folder], as_at=AS_AT)
    outcomes = {f.file: (f.outcome, f.reason) for f in result.files}
    assert outcomes["plan copy from last quarter.xlsx"][0] == "rejected"
    assert "a master workbook kept by edi_xl" in outcomes["plan copy from last quarter.xlsx"][1]
    assert outcomes["jim.xlsx"] == ("merged", None)
    assert result.needs_attention


def test_returns_read_in_the_background_are_the_returns_read_here(batch):
    """What a merge reads while it loads the master is what read_returns reads, with the
    progress reported in this thread."""
    from edi_xl.flows.intake import ReturnsReading, read_returns

    here_progress: list[tuple[int, int, str]] = []
    here = read_returns([batch], progress=lambda *a: here_progress.append(a))
    reading = ReturnsReading([batch])
    busy = sum(i * i for i in range(200_000))  # this thread works meanwhile
    calls: list[tuple[int, int, str, str]] = []
    import threading

    back = reading.result(lambda *a: calls.append((*a, threading.current_thread().name)))
    assert busy > 0
    assert [(f.name, f.outcome, f.reason, f.rows) for f in back] == [
        (f.name, f.outcome, f.reason, f.rows) for f in here
    ]
    assert sorted(c[:3] for c in calls) == sorted(here_progress)
    assert {c[3] for c in calls} == {threading.main_thread().name}


def _read_when_let(path, *args, **kwargs):
    """A stand-in reader (in the workers): a file with "gate" in its name is read only once
    the file "let in" exists beside it (for ten minutes at most)."""
    import time

    from edi_xl.read.sources import read_grids

    path = Path(path)
    if "gate" in path.name:
        until = time.monotonic() + 600
        while not (path.parent / "let in").exists() and time.monotonic() < until:
            time.sleep(0.02)
    return read_grids(path, *args, **kwargs)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="workers are forked here (Linux)")
def test_the_progress_moves_as_the_returns_are_read(tmp_path, monkeypatch):
    """A merge's progress bar moves while the returns are read, not all at once at the end:
    the last file here is read only once the first has been reported, so the reading ends
    only if ``result`` reports each file as it comes in."""
    from edi_xl.flows.intake import ReturnsReading
    from edi_xl.read import isolation

    monkeypatch.setattr(isolation, "read_grids", _read_when_let)
    folder = tmp_path / "gated"
    folder.mkdir()
    rows = [["#", "Status", "Update"], ["1.1", "G", "ok"]]
    save_xlsx(folder / "a first.xlsx", rows)
    save_xlsx(folder / "z gate.xlsx", rows)
    reported: list[str] = []

    def progress(done: int, total: int, name: str) -> None:
        reported.append(name)
        (folder / "let in").touch()

    with isolation.FileReader(timeout=60, workers=2) as reader:  # else: gate "took longer"
        files = ReturnsReading([folder], reader=reader).result(progress)
    assert reported == ["a first.xlsx", "z gate.xlsx"]
    assert [f.outcome for f in files] == ["read", "read"]


def test_the_interpreter_switch_interval_is_shorter_only_while_returns_are_read(batch):
    """The reading thread takes each worker's answer sooner while this thread works, with a
    shorter switch interval; it is put back when the reading ends, by result() or stop()."""
    import sys

    from edi_xl.flows.intake import READING_SWITCH, ReturnsReading

    before = sys.getswitchinterval()
    reading = ReturnsReading([batch])
    assert sys.getswitchinterval() == min(before, READING_SWITCH)
    assert reading.result()
    assert sys.getswitchinterval() == before
    stopped = ReturnsReading([batch])
    stopped.stop()
    assert sys.getswitchinterval() == before


def test_a_master_that_does_not_load_stops_the_reading(batch, tmp_path):
    bad = tmp_path / "not a master.xlsx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(EdiXlError):
        merge_returns(bad, [batch], as_at=AS_AT)
    import threading

    assert not [t for t in threading.enumerate() if t.name == "edi_xl-returns"]


def test_a_merge_that_stops_at_its_round_question_leaves_no_read_ahead(master, tmp_path):
    """The returns were made for another round than the one on Settings: the merge stops
    before its save, and what it had started reading for the save (a thread parsing the
    master's sheets) has ended and is dropped, not left running into the next command."""
    import threading

    from edi_xl.flows.owner_returns import make_owner_returns
    from edi_xl.flows.rounds import RoundMismatchError
    from edi_xl.master import patch

    make_owner_returns(master, tmp_path / "returns", datetime(2024, 3, 18).date())
    before = master.read_bytes()
    with pytest.raises(RoundMismatchError) as stopped:
        merge_returns(master, [tmp_path / "returns"])
    assert "Which round are they for?" in str(stopped.value)
    # (the master loaded is still alive, in the traceback: it would still be there)
    assert not list(patch._AHEAD.keys())
    assert not [t for t in threading.enumerate() if t.name == "edi_xl-read-ahead"]
    assert master.read_bytes() == before  # nothing merged


def _read_slowly(path, *args, **kwargs):
    """A stand-in reader (in the workers): a file with "hang" in its name never finishes."""
    import time

    from edi_xl.read.sources import read_grids

    if "hang" in Path(path).name:
        time.sleep(60)
    return read_grids(path, *args, **kwargs)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="workers are forked here (Linux)")
def test_a_master_that_does_not_load_does_not_wait_for_a_hanging_return(
    batch, tmp_path, monkeypatch
):
    """The returns are read while the master loads; when it cannot be loaded, a return
    still being read is abandoned, not waited for (the reader would give it ten minutes)."""
    import shutil
    import threading

    from edi_xl.read import isolation

    monkeypatch.setattr(isolation, "read_grids", _read_slowly)
    folder = tmp_path / "hanging"
    shutil.copytree(batch, folder)
    # first in the batch's order: the reading waits on it before any other answer
    shutil.copy(next(folder.glob("*.xlsx")), folder / "0 hang.xlsx")
    bad = tmp_path / "not a master.xlsx"
    bad.write_bytes(b"not a zip")
    raised: list[BaseException] = []

    def merge() -> None:
        with isolation.FileReader(timeout=600, workers=2) as reader:
            try:
                merge_returns(bad, [folder], as_at=AS_AT, reader=reader)
            except BaseException as exc:  # noqa: BLE001 - checked below
                raised.append(exc)

    thread = threading.Thread(target=merge)
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive()  # long before the hanging file's ten minutes
    assert len(raised) == 1 and isinstance(raised[0], EdiXlError), raised


def test_every_row_of_the_merged_master_has_its_cells_in_column_order(master, batch):
    """Excel refuses (offers to repair) a row whose cells are out of order: the Change Log's
    new lines, with an empty "old value" cell that has only a look, once were."""
    from lxml import etree
    from openpyxl.utils import column_index_from_string

    merge_returns(master, [batch], as_at=AS_AT, now=datetime(2023, 12, 18, 10))
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    with zipfile.ZipFile(master) as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
        for name in sheets:
            root = etree.fromstring(zf.read(name))
            rows = [int(r.get("r")) for r in root.iter(main + "row")]
            assert rows == sorted(set(rows)), name
            for row in root.iter(main + "row"):
                cols = [
                    column_index_from_string(c.get("r").rstrip("0123456789"))
                    for c in row.iter(main + "c")
                ]
                assert cols == sorted(set(cols)), (name, row.get("r"), cols)


@pytest.mark.parametrize("reader", ["calamine", "openpyxl"])
def test_a_link_in_an_owners_update_or_status_reaches_the_master(
    master, tmp_path, monkeypatch, reader
):
    """The evidence an owner links to (Insert > Link on the update, or on the Status word)
    is not lost: its address follows the update's text in the master (once, not when the
    text holds it already). Read by either way of reading an .xlsx."""
    from openpyxl.worksheet.hyperlink import Hyperlink

    from edi_xl.read import sources

    if reader == "openpyxl":  # (the careful way, for files the fast one does not take)
        monkeypatch.setattr(sources, "_fast_ooxml_sheets", lambda path, sniffed=None: None)
    evidence = "https://intranet.example.nhs.uk/edi/evidence-1.4.pdf"

    def link(ws, rows):
        ws.cell(rows["1.4"], 4, "Complete")
        ws.cell(rows["1.4"], 6, "Complete: see the evidence").hyperlink = evidence
        ws.cell(rows["1.8"], 4, "Complete").hyperlink = evidence + "?v=2"
        ws.cell(rows["1.8"], 6, "Audit done").hyperlink = Hyperlink(
            ref=f"F{rows['1.8']}", location="'Your actions'!A1"
        )  # (a place in the return itself: nothing to the master)
        ws.cell(rows["1.5"], 6, f"Minutes at {evidence}").hyperlink = evidence

    jim = _sent_and_edited(master, tmp_path, link)
    result = merge_returns(master, [jim.path], as_at=AS_AT)
    updates = {c.id: c.new for c in result.changes if c.field == "update"}
    assert updates["1.4"] == f"Complete: see the evidence ({evidence})"
    assert updates["1.8"] == f"Audit done ({evidence}?v=2)"
    assert updates["1.5"] == f"Minutes at {evidence}"
    assert plan_rows(master)["1.4"]["Update as at 18 Dec 23"] == updates["1.4"]


@pytest.mark.parametrize("reader", ["calamine", "openpyxl"])
def test_the_address_of_an_owners_hyperlink_formula_reaches_the_master(
    master, tmp_path, monkeypatch, reader
):
    """An update written as Excel's =HYPERLINK("https://...", "evidence here"): the cell's
    value is "evidence here", the address only in the formula. It is kept as a link put on
    with Insert > Link is, after the text (helper-99, session 20: the master got "evidence
    here" and the address was lost, unsaid)."""
    import re

    from edi_xl.read import sources

    if reader == "openpyxl":  # (the careful way, for files the fast one does not take)
        monkeypatch.setattr(sources, "_fast_ooxml_sheets", lambda path, sniffed=None: None)
    evidence = "https://intranet.example.nhs.uk/edi/evidence-1.4.pdf"
    formulas = {  # row's action -> (formula as Excel keeps it, its result)
        "1.4": (f'HYPERLINK("{evidence}","evidence here")', "evidence here"),
        "1.5": (f'hyperlink( "{evidence}?a=""b""" )', f'{evidence}?a="b"'),  # its address shown
    }

    def write(ws, rows):
        for action_id in formulas:
            ws.cell(rows[action_id], 6, f"=PLACEHOLDER{action_id}")

    jim = _sent_and_edited(master, tmp_path, write)
    with zipfile.ZipFile(jim.path) as zin:
        parts = {info: zin.read(info) for info in zin.infolist()}
    with zipfile.ZipFile(jim.path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in parts.items():
            if info.filename == "xl/worksheets/sheet1.xml":  # as Excel saves it: the result too
                text = data.decode()
                for action_id, (formula, shows) in formulas.items():
                    text = re.sub(
                        rf'<c r="([A-Z]+\d+)"([^>]*)><f>PLACEHOLDER{re.escape(action_id)}</f>'
                        r"<v\s*/?>(?:</v>)?</c>",
                        lambda m, f=formula, v=shows: (
                            f'<c r="{m.group(1)}"{m.group(2)} t="str"><f>{escape(f)}</f>'
                            f"<v>{escape(v)}</v></c>"
                        ),
                        text,
                    )
                assert "PLACEHOLDER" not in text
                data = text.encode()
            zout.writestr(info, data)
    result = merge_returns(master, [jim.path], as_at=AS_AT)
    updates = {c.id: c.new for c in result.changes if c.field == "update"}
    assert updates == {"1.4": f"evidence here ({evidence})", "1.5": f'{evidence}?a="b"'}
    assert plan_rows(master)["1.4"]["Update as at 18 Dec 23"] == updates["1.4"]


def test_a_long_update_merged_in_shows_whole(master: Path, tmp_path: Path) -> None:
    """The row of an action whose owner sends a long update grows to show all of it, as a new
    master's rows are made (helper-44, session 15: it stayed 75 pt and the printed plan cut
    the update off mid-sentence)."""
    from conftest import merge_one_update

    from edi_xl.core.rounds import update_header

    before = load_workbook(master)["Action Plan"]
    header_row = next(r for r in range(1, 30) if before.cell(r, 1).value == "#")
    first = header_row + 1
    height = before.row_dimensions[first].height
    assert height is not None
    text = " ".join(["The panel met and agreed the new interview guidance."] * 25)
    result = merge_one_update(master, tmp_path / "returns", AS_AT, text, datetime(2023, 12, 19))
    assert result.changes
    ws = load_workbook(master)["Action Plan"]
    header = [c.value for c in ws[header_row]]
    assert ws.cell(first, header.index(update_header(AS_AT)) + 1).value == text
    assert ws.row_dimensions[first].height > height * 3
    assert ws.row_dimensions[first + 1].height == before.row_dimensions[first + 1].height


def test_a_row_with_no_number_that_matches_no_action_is_named_by_its_text() -> None:
    """An owner's own row (no action number, text the master does not have) is flagged by its
    text (helper-43, session 15: "row 8: no id, and the action text matches no action is
    not in the master")."""
    from edi_xl.core.model import Action
    from edi_xl.flows.intake import ReturnRow
    from edi_xl.flows.merge import match_row

    actions = [Action(id="1.1", action="Diverse interview panels for band 8a and above")]
    row = ReturnRow(
        "Jim.xlsx", "Your actions", 8, "", False, "Amber", "on it",
        locked={"action": "Also: refresh the panel pool list every quarter"},
    )  # fmt: skip
    action, flag = match_row(row, actions)
    assert action is None and flag is not None
    assert flag.problem.message == (
        "sheet 'Your actions' row 8: the action 'Also: refresh the panel pool list every "
        "quarter', with no action number, is not in the master; not added"
    )


def _as_excel_saves_typed_formulas(path: Path, typed: dict[str, str]) -> None:
    """Make the cells ``typed`` (reference -> formula as Excel keeps it, no "=") formulas
    showing #NAME?, as Excel saves words typed after "=", "-" or "+" ("-delayed to May")."""
    import re
    from xml.sax.saxutils import escape

    wb = load_workbook(path)
    ws = wb["Your actions"]
    for ref in typed:
        ws[ref] = f"=PLACEHOLDER{ref}"
    wb.save(path)
    parts = {}
    with zipfile.ZipFile(path) as zin:
        for info in zin.infolist():
            parts[info] = zin.read(info)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in parts.items():
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                for ref, formula in typed.items():
                    text = re.sub(
                        rf'<c r="{ref}"([^>]*)><f>PLACEHOLDER{ref}</f><v\s*/?>(?:</v>)?</c>',
                        lambda m, f=formula, r=ref: (
                            f'<c r="{r}"{m.group(1)} t="e"><f>{escape(f)}</f><v>#NAME?</v></c>'
                        ),
                        text,
                    )
                assert "PLACEHOLDER" not in text
                data = text.encode()
            zout.writestr(info, data)


@pytest.mark.parametrize("reader", ["calamine", "openpyxl"])
def test_words_excel_took_for_a_formula_arrive_as_typed_and_said(
    master, tmp_path, monkeypatch, reader
):
    """Jim typed "= see notes", "-delayed to May" and "+ new training booked" as his updates:
    Excel saved each as a formula showing #NAME?, and the merge took no update (calamine) or
    "#NAME?" (openpyxl) (session 17). His words arrive as typed, as text (never a formula in
    the master), each flagged with the file, sheet, row and column for the lead to check."""
    from edi_xl.read import sources

    if reader == "openpyxl":
        monkeypatch.setattr(sources, "_fast_ooxml_sheets", lambda path, sniffed=None: None)
    jim = _sent_and_edited(master, tmp_path, lambda ws, rows: None)
    rows = {load_workbook(jim.path)["Your actions"].cell(r, 1).value: r for r in range(7, 12)}
    _as_excel_saves_typed_formulas(
        jim.path,
        {
            f"F{rows['1.4']}": " see notes",
            f"F{rows['1.5']}": "-delayed to May",
            f"F{rows['1.8']}": "+ new training booked",
        },
    )
    result = merge_returns(master, [jim.path], as_at=AS_AT)
    typed = {"1.4": "= see notes", "1.5": "-delayed to May", "1.8": "+ new training booked"}
    assert {c.id: c.new for c in result.changes if c.field == "update"} == typed
    said = [f for f in result.flags if f.kind == "typed_as_formula"]
    assert [(f.id, f.severity, f.location.sheet, f.location.row) for f in said] == [
        (i, Severity.WARNING, "Your actions", rows[i]) for i in typed
    ]
    assert said[1].location.column == "Update as at 18 Dec 23"
    assert said[1].message == (
        f"sheet 'Your actions' row {rows['1.5']} column 'Update as at 18 Dec 23': Excel read "
        'this as a formula (#NAME?), as it reads words typed after "=", "-" or "+"; taken as '
        "the text typed, '-delayed to May': check it"
    )
    ws = load_workbook(master)["Action Plan"]
    cells = [c for row in ws.iter_rows() for c in row if c.value in typed.values()]
    assert len(cells) == 3
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)


def test_an_update_worked_out_by_a_formula_with_no_result_is_taken_and_said(master, tmp_path):
    """Jim's update is a formula, his return saved by a program that does not work formulas
    out (openpyxl: no result in the file). It arrived as the formula's text with nothing said
    (helper-71, session 17): it is said, naming the cell, for the lead to check."""
    formula = '="Done on "&TEXT(DATE(2023,12,1),"dd/mm/yyyy")'
    jim = _sent_and_edited(master, tmp_path, lambda ws, rows: ws.cell(rows["1.4"], 6, formula))
    result = merge_returns(master, [jim.path], as_at=AS_AT)
    assert {c.id: c.new for c in result.changes if c.field == "update"} == {"1.4": formula}
    said = [f for f in result.flags if f.kind == "formula_no_result"]
    assert [(f.id, f.severity, f.location.column) for f in said] == [
        ("1.4", Severity.WARNING, "Update as at 18 Dec 23")
    ]
    assert "no result" in said[0].message and "open the return in Excel" in said[0].message
    cell = next(
        c
        for row in load_workbook(master)["Action Plan"].iter_rows()
        for c in row
        if c.value == formula
    )
    assert cell.data_type == "s" and cell.quotePrefix  # text, never a formula in the master


@pytest.mark.parametrize("reader", ["calamine", "openpyxl"])
def test_a_number_or_date_typed_as_an_update_arrives_as_the_owner_saw_it(
    master, tmp_path, monkeypatch, reader
):
    """Jim typed "50%", "£1,200" and "15/03/2026" as his updates: Excel keeps 0.5, 1200 and a
    date, each shown by its format, and the master's update was "0.5", "1200" and
    "2026-03-15" (session 17). They arrive as he saw them (a date in edi_xl's way)."""
    from edi_xl.read import sources

    if reader == "openpyxl":
        monkeypatch.setattr(sources, "_fast_ooxml_sheets", lambda path, sniffed=None: None)

    def typed(ws, rows):
        for i, value, shown in [
            ("1.4", 0.5, "0%"),
            ("1.5", 1200, '"£"#,##0'),
            ("1.8", datetime(2026, 3, 15), "dd/mm/yyyy"),
        ]:
            ws.cell(rows[i], 6, value).number_format = shown

    jim = _sent_and_edited(master, tmp_path, typed)
    result = merge_returns(master, [jim.path], as_at=AS_AT)
    updates = {"1.4": "50%", "1.5": "£1,200", "1.8": "15 Mar 2026"}
    assert {c.id: c.new for c in result.changes if c.field == "update"} == updates
    assert {i: plan_rows(master)[i]["Update as at 18 Dec 23"] for i in updates} == updates


@pytest.mark.parametrize("reader", ["calamine", "openpyxl"])
def test_notes_on_a_return_are_flagged_and_its_owner_not_chased_as_if_silent(
    master, tmp_path, monkeypatch, reader
):
    """Jim sent back no new Status or update, but wrote "Slipped: waiting on payroll data"
    in a comment on a Status (Excel 365 keeps it as a note, after its own words) and his
    update in a note on the update cell: the merge said "unchanged ... no new status or
    update" and nothing else, and the Returns sheet chased him as if he had sent nothing
    (helper-84, session 19). Each note is flagged, quoted (a long one shortened), naming its
    cell; the return is still unchanged (nothing is taken from a note), and its reason, the
    Returns sheet and the reminder say what came back."""
    from openpyxl.comments import Comment

    from edi_xl.read import sources

    if reader == "openpyxl":
        monkeypatch.setattr(sources, "_fast_ooxml_sheets", lambda path, sniffed=None: None)
    threaded = (
        "[Threaded comment]\n\nYour version of Excel allows you to read this threaded comment; "
        "however, any edits to it will get removed if the file is opened in a newer version of "
        "Excel. Learn more: https://go.microsoft.com/fwlink/?linkid=870924\n\nComment:\n"
        "    Slipped: waiting on payroll data"
    )
    long_note = "Panels now include a trained member of staff from a network. " * 10
    rows: dict[str, int] = {}

    def edit(ws, found):
        rows.update(found)
        ws.cell(found["1.5"], 4).comment = Comment(threaded, "tc={0A1B}")
        ws.cell(found["1.4"], 6).comment = Comment(long_note, "Jim Machon")

    jim = _sent_and_edited(master, tmp_path, edit)
    result = merge_returns(master, [jim.path], as_at=AS_AT)
    assert result.changes == []
    (outcome,) = result.files
    assert outcome.outcome == "unchanged"
    assert outcome.reason == (
        "sent back with no new status or update; 2 notes on its cells not merged (flagged): "
        "read them before chasing the owner"
    )
    said = [f for f in result.flags if f.kind == "note_not_merged"]
    where = [(f.id, f.severity, f.location.sheet, f.location.row, f.location.column,
              f.location.cell) for f in said]  # fmt: skip
    assert where == [
        ("1.4", Severity.WARNING, "Your actions", rows["1.4"], "Update as at 18 Dec 23",
         f"F{rows['1.4']}"),
        ("1.5", Severity.WARNING, "Your actions", rows["1.5"], "Status", f"D{rows['1.5']}"),
    ]  # fmt: skip
    assert said[1].message == (
        f"sheet 'Your actions' row {rows['1.5']} column 'Status' (cell D{rows['1.5']}): a note "
        "on the cell says 'Slipped: waiting on payroll data'; not merged (notes and comments "
        "on cells are not read): the owner's update belongs in the update column, 'Update as "
        "at 18 Dec 23': copy it there, or ask the owner to"
    )
    quoted = said[0].problem.value
    assert len(quoted) <= 300 and quoted.endswith("…") and quoted.startswith("Panels now")
    returns = [
        [v for v in row if v is not None]
        for row in load_workbook(master)["Returns"].iter_rows(values_only=True)
    ]
    files = next(i for i, r in enumerate(returns) if r[:1] == ["Files received this round"])
    assert returns[files + 2][-1] == outcome.reason
    assert returns[files + 2][-2] == 2  # its flags
    reminder = next(r[1] for r in returns if len(r) > 1 and str(r[1]).startswith("Dear Jim"))
    assert "no new status or update in its Status and update columns" in reminder
    assert (
        "text in other columns, and notes, comments, pictures, tick boxes and error values "
        "(#N/A) on its cells, cannot be taken into the plan" in reminder
    )


@pytest.mark.parametrize("reader", ["calamine", "openpyxl"])
def test_a_picture_placed_in_a_cell_and_a_tick_box_update_are_not_taken_and_said(
    master, tmp_path, monkeypatch, reader
):
    """Excel 365: a picture placed in a Status or update cell (the cell holds #VALUE!) and
    tick boxes (Insert > Checkbox) over the update column, holding TRUE and FALSE. The
    picture was passed over silently, and "True" / "False" written as the round's update
    (helper-84, session 19). Neither is taken; each is flagged naming its cell; the Status
    and update written beside them are."""
    import xlsxwriter
    from conftest import tiny_png

    from edi_xl.read import sources

    if reader == "openpyxl":
        monkeypatch.setattr(sources, "_fast_ooxml_sheets", lambda path, sniffed=None: None)
    png = str(tiny_png(tmp_path / "evidence.png"))
    path = tmp_path / "Jim Machon.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Actions")
    ws.write_row(0, 0, ["#", "Status", "Update"])
    ws.write_row(1, 0, ["1.4"])
    ws.embed_image("B2", png)  # the Status a picture
    ws.write("C2", "Panels agreed")
    ws.write_row(2, 0, ["1.5", "Amber"])
    ws.embed_image("C3", png)  # the update a picture
    ws.write_row(3, 0, ["1.8", "Green"])
    ws.insert_checkbox("C4", True)
    ws.write_row(4, 0, ["1.9", "Red", True])  # TRUE typed
    wb.close()
    result = merge_returns(master, [path], as_at=AS_AT)
    assert sorted((c.id, c.field, c.new) for c in result.changes) == [
        ("1.4", "update", "Panels agreed"),
        ("1.5", "status", "At Risk"),
    ]  # (1.8 and 1.9 are Green and Red in the master: no update, no change)
    said = [
        (f.kind, f.id, f.location.column, f.location.cell)
        for f in result.flags
        if f.kind in ("picture_in_cell", "update_true_false")
    ]
    assert said == [
        ("picture_in_cell", "1.4", "Status", "B2"),
        ("picture_in_cell", "1.5", "Update", "C3"),
        ("update_true_false", "1.8", "Update", "C4"),
        ("update_true_false", "1.9", "Update", "C5"),
    ]
    messages = {f.location.cell: f.message for f in result.flags}
    assert messages["B2"] == (
        "sheet 'Actions' row 2 column 'Status' (cell B2): a picture placed in the cell (Excel "
        "shows it as #VALUE! to other programs); not merged: a picture cannot go into the "
        "master's cell. Ask the owner to type the Status in words and to send the picture "
        "with their return"
    )
    assert messages["C4"].startswith(
        "sheet 'Actions' row 4 column 'Update' (cell C4): the update is TRUE (a tick box, "
        "Insert > Checkbox, or TRUE or FALSE typed); not taken as the update"
    )
    updates = {k: v.get("Update as at 18 Dec 23") for k, v in plan_rows(master).items()}
    assert updates["1.8"] is None and updates["1.9"] is None


def test_an_error_in_a_returns_status_is_said_as_an_error_not_an_emptied_status(master, tmp_path):
    """Jim pasted #N/A over 1.4's Status (copied from a lookup) and 1.5's update shows #REF!:
    each reads as empty, and the merge said 1.4's "Status was emptied" and nothing of 1.5.
    Each is now said as the error it shows, naming its cell; the master keeps its own."""

    def edit(ws, rows):
        ws.cell(rows["1.4"], 4).value = "#N/A"  # (openpyxl writes it as an error value)
        ws.cell(rows["1.5"], 6).value = "#REF!"

    jim = _sent_and_edited(master, tmp_path, edit)
    before = plan_rows(master)
    result = merge_returns(master, [jim.path], as_at=AS_AT)
    assert not [f for f in result.flags if f.kind == "status_cleared"]
    said = [(f.id, f.location.column, f.problem.value) for f in result.flags
            if f.kind == "error_in_cell"]  # fmt: skip
    assert said == [("1.4", "Status", "#N/A"), ("1.5", "Update as at 18 Dec 23", "#REF!")]
    message = next(f.message for f in result.flags if f.kind == "error_in_cell")
    assert message.endswith(
        'the cell shows #N/A, an error (a formula that failed, words typed after "=" that '
        "the spreadsheet took for a formula, or an error pasted in), not the owner's words; "
        "nothing taken from it. Ask the owner to type the Status in words, not starting with "
        '"="'
    )
    after = plan_rows(master)
    assert after["1.4"]["Status"] == before["1.4"]["Status"]
    (outcome,) = result.files
    assert outcome.outcome == "unchanged"
    assert "2 error values on its cells not merged" in str(outcome.reason)


@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_words_taken_for_a_formula_in_an_xls_or_ods_return_are_said(master, tmp_path, fmt):
    """Jim typed "=awaiting sign-off at Exec" as 1.5's update and his return went back as
    .xls (or .ods) through LibreOffice, which took the words for a formula that fails. The
    file holds the error it showed; python-calamine reads the cell as empty, and the words
    were passed over without a word (helper-165, session 31). The cell is now said
    (``error_in_cell``), naming it, as in an .xlsx; the other rows are merged."""
    from libreoffice import convert, soffice_path

    if soffice_path() is None:
        pytest.skip(f"LibreOffice (soffice) is not installed: it writes the .{fmt} here")
    made = tmp_path / "made"
    made.mkdir()
    path = made / "Jim Machon.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Actions"
    ws.append(["Equality action plan: Jim's return"])
    ws.append([])
    ws.append(["#", "Status", "Update"])
    ws.append(["1.4", "Green", "Panels agreed"])
    ws.append(["1.5", "Amber", "=awaiting sign-off at Exec"])  # (openpyxl: a formula)
    ws.append(["1.8", "Green", "=1/0"])
    wb.save(path)
    returned = convert(path, fmt, tmp_path / "returns")
    result = merge_returns(master, [returned], as_at=AS_AT)
    said = sorted((f.id, f.location.column, f.location.cell) for f in result.flags
                  if f.kind == "error_in_cell")  # fmt: skip
    assert said == [("1.5", "Update", "C5"), ("1.8", "Update", "C6")]
    shown = {f.id: f.problem.value for f in result.flags if f.kind == "error_in_cell"}
    assert shown["1.8"] == "#DIV/0!" and shown["1.5"] in ("#VALUE!", "#NAME?", "Err:509")
    assert ("1.4", "update", "Panels agreed") in [(c.id, c.field, c.new) for c in result.changes]
    assert not [c for c in result.changes if c.id in ("1.5", "1.8") and c.field == "update"]


@pytest.mark.parametrize("reader", ["calamine", "openpyxl"])
def test_a_formula_error_in_a_trusts_return_is_said(master, tmp_path, monkeypatch, reader):
    """A return of the trust's own form whose Status is a lookup that failed (#N/A saved as
    its result): said, by either reader; the row's update is taken."""
    import xlsxwriter

    from edi_xl.read import sources

    if reader == "openpyxl":
        monkeypatch.setattr(sources, "_fast_ooxml_sheets", lambda path, sniffed=None: None)
    path = tmp_path / "Jim Machon.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Actions")
    ws.write_row(0, 0, ["#", "Status", "Update"])
    ws.write_row(1, 0, ["1.4", "Green", "Panels agreed"])
    ws.write_row(2, 0, ["1.5"])
    ws.write_formula("B3", '=VLOOKUP("x",E1:F2,2,FALSE)', None, "#N/A")
    ws.write("C3", "ok")
    wb.close()
    result = merge_returns(master, [path], as_at=AS_AT)
    said = [(f.id, f.location.cell, f.problem.value) for f in result.flags
            if f.kind == "error_in_cell"]  # fmt: skip
    assert said == [("1.5", "B3", "#N/A")]
    assert ("1.5", "update", "ok") in [(c.id, c.field, c.new) for c in result.changes]


def test_true_in_a_csv_returns_update_column_is_no_update(master, tmp_path):
    """A tick box column saved as csv writes TRUE and FALSE: as in an xlsx, no update, and
    said (helper-88: a csv's "TRUE" was taken as the update)."""
    path = tmp_path / "Jim Machon.csv"
    path.write_text("#,Status,Update\n1.4,On Track,TRUE\n1.5,On Track, false \n", "utf-8")
    result = merge_returns(master, [path], as_at=AS_AT)
    assert not [c for c in result.changes if c.field == "update"]
    said = [(f.id, f.location.cell) for f in result.flags if f.kind == "update_true_false"]
    assert said == [("1.4", "C2"), ("1.5", "C3")]


def test_a_note_off_the_action_rows_of_an_edi_xl_return_is_flagged(master, tmp_path):
    """Jim put one note on the update column's header ("On leave: no change") and typed
    nothing: edi-xl returns sends no notes, so it is his; the return is unchanged with a
    reason, not chased as silent (review of helper-84's commit, session 19)."""
    from openpyxl.comments import Comment

    def edit(ws, rows):
        ws.cell(min(rows.values()) - 1, 6).comment = Comment("On leave: no change", "Jim")

    jim = _sent_and_edited(master, tmp_path, edit)
    result = merge_returns(master, [jim.path], as_at=AS_AT)
    (outcome,) = result.files
    assert outcome.outcome == "unchanged"
    assert "1 note on its cells not merged" in (outcome.reason or "")
    assert [f.kind for f in result.flags] == ["note_not_merged"]


def test_an_overridden_status_says_what_the_master_holds_when_hr_completed_it(master, tmp_path):
    """HR set 1.4 to Complete after the returns went out; Jim's return, merged after 1.4's
    due date, says At Risk: the rule keeps his word out, and the master keeps Complete (Blue
    is never late): neither flag says it holds the Red word."""
    jim = _sent_and_edited(master, tmp_path, lambda ws, rows: ws.cell(rows["1.4"], 4, "At Risk"))
    from conftest import edit_workbook

    def hr_edit(wb):
        ws = wb["Action Plan"]
        row = next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value == "1.4")
        ws.cell(row, 9).value = "Complete"

    edit_workbook(master, hr_edit)
    result = merge_returns(master, [jim.path], as_at=datetime(2024, 4, 18).date())
    kinds = {f.kind: f.message for f in result.flags if f.id == "1.4"}
    assert plan_rows(master)["1.4"]["Status"] == "Complete"
    assert kinds["changed_since_sent"].endswith("so the master holds 'Complete'")
    assert kinds["status_overridden"].endswith("so the Status stays Complete")


def _old_form_sent_back(master: Path, folder: Path, owner: str, edit) -> Path:
    """The trust's own form, as the master's plan sheet was laid out, with ``owner``'s rows
    (``edit(rows_by_id)`` on them): its only update column is last round's."""
    plan = load_workbook(master)["Action Plan"]
    header_row = next(r for r in range(1, 30) if plan.cell(r, 1).value == "#")
    header = [c.value for c in plan[header_row]]
    owner_col = header.index("Action Owner")
    rows = {
        str(line[0]): list(line)
        for line in plan.iter_rows(min_row=header_row + 1, values_only=True)
        if line[owner_col] == owner
    }
    edit(header, rows)
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for line in rows.values():
        ws.append(line)
    folder.mkdir(exist_ok=True)
    wb.save(folder / f"{owner}.xlsx")
    return folder / f"{owner}.xlsx"


def _own_update_column(header: list, rows: dict, heading: str, words: dict[str, str]) -> int:
    """For :func:`_old_form_sent_back`'s ``edit``: the form's update column (last round's)
    headed ``heading``, holding ``words`` by action alone; its place."""
    at = header.index("Update as at 18 Sep 23")
    header[at] = heading
    for action, row in rows.items():
        row[at] = words.get(action)
    return at


def test_an_old_form_sent_back_untouched_is_no_update_of_this_round(master, tmp_path):
    """Fiona sends back the trust's old form: its only update column is "Update as at 18 Sep
    23", last round's text left as it was, one Status changed. Its text is the master's for
    that round: no update of this round (helper-99, session 20: all three were written into
    "Update as at 18 Dec 23" as new updates, and Fiona counted as having updated 3 rows)."""
    from conftest import FIONA

    def one_status(header, rows):
        assert "Update as at 18 Sep 23" in header and "Update as at 18 Dec 23" not in header
        rows["5.6"][header.index("Status")] = "At Risk"

    old = _old_form_sent_back(master, tmp_path / "r", FIONA, one_status)
    result = merge_returns(master, [old], as_at=AS_AT)
    assert [(c.id, c.field) for c in result.changes] == [("5.6", "status")]
    assert not [f for f in result.flags if f.kind == "earlier_round_column"]


def test_new_words_in_an_old_forms_update_column_are_taken_and_flagged(master, tmp_path):
    """Fiona wrote this quarter's words over last round's in the old form's only update
    column ("Update as at 18 Sep 23"): they are this round's update, and flagged with the
    file, sheet, row and column for HR to check; the rows she left are no update."""
    from conftest import FIONA

    def new_words(header, rows):
        rows["2.3"][header.index("Update as at 18 Sep 23")] = "FTSU policy reviewed in November"

    old = _old_form_sent_back(master, tmp_path / "r", FIONA, new_words)
    result = merge_returns(master, [old], as_at=AS_AT)
    assert [(c.id, c.field, c.new) for c in result.changes if c.field == "update"] == [
        ("2.3", "update", "FTSU policy reviewed in November")
    ]
    assert plan_rows(master)["2.3"]["Update as at 18 Dec 23"] == "FTSU policy reviewed in November"
    said = [f for f in result.flags if f.kind == "earlier_round_column"]
    assert [(f.id, f.file, f.location.sheet, f.location.column) for f in said] == [
        ("2.3", f"{FIONA}.xlsx", "Sheet", "Update as at 18 Sep 23")
    ]
    assert "dated for an earlier round than 'Update as at 18 Dec 23'" in said[0].message


def test_an_old_form_dated_by_month_only_is_read_against_that_months_round(master, tmp_path):
    """The old form's update column headed "Update as at Sep 23" (read as 30 Sep: no round
    of the master's) is the round of 18 Sep: its text left as it was is no update; one headed
    "Update as at 15 Dec 23" (the trust's own day of this round) is this round's column, not
    flagged as an earlier round's (helper-104, session 20: the Sep texts were all written
    into this round as new updates, and every row of the Dec one was flagged)."""
    from conftest import FIONA

    fresh = tmp_path / "fresh.xlsx"
    shutil.copy(master, fresh)

    def by_month(header, rows):
        header[header.index("Update as at 18 Sep 23")] = "Update as at Sep 23"
        rows["5.6"][header.index("Status")] = "At Risk"

    old = _old_form_sent_back(master, tmp_path / "sep", FIONA, by_month)
    result = merge_returns(master, [old], as_at=AS_AT)
    assert [(c.id, c.field) for c in result.changes] == [("5.6", "status")]
    assert not [f for f in result.flags if f.kind == "earlier_round_column"]

    def this_round(header, rows):
        at = header.index("Update as at 18 Sep 23")
        header[at] = "Update as at 15 Dec 23"
        rows["2.3"][at] = "FTSU policy reviewed in November"

    now = _old_form_sent_back(fresh, tmp_path / "dec", FIONA, this_round)
    result = merge_returns(fresh, [now], as_at=AS_AT)
    assert ("2.3", "update", "FTSU policy reviewed in November") in [
        (c.id, c.field, c.new) for c in result.changes
    ]
    assert not [f for f in result.flags if f.kind == "earlier_round_column"]


def test_an_old_forms_text_of_any_earlier_round_is_no_update(master, tmp_path):
    """A form headed for December, sent back in March with one row still holding September's
    words and one December's: neither is an update of March's round (the text of any
    earlier round left as it was, not only of the round its heading names)."""
    from conftest import FIONA

    def december(header, rows):
        rows["2.3"][header.index("Update as at 18 Sep 23")] = "FTSU policy reviewed"

    dec = _old_form_sent_back(master, tmp_path / "dec", FIONA, december)
    merge_returns(master, [dec], as_at=AS_AT)  # (December's round: 2.3's update)

    def march(header, rows):
        # (its one update column December's: 2.3 with December's words, the rest September's)
        sep, dec = header.index("Update as at 18 Sep 23"), header.index("Update as at 18 Dec 23")
        for line in rows.values():
            line[sep] = line[dec] or line[sep]
            del line[dec]
        header[sep] = "Update as at 18 Dec 23"
        del header[dec]

    old = _old_form_sent_back(master, tmp_path / "mar", FIONA, march)
    assert old_rows(old)["2.3"] == "FTSU policy reviewed"
    result = merge_returns(master, [old], as_at=date(2024, 3, 18))
    assert [c for c in result.changes if c.field == "update"] == []
    assert not [f for f in result.flags if f.kind == "earlier_round_column"]


def old_rows(path: Path) -> dict[str, Any]:
    """Action id -> the update of a form of one update column (its last column headed so)."""
    ws = load_workbook(path).active
    header = [c.value for c in ws[1]]
    at = max(i for i, h in enumerate(header) if str(h or "").startswith("Update as at"))
    return {str(r[0]): r[at] for r in ws.iter_rows(min_row=2, values_only=True)}


def test_a_numberless_row_naming_another_owners_action_says_its_text_is_that_actions(
    master, tmp_path
):
    """Jim deletes the "#" column and writes, over his 1.4's text, the text of Fiona's 1.9,
    with a Status and an update: 1.9 was not sent to him, so nothing is taken, and the flag
    says the row's text is 1.9's. It said "check the action number: put it back", of a
    return with no action numbers (helper-141, session 24)."""
    fiona = next(row[2] for row in seed_rows()[1] if row[0] == "1.9")

    def edit(ws, rows):
        ws.cell(rows["1.4"], 2).value = fiona
        ws.cell(rows["1.4"], 4).value = "Complete"
        ws.cell(rows["1.4"], 6).value = "values training reviewed"
        ws.delete_cols(1)

    jim = _sent_and_edited(master, tmp_path, edit)
    result = merge_returns(master, [jim.path], as_at=AS_AT)
    assert [(c.id, c.field) for c in result.changes] == []
    [flag] = [f for f in result.flags if f.kind == "not_in_this_return"]
    assert flag.message == (
        "sheet 'Your actions' row 7: its action text is that of action 1.9, which was not "
        "sent in this return; nothing taken for it (check the row's action text, or send "
        "1.9's update on its own return)"
    )
    # 1.4's row is gone (its text written over), and 1.5 has no text to match its row by
    assert sorted((f.kind, f.id or "") for f in result.flags) == [
        ("no_id", ""),
        ("not_in_this_return", "1.9"),
        ("row_removed", "1.4"),
        ("row_removed", "1.5"),
    ]


@pytest.mark.parametrize(
    "heading",
    [
        "Update December 2023",
        "Update Dec 23",
        "Progress Dec 23",
        "Update 15/12/2023",
        # (session 26: headed as people head it, with a colon or a dash, the date first, or
        # in ISO figures; each was "1 value not read")
        "Update: December 2023",
        "Update - Dec 23",
        "Dec 23 update",
        "December 2023 progress update",
        "Update 2023-12-15",
        # (session 27: with a comma or a slash; "1 value not read" before)
        "Update, Dec 23",
        "Update / December 2023",
        # (session 28: "Status update", the NHS's usual words for it, with a date or none;
        # "1 value not read" before)
        "Status update - Dec 23",
        "Status update December 2023",
        "Status update",
        "Status Updates",
        # (session 28: the quarter of the financial year, as the NHS heads it)
        "Update Q3 2023/24",
        "Q3 23/24 update",
    ],
)
def test_an_own_forms_update_column_dated_without_as_at_is_read(master, tmp_path, heading):
    """Fiona's own form (no record of a return edi_xl sent) heads its only update column with
    the month or day and no "as at": "Update December 2023"; or "Status update", as most NHS
    trackers do. Her words are this round's update. Before, the column was not read ("1
    value not read"), and HR copied it by hand (session 24's note)."""
    from conftest import FIONA

    def dated(header, rows):
        # (her own form: this round's column, only 2.3 written in yet)
        _own_update_column(header, rows, heading, {"2.3": "FTSU policy reviewed in November"})

    own = _old_form_sent_back(master, tmp_path / "r", FIONA, dated)
    result = merge_returns(master, [own], as_at=AS_AT)
    assert [(c.id, c.field, c.new) for c in result.changes] == [
        ("2.3", "update", "FTSU policy reviewed in November")
    ]
    assert plan_rows(master)["2.3"]["Update as at 18 Dec 23"] == "FTSU policy reviewed in November"
    assert not [f for f in result.flags if f.kind in ("column_not_read", "earlier_round_column")]


@pytest.mark.parametrize("first", [True, False])
def test_an_own_forms_status_update_beside_its_comments_is_not_the_update(master, tmp_path, first):
    """Fiona's own form has a "Comments" column (the update, in the usual words) and a
    "Status update" column of her own, either way round: the Comments are the update, and the
    other is said not read (helper-155: read as the update's words, "Status update" took
    over the column to its left)."""
    from conftest import FIONA

    def both(header, rows):
        at = _own_update_column(
            header, rows, "Comments", {"2.3": "FTSU policy reviewed in November"}
        )
        where = at if first else len(header)
        header.insert(where, "Status update")
        for row in rows.values():
            row.insert(where, None)
        rows["2.3"][where] = "her own note"

    own = _old_form_sent_back(master, tmp_path / "r", FIONA, both)
    result = merge_returns(master, [own], as_at=AS_AT)
    assert [(c.id, c.field, c.new) for c in result.changes] == [
        ("2.3", "update", "FTSU policy reviewed in November")
    ]
    (not_read,) = [f for f in result.flags if f.kind == "column_not_read"]
    assert "'Status update'" in not_read.message, not_read.message


def test_an_own_forms_status_update_of_rag_words_alone_is_no_update(master, tmp_path):
    """Fiona's own form's "Status update" holds "Green" and "At risk" alone: statuses, not
    words of an update. Not taken as the update (helper-155: "Green" became the round's
    update text), and said not read."""
    from conftest import FIONA

    def rag_only(header, rows):
        words = {action: "Green" if i % 2 else "At risk" for i, action in enumerate(rows)}
        _own_update_column(header, rows, "Status update", words)

    own = _old_form_sent_back(master, tmp_path / "r", FIONA, rag_only)
    result = merge_returns(master, [own], as_at=AS_AT)
    assert not [c for c in result.changes if c.field == "update"]
    (not_read,) = [f for f in result.flags if f.kind == "column_not_read"]
    assert "'Status update'" in not_read.message, not_read.message


def test_an_own_forms_dated_update_of_short_words_is_still_read(master, tmp_path):
    """Fiona's own form's "Update Dec 23" holds "Done" and "Not started", short words the
    status reader knows: they are her updates, taken as before (helper-156: the rule for a
    "Status update" of statuses alone first applied to every such column, and said them
    "not read")."""
    from conftest import FIONA

    def short(header, rows):
        _own_update_column(header, rows, "Update Dec 23", {"2.3": "Done", "5.6": "Not started"})

    own = _old_form_sent_back(master, tmp_path / "r", FIONA, short)
    result = merge_returns(master, [own], as_at=AS_AT)
    assert sorted((c.id, c.new) for c in result.changes if c.field == "update") == [
        ("2.3", "Done"),
        ("5.6", "Not started"),
    ]
    assert not [f for f in result.flags if f.kind == "column_not_read"]


def test_an_owners_own_status_update_column_in_a_return_is_not_the_update(master, tmp_path):
    """Jim inserts a "Status update" column of his own beside the return's update column (a
    return edi_xl sent): the return's update column, known by its place, is the update; his
    own column is said not read, as any column of his own is, never taken over it."""

    def own_column(ws, rows):
        header = next(r for r in range(1, 8) if ws.cell(r, 1).value == "#")
        update_col = next(
            c
            for c in range(1, ws.max_column + 1)
            if ws.cell(header, c).value == "Update as at 18 Dec 23"
        )
        ws.insert_cols(update_col + 1)
        ws.cell(header, update_col + 1, "Status update")
        ws.cell(rows["1.4"], update_col, "Data from BI arrived")
        ws.cell(rows["1.4"], update_col + 1, "my own note")

    jim = _sent_and_edited(master, tmp_path, own_column)
    result = merge_returns(master, [jim.path], as_at=AS_AT)
    assert [(c.id, c.field, c.new) for c in result.changes] == [
        ("1.4", "update", "Data from BI arrived")
    ]
    (not_read,) = [f for f in result.flags if f.kind is Code.COLUMN_NOT_READ]
    assert "'Status update'" in not_read.message, not_read.message


@pytest.mark.parametrize(
    "heading", ["Update Sep 23", "Update: September 2023", "Sep 23 update", "Update Q2 2023/24"]
)
def test_an_own_forms_update_column_dated_for_last_round_is_read_as_of_it(
    master, tmp_path, heading
):
    """The form's only update column is headed "Update Sep 23" (last round's month, no "as
    at"): its text left as it was is no update, and new words in it are taken and flagged as
    written in an earlier round's column, as for "Update as at Sep 23"."""
    from conftest import FIONA

    def september(header, rows):
        at = header.index("Update as at 18 Sep 23")
        header[at] = heading
        rows["2.3"][at] = "FTSU policy reviewed in November"

    from edi_xl.flows.normalise import normalise_returns

    own = _old_form_sent_back(master, tmp_path / "r", FIONA, september)
    twin = shutil.copy(master, tmp_path / "twin.xlsx")
    result = merge_returns(master, [own], as_at=AS_AT)
    assert [(c.id, c.field) for c in result.changes] == [("2.3", "update")]
    said = [(f.id, f.location.column) for f in result.flags if f.kind == "earlier_round_column"]
    assert said == [("2.3", heading)]
    # its clean copy keeps the header, and merges alike (headed "Update as at 18 Dec 23", its
    # September texts were all taken as this round's updates)
    normalise_returns([own], tmp_path / "clean", as_at=AS_AT)
    clean = merge_returns(twin, [tmp_path / "clean"], as_at=AS_AT)
    assert [(c.id, c.field) for c in clean.changes] == [("2.3", "update")]
    assert [f.id for f in clean.flags if f.kind == "earlier_round_column"] == ["2.3"]


def test_an_own_forms_status_update_of_statuses_alone_and_no_status_column_is_its_status(
    master, tmp_path
):
    """Fiona's own form has no Status column, and its "Status update" holds statuses alone
    ("At risk", "Green"): they are her statuses, taken as a Status column's are; no update
    is taken (session 29: the file was rejected as having no action table)."""
    from conftest import FIONA

    def statuses(header, rows):
        _own_update_column(header, rows, "Status update", {"2.3": "At risk", "5.6": "Green"})
        _without_status(header, rows)

    before = plan_rows(master)
    assert before["2.3"]["Status"] != "At Risk"
    own = _old_form_sent_back(master, tmp_path / "r", FIONA, statuses)
    result = merge_returns(master, [own], as_at=AS_AT)
    assert [(c.id, c.field, c.new) for c in result.changes] == [("2.3", "status", "At Risk")]
    assert not [f for f in result.flags if f.severity is Severity.ERROR], result.flags
    after = plan_rows(master)
    assert after["2.3"]["Status"] == "At Risk"
    assert not after["2.3"].get("Update as at 18 Dec 23")


def test_an_own_form_with_no_status_column_under_a_title_row_is_read(master, tmp_path):
    """The same form with a title row above its header ("WRES/WDES Action Plan" ... "Status
    update: December 2023"): the header below is the table's, not the title (helper-158:
    the title was taken, every row said no_id, and the file rejected)."""
    path = save_xlsx(
        tmp_path / "Jim Machon.xlsx",
        [
            ["WRES/WDES Action Plan", None, None, "Status update: December 2023"],
            ["Ref", "Action", "Lead", "Status update"],
            ["1.4", "Complete a review", "Jim Machon", "Panel training booked for January"],
            ["1.8", "Develop a process", "Jim Machon", "Process drafted"],
        ],
    )
    result = merge_returns(master, [path], as_at=AS_AT)
    assert sorted((c.id, c.new) for c in result.changes if c.field == "update") == [
        ("1.4", "Panel training booked for January"),
        ("1.8", "Process drafted"),
    ]
    assert not [f for f in result.flags if f.kind == "no_id"]


@pytest.mark.parametrize(
    "sheets",
    [
        # a tab a quarter: this one's headed in words no column is read by, last one's
        # "Update Sep 23"
        {
            "Q3 Dec 23": [
                ["Ref", "Action", "Lead", "December position"],
                ["1.4", "Complete a review", "Jim Machon", "Panels trained"],
            ],
            "Q2 Sep 23": [
                ["Ref", "Action", "Lead", "Update Sep 23"],
                ["1.4", "Complete a review", "Jim Machon", "Scoping the review"],
            ],
        },
        # a guidance sheet's worked example of an action number, beside the plan
        {
            "Guidance": [
                ["How to fill in this form"],
                ["#", "Action", "Status update"],
                ["2.1", "e.g. Run a campaign", "e.g. Campaign launched in October"],
            ],
            "Actions": [
                ["#", "Action", "Lead", "Narrative"],
                ["1.4", "Complete a review", "Jim Machon", "Panels trained"],
            ],
        },
        # a tab a quarter, each dated: the first sheet's column is last quarter's (helper-162)
        {
            "Sep": [
                ["Ref", "Action", "Lead", "Update Sep 23"],
                ["1.4", "Complete a review", "Jim Machon", "Scoping the review"],
            ],
            "Dec": [
                ["Ref", "Action", "Lead", "Update Dec 23"],
                ["1.4", "Complete a review", "Jim Machon", "Panels trained"],
            ],
        },
    ],
    ids=["a tab a quarter", "guidance example", "a dated tab a quarter"],
)
def test_an_own_form_with_no_status_beside_another_sheets_table_is_rejected(
    master, tmp_path, sheets
):
    """A workbook with no Status column whose "Status update" or "Update Sep 23" column is
    on one sheet while another sheet holds an action table no column of which is read: which
    holds the owner's words cannot be told, and the file is rejected as before (helper-158:
    September's words were taken and the file said "sent back with no new status or
    update"; the guidance example was merged into action 2.1)."""
    own = _own_workbook(tmp_path / "Jim Machon.xlsx", sheets)
    result = merge_returns(master, [own], as_at=AS_AT)
    assert not result.changes
    (file,) = result.files
    # not said as a table whose update cannot be told (update_column_unclear): the column
    # it would name is last quarter's, or the guidance's, and renaming it as told would merge
    # the wrong words (helper-162)
    assert file.problem is not None and file.problem.code is Code.NO_ACTION_TABLE


@pytest.mark.parametrize(
    "other",
    [
        # a guidance sheet written down the page: a row per column, no table of actions
        [
            ["Action", "Describe the action"],
            ["Lead", "Name of the lead"],
            ["Status update", "What was done"],
        ],
        # the form's empty template, headers and no rows
        [["Ref", "Action", "Lead", "Due date"]],
    ],
    ids=["vertical guidance", "empty template"],
)
def test_an_own_form_with_no_status_beside_a_sheet_of_no_actions_is_read(master, tmp_path, other):
    """Jim's form with no Status column beside a sheet that holds no table of actions: a
    guidance sheet down the page, or the form's empty template. His words are read (only an
    action table of rows on another sheet makes which sheet holds them unclear;
    helper-161: no test held this)."""
    own = _own_workbook(
        tmp_path / "Jim Machon.xlsx",
        {
            "Plan": [
                ["Ref", "Action", "Lead", "Status update"],
                ["1.4", "Complete a review", "Jim Machon", "Panels trained"],
            ],
            "Other": other,
        },
    )
    result = merge_returns(master, [own], as_at=AS_AT)
    assert [(c.id, c.field, c.new) for c in result.changes] == [("1.4", "update", "Panels trained")]


@pytest.mark.parametrize(
    ("heading", "as_at"),
    [
        # the quarter to 31 Dec, collected after its end, in the round of 10 Jan
        ("Update Q3 2023/24", date(2024, 1, 10)),
        ("Update Dec 23", date(2024, 1, 10)),
        # a month since the last round (18 Sep), in no round's month
        ("Update Nov 23", AS_AT),
    ],
)
def test_an_own_forms_update_dated_after_the_last_round_is_this_rounds(
    master, tmp_path, heading, as_at
):
    """Fiona's own form heads its only update column for the quarter or month just ended,
    after the master's last round (18 Sep) and before this one: her words are this round's
    update, not flagged as written in an earlier round's column (session 29: "Update Q3
    2023/24" in the round of 10 Jan was flagged as of the round of 18 Sep, on every row).
    Last round's words left under it are still no update (helper-159: a first version took
    them as this round's)."""
    from conftest import FIONA

    september = plan_rows(master)["5.6"]["Update as at 18 Sep 23"]
    assert september

    def just_ended(header, rows):
        words = {"2.3": "FTSU policy reviewed in November", "5.6": september}
        _own_update_column(header, rows, heading, words)

    own = _old_form_sent_back(master, tmp_path / "r", FIONA, just_ended)
    result = merge_returns(master, [own], as_at=as_at)
    assert [(c.id, c.field, c.new) for c in result.changes if c.field == "update"] == [
        ("2.3", "update", "FTSU policy reviewed in November")
    ]
    assert not [f for f in result.flags if f.kind in ("earlier_round_column", "column_not_read")]


def test_of_several_dated_update_columns_of_an_own_form_none_is_taken(master, tmp_path):
    """Fiona heads last round's column "Update Sep 23", writes her December words in "Update
    Dec 23" after it, and heads the next quarters' "Update Mar 24" and "Update Jun 24" ahead,
    empty. Which column holds this round's words cannot be told from the headings (the
    latest, empty, was taken, and her words dropped without a word: helper-143): none is
    taken, and each column with text is said, for HR to copy."""
    from conftest import FIONA

    def four(header, rows):
        at = header.index("Update as at 18 Sep 23")
        header[at] = "Update Sep 23"
        header.extend(["Update Dec 23", "Update Mar 24", "Update Jun 24"])
        for number, row in rows.items():
            row.extend(["November: on track" if number == "2.3" else None, None, None])

    own = _old_form_sent_back(master, tmp_path / "r", FIONA, four)
    result = merge_returns(master, [own], as_at=AS_AT)
    assert [(c.id, c.field) for c in result.changes if c.field == "update"] == []
    unread = sorted(f.location.column for f in result.flags if f.kind == "column_not_read")
    assert unread == ["Update Dec 23", "Update Sep 23"]


def _without_status(header: list, rows: dict) -> None:
    """For :func:`_old_form_sent_back`'s ``edit``: the form with no Status column."""
    at = header.index("Status")
    del header[at]
    for row in rows.values():
        del row[at]


@pytest.mark.parametrize(
    "heading", ["Status update", "Update Dec 23", "Status update - Dec 23", "Update Q3 2023/24"]
)
def test_an_own_form_with_no_status_column_has_its_update_read(master, tmp_path, heading):
    """Fiona's own form has no Status column: "#", the action's columns and one update
    column headed as own forms head it ("Status update", "Update Dec 23"). Her words are this
    round's update, her statuses left as they are (session 29: the file was rejected, "no
    action table found (looked for ... 'Status' or 'Update')", whatever its heading said).
    Its clean copy merges alike."""
    from conftest import FIONA

    from edi_xl.flows.normalise import normalise_returns

    def no_status(header, rows):
        _own_update_column(header, rows, heading, {"2.3": "FTSU policy reviewed in November"})
        _without_status(header, rows)

    statuses = {n: row["Status"] for n, row in plan_rows(master).items()}
    own = _old_form_sent_back(master, tmp_path / "r", FIONA, no_status)
    twin = shutil.copy(master, tmp_path / "twin.xlsx")
    result = merge_returns(master, [own], as_at=AS_AT)
    assert [(c.id, c.field, c.new) for c in result.changes] == [
        ("2.3", "update", "FTSU policy reviewed in November")
    ]
    assert not [f for f in result.flags if f.severity is Severity.ERROR], result.flags
    after = plan_rows(master)
    assert after["2.3"]["Update as at 18 Dec 23"] == "FTSU policy reviewed in November"
    assert {n: row["Status"] for n, row in after.items()} == statuses
    normalise_returns([own], tmp_path / "clean", as_at=AS_AT)
    clean = merge_returns(twin, [tmp_path / "clean"], as_at=AS_AT)
    assert [(c.id, c.field, c.new) for c in clean.changes] == [
        ("2.3", "update", "FTSU policy reviewed in November")
    ]


@pytest.mark.parametrize(
    ("headings", "words", "fixes"),
    [
        # last round's column and this round's: which is this round's is not told
        (
            ["Update Sep 23", "Update Dec 23"],
            [None, "November: on track"],
            # as the message says: this round's column headed "Update"
            [({"Update Dec 23": "Update"}, {}, ("update", "November: on track"))],
        ),
        # percentages: no update's words
        (["Status update"], [50], None),
        # statuses alone under a dated heading: maybe last round's, not taken as this one's
        # (helper-160: September's statuses were applied as December's, with no word)
        (
            ["Status update - Sep 23"],
            ["At risk"],
            [
                # the owner's say: this round's statuses under last round's heading
                ({"Status update - Sep 23": "Status"}, {}, ("status", "At Risk")),
                # last round's: a column "Update" added, with this round's words
                ({}, {"Update": "Reviewed in December"}, ("update", "Reviewed in December")),
            ],
        ),
    ],
)
def test_an_own_form_with_no_status_column_and_no_update_to_take_is_rejected(
    master, tmp_path, headings, words, fixes
):
    """The same form whose update column cannot be taken (two dated, numbers) is rejected,
    never merged with its words dropped. When the owner's words are there, the message says
    where the table is, which columns, and what to change (``update_column_unclear``), not
    "no action table ... looked for 'Update'", which the header contradicts; changed as it
    says (each way it offers), the file merges. A column of numbers has no words to take:
    "no action table", as before."""
    from conftest import FIONA

    def no_status(header, rows):
        _own_update_column(header, rows, headings[0], {})
        _without_status(header, rows)
        at = header.index(headings[0])
        header[at : at + 1] = headings
        for number, row in rows.items():
            row[at : at + 1] = words if number == "2.3" else [None] * len(words)

    own = _old_form_sent_back(master, tmp_path / "r", FIONA, no_status)
    result = merge_returns(master, [own], as_at=AS_AT)
    assert not result.changes
    (file,) = result.files
    assert file.problem is not None
    if fixes is None:
        assert file.problem.code is Code.NO_ACTION_TABLE
        return
    assert file.problem.code is Code.UPDATE_COLUMN_UNCLEAR
    ws = load_workbook(own).active
    cells = {c.value: c for row in ws.iter_rows() for c in row if c.value in headings}
    named = [f"{h!r} (column {cells[h].column_letter})" for h in headings]
    header_row = cells[headings[0]].row
    head_it = (
        "'Update' (or 'Status' if it holds this round's statuses, such as On track or At risk)"
    )
    if len(named) == 1:
        which = f"whether {named[0]}"
        then = (
            f"if it holds this round's update, head it {head_it}; if it is an earlier round's, "
            "add a column headed 'Update' with this round's"
        )
    else:
        which = f"which of {named[0]} and {named[1]}"
        then = f"head the column with this round's update {head_it}; leave the others as they are"
    assert file.reason == (
        f"the table of actions on sheet {ws.title!r} (header row {header_row}) has no Status "
        f"column, and edi_xl cannot tell {which} holds this round's update, so nothing was "
        f"read from this file: {then}"
    )
    assert (file.problem.location.sheet, file.problem.location.row) == (ws.title, header_row)
    # changed as it says, each way it offers, the file merges
    for n, (renamed, added, (field, text)) in enumerate(fixes):
        fixed = tmp_path / f"fixed {n}.xlsx"
        wb = load_workbook(own)
        ws = wb.active
        for cell in ws[header_row]:
            cell.value = renamed.get(cell.value, cell.value)
        for heading, value in added.items():
            at = ws.max_column + 1
            ws.cell(header_row, at, heading)
            rows = range(header_row + 1, ws.max_row + 1)
            ws.cell(next(r for r in rows if ws.cell(r, 1).value == "2.3"), at, value)
        wb.save(fixed)
        result = merge_returns(master, [fixed], as_at=AS_AT)
        assert [f.outcome for f in result.files] == ["merged"]
        assert [(c.id, c.field, c.new) for c in result.changes] == [("2.3", field, text)]


@pytest.mark.parametrize(
    ("heading", "as_at", "taken"),
    [
        # the old form, last round's "Update Sep 30" (30 Sep, not 2030): its text is no update
        ("Update Sep 30", AS_AT, False),
        # the same with "as at" (read as 2030 before too: helper-144)
        ("Update as at Sep 30", AS_AT, False),
        # this round's, "Update Dec 18" (18 Dec, not 2018): taken, not flagged as an earlier
        # round's
        ("Update Dec 18", AS_AT, True),
        # at a quarter's end, "Update Mar 31" in the round of 20 Mar 24 (not 2031)
        ("Update Mar 31", date(2024, 3, 20), True),
    ],
)
def test_a_month_and_a_day_in_an_own_forms_heading_is_read_against_the_round(
    master, tmp_path, heading, as_at, taken
):
    """A heading of a month and two figures is a day when the figures are no year near the
    round ("Update Sep 30"): read as the years 2030, 2018 and 2031, last round's untouched
    texts were written in as new updates, or this round's flagged as an earlier round's
    (helper-143)."""
    from conftest import FIONA

    def day(header, rows):
        at = header.index("Update as at 18 Sep 23")
        header[at] = heading
        if taken:
            for row in rows.values():
                row[at] = None
            rows["2.3"][at] = "FTSU policy reviewed"

    own = _old_form_sent_back(master, tmp_path / "r", FIONA, day)
    result = merge_returns(master, [own], as_at=as_at)
    updates = [(c.id, c.new) for c in result.changes if c.field == "update"]
    assert updates == ([("2.3", "FTSU policy reviewed")] if taken else [])
    assert not [f for f in result.flags if f.kind in ("column_not_read", "earlier_round_column")]


def test_a_dated_column_on_a_sheet_beside_the_return_is_not_taken(master, tmp_path):
    """Fiona's workbook: a "Return" sheet with an "Update as at 18 Dec 23" column filled in,
    and a "Next steps" sheet of her own, "#", "Action", "Status" and "Update Mar 24": the
    Return's column is the update; the other sheet's dated column is not taken (it was, and
    wrote her March plans over her December words: helper-143)."""
    from conftest import FIONA

    def december(header, rows):
        at = header.index("Update as at 18 Sep 23")
        header[at] = "Update as at 18 Dec 23"
        for number, row in rows.items():
            row[at] = "December words" if number == "2.3" else None

    own = _old_form_sent_back(master, tmp_path / "r", FIONA, december)
    wb = load_workbook(own)
    wb.active.title = "Return"
    steps = wb.create_sheet("Next steps")
    steps.append(["#", "Action", "Status", "Update Mar 24"])
    steps.append(["2.3", "FTSU", "On Track", "March plan: board paper"])
    wb.save(own)
    result = merge_returns(master, [own], as_at=AS_AT)
    assert [(c.id, c.new) for c in result.changes if c.field == "update"] == [
        ("2.3", "December words")
    ]
    assert plan_rows(master)["2.3"]["Update as at 18 Dec 23"] == "December words"


def test_an_edi_xl_returns_update_column_renamed_with_a_date_is_cleaned_as_the_rounds(
    master, tmp_path
):
    """Jim renames his return's update column "Update Dec 23": its merge reads it by its
    place (``header_renamed``), and so does a merge of its clean copy, headed as the round's
    column (the copy kept "Update Dec 23", and its merge did not read it: helper-143)."""
    from edi_xl.flows.normalise import normalise_returns

    def renamed(ws, rows):
        header_row = rows["1.4"] - 1
        at = next(
            c
            for c in range(1, ws.max_column + 1)
            if ws.cell(header_row, c).value == "Update as at 18 Dec 23"
        )
        ws.cell(header_row, at).value = "Update Dec 23"
        ws.cell(rows["1.4"], at).value = "Data from BI arrived in November"

    jim = _sent_and_edited(master, tmp_path, renamed)
    twin = shutil.copy(master, tmp_path / "twin.xlsx")
    normalise_returns([jim.path], tmp_path / "clean", as_at=AS_AT)
    for target, source in ((master, jim.path), (twin, tmp_path / "clean")):
        result = merge_returns(target, [source], as_at=AS_AT)
        assert [(c.id, c.new) for c in result.changes if c.field == "update"] == [
            ("1.4", "Data from BI arrived in November")
        ], source


def test_a_dated_column_beside_an_as_at_update_column_is_not_taken(master, tmp_path):
    """Beside an "Update as at ..." column, a column headed "Update Mar 24" is the owner's
    own (a date planned, a note): the as-at column is the update, and the other's text is
    said (column_not_read), never taken (helper-142, session 24: taking it dropped the real
    update)."""
    from conftest import FIONA

    def beside(header, rows):
        at = header.index("Update as at 18 Sep 23")
        header[at] = "Update as at 18 Dec 23"
        header.append("Update Mar 24")
        for number, row in rows.items():
            row[at] = "Policy reviewed" if number == "2.3" else None
            row.append("Board paper due" if number == "2.3" else None)

    own = _old_form_sent_back(master, tmp_path / "r", FIONA, beside)
    result = merge_returns(master, [own], as_at=AS_AT)
    assert [(c.id, c.field, c.new) for c in result.changes] == [
        ("2.3", "update", "Policy reviewed")
    ]
    [unread] = result.flags
    assert unread.kind == "column_not_read" and unread.location.column == "Update Mar 24"


def _own_workbook(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    """An owner's own workbook (no record of a return edi_xl sent): each sheet's rows."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


@pytest.mark.parametrize(
    "case",
    ["on a second sheet's table", "copied, headed the same", "beside a sheet with no Status",
     "of numbers only", "of numbers only, as text"],
)  # fmt: skip
def test_a_dated_column_whose_round_cannot_be_told_is_said_not_taken(master, tmp_path, case):
    """Where the one dated column cannot be told to be the owner's update of its round, it is
    not taken, and its text is said (``column_not_read``), as before (helper-144): on a
    second sheet's table (the file's update header is its first table's, so it was read as
    this round's whatever its date: last round's texts written in as new); copied beside
    itself, headed the same (the left, last round's, was taken); with a sheet of no Status
    column headed "Update Dec 23" beside it (her words there, never read nor said); a
    "Progress Dec 23" of percentages (written in as updates), also as text, as a CSV has them
    (helper-145). The column holding her words is the one said."""
    header = ["#", "Action", "Status"]
    old = "Ongoing work to review the FTSU policy and champion roles."
    if case == "on a second sheet's table":
        sheets = {
            "RAG": [header, ["2.3", "FTSU", "On Track"]],
            "Detail": [[*header, "Update Sep 23"], ["2.3", "FTSU", "On Track", old]],
        }
    elif case == "copied, headed the same":
        sheets = {
            "Sheet": [
                [*header, "Update Dec 23", "Update Dec 23"],
                ["2.3", "FTSU", "On Track", old, "December words"],
            ]
        }
    elif case == "beside a sheet with no Status":
        sheets = {
            "Return": [[*header, "Update Sep 23"], ["2.3", "FTSU", "On Track", old]],
            "December": [["#", "Action", "Update Dec 23"], ["2.3", "FTSU", "December words"]],
        }
    else:
        done = 0.5 if case == "of numbers only" else "50%"
        sheets = {"Sheet": [[*header, "Progress Dec 23"], ["2.3", "FTSU", "On Track", done]]}
    own = _own_workbook(tmp_path / "r" / "Fiona MacDonald.xlsx", sheets)
    result = merge_returns(master, [own], as_at=AS_AT)
    assert [c for c in result.changes if c.field == "update"] == []
    said = {
        (f.location.sheet, f.location.column) for f in result.flags if f.kind == "column_not_read"
    }
    where = {
        "on a second sheet's table": ("Detail", "Update Sep 23"),
        "copied, headed the same": ("Sheet", "Update Dec 23 (E)"),
        "beside a sheet with no Status": ("December", "Update Dec 23"),
    }.get(case, ("Sheet", "Progress Dec 23"))
    assert where in said


def test_a_return_whose_words_are_in_a_column_not_read_is_not_chased_as_empty(master, tmp_path):
    """Fiona's own form: her words under two dated columns, neither taken (which is this
    round's cannot be told), and no Status changed. The return is still *unchanged*, but its
    reason says what it holds, for HR to read before chasing her, and her reminder says why
    (it said "sent back with no new status or update", and her reminder that it "had no new
    status or update in it": helper-143)."""
    own = _own_workbook(
        tmp_path / "r" / "Fiona MacDonald.xlsx",
        {
            "Sheet": [
                ["#", "Action", "Status", "Update Sep 23", "Update Dec 23"],
                ["2.3", "FTSU", None, None, "December words"],
            ]
        },
    )
    result = merge_returns(master, [own], as_at=AS_AT)
    (outcome,) = result.files
    assert outcome.outcome == "unchanged"
    assert outcome.reason == (
        "sent back with no new status or update; text in 1 column not read (flagged): read it "
        "before chasing the owner"
    )
    returns = [
        [v for v in row if v is not None]
        for row in load_workbook(master)["Returns"].iter_rows(values_only=True)
    ]
    reminder = next(r[1] for r in returns if len(r) > 1 and str(r[1]).startswith("Dear Fiona"))
    assert "text in other columns" in reminder


def test_an_old_forms_update_column_on_its_second_sheet_is_read_as_of_its_round(master, tmp_path):
    """Fiona's workbook: a "RAG" sheet of numbers, actions and Status, and a "Detail" sheet
    with last round's "Update as at 18 Sep 23", its text left as it was but 2.3's. The
    column is last round's: the untouched texts are no update, 2.3's words are taken and
    flagged (the file's update header was its first sheet's, none, and every September text
    was written in as December's: helper-144)."""
    rag = [["#", "Action", "Status"], ["2.3", "FTSU", "On Track"], ["5.6", "Other", "On Track"]]
    detail = [
        ["#", "Action", "Status", "Update as at 18 Sep 23"],
        ["2.3", "FTSU", "On Track", "FTSU policy reviewed in November"],
        ["1.9", "Values", "On Track", plan_rows(master)["1.9"]["Update as at 18 Sep 23"]],
    ]
    own = _own_workbook(tmp_path / "r" / "Fiona MacDonald.xlsx", {"RAG": rag, "Detail": detail})
    result = merge_returns(master, [own], as_at=AS_AT)
    assert [(c.id, c.new) for c in result.changes if c.field == "update"] == [
        ("2.3", "FTSU policy reviewed in November")
    ]
    assert [f.id for f in result.flags if f.kind == "earlier_round_column"] == ["2.3"]


@pytest.mark.parametrize("ahead", ["March: board paper", None])
def test_a_later_rounds_column_added_to_an_edi_xl_return_is_not_its_update(master, tmp_path, ahead):
    """Jim fills in "Update as at 18 Dec 23" of the return he was sent, and adds a column
    after it, "Update as at 18 Mar 24", empty or with a note for March. The column the return
    was sent with is the update; the March one is said if filled (the latest was taken: his
    December words were dropped without a word, and with it empty the return was "unchanged",
    helper-145)."""

    def ahead_of_it(ws, rows):
        header_row = rows["1.4"] - 1
        ws.cell(header_row, 7).value = "Update as at 18 Mar 24"
        ws.cell(rows["1.4"], 6).value = "December: panel training booked"
        ws.cell(rows["1.4"], 7).value = ahead

    jim = _sent_and_edited(master, tmp_path, ahead_of_it)
    result = merge_returns(master, [jim.path], as_at=AS_AT)
    assert [(c.id, c.new) for c in result.changes if c.field == "update"] == [
        ("1.4", "December: panel training booked")
    ]
    said = [f.location.column for f in result.flags if f.kind == "column_not_read"]
    assert said == (["Update as at 18 Mar 24"] if ahead else [])


def test_words_only_in_a_column_added_to_an_edi_xl_return_are_its_update(master, tmp_path):
    """Jim answers late: he leaves the column he was sent empty and writes in one he adds,
    "Update as at 10 Jan 24". His words are the update, as before the sent column was
    preferred (helper-146)."""

    def late(ws, rows):
        header_row = rows["1.4"] - 1
        ws.cell(header_row, 7).value = "Update as at 10 Jan 24"
        ws.cell(rows["1.4"], 7).value = "January: panel training booked"

    jim = _sent_and_edited(master, tmp_path, late)
    result = merge_returns(master, [jim.path], as_at=AS_AT)
    assert [(c.id, c.new) for c in result.changes if c.field == "update"] == [
        ("1.4", "January: panel training booked")
    ]


def test_dated_columns_of_another_sheet_beside_a_read_update_are_not_said(master, tmp_path):
    """Fiona's own workbook: her plan sheet's "Update as at 18 Dec 23" is read; a "Previous"
    sheet keeps last rounds' words under "Update Jun 23" and "Update Sep 23", and a
    dashboard counts under "Progress Dec 23". None of those is said as not read (helper-146:
    each was, once the sheets off the tables were looked at)."""
    own = _own_workbook(
        tmp_path / "r" / "Fiona MacDonald.xlsx",
        {
            "Plan": [
                ["#", "Action", "Status", "Update as at 18 Dec 23"],
                ["2.3", "FTSU", "On Track", "December words"],
            ],
            "Previous": [
                ["#", "Action", "Update Jun 23", "Update Sep 23"],
                ["2.3", "FTSU", "June words", "September words"],
            ],
            "Dashboard": [["Theme", "Progress Dec 23"], ["Culture", 3]],
        },
    )
    result = merge_returns(master, [own], as_at=AS_AT)
    assert [(c.id, c.new) for c in result.changes if c.field == "update"] == [
        ("2.3", "December words")
    ]
    assert not [f for f in result.flags if f.kind == "column_not_read"]


def _year_ahead(december: str | None, march: str | None):
    """``_old_form_sent_back``'s edit: the trust's old form headed for the year ahead,
    "Update as at 18 Dec 23", "... 18 Mar 24" and "... 18 Jun 24" after last round's
    September column, with 2.3's words in December's and March's."""

    def edit(header, rows):
        header.extend(
            ["Update as at 18 Dec 23", "Update as at 18 Mar 24", "Update as at 18 Jun 24"]
        )
        for number, row in rows.items():
            row.extend([december, march, None] if number == "2.3" else [None, None, None])

    return edit


@pytest.mark.parametrize(
    ("december", "march"),
    [("December words", None), ("December words", "Plans for March"), (None, "March words")],
)
def test_a_form_headed_for_the_year_ahead_is_read_in_the_rounds_column(
    master, tmp_path, december, march
):
    """Fiona's form has its update columns headed for the year ahead: September's (last
    round's texts), December's, and March's and June's, empty or not. Her words are in the
    round's column, December's: taken. Before, the latest column, June's, was read as the
    update, and December's passed over as an earlier round's: her words were dropped without a
    word and the return was "sent back with no new status or update". Words in a later
    round's column are said (``column_not_read``), never taken as December's."""
    from conftest import FIONA

    own = _old_form_sent_back(master, tmp_path / "r", FIONA, _year_ahead(december, march))
    result = merge_returns(master, [own], as_at=AS_AT)
    taken = [(c.id, c.new) for c in result.changes if c.field == "update"]
    assert taken == ([("2.3", december)] if december else [])
    unread = [f.location.column for f in result.flags if f.kind == "column_not_read"]
    assert unread == (["Update as at 18 Mar 24"] if march else [])
    assert not [f for f in result.flags if f.kind == "earlier_round_column"]
    (outcome,) = result.files
    if december is None:
        assert outcome.outcome == "unchanged"
        assert "text in 1 column not read (flagged)" in (outcome.reason or "")
    else:
        assert outcome.outcome == "merged"


def test_a_form_headed_for_the_year_ahead_is_normalised_in_the_rounds_column(master, tmp_path):
    """Its clean copy holds December's words as the round's update, and merges alike."""
    from conftest import FIONA

    from edi_xl.flows.normalise import normalise_returns

    own = _old_form_sent_back(master, tmp_path / "r", FIONA, _year_ahead("December words", None))
    normalise_returns([own], tmp_path / "clean", as_at=AS_AT)
    (clean,) = (tmp_path / "clean").iterdir()
    rows = list(load_workbook(clean).active.iter_rows(values_only=True))
    header = next(r for r in rows if "Status" in r)
    at = header.index("Update as at 18 Dec 23")
    assert [r[at] for r in rows if r[0] == "2.3"] == ["December words"]
    result = merge_returns(master, [clean], as_at=AS_AT)
    assert [(c.id, c.new) for c in result.changes if c.field == "update"] == [
        ("2.3", "December words")
    ]


def test_a_form_headed_for_the_year_ahead_is_read_in_the_next_rounds_column(master, tmp_path):
    """In March's round the same form's March column is the update (December's, holding what
    the master has, is an earlier round's)."""
    from conftest import FIONA

    own = _old_form_sent_back(master, tmp_path / "r", FIONA, _year_ahead(None, "March words"))
    result = merge_returns(master, [own], as_at=date(2024, 3, 18))
    assert [(c.id, c.new) for c in result.changes if c.field == "update"] == [
        ("2.3", "March words")
    ]
    assert not [f for f in result.flags if f.kind == "column_not_read"]


def test_a_late_answer_beside_the_rounds_empty_column_is_taken(master, tmp_path):
    """Fiona's old form has December's column, empty, and her words in a column she added a
    little after the round, "Update as at 10 Jan 24": a late answer, taken as December's (as
    before the year-ahead rule, and as a return edi_xl made is read: helper-146, -147)."""
    from conftest import FIONA

    def late(header, rows):
        header.extend(["Update as at 18 Dec 23", "Update as at 10 Jan 24"])
        for number, row in rows.items():
            row.extend([None, "January words" if number == "2.3" else None])

    own = _old_form_sent_back(master, tmp_path / "r", FIONA, late)
    result = merge_returns(master, [own], as_at=AS_AT)
    assert [(c.id, c.new) for c in result.changes if c.field == "update"] == [
        ("2.3", "January words")
    ]
    assert not [f for f in result.flags if f.kind == "column_not_read"]


def test_a_form_headed_for_the_year_ahead_attached_to_an_email_is_named_for_it(master, tmp_path):
    """The round's reading of a return attached to an email keeps what was set on the return
    once read: the email and the attachment it is named after, which tie it to its owner
    (helper-147: the reading for the round had lost them, and a forwarded email named for
    Fiona holding Jim's form was put down to Fiona)."""
    from email.message import EmailMessage

    from conftest import FIONA

    from edi_xl.flows.intake import for_the_round, read_returns

    own = _old_form_sent_back(master, tmp_path / "form", FIONA, _year_ahead("December words", None))
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "Fiona <f@trust.nhs.uk>", "edi@trust.nhs.uk", "RE"
    msg.set_content("attached")
    kind = "vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    msg.add_attachment(own.read_bytes(), maintype="application", subtype=kind, filename=own.name)
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "FW update.eml").write_bytes(bytes(msg))
    (read,) = read_returns([tmp_path / "inbox"])
    taken = for_the_round(read, AS_AT)
    assert taken is not read and taken.update_header == "Update as at 18 Dec 23"
    assert (taken.email, taken.attachment) == ("FW update.eml", f"{FIONA}.xlsx")
    result = merge_returns(master, [tmp_path / "inbox"], as_at=AS_AT)
    (outcome,) = result.files
    assert (outcome.file, outcome.outcome, outcome.owner) == (
        f"FW update.eml > {FIONA}.xlsx",
        "merged",
        FIONA,
    )
    assert [(c.id, c.new) for c in result.changes if c.field == "update"] == [
        ("2.3", "December words")
    ]


#: What an owner's form may hold in last round's column for 2.3, and whether it is said:
#: her own words are; the master's text, as it was or as HR since edited it, is not.
SEPTEMBER = {
    "her own words": ("My own note: champions trained", True),
    "as the master has it": (None, False),
    "spaced, in capitals, curly quotes, no full stop": ("  {upper}  ", False),
    "as HR put a typo right since": ("{typo}", False),
}


@pytest.mark.parametrize("september", list(SEPTEMBER))
def test_words_in_an_earlier_rounds_column_the_master_does_not_hold_are_said(
    master, tmp_path, september
):
    """Fiona's form has last round's "Update as at 18 Sep 23" and this round's "Update as at
    18 Dec 23", empty. Its September column is last round's: not read. Her own words there
    (an owner's own tracker, her texts never merged; or this round's words typed in the
    wrong column) were passed over without a word, and the return came back "unchanged"
    (helper-148): now said, at the cell, with the action (``earlier_column_text``), and the
    return's reason says there is text to read. Text the master holds (last round's, left as
    it was, however spaced or quoted, or as HR since corrected it in the master) is no one's
    new words, not said (helper-149)."""
    from conftest import FIONA

    text, said = SEPTEMBER[september]
    held = plan_rows(master)["2.3"]["Update as at 18 Sep 23"]

    def edit(header, rows):
        header.append("Update as at 18 Dec 23")
        at = header.index("Update as at 18 Sep 23")
        for number, row in rows.items():
            if number == "2.3" and text is not None:
                shown = held.upper().replace("'", "\u2019").rstrip(".")
                typo = held[:10] + held[10:].replace("e", "a", 1)
                row[at] = text.format(upper=shown, typo=typo)
            row.append(None)

    own = _old_form_sent_back(master, tmp_path / "r", FIONA, edit)
    result = merge_returns(master, [own], as_at=AS_AT)
    assert [c for c in result.changes if c.field == "update"] == []
    flags = [f for f in result.flags if f.kind == "earlier_column_text"]
    (outcome,) = result.files
    assert outcome.outcome == "unchanged"
    if said:
        (row,) = [r.row for r in read_returns([own])[0].rows if r.id == "2.3"]
        assert [(f.id, f.location.column, f.location.cell) for f in flags] == [
            ("2.3", "Update as at 18 Sep 23", f"J{row}")
        ]
        assert "text in 1 column not read (flagged)" in (outcome.reason or "")
    else:
        assert flags == []
        assert outcome.reason == "sent back with no new status or update"


def test_a_monthly_trackers_words_since_the_last_round_are_said(master, tmp_path):
    """An owner's monthly tracker: "Update as at 31 Aug 23" and "Update as at 30 Nov 23" of
    her words, and "Update as at 18 Dec 23", empty. November's words, after the last round,
    are not the master's: said, not passed over (helper-148); August's, before the last round
    (18 Sep 23), were said in that round: not again, every round (helper-149)."""
    from conftest import FIONA

    def monthly(header, rows):
        header.extend(
            ["Update as at 31 Aug 23", "Update as at 30 Nov 23", "Update as at 18 Dec 23"]
        )
        for number, row in rows.items():
            mine = number == "2.3"
            row.extend(
                ["August: scoping" if mine else None, "November: drafted" if mine else None, None]
            )

    own = _old_form_sent_back(master, tmp_path / "r", FIONA, monthly)
    result = merge_returns(master, [own], as_at=AS_AT)
    said = [(f.id, f.location.column) for f in result.flags if f.kind == "earlier_column_text"]
    assert said == [("2.3", "Update as at 30 Nov 23")]


def test_an_earlier_rounds_text_is_compared_as_the_master_holds_it():
    """Last round's text is the master's whatever its case, spacing, quotes and full stop, and
    with the link's address merge wrote after it (helper-149: each was said)."""
    from edi_xl.flows.merge import _held_key

    master = "Ongoing work on Fiona's FTSU policy. (https://trust.nhs.uk/ftsu)"
    for form in (
        "ongoing  work on\nFiona\u2019s FTSU policy",
        "ONGOING WORK ON FIONA'S FTSU POLICY.",
        "Ongoing work on Fiona's FTSU policy.",
    ):
        assert _held_key(form) == _held_key(master), form
    assert _held_key("Ongoing work on the FTSU policy") != _held_key(master)


@pytest.mark.parametrize(
    "title", ["Progress update: December 2023", "Progress update December 2023", "Dec 23 update"]
)
def test_a_cover_sheets_dated_title_does_not_stop_the_update_being_read(master, tmp_path, title):
    """Fiona's own workbook: a cover sheet titled "Progress update: December 2023" (a title,
    no table under it), then her form with its one update column "Update Dec 23". A dated
    header off the tables stops that column being taken only when it heads a table's column
    (a row with "#" or "Action"): a title did, and her words were said, not taken
    (helper-150)."""
    sheets = {
        "Cover": [[title], ["Owner: Fiona MacDonald"], ["Please return by 15 December"]],
        "Return": [
            ["#", "Action", "Status", "Update Dec 23"],
            ["2.3", "FTSU", "On Track", "FTSU policy reviewed in November"],
        ],
    }
    own = _own_workbook(tmp_path / "r" / "Fiona MacDonald.xlsx", sheets)
    result = merge_returns(master, [own], as_at=AS_AT)
    assert [(c.id, c.new) for c in result.changes if c.field == "update"] == [
        ("2.3", "FTSU policy reviewed in November")
    ]
    assert not [f for f in result.flags if f.kind == "column_not_read"]


def test_a_progress_update_column_dated_for_last_round_is_no_update_when_untouched(
    master, tmp_path
):
    """The trust's old form headed "Progress update - Sep 23" (read as its update column by
    its words), sent back untouched: last round's texts, no update. Its date was not read, and
    every September text was written in as December's update (helper-150)."""
    from conftest import FIONA

    def renamed(header, rows):
        header[header.index("Update as at 18 Sep 23")] = "Progress update - Sep 23"

    own = _old_form_sent_back(master, tmp_path / "r", FIONA, renamed)
    result = merge_returns(master, [own], as_at=AS_AT)
    assert [c for c in result.changes if c.field == "update"] == []
    (outcome,) = result.files
    assert outcome.outcome == "unchanged"
