"""The editions of the occupational classification, as reference data with their sources."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from occupations.models.registry import DatePrecision, format_date
from occupations.provenance import provenance_field


class ClassificationEdition(models.Model):
    """One edition of the classification (1999, 2015, 2022) and the facts its sources state
    about it; a count no source gives stays blank."""

    year = models.PositiveSmallIntegerField(_("edition"), unique=True)
    issued_on = models.DateField(_("issued on"))
    issued_precision = models.CharField(
        _("precision of the issue date"),
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.YEAR,
    )
    revision = models.PositiveSmallIntegerField(
        _("revision"), null=True, blank=True, help_text=_("0 for the first edition.")
    )
    major_group_count = models.PositiveSmallIntegerField(_("major groups"), null=True, blank=True)
    occupation_count = models.PositiveIntegerField(_("occupations"), null=True, blank=True)
    sources = models.JSONField(_("sources"), default=list, blank=True)
    provenance = provenance_field()
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("classification edition")
        verbose_name_plural = _("classification editions")
        constraints = [
            models.CheckConstraint(
                condition=Q(issued_precision__in=["day", "month", "year"]),
                name="edition_precision_valid",
            ),
        ]

    def __str__(self) -> str:
        return str(_("%(year)s edition") % {"year": self.year})

    @property
    def issued_display(self) -> str:
        return format_date(self.issued_on, self.issued_precision)


class ReleasePeriod(models.Model):
    """A stretch of the new-occupation releases that the registry holds no batches of, with
    only the totals its sources state ("by 2009, a total of 12 batches of over 120 new
    professions had been released")."""

    started_year = models.PositiveSmallIntegerField(_("first year"))
    ended_year = models.PositiveSmallIntegerField(_("last year"))
    batch_count = models.PositiveSmallIntegerField(_("batches"), null=True, blank=True)
    occupation_count = models.PositiveIntegerField(_("occupations"), null=True, blank=True)
    occupation_count_is_minimum = models.BooleanField(
        _("the count is a lower bound"),
        null=True,
        blank=True,
        help_text=_('True for "over 120"; blank when no count is stated.'),
    )
    sources = models.JSONField(_("sources"), default=list, blank=True)
    provenance = provenance_field()
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["started_year"]
        verbose_name = _("earlier release period")
        verbose_name_plural = _("earlier release periods")
        constraints = [
            models.UniqueConstraint(fields=["started_year"], name="release_period_unique_start"),
            models.CheckConstraint(
                condition=Q(ended_year__gte=models.F("started_year")),
                name="release_period_years_ordered",
            ),
            models.CheckConstraint(
                condition=Q(occupation_count__isnull=True, occupation_count_is_minimum__isnull=True)
                | Q(occupation_count__isnull=False, occupation_count_is_minimum__isnull=False),
                name="release_period_count_qualified",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.started_year}–{self.ended_year}"
