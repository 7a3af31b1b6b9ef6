"""Authentication backend that gives the ``admin`` role every model permission.

Administrators manage users, teams and departments in the Django admin without
being superusers, and without a permission list to keep in step with new apps.
"""

from django.contrib.auth.backends import ModelBackend

from .permissions import has_role
from .roles import Role


class RoleBackend(ModelBackend):
    def has_perm(self, user_obj, perm, obj=None) -> bool:
        if user_obj.is_active and has_role(user_obj, Role.ADMIN):
            return True
        return super().has_perm(user_obj, perm, obj)

    def has_module_perms(self, user_obj, app_label) -> bool:
        if user_obj.is_active and has_role(user_obj, Role.ADMIN):
            return True
        return super().has_module_perms(user_obj, app_label)
