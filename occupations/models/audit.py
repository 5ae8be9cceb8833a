"""The audit log of workflow steps in either app: ``Transition``."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TransitionQuerySet(models.QuerySet):
    def for_object(self, obj: models.Model) -> TransitionQuerySet:
        return self.filter(
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
            object_id=obj.pk,
        )

    def record(
        self,
        obj: models.Model,
        *,
        action: str,
        source: str,
        target: str,
        by,
        at: dt.datetime | None = None,
        note: str = "",
    ) -> Transition:
        return self.create(
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
            object_id=obj.pk,
            action=action,
            source=source,
            target=target,
            actor=by,
            at=at or timezone.now(),
            note=note,
        )


class Transition(models.Model):
    """One workflow step on any object, in either app: the audit log."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    content_object = GenericForeignKey("content_type", "object_id")
    action = models.CharField(_("action"), max_length=50)
    source = models.CharField(_("from"), max_length=30, blank=True)
    target = models.CharField(_("to"), max_length=30, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
        help_text=_("Blank for steps taken by the system (scheduled commands)."),
    )
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    note = models.TextField(_("note"), blank=True)

    objects = TransitionQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("transition")
        verbose_name_plural = _("transitions")
        indexes = [models.Index(fields=["content_type", "object_id"], name="transition_object")]

    def __str__(self) -> str:
        return f"{self.action}: {self.source} → {self.target}"
