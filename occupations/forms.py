"""The public catalogue's search and filters (GET, every field optional)."""

from __future__ import annotations

from django import forms
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from occupations.models import (
    SEARCH_MAX_LENGTH,
    Batch,
    ClassificationGroup,
    OccupationQuerySet,
    SkillStandard,
)


def with_standard_flag(queryset: OccupationQuerySet) -> OccupationQuerySet:
    """Annotate ``has_standard`` in the same query (no query per row)."""
    return queryset.annotate(
        has_standard=Exists(SkillStandard.objects.filter(occupation=OuterRef("pk")))
    )


class CatalogueFilterForm(forms.Form):
    """A bad value in one filter is reported on that field and the filter left out; the page
    never fails on what is typed into the address bar."""

    q = forms.CharField(label=_("Search"), required=False, max_length=SEARCH_MAX_LENGTH)
    batch = forms.ChoiceField(label=_("Batch"), required=False)
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    group = forms.ChoiceField(label=_("Major group"), required=False)
    green = forms.BooleanField(label=_("Green occupations (L)"), required=False)
    digital = forms.BooleanField(label=_("Digital occupations (S)"), required=False)
    has_standard = forms.BooleanField(label=_("With a skill standard"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        batches = list(Batch.objects.latest_first().only("slug", "title"))
        self.fields["batch"].choices = [("", _("All batches"))] + [
            (b.slug, b.title) for b in batches
        ]
        years = Batch.objects.dates("announced_on", "year", order="DESC")
        self.fields["year"].choices = [("", _("All years"))] + [(d.year, d.year) for d in years]
        groups = ClassificationGroup.objects.filter(level=ClassificationGroup.Level.MAJOR)
        self.fields["group"].choices = [("", _("All groups"))] + [(g.code, str(g)) for g in groups]

    def filter(self, queryset: OccupationQuerySet) -> OccupationQuerySet:
        """Apply every filter that is valid; ``is_valid()`` must have been called."""
        data = {
            name: value
            for name, value in getattr(self, "cleaned_data", {}).items()
            if name not in self.errors
        }
        if data.get("q"):
            queryset = queryset.search(data["q"])
        if data.get("batch"):
            queryset = queryset.filter(batch__slug=data["batch"])
        if data.get("year"):
            queryset = queryset.filter(batch__announced_on__year=data["year"])
        if data.get("group"):
            queryset = queryset.filter(group__code=data["group"])
        if data.get("green"):
            queryset = queryset.filter(green=True)
        if data.get("digital"):
            queryset = queryset.filter(digital=True)
        if data.get("has_standard"):
            queryset = queryset.filter(has_standard=True)
        return queryset
