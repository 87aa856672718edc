import pytest

from edi_xl.core.rounds import update_header, update_header_date
from edi_xl.tables.vocabulary import match_header, normalise_header

CASES = [
    ("#", "id"),
    ("Ref", "id"),
    ("No.", "id"),
    ("Action No", "id"),
    ("Action ref", "id"),
    ("Milestone", "theme"),
    ("Action (think SMART)", "action"),
    ("ACTION (THINK SMART)", "action"),
    ("Action\n(think SMART)", "action"),
    ("LACTION (TRINK SMARL)", "action"),
    ("Action", "action"),
    ("Report / Action", "references"),
    ("Protected Characteristic", "characteristics"),
    ("Protected\nCharacteristic", "characteristics"),
    ("Action Owner", "owner"),
    ("Action\nOwner", "owner"),
    ("Lead", "owner"),
    ("Responsibility", "owner"),
    ("Start Date", "start"),
    ("Due Date", "due"),
    ("Target date", "due"),
    ("Deadline", "due"),
    ("By when", "due"),
    ("Timescale", "due"),
    ("Status", "status"),
    ("RAG", "status"),
    ("Current status", "status"),
    ("Update as at 18 Sep 23", "update"),
    ("Progress update", "update"),
    ("Comments", "update"),
    ("Overdue", "overdue"),
    ("Days overdue", "days_overdue"),
    ("Problems", "problems"),
    ("Budget code", None),
    ("", None),
    (None, None),
    (12, None),
]


@pytest.mark.parametrize(("text", "field"), CASES, ids=[repr(c[0]) for c in CASES])
def test_headers_match_by_meaning(text, field):
    assert match_header(text) == field


def test_normalise_header():
    assert normalise_header("  Action (think SMART) ") == "action"
    assert normalise_header("Action\nOwner") == "action owner"
    assert normalise_header("Report / Action") == "report action"


def test_update_header_carries_its_date():
    from datetime import date

    assert update_header_date("Update as at 18 Sep 23") == (True, date(2023, 9, 18))
    assert update_header_date("Update as at\n18/12/2023") == (True, date(2023, 12, 18))
    assert update_header_date("Update as at December 2023") == (True, date(2023, 12, 31))
    assert update_header_date("Update") == (False, None)
    assert update_header(date(2023, 12, 18)) == "Update as at 18 Dec 23"
    assert update_header_date(update_header(date(2024, 3, 5)))[1] == date(2024, 3, 5)
