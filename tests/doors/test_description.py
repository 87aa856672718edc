"""One description of what a command changed, behind both doors (issue 13): the command's
description is the same whether it runs for the CLI (on the loaded file) or for a button (on
the workbook built from the open workbook's values), and the same description, applied to
the file by the patch writer and to the open workbook by the bridge, gives the same values."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import AS_AT, edit_workbook
from openpyxl import load_workbook
from xlwings_client import Client, cell_values, differences, payload_from_file, use_remote_engine

from edi_xl.buttons import bridge
from edi_xl.flows.intake import read_returns
from edi_xl.flows.merge import merge_book
from edi_xl.flows.owner_returns import make_owner_returns
from edi_xl.flows.refresh import refresh_book
from edi_xl.flows.rounds import start_round_book
from edi_xl.master.edits import BookEdits, baseline_of, describe
from edi_xl.master.patch import apply_edits, loaded_package
from edi_xl.master.plan import load_master

NOW = datetime(2023, 12, 18, 10, 0)
PLAN = "Action Plan"
Command = Callable[[Any, str], Any]


@pytest.fixture
def licence(monkeypatch):
    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")
    use_remote_engine()


def _due_passed(wb: Any) -> None:
    """Action 1.4 (row 5) now falls due before the as-at date."""
    wb[PLAN]["H5"].value = datetime(2023, 11, 30)


def refresh(wb: Any, name: str) -> Any:
    return refresh_book(wb, AS_AT, now=NOW, path=name)


def new_round(wb: Any, name: str) -> Any:
    return start_round_book(wb, date(2024, 3, 18), now=NOW, path=name)


def both_doors(path: Path, command: Command) -> tuple[Any, BookEdits, Any, BookEdits, Any]:
    """``command`` run for the CLI door (on the loaded master) and for the button door (on
    the workbook built from the values a button reads): (CLI workbook, its description,
    button workbook, its description, the open book)."""
    import xlwings as xw

    wb = load_master(path)
    baseline = baseline_of(wb)
    assert baseline is not None
    command(wb, path.name)
    book = xw.Book(json=payload_from_file(path))
    built, built_baseline = bridge.workbook_from_snapshot(bridge.read_book(book))
    command(built, path.name)
    return wb, describe(baseline, wb), built, describe(built_baseline, built), book


def values_written(edits: BookEdits) -> dict[tuple[str, int, int], Any]:
    """What the command wrote value by value, on the sheets written by difference (a sheet
    made again as a whole is written from the workbook as it is)."""
    return {k: v for k, v in edits.values().items() if k[0] not in edits.remade}


@pytest.mark.parametrize("command", [refresh, new_round], ids=["refresh", "new round"])
def test_a_command_is_described_alike_for_either_door(master, licence, command):
    edit_workbook(master, _due_passed)
    _, cli, _, button, _ = both_doors(master, command)
    assert values_written(cli) == values_written(button) != {}
    assert (cli.added, cli.removed, cli.remade) == (button.added, button.removed, button.remade)
    assert {t: s.inserted for t, s in cli.sheets.items() if s.inserted} == {
        t: s.inserted for t, s in button.sheets.items() if s.inserted
    }
    assert cli.names == button.names


def test_a_merge_is_described_alike_for_either_door(master, licence, tmp_path):
    sent = make_owner_returns(master, tmp_path / "sent", AS_AT, now=NOW)
    received = tmp_path / "received"
    received.mkdir()
    first = sent.files[0]
    returned = load_workbook(first.path)
    ws = returned["Your actions"]
    ws.cell(7, 4).value = "At Risk"
    ws.cell(7, 6).value = "Panel guidance drafted"
    returned.save(received / first.path.name)

    def merge(wb: Any, name: str) -> Any:
        return merge_book(wb, read_returns([received]), AS_AT, now=NOW, path=name)

    _, cli, _, button, _ = both_doors(master, merge)
    written = values_written(cli)
    assert written == values_written(button)
    assert "Panel guidance drafted" in written.values() and "At Risk" in written.values()
    assert (cli.added, cli.remade) == (button.added, button.remade)


def test_one_description_drives_the_file_patch_and_the_buttons_writes(master, licence, tmp_path):
    """The CLI door's description of a new round (a column inserted, values written) applied
    to the file by the patch writer, and turned into the bridge's writes for the open
    workbook: every sheet written by difference reads the same afterwards."""
    import xlwings as xw

    edit_workbook(master, _due_passed)
    wb = load_master(master)
    baseline, package = baseline_of(wb), loaded_package(wb)
    assert baseline is not None and package is not None
    new_round(wb, master.name)
    edits = describe(baseline, wb)
    assert edits.sheets[PLAN].inserted, "the round's column was inserted"

    patched = tmp_path / "patched.xlsx"
    patched.write_bytes(apply_edits(package, wb, edits))

    book = xw.Book(json=payload_from_file(master))
    writes = bridge.plan_writes(bridge.read_book(book), edits, wb)
    assert {w.kind for w in writes} >= {"insert_column", "values"}
    bridge.apply_writes(book, writes)
    excel = Client(load_workbook(master))
    excel.apply(book.json()["actions"])

    by_difference = [t for t in wb.sheetnames if t not in edits.remade]
    file_values = cell_values(load_workbook(patched))
    open_values = cell_values(excel.wb)
    for title in by_difference:
        assert differences({title: open_values[title]}, {title: file_values[title]}) == []


def test_the_button_door_inserts_the_column_the_library_inserted(master, licence, tmp_path):
    """The bridge learns of an inserted column from the description (the baseline records
    it), not by guessing from the header row."""
    copy = tmp_path / "copy.xlsx"
    shutil.copy2(master, copy)
    _, _, built, button, _ = both_doors(copy, new_round)
    writes = bridge.plan_writes(bridge.read_book(_book(copy)), button, built)
    inserted = [(w.sheet, w.column) for w in writes if w.kind == "insert_column"]
    assert inserted == [(PLAN, button.sheets[PLAN].inserted[0])]
    assert writes[0].kind == "insert_column", "inserted first, so what follows lands right"


def _book(path: Path) -> Any:
    import xlwings as xw

    return xw.Book(json=payload_from_file(path))
