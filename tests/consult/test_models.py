"""Consultation models: tracking numbers, fingerprints, IP hashes and the read QuerySets."""

import datetime as dt
import re

import pytest
from django.utils import translation

from consult.models import (
    CROCKFORD_ALPHABET,
    TRACKING_NUMBER_PATTERN,
    Comment,
    Consultation,
    DraftOccupation,
    comment_fingerprint,
    new_tracking_number,
    normalise_tracking_number,
)
from core.clients import hash_ip
from tests.factories import CommentFactory, ConsultationFactory, DraftOccupationFactory

pytestmark = pytest.mark.django_db

S = Consultation.Status


# Tracking numbers --------------------------------------------------------------------------


def test_tracking_numbers_are_three_groups_of_four_crockford_characters():
    numbers = {new_tracking_number() for _ in range(200)}
    assert len(numbers) == 200
    for number in numbers:
        assert re.fullmatch(TRACKING_NUMBER_PATTERN, number)
        assert set(number.replace("-", "")) <= set(CROCKFORD_ALPHABET)
        assert not set(number) & set("ILOU")


def test_every_symbol_is_drawn_at_every_place_of_a_tracking_number():
    """The twelve places are independent and uniform over the 32 symbols: in 3,000 numbers a
    symbol missing from one place has a chance of about 10^-40."""
    numbers = [new_tracking_number().replace("-", "") for _ in range(3000)]
    for place in range(12):
        assert {number[place] for number in numbers} == set(CROCKFORD_ALPHABET)


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("7KQ4-M2XD-93TR", "7KQ4-M2XD-93TR"),
        ("7kq4-m2xd-93tr", "7KQ4-M2XD-93TR"),
        ("7KQ4M2XD93TR", "7KQ4-M2XD-93TR"),
        (" 7kq4 m2xd 93tr ", "7KQ4-M2XD-93TR"),
        ("7KQ4-M2XD-O3TI", "7KQ4-M2XD-03T1"),
        ("7KQ4-M2XD-93TL", "7KQ4-M2XD-93T1"),
    ],
)
def test_tracking_numbers_are_normalised_as_people_type_them(typed, normalised):
    assert normalise_tracking_number(typed) == normalised


def test_a_tracking_number_of_the_wrong_length_is_returned_unchanged():
    assert normalise_tracking_number("7KQ4-M2XD") == "7KQ4-M2XD"


def test_the_tracking_number_pattern_refuses_a_trailing_newline():
    assert not re.search(TRACKING_NUMBER_PATTERN, "7KQ4-M2XD-93TR\n")
    assert not re.search(TRACKING_NUMBER_PATTERN, "7KQ4-M2XD-93TU")


# Fingerprints and IP hashes ----------------------------------------------------------------


@pytest.mark.parametrize(
    "variant",
    [
        "Keep the old name, please!",
        "keep the old name please",
        "KEEP   THE OLD NAME — PLEASE.",
        "Keep the old\nname, please!!!",
        "Ｋｅｅｐ the old name, please",  # full-width letters
    ],
)
def test_the_same_text_up_to_case_spacing_and_punctuation_has_one_fingerprint(variant):
    assert comment_fingerprint(variant) == comment_fingerprint("Keep the old name, please!")


def test_chinese_punctuation_does_not_split_a_campaign():
    assert comment_fingerprint("建议保留原名称！") == comment_fingerprint("建议保留原名称。")


def test_different_texts_have_different_fingerprints():
    assert comment_fingerprint("Keep the old name") != comment_fingerprint("Keep the new name")
    assert len(comment_fingerprint("x")) == 64


def test_an_ip_hash_is_salted_and_never_the_address(settings):
    settings.IP_HASH_SECRET = "first salt"
    first = hash_ip("203.0.113.7")
    assert "203.0.113.7" not in first
    assert re.fullmatch(r"[0-9a-f]{64}", first)
    assert hash_ip("203.0.113.7") == first
    assert hash_ip("203.0.113.8") != first
    settings.IP_HASH_SECRET = "second salt"
    assert hash_ip("203.0.113.7") != first


def test_no_address_gives_no_hash():
    assert hash_ip("") == ""


# Consultation reads ------------------------------------------------------------------------


@pytest.fixture
def three_windows(consultation_in, window):
    """One consultation per public state at ``window[0] + 1 day``, plus one in drafting."""
    now = window[0] + dt.timedelta(days=1)
    day = dt.timedelta(days=1)
    return now, {
        "open": consultation_in(S.CONSULTATION),
        "scheduled": consultation_in(S.CONSULTATION, opens_at=now + day, closes_at=now + 9 * day),
        "closed": consultation_in(S.CONSULTATION, opens_at=now - 9 * day, closes_at=now - day),
        "reviewed": consultation_in(S.REVIEW, opens_at=now - 9 * day, closes_at=now - day),
        "drafting": consultation_in(S.DRAFTING),
    }


