"""Due dates as people write them in NHS equality action plans.

A due-date cell may hold a real date, an Excel serial number, or text such as ``31-Mar-24``,
``01/06/2023`` (always day first), ``March 2024``, ``Apr-24`` (April 2024), ``Q3 2023/24``,
``H1 2025/26`` (April-September 2025), ``2023/24``, ``In place by March 2024``,
``December 2020 onwards``, ``Business as usual`` or ``TBC``. :func:`parse_date` reads any of
them into a :class:`DateValue` that keeps the original value, says what kind of date it is,
gives the deadline (the *end* of the period written) and explains in a note anything it had to
decide. Nothing is guessed silently: a day and month with no year, a quarter with no financial
year or a date that does not exist is ``UNREADABLE``.

The design is a table of regular expressions (:data:`_FORMS`), tried in order; there is no
third-party date parser and nothing here looks at today's date.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
import math
import numbers
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, cached_property, lru_cache
from typing import Any

from openpyxl.utils.datetime import from_excel

from edi_xl.core.unvalidated import made

__all__ = [
    "DateKind",
    "DateValue",
    "excel_serial_to_date",
    "is_a_timescale",
    "long_date",
    "month_year",
    "parse_as_at",
    "parse_date",
    "read_short_date",
    "short_date",
    "short_date_short_year",
]

#: Only dates in these years are read as dates (Excel serials included).
MIN_YEAR = 1990
MAX_YEAR = 2100

_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_MONTH_NUMBER = {name[:3].lower(): number for number, name in enumerate(_MONTH_NAMES, 1)}


# --- dates in words, for people: the only place edi_xl spells a date out ----------------------
# English month names whatever the machine's locale (strftime's %b/%B follow the locale).


def short_date(d: dt.date | None) -> str:
    """ "18 Dec 2023" (messages, tables, file text); "" for no date."""
    return f"{d.day} {_MONTH_NAMES[d.month - 1][:3]} {d.year}" if d else ""


def read_short_date(text: str) -> dt.date | None:
    """The day :func:`short_date` wrote as ``text`` ("18 Dec 2023", any case), else None: what
    ``strptime(text, "%d %b %Y")`` reads (digits 0-9), in English whatever the locale, and
    without importing strptime's machinery (a few milliseconds of a command's start)."""
    day, month, year = (text.split(" ", 2) + ["", ""])[:3]
    number = _MONTH_NUMBER.get(month.lower()) if len(month) == 3 else None
    if number is None or not _digits(day, 1, 2) or not _digits(year, 4, 4):
        return None
    try:
        return dt.date(int(year), number, int(day))
    except ValueError:  # (no such day: 30 Feb, day 0, year 0)
        return None


def _digits(text: str, fewest: int, most: int) -> bool:
    return fewest <= len(text) <= most and text.isascii() and text.isdigit()


def long_date(d: dt.date) -> str:
    """ "18 December 2023" (sentences people read: papers, emails, sheet titles)."""
    return f"{d.day} {_MONTH_NAMES[d.month - 1]} {d.year}"


def short_date_short_year(d: dt.date) -> str:
    """ "18 Dec 23", as the round's column header says it."""
    return f"{d.day} {_MONTH_NAMES[d.month - 1][:3]} {d.year % 100:02d}"


def month_year(d: dt.date) -> str:
    """ "December 2023"."""
    return f"{_MONTH_NAMES[d.month - 1]} {d.year}"


#: All patterns ignore case and are ASCII-only (so \d is 0-9, and no Unicode case folding).
_FLAGS = re.IGNORECASE | re.ASCII


class DateKind(StrEnum):
    """What a due-date cell holds."""

    EXACT = "exact"  # a day
    MONTH = "month"  # a month: due at its end
    QUARTER = "quarter"  # a quarter of an NHS financial year (Q1 = Apr-Jun): due at its end
    HALF_YEAR = "half_year"  # a half of an NHS financial year (H1 = Apr-Sep): due at its end
    FINANCIAL_YEAR = "financial_year"  # an NHS financial year (1 Apr - 31 Mar): due 31 March
    YEAR = "year"  # a calendar year: due 31 December
    START = "start"  # "December 2020 onwards": a start, no deadline
    NO_DEADLINE = "no_deadline"  # "Business as usual", "Ongoing", "TBC"...
    EMPTY = "empty"  # nothing, punctuation only, or "n/a"
    UNREADABLE = "unreadable"  # anything else


#: The kinds that carry a deadline in ``DateValue.date``.
DEADLINE_KINDS = frozenset(
    {
        DateKind.EXACT,
        DateKind.MONTH,
        DateKind.QUARTER,
        DateKind.HALF_YEAR,
        DateKind.FINANCIAL_YEAR,
        DateKind.YEAR,
    }
)


