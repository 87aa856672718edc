"""The text helpers of edi_xl.core.text (a cell as text, one line, plurals) and the messages
that use them."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from edi_xl.cli import cli
from edi_xl.core.text import cell_text, one_line, plural, plural_word


def test_plural_counts() -> None:
    assert plural(1, "row") == "1 row"
    assert plural(2, "row") == "2 rows"
    assert plural(0, "note") == "0 notes"
    assert plural(1, "email draft") == "1 email draft"
    assert plural(3, "email draft") == "3 email drafts"
    assert plural(2, "match") == "2 matches"
    assert plural(2, "summary") == "2 summaries"
    assert plural(2, "day") == "2 days"
    assert plural(2, "person") == "2 people"
    assert plural(2, "action", "actions") == "2 actions"
    assert plural_word(1, "has") == "has" and plural_word(4, "has") == "have"


def test_demo_prints_no_bracketed_plurals(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["demo", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    assert "..." not in result.output.partition("Commands:")[2]
    assert "17 actions" in result.output
    assert "Problems: 2 errors, 2 warnings, 0 notes" in result.output


def test_help_shows_each_command_description_whole() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "..." not in result.output.partition("Commands:")[2]
    flat = " ".join(result.output.split())
    assert (
        "Add the buttons to the trust's own workbook: PLAN.xlsx -> PLAN.xlsm, all else kept."
        in flat
    )


def test_a_bad_as_at_gives_its_example_once(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["refresh", str(tmp_path / "x.xlsx"), "--as-at", "31/31/2023"])
    assert result.exit_code == 2
    assert result.output.count("2023-12-18") == 1, result.output
    assert "no month 31" in result.output


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, None),
        ("", None),
        ("  \n ", None),
        ("  In place \n\n", "In place"),
        (2.0, "2"),
        (2.5, "2.5"),
        (7, "7"),
        (True, "True"),
    ],
)
def test_cell_text(value: object, text: str | None) -> None:
    assert cell_text(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("", ""),
        ("  Head of\n  People\u00a0Services ", "Head of People Services"),
        (3, "3"),
    ],
)
def test_one_line(value: object, text: str) -> None:
    assert one_line(value) == text
