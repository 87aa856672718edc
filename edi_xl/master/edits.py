"""What a command changed in a workbook: one description, applied by both doors.

Every command that changes a master (refresh, merge, start a round, add-buttons, and the
buttons that do the same) runs one library call on an openpyxl workbook. What that call
changed is worked out once, here, by comparing the workbook with its :class:`Baseline`:

    baseline = take_baseline(wb)     # when the workbook is loaded or built
    refresh_book(wb, ...)            # the library call, the same behind both doors
    edits = describe(baseline, wb)   # a BookEdits: what changed, sheet by sheet

The baseline is taken when a master is loaded from its file (:func:`edi_xl.master.patch.
remember_package`, called by ``load_master``) or when the buttons' bridge builds a workbook
from the open workbook's values (:func:`edi_xl.buttons.bridge.workbook_from_snapshot`).

The description (:class:`BookEdits`) names, per sheet, the cells written (value, type,
style) and cleared, the columns inserted, column widths and row heights, the conditional
formats and dropdowns added and removed, the print setup, footer, freeze panes, filter,
merged cells, page breaks and shown/hidden state that changed; the sheets added, made again
as a whole and removed; and the workbook's names that changed. Two doors apply it:

- the patch writer (:mod:`edi_xl.master.patch`) applies it to the master's file, part by
  part, copying everything else byte for byte;
- the buttons' bridge (:func:`edi_xl.buttons.bridge.plan_writes`) turns it into the writes
  the xlwings client sends to the open workbook (values, clears, number formats, a column
  insert, new sheets, names).

The description says what changed and where; both doors read the new content itself (a
style, a footer's text, a sheet made again) from the workbook the command left.
"""

from __future__ import annotations

import re
import weakref
from collections import Counter
from collections.abc import Iterable, Sequence
from copy import copy
from dataclasses import dataclass, field, replace
from typing import Any, Generic, NamedTuple, TypeVar

from openpyxl.formula.tokenizer import Token, Tokenizer, TokenizerError
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries
from openpyxl.utils.cell import coordinate_from_string
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.cell_range import MultiCellRange
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.worksheet import Worksheet

from edi_xl.master.column_settings import column_span
from edi_xl.master.loading import cells_but_new_lines, made_from_values

CellKey = tuple[int, int]  # (row, column), 1-based
#: An openpyxl style array (indices into the workbook's fonts, fills...); None: no style.
Style = tuple[int, ...] | None
#: A column's settings as compared: its width (None: the default), or, for a column hidden,
#: grouped or styled, (width, hidden, outline level, style array).
ColumnLook = float | None | tuple[Any, ...]
#: A conditional format rule or a dropdown as compared: its ranges, kind and formulas.
RuleKey = tuple[Any, ...]
T = TypeVar("T")
_UNSEEN: Any = object()


# --- what a sheet holds, of what edi_xl may change -----------------------------------------------


class Page(NamedTuple):
    """A sheet's page setup, as far as edi_xl sets it."""

    orientation: str | None
    paper_size: int | None
    fit_to_width: int | None
    fit_to_height: int | None
    fit_to_page: bool | None
    scale: int | None


@dataclass
class SheetState:
    """One sheet as openpyxl holds it: the things edi_xl may change."""

    cells: dict[CellKey, tuple[Any, str, Style]]
    widths: dict[int, ColumnLook]
    heights: dict[int, float | None]
    cf: Counter[RuleKey]
    dv: Counter[RuleKey]
    page: Page
    footer: tuple[str | None, ...]
    freeze: str | None
    filter_ref: str | None
    print_titles: tuple[str | None, str | None]  # (rows, columns) repeated on every page
    print_area: str | None
    merged: frozenset[str] = frozenset()
    row_breaks: tuple[int, ...] = ()
    state: str = "visible"  # visible | hidden | veryHidden
    #: the rows each Excel table spans (first, last), by its name: rows added to a table
    #: (``import --into``) make it longer; a column inserted does not change them
    table_rows: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: the columns each Excel table spans (first, last), by its name: a column inserted moves
    #: them as Excel does (:func:`shift_table_columns`); the plan's table that takes the
    #: round's column beside it (``master.plan.round_column``) is one column wider than that
    table_columns: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: the openpyxl sheet itself (weakly): a sheet deleted and made again is another object.
    #: Not its id(), which a new sheet may reuse once the old one is collected. Not compared.
    identity: weakref.ref[Worksheet] | None = field(default=None, compare=False, repr=False)


