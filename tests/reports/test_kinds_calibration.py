"""Calibration alignment chart: each evaluator's stored alignment per closed session over 26 weeks.

Sessions are built and closed through the calibration services, so the figures are the ones the
results pages show (typical scorecard: greet 2, verify 3, resolve 0..10, offer 4 or N/A; see
tests/scorecards/test_calibration.py for the hand computation of session 1):

    session  closed      reference  scorings                          alignment
    1        2026-01-14  Ref        Ref 17/19, Eva 11/15, Bob 17/19   Eva 0.8667 (outside ±5), Bob 0.7895
    2        2026-02-11  none       Ref 17/19, Eva 15/19              none (both ±5.26 from the mean)
    3        2026-03-11  Eva        Eva 17/19, Bob 17/19              Bob 1.0000
    4        2026-03-11  Ref        Ref 17/19, Bob 15/19 (greet 0)    Bob 0.8947 (outside ±5)
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from apps.accounts.roles import Role
from apps.reports import kinds, services
from apps.reports.charts import to_svg
from apps.reports.kinds import NothingToDraw
from apps.reports.kinds.base import CALIBRATION, WEEKLY
from apps.reports.kinds.calibration import CALIBRATION_ALIGNMENT
from apps.reports.models import ChartSnapshot
from apps.reports.scopes import GLOBAL_SCOPE
from apps.scorecards import calibration
from apps.scorecards import services as qa_services
from apps.scorecards.models import CalibrationSession
from tests.factories import UserFactory
from tests.reports.test_charts import assert_drawn, drawn_texts
from tests.scorecards.factories import CallFactory, typical_scorecard

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 18, 10, 0, tzinfo=SHANGHAI)


def at(month: int, day: int, year: int = 2026) -> datetime:
    return datetime(year, month, day, 15, 0, tzinfo=SHANGHAI)


@pytest.fixture
def people(db):
    return {
        "manager": UserFactory(display_name="Quinn Manager", roles=[Role.QA_MANAGER]),
        "ref": UserFactory(display_name="Ref Ma", roles=[Role.QA_EVALUATOR]),
        "eva": UserFactory(display_name="Eva Li", roles=[Role.QA_EVALUATOR]),
        "bob": UserFactory(display_name="Bob Wu", roles=[Role.QA_EVALUATOR]),
        "card": typical_scorecard(name="Inbound service"),
    }


def run_session(
    people, when: datetime, scorings: dict[str, dict], *, reference: str | None, close: bool = True
):
    """Create a session, let each participant score (points by criterion name), close it at ``when``."""
    with time_machine.travel(when - timedelta(hours=2), tick=False):
        session = calibration.calibration_create(
            by=people["manager"],
            call=CallFactory(),
            version=people["card"].version,
            participants=[people[name] for name in scorings],
            reference=people[reference] if reference else None,
        )
        for name, points in scorings.items():
            qa_services.evaluation_save(
                by=people[name],
                call=session.call,
                version=session.scorecard_version,
                answers=people["card"].answers(**points),
                submit=True,
                calibration=session,
            )
    if close:
        with time_machine.travel(when, tick=False):
            session = calibration.calibration_close(session=session, by=people["manager"])
    return session


@pytest.fixture
def sessions(people):
    old = run_session(people, at(8, 1, year=2025), {"ref": {}, "bob": {"greet": 0}}, reference="ref")
    first = run_session(
        people,
        at(1, 14),
        {"ref": {}, "eva": {"resolve": 6, "offer_help": "na"}, "bob": {"greet": 0, "resolve": 10}},
        reference="ref",
    )
    second = run_session(people, at(2, 11), {"ref": {}, "eva": {"resolve": 6}}, reference=None)
    third = run_session(people, at(3, 11), {"eva": {}, "bob": {}}, reference="eva")
    fourth = run_session(people, at(3, 11), {"ref": {}, "bob": {"greet": 0}}, reference="ref")
    still_open = run_session(
        people, at(3, 16), {"ref": {}, "bob": {"greet": 0}}, reference="ref", close=False
    )
    return {"old": old, "sessions": [first, second, third, fourth], "open": still_open}


def period():
    return CALIBRATION_ALIGNMENT.current_period(NOW.date())


def collect():
    with time_machine.travel(NOW, tick=False):
        return CALIBRATION_ALIGNMENT.collect(GLOBAL_SCOPE, period())


def test_calibration_kind_is_weekly_global_over_26_weeks():
    assert kinds.get("calibration_alignment") is CALIBRATION_ALIGNMENT
    assert (
        CALIBRATION_ALIGNMENT.family,
        CALIBRATION_ALIGNMENT.schedule,
        CALIBRATION_ALIGNMENT.scope_types,
        CALIBRATION_ALIGNMENT.window,
    ) == (CALIBRATION, WEEKLY, ("global",), 26)
    assert CALIBRATION_ALIGNMENT.scopes() == [GLOBAL_SCOPE]
    assert str(CALIBRATION_ALIGNMENT.label) == "Calibration alignment per evaluator"


def test_collect_gives_each_evaluators_stored_alignment_per_closed_session_in_order(people, sessions):
    data = collect()

    first, second, third, fourth = sessions["sessions"]
    ref, eva, bob = people["ref"].pk, people["eva"].pk, people["bob"].pk
    assert data["sessions"] == [
        {
            "id": first.pk,
            "closed_on": "2026-01-14",
            "scorecard": "Inbound service",
            "reference": ref,
            "alpha": first.alpha_interval,
        },
        {
            "id": second.pk,
            "closed_on": "2026-02-11",
            "scorecard": "Inbound service",
            "reference": None,
            "alpha": second.alpha_interval,
        },
        {
            "id": third.pk,
            "closed_on": "2026-03-11",
            "scorecard": "Inbound service",
            "reference": eva,
            "alpha": third.alpha_interval,
        },
        {
            "id": fourth.pk,
            "closed_on": "2026-03-11",
            "scorecard": "Inbound service",
            "reference": ref,
            "alpha": fourth.alpha_interval,
        },
    ]
    assert data["sessions"][0]["alpha"] == pytest.approx(47 / 57)
    assert data["evaluators"] == [
        {
            "id": bob,
            "name": "Bob Wu",
            "took_part": [True, False, True, True],
            "alignment": [78.95, None, 100.0, 89.47],
            "outside_tolerance": [False, False, False, True],
        },
        {
            "id": eva,
            "name": "Eva Li",
            "took_part": [True, True, True, False],
            # Session 2 has no reference (no alignment); in session 3 Eva is the reference herself.
            "alignment": [86.67, None, None, None],
            "outside_tolerance": [True, True, False, False],
        },
        {
            "id": ref,
            "name": "Ref Ma",
            "took_part": [True, True, False, True],
            "alignment": [None, None, None, None],
            "outside_tolerance": [False, True, False, False],
        },
    ]


def test_collect_reads_everything_in_one_query(people, sessions, django_assert_num_queries):
    with django_assert_num_queries(1):
        collect()
    run_session(people, at(3, 12), {"ref": {}, "eva": {}, "bob": {}}, reference="bob")
    with django_assert_num_queries(1):
        data = collect()
    assert len(data["sessions"]) == 5
    assert [row["alignment"][-1] for row in data["evaluators"]] == [None, 100.0, 100.0]


def test_nothing_to_draw_without_a_session_closed_in_the_window(people):
    run_session(people, at(8, 1, year=2025), {"ref": {}, "bob": {}}, reference="ref")  # 33 weeks ago
    run_session(people, at(3, 16), {"ref": {}, "bob": {}}, reference="ref", close=False)
    with pytest.raises(NothingToDraw, match="no calibration session closed"):
        collect()


def test_draw_shows_title_sessions_evaluators_and_last_alignments(people, sessions):
    data = collect()
    third, fourth = sessions["sessions"][2:]
    with translation.override("en"):
        fig = CALIBRATION_ALIGNMENT.draw(data)
        svg = to_svg(fig)
    assert_drawn(svg, "Calibration alignment per evaluator", "Alignment with the reference (%)")
    # Two sessions closed on 2026-03-11: their labels carry the session number.
    assert_drawn(svg, "2026-01-14", "2026-02-11", f"2026-03-11 #{third.pk}", f"2026-03-11 #{fourth.pk}")
    # Ref Ma was the reference or in a session without one every time: no alignment, no line.
    legend = [text.get_text() for text in fig.legends[0].get_texts()]
    assert legend == ["Bob Wu", "Eva Li", "Score outside the tolerance band"]
    assert_drawn(svg, *legend)
    assert "Ref Ma" not in "".join(drawn_texts(svg))
    texts = drawn_texts(svg)
    assert {"89.5", "86.7"} <= set(texts)  # Bob's last (session 4) and Eva's last (session 1)
    marked = [
        (x, y)
        for line in fig.axes[0].lines
        if line.get_marker() == "D"
        for x, y in zip(line.get_xdata(), line.get_ydata(), strict=True)
    ]
    # Eva's flag in session 2 has no alignment to sit on: it is in the table, not on the chart.
    assert sorted(marked) == [(0, 86.67), (3, 89.47)]
    assert fig.axes[0].get_ylim() == (0, 100)


def test_table_has_a_row_per_session_and_participant(people, sessions):
    data = collect()
    first, second, third, fourth = (session.pk for session in sessions["sessions"])
    with translation.override("en"):
        header, rows = CALIBRATION_ALIGNMENT.table(data)
    assert header == [
        "Session",
        "Closed on",
        "Scorecard",
        "Evaluator",
        "Reference evaluator",
        "Alignment %",
        "Outside tolerance",
    ]
    card = "Inbound service"
    assert rows == [
        [first, "2026-01-14", card, "Bob Wu", "", 78.95, ""],
        [first, "2026-01-14", card, "Eva Li", "", 86.67, "yes"],
        [first, "2026-01-14", card, "Ref Ma", "yes", None, ""],
        [second, "2026-02-11", card, "Eva Li", "", None, "yes"],
        [second, "2026-02-11", card, "Ref Ma", "", None, "yes"],
        [third, "2026-03-11", card, "Bob Wu", "", 100.0, ""],
        [third, "2026-03-11", card, "Eva Li", "yes", None, ""],
        [fourth, "2026-03-11", card, "Bob Wu", "", 89.47, "yes"],
        [fourth, "2026-03-11", card, "Ref Ma", "yes", None, ""],
    ]


def test_generate_stores_one_snapshot_with_both_languages(people, sessions, media_root):
    with time_machine.travel(NOW, tick=False):
        services.generate(CALIBRATION_ALIGNMENT, GLOBAL_SCOPE)
        snapshot = services.generate(CALIBRATION_ALIGNMENT, GLOBAL_SCOPE)
    assert ChartSnapshot.objects.get() == snapshot
    assert (snapshot.kind, snapshot.scope, snapshot.period) == ("calibration_alignment", "global", "2026-W12")
    assert snapshot.period_start.isoformat() == "2025-09-22"
    assert len(snapshot.data["sessions"]) == 4
    assert CalibrationSession.objects.filter(status="closed").count() == 5  # the old one is left out
    images = {image.language: image for image in snapshot.images.all()}
    assert set(images) == {"en", "zh-hans"}
    english = "".join(drawn_texts((media_root / images["en"].svg.name).read_text()))
    chinese = "".join(drawn_texts((media_root / images["zh-hans"].svg.name).read_text()))
    assert "Calibration alignment per evaluator" in english
    assert "Bob Wu" in chinese  # names are data, the same in every language
