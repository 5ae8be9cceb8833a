"""Webhooks: each workflow event reaches a local receiver once, signed so that the receiver's
Standard Webhooks check passes, and fails for a tampered body or an old timestamp; a receiver
that was down gets the event after a retry; private addresses are refused in production."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.contrib import admin
from django.test import RequestFactory
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from consult.delivery import webhooks
from consult.models import (
    Consultation,
    DraftOccupation,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookMessage,
)
from consult.workflow.consultations import begin_review, open_consultation
from consult.workflow.publication import publish_consultation
from occupations.workflow import issue_release
from tests.factories import ConsultationFactory, DraftOccupationFactory
from tests.helpers import run_queued_tasks
from tests.thirdparty.conftest import make_key

pytestmark = pytest.mark.django_db

ALL_EVENTS = list(WebhookEvent.values)


class Receiver:
    """A webhook receiver on 127.0.0.1 that checks each request as a third party would, with
    the endpoint's secret, and answers 204 when the check passes, 400 when it does not."""

    def __init__(self) -> None:
        self.secret = ""
        self.received: list[dict] = []
        self.refused: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                try:
                    event = Webhook(receiver.secret).verify(body, dict(self.headers))
                except WebhookVerificationError as refused:
                    receiver.refused.append(str(refused))
                    self.send_response(400)
                else:
                    receiver.received.append({"headers": dict(self.headers), "event": event})
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks/consult"
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    receiver = Receiver()
    receiver.start()
    yield receiver
    receiver.stop()


def endpoint_for(url: str, events=ALL_EVENTS) -> WebhookEndpoint:
    key, _token = make_key(owner="Job board")
    return WebhookEndpoint.objects.create(
        api_key=key, url=url, events=list(events), created_at=timezone.now()
    )


@pytest.fixture
def endpoint(receiver):
    endpoint = endpoint_for(receiver.url)
    receiver.secret = endpoint.secret
    return endpoint


@pytest.fixture(autouse=True)
def _receivers_on_this_machine(settings):
    """The receivers of these tests listen on 127.0.0.1 over plain HTTP; tests of the
    production guard turn this off again."""
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True


def in_review_with_accepted_drafts(window) -> Consultation:
    consultation = ConsultationFactory(
        status=Consultation.Status.REVIEW,
        opens_at=window[0],
        closes_at=window[1],
        slug="list-2025",
    )
    DraftOccupationFactory(
        consultation=consultation,
        position=1,
        status=DraftOccupation.Status.ACCEPTED,
        proposed_code="6-28-01-17",
        name="Hydrogen producer",
    )
    return consultation


def test_each_event_reaches_the_receiver_once_and_verifies(
    endpoint, receiver, drafting, window, publisher, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        open_consultation(drafting, by=publisher, now=window[0] - dt.timedelta(days=1))
        begin_review(drafting, by=None, now=window[1] + dt.timedelta(seconds=1))
        publish_consultation(
            in_review_with_accepted_drafts(window),
            by=publisher,
            now=window[1] + dt.timedelta(days=30),
            slug="new-occupations-2026",
            title="New occupations 2026",
            announced_on=dt.date(2026, 9, 1),
            announced_precision="month",
        )
        release = issue_release(
            by=publisher, note="The new batch.", now=window[1] + dt.timedelta(days=31)
        )
    run_queued_tasks()

    assert receiver.refused == []
    events = [item["event"] for item in receiver.received]
    assert sorted(event["type"] for event in events) == sorted(ALL_EVENTS)
    assert len({event["id"] for event in events}) == 4
    for item in receiver.received:
        assert item["headers"]["Webhook-Id"] == item["event"]["id"]
        assert item["headers"]["Webhook-Signature"].startswith("v1,")
    by_type = {event["type"]: event["data"] for event in events}
    assert by_type["consultation.opened"]["consultation"]["slug"] == drafting.slug
    assert by_type["consultation.closed"]["consultation"]["status"] == "review"
    assert by_type["batch.published"]["batch"]["slug"] == "new-occupations-2026"
    assert by_type["batch.published"]["batch"]["occupation_count"] == 1
    assert by_type["batch.published"]["batch"]["announced_precision"] == "month"
    assert by_type["release.issued"]["release"]["version"] == release.version
    assert by_type["release.issued"]["release"]["added"] == release.added_count > 0
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}
    # Nothing is sent twice: the queue is empty and every delivery is done.
    run_queued_tasks()
    assert len(receiver.received) == 4


