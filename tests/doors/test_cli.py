"""The edi-xl command, through click's CliRunner: output and exit codes pinned."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest
import xlsxwriter
from click.testing import CliRunner
from conftest import build_trust_workbook, edit_workbook
from openpyxl import load_workbook
from PIL import Image

from edi_xl.cli import cli


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def run(runner: CliRunner, *args: str):
    return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_demo_builds_and_refreshes_the_example(runner, tmp_path):
    result = run(runner, "demo", tmp_path / "demo")
    assert result.exit_code == 0, result.output
    target = tmp_path / "demo" / "action_plan.xlsx"
    assert target.exists()
    assert "17 actions" in result.output
    assert "Overdue: 2" in result.output
    assert "1.9" in result.output and "18 days overdue" in result.output
    assert str(target.resolve()) in result.output
    ws = load_workbook(target)["Action Plan"]
    assert ws["I8"].value == "Exceeded Timescales"  # 1.9


def test_new_from_existing_then_refresh_then_check(runner, tmp_path):
    source = build_trust_workbook(tmp_path / "ours.xlsx")
    master = tmp_path / "master.xlsx"
    made = run(runner, "new", master, "--from", source, "--as-at", "2023-09-18")
    assert made.exit_code == 1, made.output  # made, but the seed has problems (missing text)
    assert "Created" in made.output and "Overdue: 0" in made.output

    refreshed = run(runner, "refresh", master, "--as-at", "18/12/2023")
    assert refreshed.exit_code == 1
    assert "Overdue: 2" in refreshed.output
    assert "Changes logged on the Change Log sheet: 5" in refreshed.output  # 2 status,
    # 2 overdue No->Yes, the as-at date
    assert "master.backup.xlsx" in refreshed.output

    again = run(runner, "refresh", master, "--as-at", "2023-12-18")
    assert "Changes logged on the Change Log sheet: 0" in again.output

    checked = run(runner, "check", master, "--as-at", "2023-12-18")
    assert checked.exit_code == 1
    assert "action 1.5: The action text is missing." in checked.output
    assert "row 6, column 'Action (think SMART)'" in checked.output


def test_refresh_prints_each_overdue_action_on_a_line_and_none_when_nothing_is(runner, tmp_path):
    """The overdue actions are printed one to a line under the count (all at once: the same
    text), and nothing is printed for them, not even an empty line, when none is overdue."""
    source = build_trust_workbook(tmp_path / "ours.xlsx")
    master = tmp_path / "master.xlsx"
    made = run(runner, "new", master, "--from", source, "--as-at", "2023-09-18")
    assert "Overdue: 0\nChanges logged on the Change Log sheet:" in made.output
    refreshed = run(runner, "refresh", master, "--as-at", "2023-12-18")
    lines = refreshed.output.splitlines()
    at = lines.index("Overdue: 2")
    assert all(line.startswith("  ") and " overdue - " in line for line in lines[at + 1 : at + 3])
    assert lines[at + 3].startswith("Changes logged on the Change Log sheet:")


def test_check_json_shape(runner, tmp_path):
    master = tmp_path / "m.xlsx"
    run(
        runner,
        "new",
        master,
        "--from",
        build_trust_workbook(tmp_path / "s.xlsx"),
        "--as-at",
        "2023-12-18",
    )
    result = run(runner, "check", master, "--as-at", "2023-12-18", "--json")
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert doc["as_at"] == "2023-12-18" and doc["actions"] == 17
    assert doc["counts"] == {"error": 2, "warning": 2}
    first = doc["problems"][0]
    assert set(first) == {"code", "severity", "action_id", "location", "value", "message"}
    assert first["code"] == "missing_action" and first["location"]["row"] == 6


def test_check_clean_plan_exits_0(runner, tmp_path):
    master = tmp_path / "m.xlsx"
    run(
        runner,
        "new",
        master,
        "--from",
        build_trust_workbook(tmp_path / "s.xlsx"),
        "--as-at",
        "2023-12-18",
    )

    def fix(wb):
        ws = wb["Action Plan"]
        ws["C6"] = "Attach the Trust's E&D approach to every job advert."
        ws["C20"] = "Review the board template."
        ws["D11"] = "WRES 6 WDES 6 WRES 8"
        ws["D12"] = "WRES 8 WDES 4"

    edit_workbook(master, fix)
    result = run(runner, "check", master, "--as-at", "2023-12-18")
    assert result.exit_code == 0, result.output
    assert "Problems: 0 errors, 0 warnings, 0 notes" in result.output


def test_new_refuses_to_overwrite_without_force(runner, tmp_path):
    master = tmp_path / "m.xlsx"
    assert run(runner, "new", master, "--as-at", "2023-12-18").exit_code == 0  # empty: clean
    again = run(runner, "new", master, "--as-at", "2023-12-18")
    assert again.exit_code == 2
    assert "already exists" in again.output
    assert run(runner, "new", master, "--as-at", "2023-12-18", "--force").exit_code == 0


def test_new_empty_master_has_the_trust_layout(runner, tmp_path):
    master = tmp_path / "empty.xlsx"
    result = run(runner, "new", master, "--as-at", "2023-12-18")
    assert result.exit_code == 0
    wb = load_workbook(master)
    assert wb.sheetnames == ["Action Plan", "Summary", "Settings", "Lists", "Change Log"]
    assert wb["Action Plan"]["J4"].value == "Update as at 18 Dec 23"


@pytest.mark.parametrize("command", ["refresh", "check"])
def test_missing_file_is_exit_2_with_one_line(runner, tmp_path, command):
    result = run(runner, command, tmp_path / "nope.xlsx", "--as-at", "2023-12-18")
    assert result.exit_code == 2
    assert "nope.xlsx" in result.output and "not found" in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"this is not a workbook", "cannot open"), (b"PK\x03\x04broken zip", "cannot open")],
)
def test_unreadable_master_is_exit_2(runner, tmp_path, content, reason):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(content)
    result = run(runner, "refresh", bad, "--as-at", "2023-12-18")
    assert result.exit_code == 2
    assert "bad.xlsx" in result.output and reason in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_workbook_without_a_plan_is_exit_2(runner, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active["A1"] = "Just some notes"
    wb.save(tmp_path / "notes.xlsx")
    result = run(runner, "refresh", tmp_path / "notes.xlsx", "--as-at", "2023-12-18")
    assert result.exit_code == 2
    assert "notes.xlsx: no action-plan table found" in result.output
    assert "first 40 rows" in result.output and "move it up" in result.output


@pytest.mark.parametrize("bad", ["12/31/2023", "March 2024", "tomorrow", "2023-13-01"])
def test_bad_as_at_is_a_usage_error(runner, tmp_path, bad):
    result = run(runner, "check", tmp_path / "m.xlsx", "--as-at", bad)
    assert result.exit_code == 2
    assert repr(bad) in result.output and "write a day such as" in result.output
    assert result.output.count("2023-12-18") == 1  # the example, once
    assert result.output.count(repr(bad)) == 1  # the value, once
    assert "((" not in result.output.replace(" ", "") and "date (" not in result.output


def test_as_at_defaults_to_today(runner, tmp_path):
    from datetime import date

    master = tmp_path / "m.xlsx"
    run(runner, "new", master)
    assert load_workbook(master)["Settings"]["B4"].value.date() == date.today()


def test_new_rejects_other_extensions(runner, tmp_path):
    result = run(runner, "new", tmp_path / "plan.ods")
    assert result.exit_code == 2 and "plan.ods" in result.output


def test_python_dash_m_and_console_script(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "edi_xl", "--help"], capture_output=True, text=True, check=True
    )
    assert "Usage: edi-xl" in out.stdout
    for command in ("new", "refresh", "check", "demo"):
        assert command in out.stdout


def test_the_command_loads_openpyxl_without_numpy_and_numpy_stays_importable(tmp_path):
    """edi_xl uses no numpy; openpyxl imports it only to take numpy's numbers as cell
    values, a tenth of a second of every command's start. The command leaves it out (and a
    master made so opens as any other); anything may still import numpy afterwards."""
    master = tmp_path / "m.xlsx"
    code = (
        "import sys\n"
        "from edi_xl.__main__ import main\n"
        f"sys.argv = ['edi-xl', 'new', {str(master)!r}, '--as-at', '2024-03-31']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as end:\n"
        "    print('exit', end.code)\n"
        "print('numpy loaded:', 'numpy' in sys.modules)\n"
        "import numpy\n"
        "print('numpy after:', numpy.__name__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "exit 0" in out.stdout and "numpy loaded: False" in out.stdout, out.stdout + out.stderr
    assert "numpy after: numpy" in out.stdout
    assert load_workbook(master)["Settings"]["B4"].value.date().isoformat() == "2024-03-31"


def test_the_command_makes_pillows_image_module_only_when_a_picture_is_read(tmp_path):
    """openpyxl imports Pillow's image module to read pictures, about 8 ms of every start:
    the command makes it when first used, and a workbook's picture is read (and written
    whole) as before."""
    png = tmp_path / "red.png"
    Image.new("RGB", (20, 10), "red").save(png)
    pictured = tmp_path / "pictured.xlsx"
    book = xlsxwriter.Workbook(pictured)
    book.add_worksheet("Notes").insert_image("B2", str(png))
    book.close()
    code = (
        "import sys\n"
        "from edi_xl.__main__ import main\n"
        "sys.argv = ['edi-xl', '--version']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as end:\n"
        "    print('exit', end.code)\n"
        "print('image module made:', 'PIL.ExifTags' in sys.modules)\n"
        "from openpyxl import load_workbook\n"
        f"wb = load_workbook({str(pictured)!r})\n"
        "print('pictures:', [(i.width, i.height) for i in wb['Notes']._images])\n"
        f"wb.save({str(tmp_path / 'again.xlsx')!r})\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "exit 0" in out.stdout, out.stdout + out.stderr
    assert "image module made: False" in out.stdout, out.stdout
    assert "pictures: [(20, 10)]" in out.stdout, out.stdout + out.stderr
    assert [
        (i.width, i.height) for i in load_workbook(tmp_path / "again.xlsx")["Notes"]._images
    ] == [(20, 10)]


def test_a_returns_reader_makes_pillows_image_module_before_its_memory_limit():
    """A worker reading returns runs its imports before its memory limit: a load of Pillow
    under the limit that failed for want of address space would leave, on Python 3.11, a
    half-made module failing every later return with a picture (helper-92)."""
    code = (
        "import sys, types\n"
        "from edi_xl.__main__ import openpyxl_for_the_command\n"
        "openpyxl_for_the_command()\n"
        "print('lazy:', type(sys.modules['PIL.Image']) is not types.ModuleType)\n"
        "from edi_xl.read.isolation import _made_now\n"
        "_made_now('PIL.Image')\n"
        "print('made:', type(sys.modules['PIL.Image']) is types.ModuleType,"
        " 'PIL.ExifTags' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["lazy: True", "made: True True"], out.stdout + out.stderr


def test_importing_the_package_loads_nothing_heavy_until_a_name_is_used():
    code = (
        "import sys, edi_xl\n"
        "print(sorted(m for m in ('openpyxl', 'pydantic', 'lxml') if m in sys.modules))\n"
        "print(edi_xl.read_plan.__module__, edi_xl.RAG.BLUE.value, 'pydantic' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["[]", "edi_xl.tables.reader Blue False"]


def test_a_refresh_and_a_check_load_no_pydantic_and_check_json_does(runner, tmp_path):
    """edi_xl's models are dataclasses: a command that makes them imports no pydantic (a
    tenth of a second of its start); pydantic writes a problem's values as JSON, where a
    problem leaves edi_xl (check --json), and is imported there."""
    master = tmp_path / "m.xlsx"
    assert run(runner, "new", master, "--as-at", "2024-03-31").exit_code == 0
    for args, loads in (
        (["refresh", str(master)], False),
        (["check", str(master)], False),
        (["check", str(master), "--json"], True),
    ):
        assert _loaded_by_the_command(args, ["pydantic"]) == (["pydantic"] if loads else []), args


def _loaded_by_the_command(args: list[str], modules: Iterable[str]) -> list[str]:
    """Those of ``modules`` loaded once ``edi-xl ARGS`` has run in a Python of its own (it
    must end with exit code 0 or 1)."""
    code = (
        "import sys\n"
        "from edi_xl.__main__ import main\n"
        "sys.argv = ['edi-xl', *sys.argv[1:]]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as end:\n"
        "    print('exit', end.code)\n"
        f"print('loaded:', [m for m in {tuple(modules)!r} if m in sys.modules])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    assert "exit 0" in out.stdout or "exit 1" in out.stdout, (args, out.stdout, out.stderr)
    (line,) = [line for line in out.stdout.splitlines() if line.startswith("loaded: ")]
    return ast.literal_eval(line.removeprefix("loaded: "))  # type: ignore[no-any-return]


def test_a_refresh_imports_nothing_it_does_not_use(runner, tmp_path):
    """Each import is part of every refresh's start: a refresh imports neither the returns'
    readers (asking what the master is needs only edi_xl.read.sniff), nor the round's record
    on the Returns sheet, nor json or strptime's machinery, nor Pillow's image module."""
    master = tmp_path / "m.xlsx"
    assert run(runner, "new", master, "--as-at", "2024-03-31").exit_code == 0
    left_out = (
        "edi_xl.read.sources",
        "edi_xl.master.round_record",
        "json",
        "_strptime",
        "PIL.ExifTags",
    )
    assert _loaded_by_the_command(["refresh", str(master), "--as-at", "2024-06-30"], left_out) == []


def test_the_installed_command_runs():
    command = shutil.which("edi-xl")
    if command is None:
        pytest.skip("the edi-xl command is not installed on PATH (pip install .)")
    out = subprocess.run([command, "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("edi-xl, version ")


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help_with_an_example(runner, command):
    result = run(runner, command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.output


def test_readme_documents_every_command():
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    for command in cli.commands:
        assert f"edi-xl {command}" in readme, f"README does not document `edi-xl {command}`"


def test_one_day_overdue_is_said_in_the_singular(runner: CliRunner, master: Path) -> None:
    """1.9 and 6.3 are due on 30 Nov 2023: as at 1 Dec 2023 each is one day overdue."""
    result = runner.invoke(cli, ["refresh", str(master), "--as-at", "2023-12-01"])
    assert "due 30 Nov 2023, 1 day overdue - " in result.output
    assert "1 days" not in result.output


@pytest.mark.parametrize("command", ["merge", "round"])
def test_a_master_saved_by_rewriting_says_so(
    runner: CliRunner, master: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """When a master cannot be patched and is saved whole, merge and round --start print the
    note that says what that may have dropped, as refresh does."""
    from edi_xl.master import patch

    def broken(wb: object) -> bytes:
        raise ValueError("a part the patch writer needs is broken")

    monkeypatch.setattr(patch, "save_bytes", broken)
    if command == "merge":
        empty = tmp_path / "returns"
        empty.mkdir()
        result = runner.invoke(cli, ["merge", str(master), str(empty), "--as-at", "2023-12-18"])
    else:
        result = runner.invoke(cli, ["round", str(master), "--start", "2024-03-18"])
    assert "Note: " in result.output and "saved by rewriting the whole workbook" in result.output
    assert "a part the patch writer needs is broken" in result.output


# --- edi-xl import --into: a plan added to the trust's existing master --------------------------


def test_import_into_an_existing_master(runner: CliRunner, tmp_path: Path) -> None:
    """The sources' report as for a new master, then what was added, left out and not placed;
    exit 1 (a duplicate and values with no column need a person); again: nothing new, exit 2
    and the master not changed."""
    from test_import_into import HYPERLINK, _load, build_source, build_trust_master

    master = build_trust_master(tmp_path / "trust plan.xlsx")
    first_id = str(_load(master)["Action Plan"]["B5"].value)
    source = build_source(tmp_path / "board actions.xlsx", first_id)
    args = ["import", str(source), "--into", str(master), "--as-at", "18/12/2023"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 1, result.output
    out = result.output
    assert "board actions.xlsx: layout trust, 1 table read, actions 4" in out
    assert "Lead network" in out and "kept as an extra column" in out
    assert f"Added to {master}: 3 actions (rows 11 to 13)." in out
    assert "Already in the master, not added (its row is kept as it is): 1 action" in out
    assert f"  {first_id:<6} from board actions.xlsx" in out
    assert "The master has no column for these, so they were not written:" in out
    assert "  field 'Start Date': 1 action had a value there" in out
    assert "  column 'Budget': 1 action had a value there" in out
    assert f"Imported into {master} as at 18 Dec 2023" in out
    assert "Changes logged on the Change Log sheet: " in out
    assert f"Previous version kept as {tmp_path / 'trust plan.backup.xlsx'}" in out
    assert _load(master)["Action Plan"]["C12"].value == HYPERLINK
    before = master.read_bytes()
    again = runner.invoke(cli, [*args, "--json"])
    assert again.exit_code == 1, again.output  # the action with no id is added once more
    doc = json.loads(again.output)
    assert [a["id"] for a in doc["added"]] == [""] and doc["added"][0]["row"] == 14
    assert {d["id"] for d in doc["already_in_master"]} == {first_id, "7.1", "7.2"}
    assert doc["no_column_in_master"] == []  # 7.1's Start Date and Budget: not added again
    assert doc["formulas_copied_down"] == []  # the master has no formula column
    assert master.read_bytes() != before


def test_import_into_refuses_what_it_cannot_do(runner: CliRunner, tmp_path: Path) -> None:
    source = build_trust_workbook(tmp_path / "ours.xlsx")
    master = tmp_path / "plan.xlsx"
    made = runner.invoke(cli, ["import", str(source), "-o", str(master), "--as-at", "18/12/2023"])
    assert made.exit_code in (0, 1), made.output
    neither = runner.invoke(cli, ["import", str(source)])
    both = runner.invoke(cli, ["import", str(source), "-o", "x.xlsx", "--into", str(master)])
    for result in (neither, both):
        assert result.exit_code == 2
        assert "give either -o NEW.xlsx (a new master) or --into MASTER.xlsx" in result.output
    named = runner.invoke(cli, ["import", str(source), "--into", str(master), "--trust-name", "X"])
    assert named.exit_code == 2 and "--trust-name is for a new master (-o)" in named.output
    before = master.read_bytes()
    same = runner.invoke(cli, ["import", str(source), "--into", str(master)])
    assert same.exit_code == 2
    assert f"nothing imported into {master}: every action read is already in it" in same.output
    assert master.read_bytes() == before
    missing = runner.invoke(cli, ["import", str(source), "--into", str(tmp_path / "gone.xlsx")])
    assert missing.exit_code == 2 and "gone.xlsx: file not found" in missing.output
    not_plan = runner.invoke(
        cli, ["import", str(master), "--into", str(source.with_suffix(".csv"))]
    )
    assert not_plan.exit_code == 2
    assert "ours.csv: the master to import into is an .xlsx or .xlsm workbook" in not_plan.output


def test_the_collector_pauses_only_in_a_process_that_ends_after_its_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`edi-xl refresh` and the other one-master commands pause Python's cycle collector
    and freeze what is left after them, but only when main() runs the process: a test or a
    program that calls the commands keeps its collector as it was."""
    import gc

    from edi_xl import cli as cli_module

    assert gc.isenabled()
    with cli_module._one_master():  # not main(): nothing changes
        assert gc.isenabled()
    assert gc.get_freeze_count() == 0
    monkeypatch.setattr(cli_module, "_ENDS_AFTER_COMMAND", True)
    try:
        with cli_module._one_master():
            assert not gc.isenabled()
        assert gc.isenabled() and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.enable()


def test_new_from_a_general_table_lists_what_each_column_became(runner, tmp_path):
    source = tmp_path / "plan.csv"
    source.write_text(
        "Ref,Action,Lead,Due,RAG (Q1),RAG (Q2)\n1,Diverse panels,Head of HR,31/03/2026,G,A\n",
        encoding="utf-8",
    )
    made = run(runner, "new", tmp_path / "master.xlsx", "--from", source, "--as-at", "2025-10-15")
    assert made.exit_code in (0, 1), made.output
    assert "Columns of plan.csv:" in made.output
    assert "RAG (Q1)  ->  kept as an extra column (an earlier status column" in made.output
    assert "RAG (Q2)  ->  Status" in made.output
