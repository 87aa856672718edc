"""The board paper as a Word document (python-docx), in the shape of an NHS committee paper.

Front sheet (title, meeting, date, author, executive lead, purpose, recommendation), executive
summary in sentences made from the figures, the RAG position (overall, by theme, the trend
across rounds) as tables and charts, the exceptions (overdue, at risk, due soon) with what each
owner said last, what was completed this round, the coverage gaps, and the whole plan as an
appendix. Every figure comes from one :class:`edi_xl.core.summary.Summary`, the one
``edi-xl summary --json`` prints for the same master and date.

Accessible by construction: Word's own Title and Heading styles (a navigation pane and a
screen reader's outline), every table's first row marked as a header row that repeats on each
page, alt text on every chart, a RAG colour always written as its word next to the colour, and
Arial 12 pt body text (11 pt in tables).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table, _Cell

import edi_xl.flows.report.charts as charts
from edi_xl.core.dates import long_date, short_date
from edi_xl.core.model import Action, ActionPlan
from edi_xl.core.status import RAG
from edi_xl.core.summary import RAG_ORDER, ListedAction, RagRow, Summary
from edi_xl.master.sheets import Settings
from edi_xl.master.styles import NHS_BLUE, RAG_COLOURS

FONT = "Arial"
BODY_PT = 12
TABLE_PT = 11
TEXT_COLOUR = "212B32"
PURPOSE = "For assurance"
NO_UPDATE = "No update given."
NO_ACTION = "(no action text in the plan)"
#: What the paper of a master with no actions says in place of its figures, tables and charts
#: (all nought and empty: "Of 0 actions, 0 are on track").
NO_ACTIONS = (
    "The plan holds no actions yet: add them to the Action Plan sheet (or edi-xl import a plan), "
    "then make the paper again."
)


@dataclass(frozen=True)
class PaperData:
    """What the paper is made from: the figures, the plan as refreshed, the Settings."""

    summary: Summary
    plan: ActionPlan
    rag_of: dict[str, RAG | None]  # action id -> the colour its Status cell counts as
    settings: Settings


# --- words -------------------------------------------------------------------------------------


def _n(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _short(text: str | None, width: int = 70) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1].rsplit(" ", 1)[0] + "…"


def title_of(data: PaperData) -> str:
    s = data.settings
    return s.paper_title or (
        f"Equality, diversity and inclusion action plan: progress as at "
        f"{long_date(data.summary.as_at)}"
    )


def latest_update(action: Action, as_at: date, *, cut: bool = False) -> str:
    """The owner's latest update at the as-at date, with the round it was given for; with
    ``cut``, its text as :func:`shortened` gives it (the round still after it)."""
    given = [
        u
        for u in action.updates
        if u.text and u.text.strip() and (u.as_at is None or u.as_at <= as_at)
    ]
    if not given:
        return NO_UPDATE
    latest = max(given, key=lambda u: u.as_at or date.min)
    text = " ".join(latest.text.split()) if latest.text else ""
    if cut:
        text = shortened(text)
    return f"{text} ({short_date(latest.as_at)})" if latest.as_at else text


#: Longest Meeting (up to an aside) the recommendation names; a longer one is "The
#: Committee" there (the front sheet gives it whole): a sentence cannot carry it.
MEETING_IN_A_SENTENCE = 60

#: Where a Meeting's aside begins: a bracket, a semicolon, a spaced dash.
#: Where a Meeting's name ends: an aside in brackets, after a semicolon or a spaced dash, or
#: a comma before a date ("People Committee, 12 March 2024"; a comma inside a name, "People,
#: Culture & Workforce Committee", is kept). Not a colon: it may come before the name ("Item
#: 7: People Committee", helper-109).
_MEETING_ASIDE = re.compile(r"\s*[(\[;]|\s+[—–-]\s+|\s*,\s*(?=\d)")


def meeting_subject(meeting: str | None) -> str:
    """Who the recommendation asks: the Settings Meeting after "The" ("People Committee" ->
    "The People Committee"; one starting "The" kept as it is), up to an aside ("People
    Committee (a committee of the Board) — Part 1" -> "The People Committee"); "The
    Committee" when there is none or it is still too long to read in a sentence."""
    name = _MEETING_ASIDE.split(meeting or "", maxsplit=1)[0].strip(" ,.")
    if not name or len(name) > MEETING_IN_A_SENTENCE:
        return "The Committee"
    if name[:4].lower() == "the ":
        return name[:1].upper() + name[1:]  # ("THE PEOPLE COMMITTEE" as written)
    return "The " + name


def recommendation(data: PaperData) -> str:
    s = data.summary
    if not s.actions:  # (no progress to take assurance from)
        return (
            f"{meeting_subject(data.settings.meeting)} is asked to note that the equality, "
            f"diversity and inclusion action plan holds no actions yet as at {long_date(s.as_at)}."
        )
    sentence = (
        f"{meeting_subject(data.settings.meeting)} is asked to note the position of the "
        f"equality, diversity and inclusion action plan as at {long_date(s.as_at)} and to take "
        "assurance from the progress made"
    )
    if s.overdue:
        one = len(s.overdue) == 1
        sentence += (
            f" and the attention given to the {_n(len(s.overdue), 'action', 'actions')} "
            f"that {'has' if one else 'have'} passed {'its' if one else 'their'} due date"
        )
    return sentence + "."


def executive_summary(data: PaperData) -> list[str]:
    """The executive summary: plain sentences, every figure from the summary."""
    s = data.summary
    counts = s.overall.counts
    many = {rag: counts[rag] != 1 for rag in RAG_ORDER}
    parts = [
        f"{counts[RAG.GREEN]} {'are' if many[RAG.GREEN] else 'is'} on track (Green)",
        f"{counts[RAG.AMBER]} {'are' if many[RAG.AMBER] else 'is'} at risk (Amber)",
        f"{counts[RAG.RED]} {'have exceeded their' if many[RAG.RED] else 'has exceeded its'} "
        "timescales (Red)",
        f"{counts[RAG.BLUE]} {'are' if many[RAG.BLUE] else 'is'} complete (Blue)",
    ]
    if not s.actions:  # (not "Of 0 actions, 0 are on track")
        return [NO_ACTIONS, _gaps_sentence(s)]
    out = [f"Of {_n(s.actions, 'action', 'actions')}, {_join(parts)}."]
    if s.no_status:
        out[-1] += f" {_n(s.no_status, 'action has', 'actions have')} no RAG status."
    if s.overdue:
        items = [
            f"{a.id} {_short(a.action, 60)} ({a.owner or 'no owner'}; due "
            f"{short_date(a.due)}, {_n(a.days_overdue or 0, 'day', 'days')} overdue)"
            for a in s.overdue[:OVERDUE_NAMED]  # (the longest overdue first)
        ]
        more = len(s.overdue) - len(items)
        if more:  # 3.1 lists every one: a list of 33 here ran over a page
            items.append(f"and {more} more (see 3.1)")
        has = "has" if len(s.overdue) == 1 else "have"
        out.append(
            f"{_n(len(s.overdue), 'action', 'actions')} {has} passed "
            f"{'its' if len(s.overdue) == 1 else 'their'} due date: {'; '.join(items)}."
        )
    else:
        out.append("No action has passed its due date.")
    red_in_time = s.red_not_due
    if red_in_time > 0:  # Red typed or returned for an action not yet due: said, not left
        out[-1] += (
            f" {_n(red_in_time, 'action marked Red has', 'actions marked Red have')} not yet "
            "passed "
            f"{'its' if red_in_time == 1 else 'their'} due date."
        )
    since = (
        f"the previous round ({long_date(s.changes_since)})"
        if s.changes_since
        else "the start of the Change Log"
    )
    blue, red, back = (len(s.changes_of(k)) for k in ("newly_blue", "newly_red", "moved_back"))
    out.append(
        f"Since {since}, {_n(blue, 'action was', 'actions were')} completed, "
        f"{_n(red, 'action', 'actions')} became Red and {_n(back, 'action', 'actions')} "
        "moved back."
    )
    if len(s.trend) > 1:
        first, now = s.trend[0], s.trend[-1]
        out.append(
            f"At the end of the round of {long_date(first.as_at)}, {first.counts[RAG.GREEN]} of "
            f"{first.total} actions were on track and {first.counts[RAG.BLUE]} complete; "
            f"now {now.counts[RAG.GREEN]} of {now.total} are on track and "
            f"{now.counts[RAG.BLUE]} complete."
        )
    horizon = s.as_at + timedelta(days=s.due_within_days)
    out.append(
        f"{_n(len(s.due_soon), 'more action is', 'more actions are')} due in the next "
        f"{s.due_within_days} days, by {long_date(horizon)}."
    )
    out.append(_gaps_sentence(s))
    return out


def _gaps_sentence(s: Summary) -> str:
    gaps = s.gaps
    if gaps:
        return (
            f"{len(gaps)} of the {len(s.coverage)} WRES indicators, WDES metrics and High Impact "
            f"Actions {'has' if len(gaps) == 1 else 'have'} no live action: "
            f"{_join([g.label for g in gaps])}."
        )
    return "Every WRES indicator, WDES metric and High Impact Action has at least one live action."


# --- the document's look -----------------------------------------------------------------------


def _setup(doc: DocumentType) -> None:
    # Word 2010's copy of the styles (stylesWithEffects.xml, in python-docx's template) is
    # left out: it would go on holding the template's styles, not the paper's (the Open XML
    # SDK's checks say so), and Word 2013 on writes none
    for rid, rel in list(doc.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            doc.part.drop_rel(rid)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    normal.font.color.rgb = RGBColor.from_string(TEXT_COLOUR)
    rpr = normal.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is not None:
        for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            fonts.set(qn(attr), FONT)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15
    for name, size in (("Title", 24), ("Heading 1", 16), ("Heading 2", 13)):
        style = doc.styles[name]
        style.font.name = FONT
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.color.rgb = RGBColor.from_string(NHS_BLUE)
        style.paragraph_format.space_before = Pt(18 if name != "Title" else 0)
        style.paragraph_format.space_after = Pt(6)
        style.paragraph_format.keep_with_next = True
        heading_fonts = style.element.get_or_add_rPr().find(qn("w:rFonts"))
        if heading_fonts is not None:
            for attr in (
                "w:ascii",
                "w:hAnsi",
                "w:cs",
                "w:eastAsia",
                "w:asciiTheme",
                "w:hAnsiTheme",
            ):
                if attr.endswith("Theme"):
                    heading_fonts.attrib.pop(qn(attr), None)
                else:
                    heading_fonts.set(qn(attr), FONT)
    # the Title style's bottom border is decoration: kept; its colour follows the text
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.0))
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)


