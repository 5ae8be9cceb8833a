"""Staff view of third parties: API keys (made here and shown once, revoked here), the webhook
endpoints registered for a key's owner, and each delivery with its attempts and a replay
action (``consult.delivery.webhooks``)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from consult.api.keys import SCOPES, create_api_key
from consult.delivery import webhooks
from consult.models import (
    ApiKey,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from core.errors import WorkflowError
from occupations.admin.registry import ReadOnlyAdminMixin


class ApiKeyAddForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"),
        choices=[(scope, scope) for scope in SCOPES],
        widget=forms.CheckboxSelectMultiple,
        initial=["read"],
    )

    class Meta:
        model = ApiKey
        fields = ["owner", "note"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = [
        "owner",
        "prefix",
        "scope_read",
        "scope_comment",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["scope_comment", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["owner", "prefix"]
    readonly_fields = [
        "prefix",
        "scope_read",
        "scope_comment",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked_at",
    ]
    fields = ["owner", "note", *readonly_fields]
    actions = ["revoke"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ApiKeyAddForm
            kwargs["fields"] = ["owner", "note", "scopes"]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ["owner", "note", "scopes"] if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        try:
            key, token = create_api_key(
                owner=form.cleaned_data["owner"],
                scopes=form.cleaned_data["scopes"],
                note=form.cleaned_data["note"],
                by=request.user,
                now=timezone.now(),
            )
        except WorkflowError as refused:
            self.message_user(request, refused.message, messages.ERROR)
            return
        obj.pk = key.pk
        obj.owner = key.owner
        # Shown on the next page and nowhere else: not in a message, which the session or a
        # cookie would keep.
        request.new_api_key_token = token

    def response_add(self, request, obj, post_url_continue=None):
        token = getattr(request, "new_api_key_token", None)
        if token is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "key": obj,
            "token": token,
            "title": _("New API key"),
        }
        response = TemplateResponse(request, "admin/consult/apikey/created.html", context)
        response["Cache-Control"] = "no-store"
        return response

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_revoke_permission(self, request) -> bool:
        return request.user.has_perm("consult.change_apikey")

    @admin.action(description=_("Revoke the selected keys"), permissions=["revoke"])
    def revoke(self, request, queryset) -> None:
        now = timezone.now()
        count = 0
        for key in queryset.active():
            key.revoke(now=now)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d key revoked.", "%(count)d keys revoked.", count) % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(
        label=_("address"),
        max_length=500,
        validators=[webhooks.validate_endpoint_url],
        assume_scheme="https",
        help_text=_("https:// and a public address."),
    )
    events = forms.MultipleChoiceField(
        label=_("events"), choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["api_key", "url", "events", "active"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["url", "api_key", "events", "active", "created_at"]
    list_filter = ["active"]
    list_select_related = ["api_key"]
    search_fields = ["url", "api_key__owner"]
    readonly_fields = ["secret", "created_at"]

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_at = timezone.now()
        super().save_model(request, obj, form, change)


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = ["number", "at", "status_code", "response", "error"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "pk",
        "event",
        "endpoint",
        "created_at",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status", "message__event"]
    list_select_related = ["message", "endpoint"]
    search_fields = ["message__event_id", "endpoint__url"]
    fields = [
        "event",
        "event_id",
        "endpoint",
        "body",
        "created_at",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
    ]
    readonly_fields = fields
    inlines = [WebhookAttemptInline]
    actions = ["replay"]

    @admin.display(description=_("event"))
    def event(self, delivery: WebhookDelivery) -> str:
        return delivery.message.event

    @admin.display(description=_("event id"))
    def event_id(self, delivery: WebhookDelivery) -> str:
        return delivery.message.event_id

    @admin.display(description=_("body"))
    def body(self, delivery: WebhookDelivery) -> str:
        return delivery.message.body

    def has_replay_permission(self, request) -> bool:
        return request.user.has_perm("consult.change_webhookdelivery")

    @admin.action(description=_("Replay the selected deliveries"), permissions=["replay"])
    def replay(self, request, queryset) -> None:
        count = webhooks.replay(queryset, now=timezone.now())
        self.message_user(
            request,
            ngettext(
                "%(count)d delivery will be sent again.",
                "%(count)d deliveries will be sent again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
