"""Reporting rounds: the "Update as at <date>" column of each round, and the clock.

A round is a reporting date: HR ask every owner for an update "as at" it, and the plan gets a
column "Update as at 18 Dec 23" for it. These are the only functions that make or read that
header, and :func:`today` is the only place edi_xl reads the clock for an as-at date (the
doors call it when no date is given and the master has none).
"""

from __future__ import annotations

import re
from datetime import date

from edi_xl.core.dates import DateKind, parse_date, short_date_short_year

_UPDATE_AS_AT = re.compile(r"^(?:progress\s+)?update[sd]?\s+(?:as\s+(?:at|of)|at|for|on)\s+(.+)$")


def is_update_header(text: str) -> bool:
    """Is this an "Update as at ..." header (without reading its date)?"""
    return bool(_UPDATE_AS_AT.match(" ".join(text.split()).lower()))


def today() -> date:
    return date.today()  # the only place edi_xl reads the clock for an as-at date


def update_header_date(text: object) -> tuple[bool, date | None]:
    """Is this an "Update as at <date>" header, and which date does it carry?"""
    if text is None:
        return False, None
    raw = " ".join(str(text).split())
    m = _UPDATE_AS_AT.match(raw.lower())
    if not m:
        return False, None
    parsed = parse_date(raw[m.start(1) :])
    if parsed.kind is DateKind.EXACT or parsed.kind is DateKind.MONTH:
        return True, parsed.date
    return True, None


def update_header(as_at: date) -> str:
    """The header text for a round's update column: "Update as at 18 Dec 23"."""
    return f"Update as at {short_date_short_year(as_at)}"