def test_an_endpoint_gets_only_the_events_it_chose(receiver, django_capture_on_commit_callbacks):
    chosen = endpoint_for(receiver.url, events=["batch.published"])
    receiver.secret = chosen.secret
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.announce(WebhookEvent.CONSULTATION_OPENED, {"consultation": {}})
        webhooks.announce(WebhookEvent.BATCH_PUBLISHED, {"batch": {}})
    run_queued_tasks()
    assert [item["event"]["type"] for item in receiver.received] == ["batch.published"]


def test_a_revoked_key_gets_no_events(receiver, endpoint, django_capture_on_commit_callbacks):
    endpoint.api_key.revoke(now=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.announce(WebhookEvent.BATCH_PUBLISHED, {"batch": {}})
    run_queued_tasks()
    assert receiver.received == []
    assert not WebhookDelivery.objects.exists()


def test_a_delivery_to_a_key_revoked_after_the_event_is_given_up_at_once(
    receiver, endpoint, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.announce(WebhookEvent.BATCH_PUBLISHED, {"batch": {}})
    endpoint.api_key.revoke(now=timezone.now())
    run_queued_tasks()
    delivery = WebhookDelivery.objects.get()
    assert receiver.received == []
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.attempt_log.count() == 1


def test_a_url_that_cannot_be_sent_is_a_failed_attempt_not_a_stuck_delivery(
    receiver, endpoint, django_capture_on_commit_callbacks
):
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=receiver.url + "/a\x7fb")
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.announce(WebhookEvent.BATCH_PUBLISHED, {"batch": {}})
    run_queued_tasks()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert delivery.attempt_log.get().error.startswith("InvalidURL")


def _signed_request(endpoint, now):
    message = webhooks.announce(WebhookEvent.BATCH_PUBLISHED, {"batch": {"slug": "b"}}, now=now)
    return message.body, webhooks.signed_headers(endpoint, message, now)


def test_the_receiver_rejects_a_tampered_body(endpoint):
    body, headers = _signed_request(endpoint, timezone.now())
    verifier = Webhook(endpoint.secret)
    assert verifier.verify(body, headers)["data"] == {"batch": {"slug": "b"}}
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        verifier.verify(body.replace('"b"', '"c"'), headers)
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        Webhook(webhooks_secret_of_another()).verify(body, headers)


def webhooks_secret_of_another() -> str:
    from consult.models.webhooks import new_webhook_secret

    return new_webhook_secret()


def test_the_receiver_rejects_a_timestamp_older_than_five_minutes(endpoint):
    signed_at = timezone.now() - dt.timedelta(minutes=5, seconds=1)
    body, headers = _signed_request(endpoint, signed_at)
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(endpoint.secret).verify(body, headers)
    # Within five minutes it passes.
    body, headers = _signed_request(endpoint, timezone.now() - dt.timedelta(minutes=4))
    assert Webhook(endpoint.secret).verify(body, headers)


def test_a_receiver_down_for_a_minute_gets_the_event_after_it_comes_back(
    django_capture_on_commit_callbacks,
):
    receiver = Receiver()
    receiver.server.server_close()  # nothing listens on its port: connections are refused
    endpoint = endpoint_for(receiver.url)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            webhooks.announce(WebhookEvent.CONSULTATION_OPENED, {"consultation": {"slug": "x"}})
        run_queued_tasks()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending"
    assert delivery.attempts == 1
    assert "ConnectionRefusedError" in delivery.attempt_log.get().error
    assert delivery.next_attempt_at == start + dt.timedelta(seconds=30)

    # Still down 30 seconds later: the next attempt waits twice as long.
    with time_machine.travel(start + dt.timedelta(seconds=31), tick=False):
        run_queued_tasks()
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert delivery.next_attempt_at == start + dt.timedelta(seconds=31 + 60)

    back = _receiver_on(receiver.port)
    back.secret = endpoint.secret
    back.start()
    try:
        with time_machine.travel(start + dt.timedelta(seconds=92), tick=False):
            run_queued_tasks()
    finally:
        back.stop()
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    assert [item["event"]["data"] for item in back.received] == [{"consultation": {"slug": "x"}}]
    assert list(delivery.attempt_log.values_list("status_code", flat=True)) == [None, None, 204]


def _receiver_on(port: int) -> Receiver:
    receiver = Receiver()
    receiver.server.server_close()
    handler = receiver.server.RequestHandlerClass
    receiver.server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    receiver.port = port
    receiver.url = f"http://127.0.0.1:{port}/hooks/consult"
    return receiver


def test_a_delivery_is_given_up_after_a_day(django_capture_on_commit_callbacks):
    receiver = Receiver()
    receiver.server.server_close()
    endpoint_for(receiver.url)
    start = timezone.now()
    with (
        time_machine.travel(start, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        webhooks.announce(WebhookEvent.CONSULTATION_OPENED, {})
    delivery = WebhookDelivery.objects.get()
    assert webhooks.deliver(delivery.pk, now=start) == "retry"
    with time_machine.travel(start + dt.timedelta(hours=24, seconds=1), tick=False):
        assert webhooks.deliver(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert delivery.attempts == 2


def test_staff_replay_a_delivery(endpoint, receiver, superuser, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.announce(WebhookEvent.BATCH_PUBLISHED, {"batch": {"slug": "b"}})
    run_queued_tasks()
    model_admin = admin.site._registry[WebhookDelivery]
    request = RequestFactory().post("/")
    request.user = superuser
    request._messages = type("M", (), {"add": lambda *a, **k: None})()
    with django_capture_on_commit_callbacks(execute=True):
        model_admin.replay(request, WebhookDelivery.objects.all())
    run_queued_tasks()
    assert [item["event"]["id"] for item in receiver.received] == [
        WebhookMessage.objects.get().event_id
    ] * 2
    assert WebhookDelivery.objects.get().attempt_log.count() == 2


# Where webhooks may go ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hooks",
        "https://127.0.0.1/hooks",
        "https://10.0.0.8/hooks",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/hooks",
        "https://[::ffff:127.0.0.1]/hooks",
        "https://localhost/hooks",
        "ftp://example.org/hooks",
    ],
)
def test_private_and_plain_http_addresses_are_refused_in_production(settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(webhooks.RefusedAddress):
        webhooks.check_endpoint_url(url)


# Loopback and private IPv4 addresses inside IPv6 forms, and IPv6 ranges never public.
IPV6_HIDING_IPV4 = [
    "::7f00:1",  # IPv4-compatible ::127.0.0.1
    "::a00:8",  # IPv4-compatible ::10.0.0.8
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:a9fe:a9fe",  # IPv4-mapped 169.254.169.254
    "::ffff:0:7f00:1",  # IPv4-translated (SIIT)
    "64:ff9b::7f00:1",  # NAT64 well-known prefix
    "64:ff9b::a9fe:a9fe",
    "64:ff9b:1::7f00:1",  # NAT64 local-use prefix
    "64:ff9b:1:7f00:1::",
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "2002:a00:8::1",  # 6to4 of 10.0.0.8
    "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1
    "2001:0:7f00:1::1",  # Teredo, server 127.0.0.1
    "2606:4700::5efe:7f00:1",  # ISATAP with 127.0.0.1
    "2606:4700::200:5efe:a00:8",  # ISATAP (universal) with 10.0.0.8
]


@pytest.mark.parametrize("address", IPV6_HIDING_IPV4)
def test_ipv4_hidden_in_ipv6_is_refused_at_registration(settings, address):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    assert not webhooks.is_public_address(address)
    with pytest.raises(webhooks.RefusedAddress, match="public addresses only"):
        webhooks.check_endpoint_url(f"https://[{address}]/hooks")


@pytest.mark.parametrize(
    "address",
    [
        "2606:4700:4700::1111",
        "64:ff9b::808:808",  # NAT64 of 8.8.8.8
        "2002:808:808::1",  # 6to4 of 8.8.8.8
        "2606:4700::5efe:808:808",  # ISATAP with 8.8.8.8
        "8.8.8.8",
    ],
)
def test_public_addresses_in_the_same_forms_are_taken(settings, address):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    assert webhooks.is_public_address(address)


@pytest.mark.parametrize("address", ["::7f00:1", "64:ff9b::7f00:1", "2002:7f00:1::"])
def test_the_admin_form_refuses_ipv4_hidden_in_ipv6(settings, db, address):
    from consult.admin.third_parties import WebhookEndpointForm

    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    key, _token = make_key()
    form = WebhookEndpointForm(
        data={"api_key": key.pk, "url": f"https://[{address}]/hooks", "events": ALL_EVENTS}
    )
    assert not form.is_valid()
    assert address in form.errors["url"][0]


@pytest.mark.parametrize("address", ["::7f00:1", "64:ff9b::7f00:1", "::ffff:127.0.0.1"])
def test_the_connection_refuses_ipv4_hidden_in_ipv6(settings, address):
    """At connection time too: the pinned connection checks the address it is about to
    reach, before any socket is opened."""
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    connection = webhooks.PinnedHTTPSConnection(
        "hooks.example.org", 443, address=address, timeout=1
    )
    with pytest.raises(webhooks.RefusedAddress, match="public addresses only"):
        connection.connect()
    assert connection.sock is None


def test_a_host_that_resolves_to_ipv4_hidden_in_ipv6_gets_no_delivery(
    endpoint, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """A name registered while it resolved publicly, resolving at delivery time to NAT64's
    form of 127.0.0.1: the delivery is not sent, and the attempt says why."""
    endpoint.url = "https://hooks.example.org/consult"
    endpoint.save(update_fields=["url"])
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    monkeypatch.setattr(
        webhooks.socket,
        "getaddrinfo",
        lambda *args, **kwargs: [(10, 1, 6, "", ("64:ff9b::7f00:1", 443, 0, 0))],
    )
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.announce(WebhookEvent.BATCH_PUBLISHED, {})
    run_queued_tasks()
    attempt = WebhookDelivery.objects.get().attempt_log.get()
    assert "64:ff9b::7f00:1" in attempt.error


def test_the_admin_form_refuses_a_loopback_endpoint_in_production(settings, db):
    from consult.admin.third_parties import WebhookEndpointForm

    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    key, _token = make_key()
    form = WebhookEndpointForm(
        data={"api_key": key.pk, "url": "http://127.0.0.1:8080/hooks", "events": ALL_EVENTS}
    )
    assert not form.is_valid()
    assert "https://" in form.errors["url"][0]
    form = WebhookEndpointForm(
        data={"api_key": key.pk, "url": "https://127.0.0.1/hooks", "events": ALL_EVENTS}
    )
    assert not form.is_valid()
    assert "loopback" in form.errors["url"][0]


def test_a_delivery_to_an_address_refused_since_registration_is_not_sent(
    receiver, endpoint, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.announce(WebhookEvent.BATCH_PUBLISHED, {})
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    run_queued_tasks()
    assert receiver.received == []
    attempt = WebhookDelivery.objects.get().attempt_log.get()
    assert "https://" in attempt.error


def test_the_announced_body_is_json_with_an_event_id():
    message = webhooks.announce(WebhookEvent.RELEASE_ISSUED, {"release": {"version": "2026.1"}})
    body = json.loads(message.body)
    assert body["id"] == message.event_id and body["id"].startswith("evt_")
    assert body["type"] == "release.issued"
    assert body["data"] == {"release": {"version": "2026.1"}}


def test_an_unknown_event_is_a_programming_error(db):
    with pytest.raises(ValueError, match="Unknown webhook event"):
        webhooks.announce("consultation.deleted", {})
