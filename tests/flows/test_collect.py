"""Which files a merge or normalise reads under the folders and files it is given, and the
names it shows them by (:func:`edi_xl.flows.intake.collect`)."""

from pathlib import Path

from edi_xl.flows.intake import _Batch, collect


def _file(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_files_of_the_same_name_are_shown_under_their_folders(tmp_path: Path) -> None:
    hr = _file(tmp_path / "HR" / "return.csv")
    estates = _file(tmp_path / "Estates" / "return.csv")
    _file(tmp_path / "HR" / "sub" / "other.csv")
    found = collect([tmp_path / "HR", tmp_path / "Estates"])
    assert found == [
        (hr, "HR/return.csv"),
        (tmp_path / "HR" / "sub" / "other.csv", "sub/other.csv"),
        (estates, "Estates/return.csv"),
    ]


def test_a_file_named_twice_or_through_a_link_is_read_once(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    one = _file(inbox / "one.csv")
    link = tmp_path / "link.csv"
    link.symlink_to(one)
    found = collect([inbox, one, link])
    assert found == [(one, "one.csv")]


def test_the_excluded_folder_and_the_master_are_not_read_as_returns(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    wanted = _file(inbox / "a.csv")
    _file(inbox / "out" / "a.csv")  # what an earlier normalise wrote
    master = _file(inbox / "master.xlsx")
    batch = _Batch([inbox], inbox / "out", {tmp_path / "inbox" / "." / "master.xlsx": "master"})
    assert batch.to_read == [(wanted, "a.csv")]
    assert [(f.path, f.name) for f in batch.passed_over] == [(master, "master.xlsx")]
