"""The board paper (edi-xl report) and the trend across rounds.

The paper is read back with python-docx and every figure compared with `edi-xl summary --json`
for the same master and date: on the seed master (17 actions) and on a 300-action master with
three rounds of history, merged from owner returns as HR would. The trend is checked against
copies of the master saved at the end of each round (what the figures really were then), and
LibreOffice recalculates the Summary sheet's trend table to the same numbers.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import trust_layout_book
from docx import Document
from docx.oxml.ns import qn
from libreoffice import convert, pdf_pages_text, poppler_missing, soffice_path
from openpyxl import Workbook, load_workbook

from edi_xl.cli import cli
from edi_xl.flows.refresh import new_master, summarise_master
from edi_xl.master.summary_sheet import CHART_NAMES, SUMMARY
from edi_xl.tables.reader import read_plan

COLOURS = ("Green", "Amber", "Red", "Blue")


@pytest.fixture
def lo() -> None:
    """Skip (fail under CI) when LibreOffice or poppler-utils are not installed."""
    if soffice_path() is not None and not poppler_missing():
        return
    reason = "LibreOffice or poppler-utils not installed (see .ci/run)"
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        pytest.fail(reason)
    pytest.skip(reason)


def summary_json(master: Path, *extra: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["summary", str(master), "--json", *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def report(master: Path, out: Path, *extra: str) -> Path:
    result = CliRunner().invoke(cli, ["report", str(master), "-o", str(out), *extra])
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert out.exists()
    return out


# --- reading the paper back --------------------------------------------------------------------


def sections(docx: Path) -> dict[str, list[Any]]:
    """Heading text -> what follows it up to the next heading: paragraphs' text and tables
    (as lists of rows of cell text, the header row first)."""
    doc = Document(str(docx))
    out: dict[str, list[Any]] = {}
    current = "(front)"
    out[current] = []
    tables = iter(doc.tables)
    for child in doc.element.body.iterchildren():
        if child.tag == qn("w:p"):
            style = child.find(qn("w:pPr"))
            name = ""
            if style is not None and style.find(qn("w:pStyle")) is not None:
                name = style.find(qn("w:pStyle")).get(qn("w:val"))
            text = "".join(t.text or "" for t in child.iter(qn("w:t")))
            if name.startswith("Heading"):
                current = text
                out[current] = []
            elif text.strip():
                out[current].append(text)
        elif child.tag == qn("w:tbl"):
            table = next(tables)
            out[current].append([[c.text for c in row.cells] for row in table.rows])
    return out


def section(found: dict[str, list[Any]], prefix: str) -> list[Any]:
    matches = [k for k in found if k.startswith(prefix)]
    assert len(matches) == 1, (prefix, list(found))
    return found[matches[0]]


def only_table(items: list[Any]) -> list[list[str]]:
    tables = [i for i in items if isinstance(i, list)]
    assert len(tables) == 1, items
    return tables[0]


def rag_rows(table: list[list[str]]) -> list[list[Any]]:
    assert table[0][1:] == [*COLOURS, "Total"]
    return [[row[0], *(int(v) for v in row[1:])] for row in table[1:]]


def assert_paper_matches(docx: Path, figures: dict[str, Any]) -> None:
    """Every figure of the paper equals the summary's."""
    found = sections(docx)
    rag = figures["rag"]
    summary_text = " ".join(section(found, "1. Executive summary"))

    def are(n: int) -> str:
        return f"{n} {'is' if n == 1 else 'are'}"

    red = rag["Red"]
    assert summary_text.startswith(
        f"Of {figures['actions']} actions, {are(rag['Green'])} on track (Green), "
        f"{are(rag['Amber'])} at risk (Amber), {red} "
        f"{'has exceeded its' if red == 1 else 'have exceeded their'} timescales (Red) and "
        f"{are(rag['Blue'])} complete (Blue)."
    )
    overall = only_table(section(found, "2.1 All actions"))
    assert overall[0] == ["RAG status", "Status word", "Actions"]
    got = {row[0]: int(row[2]) for row in overall[1:]}
    assert {c: got[c] for c in COLOURS} == {c: rag[c] for c in COLOURS}
    assert got["Total"] == figures["actions"]
    assert got.get("No RAG status", 0) == rag["no_status"]
    assert [r[1] for r in overall[1:5]] == [figures["status_words"][c] for c in COLOURS]

    themes = rag_rows(only_table(section(found, "2.2 By theme")))
    assert themes == [
        [t["label"], *(t[c] for c in COLOURS), t["total"]] for t in figures["by_theme"]
    ]
    trend = rag_rows(only_table(section(found, "2.3 Trend")))
    assert trend == [[p["label"], *(p[c] for c in COLOURS), p["total"]] for p in figures["trend"]]

    overdue = section(found, f"3.1 Overdue actions ({len(figures['overdue'])})")
    if figures["overdue"]:
        rows = only_table(overdue)[1:]
        assert [(r[0], r[4]) for r in rows] == [
            (a["id"], str(a["days_overdue"])) for a in figures["overdue"]
        ]
    at_risk = section(found, f"3.2 At risk: Amber ({rag['Amber']})")
    if rag["Amber"]:
        assert len(only_table(at_risk)) == 1 + rag["Amber"]
        assert all(row[4].startswith("Amber: ") for row in only_table(at_risk)[1:])
    due = section(found, "3.3 Due in the next")
    assert f"({len(figures['due_soon'])})" in [k for k in found if k.startswith("3.3")][0]
    if figures["due_soon"]:
        assert [r[0] for r in only_table(due)[1:]] == [a["id"] for a in figures["due_soon"]]
    blue = figures["changes"]["newly_blue"]
    done = section(found, f"4. Completed this round ({len(blue)})")
    if blue:
        assert [r[0] for r in only_table(done)[1:]] == [c["id"] for c in blue]
    gaps = section(found, f"5. Coverage gaps ({len(figures['gaps'])})")
    if figures["gaps"]:
        assert [r[0] for r in only_table(gaps)[1:]] == figures["gaps"]
    appendix = only_table(section(found, f"Appendix A. The full action plan ({figures['actions']}"))
    assert len(appendix) == 1 + figures["actions"]
    appendix_colours = [row[5].split(":")[0] for row in appendix[1:]]
    for c in COLOURS:
        assert appendix_colours.count(c) == rag[c]


