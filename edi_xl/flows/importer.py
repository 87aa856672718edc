"""Import action plans of any known layout into a new master in the trust layout.

``import_plans([...], "master.xlsx", as_at=...)`` reads every source (Word tables, any
spreadsheet, any of the layouts in :mod:`edi_xl.tables.layouts`), puts all their actions in one plan
and writes it as a new master: the Action Plan sheet in the trust layout, refreshed (RAG,
overdue, problems) and formatted as ``edi-xl new`` does, plus an "Imported from" sheet that
records, per source, the layout, the tables and actions read, the plan's metadata (Trust,
Year, authors...) and anything that could not be placed.

A source that cannot be read, or in which no layout recognises a table, or whose table has
no actions, is reported and left out; the others still import. When nothing can be imported
at all, :class:`NothingImportedError` is raised and no file is written.

``import_into([...], "plan.xlsx", as_at=...)`` reads the sources the same way and adds their
actions as new rows at the end of an existing master's plan table, each value in the column the
master keeps it in (:mod:`edi_xl.master.append`); an action whose id the master already has is
not added again but reported, and a value the master has no column for is reported per field.
The master is then refreshed and saved by the patch writer, as ``refresh`` does: everything
else in the trust's workbook is kept, and the previous file is kept as a backup. Each added
action is one line of the Change Log; the "Imported from" sheet gets the sources' records
below any it holds.

Ids: a source's own ids are kept; where it has none they are made as ``<theme number>.
<sequence>`` (see :mod:`edi_xl.tables.layouts.reading`). With several sources, every id is prefixed
with the source's letter in the order given (A, B, C...: ``A1.1``, ``B1.1``), so ids from
different plans never clash, and the same sources in the same order always give the same ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook

from edi_xl.core.dates import short_date
from edi_xl.core.errors import EdiXlError
from edi_xl.core.model import Action, ActionPlan, PlanSource, combine_plans
from edi_xl.core.problems import Code, Problem, problem
from edi_xl.core.rounds import undated_in_round
from edi_xl.core.text import one_line
from edi_xl.flows.refresh import RefreshResult, refresh_book
from edi_xl.master import sheets
from edi_xl.master.append import Unplaced, append_actions
from edi_xl.master.cells import set_value
from edi_xl.master.labels import SensitivityLabel, one_label, read_label
from edi_xl.master.patch import save_master
from edi_xl.master.plan import build_master_book, gc_paused, load_master, read_master_plan
from edi_xl.master.save import save_atomic
from edi_xl.master.sheets import IMPORT_SHEET, IMPORT_TITLE, Change
from edi_xl.master.styles import HEADER_FILL, HEADER_FONT, TITLE_FONT, WRAP_TOP
from edi_xl.tables import layouts
from edi_xl.tables.engine import Column
from edi_xl.tables.layouts import trust
from edi_xl.tables.reader import SourceRead, read_source


class NothingImportedError(EdiXlError):
    """None of the sources could be imported; no master was written."""


@dataclass
class SourceOutcome:
    """What happened to one source."""

    path: Path
    prefix: str  # the id prefix given to its actions ("" for a single source)
    read: SourceRead | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.read is not None

    @property
    def layout(self) -> str | None:
        return self.read.layout if self.read else None

    @property
    def ids(self) -> list[str]:
        return [a.id for a in self.read.plan.actions] if self.read else []


@dataclass(frozen=True)
class Duplicate:
    """An imported action whose id the master already has: not added, the master's row kept."""

    id: str
    source: Path


