"""The page-side twin of the API exception handler: domain errors onto forms and messages."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404

from .errors import DomainError, NotFound, PermissionDenied


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a refused write next to the fields it names, else at the top of the form."""
    if isinstance(error, PermissionDenied):
        raise DjangoPermissionDenied(error.message)
    if isinstance(error, NotFound):
        raise Http404(error.message)
    placed = False
    for field, field_messages in error.fields.items():
        if field in form.fields:
            for message in field_messages:
                form.add_error(field, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


def flash_domain_error(request, error: DomainError) -> None:
    """For buttons without a form: a 403/404 page where due, else a flash message."""
    if isinstance(error, PermissionDenied):
        raise DjangoPermissionDenied(error.message)
    if isinstance(error, NotFound):
        raise Http404(error.message)
    messages.error(request, error.message)