# --- the demo (seed 000) master --------------------------------------------------------------


def test_paper_of_the_seed_master_equals_summary_json(master: Path, tmp_path: Path) -> None:
    figures = summary_json(master)
    docx = report(master, tmp_path / "paper.docx")
    assert_paper_matches(docx, figures)
    # the seed's two overdue actions, worked out by hand (README: 2 overdue by 18 days)
    assert [(a["id"], a["days_overdue"]) for a in figures["overdue"]] == [("1.9", 18), ("6.3", 18)]
    assert [(p["label"], p["Green"], p["Red"]) for p in figures["trend"]] == [
        ("18 Sep 2023", 17, 0),
        ("18 Dec 2023 (now)", 15, 2),
    ]
    text = " ".join(section(sections(docx), "1. Executive summary"))
    assert "Of 17 actions, 15 are on track (Green)" in text
    assert "2 actions have passed their due date: 1.9 " in text


def test_a_red_not_yet_due_is_said_beside_the_overdue_count(master: Path, tmp_path: Path) -> None:
    """2.1 typed Red, its due date to come: the paper counts 3 Red and 2 overdue, and says
    why the two differ (helper-57, session 16: nothing in the paper said it)."""
    wb = load_workbook(master)
    ws = wb["Action Plan"]
    status = next(c.column for c in ws[4] if c.value == "Status")
    row = next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value == "2.1")
    ws.cell(row, status).value = "Exceeded Timescales"
    wb.save(master)
    text = " ".join(section(sections(report(master, tmp_path / "paper.docx")), "1. Executive"))
    assert "2 have exceeded their timescales" not in text and "3 have exceeded" in text
    assert "2 actions have passed their due date" in text
    assert "1 action marked Red has not yet passed its due date." in text


def test_report_at_another_date_uses_that_date_and_leaves_the_master(
    master: Path, tmp_path: Path
) -> None:
    before = master.read_bytes()
    figures = summary_json(master, "--as-at", "2024-04-02")
    docx = report(master, tmp_path / "later.docx", "--as-at", "02/04/2024")
    assert_paper_matches(docx, figures)
    assert figures["as_at"] == "2024-04-02" and len(figures["overdue"]) > 2
    assert master.read_bytes() == before


def test_front_sheet_reads_the_settings_rows(master: Path, tmp_path: Path) -> None:
    wb = load_workbook(master)
    ws = wb["Settings"]
    rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    values = {
        "Meeting": "People Committee",
        "Meeting date": datetime(2024, 1, 11),
        "Report author": "Jo Bloggs, Head of EDI",
        "Executive lead": "Sam Smith, Chief People Officer",
        "Trust name": "Example NHS Trust",
    }
    for label, value in values.items():
        ws.cell(rows[label], 2).value = value
    wb.save(master)
    result = CliRunner().invoke(cli, ["report", str(master), "-o", str(tmp_path / "p.docx")])
    assert result.exit_code == 0 and "Note:" not in result.output
    front = section(sections(tmp_path / "p.docx"), "(front)")
    assert front[0] == "Example NHS Trust"
    assert "Meeting: People Committee" in front
    assert "Date of meeting: 11 January 2024" in front
    assert "Report author: Jo Bloggs, Head of EDI" in front
    assert "Executive lead: Sam Smith, Chief People Officer" in front
    assert "Purpose: For assurance" in front
    recommendation = section(sections(tmp_path / "p.docx"), "Recommendation")
    assert recommendation[0].startswith("The People Committee is asked to note the position")