@dataclass
class ImportResult:
    """The sources, what became of each, and the refresh of the master written.

    For an import into an existing master (:func:`import_into`) also: the ids added, the
    actions left out because the master has their id, and the fields it has no column for.
    """

    path: Path
    as_at: date
    sources: list[SourceOutcome]
    plan: ActionPlan
    refresh: RefreshResult
    backup: Path | None = None
    notes: list[Problem] = field(default_factory=list)  # the refresh's
    #: ``--map`` headers no source has a column for (normalised as matched)
    unused_maps: list[str] = field(default_factory=list)
    into: bool = False  # added to an existing master (import --into)
    added: list[str] = field(default_factory=list)  # ids of the actions added, in order
    rows: list[int] = field(default_factory=list)  # their rows on the plan sheet (1-based)
    duplicates: list[Duplicate] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)
    #: the master's own columns filled down with a formula that the new rows were given
    formulas: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[SourceOutcome]:
        return [s for s in self.sources if not s.ok]

    @property
    def needs_attention(self) -> bool:
        """A source failed, something in one could not be placed, or the master written has
        problems that need a person (as for ``edi-xl new``)."""
        return (
            bool(self.failed)
            or bool(self.unused_maps)
            or bool(self.duplicates)
            or bool(self.unplaced)
            or any(s.read.not_placed or s.read.formula_hints for s in self.sources if s.read)
            or self.refresh.report.needs_attention
        )


def source_prefix(index: int, count: int) -> str:
    """The id prefix of the ``index``-th (0-based) of ``count`` sources: "", or "A", "B"..."""
    if count <= 1:
        return ""
    out = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(ord("A") + rem) + out
    return out


def read_sources(
    paths: Sequence[str | Path],
    layout: str | None = None,
    overrides: dict[str, str] | None = None,
) -> list[SourceOutcome]:
    """Read every source; failures are recorded, never raised (a bad layout name is).

    ``overrides``: ``--map``'s column header -> field (see
    :func:`edi_xl.tables.engine.parse_overrides`).
    """
    if layout is not None and layout not in layouts.names():
        raise EdiXlError(f"unknown layout {layout!r}; known layouts: {', '.join(layouts.names())}")
    outcomes = []
    for i, raw in enumerate(paths):
        path = Path(raw)
        outcome = SourceOutcome(path=path, prefix=source_prefix(i, len(paths)))
        try:
            read = read_source(path, layout, overrides)
        except EdiXlError as exc:
            outcome.error = str(exc)
        else:
            if not read.plan.actions:
                outcome.error = (
                    f"{path.name}: a {read.layout} table was found "
                    f"({', '.join(read.sheets)}) but it has no action rows"
                )
            else:
                for action in read.plan.actions:
                    action.id = f"{outcome.prefix}{action.id}"
                outcome.read = read
        outcomes.append(outcome)
    return outcomes


def combine(outcomes: Iterable[SourceOutcome]) -> ActionPlan:
    """One plan holding the actions of every source read, columns in order of first use."""
    reads = [o.read for o in outcomes if o.read is not None]
    plans = [r.plan for r in reads]
    source = None
    if len(plans) == 1:
        source = plans[0].source
    elif plans:
        source = PlanSource(layout="+".join(dict.fromkeys(r.layout for r in reads)))
    return combine_plans(plans, source)


def _read_some(
    sources: Sequence[str | Path], layout: str | None, overrides: dict[str, str] | None
) -> list[SourceOutcome]:
    """:func:`read_sources`, refused when not one of them could be read (saying why each
    could not)."""
    outcomes = read_sources(sources, layout, overrides)
    if not any(o.ok for o in outcomes):
        raise NothingImportedError(
            "nothing imported: " + "; ".join(o.error or str(o.path) for o in outcomes)
        )
    return outcomes


