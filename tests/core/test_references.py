"""Tests for edi_xl.core.references: report references and protected characteristics."""

from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from model_check import assert_made_right, rebuilt

from edi_xl.core.references import (
    ALL,
    KNOWN_OTHER_REFERENCES,
    PROTECTED_CHARACTERISTICS,
    ReportRef,
    Scheme,
    format_protected_characteristics,
    parse_protected_characteristics,
    parse_report_refs,
)


def summary(refs: list[ReportRef]) -> list[str]:
    """Each ref's label; an unknown ref's label is prefixed with "?"."""
    return [ref.label if ref.known else f"?{ref.label}" for ref in refs]


def param(text: object, expected: object, name: str) -> object:
    """One table row, with a readable test id."""
    return pytest.param(text, expected, id=name)


# --- Seed 000: every "Report / Action" cell, verbatim, by action id ---------------------------

SEED_REFS = [
    param("WRES 1 Gender Pay Gap WDES 1", ["WRES 1", "Gender Pay Gap", "WDES 1"], "seed-1.4"),
    param("WRES 1 WDES 1", ["WRES 1", "WDES 1"], "seed-1.5"),
    param("WRES 2 WDES 2", ["WRES 2", "WDES 2"], "seed-1.8"),
    param("WRES 2 WDES 2", ["WRES 2", "WDES 2"], "seed-1.9"),
    param("WRES 1 WDES 3 WRES 3", ["WRES 1", "WDES 3", "WRES 3"], "seed-1.11"),
    param(
        "WRES 5 WDES 5 BAPIO Dignity at Work Report Sexual Safety Charter 2023",
        ["WRES 5", "WDES 5", "BAPIO Dignity at Work Report", "Sexual Safety Charter 2023"],
        "seed-2.1",
    ),
    param(
        "WRES 6 WDES 6 WRES 8 BAPIO Dignity at Work Report Sexual Safety",
        ["WRES 6", "WDES 6", "WRES 8", "BAPIO Dignity at Work Report", "?Sexual Safety"],
        "seed-2.2",
    ),
    param(
        "Charter 2023. WRES 8 WDES 4 BAPIO Dignity at Work Report Sexual Safety Charter 2023.",
        [
            "?Charter 2023.",
            "WRES 8",
            "WDES 4",
            "BAPIO Dignity at Work Report",
            "Sexual Safety Charter 2023",
        ],
        "seed-2.3",
    ),
    param("WDES 4", ["WDES 4"], "seed-3.3"),
    param(
        "WDES 4 BAPIO Dignity at Work Report",
        ["WDES 4", "BAPIO Dignity at Work Report"],
        "seed-3.4",
    ),
    param("WRES 4 WDES 4", ["WRES 4", "WDES 4"], "seed-4.1"),
    param(
        "WRES 1 WDES 3 Gender Pay Gap BAPIO Dignity at Work Report",
        ["WRES 1", "WDES 3", "Gender Pay Gap", "BAPIO Dignity at Work Report"],
        "seed-4.2",
    ),
    param("WRES 7 WDES 7", ["WRES 7", "WDES 7"], "seed-5.1"),
    param("WRES 7 WDES 7", ["WRES 7", "WDES 7"], "seed-5.6"),
    param("WRES 9 WDES 9 Gender Pay Gap", ["WRES 9", "WDES 9", "Gender Pay Gap"], "seed-6.3"),
    param("WRES 9 WDES 9", ["WRES 9", "WDES 9"], "seed-6.4"),
    param(
        "WRES 9 WDES 9 BAPIO Dignity at Work Report National EDI Plan 2023",
        ["WRES 9", "WDES 9", "BAPIO Dignity at Work Report", "National EDI Plan 2023"],
        "seed-6.5",
    ),
]

# --- Edge cases --------------------------------------------------------------------------------

