"""The parts of an Office Open XML package (.xlsx/.xlsm) and the links between them.

A workbook file is a zip of parts (``xl/workbook.xml``, ``xl/worksheets/sheet1.xml``, ...);
``[Content_Types].xml`` names the kind of each part and ``_rels/*.rels`` files link them. The
patch writer (:mod:`edi_xl.master.patch`) edits a few parts of a package and copies every
other part's bytes as they were; this module is the package it works on.
"""

from __future__ import annotations

import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import IO, Any, NamedTuple

from lxml import etree

from edi_xl.read.zipped import rels_name, resolve, stored_bytes

#: The part that gives every part's content type, named by the format.
CONTENT_TYPES = "[Content_Types].xml"
#: The package's own relationships: the workbook's part, its properties.
ROOT_RELS = "_rels/.rels"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
WORKSHEET_REL = DOC_REL + "worksheet"
SHARED_STRINGS_REL = DOC_REL + "sharedStrings"
CALC_CHAIN_REL = DOC_REL + "calcChain"
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"

PARSER = etree.XMLParser(huge_tree=True, resolve_entities=False, no_network=True)


#: The characters below a space XML 1.0 cannot hold (all but tab, line feed, carriage return).
NOT_XML_CONTROL = bytes(set(range(32)) - {9, 10, 13})


def xml_characters_only(data: bytes, control: bytes = NOT_XML_CONTROL) -> bool:
    """Whether the UTF-8 ``data`` holds none of the bytes ``control`` and neither U+FFFE nor
    U+FFFF (characters XML 1.0 cannot hold). Looked for in the bytes, by ``translate`` and
    ``in``: several times faster than a pattern on the text, on megabytes of a sheet's rows."""
    # (U+FFFE and U+FFFF are written \xef\xbf\xbe and \xef\xbf\xbf: a search for the one
    # byte \xef, which most text never holds, is a tenth of the time of one for those three)
    return (
        b"\xef" not in data or (b"\xef\xbf\xbe" not in data and b"\xef\xbf\xbf" not in data)
    ) and len(data.translate(None, control)) == len(data)


def parse(data: bytes) -> etree._Element:
    return etree.fromstring(data, PARSER)


def serialise(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


@dataclass
class Rel:
    id: str
    type: str
    target: str  # as written
    external: bool


class _Entry(NamedTuple):
    """A part as its zip entry stores it: deflated (or stored) bytes, their CRC-32 and the
    part's size. ``of`` is the part's bytes it was made from: it is used only while the part
    still holds those very bytes."""

    of: bytes
    data: bytes
    crc: int
    size: int


#: Parts at least this big that change are deflated in the background, while the rest of a
#: save goes on (zlib lets other threads run while it works); smaller ones when written. The
#: package's one thread for it ends when the package is written (or dropped): none is left
#: behind to be copied into a process forked later (edi_xl.read.isolation forks readers).
BACKGROUND_DEFLATE = 64 * 1024


def _deflate(data: bytes) -> _Entry:
    """``data`` as a deflated zip entry, as :mod:`zipfile` deflates it (zlib's default
    level, raw deflate)."""
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return _Entry(data, compressor.compress(data) + compressor.flush(), zlib.crc32(data),
                  len(data))  # fmt: skip


def _stored_entries(data: bytes, infos: list[zipfile.ZipInfo]) -> dict[str, _Entry]:
    """The entries of the zip ``data`` as stored (not inflated), by name, for each entry that
    can be copied as it is (:func:`edi_xl.read.zipped.stored_bytes`)."""
    out: dict[str, _Entry] = {}
    for info in infos:
        stored = stored_bytes(data, info)
        if stored is not None:
            out[info.filename] = _Entry(b"", stored, info.CRC, info.file_size)
    return out


class _Unread(NamedTuple):
    """A part the package has not inflated yet: its zip entry as stored (its bytes, CRC-32
    and size), inflated when the part is first asked for (:class:`_Parts`)."""

    name: str
    entry: _Entry


def _inflate(unread: _Unread, method: int) -> bytes:
    """The bytes of the part ``unread``, from its entry as the zip stores it, held to its
    CRC-32 and size as :mod:`zipfile` holds a part it reads."""
    entry = unread.entry
    if method == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-15)
        data = inflater.decompress(entry.data) + inflater.flush()
    else:
        data = entry.data
    if len(data) != entry.size or zlib.crc32(data) != entry.crc:
        raise zipfile.BadZipFile(f"Bad CRC-32 for file {unread.name!r}")
    return data


