"""What a file is, judged by its content (magic bytes, zip members), not its extension.

Its own module, apart from :mod:`edi_xl.read.sources` and its readers: every command that
opens a master first asks what the file is (:func:`edi_xl.master.plan.load_master`), and
importing the readers for that was a few milliseconds of each command's start.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import zipfile
import zlib
from pathlib import Path
from typing import NamedTuple

__all__ = ["BIFF_BOF", "Sniffed", "decode_all", "sniff", "sniff_format"]

_OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
# BIFF2/3/4 worksheets were saved as a bare record stream, not inside an OLE2 container.
BIFF_BOF = (b"\x09\x00", b"\x09\x02", b"\x09\x04", b"\x09\x08")
_SNIFF_BYTES = 64 * 1024
_SMALL_PART = 256 * 1024  # how much of [Content_Types].xml / mimetype / manifest to read

_MACRO_CONTENT_TYPE = b"application/vnd.ms-excel.sheet.macroenabled"
_ODF_MIMETYPES = {
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.spreadsheet-template": "ods",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.text-template": "odt",
    "application/vnd.oasis.opendocument.presentation": "odp",
    "application/vnd.oasis.opendocument.presentation-template": "odp",
}


class Sniffed(NamedTuple):
    """What :func:`sniff` found: the format, and a zip it kept for its reader."""

    format: str
    #: the bytes of a zip no bigger than ``keep`` (None: not kept)
    data: bytes | None = None
    #: the zip opened over ``data``, its central directory read (None: it could not be)
    package: zipfile.ZipFile | None = None


def sniff_format(path: Path) -> str:
    """What a file is, judged by its content (magic bytes, zip members), not its extension.

    Spreadsheets: ``"xlsx"``, ``"xlsm"``, ``"xlsb"``, ``"ods"``, ``"xls"``, ``"csv"``.
    Other answers: ``"encrypted"`` (a password-protected Office file), ``"docx"``, ``"doc"``,
    ``"pptx"``, ``"ppt"``, ``"odt"``, ``"odp"``, ``"msg"``, ``"pdf"``, ``"image"``, ``"rtf"``,
    ``"html"``, ``"xml"``, ``"xml-spreadsheet"``, ``"text"`` (text with no column separator),
    ``"zip"`` (any other zip), ``"empty"`` and ``"unknown"``. Raises ``OSError`` when the
    file cannot be opened.
    """
    return sniff(path).format


def sniff(path: Path, keep: int = 0) -> Sniffed:
    """:func:`sniff_format`, keeping a zip of up to ``keep`` bytes in memory, opened: its
    reader looks at it again (an owner return is read whole, and the sniffing had read its
    central directory, a tenth of the reading of an ordinary return)."""
    path = Path(path)
    with open(path, "rb") as f:
        head = f.read(_SNIFF_BYTES)
        zipped = head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"))
        data = head + f.read() if zipped and os.fstat(f.fileno()).st_size <= keep else None
    if zipped:
        return _sniff_zip(path, data)
    return Sniffed(_sniff_head(path, head))


def _sniff_head(path: Path, head: bytes) -> str:
    """What a file that is not a zip is, by its first bytes (``head``)."""
    if not head:
        return "empty"
    if head.startswith(_OLE_MAGIC):
        return _sniff_ole(path)
    if head.startswith(b"%PDF") or head[:1024].find(b"%PDF-") >= 0:
        return "pdf"
    if _is_image(head):
        return "image"
    if (
        head[:2] in BIFF_BOF
        and len(head) >= 8
        and head[2:4] in (b"\x04\x00", b"\x06\x00", b"\x08\x00", b"\x10\x00")
    ):
        return "xls"
    return _sniff_text(head)


def _is_image(head: bytes) -> bool:
    return (
        head.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a"))
        or head.startswith((b"II*\x00", b"MM\x00*"))
        or (head.startswith(b"RIFF") and head[8:12] == b"WEBP")
        or (head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"avif"))
        or (head.startswith(b"BM") and len(head) >= 26 and head[6:10] == b"\x00\x00\x00\x00")
    )


def _sniff_ole(path: Path) -> str:
    import olefile  # a dependency of msoffcrypto-tool

    try:
        with olefile.OleFileIO(str(path)) as ole:
            names = {"/".join(entry).lower() for entry in ole.listdir(streams=True, storages=True)}
    except Exception:
        # A damaged OLE2 container: let the .xls reader say what is wrong with it.
        return "xls"
    if "encryptioninfo" in names or "encryptedpackage" in names:
        return "encrypted"
    if "workbook" in names or "book" in names:
        return "encrypted" if _xls_is_encrypted(path) else "xls"
    if "worddocument" in names:
        return "doc"
    if "powerpoint document" in names:
        return "ppt"
    if any(name.startswith("__substg1.0_") for name in names):
        return "msg"
    return "unknown"


def _xls_is_encrypted(path: Path) -> bool:
    try:
        import msoffcrypto

        with open(path, "rb") as f:
            return bool(msoffcrypto.OfficeFile(f).is_encrypted())
    except Exception:
        return False


def _sniff_zip(path: Path, data: bytes | None) -> Sniffed:
    """What a zip is; the zip kept, opened, when its bytes (``data``) are."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data) if data is not None else path)
        try:
            names = zf.namelist()
            content_types = _read_member(zf, "[Content_Types].xml")
            mimetype = _read_member(zf, "mimetype")
            manifest = _read_member(zf, "META-INF/manifest.xml")
        finally:
            if data is None:  # (one over the bytes holds no file: kept, for the reader)
                zf.close()
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        OSError,
        ValueError,
        RuntimeError,
        NotImplementedError,
    ):
        # Damaged (often truncated) zip: judge by the names in the local file headers.
        with open(path, "rb") as f:
            names = _local_zip_names(f.read(16 * 1024 * 1024))
        return Sniffed(_classify_zip_names(names, None, None), data)
    kept = zf if data is not None else None
    if mimetype is not None:
        kind = _ODF_MIMETYPES.get(mimetype.strip().decode("ascii", "replace"))
        if kind is not None:
            if manifest is not None and b"encryption-data" in manifest:
                return Sniffed("encrypted", data, kept)
            return Sniffed(kind, data, kept)
    return Sniffed(_classify_zip_names(names, content_types, mimetype), data, kept)