EDGE_REFS = [
    # empty cells
    param(None, [], "none"),
    param("", [], "empty"),
    param("   \n\t ", [], "whitespace"),
    param(float("nan"), [], "nan-from-pandas"),
    param(", ,", [], "only-separators"),
    # lists and ranges expand, in the order written
    param("WRES 1, 2 and 3", ["WRES 1", "WRES 2", "WRES 3"], "list-comma-and"),
    param("WRES 1-3", ["WRES 1", "WRES 2", "WRES 3"], "range-dash"),
    param("WRES 1 to 3", ["WRES 1", "WRES 2", "WRES 3"], "range-to"),
    param("WRES 1–3", ["WRES 1", "WRES 2", "WRES 3"], "range-en-dash"),
    param("WRES indicators 5, 6 & 8", ["WRES 5", "WRES 6", "WRES 8"], "list-indicators-amp"),
    param("WRES indicator 7", ["WRES 7"], "indicator-word"),
    param("WRES 3, 1", ["WRES 3", "WRES 1"], "list-order-kept"),
    param("WRES 1, 2, and 3", ["WRES 1", "WRES 2", "WRES 3"], "list-oxford-comma"),
    param("WDES 9a/9b", ["WDES 9a", "WDES 9b"], "wdes-9a-slash-9b"),
    param("WDES 8-10", ["WDES 8", "WDES 9", "WDES 10"], "wdes-range"),
    param("HIA 1-3", ["HIA 1", "HIA 2", "HIA 3"], "hia-range"),
    # spacing and case
    param("WRES1 wdes 2 Wres:3 WRES #4", ["WRES 1", "WDES 2", "WRES 3", "WRES 4"], "spacing-case"),
    param("WRES 01", ["WRES 1"], "leading-zero"),
    # WDES metrics and sub-parts
    param("WDES 4a i", ["WDES 4a"], "wdes-4a-i"),
    param("WDES 4a(i)", ["WDES 4a"], "wdes-4a(i)"),
    param("WDES 4ai", ["WDES 4a"], "wdes-4ai"),
    param("WDES 4a (iii)", ["WDES 4a"], "wdes-4a-(iii)"),
    param("WDES 4a i-iii", ["WDES 4a"], "wdes-4a-i-iii"),
    param("WDES 4A", ["WDES 4a"], "wdes-upper-letter"),
    param("WDES 4(b)", ["WDES 4b"], "wdes-4(b)"),
    param("WDES metric 10", ["WDES 10"], "wdes-metric-10"),
    param("WDES 4a in part", ["WDES 4a", "?in part"], "wdes-4a-then-word-in"),
    param("WDES 4a i.e. part", ["WDES 4a", "?i.e. part"], "wdes-4a-then-ie"),
    param("WDES 4 and 9", ["WDES 4", "WDES 9"], "wdes-whole-metrics"),
    # out of range numbers are kept, unknown
    param("WRES 10", ["?WRES 10"], "wres-10-unknown"),
    param("WRES 0", ["?WRES 0"], "wres-0-unknown"),
    param("WRES 1a", ["?WRES 1a"], "wres-letter-unknown"),
    param("WDES 11", ["?WDES 11"], "wdes-11-unknown"),
    param("WDES 4c", ["?WDES 4c"], "wdes-4c-unknown"),
    param("WDES 9c", ["?WDES 9c"], "wdes-9c-unknown"),
    param("HIA 7", ["?HIA 7"], "hia-7-unknown"),
    param("WRES 9-10", ["WRES 9", "?WRES 10"], "range-partly-out"),
    # High Impact Actions
    param("High Impact Action 3", ["HIA 3"], "hia-long"),
    param("HIA 3", ["HIA 3"], "hia-short"),
    param("HIA3", ["HIA 3"], "hia-no-space"),
    param("NHS England EDI Improvement Plan High Impact Action 3", ["HIA 3"], "hia-full-name"),
    param("EDI Improvement Plan: HIA 6", ["HIA 6"], "hia-plan-prefix"),
    param("High Impact Actions 1 and 2", ["HIA 1", "HIA 2"], "hia-plural-list"),
    param("HIA 2b", ["HIA 2"], "hia-success-metric"),
    param("EDI Improvement Plan HIA 3", ["HIA 3"], "hia-plan-prefix-space"),
    param("EDI Improvement Plan, HIA 3", ["EDI Improvement Plan", "HIA 3"], "plan-comma-hia"),
    # Gender Pay Gap
    param("Gender Pay Gap", ["Gender Pay Gap"], "gpg"),
    param("gender pay gap report", ["Gender Pay Gap"], "gpg-report-lower"),
    param("GPG", ["Gender Pay Gap"], "gpg-abbreviation"),
    param("Gender Pay Gap. WRES 1", ["Gender Pay Gap", "WRES 1"], "gpg-full-stop"),
    # the known other references, any case, trailing full stop
    *(param(name, [name], f"known-{name}") for name in KNOWN_OTHER_REFERENCES),
    *(
        param(f"{name.lower()}.", [name], f"known-lower-dot-{name}")
        for name in KNOWN_OTHER_REFERENCES
    ),
    param("NHS Staff Survey", ["Staff Survey"], "known-nhs-prefix"),
    param("Ethnicity Pay Gap report", ["Ethnicity Pay Gap"], "known-pay-gap-report"),
    param("Sexual Safety\nCharter 2023", ["Sexual Safety Charter 2023"], "known-wrapped-line"),
    param("Staff Surveys", ["?Staff Surveys"], "known-plural-is-not"),
    # scheme unclear or no number
    param("Indicator 1", ["?Indicator 1"], "indicator-alone-unknown"),
    param("Metric 4a", ["?Metric 4a"], "metric-alone-unknown"),
    param("WRES", ["WRES"], "bare-wres"),
    param("WDES metrics", ["WDES"], "bare-wdes-metrics"),
    param("WRES/WDES 4", ["WRES", "WDES 4"], "bare-then-numbered"),
    param("Workforce Race Equality Standard (WRES) indicator 2", ["WRES 2"], "wres-long-name"),
    param("Workforce Disability Equality Standard 5", ["WDES 5"], "wdes-long-name"),
    # separators between references
    param(
        "WRES 1; WDES 2 / HIA 3 & GPG and Staff Survey",
        ["WRES 1", "WDES 2", "HIA 3", "Gender Pay Gap", "Staff Survey"],
        "separators",
    ),
    param("WRES 1\nWDES 2\r\nHIA 3", ["WRES 1", "WDES 2", "HIA 3"], "newlines"),
    param("WRES 1,WDES 2", ["WRES 1", "WDES 2"], "comma-no-space"),
    param("• WRES 1\n• WDES 2.", ["WRES 1", "WDES 2"], "bullets"),
    # duplicates removed, first kept
    param("WRES 1 WRES 1 wres 1", ["WRES 1"], "duplicate-scheme"),
    param("WRES 1-3 WRES 2", ["WRES 1", "WRES 2", "WRES 3"], "duplicate-inside-range"),
    param("Staff Survey staff survey.", ["Staff Survey"], "duplicate-known"),
    param("GPG Gender Pay Gap", ["Gender Pay Gap"], "duplicate-gpg"),
    param("Local audit; local audit", ["?Local audit"], "duplicate-free-text"),
    # free text: one ref per stretch, separators trimmed, words kept as written
    param(
        "WRES 1, , Freedom to Speak Up Guardian report ; WDES 2",
        ["WRES 1", "?Freedom to Speak Up Guardian report", "WDES 2"],
        "free-text-between",
    ),
    param("Local audit", ["?Local audit"], "free-text-only"),
    param("Health and wellbeing plan", ["?Health and wellbeing plan"], "free-text-keeps-and"),
    param("and Freedom to Speak Up -", ["?Freedom to Speak Up"], "free-text-edges-trimmed"),
    param(
        "Freedom to Speak Up\nPeople Plan",
        ["?Freedom to Speak Up", "?People Plan"],
        "free-text-newline-splits",
    ),
    param("WRES 1, 2023 targets", ["WRES 1", "?2023 targets"], "year-is-not-indicator"),
    param("WRES 1.4", ["WRES", "?1.4"], "decimal-is-not-indicator"),
    param("WRESTLING 1", ["?WRESTLING 1"], "word-boundary"),
    param("WRES 2 (see 1.4)", ["WRES 2", "?(see 1.4)"], "brackets-kept"),
]


