"""A master a spreadsheet program has opened and saved, as HR save it every day, then refreshed
and taken into a new round: the same outcome as for the master edi_xl wrote.

LibreOffice writes the file its own way: shared strings instead of inline ones, neighbouring
columns alike as one span, its own style numbering, row spans. Whatever edi_xl does next must not
depend on the file being written the way edi_xl or openpyxl write it.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import AS_AT, column_widths, plan_rows
from libreoffice import recalculated_copy, soffice_path
from openpyxl import load_workbook
from test_import_into import build_source

from edi_xl.flows.add_buttons import add_buttons
from edi_xl.flows.importer import import_into
from edi_xl.flows.merge import merge_returns
from edi_xl.flows.owner_returns import make_owner_returns
from edi_xl.flows.refresh import refresh_workbook
from edi_xl.flows.report import write_report
from edi_xl.flows.rounds import start_round
from edi_xl.master.sheets import CHANGE_LOG

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(soffice_path() is None, reason="LibreOffice (soffice) is not installed"),
]

PLAN = "Action Plan"
NEXT = date(2024, 3, 18)
NOW = datetime(2024, 3, 18, 9, 30)


def _log_lines(path: Path) -> list[tuple[Any, ...]]:
    ws = load_workbook(path)[CHANGE_LOG]
    return [row[:6] for row in ws.iter_rows(min_row=2, values_only=True) if any(row)]


@pytest.fixture
def both(master: Path, tmp_path: Path) -> tuple[Path, Path]:
    """(the master as edi_xl wrote it, the same master after LibreOffice opened and saved it)"""
    saved = recalculated_copy(master, tmp_path / "lo")
    ours = tmp_path / "ours" / "master.xlsx"
    ours.parent.mkdir()
    shutil.copy(master, ours)
    return ours, saved


def test_a_refresh_of_a_master_libreoffice_saved(both: tuple[Path, Path]) -> None:
    """The plan's values and the Change Log's new lines are those of the master edi_xl wrote;
    no column changes width."""
    ours, saved = both
    widths = {title: column_widths(saved, title) for title in (PLAN, CHANGE_LOG)}
    logged = {p: len(_log_lines(p)) for p in both}
    for path in both:
        refresh_workbook(path, NEXT, now=NOW)
    assert plan_rows(saved) == plan_rows(ours)
    assert _log_lines(saved)[logged[saved] :] == _log_lines(ours)[logged[ours] :]
    assert len(_log_lines(saved)) > logged[saved]
    assert {title: column_widths(saved, title) for title in (PLAN, CHANGE_LOG)} == widths
    recalculated_copy(saved, saved.parent / "again")  # LibreOffice opens what was saved


def test_a_new_round_in_a_master_libreoffice_saved(both: tuple[Path, Path]) -> None:
    """The round's column goes in where it goes in the master edi_xl wrote, every column
    right of it keeps its width as it moves, and the plan's values are the same."""
    ours, saved = both
    before = column_widths(saved, PLAN)
    for path in both:
        start_round(path, NEXT, now=NOW)
    assert plan_rows(saved) == plan_rows(ours)
    new = next(
        c.column
        for c in load_workbook(saved)[PLAN][4]
        if str(c.value).startswith("Update as at 18 Mar")
    )
    after = column_widths(saved, PLAN)
    assert {c: w for c, w in after.items() if c < new} == {
        c: w for c, w in before.items() if c < new
    }
    assert {c: w for c, w in after.items() if c > new} == {
        c + 1: w for c, w in before.items() if c >= new
    }


def test_a_merge_into_a_master_libreoffice_saved(both: tuple[Path, Path], tmp_path: Path) -> None:
    """Two owners' returns (a status word, a free-text update, "delayed") merged into each
    (the round's column goes in): the same plan values, the same new Change Log lines, the
    same width for every column."""
    returns = tmp_path / "returns"
    returns.mkdir()
    (returns / "Jim Machon.csv").write_text(
        "#,Status,Update\n1.4,Green,Audit completed in November\n", encoding="utf-8"
    )
    (returns / "Louanna.csv").write_text(
        "Action No,RAG,Latest update\n2.1,delayed,Comms plan drafted (£2k budget)\n",
        encoding="utf-8",
    )
    ours, saved = both
    logged = {p: len(_log_lines(p)) for p in both}
    results = [merge_returns(path, [returns], as_at=AS_AT, now=NOW) for path in both]
    assert [len(r.changes) for r in results] == [len(results[0].changes)] * 2
    assert results[0].changes
    assert plan_rows(saved) == plan_rows(ours)
    assert _log_lines(saved)[logged[saved] :] == _log_lines(ours)[logged[ours] :]
    for title in (PLAN, CHANGE_LOG):
        assert column_widths(saved, title) == column_widths(ours, title)


def test_actions_imported_into_a_master_libreoffice_saved(
    both: tuple[Path, Path], tmp_path: Path
) -> None:
    """A plan's new actions imported into each (``import --into``): the same rows, each in
    the master's own column, and the same width for every column."""
    ours, saved = both
    first = next(iter(plan_rows(ours)))
    source = build_source(tmp_path / "board actions.xlsx", first)
    for path in both:
        import_into([source], path, as_at=AS_AT, now=NOW)
    assert plan_rows(saved) == plan_rows(ours)
    assert _log_lines(saved)[-3:] == _log_lines(ours)[-3:]
    for title in (PLAN, CHANGE_LOG):
        assert column_widths(saved, title) == column_widths(ours, title)


def test_the_returns_and_the_board_paper_of_a_master_libreoffice_saved(
    both: tuple[Path, Path], tmp_path: Path
) -> None:
    """The owners' returns hold what those made from the master edi_xl wrote hold, and the
    board paper's figures are the same."""
    made = {}
    for name, path in zip(("ours", "saved"), both, strict=True):
        result = make_owner_returns(path, tmp_path / name, AS_AT, now=NOW, drafts=False)
        made[name] = {
            f.path.name: [
                row for row in load_workbook(f.path)["Your actions"].iter_rows(values_only=True)
            ]
            for f in result.files
        }
    assert made["saved"] == made["ours"] and made["ours"]
    papers = [
        write_report(path, tmp_path / f"paper {i}.docx").summary for i, path in enumerate(both)
    ]
    assert papers[0] == papers[1]


def _button_anchors(path: Path) -> list[bytes]:
    """Where the buttons sit: the anchors of the package's button form controls."""
    with zipfile.ZipFile(path) as zf:
        return [
            anchor
            for name in zf.namelist()
            if name.endswith(".vml")
            for anchor in re.findall(
                rb'<x:ClientData ObjectType="Button">.*?<x:Anchor>(.*?)</x:Anchor>',
                zf.read(name),
                re.S,
            )
        ]


def test_buttons_added_to_a_master_libreoffice_saved(both: tuple[Path, Path]) -> None:
    """``add-buttons`` on each: the same plan, and the buttons in the same place above the
    table (placed by the columns' widths, spans or not)."""
    made = [add_buttons(path)[0] for path in both]
    assert plan_rows(made[1]) == plan_rows(made[0])
    anchors = [_button_anchors(path) for path in made]
    assert anchors[0] and anchors[1] == anchors[0]
