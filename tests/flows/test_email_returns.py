"""Owners' replies dragged from Outlook into the returns folder as emails (.eml, .msg): each
spreadsheet attached is a return of its own, read as if it had been saved into the folder
(session 21)."""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime
from pathlib import Path

import msgforge  # a test dependency (pyproject: [test]): builds real Outlook .msg files
import pytest
from click.testing import CliRunner
from conftest import AS_AT, plan_rows, tiny_png
from openpyxl import Workbook, load_workbook

from edi_xl.cli import cli
from edi_xl.flows.chase import chase
from edi_xl.flows.intake import read_returns
from edi_xl.flows.merge import merge_returns
from edi_xl.flows.owner_returns import make_owner_returns
from edi_xl.read.emails import read_email

UPDATE = "Update as at 18 Dec 23"
SENT = datetime(2023, 12, 20, 9, 30, tzinfo=UTC)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def filled(path: Path, text: str) -> bytes:
    """The return at ``path`` with ``text`` typed as its first action's update, as bytes
    (the file itself left as sent)."""
    wb = load_workbook(path)
    ws = wb["Your actions"]
    header_row = next(r for r in range(1, 20) if ws.cell(r, 1).value == "#")
    header = [c.value for c in ws[header_row]]
    ws.cell(header_row + 1, header.index(UPDATE) + 1).value = text
    copy = path.with_name(f"filled {path.name}")
    wb.save(copy)
    data = copy.read_bytes()
    copy.unlink()
    return data


def first_action(path: Path) -> str:
    ws = load_workbook(path)["Your actions"]
    header_row = next(r for r in range(1, 20) if ws.cell(r, 1).value == "#")
    return str(ws.cell(header_row + 1, 1).value)


def eml(
    path: Path,
    attachments: list[tuple[str, bytes, str]],
    *,
    sender: str = "Jim Machon <jim.machon@trust.nhs.uk>",
    subject: str = "RE: Your EDI action plan update",
    body: str = "Hi, my update is attached. Jim",
    sent: datetime | None = SENT,
    draft: bool = False,
) -> Path:
    """An email as Outlook for Mac or Thunderbird saves a reply: ``attachments`` are
    (file name, bytes, content type)."""
    msg = EmailMessage()
    if draft:
        msg["X-Unsent"] = "1"
    msg["From"] = sender
    msg["To"] = "edi@trust.nhs.uk"
    msg["Subject"] = subject
    if sent is not None:
        msg["Date"] = format_datetime(sent)
    msg.set_content(body)
    for name, data, kind in attachments:
        main, sub = kind.split("/")
        if kind == "message/rfc822":  # a reply forwarded as an attachment
            inner = BytesParser(policy=policy.default).parsebytes(data)
            msg.add_attachment(inner, filename=name)
        else:
            msg.add_attachment(data, maintype=main, subtype=sub, filename=name)
    path.write_bytes(bytes(msg))
    return path


def outlook_msg(
    path: Path, attachments: list[tuple[str, bytes]], *, sender: str, subject: str
) -> Path:
    """An Outlook .msg, as Outlook on Windows saves a reply dragged out of it."""
    message = msgforge.Message(
        subject=subject,
        text_body="Please find my return attached.",
        sender=(f"{sender.split()[0].lower()}@trust.nhs.uk", sender),
        to=[("edi@trust.nhs.uk", "EDI team")],
        sent=SENT,
    )
    for name, data in attachments:
        message.attach_bytes(name, data)
    message.save(path)
    return path