def _field(paragraph: Any, code: str, size: float) -> None:
    """A Word field (PAGE, NUMPAGES) in ``paragraph``: one run per part, each ``size`` pt."""
    parts: list[tuple[str, str | None]] = [
        ("w:fldChar", "begin"),
        ("w:instrText", f" {code} "),
        ("w:fldChar", "separate"),
        ("w:t", "1"),
        ("w:fldChar", "end"),
    ]
    for tag, value in parts:
        run = paragraph.add_run()
        run.font.size = Pt(size)
        el = OxmlElement(tag)
        if tag == "w:fldChar":
            el.set(qn("w:fldCharType"), value)
        else:
            el.set(qn("xml:space"), "preserve")
            el.text = value
        run._r.append(el)


def _footer(doc: DocumentType, text: str) -> None:
    footer = doc.sections[0].footer  # the appendix's section shares it
    para = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    para.text = ""
    para.add_run(f"{text}    Page ").font.size = Pt(10)
    _field(para, "PAGE", 10)
    para.add_run(" of ").font.size = Pt(10)
    _field(para, "NUMPAGES", 10)


def _shade(cell: _Cell, fill: str) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tc_pr.append(shd)


def _write(cell: _Cell, text: Any, *, bold: bool = False, colour: str | None = None) -> None:
    cell.text = ""
    para = cell.paragraphs[0]
    para.paragraph_format.space_after = Pt(0)
    para.paragraph_format.line_spacing = 1.0
    run = para.add_run("" if text is None else str(text))
    run.font.size = Pt(TABLE_PT)
    run.bold = bold
    if colour:
        run.font.color.rgb = RGBColor.from_string(colour)


