"""`edi-xl normalise`: every return rewritten as a clean return; nothing merged, nothing lost."""

from __future__ import annotations

import csv
import json
import os
import pty
import shutil
import subprocess
import sys
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import AS_AT
from libreoffice import convert, soffice_path
from openpyxl import load_workbook
from test_merge import ACTION_14, batch, save_xlsx  # noqa: F401  (batch is a fixture)

from edi_xl.cli import cli
from edi_xl.flows.intake import saved_at
from edi_xl.flows.merge import merge_returns
from edi_xl.flows.normalise import COLUMNS, normalise_returns
from edi_xl.master.csv_output import csv_field

CANONICAL = [h for h, _, _ in COLUMNS]
ROUND = "Update as at 18 Dec 23"


def table(path: Path) -> list[dict]:
    ws = load_workbook(path)["Return"]
    header = [c.value for c in ws[1]]
    return [dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)]


def test_messy_batch_becomes_clean_returns(batch, tmp_path):  # noqa: F811
    out = tmp_path / "clean"
    result = normalise_returns([batch], out, as_at=AS_AT)
    outcomes = {f.file: (f.outcome, f.rows) for f in result.files}
    assert outcomes == {
        "Comms/louanna.csv": ("normalised", 1),
        "Fiona v1.xlsx": ("normalised", 1),
        "Fiona v2.xlsx": ("normalised", 1),
        "Jim Machon.xlsx": ("normalised", 4),
        "broken.xlsx": ("rejected", 0),
        "instructions.xlsx": ("rejected", 0),
        "notes.docx": ("rejected", 0),
        "~$Jim Machon.xlsx": ("skipped", 0),
        ".DS_Store": ("skipped", 0),
    }
    assert result.changes == []
    assert [(f.kind, f.id) for f in result.flags] == [("invalid_status", "1.9")]
    assert result.needs_attention
    written = {w.source: w.path.relative_to(out).as_posix() for w in result.written}
    assert written == {
        "Comms/louanna.csv": "Comms/louanna.xlsx",  # folders mirrored
        "Fiona v1.xlsx": "Fiona v1.xlsx",
        "Fiona v2.xlsx": "Fiona v2.xlsx",
        "Jim Machon.xlsx": "Jim Machon.xlsx",
    }

    jim = table(out / "Jim Machon.xlsx")
    assert list(jim[0]) == CANONICAL[:9] + [ROUND] + CANONICAL[10:]
    by_id = {r["#"]: r for r in jim}
    assert list(by_id) == ["1.4", "1.8", "9.9", "1.9"]  # every row kept, unknown ones too
    assert by_id["1.4"] | {} == {
        "#": "1.4",
        "Milestone": None,
        "Action (think SMART)": ACTION_14,
        "Report / Action": None,
        "Protected Characteristic": None,
        "Action Owner": None,
        "Start Date": None,
        "Due Date": "31-Mar-24",
        "Status": "On Track",
        ROUND: '=HYPERLINK("http://evil.example","x")',
        "Status as written": "G",
        "Source sheet": "Sheet",
        "Source row": 4,
    }
    assert (by_id["1.8"]["Status"], by_id["1.8"]["Status as written"]) == ("Complete", "done")
    assert by_id["1.8"]["Due Date"] == "30/06/2024"
    assert (by_id["1.9"]["Status"], by_id["1.9"]["Status as written"]) == ("Blocked", "Blocked")
    with zipfile.ZipFile(out / "Jim Machon.xlsx") as z:  # the formula-looking update is text
        assert "<f>" not in z.read("xl/worksheets/sheet1.xml").decode()
    louanna = table(out / "Comms" / "louanna.xlsx")
    assert [(r["#"], r["Status"], r[ROUND]) for r in louanna] == [
        ("2.1", "At Risk", "Comms plan drafted (£2k budget)")
    ]
    # the owner's save time travels with the clean copy (merge's "newest wins" needs it)
    for name in ("Fiona v1.xlsx", "Fiona v2.xlsx", "Comms/louanna.csv"):
        copy = out / Path(name).with_suffix(".xlsx")
        original = saved_at(batch / name, Path(name).suffix[1:])
        assert saved_at(copy, "xlsx") == original.replace(microsecond=0)  # xlsx: whole seconds


