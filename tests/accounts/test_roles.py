"""The eight role groups exist from the data migration, and roles are read from them."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from apps.accounts.permissions import forget_roles, has_role, roles_of
from apps.accounts.roles import Role
from tests.factories import UserFactory

EXPECTED_ROLES = [
    "agent",
    "qa_evaluator",
    "qa_manager",
    "expert",
    "duty_manager",
    "department_staff",
    "improvement_member",
    "admin",
]


@pytest.mark.django_db
def test_migration_created_exactly_the_eight_role_groups():
    assert sorted(Group.objects.values_list("name", flat=True)) == sorted(EXPECTED_ROLES)
    assert Role.values == EXPECTED_ROLES


@pytest.mark.django_db(transaction=True)
def test_roles_migration_reverses_and_reapplies():
    executor = MigrationExecutor(connection)
    executor.migrate([("accounts", "0001_initial")])
    assert not Group.objects.filter(name__in=EXPECTED_ROLES).exists()
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert Group.objects.filter(name__in=EXPECTED_ROLES).count() == 8


@pytest.mark.django_db
def test_a_user_can_hold_several_roles():
    user = UserFactory(roles=[Role.QA_EVALUATOR, Role.IMPROVEMENT_MEMBER])
    assert roles_of(user) == {"qa_evaluator", "improvement_member"}
    assert has_role(user, Role.IMPROVEMENT_MEMBER)
    assert has_role(user, Role.ADMIN, Role.QA_EVALUATOR)
    assert not has_role(user, Role.ADMIN)


@pytest.mark.django_db
def test_superuser_counts_as_admin_and_inactive_user_has_no_roles():
    assert roles_of(UserFactory(is_superuser=True)) == {"admin"}
    assert roles_of(UserFactory(roles=[Role.AGENT], is_active=False)) == frozenset()


@pytest.mark.django_db
def test_groups_that_are_not_roles_are_ignored():
    user = UserFactory()
    user.groups.add(Group.objects.create(name="book club"))
    assert roles_of(user) == frozenset()


@pytest.mark.django_db
def test_roles_are_read_once_per_user_object(django_assert_num_queries):
    user = UserFactory(roles=[Role.AGENT])
    forget_roles(user)
    with django_assert_num_queries(1):
        for _ in range(5):
            has_role(user, Role.AGENT)
