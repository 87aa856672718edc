"""Excel-made workbooks from outside the project: Excel::Writer::XLSX's regression files.

Excel::Writer::XLSX (the Perl library XlsxWriter was ported from) checks its output against
workbooks made in Excel, one per feature: 825 ``.xlsx``/``.xlsm`` files with charts of every
kind, images, shapes, comments, tables, sparklines, data validation, conditional formats,
defined names, print settings, header and footer images, VBA, outlines, rich strings... the
files the issue on keeping a trust's workbook intact measured openpyxl and Excelize on
(XlsxWriter's copies of them). They ship in the library's source archive, which Debian's
package ``libexcel-writer-xlsx-perl`` keeps in its pool.

``python3 tests/excel_writer_xlsx.py`` fetches that archive once (3.8 MB, its SHA-256
checked), and keeps its regression files in ``.cache/excel-writer-xlsx-1.10/`` at the
project's root (ignored by git). CI runs it before the tests; without the files (not fetched,
or the archive out of reach) the test that uses them (:mod:`master.test_excel_made_corpus`)
skips, saying how to fetch them.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import sys
import tarfile
import urllib.request
from pathlib import Path

VERSION = "1.10"
URL = (
    "http://deb.debian.org/debian/pool/main/libe/libexcel-writer-xlsx-perl/"
    f"libexcel-writer-xlsx-perl_{VERSION}.orig.tar.gz"
)
SHA256 = "e35891f4575ffd32168aa415abe595bb52e011cfb00c49fa6522da4e539a601c"
#: Where the archive keeps the Excel-made files.
INSIDE = f"Excel-Writer-XLSX-{VERSION}/t/regression/xlsx_files/"
#: How many there are: a folder holding fewer is not a whole fetch.
COUNT = 825
FILES = Path(__file__).resolve().parents[1] / ".cache" / f"excel-writer-xlsx-{VERSION}"


def excel_made_files() -> Path | None:
    """The folder of the regression files, or None when they have not been fetched."""
    if FILES.is_dir() and sum(1 for _ in FILES.iterdir()) == COUNT:
        return FILES
    return None


def required_files() -> Path:
    """The folder of the regression files; the calling test skipped, saying how to fetch
    them, when they have not been (a download: the archive may be out of reach, so a skip,
    not a failure, even in CI)."""
    import pytest

    found = excel_made_files()
    if found is None:
        pytest.skip(
            "Excel::Writer::XLSX's regression files not fetched "
            "(run python3 tests/excel_writer_xlsx.py)"
        )
    return found


def fetch(attempts: int = 3) -> Path:
    """The regression files, fetched and unpacked unless they are there already."""
    found = excel_made_files()
    if found is not None:
        return found
    data = b""
    for attempt in range(1, attempts + 1):
        try:
            with urllib.request.urlopen(URL, timeout=120) as response:
                data = response.read()
            break
        except OSError as error:
            if attempt == attempts:
                raise SystemExit(f"could not fetch {URL}: {error}") from error
    digest = hashlib.sha256(data).hexdigest()
    if digest != SHA256:
        raise SystemExit(f"{URL}: SHA-256 {digest}, expected {SHA256}")
    partial = FILES.with_name(FILES.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member in archive.getmembers():
            name = member.name
            if not (member.isfile() and name.startswith(INSIDE)) or "/" in name[len(INSIDE) :]:
                continue
            if not name.endswith((".xlsx", ".xlsm")):
                continue  # (the VBA projects the .xlsm files were made with)
            source = archive.extractfile(member)
            if source is not None:
                (partial / name[len(INSIDE) :]).write_bytes(source.read())
    count = sum(1 for _ in partial.iterdir())
    if count != COUNT:
        raise SystemExit(f"{URL}: {count} regression files, expected {COUNT}")
    shutil.rmtree(FILES, ignore_errors=True)
    partial.replace(FILES)
    return FILES


if __name__ == "__main__":
    print(f"{COUNT} Excel-made workbooks in {fetch()}")
    sys.exit(0)
