"""Due dates as people write them: edi_xl.core.dates.

The seed strings below are copies of what appears in the five real action plans
(shared/seeds/000-004); the tests never read those files.
"""

from __future__ import annotations

import calendar
import dataclasses
import inspect
import math
import re
import subprocess
import sys
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from model_check import assert_made_right

from edi_xl.core import dates
from edi_xl.core.dates import (
    DateKind,
    DateValue,
    excel_serial_to_date,
    parse_as_at,
    parse_date,
)

EXACT = DateKind.EXACT
MONTH = DateKind.MONTH
QUARTER = DateKind.QUARTER
HALF = DateKind.HALF_YEAR
FY = DateKind.FINANCIAL_YEAR
YEAR = DateKind.YEAR
START = DateKind.START
NO_DEADLINE = DateKind.NO_DEADLINE
EMPTY = DateKind.EMPTY
UNREADABLE = DateKind.UNREADABLE

D = date  # short for the tables


def _id(value: object) -> str:
    """A readable test id: the text squeezed to one line and cut to 50 characters."""
    text = " ".join(str(value).split()) if isinstance(value, str) else repr(value)
    text = text or "<blank>"
    return text if len(text) <= 50 else text[:47] + "..."


# A case: (cell text, kind, date, embedded).
Case = tuple[str, DateKind, date | None, bool]


def _params(cases: list[Case]) -> list[object]:
    return [pytest.param(*case, id=_id(case[0])) for case in cases]


def _check(text: str, kind: DateKind, expected: date | None, embedded: bool) -> DateValue:
    value = parse_date(text)
    assert (value.kind, value.date, value.embedded) == (kind, expected, embedded), value
    assert value.raw is text
    assert value.text == text.strip()
    return value


# --------------------------------------------------------------------------------------------
# Every form, whole cell.
# --------------------------------------------------------------------------------------------

FORMS: list[Case] = [
    # EXACT: numeric, day first always
    ("01/06/2023", EXACT, D(2023, 6, 1), False),
    ("1/6/2023", EXACT, D(2023, 6, 1), False),
    ("1/6/23", EXACT, D(2023, 6, 1), False),
    ("01-06-2023", EXACT, D(2023, 6, 1), False),
    ("01.06.2023", EXACT, D(2023, 6, 1), False),
    ("01 06 2023", EXACT, D(2023, 6, 1), False),
    ("12/01/2024", EXACT, D(2024, 1, 12), False),
    ("31/12/99", EXACT, D(2099, 12, 31), False),
    # EXACT: year first (ISO), also as exported text with a time
    ("2023-06-01", EXACT, D(2023, 6, 1), False),
    ("2023/06/01", EXACT, D(2023, 6, 1), False),
    ("2024-03-31 00:00:00", EXACT, D(2024, 3, 31), False),
    ("2024-03-31T14:30", EXACT, D(2024, 3, 31), False),
    # EXACT: day, month name, year
    ("31-Mar-24", EXACT, D(2024, 3, 31), False),
    ("31-Mar-2024", EXACT, D(2024, 3, 31), False),
    ("1 June 2023", EXACT, D(2023, 6, 1), False),
    ("18 Sep 23", EXACT, D(2023, 9, 18), False),
    ("18 Sept 2023", EXACT, D(2023, 9, 18), False),
    ("18 Sept. 2023", EXACT, D(2023, 9, 18), False),
    ("31st March 2024", EXACT, D(2024, 3, 31), False),
    ("1st April 2024", EXACT, D(2024, 4, 1), False),
    ("2nd May 2024", EXACT, D(2024, 5, 2), False),
    ("3rd June 2024", EXACT, D(2024, 6, 3), False),
    ("4th July 2024", EXACT, D(2024, 7, 4), False),
    ("31st of March 2024", EXACT, D(2024, 3, 31), False),
    ("31 MARCH 2024", EXACT, D(2024, 3, 31), False),
    ("31 mar 2024", EXACT, D(2024, 3, 31), False),
    ("31/Mar/2024", EXACT, D(2024, 3, 31), False),
    ("31Mar24", EXACT, D(2024, 3, 31), False),
    ("1 Feb. 2024", EXACT, D(2024, 2, 1), False),
    # EXACT: month name first (unambiguous with words and a 4-digit year)
    ("March 31, 2024", EXACT, D(2024, 3, 31), False),
    ("March 31st 2024", EXACT, D(2024, 3, 31), False),
    # MONTH -> last day of the month
    ("March 2024", MONTH, D(2024, 3, 31), False),
    ("Mar 2024", MONTH, D(2024, 3, 31), False),
    ("Mar-2024", MONTH, D(2024, 3, 31), False),
    ("Apr-24", MONTH, D(2024, 4, 30), False),
    ("Apr 24", MONTH, D(2024, 4, 30), False),
    ("Feb-24", MONTH, D(2024, 2, 29), False),
    ("Feb 2023", MONTH, D(2023, 2, 28), False),
    ("Sept 2023", MONTH, D(2023, 9, 30), False),
    ("Sept. 2023", MONTH, D(2023, 9, 30), False),
    ("Sep 2023", MONTH, D(2023, 9, 30), False),
    ("september 2023", MONTH, D(2023, 9, 30), False),
    ("JUNE 2024", MONTH, D(2024, 6, 30), False),
    ("March, 2024", MONTH, D(2024, 3, 31), False),
    ("March 2024.", MONTH, D(2024, 3, 31), False),
    ("December \n2023", MONTH, D(2023, 12, 31), False),
    ("Nov\u00a02023", MONTH, D(2023, 11, 30), False),
    # QUARTER of the NHS financial year -> last day of the quarter
    ("Q1 2023/24", QUARTER, D(2023, 6, 30), False),
    ("Q2 2023/24", QUARTER, D(2023, 9, 30), False),
    ("Q3 2023/24", QUARTER, D(2023, 12, 31), False),
    ("Q4 2023/24", QUARTER, D(2024, 3, 31), False),
    ("Q1 2024/25", QUARTER, D(2024, 6, 30), False),
    ("Q3 23/24", QUARTER, D(2023, 12, 31), False),
    ("Q3 2023-24", QUARTER, D(2023, 12, 31), False),
    ("Q3 2023/2024", QUARTER, D(2023, 12, 31), False),
    ("q3 2023/24", QUARTER, D(2023, 12, 31), False),
    ("Q3 FY2023/24", QUARTER, D(2023, 12, 31), False),
    ("Quarter 3 2023/24", QUARTER, D(2023, 12, 31), False),
    ("2023/24 Q3", QUARTER, D(2023, 12, 31), False),
    # HALF_YEAR of the NHS financial year -> H1 ends 30 September, H2 31 March (session 17:
    # "H1 2025/26" was the whole year, 31 March 2026)
    ("H1 2025/26", HALF, D(2025, 9, 30), False),
    ("H2 2025/26", HALF, D(2026, 3, 31), False),
    ("H2 25/26", HALF, D(2026, 3, 31), False),
    ("H1 25-26", HALF, D(2025, 9, 30), False),
    ("2025/26 H2", HALF, D(2026, 3, 31), False),
    ("2025/26 Half 1", HALF, D(2025, 9, 30), False),
    ("Half 1 2025/26", HALF, D(2025, 9, 30), False),
    ("h1 FY2025/26", HALF, D(2025, 9, 30), False),
    ("First half of 2025/26", HALF, D(2025, 9, 30), False),
    ("second half 2025/26", HALF, D(2026, 3, 31), False),
    # FINANCIAL_YEAR -> 31 March of the second year
    ("2023/24", FY, D(2024, 3, 31), False),
    ("2023-24", FY, D(2024, 3, 31), False),
    ("2023/2024", FY, D(2024, 3, 31), False),
    ("2023 / 24", FY, D(2024, 3, 31), False),
    ("FY2023/24", FY, D(2024, 3, 31), False),
    ("FY 23/24", FY, D(2024, 3, 31), False),
    ("2099/00", FY, D(2100, 3, 31), False),
    # YEAR -> 31 December
    ("2024", YEAR, D(2024, 12, 31), False),
    ("1990", YEAR, D(1990, 12, 31), False),
    ("2100", YEAR, D(2100, 12, 31), False),
    # START: .date is the start
    ("December 2020 onwards", START, D(2020, 12, 1), False),
    ("December 2020 onward", START, D(2020, 12, 1), False),
    ("from January 2024", START, D(2024, 1, 1), False),
    ("From 15/01/2024", START, D(2024, 1, 15), False),
    ("from December 2020", START, D(2020, 12, 1), False),
    ("December 2020 - ongoing", START, D(2020, 12, 1), False),
    ("December 2020 \u2013 ongoing", START, D(2020, 12, 1), False),
    ("December 2020 and ongoing", START, D(2020, 12, 1), False),
    ("Starting April 2024", START, D(2024, 4, 1), False),
    ("since Q3 2023/24", START, D(2023, 10, 1), False),
    ("from 2023/24", START, D(2023, 4, 1), False),
    ("2024 onwards", START, D(2024, 1, 1), False),
    # NO_DEADLINE
    ("Business as usual", NO_DEADLINE, None, False),
    ("Business As Usual", NO_DEADLINE, None, False),
    ("BAU", NO_DEADLINE, None, False),
    ("Current", NO_DEADLINE, None, False),
    ("Current practise", NO_DEADLINE, None, False),
    ("Current practice", NO_DEADLINE, None, False),
    ("Ongoing", NO_DEADLINE, None, False),
    ("On-going", NO_DEADLINE, None, False),
    ("on going", NO_DEADLINE, None, False),
    ("TBC", NO_DEADLINE, None, False),
    ("TBA", NO_DEADLINE, None, False),
    ("TBD", NO_DEADLINE, None, False),
    ("tbc.", NO_DEADLINE, None, False),
    ("To be confirmed", NO_DEADLINE, None, False),
    ("Continuous", NO_DEADLINE, None, False),
    ("Annually", NO_DEADLINE, None, False),
    ("Quarterly", NO_DEADLINE, None, False),
    ("Monthly", NO_DEADLINE, None, False),
    ("As required", NO_DEADLINE, None, False),
    ("As and when required", NO_DEADLINE, None, False),
    ("In line with national deadlines", NO_DEADLINE, None, False),
    # EMPTY
    ("", EMPTY, None, False),
    ("   ", EMPTY, None, False),
    ("\n\t", EMPTY, None, False),
    (", ,", EMPTY, None, False),
    ("-", EMPTY, None, False),
    ("\u2013", EMPTY, None, False),
    ("...", EMPTY, None, False),
    ("n/a", EMPTY, None, False),
    ("N/A", EMPTY, None, False),
    ("N/a ", EMPTY, None, False),
    ("NA", EMPTY, None, False),
    ("Not applicable", EMPTY, None, False),
    # UNREADABLE
    ("xyz", UNREADABLE, None, False),
    ("On Track", UNREADABLE, None, False),
    ("24-Apr", UNREADABLE, None, False),
    ("24 April", UNREADABLE, None, False),
    ("April 24th", UNREADABLE, None, False),
    ("01/06", UNREADABLE, None, False),
    ("March", UNREADABLE, None, False),
    ("Q3", UNREADABLE, None, False),
    ("Q1 2024", UNREADABLE, None, False),
    ("23/24", UNREADABLE, None, False),
    ("2023-06", UNREADABLE, None, False),
    ("45291", UNREADABLE, None, False),
    ("45291.0", UNREADABLE, None, False),
    ("1066", UNREADABLE, None, False),
    ("2101", UNREADABLE, None, False),
    ("March 1989", UNREADABLE, None, False),
    ("Spring 2024", UNREADABLE, None, False),
    ("Marching 2024", UNREADABLE, None, False),
]


