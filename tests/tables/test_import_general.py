"""The general table: plans in none of the seed layouts, built here as .docx and .xlsx.

Each variant is a plan a trust could have written (columns renamed, re-ordered, missing,
headers over several rows, sections as headings and bullets, indicator titles, merged cells,
multi-line cells, dates written every way) with the actions a person reads in it: action,
owner, due date and references, checked field by field.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import docx
import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Color, PatternFill

from edi_xl.cli import cli
from edi_xl.core.dates import DateKind
from edi_xl.core.errors import EdiXlError
from edi_xl.core.status import RAG
from edi_xl.master import sheets
from edi_xl.tables.engine import content_field, header_field, parse_overrides
from edi_xl.tables.layouts.tables import safe_extra_name
from edi_xl.tables.reader import read_source
from edi_xl.tables.vocabulary import match_header


def xlsx(path: Path, rows: list[list[Any]], merges: tuple[str, ...] = ()) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Plan"
    for r, row in enumerate(rows, 1):
        for c, value in enumerate(row, 1):
            if value is not None:
                ws.cell(r, c, value)
    for rng in merges:
        ws.merge_cells(rng)
    wb.save(path)
    return path


def word(path: Path, blocks: list[tuple[Any, ...]]) -> Path:
    """("title"|"h"|"p"|"bold"|"bullet", text) paragraphs and ("table", rows, merges) tables;
    a merge is (first row, last row, column) merged down, or (row, first col, last col)
    with "across"."""
    document = docx.Document()
    for block in blocks:
        kind = block[0]
        if kind == "title":
            document.add_heading(block[1], 0)
        elif kind == "h":
            document.add_heading(block[1], 2)
        elif kind == "p":
            document.add_paragraph(block[1])
        elif kind == "bold":
            document.add_paragraph().add_run(block[1]).bold = True
        elif kind == "bullet":
            document.add_paragraph(block[1], style="List Bullet")
        elif kind == "table":
            rows = block[1]
            table = document.add_table(rows=len(rows), cols=max(len(r) for r in rows))
            for i, row in enumerate(rows):
                for j, text in enumerate(row):
                    if text:
                        table.cell(i, j).text = text
            for merge in block[2] if len(block) > 2 else ():
                if merge[0] == "across":
                    _, r, c1, c2 = merge
                    table.cell(r, c1).merge(table.cell(r, c2))
                else:
                    r1, r2, c = merge
                    table.cell(r1, c).merge(table.cell(r2, c))
    document.save(str(path))
    return path


@dataclass
class Want:
    action: str
    owner: str | None
    due: str | None  # ISO date, or None for no deadline
    refs: tuple[str, ...] = ()


def check(path: Path, wanted: list[Want], **kwargs: Any):
    read = read_source(path, **kwargs)
    got = read.plan.actions
    assert [a.action for a in got] == [w.action for w in wanted], read.titles
    for a, w in zip(got, wanted, strict=True):
        assert a.owner == w.owner, a.action
        assert (a.due.date.isoformat() if a.due.date else None) == w.due, a.action
        assert tuple(r.label for r in a.references) == w.refs, a.action
        assert a.id, a.action
    assert len({a.id for a in got}) == len(got)
    return read


# --- the variants ----------------------------------------------------------------------------


def test_renamed_columns_what_we_will_do_accountable_deadline(tmp_path):
    path = xlsx(
        tmp_path / "p.xlsx",
        [
            ["What we will do", "Accountable People / Team", "Deadline", "RAG Rating"],
            ["Publish the WRES report", "Head of EDI", "31/03/2024", "Green"],
            ["Reverse mentoring scheme", "OD Team", "Q3 2023/24", "Amber"],
        ],
    )
    read = check(
        path,
        [
            Want("Publish the WRES report", "Head of EDI", "2024-03-31"),
            Want("Reverse mentoring scheme", "OD Team", "2023-12-31"),
        ],
    )
    assert read.layout == "general"
    assert [a.status_text for a in read.plan.actions] == ["Green", "Amber"]


def test_reordered_columns_leads_and_status_first(tmp_path):
    path = xlsx(
        tmp_path / "p.xlsx",
        [
            ["Status", "Deadline", "Lead(s)", "Action"],
            ["G", "March 2024", "Chief People Officer", "Refresh the recruitment toolkit"],
            ["R", "Sept 2023", "Head of HR", "Audit shortlisting"],
        ],
    )
    check(
        path,
        [
            Want("Refresh the recruitment toolkit", "Chief People Officer", "2024-03-31"),
            Want("Audit shortlisting", "Head of HR", "2023-09-30"),
        ],
    )


def test_extra_columns_are_kept_and_exec_lead_target_date(tmp_path):
    path = xlsx(
        tmp_path / "p.xlsx",
        [
            ["Action", "Outcome", "Exec lead", "Target date", "Measure of success"],
            [
                "Inclusive leadership course",
                "Better culture",
                "Director of Nursing",
                "Apr-24",
                "80%",
            ],
        ],
    )
    read = check(path, [Want("Inclusive leadership course", "Director of Nursing", "2024-04-30")])
    extra = read.plan.actions[0].extra
    assert extra == {"Outcome": "Better culture", "Measure of success": "80%"}


def test_no_owner_column_action_timescale_metric_in_a_wdes_plan(tmp_path):
    path = xlsx(
        tmp_path / "p.xlsx",
        [
            ["WDES Action Plan 2023/24"],
            ["Action", "Timescale", "Metric"],
            ["Reasonable adjustments passport", "December 2023", "4a"],
            ["Disability network relaunch", "2023/24", "Metric 9b"],
            ["Board development session", "Ongoing", "10"],
        ],
    )
    read = check(
        path,
        [
            Want("Reasonable adjustments passport", None, "2023-12-31", ("WDES 4a",)),
            Want("Disability network relaunch", None, "2024-03-31", ("WDES 9b",)),
            Want("Board development session", None, None, ("WDES 10",)),
        ],
    )
    assert read.titles == ["WDES Action Plan 2023/24"]
    # the indicator column is kept as written too
    assert [a.extra["Source metric"] for a in read.plan.actions] == ["4a", "Metric 9b", "10"]
    assert read.plan.actions[1].references[0].text == "Metric 9b"


def test_no_date_column_action_lead_responsible_outcome_rag(tmp_path):
    path = word(
        tmp_path / "p.docx",
        [
            (
                "table",
                [
                    ["Action", "Lead Responsible", "Outcome", "RAG Rating"],
                    ["Set up a race equality network", "EDI Manager", "Network meets", "Green"],
                    ["Train all recruiting managers", "Recruitment Manager", "All trained", "Red"],
                ],
            )
        ],
    )
    read = check(
        path,
        [
            Want("Set up a race equality network", "EDI Manager", None),
            Want("Train all recruiting managers", "Recruitment Manager", None),
        ],
    )
    assert [a.status_text for a in read.plan.actions] == ["Green", "Red"]


def test_header_over_three_rows_rag_status_rag_letters(tmp_path):
    path = xlsx(
        tmp_path / "p.xlsx",
        [
            ["Action", "Owner", "By", "RAG"],
            [None, None, "when", "status"],
            [None, None, None, "(R/A/G)"],
            ["Review exit interviews", "HR Business Partner", "Jan 24", "A"],
            ["Publish pay gap", "Head of Reward", "31-Mar-24", "G"],
        ],
    )
    read = check(
        path,
        [
            Want("Review exit interviews", "HR Business Partner", "2024-01-31"),
            Want("Publish pay gap", "Head of Reward", "2024-03-31"),
        ],
    )
    mapping = {c.header: c.field for c in read.mapping}
    assert mapping["RAG status (R/A/G)"] == "status"
    assert mapping["By when"] == "due"
    assert [a.status.value for a in read.plan.actions] == ["Amber", "Green"]


def test_sectioned_plan_headings_and_bullets_with_dates_and_lead_lines(tmp_path):
    path = word(
        tmp_path / "p.docx",
        [
            ("title", "WRES Action Plan 2022"),
            ("p", "Trust: Northshire NHS Foundation Trust"),
            ("h", "Indicator 3: Disciplinary"),
            ("p", "LEAD: Head of Employee Relations"),
            ("bullet", "Review every case before a formal process starts (March 22)"),
            ("bullet", "Train investigating officers (June 2022)"),
            ("h", "Indicator 5 - Bullying from the public"),
            ("bullet", "Zero tolerance campaign (Sept 22)"),
            ("p", "LEAD: Director of Communications"),
        ],
    )
    read = check(
        path,
        [
            Want(
                "Review every case before a formal process starts",
                "Head of Employee Relations",
                "2022-03-31",
                ("WRES 3",),
            ),
            Want(
                "Train investigating officers",
                "Head of Employee Relations",
                "2022-06-30",
                ("WRES 3",),
            ),
            Want(
                "Zero tolerance campaign", "Director of Communications", "2022-09-30", ("WRES 5",)
            ),
        ],
    )
    assert read.plan.metadata["Trust"] == "Northshire NHS Foundation Trust"
    assert [a.theme for a in read.plan.actions][-1] == "Indicator 5 - Bullying from the public"
    assert [a.id for a in read.plan.actions] == ["3.1", "3.2", "5.1"]


def test_lettered_sections_as_bold_paragraphs_and_typed_bullets(tmp_path):
    path = word(
        tmp_path / "p.docx",
        [
            ("bold", "A. Zero tolerance of racism"),
            ("p", "• Launch the anti-racism statement (April 2023)"),
            ("p", "• Report incidents to the board (Q2 2023/24)"),
            ("bold", "B. Fair recruitment"),
            ("p", "- Diverse interview panels (by March 2024)"),
        ],
    )
    read = check(
        path,
        [
            Want("Launch the anti-racism statement", None, "2023-04-30"),
            Want("Report incidents to the board", None, "2023-09-30"),
            Want("Diverse interview panels", None, "2024-03-31"),
        ],
    )
    assert [a.theme for a in read.plan.actions] == [
        "A. Zero tolerance of racism",
        "A. Zero tolerance of racism",
        "B. Fair recruitment",
    ]


def test_lead_written_inside_the_action_cell(tmp_path):
    path = word(
        tmp_path / "p.docx",
        [
            (
                "table",
                [
                    ["Action", "When"],
                    ["Fair disciplinary checklist\nLEAD: Head of Employee Relations", "Mar-24"],
                    ["Exit interview review\nLead: People Analytics Manager", "Q4 2023/24"],
                ],
            )
        ],
    )
    check(
        path,
        [
            Want("Fair disciplinary checklist", "Head of Employee Relations", "2024-03-31"),
            Want("Exit interview review", "People Analytics Manager", "2024-03-31"),
        ],
    )


def test_indicator_titles_above_each_table(tmp_path):
    header = ["Action", "Responsible", "Completion date"]
    path = word(
        tmp_path / "p.docx",
        [
            ("title", "Workforce Race Equality Standard action plan"),
            ("p", "Indicator 1 - Workforce representation"),
            (
                "table",
                [header, ["Positive action recruitment", "Head of Resourcing", "31/12/2023"]],
            ),
            ("p", "Indicator 2 - Shortlisting"),
            (
                "table",
                [
                    header,
                    ["Anonymised shortlisting pilot", "Recruitment Team", "01/06/2023"],
                    ["Shortlisting data to board", "Workforce Director", "30/09/2023"],
                ],
            ),
        ],
    )
    read = check(
        path,
        [
            Want("Positive action recruitment", "Head of Resourcing", "2023-12-31", ("WRES 1",)),
            Want("Anonymised shortlisting pilot", "Recruitment Team", "2023-06-01", ("WRES 2",)),
            Want("Shortlisting data to board", "Workforce Director", "2023-09-30", ("WRES 2",)),
        ],
    )
    assert read.tables == 2
    assert "Indicator 2 - Shortlisting" in read.titles


def test_indicator_heading_rows_inside_one_table(tmp_path):
    path = xlsx(
        tmp_path / "p.xlsx",
        [
            ["Action", "Lead", "Due Date"],
            ["WRES indicator 5: Harassment from the public"],
            ["Body cameras pilot", "Head of Security", "31/03/2024"],
            ["WDES Metric 9b - Disabled staff voice"],
            ["Disability network chair on the EDI group", None, "30/06/2024"],
        ],
        merges=("A2:C2", "A4:C4"),
    )
    read = check(
        path,
        [
            Want("Body cameras pilot", "Head of Security", "2024-03-31", ("WRES 5",)),
            Want("Disability network chair on the EDI group", None, "2024-06-30", ("WDES 9b",)),
        ],
    )
    assert read.titles == [
        "WRES indicator 5: Harassment from the public",
        "WDES Metric 9b - Disabled staff voice",
    ]


def test_indicator_column_with_bare_numbers_in_a_wres_plan(tmp_path):
    path = xlsx(
        tmp_path / "WRES plan 2023.xlsx",
        [
            ["Indicator", "Action", "Responsible", "Completion date"],
            [1, "Set representation targets", "Workforce Director", datetime(2024, 3, 31)],
            [None, "Report progress quarterly", "Workforce Director", datetime(2024, 6, 30)],
            ["4", "Fair access to training", "Head of Education", datetime(2023, 11, 30)],
        ],
    )
    check(
        path,
        [
            Want("Set representation targets", "Workforce Director", "2024-03-31", ("WRES 1",)),
            Want("Report progress quarterly", "Workforce Director", "2024-06-30", ("WRES 1",)),
            Want("Fair access to training", "Head of Education", "2023-11-30", ("WRES 4",)),
        ],
    )


def test_merged_theme_cells_fill_down_but_owners_do_not(tmp_path):
    path = xlsx(
        tmp_path / "p.xlsx",
        [
            ["Theme", "Action", "Owner", "Due"],
            ["Recruitment", "Diverse panels", "Head of Resourcing", "March 2024"],
            [None, "Values-based interviews", None, "June 2024"],
            ["Culture", "Civility campaign", "OD Lead", "2024"],
        ],
        merges=("A2:A3",),
    )
    read = check(
        path,
        [
            Want("Diverse panels", "Head of Resourcing", "2024-03-31"),
            Want("Values-based interviews", None, "2024-06-30"),
            Want("Civility campaign", "OD Lead", "2024-12-31"),
        ],
    )
    assert [a.theme for a in read.plan.actions] == ["Recruitment", "Recruitment", "Culture"]
    assert [a.id for a in read.plan.actions] == ["1.1", "1.2", "2.1"]


def test_grouped_key_column_is_never_carried_across_a_new_heading(tmp_path):
    path = xlsx(
        tmp_path / "WDES.xlsx",
        [
            ["Metric", "Action", "Owner", "Timeframe"],
            ["Metric 1", "Workforce data cleanse", "Workforce Information Manager", "Q1 2024/25"],
            [None, "Declaration campaign", "Comms Team", "Q2 2024/25"],
            ["Section 2: Wellbeing"],
            [None, "Wellbeing passport", "Health and Wellbeing Lead", "Q3 2024/25"],
        ],
    )
    check(
        path,
        [
            Want(
                "Workforce data cleanse", "Workforce Information Manager", "2024-06-30", ("WDES 1",)
            ),
            Want("Declaration campaign", "Comms Team", "2024-09-30", ("WDES 1",)),
            Want("Wellbeing passport", "Health and Wellbeing Lead", "2024-12-31", ("WDES",)),
        ],
    )


def test_multi_line_owner_cells_keep_their_lines(tmp_path):
    path = word(
        tmp_path / "p.docx",
        [
            (
                "table",
                [
                    ["Action", "Accountable", "Date"],
                    [
                        "Inclusive recruitment training",
                        "Recruitment Team\nDiversity and Inclusion Manager",
                        "30/04/2024",
                    ],
                ],
            )
        ],
    )
    check(
        path,
        [
            Want(
                "Inclusive recruitment training",
                "Recruitment Team; Diversity and Inclusion Manager",
                "2024-04-30",
            )
        ],
    )


def test_rag_words_and_complete(tmp_path):
    path = xlsx(
        tmp_path / "p.xlsx",
        [
            ["Action", "Lead", "Deadline", "Status"],
            ["One", "EDI Lead", "31-Mar-24", "Complete"],
            ["Two", "EDI Lead", "31-Mar-24", "Amber"],
            ["Three", "EDI Lead", "31-Mar-24", "Red"],
        ],
    )
    read = check(path, [Want(t, "EDI Lead", "2024-03-31") for t in ("One", "Two", "Three")])
    assert [a.status.value for a in read.plan.actions] == ["Blue", "Amber", "Red"]


def test_a_brag_column_is_the_status_by_its_header_in_every_table(tmp_path):
    """BRAG (Blue-Red-Amber-Green) is the NHS's usual name for its RAG: two tables of one
    Word plan with the same header read it alike, whether or not every value is a letter;
    "C" is no status word (Blue is B or Complete): kept as written, not made Complete."""
    header = ["Action", "Lead", "Deadline", "BRAG"]
    path = word(
        tmp_path / "p.docx",
        [
            ("h", "Recruitment"),
            ("table", [header, ["Diverse panels", "Head of HR", "31/03/2025", "G"],
                       ["Job adverts", "Head of HR", "30/09/2024", "B"]]),
            ("h", "Culture"),
            ("table", [header, ["Reverse mentoring", "Chief Nurse", "31/03/2025", "A"],
                       ["Staff networks", "EDI Lead", "30/09/2024", "C"]]),
        ],
    )  # fmt: skip
    read = read_source(path)
    actions = read.plan.actions
    assert [a.status_text for a in actions] == ["G", "B", "A", "C"]
    assert [a.status.value if a.status else None for a in actions] == [
        "Green", "Blue", "Amber", None
    ]  # fmt: skip
    assert all("BRAG" not in a.extra for a in actions)
    assert {c.how for c in read.mapping if c.field == "status"} == {"header"}


def test_an_id_typed_as_a_number_is_what_its_format_shows(tmp_path):
    """The tenth action of theme 1 typed 1.10 is stored 1.1, and shown "1.10" by the two
    decimals its cell was given: it comes in as 1.10, not a second 1.1."""
    path = xlsx(
        tmp_path / "p.xlsx",
        [
            ["No", "Action", "Lead", "Due"],
            [1.1, "Diverse panels", "Head of EDI", "Mar-25"],
            [1.2, "Reverse mentoring", "Head of EDI", "Mar-25"],
            [1.1, "Staff networks", "Head of EDI", "Mar-25"],
        ],
    )
    wb = load_workbook(path)
    wb["Plan"]["A4"].number_format = "0.00"
    wb.save(path)
    assert [a.id for a in read_source(path).plan.actions] == ["1.1", "1.2", "1.10"]


def test_headerless_columns_are_read_by_their_content(tmp_path):
    path = xlsx(
        tmp_path / "p.xlsx",
        [
            ["Action", "Notes", None, None, None],
            ["Mentoring scheme", "pilot first", "Jane Smith", "31/03/2024", "G"],
            ["Data dashboard", "with BI", "Head of Workforce Information", "Q2 2024/25", "A"],
        ],
    )
    read = check(
        path,
        [
            Want("Mentoring scheme", "Jane Smith", "2024-03-31"),
            Want("Data dashboard", "Head of Workforce Information", "2024-09-30"),
        ],
    )
    hows = {c.field: c.how for c in read.mapping if c.field}
    assert hows == {"action": "header", "owner": "content", "due": "content", "status": "content"}


DATES = [
    ("31-Mar-24", "2024-03-31"),
    ("01/06/2023", "2023-06-01"),
    (datetime(2024, 2, 29), "2024-02-29"),
    ("March 2024", "2024-03-31"),
    ("Apr-24", "2024-04-30"),
    ("Q3 2023/24", "2023-12-31"),
    ("by March 2023", "2023-03-31"),
    ("In place by March 2024", "2024-03-31"),
    ("Business as usual", None),
    ("Ongoing", None),
    ("TBC", None),
]


def test_dates_in_every_form(tmp_path):
    rows: list[list[Any]] = [["Action", "Target date"]]
    rows += [[f"Action {i}", d] for i, (d, _) in enumerate(DATES, 1)]
    path = xlsx(tmp_path / "p.xlsx", rows)
    read = check(path, [Want(f"Action {i}", None, iso) for i, (_, iso) in enumerate(DATES, 1)])
    texts = [a.due.text for a in read.plan.actions]
    assert texts[0] == "31-Mar-24" and texts[-1] == "TBC"


def test_as_above_and_ditto_take_the_value_above(tmp_path):
    path = xlsx(
        tmp_path / "p.xlsx",
        [
            ["Action", "Responsible", "When"],
            ["Staff survey deep dive", "Head of OD", "June 2024"],
            ["Focus groups", "As above", "ditto"],
            ["Action plan per division", '"', "September 2024"],
        ],
    )
    read = check(
        path,
        [
            Want("Staff survey deep dive", "Head of OD", "2024-06-30"),
            Want("Focus groups", "Head of OD", "2024-06-30"),
            Want("Action plan per division", "Head of OD", "2024-09-30"),
        ],
    )
    assert read.filled_from_above == 3


def test_title_rows_and_trust_line_above_the_table(tmp_path):
    path = xlsx(
        tmp_path / "p.xlsx",
        [
            ["WDES Action Plan 2023/24"],
            ["Trust:", "Southvale NHS Trust"],
            ["Metric 4: Education and training"],
            ["Action", "Responsibility", "By when"],
            ["Accessible e-learning", "Head of Education", "31/01/2024"],
        ],
        merges=("A1:C1", "A3:C3"),
    )
    read = check(
        path, [Want("Accessible e-learning", "Head of Education", "2024-01-31", ("WDES 4",))]
    )
    assert read.plan.metadata["Trust"] == "Southvale NHS Trust"
    assert read.titles == ["WDES Action Plan 2023/24", "Metric 4: Education and training"]
    assert read.plan.actions[0].references[0].text == "Metric 4: Education and training"


def test_time_frame_exec_lead_and_high_impact_actions(tmp_path):
    path = word(
        tmp_path / "p.docx",
        [
            ("title", "EDI Improvement Plan"),
            (
                "table",
                [
                    ["Ref", "Action", "Exec lead", "Time frame", "Report"],
                    ["E1", "Board EDI objectives", "Chief Executive", "March 2024", "HIA 1"],
                    [
                        "E2",
                        "Pay gap plans",
                        "Chief People Officer",
                        "Q4 2023/24",
                        "High Impact Action 3",
                    ],
                ],
            ),
        ],
    )
    read = check(
        path,
        [
            Want("Board EDI objectives", "Chief Executive", "2024-03-31", ("HIA 1",)),
            Want("Pay gap plans", "Chief People Officer", "2024-03-31", ("HIA 3",)),
        ],
    )
    assert [a.id for a in read.plan.actions] == ["E1", "E2"]


def test_actions_to_be_taken_responsible_timeframe(tmp_path):
    path = word(
        tmp_path / "p.docx",
        [
            (
                "table",
                [
                    ["Actions to be taken", "Responsible", "Timeframe", "Progress update"],
                    ["Career clinics", "Talent Lead", "Quarterly from Jan 2024", "Two held"],
                    ["Secondment scheme", "Talent Lead", "Jul-24", None],
                ],
            )
        ],
    )
    read = check(
        path,
        [
            Want("Career clinics", "Talent Lead", "2024-01-01"),
            Want("Secondment scheme", "Talent Lead", "2024-07-31"),
        ],
    )
    assert read.plan.actions[0].updates[0].text == "Two held"
    due = read.plan.actions[0].due
    assert due.text == "Quarterly from Jan 2024" and due.kind.value == "start"  # no deadline


def test_metric_column_in_a_wdes_word_plan_with_vertically_merged_cells(tmp_path):
    path = word(
        tmp_path / "p.docx",
        [
            ("title", "WDES action plan"),
            (
                "table",
                [
                    ["WDES Metric", "Action", "Owner", "Deadline"],
                    [
                        "Metric 2",
                        "Guaranteed interview scheme review",
                        "Resourcing Manager",
                        "Dec-23",
                    ],
                    [None, "Disability confident leader", "Resourcing Manager", "Mar-24"],
                    ["Metric 3", "Capability process audit", "ER Manager", "Jun-24"],
                ],
                [(1, 2, 0)],
            ),
        ],
    )
    check(
        path,
        [
            Want(
                "Guaranteed interview scheme review",
                "Resourcing Manager",
                "2023-12-31",
                ("WDES 2",),
            ),
            Want("Disability confident leader", "Resourcing Manager", "2024-03-31", ("WDES 2",)),
            Want("Capability process audit", "ER Manager", "2024-06-30", ("WDES 3",)),
        ],
    )


def test_merged_section_row_across_a_word_table(tmp_path):
    path = word(
        tmp_path / "WRES and WDES plan.docx",
        [
            (
                "table",
                [
                    ["No.", "Action", "Lead", "Date"],
                    ["Indicator 7: Equal opportunities", None, None, None],
                    ["1", "Career conversations", "Head of OD", "31/03/2024"],
                    ["Metric 5 - Harassment by the public", None, None, None],
                    ["2", "Lone worker devices", "Security Lead", "30/09/2024"],
                ],
                [("across", 1, 0, 3), ("across", 3, 0, 3)],
            )
        ],
    )
    check(
        path,
        [
            Want("Career conversations", "Head of OD", "2024-03-31", ("WRES 7",)),
            Want("Lone worker devices", "Security Lead", "2024-09-30", ("WDES 5",)),
        ],
    )


def test_map_overrides_a_column(tmp_path):
    path = xlsx(
        tmp_path / "p.xlsx",
        [
            ["Action", "Sponsor", "Champion", "Deadline"],
            ["Reverse mentoring", "Chief Nurse", "Sam Okafor", "June 2024"],
            ["Allyship training", "Medical Director", "Priya Shah", "July 2024"],
        ],
    )
    check(
        path,
        [
            Want("Reverse mentoring", "Chief Nurse", "2024-06-30"),
            Want("Allyship training", "Medical Director", "2024-07-31"),
        ],
    )
    read = check(
        path,
        [
            Want("Reverse mentoring", "Sam Okafor", "2024-06-30"),
            Want("Allyship training", "Priya Shah", "2024-07-31"),
        ],
        overrides=parse_overrides(["Champion=owner", "Sponsor=extra"]),
    )
    assert {c.header: c.how for c in read.mapping}["Champion"] == "--map"


def test_two_sheets_one_plan(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "WRES"
    for row in (["Action", "Owner", "Due"], ["Race network", "EDI Lead", "Mar-24"]):
        ws.append(row)
    ws2 = wb.create_sheet("WDES")
    for row in (["Action", "Owner", "Due"], ["Disability network", "EDI Lead", "Apr-24"]):
        ws2.append(row)
    wb.save(tmp_path / "p.xlsx")
    read = check(
        tmp_path / "p.xlsx",
        [
            Want("Race network", "EDI Lead", "2024-03-31", ("WRES",)),
            Want("Disability network", "EDI Lead", "2024-04-30", ("WDES",)),
        ],
    )
    assert read.sheets == ["WRES", "WDES"]


def test_bare_indicator_numbers_on_a_wres_and_a_wdes_sheet_are_two_themes(tmp_path):
    """A plan on two sheets, WRES's "Indicator" column and WDES's "Metric", each with bare
    numbers: WRES 2 and WDES 2 are two themes (the Summary counts them apart), named with
    their standard, and every id follows its number ("9b" -> 9.1, as "Metric 9b" does).
    helper-96: both were the theme "2", ids 1.1 and 1.2 in one group; "9b" got 3.1."""
    header = ["Action", "Lead", "Deadline"]
    wres = [["Indicator", *header], ["2", "Shortlisting audit", "Head of Resourcing",
             "Dec-24"], ["6", "Restorative just culture", "Head of ER", "Mar-25"]]  # fmt: skip
    wdes = [["Metric", *header], ["9b", "Disabled staff network", "EDI Lead", "Sep-24"],
            ["2", "Guaranteed interview scheme", "Head of Resourcing", "Mar-25"]]  # fmt: skip
    path = _sheets(tmp_path / "plans.xlsx", [("WRES", wres), ("WDES", wdes)])
    plan = read_source(path).plan
    assert [(a.theme, a.references_text, a.id) for a in plan.actions] == [
        ("WRES 2", "WRES 2", "2.1"),
        ("WRES 6", "WRES 6", "6.1"),
        ("WDES 9b", "WDES 9b", "9.1"),
        ("WDES 2", "WDES 2", "2.2"),
    ]
    assert [a.extra["Source metric"] for a in plan.actions[2:]] == ["9b", "2"]  # as written


def _sheets(path: Path, sheets: list[tuple[str, list[list[Any]]]]) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets:
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


_HEADER = ["#", "What we will do", "Who", "When", "RAG"]


def test_one_sheet_per_theme_takes_each_sheets_title_or_name_as_its_theme(tmp_path):
    path = _sheets(
        tmp_path / "p.xlsx",
        [
            ("Cover", [["Equality, Diversity & Inclusion Action Plan 2025-2027"]]),
            (
                "Recruitment",
                [
                    ["Recruitment and progression"],
                    [],
                    _HEADER,
                    ["R1", "Diverse panels", "HR", "Mar-26", "G"],
                ],
            ),
            (
                "Culture",
                [["Inclusive culture"], [], _HEADER, ["C1", "Civility", "OD", "Mar-26", "A"]],
            ),
            ("Leadership", [_HEADER, ["L1", "Board objectives", "CEO", "Mar-26", "R"]]),
            ("Key", [["RAG", "Meaning"], ["G", "On track"], ["A", "At risk"]]),
        ],
    )
    read = read_source(path)
    got = [(a.id, a.theme) for a in read.plan.actions]
    assert got == [
        ("R1", "Recruitment and progression"),
        ("C1", "Inclusive culture"),
        ("L1", "Leadership"),
    ]
    assert [(t.sheet, t.source) for t in read.sheet_themes] == [
        ("Recruitment", "title"),
        ("Culture", "title"),
        ("Leadership", "name"),
    ]
    assert read.plan.title is None  # (the titles are the themes, not the plan's)
    assert read.titles == []
    out = tmp_path / "m.xlsx"
    result = CliRunner().invoke(cli, ["import", str(path), "-o", str(out), "--as-at", "15/10/2025"])
    assert (
        "theme from the sheet's title: 'Recruitment and progression' (sheet 'Recruitment', "
        "1 action)" in result.output
    )
    assert "theme from the sheet's name: 'Leadership' (sheet 'Leadership', 1 action)" in (
        result.output
    )
    assert "title row: Recruitment and progression" not in result.output
    ws = load_workbook(out)["Action Plan"]
    assert [ws.cell(r, 2).value for r in (5, 6, 7)] == [
        "Recruitment and progression",
        "Inclusive culture",
        "Leadership",
    ]


def test_a_single_sheets_title_or_a_title_every_sheet_repeats_is_no_theme(tmp_path):
    one = _sheets(
        tmp_path / "one.xlsx",
        [
            (
                "Plan",
                [
                    ["WRES Action Plan 2025/26"],
                    _HEADER,
                    ["1", "Diverse panels", "HR", "Mar-26", "G"],
                ],
            )
        ],
    )
    read = read_source(one)
    assert [a.theme for a in read.plan.actions] == [None]
    assert read.plan.title == "WRES Action Plan 2025/26"
    assert read.sheet_themes == []
    pages = _sheets(
        tmp_path / "pages.xlsx",
        [
            (name, [["WRES Action Plan 2025/26"], _HEADER, [str(i), "Action", "HR", "Mar-26", "G"]])
            for i, name in enumerate(("Sheet1", "Sheet2"), 1)
        ],
    )
    read = read_source(pages)
    assert [a.theme for a in read.plan.actions] == [None, None]
    assert read.plan.title == "WRES Action Plan 2025/26"
    named = _sheets(
        tmp_path / "named.xlsx",
        [
            (name, [["WRES Action Plan 2025/26"], _HEADER, [str(i), "Action", "HR", "Mar-26", "G"]])
            for i, name in enumerate(("Recruitment", "Culture"), 1)
        ],
    )
    read = read_source(named)
    assert [a.theme for a in read.plan.actions] == ["Recruitment", "Culture"]
    assert read.plan.title == "WRES Action Plan 2025/26"


def test_sheets_whose_tables_give_themes_keep_them(tmp_path):
    path = _sheets(
        tmp_path / "p.xlsx",
        [
            (
                "Recruitment",
                [
                    ["Recruitment and progression"],
                    ["Theme", *_HEADER],
                    ["Panels", "R1", "Diverse panels", "HR", "Mar-26", "G"],
                ],
            ),
            (
                "Culture",
                [
                    ["Inclusive culture"],
                    _HEADER,
                    ["Theme 1: Civility"],
                    ["C1", "Civility campaign", "OD", "Mar-26", "A"],
                ],
            ),
        ],
    )
    read = read_source(path)
    assert [a.theme for a in read.plan.actions] == ["Panels", "Theme 1: Civility"]
    assert read.sheet_themes == []


# --- the parts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("Accountable People / Team", "owner"),
        ("Accountable", "owner"),
        ("Responsible", "owner"),
        ("Exec lead", "owner"),
        ("Who benefits", None),  # for whom, not by whom
        ("Staff affected", None),
        ("Characteristics affected", "characteristics"),  # (helper-140)
        ("SRO", "owner"),
        ("Senior Responsible Owner", "owner"),
        ("Executive sponsor", "owner"),
        ("Lead director", "owner"),
        ("Action lead", "owner"),  # not a typo of "Action ref"
        ("Action Lead(s)", "owner"),
        ("Operational lead", "owner"),
        ("Workstream lead", "owner"),  # the lead, not the workstream
        ("Lead(s)", "owner"),
        ("Date", "due"),
        ("Time frame", "due"),
        ("Timeframe", "due"),
        ("Deadline", "due"),
        ("Target date", "due"),
        ("Completion date", "due"),
        ("Date completed", None),  # when it was done: no due date (kept as a column)
        ("Actual completion date", None),
        ("Closed date", None),
        ("Date to be completed by", "due"),
        ("When", "due"),
        ("WRES Metric", "indicator"),
        ("RAG status (R/A/G)", "status"),
        ("BRAG", "status"),
        ("B-RAG", "status"),
        ("BRAG rating", "status"),
        ("BRAG status", "status"),
        ("BRAG Q2", None),  # (a status for its period: see the quarter tests)
        ("Bag", None),  # one letter from "BRAG": no header
        ("Actions to be taken", "action"),
        ("Desired outcome", None),
        ("Overdue", None),  # computed by edi_xl: never imported
    ],
)
def test_header_vocabulary(text, field):
    assert header_field(text) == field


def test_content_guesses():
    assert content_field(["G", "A", "R", None]) == "status"
    assert content_field(["31/03/2024", "Q3 2023/24", "March 2024"]) == "due"
    assert content_field(["Head of HR", "Jane Smith", "EDI Manager; OD Team"]) == "owner"
    assert content_field(["Improve the culture of the trust.", "Run a survey."]) is None
    assert content_field(["only one"]) is None


def test_bad_map_items_are_refused_with_the_item_named():
    assert parse_overrides(["Accountable People / Team=owner"]) == {
        "accountable people / team": "owner"
    }
    with pytest.raises(EdiXlError, match="'Lead'"):
        parse_overrides(["Lead"])
    with pytest.raises(EdiXlError, match="not a field"):
        parse_overrides(["Lead=boss"])


# --- the command ----------------------------------------------------------------------------


def _plan(tmp_path: Path) -> Path:
    return word(
        tmp_path / "plan.docx",
        [
            ("title", "WDES Action Plan 2023/24"),
            ("p", "Organisation: Westmoor NHS Trust"),
            ("p", "Metric 4: Education and training"),
            (
                "table",
                [
                    ["Action", "Accountable People / Team", "Time frame", "Notes"],
                    ["Accessible courses", "Head of Education", "31/03/2030", "x"],
                ],
            ),
        ],
    )


def test_import_prints_the_mapping_and_titles_and_fills_settings(tmp_path):
    out = tmp_path / "m.xlsx"
    result = CliRunner().invoke(
        cli, ["import", str(_plan(tmp_path)), "-o", str(out), "--as-at", "18/12/2023"]
    )
    assert "plan.docx: general table, 1 table read, actions 1 (4.1 to 4.1)" in result.output
    assert "Accountable People / Team  ->  Action Owner (owner, by its header)" in result.output
    assert "Notes                      ->  kept as an extra column" in result.output
    assert "title row: Metric 4: Education and training" in result.output
    assert sheets.read_settings(load_workbook(out)).trust_name == "Westmoor NHS Trust"
    check_run = CliRunner().invoke(cli, ["check", str(out), "--as-at", "18/12/2023"])
    assert result.exit_code == check_run.exit_code


def test_import_json_and_map(tmp_path):
    out = tmp_path / "m.xlsx"
    result = CliRunner().invoke(
        cli,
        [
            "import",
            str(_plan(tmp_path)),
            "-o",
            str(out),
            "--as-at",
            "18/12/2023",
            "--json",
            "--map",
            "Accountable People / Team=extra",
        ],
    )
    doc = json.loads(result.output)
    columns = {c["header"]: c for c in doc["sources"][0]["columns"]}
    assert columns["Accountable People / Team"]["becomes"] == "kept as an extra column"
    assert columns["Time frame"]["field"] == "due"
    assert doc["sources"][0]["titles"] == [
        "WDES Action Plan 2023/24",
        "Metric 4: Education and training",
    ]
    # no owner now: the master has a problem that needs a person, so exit 1 as `new` does
    assert doc["needs_attention"] is True and result.exit_code == 1


def test_import_exits_1_when_an_action_has_no_owner(tmp_path):
    path = xlsx(tmp_path / "p.xlsx", [["Action", "Deadline"], ["Something", "March 2030"]])
    result = CliRunner().invoke(
        cli, ["import", str(path), "-o", str(tmp_path / "m.xlsx"), "--as-at", "18/12/2023"]
    )
    assert result.exit_code == 1, result.output


def test_group_label_row_over_the_header_and_a_title_row_inside_the_table(tmp_path):
    path = word(
        tmp_path / "p.docx",
        [
            (
                "table",
                [
                    ["Race equality action plan 2024", None, None, None, None],
                    ["Action details", None, None, "Monitoring", None],
                    ["No.", "Action", "By whom", "RAG / progress", "Target"],
                    ["1.1", "Cultural ambassadors in every division", "Chief Nurse", "G", "Jun-24"],
                    ["1.2", "Race code for HR processes", "Director of HR", "A", "Sep-24"],
                ],
                [("across", 0, 0, 4), ("across", 1, 0, 2), ("across", 1, 3, 4)],
            )
        ],
    )
    read = check(
        path,
        [
            Want("Cultural ambassadors in every division", "Chief Nurse", "2024-06-30"),
            Want("Race code for HR processes", "Director of HR", "2024-09-30"),
        ],
    )
    assert [a.id for a in read.plan.actions] == ["1.1", "1.2"]
    assert read.plan.title == "Race equality action plan 2024"
    fields = {c.header: (c.field, c.how) for c in read.mapping}
    assert fields["RAG / progress"] == ("status", "header")
    assert fields["Target"] == ("due", "content")
    assert read.tables == 1 and read.plan.extra_columns == []


def test_a_long_numbered_paragraph_is_a_note_not_a_heading(tmp_path):
    long = (
        "1. This plan sets out how the trust will respond to the findings of the 2023 staff "
        "survey and the workforce data published in the annual report, working with networks"
    )
    path = word(
        tmp_path / "p.docx",
        [
            ("title", "Equality action plan"),
            ("p", long),
            ("table", [["Actions", "Owner", "Due"], ["Network funding", "EDI Lead", "Mar-24"]]),
        ],
    )
    read = check(path, [Want("Network funding", "EDI Lead", "2024-03-31")])
    assert read.plan.actions[0].theme is None
    assert read.plan.metadata["Notes"] == long


def test_a_seed_layout_carries_a_group_only_inside_the_group(tmp_path):
    header = ["Indicator", "Performance", "Action to be taken", "WRES", "WDES", "Other PCs"]
    header += ["Responsibility", "Timescale"]
    path = xlsx(
        tmp_path / "p.xlsx",
        [
            header,
            ["WRES 1", "10% BME in 8a+", "Talent pool", "Yes", "No", "No", "Head of OD", "Mar-24"],
            [None, None, "Shadowing", "Yes", "No", "No", "Head of OD", "Jun-24"],
            ["WRES 2", None, "Panels", "Yes", "No", "No", "Head of Resourcing", "Sep-24"],
        ],
    )
    read = read_source(path)
    assert read.layout == "wres-wdes"
    assert [a.extra["Performance"] for a in read.plan.actions] == [
        "10% BME in 8a+",
        "10% BME in 8a+",
        None,
    ]
    assert [a.references_text for a in read.plan.actions] == ["WRES 1", "WRES 1", "WRES 2"]


def test_a_combined_plan_reads_an_indicator_by_the_standard_its_row_flags(tmp_path):
    """ "Indicator 2" names no standard: the row's WRES / WDES flags say whose it is (both
    flagged: WRES's indicator, WDES as a whole); a list names every indicator in it."""
    header = ["Indicator", "Performance", "Action to be taken", "WRES", "WDES", "Other PCs"]
    header += ["Responsibility", "Timescale"]
    rows = [
        ["Indicator 2 - Shortlisting", "1.4", "Panels", "Yes", "No", "No", "Head of OD"],
        ["Indicator 2", "1.1", "Adjustments", "No", "Yes", "No", "Head of HR"],
        ["Indicators 5 & 6", "28%", "Bullying campaign", "Yes", "Yes", "No", "Head of HR"],
        ["Metrics 4a/4b", "12%", "Speak up", "No", "Yes", "No", "Guardian"],
    ]
    path = xlsx(tmp_path / "p.xlsx", [header] + [r + ["Mar-24"] for r in rows])
    read = read_source(path)
    assert read.layout == "wres-wdes"
    assert [a.references_text for a in read.plan.actions] == [
        "WRES 2",
        "WDES 2",
        "WRES 5, WRES 6, WDES",
        "WDES 4a, WDES 4b",
    ]


