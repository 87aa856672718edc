"""The rules as pure functions of (action, as-at date), and the problems they find."""

import json
from datetime import date, datetime, time
from pathlib import Path

import pytest
from model_check import assert_made_right

from edi_xl.core.dates import parse_date
from edi_xl.core.model import Action, ActionPlan, CellOrigin, ProgressUpdate
from edi_xl.core.problems import Code, Location, Problem, Severity, problem, problems_json
from edi_xl.core.references import parse_report_refs
from edi_xl.core.rules import (
    Assessment,
    action_problems,
    assess,
    check_plan,
    current_round,
    days_overdue,
    is_overdue,
    rag_status,
)
from edi_xl.core.status import RAG, parse_status

AS_AT = date(2023, 12, 18)
ROUND = "Update as at 18 Sep 23"


def make(
    *,
    id="1.1",
    action="Do the thing",
    owner="Jo Bloggs",
    due="31-Mar-24",
    start="01-Apr-23",
    status="On Track",
    update="Going well",
    refs="WRES 1",
    row=5,
) -> Action:
    return Action(
        id=id,
        action=action,
        owner=owner,
        due=parse_date(due),
        start=parse_date(start),
        status_text=status,
        status=parse_status(status),
        references_text=refs,
        references=parse_report_refs(refs),
        updates=[ProgressUpdate(header=ROUND, as_at=date(2023, 9, 18), text=update)],
        origin=CellOrigin(sheet="Action Plan", row=row),
    )


RULES = [
    # (due, status, expected RAG, overdue, days)
    ("31-Mar-24", "On Track", RAG.GREEN, False, None),
    ("31-Mar-24", "At Risk", RAG.AMBER, False, None),
    ("31-Mar-24", "R", RAG.RED, False, None),  # declared Red stands, not overdue
    ("30-Nov-23", "On Track", RAG.RED, True, 18),
    ("30-Nov-23", "Delayed", RAG.RED, True, 18),
    ("30-Nov-23", "Complete", RAG.BLUE, False, None),  # Blue stays Blue
    ("17/12/2023", "G", RAG.RED, True, 1),
    ("18/12/2023", "G", RAG.GREEN, False, None),  # due today is not overdue
    ("November 2023", "Green", RAG.RED, True, 18),  # end of month
    ("Q2 2023/24", "Green", RAG.RED, True, 79),  # 30 Sep 2023
    ("2023/24", "Green", RAG.GREEN, False, None),  # 31 Mar 2024
    ("Business as usual", "Green", RAG.GREEN, False, None),  # no fixed deadline
    ("December 2020 onwards", "Green", RAG.GREEN, False, None),  # a start, no deadline
    ("", "Green", RAG.GREEN, False, None),
    ("30-Nov-23", "", RAG.RED, True, 18),  # blank status, overdue
    ("30-Nov-23", "Blocked", RAG.RED, True, 18),  # unknown word: overdue is still overdue
]


@pytest.mark.parametrize(
    ("due", "status", "rag", "overdue", "days"),
    RULES,
    ids=[f"{r[0] or 'no due'}-{r[1] or 'blank'}" for r in RULES],
)
def test_rules(due, status, rag, overdue, days):
    action = make(due=due, status=status)
    assert rag_status(action, AS_AT) is rag
    assert is_overdue(action, AS_AT) is overdue
    assert days_overdue(action, AS_AT) == days
    a = assess(action, AS_AT)
    assert (a.status, a.overdue, a.days_overdue) == (rag, overdue, days)


def codes(action, as_at=AS_AT, round_header=ROUND):
    plan = ActionPlan(actions=[action], update_headers=[round_header] if round_header else [])
    return {p.code for p in check_plan(plan, as_at).problems}


def test_clean_action_has_no_problems():
    assert codes(make()) == set()