@pytest.mark.parametrize(("text", "kind", "expected", "embedded"), _params(FORMS))
def test_forms(text: str, kind: DateKind, expected: date | None, embedded: bool) -> None:
    _check(text, kind, expected, embedded)


# --------------------------------------------------------------------------------------------
# Edge cases: dates that do not exist, non-consecutive financial years, no swapping.
# --------------------------------------------------------------------------------------------

EDGES: list[Case] = [
    ("29/02/2024", EXACT, D(2024, 2, 29), False),  # leap day
    ("29-Feb-24", EXACT, D(2024, 2, 29), False),
    ("29/02/2000", EXACT, D(2000, 2, 29), False),  # 2000 was a leap year
    ("29/02/2023", UNREADABLE, None, False),
    ("29/02/2100", UNREADABLE, None, False),  # 2100 is not a leap year
    ("31/04/2024", UNREADABLE, None, False),
    ("31 April 2024", UNREADABLE, None, False),
    ("31-Jun-24", UNREADABLE, None, False),
    ("00/01/2024", UNREADABLE, None, False),
    ("32/01/2024", UNREADABLE, None, False),
    ("13/25/2023", UNREADABLE, None, False),  # never swapped
    ("12/13/2023", UNREADABLE, None, False),  # US order: month 13 does not exist
    ("2023-13-01", UNREADABLE, None, False),
    ("01/06-2023", UNREADABLE, None, False),  # mixed separators: not read
    ("2023/25", UNREADABLE, None, False),  # not consecutive
    ("2023/2025", UNREADABLE, None, False),
    ("Q3 2023/25", UNREADABLE, None, False),
    ("Q5 2023/24", UNREADABLE, None, False),
    ("H3 2025/26", UNREADABLE, None, False),
    ("H1 2025/27", UNREADABLE, None, False),
    ("31/12/1989", UNREADABLE, None, False),  # outside 1990-2100
    ("01/01/2101", UNREADABLE, None, False),
    ("01/01/1990", EXACT, D(1990, 1, 1), False),
    ("31/12/2100", EXACT, D(2100, 12, 31), False),
    ("from 31/04/2024", UNREADABLE, None, False),
]


@pytest.mark.parametrize(("text", "kind", "expected", "embedded"), _params(EDGES))
def test_edge_cases(text: str, kind: DateKind, expected: date | None, embedded: bool) -> None:
    value = _check(text, kind, expected, embedded)
    if kind is UNREADABLE and "-2023" not in text:
        assert value.note, "an unreadable date-like text says why"


# --------------------------------------------------------------------------------------------
# Dates inside longer text.
# --------------------------------------------------------------------------------------------

