"""URLs of the public site (DESIGN §5)."""

from django.urls import path, re_path

from consult.public import comments as comment_views
from consult.public import feeds as consult_feeds
from consult.public import info as info_pages
from consult.public import unsubscribe as notification_views
from consult.public import views as consult_views
from occupations import feeds as occupation_feeds
from occupations import views as occupation_views

urlpatterns = [
    path("", consult_views.home, name="home"),
    path(
        "notifications/unsubscribe/<str:token>/",
        notification_views.unsubscribe,
        name="unsubscribe",
    ),
    path("consultations/", consult_views.consultation_list, name="consultation-list"),
    path(
        "consultations/<slug:slug>/",
        consult_views.consultation_detail,
        name="consultation-detail",
    ),
    path(
        "consultations/<slug:slug>/comment/",
        consult_views.comment_submit,
        name="consultation-comment",
    ),
    path(
        "consultations/<slug:slug>/report/",
        consult_views.consultation_report,
        name="consultation-report",
    ),
    path(
        "consultations/<slug:slug>/comments/",
        comment_views.comment_search,
        name="consultation-comments",
    ),
    path(
        "consultations/<slug:slug>/report.pdf",
        consult_views.consultation_report_pdf,
        name="consultation-report-pdf",
    ),
    path("comments/", comment_views.comment_lookup, name="comment-lookup"),
    path(
        "comments/<str:tracking_number>/",
        consult_views.comment_receipt,
        name="comment-receipt",
    ),
    path("occupations/", occupation_views.occupation_list, name="occupation-list"),
    path("occupations/<int:pk>/", consult_views.occupation_detail, name="occupation-detail"),
    path("batches/<slug:slug>/", consult_views.batch_detail, name="batch-detail"),
    path("accessibility/", info_pages.accessibility, name="accessibility"),
    path("privacy/", info_pages.privacy, name="privacy"),
    path("feeds/consultations/", consult_feeds.ConsultationsFeed(), name="feed-consultations"),
    path(
        "feeds/consultations/atom/",
        consult_feeds.ConsultationsAtomFeed(),
        name="feed-consultations-atom",
    ),
    path("feeds/batches/", occupation_feeds.BatchesFeed(), name="feed-batches"),
    path("feeds/batches/atom/", occupation_feeds.BatchesAtomFeed(), name="feed-batches-atom"),
    path("feeds/releases/", occupation_feeds.ReleasesFeed(), name="feed-releases"),
    path("feeds/releases/atom/", occupation_feeds.ReleasesAtomFeed(), name="feed-releases-atom"),
    path("data/", occupation_views.open_data, name="data"),
    re_path(
        r"^downloads/(?P<version>[0-9]{4}\.[0-9]+)/$",
        occupation_views.release_downloads,
        name="release-downloads",
    ),
    re_path(
        r"^downloads/(?P<version>[0-9]{4}\.[0-9]+)/(?P<name>[A-Za-z0-9_.-]+)$",
        occupation_views.download,
        name="release-download",
    ),
]
