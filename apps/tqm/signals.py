"""Signals other apps may listen to without TQM importing them."""

from django.dispatch import Signal

# Sent after the transaction that changed a project's data has committed; kwargs: project_id.
project_changed = Signal()
