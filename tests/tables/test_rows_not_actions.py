"""What a trust's plan holds around and inside its table that is not an action: a section
heading merged across the row, a row carrying on the action above, a RAG key below the table
(under the Status column, or under the first columns), notes and sign-off lines. None of it is
read as an action, each is said, and a refresh, the owner returns and ``new --from`` leave it
as it was (found by helper-43, session 15: a refresh wrote "On Track" over the key's "Green")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from click.testing import CliRunner
from conftest import TRUST_HEADERS
from openpyxl import load_workbook

from edi_xl.cli import cli
from edi_xl.core.problems import Code, Severity
from edi_xl.core.rules import check_plan
from edi_xl.flows.owner_returns import make_owner_returns
from edi_xl.flows.refresh import refresh_workbook
from edi_xl.tables.engine import parse_overrides
from edi_xl.tables.reader import read_plan

AS_AT = date(2023, 12, 18)
HEADERS = (*TRUST_HEADERS, "Update as at 18 Dec 23")
#: (row, what the row is), 1-based, as Excel shows them
ACTION_ROWS = {6: "1.1", 7: "1.2", 11: "2.1", 12: "2.2"}


def trust_plan(path: Path) -> Path:
    """A trust's plan as people keep one, with everything around its four actions."""
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("Action Plan")
    bold = book.add_format({"bold": True})
    dated = book.add_format({"num_format": "dd-mmm-yy"})
    green = book.add_format({"bg_color": "#00B050"})
    ws.merge_range("A1:J1", "Equality, Diversity & Inclusion Action Plan 2023/24", bold)
    ws.write_row(3, 0, HEADERS, bold)  # header in row 4
    ws.merge_range("A5:J5", "Theme 1: Recruitment", bold)  # a section heading
    actions = {
        6: ("1.1", "Recruitment", "Diverse interview panels", "WRES 2", "Race", "Jim Machon"),
        7: ("1.2", "Recruitment", "Review job adverts", "WRES 2", "Race", "Jim Machon"),
        11: ("2.1", "Bullying", "Speak-up guardians", "WRES 5", "Race", "Louanna Lubega"),
        12: ("2.2", "Bullying", "Civility training", "WDES 5", "Disability", "Fiona MacDonald"),
    }
    for row, values in actions.items():
        ws.write_row(row - 1, 0, values)
        ws.write_datetime(row - 1, 6, datetime(2023, 4, 1), dated)
        ws.write_datetime(row - 1, 7, datetime(2024, 3, 31), dated)
        ws.write(row - 1, 8, "Green")
        ws.write(row - 1, 9, "On track")
    # row 8: carries on 1.2 (a second owner and a milestone date), no number, no action text
    ws.write(7, 5, "Sarah Jones, EDI Lead")
    ws.write_datetime(7, 7, datetime(2023, 10, 31), dated)
    ws.write(7, 9, "Milestone: panel pool list by Oct 23")
    ws.write(9, 0, "Theme 2: Bullying and harassment", bold)  # row 10: a heading, unmerged
    # rows 14-18: a RAG key under the Status column
    ws.write(13, 8, "Key", bold)
    for i, (colour, meaning) in enumerate(
        [("Green", "On track"), ("Amber", "At risk"), ("Red", "Exceeded"), ("Blue", "Complete")]
    ):
        ws.write(14 + i, 8, colour, green)
        ws.write(14 + i, 9, meaning)
    # rows 20-21: a key under the first columns; rows 23-24: sign-off lines, one merged
    ws.write_row(19, 1, ["Green", "On track: the action will be done by its due date"])
    ws.write_row(20, 1, ["Amber", "At risk"])
    ws.merge_range("A23:J23", "Approved by the EDI Committee 12/10/2025")
    ws.write(23, 0, "Next review: March 2026")
    book.close()
    return path


#: The action every small plan below starts with, under HEADERS.
FIRST_ACTION = ["1.1", "Recruitment", "Diverse panels", "", "", "Jim Machon"]


