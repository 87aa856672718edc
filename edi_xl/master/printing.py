"""Print setup: landscape A4, one page wide (never tiny), header rows on every page, footer."""

from __future__ import annotations

from datetime import date

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from edi_xl.core.dates import long_date

#: The smallest print scale (percent) edi_xl lets "one page wide" shrink a sheet to: below it,
#: text is too small to read, so a wider sheet prints at this scale over more pages across.
MIN_SCALE = 50
#: Printable width of landscape A4 inside the margins below, in points.
_A4_LANDSCAPE_WIDTH = 841.9
#: Height of landscape A4, in points.
PAGE_POINTS = 595.3
_SIDE_MARGIN = 0.4  # inches
_DEFAULT_WIDTH = 8.43


def footer_text(as_at: date) -> str:
    return f"As at {long_date(as_at)}"


def printed_width(ws: Worksheet) -> float:
    """The width of the sheet's used columns at 100%, in points: Excel gives a character 7
    pixels at 96 dpi plus 5 pixels a column; LibreOffice about a sixth more, which is what
    is counted here, so that the estimate holds in both."""
    total = 0.0
    for col in range(1, ws.max_column + 1):
        dim = ws.column_dimensions.get(get_column_letter(col))
        if dim is not None and dim.hidden:
            continue
        width = dim.width if dim is not None and dim.width else _DEFAULT_WIDTH
        total += (width * 8.2 + 5) * 0.75
    return total


def fit_scale(ws: Worksheet) -> int:
    """The scale (percent) that fits the used columns of ``ws`` on one landscape A4 page."""
    usable = _A4_LANDSCAPE_WIDTH - 2 * _SIDE_MARGIN * 72
    return max(10, min(100, int(100 * usable / max(printed_width(ws), 1.0))))


def fit_to_width(
    ws: Worksheet,
    *,
    header_row: int | None = None,
    title_rows: str | None = None,
    min_scale: int | None = MIN_SCALE,
) -> None:
    """Landscape A4, one page wide and as many tall as it takes, unless that would shrink the
    text below ``min_scale`` (None: always one page wide): then at that scale, over more pages
    across. ``header_row``
    (or the rows ``title_rows``, "1:4") is printed at the top of every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_margins = PageMargins(
        left=_SIDE_MARGIN, right=_SIDE_MARGIN, top=0.6, bottom=0.6, header=0.3, footer=0.3
    )
    if ws.sheet_properties.pageSetUpPr is None:
        ws.sheet_properties.pageSetUpPr = PageSetupProperties()
    if min_scale is None or fit_scale(ws) >= min_scale:
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.page_setup.scale = None
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    else:
        ws.sheet_properties.pageSetUpPr.fitToPage = False
        ws.page_setup.fitToWidth = None
        ws.page_setup.fitToHeight = None
        ws.page_setup.scale = min_scale
    if title_rows:
        ws.print_title_rows = title_rows
    elif header_row:
        ws.print_title_rows = f"{header_row}:{header_row}"


def apply_print_setup(
    ws: Worksheet,
    *,
    header_row: int | None,
    as_at: date,
    title_rows: str | None = None,
    min_scale: int | None = MIN_SCALE,
) -> None:
    """Fit to width (repeating ``header_row``, or ``title_rows``, on every page) and the as-at /
    page / sheet footer."""
    fit_to_width(ws, header_row=header_row, title_rows=title_rows, min_scale=min_scale)
    ws.oddFooter.left.text = footer_text(as_at)
    ws.oddFooter.center.text = "Page &P of &N"
    ws.oddFooter.right.text = "&A"
    ws.evenFooter.left.text = ws.oddFooter.left.text
    ws.evenFooter.center.text = ws.oddFooter.center.text
    ws.evenFooter.right.text = ws.oddFooter.right.text
