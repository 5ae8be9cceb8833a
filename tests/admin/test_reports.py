"""The response report: counts per occupation and field, campaigns once, texts by variant."""

import pytest

from consult import clustering
from consult.models import Comment, Consultation, comment_fingerprint, new_tracking_number
from consult.reporting.report import build_response_report
from tests.factories import CommentFactory, ConsultationFactory, DraftOccupationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def consultation():
    consultation = ConsultationFactory(status=Consultation.Status.REVIEW)
    DraftOccupationFactory(consultation=consultation, position=1, name="Hydrogen producer")
    DraftOccupationFactory(
        consultation=consultation,
        position=2,
        name="Low-altitude pilot",
        tasks=["Plan flights.", "Fly drones.", "Keep logs."],
    )
    return consultation


def comment(consultation, *, status="received", **kwargs):
    return CommentFactory(consultation=consultation, status=status, **kwargs)


def test_counts_per_occupation_and_field_in_draft_order(consultation):
    first, second = consultation.drafts.in_order()
    comment(consultation, disposition="adopted")
    comment(consultation, occupation=second, field="task", task_number=2, disposition="noted")
    comment(consultation, occupation=second, field="name")
    comment(consultation, occupation=second)
    comment(consultation, occupation=first, field="definition", disposition="not_adopted")

    report = build_response_report(consultation, public=False)

    assert report.comments == 5
    assert report.dispositions["adopted"] == 1
    assert report.dispositions["pending"] == 2
    assert [s.label for s in report.sections] == [
        "The whole list",
        "Hydrogen producer",
        "Low-altitude pilot",
    ]
    pilot = report.occupations[1]
    assert [(f.key, f.task_number) for f in pilot.fields] == [
        ("", None),
        ("name", None),
        ("task", 2),
    ]
    assert [f.label for f in pilot.fields] == ["The occupation as a whole", "Name", "Task 2"]
    assert pilot.fields[2].task_text == "Fly drones."
    assert pilot.comments == 3
    assert report.occupations[0].dispositions["not_adopted"] == 1
    assert pilot.fields[2].disposition_rows == [("noted", "noted", 1)]


def test_spam_is_left_out_and_hidden_comments_still_count(consultation):
    comment(consultation, status="spam")
    comment(consultation, status="hidden")
    comment(consultation, status="published")

    report = build_response_report(consultation, public=False)

    assert report.comments == 2
    assert len(report.whole_list.fields[0].texts) == 2


def test_a_campaign_is_counted_once_with_its_size(consultation):
    _, pilot = consultation.drafts.in_order()
    body = "Please rename this occupation."
    for variant in (body, body.upper(), "please   rename this occupation!"):
        comment(consultation, occupation=pilot, field="name", body=variant)
    comment(consultation, occupation=pilot, field="name", body="Keep the name.")

    report = build_response_report(consultation, public=False)

    name = report.occupations[1].fields[0]
    assert name.comments == 4
    assert name.submissions == 2
    assert [c.size for c in name.repeated_texts] == [3]
    first = Comment.objects.get(body=body)
    assert name.repeated_texts[0].cluster == first.pk
    assert sorted(t.repeats for t in name.texts) == [1, 3]
    assert report.repeated_text_count == 1
    assert report.submissions == 2


def test_each_occupation_says_how_many_of_its_comments_are_in_campaigns(consultation):
    """ "N comments, of which M in K campaigns", each campaign once with its count; a near copy
    (a name changed) is in the campaign, spam is not counted."""
    hydrogen, pilot = consultation.drafts.in_order()
    text = (
        "We ask that the definition of this occupation mention safety training for every "
        "worker, as the {org} has asked for years, and that task two be split in two parts."
    )
    orgs = ["union of energy workers", "union of power workers", "union of energy workers"]
    for org in orgs:
        comment(consultation, occupation=pilot, body=text.format(org=org), status="published")
    comment(consultation, occupation=pilot, field="name", body=text.format(org="guild"))
    comment(consultation, occupation=pilot, body=text.format(org="spammers"), status="spam")
    for _ in range(2):
        comment(consultation, occupation=hydrogen, body="Keep the name as it is, please.")
    comment(consultation, occupation=hydrogen, body=text.format(org="association"))
    comment(consultation, occupation=hydrogen, body="An entirely different remark.")

    report = build_response_report(consultation, public=True)

    first, second = report.occupations
    assert (first.comments, first.in_campaigns, len(first.campaigns)) == (4, 3, 2)
    assert [(c.size, c.total) for c in first.campaigns] == [(2, 2), (1, 5)]
    assert (second.comments, second.in_campaigns, len(second.campaigns)) == (4, 4, 1)
    (campaign,) = second.campaigns
    assert (campaign.size, campaign.total) == (4, 5)
    assert campaign.text == text.format(org=orgs[0])  # the first published member
    assert first.campaigns[0].text == ""  # none of its comments is published
    assert (report.campaign_count, report.in_campaigns) == (2, 7)


def test_the_public_variant_shows_only_published_consented_texts(consultation):
    comment(consultation, status="published", body="Visible.", reply="Thank you.")
    comment(consultation, status="published", consent_to_publish=False, body="No consent.")
    comment(consultation, status="hidden", body="Hidden.")
    comment(consultation, status="received", body="Not yet moderated.", email="a@example.org")

    report = build_response_report(consultation, public=True)

    texts = report.whole_list.fields[0].texts
    assert [(t.body, t.reply) for t in texts] == [("Visible.", "Thank you.")]
    assert report.comments == 4
    assert not hasattr(texts[0], "email")


def test_an_empty_consultation_has_zero_totals(consultation):
    report = build_response_report(consultation, public=True)
    assert report.comments == 0
    assert report.whole_list.fields == []
    assert [o.comments for o in report.occupations] == [0, 0]
    assert [row[2] for row in report.disposition_rows] == [0, 0, 0, 0, 0]


def test_the_report_runs_in_constant_queries(consultation, django_assert_num_queries):
    first, second = consultation.drafts.in_order()
    rows = [
        Comment(
            consultation=consultation,
            occupation=(first, second, None)[i % 3],
            field=("name", "task", "")[i % 3],
            task_number=2 if i % 3 == 1 else None,
            body=f"Comment {i % 40}",
            fingerprint=comment_fingerprint(f"Comment {i % 40}"),
            tracking_number=new_tracking_number(),
            consent_to_publish=True,
            status=("published", "received", "hidden", "spam")[i % 4],
        )
        for i in range(600)
    ]
    Comment.objects.bulk_create(rows)
    clustering.rebuild(consultation)
    for public in (True, False):
        with django_assert_num_queries(5):
            report = build_response_report(consultation, public=public)
        assert report.comments == 450
