"""The reports app's pages: dashboards, chart cards with "regenerate now", and the charts' files."""

from .cards import regenerate, task_progress
from .charts import chart_file
from .pages import dashboard, index

__all__ = ["chart_file", "dashboard", "index", "regenerate", "task_progress"]
