"""One way in: ``read_plan(path)`` finds the layout and reads the plan.

Spreadsheets (.xlsx, .xlsm, .xls, .xlsb, .ods, .csv) are read with :mod:`edi_xl.read.sources`, Word
documents (.docx) with :mod:`edi_xl.read.word`; the file's content decides which, not its name.
Every sheet is offered to every layout (:mod:`edi_xl.tables.layouts`); the best fit wins, and the
general table reads what no seed layout fits. :class:`SourceRead` says what each source column
became (``mapping``) and which rows were taken as titles, for ``edi-xl import``'s report. The trust
tracker is read from its one best sheet (a master has one Action Plan sheet); an imported
layout is read from every sheet it recognises, so a plan split over several sheets (or Word
tables) comes in whole, with ids numbered across all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from edi_xl.core.errors import EdiXlError, LayoutNotFoundError, UnreadableFileError
from edi_xl.core.model import Action, ActionPlan, combine_plans
from edi_xl.core.status import DEFAULT_STATUS_WORDS, RAG
from edi_xl.core.text import plural
from edi_xl.read.fills import cell_fills, colour_name, is_pale, rag_of_colour
from edi_xl.read.grid import SheetGrid, is_blank
from edi_xl.read.sources import read_grids, sniff_format
from edi_xl.read.word import WordDocument, read_docx
from edi_xl.tables import layouts
from edi_xl.tables.engine import (
    HEADER_SCAN_ROWS,
    Column,
    find_headers,
    left_of_plan_note,
    plan_start,
)
from edi_xl.tables.layouts.base import Detection
from edi_xl.tables.layouts.general import GeneralRead, SheetTheme, give_sheet_theme, sheet_themes
from edi_xl.tables.layouts.general import columns_of as general_columns
from edi_xl.tables.layouts.reading import TableRead, assign_ids

_DOC_REASON = (
    "a Word 97-2003 document (.doc), which cannot be read; open it in Word and save it as .docx"
)


@dataclass
class SourceRead:
    """What reading one source found: the plan, the layout, and how the reading went."""

    path: Path
    format: str  # "docx", "xlsx", "csv", ...
    layout: str
    plan: ActionPlan
    sheets: list[str] = field(default_factory=list)  # sheets read ("Word document" for .docx)
    tables: int = 0  # Word tables, or tables (header rows that are not page repeats) in sheets
    headings: int = 0  # section headings / group labels read as themes
    repeated_headers: int = 0  # header rows repeated mid-table, skipped
    filled_from_above: int = 0  # "As above" cells given the value of the row above
    original_due: int = 0  # revised due dates in words ("No change"): the original taken
    not_placed: list[str] = field(default_factory=list)
    #: what each source column became (field, extra column, ignored), first table first
    mapping: list[Column] = field(default_factory=list)
    #: the lines taken as the title and as section headings
    titles: list[str] = field(default_factory=list)
    #: a plan of one sheet per theme: the theme each sheet's title (or name) gave its actions
    sheet_themes: list[SheetTheme] = field(default_factory=list)
    #: Status cells holding no word but coloured (an .xlsx): read as their colour, or not
    colour_statuses: list[ColourStatus] = field(default_factory=list)
    #: once per sheet read: formulas the file holds no result for, read as their text
    formula_hints: list[str] = field(default_factory=list)

    @property
    def actions(self) -> int:
        return len(self.plan.actions)

    @property
    def statuses_from_colour(self) -> list[ColourStatus]:
        """The actions whose Status was read from its cell's colour, for a person to check."""
        return [c for c in self.colour_statuses if c.read_as is not None]

    @property
    def colour_hints(self) -> list[str]:
        """Once per sheet and reason: Status cells coloured but holding no word, whose colour
        was not taken as their status."""
        groups: dict[tuple[str, str], list[int]] = {}
        for c in self.colour_statuses:
            if c.why_not is not None:
                groups.setdefault((c.sheet, c.why_not), []).append(c.row)
        return [
            f"sheet {sheet!r}, {'row' if len(rows) == 1 else 'rows'} "
            f"{', '.join(map(str, rows))}: the Status cells are coloured but hold no word "
            f"({why}): type G/A/R/B, or {_WORDS}, in them"
            for (sheet, why), rows in groups.items()
        ]


_WORDS = ", ".join(DEFAULT_STATUS_WORDS.values())