class _Parts(dict[str, bytes]):
    """The parts of a :class:`Package` by name, each inflated when it is first asked for.

    A save copies every part it does not change as the zip stores it (deflated): a refresh
    changes the Summary, Settings and the workbook part, and inflating the plan sheet, the
    Change Log and the old Summary only to copy their stored bytes was about a hundredth of
    its time (7 MB on the benchmark's master). Looked up (``[]``, ``get``, ``items``,
    ``values``), a part is inflated and kept; :meth:`raw` gives what is held, inflated or
    not, for the writer to copy an entry as stored."""

    def __init__(self, methods: dict[str, int], entries: dict[str, Any]) -> None:
        super().__init__()
        self._methods = methods
        self._entries = entries  # (the package's: an unread part's entry follows its bytes)

    def hold(self, name: str, unread: _Unread) -> None:
        dict.__setitem__(self, name, unread)  # type: ignore[misc]

    def raw(self, name: str) -> bytes | _Unread:
        return dict.__getitem__(self, name)

    def __getitem__(self, name: str) -> bytes:
        data: bytes | _Unread = dict.__getitem__(self, name)
        if not isinstance(data, _Unread):
            return data
        made = _inflate(data, self._methods.get(name, zipfile.ZIP_DEFLATED))
        dict.__setitem__(self, name, made)
        entry = self._entries.get(name)
        if isinstance(entry, _Entry) and entry.of is data:
            self._entries[name] = entry._replace(of=made)  # (still copied as stored)
        return made

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        if name not in self:
            return default
        return self[name]  # (inflated: dict.get would give what is held)

    def __iter__(self) -> Iterator[str]:
        # (not dict's own: ``dict(parts)`` and ``{**parts}`` then copy by ``[]``, inflated,
        # where dict's fast copy would hand on an unread part as it is held)
        return dict.__iter__(self)

    def copy(self) -> dict[str, bytes]:  # type: ignore[override]
        return dict(self.items())

    # (dict's own would hand on a part not yet read as it is held: helper-100)
    def pop(self, name: str, *default: Any) -> Any:  # type: ignore[override]
        if name not in self:
            return dict.pop(self, name, *default)
        data = self[name]
        dict.__delitem__(self, name)
        return data

    def popitem(self) -> tuple[str, bytes]:
        if not self:
            raise KeyError("popitem(): no parts")
        name = next(reversed(list(self)))
        return name, self.pop(name)

    def setdefault(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        if name not in self:
            dict.__setitem__(self, name, default)
        return self[name]

    def items(self) -> Iterator[tuple[str, bytes]]:  # type: ignore[override]
        return ((name, self[name]) for name in list(self))

    def values(self) -> Iterator[bytes]:  # type: ignore[override]
        return (self[name] for name in list(self))

    def __eq__(self, other: object) -> bool:  # (the parts' bytes, read or not)
        if not isinstance(other, dict):
            return NotImplemented
        return list(self) == list(other) and all(self[n] == other[n] for n in self)

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = None  # type: ignore[assignment]


@dataclass
class Package:
    """The parts of a package, by name, in their zip order, with the zip's entry details.

    Writing it again (:meth:`to_bytes`) copies the entry of each part that did not change as
    the zip stores it (deflated): only the parts that changed are deflated, the big ones in
    the background as soon as they are put."""

    parts: dict[str, bytes]
    infos: dict[str, zipfile.ZipInfo] = field(default_factory=dict)
    changed: set[str] = field(default_factory=set)
    entries: dict[str, _Entry | Future[_Entry]] = field(default_factory=dict)
    _deflater: ThreadPoolExecutor | None = field(default=None, repr=False)
    #: Parts parsed ahead (:meth:`parse_ahead`): name -> (the bytes parsed, their tree), each
    #: tree handed out once by :meth:`xml`, and only while the part still holds those bytes.
    _parsed: dict[str, tuple[bytes, etree._Element]] = field(default_factory=dict, repr=False)
    #: Parts taken out (:meth:`remove`): their content-type entries go with them; an entry
    #: for a part the file never had is the file's own, and stays
    removed: set[str] = field(default_factory=set)

    @classmethod
    def read(cls, source: str | Path | bytes) -> Package:
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        infos: dict[str, zipfile.ZipInfo] = {}
        entries: dict[str, _Entry | Future[_Entry]] = {}
        parts = _Parts({}, entries)
        with zipfile.ZipFile(BytesIO(data)) as zf:
            for info in zf.infolist():
                if not info.is_dir():
                    infos[info.filename] = info
            stored = _stored_entries(data, list(infos.values()))
            parts._methods = {name: info.compress_type for name, info in infos.items()}
            for name, info in infos.items():
                entry = stored.get(name)
                if entry is None:  # (read by zipfile, which says what is wrong with it)
                    parts[name] = zf.read(info)
                    continue
                # inflated when first asked for (:class:`_Parts`), else copied as stored
                unread = _Unread(name, entry)
                parts.hold(name, unread)
                entries[name] = entry._replace(of=unread)  # type: ignore[arg-type]
        return cls(parts, infos, entries=entries)

    # --- parts ---------------------------------------------------------------------------

    def xml(self, name: str) -> etree._Element:
        """Part ``name`` parsed: a tree of its own, to change as the caller likes."""
        data = self.parts[name]
        ahead = self._parsed.pop(name, None)
        if ahead is not None and ahead[0] is data:
            return ahead[1]
        return parse(data)

    def parse_ahead(self, names: list[str]) -> None:
        """Parse the parts ``names`` now, for :meth:`xml` to hand out later. lxml lets other
        threads run while it parses: :func:`edi_xl.master.patch.read_ahead` calls this in a
        background thread (and nothing else touches the package until that thread ends)."""
        for name in names:
            data = self.parts.get(name)
            if data is None:
                continue
            try:
                self._parsed[name] = (data, parse(data))
            except Exception:  # noqa: BLE001 - :meth:`xml` parses it again, and raises then
                continue

    def put(self, name: str, data: bytes) -> None:
        self.parts[name] = data
        self.changed.add(name)
        self.entries.pop(name, None)
        info = self.infos.get(name)
        stored = info is not None and info.compress_type == zipfile.ZIP_STORED
        if len(data) >= BACKGROUND_DEFLATE and not stored:
            if self._deflater is None:
                self._deflater = ThreadPoolExecutor(1, thread_name_prefix="edi_xl-deflate")
            self.entries[name] = self._deflater.submit(_deflate, data)

    def put_xml(self, name: str, root: etree._Element) -> None:
        self.put(name, serialise(root))

    def remove(self, name: str) -> None:
        self.removed.add(name)
        self.parts.pop(name, None)
        self.infos.pop(name, None)
        self.entries.pop(name, None)
        self._parsed.pop(name, None)
        self.changed.discard(name)

    def free_name(self, wanted: str) -> str:
        """``wanted`` if no part has that name, else the same name with the next free number
        (``xl/charts/chart1.xml`` -> ``xl/charts/chart4.xml``). Part names are compared
        without case, as Excel does, and a name whose relationships part exists is taken."""
        taken = {name.lower() for name in self.parts}

        def free(name: str) -> bool:
            return name.lower() not in taken and rels_name(name).lower() not in taken

        if free(wanted):
            return wanted
        folder, name = posixpath.split(wanted)
        stem, dot, ext = name.rpartition(".")
        base = stem.rstrip("0123456789") or stem
        n = 1
        while True:
            candidate = posixpath.join(folder, f"{base}{n}{dot}{ext}")
            if free(candidate):
                return candidate
            n += 1

    # --- relationships ---------------------------------------------------------------------

    def rels(self, part: str) -> list[Rel]:
        name = rels_name(part)
        if name not in self.parts:
            return []
        return [
            Rel(
                el.get("Id", ""),
                el.get("Type", ""),
                el.get("Target", ""),
                el.get("TargetMode") == "External",
            )
            for el in self.xml(name)
        ]

    def write_rels(self, part: str, rels: list[Rel]) -> None:
        name = rels_name(part)
        if not rels:
            self.remove(name)
            return
        root = etree.Element(f"{{{REL_NS}}}Relationships", nsmap={None: REL_NS})
        for rel in rels:
            el = etree.SubElement(root, f"{{{REL_NS}}}Relationship")
            el.set("Id", rel.id)
            el.set("Type", rel.type)
            el.set("Target", rel.target)
            if rel.external:
                el.set("TargetMode", "External")
        self.put_xml(name, root)

    def linked(self, part: str) -> Iterator[tuple[Rel, str]]:
        """Each internal relationship of ``part`` with the part name it points at."""
        for rel in self.rels(part):
            if not rel.external:
                yield rel, resolve(part, rel.target)

    def reachable(self, start: str) -> set[str]:
        """Every part reached from ``start`` through relationships (``start`` included)."""
        seen: set[str] = set()
        todo = [start]
        while todo:
            part = todo.pop()
            if part in seen or part not in self.parts:
                continue
            seen.add(part)
            todo.extend(target for _, target in self.linked(part))
        return seen

    def all_reachable(self) -> set[str]:
        """Every part reached from the package's root relationships."""
        seen: set[str] = set()
        for rel in self.rels(""):
            if not rel.external:
                seen |= self.reachable(resolve("", rel.target))
        return seen

    # --- content types ---------------------------------------------------------------------

    def content_types(self) -> etree._Element:
        return self.xml(CONTENT_TYPES)

    def set_content_types(self, root: etree._Element) -> None:
        self.put_xml(CONTENT_TYPES, root)

    # --- writing ---------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """The package as a zip: every part in its original order (new parts after), an
        unchanged part with its original entry details (and its bytes as the zip stored
        them), a changed one with its entry's details and way of storing (deflated or not)."""
        try:
            if len(self.parts) < 0xFFFF:
                written = self._zip()
                if written is not None:
                    return written
            return self._zip_by_zipfile()
        finally:
            if self._deflater is not None:
                self._deflater.shutdown(cancel_futures=True)
                self._deflater = None
                self.entries = {
                    name: entry.result() if isinstance(entry, Future) else entry
                    for name, entry in self.entries.items()
                    if not isinstance(entry, Future)
                    or (entry.done() and not entry.cancelled() and entry.exception() is None)
                }

    def _entry(self, name: str, data: bytes | _Unread, method: int) -> _Entry:
        """The zip entry of part ``name`` holding ``data``, stored by ``method``."""
        entry = self.entries.get(name)
        if isinstance(data, _Unread):  # (never looked at: its entry as the zip stored it)
            return data.entry if entry is None or isinstance(entry, Future) else entry
        if isinstance(entry, Future):  # (had it failed, it is deflated again here)
            entry = entry.result() if entry.exception() is None else None
        if (
            entry is not None
            and entry.of is data
            and (method == zipfile.ZIP_DEFLATED or len(entry.data) == len(data))
        ):
            return entry
        if method == zipfile.ZIP_STORED:
            return _Entry(data, data, zlib.crc32(data), len(data))
        return _deflate(data)

    def _zip(self) -> bytes | None:
        """:meth:`to_bytes` written here, each entry as :func:`zipfile` writes it, so that the
        stored entries of unchanged parts and the ones deflated in the background can be
        copied as they are; None when the package needs more than this writes (zip64,
        another way of storing)."""
        out = BytesIO()
        central = BytesIO()
        count = 0
        raw = self.parts.raw if isinstance(self.parts, _Parts) else self.parts.__getitem__
        for name in list(self.parts):
            data = raw(name)
            info = self.infos.get(name)
            if info is not None:
                date_time, method = info.date_time, info.compress_type
                external, system = info.external_attr, info.create_system
            else:
                date_time, method = (1980, 1, 1, 0, 0, 0), zipfile.ZIP_DEFLATED
                external, system = 0o600 << 16, zipfile.ZipInfo().create_system  # as zipfile
            if method not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                return None
            entry = self._entry(name, data, method)
            offset = out.tell()
            if max(offset, len(entry.data), entry.size) >= 0xFFFFFFFF:
                return None
            encoded = name.encode("ascii") if name.isascii() else name.encode("utf-8")
            flags = 0 if name.isascii() else 0x800
            year, month, day, hour, minute, second = date_time
            dos_date = (year - 1980) << 9 | month << 5 | day
            dos_time = hour << 11 | minute << 5 | second // 2
            details = (20, flags, method, dos_time, dos_date, entry.crc, len(entry.data),
                       entry.size, len(encoded))  # fmt: skip
            out.write(struct.pack("<4s5HL2L2H", b"PK\x03\x04", *details, 0))
            out.write(encoded)
            out.write(entry.data)
            central.write(struct.pack("<4s6HL2L5HLL", b"PK\x01\x02", system << 8 | 20,
                                      *details, 0, 0, 0, 0, external, offset))  # fmt: skip
            central.write(encoded)
            count += 1
        start = out.tell()
        directory = central.getvalue()
        if start + len(directory) >= 0xFFFFFFFF:
            return None
        out.write(directory)
        out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(directory),
                              start, 0))  # fmt: skip
        return out.getvalue()

    def _zip_by_zipfile(self) -> bytes:
        """:meth:`to_bytes` written by :mod:`zipfile`, every part deflated again."""
        out = BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in self.parts.items():
                info = self.infos.get(name)
                if info is not None:
                    zinfo = zipfile.ZipInfo(name, date_time=info.date_time)
                    zinfo.compress_type = info.compress_type
                    zinfo.external_attr = info.external_attr
                    zinfo.create_system = info.create_system
                else:
                    zinfo = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                    zinfo.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(zinfo, data)
        return out.getvalue()


