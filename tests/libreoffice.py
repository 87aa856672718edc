"""Helpers for tests that use LibreOffice as a real spreadsheet program.

LibreOffice Calc (``soffice``) is a second, independent reader and writer of our workbooks; it
renders conditional formatting, print titles and footers to PDF, and poppler-utils
(``pdftoppm``, ``pdftotext``) turn that PDF into pixels and text a test can look at.
See /work/shared/notes/libreoffice.md for the pitfalls these helpers guard against:

- ``soffice`` exits 0 even when the conversion failed: :func:`convert` checks the output file;
- a conversion can run away: every call is wrapped in ``timeout -k 10 <seconds>``;
- parallel runs fight over one user profile: every call gets its own, thrown away after.

Pillow is not a dependency: without it pages are rendered as binary PPM (P6), which is parsed
here, instead of PNG.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

RGB = tuple[int, int, int]

#: Written into each throw-away profile: recalculate every formula on loading an .xlsx
#: (LibreOffice otherwise keeps the values cached in the file), so that a converted copy
#: holds LibreOffice's own results.
_RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">\
<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def soffice_path() -> str | None:
    """The LibreOffice executable, or None when LibreOffice is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def require_soffice(*, poppler: bool = False) -> None:
    """Skip the calling test when LibreOffice (and, with ``poppler``, poppler-utils) is not
    installed, visibly; fail it instead under CI (the environment variable ``CI`` set), where
    it must run."""
    import os

    import pytest

    missing = [] if soffice_path() is not None else ["LibreOffice"]
    if poppler and poppler_missing():
        missing.append("poppler-utils")
    if not missing:
        return
    reason = f"{' and '.join(missing)} not installed"
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        pytest.fail(f"CI is set, so this must not be skipped: {reason}")
    pytest.skip(reason)


def poppler_missing() -> list[str]:
    """The poppler-utils programs these helpers use that are not installed."""
    return [tool for tool in ("pdftoppm", "pdftotext") if shutil.which(tool) is None]


def have_pillow() -> bool:
    return importlib.util.find_spec("PIL") is not None


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    """Run ``args`` under ``timeout -k 10``; Python's own timeout is only a backstop."""
    return subprocess.run(
        ["timeout", "-k", "10", str(int(timeout)), *args],
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout + 20,
        check=False,
    )


def convert(src: Path, fmt: str, outdir: Path, timeout: float = 90) -> Path:
    """Convert ``src`` with ``soffice --headless --convert-to fmt``; the file written.

    ``fmt`` is what ``--convert-to`` takes: ``pdf``, ``xlsx``, ``csv:Text - txt - csv (...)``.
    Raises AssertionError, with soffice's output, when the expected file was not written.
    """
    soffice = soffice_path()
    if soffice is None:
        raise AssertionError("LibreOffice (soffice) is not installed")
    src, outdir = Path(src).resolve(), Path(outdir).resolve()
    ext = fmt.split(":", 1)[0]
    target = outdir / f"{src.stem}.{ext}"
    if target == src:
        raise AssertionError(f"{src}: converting to {fmt} in its own folder would overwrite it")
    outdir.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)  # a file left by an earlier run must not pass for output
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        (Path(profile) / "user").mkdir()
        (Path(profile) / "user" / "registrymodifications.xcu").write_text(
            _RECALC_ALWAYS, encoding="utf-8"
        )
        proc = _run(
            [
                soffice,
                f"-env:UserInstallation={Path(profile).as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                fmt,
                "--outdir",
                str(outdir),
                str(src),
            ],
            timeout,
        )
    if not target.is_file() or target.stat().st_size == 0:
        raise AssertionError(
            f"soffice did not write {target} (exit code {proc.returncode}"
            f"{', killed by timeout' if proc.returncode in (124, 137) else ''}).\n"
            f"stdout: {proc.stdout.strip()}\nstderr: {proc.stderr.strip()}"
        )
    return target


def recalculated_copy(src: Path, outdir: Path, timeout: float = 90) -> Path:
    """``src`` loaded, recalculated and saved again as .xlsx by LibreOffice, in ``outdir``."""
    return convert(src, "xlsx", outdir, timeout=timeout)


def pdf_pages_text(pdf: Path, timeout: float = 60) -> list[str]:
    """The text of each page of ``pdf`` (``pdftotext``), in page order."""
    proc = _run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], timeout)
    if proc.returncode != 0:
        raise AssertionError(f"pdftotext {pdf} failed: {proc.stderr.strip()}")
    pages = proc.stdout.split("\f")
    if pages and not pages[-1].strip():
        pages.pop()  # pdftotext ends every page, the last one too, with a form feed
    return pages