def test_a_list_of_indicators_in_a_plan_naming_one_standard(tmp_path):
    path = tmp_path / "plan.csv"
    path.write_text(
        "WRES action plan 2025\n\nRef,Indicator(s),Action,Owner,Due\n"
        "1,Indicators 5 & 6,Bullying campaign,Head of HR,31/03/2026\n"
        "2,Indicators 1-3,Career pathways,Head of OD,31/03/2026\n"
        "3,Indicator 2 - 5 panels a month,Panels,Head of OD,31/03/2026\n"
        '4,"Indicator 5, 12 month programme",Mentoring,Head of OD,31/03/2026\n',
        encoding="utf-8",
    )
    plan = read_source(path).plan
    assert [[r.label for r in a.references] for a in plan.actions] == [
        ["WRES 5", "WRES 6"],
        ["WRES 1", "WRES 2", "WRES 3"],
        ["WRES 2"],  # (a range written with spaces is not one: "2 - 5 panels")
        ["WRES 5"],  # (a list only after "Indicators": the 12 is the programme's months)
    ]


def test_indicator_column_of_numbered_descriptions_is_the_theme(tmp_path):
    path = xlsx(
        tmp_path / "p.xlsx",
        [
            ["Workforce Race Equality Standard Action Plan 2023-2025"],
            [],
            ["WRES Indicator", "Narrative", "Actions", "Lead", "Timescale", "Progress/RAG"],
            [
                "1. Percentage of staff in each AfC band",
                "20%",
                "Set targets",
                "HR Director",
                "March 2024",
                "G",
            ],
            [None, None, "Talent programme", "Head of OD", "Sept 2024", "A"],
            [
                "2. Appointment from shortlisting",
                "RL 1.6",
                "Diverse panels",
                "Head of Resourcing",
                "Ongoing",
                "G",
            ],
        ],
        merges=("A1:F1", "A4:A5", "B4:B5"),
    )
    read = check(
        path,
        [
            Want("Set targets", "HR Director", "2024-03-31", ("WRES 1",)),
            Want("Talent programme", "Head of OD", "2024-09-30", ("WRES 1",)),
            Want("Diverse panels", "Head of Resourcing", None, ("WRES 2",)),
        ],
    )
    assert [a.id for a in read.plan.actions] == ["1.1", "1.2", "2.1"]
    assert read.plan.actions[2].theme == "2. Appointment from shortlisting"
    assert [a.extra["Narrative"] for a in read.plan.actions] == ["20%", "20%", "RL 1.6"]


