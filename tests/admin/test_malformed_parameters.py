"""Staff URLs with malformed parameters answer with a message, never a server error."""

import pytest

from tests.factories import CommentFactory, OccupationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query", ["consultation__id__exact=abc", "submitted_at__gte=notadate"])
def test_an_export_with_bad_filters_returns_to_the_list_with_a_message(
    client_for, superuser, query
):
    CommentFactory()
    CommentFactory()
    response = client_for(superuser).get(f"/admin/consult/comment/export/csv/?{query}", follow=True)
    assert response.status_code == 200
    assert "The filters of that export are not valid." in response.content.decode()


@pytest.mark.parametrize("value", ["%C2%B2", "99999999999999999999999", "-1", "1.5"])
def test_ids_that_are_not_ids_are_ignored(client_for, superuser, value):
    OccupationFactory()
    client = client_for(superuser)
    campaigns = client.get(f"/admin/consult/comment/campaigns/?consultation={value}")
    assert campaigns.status_code == 200
    attach = client.get(f"/admin/occupations/skillstandard/add/?occupation={value}", follow=True)
    assert attach.status_code == 200
    assert "Choose a published occupation" in attach.content.decode()
