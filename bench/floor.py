"""The floors: the least a refresh or a merge has to do with these files.

``python3 bench/floor.py refresh MASTER``: read every sheet of the master with python-calamine
and write its zip again, part by part (what any save of a changed master does at least).

``python3 bench/floor.py merge MASTER FOLDER``: the same, plus read every sheet of every
return with python-calamine (the csv files with the csv module). No matching, no checks, no
isolation, no refresh.
"""

from __future__ import annotations

import csv
import sys
import zipfile
from pathlib import Path

from python_calamine import CalamineWorkbook


def read_all(path: Path) -> int:
    if path.suffix == ".csv":
        with open(path, encoding="utf-8-sig", newline="") as f:
            return sum(len(row) for row in csv.reader(f))
    with CalamineWorkbook.from_path(str(path)) as wb:
        return sum(
            len(row) for name in wb.sheet_names for row in wb.get_sheet_by_name(name).to_python()
        )


def repack(master: Path) -> None:
    tmp = master.with_name(master.name + ".floor.tmp")
    with zipfile.ZipFile(master) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
    tmp.replace(master)


def main(task: str, master: Path, folder: Path | None) -> None:
    cells = read_all(master)
    if task == "merge" and folder is not None:
        cells += sum(read_all(path) for path in sorted(folder.iterdir()))
    repack(master)
    print(f"{cells} cells read; master re-packed")


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]) if len(sys.argv) > 3 else None)