PROBLEMS = [
    ({"id": ""}, Code.MISSING_ID),
    ({"action": None}, Code.MISSING_ACTION),
    ({"action": ", ,"}, Code.MISSING_ACTION),
    ({"owner": None}, Code.MISSING_OWNER),
    ({"owner": "N/A"}, Code.MISSING_OWNER),
    ({"owner": "None"}, Code.MISSING_OWNER),
    ({"owner": "Business as usual"}, Code.OWNER_NOT_NAMED),
    ({"owner": "TBC"}, Code.OWNER_NOT_NAMED),
    ({"owner": "March 2024"}, Code.OWNER_NOT_NAMED),
    ({"due": None}, Code.MISSING_DUE_DATE),
    ({"due": "soon-ish"}, Code.UNREADABLE_DUE_DATE),
    ({"start": "whenever"}, Code.UNREADABLE_START_DATE),
    ({"start": "01-Apr-24", "due": "31-Mar-24"}, Code.DUE_BEFORE_START),
    ({"status": "Blocked"}, Code.UNKNOWN_STATUS),
    ({"status": None}, Code.MISSING_STATUS),
    ({"status": "Complete", "update": None}, Code.COMPLETE_WITHOUT_EVIDENCE),
    ({"status": "On Track", "due": "30-Nov-23"}, Code.OVERDUE_NOT_RED),
    ({"status": "At Risk", "due": "30-Nov-23"}, Code.OVERDUE_NOT_RED),
    ({"update": None}, Code.NO_CURRENT_UPDATE),
    ({"update": " , "}, Code.NO_CURRENT_UPDATE),
    ({"refs": "WRES 1 Sexual Safety"}, Code.UNKNOWN_REFERENCE),
    ({"refs": "WRES 12"}, Code.UNKNOWN_REFERENCE),
    ({"due": "Business as usual"}, Code.NO_FIXED_DEADLINE),
    ({"due": "TBC"}, Code.NO_FIXED_DEADLINE),
    ({"due": "In line with national deadlines"}, Code.NO_FIXED_DEADLINE),
]


@pytest.mark.parametrize(
    ("change", "code"), PROBLEMS, ids=[p[1].value + "-" + str(p[0]) for p in PROBLEMS]
)
def test_each_problem(change, code):
    found = codes(make(**change))
    assert code in found
    # each case triggers its own problem, not a pile of unrelated ones
    allowed = {
        code,
        Code.MISSING_STATUS,
        Code.UNKNOWN_STATUS,
        Code.NO_CURRENT_UPDATE,
        Code.MISSING_DUE_DATE,
    }
    assert found <= allowed | {Code.COMPLETE_WITHOUT_EVIDENCE}


def test_red_overdue_is_not_an_overdue_declared_problem():
    assert Code.OVERDUE_NOT_RED not in codes(make(status="Red", due="30-Nov-23"))


def test_complete_with_evidence_is_fine_and_needs_no_new_update():
    assert codes(make(status="Complete", due="30-Nov-23", update="Evidence: policy v2")) == set()


def test_problem_records_carry_location_value_severity_and_message():
    plan = ActionPlan(actions=[make(owner=None, row=9)], update_headers=[ROUND])
    [problem] = check_plan(plan, AS_AT, file="plan.xlsx").problems
    assert problem.code is Code.MISSING_OWNER
    assert problem.severity is Severity.WARNING
    assert problem.action_id == "1.1"
    loc = problem.location
    assert (loc.file, loc.sheet, loc.row, loc.column) == (
        "plan.xlsx",
        "Action Plan",
        9,
        "Action Owner",
    )
    assert problem.message == "No action owner is named."
    assert "plan.xlsx, sheet 'Action Plan', row 9, column 'Action Owner'" in str(problem)


def test_duplicate_ids_flag_both_rows():
    plan = ActionPlan(
        actions=[make(id="2.1", row=5), make(id="2.1", row=9), make(id="2.10")],
        update_headers=[ROUND],
    )
    dups = [p for p in check_plan(plan, AS_AT).problems if p.code is Code.DUPLICATE_ID]
    assert [p.location.row for p in dups] == [5, 9]
    assert "rows 5, 9" in dups[0].message