def test_merging_clean_returns_equals_merging_the_originals(master, batch, tmp_path):  # noqa: F811
    twin = tmp_path / "twin.xlsx"
    shutil.copy(master, twin)
    clean = tmp_path / "clean"
    normalise_returns([batch], clean, as_at=AS_AT)
    now = datetime(2023, 12, 18, 10)
    original = merge_returns(master, [batch], as_at=AS_AT, now=now)
    normalised = merge_returns(twin, [clean], as_at=AS_AT, now=now)
    assert [(c.id, c.field, c.old, c.new) for c in normalised.changes] == [
        (c.id, c.field, c.old, c.new) for c in original.changes
    ]
    assert sorted((f.kind, f.id) for f in normalised.flags) == sorted(
        (f.kind, f.id) for f in original.flags
    )


def test_other_columns_are_kept_not_dropped(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    save_xlsx(
        folder / "own layout.xlsx",
        title_rows=3,
        rows=[
            ["Action No", "Lead", "RAG", "Risks", "Latest update", None],
            [
                "3.2",
                "Sam Lee",
                "A",
                "Budget not agreed",
                "Waiting for finance",
                "a note in no column",
            ],
        ],
    )
    result = normalise_returns([folder], tmp_path / "out", as_at=AS_AT)
    rows = table(tmp_path / "out" / "own layout.xlsx")
    assert rows == [
        {
            "#": "3.2",
            "Milestone": None,
            "Action (think SMART)": None,
            "Report / Action": None,
            "Protected Characteristic": None,
            "Action Owner": "Sam Lee",
            "Start Date": None,
            "Due Date": None,
            "Status": "At Risk",
            ROUND: "Waiting for finance",
            "Status as written": "A",
            "Source sheet": "Sheet",
            "Source row": 5,
            "Risks": "Budget not agreed",
            "Column F": "a note in no column",
        }
    ]
    assert result.files[0].owner == "Sam Lee"
    assert result.flags == []


def test_a_normalised_file_keeps_escape_like_text_as_typed(tmp_path):
    """An update that reads like the file format's escape (``_x0041_``, "A" to Excel) is
    written into the normalised file escaped as Excel writes it, so Excel (calamine here)
    shows it as the owner typed it."""
    from python_calamine import CalamineWorkbook

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "pasted.csv").write_text(
        "#,Status,Update\n1.4,G,code _x0041_ from the export\n", encoding="utf-8"
    )
    normalise_returns([folder], tmp_path / "out", as_at=AS_AT)
    (made,) = (tmp_path / "out").glob("*.xlsx")
    book = CalamineWorkbook.from_path(str(made))
    shown = {v for r in book.get_sheet_by_index(0).to_python() for v in r}
    assert "code _x0041_ from the export" in shown


def test_a_return_made_by_edi_xl_keeps_its_hidden_record(master, tmp_path):
    from edi_xl.flows.owner_returns import make_owner_returns, read_return_metadata

    sent = make_owner_returns(master, tmp_path / "sent", AS_AT)
    first = sent.files[0]
    result = normalise_returns([first.path], tmp_path / "clean", as_at=AS_AT)
    copy = result.written[0].path
    assert read_return_metadata(copy) == read_return_metadata(first.path)
    assert result.files[0].owner == first.owner
    assert [r["#"] for r in table(copy)] == first.action_ids
    assert table(copy)[0]["Source sheet"] == "Your actions"


