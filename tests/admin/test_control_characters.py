"""Staff draft forms and the spreadsheet import refuse control characters in the text of a
draft, with a message naming the field: a text such as "\\x01=1+1" never gets stored."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from consult.models import DraftOccupation
from occupations.models import Transition
from tests.admin.test_draft_admin import CSV, import_csv, in_consultation, in_review, revise_data
from tests.admin.test_draft_admin import url as draft_url
from tests.factories import DraftOccupationFactory

pytestmark = pytest.mark.django_db
__all__ = ["in_consultation", "in_review"]  # fixtures used here


@pytest.mark.parametrize(
    ("field", "value", "label"),
    [
        ("name", "\x01=1+1", "name"),
        ("definition", "Personnel who\x07 design.", "definition"),
        ("tasks", "Inspect equipment.\nRecord\x1b readings.", "main tasks"),
        ("job_types", "Pilot\x07", "job types"),
    ],
)
def test_the_revise_form_refuses_control_characters_on_the_field(
    client_for, editor, in_review, field, value, label
):
    response = client_for(editor).post(
        draft_url("revise", in_review.pk), revise_data(in_review, **{field: value})
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert errors[field] == [
        f"{label}: remove the control characters (invisible characters such as NUL) from this text."
    ]
    assert not Transition.objects.filter(action="revise").exists()


def test_a_definition_keeps_its_line_ends_and_tabs(client_for, editor, in_review):
    response = client_for(editor).post(
        draft_url("revise", in_review.pk),
        revise_data(in_review, definition="Line one,\r\n\tline two.", note="Two lines."),
    )
    assert response.status_code == 302
    in_review.refresh_from_db()
    assert "\tline two." in in_review.definition


def test_the_model_refuses_them_for_every_form_of_the_draft(drafting):
    draft = DraftOccupationFactory.build(consultation=drafting, position=9, name="\x01=1+1")
    with pytest.raises(ValidationError) as refused:
        draft.clean_fields(exclude=["status"])  # the workflow sets the status
    assert list(refused.value.message_dict) == ["name"]


@pytest.mark.parametrize(
    ("old", "new", "label"),
    [
        ("Carbon accountant", "\x01=1+1", "name"),
        ("Count carbon", "Count\x02 carbon", "main tasks"),
    ],
)
def test_the_import_refuses_control_characters_naming_the_field(
    client_for, editor, drafting, old, new, label
):
    preview = import_csv(client_for(editor), CSV.replace(old, new))
    assert preview.status_code == 200
    assert preview.context.get("confirm_form") is None
    body = preview.content.decode()
    assert f"{label}: remove the control characters" in body
    assert DraftOccupation.objects.filter(consultation=drafting).count() == 2


def test_the_refusal_speaks_chinese(client_for, editor, in_review):
    response = client_for(editor).post(
        draft_url("revise", in_review.pk),
        revise_data(in_review, name="\x01=1+1"),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.context["form"].errors["name"] == [
        "名称：请删除文本中的控制字符（如 NUL 等不可见字符）。"
    ]