def import_plans(
    sources: Sequence[str | Path],
    out: str | Path,
    layout: str | None = None,
    as_at: date | None = None,
    *,
    trust_name: str | None = None,
    now: datetime | None = None,
    overwrite: bool = False,
    overrides: dict[str, str] | None = None,
) -> ImportResult:
    """Read ``sources`` and write their actions as a new master at ``out``, with their
    sensitivity label when they carry one (:func:`_sources_label`)."""
    if as_at is None:
        raise EdiXlError("import needs an as-at date")
    out = Path(out)
    if out.exists() and not overwrite:
        raise EdiXlError(f"{out}: already exists; refusing to overwrite it (use --force)")
    outcomes = _read_some(sources, layout, overrides)
    plan = combine(outcomes)
    name_round_columns((o.read.mapping for o in outcomes if o.read), plan, as_at)
    trust_name = trust_name or plan.metadata.get("Trust") or plan.metadata.get("Organisation")
    wb = build_master_book(plan, as_at, trust_name=trust_name)
    write_import_sheet(wb, outcomes)
    names = ", ".join(o.path.name for o in outcomes if o.ok)
    # "as at": the round its Change Log lines belong to (the trend, the changes since)
    source = f"imported from {names} as at {short_date(as_at)}"
    refresh = refresh_book(wb, as_at, source=source, now=now, path=out.name)
    label = _sources_label(outcomes, out, refresh.notes)
    backup = save_atomic(wb, out, notes=refresh.notes, label=label)
    refresh.path, refresh.backup = out, backup
    return ImportResult(
        path=out,
        as_at=as_at,
        sources=outcomes,
        plan=plan,
        refresh=refresh,
        backup=backup,
        notes=refresh.notes,
        unused_maps=unused_overrides(outcomes, overrides or {}),
    )


def _sources_label(
    outcomes: Sequence[SourceOutcome], out: Path, notes: list[Problem]
) -> SensitivityLabel | None:
    """The sensitivity label the new master at ``out`` carries: the sources' own, when
    every labelled source has the same (:func:`~edi_xl.master.labels.one_label`); none when
    they differ, said in ``notes`` (``sensitivity_labels_differ``: a person chooses)."""
    label, differing = one_label(read_label(o.path) for o in outcomes if o.ok)
    if differing:
        said = "; ".join(f"{d.source}: {d.describe()}" for d in differing)
        notes.append(problem(Code.SENSITIVITY_LABELS_DIFFER, file=out.name, value=said))
    return label


def name_round_columns(mappings: Iterable[Sequence[Column]], plan: ActionPlan, as_at: date) -> None:
    """Say, beside each source's update column dated nowhere (``mappings``: each source's
    columns as read), that the new master keeps its updates as the round's ("Update as at 1
    Jun 24", as :func:`~edi_xl.master.plan.build_master_book` names it): the source's own
    header ("Progress to date") stays in the listing and on the "Imported from" sheet, where
    a person looks for what became of a column, and the master's update columns stay one a
    round."""
    in_round = undated_in_round(
        plan.update_headers, ([u.header for u in a.updates if u.text] for a in plan.actions), as_at
    )
    for mapping in mappings:
        for column in mapping:
            master = in_round.get(column.header) or in_round.get(f"Update ({column.header})")
            if column.field == "update" and master is not None:
                said = f"in the master as this round's {master!r}: the header gives no date"
                column.note = f"{column.note}; {said}" if column.note else said


def _id_key(action_id: str) -> str:
    return one_line(action_id).casefold()


