"""The quarterly round as HR live it (issue 14): one round date, a Returns sheet that adds up
over the round, email drafts for the returns and the chase, from the CLI."""

from __future__ import annotations

import itertools
import json
import os
import shutil
from datetime import date, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import EDI_LEAD, FIONA, HAZEL, JIM, LOUANNA, VICTORIA, edit_workbook, plan_rows
from openpyxl import Workbook, load_workbook

from edi_xl.cli import cli
from edi_xl.core import rounds
from edi_xl.core.text import plural
from edi_xl.flows.emails import addresses
from edi_xl.master import sheets
from edi_xl.master.cells import set_value

ROUND_COLUMN = "Update as at 18 Dec 23"
OWNERS = [JIM, FIONA, LOUANNA, HAZEL, EDI_LEAD, VICTORIA]
#: The Owners table HR fill in once; Louanna has no address yet.
ADDRESSES = {
    JIM: ("jim.machon@trust.nhs.uk", "hr.office@trust.nhs.uk"),
    FIONA: ("fiona.macdonald@trust.nhs.uk", None),
    HAZEL: ("hazel.rawdon-smith@trust.nhs.uk", None),
    EDI_LEAD: ("edi.lead@trust.nhs.uk", None),
    VICTORIA: ("victoria.parsons@trust.nhs.uk", None),
}
IDS = {
    JIM: ["1.4", "1.5", "1.8"],
    FIONA: ["1.9", "2.3", "5.6"],
    LOUANNA: ["1.11", "2.1", "3.4", "5.1"],
    HAZEL: ["2.2"],
    EDI_LEAD: ["3.3", "4.1", "4.2"],
    VICTORIA: ["6.3", "6.4", "6.5"],
}


def invoke(*args: Any, exit_codes: tuple[int, ...] = (0, 1)) -> Any:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code in exit_codes, result.output + repr(result.exception)
    return result


def fill_owners(wb: Any) -> None:
    """HR complete the Owners table on Settings (edi_xl listed the owners)."""
    ws = wb[sheets.SETTINGS]
    header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "Action Owner")
    listed = {}
    for r in range(header + 1, ws.max_row + 1):
        if ws.cell(r, 1).value:
            listed[ws.cell(r, 1).value] = r
    assert sorted(listed) == sorted(OWNERS), "edi_xl lists the plan's owners"
    for owner, (email, cc) in ADDRESSES.items():
        ws.cell(listed[owner], 2).value = email
        ws.cell(listed[owner], 3).value = cc


def answer(sent: Path, to: Path, answers: dict[str, tuple[str | None, str | None]]) -> Path:
    """An owner fills in their return (status, update per action id) and sends it back."""
    wb = load_workbook(sent)
    ws = wb["Your actions"]
    for row in range(7, ws.max_row + 1):
        got = answers.get(str(ws.cell(row, 1).value))
        if got:
            if got[0] is not None:
                set_value(ws.cell(row, 4), got[0])
            if got[1] is not None:
                set_value(ws.cell(row, 6), got[1])
    to.mkdir(parents=True, exist_ok=True)
    wb.save(to / sent.name)
    return to / sent.name


def read_draft(path: Path) -> EmailMessage:
    with path.open("rb") as handle:
        msg = BytesParser(policy=policy.default).parse(handle)
    assert isinstance(msg, EmailMessage)
    return msg


def attachment(msg: EmailMessage) -> tuple[str, bytes] | None:
    for part in msg.iter_attachments():
        return part.get_filename(), part.get_content()
    return None


def returned(path: Path) -> dict[str, str]:
    """Owner -> Returned, from the Returns sheet's per-owner table."""
    ws = load_workbook(path)["Returns"]
    out = {}
    for row in ws.iter_rows(min_row=5, values_only=True):
        if not row[0]:
            break
        out[row[0]] = row[1]
    return out


def sheet_values(path: Path, name: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in load_workbook(path)[name].iter_rows(values_only=True)]


def test_a_whole_round_from_the_cli_with_no_as_at_after_new(tmp_path, seed_workbook, monkeypatch):
    plan = tmp_path / "plan.xlsx"
    invoke("new", plan, "--from", seed_workbook, "--as-at", "2023-12-18")
    edit_workbook(plan, fill_owners)
    sent = tmp_path / "Owner returns"  # the folder named on Settings, next to the plan

    # --- returns and their email drafts
    result = invoke("returns", plan, "-o", sent)
    assert result.output.splitlines()[0] == "As at 18 Dec 2023, the round on Settings."
    assert f"No email address on the Settings sheet (Owners table) for 1 owner: {LOUANNA}" in (
        result.output
    )
    for owner in OWNERS:
        msg = read_draft(sent / f"{owner}.eml")
        assert msg["X-Unsent"] == "1"
        email, cc = ADDRESSES.get(owner, (None, None))
        assert msg["To"] == email and msg["Cc"] == cc
        assert msg["Subject"] == "Equality action plan: your update as at 18 December 2023"
        name, data = attachment(msg)
        assert name == f"{owner}.xlsx" and data == (sent / f"{owner}.xlsx").read_bytes()
        body = msg.get_body(("plain",)).get_content()
        assert body.startswith(f"Dear {owner.split(',')[0]},")
        assert "as at 18 December 2023" in body
        assert "send it back to us by 1 January 2024" in body  # 14 days, Reply by is blank
        for action_id in IDS[owner]:
            assert f"\n{action_id}  " in body

    # --- first merge: Jim, and Fiona (who says "At Risk" on an action whose due date passed)
    back1 = tmp_path / "back 1"
    answer(sent / f"{JIM}.xlsx", back1, {"1.4": ("On Track", "Panels agreed"), "1.5": ("A", None)})
    answer(sent / f"{FIONA}.xlsx", back1, {"1.9": ("At Risk", "Waiting for chairs")})
    made = len(sheet_values(plan, "Change Log"))
    result = invoke("merge", plan, back1)
    assert result.output.splitlines()[0] == (
        "As at 18 Dec 2023, the round the returns were made for."
    )
    assert "status_overridden" in result.output
    assert "owner said At Risk; due date passed: Red (Exceeded Timescales)" in result.output
    rows = plan_rows(plan)
    assert [h for h in rows["1.4"] if str(h).startswith("Update as at")] == [
        "Update as at 18 Sep 23",
        ROUND_COLUMN,
    ]
    assert rows["1.4"][ROUND_COLUMN] == "Panels agreed"
    assert rows["1.5"]["Status"] == "At Risk"
    assert rows["1.9"][ROUND_COLUMN] == "Waiting for chairs"
    assert rows["1.9"]["Status"] == "Exceeded Timescales"
    log = sheet_values(plan, "Change Log")[made:]
    assert not [r for r in log if r[1] == "1.9" and r[2] == "Status"], "no At Risk, then Red"
    assert returned(plan) == {
        JIM: "Yes",
        FIONA: "Yes",
        LOUANNA: "No",
        HAZEL: "No",
        EDI_LEAD: "No",
        VICTORIA: "No",
    }

    # --- second merge: the EDI lead answers, Hazel sends her return back untouched
    back2 = tmp_path / "back 2"
    answer(sent / f"{EDI_LEAD}.xlsx", back2, {"3.3": (None, "Network launched"), "4.2": ("G", "")})
    answer(sent / f"{HAZEL}.xlsx", back2, {})
    result = invoke("merge", plan, back2)
    assert "1 unchanged" in result.output
    rows = plan_rows(plan)
    assert rows["3.3"][ROUND_COLUMN] == "Network launched"
    assert rows["1.4"][ROUND_COLUMN] == "Panels agreed"  # the first merge's updates stay
    assert len([h for h in rows["1.4"] if str(h).startswith("Update as at")]) == 2
    assert returned(plan) == {
        JIM: "Yes",  # what the first merge found is kept
        FIONA: "Yes",
        LOUANNA: "No",
        HAZEL: "Unchanged",
        EDI_LEAD: "Yes",
        VICTORIA: "No",
    }
    returns_sheet = sheet_values(plan, "Returns")
    chase_list = next(r[0] for r in returns_sheet if str(r[0]).startswith("Chase list"))
    assert chase_list == "Chase list: 3 owners still owed"
    reminders = {r[0]: r[1] for r in returns_sheet if r[1] and str(r[1]).startswith("Dear")}
    assert set(reminders) == {LOUANNA, HAZEL, VICTORIA}
    assert "had no new status or update" in reminders[HAZEL]
    at = [r[0] for r in returns_sheet].index("Files received this round")
    files = returns_sheet[at + 2 : at + 6]
    assert returns_sheet[at + 6][0] is None
    assert [(r[0], r[3], r[4]) for r in files] == [
        (f"{FIONA}.xlsx", "merged", 1),
        (f"{JIM}.xlsx", "merged", 2),
        (f"{EDI_LEAD}.xlsx", "merged", 1),  # 4.2 "G" is the status sent: nothing new
        (f"{HAZEL}.xlsx", "unchanged", 0),
    ]

    # --- merging the same files again changes nothing and logs nothing
    log_before, returns_before = sheet_values(plan, "Change Log"), sheet_values(plan, "Returns")
    plan_before = sheet_values(plan, "Action Plan")
    result = invoke("merge", plan, back1, back2, "--report", tmp_path / "again.json")
    assert "; 0 changes." in result.output
    assert sheet_values(plan, "Change Log") == log_before
    assert sheet_values(plan, "Returns") == returns_before
    assert sheet_values(plan, "Action Plan") == plan_before

    # --- chase: a draft per owner still owed, their return attached again (two days after
    # the round's date: the Reply by date, 1 January 2024, has not passed)
    monkeypatch.setattr(rounds, "today", lambda: date(2023, 12, 20))
    result = invoke("chase", plan, exit_codes=(0,))
    assert result.output.splitlines()[0] == "As at 18 Dec 2023, the round on Settings."
    chased = sorted(p.name for p in sent.glob("Reminder - *.eml"))
    assert chased == sorted(f"Reminder - {o}.eml" for o in (LOUANNA, HAZEL, VICTORIA))
    assert f"No email address on the Settings sheet (Owners table) for 1 owner: {LOUANNA}" in (
        result.output
    )
    for owner in (LOUANNA, HAZEL, VICTORIA):
        msg = read_draft(sent / f"Reminder - {owner}.eml")
        assert msg["X-Unsent"] == "1"
        assert msg["To"] == ADDRESSES.get(owner, (None,))[0]
        assert (
            msg["Subject"] == "Reminder: Equality action plan: your update as at 18 December 2023"
        )
        name, data = attachment(msg)
        assert name == f"{owner}.xlsx" and data == (sent / f"{owner}.xlsx").read_bytes()
        body = msg.get_body(("plain",)).get_content()
        assert "by 1 January 2024" in body and "18 December 2023" in body
        for action_id in IDS[owner]:
            assert f"\n{action_id}  " in body
    hazel = read_draft(sent / f"Reminder - {HAZEL}.eml").get_body(("plain",)).get_content()
    assert "had no new status or update in it" in hazel
    victoria = read_draft(sent / f"Reminder - {VICTORIA}.eml").get_body(("plain",)).get_content()
    assert "We have not yet received your update" in victoria


def test_a_return_older_than_one_merged_earlier_is_superseded_not_applied(tmp_path, seed_workbook):
    plan = tmp_path / "plan.xlsx"
    invoke("new", plan, "--from", seed_workbook, "--as-at", "2023-12-18")
    invoke("returns", plan, "-o", tmp_path / "sent")
    first = answer(tmp_path / "sent" / f"{JIM}.xlsx", tmp_path / "old", {"1.4": ("G", "draft")})
    newer = answer(tmp_path / "sent" / f"{JIM}.xlsx", tmp_path / "new", {"1.4": ("G", "final")})
    saved_at(first, "2023-12-01T09:00:00Z")  # Jim saved the draft before the final copy
    saved_at(newer, "2023-12-05T09:00:00Z")
    invoke("merge", plan, newer.parent)
    result = invoke("merge", plan, first.parent)
    assert "superseded" in result.output and "; 0 changes." in result.output
    assert plan_rows(plan)["1.4"][ROUND_COLUMN] == "final"