EMBEDDED: list[Case] = [
    # a span of two months: its end ("25" after "Sep-" is the year, not a day: helper-60)
    ("Sep-25 / Mar-26", MONTH, D(2026, 3, 31), True),
    ("Sep-25 - Mar-26", MONTH, D(2026, 3, 31), True),
    # a list of months with 2-digit years, each read as alone (session 17: "Jun 25 / Dec 25"
    # was 25 December 2025, the "25" of June taken as December's day)
    ("Jun 25 / Dec 25", MONTH, D(2025, 12, 31), True),
    ("Jun 25 - Dec 25", MONTH, D(2025, 12, 31), True),
    ("Jun 25, Sep 25", MONTH, D(2025, 9, 30), True),
    ("Jun 25/Dec 25", MONTH, D(2025, 12, 31), True),
    ("June 25 and December 25.", MONTH, D(2025, 12, 31), True),
    ("Jun 25 / Dec 2025", MONTH, D(2025, 12, 31), True),
    ("Sep-25 / Mar-26 / Jun-26", MONTH, D(2026, 6, 30), True),
    # ... inside longer text a month and a number after a space may be a day: not guessed,
    # and never the next month's day
    ("Review Jun 25 / Dec 25", UNREADABLE, None, False),
    # the number of a phase, stage or step is no day (session 17: "Phase 2 Mar-26" was
    # 2 March 2026)
    ("Phase 2 Mar-26", MONTH, D(2026, 3, 31), True),
    ("Stage 3 Mar-26", MONTH, D(2026, 3, 31), True),
    ("Year 2 Mar-26", MONTH, D(2026, 3, 31), True),
    ("Q2 Mar-26", MONTH, D(2026, 3, 31), True),
    ("Quarter 2 Mar-26", MONTH, D(2026, 3, 31), True),
    ("Part 1 Mar-26", MONTH, D(2026, 3, 31), True),
    ("Step 4 Mar-26", MONTH, D(2026, 3, 31), True),
    ("Phase-2 Mar-26", MONTH, D(2026, 3, 31), True),
    # before a 4-digit year the number is the day, as in "Carers Week 9 June 2025" (helper-68)
    # a list of month ends is no list of years (helper-68: "Mar 31 / Apr 30" was March 2031)
    ("Mar 31 / Apr 30", UNREADABLE, None, False),
    ("Jun 30 and Dec 31", UNREADABLE, None, False),
    ("Sep 30, Mar 31", UNREADABLE, None, False),
    # a quarter or a half and its year written apart (helper-68: read as the whole year)
    ("Due H1 (2025/26)", HALF, D(2025, 9, 30), True),
    ("Due H1: 2025/26", HALF, D(2025, 9, 30), True),
    ("Due Half year 1 2025/26", HALF, D(2025, 9, 30), True),
    ("Due FY25/26 H1", HALF, D(2025, 9, 30), True),
    ("Due first half of the 2025/26 financial year", HALF, D(2025, 9, 30), True),
    ("Due second half of year 2025/26", HALF, D(2026, 3, 31), True),
    ("Due Q1 (2025/26)", QUARTER, D(2025, 6, 30), True),
    ("Due FY25/26 Q1", QUARTER, D(2025, 6, 30), True),
    ("Due 2023/24 - Q1 2024/25", QUARTER, D(2024, 6, 30), True),
    ("Phase 2 March 2026", EXACT, D(2026, 3, 2), True),
    ("Carers Week 9 June 2025", EXACT, D(2025, 6, 9), True),
    ("Black History Month 1 October 2025", EXACT, D(2025, 10, 1), True),
    ("Pilot phase 1 April 2025", EXACT, D(2025, 4, 1), True),
    ("Training session 12 March 2025", EXACT, D(2025, 3, 12), True),
    ("Key milestone 15 July 2025", EXACT, D(2025, 7, 15), True),
    ("Phase 1 Sep-25, Phase 2 Mar-26", MONTH, D(2026, 3, 31), True),
    ("Phase 2 - 31 March 2026", EXACT, D(2026, 3, 31), True),  # a day written after it reads
    ("Phase 2 Mar 26", UNREADABLE, None, False),  # as "by Mar 31": not guessed in text
    # a letter and a dash before a month still read (helper-61: these were lost)
    ("Jan-March 2025", MONTH, D(2025, 3, 31), True),
    ("By end-March 2025", MONTH, D(2025, 3, 31), True),
    ("by March 2024", MONTH, D(2024, 3, 31), True),
    ("by March 2023", MONTH, D(2023, 3, 31), True),
    ("In place by March 2024", MONTH, D(2024, 3, 31), True),
    ("Plan in place for race by March 2024, ", MONTH, D(2024, 3, 31), True),
    ("Process to be completed by the end of November 2023", MONTH, D(2023, 11, 30), True),
    ("End of March 2024", MONTH, D(2024, 3, 31), True),
    ("Update as at 18 Sep 23", EXACT, D(2023, 9, 18), True),
    ("due 01/06/2023", EXACT, D(2023, 6, 1), True),
    ("(March 2024)", MONTH, D(2024, 3, 31), True),
    ("by Q3 2023/24", QUARTER, D(2023, 12, 31), True),
    ("by H2 2025/26", HALF, D(2026, 3, 31), True),
    ("end of 2023/24", FY, D(2024, 3, 31), True),
    ("by end Apr-24", MONTH, D(2024, 4, 30), True),
    # the end of a month with a 2-digit year: the number is no day of it (helper-96)
    ("End of March 25", MONTH, D(2025, 3, 31), True),
    ("end Mar 25", MONTH, D(2025, 3, 31), True),
    ("By end of Mar 25", MONTH, D(2025, 3, 31), True),
    ("by the end of Sept 24.", MONTH, D(2024, 9, 30), True),
    ("by March 25", UNREADABLE, None, False),  # as "by Mar 31": the day or the year?
    ("the end of May 19 people", UNREADABLE, None, False),
    # a month and its last day after "end of": the day it ends, not a year (2031): unread
    ("End of March 31", UNREADABLE, None, False),
    ("end of Sept 30", UNREADABLE, None, False),
    ("deadline: 2024-03-31.", EXACT, D(2024, 3, 31), True),
    # several dates: the latest deadline
    ("June 2024 or March 2024", MONTH, D(2024, 6, 30), True),
    ("31/01/2024, then 31 March 2024", EXACT, D(2024, 3, 31), True),
    ("December 2020 \u2013 March 2021", MONTH, D(2021, 3, 31), True),
    ("December 2020-March 2021", MONTH, D(2021, 3, 31), True),
    # starts inside text
    ("New Chairs in place from September 2023.", START, D(2023, 9, 1), True),
    ("Ongoing from April 2023", START, D(2023, 4, 1), True),
    ("from January 2024 to March 2024", MONTH, D(2024, 3, 31), True),
    # a date wins over a no-deadline phrase
    ("Ongoing, review by March 2024", MONTH, D(2024, 3, 31), True),
    # numbers in text that are not dates
    ("Aim to improve declaration by 1%", UNREADABLE, None, False),
    ("WRES 1 Gender Pay Gap WDES 1", UNREADABLE, None, False),
    ("Sexual Safety Charter 2023", UNREADABLE, None, False),  # a bare year in text: no deadline
    ("see items 1.4, 1.11 and 202/210", UNREADABLE, None, False),
    ("WRES: 1.17 WDES: 0.89", UNREADABLE, None, False),
    ("Event 4th October", UNREADABLE, None, False),  # no year: not guessed
    ("by Mar 31", UNREADABLE, None, False),  # a day or a 2-digit year: not guessed in text
    ("May 19 people attended", UNREADABLE, None, False),
    ("Staff attended in May 2023", MONTH, D(2023, 5, 31), True),
    ("done (Aug 20).", MONTH, D(2020, 8, 31), True),
    ("Sept'23 review", MONTH, D(2023, 9, 30), True),
    ("by 31/04/2024", UNREADABLE, None, False),  # not a real date
    # a no-deadline phrase and no date
    ("This will be reviewed annually by the Board", NO_DEADLINE, None, False),
    ("Work is ongoing", NO_DEADLINE, None, False),
]


@pytest.mark.parametrize(("text", "kind", "expected", "embedded"), _params(EMBEDDED))
def test_dates_inside_text(
    text: str, kind: DateKind, expected: date | None, embedded: bool
) -> None:
    _check(text, kind, expected, embedded)


# --------------------------------------------------------------------------------------------
# The seeds: every date-like or timescale string of the five real plans.
# --------------------------------------------------------------------------------------------

