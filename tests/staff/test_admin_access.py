"""Every admin URL, walked as each role and as an anonymous visitor, answers as ``ACCESS`` says.

The URLs come from the admin site itself (``admin.site._registry`` and each ``get_urls()``), so
a new model, view or step shows up here and fails until it has its row in the table.

Cells, one per role (Editors, Moderators, Publishers, superuser):
``y`` the page answers (200); ``n`` refused (403; 404 for an app the role has nothing in; or
sent back with an error message); ``r`` sent elsewhere without an error (a POST-only button
reached by GET, a link to the record a log row is about). A URL that allows no GET (405) is
asked with an empty POST instead. An anonymous visitor is sent to sign in everywhere.
"""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin, messages
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from consult.api.keys import create_api_key
from consult.delivery import outbox, webhooks
from consult.delivery.outbox import deliver_mail
from consult.models import (
    Attachment,
    Comment,
    ExportJob,
    OutgoingMail,
    WebhookEndpoint,
    WebhookEvent,
    WindowExtension,
)
from occupations.models import (
    ClassificationEdition,
    LevelRequirement,
    LevelWeight,
    SkillStandard,
    StandardLevel,
    Transition,
)
from occupations.workflow import issue_release
from tests.factories import AuthorityFactory, CommentFactory, GroupFactory, OccupationFactory

pytestmark = pytest.mark.django_db

ROLES = ("editor", "publisher", "moderator", "superuser")
COLUMNS = ("editor", "moderator", "publisher", "superuser")

