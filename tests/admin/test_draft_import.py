"""Import that works with real files: Chinese list separators and numbering, a template with
instructions, an import started from the consultation's page, sources edited as lines."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from consult.admin.draft_resource import split_cell
from consult.admin.forms import SourcesField
from tests.admin.test_draft_admin import confirm_import

pytestmark = pytest.mark.django_db

IMPORT = reverse("admin:consult_draftoccupation_import")


@pytest.mark.parametrize(
    ("cell", "names", "tasks"),
    [
        ("甲；乙；丙", ["甲", "乙", "丙"], ["甲", "乙", "丙"]),
        ("电解水制氢工、储氢工", ["电解水制氢工", "储氢工"], ["电解水制氢工、储氢工"]),
        (
            "1、操作设备；2、检查、维护装置",
            ["操作设备", "检查", "维护装置"],
            ["操作设备", "检查、维护装置"],
        ),
        ("（1）操作设备\n（2）记录数据", ["操作设备", "记录数据"], ["操作设备", "记录数据"]),
        ("a; b", ["a", "b"], ["a", "b"]),
        ("3.5 吨以上设备", ["3.5 吨以上设备"], ["3.5 吨以上设备"]),
        ("  ；  ", [], []),
    ],
)
def test_cells_split_as_real_files_write_them(cell, names, tasks):
    assert split_cell(cell, enumeration_commas=True) == names
    assert split_cell(cell, enumeration_commas=False) == tasks


def test_the_template_has_an_instructions_sheet_and_an_example_row(client_for, editor, drafting):
    response = client_for(editor).get(
        reverse("admin:consult_draftoccupation_import_template") + f"?consultation={drafting.pk}"
    )
    assert response.status_code == 200
    assert "draft-list-2026" in response["Content-Disposition"]
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["drafts", "instructions"]
    drafts = book["drafts"]
    header = [c.value for c in drafts[1]]
    assert header[:3] == ["consultation", "position", "name"]
    assert drafts["A2"].value == "draft-list-2026"
    rows = [[c.value for c in row] for row in book["instructions"].iter_rows()]
    assert header in rows
    example = rows[rows.index(header) + 1]
    assert example[2] == "氢能生产员"


def test_a_moderator_gets_no_template(client_for, moderator):
    response = client_for(moderator).get(reverse("admin:consult_draftoccupation_import_template"))
    assert response.status_code == 403


def test_the_template_imports_once_filled_in(client_for, editor, drafting):
    client = client_for(editor)
    template = client.get(reverse("admin:consult_draftoccupation_import_template"))
    book = load_workbook(BytesIO(template.content))
    sheet = book["drafts"]
    sheet.append(
        [
            "",
            3,
            "储氢工",
            "",
            "从事储氢的人员。",
            "1、充装；2、检查、维护储罐",
            "充装工、检修工",
            "",
            "",
            "Hydrogen storage worker",
            "Hydrogen filler; Tank inspector",
            "是",
            "",
            "",
        ]
    )
    out = BytesIO()
    book.save(out)
    preview = client.post(
        IMPORT,
        {
            "import_file": SimpleUploadedFile("drafts.xlsx", out.getvalue()),
            "format": "1",
            "resource": "0",
            "consultation": str(drafting.pk),
        },
    )
    assert preview.status_code == 200
    assert preview.context["confirm_form"] is not None, preview.content.decode()[-3000:]
    confirm_import(client, preview)
    draft = drafting.drafts.get(position=3)
    assert draft.tasks == ["充装", "检查、维护储罐"]
    assert draft.job_types == ["充装工", "检修工"]
    assert (draft.language, draft.translated_name) == ("zh-hans", "Hydrogen storage worker")
    assert draft.translated_alternative_names == ["Hydrogen filler", "Tank inspector"]
    assert draft.green is True


def test_the_consultation_page_starts_the_import(client_for, editor, drafting):
    change = reverse("admin:consult_consultation_change", args=[drafting.pk])
    body = client_for(editor).get(change).content.decode()
    assert f"{IMPORT}?consultation={drafting.pk}" in body
    page = client_for(editor).get(f"{IMPORT}?consultation={drafting.pk}")
    assert page.context["form"].initial["consultation"] == drafting.pk
    assert "Download the XLSX template" in page.content.decode()


def test_a_row_for_another_consultation_is_refused(client_for, editor, drafting):
    csv = "consultation,position,name,tasks\nsome-other-list,5,Pilot,Fly\n"
    preview = client_for(editor).post(
        IMPORT,
        {
            "import_file": SimpleUploadedFile("d.csv", csv.encode(), content_type="text/csv"),
            "format": "0",
            "resource": "0",
            "consultation": str(drafting.pk),
        },
    )
    assert "but the import was started from" in preview.content.decode()
    assert not drafting.drafts.filter(position=5).exists()


def test_sources_are_edited_as_lines_not_json():
    field = SourcesField()
    stored = [{"file": "公告.pdf", "quote": "第二条"}, {"file": "list.xlsx", "quote": ""}]
    assert field.prepare_value(stored) == "公告.pdf | 第二条\nlist.xlsx"
    assert field.clean("公告.pdf | 第二条\n\nlist.xlsx") == stored
    with pytest.raises(Exception, match="Line 1: name the document"):
        field.clean(" | only a quote")