def plan_book(path: Path, add: Callable[[Any], object]) -> Path:
    """A plan of HEADERS and :data:`FIRST_ACTION`, and what ``add(ws)`` writes below it
    (XlsxWriter's sheet)."""
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("Action Plan")
    ws.write_row(0, 0, HEADERS)
    ws.write_row(1, 0, FIRST_ACTION)
    add(ws)
    book.close()
    return path


def test_only_the_actions_are_read_and_the_rest_is_said(tmp_path: Path) -> None:
    plan = read_plan(trust_plan(tmp_path / "plan.xlsx"))
    assert {a.origin.row: a.id for a in plan.actions if a.origin} == ACTION_ROWS
    assert plan.source is not None
    got = {n.row: (n.texts, n.like_an_action) for n in plan.source.not_actions}
    assert got == {
        5: (["Theme 1: Recruitment"], False),
        8: (["Sarah Jones, EDI Lead", "31 Oct 2023", "Milestone: panel pool list by Oct 23"], True),
        10: (["Theme 2: Bullying and harassment"], False),
        14: (["Key"], False),
        15: (["Green", "On track"], False),
        16: (["Amber", "At risk"], False),
        17: (["Red", "Exceeded"], False),
        18: (["Blue", "Complete"], False),
        20: (["Green", "On track: the action will be done by its due date"], False),
        21: (["Amber", "At risk"], False),
        23: (["Approved by the EDI Committee 12/10/2025"], False),
        24: (["Next review: March 2026"], False),
    }
    said = [
        (p.code, p.severity, p.location.row, p.message)
        for p in check_plan(plan, AS_AT).problems
        if p.code in (Code.NOT_AN_ACTION, Code.ROW_WITHOUT_ACTION)
    ]
    # a run of rows is said once; a row that looks like an action's is a warning of its own
    assert [(code, severity, row) for code, severity, row, _ in said] == [
        (Code.NOT_AN_ACTION, Severity.INFO, 5),
        (Code.ROW_WITHOUT_ACTION, Severity.WARNING, 8),
        (Code.NOT_AN_ACTION, Severity.INFO, 10),
        (Code.NOT_AN_ACTION, Severity.INFO, 14),
        (Code.NOT_AN_ACTION, Severity.INFO, 20),
        (Code.NOT_AN_ACTION, Severity.INFO, 23),
    ]
    assert said[1][3].startswith("row 8 has no action number and no action text")
    assert "'Sarah Jones, EDI Lead'" in said[1][3]
    assert said[3][3].startswith("rows 14 to 18 are read as a heading, a note or a RAG key")
    assert "'Key', 'Green', 'On track', 'Amber', 'At risk', 'Red', ..." in said[3][3]


def test_a_numbered_row_stays_an_action_whatever_it_holds(tmp_path: Path) -> None:
    """An action number makes a row an action: one with nothing else filled in (checked, and
    said to have no action text), or one whose cells read like a key's."""

    def rows(ws: Any) -> None:
        ws.write_row(2, 0, ["1.2"])
        ws.write_row(3, 0, ["EDI-07", "Green", "On track"])
        ws.write_row(4, 0, [3, "Theme 3"])  # a number and one text: an action with no text yet

    plan = read_plan(plan_book(tmp_path / "numbered.xlsx", rows))
    assert [a.id for a in plan.actions] == ["1.1", "1.2", "EDI-07", "3"]
    assert plan.source is not None and plan.source.not_actions == []