def test_a_return_older_than_one_merged_earlier_has_its_other_changes_applied_and_said(
    tmp_path, seed_workbook
):
    """An owner's draft arriving after their final copy was merged: the action both changed
    keeps the final copy's words (superseded); what only the draft changed is applied, and
    said (older_than_merged), for HR to check with the owner it still stands. Merged again,
    nothing changes; merged in one batch with the final copy, the two are one answer and
    nothing is said (team question 3, session 20)."""
    plan = tmp_path / "plan.xlsx"
    invoke("new", plan, "--from", seed_workbook, "--as-at", "2023-12-18")
    invoke("returns", plan, "-o", tmp_path / "sent")
    batch = plan.with_name("batch.xlsx")
    shutil.copy(plan, batch)
    sent = tmp_path / "sent" / f"{JIM}.xlsx"
    draft = answer(sent, tmp_path / "old", {"1.4": ("G", "draft"), "1.5": ("A", "slipped")})
    final = answer(sent, tmp_path / "new", {"1.4": ("G", "final")})
    saved_at(draft, "2023-12-01T09:00:00Z")
    saved_at(final, "2023-12-05T09:00:00Z")
    invoke("merge", plan, final.parent)
    result = invoke("merge", plan, draft.parent, "--report", tmp_path / "report.json")
    rows = plan_rows(plan)
    assert rows["1.4"][ROUND_COLUMN] == "final" and rows["1.5"][ROUND_COLUMN] == "slipped"
    said = [
        f
        for f in json.loads((tmp_path / "report.json").read_text())["flags"]
        if f["kind"] == "older_than_merged"
    ]
    assert [(f["file"], f["id"]) for f in said] == [(f"{JIM}.xlsx", None)]
    assert said[0]["message"].endswith(
        f"older than {JIM}.xlsx, merged earlier this round from the same owner: what only this "
        f"one changes (1.5) was applied; check with {JIM} that it still stands"
    )
    assert "older_than_merged" in result.output
    returns_sheet = sheet_values(plan, "Returns")
    assert "; 0 changes." in invoke("merge", plan, draft.parent).output
    assert sheet_values(plan, "Returns") == returns_sheet
    # the final copy merged again (of the draft's name) says nothing of the draft's, and
    # leaves the draft's flags listed (helper-120: flags name a file by name only)
    result = invoke("merge", plan, final.parent)
    assert "older_than_merged" not in result.output
    assert sheet_values(plan, "Returns") == returns_sheet
    # one batch: the final copy and the draft together
    result = invoke("merge", batch, final.parent, draft.parent)
    assert "older_than_merged" not in result.output
    assert plan_rows(batch)["1.5"][ROUND_COLUMN] == "slipped"
    # a draft with no hidden record (a csv): merged again, it changes nothing the master holds
    # now, and is said alike
    csv_draft = tmp_path / "csv" / f"{JIM}.csv"
    csv_draft.parent.mkdir()
    csv_draft.write_text("#,Status,Update\n1.5,At Risk,late\n", encoding="utf-8")
    os.utime(csv_draft, (datetime(2023, 12, 2, 9).timestamp(),) * 2)
    assert "older_than_merged" in invoke("merge", plan, csv_draft.parent).output
    returns_sheet = sheet_values(plan, "Returns")
    again = invoke("merge", plan, csv_draft.parent, "--report", tmp_path / "again.json").output
    flags = json.loads((tmp_path / "again.json").read_text())["flags"]
    assert "older_than_merged" in [f["kind"] for f in flags]  # (raised again, the report says)
    assert "older_than_merged" not in again  # (said before: counted, not listed again)
    assert "said at an earlier merge this round, not listed again" in again
    assert "1 file (1 merged); 0 changes." in again  # (not "superseded": it is what stands)
    assert sheet_values(plan, "Returns") == returns_sheet


def files_received(path: Path) -> dict[str, tuple[Any, ...]]:
    """File -> (outcome, rows updated, reason), from the Returns sheet's list of files."""
    values = sheet_values(path, "Returns")
    at = next(i for i, r in enumerate(values) if r[0] == "Files received this round") + 2
    out = {}
    for row in values[at:]:
        if not row[0]:
            break
        out[row[0]] = (row[3], row[4], row[6])
    return out


def owner_line(path: Path, owner: str) -> tuple[Any, ...]:
    """(Returned, File(s), Rows updated) of ``owner``'s line on the Returns sheet."""
    row = next(r for r in sheet_values(path, "Returns") if r[0] == owner)
    return row[1], row[3], row[4]


def test_returns_of_one_owner_each_applied_are_listed_merged_not_superseded(tmp_path, master):
    """An owner's files merged together, or one merge after another, each listed as merged
    for the rows of theirs that stand; one is superseded only when newer ones took every
    action it changed (helper-99, session 20: every file but the newest was listed
    "superseded, 0 rows updated, a newer return came in", its updates in the plan, and the
    owner's line undercounted the rows updated)."""
    plan = tmp_path / "plan.xlsx"
    shutil.copy(master, plan)
    sent = tmp_path / "sent" / f"{JIM}.xlsx"
    invoke("returns", plan, "-o", sent.parent)

    def send(folder: str, when: str, answers: dict[str, Any]) -> Path:
        back = answer(sent, tmp_path / folder, answers)
        saved_at(back, when)
        return back

    # one merge, two files: the first's 1.4 and 1.8, the newer one's 1.5
    send("together/a", "2023-12-01T09:00:00Z", {"1.4": ("G", "a 1.4"), "1.8": ("G", "a 1.8")})
    send("together/b", "2023-12-02T09:00:00Z", {"1.5": ("G", "b 1.5")})
    invoke("merge", plan, tmp_path / "together")
    a, b = f"a/{JIM}.xlsx", f"b/{JIM}.xlsx"
    assert files_received(plan) == {a: ("merged", 2, None), b: ("merged", 1, None)}
    assert owner_line(plan, JIM) == ("Yes", f"{a}, {b}", 3)
    # a later merge: a newer file takes 1.8 (and 1.5 again): a keeps 1.4
    send("later/c", "2023-12-05T09:00:00Z", {"1.5": ("A", "c 1.5"), "1.8": ("A", "c 1.8")})
    invoke("merge", plan, tmp_path / "later")
    c = f"c/{JIM}.xlsx"
    assert files_received(plan) == {
        a: ("merged", 1, None),
        b: ("superseded", 0, f"a newer return ({c}) came in"),
        c: ("merged", 2, None),
    }
    assert owner_line(plan, JIM)[2] == 3
    # and the newest takes 1.4: nothing of a's stands
    send("last/d", "2023-12-08T09:00:00Z", {"1.4": ("A", "d 1.4")})
    invoke("merge", plan, tmp_path / "last")
    rows = plan_rows(plan)
    assert [rows[i][ROUND_COLUMN] for i in ("1.4", "1.5", "1.8")] == ["d 1.4", "c 1.5", "c 1.8"]
    received = files_received(plan)
    assert received[a] == ("superseded", 0, f"a newer return (d/{JIM}.xlsx) came in")
    assert received[c] == ("merged", 2, None)
    assert owner_line(plan, JIM)[2] == 3


def hr_types(master: Path, cells: dict[str, dict[str, Any]]) -> None:
    """HR type into the master's plan, as in Excel: per action number, per column, the value."""

    def edit(wb: Any) -> None:
        ws = wb["Action Plan"]
        header = [c.value for c in ws[4]]
        rows = {ws.cell(r, 1).value: r for r in range(5, ws.max_row + 1)}
        for action_id, values in cells.items():
            for column, value in values.items():
                ws.cell(rows[action_id], header.index(column) + 1).value = value

    edit_workbook(master, edit)


def saved_at(path: Path, when: str) -> None:
    """Set the save time recorded inside a workbook (docProps/core.xml), as Excel writes it."""
    import re
    import zipfile

    parts = {}
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            parts[name] = z.read(name)
    core = parts["docProps/core.xml"].decode()
    core = re.sub(r"(<dcterms:modified[^>]*>)[^<]*(<)", rf"\g<1>{when}\g<2>", core)
    parts["docProps/core.xml"] = core.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def test_round_start_sets_the_date_adds_the_column_after_the_previous_and_logs_it(master):
    result = invoke("round", master, "--start", "2024-03-18")
    assert result.output.splitlines()[0] == "As at 18 Mar 2024, the round started (--start)."
    assert "previous round was 18 Dec 2023" in result.output
    wb = load_workbook(master)
    assert sheets.read_settings(wb).as_at == date(2024, 3, 18)
    header = [c.value for c in wb["Action Plan"][4]]
    assert header[9:12] == ["Update as at 18 Sep 23", "Update as at 18 Mar 24", "Overdue"]
    log = [r[2:5] for r in wb["Change Log"].iter_rows(min_row=2, values_only=True)]
    assert ("Update as at 18 Mar 24", None, "column added for the new round") in log
    assert any(r[0] == "Settings: As-at date" and r[2] == datetime(2024, 3, 18) for r in log)
    # every command now works as at the new round, and says so first
    for command in ("refresh", "check", "summary"):
        out = invoke(command, master).output
        assert out.splitlines()[0] == "As at 18 Mar 2024, the round on Settings.", command
    shown = invoke("round", master).output
    assert "As at 18 Mar 2024, the round on Settings." in shown
    again = invoke("round", master, "--start", "2024-03-18")
    assert "already the current one" in again.output
    assert [c.value for c in load_workbook(master)["Action Plan"][4]] == header
    earlier = invoke("round", master, "--start", "2024-01-01", exit_codes=(2,))
    assert "cannot start before it" in earlier.output


def test_round_start_names_the_plan_sheet_it_added_the_column_to(master):
    """The message says where the round's column went: "the Action Plan", or the sheet the
    trust keeps its plan on, by its title."""
    out = invoke("round", master, "--start", "2024-03-18").output
    assert "the Action Plan has the column 'Update as at 18 Mar 24'" in out
    wb = load_workbook(master)
    wb["Action Plan"].title = "Plan (2024) O'Neil"
    wb.save(master)
    out = invoke("round", master, "--start", "2024-06-18").output
    assert "the sheet \"Plan (2024) O'Neil\" has the column 'Update as at 18 Jun 24'" in out


def test_a_new_round_column_is_as_wide_as_the_previous_rounds(master):
    """The plan grows by one column of the width the person keeps the updates at, not more."""
    wb = load_workbook(master)
    wb["Action Plan"].column_dimensions["J"].width = 33  # Update as at 18 Sep 23
    wb.save(master)
    invoke("round", master, "--start", "2024-03-18")
    ws = load_workbook(master)["Action Plan"]
    assert ws["K4"].value == "Update as at 18 Mar 24"
    assert ws.column_dimensions["K"].width == 33
    assert ws.column_dimensions["J"].width == 33


def test_a_new_round_column_looks_as_the_previous_rounds(master):
    """Its cells under the header take the previous round's look (borders, wrapping), as
    Excel's insert does ("Format Same As Left", which the buttons ask Excel for): the new
    column printed with no borders in a bordered table (helper-44, session 15)."""
    invoke("round", master, "--start", "2024-03-18")
    ws = load_workbook(master)["Action Plan"]
    assert ws["J4"].value == "Update as at 18 Sep 23" and ws["K4"].value == "Update as at 18 Mar 24"
    looks = {
        (c.border.left.style, c.border.bottom.style, c.alignment.wrap_text)
        for row in range(5, ws.max_row + 1)
        for c in (ws.cell(row, 10), ws.cell(row, 11))
        if ws.cell(row, 1).value
    }
    assert looks == {("thin", "thin", True)}, looks


def test_round_start_defaults_to_today(master, monkeypatch):
    import edi_xl.cli

    monkeypatch.setattr(edi_xl.cli, "_today", lambda: date(2024, 6, 3))
    invoke("round", master, "--start")
    assert sheets.read_settings(load_workbook(master)).as_at == date(2024, 6, 3)


def test_a_late_return_merged_into_its_own_round_says_how_to_go_back(tmp_path, master):
    """Jim's return for the round as at 18 Dec 2023 comes in after the next round started:
    merged into its own round, the round on Settings moves back to it, and the merge says so
    and how to go back (helper-53, session 16: nothing said it)."""
    invoke("returns", master, "-o", tmp_path / "sent")
    back = answer(tmp_path / "sent" / f"{JIM}.xlsx", tmp_path / "back", {"1.4": ("G", "ok")})
    invoke("round", master, "--start", "2024-03-18")
    late = invoke("merge", master, back, "--as-at", "2023-12-18", exit_codes=(0,))
    assert plan_rows(master)["1.4"][ROUND_COLUMN] == "ok"
    assert (
        "The round on Settings is now 18 Dec 2023, the round merged into (it was 18 Mar 2024)"
        in late.output
    )
    assert f"edi-xl round {master} --start 2024-03-18" in late.output
    assert "moved back from" not in late.output  # (the refresh's note, said once above)
    assert sheets.read_settings(load_workbook(master)).as_at == date(2023, 12, 18)
    invoke("round", master, "--start", "2024-03-18")  # as the merge said
    assert sheets.read_settings(load_workbook(master)).as_at == date(2024, 3, 18)
    # (merged, or left out as saved before the round began: which, turns on the clock's
    # second between the return's save and the round's start; neither moves the round back)
    again = invoke("merge", master, back, "--as-at", "2024-03-18")
    assert "The round on Settings is now" not in again.output  # (not moved back)


