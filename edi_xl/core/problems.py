"""Problems found in the data: records, not exceptions (collect all, then show them)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from edi_xl.core.unvalidated import made


class Severity(StrEnum):
    ERROR = "error"  # the plan is wrong and the rules cannot be trusted for this action
    WARNING = "warning"  # needs a human to look
    INFO = "info"  # worth knowing; nothing to fix

    @property
    def noun(self) -> str:
        """What a count of problems of this severity is called: "2 errors", "1 note"."""
        return "note" if self is Severity.INFO else self.value


class Code(StrEnum):
    """Stable problem codes: reports, tests and the Problems column use these."""

    MISSING_ID = "missing_id"
    MISSING_ACTION = "missing_action"
    MISSING_OWNER = "missing_owner"
    OWNER_NOT_NAMED = "owner_not_named"
    MISSING_DUE_DATE = "missing_due_date"
    UNREADABLE_DUE_DATE = "unreadable_due_date"
    UNREADABLE_START_DATE = "unreadable_start_date"
    DUE_BEFORE_START = "due_before_start"
    DUPLICATE_ID = "duplicate_id"
    MISSING_STATUS = "missing_status"
    UNKNOWN_STATUS = "unknown_status"
    COMPLETE_WITHOUT_EVIDENCE = "complete_without_evidence"
    OVERDUE_NOT_RED = "overdue_declared_on_track"
    RED_NOT_OVERDUE = "red_not_overdue"
    NO_LONGER_OVERDUE = "no_longer_overdue"
    ROUND_MOVED_BACK = "round_moved_back"
    STATUS_WORDS_LOGGED = "status_words_logged"
    NO_CURRENT_UPDATE = "no_current_update"
    UNKNOWN_REFERENCE = "unknown_report_reference"
    UNKNOWN_CHARACTERISTIC = "unknown_protected_characteristic"
    NO_FIXED_DEADLINE = "no_fixed_deadline"
    # rows of the plan's table that are not read as actions
    NOT_AN_ACTION = "not_an_action"
    ROW_WITHOUT_ACTION = "row_without_action"
    # the Owners table of the Settings sheet, whose addresses the email drafts use (check)
    OWNER_ADDRESS_UNREADABLE = "owner_address_unreadable"
    OWNER_ON_TWO_LINES = "owner_on_two_lines"

    # Flags raised reading, merging or normalising owner returns (the Returns sheet's
    # "Flags this round", the ``flags`` of the --report JSON).
    AMBIGUOUS_ID = "ambiguous_id"
    UNKNOWN_ACTION = "unknown_action"
    ACTION_WITHOUT_ID = "action_without_id"
    NOT_SENT_HERE = "not_in_this_return"
    NO_ID = "no_id"
    LOCKED_FIELD_CHANGED = "locked_field_changed"
    COLUMN_NOT_READ = "column_not_read"
    HEADER_RENAMED = "header_renamed"
    STATUS_COLUMN_MISSING = "status_column_missing"
    ROWS_NOT_READ = "rows_not_read"
    SHEET_NOT_READ = "sheet_not_read"
    OTHER_MASTER = "other_master"
    OTHER_ROUND = "other_round"
    EARLIER_ROUND_COLUMN = "earlier_round_column"
    EARLIER_COLUMN_TEXT = "earlier_column_text"
    ROW_REMOVED = "row_removed"
    RECORD_DAMAGED = "return_record_damaged"
    CHANGED_SINCE_SENT = "changed_since_sent"
    CHANGED_SINCE_MERGED = "changed_since_merged"
    SUPERSEDED = "superseded"
    OLDER_THAN_MERGED = "older_than_merged"
    ACTION_ON_TWO_ROWS = "action_on_two_rows"
    ROW_CARRIED_ON = "row_carried_on"
    INVALID_STATUS = "invalid_status"
    STATUS_REMARK = "status_words_not_taken"
    STATUS_CLEARED = "status_cleared"
    VALUE_TRUNCATED = "value_truncated"
    STATUS_OVERRIDDEN = "status_overridden"
    FORMULA_NOT_OVERWRITTEN = "formula_not_overwritten"
    TYPED_AS_FORMULA = "typed_as_formula"
    FORMULA_NO_RESULT = "formula_no_result"
    NOTE_NOT_MERGED = "note_not_merged"
    PICTURE_IN_CELL = "picture_in_cell"
    ERROR_IN_CELL = "error_in_cell"
    UPDATE_TRUE_FALSE = "update_true_false"

    # Why a file of a batch of returns was not taken (the ``reason`` of a file outcome).
    OFFICE_LOCK_FILE = "office_lock_file"
    LIBREOFFICE_LOCK_FILE = "libreoffice_lock_file"
    HIDDEN_FILE = "hidden_file"
    SYSTEM_FILE = "system_file"
    EMAIL_FILE = "email_file"
    MASTER_IN_RETURNS = "master_in_returns"
    PASSWORD_PROTECTED = "password_protected"
    NOT_A_SPREADSHEET = "not_a_spreadsheet"
    UNREADABLE_FILE = "unreadable_file"
    EMAIL_NO_SPREADSHEET = "email_no_spreadsheet"
    MASTER_NOT_RETURN = "master_not_return"
    NO_ACTION_TABLE = "no_action_table"
    UPDATE_COLUMN_UNCLEAR = "update_column_unclear"
    EMPTY_ACTION_TABLE = "empty_action_table"
    NO_ROW_MATCHED = "no_row_matched"
    RETURN_UNCHANGED = "return_unchanged"
    EARLIER_ROUND_RETURN = "earlier_round_return"
    # actions edi-xl returns does not send to anyone
    NOT_SENT_NO_ID = "not_sent_no_id"
    NOT_SENT_NO_OWNER = "not_sent_no_owner"
    NOT_SENT_COMPLETE = "not_sent_complete"

    # Notes: what a refresh, a save or a board paper could not do.
    MERGED_CELLS = "merged_cells"
    FORMULA_KEPT = "formula_kept"
    STATUS_ERROR_KEPT = "status_error_kept"
    SUMMARY_SHEET_NOT_OURS = "summary_sheet_not_ours"
    SAVED_BY_REWRITE = "saved_by_rewrite"
    BACKUP_NOT_KEPT = "backup_not_kept"
    FRONT_SHEET_INCOMPLETE = "front_sheet_incomplete"
    SENSITIVITY_LABELS_DIFFER = "sensitivity_labels_differ"


SEVERITY: dict[Code, Severity] = {
    Code.MISSING_ID: Severity.ERROR,
    Code.MISSING_ACTION: Severity.ERROR,
    Code.MISSING_OWNER: Severity.WARNING,
    Code.OWNER_NOT_NAMED: Severity.WARNING,
    Code.MISSING_DUE_DATE: Severity.WARNING,
    Code.UNREADABLE_DUE_DATE: Severity.ERROR,
    Code.UNREADABLE_START_DATE: Severity.WARNING,
    Code.DUE_BEFORE_START: Severity.ERROR,
    Code.DUPLICATE_ID: Severity.ERROR,
    Code.MISSING_STATUS: Severity.WARNING,
    Code.UNKNOWN_STATUS: Severity.ERROR,
    Code.COMPLETE_WITHOUT_EVIDENCE: Severity.WARNING,
    Code.OVERDUE_NOT_RED: Severity.WARNING,
    Code.RED_NOT_OVERDUE: Severity.WARNING,
    Code.NO_LONGER_OVERDUE: Severity.INFO,
    Code.OWNER_ADDRESS_UNREADABLE: Severity.WARNING,
    Code.OWNER_ON_TWO_LINES: Severity.WARNING,
    Code.ROUND_MOVED_BACK: Severity.INFO,
    Code.STATUS_WORDS_LOGGED: Severity.INFO,
    Code.NO_CURRENT_UPDATE: Severity.WARNING,
    Code.UNKNOWN_REFERENCE: Severity.WARNING,
    Code.UNKNOWN_CHARACTERISTIC: Severity.WARNING,
    Code.NO_FIXED_DEADLINE: Severity.INFO,
    Code.NOT_AN_ACTION: Severity.INFO,
    Code.ROW_WITHOUT_ACTION: Severity.WARNING,
    # what a return asked for is not taken at all
    Code.AMBIGUOUS_ID: Severity.ERROR,
    Code.UNKNOWN_ACTION: Severity.ERROR,
    Code.ACTION_WITHOUT_ID: Severity.ERROR,
    Code.NOT_SENT_HERE: Severity.ERROR,
    Code.NO_ID: Severity.ERROR,
    Code.INVALID_STATUS: Severity.ERROR,
    Code.STATUS_REMARK: Severity.WARNING,
    Code.STATUS_CLEARED: Severity.WARNING,
    # taken, or partly taken, but a person should look
    Code.LOCKED_FIELD_CHANGED: Severity.WARNING,
    Code.COLUMN_NOT_READ: Severity.WARNING,
    Code.HEADER_RENAMED: Severity.WARNING,
    Code.STATUS_COLUMN_MISSING: Severity.WARNING,
    Code.ROWS_NOT_READ: Severity.WARNING,
    Code.SHEET_NOT_READ: Severity.WARNING,
    Code.OTHER_MASTER: Severity.WARNING,
    Code.OTHER_ROUND: Severity.WARNING,
    Code.EARLIER_ROUND_COLUMN: Severity.WARNING,
    Code.EARLIER_COLUMN_TEXT: Severity.WARNING,
    Code.ROW_REMOVED: Severity.WARNING,
    Code.RECORD_DAMAGED: Severity.WARNING,
    Code.CHANGED_SINCE_SENT: Severity.WARNING,
    Code.CHANGED_SINCE_MERGED: Severity.WARNING,
    Code.VALUE_TRUNCATED: Severity.WARNING,
    Code.STATUS_OVERRIDDEN: Severity.WARNING,
    Code.ACTION_ON_TWO_ROWS: Severity.WARNING,
    Code.ROW_CARRIED_ON: Severity.WARNING,
    Code.TYPED_AS_FORMULA: Severity.WARNING,
    Code.FORMULA_NO_RESULT: Severity.WARNING,
    # an owner's words or picture the master's cells cannot take: not merged, said
    Code.NOTE_NOT_MERGED: Severity.WARNING,
    Code.PICTURE_IN_CELL: Severity.WARNING,
    Code.ERROR_IN_CELL: Severity.WARNING,
    Code.UPDATE_TRUE_FALSE: Severity.WARNING,
    # a newer return says it instead
    Code.SUPERSEDED: Severity.INFO,
    Code.OLDER_THAN_MERGED: Severity.INFO,
    # files passed over quietly: not returns
    Code.OFFICE_LOCK_FILE: Severity.INFO,
    Code.LIBREOFFICE_LOCK_FILE: Severity.INFO,
    Code.HIDDEN_FILE: Severity.INFO,
    Code.SYSTEM_FILE: Severity.INFO,
    Code.EMAIL_FILE: Severity.INFO,
    Code.MASTER_IN_RETURNS: Severity.INFO,
    # returns that could not be used (rejected)
    Code.PASSWORD_PROTECTED: Severity.ERROR,
    Code.NOT_A_SPREADSHEET: Severity.ERROR,
    Code.UNREADABLE_FILE: Severity.ERROR,
    Code.EMAIL_NO_SPREADSHEET: Severity.ERROR,
    Code.MASTER_NOT_RETURN: Severity.ERROR,
    Code.NO_ACTION_TABLE: Severity.ERROR,
    Code.UPDATE_COLUMN_UNCLEAR: Severity.ERROR,
    Code.EMPTY_ACTION_TABLE: Severity.ERROR,
    Code.NO_ROW_MATCHED: Severity.ERROR,
    # returned with nothing new: the owner is chased
    Code.RETURN_UNCHANGED: Severity.INFO,
    # a return of an earlier round, saved before the round merged began: that round's
    Code.EARLIER_ROUND_RETURN: Severity.INFO,
    # actions not sent in a round's returns
    Code.NOT_SENT_NO_ID: Severity.WARNING,
    Code.NOT_SENT_NO_OWNER: Severity.WARNING,
    Code.NOT_SENT_COMPLETE: Severity.INFO,
    # notes
    Code.MERGED_CELLS: Severity.WARNING,
    Code.FORMULA_KEPT: Severity.WARNING,
    Code.STATUS_ERROR_KEPT: Severity.WARNING,
    Code.FORMULA_NOT_OVERWRITTEN: Severity.WARNING,
    Code.SUMMARY_SHEET_NOT_OURS: Severity.WARNING,
    Code.SAVED_BY_REWRITE: Severity.WARNING,
    Code.BACKUP_NOT_KEPT: Severity.WARNING,
    Code.FRONT_SHEET_INCOMPLETE: Severity.INFO,
    Code.SENSITIVITY_LABELS_DIFFER: Severity.WARNING,
}

#: What ``changed_since_sent`` says first; then what became of the return's Status: applied
#: (its message), or not (:data:`SINCE_SENT_OVERRIDDEN` and the others after it).
_SINCE_SENT = (
    "{at}: Status was {before!r} when this return was sent and is now {now!r} in the "
    "master; the return's {value!r} "
)

#: The words of each problem: a template filled from the problem's fields (its ``action``,
#: ``file``, ``sheet``, ``row``, ``column``, ``value``) and the fields the finder names.
MESSAGES: dict[Code, str] = {
    Code.MISSING_ID: "The action has no id (#).",
    Code.MISSING_ACTION: "The action text is missing.",
    Code.MISSING_OWNER: "No action owner is named.",
    Code.OWNER_NOT_NAMED: (
        "No one is named as the action owner: {value!r} is a timing word or a placeholder, "
        "not a person or a role, so no return is made for it. Put the owner's name or role in "
        "Action Owner (any timing belongs in Due Date)."
    ),
    Code.MISSING_DUE_DATE: "There is no due date.",
    Code.UNREADABLE_DUE_DATE: "The due date {value!r} is not a date edi_xl can read.",
    Code.UNREADABLE_START_DATE: "The start date {value!r} is not a date edi_xl can read.",
    Code.DUE_BEFORE_START: "The due date ({due}) is before the start date ({start}).",
    Code.DUPLICATE_ID: "The id {value!r} is used by more than one action (rows {rows}).",
    Code.MISSING_STATUS: "The status is empty.",
    Code.OWNER_ADDRESS_UNREADABLE: (
        "{owner}'s {column} {value!r} cannot be read as addresses alone (a cell holds "
        "addresses only, separated by ';', ',' or line breaks, each with its name or none): "
        "returns and chase leave it out of their email drafts."
    ),
    Code.OWNER_ON_TWO_LINES: (
        "{owner} is on more than one line, with other addresses ({lines}): returns and chase "
        "use the first line's; delete the line that is wrong."
    ),
    Code.UNKNOWN_STATUS: "{value!r} is not a RAG status; use one of {words}.",
    Code.COMPLETE_WITHOUT_EVIDENCE: "Marked complete, but no update gives the evidence.",
    Code.OVERDUE_NOT_RED: "Declared {word!r} but the due date ({due}) has passed.",
    Code.RED_NOT_OVERDUE: (
        "Declared {word!r} (Red: exceeded timescales) but the due date ({due}) has not "
        "passed: give the status the action is at."
    ),
    Code.STATUS_WORDS_LOGGED: (
        "action {action}: Status {value!r} written as {word!r} (the Status column holds the "
        "status word); {remark!r} is kept on the Change Log with the cell's old text: add it "
        "to the action's update to keep it in the plan"
    ),
    Code.ROUND_MOVED_BACK: (
        "The round on the Settings sheet moved back from {previous} to {value}: the next "
        "refresh, merge and returns work for {value}. To look at the plan as at an earlier "
        "date without changing it, use `edi-xl summary --as-at`; to go back to the round "
        "of {previous}: edi-xl round {master} --start {previous_iso}."
    ),
    Code.NO_LONGER_OVERDUE: (
        "action {action}: Status set back to {word!r}: edi_xl made it {red!r} when it was "
        "overdue, and its due date ({due}) has not passed now."
    ),
    Code.NO_CURRENT_UPDATE: "No update in {column!r}.",
    Code.UNKNOWN_REFERENCE: "Unknown report reference: {unknown}.",
    Code.UNKNOWN_CHARACTERISTIC: "Not a protected characteristic: {unknown}.",
    Code.NO_FIXED_DEADLINE: "No fixed deadline ({value!r}): never marked overdue.",
    Code.NOT_AN_ACTION: (
        "{rows} read as a heading, a note or a RAG key, not as an action (no action number, "
        "and one text across the row or no action text): {shown}; left as it is"
    ),
    Code.ROW_WITHOUT_ACTION: (
        "{rows} no action number and no action text, so it is not read as an action: "
        "{shown}; left as it is. Give it a number and action text to track it, or move what "
        "it says into the action it belongs to"
    ),
    Code.AMBIGUOUS_ID: (
        "{at}: id {value} could be any of {ids} (Excel turns 7.10 into 7.1); the action "
        "text does not tell which"
    ),
    Code.UNKNOWN_ACTION: "sheet {sheet!r} row {row}: {what} is not in the master; not added",
    Code.ACTION_WITHOUT_ID: (
        "sheet {sheet!r} row {row}: the action {value!r} has no action number (#) in the "
        "master, so nothing of this row is taken into it; give the action its number in the "
        "master and merge this return again"
    ),
    Code.NOT_SENT_HERE: (
        "sheet {sheet!r} row {row}: action {value} was not sent in this return{was}; nothing "
        "taken for it (check the action number: put it back, or send {value}'s update on "
        "its own return)"
    ),
    Code.NO_ID: (
        "sheet {sheet!r} row {row}: {value!r}, with no action number and no action text, "
        "cannot be matched to an action of the plan; not taken"
    ),
    Code.INVALID_STATUS: "{at}: {value!r} is not a RAG status; the master keeps {kept!r}",
    Code.STATUS_CLEARED: "{at}: the Status was emptied; the master keeps {kept!r}",
    Code.STATUS_REMARK: (
        "{at}: the Status {value!r} is read as {word!r}; the words after it, "
        "{remark!r}, are not taken into the master's Status: to keep them, add them to the "
        "action's update"
    ),
    Code.LOCKED_FIELD_CHANGED: (
        "{at}: {column} changed from {old!r} to {new!r}; not applied (only Status and the "
        "update are taken from returns)"
    ),
    Code.EARLIER_COLUMN_TEXT: (
        "{at} column {column!r} (cell {cell}), an earlier round's column: its text is none of "
        "the master's updates of the action, and is not read (only the round's update "
        "column is): if it is this round's update, copy it in"
    ),
    Code.EARLIER_ROUND_COLUMN: (
        "{at} column {column!r}: the return's update column is dated for an earlier round "
        "than {header!r}, and its text is not the master's update of that round: taken as "
        "this round's update; check it (an old form sent back?)"
    ),
    Code.TYPED_AS_FORMULA: (
        "{at} column {column!r}: Excel read this as a formula ({shown}), as it reads words "
        'typed after "=", "-" or "+"; taken as the text typed, {value!r}: check it'
    ),
    Code.FORMULA_NO_RESULT: (
        "{at} column {column!r}: a formula the file holds no result of (it was last saved by "
        "a program that does not work formulas out), taken as its text, {value!r}: open the "
        "return in Excel, save it, and merge it again, or check it"
    ),
    Code.NOTE_NOT_MERGED: (
        "{at} column {column!r} (cell {cell}): a note on the cell says {value!r}; not merged "
        "(notes and comments on cells are not read): the owner's update belongs in {update}: "
        "copy it there, or ask the owner to"
    ),
    Code.PICTURE_IN_CELL: (
        "{at} column {column!r} (cell {cell}): a picture placed in the cell (Excel shows it "
        "as #VALUE! to other programs); not merged: a picture cannot go into the master's "
        "cell. Ask the owner to type the {what} in words and to send the picture with their "
        "return"
    ),
    Code.ERROR_IN_CELL: (
        "{at} column {column!r} (cell {cell}): the cell shows {value}, an error (a formula "
        'that failed, words typed after "=" that the spreadsheet took for a formula, or an '
        "error pasted in), not the owner's words; nothing taken from it. Ask the owner to type "
        'the {what} in words, not starting with "="'
    ),
    Code.UPDATE_TRUE_FALSE: (
        "{at} column {column!r} (cell {cell}): the update is {value} (a tick box, Insert > "
        "Checkbox, or TRUE or FALSE typed); not taken as the update: the update column holds "
        "the owner's words. Ask the owner what they meant"
    ),
    Code.COLUMN_NOT_READ: (
        "sheet {sheet!r} column {letter} {column!r}: {values} not read: only the Status and "
        "the update are taken from returns"
    ),
    Code.STATUS_COLUMN_MISSING: (
        "sheet {sheet!r}: the return has no Status column (the owner deleted it): no Status is "
        "taken from it, and the master keeps each action's"
    ),
    Code.HEADER_RENAMED: (
        "sheet {sheet!r} column {letter}: the header {value!r} was sent as {sent!r}; read as "
        "{what} by its place in the return as sent: check the owner meant it so"
    ),
    Code.ROWS_NOT_READ: (
        "sheet {sheet!r}: rows {row} to {last} (and any sheet after it) not read: a return is "
        "read up to {limit} rows ({why}); they were not matched to actions. Check the file (a "
        "table pasted in from elsewhere?)"
    ),
    Code.SHEET_NOT_READ: (
        "sheet {sheet!r}: {values} not read: only the Status and the update of the action "
        "table are taken from returns (first: {first!r})"
    ),
    Code.OTHER_MASTER: (
        "this return was made from {value!r}, not {master!r}; merged by action number and "
        "text: check it belongs to this plan"
    ),
    Code.OTHER_ROUND: (
        "this return was sent for the round as at {sent}; it is merged into the round as at "
        "{merged}"
    ),
    Code.ROW_REMOVED: (
        "action {action} was sent in this return but is not in it any more; nothing taken for it"
    ),
    Code.RECORD_DAMAGED: (
        "sheet {sheet!r}, the record of what was sent in this return, cannot be read in full "
        "({detail}); its rows are matched by action number and text"
    ),
    Code.CHANGED_SINCE_SENT: _SINCE_SENT + "is applied (see the Change Log to undo)",
    Code.CHANGED_SINCE_MERGED: (
        "{at}: this return's {value!r} for the {column} of action {action} is what {earlier} "
        "said, merged earlier this round; the master's {held}, changed since, is kept (type "
        "the return's in if it is meant)"
    ),
    Code.VALUE_TRUNCATED: (
        "{at}: the update is {length:,} characters, longer than a cell holds ({limit:,}); "
        "the cell keeps the first {limit:,} and the whole text is in the merge report (--report)"
    ),
    Code.STATUS_OVERRIDDEN: (
        "{at}: owner said {value}; due date passed: {rag} ({word}), so the Status stays {held}"
    ),
    Code.SUPERSEDED: (
        "{at}: a newer return ({newer}) updates action {action}; this one was not applied"
    ),
    Code.OLDER_THAN_MERGED: (
        "older than {newer}, merged earlier this round from the same owner: what only this "
        "one changes ({actions}) was applied; check with {owner} that it still stands"
    ),
    Code.ROW_CARRIED_ON: (
        "sheet {sheet!r} row {row}: words alone under {column} ({value!r}), with no action "
        "number, action text or Status: read as the next lines of row {above}, the action "
        "above; check that they belong to it"
    ),
    Code.ACTION_ON_TWO_ROWS: (
        "{at}: action {action} is on rows {rows} of this return, with other words: row "
        "{taken}'s were taken (the last), this row's were not: Status {status!r}, update "
        "{update!r}. Check with the owner which is meant"
    ),
    Code.OFFICE_LOCK_FILE: "an Office lock file (the workbook was open when it was copied)",
    Code.LIBREOFFICE_LOCK_FILE: "a LibreOffice lock file",
    Code.HIDDEN_FILE: "a hidden file",
    Code.SYSTEM_FILE: "a system file",
    # (X-Unsent: the drafts edi-xl returns and chase write; an Outlook .msg never sent)
    Code.EMAIL_FILE: "an {what}, not a reply ({why})",
    Code.MASTER_IN_RETURNS: "the {which}",
    # the reader's own words for a file it cannot open (edi_xl.read.sources)
    Code.PASSWORD_PROTECTED: "{reason}",
    Code.NOT_A_SPREADSHEET: "{reason}",
    Code.UNREADABLE_FILE: "{reason}",
    Code.EMAIL_NO_SPREADSHEET: (
        "an email with no spreadsheet attached (from {sender}, subject {subject!r}){text}{inner}: "
        "save the attachment itself, or ask the owner to send it"
    ),
    Code.MASTER_NOT_RETURN: (
        "a master workbook kept by edi_xl (it has a Change Log), not an owner's return: not "
        "merged; move it out of the returns folder"
    ),
    Code.NO_ACTION_TABLE: (
        "no action table found (looked for a header row with '#' or 'Action' and 'Status' or "
        "'Update' in sheets {sheets})"
    ),
    Code.UPDATE_COLUMN_UNCLEAR: (
        "the table of actions on sheet {table_sheet!r} (header row {header_row}) has no Status "
        "column, and edi_xl cannot tell {which} holds this round's update, so nothing was read "
        "from this file: {then}"
    ),
    Code.EMPTY_ACTION_TABLE: "the action table has no rows",
    Code.NO_ROW_MATCHED: "no row matched an action of the master",
    Code.RETURN_UNCHANGED: "sent back with no new status or update",
    Code.EARLIER_ROUND_RETURN: (
        "an earlier round's return: made for the round as at {made} and saved ({saved}) "
        "before the round as at {merged} began; not merged"
    ),
    Code.NOT_SENT_NO_ID: "no action number (row {row})",
    Code.NOT_SENT_NO_OWNER: "no action owner",
    Code.NOT_SENT_COMPLETE: "complete",
    Code.MERGED_CELLS: "{at}: {column} is inside merged cells; not changed",
    Code.FORMULA_KEPT: (
        "{at}: the {column} of action {action} is worked out by a formula ({formula}), "
        "which shows {shown}; kept, not changed to {value!r}"
    ),
    Code.STATUS_ERROR_KEPT: (
        "{at}: the Status of action {action} holds the error {shown} and no formula (an "
        "error pasted as a value, or a picture placed in the cell, which Excel keeps as "
        "#VALUE!); kept, not changed to {value!r}: type the Status in its place"
    ),
    Code.FORMULA_NOT_OVERWRITTEN: (
        "{at}: the master works out {column} of action {action} with a formula "
        "({formula}), so this return's {value!r} was not written over it"
    ),
    Code.SUMMARY_SHEET_NOT_OURS: (
        "a sheet called {sheet!r} that edi_xl did not make is in the workbook; it was left "
        "alone and no Summary was written (rename it to get one)"
    ),
    Code.SAVED_BY_REWRITE: (
        "{file}: saved by rewriting the whole workbook, because its file could not be patched "
        "({reason}); pictures, shapes and other things openpyxl cannot keep may be missing: "
        "the backup has them"
    ),
    Code.BACKUP_NOT_KEPT: (
        "{file}: saved, but its previous version could not be kept as {value} ({reason}); "
        "there is no backup of this save: copy the file elsewhere before the next one"
    ),
    Code.FRONT_SHEET_INCOMPLETE: (
        "the Settings sheet has no {label!r}: the front sheet says 'To be completed'"
    ),
    Code.SENSITIVITY_LABELS_DIFFER: (
        "{file}: written with no sensitivity label: its sources carry different ones "
        "({value}), and which is the more restrictive is the trust's policy, not in the "
        "files; choose its label in Excel (Home > Sensitivity) before it is shared"
    ),
}

# Other wordings of a code, where it is found at another level (pass as ``template``).
#: The reason of a file outcome ``superseded``.
FILE_SUPERSEDED_EARLIER = "a newer return was merged earlier this round"
FILE_SUPERSEDED_SAME_ACTIONS = "a newer return updates the same actions"
FILE_SUPERSEDED_LATER = "a newer return ({newer}) came in"
#: A return with nothing new in its Status and update cells, but with notes, pictures or
#: TRUE / FALSE on them, or text in columns merge does not read (flagged one by one): not
#: passed over as if nothing came back.
RETURN_UNCHANGED_NOT_MERGED = (
    "sent back with no new status or update; {left} (flagged): read {them} before chasing the owner"
)
#: ``changed_since_sent`` for a return's Status not applied: the due date passed and the rule
#: keeps the action Red (``status_overridden``); a newer return was taken for the action; the
#: master works the Status out with a formula; its Status cell is inside merged cells. Each
#: says what the master holds (``held``).
SINCE_SENT_OVERRIDDEN = (
    _SINCE_SENT + "is not applied: the due date has passed, so the master holds {held!r}"
)
SINCE_SENT_SUPERSEDED = (
    _SINCE_SENT + "is not applied: a newer return ({newer}) was taken for this action, and "
    "the master holds {held!r}"
)
SINCE_SENT_OTHER_ROW = (
    _SINCE_SENT + "is not applied: row {taken} of this return, for the same action, was "
    "taken, and the master holds {held!r}"
)
SINCE_SENT_FORMULA = (
    _SINCE_SENT + "is not applied: the master works the Status out with a formula "
    "({formula}), which shows {held!r}"
)
SINCE_SENT_MERGED_CELLS = (
    _SINCE_SENT + "is not applied: the master's Status cell is inside merged cells; it holds "
    "{held!r}"
)
#: ... the return was merged before, its Status taken then, and the master's cell has been
#: changed since (HR's correction): kept.
SINCE_SENT_MERGED_BEFORE = (
    _SINCE_SENT + "was taken when this return was merged before; the master's {held!r}, "
    "changed since, is kept"
)
#: ``changed_since_merged``, where the return's row has new words in it (an owner's second
#: return with an update added to the row): taken, over what HR changed since.
CHANGED_SINCE_MERGED_REPLACED = (
    "{at}: the master's {held} for the {column} of action {action}, changed since {earlier} "
    "wrote {written!r} earlier this round, is replaced by this return's {value!r}, which has "
    "new words in its row (see the Change Log to undo)"
)
#: ``not_sent_no_owner``, the Action Owner cell wholly a timescale (``owner_not_named``).
NOT_SENT_OWNER_NOT_NAMED = (
    "no one is named as the action owner: {value!r} is a timing word or a placeholder, not a "
    "person or a role"
)
#: ... the return says what another merged earlier this round said (an owner's second
#: return made from a copy of their first), and the master's cell has been changed since: kept.
SINCE_SENT_MERGED_EARLIER = (
    _SINCE_SENT + "is what {earlier} said, merged earlier this round; the master's {held!r}, "
    "changed since, is kept"
)
#: normalise keeps a status word that is no RAG status as written.
INVALID_STATUS_KEPT = "sheet {sheet!r} row {row}: {value!r} is not a RAG status; kept as written"


class Outcome(StrEnum):
    """What became of a file of a batch of returns (the ``outcome`` of a file in the
    --report JSON and on the Returns sheet). A str enum: ``Outcome.MERGED == "merged"``."""

    READ = "read"  # read, not yet merged (intake only)
    SKIPPED = "skipped"  # not a spreadsheet or not a return: left alone
    REJECTED = "rejected"  # a return that could not be used; the reason says why
    MERGED = "merged"  # at least one action updated from it
    SUPERSEDED = "superseded"  # a newer return from the same owner was taken instead
    UNCHANGED = "unchanged"  # sent back with no new status or update
    NORMALISED = "normalised"  # written out as a clean return (``edi-xl normalise``)


@dataclass(kw_only=True)
class Location:
    file: str | None = None
    sheet: str | None = None
    row: int | None = None  # 1-based, as Excel shows it
    column: str | None = None  # the column's header text
    cell: str | None = None  # "H12"

    def __post_init__(self) -> None:
        """Refuse what a location cannot hold (a path for a file name: ``str(path)``); a
        row written as a whole float (5.0, as a spreadsheet gives numbers) is its int."""
        for name in ("file", "sheet", "column", "cell"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise TypeError(f"Location.{name} must be text, not {type(value).__name__}")
        row = self.row
        if row is not None and type(row) is not int:
            whole = isinstance(row, int) or (isinstance(row, float) and row.is_integer())
            if isinstance(row, bool) or not whole:
                raise TypeError(f"Location.row must be a whole number, not {row!r}")
            self.row = int(row)

    def __str__(self) -> str:
        parts = [p for p in (self.file, self.sheet and f"sheet {self.sheet!r}") if p]
        if self.cell:
            parts.append(f"cell {self.cell}")
        elif self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts)


@dataclass(kw_only=True)
class Problem:
    code: Code
    severity: Severity
    action_id: str | None = None
    location: Location = field(default_factory=Location)
    value: Any = None
    message: str

    def __post_init__(self) -> None:
        """A code or severity given as its text ("overdue_not_red") is the enum's member."""
        if type(self.code) is not Code:
            self.code = Code(self.code)
        if type(self.severity) is not Severity:
            self.severity = Severity(self.severity)

    def __str__(self) -> str:
        where = str(self.location)
        who = (
            f"action {self.action_id}"
            if self.action_id
            else "the table"
            if self.code in (Code.NOT_AN_ACTION, Code.ROW_WITHOUT_ACTION)
            else "the Owners table"
            if self.code in (Code.OWNER_ADDRESS_UNREADABLE, Code.OWNER_ON_TWO_LINES)
            else "an action"
        )
        return f"{self.severity.value}: {who}: {self.message}" + (f" [{where}]" if where else "")


