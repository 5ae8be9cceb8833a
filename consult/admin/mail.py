"""Staff view of the outbox: undelivered mail with its attempts and errors, and a resend
action (``consult.delivery.outbox.resend``). Rows are written only by the code that sends mail."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from consult.delivery import outbox
from consult.models import DeliveryAttempt, OutgoingMail
from occupations.admin.registry import ReadOnlyAdminMixin


class UndeliveredFilter(admin.SimpleListFilter):
    title = _("delivery")
    parameter_name = "delivery"

    def lookups(self, request, model_admin):
        return [("undelivered", _("not delivered")), ("sent", _("sent"))]

    def queryset(self, request, queryset):
        if self.value() == "undelivered":
            return queryset.undelivered()
        if self.value() == "sent":
            return queryset.filter(status=OutgoingMail.Status.SENT)
        return queryset


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    fields = ["number", "at", "error"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OutgoingMail)
class OutgoingMailAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "pk",
        "kind",
        "subject",
        "created_at",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "sent_at",
    ]
    list_filter = [UndeliveredFilter, "status", "kind"]
    search_fields = ["=recipient", "subject"]
    ordering = ["-created_at", "-pk"]
    show_full_result_count = False
    fields = [
        "kind",
        "recipient",
        "language",
        "subject",
        "body",
        "created_at",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "sent_at",
    ]
    readonly_fields = fields
    inlines = [DeliveryAttemptInline]
    actions = ["resend"]

    def has_resend_permission(self, request) -> bool:
        return request.user.has_perm("consult.change_outgoingmail")

    @admin.action(description=_("Resend the selected undelivered mail"), permissions=["resend"])
    def resend(self, request, queryset) -> None:
        count = outbox.resend(queryset, now=timezone.now())
        self.message_user(
            request,
            ngettext(
                "%(count)d mail will be sent again.",
                "%(count)d mails will be sent again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )
