"""The trust's sensitivity label, carried from a labelled workbook to the files made from it.

A Microsoft Purview sensitivity label ("OFFICIAL", "OFFICIAL-SENSITIVE") lives in an Office
package in two places (MS-OFFCRYPTO 2.6.4; the MIP SDK's label metadata):

- the part ``docMetadata/LabelInfo.xml`` (``clbl:labelList``: each label's id, its tenant's
  site id, how it was set), with its content type in ``[Content_Types].xml`` and a
  relationship from the package root (``_rels/.rels``);
- the custom document properties ``MSIP_Label_<label id>_Enabled``, ``_SetDate``,
  ``_Method``, ``_Name``, ``_SiteId``, ``_ActionId``, ``_ContentBits`` in
  ``docProps/custom.xml``, which older Office reads and current Office still writes.

The master keeps its label through every command (the patch writer copies every part it does
not own). The files edi_xl writes *from* a master or a trust's plan (owner returns, the board
paper, a new master) are new packages: :func:`read_label` takes the label from the source and
:func:`with_label` (or :func:`labelled_package`) puts the same parts in the package written.
Both parts are copied as they are: the label's id and the site id name the trust's tenant,
which is the same for the file made. A file with no label is written exactly as before.
An RMS-encrypted file is not a zip at all, so it has no label here (edi_xl cannot read it).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from edi_xl.master.package import CONTENT_TYPES, CT_NS, PARSER, REL_NS, ROOT_RELS, serialise
from edi_xl.read.zipped import DAMAGED_PART_ERRORS, resolve

__all__ = [
    "LABEL_INFO",
    "SensitivityLabel",
    "labelled_package",
    "one_label",
    "read_label",
    "with_label",
]

LABEL_INFO = "docMetadata/LabelInfo.xml"
LABEL_INFO_TYPE = "application/vnd.ms-office.classificationlabels+xml"
LABEL_INFO_REL = "http://schemas.microsoft.com/office/2020/02/relationships/classificationlabels"
CLBL_NS = "http://schemas.microsoft.com/office/2020/mipLabelMetadata"
CUSTOM = "docProps/custom.xml"
CUSTOM_TYPE = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
CUSTOM_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
MSIP_PREFIX = "MSIP_Label_"
#: The first pid a custom property may have (0 and 1 are reserved by the format).
FIRST_PID = 2


@dataclass(frozen=True)
class SensitivityLabel:
    """A package's sensitivity label, as the parts hold it.

    ``label_info``: the bytes of ``LabelInfo.xml`` (None when the package has only the
    custom properties, as files labelled by older Office do); ``properties``: the
    ``MSIP_Label_*`` ``<property>`` elements of ``docProps/custom.xml`` as written there
    (their pid is given anew in the file they go to); ``source``: the file it was read from.
    """

    label_info: bytes | None
    properties: tuple[bytes, ...]
    source: str

    @property
    def ids(self) -> frozenset[tuple[str, str]]:
        """The labels applied, as (label id, site id) in lower case without braces: two
        files carry the same label when these are the same (their set date and action id
        differ from one labelling to the next). From ``LabelInfo.xml`` when there is one,
        else from the ``MSIP_Label_<id>_Enabled`` properties that say "true"."""
        if self.label_info is not None:
            return _label_info_ids(self.label_info)
        values = {_name(p): _text(p) for p in self.properties}
        return frozenset(
            (_guid(name[len(MSIP_PREFIX) : -len("_Enabled")]), _guid(values.get(site)))
            for name, value in values.items()
            if name.endswith("_Enabled") and (value or "").lower() == "true"
            for site in [name.removesuffix("_Enabled") + "_SiteId"]
        )

    @property
    def names(self) -> list[str]:
        """The names the custom properties give the labels applied (``ids``: not a stale
        property of a label since changed or removed in ``LabelInfo.xml``), for messages."""
        applied = {label for label, _ in self.ids}
        return [
            t
            for p in self.properties
            if (n := _name(p)).endswith("_Name")
            and _guid(n[len(MSIP_PREFIX) : -len("_Name")]) in applied
            and (t := _text(p))
        ]

    def describe(self) -> str:
        """The label in words: its names, else its ids."""
        return " + ".join(self.names) or " + ".join(sorted(i for i, _ in self.ids)) or "?"


def _label_info_ids(data: bytes) -> frozenset[tuple[str, str]]:
    """(label id, site id) of each label of a ``LabelInfo.xml`` enabled and not removed; a
    part that is not XML is told apart from others by its text."""
    try:
        root = etree.fromstring(data, PARSER)
    except etree.XMLSyntaxError:
        return frozenset()
    return frozenset(
        (_guid(label.get("id")), _guid(label.get("siteId")))
        for label in root.iter(f"{{{CLBL_NS}}}label")
        if label.get("enabled") in ("1", "true") and label.get("removed") not in ("1", "true")
    )


def _guid(value: str | None) -> str:
    return (value or "").strip().strip("{}").lower()


def _name(prop: bytes) -> str:
    return etree.fromstring(prop, PARSER).get("name") or ""


def _text(prop: bytes) -> str | None:
    element = etree.fromstring(prop, PARSER)
    return element[0].text if len(element) else None


# --- reading the label of a file ---------------------------------------------------------------


def _root_targets(zf: zipfile.ZipFile, names: set[str], rel_type: str) -> list[str]:
    """The parts the package root relates to with ``rel_type``, that are in the zip."""
    if ROOT_RELS not in names:
        return []
    try:
        rels = etree.fromstring(zf.read(ROOT_RELS), PARSER)
    except etree.XMLSyntaxError:
        return []
    return [
        part
        for rel in rels.iter(f"{{{REL_NS}}}Relationship")
        if rel.get("Type") == rel_type
        and rel.get("TargetMode") != "External"
        and (part := resolve("", rel.get("Target") or "")) in names
    ]


def _msip_properties(data: bytes) -> tuple[bytes, ...]:
    """The ``MSIP_Label_*`` properties of a custom properties part, as written there."""
    try:
        root = etree.fromstring(data, PARSER)
    except etree.XMLSyntaxError:
        return ()
    return tuple(
        etree.tostring(prop)
        for prop in root.iter(f"{{{CUSTOM_NS}}}property")
        if (prop.get("name") or "").startswith(MSIP_PREFIX)
    )


def read_label(path: str | Path, data: bytes | None = None) -> SensitivityLabel | None:
    """The sensitivity label of the Office package at ``path`` (a workbook, a Word document),
    or None when it has none, or is not a package (a CSV, an RMS-encrypted file). ``data``:
    the package's bytes, when they are at hand (``path`` then only names it)."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path if data is None else io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            infos = _root_targets(zf, names, LABEL_INFO_REL)
            customs = _root_targets(zf, names, CUSTOM_REL) or ([CUSTOM] if CUSTOM in names else [])
            label_info = zf.read(infos[0]) if infos else None
            properties = _msip_properties(zf.read(customs[0])) if customs else ()
    except DAMAGED_PART_ERRORS:
        return None  # (a part damaged in the zip: nothing else reads it, so no label either)
    label = SensitivityLabel(label_info, properties, path.name)
    if label_info is not None and not label.ids:
        # LabelInfo.xml decides for its tenants (MS-OFFCRYPTO 2.6.3): a label removed there
        # (removed="1") is no label, whatever stale MSIP_Label_* properties say; a part that
        # is not XML is not copied into every file made (only the properties, if any)
        if _parses(label_info):
            return None
        label = SensitivityLabel(None, properties, path.name)
    return label if label.ids else None