def render_png(
    pdf: Path,
    outdir: Path,
    dpi: int = 80,
    *,
    first: int | None = None,
    last: int | None = None,
) -> list[Path]:
    """Render pages of ``pdf`` with ``pdftoppm``; the image files in page order.

    PNG when Pillow is installed; otherwise binary PPM (P6), which :func:`colours_in_png`
    reads without Pillow.
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    fmt = "png" if have_pillow() else "ppm"
    stem = outdir / Path(pdf).stem
    args = ["pdftoppm", "-r", str(dpi)] + (["-png"] if fmt == "png" else [])  # PPM: default
    if first is not None:
        args += ["-f", str(first)]
    if last is not None:
        args += ["-l", str(last)]
    proc = _run([*args, str(pdf), str(stem)], 120)
    if proc.returncode != 0:
        raise AssertionError(f"pdftoppm {pdf} failed: {proc.stderr.strip()[:500]}")
    page = re.compile(rf"{re.escape(stem.name)}-(\d+)\.{fmt}$")
    found = [(int(m.group(1)), p) for p in outdir.iterdir() if (m := page.match(p.name))]
    return [p for _, p in sorted(found)]


def _read_ppm(data: bytes) -> tuple[int, int, bytes]:
    """(width, height, RGB bytes) of a binary PPM (P6) with 8-bit samples."""
    tokens: list[bytes] = []
    pos = 0
    while len(tokens) < 4:
        if pos >= len(data):
            raise ValueError("PPM header is truncated")
        if data[pos : pos + 1].isspace():
            pos += 1
        elif data[pos : pos + 1] == b"#":  # a comment runs to the end of the line
            end = data.find(b"\n", pos)
            pos = len(data) if end < 0 else end + 1
        else:
            start = pos
            while pos < len(data) and not data[pos : pos + 1].isspace():
                pos += 1
            tokens.append(data[start:pos])
    magic, width, height, maxval = tokens[0], int(tokens[1]), int(tokens[2]), int(tokens[3])
    if magic != b"P6" or maxval != 255:
        raise ValueError(f"not an 8-bit binary PPM (magic {magic!r}, maxval {maxval})")
    pixels = data[pos + 1 : pos + 1 + 3 * width * height]  # one whitespace after maxval
    if len(pixels) != 3 * width * height:
        raise ValueError("PPM pixel data is truncated")
    return width, height, pixels


def _pixels(path: Path) -> tuple[int, int, bytes]:
    """(width, height, RGB bytes) of a binary PPM, or of a PNG when Pillow is installed."""
    data = Path(path).read_bytes()
    if data.startswith(b"P6"):
        return _read_ppm(data)
    if not have_pillow():
        raise AssertionError(f"{path}: reading a PNG needs Pillow; render PPM instead")
    from PIL import Image  # only when installed

    with Image.open(path) as image:
        rgb = image.convert("RGB")
        return rgb.width, rgb.height, rgb.tobytes()


def colours_in_png(path: Path, *, solid: bool = False) -> Counter[RGB]:
    """How many pixels of each (r, g, b) colour the image at ``path`` has.

    Reads a PNG with Pillow, or a binary PPM (what :func:`render_png` writes without Pillow).
    ``solid``: count a pixel only when the 2x2 block it starts is all one colour, so that
    filled areas count and the anti-aliased edges of text and lines do not (the edge of
    dark-blue text blended into white comes within a few levels of the "Complete" fill).
    """
    width, height, pixels = _pixels(path)
    if not solid:
        return Counter(zip(pixels[0::3], pixels[1::3], pixels[2::3], strict=True))
    import numpy as np  # installed with pandas, an edi_xl dependency

    rgb = np.frombuffer(pixels, dtype=np.uint8).reshape(height, width, 3).astype(np.uint32)
    packed = (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
    corner = packed[:-1, :-1]
    same = (corner == packed[1:, :-1]) & (corner == packed[:-1, 1:]) & (corner == packed[1:, 1:])
    values, counts = np.unique(corner[same], return_counts=True)
    return Counter(
        {
            (int(v) >> 16, (int(v) >> 8) & 0xFF, int(v) & 0xFF): int(n)
            for v, n in zip(values, counts, strict=True)
        }
    )


def hex_rgb(rgb_hex: str) -> RGB:
    """``"C6EFCE"`` (or ``"FFC6EFCE"``, ``"#C6EFCE"``) as (198, 239, 206)."""
    text = rgb_hex.lstrip("#")[-6:]
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


def colour_pixels(counter: Counter[RGB], rgb_hex: str, tolerance: int = 6) -> int:
    """The pixels within ``tolerance`` (per channel) of ``rgb_hex``."""
    want = hex_rgb(rgb_hex)
    return sum(
        n
        for colour, n in counter.items()
        if all(abs(a - b) <= tolerance for a, b in zip(colour, want, strict=True))
    )


def has_colour(
    counter: Counter[RGB], rgb_hex: str, tolerance: int = 6, min_pixels: int = 50
) -> bool:
    """Whether at least ``min_pixels`` pixels are within ``tolerance`` of ``rgb_hex``."""
    return colour_pixels(counter, rgb_hex, tolerance) >= min_pixels