# 000, the trust tracker: Start Date / Due Date columns, the update header, update texts.
SEED_000: list[Case] = [
    ("01-Nov-22", EXACT, D(2022, 11, 1), False),
    ("31-Mar-24", EXACT, D(2024, 3, 31), False),
    ("31-Jul-23", EXACT, D(2023, 7, 31), False),
    ("31-Dec-23", EXACT, D(2023, 12, 31), False),
    ("01-Oct-23", EXACT, D(2023, 10, 1), False),
    ("30-Apr-23", EXACT, D(2023, 4, 30), False),
    ("30-Nov-23", EXACT, D(2023, 11, 30), False),
    ("30-Oct-23", EXACT, D(2023, 10, 30), False),
    ("31-Jan-24", EXACT, D(2024, 1, 31), False),
    ("01-Apr-23", EXACT, D(2023, 4, 1), False),
    ("01/06/2023", EXACT, D(2023, 6, 1), False),
    ("30/11/2023", EXACT, D(2023, 11, 30), False),
    ("18 Sep 23", EXACT, D(2023, 9, 18), False),
    ("Update as at 18 Sep 23", EXACT, D(2023, 9, 18), True),
    (", ,", EMPTY, None, False),
    ("On Track", UNREADABLE, None, False),
    ("Work is on target", UNREADABLE, None, False),
    ("Process to be completed by the end of November 2023", MONTH, D(2023, 11, 30), True),
    ("New Chairs in place from September 2023.", START, D(2023, 9, 1), True),
    (
        "Work Is underway with career conversations and it will be an item on the Workforce "
        "Committee annual planner. Realistically we will not be able to provide a meaningful "
        "update until January 2024.",
        MONTH,
        D(2024, 1, 31),
        True,
    ),
    (
        "NHS National Plan released in July 2023 and the change in direction for the Trust has "
        "resulted in a strategy review. This will be completed by the end of March 2023.",
        MONTH,
        D(2023, 7, 31),  # the latest of the two, with a note
        True,
    ),
    (
        "Ongoing work to review the FTSU policy and champion roles. This will also consider time "
        "commitment and capacity.",
        NO_DEADLINE,
        None,
        False,
    ),
    (
        "To further implement the talent management strategy within the organisation including "
        "career conversations. Quarterly review through the Workforce Committee",
        NO_DEADLINE,
        None,
        False,
    ),
    (
        "WRES 5 WDES 5 BAPIO Dignity at Work Report Sexual Safety Charter 2023",
        UNREADABLE,
        None,
        False,
    ),
]

# 001, EDI Improvement Plan: the Milestones column and dates in actions.
SEED_001: list[Case] = [
    ("Plan in place for race by March 2024, ", MONTH, D(2024, 3, 31), True),
    ("In place by March 2024", MONTH, D(2024, 3, 31), True),
    ("In place by October 2023", MONTH, D(2023, 10, 31), True),
    ("In line with NHS England EDI Improvement Plan deadlines", NO_DEADLINE, None, False),
    (
        "Review data by protected characteristic on bullying, harassment, discrimination and "
        "violence. Reduction targets must be set (by March 2024) and plans implemented to "
        "improve staff experience year-on-year.",
        MONTH,
        D(2024, 3, 31),
        True,
    ),
    (
        "Provide comprehensive psychological support for all individuals who report that they "
        "have been a victim of bullying, harassment, discrimination or violence (by March 2024).",
        MONTH,
        D(2024, 3, 31),
        True,
    ),
    (
        "Create and implement a talent management plan to improve the diversity of executive and "
        "senior leadership teams (by June 2024) and evidence progress of implementation (by June "
        "2025)\nImplement a plan to widen recruitment opportunities within local communities, "
        "aligned to the NHS Long Term Workforce Plan. This should include the creation of career "
        "pathways into the NHS such as apprenticeship programmes and graduate management "
        "training schemes (by October 2024). Impact should be measured in terms of social "
        "mobility across the integrated care system (ICS) footprint",
        MONTH,
        D(2025, 6, 30),
        True,
    ),
    ("Launch See Me First at Black History Month Event 4th October", UNREADABLE, None, False),
    ("Year-on-year reductions in the gender and race pay gaps", UNREADABLE, None, False),
    ("Yearly WRES Data", NO_DEADLINE, None, False),
]

# 002, the NHS England WRES template: "KPIs and timelines" and the metadata year.
SEED_002: list[Case] = [
    ("2022/2023", FY, D(2023, 3, 31), False),
    ("Year: 2022/2023", FY, D(2023, 3, 31), True),
    ("Agreement to be in place by July 2023", MONTH, D(2023, 7, 31), True),
    (
        "Values based recruitment toolkit. Values based appraisal. Impact of the recruitment to "
        "be reviewed by August 2023.",
        MONTH,
        D(2023, 8, 31),
        True,
    ),
    ("Audit to be undertaken by March 2023", MONTH, D(2023, 3, 31), True),
    ("Report review April 2023", MONTH, D(2023, 4, 30), True),
    ("Complete the analysis by March 2023", MONTH, D(2023, 3, 31), True),
    ("Review the training and implement by June 2023", MONTH, D(2023, 6, 30), True),
    ("E&D Communication Plan to be in place by January 2023", MONTH, D(2023, 1, 31), True),
    ("Workshops to be implemented by October 2023", MONTH, D(2023, 10, 31), True),
    ("Process to be agreed by March 2023", MONTH, D(2023, 3, 31), True),
    ("In progress and to be embedded by October 2023", MONTH, D(2023, 10, 31), True),
    ("Review the Model Employer Plan to be completed by March 2023", MONTH, D(2023, 3, 31), True),
    ("Report to the Equality and Diversity Committee by June 2023", MONTH, D(2023, 6, 30), True),
    ("Quarterly review through the Workforce Committee", NO_DEADLINE, None, False),
    ("Recommendations to reviewed and actioned as appropriate", NO_DEADLINE, None, False),
    (
        "Ongoing monitoring will ensure a focus on this indicator to ensure detailed actions "
        "ensure representation in all bands.",
        NO_DEADLINE,
        None,
        False,
    ),
    ("Aim to improve declaration by 1%", UNREADABLE, None, False),
    (
        "Analysis review of key target bands where there is a negative impact",
        UNREADABLE,
        None,
        False,
    ),
    ("Monitor advertising media used for senior appointments", UNREADABLE, None, False),
    ("New policies to reflect new approach", UNREADABLE, None, False),
    ("Attendance at key ICB meetings", UNREADABLE, None, False),
    ("Increase the numbers of speak up champions and focus on diversity", UNREADABLE, None, False),
    ("Demonstrable participation and examples of impact", UNREADABLE, None, False),
    (
        "Develop a plan for patient information review to target priority health inequality areas",
        UNREADABLE,
        None,
        False,
    ),
    ("Please specify KPIs and timelines for monitoring the actions", UNREADABLE, None, False),
]