def test_refresh_and_returns_leave_what_is_not_an_action_alone(tmp_path: Path) -> None:
    path = trust_plan(tmp_path / "plan.xlsx")
    before = load_workbook(path)["Action Plan"]
    around = {
        (c.row, c.column): c.value
        for row in before.iter_rows()
        for c in row
        if c.row not in ACTION_ROWS and c.row > 4
    }
    result = refresh_workbook(path, date(2024, 4, 30))  # every action overdue
    assert len(result.plan.actions) == 4
    ws = load_workbook(path)["Action Plan"]
    assert {key: ws.cell(*key).value for key in around} == around
    headers = [c.value for c in ws[4]]
    grey = [headers.index(h) + 1 for h in ("Overdue", "Days overdue", "Problems")]
    for row in range(5, ws.max_row + 1):
        written = [ws.cell(row, c).value for c in grey]
        assert (row in ACTION_ROWS) == any(v is not None for v in written), row
    assert ws.cell(8, 9).value is None  # the carried-on row is given no Status
    assert ws["I15"].value == "Green" and ws["I16"].value == "Amber"  # the key, as typed
    assert [p.code for p in result.report.problems].count(Code.ROW_WITHOUT_ACTION) == 1

    make_owner_returns(path, tmp_path / "returns", date(2024, 4, 30))
    names = sorted(p.name for p in (tmp_path / "returns").glob("*.xlsx"))
    assert names == ["Fiona MacDonald.xlsx", "Jim Machon.xlsx", "Louanna Lubega.xlsx"]


def test_new_from_says_which_rows_it_did_not_take(tmp_path: Path) -> None:
    path = trust_plan(tmp_path / "plan.xlsx")
    run = CliRunner().invoke(
        cli,
        ["new", str(tmp_path / "master.xlsx"), "--from", str(path), "--as-at", "2023-12-18"],
    )
    assert run.exit_code == 1, run.output  # a person should look: rows were left out
    assert "4 actions" in run.output
    assert "Rows of plan.xlsx not taken into master.xlsx" in run.output
    assert "Action Plan row 14: 'Key' (a heading, a note or a RAG key: not an action)" in (
        run.output
    )
    assert (
        "Action Plan row 8: 'Sarah Jones, EDI Lead' | '31 Oct 2023' | 'Milestone: panel pool "
        "list by Oct 23' (no action number and no action text: not an action)" in run.output
    )


@pytest.mark.parametrize(
    ("row", "read"),
    [
        (["Key"], False),  # "Key" alone in the Action column: a key's label
        (["RAG rating key:"], False),
        (["Green - On track"], False),  # a key's line, one a row, in the Action column
        (["Amber: at risk of missing the date"], False),
        (["Green spaces for staff wellbeing"], True),
        (["Write the policy"], True),  # an action with only its text so far: read, checked
        (["Total reward review"], True),
    ],
)
def test_a_lone_text_in_the_action_column(tmp_path: Path, row: list[str], read: bool) -> None:
    plan = read_plan(plan_book(tmp_path / "lone.xlsx", lambda ws: ws.write_row(2, 2, row)))
    assert len(plan.actions) == (2 if read else 1)


@pytest.mark.parametrize(
    ("first", "merged", "read"),
    [
        ("Theme 1", False, False),  # a heading typed in the # column
        ("Theme 1", True, False),  # merged across the row
        ("1. Recruitment", True, False),
        ("2", True, False),  # "2" merged across the row: a heading's number, not an action
        ("EDI-07", False, True),  # an action's number with nothing else yet: read, checked
        ("R1.2", False, True),
        ("3.4", False, True),
    ],
)
def test_a_lone_text_in_the_number_column(
    tmp_path: Path, first: str, merged: bool, read: bool
) -> None:

    def lone(ws: Any) -> None:
        if merged:
            ws.merge_range(2, 0, 2, len(HEADERS) - 1, first)
        else:
            ws.write(2, 0, first)

    plan = read_plan(plan_book(tmp_path / "lone.xlsx", lone))
    assert [a.id for a in plan.actions] == (["1.1", first] if read else ["1.1"])


def test_the_general_reading_leaves_a_key_out_and_says_so(tmp_path: Path) -> None:
    """``import --layout general`` took each row of a key written across two cells as an
    action called "Green", "Amber"... (it knew a key written in one cell only)."""
    from edi_xl.tables.reader import read_source

    read = read_source(trust_plan(tmp_path / "plan.xlsx"), "general")
    ids = [a.id for a in read.plan.actions]
    assert not {"Green", "Amber", "Red", "Blue", "Key"} & set(ids)
    assert ids[:2] == ["1.1", "1.2"] and ids[-2:] == ["2.1", "2.2"]
    assert "Action Plan row 15: 'Green' | 'On track' (a RAG key or a note: no action number, " \
        "action text, owner or dates)" in read.not_placed  # fmt: skip
    assert any(t.startswith("Action Plan row 21: 'Amber' | 'At risk'") for t in read.not_placed)


