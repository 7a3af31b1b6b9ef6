"""Shared REST API plumbing: pagination, error format, URL root."""