# 003, BAME action plan: "By When", the Milestone bullets, dates in Progress.
SEED_003: list[Case] = [
    ("October 2020 ", MONTH, D(2020, 10, 31), False),
    ("December 2020", MONTH, D(2020, 12, 31), False),
    ("September 2020", MONTH, D(2020, 9, 30), False),
    ("December 2020 onwards", START, D(2020, 12, 1), False),
    ("August 2019", MONTH, D(2019, 8, 31), False),
    ("August 2020", MONTH, D(2020, 8, 31), False),
    ("August 2020 onwards", START, D(2020, 8, 1), False),
    ("November 2020", MONTH, D(2020, 11, 30), False),
    (
        "\u00b7 Recommence data monitoring reports to EDI Group (July 2020)\n\u00b7 Ensure "
        "Directorates have a ready pool of BAME staff to involve in recruitment process",
        MONTH,
        D(2020, 7, 31),
        True,
    ),
    (
        "\u00b7 Develop On-Merit plan aligning to LPT, regional and national Talent Management "
        "strategies September 2020\n\u00b7 Launch programme December 2020",
        MONTH,
        D(2020, 12, 31),
        True,
    ),
    (
        "\u00b7 Interview skills training package already developed (May 2019)\n\u00b7 Establish "
        "MS Teams sessions for BAME staff (September 2020)",
        MONTH,
        D(2020, 9, 30),
        True,
    ),
    (
        "\u00b7 Discuss topic areas at BAME SSG (July 2020)\n\u00b7 Develop timetable and "
        "schedule in meetings in line with Executive Team availability",
        MONTH,
        D(2020, 7, 31),
        True,
    ),
    (
        "\u00b7  Promote training through coms on an ongoing basis \n(January 2020)\n\u00b7 "
        "Report number of sessions and evaluation feedback to EDI Workforce Group January 2020 ",
        MONTH,
        D(2020, 1, 31),
        True,
    ),
    ("\u00b7 Recommence August 2020\n\u00b7 ", MONTH, D(2020, 8, 31), True),
    (
        "\u00b7 Agree working group to take forward model of \u201cTrauma informed care\u201d "
        "targeted at BAME staff (August 2020)\n\u00b7 Present options to Health and well-being "
        "and EDI Groups (September 2020)",
        MONTH,
        D(2020, 9, 30),
        True,
    ),
    (
        "\u00b7 Development of business case (July 2020)\n\u00b7 Agree with BAME SSG (August "
        "2020)\n\u00b7 Approval sought from QAC (August 2020)",
        MONTH,
        D(2020, 8, 31),
        True,
    ),
    (
        "\u00b7 Meeting with WRES to explore areas for progression (August 2020)\n\u00b7 "
        "Establishment of action plan (November 2020)\n\u00b7 Delivery of programme (December "
        "2020 \u2013 March 2020)",
        MONTH,
        D(2020, 12, 31),
        True,
    ),
    (
        "\u00b7 Develop resources for second cohort of reverse mentoring programme (October "
        "2020)\n\u00b7 Launch application process (November 2020)\n\u00b7 Provide Training "
        "December 2020)\n\u00b7 Commence 2nd cohort of reverse mentoring from January 2020",
        MONTH,
        D(2020, 12, 31),  # "from January 2020" is a start, not a deadline
        True,
    ),
    (
        "\u00b7 Masterclass to be delivered virtually on 30 November 2020",
        EXACT,
        D(2020, 11, 30),
        True,
    ),
    (
        "Recruitment Manager has developed a draft session to be delivered with the Head of EDI "
        "during October 2020",
        MONTH,
        D(2020, 10, 31),
        True,
    ),
    (
        "6 LPT sessions have been delivered during 2019 with good feedback (Aug 20).\n\nEDI "
        "Coordinator in the process of developing virtual sessions. Expected availability "
        "January 2021.",
        MONTH,
        D(2021, 1, 31),
        True,
    ),
    (
        "WRES Team met with Trust board at its development day on 4th August. Focus groups with "
        "BAME colleagueshas taken place. Changes in the National Team have delayed the programme "
        "until January 2021",
        MONTH,
        D(2021, 1, 31),
        True,
    ),
    (
        "Diverse interview Panels were mandated from January 2020. Communications on this "
        "approach was started in May 2019. 202/210 WRES data shows LPT Recruitment processes are "
        "fair with no disproportionate impact on the appointment of BAME candidates. However, "
        "this position needs to be sustained and improvements evidenced in the appointment of "
        "BAME candidates at very senior levels (8b and above and 8a and above in clinical roles) "
        "requires improvement. Recruitment to appointment data for the first quarter from March "
        "2020 shows a less favourable rate for BAME candidates (1.7) and diverse panel data for "
        "September falls short of the 100% mandated target.",
        MONTH,
        D(2019, 5, 31),  # the two "from" dates are starts
        True,
    ),
    (
        "Commenced. Feedback has been excellent with 175 who have participated to date.",
        UNREADABLE,
        None,
        False,
    ),
]

# 004, WRES + WDES combined: the Timescale column and dates in actions.
SEED_004: list[Case] = [
    ("January 2024", MONTH, D(2024, 1, 31), False),
    ("March 2024", MONTH, D(2024, 3, 31), False),
    ("March 2024 ", MONTH, D(2024, 3, 31), False),
    ("December \n2023", MONTH, D(2023, 12, 31), False),
    ("December 2023", MONTH, D(2023, 12, 31), False),
    ("December 2022", MONTH, D(2022, 12, 31), False),
    ("February 2024 ", MONTH, D(2024, 2, 29), False),
    ("April 2024\n\n\n\n", MONTH, D(2024, 4, 30), False),
    ("November 2023\n\n", MONTH, D(2023, 11, 30), False),
    ("Current practise ", NO_DEADLINE, None, False),
    ("Business as usual ", NO_DEADLINE, None, False),
    ("Business as usual", NO_DEADLINE, None, False),
    ("Current ", NO_DEADLINE, None, False),
    ("Current", NO_DEADLINE, None, False),
    ("As above", UNREADABLE, None, False),  # "same as the row above": the reader's job
    (
        "Pay Gap Reporting on protected characteristics to be introduced beyond Gender Pay Gap, "
        "from March 2024.",
        START,
        D(2024, 3, 1),
        True,
    ),
    (
        "De-biasing recruitment training targeted to priority participants (frequent recruiters, "
        "HR&OD staff, and areas of concern) to continue as Business as Usual.",
        NO_DEADLINE,
        None,
        False,
    ),
    (
        "Introduce quarterly demographic monitoring of complaints and grievances (c/f from "
        "2022/23) ",
        START,
        D(2022, 4, 1),
        True,
    ),
    (
        "Progress Disability Confident to Level 2 ASAP, and Level 3 by April 2024",
        MONTH,
        D(2024, 4, 30),
        True,
    ),
    ("Regular review (normally monthly) of use of and access to CPD", NO_DEADLINE, None, False),
    (
        "Implementation of the Reasonable Adjustment Policy to be reviewed periodically.",
        NO_DEADLINE,
        None,
        False,
    ),
    (
        "Review and revise recruitment training (last reviewed in 2020) to embed debiasing "
        "recruitment in the Trust\u2019s in-house training",
        UNREADABLE,
        None,
        False,
    ),
]


@pytest.mark.parametrize(("text", "kind", "expected", "embedded"), _params(SEED_000))
def test_seed_000_trust_tracker(
    text: str, kind: DateKind, expected: date | None, embedded: bool
) -> None:
    _check(text, kind, expected, embedded)


@pytest.mark.parametrize(("text", "kind", "expected", "embedded"), _params(SEED_001))
def test_seed_001_edi_plan(
    text: str, kind: DateKind, expected: date | None, embedded: bool
) -> None:
    _check(text, kind, expected, embedded)


@pytest.mark.parametrize(("text", "kind", "expected", "embedded"), _params(SEED_002))
def test_seed_002_wres_template(
    text: str, kind: DateKind, expected: date | None, embedded: bool
) -> None:
    _check(text, kind, expected, embedded)


@pytest.mark.parametrize(("text", "kind", "expected", "embedded"), _params(SEED_003))
def test_seed_003_bame_plan(
    text: str, kind: DateKind, expected: date | None, embedded: bool
) -> None:
    _check(text, kind, expected, embedded)


@pytest.mark.parametrize(("text", "kind", "expected", "embedded"), _params(SEED_004))
def test_seed_004_wres_wdes(
    text: str, kind: DateKind, expected: date | None, embedded: bool
) -> None:
    _check(text, kind, expected, embedded)


# --------------------------------------------------------------------------------------------
# Notes: what was decided is said.
# --------------------------------------------------------------------------------------------

