"""The consultations' part of the API's router (the project joins it with the registry's in
``config.api``)."""

from consult.api.views import (
    CommentProofViewSet,
    ConsultationCommentViewSet,
    ConsultationViewSet,
)
from core.api.viewsets import SLUG_REGEX, ApiRouter

router = ApiRouter()
router.register("consultations", ConsultationViewSet, basename="consultation")
router.register(
    rf"consultations/(?P<consultation_slug>{SLUG_REGEX})/comments",
    ConsultationCommentViewSet,
    basename="consultation-comment",
)
router.register("comments", CommentProofViewSet, basename="comment-proof")