# fmt: off
ACCESS = {
    # url name                                    E  M  P  S
    # the site and staff security pages
    "app_list:auth":                                "n  n  n  y",
    "app_list:axes":                                "n  n  n  y",
    "app_list:consult":                             "y  y  y  y",
    "app_list:occupations":                         "y  y  y  y",
    "app_list:otp_static":                          "n  n  n  y",
    "app_list:otp_totp":                            "n  n  n  y",
    "index":                                        "y  y  y  y",
    "password_change":                              "y  y  y  y",
    "staff:add-member":                             "n  n  n  y",
    "staff:reset-second-factor":                    "n  n  n  y",
    # accounts and groups
    "auth_group_add":                               "n  n  n  y",
    "auth_group_change":                            "n  n  n  y",
    "auth_group_changelist":                        "n  n  n  y",
    "auth_group_delete":                            "n  n  n  y",
    "auth_group_history":                           "n  n  n  y",
    "auth_user_add":                                "n  n  n  y",
    "auth_user_change":                             "n  n  n  y",
    "auth_user_changelist":                         "n  n  n  y",
    "auth_user_delete":                             "n  n  n  y",
    "auth_user_history":                            "n  n  n  y",
    "auth_user_password_change":                    "n  n  n  y",
    # sign-in security: attempts, lockouts, second-factor devices
    "axes_accessattempt_add":                       "n  n  n  n",
    "axes_accessattempt_change":                    "n  n  n  y",
    "axes_accessattempt_changelist":                "n  n  n  y",
    "axes_accessattempt_delete":                    "n  n  n  y",
    "axes_accessattempt_history":                   "n  n  n  y",
    "axes_accessfailurelog_add":                    "n  n  n  n",
    "axes_accessfailurelog_change":                 "n  n  n  y",
    "axes_accessfailurelog_changelist":             "n  n  n  y",
    "axes_accessfailurelog_delete":                 "n  n  n  y",
    "axes_accessfailurelog_history":                "n  n  n  y",
    "axes_accesslog_add":                           "n  n  n  n",
    "axes_accesslog_change":                        "n  n  n  y",
    "axes_accesslog_changelist":                    "n  n  n  y",
    "axes_accesslog_delete":                        "n  n  n  y",
    "axes_accesslog_history":                       "n  n  n  y",
    "otp_static_staticdevice_add":                  "n  n  n  y",
    "otp_static_staticdevice_change":               "n  n  n  y",
    "otp_static_staticdevice_changelist":           "n  n  n  y",
    "otp_static_staticdevice_delete":               "n  n  n  y",
    "otp_static_staticdevice_history":              "n  n  n  y",
    "otp_totp_totpdevice_add":                      "n  n  n  y",
    "otp_totp_totpdevice_change":                   "n  n  n  y",
    "otp_totp_totpdevice_changelist":               "n  n  n  y",
    "otp_totp_totpdevice_config":                   "n  n  n  y",
    "otp_totp_totpdevice_delete":                   "n  n  n  y",
    "otp_totp_totpdevice_history":                  "n  n  n  y",
    "otp_totp_totpdevice_qrcode":                   "n  n  n  y",
    # consultations, drafts, comments
    "consult_attachment_add":                       "n  n  n  n",
    "consult_attachment_change":                    "y  y  y  y",
    "consult_attachment_changelist":                "y  y  y  y",
    "consult_attachment_delete":                    "n  n  n  n",
    "consult_attachment_download":                  "y  y  y  y",
    "consult_attachment_history":                   "y  y  y  y",
    "consult_comment_add":                          "n  n  n  n",
    "consult_comment_campaign":                     "y  y  y  y",
    "consult_comment_campaign_disposition":         "n  y  n  y",
    "consult_comment_campaign_moderate":            "r  r  r  r",
    "consult_comment_campaign_take_out":            "r  r  r  r",
    "consult_comment_campaigns":                    "y  y  y  y",
    "consult_comment_change":                       "y  y  y  y",
    "consult_comment_changelist":                   "y  y  y  y",
    "consult_comment_delete":                       "n  n  n  n",
    "consult_comment_reinstate":                    "n  y  n  y",
    "consult_comment_export":                       "y  y  y  y",
    "consult_comment_history":                      "y  y  y  y",
    "consult_comment_moderate":                     "r  r  r  r",
    "consult_consultation_add":                     "y  n  n  y",
    "consult_consultation_analysis":                "y  y  y  y",
    "consult_consultation_begin_review":            "n  n  y  y",
    "consult_consultation_change":                  "y  y  y  y",
    "consult_consultation_changelist":              "y  y  y  y",
    "consult_consultation_delete":                  "n  n  n  n",
    "consult_consultation_extend":                  "n  n  y  y",
    "consult_consultation_decide":                  "r  n  n  r",
    "consult_consultation_history":                 "y  y  y  y",
    "consult_consultation_open":                    "n  n  y  y",
    "consult_consultation_publish":                 "n  n  y  y",
    "consult_consultation_report":                  "y  y  y  y",
    "consult_draftoccupation_accept":               "y  n  n  y",
    "consult_draftoccupation_add":                  "y  n  n  y",
    "consult_draftoccupation_change":               "y  y  y  y",
    "consult_draftoccupation_changelist":           "y  y  y  y",
    "consult_draftoccupation_changes":              "y  y  y  y",
    "consult_draftoccupation_delete":               "n  n  n  n",
    "consult_draftoccupation_history":              "y  y  y  y",
    "consult_draftoccupation_import":               "y  n  n  y",
    "consult_draftoccupation_import_template":      "y  n  n  y",
    "consult_draftoccupation_process_import":       "y  n  n  y",
    "consult_draftoccupation_reinstate":            "y  n  n  y",
    "consult_draftoccupation_revise":               "y  n  n  y",
    "consult_draftoccupation_simple_history":       "y  y  y  y",
    "consult_draftoccupation_withdraw":             "y  n  n  y",
    "consult_windowextension_add":                  "n  n  n  n",
    "consult_windowextension_change":               "n  n  y  y",
    "consult_windowextension_changelist":           "n  n  y  y",
    "consult_windowextension_delete":               "n  n  n  n",
    "consult_windowextension_history":              "n  n  y  y",
    # background work: the outbox, export jobs (each seen by who asked), the task queue
    "app_list:django_tasks_database":               "n  n  n  y",
    "consult_outgoingmail_add":                     "n  n  n  n",
    "consult_outgoingmail_change":                  "n  n  n  y",
    "consult_outgoingmail_changelist":              "n  n  n  y",
    "consult_outgoingmail_delete":                  "n  n  n  n",
    "consult_outgoingmail_history":                 "n  n  n  y",
    # third parties: API keys, webhook endpoints and deliveries (superusers only)
    "consult_apikey_add":                           "n  n  n  y",
    "consult_apikey_change":                        "n  n  n  y",
    "consult_apikey_changelist":                    "n  n  n  y",
    "consult_apikey_delete":                        "n  n  n  n",
    "consult_apikey_history":                       "n  n  n  y",
    "consult_webhookendpoint_add":                  "n  n  n  y",
    "consult_webhookendpoint_change":               "n  n  n  y",
    "consult_webhookendpoint_changelist":           "n  n  n  y",
    "consult_webhookendpoint_delete":               "n  n  n  y",
    "consult_webhookendpoint_history":              "n  n  n  y",
    "consult_webhookdelivery_add":                  "n  n  n  n",
    "consult_webhookdelivery_change":               "n  n  n  y",
    "consult_webhookdelivery_changelist":           "n  n  n  y",
    "consult_webhookdelivery_delete":               "n  n  n  n",
    "consult_webhookdelivery_history":              "n  n  n  y",
    "consult_exportjob_add":                        "n  n  n  n",
    # another member's job: sent back to the admin index, as for any row out of one's queryset
    "consult_exportjob_change":                     "y  r  r  y",
    "consult_exportjob_changelist":                 "y  y  y  y",
    "consult_exportjob_delete":                     "n  n  n  n",
    "consult_exportjob_download":                   "n  n  n  n",
    "consult_exportjob_history":                    "y  r  r  y",
    "consult_exportjob_request":                    "y  y  y  y",
    "consult_exportjob_status":                     "y  n  n  y",
    "django_tasks_database_dbtaskresult_add":       "n  n  n  n",
    "django_tasks_database_dbtaskresult_change":    "n  n  n  y",
    "django_tasks_database_dbtaskresult_changelist": "n  n  n  y",
    "django_tasks_database_dbtaskresult_delete":    "n  n  n  n",
    "django_tasks_database_dbtaskresult_history":   "n  n  n  y",
    # the registry
    "occupations_authority_add":                    "n  n  y  y",
    "occupations_authority_change":                 "n  n  y  y",
    "occupations_authority_changelist":             "n  n  y  y",
    "occupations_authority_delete":                 "n  n  n  y",
    "occupations_authority_history":                "n  n  y  y",
    "occupations_batch_add":                        "n  n  n  n",
    "occupations_batch_change":                     "y  n  y  y",
    "occupations_batch_changelist":                 "y  n  y  y",
    "occupations_batch_delete":                     "n  n  n  n",
    "occupations_batch_history":                    "y  n  y  y",
    "occupations_classificationedition_add":        "n  n  n  y",
    "occupations_classificationedition_change":     "n  n  n  y",
    "occupations_classificationedition_changelist": "n  n  n  y",
    "occupations_classificationedition_delete":     "n  n  n  y",
    "occupations_classificationedition_history":    "n  n  n  y",
    "occupations_classificationgroup_add":          "n  n  n  y",
    "occupations_classificationgroup_change":       "y  n  y  y",
    "occupations_classificationgroup_changelist":   "y  n  y  y",
    "occupations_classificationgroup_delete":       "n  n  n  y",
    "occupations_classificationgroup_history":      "y  n  y  y",
    "occupations_levelrequirement_add":             "n  n  n  n",
    "occupations_levelrequirement_change":          "n  n  n  y",
    "occupations_levelrequirement_changelist":      "n  n  n  y",
    "occupations_levelrequirement_delete":          "n  n  n  n",
    "occupations_levelrequirement_history":         "n  n  n  y",
    "occupations_levelweight_add":                  "n  n  n  n",
    "occupations_levelweight_change":               "n  n  n  y",
    "occupations_levelweight_changelist":           "n  n  n  y",
    "occupations_levelweight_delete":               "n  n  n  n",
    "occupations_levelweight_history":              "n  n  n  y",
    "occupations_occupation_add":                   "n  n  n  n",
    "occupations_occupation_change":                "y  n  y  y",
    "occupations_occupation_changelist":            "y  n  y  y",
    "occupations_occupation_delete":                "n  n  n  n",
    "occupations_occupation_export":                "y  n  y  y",
    "occupations_occupation_history":               "y  n  y  y",
    "occupations_release_add":                      "n  n  n  n",
    "occupations_release_change":                   "n  n  y  y",
    "occupations_release_changelist":               "n  n  y  y",
    "occupations_release_delete":                   "n  n  n  n",
    "occupations_release_history":                  "n  n  y  y",
    "occupations_release_issue":                    "n  n  y  y",
    "occupations_skillstandard_add":                "n  n  r  r",
    "occupations_skillstandard_change":             "y  n  y  y",
    "occupations_skillstandard_changelist":         "y  n  y  y",
    "occupations_skillstandard_delete":             "n  n  n  y",
    "occupations_skillstandard_history":            "y  n  y  y",
    "occupations_standardlevel_add":                "n  n  n  n",
    "occupations_standardlevel_change":             "y  n  y  y",
    "occupations_standardlevel_changelist":         "y  n  y  y",
    "occupations_standardlevel_delete":             "n  n  n  n",
    "occupations_standardlevel_history":            "y  n  y  y",
    "occupations_transition_add":                   "n  n  n  n",
    "occupations_transition_change":                "y  y  y  y",
    "occupations_transition_changelist":            "y  y  y  y",
    "occupations_transition_delete":                "n  n  n  n",
    "occupations_transition_history":               "y  y  y  y",
    "occupations_transition_object":                "r  r  r  r",
}
# fmt: on