NOTES: list[tuple[object, str | None]] = [
    ("31-Mar-24", "2-digit year read as 2024"),
    ("18 Sep 23", "2-digit year read as 2023"),
    ("Q3 23/24", "2-digit years read as 2023/24"),
    ("Apr-24", "'Apr-24' read as April 2024 (month and 2-digit year), not 24 April"),
    ("31/03/2024", None),
    ("March 2024", None),
    ("In place by March 2024", None),
    (
        "by June 2024 and (by June 2025) and (by October 2024)",
        "several dates in the text (2024-06-30, 2024-10-31, 2025-06-30); the latest "
        "(2025-06-30) is taken as the deadline",
    ),
    ("January 2020 and again January 2020", None),  # the same date twice is not "several"
    ("13/25/2023", "'13/25/2023': there is no month 25 (dates are read day first, never swapped)"),
    ("29/02/2023", "'29/02/2023': February 2023 has 28 days, not 29"),
    ("31/04/2024", "'31/04/2024': April 2024 has 30 days, not 31"),
    ("2023/25", "'2023/25': not a financial year: 2023 and 25 are not consecutive years"),
    ("24-Apr", "a day and month with no year; the year is not guessed"),
    ("March", "a month with no year; the year is not guessed"),
    ("Q1 2024", "a quarter needs its financial year (e.g. Q3 2023/24); it is not guessed"),
    ("H1 2025", "a half year needs its financial year (e.g. H1 2025/26); it is not guessed"),
    ("H2 25/26", "2-digit years read as 2025/26"),
    ("45291", "a number written as text is not read as an Excel date serial"),
    ("Event 4th October", "'4th October' is a day and month with no year"),
    ("by Mar 31", "'Mar 31' is a month and a day (or a 2-digit year?); not guessed"),
    ("due Apr-24", "'Apr-24' read as April 2024 (month and 2-digit year), not 24 April"),
    ("done (Aug 20).", "'Aug 20' read as August 2020 (month and 2-digit year), not 20 August"),
    (
        "Jun 25 / Dec 25",
        "'Dec 25' read as December 2025 (month and 2-digit year), not 25 December; several "
        "dates in the text (2025-06-30, 2025-12-31); the latest (2025-12-31) is taken as the "
        "deadline",
    ),
    ("Review Jun 25 / Dec 25", "'Jun 25' is a month and a day (or a 2-digit year?); not guessed"),
    ("Phase 2 Mar 26", "'Mar 26' is a month and a day (or a 2-digit year?); not guessed"),
    ("Business as usual", None),
    ("Work is ongoing", "no date in the text; 'ongoing' read as no fixed deadline"),
    (45291, "Excel date serial 45291 read as 2023-12-31"),
    (datetime(2024, 3, 31, 14, 30), "time of day ignored"),
    (time(9, 30), "a time of day with no date"),
    (True, "a yes/no (true/false) cell is not a date"),
]


@pytest.mark.parametrize(("value", "note"), [pytest.param(v, n, id=_id(v)) for v, n in NOTES])
def test_notes(value: object, note: str | None) -> None:
    assert parse_date(value).note == note


def test_note_mentions_start_and_no_deadline_phrase_when_a_date_wins() -> None:
    value = parse_date("Ongoing from January 2024, complete by March 2024")
    assert value.kind is MONTH and value.date == D(2024, 3, 31)
    assert value.note is not None
    assert "'from January 2024'" in value.note or "'January 2024'" in value.note
    assert "'Ongoing'" in value.note


# --------------------------------------------------------------------------------------------
# Cells that are not text: raw kept exactly, text as described.
# --------------------------------------------------------------------------------------------

CELLS: list[tuple[object, DateKind, date | None, str]] = [
    (None, EMPTY, None, ""),
    (datetime(2024, 3, 31, 0, 0), EXACT, D(2024, 3, 31), "2024-03-31"),
    (datetime(2024, 3, 31, 14, 30), EXACT, D(2024, 3, 31), "2024-03-31 14:30:00"),
    (date(2024, 3, 31), EXACT, D(2024, 3, 31), "2024-03-31"),
    (date(1989, 12, 31), UNREADABLE, None, "1989-12-31"),
    (time(0, 0), UNREADABLE, None, "00:00:00"),
    (True, UNREADABLE, None, "True"),
    (False, UNREADABLE, None, "False"),
    (45291, EXACT, D(2023, 12, 31), "45291"),
    (45291.0, EXACT, D(2023, 12, 31), "45291"),
    (45291.75, EXACT, D(2023, 12, 31), "45291.75"),
    (45382, EXACT, D(2024, 3, 31), "45382"),
    (32874, EXACT, D(1990, 1, 1), "32874"),
    (73415, EXACT, D(2100, 12, 31), "73415"),
    (32873, UNREADABLE, None, "32873"),
    (73416, UNREADABLE, None, "73416"),
    (2024, YEAR, D(2024, 12, 31), "2024"),
    (2024.0, YEAR, D(2024, 12, 31), "2024"),
    (1990, YEAR, D(1990, 12, 31), "1990"),
    (2100, YEAR, D(2100, 12, 31), "2100"),
    (1989, UNREADABLE, None, "1989"),
    (2024.5, UNREADABLE, None, "2024.5"),
    (0, UNREADABLE, None, "0"),
    (60, UNREADABLE, None, "60"),
    (-45291, UNREADABLE, None, "-45291"),
    (float("inf"), UNREADABLE, None, "inf"),
    (float("nan"), EMPTY, None, ""),
    (Decimal("45291"), UNREADABLE, None, "45291"),
    ([2024], UNREADABLE, None, "[2024]"),
]


@pytest.mark.parametrize(
    ("value", "kind", "expected", "text"), [pytest.param(*c, id=_id(c[0])) for c in CELLS]
)
def test_cells(value: object, kind: DateKind, expected: date | None, text: str) -> None:
    parsed = parse_date(value)
    assert (parsed.kind, parsed.date, parsed.text) == (kind, expected, text)
    assert parsed.embedded is False


RAWS: list[object] = [
    None,
    datetime(2024, 3, 31, 0, 0),
    datetime(2024, 3, 31, 9, 15),
    date(2024, 3, 31),
    time(12, 0),
    45291,
    45291.0,
    45291.5,
    2024,
    2024.0,
    True,
    "31-Mar-24",
    "  March 2024 \n",
    "",
    "xyz",
]


@pytest.mark.parametrize("value", [pytest.param(v, id=_id(v)) for v in RAWS])
def test_raw_kept_with_its_python_type(value: object) -> None:
    parsed = parse_date(value)
    assert type(parsed.raw) is type(value)
    assert parsed.raw is value or parsed.raw == value
    # also as a copy: the model made again keeps the type
    again = dataclasses.replace(parsed)
    assert type(again.raw) is type(value)
    assert again == parsed


def test_datetime_cell_keeps_datetime() -> None:
    value = parse_date(datetime(2024, 3, 31, 0, 0))
    assert type(value.raw) is datetime
    assert value.raw == datetime(2024, 3, 31, 0, 0)
    assert type(value.date) is date
    assert value.date == date(2024, 3, 31)
    assert value.text == "2024-03-31"


@pytest.mark.parametrize(
    "text", [pytest.param(t, id=_id(t)) for t in ["  March 2024 \n", "\tTBC", "x\ny ", "Apr-24"]]
)
def test_text_is_the_original_stripped(text: str) -> None:
    value = parse_date(text)
    assert value.raw is text
    assert value.text == text.strip()


def test_parse_date_of_a_date_value_returns_it() -> None:
    value = parse_date("March 2024")
    assert parse_date(value) is value


# --------------------------------------------------------------------------------------------
# DateValue: deadline, has_deadline, describe, frozen, consistency.
# --------------------------------------------------------------------------------------------

DESCRIBE: list[tuple[object, str]] = [
    ("31-Mar-24", "31 Mar 2024"),
    ("01/06/2023", "1 Jun 2023"),
    ("March 2024", "end of March 2024"),
    ("Apr-24", "end of April 2024"),
    ("Q3 2023/24", "end of Q3 2023/24 (31 Dec 2023)"),
    ("H1 2025/26", "end of H1 2025/26 (30 Sep 2025)"),
    ("2025/26 H2", "end of H2 2025/26 (31 Mar 2026)"),
    ("Q4 2023/24", "end of Q4 2023/24 (31 Mar 2024)"),
    ("Q1 2024/25", "end of Q1 2024/25 (30 Jun 2024)"),
    ("2023/24", "end of 2023/24 (31 Mar 2024)"),
    ("2099/00", "end of 2099/00 (31 Mar 2100)"),
    ("2024", "end of 2024"),
    ("December 2020 onwards", "starts December 2020 (no deadline)"),
    ("from 15/01/2024", "starts 15 Jan 2024 (no deadline)"),
    ("Business as usual", "no fixed deadline"),
    ("TBC", "no fixed deadline"),
    ("xyz", "unreadable: 'xyz'"),
    ("", "empty"),
    (None, "empty"),
    (datetime(2024, 3, 31), "31 Mar 2024"),
]


