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
