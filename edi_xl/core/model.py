"""The action plan, as data: what every reader produces and every writer consumes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from edi_xl.core.dates import DateValue, parse_date
from edi_xl.core.references import ReportRef
from edi_xl.core.rounds import latest_round
from edi_xl.core.status import RAG


@dataclass(kw_only=True)
class ProgressUpdate:
    """One "Update as at <date>" cell of an action."""

    header: str
    as_at: date | None = None
    text: str | None = None


@dataclass(kw_only=True)
class CellOrigin:
    """Where an action was read from: the sheet and 1-based row."""

    sheet: str
    row: int


@dataclass(kw_only=True)
class Action:
    """One action of the plan, one row of the tracker."""

    id: str = ""
    theme: str | None = None
    action: str | None = None
    references_text: str | None = None
    references: list[ReportRef] = field(default_factory=list)
    characteristics_text: str | None = None
    characteristics: list[str] = field(default_factory=list)
    characteristics_unknown: list[str] = field(default_factory=list)
    owner: str | None = None
    start: DateValue = field(default_factory=lambda: parse_date(None))
    due: DateValue = field(default_factory=lambda: parse_date(None))
    status_text: str | None = None
    status: RAG | None = None
    updates: list[ProgressUpdate] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    origin: CellOrigin | None = None

    def __post_init__(self) -> None:
        """A status given as the RAG word ("Green", as pydantic's validation took it until
        session 18) is the RAG member: the rules compare statuses by identity."""
        if self.status is not None and type(self.status) is not RAG:
            self.status = RAG(self.status)

    @property
    def current_update(self) -> ProgressUpdate | None:
        """The update of the latest round (:func:`edi_xl.core.rounds.latest_round`)."""
        i = latest_round([u.as_at for u in self.updates])
        return self.updates[i] if i is not None else None

    @property
    def has_any_update_text(self) -> bool:
        return any(u.text and u.text.strip() for u in self.updates)


@dataclass(kw_only=True)
class RowNotRead:
    """A row in a plan's table that is not read as an action: a heading, a note, a RAG key,
    or a row with no action number and no action text (kept in the sheet as it is)."""

    row: int  # 1-based, as Excel shows it
    texts: list[str] = field(default_factory=list)  # what its cells show, left to right
    #: it holds an owner or a date: written as an action's would be, it may be meant as one
    like_an_action: bool = False


@dataclass(kw_only=True)
class PlanSource:
    """What a reader found: the layout, the sheet, the header row, the columns."""

    path: str | None = None
    layout: str
    sheet: str | None = None
    header_row: int | None = None  # 1-based
    columns: dict[str, int] = field(default_factory=dict)  # field -> 0-based column
    update_columns: dict[str, int] = field(default_factory=dict)  # header -> 0-based column
    extra_columns: dict[str, int] = field(default_factory=dict)  # header -> 0-based column
    skipped_rows: list[int] = field(default_factory=list)  # repeated header rows, 1-based
    not_actions: list[RowNotRead] = field(default_factory=list)  # headings, notes, keys


@dataclass(kw_only=True)
class ActionPlan:
    """An equality action plan: its actions and the columns they came with."""

    title: str | None = None
    actions: list[Action] = field(default_factory=list)
    update_headers: list[str] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    source: PlanSource | None = None

    def by_id(self) -> dict[str, Action]:
        return {a.id: a for a in self.actions if a.id}

    @property
    def owners(self) -> list[str]:
        seen: dict[str, None] = {}
        for a in self.actions:
            if a.owner:
                seen.setdefault(a.owner, None)
        return list(seen)


def combine_plans(plans: Sequence[ActionPlan], source: PlanSource | None) -> ActionPlan:
    """One plan holding the actions of ``plans`` (several sheets of a file, several files), in
    order: the first title, the update and extra columns in order of first use (every action
    gets every extra column), and the metadata of all, a key's different values joined by a
    line break (the same value once), so that nothing read is dropped."""
    metadata: dict[str, str] = {}
    for plan in plans:
        for key, value in plan.metadata.items():
            old = metadata.get(key)
            if old is None:
                metadata[key] = value
            elif value not in old.split("\n"):
                metadata[key] = f"{old}\n{value}"
    extra_columns = list(dict.fromkeys(c for p in plans for c in p.extra_columns))
    actions = [a for p in plans for a in p.actions]
    for action in actions:
        action.extra = {c: action.extra.get(c) for c in extra_columns}
    return ActionPlan(
        title=next((p.title for p in plans if p.title), None),
        actions=actions,
        update_headers=list(dict.fromkeys(h for p in plans for h in p.update_headers)),
        extra_columns=extra_columns,
        metadata=metadata,
        source=source,
    )