#: The elements of a table's properties (``w:tblPr``) in the order the schema gives them.
_TBL_PR_ORDER = (
    "w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual", "w:tblStyleRowBandSize",
    "w:tblStyleColBandSize", "w:tblW", "w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders",
    "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription",
    "w:tblPrChange",
)  # fmt: skip


def _in_its_place(tbl_pr: Any, el: Any) -> Any:
    """``el`` put into the table properties ``tbl_pr`` before those the schema gives after it
    (Word reads a table's properties in the schema's order); ``el``."""
    tag = "w:" + el.tag.rpartition("}")[2]
    return tbl_pr.insert_element_before(el, *_TBL_PR_ORDER[_TBL_PR_ORDER.index(tag) + 1 :])


def _widths(t: Table, widths_cm: Sequence[float]) -> None:
    """Fixed column widths, in the grid (what LibreOffice reads) and on every cell (Word)."""
    tbl_pr = t._tbl.tblPr
    tbl_pr.get_or_add_tblLayout().set(qn("w:type"), "fixed")
    width = tbl_pr.find(qn("w:tblW"))
    if width is None:
        width = _in_its_place(tbl_pr, OxmlElement("w:tblW"))
    width.set(qn("w:type"), "dxa")
    width.set(qn("w:w"), str(round(sum(widths_cm) * 567)))
    for col, w in zip(t._tbl.tblGrid.findall(qn("w:gridCol")), widths_cm, strict=True):
        col.set(qn("w:w"), str(round(w * 567)))
    for row in t.rows:
        for cell, w in zip(row.cells, widths_cm, strict=True):
            cell.width = Cm(w)


