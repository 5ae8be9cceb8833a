"""The three staff roles and their permissions, defined once.

Editors draft, revise, accept and withdraw; Moderators moderate comments and record
dispositions; Publishers open, extend, begin review, publish and attach standards.

The data migration ``0002_staff_roles`` creates the groups; ``sync_roles`` runs again after
every ``migrate`` and ``flush`` (post_migrate), so the groups are always there and hold at
least these permissions (what staff grant a group on top in the admin is kept).
"""

from __future__ import annotations

from django.apps import apps as global_apps
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

EDITORS, MODERATORS, PUBLISHERS = "Editors", "Moderators", "Publishers"

ROLES = {
    EDITORS: [
        "consult.view_consultation",
        "consult.add_consultation",
        "consult.change_consultation",
        "consult.view_draftoccupation",
        "consult.add_draftoccupation",
        "consult.change_draftoccupation",
        "consult.delete_draftoccupation",
        "consult.withdraw_draft",
        "consult.accept_draft",
        "consult.view_comment",
        "consult.view_attachment",
        "occupations.view_classificationgroup",
        "occupations.view_batch",
        "occupations.view_occupation",
        "occupations.view_jobtype",
        "occupations.view_skillstandard",
        "occupations.view_transition",
    ],
    MODERATORS: [
        "consult.view_consultation",
        "consult.view_draftoccupation",
        "consult.view_comment",
        "consult.change_comment",
        "consult.moderate_comment",
        "consult.set_disposition",
        "consult.view_attachment",
        "occupations.view_transition",
    ],
    PUBLISHERS: [
        "consult.view_consultation",
        "consult.change_consultation",
        "consult.open_consultation",
        "consult.extend_window",
        "consult.begin_review",
        "consult.publish_consultation",
        "consult.view_draftoccupation",
        "consult.view_comment",
        "consult.view_attachment",
        "consult.view_windowextension",
        "occupations.view_authority",
        "occupations.add_authority",
        "occupations.change_authority",
        "occupations.view_classificationgroup",
        "occupations.view_batch",
        "occupations.view_occupation",
        "occupations.view_jobtype",
        "occupations.view_skillstandard",
        "occupations.add_skillstandard",
        "occupations.change_skillstandard",
        "occupations.view_standardlevel",
        "occupations.change_standardlevel",
        "occupations.view_transition",
        "occupations.view_release",
        "occupations.issue_release",
    ],
}

# What each role is called and does, as the admin explains it (the "add staff member" form, the
# handoff messages that name who acts next).
ROLE_LABELS = {
    EDITORS: _("editors"),
    MODERATORS: _("moderators"),
    PUBLISHERS: _("publishers"),
}
ROLE_DUTIES = {
    EDITORS: _(
        "Prepare the draft list, revise the drafts after comments, accept or withdraw each "
        "draft and set its code."
    ),
    MODERATORS: _(
        "Publish, hide or mark comments as spam, and record what was done with each comment "
        "(disposition and reply)."
    ),
    PUBLISHERS: _(
        "Open the consultation to the public, extend its window, begin the review and publish "
        "the accepted drafts as a batch."
    ),
}


def sync_roles(apps=global_apps, *, require_all: bool = True) -> None:
    """Create the role groups and give each its permissions.

    ``apps`` is the app registry to use (a migration passes its historical one). Requires the
    permissions to exist; a permission named here that does not is a programming error,
    unless ``require_all`` is off (an early migration, before later models' permissions exist:
    the sync after ``migrate`` adds those).
    """
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in ROLES.items():
        lookup = Q()
        for perm in perms:
            app_label, codename = perm.split(".")
            lookup |= Q(content_type__app_label=app_label, codename=codename)
        wanted = list(Permission.objects.filter(lookup))
        if require_all and len(wanted) != len(perms):
            found = {f"{p.content_type.app_label}.{p.codename}" for p in wanted}
            raise LookupError(f"Role {name}: unknown permissions {sorted(set(perms) - found)}")
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*wanted)