def test_a_return_for_an_earlier_round_saved_before_this_one_began_is_left_out(tmp_path, master):
    """Jim's return for the round as at 18 Dec 2023, saved before the next round began, comes
    in after it: a merge without --as-at leaves it out, naming its round, and says how to
    merge a late return into its own round (it asked which round, exit 2, and the --as-at it
    offered took it into the new round's column: helper-53, session 16). Returns made for a
    later round than the one on Settings still ask which round."""
    invoke("returns", master, "-o", tmp_path / "sent")
    back = answer(tmp_path / "sent" / f"{JIM}.xlsx", tmp_path / "back", {"1.4": ("G", "ok")})
    saved_at(back, "2020-01-06T09:00:00Z")  # before the next round was started
    invoke("round", master, "--start", "2024-03-18")
    left = invoke("merge", master, back.parent, exit_codes=(0,))
    assert left.output.splitlines()[0] == "As at 18 Mar 2024, the round on Settings."
    assert (
        f"skipped: {JIM}.xlsx - an earlier round's return: made for the round as at 18 Dec "
        "2023 and saved (2020-01-06 09:00) before the round as at 18 Mar 2024 began; not merged"
    ) in left.output
    assert "merge that file on its own with --as-at its round's date" in left.output
    assert plan_rows(master)["1.4"]["Update as at 18 Mar 24"] is None
    invoke("merge", master, back, "--as-at", "2023-12-18", exit_codes=(0,))  # its own round
    assert plan_rows(master)["1.4"][ROUND_COLUMN] == "ok"
    # a return of the later round now asks which round: the Settings date is the earlier one
    invoke("returns", master, "-o", tmp_path / "sent 2", "--as-at", "2024-03-18")
    later = answer(tmp_path / "sent 2" / f"{FIONA}.xlsx", tmp_path / "later", {"2.3": ("A", "x")})
    before = master.read_bytes()
    asked = invoke("merge", master, later.parent, exit_codes=(2,))
    assert "the returns were made for the round as at 18 Mar 2024" in asked.output
    assert "round on the Settings sheet is 18 Dec 2023" in asked.output
    assert "--as-at 2024-03-18 (this moves the Settings date on to 18 Mar 2024)" in asked.output
    assert master.read_bytes() == before  # nothing merged, no new column


def _as_csv(xlsx: Path, to: Path) -> Path:
    """The return's action sheet saved as CSV (as an owner's "Save As" does): its hidden
    record left behind."""
    import csv

    ws = load_workbook(xlsx, data_only=True).worksheets[0]
    to.parent.mkdir(parents=True, exist_ok=True)
    with to.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(ws.iter_rows(values_only=True))
    return to


def test_last_rounds_csv_return_saved_before_this_round_began_is_left_out(tmp_path, master):
    """Jim sent his December return back as CSV (its hidden record left behind), and it stays
    in the Returns received folder. In the next round it was merged again: his December
    statuses were taken as March's, last round's text said as changed, and the Returns sheet
    showed him as having returned for March, so he was not chased (helper-165, session 31).
    A return with no record whose update column is dated for an earlier round of the master,
    saved before this round began, is that round's, as one with a record is: left out, named.
    The same CSV saved since the round began (an owner who filled last round's form again) is
    merged, as before."""
    received = tmp_path / "Returns received"
    invoke("returns", master, "-o", tmp_path / "sent")
    back = answer(tmp_path / "sent" / f"{JIM}.xlsx", tmp_path / "back", {"1.4": ("G", "ok")})
    old = _as_csv(back, received / f"{JIM}.csv")
    invoke("merge", master, received)
    assert plan_rows(master)["1.4"][ROUND_COLUMN] == "ok"
    os.utime(old, (1578301200, 1578301200))  # saved 2020-01-06 09:00 UTC, before March's
    invoke("round", master, "--start", "2024-03-18")
    left = invoke("merge", master, received, exit_codes=(0,))
    assert (
        f"skipped: {JIM}.csv - an earlier round's return: made for the round as at 18 Dec "
        "2023 (its update column, 'Update as at 18 Dec 23', holds that round's text) and saved "
        "(2020-01-06 09:00) before the round as at 18 Mar 2024 began; not merged"
    ) in left.output
    assert "locked_field_changed" not in left.output
    assert plan_rows(master)["1.4"]["Update as at 18 Mar 24"] is None
    assert returned(master)[JIM] == "No"
    # filled in again since the round began: this round's answer, on last round's form
    os.utime(old, None)
    taken = invoke("merge", master, received, exit_codes=(0, 1))
    assert "skipped" not in taken.output
    assert returned(master)[JIM] == "Yes"


@pytest.mark.parametrize("started", [True, False])
def test_last_rounds_csv_form_with_words_or_a_round_never_started_is_merged(
    tmp_path, master, started
):
    """What :func:`test_last_rounds_csv_return_saved_before_this_round_began_is_left_out`
    leaves out is only last round's return as merged, in a round whose start is known
    (helper-166): December's CSV form with a word of the owner's own the master does not
    hold is merged, its words taken and said; and in a round never started (its date given
    to the merge), when it began is not known, so a CSV saved before its date, its statuses
    changed, is merged as before."""
    invoke("returns", master, "-o", tmp_path / "sent")
    back = answer(tmp_path / "sent" / f"{JIM}.xlsx", tmp_path / "back", {"1.4": ("G", "ok")})
    invoke("merge", master, back)
    received = tmp_path / "Returns received"
    if started:
        edited = answer(
            tmp_path / "sent" / f"{JIM}.xlsx", tmp_path / "b2", {"1.4": ("G", "March words")}
        )
    else:
        edited = answer(tmp_path / "sent" / f"{JIM}.xlsx", tmp_path / "b2", {"1.4": ("B", "ok")})
    form = _as_csv(edited, received / f"{JIM}.csv")
    os.utime(form, (1578301200, 1578301200))  # saved 2020-01-06 09:00 UTC
    if started:
        invoke("round", master, "--start", "2024-03-18")
        taken = invoke("merge", master, received)
    else:
        taken = invoke("merge", master, received, "--as-at", "2024-03-18")
    assert "skipped" not in taken.output
    assert returned(master)[JIM] == "Yes"
    rows = plan_rows(master)
    if started:
        assert rows["1.4"]["Update as at 18 Mar 24"] == "March words"
        assert "earlier_round_column" in taken.output
    else:
        assert rows["1.4"]["Status"] == "Complete"


def test_a_returns_folder_kept_all_year_is_merged_without_as_at(tmp_path, master):
    """The one Returns received folder holds last round's returns and this round's: the merge
    takes this round's, leaves out last round's (saved before this round began) and takes a
    return of last round's form saved since, flagged (helper-53, session 16: the merge stopped,
    and the --as-at it pointed to wrote last round's updates into this round's column and
    counted their owners as returned)."""
    received = tmp_path / "Returns received"
    invoke("returns", master, "-o", tmp_path / "sent")
    old = answer(tmp_path / "sent" / f"{JIM}.xlsx", received, {"1.4": ("G", "December's")})
    saved_at(old, "2020-01-06T09:00:00Z")
    invoke("merge", master, received)
    invoke("round", master, "--start", "2024-03-18")
    # Victoria fills in last round's form again, after the new round began
    again = answer(tmp_path / "sent" / f"{VICTORIA}.xlsx", tmp_path / "v", {"6.3": ("A", "V")})
    shutil.move(again, received / "victoria, on the old form.xlsx")
    saved_at(received / "victoria, on the old form.xlsx", "2099-01-06T09:00:00Z")
    invoke("returns", master, "-o", tmp_path / "sent 2")
    answer(tmp_path / "sent 2" / f"{FIONA}.xlsx", received, {"2.3": ("A", "March's")})
    result = invoke("merge", master, received, "--report", tmp_path / "r.json", exit_codes=(1,))
    # (a folder of two rounds' returns: the round on Settings, said so: helper-56)
    assert result.output.splitlines()[0] == "As at 18 Mar 2024, the round on Settings."
    assert "3 files (2 merged, 1 skipped)" in result.output
    assert f"skipped: {JIM}.xlsx - an earlier round's return" in result.output
    assert "other_round: victoria, on the old form.xlsx" in result.output
    rows = plan_rows(master)
    assert rows["1.4"]["Update as at 18 Mar 24"] is None  # December's stays in December's
    assert rows["1.4"][ROUND_COLUMN] == "December's"
    assert rows["2.3"]["Update as at 18 Mar 24"] == "March's"
    assert rows["6.3"]["Update as at 18 Mar 24"] == "V"
    owners = returned(master)
    assert (owners[JIM], owners[FIONA], owners[VICTORIA]) == ("No", "Yes", "Yes")
    # --as-at the round on Settings gives the same: last round's return is not taken again
    again_result = invoke("merge", master, received, "--as-at", "2024-03-18", exit_codes=(1,))
    assert f"skipped: {JIM}.xlsx" in again_result.output and "; 0 changes." in (again_result.output)


def test_merge_of_plain_returns_goes_into_the_round_on_settings(tmp_path, master):
    folder = tmp_path / "back"
    folder.mkdir()
    (folder / "jim.csv").write_text("#,Status,Update\n1.4,G,by email\n", encoding="utf-8")
    result = invoke("merge", master, folder)
    assert result.output.splitlines()[0] == "As at 18 Dec 2023, the round on Settings."
    assert plan_rows(master)["1.4"][ROUND_COLUMN] == "by email"


def test_an_update_longer_than_a_cell_is_flagged_and_kept_whole_in_the_report(tmp_path, master):
    import json

    long = "x" * 33_000 + " end"
    folder = tmp_path / "back"
    folder.mkdir()
    # a CSV can hold any length (an xlsx cannot: Excel itself stops at 32,767)
    (folder / "jim.csv").write_text(f"#,Status,Update\n1.4,G,{long}\n", encoding="utf-8")
    report = tmp_path / "report.json"
    result = invoke("merge", master, folder, "--report", report)
    assert "value_truncated" in result.output and "33,004 characters" in result.output
    assert result.exit_code == 1
    doc = json.loads(report.read_text(encoding="utf-8"))
    assert [c["new"] for c in doc["changes"] if c["id"] == "1.4"] == [long]
    flag = next(f for f in doc["flags"] if f["kind"] == "value_truncated")
    assert flag["file"] == "jim.csv" and "row 2" in flag["message"]
    assert plan_rows(master)["1.4"][ROUND_COLUMN] == long[:32_767]
    again = invoke("merge", master, folder)
    assert "; 0 changes." in again.output  # the cut text is not "changed" again


def test_an_encrypted_master_says_remove_the_password(tmp_path, master):
    from msoffcrypto.format.ooxml import OOXMLFile

    locked = tmp_path / "locked.xlsx"
    with master.open("rb") as plain, locked.open("wb") as out:
        OOXMLFile(plain).encrypt("s3cret", out)
    for command in ("refresh", "returns", "summary", "chase"):
        extra = ("-o", tmp_path / "r") if command == "returns" else ()
        result = invoke(command, locked, *extra, exit_codes=(2,))
        assert (
            "password protected: remove the password in Excel (File > Info > Protect "
            "Workbook) and try again" in result.output
        ), command


@pytest.mark.parametrize("kind", ["docx", "csv", "pdf"])
def test_a_document_given_as_master_points_to_import(tmp_path, kind):
    path = tmp_path / f"plan.{kind}"
    if kind == "docx":
        from docx import Document

        Document().save(path)
    elif kind == "csv":
        path.write_text("#,Action,Action Owner,Due Date,Status\n1.1,Do,Jo,31/03/2024,G\n")
    else:
        path.write_bytes(b"%PDF-1.4\n%...\n")
    for command in ("refresh", "merge", "summary"):
        extra = (tmp_path,) if command == "merge" else ()
        result = invoke(command, path, *extra, exit_codes=(2,))
        assert "edi-xl import" in result.output and "new plan.xlsx --from" in result.output
        assert "Traceback" not in result.output
    if kind == "csv":
        checked = invoke("check", path)
        assert "is not a master: checked as read" in checked.output


def test_returns_into_a_folder_of_the_same_round_needs_force(tmp_path, master):
    out = tmp_path / "sent"
    invoke("returns", master, "-o", out)
    edited = answer(out / f"{JIM}.xlsx", out, {"1.4": ("G", "my words")})
    before = edited.read_bytes()
    result = invoke("returns", master, "-o", out, exit_codes=(2,))
    assert "already holds 6 owner returns" in result.output and "--force" in result.output
    assert edited.read_bytes() == before
    invoke("returns", master, "-o", out, "--force")
    assert edited.read_bytes() != before


def test_eml_files_in_a_returns_folder_are_skipped_quietly(tmp_path, master):
    out = tmp_path / "sent"
    invoke("returns", master, "-o", out)
    result = invoke("merge", master, out)
    assert "rejected" not in result.output
    shutil.rmtree(out)


def test_round_start_says_where_the_returns_go_as_the_buttons_and_chase_use_it(tmp_path, master):
    """The "Next:" line names the owner-returns folder on Settings, beside the master (it
    named a dated folder chase never looked in: helper-44, session 15)."""
    result = invoke("round", master, "--start", "2024-03-18")
    assert f'Next: edi-xl returns {master} -o "{master.parent / "Owner returns"}"' in (
        result.output
    )


