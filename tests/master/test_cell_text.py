"""The patch writer's two ways of writing a cell hold the same: an element (``_set_cell``,
for a cell the file has) and text (``_cell_xml``, for a row it does not, parsed at once);
and the text of a sheet made again (``_sheet_rows``) keeps what openpyxl's writer keeps."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from lxml import etree
from openpyxl import Workbook
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, to_excel

from edi_xl.master.cells import REPLACEMENT, storable_text
from edi_xl.master.package import MAIN_NS, Package, parse
from edi_xl.master.patch import _cell_xml, _set_cell, _shift_sheet_xml, _xml_bytes

M = f"{{{MAIN_NS}}}"
VALUES: list[tuple[Any, str]] = [
    (True, "b"),
    (False, "b"),
    (7, "n"),
    (2**60, "n"),
    (0.1 + 0.2, "n"),
    (1e-300, "n"),
    (math.nan, "n"),
    (math.inf, "n"),
    (Decimal("1.25"), "n"),
    (datetime(2023, 12, 18, 9, 30), "d"),
    (date(2023, 12, 18), "d"),
    (time(9, 30), "d"),
    (timedelta(hours=36), "d"),
    ("#N/A", "e"),
    ("=SUM(A1:A3)", "f"),
    ('=HYPERLINK("x")', "s"),  # text that looks like a formula, kept text
    (" leading", "s"),
    ("trailing ", "s"),
    ("two\nlines", "s"),
    ("carriage\r\nreturn", "s"),
    ("lone\rreturn", "s"),
    ("tab\there", "s"),
    ("<&>\"'", "s"),
    ("", "s"),
    (None, "n"),
]


def _element(value: Any, kind: str, style: int | None) -> bytes:
    wb = Workbook()
    row = etree.fromstring(f'<row xmlns="{MAIN_NS}"><c r="B2"/></row>'.encode())
    _set_cell(row[0], value, kind, style, wb)
    return etree.tostring(row[0], method="c14n")


def _text(value: Any, kind: str, style: int | None) -> bytes:
    xml = f'<row xmlns="{MAIN_NS}">{_cell_xml("B2", value, kind, style, Workbook().epoch)}</row>'
    return etree.tostring(parse(xml.encode())[0], method="c14n")


@pytest.mark.parametrize(("value", "kind"), VALUES, ids=[repr(v[0])[:20] for v in VALUES])
@pytest.mark.parametrize("style", [None, 0, 5])
def test_a_cell_written_as_text_is_the_cell_written_as_an_element(
    value: Any, kind: str, style: int | None
) -> None:
    assert _text(value, kind, style) == _element(value, kind, style)


def test_a_carriage_return_survives_the_text_path() -> None:
    cell = _cell_xml("A1", "a\r\nb", "s", None, None)
    t = parse(f'<row xmlns="{MAIN_NS}">{cell}</row>'.encode()).find(f"{M}c/{M}is/{M}t")
    assert t is not None and t.text == "a\r\nb"


def test_numbers_that_are_no_number_leave_the_cell_empty() -> None:
    for value in (math.nan, math.inf, -math.inf, Decimal("NaN")):
        c = parse(_text(value, "n", None))
        assert (c.findtext(f"{M}v") or "") == ""


def test_lowercase_cell_references_move_with_an_inserted_column() -> None:
    root = parse(
        f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="a1"/><c r="k1"/></row>'
        f'<row r="2"><c r="K2"/></row></sheetData></worksheet>'.encode()
    )
    _shift_sheet_xml(Package({}), "xl/worksheets/sheet1.xml", root, 3)
    assert [c.get("r") for c in root.iter(f"{M}c")] == ["A1", "L1", "L2"]  # written as Excel does


def test_text_a_workbook_cannot_hold_is_replaced_not_dropped() -> None:
    text = "a\ufffeb\uffffc\ud800d\x01e\tf\r\ng"
    assert (
        storable_text(text) == f"a{REPLACEMENT}b{REPLACEMENT}c{REPLACEMENT}d{REPLACEMENT}e\tf\r\ng"
    )


def test_the_characters_xml_cannot_hold_are_found_in_rows_written_as_text() -> None:
    """New rows kept as text (a merge's Change Log lines) are looked through for characters
    XML 1.0 cannot hold, in their UTF-8 bytes: each such character of the first plane, and
    none other, is found, alone or among others."""
    cannot = {*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF}
    cannot |= set(range(0xD800, 0xE000))  # lone surrogates
    for code in range(0x10000):
        text = f"a{chr(code)}é"
        assert (_xml_bytes(text) is None) == (code in cannot), hex(code)
    assert (
        _xml_bytes("line\tone\r\nline two \U0001f600")
        == "line\tone\r\nline two \U0001f600".encode()
    )


def _serial(value: Any, epoch: datetime) -> str | None:
    xml = f'<row xmlns="{MAIN_NS}">{_cell_xml("A1", value, "d", None, epoch)}</row>'
    return parse(xml.encode()).findtext(f"{M}c/{M}v")


def test_dates_and_times_are_written_for_their_own_epoch_and_zone() -> None:
    """A date's serial is worked out once (a merge writes one moment on thousands of lines),
    and stays right: the same date in a 1904 workbook after a 1900 one, and two times of day
    that are equal but in different zones (each written as openpyxl writes it)."""
    for value in (date(2024, 3, 1), datetime(2024, 3, 1, 9, 30)):
        epochs = (WINDOWS_EPOCH, MAC_EPOCH, WINDOWS_EPOCH)
        serials = [_serial(value, epoch) for epoch in epochs]
        assert serials == [str(to_excel(value, epoch)) for epoch in epochs]
        assert serials[0] != serials[1]
    utc, paris = time(12, tzinfo=UTC), time(13, tzinfo=timezone(timedelta(hours=1)))
    assert utc == paris and hash(utc) == hash(paris)
    assert _serial(utc, WINDOWS_EPOCH) == str(to_excel(utc))
    assert _serial(paris, WINDOWS_EPOCH) == str(to_excel(paris)) != str(to_excel(utc))


def _made_again(wb: Workbook) -> tuple[Any, Any]:
    """A sheet of ``wb`` as the patch writer has openpyxl write one it makes again (without
    its cells), and the package's styles it is written with."""
    from io import BytesIO

    from edi_xl.master.patch import StyleMap, _openpyxl_package, _sheet_parts, _workbook_part

    ws = wb.active
    assert ws is not None
    made = _openpyxl_package(wb, [ws]).package
    _, part = _sheet_parts(made, _workbook_part(made))[ws.title]
    out = BytesIO()
    Workbook().save(out)
    return made.xml(part), StyleMap(Package.read(out.getvalue()), wb)


def test_a_sheet_made_again_is_the_same_with_its_rows_spliced_in_as_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The rows of a sheet made again, spliced into its XML as text, give the bytes that
    parsing them into the tree and writing it out gives (the way taken when the text holds
    what XML cannot)."""
    from openpyxl.styles import Font

    from edi_xl.master import patch

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for r, (value, _kind) in enumerate(VALUES, start=2):
        if value is not None and not (isinstance(value, float) and not math.isfinite(value)):
            ws.cell(r, 2).value = value
        ws.cell(r, 3).value = f"row {r} <{r}> & more"
    ws.cell(3, 4).font = Font(bold=True)  # a styled cell with no value
    ws.row_dimensions[4].height = 30
    ws.row_dimensions[40].hidden = True  # a row with a look and no cells
    root, styles = _made_again(wb)
    spliced = patch._whole_sheet_xml(ws, etree.fromstring(etree.tostring(root)), styles)
    monkeypatch.setattr(patch, "_xml_bytes", lambda text: None)
    parsed = patch._whole_sheet_xml(ws, root, styles)
    assert spliced == parsed
    assert b'<row r="40"' in spliced and b"row 5 &lt;5&gt; &amp; more" in spliced


def test_a_sheet_made_again_holding_what_xml_cannot_is_refused_not_written() -> None:
    from edi_xl.master import patch

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws["A1"] = "fine"
    ws["A2"]._value = "bell \x07"  # (set past openpyxl's own check, as a bug might)
    root, styles = _made_again(wb)
    with pytest.raises(etree.XMLSyntaxError):
        patch._whole_sheet_xml(ws, root, styles)
