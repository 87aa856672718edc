"""Buttons inside the workbook (issue 4): the macro-enabled master, and each button's click
emulated through the real xlwings API compared cell by cell with the CLI command."""

from __future__ import annotations

import copy
import re
import shutil
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import AS_AT, with_formula_results
from libreoffice import convert, soffice_path
from openpyxl import Workbook, load_workbook
from xlwings_client import (
    VBA_ACTIONS,
    Client,
    cell_values,
    click,
    differences,
    excel_reads,
    payload_from_file,
    remote_bas_actions,
    use_remote_engine,
    vba_parse_iso,
)

from edi_xl import excel
from edi_xl.buttons import bridge, entry
from edi_xl.cli import cli
from edi_xl.master import sheets, vba
from edi_xl.master.edits import describe

ROOT = Path(__file__).resolve().parents[2]
MACROS = ROOT / "macros"
MADE_AS_AT = "2023-10-02"  # the masters are made earlier, so a refresh at AS_AT changes things


@pytest.fixture
def licence(monkeypatch):
    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")
    use_remote_engine()


@pytest.fixture
def today(monkeypatch):
    """The buttons' as-at date is the CLI's today: pinned to AS_AT."""
    import edi_xl.cli

    monkeypatch.setattr(edi_xl.cli, "_today", lambda: AS_AT)


def run(*args: str) -> Any:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code in (0, 1), result.output + repr(result.exception)
    return result


def edit_xlsm(path: Path, edit: Any) -> None:
    wb = load_workbook(path, keep_vba=True)
    edit(wb)
    wb.save(path)


@pytest.fixture
def pair(tmp_path, seed_workbook) -> tuple[Path, Path]:
    """The same macro-enabled master twice, as plan.xlsm in cli/ and in button/."""
    (tmp_path / "cli").mkdir()
    (tmp_path / "button").mkdir()
    first = tmp_path / "cli" / "plan.xlsm"
    run("new", first, "--from", seed_workbook, "--as-at", MADE_AS_AT)
    second = tmp_path / "button" / "plan.xlsm"
    shutil.copy2(first, second)
    return first, second


def buttons_of(path: Path) -> dict[str, str]:
    """Caption -> macro (as Excel's "Assign Macro" shows it) of each form button."""
    with zipfile.ZipFile(path) as z:
        vml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".vml"))
    found = {}
    for shape in re.findall(r"<v:shape .*?</v:shape>", vml, re.S):
        if 'ObjectType="Button"' not in shape:
            continue
        caption = re.sub(
            r"<[^>]+>", "", re.search(r"<v:textbox.*?</v:textbox>", shape, re.S).group(0)
        )
        macro = re.search(r"<x:FmlaMacro>(.*?)</x:FmlaMacro>", shape, re.S).group(1)
        found[caption.strip()] = macro.replace("&quot;", '"').replace("&apos;", "'")
    return found


def not_timestamps(sheet: str, row: int, col: int) -> bool:
    return sheet == sheets.CHANGE_LOG and col == 1 and row > 1


def book_names(wb: Any) -> dict[str, str]:
    return {
        name: str(defined.attr_text).replace("'", "") for name, defined in wb.defined_names.items()
    }


def assert_same(button_wb: Any, cli_path: Path) -> None:
    """Equal cell by cell on every sheet (the Summary too), and the same workbook names."""
    cli_wb = load_workbook(cli_path)
    expected = cell_values(cli_wb, skip=not_timestamps)
    got = cell_values(button_wb, skip=not_timestamps)
    assert list(got) == list(expected), "sheets differ"
    assert differences(got, expected) == []
    assert book_names(button_wb) == book_names(cli_wb)


def click_and_apply(entry_point: Any, path: Path) -> tuple[Client, list[dict[str, Any]]]:
    actions = click(entry_point, payload_from_file(path))
    assert {a["func"] for a in actions} <= VBA_ACTIONS
    client = Client(load_workbook(path))
    client.apply(actions)
    return client, actions


# --- the VBA client's actions ---------------------------------------------------------------


def test_the_vba_client_applies_exactly_these_37_actions():
    assert len(VBA_ACTIONS) == 37
    assert bridge.VBA_CLIENT_ACTIONS == VBA_ACTIONS
    assert remote_bas_actions() == set(VBA_ACTIONS), "xlwings' Remote.bas changed: re-check"


@pytest.mark.parametrize(
    "text",
    [
        "1.10",
        "7.1",
        "1-2-3",
        "2023-12-18",
        "18/12/2023",
        "Dec 2023",
        "18 Dec 2023",
        "10%",
        "TRUE",
        "false",
        "#N/A",
        '=HYPERLINK("http://evil.example","x")',
        "+1+2",
        "-5",
        "- done",
        "@SUM(A1)",
        "'quoted",
        " 5 ",
        "12:30",
        "1,000",
        "On Track",
        "Exceeded Timescales",
        "No deadline",
        "Due date 31 Mar 2024 has passed",
    ],
)
def test_text_written_through_excel_stays_text(text):
    written = bridge._to_excel_value(text)
    with pytest.raises((IndexError, ValueError, OverflowError, TypeError)):
        vba_parse_iso(written)  # the VBA client leaves it a string
    assert excel_reads(written)[:2] == (text, False)


def test_the_emulator_catches_text_written_bare():
    assert excel_reads("1.10")[0] == 1.1
    assert excel_reads("=1+1")[1] is True
    assert not isinstance(vba_parse_iso("1-2-3"), str)


# --- the macro-enabled master -----------------------------------------------------------------


def ole_streams(data: bytes) -> dict[str, bytes]:
    import olefile

    with olefile.OleFileIO(data) as ole:
        return {"/".join(path): ole.openstream(path).read() for path in ole.listdir()}


def test_new_xlsm_has_the_excel_made_vba_plus_the_button_module_and_four_buttons(pair):
    path, _ = pair
    with zipfile.ZipFile(path) as z:
        project = z.read("xl/vbaProject.bin")
        types = z.read("[Content_Types].xml").decode()
        workbook = z.read("xl/workbook.xml").decode()
    assert project == vba.vba_project()
    # xlwings' Excel-made modules are kept byte for byte; the project adds one module.
    made, ours = ole_streams(vba.standalone_vba_project()), ole_streams(project)
    assert set(ours) - set(made) == {"VBA/EdiXlButtons"}
    changed = {name for name in made if made[name] != ours[name]}
    assert changed == {"PROJECT", "PROJECTwm", "VBA/dir", "VBA/_VBA_PROJECT"}, (
        "only the project's directory of modules may change"
    )
    for module in ("xlwings", "Dictionary", "Module1", "ThisWorkbook", "Sheet1", "Sheet2"):
        assert ours[f"VBA/{module}"] == made[f"VBA/{module}"]
    # The quickstart project has no compiled cache (version 0xFFFF): Excel compiles every
    # module from source on first open, ours as well as xlwings'.
    assert made["VBA/_VBA_PROJECT"][:4] == ours["VBA/_VBA_PROJECT"][:4] == b"\xcc\x61\xff\xff"
    assert "sheet.macroEnabled.main+xml" in types
    assert 'codeName="ThisWorkbook"' in workbook
    assert buttons_of(path) == {
        "Refresh status": "[0]!RefreshStatus",
        "Create owner returns": "[0]!CreateOwnerReturns",
        "Import returns": "[0]!ImportReturns",
        "Start new round": "[0]!StartNewRound",
        "Board report": "[0]!BoardReport",
    }
    wb = load_workbook(path, keep_vba=True)
    assert [ws.sheet_properties.codeName for ws in wb.worksheets[:2]] == ["Sheet1", "Sheet2"]
    settings = sheets.read_settings(wb)
    assert settings.owner_returns_folder == sheets.DEFAULT_OWNER_RETURNS_FOLDER
    assert settings.returns_folder == sheets.DEFAULT_RETURNS_FOLDER
    for button in vba.BUTTONS:  # each button names a function that exists
        assert callable(getattr(excel, button.function))