@pytest.mark.parametrize(
    ("value", "expected"), [pytest.param(v, e, id=_id(v)) for v, e in DESCRIBE]
)
def test_describe(value: object, expected: str) -> None:
    assert parse_date(value).describe() == expected


DEADLINES: list[tuple[str, date | None]] = [
    ("31-Mar-24", D(2024, 3, 31)),
    ("March 2024", D(2024, 3, 31)),
    ("Q3 2023/24", D(2023, 12, 31)),
    ("2023/24", D(2024, 3, 31)),
    ("2024", D(2024, 12, 31)),
    ("In place by March 2024", D(2024, 3, 31)),
    ("December 2020 onwards", None),
    ("Ongoing", None),
    ("", None),
    ("xyz", None),
]


@pytest.mark.parametrize(
    ("text", "deadline"), [pytest.param(t, d, id=_id(t)) for t, d in DEADLINES]
)
def test_deadline(text: str, deadline: date | None) -> None:
    value = parse_date(text)
    assert value.deadline == deadline
    assert value.has_deadline is (deadline is not None)


def test_start_keeps_its_date_but_has_no_deadline() -> None:
    value = parse_date("December 2020 onwards")
    assert value.date == D(2020, 12, 1)
    assert value.deadline is None
    assert not value.has_deadline


def test_date_value_is_frozen_and_hashable() -> None:
    value = parse_date("March 2024")
    with pytest.raises(dataclasses.FrozenInstanceError):
        value.kind = DateKind.EMPTY  # type: ignore[misc]
    assert hash(value) == hash(parse_date("March 2024"))
    assert value == parse_date("March 2024")


@pytest.mark.parametrize(
    ("kind", "day"),
    [
        pytest.param(MONTH, None, id="month-without-date"),
        pytest.param(START, None, id="start-without-date"),
        pytest.param(NO_DEADLINE, D(2024, 3, 31), id="no-deadline-with-date"),
        pytest.param(EMPTY, D(2024, 3, 31), id="empty-with-date"),
    ],
)
def test_date_value_rejects_a_date_that_does_not_fit_its_kind(
    kind: DateKind, day: date | None
) -> None:
    with pytest.raises(ValueError, match="date value"):
        DateValue(raw="x", text="x", kind=kind, date=day)


def test_date_kind_values() -> None:
    assert [k.value for k in DateKind] == [
        "exact",
        "month",
        "quarter",
        "half_year",
        "financial_year",
        "year",
        "start",
        "no_deadline",
        "empty",
        "unreadable",
    ]
    assert DateKind("financial_year") is DateKind.FINANCIAL_YEAR


# --------------------------------------------------------------------------------------------
# excel_serial_to_date
# --------------------------------------------------------------------------------------------

SERIALS: list[tuple[float, date | None]] = [
    (45291, D(2023, 12, 31)),
    (45291.0, D(2023, 12, 31)),
    (45291.999, D(2023, 12, 31)),
    (45382, D(2024, 3, 31)),
    (32874, D(1990, 1, 1)),
    (73415, D(2100, 12, 31)),
    (32873, None),
    (73416, None),
    (60, None),  # 29 Feb 1900: Excel's leap-year bug, and before 1990 anyway
    (61, None),
    (1, None),
    (0, None),
    (-1, None),
    (math.nan, None),
    (math.inf, None),
    (1e300, None),
]


@pytest.mark.parametrize(
    ("serial", "expected"), [pytest.param(s, e, id=_id(s)) for s, e in SERIALS]
)
def test_excel_serial_to_date(serial: float, expected: date | None) -> None:
    assert excel_serial_to_date(serial) == expected


def test_excel_serial_to_date_refuses_bool() -> None:
    assert excel_serial_to_date(True) is None


# --------------------------------------------------------------------------------------------
# parse_as_at: the CLI's reporting date.
# --------------------------------------------------------------------------------------------


def test_parse_as_at_iso_and_uk_agree() -> None:
    assert parse_as_at("2023-12-18") == parse_as_at("18/12/2023") == date(2023, 12, 18)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(t, id=_id(t))
        for t in [
            "2023-12-18",
            "18/12/2023",
            "18/12/23",
            "18-Dec-23",
            "18 December 2023",
            "18th Dec 2023",
            " 18.12.2023 ",
            "Update as at 18 Dec 23",
        ]
    ],
)
def test_parse_as_at_accepts_exact_forms(text: str) -> None:
    assert parse_as_at(text) == date(2023, 12, 18)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("March 2024", "end of March 2024, not a single day", id="month"),
        pytest.param("Q3 2023/24", "not a single day", id="quarter"),
        pytest.param("2023/24", "not a single day", id="financial-year"),
        pytest.param("2024", "not a single day", id="year"),
        pytest.param("from 18/12/2023", "not a single day", id="start"),
        pytest.param("TBC", "no fixed deadline", id="no-deadline"),
        pytest.param("", "no as-at date given", id="empty"),
        pytest.param("yesterday", "cannot read 'yesterday' as a date", id="unreadable"),
        pytest.param("31/04/2024", "April 2024 has 30 days", id="not-a-real-day"),
        pytest.param("12/18/2023", "there is no month 18", id="us-order"),
        pytest.param("1 Dec 2023 or 18 Dec 2023", "several dates", id="several"),
    ],
)
def test_parse_as_at_refuses_what_is_not_one_day(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        parse_as_at(text)
    said = str(info.value)
    assert "2023-12-18 or 18/12/2023" in said
    # one plain sentence: the value once, the example once, no brackets inside brackets
    assert said.count(repr(text)) <= 1 and said.count("2023-12-18") == 1, said
    depth = 0
    for char in said:
        depth += {"(": 1, ")": -1}.get(char, 0)
        assert depth <= 1, said


def test_a_bad_as_at_says_why_in_one_sentence() -> None:
    with pytest.raises(ValueError) as info:
        parse_as_at("31/31/2024")
    assert str(info.value) == (
        "cannot read '31/31/2024' as a date: there is no month 31 (dates are read day first, "
        "never swapped); write a day such as 2023-12-18 or 18/12/2023"
    )


# --------------------------------------------------------------------------------------------
# Design rules.
# --------------------------------------------------------------------------------------------


def test_never_looks_at_today() -> None:
    source = inspect.getsource(dates)
    assert "today(" not in source
    assert "now(" not in source
    assert "dateutil" not in source and "dateparser" not in source


def test_every_form_in_the_table_has_a_comment() -> None:
    source = inspect.getsource(dates)
    start = source.index("_FORMS: tuple")
    lines = source[start : source.index("\n)\n", start)].splitlines()
    forms = [i for i, line in enumerate(lines) if "_form(" in line]
    assert len(forms) >= 10
    for i in forms:
        assert lines[i - 1].strip().startswith("#"), lines[i]


# --------------------------------------------------------------------------------------------
# Properties.
# --------------------------------------------------------------------------------------------

_DAYS = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))


@settings(database=None, deadline=None, max_examples=300)
@given(_DAYS)
def test_day_first_numeric_round_trips(d: date) -> None:
    assert parse_date(d.strftime("%d/%m/%Y")).date == d
    assert parse_date(d.strftime("%d-%m-%Y")).date == d
    assert parse_date(f"{d.day}/{d.month}/{d.year}").date == d


# "%y" can only round-trip where a 2-digit year read as 20yy is right: 2000-2099. A 1990s date
# written "15-Mar-95" reads as 2095 (noted), and 2100 written "00" reads as 2000.
@settings(database=None, deadline=None, max_examples=300)
@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_day_month_name_two_digit_year_round_trips(d: date) -> None:
    value = parse_date(d.strftime("%d-%b-%y"))
    assert (value.kind, value.date) == (EXACT, d)
    assert value.note == f"2-digit year read as {d.year}"


