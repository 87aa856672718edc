"""The imported layouts (001-004), read from .xlsx and .docx files built from the seed texts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import build_trust_workbook
from layout_fixtures import (
    COUNTS,
    LAYOUT_NAMES,
    TableBlock,
    build_docx,
    build_xlsx,
    expected_actions,
    seed_blocks,
)
from openpyxl import Workbook

from edi_xl.core.dates import DateKind, parse_date
from edi_xl.core.errors import LayoutNotFoundError
from edi_xl.core.references import Scheme
from edi_xl.core.status import RAG, parse_status
from edi_xl.tables import layouts
from edi_xl.tables.reader import read_plan, read_source

IMPORTED = (1, 2, 3, 4)
FORMATS = ("xlsx", "docx")


def build(tmp_path: Path, n: int, fmt: str, **kwargs: object) -> Path:
    blocks = seed_blocks(n)
    path = tmp_path / f"seed_{n}.{fmt}"
    if fmt == "docx":
        return build_docx(path, blocks)
    return build_xlsx(path, blocks, **kwargs)  # type: ignore[arg-type]


def squeeze(text: str | None) -> str | None:
    return " ".join(text.split()) if text else None


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("n", IMPORTED)
def test_each_seed_layout_is_detected_and_every_action_read(tmp_path, n, fmt):
    read = read_source(build(tmp_path, n, fmt))
    assert read.layout == LAYOUT_NAMES[n]
    assert read.actions == COUNTS[n]
    assert read.format == fmt
    assert read.not_placed == []


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("n", IMPORTED)
def test_fields_match_the_seed_row_by_row(tmp_path, n, fmt):
    plan = read_plan(build(tmp_path, n, fmt))
    expected = expected_actions(n)
    assert len(plan.actions) == len(expected) == COUNTS[n]
    for action, row in zip(plan.actions, expected, strict=True):
        assert action.action == row.action
        assert action.owner == squeeze(row.owner)
        if n == 2:  # the due date is the date inside the KPI text, when there is one
            kpi = action.extra["Please specify KPIs and timelines for monitoring the actions"]
            assert kpi == row.due_text
            found = parse_date(row.due_text)
            if found.date is not None:
                assert action.due.raw == row.due_text and action.due.date == found.date
            else:
                assert action.due.kind is DateKind.EMPTY
        else:
            assert action.due.raw == row.due_text  # the original text kept
            assert action.due.date == parse_date(row.due_text).date
        if row.status_text:
            assert action.status_text == row.status_text
            assert action.status is parse_status(row.status_text)
        else:
            assert action.status is None
        theme = row.theme or ""
        if n == 1:  # the objective's first paragraph
            theme = re.split(r"\n\s*\n", theme, maxsplit=1)[0]
        assert action.theme == theme.strip()


@pytest.mark.parametrize("fmt", FORMATS)
def test_001_two_tables_rag_key_hia_references_and_extras(tmp_path, fmt):
    read = read_source(build(tmp_path, 1, fmt))
    plan = read.plan
    assert read.tables == 2  # the second table's header lost "Progress": a new table
    assert [a.id for a in plan.actions] == ["1.1", "2.1", "2.2", "3.1", "4.1", "5.1"]
    assert plan.metadata["RAG key"].startswith("Green - On track")
    first = plan.actions[0]
    assert first.theme == "Eliminate total pay gaps for race"
    assert [r.label for r in first.references] == ["HIA 3"]
    assert first.due.date.isoformat() == "2024-03-31" and first.due.embedded
    assert first.extra["KPI"] == "Year-on-year reductions in the gender and race pay gaps"
    assert first.extra["Link to Trust Strategy"] == "Ambition 3"
    assert plan.update_headers == ["Progress"]
    assert plan.extra_columns == [
        "Link to Trust Strategy",
        "Desired Outcome/Immediate Impact",
        "KPI",
        "Evidence Assurance",
    ]
    # "In line with NHS England EDI Improvement Plan deadlines": kept, no fixed deadline
    assert plan.actions[4].due.kind is DateKind.NO_DEADLINE


@pytest.mark.parametrize("fmt", FORMATS)
def test_002_metadata_indicator_carried_down_and_repeated_headers(tmp_path, fmt):
    read = read_source(build(tmp_path, 2, fmt))
    plan = read.plan
    assert plan.title == "WRES Race Action Plan"
    assert plan.metadata["Trust"] == "Bedfordshire Hospitals NHS Foundation Trust"
    assert plan.metadata["Year"] == "2022/2023"
    assert plan.metadata["Primary author(s) of this Action Plan"] == "EDHR Lead and Strategy Group"
    assert plan.metadata["Plan endorsed by"].startswith("Formal Executive of the Board")
    assert "To be further endorsed" in plan.metadata["Plan endorsed by"]
    assert plan.metadata["Sources of information underpinning the Plan"].startswith("[1]")
    assert "Specific" in plan.metadata["SMART PRINCIPLES"]
    assert read.repeated_headers == 3
    by_id = plan.by_id()
    # Indicator 1 continues over the page break (blank indicator under a repeated header)
    assert by_id["1.5"].theme == "Actions Indicator 1: Recruitment and Promotion"
    assert [r.label for r in by_id["1.5"].references] == ["WRES 1"]
    assert by_id["7.6"].theme == "Actions Indicator 7: Equal opportunities"
    assert by_id["10.1"].theme == "Other components of trust plan"
    assert by_id["10.1"].references[0].scheme is Scheme.WRES
    assert by_id["1.1"].characteristics == ["Race"]
    assert by_id["1.3"].due.date.isoformat() == "2023-07-31"
    assert [len([a for a in plan.actions if a.id.startswith(f"{i}.")]) for i in range(1, 11)] == [
        5,
        3,
        2,
        1,
        1,
        1,
        6,
        2,
        3,
        2,
    ]
    # "as above" in the sustainability column is the row above's text
    assert (
        by_id["3.1"].extra["How will actions be made sustainable"]
        == by_id["2.3"].extra["How will actions be made sustainable"]
    )


def test_002_indicator_merged_or_blank_reads_the_same(tmp_path):
    merged = read_plan(build(tmp_path, 2, "xlsx", merge=True))
    (tmp_path / "blank").mkdir()
    blank = read_plan(build(tmp_path / "blank", 2, "xlsx", merge=False))
    assert [(a.id, a.theme) for a in merged.actions] == [(a.id, a.theme) for a in blank.actions]


@pytest.mark.parametrize("fmt", FORMATS)
def test_003_sections_become_themes_and_rag_letters_status(tmp_path, fmt):
    read = read_source(build(tmp_path, 3, fmt))
    plan = read.plan
    assert [a.id for a in plan.actions] == [
        "1.1",
        "2.1",
        "2.2",
        "3.1",
        "3.2",
        "3.3",
        "3.4",
        "3.5",
        "3.6",
        "3.7",
        "3.8",
    ]
    assert read.headings == 3
    assert read.tables == (3 if fmt == "docx" else 1)
    assert plan.actions[0].theme == "Ensure Recruitment and Selection processes are free from bias"
    assert [a.status for a in plan.actions[:4]] == [RAG.RED, RAG.BLUE, RAG.AMBER, RAG.GREEN]
    assert plan.actions[4].due.kind is DateKind.START  # "December 2020 onwards"
    # the Milestone bullets are kept, under a name the trust layout will not take for its theme
    assert plan.actions[0].extra["Source milestone"].startswith("· Recommence data monitoring")
    assert plan.actions[0].extra["Priority"] == "1"
    assert plan.actions[0].updates[0].text.startswith("Diverse interview Panels")


@pytest.mark.parametrize("fmt", FORMATS)
def test_004_as_above_flags_references_and_characteristics(tmp_path, fmt):
    read = read_source(build(tmp_path, 4, fmt))
    plan = read.plan
    ids = [a.id for a in plan.actions]
    assert ids[:8] == ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "2.1"]
    assert ids[-1] == "6.3" and len(set(ids)) == 29
    first, second = plan.actions[0], plan.actions[1]
    assert second.theme == first.theme  # "As above"
    assert (
        second.extra["Performance (column needs updating)"]
        == first.extra["Performance (column needs updating)"]
    )
    assert [r.label for r in first.references] == [
        "WRES 1",
        "WRES 2",
        "WRES 7",
        "WDES 1",
        "WDES 2",
        "WDES 5",
    ]
    assert first.characteristics == ["All", "Race", "Disability"]
    assert first.extra["WRES"] == "Yes"
    wdes_only = plan.by_id()["2.1"]  # NO / YES / YES
    assert [r.scheme for r in wdes_only.references] == [Scheme.WDES, Scheme.WDES]
    assert wdes_only.characteristics == ["All", "Disability"]
    # WRES 4 group: indicator on its first row, blank below
    wres4 = [a for a in plan.actions if a.id.startswith("4.")]
    assert len(wres4) == 6 and {a.theme for a in wres4} == {wres4[0].theme}
    assert plan.actions[4].owner is None  # a blank Responsibility is not carried down
    assert plan.actions[1].due.kind is DateKind.MONTH
    assert plan.by_id()["3.3"].due.kind is DateKind.NO_DEADLINE  # "Business as usual"
    assert read.filled_from_above == 22


# --- detection robustness -------------------------------------------------------------------


@pytest.mark.parametrize("n", IMPORTED)
def test_detection_wherever_the_table_starts(tmp_path, n):
    path = build_xlsx(tmp_path / "moved.xlsx", seed_blocks(n), top=7, left=3)
    read = read_source(path)
    assert read.layout == LAYOUT_NAMES[n]
    assert read.actions == COUNTS[n]
    assert read.plan.source.header_row > 7


@pytest.mark.parametrize("n", IMPORTED)
def test_detection_with_re_ordered_columns(tmp_path, n):
    blocks = seed_blocks(n)
    width = max(len(r) for b in blocks if isinstance(b, TableBlock) for r in b.rows)
    order = list(reversed(range(width)))
    original = read_plan(build_xlsx(tmp_path / "a.xlsx", blocks, merge=False))
    shuffled = read_source(build_xlsx(tmp_path / "b.xlsx", blocks, merge=False, column_order=order))
    assert shuffled.layout == LAYOUT_NAMES[n]
    got = [(a.id, a.action, a.owner, a.due.text, a.status_text) for a in shuffled.plan.actions]
    assert got == [(a.id, a.action, a.owner, a.due.text, a.status_text) for a in original.actions]


RENAMES = {
    1: {"Lead": "Executive Lead", "Milestones": "Timescale", "KPI": "KPIs"},
    2: {
        "How will actions be made sustainable": "Sustainability",
        "WRES ACTION INDICATOR": "Indicator",
    },
    3: {"By When": "Target date", "RAG": "RAG status", "Lead": "Responsible"},
    4: {
        "Responsibility": "Lead",
        "Timescale": "Due date",
        "Other PCs": "Other protected characteristics",
    },
}


@pytest.mark.parametrize("n", IMPORTED)
def test_detection_with_renamed_and_extra_columns(tmp_path, n):
    blocks = seed_blocks(n)
    for block in blocks:
        if not isinstance(block, TableBlock) or len(block.rows[0]) < 4:
            continue
        for row in block.rows:
            is_header = any(c in RENAMES[n] for c in row if c)
            row[:] = [RENAMES[n].get(c, c) if is_header and c else c for c in row]
            row.append("Committee notes" if is_header else "noted")
    read = read_source(build_xlsx(tmp_path / "renamed.xlsx", blocks))
    assert read.layout == LAYOUT_NAMES[n]
    assert read.actions == COUNTS[n]
    assert "Committee notes" in read.plan.extra_columns
    assert all(a.extra["Committee notes"] == "noted" for a in read.plan.actions)
    assert [a.owner for a in read.plan.actions] == [squeeze(e.owner) for e in expected_actions(n)]


def test_repeated_header_rows_mid_table_are_skipped(tmp_path):
    blocks = seed_blocks(4)
    table = blocks[0]
    assert isinstance(table, TableBlock)
    header = list(table.rows[0])
    table.rows[10:10] = [header]
    table.rows[20:20] = [header]
    read = read_source(build_xlsx(tmp_path / "repeats.xlsx", blocks))
    assert read.actions == COUNTS[4]
    assert read.repeated_headers == 2
    assert not any(a.action == header[2] for a in read.plan.actions)


def test_the_trust_layout_still_wins_for_a_master(tmp_path, master):
    read = read_source(master)
    assert read.layout == "trust" and read.actions == 17
    plan = read_plan(build_trust_workbook(tmp_path / "trust.xlsx"))
    assert plan.source.layout == "trust" and len(plan.actions) == 17


def test_registry_order_and_names():
    assert layouts.names() == [
        "trust",
        "wres-wdes",
        "wres-template",
        "edi-plan",
        "sections",
        "general",
    ]
    for module in layouts.in_order():
        assert module.DESCRIPTION and callable(module.detect) and callable(module.read)


def test_layout_override_reads_as_the_layout_named(tmp_path):
    path = build(tmp_path, 3, "xlsx")
    with pytest.raises(LayoutNotFoundError, match="layouts tried: wres-wdes"):
        read_plan(path, layout="wres-wdes")
    assert read_plan(path, layout="sections").source.layout == "sections"


def test_a_table_of_numbers_is_no_layout(tmp_path):
    wb = Workbook()
    ws = wb.active
    for r in range(1, 20):
        for c in range(1, 8):
            ws.cell(r, c, r * c)
    wb.save(tmp_path / "numbers.xlsx")
    with pytest.raises(LayoutNotFoundError) as info:
        read_plan(tmp_path / "numbers.xlsx")
    message = str(info.value)
    assert "\n" not in message
    assert "layouts tried: trust, wres-wdes, wres-template, edi-plan, sections" in message


def test_word_document_reads_tables_in_order_with_merged_cells(tmp_path):
    from edi_xl.read.word import read_docx

    document = read_docx(build(tmp_path, 2, "docx"))
    assert [t.index for t in document.tables] == [1, 2]
    grid = document.grid
    assert grid.rows[0] == ["WRES Race Action Plan"]
    table = document.tables[1]
    header = grid.rows[table.first]
    assert header[0] == "WRES ACTION INDICATOR"
    # the indicator merged down its group: every row of the group reads it
    assert (
        grid.rows[table.first + 2][0]
        == grid.rows[table.first + 1][0]
        == "Actions Indicator 1: Recruitment and Promotion"
    )


@pytest.mark.parametrize("n", IMPORTED)
def test_a_row_of_totals_under_the_table_is_no_action(tmp_path, n):
    """A trust's totals row under its plan ("Total" and the counts its formulas showed when
    Excel saved it, read as numbers) is not read as an action, in every imported layout, as
    in the trust layout and the general one, a count under the Action column too; the
    actions above it are read as before. A row whose first cell starts "Total" but with an
    action's text is an action ("Total reward" as a theme)."""
    from openpyxl import load_workbook

    path = build(tmp_path, n, "xlsx")
    before = [(a.id, a.action) for a in read_plan(path).actions]
    wb = load_workbook(path)
    ws = wb.active
    assert ws is not None
    last = ws.max_row
    ws.cell(last + 1, 1, "Total")
    for col in range(2, 6):
        ws.cell(last + 1, col, 10 + col)
    wb.save(path)
    assert [(a.id, a.action) for a in read_plan(path).actions] == before
    action_col = read_plan(path).source.columns["action"] + 1  # type: ignore[union-attr]
    ws.cell(last + 2, 1, "Total reward")
    ws.cell(last + 2, action_col, "Review the pay of staff networks' chairs")
    wb.save(path)
    assert read_plan(path).actions[-1].action == "Review the pay of staff networks' chairs"
