"""Which round is which (edi_xl.core.rounds): the one set of answers every room asks."""

from datetime import date

import pytest

from edi_xl.core.rounds import (
    current_round,
    dated_rounds,
    dated_update_date,
    is_update_header,
    latest_round,
    rounds_before,
    the_rounds_column,
    undated_in_round,
    update_header,
    written_for_the_round,
)

HEADERS = ["Update as at 18 Sep 23", "Progress", "Update as at 18 Dec 23", "Update as at 18 Dec 23"]


def test_dated_rounds_are_read_once_each_oldest_first() -> None:
    assert dated_rounds(HEADERS) == [
        (date(2023, 9, 18), "Update as at 18 Sep 23"),
        (date(2023, 12, 18), "Update as at 18 Dec 23"),
    ]


def test_rounds_before_the_as_at_date() -> None:
    assert rounds_before(HEADERS, date(2023, 12, 18)) == [date(2023, 9, 18)]
    assert rounds_before(HEADERS, date(2024, 1, 1)) == [date(2023, 9, 18), date(2023, 12, 18)]
    assert rounds_before(HEADERS, date(2023, 9, 18)) == []
    assert rounds_before([], date(2023, 9, 18)) == []


def test_the_current_round_is_on_or_before_the_as_at_date() -> None:
    assert current_round(HEADERS, date(2023, 12, 18)) == "Update as at 18 Dec 23"
    assert current_round(HEADERS, date(2023, 12, 17)) == "Update as at 18 Sep 23"
    assert current_round(HEADERS, date(2023, 1, 1)) is None
    assert current_round(["Progress", "Comments"], date(2023, 1, 1)) == "Comments"


def test_the_header_reads_back_as_its_round() -> None:
    header = update_header(date(2026, 11, 18))
    assert header == "Update as at 18 Nov 26" and is_update_header(header)
    assert dated_rounds([header]) == [(date(2026, 11, 18), header)]
    assert not is_update_header("Progress")


def test_the_latest_round_of_a_row_of_update_columns() -> None:
    """One answer for the current update, the last update sent and a return's new column."""
    sep, dec = date(2023, 9, 18), date(2023, 12, 18)
    assert latest_round([]) is None
    assert latest_round([None, None]) == 1  # no dated column: the rightmost
    assert latest_round([dec, None, sep]) == 0  # undated columns count as older
    assert latest_round([dec, dec]) == 1  # one date twice: the one further right
    assert latest_round([sep, dec], before=dec) == 0  # the round asked for is not "last"
    assert latest_round([dec, None], before=dec) == 1  # then an undated column is the latest
    assert latest_round([dec], before=sep) is None


def test_an_update_column_dated_nowhere_is_the_rounds_unless_it_would_write_over_one() -> None:
    """A source's "Progress" (or two sources', "Update" and "Progress") is kept as the round's
    column; an action with text under two of them keeps every column as it is."""
    dec = date(2023, 12, 18)
    round_ = "Update as at 18 Dec 23"
    assert undated_in_round(["Update as at 18 Sep 23"], [["Update as at 18 Sep 23"]], dec) == {}
    assert undated_in_round(["Update", "Progress"], [["Update"], ["Progress"], []], dec) == {
        "Update": round_,
        "Progress": round_,
    }
    assert undated_in_round([round_, "Progress"], [[round_], ["Progress"]], dec) == {
        "Progress": round_
    }
    assert undated_in_round(["Update", "Progress"], [["Update", "Progress"]], dec) == {}
    assert undated_in_round([round_, "Progress"], [[round_, "Progress"]], dec) == {}
    # a header naming when it was written is that date's, never the round's (helper-101)
    for dated in ("Update (June 2023)", "Progress at 30 Sep 2023", "2022/23 progress"):
        assert undated_in_round([dated], [[dated]], dec) == {}


