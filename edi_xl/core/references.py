"""Report references and protected characteristics, as people write them in action plans.

Two columns of an equality action plan say *why* an action exists and *whom* it is for:

* "Report / Action": the reports the action answers to, e.g. ``WRES 1 Gender Pay Gap WDES 1``
  (several references run together, with or without separators) -> :func:`parse_report_refs`.
* "Protected Characteristic": e.g. ``All Race Disability`` ->
  :func:`parse_protected_characteristics`.

Both parsers are tolerant (case, separators, synonyms) and lossless: what they do not
recognise is handed back as written, never dropped, so that it can be reported as a problem.
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from edi_xl.core.unvalidated import made

__all__ = [
    "ALL",
    "KNOWN_OTHER_REFERENCES",
    "PROTECTED_CHARACTERISTICS",
    "ReportRef",
    "Scheme",
    "format_protected_characteristics",
    "parse_protected_characteristics",
    "parse_report_refs",
    "standards_with",
]


# ---------------------------------------------------------------------------------------------
# Report references
# ---------------------------------------------------------------------------------------------


class Scheme(StrEnum):
    """The reporting scheme a reference belongs to."""

    WRES = "WRES"  # Workforce Race Equality Standard, indicators 1-9
    WDES = "WDES"  # Workforce Disability Equality Standard, metrics 1-3, 4a, 4b, 5-8, 9a, 9b, 10
    HIA = "HIA"  # NHS England EDI Improvement Plan, High Impact Actions 1-6
    GPG = "GPG"  # Gender Pay Gap
    OTHER = "OTHER"  # anything else, kept as free text


#: Other reports recognised by name (case-insensitively, tolerant of a trailing full stop).
KNOWN_OTHER_REFERENCES: tuple[str, ...] = (
    "BAPIO Dignity at Work Report",
    "Sexual Safety Charter 2023",
    "National EDI Plan 2023",
    "Ethnicity Pay Gap",
    "Disability Pay Gap",
    "EDI Improvement Plan",
    "Staff Survey",
)

#: The codes that exist, per numbered scheme. "WDES 4" / "WDES 9" name the whole metric.
_KNOWN_CODES: Final[dict[Scheme, frozenset[str]]] = {
    Scheme.WRES: frozenset(str(n) for n in range(1, 10)),
    Scheme.WDES: frozenset(
        ("1", "2", "3", "4", "4a", "4b", "5", "6", "7", "8", "9", "9a", "9b", "10")
    ),
    Scheme.HIA: frozenset(str(n) for n in range(1, 7)),
}


def standards_with(code: str) -> list[Scheme]:
    """The standards (WRES, WDES) that have an indicator or metric ``code``: "9a" is WDES's
    alone, "5" both's."""
    code = code.replace(" ", "").lower()
    return [s for s in (Scheme.WRES, Scheme.WDES) if code in _KNOWN_CODES[s]]


@dataclass(frozen=True, kw_only=True)
class ReportRef:
    """One report reference of a "Report / Action" cell."""

    scheme: Scheme
    #: "1".."9" (WRES); "1", "2", "3", "4", "4a", "4b", "5".."8", "9", "9a", "9b", "10" (WDES);
    #: "1".."6" (HIA); out-of-range numbers are kept (with known=False). None for GPG, OTHER,
    #: and for a scheme named without a number ("WRES", "WDES metrics").
    code: str | None
    #: The text as written, stripped. A list ("WRES 1, 2 and 3") gives each of its refs the
    #: whole list's text.
    text: str
    #: False for an out-of-range number and for OTHER text not in KNOWN_OTHER_REFERENCES.
    known: bool

    @property
    def label(self) -> str:
        """A canonical short name: "WRES 1", "WDES 4a", "HIA 3", "Gender Pay Gap", ..."""
        if self.scheme is Scheme.GPG:
            return "Gender Pay Gap"
        if self.scheme is Scheme.OTHER:
            if self.known:
                return _canonical_other(self.text) or self.text
            return self.text
        if self.code is None:
            return self.scheme.value
        return f"{self.scheme.value} {self.code}"


# --- Building blocks of the reference patterns ------------------------------------------------

