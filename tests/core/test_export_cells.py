"""One cell spec for every spreadsheet: staff CSV and XLSX, and the API's CSV."""

import csv
import datetime as dt
import io

import pytest
from django.utils.safestring import mark_safe

from core.exports import cells
from core.exports.cells import TRUE_FALSE, cell, csv_chunks


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        ("plain", "plain"),
        ("=1+1", "'=1+1"),
        ("\rx", "'\rx"),
        # Control characters go first; what they hid is then defused.
        ("\x01=1+1", "'=1+1"),
        ("\x00\x0b\x0c\x1f\x7f\x85@x", "'@x"),
        ("a\x01b\tc\nd", "ab\tc\nd"),
        (["\x02=a", "b"], "'=a\nb"),
        (mark_safe("@x"), "'@x"),  # a str subclass takes the general path
        (-3, -3),  # a number is not a formula
        (True, "yes"),
        (False, "no"),
        (["a", "=b"], "a\n=b"),
        (("=a", "b"), "'=a\nb"),
        ([], ""),
        ([["a", "b"], None, True], "a; b\n\nyes"),
        ({"key": "值"}, '{"key": "值"}'),
        (dt.datetime(2026, 7, 17, 16, 0, 0, 999999, tzinfo=dt.UTC), "2026-07-18 00:00:00"),
        (dt.date(2026, 7, 17), "2026-07-17"),
    ],
)
def test_cell(value, expected):
    assert cell(value) == expected


def test_the_api_spells_booleans_as_its_json_does():
    assert cell(True, booleans=TRUE_FALSE) == "true"
    assert cell([[False], True], booleans=TRUE_FALSE) == "false\ntrue"


def test_times_are_written_in_the_time_zone_given():
    moment = dt.datetime(2026, 7, 17, 23, 59, 59, tzinfo=dt.UTC)
    assert cell(moment, dt.timezone(dt.timedelta(hours=-5))) == "2026-07-17 18:59:59"


def test_csv_chunks_start_with_a_bom_and_the_header_and_group_rows(monkeypatch):
    monkeypatch.setattr(cells, "ROWS_PER_CHUNK", 2)
    rows = [["=a", 1], ["b\nc", None], ['"d"', True]]

    chunks = list(csv_chunks(["text", "number"], rows))

    assert len(chunks) == 2
    assert chunks[0].startswith("\ufefftext,number\r\n")
    parsed = list(csv.reader(io.StringIO("".join(chunks)[1:])))
    assert parsed == [["text", "number"], ["'=a", "1"], ["b\nc", ""], ['"d"', "yes"]]


def test_csv_chunks_of_no_rows_are_the_header_alone():
    assert list(csv_chunks(["a"], [])) == ["\ufeffa\r\n"]
