"""Domain errors raised by workflow steps in both apps.

Each carries a message meant for a person (shown in the admin, a form or a command's output)
and, where one input is to blame, the name of the field or record it concerns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import TypeAlias

    from django.contrib.auth.models import AnonymousUser, User

    # Who takes a workflow step: a user, or None for the system acting on its own (a schedule,
    # the seed loader).
    Actor: TypeAlias = User | None


class WorkflowError(Exception):
    """A workflow step was refused; ``message`` says why."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class InvalidTransition(WorkflowError):
    """The object is not in a state from which the step is allowed, or a precondition fails."""


class NotPermitted(WorkflowError):
    """The acting user lacks the permission the step requires."""


def require_permission(user: User | AnonymousUser | None, perm: str, action: str) -> None:
    """Raise ``NotPermitted`` unless ``user`` holds ``perm`` (``app_label.codename``)."""
    if user is None or not user.is_active or not user.has_perm(perm):
        who = getattr(user, "get_username", lambda: "anonymous")()
        raise NotPermitted(f"{who} may not {action}: the permission {perm!r} is required.")