def test_the_rounds_column_of_a_form_headed_for_the_year_ahead() -> None:
    """Of an owner's dated update columns, the latest taken (``picked``) gives way to the
    round's (None keeps the one taken)."""
    sep, dec, mar, jun = (
        date(2023, 9, 18),
        date(2023, 12, 18),
        date(2024, 3, 18),
        date(2024, 6, 18),
    )
    jan, feb = date(2024, 1, 10), date(2024, 2, 5)  # 23 and 49 days after 18 Dec 23
    year = [sep, dec, mar, jun]
    # the round's month's column, filled: taken, whatever is ahead
    assert the_rounds_column(year, [True, True, False, False], 3, dec) == 1
    assert the_rounds_column(year, [True, True, True, False], 3, dec) == 1
    assert the_rounds_column(year, [True, True, True, True], 3, mar) == 2
    assert the_rounds_column(year, [True, True, True, True], 3, jun) is None  # it is the one
    # empty: a late answer (up to 45 days after the round) is taken, else the month's column
    assert the_rounds_column([dec, jan], [False, True], 1, dec) is None
    assert the_rounds_column([sep, dec, jan, mar], [True, False, True, False], 3, dec) == 2
    assert the_rounds_column(year, [True, False, True, False], 3, dec) == 1
    # no column of the round's month: one taken a little after, or filled, is kept
    assert the_rounds_column([sep, jan], [True, False], 1, dec) is None
    assert the_rounds_column([sep, feb], [True, True], 1, dec) is None
    assert the_rounds_column([sep, mar, jun], [True, False, False], 2, dec) == 0
    assert the_rounds_column([sep, mar, jun], [False, True, False], 2, dec) == 1
    assert the_rounds_column([sep, mar, jun], [True, True, False], 2, dec) == 1
    assert the_rounds_column([sep, mar, jun], [False, False, False], 2, dec) is None
    assert the_rounds_column([sep, jun], [True, False], 1, date(2024, 9, 18)) is None
    # undated columns are never the round's
    assert the_rounds_column([None, jun], [True, False], 1, dec) is None
    assert the_rounds_column([sep, None], [True, False], 1, dec) is None


def test_an_update_column_headed_with_a_date_alone() -> None:
    """The headers an owner's own form dates its update column with, no "as at", and those
    that are not such a column."""
    dec, sep = date(2023, 12, 31), date(2023, 9, 30)
    for header, dated in {
        "Update Dec 23": dec,
        "Progress December 2023": dec,
        "Update: December 2023": dec,
        "Update - Dec 23": dec,
        "Update \u2013 Dec 23": dec,
        "Update, Dec 23": dec,
        "Update / Dec 23": dec,
        "Progress update/December 2023": dec,
        "Dec 23 update": dec,
        "December 2023 progress update": dec,
        "Progress update: Sept 2023": sep,
        "Status update - Dec 23": dec,
        "Status update December 2023": dec,
        "Dec 23 status update": dec,
        # a quarter of the NHS financial year, with its year: the quarter's end
        "Update Q3 2023/24": dec,
        "Update - Q3 23/24": dec,
        "Q3 2023-24 update": dec,
        "Progress update Quarter 2 2023/24": sep,
        "Update Q3": None,  # (no year: the vocabulary's "update", undated)
        "Update Q5 2023/24": None,
        "Update 2023-12-18": date(2023, 12, 18),
        "Update 18/12/2023": date(2023, 12, 18),
        "Update as at 18 Dec 23": None,  # (update_header_date's)
        "Update (Dec 2023)": None,
        "Update Mar 24 board": None,
        "Q3 update": None,
        "Risks update": None,
        "Status update": None,  # (no date: an own form's update all the same, intake's)
        "Status - Dec 23": None,
        "Update notes": None,
        "Progress": None,
        # (a column of dates, a RAG: not an update; helper-150)
        "Updated: 18/12/2023": None,
        "Progress - Dec 23": None,
        "Dec 23 progress": None,
    }.items():
        assert dated_update_date(header) == dated, header
    # a month and two figures: a year near the round, else a day
    assert dated_update_date("Sep 30 update", date(2023, 12, 18)) == date(2023, 9, 30)


@pytest.mark.parametrize(
    ("dated", "as_at", "rounds", "written"),
    [
        # the quarter just ended, collected after it (last round 18 Sep): this round's
        (date(2023, 12, 31), date(2024, 1, 10), {date(2023, 9, 18)}, True),
        (date(2023, 11, 30), date(2023, 12, 18), {date(2023, 9, 18)}, True),
        # a late reply to the last round, dated a little after it: that round's
        (date(2023, 10, 31), date(2023, 12, 18), {date(2023, 9, 18)}, False),
        (date(2024, 1, 31), date(2024, 3, 18), {date(2023, 9, 18), date(2023, 12, 18)}, False),
        # the 45 days after the last round (18 Sep): a reply to it up to 2 Nov
        (date(2023, 11, 2), date(2023, 12, 18), {date(2023, 9, 18)}, False),
        (date(2023, 11, 3), date(2023, 12, 18), {date(2023, 9, 18)}, True),
        # long after the last round, but long before this one: an old form (helper-161)
        (date(2023, 12, 31), date(2024, 6, 18), {date(2023, 9, 18)}, False),
        # no earlier round: the quarter just ended, not last quarter's round (helper-161:
        # 18 Sep was within the 92 days first allowed) nor 21 months before
        (date(2023, 9, 30), date(2023, 10, 10), set(), True),
        (date(2023, 9, 18), date(2023, 12, 18), set(), False),
        (date(2022, 3, 31), date(2023, 12, 18), set(), False),
    ],
)
def test_written_for_the_round(dated, as_at, rounds, written):
    assert written_for_the_round(dated, as_at, rounds | {as_at}) is written