@pytest.mark.parametrize(("text", "expected"), SEED_REFS + EDGE_REFS)
def test_parse_report_refs(text: object, expected: list[str]) -> None:
    assert summary(parse_report_refs(text)) == expected


# --- ReportRef fields ----------------------------------------------------------------------------

FIELDS = [
    param("WRES 1", [(Scheme.WRES, "1", "WRES 1", True)], "wres"),
    param("  WDES 4a(ii)  ", [(Scheme.WDES, "4a", "WDES 4a(ii)", True)], "wdes-stripped"),
    param("WDES 9", [(Scheme.WDES, "9", "WDES 9", True)], "wdes-whole-metric"),
    param(
        "NHS England EDI Improvement Plan High Impact Action 3",
        [(Scheme.HIA, "3", "NHS England EDI Improvement Plan High Impact Action 3", True)],
        "hia",
    ),
    param("gender pay gap", [(Scheme.GPG, None, "gender pay gap", True)], "gpg"),
    param(
        "Sexual Safety Charter 2023.",
        [(Scheme.OTHER, None, "Sexual Safety Charter 2023.", True)],
        "known-other",
    ),
    param("Sexual Safety", [(Scheme.OTHER, None, "Sexual Safety", False)], "unknown-other"),
    param("WRES", [(Scheme.WRES, None, "WRES", True)], "bare-scheme"),
    param("HIA 9", [(Scheme.HIA, "9", "HIA 9", False)], "out-of-range"),
    param(
        "WDES 9a/9b",
        [(Scheme.WDES, "9a", "WDES 9a/9b", True), (Scheme.WDES, "9b", "WDES 9a/9b", True)],
        "list-shares-text",
    ),
]


