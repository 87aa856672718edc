"""The registry of action-plan layouts.

Each layout module offers ``NAME``, ``DESCRIPTION``, ``detect(grid) -> Detection | None`` and
``read(grid, detection, path=None, words=None) -> ActionPlan``; the imported layouts also offer
``read_detail`` (the plan and how the reading went: tables, headings, what was not placed).
:func:`detect_best` asks every seed layout about every sheet and takes the highest score (the
share of the layout's own columns found in its header row); on a tie the earlier layout in
:func:`in_order` wins, so the order there matters. When none fits (or the trust layout's claim
is weak: see :data:`STRONG_TRUST_FIELDS`), the general table (:mod:`edi_xl.tables.layouts.general`,
columns recognised by meaning) reads the sheet.
"""

from __future__ import annotations

from types import ModuleType

from edi_xl.read.grid import SheetGrid
from edi_xl.tables.layouts import trust
from edi_xl.tables.layouts.base import Detection

__all__ = ["Detection", "by_name", "detect_best", "in_order", "names"]


def in_order() -> list[ModuleType]:
    """Every layout, in detection order. The layouts but the trust's are imported when first
    asked for: a command on a master (refresh, merge) reads it with the trust layout alone,
    and need not load the others' patterns and tables (about 20 ms of its start)."""
    from edi_xl.tables.layouts import edi_plan, general, sections, wres_template, wres_wdes

    # Detection order (ties go to the earlier layout; scores are compared, so order only
    # decides between equally good fits):
    return [
        # 000 the trust tracker first: a master edi_xl wrote must always be read as one.
        trust,
        # The imported layouts each need their own distinctive columns to claim a table at
        # all (KPI / outcome / evidence; the WRES indicator and KPIs or sustainability; a
        # Priority column or numbered section headings; the WRES / WDES / Other PCs flags),
        # so they rarely compete. Most specific signature first:
        wres_wdes,  # 004 WRES + WDES combined: Yes/No flag columns
        wres_template,  # 002 NHS England WRES template: indicator + KPIs/sustainability
        edi_plan,  # 001 EDI Improvement Plan: outcome / KPI / evidence columns
        sections,  # 003 numbered sections: Priority or "1. ..." headings, RAG letters
        # Any other table whose columns are recognised by meaning (edi_xl.tables.engine): it
        # wins over a weak claim of the trust layout (see detect_best), never over the seed
        # layouts.
        general,
    ]


#: The trust layout claims a table for certain only with this many of its nine columns (a
#: master edi_xl wrote has all nine) or with dated "Update as at" columns (a sheet named "Action
#: Plan" is no sign: many trusts' plans are);
#: a weaker claim goes to the general table, which reads titles and section rows.
STRONG_TRUST_FIELDS = 8


def by_name(name: str) -> ModuleType:
    for module in in_order():
        if name == module.NAME:
            return module
    known = ", ".join(m.NAME for m in in_order())
    raise KeyError(f"unknown layout {name!r}; known layouts: {known}")


def names() -> list[str]:
    return [m.NAME for m in in_order()]


def detect_best(
    sheets: list[SheetGrid], layout: str | None = None
) -> tuple[ModuleType, SheetGrid, Detection] | None:
    """The best (layout, sheet, detection) over all sheets, or None when nothing fits.

    The seed layouts compete by score; the general table is taken when none of them (nor a
    strong claim of the trust layout) fits.
    """
    from edi_xl.tables.layouts import general

    candidates = [by_name(layout)] if layout else [m for m in in_order() if m is not general]
    best: tuple[ModuleType, SheetGrid, Detection] | None = None
    best_score = 0.0
    for module in candidates:
        for sheet in sheets:
            found = module.detect(sheet)
            if found is None:
                continue
            # A sheet called "Action Plan" wins a tie: that is where edi_xl writes the plan.
            score = found.score + (0.01 if sheet.name.strip().lower() == "action plan" else 0.0)
            if best is None or score > best_score:
                best, best_score = (module, sheet, found), score
    if layout or (best is not None and (best[0] is not trust or _strong_trust(*best[1:]))):
        return best
    for sheet in sheets:
        found = general.detect(sheet)
        if found is not None:
            return general, sheet, found
    return best


def _strong_trust(sheet: SheetGrid, detection: Detection) -> bool:
    hits = sum(1 for f in trust.KEY_FIELDS if f in detection.columns)
    if hits >= STRONG_TRUST_FIELDS:
        return True
    dates = trust.map_columns(sheet, detection.header_row).update_dates
    return any(d is not None for d in dates.values())
