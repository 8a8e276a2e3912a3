"""The workbench rewrites whole files: loading and dumping every real data file must give
back the same bytes, so an admin's edit shows in git as only the lines they changed."""

from pathlib import Path

import pytest

from bot.admin import yamlio
from tests.support.stack import ROOT

FILES = sorted((ROOT / "data").rglob("*.yml")) + [ROOT / "domain.yml"] + sorted((ROOT / "tests/rasa").rglob("*.yml"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_real_files_round_trip_byte_for_byte(path: Path):
    text = path.read_text(encoding="utf-8")
    assert yamlio.dumps(yamlio.loads(text, path.name), like=text) == text


RASA_STYLE = """\
version: '3.1'
stories:
- story: stop
  steps:
  - intent: stop
  - active_loop: null
  - slot_was_set:
    - requested_slot: null
"""


def test_a_files_own_indentation_and_nulls_are_kept():
    assert yamlio.dumps(yamlio.loads(RASA_STYLE, "x"), like=RASA_STYLE) == RASA_STYLE
