"""One place that turns errors into JSON responses.

Every error body has ``detail`` (one sentence for people) and, for invalid
input, the field messages at the top level exactly as DRF shapes them
(``{"detail": "...", "name": ["This field is required."]}``), so standard DRF
clients keep working. Domain errors from services map to their status here.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from qa_center.errors import DomainError


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body = {"detail": exc.message, **exc.fields}
        return Response(body, status=exc.status_code)

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: let Django log it and answer 500

    if isinstance(exc, exceptions.ValidationError):
        response.data = _validation_body(response.data)
    if response.status_code == status.HTTP_401_UNAUTHORIZED and "detail" not in response.data:
        response.data = {"detail": _("Authentication credentials were not provided.")}
    return response


def _validation_body(data) -> dict:
    if isinstance(data, list):
        return {"detail": _first_message(data) or _("Invalid input."), "non_field_errors": data}
    if isinstance(data, dict):
        non_field = data.get("non_field_errors")
        summary = _first_message(non_field) if non_field else None
        return {"detail": summary or _("Some fields are invalid; see the messages per field."), **data}
    return {"detail": str(data)}


def _first_message(messages) -> str | None:
    if isinstance(messages, list) and messages and isinstance(messages[0], str):
        return str(messages[0])
    return None
