"""Layout 004: a combined WRES and WDES action plan.

``Indicator | Performance | Action to be taken | WRES | WDES | Other PCs | Responsibility |
Timescale``. The indicator and performance cells are written on the first row of a group;
below, "As above" or a blank means the same as above. The indicator is the theme (groups are
numbered in order: 1.1, 1.2, ... 2.1); the report references are the WRES indicators and WDES
metrics it names, kept for the standards flagged "Yes" (a standard flagged with none named is
referenced as a whole: "WRES"; an indicator the cell names without its standard, "Indicator
2", is of the standard flagged, WRES's when both are); the flags give the protected
characteristics: WRES -> Race, WDES -> Disability, Other PCs -> All. The flags and Performance
are kept as extra columns; Timescale ("January 2024", "Business as usual") is the due date.
"""

from __future__ import annotations

from edi_xl.core.references import Scheme, format_protected_characteristics, parse_report_refs
from edi_xl.tables.layouts.general import refs_in
from edi_xl.tables.layouts.reading import LayoutSpec
from edi_xl.tables.layouts.tables import COMMON_FIELDS, Signature, Vocabulary

NAME = "wres-wdes"
DESCRIPTION = (
    "Combined WRES and WDES plan (Indicator | Performance | Action | WRES | WDES | Other PCs | "
    "Responsibility | Timescale)"
)

VOCABULARY = Vocabulary.of(
    [
        ("wres", "wres | wres yes no | race | wres applies"),
        ("wdes", "wdes | wdes yes no | disability | wdes applies"),
        ("other", "other pcs | other pc | other protected characteristics | other characteristics"),
        (
            "theme",
            "indicator | indicators | wres wdes indicator | metric | metrics | +indicator | "
            "+indicators",
        ),
        ("performance", "performance | current performance | data | +performance"),
    ],
    shared=COMMON_FIELDS,
)

SIGNATURE = Signature(
    vocabulary=VOCABULARY,
    key_fields=("theme", "performance", "action", "wres", "wdes", "other", "owner", "due"),
    required=("action",),
    any_of=(("wres", "wdes", "other"),),
    min_fields=4,
)

_FLAG_SCHEMES = (("wres", Scheme.WRES, "Race"), ("wdes", Scheme.WDES, "Disability"))


def is_yes(value: str | None) -> bool:
    return bool(value) and (value or "").strip().lower().rstrip(".") in ("yes", "y", "true", "x")


def _refs(values: dict[str, str | None]) -> tuple[str | None, str | None]:
    refs = [r for r in parse_report_refs(values.get("theme")) if r.scheme is not Scheme.OTHER]
    if not refs:  # "Indicator 2": of the standard the row flags (both: WRES's indicator 2)
        flagged = {scheme for fld, scheme, _ in _FLAG_SCHEMES if is_yes(values.get(fld))}
        refs = [r for r in refs_in(values.get("theme"), flagged) if r.scheme is not Scheme.OTHER]
    labels: list[str] = []
    pcs: list[str] = ["All"] if is_yes(values.get("other")) else []
    for fld, scheme, pc in _FLAG_SCHEMES:
        if fld not in values:  # no such column: keep what the indicator names
            labels += [r.label for r in refs if r.scheme is scheme]
            continue
        if not is_yes(values.get(fld)):
            continue
        pcs.append(pc)
        named = [r.label for r in refs if r.scheme is scheme]
        labels += named or [scheme.value]
    labels += [r.label for r in refs if r.scheme not in (Scheme.WRES, Scheme.WDES)]
    unique = list(dict.fromkeys(labels))
    refs_text = ", ".join(unique) if unique else None
    return refs_text, (format_protected_characteristics(pcs) if pcs else None)


SPEC = LayoutSpec(
    name=NAME,
    signature=SIGNATURE,
    carry_down=("theme", "performance"),
    refs=_refs,
    theme_number=lambda _: None,
)


detect = SPEC.detect
read_detail = SPEC.read_detail
read = SPEC.read
