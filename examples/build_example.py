"""Build examples/trust_action_plan.xlsx from examples/seed_000_actions.tsv.

The workbook is the trust's action plan as HR keep it in Excel before edi_xl: a title row
above the table, the Milestone merged down each theme, most dates real date cells and one
typed as text (as in the original), the header repeated on every printed page.

    python examples/build_example.py
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

HERE = Path(__file__).parent
SOURCE = HERE / "seed_000_actions.tsv"
TARGET = HERE / "trust_action_plan.xlsx"
TITLE = "Equality, Diversity & Inclusion Action Plan 2023/24 (WRES / WDES)"
HEADER_ROW = 3
DATE_COLUMNS = (6, 7)  # Start Date, Due Date (0-based in the TSV)


def build(source: Path = SOURCE, target: Path = TARGET) -> Path:
    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    header, data = rows[0], rows[1:]
    wb = Workbook()
    ws = wb.active
    ws.title = "Action Plan"
    ws["A1"] = TITLE
    ws["A1"].font = Font(bold=True, size=14)
    for col, text in enumerate(header, start=1):
        cell = ws.cell(HEADER_ROW, col, text)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    theme_start = HEADER_ROW + 1
    for r, values in enumerate(data, start=HEADER_ROW + 1):
        for c, text in enumerate(values):
            value: object = text or None
            if c in DATE_COLUMNS and text and "/" not in text:
                value = datetime.strptime(text, "%d-%b-%y")  # a real date cell
            cell = ws.cell(r, c + 1, value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if isinstance(value, datetime):
                cell.number_format = "dd-mmm-yy"
        # Merge the Milestone down each theme, as the trust's workbook does.
        next_theme = data[r - HEADER_ROW][1] if r - HEADER_ROW < len(data) else None
        if next_theme != values[1]:
            if r > theme_start:
                ws.merge_cells(start_row=theme_start, start_column=2, end_row=r, end_column=2)
            theme_start = r + 1
    widths = (6, 22, 60, 20, 16, 26, 11, 11, 12, 60)
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[chr(64 + col)].width = width
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    wb.save(target)
    return target


if __name__ == "__main__":
    print(build())
