"""Owner returns: one protected .xlsx per action owner, built from the seed master."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    AS_AT,
    EDI_LEAD,
    FIONA,
    HAZEL,
    JIM,
    LOUANNA,
    VICTORIA,
    all_cells,
    edit_workbook,
    seed_rows,
)
from openpyxl import Workbook, load_workbook

from edi_xl.core.errors import EdiXlError, UnreadableFileError, WorkbookWriteError
from edi_xl.core.problems import Code
from edi_xl.flows.owner_returns import (
    INSTRUCTIONS,
    META_SHEET,
    RETURN_SHEET,
    ReturnMetadata,
    SentRow,
    make_owner_returns,
    read_return_metadata,
    row_fingerprint,
)
from edi_xl.master.cells import set_value

NOW = datetime(2023, 12, 18, 10, 30)

SEED_FILES = [
    (JIM, f"{JIM}.xlsx", ["1.4", "1.5", "1.8"]),
    (FIONA, f"{FIONA}.xlsx", ["1.9", "2.3", "5.6"]),
    (LOUANNA, f"{LOUANNA}.xlsx", ["1.11", "2.1", "3.4", "5.1"]),
    (HAZEL, f"{HAZEL}.xlsx", ["2.2"]),
    (EDI_LEAD, f"{EDI_LEAD}.xlsx", ["3.3", "4.1", "4.2"]),
    (VICTORIA, f"{VICTORIA}.xlsx", ["6.3", "6.4", "6.5"]),
]
STATUS_KEY = (
    "Status: On Track (Green); At Risk (Amber) — at risk of missing the date; "
    "Exceeded Timescales (Red) — date passed; Complete (Blue) — complete, with evidence. "
    "An action past its due date stays Exceeded Timescales unless it is Complete: say in your "
    "update what is left to do and by when."
)
REPLY_BY = "Please reply by 1 January 2024 (14 days after the as-at date, 18 December 2023). "
STATUS_LIST = '"On Track,At Risk,Exceeded Timescales,Complete"'
# Master rows (header on row 4) and columns of the seed master.
MASTER_ROW = {"1.4": 5, "1.5": 6, "1.8": 7, "1.9": 8, "2.2": 11, "3.3": 13, "4.1": 15, "4.2": 16}
NEXT_COL = 14  # the first free column of the master, right of Overdue | Days overdue | Problems
ID_COL, ACTION_COL, OWNER_COL, DUE_COL, STATUS_COL, UPDATE_COL = 1, 3, 6, 8, 9, 10


def seed(action_id: str) -> dict[str, str | None]:
    """The seed's action text and 18 Sep 23 update for an action, as the master reads them."""
    _, rows = seed_rows()
    row = next(r for r in rows if r[0] == action_id)
    return {"action": row[2].strip() or None, "update": row[9].strip() or None}


def run(master: Path, out: Path, **kwargs: Any) -> Any:
    return make_owner_returns(master, out, now=kwargs.pop("now", NOW), **kwargs)


def set_master_cells(master: Path, values: dict[tuple[str, int, int], Any]) -> None:
    """Change master cells as a person would (text kept as text)."""

    def edit(wb: Any) -> None:
        for (sheet, row, col), value in values.items():
            set_value(wb[sheet].cell(row, col), value)

    edit_workbook(master, edit)


