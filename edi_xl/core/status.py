"""RAG status: the four colours and the words people write for them."""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache


class RAG(StrEnum):
    """The RAG key of the NHS England EDI Improvement Plan."""

    GREEN = "Green"  # on track
    AMBER = "Amber"  # risks to timescales / delivery
    RED = "Red"  # exceeded timescales
    BLUE = "Blue"  # complete, with evidence


#: The words written into the Status column for each colour unless the Settings sheet says
#: otherwise. These are also the choices of the Status dropdown.
DEFAULT_STATUS_WORDS: dict[RAG, str] = {
    RAG.GREEN: "On Track",
    RAG.AMBER: "At Risk",
    RAG.RED: "Exceeded Timescales",
    RAG.BLUE: "Complete",
}

#: What the colours mean, for the Settings sheet and owner instructions.
RAG_MEANING: dict[RAG, str] = {
    RAG.GREEN: "On track",
    RAG.AMBER: "At risk: risks to timescales or delivery",
    RAG.RED: "Exceeded timescales",
    RAG.BLUE: "Complete, with evidence",
}

# Words read as each colour, compared after lower-casing and squeezing spaces/punctuation.
_WORDS: dict[RAG, tuple[str, ...]] = {
    RAG.GREEN: ("g", "green", "on track", "ontrack", "on target", "on schedule"),
    RAG.AMBER: (
        "a",
        "amber",
        "yellow",  # Smartsheet's RAG symbols: Red, Yellow, Green
        "at risk",
        "risk",
        "delayed",
        "behind schedule",
        "behind",
        "not started",
        "risks to timescales",
        "risks to timescales/delivery",
        "risks to timescales delivery",
        "slipping",
    ),
    RAG.RED: (
        "r",
        "red",
        "overdue",
        "exceeded timescales",
        "exceeded timescale",
        "exceeded",
        "off track",
        "late",
    ),
    RAG.BLUE: (
        "b",
        "blue",
        "complete",
        "completed",
        "done",
        "complete with evidence",
        "completed with evidence",
        "closed",
        "finished",
        "achieved",
        "fully achieved",
        "delivered",
    ),
}
_LOOKUP: dict[str, RAG] = {word: rag for rag, words in _WORDS.items() for word in words}
_SQUEEZE = re.compile(r"[\s\-_/]+")


@lru_cache(maxsize=4096)  # a plan's statuses are a few words, read thousands of times
def _normalise(text: str) -> str:
    text = text.strip().strip(".!").lower()
    text = text.replace("–", "-").replace("—", "-")
    # "Green - on track" / "Blue (complete)": the colour word before a dash or bracket decides.
    return _SQUEEZE.sub(" ", text).strip()


def parse_status(value: object, words: dict[RAG, str] | None = None) -> RAG | None:
    """The colour a status cell means, or None when it is empty or not a status word.

    ``words`` are the trust's own words from the Settings sheet; they are recognised too.
    """
    if value is None or not isinstance(value, str):
        return None
    value = _without_label(value)
    key = _normalise(value)
    if not key:
        return None
    if words:
        for rag, word in words.items():
            if key == _normalise(word):
                return rag
    if key in _LOOKUP:
        return _LOOKUP[key]
    # "Complete - evidence on file", "On track: meeting held": a status word, then why
    said = _WORD_THEN_WHY.match(value.strip().lower())
    word = _normalise(said.group(1)) if said is not None else ""
    if (
        word not in _COLOURS
        and (said_rag := _LOOKUP.get(word)) is not None
        and not _HEDGED.search(value.strip().lower()[said.end(1) :] if said else "")
    ):
        return said_rag
    if (letter := _LETTER_THEN_WHY.match(value)) is not None:  # "G - On track", "B: done"
        rag, why = _LOOKUP[letter.group(1).lower()], value[letter.end() :]
        said_rag = parse_status(why, words)
        # the colour's own words ("A - not started"), or why: a Complete taken back ("B -
        # partially") or a colour said not to be ("G - not on track") is for a person to say,
        # an Amber or Red's reason is not ("A - awaiting funding", "R - no budget yet")
        negated = re.match(r"(?:not|no)\s+(.+)", why.strip(), re.I | re.S)
        if said_rag is rag or (
            said_rag is None
            and "?" not in why
            and _normalise(why) not in ("no", "n", "n a", "na", "not", "tbc", "tbd")
            and not (rag is RAG.BLUE and _HEDGED.search(why.lower()))
            and not (negated and parse_status(negated.group(1), words) is not None)
        ):
            return rag
        return None  # ("G - delayed", "B - not yet": which one is for a person to say)
    for rag in RAG:  # "Green - On track", "Blue (complete with evidence)"
        colour = rag.value.lower()
        if re.fullmatch(rf"{colour}\b[\s(:\-].*", key):
            following = key[len(colour) :].lstrip(" (:-").split(maxsplit=1)
            if following and following[0].strip("),.;:") in _OTHER_COLOURS[rag]:
                return None  # "Green/Amber": two colours, which one is not for us to say
            return rag
    return None


def status_remark(value: object, words: dict[RAG, str] | None = None) -> str | None:
    """The words of a Status cell after its colour that say more than the colour ("Amber:
    slipped to May because of staffing" -> "slipped to May because of staffing"); None when
    there are none, or they only name the colour again ("Green - on track", "Blue (complete
    with evidence)"), or the cell is no status."""
    if not isinstance(value, str):
        return None
    value = _without_label(value)
    rag = parse_status(value, words)
    if rag is None:
        return None
    key = _normalise(value)
    if key in _LOOKUP or any(key == _normalise(w) for w in (words or {}).values()):
        return None
    said = _WORD_THEN_WHY.match(value.strip().lower())
    letter = _LETTER_THEN_WHY.match(value)
    lead = (
        re.escape(said.group(1))
        if said is not None
        else letter.group(1)
        if letter is not None
        else rag.value
    )
    m = re.match(rf"\s*{lead}\b[\s(:\-\u2013\u2014.,;/]*(.*)$", value, re.I | re.S)
    rest = m.group(1).strip().rstrip(")").strip() if m else ""
    if not rest or parse_status(rest, words) is rag:
        return None
    if said is not None and _LOOKUP.get(_normalise(f"{said.group(1)} {rest}")) is rag:
        return None  # "Complete (with evidence)": one status phrase written in two parts
    return rest


#: Status phrases an owner writes in a return's Status cell with more words after a space
#: alone ("delayed to March", "on track for June", "behind schedule due to staffing"): the
#: phrase is the status, the words after it a remark (:func:`status_in_words`). Not the
#: Complete words ("complete by May" is not complete), nor a word that starts other words
#: ("risk assessment done", "behind the scenes", "late start").
_PHRASES_THEN_WORDS: dict[RAG, tuple[str, ...]] = {
    RAG.GREEN: ("on track", "on target", "on schedule"),
    RAG.AMBER: ("at risk", "delayed", "behind schedule", "slipping", "not started"),
    RAG.RED: ("overdue", "off track", "exceeded timescales"),
}

#: Words after a status phrase that make it more than the status and why: another state
#: ("on track to be delayed", "overdue now complete", "delayed now back on track", "at risk
#: resolved"), or a condition ("on track if funding agreed", "on track hopefully"). The
#: cell is then for a person (helper-168).
_MORE_THAN_WHY = re.compile(
    r"\b(?:delay\w*|late\w*|overdue|slip\w*|miss\w*|behind|risks?|complet\w*|done|closed|"
    r"resolved|mitigated|achieved|finished|track|target|schedule|started|green|amber|red|"
    r"blue|now|previously|was|were|last|back|if|unless|subject|assuming|hopefully|possibly|"
    r"probably|likely|might|should|could|depending|depends)\b"  # (not "may": the month)
)