@dataclass
class ColourStatus:
    """An action whose Status cell holds no word but is filled with a colour."""

    action: Action
    sheet: str
    row: int  # 1-based, as Excel shows it
    colour: str  # "RRGGBB"
    read_as: RAG | None = None  # the status taken from the colour
    why_not: str | None = None  # why the colour was not taken as the status

    def describe(self) -> str:
        """ "Tracker row 2, action 1: green (#00B050), read as On Track"."""
        where = f"{self.sheet} row {self.row}, action {self.action.id}: {colour_name(self.colour)}"
        if self.read_as is None:
            return f"{where}, not read ({self.why_not})"
        return f"{where}, read as {DEFAULT_STATUS_WORDS[self.read_as]}"


#: How many formula cells a hint names before "and n more".
_FORMULAS_NAMED = 5


def formula_hints(grids: list[SheetGrid]) -> list[str]:
    """Once per sheet: the formulas the file holds no result for (it was last saved by a
    program that does not calculate, such as openpyxl, and not opened in Excel since), read
    as their text; what to do about it."""
    from openpyxl.utils import get_column_letter

    out = []
    for grid in grids:
        if not grid.no_result:
            continue
        places = sorted(grid.no_result)
        named = [
            f"{get_column_letter(c + 1)}{r + 1} {grid.value(r, c)}"
            for r, c in places[:_FORMULAS_NAMED]
        ]
        more = len(places) - len(named)
        out.append(
            f"sheet {grid.name!r}: {plural(len(places), 'formula')} saved with no result "
            f"(the file was last saved by a program that does not calculate), read as "
            f"{'its' if len(places) == 1 else 'their'} text: {'; '.join(named)}"
            + (f"; and {more} more" if more else "")
            + ". Open the file in Excel, save it, and import it again"
        )
    return out


def layout_names(layout: str | None = None) -> list[str]:
    return [layout] if layout else layouts.names()


def read_plan(path: str | Path, layout: str | None = None) -> ActionPlan:
    """Read the action plan in ``path``.

    The layout is detected (or forced with ``layout``); ``plan.source`` tells which layout,
    sheet and header row were found, and which columns went where.
    """
    return read_source(path, layout).plan


def read_sheets(path: Path) -> tuple[str, list[SheetGrid], WordDocument | None]:
    """(format, grids, the Word document when it is one) for any readable source."""
    try:
        fmt = sniff_format(path)
    except FileNotFoundError:
        raise UnreadableFileError(path, "file not found") from None
    except IsADirectoryError:
        raise UnreadableFileError(path, "a folder, not a file") from None
    except OSError as exc:
        raise UnreadableFileError(path, f"cannot be opened: {exc.strerror or exc}") from None
    if fmt == "docx":
        document = read_docx(path)
        return fmt, [document.grid], document
    if fmt == "doc":
        raise UnreadableFileError(path, _DOC_REASON)
    book = read_grids(path)
    return book.format, book.sheets, None


def read_source(
    path: str | Path, layout: str | None = None, overrides: dict[str, str] | None = None
) -> SourceRead:
    """Read one source with its layout found (or forced), and say how it went.

    ``overrides`` (from ``--map``: normalised header -> field) are the general table's: a
    source with a column they name is read as a general table unless ``layout`` is given.
    """
    path = Path(path)
    if layout is not None and layout not in layouts.names():
        raise EdiXlError(f"unknown layout {layout!r}; known layouts: {', '.join(layouts.names())}")
    fmt, sheets, document = read_sheets(path)
    found = layouts.detect_best(sheets, layout)
    if overrides and not layout:
        for sheet in sheets:
            mapped = [
                h
                for h in find_headers(sheet, overrides)
                if any(c.how == "--map" for c in h.columns)
            ]
            if mapped:
                detection = layouts.general.detect(sheet, overrides)
                if detection is not None:
                    found = layouts.general, sheet, detection
                break
    if found is None:
        tried = ", ".join(layout_names(layout))
        where = (
            ("Word tables: " + str(len(document.tables)))
            if document
            else (
                "sheets: "
                + (", ".join(repr(s.name) for s in sheets) or "none")
                + f"; the trust's layout looks for its header row in the first "
                f"{HEADER_SCAN_ROWS} rows of each, the general layout anywhere"
            )
        )
        raise LayoutNotFoundError(
            f"{path.name}: no action-plan table found (layouts tried: {tried}; {where})"
        )
    module, grid, detection = found
    if module is layouts.trust:
        plan: ActionPlan = module.read(grid, detection, path=str(path))
        return SourceRead(
            path=path,
            format=fmt,
            layout=module.NAME,
            plan=plan,
            sheets=[grid.name],
            tables=1,
            repeated_headers=len(plan.source.skipped_rows) if plan.source else 0,
            mapping=seed_mapping(grid, plan),
            not_placed=[
                f"{grid.name} row {n.row}: "
                + " | ".join(repr(t) for t in n.texts)
                + (
                    " (no action number and no action text: not an action)"
                    if n.like_an_action
                    else " (a heading, a note or a RAG key: not an action)"
                )
                for n in (plan.source.not_actions if plan.source else [])
            ]
            + _left_of_plan(grid, detection.header_row),
            formula_hints=formula_hints([grid]),
        )
    return _read_imported(
        path, fmt, module, sheets, grid, detection, document, layout, overrides or {}
    )