def test_pyopenvba_reads_the_project_back_consistent(pair):
    from pyopenvba import ExcelFile

    path, _ = pair
    with ExcelFile(path) as wb:
        assert wb.validate() == []
        assert wb.module_names() == [
            "ThisWorkbook",
            "Sheet1",
            "Module1",
            "Sheet2",
            "xlwings",
            "Dictionary",
            "EdiXlButtons",
        ]
        module = wb.get_module("EdiXlButtons").replace("\r\n", "\n")
    assert module == vba.button_module_source()


def test_the_entry_points_are_what_the_buttons_run():
    for button in vba.BUTTONS:
        module, call = button.command.split("; ")
        assert module == "import edi_xl.excel" and call == f"edi_xl.excel.{button.function}()"


def test_xlsm_survives_refresh_and_merge(pair, tmp_path):
    path, _ = pair
    with zipfile.ZipFile(path) as z:
        project = z.read("xl/vbaProject.bin")
    buttons = buttons_of(path)
    run("refresh", path, "--as-at", "18/12/2023")
    (tmp_path / "none").mkdir()
    run("merge", path, tmp_path / "none", "--as-at", "18/12/2023")
    with zipfile.ZipFile(path) as z:
        assert z.read("xl/vbaProject.bin") == project
    assert buttons_of(path) == buttons
    assert len(buttons) == len(vba.BUTTONS)


def test_olevba_finds_the_button_macros_and_the_source_in_macros(pair):
    import warnings

    with warnings.catch_warnings():  # oletools uses pyparsing's old names
        warnings.simplefilter("ignore", DeprecationWarning)
        from oletools.olevba import VBA_Parser

    path, _ = pair
    parser = VBA_Parser(str(path))
    try:
        modules = {name.rsplit(".", 1)[0]: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()
    with zipfile.ZipFile(path) as z:  # olevba checks p-code against source in a file only
        bin_path = path.with_name("vbaProject.bin")
        bin_path.write_bytes(z.read("xl/vbaProject.bin"))
    parser = VBA_Parser(str(bin_path))
    try:
        assert parser.detect_vba_stomping() is False, "source and compiled code disagree"
    finally:
        parser.close()
    for button in vba.BUTTONS:
        assert re.search(
            rf'^Sub {button.macro}\(\)\r?\n    RunPython "{re.escape(button.command)}"'
            r"\r?\nEnd Sub",
            modules["EdiXlButtons"],
            re.M,
        )
    assert re.search(
        r"^Public Function RunPython\(PythonCommand As String\)", modules["xlwings"], re.M
    )
    assert 'RunPython "import " & mymodule' in modules["Module1"]

    def code(text: str) -> list[str]:
        return [
            line.rstrip()
            for line in text.replace("\r\n", "\n").split("\n")
            if line.strip() and not line.startswith("Attribute VB_")
        ]

    import xlwings

    for module in ("xlwings", "Module1", "Dictionary"):
        suffix = ".cls" if module == "Dictionary" else ".bas"
        shipped = (MACROS / f"{module}{suffix}").read_text(encoding="utf-8")
        version = re.search(
            r'XLWINGS_VERSION As String = "([^"]+)"',
            (MACROS / "xlwings.bas").read_text(encoding="utf-8"),
        ).group(1)
        if version != xlwings.__version__:
            pytest.skip(
                f"macros/ holds the VBA of xlwings {version}; {xlwings.__version__} is installed"
            )
        assert code(shipped) == code(modules[module]), f"macros/{module}.bas differs"
    shipped = (MACROS / "EdiXlButtons.bas").read_text(encoding="utf-8")
    assert shipped == vba.button_module_source(), "macros/EdiXlButtons.bas is out of date"
    assert code(shipped) == code(modules["EdiXlButtons"])


@pytest.mark.libreoffice
def test_libreoffice_opens_the_xlsm_and_sees_three_buttons_bound_to_macros(pair, tmp_path):
    if soffice_path() is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    path, _ = pair
    fods = convert(path, "fods", tmp_path / "lo").read_text(encoding="utf-8")
    buttons = re.findall(
        r'<form:button [^>]*form:label="([^"]*)"[^>]*>(.*?)</form:button>', fods, re.S
    )
    assert [label for label, _ in buttons] == [b.caption for b in vba.BUTTONS]
    assert 'ooo:library-embedded ooo:name="VBAProject"' in fods
    module = re.search(r'<ooo:module ooo:name="EdiXlButtons">(.*?)</ooo:module>', fods, re.S)
    assert module, "LibreOffice did not load the EdiXlButtons module"
    for (label, body), button in zip(buttons, vba.BUTTONS, strict=True):
        bound = re.findall(r'script:event-name="form:performaction" xlink:href="([^"]*)"', body)
        assert bound == [
            f"vnd.sun.star.script:VBAProject.EdiXlButtons.{button.macro}"
            "?language=Basic&amp;location=document"
        ], label
        assert f"Sub {button.macro}()" in module.group(1)
    xlwings = re.search(r'<ooo:module ooo:name="xlwings">(.*?)</ooo:module>', fods, re.S)
    assert xlwings and "Public Function RunPython(PythonCommand As String)" in xlwings.group(1)


def test_shipped_xlsm_template_matches_a_fresh_build(tmp_path):
    import sys

    import xlwings

    templates = ROOT / "workbook_templates"
    sys.path.insert(0, str(templates))
    try:
        import build_templates
    finally:
        sys.path.remove(str(templates))
    fresh = build_templates.build(tmp_path / "fresh.xlsm")
    shipped = templates / "action_plan_template.xlsm"
    assert differences(cell_values(load_workbook(shipped)), cell_values(load_workbook(fresh))) == []
    assert buttons_of(shipped) == buttons_of(fresh)
    with zipfile.ZipFile(shipped) as a, zipfile.ZipFile(fresh) as b:
        same_vba = a.read("xl/vbaProject.bin") == b.read("xl/vbaProject.bin")
    import pyopenvba

    assert same_vba or not (
        xlwings.__version__.startswith("0.37.8") and pyopenvba.__version__.startswith("6.5.")
    )


# --- each button, clicked, equals its command -----------------------------------------------


def hostile_edits(wb: Any) -> None:
    """What an HR officer might have typed: words edi_xl does not know, look-alikes."""
    from edi_xl.master.cells import set_value

    ws = wb["Action Plan"]
    set_value(ws["I5"], "=1+1")  # a Status that looks like a formula, kept as text
    set_value(ws["I6"], "1-2-3")  # a Status the VBA client would turn into a date
    set_value(ws["J7"], "1.10")  # an update that Excel would make a number
    set_value(ws["F8"], "Priya Shah, Head of EDI")  # a new owner: the Summary's tables grow
    settings = wb[sheets.SETTINGS]  # HR moved the round by typing its date on Settings
    settings.cell(_label_row(settings, sheets.AS_AT_LABEL), 2).value = datetime(2023, 12, 18)


def _label_row(ws: Any, label: str) -> int:
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == label)


