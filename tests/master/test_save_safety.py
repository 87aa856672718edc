"""Nothing lost on save (issue 7, item 3): a killed save, a read-only or locked master.

The master is only ever replaced by one rename of a complete, fsynced temporary file, so a
process killed while saving leaves the previous master whole. What may remain is the hidden
temporary file of the killed save; the next save of that master removes it once it has not
been written to for ``STALE_TEMP_SECONDS``.

"Locked" is simulated with a real mechanism, not a mock: the immutable attribute
(``chattr +i``, root on Linux), under which ``os.replace`` onto the master fails with
``PermissionError`` exactly as Windows refuses to replace a workbook Excel has open.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import AS_AT, seed_rows
from openpyxl import Workbook, load_workbook

from edi_xl.cli import cli
from edi_xl.core.errors import WorkbookWriteError
from edi_xl.core.model import ActionPlan
from edi_xl.master.plan import HEADER_ROW, build_master_book, load_master
from edi_xl.master.save import (
    STALE_TEMP_SECONDS,
    backup_path,
    save_atomic,
    stale_temp_files,
    temp_prefix,
)
from edi_xl.tables.reader import read_plan

ROOT = Path(__file__).resolve().parents[2]
BIG = 20_000


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".tmp" in p.name)


def _small_book(text: str = "hello") -> Workbook:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws["A1"] = text
    return wb


@pytest.fixture(scope="module")
def big_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A master of 20,000 actions (the seed's rows over and over), written once per module."""
    folder = tmp_path_factory.mktemp("big")
    seed = folder / "seed.xlsx"
    header, rows = seed_rows()
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(seed)
    actions = read_plan(seed).actions
    plan = ActionPlan(
        actions=[
            replace(a, id=f"{n // len(actions) + 1}.{n + 1}", origin=None)
            for n, a in enumerate(actions[i % len(actions)] for i in range(BIG))
        ]
    )
    path = folder / "master.xlsx"
    build_master_book(plan, AS_AT).save(path)
    return path


def _ids(path: Path) -> list[str]:
    wb = load_workbook(path, read_only=True)
    try:
        ws = wb["Action Plan"]
        return [
            r[0]
            for r in ws.iter_rows(min_row=HEADER_ROW + 1, max_col=1, values_only=True)
            if r[0] is not None
        ]
    finally:
        wb.close()


_SAVER = textwrap.dedent("""
    import sys
    from edi_xl.master.plan import load_master
    from edi_xl.master.save import save_atomic
    wb = load_master(sys.argv[1])
    wb["Action Plan"]["C5"] = "CHANGED BY THE KILLED SAVE"
    print("loaded", flush=True)
    save_atomic(wb, sys.argv[1])
    print("saved", flush=True)
""")


