"""The three staff roles and their permissions.

Editors draft, revise, accept and withdraw; Moderators moderate comments and record
dispositions; Publishers open, extend, begin review, publish and attach standards.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Editors": [
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
        "occupations.view_skillstandard",
        "occupations.view_transition",
    ],
    "Moderators": [
        "consult.view_consultation",
        "consult.view_draftoccupation",
        "consult.view_comment",
        "consult.change_comment",
        "consult.moderate_comment",
        "consult.set_disposition",
        "consult.view_attachment",
        "occupations.view_transition",
    ],
    "Publishers": [
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
        "occupations.view_skillstandard",
        "occupations.add_skillstandard",
        "occupations.change_skillstandard",
        "occupations.view_standardlevel",
        "occupations.change_standardlevel",
        "occupations.view_transition",
    ],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after migrations; the roles need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


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
