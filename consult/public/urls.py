"""URLs of the public site: the consultation pages and the registry's, feeds, open
data and the information pages."""

from django.urls import path, re_path

from consult.public import (
    comments,
    feeds,
    health,
    info,
    private_link,
    registry,
    reports,
    unsubscribe,
    views,
)
from occupations import feeds as registry_feeds
from occupations import views as registry_views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("notifications/unsubscribe/<str:token>/", unsubscribe.unsubscribe, name="unsubscribe"),
    path("consultations/", views.consultation_list, name="consultation-list"),
    path("consultations/<slug:slug>/", views.consultation_detail, name="consultation-detail"),
    path(
        "consultations/<slug:slug>/comment/", comments.comment_submit, name="consultation-comment"
    ),
    path(
        "consultations/<slug:slug>/report/",
        reports.consultation_report,
        name="consultation-report",
    ),
    path(
        "consultations/<slug:slug>/comments/",
        comments.comment_search,
        name="consultation-comments",
    ),
    path(
        "consultations/<slug:slug>/report.pdf",
        reports.consultation_report_pdf,
        name="consultation-report-pdf",
    ),
    path("comments/", comments.comment_lookup, name="comment-lookup"),
    path("comments/<str:tracking_number>/", comments.comment_receipt, name="comment-receipt"),
    path("comments/<str:tracking_number>/proof.json", comments.comment_proof, name="comment-proof"),
    path("comments/private/<str:token>/", private_link.private_link, name="comment-private-link"),
    path("comment-record/", info.comment_record, name="comment-record-explained"),
    path("occupations/", registry_views.occupation_list, name="occupation-list"),
    path("occupations/<int:pk>/", registry.occupation_detail, name="occupation-detail"),
    path("batches/<slug:slug>/", registry.batch_detail, name="batch-detail"),
    path("accessibility/", info.accessibility, name="accessibility"),
    path("privacy/", info.privacy, name="privacy"),
    path("feeds/consultations/", feeds.ConsultationsFeed(), name="feed-consultations"),
    path(
        "feeds/consultations/atom/",
        feeds.ConsultationsAtomFeed(),
        name="feed-consultations-atom",
    ),
    path("feeds/batches/", registry_feeds.BatchesFeed(), name="feed-batches"),
    path("feeds/batches/atom/", registry_feeds.BatchesAtomFeed(), name="feed-batches-atom"),
    path("feeds/releases/", registry_feeds.ReleasesFeed(), name="feed-releases"),
    path("feeds/releases/atom/", registry_feeds.ReleasesAtomFeed(), name="feed-releases-atom"),
    path("classification/", registry_views.classification, name="classification"),
    path("data/", registry_views.open_data, name="data"),
    re_path(
        r"^downloads/(?P<version>[0-9]{4}\.[0-9]+)/$",
        registry_views.release_downloads,
        name="release-downloads",
    ),
    re_path(
        r"^downloads/(?P<version>[0-9]{4}\.[0-9]+)/(?P<name>[A-Za-z0-9_.-]+)$",
        registry_views.download,
        name="release-download",
    ),
]