def sheet_xml(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        return {
            n: z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/")
        }


def cells(ws: Any) -> dict[str, Any]:
    return {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}


# --- which files ---------------------------------------------------------------------------


def test_one_file_per_owner_with_their_ids_in_order(master: Path, tmp_path: Path) -> None:
    out = tmp_path / "returns" / "2023 Q3"
    assert not out.exists()
    result = run(master, out)
    assert result.as_at == AS_AT  # from the Settings sheet
    assert [(f.owner, f.path.name, f.action_ids) for f in result.files] == SEED_FILES
    assert all(f.path.parent == out for f in result.files)
    assert sorted(p.name for p in out.iterdir() if p.suffix == ".xlsx") == sorted(
        name for _, name, _ in SEED_FILES
    )
    assert sorted(p.name for p in out.iterdir() if p.suffix == ".eml") == sorted(
        name.replace(".xlsx", ".eml") for _, name, _ in SEED_FILES
    )  # an email draft beside each return
    assert result.not_sent == []
    assert result.unowned == [] and not result.needs_attention


def test_files_are_plain_xlsx_without_macros(master: Path, tmp_path: Path) -> None:
    xlsm = master.with_suffix(".xlsm")
    xlsm.write_bytes(master.read_bytes())
    result = run(xlsm, tmp_path / "out")
    for f in result.files:
        assert f.path.suffix == ".xlsx"
        with zipfile.ZipFile(f.path) as z:
            assert not [n for n in z.namelist() if "vba" in n.lower()]
            types = z.read("[Content_Types].xml").decode()
            assert "sheet.main+xml" in types and "macroEnabled" not in types


# --- what is in a file ---------------------------------------------------------------------


def test_sheet_content_cell_by_cell(master: Path, tmp_path: Path) -> None:
    result = run(master, tmp_path / "out")
    wb = load_workbook(result.files[0].path)
    assert wb.sheetnames == [RETURN_SHEET, META_SHEET]
    ws = wb[RETURN_SHEET]
    assert wb.active is not None and wb.active.title == RETURN_SHEET
    s14, s15, s18 = seed("1.4"), seed("1.5"), seed("1.8")
    assert s15["action"] is None  # the seed's action 1.5 has no text
    assert cells(ws) == {
        "A1": "Equality action plan: your update as at 18 December 2023",
        "A2": f"For: {JIM}",
        "A3": REPLY_BY + INSTRUCTIONS,
        "A4": STATUS_KEY,
        "A6": "#", "B6": "Action", "C6": "Due Date", "D6": "Status", "E6": "Last update",
        "F6": "Update as at 18 Dec 23",
        "A7": "1.4", "B7": s14["action"], "C7": datetime(2024, 3, 31), "D7": "On Track",
        "E7": s14["update"],
        "A8": "1.5", "C8": datetime(2023, 12, 31), "D8": "On Track", "E8": s15["update"],
        "A9": "1.8", "B9": s18["action"], "C9": datetime(2023, 12, 31), "D9": "On Track",
        "E9": s18["update"],
    }  # fmt: skip
    assert INSTRUCTIONS == (
        "Fill in the two yellow columns: choose a Status for each action from the list, and "
        "write your update in the last column. Please do not change other cells, add rows or "
        "rename columns. Save and send this file back to the EDI team."
    )
    for r in (7, 8, 9):
        assert ws.cell(r, 1).data_type == "s" and ws.cell(r, 1).number_format == "@"
        assert ws.cell(r, 3).number_format == "dd-mmm-yy"
        assert ws.cell(r, 2).alignment.wrap_text and ws.cell(r, 5).alignment.wrap_text
    assert ws.freeze_panes == "B7"
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$6:$6"
    widths = {c: ws.column_dimensions[c].width for c in "ABCDEF"}
    assert widths == {"A": 7, "B": 48, "C": 12, "D": 20, "E": 40, "F": 48}


def test_text_due_date_and_refreshed_status_are_sent_as_the_master_holds_them(
    master: Path, tmp_path: Path
) -> None:
    result = run(master, tmp_path / "out")
    victoria = next(f for f in result.files if f.owner == VICTORIA)
    ws = load_workbook(victoria.path)[RETURN_SHEET]
    assert ws["A7"].value == "6.3"
    assert ws["C7"].value == "30/11/2023" and ws["C7"].data_type == "s"  # text stays text
    assert ws["D7"].value == "Exceeded Timescales"  # overdue: refresh made it Red
    assert ws["C8"].value == datetime(2024, 1, 31)


def test_ids_are_text(master: Path, tmp_path: Path) -> None:
    set_master_cells(master, {("Action Plan", MASTER_ROW["1.4"], ID_COL): "1.10"})
    result = run(master, tmp_path / "out")
    assert result.files[0].action_ids == ["1.10", "1.5", "1.8"]
    ws = load_workbook(result.files[0].path)[RETURN_SHEET]
    assert ws["A7"].value == "1.10" and ws["A7"].data_type == "s"
    meta = read_return_metadata(result.files[0].path)
    assert meta is not None and meta.rows[0].id == "1.10"


def test_status_dropdown(master: Path, tmp_path: Path) -> None:
    result = run(master, tmp_path / "out")
    ws = load_workbook(result.files[2].path)[RETURN_SHEET]  # Louanna: 4 actions
    [dv] = ws.data_validations.dataValidation
    assert dv.type == "list"
    assert dv.formula1 == STATUS_LIST
    assert dv.errorStyle == "warning"  # "done" can still be typed
    assert dv.showErrorMessage and dv.allow_blank and not dv.showDropDown
    assert str(dv.sqref) == "D7:D10"


def test_status_words_that_cannot_be_an_inline_list(master: Path, tmp_path: Path) -> None:
    set_master_cells(master, {("Settings", 11, 2): "Complete, with evidence"})
    result = run(master, tmp_path / "out")
    wb = load_workbook(result.files[0].path)
    [dv] = wb[RETURN_SHEET].data_validations.dataValidation
    assert dv.formula1 == "OwnerStatusList"
    assert wb.defined_names["OwnerStatusList"].attr_text == "'_edi_xl'!$F$2:$F$5"
    words = [wb[META_SHEET].cell(r, 6).value for r in range(2, 6)]
    assert words == ["On Track", "At Risk", "Exceeded Timescales", "Complete, with evidence"]


# --- protection ----------------------------------------------------------------------------


def test_only_status_and_update_cells_are_unlocked(master: Path, tmp_path: Path) -> None:
    result = run(master, tmp_path / "out")
    ws = load_workbook(result.files[0].path)[RETURN_SHEET]
    assert ws.protection.sheet
    unlocked = {
        c.coordinate
        for row in ws.iter_rows(min_row=1, max_row=12, max_col=8)
        for c in row
        if not c.protection.locked
    }
    assert unlocked == {"D7", "D8", "D9", "F7", "F8", "F9"}
    for ref in sorted(unlocked):
        assert ws[ref].fill.fgColor.rgb.endswith("FFF2CC")
    for ref in ("A7", "B7", "C7", "E7", "D6", "F6"):
        assert not ws[ref].fill.fgColor.rgb.endswith("FFF2CC")


def _protection_attributes(path: Path) -> dict[str, str]:
    xml = sheet_xml(path)["xl/worksheets/sheet1.xml"]
    tag = re.search(r"<sheetProtection\b([^>]*)/>", xml)
    assert tag is not None
    return dict(re.findall(r'(\w+)="([^"]*)"', tag.group(1)))


def test_protection_attributes_in_the_saved_xml(master: Path, tmp_path: Path) -> None:
    # In OOXML an attribute set to "1" means the action is *blocked*; "0" means allowed.
    result = run(master, tmp_path / "out")
    attrs = _protection_attributes(result.files[0].path)
    assert attrs["sheet"] == "1"
    allowed = ("formatColumns", "formatRows", "selectLockedCells", "selectUnlockedCells")
    blocked = (
        "formatCells",
        "insertRows",
        "insertColumns",
        "deleteRows",
        "deleteColumns",
        "insertHyperlinks",
        "sort",
        "autoFilter",
    )
    assert {a: attrs[a] for a in allowed} == dict.fromkeys(allowed, "0")
    assert {a: attrs[a] for a in blocked} == dict.fromkeys(blocked, "1")
    assert not {"password", "hashValue", "saltValue"} & attrs.keys()  # no password by default


def test_optional_password(master: Path, tmp_path: Path) -> None:
    result = run(master, tmp_path / "out", password="s3cret")
    attrs = _protection_attributes(result.files[0].path)
    assert attrs["sheet"] == "1" and attrs.get("password")
    assert "s3cret" not in sheet_xml(result.files[0].path)["xl/worksheets/sheet1.xml"]


# --- the hidden metadata -------------------------------------------------------------------


def test_metadata_sheet_is_very_hidden_and_round_trips(master: Path, tmp_path: Path) -> None:
    result = run(master, tmp_path / "out")
    path = result.files[0].path
    assert load_workbook(path)[META_SHEET].sheet_state == "veryHidden"
    meta = read_return_metadata(path)
    expected_rows = [
        SentRow(
            id=i,
            row=7 + n,
            fingerprint=row_fingerprint(i, seed(i)["action"], due, "On Track", seed(i)["update"]),
            master_row=MASTER_ROW[i],
        )
        for n, (i, due) in enumerate(
            [("1.4", "2024-03-31"), ("1.5", "2023-12-31"), ("1.8", "2023-12-31")]
        )
    ]
    assert meta == ReturnMetadata(
        format="edi_xl owner return",
        version=1,
        master="master.xlsx",
        owner=JIM,
        as_at=AS_AT,
        created=NOW,
        header_row=6,
        sheet=RETURN_SHEET,
        update_header="Update as at 18 Dec 23",
        rows=expected_rows,
    )


def test_fingerprints_match_what_the_sheet_shows(master: Path, tmp_path: Path) -> None:
    # What a merge will do: fingerprint the sent cells and compare with the metadata.
    result = run(master, tmp_path / "out")
    for f in result.files:
        meta = read_return_metadata(f.path)
        assert meta is not None and meta.damage == []
        assert [r.id for r in meta.rows] == f.action_ids
        ws = load_workbook(f.path)[RETURN_SHEET]
        for r in meta.rows:
            assert r.row is not None
            a, action, due, status, last = (ws.cell(r.row, c).value for c in range(1, 6))
            due_text = due.date().isoformat() if isinstance(due, datetime) else due
            assert r.fingerprint == row_fingerprint(a, action, due_text, status, last)


def test_row_fingerprint() -> None:
    payload = json.dumps(
        ["1.4", "Act", None, "On Track", None], ensure_ascii=False, separators=(",", ":")
    )
    expected = hashlib.sha256(payload.encode()).hexdigest()[:16]
    assert row_fingerprint("1.4", "Act", None, "On Track", None) == expected
    assert row_fingerprint("1.4", " Act ", "", "On Track", "  ") == expected
    assert re.fullmatch(r"[0-9a-f]{16}", expected)
    assert row_fingerprint("1.4", "Act", None, "At Risk", None) != expected
    assert row_fingerprint("1.4", "a\r\nb", None, None, None) == row_fingerprint(
        "1.4", "a\nb", None, None, None
    )


def test_read_return_metadata_of_other_files(master: Path, tmp_path: Path) -> None:
    assert read_return_metadata(master) is None  # no _edi_xl sheet
    wb = Workbook()
    other = wb.create_sheet(META_SHEET)
    other["A1"], other["B1"] = "format", "something else"
    wb.save(tmp_path / "other.xlsx")
    assert read_return_metadata(tmp_path / "other.xlsx") is None
    (tmp_path / "junk.xlsx").write_bytes(b"not a zip")
    with pytest.raises(UnreadableFileError):
        read_return_metadata(tmp_path / "junk.xlsx")


def test_read_return_metadata_of_a_damaged_return_lists_problems(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.create_sheet(META_SHEET)
    lines: list[list[Any]] = [
        ["format", "edi_xl owner return"],
        ["version", "two"],
        ["owner", 42],
        ["as_at", "18/12/2023"],
        ["created", "yesterday"],
        ["header_row", 6.0],
        [],
        ["id", "row", "fingerprint"],
        [1.5, "7", "abc"],
        [None, 8, "x"],
        ["2.1", None, None],
    ]
    for line in lines:
        ws.append(line)
    wb.save(tmp_path / "odd.xlsx")
    meta = read_return_metadata(tmp_path / "odd.xlsx")
    assert meta is not None
    assert meta.version is None and meta.owner == "42" and meta.as_at == AS_AT
    assert meta.created is None and meta.header_row == 6 and meta.master is None
    assert meta.rows == [SentRow(id="1.5", row=7, fingerprint="abc"), SentRow(id="2.1")]
    assert meta.damage == [
        "version: cannot read 'two'",
        "master: missing",
        "created: cannot read 'yesterday'",
        "a line of the actions table has no id",
    ]


# --- not sent ------------------------------------------------------------------------------


def test_unowned_unnumbered_and_complete_actions_are_not_sent(master: Path, tmp_path: Path) -> None:
    plan = "Action Plan"
    set_master_cells(master, {
        (plan, MASTER_ROW["1.8"], OWNER_COL): None,
        (plan, MASTER_ROW["2.2"], STATUS_COL): "Complete",
        (plan, MASTER_ROW["3.3"], ID_COL): None,
        (plan, MASTER_ROW["4.2"], OWNER_COL): "  equality &  diversity LEAD ",
    })  # fmt: skip
    result = run(master, tmp_path / "out")
    assert [(p.action_id or "", p.message) for p in result.not_sent] == [
        ("1.8", "no action owner"),
        ("2.2", "complete"),
        ("", "no action number (row 13)"),
    ]
    assert [(p.code, p.severity.value, p.location.row) for p in result.not_sent] == [
        (Code.NOT_SENT_NO_OWNER, "warning", MASTER_ROW["1.8"]),
        (Code.NOT_SENT_COMPLETE, "info", MASTER_ROW["2.2"]),
        (Code.NOT_SENT_NO_ID, "warning", 13),
    ]
    assert result.unowned == ["1.8"] and result.needs_attention
    by_owner = {f.owner: f.action_ids for f in result.files}
    assert by_owner[JIM] == ["1.4", "1.5"]
    assert HAZEL not in by_owner  # all of Hazel's actions are complete: no file
    assert by_owner[EDI_LEAD] == ["4.1", "4.2"]  # the same owner, written differently


def test_only_complete_actions_not_sent_needs_no_attention(master: Path, tmp_path: Path) -> None:
    set_master_cells(master, {("Action Plan", MASTER_ROW["2.2"], STATUS_COL): "Done"})
    result = run(master, tmp_path / "out")
    assert [(p.action_id, p.code) for p in result.not_sent] == [("2.2", Code.NOT_SENT_COMPLETE)]
    assert not result.needs_attention


# --- as-at date ----------------------------------------------------------------------------


def test_as_at_given(master: Path, tmp_path: Path) -> None:
    result = run(master, tmp_path / "out", as_at=date(2024, 3, 18))
    assert result.as_at == date(2024, 3, 18)
    ws = load_workbook(result.files[0].path)[RETURN_SHEET]
    assert ws["A1"].value == "Equality action plan: your update as at 18 March 2024"
    assert ws["F6"].value == "Update as at 18 Mar 24"
    assert ws["E7"].value == seed("1.4")["update"]
    meta = read_return_metadata(result.files[0].path)
    assert meta is not None and meta.as_at == date(2024, 3, 18)


def test_last_update_skips_a_blank_latest_round(master: Path, tmp_path: Path) -> None:
    set_master_cells(master, {
        ("Action Plan", 4, NEXT_COL): "Update as at 18 Dec 23",
        ("Action Plan", MASTER_ROW["1.5"], NEXT_COL): "Adverts now carry the statement.",
    })  # fmt: skip
    result = run(master, tmp_path / "out", as_at=date(2024, 3, 18))
    ws = load_workbook(result.files[0].path)[RETURN_SHEET]
    assert ws["E7"].value == seed("1.4")["update"]  # Dec blank: Sep's update
    assert ws["E8"].value == "Adverts now carry the statement."
    # Asking again for the December round: December's update is not a "last" one.
    again = run(master, tmp_path / "dec", as_at=AS_AT)
    assert load_workbook(again.files[0].path)[RETURN_SHEET]["E8"].value == seed("1.5")["update"]


def test_no_as_at_date_anywhere_is_an_error(master: Path, tmp_path: Path) -> None:
    set_master_cells(master, {("Settings", 4, 2): None})
    with pytest.raises(EdiXlError, match="no as-at date"):
        run(master, tmp_path / "out")
    assert not (tmp_path / "out").exists()


# --- files and folders ---------------------------------------------------------------------


def test_running_twice_refuses_without_force_then_replaces_the_files(
    master: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    first = run(master, out)
    before = {f.path.name: all_cells(f.path) for f in first.files}
    edit_workbook(first.files[0].path, lambda wb: wb[RETURN_SHEET].cell(7, 6, "my update"))
    edited = all_cells(first.files[0].path)
    with pytest.raises(
        EdiXlError,
        match=r"already holds 6 owner returns for the round as "
        r"at 18 December 2023.*owners may have edited them.*--force",
    ):
        run(master, out)
    assert all_cells(first.files[0].path) == edited  # the owner's edit is still there
    second = run(master, out, force=True)
    assert {f.path.name: all_cells(f.path) for f in second.files} == before
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([*before, *(n.replace(".xlsx", ".eml") for n in before)])
    later = run(master, out, now=datetime(2023, 12, 19, 8, 0), force=True)
    for f in later.files:
        visible = {k: v for k, v in all_cells(f.path).items() if k[0] == RETURN_SHEET}
        assert visible == {k: v for k, v in before[f.path.name].items() if k[0] == RETURN_SHEET}
        meta = read_return_metadata(f.path)
        assert meta is not None and meta.created == datetime(2023, 12, 19, 8, 0)


def test_out_dir_that_is_a_file(master: Path, tmp_path: Path) -> None:
    (tmp_path / "out").write_text("x")
    with pytest.raises(EdiXlError, match="not a folder"):
        run(master, tmp_path / "out")


def test_never_overwrites_the_master_in_the_same_folder(master: Path, tmp_path: Path) -> None:
    set_master_cells(master, {("Action Plan", MASTER_ROW["1.4"], OWNER_COL): "Master"})
    original = master.read_bytes()
    result = run(master, master.parent)
    assert result.files[0].owner == "Master"
    assert result.files[0].path.name == "Master (2).xlsx"
    assert master.read_bytes() == original


def test_never_overwrites_a_file_of_the_users_named_as_a_return(
    master: Path, tmp_path: Path
) -> None:
    """The folder holds a workbook of the user's named as the E&D Lead's return, and an
    email of theirs named as Jim's draft: both are kept, those returns take another name and
    the files are listed (helper-62, session 17: the workbook was replaced, no backup, no
    word). A return edi_xl wrote in an earlier round is replaced, as ever."""
    from edi_xl.flows.emails import Drafts

    out = tmp_path / "out"
    out.mkdir()
    wb = Workbook()
    wb.active["A1"] = "my own notes on the E&D lead post"
    mine = out / "Equality & Diversity Lead.xlsx"
    wb.save(mine)
    email = out / "Jim Machon, Associate Director of HR.eml"
    email.write_bytes(b"From: jim@trust.nhs.uk\r\nSubject: notes\r\n\r\nmy email\r\n")
    theirs = {p: p.read_bytes() for p in (mine, email)}
    earlier = run(master, out, as_at=date(2023, 9, 18))  # an earlier round's, then this one
    result = run(master, out)
    assert {p: p.read_bytes() for p in (mine, email)} == theirs
    assert sorted(p.name for p in result.kept) == sorted(p.name for p in theirs)
    names = {f.owner: f.path.name for f in result.files}
    assert names["Equality & Diversity Lead"] == "Equality & Diversity Lead (2).xlsx"
    assert names[JIM] == f"{JIM} (2).xlsx"
    assert isinstance(result.drafts, Drafts)
    assert (out / f"{JIM} (2).eml").is_file()
    assert {f.path for f in earlier.files} - {f.path for f in result.files} == set()
    assert names[FIONA] == f"{FIONA}.xlsx"  # edi_xl's of the earlier round: replaced
    assert read_return_metadata(out / names[FIONA]).as_at == AS_AT


# --- whom the email greets ------------------------------------------------------------------

TITLE_OWNER = "Director of People, Culture & OD (interim)"
BRACKET_OWNER = 'Dr. Anne-Marie D\'Souza (Medical Director, "acting")'


def test_the_greeting_cuts_the_owner_at_a_comma_only_after_a_name(
    master: Path, tmp_path: Path
) -> None:
    """An owner's job title or an open bracket before the first comma is not a name: the
    draft greets the whole owner (body, the subject's {name}, the chase reminder), never
    "Dear Director of People," nor a bracket left open."""
    from email import policy
    from email.parser import BytesParser

    from edi_xl.master.round_record import reminder

    plan = "Action Plan"
    set_master_cells(
        master,
        {
            (plan, MASTER_ROW["1.4"], OWNER_COL): TITLE_OWNER,
            (plan, MASTER_ROW["2.2"], OWNER_COL): BRACKET_OWNER,
        },
    )

    def subject_with_name(wb: Any) -> None:
        ws = wb["Settings"]
        row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "Email subject")
        ws.cell(row, 2).value = "{name}: your EDI update"

    edit_workbook(master, subject_with_name)
    out = tmp_path / "out"
    result = run(master, out)
    drafts = {f.owner: f.path.with_suffix(".eml") for f in result.files}
    expected = {TITLE_OWNER: TITLE_OWNER, BRACKET_OWNER: BRACKET_OWNER}
    expected |= {JIM: "Jim Machon", FIONA: "Fiona MacDonald"}  # a name, then a title
    for owner, name in expected.items():
        with drafts[owner].open("rb") as handle:
            msg = BytesParser(policy=policy.default).parse(handle)
        assert msg["Subject"] == f"{name}: your EDI update"
        assert msg.get_body(("plain",)).get_content().startswith(f"Dear {name},\n")
        assert reminder(owner, AS_AT).startswith(f"Dear {name}, ")


# --- nothing becomes a formula -------------------------------------------------------------


def test_hostile_text_stays_text(master: Path, tmp_path: Path) -> None:
    plan = "Action Plan"
    hostile = {
        (plan, MASTER_ROW["1.4"], ACTION_COL): '=HYPERLINK("http://x","y")',
        (plan, MASTER_ROW["1.5"], ACTION_COL): "+1",
        (plan, MASTER_ROW["1.8"], ACTION_COL): "-2+3",
        (plan, MASTER_ROW["1.4"], UPDATE_COL): "@SUM(1,2)",
        (plan, MASTER_ROW["1.5"], DUE_COL): "=TODAY()",
        (plan, MASTER_ROW["1.9"], OWNER_COL): "=cmd|' /C calc'!A0",
    }
    set_master_cells(master, hostile)
    result = run(master, tmp_path / "out")
    for f in result.files:
        for name, xml in sheet_xml(f.path).items():
            assert not re.search(r"<f[\s>/]", xml), (f.path.name, name)
    jim = load_workbook(result.files[0].path)[RETURN_SHEET]
    assert jim["B7"].value == '=HYPERLINK("http://x","y")' and jim["B7"].data_type == "s"
    assert jim["B8"].value == "+1" and jim["B9"].value == "-2+3"
    assert jim["E7"].value == "@SUM(1,2)" and jim["C8"].value == "=TODAY()"
    evil = next(f for f in result.files if f.action_ids == ["1.9"])
    assert evil.owner == "=cmd|' /C calc'!A0"
    assert evil.path.name == "=cmd ' C calc'!A0.xlsx"
    assert load_workbook(evil.path)[RETURN_SHEET]["A2"].value == "For: =cmd|' /C calc'!A0"
    meta = read_return_metadata(evil.path)
    assert meta is not None and meta.owner == "=cmd|' /C calc'!A0"


def test_returns_open_in_excel_are_refused_before_any_is_written(master, tmp_path):
    """``returns --force`` with one owner's return of the last run open in Excel: the first
    returns were rewritten, then it stopped at that one (helper-72), the round's returns and
    drafts left half old, half new. It refuses before writing any."""
    out = tmp_path / "returns"
    first = make_owner_returns(master, out, AS_AT)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    opened = sorted(first.files, key=lambda f: f.path.name)[-1].path
    lock = opened.with_name(f"~${opened.name}")
    lock.write_bytes(bytes([5]) + b"Hazel" + bytes(50))
    with pytest.raises(WorkbookWriteError, match="open in Excel or LibreOffice") as caught:
        make_owner_returns(master, out, AS_AT, force=True)
    # who has it open, as Excel's lock file says (a colleague to ask to close it)
    assert f"{opened.name} by Hazel" in str(caught.value), caught.value
    assert "Nothing was written" in str(caught.value)
    assert {p.name: p.read_bytes() for p in out.iterdir() if p != lock} == before
    lock.unlink()  # a lock file that names nobody is named itself
    other = opened.with_name(f".~lock.{opened.name}#")
    other.write_text(",,,;", encoding="utf-8")
    with pytest.raises(WorkbookWriteError, match="open in Excel or LibreOffice") as caught:
        make_owner_returns(master, out, AS_AT, force=True)
    assert f"{other.name} says so" in str(caught.value), caught.value


@pytest.mark.parametrize(
    ("owner", "greeted"),
    [
        ("Jim Machon, Associate Director of HR", "Jim Machon"),
        ("Siobhán Ní Bhriain, Head of EDI", "Siobhán Ní Bhriain"),
        ("Dr Patel, Medical Director", "Dr Patel"),
        ("Anne-Marie D'Souza, EDI Lead", "Anne-Marie D'Souza"),
        # a department or a role before the comma is no name: the whole owner (helper-108)
        ("Equality, Diversity and Inclusion Lead", "Equality, Diversity and Inclusion Lead"),
        ("Finance, Performance & Estates", "Finance, Performance & Estates"),
        ("Estates, Facilities", "Estates, Facilities"),
        ("Ops Director, North", "Ops Director, North"),
        ("Head of EDI, Jane Smith", "Head of EDI, Jane Smith"),
    ],
)
def test_whom_a_greeting_names(owner: str, greeted: str) -> None:
    from edi_xl.core.text import greeting_name

    assert greeting_name(owner) == greeted
