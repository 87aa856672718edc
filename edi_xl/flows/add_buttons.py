"""``edi-xl add-buttons PLAN.xlsx``: the trust's own workbook, with the buttons, as PLAN.xlsm.

Before the buttons go in, the plan is refreshed as ``edi-xl refresh`` does (its Settings,
Lists, Summary and Change Log sheets are what the buttons read and write); the refresh is
saved by the patch writer and the buttons added to its package
(:func:`edi_xl.master.buttons.add_buttons_to_package`), so nothing of the trust's is lost.
"""

from __future__ import annotations

import contextlib
import zipfile
from datetime import date
from pathlib import Path

from edi_xl.core.errors import EdiXlError, StructureLockedError
from edi_xl.flows.refresh import RefreshResult, refresh_book
from edi_xl.master.buttons import (
    HAS_MACROS,
    Placement,
    add_buttons_to_package,
    has_macros,
    placement,
)
from edi_xl.master.patch import save_bytes
from edi_xl.master.plan import gc_paused, load_master, read_master_plan
from edi_xl.master.save import state_when_read, write_atomic
from edi_xl.read.grid import is_blank


def add_buttons(
    path: str | Path, out: str | Path | None = None, as_at: date | None = None
) -> tuple[Path, RefreshResult, Placement]:
    """Refresh the trust's workbook at ``path`` and write it, with the buttons, as ``out``
    (default: the same name with .xlsm). Returns (the .xlsm written, the refresh result,
    where the buttons are)."""
    path = Path(path)
    target = Path(out) if out else path.with_suffix(".xlsm")
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise EdiXlError(
            f"{path}: add-buttons needs an Excel workbook (.xlsx); for other files use "
            "edi-xl import or edi-xl new --from"
        )
    if target.suffix.lower() != ".xlsm":
        raise EdiXlError(f"{target}: a workbook with buttons must be saved as .xlsm")
    if target.exists() and target.resolve() != path.resolve():
        raise EdiXlError(f"{target}: already exists; refusing to overwrite it")
    # (before the refresh: helper-84; a file that is no zip is load_master's to describe)
    with contextlib.suppress(OSError, zipfile.BadZipFile), zipfile.ZipFile(path) as zf:
        if has_macros(zf.namelist()):
            raise EdiXlError(f"{path}: {HAS_MACROS}")
    with gc_paused():
        wb = load_master(path)
        result = refresh_book(wb, as_at, path=path.name)
        master = read_master_plan(wb, path.name)
        headings = master.grid.rows[master.header_row - 1] if master.grid is not None else []
        last = max((c + 1 for c, v in enumerate(headings) if not is_blank(v)), default=0)
        where = placement(wb, master.sheet.title, master.header_row, last)
        try:
            patched = save_bytes(wb)
        except StructureLockedError as exc:
            raise StructureLockedError(f"{path}: {exc}") from None
        if patched is None:
            raise EdiXlError(f"{path}: not an Excel workbook package")
        data = add_buttons_to_package(patched, where)
    write_atomic(
        target,
        lambda handle: handle.write(data),
        backup=target.exists(),
        expected=state_when_read(wb, target),  # (in place: not over a file changed since)
        notes=result.notes,
    )
    result.path = target
    return target, result, where