def test_refresh_button_equals_edi_xl_refresh(pair, licence, today):
    cli_path, button_path = pair
    for path in pair:
        edit_xlsm(path, hostile_edits)
    run("refresh", cli_path)  # as at the round on Settings, as the button
    client, actions = click_and_apply(entry.refresh_status, button_path)
    assert_same(client.wb, cli_path)
    assert [a["func"] for a in actions].count("setValues") < 40, "write blocks, not cells"
    assert len(client.alerts) == 1 and client.alerts[0]["mode"] == "info"
    assert "as at 18 Dec 2023" in client.alerts[0]["prompt"]
    # the problems counted as the command counts them: "2 errors", "1 warning", "3 notes"
    problems = next(line for line in client.alerts[0]["prompt"].splitlines()
                    if line.startswith("Problems: "))  # fmt: skip
    assert re.fullmatch(r"Problems: \d+ \w+(, \d+ \w+)* \(see the Problems column\)\.", problems)
    assert not re.search(r"\b(?:[02-9]|\d\d+) (?:error|warning|note)\b|\binfo\b", problems)
    assert client.applied[-1] == "alert"
    # the Summary was rewritten as a whole (the as-at date moved): contents cleared, values
    # and formats written, rows fitted to their text, the charts' names moved
    summary = load_workbook(button_path).sheetnames.index("Summary")
    on_summary = [a["func"] for a in actions if a["sheet_position"] == summary]
    assert on_summary[0] == "rangeClearContents" and "setValues" in on_summary
    assert ["rows"] in [a["args"] for a in actions if a["func"] == "setAutofit"]
    moved = {a["args"][0] for a in actions if a["func"] == "namesAdd"}
    assert "EdiXlSummaryOwnerNames" in moved, "the owner chart reads one more row"


def test_where_excel_gives_the_formulas_a_click_keeps_them_as_the_command_does(
    pair, licence, today, monkeypatch
):
    """Where the engine gives a range's formulas (Excel through COM: the buttons' classic
    RunPython), a click reads the plan as the command reads its file: a Status worked out by
    the trust's formula is never written over (the rule's other colour is a note), rows made
    ready below the plan (nothing but formulas) and a row of totals labelled in the Action
    column (formulas beside it) are not actions. The same workbook as ``edi-xl refresh``;
    before, the click wrote the Status over the formula and made an action of each of those
    rows. (The remote engine here sends values only: what Excel's ``Range.Formula`` gives
    is read from the file.)"""
    cli_path, button_path = pair
    ws = load_workbook(cli_path)["Action Plan"]
    last = max(r for r in range(5, ws.max_row + 1) if ws.cell(r, 3).value)
    results: dict[str, Any] = {"I8": "On Track", f"I{last + 4}": 17}
    for r in range(last + 1, last + 4):
        results[f"A{r}"] = r - 4
        results[f"I{r}"] = "On Track"

    def formulas(wb: Any) -> None:
        plan = wb["Action Plan"]
        plan["I8"] = '=IF(H8<>"","On Track","At Risk")'  # a Status of the trust's formula
        for r in range(last + 1, last + 4):  # rows made ready for the next actions
            plan[f"A{r}"] = f"=ROW()-{4}"
            plan[f"I{r}"] = f'=IF(H{r}="","On Track","")'
        plan[f"C{last + 4}"] = "Total"  # a row of totals, its label in the Action column
        plan[f"I{last + 4}"] = f'=COUNTIF(I5:I{last},"On Track")'
        settings = wb[sheets.SETTINGS]  # the round as at AS_AT: some actions are overdue
        settings.cell(_label_row(settings, sheets.AS_AT_LABEL), 2).value = datetime(2023, 12, 18)

    for path in pair:
        edit_xlsm(path, formulas)
        with_formula_results(path, results)

    def from_excel(rng: Any, values: Any) -> dict[tuple[int, int], str]:
        """What ``Range.Formula`` gives through COM: each cell's formula, read from the file."""
        sheet = load_workbook(button_path)[rng.sheet.name]
        return {
            (c.row, c.column): c.value
            for row in sheet.iter_rows()
            for c in row
            if c.data_type == "f" and isinstance(c.value, str)
        }

    monkeypatch.setattr(bridge, "read_formulas", from_excel)
    out = run("refresh", cli_path).output
    assert "is worked out by a formula" in out and "for 17 actions" not in out
    client, _ = click_and_apply(entry.refresh_status, button_path)
    assert client.wb["Action Plan"]["I8"].value == '=IF(H8<>"","On Track","At Risk")'
    assert_same(client.wb, cli_path)
    prompt = client.alerts[0]["prompt"]
    assert "for 17 actions" in prompt and "is worked out by a formula" in prompt


def _as_excel_gives(path: Path) -> Any:
    """``bridge.read_formulas`` as it reads under COM: ``Range.Formula`` gives each cell's
    formula, or its constant as text ("" for none), read here from the file at ``path``."""
    real = bridge.read_formulas

    def read(rng: Any, values: Any) -> dict[tuple[int, int], str]:
        ws = load_workbook(path)[rng.sheet.name]
        width = max((len(row) for row in values), default=0)
        texts = tuple(
            tuple(
                "" if (v := ws.cell(r, c).value) is None else v if isinstance(v, str) else str(v)
                for c in range(1, width + 1)
            )
            for r in range(1, len(values) + 1)
        )

        class Range:  # (what COM's Range.Formula gives: no engine here gives it)
            formula = texts

        return real(Range(), values)

    return read


def test_returns_and_the_paper_from_a_click_read_formulas_as_they_show(
    pair, licence, today, monkeypatch
):
    """Create owner returns and Board report, with formulas read from Excel: an owner, a
    Status and a due date worked out by formulas are read as they show (the click's flows
    read the workbook as Excel gave it, not a copy saved without the formulas' results:
    before, an owner called "=F7" was sent a return, and the paper printed the formulas'
    text), as ``edi-xl returns`` and ``edi-xl report`` read them; and a date on Settings a
    formula works out is the date it shows."""
    from docx import Document

    cli_path, button_path = pair

    def formulas(wb: Any) -> None:
        plan = wb["Action Plan"]
        plan["F8"] = "=F7"  # the owner above
        plan["I8"] = '=IF(H8<>"","At Risk","On Track")'
        plan["H7"] = "=DATE(2023,12,31)"

    for path in pair:
        edit_xlsm(path, formulas)
        owner = load_workbook(path)["Action Plan"]["F7"].value
        with_formula_results(path, {"F8": owner, "I8": "At Risk", "H7": 45291})
    monkeypatch.setattr(bridge, "read_formulas", _as_excel_gives(button_path))
    run("returns", cli_path, "-o", cli_path.parent / "Owner returns")
    run("report", cli_path)
    monkeypatch.chdir(button_path.parent)
    click_and_apply(entry.create_owner_returns, button_path)
    made = _files(button_path.parent / "Owner returns")
    expected = _files(cli_path.parent / "Owner returns")
    assert list(made) == list(expected) and not any(n.startswith("=") for n in made)
    for name in made:
        assert differences(made[name], expected[name]) == [], name
    click_and_apply(entry.board_report, button_path)

    def text(folder: Path) -> list[str]:
        (paper,) = folder.glob("*.docx")
        doc = Document(str(paper))
        cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
        return [p.text for p in doc.paragraphs] + cells

    paper = text(button_path.parent)
    assert paper == text(cli_path.parent)
    assert not any("=DATE(" in t or "=IF(" in t for t in paper)


