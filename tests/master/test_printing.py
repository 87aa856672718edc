"""Print setup (edi_xl/master/printing.py): the paper and pages across a sheet's width needs."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pytest
from conftest import rewrite_part, spanned_columns
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from edi_xl.master.printing import (
    MIN_SCALE,
    apply_print_setup,
    choose_paper,
    fit_scale,
    printed_width,
)

A4, A3 = 9, 8


def sheet(widths: list[float]) -> Worksheet:
    ws = Workbook().active
    assert ws is not None
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
        ws.cell(1, col, "x")
    return ws


# The demo plan's columns without its update columns, then with 1 to 5 of them (40 wide).
FIXED = [6, 15, 42, 16, 15, 20, 12, 12, 20, 9, 9, 26]


@pytest.mark.parametrize(
    ("updates", "paper", "across"), [(1, A4, 1), (2, A3, 1), (3, A3, 1), (4, A4, 2), (6, A4, 2)]
)
def test_the_paper_follows_the_width(updates: int, paper: int, across: int) -> None:
    ws = sheet(FIXED + [40] * updates)
    chosen = choose_paper(ws)
    assert (chosen.size, chosen.pages_across) == (paper, across)
    assert chosen.scale >= MIN_SCALE
    apply_print_setup(ws, header_row=1, as_at=date(2024, 3, 18))
    assert int(ws.page_setup.paperSize) == paper and ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == across and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.scale is None  # the scale follows from the paper and pages across


def test_no_minimum_means_one_a4_page_wide() -> None:
    ws = sheet(FIXED + [40] * 6)
    chosen = choose_paper(ws, None)
    assert (chosen.size, chosen.pages_across) == (A4, 1)
    assert chosen.scale == fit_scale(ws) < MIN_SCALE


def test_fewest_pages_across_that_keep_the_scale() -> None:
    ws = sheet([60] * 30)  # far wider than any plan
    chosen = choose_paper(ws)
    assert chosen.scale >= MIN_SCALE
    assert fit_scale(ws, pages=chosen.pages_across - 1) < MIN_SCALE


def test_columns_saved_in_spans_are_as_wide_on_paper(tmp_path: Path) -> None:
    """Excel and LibreOffice save neighbouring columns alike as one span: the sheet is as
    wide on paper read either way, a hidden span left out as a hidden column is."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for col, width in enumerate([10, 30, 30, 30, 12, 12], start=1):
        ws.cell(1, col, "x")
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.column_dimensions["E"].hidden = ws.column_dimensions["F"].hidden = True
    path = tmp_path / "plan.xlsx"
    wb.save(path)
    single = printed_width(load_workbook(path).active)
    with zipfile.ZipFile(path) as zf:
        part = next(n for n in zf.namelist() if n.endswith("sheet1.xml"))
    rewrite_part(path, part, spanned_columns)
    with zipfile.ZipFile(path) as zf:
        assert zf.read(part).count(b"<col ") == 3  # (A; B to D; E and F)
    assert printed_width(load_workbook(path).active) == single


@pytest.mark.parametrize(
    ("area", "after"),
    [
        ("A1:J40", "$A$1:$K$40"),  # up to the last round: takes the new one
        ("A1:E40", "$A$1:$E$40"),  # a part of the plan: left as the trust set it
        ("A1:M40", "$A$1:$N$40"),  # past the last round: moved along, as Excel moves it
    ],
)
def test_the_trusts_print_area_takes_the_new_rounds_column(
    tmp_path: Path, area: str, after: str
) -> None:
    """A print area set by the trust over its plan, up to the last round's column, takes the
    new round's column (helper-43, session 15: the paper copy left this round's updates out,
    without a word)."""
    from conftest import build_trust_workbook

    from edi_xl.flows.rounds import start_round

    path = build_trust_workbook(tmp_path / "plan.xlsx", repeats=False)
    wb = load_workbook(path)
    ws = wb["Action Plan"]
    header = [c.value for c in ws[3]]
    assert header[9] == "Update as at 18 Sep 23" and len(header) == 10  # (J: the last round)
    ws.print_area = area
    wb.save(path)
    start_round(path, date(2023, 12, 18))
    ws = load_workbook(path)["Action Plan"]
    assert ws["K3"].value == "Update as at 18 Dec 23"
    assert ws.print_area == f"'Action Plan'!{after}"