@pytest.fixture
def replies(master: Path, tmp_path: Path) -> tuple[Path, dict[str, Path]]:
    """A returns folder of emails as HR drags them from Outlook, and the returns sent."""
    sent = {f.owner: f.path for f in make_owner_returns(master, tmp_path / "sent", AS_AT).files}
    owners = sorted(sent)
    folder = tmp_path / "Returns received"
    folder.mkdir()
    logo = tiny_png(tmp_path / "logo.png").read_bytes()
    jim = next(o for o in owners if o.startswith("Jim"))
    others = [o for o in owners if o != jim]
    second, third, fourth = others[:3]
    # Jim's reply: his return and the logo of his signature
    eml(
        folder / "RE Your EDI action plan update.eml",
        [
            (sent[jim].name, filled(sent[jim], "Jim's update, by email"), XLSX),
            ("image001.png", logo, "image/png"),
        ],
    )
    # one reply carrying two owners' returns (a PA sends both)
    eml(
        folder / "RE Two returns.eml",
        [
            (sent[second].name, filled(sent[second], "second's update"), XLSX),
            (sent[third].name, filled(sent[third], "third's update"), XLSX),
        ],
        sender="A Personal Assistant <pa@trust.nhs.uk>",
        subject="RE: Two returns",
    )
    # a reply with only a PDF, the update typed in the email
    eml(
        folder / "RE No spreadsheet.eml",
        [("minutes.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")],
        sender="Hazel Example <hazel@trust.nhs.uk>",
        subject="RE: My update",
        body="All on track, nothing to add this quarter.",
    )
    # edi_xl's own draft (X-Unsent) left in the folder: passed over as before
    shutil.copy2(sent[jim].with_suffix(".eml"), folder / f"{jim}.eml")
    # a .msg from Outlook on Windows
    outlook_msg(
        folder / "RE Your update.msg",
        [(sent[fourth].name, filled(sent[fourth], "fourth's update, from Outlook"))],
        sender="Fourth Owner",
        subject="RE: Your update",
    )
    return folder, sent


def test_emails_in_the_folder_are_read_as_their_attached_returns(master, replies):
    folder, sent = replies
    owners = sorted(sent)
    jim = next(o for o in owners if o.startswith("Jim"))
    second, third, fourth = [o for o in owners if o != jim][:3]
    result = merge_returns(master, [folder], as_at=AS_AT, now=datetime(2023, 12, 21, 10))
    outcomes = {f.file: (f.outcome, f.rows) for f in result.files}
    assert outcomes == {
        f"RE Your EDI action plan update.eml > {sent[jim].name}": ("merged", 1),
        f"RE Two returns.eml > {sent[second].name}": ("merged", 1),
        f"RE Two returns.eml > {sent[third].name}": ("merged", 1),
        "RE No spreadsheet.eml": ("rejected", 0),
        f"RE Your update.msg > {sent[fourth].name}": ("merged", 1),
        f"{jim}.eml": ("skipped", 0),
    }
    # each tied to its owner by the attachment's name, as a saved file is
    owned = {f.file: f.owner for f in result.files if f.outcome == "merged"}
    assert owned[f"RE Two returns.eml > {sent[third].name}"] == third
    assert owned[f"RE Your update.msg > {sent[fourth].name}"] == fourth
    reasons = {f.file: f.reason for f in result.files}
    assert reasons["RE No spreadsheet.eml"] == (
        "an email with no spreadsheet attached (from Hazel Example, subject 'RE: My update'); "
        "its own text is not merged (an update typed in an email is not read: ask for it in "
        "the return): save the attachment itself, or ask the owner to send it"
    )
    assert "draft" in reasons[f"{jim}.eml"]
    rows = plan_rows(master)
    assert rows[first_action(sent[jim])][UPDATE] == "Jim's update, by email"
    assert rows[first_action(sent[fourth])][UPDATE] == "fourth's update, from Outlook"
    # the change log and the Returns sheet name the attachment as the file
    changed_by = {c.file for c in result.changes}
    assert f"RE Your update.msg > {sent[fourth].name}" in changed_by
    files_on_sheet = {
        str(v) for row in load_workbook(master)["Returns"].iter_rows(values_only=True) for v in row
    }
    assert f"RE Your EDI action plan update.eml > {sent[jim].name}" in files_on_sheet
    # chase sees the owners who replied by email as replied: no reminder for them
    chased = chase(master, master.parent / "chase", returns_dir=master.parent / "sent", today=AS_AT)
    owed = {s.owner for s in chased.owed}
    assert owed and not owed & {jim, second, third, fourth}
    # merged again: nothing changes, the same names
    merged = master.read_bytes()
    again = merge_returns(master, [folder], as_at=AS_AT, now=datetime(2023, 12, 22, 10))
    assert again.changes == [] and again.flags == []
    assert {f.file for f in again.files} == set(outcomes)
    assert master.read_bytes() == merged