def test_no_fixed_deadline_is_information_only():
    plan = ActionPlan(actions=[make(due="Ongoing")], update_headers=[ROUND])
    report = check_plan(plan, AS_AT)
    assert [p.severity for p in report.problems] == [Severity.INFO]
    assert not report.needs_attention


def test_current_round_is_latest_dated_column_on_or_before_as_at():
    plan = ActionPlan(
        update_headers=[
            "Update as at 18 Sep 23",
            "Update as at 18 Dec 23",
            "Update as at 18 Mar 24",
        ]
    )
    assert current_round(plan, date(2023, 12, 18)) == "Update as at 18 Dec 23"
    assert current_round(plan, date(2024, 1, 5)) == "Update as at 18 Dec 23"
    assert current_round(plan, date(2023, 9, 1)) is None  # before the first round
    assert current_round(ActionPlan(update_headers=["Progress"]), AS_AT) == "Progress"
    assert current_round(ActionPlan(), AS_AT) is None


def test_rules_are_pure_and_use_the_given_date():
    action = make(due="30-Nov-23")
    assert not is_overdue(action, date(2023, 11, 30))
    assert is_overdue(action, date(2023, 12, 1))
    assert days_overdue(action, date(2024, 11, 30)) == 366


# --- assess and the problems, made the quick way -------------------------------------------

DUES = [
    "30-Nov-23", "18/12/2023", "17/12/2023", "19/12/2023", "31-Mar-24", "Nov 2023", "Dec 2023",
    "Q3 2023/24", "2023/24", "2022", "2024", "ongoing", "", "next Tuesday-ish", "start",
]  # fmt: skip
STATUSES = ["On Track", "At Risk", "Delayed", "Complete", "R", "G", "", "Maybe"]


@pytest.mark.parametrize("as_at", [date(2023, 11, 30), AS_AT, date(2024, 4, 1)])
def test_assess_is_the_rules_one_by_one(as_at):
    for due in DUES:
        for status in STATUSES:
            action = make(due=due, status=status)
            assert assess(action, as_at) == Assessment(
                status=rag_status(action, as_at),
                overdue=is_overdue(action, as_at),
                days_overdue=days_overdue(action, as_at),
                has_deadline=action.due.deadline is not None,
            ), (due, status)


def _every_problem_plan() -> ActionPlan:
    """Actions between them having every problem the rules find for one action."""
    actions = [
        make(id="", action=", ,", owner=None, due="", start="someday", status="", row=5),
        make(due="next Tuesday-ish", status="Maybe", update="", refs="WRES 99; XYZ", row=6),
        make(due="ongoing", start="01-Apr-24", status="Complete", update="", row=7),
        make(due="01-Jan-23", start="01-Apr-23", status="On Track", row=8),
        make(due="30-Nov-23", status="At Risk", refs="Lost ref", row=9),
        make(due="start", status="G", row=10),
        make(id="1.1", row=11),
    ]
    actions[1].characteristics_unknown = ["Star sign"]
    actions[1].characteristics_text = "Race; Star sign"
    return ActionPlan(actions=actions, update_headers=[ROUND])


def test_the_rules_problems_are_what_the_constructor_makes():
    """The rules make their problems without the constructor's checks (thousands a check):
    each is what the constructor makes of its own values, each field of its type, and leaves
    edi_xl as JSON (check --json) with every field, its values as JSON's."""
    report = check_plan(_every_problem_plan(), AS_AT, file="plan.xlsx")
    codes = {p.code for p in report.problems}
    assert codes >= {
        Code.MISSING_ID, Code.MISSING_ACTION, Code.MISSING_OWNER, Code.MISSING_DUE_DATE,
        Code.UNREADABLE_DUE_DATE, Code.NO_FIXED_DEADLINE, Code.UNREADABLE_START_DATE,
        Code.DUE_BEFORE_START, Code.UNKNOWN_STATUS, Code.MISSING_STATUS,
        Code.COMPLETE_WITHOUT_EVIDENCE, Code.OVERDUE_NOT_RED, Code.NO_CURRENT_UPDATE,
        Code.UNKNOWN_REFERENCE, Code.UNKNOWN_CHARACTERISTIC, Code.DUPLICATE_ID,
    }  # fmt: skip
    for p in report.problems:
        assert_made_right(p, p.code.value)
    as_json = problems_json(report.problems)
    assert json.loads(json.dumps(as_json)) == as_json
    for p, doc in zip(report.problems, as_json, strict=True):
        assert list(doc) == ["code", "severity", "action_id", "location", "value", "message"]
        assert list(doc["location"]) == ["file", "sheet", "row", "column", "cell"]
        assert (doc["code"], doc["severity"], doc["message"]) == (
            p.code.value,
            p.severity.value,
            p.message,
        )
        assert doc["location"]["row"] == p.location.row


