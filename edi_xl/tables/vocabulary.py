"""Column headers matched by meaning, not spelling.

People rename, re-wrap and mistype headers ("Action (think SMART)", "Action\nOwner",
"LACTION (TRINK SMARL)" from a scanned print, "RAG", "By when"). A header is normalised
(case, spaces, line breaks, punctuation and bracketed asides dropped), then looked up in the
synonym table, then fuzzy-matched against it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from difflib import SequenceMatcher
from functools import lru_cache

from edi_xl.core.rounds import is_update_header

#: field -> header texts meaning it, already normalised. Order inside a tuple does not matter.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "id": (
        "#",
        "no",
        "number",
        "ref",
        "reference no",
        "ref no",
        "id",
        "action id",
        "action no",
        "action number",
        "action ref",
        "action reference",
        "item",
        "item no",
    ),
    "theme": (
        "milestone",
        "theme",
        "area",
        "workstream",
        "priority area",
        "section",
        "objective",
        "objectives",
        "aim",
        "goal",
        "strategic aim",
        "strategic objective",
        "focus area",
    ),
    "action": (
        "action",
        "actions",
        "action think smart",
        "smart action",
        "action description",
        "action to be taken",
        "actions to be taken",
        "action required",
        "actions required",
        "planned action",
        "planned actions",
        "proposed action",
        "proposed actions",
        "key actions",
        "what we will do",
        "what will we do",
        "activity",
        "activities",
    ),
    #: a column naming the WRES indicator / WDES metric ("1", "4a", "Metric 2"): references
    "indicator": (
        "indicator",
        "indicators",
        "metric",
        "metrics",
        "wres indicator",
        "wres metric",
        "wdes metric",
        "wdes indicator",
        "indicator no",
        "metric no",
        "wres wdes indicator",
        "wres wdes metric",
    ),
    "references": (
        "report action",
        "report",
        "report reference",
        "report references",
        "reference",
        "references",
        "link to report",
        "standard",
        "wres wdes reference",
    ),
    "characteristics": (
        "protected characteristic",
        "protected characteristics",
        "characteristic",
        "characteristics",
        "pc",
        "pcs",
    ),
    "owner": (
        "action owner",
        "owner",
        "lead",
        "responsibility",
        "responsible",
        "responsible lead",
        "lead officer",
        "accountable lead",
        "executive lead",
        "exec lead",
        "accountable",
        "accountable people team",
        "accountable person",
        "lead responsible",
        "leads",
        "lead person",
        "responsible person",
        "responsible officer",
        "who",
    ),
    "start": ("start date", "start", "date started", "commenced"),
    "due": (
        "due date",
        "due",
        "target date",
        "deadline",
        "by when",
        "timescale",
        "timescales",
        "completion date",
        "target completion date",
        "date due",
        "end date",
        "date",
        "time frame",
        "timeframe",
        "timeframes",
        "when",
        "date for completion",
        "completion by",
    ),
    "status": (
        "status",
        "rag",
        "rag status",
        "current status",
        "rag rating",
        "progress rag",
        "rag progress",
        # BRAG (Blue-Red-Amber-Green), the NHS's usual name for a RAG with Blue for complete;
        # "B-RAG", "B/RAG" normalise to "b rag"
        "brag",
        "b rag",
        "brag status",
        "b rag status",
        "brag rating",
        "b rag rating",
        "current brag",
        "progress brag",
        "brag progress",
    ),
    "update": (
        "update",
        "updates",
        "progress",
        "progress update",
        "latest update",
        "comments",
        "comment",
        "progress to date",
        "current update",
    ),
    "overdue": ("overdue",),
    "days_overdue": ("days overdue",),
    "problems": ("problems", "data problems"),
}

#: Headers of the tools plans are exported from (Smartsheet, MS Project, Planner) and of
#: trusts' own trackers, read only where a plan is imported (the general table): a master's
#: and a return's columns are read by :data:`SYNONYMS` alone.
SOURCE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "action": ("task name", "task", "tasks", "task description"),
    "owner": ("assigned to", "assignee", "assigned"),
    # (MS Project's and Smartsheet's "Finish"; a tracker's "Complete by": when it is due)
    "due": ("finish", "finish date", "deliver by", "complete by", "to be completed by"),
}

#: Headers in other words than a field's usual ones, each read exactly (no near misses:
#: "Project title" is no "Project lead", "Action plan" no "Action lead", "Completion stage"
#: no "Completion status"), and a field's only where no column of the table says it in
#: the usual words: of two, the usual words' column is the field's and the other is kept
#: (:func:`is_other_words`). In a master, a trust's own "Overall status" or "Project lead"
#: left of the plan's "Status" or "Action Owner" stays theirs; in a plan that has no
#: other, "Action Lead" and "SRO" name the owner, "Progress status" the status (helper-136
#: found the first version of these, read as usual words, taking a trust's own column).
OTHER_WORDS: dict[str, tuple[str, ...]] = {
    "id": ("ref #", "ref#"),
    "owner": (
        # the lead who does the work
        "action lead",
        "action leads",
        "operational lead",
        "operational leads",
        "project lead",
        "project leads",
        "delivery lead",
        "delivery leads",
        "workstream lead",
        "theme lead",
        "theme leads",
        "named lead",
        "named leads",
        "lead name",
        "lead names",
        "lead for action",
        # the executive over the action: its owner when the plan names no working lead
        # (beside one, the lead is: engine.names_an_executive)
        "sro",
        "senior responsible owner",
        "executive sponsor",
        "exec sponsor",
        "executive owner",
        "lead director",
        "responsible director",
        "accountable director",
    ),
    # not a due date ("Completion date"), nor the update ("Progress")
    "status": (
        "completion status",
        "progress status",
        "delivery status",
        "overall status",
        "action status",
        "overall rag",
        "current rag status",
    ),
    "update": ("progress made",),  # (a near miss of "Progress RAG" before)
    # the NHS EDI Improvement Plan's six High Impact Actions an action serves ("HIA 2"): its
    # report references, not the action (a "High Impact Action" column left of "Action" was
    # the action, the plan's own kept aside)
    "references": (
        "high impact action",
        "high impact actions",
        "hia",
        "hias",
        "hia no",
        "hia ref",
        "link to hia",
        "hia link",
    ),
    # the action, as an audit's or a tracker's plan heads it ("Action plan" was a near miss
    # of "Action no": the numbers, and a plan so headed had no action column at all;
    # "Response" one of "Responsible": the owner)
    "action": (
        "action plan",
        "action plans",
        "action point",
        "action points",
        "agreed action",
        "agreed actions",
        "recommended action",
        "recommended actions",
        "improvement action",
        "improvement actions",
        "response",
        "responses",
        "management response",
    ),
}

_LOOKUP = {syn: fld for fld, syns in (*SYNONYMS.items(), *OTHER_WORDS.items()) for syn in syns}
_OTHER_WORDS = frozenset(syn for syns in OTHER_WORDS.values() for syn in syns)
_SOURCE_LOOKUP = {syn: fld for fld, syns in SOURCE_SYNONYMS.items() for syn in syns}
_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_NON_WORD = re.compile(r"[^a-z0-9#]+")
FUZZY_THRESHOLD = 0.8


def normalise_header(text: object) -> str:
    """``"Action (think SMART)" -> "action"``; ``"Action\\nOwner" -> "action owner"``."""
    if text is None:
        return ""
    s = str(text).lower().replace("&", " and ")
    s = _BRACKETS.sub(" ", s)
    s = _NON_WORD.sub(" ", s)
    return " ".join(s.split())


def match_header(text: object) -> str | None:
    """The field a header means, or None. Dated update headers give ``"update"``."""
    if not isinstance(text, str) or len(text) > 120:
        return None
    return _match_header(text)


def match_source_header(text: object) -> str | None:
    """The field an imported plan's header means by :data:`SOURCE_SYNONYMS`, or None."""
    if not isinstance(text, str) or len(text) > 120:
        return None
    return _SOURCE_LOOKUP.get(normalise_header(text))


