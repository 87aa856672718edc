"""Reference 2, the floor: the least any merge has to do with these files.

``python3 bench/floor.py FOLDER MASTER``: read every sheet of every return with
python-calamine alone (the csv files with the csv module), then load the master with openpyxl
and save it once. No matching, no checks, no isolation, no refresh.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from openpyxl import load_workbook
from python_calamine import CalamineWorkbook


def main(folder: Path, master: Path) -> None:
    cells = 0
    for path in sorted(folder.iterdir()):
        if path.suffix == ".csv":
            with open(path, encoding="utf-8-sig", newline="") as f:
                cells += sum(len(row) for row in csv.reader(f))
            continue
        with CalamineWorkbook.from_path(str(path)) as wb:
            for name in wb.sheet_names:
                cells += sum(len(row) for row in wb.get_sheet_by_name(name).to_python())
    wb = load_workbook(master)
    wb.save(master)
    print(f"{cells} cells read; master saved")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
