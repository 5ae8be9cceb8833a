"""A superuser adds a staff member with one role, each role explained; the account can use the
admin in that role at once, with no ticking of "staff status" nor moving of groups."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

URL = "/admin/security/members/add/"


def client_for(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def data(**extra):
    return {
        "username": "li.ming",
        "first_name": "Ming",
        "last_name": "Li",
        "email": "li.ming@example.gov.cn",
        "password1": "a long passphrase 2026",
        "password2": "a long passphrase 2026",
        "role": "Moderators",
        "mail_language": "en",
        **extra,
    }


def test_the_form_explains_each_role(superuser):
    body = client_for(superuser).get(URL).content.decode()
    assert "Publish, hide or mark comments as spam" in body
    assert "Open the consultation to the public" in body
    assert "accept or withdraw each draft" in body
    assert "checked" not in body.split('name="role"')[1][:200]  # no role preselected


def test_a_superuser_adds_a_moderator(superuser):
    response = client_for(superuser).post(URL, data())
    member = get_user_model().objects.get(username="li.ming")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:auth_user_change", args=[member.pk])
    assert member.is_staff and not member.is_superuser
    assert list(member.groups.values_list("name", flat=True)) == ["Moderators"]
    assert member.check_password("a long passphrase 2026")
    assert member.mail_settings.language == "en"
    assert member.has_perm("consult.moderate_comment")
    assert not member.has_perm("consult.publish_consultation")
    assert client_for(member).get("/admin/consult/comment/").status_code == 200


@pytest.mark.parametrize(
    ("change", "field", "error"),
    [
        ({"role": ""}, "role", "This field is required."),
        ({"role": "Admins"}, "role", "Select a valid choice."),
        ({"password2": "something else"}, "password2", "The two password fields didn"),
        ({"email": ""}, "email", "This field is required."),
        ({"username": "editor"}, "username", "A user with that username already exists."),
    ],
)
def test_bad_input_is_refused_on_its_field(superuser, editor, change, field, error):
    response = client_for(superuser).post(URL, data(**change))
    assert response.status_code == 200
    assert error in " ".join(response.context["form"].errors[field])
    assert not get_user_model().objects.filter(username="li.ming").exists()


@pytest.mark.parametrize("role", ["editor", "moderator", "publisher"])
def test_only_those_who_may_add_users_add_staff(role, request):
    user = request.getfixturevalue(role)
    assert client_for(user).post(URL, data()).status_code == 403
    assert not get_user_model().objects.filter(username="li.ming").exists()
