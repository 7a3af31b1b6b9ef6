"""The Django admin for calibration sessions and coaching: readable by support, writes through the app."""

import random
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from apps.accounts import demo as accounts_demo
from apps.accounts.models import User
from apps.scorecards import demo as qa_demo
from apps.scorecards.models import (
    CalibrationScore,
    CalibrationSession,
    CalibrationStatus,
    CoachingSession,
    Evaluation,
)
from qa_center.demo import DemoContext

pytestmark = pytest.mark.django_db

CALIBRATIONS = "/admin/scorecards/calibrationsession/"
COACHING = "/admin/scorecards/coachingsession/"


@pytest.fixture
def demo(db):
    """The accounts and QA demo data, with six calibration and five coaching sessions."""
    ctx = DemoContext(scale="small", seed=2026, rng=random.Random(2026))
    accounts_demo.seed(ctx)
    qa_demo.seed(ctx)
    return ctx


@pytest.fixture
def admin_client(client, demo):
    superuser = User.objects.get(username="admin")
    assert superuser.is_superuser
    client.force_login(superuser)
    return client


@pytest.mark.parametrize(
    "path", [CALIBRATIONS, COACHING, f"{CALIBRATIONS}?status=open", f"{COACHING}?q=agent"]
)
def test_superuser_opens_the_changelists(admin_client, path):
    assert admin_client.get(path).status_code == 200


def test_every_calibration_session_opens_with_its_participants_and_results(admin_client):
    for session in CalibrationSession.objects.all():
        response = admin_client.get(f"{CALIBRATIONS}{session.pk}/change/")
        assert response.status_code == 200
        page = response.content.decode()
        for person in session.participants.all():
            assert escape(person.name) in page
        assert ('name="deadline_0"' in page) is (session.status == CalibrationStatus.OPEN)
        if session.is_closed:
            assert str(session.scores.get(evaluator=session.reference).score) in page


def test_participants_show_who_submitted_not_what(admin_client):
    [session] = CalibrationSession.objects.filter(status=CalibrationStatus.OPEN, deadline__gt=timezone.now())
    page = admin_client.get(f"{CALIBRATIONS}{session.pk}/change/").content.decode()
    assert page.count("— submitted") == 1  # qaeval01; qaeval02 has a draft, the evaluator nothing
    assert page.count("— not yet") == 2
    draft = session.evaluations.get(evaluator__username="qaeval02")
    assert str(draft.score) not in page


def test_support_can_extend_an_open_sessions_deadline_but_not_close_it(admin_client):
    [session] = CalibrationSession.objects.filter(status=CalibrationStatus.OPEN, deadline__lt=timezone.now())
    later = timezone.localtime(timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)

    response = admin_client.post(
        f"{CALIBRATIONS}{session.pk}/change/",
        {
            "deadline_0": later.strftime("%Y-%m-%d"),
            "deadline_1": later.strftime("%H:%M:%S"),
            "note": session.note,
            "status": CalibrationStatus.CLOSED,  # read-only: ignored
            "scores-TOTAL_FORMS": "0",
            "scores-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    session.refresh_from_db()
    assert session.deadline == later
    assert session.status == CalibrationStatus.OPEN
    assert session.alpha_interval is None


def test_sessions_are_not_created_in_the_admin(admin_client):
    assert admin_client.get(f"{CALIBRATIONS}add/").status_code == 403
    assert admin_client.get(f"{COACHING}add/").status_code == 403


def test_every_coaching_session_opens_read_only_with_actions_and_comments(admin_client):
    for session in CoachingSession.objects.all():
        response = admin_client.get(f"{COACHING}{session.pk}/change/")
        assert response.status_code == 200
        page = response.content.decode()
        for action in session.actions.all():
            assert escape(action.text) in page
        for comment in session.comments.all():
            assert escape(comment.body) in page
        assert 'name="_save"' not in page
    session = CoachingSession.objects.first()
    assert admin_client.post(f"{COACHING}{session.pk}/change/", {"observations": "x"}).status_code == 403


@pytest.mark.parametrize("path", [CALIBRATIONS, COACHING])
def test_changelist_queries_do_not_grow_with_rows(admin_client, path):
    with CaptureQueriesContext(connection) as all_rows:
        admin_client.get(path)
    model = CalibrationSession if path == CALIBRATIONS else CoachingSession
    keep = model.objects.order_by("pk").first()
    if model is CalibrationSession:  # results and scorings protect the sessions; drop them first
        CalibrationScore.objects.exclude(session=keep).delete()
        Evaluation.objects.filter(calibration__isnull=False).exclude(calibration=keep).delete()
    model.objects.exclude(pk=keep.pk).delete()

    with CaptureQueriesContext(connection) as one_row:
        admin_client.get(path)

    assert len(all_rows) == len(one_row)
