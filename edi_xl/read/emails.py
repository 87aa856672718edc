"""Emails that carry owner returns: what an ``.eml`` or Outlook ``.msg`` file holds.

HR staff select the owners' replies in Outlook and drag them into the returns folder: each
becomes an Outlook ``.msg`` (Outlook on Windows) or an ``.eml`` (Outlook for Mac,
Thunderbird, "Save as" in the new Outlook). :func:`read_email` gives what a merge needs of
one: who sent it, its subject, when it was sent, whether it has text of its own, and its
attachments as bytes (what they are is for the spreadsheet readers to say, by content).

- ``.eml`` (RFC 5322) is read with the standard library's :mod:`email`.
- ``.msg`` is an OLE compound file ([MS-OXMSG]), read with :mod:`olefile` (already here for
  msoffcrypto-tool): the message's properties are streams named ``__substg1.0_PPPPTTTT``
  (property id, type) and a ``__properties_version1.0`` stream of fixed-size values (the
  times); each attachment is a storage ``__attach_version1.0_#NNNNNNNN``.

An email attached inside an email (a reply forwarded as an attachment: ``message/rfc822``,
a ``.msg`` attachment "by embedded message", or an ``.eml`` or ``.msg`` file attached) is read
one level down: its attachments
come with the outer email's, named after it (:attr:`Attachment.within`). One further down
is not read, and said so (:attr:`Email.not_read`).

An attachment may be a link to the file, not the file (Outlook's "Share link" to OneDrive or
SharePoint: a ``.msg`` attachment by reference, ``PR_ATTACH_METHOD`` 7; in an ``.eml``, a
``message/external-body`` part): it comes with no bytes, marked :attr:`Attachment.link`, for
the merge to say so rather than pass it over.

Everything here is untrusted: a damaged file raises
:class:`~edi_xl.core.errors.UnreadableFileError` with a reason a person can act on; the
sizes are those of the file itself (the worker's memory limit applies, see
:mod:`edi_xl.read.isolation`), and nothing is written to disk here.
"""

from __future__ import annotations

import email
import io
import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage, Message
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from edi_xl.core.errors import UnreadableFileError

__all__ = ["EMAIL_SUFFIXES", "Attachment", "Email", "read_email"]

#: The file name endings read as emails (by name: a mail program saves them so).
EMAIL_SUFFIXES = (".eml", ".msg")
#: An email inside an email read, at most (the reply forwarded as an attachment).
DEPTH = 1


@dataclass(frozen=True)
class Attachment:
    """One file attached to an email, as sent."""

    name: str  # its file name as the email gives it ("" when it gives none)
    data: bytes
    #: the name of the email attached inside the email it came in ("FW Update.msg"), or ""
    within: str = ""
    #: a link to the file (on OneDrive, SharePoint, a share), not the file: ``data`` is empty
    link: bool = False


@dataclass
class Email:
    """What an email file holds, as far as a merge is concerned."""

    sender: str  # the display name, else the address ("" when there is none)
    subject: str
    sent: datetime | None  # when it was sent (aware), when the email says
    draft: bool  # an unsent message (``X-Unsent: 1``): edi_xl's own drafts are these
    has_text: bool  # whether its own text (the body) holds anything
    attachments: list[Attachment] = field(default_factory=list)
    #: emails attached deeper than :data:`DEPTH`, by name: not read
    not_read: list[str] = field(default_factory=list)
    #: an Outlook ``.msg`` (its draft is one never sent, not one of edi_xl's own ``.eml``)
    outlook: bool = False


