"""Account pages: sign-in and password pages come from django.contrib.auth; the directory is ours."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from . import selectors
from .forms import LoginForm
from .permissions import role_required
from .roles import Role


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password was changed."))
        return response


@role_required(Role.QA_EVALUATOR, Role.QA_MANAGER, Role.EXPERT, Role.DUTY_MANAGER, Role.ADMIN)
def directory(request):
    """Teams with their leads and members, and business departments with theirs."""
    return render(
        request,
        "accounts/directory.html",
        {
            "teams": selectors.teams_with_members(),
            "departments": selectors.departments_with_members(),
        },
    )