def test_a_date_on_settings_a_formula_works_out_is_the_date_it_shows(
    pair, licence, today, monkeypatch
):
    """Next round on Settings worked out by a formula (=DATE(2024,3,18), showing 18 Mar
    2024): Start new round starts the round on that date, through either door's reading of
    Settings (before, the click read the formula's text, no date, and started today)."""
    for path in pair:

        def next_round(wb: Any) -> None:
            ws = wb[sheets.SETTINGS]
            ws.cell(_label_row(ws, sheets.NEXT_ROUND_LABEL), 2).value = "=DATE(2024,3,18)"

        edit_xlsm(path, next_round)
        row = _label_row(load_workbook(path)[sheets.SETTINGS], sheets.NEXT_ROUND_LABEL)
        index = load_workbook(path).sheetnames.index(sheets.SETTINGS) + 1
        part = f"xl/worksheets/sheet{index}.xml"
        with_formula_results(path, {f"B{row}": 45369}, part=part)
    monkeypatch.setattr(bridge, "read_formulas", _as_excel_gives(pair[1]))
    monkeypatch.chdir(pair[1].parent)
    client, _ = click_and_apply(entry.start_new_round, pair[1])
    prompt = client.alerts[0]["prompt"]
    assert "Started the round as at 18 Mar 2024 (the Next round date on Settings)" in prompt
    from edi_xl.master.plan import load_master

    assert sheets.read_settings(load_master(pair[0])).next_round == date(2024, 3, 18)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(-2146826246, None), (-2146826243, None), (-2146826238, None), (5.0, 5), (-3.0, -3)],
    ids=["#N/A", "#SPILL!", "#CALC!", "five", "minus three"],
)
def test_error_values_com_gives_as_numbers_read_as_nothing(value: Any, expected: Any) -> None:
    """Through COM, xlwings gives Excel's newer error values (#SPILL!, #CALC!) as the numbers
    Excel holds them as: they read as nothing, as the older ones (None) and as a file's
    load reads an error; numbers stay numbers."""
    assert bridge._read_value(value) == expected


@pytest.mark.parametrize(
    ("formula", "values", "expected"),
    [
        ("=1+1", [[2]], {(1, 1): "=1+1"}),  # one cell: Excel gives the text alone
        (
            (("=A2", "Green"), ("5", "=B1&B1")),
            [["x", "Green"], [5, "GreenGreen"]],
            {(1, 1): "=A2", (2, 2): "=B1&B1"},
        ),  # fmt: skip
        ((("'=typed", "=not"),), [["'=typed", "=not"]], {}),  # text shown as itself
        (("=A1", "b"), [["z", "b"]], {(1, 1): "=A1"}),  # (one row, given flat)
    ],
)
def test_the_formulas_excel_gives_are_read_by_cell(formula, values, expected) -> None:
    """``Range.Formula`` through COM gives each cell's formula, or its constant as text; the
    formulas are those starting "=" that do not show as themselves (text typed with an
    apostrophe, "'=not a formula", reads back as "=..." and shows so)."""

    class FromExcel:  # (what COM's Range.Formula gives: no engine here gives it)
        def __init__(self, text: Any) -> None:
            self.formula = text

    assert bridge.read_formulas(FromExcel(formula), values) == expected


def test_the_remote_engine_gives_no_formulas_and_a_click_reads_values(pair, licence):
    """xlwings' remote engine sends values only (its ``Range.formula`` raises): the snapshot
    holds none, and the click reads what the cells show."""
    import xlwings

    book = xlwings.Book(json=payload_from_file(pair[1]))
    snapshot = bridge.read_book(book)
    assert snapshot.formulas == {}
    assert [name for name, _ in snapshot.sheets][:2] == ["Action Plan", "Summary"]


def test_the_summary_page_breaks_are_the_same_through_either_door(pair, licence, today):
    """The button works out the Summary's page breaks with the code ``edi-xl refresh`` saves
    them with (summary_page_breaks), from the sheet as the edits left it."""
    import xlwings as xw

    from edi_xl.buttons.bridge import read_book, set_page_breaks, workbook_from_snapshot
    from edi_xl.flows.refresh import refresh_book
    from edi_xl.master.summary_sheet import SUMMARY, summary_page_breaks

    cli_path, button_path = pair

    def many_owners(wb: Any) -> None:  # the owner table grows by 15 rows
        for r in range(5, 20):
            wb["Action Plan"].cell(r, 6).value = f"Owner number {r}, Head of Service {r}"

    for path in pair:
        edit_xlsm(path, many_owners)
    run("refresh", cli_path)
    saved = summary_page_breaks(load_workbook(cli_path))
    assert saved, "the Summary prints over pages: breaks keep its sections together"
    book = xw.Book(json=payload_from_file(button_path))
    wb, _ = workbook_from_snapshot(read_book(book))
    refresh_book(wb, sheets.read_settings(wb).as_at or AS_AT, path=button_path.name)
    assert summary_page_breaks(wb) == saved
    # the VBA client (xlwings Server, Lite, this emulator) has no action for page breaks:
    # nothing is sent, and the button says nothing went wrong
    assert set_page_breaks(book, SUMMARY, saved) is False
    client, _ = click_and_apply(entry.refresh_status, button_path)
    assert client.alerts[0]["mode"] == "info"


def test_page_breaks_excel_refuses_do_not_stop_the_writes(pair, licence, today, monkeypatch):
    """Excel may refuse page breaks (a protected sheet, a COM error): the button still writes
    its values and shows its message, as without them."""
    _, button_path = pair
    called: list[str] = []

    def refused(book: Any, sheet: str, rows: Any) -> bool:
        called.append(sheet)
        raise RuntimeError("(-2147352567, 'Exception occurred.')")

    edit_xlsm(button_path, hostile_edits)  # the as-at date moves: the Summary is rewritten
    monkeypatch.setattr(entry, "set_page_breaks", refused)
    client, actions = click_and_apply(entry.refresh_status, button_path)
    assert called == ["Summary"]
    assert any(a["func"] == "setValues" for a in actions)
    assert len(client.alerts) == 1 and client.alerts[0]["mode"] == "info"


def test_a_master_without_a_summary_is_told_to_run_refresh_once(pair, licence, today):
    """A button cannot make the Summary's charts and formatting: it leaves the sheet to
    edi-xl refresh and says so; every other sheet is as the command makes it."""
    from edi_xl.master.summary_sheet import SUMMARY, summary_names

    def drop_summary(wb: Any) -> None:
        del wb[SUMMARY]
        for name in summary_names():
            del wb.defined_names[name]

    cli_path, button_path = pair
    for path in pair:
        edit_xlsm(path, drop_summary)
    run("refresh", cli_path)
    client, actions = click_and_apply(entry.refresh_status, button_path)
    assert SUMMARY in load_workbook(cli_path).sheetnames
    assert SUMMARY not in client.wb.sheetnames
    assert (
        "Run edi-xl refresh on the saved workbook once to add the Summary sheet"
        in client.alerts[0]["prompt"]
    )
    expected = cell_values(load_workbook(cli_path), skip=not_timestamps)
    expected.pop(SUMMARY)
    assert differences(cell_values(client.wb, skip=not_timestamps), expected) == []


def test_refresh_button_twice_changes_nothing_more(pair, licence, today):
    _, button_path = pair
    client, _ = click_and_apply(entry.refresh_status, button_path)
    client.wb.save(button_path.with_name("after.xlsx"))
    again = click(
        entry.refresh_status,
        payload_from_file(button_path.with_name("after.xlsx"), name="plan.xlsm"),
    )
    assert [a["func"] for a in again] == ["alert"]  # nothing changed: nothing written


