"""The fill colours of a few cells of an .xlsx, and the RAG colour a fill is nearest to.

Some trusts keep the RAG status as the Status cell's colour alone: a green, amber, red or blue
cell with no word in it. The grids (:mod:`edi_xl.read.sources`, python-calamine) carry values
only, so an import asks here for the fills of the Status cells it found empty. openpyxl reads
them (read-only: the cells are streamed, the workbook's styles and theme are all it keeps).
A colour is given as Excel shows it: an RGB colour as written, a colour of the old 56-colour
palette by its index, a theme colour ("Green, Accent 6, Lighter 40%") from the workbook's own
theme with its tint.

Only imports use this: an owner return or a master says its status in words (the Status
dropdown), and a colour there is edi_xl's own formatting.
"""

from __future__ import annotations

import colorsys
import re
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from edi_xl.core.status import RAG

__all__ = ["cell_fills", "rag_of_colour", "colour_name"]

#: theme colour index (as cells give it) -> the theme's colour element, in Excel's order
#: (the first two pairs are swapped in the theme part: dk1, lt1, dk2, lt2)
_THEME_ORDER = (
    "lt1",
    "dk1",
    "lt2",
    "dk2",
    "accent1",
    "accent2",
    "accent3",
    "accent4",
    "accent5",
    "accent6",
    "hlink",
    "folHlink",
)
_SCHEME_COLOUR = re.compile(
    rb"<a:(?P<name>\w+)>\s*<a:(?:srgbClr\s+val|sysClr\b[^>]*?lastClr)=\"(?P<rgb>[0-9A-Fa-f]{6})\"",
)


def cell_fills(
    path: Path, sheet: str, cells: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], str] | None:
    """0-based (row, column) -> the cell's solid fill as "RRGGBB", for the ``cells`` of
    ``sheet`` that have one. None: the file's styles could not be read (the caller says
    so); {} when none of the cells is filled."""
    wanted = set(cells)
    if not wanted:
        return {}
    try:
        return _fills(path, sheet, wanted)
    except (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError):
        raise
    except BaseException:  # noqa: BLE001 - the colours are a help, never a failure
        return None


def _fills(path: Path, sheet: str, wanted: set[tuple[int, int]]) -> dict[tuple[int, int], str]:
    import openpyxl

    rows = [r for r, _ in wanted]
    cols = [c for _, c in wanted]
    with warnings.catch_warnings(), open(path, "rb") as f:
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(f, read_only=True, data_only=True, keep_links=False)
        try:
            theme = _theme_colours(wb.loaded_theme)
            ws = wb[sheet]
            out: dict[tuple[int, int], str] = {}
            for line in ws.iter_rows(
                min_row=min(rows) + 1,
                max_row=max(rows) + 1,
                min_col=min(cols) + 1,
                max_col=max(cols) + 1,
            ):
                for cell in line:
                    place = (getattr(cell, "row", 0) - 1, getattr(cell, "column", 0) - 1)
                    if place not in wanted:
                        continue
                    fill = cell.fill
                    if fill is None or fill.patternType != "solid":
                        continue
                    rgb = _rgb(fill.fgColor, theme)
                    if rgb is not None:
                        out[place] = rgb
            return out
        finally:
            wb.close()


def _theme_colours(xml: Any) -> list[str]:
    """The workbook theme's 12 colours, in the order cells number them ([] when none)."""
    if not isinstance(xml, bytes):
        return []
    found = {
        m.group("name").decode(): m.group("rgb").decode().upper()
        for m in _SCHEME_COLOUR.finditer(xml)
    }
    return [found.get(name, "") for name in _THEME_ORDER]


def _rgb(colour: Any, theme: list[str]) -> str | None:
    """An openpyxl colour as "RRGGBB", or None when it names no colour we can know."""
    if colour is None:
        return None
    kind = getattr(colour, "type", None)
    if kind == "rgb" and isinstance(colour.rgb, str) and len(colour.rgb) in (6, 8):
        return colour.rgb[-6:].upper()
    if kind == "indexed" and isinstance(colour.indexed, int):
        from openpyxl.styles.colors import COLOR_INDEX

        if 0 <= colour.indexed < 64:  # (64, 65: the system's text and background colours)
            return COLOR_INDEX[colour.indexed][-6:].upper()
        return None
    if kind == "theme" and isinstance(colour.theme, int) and 0 <= colour.theme < len(theme):
        base = theme[colour.theme]
        return _tinted(base, float(colour.tint or 0.0)) if base else None
    return None


def _tinted(rgb: str, tint: float) -> str:
    """A theme colour lightened (tint > 0) or darkened (< 0) as Excel does, in HLS."""
    r, g, b = (int(rgb[i : i + 2], 16) / 255 for i in (0, 2, 4))
    h, light, s = colorsys.rgb_to_hls(r, g, b)
    light = light * (1 + tint) if tint < 0 else light * (1 - tint) + tint
    r, g, b = colorsys.hls_to_rgb(h, min(max(light, 0.0), 1.0), s)
    return "".join(f"{round(x * 255):02X}" for x in (r, g, b))


#: Hue (degrees) up to which a fill is each RAG colour, going round the colour wheel from red.
#: Amber takes orange to yellow ("Yellow" is Smartsheet's amber); purples and pinks short of
#: red are no RAG colour.
_HUES: tuple[tuple[float, RAG | None], ...] = (
    (15, RAG.RED),
    (70, RAG.AMBER),
    (170, RAG.GREEN),
    (260, RAG.BLUE),
    (335, None),
    (360, RAG.RED),
)
#: Below this saturation a fill is white, grey or black (no colour); below this value, too dark
#: to tell.
_MIN_SATURATION = 0.15
_MIN_VALUE = 0.3


def rag_of_colour(rgb: str) -> RAG | None:
    """The RAG colour a fill "RRGGBB" is nearest to: green (00B050, 92D050, Excel's "Good"
    C6EFCE), amber (FFC000, yellow, orange), red (FF0000, C00000, "Bad" FFC7CE), blue (0070C0,
    00B0F0); None for white, greys, black and purples."""
    r, g, b = (int(rgb[i : i + 2], 16) / 255 for i in (0, 2, 4))
    h, s, v = colorsys.rgb_to_hsv(r, g, b)
    if s < _MIN_SATURATION or v < _MIN_VALUE:
        return None
    degrees = h * 360
    return next(rag for limit, rag in _HUES if degrees < limit)


def is_pale(rgb: str) -> bool:
    """A tint ("Blue, Accent 1, Lighter 60%" BDD7EE, Excel's "Good" C6EFCE), the kind a
    column is shaded with, rather than a strong fill (00B050, FFC000, FF0000)."""
    r, g, b = (int(rgb[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return colorsys.rgb_to_hsv(r, g, b)[1] < _PALE


#: The saturation under which a fill is a tint (:func:`is_pale`).
_PALE = 0.5


def colour_name(rgb: str) -> str:
    """ "green (#00B050)", "a colour (#7030A0)": how the import names a fill."""
    rag = rag_of_colour(rgb)
    word = {RAG.AMBER: "amber", RAG.GREEN: "green", RAG.RED: "red", RAG.BLUE: "blue"}
    return f"{word[rag] if rag else 'a colour'} (#{rgb})"
