"""An owner's words written over several rows of a return (session 27).

Excel starts a new line in a cell only with Alt+Enter, so owners write an update on in the row
below, or merge the action's number and text down over the rows of its update. Those rows are
the action's next lines: their words are joined to its update (merged: the owner's own merge
says so; not merged: said, ``row_carried_on``, for a person to check). A row with anything of
its own besides (a Status, a number, a note) is a row of its own, read and flagged as before.
"""

from __future__ import annotations

from pathlib import Path

from conftest import AS_AT, plan_rows
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment

from edi_xl.flows.merge import merge_returns
from edi_xl.flows.normalise import normalise_returns

ROUND = "Update as at 18 Dec 23"
BOTH_COMMENTS = "see the plan\nand the policy"


def own_form(path: Path, master: Path, lines: list[list], merges: tuple[str, ...] = ()) -> Path:
    """An owner's own return (no record of its sending): # | Action | Status | ROUND, then
    ``lines`` ("1.4" in the first cell is replaced by nothing: the action text comes from the
    master), with ``merges`` ("A2:A3")."""
    actions = {k: v["Action (think SMART)"] for k, v in plan_rows(master).items()}
    wb = Workbook()
    ws = wb.active
    ws.title = "Update"
    ws.append(["#", "Action", "Status", ROUND, "Comments"])
    for line in lines:
        ws.append([line[0], actions.get(line[0]) if line[0] else None, *line[1:]])
    for cells in merges:
        ws.merge_cells(cells)
    wb.save(path)
    return path


def changes(result) -> dict[tuple[str, str], str]:
    return {(c.id, c.field): c.new for c in result.changes}


def kinds(result) -> list[str]:
    return sorted(f.kind for f in result.flags)


def test_rows_under_an_action_merged_down_are_its_next_lines(master, tmp_path):
    """1.4's number and action text merged down over three rows, its Status over them too,
    an update line in each; 1.5's number and text merged over two, the Status in the first
    row alone: each action's lines are its update, in order, its Status taken, nothing said
    (it was "action on two rows", the first row's words not taken: 1.5's Amber lost)."""
    path = own_form(
        tmp_path / "Jim Machon.xlsx",
        master,
        [
            ["1.4", "Green", "Panel members identified."],
            [None, None, "Training booked for January."],
            [None, None, "Policy draft with HR."],
            ["1.5", "Amber", "Delayed by staffing."],
            [None, None, "New start date March."],
        ],
        merges=("A2:A4", "B2:B4", "C2:C4", "A5:A6", "B5:B6"),
    )
    result = merge_returns(master, [path], as_at=AS_AT)
    assert changes(result) == {
        ("1.4", "update"): (
            "Panel members identified.\nTraining booked for January.\nPolicy draft with HR."
        ),
        ("1.5", "status"): "At Risk",
        ("1.5", "update"): "Delayed by staffing.\nNew start date March.",
    }
    assert kinds(result) == []
    assert plan_rows(master)["1.5"][ROUND] == "Delayed by staffing.\nNew start date March."


def test_an_unmerged_row_of_words_alone_is_joined_and_said(master, tmp_path):
    """Nothing merged: the row under 1.4 holds words in the update and the owner's Comments
    column alone. They are 1.4's next lines, and said at their row, naming the columns."""
    path = own_form(
        tmp_path / "Jim Machon.xlsx",
        master,
        [
            ["1.4", "Green", "Panel members identified.", "see the plan"],
            [None, None, "Training booked for January.", "and the policy"],
            ["1.5", "Amber", "Delayed by staffing."],
        ],
    )
    result = merge_returns(master, [path], as_at=AS_AT)
    assert changes(result)[("1.4", "update")] == (
        "Panel members identified.\nTraining booked for January."
    )
    said = [f for f in result.flags if f.kind == "row_carried_on"]
    assert [(f.id, f.location.row) for f in said] == [("1.4", 3)]
    assert f"'{ROUND}', 'Comments'" in said[0].message and "row 2" in said[0].message
    assert "no_id" not in kinds(result)