def test_a_workbook_without_a_plan_shows_a_message_and_changes_nothing(tmp_path, licence, today):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active["A1"] = "Minutes of the EDI group"
    wb.save(tmp_path / "notes.xlsx")
    client, actions = click_and_apply(entry.refresh_status, tmp_path / "notes.xlsx")
    assert [a["func"] for a in actions] == ["alert"]
    assert client.alerts[0]["mode"] == "critical"
    assert "no action-plan table found" in client.alerts[0]["prompt"]


def _files(folder: Path) -> dict[str, dict[str, dict[str, Any]]]:
    def created(sheet: str, row: int, col: int) -> bool:
        return sheet == "_edi_xl" and row == 6  # "created": the clock

    return {
        p.name: cell_values(load_workbook(p), skip=created) for p in sorted(folder.glob("*.xlsx"))
    }


def test_create_owner_returns_button_equals_edi_xl_returns(pair, licence, monkeypatch):
    cli_path, button_path = pair
    run("returns", cli_path, "-o", cli_path.parent / "Owner returns")
    monkeypatch.chdir(button_path.parent)  # Excel's folder of the workbook
    client, actions = click_and_apply(entry.create_owner_returns, button_path)
    assert [a["func"] for a in actions] == ["alert"]
    made, expected = (
        _files(button_path.parent / "Owner returns"),
        _files(cli_path.parent / "Owner returns"),
    )
    assert list(made) == list(expected) and len(made) >= 5
    for name in made:
        assert differences(made[name], expected[name]) == [], name
    assert f"{len(made)} owner returns as at 2 Oct 2023" in client.alerts[0]["prompt"]
    drafts = sorted(p.name for p in (button_path.parent / "Owner returns").glob("*.eml"))
    assert drafts == [n.replace(".xlsx", ".eml") for n in made]
    assert f"{len(made)} email drafts" in client.alerts[0]["prompt"]


def test_create_owner_returns_button_says_a_file_of_the_users_is_kept(pair, licence, monkeypatch):
    """A workbook of HR's own in the returns folder, named as an owner's return: the button
    keeps it, as the command does, and says so (the command said it; the button did not)."""
    cli_path, button_path = pair
    run("returns", cli_path, "-o", cli_path.parent / "Owner returns")
    first = sorted(_files(cli_path.parent / "Owner returns"))[0]
    folder = button_path.parent / "Owner returns"
    folder.mkdir()
    theirs = Workbook()
    theirs.active["A1"] = "HR's own notes"
    theirs.save(folder / first)
    monkeypatch.chdir(button_path.parent)
    client, _ = click_and_apply(entry.create_owner_returns, button_path)
    assert f"kept: {first}: not written by edi_xl, so not replaced" in client.alerts[0]["prompt"]
    assert load_workbook(folder / first).active["A1"].value == "HR's own notes"


def fill_returns(folder: Path, received: Path) -> None:
    """Owners answer: statuses, updates (some hostile), as returned by email."""
    from edi_xl.master.cells import set_value

    received.mkdir(exist_ok=True)
    answers = iter(
        [
            ("Complete", "Done: report to Board 5 Dec 2023"),
            ("at risk", '=HYPERLINK("http://evil.example","click")'),
            ("On Track", "1-2-3 steps agreed"),
            ("Complete", "2024-01-05"),
        ]
    )
    for path in sorted(folder.glob("*.xlsx"))[:3]:
        wb = load_workbook(path)
        ws = wb["Your actions"]
        for row in range(7, ws.max_row + 1):
            if ws.cell(row, 1).value is None:
                continue
            answer = next(answers, None)
            if answer is None:
                break
            set_value(ws.cell(row, 4), answer[0])
            set_value(ws.cell(row, 6), answer[1])
        wb.save(received / path.name)


def returns_received(pair: tuple[Path, Path], tmp_path: Path) -> Path:
    """The round's returns made (``edi-xl returns``), answered by owners (:func:`fill_returns`)
    into a folder both masters' Settings name as *Returns received*: that folder."""
    run("returns", pair[0], "-o", tmp_path / "sent")
    received = tmp_path / "received"
    fill_returns(tmp_path / "sent", received)

    def point_at_received(wb: Any) -> None:
        ws = wb[sheets.SETTINGS]
        ws.cell(_label_row(ws, sheets.RETURNS_LABEL), 2).value = str(received)

    for path in pair:
        edit_xlsm(path, point_at_received)
    return received


def test_import_returns_button_equals_edi_xl_merge(pair, licence, today, tmp_path, monkeypatch):
    cli_path, button_path = pair
    received = returns_received(pair, tmp_path)
    monkeypatch.chdir(button_path.parent)  # Excel's folder of the workbook: chase drafts
    for round_ in (1, 2):  # a new Returns sheet and round column, then both already there
        run("merge", cli_path, received)  # into the round the returns were made for
        client, actions = click_and_apply(entry.import_returns, button_path)
        funcs = [a["func"] for a in actions]
        assert ("rangeInsert" in funcs) is (round_ == 1)
        assert ("addSheet" in funcs) is (round_ == 1)
        assert_same(client.wb, cli_path)
        prompt = client.alerts[0]["prompt"]
        # the third owner sent the return back untouched: not "returned", chased
        assert "Imported from" in prompt and "3 files (2 merged, 1 unchanged)" in prompt
        assert "chase drafts for owners still owed" in prompt
        # as edi-xl chase says it: the returns sent are not in the owner-returns folder
        assert "Return not found to attach for: " in prompt
        client.wb.save(button_path)  # what Excel now holds, saved


def test_import_returns_leaves_last_rounds_returns_in_the_folder_out(
    pair, licence, today, tmp_path, monkeypatch
):
    """The Returns received folder keeps last round's returns: the button imports this
    round's and leaves last round's out, named, as the command does (helper-53, session 16:
    the button stopped, "made for different rounds", and cannot give --as-at)."""
    from conftest import FIONA, JIM
    from test_round import answer, saved_at

    cli_path, button_path = pair
    received = tmp_path / "received"

    def point_at_received(wb: Any) -> None:
        ws = wb[sheets.SETTINGS]
        ws.cell(_label_row(ws, sheets.RETURNS_LABEL), 2).value = str(received)

    edit_xlsm(cli_path, point_at_received)
    run("round", cli_path, "--start", "2023-12-18")
    run("returns", cli_path, "-o", tmp_path / "sent")
    old = answer(tmp_path / "sent" / f"{JIM}.xlsx", received, {"1.4": ("On Track", "Dec")})
    saved_at(old, "2020-01-06T09:00:00Z")  # saved in its own round
    run("merge", cli_path, received)
    run("round", cli_path, "--start", "2024-03-18")
    shutil.copy2(cli_path, button_path)  # (one history: the Change Log's times alike)
    run("returns", cli_path, "-o", tmp_path / "sent 2")
    answer(tmp_path / "sent 2" / f"{FIONA}.xlsx", received, {"1.9": (None, "March")})
    monkeypatch.chdir(button_path.parent)
    run("merge", cli_path, received)
    client, _ = click_and_apply(entry.import_returns, button_path)
    assert_same(client.wb, cli_path)
    prompt = client.alerts[0]["prompt"]
    assert "Imported from" in prompt and "as at 18 Mar 2024: 2 files (1 merged, 1 skipped)" in (
        prompt
    )
    assert f"Not merged:\n  {JIM}.xlsx - an earlier round's return: made for the round as " in (
        prompt
    )
    assert "Needs your eye" not in prompt