def ranges(sqref: Any) -> frozenset[str]:
    """The ranges of a ``sqref`` ("A1:A9 C1"), as a set."""
    return frozenset(r.coord for r in MultiCellRange(str(sqref)).ranges)


def cf_key(sqref: Any, rule: Any) -> RuleKey:
    return (ranges(sqref), rule.type, rule.operator, rule.text, tuple(rule.formula or ()))


def dv_key(dv: Any) -> RuleKey:
    return (ranges(dv.sqref), dv.type, dv.formula1, dv.formula2, dv.operator)


def _footer(ws: Worksheet) -> tuple[str | None, ...]:
    return tuple(
        getattr(getattr(hf, part), "text", None)
        for hf in (ws.oddFooter, ws.evenFooter)
        for part in ("left", "center", "right")
    )


def _page(ws: Worksheet) -> Page:
    ps = ws.page_setup
    fit = ws.sheet_properties.pageSetUpPr
    return Page(
        ps.orientation,
        ps.paperSize,
        ps.fitToWidth,
        ps.fitToHeight,
        fit.fitToPage if fit is not None else None,
        ps.scale,
    )


def sheet_state(ws: Worksheet) -> SheetState:
    """What ``ws`` holds now, of what edi_xl may change."""
    cells: dict[CellKey, tuple[Any, str, Style]] = {}
    styles: dict[bytes, Style] = {}  # a style array's bytes -> it as compared (a few kinds)
    # (not those still values: unchanged; nor the lines added and not made cells, which
    # the save writes from where they are kept: loading.add_new_lines)
    for key, cell in cells_but_new_lines(ws).items():
        style = cell._style
        if style is not None:
            kind = style.tobytes()
            style = styles.get(kind, _UNSEEN)
            if style is _UNSEEN:
                style = styles[kind] = tuple(cell._style) if any(cell._style) else None
        if cell._value is not None or style is not None:  # not a cell merely looked at
            cells[key] = (cell._value, cell.data_type, style)
    widths: dict[int, ColumnLook] = {}
    for key, dim in ws.column_dimensions.items():
        lo, hi = column_span(key, dim)
        width = dim.width if dim.customWidth or dim.width else None
        # (hidden, grouped or styled: a column edi_xl takes is made plain, width or not; the
        # style as its numbers, so that one changed in place is seen)
        look = (
            (width, dim.hidden, dim.outlineLevel, tuple(dim._style or ()))
            if (dim.hidden or dim.outlineLevel or dim._style is not None)
            else width
        )
        for idx in range(lo, min(hi, 16384) + 1):
            widths[idx] = look
    # (``ht``: ``height`` is an alias of it, looked up through a Python call: 10,000 rows)
    heights = {r: dim.ht for r, dim in ws.row_dimensions.items() if dim.ht is not None}
    cf: Counter[RuleKey] = Counter(
        cf_key(c.sqref, rule) for c in ws.conditional_formatting for rule in c.rules
    )
    dv: Counter[RuleKey] = Counter(dv_key(d) for d in ws.data_validations.dataValidation)
    return SheetState(
        cells,
        widths,
        heights,
        cf,
        dv,
        _page(ws),
        _footer(ws),
        ws.freeze_panes,
        ws.auto_filter.ref,
        (ws.print_title_rows, ws.print_title_cols),
        str(ws.print_area) if ws.print_area else None,
        frozenset(r.coord for r in ws.merged_cells.ranges),
        tuple(b.id for b in ws.row_breaks.brk),
        ws.sheet_state,
        {t.displayName: _rows_of(t.ref) for t in ws.tables.values() if t.ref},
        {t.displayName: _columns_of(t.ref) for t in ws.tables.values() if t.ref},
        weakref.ref(ws),
    )


#: The attribute of a sheet holding its cells given the look of another of its cells
#: (:func:`copy_look`): by the cell's identity, (the cell, the cell it took the look of). On
#: the sheet itself, as the fast reader keeps its formula results: the cells refer to their
#: sheet, so a table keyed by the sheet would keep it alive.
_LOOKS_COPIED = "_edi_xl_looks_copied"