def test_consultations_are_open_scheduled_or_closed_by_the_clock(three_windows):
    now, c = three_windows
    assert set(Consultation.objects.open(now)) == {c["open"]}
    assert set(Consultation.objects.scheduled(now)) == {c["scheduled"]}
    assert set(Consultation.objects.closed(now)) == {c["closed"], c["reviewed"]}
    assert c["drafting"] not in Consultation.objects.public()
    assert {x.state(now) for x in Consultation.objects.public()} == {
        "open",
        "scheduled",
        "closed",
    }


def test_only_closed_consultations_still_in_consultation_await_review(three_windows):
    now, c = three_windows
    assert list(Consultation.objects.awaiting_review(now)) == [c["closed"]]


def test_the_open_queryset_includes_both_boundary_seconds(consultation_in, window):
    consultation = consultation_in(S.CONSULTATION)
    for now in window:
        assert list(Consultation.objects.open(now)) == [consultation]
    assert not Consultation.objects.open(window[1] + dt.timedelta(seconds=1)).exists()
    assert not Consultation.objects.open(window[0] - dt.timedelta(seconds=1)).exists()


def test_comment_counts_leave_out_spam(consultation_in):
    busy = consultation_in(S.CONSULTATION)
    quiet = consultation_in(S.CONSULTATION)
    for status in ["received", "published", "hidden", "spam", "spam"]:
        CommentFactory(consultation=busy, status=status)
    counts = dict(Consultation.objects.with_comment_count().values_list("pk", "comment_total"))
    assert counts == {busy.pk: 3, quiet.pk: 0}


# Comment reads -----------------------------------------------------------------------------


def test_only_published_comments_with_consent_are_public():
    shown = CommentFactory(status="published", consent_to_publish=True)
    CommentFactory(status="published", consent_to_publish=False)
    CommentFactory(status="received", consent_to_publish=True)
    CommentFactory(status="hidden", consent_to_publish=True)
    CommentFactory(status="spam", consent_to_publish=True)
    assert list(Comment.objects.published()) == [shown]
    assert shown.is_public
    assert Comment.objects.not_spam().count() == 4
    assert Comment.objects.awaiting_moderation().count() == 1


def test_campaigns_group_one_consultations_comments_by_normalised_text():
    consultation, other = ConsultationFactory(), ConsultationFactory()
    keep = [
        CommentFactory(consultation=consultation, body=body)
        for body in ["Keep the name!", "keep the name", "KEEP THE NAME."]
    ]
    for body in ["Add a task.", "add a task"]:
        CommentFactory(consultation=consultation, body=body)
    CommentFactory(consultation=consultation, body="A lone voice.")
    CommentFactory(consultation=other, body="Keep the name")  # another consultation's text
    campaigns = list(Comment.objects.campaigns())
    assert [c["size"] for c in campaigns] == [3, 2]
    # A campaign is named by its representative, the earliest of its comments.
    assert campaigns[0]["cluster_id"] == keep[0].pk
    assert {c.fingerprint for c in keep} == {comment_fingerprint("keep the name")}
    assert {c["consultation_id"] for c in campaigns} == {consultation.pk}
    assert [c["size"] for c in Comment.objects.campaigns(min_size=3)] == [3]


def test_an_author_without_a_name_is_shown_as_anonymous():
    with translation.override("en"):
        assert CommentFactory(author_name="").public_author == "Anonymous"
        assert CommentFactory(author_name="Li Hua").public_author == "Li Hua"


def test_a_comment_names_what_it_is_about():
    draft = DraftOccupationFactory(name="氢能生产工")
    with translation.override("en"):
        assert CommentFactory(consultation=draft.consultation).target_display == "the whole list"
        on_name = CommentFactory(consultation=draft.consultation, occupation=draft, field="name")
        assert on_name.target_display == "氢能生产工 — name"
    assert CommentFactory(consultation=draft.consultation, occupation=draft).target_display == (
        "氢能生产工"
    )


# Drafts ------------------------------------------------------------------------------------


def test_drafts_come_in_list_order_and_active_leaves_out_withdrawn(consultation_in):
    consultation = consultation_in(S.REVIEW)
    DraftOccupationFactory(
        consultation=consultation,
        position=0,
        name="First",
        status=DraftOccupation.Status.WITHDRAWN,
        withdrawal_reason="Duplicate.",
    )
    assert [d.name for d in consultation.drafts.in_order()] == [
        "First",
        "Hydrogen producer",
        "Low-altitude pilot",
    ]
    assert [d.name for d in consultation.drafts.active().in_order()] == [
        "Hydrogen producer",
        "Low-altitude pilot",
    ]


def test_changes_since_consultation_lists_only_revised_fields(consultation_in):
    draft = consultation_in(S.REVIEW).drafts.get(position=1)
    draft.consulted_text = draft.text()
    draft.green = True
    draft.job_types = ["Electrolysis operator"]
    assert draft.changes_since_consultation() == {
        "green": (None, True),
        "job_types": ([], ["Electrolysis operator"]),
    }