def test_board_report_button_writes_the_paper_next_to_the_workbook(pair, licence, monkeypatch):
    from docx import Document

    cli_path, button_path = pair
    run("report", cli_path)
    monkeypatch.chdir(button_path.parent)  # Excel's folder of the workbook
    client, actions = click_and_apply(entry.board_report, button_path)
    assert [a["func"] for a in actions] == ["alert"]  # the workbook is not changed
    made = sorted(button_path.parent.glob("*.docx"))
    expected = sorted(cli_path.parent.glob("*.docx"))
    assert (
        [p.name for p in made]
        == [p.name for p in expected]
        == ["plan board report 2023-10-02.docx"]
    )
    prompt = client.alerts[0]["prompt"]
    assert str(button_path.parent) in prompt and made[0].name in prompt

    def text(path):
        doc = Document(str(path))
        cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
        return [p.text for p in doc.paragraphs], cells

    assert text(made[0]) == text(expected[0])  # the button's paper is the command's


def test_import_with_no_returns_folder_makes_it_and_says_so(pair, licence, today, monkeypatch):
    _, button_path = pair
    monkeypatch.chdir(button_path.parent)
    client, actions = click_and_apply(entry.import_returns, button_path)
    assert [a["func"] for a in actions] == ["alert"]
    assert (button_path.parent / sheets.DEFAULT_RETURNS_FOLDER).is_dir()
    assert "nothing was imported" in client.alerts[0]["prompt"]


@pytest.mark.parametrize("button", ["refresh_status", "import_returns", "create_owner_returns"])
def test_a_round_date_on_settings_that_is_no_date_stops_a_button(
    pair, licence, today, monkeypatch, button
):
    """HR typed the round's date on Settings as "18th March": a button that would take the
    round from it says so, naming the cell, and changes nothing (Import returns merged into
    the returns' round and wrote it over the cell, helper-167; the others took today's)."""
    _, button_path = pair
    monkeypatch.chdir(button_path.parent)
    (button_path.parent / sheets.DEFAULT_RETURNS_FOLDER).mkdir()
    edit_xlsm(button_path, lambda wb: wb[sheets.SETTINGS].__setitem__("B4", "18th March"))
    client, actions = click_and_apply(getattr(entry, button), button_path)
    assert [a["func"] for a in actions] == ["alert"]
    prompt = client.alerts[0]["prompt"]
    assert prompt.startswith("Nothing was changed.\nplan.xlsm: the As-at date on the Settings")
    assert "(cell B4) is '18th March', which is not a date" in prompt
    assert prompt.endswith("(for example 18/03/2024), and click again.")
    assert not list((button_path.parent / sheets.DEFAULT_RETURNS_FOLDER).iterdir())


