"""One coded Problem (edi_xl.core.problems): every code has a severity and a template."""

import string

import pytest

from edi_xl.core.problems import MESSAGES, SEVERITY, Code, Flag, Location, Severity, problem


def test_every_code_has_a_severity_and_a_template_naming_known_fields() -> None:
    assert set(SEVERITY) == set(Code) == set(MESSAGES)
    for code, template in MESSAGES.items():
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        assert "" not in names, f"{code}: a template's fields are named"


def test_a_problem_is_filled_from_its_location_value_and_fields() -> None:
    found = problem(
        Code.LOCKED_FIELD_CHANGED,
        action_id="1.8",
        file="jim.xlsx",
        sheet="Sheet",
        row=5,
        column="Due Date",
        value="30/06/2024",
        old="2023-12-31",
        new="30/06/2024",
    )
    assert found.severity is Severity.WARNING
    assert found.location == Location(file="jim.xlsx", sheet="Sheet", row=5, column="Due Date")
    assert found.message == (
        "sheet 'Sheet' row 5: Due Date changed from '2023-12-31' to '30/06/2024'; not applied "
        "(only Status and the update are taken from returns)"
    )  # (the sheet named: a return may hold several, helper-51, session 16)
    no_sheet = problem(Code.LOCKED_FIELD_CHANGED, row=5, column="Due Date", old="a", new="b")
    assert no_sheet.message.startswith("row 5: Due Date changed")
    with pytest.raises(KeyError):  # a field the template names must be given
        problem(Code.LOCKED_FIELD_CHANGED, row=5, column="Due Date")


def test_file_reasons_and_notes_are_problems_too() -> None:
    lock = problem(Code.OFFICE_LOCK_FILE, file="~$plan.xlsx")
    assert (lock.severity, lock.message) == (
        Severity.INFO,
        "an Office lock file (the workbook was open when it was copied)",
    )
    assert problem(Code.MASTER_IN_RETURNS, which="master's backup").message == (
        "the master's backup"
    )
    merged = problem(Code.MERGED_CELLS, sheet="Action Plan", row=7, column="Status")
    assert merged.message == "sheet 'Action Plan' row 7: Status is inside merged cells; not changed"
    assert merged.severity is Severity.WARNING


def test_a_flag_is_a_problem_found_in_a_file() -> None:
    flag = Flag(Code.ROW_REMOVED, "jim.xlsx", action_id="4.1")
    assert flag.problem.location.file == "jim.xlsx"
    assert flag.key == (
        "jim.xlsx",
        "4.1",
        "row_removed",
        "action 4.1 was sent in this return but is not in it any more; nothing taken for it",
    )
    assert Flag.of(flag.problem) == flag
    with pytest.raises(ValueError, match="needs the file"):
        Flag.of(problem(Code.ROW_REMOVED, action_id="4.1"))