def test_killing_a_save_leaves_the_master_whole(
    big_master: Path, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    master = tmp_path / "master.xlsx"
    shutil.copy2(big_master, master)
    before = _sha(master)
    scratch = tmp_path_factory.mktemp("killed-save-temp")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        # openpyxl writes each sheet to a temporary file first: the killed save leaves it
        # here, with the test's files, not in the machine's temporary folder
        "TMPDIR": str(scratch),
    }
    child = subprocess.Popen(
        [sys.executable, "-c", _SAVER, str(master)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stderr is not None
        assert child.stdout.readline().strip() == "loaded", child.stderr.read()
        # Kill once the save has written part of its temporary file.
        deadline = time.monotonic() + 120
        partial: list[Path] = []
        while time.monotonic() < deadline:
            partial = [
                p
                for p in tmp_path.iterdir()
                if p.name.startswith(temp_prefix(master)) and p.stat().st_size > 0
            ]
            if partial or child.poll() is not None:
                break
            time.sleep(0.002)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
        assert partial, "the temporary file never appeared"
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        if child.stdout:
            child.stdout.close()
        if child.stderr:
            child.stderr.close()
    assert child.returncode == -signal.SIGKILL, "the save finished before it could be killed"

    # The master is the previous file, byte for byte, and opens with all its actions.
    assert _sha(master) == before
    ids = _ids(master)
    assert len(set(ids)) == BIG and ids[0] == "1.1" and ids[-1].endswith(f".{BIG}")
    # Nothing else took the master's place; the killed save's temporary file is what remains.
    leftovers = _temps(tmp_path)
    assert len(leftovers) == 1 and leftovers[0].startswith(temp_prefix(master))
    assert {p.name for p in tmp_path.iterdir()} == {"master.xlsx", *leftovers}
    assert not backup_path(master).exists()

    # The next save removes it once it is stale (aged here rather than waiting ten minutes).
    stale = tmp_path / leftovers[0]
    old = time.time() - STALE_TEMP_SECONDS - 1
    os.utime(stale, (old, old))
    save_atomic(_small_book("after the crash"), master)
    assert _temps(tmp_path) == []
    assert load_workbook(master).active["A1"].value == "after the crash"  # type: ignore[index]
    assert _sha(backup_path(master)) == before


def test_only_stale_temp_files_of_the_same_master_are_removed(tmp_path: Path) -> None:
    master = tmp_path / "plan.xlsx"
    save_atomic(_small_book(), master)
    old = time.time() - STALE_TEMP_SECONDS - 5
    stale = tmp_path / f"{temp_prefix(master)}abc123.tmp.xlsx"
    fresh = tmp_path / f"{temp_prefix(master)}def456.tmp.xlsx"  # a save still under way
    other = tmp_path / f"{temp_prefix(tmp_path / 'other.xlsx')}ghi789.tmp.xlsx"
    users = tmp_path / "plan.tmp.xlsx"  # the user's own file, not hidden
    for path in (stale, fresh, other, users):
        path.write_bytes(b"PK\x03\x04 half a zip")
    for path in (stale, other, users):
        os.utime(path, (old, old))
    assert stale_temp_files(master) == [stale]
    save_atomic(_small_book("again"), master)
    assert not stale.exists()
    assert fresh.exists() and other.exists() and users.exists()


def test_a_new_file_gets_the_usual_permissions(tmp_path: Path) -> None:
    mask = os.umask(0o022)
    try:
        save_atomic(_small_book(), tmp_path / "new.xlsx")
    finally:
        os.umask(mask)
    assert (tmp_path / "new.xlsx").stat().st_mode & 0o777 == 0o644


def test_a_failed_save_keeps_the_previous_backup(tmp_path: Path) -> None:
    master = tmp_path / "plan.xlsx"
    save_atomic(_small_book("v1"), master)
    save_atomic(_small_book("v2"), master)
    v1_backup = _sha(backup_path(master))
    master.chmod(0o444)
    try:
        with pytest.raises(WorkbookWriteError):
            save_atomic(_small_book("v3"), master)
    finally:
        master.chmod(0o644)
    assert _sha(backup_path(master)) == v1_backup
    assert load_workbook(master).active["A1"].value == "v2"  # type: ignore[index]


def test_read_only_master_names_the_file_and_leaves_nothing(master: Path) -> None:
    before = _sha(master)
    names = {p.name for p in master.parent.iterdir()}
    master.chmod(0o444)
    try:
        result = CliRunner().invoke(cli, ["refresh", str(master), "--as-at", "2024-01-15"])
    finally:
        master.chmod(0o644)
    assert result.exit_code == 2, result.output
    assert str(master) in result.output and "read-only" in result.output
    assert "Traceback" not in result.output
    assert _sha(master) == before
    assert {p.name for p in master.parent.iterdir()} == names


def _chattr(flag: str, path: Path) -> bool:
    if shutil.which("chattr") is None:
        return False
    done = subprocess.run(["chattr", flag, str(path)], capture_output=True, check=False)
    return done.returncode == 0


@pytest.fixture
def immutable() -> Iterator[list[Path]]:
    """Paths made immutable by the test; made mutable again afterwards, whatever happens."""
    paths: list[Path] = []
    yield paths
    for path in paths:
        _chattr("-i", path)


def _lock(path: Path, immutable: list[Path]) -> None:
    if not _chattr("+i", path):
        pytest.skip(
            "needs chattr +i (root on a Linux file system that supports it) to lock a file for real"
        )
    immutable.append(path)


@contextlib.contextmanager
def _read_only(folder: Path, immutable: list[Path]) -> Iterator[None]:
    """``folder`` read-only while the block runs (root writes in a chmod 555 folder: it is
    locked for real instead, and unlocked by the ``immutable`` fixture)."""
    if os.geteuid() == 0:
        _lock(folder, immutable)
        yield
        return
    folder.chmod(0o555)
    try:
        yield
    finally:
        folder.chmod(0o755)


def test_locked_master_gives_a_clear_message_and_no_partial_file(
    master: Path, immutable: list[Path]
) -> None:
    """The Windows case: the temporary file is written, then replacing the master is refused."""
    save_atomic(load_master(master), master)  # so there is a backup to keep
    backup_before = _sha(backup_path(master))
    before = _sha(master)
    names = {p.name for p in master.parent.iterdir()}
    _lock(master, immutable)
    with pytest.raises(WorkbookWriteError) as caught:
        save_atomic(load_master(master), master)
    message = str(caught.value)
    assert message.startswith(f"{master}: ") and "open in Excel" in message
    result = CliRunner().invoke(cli, ["refresh", str(master), "--as-at", "2024-01-15"])
    assert result.exit_code == 2 and str(master) in result.output
    assert "Traceback" not in result.output
    assert _sha(master) == before
    assert _sha(backup_path(master)) == backup_before
    assert {p.name for p in master.parent.iterdir()} == names


def test_read_only_folder_gives_a_clear_message(tmp_path: Path, immutable: list[Path]) -> None:
    folder = tmp_path / "plans"
    folder.mkdir()
    master = folder / "plan.xlsx"
    save_atomic(_small_book("kept"), master)
    before = _sha(master)
    with _read_only(folder, immutable), pytest.raises(WorkbookWriteError) as caught:
        save_atomic(_small_book("lost?"), master)
    message = str(caught.value)
    assert message.startswith(f"{master}: ") and str(folder) in message
    assert "read-only" in message
    assert _sha(master) == before
    assert sorted(p.name for p in folder.iterdir()) == ["plan.xlsx"]


def test_refresh_of_a_master_in_place_leaves_no_temp_files(master: Path) -> None:
    from edi_xl.flows.refresh import refresh_workbook

    refresh_workbook(master, AS_AT, now=datetime(2023, 12, 18, 10, 0))
    assert _temps(master.parent) == []
    assert backup_path(master).is_file()


def _saved_parts(master: Path, monkeypatch: pytest.MonkeyPatch, by: str) -> dict[str, bytes]:
    """The parts a refresh of ``master`` saves, the Summary's cells written ``by`` edi_xl's
    own sheetData writer or by openpyxl; XML parts canonical, with no empty ``<row r=N/>``
    (openpyxl writes one for a row of cells that hold nothing)."""
    import zipfile
    from io import BytesIO

    from lxml import etree

    from edi_xl.flows.refresh import refresh_book
    from edi_xl.master import patch

    if by == "openpyxl":
        monkeypatch.setattr(patch, "_plain_cells", lambda ws: False)
    wb = load_master(master)
    refresh_book(wb, AS_AT, now=datetime(2023, 12, 19, 10))
    data = patch.save_bytes(wb)
    monkeypatch.undo()
    assert data is not None
    out = {}
    with zipfile.ZipFile(BytesIO(data)) as zf:
        for name in zf.namelist():
            part = zf.read(name)
            if name.endswith(".xml"):
                root = etree.fromstring(part)
                for row in list(root.iter("{*}row")):
                    if len(row) == 0 and list(row.attrib) == ["r"]:
                        row.getparent().remove(row)
                part = etree.tostring(root, method="c14n")
            out[name] = part
    return out


def test_the_summary_cells_written_without_openpyxl_are_the_cells_openpyxl_writes(
    master: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sheet made again is written by openpyxl but for its cells, which edi_xl writes
    itself (much faster); the saved file is the one openpyxl's cell writing gives."""
    ours = _saved_parts(master, monkeypatch, "edi_xl")
    theirs = _saved_parts(master, monkeypatch, "openpyxl")
    assert ours.keys() == theirs.keys()
    assert [n for n in ours if ours[n] != theirs[n]] == []


def test_a_summary_loaded_without_its_rows_changes_nothing_saved(
    master: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refresh loads edi_xl's Summary without its rows (it makes it again): the file it
    saves is the one a full load gives, byte for byte."""
    from edi_xl.flows.refresh import refresh_book
    from edi_xl.master import patch
    from edi_xl.master.loading import rows_not_read

    saved = []
    for skip in (False, True):
        wb = load_master(master, remakes_summary=skip)
        assert [ws.title for ws in rows_not_read(wb)] == (["Summary"] if skip else [])
        assert (wb["Summary"].max_row == 1) is skip
        refresh_book(wb, AS_AT, now=datetime(2023, 12, 19, 10))
        assert rows_not_read(wb) == []  # made again
        saved.append(patch.save_bytes(wb))
    assert saved[0] == saved[1]


def test_a_sheet_loaded_without_its_rows_is_never_written_whole(
    master: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the file cannot be patched, a master is written whole by openpyxl: never with a
    sheet loaded without its rows, which would come out empty. The save is refused and the
    file left as it was."""
    from edi_xl.master import patch

    before = master.read_bytes()
    wb = load_master(master, remakes_summary=True)

    def broken(*args: object) -> bytes:
        raise ValueError("a part it needs is broken")

    monkeypatch.setattr(patch, "apply_edits", broken)
    with pytest.raises(WorkbookWriteError, match="'Summary', loaded without its rows"):
        patch.save_master(wb, master)
    assert master.read_bytes() == before


def test_a_summary_that_is_not_edi_xls_is_loaded_whole(tmp_path: Path) -> None:
    """Only edi_xl's own Summary (its marker name on it) is left unread: a trust's sheet
    that happens to be called Summary is read like any other."""
    path = tmp_path / "plan.xlsx"
    wb = Workbook()
    wb.active.title = "Summary"
    wb.active["A1"] = "The trust's own summary"
    wb.save(path)
    from edi_xl.master.loading import rows_not_read

    loaded = load_master(path, remakes_summary=True)
    assert rows_not_read(loaded) == []
    assert loaded["Summary"]["A1"].value == "The trust's own summary"


# --- Two commands on one master at once --------------------------------------------------------


def test_a_master_changed_since_it_was_read_is_not_replaced(master: Path) -> None:
    """Two commands on one master: the second to save read the file before the first saved
    it. Its save is refused, naming the file, and the first one's change stays."""
    from edi_xl.master import patch

    slow = load_master(master)  # this command read the master...
    fast = load_master(master)  # ...and so did another, which saves first
    fast["Action Plan"]["C5"] = "the other command's change"
    patch.save_master(fast, master)
    saved = _sha(master)
    slow["Action Plan"]["C6"] = "this command's change"
    with pytest.raises(WorkbookWriteError, match="changed since this command read it") as caught:
        patch.save_master(slow, master)
    assert str(caught.value).startswith(f"{master}: ")
    assert _sha(master) == saved
    with pytest.raises(WorkbookWriteError, match="changed since"):  # (saved whole: the same)
        save_atomic(slow, master)
    assert _sha(master) == saved
    assert _temps(master.parent) == []


def test_a_drive_that_gives_the_master_another_inode_is_no_change(
    master: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Some network drives give an unchanged file another inode (or its time another
    precision) from one look to the next: every save was refused as "changed" (helper-72).
    The same bytes are the same file: saved; other bytes are still refused."""
    from edi_xl.master import patch, save

    wb = load_master(master)
    real = save.file_state
    looks = iter(range(10**6, 10**7))

    def another_inode_each_look(path: Any) -> save.FileState:
        return real(path)._replace(inode=next(looks))

    monkeypatch.setattr(save, "file_state", another_inode_each_look)
    wb["Action Plan"]["C5"] = "saved"
    patch.save_master(wb, master)
    assert load_workbook(master)["Action Plan"]["C5"].value == "saved"
    stale = load_master(master)
    other = load_master(master)
    other["Action Plan"]["C6"] = "the other command's change"
    patch.save_master(other, master)
    stale["Action Plan"]["C7"] = "lost?"
    with pytest.raises(WorkbookWriteError, match="changed since this command read it"):
        patch.save_master(stale, master)


def test_a_stale_lock_that_cannot_be_moved_is_waited_for_not_spun_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lock left by a killed save that this user may not move (a sticky folder, a share
    where users may not delete others' files): the save spun at full speed for ever
    (helper-72). It waits as for a lock in use, then says so."""
    from edi_xl.master import save
    from edi_xl.master.save import _lock_path

    master = tmp_path / "plan.xlsx"
    save_atomic(_small_book("v1"), master)
    lock = _lock_path(master)
    lock.write_text("999999 another-pc abc\n")
    old = time.time() - 600
    os.utime(lock, (old, old))
    real = os.replace

    def may_not_move(src: Any, dst: Any) -> None:
        if os.fspath(src) == os.fspath(lock):
            raise PermissionError(1, "Operation not permitted")
        real(src, dst)

    monkeypatch.setattr(os, "replace", may_not_move)
    monkeypatch.setattr(save, "LOCK_WAIT_SECONDS", 0.3)
    started = time.monotonic()
    with pytest.raises(WorkbookWriteError, match="another edi_xl command is saving"):
        save_atomic(_small_book("v2"), master)
    assert time.monotonic() - started < 60  # (it stopped; it used to spin without end)


def test_the_command_that_lost_the_race_exits_2(master: Path) -> None:
    """Through the command line: ``merge`` of a master another command saved while it worked
    ends with exit code 2 and the message, nothing written."""
    from edi_xl.master import patch

    real = patch.save_master

    def saved_meanwhile(wb: Workbook, path: Path, **kwargs: object) -> Path | None:
        other = load_master(path)  # another command saves the master first
        other["Action Plan"]["C5"] = "the other command's change"
        real(other, path)
        return real(wb, path, **kwargs)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("edi_xl.flows.refresh.save_master", saved_meanwhile)
        result = CliRunner().invoke(cli, ["refresh", str(master), "--as-at", "2024-01-15"])
    assert result.exit_code == 2, result.output
    assert f"{master}: the file changed since this command read it" in result.output
    assert "Run the command again" in result.output
    assert load_master(master)["Action Plan"]["C5"].value == "the other command's change"


def test_a_save_lock_left_by_a_killed_save_is_taken_over(tmp_path: Path) -> None:
    """The lock beside the master is held only while the file is checked and swapped; one
    whose process is gone (killed) does not block the next save."""
    import socket

    from edi_xl.master.save import _lock_path

    master = tmp_path / "plan.xlsx"
    save_atomic(_small_book("v1"), master)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    _lock_path(master).write_text(f"{dead.stdout.strip()} {socket.gethostname()} abc\n")
    save_atomic(_small_book("v2"), master)
    assert load_workbook(master).active["A1"].value == "v2"  # type: ignore[index]
    assert not _lock_path(master).exists()


def test_a_save_lock_held_by_a_running_save_is_waited_for_then_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    from edi_xl.master import save
    from edi_xl.master.save import _lock_path

    master = tmp_path / "plan.xlsx"
    save_atomic(_small_book("v1"), master)
    before = _sha(master)
    lock = _lock_path(master)
    lock.write_text(f"{os.getpid()} {socket.gethostname()} abc\n")  # (a save under way)
    monkeypatch.setattr(save, "LOCK_WAIT_SECONDS", 0.2)
    with pytest.raises(WorkbookWriteError, match="another edi_xl command is saving") as caught:
        save_atomic(_small_book("v2"), master)
    assert str(lock) in str(caught.value) and "delete that file" in str(caught.value)
    assert f"(process {os.getpid()} on " in str(caught.value)  # who holds it, and how long
    assert _sha(master) == before and lock.exists()
    old = time.time() - 120  # (a lock from another computer, left long ago: taken over)
    lock.write_text("123 another-pc abc\n")
    os.utime(lock, (old, old))
    save_atomic(_small_book("v2"), master)
    assert load_workbook(master).active["A1"].value == "v2"  # type: ignore[index]


# --- The master open in Excel or LibreOffice ---------------------------------------------------


def _excel_owner_file(path: Path, user: str) -> None:
    """``~$<name>`` as Excel writes it while it has the workbook open (LibreOffice's
    msodocumentlockfile.cxx writes the same): the user name's length, the name in the 8-bit
    code page (what it cannot hold as "?"), spaces up to byte 55, the length again in two
    bytes, the name in UTF-16, then spaces (165 bytes)."""
    data = bytes([len(user)]) + user.encode("cp1252", errors="replace").ljust(54, b" ")
    data += bytes([len(user), 0]) + user.encode("utf-16-le")
    path.with_name(f"~${path.name}").write_bytes(data.ljust(165, b" "))


@pytest.mark.parametrize(
    "program",
    ["Excel", "Excel, a name the code page cannot hold", "LibreOffice",
     "LibreOffice, a name with a comma"],
)  # fmt: skip
def test_a_master_open_in_excel_or_libreoffice_is_not_replaced(master: Path, program: str) -> None:
    if program == "Excel":
        _excel_owner_file(master, "Jane Colleague")
        lock, who = master.with_name("~$master.xlsx"), "by Jane Colleague"
    elif program.startswith("Excel"):  # (its UTF-16 copy of the name, not "?ukasz")
        _excel_owner_file(master, "Łukasz Nowak")
        lock, who = master.with_name("~$master.xlsx"), "by Łukasz Nowak"
    elif program == "LibreOffice":
        lock = master.with_name(".~lock.master.xlsx#")
        lock.write_text("Jane Colleague,JCOLLEAGUE,HRPC042,30.11.2026 09:12,file:///x;")
        who = "by Jane Colleague on HRPC042"
    else:  # (LibreOffice escapes the comma of a name written surname first: helper-79)
        lock = master.with_name(".~lock.master.xlsx#")
        lock.write_text(r"Colleague\, Jane (NHS TRUST),jcolleague,HRPC042,30.11.2026,file:///x;")
        who = "by Colleague, Jane (NHS TRUST) on HRPC042"
    before = _sha(master)
    for command in (["refresh", str(master), "--as-at", "2024-01-15"],
                    ["new", str(master), "--force", "--as-at", "2024-01-15"]):  # fmt: skip
        result = CliRunner().invoke(cli, command)
        assert result.exit_code == 2, result.output
        assert f"{master}: the workbook is open in Excel or LibreOffice {who}" in result.output
        assert f"delete {lock.name}" in result.output and "Traceback" not in result.output
        assert _sha(master) == before and not backup_path(master).exists()
    lock.unlink()  # (closed, or a stale lock deleted)
    result = CliRunner().invoke(cli, ["refresh", str(master), "--as-at", "2024-01-15"])
    assert result.exit_code in (0, 1), result.output
    assert _sha(master) != before


def test_a_linked_master_is_saved_through_the_link(master: Path, tmp_path: Path) -> None:
    """A symbolic link to the master (kept on another drive, linked from the team's
    folder): the file it points to is saved, its backup beside it, and the link stays."""
    from edi_xl.master import patch

    team = tmp_path / "team"
    team.mkdir()
    link = team / "plan.xlsx"
    link.symlink_to(master)
    before = _sha(master)
    wb = load_master(link)
    wb["Action Plan"]["C5"] = "saved through the link"
    patch.save_master(wb, link)
    assert link.is_symlink() and link.resolve() == master.resolve()
    assert load_master(master)["Action Plan"]["C5"].value == "saved through the link"
    assert _sha(backup_path(master)) == before
    assert sorted(p.name for p in team.iterdir()) == ["plan.xlsx"]


# --- Owner, group and permission ---------------------------------------------------------------


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0,
    reason="giving a file another user's owner needs root: run as root to test it",
)
def test_the_saved_master_keeps_its_owner_and_group(tmp_path: Path) -> None:
    master = tmp_path / "plan.xlsx"
    save_atomic(_small_book("v1"), master)
    os.chown(master, 4321, 4322)  # (the team's master, saved by root here)
    save_atomic(_small_book("v2"), master)
    for path in (master, backup_path(master)):
        st = path.stat()
        assert (st.st_uid, st.st_gid) == (4321, 4322)
    assert load_workbook(master).active["A1"].value == "v2"  # type: ignore[index]


def test_a_master_this_user_may_not_write_is_not_replaced() -> None:
    """A master another user owns, in a folder anyone may write to (a shared drive): the
    folder would let the save swap it, but the user may not write the file: refused as a
    read-only file. Run as root, the save acts as user "nobody" (uid 65534) meanwhile."""
    import tempfile

    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    folder = Path(tempfile.mkdtemp())  # (the system's: one "nobody" may reach)
    try:
        folder.chmod(0o777)
        master = folder / "plan.xlsx"
        save_atomic(_small_book("theirs"), master)
        before = _sha(master)
        if not as_root:  # others may write it, its owner (this user) may not
            master.chmod(0o466)
        with pytest.raises(WorkbookWriteError) as caught, _acting_as_nobody(as_root):
            save_atomic(_small_book("mine"), master)
        message = str(caught.value)
        assert message.startswith(f"{master}: cannot write the file") and "read-only" in message
        assert _sha(master) == before
        assert sorted(p.name for p in folder.iterdir()) == ["plan.xlsx"]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def _acting_as_nobody(as_root: bool) -> Iterator[None]:
    """Root's effective user and group "nobody" meanwhile (root's own files not its)."""
    if not as_root:
        yield
        return
    os.setegid(65534)
    os.seteuid(65534)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


# --- The backup ---------------------------------------------------------------------------------

_KILLED_AFTER_THE_SWAP = textwrap.dedent("""
    import os, signal, sys
    from openpyxl import Workbook
    from edi_xl.master.save import save_atomic
    real = os.replace
    def replace(src, dst):  # killed the moment the master is replaced
        real(src, dst)
        if os.fspath(dst) == sys.argv[1]:
            os.kill(os.getpid(), signal.SIGKILL)
    os.replace = replace
    wb = Workbook()
    wb.active["A1"] = "v3"
    save_atomic(wb, sys.argv[1])
""")


_KILLED_BEFORE_THE_NEW_BACKUP = textwrap.dedent("""
    import os, signal, sys
    from openpyxl import Workbook
    from edi_xl.master.save import save_atomic
    real = os.replace
    def replace(src, dst):  # killed as the new backup is put in place
        if os.fspath(dst).endswith(".backup.xlsx"):
            os.kill(os.getpid(), signal.SIGKILL)
        real(src, dst)
    os.replace = replace
    wb = Workbook()
    wb.active["A1"] = "v3"
    save_atomic(wb, sys.argv[1])
""")


def test_a_save_killed_before_the_new_backup_leaves_the_old_one(tmp_path: Path) -> None:
    """The old backup was moved to a hidden temporary name before the new one was put in
    place: a save killed in between left no backup file at all (helper-72). It keeps its
    name until the new one replaces it."""
    master = tmp_path / "plan.xlsx"
    save_atomic(_small_book("v1"), master)
    save_atomic(_small_book("v2"), master)
    backup = master.with_name("plan.backup.xlsx")
    done = _run_on(master, _KILLED_BEFORE_THE_NEW_BACKUP)
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert load_workbook(master).active["A1"].value == "v2"  # type: ignore[index]
    assert load_workbook(backup).active["A1"].value == "v1"  # type: ignore[index]


def _run_on(master: Path, script: str) -> subprocess.CompletedProcess[str]:
    """``script`` run by another Python, with this checkout's edi_xl, on ``master``."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, "-c", script, str(master)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_save_killed_after_the_swap_has_kept_the_backup(tmp_path: Path) -> None:
    """The backup is put in place before the master is replaced: a save killed right after
    the swap leaves the new master and, as its backup, the version it replaced (not the
    one before, with the previous version only in a hidden temporary file)."""
    master = tmp_path / "plan.xlsx"
    save_atomic(_small_book("v1"), master)
    save_atomic(_small_book("v2"), master)
    v2 = _sha(master)
    done = _run_on(master, _KILLED_AFTER_THE_SWAP)
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert load_workbook(master).active["A1"].value == "v3"  # type: ignore[index]
    assert _sha(backup_path(master)) == v2
    # (the backup before, v1, was set aside to be put back had the swap failed: a hidden
    # temporary file the next save removes once stale)
    assert [n for n in _temps(tmp_path) if not n.startswith(temp_prefix(backup_path(master)))] == []


def test_a_backup_name_too_long_is_said(master: Path) -> None:
    """``<name>.backup.xlsx`` is 7 characters longer than the master's name: for a name of
    255 characters it is too long for the file system. The save goes on, and says so."""
    long = master.with_name("p" * 250 + ".xlsx")
    master.rename(long)
    result = CliRunner().invoke(cli, ["refresh", str(long), "--as-at", "2024-01-15"])
    assert result.exit_code in (0, 1), result.output
    assert "Previous version kept" not in result.output
    assert f"Note: {long.name}: saved, but its previous version could not be kept as " in (
        result.output
    )
    assert "there is no backup of this save" in result.output
    assert [p.name for p in long.parent.iterdir() if "backup" in p.name or ".tmp" in p.name] == []


def test_the_copy_to_become_the_backup_is_no_stale_temp_file(tmp_path: Path) -> None:
    """The copy of the previous version, while it is a temporary file, has the time it was
    made: a master saved long ago would otherwise give it an old time, and a save of the
    same master starting meanwhile would remove it as the leftover of a killed save. The
    backup then has the previous version's time."""
    from edi_xl.master.save import _copy_for_backup

    master = tmp_path / "plan.xlsx"
    save_atomic(_small_book("v1"), master)
    old = time.time() - STALE_TEMP_SECONDS - 60
    os.utime(master, (old, old))
    copy = _copy_for_backup(master, tmp_path)
    assert stale_temp_files(master) == []
    copy.unlink()
    save_atomic(_small_book("v2"), master)
    assert abs(backup_path(master).stat().st_mtime - old) < 1


def test_a_save_lock_that_could_not_be_written_is_not_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk may leave room to make the lock file but not to write who holds it: it is
    removed, not left to block the next save for a minute."""
    from edi_xl.master.save import _lock_path

    master = tmp_path / "plan.xlsx"
    save_atomic(_small_book("v1"), master)
    fdopen = os.fdopen

    def full(fd: int, mode: str = "r", *args: object, **kwargs: object) -> object:
        if mode == "w":  # (the lock's text)
            os.close(fd)
            raise OSError(28, "No space left on device")
        return fdopen(fd, mode, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "fdopen", full)
    with pytest.raises(WorkbookWriteError, match="No space left on device"):
        save_atomic(_small_book("v2"), master)
    monkeypatch.undo()
    assert not _lock_path(master).exists()
    assert _temps(tmp_path) == []


# --- Messages -----------------------------------------------------------------------------------


def test_a_read_only_folder_of_a_bare_file_name_is_named_in_full(
    tmp_path: Path, immutable: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``edi-xl refresh plan.xlsx`` in a read-only folder: the folder is named as a path the
    user can find, not "the folder ."."""
    folder = tmp_path / "plans"
    folder.mkdir()
    save_atomic(_small_book("kept"), folder / "plan.xlsx")
    monkeypatch.chdir(folder)
    with _read_only(folder, immutable), pytest.raises(WorkbookWriteError) as caught:
        save_atomic(_small_book("lost?"), Path("plan.xlsx"))
    assert f"the folder {folder} is read-only" in str(caught.value)


_SAVED_ON_A_FULL_DISK = textwrap.dedent("""
    import errno, io, os, sys
    from openpyxl import Workbook
    from edi_xl.core.errors import WorkbookWriteError
    from edi_xl.master.save import save_atomic

    class FullDisk(io.FileIO):  # the temporary file: no room past 20 kB
        def write(self, data):
            if self.tell() + len(data) > 20_000:
                raise OSError(errno.ENOSPC, "No space left on device")
            return super().write(data)

    fdopen = os.fdopen
    def full_fdopen(fd, mode="r", *args, **kwargs):
        return FullDisk(fd, "wb") if mode == "wb" else fdopen(fd, mode, *args, **kwargs)
    os.fdopen = full_fdopen
    wb = Workbook()
    for row in range(3000):
        wb.active.append([f"text {row} {n}" for n in range(10)])
    try:
        save_atomic(wb, sys.argv[1])
    except WorkbookWriteError as exc:
        print(exc)
""")


def test_a_full_disk_gives_the_message_and_nothing_more(tmp_path: Path) -> None:
    """openpyxl's zip, left open when the writing fails, was closed later by Python onto the
    temporary file closed by then: *Exception ignored in ZipFile.__del__ ... seek of closed
    file* after the clean error. It is closed when the writing fails."""
    master = tmp_path / "plan.xlsx"
    done = _run_on(master, _SAVED_ON_A_FULL_DISK)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{master}: cannot write the file (No space left on device)")
    assert done.stderr == ""
    assert list(tmp_path.iterdir()) == []