@pytest.mark.parametrize(("text", "expected"), FIELDS)
def test_report_ref_fields(text: str, expected: list[tuple[Scheme, str | None, str, bool]]) -> None:
    got = [(r.scheme, r.code, r.text, r.known) for r in parse_report_refs(text)]
    assert got == expected


LABELS = [
    param(ReportRef(scheme=Scheme.WRES, code="1", text="x", known=True), "WRES 1", "wres"),
    param(ReportRef(scheme=Scheme.WDES, code="4a", text="x", known=True), "WDES 4a", "wdes"),
    param(ReportRef(scheme=Scheme.HIA, code="3", text="x", known=True), "HIA 3", "hia"),
    param(ReportRef(scheme=Scheme.GPG, code=None, text="GPG", known=True), "Gender Pay Gap", "gpg"),
    param(
        ReportRef(scheme=Scheme.OTHER, code=None, text="bapio dignity at work report.", known=True),
        "BAPIO Dignity at Work Report",
        "known-canonical",
    ),
    param(
        ReportRef(scheme=Scheme.OTHER, code=None, text="Sexual Safety", known=False),
        "Sexual Safety",
        "unknown-text",
    ),
    param(ReportRef(scheme=Scheme.WDES, code=None, text="WDES", known=True), "WDES", "bare"),
]


@pytest.mark.parametrize(("ref", "label"), LABELS)
def test_label(ref: ReportRef, label: str) -> None:
    assert ref.label == label


