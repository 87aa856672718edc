"""Email drafts: one per owner, ready to send from the mail program, written offline.

A draft is an ``.eml`` file (RFC 5322, made with the standard library's :mod:`email`) with
the header ``X-Unsent: 1``, which Outlook and other mail programs read as "open this as a
draft to edit and send" rather than as a received message. It has the owner's address (To)
and the cc from the Owners table on the Settings sheet, the subject and message written
there, the list of the owner's actions, the reply-by date, and their return attached.

An owner with no address on Settings still gets a draft, with no To (type it in), and is
listed in :attr:`Drafts.no_address`: never skipped silently. So is an address cell that
cannot be read (:func:`addresses`: "Bcc: ..." in it, text that is no address), left out of
the draft and listed in :attr:`Drafts.unreadable`: never sent to whatever it says.
"""

from __future__ import annotations

import mimetypes
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path
from typing import Any, NamedTuple

from edi_xl.core.dates import long_date
from edi_xl.core.model import Action
from edi_xl.core.problems import Code, Problem, problem
from edi_xl.core.text import greeting_name, plural
from edi_xl.master.save import write_atomic
from edi_xl.master.sheets import OWNERS_HEADERS, SETTINGS, OwnerContact, Settings

#: Reply by, when the Settings sheet does not say: this many days after the as-at date.
REPLY_DAYS = 14
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Draft:
    """One draft written: whose, where, to whom, and the file attached."""

    owner: str
    path: Path
    to: str | None
    attachment: Path | None


@dataclass
class Drafts:
    """The drafts written, and the owners who have no address on Settings."""

    drafts: list[Draft] = field(default_factory=list)
    no_address: list[str] = field(default_factory=list)
    #: owners whose address cell cannot be read: (owner, "email" or "cc", the cell's text)
    unreadable: list[tuple[str, str, str]] = field(default_factory=list)
    #: owners on several lines of the Owners table with other addresses: (owner, the
    #: addresses of each line, the first, which is used, first)
    listed_twice: list[tuple[str, list[str]]] = field(default_factory=list)

    @property
    def settings_to_mend(self) -> bool:
        """Whether an address on the Owners table cannot be used as it is: a cell that cannot
        be read, an owner on two lines with other addresses (a person mends the Settings
        sheet; an owner with no address is no fault: their draft waits for one)."""
        return bool(self.unreadable or self.listed_twice)


def reply_by(settings: Settings, as_at: date) -> date:
    """The Settings sheet's Reply by date, else :data:`REPLY_DAYS` after ``as_at``."""
    if settings.reply_by is not None and settings.reply_by >= as_at:
        return settings.reply_by
    return as_at + timedelta(days=REPLY_DAYS)


class _Fill(dict[str, str]):
    """Placeholders of the Settings wording: unknown ones are left as written."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(template: str, values: dict[str, str]) -> str:
    try:
        return template.format_map(_Fill(values))
    except (ValueError, IndexError):  # a stray brace in HR's wording: use it as written
        return template


def action_lines(actions: Iterable[Action]) -> str:
    """The owner's actions, one paragraph each, for the body."""
    lines = []
    for a in actions:
        due = a.due.describe() if a.due.text or a.due.date else "no due date"
        status = a.status_text or "no status yet"
        text = " ".join((a.action or "(no action text)").split())
        lines.append(f"{a.id}  {text}\n    Due: {due}. Status now: {status}.")
    return "\n".join(lines)


#: A quoted display name ("Smith, J"): its commas and colons are the name's.
_QUOTED_NAME = re.compile(r'"(?:[^"\\]|\\.)*"')


