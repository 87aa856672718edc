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
    ("Action plan", "action"),  # not a slip of "Action no" (the numbers)
    ("Response", "action"),  # an audit's response, not a slip of "Responsible"
    ("Action points", "action"),
    ("High Impact Action", "references"),  # the HIA an action serves, not the action
    ("Report / Action", "references"),
    ("Protected Characteristic", "characteristics"),
    ("Protected\nCharacteristic", "characteristics"),
    ("Action Owner", "owner"),
    ("Action\nOwner", "owner"),
    ("Lead", "owner"),
    ("Responsibility", "owner"),
    ("Action Lead", "owner"),  # not a slip of "Action ref"
    ("Operational lead", "owner"),
    ("SRO", "owner"),  # the senior responsible owner
    ("Executive sponsor", "owner"),
    ("Start Date", "start"),
    ("Due Date", "due"),
    ("Target date", "due"),
    ("Deadline", "due"),
    ("By when", "due"),
    ("Timescale", "due"),
    ("Status", "status"),
    ("RAG", "status"),
    ("Current status", "status"),
    ("Completion status", "status"),  # not a due date
    ("Progress status", "status"),  # not the update
    ("Overall RAG", "status"),
    ("Update as at 18 Sep 23", "update"),
    ("Progress update", "update"),
    ("Comments", "update"),
    ("Progress made", "update"),  # not a status
    ("Status update", None),  # (an own form's update only where no column is: intake)
    ("Ref #", "id"),
    ("Overdue", "overdue"),
    ("Days overdue", "days_overdue"),
    ("Problems", "problems"),
    ("Budget code", None),
    ("State", None),  # a word of its own, no typo of "Start"
    ("Stats", None),
    ("Project team", None),  # a team, not the "Project lead"
    ("Completed date", None),  # when it was done, not a slip of "Completion date"
    ("Project title", None),  # other words are read exactly: no near misses (helper-136)
    ("Theme area", None),
    ("Delivered", None),
    ("Acton Lead", None),
    ("Delivery date", None),  # no near miss of "Delivery status" (the general reader: due)
    ("Strat Date", "start"),  # a typo is still read
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


def test_a_header_text_asked_about_again_is_not_worked_out_again(monkeypatch) -> None:
    """Every return asks what the same few texts mean (its form's title, instructions and
    headers): each is worked out once, and means the same each time. A text longer than
    remembered ones may be is worked out each time (what is kept stays small)."""
    from edi_xl.tables import engine

    worked_out: list[str] = []

    def counted(text: object) -> str:
        worked_out.append(str(text))
        return normalise_header(text)

    monkeypatch.setattr(engine, "normalise_header", counted)
    engine._short_header_field.cache_clear()
    try:
        first = [engine.header_field(t) for t in ("Action Owner", "Progress to date", "Notes")]
        times = len(worked_out)
        again = [engine.header_field(t) for t in ("Action Owner", "Progress to date", "Notes")]
        assert again == first == ["owner", "update", None]
        assert len(worked_out) == times  # (nothing worked out again)
        long = "Please reply by the date above. " * 40  # (longer than remembered texts)
        assert len(long) > engine._REMEMBERED_LENGTH
        engine.header_field(long)
        times = len(worked_out)
        engine.header_field(long)
        assert len(worked_out) > times
        assert engine.header_field(12) is None and engine.header_field(None) is None
    finally:
        engine._short_header_field.cache_clear()  # (nothing counted kept for later tests)
