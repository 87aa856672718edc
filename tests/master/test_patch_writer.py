"""The patch writer's own fast paths give what the slower, general ones they replace give:
cell text escaped as :func:`xml.sax.saxutils.escape` escapes it, and a package written again
by :meth:`Package.to_bytes` (entries copied or deflated in the background) holding what
:mod:`zipfile` writes."""

from __future__ import annotations

from xml.sax.saxutils import escape

import pytest

from edi_xl.master.patch import _TEXT_ENTITIES, _content, _text

TRICKY = [
    "",
    "plain",
    "a & b < c > d",
    "&amp; already",
    "line\r\nbreak\r",
    "tab\there\n",
    "<<>>&&",
    "quote \" and ' kept",
    "\u00e9\u2013\U0001f600",
]


@pytest.mark.parametrize("value", TRICKY)
def test_cell_text_is_escaped_as_saxutils_escapes_it(value: str) -> None:
    assert _text(value) == escape(value, _TEXT_ENTITIES)


@pytest.mark.parametrize("value", ["", " lead", "trail ", "two\nlines", "x", "=not a formula"])
def test_a_text_cell_holds_what_the_general_path_gives(value: str) -> None:
    class Text(str):  # not exactly str: takes the general path
        pass

    assert _content(value, "s", None) == _content(Text(value), "s", None)