@dataclass(frozen=True, kw_only=True)
class DateValue:
    """A due (or start) date as read from one cell, with the original kept for writing back."""

    #: Exactly what the cell held (a datetime stays a datetime, a str stays a str).
    raw: Any = None
    #: The original as text, stripped; ISO ``2024-03-31`` for date cells; "" for None.
    text: str
    kind: DateKind
    #: The deadline (end of the period) for the deadline kinds, the start for START, else None.
    date: dt.date | None = None
    #: True when the date was found inside longer text ("In place by March 2024").
    embedded: bool = False
    #: A plain-English remark when something was decided ("2-digit year read as 2024").
    note: str | None = None

    def __post_init__(self) -> None:
        _check_date(self.kind, self.date)

    @property
    def deadline(self) -> dt.date | None:
        """The date the action is due, or None when there is no deadline."""
        return self.date if self.kind in DEADLINE_KINDS else None

    @property
    def has_deadline(self) -> bool:
        return self.deadline is not None

    def describe(self) -> str:
        """A short English description: "31 Mar 2024", "end of Q3 2023/24 (31 Dec 2023)"..."""
        d = self.date
        if self.kind is DateKind.EMPTY:
            return "empty"
        if self.kind is DateKind.NO_DEADLINE:
            return "no fixed deadline"
        if self.kind is DateKind.UNREADABLE or d is None:
            return f"unreadable: {self.text!r}"
        if self.kind is DateKind.EXACT:
            return short_date(d)
        if self.kind is DateKind.MONTH:
            return f"end of {month_year(d)}"
        if self.kind is DateKind.QUARTER:
            fy_start = d.year if d.month >= 4 else d.year - 1
            quarter = (d.month - 4) % 12 // 3 + 1
            return f"end of Q{quarter} {_fy_label(fy_start)} ({short_date(d)})"
        if self.kind is DateKind.HALF_YEAR:
            fy_start = d.year if d.month >= 4 else d.year - 1
            half = 1 if d.month >= 4 else 2
            return f"end of H{half} {_fy_label(fy_start)} ({short_date(d)})"
        if self.kind is DateKind.FINANCIAL_YEAR:
            return f"end of {_fy_label(d.year - 1)} ({short_date(d)})"
        if self.kind is DateKind.YEAR:
            return f"end of {d.year}"
        # START: a first-of-month start is shown as the month.
        when = month_year(d) if d.day == 1 else short_date(d)
        return f"starts {when} (no deadline)"


def _fy_label(start_year: int) -> str:
    return f"{start_year}/{(start_year + 1) % 100:02d}"


# --------------------------------------------------------------------------------------------
# Reading one form: the builders turn a regex match into a period (or say why it is no date).
# --------------------------------------------------------------------------------------------


class _NotADate(ValueError):
    """The text has the shape of a date but is not one (31/04/2024, 13/25/2023, 2023/25)."""


@dataclass(frozen=True)
class _Period:
    """What one written date means: its kind, first day and last day (the deadline)."""

    kind: DateKind
    start: dt.date
    end: dt.date
    notes: tuple[str, ...] = ()


def _check_year(year: int) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _NotADate(f"the year {year} is outside {MIN_YEAR}-{MAX_YEAR}")
    return year


def _year(digits: str, notes: list[str]) -> int:
    """A 4-digit year, or a 2-digit one read as 20yy (and noted)."""
    if len(digits) == 2:
        year = 2000 + int(digits)
        notes.append(f"2-digit year read as {year}")
        return year
    return _check_year(int(digits))


def _month_number(name: str) -> int:
    return _MONTH_NUMBER[name[:3].lower()]


def _day(year: int, month: int, day: int) -> dt.date:
    _check_year(year)
    if not 1 <= month <= 12:
        raise _NotADate(f"there is no month {month} (dates are read day first, never swapped)")
    days_in_month = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days_in_month:
        raise _NotADate(f"{_MONTH_NAMES[month - 1]} {year} has {days_in_month} days, not {day}")
    return dt.date(year, month, day)


def _exact(year: int, month: int, day: int, notes: list[str]) -> _Period:
    d = _day(year, month, day)
    return _Period(DateKind.EXACT, d, d, tuple(notes))


def _month(year: int, month: int, notes: list[str]) -> _Period:
    _check_year(year)
    last = calendar.monthrange(year, month)[1]
    return _Period(
        DateKind.MONTH, dt.date(year, month, 1), dt.date(year, month, last), tuple(notes)
    )


def _financial_year_start(first: str, second: str, notes: list[str]) -> int:
    """The first calendar year of a financial year written "2023/24", "23/24" or "2023/2024"."""
    start = 2000 + int(first) if len(first) == 2 else int(first)
    expected = start + 1 if len(second) == 4 else (start + 1) % 100
    if int(second) != expected:
        raise _NotADate(f"not a financial year: {first} and {second} are not consecutive years")
    _check_year(start)
    _check_year(start + 1)
    if len(first) == 2:
        notes.append(f"2-digit years read as {_fy_label(start)}")
    return start


def _build_iso(m: re.Match[str]) -> _Period:
    notes = []
    if m["time"] and any(c not in "0:. T" for c in m["time"]):
        notes.append("time of day ignored")
    return _exact(int(m["y"]), int(m["m"]), int(m["d"]), notes)


def _build_numeric(m: re.Match[str]) -> _Period:
    notes: list[str] = []
    return _exact(_year(m["y"], notes), int(m["m"]), int(m["d"]), notes)


def _build_day_month_year(m: re.Match[str]) -> _Period:
    notes: list[str] = []
    return _exact(_year(m["y"], notes), _month_number(m["mon"]), int(m["d"]), notes)


def _build_month_day_year(m: re.Match[str]) -> _Period:
    return _exact(int(m["y"]), _month_number(m["mon"]), int(m["d"]), [])


def _build_month_year(m: re.Match[str]) -> _Period:
    return _month(int(m["y"]), _month_number(m["mon"]), [])


def _build_month_yy(m: re.Match[str]) -> _Period:
    month = _month_number(m["mon"])
    year = 2000 + int(m["y"])
    name = _MONTH_NAMES[month - 1]
    written = m[0].strip("() ")
    note = f"{written!r} read as {name} {year} (month and 2-digit year), not {int(m['y'])} {name}"
    return _month(year, month, [note])