def paper_data(master: Path) -> Any:
    """What `edi-xl report` makes its paper from, for ``master`` at its as-at date."""
    from edi_xl.flows.refresh import refresh_book
    from edi_xl.flows.report.paper import PaperData
    from edi_xl.master.plan import load_master, read_master_plan

    wb = load_master(master, remakes_summary=True, log_as_values=True)
    result = refresh_book(wb, None, path=master.name)
    settings = read_master_plan(wb, master.name).settings
    return PaperData(result.summary, result.plan, {}, settings)


@pytest.mark.parametrize(
    ("meeting", "asked"),
    [
        ("People Committee", "The People Committee"),
        ("the Trust Board", "The Trust Board"),
        ("People, Culture & Workforce Committee", "The People, Culture & Workforce Committee"),
        (
            "People, Culture & Workforce Committee (a committee of the Trust Board), meeting in "
            "public, Part 1 — extraordinary session",
            "The People, Culture & Workforce Committee",
        ),
        ("Board of Directors — Part 1", "The Board of Directors"),
        # a date after a comma: where the name ends (helper-108); a colon may come before
        # the name (helper-109)
        ("People Committee, 12 March 2024", "The People Committee"),
        ("Item 7: People Committee", "The Item 7: People Committee"),
        ("THE PEOPLE COMMITTEE", "THE PEOPLE COMMITTEE"),
        (
            "Joint meeting of the Trust Boards of the four acute trusts of the integrated care "
            "system in common",
            "The Committee",
        ),
        (None, "The Committee"),
    ],
)
def test_the_recommendation_reads_as_a_sentence(master: Path, meeting: str, asked: str) -> None:
    """The Meeting is the subject, with "The" and without its aside; a plural agrees with the
    count ("the 1 action that has passed its due date")."""
    from dataclasses import replace

    from edi_xl.flows.report.paper import recommendation

    data = paper_data(master)
    data = replace(data, settings=replace(data.settings, meeting=meeting))
    assert len(data.summary.overdue) == 2
    assert recommendation(data).startswith(f"{asked} is asked to note the position")
    assert recommendation(data).endswith("the 2 actions that have passed their due date.")
    one = replace(data, summary=replace(data.summary, overdue=data.summary.overdue[:1]))
    assert recommendation(one).endswith("the 1 action that has passed its due date.")


def test_missing_settings_rows_are_named(master: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["report", str(master), "-o", str(tmp_path / "p.docx")])
    assert result.exit_code == 0
    assert "Note: the Settings sheet has no 'Meeting'" in result.output
    front = section(sections(tmp_path / "p.docx"), "(front)")
    assert "Meeting: To be completed (Settings sheet)" in front


def test_a_paper_open_in_word_is_not_replaced(master: Path, tmp_path: Path) -> None:
    """Word names its owner file with the first two characters of a long name cut
    ("~$ard paper.docx" for "Board paper.docx"): it was not looked for, and the paper open
    in Word was replaced under it (Word would save its own copy over it later)."""
    paper = report(master, tmp_path / "Board paper.docx")
    before = paper.read_bytes()
    owner = bytes([3]) + b"Sam".ljust(53, b"\0") + bytes([3, 0]) + "Sam".encode("utf-16-le")
    lock = tmp_path / "~$ard paper.docx"
    lock.write_bytes(owner.ljust(162, b"\0"))
    result = CliRunner().invoke(cli, ["report", str(master), "-o", str(paper)])
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert "the document is open in Word or LibreOffice by Sam" in said, said
    assert paper.read_bytes() == before
    lock.unlink()
    assert report(master, paper).read_bytes() != b""


def test_default_paper_sits_next_to_the_master(master: Path) -> None:
    result = CliRunner().invoke(cli, ["report", str(master)])
    assert result.exit_code == 0, result.output
    made = master.with_name("master board report 2023-12-18.docx")
    assert made.exists() and str(made.resolve()) in result.output


def test_a_missing_master_is_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["report", str(tmp_path / "nope.xlsx")])
    assert result.exit_code == 2 and "nope.xlsx" in result.output


# --- accessible by construction ----------------------------------------------------------------


def test_the_paper_is_accessible_by_construction(master: Path, tmp_path: Path) -> None:
    docx = report(master, tmp_path / "paper.docx")
    doc = Document(str(docx))
    assert doc.tables
    for table in doc.tables:  # a header row, repeated on every page
        first = table.rows[0]._tr
        marks = first.findall(f"{qn('w:trPr')}/{qn('w:tblHeader')}")
        assert marks and marks[0].get(qn("w:val")) in (None, "true", "1")
        for row in table.rows[1:]:
            assert row._tr.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is None
    pictures = doc.element.body.findall(".//" + qn("wp:inline"))
    assert len(pictures) == 3  # RAG overall, by theme, trend
    for inline in pictures:
        doc_pr = inline.find(qn("wp:docPr"))
        descr = doc_pr.get("descr") or ""
        assert len(descr) > 40 and all(c in descr for c in COLOURS), descr
    styles = [p.style.name for p in doc.paragraphs]
    assert styles.count("Title") == 1
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings[:2] == ["Recommendation", "1. Executive summary"]
    assert "Heading 2" in styles
    assert doc.styles["Normal"].font.size.pt >= 12
    for p in doc.paragraphs:  # no body text below 11 pt
        for run in p.runs:
            assert run.font.size is None or run.font.size.pt >= 11, run.text
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                for run in (r for p in cell.paragraphs for r in p.runs):
                    assert run.font.size is None or run.font.size.pt >= 11
    # RAG never by colour alone: every shaded RAG cell says its colour in words
    fills = {"C6EFCE": "Green", "FFEB9C": "Amber", "FFC7CE": "Red", "BDD7EE": "Blue"}
    shaded = 0
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                shd = cell._tc.find(f"{qn('w:tcPr')}/{qn('w:shd')}")
                if shd is not None and shd.get(qn("w:fill")) in fills:
                    shaded += 1
                    assert fills[shd.get(qn("w:fill"))] in cell.text, cell.text
    assert shaded > 17
    assert doc.core_properties.title and doc.core_properties.language == "en-GB"


