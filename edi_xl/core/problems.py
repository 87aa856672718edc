"""Problems found in the data: records, not exceptions (collect all, then show them)."""

from __future__ import annotations

from collections import Counter
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class Severity(StrEnum):
    ERROR = "error"  # the plan is wrong and the rules cannot be trusted for this action
    WARNING = "warning"  # needs a human to look
    INFO = "info"  # worth knowing; nothing to fix


class Code(StrEnum):
    """Stable problem codes: reports, tests and the Problems column use these."""

    MISSING_ID = "missing_id"
    MISSING_ACTION = "missing_action"
    MISSING_OWNER = "missing_owner"
    MISSING_DUE_DATE = "missing_due_date"
    UNREADABLE_DUE_DATE = "unreadable_due_date"
    UNREADABLE_START_DATE = "unreadable_start_date"
    DUE_BEFORE_START = "due_before_start"
    DUPLICATE_ID = "duplicate_id"
    MISSING_STATUS = "missing_status"
    UNKNOWN_STATUS = "unknown_status"
    COMPLETE_WITHOUT_EVIDENCE = "complete_without_evidence"
    OVERDUE_NOT_RED = "overdue_declared_on_track"
    NO_CURRENT_UPDATE = "no_current_update"
    UNKNOWN_REFERENCE = "unknown_report_reference"
    UNKNOWN_CHARACTERISTIC = "unknown_protected_characteristic"
    NO_FIXED_DEADLINE = "no_fixed_deadline"


SEVERITY: dict[Code, Severity] = {
    Code.MISSING_ID: Severity.ERROR,
    Code.MISSING_ACTION: Severity.ERROR,
    Code.MISSING_OWNER: Severity.WARNING,
    Code.MISSING_DUE_DATE: Severity.WARNING,
    Code.UNREADABLE_DUE_DATE: Severity.ERROR,
    Code.UNREADABLE_START_DATE: Severity.WARNING,
    Code.DUE_BEFORE_START: Severity.ERROR,
    Code.DUPLICATE_ID: Severity.ERROR,
    Code.MISSING_STATUS: Severity.WARNING,
    Code.UNKNOWN_STATUS: Severity.ERROR,
    Code.COMPLETE_WITHOUT_EVIDENCE: Severity.WARNING,
    Code.OVERDUE_NOT_RED: Severity.WARNING,
    Code.NO_CURRENT_UPDATE: Severity.WARNING,
    Code.UNKNOWN_REFERENCE: Severity.WARNING,
    Code.UNKNOWN_CHARACTERISTIC: Severity.WARNING,
    Code.NO_FIXED_DEADLINE: Severity.INFO,
}


class Location(BaseModel):
    file: str | None = None
    sheet: str | None = None
    row: int | None = None  # 1-based, as Excel shows it
    column: str | None = None  # the column's header text
    cell: str | None = None  # "H12"

    def __str__(self) -> str:
        parts = [p for p in (self.file, self.sheet and f"sheet {self.sheet!r}") if p]
        if self.cell:
            parts.append(f"cell {self.cell}")
        elif self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts)


class Problem(BaseModel):
    code: Code
    severity: Severity
    action_id: str | None = None
    location: Location = Field(default_factory=Location)
    value: Any = None
    message: str

    def __str__(self) -> str:
        where = str(self.location)
        who = f"action {self.action_id}" if self.action_id else "an action"
        return f"{self.severity.value}: {who}: {self.message}" + (f" [{where}]" if where else "")


class Report(BaseModel):
    """All problems found in a plan."""

    problems: list[Problem] = Field(default_factory=list)

    @property
    def needs_attention(self) -> bool:
        """True when anything other than information was found."""
        return any(p.severity != Severity.INFO for p in self.problems)

    def counts(self) -> dict[str, int]:
        return dict(Counter(p.severity.value for p in self.problems))
