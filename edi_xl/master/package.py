"""The parts of an Office Open XML package (.xlsx/.xlsm) and the links between them.

A workbook file is a zip of parts (``xl/workbook.xml``, ``xl/worksheets/sheet1.xml``, ...);
``[Content_Types].xml`` names the kind of each part and ``_rels/*.rels`` files link them. The
patch writer (:mod:`edi_xl.master.patch`) edits a few parts of a package and copies every
other part's bytes as they were; this module is the package it works on.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import IO

from lxml import etree

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


def parse(data: bytes) -> etree._Element:
    return etree.fromstring(data, PARSER)


def serialise(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def rels_name(part: str) -> str:
    """The relationships part of ``part`` (``xl/x.xml`` -> ``xl/_rels/x.xml.rels``)."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def resolve(source: str, target: str) -> str:
    """The part name a relationship of ``source`` with ``target`` points at."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


@dataclass
class Rel:
    id: str
    type: str
    target: str  # as written
    external: bool


@dataclass
class Package:
    """The parts of a package, by name, in their zip order, with the zip's entry details."""

    parts: dict[str, bytes]
    infos: dict[str, zipfile.ZipInfo] = field(default_factory=dict)
    changed: set[str] = field(default_factory=set)

    @classmethod
    def read(cls, source: str | Path | bytes) -> Package:
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        parts: dict[str, bytes] = {}
        infos: dict[str, zipfile.ZipInfo] = {}
        with zipfile.ZipFile(BytesIO(data)) as zf:
            for info in zf.infolist():
                if info.is_dir():
                    continue
                parts[info.filename] = zf.read(info)
                infos[info.filename] = info
        return cls(parts, infos)

    # --- parts ---------------------------------------------------------------------------

    def xml(self, name: str) -> etree._Element:
        return parse(self.parts[name])

    def put(self, name: str, data: bytes) -> None:
        self.parts[name] = data
        self.changed.add(name)

    def put_xml(self, name: str, root: etree._Element) -> None:
        self.put(name, serialise(root))

    def remove(self, name: str) -> None:
        self.parts.pop(name, None)
        self.infos.pop(name, None)
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
        return self.xml("[Content_Types].xml")

    def set_content_types(self, root: etree._Element) -> None:
        self.put_xml("[Content_Types].xml", root)

    # --- writing ---------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """The package as a zip: every part in its original order (new parts after), an
        unchanged part with its original entry details."""
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
    """True for a zip holding ``[Content_Types].xml`` and a workbook part."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (OSError, zipfile.BadZipFile):
        return False
    return "[Content_Types].xml" in names and any(n.startswith("xl/workbook") for n in names)
