"""factory_boy factories shared by every app's tests."""

import factory
from django.contrib.auth.models import Group

from apps.accounts.models import Department, Team, User

TEST_PASSWORD = "correct-horse-battery-staple"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n:03d}")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"Department {n:03d}")


class UserFactory(factory.django.DjangoModelFactory):
    """A user; pass ``roles=["agent", ...]`` to put them in those role groups."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n:04d}")
    display_name = factory.Sequence(lambda n: f"User {n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            # get_or_create: transactional tests flush the tables, data-migration groups included.
            self.groups.add(*(Group.objects.get_or_create(name=role)[0] for role in extracted))
