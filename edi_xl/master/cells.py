"""Writing values into cells so that text stays text.

openpyxl treats any string that starts with "=" as a formula. Text that came from a person
(an owner's update, an imported plan) must never become one: :func:`set_value` stores such
strings as text and marks them with Excel's quote prefix, so editing the cell in Excel keeps
it text too.
"""

from __future__ import annotations

import re
from array import array
from datetime import date, datetime
from typing import Any

from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell, MergedCell
from openpyxl.styles.cell_style import StyleArray
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.worksheet import Worksheet

from edi_xl.core.problems import Code, Problem, problem

#: Characters that make spreadsheet programs read text as a formula (OWASP CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

DATE_FORMAT = "dd-mmm-yy"
#: Shown in place of a control character a cell cannot hold (a workbook's XML cannot).
REPLACEMENT = "\ufffd"


#: What a workbook's XML cannot hold: control characters other than tab, line feed and
#: carriage return (openpyxl's ILLEGAL_CHARACTERS_RE), the non-characters U+FFFE and U+FFFF,
#: and halves of a surrogate pair on their own (no UTF-8 for them): a save would fail.
UNSTORABLE = re.compile(ILLEGAL_CHARACTERS_RE.pattern + "|[\ufffe\uffff\ud800-\udfff]")


def storable_text(text: str) -> str:
    """``text`` as a cell can hold it: characters a workbook cannot hold (:data:`UNSTORABLE`)
    become U+FFFD (the replacement character): the rest of the text is kept and the gap
    shows."""
    return UNSTORABLE.sub(REPLACEMENT, text)


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)


def merged_cell_note(
    cell: Cell | MergedCell, action_id: str | None, path: object, column: str
) -> Problem:
    """What is said of a value :func:`set_value` did not write because ``cell`` is inside
    merged cells (``column``: its header, as the person knows it)."""
    return problem(
        Code.MERGED_CELLS,
        action_id=action_id or None,
        file=str(path) if path else None,
        sheet=cell.parent.title,
        row=cell.row,
        column=column,
    )


def set_value(cell: Cell | MergedCell, value: Any, *, number_format: str | None = None) -> bool:
    """Write ``value`` as data, never as a formula. False when the cell is a merged cell."""
    if isinstance(cell, MergedCell):
        return False
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        value = storable_text(value)
    cell.value = value
    if isinstance(value, str):
        # (text that would be a formula, or an error: openpyxl makes "#N/A" one, which
        # edi_xl reads back as an empty cell; as Excel keeps '#N/A typed with an apostrophe)
        if looks_like_formula(value) or value in ERROR_CODES:
            cell.data_type = "s"
            cell.quotePrefix = True
    elif isinstance(value, datetime):
        cell.number_format = number_format or DATE_FORMAT
    if number_format and not isinstance(value, datetime):
        cell.number_format = number_format
    return True


_new_array = array.__new__

#: An underscore that would begin one of the file format's escapes (``_x0041_`` is "A" to
#: Excel and calamine): text holding one is written with that underscore escaped
#: (``_x005F_``), as Excel and XlsxWriter write it, so that it reads back as typed.
_ESCAPE_START = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")


def escaped_text(value: str) -> str:
    """A cell's text as a file holds it: each underscore that would begin an escape written
    ``_x005F_`` (openpyxl writes text as it is; edi_xl's writers escape it)."""
    return _ESCAPE_START.sub("_x005F_", value) if "_x" in value else value


#: The longest text openpyxl stores in a cell (it cuts longer text on assignment).
_OPENPYXL_LIMIT = 32_767


def new_cell(
    ws: Worksheet,
    row: int,
    column: int,
    style: StyleArray | None,
    value: Any = None,
    data_type: str = "n",
    cells: dict[tuple[int, int], Any] | None = None,
) -> Cell:
    """``Cell(ws, row, column, style_array=style)`` holding ``value`` already stored as
    openpyxl stores it (``data_type``), put on the sheet (in ``cells``, when given: the
    sheet's own, reached without making those it holds as values): the same slots set
    without the constructors' calls, for the thousands of cells edi_xl's own sheets are
    written with. The cell gets its own copy of ``style``, as the constructor gives it."""
    cell = Cell.__new__(Cell)
    cell.parent, cell.row, cell.column = ws, row, column
    cell._value, cell.data_type = value, data_type
    # (StyleArray(style) copies it through a Python __new__: twice the time)
    cell._style = None if style is None else _new_array(StyleArray, "i", style)
    cell._hyperlink = cell._comment = None
    (ws._cells if cells is None else cells)[row, column] = cell
    return cell


def set_plain(cell: Cell | MergedCell, value: Any, number_format: str | None = None) -> bool:
    """:func:`set_value` for thousands of cells: the same stored value and type.

    openpyxl infers the type and checks the text on every assignment; a plain value (None,
    an int or float, text that is neither formula-like nor an error word like ``#N/A``) is
    stored here as that assignment stores it. Anything else, and any value given a
    ``number_format``, goes through :func:`set_value`.
    """
    if number_format is None and type(cell) is Cell:
        kind = type(value)
        if value is None or kind is int or kind is float:
            cell._value = value
            cell.data_type = "n"
            return True
        if kind is str:
            text = storable_text(value)
            if (
                len(text) <= _OPENPYXL_LIMIT
                and not looks_like_formula(text)
                and text not in ERROR_CODES
            ):
                cell._value = text
                cell.data_type = "s"
                return True
    return set_value(cell, value, number_format=number_format)


def set_formula(cell: Cell | MergedCell, formula: str) -> None:
    """``cell.value = formula`` for one of edi_xl's own formulas (never text from a file), for
    the thousands of a Summary: a formula openpyxl's assignment would neither cut nor refuse
    is stored as it stores one, without its type inference."""
    if (
        type(cell) is Cell
        and 1 < len(formula) <= _OPENPYXL_LIMIT
        and formula.startswith("=")
        and not ILLEGAL_CHARACTERS_RE.search(formula)
    ):
        cell._value = formula
        cell.data_type = "f"
        return
    cell.value = formula


def formula_text(cell: Cell | MergedCell) -> str:
    """The formula of a cell holding one, on one line, as Excel shows it in the formula bar
    (an array formula's too, which Excel shows in braces)."""
    value = cell.value
    if isinstance(value, ArrayFormula):
        return "{" + " ".join(str(value.text).split()) + "}"
    return " ".join(str(value).split())


def comparable(value: Any) -> Any:
    """A cell value in a form to tell whether a write would change it. A value, not text (so
    not :func:`~edi_xl.core.text.cell_text`): 2 and "2" differ in a cell."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