def test_a_long_action_is_cut_in_the_exceptions_and_the_summary_names_five_overdue(
    tmp_path: Path,
) -> None:
    """A 2,000-character action filled three pages of the exception tables: there it is cut at
    a word near 200 characters with a pointer to Appendix A, where it is whole; the executive
    summary names the five longest overdue and says how many more 3.1 lists."""
    long_action = " ".join(
        f"Part {i}: deliver reverse mentoring and inclusive recruitment panels." for i in range(30)
    )
    assert len(long_action) > 2000
    wb, ws = trust_layout_book("Long actions EDI plan", ("Update as at 31 Mar 24",))
    for i in range(8):
        ws.append(
            [f"1.{i + 1}", "Data", long_action if i == 0 else f"Action {i}", "WRES 1", "Race",
             "Owner", date(2023, 4, 1), date(2024, 1, 1 + i), "On Track", f"Update {i}"]
        )  # fmt: skip
    wb.save(tmp_path / "plan.xlsx")
    master = tmp_path / "master.xlsx"
    new_master(master, read_plan(tmp_path / "plan.xlsx"), ROUNDS[0])
    figures = summary_json(master)
    assert len(figures["overdue"]) == 8
    found = sections(report(master, tmp_path / "paper.docx"))
    overdue = only_table(section(found, "3.1 Overdue actions (8)"))
    shown = next(row[1] for row in overdue if row[0] == "1.1")
    assert shown.endswith("… (in full in Appendix A)") and len(shown) <= 230
    assert long_action.startswith(shown.removesuffix("… (in full in Appendix A)"))
    appendix = only_table(section(found, "Appendix A."))
    assert next(row[2] for row in appendix if row[0] == "1.1") == long_action
    summary = " ".join(section(found, "1. Executive summary"))
    named = [a["id"] for a in figures["overdue"][:5]]
    assert "8 actions have passed their due date: " + named[0] in summary
    assert all(f"{i} Action" in summary or i == "1.1" for i in named)
    assert "and 3 more (see 3.1)." in summary
    assert all(f"{a['id']} Action" not in summary for a in figures["overdue"][5:])
    assert_paper_matches(tmp_path / "paper.docx", figures)


def test_a_master_with_no_actions_says_so_with_no_empty_tables_or_charts(tmp_path: Path) -> None:
    """A new master before its actions are added: the paper says plainly that the plan holds
    none, not "Of 0 actions, 0 are on track", and has no table of noughts, no table that is
    a header alone and no empty chart; the coverage gaps (every one) are still listed."""
    master = tmp_path / "empty.xlsx"
    new_master(master, None, ROUNDS[0])
    docx = report(master, tmp_path / "paper.docx")
    found = sections(docx)
    summary = section(found, "1. Executive summary")
    assert summary[0].startswith("The plan holds no actions yet")
    assert not any("Of 0 actions" in p for p in summary)
    assert section(found, "2. RAG position") == [summary[0]]
    assert not [k for k in found if k.startswith(("2.1", "2.2", "2.3"))]
    assert section(found, "Appendix A.") == [summary[0]]
    assert section(found, "Recommendation")[0].startswith(
        "The Committee is asked to note that the equality, diversity and inclusion action plan "
        "holds no actions yet as at 31 March 2024."
    )
    doc = Document(str(docx))
    assert [len(t.rows) for t in doc.tables] == [1 + len(summary_json(master)["gaps"])]
    assert not doc.inline_shapes  # no chart


# --- 300 actions, three rounds -----------------------------------------------------------------

ROUNDS = (date(2024, 3, 31), date(2024, 6, 30), date(2024, 9, 30))
#: HR merges a few days after each round's date: the Change Log's time is not the round's.
MERGED = (datetime(2024, 4, 3, 9), datetime(2024, 7, 4, 15), datetime(2024, 10, 2, 11))
THEMES = ("Recruitment", "Bullying and harassment", "Career progression", "Board", "Data")
REFS = ("WRES 1", "WRES 2", "WDES 4", "HIA 3", "WRES 7", "WDES 9a", "HIA 6")