def test_csv_output_is_safe_against_formula_injection(batch, tmp_path):  # noqa: F811
    out = tmp_path / "csv"
    normalise_returns([batch], out, as_at=AS_AT, fmt="csv")
    raw = (out / "Jim Machon.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 with a BOM right
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0][:9] == CANONICAL[:9] and rows[0][9] == ROUND
    update = {r[0]: r[9] for r in rows[1:]}
    assert update["1.4"] == "'" + '=HYPERLINK("http://evil.example","x")'
    assert update["1.8"] == "Audit completed in November"
    louanna = list(
        csv.reader((out / "Comms" / "louanna.csv").read_text(encoding="utf-8-sig").splitlines())
    )
    assert louanna[1] == [
        "2.1",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "At Risk",
        "Comms plan drafted (£2k budget)",
        "delayed",
        "louanna",
        "2",
    ]


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+2", "'=1+2"),
        ("+44 1234", "'+44 1234"),
        ("-5% on last year", "'-5% on last year"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("plain text", "plain text"),
        ("a=b", "a=b"),
        (-5, "-5"),
        (2.5, "2.5"),
        (3.0, "3"),
        (None, ""),
        (datetime(2024, 3, 31), "2024-03-31"),
        (True, "TRUE"),
    ],
)
def test_csv_field(value, written):
    assert csv_field(value) == written


@pytest.mark.libreoffice
def test_libreoffice_opens_the_csv_without_running_anything(batch, tmp_path):  # noqa: F811
    if soffice_path() is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    out = tmp_path / "csv"
    normalise_returns([batch], out, as_at=AS_AT, fmt="csv")
    converted = convert(out / "Jim Machon.csv", "xlsx", tmp_path / "lo")
    with zipfile.ZipFile(converted) as z:
        assert "<f>" not in z.read("xl/worksheets/sheet1.xml").decode()
    ws = load_workbook(converted).active
    values = [c.value for row in ws.iter_rows() for c in row]
    assert any(isinstance(v, str) and "HYPERLINK" in v for v in values)


def test_cli_normalise_report_and_exit_codes(batch, tmp_path):  # noqa: F811
    report = tmp_path / "report.json"
    result = CliRunner().invoke(
        cli,
        [
            "normalise",
            str(batch),
            "-o",
            str(tmp_path / "out"),
            "--as-at",
            "18/12/2023",
            "--report",
            str(report),
        ],
    )
    assert result.exit_code == 1, result.output
    doc = json.loads(report.read_text())
    assert set(doc) == {"as_at", "files", "changes", "flags"}
    assert doc["changes"] == []
    assert set(doc["files"][0]) == {"file", "outcome", "reason", "owner", "rows"}
    assert set(doc["flags"][0]) == {"id", "file", "kind", "message"}
    assert "4 normalised" in result.output and "3 rejected" in result.output
    assert "rejected: notes.docx - " in result.output

    clean = tmp_path / "clean_in"
    clean.mkdir()
    save_xlsx(clean / "ok.xlsx", [["#", "Status", "Update"], ["1.4", "G", "fine"]])
    ok = CliRunner().invoke(cli, ["normalise", str(clean), "-o", str(clean / "out")])
    assert ok.exit_code == 0, ok.output
    again = CliRunner().invoke(cli, ["normalise", str(clean), "-o", str(clean / "out")])
    assert again.exit_code == 0 and "1 file: 1 normalised." in again.output  # not its output


#: Run the code of this checkout, not a copy installed earlier.
ENV = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}


