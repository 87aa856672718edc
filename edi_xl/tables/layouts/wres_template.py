"""Layout 002: the NHS England WRES action plan template (2022/23).

A metadata block (Trust, Year, Primary author(s), Plan endorsed by, Sources of information;
the SMART principles beside it) above a table ``WRES ACTION INDICATOR | <actions> | <KPIs
and timelines> | <how actions will be made sustainable>``, the header repeated on every
page. The indicator ("Actions Indicator 1: Recruitment and Promotion") is written on the
first row of its group and blank (or merged) below: it is carried down, and is the theme;
its number gives the ids (1.1, 1.2...) and the report reference (WRES 1). The metadata is
kept as plan metadata; the due date is the date written in the KPIs and timelines text
("Agreement to be in place by July 2023"), when there is one. The template is the race
equality standard's, so the protected characteristic is Race.
"""

from __future__ import annotations

import re

from edi_xl.tables.layouts.reading import LayoutSpec
from edi_xl.tables.layouts.tables import COMMON_FIELDS, Signature, Vocabulary

NAME = "wres-template"
DESCRIPTION = (
    "NHS England WRES action plan template (metadata block; WRES ACTION INDICATOR | action | "
    "KPIs and timelines | sustainability)"
)

VOCABULARY = Vocabulary.of(
    [
        (
            "theme",
            "wres action indicator | wres indicator | action indicator | indicator | "
            "indicators | +indicator | +indicators",
        ),
        (
            "kpi",
            "kpis and timelines | kpis | kpi | timelines | monitoring | +kpis | +kpi | +timelines",
        ),
        (
            "sustainability",
            "sustainability | sustainable | how will actions be made sustainable | "
            "+sustainable | +sustainability | +sustained",
        ),
        # "Please specify which actions are different to current practice, and which are
        # continuation"
        ("action", "+practice | +continuation"),
    ],
    shared={k: v for k, v in COMMON_FIELDS.items() if k != "due"},  # due: from the KPI text
)

SIGNATURE = Signature(
    vocabulary=VOCABULARY,
    key_fields=("theme", "action", "kpi", "sustainability"),
    required=("theme",),
    any_of=(("kpi", "sustainability"),),
    min_fields=3,
)

_INDICATOR = re.compile(r"\bindicator\s*(\d)\b", re.IGNORECASE)


def indicator_number(theme: str) -> int | None:
    """``"Actions Indicator 7: Equal opportunities" -> 7``."""
    m = _INDICATOR.search(theme)
    return int(m.group(1)) if m else None


def _refs(values: dict[str, str | None]) -> tuple[str | None, str | None]:
    number = indicator_number(values.get("theme") or "")
    return (f"WRES {number}" if number else "WRES"), "Race"


SPEC = LayoutSpec(
    name=NAME, signature=SIGNATURE, due_from="kpi", refs=_refs, theme_number=indicator_number
)


detect = SPEC.detect
read_detail = SPEC.read_detail
read = SPEC.read