def test_a_master_row_of_header_like_words_is_not_a_repeated_header():
    from edi_xl.tables.layouts.base import count_header_matches

    row = ["1.5", "Lead", "Action number 5", "WRES 1", "Race", "EDI Lead"]
    row += [None, None, "Exceeded Timescales", "Update 5"]
    assert count_header_matches(row) < 4


def test_sectioned_plan_with_its_actions_as_rows_of_a_table_without_header(tmp_path):
    path = word(
        tmp_path / "WRES plan.docx",
        [
            ("p", "Indicator 3: Disciplinary"),
            (
                "table",
                [
                    ["Review every case before a formal process (March 22)\nLEAD: Head of ER"],
                    ["Publish the disciplinary ratio (Sept 22)\nLEAD: Workforce Analyst"],
                ],
            ),
            ("p", "Indicator 6: Bullying by staff"),
            ("table", [["Civility workshops (by March 2023)"]]),
        ],
    )
    check(
        path,
        [
            Want(
                "Review every case before a formal process", "Head of ER", "2022-03-31", ("WRES 3",)
            ),
            Want("Publish the disciplinary ratio", "Workforce Analyst", "2022-09-30", ("WRES 3",)),
            Want("Civility workshops", None, "2023-03-31", ("WRES 6",)),
        ],
    )


