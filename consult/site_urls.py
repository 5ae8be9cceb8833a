"""URLs of the public site (DESIGN §5)."""

urlpatterns: list = []
