"""Entries of a zip taken from its bytes (edi_xl.read.zipped) hold what zipfile reads."""

from __future__ import annotations

import copy
import io
import zipfile

import pytest

from edi_xl.read import zipped

BIG = b"<worksheet>" + b"<row><c><v>1</v></c></row>" * 2000 + b"</worksheet>"
PARTS = {"small.xml": b"<a>tiny</a>", "big.xml": BIG, "empty.xml": b""}


def _zip(method: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as zf:
        for name, data in PARTS.items():
            zf.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
@pytest.mark.parametrize("size", [1, 4096, 10**7])
def test_an_entry_s_head_is_what_zipfile_reads(method: int, size: int) -> None:
    data = _zip(method)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            with zf.open(info) as member:
                expected = member.read(size)
            assert zipped.head(data, info, size) == expected
            stored = zipped.stored_bytes(data, info)
            assert stored is not None and len(stored) == info.compress_size


def test_a_whole_entry_with_a_wrong_crc_is_left_to_zipfile() -> None:
    data = bytearray(_zip(zipfile.ZIP_STORED))
    at = data.index(b"tiny")
    data[at : at + 4] = b"TINY"  # the bytes changed, not the CRC the zip holds for them
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("small.xml")
        assert zipped.head(bytes(data), info, 4096) is None
        with pytest.raises(zipfile.BadZipFile):
            zf.read(info)  # what reading it with zipfile then says


def test_entries_it_cannot_take_are_left_to_zipfile() -> None:
    data = _zip(zipfile.ZIP_DEFLATED)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo("big.xml")
    encrypted = copy.copy(info)
    encrypted.flag_bits |= 0x1
    assert zipped.head(data, encrypted, 10) is None
    moved = copy.copy(info)
    moved.header_offset += 1  # no local header where the directory says
    assert zipped.stored_bytes(data, moved) is None
    assert zipped.stored_bytes(data[: len(data) // 2], info) is None  # cut short
    damaged = bytearray(data)
    start = info.header_offset + 30 + len(b"big.xml")
    damaged[start : start + 8] = b"\xff" * 8  # not deflate data any more
    assert zipped.head(bytes(damaged), info, 10**7) is None
