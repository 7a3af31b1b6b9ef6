from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    # One message for wrong user and wrong password alike: no hint which one exists.
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The username or password is not correct. Both are case-sensitive."),
    }
