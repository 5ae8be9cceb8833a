from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender, apps=None, **kwargs) -> None:
    """``migrate`` passes its project state as ``apps``; ``flush`` passes none."""
    from django.apps import apps as global_apps

    from consult.staff.roles import sync_roles

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
        # Third parties hear of every release the registry issues.
        from consult.delivery import webhooks
        from occupations.signals import release_issued

        release_issued.connect(webhooks.announce_release, dispatch_uid="consult.announce_release")
        # Each release's JSON carries the comment records of the consultations it publishes.
        from consult import commitment
        from occupations import downloads

        downloads.EXTRA_SECTIONS["comment_records"] = commitment.release_section

        _name_third_party_apps()


def _name_third_party_apps() -> None:
    """Names in the staff's language for third-party apps and models whose names are plain strings
    (an app's ``verbose_name``, a model name derived from its class), which no catalogue can
    translate: the admin index showed "Tasks Database Backend" and "TOTP devices" on Chinese pages.
    Their other messages are in ``consult.admin.third_party_messages``."""
    from django.apps import apps

    app_names = {
        "django_tasks_database": _("Task queue"),
        "axes": _("Sign-in lockout"),
        "otp_static": _("Backup codes"),
        "otp_totp": _("Authenticator apps"),
        "two_factor": _("Two-step sign-in"),
    }
    for label, name in app_names.items():
        if apps.is_installed(label) or label in apps.app_configs:
            apps.get_app_config(label).verbose_name = name
    model_names = {
        ("otp_static", "staticdevice"): (_("backup code set"), _("backup code sets")),
        ("otp_totp", "totpdevice"): (_("authenticator app"), _("authenticator apps")),
    }
    for (label, model_name), (singular, plural) in model_names.items():
        if label in apps.app_configs:
            meta = apps.get_model(label, model_name)._meta
            meta.verbose_name, meta.verbose_name_plural = singular, plural