def _parses(data: bytes) -> bool:
    try:
        etree.fromstring(data, PARSER)
    except etree.XMLSyntaxError:
        return False
    return True


def one_label(
    labels: Iterable[SensitivityLabel | None],
) -> tuple[SensitivityLabel | None, list[SensitivityLabel]]:
    """The label a file made from several sources carries: theirs, when every labelled source
    has the same (the first's parts); none when they differ, with the differing labels
    returned for the message (which is the more restrictive is the tenant's policy, not in
    the files: a person chooses). Unlabelled sources do not count: the data of the labelled
    ones is in the file made all the same."""
    found = [label for label in labels if label is not None]
    kinds: dict[frozenset[tuple[str, str]], SensitivityLabel] = {}
    for label in found:
        kinds.setdefault(label.ids, label)
    if len(kinds) > 1:
        return None, list(kinds.values())
    return (found[0] if found else None), []


# --- putting it in a package written -----------------------------------------------------------


def _with_override(content_types: bytes, part: str, content_type: str) -> bytes:
    """``[Content_Types].xml`` naming ``part`` as ``content_type`` (its override replaced)."""
    root = etree.fromstring(content_types, PARSER)
    for override in root.findall(f"{{{CT_NS}}}Override"):
        if (override.get("PartName") or "").lstrip("/") == part:
            root.remove(override)
    etree.SubElement(root, f"{{{CT_NS}}}Override", PartName=f"/{part}", ContentType=content_type)
    return serialise(root)