def _build_quarter(m: re.Match[str]) -> _Period:
    notes: list[str] = []
    fy = _financial_year_start(m["y1"], m["y2"], notes)
    quarter = int(m["q"])
    if not 1 <= quarter <= 4:
        raise _NotADate(f"there is no quarter {quarter} (Q1 is April-June ... Q4 January-March)")
    first_month = 3 * quarter % 12 + 1  # Q1 -> April, Q2 -> July, Q3 -> October, Q4 -> January
    year = fy if quarter < 4 else fy + 1
    start = dt.date(year, first_month, 1)
    end_month = first_month + 2
    end = dt.date(year, end_month, calendar.monthrange(year, end_month)[1])
    return _Period(DateKind.QUARTER, start, end, tuple(notes))


def _build_half_year(m: re.Match[str]) -> _Period:
    """H1 2025/26 is April-September 2025, H2 October 2025-March 2026 (two quarters each)."""
    notes: list[str] = []
    fy = _financial_year_start(m["y1"], m["y2"], notes)
    nth = m.groupdict().get("nth")
    half = int(m["h"]) if m["h"] else 1 if nth and nth.lower() in ("first", "1st") else 2
    if half == 1:
        return _Period(DateKind.HALF_YEAR, dt.date(fy, 4, 1), dt.date(fy, 9, 30), tuple(notes))
    if half == 2:
        return _Period(DateKind.HALF_YEAR, dt.date(fy, 10, 1), dt.date(fy + 1, 3, 31), tuple(notes))
    raise _NotADate(f"there is no half {half} (H1 is April-September, H2 October-March)")


def _build_financial_year(m: re.Match[str]) -> _Period:
    notes: list[str] = []
    fy = _financial_year_start(m["y1"], m["y2"], notes)
    return _Period(DateKind.FINANCIAL_YEAR, dt.date(fy, 4, 1), dt.date(fy + 1, 3, 31), tuple(notes))


def _build_year(m: re.Match[str]) -> _Period:
    year = _check_year(int(m["y"]))
    return _Period(DateKind.YEAR, dt.date(year, 1, 1), dt.date(year, 12, 31))


# --------------------------------------------------------------------------------------------
# The table of forms.
# --------------------------------------------------------------------------------------------

# A month name: full, 3-letter or "Sept", any case, optional trailing dot ("Sept.").
_MON = (
    r"(?P<mon>(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?![a-z]))\.?"
)
# A 3-letter month (or "Sept"): the only names read with a 2-digit year inside longer text.
_MON_SHORT = r"(?P<mon>(?:jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec)(?![a-z]))\.?"
_ORDINAL = r"(?:st|nd|rd|th)?"
# Financial-year years: "2023/24", "2023-24", "2023/2024", "2023 / 24", or "23/24".
_FY_YEARS = r"(?P<y1>\d{4}|\d{2})\s*[/-]\s*(?P<y2>\d{4}|\d{2})"

# Inside longer text a form must not touch letters, digits or "/", nor continue a number
# ("1.5", "202/210", "v2023", "1.01/06/2023" are not dates); "2020-March 2021" is fine.
_BEFORE = (  # "Sep-25 / Mar-26": no day 25 (but "Jan-March 2025", "end-March 2025" read)
    r"(?<![\w/])(?!(?<=\d[.\-/])\d)"
    r"(?!(?<=(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[\-'])\d)(?!(?<=sept[\-'])\d)"
)
_AFTER = r"(?![\w/]|[.\-/]\d)"


def _after(words: tuple[str, ...], gap: str, *, negative: bool = True) -> str:
    """Lookbehinds: (not, unless ``negative`` is false) straight after one of ``words`` (any
    case) and one ``gap`` character. Python's lookbehinds are fixed-width: one per length of
    word, all of them (not after any) or any one of them (after one)."""
    by_length: dict[int, list[str]] = {}
    for word in words:
        by_length.setdefault(len(word), []).append(re.escape(word))
    sign = "!" if negative else "="
    each = [rf"(?<{sign}\b(?:{'|'.join(group)}){gap})" for _, group in sorted(by_length.items())]
    return "".join(each) if negative else f"(?:{'|'.join(each)})"


# The number after a month name belongs to that month (its day or its 2-digit year), never the
# day of the next: "Jun 25 / Dec 25" is no 25 December.
_MONTH_WORDS = tuple(
    dict.fromkeys(
        f"{name}{dot}"
        for full in _MONTH_NAMES
        for name in (full.lower(), full[:3].lower(), *(("sept",) if full == "September" else ()))
        for dot in ("", ".")
    )
)
_NOT_AFTER_MONTH = _after(_MONTH_WORDS, r"[\s,]")
# Nor is the number of a phase, stage or step before a month written with a 2-digit year
# ("Phase 2 Mar-26" is March 2026, not 2 March: "Mar-26" alone is a month; "Phase 2 Mar 26" is
# not guessed). Before a month and a 4-digit year the number is the day, as ever: "Carers Week
# 9 June 2025", "Pilot phase 1 April 2025" (and so "Phase 2 March 2026" is 2 March).
_LABEL_WORDS = (
    "phase", "stage", "step", "part", "year", "yr", "q", "quarter", "qtr", "h", "half",
    "wave", "round", "tranche", "cohort", "level", "tier", "band", "week", "wk", "month",
    "module", "session", "workstream", "objective", "action", "priority", "milestone",
    "goal", "section", "item", "point", "option", "no", "no.", "number", "indicator",
    "metric", "standard", "recommendation", "wres", "wdes",
)  # fmt: skip
_MONTH_ANY = _MON.replace("(?P<mon>", "(?:")
_AFTER_A_LABEL = _after(_LABEL_WORDS, r"[\s\-#]", negative=False)
_NOT_A_LABELLED_MONTH = (
    rf"(?!{_AFTER_A_LABEL}\d{{1,2}}\s+{_MONTH_ANY}(?:[\-/'\u2019]|\s+)\d{{2}}(?!\d))"
)