def one_return_merged(
    tmp_path: Path, master: Path, folder: str, owner: str, answers: dict[str, Any]
) -> tuple[Path, Path]:
    """A copy of ``master`` (plan.xlsx), its returns written into ``folder`` beside it, and
    ``owner``'s answered and merged: the plan and the folder."""
    plan = tmp_path / "plan.xlsx"
    shutil.copy(master, plan)
    sent = tmp_path / folder
    invoke("returns", plan, "-o", sent)
    back = tmp_path / "received"
    answer(sent / f"{owner}.xlsx", back, answers)
    invoke("merge", plan, back)
    return plan, sent


def test_a_rejected_return_renamed_as_people_do_is_still_its_owners(tmp_path, master):
    """A return that cannot be used (a password on it), renamed "Copy of <owner>" or "<owner>
    FINAL v2": its owner is told their file could not be read, not chased as if they had sent
    nothing (helper-99, session 20: "we have not yet received your update"). A file naming
    two owners is neither's."""
    from msoffcrypto.format.ooxml import OOXMLFile

    plan, sent = _returns_sent(tmp_path, master)
    back = tmp_path / "received"
    back.mkdir()
    for owner, name in (
        (JIM, f"Copy of {JIM}.xlsx"),
        (FIONA, f"{FIONA} FINAL v2.xlsx"),
        (LOUANNA, f"{LOUANNA} and {HAZEL}.xlsx"),
    ):
        with (sent / f"{owner}.xlsx").open("rb") as plain, (back / name).open("wb") as locked:
            OOXMLFile(plain).encrypt("s3cret", locked)
    invoke("merge", plan, back)
    owners = returned(plan)
    assert (owners[JIM], owners[FIONA]) == ("Rejected", "Rejected")
    assert (owners[LOUANNA], owners[HAZEL]) == ("No", "No")
    values = sheet_values(plan, "Returns")
    reminders = {r[0]: r[1] for r in values if r[0] in OWNERS and isinstance(r[1], str)}
    assert (
        "we could not read the file you sent for the round as at 18 December 2023 "
        f"(Copy of {JIM}.xlsx: password protected" in reminders[JIM]
    )
    assert "we have not yet received" in reminders[LOUANNA]


def test_an_owners_own_form_whose_update_cannot_be_told_says_what_to_change(tmp_path, master):
    """An owner who sent back a form of their own, with last quarter's and this quarter's
    update columns and no Status column, is told in the reminder what to change (the sheet,
    the row, the columns, the heading to give this round's): not "no action table found",
    which their "Update" headings contradict, nor anything about merging, HR's business."""
    plan, _ = _returns_sent(tmp_path, master)
    back = tmp_path / "received"
    back.mkdir()
    wb = Workbook()
    ws = wb.active
    ws.title = "My actions"
    ws.append(["Ref", "Action", "Update Sep 23", "Update Dec 23"])
    ws.append(["1.4", "Complete a review", "Scoping", "Panels trained in November"])
    wb.save(back / f"{JIM}.xlsx")
    invoke("merge", plan, back)
    assert returned(plan)[JIM] == "Rejected"
    reminders = {r[0]: r[1] for r in sheet_values(plan, "Returns") if r[0] in OWNERS}
    assert (
        "we could not read the file you sent for the round as at 18 December 2023 "
        f"({JIM}.xlsx: the table of actions on sheet 'My actions' (header row 1) has no Status "
        "column, and edi_xl cannot tell which of 'Update Sep 23' (column C) and 'Update Dec 23' "
        "(column D) holds this round's update, so nothing was read from this file: head the "
        "column with this round's update 'Update' (or 'Status' if it holds this round's "
        "statuses, such as On track or At risk); leave the others as they are). Please set a "
        "Status for each of your actions"
    ) in reminders[JIM]


def test_chase_finds_the_returns_where_returns_wrote_them(tmp_path, master, monkeypatch):
    """Returns written with ``-o`` to a folder beside the master, not the one on Settings:
    chase finds and attaches them (before: reminders with nothing attached, saying "in the
    attached return", exit 0). When the round's Reply by date has passed, a reminder asks
    for the return a week from the day it is written; its subject says it is a reminder."""
    plan, sent = one_return_merged(
        tmp_path, master, "Owner returns 2023-12-18", JIM, {"1.4": ("On Track", "Panels agreed")}
    )
    monkeypatch.setattr(rounds, "today", lambda: date(2024, 1, 10))  # Reply by: 1 Jan 2024
    result = invoke("chase", plan, exit_codes=(0,))
    assert "Return not found" not in result.output
    reminders = sorted((tmp_path / "Owner returns").glob("Reminder - *.eml"))
    assert [p.name for p in reminders] == sorted(f"Reminder - {o}.eml" for o in OWNERS if o != JIM)
    for path in reminders:
        msg = read_draft(path)
        owner = path.stem.removeprefix("Reminder - ")
        name, data = attachment(msg)
        assert name == f"{owner}.xlsx" and data == (sent / name).read_bytes()  # the one sent
        body = msg.get_body(("plain",)).get_content()
        assert "send it back to us by 17 January 2024" in body
        assert msg["Subject"].startswith("Reminder: ")


def test_a_reminder_with_no_return_to_attach_needs_a_person(tmp_path, master, monkeypatch):
    plan = tmp_path / "plan.xlsx"
    shutil.copy(master, plan)
    deeper = tmp_path / "elsewhere" / "deeper"
    invoke("returns", plan, "-o", deeper)
    monkeypatch.setattr(rounds, "today", lambda: date(2023, 12, 20))
    # none of the round's returns found where chase looks, none merged: nothing is written
    result = invoke("chase", plan, exit_codes=(2,))
    assert "no returns made for the round as at 18 December 2023 yet" in result.output
    assert "edi-xl chase --returns FOLDER says where" in result.output
    assert not list(tmp_path.glob("*/Reminder - *.eml"))
    # told where they are, it attaches them; the drafts go to the folder on Settings, as
    # ever (not into the folder of the returns: two sets of reminders side by side)
    result = invoke("chase", plan, "--returns", deeper, exit_codes=(0,))
    assert "Return not found" not in result.output
    drafts = sorted((tmp_path / "Owner returns").glob("Reminder - *.eml"))
    assert drafts and all(attachment(read_draft(p)) for p in drafts)
    assert not list(deeper.glob("Reminder - *.eml"))
    # one of them not there: its reminder goes without it, and the owner is named
    (deeper / f"{JIM}.xlsx").unlink()
    result = invoke("chase", plan, "--returns", deeper, exit_codes=(1,))
    assert f"Return not found to attach for: {JIM} " in result.output
    assert "attach it before sending" in result.output


def test_chase_returns_folder_is_relative_to_the_current_folder(tmp_path, master, monkeypatch):
    """``chase sub/plan.xlsx --returns sent -o out`` run from the folder holding sent/: both
    paths are from the current folder, as any command line's (helper-99, session 20:
    --returns was read from the master's folder, sub/sent, and exit 2 "no returns made")."""
    (tmp_path / "sub").mkdir()
    shutil.copy(master, tmp_path / "sub" / "plan.xlsx")
    monkeypatch.chdir(tmp_path)
    invoke("returns", "sub/plan.xlsx", "-o", "sent")
    monkeypatch.setattr(rounds, "today", lambda: date(2023, 12, 20))
    result = invoke("chase", "sub/plan.xlsx", "--returns", "sent", "-o", "out", exit_codes=(0,))
    assert "Return not found" not in result.output
    drafts = sorted((tmp_path / "out").glob("Reminder - *.eml"))
    assert len(drafts) == len(OWNERS) and all(attachment(read_draft(p)) for p in drafts)


def test_chase_before_the_rounds_returns_are_made_writes_nothing(tmp_path, master, monkeypatch):
    """The next round started, its returns not made yet: chase says so and writes nothing,
    exit 2 (helper-53, session 16: a reminder to every owner "in the attached return", with
    nothing attached, in place of last round's)."""
    plan = tmp_path / "plan.xlsx"
    shutil.copy(master, plan)
    invoke("returns", plan, "-o", tmp_path / "Owner returns")
    monkeypatch.setattr(rounds, "today", lambda: date(2023, 12, 20))
    invoke("chase", plan, exit_codes=(0,))
    before = {p.name: p.read_bytes() for p in (tmp_path / "Owner returns").glob("Reminder*")}
    assert len(before) == len(OWNERS)
    invoke("round", plan, "--start", "2024-03-18")
    result = invoke("chase", plan, exit_codes=(2,))
    assert (
        "no returns made for the round as at 18 March 2024 yet: run edi-xl returns first"
        in result.output
    )
    after = {p.name: p.read_bytes() for p in (tmp_path / "Owner returns").glob("Reminder*")}
    assert after == before  # last round's reminders left as they were
    invoke("returns", plan, "-o", tmp_path / "Owner returns")
    assert "6 chase drafts" in invoke("chase", plan, exit_codes=(0,)).output


def test_the_returns_sheet_lists_the_owners_chase_counts(tmp_path, master, monkeypatch):
    """Hazel's return completes her only action: she returned in that round; the next round
    she is sent no return and not chased, and the Returns sheet neither lists her as owing
    one nor puts her on its chase list (helper-53, session 16: Returned "No", chased)."""
    plan, sent = one_return_merged(
        tmp_path, master, "Owner returns", HAZEL, {"2.2": ("Complete", "Report published")}
    )
    assert returned(plan)[HAZEL] == "Yes"
    invoke("round", plan, "--start", "2024-03-18")
    invoke("returns", plan, "-o", tmp_path / "Owner returns 2")
    back = answer(
        tmp_path / "Owner returns 2" / f"{JIM}.xlsx", tmp_path / "r2", {"1.4": ("G", "x")}
    )
    invoke("merge", plan, back.parent)
    owners = returned(plan)
    assert HAZEL not in owners and owners[JIM] == "Yes" and len(owners) == len(OWNERS) - 1
    values = sheet_values(plan, "Returns")
    chase_list = next(r[0] for r in values if str(r[0]).startswith("Chase list"))
    monkeypatch.setattr(rounds, "today", lambda: date(2024, 3, 20))
    result = invoke("chase", plan, "--returns", tmp_path / "Owner returns 2", exit_codes=(0,))
    assert chase_list == "Chase list: 4 owners still owed"
    assert "4 chase drafts" in result.output and HAZEL not in result.output


def test_an_owner_who_completed_every_action_counts_as_returned(tmp_path, master, monkeypatch):
    """Hazel's return marks her only action Complete: she is owed nothing, and chase counts
    her among the owners who have returned (helper-48, session 15: she was counted neither
    owed nor returned, "0 owners have returned")."""
    plan, sent = one_return_merged(
        tmp_path, master, "Owner returns", HAZEL, {"2.2": ("Complete", "Report published")}
    )
    assert plan_rows(plan)["2.2"]["Status"] == "Complete"
    monkeypatch.setattr(rounds, "today", lambda: date(2023, 12, 20))
    result = invoke("chase", plan, exit_codes=(0,))
    assert "; 1 owner has returned." in result.output
    assert not (sent / f"Reminder - {HAZEL}.eml").exists()


def test_an_owner_written_two_ways_is_counted_once(tmp_path, master, monkeypatch):
    """An owner whose name is written two ways in the plan ("Hazel ...", "hazel  ...") is one
    owner: one return, and once among those who have returned (helper-50)."""
    import re

    other = re.sub(r"\s+", "  ", HAZEL.lower())

    def second_spelling(wb: Any) -> None:
        ws = wb["Action Plan"]
        header = next(r for r in range(1, 20) if ws.cell(r, 1).value == "#")
        owner = [c.value for c in ws[header]].index("Action Owner") + 1
        row = next(r for r in range(header, ws.max_row + 1) if ws.cell(r, 1).value == "3.3")
        ws.cell(row, owner).value = other

    edit_workbook(master, second_spelling)
    plan, _ = one_return_merged(
        tmp_path,
        master,
        "Owner returns",
        HAZEL,
        {"2.2": ("Complete", "Report published"), "3.3": ("Complete", "Network launched")},
    )
    assert {plan_rows(plan)[i]["Status"] for i in ("2.2", "3.3")} == {"Complete"}
    monkeypatch.setattr(rounds, "today", lambda: date(2023, 12, 20))
    result = invoke("chase", plan, exit_codes=(0,))
    assert "; 1 owner has returned." in result.output


