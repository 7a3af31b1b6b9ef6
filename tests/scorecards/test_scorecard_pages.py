"""Scorecard pages: list, create, detail, versions, the draft builder (plain POST and htmx), preview."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.roles import Role
from apps.scorecards import services
from apps.scorecards.models import Criterion, Scorecard, ScorecardVersion, Section, VersionStatus
from apps.scorecards.services import CriterionInput, SectionInput

OTHER_ROLES = [role for role in Role.values if role != Role.QA_MANAGER] + ["no_role"]
HTMX = {"HTTP_HX_REQUEST": "true"}
EMPTY_DRAFT_REFUSAL = "Every section needs at least one criterion, and a scorecard at least one section."
PUBLISHED_REFUSAL = "Published versions cannot be changed. Edit the scorecard to start a new draft."


@pytest.fixture
def manager(personas):
    return personas[Role.QA_MANAGER]


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def published(manager) -> Scorecard:
    """A published scorecard, version 1: one section with a yes/no and a critical scale criterion."""
    scorecard = services.scorecard_create(
        by=manager,
        name="Inbound service",
        pass_mark=80,
        sections=[
            SectionInput(
                "Opening",
                [
                    CriterionInput("Greets the caller", 5, guidance="Name and company within 5 seconds."),
                    CriterionInput("Verifies identity", 10, kind="scale", critical=True, allow_na=True),
                ],
            )
        ],
    )
    scorecard.refresh_from_db()  # the service sets current_version with an update()
    return scorecard


@pytest.fixture
def draft(manager) -> ScorecardVersion:
    """A new scorecard whose version 1 is an empty draft, as the create page leaves it."""
    scorecard = services.scorecard_create(by=manager, name="Outbound sales", sections=[], publish=False)
    return scorecard.versions.get()


def builder_url(version: ScorecardVersion, name: str = "builder", **kwargs) -> str:
    return reverse(
        f"scorecards:{name}", kwargs={"pk": version.scorecard_id, "version_pk": version.pk, **kwargs}
    )


def criterion_data(prefix: str, **overrides) -> dict:
    data = {"text": "Offers further help", "guidance": "", "kind": "yes_no", "max_points": "4"}
    data.update(overrides)
    return {f"{prefix}-{key}": value for key, value in data.items() if value is not None}


def criteria_texts(version: ScorecardVersion) -> list[tuple[str, list[str]]]:
    """The version's content in display order: [(section title, [criterion texts])]."""
    return [
        (section.title, [c.text for c in section.criteria.order_by("position", "id")])
        for section in version.sections.order_by("position", "id")
    ]


def page_urls(scorecard: Scorecard) -> dict[str, str]:
    version = scorecard.current_version
    return {
        "scorecard_list": reverse("scorecards:scorecard_list"),
        "scorecard_create": reverse("scorecards:scorecard_create"),
        "scorecard_detail": reverse("scorecards:scorecard_detail", kwargs={"pk": scorecard.pk}),
        "version_detail": builder_url(version, "version_detail"),
        "builder": builder_url(version),
        "version_preview": builder_url(version, "version_preview"),
    }


# --- Access -------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "page",
    [
        "scorecard_list",
        "scorecard_create",
        "scorecard_detail",
        "version_detail",
        "builder",
        "version_preview",
    ],
)
def test_each_page_opens_for_a_qa_manager(manager_client, published, page):
    response = manager_client.get(page_urls(published)[page])
    assert response.status_code == 200
    assert b"<html" in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("role", OTHER_ROLES)
def test_every_other_role_gets_the_403_page_on_every_page(client, personas, published, role):
    client.force_login(personas[role])
    for url in page_urls(published).values():
        response = client.get(url)
        assert response.status_code == 403, url
        assert "You are not allowed to see this page" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("role", OTHER_ROLES)
