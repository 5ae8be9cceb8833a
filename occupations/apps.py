from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OccupationsConfig(AppConfig):
    name = "occupations"
    verbose_name = _("Occupation registry")
    default_auto_field = "django.db.models.BigAutoField"
