"""Print setup: landscape A4, one page wide, header row on every page, as-at footer."""

from __future__ import annotations

from datetime import date

from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet


def footer_text(as_at: date) -> str:
    return f"As at {as_at.day} {as_at:%B %Y}"


def fit_to_width(ws: Worksheet, *, header_row: int | None = None) -> None:
    """Landscape A4, one page wide, as many pages tall as it takes, header on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    if ws.sheet_properties.pageSetUpPr is None:
        ws.sheet_properties.pageSetUpPr = PageSetupProperties()
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if header_row:
        ws.print_title_rows = f"{header_row}:{header_row}"


def apply_print_setup(ws: Worksheet, *, header_row: int | None, as_at: date) -> None:
    """Fit to width (repeating ``header_row`` on every page) and the as-at / page / sheet
    footer."""
    fit_to_width(ws, header_row=header_row)
    ws.oddFooter.left.text = footer_text(as_at)
    ws.oddFooter.center.text = "Page &P of &N"
    ws.oddFooter.right.text = "&A"
    ws.evenFooter.left.text = ws.oddFooter.left.text
    ws.evenFooter.center.text = ws.oddFooter.center.text
    ws.evenFooter.right.text = ws.oddFooter.right.text