def test_every_other_role_is_refused_every_write_and_nothing_changes(
    client, personas, published, draft, role
):
    client.force_login(personas[role])
    section = published.current_version.sections.get()
    posts = [
        (reverse("scorecards:scorecard_create"), {"name": "Sneaky", "pass_mark": "85"}),
        (reverse("scorecards:scorecard_edit", kwargs={"pk": published.pk}), {}),
        (reverse("scorecards:scorecard_archive", kwargs={"pk": published.pk}), {}),
        (reverse("scorecards:scorecard_rename", kwargs={"pk": published.pk}), {"name": "Renamed"}),
        (builder_url(draft, "builder_section_add"), {"new-section-title": "Sneaky section"}),
        (builder_url(draft, "builder_pass_mark"), {"pass-mark-pass_mark": "10"}),
        (builder_url(draft, "version_publish"), {}),
        (builder_url(draft, "version_discard"), {}),
        (builder_url(published.current_version, "builder_section_delete", section_pk=section.pk), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    published.refresh_from_db()
    assert (published.name, published.archived_at, published.versions.count()) == ("Inbound service", None, 1)
    assert Scorecard.objects.count() == 2
    assert ScorecardVersion.objects.get(pk=draft.pk).pass_mark == Decimal("85.00")
    assert not draft.sections.exists()


@pytest.mark.django_db
def test_signed_out_visitor_is_sent_to_sign_in(client, published):
    response = client.get(reverse("scorecards:scorecard_list"))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


# --- List ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_list_shows_version_pass_mark_criteria_count_and_badges(manager_client, manager, published, draft):
    services.scorecard_start_draft(by=manager, scorecard=published)
    archived = services.scorecard_create(
        by=manager, name="Old chat card", sections=[SectionInput("All", [CriterionInput("Polite", 1)])]
    )
    services.scorecard_set_archived(by=manager, scorecard=archived, archived=True)

    body = manager_client.get(reverse("scorecards:scorecard_list")).content.decode()

    row = _row(body, published)
    assert "Inbound service" in row
    assert '<td class="num">1</td>' in row  # version 1
    assert '<td class="num">80.00</td>' in row
    assert '<td class="num">2</td>' in row  # criteria
    assert "Draft v2 in progress" in row
    assert "Not published yet" in _row(body, draft.scorecard)
    assert "Draft v1 in progress" in _row(body, draft.scorecard)
    assert "Archived" in _row(body, archived)
    assert "Archived" not in row


def _row(body: str, scorecard: Scorecard) -> str:
    start = body.index(f'data-scorecard="{scorecard.pk}"')
    return body[start : body.index("</tr>", start)]


@pytest.mark.django_db
def test_list_runs_the_same_number_of_queries_for_10_and_50_scorecards(manager_client, manager):
    def add_scorecards(count: int) -> None:
        for n in range(count):
            scorecard = services.scorecard_create(
                by=manager,
                name=f"Card {Scorecard.objects.count():03d}",
                sections=[
                    SectionInput("Opening", [CriterionInput("Greets", 2), CriterionInput("Listens", 3)])
                ],
            )
            if n % 3 == 0:
                services.scorecard_start_draft(by=manager, scorecard=scorecard)

    url = reverse("scorecards:scorecard_list")
    add_scorecards(10)
    with CaptureQueriesContext(connection) as with_10:
        assert manager_client.get(url).content.decode().count("data-scorecard=") == 10
    add_scorecards(40)
    with CaptureQueriesContext(connection) as with_50:
        assert manager_client.get(url).content.decode().count("data-scorecard=") == 50
    assert len(with_50) == len(with_10)


# --- Create, detail, rename, archive ------------------------------------------------------------


@pytest.mark.django_db
def test_create_page_defaults_the_pass_mark_to_85(manager_client):
    body = manager_client.get(reverse("scorecards:scorecard_create")).content.decode()
    assert 'name="pass_mark" value="85' in body


@pytest.mark.django_db
def test_create_makes_an_empty_draft_version_1_and_opens_the_builder(manager_client):
    response = manager_client.post(
        reverse("scorecards:scorecard_create"),
        {"name": "  Complaints line ", "description": "For the complaints queue", "pass_mark": "90"},
    )
    scorecard = Scorecard.objects.get()
    version = scorecard.versions.get()
    assert response.status_code == 302
    assert response["Location"] == builder_url(version)
    assert (scorecard.name, scorecard.description, scorecard.current_version) == (
        "Complaints line",
        "For the complaints queue",
        None,
    )
    assert (version.number, version.status, version.pass_mark) == (1, VersionStatus.DRAFT, Decimal("90.00"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "pass_mark": "85"}, "This field is required."),
        ({"name": "   ", "pass_mark": "85"}, "This field is required."),
        ({"name": "Card", "pass_mark": "101"}, "Ensure this value is less than or equal to 100."),
        ({"name": "Card", "pass_mark": "abc"}, "Enter a number."),
    ],
)
def test_create_with_bad_input_shows_the_field_error_and_creates_nothing(manager_client, data, message):
    response = manager_client.post(reverse("scorecards:scorecard_create"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Scorecard.objects.exists()


@pytest.mark.django_db
def test_detail_shows_the_current_version_read_only_and_the_version_list(manager_client, published):
    body = manager_client.get(
        reverse("scorecards:scorecard_detail", kwargs={"pk": published.pk})
    ).content.decode()
    assert "Current version: v1" in body
    assert "Greets the caller" in body
    assert "Name and company within 5 seconds." in body
    assert "Scale (0 to max points)" in body
    assert 'data-testid="pass-mark">80.00<' in body
    assert builder_url(published.current_version, "version_detail") in body
    assert "Add a section" not in body  # read-only


@pytest.mark.django_db
def test_rename_changes_name_and_description(manager_client, published):
    response = manager_client.post(
        reverse("scorecards:scorecard_rename", kwargs={"pk": published.pk}),
        {"name": "Inbound care", "description": "All inbound queues"},
        follow=True,
    )
    published.refresh_from_db()
    assert (published.name, published.description) == ("Inbound care", "All inbound queues")
    assert "Scorecard renamed." in response.content.decode()


@pytest.mark.django_db
def test_rename_to_a_blank_name_shows_the_error_and_keeps_the_name(manager_client, published):
    response = manager_client.post(
        reverse("scorecards:scorecard_rename", kwargs={"pk": published.pk}), {"name": "  ", "description": ""}
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    published.refresh_from_db()
    assert published.name == "Inbound service"


@pytest.mark.django_db
def test_archive_then_restore(manager_client, published):
    archive = reverse("scorecards:scorecard_archive", kwargs={"pk": published.pk})
    body = manager_client.post(archive, follow=True).content.decode()
    published.refresh_from_db()
    assert published.is_archived
    assert "Scorecard archived." in body
    assert "Restore" in body

    manager_client.post(reverse("scorecards:scorecard_restore", kwargs={"pk": published.pk}))
    published.refresh_from_db()
    assert not published.is_archived


@pytest.mark.django_db
def test_editing_an_archived_scorecard_is_refused_with_the_reason(manager_client, manager, published):
    services.scorecard_set_archived(by=manager, scorecard=published, archived=True)
    response = manager_client.post(
        reverse("scorecards:scorecard_edit", kwargs={"pk": published.pk}), follow=True
    )
    assert "This scorecard is archived; restore it before editing." in response.content.decode()
    assert published.versions.count() == 1


@pytest.mark.django_db
def test_a_version_of_another_scorecard_is_not_found(manager_client, published, draft):
    url = reverse(
        "scorecards:version_detail",
        kwargs={"pk": draft.scorecard_id, "version_pk": published.current_version.pk},
    )
    assert manager_client.get(url).status_code == 404


# --- Building a scorecard end to end (plain form posts, as without JavaScript) --------------------


@pytest.mark.django_db
def test_build_a_scorecard_through_the_pages_and_publish_it(manager_client):
    # Given a new scorecard
    response = manager_client.post(
        reverse("scorecards:scorecard_create"), {"name": "Chat support", "pass_mark": "85"}
    )
    version = Scorecard.objects.get(name="Chat support").versions.get()
    assert response["Location"] == builder_url(version)

    # When the manager adds two sections and their criteria
    for title in ("Opening", "Resolution"):
        response = manager_client.post(
            builder_url(version, "builder_section_add"), {"new-section-title": title}
        )
        assert response.status_code == 302
        assert response["Location"].startswith(builder_url(version))
    opening, resolution = version.sections.order_by("position")

    def add(section: Section, text: str, **fields) -> Criterion:
        prefix = f"new-criterion-{section.pk}"
        url = builder_url(version, "builder_criterion_add", section_pk=section.pk)
        response = manager_client.post(url, criterion_data(prefix, text=text, **fields))
        assert response.status_code == 302
        return Criterion.objects.get(text=text)

    add(opening, "Greets the customer", max_points="2")
    verify = add(opening, "Verifies identity", max_points="3", critical="on")
    add(resolution, "Solves the problem", kind="scale", max_points="10", guidance="Partly solved: 5.")
    add(resolution, "Offers further help", max_points="4", allow_na="on")

    # ... moves "Verifies identity" first, and "Resolution" above "Opening"
    move_criterion = builder_url(version, "builder_criterion_move", criterion_pk=verify.pk)
    assert manager_client.post(move_criterion, {"direction": "up"}).status_code == 302
    move_section = builder_url(version, "builder_section_move", section_pk=resolution.pk)
    assert manager_client.post(move_section, {"direction": "up"}).status_code == 302
    # ... sets the pass mark and publishes
    manager_client.post(builder_url(version, "builder_pass_mark"), {"pass-mark-pass_mark": "90"})
    response = manager_client.post(builder_url(version, "version_publish"), follow=True)

    # Then version 1 is published and current, with the content in the order the manager chose
    version.refresh_from_db()
    scorecard = version.scorecard
    assert response.redirect_chain[-1][0] == reverse(
        "scorecards:scorecard_detail", kwargs={"pk": scorecard.pk}
    )
    assert "Version 1 is published and is now the current version." in response.content.decode()
    assert (version.status, version.pass_mark, scorecard.current_version_id) == (
        VersionStatus.PUBLISHED,
        Decimal("90.00"),
        version.pk,
    )
    assert criteria_texts(version) == [
        ("Resolution", ["Solves the problem", "Offers further help"]),
        ("Opening", ["Verifies identity", "Greets the customer"]),
    ]
    solve, offer = (
        Criterion.objects.get(text="Solves the problem"),
        Criterion.objects.get(text="Offers further help"),
    )
    assert (solve.kind, solve.max_points, solve.guidance) == ("scale", 10, "Partly solved: 5.")
    assert (offer.allow_na, offer.critical) == (True, False)
    assert Criterion.objects.get(pk=verify.pk).critical is True


@pytest.mark.django_db
def test_rename_and_delete_sections_and_edit_and_delete_criteria(manager_client, manager, draft):
    section = services.section_add(by=manager, version=draft, title="Opening")
    spare = services.section_add(by=manager, version=draft, title="Spare")
    greet = services.criterion_add(by=manager, section=section, data=CriterionInput("Greets", 2))
    extra = services.criterion_add(by=manager, section=section, data=CriterionInput("Extra", 1))

    manager_client.post(
        builder_url(draft, "builder_section_rename", section_pk=section.pk),
        {f"section-{section.pk}-title": "Start"},
    )
    manager_client.post(
        builder_url(draft, "builder_criterion_update", criterion_pk=greet.pk),
        criterion_data(
            f"criterion-{greet.pk}", text="Greets warmly", kind="scale", max_points="6", critical="on"
        ),
    )
    manager_client.post(builder_url(draft, "builder_criterion_delete", criterion_pk=extra.pk))
    manager_client.post(builder_url(draft, "builder_section_delete", section_pk=spare.pk))

    assert criteria_texts(draft) == [("Start", ["Greets warmly"])]
    greet.refresh_from_db()
    assert (greet.kind, greet.max_points, greet.critical, greet.allow_na) == ("scale", 6, True, False)


@pytest.mark.django_db
def test_editing_a_published_scorecard_makes_a_draft_version_2_and_leaves_version_1_unchanged(
    manager_client, published
):
    v1 = published.current_version
    response = manager_client.post(reverse("scorecards:scorecard_edit", kwargs={"pk": published.pk}))
    v2 = published.versions.get(number=2)
    assert response["Location"] == builder_url(v2)
    assert v2.status == VersionStatus.DRAFT

    greet_v2 = v2.criteria.get(text="Greets the caller")
    manager_client.post(
        builder_url(v2, "builder_criterion_update", criterion_pk=greet_v2.pk),
        criterion_data(f"criterion-{greet_v2.pk}", text="Greets the caller by name", max_points="7"),
    )
    manager_client.post(builder_url(v2, "builder_section_add"), {"new-section-title": "Closing"})

    # Clicking "Edit" again opens the same draft rather than starting a third version.
    again = manager_client.post(reverse("scorecards:scorecard_edit", kwargs={"pk": published.pk}))
    assert again["Location"] == builder_url(v2)
    assert published.versions.count() == 2

    published.refresh_from_db()
    assert published.current_version_id == v1.pk
    assert criteria_texts(v1) == [("Opening", ["Greets the caller", "Verifies identity"])]
    assert v1.criteria.get(text="Greets the caller").max_points == 5
    assert criteria_texts(v2) == [
        ("Opening", ["Greets the caller by name", "Verifies identity"]),
        ("Closing", []),
    ]
    old = manager_client.get(builder_url(v1, "version_detail")).content.decode()
    assert "Greets the caller" in old
    assert "Greets the caller by name" not in old
    detail = manager_client.get(
        reverse("scorecards:scorecard_detail", kwargs={"pk": published.pk})
    ).content.decode()
    assert builder_url(v2, "version_detail") in detail
    assert "Continue draft v2" in detail


@pytest.mark.django_db
def test_publishing_an_empty_draft_is_refused_with_a_message(manager_client, draft):
    response = manager_client.post(builder_url(draft, "version_publish"), follow=True)
    assert response.redirect_chain == [(builder_url(draft), 302)]
    assert EMPTY_DRAFT_REFUSAL in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT


@pytest.mark.django_db
def test_publishing_a_section_without_criteria_is_refused(manager_client, manager, draft):
    section = services.section_add(by=manager, version=draft, title="Opening")
    services.criterion_add(by=manager, section=section, data=CriterionInput("Greets", 2))
    services.section_add(by=manager, version=draft, title="Empty")
    response = manager_client.post(builder_url(draft, "version_publish"), follow=True)
    assert EMPTY_DRAFT_REFUSAL in response.content.decode()
    assert ScorecardVersion.objects.get(pk=draft.pk).status == VersionStatus.DRAFT


@pytest.mark.django_db
def test_discarding_a_draft_deletes_it_and_keeps_the_published_version(manager_client, manager, published):
    v2 = services.scorecard_start_draft(by=manager, scorecard=published)
    response = manager_client.post(builder_url(v2, "version_discard"), follow=True)
    assert "The draft was discarded." in response.content.decode()
    assert list(published.versions.values_list("number", flat=True)) == [1]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"text": ""}, "text", "This field is required."),
        ({"text": "   "}, "text", "This field is required."),
        ({"max_points": "0"}, "max_points", "Ensure this value is greater than or equal to 1."),
        ({"max_points": "101"}, "max_points", "Ensure this value is less than or equal to 100."),
        ({"max_points": ""}, "max_points", "This field is required."),
        ({"kind": "stars"}, "kind", "Select a valid choice. stars is not one of the available choices."),
    ],
)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_bad_criterion_input_shows_the_field_error_and_writes_nothing(
    manager_client, manager, draft, fields, field, message, headers
):
    section = services.section_add(by=manager, version=draft, title="Opening")
    prefix = f"new-criterion-{section.pk}"
    url = builder_url(draft, "builder_criterion_add", section_pk=section.pk)

    response = manager_client.post(url, criterion_data(prefix, **fields), **headers)

    assert response.status_code == 200
    body = response.content.decode()
    # The message sits in the field's own block, next to the input.
    field_block = body[body.index(f'for="id_{prefix}-{field}"') :]
    assert message in field_block[: field_block.index("</div>")]
    assert not Criterion.objects.exists()


