"""Chase drafts: after a merge, one email draft per owner still owed.

:func:`chase` reads the master (the round on Settings, the Returns sheet's record of the
round, the Owners table) and writes, for each owner who was sent a return and has not
returned one with something new in it (not returned, returned unchanged, or a file that could
not be used), a draft reminder (:mod:`edi_xl.flows.emails`) with their return attached again (found
in the owner-returns folder by its hidden record), the reason they are chased, and their
actions. Before any return of the round was made (none found, none merged), it writes nothing
(:class:`NoReturnsSentError`): a reminder would ask for a return nobody was sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from openpyxl.workbook.workbook import Workbook

from edi_xl.core import rounds
from edi_xl.core.dates import long_date
from edi_xl.core.errors import EdiXlError, WorkbookWriteError
from edi_xl.core.filenames import unique_names
from edi_xl.flows.emails import Drafts, owner_draft, reply_by
from edi_xl.flows.owner_returns import group_by_owner, returns_in
from edi_xl.master.plan import load_master, read_master_plan
from edi_xl.master.round_record import (
    OwnerStatus,
    RoundRecord,
    files_by_owner,
    owner_status,
    read_record,
    why_chased,
)
from edi_xl.master.sheets import DEFAULT_OWNER_RETURNS_FOLDER, no_round_date_error, owner_key

CHASE_PREFIX = "Reminder - "


class NoReturnsSentError(EdiXlError):
    """No return of the round was made (or merged) yet: a reminder would ask for a return
    nobody was sent."""


def folder_named(text: str | None, default: str, base: Path) -> Path:
    """A folder named on the Settings sheet: a bare name is a folder next to the workbook."""
    path = Path((text or default).strip()).expanduser()
    return path if path.is_absolute() else base / path


@dataclass
class ChaseResult:
    as_at: date
    owed: list[OwnerStatus]
    returned: list[OwnerStatus]
    drafts: Drafts
    out_dir: Path
    no_attachment: list[str] = field(default_factory=list)  # owners whose return was not found
    #: earlier reminder drafts removed because their owner has returned since
    removed: list[Path] = field(default_factory=list)

    def afterwords(self) -> list[str]:
        """What a person should hear after the drafts are listed (both doors say it): the
        drafts removed, the owners whose return could not be attached."""
        lines = [
            f"Removed {stale.name}: that owner has returned since it was written."
            for stale in self.removed
        ]
        if self.no_attachment:
            lines.append(
                f"Return not found to attach for: {'; '.join(self.no_attachment)} (looked for "
                "this round's returns in the owner-returns folder on Settings and the folders "
                "beside the master; edi-xl chase --returns FOLDER says where). Those reminders "
                "have no return attached: attach it before sending."
            )
        return lines


def chase(
    master: str | Path,
    out_dir: str | Path | None = None,
    *,
    returns_dir: str | Path | None = None,
    as_at: date | None = None,
    today: date | None = None,
) -> ChaseResult:
    """Write a chase draft per owner still owed, in ``out_dir`` (default: the owner-returns
    folder named on Settings, next to the master). ``returns_dir`` is where the returns sent
    are looked for (default: the same folder, then the folders beside the master: see
    :func:`sent_returns`); both, given, are paths as a command line's are (relative to the
    current folder, not the master's). ``today``: the day the reminders are written (default: the
    clock's, :func:`edi_xl.core.rounds.today`), from which a reminder's reply-by date is
    worked out (:func:`chase_reply_by`)."""
    path = Path(master)
    # (the chase reads the plan, Settings and the Returns sheet: not the Summary nor the log)
    wb = load_master(path, remakes_summary=True, log_as_values=True)
    return chase_book(
        wb,
        path.name,
        path.resolve().parent,
        out_dir,
        returns_dir=returns_dir,
        as_at=as_at,
        today=today,
    )


#: The days a reminder gives an owner to reply, when the round's Reply by date has passed.
CHASE_DAYS = 7
#: What a reminder's subject starts with (the rest is the Settings sheet's Email subject).
REMINDER_SUBJECT = "Reminder: "


def chase_reply_by(settings_reply_by: date, today: date) -> date:
    """The date a reminder asks for the return by: the round's Reply by date, or, when that
    has passed (a reminder is most often written after it), :data:`CHASE_DAYS` from today."""
    return max(settings_reply_by, today + timedelta(days=CHASE_DAYS))


def sent_returns(
    folder: Path, as_at: date, base: Path, owners: set[str], *, look_beside: bool
) -> dict[str, Path]:
    """This round's returns, by owner (:func:`owner_key`): those in ``folder`` (the
    owner-returns folder on Settings), and, with ``look_beside``, for owners it has none of,
    those in ``base`` (the master's folder) and the folders in it (``edi-xl returns -o
    "Owner returns 2024-03-18"`` writes them where it is told). A folder holding more of the
    round's returns is taken first: the folder the returns were sent from holds every
    owner's, a folder of returns received only those who replied."""
    found = {owner_key(meta.owner): p for p, meta in returns_in(folder, as_at) if meta.owner}
    if not look_beside or owners <= found.keys():
        return found
    try:
        folders = [base, *sorted(p for p in base.iterdir() if p.is_dir())]
    except OSError:
        return found
    shelves = [returns_in(f, as_at) for f in folders if f.resolve() != folder.resolve()]
    for shelf in sorted(shelves, key=len, reverse=True):
        for path, meta in shelf:
            if meta.owner:
                found.setdefault(owner_key(meta.owner), path)
    return found