def test_a_problems_value_leaves_as_json_as_pydantic_writes_it():
    """A cell's value of any kind (a date, a time, a number, text) in check --json."""
    values = [date(2024, 3, 31), datetime(2024, 3, 31, 9, 30), time(9, 30), 2.5, "Jo", None]
    made = [problem(Code.UNKNOWN_STATUS, row=5, value=v, words="x") for v in values]
    assert [doc["value"] for doc in problems_json(made)] == [
        "2024-03-31", "2024-03-31T09:30:00", "09:30:00", 2.5, "Jo", None
    ]  # fmt: skip


def test_a_rule_problem_is_the_one_problem_makes():
    action = make(due="30-Nov-23", status="On Track")
    fields = {"word": "On Track", "due": action.due.describe()}
    quick = action_problems(action, AS_AT, file="plan.xlsx")
    assert quick == [
        problem(
            Code.OVERDUE_NOT_RED, action_id="1.1", file="plan.xlsx", sheet="Action Plan",
            row=5, column="Status", value="On Track", **fields,
        )
    ]  # fmt: skip
    # a location that is not what a read plan holds is refused, as by problem()
    with pytest.raises(TypeError, match="Location.file"):
        action_problems(action, AS_AT, file=Path("plan.xlsx"))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Location.file"):
        problem(Code.OVERDUE_NOT_RED, file=Path("plan.xlsx"), **fields)  # type: ignore[arg-type]


def test_a_problems_location_takes_a_whole_float_row_and_a_codes_text():
    """What a spreadsheet gives (5.0 for row 5) and a code's text are taken as the
    constructor's types; a row that is no whole number is refused."""
    made = Problem(
        code="overdue_declared_on_track",  # type: ignore[arg-type]
        severity="warning",  # type: ignore[arg-type]
        location=Location(row=5.0),  # type: ignore[arg-type]
        message="m",
    )
    assert made.code is Code.OVERDUE_NOT_RED and made.severity is Severity.WARNING
    assert type(made.location.row) is int and made.location.row == 5
    for row in (5.5, "5", True):
        with pytest.raises(TypeError, match="Location.row"):
            Location(row=row)  # type: ignore[arg-type]


def test_an_action_given_its_status_as_the_rag_word_is_checked_as_the_member():
    """A program building an action with status "Green" (pydantic's validation made it the
    member until session 18): the rules compare statuses by identity, and found nothing."""
    action = Action(
        id="1.1", action="Do it", owner="Jo", due=parse_date("30/11/2023"),
        status="Green",  # type: ignore[arg-type]
        status_text="Green", origin=CellOrigin(sheet="Action Plan", row=5),
    )  # fmt: skip
    assert action.status is RAG.GREEN
    codes = {p.code for p in action_problems(action, AS_AT)}
    assert Code.OVERDUE_NOT_RED in codes
    with pytest.raises(ValueError, match="On Track"):
        Action(status="On Track")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "owner",
    ["Head of E&I - ongoing", "Jim Machon (TBC)", "May Lee", "Heads of Recruitment", "All"],
)
def test_an_owner_holding_words_of_timing_among_others_is_named(owner):
    """Only an owner cell that is wholly a timescale names no one (seed 004's "Business as
    usual" under Responsibility); a person or role with timing words beside is an owner."""
    assert Code.OWNER_NOT_NAMED not in codes(make(owner=owner))