def status_in_words(
    value: object, words: dict[RAG, str] | None = None
) -> tuple[RAG, str | None] | None:
    """A return's Status cell that :func:`parse_status` does not read, written as a status
    phrase and why after a space alone: (its colour, the why: "to March" of "delayed to
    March"; None when the why only names the colour again); None for any other. The phrases
    are the trust's words for Green, Amber and Red on Settings (``words``: "Delayed", the
    trust's Red, is Red), then :data:`_PHRASES_THEN_WORDS`, hyphens read as spaces
    ("at-risk due to staffing"). The why must be only that: words that take the status back
    ("on track but tight"), name another state or a condition (:data:`_MORE_THAN_WHY`: "on
    track to be delayed", "overdue now complete", "on track if funding agreed") leave the
    cell for a person. Read only where the cell is known to be the Status (a return's),
    never to find a Status column: an update column's "On track for March; meeting held" is
    no status column (helper-165: "delayed to March" was an invalid status, the action left
    On Track)."""
    if not isinstance(value, str) or parse_status(value, words) is not None:
        return None
    text = " ".join(_without_label(value).split())
    trusts = {_normalise(w): rag for rag, w in (words or {}).items() if rag is not RAG.BLUE}
    phrases: list[tuple[str, RAG]] = [*trusts.items()]
    phrases += [(phrase, rag) for rag, group in _PHRASES_THEN_WORDS.items() for phrase in group]
    for phrase, rag in phrases:
        pattern = r"[\s\-_/]+".join(map(re.escape, phrase.split()))
        said = re.match(rf"{pattern}\s+(?=\S)", text, re.I) if phrase else None
        if said is None:
            continue
        rag = trusts.get(phrase, rag)  # (the trust's own word for it decides its colour)
        why = text[said.end() :]
        if _HEDGED.search(why.lower()) or _MORE_THAN_WHY.search(why.lower()):
            return None
        again = parse_status(why, words)
        if again is not None:  # "on track g": the colour again, or another's: a person's
            return (rag, None) if again is rag else None
        return rag, why
    return None


#: A label written before the status word, as a form says it ("RAG: Amber", "BRAG: A",
#: "Status: Green", "RAG status - Red"): the word after it is the status.
_LABEL = re.compile(
    r"^\s*(?:b?rag|status|b?rag\s+status|b?rag\s+rating)\s*[:\-\u2013\u2014]\s*", re.I
)


def is_status_alone(value: object, words: dict[RAG, str] | None = None) -> bool:
    """Does a cell read as a status and nothing else, as a column of statuses holds? A
    colour's letter before other words ("A: Leadership", "B - Retain", "A-1", "G -
    Substantial") is a label or a reference in a column of other things; it is a status
    only when those words say the same colour ("G - On track", "B (complete)")."""
    if not isinstance(value, str) or parse_status(value, words) is None:
        return False
    lettered = _LETTER_THEN_WHY.match(_without_label(value)) is not None
    return not (lettered and status_remark(value, words) is not None)


def _without_label(value: str) -> str:
    """The cell's text after a leading "RAG:" / "BRAG:" / "Status:" label, when words follow
    it; otherwise the text as it is (a cell of only "Status:" says no status)."""
    labelled = _LABEL.match(value)
    return value[labelled.end() :] if labelled and value[labelled.end() :].strip() else value


#: A status word of two letters or more before a dash, colon, comma or bracket and more
#: words (the colour names are read in parse_status's own loop).
_WORD_THEN_WHY = re.compile(r"^([a-z][a-z ]*[a-z])\s*[-\u2013\u2014:;,(]\s*\S")


#: A colour's letter before a dash, colon or bracket and more words, as a RAG key writes it
#: ("G - On track", "A: at risk", "B (complete)"); a letter before a space is a word ("A
#: new approach agreed" is no Amber).
_LETTER_THEN_WHY = re.compile(r"^\s*([GARBgarb])\s*[-\u2013\u2014:(]\s*(?=\S)")

_COLOURS = frozenset(rag.value.lower() for rag in RAG)
#: Why-words that take the status back ("Complete (partially)", "Complete - No", "Closed -
#: not achieved", "Completed - but reopened", "Complete (tbc)"): no status for us to read.
_HEDGED = re.compile(
    r"\?|\b(?:no|not|n|nor|partial|partially|part|but|tbc|tbd|pending|awaiting|reopened|"
    r"re-opened|unsure|query|queried|except|apart)\b"
)

#: The other colours' names, after each colour (a status "Green/Amber" names two).
_OTHER_COLOURS: dict[RAG, frozenset[str]] = {
    rag: frozenset(other.value.lower() for other in RAG if other is not rag) for rag in RAG
}
