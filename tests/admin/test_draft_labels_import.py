"""Draft import and export carry the labels in each language: the language of the name and
other names, and the name and other names in the other language. A bad value is a row error
naming its column."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from consult.admin.draft_resource import DraftOccupationResource
from tests.admin.test_draft_admin import confirm_import

pytestmark = pytest.mark.django_db

HEADER = (
    "consultation,position,name,definition,alternative_names,language,translated_name,"
    "translated_alternative_names\n"
)
ENGLISH_FIRST = (
    "draft-list-2026,3,Carbon accountant,Personnel who account for emissions.,"
    '"Carbon auditor; Emissions accountant",EN,碳排放核算员,碳核算员、碳审计员\n'
)
CHINESE_FIRST = "draft-list-2026,4,氢能生产员,从事制氢的人员。,制氢工,,Hydrogen producer,\n"


def preview(client, content: str):
    upload = SimpleUploadedFile("drafts.csv", content.encode(), content_type="text/csv")
    return client.post(
        reverse("admin:consult_draftoccupation_import"),
        {"import_file": upload, "format": "0", "resource": "0"},
    )


def test_imported_labels_export_as_they_were_imported(client_for, editor, drafting):
    client = client_for(editor)
    confirm_import(client, preview(client, HEADER + ENGLISH_FIRST + CHINESE_FIRST))

    english = drafting.drafts.get(position=3)
    assert (english.language, english.name, english.translated_name) == (
        "en",
        "Carbon accountant",
        "碳排放核算员",
    )
    assert english.alternative_names == ["Carbon auditor", "Emissions accountant"]
    assert english.translated_alternative_names == ["碳核算员", "碳审计员"]
    chinese = drafting.drafts.get(position=4)
    assert (chinese.language, chinese.translated_name) == ("zh-hans", "Hydrogen producer")
    assert chinese.translated_alternative_names == []

    exported = DraftOccupationResource().export(drafting.drafts.filter(position__in=[3, 4]))
    rows = {row["position"]: row for row in exported.dict}
    assert {k: rows["3"][k] for k in HEADER.strip().split(",")[1:]} == {
        "position": "3",
        "name": "Carbon accountant",
        "definition": "Personnel who account for emissions.",
        "alternative_names": "Carbon auditor\nEmissions accountant",
        "language": "en",
        "translated_name": "碳排放核算员",
        "translated_alternative_names": "碳核算员\n碳审计员",
    }
    assert (rows["4"]["language"], rows["4"]["translated_name"]) == ("zh-hans", "Hydrogen producer")

    # The export imports again as the same drafts (at new positions).
    again = exported.export("csv").replace("draft-list-2026,3,", "draft-list-2026,13,")
    again = again.replace("draft-list-2026,4,", "draft-list-2026,14,")
    confirm_import(client, preview(client, again))
    for old, new in ((3, 13), (4, 14)):
        before, after = drafting.drafts.get(position=old), drafting.drafts.get(position=new)
        for field in ("name", "alternative_names", "language", "translated_name"):
            assert getattr(after, field) == getattr(before, field), field
        assert after.translated_alternative_names == before.translated_alternative_names


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (ENGLISH_FIRST.replace(",EN,", ",fr,"), "language", "is not a valid choice"),
        (
            CHINESE_FIRST.replace("Hydrogen producer", "x" * 201),
            "translated_name",
            "at most 200 characters",
        ),
    ],
)
def test_a_bad_label_is_a_row_error_naming_its_column(
    client_for, editor, drafting, row, column, message
):
    response = preview(client_for(editor), HEADER + row)

    assert response.status_code == 200
    result = response.context["result"]
    assert result.has_validation_errors()
    (invalid,) = result.invalid_rows
    assert column in invalid.field_specific_errors
    assert message in " ".join(invalid.field_specific_errors[column])
    assert drafting.drafts.count() == 2
