"""The entries of a zip held in memory, read without :class:`zipfile.ZipExtFile`.

An owner return is a zip of a dozen small parts; opening each through :mod:`zipfile` (a
file object, its local header read and checked, a decompressor) is most of what looking at
them costs. The central directory's details (``infolist()``) say where each entry's bytes
are; these functions take them from there: the bytes as stored (which the patch writer copies
into a master it saves), the first bytes of an entry inflated (what the check of a return
for a DTD looks at), or all of them (a return's sheets, read for what calamine does not read).
"""

from __future__ import annotations

import lzma
import posixpath
import struct
import zipfile
import zlib

#: What reading a part of a damaged zip raises (:mod:`zipfile` and the decompressors under
#: it: a bad CRC, a stream cut short or corrupt, an unsupported method, a missing part):
#: caught by a reader for which a damaged part means only "not there".
DAMAGED_PART_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    KeyError,
    ValueError,
    EOFError,
    NotImplementedError,
    RuntimeError,
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
)

_LOCAL_HEADER = b"PK\x03\x04"


def stored_bytes(data: bytes, info: zipfile.ZipInfo) -> bytes | None:
    """The bytes of entry ``info`` of the zip ``data`` as the zip stores them (deflated, or
    not compressed); None for an entry that cannot be taken so: another way of compressing,
    encrypted, zip64 sizes or offsets, or its local header not where the directory says or
    naming another entry (as :mod:`zipfile` checks)."""
    start = info.header_offset
    if (
        info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
        or info.flag_bits & 0x1
        or max(info.compress_size, info.file_size, start) >= 0xFFFFFFFF
        or data[start : start + 4] != _LOCAL_HEADER
    ):
        return None
    name_len, extra_len = struct.unpack("<HH", data[start + 26 : start + 30])
    name = data[start + 30 : start + 30 + name_len]
    encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"
    if name.decode(encoding, "replace") != info.orig_filename:
        return None
    begin = start + 30 + name_len + extra_len
    stored = data[begin : begin + info.compress_size]
    return stored if len(stored) == info.compress_size else None


def head(data: bytes, info: zipfile.ZipInfo, size: int) -> bytes | None:
    """The first ``size`` bytes of entry ``info``, inflated; all of it when it is no longer
    than that, and then only if its CRC-32 is right (as :mod:`zipfile` checks reading an
    entry to its end). None when :func:`stored_bytes` cannot take the entry or its data is
    damaged (it does not inflate, or gives fewer or more bytes than the entry's size says):
    read it with :mod:`zipfile`, which says what is wrong."""
    stored = stored_bytes(data, info)
    if stored is None:
        return None
    if info.compress_type == zipfile.ZIP_STORED:
        out = stored[:size]
    else:
        try:
            out = zlib.decompressobj(-15).decompress(stored, size)
        except zlib.error:
            return None
    if len(out) != min(size, info.file_size):  # (data that ends early, or runs on)
        return None
    if len(out) == info.file_size and zlib.crc32(out) != info.CRC:
        return None
    return out


def whole(data: bytes, info: zipfile.ZipInfo) -> bytes | None:
    """All of entry ``info``, inflated, its CRC-32 checked: what :mod:`zipfile` reads of it.
    None where :func:`head` cannot take it, and where zipfile might refuse an entry that
    function takes (flag bits 5 and 6, patched data and strong encryption; a name not plain
    ASCII, which zipfile decodes from the local header by that header's own flag, strictly):
    read it with zipfile, which says what is wrong."""
    if info.flag_bits & 0x60 or not info.orig_filename.isascii():
        return None
    return head(data, info, info.file_size)


def rels_name(part: str) -> str:
    """The relationships part of the package part ``part`` (``xl/x.xml`` ->
    ``xl/_rels/x.xml.rels``)."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def resolve(source: str, target: str) -> str:
    """The part name a relationship of ``source`` with ``target`` points at."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))
