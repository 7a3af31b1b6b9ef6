"""Calibration results, history and coaching pages in Simplified Chinese: no English interface text."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.roles import Role
from apps.scorecards import calibration, coaching, services
from tests.core.test_i18n import UNTRANSLATED_OK, _po_entries, _switch_to_chinese
from tests.factories import TeamFactory, UserFactory
from tests.scorecards.factories import CallFactory, typical_scorecard

pytestmark = pytest.mark.django_db


def _leftovers(body: str, data: list[str]) -> list[str]:
    text = re.sub(r"<code>.*?</code>", " ", body, flags=re.S)
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    for value in sorted(data, key=len, reverse=True):
        text = text.replace(value, " ")
    return [
        msgid
        for msgid, _msgstr, _fuzzy, _plural in _po_entries()
        if msgid not in UNTRANSLATED_OK
        and "%(" not in msgid
        and len(msgid) > 3
        and re.search(rf"\b{re.escape(msgid)}\b", text)
    ]


@pytest.fixture
def world():
    team = TeamFactory(name="Team Aurora")
    card = typical_scorecard()
    agent = UserFactory(username="lina", display_name="Li Na", roles=[Role.AGENT], team=team)
    manager = UserFactory(username="qm", display_name="Wang Fang", roles=[Role.QA_MANAGER])
    evaluators = [
        UserFactory(username=f"ev{n}", display_name=f"Evaluator {n}", roles=[Role.QA_EVALUATOR])
        for n in (1, 2, 3)
    ]
    team.evaluators.add(evaluators[0])
    call = CallFactory(agent=agent, external_id="CALL-9")
    session = calibration.calibration_create(
        by=manager, call=call, version=card.version, participants=evaluators, reference=evaluators[0]
    )
    for evaluator, (resolve, offer_help) in zip(evaluators, [(8, 4), (6, 4), (8, "na")], strict=True):
        services.evaluation_save(
            by=evaluator,
            call=call,
            version=card.version,
            answers=card.answers(resolve=resolve, offer_help=offer_help),
            submit=True,
            calibration=session,
        )
    calibration.calibration_close(session=session, by=manager)
    regular = services.evaluation_save(
        by=evaluators[0],
        call=CallFactory(agent=agent),
        version=card.version,
        answers=card.answers(greet=0),
        submit=True,
    )
    today = timezone.localdate()
    coached = coaching.coaching_create(
        by=evaluators[0],
        agent=agent,
        held_on=today,
        observations="Greeting skipped twice.",
        follow_up_on=today + timedelta(days=14),
        evaluations=[regular],
        actions=[coaching.ActionInput("Use the greeting script", today + timedelta(days=7))],
    )
    data = [
        card.scorecard.name,
        *[c.text for c in card.criteria],
        *[e.name for e in evaluators],
        *[e.username for e in evaluators],
        agent.name,
        manager.name,
        "CALL-9",
        regular.call.external_id,
        "Greeting skipped twice.",
        "Use the greeting script",
        team.name,
    ]
    return {
        "session": session,
        "manager": manager,
        "evaluator": evaluators[0],
        "coaching": coached,
        "data": data,
    }


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("manager", "/qa/calibrations/{session}/"),
        ("manager", "/qa/calibrations/history/{evaluator}/"),
        ("evaluator", "/qa/coaching/{coaching}/"),
        ("evaluator", "/qa/coaching/new/?agent={agent}"),
    ],
)
def test_calibration_and_coaching_pages_are_all_chinese(client, world, who, path):
    client.force_login(world[who])
    _switch_to_chinese(client)
    url = path.format(
        session=world["session"].pk,
        evaluator=world["evaluator"].pk,
        coaching=world["coaching"].pk,
        agent=world["coaching"].agent_id,
    )
    response = client.get(url)
    assert response.status_code == 200
    assert _leftovers(response.content.decode(), world["data"] + [world[who].username]) == []