def addresses(text: str | None) -> list[str] | None:
    """The addresses in a Settings cell, each written so that a mail program reads it back as
    one address (a name with a comma quoted); None when the cell cannot be read as addresses
    alone.

    The cell's parts are split at ";" and at line breaks (Alt+Enter between two addresses),
    a comma at a part's end left out and "mailto:" before an address too;
    a part is one recipient with a name when it holds one ``<address>`` (``"Smith, J"
    <smith@x.nhs.uk>`` as Outlook pastes it, or ``SMITH, Jane (TRUST) <jane.smith@nhs.net>``
    unquoted), several when it holds several, separated by commas (``Smith, Jane <j@x>,
    Jones, Bob <b@x>``), else addresses separated by commas (:func:`_recipients`). A part
    that is none of these ("jim at trust"), a name holding an "@" (``a@x, Smith, Jane <j@x>``:
    the first address would go as part of a name), a colon outside a name's quotes (a header,
    "Bcc: someone@x", would be a recipient of its own) or another control character make the
    cell unreadable."""
    if not text:
        return []
    found: list[str] = []
    for part in _PARTS.split(_MAILTO.sub("", text.translate(_INVISIBLE))):
        # (a comma the line ends with: "Smith, Jane <a@x>," then Alt+Enter, the next one)
        part = part.strip(_SPACE_OR_COMMA)
        if not part:
            continue  # (an empty part: "a@x;; b@x", a trailing line break)
        if any(unicodedata.category(ch) == "Cc" for ch in part):
            return None
        if ":" in _QUOTED_NAME.sub("", part):
            return None
        for name, addr in _recipients(part):
            local, at, domain = addr.partition("@")
            if not (local and at and domain) or "@" in domain or any(c.isspace() for c in addr):
                return None
            if name.strip("'\" ").casefold() == addr.casefold():
                name = ""  # ("j@x <j@x>", as some address books paste one with no name)
            elif "@" in name:
                return None
            try:
                found.append(str(Address(display_name=name, addr_spec=addr)) if name else addr)
            except (ValueError, IndexError):  # (the email package's own check of it)
                return None
    return found


#: Characters a paste leaves in a cell that no one sees (zero-width spaces and joiners, a
#: byte-order mark; a no-break space is a space): an address with one in it is no address.
_INVISIBLE = str.maketrans({"\u200b": None, "\u200c": None, "\u200d": None, "\u2060": None,
                            "\ufeff": None, "\u00a0": " "})  # fmt: skip


def _recipients(part: str) -> list[tuple[str, str]]:
    """(name, address) of each recipient of a part of a Settings cell: one with a name,
    which may hold commas, then ``<address>``; several such, separated by commas ("Smith,
    Jane <j@x>, Jones, Bob <b@x>", as a list is typed from an address book); else addresses
    separated by commas, as the email package reads them."""
    # (split outside quoted names only: '"Smith, Jane <j@x>, HR" <hr@x>' is one recipient;
    # helper-80)
    masked = _QUOTED_NAME.sub(lambda m: "q" * len(m[0]), part)
    # an empty item between commas ("Jane <a@x>, , Bob <b@x>", "a@x,, b@x"): one comma (the
    # next name began ", Bob"; plain addresses were unreadable)
    for empty in reversed(list(_EMPTY_ITEMS.finditer(masked))):
        part = part[: empty.start()] + "," + part[empty.end() :]
        masked = masked[: empty.start()] + "," + masked[empty.end() :]
    pieces = [part]
    if _NAMED_LIST.fullmatch(masked):
        pieces, start = [], 0
        for cut in _AFTER_ADDRESS.finditer(masked):
            pieces.append(part[start : cut.start()])
            start = cut.end()
        pieces.append(part[start:])
    found: list[tuple[str, str]] = []
    for piece in pieces:
        named = _NAMED.fullmatch(piece.strip())
        # a "name" with an address and a comma is addresses before a named one ("c@x, Jane
        # <a@x>"): read by the email package, which says a name cut from it ("Smith")
        if named is not None and not ("@" in named["name"] and "," in named["name"]):
            found.append((_unquoted(named["name"]), named["addr"].strip()))
        else:
            found += [(_unquoted(name), addr) for name, addr in getaddresses([piece])]
    return found


def _unquoted(name: str) -> str:
    """A recipient's name without the quotes around it: double, or single as Outlook gives
    some ("'Jane Smith' <j@x>"; a quote inside the name stays)."""
    name = name.strip().strip('"').strip()
    if len(name) > 1 and name[0] == name[-1] == "'":
        name = name[1:-1].strip()
    return name


