"""The three staff roles (Editors, Moderators, Publishers) and their permissions, as
defined in ``consult.staff.roles``."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from consult.staff.roles import ROLES, sync_roles


def create_roles(apps, schema_editor):
    # Permissions are normally created after migrations; the roles need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    # Models added by later migrations have no permissions yet; the sync after migrate
    # gives the roles those.
    sync_roles(apps, require_all=False)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("consult", "0001_initial"),
        ("occupations", "0002_search_trigram_index"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