def is_other_words(text: object) -> bool:
    """Whether a header that :func:`match_header` gives a field says it in
    :data:`OTHER_WORDS`, or only nearly says a synonym (a typo, or another header that is
    like one): a column of the field headed in its usual words is the field's before it."""
    if not isinstance(text, str) or is_update_header(text):
        return False
    key = normalise_header(text)
    return key in _OTHER_WORDS or key not in _LOOKUP


@lru_cache(maxsize=65536)  # every text cell of a big plan is asked about, often twice
def _match_header(text: str) -> str | None:
    if is_update_header(text):
        return "update"
    key = normalise_header(text)
    if not key or len(key) > 60:
        return None
    if key in _LOOKUP:
        return _LOOKUP[key]
    if key in _WORDS_OF_THEIR_OWN:
        return None
    return _fuzzy(key)


def _fuzzy(key: str) -> str | None:
    """The closest synonym's field, when it is close enough (typos, OCR slips)."""
    if len(key) > _FUZZY_MAX_KEY:  # longer than any synonym can match: most data cells
        return None
    # ratio() is 2 * matches / (sum of the lengths), and a match is a character of the key
    # that is in some synonym: an id such as "9 4274" matches at most its one space.
    # Synonyms of a length that cannot reach the bar are skipped before any comparison.
    shared = sum(1 for ch in key if ch in _FUZZY_ALPHABET)
    candidates = sorted(
        entry
        for length, entries in _FUZZY_BY_LENGTH.items()
        if 2 * min(length, shared) / (length + len(key)) >= FUZZY_THRESHOLD
        for entry in entries
    )
    return closest(key, ((syn, fld) for _, syn, fld in candidates))  # in the table's order