def test_an_attachment_without_a_saved_time_has_the_emails_sent_time(tmp_path):
    """A csv says nothing of when it was saved: the email's sent time ranks it, not the time
    HR dragged the email into the folder."""
    folder = tmp_path / "in"
    folder.mkdir()
    eml(folder / "RE csv.eml", [("louanna.csv", b"#,Status,Update\n2.1,delayed,ok\n", "text/csv")])
    (file,) = read_returns([folder])
    assert file.name == "RE csv.eml > louanna.csv" and file.outcome == "read"
    assert file.stamp == SENT and file.email == "RE csv.eml" and file.attachment == "louanna.csv"
    assert file.rows[0].id == "2.1"


def test_a_msg_attachment_is_ranked_by_its_own_saved_time_else_the_sent_time(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    outlook_msg(
        folder / "RE csv.msg",
        [("louanna.csv", b"#,Status,Update\n2.1,delayed,ok\n")],
        sender="Louanna Example",
        subject="RE: update",
    )
    (file,) = read_returns([folder])
    assert (file.name, file.outcome, file.stamp) == ("RE csv.msg > louanna.csv", "read", SENT)
    found = read_email(folder / "RE csv.msg")
    assert (found.sender, found.subject, found.sent, found.draft, found.has_text) == (
        "Louanna Example",
        "RE: update",
        SENT,
        False,
        True,
    )


def test_broken_emails_and_attachments_are_said_and_the_batch_goes_on(tmp_path):
    """A .msg cut short is rejected saying so; a damaged or password-protected workbook
    attached is rejected with the words a file gets, named by email and attachment; the
    email beside them is read."""
    from msoffcrypto.format.ooxml import OOXMLFile

    folder = tmp_path / "in"
    folder.mkdir()
    good = folder / "RE good.msg"
    outlook_msg(
        good,
        [("louanna.csv", b"#,Status,Update\n2.1,delayed,ok\n")],
        sender="Louanna Example",
        subject="RE: update",
    )
    data = good.read_bytes()
    (folder / "RE truncated.msg").write_bytes(data[: len(data) // 3])
    workbook = tmp_path / "plain.xlsx"
    wb = Workbook()
    wb.active.append(["#", "Status", "Update"])  # type: ignore[union-attr]
    wb.save(workbook)
    whole = workbook.read_bytes()
    locked = tmp_path / "locked.xlsx"
    with workbook.open("rb") as plain, locked.open("wb") as out:
        OOXMLFile(plain).encrypt("s3cret", out)
    eml(
        folder / "RE broken.eml",
        [
            ("Jim Machon.xlsx", whole[: len(whole) // 2], XLSX),
            ("Victoria.xlsx", locked.read_bytes(), XLSX),
        ],
        subject="RE: broken",
    )
    files = {f.name: f for f in read_returns([folder])}
    assert set(files) == {
        "RE broken.eml > Jim Machon.xlsx",
        "RE broken.eml > Victoria.xlsx",
        "RE good.msg > louanna.csv",
        "RE truncated.msg",
    }
    assert files["RE good.msg > louanna.csv"].outcome == "read"
    truncated = files["RE truncated.msg"]
    assert truncated.outcome == "rejected" and truncated.reason is not None
    assert truncated.reason.startswith("a damaged Outlook email (.msg), perhaps cut short (")
    assert truncated.reason.endswith("): drag it from Outlook into the folder again")
    broken = files["RE broken.eml > Jim Machon.xlsx"]
    assert broken.outcome == "rejected" and broken.problem is not None
    assert broken.problem.location.file == "RE broken.eml > Jim Machon.xlsx"
    assert broken.reason is not None and "xlsx" in broken.reason
    assert files["RE broken.eml > Victoria.xlsx"].reason == (
        "password protected (encrypted); ask the sender for an unprotected copy"
    )


def test_an_attachments_name_never_leaves_the_temporary_folder(tmp_path, monkeypatch):
    """An attachment named ``../../x.csv`` is read, shown without its separators, and
    nothing is written beside the email, nor above the temporary folder, nor left in it."""
    folder = tmp_path / "deep" / "in"
    folder.mkdir(parents=True)
    temporary = tmp_path / "temp" / "here"
    temporary.mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))  # (the workers are forked)
    body = b"#,Status,Update\n2.1,delayed,ok\n"
    eml(folder / "RE evil.eml", [("../../evil.csv", body, "text/csv")])
    before = sorted(p for p in tmp_path.rglob("*"))
    (file,) = read_returns([folder])
    assert file.name == "RE evil.eml > evil.csv" and file.outcome == "read"
    assert sorted(p for p in tmp_path.rglob("*")) == before


def test_two_attachments_of_one_name_and_a_forwarded_reply(tmp_path):
    """Two attachments named alike get `` (2)``; a reply forwarded as an attachment
    (message/rfc822) has its spreadsheets read, named after it; one deeper is said not read."""
    folder = tmp_path / "in"
    folder.mkdir()
    csv = b"#,Status,Update\n2.1,delayed,ok\n"
    inner = tmp_path / "inner.eml"
    eml(inner, [("return.csv", csv, "text/csv")], subject="RE: inner")
    eml(
        folder / "FW.eml",
        [
            ("return.csv", csv, "text/csv"),
            ("return.csv", csv, "text/csv"),
            ("RE inner.eml", inner.read_bytes(), "message/rfc822"),
        ],
    )
    names = [f.name for f in read_returns([folder])]
    assert names == [
        "FW.eml > return.csv",
        "FW.eml > return (2).csv",
        "FW.eml > RE inner.eml > return.csv",
    ]
    # forwarded twice, the first saved as a file and attached (application/octet-stream)
    deeper = tmp_path / "deeper.eml"
    eml(deeper, [("RE inner.eml", inner.read_bytes(), "message/rfc822")], subject="FW")
    eml(folder / "FW.eml", [("FW twice.eml", deeper.read_bytes(), "application/octet-stream")])
    (file,) = read_returns([folder])
    assert file.outcome == "rejected" and file.reason is not None
    assert "an email attached inside it was not read (FW twice.eml > RE inner.eml)" in file.reason


def test_merge_command_and_report_name_the_attachment(master, replies, tmp_path):
    folder, sent = replies
    report = tmp_path / "report.json"
    out = CliRunner().invoke(
        cli, ["merge", str(master), str(folder), "--as-at", "2023-12-18", "--report", str(report)]
    )
    assert out.exit_code == 1, out.output  # (an email was rejected: needs attention)
    assert "6 files (4 merged, 1 rejected, 1 skipped)" in out.output
    assert "rejected: RE No spreadsheet.eml - an email with no spreadsheet attached" in out.output
    files = {f["file"]: f["outcome"] for f in json.loads(report.read_text())["files"]}
    two = {f: o for f, o in files.items() if f.startswith("RE Two returns.eml > ")}
    assert sorted(two.values()) == ["merged", "merged"]


def test_an_attachment_is_tied_to_its_owner_by_its_own_name():
    """The attachment's name says whose return it is, not the email's: a reply from Jim
    forwarding Fiona's csv (no hidden record) is Fiona's."""
    from edi_xl.flows.intake import READ, ReturnFile
    from edi_xl.flows.merge import _owner_by_name, owners_file_names

    jim, fiona = "Jim Machon, Associate Director of HR", "Fiona Example"
    file = ReturnFile(
        Path("RE.eml"),
        f"RE {jim}.eml > {fiona}.csv",
        READ,
        email=f"RE {jim}.eml",
        attachment=f"{fiona}.csv",
    )
    assert _owner_by_name(file, owners_file_names([jim, fiona])) == fiona


def test_normalise_writes_each_attached_return_named_as_the_attachment(tmp_path):
    from edi_xl.flows.normalise import normalise_returns

    folder = tmp_path / "in"
    folder.mkdir()
    body = b"#,Status,Update\n2.1,delayed,ok\n"
    eml(folder / "RE Your update.eml", [("louanna.csv", body, "text/csv")])
    result = normalise_returns([folder], tmp_path / "out", as_at=AS_AT)
    assert [(f.file, f.outcome) for f in result.files] == [
        ("RE Your update.eml > louanna.csv", "normalised")
    ]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["louanna.xlsx"]


# --- the review's findings (helper-118) ----------------------------------------------------------


def _small_return(path: Path) -> Path:
    book = Workbook()
    book.active.append(["#", "Status", "Update"])
    book.active.append(["2.1", "On track", "ok"])
    book.save(path)
    return path


def test_what_a_worker_ended_mid_email_wrote_is_removed(tmp_path, monkeypatch):
    """An email whose unpacking outlasts the worker's time limit (it hangs once the first
    attachment is written): the worker is ended, the email rejected saying so, and the
    attachment it wrote (an owner's return) is not left in the temporary folder."""
    import time

    from edi_xl.flows import intake
    from edi_xl.read.isolation import FileReader

    folder = tmp_path / "in"
    folder.mkdir()
    temporary = tmp_path / "temp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))  # (the workers are forked)
    sniffed = intake._sniffed

    def hangs_on_the_second(path: Path) -> str:
        if path.name == "attachment1":
            time.sleep(30)
        return sniffed(path)

    monkeypatch.setattr(intake, "_sniffed", hangs_on_the_second)
    data = _small_return(tmp_path / "one.xlsx").read_bytes()
    # (named with no .xlsx: a workbook by its content only, sniffed as it is unpacked)
    eml(folder / "RE two.eml", [(f"return {i}", data, XLSX) for i in range(2)])
    with FileReader(timeout=1.0, memory_mb=1024) as reader:
        (file,) = read_returns([folder], reader=reader)
    assert file.outcome == "rejected" and "longer than" in (file.reason or "")
    assert sorted(temporary.rglob("*")) == []


#: What the reader of :func:`bad_attachment` does with the attachment ``BAD`` marks.
BAD = b"BAD ATTACHMENT"


def _bad_reader(how: str):  # noqa: ANN202 - a test's stand-in for read_grids
    import os
    import time

    from edi_xl.read import isolation

    read = isolation.read_grids

    def reads(path, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if Path(path).read_bytes().startswith(BAD):
            if how == "hangs":
                time.sleep(30)
            elif how == "needs more memory":
                return b"x" * (2 * 1024**3)  # (more than the worker's 1 GB address space)
            else:  # a native reader's abort, as calamine's on a failed allocation
                os.write(2, b"memory allocation of 68719476736 bytes failed\n")
                os.abort()
        return read(path, *args, **kwargs)

    return reads


@pytest.mark.parametrize("how", ["hangs", "needs more memory", "aborts"])
def test_an_attachment_that_hangs_or_bursts_its_worker_loses_no_other(
    master, tmp_path, monkeypatch, how
):
    """One attachment whose reader hangs, runs out of memory or crashes the worker is
    rejected on its own, named by email and attachment, under its own limits: the return
    beside it in the same email is read and merged (before: the email was one job, and the
    whole of it was rejected, "took longer than 30 s to read"). Nothing is left in the
    temporary folder."""
    from edi_xl.flows import intake
    from edi_xl.read import isolation
    from edi_xl.read.isolation import FileReader

    sent = {f.owner: f.path for f in make_owner_returns(master, tmp_path / "sent", AS_AT).files}
    jim = next(o for o in sorted(sent) if o.startswith("Jim"))
    folder = tmp_path / "in"
    folder.mkdir()
    temporary = tmp_path / "temp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))  # (the workers are forked)
    monkeypatch.setattr(isolation, "read_grids", _bad_reader(how))  # (a file's reader)
    monkeypatch.setattr(intake, "read_grids", _bad_reader(how), raising=False)  # (was the email's)
    eml(
        folder / "RE bomb.eml",
        [
            (sent[jim].name, filled(sent[jim], "Jim's update, beside a bomb"), XLSX),
            ("bomb.xlsx", BAD + b"\0" * 100, XLSX),
        ],
    )
    with FileReader(timeout=1.0, memory_mb=1024) as reader:
        result = merge_returns(master, [folder], as_at=AS_AT, reader=reader)
    files = {f.file: (f.outcome, f.reason) for f in result.files}
    why = {
        "hangs": "took longer than 1 s to read; skipped",
        "needs more memory": "needed more than 1024 MB of memory to read; skipped",
        "aborts": "needed more than 1024 MB of memory to read; skipped",
    }[how]
    assert files == {
        f"RE bomb.eml > {sent[jim].name}": ("merged", None),
        "RE bomb.eml > bomb.xlsx": ("rejected", why),
    }
    assert plan_rows(master)[first_action(sent[jim])][UPDATE] == "Jim's update, beside a bomb"
    assert sorted(temporary.rglob("*")) == []


def test_an_email_that_is_only_its_attachment_with_a_path_in_its_name(tmp_path):
    """An email with no text, only the attachment (some mail programs, scanners), whose name
    its sender's mail program left a Windows path and a control character in: read, named by the
    file's own name (RFC 2183), tied to its owner by it."""
    folder = tmp_path / "in"
    folder.mkdir()
    msg = EmailMessage()
    msg["From"], msg["Subject"] = "Jim <jim@trust.nhs.uk>", "Scan"
    msg.set_content(
        b"#,Status,Update\n2.1,delayed,ok\n",
        maintype="text",
        subtype="csv",
        disposition="attachment",
        filename="C:\\Users\\jim\\Documents\\Jim Machon,\x07return.csv",
    )
    (folder / "Scan.eml").write_bytes(bytes(msg))
    (file,) = read_returns([folder])
    assert (file.name, file.outcome) == ("Scan.eml > Jim Machon, return.csv", "read")
    assert file.file_name == "Jim Machon, return.csv"


def test_a_return_whose_saved_time_part_is_damaged_is_read(tmp_path):
    """A return whose sheets read but whose docProps/core.xml is damaged in the zip: read,
    on its own and attached to an email with another (before: merge stopped with a
    traceback; attached, the email's other return was lost)."""
    import zipfile

    damaged = _small_return(tmp_path / "damaged.xlsx")
    with zipfile.ZipFile(damaged) as zf:
        info = zf.getinfo("docProps/core.xml")
    data = bytearray(damaged.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start : start + 8] = b"\xff" * 8  # (its deflated bytes)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "damaged.xlsx").write_bytes(bytes(data))
    good = _small_return(tmp_path / "good.xlsx").read_bytes()
    eml(folder / "RE two.eml", [("good.xlsx", good, XLSX), ("damaged.xlsx", bytes(data), XLSX)])
    files = read_returns([folder])
    assert sorted((f.name, f.outcome) for f in files) == [
        ("RE two.eml > damaged.xlsx", "read"),
        ("RE two.eml > good.xlsx", "read"),
        ("damaged.xlsx", "read"),
    ]


def test_a_reminder_names_the_return_as_its_owner_sent_it():
    """The reminder of a return that came back unchanged names the file as the owner sent it,
    not the email HR saved it in nor HR's folder (helper-118: "thank you for sending back
    your return (RE Fiona.eml > Fiona.xlsx)")."""
    from edi_xl.master.round_record import UNCHANGED, OwnerStatus, why_chased

    files = ["RE Fiona.eml > Fiona MacDonald.xlsx", "later/Fiona v2.xlsx"]
    status = OwnerStatus("Fiona MacDonald", UNCHANGED, None, files, 0, 0)
    said = why_chased(status, AS_AT)
    assert "your return (Fiona MacDonald.xlsx, Fiona v2.xlsx), but" in said


def test_a_file_named_as_an_email_that_is_none_is_said_to_be_none(tmp_path):
    """Random bytes saved as ``.eml`` or ``.msg`` are not an email, and said so (before: "an
    email with no spreadsheet attached (from no sender, subject 'no subject')"); a workbook
    renamed ``.msg`` is read as the workbook it is."""
    import os

    folder = tmp_path / "in"
    folder.mkdir()
    noise = b"\x8f\x02" + os.urandom(2000)
    (folder / "noise.eml").write_bytes(noise)
    (folder / "noise.msg").write_bytes(noise)
    _small_return(folder / "Jim Machon.msg")  # an .xlsx, renamed
    files = {f.name: f for f in read_returns([folder])}
    assert {n: (f.outcome, f.reason) for n, f in files.items()} == {
        "noise.eml": (
            "rejected",
            "not an email: it has no From, Subject, Date or other header an email has",
        ),
        "noise.msg": (
            "rejected",
            "not an Outlook email (.msg), nor a spreadsheet: drag the reply from Outlook into "
            "the folder again",
        ),
        "Jim Machon.msg": ("read", None),
    }
    assert files["Jim Machon.msg"].rows[0].id == "2.1" and files["Jim Machon.msg"].email is None


def test_an_outlook_draft_is_said_to_be_an_unsent_draft(tmp_path):
    """A ``.msg`` dragged from Outlook's Drafts (never sent) is passed over as an unsent
    draft, not as one of edi_xl's own drafts (X-Unsent, which keep their words)."""
    folder = tmp_path / "in"
    folder.mkdir()
    draft = msgforge.Message(subject="RE: update", text_body="draft", sent=None)
    draft.attach_bytes("louanna.csv", b"#,Status,Update\n2.1,delayed,ok\n")
    draft.save(folder / "RE update.msg")
    eml(folder / "Louanna.eml", [], draft=True)
    files = {f.name: (f.outcome, f.reason) for f in read_returns([folder])}
    assert files == {
        "RE update.msg": (
            "skipped",
            "an unsent draft, not a reply (an Outlook message never sent, from Drafts: drag in "
            "the reply as received)",
        ),
        "Louanna.eml": (
            "skipped",
            "an email draft, not a reply (X-Unsent: the drafts edi-xl returns and edi-xl chase "
            "write)",
        ),
    }


def _as_a_link(msg: Path) -> None:
    """The last attachment of the ``.msg`` at ``msg`` made a link to the file (Outlook's
    "Share link" to OneDrive: PR_ATTACH_METHOD 7, ATTACH_BY_WEB_REFERENCE), as Outlook saves
    one: its properties' AttachMethod entry (type 3, id 0x3705) set to 7 in place."""
    data = bytearray(msg.read_bytes())
    at = data.rfind(b"\x03\x00\x05\x37")
    assert at > 0 and data[at + 8] == 1
    data[at + 8] = 7
    msg.write_bytes(bytes(data))


def test_a_spreadsheet_attached_as_a_link_is_said_to_be_a_link(tmp_path):
    """A spreadsheet attached as a link to it (OneDrive, SharePoint), not the file, is
    rejected saying so, named by email and attachment (before: passed over, the email
    rejected as having no spreadsheet attached); the email's other return is read."""
    folder = tmp_path / "in"
    folder.mkdir()
    message = msgforge.Message(subject="RE: update", text_body="see link", sent=SENT)
    message.attach_bytes("louanna.csv", b"#,Status,Update\n2.1,delayed,ok\n")
    message.attach_bytes("Jim Machon.xlsx", b"")
    message.save(folder / "RE link.msg")
    _as_a_link(folder / "RE link.msg")
    raw = (
        b"From: Jim <jim@trust.nhs.uk>\nSubject: RE: update\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="XX"\n\n--XX\nContent-Type: text/plain\n\n'
        b"Here is my return\n--XX\nContent-Type: message/external-body; access-type=URL;\n"
        b' URL="https://trust.sharepoint.com/Jim.xlsx"\n'
        b'Content-Disposition: attachment; filename="Jim.xlsx"\n\n'
        b"Content-Type: application/vnd.ms-excel\n\n--XX--\n"
    )
    (folder / "RE link.eml").write_bytes(raw)
    link = "a link to a file, not the file: open it and save the spreadsheet into the folder"
    files = read_returns([folder])
    assert [(f.name, f.outcome, f.reason) for f in files] == [
        ("RE link.eml > Jim.xlsx", "rejected", link),
        ("RE link.msg > louanna.csv", "read", None),
        ("RE link.msg > Jim Machon.xlsx", "rejected", link),
    ]
    assert files[2].file_name == "Jim Machon.xlsx"  # (tied to Jim, as the file would be)


def _lzma_damaged(data: bytes, part: str) -> bytes:
    """A workbook's bytes with ``part`` stored LZMA-compressed and its stream damaged (the
    sheets still read)."""
    import io
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for info in source.infolist():
            kind = zipfile.ZIP_LZMA if info.filename == part else zipfile.ZIP_DEFLATED
            zf.writestr(info.filename, source.read(info), compress_type=kind)
    raw = bytearray(out.getvalue())
    info = zipfile.ZipFile(io.BytesIO(bytes(raw))).getinfo(part)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for k in range(start + 9, start + 40):  # (past the stream's properties)
        raw[k] ^= 0xFF
    return bytes(raw)


def test_an_attachment_with_a_part_damaged_otherwise_is_read(tmp_path):
    """A return whose sheets read but whose package relationships or saved time part is
    damaged in an LZMA stream: read as a file, and attached to an email (helper-124: the
    sensitivity label's reading raised, and stopped the whole reading)."""
    good = _small_return(tmp_path / "good.xlsx").read_bytes()
    rels, core = _lzma_damaged(good, "_rels/.rels"), _lzma_damaged(good, "docProps/core.xml")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "core.xlsx").write_bytes(core)
    eml(folder / "RE mail.eml", [("rels.xlsx", rels, XLSX), ("core.xlsx", core, XLSX)])
    files = read_returns([folder])
    assert sorted((f.name, f.outcome) for f in files) == [
        ("RE mail.eml > core.xlsx", "read"),
        ("RE mail.eml > rels.xlsx", "read"),
        ("core.xlsx", "read"),
    ]


def test_emails_are_unpacked_a_few_at_a_time(tmp_path):
    """The attachments of only a few emails a worker are on disk at once (helper-124: every
    email's were, and a small temporary folder rejected emails): the files to read are cut
    after every EMAILS_AT_ONCE emails a worker, the others with them."""
    from edi_xl.flows.intake import EMAILS_AT_ONCE, _Batch

    folder = tmp_path / "in"
    folder.mkdir()
    data = _small_return(tmp_path / "one.xlsx").read_bytes()
    for i in range(2 * EMAILS_AT_ONCE * 2 + 1):
        eml(folder / f"RE {i:02}.eml", [(f"return {i}.xlsx", data, XLSX)])
        (folder / f"file {i:02}.xlsx").write_bytes(data)
    batch = _Batch([folder], None, None)
    parts = batch._parts(workers=2)
    emails = [sum(1 for job in part if len(job) > 2) for part in parts]
    assert emails == [2 * EMAILS_AT_ONCE, 2 * EMAILS_AT_ONCE, 1]
    assert sum(len(part) for part in parts) == len(batch.to_read)
    files = read_returns([folder])
    assert [f.name for f in files] == sorted(f.name for f in files)
