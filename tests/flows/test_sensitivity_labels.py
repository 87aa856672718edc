"""The trust's sensitivity label goes with the files edi_xl writes from a labelled workbook.

A Purview label is the part ``docMetadata/LabelInfo.xml`` (its content type, a relationship
from the package root) and the ``MSIP_Label_<id>_*`` custom properties. A labelled master or
plan is made here as a tester made one: the parts added to the zip of a file edi_xl or
XlsxWriter wrote. Each file made from it (owner returns, the board paper, a new master from
``new --from`` and ``import -o``) must carry the very same label; a file made from an
unlabelled workbook must not gain one.
"""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import AS_AT, build_trust_workbook, merge_one_update
from lxml import etree

from edi_xl.cli import cli
from edi_xl.flows.owner_returns import make_owner_returns, read_return_metadata
from edi_xl.flows.report import write_report
from edi_xl.master.labels import (
    CUSTOM_REL,
    LABEL_INFO,
    LABEL_INFO_REL,
    LABEL_INFO_TYPE,
    labelled_package,
    read_label,
)

OFFICIAL = "d0cb1e24-a0e2-4a4c-9340-733297c9cd7c"
SENSITIVE = "9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d"
SITE = "37c354b2-85b0-47f5-b222-07b48d774ee3"
FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"
CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
CUSTOM_TYPE = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
EMPTY_CUSTOM = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<Properties xmlns="{CUSTOM_NS}" '
    'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    "</Properties>"
)


def label_info(guid: str) -> bytes:
    """A LabelInfo.xml as Office writes it for the label ``guid`` of the trust's tenant."""
    return (
        '<?xml version="1.0" encoding="utf-8" standalone="yes"?><clbl:labelList '
        'xmlns:clbl="http://schemas.microsoft.com/office/2020/mipLabelMetadata"><clbl:label '
        f'id="{{{guid}}}" enabled="1" method="Standard" siteId="{{{SITE}}}" contentBits="0" '
        'removed="0" /></clbl:labelList>'
    ).encode()


def msip(guid: str, name: str) -> dict[str, str]:
    """The MSIP_Label_* custom properties Office writes for the label ``guid``."""
    values = {
        "Enabled": "true",
        "SetDate": "2023-11-02T09:14:55Z",
        "Method": "Standard",
        "Name": name,
        "SiteId": SITE,
        "ActionId": "6b1c9e2a-9f1d-4b8e-a5e3-2d7a0c1e4f10",
        "ContentBits": "0",
    }
    return {f"MSIP_Label_{guid}_{k}": v for k, v in values.items()}


def add_label(
    path: Path, guid: str = OFFICIAL, name: str = "OFFICIAL", *, with_info: bool = True
) -> Path:
    """Label the package at ``path`` as Office does: LabelInfo.xml (with its content type and
    root relationship) and the MSIP_Label_* custom properties (docProps/custom.xml made,
    with its content type and relationship, when the file has none)."""
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    types = parts["[Content_Types].xml"].decode()
    rels = parts["_rels/.rels"].decode()
    if with_info:
        parts[LABEL_INFO] = label_info(guid)
        types = types.replace(
            "</Types>",
            f'<Override PartName="/{LABEL_INFO}" ContentType="{LABEL_INFO_TYPE}"/></Types>',
        )
        rels = rels.replace(
            "</Relationships>",
            f'<Relationship Id="rIdLabel" Type="{LABEL_INFO_REL}" Target="{LABEL_INFO}"/>'
            "</Relationships>",
        )
    if "docProps/custom.xml" not in parts:
        parts["docProps/custom.xml"] = EMPTY_CUSTOM.encode()
        types = types.replace(
            "</Types>",
            f'<Override PartName="/docProps/custom.xml" ContentType="{CUSTOM_TYPE}"/></Types>',
        )
        rels = rels.replace(
            "</Relationships>",
            f'<Relationship Id="rIdCustom" Type="{CUSTOM_REL}" Target="docProps/custom.xml"/>'
            "</Relationships>",
        )
    custom = parts["docProps/custom.xml"].decode()
    props = "".join(
        f'<property fmtid="{FMTID}" pid="{100 + i}" name="{key}"><vt:lpwstr>{value}</vt:lpwstr>'
        "</property>"
        for i, (key, value) in enumerate(msip(guid, name).items())
    )
    parts["docProps/custom.xml"] = custom.replace("</Properties>", props + "</Properties>").encode()
    parts["[Content_Types].xml"] = types.encode()
    parts["_rels/.rels"] = rels.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name_, data in parts.items():
            zf.writestr(name_, data)
    return path


