"""The one confirmation page of every workflow step, and the buttons and actions that lead to it.

``WorkflowStepsMixin`` gives a ModelAdmin, for each of its model's rows in
``consult.admin.steps.STEPS`` that has a page: a URL ``<pk>/<path>/`` named
``consult_<model name>_<step name>``, a button on the change form when the step is offered to
the user for the object, and a changelist action when the row names one. GET shows what the
step will do; POST runs it through its workflow function and returns to the change form.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consult.admin.forms import add_workflow_error
from consult.admin.steps import Step, step_named, steps_of
from core.errors import NotPermitted, WorkflowError, require_permission
from staff.reauth import reauthentication_redirect


def refusal(request, model_admin, error: WorkflowError) -> None:
    model_admin.message_user(request, error.message, messages.ERROR)


def permitted(request, model_admin, step: Step) -> bool:
    """Whether the user holds the step's permission; if not, say so as an error message (the
    same refusal the workflow function gives)."""
    try:
        require_permission(request.user, step.required_permission, str(step.action))
    except NotPermitted as exc:
        refusal(request, model_admin, exc)
        return False
    return True


class WorkflowStepsMixin:
    """A ModelAdmin mixin: the steps of ``STEPS`` for its model (see the module docstring)."""

    # What the step templates call the object (``draft``, ``consultation``).
    step_object_name = "object"
    # Related rows the step pages read with the object.
    step_select_related: tuple[str, ...] = ()
    # The warning of a changelist action given more or fewer than one object.
    step_needs_one = _("Select exactly one object for this step.")

    def steps(self) -> list[Step]:
        return steps_of(self.model)

    def step(self, name: str) -> Step:
        return step_named(self.model, name)

    def step_permission(self, request, name: str) -> bool:
        """Whether the user's role allows the step at all (the actions' permissions)."""
        return request.user.has_perm(self.step(name).required_permission)

    def step_url(self, step: Step, obj) -> str:
        return reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_{step.name}", args=[obj.pk]
        )

    def offered_steps(self, request, obj) -> list[tuple[str, str]]:
        """The buttons of the change form: (url, label) of each step offered for ``obj``. A
        step with neither a page nor a transition (a comment's disposition) is the change form
        itself, not a button."""
        now = timezone.now()
        return [
            (self.step_url(step, obj), str(step.label))
            for step in self.steps()
            if (step.path or step.transition) and step.is_offered(obj, request.user, now)
        ]

    def held_back_steps(self, request, obj) -> list[tuple[str, str]]:
        """(label, why) of each step the user may take from ``obj``'s state but that would be
        refused now: said on the change form instead of a button that leads to a refusal."""
        now = timezone.now()
        return [
            (str(step.label).rstrip("…"), refusal.message)
            for step in self.steps()
            if (step.path or step.transition)
            and (refusal := step.held_back(obj, request.user, now)) is not None
        ]

    def get_urls(self):
        view = self.admin_site.admin_view(self.step_view)
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            *(
                path(
                    f"<int:pk>/{step.path}/",
                    view,
                    {"name": step.name},
                    name=f"{prefix}_{step.name}",
                )
                for step in self.steps()
                if step.path
            ),
            *super().get_urls(),
        ]

    def step_object(self, request, pk: int):
        """The object of a step's page; 403 unless the user may see it."""
        rows = self.model._default_manager.select_related(*self.step_select_related)
        obj = get_object_or_404(rows, pk=pk)
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        return obj

    def step_view(self, request, pk: int, name: str):
        """Confirmation page of a workflow step: GET shows what will happen, POST does it."""
        step = self.step(name)
        obj = self.step_object(request, pk)
        change_url = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[pk]
        )
        if not permitted(request, self, step):
            return HttpResponseRedirect(change_url)
        if step.reauthenticate and (detour := reauthentication_redirect(request)):
            return detour
        form = step.form(
            request.POST if request.method == "POST" else None, **step.form_kwargs(obj)
        )
        if request.method == "POST" and form.is_valid():
            try:
                message, level = step.run(obj, form, request.user)
            except WorkflowError as exc:
                if not add_workflow_error(form, exc):
                    refusal(request, self, exc)
            else:
                self.message_user(request, message, level)
                return HttpResponseRedirect(change_url)
            obj.refresh_from_db()
        return self.render_step(request, step, obj, form, change_url)

    def render_step(self, request, step: Step, obj, form, change_url: str):
        now = timezone.now()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": obj,
            self.step_object_name: obj,
            "title": str(step.title)
            % {"step": str(step.action).capitalize(), "title": str(obj), "name": str(obj)},
            "form": form,
            "media": self.media + form.media,
            "change_url": change_url,
            "now": now,
            **step.context(obj),
        }
        template = f"admin/{self.opts.app_label}/{self.opts.model_name}/{step.template}"
        return TemplateResponse(request, template, context)

    # Changelist actions: each leads to the confirmation page of one object -------------------

    def get_actions(self, request):
        actions = super().get_actions(request)
        for step in self.steps():
            if step.changelist_action and self.step_permission(request, step.name):
                name = f"{step.name}_action"
                actions[name] = (self._to_step_action(step), name, step.changelist_action)
        return actions

    @staticmethod
    def _to_step_action(step: Step):
        def to_step(model_admin, request, queryset):
            if queryset.count() != 1:
                model_admin.message_user(request, model_admin.step_needs_one, messages.WARNING)
                return None
            return HttpResponseRedirect(model_admin.step_url(step, queryset.get()))

        return to_step