def test_a_normalised_copy_holds_the_joined_words_and_merges_the_same(master, tmp_path):
    """normalise writes the action's lines in one row (the Comments too) and says the row
    joined; merging the clean copy takes what merging the file takes."""
    folder = tmp_path / "in"
    folder.mkdir()
    own_form(
        folder / "Jim Machon.xlsx",
        master,
        [
            ["1.4", "Green", "Panel members identified.", "see the plan"],
            [None, None, "Training booked for January.", "and the policy"],
            ["1.5", "Amber", "Delayed by staffing."],
            [None, None, "New start date March."],
        ],
        merges=("A4:A5",),
    )
    result = normalise_returns([folder], tmp_path / "out", as_at=AS_AT)
    [written] = result.written
    ws = load_workbook(written.path)["Return"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert [(r["#"], r[ROUND], r["Comments"]) for r in rows] == [
        ("1.4", "Panel members identified.\nTraining booked for January.", BOTH_COMMENTS),
        ("1.5", "Delayed by staffing.\nNew start date March.", None),
    ]
    assert [(f.kind, f.id) for f in result.flags] == [("row_carried_on", "1.4")]
    direct = merge_returns(
        master, [folder / "Jim Machon.xlsx"], out=tmp_path / "a.xlsx", as_at=AS_AT
    )
    clean = merge_returns(master, [written.path], out=tmp_path / "b.xlsx", as_at=AS_AT)
    assert changes(clean) == changes(direct)


def test_an_earlier_rounds_column_written_on_is_read_whole(master, tmp_path):
    """An owner's own tracker: 1.4's September text goes on in the row under it, where nothing
    else is written. The two lines are read as one, the master's September update: nothing
    said (the row was passed over, and the first line alone, none of the master's updates,
    was flagged ``earlier_column_text``)."""
    september = plan_rows(master)["1.4"]["Update as at 18 Sep 23"]
    assert september, "the seed's 1.4 has a September update"
    first, _, rest = september.partition(" ")
    wb = Workbook()
    ws = wb.active
    ws.append(["#", "Status", "Update as at 18 Sep 23", ROUND])
    ws.append(["1.4", "Green", first, "Panels trained."])
    ws.append([None, None, rest, None])
    ws.append(["1.5", None, None, None])
    wb.save(tmp_path / "Jim Machon.xlsx")
    result = merge_returns(master, [tmp_path / "Jim Machon.xlsx"], as_at=AS_AT)
    assert changes(result) == {("1.4", "update"): "Panels trained."}
    assert "earlier_column_text" not in kinds(result)


def test_rows_of_their_own_stay_rows_of_their_own(master, tmp_path):
    """Not the next lines of the row above, read as before: a row with a Status of its own
    (no_id), a row after an empty row (no_id), a row whose update holds a note (no_id, and the
    note said), a row under 1.5 merged down with a Status of its own (1.5 on two rows)."""
    path = own_form(
        tmp_path / "Jim Machon.xlsx",
        master,
        [
            ["1.4", "Green", "Panel members identified."],
            [None, "Amber", "A Status of its own."],
            [None, None, None],
            [None, None, "After an empty row."],
            ["1.8", "Green", "Analysis started."],
            [None, None, "With a note."],
            ["1.5", "Amber", "Delayed by staffing."],
            [None, "Green", "Back on track."],
        ],
        merges=("A8:A9", "B8:B9"),
    )
    wb = load_workbook(path)
    wb.active["D7"].comment = Comment("ask Jim", "HR")
    wb.save(path)
    result = merge_returns(master, [path], as_at=AS_AT)
    assert changes(result)[("1.4", "update")] == "Panel members identified."
    assert changes(result)[("1.8", "update")] == "Analysis started."
    assert [(f.kind, f.location.row) for f in result.flags if f.kind == "no_id"] == [
        ("no_id", 3),
        ("no_id", 5),
        ("no_id", 7),
    ]
    assert "action_on_two_rows" in kinds(result) and "row_carried_on" not in kinds(result)


def test_words_under_an_action_of_an_edi_xl_return_are_its_next_lines(master, tmp_path):
    """Jim inserts a row under 1.4 in the return edi_xl sent him and writes on there: his
    words are 1.4's, said. Words under his last action (a note under the table: "Prepared
    by J Machon") are no action's: ``no_id``, not taken, as before."""
    from edi_xl.flows.owner_returns import make_owner_returns

    sent = make_owner_returns(master, tmp_path / "returns", AS_AT)
    jim = next(f for f in sent.files if f.owner.startswith("Jim Machon"))
    wb = load_workbook(jim.path)
    ws = wb["Your actions"]
    rows = {ws.cell(r, 1).value: r for r in range(7, ws.max_row + 1) if ws.cell(r, 1).value}
    first, last = min(rows, key=rows.get), max(rows, key=rows.get)
    ws.cell(rows[last] + 1, 6, "Prepared by J Machon")
    ws.cell(rows[first], 6, "Panels trained.")
    ws.insert_rows(rows[first] + 1)
    ws.cell(rows[first] + 1, 6, "Policy draft with HR.")
    wb.save(jim.path)
    result = merge_returns(master, [jim.path], as_at=AS_AT)
    assert changes(result) == {(first, "update"): "Panels trained.\nPolicy draft with HR."}
    assert [(f.kind, f.id, f.location.row) for f in result.flags] == [
        ("row_carried_on", first, rows[first] + 1),
        ("no_id", None, rows[last] + 2),
    ]
    assert "'Policy draft with HR.'" in result.flags[0].message


def test_a_merged_block_with_an_empty_line_and_words_in_another_column(master, tmp_path):
    """1.4 merged down over rows 2-4, row 3 empty, row 4 with words in the update and in the
    owner's Comments column: the update is both lines (the empty line was read as 1.4 again,
    and row 4's words taken for it alone, the first line quoted as another row's), and
    Comments, which a merge does not take, is said not read with the joined row counted
    (helper-152: the joined row's Comments went unsaid)."""
    path = own_form(
        tmp_path / "Jim Machon.xlsx",
        master,
        [
            ["1.4", "Green", "Panel members identified."],
            [None, None, None],
            [None, None, "Training booked.", "Risk: funding"],
        ],
        merges=("A2:A4", "B2:B4"),
    )
    result = merge_returns(master, [path], as_at=AS_AT)
    assert changes(result) == {("1.4", "update"): "Panel members identified.\nTraining booked."}
    [unread] = [f for f in result.flags if f.kind != "header_renamed"]
    assert unread.kind == "column_not_read" and "Comments" in unread.message
    assert unread.location.row == 4


def test_words_under_an_action_not_taken_are_said_at_their_row(master, tmp_path):
    """The row above is an action the master does not have ("9.9"): nothing of it is taken,
    and the words joined to it are said at their own row, quoted (helper-152: only row 3's
    unknown_action was said)."""
    path = own_form(
        tmp_path / "Jim Machon.xlsx",
        master,
        [["9.9", "Green", "A new action."], [None, None, "More on it."], ["1.4", None, None]],
    )
    result = merge_returns(master, [path], as_at=AS_AT)
    assert changes(result) == {}
    said = {(f.kind, f.location.row) for f in result.flags}
    assert {("unknown_action", 2), ("row_carried_on", 3)} <= said
    assert "'More on it.'" in next(f.message for f in result.flags if f.location.row == 3)


def test_a_hidden_row_or_a_rag_word_alone_is_not_an_actions_next_line(master, tmp_path):
    """Words alone between two actions, but in a hidden row, or a RAG word alone ("Amber",
    in a return with no Status column): rows of their own, ``no_id``, as before."""
    wb = Workbook()
    ws = wb.active
    ws.append(["#", ROUND])
    for line in (["1.4", "Panels trained."], [None, "Amber"], ["1.5", "Delayed."]):
        ws.append(line)
    ws.append([None, "A hidden line."])
    ws.append(["1.8", "Analysis started."])
    ws.row_dimensions[5].hidden = True
    wb.save(tmp_path / "Jim Machon.xlsx")
    result = merge_returns(master, [tmp_path / "Jim Machon.xlsx"], as_at=AS_AT)
    assert changes(result) == {
        ("1.4", "update"): "Panels trained.",
        ("1.5", "update"): "Delayed.",
        ("1.8", "update"): "Analysis started.",
    }
    assert [(f.kind, f.location.row) for f in result.flags if f.kind == "no_id"] == [
        ("no_id", 3),
        ("no_id", 5),
    ]


def test_words_before_a_heading_a_key_or_a_long_run_are_no_actions(master, tmp_path):
    """Words alone under 1.4 followed by no action's row are no action's next lines: a
    section's heading ("2. Recruitment"), a RAG key ("Green" in the # column), or more rows of
    words alone than an update runs to, ``MOST_LINES`` (a table pasted under an action: it
    was looked through to its end again for each of its rows, and a return of thousands of
    them took longer than reading allows; helper-153). Each is ``no_id``, its words quoted."""
    from edi_xl.flows.intake import MOST_LINES

    pasted = [[None, None, f"pasted line {i}"] for i in range(MOST_LINES + 1)]
    path = own_form(
        tmp_path / "Jim Machon.xlsx",
        master,
        [
            ["1.4", "Green", "Panels trained."],
            [None, None, "Note: all dates provisional."],
            ["2. Recruitment", None, None],
            ["1.5", "Amber", "Delayed."],
            [None, None, "Key:"],
            ["Green", "On track", None],
            ["1.8", "Green", "Analysis started."],
            *pasted,
            ["2.3", "Green", "Policy reviewed."],
        ],
    )
    result = merge_returns(master, [path], as_at=AS_AT)
    assert changes(result) == {
        ("1.4", "update"): "Panels trained.",
        ("1.5", "status"): "At Risk",
        ("1.5", "update"): "Delayed.",
        ("1.8", "update"): "Analysis started.",
        ("2.3", "update"): "Policy reviewed.",
    }
    no_id = [f for f in result.flags if f.kind == "no_id"]
    assert [f.location.row for f in no_id] == [3, 6, *range(9, 9 + MOST_LINES + 1)]
    assert "'Note: all dates provisional.'" in no_id[0].message
    assert "row_carried_on" not in kinds(result)


def test_words_in_another_column_alone_under_the_last_action_are_said(master, tmp_path):
    """Under the last action, a row with words in the owner's Comments column alone: said
    (``no_id``, quoted), kept in the normalised copy. It was passed over: merge said nothing,
    normalise left it out (helper-153, from before this session)."""
    folder = tmp_path / "in"
    folder.mkdir()
    own_form(
        folder / "Jim Machon.xlsx",
        master,
        [["1.4", "Green", "Panels trained."], [None, None, None, "Risk: funding"]],
    )
    merged = merge_returns(master, [folder], out=tmp_path / "m.xlsx", as_at=AS_AT)
    said = [f for f in merged.flags if f.kind == "no_id"]
    assert [f.location.row for f in said] == [3] and "'Risk: funding'" in said[0].message
    result = normalise_returns([folder], tmp_path / "out", as_at=AS_AT)
    ws = load_workbook(result.written[0].path)["Return"]
    assert "Risk: funding" in [c.value for row in ws for c in row]


def test_a_normalised_copy_is_merged_as_the_return_is(master, tmp_path):
    """Rows kept apart in the return (a hidden row, words under a repeat of the header, words
    Excel took for a formula) are written under the action in the normalised copy; merging
    the copy joins nothing of it (its rows are the rows read), as merging the return does
    not (helper-153: the copy's merge joined them)."""
    folder = tmp_path / "in"
    folder.mkdir()
    path = own_form(
        folder / "Jim Machon.xlsx",
        master,
        [
            ["1.4", "Green", "Panels trained."],
            [None, None, "A hidden line."],
            ["1.5", "Amber", "Delayed."],
        ],
    )
    wb = load_workbook(path)
    wb.active.row_dimensions[3].hidden = True
    wb.save(path)
    direct = merge_returns(master, [path], out=tmp_path / "a.xlsx", as_at=AS_AT)
    [written] = normalise_returns([folder], tmp_path / "out", as_at=AS_AT).written
    clean = merge_returns(master, [written.path], out=tmp_path / "b.xlsx", as_at=AS_AT)
    assert changes(clean) == changes(direct)
    assert changes(direct)[("1.4", "update")] == "Panels trained."
    assert kinds(clean) == kinds(direct) == ["no_id"]
