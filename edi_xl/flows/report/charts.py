"""The board paper's charts, drawn as PNG pictures with Pillow.

Stacked bars of RAG counts: horizontal (one bar per theme, or one for all actions) or vertical
(one column per round, the trend). Every segment carries its count and the legend names each
colour by its word, so nothing is told by colour alone; the paper adds the same figures as a
table and as alt text. Pillow's own font (``ImageFont.load_default(size)``, bundled with Pillow)
is used, so a chart looks the same on every machine. Drawn 1,600 pixels wide for 16 cm (about
250 dots per inch), so print stays sharp; text is 10-11 pt as printed.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from edi_xl.core.status import RAG
from edi_xl.core.summary import RAG_ORDER

#: The NHS identity's green, warm yellow, emergency red and blue (as the Summary's charts).
BAR_COLOURS = {RAG.GREEN: "#009639", RAG.AMBER: "#FFB81C", RAG.RED: "#DA291C", RAG.BLUE: "#005EB8"}
#: The count on each segment: white where it reads on the colour, black on the yellow.
LABEL_COLOURS = {RAG.GREEN: "white", RAG.AMBER: "black", RAG.RED: "white", RAG.BLUE: "white"}
TEXT = "#212B32"  # NHS identity's dark grey text
GRID = "#D8DDE0"
WIDTH = 1600  # pixels; shown 16 cm wide (about 250 dots per inch)
SCALE = 3.5  # pixels per point at that size: every size below is in points


@dataclass(frozen=True)
class Bars:
    """What one chart shows: a count per colour for each category."""

    categories: list[str]
    counts: list[dict[RAG, int]]
    words: dict[RAG, str]  # the legend: "Green: On Track"


Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def _font(size: float) -> Font:
    return ImageFont.load_default(size=round(size * SCALE))


def _px(points: float) -> int:
    return round(points * SCALE)


def _text_size(draw: ImageDraw.ImageDraw, text: str, font: Font) -> tuple[int, int]:
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    return int(right - left), int(bottom - top)


def _step(largest: int) -> int:
    """A tick step giving at most about eight ticks."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if largest / step <= 8:
            return step
    return 10000


