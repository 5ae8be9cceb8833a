"""The public catalogue's search and filters (GET, every field optional)."""

from __future__ import annotations

from django import forms
from django.db.models import Count, Exists, OuterRef, Q
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


class Marker:
    """The three answers a green or digital marker has: a source marks the occupation, a
    source excludes it, or no source says (null)."""

    MARKED = "marked"
    NOT_MARKED = "not_marked"
    UNKNOWN = "unknown"
    # What each answer selects.
    LOOKUPS = {MARKED: True, NOT_MARKED: False, UNKNOWN: None}
    # The catalogue's filters were checkboxes: ``green=on`` still means "marked".
    ALIASES = {"on": MARKED, "true": MARKED, "1": MARKED}


class MarkerField(forms.ChoiceField):
    def __init__(self, **kwargs) -> None:
        super().__init__(
            choices=[
                ("", _("Any")),
                (Marker.MARKED, _("marked")),
                (Marker.NOT_MARKED, _("not marked")),
                (Marker.UNKNOWN, _("not known")),
            ],
            required=False,
            **kwargs,
        )

    def to_python(self, value) -> str:
        value = super().to_python(value)
        return Marker.ALIASES.get(value.lower(), value)


def marker_counts(queryset: OccupationQuerySet) -> dict[str, dict[str, int]]:
    """How many of ``queryset`` each marker marks, does not mark, and leaves not known, in
    one query: ``{"green": {"marked": 3, "not_marked": 0, "unknown": 77}, "digital": …}``."""
    aggregates = {}
    for field in ("green", "digital"):
        for answer, value in Marker.LOOKUPS.items():
            lookup = Q(**{f"{field}__isnull": True}) if value is None else Q(**{field: value})
            aggregates[f"{field}_{answer}"] = Count("pk", filter=lookup)
    totals = queryset.order_by().aggregate(**aggregates)
    return {
        field: {answer: totals[f"{field}_{answer}"] for answer in Marker.LOOKUPS}
        for field in ("green", "digital")
    }


class CatalogueFilterForm(forms.Form):
    """A bad value in one filter is reported on that field and the filter left out; the page
    never fails on what is typed into the address bar."""

    q = forms.CharField(label=_("Search"), required=False, max_length=SEARCH_MAX_LENGTH)
    batch = forms.ChoiceField(label=_("Batch"), required=False)
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    group = forms.ChoiceField(label=_("Major group"), required=False)
    green = MarkerField(label=_("Green occupation (L)"))
    digital = MarkerField(label=_("Digital occupation (S)"))
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
        for field in ("green", "digital"):
            if data.get(field) in Marker.LOOKUPS:
                value = Marker.LOOKUPS[data[field]]
                lookup = {f"{field}__isnull": True} if value is None else {field: value}
                queryset = queryset.filter(**lookup)
        if data.get("has_standard"):
            queryset = queryset.filter(has_standard=True)
        return queryset