def _cell_margins(t: Table) -> None:
    """Room between the text and the cell borders (top, bottom 1 mm; sides 1.5 mm)."""
    margins = OxmlElement("w:tblCellMar")
    for side, twips in (("top", 57), ("left", 85), ("bottom", 57), ("right", 85)):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(twips))
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    _in_its_place(t._tbl.tblPr, margins)


def mark_header_row(table: Table) -> None:
    """The first row is the table's header row, repeated at the top of every page."""
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:tblHeader"))  # (on: no w:val is "on" in every edition)


def _no_split(table: Table) -> None:
    for row in table.rows:
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.insert(0, OxmlElement("w:cantSplit"))


def _lead_in(doc: DocumentType, text: str) -> None:
    """A paragraph that introduces the table or chart under it, kept on its page."""
    doc.add_paragraph(text).paragraph_format.keep_with_next = True


#: The most of an update the paper's exception tables show (the appendix has it whole).
UPDATE_SHOWN = 400

#: The most of an action's text the exception and completed tables show (the appendix has it
#: whole): a 2,000-character action filled three pages of a 4.4 cm column.
ACTION_SHOWN = 200

#: How many overdue actions the executive summary names (3.1 lists them all).
OVERDUE_NAMED = 5


def shortened(text: str, shown: int = UPDATE_SHOWN) -> str:
    """An update or an action's text for a narrow column of the exception tables: whole up to
    ``shown`` characters, else cut at a word with a pointer to Appendix A, where it is whole
    (a long update in a 3.6 cm column ran over two pages, the second one empty but for it)."""
    if len(text) <= shown:
        return text
    cut = text[:shown].rsplit(None, 1)[0].rstrip(" ,;:.")
    return f"{cut}… (in full in Appendix A)"


def action_shown(text: str | None) -> str:
    """An action's text in the exception and completed tables (:func:`shortened`)."""
    return shortened(text, ACTION_SHOWN) if text else NO_ACTION


#: The "#" column: "10.10" on one line at 11 pt, with the cells' 1.5 mm sides, also in
#: DejaVu Sans, LibreOffice's Arial where Arial is not installed (1.2 cm broke "11.11" into
#: "11.1 / 1").
ID_CM = 1.6
#: The "Action owner" column: a long word of an owner's title ("Communications",
#: "Transformation") on one line, in DejaVu Sans too (3.0 cm broke it).
OWNER_CM = 3.7