def copy_look(cell: Any, source: Any) -> None:
    """Give ``cell`` the look of ``source``, a cell of the same sheet: its style as openpyxl
    holds it, and, when the workbook is saved by patching its file, the ``<xf>`` the file
    gives ``source`` (its ``s``), which may hold what openpyxl reads as nothing: an Excel
    2024 cell checkbox is an ``extLst`` on a cell style otherwise the default; a link's cell
    is in the named style "Hyperlink" (``xfId``; XlsxWriter's is unlocked and top aligned),
    which a new ``<xf>`` made of openpyxl's look leaves out (:class:`~edi_xl.master.patch.
    StyleMap`). The file's ``<xf>`` is written as long as ``cell``'s look is the one
    ``source`` was loaded with (:func:`_with_looks_copied`): a cell restyled since gets its
    own look, as before."""
    if source.has_style:
        cell._style = copy(source._style)
    copied = cell.parent.__dict__.setdefault(_LOOKS_COPIED, {})
    copied[id(cell)] = (cell, source)


def _with_looks_copied(
    ws: Worksheet, edits: dict[CellKey, CellEdit], before: SheetState, after: SheetState
) -> dict[CellKey, CellKey]:
    """The cells of ``ws`` given the look of another (:func:`copy_look`) whose look is still
    the one that cell was loaded with (``before``), by place: cell -> the cell whose ``<xf>``
    in the file it takes. Each is among ``edits``, those whose value and look did not change
    added with neither changed (for the patch writer, which gives them that ``<xf>``; the
    bridge writes no looks)."""
    copied = ws.__dict__.get(_LOOKS_COPIED)
    if not copied:
        return {}
    cells = cells_but_new_lines(ws)
    looks: dict[CellKey, CellKey] = {}
    for cell, source in copied.values():
        key, source_key = (cell.row, cell.column), (source.row, source.column)
        if cells.get(key) is not cell or cells.get(source_key) is not source:
            continue  # (taken out of the sheet since)
        loaded, now = before.cells.get(source_key), after.cells.get(key)
        if (loaded[2] if loaded else None) != (now[2] if now else None):
            continue  # restyled since: its own look
        looks[key] = source_key
        if key not in edits:
            value, data_type = (now[0], now[1]) if now else (None, "n")
            edits[key] = CellEdit(value, data_type, now[2] if now else None, False, False)
    return looks


def _rows_of(ref: str) -> tuple[int, int]:
    """The first and last row of a range ("A4:M21" -> (4, 21))."""
    bounds = range_boundaries(ref)
    return int(bounds[1] or 1), int(bounds[3] or bounds[1] or 1)


def _columns_of(ref: str) -> tuple[int, int]:
    """The first and last column of a range ("A4:M21" -> (1, 13))."""
    bounds = range_boundaries(ref)
    return int(bounds[0] or 1), int(bounds[2] or bounds[0] or 1)


def shift_table_columns(columns: tuple[int, int], col: int) -> tuple[int, int]:
    """The columns (first, last) of a table after an empty column is inserted before ``col``,
    as Excel moves a table: one right of it moves, one it falls inside grows, one left of it
    (the column beside its last one too) stays."""
    first, last = columns
    return (first + (col <= first), last + (col <= last))


def table_column_name(text: Any, taken: Iterable[str]) -> str:
    """The name of a table's new column whose header cell holds ``text``: the text, or
    "Column1" for an empty header as Excel names it, made unique among the table's ``taken``
    names as Excel does (in any case: "Status" and "STATUS" are one name to it)."""
    used = {str(name).casefold() for name in taken}
    name = str(text).strip() if text not in (None, "") else ""
    base, n = name or "Column", 1
    while not name or name.casefold() in used:
        name, n = f"{base}{n}", n + 1
    return name


def with_rows(ref: str, first: int, last: int) -> str:
    """The range ``ref`` over rows ``first`` to ``last``, its columns kept ("A4:M21", 4, 25
    -> "A4:M25"): a table that takes rows added under it."""
    lo_col, _, hi_col, _ = range_boundaries(ref)
    return (
        f"{get_column_letter(lo_col or 1)}{first}:{get_column_letter(hi_col or lo_col or 1)}{last}"
    )


def global_names(wb: Workbook) -> dict[str, str]:
    """The workbook's names (not those of one sheet): name -> what it refers to."""
    return {name: str(dn.attr_text) for name, dn in wb.defined_names.items()}