_B = r"(?<![A-Za-z0-9])"  # starts a word (no letter or digit before)
_E = r"(?![A-Za-z0-9])"  # ends a word (no letter or digit after)
_ROMAN = r"(?:iv|i{1,3})"  # sub-part of a metric: "4a i", "4a(ii)", "4aiii"
_SUBPART = rf"\s*(?:\({_ROMAN}\)|{_ROMAN})(?:\s*[-–]\s*(?:\({_ROMAN}\)|{_ROMAN}))?"
#: One indicator / metric / action number: "1", "10", "4a", "4(a)", "4a i", "4a(i)-(iii)".
#: At most two digits (so "2023" is a year, not an indicator), not a decimal ("1.4") and not
#: the "i" of "i.e.".
_NUM = rf"\d{{1,2}}(?:(?:[a-z]|\([a-z]\))(?:{_SUBPART})?)?(?![a-z0-9]|\.[a-z0-9])"
_LIST_SEP = r"(?:\s*(?:[,;/&+]|\band\b))+\s*"  # "1, 2 and 3", "9a/9b", "5, 6 & 8"
_RANGE_SEP = r"\s*(?:[-–—]|\bto\b)\s*"  # "1-3", "1 to 3"
_NUM_LIST = rf"{_NUM}(?:(?:{_LIST_SEP}|{_RANGE_SEP}){_NUM})*"
_JOIN = r"(?:\s*[:#\-–]\s*|\s*)"  # "WRES 1", "WRES1", "WRES: 1", "WRES #1", "WRES - 1"
_QUALIFIER = r"(?:indicators?|inds?\.?|metrics?|nos?\.|numbers?)"  # "WRES indicators 5, 6"
_BARE_QUALIFIER = r"(?:indicators?|metrics?)"  # kept with a scheme named without a number
_NHS = r"(?:NHS\s*England|NHSE|NHS)"


def _numbered(head: str) -> str:
    """A scheme name, optionally followed by a qualifier and a list of numbers."""
    return (
        rf"{_B}(?:{head})"
        rf"(?:(?:\s+{_QUALIFIER})?{_JOIN}(?P<nums>{_NUM_LIST})|\s+{_BARE_QUALIFIER}{_E}|{_E})"
    )


def _named(name: str, suffix: str = "") -> str:
    """A report name, words separated by any whitespace, optional "NHS" prefix, optional '.'."""
    words = r"\s+".join(re.escape(word) for word in name.split())
    return rf"{_B}(?:{_NHS}\s+)?{words}{suffix}{_E}\.?"


@dataclass(frozen=True)
class _RefRule:
    """One kind of reference: its scheme, pattern and, for a named OTHER, canonical name."""

    scheme: Scheme
    regex: re.Pattern[str]
    canonical: str | None = None


def _rule(scheme: Scheme, pattern: str, canonical: str | None = None) -> _RefRule:
    return _RefRule(scheme, re.compile(pattern, re.IGNORECASE), canonical)


#: The reference patterns. The leftmost match in the text wins; at the same position the
#: first rule of this table wins (so "EDI Improvement Plan High Impact Action 3" is an HIA,
#: not the EDI Improvement Plan followed by stray words).
_REF_RULES: Final[tuple[_RefRule, ...]] = (
    # "WRES 1", "WRES1", "WRES indicators 5, 6 & 8", "WRES 1-3", "Workforce Race Equality
    # Standard (WRES) 4", a bare "WRES"
    _rule(
        Scheme.WRES,
        _numbered(r"WRES|Workforce\s+Race\s+Equality\s+Standard(?:\s*\(WRES\))?"),
    ),
    # "WDES 4a", "WDES 4a i", "WDES 4a(ii)", "WDES 9a/9b", "WDES metric 10", a bare "WDES"
    _rule(
        Scheme.WDES,
        _numbered(r"WDES|Workforce\s+Disability\s+Equality\s+Standard(?:\s*\(WDES\))?"),
    ),
    # "HIA 3", "HIA3", "High Impact Action 3", "High Impact Actions 1-6", "NHS England EDI
    # Improvement Plan High Impact Action 3", "EDI Improvement Plan: HIA 2"
    _rule(
        Scheme.HIA,
        _numbered(
            rf"(?:{_NHS}\s*[:\-–]?\s*)?(?:EDI\s+Improvement\s+Plan\s*[:\-–]?\s*)?"
            r"(?:High\s+Impact\s+Actions?|HIAs?)"
        ),
    ),
    # "Gender Pay Gap", "gender pay gap report", "GPG"
    _rule(
        Scheme.GPG,
        rf"{_B}(?:Gender\s+Pay\s+Gap(?:\s+report(?:ing)?)?(?:\s*\(GPG\))?|GPG){_E}\.?",
    ),
    # The known other reports, longest name first; a pay gap may be followed by "report"
    *(
        _rule(
            Scheme.OTHER,
            _named(name, r"(?:\s+report(?:ing)?)?" if name.endswith("Pay Gap") else ""),
            canonical=name,
        )
        for name in sorted(KNOWN_OTHER_REFERENCES, key=len, reverse=True)
    ),
)