#: "mailto:" before an address, as a link copied from a web page or an email gives it.
_MAILTO = re.compile(r"(?<![^\s<;,])mailto:", re.IGNORECASE)
_SPACE_OR_COMMA = " \t,"
#: Where a cell's addresses are split: ";" and line breaks.
_PARTS = re.compile(r"[;\r\n]+")
#: One recipient with a name: anything but "<" or ">", then one <address>.
_NAMED = re.compile(r"(?P<name>[^<>]*)<(?P<addr>[^<>]+)>")
#: Recipients with names, one after another, separated by commas; where they are split.
_NAMED_LIST = re.compile(r"(?:[^<>]*<[^<>]+>\s*,)+[^<>]*<[^<>]+>")
_AFTER_ADDRESS = re.compile(r"(?<=>)\s*,")
#: Commas with nothing between them but spaces.
_EMPTY_ITEMS = re.compile(r",(?:\s*,)+")


def build_draft(
    *,
    to: list[str],
    cc: list[str],
    subject: str,
    body: str,
    attachment: Path | None,
) -> EmailMessage:
    """An unsent message (``X-Unsent: 1``) with ``attachment`` attached."""
    msg = EmailMessage()
    msg["X-Unsent"] = "1"
    if to:
        msg["To"] = ", ".join(to)
    if cc:
        msg["Cc"] = ", ".join(cc)
    msg["Subject"] = " ".join(subject.split())
    msg.set_content(body)
    if attachment is not None:
        kind = XLSX_TYPE if attachment.suffix.lower() == ".xlsx" else None
        kind = kind or mimetypes.guess_type(attachment.name)[0] or "application/octet-stream"
        maintype, subtype = kind.split("/", 1)
        msg.add_attachment(
            attachment.read_bytes(), maintype=maintype, subtype=subtype, filename=attachment.name
        )
    return msg


def write_draft(msg: EmailMessage, path: Path) -> None:
    data = msg.as_bytes()
    write_atomic(path, lambda handle: handle.write(data), backup=False)


def _line_addresses(line: OwnerContact) -> str:
    """A line of the Owners table's addresses as written ("jim@nhs.net, cc pa@nhs.net")."""
    said = (line.email or "").strip() or "no address"
    return f"{said}, cc {line.cc.strip()}" if line.cc and line.cc.strip() else said


class OwnerAddresses(NamedTuple):
    """An owner's addresses on the Owners table: ``to`` and ``cc`` as drafts use them; the
    cells that cannot be read, as ("email" or "cc", the cell's text), never sent to; the
    Settings row of the line used (the first); and, when the owner is on several lines with
    other addresses, each line's addresses as written (the first, which is used, first)."""

    to: list[str]
    cc: list[str]
    unreadable: list[tuple[str, str]]
    row: int | None
    lines: list[str]


def owner_addresses(settings: Settings, owner: str) -> OwnerAddresses:
    """``owner``'s addresses on the Owners table of ``settings`` (:class:`OwnerAddresses`):
    what the drafts of ``returns`` and ``chase`` use, and what ``check`` says of the table."""
    every = settings.lines_for(owner)
    contact = every[0] if every else None  # (the first line, as Settings.contact gives it)
    written = list(dict.fromkeys(_line_addresses(line) for line in every))
    row = contact.row if contact else None
    found = OwnerAddresses([], [], [], row, written if len(written) > 1 else [])
    for column, text, into in (
        ("email", contact.email if contact else None, found.to),
        ("cc", contact.cc if contact else None, found.cc),
    ):
        read = addresses(text)
        if read is None:  # never sent to what a cell that cannot be read seems to say
            assert text is not None
            found.unreadable.append((column, text))
        else:
            into += read
    return found


