"""Domain errors raised by services.

Services raise these with a message a user can read; the API exception
handler (qa_center.api.errors) and the page helper (``form_errors_from``) turn
them into HTTP statuses and form errors, so no view decides statuses itself.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base class: a business rule refused the request."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, fields: dict | None = None):
        super().__init__(message)
        self.message = str(message)
        # Field-level messages, e.g. {"note": ["A reason is required."]}.
        self.fields: dict[str, list[str]] = {k: [str(m) for m in v] for k, v in (fields or {}).items()}
        if field:
            self.fields.setdefault(field, []).append(self.message)


class ValidationFailed(DomainError):
    """The input breaks a rule (400)."""


class PermissionDenied(DomainError):
    """The user's roles or scope do not allow this (403)."""

    status_code = 403


class NotFound(DomainError):
    """The object does not exist or is outside the user's scope (404)."""

    status_code = 404


class Conflict(DomainError):
    """The object changed since the client read it, or the action is not allowed now (409)."""

    status_code = 409
