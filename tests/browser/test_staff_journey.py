"""The whole journey in a real browser: an editor, a publisher and a moderator (each signed in
with their own account) and the public take a draft list from drafting to a published batch.
Each step asserts the handoff message the next person reads and the notifications sent (to
whom, in which language); a screenshot per step goes to ``test-artifacts/``."""

import datetime as dt
import io

import pytest
import time_machine
from pypdf import PdfReader

from consult.delivery import notifications
from consult.models import Comment, Consultation, OutgoingMail, StaffMailSettings
from occupations.models import Batch
from tests.factories import SHANGHAI, AuthorityFactory, GroupFactory, UserFactory
from tests.helpers import run_queued_tasks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

K = OutgoingMail.Kind
DRAFTING = dt.datetime(2026, 6, 10, 10, 0, tzinfo=SHANGHAI)
COMMENTING = dt.datetime(2026, 6, 20, 10, 0, tzinfo=SHANGHAI)
REVIEWING = dt.datetime(2026, 7, 18, 10, 0, tzinfo=SHANGHAI)
PASSWORD = "correct horse battery"
CSV = (
    "consultation,position,name,proposed_code,definition,tasks,job_types,green,digital\n"
    ",1,Hydrogen producer,,Personnel who produce hydrogen.,"
    '"1、Run electrolysers；2、Keep the plant safe",电解工、储氢工,是,否\n'
    ",2,Low-altitude pilot,,Personnel who fly drones.,Plan flights；Fly,,否,是\n"
)


@pytest.fixture
def team(settings, live_server):
    settings.SITE_URL = live_server.url
    users = {
        "editor": UserFactory(username="editor", roles=["Editors"]),
        "publisher": UserFactory(username="publisher", roles=["Publishers"]),
        "moderator": UserFactory(username="moderator", roles=["Moderators"]),
    }
    StaffMailSettings.objects.create(user=users["publisher"], language="en")
    StaffMailSettings.objects.create(user=users["moderator"], language="en")
    # The editor keeps the default language: Chinese.
    GroupFactory(code="6", title="Production and manufacturing", level="major")
    AuthorityFactory(name="National Bureau of Statistics")
    return users


def sign_in(page_for, live_server, username):
    page = page_for("en")
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=auth-username]", username)
    page.fill("input[name=auth-password]", PASSWORD)
    page.get_by_role("button", name="Next").click()
    page.wait_for_url(f"{live_server.url}/admin/")
    return page


def shot(page, artifacts, name):
    page.screenshot(path=str(artifacts / f"journey-{name}.png"), full_page=True)


def sent(kind):
    return sorted((m.recipient, m.language) for m in OutgoingMail.objects.filter(kind=kind))


def handoff(page):
    return page.inner_text("#handoff")