def read_email(path: str | Path) -> Email:
    """The email in ``path`` (an ``.eml`` or ``.msg``, by its content: an OLE file is a
    ``.msg``, anything else is read as RFC 5322, when it has an email's headers). Raises
    :class:`~edi_xl.core.errors.UnreadableFileError` for a damaged one, or one that is no
    email."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise UnreadableFileError(path, f"cannot be opened: {exc.strerror or exc}") from None
    if not head:
        raise UnreadableFileError(path, "empty file (0 bytes)")
    if head == _OLE_MAGIC:
        return _read_msg(path)
    return _read_eml(path)


# ---- .eml --------------------------------------------------------------------------------

#: The headers of which an email has at least one (random bytes, a workbook renamed ``.eml``,
#: have none: the parser takes them all for the body of an email with no headers).
EMAIL_HEADERS = frozenset(
    ("from", "to", "subject", "date", "content-type", "mime-version", "message-id", "received")
)


def _read_eml(path: Path) -> Email:
    try:
        with path.open("rb") as handle:
            message = email.message_from_binary_file(handle, policy=_policy())
        if not any(key.lower() in EMAIL_HEADERS for key in message):
            raise UnreadableFileError(path, _not_an_email(path))
        found = _eml(message, 0, "")
    except (UnreadableFileError, MemoryError):
        raise
    except Exception as exc:  # the email package raises many kinds on a damaged message
        raise UnreadableFileError(path, f"a damaged email: {type(exc).__name__}") from None
    if not found.sender and not found.subject and not found.attachments and not found.has_text:
        raise UnreadableFileError(path, "not an email: it has no sender, subject or content")
    return found


def _not_an_email(path: Path) -> str:
    """Why ``path``, named as an email, is not read as one (no header of an email's in it;
    a ``.msg`` not the file Outlook saves)."""
    if path.suffix.lower() == ".msg":
        return (
            "not an Outlook email (.msg), nor a spreadsheet: drag the reply from Outlook into "
            "the folder again"
        )
    return "not an email: it has no From, Subject, Date or other header an email has"


def _eml(message: Message, depth: int, within: str) -> Email:
    sender = _sender(str(message.get("From", "") or ""))
    sent: datetime | None = None
    date = message.get("Date")
    if date is not None:
        stamp = getattr(date, "datetime", None)
        if isinstance(stamp, datetime):
            sent = stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    found = Email(
        sender=sender,
        subject=_one_line(str(message.get("Subject", "") or "")),
        sent=sent,
        draft=str(message.get("X-Unsent", "")).strip() == "1",
        has_text=_eml_has_text(message),
    )
    for part in _eml_parts(message):
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload()
            inner_message = inner[0] if isinstance(inner, list) and inner else None
            name = part.get_filename() or _inner_name(inner_message)
            if depth >= DEPTH or not isinstance(inner_message, Message):
                found.not_read.append(_joined(within, name))
                continue
            inside = _eml(inner_message, depth + 1, name)
            found.attachments += inside.attachments
            found.not_read += inside.not_read
            continue
        if part.get_content_type() == "message/external-body":  # a link to the file
            found.attachments.append(Attachment(part.get_filename() or "", b"", within, True))
            continue
        data = part.get_payload(decode=True)
        if isinstance(data, bytes):
            _attach(found, part.get_filename() or "", data, depth, within)
    return found


def _attach(found: Email, name: str, data: bytes, depth: int, within: str) -> None:
    """Add a file attached to ``found``: an email saved as a file and attached (``.eml``,
    ``.msg``: a reply forwarded from another mail program) is read as an attached email."""
    if Path(name).suffix.lower() not in EMAIL_SUFFIXES:
        found.attachments.append(Attachment(name, data, within))
        return
    if depth >= DEPTH:
        found.not_read.append(_joined(within, name))
        return
    try:
        if data.startswith(_OLE_MAGIC):
            inside = _msg_file(io.BytesIO(data), depth + 1, name)
        else:
            message = email.message_from_bytes(data, policy=_policy())
            inside = _eml(message, depth + 1, name)
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - damaged: said as not read, as one too deep is
        found.not_read.append(_joined(within, f"{name} (damaged)"))
        return
    found.attachments += inside.attachments
    found.not_read += inside.not_read


def _eml_parts(message: Message) -> list[Message]:
    """The attachments of ``message``: every part with a file name, or an email attached,
    not looking inside an attached email (that is read as one, one level down)."""
    found: list[Message] = []
    if not message.is_multipart():
        # an email that is nothing but its attachment (no text: some mail programs, scanners)
        if message.get_filename() or message.get_content_disposition() == "attachment":
            found.append(message)
        return found
    for part in message.get_payload():  # type: ignore[union-attr]
        if not isinstance(part, Message):
            continue
        if part.get_content_type() in ("message/rfc822", "message/external-body"):
            found.append(part)
        elif part.is_multipart():
            found += _eml_parts(part)
        elif part.get_filename() or part.get_content_disposition() == "attachment":
            found.append(part)
    return found


def _eml_has_text(message: Message) -> bool:
    body = message.get_body(("plain", "html")) if isinstance(message, EmailMessage) else None
    if body is None:
        return False
    try:
        content = body.get_content()
    except Exception:  # noqa: BLE001 - an unknown charset: there is text, of some kind
        return True
    return isinstance(content, str) and bool(content.strip())


def _inner_name(message: Any) -> str:
    subject = _one_line(str(message.get("Subject", "") or "")) if message else ""
    return f"{subject or 'email'}.eml"


# ---- .msg --------------------------------------------------------------------------------

_OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_ATTACH = "__attach_version1.0_#"
_PROPERTIES = "__properties_version1.0"
_EMBEDDED = "__substg1.0_3701000D"  # an attachment's storage holding an email
#: The size of the header of ``__properties_version1.0`` before its values: the message's
#: own, an email attached inside it, an attachment's or a recipient's ([MS-OXMSG] 2.4).
_HEADER_TOP, _HEADER_EMBEDDED, _HEADER_ATTACHMENT = 32, 24, 8
_SUBJECT, _SENDER_NAME, _SENDER_ADDRESS, _SENDER_SMTP = 0x0037, 0x0C1A, 0x0C1F, 0x5D01
_BODY, _RTF, _HTML = 0x1000, 0x1009, 0x1013
_SUBMIT_TIME, _DELIVERY_TIME = 0x0039, 0x0E06  # PR_CLIENT_SUBMIT_TIME, PR_MESSAGE_DELIVERY_TIME
_MESSAGE_FLAGS, _UNSENT = 0x0E07, 0x0008
_LONG_NAME, _SHORT_NAME, _DISPLAY_NAME, _DATA = 0x3707, 0x3704, 0x3001, 0x3701
_NAMES = (_LONG_NAME, _SHORT_NAME, _DISPLAY_NAME)  # an attachment's file name, first found
_METHOD, _EMBEDDED_MESSAGE = 0x3705, 5  # PR_ATTACH_METHOD, ATTACH_EMBEDDED_MSG
#: PR_ATTACH_METHOD of an attachment that is a link to the file: by reference (a path), by
#: reference resolved, by reference only, by web reference (OneDrive, SharePoint)
_BY_REFERENCE = (2, 3, 4, 7)
_FILETIME_START = datetime(1601, 1, 1, tzinfo=UTC)


def _read_msg(path: Path) -> Email:
    try:
        return _msg_file(str(path), 0, "")
    except _NoMessageError:
        raise UnreadableFileError(path, "not an Outlook email (.msg): no message in it") from None
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - olefile raises many kinds on a damaged file
        raise UnreadableFileError(
            path,
            f"a damaged Outlook email (.msg), perhaps cut short ({_reason(exc)}): drag it from "
            "Outlook into the folder again",
        ) from None


class _NoMessageError(ValueError):
    """An OLE file with no message in it."""


def _msg_file(source: str | io.BytesIO, depth: int, within: str) -> Email:
    """The message of the ``.msg`` file ``source`` (a path, or an attachment's bytes)."""
    import olefile  # a dependency of msoffcrypto-tool

    # (the default passes over a damaged table of sectors, and a stream cut short reads as
    # empty: an email from no one about nothing)
    with olefile.OleFileIO(source, raise_defects=olefile.DEFECT_INCORRECT) as ole:
        entries = {tuple(e) for e in ole.listdir(streams=True, storages=True)}
        if not any(e[0].startswith("__substg1.0_") for e in entries):
            raise _NoMessageError
        return _msg(ole, entries, (), depth, within)


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:120] if text else type(exc).__name__