def test_server_scripts_do_what_the_buttons_do(pair, licence, today):
    import inspect

    import xlwings as xw

    _, button_path = pair
    scripts = entry.server_scripts()
    assert sorted(scripts) == [
        "edi_xl_create_owner_returns",
        "edi_xl_import_returns",
        "edi_xl_refresh_status",
        "edi_xl_start_new_round",
    ]
    refresh = scripts["edi_xl_refresh_status"]
    assert inspect.iscoroutinefunction(refresh)
    payload = payload_from_file(button_path)
    book = xw.Book(json=copy.deepcopy(payload))  # xlwings updates the names it is given
    refresh.__wrapped__(book)
    by_script = book.json()["actions"]
    by_button = click(entry.refresh_status, payload)
    log = [s["name"] for s in payload["sheets"]].index(sheets.CHANGE_LOG)

    def same_but_the_clock(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for action in actions:
            action = dict(action)
            if action["sheet_position"] == log and action["func"] == "setValues":
                action["values"] = [row[1:] for row in action["values"]]  # "When"
            out.append(action)
        return out

    assert same_but_the_clock(by_script) == same_but_the_clock(by_button)


def test_settings_folders_round_trip():
    from openpyxl import Workbook

    wb = Workbook()
    sheets.write_settings(
        wb,
        sheets.Settings(
            as_at=date(2024, 1, 2), returns_folder=r"S:\EDI", owner_returns_folder="Out"
        ),
    )
    read = sheets.read_settings(wb)
    assert (read.as_at, read.returns_folder, read.owner_returns_folder) == (
        date(2024, 1, 2),
        r"S:\EDI",
        "Out",
    )
    assert entry.resolve_folder(None, "Owner returns", Path("/x")) == Path("/x/Owner returns")
    assert entry.resolve_folder("/abs/in", "R", Path("/x")) == Path("/abs/in")


def test_new_refuses_other_names(tmp_path):
    result = CliRunner().invoke(cli, ["new", str(tmp_path / "plan.csv")])
    assert result.exit_code == 2 and ".xlsm" in result.output


def test_dates_written_as_serials_with_their_format():
    snapshot = bridge.BookSnapshot("b.xlsm", "b.xlsm", [("S", [[None]])])
    wb, baseline = bridge.workbook_from_snapshot(snapshot)
    _write_date(wb, datetime(2023, 12, 18, 9, 30))
    writes = bridge.plan_writes(snapshot, describe(baseline, wb), wb)
    kinds = [(w.kind, w.values, w.arg) for w in writes]
    assert ("values", [[45278.395833333336]], None) in kinds
    assert ("number_format", None, "yyyy-mm-dd hh:mm") in kinds


def _write_date(wb: Any, value: Any) -> None:
    from edi_xl.master.cells import set_value

    set_value(wb["S"]["A1"], value, number_format="yyyy-mm-dd hh:mm")


# --- a whole round through the buttons -------------------------------------------------------


def test_a_whole_round_through_the_buttons_equals_the_commands(
    pair, licence, today, tmp_path, monkeypatch
):
    """Start new round, Create owner returns, Import returns twice and once more: each click
    gives the workbook (and the drafts) the commands give."""
    from conftest import EDI_LEAD, FIONA, HAZEL, JIM
    from test_round import ADDRESSES, answer, fill_owners, read_draft, returned

    cli_path, button_path = pair

    def next_round(wb: Any) -> None:  # the button cannot ask: HR type the date on Settings
        fill_owners(wb)
        ws = wb[sheets.SETTINGS]
        ws.cell(_label_row(ws, sheets.NEXT_ROUND_LABEL), 2).value = datetime(2023, 12, 18)

    for path in pair:
        edit_xlsm(path, next_round)
    monkeypatch.chdir(button_path.parent)

    def click_button(entry_point: Any) -> Client:
        client, _ = click_and_apply(entry_point, button_path)
        client.wb.save(button_path)  # what Excel now holds, saved
        return client

    # Start new round
    run("round", cli_path, "--start", "2023-12-18")
    client = click_button(entry.start_new_round)
    assert_same(client.wb, cli_path)
    prompt = client.alerts[0]["prompt"]
    assert "Started the round as at 18 Dec 2023 (the Next round date on Settings)" in prompt
    assert "Update as at 18 Dec 23" in [c.value for c in client.wb["Action Plan"][4]]

    # Create owner returns, with a draft beside each
    run("returns", cli_path, "-o", cli_path.parent / "Owner returns")
    client = click_button(entry.create_owner_returns)
    sent_cli, sent_button = cli_path.parent / "Owner returns", button_path.parent / "Owner returns"
    drafts = sorted(p.name for p in sent_button.glob("*.eml"))
    assert drafts == sorted(p.name for p in sent_cli.glob("*.eml")) and len(drafts) == 6
    for name in drafts:
        a, b = read_draft(sent_button / name), read_draft(sent_cli / name)
        assert a["X-Unsent"] == "1"
        assert (a["To"], a["Cc"], a["Subject"]) == (b["To"], b["Cc"], b["Subject"])
        assert a.get_body(("plain",)).get_content() == b.get_body(("plain",)).get_content()
    assert read_draft(sent_button / f"{JIM}.eml")["To"] == ADDRESSES[JIM][0]

    # Owners answer, in two batches, into the Returns received folder of each
    received = {p: p.parent / sheets.DEFAULT_RETURNS_FOLDER for p in pair}
    batches = [
        [(JIM, {"1.4": ("On Track", "Panels agreed")}), (FIONA, {"1.9": ("At Risk", "chairs")})],
        [(EDI_LEAD, {"3.3": (None, "Network launched")}), (HAZEL, {})],
    ]
    for batch in [*batches, []]:  # the last click: the same files again
        for owner, answers in batch:
            made = answer(sent_cli / f"{owner}.xlsx", tmp_path / "answers", answers)
            for folder in received.values():
                folder.mkdir(exist_ok=True)
                shutil.copy2(made, folder / made.name)
        log_before = len(load_workbook(cli_path)["Change Log"]["A"])
        run("merge", cli_path, received[cli_path])
        run("chase", cli_path)
        client = click_button(entry.import_returns)
        assert_same(client.wb, cli_path)
        reminders = sorted(p.name for p in sent_button.glob("Reminder - *.eml"))
        assert reminders == sorted(p.name for p in sent_cli.glob("Reminder - *.eml"))
        if not batch:
            assert len(load_workbook(cli_path)["Change Log"]["A"]) == log_before
            assert "; 0 changes." in client.alerts[0]["prompt"]
    returns = returned(button_path)
    assert (returns[JIM], returns[FIONA], returns[EDI_LEAD], returns[HAZEL]) == (
        "Yes",
        "Yes",
        "Yes",
        "Unchanged",
    )
    assert sorted(p.name for p in sent_button.glob("Reminder - *.eml")) == sorted(
        f"Reminder - {o}.eml"
        for o in (
            HAZEL,
            "Louanna Lubega, Head of Communicati ons",
            "Victoria Parsons, Associate Director of Corporate Governance",
        )
    )


@pytest.mark.parametrize(
    ("first", "span", "text"),
    [
        (None, "C{r}:J{r}", "Approved by the EDI Committee on 12/10/2025"),  # from the Action
        ("7", "B{r}:J{r}", "Recruitment and retention"),  # a heading with its number before it
    ],
)
def test_a_merged_heading_or_note_is_no_action_to_a_click_either(
    pair, licence, today, monkeypatch, first, span, text
):
    """A heading or a note merged across the plan's row: the command reads it as the file
    gives it (its text across the merge) and leaves it alone; a click read the values Excel
    gives (the text in the first cell only) as an action, and wrote "No deadline" and a
    Problems text beside it (helper-48, session 15). The click now reads the merges too,
    here (xlwings' remote engine gives none) as the workbook's file has them."""
    cli_path, button_path = pair

    def add_row(wb: Any) -> None:
        ws = wb["Action Plan"]
        r = ws.max_row + 2
        if first is not None:
            ws.cell(r, 1).value = first
        ref = span.format(r=r)
        ws[ref.split(":")[0]] = text
        ws.merge_cells(ref)

    for path in pair:
        edit_xlsm(path, add_row)
    run("refresh", cli_path)
    monkeypatch.chdir(button_path.parent)  # Excel's folder of the workbook
    client, _ = click_and_apply(entry.refresh_status, button_path)
    assert_same(client.wb, cli_path)
    prompt = client.alerts[-1]["prompt"]
    assert "for 17 actions" in prompt, prompt


def test_a_merge_the_open_workbook_no_longer_has_is_not_put_back() -> None:
    """A merge the saved file has whose cells, but its first, hold values in the open
    workbook was undone since the save (and typed into): it is left out, so that nothing read
    is hidden under it; one outside the cells read is left out too."""
    rows = [["Heading", None, None], ["Note", "typed since", None]]
    assert bridge._still_merged(["A1:C1", "A2:C2", "E9:F9"], rows) == ["A1:C1"]
    # cut to the cells read: a merge over a whole sheet is not a million cells
    assert bridge._still_merged(["A1:XFD1048576", "B1:B9"], [["x", None], [None, None]]) == [
        "A1:B2",
        "B1:B2",
    ]


def test_import_returns_fits_the_rows_of_long_updates(pair, licence, today, tmp_path, monkeypatch):
    """A click that merges an owner's long update asks Excel to fit that row to its text, as
    the command's file grows it (helper-48, session 15: a row the trust gave a height kept it
    in Excel, and the update showed its first lines only)."""
    from edi_xl.core.rounds import update_header

    button_path = pair[1]
    returns_received(pair, tmp_path)
    monkeypatch.chdir(button_path.parent)
    client, actions = click_and_apply(entry.import_returns, button_path)
    plan = client.wb.sheetnames.index("Action Plan")
    fitted = {
        a["start_row"] + 1 + i
        for a in actions
        if a["func"] == "setAutofit" and a["args"][0] == "rows" and a["sheet_position"] == plan
        for i in range(a["row_count"])
    }
    ws = client.wb["Action Plan"]
    header = next(r for r in range(1, 20) if ws.cell(r, 1).value == "#")
    col = [c.value for c in ws[header]].index(update_header(date.fromisoformat(MADE_AS_AT))) + 1
    long_ones = {
        r
        for r in range(header + 1, ws.max_row + 1)
        if isinstance(v := ws.cell(r, col).value, str) and len(v) > bridge.LONG_TEXT
    }
    assert long_ones and long_ones <= fitted


def test_the_saved_files_merges_are_read_as_a_load_reads_the_file(tmp_path) -> None:
    """``package.merged_ranges`` (what a click under the remote engine reads merges from):
    a sheet part named in another case than the package names it, and a ``ref`` in single
    quotes, are read as the loader reads them (helper-50: such a sheet's merges were missed,
    and a merged heading was an action to a click only)."""
    import xlsxwriter
    from conftest import rewrite_part

    from edi_xl.master.package import merged_ranges

    path = tmp_path / "odd.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("Plan").merge_range("B2:D2", "Theme 1")
    book.add_worksheet("Two").merge_range("A1:C1", "Notes")
    book.close()
    rewrite_part(
        path, "xl/worksheets/sheet2.xml", lambda d: d.replace(b'ref="A1:C1"', b"ref='A1:C1'")
    )
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"worksheets/sheet1.xml", b"worksheets/Sheet1.XML"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    assert merged_ranges(path.read_bytes()) == {"Plan": ["B2:D2"], "Two": ["A1:C1"]}


def test_a_row_with_merged_cells_is_not_fitted_by_a_click() -> None:
    """Excel's row fitting counts no merged cell: a long text written in a row with merged
    cells leaves the row as it is, another row is fitted (helper-50)."""
    from openpyxl import Workbook

    from edi_xl.master.edits import describe, take_baseline

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.merge_cells("A2:C2")
    baseline = take_baseline(wb)
    long_text = "The panel met and agreed the guidance with the staff networks."
    ws["A2"] = long_text
    ws["D3"] = long_text
    ws["D4"] = "short"
    writes = bridge._fit_long_rows(ws, describe(baseline, wb).sheets[ws.title])
    assert [(w.kind, w.row, w.rows) for w in writes] == [("autofit_rows", 3, 1)]


def test_the_import_message_keeps_what_is_said_nowhere_else_and_counts_the_flags_cut() -> None:
    """The alert holds bridge.MAX_MESSAGE characters: the import's and the chase's lines come
    first, whole; the flags (on the Returns sheet too) take the cut, the rest counted
    (helper-57, session 16: the chase's lines and "no returns made yet" were cut instead)."""
    lines = ["Imported from folder as at 18 Dec 2023: 12 files.", "3 chase drafts in folder."]
    eye = [f"  invalid_status: owner {n}.xlsx (action {n}.1): {'x' * 60}" for n in range(30)]
    said = entry._with_flags(lines, eye)
    assert said.startswith("\n".join(lines) + "\nNeeds your eye:\n  invalid_status: owner 0")
    assert len(said) <= bridge.MAX_MESSAGE - entry._WRITE_BACK_NOTE  # (room for its note)
    summary_note = (
        "\nRun edi-xl refresh on the saved workbook once to add the Summary, Returns sheet "
        "(its charts and formatting cannot be made from a button)."
    )
    assert len(summary_note) <= entry._WRITE_BACK_NOTE
    shown = said.count("invalid_status")
    assert 0 < shown < 30
    assert said.endswith(f"... {30 - shown} more: see Flags this round on the Returns sheet.")
    assert entry._with_flags(lines, []) == "\n".join(lines)
    # the flags an earlier import of the round said: counted, never cut (helper-172: the
    # count was cut, and counted as one flag more)
    again = entry._with_flags(lines, eye, 10)
    assert len(again) <= bridge.MAX_MESSAGE - entry._WRITE_BACK_NOTE
    assert again.count("invalid_status") == again.count("owner ") > 0
    shown = again.count("invalid_status")
    assert again.endswith(
        f"... {30 - shown} more: see Flags this round on the Returns sheet.\n"
        "  (and 10 flags said at an earlier merge this round, not listed again: the Returns "
        "sheet lists them)"
    )
    alone = entry._with_flags(lines, [], 10)
    assert alone.endswith("Needs your eye:\n  (10 flags said at an earlier merge this round, "
                          "not listed again: the Returns sheet lists them)")  # fmt: skip


def test_the_buttons_work_in_the_workbook_excel_has_open(pair, licence, today, monkeypatch):
    """Excel keeps ``~$plan.xlsm`` beside the workbook it has open, the user's own. The
    buttons write into the open workbook (and their returns, drafts and paper beside it),
    never over its file, so that lock stops none of them; a command saving over the file
    is refused (edi_xl.master.save: a workbook open elsewhere)."""
    cli_path, button_path = pair
    user = "Jane HR"
    owner_file = button_path.with_name(f"~${button_path.name}")
    owner_file.write_bytes((bytes([len(user)]) + user.encode().ljust(53, b" ")).ljust(165))
    before = button_path.read_bytes()
    monkeypatch.chdir(button_path.parent)
    for entry_point in (
        entry.refresh_status,
        entry.start_new_round,
        entry.create_owner_returns,
        entry.import_returns,
        entry.board_report,
    ):
        client, _ = click_and_apply(entry_point, button_path)
        prompt = client.alerts[0]["prompt"]
        assert "Nothing was changed" not in prompt and "open in Excel" not in prompt, prompt
    assert button_path.read_bytes() == before  # (Excel saves it, when the user does)
    result = CliRunner().invoke(cli, ["refresh", str(button_path)])
    assert result.exit_code == 2 and f"open in Excel or LibreOffice by {user}" in result.output


def _the_round_by_command(plan: Path, tmp_path: Path) -> tuple[Path, Callable[[], None]]:
    """``plan`` refreshed as at 18 Dec 23, and a copy of it whose round of 18 Mar 24 the
    command started; and the "Start new round" click that starts it in the open workbook."""
    from edi_xl.flows.refresh import refresh_workbook
    from edi_xl.flows.rounds import start_round

    start, now = date(2024, 3, 18), datetime(2024, 3, 18, 9)
    refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))
    by_command = tmp_path / "command" / "plan.xlsx"
    by_command.parent.mkdir()
    shutil.copy2(plan, by_command)
    start_round(by_command, start, now=now)

    def start_new_round() -> None:
        entry._run_button(lambda book: entry.start_round_in_excel(book, start, now=now))

    return by_command, start_new_round