def sample_objects() -> dict[str, object]:
    """One saved row of every model the admin shows, keyed by its label."""
    consultation = CommentFactory().consultation
    comment = Comment.objects.get()
    attachment = Attachment(
        comment=comment, original_name="evidence.txt", content_type="text/plain", size=11
    )
    attachment.file.save("evidence.txt", ContentFile(b"hello staff"), save=False)
    attachment.save()
    WindowExtension.objects.create(
        consultation=consultation,
        previous_closes_at=consultation.closes_at,
        new_closes_at=consultation.closes_at + dt.timedelta(days=7),
        reason="Requested by the industry association.",
    )
    from tests.factories import DraftOccupationFactory

    DraftOccupationFactory(consultation=consultation)
    occupation = OccupationFactory()
    AuthorityFactory()
    GroupFactory()
    ClassificationEdition.objects.create(year=2022, issued_on=dt.date(2022, 1, 1))
    standard = SkillStandard.objects.create(
        occupation=occupation, title="Standard", kind=SkillStandard.Kind.choices[0][0]
    )
    level = StandardLevel.objects.create(
        standard=standard,
        kind=standard.kind,
        rank=1,
        key=StandardLevel._meta.get_field("key").choices[0][0],
    )
    LevelRequirement.objects.create(level=level, position=1, work_area="Preparation")
    LevelWeight.objects.create(
        level=level, category=LevelWeight.Category.choices[0][0], item="Basics", weight=10
    )
    issue_release(by=None, note="Sample release.")
    Transition.objects.create(
        content_type=ContentType.objects.get_for_model(consultation),
        object_id=consultation.pk,
        action="open",
    )
    owner = Group.objects.first()
    assert owner is not None
    from django.contrib.auth import get_user_model

    staff = get_user_model().objects.get(username="editor")
    TOTPDevice.objects.create(user=staff, name="default")
    StaticDevice.objects.create(user=staff, name="backup")
    AccessAttempt.objects.create(
        username="editor", ip_address="203.0.113.7", user_agent="test", failures_since_start=1
    )
    AccessLog.objects.create(username="editor", ip_address="203.0.113.7", user_agent="test")
    AccessFailureLog.objects.create(
        username="editor", ip_address="203.0.113.7", user_agent="test", locked_out=False
    )
    mail = outbox.write_mail(
        kind=OutgoingMail.Kind.RECEIPT,
        recipient="someone@example.org",
        language="en",
        subject="Your comment was received",
        body="Thank you.",
        now=timezone.now(),
    )
    deliver_mail.enqueue(mail.pk)  # a task result row
    ExportJob.objects.create(requested_by=staff, requested_at=timezone.now())
    key, _token = create_api_key(owner="Job board", scopes=["read"], by=staff, now=timezone.now())
    WebhookEndpoint.objects.create(
        api_key=key,
        url="https://hooks.example.org/consult",
        events=["batch.published"],
        created_at=timezone.now(),
    )
    webhooks.announce(WebhookEvent.BATCH_PUBLISHED, {"batch": {}})
    samples = {}
    for model in admin.site._registry:
        row = model._default_manager.order_by("pk").first()
        assert row is not None, f"No sample {model._meta.label}: add one to sample_objects()"
        samples[model._meta.label_lower] = row
    return samples


