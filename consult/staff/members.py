"""Adding a staff member with one role: an account that can sign in to the admin, in exactly one of
the role groups of ``consult.staff.roles``, so that nobody ticks "staff status" and moves groups by
hand. The form validates; ``add_staff_member`` does the one change."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consult.models import StaffMailSettings
from consult.staff.roles import ROLE_DUTIES, ROLE_LABELS, ROLES
from core.errors import InvalidTransition, require_permission


class StaffMemberForm(UserCreationForm):
    """Username, name, e-mail, an initial password and one role, each role explained."""

    role = forms.ChoiceField(
        label=_("role"),
        widget=forms.RadioSelect,
        help_text=_("Each staff member has one role; a superuser can change it later."),
    )

    mail_language = forms.ChoiceField(
        label=_("language of e-mails"),
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
        help_text=_("Notifications (digests, handoffs) are written in this language."),
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "first_name", "last_name", "email")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["role"].choices = [
            (
                name,
                format_html(
                    "<strong>{}</strong> — {}",
                    str(ROLE_LABELS[name]).capitalize(),
                    ROLE_DUTIES[name],
                ),
            )
            for name in ROLES
        ]


def add_staff_member(form: StaffMemberForm, *, by) -> object:
    """Create the account of a valid ``form``: staff status, its password, its one role group,
    and an admin log entry. Requires ``auth.add_user`` and ``auth.change_user``."""
    require_permission(by, "auth.add_user", gettext("add staff members"))
    role = form.cleaned_data["role"]
    if role not in ROLES:
        raise InvalidTransition(gettext("Unknown role."), field="role")
    with transaction.atomic():
        user = form.save(commit=False)
        user.is_staff = True
        user.is_superuser = False
        user.save()
        user.groups.set([Group.objects.get(name=role)])
        StaffMailSettings.objects.create(user=user, language=form.cleaned_data["mail_language"])
        LogEntry.objects.log_actions(
            user_id=by.pk,
            queryset=[user],
            action_flag=ADDITION,
            change_message=gettext("Added as a staff member (%(role)s).")
            % {"role": ROLE_LABELS[role]},
            single_object=True,
        )
    return user


def add_staff_member_view(request: HttpRequest) -> HttpResponse:
    """GET: the form; POST: the account, then its page in the admin."""
    if not request.user.has_perm("auth.add_user"):
        raise PermissionDenied
    form = StaffMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = add_staff_member(form, by=request.user)
        messages.success(
            request,
            gettext("%(name)s can now sign in as one of the %(role)s.")
            % {"name": user.get_username(), "role": ROLE_LABELS[form.cleaned_data["role"]]},
        )
        return HttpResponseRedirect(reverse("admin:auth_user_change", args=[user.pk]))
    context = {
        **admin.site.each_context(request),
        "title": gettext("Add a staff member"),
        "form": form,
        "users_url": reverse("admin:auth_user_changelist"),
    }
    return render(request, "staff/add_member.html", context)