def _status(i: int, round_: int) -> str:
    """The status an owner gives action i in a round: some finish, some slip, some recover."""
    if round_ == 0:
        return ("On Track", "On Track", "At Risk", "Complete", "G")[i % 5]
    if i % 5 == 3:  # complete stays complete
        return "Complete"
    if round_ == 1:
        return ("On Track", "Complete", "At Risk", "", "Amber")[i % 5]
    return ("Complete", "Complete", "On Track", "", "At Risk")[i % 5]


def build_big_plan(path: Path) -> Path:
    wb, ws = trust_layout_book("Big Trust EDI action plan", ("Update as at 31 Mar 24",))
    for i in range(300):
        due = date(2024, 1 + (i * 7) % 12, 1 + i % 27).replace(year=2024 + (i % 3) // 2)
        ws.append(
            [
                f"{1 + i // 20}.{1 + i % 20}",
                THEMES[i % len(THEMES)],
                f"Action {i}: make the recruitment of staff fairer, step {i}",
                REFS[i % len(REFS)],
                "Race",
                f"Owner {i % 30}",
                date(2023, 4, 1),
                due,
                _status(i, 0),
                f"Round 1 update for action {i}",
            ]
        )
    wb.save(path)
    return path


def write_return(path: Path, plan_ids: list[str], round_: int) -> Path:
    """One owner return covering every action: #, Status, Update."""
    wb = Workbook()
    ws = wb.active
    ws.append(["#", "Status", "Update"])
    for i, action_id in enumerate(plan_ids):
        status = _status(i, round_)
        ws.append([action_id, status or None, f"Round {round_ + 1} update for action {i}"])
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The master after three rounds, and copies saved at the end of each round."""
    from edi_xl.flows.merge import merge_returns

    folder = tmp_path_factory.mktemp("big")
    source = build_big_plan(folder / "plan.xlsx")
    plan = read_plan(source)
    ids = [a.id for a in plan.actions]
    master = folder / "master.xlsx"
    new_master(master, plan, ROUNDS[0], now=MERGED[0])
    copies = [shutil.copy2(master, folder / "round1.xlsx")]
    for r in (1, 2):
        returns = folder / f"returns{r}"
        returns.mkdir()
        write_return(returns / f"all owners round {r + 1}.xlsx", ids, r)
        merge_returns(master, [returns], as_at=ROUNDS[r], now=MERGED[r])
        copies.append(shutil.copy2(master, folder / f"round{r + 1}.xlsx"))
    return {"master": master, "copies": [Path(c) for c in copies], "folder": folder}


def test_big_master_trend_is_what_each_round_showed_at_its_end(big: dict[str, Any]) -> None:
    figures = summary_json(big["master"])
    assert figures["actions"] == 300
    assert [p["as_at"] for p in figures["trend"]] == [d.isoformat() for d in ROUNDS]
    then = [summarise_master(copy).to_dict()["rag"] for copy in big["copies"]]
    for point, rag in zip(figures["trend"], then, strict=True):
        assert [point[c] for c in COLOURS] == [rag[c] for c in COLOURS]
        assert point["no_status"] == rag["no_status"]
    # the rounds really moved: the trend is not flat
    assert len({tuple(p[c] for c in COLOURS) for p in figures["trend"]}) == 3
    assert figures["trend"][-1]["current"] and not figures["trend"][0]["current"]
    # completed this round = newly Blue since the previous round = the trend's step in Blue,
    # counted by action
    assert figures["changes_since"] == ROUNDS[1].isoformat()
    newly = {c["id"] for c in figures["changes"]["newly_blue"]}
    blue_then = _blue_ids(big["copies"][1])
    blue_now = _blue_ids(big["master"])
    assert newly == blue_now - blue_then and newly


def _blue_ids(path: Path) -> set[str]:
    plan = read_plan(path)
    return {a.id for a in plan.actions if (a.status_text or "") == "Complete"}


def test_big_master_paper_equals_summary_json(big: dict[str, Any]) -> None:
    figures = summary_json(big["master"])
    docx = report(big["master"], big["folder"] / "big paper.docx")
    assert_paper_matches(docx, figures)


def test_big_master_summary_sheet_trend_table_and_chart_names(big: dict[str, Any]) -> None:
    figures = summary_json(big["master"])
    wb = load_workbook(big["master"])
    ws = wb[SUMMARY]
    rows = trend_rows(ws)
    assert [r[0] for r in rows] == [p["label"] for p in figures["trend"]]
    for (_, *cells), point in zip(rows[:-1], figures["trend"][:-1], strict=True):
        assert cells == [point[c] for c in COLOURS] + [cells[-1]]
    last = rows[-1]
    assert all(isinstance(v, str) and v.startswith("=") for v in last[1:])  # live formulas
    names, per_colour = CHART_NAMES["Trend"]
    first_row = trend_first_row(ws)
    span = f"{first_row}:$A${first_row + len(rows) - 1}"
    assert wb.defined_names[names].attr_text == f"Summary!$A${span}"
    assert wb.defined_names[per_colour[next(iter(per_colour))]].attr_text.startswith("Summary!$D$")
    charts = ws._charts
    assert len(charts) == 3 and charts[2].type == "col" and charts[2].grouping == "stacked"
    assert [s.val.numRef.f for s in charts[2].series] == [
        f"[0]!EdiXlSummaryTrend{c}" for c in COLOURS
    ]
    with zipfile.ZipFile(big["master"]) as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/"))
    assert "Summary!$" not in xml


def test_an_undated_import_line_is_of_the_round_a_later_line_names() -> None:
    """A master imported by an older version: its import's lines say "imported from
    plan.xlsx", no date. They belong to the first round a later line names (the round the
    import's master was in, named by the refresh, round or merge that followed), not to the
    day the command ran nor to the master's first update column (a plan imported with last
    round's column: helper-108); with no later line naming one, to the day they were
    written, as before."""
    from edi_xl.core.summary import line_dates

    imported = datetime(2024, 6, 1, 9)
    lines = [
        [imported, "1.1", "Status", "On Track", "Exceeded Timescales", "imported from plan.xlsx"],
        [datetime(2024, 6, 2, 9), "1.2", "Status", "On Track", "At Risk",
         "merge as at 18 Dec 2023"],
        [datetime(2024, 6, 3, 9), "1.3", "Status", "On Track", "At Risk",
         "merge as at 18 Mar 2024"],
    ]  # fmt: skip
    assert line_dates(lines) == [date(2023, 12, 18), date(2023, 12, 18), date(2024, 3, 18)]
    assert line_dates(lines[:1]) == [imported.date()]


def test_an_import_as_at_an_earlier_date_is_its_round_in_the_trend(tmp_path: Path) -> None:
    """README's own example: a plan imported as at an earlier date (the clock is later than
    every round), then a round and a merge. The import's Change Log lines belong to its date,
    not the day the command ran: the trend is what `summary --json` said at each round's end,
    and "newly Red" counts only this round's."""
    from edi_xl.flows.importer import import_plans
    from edi_xl.flows.merge import merge_returns
    from edi_xl.flows.rounds import start_round

    wb, ws = trust_layout_book("Imported EDI action plan", ())
    for i in range(10):
        due = date(2024, 1, 31) if i < 4 else date(2025, 6, 30)  # 4 overdue at the import
        ws.append(
            [
                f"1.{i + 1}",
                "Data",
                f"Action {i}",
                "WRES 1",
                "Race",
                f"Owner {i}",
                date(2023, 4, 1),
                due,
                "On Track",
                f"Update {i}",
            ]
        )
    wb.save(tmp_path / "plan.xlsx")
    master = tmp_path / "master.xlsx"
    import_plans([tmp_path / "plan.xlsx"], master, as_at=ROUNDS[0])  # now: today's clock
    then = [summary_json(master)["rag"]]
    assert then[0]["Red"] == 4  # the overdue rule's, at the import
    start_round(master, ROUNDS[1], now=MERGED[1])
    returns = tmp_path / "returns"
    returns.mkdir()
    back = Workbook()
    back.active.append(["#", "Status", "Update"])
    back.active.append(["1.5", "Off Track", "Slipped"])
    back.active.append(["1.6", "Complete", "Done"])
    back.save(returns / "owners.xlsx")
    merge_returns(master, [returns], as_at=ROUNDS[1], now=MERGED[1])
    figures = summary_json(master)
    then.append(figures["rag"])
    assert [p["as_at"] for p in figures["trend"]] == [d.isoformat() for d in ROUNDS[:2]]
    for point, rag in zip(figures["trend"], then, strict=True):
        assert [point[c] for c in COLOURS] + [point["no_status"]] == [rag[c] for c in COLOURS] + [
            rag["no_status"]
        ]
    assert [c["id"] for c in figures["changes"]["newly_red"]] == ["1.5"]
    assert [c["id"] for c in figures["changes"]["newly_blue"]] == ["1.6"]
    docx = report(master, tmp_path / "paper.docx")
    trend = rag_rows(only_table(section(sections(docx), "2.3 Trend")))
    assert trend == [[p["label"], *(p[c] for c in COLOURS), p["total"]] for p in figures["trend"]]
    assert "1 action was completed, 1 action became Red and 0 actions moved back" in " ".join(
        section(sections(docx), "1. Executive summary")
    )


