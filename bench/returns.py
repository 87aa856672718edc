"""Owner returns as they come back: filled in, and edited the way owners edit them.

Starts from the files :func:`edi_xl.flows.owner_returns.make_owner_returns` wrote and
makes, for each owner (the same every time, from a seed), one of these shapes:

* ``filled``: Status and the update filled in, saved as it came (openpyxl, like a re-save);
* ``titled``: filled in, with two extra note rows inserted above everything;
* ``reordered``: copied into a new workbook by hand: a title row, columns re-ordered and
  renamed ("Ref", "RAG", "Action description", "Progress update", "Target date"), no hidden
  metadata sheet;
* ``xlsxwriter``: the table re-typed into a workbook written by another program (XlsxWriter),
  real dates, sheet "Sheet1";
* ``csv``: saved as CSV (UTF-8 with BOM, as Excel writes "CSV UTF-8");
* ``second``: filled in twice, the second version sent later as ``<name> v2.xlsx``;
* ``none``: the owner does not reply.

Not made: .xls (no maintained writer installed) and .ods (LibreOffice takes seconds a file;
500 would take too long for a benchmark that should run in minutes).
"""

from __future__ import annotations

import csv
import random
from datetime import datetime
from pathlib import Path
from typing import Any

import xlsxwriter
from openpyxl import Workbook, load_workbook

from edi_xl.flows.owner_returns import FIRST_ROW, HEADER_ROW, META_SHEET, RETURN_SHEET

SHAPES = (
    ("filled", 45),
    ("titled", 10),
    ("reordered", 12),
    ("xlsxwriter", 10),
    ("csv", 15),
    ("second", 3),
    ("none", 5),
)
TYPED_STATUS = (
    "On Track",
    "On track",
    "At Risk",
    "at risk",
    "Complete",
    "Green",
    "Amber",
    "Behind",
    "done",
    "Not started",
)


def _pick_shape(rng: random.Random) -> str:
    names, weights = zip(*SHAPES, strict=True)
    return rng.choices(names, weights=weights)[0]


def _table(path: Path) -> tuple[list[Any], list[list[Any]]]:
    """The header and the rows of a made return's table."""
    wb = load_workbook(path)
    ws = wb[RETURN_SHEET]
    header = [c.value for c in ws[HEADER_ROW]]
    rows = [list(r) for r in ws.iter_rows(min_row=FIRST_ROW, values_only=True) if r[0]]
    return header, rows


def _fill(rows: list[list[Any]], rng: random.Random, owner_no: int) -> None:
    for row in rows:
        if rng.random() < 0.9:
            row[3] = rng.choice(TYPED_STATUS)
        if rng.random() < 0.85:
            row[5] = f"Owner {owner_no}: progress on {row[0]} - met the network, plan agreed."


def _filled_openpyxl(
    src: Path, dst: Path, rng: random.Random, owner_no: int, title_rows: int = 0
) -> None:
    wb = load_workbook(src)
    ws = wb[RETURN_SHEET]
    ws.protection.sheet = False
    for r in range(FIRST_ROW, ws.max_row + 1):
        if not ws.cell(r, 1).value:
            continue
        values = [ws.cell(r, c).value for c in range(1, 7)]
        _fill([values], rng, owner_no)
        ws.cell(r, 4).value, ws.cell(r, 6).value = values[3], values[5]
    if title_rows:
        ws.insert_rows(1, title_rows)
        ws.cell(1, 1).value = f"Sent back by owner {owner_no} - see my notes"
    wb.save(dst)


def _reordered(header: list[Any], rows: list[list[Any]], dst: Path, owner_no: int) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "My actions"
    ws["A1"] = f"EDI actions - owner {owner_no}"
    order = [
        (0, "Ref"),
        (3, "RAG"),
        (1, "Action description"),
        (5, "Progress update"),
        (2, "Target date"),
    ]
    for c, (_, name) in enumerate(order, start=1):
        ws.cell(3, c, name)
    for r, row in enumerate(rows, start=4):
        for c, (i, _) in enumerate(order, start=1):
            ws.cell(r, c, row[i])
    wb.save(dst)


def _xlsxwriter(header: list[Any], rows: list[list[Any]], dst: Path) -> None:
    book = xlsxwriter.Workbook(str(dst))
    sheet = book.add_worksheet("Sheet1")
    dates = book.add_format({"num_format": "dd/mm/yyyy"})
    for c, name in enumerate(header):
        sheet.write_string(0, c, str(name))
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, datetime):
                sheet.write_datetime(r, c, value, dates)
            else:
                sheet.write_string(r, c, str(value))
    book.close()


def _csv(header: list[Any], rows: list[list[Any]], dst: Path) -> None:
    with open(dst, "w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f)
        out.writerow(header)
        for row in rows:
            out.writerow(
                [
                    "" if v is None else v.strftime("%d/%m/%Y") if isinstance(v, datetime) else v
                    for v in row
                ]
            )


def edit_returns(made: list[Path], out: Path, *, seed: int = 11) -> dict[str, int]:
    """Write the returned files for ``made`` into ``out``; counts by shape."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for owner_no, src in enumerate(sorted(made), start=1):
        shape = _pick_shape(rng)
        counts[shape] = counts.get(shape, 0) + 1
        dst = out / src.name
        if shape == "none":
            continue
        if shape in ("filled", "second"):
            _filled_openpyxl(src, dst, rng, owner_no)
            if shape == "second":
                _filled_openpyxl(src, dst.with_name(f"{src.stem} v2{src.suffix}"), rng, owner_no)
            continue
        if shape == "titled":
            _filled_openpyxl(src, dst, rng, owner_no, title_rows=2)
            continue
        header, rows = _table(src)
        _fill(rows, rng, owner_no)
        if shape == "reordered":
            _reordered(header, rows, dst, owner_no)
        elif shape == "xlsxwriter":
            _xlsxwriter(header, rows, dst)
        else:
            _csv(header, rows, dst.with_suffix(".csv"))
    assert META_SHEET  # the metadata sheet stays in "filled", "titled" and "second" files
    return counts
