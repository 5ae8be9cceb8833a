"""Admin of the registry's reference data: classification groups, editions, authorities."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from occupations.models import Authority, ClassificationEdition, ClassificationGroup


@admin.register(ClassificationGroup)
class ClassificationGroupAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "title_en", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "title", "title_en"]
    ordering = ["code"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
    show_full_result_count = False


@admin.register(ClassificationEdition)
class ClassificationEditionAdmin(admin.ModelAdmin):
    """Reference data loaded from the seed files, each fact with its source."""

    list_display = ["year", "issued", "revision", "major_group_count", "occupation_count"]
    ordering = ["year"]

    @admin.display(description=_("issued"), ordering="issued_on")
    def issued(self, obj: ClassificationEdition) -> str:
        return obj.issued_display


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    list_display = ["name", "name_zh", "abbreviation"]
    search_fields = ["name", "name_zh", "abbreviation"]
    ordering = ["name"]
    show_full_result_count = False