def sheet_names(wb: Workbook) -> dict[tuple[str, str], str]:
    """The names of one sheet (Excel's "Scope" a sheet; made by Excel when a sheet with names
    is copied): (sheet, name) -> what it refers to. Not the print titles, print area and
    filter range, which openpyxl holds as the sheet's settings."""
    return {
        (ws.title, name): str(dn.attr_text)
        for ws in wb.worksheets
        for name, dn in ws.defined_names.items()
        if not name.startswith("_xlnm.")
    }


@dataclass
class Baseline:
    """A workbook as it was loaded or built, before the command changed it."""

    sheets: dict[str, SheetState]
    names: dict[str, str]
    inserted: dict[str, list[int]] = field(default_factory=dict)  # sheet -> columns inserted
    sheet_names: dict[tuple[str, str], str] = field(default_factory=dict)


_BASELINES: weakref.WeakKeyDictionary[Workbook, Baseline] = weakref.WeakKeyDictionary()


def take_baseline(wb: Workbook) -> Baseline:
    """Record what ``wb`` holds now (just loaded or built), to describe its changes later."""
    baseline = Baseline(
        {ws.title: sheet_state(ws) for ws in wb.worksheets},
        global_names(wb),
        sheet_names=sheet_names(wb),
    )
    _BASELINES[wb] = baseline
    return baseline


def baseline_of(wb: Workbook) -> Baseline | None:
    """The baseline taken of ``wb``, if one was."""
    return _BASELINES.get(wb)


def record_inserted_column(ws: Worksheet, col: int) -> None:
    """Note that an empty column was inserted before 1-based ``col`` of ``ws`` (each door
    inserts it too, so that what is to its right moves along)."""
    wb = ws.parent
    baseline = _BASELINES.get(wb) if wb is not None else None
    if baseline is not None and ws.title in baseline.sheets:
        baseline.inserted.setdefault(ws.title, []).append(col)


def owned_sheets(wb: Workbook) -> set[str]:
    """The sheets edi_xl makes as a whole (a command may make them again)."""
    from edi_xl.master.sheets import CHANGE_LOG, IMPORT_SHEET, LISTS, RETURNS_SHEET, SETTINGS
    from edi_xl.master.summary_sheet import MARKER_NAME, SUMMARY

    owned = {SETTINGS, LISTS, CHANGE_LOG, RETURNS_SHEET, IMPORT_SHEET}
    if MARKER_NAME in wb.defined_names:
        owned.add(SUMMARY)
    return owned


# --- moving things right of an inserted column ---------------------------------------------------


#: the column letters of a cell or range reference (``$K$5:M9``, ``K:K``), each with its ``$``
_COLUMN_LETTERS = re.compile(r"(\$?)([A-Za-z]{1,3})(?=\$?\d|:|$)")


def shift_reference(ref: str, col: int) -> str:
    """A cell or range reference (``K5``, ``$K$5:M9``, ``K:K``; no sheet) as it reads after an
    empty column is inserted before 1-based ``col``: each column at or right of it moves one
    column right, so a range across it grows by one; ``$`` marks and rows stay as they are."""

    def moved(m: re.Match[str]) -> str:
        idx = column_index_from_string(m.group(2).upper())
        return m.group(1) + (get_column_letter(min(idx + 1, 16384)) if idx >= col else m.group(2))

    return _COLUMN_LETTERS.sub(moved, ref)


#: a cell, a range of cells or of whole columns, with or without $ (whole rows do not move)
_CELLS = re.compile(
    r"\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?|\$?[A-Za-z]{1,3}:\$?[A-Za-z]{1,3}"
)


def _unquote(sheet: str) -> str:
    if len(sheet) > 1 and sheet[0] == sheet[-1] == "'":
        return sheet[1:-1].replace("''", "'")
    return sheet


def _shift_operand(operand: str, sheet: str, col: int, home: str | None) -> str:
    """One range operand of a formula written on sheet ``home`` (None: a workbook name),
    after a column is inserted before ``col`` of ``sheet``."""
    where, bang, ref = operand.rpartition("!")
    if bang:
        named = _unquote(where)
        # another sheet (Excel's sheet names ignore case), or another workbook
        if named.casefold() != sheet.casefold() or "[" in named:
            return operand
    elif home != sheet:
        return operand
    if not _CELLS.fullmatch(ref):
        return operand  # a defined name, a table's column, a whole row...
    return f"{where}{bang}{shift_reference(ref, col)}"


