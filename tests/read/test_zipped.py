"""Entries of a zip taken from its bytes (edi_xl.read.zipped) hold what zipfile reads."""

from __future__ import annotations

import copy
import io
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest

from edi_xl.read import zipped

BIG = b"<worksheet>" + b"<row><c><v>1</v></c></row>" * 2000 + b"</worksheet>"
PARTS = {"small.xml": b"<a>tiny</a>", "big.xml": BIG, "empty.xml": b""}


def _zip(method: int, parts: dict[str, bytes] = PARTS) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as zf:
        for name, data in parts.items():
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


def test_an_entry_whose_data_ends_early_is_left_to_zipfile() -> None:
    """Deflate data that ends (a last block) before the entry's size: zipfile refuses it,
    so the bytes taken from memory are not used either, however few were asked for."""
    body = b"<a>" + b"x" * 5000 + b"</a>"
    data = bytearray(_zip(zipfile.ZIP_DEFLATED, {"cut.xml": body}))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("cut.xml")
    start = info.header_offset + 30 + len(b"cut.xml")
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    short = compressor.compress(body[:100]) + compressor.flush()  # only the first 100 bytes
    data[start : start + len(short)] = short
    for size in (100, 4096, 10**7):
        assert zipped.head(bytes(data), info, size) == (body[:100] if size == 100 else None)
    with (
        zipfile.ZipFile(io.BytesIO(bytes(data))) as zf,
        zf.open(info) as member,
        pytest.raises(zipfile.BadZipFile),
    ):
        member.read(4096)


class _Unseekable(io.RawIOBase):
    """A stream zipfile cannot go back in: it writes each entry's sizes after its data."""

    def __init__(self) -> None:
        self.written = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        self.written += b
        return len(b)


def test_entries_with_their_sizes_after_the_data_are_taken() -> None:
    """Flag 0x8: the local header holds no sizes or CRC (a data descriptor after the data
    does); the central directory's are used."""
    out = _Unseekable()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in PARTS.items():
            zf.writestr(name, body)
    data = bytes(out.written)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = zf.infolist()
        assert all(info.flag_bits & 0x8 for info in infos)
        for info in infos:
            assert zipped.head(data, info, 10**7) == zf.read(info) == PARTS[info.filename]
            assert zipped.stored_bytes(data, info) is not None


def _entry_by_hand(name: bytes, body: bytes, local_extra: bytes, central_extra: bytes) -> bytes:
    """A zip of one entry, stored, whose local header's extra field is not the central
    directory's (as zip tools that align entries write them)."""
    crc, n = zlib.crc32(body), len(body)
    local = struct.pack(
        "<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 33, crc, n, n, len(name), len(local_extra)
    )
    central = struct.pack(
        "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 0, 0, 33, crc, n, n,
        len(name), len(central_extra), 0, 0, 0, 0, 0,
    )  # fmt: skip
    local += name + local_extra + body
    central += name + central_extra
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(central), len(local), 0)
    return local + central + end


@pytest.mark.parametrize(
    ("local_extra", "central_extra"),
    [(b"\xfe\xca\x04\x00pads", b""), (b"", b"\x99\x99\x02\x00zz"), (b"\x99\x99\x00\x00", b"")],
)
def test_an_entry_s_data_starts_after_its_local_header_s_extra_field(
    local_extra: bytes, central_extra: bytes
) -> None:
    data = _entry_by_hand(b"x.xml", b"<x>hello</x>", local_extra, central_extra)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo("x.xml")
        assert zipped.head(data, info, 4096) == zf.read(info) == b"<x>hello</x>"
        assert zipped.stored_bytes(data, info) == b"<x>hello</x>"


def test_a_local_header_naming_another_entry_is_left_to_zipfile() -> None:
    data = bytearray(_zip(zipfile.ZIP_DEFLATED))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("big.xml")
    at = info.header_offset + 30
    data[at : at + 3] = b"bag"  # the local header's name, not the central directory's
    assert zipped.stored_bytes(bytes(data), info) is None
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf, pytest.raises(zipfile.BadZipFile):
        zf.read("big.xml")


def test_a_big_return_is_read_as_it_streams_with_the_same_grids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openpyxl import Workbook

    from edi_xl.read import sources

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Action", "Status", "Update"])
    for n in range(1, 40):
        ws.append([f"1.{n}", "Green", f"update {n} & <more>"])
    ws.row_dimensions[5].hidden = True
    path = tmp_path / "return.xlsx"
    wb.save(path)
    in_memory = sources._fast_ooxml_sheets(path)
    monkeypatch.setattr(sources, "_FAST_IN_MEMORY", 0)  # as if it were bigger than that
    streamed = sources._fast_ooxml_sheets(path)
    assert in_memory is not None and streamed == in_memory
    assert in_memory[0][0].hidden_rows == frozenset({4})