def test_report_ref_is_frozen_and_hashable() -> None:
    ref = parse_report_refs("WRES 1")[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        ref.code = "2"  # type: ignore[misc]
    assert ref == ReportRef(scheme=Scheme.WRES, code="1", text="WRES 1", known=True)
    assert len({ref, parse_report_refs("WRES 1")[0]}) == 1


def test_scheme_values() -> None:
    assert [s.value for s in Scheme] == ["WRES", "WDES", "HIA", "GPG", "OTHER"]
    assert Scheme.WRES == "WRES"


def test_long_cell() -> None:
    text = "WRES 1, Staff Survey, local audit; " * 2000 + "EDI Improvement Plan " * 2000
    assert summary(parse_report_refs(text)) == [
        "WRES 1",
        "Staff Survey",
        "?local audit",
        "EDI Improvement Plan",
    ]


def test_non_string_cell_is_read_as_text() -> None:
    assert summary(parse_report_refs(7)) == ["?7"]


# --- Property: nothing the user wrote is dropped ----------------------------------------------

#: Known references; no two of them give the same ref (so duplicates only come from repeats).
TOKENS = [
    "WRES 1",
    "WRES indicators 5, 6 & 8",
    "WRES 2-4",
    "WDES 4a",
    "WDES 4b(ii)",
    "WDES 9a/9b",
    "WDES 10",
    "WRES 10",
    "HIA 3",
    "High Impact Action 5",
    "HIA2",
    "Gender Pay Gap",
    *KNOWN_OTHER_REFERENCES,
]
SEPARATORS = [" ", ", ", ",", " ; ", "/", " / ", " & ", " and ", "\n", " , , ", ". "]
VOCABULARY = [
    "Sexual",
    "Safety",
    "Charter",
    "2023.",
    "Indicator",
    "indicators",
    "local",
    "audit",
    "NHS",
    "report",
    "Freedom",
    "to",
    "Speak",
    "Up",
    "(see",
    "below)",
    "i",
    "ii",
    "Plan",
    "EDI",
    "People",
    "2024",
]
_SPLIT_WORDS = re.compile(r"[\s,;/&+]+")
_EDGE = ".:()[]-–—"
_SEPARATOR_WORDS = {"and", ""}


def is_free_word(word: str) -> bool:
    """A random word that is neither a reference on its own ("GPG", "wres") nor "and"."""
    return word.casefold() != "and" and not any(r.known for r in parse_report_refs(word))


def words(text: str) -> set[str]:
    out = {w.strip(_EDGE).casefold() for w in _SPLIT_WORDS.split(text)}
    return out - _SEPARATOR_WORDS


free_words = st.one_of(
    st.sampled_from(VOCABULARY),
    st.from_regex(r"[A-Za-z][a-z]{0,9}", fullmatch=True).filter(is_free_word),
)
pieces = st.lists(
    st.tuples(st.one_of(st.sampled_from(TOKENS), free_words), st.sampled_from(SEPARATORS)),
    max_size=12,
)


@settings(database=None, max_examples=300, deadline=None)
@given(pieces)
def test_every_word_is_kept(parts: list[tuple[str, str]]) -> None:
    text = "".join(piece + sep for piece, sep in parts)
    refs = parse_report_refs(text)
    kept: set[str] = set()
    for ref in refs:
        assert ref.text and ref.text == ref.text.strip()
        assert ref.text in text
        kept |= words(ref.text)
    assert words(text) <= kept
    keys = [(r.scheme, r.code, r.label.casefold()) for r in refs]
    assert len(keys) == len(set(keys))


#: "EDI Improvement Plan" just before "HIA 3" is one reference (the plan's action 3): left out.
TOKENS_APART = [t for t in TOKENS if t != "EDI Improvement Plan"]


@settings(database=None, max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(TOKENS_APART), max_size=8), st.sampled_from(SEPARATORS))
def test_known_tokens_give_their_refs(tokens: list[str], sep: str) -> None:
    refs = parse_report_refs(sep.join(tokens))
    expected = {label for t in tokens for label in summary(parse_report_refs(t))}
    assert set(summary(refs)) == expected


