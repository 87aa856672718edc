"""Render the pictures of the example board paper shown in the README.

    python docs/render_report.py

Builds the example master (the trust's 17-action plan as at 18 December 2023, what
``edi-xl demo`` makes), fills in the front-sheet rows of its Settings sheet (trust, meeting,
date, author, executive lead), writes the board paper with ``edi-xl report --pdf`` (LibreOffice
converts the Word document to PDF) and renders every page with pdftoppm as
docs/report-1.png, docs/report-2.png, ...

Needs LibreOffice (soffice) and poppler-utils (pdftoppm).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

SETTINGS = {
    "Trust name": "Example NHS Foundation Trust",
    "Meeting": "People Committee",
    "Meeting date": date(2024, 1, 11),
    "Report author": "Jo Bloggs, Head of Equality, Diversity and Inclusion",
    "Executive lead": "Sam Smith, Chief People Officer",
}


def example_master(folder: Path) -> Path:
    """The demo master with the front-sheet rows of Settings filled in."""
    from openpyxl import load_workbook

    from edi_xl.cli import EXAMPLE_AS_AT, example_plan
    from edi_xl.flows.refresh import new_master
    from edi_xl.tables.reader import read_plan

    path = folder / "action_plan.xlsx"
    from importlib import resources

    with resources.as_file(example_plan()) as source:
        new_master(path, read_plan(source), EXAMPLE_AS_AT)
    wb = load_workbook(path)
    ws = wb["Settings"]
    rows = {str(ws.cell(r, 1).value).strip(): r for r in range(1, ws.max_row + 1)}
    for label, value in SETTINGS.items():
        ws.cell(rows[label], 2).value = value
    wb.save(path)
    return path


def main() -> None:
    from edi_xl.flows.report import write_report

    with tempfile.TemporaryDirectory() as tmp:
        master = example_master(Path(tmp))
        result = write_report(master, Path(tmp) / "board_report.docx", pdf=True)
        assert result.pdf is not None
        for old in HERE.glob("report-*.png"):
            old.unlink()
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", str(result.pdf), str(HERE / "report")],
            check=True,
            timeout=120,
        )
    for png in sorted(HERE.glob("report-*.png")):
        fixed = png.with_name(f"report-{int(png.stem.split('-')[-1])}.png")
        png.rename(fixed)
        print(fixed.relative_to(ROOT))


if __name__ == "__main__":
    main()