def test_a_plan_on_a_sheet_named_action_plan_is_still_a_general_table(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "Action Plan"
    for row in (
        ["WRES action plan 2024"],
        ["#", "Action", "Action Owner", "Due Date", "Status"],
        ["Indicator 2: Shortlisting"],
        ["1", "Anonymised shortlisting", "Head of Resourcing", "Mar-24", "Green"],
    ):
        ws.append(row)
    wb.save(tmp_path / "p.xlsx")
    read = check(
        tmp_path / "p.xlsx",
        [Want("Anonymised shortlisting", "Head of Resourcing", "2024-03-31", ("WRES 2",))],
    )
    assert read.layout == "general" and read.titles[-1] == "Indicator 2: Shortlisting"


def test_a_map_naming_no_column_is_an_error_line_and_exit_1(tmp_path):
    path = xlsx(
        tmp_path / "p.xlsx",
        [["Action", "Owner", "Deadline"], ["Something", "EDI Lead", "March 2030"]],
    )
    args = ["import", str(path), "-o", str(tmp_path / "m.xlsx"), "--as-at", "18/12/2023"]
    clean = CliRunner().invoke(cli, [*args, "--map", "Owner=owner"])
    assert "error: --map" not in clean.output
    wrong = CliRunner().invoke(cli, [*args, "--force", "--map", "Acountable=owner"])
    assert "error: --map 'acountable': no source has a column with this header" in wrong.output
    assert wrong.exit_code == 1


def test_a_trust_line_above_a_seed_layout_goes_to_settings(tmp_path):
    from layout_fixtures import Para, build_docx, seed_blocks

    source = build_docx(tmp_path / "p.docx", [Para("Trust: Eastfield NHS Trust"), *seed_blocks(1)])
    out = tmp_path / "m.xlsx"
    result = CliRunner().invoke(
        cli, ["import", str(source), "-o", str(out), "--as-at", "18/12/2023"]
    )
    assert "layout edi-plan" in result.output
    assert sheets.read_settings(load_workbook(out)).trust_name == "Eastfield NHS Trust"


def test_as_above_under_a_real_date_and_an_indicator_in_the_reference_column(tmp_path):
    path = xlsx(
        tmp_path / "WRES 2024.xlsx",
        [
            ["Action", "Lead", "Completion date", "Reference"],
            ["Fair shortlisting audit", "Head of Resourcing", datetime(2024, 5, 31), "Indicator 2"],
            ["Shortlisting training", "as above", "As above", "WRES 2; Staff Survey"],
        ],
    )
    read = check(
        path,
        [
            Want("Fair shortlisting audit", "Head of Resourcing", "2024-05-31", ("WRES 2",)),
            Want(
                "Shortlisting training",
                "Head of Resourcing",
                "2024-05-31",
                ("WRES 2", "Staff Survey"),
            ),
        ],
    )
    assert read.plan.actions[0].references[0].text == "Indicator 2"


def test_section_rows_written_in_the_action_column_alone(tmp_path):
    path = xlsx(
        tmp_path / "p.xlsx",
        [
            ["WDES plan"],
            ["Action", "Lead", "Deadline"],
            ["Metric 1: Representation"],
            ["Declaration campaign", "EDI Lead", "March 2024"],
            ["A lone action with nothing else"],
            ["WDES Metric 7 - Staff feel valued"],
            ["Listening events", "Chief People Officer", "June 2024"],
        ],
    )
    check(
        path,
        [
            Want("Declaration campaign", "EDI Lead", "2024-03-31", ("WDES 1",)),
            Want("A lone action with nothing else", None, None, ("WDES 1",)),
            Want("Listening events", "Chief People Officer", "2024-06-30", ("WDES 7",)),
        ],
    )


# --- plans that are nearly a seed layout, and plans with a column per period -----------------


def test_a_priority_column_beside_a_ref_and_a_theme_is_a_general_table(tmp_path):
    """Layout 003 has a Priority column but no ids or theme column of its own: a plan that
    has them and a Priority (High/Medium/Low) is read as a general table, its ids and themes
    kept."""
    path = xlsx(
        tmp_path / "p.xlsx",
        [
            ["Ref", "Theme", "Action", "Priority", "Lead", "Due date", "Status"],
            ["1.1", "Recruitment", "Diverse panels", "High", "Head of HR", "31/03/2026", "G"],
            ["1.2", "Recruitment", "Shortlisting data", "Low", "EDI Lead", "31/03/2026", "A"],
            ["2.1", "Culture", "Reverse mentoring", "Medium", "Chief Nurse", "31/03/2026", "G"],
        ],
    )
    read = read_source(path)
    assert read.layout == "general"
    assert [(a.id, a.theme) for a in read.plan.actions] == [
        ("1.1", "Recruitment"),
        ("1.2", "Recruitment"),
        ("2.1", "Culture"),
    ]
    assert [a.extra["Priority"] for a in read.plan.actions] == ["High", "Low", "Medium"]


def _quarters(path: Path) -> Path:
    """ "Q1 update" and "Q2 update" merged over "RAG | Commentary" each."""
    return xlsx(
        path,
        [
            ["Ref", "Action", "Lead", "Target date", "Q1 update", None, "Q2 update", None],
            ["Ref", "Action", "Lead", "Target date", "RAG", "Commentary", "RAG", "Commentary"],
            ["R1", "Diverse panels", "Head of HR", "31/03/2026", "G", "Q1 one", "A", "Q2 one"],
            ["R2", "Reverse mentoring", "Chief Nurse", "31/03/2026", "G", "Q1 two", "R", "Q2 two"],
        ],
        merges=("A1:A2", "B1:B2", "C1:C2", "D1:D2", "E1:F1", "G1:H1"),
    )


def test_group_labels_over_a_rag_and_update_per_quarter_take_the_latest(tmp_path):
    read = read_source(_quarters(tmp_path / "p.xlsx"))
    actions = read.plan.actions
    assert [(a.status_text, a.updates[0].text) for a in actions] == [
        ("A", "Q2 one"),
        ("R", "Q2 two"),
    ]
    # the first quarter's columns are kept, named by their group label
    assert actions[0].extra == {
        "Source RAG (Q1 update)": "G",
        "Source commentary (Q1 update)": "Q1 one",
    }
    notes = {c.header: (c.field, c.note) for c in read.mapping}
    assert notes["RAG (Q2 update)"] == (
        "status",
        "the latest of 2 status columns; an earlier one where blank",
    )
    assert notes["RAG (Q1 update)"] == (None, "an earlier status column: RAG (Q2 update) is taken")


@pytest.mark.parametrize(
    "older, newer",
    [
        (("RAG (Q1)", "Progress update Q1"), ("RAG (Q2)", "Progress update Q2")),
        (("RAG 2024/25", "Update 2024/25"), ("RAG 2025/26", "Update 2025/26")),
        (("Status Q1", "Update 30/06/2025"), ("Status Q2", "Update 30/09/2025")),
    ],
)
def test_a_column_per_period_the_period_decides_not_the_place(tmp_path, older, newer):
    """The latest period is taken wherever it stands (here left of the older one)."""
    path = xlsx(
        tmp_path / "p.xlsx",
        [
            ["Action", "Lead", *newer, *older],
            ["Diverse panels", "Head of HR", "A", "new text", "G", "old text"],
        ],
    )
    read = read_source(path)
    action = read.plan.actions[0]
    assert (action.status_text, action.updates[0].text) == ("A", "new text")
    assert sorted(action.extra.values()) == ["G", "old text"]


def test_a_status_column_of_words_that_are_no_status_gives_way_to_the_rag(tmp_path):
    """Smartsheet's "Status" (In Progress, Not Started) on either side of its "RAG": the RAG
    is the status (neither the first nor the rightmost), the Status columns kept."""
    path = xlsx(
        tmp_path / "p.xlsx",
        [
            ["Action", "Lead", "Status", "RAG", "Overall status"],
            ["Diverse panels", "Head of HR", "In Progress", "Green", "In Progress"],
            ["Reverse mentoring", "Chief Nurse", "In Progress", "Red", "In Progress"],
            ["Shortlisting data", "EDI Lead", "Not Started", "Amber", "Not Started"],
        ],
    )
    read = read_source(path)
    assert [a.status_text for a in read.plan.actions] == ["Green", "Red", "Amber"]
    assert read.plan.actions[0].extra == {
        "Source status": "In Progress",
        "Source overall status": "In Progress",  # (a status column's name: the master's is)
    }


def test_a_rag_column_wins_over_a_status_column_of_progress_words(tmp_path):
    """Smartsheet's "Status" of progress words, two of which read as a status ("Not Started"
    as Amber, "Complete" as Blue), beside its "RAG" of colours: the RAG is the status, the
    progress words kept as an extra column."""
    path = xlsx(
        tmp_path / "p.xlsx",
        [
            ["Task Name", "Assigned To", "Finish", "Status", "RAG"],
            ["Diverse panels", "Head of EDI", "31/03/2025", "In Progress", "Green"],
            ["Reverse mentoring", "Head of OD", "31/12/2024", "Not Started", "Red"],
            ["Staff networks", "CPO", "30/06/2025", "Complete", "Blue"],
        ],
    )
    read = read_source(path)
    assert [a.status_text for a in read.plan.actions] == ["Green", "Red", "Blue"]
    assert [a.extra for a in read.plan.actions] == [
        {"Source status": "In Progress"},
        {"Source status": "Not Started"},
        {"Source status": "Complete"},
    ]


@pytest.mark.parametrize(
    ("headers", "rag"),
    [
        (["Status", "Previous RAG"], ["G", "B"]),  # an earlier RAG is not the status
        (["Current status", "RAG"], ["G", "B"]),  # the header saying it is now decides
        (["Status", "RAG"], ["G", "Tbc"]),  # a RAG with a word that is no status in it
    ],
)
def test_a_rag_column_does_not_win_where_the_plan_says_otherwise(tmp_path, headers, rag):
    """The status column of "Not Started" and "Complete" stays the status (as before) where
    the RAG's header or a value of it says it is not the one a person reads."""
    path = xlsx(
        tmp_path / "p.xlsx",
        [
            ["Action", "Lead", *headers],
            ["Diverse panels", "Head of EDI", "Not Started", rag[0]],
            ["Reverse mentoring", "Head of OD", "Complete", rag[1]],
        ],
    )
    assert [a.status_text for a in read_source(path).plan.actions] == ["Not Started", "Complete"]


def test_a_status_of_rag_words_stays_beside_a_rag_typed_on_a_row(tmp_path):
    """A Status of RAG words on every row beside a "RAG" typed on one row only: the Status
    is the one a person reads; the RAG took it, emptying three statuses (helper-101)."""
    path = xlsx(
        tmp_path / "p.xlsx",
        [
            ["Action", "Lead", "Status", "RAG"],
            ["Diverse panels", "Head of EDI", "Green", "G"],
            ["Reverse mentoring", "Head of OD", "Red", None],
            ["Staff networks", "CPO", "Complete", None],
        ],
    )
    statuses = [a.status_text for a in read_source(path).plan.actions]
    assert statuses == ["Green", "Red", "Complete"]


def test_import_lists_which_of_the_quarter_columns_is_taken(tmp_path):
    out = tmp_path / "m.xlsx"
    result = CliRunner().invoke(
        cli,
        ["import", str(_quarters(tmp_path / "p.xlsx")), "-o", str(out), "--as-at", "15/10/2025"],
    )
    assert (
        "RAG (Q1 update)         ->  kept as an extra column (an earlier status column: "
        "RAG (Q2 update) is taken)" in result.output
    )
    assert (
        "RAG (Q2 update)         ->  Status (status, by its header; the latest of 2 status "
        "columns; an earlier one where blank)" in result.output
    )


def test_map_naming_a_header_written_twice_takes_the_latest_and_keeps_the_other(tmp_path):
    path = _quarters(tmp_path / "p.xlsx")
    read = read_source(path, overrides=parse_overrides(["RAG=status"]))
    assert [a.status_text for a in read.plan.actions] == ["A", "R"]
    assert read.plan.actions[0].extra["Source RAG (Q1 update)"] == "G"
    # the group-joined name picks one of them
    read = read_source(path, overrides=parse_overrides(["RAG (Q1 update)=status"]))
    assert [a.status_text for a in read.plan.actions] == ["G", "G"]
    assert read.plan.actions[0].extra["Source RAG (Q2 update)"] == "A"
    result = CliRunner().invoke(
        cli,
        [
            "import",
            str(path),
            "-o",
            str(tmp_path / "m.xlsx"),
            "--as-at",
            "15/10/2025",
            "--map",
            "RAG=status",
        ],
    )
    assert "no source has a column" not in result.output, result.output


def test_map_twice_on_a_plain_header_takes_the_rightmost(tmp_path):
    path = xlsx(
        tmp_path / "p.xlsx",
        [
            ["Action", "Lead", "RAG", "RAG"],
            ["Diverse panels", "Head of HR", "G", "A"],
        ],
    )
    read = read_source(path, overrides=parse_overrides(["RAG=status"]))
    action = read.plan.actions[0]
    assert action.status_text == "A"
    assert list(action.extra.values()) == ["G"]


def test_a_csv_whose_action_column_only_map_names(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        "Initiative,Responsible,End Date,RAG\n"
        "Diverse panels,Head of HR,31/03/2026,Green\n"
        "Reverse mentoring,Chief Nurse,30/06/2026,Amber\n",
        encoding="utf-8",
    )
    read = read_source(path, overrides=parse_overrides(["Initiative=action"]))
    assert [(a.action, a.owner) for a in read.plan.actions] == [
        ("Diverse panels", "Head of HR"),
        ("Reverse mentoring", "Chief Nurse"),
    ]


def test_smartsheet_task_name_and_assigned_to(tmp_path):
    path = tmp_path / "smartsheet.csv"
    path.write_text(
        "Task Name,Assigned To,End Date,RAG\n"
        "Diverse panels,Head of HR,31/03/2026,Green\n"
        "Reverse mentoring,Chief Nurse,30/06/2026,Amber\n",
        encoding="utf-8",
    )
    read = read_source(path)
    assert [(a.action, a.owner) for a in read.plan.actions] == [
        ("Diverse panels", "Head of HR"),
        ("Reverse mentoring", "Chief Nurse"),
    ]
    # a master's and a return's columns are read by the synonym table alone
    assert match_header("Task Name") is None and match_header("Assigned To") is None


def test_extra_column_names_keep_their_capitals():
    assert safe_extra_name("RAG") == "Source RAG"
    assert safe_extra_name("WRES indicator") == "Source WRES indicator"
    assert safe_extra_name("Milestone") == "Source milestone"
    assert safe_extra_name("Progress update") == "Source progress update"


@pytest.mark.parametrize(
    ("headers", "owner"),
    [
        (("Exec lead", "Operational lead"), "Head of Resourcing"),  # the one who does it
        (("Responsible officer", "Exec sponsor"), "Head of Resourcing"),
        (("Lead", "Owner"), "Director of People"),  # neither an executive's: the first
    ],
)
def test_of_two_owner_columns_the_working_lead_owns_the_action(tmp_path, headers, owner):
    path = tmp_path / "plan.csv"
    first, second = headers
    lead, director = "Head of Resourcing", "Director of People"
    values = (director, lead) if first.startswith(("Exec", "Lead")) else (lead, director)
    path.write_text(
        f"Ref,Action,{first},{second},Due\n1,Diverse panels,{values[0]},{values[1]},31/03/2026\n",
        encoding="utf-8",
    )
    read = read_source(path)
    assert [a.owner for a in read.plan.actions] == [owner]
    kept = read.plan.actions[0].extra
    assert set(kept.values()) == {director if owner == lead else lead}


@pytest.mark.parametrize(
    ("headers", "row", "owner"),
    [
        (("SRO",), ("Director of People",), "Director of People"),  # the only one named
        (
            ("SRO", "Action lead"),
            ("Director of People", "Head of Resourcing"),
            "Head of Resourcing",
        ),
        (
            ("Lead", "Executive sponsor"),
            ("Head of Resourcing", "Chief Nurse"),
            "Head of Resourcing",
        ),
    ],
)
def test_an_sro_owns_the_action_only_when_no_one_else_is_named(tmp_path, headers, row, owner):
    """A plan naming only the senior responsible owner ("SRO") over each action: the SRO is
    who the return goes to (the action had no owner before); beside a lead who does the
    work, the lead is, and the executive's column is kept beside the plan."""
    path = tmp_path / "plan.csv"
    path.write_text(
        f"Ref,Action,{','.join(headers)},Due\n1,Diverse panels,{','.join(row)},31/03/2026\n",
        encoding="utf-8",
    )
    read = read_source(path)
    assert [a.owner for a in read.plan.actions] == [owner]
    assert set(read.plan.actions[0].extra.values()) == set(row) - {owner}


def test_a_progress_status_is_the_status_and_a_completion_status_is_kept(tmp_path):
    """ "Progress status" (the update before: its RAG words became update text, and no action
    had a status) and "Completion status" (a second due date before) are status columns; of
    the two, the one whose values read as a status is the plan's, the other kept beside it."""
    path = tmp_path / "plan.csv"
    path.write_text(
        "Ref,Action,Lead,Due,Completion status,Progress status\n"
        "1,Diverse panels,Head of HR,31/03/2026,Complete,Green\n"
        "2,Mentoring,Chief Nurse,30/06/2026,In progress,Amber\n",
        encoding="utf-8",
    )
    read = read_source(path)
    assert [a.status for a in read.plan.actions] == [RAG.GREEN, RAG.AMBER]
    assert [a.extra for a in read.plan.actions] == [
        {"Source completion status": "Complete"},
        {"Source completion status": "In progress"},
    ]
    assert [a.current_update for a in read.plan.actions] == [None, None]


def test_a_date_completed_left_of_the_due_date_is_not_the_due_date(tmp_path):
    """ "Date completed" left of "Due date" was read as the plan's due date, the "Due date"
    kept aside: action 3, due 31 Oct 2025 and not done, was not overdue on 1 Dec 2025."""
    path = tmp_path / "plan.csv"
    path.write_text(
        "Ref,Action,Lead,Start date,Date completed,Due date,Status\n"
        "1,Diverse panels,Head of HR,01/01/2025,15/01/2026,31/03/2026,Complete\n"
        "2,Mentoring,Chief Nurse,01/01/2025,,30/06/2026,Amber\n"
        "3,Networks,EDI Lead,01/01/2025,,31/10/2025,Green\n",
        encoding="utf-8",
    )
    read = read_source(path)
    assert [a.due.date for a in read.plan.actions] == [
        date(2026, 3, 31),
        date(2026, 6, 30),
        date(2025, 10, 31),
    ]
    assert read.plan.actions[0].extra == {"Date completed": "15/01/2026"}


_PLAN = [
    ["Ref", "Action", "Lead", "Due date", "Status"],
    ["1", "Run diverse interview panels", "Head of Resourcing", "31/10/2025", "Green"],
    ["2", "Launch reverse mentoring", "Chief Nurse", "30/06/2026", "Amber"],
    ["3", "Publish WRES data by staff group", "EDI Lead", "31/03/2026", "Red"],
]


@pytest.mark.parametrize(
    ("header", "values", "before"),
    [
        ("Date raised", ["01/04/2025"] * 3, "Due date"),  # every action was overdue from it
        ("Last updated", ["01/11/2025"] * 3, "Due date"),
        ("Review date", ["01/01/2026"] * 3, "Due date"),
        ("Baseline date", ["01/04/2025"] * 3, "Due date"),
        ("Original due date", ["31/12/2024"] * 3, "Due date"),
        ("Updated by", ["Jane Smith"] * 3, "Lead"),  # the returns went to Jane
        ("Risk rating", ["Red", "Amber", "Green"], "Status"),
        ("RAG last quarter", ["Red", "Red", "Red"], "Status"),
    ],
)
def test_a_column_left_of_the_one_its_header_names_does_not_take_its_field(
    tmp_path, header, values, before
):
    """A column of dates, names or colours left of the plan's "Due date", "Lead" or
    "Status": the named column gives the field. A "Date raised" or "Updated by" was the due
    date or the owner by its content (the named column then kept aside as a second one), a
    "Review date" the first of two due dates, a "RAG last quarter" the status."""
    at = _PLAN[0].index(before)
    rows = [row[:at] + [v] + row[at:] for row, v in zip(_PLAN, [header, *values], strict=True)]
    path = tmp_path / "plan.csv"
    path.write_text("\n".join(",".join(row) for row in rows) + "\n", encoding="utf-8")
    actions = read_source(path).plan.actions
    assert [(a.owner, a.due.date.isoformat(), a.status_text) for a in actions] == [
        ("Head of Resourcing", "2025-10-31", "Green"),
        ("Chief Nurse", "2026-06-30", "Amber"),
        ("EDI Lead", "2026-03-31", "Red"),
    ]
    kept = {k.lower().removeprefix("source ") for k in actions[0].extra}  # (kept aside)
    assert header.lower() in kept


def _read_csv(tmp_path: Path, rows: list[list[str]]) -> list[Any]:
    path = tmp_path / "plan.csv"
    path.write_text("\n".join(",".join(row) for row in rows) + "\n", encoding="utf-8")
    return read_source(path).plan.actions


def test_a_column_with_no_header_still_gives_a_field_its_named_column_does_not_hold(tmp_path):
    """A header typed one cell out ("Due date" over an empty column, the dates beside it
    under none), a RAG column with no header beside a "Status" of progress words: the
    column with no header gives the field, as before the rule that a named field is its
    named column's (helper-138)."""
    dates = _read_csv(
        tmp_path,
        [
            ["Action", "Lead", "", "Due date"],
            ["Diverse panels", "Head of HR", "31/10/2025", ""],
            ["Mentoring", "Chief Nurse", "30/06/2026", ""],
        ],
    )
    assert [a.due.date for a in dates] == [date(2025, 10, 31), date(2026, 6, 30)]
    rag = _read_csv(
        tmp_path,
        [
            ["Action", "Lead", "Due date", "", "Status"],
            ["Diverse panels", "Head of HR", "31/10/2025", "Green", "In progress"],
            ["Mentoring", "Chief Nurse", "30/06/2026", "Red", "Not started"],
            ["Networks", "EDI Lead", "31/03/2026", "Amber", "In progress"],
        ],
    )
    assert [a.status_text for a in rag] == ["Green", "Red", "Amber"]


def test_a_planner_export_with_its_completed_date_imports(tmp_path):
    """Microsoft Planner's export: its "Created Date" and "Completed Date" are headers of
    columns kept aside (no due date), and still count as headers in finding the header row
    (helper-138: once "Completed Date" named no field, the row fell short and the export
    imported nothing)."""
    actions = _read_csv(
        tmp_path,
        [
            ["Task ID", "Task Name", "Bucket Name", "Progress", "Priority", "Assigned To"]
            + ["Created By", "Created Date", "Start Date", "Due Date", "Late", "Completed Date"]
            + ["Completed By"],
            ["a1", "Diverse panels", "EDI", "In progress", "Important", "Head of HR", "Ann Lee"]
            + ["01/04/2025", "01/04/2025", "31/10/2025", "true", "", ""],
            ["a2", "Mentoring", "EDI", "Completed", "Medium", "Chief Nurse", "Ann Lee"]
            + ["01/04/2025", "01/04/2025", "30/06/2026", "false", "15/03/2026", "Ann Lee"],
        ],
    )
    assert [(a.action, a.owner, a.due.date) for a in actions] == [
        ("Diverse panels", "Head of HR", date(2025, 10, 31)),
        ("Mentoring", "Chief Nurse", date(2026, 6, 30)),
    ]


@pytest.mark.parametrize(
    ("headers", "rows"),
    [
        # "Completed by" (who) after "Date": the date, not the names (helper-138)
        (["Date", "Completed by"], [["31/10/2025", "Jane Smith"], ["30/06/2026", ""]]),
        # a forecast completion date is when it is due
        (["Forecast completion date"], [["31/10/2025"], ["30/06/2026"]]),
        (["Actual/forecast completion date"], [["31/10/2025"], ["30/06/2026"]]),
        # an export's "Finish" beside a "Review date": the finish (helper-138)
        (["Finish", "Review date"], [["31/10/2025", "01/01/2026"], ["30/06/2026", "01/01/2026"]]),
        (["Deliver by", "Date"], [["31/10/2025", "01/01/2026"], ["30/06/2026", "01/01/2026"]]),
        # an extended deadline is the revised one, the original where it is blank
        (["Deadline", "Extended deadline"], [["31/03/2025", "31/10/2025"], ["30/06/2026", ""]]),
    ],
)
def test_due_dates_said_otherwise(tmp_path, headers, rows):
    actions = _read_csv(
        tmp_path,
        [["Action", "Lead", *headers]]
        + [[f"Action {n}", "Head of HR", *row] for n, row in enumerate(rows, 1)],
    )
    assert [a.due.date for a in actions] == [date(2025, 10, 31), date(2026, 6, 30)]


def test_a_status_last_quarter_is_still_the_latest_beside_a_target(tmp_path):
    """ "Target RAG | RAG last quarter": both say they are not now, the target the more so
    (helper-138: the target became the status)."""
    actions = _read_csv(
        tmp_path,
        [
            ["Action", "Lead", "Target RAG", "RAG last quarter"],
            ["Diverse panels", "Head of HR", "Green", "Green"],
            ["Mentoring", "Chief Nurse", "Green", "Amber"],
            ["Networks", "EDI Lead", "Green", "Red"],
        ],
    )
    assert [a.status_text for a in actions] == ["Green", "Amber", "Red"]


@pytest.mark.parametrize(
    ("header", "labels"),
    [
        ("Pillar", ["A: Leadership", "A: Leadership", "B: Recruitment", "B: Recruitment"]),
        ("Priority", ["A - High", "A - High", "B - Medium", "B - Medium"]),
        ("Assurance", ["G - Substantial", "A - Reasonable", "R - Limited", "G - Substantial"]),
    ],
)
def test_a_column_of_lettered_labels_is_no_status(tmp_path, header, labels):
    """Lettered objectives, priorities or audit ratings begin as a RAG key's "A - at risk"
    does: no status by their content, the column kept (helper-139: it took the status,
    "B: Recruitment" Complete)."""
    actions = _read_csv(
        tmp_path,
        [["Ref", header, "Action", "Lead", "Due date"]]
        + [
            [str(n), label, f"Action {n}", "Jane Smith", "31/03/2026"]
            for n, label in enumerate(labels, 1)
        ],
    )
    assert [a.status for a in actions] == [None] * len(labels)
    assert [a.extra for a in actions] == [{header: label} for label in labels]


@pytest.mark.parametrize("header", ["Action plan", "Response", "Agreed actions"])
def test_an_action_column_headed_as_an_audit_or_tracker_heads_it(tmp_path, header):
    """ "Issue | Action plan | Lead | ...": the plan's actions ("Action plan" was the action
    numbers, and the plan had no action column: nothing imported; "Response" was the
    owner)."""
    actions = _read_csv(
        tmp_path,
        [
            ["Issue", header, "Lead", "Due date", "Status"],
            ["Low BME shortlisting", "Run diverse panels", "Head of HR", "31/10/2025", "Green"],
            ["Bullying reports", "Launch speak up campaign", "Chief Nurse", "30/06/2026", "Amber"],
        ],
    )
    assert [(a.action, a.owner) for a in actions] == [
        ("Run diverse panels", "Head of HR"),
        ("Launch speak up campaign", "Chief Nurse"),
    ]


def test_a_high_impact_action_and_who_benefits_are_neither_the_action_nor_the_owner(tmp_path):
    """ "Ref | High Impact Action | Action | Who benefits | Lead": the High Impact Action is
    the action's report reference, "Who benefits" a column kept (the first was the action,
    the plan's own kept aside; the second the owner, "BME staff")."""
    actions = _read_csv(
        tmp_path,
        [
            ["Ref", "High Impact Action", "Action", "Who benefits", "Lead", "Due date"],
            ["1", "HIA 1", "Run diverse panels", "BME staff", "Head of HR", "31/10/2025"],
            ["2", "HIA 3", "Launch speak up campaign", "All staff", "Chief Nurse", "30/06/2026"],
        ],
    )
    assert [(a.action, a.owner) for a in actions] == [
        ("Run diverse panels", "Head of HR"),
        ("Launch speak up campaign", "Chief Nurse"),
    ]
    assert [[r.text for r in a.references] for a in actions] == [["HIA 1"], ["HIA 3"]]
    assert actions[0].extra == {"Who benefits": "BME staff"}


@pytest.mark.parametrize(
    ("headers", "action"),
    [
        # an audit's reply left of its agreed action (helper-140: "Accepted" was the action)
        (["Ref", "Management response", "Agreed action", "Responsible officer"], 2),
        (["No", "Response", "Action", "Owner"], 2),
        (["Action plan", "Action", "Lead"], 1),  # the plan's name, then its actions
    ],
)
def test_of_two_action_columns_the_usual_words_or_the_action_own_win(tmp_path, headers, action):
    rows = [
        ["1", "Accepted", "Run diverse panels", "Head of HR", "x"],
        ["2", "Partially accepted", "Launch speak up campaign", "Chief Nurse", "x"],
    ]
    table = [[*headers, "Due date"]]
    for row in rows:
        line = row[: len(headers)]
        line[action] = row[2]
        table.append([*line, "31/10/2025"])
    actions = _read_csv(tmp_path, table)
    assert [a.action for a in actions] == ["Run diverse panels", "Launch speak up campaign"]


def test_bare_high_impact_action_numbers_are_hias(tmp_path):
    """A "HIA" column's "3", "1 & 6" are High Impact Actions 3, 1 and 6, not the WRES
    indicators of the same numbers (helper-140); beside a "Report" column, the Report is
    the references and the HIA column is kept."""
    actions = _read_csv(
        tmp_path,
        [
            ["Ref", "HIA", "Action", "Lead", "Due date"],
            ["1", "3", "Run diverse panels", "Head of HR", "31/10/2025"],
            ["2", "1 & 6", "Launch speak up campaign", "Chief Nurse", "30/06/2026"],
        ],
    )
    assert [[(r.scheme.value, r.code) for r in a.references] for a in actions] == [
        [("HIA", "3")],
        [("HIA", "1"), ("HIA", "6")],
    ]
    both = _read_csv(
        tmp_path,
        [
            ["#", "High Impact Action", "Report", "Action", "Lead"],
            ["1", "HIA 2", "WRES 1", "Run diverse panels", "Head of HR"],
        ],
    )
    assert [r.text for r in both[0].references] == ["WRES 1"]


def test_a_plan_of_the_high_impact_actions_themselves_reads_them_as_its_actions(tmp_path):
    """ "High Impact Action | Lead | Timescale": no other action column, so the High Impact
    Actions are the actions (helper-140: once the column was the references, the plan
    imported nothing)."""
    actions = _read_csv(
        tmp_path,
        [
            ["High Impact Action", "Lead", "Timescale"],
            ["HIA 1: Chief executives to have EDI objectives", "Chief Executive", "March 2025"],
            ["HIA 2: Embed fair recruitment", "Director of People", "March 2026"],
        ],
    )
    assert [a.action for a in actions] == [
        "HIA 1: Chief executives to have EDI objectives",
        "HIA 2: Embed fair recruitment",
    ]


def test_a_date_raised_is_no_due_date_even_where_the_plan_has_none(tmp_path):
    """A plan with no due-date column and a "Date raised" of dates: no due date, rather than
    every action due, and overdue, the day it was raised."""
    path = tmp_path / "plan.csv"
    path.write_text(
        "Ref,Action,Lead,Date raised,Status\n"
        "1,Diverse panels,Head of HR,01/04/2025,Green\n"
        "2,Mentoring,Chief Nurse,01/04/2025,Amber\n",
        encoding="utf-8",
    )
    actions = read_source(path).plan.actions
    assert [a.due.date if a.due else None for a in actions] == [None, None]
    assert actions[0].extra == {"Date raised": "01/04/2025"}


def test_an_indicator_no_standard_is_named_for(tmp_path):
    """A plan naming neither WRES nor WDES: a metric only one standard has is that one's; a
    number both have is kept as written and flagged, not dropped."""
    path = tmp_path / "plan.csv"
    path.write_text(
        "Action ID,Indicator(s),Action,Owner,Due\n"
        "EDI-02,Indicator 9a,Talent pipeline,Director of People,31/12/2025\n"
        "EDI-03,Metric 4b,Reasonable adjustments,Head of HR,31/03/2026\n"
        "EDI-04,Indicators 5 & 6,Bullying campaign,Head of HR,31/03/2026\n",
        encoding="utf-8",
    )
    plan = read_source(path).plan
    refs = {a.id: [(r.scheme.value, r.code, r.known) for r in a.references] for a in plan.actions}
    assert refs["EDI-02"] == [("WDES", "9a", True)]
    assert refs["EDI-03"] == [("WDES", "4b", True)]
    assert refs["EDI-04"] == [("OTHER", None, False)]
    assert plan.actions[2].references[0].text == "Indicators 5 & 6"


def test_an_indicator_cell_naming_its_standard_is_that_standards(tmp_path):
    """ "Indicator 5 (WRES)" under "Standard / indicator", in a plan whose titles name no
    standard: WRES 5, as "Metric 4a (WDES)" is WDES 4a; 5 being both standards' number, it
    was an unknown reference (helper-96). The cell's word wins over the column's: a
    "Metric 2 (WRES)" is WRES 2."""
    path = tmp_path / "plan.csv"
    path.write_text(
        "Standard / indicator,Action,Lead,Due\n"
        "Indicator 5 (WRES),Bullying campaign,Head of HR,31/03/2026\n"
        "Metric 4a (WDES),Reasonable adjustments,Head of HR,31/03/2026\n"
        "Metric 2 (WRES),Shortlisting audit,Head of OD,31/03/2026\n"
        '"Metric 3 - disabled staff, compared with WRES",Appraisals,Head of HR,31/03/2026\n',
        encoding="utf-8",
    )
    plan = read_source(path).plan
    assert [[(r.label, r.known) for r in a.references] for a in plan.actions] == [
        [("WRES 5", True)],
        [("WDES 4a", True)],
        [("WRES 2", True)],
        # WRES named in passing, not WRES 3: a metric is WDES's, and 3 is both's: for a person
        [("Metric 3 - disabled staff, compared with WRES", False)],
    ]


@pytest.mark.parametrize(
    ("header", "row", "status", "update"),
    [
        # two columns of a field, neither naming a period: the first, as a person reads it
        ("Status,Previous status,Update", "Amber,Green,going", "Amber", "going"),
        ("Current RAG,Target RAG,Update", "R,G,late", "R", "late"),
        ("Status,Progress update,Comments", "G,real update,a comment", "G", "real update"),
        # next quarter's columns laid out, not filled in yet: this quarter's
        ("RAG Q1,Update Q1,RAG Q2,Update Q2", "A,q1 text,,", "A", "q1 text"),
        # the header saying which is now (helper-59, session 16)
        ("Previous RAG,Current RAG,Update", "G,R,late", "R", "late"),
        ("RAG last quarter,RAG this quarter,Update", "G,A,slow", "A", "slow"),
        ("Status,Previous update,Latest update", "G,old,new", "G", "new"),
        ("Target RAG,RAG,Update", "G,A,slow", "A", "slow"),
        # an update's aim is no earlier update; "to date" is "so far" (helper-61)
        ("Status,Progress against target,Comments", "G,on plan,aside", "G", "on plan"),
        ("Status,Progress to date,Notes", "G,so far so good,x", "G", "so far so good"),
    ],
)
def test_columns_of_a_field_not_one_per_period_take_the_first(
    tmp_path, header, row, status, update
):
    """helper-56, session 16: "the rightmost" took Previous status, Target RAG and Comments,
    and next quarter's empty update column."""
    path = tmp_path / "plan.csv"
    body = f"1,Diverse panels,Head of HR,31/03/2030,{row}"
    path.write_text(f"Ref,Action,Owner,Due,{header}\n{body}\n")
    action = read_source(path).plan.actions[0]
    assert (action.status_text, action.updates[0].text) == (status, update)


# --- a Status kept as the cell's colour alone ----------------------------------------------------


def _coloured_status(path: Path) -> Path:
    """A tracker whose Status cells hold no word, only a fill: an RGB green, the theme's
    green lightened 40% (openpyxl's theme: accent3 9BBB59), the old palette's red (index 10),
    a purple, a word over a green fill, and a row highlighted yellow from end to end."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Tracker"
    ws.append(["Ref", "Action", "Action owner", "Deadline", "Status"])
    fills = [
        PatternFill("solid", fgColor="00B050"),
        PatternFill("solid", fgColor=Color(theme=6, tint=0.4)),
        PatternFill("solid", fgColor=Color(indexed=10)),
        PatternFill("solid", fgColor="7030A0"),
        PatternFill("solid", fgColor="00B050"),
        PatternFill("solid", fgColor="FFFF00"),
    ]
    for i, fill in enumerate(fills, 1):
        ws.append(
            [i, f"Action {i}", "EDI Lead", datetime(2026, 3, 31), "At risk" if i == 5 else None]
        )
        ws.cell(i + 1, 5).fill = fill
    for c in range(1, 5):
        ws.cell(7, c).fill = PatternFill("solid", fgColor="FFFF00")
    wb.save(path)
    return path


def test_status_cells_coloured_with_no_word_are_read_as_their_colour(tmp_path):
    read = read_source(_coloured_status(tmp_path / "p.xlsx"))
    assert [a.status_text for a in read.plan.actions] == [
        "On Track",
        "On Track",
        "Exceeded Timescales",
        None,
        "At risk",  # (a word is the status, whatever the colour)
        None,
    ]
    assert [(c.row, c.colour) for c in read.statuses_from_colour] == [
        (2, "00B050"),
        (3, "C3D69B"),
        (4, "FF0000"),
    ]
    assert read.colour_hints == [
        "sheet 'Tracker', row 5: the Status cells are coloured but hold no word (not a green, "
        "amber, red or blue): type G/A/R/B, or On Track, At Risk, Exceeded Timescales, "
        "Complete, in them",
        "sheet 'Tracker', row 7: the Status cells are coloured but hold no word (the action's "
        "whole row has that colour): type G/A/R/B, or On Track, At Risk, Exceeded Timescales, "
        "Complete, in them",
    ]


def test_new_from_says_what_the_reading_did_as_import_does(tmp_path):
    """``new --from`` reads the plan as ``import`` does, and said nothing of the statuses it
    took from the cells' colours (a guess for a person to check) nor of what it tidied."""
    path = _coloured_status(tmp_path / "p.xlsx")
    out = tmp_path / "m.xlsx"
    result = CliRunner().invoke(
        cli, ["new", str(out), "--from", str(path), "--as-at", "15/10/2025"]
    )
    assert "Status read from the cell's colour (the cells hold no word; check each" in (
        result.output
    ), result.output
    assert "    note: Tracker row 2, action 1: green (#00B050), read as On Track" in result.output
    assert "note: sheet 'Tracker', row 5: the Status cells are coloured" in result.output


def test_import_lists_each_status_read_from_a_colour(tmp_path):
    out = tmp_path / "m.xlsx"
    path = _coloured_status(tmp_path / "p.xlsx")
    result = CliRunner().invoke(cli, ["import", str(path), "-o", str(out), "--as-at", "15/10/2025"])
    assert "Status read from the cell's colour (the cells hold no word; check each" in (
        result.output
    )
    assert "    note: Tracker row 2, action 1: green (#00B050), read as On Track" in result.output
    assert "note: sheet 'Tracker', row 5: the Status cells are coloured" in result.output
    ws = load_workbook(out)["Action Plan"]
    assert [ws.cell(r, 9).value for r in range(5, 11)] == [
        "On Track",
        "On Track",
        "Exceeded Timescales",
        None,
        "At Risk",
        None,
    ]
    doc = json.loads(
        CliRunner()
        .invoke(
            cli, ["import", str(path), "-o", str(out), "--as-at", "15/10/2025", "--force", "--json"]
        )
        .output
    )
    assert doc["sources"][0]["status_from_colour"][2] == {
        "id": "3",
        "sheet": "Tracker",
        "row": 4,
        "colour": "#FF0000",
        "status": "Exceeded Timescales",
    }


def test_dates_a_row_records_and_a_revised_due_date(tmp_path):
    """helper-60, session 16: "Date raised" became every action's due date (all overdue),
    "Progress %" the update and the real Update text an extra column; the revised due date
    is the due date now, the original where no revised date is written."""
    path = tmp_path / "tracker.csv"
    path.write_text(
        "Ref,Date raised,Action,Lead,Original due date,Revised due date,Status,Progress %,"
        "Update,Last updated\n"
        "1,01/05/2024,Diverse panels,Head of HR,31/03/2026,30/09/2026,Green,0.25,Panels set,"
        "01/10/2025\n"
        "2,01/05/2024,Reverse mentoring,Chief Nurse,31/12/2025,,Amber,0.5,Pairs matched,"
        "01/10/2025\n",
        encoding="utf-8",
    )
    read = read_source(path)
    got = [(a.id, a.due.date, a.status_text, a.updates[0].text) for a in read.plan.actions]
    assert got == [
        ("1", date(2026, 9, 30), "Green", "Panels set"),
        ("2", date(2025, 12, 31), "Amber", "Pairs matched"),
    ]
    how = {c.header: (c.field, c.how) for c in read.mapping}
    assert how["Date raised"] == (None, "extra") and how["Last updated"] == (None, "extra")
    assert how["Progress %"] == (None, "extra")
    assert how["Revised due date"] == ("due", "header")


def test_a_revised_due_date_saying_no_change_gives_way_to_the_original(tmp_path):
    """Session 17: "No change", "Same", "Unchanged" in the revised due date were unreadable and
    the action had no due date; like a blank one they give way to the original, the words kept
    in an extra column and counted. A real revised date still wins; other words stay flagged."""
    path = tmp_path / "tracker.csv"
    path.write_text(
        "Ref,Action,Lead,Original due date,Revised due date,Status\n"
        "1,Diverse panels,Head of HR,31/03/2026,30/09/2026,Green\n"
        "2,Reverse mentoring,Chief Nurse,31/12/2025,No change,Amber\n"
        "3,Pay gap report,Chief People Officer,30/06/2026,Same,Amber\n"
        "4,Staff networks,Head of EDI,31/12/2025,Unchanged.,Amber\n"
        "5,Exit interviews,Head of HR,31/12/2025,N/A,Amber\n"
        "6,Sexual safety charter,Chief Nurse,31/12/2025,Whenever,Amber\n"
        "7,Board development,Trust Secretary,,No change,Amber\n",
        encoding="utf-8",
    )
    read = read_source(path)
    got = [(a.id, a.due.kind, a.due.date, a.extra["Revised due date"]) for a in read.plan.actions]
    assert got == [
        ("1", DateKind.EXACT, date(2026, 9, 30), None),
        ("2", DateKind.EXACT, date(2025, 12, 31), "No change"),
        ("3", DateKind.EXACT, date(2026, 6, 30), "Same"),
        ("4", DateKind.EXACT, date(2025, 12, 31), "Unchanged."),
        ("5", DateKind.EXACT, date(2025, 12, 31), "N/A"),
        ("6", DateKind.UNREADABLE, None, None),  # no "no change": flagged as before
        ("7", DateKind.UNREADABLE, None, None),  # no original to give way to: flagged
    ]
    assert [a.due.text for a in read.plan.actions][5:] == ["Whenever", "No change"]
    assert read.original_due == 4
    out = tmp_path / "m.xlsx"
    result = CliRunner().invoke(cli, ["import", str(path), "-o", str(out), "--as-at", "15/10/2025"])
    assert (
        '  Revised due dates in words ("No change"): the original taken, the words kept: 4'
        in result.output
    )
    ws = load_workbook(out)["Action Plan"]
    headers = [c.value for c in ws[4]]
    due, revised = headers.index("Due Date") + 1, headers.index("Revised due date") + 1
    assert [(ws.cell(r, due).value, ws.cell(r, revised).value) for r in (6, 7)] == [
        ("31/12/2025", "No change"),
        ("30/06/2026", "Same"),
    ]


def test_a_revised_due_date_saying_no_change_in_more_words_gives_way_too(tmp_path):
    """helper-68: "No change to date", "Not revised - see update", "None required", "N/A -
    complete", "Nil return" stayed unreadable, the original beside them; a date written after
    the words is the revised date."""
    path = tmp_path / "tracker.csv"
    path.write_text(
        "Ref,Action,Lead,Original due date,Revised due date,Status\n"
        "1,Diverse panels,Head of HR,31/03/2026,No change to date,Green\n"
        "2,Reverse mentoring,Chief Nurse,31/12/2025,Not revised - see update,Amber\n"
        "3,Pay gap report,Chief People Officer,30/06/2026,None required,Amber\n"
        "4,Staff networks,Head of EDI,31/12/2025,N/A - complete,Amber\n"
        "5,Exit interviews,Head of HR,31/12/2025,Nil return,Amber\n"
        "6,Sexual safety charter,Chief Nurse,31/12/2025,No change (31/03/2026),Amber\n"
        "7,Board development,Trust Secretary,31/12/2025,Not yet known,Amber\n",
        encoding="utf-8",
    )
    read = read_source(path)
    got = [(a.id, a.due.kind, a.due.date, a.extra["Revised due date"]) for a in read.plan.actions]
    assert got == [
        ("1", DateKind.EXACT, date(2026, 3, 31), "No change to date"),
        ("2", DateKind.EXACT, date(2025, 12, 31), "Not revised - see update"),
        ("3", DateKind.EXACT, date(2026, 6, 30), "None required"),
        ("4", DateKind.EXACT, date(2025, 12, 31), "N/A - complete"),
        ("5", DateKind.EXACT, date(2025, 12, 31), "Nil return"),
        ("6", DateKind.EXACT, date(2026, 3, 31), None),  # the date written is the revised one
        ("7", DateKind.UNREADABLE, None, None),  # not a "no change": flagged as before
    ]
    assert read.original_due == 5


def test_an_action_logs_date_of_update_is_not_its_update(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(
        "Action No,Action,Owner,Due date,Date of update,Update,Status\n"
        "1,Diverse panels,Head of HR,31/03/2026,30/06/2025,Panels agreed,Green\n",
        encoding="utf-8",
    )
    action = read_source(path).plan.actions[0]
    assert action.updates[0].text == "Panels agreed"


def test_a_quarter_begun_by_one_lead_of_ten_is_the_latest_only_where_written(tmp_path):
    """helper-59, session 16: one Q3 RAG typed made Q3 every action's Status (nine blank);
    each row takes the latest quarter it has."""
    path = tmp_path / "plan.csv"
    rows = [
        f"{n},Action {n},Lead {n},31/03/2030,G,q1,A,q2,{'R' if n == 1 else ''},"
        for n in range(1, 11)
    ]
    path.write_text(
        "Ref,Action,Owner,Due,RAG Q1,Update Q1,RAG Q2,Update Q2,RAG Q3,Update Q3\n"
        + "\n".join(rows)
        + "\n",
        encoding="utf-8",
    )
    actions = read_source(path).plan.actions
    assert [(a.status_text, a.updates[0].text) for a in actions] == [("R", "q2")] + [
        ("A", "q2")
    ] * 9


def test_actions_completed_last_quarter_keep_their_status_where_this_quarters_is_blank(
    tmp_path,
):
    """helper-61, session 16: six actions completed in Q1 left Q2 blank, four were updated
    (one to Red): Q1 was taken for all, the Red and the Q2 updates only in extra columns."""
    path = tmp_path / "plan.csv"
    rows = [f"{n},Action {n},Lead {n},31/03/2030,B,done {n},," for n in range(1, 7)]
    rows += [f"{n},Action {n},Lead {n},31/03/2030,G,q1 {n},{'R' if n == 7 else 'A'},q2 {n}"
             for n in range(7, 11)]  # fmt: skip
    path.write_text(
        "Ref,Action,Owner,Due,RAG Q1,Update Q1,RAG Q2,Update Q2\n" + "\n".join(rows) + "\n",
        encoding="utf-8",
    )
    got = [(a.status_text, a.updates[0].text) for a in read_source(path).plan.actions]
    assert got[:6] == [("B", f"done {n}") for n in range(1, 7)]
    assert got[6:] == [("R", "q2 7"), ("A", "q2 8"), ("A", "q2 9"), ("A", "q2 10")]


@pytest.mark.parametrize(
    ("shade", "words"),
    [
        ("BDD7EE", ["Green", None, None, None, None]),  # an input column's pale blue
        ("FFCC99", [None, None, None, None, None]),  # Excel's "Input" style, every cell
    ],
)
def test_a_status_column_shaded_for_input_is_no_status(tmp_path, shade, words):
    """helper-59, session 16: blank Status cells on the column's pale blue shading were read
    as Complete (left out of owner returns), on the Input style's peach as At Risk."""
    wb = Workbook()
    ws = wb.active
    ws.append(["Ref", "Action", "Action owner", "Deadline", "Status"])
    for i, word in enumerate(words, 1):
        ws.append([i, f"Action {i}", "EDI Lead", datetime(2026, 3, 31), word])
        ws.cell(i + 1, 5).fill = PatternFill("solid", fgColor=shade)
    path = tmp_path / "plan.xlsx"
    wb.save(path)
    read = read_source(path)
    assert [a.status_text for a in read.plan.actions] == words
    assert read.statuses_from_colour == []
    assert any("shad" in hint for hint in read.colour_hints), read.colour_hints


def test_sheets_named_for_quarters_give_no_theme(tmp_path):
    """A sheet per quarter is a plan's rounds, not its themes (helper-59, session 16)."""
    path = _sheets(
        tmp_path / "p.xlsx",
        [
            ("Q1", [_HEADER, ["1", "Diverse panels", "HR", "Mar-26", "G"]]),
            ("Q2", [_HEADER, ["2", "Civility", "OD", "Mar-26", "A"]]),
        ],
    )
    read = read_source(path)
    assert [a.theme for a in read.plan.actions] == [None, None]
    assert read.sheet_themes == []


def test_theme_sheets_named_with_their_year_keep_their_themes(tmp_path):
    """helper-61, session 16: "Workforce 2024-25" read as a round, its theme lost."""
    path = _sheets(
        tmp_path / "p.xlsx",
        [
            ("Workforce 2024-25", [_HEADER, ["1", "Diverse panels", "HR", "Mar-26", "G"]]),
            ("Patient care 2024-25", [_HEADER, ["2", "Interpreters", "OD", "Mar-26", "A"]]),
        ],
    )
    assert [a.theme for a in read_source(path).plan.actions] == [
        "Workforce 2024-25",
        "Patient care 2024-25",
    ]


def _printed_over_rows(path: Path, own_milestone: bool) -> Path:
    """Two actions, each printed over three rows: number, owner, date and RAG merged down,
    the action text wrapped a line a row (a plan laid out as its PDF is)."""
    wb = Workbook()
    ws = wb.active
    ws.append(["No.", "Action", "Lead", "Due date", "RAG", "Milestone"])
    lines = [["Launch the", "reasonable adjustments", "passport"], ["Deliver", "training", "now"]]
    for i, words in enumerate(lines):
        top = 2 + 3 * i
        for k, text in enumerate(words):
            ws.cell(top + k, 2, text)
        ws.cell(top, 1, str(i + 1))
        ws.cell(top, 3, "Head of HR")
        ws.cell(top, 4, "31/03/2026")
        ws.cell(top, 5, "A")
        for col in (1, 3, 4, 5):
            ws.merge_cells(start_row=top, start_column=col, end_row=top + 2, end_column=col)
        if own_milestone:
            ws.cell(top + 1, 6, "panel trained")  # a row's own value: not only text
    wb.save(path)
    return path


def test_an_action_printed_over_several_rows_is_one_action(tmp_path):
    """helper-60, session 16: each line of the wrapped text became an action (12 for 4)."""
    read = read_source(_printed_over_rows(tmp_path / "p.xlsx", own_milestone=False))
    assert [(a.id, a.action, a.owner) for a in read.plan.actions] == [
        ("1", "Launch the reasonable adjustments passport", "Head of HR"),
        ("2", "Deliver training now", "Head of HR"),
    ]


def test_a_continuation_row_with_a_value_of_its_own_is_not_joined(tmp_path):
    """A row that holds something of its own (a milestone) is read as before: nothing of it
    dropped by joining its text to the action above."""
    read = read_source(_printed_over_rows(tmp_path / "p.xlsx", own_milestone=True))
    assert read.plan.actions[0].action == "Launch the"  # (not joined past the milestone's row)
    assert "panel trained" in [a.theme for a in read.plan.actions]  # ("Milestone": the theme)


def test_bare_codes_under_an_indicator_or_a_metric_column_of_a_plan_naming_both(tmp_path):
    """WRES's table then WDES's on one sheet: a bare "2" under "Indicator" is WRES 2, under
    "Metric" WDES 2 (helper-60, session 16: unknown references '1', '2', '3')."""
    wb = Workbook()
    ws = wb.active
    ws.append(["WRES Action Plan 2025/26"])
    ws.append(["No.", "Indicator", "Action", "Lead", "Due"])
    ws.append(["1.1", "2", "Shortlisting audit", "Head of HR", "31/03/2026"])
    ws.append([])
    ws.append(["WDES Action Plan 2025/26"])
    ws.append(["No.", "Metric", "Action", "Lead", "Due"])
    ws.append(["2.1", "2", "Disability declaration", "EDI Lead", "31/03/2026"])
    path = tmp_path / "p.xlsx"
    wb.save(path)
    refs = [
        [(r.scheme.value, r.code) for r in a.references] for a in read_source(path).plan.actions
    ]
    assert refs == [[("WRES", "2")], [("WDES", "2")]]


# --- session 17: what importing a plan lost or misread (helper-64) ----------------------------


def test_two_extra_columns_with_one_header_are_both_kept(tmp_path):
    """Two "Notes" columns (and a "Comments" label merged over two columns): the master kept
    one "Notes" column holding the second one's values, the first's lost without a word."""
    path = xlsx(
        tmp_path / "p.xlsx",
        [
            ["Ref", "Action", "Lead", "Due date", "RAG", "Notes", "Notes", "Evidence", None],
            ["1.1", "Diverse panels", "Jim Machon", "31/03/2024", "G", "A1", "B1", "e1", "f1"],
            ["1.2", "Positive action", "Fiona Mac", "30/06/2024", "A", "A2", "B2", "e2", "f2"],
        ],
        merges=("H1:I1",),
    )
    read = read_source(path)
    assert read.plan.actions[0].extra == {
        "Notes (F)": "A1",
        "Notes (G)": "B1",
        "Evidence (H)": "e1",
        "Evidence (I)": "f1",
    }
    assert [c.header for c in read.mapping if c.field is None] == [
        "Notes (F)",
        "Notes (G)",
        "Evidence (H)",
        "Evidence (I)",
    ]
    out = tmp_path / "m.xlsx"
    result = CliRunner().invoke(
        cli,
        ["import", str(path), "-o", str(out), "--as-at", "15/01/2024", "--map", "Notes=extra"],
    )
    listed = [" ".join(line.split()) for line in result.output.splitlines()]
    assert "Notes (F) -> kept as an extra column" in listed, result.output
    assert "Notes (G) -> kept as an extra column" in listed
    assert "no source has a column" not in result.output  # (--map names them as written)


_QUARTER_ROWS = [
    ["1.1", "Diverse panels", "Jim Machon", "31/03/2024", "G", "A", None],
    ["1.2", "Positive action", "Fiona Mac", "30/06/2024", "G", "G", "A"],
    ["1.3", "Reverse mentoring", "Ann Lee", "30/09/2024", "A", None, None],
]


@pytest.mark.parametrize(
    ("label_row", "header_row", "merges"),
    [
        # the label merged over the quarters, in a row of its own
        ([None] * 4 + ["RAG status 2024/25"], ["Ref", "Action", "Lead", "Due date"], ("E1:G1",)),
        # the other headers merged down both rows
        (
            ["Ref", "Action", "Lead", "Due date", "RAG status 2024/25"],
            [None] * 4,
            ("A1:A2", "B1:B2", "C1:C2", "D1:D2", "E1:G1"),
        ),
        # nothing merged: the label over the first quarter
        (["Ref", "Action", "Lead", "Due date", "RAG status 2024/25"], [None] * 4, ()),
    ],
)
def test_a_status_group_over_its_quarters_takes_the_latest(tmp_path, label_row, header_row, merges):
    """ "RAG status 2024/25" over "Q1 | Q2 | Q3": Q1, the oldest, was the Status by its
    content (1.2, G | G | A, came in On Track), Q2 and Q3 kept as extras (helper-64)."""
    path = xlsx(
        tmp_path / "p.xlsx", [label_row, [*header_row, "Q1", "Q2", "Q3"], *_QUARTER_ROWS], merges
    )
    read = read_source(path)
    actions = read.plan.actions
    assert [(a.id, a.status_text) for a in actions] == [("1.1", "A"), ("1.2", "A"), ("1.3", "A")]
    assert actions[1].extra == {"Q1 (RAG status 2024/25)": "G", "Q2 (RAG status 2024/25)": "G"}
    taken = {c.header: (c.field, c.how) for c in read.mapping}
    assert taken["Q3 (RAG status 2024/25)"] == ("status", "header")
    assert read.plan.title is None  # (the label is the header's, not the plan's title)
    assert not read.not_placed


def test_a_title_over_a_table_with_quarter_columns_is_no_group_label(tmp_path):
    """A title row above the header is no label: the quarters stay as they were read."""
    path = xlsx(
        tmp_path / "p.xlsx",
        [
            ["WRES action plan 2024/25"],
            ["Ref", "Action", "Lead", "Due date", "Status", "Q1", "Q2"],
            ["1.1", "Diverse panels", "Jim Machon", "31/03/2024", "G", "x", "y"],
        ],
    )
    read = read_source(path)
    assert read.plan.title == "WRES action plan 2024/25"
    assert read.plan.actions[0].status_text == "G"
    assert read.plan.actions[0].extra == {"Q1": "x", "Q2": "y"}


@pytest.mark.parametrize("label", ["Timescale 2024/25", "Milestones 2024/25"])
def test_a_gantt_label_over_quarters_gives_them_no_field(tmp_path, label):
    """helper-71: "Timescale 2024/25" over "Q1 | Q2 | Q3 | Q4" (X marks) made Q1 the due date
    ("X" unreadable), "Milestones 2024/25" made it the theme: only a status or an update is
    given once per period; the quarters are kept as extra columns, as before."""
    header = ["Ref", "Action", "Lead", "Status", label, None, None, None]
    path = xlsx(
        tmp_path / "p.xlsx",
        [
            header,
            [None] * 4 + ["Q1", "Q2", "Q3", "Q4"],
            ["1.1", "Diverse panels", "Jim Machon", "G", "X", "X", None, None],
            ["1.2", "Pay gap report", "Fiona Mac", "A", None, "Scope", "X", None],
        ],
        ("A1:A2", "B1:B2", "C1:C2", "D1:D2", "E1:H1"),
    )
    read = read_source(path)
    actions = read.plan.actions
    assert [(a.id, a.due.kind, a.theme) for a in actions] == [
        ("1.1", DateKind.EMPTY, None),
        ("1.2", DateKind.EMPTY, None),
    ]
    quarters = [f"Q{q} ({label})" for q in (1, 2, 3, 4)]
    assert [actions[0].extra[q] for q in quarters] == ["X", "X", None, None]
    assert [actions[1].extra[q] for q in quarters] == [None, "Scope", "X", None]


def test_a_link_on_a_name_or_a_key_is_listed_not_added_to_it(tmp_path: Path) -> None:
    """helper-71: the first version put a Lead's mailto: link after the owner's name (a new
    owner, "Jane Smith (mailto:...)") and a Theme's link after the theme (the Summary's themes
    split in two); an address Excel linked as it was typed was written twice. A link on an
    id, a theme or an owner is listed; one the text already says is left out."""
    wb = Workbook()
    ws = wb.active
    ws.append(["Ref", "Theme", "Action", "Lead", "Due date", "Status", "Lead email"])
    ws.append(["1", "Recruitment", "Diverse panels", "Jane Smith", "31/03/2026", "G", None])
    ws.append(["2", "Recruitment", "Pay gap", "Ann Lee", "30/06/2026", "A", "ann.lee@nhs.net"])
    ws["B2"].hyperlink = "https://intranet.example/recruitment"
    ws["D2"].hyperlink = "mailto:jane.smith@nhs.net"
    ws["G3"].hyperlink = "mailto:ann.lee@nhs.net"  # as Excel links a typed address
    path = tmp_path / "plan.xlsx"
    wb.save(path)
    read = read_source(path)
    got = [(a.theme, a.owner, a.extra.get("Lead email")) for a in read.plan.actions]
    assert got == [
        ("Recruitment", "Jane Smith", None),
        ("Recruitment", "Ann Lee", "ann.lee@nhs.net"),
    ]
    listed = [n for n in read.not_placed if "links to" in n]
    assert len(listed) == 2 and any("mailto:jane.smith@nhs.net" in n for n in listed)


def test_a_header_naming_a_column_as_edi_xl_would_is_not_written_over(tmp_path):
    """helper-71: "Notes | Notes | Notes (G)": the second Notes, named "Notes (G)", took the
    third column's name and one column's values were lost."""
    path = xlsx(
        tmp_path / "p.xlsx",
        [
            ["Ref", "Action", "Lead", "Due date", "Status", "Notes", "Notes", "Notes (G)"],
            ["1.1", "Diverse panels", "Jim Machon", "31/03/2025", "G", "n1", "n2", "n3"],
        ],
    )
    extra = read_source(path).plan.actions[0].extra
    assert sorted(extra.values()) == ["n1", "n2", "n3"]


def test_two_group_labels_over_a_header_of_two_rows(tmp_path):
    """ "Lead" over "Name | Email" and "RAG status 2024/25" over "Q1 | Q2 | Q3", the other
    headers merged down both rows: the second header row became an action (id "Ref", owner
    "Name", status "Q2") and the Q1 column was lost (helper-64)."""
    path = xlsx(
        tmp_path / "p.xlsx",
        [
            [
                "Ref",
                "Action",
                "Lead",
                None,
                "Due\nDate",
                "RAG status 2024/25",
                None,
                None,
                "Progress\u00a0update",
            ],
            [None, None, "Name", "Email", None, "Q1", "Q2", "Q3", None],
            [
                "1.1",
                "Diverse panels",
                "Jim Machon",
                "jim@nhs.net",
                "31/03/2024",
                "G",
                "A",
                None,
                "Panels in place",
            ],
            [
                "1.2",
                "Positive action",
                "Fiona Mac",
                "fiona@nhs.net",
                "30/06/2024",
                "G",
                "G",
                "A",
                "Slipping",
            ],
        ],  # fmt: skip
        merges=("A1:A2", "B1:B2", "C1:D1", "E1:E2", "F1:H1", "I1:I2"),
    )
    read = read_source(path)
    assert [(a.id, a.owner, a.status_text, a.updates[0].text) for a in read.plan.actions] == [
        ("1.1", "Jim Machon", "A", "Panels in place"),
        ("1.2", "Fiona Mac", "A", "Slipping"),
    ]
    assert read.plan.actions[0].extra == {
        "Email": "jim@nhs.net",
        "Q1 (RAG status 2024/25)": "G",
        "Q2 (RAG status 2024/25)": "A",
    }
    assert len(read.plan.actions) == 2 and not read.not_placed


def _formula_plan(path: Path, writer: str) -> Path:
    """A plan whose Due date and Lead are formulas, saved with no results: by openpyxl
    (``<v></v>``) or by xlsxwriter (its 0 for a result it was not given)."""
    rows = [
        ["Ref", "Action", "Code", "Lead", "Due date", "RAG"],
        ["1.1", "Diverse panels", "JM", "=VLOOKUP(C2,Owners!A:B,2,0)", "=DATE(2023,12,31)", "G"],
        ["1.2", "Positive action", "FM", "=VLOOKUP(C3,Owners!A:B,2,0)", "=DATE(2024,6,30)", "A"],
    ]
    if writer == "openpyxl":
        xlsx(path, rows)
    else:
        import xlsxwriter

        wb = xlsxwriter.Workbook(str(path))
        ws = wb.add_worksheet("Plan")
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value.startswith("="):
                    ws.write_formula(r, c, value)
                else:
                    ws.write_string(r, c, value)
        wb.close()
    return path


@pytest.mark.parametrize("writer", ["openpyxl", "xlsxwriter"])
def test_formulas_saved_with_no_result_are_read_as_their_text_and_said(tmp_path, writer):
    """A plan last saved by a program that does not calculate: its formulas came in empty,
    blamed on the plan ("There is no due date"; 1.1, due 31/12/2023, not overdue), or as
    xlsxwriter's 0 (Status '0', a due date of 00:00) (helper-64)."""
    path = _formula_plan(tmp_path / "p.xlsx", writer)
    read = read_source(path)
    first = read.plan.actions[0]
    assert first.due.text == "=DATE(2023,12,31)"
    assert first.owner == "=VLOOKUP(C2,Owners!A:B,2,0)"
    assert first.status_text == "G"
    (hint,) = read.formula_hints
    assert hint.startswith("sheet 'Plan': 4 formulas saved with no result")
    assert "E2 =DATE(2023,12,31)" in hint and "open the file in excel, save it" in hint.lower()
    result = CliRunner().invoke(
        cli, ["import", str(path), "-o", str(tmp_path / "m.xlsx"), "--as-at", "15/01/2024"]
    )
    assert result.exit_code == 1
    assert "note: sheet 'Plan': 4 formulas saved with no result" in result.output


def test_formulas_with_their_results_saved_are_read_as_they_show(tmp_path):
    import xlsxwriter

    path = tmp_path / "p.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Plan")
    ws.write_row(0, 0, ["Ref", "Action", "Lead", "Due date", "RAG"])
    ws.write_row(1, 0, ["1.1", "Diverse panels", "Jim Machon"])
    ws.write_formula(1, 3, "=DATE(2023,12,31)", wb.add_format({"num_format": "dd/mm/yyyy"}), 45291)
    ws.write_formula(1, 4, '=IF(D2<TODAY(),"R","G")', None, "R")
    wb.close()
    read = read_source(path)
    action = read.plan.actions[0]
    assert (action.due.date, action.status_text) == (date(2023, 12, 31), "R")
    assert not read.formula_hints


def test_a_formula_worked_out_to_empty_text_is_read_empty(tmp_path):
    """Excel saves the "" an IF works out as an empty text result, ``t="str"`` and ``<v/>``:
    that is a result, read as the empty cell Excel shows, not the formula's text (the first
    version read every such cell as its formula, and said the plan had formulas with no
    result)."""
    import xlsxwriter

    path = tmp_path / "p.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Plan")
    ws.write_row(0, 0, ["Ref", "Action", "Lead", "Due date", "RAG", "Days overdue"])
    ws.write_row(1, 0, ["1.1", "Diverse panels", "Jim Machon", "31/12/2023", "Green"])
    ws.write_formula(1, 5, '=IF(D2<TODAY(),"late","")', None, "")
    wb.close()
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    assert b'<c r="F2"><f>' in parts[sheet] and b"<v></v>" in parts[sheet]
    excel = parts[sheet].replace(b'<c r="F2"><f>', b'<c r="F2" t="str"><f>')
    parts[sheet] = excel.replace(b"<v></v>", b"<v/>")  # as Excel writes it
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    read = read_source(path)
    assert read.plan.actions[0].extra.get("Days overdue") in (None, "")
    assert not read.formula_hints