def table(
    doc: DocumentType,
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    widths_cm: Sequence[float],
    *,
    rag_cols: dict[int, Callable[[Sequence[Any]], RAG | None]] | None = None,
    bold_last: bool = False,
    header_rag: dict[int, RAG] | None = None,
) -> Table:
    """A table with a marked, repeating header row. ``rag_cols``: column -> the colour of that
    cell in a row (its text is the RAG word, the fill its colour)."""
    t = doc.add_table(rows=1 + len(rows), cols=len(header))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.LEFT
    t.autofit = False
    for i, text in enumerate(header):
        cell = t.rows[0].cells[i]
        rag = (header_rag or {}).get(i)
        if rag is not None:
            fill, ink = RAG_COLOURS[rag]
            _shade(cell, fill)
            _write(cell, text, bold=True, colour=ink)
        else:
            _shade(cell, NHS_BLUE)
            _write(cell, text, bold=True, colour="FFFFFF")
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values):
            cell = t.rows[r].cells[c]
            rag = rag_cols[c](values) if rag_cols and c in rag_cols else None
            if rag is not None:
                fill, ink = RAG_COLOURS[rag]
                _shade(cell, fill)
                _write(cell, value, bold=True, colour=ink)
            else:
                _write(cell, value, bold=bold_last and r == len(rows))
    _widths(t, widths_cm)
    _cell_margins(t)
    mark_header_row(t)
    _no_split(t)
    doc.add_paragraph().paragraph_format.space_after = Pt(2)
    return t


def picture(doc: DocumentType, png: bytes, alt: str, title: str, width_cm: float = 16.0) -> None:
    """A chart, with its alt text (Word's "Alt Text" box: docPr descr) and title."""
    para = doc.add_paragraph()
    para.paragraph_format.keep_together = True
    run = para.add_run()
    run.add_picture(io.BytesIO(png), width=Cm(width_cm))
    inline = run._r.xpath(".//wp:inline")[-1]
    inline.docPr.set("descr", alt)
    inline.docPr.set("title", title)


# --- the sections ------------------------------------------------------------------------------


def _rag_rows_table(doc: DocumentType, label: str, rows: Sequence[RagRow], label_cm: float) -> None:
    rest = (16.9 - label_cm) / 5
    table(
        doc,
        [label, *(r.value for r in RAG_ORDER), "Total"],
        [[row.label, *(row.counts[r] for r in RAG_ORDER), row.total] for row in rows],
        [label_cm, *([rest] * 5)],
        header_rag={i + 1: rag for i, rag in enumerate(RAG_ORDER)},
    )


def _front_sheet(doc: DocumentType, data: PaperData) -> None:
    s, settings = data.summary, data.settings
    trust = settings.trust_name or data.plan.title or ""
    if trust:
        p = doc.add_paragraph()
        run = p.add_run(trust)
        run.bold = True
        run.font.size = Pt(14)
    doc.add_paragraph(title_of(data), style="Title")
    meeting_date = settings.meeting_date
    when = long_date(meeting_date) if isinstance(meeting_date, date) else meeting_date
    lines = [
        ("Meeting", settings.meeting),
        ("Date of meeting", when),
        ("Report author", settings.author),
        ("Executive lead", settings.executive_lead),
        ("Purpose", PURPOSE),
        ("Position as at", long_date(s.as_at)),
    ]
    for label, value in lines:
        p = doc.add_paragraph()
        p.add_run(f"{label}: ").bold = True
        p.add_run(value or "To be completed (Settings sheet)")
    doc.add_heading("Recommendation", level=1)
    doc.add_paragraph(recommendation(data))
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _listed_rows(
    items: Sequence[ListedAction], data: PaperData, last: Callable[[ListedAction], Any]
) -> list[list[Any]]:
    by_id = data.plan.by_id()
    return [
        [
            a.id or "(no #)",
            action_shown(a.action),
            a.owner or "(no owner)",
            short_date(a.due) or (a.due_text or ""),
            last(a),
            latest_update(by_id[a.id], data.summary.as_at, cut=True)
            if a.id in by_id
            else NO_UPDATE,
        ]
        for a in items
    ]