def _sheet(path: Path, rows: list[list[Any]]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("Plan")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                ws.write(r, c, value)
    book.close()
    return path


@pytest.mark.parametrize("key", ["RAG key", "RAG"])  # ("RAG": a field the plan already gives)
def test_a_key_beside_the_plan_past_an_empty_column_is_no_column_of_it(
    tmp_path: Path, key: str
) -> None:
    """(helper-96) A RAG key one empty column right of the plan, its rows beside the actions'
    rows, came in as two extra columns filling the actions ("RAG key": "G", "Meaning": "On
    track"). The empty column ends the table; the key is said, row by row."""
    from edi_xl.tables.reader import read_source

    path = _sheet(
        tmp_path / "plan.xlsx",
        [
            ["Ref", "Action", "Lead", "Due date", "RAG", None, key, "Meaning"],
            ["1", "Diverse panels", "Head of EDI", "Mar-25", "G", None, "G", "On track"],
            ["2", "Reverse mentoring", "Head of OD", "Mar-25", "A", None, "A", "At risk"],
            [None, None, None, None, None, None, "R", "Off track"],
        ],
    )
    read = read_source(path)
    assert [(a.id, a.status_text, a.extra) for a in read.plan.actions] == [
        ("1", "G", {}),
        ("2", "A", {}),
    ]
    beside = "(beside the table, past the empty column F: a RAG key or a table of its own, not " \
        "read as actions)"  # fmt: skip
    assert read.not_placed == [
        f"Plan row 1: {key!r} | 'Meaning' {beside}",
        f"Plan row 2: 'G' | 'On track' {beside}",
        f"Plan row 3: 'A' | 'At risk' {beside}",
        f"Plan row 4: 'R' | 'Off track' {beside}",
    ]


#: A table of the trust's own left of the plan on its header row, one empty column between
#: (helper-126's sweep: 22 of 291 corpus files placed so): its "Due Date" was taken as the
#: actions' (the first of two), its "Item" as their numbers.
SIDE = ["Item", "Due Date", None]
SIDE_ROWS = [[1, "01/02/2011", None], [2, "02/02/2011", None], [None, None, None]]


def test_a_table_left_of_the_plan_past_an_empty_column_is_none_of_it(tmp_path: Path) -> None:
    """The general table: the header starts past the empty column (``Header.start``), its
    columns are the plan's only, and the other table's cells are said, row by row."""
    from edi_xl.read.sources import read_grids
    from edi_xl.tables.engine import find_headers
    from edi_xl.tables.reader import read_source

    path = _sheet(
        tmp_path / "plan.xlsx",
        [
            [*SIDE, "Ref", "Action", "Lead", "Due Date", "RAG"],
            *[
                [*side, ref, text, "Head of EDI", "31/03/2025", "G"]
                for side, ref, text in zip(
                    SIDE_ROWS, ["1.1", "1.2", "1.3"], ["Panels", "Mentoring", "Audit"], strict=True
                )
            ],
        ],
    )
    (grid,) = read_grids(path).sheets
    (header,) = find_headers(grid)
    assert header.start == 3 and min(c.col for c in header.columns) == 3
    assert header.fields == {"id": 3, "action": 4, "owner": 5, "due": 6, "status": 7}
    read = read_source(path)
    assert [(a.id, a.due.date) for a in read.plan.actions] == [
        ("1.1", date(2025, 3, 31)),
        ("1.2", date(2025, 3, 31)),
        ("1.3", date(2025, 3, 31)),
    ]
    assert all(not a.extra for a in read.plan.actions)
    left = "(left of the table, before the empty column C: a table of its own numbering rows, " \
        "not read as actions; if these are the plan's own columns, name one with --map to " \
        "keep them)"  # fmt: skip
    assert read.not_placed == [
        f"Plan row 1: 'Item' | 'Due Date' {left}",
        f"Plan row 2: '1' | '01/02/2011' {left}",
        f"Plan row 3: '2' | '02/02/2011' {left}",
    ]
    # as the message says: a column named with --map is the plan's, and nothing is cut
    kept = read_source(path, overrides=parse_overrides(["Item=extra"]))
    assert kept.not_placed == []
    assert [a.extra.get("Source item") for a in kept.plan.actions] == [1, 2, None]


def test_a_master_with_a_table_left_of_the_plan_reads_the_plans_columns(tmp_path: Path) -> None:
    """The master (the trust layout): the plan's "#" and "Due Date" are read, not the other
    table's "Item" and "Due Date"; its rows with nothing in the plan are no actions."""
    rows = [
        [*side, f"1.{i + 1}", "Theme", f"Action {i + 1}", None, None, "Jo Bloggs", None,
         datetime(2024, 3, 31), "On Track"]
        for i, side in enumerate(SIDE_ROWS)
    ] + [[5, "05/02/2011"]]  # fmt: skip
    path = _plan_with_rows(tmp_path / "plan.xlsx", rows, (*SIDE, *HEADERS))
    plan = read_plan(path)
    assert [(a.id, a.due.date) for a in plan.actions] == [
        ("1.1", date(2024, 3, 31)),
        ("1.2", date(2024, 3, 31)),
        ("1.3", date(2024, 3, 31)),
    ]
    assert plan.source is not None
    assert plan.source.columns["id"] == 3 and plan.source.columns["due"] == 10
    assert plan.source.extra_columns == {}
    # an import of it says what it does not carry into the master, as the general reader does
    from edi_xl.tables.reader import read_source

    read = read_source(path)
    assert read.layout == "trust"
    assert [line.split(" (")[0] for line in read.not_placed] == [
        "Action Plan row 1: 'Item' | 'Due Date'",
        "Action Plan row 2: '1' | '01/02/2011'",
        "Action Plan row 3: '2' | '02/02/2011'",
        "Action Plan row 5: '5' | '05/02/2011'",
    ]
    assert "before the empty column C" in read.not_placed[0]


@pytest.mark.parametrize(
    "header",
    [
        # a plan's own spacer: its reference, then the action's columns
        ["Ref", None, "Action", "Lead", "Due Date", "Status"],
        # the action left of the spacer, the monitoring columns right of it
        ["Ref", "Action", None, "Lead", "Due Date", "Status"],
        # the theme and the number, then the action's columns
        ["Theme", "Ref", None, "Action", "Lead", "Due Date", "Status"],
    ],
)
def test_a_plans_own_spacer_left_of_its_action_does_not_cut_it(
    tmp_path: Path, header: list[Any]
) -> None:
    """The mirror of the cut above is never made at a plan's own spacer: the part left of it
    gives the action, or a field the part right of it does not give again."""
    from edi_xl.tables.reader import read_source

    def row(ref: str, text: str) -> list[Any]:
        values = {"Ref": ref, "Theme": "Recruitment", "Action": text, "Lead": "Head of EDI",
                  "Due Date": "31/03/2025", "Status": "G"}  # fmt: skip
        return [values.get(h) if h else None for h in header]

    path = _sheet(tmp_path / "plan.xlsx", [header, row("1.1", "Panels"), row("1.2", "Audit")])
    read = read_source(path)
    assert [(a.id, a.action, a.owner, a.status_text) for a in read.plan.actions] == [
        ("1.1", "Panels", "Head of EDI", "G"),
        ("1.2", "Audit", "Head of EDI", "G"),
    ]
    assert read.not_placed == []


#: A plan's own columns left of its spacer that give a field the columns right of it give
#: again (helper-131: each was cut off as another table's, the plan losing them): per layout,
#: its header and each of three actions' rows.
_SPACED = {
    "exec lead, action owner": (
        ["Theme", "Exec Lead", None, "Action", "Action Owner", "Due Date", "Status"],
        lambda i, ref: ["Recruitment" if i < 2 else "Conduct", "Chief People Officer", None],
    ),
    "original and revised due dates": (
        ["Ref", "Original due date", None, "Action", "Owner", "Revised due date", "Status"],
        lambda i, ref: [ref, "31/03/2024", None],
    ),
    "objective and milestone, once per group": (
        ["Objective", None, "Action", "Milestone", "Due", "RAG"],
        lambda i, ref: ["Fair recruitment" if i in (0, 2) else None, None],
    ),
    "a lead, then the action owner": (
        ["Lead", None, "Action", "Action Owner", "Due", "Status"],
        lambda i, ref: ["Director of People", None],
    ),
    "theme and lead on every row, milestone and owner past the spacer": (
        ["Theme", "Lead", None, "Action", "Milestone", "Action Owner", "Due", "Status"],
        lambda i, ref: ["Recruitment", "Director of People", None],
    ),
    "the reference and the SRO": (
        ["Ref", "SRO", None, "Action", "Lead", "Deadline", "Status"],
        lambda i, ref: [ref, "Medical Director", None],
    ),
    # (helper-132: the plan's only numbers were cut off with the exec lead, as a block of
    # rows of another table's that ended before the plan did)
    "the number and exec lead, the newest action not numbered yet": (
        ["#", "Exec Lead", None, "Action", "Action Owner", "Due Date", "Status"],
        lambda i, ref: [ref, "Chief People Officer", None] if i < 2 else [None, None, None],
    ),
    "a reference and a lead, then the action's number": (
        ["Ref", "Lead", None, "Action No", "Action", "Action Owner", "Due Date", "Status"],
        lambda i, ref: [f"WRES {i + 1}", "Director of People", None],
    ),
}


#: What the columns right of the spacer hold (the action's own text in "Action").
_SPACED_VALUES = {
    "Milestone": "Q1 milestone", "Action Owner": "Jo Bloggs", "Owner": "Jo Bloggs",
    "Lead": "Jo Bloggs", "Due Date": "31/03/2025", "Revised due date": "30/06/2025",
    "Due": "31/03/2025", "Deadline": "31/03/2025", "Status": "G", "RAG": "G",
}  # fmt: skip


@pytest.mark.parametrize("layout", list(_SPACED))
def test_a_plans_own_columns_left_of_its_spacer_are_read_as_the_plans(
    tmp_path: Path, layout: str
) -> None:
    """The plan starts at its first column however its own columns left of a spacer repeat a
    field of those right of it (a lead and an owner, two due dates, an objective and a
    milestone): only a block of another table's rows, or a second numbering of the plan's
    rows, stands apart."""
    from edi_xl.read.grid import grid_from_worksheet
    from edi_xl.tables.engine import plan_start
    from edi_xl.tables.reader import read_source

    header, left = _SPACED[layout]
    actions = [("1.1", "Panels"), ("1.2", "Mentoring"), ("2.1", "Audit")]
    rows: list[list[Any]] = [header]
    for i, (ref, text) in enumerate(actions):
        cells = left(i, ref)
        values = {**_SPACED_VALUES, "Action No": ref}
        rows.append(cells + [values.get(h, text) for h in header[len(cells) :]])
    path = _sheet(tmp_path / "plan.xlsx", rows)
    ws = load_workbook(path).active
    assert plan_start(grid_from_worksheet(ws), 0) == 0
    read = read_source(path)
    assert [a.action for a in read.plan.actions] == [text for _, text in actions]
    assert read.not_placed == []


@pytest.mark.parametrize(
    ("header", "rows", "extra"),
    [
        # an empty column with a header ("Notes", kept for later) is a column of the table
        (["Action", "Lead", "Due", "Notes", "RAG", "Update"], [None, "G", "Started"],
         {"Notes": None}),
        # an empty spacer between the action's columns and the quarter's status and update
        (["Action", "Lead", "Due", None, "RAG", "Update"], [None, "G", "Started"], {}),
        # a spacer between the quarters' columns: each quarter's RAG and update goes on
        (["Action", "Lead", "Due", "RAG Q1", "Update Q1", None, "RAG Q2", "Update Q2"],
         ["A", "Slipped", None, "G", "Started"], {"RAG Q1": "A", "Source update Q1": "Slipped"}),
        # a spacer before a column of the trust's own: its notes are kept, an extra column
        (["Action", "Lead", "Due", "RAG", "Update", None, "Notes"],
         ["G", "Started", None, "Ask HR"], {"Notes": "Ask HR"}),
        # past a spacer, a field the table gives already, filled on every action's row, is
        # the plan's too: a revised due date is the due date (helper-101: it was cut off)
        (["Action", "Lead", "Due", "RAG", "Update", None, "Revised due date"],
         ["G", "Started", None, "Sep-25"], {"Source due": "Mar-25"}),
        (["Action", "Lead", "Due", "RAG", "Update", None, "Comments", "Evidence"],
         ["G", "Started", None, "Board asked", "Minutes"],
         {"Source comments": "Board asked", "Evidence": "Minutes"}),
    ],
)  # fmt: skip
def test_an_empty_column_inside_the_plan_does_not_end_it(
    tmp_path: Path, header: list[Any], rows: list[Any], extra: dict[str, Any]
) -> None:
    from edi_xl.tables.reader import read_source

    path = _sheet(
        tmp_path / "plan.xlsx",
        [header, ["Diverse panels", "Head of EDI", "Mar-25", *rows],
         ["Reverse mentoring", "Head of OD", "Mar-25", *rows]],
    )  # fmt: skip
    read = read_source(path)
    action = read.plan.actions[0]
    assert (action.status_text, action.updates[0].text, action.extra) == ("G", "Started", extra)
    assert read.not_placed == []


def _plan_with_rows(path: Path, rows: list[list[Any]], headers: tuple[str, ...] = HEADERS) -> Path:
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("Action Plan")
    dated = book.add_format({"num_format": "dd-mmm-yy"})
    ws.write_row(0, 0, headers)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if isinstance(value, datetime):
                ws.write_datetime(r, c, value, dated)
            elif value is not None:
                ws.write(r, c, value)
    book.close()
    return path


@pytest.mark.parametrize(
    ("row", "read"),
    [
        # (helper-46) an action's letter in the # column is its label, not a key's colour
        (["a.", None, "Shortlist panel members"], True),
        (["B", None, "Publish a panel policy", None, None, None, None, None, "At Risk"], True),
        (["g -", None, "Agree the guidance"], True),
        # a blank Action cell, but an owner or a due date and a Status of its own: tracked
        ([None, "Recruitment", None, None, None, "Jim Machon", None, None, "Amber"], True),
        (["Action 1", None, None, None, None, None, None, datetime(2024, 3, 31), "G"], True),
        # Excel made "1.5" a date: still an action's number
        ([datetime(2024, 5, 1), None, None, None, None, "Jim Machon"], True),
        # a colour in the Status column beside text that is no status: an action's RAG
        ([None, None, "Draft the WDES plan", None, None, None, None, None, "Amber"], True),
        # what stays out: a key's rows, a row carrying on the action above with no Status
        ([None, "Green", "On track"], False),
        ([None, None, None, None, None, None, None, None, "Green", "On track"], False),
        ([None, None, None, None, None, "Sarah Jones", None, datetime(2023, 10, 31)], False),
    ],
)
def test_what_makes_an_unnumbered_row_an_action(tmp_path: Path, row: list[Any], read: bool) -> None:
    path = _plan_with_rows(
        tmp_path / "plan.xlsx",
        [["1.1", "Recruitment", "Diverse interview panels", "", "", "Jim Machon"], row],
    )
    plan = read_plan(path)
    assert len(plan.actions) == (2 if read else 1), [a.id for a in plan.actions]
    assert plan.source is not None and len(plan.source.not_actions) == (0 if read else 1)


def test_a_plan_whose_first_column_is_its_rag(tmp_path: Path) -> None:
    """``RAG | Action | Progress update`` (helper-46: every action was left out as a key,
    and the general reading found no action rows)."""
    from edi_xl.tables.reader import read_source

    path = _plan_with_rows(
        tmp_path / "rag_first.xlsx",
        [
            ["Green", "Set up the staff network", "Launched in May"],
            ["Amber", "Draft the WDES plan", "Waiting for the data"],
            ["R", "Reverse mentoring", "delayed"],
            ["Blue", "Publish the WRES report", "Published"],
        ],
        headers=("RAG", "Action", "Progress update"),
    )
    read = read_source(path)
    assert [a.action for a in read.plan.actions] == [
        "Set up the staff network",
        "Draft the WDES plan",
        "Reverse mentoring",
        "Publish the WRES report",
    ]


@pytest.mark.parametrize("label", ["2", "Theme 2", "2."])
def test_a_heading_with_its_number_before_it(tmp_path: Path, label: str) -> None:
    """ "2 | Bullying and harassment" with the heading merged across the rest of the row
    (helper-46: read as action 2, its owner and Status the heading's text)."""

    def heading(ws: Any) -> None:
        ws.write(2, 0, label)
        ws.merge_range(2, 1, 2, len(HEADERS) - 1, "Bullying and harassment")
        ws.write_row(3, 0, ["2.1", "Bullying", "Speak-up guardians", "", "", "Louanna Lubega"])

    plan = read_plan(plan_book(tmp_path / "numbered_heading.xlsx", heading))
    assert [a.id for a in plan.actions] == ["1.1", "2.1"]
    assert plan.source is not None
    assert [n.row for n in plan.source.not_actions] == [3]


def test_new_from_a_plan_with_headings_and_a_key_only_needs_no_person(tmp_path: Path) -> None:
    """Headings and a key left out of the new master are said, as notes: exit 0 (a row that
    looks like an action's makes it 1, above)."""
    path = tmp_path / "plan.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("Action Plan")
    ws.write_row(0, 0, HEADERS)
    ws.merge_range("A2:J2", "Theme 1: Recruitment")
    ws.write_row(2, 0, ["1.1", "Recruitment", "Diverse interview panels", "WRES 2", "Race"])
    ws.write(2, 5, "Jim Machon")
    ws.write(2, 7, "31/03/2099")
    ws.write(2, 8, "On Track")
    ws.write(2, 9, "Panels trained")
    ws.write_row(4, 8, ["Green", "On track"])
    book.close()
    run = CliRunner().invoke(
        cli,
        ["new", str(tmp_path / "master.xlsx"), "--from", str(path), "--as-at", "2023-12-18"],
    )
    assert "Rows of plan.xlsx not taken into master.xlsx" in run.output
    assert run.exit_code == 0, run.output


def test_a_master_with_an_exec_lead_before_the_action_owner_sends_to_the_action_owner(
    tmp_path: Path,
) -> None:
    """The trust's own workbook names the executive over each action ("Exec Lead") left of
    the lead who does it ("Action Owner"): the action owner is the owner, who is sent the
    returns, as an imported plan reads it; the executive's column is kept as the trust's
    (helper-132: the first owner column was taken, and the returns went to the executives)."""
    headers = list(HEADERS)
    headers.insert(headers.index("Action Owner"), "Exec Lead")
    at = headers.index("Exec Lead")
    rows = []
    for i, owner in enumerate(["Jo Bloggs", "Ann Lee"], start=1):
        row: list[Any] = [f"1.{i}", "Theme", f"Action {i}", None, None, owner, None,
                          datetime(2024, 3, 31), "On Track"]  # fmt: skip
        row.insert(at, "Chief People Officer")
        rows.append(row)
    plan = read_plan(_plan_with_rows(tmp_path / "plan.xlsx", rows, tuple(headers)))
    assert [a.owner for a in plan.actions] == ["Jo Bloggs", "Ann Lee"]
    assert plan.source is not None
    assert plan.source.columns["owner"] == at + 1
    assert plan.source.extra_columns == {"Exec Lead": at}
