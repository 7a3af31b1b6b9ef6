"""The Django admin, opened to users with the ``admin`` role (not only is_staff)."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _

from .permissions import has_role
from .roles import Role


class QACenterAdminSite(admin.AdminSite):
    site_header = _("QA Center administration")
    site_title = _("QA Center")
    index_title = _("Administration")

    def has_permission(self, request) -> bool:
        user = request.user
        return user.is_active and (user.is_staff or has_role(user, Role.ADMIN))


class QACenterAdminConfig(AdminConfig):
    default_site = "apps.accounts.admin_site.QACenterAdminSite"
