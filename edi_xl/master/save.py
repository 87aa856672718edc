"""Saving a workbook so that the master is never left half-written.

The workbook is written to a temporary file in the same folder (``.<name>.<random>.tmp.xlsx``,
hidden on Linux and macOS, and passed over by ``edi-xl merge`` as a hidden file), flushed to
disk, and then swapped in with :func:`os.replace` (atomic on the same file system). Before the
swap the previous file is kept as ``<name>.backup<ext>``; the backup is itself written to a
temporary file and renamed, so it is never half a file either.

What can go wrong, and what is left behind:

* an error while writing (disk full, a value openpyxl refuses): the original is untouched and
  the temporary file is removed;
* a read-only master, a read-only folder, or a master another program holds open (Windows
  refuses to replace a file Excel has open; Excel's ``~$<name>`` or LibreOffice's
  ``.~lock.<name>#`` beside it, which say who has it open on any computer):
  :class:`~edi_xl.core.errors.WorkbookWriteError` with a message naming the file, the
  original untouched, the temporary file removed;
* the process killed part way (power cut, SIGKILL, Task Manager): the master is still the
  previous, complete file, because it is only ever replaced by one rename of a complete,
  fsynced file; and the backup is put in place before that rename (:func:`_swap`), so a
  master already replaced always has its previous version as its backup. The temporary file
  cannot be removed by a process that no longer runs, so it stays; the next save of the
  same file removes temporary files of that name left for longer than
  :data:`STALE_TEMP_SECONDS` (a save in progress keeps writing its temporary file, so one
  untouched for that long is not being written; a copy made to become the backup is given
  the time it was made, not the master's);
* no backup can be kept (``<name>.backup<ext>`` too long a name for the file system, and no
  room for a dated name either): the file is saved all the same, and a
  ``backup_not_kept`` note says so;
* another command (or a colleague's Excel) saving the same master while this one worked on
  it: a workbook loaded by :func:`~edi_xl.master.plan.load_master` remembers the file's state
  when it was read (:func:`note_read`: its size, time and inode, and a checksum of its bytes,
  which decides where the others differ: a network drive may give an unchanged file another
  inode); its save refuses to replace a file that changed since
  (:class:`~edi_xl.core.errors.WorkbookWriteError`: run the command again), rather than lose
  the other's change. The check and the swap are made holding a lock file beside the master
  (:func:`_save_lock`), so two saves cannot both pass the check.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import secrets
import shutil
import socket
import stat
import tempfile
import time
import weakref
import zipfile
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, NamedTuple

from openpyxl.workbook.workbook import Workbook

from edi_xl.core.errors import WorkbookWriteError
from edi_xl.core.problems import Code, Problem, problem
from edi_xl.master.cells import escaped_text
from edi_xl.master.labels import SensitivityLabel, labelled_package

WRITE_BITS = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
TEMP_SUFFIX = ".tmp"
#: A temporary file of a save not modified for this long is left over from a killed save.
STALE_TEMP_SECONDS = 600.0
_STEM_IN_TEMP = 80  # characters of the name used in a temporary file's name (path limits)
#: How long a save waits for another save of the same file to finish its swap.
LOCK_WAIT_SECONDS = 15.0
#: A save lock this old is left over (a swap takes well under a second); see :func:`_is_stale`.
STALE_LOCK_SECONDS = 60.0


class FileState(NamedTuple):
    """What a file was when it was read: its size, time (ns) and inode, which any save
    changes (it replaces the file), and a checksum of its bytes where the reader had them:
    a network drive may give a file another inode, or its time another precision, from one
    look to the next (a file whose looks differ is the same file when its bytes are)."""

    size: int
    mtime_ns: int
    inode: int
    crc: int | None = None


#: The file each loaded workbook was read from (its real path) and its state then.
_READ_FROM: weakref.WeakKeyDictionary[Workbook, tuple[str, FileState]] = weakref.WeakKeyDictionary()


def file_state(path: str | Path) -> FileState:
    """``path``'s state now (no checksum: a reader adds that of the bytes it read)."""
    st = os.stat(path)
    return FileState(st.st_size, st.st_mtime_ns, st.st_ino)


def note_read(wb: Workbook, path: str | Path, state: FileState) -> None:
    """Remember that ``wb`` was read from ``path``, which was then ``state`` (taken before
    reading it: a file changed while it was read then counts as changed)."""
    _READ_FROM[wb] = (os.path.realpath(path), state)