def shift_formula(formula: str, sheet: str, col: int, home: str | None) -> str:
    """``formula`` (as a cell holds it, ``=...``, or as a name or rule holds it, without the
    ``=``), written on sheet ``home``, after an empty column is inserted before 1-based
    ``col`` of ``sheet``: every reference to ``sheet`` at or right of ``col`` moves one column
    right, a range across it grows. Text that is not a formula comes back as it was."""
    bare = not formula.startswith("=")
    try:
        tokens = Tokenizer(formula if not bare else "=" + formula)
    except TokenizerError:
        return formula
    changed = False
    for token in tokens.items:
        if token.type == Token.OPERAND and token.subtype == Token.RANGE:
            new = _shift_operand(token.value, sheet, col, home)
            changed = changed or new != token.value
            token.value = new
    if not changed:
        return formula
    rendered = tokens.render()
    return rendered[1:] if bare else rendered


def same_but_references(old: Any, new: Any) -> bool:
    """Whether the formulas ``old`` and ``new`` (as cells hold them: ``=...`` text or array
    formulas) are the same but for their references, as a column inserted changes a formula
    (:func:`shift_formula`); not another formula written over one."""
    texts = []
    for formula in (old, new):
        if isinstance(formula, ArrayFormula):
            formula = "=" + (formula.text or "").removeprefix("=")
        if not isinstance(formula, str) or not formula.startswith("="):
            return False
        try:
            tokens = Tokenizer(formula).items
        except TokenizerError:
            return False
        texts.append(
            [(t.type, t.subtype, None if t.subtype == Token.RANGE else t.value) for t in tokens]
        )
    return texts[0] == texts[1]


def shift_frozen(ref: str, col: int) -> str:
    """The first cell of the scrolling part of frozen panes (``ws.freeze_panes``; a frozen
    pane's ``topLeftCell``) after an empty column is inserted before ``col``: it moves only
    when the new column goes left of it, among the frozen columns (one more is frozen then);
    a column inserted at the split goes right of it, as Excel puts a row inserted under
    frozen rows below them."""
    letters, row = coordinate_from_string(ref.replace("$", ""))
    idx = column_index_from_string(letters)
    return f"{get_column_letter(min(idx + 1, 16384))}{row}" if col < idx else ref


def shift_filter_column(first: int, col_id: int, col: int) -> int:
    """A filter criterion's column (``colId``: counted from the filter's first column,
    ``first``, 1-based) after an empty column is inserted before ``col``: the criterion stays
    on its column, wherever the insert puts it and the filter's first column."""
    at = first + col_id
    return (at + 1 if at >= col else at) - (first + 1 if first >= col else first)


def shift_range_text(text: str, col: int) -> str:
    """Ranges separated by spaces (``"A1:C3 E5"``, as a sqref) after an empty column is
    inserted before ``col`` (:func:`shift_reference`, range by range)."""
    return " ".join(shift_reference(ref, col) for ref in text.split())


def _moved_rules(
    state: SheetState, sheet: str, col: int, home: str
) -> tuple[Counter[RuleKey], Counter[RuleKey]]:
    """The conditional formats and dropdowns of ``state`` (sheet ``home``'s) as they read
    after an empty column is inserted before ``col`` of ``sheet``: their formulas moved as
    Excel moves them, and their places too when ``sheet`` is ``home``
    (:func:`edi_xl.master.columns.insert_column` moves the workbook's, the patch writer the
    file's), so that a rule that only moved is not taken away and added again, losing its
    place among the sheet's rules."""

    def places(key: RuleKey) -> frozenset[str]:
        if sheet != home:
            return key[0]  # type: ignore[no-any-return]
        return frozenset(r for text in key[0] for r in shift_range_text(text, col).split())

    def formula(text: str | None) -> str | None:
        return shift_formula(text, sheet, col, home) if text else text

    def moved_cf(key: RuleKey) -> RuleKey:  # (places, type, operator, text, formulas)
        return (places(key), *key[1:4], tuple(formula(f) for f in key[4]))

    def moved_dv(key: RuleKey) -> RuleKey:  # (places, type, formula1, formula2, operator)
        return (places(key), key[1], formula(key[2]), formula(key[3]), *key[4:])

    return (
        Counter({moved_cf(k): n for k, n in state.cf.items()}),
        Counter({moved_dv(k): n for k, n in state.dv.items()}),
    )