def closest(
    key: str, candidates: Iterable[tuple[str, str]], threshold: float = FUZZY_THRESHOLD
) -> str | None:
    """The field of the ``(phrase, field)`` candidate most like ``key`` (difflib ratio, at
    least ``threshold``); the first of equally close candidates wins."""
    best, best_ratio = None, 0.0
    matcher: SequenceMatcher[str] | None = None
    for phrase, fld in candidates:
        # ratio() is at most 2*min/(sum) of the lengths: a phrase that cannot reach the bar
        # is skipped before the costly comparison.
        if 2 * min(len(phrase), len(key)) / (len(phrase) + len(key)) < threshold:
            continue
        if matcher is None:
            matcher = SequenceMatcher(None, b=key)
        matcher.set_seq1(phrase)  # a=phrase, b=key
        if matcher.quick_ratio() < threshold:
            continue
        ratio = matcher.ratio()
        if ratio > best_ratio:
            best, best_ratio = fld, ratio
    return best if best_ratio >= threshold else None


#: Headers that are words of their own, no slip of a synonym they are as close to as a typo
#: would be: a "State" column (a US state, a state of play) is no "Start" date (helper-126:
#: it was read as the Start Date of the plan), "Stats" no Status, a "Completed date" (when it
#: was done) no "Completion date". ("Project team" is no "Project lead": other words are
#: not fuzzed.)
_WORDS_OF_THEIR_OWN = frozenset({"state", "states", "stats", "completed date"})
#: Synonyms of four letters or more that are not fuzzed either: one letter from a word that
#: is no header ("bag", "bra").
_NOT_FUZZED = frozenset({"brag"}) | _OTHER_WORDS
#: The synonyms fuzzy matching compares with ("#", "no", "rag": too short to fuzz safely),
#: in the table's order (the first of equally close synonyms wins), and their characters.
_FUZZY_SYNONYMS = tuple(
    (syn, fld) for syn, fld in _LOOKUP.items() if len(syn) >= 4 and syn not in _NOT_FUZZED
)
_FUZZY_ALPHABET = frozenset("".join(syn for syn, _ in _FUZZY_SYNONYMS))
#: length -> (place in the table, synonym, field) of the synonyms of that length
_FUZZY_BY_LENGTH: dict[int, list[tuple[int, str, str]]] = {
    n: [(i, syn, fld) for i, (syn, fld) in enumerate(_FUZZY_SYNONYMS) if len(syn) == n]
    for n in sorted({len(syn) for syn, _ in _FUZZY_SYNONYMS})
}

#: ratio() <= 2*min/(sum) of the lengths, so a key longer than this matches no synonym.
_FUZZY_MAX_KEY = int(
    max(len(s) for s in _LOOKUP if len(s) >= 4) * (2 - FUZZY_THRESHOLD) / FUZZY_THRESHOLD
)