def test_chase_never_removes_a_reminder_it_has_just_written(tmp_path, master, monkeypatch):
    """Two owners whose names clean to one file name (a long job title is cut at 100
    characters): South has returned, North has not. North's reminder is written and kept,
    not taken for South's written earlier and removed (helper-62, session 17)."""
    title = (
        "Associate Director of Equality, Diversity and Inclusion and Head of "
        "Organisational Development"
    )
    north, south = f"Jane Smith, {title} (North)", f"Jane Smith, {title} (South)"
    plan = tmp_path / "plan.xlsx"
    shutil.copy(master, plan)

    def owners(wb: Any) -> None:
        for row in wb["Action Plan"].iter_rows(min_row=5):
            if str(row[0].value) in IDS[JIM]:
                row[5].value = north
            elif str(row[0].value) in IDS[FIONA]:
                row[5].value = south

    edit_workbook(plan, owners)
    invoke("refresh", plan)
    sent = tmp_path / "Owner returns"
    invoke("returns", plan, "-o", sent)
    south_return = next(
        p for p in sent.glob("*.xlsx") if "(South)" in str(load_workbook(p).active["A2"].value)
    )
    answer(south_return, tmp_path / "received", {"1.9": (None, "done, see evidence")})
    invoke("merge", plan, tmp_path / "received")
    monkeypatch.setattr(rounds, "today", lambda: date(2023, 12, 20))
    result = invoke("chase", plan, exit_codes=(0,))
    assert "Removed" not in result.output
    reminders = {read_draft(p).get_body(("plain",)).get_content(): p for p in sent.glob("Rem*")}
    assert len(reminders) == len(OWNERS) - 1  # every owner owed but South: North too
    assert any(north.split(",")[0] in body and "1.4" in body for body in reminders)


@pytest.mark.parametrize(
    ("cell", "recipients"),
    [
        # as NHSmail and Outlook copy a recipient, unquoted (helper-73: the cell was dropped)
        (
            "SMITH, Jane (TRUST) <jane.smith@nhs.net>",
            [("SMITH, Jane (TRUST)", "jane.smith@nhs.net")],
        ),
        (
            "Smith, Jane <a@trust.nhs.uk>; Jones, Bob <b@trust.nhs.uk>",
            [("Smith, Jane", "a@trust.nhs.uk"), ("Jones, Bob", "b@trust.nhs.uk")],
        ),
        ("a@trust.nhs.uk\nb@trust.nhs.uk", [("", "a@trust.nhs.uk"), ("", "b@trust.nhs.uk")]),
        ("Siân Jones <sian.jones@trust.nhs.uk>", [("Siân Jones", "sian.jones@trust.nhs.uk")]),
        # a zero-width space pasted after it (helper-74: "To: jane.smith@nhs.=?utf-8?...")
        ("jane.smith@nhs.net\u200b", [("", "jane.smith@nhs.net")]),
        # named recipients typed one after another with commas (the cell was unreadable)
        (
            "Smith, Jane <a@trust.nhs.uk>, Jones, Bob <b@trust.nhs.uk>",
            [("Smith, Jane", "a@trust.nhs.uk"), ("Jones, Bob", "b@trust.nhs.uk")],
        ),
        # an address book's recipient with no name: its address as its name
        ("'jim@trust.nhs.uk' <jim@trust.nhs.uk>", [("", "jim@trust.nhs.uk")]),
        # a link copied from a web page or an email; a comma ending a line (helper-80)
        ("mailto:jim@trust.nhs.uk", [("", "jim@trust.nhs.uk")]),
        (
            "Smith, Jane <a@trust.nhs.uk>,\nJones, Bob <b@trust.nhs.uk>,",
            [("Smith, Jane", "a@trust.nhs.uk"), ("Jones, Bob", "b@trust.nhs.uk")],
        ),
        # plain addresses among named ones (read so before the split of named ones: helper-80)
        (
            "c@trust.nhs.uk, Jane <a@trust.nhs.uk>, Bob <b@trust.nhs.uk>",
            [("", "c@trust.nhs.uk"), ("Jane", "a@trust.nhs.uk"), ("Bob", "b@trust.nhs.uk")],
        ),
        # an empty item between commas (the next name was ", Bob"; plain ones unreadable)
        (
            "Jane <a@trust.nhs.uk>, , Bob <b@trust.nhs.uk>",
            [("Jane", "a@trust.nhs.uk"), ("Bob", "b@trust.nhs.uk")],
        ),
        ("a@trust.nhs.uk,, b@trust.nhs.uk", [("", "a@trust.nhs.uk"), ("", "b@trust.nhs.uk")]),
        # single quotes round a name, as Outlook gives some (they were kept in the name)
        ("'Jane Smith' <a@trust.nhs.uk>", [("Jane Smith", "a@trust.nhs.uk")]),
        ("Jo O'Neil <a@trust.nhs.uk>", [("Jo O'Neil", "a@trust.nhs.uk")]),
        (
            "c@trust.nhs.uk, 'Jane Smith' <a@trust.nhs.uk>",
            [("", "c@trust.nhs.uk"), ("Jane Smith", "a@trust.nhs.uk")],
        ),
    ],
)
def test_an_owners_addresses_as_people_paste_them(tmp_path, master, cell, recipients):
    plan = tmp_path / "plan.xlsx"
    shutil.copy(master, plan)

    def fill(wb: Any) -> None:
        ws = wb[sheets.SETTINGS]
        row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == JIM)
        ws.cell(row, 2).value = cell

    edit_workbook(plan, fill)
    sent = tmp_path / "Owner returns"
    result = invoke("returns", plan, "-o", sent)
    to = read_draft(sent / f"{JIM}.eml")["To"]
    assert [(a.display_name, a.addr_spec) for a in to.addresses] == recipients
    assert "cannot be read" not in result.output


@pytest.mark.parametrize(
    "cell",
    [
        # the first address would have gone as part of the second's name, unseen
        "a@trust.nhs.uk, Smith, Jane <j@trust.nhs.uk>",
        # an address inside a quoted name is no recipient of its own (helper-80: it was one)
        '"Smith, Jane <jane@trust.nhs.uk>, HR" <hr.box@trust.nhs.uk>',
        '"Jones, Bob" <b@trust.nhs.uk>, "Smith <x@other.example>, Jane" <a@trust.nhs.uk>',
        "Bcc: someone@elsewhere.example",
        "jim at trust",
    ],
)
def test_a_cell_that_is_not_addresses_alone_is_not_read(cell):
    assert addresses(cell) is None
    assert addresses(f"jim@trust.nhs.uk; {cell}") is None  # (the whole cell: said, not sent)


def test_a_blank_line_in_the_owners_table_moves_no_address_to_another_owner(tmp_path, master):
    """HR cleared a line of the Owners table: edi_xl read the table only down to it, and a
    refresh then wrote the owners it had not seen over the lines below, next to the other
    owners' addresses: drafts went to the wrong people (helper-80). The lines below a blank
    one are read, and an owner missing from the table is added below them all."""
    plan = tmp_path / "plan.xlsx"
    shutil.copy(master, plan)
    below: dict[str, str] = {}

    def clear_a_line(wb: Any) -> None:
        fill_owners(wb)
        ws = wb[sheets.SETTINGS]
        header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "Action Owner")
        first = header + 1
        gone = ws.cell(first, 1).value  # (its line cleared: edi_xl adds the owner again)
        for c in (1, 2, 3):
            ws.cell(first, c).value = None
        for r in range(first + 1, ws.max_row + 1):
            if ws.cell(r, 1).value:
                below[ws.cell(r, 1).value] = ws.cell(r, 2).value or ""
        below[gone] = ""

    edit_workbook(plan, clear_a_line)
    invoke("refresh", plan)
    ws = load_workbook(plan)[sheets.SETTINGS]
    header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "Action Owner")
    lines = {
        ws.cell(r, 1).value: ws.cell(r, 2).value or ""
        for r in range(header + 1, ws.max_row + 1)
        if ws.cell(r, 1).value
    }
    assert lines == below  # every owner by their own address; the cleared one added, empty
    assert ws.cell(header + 1, 1).value is None  # (the blank line left as HR left it)
    sent = tmp_path / "Owner returns"
    invoke("returns", plan, "-o", sent)
    for owner, address in below.items():
        to = read_draft(sent / f"{owner}.eml")["To"]
        got = [a.addr_spec for a in to.addresses] if to else []
        assert got and all(a in address for a in got) if address else not got, (owner, got)


def test_check_says_what_of_the_owners_table_the_drafts_would_leave_out(tmp_path, master):
    """``check`` before a round: an address cell that cannot be read and an owner on two lines
    with other addresses, each with the Settings sheet's row and column (returns and chase
    said them only as they wrote the drafts)."""
    plan = tmp_path / "plan.xlsx"
    shutil.copy(master, plan)
    rows: dict[str, int] = {}

    def fill(wb: Any) -> None:
        ws = wb[sheets.SETTINGS]
        for r in range(1, ws.max_row + 1):
            if ws.cell(r, 1).value in (JIM, FIONA):
                rows[ws.cell(r, 1).value] = r
        ws.cell(rows[FIONA], 2).value = "fiona.macdonald@trust.nhs.uk\nBcc: x@elsewhere.example"
        ws.cell(rows[JIM], 2).value = "jim.machon@trust.nhs.uk"
        last = max(r for r in range(rows[JIM], ws.max_row + 1) if ws.cell(r, 1).value)
        ws.cell(last + 1, 1).value = JIM
        ws.cell(last + 1, 2).value = "j.machon@old-trust.nhs.uk"
        rows["last"] = last + 1

    edit_workbook(plan, fill)
    last = rows["last"]
    result = invoke("check", plan, "--json", exit_codes=(1,))
    found = {
        p["code"]: p
        for p in json.loads(result.output)["problems"]
        if p["location"]["sheet"] == sheets.SETTINGS
    }
    unreadable = found["owner_address_unreadable"]
    assert unreadable["location"] == {
        "file": plan.name, "sheet": "Settings", "row": rows[FIONA], "column": "Email", "cell": None
    }  # fmt: skip
    assert FIONA in unreadable["message"] and "Bcc: x@elsewhere" in unreadable["message"]
    twice = found["owner_on_two_lines"]
    assert twice["location"]["row"] == rows[JIM] and twice["severity"] == "warning"
    assert (
        f"row {rows[JIM]}: jim.machon@trust.nhs.uk / row {last}: j.machon@old-trust.nhs.uk"
    ) in twice["message"]
    said = invoke("check", plan, exit_codes=(1,)).output
    assert f"warning: the Owners table: {FIONA}'s Email" in said


def test_an_owner_on_two_lines_of_the_owners_table_is_said(tmp_path, master):
    """Jim is on two lines of the Owners table with other addresses: the first line's was used
    with nothing said (helper-62, session 17); it is still used, and said."""
    plan = tmp_path / "plan.xlsx"
    shutil.copy(master, plan)

    def fill(wb: Any) -> None:
        ws = wb[sheets.SETTINGS]
        row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == JIM)
        ws.cell(row, 2).value = "jim.machon@trust.nhs.uk"
        last = max(r for r in range(row, ws.max_row + 1) if ws.cell(r, 1).value)
        ws.cell(last + 1, 1).value = JIM.upper()  # (case and spacing ignored: the same owner)
        ws.cell(last + 1, 2).value = "j.machon@old-trust.nhs.uk"

    edit_workbook(plan, fill)
    sent = tmp_path / "Owner returns"
    result = invoke("returns", plan, "-o", sent, exit_codes=(1,))  # (the Settings to mend)
    assert read_draft(sent / f"{JIM}.eml")["To"] == "jim.machon@trust.nhs.uk"
    said = " ".join(result.output.split())
    assert (
        f"Owners on more than one line of the Owners table on the Settings sheet, with other "
        f"addresses: {JIM} (jim.machon@trust.nhs.uk / j.machon@old-trust.nhs.uk). The first "
        "line's is used; delete the line that is wrong."
    ) in said


def test_an_address_pasted_from_outlook_is_one_recipient_a_line_break_none(tmp_path, master):
    """The Owners table holds Jim's address as Outlook pastes it, ``"Machon, Jim" <...>``:
    the draft goes to him alone (it went to "Machon" and "Jim <...>", two recipients). A
    cell with a line break and "Bcc: ..." after the address cannot be read: that address is
    left out of the draft and the owner named (its "Bcc" was a recipient of its own,
    silently: helper-62, session 17)."""
    plan = tmp_path / "plan.xlsx"
    shutil.copy(master, plan)
    cells = {
        JIM: ('"Machon, Jim" <jim.machon@trust.nhs.uk>', None),
        FIONA: ("fiona.macdonald@trust.nhs.uk\nBcc: someone@elsewhere.example", None),
        HAZEL: ("hazel.rawdon-smith@trust.nhs.uk", "jim at trust"),
    }

    def fill(wb: Any) -> None:
        ws = wb[sheets.SETTINGS]
        for r in range(1, ws.max_row + 1):
            if ws.cell(r, 1).value in cells:
                email, cc = cells[ws.cell(r, 1).value]
                ws.cell(r, 2).value, ws.cell(r, 3).value = email, cc

    edit_workbook(plan, fill)
    sent = tmp_path / "Owner returns"
    result = invoke("returns", plan, "-o", sent, exit_codes=(1,))  # (the Settings to mend)
    jim = read_draft(sent / f"{JIM}.eml")
    assert [a.addr_spec for a in jim["To"].addresses] == ["jim.machon@trust.nhs.uk"]
    assert jim["To"].addresses[0].display_name == "Machon, Jim"
    fiona = read_draft(sent / f"{FIONA}.eml")
    assert fiona["To"] is None and fiona["Bcc"] is None
    assert "someone@elsewhere" not in (sent / f"{FIONA}.eml").read_text()
    hazel = read_draft(sent / f"{HAZEL}.eml")
    assert hazel["To"] == "hazel.rawdon-smith@trust.nhs.uk" and hazel["Cc"] is None
    said = " ".join(result.output.split())
    assert "Email addresses on the Settings sheet (Owners table) that cannot be read" in said
    assert f"{FIONA} (Email 'fiona.macdonald@trust.nhs.uk\\nBcc: someone@" in said
    assert f"{HAZEL} (Cc 'jim at trust')" in said
    no_address = said.split("No email address")[1].split("Their drafts have no To")[0]
    assert FIONA not in no_address and HAZEL not in no_address
    # the reminders say it too, and the command ends with 1 (a person mends the Settings)
    chased = invoke("chase", plan, exit_codes=(1,))
    assert f"{HAZEL} (Cc 'jim at trust')" in " ".join(chased.output.split())