def model_for(url_name: str, fallback) -> type:
    """The registered model a URL name starts with (``consult_attachment_download`` is the
    attachment's, though the comment admin serves it)."""
    best = fallback
    for model in admin.site._registry:
        prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
        if url_name.startswith(prefix) and len(prefix) > len(
            f"{best._meta.app_label}_{best._meta.model_name}_"
        ):
            best = model
    return best


def argument(name: str, model, samples) -> str:
    row = samples[model._meta.label_lower]
    if name in {"object_id", "pk", "id"}:
        return str(row.pk)
    comment = samples["consult.comment"]
    special = {
        "fmt": "csv",
        "action": "publish",
        "fingerprint": comment.fingerprint,
        "cluster": str(comment.cluster_id),
        "consultation": str(comment.consultation_id),
        "token": str(getattr(row, "token", "")),
    }
    return special[name]


def admin_urls(samples) -> dict[str, str]:
    """Every named GET-able admin URL: the site's pages and each model admin's views."""
    urls = {
        "index": reverse("admin:index"),
        "password_change": reverse("admin:password_change"),
        "staff:add-member": reverse("staff:add-member"),
        "staff:reset-second-factor": reverse(
            "staff:reset-second-factor", args=[samples["auth.user"].pk]
        ),
    }
    for app_label in {m._meta.app_label for m in admin.site._registry}:
        urls[f"app_list:{app_label}"] = reverse("admin:app_list", args=[app_label])
    for model, model_admin in admin.site._registry.items():
        for pattern in model_admin.get_urls():
            if not isinstance(pattern, URLPattern) or not pattern.name:
                continue
            owner = model_for(pattern.name, model)
            if pattern.name.endswith("_simple_history"):
                # django-simple-history's re_path: (object id, historical record id).
                row = samples[owner._meta.label_lower]
                record = row.history.order_by("history_id").first()
                args = [row.pk, record.history_id]
                urls[pattern.name] = reverse(f"admin:{pattern.name}", args=args)
                continue
            kwargs = {key: argument(key, owner, samples) for key in pattern.pattern.converters}
            urls[pattern.name] = reverse(f"admin:{pattern.name}", kwargs=kwargs)
    return urls


