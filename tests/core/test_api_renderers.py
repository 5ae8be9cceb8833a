"""The API's CSV: dotted columns of serialized records, in the one cell spec."""

import csv
import io

from core.api.renderers import csv_lines, value_at

RECORD = {
    "id": 7,
    "name": "=Blockchain engineer",
    "green": True,
    "group": None,
    "batch": {"slug": "batch-4", "announced_on": "2021-03-18"},
    "standards": [
        {"id": 1, "directions": ["training", "products"]},
        {"id": 2, "directions": []},
    ],
}


def test_a_dotted_column_reads_nested_records_and_lists():
    assert value_at(RECORD, "batch.slug") == "batch-4"
    assert value_at(RECORD, "standards.id") == [1, 2]
    assert value_at(RECORD, "standards.directions") == [["training", "products"], []]
    assert value_at(RECORD, "standards.directions.name") == [None, None]
    assert value_at(RECORD, "group.code") is None
    assert value_at(RECORD, "id.value") is None


def test_the_csv_has_a_header_and_one_row_per_record():
    columns = ["id", "name", "green", "group.code", "batch.slug", "standards.directions"]

    text = "".join(csv_lines(columns, [RECORD]))

    assert text.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(text[1:]))) == [
        columns,
        ["7", "'=Blockchain engineer", "true", "", "batch-4", "training; products\n"],
    ]
