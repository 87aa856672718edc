"""Saving a workbook so that the master is never left half-written.

The workbook is written to a temporary file in the same folder, flushed to disk, and then
swapped in with :func:`os.replace` (atomic on the same file system). Before the swap the
previous file is kept as ``<name>.backup<ext>``. If anything fails, the original is untouched
and the temporary file is removed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from pathlib import Path

from openpyxl.workbook.workbook import Workbook

from edi_xl.errors import WorkbookWriteError

WRITE_BITS = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH


def backup_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.backup{path.suffix}")


def _explain(path: Path, exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return (
            f"{path}: cannot write the file (permission denied). If it is open in Excel, "
            "close it and try again; otherwise check the file is not read-only."
        )
    return f"{path}: cannot write the file ({exc.strerror or exc})."


def save_atomic(wb: Workbook, path: str | Path, *, backup: bool = True) -> Path | None:
    """Save ``wb`` to ``path`` atomically. Returns the backup's path, if one was made."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if path.exists() and not path.stat().st_mode & WRITE_BITS:  # marked read-only (even as root)
        raise WorkbookWriteError(_explain(path, PermissionError(13, "read-only")))
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}",
                                    dir=folder)
    tmp = Path(tmp_name)
    made_backup: Path | None = None
    try:
        with os.fdopen(fd, "wb") as handle:
            wb.save(handle)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            shutil.copymode(path, tmp)
            if backup:
                made_backup = backup_path(path)
                shutil.copy2(path, made_backup)
        os.replace(tmp, path)
    except OSError as exc:
        raise WorkbookWriteError(_explain(path, exc)) from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    with contextlib.suppress(OSError):  # make the rename itself durable
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return made_backup
