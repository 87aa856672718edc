"""File names made from owners' names: safe on Windows and Linux."""

from __future__ import annotations

import tempfile
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edi_xl.core.filenames import (
    FORBIDDEN,
    RESERVED_NAMES,
    is_reserved_name,
    safe_filename,
    unique_names,
)

CASES = [
    ("Jim Machon, Associate Director of HR", "Jim Machon, Associate Director of HR.xlsx"),
    ("Equality & Diversity Lead", "Equality & Diversity Lead.xlsx"),
    ("../../etc/passwd", "etc passwd.xlsx"),
    ("..\\..\\Windows\\win.ini", "Windows win.ini.xlsx"),
    ("CON", "_CON.xlsx"),
    ("con", "_con.xlsx"),
    ("nul.txt", "_nul.txt.xlsx"),
    ("COM1", "_COM1.xlsx"),
    ("lpt9 .doc", "_lpt9 .doc.xlsx"),
    ("Connor", "Connor.xlsx"),
    ("COM10", "COM10.xlsx"),
    ("a/b\\c", "a b c.xlsx"),
    ('<Jo>: "B|o?g*s"', "Jo B o g s.xlsx"),
    ("Name.", "Name.xlsx"),
    ("Name. . .", "Name.xlsx"),
    ("Dr. J. Smith", "Dr. J. Smith.xlsx"),
    ("a...b", "a.b.xlsx"),
    (".hidden", "hidden.xlsx"),
    ("~$lock", "$lock.xlsx"),
    ("  ", "owner.xlsx"),
    ("", "owner.xlsx"),
    ("...", "owner.xlsx"),
    ("/", "owner.xlsx"),
    ("\x00\x07", "owner.xlsx"),
    ("Jim\tMachon\n\nHR", "Jim Machon HR.xlsx"),
    ("Jim\u00a0Machon", "Jim Machon.xlsx"),  # no-break space
    ("Zoë Ødegård", "Zoë Ødegård.xlsx"),
    ("Zoe\u0308 \u00d8degard", "Zoë Ødegard.xlsx"),  # decomposed: NFC
    ("evil\u202egpj.exe", "evilgpj.exe.xlsx"),  # right-to-left override dropped
    (
        "Hazel Rawdon- Smith, Associate Director of OD",
        "Hazel Rawdon- Smith, Associate Director of OD.xlsx",
    ),
]


@pytest.mark.parametrize(("name", "expected"), CASES)
def test_safe_filename(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


def test_long_name_is_cut_keeping_the_suffix() -> None:
    result = safe_filename("x" * 300)
    assert result == "x" * 95 + ".xlsx"
    assert len(result) == 100


def test_long_name_cut_at_a_space_or_dot_loses_it() -> None:
    assert safe_filename("a" * 94 + " b") == "a" * 94 + ".xlsx"
    assert safe_filename("a" * 94 + ".b") == "a" * 94 + ".xlsx"


def test_max_length_and_suffix() -> None:
    assert safe_filename("Jim Machon", suffix=".csv", max_length=20) == "Jim Machon.csv"
    assert safe_filename("Jim Machon, Associate Director", max_length=25) == (
        "Jim Machon, Associat.xlsx"
    )
    assert safe_filename("Jim", suffix="") == "Jim"


def test_wide_characters_stay_within_255_bytes() -> None:
    result = safe_filename("😀" * 300, max_length=250)
    assert len(result.encode("utf-8")) <= 255
    assert result.endswith(".xlsx")


def test_cut_that_makes_a_device_name_is_prefixed() -> None:
    # Cut to its first three letters "CONSTANCE" would be "CON".
    assert safe_filename("CON.STANCE") == "_CON.STANCE.xlsx"
    assert is_reserved_name("Con.xlsx") and is_reserved_name("aux") and is_reserved_name("COM¹")


@pytest.mark.parametrize("suffix", ["xlsx", "./x", "..xlsx", ".x/y", ".a:b"])
def test_bad_suffix_is_refused(suffix: str) -> None:
    with pytest.raises(ValueError):
        safe_filename("Jo", suffix=suffix)


def test_too_short_max_length_is_refused() -> None:
    with pytest.raises(ValueError):
        safe_filename("Jo", max_length=10)


def test_unique_names() -> None:
    assert unique_names(["Jo Bloggs", "jo bloggs", "Jo Bloggs (2)", "JO BLOGGS", "Ann"]) == [
        "Jo Bloggs.xlsx",
        "jo bloggs (2).xlsx",
        "Jo Bloggs (2) (2).xlsx",
        "JO BLOGGS (3).xlsx",
        "Ann.xlsx",
    ]


def test_unique_names_after_cleaning_and_cutting() -> None:
    assert unique_names(["a/b", "a b", "a\\b"]) == ["a b.xlsx", "a b (2).xlsx", "a b (3).xlsx"]
    long = ["y" * 200, "y" * 150]
    first, second = unique_names(long)
    assert first == "y" * 95 + ".xlsx"
    assert second == "y" * 91 + " (2).xlsx"
    assert len(second) == 100


def test_unique_names_avoid_taken_names() -> None:
    assert unique_names(["master", "Master"], taken=["MASTER.xlsx"]) == [
        "master (2).xlsx",
        "Master (3).xlsx",
    ]


def test_unique_names_decomposed_and_composed_are_the_same() -> None:
    assert unique_names(["Zoë", "Zoe\u0308"]) == ["Zoë.xlsx", "Zoë (2).xlsx"]


def _check_safe(result: str, max_length: int, suffix: str) -> None:
    assert result
    assert len(result) <= max_length
    assert len(result.encode("utf-8")) <= 255
    assert result.endswith(suffix)
    assert result[: len(result) - len(suffix)]  # a stem is left
    assert not any(ch in FORBIDDEN for ch in result)
    assert not any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in result)
    assert ".." not in result
    assert not result.startswith((".", " "))
    assert not result.endswith((".", " "))
    assert "  " not in result
    assert result.split(".")[0].rstrip(" ").upper() not in RESERVED_NAMES
    assert not is_reserved_name(result)
    assert unicodedata.is_normalized("NFC", result)


_TRICKY = st.sampled_from(
    [
        "/",
        "\\",
        ".",
        "..",
        " ",
        "\t",
        "\n",
        ":",
        "*",
        "?",
        '"',
        "<",
        ">",
        "|",
        "\x00",
        "~",
        "CON",
        "nul",
        "Com1",
        "LPT¹",
        "\u202e",
        "\ufeff",
        "\u0308",
        "é",
        "😀",
        "\ud800",
    ]
)
NAMES = st.one_of(
    st.text(),
    st.lists(st.one_of(st.characters(), _TRICKY), max_size=150).map("".join),
    st.lists(_TRICKY, max_size=20).map("".join),
)


@settings(max_examples=300, deadline=None)
@given(name=NAMES, max_length=st.integers(min_value=21, max_value=300))
def test_any_text_gives_a_safe_name(name: str, max_length: int) -> None:
    result = safe_filename(name, max_length=max_length)
    _check_safe(result, max_length, ".xlsx")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp).resolve()
        target = (base / result).resolve()
        assert target.parent == base
        assert target.name == result
        target.write_bytes(b"")  # the file system takes it
        assert [p.name for p in base.iterdir()] == [result]


@settings(max_examples=100, deadline=None)
@given(names=st.lists(NAMES, max_size=8))
def test_unique_names_are_safe_and_distinct(names: list[str]) -> None:
    result = unique_names(names)
    assert len(result) == len(names)
    assert len({r.casefold() for r in result}) == len(result)
    for r in result:
        _check_safe(r, 100, ".xlsx")
