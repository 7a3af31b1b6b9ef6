"""Project-level pages: home ("My work") and the friendly error pages."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader

from . import my_work


@login_required
def home(request):
    return render(request, "home.html", {"sections": my_work.sections_for(request.user)})


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", {"reason": _reason(exception)}, status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    # No request context here: the error may have come from a context processor.
    return HttpResponseServerError(loader.get_template("errors/500.html").render({"request": None}))


def _reason(exception) -> str:
    message = str(exception) if exception else ""
    # Django's default message is not for people; show ours instead.
    return "" if message in ("", "403 Forbidden") else message
