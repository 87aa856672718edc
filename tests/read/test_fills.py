"""The RAG colour a Status cell's fill is nearest to (a plan that keeps its RAG as colour)."""

from __future__ import annotations

import pytest

from edi_xl.core.status import RAG
from edi_xl.read.fills import rag_of_colour


@pytest.mark.parametrize(
    ("rgb", "rag"),
    [
        ("00B050", RAG.GREEN),  # Excel's standard green
        ("92D050", RAG.GREEN),  # light green
        ("C6EFCE", RAG.GREEN),  # the "Good" cell style
        ("FFC000", RAG.AMBER),
        ("FFFF00", RAG.AMBER),  # yellow: Smartsheet's amber
        ("FFEB9C", RAG.AMBER),  # "Neutral"
        ("FF0000", RAG.RED),
        ("C00000", RAG.RED),  # dark red
        ("FFC7CE", RAG.RED),  # "Bad"
        ("0070C0", RAG.BLUE),
        ("00B0F0", RAG.BLUE),
        ("FFFFFF", None),  # white, greys, black: no colour
        ("D9D9D9", None),
        ("000000", None),
        ("DDEBF7", None),  # a pale banding blue: too pale to be a status
        ("7030A0", None),  # purple
    ],
)
def test_a_fill_is_read_as_the_nearest_rag_colour(rgb, rag):
    assert rag_of_colour(rgb) is rag