def test_a_round_with_no_column_of_its_own_is_a_round_in_the_trend(tmp_path: Path) -> None:
    """A master made as at 31 Mar 2024 from a plan whose last update column is December's,
    then its next round started with no return merged in March: March was a round (`round`
    says the new one follows it; its paper showed its Reds), so the trend has it and the
    changes since the previous round are those since March, not December."""
    from edi_xl.flows.rounds import start_round

    wb, ws = trust_layout_book("EDI action plan", ("Update as at 18 Dec 23",))
    dues = [date(2024, 1, 31)] * 2 + [date(2024, 5, 31)] * 3 + [date(2025, 6, 30)] * 5
    for i, due in enumerate(dues):
        ws.append(
            [f"1.{i + 1}", "Data", f"Action {i}", "WRES 1", "Race", f"Owner {i}"]
            + [date(2023, 4, 1), due, "On Track", f"Update {i}"]
        )
    wb.save(tmp_path / "plan.xlsx")
    master = tmp_path / "master.xlsx"
    made = CliRunner().invoke(
        cli,
        ["new", str(master), "--from", str(tmp_path / "plan.xlsx"), "--as-at", str(ROUNDS[0])],
    )
    assert made.exit_code == 0, made.output
    march = summary_json(master)["rag"]
    assert march["Red"] == 2  # overdue at the master's as-at date
    result = start_round(master, ROUNDS[1], now=MERGED[1])
    assert result.previous == ROUNDS[0]
    figures = summary_json(master)
    assert [p["as_at"] for p in figures["trend"]] == [
        "2023-12-18",
        ROUNDS[0].isoformat(),
        ROUNDS[1].isoformat(),
    ]
    assert [figures["trend"][1][c] for c in COLOURS] == [march[c] for c in COLOURS]
    assert figures["changes_since"] == ROUNDS[0].isoformat()
    assert [c["id"] for c in figures["changes"]["newly_red"]] == ["1.3", "1.4", "1.5"]
    docx = report(master, tmp_path / "paper.docx")
    summary_text = " ".join(section(sections(docx), "1. Executive summary"))
    assert "Since the previous round (31 March 2024)" in summary_text
    assert "3 actions became Red" in summary_text
    # a refresh --as-at moves the round too (README): its date and the one it moved on from
    # are both rounds (helper-120: the refresh's date took the place of March's)
    invoke = CliRunner().invoke
    assert invoke(cli, ["refresh", str(master), "--as-at", "2024-07-15"]).exit_code in (0, 1)
    assert invoke(cli, ["round", str(master), "--start", "2024-09-30"]).exit_code in (0, 1)
    assert [p["as_at"] for p in summary_json(master)["trend"]] == [
        "2023-12-18", "2024-03-31", "2024-06-30", "2024-07-15", "2024-09-30",
    ]  # fmt: skip


