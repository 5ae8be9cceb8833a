"""The registry's part of the API's router (the project joins it with the consultations' in
``config.api``)."""

from core.api.viewsets import ApiRouter
from occupations.api.classification import ClassificationViewSet
from occupations.api.registry import BatchViewSet, OccupationViewSet, StandardViewSet
from occupations.api.releases import ReleaseViewSet

router = ApiRouter()
router.register("batches", BatchViewSet, basename="batch")
router.register("occupations", OccupationViewSet, basename="occupation")
router.register("standards", StandardViewSet, basename="standard")
router.register("releases", ReleaseViewSet, basename="release")
router.register("classification", ClassificationViewSet, basename="classification")
