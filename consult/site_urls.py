"""URLs of the public site (DESIGN §5)."""

from django.urls import path

from consult import feeds as consult_feeds
from consult import notification_views
from consult import views as consult_views
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
        "comments/<str:tracking_number>/",
        consult_views.comment_receipt,
        name="comment-receipt",
    ),
    path("occupations/", occupation_views.occupation_list, name="occupation-list"),
    path("occupations/<int:pk>/", consult_views.occupation_detail, name="occupation-detail"),
    path("batches/<slug:slug>/", consult_views.batch_detail, name="batch-detail"),
    path("feeds/consultations/", consult_feeds.ConsultationsFeed(), name="feed-consultations"),
    path(
        "feeds/consultations/atom/",
        consult_feeds.ConsultationsAtomFeed(),
        name="feed-consultations-atom",
    ),
    path("feeds/batches/", occupation_feeds.BatchesFeed(), name="feed-batches"),
    path("feeds/batches/atom/", occupation_feeds.BatchesAtomFeed(), name="feed-batches-atom"),
]
