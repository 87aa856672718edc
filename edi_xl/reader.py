"""One way in: ``read_plan(path)`` finds the layout and reads the plan."""

from __future__ import annotations

from pathlib import Path

from edi_xl import layouts
from edi_xl.errors import LayoutNotFoundError
from edi_xl.model import ActionPlan
from edi_xl.sources import read_grids


def read_plan(path: str | Path, layout: str | None = None) -> ActionPlan:
    """Read the action plan in ``path``.

    The layout is detected (or forced with ``layout``); ``plan.source`` tells which layout,
    sheet and header row were found, and which columns went where.
    """
    path = Path(path)
    book = read_grids(path)
    found = layouts.detect_best(book.sheets, layout)
    if found is None:
        tried = layout or ", ".join(layouts.names())
        sheets = ", ".join(repr(s.name) for s in book.sheets) or "none"
        raise LayoutNotFoundError(
            f"{path.name}: no action-plan table found (layouts tried: {tried}; sheets: {sheets})"
        )
    module, grid, detection = found
    plan: ActionPlan = module.read(grid, detection, path=str(path))
    return plan
