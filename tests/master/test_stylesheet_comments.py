"""A plan whose stylesheet has comments among its styles refreshes with the right styles.

A stylesheet written by hand (not by Excel) may carry comments between its styles,
``<!-- currency -->`` (excelrd's test file tests/self_evaluation_report_2014-05-19.xlsx).
A comment is no style: a style's number counts the styles alone. edi_xl's patch writer asked
lxml for each child's canonical form to find the styles already there, and lxml crashed on a
comment: the command ended with a segmentation fault, no message. Counted with the comments,
the styles it added would have had the wrong numbers too.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from conftest import AS_AT, seed_plan_rewritten

from edi_xl.flows.refresh import refresh_workbook
from edi_xl.master.plan import load_master

STYLES = "xl/styles.xml"


def with_comments(data: bytes) -> bytes:
    """A comment before every style of every list, and one before each list."""
    text = data.decode("utf-8")
    text, n = re.subn(
        r"(<(?:numFmt|font|fill|border|xf|cellStyle|dxf)[ >/])", r"<!-- a style -->\1", text
    )
    text = re.sub(
        r"(<(?:numFmts|fonts|fills|borders|cellStyleXfs|cellXfs)[ >])", r"<!-- a list -->\1", text
    )
    assert n > 5
    return text.encode("utf-8")


def _looks(path: Path) -> list[tuple]:
    """How every cell of the plan sheet looks, as edi_xl reads it (openpyxl alone refuses
    the comments: edi_xl reads the stylesheet without them)."""
    ws = load_master(path)["Action Plan"]
    return [
        (c.coordinate, c.font.b, c.font.color.rgb if c.font.color else None,
         c.fill.fgColor.rgb, c.number_format, c.alignment.wrap_text)
        for row in ws.iter_rows() for c in row
    ]  # fmt: skip


def test_refreshed_with_the_styles_it_meant(tmp_path: Path) -> None:
    plain = seed_plan_rewritten(tmp_path / "plain.xlsx", lambda data: data)
    commented = seed_plan_rewritten(tmp_path / "commented.xlsx", with_comments, STYLES)
    for plan in (plain, commented):
        refresh_workbook(plan, AS_AT, now=datetime(2023, 12, 18, 9))
    assert _looks(commented) == _looks(plain)
