"""The action plan, as data: what every reader produces and every writer consumes."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from edi_xl.core.dates import DateValue, parse_date
from edi_xl.core.references import ReportRef
from edi_xl.core.status import RAG


class ProgressUpdate(BaseModel):
    """One "Update as at <date>" cell of an action."""

    header: str
    as_at: date | None = None
    text: str | None = None


class CellOrigin(BaseModel):
    """Where an action was read from: the sheet and 1-based row."""

    sheet: str
    row: int


class Action(BaseModel):
    """One action of the plan, one row of the tracker."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    id: str = ""
    theme: str | None = None
    action: str | None = None
    references_text: str | None = None
    references: list[ReportRef] = Field(default_factory=list)
    characteristics_text: str | None = None
    characteristics: list[str] = Field(default_factory=list)
    characteristics_unknown: list[str] = Field(default_factory=list)
    owner: str | None = None
    start: DateValue = Field(default_factory=lambda: parse_date(None))
    due: DateValue = Field(default_factory=lambda: parse_date(None))
    status_text: str | None = None
    status: RAG | None = None
    updates: list[ProgressUpdate] = Field(default_factory=list)
    extra: dict[str, Any] = Field(default_factory=dict)
    origin: CellOrigin | None = None

    @property
    def current_update(self) -> ProgressUpdate | None:
        """The update of the latest round (the last dated column; undated ones count last)."""
        if not self.updates:
            return None
        dated = [u for u in self.updates if u.as_at is not None]
        if dated:
            return max(dated, key=lambda u: u.as_at or date.min)
        return self.updates[-1]

    @property
    def has_any_update_text(self) -> bool:
        return any(u.text and u.text.strip() for u in self.updates)


class PlanSource(BaseModel):
    """What a reader found: the layout, the sheet, the header row, the columns."""

    path: str | None = None
    layout: str
    sheet: str | None = None
    header_row: int | None = None  # 1-based
    columns: dict[str, int] = Field(default_factory=dict)  # field -> 0-based column
    update_columns: dict[str, int] = Field(default_factory=dict)  # header -> 0-based column
    extra_columns: dict[str, int] = Field(default_factory=dict)  # header -> 0-based column
    skipped_rows: list[int] = Field(default_factory=list)  # repeated header rows, 1-based


class ActionPlan(BaseModel):
    """An equality action plan: its actions and the columns they came with."""

    title: str | None = None
    actions: list[Action] = Field(default_factory=list)
    update_headers: list[str] = Field(default_factory=list)
    extra_columns: list[str] = Field(default_factory=list)
    metadata: dict[str, str] = Field(default_factory=dict)
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