# --- Protected characteristics -----------------------------------------------------------------

# Seed 000: every "Protected Characteristic" cell, verbatim, by action id
SEED_PCS = [
    param("Race", ["Race"], "seed-1.4"),
    param("Race Disability", ["Race", "Disability"], "seed-1.5"),
    param("Race Disability", ["Race", "Disability"], "seed-1.8"),
    param("Race Disability", ["Race", "Disability"], "seed-1.9"),
    param("All Race Disability", ["All", "Race", "Disability"], "seed-1.11"),
    param("Race Disability", ["Race", "Disability"], "seed-2.1"),
    param("Race Disability", ["Race", "Disability"], "seed-2.2"),
    param("Race Disability", ["Race", "Disability"], "seed-2.3"),
    param("Disability", ["Disability"], "seed-3.3"),
    param("Disability", ["Disability"], "seed-3.4"),
    param("Race Disability", ["Race", "Disability"], "seed-4.1"),
    param("All", ["All"], "seed-4.2"),
    param("Race Disability", ["Race", "Disability"], "seed-5.1"),
    param("Race Disability", ["Race", "Disability"], "seed-5.6"),
    param("Race Disability Age", ["Race", "Disability", "Age"], "seed-6.3"),
    param("All", ["All"], "seed-6.4"),
    param("All", ["All"], "seed-6.5"),
]


@pytest.mark.parametrize(("text", "expected"), SEED_PCS)
def test_seed_protected_characteristics(text: str, expected: list[str]) -> None:
    assert parse_protected_characteristics(text) == (expected, [])


PCS = [
    # empty
    param(None, ([], []), "none"),
    param("", ([], []), "empty"),
    param("  \n ", ([], []), "whitespace"),
    param(float("nan"), ([], []), "nan"),
    # canonical names, any case
    *(param(name.upper(), ([name], []), f"canonical-{name}") for name in PROTECTED_CHARACTERISTICS),
    param("all", ([ALL], []), "all-lower"),
    param("All protected characteristics", ([ALL], []), "all-long"),
    # synonyms
    param("BAME", (["Race"], []), "bame"),
    param("BME", (["Race"], []), "bme"),
    param("Ethnicity", (["Race"], []), "ethnicity"),
    param("Ethnic", (["Race"], []), "ethnic"),
    param("Disabled", (["Disability"], []), "disabled"),
    param("Gender", (["Sex"], []), "gender-is-sex"),
    param("Gender reassignment", (["Gender reassignment"], []), "gender-reassignment-wins"),
    param("Gender Reassignment, Gender", (["Gender reassignment", "Sex"], []), "both-genders"),
    param("Gender re-assignment", (["Gender reassignment"], []), "re-assignment"),
    param("Trans", (["Gender reassignment"], []), "trans"),
    param("Religion and belief", (["Religion or belief"], []), "religion-and-belief"),
    param("Religion & Belief", (["Religion or belief"], []), "religion-amp-belief"),
    param("Faith", (["Religion or belief"], []), "faith"),
    param("LGBT", (["Sexual orientation"], []), "lgbt"),
    param("LGBTQ+", (["Sexual orientation"], []), "lgbtq+"),
    param("LGBTQIA+", (["Sexual orientation"], []), "lgbtqia+"),
    param("Marriage", (["Marriage and civil partnership"], []), "marriage"),
    param("Civil partnership", (["Marriage and civil partnership"], []), "civil-partnership"),
    param("Marriage & Civil Partnership", (["Marriage and civil partnership"], []), "marriage-amp"),
    param("Pregnancy", (["Pregnancy and maternity"], []), "pregnancy"),
    param("Maternity", (["Pregnancy and maternity"], []), "maternity"),
    param("Pregnancy & Maternity", (["Pregnancy and maternity"], []), "pregnancy-amp"),
    # separators, order, duplicates
    param(
        "Race, Disability/Age & Sex and Religion\nMarriage",
        (
            [
                "Race",
                "Disability",
                "Age",
                "Sex",
                "Religion or belief",
                "Marriage and civil partnership",
            ],
            [],
        ),
        "separators",
    ),
    param("Sexual Orientation Sex", (["Sexual orientation", "Sex"], []), "sexual-before-sex"),
    param("Disability Race", (["Disability", "Race"], []), "order-of-appearance"),
    param("Race BAME Ethnicity", (["Race"], []), "duplicates-removed"),
    param("Race/Ethnicity", (["Race"], []), "slash-synonym"),
    # unknown fragments, as written
    param("Race Carers", (["Race"], ["Carers"]), "unknown-after"),
    param("Armed forces and carers, Age", (["Age"], ["Armed forces", "carers"]), "unknown-split"),
    param("Neurodiversity", ([], ["Neurodiversity"]), "unknown-only"),
    param("N/A", ([], ["N/A"]), "n/a-kept-whole"),
    param("Race (Armed Forces)", (["Race"], ["Armed Forces"]), "brackets-stripped"),
    param("Sexual", ([], ["Sexual"]), "sexual-alone-unknown"),
    param("Agenda", ([], ["Agenda"]), "word-boundary"),
]


