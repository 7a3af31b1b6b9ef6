"""Create the eight role groups of DESIGN.md §3.

The names are written out here, not imported from apps.accounts.roles, so this
migration keeps meaning what it meant when it ran even if the code changes.
"""

from django.db import migrations

ROLE_NAMES = (
    "agent",
    "qa_evaluator",
    "qa_manager",
    "expert",
    "duty_manager",
    "department_staff",
    "improvement_member",
    "admin",
)


def create_role_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLE_NAMES:
        Group.objects.get_or_create(name=name)


def delete_role_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name__in=ROLE_NAMES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_role_groups, delete_role_groups)]
