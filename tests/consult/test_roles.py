"""The staff roles: three groups with their permissions, there after every migrate and flush."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from consult.staff.roles import ROLES


def _permissions(name: str) -> set[str]:
    group = Group.objects.get(name=name)
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    }


@pytest.mark.django_db
def test_the_migration_creates_each_role_with_its_permissions():
    for name, perms in ROLES.items():
        assert _permissions(name) == set(perms)
    assert "consult.publish_consultation" in _permissions("Publishers")
    assert "consult.publish_consultation" not in _permissions("Editors")
    assert "consult.moderate_comment" not in _permissions("Publishers")


@pytest.mark.django_db(transaction=True)
def test_the_roles_come_back_after_a_flush():
    """``manage.py flush`` empties every table; the roles are recreated straight after."""
    call_command("flush", interactive=False, verbosity=0)
    for name, perms in ROLES.items():
        assert _permissions(name) == set(perms)


@pytest.mark.django_db
def test_permissions_staff_add_to_a_role_are_kept_by_the_next_sync():
    from django.contrib.auth.models import Permission

    from consult.staff.roles import sync_roles

    extra = Permission.objects.get(codename="delete_comment")
    Group.objects.get(name="Moderators").permissions.add(extra)
    sync_roles()
    assert "consult.delete_comment" in _permissions("Moderators")