def test_a_totals_row_labelled_in_the_action_column_is_no_action(tmp_path):
    """ "Total" in the Action column and a count beside it (=COUNTA(E2:E3), its result saved):
    it became an action with a made-up id and Status "2" (helper-64): the import's reader
    did not know which cells were formulas."""
    import xlsxwriter

    path = tmp_path / "p.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Plan")
    ws.write_row(0, 0, ["Ref", "Action", "Lead", "Due date", "RAG"])
    ws.write_row(1, 0, ["1.1", "Diverse panels", "Jim Machon", "31/03/2024", "Green"])
    ws.write_row(2, 0, ["1.2", "Positive action", "Fiona Mac", "30/06/2024", "Amber"])
    ws.write(4, 1, "Total")
    ws.write_formula(4, 4, "=COUNTA(E2:E3)", None, 2)
    wb.close()
    assert [a.id for a in read_source(path).plan.actions] == ["1.1", "1.2"]


@pytest.mark.parametrize("label", ["Total", "Totals", "Total actions"])
def test_an_excel_tables_total_row_is_no_action(tmp_path, label):
    """A plan kept as an Excel table with its Total Row ticked, labelled in the Action column
    ("Total actions", a count under Lead): it became action 1.4, owner "0" (helper-64)."""
    import xlsxwriter

    path = tmp_path / "p.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Plan")
    data = [
        ["1.1", "Diverse panels", "Jim Machon", "31/03/2024", "Green"],
        ["1.2", "Positive action", "Fiona Mac", "30/06/2024", "Blue"],
    ]
    columns = [
        {"header": "Ref"},
        {"header": "Action", "total_string": label},
        {"header": "Lead", "total_function": "count"},
        {"header": "Due date"},
        {"header": "RAG"},
    ]
    ws.add_table(0, 0, 3, 4, {"total_row": True, "data": data, "columns": columns})
    wb.close()
    read = read_source(path)
    assert [a.id for a in read.plan.actions] == ["1.1", "1.2"]
    assert not read.not_placed