def _with_root_rel(rels: bytes | None, rel_type: str, part: str) -> bytes:
    """The root relationships with one of ``rel_type`` to ``part`` (kept when there is)."""
    root = (
        etree.fromstring(rels, PARSER)
        if rels is not None
        else etree.Element(f"{{{REL_NS}}}Relationships", nsmap={None: REL_NS})
    )
    rel_list = root.findall(f"{{{REL_NS}}}Relationship")
    if any(
        r.get("Type") == rel_type and resolve("", r.get("Target") or "") == part for r in rel_list
    ):
        return serialise(root)
    taken = {r.get("Id") for r in rel_list}
    n = len(rel_list) + 1
    while f"rId{n}" in taken:
        n += 1
    etree.SubElement(root, f"{{{REL_NS}}}Relationship", Id=f"rId{n}", Type=rel_type, Target=part)
    return serialise(root)


def _with_properties(custom: bytes | None, properties: tuple[bytes, ...]) -> bytes:
    """A custom properties part holding ``properties`` (given the next pids) and every other
    property it had; a property of the same name is replaced."""
    root = (
        etree.fromstring(custom, PARSER)
        if custom is not None
        else etree.Element(f"{{{CUSTOM_NS}}}Properties", nsmap={None: CUSTOM_NS, "vt": VT_NS})
    )
    new = [etree.fromstring(p, PARSER) for p in properties]
    names = {p.get("name") for p in new}
    kept = root.findall(f"{{{CUSTOM_NS}}}property")
    for prop in kept:
        if prop.get("name") in names:
            root.remove(prop)
    pids = [int(p.get("pid") or 0) for p in kept if p.get("name") not in names]
    pid = max([FIRST_PID - 1, *pids]) + 1
    for prop in new:
        prop.set("pid", str(pid))
        pid += 1
        root.append(prop)
    return serialise(root)


def labelled_package(data: bytes, label: SensitivityLabel) -> bytes:
    """The package ``data`` carrying ``label``: its ``LabelInfo.xml`` (as it is), content type
    and root relationship, and its ``MSIP_Label_*`` properties merged into the custom
    properties (the part made, with its content type and relationship, where there is none).
    Every other part is copied as it is, in its place."""
    with zipfile.ZipFile(io.BytesIO(data)) as zin:
        infos = zin.infolist()
        names = {info.filename for info in infos}
        parts: dict[str, bytes] = {}
        content_types = zin.read(CONTENT_TYPES)
        rels = zin.read(ROOT_RELS) if ROOT_RELS in names else None
        if label.label_info is not None:
            parts[LABEL_INFO] = label.label_info
            content_types = _with_override(content_types, LABEL_INFO, LABEL_INFO_TYPE)
            rels = _with_root_rel(rels, LABEL_INFO_REL, LABEL_INFO)
        if label.properties:
            customs = _root_targets(zin, names, CUSTOM_REL)
            custom = customs[0] if customs else CUSTOM
            parts[custom] = _with_properties(
                zin.read(custom) if custom in names else None, label.properties
            )
            content_types = _with_override(content_types, custom, CUSTOM_TYPE)
            rels = _with_root_rel(rels, CUSTOM_REL, custom)
        parts[CONTENT_TYPES] = content_types
        assert rels is not None
        parts[ROOT_RELS] = rels
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in infos:
                name = info.filename
                zout.writestr(info, parts.pop(name) if name in parts else zin.read(info))
            for name, part in parts.items():  # (the parts the package did not have)
                zout.writestr(name, part)
    return out.getvalue()


def with_label(
    write: Callable[[BinaryIO], object], label: SensitivityLabel | None
) -> Callable[[BinaryIO], object]:
    """``write`` (which writes a package into a file), writing it with ``label``; ``write``
    itself when there is no label, so an unlabelled file is written as it always was."""
    if label is None:
        return write

    def labelled(handle: BinaryIO) -> None:
        written = io.BytesIO()
        write(written)
        handle.write(labelled_package(written.getvalue(), label))

    return labelled
