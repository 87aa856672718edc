"""The README's Python example runs as written (on a workbook the test builds)."""

import re
from pathlib import Path

from conftest import build_trust_workbook

README = Path(__file__).parents[2] / "README.md"


def test_readme_python_example_runs(tmp_path, monkeypatch):
    text = README.read_text(encoding="utf-8")
    [code] = re.findall(r"```python\n(.*?)```", text, re.S)
    build_trust_workbook(tmp_path / "EDI action plan 2023.xlsx")
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {})  # noqa: S102 - our own README
    assert (tmp_path / "plan.xlsx").exists()


def test_readme_gives_the_two_fresh_machine_commands():
    text = README.read_text(encoding="utf-8")
    assert "python3 -m pip install . && python3 -m edi_xl demo" in text
    assert 'python3 -m pip install ".[test]" && python3 -m pytest' in text
    ci = (Path(__file__).parents[2] / ".ci" / "run").read_text(encoding="utf-8")
    assert 'python3 -m pip install ".[test]" && python3 -m pytest' in ci


def test_readme_lists_every_problem_code_with_its_severity():
    """Each code of edi_xl.core.problems.Code has one row in the README's "Problem codes"
    tables, with the severity SEVERITY gives it; every file outcome is named there too."""
    from edi_xl.core.problems import SEVERITY, Code, Outcome

    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Problem codes") : text.index("## Buttons in Excel")]
    rows = re.findall(r"^\| `([a-z_]+)` \| (error|warning|info) \| .+ \|$", section, re.M)
    listed = dict(rows)
    assert len(listed) == len(rows), "a code is listed twice"
    assert listed == {code.value: SEVERITY[code].value for code in Code}
    assert set(SEVERITY) == set(Code)
    for outcome in Outcome:
        assert f"`{outcome.value}`" in section.split("What became of each file")[1]