@pytest.mark.parametrize(("updates", "across"), [(3, 1), (4, 2)])
def test_pages_across_repeat_the_action_numbers(updates: int, across: int) -> None:
    ws = sheet(FIXED + [40] * updates)
    apply_print_setup(ws, header_row=1, as_at=date(2024, 3, 18), title_col=1)
    assert ws.page_setup.fitToWidth == across
    assert ws.print_title_cols == ("$A:$A" if across > 1 else None)


def test_columns_the_trust_repeats_are_kept() -> None:
    ws = sheet(FIXED + [40] * 4)
    ws.print_title_cols = "A:C"
    apply_print_setup(ws, header_row=1, as_at=date(2024, 3, 18), title_col=1)
    assert ws.print_title_cols == "$A:$C"


def test_the_trusts_own_footer_sections_are_kept(tmp_path: Path) -> None:
    """The trust prints its protective marking in the footer's left and its logo in the
    right: a refresh, which wrote its three sections over the whole footer (helper-82), now
    writes only where the footer is empty or holds edi_xl's own text, and a later refresh
    moves its as-at date on."""
    import xlsxwriter
    from conftest import add_seed_plan_sheet

    from edi_xl.flows.refresh import refresh_workbook

    plan = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(plan))
    ws, _ = add_seed_plan_sheet(wb)
    ws.set_footer("&LOFFICIAL-SENSITIVE&R&G", {"image_right": str(_logo(tmp_path))})
    wb.close()

    def footer() -> tuple[str | None, str | None, str | None]:
        odd = load_workbook(plan)["Action Plan"].oddFooter
        return odd.left.text, odd.center.text, odd.right.text

    refresh_workbook(plan, date(2023, 12, 18))
    assert footer() == ("OFFICIAL-SENSITIVE", "Page &P of &N", "&G")
    with zipfile.ZipFile(plan) as zf:
        assert any(name.startswith("xl/media/") for name in zf.namelist())  # (the logo)

    # a footer edi_xl wrote (an earlier version wrote all three sections) is edi_xl's
    def as_edi_xl_wrote(data: bytes) -> bytes:
        return data.replace(b"OFFICIAL-SENSITIVE", b"As at 18 December 2023")

    rewrite_part(plan, "xl/worksheets/sheet1.xml", as_edi_xl_wrote)
    refresh_workbook(plan, date(2024, 3, 20))
    assert footer() == ("As at 20 March 2024", "Page &P of &N", "&G")


def _logo(folder: Path) -> Path:
    from test_fidelity import _png

    path = folder / "logo.png"
    path.write_bytes(_png())
    return path


@pytest.mark.parametrize(
    ("left", "after"),
    [
        # edi_xl's date a person made bold or underlined (codes openpyxl leaves in the text),
        # or left with a space after it: still edi_xl's, and it moves on (helper-85)
        ("&BAs at 18 December 2023", "&BAs at 20 March 2024"),
        ("&UAs at 18 December 2023&U", "&UAs at 20 March 2024&U"),
        ("As at 18 December 2023 ", "As at 20 March 2024 "),
        ("Printed as at 18 December 2023", "Printed as at 18 December 2023"),  # the trust's
    ],
)
def test_edi_xls_footer_date_moves_on_however_it_was_formatted(left: str, after: str) -> None:
    ws = sheet([20, 20])
    ws.oddFooter.left.text = left
    apply_print_setup(ws, header_row=1, as_at=date(2024, 3, 20))
    assert ws.oddFooter.left.text == after
    assert ws.evenFooter.left.text == "As at 20 March 2024"  # (empty: edi_xl's)