def _shift_state(state: SheetState, col: int, title: str) -> SheetState:
    """``state`` (sheet ``title``'s) as it reads after a column is inserted before ``col``
    (for comparing): its cells, settings and rules (:func:`_moved_rules`) moved."""
    cf, dv = _moved_rules(state, title, col, title)
    return SheetState(
        {(r, c + 1 if c >= col else c): v for (r, c), v in state.cells.items()},
        {(c + 1 if c >= col else c): w for c, w in state.widths.items()},
        state.heights,
        cf,
        dv,
        state.page,
        state.footer,
        shift_frozen(state.freeze, col) if state.freeze else state.freeze,
        shift_range_text(state.filter_ref, col) if state.filter_ref else None,
        state.print_titles,
        state.print_area,
        frozenset(shift_range_text(m, col) for m in state.merged),
        state.row_breaks,
        state.state,
        state.table_rows,
        {name: shift_table_columns(cols, col) for name, cols in state.table_columns.items()},
        state.identity,
    )


# --- the description -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Change(Generic[T]):
    """A setting that changed: what it was and what it is now."""

    before: T
    after: T


class CellEdit(NamedTuple):
    """A cell the command changed. ``value`` None with ``value_changed``: its value was
    cleared. ``style_changed`` alone: only its look changed. Neither: it was given the look
    of another cell (:func:`copy_look`, :attr:`SheetEdits.looks`) that it had already.
    ``was``: its value before."""

    value: Any
    data_type: str  # openpyxl's: n(umber), s(tring), f(ormula), b(oolean), d(ate), e(rror)
    style: Style
    value_changed: bool
    style_changed: bool
    was: Any = None

    @property
    def cleared(self) -> bool:
        return self.value_changed and self.value is None


@dataclass
class SheetEdits:
    """What the command changed on one sheet that was there before and still is.

    A sheet edi_xl made again as a whole (``remade``) is written whole from the workbook by
    the patch writer; of it only whether it is shown is described, and its cells, compared
    when first asked for (the bridge writes such a sheet by difference).
    """

    title: str
    remade: bool = False  # made again as a whole by the command (an edi_xl sheet)
    inserted: list[int] = field(default_factory=list)  # empty columns inserted, in order
    _cells: dict[CellKey, CellEdit] | None = field(default=None, repr=False)
    _remade_from: tuple[SheetState, Worksheet] | None = field(default=None, repr=False)
    widths: dict[int, float | None] = field(default_factory=dict)  # None: the default width
    heights: dict[int, float | None] = field(default_factory=dict)
    cf_added: list[tuple[Any, Any]] = field(default_factory=list)  # (sqref, openpyxl Rule)
    cf_removed: Counter[RuleKey] = field(default_factory=Counter)
    dv_added: list[Any] = field(default_factory=list)  # openpyxl DataValidation
    dv_removed: Counter[RuleKey] = field(default_factory=Counter)
    page: Change[Page] | None = None
    footer: Change[tuple[str | None, ...]] | None = None
    freeze: Change[str | None] | None = None
    filter_ref: Change[str | None] | None = None
    print_titles: Change[tuple[str | None, str | None]] | None = None
    print_area: Change[str | None] | None = None
    merged: Change[frozenset[str]] | None = None
    row_breaks: Change[tuple[int, ...]] | None = None
    state: Change[str] | None = None
    table_rows: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> new rows
    #: name -> its columns (first, last), of a table that took a column beside it (more
    #: than the columns inserted gave it: the plan's table, the round's column)
    table_columns: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: cell -> the cell whose look it was given (:func:`copy_look`) and still has: the patch
    #: writer gives it that cell's ``<xf>`` as the file has it (each is among :attr:`cells`)
    looks: dict[CellKey, CellKey] = field(default_factory=dict)

    @property
    def cells(self) -> dict[CellKey, CellEdit]:
        """The cells written, restyled or cleared."""
        if self._cells is None:
            self._cells = {}
            if self._remade_from is not None:
                before, ws = self._remade_from
                self._cells = _cell_edits(before, sheet_state(ws))
        return self._cells

    @property
    def in_sheet_part(self) -> bool:
        """Whether anything changed in the sheet itself (not only its name-held settings,
        print titles and area, or whether it is shown)."""
        return bool(
            self.inserted or self.cells or self.widths or self.heights or self.cf_added
            or self.cf_removed or self.dv_added or self.dv_removed or self.page or self.footer
            or self.freeze or self.filter_ref or self.merged or self.row_breaks
            or self.table_rows or self.table_columns
        )  # fmt: skip

    def written(self) -> dict[CellKey, CellEdit]:
        """The cells given a new value (not cleared)."""
        return {k: e for k, e in self.cells.items() if e.value_changed and e.value is not None}

    def cleared(self) -> list[CellKey]:
        """The cells whose value was cleared."""
        return [k for k, e in self.cells.items() if e.cleared]


