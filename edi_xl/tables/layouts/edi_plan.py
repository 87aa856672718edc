"""Layout 001: the NHS England EDI Improvement Plan table, often in Word, often two tables.

``Objective (or Source) | Link to Trust Strategy | Action | Desired Outcome/Immediate Impact |
KPI | Evidence Assurance | Lead | Milestones | Progress``, a RAG key above the first table
(kept as plan metadata). The objective's first paragraph is the theme and a High Impact
Action named under it ("NHS England EDI Improvement Plan High Impact Action 3") the report
reference; the milestone ("In place by March 2024") is the due date; Progress is the update
column; the other columns are kept as extra columns.
"""

from __future__ import annotations

from edi_xl.tables.layouts.reading import LayoutSpec
from edi_xl.tables.layouts.tables import COMMON_FIELDS, Signature, Vocabulary

NAME = "edi-plan"
DESCRIPTION = (
    "NHS England EDI Improvement Plan (Objective | Link to Trust Strategy | Action | "
    "Desired Outcome | KPI | Evidence Assurance | Lead | Milestones | Progress)"
)

VOCABULARY = Vocabulary.of(
    [
        (
            "strategy",
            "link to trust strategy | trust strategy | strategy | link to strategy | "
            "+strategy | +ambition | +ambitions",
        ),
        (
            "outcome",
            "desired outcome | desired outcome immediate impact | outcome | outcomes | "
            "immediate impact | +outcome | +outcomes | +impact",
        ),
        (
            "kpi",
            "kpi | kpis | key performance indicator | key performance indicators | measure | "
            "measures | +kpi | +kpis",
        ),
        ("evidence", "evidence assurance | evidence | assurance | +evidence | +assurance"),
        ("due", "milestones | milestone | +milestones"),  # "In place by March 2024"
        (
            "theme",
            "objective | objectives | source | aim | aims | goal | high impact action | "
            "+objective | +objectives",
        ),
    ],
    shared=COMMON_FIELDS,
)

SIGNATURE = Signature(
    vocabulary=VOCABULARY,
    key_fields=(
        "theme",
        "strategy",
        "action",
        "outcome",
        "kpi",
        "evidence",
        "owner",
        "due",
        "progress",
    ),
    required=("action",),
    any_of=(("strategy", "outcome", "kpi", "evidence"),),
    min_fields=4,
)


def _refs(values: dict[str, str | None]) -> tuple[str | None, str | None]:
    return values.get("theme_rest"), None


SPEC = LayoutSpec(name=NAME, signature=SIGNATURE, refs=_refs, theme_first_paragraph=True)


detect = SPEC.detect
read_detail = SPEC.read_detail
read = SPEC.read