# Between a quarter or a half and its financial year: "Q3 2023/24", "Q3 of 2023/24", "Q3:
# 2023/24", "Q3 (2023/24)", "H2 of the 2025/26 financial year", "second half of year 2025/26".
_PERIOD_GAP = r"[\s,:\-\u2013(]*(?:of\s+)?(?:the\s+)?(?:(?:financial\s+)?year\s+)?(?:fy\s*)?"


@dataclass(frozen=True)
class _Form:
    """One way of writing a date: a whole-cell pattern and, if searched for, an in-text one.

    Compiled when first used, not when edi_xl is imported: a command reading a master of date
    cells parses few dates as text, and the table's patterns take a fiftieth of a refresh to
    compile."""

    name: str
    body: str
    inside_body: str | None
    build: Callable[[re.Match[str]], _Period]

    @cached_property
    def whole(self) -> re.Pattern[str]:
        return re.compile(self.body, _FLAGS)

    @cached_property
    def inside(self) -> re.Pattern[str] | None:
        if self.inside_body is None:
            return None
        return re.compile(f"{_BEFORE}(?:{self.inside_body}){_AFTER}", _FLAGS)


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    """``pattern`` compiled, when first used (as :class:`_Form`'s are): the patterns that read
    dates inside text and explain unreadable ones are for text cells alone."""
    return re.compile(pattern, _FLAGS)


def _form(
    name: str,
    body: str,
    build: Callable[[re.Match[str]], _Period],
    inside: str | None = "same",
) -> _Form:
    return _Form(name, body, body if inside == "same" else inside, build)


_DAY_MONTH_YEAR = (
    rf"(?P<d>\d{{1,2}}){_ORDINAL}(?:\s*of)?[\s\-/.,]*{_MON}[\s\-/.,']*(?P<y>\d{{4}}|\d{{2}})"
)

#: The forms, in the order they are tried. Inside longer text, earlier forms claim their
#: characters first, so longer forms come before the shorter forms they contain
#: ("31 March 2024" before "March 2024", "Q3 2023/24" before "2023/24").
_FORMS: tuple[_Form, ...] = (
    # ISO, year first: 2023-06-01, 2023/06/01, 2023-06-01 00:00:00 (a date exported as text).
    _form(
        "iso",
        r"(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"
        r"(?P<time>[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?",
        _build_iso,
    ),
    # Numeric, day first ALWAYS: 01/06/2023, 1/6/23, 01-06-2023, 01.06.2023, 01 06 2023.
    _form(
        "day/month/year",
        r"(?P<d>\d{1,2})(?P<sep>[-/. ])(?P<m>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})",
        _build_numeric,
    ),
    # Day, month name, year: 31-Mar-24, 1 June 2023, 18 Sep 23, 31st March 2024, 31st of March.
    # Inside text, not a number that follows a month name ("Jun 25 / Dec 25") or names a
    # phase ("Phase 2 Mar-26").
    _form(
        "day month-name year",
        _DAY_MONTH_YEAR,
        _build_day_month_year,
        inside=f"{_NOT_AFTER_MONTH}{_NOT_A_LABELLED_MONTH}{_DAY_MONTH_YEAR}",
    ),
    # Month name, day, 4-digit year: March 31, 2024 / March 31st 2024 (unambiguous with words).
    _form(
        "month-name day year",
        rf"{_MON}\s*(?P<d>\d{{1,2}}){_ORDINAL},?\s+(?P<y>\d{{4}})",
        _build_month_day_year,
    ),
    # Quarter of a financial year: Q3 2023/24, Q3 23/24, Q3 2023-24, Quarter 3 FY2023/24,
    # Q3 (2023/24), Q3: 2023/24.
    _form(
        "quarter",
        rf"q(?:uarter|tr)?\s*(?P<q>\d){_PERIOD_GAP}{_FY_YEARS}\)?",
        _build_quarter,
    ),
    # The same, year first: 2023/24 Q3, FY2023/24 Q3, FY23/24 Q3 (not after a dash: "2023/24 -
    # Q1 2024/25" is from 2023/24 to Q1 2024/25).
    _form(
        "financial year quarter",
        rf"(?:fy\s*)?{_FY_YEARS}[\s,:(]*q(?:uarter|tr)?\s*(?P<q>\d)\)?",
        _build_quarter,
    ),
    # Half of a financial year: H1 2025/26 (April-September 2025), H2 25/26, Half 1 2025/26,
    # Half year 1 2025/26, H1 (2025/26), second half of 2025/26.
    _form(
        "half year",
        r"(?:h(?:alf)?(?:[\s\-]*year)?\s*(?P<h>\d)|(?P<nth>first|1st|second|2nd)\s+half)"
        rf"{_PERIOD_GAP}{_FY_YEARS}\)?",
        _build_half_year,
    ),
    # The same, year first: 2025/26 H2, FY2025/26 Half 1, FY25/26 H1.
    _form(
        "financial year half",
        rf"(?:fy\s*)?{_FY_YEARS}[\s,:(]*h(?:alf)?\s*(?P<h>\d)\)?",
        _build_half_year,
    ),
    # Financial year: 2023/24, 2023-24, 2023/2024, FY2023/24 (a 4-digit first year)...
    _form(
        "financial year",
        r"(?:fy\s*)?(?P<y1>\d{4})\s*[/-]\s*(?P<y2>\d{4}|\d{2})",
        _build_financial_year,
    ),
    # ... or FY23/24, FY 23-24 (two 2-digit years only with "FY": a bare "23/24" is no date).
    _form(
        "financial year, 2-digit",
        r"fy\s*(?P<y1>\d{2})\s*[/-]\s*(?P<y2>\d{2})",
        _build_financial_year,
    ),
    # Month name and 4-digit year: March 2024, Mar 2024, Mar-2024, Sept. 2023, March, 2024.
    _form("month-name year", rf"{_MON}[\s\-/.,']*(?P<y>\d{{4}})", _build_month_year),
    # Month name and 2-digit year: Apr-24 is April 2024, never 24 April. Inside longer text only
    # a 3-letter name joined by - / ' ("due Apr-24") or alone in brackets ("(Aug 20)") counts,
    # so "by Mar 31" is not March 2031 and "May 19 people" is not May 2019.
    _form(
        "month-name 2-digit year",
        rf"{_MON}[\s\-/.,']*(?P<y>\d{{2}})",
        _build_month_yy,
        inside=rf"(?P<open>\()?{_MON_SHORT}(?(open)\s?|[-/'])(?P<y>\d{{2}})(?(open)\))",
    ),
    # A bare year: 2024 (whole cell only; "Charter 2023" inside text is not a deadline).
    _form("year", r"(?P<y>\d{4})", _build_year, inside=None),
)


