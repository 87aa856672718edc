"""The registry of action-plan layouts.

Each layout module offers ``NAME``, ``DESCRIPTION``, ``detect(grid) -> Detection | None`` and
``read(grid, detection) -> ActionPlan``. :func:`detect_best` asks every layout about every
sheet and takes the highest score; on a tie the earlier layout in :data:`LAYOUTS` wins, so the
order below matters: the trust's own tracker first, because a master must always be read as
one.
"""

from __future__ import annotations

from types import ModuleType

from edi_xl.grid import SheetGrid
from edi_xl.layouts import trust
from edi_xl.layouts.base import Detection

__all__ = ["LAYOUTS", "Detection", "by_name", "detect_best", "names"]

LAYOUTS: list[ModuleType] = [
    trust,  # 000 the trust tracker: the master layout edi_xl writes
]


def by_name(name: str) -> ModuleType:
    for module in LAYOUTS:
        if name == module.NAME:
            return module
    known = ", ".join(m.NAME for m in LAYOUTS)
    raise KeyError(f"unknown layout {name!r}; known layouts: {known}")


def names() -> list[str]:
    return [m.NAME for m in LAYOUTS]


def detect_best(
    sheets: list[SheetGrid], layout: str | None = None
) -> tuple[ModuleType, SheetGrid, Detection] | None:
    """The best (layout, sheet, detection) over all sheets, or None when nothing fits."""
    candidates = [by_name(layout)] if layout else LAYOUTS
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
    return best