def _returns_sent(tmp_path: Path, master: Path) -> tuple[Path, Path]:
    """A copy of the master (plan.xlsx) and the folder its owner returns were made into."""
    plan = tmp_path / "plan.xlsx"
    shutil.copy(master, plan)
    sent = tmp_path / "Owner returns"
    invoke("returns", plan, "-o", sent)
    return plan, sent


def _one_file_of_two_returns(sent: Path, to: Path, answers: dict[str, dict[str, Any]]) -> Path:
    """One workbook holding two owners' returns, a sheet each and no hidden record (an owner
    who forwards a colleague's rows with their own, HR combining two), each answered."""
    from openpyxl import Workbook

    combined = Workbook()
    combined.remove(combined.active)
    for owner, owner_answers in answers.items():
        ws = load_workbook(answer(sent / f"{owner}.xlsx", to / "each", owner_answers))[
            "Your actions"
        ]
        sheet = combined.create_sheet(owner[:25])
        for row in ws.iter_rows():
            for c in row:
                sheet.cell(c.row, c.column, c.value)
    shutil.rmtree(to / "each")
    combined.save(to / "Hazel and the EDI lead.xlsx")
    return to / "Hazel and the EDI lead.xlsx"


def test_a_file_of_two_owners_actions_counts_for_each_owner(tmp_path, master, monkeypatch):
    """Hazel sends her return and the EDI lead's in one file: both are merged, and both have
    returned; neither is chased "we have not yet received your update" (helper-99, session
    20: the Returns sheet credited only the EDI lead, and chase wrote to Hazel). Merged
    again, nothing changes; an owner whose rows in it carry nothing new is Unchanged."""
    plan, sent = _returns_sent(tmp_path, master)
    back = tmp_path / "received"
    _one_file_of_two_returns(
        sent,
        back,
        {HAZEL: {"2.2": ("Amber", "Mentoring pilot")}, EDI_LEAD: {"3.3": ("Green", "Relaunched")}},
    )
    invoke("merge", plan, back)
    rows = plan_rows(plan)
    assert (rows["2.2"][ROUND_COLUMN], rows["3.3"][ROUND_COLUMN]) == (
        "Mentoring pilot",
        "Relaunched",
    )
    for _ in range(2):  # and merged again: the same
        owners = returned(plan)
        assert (owners[HAZEL], owners[EDI_LEAD], owners[JIM]) == ("Yes", "Yes", "No")
        files = [r for r in sheet_values(plan, "Returns") if r[0] == "Hazel and the EDI lead.xlsx"]
        assert sorted((r[1], r[3], r[4]) for r in files) == sorted(
            # (no record: a Status counts only where it is not the master's already)
            [(HAZEL, "merged", 1), (EDI_LEAD, "merged", 1)]
        )
        invoke("merge", plan, back)
    monkeypatch.setattr(rounds, "today", lambda: date(2023, 12, 20))
    result = invoke("chase", plan, "--returns", sent, exit_codes=(0,))
    assert "; 2 owners have returned." in result.output
    assert not (sent / f"Reminder - {HAZEL}.eml").exists()
    assert not (sent / f"Reminder - {EDI_LEAD}.eml").exists()


def test_an_owner_with_nothing_new_in_a_shared_file_is_unchanged(tmp_path, master):
    """In a file of two owners' actions, the owner whose rows carry nothing new (no Status,
    no update) has sent their return back unchanged (and is chased as such), the other has
    returned."""
    plan, sent = _returns_sent(tmp_path, master)
    back = tmp_path / "received"
    _one_file_of_two_returns(
        sent,
        back,
        {
            HAZEL: {"2.2": ("Amber", "Mentoring pilot")},
            EDI_LEAD: dict.fromkeys(IDS[EDI_LEAD], ("", None)),
        },
    )
    invoke("merge", plan, back)
    owners = returned(plan)
    assert (owners[HAZEL], owners[EDI_LEAD]) == ("Yes", "Unchanged")


def file_lines(path: Path) -> list[tuple[Any, ...]]:
    """(File, Action Owner, Outcome, Rows updated) of each line of the Returns sheet's list
    of files (a file of several owners' actions has a line for each)."""
    values = sheet_values(path, "Returns")
    at = next(i for i, r in enumerate(values) if r[0] == "Files received this round") + 2
    return [(r[0], r[1], r[3], r[4]) for r in itertools.takewhile(lambda r: r[0], values[at:])]


def test_a_whole_plan_sent_back_credits_only_the_owner_who_changed_it(tmp_path, master):
    """Fiona is sent the whole plan (as trusts did before edi_xl) and sends it back, named
    after her, with only her 2.3 updated: she has returned; the others, whose rows are in it
    as the master has them, have not, and have no line (helper-104, session 20: every owner
    whose rows carried a Status was credited 'Yes', and nobody was chased)."""
    plan = tmp_path / "plan.xlsx"
    shutil.copy(master, plan)
    ws = load_workbook(plan)["Action Plan"]
    header_row = next(r for r in range(1, 30) if ws.cell(r, 1).value == "#")
    header = [c.value for c in ws[header_row]]
    lines = [list(r) for r in ws.iter_rows(min_row=header_row + 1, values_only=True) if r[0]]
    if ROUND_COLUMN not in header:
        header.append(ROUND_COLUMN)
        for line in lines:
            line.append(None)
    for line in lines:
        if str(line[0]) == "2.3":
            line[header.index(ROUND_COLUMN)] = "FTSU policy reviewed in November"
    whole = Workbook()
    whole.active.append(header)
    for line in lines:
        whole.active.append(line)
    (tmp_path / "back").mkdir()
    whole.save(tmp_path / "back" / f"{FIONA}.xlsx")
    for _ in range(2):  # and merged again: the same
        invoke("merge", plan, tmp_path / "back")
        assert file_lines(plan) == [(f"{FIONA}.xlsx", FIONA, "merged", 1)]
        owners = returned(plan)
        assert owners[FIONA] == "Yes"
        assert {owners[o] for o in OWNERS if o != FIONA} == {"No"}
    assert plan_rows(plan)["2.3"][ROUND_COLUMN] == "FTSU policy reviewed in November"


def _whole_plan(plan: Path, to: Path, statuses: dict[str, str]) -> Path:
    """The master's plan as a person copies it into a workbook of their own (no hidden record
    of edi_xl's), with the Statuses ``statuses`` (action id -> word) typed over it."""
    ws = load_workbook(plan)["Action Plan"]
    header_row = next(r for r in range(1, 30) if ws.cell(r, 1).value == "#")
    header = [c.value for c in ws[header_row]]
    lines = [list(r) for r in ws.iter_rows(min_row=header_row + 1, values_only=True) if r[0]]
    status = header.index("Status")
    for line in lines:
        if str(line[0]) in statuses:
            line[status] = statuses[str(line[0])]
    whole = Workbook()
    whole.active.append(header)
    for line in lines:
        whole.active.append(line)
    to.parent.mkdir(parents=True, exist_ok=True)
    whole.save(to)
    return to


def _sort_the_log_newest_first(plan: Path) -> None:
    wb = load_workbook(plan)
    ws = wb["Change Log"]
    top = next(r for r in range(1, 10) if ws.cell(r, 1).value == "When")
    rows = [list(r) for r in ws.iter_rows(min_row=top + 1, values_only=True) if r[0] is not None]
    rows.sort(key=lambda r: r[0], reverse=True)
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            ws.cell(top + 1 + i, j + 1).value = value
    wb.save(plan)


@pytest.mark.parametrize("log", ["in order", "sorted newest first"])
def test_a_whole_plan_copied_before_another_return_never_undoes_it(tmp_path, master, log):
    """Fiona's returns set 5.6 At Risk, then Complete; Hazel sends back the whole plan as it
    was when the round began, with only her 2.2 changed, saved later. Merged, and merged
    again: 5.6 stays Fiona's Complete. A row of another owner's in a file without edi_xl's
    record that holds what the action held when the round began is no change of its
    sender's (helper-108, session 20: the second merge took Hazel's stale copy of 5.6 as
    hers, newer, and undid Fiona's), nor when the Change Log was sorted newest first
    (helper-109: its first line was then read as the round's start)."""
    import time

    plan = tmp_path / "plan.xlsx"
    shutil.copy(master, plan)
    before = plan_rows(plan)["5.6"]["Status"]
    copy = _whole_plan(plan, tmp_path / "copy.xlsx", {"2.2": "At Risk"})
    sent = tmp_path / "Owner returns"
    invoke("returns", plan, "-o", sent)
    for n, word in enumerate(("At Risk", "Complete")):
        answer(sent / f"{FIONA}.xlsx", tmp_path / f"back{n}", {"5.6": (word, "Evidence")})
        invoke("merge", plan, tmp_path / f"back{n}")
        time.sleep(1.1)  # (a return's saved time is to the second)
    if log == "sorted newest first":
        _sort_the_log_newest_first(plan)
    back = tmp_path / "back"
    back.mkdir()
    load_workbook(copy).save(back / f"{HAZEL}.xlsx")  # (saved again: after Fiona's)
    assert before not in ("Complete", "At Risk")
    for _ in range(3):
        invoke("merge", plan, back)
        rows = plan_rows(plan)
        assert (rows["5.6"]["Status"], rows["2.2"]["Status"]) == ("Complete", "At Risk")


def test_an_owner_may_set_their_action_back_in_a_return_of_their_own(tmp_path, master):
    """Fiona's return sets 5.6 Complete; her correction, the whole plan with 5.6 back to
    what it held when the round began, named after her and saved later, is taken: the
    round-start rule is for other owners' stale rows only (helper-109: it was "unchanged")."""
    import time

    plan = tmp_path / "plan.xlsx"
    shutil.copy(master, plan)
    before = plan_rows(plan)["5.6"]["Status"]
    sent = tmp_path / "Owner returns"
    invoke("returns", plan, "-o", sent)
    answer(sent / f"{FIONA}.xlsx", tmp_path / "back", {"5.6": ("Complete", "Evidence filed")})
    invoke("merge", plan, tmp_path / "back")
    assert plan_rows(plan)["5.6"]["Status"] == "Complete"
    time.sleep(1.1)
    _whole_plan(plan, tmp_path / "again" / f"{FIONA} correction.xlsx", {"5.6": before})
    invoke("merge", plan, tmp_path / "again")
    assert plan_rows(plan)["5.6"]["Status"] == before


def test_a_shared_file_older_than_the_other_owners_return_gives_the_colleagues_rows(
    tmp_path, master
):
    """The EDI lead's own return (saved 5 Dec) is merged; then Hazel's file (1 Dec) with her
    2.2 and the EDI lead's 3.3 copied in: Hazel's 2.2 is applied and she has returned; only
    the EDI lead's 3.3 in it is superseded (helper-104, session 20: the whole file was
    'superseded by an earlier merge' for the EDI lead's newer return, 2.2 never reached the
    plan, and Hazel was listed Superseded, not chased)."""
    plan, sent = _returns_sent(tmp_path, master)
    own = answer(sent / f"{EDI_LEAD}.xlsx", tmp_path / "m1", {"3.3": ("Green", "Relaunched")})
    saved_at(own, "2023-12-05T09:00:00Z")
    invoke("merge", plan, tmp_path / "m1")
    shared = _one_file_of_two_returns(
        sent,
        tmp_path / "m2",
        {HAZEL: {"2.2": ("Amber", "Mentoring pilot")}, EDI_LEAD: {"3.3": ("Red", "Stalled")}},
    )
    saved_at(shared, "2023-12-01T09:00:00Z")
    invoke("merge", plan, tmp_path / "m2")
    rows = plan_rows(plan)
    assert (rows["2.2"][ROUND_COLUMN], rows["3.3"][ROUND_COLUMN]) == (
        "Mentoring pilot",
        "Relaunched",
    )
    assert sorted(file_lines(plan)) == sorted(
        [
            (own.name, EDI_LEAD, "merged", 1),
            (shared.name, EDI_LEAD, "superseded", 0),
            (shared.name, HAZEL, "merged", 1),
        ]
    )
    assert owner_line(plan, HAZEL) == ("Yes", shared.name, 1)