def state_when_read(wb: Workbook, path: str | Path) -> FileState | None:
    """The state of ``path`` when ``wb`` was read from it; None when ``wb`` was not read from
    that file (a new master, or a master saved to another file with ``-o``)."""
    read = _READ_FROM.get(wb)
    return read[1] if read is not None and read[0] == os.path.realpath(path) else None


def backup_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.backup{path.suffix}")


def temp_prefix(path: Path) -> str:
    """How the temporary files of a save of ``path`` start (they end ``.tmp<ext>``)."""
    return f".{path.stem[:_STEM_IN_TEMP]}."


def stale_temp_files(
    path: Path, *, older_than: float = STALE_TEMP_SECONDS, now: float | None = None
) -> list[Path]:
    """Temporary files left in ``path``'s folder by saves of ``path`` that never finished."""
    folder = path.parent if str(path.parent) else Path(".")
    prefix, suffix = temp_prefix(path), f"{TEMP_SUFFIX}{path.suffix}"
    now = time.time() if now is None else now
    found: list[Path] = []
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            name = entry.name
            if not (name.startswith(prefix) and name.endswith(suffix)):
                continue
            with contextlib.suppress(OSError):
                if (
                    entry.is_file(follow_symlinks=False)
                    and now - entry.stat(follow_symlinks=False).st_mtime >= older_than
                ):
                    found.append(Path(entry.path))
    return sorted(found)


def _remove_stale_temps(path: Path) -> None:
    for stale in stale_temp_files(path):
        with contextlib.suppress(OSError):
            stale.unlink()


def _explain(path: Path, exc: OSError, *, folder: Path | None = None) -> str:
    if isinstance(exc, PermissionError):
        if folder is not None:
            return (
                f"{path}: cannot write the file: the folder {os.path.abspath(folder)} is "
                "read-only or you may not save files in it (permission denied). Nothing was "
                "changed."
            )
        return (
            f"{path}: cannot write the file (permission denied). If it is open in Excel or "
            "another program, close it and try again; otherwise check the file is not "
            "read-only. Nothing was changed."
        )
    return f"{path}: cannot write the file ({exc.strerror or exc}). Nothing was changed."


def _refuse_if_changed(path: Path, expected: FileState | None) -> None:
    """Refuse to replace ``path`` when it is no longer the file the command read."""
    if expected is None:
        return
    try:
        now = file_state(path)
    except FileNotFoundError:
        now = None
    if now is not None and now[:3] == expected[:3]:
        return
    if now is not None and expected.crc is not None and now.size == expected.size:
        with contextlib.suppress(OSError):
            if zlib.crc32(path.read_bytes()) == expected.crc:
                return  # (the same bytes: the drive gave it another inode or time)
    raise WorkbookWriteError(
        f"{path}: the file changed since this command read it (another edi_xl command, "
        "or someone's Excel, saved it meanwhile); saving would lose that change, so "
        "nothing was changed. Run the command again."
    )


def office_lock_file(path: Path) -> Path | None:
    """The lock file Excel (``~$<name>``), Word or LibreOffice (``.~lock.<name>#``) keeps
    beside a file while it is open, on whichever computer opened it; None when there is
    none. Word cuts the first characters of a long name: ``~$ard paper.docx`` for "Board
    paper.docx" (two for a name of 8 characters or more before its extension, one for 7;
    as LibreOffice's msodocumentlockfile.cxx works it out)."""
    names = [f"~${path.name}", f".~lock.{path.name}#"]
    if path.suffix.lower() in _WORD_SUFFIXES:
        cut = 2 if len(path.stem) >= 8 else 1 if len(path.stem) == 7 else 0
        names.insert(1, f"~${path.name[cut:]}")
    for name in names:
        lock = path.with_name(name)
        with contextlib.suppress(OSError):  # (a name too long for the file system)
            if lock.is_file():
                return lock
    return None


#: What Word opens (its owner file is named by its own rule: office_lock_file).
_WORD_SUFFIXES = frozenset({".docx", ".doc", ".docm", ".rtf", ".odt"})
#: A field of LibreOffice's lock file, up to the "," or ";" that ends it; an escaped character.
_LOCK_FIELD = re.compile(r"((?:\\.|[^,;\\])*)[,;]")
_LOCK_ESCAPED = re.compile(r"\\(.)")


