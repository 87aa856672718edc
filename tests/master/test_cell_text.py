"""The patch writer's two ways of writing a cell hold the same: an element (``_set_cell``,
for a cell the file has) and text (``_cell_xml``, for a row it does not, parsed at once);
and the text of a sheet made again (``_sheet_rows``) keeps what openpyxl's writer keeps."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from openpyxl import Workbook
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, to_excel
from openpyxl.worksheet.formula import DataTableFormula

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
    (DataTableFormula(ref="B2:B4", r1="A1", dt2D="0"), "f"),  # What-If's data table
    ('=HYPERLINK("x")', "s"),  # text that looks like a formula, kept text
    (" leading", "s"),
    ("trailing ", "s"),
    ("two\nlines", "s"),
    ("carriage\r\nreturn", "s"),
    ("lone\rreturn", "s"),
    ("tab\there", "s"),
    ("<&>\"'", "s"),
    ("_x0041_ code, _x0041_x0042_ and _x005F_", "s"),  # (what would read as escapes)
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
        if isinstance(value, DataTableFormula):
            continue  # (a sheet holding one is written by openpyxl: patch._plain_cells)
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


def _sheet_written(wb: Workbook, ws: Any, monkeypatch: pytest.MonkeyPatch, by: str) -> bytes:
    """The XML of ``ws`` as the patch writer puts a sheet made again into a package: its cells
    and rows written ``by`` edi_xl (:func:`_sheet_rows`) or all by openpyxl; canonical, with
    no empty ``<row r=N/>`` (openpyxl writes one for a row of cells that hold nothing)."""
    from io import BytesIO

    from edi_xl.master import patch

    if by == "openpyxl":
        monkeypatch.setattr(patch, "_plain_cells", lambda ws: False)
    made = patch._openpyxl_package(wb, [ws])
    monkeypatch.undo()
    pkg = made.package
    book = patch._workbook_part(pkg)
    _, part = patch._sheet_parts(pkg, book)[ws.title]
    root = pkg.xml(part)
    sst = next((t for rel, t in pkg.linked(book) if rel.type.endswith("/sharedStrings")), None)
    patch._inline_strings(root, list(pkg.xml(sst)) if sst and sst in pkg.parts else [])
    out = BytesIO()
    Workbook().save(out)
    styles = patch.StyleMap(Package.read(out.getvalue()), wb)
    patch._restyle(root, made, styles)
    if ws.title in made.no_cells:
        root = etree.fromstring(patch._whole_sheet_xml(ws, root, styles))
    for row in list(root.iter(f"{M}row")):
        if len(row) == 0 and list(row.attrib) == ["r"]:
            row.getparent().remove(row)
    return etree.tostring(root, method="c14n")


def _tricky_sheet() -> tuple[Workbook, Any]:
    """A sheet whose cells hold equal values of different types, 0.0 and -0.0, the same text
    in two styles, styled empty cells, dates and times, each several times; and rows with
    every setting openpyxl writes (none with a style)."""
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    values: list[Any] = [0.0, -0.0, 1, True, 1.0, "1", date(2024, 1, 1), datetime(2024, 1, 1)]
    values += [datetime(2024, 1, 1, fold=1), time(9, 30), "=A1+1", " spaced ", "x", None]
    for r in range(1, 40):
        for c, value in enumerate(values, start=1):
            cell = ws.cell(r, c)
            cell.value = value
            if (r + c) % 3 == 0:
                cell.font = Font(bold=True)
    ws.row_dimensions[3].height = 30
    ws.row_dimensions[4].hidden = True
    ws.row_dimensions[5].outlineLevel = 2
    ws.row_dimensions[6].collapsed = True
    ws.row_dimensions[7].thickBot = ws.row_dimensions[7].thickTop = True
    ws.row_dimensions[8].height = 0
    ws.row_dimensions[9].height = 30
    ws.row_dimensions[60].height = 12.75  # a row with settings and no cells
    return wb, ws


def test_a_sheet_made_again_holds_the_cells_and_rows_openpyxl_writes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The text of each kind of cell and row is worked out once and written again for the
    next that is the same: what is written is still, cell by cell and row by row, what
    openpyxl writes for each (0.0 and -0.0, 1, 1.0, True and "1", one text in two styles,
    rows with each setting)."""
    wb, ws = _tricky_sheet()
    ours = _sheet_written(wb, ws, monkeypatch, "edi_xl")
    assert ours == _sheet_written(wb, ws, monkeypatch, "openpyxl")
    assert b'<c r="B2" t="n"><v>-0</v></c>' in ours and b'ht="12.75" r="60"' in ours


