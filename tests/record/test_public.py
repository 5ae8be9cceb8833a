"""The comment record as the public meets it: the consultation page, the receipt's proof and its
JSON file, the API, the feed, the release's JSON, the private link of the receipt mail ("this
wasn't me", withdrawal) and staff putting a comment back."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse

from consult import commitment
from consult.intake.store import Sender, Target, submit_comment
from consult.models import Comment, CommentRecord, Consultation, OutgoingMail
from consult.workflow import withdrawal
from core.errors import InvalidTransition
from occupations.models import Transition
from tests.factories import ConsultationFactory
from tests.record import independent

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
OPENS = dt.datetime(2026, 6, 17, 0, 0, tzinfo=dt.UTC)
CLOSES = dt.datetime(2026, 7, 17, 16, 0, tzinfo=dt.UTC)
DURING = dt.datetime(2026, 7, 1, 8, 0, tzinfo=dt.UTC)
AFTER = CLOSES + dt.timedelta(minutes=10)


@pytest.fixture
def consultation(db):
    return ConsultationFactory(
        slug="record-2026",
        status=Consultation.Status.CONSULTATION,
        opens_at=OPENS,
        closes_at=CLOSES,
    )


def send(consultation, n: int, *, email: str = "") -> Comment:
    return submit_comment(
        Target(consultation),
        now=DURING + dt.timedelta(minutes=n),
        body=f"Comment {n}: the definition should name the equipment.",
        name=f"Sender {n}",
        email=email,
        consent_to_publish=True,
        sender=Sender(ip="192.0.2.1", language="en", site_url="http://testserver"),
    )


@pytest.fixture
def comments(consultation):
    sent = [send(consultation, n, email=f"p{n}@example.org" if n % 2 else "") for n in range(5)]
    Comment.objects.filter(pk__in=[c.pk for c in sent]).update(status="published")
    return [Comment.objects.get(pk=c.pk) for c in sent]


def private_link(comment: Comment) -> str:
    mail = OutgoingMail.objects.get(kind=OutgoingMail.Kind.RECEIPT, recipient=comment.email)
    url = re.search(r"http://\S+/comments/private/\S+/", mail.body).group(0)
    return url.removeprefix("http://testserver")


def test_before_the_close_there_is_no_proof_and_every_place_says_why(client, comments):
    comment = comments[0]
    with time_machine.travel(CLOSES - dt.timedelta(hours=1), tick=False):
        page = client.get(comment.get_absolute_url())
        assert b"computed when its window closes" in page.content
        api = client.get(f"/api/v1/comments/{comment.tracking_number}/proof/")
        assert api.status_code == 409
        assert "computed when its window closes" in api.json()["detail"]
        download = client.get(reverse("comment-proof", args=[comment.tracking_number]))
        assert download.status_code == 404
        assert client.get("/api/v1/consultations/record-2026/").json()["comment_record"] is None
    assert client.get("/api/v1/comments/0000-0000-0000/proof/").status_code == 404


def test_after_the_close_every_receipt_proves_its_comment(client, comments, consultation):
    with time_machine.travel(AFTER, tick=False):
        assert commitment.commit_due(now=AFTER) == ["record-2026"]
        record = CommentRecord.objects.get(consultation=consultation)
        page = client.get(consultation.get_absolute_url()).content.decode()
        assert record.root in page and "record-count" in page
        api = client.get("/api/v1/consultations/record-2026/").json()["comment_record"]
        assert api == {
            "root": record.root,
            "count": 5,
            "algorithm": "rfc6962-sha256",
            "computed_at": api["computed_at"],
        }
        verified = 0
        for comment in comments:
            receipt = client.get(comment.get_absolute_url()).content.decode()
            assert "Included in the record of this consultation" in receipt
            proof = client.get(reverse("comment-proof", args=[comment.tracking_number])).json()
            assert proof == client.get(f"/api/v1/comments/{comment.tracking_number}/proof/").json()
            assert independent.verify(proof)
            assert proof["root"] == record.root
            verified += 1
        assert verified == 5
        Consultation.objects.filter(pk=consultation.pk).update(status="review")
        report = client.get(reverse("consultation-report", args=["record-2026"]))
        assert record.root in report.content.decode()


def test_the_feed_and_the_release_carry_the_record(client, comments, consultation):
    record = commitment.commit(consultation, now=AFTER)
    with time_machine.travel(AFTER, tick=False):
        feed = client.get(reverse("feed-consultations")).content.decode()
    assert record.root in feed
    from occupations import downloads
    from tests.factories import BatchFactory

    batch = BatchFactory()
    Consultation.objects.filter(pk=consultation.pk).update(status="published", batch=batch)
    section = downloads.EXTRA_SECTIONS["comment_records"](None, {"batches": [{"slug": batch.slug}]})
    assert section == [{"consultation": "record-2026", "batch": batch.slug, **record.as_dict()}]
    assert downloads.EXTRA_SECTIONS["comment_records"](None, {"batches": []}) == []


def csv_rows(response) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content if response.streaming else [response.content])
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_published_comments_carry_the_record_in_their_data(client, comments, consultation):
    listing = "/api/v1/consultations/record-2026/comments/"
    with time_machine.travel(AFTER, tick=False):
        # Closed, not yet recorded: the key and the columns are there, empty.
        before = client.get(listing)
        assert list(before.json()) == ["count", "comment_record", "next", "previous", "results"]
        assert before.json()["comment_record"] is None
        rows = csv_rows(client.get(listing + "?format=csv"))
        assert len(rows) == 5
        assert {(r["comment_record.root"], r["comment_record.count"]) for r in rows} == {("", "")}

        record = commitment.commit(consultation, now=AFTER)

        # The answer changed: a client holding the earlier copy gets the new one, not a 304.
        after = client.get(listing, HTTP_IF_NONE_MATCH=before["ETag"])
        assert after.status_code == 200 and after["ETag"] != before["ETag"]
        page = after.json()
        assert list(page) == ["count", "comment_record", "next", "previous", "results"]
        assert page["comment_record"] == {
            "root": record.root,
            "count": 5,
            "algorithm": "rfc6962-sha256",
            "computed_at": page["comment_record"]["computed_at"],
        }
        assert (
            page["comment_record"]
            == client.get("/api/v1/consultations/record-2026/").json()["comment_record"]
        )
        assert after["Comment-Record"] == f"rfc6962-sha256; root={record.root}; count=5"
        download = client.get(listing + "?format=csv")
        assert download["Comment-Record"] == after["Comment-Record"]
        rows = csv_rows(download)
        assert len(rows) == 5
        assert {
            (r["comment_record.root"], r["comment_record.count"], r["comment_record.algorithm"])
            for r in rows
        } == {(record.root, "5", "rfc6962-sha256")}


def test_this_was_not_me_takes_the_comment_out_of_every_public_view(client, comments, consultation):
    disputed = comments[1]
    link = private_link(disputed)
    with time_machine.travel(AFTER, tick=False):
        commitment.commit(consultation, now=AFTER)
        asked = client.get(link)
        assert asked.status_code == 200 and disputed.tracking_number in asked.content.decode()
        assert not Comment.objects.get(pk=disputed.pk).withdrawal  # a GET changes nothing
        assert disputed.body.encode() in client.get(consultation.get_absolute_url()).content
        done = client.post(link, {"action": "dispute"})
        assert done.status_code == 200 and b"Done" in done.content
        comment = Comment.objects.get(pk=disputed.pk)
        assert comment.withdrawal == "misattributed" and comment.withdrawn_at == AFTER
        assert disputed.body.encode() not in client.get(consultation.get_absolute_url()).content
        assert (
            disputed.body.encode()
            not in client.get(reverse("consultation-comments", args=["record-2026"])).content
        )
        listed = client.get("/api/v1/consultations/record-2026/comments/").json()
        assert disputed.body not in json.dumps(listed) and listed["count"] == 4
        csv = client.get("/api/v1/consultations/record-2026/comments/?format=csv")
        assert disputed.body.encode() not in b"".join(
            csv.streaming_content if csv.streaming else [csv.content]
        )
        assert csv["Comment-Record"].startswith("rfc6962-sha256; root=")
        assert disputed.body.encode() not in client.get(disputed.get_absolute_url()).content
        api = client.get("/api/v1/consultations/record-2026/").json()
        assert api["withdrawn_as_misattributed"] == 1
        assert (
            "record-misattributed" in client.get(consultation.get_absolute_url()).content.decode()
        )
        # Its leaf stays: the proof still verifies against the unchanged root.
        assert independent.verify(commitment.proof(comment))
        assert client.post(link, {"action": "dispute"}).status_code == 409
    log = Transition.objects.for_object(comment).get()
    assert (log.action, log.target, log.actor) == ("dispute", "misattributed", None)


def test_the_sender_withdraws_only_before_the_close(client, comments, consultation):
    comment = comments[3]
    link = private_link(comment)
    with time_machine.travel(AFTER, tick=False):
        page = client.get(link).content.decode()
        assert "can no longer be withdrawn" in page
        refused = client.post(link, {"action": "withdraw"})
        assert refused.status_code == 409
        assert not Comment.objects.get(pk=comment.pk).withdrawal
    with time_machine.travel(DURING + dt.timedelta(days=1), tick=False):
        assert client.post(link, {"action": "withdraw"}).status_code == 200
    assert Comment.objects.get(pk=comment.pk).withdrawal == "by_author"
    assert client.post(link, {"action": "nonsense"}).status_code == 400
    assert client.get("/comments/private/forged-token/").status_code == 404


def test_only_staff_put_a_comment_back_with_a_reason(client, comments, moderator, outsider):
    comment = withdrawal.dispute(comments[1], now=AFTER)
    with pytest.raises(InvalidTransition):
        withdrawal.reinstate(comment, by=moderator, reason="  ", now=AFTER)
    from core.errors import NotPermitted

    with pytest.raises(NotPermitted):
        withdrawal.reinstate(comment, by=outsider, reason="Checked.", now=AFTER)
    client.force_login(moderator)
    url = reverse("admin:consult_comment_change", args=[comment.pk])
    assert b"comment-withdrawal-flag" in client.get(url).content
    reinstate = reverse("admin:consult_comment_reinstate", args=[comment.pk])
    assert client.post(reinstate, {"reason": ""}).status_code == 200  # the form again
    assert Comment.objects.get(pk=comment.pk).withdrawal == "misattributed"
    client.post(reinstate, {"reason": "The owner confirmed by phone that they sent it."})
    back = Comment.objects.get(pk=comment.pk)
    assert back.withdrawal == "" and back.withdrawn_at is None
    log = Transition.objects.for_object(back).order_by("at", "pk").last()
    assert (log.action, log.source, log.actor) == ("reinstate", "misattributed", moderator)
    assert "confirmed by phone" in log.note


def test_a_comment_stored_after_the_record_shows_as_a_count_mismatch(
    client, comments, consultation
):
    commitment.commit(consultation, now=AFTER)
    with time_machine.travel(AFTER, tick=False):
        assert "record-mismatch" not in client.get(consultation.get_absolute_url()).content.decode()
        Comment.objects.create(
            consultation=consultation,
            body="Slipped in after the close.",
            fingerprint="x",
            tracking_number="ZZZZ-ZZZZ-ZZZZ",
            submitted_at=AFTER,
        )
        page = client.get(consultation.get_absolute_url()).content.decode()
    assert "6 comments are stored now, but the record holds 5" in page


def test_verify_comment_record_reports_each_difference(comments, consultation, capsys):
    commitment.commit(consultation, now=AFTER)
    call_command("verify_comment_record", "record-2026")
    assert "matches" in capsys.readouterr().out
    Comment.objects.filter(pk=comments[2].pk).update(body="Rewritten after the close.")
    with pytest.raises(CommandError):
        call_command("verify_comment_record", "record-2026")
    out = capsys.readouterr().out
    assert f"1 comments changed since the record: {comments[2].tracking_number}" in out
    with pytest.raises(CommandError, match="No comment record"):
        call_command("verify_comment_record", "no-such-consultation")


def _readme_check() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Checking the comment record", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_the_readme_lines_and_the_standalone_script_check_a_proof(tmp_path, comments, consultation):
    commitment.commit(consultation, now=AFTER)
    proof = commitment.proof(comments[4])
    (tmp_path / "proof.json").write_text(json.dumps(proof), encoding="utf-8")
    tampered = {**proof, "content_sha256": "0" * 64}
    (tmp_path / "tampered.json").write_text(json.dumps(tampered), encoding="utf-8")
    code = _readme_check()
    assert len([line for line in code.splitlines() if line.strip()]) == 10
    run = [sys.executable, "-I", "-c", code]
    assert (
        subprocess.run(run, cwd=tmp_path, capture_output=True, text=True, check=True).stdout
        == "included\n"
    )
    (tmp_path / "proof.json").write_text(json.dumps(tampered), encoding="utf-8")
    assert (
        subprocess.run(run, cwd=tmp_path, capture_output=True, text=True, check=True).stdout
        == "NOT included\n"
    )
    script = [sys.executable, "-I", str(ROOT / "tools" / "verify_comment_proof.py")]
    good = subprocess.run(
        [*script, str(tmp_path / "tampered.json")], capture_output=True, text=True
    )
    assert good.returncode == 1
    (tmp_path / "proof.json").write_text(json.dumps(proof), encoding="utf-8")
    ok = subprocess.run(
        [*script, str(tmp_path / "proof.json"), "--root", proof["root"]],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0 and "included" in ok.stdout
    wrong_root = subprocess.run(
        [*script, str(tmp_path / "proof.json"), "--root", "ab" * 32], capture_output=True, text=True
    )
    assert wrong_root.returncode == 1


def test_the_explanation_page_shows_the_readme_lines(client):
    page = client.get(reverse("comment-record-explained")).content.decode()
    import html

    shown = html.unescape(page.split('<pre class="hand-check"><code>', 1)[1].split("</code>", 1)[0])
    assert shown.strip() == _readme_check().strip()


def test_the_worker_schedule_computes_the_record(comments, consultation):
    from consult import schedules
    from tests.helpers import run_queued_tasks

    names = [s.name for s in schedules.SCHEDULES]
    assert "commit_comment_records" in names
    with time_machine.travel(AFTER, tick=False):
        schedules.enqueue_due(now=AFTER)
        run_queued_tasks()
    assert CommentRecord.objects.get(consultation=consultation).leaf_count == 5


def test_the_report_pdf_is_rebuilt_once_the_record_exists(comments, consultation):
    from django.template.loader import render_to_string

    from consult.reporting import pdf

    before = pdf.report_version(consultation)
    record = commitment.commit(consultation, now=AFTER)
    assert pdf.report_version(consultation) != before
    html = render_to_string(
        "site/consultation_report_pdf.html",
        {
            "consultation": consultation,
            "report": pdf.build_response_report(consultation, public=True),
            "record_summary": commitment.summary(consultation),
            "page_url": "http://testserver/",
            "generated_at": AFTER,
        },
    )
    assert record.root in html


# The salt: no public output confirms a guessed address; the sender can check everything -------


def unsalted(comment: Comment) -> dict:
    """What was sent without the salt: all that someone who guesses the name and the e-mail
    address (the text, target and consent are on the receipt) can put together."""
    return {
        "occupation": comment.occupation_id,
        "field": comment.field,
        "task_number": comment.task_number,
        "body": comment.body,
        "proposed_text": comment.proposed_text,
        "author_name": comment.author_name,
        "organisation": comment.organisation,
        "email": comment.email,
        "consent_to_publish": comment.consent_to_publish,
        "attachments": [],
    }


def test_no_public_output_confirms_a_guessed_address(client, comments, consultation):
    record = commitment.commit(consultation, now=AFTER)
    comment = comments[1]
    salt = bytes(comment.record_salt)
    assert len(salt) == 16
    assert len({bytes(c.record_salt) for c in comments}) == 5
    listing = "/api/v1/consultations/record-2026/comments/"
    with time_machine.travel(AFTER, tick=False):
        proof = client.get(f"/api/v1/comments/{comment.tracking_number}/proof/").json()
        outputs = [
            client.get(comment.get_absolute_url()).content,
            client.get(reverse("comment-proof", args=[comment.tracking_number])).content,
            json.dumps(proof).encode(),
            client.get(consultation.get_absolute_url()).content,
            client.get(listing).content,
            b"".join(client.get(listing + "?format=csv").streaming_content),
            client.get(reverse("feed-consultations")).content,
        ]
    assert independent.verify(proof) and proof["root"] == record.root
    assert proof["encoding"] == "consult-comment-v2"
    for output in outputs:
        assert salt.hex().encode() not in output.lower()
        assert salt not in output
    # Even the right guess of name and address gives another hash than the published one.
    assert independent.content_sha256(unsalted(comment)) != proof["content_sha256"]
    # Which is the leak the salt closes: without it, the right guess would be confirmed.
    unsalted_leaf = independent.leaf(
        "consult-comment-v1",
        proof["tracking_number"],
        proof["received_at"],
        independent.content_sha256(unsalted(comment)),
    )
    assert unsalted_leaf.hex() != proof["leaf_hash"]


def sent_on_private_page(client, comment: Comment) -> tuple[str, dict, str]:
    import html

    page = client.get(private_link(comment)).content.decode()
    shown = html.unescape(page.split('<pre class="sent-json"><code>', 1)[1].split("</code>", 1)[0])
    digest = page.split('<code class="sent-sha256">', 1)[1].split("</code>", 1)[0]
    return page, json.loads(shown), digest


def test_the_private_link_gives_the_sender_what_checks_the_whole_submission(
    client, tmp_path, comments, consultation
):
    comment = comments[3]
    mail = OutgoingMail.objects.get(kind=OutgoingMail.Kind.RECEIPT, recipient=comment.email)
    assert bytes(comment.record_salt).hex() in mail.body
    with time_machine.travel(DURING, tick=False):
        page, before, digest = sent_on_private_page(client, comment)
    commitment.commit(consultation, now=AFTER)
    proof = commitment.proof(comment)
    with time_machine.travel(AFTER, tick=False):
        page, sent, digest = sent_on_private_page(client, comment)
    assert sent == before
    assert sent["email"] == "p3@example.org" and sent["author_name"] == "Sender 3"
    assert sent["salt"] == bytes(comment.record_salt).hex()
    assert f'<code class="record-salt">{sent["salt"]}</code>' in page
    assert independent.content_sha256(sent) == proof["content_sha256"] == digest
    (tmp_path / "proof.json").write_text(json.dumps(proof), encoding="utf-8")
    (tmp_path / "sent.json").write_text(json.dumps(sent), encoding="utf-8")
    (tmp_path / "other.json").write_text(
        json.dumps({**sent, "email": "p1@example.org"}), encoding="utf-8"
    )
    script = [sys.executable, "-I", str(ROOT / "tools" / "verify_comment_proof.py")]
    proof_file = str(tmp_path / "proof.json")
    ok = subprocess.run([*script, proof_file, "--sent", str(tmp_path / "sent.json")])
    assert ok.returncode == 0
    other = subprocess.run(
        [*script, proof_file, "--sent", str(tmp_path / "other.json")], capture_output=True
    )
    assert other.returncode == 1


def test_a_record_computed_before_salts_keeps_verifying(client, comments, consultation, capsys):
    """A record stored with encoding v1 (before salts) is read with v1: its proofs, the
    recheck and the sender's page all still agree with its root, which never changes."""
    from consult.models import ENCODING_V1, CommentRecordChunk

    leaves = commitment.read_leaves(consultation.pk, encoding=ENCODING_V1)
    levels = commitment.build_levels(leaves.hashes)
    record = CommentRecord(
        consultation=consultation,
        root=commitment.root_of(levels),
        leaf_count=5,
        encoding=ENCODING_V1,
        computed_at=AFTER,
    )
    record.save()
    CommentRecordChunk.objects.bulk_create(commitment._chunks(record, levels, leaves.comment_ids))
    assert (
        record.root
        == independent.root_of(
            [
                independent.leaf(
                    "consult-comment-v1",
                    c.tracking_number,
                    c.submitted_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                    independent.content_sha256(unsalted(c)),
                )
                for c in comments
            ]
        ).hex()
    )
    assert commitment.commit(consultation, now=AFTER + dt.timedelta(days=1)).pk == record.pk
    for comment in comments:
        proof = commitment.proof(comment)
        assert proof["encoding"] == "consult-comment-v1"
        assert independent.verify(proof)
        assert proof["content_sha256"] == independent.content_sha256(unsalted(comment))
    root, difference = commitment.recheck(record)
    assert root == record.root and difference.clean
    with time_machine.travel(AFTER, tick=False):
        page, sent, digest = sent_on_private_page(client, comments[1])
    assert "salt" not in sent and 'class="record-salt"' not in page
    assert digest == commitment.proof(comments[1])["content_sha256"]