def free_rel_id(rels: list[Rel]) -> str:
    """A relationship id no relationship of ``rels`` has ("rId7")."""
    used = {r.id for r in rels}
    n = len(rels) + 1
    while f"rId{n}" in used:
        n += 1
    return f"rId{n}"


def is_package(path: str | Path | IO[bytes]) -> bool:
    """True for a zip holding ``[Content_Types].xml`` and a workbook part: ``xl/workbook.xml``
    as Excel names it, or wherever the package's relationships put it (a part name is the
    writer's choice: calamine's minimal_package.xlsx has ``/workbook.xml``)."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if CONTENT_TYPES not in names:
                return False
            if any(n.startswith("xl/workbook") for n in names):
                return True
            if ROOT_RELS not in names or zf.getinfo(ROOT_RELS).file_size > 1_000_000:
                return False
            for el in parse(zf.read(ROOT_RELS)):
                if el.get("Type", "").endswith("/officeDocument"):
                    return resolve("", el.get("Target", "")) in names
    except (OSError, zipfile.BadZipFile, etree.XMLSyntaxError, ValueError):
        return False
    return False


def _referenced_names(zf: zipfile.ZipFile, names: dict[str, str]) -> set[str]:
    """The part names the package's content types and relationships give (its zip entries
    ``names``, by their name as written, ``/`` for ``\\``)."""
    # (the content types and the package's relationships are named by the format itself:
    # "[content_types].xml", as xlrd's issue150.xlsx and POI's 49609.xlsx hold it, is them)
    wanted: set[str] = {CONTENT_TYPES, ROOT_RELS}
    types = next((entry for n, entry in names.items() if n.lower() == CONTENT_TYPES.lower()), None)
    if types is not None:
        for el in parse(zf.read(types)):
            if el.get("PartName"):
                wanted.add(el.get("PartName", "").lstrip("/"))
    for name, entry in names.items():
        if not name.endswith(".rels"):
            continue
        folder = posixpath.dirname(posixpath.dirname(name))  # (xl/_rels/x.rels: of xl/x)
        source = posixpath.join(folder, posixpath.basename(name)[: -len(".rels")])
        for el in parse(zf.read(entry)):
            if el.get("TargetMode") != "External" and el.get("Target"):
                wanted.add(resolve(source, el.get("Target", "")))
    return wanted


def canonical_package(data: bytes) -> bytes:
    """The package ``data`` with its zip entries named as the package names its parts, so
    that what reads a part by name (openpyxl, the patch writer) finds it. Excel finds them
    either way: a part's name is matched without case, and a zip written on Windows by some
    programs separates folders with ``\\``:

    - ``xl\\worksheets\\sheet1.xml``: named ``xl/worksheets/sheet1.xml`` (calamine's
      issue_530.xlsx, "I can open it with Office");
    - ``xl/SharedStrings.xml``, which the content types and the workbook's relationships
      call ``xl/sharedStrings.xml``: named as they call it (calamine's issue_419.xlsx).

    ``data`` itself when nothing is to be renamed (nearly always: the names are only read),
    or when it is not a package at all (the caller says why).
    """
    try:
        with zipfile.ZipFile(BytesIO(data)) as zf:
            infos = zf.infolist()
            names = {info.filename.replace("\\", "/"): info.filename for info in infos}
            if len(names) != len(infos):
                return data  # (two entries of one name: not for edi_xl to choose)
            renamed = {written: name for name, written in names.items() if name != written}
            lower: dict[str, list[str]] = {}
            for name in names:
                lower.setdefault(name.lower(), []).append(name)
            for wanted in _referenced_names(zf, names):
                found = lower.get(wanted.lower(), [])
                if wanted not in names and len(found) == 1:
                    renamed[names[found[0]]] = wanted
            if not renamed:
                return data
            out = BytesIO()
            with zipfile.ZipFile(out, "w") as new:
                for info in infos:
                    copy = zipfile.ZipInfo(renamed.get(info.filename, info.filename),
                                           info.date_time)  # fmt: skip
                    copy.compress_type = info.compress_type
                    copy.external_attr = info.external_attr
                    new.writestr(copy, zf.read(info))
            return out.getvalue()
    except (OSError, zipfile.BadZipFile, etree.XMLSyntaxError, ValueError, KeyError,
            RuntimeError, EOFError, zlib.error):  # fmt: skip
        return data


#: A merged range of a sheet part: ``<mergeCell ref="B10:J10"/>`` (any prefix).
_MERGE_CELL = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\bref\s*=\s*[\"']"
    rb"([A-Za-z]+[0-9]+:[A-Za-z]+[0-9]+)[\"']"
)


def related_part(archive: zipfile.ZipFile, source: str, kind: str) -> str | None:
    """The part ``source``'s relationship of type ``kind`` ("officeDocument", "styles")
    points at ("": the package's); KeyError when ``source`` has no relationships part."""
    for rel in parse(archive.read(rels_name(source))):
        if rel.get("Type") == DOC_REL + kind and rel.get("TargetMode") != "External":
            return resolve(source, rel.get("Target", ""))
    return None


def merged_ranges(data: bytes) -> dict[str, list[str]]:
    """Worksheet name -> its merged ranges ("B10:J10"), as the package ``data`` has them
    (read from the sheet parts, no workbook loaded: the buttons' remote engines give a
    workbook's values but not its merges, and its file, as last saved, does). Nothing for a
    package that cannot be read so."""
    out: dict[str, list[str]] = {}
    data = canonical_package(data)  # (parts named as the package names them, as for a load)
    try:
        with zipfile.ZipFile(BytesIO(data)) as zf:
            names = set(zf.namelist())
            book = "xl/workbook.xml"
            if ROOT_RELS in names:
                book = related_part(zf, "", "officeDocument") or book
            targets = {
                rel.get("Id", ""): resolve(book, rel.get("Target", ""))
                for rel in parse(zf.read(rels_name(book)))
            }
            for sheet in parse(zf.read(book)).iter(f"{{{MAIN_NS}}}sheet"):
                part = targets.get(sheet.get(f"{{{R_NS}}}id", ""), "")
                if part in names:
                    found = _MERGE_CELL.findall(zf.read(part))
                    if found:
                        out[sheet.get("name", "")] = [ref.decode("ascii") for ref in found]
    except (KeyError, OSError, zipfile.BadZipFile, etree.XMLSyntaxError, ValueError):
        return {}
    return out