#: A seed layout's field -> the master field it feeds ("progress" is the update column).
_SEED_FIELDS = {
    "id": "id",
    "theme": "theme",
    "action": "action",
    "references": "references",
    "characteristics": "characteristics",
    "owner": "owner",
    "start": "start",
    "due": "due",
    "status": "status",
    "progress": "update",
}


def _left_of_plan(grid: SheetGrid, header_row: int) -> list[str]:
    """The rows of a table of the trust's own left of a plan in the trust's layout
    (:func:`~edi_xl.tables.engine.plan_start`), listed as not placed as the general reader
    lists them: an import does not carry them into the master, and says so."""
    start = plan_start(grid, header_row)
    notes = (left_of_plan_note(grid.name, r, grid.rows[r], start) for r in
             range(header_row, grid.n_rows)) if start else ()  # fmt: skip
    return [note for note in notes if note]


def seed_mapping(grid: SheetGrid, plan: ActionPlan) -> list[Column]:
    """What each column of a table read by one of the seed layouts became."""
    src = plan.source
    if src is None or src.header_row is None:
        return []
    header = src.header_row - 1
    out: list[Column] = []
    for fld, col in src.columns.items():
        if fld.startswith("computed:"):
            continue
        text = " ".join(str(grid.value(header, col) or "").split())
        master = _SEED_FIELDS.get(fld)
        out.append(Column(col, text, master, "header" if master else "extra"))
    for name, col in {**src.update_columns, **src.extra_columns}.items():
        out.append(
            Column(
                col,
                name,
                "update" if name in src.update_columns else None,
                "header" if name in src.update_columns else "extra",
            )
        )
    return sorted(out, key=lambda c: c.col)


def _read_imported(
    path: Path,
    fmt: str,
    module: ModuleType,
    sheets: list[SheetGrid],
    best: SheetGrid,
    best_detection: Detection,
    document: WordDocument | None,
    forced: str | None,
    overrides: dict[str, str],
) -> SourceRead:
    reads: list[tuple[SheetGrid, TableRead]] = []
    not_placed: list[str] = []
    for grid in sheets:
        detection = best_detection if grid is best else module.detect(grid)
        if detection is None:
            if not forced:
                other = layouts.detect_best([grid])
                if other is not None:
                    not_placed.append(
                        f"sheet {grid.name!r} looks like layout {other[0].NAME}, not "
                        f"{module.NAME}: not read (import it on its own with --layout "
                        f"{other[0].NAME})"
                    )
            continue
        if module is layouts.general:
            reads.append(
                (
                    grid,
                    module.read_detail(
                        grid, detection, path=str(path), overrides=overrides, hints=(path.stem,)
                    ),
                )
            )
        else:
            reads.append((grid, module.read_detail(grid, detection, path=str(path))))
    themes = _themes_from_sheets(reads)
    colours = _statuses_from_colours(path, reads) if fmt in ("xlsx", "xlsm") else []
    first = reads[0][1].plan
    if len(reads) > 1:  # number the ids across the sheets, as one plan
        drafts = [(a, t) for _, r in reads for a, t in zip(r.plan.actions, r.themes, strict=True)]
        generated = [g for _, r in reads for g in r.generated]
        for (action, _), made in zip(drafts, generated, strict=True):
            if made:
                action.id = ""
        assign_ids(drafts, reads[0][1].number)
    plan = combine_plans([r.plan for _, r in reads], first.source)
    if document is not None:
        rows = {row for _, r in reads for row in r.rows}
        tables = len({t.index for row in rows if (t := document.table_of(row)) is not None})
    else:
        tables = sum(r.tables for _, r in reads)
    return SourceRead(
        path=path,
        format=fmt,
        layout=module.NAME,
        plan=plan,
        sheets=[g.name for g, _ in reads],
        tables=tables,
        headings=sum(r.headings for _, r in reads),
        repeated_headers=sum(len(r.plan.source.skipped_rows) for _, r in reads if r.plan.source),
        filled_from_above=sum(r.filled_from_above for _, r in reads),
        original_due=sum(r.original_due for _, r in reads),
        not_placed=not_placed + [n for _, r in reads for n in r.not_placed],
        mapping=_mapping(reads),
        titles=[t for _, r in reads if isinstance(r, GeneralRead) for t in r.titles],
        sheet_themes=themes,
        colour_statuses=colours,
        formula_hints=formula_hints([g for g, _ in reads]),
    )