def owners_table_problems(
    settings: Settings, owners: Iterable[str], file: str | None = None
) -> list[Problem]:
    """What ``check`` says of the Owners table for the plan's ``owners``: a cell that cannot
    be read as addresses, an owner on two lines with other addresses (both what ``returns``
    and ``chase`` say as they write the drafts), found before the drafts are written."""
    found: list[Problem] = []
    for owner in dict.fromkeys(owners):
        said = owner_addresses(settings, owner)
        row = said.row
        for column, text in said.unreadable:
            header = OWNERS_HEADERS[1] if column == "email" else OWNERS_HEADERS[2]
            found.append(
                problem(
                    Code.OWNER_ADDRESS_UNREADABLE,
                    file=file,
                    sheet=SETTINGS,
                    row=row,
                    column=header,
                    value=text,
                    owner=owner,
                )
            )
        if said.lines:  # (each line named by its row: the one to delete is HR's to choose)
            each = settings.lines_for(owner)
            lines = " / ".join(f"row {c.row}: {_line_addresses(c)}" for c in each)
            found.append(
                problem(
                    Code.OWNER_ON_TWO_LINES,
                    file=file,
                    sheet=SETTINGS,
                    row=row,
                    column=OWNERS_HEADERS[0],
                    value=owner,
                    owner=owner,
                    lines=lines,
                )
            )
    return found


def owner_draft(
    owner: str,
    actions: list[Action],
    settings: Settings,
    as_at: date,
    *,
    path: Path,
    attachment: Path | None,
    template: str,
    extra: dict[str, Any] | None = None,
    drafts: Drafts,
    subject_prefix: str = "",
) -> Draft:
    """Write one owner's draft at ``path`` and add it to ``drafts`` (its subject the
    Settings sheet's Email subject, after ``subject_prefix``: "Reminder: ")."""
    found = owner_addresses(settings, owner)
    to, cc = found.to, found.cc
    if found.lines:  # the first line is used: said, never a silent pick
        drafts.listed_twice.append((owner, found.lines))
    drafts.unreadable += [(owner, column, text) for column, text in found.unreadable]
    values = {
        "owner": owner,
        "name": greeting_name(owner),
        "as_at": long_date(as_at),
        "reply_by": long_date(reply_by(settings, as_at)),
        "actions": action_lines(actions),
        "trust": settings.trust_name or "",
        **{k: str(v) for k, v in (extra or {}).items()},
    }
    msg = build_draft(
        to=to,
        cc=cc,
        subject=subject_prefix + fill(settings.email_subject, values),
        body=fill(template, values),
        attachment=attachment,
    )
    write_draft(msg, path)
    draft = Draft(owner, path, ", ".join(to) or None, attachment)
    drafts.drafts.append(draft)
    if not to and not any(u[:2] == (owner, "email") for u in drafts.unreadable):
        drafts.no_address.append(owner)
    return draft


def no_address_note(drafts: Drafts) -> str | None:
    """What to tell HR about owners with no address, and about address cells that cannot be
    read (None when every owner has an address that was read)."""
    notes = []
    if drafts.no_address:
        notes.append(
            "No email address on the Settings sheet (Owners table) for "
            f"{plural(len(drafts.no_address), 'owner')}: {'; '.join(drafts.no_address)}. "
            "Their drafts have no To: type it in, or fill in the Owners table for next time."
        )
    if drafts.unreadable:
        cells = "; ".join(
            f"{owner} ({'Email' if column == 'email' else 'Cc'} {text!r})"
            for owner, column, text in drafts.unreadable
        )
        notes.append(
            "Email addresses on the Settings sheet (Owners table) that cannot be read, for "
            f"{plural(len(drafts.unreadable), 'cell')}: {cells}. A cell holds addresses "
            "only, separated by ';' or on lines of their own (a ':' outside a name's quotes, "
            "or text that is no address, is not read): those drafts leave it out (no To, or no "
            "Cc). Correct the Owners table "
            "and write them again, or type the address in."
        )
    if drafts.listed_twice:
        lines = "; ".join(
            f"{owner} ({' / '.join(written)})" for owner, written in drafts.listed_twice
        )
        notes.append(
            "Owners on more than one line of the Owners table on the Settings sheet, with other "
            f"addresses: {lines}. The first line's is used; delete the line that is wrong."
        )
    return " ".join(notes) or None
