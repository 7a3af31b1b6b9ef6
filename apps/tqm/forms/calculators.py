"""Forms of the stateless calculators (Pareto, p-chart, two-proportion test).

They parse the shape of the input — lines of "label, count" or "defectives, size", four numbers —
and leave every rule to apps.tqm.analysis, whose messages the page shows next to the field, so the
pages, the API and the project steps refuse the same input with the same words.
"""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

# Pasted from a spreadsheet (tab), typed with a Latin or a Chinese comma. A label may itself contain
# commas: the count is what follows the last separator.
_LAST_SEPARATOR = re.compile(r"^(?P<label>.*)[,，\t](?P<count>[^,，\t]*)$")
_SAMPLE_SEPARATOR = re.compile(r"[,，\t ]+")
MAX_LINES = 200
MAX_SAMPLES = 500
MAX_TEXT = 20_000
MAX_COUNT = 2**31 - 1  # as the API's serializers: larger numbers are typing mistakes, not counts


def _number_or_text(raw: str) -> int | str:
    """A whole number, or the raw text: analysis.py then names what is wrong with it."""
    text = raw.strip()
    try:
        return int(text)
    except ValueError:
        return text


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _check_size(rows: list[tuple]) -> None:
    if any(isinstance(value, int) and abs(value) > MAX_COUNT for row in rows for value in row):
        raise forms.ValidationError(
            _("Numbers must be at most %(max)s."), params={"max": MAX_COUNT}, code="too_large"
        )


class ParetoCalculatorForm(forms.Form):
    items = forms.CharField(
        label=_("Categories and counts"),
        # Not required: an empty list gets analysis.py's own message, as in the API.
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false"}),
        help_text=_(
            "One category per line: label, count — e.g. “Long queue, 120”. "
            "Two columns pasted from a spreadsheet work too."
        ),
    )
    other_after_percent = forms.DecimalField(
        label=_("Merge into “Other” after cumulative %"),
        required=False,
        max_digits=5,
        decimal_places=2,
        help_text=_(
            "Optional: the categories after the first one reaching this cumulative percent "
            "are merged into one bar."
        ),
    )

    def clean_items(self) -> list[tuple]:
        lines = _lines(self.cleaned_data["items"])
        if len(lines) > MAX_LINES:
            raise forms.ValidationError(
                _("Enter at most %(count)s categories."), params={"count": MAX_LINES}, code="too_many"
            )
        pairs: list[tuple] = []
        for line in lines:
            match = _LAST_SEPARATOR.match(line)
            # A line without a separator is passed on whole: analysis.py says it needs a label and a count.
            pairs.append((match["label"], _number_or_text(match["count"])) if match else (line,))
        _check_size(pairs)
        return pairs


class PChartCalculatorForm(forms.Form):
    samples = forms.CharField(
        label=_("Samples"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false"}),
        help_text=_("One sample per line: defectives, sample size — e.g. “12, 300”."),
    )
    revise = forms.BooleanField(
        label=_("Revise the limits without the out-of-control samples"),
        required=False,
    )

    def clean_samples(self) -> list[tuple]:
        lines = _lines(self.cleaned_data["samples"])
        if len(lines) > MAX_SAMPLES:
            raise forms.ValidationError(
                _("Enter at most %(count)s samples."), params={"count": MAX_SAMPLES}, code="too_many"
            )
        samples = [tuple(_number_or_text(part) for part in _SAMPLE_SEPARATOR.split(line)) for line in lines]
        _check_size(samples)
        return samples


class EffectTestCalculatorForm(forms.Form):
    before_successes = forms.IntegerField(label=_("Before: successes"), max_value=MAX_COUNT)
    before_n = forms.IntegerField(label=_("Before: sample size"), max_value=MAX_COUNT)
    after_successes = forms.IntegerField(label=_("After: successes"), max_value=MAX_COUNT)
    after_n = forms.IntegerField(label=_("After: sample size"), max_value=MAX_COUNT)
    confidence = forms.DecimalField(
        label=_("Confidence level"),
        initial="0.95",
        max_digits=6,
        decimal_places=4,
        help_text=_("Between 0 and 1, e.g. 0.95 for a 95 percent interval."),
    )