def trend_first_row(ws: Any) -> int:
    for row in range(1, ws.max_row + 1):
        if str(ws.cell(row, 1).value or "").startswith("Trend: "):
            # section, note, header, then the lines
            return row + 3
    raise AssertionError("no trend section")


def trend_rows(ws: Any) -> list[list[Any]]:
    out = []
    row = trend_first_row(ws)
    while ws.cell(row, 1).value not in (None, ""):
        out.append([ws.cell(row, c).value for c in (1, 4, 5, 6, 7, 8)])
        row += 1
    return out


@pytest.mark.libreoffice
def test_libreoffice_recalculates_the_trend_table_to_the_same_numbers(
    lo: None, big: dict[str, Any], tmp_path: Path
) -> None:
    figures = summary_json(big["master"])
    copy = convert(big["master"], "xlsx", tmp_path / "lo")
    ws = load_workbook(copy, data_only=True)[SUMMARY]
    rows = trend_rows(ws)
    assert rows == [[p["label"], *(p[c] for c in COLOURS), p["total"]] for p in figures["trend"]]


@pytest.mark.libreoffice
def test_libreoffice_makes_a_pdf_with_the_headings_and_figures(
    lo: None, master: Path, tmp_path: Path
) -> None:
    out = tmp_path / "paper.docx"
    result = CliRunner().invoke(cli, ["report", str(master), "-o", str(out), "--pdf"])
    assert result.exit_code == 0, result.output
    pdf = out.with_suffix(".pdf")
    assert pdf.exists() and f"PDF written to {pdf.resolve()}" in result.output
    pages = pdf_pages_text(pdf)
    text = re.sub(r"\s+", " ", " ".join(pages))
    for heading in (
        "Recommendation",
        "1. Executive summary",
        "2.1 All actions",
        "2.3 Trend across rounds",
        "3.1 Overdue actions (2)",
        "5. Coverage gaps (8)",
        "Appendix A. The full action plan (17 actions)",
    ):
        assert heading in text, heading
    assert "Of 17 actions, 15 are on track (Green)" in text
    assert "Page 1 of " in text
    header_pages = [
        p for p in pages if "Action owner Due date RAG status" in re.sub(r"\s+", " ", p)
    ]
    assert len(header_pages) >= 2  # the appendix's header row repeats on every page