def test_a_link_on_a_cell_comes_in_after_its_text(tmp_path: Path) -> None:
    """helper-64: a Status "Complete" that links to the evidence (Insert > Link) came in as
    its text, the address dropped without a word. As a merge does: a Status's or a date's link
    goes after the update's text, any other cell's after its own; with no update column the
    import lists it."""
    wb = Workbook()
    ws = wb.active
    ws.append(["Ref", "Action", "Lead", "Due date", "Status", "Update", "Notes"])
    ws.append(["1", "Diverse panels", "Head of HR", "31/03/2026", "Complete", "Done", "Policy"])
    ws.append(["2", "Pay gap report", "Chief Nurse", "30/06/2026", "On track", "Drafted", None])
    ws["E2"].hyperlink = "https://intranet.example/evidence.pdf"
    ws["G2"].hyperlink = "https://intranet.example/policy"
    ws["F3"].hyperlink = "https://intranet.example/draft.docx"
    path = tmp_path / "plan.xlsx"
    wb.save(path)
    read = read_source(path)
    got = [(a.status_text, a.current_update.text, a.extra.get("Notes")) for a in read.plan.actions]
    assert got == [
        (
            "Complete",
            "Done (https://intranet.example/evidence.pdf)",
            "Policy (https://intranet.example/policy)",
        ),
        ("On track", "Drafted (https://intranet.example/draft.docx)", None),
    ]
    ws.delete_cols(6)  # no update column: the Status's link is listed, not lost
    wb.save(path)
    read = read_source(path)
    assert read.plan.actions[0].status_text == "Complete"
    assert any("https://intranet.example/evidence.pdf" in n for n in read.not_placed)
