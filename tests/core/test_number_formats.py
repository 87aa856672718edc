"""edi_xl.core.number_formats: a number or a date as its cell showed it."""

from __future__ import annotations

import datetime as dt

import pytest

from edi_xl.core.number_formats import as_shown


@pytest.mark.parametrize(
    ("value", "number_format", "shown"),
    [
        (0.5, "0%", "50%"),
        (0.755, "0.0%", "75.5%"),
        (-0.1, "0%", "-10%"),
        (1200, '"£"#,##0', "£1,200"),
        (1200, "[$£-809]#,##0.00", "£1,200.00"),
        (-1200, '"£"#,##0;[Red]\\-"£"#,##0', "-£1,200"),
        (-1200, "#,##0_);(#,##0)", "(1,200)"),
        (1234567.891, "#,##0.00", "1,234,567.891"),  # never rounded: what was typed
        (3, "0.0", "3.0"),
        (2.5, "0", "2.5"),  # Excel shows 3: the owner typed 2.5 (helper-73)
        (0.125, "0%", "12.5%"),
        (1.5, "0", "1.5"),
        (3, "0", "3"),
        (12, '0 "staff"', "12 staff"),
        (0, '0;-0;"Nil"', "Nil"),
        (1200, "General", 1200),  # as it is: written as a number would be
        (0.5, "0.00E+00", 0.5),  # scientific: not shown so
        (0.5, "# ?/?", 0.5),  # a fraction: not shown so
        (0.5, None, 0.5),
        ("50%", "0%", "50%"),  # text: as it is
        (True, "0%", True),
        (dt.datetime(2026, 3, 15), "dd/mm/yyyy", "15 Mar 2026"),
        (dt.datetime(2026, 3, 15), None, "15 Mar 2026"),  # a date read with no format
        (dt.datetime(2026, 3, 15, 14, 30), "dd/mm/yyyy hh:mm", "15 Mar 2026 14:30"),
        (dt.date(2026, 3, 15), "mm-dd-yy", "15 Mar 2026"),
        (dt.datetime(2026, 3, 1), "mmm-yy", "March 2026"),  # "Mar-26" typed (helper-73)
        (dt.datetime(2026, 3, 1), "mmmm yyyy", "March 2026"),
        (dt.datetime(2026, 3, 1), "[$-809]mmm-yy;@", "March 2026"),
    ],
)
def test_as_shown(value, number_format, shown):
    assert as_shown(value, number_format) == shown