def _read_member(zf: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        info = zf.getinfo(name)
    except KeyError:
        return None
    try:
        with zf.open(info) as member:
            return member.read(_SMALL_PART)
    except Exception:
        return None


def _local_zip_names(data: bytes) -> list[str]:
    names = []
    for match in re.finditer(rb"PK\x03\x04", data):
        start = match.start()
        if start + 30 > len(data):
            break
        name_len = int.from_bytes(data[start + 26 : start + 28], "little")
        names.append(data[start + 30 : start + 30 + name_len].decode("cp437", "replace"))
    return names


def _classify_zip_names(
    names: list[str], content_types: bytes | None, mimetype: bytes | None
) -> str:
    lower = {name.lower().replace("\\", "/") for name in names}
    if mimetype is not None:
        kind = _ODF_MIMETYPES.get(mimetype.strip().decode("ascii", "replace"))
        if kind is not None:
            return kind
    if "xl/workbook.bin" in lower:
        return "xlsb"
    ct = (content_types or b"").lower()
    if (
        "xl/workbook.xml" in lower
        or any(n.startswith("xl/") for n in lower)
        or (b"spreadsheetml" in ct)
    ):
        if "xl/vbaproject.bin" in lower or _MACRO_CONTENT_TYPE in ct:
            return "xlsm"
        return "xlsx"
    if "word/document.xml" in lower or any(n.startswith("word/") for n in lower):
        return "docx"
    if any(n.startswith("ppt/") for n in lower):
        return "pptx"
    if "mimetype" in lower and "content.xml" in lower:
        return "ods"
    return "zip"


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _sniff_text(head: bytes) -> str:
    decoded = _decode_sample(head)
    if decoded is None:
        return "unknown"
    text, _encoding = decoded
    if not text.strip():
        return "unknown"
    if len(_CONTROL.findall(text)) > max(2, len(text) // 100):
        return "unknown"
    start = text.lstrip()[:2048].lower()
    if start.startswith("{\\rtf"):
        return "rtf"
    if start.startswith("<"):
        if "urn:schemas-microsoft-com:office:spreadsheet" in text[:_SNIFF_BYTES].lower() and (
            "<html" not in start
        ):
            return "xml-spreadsheet"
        if start.startswith("<?xml") and "<html" not in start:
            return "xml"
        if any(tag in start for tag in ("<html", "<!doctype html", "<table", "<head", "<body")):
            return "html"
    if not any(delimiter in text for delimiter in ",;\t|"):
        return "text"  # no column separator anywhere: prose, a log, an email body
    return "csv"


def _bom_encoding(data: bytes) -> str | None:
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def _utf16_without_bom(data: bytes) -> str | None:
    sample = data[:4096]
    if len(sample) < 4:
        return None
    sample = sample[: len(sample) - len(sample) % 2]
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def _decode_sample(data: bytes) -> tuple[str, str] | None:
    """Decode the start of a file (which may end mid-character); None for binary data."""
    candidates = []
    bom = _bom_encoding(data) or _utf16_without_bom(data)
    if bom is not None:
        candidates.append(bom)
    elif b"\x00" in data:
        return None
    candidates += ["utf-8", "cp1252", "latin-1"]
    for encoding in candidates:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            return decoder.decode(data, final=False), encoding
        except UnicodeDecodeError:
            continue
    return None


def decode_all(data: bytes) -> tuple[str, str]:
    bom = _bom_encoding(data) or _utf16_without_bom(data)
    candidates = [bom] if bom else []
    candidates += ["utf-8", "cp1252", "latin-1"]
    for encoding in candidates:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover
