"""Reference 1: what a person would write with pandas. Reads every return, concatenates.

``python3 bench/naive_pandas.py FOLDER [ENGINE]``: every .xlsx with ``pandas.read_excel(
engine=ENGINE)`` (first sheet, no header guessing), every .csv with ``pandas.read_csv``.
ENGINE is "openpyxl", pandas' default for .xlsx until now; pandas 3.1 warns that its default
becomes "calamine" (python-calamine), which the benchmark also times, for information.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd


def main(folder: Path, engine: str) -> None:
    frames = []
    for path in sorted(folder.iterdir()):
        if path.suffix == ".xlsx":
            frames.append(pd.read_excel(path, engine=engine, header=None))
        elif path.suffix == ".csv":
            frames.append(pd.read_csv(path, header=None, encoding="utf-8-sig"))
    table = pd.concat(frames, ignore_index=True)
    print(f"{len(frames)} files, {len(table)} rows")


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "openpyxl")