def test_drafting_to_a_published_batch(live_server, page_for, artifacts, team, tmp_path):
    with time_machine.travel(DRAFTING, tick=True):
        editor = sign_in(page_for, live_server, "editor")
        editor.goto(f"{live_server.url}/admin/consult/consultation/add/")
        editor.fill("input[name=slug]", "draft-list-2026")
        editor.fill("input[name=title]", "2026 draft list of new occupations")
        editor.fill("input[name=opens_at_0]", "2026-06-17")
        editor.fill("input[name=opens_at_1]", "00:00:00")
        editor.fill("input[name=closes_at_0]", "2026-07-17")
        editor.fill("input[name=closes_at_1]", "23:59:59")
        editor.click("input[name=_continue]")
        editor.wait_for_selector("#handoff")
        consultation = Consultation.objects.get()
        assert consultation.slug == "draft-list-2026", consultation.slug
        assert "A consultation needs at least one draft occupation." in handoff(editor)
        shot(editor, artifacts, "01-editor-created")

        editor.click("a.import-drafts")
        csv_path = tmp_path / "drafts.csv"
        csv_path.write_text(CSV, encoding="utf-8")
        editor.set_input_files("input[name=import_file]", str(csv_path))
        editor.select_option("select[name=format]", label="csv")
        editor.click("input[type=submit][value=Submit]")
        editor.wait_for_selector("input[name=confirm]")
        shot(editor, artifacts, "02-editor-import-preview")
        editor.click("input[name=confirm]")
        editor.wait_for_load_state()
        hydrogen = consultation.drafts.get(position=1)
        assert hydrogen.tasks == ["Run electrolysers", "Keep the plant safe"]
        assert hydrogen.job_types == ["电解工", "储氢工"] and hydrogen.green

        editor.goto(f"{live_server.url}/consultations/draft-list-2026/")
        assert "Preview — not public" in editor.inner_text("main")
        shot(editor, artifacts, "03-editor-preview")
        public = page_for("zh-hans")
        assert public.goto(f"{live_server.url}/consultations/draft-list-2026/").status == 404

        publisher = sign_in(page_for, live_server, "publisher")
        publisher.goto(f"{live_server.url}/admin/consult/consultation/{consultation.pk}/change/")
        assert "a publisher opens the consultation" in handoff(publisher)
        shot(publisher, artifacts, "04-publisher-handoff")
        publisher.click("text=Open consultation…")
        publisher.click("input[name=confirm_step]")
        publisher.wait_for_selector(".messagelist")
        consultation.refresh_from_db()
        assert consultation.status == Consultation.Status.CONSULTATION
        shot(publisher, artifacts, "05-publisher-opened")

    with time_machine.travel(COMMENTING, tick=True):
        public = page_for("zh-hans")
        public.goto(f"{live_server.url}/consultations/draft-list-2026/")
        public.fill("textarea[name=body]", "建议在任务中加入安全培训。")
        public.fill("input[name=email]", "citizen@example.org")
        public.check("input[name=notify_replies]")
        public.check("input[name=consent_to_publish]")
        public.click("form.comment-form button[type=submit]")
        public.wait_for_url("**/comments/**")
        shot(public, artifacts, "06-public-commented")
        comment = Comment.objects.get()
        assert comment.notify_replies and comment.language == "zh-hans"

        notifications.moderation_digest(now=dt.datetime.now(dt.UTC))
        assert sent(K.MODERATION_DIGEST) == [("moderator@example.org", "en")]

        moderator = sign_in(page_for, live_server, "moderator")
        moderator.goto(f"{live_server.url}/admin/consult/comment/{comment.pk}/change/")
        moderator.click("button:has-text('Publish')")
        moderator.wait_for_selector(".messagelist")
        moderator.select_option("select[name=disposition]", "adopted")
        moderator.fill("textarea[name=reply]", "任务 1 已加入安全培训。")
        moderator.click("input[name=_continue]")
        moderator.wait_for_selector(".messagelist")
        shot(moderator, artifacts, "07-moderator-replied")
        assert sent(K.REPLY) == [("citizen@example.org", "zh-hans")]

    with time_machine.travel(REVIEWING, tick=True):
        publisher = sign_in(page_for, live_server, "publisher")
        publisher.goto(f"{live_server.url}/admin/consult/consultation/{consultation.pk}/change/")
        assert "a publisher begins the review" in handoff(publisher)
        publisher.click("text=Begin review…")
        assert "The response report becomes public." in publisher.inner_text("#content-main")
        shot(publisher, artifacts, "08-publisher-begin-review-warning")
        publisher.click("input[name=confirm_step]")
        publisher.wait_for_selector("#handoff")
        text = handoff(publisher)
        assert "Publication waits for the editors: 3 problems to solve." in text
        assert "to be solved by editors" in text
        assert publisher.locator("a.workflow-step", has_text="Publish").count() == 0
        shot(publisher, artifacts, "09-publisher-waits-for-editors")
        assert sent(K.WINDOW_CLOSED) == [("publisher@example.org", "en")]
        assert sent(K.PUBLICATION_BLOCKED) == [("editor@example.org", "zh-hans")]

        editor = sign_in(page_for, live_server, "editor")
        editor.goto(f"{live_server.url}/admin/consult/consultation/{consultation.pk}/decide/")
        hydrogen, pilot = consultation.drafts.in_order()
        editor.fill(f"input[name=draft-{hydrogen.pk}-proposed_code]", "6-28-01-17")
        editor.select_option(f"select[name=draft-{hydrogen.pk}-decision]", "accept")
        editor.select_option(f"select[name=draft-{pilot.pk}-decision]", "withdraw")
        editor.fill(f"textarea[name=draft-{pilot.pk}-reason]", "Covered by an existing one.")
        shot(editor, artifacts, "10-editor-decides")
        editor.click("input[name=decide]")
        editor.wait_for_selector(".messagelist")
        assert "2 drafts decided." in editor.inner_text(".messagelist")
        assert sent(K.READY_TO_PUBLISH) == [("publisher@example.org", "en")]

        publisher.goto(f"{live_server.url}/admin/consult/consultation/{consultation.pk}/change/")
        assert "Every draft is decided: a publisher publishes the batch." in handoff(publisher)
        publisher.click("a.workflow-step:has-text('Publish')")
        publisher.fill("input[name=slug]", "new-occupations-2026")
        publisher.fill("input[name=title]", "New occupations, 2026")
        publisher.check("text=National Bureau of Statistics")
        shot(publisher, artifacts, "11-publisher-publish-page")
        publisher.click("input[name=confirm_step]")
        publisher.wait_for_selector(".messagelist")
        shot(publisher, artifacts, "12-published")
        batch = Batch.objects.get(slug="new-occupations-2026")
        assert [o.name for o in batch.occupations.all()] == ["Hydrogen producer"]
        assert sent(K.REPORT_PUBLISHED) == [("citizen@example.org", "zh-hans")]

        public = page_for("zh-hans")
        public.goto(f"{live_server.url}/consultations/draft-list-2026/report/")
        assert "暂定" not in public.inner_text("main")
        shot(public, artifacts, "13-public-final-report")

        # The report as PDF: a worker builds it, then it is served.
        pdf_url = f"{live_server.url}/consultations/draft-list-2026/report.pdf"
        assert public.request.get(pdf_url).status == 202
        run_queued_tasks()
        pdf = public.request.get(pdf_url)
        assert pdf.status == 200
        assert pdf.headers["content-type"] == "application/pdf"
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
        assert "Hydrogen producer" in text
        (artifacts / "journey-14-final-report.pdf").write_bytes(pdf.body())