def custom_properties(parts: dict[str, bytes]) -> dict[str, str]:
    """name -> value of the custom properties, after checking their pids are all different."""
    root = etree.fromstring(parts["docProps/custom.xml"])
    props = root.findall(f"{{{CUSTOM_NS}}}property")
    pids = [p.get("pid") for p in props]
    assert len(set(pids)) == len(pids), pids
    assert all(int(pid or 0) >= 2 for pid in pids), pids
    return {p.get("name") or "": p[0].text or "" for p in props}


def package(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def assert_labelled(path: Path, guid: str = OFFICIAL, name: str = "OFFICIAL") -> None:
    """The file at ``path`` carries the label ``guid``: LabelInfo.xml byte for byte, its
    content type, the root relationships to it and to the custom properties, and every
    MSIP_Label_* property."""
    parts = package(path)
    assert parts[LABEL_INFO] == label_info(guid), path.name
    types = etree.fromstring(parts["[Content_Types].xml"])
    overrides = {o.get("PartName"): o.get("ContentType") for o in types}
    assert overrides[f"/{LABEL_INFO}"] == LABEL_INFO_TYPE
    assert overrides["/docProps/custom.xml"] == CUSTOM_TYPE
    rels = etree.fromstring(parts["_rels/.rels"])
    targets = {(r.get("Type"), r.get("Target")) for r in rels}
    assert (LABEL_INFO_REL, LABEL_INFO) in targets
    assert (CUSTOM_REL, "docProps/custom.xml") in targets
    assert len({r.get("Id") for r in rels}) == len(rels)
    props = custom_properties(parts)
    assert {k: v for k, v in props.items() if k.startswith("MSIP_Label_")} == msip(guid, name)


def assert_unlabelled(path: Path) -> None:
    parts = package(path)
    assert LABEL_INFO not in parts
    assert b"MSIP_Label_" not in parts.get("docProps/custom.xml", b"")
    assert b"classificationlabels" not in parts["_rels/.rels"]


@pytest.fixture
def labelled_master(master: Path) -> Path:
    return add_label(master)


# --- owner returns ---------------------------------------------------------------------------


def test_each_owner_return_carries_the_masters_label(labelled_master: Path, tmp_path: Path) -> None:
    result = make_owner_returns(labelled_master, tmp_path / "returns", AS_AT, drafts=False)
    assert len(result.files) > 1
    for written in result.files:
        assert_labelled(written.path)
        meta = read_return_metadata(written.path)  # (the hidden record is still read)
        assert meta is not None and meta.owner == written.owner


def test_a_return_of_an_unlabelled_master_gains_no_label(master: Path, tmp_path: Path) -> None:
    result = make_owner_returns(master, tmp_path / "returns", AS_AT, drafts=False)
    for written in result.files:
        assert_unlabelled(written.path)
        assert "docProps/custom.xml" not in package(written.path)


def test_merge_reads_a_labelled_return(labelled_master: Path, tmp_path: Path) -> None:
    text, now = "Met the network chairs.", datetime(2024, 1, 2)
    result = merge_one_update(labelled_master, tmp_path / "returns", AS_AT, text, now)
    assert result.files[0].outcome.value == "merged", result.files[0]
    assert_labelled(labelled_master)  # (and the master keeps its own label)


@pytest.mark.libreoffice
def test_libreoffice_opens_a_labelled_return(labelled_master: Path, tmp_path: Path) -> None:
    from libreoffice import convert, require_soffice

    require_soffice()
    written = make_owner_returns(labelled_master, tmp_path / "returns", AS_AT, drafts=False)
    first = written.files[0]
    csv = convert(first.path, "csv", tmp_path / "csv")
    text = csv.read_text(encoding="utf-8", errors="replace")
    assert first.owner in text and first.action_ids[0] in text


# --- the board paper ---------------------------------------------------------------------------


def test_the_board_paper_carries_the_masters_label_and_opens(
    labelled_master: Path, tmp_path: Path
) -> None:
    from docx import Document

    result = write_report(labelled_master, tmp_path / "paper.docx")
    assert_labelled(result.path)
    doc = Document(str(result.path))  # (Word's package still opens with python-docx)
    assert any("Equality" in p.text or "EDI" in p.text for p in doc.paragraphs)


def test_the_board_paper_of_an_unlabelled_master_has_no_label(master: Path, tmp_path: Path) -> None:
    assert_unlabelled(write_report(master, tmp_path / "paper.docx").path)


# --- a new master from a labelled plan ---------------------------------------------------------


def test_new_from_a_labelled_plan_makes_a_labelled_master(tmp_path: Path) -> None:
    plan = add_label(build_trust_workbook(tmp_path / "trust_plan.xlsx"))
    out = tmp_path / "master.xlsx"
    run = CliRunner().invoke(
        cli, ["new", str(out), "--from", str(plan), "--as-at", AS_AT.isoformat()]
    )
    assert run.exit_code in (0, 1), run.output
    assert_labelled(out)
    # and the returns made from that master carry it on
    for written in make_owner_returns(out, tmp_path / "r", AS_AT, drafts=False).files:
        assert_labelled(written.path)


def test_import_from_a_labelled_plan_makes_a_labelled_master(tmp_path: Path) -> None:
    plan = add_label(build_trust_workbook(tmp_path / "trust_plan.xlsx"))
    out = tmp_path / "master.xlsx"
    run = CliRunner().invoke(cli, ["import", str(plan), "-o", str(out), "--as-at", "18/12/2023"])
    assert run.exit_code in (0, 1), run.output
    assert_labelled(out)
    assert "sensitivity" not in run.output


def test_import_of_plans_with_the_same_label_keeps_it(tmp_path: Path) -> None:
    one = add_label(build_trust_workbook(tmp_path / "one.xlsx"))
    two = add_label(build_trust_workbook(tmp_path / "two.xlsx"))
    plain = build_trust_workbook(tmp_path / "plain.xlsx")  # (its data sits with theirs)
    out = tmp_path / "master.xlsx"
    args = ["import", str(one), str(plain), str(two), "-o", str(out), "--as-at", "18/12/2023"]
    run = CliRunner().invoke(cli, args)
    assert run.exit_code in (0, 1), run.output
    assert_labelled(out)


def test_import_of_plans_with_different_labels_writes_none_and_says_so(tmp_path: Path) -> None:
    one = add_label(build_trust_workbook(tmp_path / "one.xlsx"))
    two = add_label(build_trust_workbook(tmp_path / "two.xlsx"), SENSITIVE, "OFFICIAL-SENSITIVE")
    out = tmp_path / "master.xlsx"
    args = ["import", str(one), str(two), "-o", str(out), "--as-at", "18/12/2023"]
    run = CliRunner().invoke(cli, args)
    assert run.exit_code == 1, run.output
    assert_unlabelled(out)
    said = " ".join(run.output.split())
    assert "master.xlsx: written with no sensitivity label" in said
    assert "one.xlsx: OFFICIAL; two.xlsx: OFFICIAL-SENSITIVE" in said


def test_import_of_unlabelled_plans_writes_no_label(tmp_path: Path) -> None:
    plan = build_trust_workbook(tmp_path / "trust_plan.xlsx")
    out = tmp_path / "master.xlsx"
    CliRunner().invoke(cli, ["import", str(plan), "-o", str(out), "--as-at", "18/12/2023"])
    assert_unlabelled(out)


# --- the parts themselves ----------------------------------------------------------------------


def test_the_label_joins_the_custom_properties_a_file_already_has(tmp_path: Path) -> None:
    import xlsxwriter

    source = add_label(build_trust_workbook(tmp_path / "plan.xlsx"))
    target = tmp_path / "theirs.xlsx"
    wb = xlsxwriter.Workbook(str(target))
    wb.add_worksheet()
    wb.set_custom_property("Department", "EDI")
    wb.close()
    label = read_label(source)
    assert label is not None
    target.write_bytes(labelled_package(target.read_bytes(), label))
    assert_labelled(target)
    assert custom_properties(package(target))["Department"] == "EDI"
    types = package(target)["[Content_Types].xml"].decode()
    assert types.count('PartName="/docProps/custom.xml"') == 1
    rels = package(target)["_rels/.rels"].decode()
    assert rels.count(CUSTOM_REL) == 1


def test_a_label_held_only_in_custom_properties_is_carried(master: Path, tmp_path: Path) -> None:
    """Files labelled by older Office have the MSIP properties and no LabelInfo.xml."""
    add_label(master, with_info=False)
    written = make_owner_returns(master, tmp_path / "returns", AS_AT, drafts=False).files[0]
    parts = package(written.path)
    assert LABEL_INFO not in parts
    props = custom_properties(parts)
    assert {k: v for k, v in props.items() if k.startswith("MSIP_")} == msip(OFFICIAL, "OFFICIAL")


def test_files_that_are_not_packages_have_no_label(tmp_path: Path) -> None:
    csv = tmp_path / "plan.csv"
    csv.write_text("ID,Action\n1.1,Do it\n", encoding="utf-8")
    encrypted = tmp_path / "rms.xlsx"  # (an RMS-encrypted file is an OLE file, not a zip)
    encrypted.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    assert read_label(csv) is None
    assert read_label(encrypted) is None
    assert read_label(tmp_path / "missing.xlsx") is None


# --- normalise: a labelled return's clean copy -------------------------------------------------


def test_the_clean_copy_of_a_labelled_return_carries_its_label(
    labelled_master: Path, master_once: Path, tmp_path: Path
) -> None:
    from edi_xl.flows.normalise import normalise_returns

    sent = make_owner_returns(labelled_master, tmp_path / "returns", AS_AT, drafts=False).files
    plain = tmp_path / "returns" / "plain.xlsx"  # (a return of an unlabelled master)
    unlabelled = make_owner_returns(master_once, tmp_path / "other", AS_AT, drafts=False)
    plain.write_bytes(unlabelled.files[0].path.read_bytes())
    result = normalise_returns([tmp_path / "returns"], tmp_path / "clean", as_at=AS_AT)
    clean = {Path(f.source).name: f.path for f in result.written}
    assert len(clean) == len(sent) + 1
    for written in sent:
        assert_labelled(clean[written.path.name])
    assert_unlabelled(clean["plain.xlsx"])


def test_labels_are_the_same_by_their_ids_not_when_they_were_set(tmp_path: Path) -> None:
    from edi_xl.master.labels import one_label

    one = read_label(add_label(build_trust_workbook(tmp_path / "one.xlsx")))
    again = read_label(add_label(build_trust_workbook(tmp_path / "again.xlsx")))
    other = read_label(add_label(build_trust_workbook(tmp_path / "other.xlsx"), SENSITIVE))
    old = read_label(add_label(build_trust_workbook(tmp_path / "old.xlsx"), with_info=False))
    old_other = build_trust_workbook(tmp_path / "old_other.xlsx")
    older = read_label(add_label(old_other, SENSITIVE, "OFFICIAL-SENSITIVE", with_info=False))
    assert one_label([one, None, again]) == (one, [])
    assert one_label([None, None]) == (None, [])
    assert one_label([one, other]) == (None, [one, other])
    assert one_label([old, older]) == (None, [old, older])  # (from the MSIP properties alone)


# --- what is no label, and what keeps one (helper-119) ------------------------------------------


def test_a_label_removed_or_a_label_part_that_is_broken_is_not_carried(tmp_path: Path) -> None:
    """LabelInfo.xml decides (MS-OFFCRYPTO 2.6.3): a label removed there is no label, whatever
    stale MSIP_Label_* properties say; a LabelInfo.xml that is not XML is not copied into the
    files made (the properties are); a part damaged in the zip reads as no label, not a crash
    of every command that makes a file."""
    from edi_xl.master.labels import LABEL_INFO

    removed = add_label(build_trust_workbook(tmp_path / "removed.xlsx"))
    _rewrite(removed, LABEL_INFO, lambda data: data.replace(b'removed="0"', b'removed="1"'))
    assert read_label(removed) is None
    broken = add_label(build_trust_workbook(tmp_path / "broken.xlsx"))
    _rewrite(broken, LABEL_INFO, lambda data: data[: len(data) // 2])
    label = read_label(broken)
    assert label is not None and label.label_info is None and label.describe() == "OFFICIAL"
    damaged = add_label(build_trust_workbook(tmp_path / "damaged.xlsx"))
    with zipfile.ZipFile(damaged) as zf:
        info = zf.getinfo(LABEL_INFO)
    data = bytearray(damaged.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start : start + 8] = b"\xff" * 8  # (its deflated bytes)
    damaged.write_bytes(bytes(data))
    assert read_label(damaged) is None


def test_a_stale_name_property_is_not_the_labels_name(tmp_path: Path) -> None:
    """A label changed in LabelInfo.xml (to OFFICIAL-SENSITIVE) with the old label's
    properties left behind is named by the label applied."""
    from edi_xl.master.labels import LABEL_INFO

    plan = add_label(build_trust_workbook(tmp_path / "plan.xlsx"))
    _rewrite(plan, LABEL_INFO, lambda _: label_info(SENSITIVE))
    with zipfile.ZipFile(plan) as zf:
        custom = zf.read("docProps/custom.xml").decode()
    props = "".join(
        f'<property fmtid="{FMTID}" pid="{200 + i}" name="{key}"><vt:lpwstr>{value}</vt:lpwstr>'
        "</property>"
        for i, (key, value) in enumerate(msip(SENSITIVE, "OFFICIAL-SENSITIVE").items())
    )
    _rewrite(
        plan,
        "docProps/custom.xml",
        lambda _: custom.replace("</Properties>", props + "</Properties>").encode(),
    )
    label = read_label(plan)
    assert label is not None and label.describe() == "OFFICIAL-SENSITIVE"


def test_a_master_saved_whole_keeps_its_label(labelled_master: Path, monkeypatch) -> None:
    """A master the patch writer cannot patch is saved whole by openpyxl (saved_by_rewrite),
    which drops the label's part: the file written carries the label it was loaded with."""
    from edi_xl.flows.refresh import refresh_workbook
    from edi_xl.master import patch

    def cannot_patch(*_: object, **__: object) -> None:
        raise ValueError("a part the patch writer needs is broken")

    monkeypatch.setattr(patch, "apply_edits", cannot_patch)
    result = refresh_workbook(labelled_master, AS_AT)
    assert "saved_by_rewrite" in [n.code.value for n in result.notes]
    assert_labelled(labelled_master)


def test_the_clean_copy_of_a_labelled_return_attached_to_an_email_carries_its_label(
    labelled_master: Path, tmp_path: Path
) -> None:
    """normalise of a labelled return that came attached to an email: the label is read from
    the attachment (the email itself is no package)."""
    from email.message import EmailMessage

    from edi_xl.flows.normalise import normalise_returns

    sent = make_owner_returns(labelled_master, tmp_path / "returns", AS_AT, drafts=False).files
    msg = EmailMessage()
    msg["From"], msg["Subject"] = "Jim <jim@trust.nhs.uk>", "RE: update"
    msg.set_content("attached")
    msg.add_attachment(
        sent[0].path.read_bytes(),
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename=sent[0].path.name,
    )
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "RE update.eml").write_bytes(bytes(msg))
    result = normalise_returns([inbox], tmp_path / "clean", as_at=AS_AT)
    assert len(result.written) == 1
    assert_labelled(result.written[0].path)


def _rewrite(path: Path, part: str, change) -> None:
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    parts[part] = change(parts[part])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