@settings(database=None, deadline=None, max_examples=300)
@given(_DAYS)
def test_other_exact_forms_round_trip(d: date) -> None:
    for text in (d.isoformat(), d.strftime("%d %B %Y"), d.strftime("%d-%b-%Y")):
        value = parse_date(text)
        assert (value.kind, value.date, value.embedded) == (EXACT, d, False), text
    assert parse_date(f"Due by {d:%d %B %Y}.").date == d


@settings(database=None, deadline=None, max_examples=200)
@given(_DAYS)
def test_month_year_is_the_last_day_of_the_month(d: date) -> None:
    value = parse_date(d.strftime("%B %Y"))
    assert value.kind is MONTH
    assert value.date is not None
    assert (value.date.year, value.date.month) == (d.year, d.month)
    assert value.date.day == calendar.monthrange(d.year, d.month)[1]


@settings(database=None, deadline=None, max_examples=300)
@given(st.one_of(st.text(), st.text(alphabet="0123456789/-. QqMarchApr", max_size=14)))
def test_any_text_gives_a_consistent_value(text: str) -> None:
    value = parse_date(text)
    assert value.raw is text
    assert value.text == text.strip()
    if value.kind in (EXACT, MONTH, QUARTER, FY, YEAR):
        assert value.date is not None and value.deadline == value.date
        assert date(1990, 1, 1) <= value.date <= date(2100, 12, 31)
    elif value.kind is START:
        assert value.date is not None and value.deadline is None
    else:
        assert value.date is None and value.deadline is None
    assert isinstance(value.describe(), str)


def test_a_full_excel_cell_is_read_quickly() -> None:
    # Excel's longest cell is 32,767 characters; scanning must stay linear.
    import time as clock

    text = ("Review by 1/2/2023 from March 2024 (Aug 20) 12 12 " * 700)[:32767]
    started = clock.perf_counter()
    value = parse_date(text)
    assert clock.perf_counter() - started < 2.0
    assert value.kind is EXACT and value.embedded


# --- dates in words: written once, here ------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "short", "long", "header"),
    [
        (date(2023, 12, 18), "18 Dec 2023", "18 December 2023", "18 Dec 23"),
        (date(2024, 3, 5), "5 Mar 2024", "5 March 2024", "5 Mar 24"),
        (date(2009, 9, 1), "1 Sep 2009", "1 September 2009", "1 Sep 09"),
        (datetime(2024, 6, 30, 17, 45), "30 Jun 2024", "30 June 2024", "30 Jun 24"),
    ],
)
def test_dates_in_words(day: date, short: str, long: str, header: str) -> None:
    assert dates.short_date(day) == short
    assert dates.long_date(day) == long
    assert dates.short_date_short_year(day) == header
    # what edi_xl writes for people, it reads back as the same day
    for text in (short, long, header):
        back = parse_date(text)
        assert (back.kind, back.date) == (EXACT, date(day.year, day.month, day.day))


def test_no_date_in_words_is_empty_and_a_month_reads_as_its_name() -> None:
    assert dates.short_date(None) == ""
    assert dates.month_year(date(2024, 3, 18)) == "March 2024"


@pytest.mark.parametrize(
    "text",
    [
        "18 Dec 2023", "1 jan 2024", "05 MAR 2025", "29 Feb 2024", "29 Feb 2023", "31 Apr 2024",
        "0 Dec 2023", "00 Dec 2023", "32 Dec 2023", "18 Dec 0000", "18 December 2023",
        "18 Sept 2023", "18 Dex 2023", "18 Dec 23", "18 Dec 20233", "123 Dec 2023",
        "1\u0662 Dec 2023", "18 Dec \u0662\u0660\u0662\u0663", "Dec 2023",
    ],
)  # fmt: skip
def test_read_short_date_reads_what_strptime_read(text: str) -> None:
    """The Summary reads the as-at date a Change Log line names ("merge as at 18 Dec 2023")
    without strptime (its import is a few milliseconds of a refresh): the same days from the
    text its pattern finds (words apart by one space), digits 0-9 only (strptime took other
    scripts' digits in a day of two, which edi_xl never writes)."""
    try:
        expected: date | None = datetime.strptime(text, "%d %b %Y").date()
    except ValueError:
        expected = None
    if not text.isascii():
        expected = None
    assert dates.read_short_date(text) == expected


@given(st.dates(min_value=date(1, 1, 1)))
def test_read_short_date_reads_back_every_short_date(day: date) -> None:
    assert dates.read_short_date(dates.short_date(day)) == (day if day.year >= 1000 else None)


def test_the_patterns_for_text_dates_are_compiled_when_first_used() -> None:
    """A master of date cells reads no date in text and explains no unreadable one: importing
    edi_xl and reading date cells compiles none of those patterns (a few milliseconds of
    every command's start); the first text that needs them does."""
    code = (
        "import datetime, re\n"
        "compiled = []\n"
        "real = re.compile\n"
        "re.compile = lambda pattern, flags=0: compiled.append(pattern) or real(pattern, flags)\n"
        "from edi_xl.core import dates\n"
        "dates.parse_date(datetime.date(2024, 3, 31))\n"
        "later = [p for p, _ in (*dates._HINTS, *dates._INSIDE_HINTS)]\n"
        "later += [dates._MONTH_YEAR_ITEM, dates._LIST_GAP, dates._START_BEFORE]\n"
        "print(sum(p in compiled for p in later))\n"
        "print(dates.parse_date('Event 4th October').note)\n"
        "print(sum(p in compiled for p in later) > 0)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == [
        "0",
        "'4th October' is a day and month with no year",
        "True",
    ], out.stdout + out.stderr


def test_only_core_dates_spells_a_date_for_people() -> None:
    # strftime's %b/%B follow the machine's locale and were spelt out in eight places; the
    # functions above are the one way (a date read back with strptime is not spelling one).
    package = Path(dates.__file__).resolve().parents[1]
    spelt = re.compile(r"%d %[bB]|%[bB] %[yY]|\.day\} \{")
    found = [
        f"{path.relative_to(package)}:{number}"
        for path in sorted(package.rglob("*.py"))
        if path.name != "dates.py" or path.parent.name != "core"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if spelt.search(line) and "strptime" not in line
    ]
    assert found == []


# --- made without the constructor: the values it makes, of their fields' types ---------------

_EVERY_VALUE: list[object] = [
    case[0] for cases in (FORMS, EDGES, EMBEDDED, SEED_000, SEED_001, SEED_002, SEED_003, SEED_004)
    for case in cases
] + [value for value, *_ in CELLS] + RAWS + [value for value, _ in NOTES]  # fmt: skip


def _same_fields(parsed: DateValue) -> None:
    assert_made_right(parsed, repr(parsed.raw))


def test_every_date_value_read_is_what_the_constructor_makes_of_it() -> None:
    """parse_date makes its values without the dataclass's constructor (``dates._date_value``):
    each is the model the constructor makes from the same fields, each of its type (a
    date never a datetime), for every value these tests read."""
    assert len(_EVERY_VALUE) > 350
    for value in _EVERY_VALUE:
        parsed = parse_date(value)
        _same_fields(parsed)


@settings(database=None, deadline=None, max_examples=400)
@given(
    st.text(alphabet=st.sampled_from("0123456789/-. QqFYyMarchJunDecTBC onwardsby"), max_size=24)
)
def test_any_text_read_is_what_the_constructor_makes_of_it(text: str) -> None:
    parsed = parse_date(text)
    _same_fields(parsed)


@pytest.mark.parametrize(
    ("kind", "day"), [(EXACT, None), (UNREADABLE, date(2024, 3, 31)), (EMPTY, date(2024, 1, 1))]
)
def test_a_date_value_made_without_the_constructor_is_checked_as_it_checks(
    kind: DateKind, day: date | None
) -> None:
    with pytest.raises(ValueError, match="date value"):
        dates._date_value(raw=None, text="x", kind=kind, date=day)
    with pytest.raises(ValueError, match="date value"):
        DateValue(raw=None, text="x", kind=kind, date=day)