def _msg(
    ole: Any, entries: set[tuple[str, ...]], at: tuple[str, ...], depth: int, within: str
) -> Email:
    """The message stored at ``at`` (``()``: the file's own; an embedded one's storage)."""

    def stream(*names: str) -> bytes | None:
        where = (*at, *names)
        return ole.openstream(list(where)).read() if where in entries else None

    def text(prop: int, *under: str) -> str:
        raw = stream(*under, f"__substg1.0_{prop:04X}001F")
        if raw is not None:
            return raw.decode("utf-16-le", "replace").rstrip("\0")
        raw = stream(*under, f"__substg1.0_{prop:04X}001E")  # 8-bit, an older Outlook
        return raw.decode("cp1252", "replace").rstrip("\0") if raw is not None else ""

    values = _fixed_values(stream(_PROPERTIES), _HEADER_TOP if not at else _HEADER_EMBEDDED)
    sent = _filetime(values.get(_SUBMIT_TIME)) or _filetime(values.get(_DELIVERY_TIME))
    flags = values.get(_MESSAGE_FLAGS)
    body = text(_BODY)
    found = Email(
        sender=text(_SENDER_NAME) or text(_SENDER_SMTP) or text(_SENDER_ADDRESS),
        subject=_one_line(text(_SUBJECT)),
        sent=sent,
        draft=flags is not None and bool(flags & _UNSENT),
        has_text=bool(body.strip())
        or (not body and any(stream(f"__substg1.0_{p:04X}0102") for p in (_RTF, _HTML))),
        outlook=True,
    )
    storages = sorted({e[len(at)] for e in entries if len(e) > len(at) and e[: len(at)] == at})
    for storage in storages:
        if not storage.startswith(_ATTACH):
            continue
        name = next((n for p in _NAMES if (n := text(p, storage))), "")
        method = _fixed_values(stream(storage, _PROPERTIES), _HEADER_ATTACHMENT).get(_METHOD)
        if method == _EMBEDDED_MESSAGE or (*at, storage, _EMBEDDED) in entries:
            name = name or f"{_one_line(text(_SUBJECT, storage, _EMBEDDED)) or 'email'}.msg"
            if depth >= DEPTH:
                found.not_read.append(_joined(within, name))
                continue
            inside = _msg(ole, entries, (*at, storage, _EMBEDDED), depth + 1, name)
            found.attachments += inside.attachments
            found.not_read += inside.not_read
            continue
        data = stream(storage, f"__substg1.0_{_DATA:04X}0102")
        if not data and method in _BY_REFERENCE:  # a link to the file, not the file
            found.attachments.append(Attachment(name, b"", within, True))
        elif data is not None:
            _attach(found, name, data, depth, within)
    return found


def _fixed_values(raw: bytes | None, header: int) -> dict[int, int]:
    """The fixed-size values of a ``__properties_version1.0`` stream, by property id: each
    entry is 16 bytes (type, id, flags, 8 bytes of value)."""
    found: dict[int, int] = {}
    if not raw:
        return found
    for start in range(header, len(raw) - 15, 16):
        _kind, prop, _flags, value = struct.unpack_from("<HHIQ", raw, start)
        found.setdefault(prop, value)
    return found


def _filetime(value: int | None) -> datetime | None:
    """A Windows FILETIME (100 ns since 1601) as an aware time; None for none or nonsense."""
    if not value:
        return None
    try:
        stamp = _FILETIME_START + timedelta(microseconds=value // 10)
    except OverflowError:
        return None
    return stamp if 1980 <= stamp.year <= 2200 else None


# ---- both --------------------------------------------------------------------------------


def _sender(header: str) -> str:
    name, address = parseaddr(header)
    return _one_line(name or address or header)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _joined(within: str, name: str) -> str:
    return f"{within} > {name}" if within else name


def _policy() -> Any:
    """The standard library's modern email policy, imported when an email is read (it costs
    a merge of a folder with none 8 ms to import)."""
    import email.policy

    return email.policy.default
