"""Running one guarded transition: the helpers every workflow module shares
(``consult.workflow.consultations``, ``consult.workflow.moderation``). A step locks its row, runs
the django-fsm transition, and turns a refusal into an ``InvalidTransition`` that reads like every
other."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed

from consult.models import Comment, Consultation, DraftOccupation
from core.errors import InvalidTransition, WorkflowError

# The rows a step locks before changing them.
Locked = TypeVar("Locked", Consultation, DraftOccupation, Comment)


def run_transition(obj: Any, method_name: str, /, **kwargs: Any) -> tuple[str, str]:
    """Run a django-fsm transition method; return (source, target) of the status field.

    django-fsm's own refusal (wrong source state) is turned into an InvalidTransition that
    names the state, so that every refusal reads the same way.
    """
    source = obj.status
    try:
        getattr(obj, method_name)(**kwargs)
    except WorkflowError:
        raise
    except TransitionNotAllowed:
        raise wrong_state(obj, method_name) from None
    return source, obj.status


def wrong_state(obj: Any, method_name: str) -> InvalidTransition:
    return InvalidTransition(
        _("%(object)s is %(status)s; “%(step)s” is not allowed from that state.")
        % {
            "object": obj,
            "status": obj.get_status_display(),
            "step": method_name.replace("_", " "),
        }
    )


def field_label(model: type[Any], name: str) -> str:
    """A field as staff know it (its verbose name), never its code name."""
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:  # not a field: shown as given
        return name


def lock(model: type[Locked], pk: int) -> Locked:
    """Re-read a row under ``SELECT … FOR UPDATE``: the caller's copy may be stale, and two
    staff members may press the same button at once."""
    return model.objects.select_for_update().get(pk=pk)