# A list of months with their years, the whole cell ("Jun 25 / Dec 25", "Jun 25, Sep 25",
# "Sep-25 / Mar-26"): each month is read as it is alone ("Jun 25" is June 2025), and the latest
# is the deadline, as for "Jun 2025 - Dec 2025". (Inside longer text a month and a number after
# a space, "by Mar 31", is still not read: the number may be a day.)
_MONTH_YEAR_ITEM = rf"{_MON}[\s\-/.,']*(?P<y>\d{{4}}|\d{{2}})(?!\d)"
_LIST_GAP = r"\s*(?:[/,;&+\-\u2013\u2014]|and|or|to|then)\s*"


def _last_day(item: re.Match[str]) -> bool:
    """Whether a month's 2-digit number is its last day ("Mar 31", "Apr 30", "Feb 28")."""
    digits = item["y"]
    if len(digits) != 2:
        return False
    month = _month_number(item["mon"])
    last = (28, 29) if month == 2 else (calendar.monthrange(2001, month)[1],)
    return int(digits) in last


def _month_list(text: str) -> list[_Found]:
    """The months of ``text`` when it is a list of months with their years and nothing else
    (two or more), else []."""
    items = list(_compiled(_MONTH_YEAR_ITEM).finditer(text))
    if len(items) < 2 or items[0].start() != 0 or items[-1].end() != len(text):
        return []
    if any(_last_day(item) for item in items):
        return []  # "Mar 31 / Apr 30": month ends, not years 2031 and 2030 (not guessed)
    gaps = (text[a.end() : b.start()] for a, b in itertools.pairwise(items))
    if not all(_compiled(_LIST_GAP).fullmatch(gap) for gap in gaps):
        return []
    found: list[_Found] = []
    for item in items:
        period, problem = _match_whole(item[0])
        why = problem.removeprefix(f"{item[0]!r}: ") if problem else None
        found.append(_Found(item[0], item.start(), period, problem=why))
    return found


# Words that make a date a start, not a deadline: "from December 2020", "starting in May 2024";
# "December 2020 onwards", "December 2020 - ongoing".
_START_WORDS = (
    r"(?:from|since|starting(?:\s+(?:from|in|on))?|commencing(?:\s+(?:from|in|on))?"
    r"|beginning(?:\s+(?:in|on))?|with\s+effect\s+from|w\.?e\.?f\.?)"
)
_ONWARDS = r"(?:onwards?|(?:[-\u2013\u2014]|and|&)\s*(?:on-?\s?going|onwards?))"
_START_WINDOW = 60  # characters either side of a date searched for those words
_START_BEFORE = rf"\b{_START_WORDS}\s+(?:the\s+)?(?:(?:start|beginning)\s+of\s+)?$"
_START_AFTER = rf"^\s*,?\s*{_ONWARDS}\b"
_START_WHOLE_BEFORE = re.compile(
    rf"(?:{_START_WORDS}|starts?|start\s+date:?)\s+(?:the\s+)?(?:(?:start|beginning)\s+of\s+)?"
    r"(?P<rest>.+)",
    _FLAGS,
)
_START_WHOLE_AFTER = re.compile(rf"(?P<rest>.+?)\s*,?\s*{_ONWARDS}", _FLAGS)

# "End of", "by the end of", "end": the deadline is the end of the date after it.
_END_OF = re.compile(r"(?:by\s+)?(?:the\s+)?end\s+(?:of\s+)?(?:the\s+)?(?P<rest>.+)", _FLAGS)
_MONTH_AND_NUMBER = re.compile(r"(?P<month>[a-z]{3,9})\.?\s+(?P<n>\d{2})", _FLAGS)


def _month_and_its_last_day(text: str) -> bool:
    """ "March 31", "Sept 30": a month and a number that is its last day, which after "end
    of" is the day the month ends, not a year (2031): too unsure to read."""
    m = _MONTH_AND_NUMBER.fullmatch(text.strip())
    if m is None or m["month"][:3].lower() not in _MONTH_NUMBER:
        return False
    month = _MONTH_NUMBER[m["month"][:3].lower()]
    return int(m["n"]) in {calendar.monthrange(2000 + y, month)[1] for y in (1, 4)}