def chase_book(
    wb: Workbook,
    name: str,
    base: Path,
    out_dir: str | Path | None = None,
    *,
    returns_dir: str | Path | None = None,
    as_at: date | None = None,
    today: date | None = None,
) -> ChaseResult:
    """:func:`chase` for a loaded master called ``name`` in the folder ``base``."""
    found = read_master_plan(wb, name)
    settings = found.settings
    as_at = as_at or settings.as_at
    if as_at is None:
        raise no_round_date_error(name, settings)
    settings_dir = folder_named(settings.owner_returns_folder, DEFAULT_OWNER_RETURNS_FOLDER, base)
    # (a folder given, as on the command line, is the caller's: relative to the current
    # folder, as ``out_dir`` is; only the Settings sheet's names are the workbook's)
    sent_dir = Path(returns_dir).expanduser() if returns_dir else settings_dir
    out = Path(out_dir) if out_dir else settings_dir  # (the drafts: always there by default)
    record = read_record(wb)
    if record.as_at != as_at:  # no merge yet this round: nobody has returned anything
        record = RoundRecord(as_at, [], [])
    groups, _ = group_by_owner(found.plan.actions)
    by_owner = files_by_owner(record)
    statuses = [owner_status(g.owner, record, by_owner) for g in groups]
    owed = [(g, s) for g, s in zip(groups, statuses, strict=True) if s.owed]
    sent = sent_returns(
        sent_dir, as_at, base, {owner_key(g.owner) for g, _ in owed}, look_beside=not returns_dir
    )
    if owed and not sent and not record.files:
        where = "" if returns_dir else " or the folders beside the master"
        raise NoReturnsSentError(
            f"{name}: no returns made for the round as at {long_date(as_at)} yet: run edi-xl "
            f"returns first (the button: Create owner returns). None was found in {sent_dir}"
            f"{where}, and none was merged this round; if they were written elsewhere, edi-xl "
            "chase --returns FOLDER says where. No reminder was written, and earlier ones "
            "were left as they are."
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkbookWriteError(f"{out}: cannot make the folder ({exc.strerror or exc})") from exc
    by = long_date(chase_reply_by(reply_by(settings, as_at), today or rounds.today()))
    # who has returned: an owner still sent actions, and one whose every action is now
    # complete (their return made it so), who is owed nothing
    seen = {owner_key(g.owner) for g in groups}
    done = []
    for owner in found.plan.owners:
        key = owner_key(owner)  # (one owner written two ways is one owner)
        if key not in seen:
            seen.add(key)
            status = owner_status(owner, record, by_owner)
            if not status.owed:
                done.append(status)
    result = ChaseResult(
        as_at, [s for _, s in owed], [s for s in statuses if not s.owed] + done, Drafts(), out
    )
    # The reminders of owners owed and of owners who have returned are named in one go: two
    # owners whose names clean to the same file name (long job titles cut at 100 characters,
    # "... (North)", "... (South)") never share one, so one's reminder is never taken for
    # the other's, written earlier
    names = unique_names(
        [CHASE_PREFIX + g.owner for g, _ in owed]
        + [CHASE_PREFIX + s.owner for s in result.returned],
        ".eml",
    )
    for (group, status), name in zip(owed, names[: len(owed)], strict=True):
        attachment = sent.get(owner_key(group.owner))
        if attachment is None:
            result.no_attachment.append(group.owner)
        owner_draft(
            group.owner,
            group.actions,
            settings,
            as_at,
            path=out / name,
            attachment=attachment,
            template=settings.chase_message,
            extra={"why": _sentence(why_chased(status, as_at)), "reply_by": by},
            drafts=result.drafts,
            subject_prefix=REMINDER_SUBJECT,
        )
    written = {draft.path for draft in result.drafts.drafts}
    for name in names[len(owed) :]:
        stale = out / name
        # a reminder written before this owner's return came in (never one written now)
        if stale not in written and stale.is_file():
            stale.unlink()
            result.removed.append(stale)
    return result


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]
