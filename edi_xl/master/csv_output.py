"""Writing CSV that spreadsheet programs open as data, never as formulas.

A CSV file has no cell types: Excel and LibreOffice read a field that starts with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return as a formula ("CSV injection", OWASP). Every
text field that starts with one of those is written with a leading apostrophe, which both
programs show as text (OWASP's recommendation). Numbers and dates are written as themselves,
so ``-5`` stays a number; ``"-5% on last year"`` becomes ``'-5% on last year``.

Files are written as UTF-8 with a byte-order mark (so Excel on Windows reads "£" and "é"
right) and replaced atomically, like every file edi_xl writes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from edi_xl.master.cells import looks_like_formula
from edi_xl.master.save import write_atomic


def csv_field(value: Any) -> str:
    """The text written for one value: dates ISO, numbers as numbers, formula-looking text
    made safe with a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return (
            value.date().isoformat()
            if value.time() == datetime.min.time()
            else value.isoformat(sep=" ")
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    text = str(value)
    return "'" + text if looks_like_formula(text) else text


def write_csv(path: str | Path, rows: Iterable[Sequence[Any]]) -> Path:
    """Write ``rows`` to ``path`` (UTF-8 with BOM, CRLF line ends, atomic)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([csv_field(v) for v in row])
    data = ("\ufeff" + buffer.getvalue()).encode("utf-8")
    path = Path(path)
    write_atomic(path, lambda handle: handle.write(data), backup=False)
    return path