def problem(
    code: Code,
    *,
    template: str | None = None,
    action_id: str | None = None,
    file: str | None = None,
    sheet: str | None = None,
    row: int | None = None,
    column: str | None = None,
    cell: str | None = None,
    value: Any = None,
    **fields: Any,
) -> Problem:
    """A problem of ``code``: its severity from :data:`SEVERITY`, its message from its
    template (:data:`MESSAGES`, or ``template``) filled from its location, value and
    ``fields``."""
    # "{at}": where in a file, the sheet named when known (a return may have several)
    at = f"sheet {sheet!r} row {row}" if sheet else f"row {row}"
    words = (template or MESSAGES[code]).format(
        action=action_id,
        file=file,
        sheet=sheet,
        row=row,
        column=column,
        cell=cell,
        value=value,
        at=at,
        **fields,
    )
    if (  # already what the constructor makes: made without its checks (thousands from a check)
        (file is None or type(file) is str)
        and (sheet is None or type(sheet) is str)
        and (row is None or type(row) is int)
        and (column is None or type(column) is str)
        and (cell is None or type(cell) is str)
        and (action_id is None or type(action_id) is str)
    ):
        where = made(Location, file=file, sheet=sheet, row=row, column=column, cell=cell)
        return made(
            Problem,
            code=code,
            severity=SEVERITY[code],
            action_id=action_id,
            location=where,
            value=value,
            message=words,
        )
    return Problem(
        code=code,
        severity=SEVERITY[code],
        action_id=action_id,
        location=Location(file=file, sheet=sheet, row=row, column=column, cell=cell),
        value=value,
        message=words,
    )


