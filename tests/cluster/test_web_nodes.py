"""Two web nodes behind one proxy give the answers one would: comments from either are stored,
the comment rate limit counts on both, and a session opened on one is valid on the other."""

from __future__ import annotations

import time

import pytest
from django.conf import global_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from consult.models import Comment
from tests.cluster.conftest import COMMENT_RATE_LIMIT
from tests.cluster.traffic import Load, comment_form, new_client_address
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

SIGN_IN = "/admin/account/login/"


def test_comments_through_the_proxy_land_on_both_nodes(proxy, open_consultation, figures):
    load = Load(proxy, open_consultation.slug, tag="spread", seconds=60, threads=4, limit=60)
    load.run()

    stored = set(
        Comment.objects.filter(consultation=open_consultation).values_list(
            "tracking_number", flat=True
        )
    )
    figures.record(
        "comments land on both nodes",
        requests=len(load.attempts),
        successes=len(load.successes),
        stored_rows=len(stored),
        successes_by_node=load.by_node(),
    )
    assert len(load.successes) == len(load.attempts) == 60
    assert load.by_node().keys() == {"web1", "web2"}
    assert min(load.by_node().values()) >= 20
    assert stored == {attempt.tracking_number for attempt in load.successes}


def test_the_comment_rate_limit_holds_across_both_nodes(proxy, open_consultation, figures):
    """Ten comments from one address: the first five are taken, whichever node answers, and
    the other five refused, also by both nodes."""
    limit = int(COMMENT_RATE_LIMIT.split("/")[0])
    path = f"/consultations/{open_consultation.slug}/"
    for _ in range(2):  # once more if the limit's fixed window turned during the first try
        window = int(time.time() // 3600)
        client = new_client_address()
        cookies, token = proxy.form_page(path, client=client)
        replies = [
            proxy.request(
                "POST",
                path + "comment/",
                form=comment_form(f"Comment {number} from one address.", token),
                cookies=cookies,
                client=client,
            )
            for number in range(2 * limit)
        ]
        if int(time.time() // 3600) == window:
            break
    taken = [reply for reply in replies if reply.status == 302]
    refused = [reply for reply in replies if reply.status == 429]
    figures.record(
        "rate limit across nodes",
        limit=COMMENT_RATE_LIMIT,
        requests=len(replies),
        taken_by_node=_count_nodes(taken),
        refused_by_node=_count_nodes(refused),
        stored_rows=Comment.objects.filter(consultation=open_consultation).count(),
    )
    assert [reply.status for reply in replies] == [302] * limit + [429] * limit
    assert _count_nodes(taken).keys() == _count_nodes(refused).keys() == {"web1", "web2"}
    assert Comment.objects.filter(consultation=open_consultation).count() == limit


def test_an_admin_session_opened_on_one_node_is_valid_on_the_other(proxy, settings, figures):
    """Signed in with the password and a second factor (required in production), through the
    two steps of the sign-in form, which may each land on either node."""
    # The nodes verify with the production hashers, not the tests' quick one.
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    admin = UserFactory(
        username="clusteradmin", password="a-cluster-admin-password", is_superuser=True
    )
    # two_factor asks for the code of the user's device named "default".
    device = TOTPDevice.objects.create(user=admin, name="default", confirmed=True)
    cookies, token = proxy.form_page(SIGN_IN)
    password_step = proxy.request(
        "POST",
        f"{SIGN_IN}?next=/admin/",
        form={
            "csrfmiddlewaretoken": token,
            "login_view-current_step": "auth",
            "auth-username": "clusteradmin",
            "auth-password": "a-cluster-admin-password",
        },
        cookies=cookies,
    )
    assert password_step.status == 200, (
        password_step.headers.get("Location"),
        password_step.text[:1000],
    )
    cookies = {**cookies, **password_step.cookies()}
    code = str(totp(device.bin_key, device.step, device.t0, device.digits)).zfill(device.digits)
    login = proxy.request(
        "POST",
        f"{SIGN_IN}?next=/admin/",
        form={
            "csrfmiddlewaretoken": token,
            "login_view-current_step": "token",
            "token-otp_token": code,
        },
        cookies=cookies,
    )
    assert login.status == 302, login.text[:1000]
    session = {**cookies, **login.cookies()}
    assert "sessionid" in session

    pages = [proxy.request("GET", "/admin/", cookies=session) for _ in range(4)]
    figures.record(
        "admin session across nodes",
        login_node=login.node,
        admin_pages_by_node=_count_nodes(pages),
        statuses=[page.status for page in pages],
    )
    other = {"web1": "web2", "web2": "web1"}[login.node]
    assert [page.status for page in pages] == [200] * 4
    assert other in _count_nodes(pages)
    assert all("clusteradmin" in page.text for page in pages)


def _count_nodes(replies) -> dict[str, int]:
    counts: dict[str, int] = {}
    for reply in replies:
        counts[reply.node] = counts.get(reply.node, 0) + 1
    return counts