def test_a_table_running_past_the_update_column_names_the_round_as_the_command_does(
    tmp_path, licence
):
    """The plan is a table with a column of the trust's right of its update column: Excel's
    insert puts the round's column inside the table as "Column1", and the header the click
    writes renames it, as Excel does (helper-111: the emulator left "Column1", so the open
    workbook's table disagreed with the command's file after each round)."""
    import xlsxwriter
    from conftest import seed_rows

    header, rows = seed_rows()
    plan = tmp_path / "plan.xlsx"
    wb = xlsxwriter.Workbook(str(plan))
    ws = wb.add_worksheet("Action Plan")
    ws.write("A1", "Equality, Diversity & Inclusion Action Plan 2023/24")
    ws.add_table(3, 0, 3 + len(rows), len(header), {"name": "ActionPlan",
                 "data": [[*r, None] for r in rows],
                 "columns": [{"header": h} for h in [*header, "Notes"]]})  # fmt: skip
    wb.close()
    by_command, start_new_round = _the_round_by_command(plan, tmp_path)
    actions = click(start_new_round, payload_from_file(plan))
    assert not [a for a in actions if a["func"] == "resizeTable"]  # (the insert grows it)
    client = Client(load_workbook(plan))
    client.apply(actions)

    def columns(ws: Any) -> list[str]:
        return [c.name for c in ws.tables["ActionPlan"].tableColumns]

    by_click = columns(client.wb["Action Plan"])
    assert by_click == columns(load_workbook(by_command)["Action Plan"])
    assert "Update as at 18 Mar 24" in by_click and "Column1" not in by_click


def test_start_new_round_takes_the_round_into_the_plans_table_as_the_command_does(
    tmp_path, licence
):
    """The plan is a table ending on its update column: Excel's insert leaves the round's
    column beside it, so the click resizes the table (the VBA client's resizeTable) after
    writing the header, and the open workbook's table is the command's file's: its range,
    its filter and its columns' names. The trust's key table, also ending there, is left."""
    from test_plan_as_a_table import plan_ending_on_its_update_column

    plan = plan_ending_on_its_update_column(tmp_path / "plan.xlsx")
    by_command, start_new_round = _the_round_by_command(plan, tmp_path)

    payload = payload_from_file(plan)
    addresses = [t["range_address"] for t in payload["sheets"][0]["tables"]]
    assert addresses == ["$A$4:$J$22", "$I$1:$J$2"]  # (as the VBA client sends them)
    actions = click(start_new_round, payload)
    resized = [a for a in actions if a["func"] == "resizeTable"]
    assert [(a["sheet_position"], a["args"]) for a in resized] == [(0, [0, "$A$4:$K$22"])]
    funcs = [a["func"] for a in actions]
    assert funcs.index("rangeInsert") < funcs.index("setValues") < funcs.index("resizeTable")
    client = Client(load_workbook(plan))
    client.apply(actions)

    def tables(ws: Any) -> dict[str, tuple[str, str, list[str]]]:
        return {
            t.displayName: (t.ref, t.autoFilter.ref, [c.name for c in t.tableColumns])
            for t in ws.tables.values()
        }

    by_click = tables(client.wb["Action Plan"])
    assert by_click == tables(load_workbook(by_command)["Action Plan"])
    assert by_click["ActionPlan"][0] == "A4:K22" and by_click["Key"][0] == "I1:J2"
    assert by_click["ActionPlan"][2][-1] == client.wb["Action Plan"]["K4"].value
