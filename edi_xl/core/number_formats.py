"""A number or a date as its cell showed it, written as text.

An owner who types "50%" in a return's update cell gets the number 0.5 shown with the
format ``0%``; "£1,200" is 1200 shown with ``"£"#,##0``; "15/03/2026" a date. Text taken from
such a cell (the master's update holds text) is what the owner saw: "50%", "£1,200", not
"0.5" or "1200". The usual formats are shown as Excel shows them: percentages, decimals,
thousands separators, currency symbols and words in quotes, a section for negative numbers.
A date is written in edi_xl's own way ("15 Mar 2026", as its messages and tables write
dates): the format Excel gives a typed date (``mm-dd-yy``, number 14) is shown in the
computer's own date order, which the file does not record. What is not shown so (fractions,
scientific notation, a format for text) is written as the number itself.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from edi_xl.core.dates import month_year, short_date

__all__ = ["as_shown"]

_PLACES = "0#?"
#: The most decimals written (a float's repr has at most 17 significant digits).
_MOST_DECIMALS = 15


def as_shown(value: Any, number_format: str | None) -> Any:
    """``value`` as its cell showed it with ``number_format`` (text), for a number or a date;
    any other value, and a number with no format or one not shown so, as it is."""
    if isinstance(value, dt.datetime | dt.date):
        if number_format and _month_and_year_only(number_format):
            return month_year(value)  # "Mar-26" (mmm-yy) typed: March 2026, not 1 Mar 2026
        return _date_shown(value)
    if not number_format or isinstance(value, bool) or not isinstance(value, int | float):
        return value
    shown = _number_shown(value, number_format)
    return value if shown is None else shown


def _month_and_year_only(number_format: str) -> bool:
    """Whether a date format shows a month and a year but no day ("mmm-yy", "mmmm yyyy")."""
    codes = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", number_format.split(";")[0]).lower()
    return "m" in codes and "y" in codes and not any(c in codes for c in "dhs")


def _date_shown(value: dt.date) -> str:
    """A date as edi_xl writes one ("15 Mar 2026"), with its time when it has one."""
    if isinstance(value, dt.datetime):
        day = short_date(value.date())
        return f"{day} {value:%H:%M}" if value.time() != dt.time() else day
    return short_date(value)


def _sections(number_format: str) -> list[str]:
    """The sections of a format ("positive;negative;zero;text"), split outside quotes."""
    sections: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in number_format:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == ";" and not quoted:
            sections.append("".join(current))
            current = []
            continue
        current.append(char)
    sections.append("".join(current))
    return sections


def _number_shown(value: float, number_format: str) -> str | None:
    sections = _sections(number_format)
    if value < 0 and len(sections) > 1 and sections[1]:
        section, sign, value = sections[1], "", -value  # its own minus or brackets
    elif value == 0 and len(sections) > 2 and sections[2]:
        section, sign = sections[2], ""
    else:
        section, sign = sections[0], "-" if value < 0 else ""
        value = abs(value)
    pieces = _pieces(section)
    if pieces is None:
        return None
    places = "".join(p for kind, p in pieces if kind == "place")
    if not places:  # only words ("Nil" for zero)
        return "".join(p for kind, p in pieces if kind == "text")
    percent = sum(p.count("%") for kind, p in pieces if kind == "text")
    number = Decimal(repr(float(value))) * (100**percent)
    whole, _, decimals = places.partition(".")
    digits = sum(decimals.count(ch) for ch in _PLACES)
    # never fewer decimals than the number has: a format that rounds (2.5 under "0" shows 3,
    # 0.125 under "0%" 13%) would cut what the owner typed; the format's style is kept
    exponent = int(number.normalize().as_tuple().exponent)
    digits = max(digits, min(-exponent, _MOST_DECIMALS))
    rounded = number.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    text = f"{rounded:,.{digits}f}" if "," in whole.strip(",") else f"{rounded:.{digits}f}"
    if "0" not in whole and text.startswith("0") and digits:
        text = text[1:]  # "#.##": no 0 before the point
    if digits and "0" not in decimals:  # "#.##": trailing zeros not shown
        text = text.rstrip("0").rstrip(".")
    out, placed = [], False
    for kind, piece in pieces:
        if kind == "text":
            out.append(piece)
        elif not placed:
            out.append(text)
            placed = True
    return sign + "".join(out)


def _pieces(section: str) -> list[tuple[str, str]] | None:
    """A section as ("text", words) and ("place", digit placeholders) pieces; None for what
    is not shown here (a date or time, fractions, scientific notation, text, General)."""
    if "general" in section.lower():
        return None
    pieces: list[tuple[str, str]] = []
    i = 0
    while i < len(section):
        char = section[i]
        if char == '"':
            end = section.find('"', i + 1)
            end = len(section) if end < 0 else end
            pieces.append(("text", section[i + 1 : end]))
            i = end + 1
            continue
        if char == "\\" and i + 1 < len(section):
            pieces.append(("text", section[i + 1]))
            i += 2
            continue
        if char == "_" and i + 1 < len(section):  # room for a character: a space
            pieces.append(("text", " "))
            i += 2
            continue
        if char == "*" and i + 1 < len(section):  # a character repeated to fill the cell
            i += 2
            continue
        if char == "[":
            end = section.find("]", i)
            end = len(section) if end < 0 else end
            inside = section[i + 1 : end]
            if inside.startswith("$"):  # a currency: [$£-809], [$€-x-euro2]
                pieces.append(("text", inside[1:].split("-", 1)[0]))
            elif inside[:1].lower() in ("h", "m", "s"):  # elapsed time: [h]:mm
                return None
            i = end + 1
            continue
        if char in _PLACES or char in ".,":
            if pieces and pieces[-1][0] == "place":
                pieces[-1] = ("place", pieces[-1][1] + char)
            elif char == "," and not any(kind == "place" for kind, _ in pieces):
                pieces.append(("text", char))
            else:
                pieces.append(("place", char))
            i += 1
            continue
        if char.lower() in "edmyhs/@" or section[i:].lower().startswith(("am/", "a/")):
            return None  # scientific, a date or time, a fraction, text
        pieces.append(("text", char))
        i += 1
    if sum(kind == "place" for kind, _ in pieces) > 1:
        return None  # digits in two places (a fraction's "# ?/?", a phone number's parts)
    return pieces