def import_into(
    sources: Sequence[str | Path],
    master: str | Path,
    layout: str | None = None,
    as_at: date | None = None,
    *,
    now: datetime | None = None,
    overrides: dict[str, str] | None = None,
) -> ImportResult:
    """Read ``sources`` and add their actions to the existing master at ``master`` (in place,
    with a backup). ``as_at`` defaults to the round on the master's Settings sheet."""
    master = Path(master)
    if master.suffix.lower() not in (".xlsx", ".xlsm"):
        raise EdiXlError(
            f"{master}: the master to import into is an .xlsx or .xlsm workbook made or "
            "kept with edi_xl"
        )
    # a missing file or one of another kind: a message naming it
    wb = load_master(master, remakes_summary=True, log_as_values=True)
    with gc_paused():
        target = read_master_plan(wb, master.name)  # no plan table: says which sheets it read
    outcomes = _read_some(sources, layout, overrides)
    plan = combine(outcomes)
    known = {_id_key(a.id) for a in target.plan.actions if a.id}
    new: list[tuple[Action, SourceOutcome]] = []
    duplicates: list[Duplicate] = []
    for outcome in outcomes:
        for action in outcome.read.plan.actions if outcome.read else []:
            if action.id and _id_key(action.id) in known:
                duplicates.append(Duplicate(action.id, outcome.path))
            else:
                new.append((action, outcome))
    if not new:
        ids = [d.id for d in duplicates]
        shown = ", ".join(ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")
        raise NothingImportedError(
            f"nothing imported into {master}: every action read is already in it (ids "
            f"{shown}); the master was not changed"
        )
    when = now or datetime.now().replace(microsecond=0)
    with gc_paused():
        added = append_actions(
            target, [a for a, _ in new], path=master.name, as_at=as_at or target.settings.as_at
        )
        log = [Change(a.id, "Action", None, a.action, f"import from {o.path.name}") for a, o in new]
        sheets.append_changes(wb, log, when)
        write_import_sheet(wb, outcomes)  # the sources' metadata: nothing read is dropped
        refresh = refresh_book(wb, as_at, now=when, path=master.name)
        refresh.changes[:0] = log
        refresh.notes[:0] = added.notes
        backup = save_master(wb, master, notes=refresh.notes)
    refresh.path, refresh.backup = master, backup
    return ImportResult(
        path=master,
        as_at=refresh.as_at,
        sources=outcomes,
        plan=plan,
        refresh=refresh,
        backup=backup,
        notes=refresh.notes,
        unused_maps=unused_overrides(outcomes, overrides or {}),
        into=True,
        added=[a.id for a, _ in new],
        rows=added.rows,
        duplicates=duplicates,
        unplaced=added.unplaced,
        formulas=added.formulas,
    )


def unused_overrides(outcomes: Iterable[SourceOutcome], overrides: dict[str, str]) -> list[str]:
    """The ``--map`` headers that no source read has a column for (a column under a group
    label answers to its header with the label, "RAG (Q1 update)", and without, "RAG")."""
    used = {
        " ".join(name.split()).casefold()
        for o in outcomes
        if o.read is not None
        for c in o.read.mapping
        for name in (c.header, c.plain)
        if name
    }
    return [header for header in overrides if header not in used]


def describe(outcome: SourceOutcome) -> list[tuple[str, str]]:
    """(label, value) lines saying what became of one source."""
    if outcome.read is None:
        return [("Source", outcome.path.name), ("Not imported", outcome.error or "")]
    read = outcome.read
    module = layouts.by_name(read.layout)
    lines = [
        ("Source", outcome.path.name),
        ("Layout", f"{read.layout}: {module.DESCRIPTION}"),
        ("Read from", f"{read.format}; " + ", ".join(read.sheets)),
        ("Tables read", str(read.tables)),
        ("Actions read", actions_read(outcome)),
    ]
    lines += [(label, str(n)) for label, n in tidied(read)]
    if read.plan.extra_columns:
        lines.append(("Kept as extra columns", ", ".join(read.plan.extra_columns)))
    lines += [(f"Column {c.header}", mapping_text(c)) for c in read.mapping]
    lines += [(f"Title {i}", text) for i, text in enumerate(read.titles, 1)]
    lines += [(f"Theme from the sheet's {t.source}", t.describe()) for t in read.sheet_themes]
    lines += [
        (f"Status from its colour {i}", c.describe())
        for i, c in enumerate(read.statuses_from_colour, 1)
    ]
    lines += [("Status colours not read", hint) for hint in read.colour_hints]
    lines += [("Formulas with no result", hint) for hint in read.formula_hints]
    lines += [(f"Not placed {i}", text) for i, text in enumerate(read.not_placed, 1)]
    lines += [(key, value) for key, value in read.plan.metadata.items()]
    return lines


def actions_read(outcome: SourceOutcome) -> str:
    """How many actions a source gave, and their first and last ids: "12 (1.1 to 4.3)"."""
    ids = outcome.ids
    return f"{len(ids)} ({ids[0]} to {ids[-1]})" if ids else "0"


def tidied(read: SourceRead) -> list[tuple[str, int]]:
    """What the reading tidied in a source, counted (only what happened): headings taken as
    themes, repeated header rows skipped, "as above" cells filled."""
    counts = [
        ("Headings read as themes", read.headings),
        ("Repeated header rows skipped", read.repeated_headers),
        ('"As above" cells filled from the row above', read.filled_from_above),
        (
            'Revised due dates in words ("No change"): the original taken, the words kept',
            read.original_due,
        ),
    ]
    return [(label, n) for label, n in counts if n]


def layout_label(name: str) -> str:
    """ "general table" for the general reading, else "layout <name>"."""
    return "general table" if name == layouts.general.NAME else f"layout {name}"


#: master field -> the master's column header it is written under
_MASTER_HEADERS = {c.field: c.header for c in trust.COLUMNS} | {
    "update": "the update column",
    "indicator": "Report / Action (and kept as an extra column)",
}


def mapping_text(column: Column) -> str:
    """What a source column became, in words: "Action Owner (owner, by its header)"."""
    how = {"header": "by its header", "content": "by its content", "--map": "by --map"}
    note = f"; {column.note}" if column.note else ""
    if column.field is None:
        if column.how == "ignored":
            return "ignored"
        return "kept as an extra column" + (f" ({column.note})" if column.note else "")
    target = _MASTER_HEADERS.get(column.field, column.field)
    return f"{target} ({column.field}, {how.get(column.how, column.how)}{note})"


def outcome_dict(outcome: SourceOutcome) -> dict[str, Any]:
    """One source's outcome as data (``edi-xl import --json``)."""
    if outcome.read is None:
        return {"source": str(outcome.path), "imported": False, "error": outcome.error}
    read = outcome.read
    return {
        "source": str(outcome.path),
        "imported": True,
        "layout": read.layout,
        "format": read.format,
        "sheets": read.sheets,
        "tables": read.tables,
        "actions": len(read.plan.actions),
        "ids": outcome.ids,
        "columns": [{**c.to_dict(), "becomes": mapping_text(c)} for c in read.mapping],
        "titles": read.titles,
        "sheet_themes": [
            {"sheet": t.sheet, "theme": t.theme, "from": t.source, "actions": t.actions}
            for t in read.sheet_themes
        ],
        "status_from_colour": [
            {
                "id": c.action.id,
                "sheet": c.sheet,
                "row": c.row,
                "colour": f"#{c.colour}",
                "status": c.action.status_text,
            }
            for c in read.statuses_from_colour
        ],
        "status_colour_hints": read.colour_hints,
        "formulas_without_result": read.formula_hints,
        "metadata": read.plan.metadata,
        "not_placed": read.not_placed,
    }


def write_import_sheet(wb: Workbook, outcomes: list[SourceOutcome]) -> None:
    """The "Imported from" sheet: per source, what was read and the plan's metadata. A master
    that has one already (an import into it) gets the new sources below the old ones."""
    if IMPORT_SHEET in wb.sheetnames:
        ws = wb[IMPORT_SHEET]
        r = ws.max_row + 2
    else:
        ws = wb.create_sheet(IMPORT_SHEET)
        ws["A1"] = IMPORT_TITLE
        ws["A1"].font = TITLE_FONT
        r = 3
    for outcome in outcomes:
        for label, value in describe(outcome):
            set_value(ws.cell(r, 1), label)
            set_value(ws.cell(r, 2), value)
            ws.cell(r, 2).alignment = WRAP_TOP
            if label == "Source":
                for col in (1, 2):
                    ws.cell(r, col).font, ws.cell(r, col).fill = HEADER_FONT, HEADER_FILL
            r += 1
        r += 1
    ws.column_dimensions[get_column_letter(1)].width = 34
    ws.column_dimensions[get_column_letter(2)].width = 100
