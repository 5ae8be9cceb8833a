from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    """Staff sign-in below both apps: the second factor, session limits, the lockout page and
    re-authentication before a grave step (the registry's releases ask for it too)."""

    name = "staff"
    verbose_name = _("Staff sign-in")

    def ready(self) -> None:
        # Connects the sign-in signal that starts a staff session's clock.
        from staff import signin  # noqa: F401