def test_a_shared_file_is_superseded_for_an_owner_whose_newer_return_took_their_rows(
    tmp_path, master
):
    """Hazel sends her 2.2 and the EDI lead's 3.3 in one file; then her own newer return
    takes 2.2 again: the shared file is superseded for Hazel, still merged for the EDI lead
    (helper-104, session 20: it stayed 'merged, 1 row' for Hazel, the EDI lead's 3.3 taken
    as hers)."""
    plan, sent = _returns_sent(tmp_path, master)
    shared = _one_file_of_two_returns(
        sent,
        tmp_path / "m1",
        {HAZEL: {"2.2": ("Amber", "Mentoring pilot")}, EDI_LEAD: {"3.3": ("Green", "Relaunched")}},
    )
    saved_at(shared, "2023-12-01T09:00:00Z")
    invoke("merge", plan, tmp_path / "m1")
    own = answer(sent / f"{HAZEL}.xlsx", tmp_path / "m2", {"2.2": ("Green", "Pilot evaluated")})
    saved_at(own, "2023-12-05T09:00:00Z")
    invoke("merge", plan, tmp_path / "m2")
    assert sorted(file_lines(plan)) == sorted(
        [
            (shared.name, EDI_LEAD, "merged", 1),
            (shared.name, HAZEL, "superseded", 0),
            (own.name, HAZEL, "merged", 1),
        ]
    )
    assert owner_line(plan, HAZEL) == ("Yes", own.name, 1)
    assert plan_rows(plan)["2.2"][ROUND_COLUMN] == "Pilot evaluated"


def test_merging_a_folder_again_leaves_the_returns_sheet_as_it_was(tmp_path, master):
    """Jim's return (1.4, 1.8) and his newer 'v2' (1.8 again) are in one folder, merged
    again and again: Jim's first return stays merged for 1.4, v2 for 1.8 (helper-104,
    session 20: merged again, the first flipped to 'superseded, 0 rows', the merge's
    whole-file rule and the Returns sheet's action-by-action one disagreeing)."""
    plan, sent = _returns_sent(tmp_path, master)
    folder = tmp_path / "received"
    first = answer(sent / f"{JIM}.xlsx", folder, {"1.4": ("G", "a 1.4"), "1.8": ("G", "a 1.8")})
    saved_at(first, "2023-12-01T09:00:00Z")
    invoke("merge", plan, folder)
    v2 = answer(sent / f"{JIM}.xlsx", folder / "later", {"1.8": ("A", "b 1.8")})
    v2 = v2.rename(v2.with_name("Jim v2.xlsx"))
    saved_at(v2, "2023-12-04T09:00:00Z")
    invoke("merge", plan, folder)
    lines = [(first.name, JIM, "merged", 1), ("later/Jim v2.xlsx", JIM, "merged", 1)]
    assert file_lines(plan) == lines
    before = sheet_values(plan, "Returns")
    invoke("merge", plan, folder)
    assert file_lines(plan) == lines
    assert sheet_values(plan, "Returns") == before
    rows = plan_rows(plan)
    assert (rows["1.4"][ROUND_COLUMN], rows["1.8"][ROUND_COLUMN]) == ("a 1.4", "b 1.8")


def test_a_return_saved_over_one_of_the_same_name_is_a_line_of_its_own(tmp_path, master):
    """Jim's return (1 Dec: 1.4, 1.8) is merged; sent again under the same name (3 Dec: 1.5
    only), saved over the first and merged; then his 'v3' (5 Dec) takes 1.5 again: the
    first stays merged for 2 rows, the second is superseded (helper-104, session 20: the
    Change Log names files by name only, so both versions' changes were pooled)."""
    plan, sent = _returns_sent(tmp_path, master)
    folder = tmp_path / "in"
    first = answer(sent / f"{JIM}.xlsx", folder, {"1.4": ("G", "t1"), "1.8": ("G", "t1")})
    saved_at(first, "2023-12-01T09:00:00Z")
    invoke("merge", plan, folder)
    again = answer(sent / f"{JIM}.xlsx", folder, {"1.5": ("A", "t2")})  # (over the first)
    saved_at(again, "2023-12-03T09:00:00Z")
    invoke("merge", plan, folder)
    v3 = answer(sent / f"{JIM}.xlsx", tmp_path / "v3", {"1.5": ("G", "t3")})
    v3 = v3.rename(v3.with_name(f"{JIM} v3.xlsx"))
    saved_at(v3, "2023-12-05T09:00:00Z")
    invoke("merge", plan, tmp_path / "v3")
    assert file_lines(plan) == [
        (f"{JIM}.xlsx", JIM, "merged", 2),
        (f"{JIM}.xlsx", JIM, "superseded", 0),
        (v3.name, JIM, "merged", 1),
    ]
    assert owner_line(plan, JIM)[2] == 3


def test_a_returns_sheet_without_its_actions_column_falls_back_on_the_change_log(tmp_path, master):
    """A round whose Returns sheet was written before it kept each line's actions (column
    H): what an earlier file changed is read from the Change Log, so Jim's newer 'v2' taking
    1.8 leaves his first return merged for 1.4, not superseded whole."""
    plan, sent = _returns_sent(tmp_path, master)
    first = answer(
        sent / f"{JIM}.xlsx", tmp_path / "m1", {"1.4": ("G", "a 1.4"), "1.8": ("G", "a 1.8")}
    )
    saved_at(first, "2023-12-01T09:00:00Z")
    invoke("merge", plan, tmp_path / "m1")

    def as_before(wb: Any) -> None:  # (no column H: a sheet of an earlier edi_xl)
        for row in wb["Returns"].iter_rows(min_col=8, max_col=8):
            row[0].value = None

    edit_workbook(plan, as_before)
    v2 = answer(sent / f"{JIM}.xlsx", tmp_path / "m2", {"1.8": ("A", "b 1.8")})
    v2 = v2.rename(v2.with_name("Jim v2.xlsx"))
    saved_at(v2, "2023-12-04T09:00:00Z")
    invoke("merge", plan, tmp_path / "m2")
    assert file_lines(plan) == [(first.name, JIM, "merged", 1), (v2.name, JIM, "merged", 1)]


@pytest.mark.parametrize("typed", ["18th March", "March 2024", "Q4"])
def test_a_round_date_on_settings_that_is_no_date_stops_every_command_saying_where(
    tmp_path, master, typed
):
    """HR typed the round's date on Settings in words ("18th March"). Every command took
    today's date as the round's, said "no round date on the Settings sheet", and a refresh
    wrote today's date over what HR typed: every action years overdue (helper-165, session
    31). Now each command that would take the round from Settings stops, naming the cell and
    what it holds, and changes nothing; given the date (--as-at), it works, and the Change
    Log keeps what was typed."""

    def type_date(wb):
        wb[sheets.SETTINGS]["B4"] = typed

    invoke("returns", master, "-o", tmp_path / "sent")
    edit_workbook(master, type_date)
    before = master.read_bytes()
    said = (
        f"the As-at date on the Settings sheet (cell B4) is {typed!r}, which is not a date, so "
        "edi_xl cannot tell which round this is. Type the round's date in B4 (for example "
        "18/03/2024)"
    )
    for command in (
        ["refresh", master],
        ["check", master],
        ["summary", master],
        ["returns", master, "-o", tmp_path / "again"],
        ["merge", master, tmp_path / "sent"],
        ["report", master, "-o", tmp_path / "paper.docx"],
        ["chase", master],  # (which has no --as-at: not offered, helper-167)
    ):
        result = invoke(*command, exit_codes=(2,))
        given = "" if command[0] == "chase" else ", or give it with --as-at"
        assert f"{said}{given}. Nothing was changed." in result.output, command
        assert master.read_bytes() == before
    shown = invoke("round", master, exit_codes=(2,))
    assert f"{said}, or start the round with --start." in shown.output
    assert not (tmp_path / "again").exists() and not (tmp_path / "paper.docx").exists()
    invoke("refresh", master, "--as-at", "2023-12-18")
    assert sheets.read_settings(load_workbook(master)).as_at == date(2023, 12, 18)
    log = sheets.read_change_log(load_workbook(master))
    assert any(what == "Settings: As-at date" and old == typed for _, _, what, old, *_ in log)


def test_the_refresh_button_stops_on_a_round_date_that_is_no_date(master):
    """The buttons take the round from Settings as the commands do: one that is no date is
    said, naming the workbook and the cell, and nothing is changed."""
    from edi_xl.buttons.entry import _round_of
    from edi_xl.core.errors import RoundDateUnreadError

    wb = load_workbook(master)
    wb[sheets.SETTINGS]["B4"] = "18th March"
    with pytest.raises(RoundDateUnreadError) as stopped:
        _round_of(wb, None, date(2026, 12, 2), "plan.xlsm")
    assert str(stopped.value).startswith(
        "plan.xlsm: the As-at date on the Settings sheet (cell B4) is '18th March'"
    )
    assert str(stopped.value).endswith("(for example 18/03/2024)")  # (the button adds how)
    assert _round_of(wb, date(2024, 3, 18), None, "plan.xlsm") == date(2024, 3, 18)


def test_hrs_correction_after_a_merge_stands_when_the_folder_is_merged_again(tmp_path, master):
    """HR merge the Returns received folder as returns come in. Jim's return said Amber for
    1.4; after the merge the committee agreed On Track and HR typed it into the master. The
    next merge of the folder, Jim's same file still in it, put his Amber back over HR's
    correction (helper-165, session 31). A return merged before wrote its change then:
    merged again, it leaves the cells as they are now; a new return of his is taken."""

    def hr_corrects(wb):
        ws = wb["Action Plan"]
        header = [c.value for c in ws[4]]
        row = next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value == "1.4")
        ws.cell(row, header.index("Status") + 1).value = "On Track"
        ws.cell(row, header.index(ROUND_COLUMN) + 1).value = "Agreed at committee: on track"

    received = tmp_path / "Returns received"
    invoke("returns", master, "-o", tmp_path / "sent")
    answer(tmp_path / "sent" / f"{JIM}.xlsx", received, {"1.4": ("A", "Jim's words")})
    invoke("merge", master, received)
    assert plan_rows(master)["1.4"]["Status"] == "At Risk"
    edit_workbook(master, hr_corrects)
    again = invoke("merge", master, received)
    assert "; 0 changes." in again.output
    rows = plan_rows(master)
    assert (rows["1.4"]["Status"], rows["1.4"][ROUND_COLUMN]) == (
        "On Track",
        "Agreed at committee: on track",
    )
    assert returned(master)[JIM] == "Yes"
    # Jim sends a new return (saved later): his is taken
    newer = answer(tmp_path / "sent" / f"{JIM}.xlsx", tmp_path / "v2", {"1.4": ("A", "v2")})
    saved_at(newer, "2099-01-06T09:00:00Z")  # (saved after the first, whatever the clock)
    shutil.move(newer, received / f"{JIM} v2.xlsx")
    invoke("merge", master, received)
    assert (plan_rows(master)["1.4"]["Status"], plan_rows(master)["1.4"][ROUND_COLUMN]) == (
        "At Risk",
        "v2",
    )


@pytest.mark.parametrize("first_kept", [True, False], ids=["first-in-folder", "first-moved"])
def test_an_owners_second_return_made_from_their_first_keeps_hrs_correction(
    tmp_path, master, first_kept
):
    """Jim's first return said Amber for 1.4 and was merged; the committee agreed On Track
    and HR typed it in, and emptied his 1.5 update (it named a colleague). Jim then sent a
    second return made from a copy of his first, leaving those rows as they were and adding
    a Status for 1.8: its merge put his Amber and his 1.5 words back over HR's (helper-171).
    A row that only repeats his return merged earlier this round is not new: HR's cells
    stand, each said; what is new is taken. So whether the first is in the folder still, or
    HR moved it out (then the round's Change Log says what it wrote)."""
    received = tmp_path / "Returns received"
    invoke("returns", master, "-o", tmp_path / "sent")
    first = answer(
        tmp_path / "sent" / f"{JIM}.xlsx",
        received,
        {"1.4": ("A", "Jim's words"), "1.5": (None, "names a colleague")},
    )
    saved_at(first, "2099-01-05T09:00:00Z")
    invoke("merge", master, received)
    assert plan_rows(master)["1.4"]["Status"] == "At Risk"

    hr_types(master, {"1.4": {"Status": "On Track"}, "1.5": {ROUND_COLUMN: None}})
    second = answer(first, tmp_path / "v2", {"1.8": ("R", "Jim's new words")})
    saved_at(second, "2099-01-06T09:00:00Z")
    if not first_kept:
        first.unlink()
    shutil.move(second, received / f"{JIM} v2.xlsx")
    merged = invoke("merge", master, received)
    rows = plan_rows(master)
    assert (rows["1.4"]["Status"], rows["1.4"][ROUND_COLUMN]) == ("On Track", "Jim's words")
    assert rows["1.5"][ROUND_COLUMN] is None
    assert (rows["1.8"]["Status"], rows["1.8"][ROUND_COLUMN]) == (
        "Exceeded Timescales",
        "Jim's new words",
    )
    said = " ".join(merged.output.split())
    assert (
        f"this return's 'At Risk' for the Status of action 1.4 is what '{JIM}.xlsx' said, merged "
        "earlier this round; the master's 'On Track', changed since, is kept"
    ) in said
    assert (
        f"this return's 'names a colleague' for the {ROUND_COLUMN} of action 1.5 is what "
        f"'{JIM}.xlsx' said, merged earlier this round; the master's empty cell, changed since, "
        "is kept"
    ) in said
    assert returned(master)[JIM] == "Yes"


