"""The csv delimiter edi_xl picks (``sources._Sniffer``) is the one ``csv.Sniffer`` picks from
the same candidates: edi_xl's counts only the candidates on each line, the standard library's
all 127 ASCII characters before it keeps the candidates.

Compared on returns as owners save them (every candidate delimiter, quoted fields with the
delimiter or quotes inside, lines of other lengths, notes above the table, blank lines,
spaces after the delimiter) and on thousands of random lines made of the characters that
decide it.
"""

from __future__ import annotations

import csv
import io
import random

import pytest

from edi_xl.read.sources import _CSV_DELIMITERS, _Sniffer

ROWS = [
    ["#", "Action", "Due Date", "Status", "Update as at 18 Dec 23"],
    ["1.1", "Publish the WRES report", "31/03/2024", "Green", "Done, see the board paper"],
    ["1.2", 'Train "inclusive recruitment" panels', "Q1 2024/25", "Amber", "Trust's plan; late"],
    ["2.1", "Review; then act", "March 2024", "", "1, 2 and 3 | all done"],
    ["2.2", "Staff networks: fund chairs' time", "", "Red", ""],
]


def _written(delimiter: str, quoting: int, rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, quoting=quoting, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _both(sample: str) -> tuple[object, object]:
    def pick(sniffer: csv.Sniffer) -> object:
        try:
            found = sniffer.sniff(sample, delimiters=_CSV_DELIMITERS)
        except csv.Error as exc:
            return ("error", str(exc))
        return (found.delimiter, found.skipinitialspace, found.quotechar, found.doublequote)

    return pick(_Sniffer()), pick(csv.Sniffer())


def _samples() -> list[str]:
    samples = []
    for delimiter in (",", ";", "\t", "|"):
        for quoting in (csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC):
            text = _written(delimiter, quoting, ROWS)
            samples.append(text)
            samples.append("Return for: Estates\n\n" + text)  # a note and a blank line above
            samples.append(text.replace(delimiter, delimiter + " "))  # spaces after it
            samples.append(text + "Total" + delimiter + "4\n")  # a shorter last line
            samples.append(text.splitlines()[0])  # the header alone
        for n in (9, 10, 11, 20, 21, 25, 30, 40):  # one line out of step: its threshold decides
            lines = [delimiter.join(["1.1", "Action", "Green"])] * n
            lines.insert(3, delimiter.join(["1.2", "Action"]))
            samples.append("\n".join(lines))
    return samples


@pytest.mark.parametrize("sample", _samples())
def test_the_same_delimiter_as_csv_sniffer_on_returns(sample: str) -> None:
    ours, theirs = _both(sample)
    assert ours == theirs


def test_the_same_delimiter_as_csv_sniffer_on_random_lines() -> None:
    chars = ",;\t| ab1'\"x"
    rng = random.Random(13)
    differ = []
    for _ in range(3000):
        lines = [
            "".join(rng.choice(chars) for _ in range(rng.randint(0, 14)))
            for _ in range(rng.randint(1, 25))
        ]
        sample = "\n".join(lines)
        ours, theirs = _both(sample)
        if ours != theirs:
            differ.append((sample, ours, theirs))
    assert not differ, differ[:3]