def _legend(draw: ImageDraw.ImageDraw, bars: Bars, top: int, font: Font) -> None:
    """Two rows of two: each colour's box and its word ("Red: Exceeded Timescales")."""
    box = _px(10)
    for i, rag in enumerate(RAG_ORDER):
        x = _px(20) + (i % 2) * (WIDTH // 2)
        y = top + (i // 2) * _px(16)
        draw.rectangle([x, y, x + box, y + box], fill=BAR_COLOURS[rag], outline=TEXT)
        label = f"{rag.value}: {bars.words.get(rag, rag.value)}"
        draw.text((x + box + _px(5), y + box // 2), label, fill=TEXT, font=font, anchor="lm")


LEGEND_HEIGHT = 34  # points: two rows


def _segment_label(
    draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], count: int, rag: RAG, font: Font
) -> None:
    text = str(count)
    w, h = _text_size(draw, text, font)
    x0, y0, x1, y1 = box
    if x1 - x0 >= w + _px(6) and y1 - y0 >= h + _px(4):
        cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
        draw.text((cx, cy), text, fill=LABEL_COLOURS[rag], font=font, anchor="mm")


def horizontal(bars: Bars, *, label_chars: int = 30) -> bytes:
    """Stacked horizontal bars, first category at the top; a PNG."""
    font, small = _font(11), _font(10)
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    labels = [textwrap.wrap(c, label_chars)[:3] or [""] for c in bars.categories]
    line_h = _text_size(probe, "Ag", font)[1] + _px(4)
    row_h = max(_px(26), max(len(lines) for lines in labels) * line_h + _px(10))
    label_w = max(_text_size(probe, line, font)[0] for lines in labels for line in lines)
    left = min(label_w + _px(16), WIDTH // 2)
    right = WIDTH - _px(24)
    top = _px(12)
    height = top + row_h * len(bars.categories) + _px(42 + LEGEND_HEIGHT)
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    largest = max([sum(c.values()) for c in bars.counts] + [1])
    step = _step(largest)
    axis_max = -(-largest // step) * step
    scale = (right - left) / axis_max
    bottom = top + row_h * len(bars.categories)
    for tick in range(0, axis_max + 1, step):
        x = left + round(tick * scale)
        draw.line([x, top, x, bottom], fill=GRID, width=2)
        draw.text((x, bottom + _px(4)), str(tick), fill=TEXT, font=small, anchor="mt")
    for i, (lines, counts) in enumerate(zip(labels, bars.counts, strict=True)):
        y = top + i * row_h
        text_top = y + (row_h - line_h * len(lines)) // 2
        for j, line in enumerate(lines):
            draw.text(
                (left - _px(8), text_top + j * line_h), line, fill=TEXT, font=font, anchor="ra"
            )
        x = left
        pad = _px(5)
        for rag in RAG_ORDER:
            n = counts.get(rag, 0)
            if not n:
                continue
            box = (x, y + pad, x + round(n * scale), y + row_h - pad)
            draw.rectangle(box, fill=BAR_COLOURS[rag], outline="white", width=2)
            _segment_label(draw, box, n, rag, small)
            x = box[2]
    draw.line([left, top, left, bottom], fill=TEXT, width=2)
    draw.text(
        ((left + right) // 2, bottom + _px(20)), "Actions", fill=TEXT, font=small, anchor="mt"
    )
    _legend(draw, bars, bottom + _px(40), small)
    return _png(image)


def vertical(bars: Bars) -> bytes:
    """Stacked columns, first category on the left (the trend across rounds); a PNG."""
    font, small = _font(11), _font(10)
    height = _px(240)
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    left, right, top, bottom = _px(64), WIDTH - _px(20), _px(14), height - _px(48 + LEGEND_HEIGHT)
    largest = max([sum(c.values()) for c in bars.counts] + [1])
    step = _step(largest)
    axis_max = -(-largest // step) * step
    scale = (bottom - top) / axis_max
    for tick in range(0, axis_max + 1, step):
        y = bottom - round(tick * scale)
        draw.line([left, y, right, y], fill=GRID, width=2)
        draw.text((left - _px(6), y), str(tick), fill=TEXT, font=small, anchor="rm")
    draw.text((_px(8), (top + bottom) // 2), "Actions", fill=TEXT, font=small, anchor="lm")
    n = max(len(bars.categories), 1)
    slot = (right - left) / n
    bar_w = min(slot * 0.6, _px(110))
    for i, (label, counts) in enumerate(zip(bars.categories, bars.counts, strict=True)):
        cx = left + slot * (i + 0.5)
        y = bottom
        for rag in RAG_ORDER:
            k = counts.get(rag, 0)
            if not k:
                continue
            box = (round(cx - bar_w / 2), y - round(k * scale), round(cx + bar_w / 2), y)
            draw.rectangle(box, fill=BAR_COLOURS[rag], outline="white", width=2)
            _segment_label(draw, box, k, rag, small)
            y = box[1]
        for j, line in enumerate(textwrap.wrap(label, 18)[:2]):
            draw.text((cx, bottom + _px(6) + j * _px(15)), line, fill=TEXT, font=font, anchor="mt")
    draw.line([left, bottom, right, bottom], fill=TEXT, width=2)
    _legend(draw, bars, height - _px(LEGEND_HEIGHT), small)
    return _png(image)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def describe(bars: Bars, what: str) -> str:
    """The chart's alt text: what it shows, then every figure in words."""
    parts = []
    for category, counts in zip(bars.categories, bars.counts, strict=True):
        figures = ", ".join(f"{rag.value} {counts.get(rag, 0)}" for rag in RAG_ORDER)
        parts.append(f"{category}: {figures}")
    return f"{what}. " + "; ".join(parts) + "."


__all__: Sequence[str] = ["BAR_COLOURS", "Bars", "describe", "horizontal", "vertical"]