@pytest.mark.django_db
def test_bad_edit_of_a_criterion_keeps_the_stored_values(manager_client, manager, draft):
    section = services.section_add(by=manager, version=draft, title="Opening")
    greet = services.criterion_add(by=manager, section=section, data=CriterionInput("Greets", 2))
    response = manager_client.post(
        builder_url(draft, "builder_criterion_update", criterion_pk=greet.pk),
        criterion_data(f"criterion-{greet.pk}", text="Greets", max_points="500"),
    )
    assert "Ensure this value is less than or equal to 100." in response.content.decode()
    greet.refresh_from_db()
    assert greet.max_points == 2


@pytest.mark.django_db
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_blank_section_title_shows_the_field_error_and_adds_nothing(manager_client, draft, headers):
    response = manager_client.post(
        builder_url(draft, "builder_section_add"), {"new-section-title": " "}, **headers
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not draft.sections.exists()


@pytest.mark.django_db
def test_pass_mark_out_of_range_is_refused(manager_client, draft):
    response = manager_client.post(builder_url(draft, "builder_pass_mark"), {"pass-mark-pass_mark": "120"})
    assert "Ensure this value is less than or equal to 100." in response.content.decode()
    draft.refresh_from_db()
    assert draft.pass_mark == Decimal("85.00")


# --- A published version in the builder -----------------------------------------------------------


@pytest.mark.django_db
def test_a_published_version_opens_read_only_in_the_builder(manager_client, published):
    body = manager_client.get(builder_url(published.current_version)).content.decode()
    assert PUBLISHED_REFUSAL in body
    assert "Greets the caller" in body
    assert "Add a section" not in body
    assert builder_url(published.current_version, "version_publish") not in body


@pytest.mark.django_db
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_changing_a_published_version_is_refused_with_the_services_message(
    manager_client, published, headers
):
    v1 = published.current_version
    section = v1.sections.get()
    greet = v1.criteria.get(text="Greets the caller")
    attempts = [
        (builder_url(v1, "builder_section_add"), {"new-section-title": "Sneaky"}),
        (
            builder_url(v1, "builder_section_rename", section_pk=section.pk),
            {f"section-{section.pk}-title": "X"},
        ),
        (builder_url(v1, "builder_section_delete", section_pk=section.pk), {}),
        (builder_url(v1, "builder_criterion_move", criterion_pk=greet.pk), {"direction": "down"}),
        (
            builder_url(v1, "builder_criterion_update", criterion_pk=greet.pk),
            criterion_data(f"criterion-{greet.pk}", text="Changed"),
        ),
        (builder_url(v1, "builder_criterion_delete", criterion_pk=greet.pk), {}),
        (builder_url(v1, "builder_pass_mark"), {"pass-mark-pass_mark": "10"}),
        (builder_url(v1, "version_publish"), {}),
        (builder_url(v1, "version_discard"), {}),
    ]
    for url, data in attempts:
        response = manager_client.post(url, data, **headers)
        if headers:
            assert (response.status_code, response["HX-Redirect"]) == (204, builder_url(v1)), url
        else:
            assert (response.status_code, response["Location"]) == (302, builder_url(v1)), url
        assert PUBLISHED_REFUSAL in manager_client.get(builder_url(v1)).content.decode(), url

    assert criteria_texts(v1) == [("Opening", ["Greets the caller", "Verifies identity"])]
    v1.refresh_from_db()
    assert (v1.status, v1.pass_mark) == (VersionStatus.PUBLISHED, Decimal("80.00"))


# --- htmx: only the fragment that changed -------------------------------------------------------


@pytest.mark.django_db
def test_htmx_builder_actions_answer_with_their_fragment_only(manager_client, manager, draft):
    section = services.section_add(by=manager, version=draft, title="Opening")
    greet = services.criterion_add(by=manager, section=section, data=CriterionInput("Greets", 2))
    listen = services.criterion_add(by=manager, section=section, data=CriterionInput("Listens", 3))

    def post(name: str, data: dict, **kwargs) -> str:
        response = manager_client.post(builder_url(draft, name, **kwargs), data, **HTMX)
        assert response.status_code == 200, name
        body = response.content.decode()
        assert "<html" not in body, name
        assert "main-nav" not in body, name
        return body.strip()

    body = post("builder_pass_mark", {"pass-mark-pass_mark": "75.5"})
    assert body.startswith('<form id="pass-mark"')
    assert "Saved" in body

    body = post("builder_section_add", {"new-section-title": "Closing"})
    assert body.startswith('<div id="sections">')
    assert "Closing" in body

    body = post("builder_section_rename", {f"section-{section.pk}-title": "Start"}, section_pk=section.pk)
    assert body.startswith(f'<section id="section-{section.pk}"')
    assert "Start" in body

    prefix = f"new-criterion-{section.pk}"
    body = post("builder_criterion_add", criterion_data(prefix, text="Thanks"), section_pk=section.pk)
    assert body.startswith(f'<section id="section-{section.pk}"')
    assert f'<details id="{prefix}" open>' in body  # ready for the next criterion
    assert "Saved" not in body

    body = post("builder_criterion_move", {"direction": "up"}, criterion_pk=listen.pk)
    assert body.startswith(f'<section id="section-{section.pk}"')
    assert body.index("Listens") < body.index("Greets")

    body = post(
        "builder_criterion_update",
        criterion_data(f"criterion-{greet.pk}", text="Greets warmly"),
        criterion_pk=greet.pk,
    )
    assert body.startswith(f'<li id="criterion-{greet.pk}"')
    assert "Greets warmly" in body
    assert "Saved" in body

    body = post("builder_criterion_delete", {}, criterion_pk=greet.pk)
    assert body.startswith(f'<section id="section-{section.pk}"')
    assert "Greets warmly" not in body

    body = post("builder_section_move", {"direction": "down"}, section_pk=section.pk)
    assert body.startswith('<div id="sections">')
    assert body.index("Closing") < body.index("Start")

    body = post("builder_section_delete", {}, section_pk=section.pk)
    assert body.startswith('<div id="sections">')
    assert f'id="section-{section.pk}"' not in body

    draft.refresh_from_db()
    assert draft.pass_mark == Decimal("75.50")
    assert criteria_texts(draft) == [("Closing", [])]


@pytest.mark.django_db
def test_htmx_criterion_edit_error_returns_the_criterion_fragment_with_the_error(
    manager_client, manager, draft
):
    section = services.section_add(by=manager, version=draft, title="Opening")
    greet = services.criterion_add(by=manager, section=section, data=CriterionInput("Greets", 2))
    response = manager_client.post(
        builder_url(draft, "builder_criterion_update", criterion_pk=greet.pk),
        criterion_data(f"criterion-{greet.pk}", max_points="0"),
        **HTMX,
    )
    body = response.content.decode().strip()
    assert body.startswith(f'<li id="criterion-{greet.pk}"')
    assert "<details open>" in body
    assert "Ensure this value is greater than or equal to 1." in body
    assert "Saved" not in body


@pytest.mark.django_db
def test_htmx_publish_sends_the_browser_to_the_scorecard_page(manager_client, manager, draft):
    section = services.section_add(by=manager, version=draft, title="Opening")
    services.criterion_add(by=manager, section=section, data=CriterionInput("Greets", 2))
    response = manager_client.post(builder_url(draft, "version_publish"), **HTMX)
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse(
        "scorecards:scorecard_detail", kwargs={"pk": draft.scorecard_id}
    )
    assert ScorecardVersion.objects.get(pk=draft.pk).status == VersionStatus.PUBLISHED


@pytest.mark.django_db
def test_builder_page_wires_each_form_to_its_fragment(manager_client, manager, draft):
    section = services.section_add(by=manager, version=draft, title="Opening")
    greet = services.criterion_add(by=manager, section=section, data=CriterionInput("Greets", 2))
    body = manager_client.get(builder_url(draft)).content.decode()
    # Every builder form posts both without JavaScript (action) and with htmx (hx-post).
    assert body.count('method="post" action="') == body.count("hx-post=") == 13
    assert f'hx-target="#section-{section.pk}"' in body
    assert f'hx-target="#criterion-{greet.pk}"' in body
    assert 'hx-target="#sections"' in body


# --- Preview ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_preview_shows_the_scoring_form_disabled_with_guidance_and_pass_mark(manager_client, published):
    v1 = published.current_version
    greet, verify = v1.criteria.order_by("position")
    body = manager_client.get(builder_url(v1, "version_preview")).content.decode()
    assert 'data-testid="pass-mark">80.00<' in body
    assert "Name and company within 5 seconds." in body
    # Yes/no: radio buttons worth all or nothing; scale: every value from max down, with N/A.
    assert f'type="radio" name="value_{greet.pk}" value="5" disabled' in body
    assert f'type="radio" name="value_{greet.pk}" value="0" disabled' in body
    assert f'<select name="value_{verify.pk}" disabled' in body
    assert '<option value="na">N/A</option>' in body
    assert "Critical" in body


@pytest.mark.django_db
def test_preview_of_a_draft_shows_its_unpublished_content(manager_client, manager, draft):
    section = services.section_add(by=manager, version=draft, title="Opening")
    services.criterion_add(
        by=manager, section=section, data=CriterionInput("Smiles audibly", 3, guidance="Tone")
    )
    body = manager_client.get(builder_url(draft, "version_preview")).content.decode()
    assert "Smiles audibly" in body
    assert "Back to the builder" in body
