"""Dropdowns (data validation) for Status and Protected Characteristic.

The choices live on the Lists sheet and are reached through workbook-level named ranges
(``StatusList``, ``CharacteristicList``): Excel keeps a list that points straight at another
sheet in an x14 extension that openpyxl drops on save, while a named range survives.
"""

from __future__ import annotations

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation, DataValidationList
from openpyxl.worksheet.worksheet import Worksheet

STATUS_LIST = "StatusList"
CHARACTERISTIC_LIST = "CharacteristicList"


def _without_columns(ws: Worksheet, cols: set[int]) -> DataValidationList:
    kept = DataValidationList()
    for dv in ws.data_validations.dataValidation:
        if any(rng.min_col <= c <= rng.max_col for rng in dv.sqref.ranges for c in cols):
            continue
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