def answer(response) -> str:
    if response.status_code == 200:
        return "y"
    if response.status_code in {403, 404}:
        return "n"
    if response.status_code == 302:
        errors = [
            m for m in messages.get_messages(response.wsgi_request) if m.level == messages.ERROR
        ]
        return "n" if errors else "r"
    return str(response.status_code)


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def ask(client: Client, url: str):
    """GET ``url``, POST when it takes no GET. Messages left by one page (kept in their cookie)
    are dropped first, so that they are not read as this page's answer."""
    client.cookies.pop("messages", None)
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url, {})
    return response


@pytest.fixture
def staff(editor, moderator, publisher, superuser):
    return {
        "editor": editor,
        "moderator": moderator,
        "publisher": publisher,
        "superuser": superuser,
    }


def test_every_admin_url_answers_each_role_as_the_table_says(staff):
    samples = sample_objects()
    urls = admin_urls(samples)
    unlisted = sorted(set(urls) - set(ACCESS))
    assert not unlisted, f"Admin URLs with no row in ACCESS: {unlisted}"
    stale = sorted(set(ACCESS) - set(urls))
    assert not stale, f"Rows in ACCESS for URLs the admin no longer has: {stale}"
    found = {}
    for role in COLUMNS:
        client = signed_in(staff[role])
        for name, url in urls.items():
            found.setdefault(name, {})[role] = answer(ask(client, url))
    wrong = {
        name: ("  ".join(found[name][role] for role in COLUMNS), ACCESS[name], urls[name])
        for name in urls
        if "  ".join(found[name][role] for role in COLUMNS) != ACCESS[name]
    }
    assert not wrong, "found != expected:\n" + "\n".join(
        f'    "{name}": "{got}",  # expected "{want}" at {url}'
        for name, (got, want, url) in sorted(wrong.items())
    )


def test_every_admin_url_sends_an_anonymous_visitor_to_sign_in(staff, client):
    urls = admin_urls(sample_objects())
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 302, (name, url, response.status_code)
        assert response["Location"].startswith("/admin/login/"), (name, response["Location"])


def test_a_staff_account_without_a_role_opens_no_model_page(staff, outsider):
    urls = admin_urls(sample_objects())
    client = signed_in(outsider)
    for name, url in urls.items():
        if name in {"index", "password_change"}:
            assert ask(client, url).status_code == 200
            continue
        assert answer(ask(client, url)) in {"n", "r"}, (name, url)
