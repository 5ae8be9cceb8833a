from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender, apps=None, **kwargs) -> None:
    """``migrate`` passes its project state as ``apps``; ``flush`` passes none."""
    from django.apps import apps as global_apps

    from consult.roles import sync_roles

    apps = apps or global_apps
    try:
        apps.get_model("consult", "Comment")
    except LookupError:
        return  # migrated back below the roles migration: nothing to sync
    sync_roles(apps)


class ConsultConfig(AppConfig):
    name = "consult"
    verbose_name = _("Consultations")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # After every migrate and flush (test databases flush between transactional tests):
        # the role groups come back with exactly their permissions.
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="consult.sync_roles")
        # The admin of the outbox, beside consult.admin.
        from django.contrib import admin

        from consult import mail_admin

        mail_admin.register(admin.site)