def _themes_from_sheets(reads: list[tuple[SheetGrid, TableRead]]) -> list[SheetTheme]:
    """A plan written as one sheet per theme: each sheet's title (or name) given as the
    theme of its actions (:func:`~edi_xl.tables.layouts.general.sheet_themes`)."""
    general = [(g, r) for g, r in reads if isinstance(r, GeneralRead)]
    if len(general) != len(reads):
        return []
    themes = sheet_themes(general)
    by_sheet = {t.sheet: t for t in themes}
    for grid, read in general:
        if grid.name in by_sheet:
            give_sheet_theme(read, by_sheet[grid.name])
    return themes


def _mapping(reads: list[tuple[SheetGrid, TableRead]]) -> list[Column]:
    out: list[Column] = []
    seen: set[tuple[str, str | None, str]] = set()
    for grid, r in reads:
        cols = general_columns(r) if isinstance(r, GeneralRead) else seed_mapping(grid, r.plan)
        for c in cols:
            key = (c.header, c.field, c.how)
            if key not in seen:
                seen.add(key)
                out.append(c)
    return out


#: Why a Status cell's colour is not read as its status.
_NO_RAG_COLOUR = "not a green, amber, red or blue"
_ROW_COLOURED = "the action's whole row has that colour"
_COLUMN_SHADED = "the column is shaded so: Status cells holding a word have it too"
_ALL_ALIKE = "every empty Status cell has it: the column's shading, not a status"
#: How many empty Status cells of one colour, and no other, say the column is shaded.
_SHADED_AT = 3


def _statuses_from_colours(
    path: Path, reads: list[tuple[SheetGrid, TableRead]]
) -> list[ColourStatus]:
    """Status cells that hold no word but are filled green, amber, red or blue (a plan that
    keeps its RAG as colour alone) are read as that colour's status: each is listed, for a
    person to check. A colour that is no RAG colour, or the same fill over the action's text
    (a row highlighted or banded, not a status), is not read, and said once. Imports only:
    returns and masters say their status in words."""
    out: list[ColourStatus] = []
    for grid, read in reads:
        cells: dict[tuple[int, int], Action] = {}
        beside: dict[tuple[int, int], tuple[int, int]] = {}  # status cell -> action text cell
        worded: dict[tuple[int, int], RAG | None] = {}  # a Status cell holding a word: its RAG
        for action in read.plan.actions:
            if action.origin is None or action.origin.sheet != grid.name:
                continue
            r = action.origin.row - 1
            fields = _fields_at(read, r)
            col = fields.get("status")
            if col is None:
                continue
            if action.status_text or not is_blank(grid.value(r, col)):
                worded[(r, col)] = action.status
                continue
            cells[(r, col)] = action
            if (text_col := fields.get("action")) is not None:
                beside[(r, col)] = (r, text_col)
        if not cells:
            continue
        fills = cell_fills(path, grid.name, [*cells, *beside.values(), *worded]) or {}
        # a tint a Status cell with a word carries, the word another colour's (or none): the
        # column's shading ("Green" typed on the pale blue an input column is shaded with; a
        # strong green under "At risk" is a colour not changed with the word)
        shading = {
            fills[p]
            for p, rag in worded.items()
            if p in fills and is_pale(fills[p]) and rag_of_colour(fills[p]) != rag
        }
        empty = {fills.get(p) for p in cells}
        only = next(iter(empty)) if len(empty) == 1 else None
        # (a pale tint: a strong green on every empty cell is a plan all on track)
        alike = len(cells) >= _SHADED_AT and only is not None and is_pale(only)
        for place, action in cells.items():
            colour = fills.get(place)
            if colour is None:
                continue
            found = ColourStatus(action, grid.name, place[0] + 1, colour)
            rag = rag_of_colour(colour)
            if rag is None:
                found.why_not = _NO_RAG_COLOUR
            elif place in beside and fills.get(beside[place]) == colour:
                found.why_not = _ROW_COLOURED
            elif colour in shading:
                found.why_not = _COLUMN_SHADED
            elif alike:
                found.why_not = _ALL_ALIKE
            else:
                found.read_as = rag
                action.status = rag
                action.status_text = DEFAULT_STATUS_WORDS[rag]
            out.append(found)
    return out


def _fields_at(read: TableRead, r: int) -> dict[str, int]:
    """field -> column of the table that 0-based grid row ``r`` is in."""
    if isinstance(read, GeneralRead):
        above = [h for h in read.headers if h.rows[0] <= r]
        return above[-1].fields if above else {}
    return read.plan.source.columns if read.plan.source else {}
