"""URLs of the read-only REST API (DESIGN §6): /api/v1/, /api/schema/, /api/docs/."""

urlpatterns: list = []