@pytest.mark.parametrize(("text", "expected"), PCS)
def test_parse_protected_characteristics(
    text: object, expected: tuple[list[str], list[str]]
) -> None:
    assert parse_protected_characteristics(text) == expected


FORMATS = [
    param([], "", "empty"),
    param(["Race"], "Race", "one"),
    param(["All", "Race", "Disability"], "All, Race, Disability", "several"),
]


@pytest.mark.parametrize(("names", "expected"), FORMATS)
def test_format_protected_characteristics(names: list[str], expected: str) -> None:
    assert format_protected_characteristics(names) == expected


@settings(database=None, max_examples=100, deadline=None)
@given(st.lists(st.sampled_from([*PROTECTED_CHARACTERISTICS, ALL]), unique=True))
def test_format_then_parse_round_trips(names: list[str]) -> None:
    assert parse_protected_characteristics(format_protected_characteristics(names)) == (names, [])


def test_a_reference_written_twice_keeps_every_word_of_both() -> None:
    """Found by test_every_word_is_kept: the second writing of HIA 3 held "NHS", and was
    dropped as a duplicate with it."""
    refs = parse_report_refs("HIA 3 NHS HIA 3")
    assert [(r.scheme, r.code, r.text) for r in refs] == [(Scheme.HIA, "3", "NHS HIA 3")]
    refs = parse_report_refs("WRES 1; WRES 1")
    assert [r.text for r in refs] == ["WRES 1"]


# --- made without the constructor: what it makes, of the fields' types ----------------------


def _as_validated(ref: ReportRef) -> None:
    assert_made_right(ref, ref.text)
    assert hash(ref) == hash(rebuilt(ref))


def test_every_ref_read_is_what_the_constructor_makes_of_it() -> None:
    """parse_report_refs makes its references without the frozen dataclass's constructor (a
    refresh reads thousands): each is the model the constructor makes from the
    same fields, each field of the same type, for every cell these tests read."""
    texts = [case.values[0] for case in SEED_REFS + EDGE_REFS + FIELDS]
    refs = [ref for text in texts for ref in parse_report_refs(text)]
    assert len(refs) > 100
    for ref in refs:
        _as_validated(ref)


@settings(database=None, max_examples=200, deadline=None)
@given(pieces)
def test_any_refs_read_are_what_the_constructor_makes_of_them(parts: list[tuple[str, str]]) -> None:
    for ref in parse_report_refs("".join(piece + sep for piece, sep in parts)):
        _as_validated(ref)
