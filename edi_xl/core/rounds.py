"""Reporting rounds: the "Update as at <date>" column of each round, and the clock.

A round is a reporting date: HR ask every owner for an update "as at" it, and the plan gets a
column "Update as at 18 Dec 23" for it. These are the only functions that make or read that
header, and :func:`today` is the only place edi_xl reads the clock for an as-at date (the
doors call it when no date is given and the master has none).
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta

from edi_xl.core.dates import DateKind, parse_date, short_date_short_year

#: How the Change Log's Source names the lines a new round's start wrote ("round started as
#: at 18 Mar 2024").
ROUND_STARTED = "round started as at "

_UPDATE_AS_AT = re.compile(r"^(?:progress\s+)?update[sd]?\s+(?:as\s+(?:at|of)|at|for|on)\s+(.+)$")


def is_update_header(text: str) -> bool:
    """Is this an "Update as at ..." header (without reading its date)?"""
    return bool(_UPDATE_AS_AT.match(" ".join(text.split()).lower()))


def today() -> date:
    return date.today()  # the only place edi_xl reads the clock for an as-at date


def update_header_date(text: object) -> tuple[bool, date | None]:
    """Is this an "Update as at <date>" header, and which date does it carry?"""
    part = _as_at_part(text)
    return (False, None) if part is None else (True, _day_or_month(part))


def _as_at_part(text: object) -> str | None:
    """What follows "Update as at" in a header, as written (None: no such header)."""
    if text is None:
        return None
    raw = " ".join(str(text).split())
    m = _UPDATE_AS_AT.match(raw.lower())
    return raw[m.start(1) :] if m else None


def _day_or_month(text: str) -> date | None:
    """The date ``text`` reads as, when it names a day or a month (not a quarter, a year)."""
    parsed = parse_date(text)
    return parsed.date if parsed.kind in (DateKind.EXACT, DateKind.MONTH) else None


#: An update column headed with the day or month it was written for and no "as at", as an
#: owner's own sheet heads it: "Update Dec 23", "Progress December 2023", "Update 18/12/2023";
#: with a colon, a dash, a comma or a slash after "Update", "Progress update" or "Status
#: update" alone, "Update: December 2023", "Update - Dec 23", "Update, Dec 23", "Status
#: update / Dec 23"; or the date first, "Dec 23 update". (Not "Updated: 18/12/2023", a
#: column of dates, nor "Progress - Dec 23", "Dec 23 progress", a RAG: helper-150.)
_UPDATE_ONLY = r"(?:(?:progress|status)\s+update|updates?)"
_UPDATE_DATED = (
    re.compile(r"^(?:(?:progress|status)\s+update|update[sd]?|progress)\s+(.+)$"),
    re.compile(rf"^{_UPDATE_ONLY}\s*[:\u2013\u2014,/-]\s*(.+)$"),
    re.compile(rf"^(.+?)(?:\s*[:\u2013\u2014-])?\s+{_UPDATE_ONLY}$"),
)
#: ... where the rest is a date alone: a month and year ("Dec 23", "December 2023", "Dec-23",
#: "Dec '23"), the same after a day ("18 Dec 23"), or a day, month and year in figures
#: ("18/12/2023", "2023-12-18").
_DATE_ALONE = re.compile(
    r"^(?:\d{1,2}(?:st|nd|rd|th)?[\s/.-]+)?[a-z]{3,9}\.?[\s'/.-]*(?:\d{2}|\d{4})$"
    r"|^\d{1,2}[/.-]\d{1,2}[/.-](?:\d{2}|\d{4})$"
    r"|^\d{4}-\d{2}-\d{2}$"
)
#: ... or a quarter of an NHS financial year with its year, as the NHS heads a quarter's
#: column ("Q3 2023/24", "Q3 23/24", "Quarter 3 2023-24", "2023/24 Q3"): the quarter's end.
_QUARTER_ALONE = re.compile(
    r"^(?:(?:q|quarter\s*)[1-4][\s,]*(?:fy\s*)?\d{2}(?:\d{2})?[/-]\d{2}(?:\d{2})?"
    r"|(?:fy\s*)?\d{2}(?:\d{2})?[/-]\d{2}(?:\d{2})?[\s,]*(?:q|quarter\s*)[1-4])$"
)
#: A month and two figures ("Sep 30"): a year ("Sep 23") or a day.
_MONTH_AND_TWO = re.compile(r"^([a-z]{3,9})\.?[\s'/.-]*(\d{2})$")
#: How long after a round's date a column headed with a day may still be that round's.
_AFTER_THE_ROUND = timedelta(days=45)


def dated_update_date(text: object, near: date | None = None) -> date | None:
    """The date of a column headed as an update with a date alone and no "as at" ("Update
    Dec 23": 31 Dec 2023; "Progress 18 Dec 23": 18 Dec 2023; "Update: December 2023", "Dec
    23 update", "Update 2023-12-18"; a financial year's quarter, at its end: "Update Q3
    2023/24", 31 Dec 2023), or None for any other header ("Update as at ...", which
    :func:`update_header_date` reads; "Update (Dec 2023)"; "Update Mar 24 board"; "Q3
    update", no year; "Progress").

    A month and two figures are a year ("Dec 23") or a day ("Sep 30", "Mar 31", at a quarter's
    end): ``near`` (the round's date) tells which. They are a year when it is within a year of
    ``near``'s, else a day of that month, in the latest year that puts it no more than 45 days
    after ``near``; with no ``near``, a year. edi_xl reads such a column as the update only in
    an owner's return without a record of its sending, as its one update column
    (:mod:`edi_xl.flows.intake`)."""
    if not isinstance(text, str):
        return None
    header = " ".join(text.split()).lower()
    for form in _UPDATE_DATED:
        m = form.match(header)
        if m and _DATE_ALONE.match(part := m.group(1)):
            return _near_the_round(part, _day_or_month(part), near)
        if m and _QUARTER_ALONE.match(part):
            parsed = parse_date(part)
            return parsed.date if parsed.kind is DateKind.QUARTER else None
    return None


def _near_the_round(text: str, read: date | None, near: date | None) -> date | None:
    """``read``, the date ``text`` was read as, or, when ``text`` is a month and two figures
    read as a year far from ``near``'s ("Sep 30": 2030), day 30 of that month near ``near``
    (:func:`dated_update_date`)."""
    two = _MONTH_AND_TWO.match(text)
    if near is None or read is None or not two or abs(read.year - near.year) <= 1:
        return read
    day, month = int(two.group(2)), read.month
    candidates = [
        date(year, month, day)
        for year in (near.year - 1, near.year, near.year + 1)
        if 1 <= day <= monthrange(year, month)[1]  # (no such day: "Feb 30")
    ]
    # (the latest not well after the round: a column is written for a round, or a little
    # after its date, "Update Mar 31" in a round of 20 Mar; else the nearest)
    written = [d for d in candidates if d <= near + _AFTER_THE_ROUND]
    if written:
        return max(written)
    return min(candidates, key=lambda d: abs(d - near)) if candidates else None


def update_column_date(header: str | None, near: date | None = None) -> date | None:
    """The date an owner's update column is headed with: "Update as at <date>"
    (:func:`update_header_date`), or a date alone after "Update" (:func:`dated_update_date`);
    a month and two figures read near ``near``, the round's date, as a year or a day ("Update
    as at Sep 30" in the round of 18 Dec 23: 30 Sep 2023, not 2030)."""
    part = _as_at_part(header)
    if part is not None:
        return _near_the_round(part.lower(), _day_or_month(part), near)
    return dated_update_date(header, near)


#: How long before a round a column's date may be of that round: the quarter or month just
#: ended, collected up to two months after its end (a quarter's round before it is no
#: nearer than 90 days).
_BEFORE_THE_ROUND = timedelta(days=62)


def written_for_the_round(dated: date, as_at: date, rounds: Iterable[date]) -> bool:
    """Whether an owner's update column dated ``dated`` (before the round at ``as_at``) was
    written for that round, not for an earlier one of the master's ``rounds``: dated within
    two months before ``as_at``, and more than 45 days after the last round before it (a
    reply to that round is often dated a little after it, "Update Oct 23" to the round of
    18 Sep). The quarter or month a round collects after its end ("Update Q3 2023/24", 31
    Dec, in the round of 10 Jan) is so written; last quarter's form ("Update as at 18 Sep
    23" in the round of 18 Dec, the master's first) and an older one ("Update Dec 23" in
    June) are not (helper-161)."""
    last = max((r for r in rounds if r < as_at), default=None)
    recent = dated >= as_at - _BEFORE_THE_ROUND
    return recent and (last is None or dated > last + _AFTER_THE_ROUND)


def the_rounds_column(
    dates: Sequence[date | None], filled: Sequence[bool], picked: int, as_at: date
) -> int | None:
    """Which of an owner's dated update columns holds the round's update, when the one taken
    without the round's date (``picked``: the latest, :func:`latest_round`) is not it: the
    position of the column to take instead, or None to keep ``picked``. ``dates``: each
    column's date, read near ``as_at`` (:func:`update_column_date`); ``filled``: whether it
    holds any text.

    A form headed for the year ahead ("Update as at 18 Sep 23" ... "Update as at 18 Jun 24",
    filled one quarter at a time) holds the round's words in the column of the round's month
    (the latest such), when it holds any; else in one written a little after the round's
    date (up to 45 days: "Update as at 10 Jan 24", a late answer, helper-147), the latest;
    else the round's month's column, empty, is the update (words in a later round's column
    are then said, not taken). A form with no column of the round's month whose column taken
    is headed more than 45 days ahead and holds nothing: the latest that holds text, ahead
    (the owner's answer, as one such column alone is taken), else before the round."""
    taken = dates[picked]
    if taken is None or _in_month(taken, as_at):
        return None
    window = as_at + _AFTER_THE_ROUND
    month = _latest(dates, lambda i, d: _in_month(d, as_at))
    late = _latest(dates, lambda i, d: filled[i] and as_at < d <= window)
    if month is not None and filled[month]:
        found: int | None = month
    elif late is not None or month is not None:
        found = late if late is not None else month
    elif taken <= window or filled[picked]:
        return None
    else:
        found = _latest(dates, lambda i, d: filled[i] and d > window)
        if found is None:
            found = _latest(dates, lambda i, d: filled[i])
    return None if found == picked else found


def _in_month(d: date, as_at: date) -> bool:
    return (d.year, d.month) == (as_at.year, as_at.month)


def _latest(dates: Sequence[date | None], wanted: Callable[[int, date], bool]) -> int | None:
    """The position of the latest dated column ``wanted(position, date)`` says yes to (of
    two of one date, the one further right), or None."""
    found = [(d, i) for i, d in enumerate(dates) if d is not None and wanted(i, d)]
    return max(found)[1] if found else None


def update_header(as_at: date) -> str:
    """The header text for a round's update column: "Update as at 18 Dec 23"."""
    return f"Update as at {short_date_short_year(as_at)}"


def undated_in_round(
    headers: Sequence[str], written: Iterable[Iterable[str]], as_at: date
) -> dict[str, str]:
    """The update columns of a plan read from elsewhere that a new master keeps as the round's
    "Update as at <as-at>" column: header -> that header.

    A source's update column dated nowhere ("Update", "Progress", "Progress update Q2": no
    round's date reads in it) holds the updates of the round it is imported in, as
    ``import --into`` takes them (helper-96: the new master kept "Progress", so the round's
    next import made a second column for the same round). ``written`` is, per action, the
    headers its updates have text under: when one action has text in two of these columns
    (two undated ones, or one beside the round's own), they are not one round's and every
    column keeps its header (nothing is written over)."""
    round_header = update_header(as_at)
    undated = [h for h in headers if not _names_a_date(h)]
    if not undated:
        return {}
    together = {*undated, round_header}
    if any(len(together.intersection(row)) > 1 for row in written):
        return {}
    return {h: round_header for h in undated}


def _names_a_date(header: str) -> bool:
    """Whether an update column's header names when it was written: "Update as at 18 Sep
    23", and also "Update (June 2023)", "Progress at 30 Sep 2023", "2022/23 progress" (a
    date read anywhere in it). Such a column is that date's, never the round's."""
    if update_header_date(header)[1] is not None:
        return True
    found = parse_date(header)
    return found.date is not None


# --- which round is which: the one set of answers every room asks ---------------------------


def dated_rounds(headers: Iterable[str]) -> list[tuple[date, str]]:
    """The "Update as at <date>" headers whose date reads, with it, oldest first."""
    return sorted({(d, h) for h in headers if (d := update_header_date(h)[1]) is not None})


def rounds_before(headers: Iterable[str], as_at: date) -> list[date]:
    """The dates of the rounds before ``as_at``, oldest first (each date once)."""
    return sorted({d for d, _ in dated_rounds(headers) if d < as_at})


def latest_round(dates: Sequence[date | None], *, before: date | None = None) -> int | None:
    """Which of a row of update columns is the latest round, given their dates in column order
    (None: a column whose header carries no date): its position, or None when there is none.

    The latest dated column (only those dated before ``before``, when given); of two with the
    same date, the one further right. Undated columns count as older than any dated one: the
    rightmost of them is the latest only when no dated column qualifies.
    """
    eligible = [
        (d or date.min, i) for i, d in enumerate(dates) if d is None or before is None or d < before
    ]
    return max(eligible)[1] if eligible else None


def current_round(headers: list[str], as_at: date) -> str | None:
    """The header of the update column for the round at ``as_at``: the latest dated column on
    or before the as-at date (None before the first round); when no column is dated, the
    last update column."""
    dates = [update_header_date(h)[1] for h in headers]
    if any(dates) and not any(d is not None and d <= as_at for d in dates):
        return None  # before the first round
    i = latest_round(dates, before=as_at + timedelta(days=1))  # on or before as_at
    return headers[i] if i is not None else None
