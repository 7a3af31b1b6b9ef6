"""TQM pages: projects and their steps, charts, the one-page report, the calculators."""

from .calculators import calculators, effect_test_calculator, p_chart_calculator, pareto_calculator
from .charts import before_after_chart, fishbone_chart, pareto_chart
from .projects import (
    project_advance,
    project_back,
    project_create,
    project_detail,
    project_edit,
    project_list,
    project_status,
)
from .report import project_report, project_report_pdf
from .steps import project_act, project_step

__all__ = [
    "before_after_chart",
    "calculators",
    "effect_test_calculator",
    "fishbone_chart",
    "p_chart_calculator",
    "pareto_calculator",
    "pareto_chart",
    "project_act",
    "project_advance",
    "project_back",
    "project_create",
    "project_detail",
    "project_edit",
    "project_list",
    "project_report",
    "project_report_pdf",
    "project_status",
    "project_step",
]