#: Splits a number list into numbers and range dashes.
_NUM_TOKEN: Final = re.compile(rf"(?P<num>{_NUM})|(?P<range>{_RANGE_SEP})", re.IGNORECASE)
#: The parts of one number that make its code: digits and an optional letter ("4(a) ii" -> 4a).
_NUM_PARTS: Final = re.compile(r"(?P<digits>\d{1,2})\(?(?P<letter>[a-z])?", re.IGNORECASE)

#: Free text between references: one OTHER ref per stretch, stretches split at ";" and newlines.
_FREE_SPLIT: Final = re.compile(r"[;\r\n]+")
#: Separators and stray punctuation trimmed off the start / end of a stretch of free text.
#: A trailing full stop is kept ("Charter 2023."): it belongs to the words as written.
_FREE_LEAD: Final = re.compile(r"^(?:[\s,;/&+|•·*.:)\]\-–—]|and(?![A-Za-z0-9]))+", re.IGNORECASE)
_FREE_TRAIL: Final = re.compile(r"(?:[\s,;/&+|•·*(\[:\-–—]|(?<![A-Za-z0-9])and)+$", re.IGNORECASE)
_HAS_WORD: Final = re.compile(r"[^\W_]")


def _as_text(value: object) -> str:
    """A cell value as text; None, NaN and blanks are empty ("" not None, and untrimmed unlike
    :func:`~edi_xl.core.text.cell_text`: the parsers keep positions in the text as written)."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return value if isinstance(value, str) else str(value)


def _canonical_other(text: str) -> str | None:
    """The canonical spelling of a known other reference written as ``text``, if it is one."""
    for rule in _REF_RULES:
        if rule.canonical is not None and rule.regex.fullmatch(text.strip()):
            return rule.canonical
    return None


def _codes(nums: str) -> list[str]:
    """The codes of a number list, in order, ranges expanded: "1, 2 and 4-6" -> 1, 2, 4, 5, 6.

    A range expands only between plain numbers: "9a-9b" is just 9a and 9b.
    """
    out: list[str] = []
    in_range = False
    for token in _NUM_TOKEN.finditer(nums):
        if token.group("range") is not None:
            in_range = True
            continue
        parts = _NUM_PARTS.match(token.group("num"))
        assert parts is not None  # _NUM starts with the digits _NUM_PARTS reads
        number = int(parts.group("digits"))
        letter = (parts.group("letter") or "").lower()
        if in_range and out and out[-1].isdigit() and not letter:
            out.extend(str(n) for n in range(int(out[-1]) + 1, number))
        out.append(f"{number}{letter}")
        in_range = False
    return out


def _scheme_refs(rule: _RefRule, match: re.Match[str]) -> list[ReportRef]:
    text = match.group().strip()
    if rule.scheme is Scheme.GPG:
        return [made(ReportRef, scheme=Scheme.GPG, code=None, text=text, known=True)]
    if rule.scheme is Scheme.OTHER:
        return [made(ReportRef, scheme=Scheme.OTHER, code=None, text=text, known=True)]
    nums = match.group("nums")
    if nums is None:  # the scheme without a number: "WRES", "WDES metrics"
        return [made(ReportRef, scheme=rule.scheme, code=None, text=text, known=True)]
    refs = []
    for code in _codes(nums):
        if rule.scheme is Scheme.HIA:  # "HIA 2b" (a success metric of action 2) -> HIA 2
            code = code.rstrip(string.ascii_lowercase)
        known = code in _KNOWN_CODES[rule.scheme]
        refs.append(made(ReportRef, scheme=rule.scheme, code=code, text=text, known=known))
    return refs


def _free_refs(stretch: str) -> list[ReportRef]:
    """Free text between references: OTHER refs, separators and stray punctuation trimmed."""
    refs = []
    for piece in _FREE_SPLIT.split(stretch):
        piece = _FREE_TRAIL.sub("", _FREE_LEAD.sub("", piece))
        if _HAS_WORD.search(piece):
            refs.append(made(ReportRef, scheme=Scheme.OTHER, code=None, text=piece, known=False))
    return refs


def _find_refs(text: str) -> Iterator[tuple[_RefRule, re.Match[str]]]:
    """The references in ``text``, left to right, not overlapping.

    The leftmost match wins; at the same position, the first rule of the table. Each rule's
    next match is remembered and searched again only once the scan has passed its start, so
    a long cell costs a linear number of searches per rule, not a quadratic one.
    """
    pending: list[re.Match[str] | None] = [rule.regex.search(text) for rule in _REF_RULES]
    pos = 0
    while True:
        best: tuple[_RefRule, re.Match[str]] | None = None
        for i, rule in enumerate(_REF_RULES):
            match = pending[i]
            if match is not None and match.start() < pos:
                match = pending[i] = rule.regex.search(text, pos)
            if match is not None and (best is None or match.start() < best[1].start()):
                best = (rule, match)
        if best is None:
            return
        yield best
        pos = best[1].end()


def _words(text: str) -> set[str]:
    return {word.casefold() for word in re.findall(r"\w+", text)}


def parse_report_refs(text: object) -> list[ReportRef]:
    """The report references of a "Report / Action" cell, in order, duplicates removed.

    ``"WRES 1 Gender Pay Gap WDES 1"`` -> WRES 1, Gender Pay Gap, WDES 1. Lists and ranges
    expand ("WRES 1, 2 and 3", "WRES 1-3", "WDES 9a/9b"); free text between references becomes
    OTHER refs (known=False), so every word written ends up in some ref's text.
    """
    source = _as_text(text)
    refs: list[ReportRef] = []
    pos = 0
    for rule, match in _find_refs(source):
        refs.extend(_free_refs(source[pos : match.start()]))
        refs.extend(_scheme_refs(rule, match))
        pos = match.end()
    refs.extend(_free_refs(source[pos:]))

    seen: dict[tuple[Scheme, str | None, str], int] = {}  # key -> its place in unique
    unique: list[ReportRef] = []
    for ref in refs:
        key = (ref.scheme, ref.code, ref.label.casefold())
        if key in seen:  # the same reference again: no word written is dropped with it
            kept = unique[seen[key]]
            if _words(ref.text) <= _words(kept.text) | _words(kept.label):
                continue  # "GPG Gender Pay Gap", "WRES 1-3 WRES 2": nothing new
            if _words(kept.text) <= _words(ref.text):
                unique[seen[key]] = ref  # "HIA 3 ... NHS HIA 3": the fuller writing
                continue
            # written two ways that neither holds the other: this one is kept as free text
            ref = made(ReportRef, scheme=Scheme.OTHER, code=None, text=ref.text, known=False)
            key = (ref.scheme, ref.code, ref.label.casefold())
            if key in seen:
                continue
        seen[key] = len(unique)
        unique.append(ref)
    return unique


# ---------------------------------------------------------------------------------------------
# Protected characteristics
# ---------------------------------------------------------------------------------------------

#: The Equality Act 2010 protected characteristics, canonical spelling.
PROTECTED_CHARACTERISTICS: tuple[str, ...] = (
    "Age",
    "Disability",
    "Gender reassignment",
    "Marriage and civil partnership",
    "Pregnancy and maternity",
    "Race",
    "Religion or belief",
    "Sex",
    "Sexual orientation",
)
#: "All (protected characteristics)", as these plans write it.
ALL = "All"

_AND = r"\s*(?:and|&|/|\+)\s*"  # "Pregnancy and maternity", "Religion & Belief"

#: (pattern, canonical name) - the leftmost match wins; at the same position the first row
#: wins, so the longer names come before the words they start with ("Gender reassignment"
#: before "Gender", "Sexual orientation" before "Sex"). None: not a characteristic, but one
#: fragment as written (so "N/A" is not split at its slash).
_PC_TABLE: Final[tuple[tuple[str, str | None], ...]] = (
    (r"All(?:\s+(?:protected\s+)?characteristics|\s+PCs?)?", ALL),
    # "Gender reassignment", "Gender re-assignment", "Gender identity", "Trans", "Transgender"
    (r"Gender[\s\-]*re-?assignment|Gender\s+identity|Trans(?:gender)?", "Gender reassignment"),
    # "Marriage and civil partnership", "Marriage", "Civil partnership(s)"
    (
        rf"Marriage(?:{_AND}civil\s+partnerships?)?|Civil\s+partnerships?",
        "Marriage and civil partnership",
    ),
    # "Pregnancy and maternity", "Pregnancy", "Maternity"
    (rf"Pregnancy(?:{_AND}maternity)?|Maternity", "Pregnancy and maternity"),
    # "Religion or belief", "Religion and belief", "Religion & Belief", "Religion ad Belief"
    # (a typo in seed 000), "Religion", "Belief", "Faith"
    (r"Religion(?:\s*(?:or|and|ad|&|/)\s*belief)?|Belief|Faith", "Religion or belief"),
    # "Sexual orientation", "Sexuality", "LGBT", "LGB", "LGBT+", "LGBTQ+", "LGBTQIA+"
    (r"Sexual\s+orientation|Sexuality|LGBT[QIA]*\+?|LGB\+?", "Sexual orientation"),
    # "Race", "BAME", "BME", "Ethnicity", "Ethnic", "Ethnic origin", "Ethnic minority"
    (r"Race|BAME|BME|Ethnicity|Ethnic(?:\s+(?:origin|minority|minorities))?", "Race"),
    # "Disability", "Disabilities", "Disabled"
    (r"Disabilit(?:y|ies)|Disabled", "Disability"),
    (r"Age", "Age"),
    # "Sex", "Gender" (after "Gender reassignment" / "Gender identity" above)
    (r"Sex|Gender", "Sex"),
    # Not a characteristic, kept whole as an unknown fragment
    (r"N/A|Not\s+applicable", None),
)
_PC_REGEX: Final = re.compile(
    "|".join(
        rf"{_B}(?P<pc{i}>{pattern})(?![A-Za-z0-9])" for i, (pattern, _) in enumerate(_PC_TABLE)
    ),
    re.IGNORECASE,
)
#: Separators between characteristics that also split unknown text (spaces do not: the words
#: between two recognised names stay one fragment, as written).
_PC_SPLIT: Final = re.compile(r"[,;/&+\r\n]+|(?<![A-Za-z0-9])and(?![A-Za-z0-9])", re.IGNORECASE)
_PC_STRIP: Final = " \t\r\n.:()[]-–—*•·|\"'"


def parse_protected_characteristics(text: object) -> tuple[list[str], list[str]]:
    """The characteristics of a "Protected Characteristic" cell.

    Returns (known canonical names in order of appearance - possibly "All" - without
    duplicates; unknown fragments as written). ``"All Race Disability"`` ->
    (["All", "Race", "Disability"], []).
    """
    source = _as_text(text)
    known: list[str] = []
    unknown: list[str] = []

    def add_unknown(stretch: str) -> None:
        for piece in _PC_SPLIT.split(stretch):
            piece = piece.strip(_PC_STRIP)
            if _HAS_WORD.search(piece) and piece.casefold() not in {u.casefold() for u in unknown}:
                unknown.append(piece)

    pos = 0
    for match in _PC_REGEX.finditer(source):
        add_unknown(source[pos : match.start()])
        pos = match.end()
        assert match.lastgroup is not None
        name = _PC_TABLE[int(match.lastgroup[2:])][1]
        if name is None:
            if match.group().casefold() not in {u.casefold() for u in unknown}:
                unknown.append(match.group())
        elif name not in known:
            known.append(name)
    add_unknown(source[pos:])
    return known, unknown


def format_protected_characteristics(names: list[str]) -> str:
    """Characteristics as one cell: ``["Race", "Disability"]`` -> ``"Race, Disability"``."""
    return ", ".join(names)
