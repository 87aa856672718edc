"""Render docs/buttons.png: the top of the Action Plan sheet of a macro-enabled master, with
its five buttons, as LibreOffice draws it.

    python docs/render_buttons.py

Builds the example master as plan.xlsm (``edi-xl new``), makes a copy whose buttons print
(the real buttons do not: they stay off the board pack), converts it with LibreOffice
headless to PDF and crops the top of page 1 to PNG with pdftoppm.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TARGET = HERE / "buttons.png"
#: The picture's paper: A3 (16.54 x 11.69 inches), landscape.
A3 = 8
PAGE_WIDTH_INCHES = 16.54


def printable_copy(src: Path, dst: Path) -> None:
    """``src`` with its form buttons set to print and the Action Plan printed at full size
    (only for this picture)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.endswith(".vml"):
                data = re.sub(
                    rb"(ObjectType=\"Button\">.*?<x:PrintObject>)False",
                    rb"\1True",
                    data,
                    flags=re.S,
                )
            if item.filename == "xl/worksheets/sheet1.xml":
                # full size, not fit to width (too small to read), on A3 landscape so that
                # the row of five buttons fits across the page (LibreOffice does not scale a
                # button's label with the print scale: a smaller scale wraps the labels)
                data = data.replace(b'fitToPage="1"', b'fitToPage="0"')
                data = re.sub(rb'paperSize="\d+"', b'paperSize="%d"' % A3, data, count=1)
            zout.writestr(item, data)


def render(target: Path = TARGET, dpi: int = 110) -> Path:
    sys.path.insert(0, str(ROOT))
    from edi_xl.cli import EXAMPLE_AS_AT, example_plan
    from edi_xl.flows.refresh import new_master
    from edi_xl.tables.reader import read_plan

    sys.path.insert(0, str(ROOT / "tests"))
    from libreoffice import convert, soffice_path

    if soffice_path() is None or shutil.which("pdftoppm") is None:
        raise SystemExit("needs LibreOffice (soffice) and poppler-utils (pdftoppm)")
    with tempfile.TemporaryDirectory(prefix="edi-xl-buttons-") as tmp:
        work = Path(tmp)
        master = work / "plan.xlsm"
        new_master(master, read_plan(example_plan()), EXAMPLE_AS_AT, overwrite=True)
        shown = work / "shown" / "plan.xlsm"
        shown.parent.mkdir()
        printable_copy(master, shown)
        pdf = convert(shown, "pdf", work, timeout=120)  # the tests' LibreOffice helper
        # The top of page 1: title, RAG key, the buttons, the header and the first actions.
        width, height = int(PAGE_WIDTH_INCHES * dpi), int(3.4 * dpi)
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                str(dpi),
                "-f",
                "1",
                "-l",
                "1",
                "-x",
                "0",
                "-y",
                "0",
                "-W",
                str(width),
                "-H",
                str(height),
                "-singlefile",
                str(pdf),
                str(work / "buttons"),
            ],
            check=True,
            capture_output=True,
        )
        shutil.copyfile(work / "buttons.png", target)
    return target


if __name__ == "__main__":
    print(render())
