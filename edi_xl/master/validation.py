"""Dropdowns (data validation) for Status and Protected Characteristic.

The choices live on the Lists sheet and are reached through workbook-level named ranges
(``StatusList``, ``CharacteristicList``): Excel keeps a list that points straight at another
sheet in an x14 extension that openpyxl drops on save, while a named range survives.
"""

from __future__ import annotations

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange, MultiCellRange
from openpyxl.worksheet.datavalidation import DataValidation, DataValidationList
from openpyxl.worksheet.worksheet import Worksheet

STATUS_LIST = "StatusList"
CHARACTERISTIC_LIST = "CharacteristicList"


def without_columns(rng: CellRange, cols: set[int]) -> list[str]:
    """The range ``rng`` with the columns ``cols`` cut out: what is left, as ranges."""
    return [
        CellRange(min_col=lo, min_row=rng.min_row, max_col=hi, max_row=rng.max_row).coord
        for lo, hi in column_spans(rng.min_col, rng.max_col, cols)
    ]


def column_spans(first: int, last: int, cols: set[int]) -> list[tuple[int, int]]:
    """The columns ``first`` to ``last`` without ``cols``: what is left, as (first, last)."""
    spans = [(first, last)]
    for c in sorted(cols):
        spans = [
            piece
            for lo, hi in spans
            for piece in (((lo, c - 1), (c + 1, hi)) if lo <= c <= hi else ((lo, hi),))
            if piece[0] <= piece[1]
        ]
    return spans


def _without_columns(ws: Worksheet, cols: set[int]) -> DataValidationList:
    """The sheet's dropdowns and other validation rules with the columns ``cols`` (edi_xl's
    Status and Protected Characteristic) cut out of their places: a rule of the trust's over
    the whole table (a length check, an input message) keeps the other columns, one over
    only those columns goes (edi_xl's own included: it is put back)."""
    kept = DataValidationList()
    for dv in ws.data_validations.dataValidation:
        ranges = list(dv.sqref.ranges)
        if not any(rng.min_col <= c <= rng.max_col for rng in ranges for c in cols):
            kept.append(dv)  # (as it was)
            continue
        places = [place for rng in ranges for place in without_columns(rng, cols)]
        if places:
            dv.sqref = MultiCellRange(" ".join(places))
            kept.append(dv)
    return kept


def apply_dropdowns(
    ws: Worksheet,
    *,
    status_col: int,
    characteristics_col: int | None,
    first_row: int,
    last_row: int,
) -> None:
    """(Re)apply the dropdowns on the Status and Protected Characteristic columns (1-based)."""
    owned = {status_col} | ({characteristics_col} if characteristics_col else set())
    ws.data_validations = _without_columns(ws, owned)
    status = get_column_letter(status_col)
    dv = DataValidation(
        type="list",
        formula1=STATUS_LIST,
        allow_blank=True,
        showDropDown=False,  # (sic) False means "show the in-cell arrow"
        showErrorMessage=True,
        errorStyle="stop",
        errorTitle="Status",
        error="Choose a status from the list (the words are set on the Settings sheet).",
        promptTitle="Status",
        prompt="On Track, At Risk, Exceeded Timescales or Complete (with evidence).",
        showInputMessage=True,
    )
    dv.add(f"{status}{first_row}:{status}{last_row}")
    ws.add_data_validation(dv)
    if characteristics_col:
        pc = get_column_letter(characteristics_col)
        # A warning, not a stop: an action may name several characteristics.
        pcv = DataValidation(
            type="list",
            formula1=CHARACTERISTIC_LIST,
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
            errorTitle="Protected Characteristic",
            error="Not one of the protected characteristics of the Equality Act 2010 (or All). "
            "Several may be listed, separated by commas.",
        )
        pcv.add(f"{pc}{first_row}:{pc}{last_row}")
        ws.add_data_validation(pcv)