# Phrases meaning "no fixed deadline", found anywhere in the text (when it holds no date).
_NO_DEADLINE_ANYWHERE = re.compile(
    r"\b(?:business\s+as\s+usual|bau|on[-\s]?going|tb[acd]"
    r"|to\s+be\s+(?:confirmed|agreed|decided|determined|advised)"
    r"|continu(?:ous|al)(?:ly)?|(?:bi-?|half[-\s]?|six[-\s]?)?(?:annually|yearly|monthly)"
    r"|quarterly|weekly|fortnightly|periodic(?:ally)?|throughout\s+the\s+year"
    r"|every\s+(?:week|month|quarter|year)|each\s+(?:week|month|quarter|year)"
    r"|in\s+line\s+with|as\s+(?:and\s+when\s+)?(?:required|needed|necessary|appropriate)"
    r"|when\s+(?:required|needed)|asap|as\s+soon\s+as\s+possible"
    r"|no\s+(?:fixed\s+)?(?:deadline|end\s+date|timescale))\b",
    _FLAGS,
)
# Phrases meaning "no fixed deadline" only when they are the whole cell ("current" inside a
# sentence - "review the current policy" - says nothing about timing).
_NO_DEADLINE_WHOLE = re.compile(
    r"(?:current(?:ly)?(?:\s+practi[cs]e)?|(?:already\s+)?in\s+place|continu(?:e|es|ed|ing)"
    r"|regular(?:ly)?|rolling|open[-\s]ended|annual|permanent|in\s+line\s+with\b.*)",
    _FLAGS,
)
# Written "not applicable": read as EMPTY.
_NOT_APPLICABLE = re.compile(r"n\s*/\s*a|n\.?\s?a\.?|not\s+applicable", _FLAGS)

# Shapes that are not dates, recognised only to say why in the note.
_NO_YEAR = "a day and month with no year; the year is not guessed"
_HINTS: tuple[tuple[str, str], ...] = (
    (
        r"\d+(?:\.\d+)?",
        "a number written as text is not read as an Excel date serial",
    ),
    (
        r"\d{2}\s*[/-]\s*\d{2}",
        "a day and month with no year, or a financial year short of digits (write 2023/24)",
    ),
    (rf"\d{{1,2}}{_ORDINAL}(?:\s*of)?[\s\-/.]*{_MON}", _NO_YEAR),
    (rf"{_MON}[\s\-/.]*\d{{1,2}}(?:st|nd|rd|th)", _NO_YEAR),
    (r"\d{1,2}[-/.]\d{1,2}", _NO_YEAR),
    (_MON, "a month with no year; the year is not guessed"),
    (
        r"q(?:uarter|tr)?\s*[1-4](?:\s*,?\s*\d{4})?",
        "a quarter needs its financial year (e.g. Q3 2023/24); it is not guessed",
    ),
    (
        r"h(?:alf)?\s*[12](?:\s*,?\s*\d{4})?",
        "a half year needs its financial year (e.g. H1 2025/26); it is not guessed",
    ),
)
# Inside longer text, a day and month with no year ("Event 4th October") and a month with a
# number that may be a day or a 2-digit year ("by Mar 31") are not read, but noted.
_INSIDE_HINTS: tuple[tuple[str, str], ...] = (
    (
        rf"{_BEFORE}{_NOT_A_LABELLED_MONTH}(?:\d{{1,2}}{_ORDINAL}(?:\s*of)?\s+{_MON}){_AFTER}",
        "is a day and month with no year",
    ),
    (
        rf"{_BEFORE}(?:{_MON}\s+\d{{1,2}}{_ORDINAL}){_AFTER}",
        "is a month and a day (or a 2-digit year?); not guessed",
    ),
)


def _match_whole(text: str) -> tuple[_Period | None, str | None]:
    """The period a whole cell text means, or (None, why-not) / (None, None) for no form."""
    for form in _FORMS:
        m = form.whole.fullmatch(text)
        if m:
            try:
                return form.build(m), None
            except _NotADate as exc:
                return None, f"{text!r}: {exc}"
    return None, None


@dataclass(frozen=True)
class _Found:
    """A date found inside longer text."""

    text: str
    position: int
    period: _Period | None  # None: it looked like a date but is not one
    is_start: bool = False
    problem: str | None = None


def _scan(text: str) -> list[_Found]:
    """Every date written inside ``text``, in reading order (earlier forms claim text first)."""
    taken = bytearray(len(text))  # 1 where an earlier form already read the character
    found: list[_Found] = []
    for form in _FORMS:
        if form.inside is None:
            continue
        for m in form.inside.finditer(text):
            begin, end = m.span()
            if any(taken[begin:end]):
                continue
            taken[begin:end] = b"\x01" * (end - begin)
            try:
                period = form.build(m)
            except _NotADate as exc:
                found.append(_Found(m[0], begin, None, problem=str(exc)))
                continue
            before = text[max(0, begin - _START_WINDOW) : begin]
            after = text[end : end + _START_WINDOW]
            is_start = bool(
                _compiled(_START_BEFORE).search(before) or _compiled(_START_AFTER).match(after)
            )
            found.append(_Found(m[0], begin, period, is_start))
    return sorted(found, key=lambda f: f.position)


# --------------------------------------------------------------------------------------------
# The public functions.
# --------------------------------------------------------------------------------------------


def excel_serial_to_date(serial: float) -> dt.date | None:
    """The day an Excel serial number (1900 date system) stands for, if in 1990-2100.

    Uses openpyxl's conversion, which knows Excel's 1900 leap-year bug. Serials for days
    outside 1990-2100 (including small numbers, negatives, NaN and infinities) give None.
    """
    if isinstance(serial, bool) or not isinstance(serial, numbers.Real):
        return None
    value = float(serial)
    if not math.isfinite(value) or value < 1:
        return None
    try:
        converted = from_excel(value)
    except (OverflowError, ValueError):
        return None
    if not isinstance(converted, dt.datetime):
        return None
    day = converted.date()
    return day if MIN_YEAR <= day.year <= MAX_YEAR else None