def build(data: PaperData) -> DocumentType:
    """The whole paper."""
    s = data.summary
    doc = Document()
    _setup(doc)
    doc.core_properties.title = title_of(data)
    doc.core_properties.author = data.settings.author or ""
    doc.core_properties.subject = "Equality, diversity and inclusion action plan"
    doc.core_properties.language = "en-GB"
    _front_sheet(doc, data)

    doc.add_heading("1. Executive summary", level=1)
    for sentence in executive_summary(data):
        doc.add_paragraph(sentence)

    doc.add_heading("2. RAG position", level=1)
    if s.actions:
        _rag_position(doc, data)
    else:
        doc.add_paragraph(NO_ACTIONS)

    doc.add_heading("3. Exceptions", level=1)
    doc.add_heading(f"3.1 Overdue actions ({len(s.overdue)})", level=2)
    # ("Days overdue" on whole words)
    exception_cols = [ID_CM, 3.4, OWNER_CM, 2.3, 2.4, 3.5]
    if s.overdue:
        table(
            doc,
            ["#", "Action", "Action owner", "Due date", "Days overdue", "Latest update"],
            _listed_rows(s.overdue, data, lambda a: a.days_overdue),
            exception_cols,
        )
    else:
        doc.add_paragraph("No action has passed its due date.")
    at_risk = [a for a in data.plan.actions if data.rag_of.get(a.id) is RAG.AMBER and a.id]
    doc.add_heading(f"3.2 At risk: Amber ({len(at_risk)})", level=2)
    if at_risk:
        table(
            doc,
            ["#", "Action", "Action owner", "Due date", "Status", "Latest update"],
            [
                [
                    a.id,
                    action_shown(a.action),
                    a.owner or "(no owner)",
                    short_date(a.due.deadline) or (a.due.text or ""),
                    f"Amber: {s.words.get(RAG.AMBER)}",
                    latest_update(a, s.as_at, cut=True),
                ]
                for a in at_risk
            ],
            [ID_CM, 3.8, OWNER_CM, 2.3, 1.9, 3.6],
            rag_cols={4: lambda row: RAG.AMBER},
        )
    else:
        doc.add_paragraph("No action is at risk (Amber).")
    horizon = s.as_at + timedelta(days=s.due_within_days)
    doc.add_heading(
        f"3.3 Due in the next {s.due_within_days} days, by {long_date(horizon)} "
        f"({len(s.due_soon)})",
        level=2,
    )
    if s.due_soon:
        table(
            doc,
            ["#", "Action", "Action owner", "Due date", "Days to go", "Latest update"],
            _listed_rows(s.due_soon, data, lambda a: a.days_to_go(s.as_at)),
            exception_cols,
        )
    else:
        doc.add_paragraph(f"No other action is due by {long_date(horizon)}.")

    since = (
        f"since the previous round ({long_date(s.changes_since)})"
        if s.changes_since
        else "since the start of the Change Log"
    )
    completed = s.changes_of("newly_blue")
    doc.add_heading(f"4. Completed this round ({len(completed)})", level=1)
    if completed:
        _lead_in(doc, f"Actions whose status became Blue (complete) {since}.")
        by_id = data.plan.by_id()
        table(
            doc,
            ["#", "Action", "Action owner", "Latest update"],
            [
                [
                    c.id,
                    action_shown(c.action),
                    by_id[c.id].owner if c.id in by_id else "",
                    latest_update(by_id[c.id], s.as_at, cut=True) if c.id in by_id else NO_UPDATE,
                ]
                for c in completed
            ],
            [ID_CM, 5.8, OWNER_CM, 5.8],
        )
    else:
        doc.add_paragraph(f"No action was completed {since}.")

    gaps = s.gaps
    doc.add_heading(f"5. Coverage gaps ({len(gaps)})", level=1)
    _lead_in(
        doc,
        f"Of the {len(s.coverage)} WRES indicators, WDES metrics and High Impact Actions of the "
        f"NHS EDI Improvement Plan, {_n(len(gaps), 'has', 'have')} no live action (an action "
        "not yet complete whose Report / Action names it).",
    )
    if gaps:
        table(
            doc,
            ["Reference", "Indicator, metric or High Impact Action"],
            [[g.label, g.description] for g in gaps],
            [3.0, 13.9],
        )

    _appendix(doc, data)
    _footer(doc, f"{title_of(data)}")
    return doc