@dataclass
class BookEdits:
    """What a command changed in a workbook (see the module doc)."""

    sheets: dict[str, SheetEdits] = field(default_factory=dict)  # sheets kept that changed
    added: list[str] = field(default_factory=list)  # sheets the command added
    removed: list[str] = field(default_factory=list)  # edi_xl's sheets the command removed
    order: list[str] = field(default_factory=list)  # every sheet, in order, after the command
    names: dict[str, Change[str | None]] = field(default_factory=dict)  # workbook names
    #: names of one sheet that changed, by (sheet, name); a sheet's print titles, print area
    #: and filter range are its settings (SheetEdits)
    sheet_names: dict[tuple[str, str], Change[str | None]] = field(default_factory=dict)

    @property
    def remade(self) -> list[str]:
        """edi_xl's sheets the command made again as a whole."""
        return [title for title, e in self.sheets.items() if e.remade]

    def values(self) -> dict[tuple[str, int, int], Any]:
        """(sheet, row, column) -> the new value (None: cleared) of every cell whose value
        changed, on the sheets kept; what the command wrote, value by value."""
        return {
            (title, r, c): e.value
            for title, sheet in self.sheets.items()
            for (r, c), e in sheet.cells.items()
            if e.value_changed
        }


def _changed(before: T, after: T) -> Change[T] | None:
    return Change(before, after) if before != after else None


def _cell_edits(before: SheetState, after: SheetState) -> dict[CellKey, CellEdit]:
    edits: dict[CellKey, CellEdit] = {}
    old_cells = before.cells
    for key, now in after.cells.items():
        was = old_cells.get(key)
        value, data_type, style = now
        if was is None:
            value_changed, style_changed, old = value is not None, style is not None, None
        elif was == now and type(was[0]) is type(value):
            continue
        else:
            old = was[0]
            value_changed = not (was[1] == data_type and type(old) is type(value) and old == value)
            style_changed = was[2] != style
        if value_changed or style_changed:
            edits[key] = CellEdit(value, data_type, style, value_changed, style_changed, old)
    for key, was in old_cells.items():
        if was[0] is not None and key not in after.cells:
            edits[key] = CellEdit(None, "n", None, True, False, was[0])
    return edits


def _rule_edits(ws: Worksheet, edits: SheetEdits, before: SheetState, after: SheetState) -> None:
    """The conditional formats and dropdowns added and removed."""
    edits.cf_removed = before.cf - after.cf
    added = after.cf - before.cf
    if added:
        for cf in ws.conditional_formatting:
            for rule in cf.rules:
                key = cf_key(cf.sqref, rule)
                if added[key] > 0:
                    added[key] -= 1
                    edits.cf_added.append((cf.sqref, rule))
    edits.dv_removed = before.dv - after.dv
    added = after.dv - before.dv
    if added:
        for dv in ws.data_validations.dataValidation:
            key = dv_key(dv)
            if added[key] > 0:
                added[key] -= 1
                edits.dv_added.append(dv)


def _with_cells_made(before: SheetState, ws: Worksheet) -> SheetState:
    """``before`` with what the sheet held, when it was loaded, in the places of the cells it
    has made since from the values it was loaded with (:func:`~edi_xl.master.loading.
    made_from_values`): the baseline of a sheet loaded so has only the cells made then."""
    made = made_from_values(ws)
    if not made:
        return before
    cells = dict(before.cells)
    styles = ws.parent._cell_styles
    looks: dict[int, Style] = {}
    for key, (_, _, value, data_type, style_id) in made.items():
        if key in cells:  # (taken into a baseline since: that is what it held then)
            continue
        look = looks.get(style_id, _UNSEEN)
        if look is _UNSEEN:
            style = styles[style_id]
            look = looks[style_id] = tuple(style) if any(style) else None
        if value is not None or look is not None:  # (as sheet_state keeps a cell)
            cells[key] = (value, data_type, look)
    return replace(before, cells=cells)


