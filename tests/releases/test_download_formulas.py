"""A release's CSV and XLSX files hold no live formula, even when a text hides one behind a
control character: the character is removed first, then the apostrophe added."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from occupations import downloads
from occupations.workflow import issue_release
from tests.factories import OccupationFactory

pytestmark = pytest.mark.django_db

NAMES = {"\x01=1+1": "'=1+1", "=1+1": "'=1+1", "\x02\x1f@SUM(A1)": "'@SUM(A1)", "a\x01b": "ab"}


@pytest.fixture
def files(publisher):
    for name in NAMES:
        OccupationFactory(name=name)
    release = issue_release(by=publisher, note="Names that hide formulas.")
    return downloads.build_files(release)


def test_no_formula_in_the_workbook(files):
    sheet = load_workbook(io.BytesIO(files[downloads.XLSX_NAME]))["occupations"]
    header = [c.value for c in sheet[1]]
    column = header.index("name")
    cells = [row[column] for row in sheet.iter_rows(min_row=2)]
    assert sorted(c.value for c in cells) == sorted(NAMES.values())
    for cell in cells:
        assert cell.data_type != "f", cell.value
        assert not cell.value.startswith(("=", "@")), cell.value


def test_no_bare_formula_in_the_csv(files):
    rows = list(csv.DictReader(io.StringIO(files["occupations.csv"].decode("utf-8-sig"))))
    assert sorted(row["name"] for row in rows) == sorted(NAMES.values())
    text = files["occupations.csv"].decode("utf-8-sig")
    assert "\x01" not in text and "\x02" not in text
