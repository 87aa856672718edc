"""The shipped blank template is what `edi-xl new` makes."""

import sys
from pathlib import Path

from conftest import all_cells

TEMPLATES = Path(__file__).parents[2] / "workbook_templates"


def test_shipped_template_matches_a_fresh_build(tmp_path):
    sys.path.insert(0, str(TEMPLATES))
    try:
        import build_templates
    finally:
        sys.path.remove(str(TEMPLATES))
    fresh = build_templates.build(tmp_path / "fresh.xlsx")
    assert all_cells(TEMPLATES / "action_plan_template.xlsx") == all_cells(fresh)


def test_shipped_templates_column_settings_are_a_fresh_builds(tmp_path):
    """Each sheet's ``<cols>`` read strictly (in order, not overlapping: Excel repairs a file
    whose column settings overlap) and as a fresh build's: the .xlsm's plan sheet kept the
    overlapping G:H a fixed build no longer makes (helper-100)."""
    import zipfile

    from conftest import column_settings_in_file

    sys.path.insert(0, str(TEMPLATES))
    try:
        import build_templates
    finally:
        sys.path.remove(str(TEMPLATES))
    for name in ("action_plan_template.xlsx", "action_plan_template.xlsm"):
        shipped = TEMPLATES / name
        fresh = build_templates.build(tmp_path / name)
        with zipfile.ZipFile(shipped) as zf:
            sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets
        for part in sheets:
            assert column_settings_in_file(shipped, part) == column_settings_in_file(fresh, part)


def test_shipped_templates_pass_the_open_xml_sdks_checks():
    """Excel opens the shipped templates without a repair: the .xlsm's notes shared their
    shape ids with its buttons until it was built again (helper-127)."""
    from ooxml_check import ooxml_errors

    for name in ("action_plan_template.xlsx", "action_plan_template.xlsm"):
        assert ooxml_errors(TEMPLATES / name) == [], name