def test_a_merged_return_copied_under_another_name_does_not_undo_hrs_correction(tmp_path, master):
    """A copy of a merged return under another name (saved at the same time) is a new file
    to the round's record; whether it went back over HR's correction depended on how its name
    sorted beside the first's. What it repeats of the return merged earlier stays as HR
    left it, whatever its name."""
    received = tmp_path / "Returns received"
    invoke("returns", master, "-o", tmp_path / "sent")
    first = answer(tmp_path / "sent" / f"{JIM}.xlsx", received, {"1.4": ("A", "Jim's words")})
    invoke("merge", master, received)
    hr_types(master, {"1.4": {"Status": "On Track"}})
    shutil.copy(first, received / f"{JIM}_copy.xlsx")  # ("_" sorts after ".")
    merged = invoke("merge", master, received)
    assert plan_rows(master)["1.4"]["Status"] == "On Track"
    assert "changed_since_merged" in merged.output


@pytest.mark.parametrize("formula", ["=DATE(2024,3,18)", "=1/0"])
def test_a_round_date_worked_out_by_a_formula_showing_no_date_stops_every_command(
    tmp_path, master, formula
):
    """The As-at date cell holds a formula the file keeps no result for (a workbook saved
    by a program that does not work formulas out), or one showing an error: each command
    took today (helper-167: refresh wrote it over the formula), or, on the error, some said
    "no as-at date" and a merge went on. Every one now names the cell and the formula."""

    def formula_date(wb):
        wb[sheets.SETTINGS]["B4"] = formula

    edit_workbook(master, formula_date)
    if formula == "=1/0":  # (LibreOffice works it out and keeps its result: #DIV/0!)
        from libreoffice import recalculated_copy, soffice_path

        if soffice_path() is None:
            pytest.skip("LibreOffice (soffice) is not installed: it works the formula out")
        master.write_bytes(recalculated_copy(master, tmp_path / "lo").read_bytes())
    said = (
        f"the As-at date on the Settings sheet (cell B4) is worked out by a formula, {formula}, "
        "that shows no date (or the file keeps no result for it), so edi_xl cannot tell which "
        "round this is"
    )
    invoke("returns", master, "-o", tmp_path / "sent", "--as-at", "2023-12-18")
    before = master.read_bytes()
    for command in (["refresh", master], ["merge", master, tmp_path / "sent"], ["chase", master]):
        result = invoke(*command, exit_codes=(2,))
        assert said in result.output, (command, result.output)
    assert master.read_bytes() == before


def test_a_merge_again_writes_what_the_first_could_not_and_says_what_it_kept(tmp_path, master):
    """What :func:`test_hrs_correction_after_a_merge_stands_when_the_folder_is_merged_again`
    keeps is only a cell the return wrote when first merged, changed since (helper-169): HR
    deleted the round's update column to make it again, and merging the folder again puts
    the updates back; HR typed Complete over the owner's Amber, and the merge says the
    return's Amber was applied before and HR's Complete is kept (it said "is applied")."""

    def hr_edits(wb):
        ws = wb["Action Plan"]
        header = [c.value for c in ws[4]]
        row = next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value == "1.4")
        ws.cell(row, header.index("Status") + 1).value = "Complete"
        ws.delete_cols(header.index(ROUND_COLUMN) + 1)

    received = tmp_path / "Returns received"
    invoke("returns", master, "-o", tmp_path / "sent")
    answer(tmp_path / "sent" / f"{JIM}.xlsx", received, {"1.4": ("A", "Jim's words")})
    invoke("merge", master, received)
    edit_workbook(master, hr_edits)
    assert ROUND_COLUMN not in plan_rows(master)["1.4"]
    again = invoke("merge", master, received)
    rows = plan_rows(master)
    assert (rows["1.4"]["Status"], rows["1.4"][ROUND_COLUMN]) == ("Complete", "Jim's words")
    assert "the return's 'At Risk' is applied" not in again.output
    assert (
        "the return's 'At Risk' was taken when this return was merged before; the master's "
        "'Complete', changed since, is kept"
    ) in again.output


def test_a_merge_again_keeps_what_hr_changed_where_the_return_wrote_nothing(tmp_path, master):
    """Jim left 1.4's Status as sent (On Track) and wrote an update; after the merge HR
    typed At Risk, and emptied his update of 1.5 (it named a colleague). Merging the folder
    again put On Track back, the first version of the rule keeping only what the first merge
    had written, and his 1.5 words (helper-170). Both stay as HR left them."""
    received = tmp_path / "Returns received"
    invoke("returns", master, "-o", tmp_path / "sent")
    status = plan_rows(master)["1.4"]["Status"]
    answer(
        tmp_path / "sent" / f"{JIM}.xlsx",
        received,
        {"1.4": (None, "Jim's words"), "1.5": (None, "names a colleague")},
    )
    invoke("merge", master, received)
    assert plan_rows(master)["1.5"][ROUND_COLUMN] == "names a colleague"

    hr_types(master, {"1.4": {"Status": "At Risk"}, "1.5": {ROUND_COLUMN: None}})
    again = invoke("merge", master, received)
    rows = plan_rows(master)
    assert status == "On Track" and rows["1.4"]["Status"] == "At Risk"
    assert rows["1.4"][ROUND_COLUMN] == "Jim's words"
    assert rows["1.5"][ROUND_COLUMN] is None
    assert "; 0 changes." in again.output


def test_a_merge_again_lists_only_what_it_has_not_said_before(tmp_path, master):
    """HR merge the folder as returns come in: each merge listed every flag of every file
    again, and HR could not tell what was new (helper-165). A flag an earlier merge of the
    round said (the Returns sheet lists it) is counted, not listed again; a new file's flags
    are listed."""
    received = tmp_path / "Returns received"
    invoke("returns", master, "-o", tmp_path / "sent")
    answer(
        tmp_path / "sent" / f"{JIM}.xlsx",
        received,
        {"1.4": ("A", "Jim's words"), "1.5": ("Purple", "more words")},
    )
    first = invoke("merge", master, received)
    said = [line for line in first.output.splitlines() if line.startswith("  ") and ": " in line]
    assert [line for line in said if "invalid_status" in line], first.output
    again = invoke("merge", master, received)
    assert not [line for line in said if line in again.output]
    assert (
        f"  ({plural(len(said), 'flag')} said at an earlier merge this round, not listed "
        "again: the Returns sheet lists them)"
    ) in again.output
    answer(tmp_path / "sent" / f"{FIONA}.xlsx", received, {"2.3": ("Purple", "Fiona's words")})
    third = invoke("merge", master, received)
    assert "invalid_status" in third.output and FIONA in third.output
    assert not [line for line in said if line in third.output]
    assert f"  (and {plural(len(said), 'flag')} said at an earlier merge" in third.output
    # Jim saves his return again, the fault still in it: a new version, said again
    # (helper-172: its flags were counted as said)
    jim = received / f"{JIM}.xlsx"
    saved_at(jim, "2099-01-06T09:00:00Z")
    fourth = invoke("merge", master, received)
    assert [line for line in said if "invalid_status" in line][0] in fourth.output


def test_a_copys_status_kept_out_is_not_said_taken_when_the_folder_is_merged_again(
    tmp_path, master
):
    """HR put Complete where Jim's first return said Amber; his copy of it (only 1.8 new)
    keeps HR's Complete, said once. Merging the folder again said it again, as "the return's
    'At Risk' was taken when this return was merged before", which it never was (helper-174)."""
    received = tmp_path / "Returns received"
    invoke("returns", master, "-o", tmp_path / "sent")
    first = answer(tmp_path / "sent" / f"{JIM}.xlsx", received, {"1.4": ("A", "Jim's words")})
    saved_at(first, "2099-01-05T09:00:00Z")
    invoke("merge", master, received)

    hr_types(master, {"1.4": {"Status": "Complete"}})
    second = answer(first, tmp_path / "v2", {"1.8": ("R", None)})
    saved_at(second, "2099-01-06T09:00:00Z")
    shutil.move(second, received / f"{JIM} v2.xlsx")
    merged = " ".join(invoke("merge", master, received).output.split())
    assert f"the return's 'At Risk' is what '{JIM}.xlsx' said, merged earlier" in merged
    again = " ".join(invoke("merge", master, received).output.split())
    assert "changed_since_sent" not in again and "was taken when" not in again
    assert plan_rows(master)["1.4"]["Status"] == "Complete"


def test_a_second_return_with_new_words_in_the_row_says_what_it_replaces(tmp_path, master):
    """Jim's copy of his first return adds to 1.4's update, its Amber left as it was: the row
    is his word now, and is taken, over HR's On Track typed after the first merge; that was
    said nowhere, the Status as sent being On Track too (helper-174). It is said now."""
    received = tmp_path / "Returns received"
    invoke("returns", master, "-o", tmp_path / "sent")
    first = answer(tmp_path / "sent" / f"{JIM}.xlsx", received, {"1.4": ("A", "Jim's words")})
    saved_at(first, "2099-01-05T09:00:00Z")
    invoke("merge", master, received)
    hr_types(master, {"1.4": {"Status": "On Track", ROUND_COLUMN: "HR's words"}})
    second = answer(first, tmp_path / "v2", {"1.4": (None, "Jim's words, and more")})
    saved_at(second, "2099-01-06T09:00:00Z")
    shutil.move(second, received / f"{JIM} v2.xlsx")
    merged = " ".join(invoke("merge", master, received).output.split())
    rows = plan_rows(master)
    assert (rows["1.4"]["Status"], rows["1.4"][ROUND_COLUMN]) == (
        "At Risk",
        "Jim's words, and more",
    )
    for column, held, written, value in (
        ("Status", "On Track", "At Risk", "At Risk"),
        (ROUND_COLUMN, "HR's words", "Jim's words", "Jim's words, and more"),
    ):
        assert (
            f"the master's {held!r} for the {column} of action 1.4, changed since '{JIM}.xlsx' "
            f"wrote {written!r} earlier this round, is replaced by this return's {value!r}"
        ) in merged, column


def test_no_return_is_made_for_an_owner_cell_that_is_a_timescale(tmp_path, master):
    """An Action Owner cell that is wholly a timescale (seed 004's "Business as usual" under
    Responsibility) made a return "Business as usual.xlsx" and an email draft to it, and the
    owners missing an address listed it for HR to fill in (helper-175). It names no one: its
    action is not sent, said as an action with no owner is, and nobody is chased for it."""
    hr_types(master, {"2.2": {"Action Owner": "Business as usual"}})
    result = invoke("returns", master, "-o", tmp_path / "sent")
    assert (
        "not sent: 2.2: no one is named as the action owner: 'Business as usual' is a timing "
        "word or a placeholder, not a person or a role"
    ) in " ".join(result.output.split())
    assert not list((tmp_path / "sent").glob("Business as usual*"))
    assert "Business as usual" not in invoke("chase", master).output


@pytest.mark.parametrize("owner", ["-", "N/A", "None"])
def test_an_owner_cell_naming_no_one_gets_no_return(tmp_path, master, owner):
    """check says "No action owner is named" for an owner cell of "-", and now of "N/A" or
    "None"; returns made "-.xlsx" or "N A.xlsx" and an email draft to it (helper-175). Such an
    action is not sent, said as one with an empty owner cell is."""
    hr_types(master, {"2.2": {"Action Owner": owner}})
    result = invoke("returns", master, "-o", tmp_path / "sent")
    assert "not sent: 2.2: no action owner" in result.output
    sent = {p.stem for p in (tmp_path / "sent").glob("*.xlsx")}
    assert len(sent) == len(OWNERS) - 1 and all(n.startswith(tuple("FHJLEV")) for n in sent), sent
    assert "No action owner is named" in invoke("check", master).output