def opened_by(lock: Path) -> str:
    """Who has the workbook open, as its lock file says ("" when it does not say).

    LibreOffice's is one line, ``full name,login,computer,date,profile;``. Microsoft
    Office's starts with the length of the user name set in Office, then that name in the
    computer's 8-bit code page, then, at byte 54 (Word) or 55 (Excel), its length and the
    name in UTF-16 (:func:`_office_owner`)."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        data = lock.read_bytes()[:1024]
        if lock.name.startswith(".~lock."):
            # each field ends at "," (the last at ";"); a "," or ";" in one, such as a name
            # written "Smith, Jane (NHS TRUST)", has a backslash before it, and so has a
            # backslash (LibreOffice's lockfilecommon.cxx)
            text = data.decode("utf-8", errors="replace")
            fields = [_LOCK_ESCAPED.sub(r"\1", f).strip() for f in _LOCK_FIELD.findall(text)]
            who = fields[0] or fields[1]
            return f"{who} on {fields[2]}" if who and len(fields) > 2 and fields[2] else who
        return _office_owner(data)
    return ""


def _office_owner(data: bytes) -> str:
    """The user name of a Microsoft Office owner file (``~$<name>``): its UTF-16 copy where
    the file has one ("Łukasz", which the 8-bit copy cannot hold), else its 8-bit copy. The
    layout is LibreOffice's reading of it (msodocumentlockfile.cxx: the name's length at
    byte 54 for Word, where the bytes before are zeros, else at 55 for Excel and
    PowerPoint, the same as the first; names of at most 52 characters)."""
    length = data[0]
    if 0 < length <= 52 and len(data) >= 162:
        at = 54
        if data[at] == 0x20 and (data[at - 1] or data[at - 2]):  # (Excel's spaces run on)
            at = 55
        if data[at] == length:  # (the same name's length again: else no UTF-16 copy)
            name = data[at + 2 : at + 2 + 2 * length].decode("utf-16-le", errors="replace")
            if name.strip():
                return name.strip()
    return data[1 : 1 + length].decode("cp1252", errors="replace").strip()


def _refuse_if_open_elsewhere(path: Path) -> None:
    """Refuse to replace a workbook open in Excel or LibreOffice: the program would go on
    showing (and later save) the file it opened, losing what this save wrote. (The buttons
    write into the open workbook through xlwings and never save its file: this is for the
    commands.)"""
    lock = office_lock_file(path) if path.exists() else None
    if lock is None:
        return
    who = opened_by(lock)
    word = path.suffix.lower() in _WORD_SUFFIXES  # (the board paper, in Word)
    raise WorkbookWriteError(
        f"{path}: the {'document is open in Word' if word else 'workbook is open in Excel'} "
        "or LibreOffice"
        + (f" by {who}" if who else "")
        + f" ({lock} says so). Close it there and run the command again; if nobody has it "
        f"open (a program that crashed leaves this file behind), delete {lock.name} (a hidden "
        "file: in File Explorer, View > Show > Hidden items). Nothing was changed."
    )


def _lock_path(path: Path) -> Path:
    return path.with_name(f".{path.stem[:_STEM_IN_TEMP]}{path.suffix}.edi-xl-lock")


def _pid_alive(pid: int) -> bool | None:
    """Whether process ``pid`` runs on this computer; None where that cannot be asked
    (Windows: ``os.kill`` there ends the process instead)."""
    if os.name == "nt":
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # (PermissionError: it runs, as another user)
        return True
    return True


def _is_stale(lock: Path, text: str) -> bool:
    """Whether a save lock was left by a save that no longer runs: its process (the lock says
    which, and on which computer) is gone from this computer, or the lock is older than
    :data:`STALE_LOCK_SECONDS` (a lock from another computer, or one that says nothing)."""
    parts = text.split()
    if len(parts) >= 2 and parts[0].isdigit() and parts[1] == socket.gethostname():
        alive = _pid_alive(int(parts[0]))
        if alive is False:
            return True
    try:
        return time.time() - lock.stat().st_mtime > STALE_LOCK_SECONDS
    except FileNotFoundError:
        return True


def _read_text(path: Path) -> str | None:
    """A lock's text; None when there is none; "" when it cannot be read (another user's,
    unreadable to this one: its age tells whether it is stale)."""
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return None
    except OSError:
        return ""


@contextlib.contextmanager
def _save_lock(path: Path) -> Iterator[None]:
    """Hold ``.<name>.edi-xl-lock`` beside ``path`` while the file is checked and swapped:
    made with ``O_EXCL``, so only one save at a time holds it (on a shared drive too). It
    says who holds it (process, computer, a token); one left by a killed save is taken over
    (:func:`_is_stale`)."""
    lock = _lock_path(path)
    mine = f"{os.getpid()} {socket.gethostname()} {secrets.token_hex(8)}\n"
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            text = _read_text(lock)
            if text is None:
                continue  # (just released)
            if _is_stale(lock, text) and _take_over(lock, text):
                continue
            if time.monotonic() > deadline:
                raise WorkbookWriteError(
                    f"{path}: another edi_xl command is saving this file ({_holder(lock, text)}"
                    f" holds {lock}); nothing was changed. Run the command again when it has "
                    f"finished (a lock left by a save that stopped is taken over once it is "
                    f"{STALE_LOCK_SECONDS:.0f} seconds old); if no edi_xl command is running, "
                    "delete that file."
                ) from None
            time.sleep(0.05)
            continue
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(mine)
        except BaseException:  # (a full disk: a lock saying nothing would block the next save)
            with contextlib.suppress(OSError):
                lock.unlink()
            raise
        break
    try:
        yield
    finally:
        if _read_text(lock) == mine:  # (never another's: ours may have been taken over)
            with contextlib.suppress(OSError):
                lock.unlink()


def _holder(lock: Path, text: str) -> str:
    """Who holds a save lock, as it says, and since when ("process 812 on HRPC042, for 12
    seconds")."""
    parts = text.split()
    who = f"process {parts[0]} on {parts[1]}" if len(parts) >= 2 else "a save"
    try:
        age = time.time() - lock.stat().st_mtime
    except OSError:
        return who
    return f"{who}, for {max(age, 0):.0f} seconds"


def _take_over(lock: Path, text: str) -> bool:
    """Remove a stale lock, unless another save took it over first (it is then theirs).
    False when it cannot be moved (a sticky folder, a share where this user may not delete):
    the save then waits, and stops at the deadline, as for a lock in use."""
    aside = lock.with_name(f"{lock.name}.{secrets.token_hex(4)}")
    try:
        os.replace(lock, aside)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    if _read_text(aside) != text:  # (another's fresh lock: give it back)
        with contextlib.suppress(OSError):
            os.link(aside, lock)
    with contextlib.suppress(OSError):
        aside.unlink()
    return True


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _new_temp(path: Path, folder: Path) -> tuple[int, Path]:
    fd, name = tempfile.mkstemp(
        prefix=temp_prefix(path), suffix=f"{TEMP_SUFFIX}{path.suffix}", dir=folder
    )
    return fd, Path(name)


def _may_write(path: Path) -> bool:
    """Whether this user may write ``path`` (the swap needs only the folder: a file another
    user owns would be replaced by one of this user's, which is not what a read-only file
    means). As the process acts: its effective user, where the system tells them apart."""
    effective = os.access in os.supports_effective_ids
    return os.access(path, os.W_OK, effective_ids=effective)


def _keep_owner(path: Path, tmp: Path) -> None:
    """Give the new file the owner and group of the file it replaces, where the system lets
    this user (root may; another user may keep the group, when a member of it): a master in
    a team's shared folder stays the team's. Elsewhere it is the saving user's, as any file
    saved again by a program that replaces it."""
    if not hasattr(os, "chown"):  # (Windows: files inherit the folder's permissions)
        return
    was = path.stat()
    try:
        os.chown(tmp, was.st_uid, was.st_gid)
    except OSError:
        with contextlib.suppress(OSError):
            os.chown(tmp, -1, was.st_gid)


def _copy_for_backup(path: Path, folder: Path) -> Path:
    """A complete copy of ``path`` in a temporary file, to become the backup.

    Not with the master's (old) time, as :func:`shutil.copy2` would: another save starting
    now would take it for the leftover of a killed save and remove it. The backup gets the
    master's time once it is in place (:func:`_keep_backup`)."""
    fd, tmp = _new_temp(path, folder)
    os.close(fd)
    try:
        shutil.copyfile(path, tmp)
        _keep_owner(path, tmp)  # (the backup is the team's too)
        shutil.copymode(path, tmp)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return tmp


def _keep_backup(copy: Path, path: Path, was: os.stat_result) -> tuple[Path | None, str]:
    """Move the copy of the previous version to ``<name>.backup<ext>``, with the time the
    previous version was saved (``was``); where it went, or why it could not.

    If the backup name cannot be written (on Windows: the old backup is open in Excel), the
    previous version is kept under a dated name instead."""
    target = backup_path(path)
    try:
        os.replace(copy, target)
    except OSError as exc:
        why = exc.strerror or str(exc)
        target = path.with_name(f"{path.stem}.backup {datetime.now():%Y-%m-%d %H%M%S}{path.suffix}")
        try:
            os.replace(copy, target)
        except OSError:
            with contextlib.suppress(OSError):
                copy.unlink()
            return None, why
    with contextlib.suppress(OSError):
        os.utime(target, ns=(was.st_atime_ns, was.st_mtime_ns))
    return target, ""


def _set_aside(backup: Path, folder: Path) -> Path | None:
    """Keep the old backup under a temporary name too (a second name for the same file, or
    a copy), to put back if the swap then fails. The backup's own name stays until the new
    backup replaces it in one rename: a save killed in between leaves a backup, never none."""
    try:
        if not backup.is_file():
            return None
    except OSError:  # (a name too long for the file system: there is none)
        return None
    fd, aside = _new_temp(backup, folder)
    os.close(fd)
    try:
        aside.unlink()
        try:
            os.link(backup, aside)
        except OSError:  # (no hard links here: a FAT drive, some shares)
            shutil.copyfile(backup, aside)
    except OSError:
        with contextlib.suppress(OSError):
            aside.unlink()
        return None
    return aside


def _swap(
    tmp: Path, path: Path, folder: Path, *, backup: bool, notes: list[Problem] | None
) -> Path | None:
    """Replace ``path`` by ``tmp``, with the previous version put in place as the backup
    first: a save killed after the swap has left the backup it promised. If the swap then
    fails (Windows: the master open in Excel), the old backup is put back as it was.
    Returns the backup's path, if one was made."""
    if not (backup and path.exists()):
        os.replace(tmp, path)
        return None
    was = path.stat()
    copy = _copy_for_backup(path, folder)
    aside = _set_aside(backup_path(path), folder)
    kept, why = _keep_backup(copy, path, was)
    try:
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            if kept is not None:
                kept.unlink()
            if aside is not None:
                os.replace(aside, backup_path(path))
        raise
    if aside is not None:
        with contextlib.suppress(OSError):
            aside.unlink()
    if kept is None and notes is not None:
        notes.append(
            problem(Code.BACKUP_NOT_KEPT, file=path.name, value=backup_path(path).name, reason=why)
        )
    return kept


def save_atomic(
    wb: Workbook,
    path: str | Path,
    *,
    backup: bool = True,
    notes: list[Problem] | None = None,
    label: SensitivityLabel | None = None,
) -> Path | None:
    """Save ``wb`` to ``path`` atomically. Returns the backup's path, if one was made.

    Raises :class:`~edi_xl.core.errors.WorkbookWriteError` (naming the file) when the file or its
    folder cannot be written, or when ``wb`` was read from ``path`` and the file changed
    since (:func:`state_when_read`); the file at ``path`` is then exactly as it was. The
    cells' text is written escaped as Excel writes it (:func:`escaped_package`), when any
    needs it, and the notes of a sheet with buttons get shape ids of their own
    (:func:`notes_apart_from_shapes`): a workbook is otherwise written straight into its
    temporary file, as openpyxl writes it. ``label``: the sensitivity label of the workbook
    it was made from, which the file carries too (:mod:`edi_xl.master.labels`).
    """
    expected = state_when_read(wb, path)
    escape, renumber = text_needs_escapes(wb), notes_beside_shapes(wb)
    if label is None and not escape and not renumber:

        def save(handle: BinaryIO) -> None:
            _save_into(wb, handle)

        return write_atomic(path, save, backup=backup, expected=expected, notes=notes)

    def write(handle: BinaryIO) -> None:
        written = io.BytesIO()
        _save_into(wb, written)
        data = written.getvalue()
        if escape or label is not None:
            data = escaped_package(data)
        if renumber:
            data = notes_apart_from_shapes(data)
        handle.write(data if label is None else labelled_package(data, label))

    return write_atomic(path, write, backup=backup, expected=expected, notes=notes)


def _save_into(wb: Workbook, handle: BinaryIO) -> None:
    """``wb.save(handle)`` as openpyxl's ``save_workbook`` does it, but with its zip closed
    when the writing fails (a full disk): left open, Python closes it when it is collected,
    writing its end into the temporary file closed and removed by then, and prints
    *Exception ignored in ZipFile.__del__ ... seek of closed file* after the clean error."""
    from openpyxl.writer.excel import ExcelWriter

    if wb.write_only and not wb.worksheets:  # (as Workbook.save)
        wb.create_sheet()
    archive = zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    wb.properties.modified = datetime.now(tz=UTC).replace(tzinfo=None)
    try:
        ExcelWriter(wb, archive).save()  # (writes the parts, then closes the zip)
    except BaseException:
        with contextlib.suppress(Exception):  # (its end may not fit either: closed all the same)
            archive.close()
        raise


def text_needs_escapes(wb: Workbook) -> bool:
    """Whether a cell of ``wb`` holds text that reads as one of the file format's escapes
    (``_x0041_``), which openpyxl writes as it is."""
    for ws in wb.worksheets:
        for cell in ws._cells.values():
            value = cell._value
            if type(value) is str and "_x" in value and escaped_text(value) != value:
                return True
    return False


#: Text that reads as one of the file format's escapes (``_x0041_`` is "A" to Excel).
_ESCAPE_LIKE = re.compile(rb"_x[0-9A-Fa-f]{4}_")
#: The text of a string in a sheet or the shared strings (``<t>``, ``<t xml:space=..>``).
_TEXT_RUN = re.compile(rb"(<t(?:\s[^>]*)?>)([^<]*)(</t>)")


def escaped_package(data: bytes) -> bytes:
    """A package openpyxl wrote (``data``) with the text of its cells escaped as Excel
    writes it (:func:`~edi_xl.master.cells.escaped_text`: openpyxl writes ``_x0041_`` as it
    is, and Excel reads it as "A"); ``data`` itself when no text needs it (most packages:
    only their sheets are looked at)."""

    def sheet_text(name: str) -> bool:
        return name.startswith("xl/worksheets/") or name == "xl/sharedStrings.xml"

    def escaped(part: bytes) -> bytes | None:
        if not _ESCAPE_LIKE.search(part):
            return None
        return _TEXT_RUN.sub(
            lambda m: (
                m.group(1) + escaped_text(m.group(2).decode("utf-8")).encode("utf-8") + m.group(3)
            ),
            part,
        )

    return _with_parts_changed(data, sheet_text, escaped)


def notes_beside_shapes(wb: Workbook) -> bool:
    """Whether a sheet of ``wb`` has notes and a VML drawing of its own (a macro-enabled
    master's buttons), which openpyxl writes the notes into (:func:`notes_apart_from_shapes`)."""
    return any(
        ws.legacy_drawing and any(cell.comment for cell in ws._cells.values())
        for ws in wb.worksheets
    )


#: A VML shape's start tag, its id (Excel's ``o:spid``, else its ``id``: ``_x0000_s1026``),
#: and the shape-id blocks of its drawing (``<o:idmap data="1,2">``: block n holds the ids
#: n * 1024 to n * 1024 + 1023).
_VML_SHAPE_TAG = re.compile(rb"<(\w+):shape\b[^>]*>")
_VML_ID = re.compile(rb'\b(o:spid|id)="_x0000_s(\d+)"')
_VML_IDMAP = re.compile(rb'(<o:idmap\b[^>]*\bdata=")([^"]*)(")')


def notes_apart_from_shapes(data: bytes) -> bytes:
    """A package openpyxl wrote (``data``) with no two shapes of a VML drawing sharing an id.

    openpyxl writes a sheet's notes into the VML drawing the sheet already has (a
    macro-enabled master's buttons) with the ids ``_x0000_s1026`` on, whatever the drawing's
    shapes use: a note and a button then share an id, which Excel may take as one shape
    (the Open XML SDK's validator: "Attribute 'id' should have unique value"). The first
    shape of an id keeps it (openpyxl writes the notes last); each later one is given the
    next id free in the drawing's blocks, a new block when they are full."""

    def unique(part: bytes) -> bytes | None:
        used: set[int] = set()
        shapes = []
        for tag in _VML_SHAPE_TAG.finditer(part):
            ids = {m.group(1): m for m in _VML_ID.finditer(tag.group(0))}
            m = ids.get(b"o:spid") or ids.get(b"id")
            if m is not None:
                shapes.append((tag, m, int(m.group(2))))
        if len({n for _, _, n in shapes}) == len(shapes):
            return None
        blocks = sorted(
            {int(x) for m in _VML_IDMAP.finditer(part) for x in re.findall(rb"\d+", m.group(2))}
        ) or [1]
        taken = {n for _, _, n in shapes}
        free = (n for n in range(blocks[0] * 1024 + 1, 1 << 31) if n not in taken)
        out, at = [], 0
        for tag, m, n in shapes:
            if n not in used:
                used.add(n)
                continue
            new = next(free)
            used.add(new)
            if new // 1024 not in blocks:
                blocks.append(new // 1024)
            start = tag.start() + m.start(2)
            out += [part[at:start], str(new).encode("ascii")]
            at = tag.start() + m.end(2)
        out.append(part[at:])
        text = b"".join(out)
        listed = b",".join(str(b).encode("ascii") for b in blocks)
        return _VML_IDMAP.sub(lambda m: m.group(1) + listed + m.group(3), text, count=1)

    return _with_parts_changed(data, lambda name: name.endswith(".vml"), unique)


def _with_parts_changed(
    data: bytes, wanted: Callable[[str], bool], change: Callable[[bytes], bytes | None]
) -> bytes:
    """The package ``data`` with each part of a name ``wanted`` that ``change`` gives new
    bytes for (None: as it is) written anew, the others copied; ``data`` itself when none
    changes (only the parts wanted are read)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zin:
        infos = zin.infolist()
        changed: dict[str, bytes] = {}
        for info in infos:
            if not wanted(info.filename):
                continue
            part = zin.read(info)
            new = change(part)
            if new is not None and new != part:
                changed[info.filename] = new
        if not changed:
            return data
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in infos:
                zout.writestr(info, changed.get(info.filename) or zin.read(info))
    return out.getvalue()


def write_atomic(
    path: str | Path,
    write: Callable[[BinaryIO], object],
    *,
    backup: bool = True,
    expected: FileState | None = None,
    notes: list[Problem] | None = None,
) -> Path | None:
    """Write a file of any kind to ``path`` atomically: ``write(handle)`` writes its bytes.

    Everything :func:`save_atomic` promises holds (it is this with ``Workbook.save``).
    A symbolic link at ``path`` stays: the file it points to is written, its backup beside
    it. ``expected``: the file's state when what is written was read from it
    (:func:`state_when_read`); the file is not replaced if it is no longer so. ``notes``
    gets a ``backup_not_kept`` problem when the previous version could not be kept.
    """
    path = Path(path)
    if path.is_symlink():  # a link to the master: its file is replaced, the link stays
        path = Path(os.path.realpath(path))
    folder = path.parent if str(path.parent) else Path(".")
    if path.exists() and (  # marked read-only (even as root), or not this user's to write
        not path.stat().st_mode & WRITE_BITS or not _may_write(path)
    ):
        # (a read-only share or folder is said as such: the file alone is not the cause)
        where = folder if not _may_write(folder) else None
        raise WorkbookWriteError(_explain(path, PermissionError(13, "read-only"), folder=where))
    _refuse_if_open_elsewhere(path)
    _refuse_if_changed(path, expected)  # (before the work of writing, when it is known)
    try:
        fd, tmp = _new_temp(path, folder)
    except OSError as exc:
        raise WorkbookWriteError(_explain(path, exc, folder=folder)) from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            _keep_owner(path, tmp)
            shutil.copymode(path, tmp)  # (after: a change of owner may clear mode bits)
        else:  # a new file gets the usual permissions, not mkstemp's owner-only 0600
            os.chmod(tmp, 0o666 & ~_umask())
        with _save_lock(path):  # one save at a time checks and swaps this file
            _refuse_if_changed(path, expected)
            _remove_stale_temps(path)
            made_backup = _swap(tmp, path, folder, backup=backup, notes=notes)
    except (OSError, WorkbookWriteError) as exc:
        if isinstance(exc, WorkbookWriteError):
            raise
        raise WorkbookWriteError(_explain(path, exc)) from exc
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    _sync_folder(folder)
    return made_backup


def _sync_folder(folder: Path) -> None:
    """Make the renames in ``folder`` durable (a no-op where folders cannot be opened)."""
    with contextlib.suppress(OSError):
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