def test_rows_with_settings_and_no_cells_go_between_the_rows_with_cells(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A row with settings and no cell before, between and after rows with cells, and a row
    whose only cell holds nothing and has no style, are written where openpyxl writes them."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for r in (2, 3, 7, 11):
        ws.cell(r, 2).value = f"row {r}"
    ws.cell(9, 1)  # (a cell of nothing: no row of its own)
    for r in (1, 5, 6, 7, 9, 14):
        ws.row_dimensions[r].height = 20 + r
    ours = _sheet_written(wb, ws, monkeypatch, "edi_xl")
    assert ours == _sheet_written(wb, ws, monkeypatch, "openpyxl")
    rows = [row.get("r") for row in etree.fromstring(ours).iter(f"{M}row")]
    assert rows == ["1", "2", "3", "5", "6", "7", "9", "11", "14"]


def test_rows_with_a_style_are_left_to_openpyxl_and_the_rows_are_kept_as_they_were(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A row with a style of its own is written by openpyxl (it numbers the style as it
    writes), with its settings and its style; the sheet's rows are the same objects, in the
    same order, after the save."""
    from openpyxl.styles import Font

    from edi_xl.master import patch

    wb, ws = _tricky_sheet()
    ws.row_dimensions[10].font = Font(italic=True)
    before = list(ws.row_dimensions.items())
    assert not patch._plain_rows(ws)
    ours = etree.fromstring(_sheet_written(wb, ws, monkeypatch, "edi_xl"))
    rows = {row.get("r"): row for row in ours.iter(f"{M}row")}
    assert rows["10"].get("customFormat") == "1" and rows["10"].get("s") not in (None, "0")
    assert rows["3"].get("ht") == "30" and rows["4"].get("hidden") == "1"
    assert list(ws.row_dimensions.items()) == before
    del ws.row_dimensions[10]
    before = list(ws.row_dimensions.items())
    assert patch._plain_rows(ws)
    patch._openpyxl_package(wb, [ws])
    assert list(ws.row_dimensions.items()) == before


def test_the_conditional_formats_looks_of_a_sheet_made_again_leave_the_workbook_as_it_was(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The looks of a sheet's conditional formats are numbered apart from the workbook's
    (found by identity, not compared with each of its looks): the workbook's list is the one
    it had, holding what it held, and two rules of one look still point at one style in the
    package."""
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import Font

    from edi_xl.master import patch

    wb, ws = _tricky_sheet()
    other = wb.create_sheet("Other")
    other.conditional_formatting.add("A1:A9", FormulaRule(formula=["TRUE"], font=Font(b=True)))
    for cells in ("A1:A9", "C1:C9", "E1:E9"):  # one look, three rules (three objects)
        ws.conditional_formatting.add(cells, FormulaRule(formula=["TRUE"], font=Font(i=True)))
    ws.conditional_formatting.add("B1:B9", FormulaRule(formula=["TRUE"], font=Font(b=True)))
    dxfs = wb._differential_styles
    known = list(dxfs.styles)
    _sheet_written(wb, ws, monkeypatch, "edi_xl")
    assert wb._differential_styles is dxfs and dxfs.styles == known
    made = patch._openpyxl_package(wb, [ws])
    _, part = patch._sheet_parts(made.package, patch._workbook_part(made.package))[ws.title]
    root = made.package.xml(part)
    out = BytesIO()
    Workbook().save(out)
    styles = patch.StyleMap(Package.read(out.getvalue()), wb)
    patch._restyle(root, made, styles)
    ids = [rule.get("dxfId") for rule in root.iter(f"{M}cfRule")]
    assert len(ids) == 4 and ids[0] == ids[1] == ids[2] != ids[3]


def test_rows_added_hold_each_cell_as_written_alone() -> None:
    """New rows (a merge's Change Log lines) write a cell's text once per kind, value, type
    and style and copy it after: each cell still holds what writing it alone gives, for
    values equal but written differently (0.0 and -0.0, 1, 1.0 and True, a date and a
    midnight, equal times of day in two zones), formulas, errors and only-restyled cells."""
    from edi_xl.master.edits import CellEdit
    from edi_xl.master.patch import SheetXml, StyleMap, _add_rows

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    styled = ws.cell(1, 1)
    styled.number_format = "0.00"
    numbered, plain = tuple(styled._style), (0,) * 9
    utc, paris = time(12, tzinfo=UTC), time(13, tzinfo=timezone(timedelta(hours=1)))
    values: list[tuple[Any, str]] = [*VALUES, (0.0, "n"), (-0.0, "n"), (1, "n"), (1.0, "n")]
    values += [(utc, "d"), (paris, "d")]
    values += [(datetime(2024, 1, 1), "d"), (datetime(2024, 1, 1, fold=1), "d")]
    values += [(date(2024, 1, 1), "d"), ("1", "s"), ("#N/A", "s")]
    edits: dict[int, list[tuple[int, Any]]] = {}
    for r in range(2, 8):  # each value several times, with and without a style, in turn
        for c, (value, kind) in enumerate(values, start=1):
            style = numbered if (r + c) % 2 else plain
            only_look = (r + c) % 5 == 0
            edit = CellEdit(value, kind, style, not only_look, True)
            edits.setdefault(r, []).append((c, edit))
    out = BytesIO()
    Workbook().save(out)
    pkg = Package.read(out.getvalue())
    root = parse(f'<worksheet xmlns="{MAIN_NS}"><sheetData/></worksheet>'.encode())
    sheet = SheetXml(root)
    styles = StyleMap(pkg, wb)
    assert _add_rows(sheet, edits, {3: 30.0}, styles, wb.epoch) == {3}
    got = parse(sheet.to_bytes())
    for r, cells in edits.items():
        row = got.find(f"{M}sheetData/{M}row[@r='{r}']")
        assert row is not None and len(row) == len(cells)
        for (c, e), el in zip(cells, row, strict=True):
            alone = _cell_xml(
                f"{_letters(c)}{r}",
                e.value if e.value_changed else None,
                e.data_type,
                styles.xf(e.style),
                wb.epoch,
            )
            wrapped = parse(f'<row xmlns="{MAIN_NS}">{alone}</row>'.encode())[0]
            assert etree.tostring(el, method="c14n") == etree.tostring(wrapped, method="c14n")
    # equal values of other kinds or zones are written differently, each as its own
    texts = {etree.tostring(el) for el in got.find(f"{M}sheetData/{M}row[@r='2']")}
    assert len(texts) > len(VALUES) + 8


def _letters(column: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(column)


ESCAPE_LIKE = ["_x0041_ code", "_x0041_x0042_", "a _x005F_ b", "_x000D_ and _x00e9_", "_x12_"]


@pytest.mark.parametrize("how", ["merge", "summary"])
def test_text_that_reads_like_an_escape_reads_back_as_typed(master: Any, how: str) -> None:
    """Text holding what the file format reads as an escape (``_x0041_`` is "A" to Excel and
    calamine) is written with its underscore escaped (``_x005F_``), as Excel writes it: Excel
    (calamine here) and edi_xl read back the text as typed, in a plan cell the patch writer
    writes and in a sheet it writes whole (the Summary's overdue list, the Change Log)."""
    from python_calamine import CalamineWorkbook

    from edi_xl.flows.refresh import refresh_workbook
    from edi_xl.master.patch import save_master
    from edi_xl.master.plan import load_master, read_master_plan

    wb = load_master(master)
    plan = read_master_plan(wb, "m")
    rows = [a.origin.row for a in plan.plan.actions if a.origin][: len(ESCAPE_LIKE)]
    action_col = plan.plan.source.columns["action"] + 1  # type: ignore[union-attr]
    for row, text in zip(rows, ESCAPE_LIKE, strict=True):
        wb["Action Plan"].cell(row, action_col).value = text
    save_master(wb, master)
    if how == "summary":
        refresh_workbook(master, date(2025, 1, 1), now=datetime(2025, 1, 1))  # all overdue
    book = CalamineWorkbook.from_path(str(master))
    shown = {v for name in book.sheet_names for r in book.get_sheet_by_name(name).to_python()
             for v in r}  # fmt: skip
    assert set(ESCAPE_LIKE) <= shown
    again = load_master(master)["Action Plan"]
    assert [again.cell(r, action_col).value for r in rows] == ESCAPE_LIKE


def test_a_sheet_openpyxl_wrote_gets_its_strings_inline_escaped_as_typed() -> None:
    """A sheet made again whose cells openpyxl wrote (shared strings, as typed: openpyxl
    escapes nothing) has its strings put inline with an underscore that would begin an
    escape written ``_x005F_``."""
    from edi_xl.master.patch import _inline_strings

    root = etree.fromstring(
        f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1">'
        '<c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row></sheetData></worksheet>'
    )
    strings = [
        etree.fromstring(f'<si xmlns="{MAIN_NS}"><t>{text}</t></si>')
        for text in ("_x0041_ code", "plain")
    ]
    _inline_strings(root, strings)
    assert [t.text for t in root.iter(M + "t")] == ["_x005F_x0041_ code", "plain"]
    assert all(c.get("t") == "inlineStr" for c in root.iter(M + "c"))


def test_a_new_master_and_its_owner_returns_keep_escape_like_text_as_typed(
    tmp_path: Path,
) -> None:
    """A plan imported whole (``new_master``: openpyxl writes it) and the owner returns made
    from it (openpyxl too) hold text that reads like an escape as typed: openpyxl writes it
    as it is, which Excel (calamine here) reads as other text, so edi_xl escapes it as
    Excel writes it (``save.escaped_package``)."""
    from python_calamine import CalamineWorkbook

    from edi_xl.core.model import Action, ActionPlan
    from edi_xl.flows.owner_returns import make_owner_returns
    from edi_xl.flows.refresh import new_master
    from edi_xl.master.plan import load_master, read_master_plan

    texts = ["Pay gap _x0041_ code", "_x0041_x0042_ and _x005F_"]
    plan = ActionPlan(
        actions=[
            Action(id=f"1.{i}", action=text, owner="Ade Khan", status_text="On Track")
            for i, text in enumerate(texts, start=1)
        ]
    )
    master = tmp_path / "master.xlsx"
    new_master(master, plan, date(2023, 12, 18), now=datetime(2023, 12, 18, 9))

    def shown(path: Path) -> set[Any]:
        book = CalamineWorkbook.from_path(str(path))
        return {v for n in book.sheet_names for r in book.get_sheet_by_name(n).to_python()
                for v in r}  # fmt: skip

    assert set(texts) <= shown(master)
    again = read_master_plan(load_master(master), "master").plan
    assert [a.action for a in again.actions] == texts
    sent = make_owner_returns(master, tmp_path / "returns", date(2023, 12, 18))
    assert set(texts) <= shown(sent.files[0].path)


@pytest.mark.parametrize("text", ["#N/A", "#VALUE!", "#REF!"])
def test_text_that_reads_as_an_error_is_written_as_text(tmp_path: Path, text: str) -> None:
    """An owner's update "#N/A" from a csv return, or an owner so named: openpyxl makes such
    text an error value, which edi_xl reads back as an empty cell (an error pasted into the
    plan is no owner): written as text, as Excel keeps '#N/A typed with an apostrophe."""
    import zipfile

    from edi_xl.master.cells import set_value

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    assert set_value(ws["A1"], text)
    assert ws["A1"].data_type == "s" and ws["A1"].quotePrefix
    wb.save(tmp_path / "t.xlsx")
    with zipfile.ZipFile(tmp_path / "t.xlsx") as zf:
        assert 't="e"' not in zf.read("xl/worksheets/sheet1.xml").decode()