def parse_date(value: object) -> DateValue:
    """Read one due-date (or start-date) cell. Never raises for any cell value."""
    if isinstance(value, DateValue):
        return value
    if value is None:
        return _date_value(raw=None, text="", kind=DateKind.EMPTY)
    if isinstance(value, bool):
        return _unreadable(value, str(value), "a yes/no (true/false) cell is not a date")
    if isinstance(value, dt.datetime):
        return _parse_datetime(value)
    if isinstance(value, dt.date):
        return _parse_day(value, value, value.isoformat(), None)
    if isinstance(value, dt.time):
        return _unreadable(value, value.isoformat(), "a time of day with no date")
    if isinstance(value, numbers.Real):
        return _parse_number(value)
    if isinstance(value, str):
        return _parse_text(value)
    return _unreadable(value, str(value).strip(), f"a {type(value).__name__} value is not a date")


def parse_as_at(text: str) -> dt.date:
    """The as-at (reporting) date given on the command line: a single day.

    Accepts any EXACT form ("2023-12-18", "18/12/2023", "18 Dec 23", "18-Dec-2023"...).
    Raises ValueError with a message for the user otherwise ("March 2024" is a month, not a day).
    """
    example = "write a day such as 2023-12-18 or 18/12/2023"
    value = parse_date(text)
    if value.kind is DateKind.EMPTY:
        raise ValueError(f"no as-at date given; {example}")
    if value.kind is DateKind.UNREADABLE:
        # one sentence: the value once, then why (a cell's note names the value first too)
        why = (value.note or "").removeprefix(f"{value.text!r}: ")
        why = f": {why}" if why and why != value.text else ""
        raise ValueError(f"cannot read {value.text!r} as a date{why}; {example}")
    if value.kind is not DateKind.EXACT or value.date is None:
        raise ValueError(f"{value.text!r} reads as {value.describe()}, not a single day; {example}")
    found = _scan(_squeeze(value.text)) if value.embedded else []
    if len({f.period.end for f in found if f.period and not f.is_start}) > 1:
        raise ValueError(f"{value.text!r} holds several dates; {example}")
    return value.date


# --------------------------------------------------------------------------------------------
# parse_date, by type of cell.
# --------------------------------------------------------------------------------------------


def _check_date(kind: DateKind, date: dt.date | None) -> None:
    """Refuse a date value whose ``date`` does not go with its ``kind``: a deadline kind
    (and START) has one, no other kind has."""
    needs_date = kind in DEADLINE_KINDS or kind is DateKind.START
    if needs_date and date is None:
        raise ValueError(f"a {kind.value} date value needs a date")
    if not needs_date and date is not None:
        raise ValueError(f"a {kind.value} date value has no date")


def _date_value(
    *,
    raw: Any,
    text: str,
    kind: DateKind,
    date: dt.date | None = None,
    embedded: bool = False,
    note: str | None = None,
) -> DateValue:
    """What ``DateValue(...)`` makes, for the values the parsers here found (already of the
    fields' types: a ``dt.date``, never a datetime), made without a frozen dataclass's
    ``__init__`` (:func:`~edi_xl.core.unvalidated.made`; a refresh reads thousands of dates)
    and checked as its ``__post_init__`` checks it."""
    _check_date(kind, date)
    return made(DateValue, raw=raw, text=text, kind=kind, date=date, embedded=embedded, note=note)


def _unreadable(raw: object, text: str, note: str | None) -> DateValue:
    return _date_value(raw=raw, text=text, kind=DateKind.UNREADABLE, note=note)


def _parse_day(raw: object, day: dt.date, text: str, note: str | None) -> DateValue:
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        return _unreadable(raw, text, f"the year {day.year} is outside {MIN_YEAR}-{MAX_YEAR}")
    return _date_value(raw=raw, text=text, kind=DateKind.EXACT, date=day, note=note)


def _parse_datetime(value: dt.datetime) -> DateValue:
    if value != value:  # pandas NaT: an empty cell
        return _date_value(raw=value, text="", kind=DateKind.EMPTY)
    if value.time() == dt.time(0, 0):
        return _parse_day(value, value.date(), value.date().isoformat(), None)
    text = value.isoformat(sep=" ", timespec="seconds")
    return _parse_day(value, value.date(), text, "time of day ignored")


def _parse_number(value: numbers.Real) -> DateValue:
    number = float(value)
    if math.isnan(number):  # pandas reads an empty cell as NaN
        return _date_value(raw=value, text="", kind=DateKind.EMPTY)
    text = str(int(number)) if number.is_integer() else str(value)
    if not math.isfinite(number):
        return _unreadable(value, text, "not a finite number")
    if number.is_integer() and MIN_YEAR <= number <= MAX_YEAR:
        year = int(number)
        return _date_value(raw=value, text=text, kind=DateKind.YEAR, date=dt.date(year, 12, 31))
    day = excel_serial_to_date(number)
    if day is None:
        return _unreadable(
            value,
            text,
            f"the number {text} is neither a year ({MIN_YEAR}-{MAX_YEAR}) nor an Excel date "
            f"serial for a day in {MIN_YEAR}-{MAX_YEAR}",
        )
    return _parse_day(value, day, text, f"Excel date serial {text} read as {day.isoformat()}")


def _squeeze(text: str) -> str:
    """Whitespace (line breaks, non-breaking spaces) squeezed to single spaces."""
    return " ".join(text.split())


def _is_empty(text: str) -> bool:
    if all(c.isspace() or unicodedata.category(c).startswith("P") for c in text):
        return True
    return _NOT_APPLICABLE.fullmatch(text) is not None


