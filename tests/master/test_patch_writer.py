"""The patch writer's own fast paths give what the slower, general ones they replace give:
cell text escaped as :func:`xml.sax.saxutils.escape` escapes it, and a package written again
by :meth:`Package.to_bytes` (entries copied or deflated in the background) holding what
:mod:`zipfile` writes."""

from __future__ import annotations

import zipfile
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from openpyxl import Workbook

from edi_xl.master.package import BACKGROUND_DEFLATE, Package
from edi_xl.master.patch import _TEXT_ENTITIES, _content, _text

TRICKY = [
    "",
    "plain",
    "a & b < c > d",
    "&amp; already",
    "line\r\nbreak\r",
    "tab\there\n",
    "<<>>&&",
    "quote \" and ' kept",
    "\u00e9\u2013\U0001f600",
]


@pytest.mark.parametrize("value", TRICKY)
def test_cell_text_is_escaped_as_saxutils_escapes_it(value: str) -> None:
    assert _text(value) == escape(value, _TEXT_ENTITIES)


@pytest.mark.parametrize("value", ["", " lead", "trail ", "two\nlines", "x", "=not a formula"])
def test_a_text_cell_holds_what_the_general_path_gives(value: str) -> None:
    class Text(str):  # not exactly str: takes the general path
        pass

    assert _content(value, "s", None) == _content(Text(value), "s", None)


def _details(data: bytes) -> dict[str, tuple[object, ...]]:
    """Each entry of the zip ``data``: what it holds and how it is stored."""
    with zipfile.ZipFile(BytesIO(data)) as zf:
        assert zf.testzip() is None  # every entry's CRC checks out
        return {
            info.filename: (zf.read(info), info.date_time, info.compress_type,
                            info.external_attr, info.create_system, info.flag_bits)
            for info in zf.infolist()
        }  # fmt: skip


def _workbook_bytes(tmp_path: Path, rows: int, stored: bool = False) -> bytes:
    """A real workbook written by openpyxl (a sheet of ``rows`` rows), re-zipped with its
    parts stored rather than deflated when ``stored``."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for r in range(1, rows + 1):
        ws.append([r, f"action {r} & more", r * 1.5])
    path = tmp_path / "book.xlsx"
    wb.save(path)
    if not stored:
        return path.read_bytes()
    out = BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
    return out.getvalue()


@pytest.mark.parametrize("stored", [False, True])
def test_a_package_written_again_holds_what_zipfile_writes(tmp_path: Path, stored: bool) -> None:
    source = _workbook_bytes(tmp_path, 3000, stored)
    sheet = "xl/worksheets/sheet1.xml"
    pkg = Package.read(source)
    assert len(pkg.parts[sheet]) >= BACKGROUND_DEFLATE  # put in the background below
    pkg.put(sheet, pkg.parts[sheet].replace(b"action", b"ACTION"))  # a big part changed
    pkg.put("xl/styles.xml", pkg.parts["xl/styles.xml"] + b"\n")  # a small one
    pkg.put("xl/new/caf\u00e9.xml", b"<x/>")  # a new part, its name not ASCII
    written = pkg.to_bytes()
    # the same package written by zipfile alone, every part deflated again
    again = Package.read(source)
    for name in (sheet, "xl/styles.xml", "xl/new/caf\u00e9.xml"):
        again.put(name, pkg.parts[name])
    assert _details(written) == _details(again._zip_by_zipfile())
    # an unchanged part is copied as the zip stored it; a changed one stored the same way
    with zipfile.ZipFile(BytesIO(source)) as src, zipfile.ZipFile(BytesIO(written)) as out:
        for info in src.infolist():
            assert out.getinfo(info.filename).compress_type == info.compress_type
            if info.filename not in pkg.changed:
                assert out.getinfo(info.filename).compress_size == info.compress_size
    # and written a second time, the same bytes
    assert pkg.to_bytes() == written