def _rag_position(doc: DocumentType, data: PaperData) -> None:
    """Section 2 of a plan with actions: overall, by theme and the trend, tables and charts."""
    s = data.summary
    doc.add_paragraph(
        "RAG status as the Status column of the action plan shows it at "
        f"{long_date(s.as_at)}: Green {s.words.get(RAG.GREEN)}, Amber {s.words.get(RAG.AMBER)}, "
        f"Red {s.words.get(RAG.RED)}, Blue {s.words.get(RAG.BLUE)}."
    )
    doc.add_heading("2.1 All actions", level=2)
    overall_rows = [[rag.value, s.words.get(rag, ""), s.overall.counts[rag]] for rag in RAG_ORDER]
    if s.no_status:
        overall_rows.append(["No RAG status", "blank or not a Settings word", s.no_status])
    overall_rows.append(["Total", "", s.actions])
    colour = {r.value: r for r in RAG_ORDER}
    table(
        doc,
        ["RAG status", "Status word", "Actions"],
        overall_rows,
        [4.0, 9.0, 3.9],
        rag_cols={0: lambda row: colour.get(str(row[0]))},
        bold_last=True,
    )
    overall = charts.Bars(["All actions"], [s.overall.counts], s.words)
    picture(
        doc,
        charts.horizontal(overall),
        charts.describe(overall, "Bar chart of the RAG status of all actions"),
        "RAG status of all actions",
    )
    doc.add_heading("2.2 By theme", level=2)
    _rag_rows_table(doc, "Theme (Milestone)", s.by_theme, 7.4)
    themes = charts.Bars([r.label for r in s.by_theme], [r.counts for r in s.by_theme], s.words)
    if s.by_theme:
        picture(
            doc,
            charts.horizontal(themes),
            charts.describe(themes, "Stacked bar chart of RAG status by theme"),
            "RAG status by theme",
        )
    doc.add_heading("2.3 Trend across rounds", level=2)
    _lead_in(
        doc,
        "RAG status at the end of each reporting round (the Update as at columns), worked back "
        "from the Change Log, and now.",
    )
    table(
        doc,
        ["Round (as at)", *(r.value for r in RAG_ORDER), "Total"],
        [[p.label, *(p.counts[r] for r in RAG_ORDER), p.total] for p in s.trend],
        [5.4, *([2.3] * 5)],
        header_rag={i + 1: rag for i, rag in enumerate(RAG_ORDER)},
    )
    trend = charts.Bars([p.label for p in s.trend], [p.counts for p in s.trend], s.words)
    picture(
        doc,
        charts.vertical(trend),
        charts.describe(trend, "Stacked column chart of RAG status at the end of each round"),
        "RAG status at the end of each round",
    )


def _appendix(doc: DocumentType, data: PaperData) -> None:
    s = data.summary
    section = doc.add_section()
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    doc.add_heading(f"Appendix A. The full action plan ({s.actions} actions)", level=1)
    if not s.actions:
        doc.add_paragraph(NO_ACTIONS)
        return
    _lead_in(doc, f"Every action as at {long_date(s.as_at)}, in the order of the plan.")
    rows = []
    for a in data.plan.actions:
        rag = data.rag_of.get(a.id)
        status = f"{rag.value}: {a.status_text}" if rag else (a.status_text or "(blank)")
        rows.append(
            [
                a.id or "(no #)",
                " ".join((a.theme or "").split()),
                a.action or NO_ACTION,
                a.owner or "(no owner)",
                short_date(a.due.deadline) or (a.due.text or ""),
                status,
                latest_update(a, s.as_at),
            ]
        )
    colour = {r.value: r for r in RAG_ORDER}
    table(
        doc,
        ["#", "Theme", "Action", "Action owner", "Due date", "RAG status", "Latest update"],
        rows,
        [ID_CM, 3.6, 6.2, OWNER_CM, 2.4, 3.0, 5.2],
        rag_cols={5: lambda row: colour.get(str(row[5]).split(":")[0])},
    )