@lru_cache(maxsize=4096)  # (an owner's name recurs on their every action)
def is_a_timescale(text: str) -> bool:
    """Is the whole of ``text`` a deadline or words of timing, and nothing else: "March 2024",
    "from January 2024", "Business as usual", "Ongoing", "TBC"? (An Action Owner cell holding
    one names no one: the Timescale's words in the Responsibility column.) Text holding such
    words beside a name or role ("Head of HR - ongoing", "Jim (TBC)") is not."""
    whole = _squeeze(text).rstrip(".,;:").strip()
    if _is_empty(whole):
        return False
    if _NO_DEADLINE_WHOLE.fullmatch(whole) or _NO_DEADLINE_ANYWHERE.fullmatch(whole):
        return True
    if not any(c.isdigit() for c in whole):
        return False  # (a date form has its year in digits: no date regex made for a name)
    if _match_whole(whole)[0] is not None:
        return True
    return any(
        (m := pattern.fullmatch(whole)) and _match_whole(m["rest"])[0] is not None
        for pattern in (_START_WHOLE_BEFORE, _START_WHOLE_AFTER)
    )


def _parse_text(raw: str) -> DateValue:
    text = raw.strip()
    squeezed = _squeeze(raw)
    if _is_empty(squeezed):
        return _date_value(raw=raw, text=text, kind=DateKind.EMPTY)
    whole = squeezed.rstrip(".,;:").strip()

    # 1. The whole cell is one date form.
    period, problem = _match_whole(whole)
    if problem:
        return _unreadable(raw, text, problem)
    if period:
        return _date_value(
            raw=raw, text=text, kind=period.kind, date=period.end, note=_join(period.notes)
        )

    # 2. The whole cell is a start: "from January 2024", "December 2020 onwards".
    for pattern in (_START_WHOLE_BEFORE, _START_WHOLE_AFTER):
        m = pattern.fullmatch(whole)
        if m:
            period, problem = _match_whole(m["rest"])
            if problem:
                return _unreadable(raw, text, problem)
            if period:
                return _date_value(
                    raw=raw,
                    text=text,
                    kind=DateKind.START,
                    date=period.start,
                    note=_join(period.notes),
                )

    # 3. The whole cell is a no-deadline phrase.
    if _NO_DEADLINE_WHOLE.fullmatch(whole) or _NO_DEADLINE_ANYWHERE.fullmatch(whole):
        return _date_value(raw=raw, text=text, kind=DateKind.NO_DEADLINE)

    # 4. Dates inside longer text (or a list of months: "Jun 25 / Dec 25").
    found = _month_list(whole) or _scan(squeezed)
    result = _from_found(raw, text, squeezed, found)
    if result is not None:
        return result

    # 4b. The end of one date form, the whole cell: "End of March 25", "by end Mar 25". Inside
    # text a month and a number after a space are not read ("by Mar 31": the day?), but the end
    # of a month is no day of it: the number is its year, as in "March 25" alone.
    m = _END_OF.fullmatch(whole)
    if m and not _month_and_its_last_day(m["rest"]):
        period, problem = _match_whole(m["rest"])
        if period:
            return _date_value(
                raw=raw,
                text=text,
                kind=period.kind,
                date=period.end,
                embedded=True,  # (as "End of March 2025", read in step 4)
                note=_join(period.notes),
            )

    # 5. A no-deadline phrase inside longer text, and no date.
    phrase = _NO_DEADLINE_ANYWHERE.search(squeezed)
    if phrase:
        return _date_value(
            raw=raw,
            text=text,
            kind=DateKind.NO_DEADLINE,
            note=f"no date in the text; {phrase[0]!r} read as no fixed deadline",
        )

    # 6. Unreadable: say why when the shape is recognisable.
    problems = [f"{f.text!r}: {f.problem}" for f in found if f.problem]
    if problems:
        return _unreadable(raw, text, "; ".join(problems))
    for hint, why in _HINTS:
        if _compiled(hint).fullmatch(whole):
            return _unreadable(raw, text, why)
    for hint, why in _INSIDE_HINTS:
        inside = _compiled(hint).search(squeezed)
        if inside:
            return _unreadable(raw, text, f"{inside[0]!r} {why}")
    return _unreadable(raw, text, None)


def _from_found(raw: str, text: str, squeezed: str, found: list[_Found]) -> DateValue | None:
    """The DateValue for the dates found inside longer text, or None when there are none.

    The latest deadline wins (noted when the text holds several); with only starts ("from
    September 2023"), it is a START at the earliest of them.
    """
    deadlines = [(f, f.period) for f in found if f.period is not None and not f.is_start]
    starts = [(f, f.period) for f in found if f.period is not None and f.is_start]
    notes: list[str] = []
    if deadlines:
        _, chosen = max(deadlines, key=lambda pair: pair[1].end)
        kind, day = chosen.kind, chosen.end
        ends = sorted({period.end for _, period in deadlines})
        if len(ends) > 1:
            listed = ", ".join(d.isoformat() for d in ends)
            notes.append(
                f"several dates in the text ({listed}); the latest ({day.isoformat()}) "
                "is taken as the deadline"
            )
        if starts:
            ignored = ", ".join(repr(f.text) for f, _ in starts)
            notes.append(f"start date in the text ignored: {ignored}")
        phrase = _NO_DEADLINE_ANYWHERE.search(squeezed)
        if phrase:
            notes.append(f"the text also says {phrase[0]!r}; the date is taken")
    elif starts:
        _, chosen = min(starts, key=lambda pair: pair[1].start)
        kind, day = DateKind.START, chosen.start
        if len({period.start for _, period in starts}) > 1:
            notes.append(
                f"several start dates in the text; the earliest ({day.isoformat()}) is taken"
            )
    else:
        return None
    notes[:0] = chosen.notes
    notes.extend(f"{f.text!r} ignored: {f.problem}" for f in found if f.problem)
    return _date_value(raw=raw, text=text, kind=kind, date=day, embedded=True, note=_join(notes))


def _join(notes: tuple[str, ...] | list[str]) -> str | None:
    return "; ".join(notes) if notes else None
