"""Third parties who write: their API keys.

A key is shown once, when it is made, and only its SHA-256 is kept. A fast unsalted hash is
enough here, unlike for passwords: the key is 256 random bits, so no dictionary or brute force
reaches it, and a deterministic hash lets each request find its key by one indexed lookup.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.errors import InvalidTransition

API_KEY_PREFIX = "ck_"
# Shown in the admin so staff can tell keys apart; 4 of the 43 random characters.
API_KEY_SHOWN_CHARACTERS = len(API_KEY_PREFIX) + 4


def hash_api_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_api_key_token() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


class ApiKeyQuerySet(models.QuerySet):
    def active(self) -> ApiKeyQuerySet:
        return self.filter(revoked_at__isnull=True)

    def by_token(self, token: str) -> ApiKey | None:
        """The active key whose token is ``token``, or None."""
        return self.active().filter(hashed=hash_api_key(token)).first()


class ApiKey(models.Model):
    """A third party's key to the API: who holds it (an organisation, shown with the comments
    sent with it), what it may do, whether it still works."""

    owner = models.CharField(
        _("owner"),
        max_length=200,
        help_text=_("The organisation holding the key; shown publicly with its comments."),
    )
    prefix = models.CharField(_("key starts with"), max_length=16, editable=False)
    hashed = models.CharField(max_length=64, editable=False)
    scope_read = models.BooleanField(
        _("read"), default=True, help_text=_("Reads the API at the higher rate for keys.")
    )
    scope_comment = models.BooleanField(
        _("comment"), default=False, help_text=_("Submits comments on open consultations.")
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created"), editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("created by"),
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["owner", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["hashed"], name="api_key_hash_unique"),
            models.CheckConstraint(
                condition=Q(scope_read=True) | Q(scope_comment=True),
                name="api_key_has_a_scope",
            ),
            models.CheckConstraint(condition=~Q(hashed=""), name="api_key_hash_set"),
        ]

    def __str__(self) -> str:
        return f"{self.owner} ({self.prefix}…)"

    @property
    def scopes(self) -> list[str]:
        return [
            name
            for name, held in (("read", self.scope_read), ("comment", self.scope_comment))
            if held
        ]

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def set_token(self, token: str) -> None:
        self.hashed = hash_api_key(token)
        self.prefix = token[:API_KEY_SHOWN_CHARACTERS]

    def revoke(self, *, now: dt.datetime) -> None:
        """Stop this key from working from ``now`` on (its requests answer 401)."""
        if self.revoked_at is not None:
            raise InvalidTransition(gettext("This key is already revoked."))
        self.revoked_at = now
        self.save(update_fields=["revoked_at"])

    def record_use(self, *, now: dt.datetime, every: dt.timedelta) -> None:
        """Note that the key was used at ``now``, at most one write per ``every``: a busy key
        would otherwise write its row on every request."""
        if self.last_used_at is not None and now - self.last_used_at < every:
            return
        ApiKey.objects.filter(pk=self.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - every)
        ).update(last_used_at=now)
        self.last_used_at = now