def _run_in_terminal(args: list[str], cwd: Path) -> tuple[int, str]:
    """Run a command with stderr on a pseudo-terminal (as in a terminal window)."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=follower, env=ENV)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 4096)
        except OSError:  # the other end closed
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(leader)
    return proc.returncode, b"".join(chunks).decode("utf-8", "replace")


def test_progress_bar_on_a_terminal_only(master, batch, tmp_path):  # noqa: F811
    code, terminal = _run_in_terminal(
        [sys.executable, "-m", "edi_xl", "merge", str(master), str(batch), "--as-at", "2023-12-18"],
        tmp_path,
    )
    assert code == 1
    assert "Reading returns" in terminal and "9/9" in terminal
    piped = subprocess.run(
        [sys.executable, "-m", "edi_xl", "normalise", str(batch), "-o", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        env=ENV,
    )
    assert piped.returncode == 1
    assert "Reading returns" not in piped.stderr


def test_progress_callback_counts_every_file(batch, tmp_path):  # noqa: F811
    seen: list[tuple[int, int, str]] = []
    normalise_returns(
        [batch],
        tmp_path / "o",
        as_at=AS_AT,
        progress=lambda done, total, name: seen.append((done, total, name)),
    )
    assert [d for d, _, _ in seen] == list(range(1, 10))
    assert {t for _, t, _ in seen} == {9}
    assert sorted(n for _, _, n in seen) == sorted(
        [
            "Comms/louanna.csv",
            "Fiona v1.xlsx",
            "Fiona v2.xlsx",
            "Jim Machon.xlsx",
            "broken.xlsx",
            "instructions.xlsx",
            "notes.docx",
            "~$Jim Machon.xlsx",
            ".DS_Store",
        ]
    )


def test_two_inputs_with_files_of_the_same_name_both_kept(tmp_path):
    for team, update in (("HR", "HR update"), ("Estates", "Estates update")):
        (tmp_path / team).mkdir()
        save_xlsx(
            tmp_path / team / "return.xlsx", [["#", "Status", "Update"], ["5.6", "G", update]]
        )
    result = normalise_returns(
        [tmp_path / "HR", tmp_path / "Estates"], tmp_path / "out", as_at=AS_AT
    )
    assert [f.file for f in result.files] == ["HR/return.xlsx", "Estates/return.xlsx"]
    assert {
        w.path.relative_to(tmp_path / "out").as_posix(): table(w.path)[0][ROUND]
        for w in result.written
    } == {"HR/return.xlsx": "HR update", "Estates/return.xlsx": "Estates update"}


def test_csv_copies_keep_the_owners_save_time(batch, tmp_path):  # noqa: F811
    out = tmp_path / "csv"
    normalise_returns([batch], out, as_at=AS_AT, fmt="csv")
    for name in ("Fiona v1.xlsx", "Fiona v2.xlsx"):
        copy = out / Path(name).with_suffix(".csv")
        assert saved_at(copy, "csv") == saved_at(batch / name, "xlsx")


def test_earlier_rounds_are_kept_by_normalise_and_not_flagged(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    save_xlsx(
        folder / "history.xlsx",
        [
            ["#", "Status", "Update as at 18 Sep 23", "Update as at 18 Dec 23"],
            ["1.4", "G", "Panels drafted in September", "Panels now trained"],
        ],
    )
    result = normalise_returns([folder], tmp_path / "out", as_at=AS_AT)
    [row] = table(tmp_path / "out" / "history.xlsx")
    assert row[ROUND] == "Panels now trained"
    assert row["Update as at 18 Sep 23"] == "Panels drafted in September"
    assert result.flags == []


def test_report_into_a_missing_folder_is_a_usage_error_before_anything_is_done(
    master,
    batch,  # noqa: F811
    tmp_path,
):
    before = master.read_bytes()
    for args in (
        ["merge", str(master), str(batch)],
        ["normalise", str(batch), "-o", str(tmp_path / "out")],
    ):
        result = CliRunner().invoke(
            cli,
            [
                *args,
                "--as-at",
                "2023-12-18",
                "--report",
                str(tmp_path / "no such folder" / "r.json"),
            ],
        )
        assert result.exit_code == 2, result.output
        assert "does not exist; nothing was done" in result.output
    assert master.read_bytes() == before
    assert not (tmp_path / "out").exists()