@pytest.mark.libreoffice
def test_the_number_and_the_owner_columns_hold_their_words_whole(lo: None, tmp_path: Path) -> None:
    """Rendered by LibreOffice (helper-105): the "#" column broke "11.11" into "11.1 / 1" and
    the Action owner column "Communications" in two; each is one word on the page, in the
    exception tables and the appendix, and every id is whole."""
    from render_check import pdf_words

    wb, ws = trust_layout_book("Wide ids EDI plan", ("Update as at 31 Mar 24",))
    ids = [f"{t}.{n}" for t in (10, 11, 12) for n in (10, 11, 12, 13)]
    for i, action_id in enumerate(ids):
        ws.append(
            [action_id, "Data", f"Action {i}", "WRES 1", "Race",
             "Head of Communications and Engagement", date(2023, 4, 1),
             date(2024, 1, 1 + i) if i % 2 else date(2024, 4, 20), ("On Track", "At Risk")[i % 2],
             f"Update {i}"]
        )  # fmt: skip
    wb.save(tmp_path / "plan.xlsx")
    master = tmp_path / "master.xlsx"
    new_master(master, read_plan(tmp_path / "plan.xlsx"), ROUNDS[0])
    out = report(master, tmp_path / "paper.docx", "--pdf")
    words = [w.text for page in pdf_words(out.with_suffix(".pdf")) for w in page]
    assert words.count("Communications") >= 2 * len(ids)  # 3.1 or 3.3, and the appendix
    assert "Communication" not in words  # ("Communication / s")
    for action_id in ids:
        assert words.count(action_id) >= 2, action_id  # an exception table and the appendix
    assert not [w for w in words if re.fullmatch(r"1[0-2]\.1?", w)]  # no id broken in two


def test_pdf_without_libreoffice_says_so_and_keeps_the_word_paper(
    master: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice here
    out = tmp_path / "paper.docx"
    result = CliRunner().invoke(cli, ["report", str(master), "-o", str(out), "--pdf"])
    assert result.exit_code == 1
    assert "LibreOffice is not installed" in result.output
    assert out.exists() and not out.with_suffix(".pdf").exists()


def test_a_long_update_and_the_narrow_columns_print_as_a_reader_needs(
    lo: None, master: Path, tmp_path: Path
) -> None:
    """Rendered by LibreOffice (helper-44, session 15): the header "Days overdue" breaks
    between its words, not inside one ("overdu / e"); an owner's long update is cut at a word
    in the exception tables with a pointer to Appendix A, where it is whole (it ran over two
    pages, the second empty but for it); a section's lead-in paragraph stays with its table."""
    from conftest import edit_workbook

    long_update = " ".join(
        f"Step {i}: the panel guidance was reviewed with the staff networks and agreed."
        for i in range(1, 21)
    )

    def type_update(wb: Any) -> None:
        ws = wb["Action Plan"]
        top = next(r for r in range(1, 20) if ws.cell(r, 1).value == "#")
        header = [str(c.value) for c in ws[top]]
        col = max(i for i, h in enumerate(header) if h.startswith("Update as at")) + 1
        row = next(r for r in range(top, ws.max_row + 1) if ws.cell(r, 1).value == "1.9")
        ws.cell(row, col).value = long_update

    edit_workbook(master, type_update)
    out = tmp_path / "paper.docx"
    result = CliRunner().invoke(cli, ["report", str(master), "-o", str(out), "--pdf"])
    assert result.exit_code == 0, result.output
    pages = [re.sub(r"\s+", " ", p) for p in pdf_pages_text(out.with_suffix(".pdf"))]
    text = " ".join(pages)
    assert "Days overdue" in text and "overdu e" not in text
    exceptions = text[text.index("3.1 Overdue actions") : text.index("Appendix A.")]
    assert re.search(r"\(in full in Appendix A\) \(\d+ \w{3} \d{4}\)", exceptions)  # the round
    assert long_update not in exceptions and "Step 5: the panel guidance" in exceptions
    # (whole, over the pages it runs onto: read without each page's footer and the table's
    # header repeated at the top of the next, which fall between two words of it where a
    # page ends inside the update, as on LibreOffice 7.4 with Liberation Sans; the footer's
    # title and its page number each on their own, as pdftotext may read the page's text
    # between them: the continued Action column's, then the footer, then the update's)
    footer = re.compile(r"Equality, diversity and inclusion action plan: progress as at "
                        r"\d+ \w+ \d{4} ?|Page \d+ of \d+ ?")  # fmt: skip
    header = "# Theme Action Action owner Due date RAG status Latest update "
    read_on = " ".join(" ".join(footer.sub("", p).removeprefix(header).split()) for p in pages)
    appendix = read_on[read_on.index("Appendix A.") :]
    assert all(f"Step {i}: the" in appendix for i in range(1, 21))
    trend = next(p for p in pages if "2.3 Trend across rounds" in p)
    assert "Round (as at)" in trend
    # what leads into a table, a heading or a paragraph, is kept on the table's page
    body = list(Document(str(out)).element.body)
    for i, el in enumerate(body):
        if el.tag == qn("w:tbl"):
            lead = next(e for e in reversed(body[:i]) if e.tag == qn("w:p") and "".join(
                e.itertext()).strip())  # fmt: skip
            style = lead.find(qn("w:pPr") + "/" + qn("w:pStyle"))
            heading = style is not None and style.get(qn("w:val")).startswith("Heading")
            kept = lead.find(qn("w:pPr") + "/" + qn("w:keepNext")) is not None
            assert heading or kept, "".join(lead.itertext())