def describe_sheet(
    ws: Worksheet,
    before: SheetState,
    inserted: list[int] | None = None,
    *,
    remade: bool = False,
    elsewhere: Sequence[tuple[str, int]] = (),
) -> SheetEdits | None:
    """What changed on ``ws`` since ``before`` (None: nothing). ``inserted``: the columns
    inserted since, in order; ``elsewhere``: those inserted in other sheets, (sheet, column),
    which the sheet's rules may read."""
    if remade:
        return SheetEdits(ws.title, True, _remade_from=(before, ws),
                          state=_changed(before.state, ws.sheet_state))  # fmt: skip
    before = _with_cells_made(before, ws)
    after = sheet_state(ws)
    inserted = inserted or []
    for col in inserted:
        before = _shift_state(before, col, ws.title)
    for sheet, col in elsewhere:
        cf, dv = _moved_rules(before, sheet, col, ws.title)
        before = replace(before, cf=cf, dv=dv)
    if not inserted and before == after and _LOOKS_COPIED not in ws.__dict__:
        return None  # (the sheet's identity is not compared)
    cells = _cell_edits(before, after)
    looks = _with_looks_copied(ws, cells, before, after)
    if not inserted and not looks and before == after:
        return None
    edits = SheetEdits(ws.title, False, list(inserted), cells, looks=looks)
    for idx in set(before.widths) | set(after.widths):
        if before.widths.get(idx) != after.widths.get(idx):
            look = after.widths.get(idx)
            edits.widths[idx] = look[0] if isinstance(look, tuple) else look
    for r in set(before.heights) | set(after.heights):
        if before.heights.get(r) != after.heights.get(r):
            edits.heights[r] = after.heights.get(r)
    _rule_edits(ws, edits, before, after)
    edits.page = _changed(before.page, after.page)
    edits.footer = _changed(before.footer, after.footer)
    edits.freeze = _changed(before.freeze, after.freeze)
    edits.filter_ref = _changed(before.filter_ref, after.filter_ref)
    edits.print_titles = _changed(before.print_titles, after.print_titles)
    edits.print_area = _changed(before.print_area, after.print_area)
    edits.merged = _changed(before.merged, after.merged)
    edits.row_breaks = _changed(before.row_breaks, after.row_breaks)
    edits.state = _changed(before.state, after.state)
    edits.table_rows = {
        name: rows
        for name, rows in after.table_rows.items()
        if name in before.table_rows and before.table_rows[name] != rows
    }
    edits.table_columns = {
        name: cols
        for name, cols in after.table_columns.items()
        if name in before.table_columns and before.table_columns[name] != cols
    }
    return edits


def describe(baseline: Baseline, wb: Workbook) -> BookEdits:
    """What the command changed in ``wb`` since ``baseline`` was taken of it."""
    owned = owned_sheets(wb)
    book = BookEdits(order=[ws.title for ws in wb.worksheets])
    for ws in wb.worksheets:
        before = baseline.sheets.get(ws.title)
        if before is None:
            book.added.append(ws.title)
            continue
        remade = ws.title in owned and (before.identity is None or before.identity() is not ws)
        elsewhere = [
            (other, col)
            for other, cols in baseline.inserted.items()
            if other != ws.title
            for col in cols
        ]
        sheet = describe_sheet(ws, before, baseline.inserted.get(ws.title, []), remade=remade,
                               elsewhere=elsewhere)  # fmt: skip
        if sheet is not None:
            book.sheets[ws.title] = sheet
    book.removed = [t for t in baseline.sheets if t not in book.order and t in owned]
    now = global_names(wb)
    for name in [*now, *(n for n in baseline.names if n not in now)]:
        if baseline.names.get(name) != now.get(name):
            book.names[name] = Change(baseline.names.get(name), now.get(name))
    local = sheet_names(wb)
    for key in [*local, *(k for k in baseline.sheet_names if k not in local)]:
        if key[0] in book.order and baseline.sheet_names.get(key) != local.get(key):
            book.sheet_names[key] = Change(baseline.sheet_names.get(key), local.get(key))
    return book