@dataclass(kw_only=True)
class Report:
    """All problems found in a plan."""

    problems: list[Problem] = field(default_factory=list)

    @property
    def needs_attention(self) -> bool:
        """True when anything other than information was found."""
        return any(p.severity != Severity.INFO for p in self.problems)

    def counts(self) -> dict[str, int]:
        return dict(Counter(p.severity.value for p in self.problems))


def problems_json(problems: Sequence[Problem]) -> list[dict[str, Any]]:
    """``problems`` as JSON values (``edi-xl check --json``): each problem's fields, its
    location's within it, codes and severities as their text, a value (any cell's: a date, a
    time, a number...) as pydantic's JSON mode writes it. pydantic is imported here, where a
    problem leaves edi_xl, not by every command that makes problems."""
    from pydantic import TypeAdapter

    return TypeAdapter(list[Problem]).dump_python(list(problems), mode="json")


class Flag:
    """A problem found in an owner's return (merge, normalise): a view of a :class:`Problem`
    under the names the ``--report`` JSON and the Returns sheet use: ``id`` (the action),
    ``file``, ``kind`` (the code) and ``message``; where in the return it was, when known,
    is the problem's location (sheet, row, column)."""

    __slots__ = ("problem",)

    def __init__(self, code: Code, file: str, **fields: Any) -> None:
        """A flag of ``code`` found in ``file``: the fields as :func:`problem` takes them."""
        self.problem = problem(code, file=file, **fields)

    @classmethod
    def of(cls, problem: Problem) -> Flag:
        """The flag of a problem found in a return (its location names the file)."""
        if problem.location.file is None:
            raise ValueError(f"a flag needs the file it was found in: {problem}")
        flag = cls.__new__(cls)
        flag.problem = problem
        return flag

    @property
    def id(self) -> str | None:
        return self.problem.action_id

    @property
    def file(self) -> str:
        assert self.problem.location.file is not None  # set by __init__ and of()
        return self.problem.location.file

    @property
    def kind(self) -> Code:
        return self.problem.code

    @property
    def message(self) -> str:
        return self.problem.message

    @property
    def severity(self) -> Severity:
        return self.problem.severity

    @property
    def location(self) -> Location:
        return self.problem.location

    def as_json(self) -> dict[str, Any]:
        """The flag as the --report JSON gives it."""
        return {"id": self.id, "file": self.file, "kind": self.kind.value, "message": self.message}

    def line(self) -> str:
        """The flag as the command line and the buttons print it."""
        action = f" (action {self.id})" if self.id else ""
        return f"{self.kind.value}: {self.file}{action}: {self.message}"

    @property
    def key(self) -> tuple[str, str | None, str, str]:
        """What the Returns sheet keeps of a flag: file, action, kind, message."""
        return self.file, self.id, self.kind.value, self.message

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Flag) and self.problem == other.problem

    __hash__ = None  # type: ignore[assignment]  # a Problem's value may be any cell value

    def __repr__(self) -> str:
        return f"Flag({self.id!r}, {self.file!r}, {self.kind.value!r}, {self.message!r})"
